//! Phase 3: checks of the model as a whole, after references are resolved.
//! Also fills in the defaults that depend on other things (an asset's domain
//! and Purdue level from its zone, a dependency's crossing from the zones).
//! Tolerant of what did not resolve, so that one run reports everything.

use std::collections::HashMap;

use super::resolve::Locs;
use super::{Diags, Loc};
use crate::LoadOptions;
use crate::diag::{Severity, nearest};
use crate::model::*;
use crate::site::Site;
use crate::vocab::*;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How stale a manual-operation exercise may be (NERC CIP-008 asks for a plan test every 15 months).
const EXERCISE_MONTHS: u32 = 15;

pub(crate) fn check(
    site: &mut Site,
    asset_domains: &[Option<Domain>],
    named_conduits: &[(u32, Vec<ConduitIx>, Loc)],
    channels: &[(u32, Loc)],
    locs: &Locs,
    d: &mut Diags,
    options: &LoadOptions,
) {
    let zone_domain = zones(site, locs, d);
    conduits(site, locs, d);
    assets(site, asset_domains, &zone_domain, locs, d);
    dependencies(site, named_conduits, channels, locs, d);
    processes(site, locs, d, options);
    roles(site, locs, d);
    accounts(site, locs, d);
    vendors(site, locs, d);
    baselines(site, locs, d);
    terms(site, locs, d);
    deadlines(site, locs, d);
}

/// Calendar deadlines (whole days, end of day) need the plant's time zone.
fn deadlines(site: &Site, locs: &Locs, d: &mut Diags) {
    use crate::deadline::Due;
    let Some(at) = locs.site.first() else { return };
    let calendar = |due: Due| matches!(due, Due::CalendarDays(_) | Due::EndOfDay(_));
    if site.info.timezone.is_none() && site.deadlines_in_force().iter().any(|dl| calendar(dl.due)) {
        d.push(
            Severity::Warning,
            *at,
            "site".into(),
            "no [site] timezone: calendar deadlines are computed in UTC".into(),
            None,
            Some("set `timezone` to the plant's IANA time zone, e.g. \"America/Chicago\"".into()),
        );
    }
}

/// Breaks parent loops (after reporting them) and returns each zone's
/// effective domain (its own, else its nearest ancestor's).
fn zones(site: &mut Site, locs: &Locs, d: &mut Diags) -> Vec<Option<Domain>> {
    let n = site.zones.len();
    // 0 = not visited, otherwise the walk number that first reached the zone.
    let mut walk_of = vec![0u32; n];
    for start in 0..n {
        if walk_of[start] != 0 {
            continue;
        }
        let walk = start as u32 + 1;
        let mut z = start;
        loop {
            walk_of[z] = walk;
            let Some(p) = site.zones[z].parent else { break };
            let p = p.ix();
            if walk_of[p] == walk {
                // A loop through p: report it once, at p, naming the loop.
                let mut members = vec![site.zones[p].id.to_string()];
                let mut q = site.zones[p].parent.map(|x| x.ix());
                while let Some(x) = q {
                    if x == p || members.len() > n {
                        break;
                    }
                    members.push(site.zones[x].id.to_string());
                    q = site.zones[x].parent.map(|y| y.ix());
                }
                members.push(site.zones[p].id.to_string());
                d.error(
                    locs.zones[p],
                    format!("zone \"{}\" > parent", site.zones[p].id),
                    format!("zone parents loop: {}", members.join(" -> ")),
                    Some("zones nest as a tree: following `parent` must end at a top-level zone".into()),
                );
                site.zones[p].parent = None;
                break;
            }
            if walk_of[p] != 0 {
                break;
            }
            z = p;
        }
    }
    (0..n).map(|z| site.zone_chain(ZoneIx(z as u32)).find_map(|x| site.zones[x.ix()].domain)).collect()
}

fn conduits(site: &Site, locs: &Locs, d: &mut Diags) {
    for (i, c) in site.conduits.iter().enumerate() {
        if c.zones.len() < 2 {
            d.error(
                locs.conduit_zones[i],
                format!("conduit \"{}\" > zones", c.id),
                format!("connects {} distinct zone{}", c.zones.len(), if c.zones.len() == 1 { "" } else { "s" }),
                Some("at least two distinct zones: a conduit connects zones (IEC 62443)".into()),
            );
        }
    }
}

