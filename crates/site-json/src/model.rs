//! The stable JSON views of `site check --json` and `site show --json`,
//! documented in docs/cli-json.md. Collections are in id order; absent
//! optional values are `null`, so every object always has the same keys.

use std::io;

use serde::Serialize;
use serde_json::Value;
use site_model::*;

pub const SHOW_FORMAT: &str = "interlock.site/1";
pub const CHECK_FORMAT: &str = "interlock.site-check/1";

#[derive(Serialize)]
pub struct DiagnosticJson<'a> {
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    field: &'a str,
    message: &'a str,
    expected: Option<&'a str>,
    help: Option<&'a str>,
}

impl<'a> From<&'a Diagnostic> for DiagnosticJson<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        DiagnosticJson {
            severity: d.severity.as_str(),
            file: &d.file,
            line: d.line,
            column: d.column,
            field: &d.field,
            message: &d.message,
            expected: d.expected.as_deref(),
            help: d.help.as_deref(),
        }
    }
}

#[derive(Serialize)]
pub struct CountsJson {
    zones: usize,
    conduits: usize,
    assets: usize,
    dependencies: usize,
    processes: usize,
    teams: usize,
    people: usize,
    roles: usize,
    accounts: usize,
    vendors: usize,
    baselines: usize,
    terms: usize,
}

impl From<Counts> for CountsJson {
    fn from(c: Counts) -> Self {
        CountsJson {
            zones: c.zones,
            conduits: c.conduits,
            assets: c.assets,
            dependencies: c.dependencies,
            processes: c.processes,
            teams: c.teams,
            people: c.people,
            roles: c.roles,
            accounts: c.accounts,
            vendors: c.vendors,
            baselines: c.baselines,
            terms: c.terms,
        }
    }
}

#[derive(Serialize)]
pub struct CheckJson<'a> {
    format: &'static str,
    ok: bool,
    version: Option<&'a str>,
    counts: Option<CountsJson>,
    errors: Vec<DiagnosticJson<'a>>,
    warnings: Vec<DiagnosticJson<'a>>,
}

pub fn check(outcome: &Outcome) -> CheckJson<'_> {
    CheckJson {
        format: CHECK_FORMAT,
        ok: outcome.site.is_some(),
        version: outcome.site.as_ref().map(|s| s.version()),
        counts: outcome.site.as_ref().map(|s| s.counts().into()),
        errors: outcome.errors().map(Into::into).collect(),
        warnings: outcome.warnings().map(Into::into).collect(),
    }
}

/// The site's own description: `id`, `name`, `organisation`, `timezone`, `description`.
pub fn info(site: &Site) -> Value {
    let info = &site.info;
    serde_json::json!({
        "id": &*info.id, "name": &*info.name, "organisation": info.organisation.as_deref(),
        "timezone": info.timezone.as_deref(), "description": info.description.as_deref(),
    })
}

/// A Purdue level as a number: an integer, or 3.5.
pub(crate) fn level(l: Option<PurdueLevel>) -> Value {
    match l {
        None => Value::Null,
        Some(l) if l.tenths() % 10 == 0 => Value::from(l.tenths() / 10),
        Some(l) => Value::from(l.tenths() as f64 / 10.0),
    }
}

fn sorted<'a, T>(items: &'a [T], id: impl Fn(&'a T) -> &'a str) -> Vec<&'a T> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort_by(|a, b| id(a).cmp(id(b)));
    v
}

