//! Impact analysis: what a set of actions breaks, and what every asset and
//! every critical process loses as a consequence, transitively, each loss
//! with the chain of dependencies that explains it.
//!
//! The model of consequences:
//! - an action *cuts* dependencies (isolation, blocked conduits, restrictions) or *stops* assets
//!   (take-offline, power-down, reimage, shut-down); a stopped asset provides nothing;
//! - a consumer *loses* an input kind when every dependency of that kind it has is broken
//!   (several providers of a kind count as alternatives), and is *degraded* when some are;
//! - a consumer that loses an input stops providing what that input feeds (losing `control`
//!   of its controllers, a SCADA server can no longer provide control, view, alarms or history);
//! - a station (HMI, engineering workstation, workstation, jump host) whose logins fail (its
//!   authentication is lost, or every account on it is disabled) is *unusable*: people lose it;
//! - a process loses control when one of its controllers is stopped or loses control; loses
//!   view when no usable operator station still reaches its controllers through intact flows;
//!   loses alarms when every alarm source is impaired; loses safety when a safety controller
//!   is impaired.

use std::collections::{HashMap, HashSet, VecDeque};

use site_model::{AccountIx, AccountStatus, AssetIx, Domain, Effect, Function, FunctionSet, Site};

use crate::action::{Action, Target};
use crate::graph::{Graph, is_station};
use crate::verdict::{self, Verdict};

/// Why a dependency is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Cut by the action with this index.
    Action(u16),
    /// The provider is stopped.
    ProviderDown(AssetIx),
    /// The provider lost an input that feeds what this dependency needs.
    ProviderLost(AssetIx, Function),
    /// The provider is a station nobody can log into.
    ProviderUnusable(AssetIx),
}

/// Why a station is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Its logins fail: the authentication it needs is lost.
    LostAuthentication,
    /// Every account that opens it is disabled (by this action).
    AccountsDisabled(u16),
}

/// How much of a function a process keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Intact,
    Degraded,
    Lost,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Intact => "intact",
            Status::Degraded => "degraded",
            Status::Lost => "lost",
        }
    }
}

/// What one critical process keeps and loses.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessImpact {
    pub process: usize,
    pub control: Status,
    pub view: Status,
    pub alarm: Status,
    pub safety: Status,
    /// Stopped by a shut-down action (index).
    pub stopped: Option<u16>,
    /// Put on manual operation by a switch-to-manual action.
    pub manual: bool,
    /// Why, one line per finding, naming the assets.
    pub reasons: Vec<String>,
}

impl ProcessImpact {
    pub fn is_affected(&self) -> bool {
        self.stopped.is_some()
            || self.manual
            || [self.control, self.view, self.alarm, self.safety].iter().any(|s| *s != Status::Intact)
    }
}

/// A vendor pathway closed by the actions, and what the site loses with it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorLoss {
    pub vendor: usize,
    pub pathway: usize,
    pub action: u16,
    /// Functions of the vendor that reach the pathway's targets; safety-critical ones first.
    pub functions: Vec<usize>,
}

/// The categories an impact is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Control,
    View,
    Alarm,
    Safety,
    Authentication,
    RemoteAccess,
    TelemetryToIt,
    BusinessData,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Control,
        Category::View,
        Category::Alarm,
        Category::Safety,
        Category::Authentication,
        Category::RemoteAccess,
        Category::TelemetryToIt,
        Category::BusinessData,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Control => "control",
            Category::View => "view",
            Category::Alarm => "alarm",
            Category::Safety => "safety",
            Category::Authentication => "authentication",
            Category::RemoteAccess => "remote access",
            Category::TelemetryToIt => "telemetry to IT",
            Category::BusinessData => "business data",
        }
    }
}

/// A MITRE ATT&CK for ICS impact the actions would inflict on the site themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfInflicted {
    pub technique: &'static str,
    pub name: &'static str,
    pub because: String,
}