fn assets(site: &mut Site, explicit: &[Option<Domain>], zone_domain: &[Option<Domain>], locs: &Locs, d: &mut Diags) {
    let zone_level: Vec<Option<PurdueLevel>> = (0..site.zones.len())
        .map(|z| site.zone_chain(ZoneIx(z as u32)).find_map(|x| site.zones[x.ix()].purdue_level))
        .collect();
    for (i, a) in site.assets.iter_mut().enumerate() {
        let zone = a.zone.ix();
        let zd = zone_domain.get(zone).copied().flatten();
        match explicit.get(i).copied().flatten().or(zd).or(a.kind.usual_domain()) {
            Some(dom) => a.domain = dom,
            None if zone < zone_domain.len() => d.error(
                locs.assets[i],
                format!("asset \"{}\" > domain", a.id),
                format!(
                    "no domain: the asset does not say, its zone \"{}\" has none, and a {} can stand on either side",
                    site.zones[zone].id, a.kind
                ),
                Some("`domain = \"it\"`, `\"ot\"` or `\"shared\"` on the asset or on its zone".into()),
            ),
            None => {} // the zone did not resolve: reported already
        }
        if a.purdue_level.is_none() {
            a.purdue_level = zone_level.get(zone).copied().flatten();
        }
        if a.owner.is_none() {
            d.warning(
                locs.assets[i],
                format!("asset \"{}\" > owner", a.id),
                "has no owner team: nobody is accountable for it in an incident".into(),
            );
        }
    }
}

