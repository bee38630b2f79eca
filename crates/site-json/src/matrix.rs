//! The JSON of the authority matrix, documented in docs/cli-json.md:
//! `authority check --json`, `authority explain --action --json` (one
//! action's assessment), and `authority explain --json` without an action
//! (the matrix in full, format `interlock.authority/1`).

use authority::{Assessment, Finding, Level};
use serde_json::{Value, json};
use site_model::authority::{Authority, Conditions, Outcome};
use site_model::{PhaseWord, RoleIx, Site};

use crate::model::level;

/// The matrix checked against its site (`authority check --json`): `ok` (no finding is an
/// error), the matrix's `version`, how many `rules`, and every finding.
pub fn authority_check_json(matrix: &Authority, findings: &[Finding]) -> Value {
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let v: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "level": f.level.as_str(),
                "file": f.place.file,
                "line": f.place.line,
                "subject": f.subject,
                "message": f.message,
                "help": f.help,
            })
        })
        .collect();
    json!({"ok": errors == 0, "version": matrix.version, "rules": matrix.rules.len(), "findings": v})
}

/// What one action needs (`authority explain --action TEXT --phase PHASE --json`): the
/// assessment a proposal would record.
pub fn assessment_json(site: &Site, matrix: &Authority, asm: &Assessment, phase: PhaseWord) -> Value {
    let req = &asm.requirement;
    json!({
        "action": asm.action,
        "phase": phase.as_str(),
        "verdict": asm.verdict.as_str(),
        "unsafe_reasons": asm.unsafe_reasons,
        "measures": asm.measures,
        "facts": asm.facts.iter().map(|f| json!({"fact": f.fact.as_str(), "evidence": f.evidence})).collect::<Vec<_>>(),
        "rules": req.rules.iter().map(|r| json!({"rule": r.rule, "because": r.because})).collect::<Vec<_>>(),
        "groups": req.groups.iter().map(|g| json!({"roles": g.roles, "count": g.count})).collect::<Vec<_>>(),
        "joint": req.joint,
        "veto": req.veto,
        "execute": req.execute,
        "override": req.override_roles,
        "escalate_minutes": req.escalate_minutes,
        "ladder": req.ladder.iter().map(|r| json!({"role": r.role, "minutes": r.minutes})).collect::<Vec<_>>(),
        "authority_version": matrix.version,
        "site_version": site.version(),
    })
}

/// Who holds each role (primary first, then the deputies in order): `role`, `name` (null
/// for a role the site does not define), `holders` (`person`, `name`, `holding`:
/// `primary` or `deputy`). Each role once, in the order first given.
pub fn holders_json<'r>(site: &Site, roles: impl IntoIterator<Item = &'r str>) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for r in roles {
        if seen.contains(&r) {
            continue;
        }
        seen.push(r);
        let name = site.role_by_id(r).map(|ix| &*site.roles[ix.ix()].name);
        let holders: Vec<Value> = authority::holders(site, r)
            .into_iter()
            .map(|(p, h)| json!({"person": &*p.id, "name": &*p.name, "holding": h.as_str()}))
            .collect();
        out.push(json!({"role": r, "name": name, "holders": holders}));
    }
    out
}

fn role_ids<'s>(site: &'s Site, v: &[RoleIx]) -> Vec<&'s str> {
    v.iter().map(|r| &*site.roles[r.ix()].id).collect()
}

fn conditions(site: &Site, c: &Conditions) -> Value {
    json!({
        "verbs": c.verbs,
        "target_domains": c.target_domains.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
        "target_zones": c.target_zones.iter().map(|z| &*site.zone(*z).id).collect::<Vec<_>>(),
        "target_levels": c.target_levels.iter().map(|l| level(Some(*l))).collect::<Vec<_>>(),
        "target_kinds": c.target_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "target_criticality": c.target_criticality.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "target_functions": c.target_functions.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "impact": c.impact.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "intents": c.intents.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
        "phases": c.phases.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    })
}

fn outcome(site: &Site, m: &Authority, o: &Outcome) -> Value {
    json!({
        "approvals": o.approvals.iter().map(|g| json!({"roles": role_ids(site, &g.roles), "count": g.count})).collect::<Vec<_>>(),
        "joint": o.joint,
        "veto": role_ids(site, &o.veto),
        "execute": o.execute.as_ref().map(|e| role_ids(site, e)),
        "escalate_minutes": o.escalate_minutes,
        "ladder": o.ladder.and_then(|l| m.ladders.get(l)).map(|l| &*l.id),
        "override": o.override_roles.as_ref().map(|r| role_ids(site, r)),
    })
}

/// The whole matrix in words and ids (`authority explain --json` without an action, format
/// `interlock.authority/1`): its defaults, ladders and rules (each with its conditions, what it
/// requires and where it is written), and who holds every role it names.
pub fn matrix_json(site: &Site, m: &Authority) -> Value {
    let mut used: Vec<RoleIx> = m.override_roles.clone();
    for r in &m.rules {
        used.extend(r.then.approvals.iter().flat_map(|g| g.roles.iter().copied()));
        used.extend(r.then.veto.iter().copied());
        used.extend(r.then.execute.iter().flatten().copied());
        used.extend(r.then.override_roles.iter().flatten().copied());
    }
    used.extend(m.ladders.iter().flat_map(|l| l.steps.iter().map(|s| s.role)));
    used.sort_unstable();
    used.dedup();
    json!({
        "format": "interlock.authority/1",
        "version": m.version,
        "site_version": site.version(),
        "place": m.place.to_string(),
        "escalate_minutes": m.escalate_minutes,
        "ladder": m.ladder.and_then(|l| m.ladders.get(l)).map(|l| &*l.id),
        "override": role_ids(site, &m.override_roles),
        "ladders": m.ladders.iter().map(|l| json!({
            "id": &*l.id,
            "steps": l.steps.iter().map(|s| json!({"role": &*site.roles[s.role.ix()].id, "minutes": s.after_minutes})).collect::<Vec<_>>(),
            "then": l.then.and_then(|t| m.ladders.get(t)).map(|t| &*t.id),
            "place": l.place.to_string(),
        })).collect::<Vec<_>>(),
        "rules": m.rules.iter().map(|r| json!({
            "id": &*r.id,
            "description": r.description.as_deref(),
            "place": r.place.to_string(),
            "when": conditions(site, &r.when),
            "then": outcome(site, m, &r.then),
        })).collect::<Vec<_>>(),
        "roles": holders_json(site, used.iter().map(|r| &*site.roles[r.ix()].id)),
    })
}
