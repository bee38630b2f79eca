//! Phase 2: assign every defined thing its index, report duplicates, resolve
//! every reference (with "did you mean"), and build the model. Then phase 3
//! ([`super::check`]) checks the model as a whole.

use std::collections::HashMap;

use super::raw::*;
use super::{Diags, Loc, check};
use crate::LoadOptions;
use crate::authority::{ApprovalGroup, Authority, Conditions, Ladder, Outcome, Rule, Step};
use crate::deadline::Deadline;
use crate::diag::{Severity, nearest};
use crate::model::*;
use crate::site::{IdIndex, Site};
use crate::vocab::*;

type Map<'a> = HashMap<&'a str, u32, foldhash::fast::RandomState>;

/// At most this many "did you mean" searches per kind; each scans every id.
const SUGGESTIONS_PER_KIND: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Kind {
    Zone,
    Conduit,
    Asset,
    Process,
    Team,
    Person,
    Role,
    Account,
    Vendor,
}

const KINDS: usize = 9;

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Zone => "zone",
            Kind::Conduit => "conduit",
            Kind::Asset => "asset",
            Kind::Process => "process",
            Kind::Team => "team",
            Kind::Person => "person",
            Kind::Role => "role",
            Kind::Account => "account",
            Kind::Vendor => "vendor",
        }
    }
}

fn threads(options: &LoadOptions) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        n => n,
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

const UNSEEN: u32 = u32::MAX;
const MISSING: u32 = u32::MAX - 1;

/// The id tables of every kind, and per-file caches from file-local symbols
/// to global indices.
struct Ids<'n> {
    names: &'n [Vec<Box<str>>],
    maps: [Map<'n>; KINDS],
    /// Where each thing was defined, per kind, by index.
    defined: [Vec<Loc>; KINDS],
    cache: Vec<[Vec<u32>; KINDS]>,
    suggestions: [u32; KINDS],
}

impl<'n> Ids<'n> {
    fn new(names: &'n [Vec<Box<str>>]) -> Self {
        Ids {
            names,
            maps: Default::default(),
            defined: Default::default(),
            cache: names.iter().map(|_| Default::default()).collect(),
            suggestions: [0; KINDS],
        }
    }

    fn name(&self, file: usize, sym: Sym) -> &'n str {
        self.names.get(file).and_then(|n| n.get(sym as usize)).map(|s| &**s).unwrap_or("")
    }

    /// Defines a thing; `None` (after reporting) when the id is taken.
    fn define(&mut self, d: &mut Diags, kind: Kind, file: usize, id: At) -> Option<u32> {
        let name = self.name(file, id.sym);
        let loc = Loc { file: file as u32, at: id.at };
        let k = kind as usize;
        let next = self.defined[k].len() as u32;
        match self.maps[k].entry(name) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let first = self.defined[k][*e.get() as usize];
                let first = d.position(first);
                d.error(
                    loc,
                    format!("{} \"{name}\" > id", kind.name()),
                    format!("duplicate {} id \"{name}\", first defined at {first}", kind.name()),
                    Some(format!("ids unique among {}s", kind.name())),
                );
                None
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(next);
                self.defined[k].push(loc);
                Some(next)
            }
        }
    }

    /// Resolves a reference, reporting an unknown id with the nearest known one.
    fn resolve(
        &mut self,
        d: &mut Diags,
        kind: Kind,
        file: usize,
        r: At,
        field: impl FnOnce() -> String,
    ) -> Option<u32> {
        let k = kind as usize;
        let cache = &mut self.cache[file][k];
        if cache.is_empty() {
            cache.resize(self.names[file].len(), UNSEEN);
        }
        let slot = cache.get(r.sym as usize).copied().unwrap_or(MISSING);
        let found = if slot == UNSEEN {
            let found = self.maps[k].get(self.name(file, r.sym)).copied().unwrap_or(MISSING);
            self.cache[file][k][r.sym as usize] = found;
            found
        } else {
            slot
        };
        if found != MISSING {
            return Some(found);
        }
        let name = self.name(file, r.sym);
        let help = if self.suggestions[k] < SUGGESTIONS_PER_KIND {
            self.suggestions[k] += 1;
            nearest(name, self.maps[k].keys().copied()).map(|n| format!("did you mean \"{n}\"?"))
        } else {
            None
        };
        d.push(
            Severity::Error,
            Loc { file: file as u32, at: r.at },
            field(),
            format!("unknown {} \"{name}\"", kind.name()),
            Some(format!("the id of {} {} defined in the site model", article(kind.name()), kind.name())),
            help,
        );
        None
    }

    fn resolve_all(
        &mut self,
        d: &mut Diags,
        kind: Kind,
        file: usize,
        refs: &[At],
        field: &dyn Fn() -> String,
    ) -> Vec<u32> {
        let mut out: Vec<u32> = refs.iter().filter_map(|r| self.resolve(d, kind, file, *r, field)).collect();
        out.shrink_to_fit();
        out
    }
}