fn dependencies(
    site: &mut Site,
    named: &[(u32, Vec<ConduitIx>, Loc)],
    channels: &[(u32, Loc)],
    locs: &Locs,
    d: &mut Diags,
) {
    let zone_count = site.zones.len();
    // Conduits touching each zone, to walk the zone graph.
    let mut touching: Vec<Vec<ConduitIx>> = vec![Vec::new(); zone_count];
    for (ci, c) in site.conduits.iter().enumerate() {
        for z in &c.zones {
            touching[z.ix()].push(ConduitIx(ci as u32));
        }
    }
    let mut routes = Routes::default();
    // Shortest routes from each consumer zone, computed once per zone.
    let mut trees: FastMap<u32, Tree> = FastMap::default();
    let mut derived: FastMap<(u32, u32), Crossing> = FastMap::default();
    let mut undocumented_reported: FastMap<(u32, u32), ()> = FastMap::default();
    let mut named = named.iter().peekable();
    // Dependencies of one consumer come together: remember the last pair of zones.
    let mut memo: Option<((u32, u32), Crossing)> = None;

    for i in 0..site.dependencies.len() {
        let dep = &site.dependencies[i];
        let (c, p) = (&site.assets[dep.consumer.ix()], &site.assets[dep.provider.ix()]);
        let field = || format!("dependency \"{}\" -> \"{}\"", c.id, p.id);
        if dep.consumer == dep.provider {
            d.error(
                locs.dependencies[i],
                format!("{} > provider", field()),
                "an asset cannot depend on itself".into(),
                Some("a provider other than the consumer".into()),
            );
        }
        let (cz, pz) = (c.zone, p.zone);
        let named_route = match named.peek() {
            Some((at, _, _)) if *at as usize == i => named.next().map(|(_, r, loc)| (r, *loc)),
            _ => None,
        };
        if cz.ix() >= zone_count || pz.ix() >= zone_count {
            continue; // unresolved zone, reported already
        }
        let crossing = if let Some((route, loc)) = named_route {
            if let Err(why) = check_route(site, route, cz, pz) {
                d.error(
                    loc,
                    format!("{} > conduit", field()),
                    why,
                    Some("conduits that lead, one after the other, from the consumer's zone to the provider's (a conduit of a zone serves the zones nested in it)".into()),
                );
            }
            Crossing::Named(routes.intern(route.clone()))
        } else {
            let pair = (cz.0, pz.0);
            match memo.filter(|(k, _)| *k == pair).map(|(_, x)| x).or_else(|| derived.get(&pair).copied()) {
                Some(x) => {
                    memo = Some((pair, x));
                    x
                }
                None => {
                    let x = if within(site, cz, pz) {
                        Crossing::WithinZone
                    } else {
                        let tree = trees.entry(cz.0).or_insert_with(|| Tree::from(site, &touching, cz));
                        match tree.route_to(site, pz) {
                            Some(route) => Crossing::Derived(routes.intern(route)),
                            None => Crossing::Undocumented,
                        }
                    };
                    derived.insert((cz.0, pz.0), x);
                    x
                }
            }
        };
        if crossing == Crossing::Undocumented
            && undocumented_reported.insert((cz.0.min(pz.0), cz.0.max(pz.0)), ()).is_none()
        {
            let dep = &site.dependencies[i];
            let (c, p) = (&site.assets[dep.consumer.ix()], &site.assets[dep.provider.ix()]);
            d.push(
                Severity::Warning,
                locs.dependencies[i],
                format!("dependency \"{}\" -> \"{}\"", c.id, p.id),
                format!(
                    "the flow crosses from zone \"{}\" to zone \"{}\" through no documented conduit (reported once per pair of zones)",
                    site.zones[cz.ix()].id,
                    site.zones[pz.ix()].id
                ),
                None,
                Some("add [[conduit]]s connecting the two zones, or name the route with `conduit`".into()),
            );
        }
        site.dependencies[i].crossing = crossing;
    }
    site.routes = routes.list;
    dependency_channels(site, channels, d);

    // Normalised order: by consumer id, provider id, kind. Duplicates are neighbours.
    let mut rank = vec![0u32; site.assets.len()];
    for (r, a) in site.asset_ids.in_id_order().iter().enumerate() {
        rank[*a as usize] = r as u32;
    }
    // Keys computed once: the sort compares integers, not ids.
    let mut keyed: Vec<(u64, u8, u32)> = site
        .dependencies
        .iter()
        .enumerate()
        .map(|(i, dep)| {
            ((rank[dep.consumer.ix()] as u64) << 32 | rank[dep.provider.ix()] as u64, dep.kind as u8, i as u32)
        })
        .collect();
    drop(rank);
    keyed.sort_unstable();
    for w in keyed.windows(2) {
        let ((ka, fa, a), (kb, fb, b)) = (w[0], w[1]);
        if (ka, fa) == (kb, fb) {
            let dep = &site.dependencies[b as usize];
            let first = d.position(locs.dependencies[a as usize]);
            d.error(
                locs.dependencies[b as usize],
                format!(
                    "dependency \"{}\" -> \"{}\" > kind",
                    site.assets[dep.consumer.ix()].id,
                    site.assets[dep.provider.ix()].id
                ),
                format!("the same dependency ({}) is already defined at {first}", dep.kind),
                Some("each (consumer, provider, kind) once".into()),
            );
        }
    }
    let order: Vec<u32> = keyed.into_iter().map(|(_, _, i)| i).collect();
    let mut deps: Vec<Option<Dependency>> = std::mem::take(&mut site.dependencies).into_iter().map(Some).collect();
    site.dependencies = order.iter().filter_map(|i| deps[*i as usize].take()).collect();
}

/// A named channel must be carried by a conduit on the dependency's route.
fn dependency_channels(site: &Site, channels: &[(u32, Loc)], d: &mut Diags) {
    for (i, loc) in channels {
        let dep = &site.dependencies[*i as usize];
        let Some(name) = site.channel_of(dep) else { continue };
        let field =
            format!("dependency \"{}\" -> \"{}\" > channel", site.asset(dep.consumer).id, site.asset(dep.provider).id);
        let route = site.conduits_crossed(dep);
        let zones_resolved = [dep.consumer, dep.provider].iter().all(|a| site.asset(*a).zone.ix() < site.zones.len());
        if dep.crossing == Crossing::Undocumented || !zones_resolved {
            continue; // reported already; nothing to check the channel against
        }
        if route.is_empty() {
            d.error(
                *loc,
                field,
                format!("names channel \"{name}\" but the flow crosses no conduit"),
                Some("no `channel` on a flow within a zone".into()),
            );
            continue;
        }
        let carried: Vec<&str> =
            route.iter().flat_map(|c| site.conduits[c.ix()].channels.iter().map(|ch| &*ch.name)).collect();
        if !carried.contains(&name) {
            let help = nearest(name, carried.iter().copied()).map(|n| format!("did you mean \"{n}\"?"));
            d.push(
                Severity::Error,
                *loc,
                field,
                format!("no conduit on the flow's route carries a channel \"{name}\""),
                Some(format!("a channel of the route's conduits: {}", crate::diag::one_of(carried.iter().copied()))),
                help,
            );
        }
    }
}