/// The full impact of a set of actions.
#[derive(Debug, Clone)]
pub struct Impact {
    pub actions: Vec<Action>,
    /// Broken dependencies (indices into `site.dependencies`), in the order found.
    pub broken: Vec<u32>,
    pub cause: HashMap<u32, Cause>,
    /// Stopped assets and the action that stops them.
    pub down: Vec<(AssetIx, u16)>,
    pub unusable: Vec<(AssetIx, Unusable)>,
    /// (asset, input kind, a broken dependency of that kind): the asset lost the input entirely.
    pub lost: Vec<(AssetIx, Function, u32)>,
    /// (asset, input kind, a broken dependency): some but not all of its providers are cut off.
    pub degraded: Vec<(AssetIx, Function, u32)>,
    /// Accounts disabled (or reset) by the actions.
    pub accounts: Vec<(AccountIx, u16)>,
    pub vendors: Vec<VendorLoss>,
    pub processes: Vec<ProcessImpact>,
    /// For each category: assets that lose it, by the asset's domain.
    pub categories: Vec<(Category, Vec<AssetIx>)>,
    pub self_inflicted: Vec<SelfInflicted>,
    pub verdict: Verdict,
    lost_via: HashMap<(u32, Function), u32>,
    down_by: HashMap<u32, u16>,
    unusable_by: HashMap<u32, Unusable>,
}

/// What losing an input kind stops an asset from providing.
pub fn feeds(input: Function) -> FunctionSet {
    use Function::*;
    let v: &[Function] = match input {
        Control => &[Control, View, Alarm, Historian, BusinessData],
        View => &[View, Historian, BusinessData],
        Safety => &[Safety, Alarm],
        Historian => &[Historian, BusinessData],
        Alarm => &[Alarm],
        RemoteAccess => &[RemoteAccess],
        Logging => &[Logging],
        BusinessData => &[BusinessData],
        // A directory, time or name server that loses its upstream keeps serving from what
        // it has (replicas, free-running clocks, caches); a station that loses authentication
        // becomes unusable by its own rule. Patching and backup losses degrade, never stop.
        Authentication | Time | NameResolution | Patching | Backup => &[],
    };
    v.iter().copied().collect()
}

/// The input kinds whose loss stops an asset providing `output`.
fn fed_by(output: Function) -> FunctionSet {
    Function::ALL.iter().copied().filter(|k| feeds(*k).contains(output)).collect()
}

struct Run<'a> {
    site: &'a Site,
    g: &'a Graph,
    broken: Vec<u64>,
    order: Vec<u32>,
    cause: HashMap<u32, Cause>,
    queue: VecDeque<u32>,
    lost: HashMap<u32, FunctionSet>,
    lost_via: HashMap<(u32, Function), u32>,
    lost_list: Vec<(AssetIx, Function, u32)>,
    down_by: HashMap<u32, u16>,
    unusable_by: HashMap<u32, Unusable>,
}