/// Locations kept for the whole-model checks.
pub(crate) struct Locs {
    pub zones: Vec<Loc>,
    pub conduit_zones: Vec<Loc>,
    pub assets: Vec<Loc>,
    /// Where each dependency's table starts.
    pub dependencies: Vec<Loc>,
    pub processes: Vec<Loc>,
    /// Where `control` is, and whether it listed anything (resolved or not).
    pub process_controls: Vec<(Loc, bool)>,
    pub roles: Vec<Loc>,
    pub accounts: Vec<Loc>,
    pub account_holders: Vec<Loc>,
    /// (vendor, pathway) -> where the pathway id and targets are, and whether targets were listed.
    pub pathways: Vec<Vec<(Loc, Loc, bool)>>,
    pub baselines: Vec<Loc>,
    pub terms: Vec<Loc>,
    pub term_refs: Vec<Vec<Loc>>,
    pub site: Vec<Loc>,
}

pub(crate) fn resolve(mut raws: Vec<RawFile>, d: &mut Diags, options: &LoadOptions) -> Option<Site> {
    let names: Vec<Vec<Box<str>>> = raws.iter_mut().map(|r| std::mem::take(&mut r.names)).collect();
    let mut ids = Ids::new(&names);

    // Definitions first, so that references may point forward and across files.
    macro_rules! define {
        ($field:ident, $kind:expr) => {{
            let mut kept = Vec::new();
            for (f, raw) in raws.iter_mut().enumerate() {
                for r in std::mem::take(&mut raw.$field) {
                    if ids.define(d, $kind, f, r.id).is_some() {
                        kept.push((f, r));
                    }
                }
            }
            kept
        }};
    }
    let zones = define!(zones, Kind::Zone);
    let conduits = define!(conduits, Kind::Conduit);
    let assets = define!(assets, Kind::Asset);
    let processes = define!(processes, Kind::Process);
    let teams = define!(teams, Kind::Team);
    let people = define!(people, Kind::Person);
    let roles = define!(roles, Kind::Role);
    let accounts = define!(accounts, Kind::Account);
    let vendors = define!(vendors, Kind::Vendor);

    let mut locs = Locs {
        zones: ids.defined[Kind::Zone as usize].clone(),
        conduit_zones: Vec::with_capacity(conduits.len()),
        assets: ids.defined[Kind::Asset as usize].clone(),
        dependencies: Vec::new(),
        processes: ids.defined[Kind::Process as usize].clone(),
        process_controls: Vec::with_capacity(processes.len()),
        roles: ids.defined[Kind::Role as usize].clone(),
        accounts: ids.defined[Kind::Account as usize].clone(),
        account_holders: Vec::with_capacity(accounts.len()),
        pathways: Vec::with_capacity(vendors.len()),
        baselines: Vec::new(),
        terms: Vec::new(),
        term_refs: Vec::new(),
        site: Vec::new(),
    };

    // [site]
    let mut site_info = None;
    for (f, raw) in raws.iter_mut().enumerate() {
        for s in std::mem::take(&mut raw.site) {
            let loc = Loc { file: f as u32, at: s.at };
            if let Some(first) = locs.site.first() {
                let first = d.position(*first);
                d.error(
                    loc,
                    "site".into(),
                    format!("a second [site] table; the first is at {first}"),
                    Some("exactly one [site] table across all files".into()),
                );
            } else {
                site_info = Some(SiteInfo {
                    id: s.id,
                    name: s.name,
                    organisation: s.organisation,
                    timezone: s.timezone,
                    description: s.description,
                    follow_up_days: s.follow_up_days,
                    update_every: s.update_every,
                    verification_every: s.verification_every,
                });
            }
            locs.site.push(loc);
        }
    }
    if site_info.is_none() && !d.paths.is_empty() {
        d.error(
            Diags::nowhere(),
            "site".into(),
            "no [site] table in any file".into(),
            Some("exactly one [site] table, with `id` and `name`".into()),
        );
    }

    let zones: Vec<Zone> = zones
        .into_iter()
        .map(|(f, z)| {
            let zid = ids.name(f, z.id.sym);
            let parent = z
                .parent
                .and_then(|p| ids.resolve(d, Kind::Zone, f, p, || format!("zone \"{zid}\" > parent")))
                .map(ZoneIx);
            Zone {
                id: ids.name(f, z.id.sym).into(),
                name: z.name,
                parent,
                domain: z.domain,
                purdue_level: z.purdue_level,
                security_level: z.security_level,
                description: z.description,
            }
        })
        .collect();

    let conduits: Vec<Conduit> = conduits
        .into_iter()
        .map(|(f, c)| {
            let id = ids.name(f, c.id.sym);
            let mut zs: Vec<ZoneIx> = ids
                .resolve_all(d, Kind::Zone, f, &c.zones, &|| format!("conduit \"{id}\" > zones"))
                .into_iter()
                .map(ZoneIx)
                .collect();
            zs.sort_unstable();
            zs.dedup();
            locs.conduit_zones.push(Loc { file: f as u32, at: c.zones_at });
            let mut channels = c.channels;
            channels.sort();
            Conduit { id: id.into(), name: c.name, zones: zs, channels, description: c.description }
        })
        .collect();

    let teams: Vec<Team> = teams
        .into_iter()
        .map(|(f, t)| Team { id: ids.name(f, t.id.sym).into(), name: t.name, domain: t.domain })
        .collect();

    let vendor_count = vendors.len();
    let people: Vec<Person> = people
        .into_iter()
        .map(|(f, p)| {
            let id = ids.name(f, p.id.sym);
            let affiliation = if let Some(t) = p.team {
                ids.resolve(d, Kind::Team, f, t, || format!("person \"{id}\" > team"))
                    .map(|t| Affiliation::Team(TeamIx(t)))
            } else if let Some(v) = p.vendor {
                ids.resolve(d, Kind::Vendor, f, v, || format!("person \"{id}\" > vendor"))
                    .map(|v| Affiliation::Vendor(VendorIx(v)))
            } else {
                None
            };
            let mut contacts = p.contacts;
            contacts.sort();
            Person { id: id.into(), name: p.name, affiliation, title: p.title, contacts }
        })
        .collect();
    debug_assert!(vendor_count == ids.defined[Kind::Vendor as usize].len());

    let asset_domains: Vec<Option<Domain>> = assets.iter().map(|(_, a)| a.domain).collect();
    let assets: Vec<Asset> = assets
        .into_iter()
        .map(|(f, a)| {
            let id = ids.name(f, a.id.sym);
            let zone = a.zone.and_then(|z| ids.resolve(d, Kind::Zone, f, z, || format!("asset \"{id}\" > zone")));
            let owner = a
                .owner
                .and_then(|o| ids.resolve(d, Kind::Team, f, o, || format!("asset \"{id}\" > owner")))
                .map(TeamIx);
            let mut addresses = a.addresses;
            addresses.sort();
            addresses.dedup();
            Asset {
                id: id.into(),
                name: a.name.unwrap_or_else(|| id.into()),
                kind: a.kind,
                // Filled in by the checks (zone domain, kind's usual domain); `Shared` until then.
                domain: a.domain.unwrap_or(Domain::Shared),
                zone: ZoneIx(zone.unwrap_or(u32::MAX)),
                purdue_level: a.purdue_level,
                criticality: a.criticality,
                owner,
                addresses,
                vendor: a.vendor,
                model: a.model,
                functions: a.functions,
                description: a.description,
            }
        })
        .collect();
    let total: usize = raws.iter().map(|r| r.dependencies.len()).sum();
    let mut dependencies = Vec::with_capacity(total);
    locs.dependencies.reserve_exact(total);
    // (dependency index, route) for the few dependencies that name their conduits.
    let mut crossings_named: Vec<(u32, Vec<ConduitIx>, Loc)> = Vec::new();
    let mut channel_names: Vec<Box<str>> = Vec::new();
    // (dependency index, where its channel is named), for the checks.
    let mut channel_locs: Vec<(u32, Loc)> = Vec::new();
    for (f, raw) in raws.iter_mut().enumerate() {
        let deps = std::mem::take(&mut raw.dependencies);
        let mut extras = std::mem::take(&mut raw.dependency_extras);
        for dep in deps {
            let (c, p) = (ids.name(f, dep.consumer.sym), ids.name(f, dep.provider.sym));
            let field = |k: &'static str| move || format!("dependency \"{c}\" -> \"{p}\" > {k}");
            let consumer = ids.resolve(d, Kind::Asset, f, dep.consumer, field("consumer"));
            let provider = ids.resolve(d, Kind::Asset, f, dep.provider, field("provider"));
            let (conduit, channel, description) = match extras.get_mut(dep.extra as usize) {
                Some(x) => (std::mem::take(&mut x.conduit), x.channel.take(), x.description.take()),
                None => (Vec::new(), None, None),
            };
            let route: Vec<Option<u32>> =
                conduit.iter().map(|c| ids.resolve(d, Kind::Conduit, f, *c, field("conduit"))).collect();
            let (Some(consumer), Some(provider), Some(kind)) = (consumer, provider, dep.kind) else {
                continue;
            };
            let Some(route) = route.into_iter().collect::<Option<Vec<u32>>>() else {
                continue;
            };
            let criticality = dep.criticality.unwrap_or_else(|| assets[consumer as usize].criticality);
            locs.dependencies.push(Loc { file: f as u32, at: dep.at });
            if let Some(first) = conduit.first() {
                let loc = Loc { file: f as u32, at: first.at };
                crossings_named.push((dependencies.len() as u32, route.into_iter().map(ConduitIx).collect(), loc));
            }
            let channel = channel.map(|(name, at)| {
                let ix = channel_names.iter().position(|c| *c == name).unwrap_or_else(|| {
                    channel_names.push(name);
                    channel_names.len() - 1
                });
                channel_locs.push((dependencies.len() as u32, Loc { file: f as u32, at }));
                u16::try_from(ix).unwrap_or(u16::MAX)
            });
            dependencies.push(Dependency {
                consumer: AssetIx(consumer),
                provider: AssetIx(provider),
                kind,
                crossing: Crossing::WithinZone,
                channel,
                criticality,
                safety_relevant: dep.safety_relevant.unwrap_or(kind == Function::Safety),
                description,
            });
        }
    }

    let processes: Vec<Process> = processes
        .into_iter()
        .map(|(f, p)| {
            let id = ids.name(f, p.id.sym);
            let reading_names: Vec<&str> = p.readings.iter().map(|r| ids.name(f, r.id.sym)).collect();
            let mut list = |refs: &[At], k: &str| -> Vec<AssetIx> {
                let mut v: Vec<AssetIx> = ids
                    .resolve_all(d, Kind::Asset, f, refs, &|| format!("process \"{id}\" > {k}"))
                    .into_iter()
                    .map(AssetIx)
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let control = list(&p.control, "control");
            let view = list(&p.view, "view");
            let alarm = list(&p.alarm, "alarm");
            let safety = list(&p.safety, "safety");
            let mut readings: Vec<Reading> = Vec::with_capacity(p.readings.len());
            let mut duplicates = Vec::new();
            for (r, rid) in p.readings.into_iter().zip(reading_names) {
                let shown_on = match &r.shown_on {
                    Some(refs) => list(refs, &format!("reading \"{rid}\" > shown_on")),
                    None => view.clone(),
                };
                if readings.iter().any(|x| &*x.id == rid) {
                    duplicates.push((r.id.at, rid));
                    continue;
                }
                readings.push(Reading {
                    id: rid.into(),
                    name: r.name,
                    unit: r.unit,
                    station: r.station,
                    shown_on,
                    tolerance: r.tolerance,
                });
            }
            for (at, rid) in duplicates {
                d.error(
                    Loc { file: f as u32, at },
                    format!("process \"{id}\" > reading \"{rid}\" > id"),
                    format!("duplicate reading id \"{rid}\" in process \"{id}\""),
                    Some("reading ids unique within their process".into()),
                );
            }
            locs.process_controls.push((Loc { file: f as u32, at: p.control_at }, !p.control.is_empty()));
            Process {
                id: id.into(),
                name: p.name,
                criticality: p.criticality,
                control,
                view,
                alarm,
                safety,
                manual_operation: p.manual_operation.map(|m| ManualOperation {
                    procedure: m.procedure,
                    sustainable_minutes: m.sustainable_minutes,
                    staffing: m.staffing,
                    last_exercised: m.last_exercised,
                    notes: m.notes,
                }),
                readings,
                description: p.description,
            }
        })
        .collect();

    let roles: Vec<Role> = roles
        .into_iter()
        .map(|(f, r)| {
            let id = ids.name(f, r.id.sym);
            let primary = r
                .primary
                .and_then(|p| ids.resolve(d, Kind::Person, f, p, || format!("role \"{id}\" > primary")))
                .map(PersonIx);
            let deputies = ids
                .resolve_all(d, Kind::Person, f, &r.deputies, &|| format!("role \"{id}\" > deputies"))
                .into_iter()
                .map(PersonIx)
                .collect();
            Role { id: id.into(), name: r.name, domain: r.domain, primary, deputies, description: r.description }
        })
        .collect();

    let accounts: Vec<Account> = accounts
        .into_iter()
        .map(|(f, a)| {
            let id = ids.name(f, a.id.sym);
            let directory = a
                .directory
                .and_then(|x| ids.resolve(d, Kind::Asset, f, x, || format!("account \"{id}\" > directory")))
                .map(AssetIx);
            let mut holders: Vec<PersonIx> = ids
                .resolve_all(d, Kind::Person, f, &a.holders, &|| format!("account \"{id}\" > holders"))
                .into_iter()
                .map(PersonIx)
                .collect();
            holders.sort_unstable();
            holders.dedup();
            let vendor = a
                .vendor
                .and_then(|v| ids.resolve(d, Kind::Vendor, f, v, || format!("account \"{id}\" > vendor")))
                .map(VendorIx);
            let mut assets: Vec<AssetIx> = ids
                .resolve_all(d, Kind::Asset, f, &a.assets, &|| format!("account \"{id}\" > assets"))
                .into_iter()
                .map(AssetIx)
                .collect();
            assets.sort_unstable();
            assets.dedup();
            locs.account_holders.push(Loc { file: f as u32, at: a.holders_at });
            Account {
                id: id.into(),
                username: a.username.unwrap_or_else(|| id.into()),
                kind: a.kind,
                status: a.status,
                directory,
                holders,
                vendor,
                assets,
                privileged: a.privileged,
                mfa: a.mfa,
                description: a.description,
            }
        })
        .collect();

    let vendors: Vec<Vendor> = vendors
        .into_iter()
        .map(|(f, v)| {
            let id = ids.name(f, v.id.sym);
            let mut pathway_locs = Vec::new();
            let pathways = v
                .pathways
                .into_iter()
                .map(|p| {
                    let pid = ids.name(f, p.id.sym);
                    let field = |k: &'static str| move || format!("vendor \"{id}\" > pathway \"{pid}\" > {k}");
                    let via =
                        ids.resolve_all(d, Kind::Asset, f, &p.via, &field("via")).into_iter().map(AssetIx).collect();
                    let mut targets: Vec<AssetIx> = ids
                        .resolve_all(d, Kind::Asset, f, &p.targets, &field("targets"))
                        .into_iter()
                        .map(AssetIx)
                        .collect();
                    targets.sort_unstable();
                    targets.dedup();
                    let mut accounts: Vec<AccountIx> = ids
                        .resolve_all(d, Kind::Account, f, &p.accounts, &field("accounts"))
                        .into_iter()
                        .map(AccountIx)
                        .collect();
                    accounts.sort_unstable();
                    accounts.dedup();
                    pathway_locs.push((
                        Loc { file: f as u32, at: p.id.at },
                        Loc { file: f as u32, at: p.targets_at },
                        !p.targets.is_empty(),
                    ));
                    Pathway { id: pid.into(), via, targets, accounts, mfa: p.mfa, description: p.description }
                })
                .collect();
            locs.pathways.push(pathway_locs);
            let functions = v
                .functions
                .into_iter()
                .map(|vf| {
                    let mut assets: Vec<AssetIx> = ids
                        .resolve_all(d, Kind::Asset, f, &vf.assets, &|| format!("vendor \"{id}\" > function > assets"))
                        .into_iter()
                        .map(AssetIx)
                        .collect();
                    assets.sort_unstable();
                    assets.dedup();
                    VendorFunction { name: vf.name, safety_critical: vf.safety_critical, assets }
                })
                .collect();
            Vendor {
                id: id.into(),
                name: v.name,
                supervision_required: v.supervision_required,
                recording_required: v.recording_required,
                pathways,
                functions,
                description: v.description,
            }
        })
        .collect();

    let mut baselines = Vec::new();
    let mut terms = Vec::new();
    for (f, raw) in raws.iter_mut().enumerate() {
        for b in std::mem::take(&mut raw.baselines) {
            let who = ids.name(f, b.asset.sym);
            let asset = ids.resolve(d, Kind::Asset, f, b.asset, || format!("baseline \"{who}\" > asset"));
            let recorded_by = b
                .recorded_by
                .and_then(|p| ids.resolve(d, Kind::Person, f, p, || format!("baseline \"{who}\" > recorded_by")));
            if let Some(asset) = asset {
                locs.baselines.push(Loc { file: f as u32, at: b.asset.at });
                baselines.push(Baseline {
                    asset: AssetIx(asset),
                    config_hash: b.config_hash,
                    logic_version: b.logic_version,
                    logic_hash: b.logic_hash,
                    firmware: b.firmware,
                    recorded: b.recorded,
                    recorded_by: recorded_by.map(PersonIx),
                });
            }
        }
        for t in std::mem::take(&mut raw.terms) {
            locs.terms.push(Loc { file: f as u32, at: t.at });
            locs.term_refs
                .push(t.not_to_be_confused_with.iter().map(|(_, at)| Loc { file: f as u32, at: *at }).collect());
            terms.push(Term {
                term: t.term,
                canonical: t.canonical,
                it_reading: t.it_reading,
                ot_reading: t.ot_reading,
                not_to_be_confused_with: t.not_to_be_confused_with.into_iter().map(|(s, _)| s).collect(),
            });
        }
    }
    let (deadlines, deadline_descriptions) = deadlines(&mut raws, d);
    let mut actions = crate::action::builtin_actions();
    let mut site_verbs: Vec<(Box<str>, Loc)> = Vec::new();
    for (f, raw) in raws.iter_mut().enumerate() {
        for a in std::mem::take(&mut raw.actions) {
            let loc = Loc { file: f as u32, at: a.at };
            merge_action(&mut actions, &mut site_verbs, a, loc, d);
        }
    }
    // After the actions: rules name verbs of the merged vocabulary.
    let parts: Vec<(usize, RawAuthority)> = raws
        .iter_mut()
        .enumerate()
        .flat_map(|(f, raw)| std::mem::take(&mut raw.authority).into_iter().map(move |a| (f, a)))
        .collect();
    let authority = authority(parts, &mut ids, &actions, d);
    drop(ids);
    drop(names);
    drop(raws);

    let mut site = Site {
        info: site_info.unwrap_or(SiteInfo {
            id: "".into(),
            name: "".into(),
            organisation: None,
            timezone: None,
            description: None,
            follow_up_days: None,
            update_every: [None; 4],
            verification_every: None,
        }),
        asset_ids: IdIndex::new(assets.iter().map(|a| &*a.id)),
        zone_ids: IdIndex::new(zones.iter().map(|z| &*z.id)),
        role_ids: IdIndex::new(roles.iter().map(|r| &*r.id)),
        person_ids: IdIndex::new(people.iter().map(|p| &*p.id)),
        zones,
        conduits,
        assets,
        dependencies,
        processes,
        teams,
        people,
        roles,
        accounts,
        vendors,
        baselines,
        glossary: terms,
        routes: Vec::new(),
        channel_names,
        actions,
        authority: None,
        deadlines,
        version: String::new(),
    };
    let (authority, notes) = match authority {
        Some((a, notes)) => (Some(a), Some(notes)),
        None => (None, None),
    };
    site.authority = authority;
    // The checks run even after errors, so one run reports everything; they
    // skip what did not resolve.
    check::check(&mut site, &asset_domains, &crossings_named, &channel_locs, &locs, d, options);
    if d.has_errors() {
        return None;
    }
    if let (Some(a), Some(notes)) = (&site.authority, &notes) {
        let v = crate::version::authority(&site, a, notes.description.as_deref(), &notes.ladders);
        if let Some(a) = site.authority.as_mut() {
            a.version = v;
        }
    }
    site.version = crate::version::version(&site, &deadline_descriptions, threads(options));
    Some(site)
}

/// The `[[deadline]]` tables in file order, ids unique (a duplicate is
/// reported and dropped), with their descriptions (kept for the version only).
fn deadlines(raws: &mut [RawFile], d: &mut Diags) -> (Vec<Deadline>, Vec<Option<Box<str>>>) {
    let mut first: HashMap<Box<str>, Loc, foldhash::fast::RandomState> = HashMap::default();
    let mut out = Vec::new();
    let mut descriptions = Vec::new();
    for (f, raw) in raws.iter_mut().enumerate() {
        for r in std::mem::take(&mut raw.deadlines) {
            let loc = Loc { file: f as u32, at: r.id_at };
            if let Some(at) = first.get(&r.id) {
                let at = d.position(*at);
                d.error(
                    loc,
                    format!("deadline \"{}\" > id", r.id),
                    format!("duplicate deadline id \"{}\", first defined at {at}", r.id),
                    Some("ids unique among deadlines".into()),
                );
                continue;
            }
            first.insert(r.id.clone(), loc);
            descriptions.push(r.description);
            out.push(Deadline { id: r.id, regime: r.regime, trigger: r.trigger, due: r.due, report: r.report });
        }
    }
    (out, descriptions)
}

/// Applies one `[[action]]` table: rewords a built-in verb, or adds a site verb.
fn merge_action(
    actions: &mut Vec<crate::action::ActionDef>,
    site_verbs: &mut Vec<(Box<str>, Loc)>,
    a: RawAction,
    loc: Loc,
    d: &mut Diags,
) {
    let field = |k: &str| format!("action \"{}\" > {k}", a.verb);
    if let Some((_, first)) = site_verbs.iter().find(|(v, _)| *v == a.verb) {
        let first = d.position(*first);
        d.error(
            loc,
            field("verb"),
            format!("defined twice; the first is at {first}"),
            Some("one definition per verb".into()),
        );
        return;
    }
    site_verbs.push((a.verb.clone(), loc));
    match actions.iter_mut().find(|x| x.verb == a.verb) {
        Some(builtin) => {
            if let Some((effect, at)) = a.effect
                && effect != builtin.effect
            {
                d.error(
                    Loc { file: loc.file, at },
                    field("effect"),
                    format!(
                        "\"{}\" is a built-in verb with effect \"{}\"; its effect cannot change",
                        a.verb, builtin.effect
                    ),
                    Some(format!("\"{}\", or a new verb of your own for a different effect", builtin.effect)),
                );
            }
            let b = builtin;
            if let Some(x) = a.definition {
                b.definition = x;
            }
            if let Some(x) = a.it_reading {
                b.it_reading = x;
            }
            if let Some(x) = a.ot_reading {
                b.ot_reading = x;
            }
            if let Some(x) = a.reversible {
                b.reversible = x;
            }
            if let Some(x) = a.reversal {
                b.reversal = x;
            }
            if let Some(x) = a.typical_minutes {
                b.typical_minutes = x;
            }
            b.from_site = true;
        }
        None => {
            let Some((effect, _)) = a.effect else {
                d.error(
                    loc,
                    field("effect"),
                    "a new verb must say which built-in effect it has".into(),
                    Some(crate::diag::one_of(crate::action::Effect::words())),
                );
                return;
            };
            let Some(definition) = a.definition else {
                d.error(
                    loc,
                    field("definition"),
                    "a new verb needs its canonical definition".into(),
                    Some("a string".into()),
                );
                return;
            };
            let base = actions.iter().find(|x| x.effect == effect && !x.from_site).cloned();
            let base = base.unwrap_or_else(|| crate::action::builtin_actions().swap_remove(0));
            actions.push(crate::action::ActionDef {
                verb: a.verb,
                effect,
                definition,
                it_reading: a.it_reading.unwrap_or(base.it_reading),
                ot_reading: a.ot_reading.unwrap_or(base.ot_reading),
                reversible: a.reversible.unwrap_or(base.reversible),
                reversal: a.reversal.unwrap_or(base.reversal),
                typical_minutes: a.typical_minutes.unwrap_or(base.typical_minutes),
                from_site: true,
            });
        }
    }
}

/// What the matrix says that the resolved [`Authority`] does not keep, but
/// its version covers: the descriptions of the matrix and of each ladder.
struct AuthorityNotes {
    description: Option<Box<str>>,
    /// One per ladder of [`Authority::ladders`], in the same order.
    ladders: Vec<Option<Box<str>>>,
}

/// The authority matrix gathered from the parse units that write it: all from
/// one file (a large file's segments each carry their part).
struct Matrix {
    /// Where it is first written.
    loc: Loc,
    path: String,
    /// The unit that writes the `[authority]` table itself, and what it says.
    head: Option<(usize, RawAuthority)>,
    ladders: Vec<(usize, RawLadder)>,
    rules: Vec<(usize, RawRule)>,
}

/// Preserves the first occurrence of each value, in the order written.
fn unique<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn gather(parts: Vec<(usize, RawAuthority)>, d: &mut Diags) -> Option<Matrix> {
    let mut m: Option<Matrix> = None;
    for (f, mut a) in parts {
        let loc = Loc { file: f as u32, at: a.at };
        let path = d.paths.get(f).cloned().unwrap_or_default();
        let ladders = std::mem::take(&mut a.ladders).into_iter().map(|l| (f, l));
        let rules = std::mem::take(&mut a.rules).into_iter().map(|r| (f, r));
        match &mut m {
            None => {
                let (ladders, rules) = (ladders.collect(), rules.collect());
                m = Some(Matrix { loc, path, head: a.explicit.then_some((f, a)), ladders, rules });
            }
            // Another segment of the same large file: its ladders and rules continue the matrix.
            Some(m) if m.path == path && !(a.explicit && m.head.is_some()) => {
                m.ladders.extend(ladders);
                m.rules.extend(rules);
                if a.explicit {
                    m.head = Some((f, a));
                }
            }
            Some(m) => {
                let first = d.position(m.head.as_ref().map_or(m.loc, |(hf, h)| Loc { file: *hf as u32, at: h.at }));
                let message = if m.path == path {
                    format!("a second [authority] table; the first is at {first}")
                } else {
                    format!("the authority matrix is written in a second file; the first is at {first}")
                };
                d.error(
                    loc,
                    "authority".into(),
                    message,
                    Some("one [authority] table, with its [[authority.ladder]] and [[authority.rule]] tables, in one file".into()),
                );
            }
        }
    }
    m
}

/// Resolves the authority matrix: ladder and rule ids, and every role, zone,
/// ladder and verb they name.
fn authority(
    parts: Vec<(usize, RawAuthority)>,
    ids: &mut Ids<'_>,
    actions: &[crate::action::ActionDef],
    d: &mut Diags,
) -> Option<(Authority, AuthorityNotes)> {
    let m = gather(parts, d)?;
    let roles = |ids: &mut Ids<'_>, d: &mut Diags, f: usize, refs: &[At], field: &dyn Fn() -> String| {
        unique(ids.resolve_all(d, Kind::Role, f, refs, field).into_iter().map(RoleIx).collect())
    };

    // Ladder ids first: ladders name each other (`then`), and rules name them.
    let mut ladder_ix: HashMap<&str, usize, foldhash::fast::RandomState> = HashMap::default();
    let mut ladder_locs: Vec<Loc> = Vec::new();
    let mut raw_ladders = Vec::new();
    for (f, l) in m.ladders {
        let name = ids.name(f, l.id.sym);
        let loc = Loc { file: f as u32, at: l.id.at };
        if let Some(first) = ladder_ix.get(name) {
            let first = d.position(ladder_locs[*first]);
            d.error(
                loc,
                format!("authority > ladder \"{name}\" > id"),
                format!("duplicate ladder id \"{name}\", first defined at {first}"),
                Some("ids unique among the matrix's ladders".into()),
            );
            continue;
        }
        ladder_ix.insert(name, raw_ladders.len());
        ladder_locs.push(loc);
        raw_ladders.push((f, l));
    }
    let ladder_names: Vec<&str> = raw_ladders.iter().map(|(f, l)| ids.name(*f, l.id.sym)).collect();
    let find_ladder = |d: &mut Diags, f: usize, r: At, name: &str, field: String| -> Option<usize> {
        if let Some(ix) = ladder_ix.get(name) {
            return Some(*ix);
        }
        let help = nearest(name, ladder_names.iter().copied()).map(|n| format!("did you mean \"{n}\"?"));
        d.push(
            Severity::Error,
            Loc { file: f as u32, at: r.at },
            field,
            format!("unknown ladder \"{name}\""),
            Some("the id of a ladder of the authority matrix ([[authority.ladder]])".into()),
            help,
        );
        None
    };

    let mut ladders = Vec::with_capacity(raw_ladders.len());
    let mut ladder_notes = Vec::with_capacity(raw_ladders.len());
    for (f, l) in raw_ladders {
        let id = ids.name(f, l.id.sym);
        let field = |k: &'static str| move || format!("authority > ladder \"{id}\" > {k}");
        let steps = l
            .steps
            .iter()
            .filter_map(|s| {
                let role = ids.resolve(d, Kind::Role, f, s.role, field("steps"))?;
                Some(Step { role: RoleIx(role), after_minutes: s.after_minutes })
            })
            .collect();
        let then = l.then.and_then(|t| find_ladder(d, f, t, ids.name(f, t.sym), field("then")()));
        ladders.push(Ladder { id: id.into(), steps, then, place: d.place(Loc { file: f as u32, at: l.at }) });
        ladder_notes.push(l.description);
    }

    let (head_loc, escalate_minutes, default_ladder, override_roles, description) = match m.head {
        Some((f, h)) => {
            let ladder = h
                .default_ladder
                .and_then(|r| find_ladder(d, f, r, ids.name(f, r.sym), "authority > default_ladder".into()));
            let override_roles = roles(ids, d, f, &h.override_roles, &|| "authority > override".into());
            let loc = Loc { file: f as u32, at: h.at };
            (loc, h.escalate_minutes, ladder, override_roles, h.description)
        }
        None => (m.loc, None, None, Vec::new(), None),
    };

    let mut rule_locs: HashMap<&str, Loc, foldhash::fast::RandomState> = HashMap::default();
    let mut rules = Vec::with_capacity(m.rules.len());
    for (f, r) in m.rules {
        let id = ids.name(f, r.id.sym);
        let loc = Loc { file: f as u32, at: r.id.at };
        if let Some(first) = rule_locs.get(id) {
            let first = d.position(*first);
            d.error(
                loc,
                format!("authority > rule \"{id}\" > id"),
                format!("duplicate rule id \"{id}\", first defined at {first}"),
                Some("ids unique among the matrix's rules".into()),
            );
            continue;
        }
        rule_locs.insert(id, loc);
        let field = |k: &'static str| move || format!("authority > rule \"{id}\" > {k}");

        let mut verbs = Vec::with_capacity(r.verbs.len());
        for (verb, at) in r.verbs {
            if actions.iter().any(|a| a.verb == verb) {
                verbs.push(verb);
                continue;
            }
            let help = nearest(&verb, actions.iter().map(|a| &*a.verb)).map(|n| format!("did you mean \"{n}\"?"));
            d.push(
                Severity::Error,
                Loc { file: f as u32, at },
                field("verbs")(),
                format!("unknown verb \"{verb}\""),
                Some("a verb of the site's action vocabulary: a built-in verb or one of its [[action]] verbs".into()),
                help,
            );
        }
        let target_zones = unique(
            ids.resolve_all(d, Kind::Zone, f, &r.target_zones, &field("target_zones"))
                .into_iter()
                .map(ZoneIx)
                .collect(),
        );
        let execute = r.execute.map(|e| roles(ids, d, f, &e, &field("execute")));
        let approvals = r
            .approvals
            .iter()
            .map(|g| ApprovalGroup { roles: roles(ids, d, f, &g.roles, &field("approvals")), count: g.count })
            .collect();
        let veto = roles(ids, d, f, &r.veto, &field("veto"));
        let ladder = r.ladder.and_then(|l| find_ladder(d, f, l, ids.name(f, l.sym), field("ladder")()));
        let override_roles = r.override_roles.map(|o| roles(ids, d, f, &o, &field("override")));
        rules.push(Rule {
            id: id.into(),
            description: r.description,
            when: Conditions {
                verbs,
                target_domains: r.target_domains,
                target_zones,
                target_levels: r.target_levels,
                target_kinds: r.target_kinds,
                target_criticality: r.target_criticality,
                target_functions: r.target_functions,
                impact: r.impact,
                intents: r.intents,
                phases: r.phases,
            },
            then: Outcome {
                execute,
                approvals,
                joint: r.joint,
                veto,
                escalate_minutes: r.escalate_minutes,
                ladder,
                override_roles,
            },
            place: d.place(Loc { file: f as u32, at: r.at }),
        });
    }

    let authority = Authority {
        escalate_minutes: escalate_minutes.unwrap_or(DEFAULT_ESCALATE_MINUTES),
        ladder: default_ladder,
        override_roles,
        ladders,
        rules,
        version: String::new(),
        place: d.place(head_loc),
    };
    Some((authority, AuthorityNotes { description, ladders: ladder_notes }))
}