/// Distinct routes, interned.
#[derive(Default)]
struct Routes {
    list: Vec<Vec<ConduitIx>>,
    index: FastMap<Vec<ConduitIx>, RouteIx>,
}

impl Routes {
    fn intern(&mut self, route: Vec<ConduitIx>) -> RouteIx {
        if let Some(r) = self.index.get(&route) {
            return *r;
        }
        let r = RouteIx(self.list.len() as u32);
        self.list.push(route.clone());
        self.index.insert(route, r);
        r
    }
}

/// Breadth-first shortest routes from one zone over the conduit graph. A flow
/// standing in a zone may use the conduits of that zone and of its ancestors.
struct Tree {
    /// For each zone reached: the conduit used to enter it and the zone it came from.
    came: Vec<Option<(ConduitIx, ZoneIx)>>,
    reached: Vec<bool>,
}

impl Tree {
    fn from(site: &Site, touching: &[Vec<ConduitIx>], start: ZoneIx) -> Tree {
        let n = site.zones.len();
        let mut tree = Tree { came: vec![None; n], reached: vec![false; n] };
        tree.reached[start.ix()] = true;
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(z) = queue.pop_front() {
            for a in site.zone_chain(z) {
                for &c in &touching[a.ix()] {
                    for &b in &site.conduits[c.ix()].zones {
                        if b != a && !tree.reached[b.ix()] {
                            tree.reached[b.ix()] = true;
                            tree.came[b.ix()] = Some((c, z));
                            queue.push_back(b);
                        }
                    }
                }
            }
        }
        tree
    }

    /// The route to `target`, entering it or one of its ancestors (innermost first).
    fn route_to(&self, site: &Site, target: ZoneIx) -> Option<Vec<ConduitIx>> {
        let end = site.zone_chain(target).find(|z| self.came[z.ix()].is_some())?;
        let mut route = Vec::new();
        let mut z = end;
        while let Some((c, from)) = self.came[z.ix()] {
            route.push(c);
            z = from;
            if route.len() > site.zones.len() {
                return None;
            }
        }
        route.reverse();
        Some(route)
    }
}

/// Whether the named conduits lead from zone `from` to zone `to`, one after the other.
fn check_route(site: &Site, route: &[ConduitIx], from: ZoneIx, to: ZoneIx) -> Result<(), String> {
    let names =
        |r: &[ConduitIx]| r.iter().map(|c| format!("\"{}\"", site.conduits[c.ix()].id)).collect::<Vec<_>>().join(", ");
    if within(site, from, to) {
        return Err(format!(
            "names conduit(s) {} but both assets stand in zone \"{}\" (or zones nested in each other)",
            names(route),
            site.zones[from.ix()].id
        ));
    }
    // The zones the flow may stand in after each step.
    let mut here: Vec<ZoneIx> = vec![from];
    for (step, c) in route.iter().enumerate() {
        let zs = &site.conduits[c.ix()].zones;
        let entered_from: Vec<ZoneIx> =
            zs.iter().copied().filter(|z| here.iter().any(|h| site.zone_chain(*h).any(|a| a == *z))).collect();
        if entered_from.is_empty() {
            let at: Vec<&str> = here.iter().map(|z| &*site.zones[z.ix()].id).collect();
            return Err(format!(
                "conduit \"{}\" (step {} of the route {}) does not touch zone {}, where the flow stands at that point",
                site.conduits[c.ix()].id,
                step + 1,
                names(route),
                at.join(" or ")
            ));
        }
        here = zs.iter().copied().filter(|z| !entered_from.contains(z)).collect();
    }
    if here.iter().any(|h| site.zone_chain(to).any(|a| a == *h)) {
        Ok(())
    } else {
        Err(format!(
            "the route {} ends in zone {}, not at the provider's zone \"{}\" (or a zone containing it)",
            names(route),
            here.iter().map(|z| format!("\"{}\"", site.zones[z.ix()].id)).collect::<Vec<_>>().join(" or "),
            site.zones[to.ix()].id
        ))
    }
}