impl Run<'_> {
    fn is_broken(&self, d: u32) -> bool {
        self.broken.get(d as usize / 64).is_some_and(|w| w & (1 << (d % 64)) != 0)
    }

    fn cut(&mut self, d: u32, cause: Cause) {
        if self.is_broken(d) {
            return;
        }
        if let Some(w) = self.broken.get_mut(d as usize / 64) {
            *w |= 1 << (d % 64);
        }
        self.order.push(d);
        self.cause.insert(d, cause);
        self.queue.push_back(d);
    }

    fn stop(&mut self, a: AssetIx, action: u16) {
        if self.down_by.contains_key(&a.0) {
            return;
        }
        self.down_by.insert(a.0, action);
        for &d in self.g.by_provider.row(a.ix()) {
            self.cut(d, Cause::ProviderDown(a));
        }
    }

    fn make_unusable(&mut self, a: AssetIx, why: Unusable) {
        if self.unusable_by.contains_key(&a.0) || self.down_by.contains_key(&a.0) {
            return;
        }
        self.unusable_by.insert(a.0, why);
        for &d in self.g.by_provider.row(a.ix()) {
            self.cut(d, Cause::ProviderUnusable(a));
        }
    }

    fn apply(&mut self, i: u16, action: &Action) {
        let site = self.site;
        let g = self.g;
        for t in &action.targets {
            match (action.effect, t) {
                (Effect::Isolate, Target::Asset(a)) | (Effect::BlockAddress, Target::Address(_, Some(a))) => {
                    for &d in g.by_consumer.row(a.ix()).iter().chain(g.by_provider.row(a.ix())) {
                        self.cut(d, Cause::Action(i));
                    }
                }
                (Effect::Isolate, Target::Zone(z)) => self.cut_zone_boundary(*z, i, None),
                (Effect::Restrict, Target::Zone(z)) => self.cut_zone_boundary(*z, i, Some(action.kinds)),
                (Effect::Restrict, Target::Asset(a)) => {
                    for &d in g.by_consumer.row(a.ix()).iter().chain(g.by_provider.row(a.ix())) {
                        if action.kinds.contains(site.dependencies[d as usize].kind) {
                            self.cut(d, Cause::Action(i));
                        }
                    }
                }
                (Effect::BlockConduit, Target::Conduit(c)) => {
                    for &d in g.conduit_deps.row(c.ix()) {
                        let keep = site
                            .channel_of(&site.dependencies[d as usize])
                            .is_some_and(|ch| action.except.iter().any(|e| &**e == ch));
                        if !keep {
                            self.cut(d, Cause::Action(i));
                        }
                    }
                }
                (Effect::IslandMode, Target::Site) => {
                    for c in g.island_conduits(site) {
                        for &d in g.conduit_deps.row(c.ix()) {
                            self.cut(d, Cause::Action(i));
                        }
                    }
                }
                (Effect::TakeOffline | Effect::PowerDown | Effect::Reimage | Effect::ShutDown, Target::Asset(a)) => {
                    self.stop(*a, i)
                }
                // Worst case: what intrusive collection touches halts (a controller under memory
                // acquisition; the controllers and field devices of a scanned zone).
                (Effect::IntrusiveCollection, Target::Asset(a)) => self.stop(*a, i),
                (Effect::IntrusiveCollection, Target::Zone(z)) => {
                    for a in g.assets_in_zone(*z) {
                        if site.asset(a).kind.is_controller() {
                            self.stop(a, i);
                        }
                    }
                }
                (Effect::DisableAccount | Effect::ResetCredentials, Target::Account(_)) => {}
                _ => {}
            }
        }
    }

    /// Cuts every dependency crossing the zone's boundary (of the given kinds only, if any).
    fn cut_zone_boundary(&mut self, z: site_model::ZoneIx, i: u16, kinds: Option<FunctionSet>) {
        let members: Vec<u32> = self.g.assets_in_zone(z).into_iter().map(|a| a.0).collect();
        let inside: HashSet<u32> = members.iter().copied().collect();
        // In the zone's asset order, so the impact (and its explanations) are the same every run.
        for a in &members {
            for &d in self.g.by_consumer.row(*a as usize).iter().chain(self.g.by_provider.row(*a as usize)) {
                let dep = &self.site.dependencies[d as usize];
                let crosses = !(inside.contains(&dep.consumer.0) && inside.contains(&dep.provider.0));
                if crosses && kinds.is_none_or(|k| k.contains(dep.kind)) {
                    self.cut(d, Cause::Action(i));
                }
            }
        }
    }

    /// Stations whose every account is disabled by the actions become unusable.
    fn disable_accounts(&mut self, disabled: &HashMap<u32, u16>) {
        let site = self.site;
        let mut stations: Vec<AssetIx> =
            disabled.keys().flat_map(|a| site.accounts[*a as usize].assets.iter().copied()).collect();
        stations.sort_unstable();
        stations.dedup();
        for s in stations {
            if !is_station(site.asset(s).kind) {
                continue;
            }
            let usable = self
                .g
                .accounts_of(s)
                .any(|acc| site.accounts[acc.ix()].status != AccountStatus::Disabled && !disabled.contains_key(&acc.0));
            if !usable {
                let by = self.g.accounts_of(s).find_map(|acc| disabled.get(&acc.0).copied()).unwrap_or(0);
                self.make_unusable(s, Unusable::AccountsDisabled(by));
            }
        }
    }

    fn propagate(&mut self) {
        let site = self.site;
        while let Some(d) = self.queue.pop_front() {
            let dep = &site.dependencies[d as usize];
            let (c, k) = (dep.consumer, dep.kind);
            if self.lost.get(&c.0).is_some_and(|s| s.contains(k)) {
                continue;
            }
            if !loses_input(site, self.g, c, k, |x| self.is_broken(x)) {
                continue;
            }
            self.lost.entry(c.0).or_default().insert(k);
            self.lost_via.insert((c.0, k), d);
            self.lost_list.push((c, k, d));
            for d2 in stopped_by_loss(site, self.g, c, k) {
                self.cut(d2, Cause::ProviderLost(c, k));
            }
            if unusable_after_loss(site, c, k) {
                self.make_unusable(c, Unusable::LostAuthentication);
            }
        }
    }
}

// The propagation rules, shared by `analyze` and the single-point-of-failure search so the two
// can never disagree.

/// Whether consumer `c` has lost input `k`: every dependency of that kind it has is broken.
pub(crate) fn loses_input(site: &Site, g: &Graph, c: AssetIx, k: Function, is_broken: impl Fn(u32) -> bool) -> bool {
    g.by_consumer.row(c.ix()).iter().filter(|x| site.dependencies[**x as usize].kind == k).all(|x| is_broken(*x))
}