/// Writes the whole model as JSON, streaming the large collections.
pub fn show(site: &Site, out: &mut dyn io::Write) -> io::Result<()> {
    let asset = |a: AssetIx| site.asset(a).id.as_ref();
    let assets = |v: &[AssetIx]| -> Vec<&str> {
        let mut ids: Vec<&str> = v.iter().map(|a| asset(*a)).collect();
        ids.sort_unstable();
        ids
    };
    let person = |p: PersonIx| site.people[p.ix()].id.as_ref();
    let team = |t: TeamIx| site.teams[t.ix()].id.as_ref();
    let zone = |z: ZoneIx| site.zone(z).id.as_ref();
    let dom = |d: Option<Domain>| d.map(|d| d.as_str());

    write!(out, "{{\"format\":{},\"version\":{},", json(SHOW_FORMAT)?, json(site.version())?)?;
    write!(out, "\"site\":{},", info(site))?;
    write!(out, "\"counts\":{},", json(&CountsJson::from(site.counts()))?)?;

    section(out, "zones", sorted(&site.zones, |z| &z.id), |z| {
        serde_json::json!({
            "id": &*z.id, "name": &*z.name, "parent": z.parent.map(zone), "domain": dom(z.domain),
            "purdue_level": level(z.purdue_level), "security_level": z.security_level,
            "description": z.description.as_deref(),
        })
    })?;
    section(out, "conduits", sorted(&site.conduits, |c| &c.id), |c| {
        let mut zs: Vec<&str> = c.zones.iter().map(|z| zone(*z)).collect();
        zs.sort_unstable();
        let channels: Vec<Value> = c
            .channels
            .iter()
            .map(|ch| serde_json::json!({"name": &*ch.name, "protocol": &*ch.protocol, "port": ch.port, "description": ch.description.as_deref()}))
            .collect();
        serde_json::json!({"id": &*c.id, "name": &*c.name, "zones": zs, "channels": channels, "description": c.description.as_deref()})
    })?;
    section(out, "assets", site.assets_in_id_order().map(|a| site.asset(a)).collect(), |a| {
        serde_json::json!({
            "id": &*a.id, "name": &*a.name, "kind": a.kind.as_str(), "attack_ics": a.kind.attack_ics_id(),
            "domain": a.domain.as_str(), "zone": zone(a.zone), "purdue_level": level(a.purdue_level),
            "criticality": a.criticality.as_str(), "owner": a.owner.map(team),
            "addresses": a.addresses.iter().map(|s| &**s).collect::<Vec<_>>(),
            "vendor": a.vendor.as_deref(), "model": a.model.as_deref(),
            "functions": a.functions.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "description": a.description.as_deref(),
        })
    })?;
    section(out, "dependencies", site.dependencies.iter().collect(), |d| {
        let crossing = match d.crossing {
            Crossing::WithinZone => "within-zone",
            Crossing::Named(_) => "named",
            Crossing::Derived(_) => "derived",
            Crossing::Undocumented => "undocumented",
        };
        let route: Vec<&str> = site.conduits_crossed(d).iter().map(|c| &*site.conduits[c.ix()].id).collect();
        serde_json::json!({
            "consumer": asset(d.consumer), "provider": asset(d.provider), "kind": d.kind.as_str(),
            "crossing": crossing, "route": route, "channel": site.channel_of(d), "criticality": d.criticality.as_str(),
            "safety_relevant": d.safety_relevant, "description": d.description.as_deref(),
        })
    })?;
    section(out, "processes", sorted(&site.processes, |p| &p.id), |p| {
        let manual = p.manual_operation.as_ref().map(|m| {
            serde_json::json!({
                "procedure": &*m.procedure, "sustainable_minutes": m.sustainable_minutes, "staffing": m.staffing,
                "last_exercised": m.last_exercised.map(|d| d.to_string()), "notes": m.notes.as_deref(),
            })
        });
        serde_json::json!({
            "id": &*p.id, "name": &*p.name, "criticality": p.criticality.as_str(),
            "control": assets(&p.control), "view": assets(&p.view), "alarm": assets(&p.alarm), "safety": assets(&p.safety),
            "manual_operation": manual, "description": p.description.as_deref(),
        })
    })?;
    section(
        out,
        "teams",
        sorted(&site.teams, |t| &t.id),
        |t| serde_json::json!({"id": &*t.id, "name": &*t.name, "domain": dom(t.domain)}),
    )?;
    section(out, "people", sorted(&site.people, |p| &p.id), |p| {
        let (team_id, vendor_id) = match &p.affiliation {
            Some(Affiliation::Team(t)) => (Some(team(*t)), None),
            Some(Affiliation::Vendor(v)) => (None, Some(&*site.vendors[v.ix()].id)),
            None => (None, None),
        };
        let contacts: Vec<Value> = p
            .contacts
            .iter()
            .map(|c| serde_json::json!({"channel": c.channel.as_str(), "address": &*c.address}))
            .collect();
        serde_json::json!({"id": &*p.id, "name": &*p.name, "team": team_id, "vendor": vendor_id, "title": p.title.as_deref(), "contacts": contacts})
    })?;
    section(out, "roles", sorted(&site.roles, |r| &r.id), |r| {
        serde_json::json!({
            "id": &*r.id, "name": &*r.name, "domain": dom(r.domain), "primary": r.primary.map(person),
            "deputies": r.deputies.iter().map(|p| person(*p)).collect::<Vec<_>>(), "description": r.description.as_deref(),
        })
    })?;
    section(out, "accounts", sorted(&site.accounts, |a| &a.id), |a| {
        let mut holders: Vec<&str> = a.holders.iter().map(|p| person(*p)).collect();
        holders.sort_unstable();
        serde_json::json!({
            "id": &*a.id, "username": &*a.username, "kind": a.kind.as_str(), "status": a.status.as_str(),
            "directory": a.directory.map(asset), "holders": holders,
            "vendor": a.vendor.map(|v| &*site.vendors[v.ix()].id), "assets": assets(&a.assets),
            "privileged": a.privileged, "mfa": a.mfa, "description": a.description.as_deref(),
        })
    })?;
    section(out, "vendors", sorted(&site.vendors, |v| &v.id), |v| {
        let pathways: Vec<Value> = sorted(&v.pathways, |p| &p.id)
            .into_iter()
            .map(|p| {
                let mut accounts: Vec<&str> = p.accounts.iter().map(|a| &*site.accounts[a.ix()].id).collect();
                accounts.sort_unstable();
                serde_json::json!({
                    "id": &*p.id, "via": p.via.iter().map(|a| asset(*a)).collect::<Vec<_>>(), "targets": assets(&p.targets),
                    "accounts": accounts, "mfa": p.mfa, "description": p.description.as_deref(),
                })
            })
            .collect();
        let mut functions: Vec<&VendorFunction> = v.functions.iter().collect();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        let functions: Vec<Value> = functions
            .into_iter()
            .map(|f| serde_json::json!({"name": &*f.name, "safety_critical": f.safety_critical, "assets": assets(&f.assets)}))
            .collect();
        serde_json::json!({
            "id": &*v.id, "name": &*v.name, "supervision_required": v.supervision_required,
            "recording_required": v.recording_required, "pathways": pathways, "functions": functions,
            "description": v.description.as_deref(),
        })
    })?;
    section(out, "baselines", sorted(&site.baselines, |b| &site.asset(b.asset).id), |b| {
        serde_json::json!({
            "asset": asset(b.asset), "config_hash": b.config_hash.as_deref(), "logic_version": b.logic_version.as_deref(),
            "logic_hash": b.logic_hash.as_deref(), "firmware": b.firmware.as_deref(),
            "recorded": b.recorded.map(|d| d.to_string()), "recorded_by": b.recorded_by.map(person),
        })
    })?;
    let mut actions: Vec<&ActionDef> = site.actions.iter().collect();
    actions.sort_by(|a, b| a.verb.cmp(&b.verb));
    section(out, "actions", actions, |a| {
        serde_json::json!({
            "verb": &*a.verb, "effect": a.effect.as_str(), "definition": &*a.definition,
            "it_reading": &*a.it_reading, "ot_reading": &*a.ot_reading, "reversible": a.reversible,
            "reversal": &*a.reversal, "typical_minutes": a.typical_minutes, "from_site": a.from_site,
            "targets": a.effect.targets().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        })
    })?;
    let mut terms: Vec<&Term> = site.glossary.iter().collect();
    terms.sort_by_key(|t| t.term.to_lowercase());
    write!(out, "\"glossary\":[")?;
    for (i, t) in terms.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let mut others: Vec<&str> = t.not_to_be_confused_with.iter().map(|s| &**s).collect();
        others.sort_unstable();
        let v = serde_json::json!({
            "term": &*t.term, "canonical": &*t.canonical, "it_reading": t.it_reading.as_deref(),
            "ot_reading": t.ot_reading.as_deref(), "not_to_be_confused_with": others,
        });
        serde_json::to_writer(&mut *out, &v)?;
    }
    writeln!(out, "]}}")?;
    Ok(())
}

fn json<T: Serialize + ?Sized>(v: &T) -> io::Result<String> {
    Ok(serde_json::to_string(v)?)
}

fn section<T>(out: &mut dyn io::Write, name: &str, items: Vec<&T>, view: impl Fn(&T) -> Value) -> io::Result<()> {
    write!(out, "\"{name}\":[")?;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &view(item))?;
    }
    out.write_all(b"],")?;
    Ok(())
}