/// Same zone, or one zone nests the other.
fn within(site: &Site, a: ZoneIx, b: ZoneIx) -> bool {
    site.zone_chain(a).any(|z| z == b) || site.zone_chain(b).any(|z| z == a)
}

fn months_between(from: Date, to: Date) -> i64 {
    let m = (to.year as i64 - from.year as i64) * 12 + (to.month as i64 - from.month as i64);
    if to.day < from.day { m - 1 } else { m }
}

fn processes(site: &Site, locs: &Locs, d: &mut Diags, options: &LoadOptions) {
    for (i, p) in site.processes.iter().enumerate() {
        let (control_loc, listed) = locs.process_controls[i];
        if p.control.is_empty() && !listed {
            d.error(
                control_loc,
                format!("process \"{}\" > control", p.id),
                "has no control path: no asset is listed as controlling it".into(),
                Some("`control = [...]` with at least one asset (the controllers that run the process)".into()),
            );
        }
        match &p.manual_operation {
            None if p.criticality == Criticality::Critical => d.warning(
                locs.processes[i],
                format!("process \"{}\" > manual_operation", p.id),
                "a critical process with no manual-operation (island mode) readiness recorded".into(),
            ),
            None => {}
            Some(m) => {
                let Some(today) = options.today else { continue };
                let field = format!("process \"{}\" > manual_operation > last_exercised", p.id);
                match m.last_exercised {
                    None => d.warning(locs.processes[i], field, "manual operation has never been exercised".into()),
                    Some(when) if months_between(when, today) > EXERCISE_MONTHS as i64 => d.warning(
                        locs.processes[i],
                        field,
                        format!("manual operation was last exercised on {when}, more than {EXERCISE_MONTHS} months before {today}"),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}

fn roles(site: &Site, locs: &Locs, d: &mut Diags) {
    for (i, r) in site.roles.iter().enumerate() {
        let field = |k: &str| format!("role \"{}\" > {k}", r.id);
        match r.primary {
            None => d.error(
                locs.roles[i],
                field("primary"),
                "has no holder: nobody fills this position in an incident".into(),
                Some("`primary = \"<person id>\"`".into()),
            ),
            Some(p) if r.deputies.contains(&p) => d.error(
                locs.roles[i],
                field("deputies"),
                format!("\"{}\" is both the primary and a deputy", site.people[p.ix()].id),
                Some("deputies other than the primary holder".into()),
            ),
            Some(_) => {}
        }
        if r.deputies.is_empty() {
            d.warning(
                locs.roles[i],
                field("deputies"),
                "has no deputy: nobody covers this position when the holder is away".into(),
            );
        }
    }
}

fn accounts(site: &Site, locs: &Locs, d: &mut Diags) {
    for (i, a) in site.accounts.iter().enumerate() {
        let field = |k: &str| format!("account \"{}\" > {k}", a.id);
        if a.kind == AccountKind::Personal && a.holders.len() != 1 {
            d.error(
                locs.account_holders[i],
                field("holders"),
                format!("a personal account with {} holders", a.holders.len()),
                Some("exactly one holder; use kind = \"shared\" for accounts several people use".into()),
            );
        }
        if a.kind == AccountKind::Vendor && a.vendor.is_none() {
            d.error(
                locs.accounts[i],
                field("vendor"),
                "a vendor account that names no vendor".into(),
                Some("`vendor = \"<vendor id>\"`".into()),
            );
        }
        if a.status == AccountStatus::Dormant && !a.assets.is_empty() {
            d.warning(
                locs.accounts[i],
                field("status"),
                format!(
                    "dormant (not intended to be in use) but still able to log into {} asset{}{}",
                    a.assets.len(),
                    if a.assets.len() == 1 { "" } else { "s" },
                    if a.mfa { "" } else { ", without MFA" }
                ),
            );
        }
    }
}

fn vendors(site: &Site, locs: &Locs, d: &mut Diags) {
    for (vi, v) in site.vendors.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for (pi, p) in v.pathways.iter().enumerate() {
            let (id_loc, targets_loc, targets_listed) = locs.pathways[vi][pi];
            let field = |k: &str| format!("vendor \"{}\" > pathway \"{}\" > {k}", v.id, p.id);
            if seen.contains(&&*p.id) {
                d.error(
                    id_loc,
                    field("id"),
                    format!("duplicate pathway id \"{}\" in this vendor", p.id),
                    Some("pathway ids unique within a vendor".into()),
                );
            }
            seen.push(&p.id);
            if p.targets.is_empty() && !targets_listed {
                d.error(
                    targets_loc,
                    field("targets"),
                    "reaches no target".into(),
                    Some("at least one asset the pathway reaches".into()),
                );
            }
            let mut hops: Vec<AssetIx> = p.via.clone();
            hops.extend(p.targets.iter().copied());
            let mut sorted = hops.clone();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                d.error(
                    id_loc,
                    field("via"),
                    format!("passes asset \"{}\" twice: the pathway loops", site.assets[w[0].ix()].id),
                    Some("each asset at most once along via and targets".into()),
                );
            }
            let ot_targets = p.targets.iter().filter(|t| site.assets[t.ix()].domain == Domain::Ot).count();
            if ot_targets > 0 && (!v.supervision_required || !v.recording_required) {
                let missing = match (v.supervision_required, v.recording_required) {
                    (false, false) => "neither supervision nor session recording",
                    (false, true) => "no supervision",
                    _ => "no session recording",
                };
                d.warning(
                    id_loc,
                    field("targets"),
                    format!("reaches {ot_targets} OT asset(s) with {missing} required"),
                );
            }
        }
    }
}

fn baselines(site: &Site, locs: &Locs, d: &mut Diags) {
    let mut first: FastMap<AssetIx, Loc> = FastMap::default();
    for (i, b) in site.baselines.iter().enumerate() {
        if let Some(prev) = first.insert(b.asset, locs.baselines[i]) {
            let prev_pos = d.position(prev);
            first.insert(b.asset, prev);
            d.error(
                locs.baselines[i],
                format!("baseline \"{}\" > asset", site.assets[b.asset.ix()].id),
                format!("a second baseline for this asset; the first is at {prev_pos}"),
                Some("one baseline per asset".into()),
            );
        }
    }
}

fn terms(site: &Site, locs: &Locs, d: &mut Diags) {
    let lower: Vec<String> = site.glossary.iter().map(|t| t.term.to_lowercase()).collect();
    let mut first: FastMap<&str, usize> = FastMap::default();
    for (i, t) in lower.iter().enumerate() {
        if let Some(prev) = first.insert(t, i) {
            first.insert(t, prev);
            let prev_pos = d.position(locs.terms[prev]);
            d.error(
                locs.terms[i],
                format!("term \"{}\" > term", site.glossary[i].term),
                format!("defined twice; the first definition is at {prev_pos}"),
                Some("one definition per term: one word, one meaning".into()),
            );
        }
    }
    for (i, t) in site.glossary.iter().enumerate() {
        for (j, other) in t.not_to_be_confused_with.iter().enumerate() {
            let o = other.to_lowercase();
            let field = format!("term \"{}\" > not_to_be_confused_with", t.term);
            if o == lower[i] {
                d.error(
                    locs.term_refs[i][j],
                    field,
                    "a term cannot be confused with itself".into(),
                    Some("other defined terms".into()),
                );
            } else if !first.contains_key(o.as_str()) {
                let help = nearest(&o, lower.iter().map(|s| s.as_str())).map(|n| format!("did you mean \"{n}\"?"));
                d.push(
                    Severity::Error,
                    locs.term_refs[i][j],
                    field,
                    format!("unknown term \"{other}\""),
                    Some("a term defined by a [[term]] table".into()),
                    help,
                );
            }
        }
    }
}