/// The dependencies on `c` that break once it has lost input `k` (what that input [`feeds`]).
pub(crate) fn stopped_by_loss<'a>(
    site: &'a Site,
    g: &'a Graph,
    c: AssetIx,
    k: Function,
) -> impl Iterator<Item = u32> + 'a {
    let stops = feeds(k);
    g.by_provider.row(c.ix()).iter().copied().filter(move |d| stops.contains(site.dependencies[*d as usize].kind))
}

/// Whether losing input `k` makes `c` unusable: a station whose logins fail.
pub(crate) fn unusable_after_loss(site: &Site, c: AssetIx, k: Function) -> bool {
    k == Function::Authentication && is_station(site.asset(c).kind)
}

/// Analyses the combined impact of `actions` (already resolved against `site`).
pub fn analyze(site: &Site, g: &Graph, actions: &[Action]) -> Impact {
    let mut run = Run {
        site,
        g,
        broken: vec![0u64; site.dependencies.len().div_ceil(64)],
        order: Vec::new(),
        cause: HashMap::new(),
        queue: VecDeque::new(),
        lost: HashMap::new(),
        lost_via: HashMap::new(),
        lost_list: Vec::new(),
        down_by: HashMap::new(),
        unusable_by: HashMap::new(),
    };
    let mut disabled: HashMap<u32, u16> = HashMap::new();
    let mut vendors = Vec::new();
    let mut stopped: HashMap<usize, u16> = HashMap::new();
    let mut manual: HashSet<usize> = HashSet::new();
    for (i, a) in actions.iter().enumerate() {
        let i = i as u16;
        run.apply(i, a);
        for t in &a.targets {
            match (a.effect, t) {
                (Effect::DisableAccount | Effect::ResetCredentials, Target::Account(acc)) => {
                    disabled.entry(acc.0).or_insert(i);
                }
                (Effect::RevokeVendorAccess | Effect::Restrict | Effect::KillSession, Target::Pathway(v, p))
                    if a.effect != Effect::KillSession =>
                {
                    vendors.push(vendor_loss(site, v.ix(), *p, i))
                }
                (Effect::RevokeVendorAccess, Target::Vendor(v)) => {
                    for p in 0..site.vendors[v.ix()].pathways.len() {
                        vendors.push(vendor_loss(site, v.ix(), p, i));
                    }
                }
                // Every vendor pathway that reaches into the zone (or its sub-zones).
                (Effect::RevokeVendorAccess, Target::Zone(z)) => {
                    let inside: HashSet<AssetIx> = g.assets_in_zone(*z).into_iter().collect();
                    for (v, vendor) in site.vendors.iter().enumerate() {
                        for (p, path) in vendor.pathways.iter().enumerate() {
                            if path.targets.iter().any(|t| inside.contains(t)) {
                                vendors.push(vendor_loss(site, v, p, i));
                            }
                        }
                    }
                }
                (Effect::ShutDown, Target::Process(p)) => {
                    stopped.entry(*p).or_insert(i);
                }
                (Effect::SwitchToManual, Target::Process(p)) => {
                    manual.insert(*p);
                }
                _ => {}
            }
        }
    }
    run.disable_accounts(&disabled);
    run.propagate();

    // Degraded: an asset with some, not all, providers of a kind cut off.
    let mut degraded = Vec::new();
    let mut seen: HashSet<(u32, Function)> = HashSet::new();
    for &d in &run.order {
        let dep = &site.dependencies[d as usize];
        let lost = run.lost.get(&dep.consumer.0).is_some_and(|s| s.contains(dep.kind));
        if !lost && seen.insert((dep.consumer.0, dep.kind)) {
            degraded.push((dep.consumer, dep.kind, d));
        }
    }

    let processes = processes(&run, &degraded, &stopped, &manual);
    let down: Vec<(AssetIx, u16)> = sorted(run.down_by.iter().map(|(a, i)| (AssetIx(*a), *i)));
    let unusable: Vec<(AssetIx, Unusable)> = sorted_by_asset(run.unusable_by.iter().map(|(a, u)| (AssetIx(*a), *u)));
    let categories = categories(site, &run, &degraded, &down, &unusable);
    let accounts = sorted(disabled.iter().map(|(a, i)| (AccountIx(*a), *i)));
    let mut impact = Impact {
        actions: actions.to_vec(),
        broken: run.order,
        cause: run.cause,
        down,
        unusable,
        lost: run.lost_list,
        degraded,
        accounts,
        vendors,
        processes,
        categories,
        self_inflicted: Vec::new(),
        verdict: Verdict::Safe,
        lost_via: run.lost_via,
        down_by: run.down_by,
        unusable_by: run.unusable_by,
    };
    impact.self_inflicted = self_inflicted(site, &impact);
    impact.verdict = verdict::judge(site, &impact);
    impact
}