/// `escalate_after` of the matrix when it does not say: 15 minutes.
const DEFAULT_ESCALATE_MINUTES: u32 = 15;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::parse::parse_file_in;
    use super::*;

    /// Loads one file cut into segments of about `segment` bytes, as a large file is.
    fn load_cut(text: &str, segment: usize) -> (Option<Site>, Vec<String>) {
        let mut d = Diags { paths: Vec::new(), lines: Vec::new(), list: Vec::new() };
        let mut raws = Vec::new();
        let units = parse_file_in("big.toml", text, segment, 2);
        assert!(units.len() > 2, "the file is cut into {} segment(s)", units.len());
        for u in units {
            d.list.extend(u.diags);
            d.paths.push("big.toml".into());
            d.lines.push(Arc::clone(&u.lines));
            raws.push(u.raw);
        }
        let site = resolve(raws, &mut d, &LoadOptions::default());
        (site, d.list.iter().filter(|x| x.is_error()).map(|x| x.to_string()).collect())
    }

    const SMALL: &str = include_str!("../../tests/fixtures/small.toml");

    #[test]
    fn a_matrix_cut_across_segments_is_one_matrix() {
        // [authority] near the top, then many top-level tables (cut points), then its rules.
        let mut text = String::from(SMALL);
        text.push_str("\n[authority]\nescalate_after = \"5m\"\ndefault_ladder = \"l\"\n");
        for i in 0..20 {
            text.push_str(&format!("\n[[team]]\nid = \"t{i}\"\nname = \"T\"\n"));
        }
        text.push_str("\n[[authority.rule]]\nid = \"r1\"\nladder = \"l\"\n");
        for i in 20..40 {
            text.push_str(&format!("\n[[team]]\nid = \"t{i}\"\nname = \"T\"\n"));
        }
        text.push_str("\n[[authority.ladder]]\nid = \"l\"\nsteps = [{ role = \"ot-lead\", after = \"5m\" }]\n");
        text.push_str("\n[[authority.rule]]\nid = \"r2\"\n");
        let (site, errors) = load_cut(&text, 300);
        assert_eq!(errors, Vec::<String>::new());
        let a = site.and_then(|s| s.authority).map(|a| {
            let rules: Vec<String> = a.rules.iter().map(|r| r.id.to_string()).collect();
            (a.escalate_minutes, a.ladder, a.ladders.len(), rules, a.place.line)
        });
        let line = text.lines().position(|l| l == "[authority]").map(|i| i as u32 + 1);
        assert_eq!(a, Some((5, Some(0), 1, vec!["r1".to_string(), "r2".to_string()], line.unwrap_or(0))));

        // A second [authority] table in a later segment of the same file is still a second one.
        let twice = format!("{text}\n[[team]]\nid = \"last\"\nname = \"T\"\n\n[authority]\nescalate_after = \"9m\"\n");
        let (site, errors) = load_cut(&twice, 300);
        assert!(site.is_none());
        assert!(
            errors.len() == 1 && errors[0].contains("a second [authority] table; the first is at big.toml:"),
            "{errors:?}"
        );
    }
}