fn sorted<T: Ord>(it: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = it.collect();
    v.sort_unstable();
    v
}

fn sorted_by_asset<T>(it: impl Iterator<Item = (AssetIx, T)>) -> Vec<(AssetIx, T)> {
    let mut v: Vec<(AssetIx, T)> = it.collect();
    v.sort_unstable_by_key(|(a, _)| *a);
    v
}

fn vendor_loss(site: &Site, v: usize, p: usize, action: u16) -> VendorLoss {
    let vendor = &site.vendors[v];
    let targets: HashSet<AssetIx> =
        vendor.pathways.get(p).map(|p| p.targets.iter().copied().collect()).unwrap_or_default();
    let mut functions: Vec<usize> = (0..vendor.functions.len())
        .filter(|f| {
            let f = &vendor.functions[*f];
            f.assets.is_empty() || f.assets.iter().any(|a| targets.contains(a))
                // A function on assets the pathway's targets engineer (e.g. the SIS behind its workstation).
                || f.safety_critical
        })
        .collect();
    functions.sort_by_key(|f| !vendor.functions[*f].safety_critical);
    VendorLoss { vendor: v, pathway: p, action, functions }
}

impl Impact {
    pub fn is_down(&self, a: AssetIx) -> bool {
        self.down_by.contains_key(&a.0)
    }

    pub fn is_unusable(&self, a: AssetIx) -> bool {
        self.unusable_by.contains_key(&a.0)
    }

    pub fn lost_inputs(&self, a: AssetIx) -> FunctionSet {
        self.lost.iter().filter(|(x, _, _)| *x == a).map(|(_, k, _)| *k).collect()
    }

    /// The chain of dependencies from the actions to `asset` losing `kind`, one step per line,
    /// starting at the loss.
    pub fn explain(&self, site: &Site, asset: AssetIx, kind: Function) -> Vec<String> {
        let mut steps = Vec::new();
        let mut at = (asset, kind);
        for _ in 0..64 {
            let Some(&d) = self.lost_via.get(&(at.0.0, at.1)) else { break };
            let dep = &site.dependencies[d as usize];
            steps.push(format!(
                "{} loses {}: it needs {} from {}",
                site.asset(at.0).id,
                at.1,
                dep.kind,
                site.asset(dep.provider).id
            ));
            match self.explain_dep(site, d, &mut steps) {
                Some(next) => at = next,
                None => break,
            }
        }
        steps
    }

    /// Why one dependency is broken; returns the loss upstream to follow, if any.
    fn explain_dep(&self, site: &Site, d: u32, steps: &mut Vec<String>) -> Option<(AssetIx, Function)> {
        let dep = &site.dependencies[d as usize];
        match self.cause.get(&d)? {
            Cause::Action(i) => {
                steps.push(format!("  cut by action {}: {}", i + 1, self.actions[*i as usize].text));
                None
            }
            Cause::ProviderDown(p) => {
                let i = self.down_by.get(&p.0).copied().unwrap_or(0);
                steps.push(format!(
                    "  {} is stopped by action {}: {}",
                    site.asset(*p).id,
                    i + 1,
                    self.actions[i as usize].text
                ));
                None
            }
            Cause::ProviderLost(p, k) => {
                steps.push(format!("  {} cannot provide {} because it lost {}", site.asset(*p).id, dep.kind, k));
                Some((*p, *k))
            }
            Cause::ProviderUnusable(p) => match self.unusable_by.get(&p.0) {
                Some(Unusable::LostAuthentication) => {
                    steps.push(format!("  nobody can log into {}: it lost authentication", site.asset(*p).id));
                    Some((*p, Function::Authentication))
                }
                Some(Unusable::AccountsDisabled(i)) => {
                    steps.push(format!(
                        "  nobody can log into {}: its accounts are disabled by action {}: {}",
                        site.asset(*p).id,
                        i + 1,
                        self.actions[*i as usize].text
                    ));
                    None
                }
                None => None,
            },
        }
    }

    /// Why a station is unusable, as a chain.
    pub fn explain_unusable(&self, site: &Site, a: AssetIx) -> Vec<String> {
        match self.unusable_by.get(&a.0) {
            Some(Unusable::LostAuthentication) => {
                let mut v = vec![format!("nobody can log into {}: its logins fail", site.asset(a).id)];
                v.extend(self.explain(site, a, Function::Authentication));
                v
            }
            Some(Unusable::AccountsDisabled(i)) => vec![format!(
                "nobody can log into {}: every account that opens it is disabled by action {}: {}",
                site.asset(a).id,
                i + 1,
                self.actions[*i as usize].text
            )],
            None => Vec::new(),
        }
    }

    /// The domain the actions act on (of their first target), for "both directions".
    pub fn acting_domain(&self, site: &Site) -> Option<Domain> {
        self.actions.iter().flat_map(|a| a.targets.iter()).find_map(|t| match t {
            Target::Asset(a) | Target::Address(_, Some(a)) => Some(site.asset(*a).domain),
            Target::Zone(z) => site.zone_chain(*z).find_map(|x| site.zone(x).domain),
            Target::Account(acc) => site.accounts[acc.ix()].directory.map(|d| site.asset(d).domain),
            _ => None,
        })
    }
}

/// Assets that lose each category, in asset order.
fn categories(
    site: &Site,
    run: &Run<'_>,
    degraded: &[(AssetIx, Function, u32)],
    down: &[(AssetIx, u16)],
    unusable: &[(AssetIx, Unusable)],
) -> Vec<(Category, Vec<AssetIx>)> {
    let mut out: HashMap<Category, HashSet<AssetIx>> = HashMap::new();
    let mut add = |c: Category, a: AssetIx| {
        out.entry(c).or_default().insert(a);
    };
    for &(a, k, d) in &run.lost_list {
        let domain = site.asset(a).domain;
        let provider = site.asset(site.dependencies[d as usize].provider).domain;
        match k {
            Function::Control => add(Category::Control, a),
            Function::View => add(Category::View, a),
            Function::Alarm => add(Category::Alarm, a),
            Function::Safety => add(Category::Safety, a),
            Function::Authentication => add(Category::Authentication, a),
            Function::RemoteAccess => add(Category::RemoteAccess, a),
            Function::BusinessData => add(Category::BusinessData, a),
            Function::Historian | Function::Logging if domain != Domain::Ot && provider != Domain::It => {
                add(Category::TelemetryToIt, a)
            }
            _ => {}
        }
    }
    // Telemetry from OT is lost to IT even when other (IT) feeds of the same kind remain.
    for &(a, k, d) in degraded {
        let provider = site.asset(site.dependencies[d as usize].provider).domain;
        if matches!(k, Function::Historian | Function::Logging)
            && site.asset(a).domain != Domain::Ot
            && provider == Domain::Ot
        {
            add(Category::TelemetryToIt, a);
        }
    }
    // Stopped and unusable assets lose what they provide to people and to others.
    for (a, _) in down {
        let f = site.asset(*a).functions;
        for (k, c) in [
            (Function::Control, Category::Control),
            (Function::View, Category::View),
            (Function::Alarm, Category::Alarm),
            (Function::Safety, Category::Safety),
        ] {
            if f.contains(k) {
                add(c, *a);
            }
        }
    }
    for (a, _) in unusable {
        let kind = site.asset(*a).kind;
        if matches!(kind, site_model::AssetKind::Hmi) {
            add(Category::View, *a);
            add(Category::Control, *a);
        }
        if matches!(kind, site_model::AssetKind::JumpHost) {
            add(Category::RemoteAccess, *a);
        }
    }
    Category::ALL
        .iter()
        .filter_map(|c| {
            let mut v: Vec<AssetIx> = out.remove(c)?.into_iter().collect();
            v.sort_unstable();
            Some((*c, v))
        })
        .collect()
}

fn processes(
    run: &Run<'_>,
    degraded: &[(AssetIx, Function, u32)],
    stopped: &HashMap<usize, u16>,
    manual: &HashSet<usize>,
) -> Vec<ProcessImpact> {
    let site = run.site;
    let g = run.g;
    // Processes that any consequence touches.
    let mut touched: HashSet<usize> = stopped.keys().chain(manual.iter()).copied().collect();
    let mut note = |a: u32| touched.extend(g.asset_processes.row(a as usize).iter().map(|p| *p as usize));
    for &d in &run.order {
        let dep = &site.dependencies[d as usize];
        note(dep.consumer.0);
        note(dep.provider.0);
    }
    for a in run.down_by.keys().chain(run.unusable_by.keys()) {
        note(*a);
    }
    let degraded_of: HashMap<u32, FunctionSet> = degraded.iter().fold(HashMap::new(), |mut m, (a, k, _)| {
        m.entry(a.0).or_insert(FunctionSet::EMPTY).insert(*k);
        m
    });
    let mut touched: Vec<usize> = touched.into_iter().collect();
    touched.sort_unstable();

    let lost = |a: AssetIx| run.lost.get(&a.0).copied().unwrap_or_default();
    let down = |a: AssetIx| run.down_by.contains_key(&a.0) || run.unusable_by.contains_key(&a.0);
    // An asset can no longer provide `k` when it is stopped, unusable, or lost an input feeding `k`.
    let impaired = |a: AssetIx, k: Function| down(a) || lost(a).iter().any(|i| fed_by(k).contains(i));
    let name = |a: &AssetIx| site.asset(*a).id.to_string();

    let mut out = Vec::new();
    for p in touched {
        let proc_ = &site.processes[p];
        let mut reasons = Vec::new();
        // Control: every controller is needed.
        let control_lost: Vec<&AssetIx> = proc_.control.iter().filter(|a| impaired(**a, Function::Control)).collect();
        let control_degraded: Vec<&AssetIx> = proc_
            .control
            .iter()
            .filter(|a| degraded_of.get(&a.0).is_some_and(|s| s.contains(Function::Control)))
            .collect();
        let control = if !control_lost.is_empty() {
            reasons.push(format!(
                "control lost at {}",
                control_lost.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
            ));
            Status::Lost
        } else if !control_degraded.is_empty() {
            reasons.push(format!(
                "control degraded at {}",
                control_degraded.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
            ));
            Status::Degraded
        } else {
            Status::Intact
        };

        // View: can a usable station still reach the controllers through intact flows?
        let view = if proc_.view.is_empty() {
            Status::Intact
        } else {
            let usable: Vec<AssetIx> =
                proc_.view.iter().copied().filter(|a| !down(*a) && !lost(*a).contains(Function::View)).collect();
            let reached = reach_controllers(run, &usable, &proc_.control);
            let unusable: Vec<&AssetIx> = proc_.view.iter().filter(|a| !usable.contains(a)).collect();
            if reached.is_empty() && !proc_.control.is_empty() {
                reasons.push(if usable.is_empty() {
                    format!(
                        "operators lose every station of the process: {}",
                        unusable.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
                    )
                } else {
                    format!(
                        "no operator station reaches the controllers any more (stations: {})",
                        usable.iter().map(name).collect::<Vec<_>>().join(", ")
                    )
                });
                Status::Lost
            } else if reached.len() < proc_.control.len() || !unusable.is_empty() {
                if !unusable.is_empty() {
                    reasons.push(format!(
                        "stations lost: {}",
                        unusable.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
                    ));
                }
                let unreached: Vec<String> = proc_.control.iter().filter(|c| !reached.contains(c)).map(name).collect();
                if !unreached.is_empty() {
                    reasons.push(format!("operators no longer see {}", unreached.join(", ")));
                }
                Status::Degraded
            } else {
                Status::Intact
            }
        };

        // Alarms: lost when every source is impaired, degraded when some are.
        let alarm_impaired: Vec<&AssetIx> = proc_
            .alarm
            .iter()
            .filter(|a| {
                impaired(**a, Function::Alarm) || degraded_of.get(&a.0).is_some_and(|s| s.contains(Function::Alarm))
            })
            .collect();
        let alarm = if proc_.alarm.is_empty() || alarm_impaired.is_empty() {
            Status::Intact
        } else {
            let all = proc_.alarm.iter().all(|a| impaired(*a, Function::Alarm));
            reasons.push(format!(
                "alarms {} at {}",
                if all { "lost" } else { "degraded" },
                alarm_impaired.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
            ));
            if all { Status::Lost } else { Status::Degraded }
        };

        // Safety: every safety controller is needed; its safety-relevant links matter too.
        let safety_lost: Vec<&AssetIx> = proc_.safety.iter().filter(|a| impaired(**a, Function::Safety)).collect();
        let safety_links: Vec<u32> = run
            .order
            .iter()
            .copied()
            .filter(|d| {
                let dep = &site.dependencies[*d as usize];
                dep.safety_relevant && (proc_.safety.contains(&dep.consumer) || proc_.safety.contains(&dep.provider))
            })
            .collect();
        let safety = if !safety_lost.is_empty() {
            reasons.push(format!(
                "safety function lost at {}",
                safety_lost.iter().map(|a| name(a)).collect::<Vec<_>>().join(", ")
            ));
            Status::Lost
        } else if !safety_links.is_empty() {
            reasons.push(format!(
                "safety-relevant links broken: {}",
                safety_links
                    .iter()
                    .map(|d| {
                        let dep = &site.dependencies[*d as usize];
                        format!("{} -> {} ({})", site.asset(dep.consumer).id, site.asset(dep.provider).id, dep.kind)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Status::Degraded
        } else {
            Status::Intact
        };

        let impact = ProcessImpact {
            process: p,
            control,
            view,
            alarm,
            safety,
            stopped: stopped.get(&p).copied(),
            manual: manual.contains(&p),
            reasons,
        };
        if impact.is_affected() {
            out.push(impact);
        }
    }
    out
}

/// Controllers (of `targets`) reachable from `stations` over intact flows of the kinds
/// operators use (view, control, alarm), consumer to provider, within a few hops.
fn reach_controllers(run: &Run<'_>, stations: &[AssetIx], targets: &[AssetIx]) -> Vec<AssetIx> {
    const HOPS: usize = 6;
    let site = run.site;
    let wanted: HashSet<AssetIx> = targets.iter().copied().collect();
    let mut found: HashSet<AssetIx> = HashSet::new();
    let mut seen: HashSet<AssetIx> = stations.iter().copied().collect();
    let mut frontier: Vec<AssetIx> = stations.to_vec();
    for _ in 0..HOPS {
        let mut next = Vec::new();
        for a in frontier {
            if wanted.contains(&a) {
                found.insert(a);
            }
            if run.down_by.contains_key(&a.0) {
                continue;
            }
            for &d in run.g.by_consumer.row(a.ix()) {
                let dep = &site.dependencies[d as usize];
                let kind_ok = matches!(dep.kind, Function::View | Function::Control | Function::Alarm);
                if kind_ok && !run.is_broken(d) && seen.insert(dep.provider) {
                    next.push(dep.provider);
                }
            }
        }
        if next.is_empty() || found.len() == wanted.len() {
            break;
        }
        frontier = next;
    }
    for a in &seen {
        if wanted.contains(a) && !run.down_by.contains_key(&a.0) {
            found.insert(*a);
        }
    }
    let mut v: Vec<AssetIx> = found.into_iter().collect();
    v.sort_unstable();
    v
}

fn self_inflicted(site: &Site, impact: &Impact) -> Vec<SelfInflicted> {
    let mut out = Vec::new();
    let names = |f: &dyn Fn(&ProcessImpact) -> bool| -> Vec<String> {
        impact.processes.iter().filter(|p| f(p)).map(|p| site.processes[p.process].id.to_string()).collect()
    };
    let mut push = |technique, name, who: Vec<String>, what: &str| {
        if !who.is_empty() {
            out.push(SelfInflicted { technique, name, because: format!("{what}: {}", who.join(", ")) });
        }
    };
    push("T0827", "Loss of Control", names(&|p| p.control == Status::Lost), "processes lose control");
    push(
        "T0813",
        "Denial of Control",
        names(&|p| p.view == Status::Lost && p.control != Status::Lost),
        "operators can no longer command",
    );
    push("T0829", "Loss of View", names(&|p| p.view == Status::Lost), "operators lose sight of");
    push("T0815", "Denial of View", names(&|p| p.view == Status::Degraded), "operators see only part of");
    push("T0880", "Loss of Safety", names(&|p| p.safety == Status::Lost), "safety functions lost for");
    let protection: Vec<String> = impact
        .down
        .iter()
        .map(|(a, _)| *a)
        .chain(impact.lost.iter().filter(|(_, k, _)| *k == Function::Safety).map(|(a, _, _)| *a))
        .filter(|a| matches!(site.asset(*a).kind, site_model::AssetKind::Ied | site_model::AssetKind::SafetyController))
        .map(|a| site.asset(a).id.to_string())
        .collect();
    push("T0837", "Loss of Protection", protection, "protection devices stopped or cut off");
    let availability: Vec<String> = names(&|p| p.stopped.is_some())
        .into_iter()
        .chain(
            impact
                .down
                .iter()
                .filter(|(a, _)| site.asset(*a).criticality >= site_model::Criticality::High)
                .map(|(a, _)| site.asset(*a).id.to_string()),
        )
        .collect();
    push("T0826", "Loss of Availability", availability, "stopped");
    out
}
