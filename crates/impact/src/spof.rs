//! Single points of failure: providers whose loss *alone* removes a critical function.
//!
//! Two questions, answered in one pass:
//!
//! 1. **Per critical process** (criticality high or critical, or the processes asked for): which
//!    single asset, if lost, makes the process lose control, view, alarm or safety entirely.
//!    Candidates are the assets on the process's dependency closure, walked from its control,
//!    view, alarm and safety assets to their providers through the dependencies whose loss can
//!    propagate (a kind that feeds something, or a station's authentication): no other asset can
//!    change what the process keeps. Each candidate is taken down and the loss propagated exactly
//!    as [`crate::analyze`] does; a function counts when the process did not already lose it.
//! 2. **Lone providers**: a provider that is the only one left of a function kind to its
//!    consumers (the "lone surviving domain controller": with one of two directory servers down,
//!    the other becomes a single point of failure for every login). Reported when it alone
//!    serves at least [`SpofOptions::min_consumers`] consumers or its loss reaches a critical
//!    process, ranked by consequence.
//!
//! Assets already down can be assumed ([`SpofOptions::assume_down`]): everything is then judged
//! against the site with those assets lost.
//!
//! The search uses its own propagation over reusable state with an undo log (the cost of a
//! candidate is the size of its own cascade, not of the site), verified against
//! [`crate::analyze`] by tests; the explanations ([`explain_process_spof`], [`explain_lone`]) come
//! from `analyze` itself and [`Impact::explain`].

use std::collections::{HashMap, HashSet};

use site_model::{AssetIx, Criticality, Effect, Function, FunctionSet, Site};

use crate::action::{Action, Intent, Target};
use crate::graph::{Graph, is_station};
use crate::impact::{Category, Impact, Status, analyze, feeds};

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpofOptions {
    /// Assets to consider already lost (e.g. a domain controller taken down in the incident).
    pub assume_down: Vec<AssetIx>,
    /// Processes to examine (indices into `site.processes`); empty: every process of
    /// criticality high or critical. When given, lone providers are limited to the processes'
    /// dependency closure.
    pub processes: Vec<usize>,
    /// Report a lone provider that alone serves at least this many consumers even when its loss
    /// reaches no examined process.
    pub min_consumers: usize,
}

impl Default for SpofOptions {
    fn default() -> Self {
        SpofOptions { assume_down: Vec::new(), processes: Vec::new(), min_consumers: 2 }
    }
}

/// The four functions of a process.
pub const PROCESS_FUNCTIONS: [Category; 4] = [Category::Safety, Category::Control, Category::Alarm, Category::View];

/// One asset whose loss alone removes functions of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpof {
    pub asset: AssetIx,
    pub process: usize,
    /// The functions the process loses entirely, safety first.
    pub lost: Vec<Category>,
    /// The asset is one of the process's own (a controller, station, alarm source...).
    pub member: bool,
    /// How many examined processes lose a function with this asset.
    pub reach: usize,
}

/// The single points of failure of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessReport {
    pub process: usize,
    /// Functions the process has already lost with the assumed-down assets.
    pub already_lost: Vec<Category>,
    /// Assets examined (its dependency closure).
    pub candidates: usize,
    /// Ranked: safety first, then control, alarm and view; upstream providers before the
    /// process's own assets; then by reach.
    pub spofs: Vec<ProcessSpof>,
}

/// What one lone provider alone provides to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoneKind {
    pub kind: Function,
    /// Consumers that have no other intact provider of the kind.
    pub consumers: Vec<AssetIx>,
    /// Their other providers of the kind that are already lost (assumed down or cut off).
    pub others_lost: Vec<AssetIx>,
}

/// A provider that alone serves some consumers, and what its loss does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoneProvider {
    pub provider: AssetIx,
    pub kinds: Vec<LoneKind>,
    /// Examined processes its loss reaches: (process, function, the function is lost entirely).
    pub processes: Vec<(usize, Category, bool)>,
    /// Stations nobody can log into once it is lost.
    pub stations: Vec<AssetIx>,
    /// Assets that lose an input entirely with it.
    pub assets_losing: usize,
}

impl LoneProvider {
    pub fn consumers(&self) -> usize {
        self.kinds.iter().map(|k| k.consumers.len()).sum()
    }
}

/// Everything found.
///
/// Lone providers are ranked: first those that are alone only because the others are lost (the
/// question `--assume-down` asks), then those whose loss removes a function of a process
/// entirely, then by the criticality of the processes reached, how many, the stations made
/// unusable, the consumers served alone and the assets losing an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spofs {
    pub assume_down: Vec<AssetIx>,
    /// Examined processes, most critical first.
    pub processes: Vec<ProcessReport>,
    /// Lone providers, ranked by consequence.
    pub lone: Vec<LoneProvider>,
    /// Distinct assets whose loss was simulated.
    pub simulated: usize,
}

const DOWN: u8 = 1;
const UNUSABLE: u8 = 2;

/// The input kinds whose loss stops an asset providing `output` (the inverse of [`feeds`]).
fn fed_by(output: Function) -> FunctionSet {
    Function::ALL.iter().copied().filter(|k| feeds(*k).contains(output)).collect()
}

fn role_function(c: Category) -> Function {
    match c {
        Category::Safety => Function::Safety,
        Category::Alarm => Function::Alarm,
        Category::View => Function::View,
        _ => Function::Control,
    }
}

fn role_bit(c: Category) -> u8 {
    match c {
        Category::Control => 1,
        Category::View => 2,
        Category::Alarm => 4,
        Category::Safety => 8,
        _ => 0,
    }
}

/// Propagation state over the whole site, reset between candidates by an undo log.
struct Sim<'a> {
    site: &'a Site,
    g: &'a Graph,
    broken: Vec<u64>,
    lost: Vec<FunctionSet>,
    flags: Vec<u8>,
    queue: Vec<u32>,
    /// Dependencies broken since the last commit.
    log_deps: Vec<u32>,
    /// Assets changed since the last commit, with their state before.
    log_assets: Vec<(u32, FunctionSet, u8)>,
    stamp: Vec<u32>,
    epoch: u32,
    /// Scratch for the view search.
    seen: Vec<u32>,
    seen_epoch: u32,
}

impl<'a> Sim<'a> {
    fn new(site: &'a Site, g: &'a Graph) -> Self {
        let n = site.assets.len();
        Sim {
            site,
            g,
            broken: vec![0u64; site.dependencies.len().div_ceil(64)],
            lost: vec![FunctionSet::EMPTY; n],
            flags: vec![0u8; n],
            queue: Vec::new(),
            log_deps: Vec::new(),
            log_assets: Vec::new(),
            stamp: vec![0u32; n],
            epoch: 1,
            seen: vec![0u32; n],
            seen_epoch: 0,
        }
    }

    fn is_broken(&self, d: u32) -> bool {
        self.broken.get(d as usize / 64).is_some_and(|w| w & (1 << (d % 64)) != 0)
    }

    fn touch(&mut self, a: u32) {
        let i = a as usize;
        if self.stamp[i] != self.epoch {
            self.stamp[i] = self.epoch;
            self.log_assets.push((a, self.lost[i], self.flags[i]));
        }
    }

    fn cut(&mut self, d: u32) {
        if self.is_broken(d) {
            return;
        }
        if let Some(w) = self.broken.get_mut(d as usize / 64) {
            *w |= 1 << (d % 64);
        }
        self.log_deps.push(d);
        self.queue.push(d);
    }

    fn stop(&mut self, a: AssetIx) {
        if self.flags[a.ix()] & DOWN != 0 {
            return;
        }
        self.touch(a.0);
        self.flags[a.ix()] |= DOWN;
        let g = self.g;
        for &d in g.by_provider.row(a.ix()) {
            self.cut(d);
        }
    }

    fn make_unusable(&mut self, a: AssetIx) {
        if self.flags[a.ix()] != 0 {
            return;
        }
        self.touch(a.0);
        self.flags[a.ix()] |= UNUSABLE;
        let g = self.g;
        for &d in g.by_provider.row(a.ix()) {
            self.cut(d);
        }
    }

    /// The loss propagation of [`crate::analyze`], to a fixed point.
    fn propagate(&mut self) {
        let (site, g) = (self.site, self.g);
        while let Some(d) = self.queue.pop() {
            let dep = &site.dependencies[d as usize];
            let (c, k) = (dep.consumer, dep.kind);
            if self.lost[c.ix()].contains(k) {
                continue;
            }
            if !crate::impact::loses_input(site, g, c, k, |x| self.is_broken(x)) {
                continue;
            }
            self.touch(c.0);
            self.lost[c.ix()].insert(k);
            for d2 in crate::impact::stopped_by_loss(site, g, c, k) {
                self.cut(d2);
            }
            if crate::impact::unusable_after_loss(site, c, k) {
                self.make_unusable(c);
            }
        }
    }

    /// Keeps the current state as the base the next changes are undone to.
    fn commit(&mut self) {
        self.log_deps.clear();
        self.log_assets.clear();
        self.epoch = self.epoch.wrapping_add(1);
    }

    fn undo(&mut self) {
        for &d in &self.log_deps {
            if let Some(w) = self.broken.get_mut(d as usize / 64) {
                *w &= !(1 << (d % 64));
            }
        }
        for &(a, lost, flags) in &self.log_assets {
            self.lost[a as usize] = lost;
            self.flags[a as usize] = flags;
        }
        self.commit();
    }

    fn impaired(&self, a: AssetIx, k: Function) -> bool {
        self.flags[a.ix()] != 0 || self.lost[a.ix()].iter().any(|i| fed_by(k).contains(i))
    }

    fn impaired_with(lost: FunctionSet, flags: u8, k: Function) -> bool {
        flags != 0 || lost.iter().any(|i| fed_by(k).contains(i))
    }

    /// Whether operators lose the view of a process: no usable station of it reaches one of its
    /// controllers within six hops over intact view, control and alarm flows (as `analyze`).
    fn view_lost(&mut self, p: &Proc) -> bool {
        const HOPS: usize = 6;
        if p.view.is_empty() || p.control.is_empty() {
            return false;
        }
        let site = self.site;
        self.seen_epoch = self.seen_epoch.wrapping_add(1);
        if self.seen_epoch == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.seen_epoch = 1;
        }
        let mark = self.seen_epoch;
        let mut frontier: Vec<u32> = Vec::new();
        for &a in &p.view {
            if self.flags[a as usize] == 0 && !self.lost[a as usize].contains(Function::View) {
                if p.control.binary_search(&a).is_ok() {
                    return false;
                }
                if self.seen[a as usize] != mark {
                    self.seen[a as usize] = mark;
                    frontier.push(a);
                }
            }
        }
        for _ in 0..HOPS {
            let mut next = Vec::new();
            for &a in &frontier {
                if self.flags[a as usize] & DOWN != 0 {
                    continue;
                }
                for &d in self.g.by_consumer.row(a as usize) {
                    let dep = &site.dependencies[d as usize];
                    if !matches!(dep.kind, Function::View | Function::Control | Function::Alarm) || self.is_broken(d) {
                        continue;
                    }
                    let pv = dep.provider.0;
                    if self.seen[pv as usize] != mark {
                        self.seen[pv as usize] = mark;
                        if p.control.binary_search(&pv).is_ok() && self.flags[pv as usize] & DOWN == 0 {
                            return false;
                        }
                        next.push(pv);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        true
    }
}

/// A process's assets by role, sorted for lookups.
struct Proc {
    control: Vec<u32>,
    view: Vec<u32>,
    alarm: Vec<u32>,
    safety: Vec<u32>,
}

impl Proc {
    fn new(p: &site_model::Process) -> Proc {
        let sorted = |v: &[AssetIx]| {
            let mut v: Vec<u32> = v.iter().map(|a| a.0).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        Proc { control: sorted(&p.control), view: sorted(&p.view), alarm: sorted(&p.alarm), safety: sorted(&p.safety) }
    }

    fn members(&self, c: Category) -> &[u32] {
        match c {
            Category::Control => &self.control,
            Category::View => &self.view,
            Category::Alarm => &self.alarm,
            _ => &self.safety,
        }
    }

    fn roles(&self, a: u32) -> u8 {
        PROCESS_FUNCTIONS
            .iter()
            .filter(|c| self.members(**c).binary_search(&a).is_ok())
            .fold(0, |r, c| r | role_bit(*c))
    }
}

/// Per-process state at the base (assumed-down assets lost).
struct Base {
    /// Functions lost at the base, as role bits.
    lost: u8,
    /// Alarm sources impaired at the base.
    alarm_impaired: usize,
}

fn base_status(sim: &mut Sim<'_>, p: &Proc) -> Base {
    let mut lost = 0u8;
    let any = |sim: &Sim<'_>, c: Category| p.members(c).iter().any(|a| sim.impaired(AssetIx(*a), role_function(c)));
    if any(sim, Category::Control) {
        lost |= role_bit(Category::Control);
    }
    if any(sim, Category::Safety) {
        lost |= role_bit(Category::Safety);
    }
    let alarm_impaired = p.alarm.iter().filter(|a| sim.impaired(AssetIx(**a), Function::Alarm)).count();
    if !p.alarm.is_empty() && alarm_impaired == p.alarm.len() {
        lost |= role_bit(Category::Alarm);
    }
    if sim.view_lost(p) {
        lost |= role_bit(Category::View);
    }
    Base { lost, alarm_impaired }
}

fn categories(bits: u8) -> Vec<Category> {
    PROCESS_FUNCTIONS.iter().copied().filter(|c| bits & role_bit(*c) != 0).collect()
}

/// What the loss of one asset does to the examined processes, from the current delta.
struct Delta {
    /// (examined process slot, function bits lost entirely, function bits impaired)
    processes: Vec<(usize, u8, u8)>,
    stations: Vec<AssetIx>,
    assets_losing: usize,
}

/// Evaluates the delta since the last commit against the base.
fn effect(
    sim: &mut Sim<'_>,
    procs: &[Proc],
    base: &[Base],
    slot_of: &HashMap<u32, usize>,
    base_touched: &[usize],
    proc_mark: &mut [u32],
    mark: u32,
) -> Delta {
    let (site, g) = (sim.site, sim.g);
    // Processes the delta touches (as `analyze` does: any asset stopped, unusable or on either
    // end of a broken dependency), restricted to the examined ones.
    let mut touched: Vec<usize> = Vec::new();
    let mut note = |a: u32, touched: &mut Vec<usize>| {
        for &p in g.asset_processes.row(a as usize) {
            if let Some(&s) = slot_of.get(&p)
                && proc_mark[s] != mark
            {
                proc_mark[s] = mark;
                touched.push(s);
            }
        }
    };
    let mut flow_cut = false;
    for &d in &sim.log_deps {
        let dep = &site.dependencies[d as usize];
        note(dep.consumer.0, &mut touched);
        note(dep.provider.0, &mut touched);
        flow_cut |= matches!(dep.kind, Function::View | Function::Control | Function::Alarm);
    }
    for &(a, _, _) in &sim.log_assets {
        note(a, &mut touched);
    }
    // Impairments of members, from the changed assets.
    let mut impaired: HashMap<usize, (u8, usize)> = HashMap::new(); // slot -> (bits, new alarm impaired)
    let mut stations = Vec::new();
    let mut assets_losing = 0;
    for &(a, lost0, flags0) in &sim.log_assets {
        let ai = a as usize;
        if sim.lost[ai] != lost0 && flags0 == 0 {
            assets_losing += 1;
        }
        if sim.flags[ai] & UNUSABLE != 0 && flags0 & UNUSABLE == 0 {
            stations.push(AssetIx(a));
        }
        for &p in g.asset_processes.row(ai) {
            let Some(&s) = slot_of.get(&p) else { continue };
            let roles = procs[s].roles(a);
            for c in PROCESS_FUNCTIONS {
                if roles & role_bit(c) == 0 {
                    continue;
                }
                let now = if c == Category::View {
                    sim.flags[ai] != 0 || sim.lost[ai].contains(Function::View)
                } else {
                    Sim::impaired_with(sim.lost[ai], sim.flags[ai], role_function(c))
                };
                let before = if c == Category::View {
                    flags0 != 0 || lost0.contains(Function::View)
                } else {
                    Sim::impaired_with(lost0, flags0, role_function(c))
                };
                if now && !before {
                    let e = impaired.entry(s).or_default();
                    e.0 |= role_bit(c);
                    if c == Category::Alarm {
                        e.1 += 1;
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    // Processes the base already touches are evaluated by `analyze` too: their view can change
    // when the delta cuts a flow.
    let extra: Vec<usize> =
        if flow_cut { base_touched.iter().copied().filter(|s| proc_mark[*s] != mark).collect() } else { Vec::new() };
    for s in touched.iter().copied().chain(extra) {
        let (imp, new_alarm) = impaired.get(&s).copied().unwrap_or((0, 0));
        let b = &base[s];
        let p = &procs[s];
        let mut lost = 0u8;
        if imp & role_bit(Category::Control) != 0 {
            lost |= role_bit(Category::Control);
        }
        if imp & role_bit(Category::Safety) != 0 {
            lost |= role_bit(Category::Safety);
        }
        if imp & role_bit(Category::Alarm) != 0 && b.alarm_impaired + new_alarm == p.alarm.len() {
            lost |= role_bit(Category::Alarm);
        }
        let view_may_change = imp & role_bit(Category::View) != 0 || flow_cut;
        if b.lost & role_bit(Category::View) == 0 && view_may_change && sim.view_lost(p) {
            lost |= role_bit(Category::View);
        }
        lost &= !b.lost;
        let imp = (imp | lost) & !b.lost;
        if imp != 0 {
            out.push((s, lost, imp));
        }
    }
    out.sort_unstable();
    Delta { processes: out, stations, assets_losing }
}

/// Whether a dependency's loss can change what its consumer provides or whether people can use
/// it: the kinds that feed something, and a station's authentication.
fn propagates(site: &Site, d: &site_model::Dependency) -> bool {
    !feeds(d.kind).is_empty() || (d.kind == Function::Authentication && is_station(site.asset(d.consumer).kind))
}

/// The assets that can change what a process keeps: its own, and their providers, transitively,
/// through dependencies whose loss propagates. Sorted.
pub fn closure(site: &Site, g: &Graph, process: usize) -> Vec<AssetIx> {
    let Some(p) = site.processes.get(process) else { return Vec::new() };
    let mut seen: HashSet<u32> = HashSet::new();
    let mut out: Vec<AssetIx> = Vec::new();
    for a in p.control.iter().chain(&p.view).chain(&p.alarm).chain(&p.safety) {
        if seen.insert(a.0) {
            out.push(*a);
        }
    }
    let mut i = 0;
    while let Some(&a) = out.get(i) {
        for &d in g.by_consumer.row(a.ix()) {
            let dep = &site.dependencies[d as usize];
            if propagates(site, dep) && seen.insert(dep.provider.0) {
                out.push(dep.provider);
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out
}

/// Finds the single points of failure.
pub fn find(site: &Site, g: &Graph, options: &SpofOptions) -> Spofs {
    let mut examined: Vec<usize> = if options.processes.is_empty() {
        (0..site.processes.len()).filter(|p| site.processes[*p].criticality >= Criticality::High).collect()
    } else {
        options.processes.iter().copied().filter(|p| *p < site.processes.len()).collect()
    };
    examined.sort_by(|a, b| {
        let (pa, pb) = (&site.processes[*a], &site.processes[*b]);
        pb.criticality.cmp(&pa.criticality).then_with(|| pa.id.cmp(&pb.id))
    });
    examined.dedup();
    let slot_of: HashMap<u32, usize> = examined.iter().enumerate().map(|(s, p)| (*p as u32, s)).collect();
    let procs: Vec<Proc> = examined.iter().map(|p| Proc::new(&site.processes[*p])).collect();

    // The base: the assumed-down assets lost.
    let mut sim = Sim::new(site, g);
    let mut assume_down: Vec<AssetIx> =
        options.assume_down.iter().copied().filter(|a| a.ix() < site.assets.len()).collect();
    assume_down.sort_unstable();
    assume_down.dedup();
    for a in &assume_down {
        sim.stop(*a);
    }
    sim.propagate();
    let mut base_touched: Vec<usize> = Vec::new();
    {
        let mut mark = vec![false; examined.len()];
        let ends = sim.log_deps.iter().flat_map(|d| {
            let dep = &site.dependencies[*d as usize];
            [dep.consumer.0, dep.provider.0]
        });
        for a in ends.chain(sim.log_assets.iter().map(|(a, _, _)| *a)).collect::<Vec<_>>() {
            for &p in g.asset_processes.row(a as usize) {
                if let Some(&s) = slot_of.get(&p)
                    && !mark[s]
                {
                    mark[s] = true;
                    base_touched.push(s);
                }
            }
        }
    }
    sim.commit();
    let base: Vec<Base> = procs.iter().map(|p| base_status(&mut sim, p)).collect();

    // Candidates: the examined processes' closures.
    let closures: Vec<Vec<AssetIx>> = examined.iter().map(|p| closure(site, g, *p)).collect();
    let mut candidates: Vec<AssetIx> = closures.iter().flatten().copied().collect();
    candidates.sort_unstable();
    candidates.dedup();

    // Lone providers at the base.
    // When processes are named, only the consumers of their closure's assets can make one of
    // them a lone provider that is reported: look at those alone.
    let consumers: Option<Vec<u32>> = (!options.processes.is_empty()).then(|| {
        let mut v: Vec<u32> = candidates
            .iter()
            .flat_map(|p| g.by_provider.row(p.ix()).iter().map(|d| site.dependencies[*d as usize].consumer.0))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    let lone_kinds = lone_kinds(&sim, consumers.as_deref());
    let mut providers: Vec<AssetIx> = lone_kinds
        .iter()
        .filter(|(p, ks)| {
            candidates.binary_search(p).is_ok()
                || (options.processes.is_empty()
                    && ks.iter().map(|k| k.consumers.len()).sum::<usize>() >= options.min_consumers.max(1))
        })
        .map(|(p, _)| *p)
        .collect();
    providers.sort_unstable();
    let mut simulate: Vec<AssetIx> = candidates.iter().chain(&providers).copied().collect();
    simulate.sort_unstable();
    simulate.dedup();

    let mut found: Vec<(AssetIx, Vec<(usize, u8)>)> = Vec::new();
    let mut lone: Vec<LoneProvider> = Vec::new();
    let mut proc_mark = vec![0u32; examined.len()];
    let mut simulated = 0;
    for (i, &c) in simulate.iter().enumerate() {
        if sim.flags[c.ix()] != 0 {
            continue;
        }
        simulated += 1;
        sim.stop(c);
        sim.propagate();
        let e = effect(&mut sim, &procs, &base, &slot_of, &base_touched, &mut proc_mark, i as u32 + 1);
        sim.undo();
        let lost: Vec<(usize, u8)> = e.processes.iter().filter(|(_, l, _)| *l != 0).map(|(s, l, _)| (*s, *l)).collect();
        if !lost.is_empty() && candidates.binary_search(&c).is_ok() {
            found.push((c, lost));
        }
        if providers.binary_search(&c).is_ok()
            && let Some(kinds) = lone_kinds.get(&c)
        {
            let consumers: usize = kinds.iter().map(|k| k.consumers.len()).sum();
            if e.processes.is_empty() && consumers < options.min_consumers.max(1) {
                continue;
            }
            let mut processes: Vec<(usize, Category, bool)> = Vec::new();
            for (s, l, imp) in &e.processes {
                for cat in PROCESS_FUNCTIONS {
                    if imp & role_bit(cat) != 0 {
                        processes.push((examined[*s], cat, l & role_bit(cat) != 0));
                    }
                }
            }
            let mut stations = e.stations.clone();
            stations.sort_by(|a, b| site.asset(*a).id.cmp(&site.asset(*b).id));
            lone.push(LoneProvider {
                provider: c,
                kinds: kinds.clone(),
                processes,
                stations,
                assets_losing: e.assets_losing,
            });
        }
    }

    // Per process, ranked.
    let mut reach: HashMap<AssetIx, usize> = HashMap::new();
    for (a, l) in &found {
        reach.insert(*a, l.len());
    }
    let mut reports: Vec<ProcessReport> = examined
        .iter()
        .enumerate()
        .map(|(s, p)| ProcessReport {
            process: *p,
            already_lost: categories(base[s].lost),
            candidates: closures[s].len(),
            spofs: Vec::new(),
        })
        .collect();
    for (a, l) in &found {
        for (s, bits) in l {
            let member = procs[*s].roles(a.0) != 0;
            reports[*s].spofs.push(ProcessSpof {
                asset: *a,
                process: examined[*s],
                lost: categories(*bits),
                member,
                reach: reach.get(a).copied().unwrap_or(0),
            });
        }
    }
    for r in &mut reports {
        r.spofs.sort_by(|x, y| {
            let rank = |s: &ProcessSpof| {
                let first = s.lost.first().map(|c| PROCESS_FUNCTIONS.iter().position(|x| x == c).unwrap_or(4));
                (first, s.member, std::cmp::Reverse(s.lost.len()), std::cmp::Reverse(s.reach))
            };
            rank(x).cmp(&rank(y)).then_with(|| site.asset(x.asset).id.cmp(&site.asset(y.asset).id))
        });
    }

    // Lone providers ranked by consequence.
    lone.sort_by(|x, y| {
        let crit = |l: &LoneProvider| {
            l.processes.iter().map(|(p, _, _)| site.processes[*p].criticality).max().unwrap_or(Criticality::Low)
        };
        let distinct = |l: &LoneProvider| {
            let mut v: Vec<usize> = l.processes.iter().map(|(p, _, _)| *p).collect();
            v.dedup();
            v.len()
        };
        let key = |l: &LoneProvider| {
            std::cmp::Reverse((
                l.kinds.iter().any(|k| !k.others_lost.is_empty()),
                l.processes.iter().any(|(_, _, lost)| *lost),
                !l.processes.is_empty(),
                crit(l),
                distinct(l),
                l.stations.len(),
                l.consumers(),
                l.assets_losing,
            ))
        };
        key(x).cmp(&key(y)).then_with(|| site.asset(x.provider).id.cmp(&site.asset(y.provider).id))
    });

    Spofs { assume_down, processes: reports, lone, simulated }
}

/// For each provider, the kinds it is the only intact provider of to some consumers (of all
/// assets, or of the given ones).
fn lone_kinds(sim: &Sim<'_>, consumers: Option<&[u32]>) -> HashMap<AssetIx, Vec<LoneKind>> {
    let (site, g) = (sim.site, sim.g);
    let mut pairs: Vec<(u32, u8, u32)> = Vec::new(); // (provider, kind, consumer)
    let mut others: HashMap<(u32, u8), Vec<AssetIx>> = HashMap::new();
    let nk = Function::ALL.len();
    let mut count = vec![0u32; nk];
    let mut only = vec![u32::MAX; nk];
    let mut any_broken = vec![false; nk];
    let all = 0..site.assets.len() as u32;
    let each: Box<dyn Iterator<Item = u32>> = match consumers {
        Some(v) => Box::new(v.iter().copied()),
        None => Box::new(all),
    };
    for c in each {
        let c = c as usize;
        if sim.flags.get(c).is_none_or(|f| *f != 0) {
            continue;
        }
        let row = g.by_consumer.row(c);
        if row.is_empty() {
            continue;
        }
        count.iter_mut().for_each(|x| *x = 0);
        any_broken.iter_mut().for_each(|x| *x = false);
        for &d in row {
            let dep = &site.dependencies[d as usize];
            let k = dep.kind as usize;
            if sim.is_broken(d) {
                any_broken[k] = true;
            } else if count[k] == 0 || only[k] != dep.provider.0 {
                count[k] += 1;
                only[k] = dep.provider.0;
            }
        }
        for k in 0..nk {
            if count[k] == 1 && !sim.lost[c].contains(Function::ALL[k]) {
                pairs.push((only[k], k as u8, c as u32));
                if any_broken[k] {
                    let lost: Vec<AssetIx> = row
                        .iter()
                        .filter(|d| sim.is_broken(**d) && site.dependencies[**d as usize].kind as usize == k)
                        .map(|d| site.dependencies[*d as usize].provider)
                        .collect();
                    others.entry((only[k], k as u8)).or_default().extend(lost);
                }
            }
        }
    }
    pairs.sort_unstable();
    let mut out: HashMap<AssetIx, Vec<LoneKind>> = HashMap::new();
    for w in pairs.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        let (p, k, _) = w[0];
        let mut consumers: Vec<AssetIx> = w.iter().map(|x| AssetIx(x.2)).collect();
        consumers.sort_by(|a, b| site.asset(*a).id.cmp(&site.asset(*b).id));
        let mut others_lost = others.remove(&(p, k)).unwrap_or_default();
        others_lost.sort_by(|a, b| site.asset(*a).id.cmp(&site.asset(*b).id));
        others_lost.dedup();
        out.entry(AssetIx(p)).or_default().push(LoneKind { kind: Function::ALL[k as usize], consumers, others_lost });
    }
    out
}

/// The actions `analyze` is given to explain a loss: the asset lost first (so that the chains
/// name it when it completes a loss the assumed-down assets began), then the assumed-down assets.
pub fn loss_actions(site: &Site, assume_down: &[AssetIx], asset: Option<AssetIx>) -> Vec<Action> {
    let def = site.actions.iter().find(|a| a.effect == Effect::TakeOffline);
    let verb: Box<str> = def.map(|d| d.verb.clone()).unwrap_or_else(|| "take-offline".into());
    let minutes = def.map(|d| d.typical_minutes).unwrap_or(0);
    let action = |a: AssetIx, text: String| Action {
        verb: verb.clone(),
        effect: Effect::TakeOffline,
        targets: vec![Target::Asset(a)],
        except: Vec::new(),
        kinds: FunctionSet::EMPTY,
        mode: None,
        intent: Intent::Containment,
        minutes,
        text: text.into(),
    };
    let lost = asset.map(|a| action(a, format!("loss of {}", site.asset(a).id)));
    lost.into_iter()
        .chain(assume_down.iter().map(|a| action(*a, format!("{} assumed down", site.asset(*a).id))))
        .collect()
}

/// The impact of losing `asset` with the assumed-down assets lost, as `analyze` sees it.
pub fn loss_impact(site: &Site, g: &Graph, assume_down: &[AssetIx], asset: AssetIx) -> Impact {
    analyze(site, g, &loss_actions(site, assume_down, Some(asset)))
}

/// Why losing `spof.asset` removes the functions of its process: the engine's findings for the
/// process, then the chain from the loss to each lost function.
pub fn explain_process_spof(site: &Site, g: &Graph, assume_down: &[AssetIx], spof: &ProcessSpof) -> Vec<String> {
    let impact = loss_impact(site, g, assume_down, spof.asset);
    let mut out = Vec::new();
    let Some(pi) = impact.processes.iter().find(|p| p.process == spof.process) else {
        return out;
    };
    out.extend(pi.reasons.iter().cloned());
    let p = &site.processes[spof.process];
    for cat in &spof.lost {
        let members: &[AssetIx] = match cat {
            Category::Control => &p.control,
            Category::Safety => &p.safety,
            Category::Alarm => &p.alarm,
            _ => &p.view,
        };
        let k = role_function(*cat);
        let why = members.iter().find_map(|m| chain(site, &impact, *m, k, spof.asset));
        if let Some(lines) = why {
            out.extend(lines.into_iter().map(|l| format!("  {l}")));
        }
    }
    out.dedup();
    out
}

/// How a member came to be impaired for `k`: it is the asset lost, a station nobody can log
/// into, or it lost an input.
fn chain(site: &Site, impact: &Impact, m: AssetIx, k: Function, lost: AssetIx) -> Option<Vec<String>> {
    if m == lost {
        return Some(vec![format!("{} is lost", site.asset(m).id)]);
    }
    if impact.is_down(m) {
        return Some(vec![format!("{} is assumed down", site.asset(m).id)]);
    }
    if impact.is_unusable(m) {
        return Some(impact.explain_unusable(site, m));
    }
    let inputs = impact.lost_inputs(m);
    let want = if k == Function::View { [Function::View, Function::Control].into_iter().collect() } else { fed_by(k) };
    let i = inputs.iter().find(|i| want.contains(*i))?;
    Some(impact.explain(site, m, i))
}

/// Why a lone provider's loss matters: the chain for one consumer of each kind (one that takes
/// part in a process, if any) and for one station made unusable, from `analyze`, then what the
/// processes it reaches keep.
pub fn explain_lone(site: &Site, g: &Graph, assume_down: &[AssetIx], lone: &LoneProvider) -> Vec<String> {
    let impact = loss_impact(site, g, assume_down, lone.provider);
    let in_process = |a: &&AssetIx| !g.asset_processes.row(a.ix()).is_empty();
    let mut out: Vec<String> = Vec::new();
    let push = |lines: Vec<String>, out: &mut Vec<String>| {
        if lines.first().is_some_and(|l| !out.contains(l)) {
            out.extend(lines);
        }
    };
    for k in &lone.kinds {
        if let Some(c) = k.consumers.iter().find(in_process).or(k.consumers.first()) {
            push(impact.explain(site, *c, k.kind), &mut out);
        }
    }
    if let Some(s) = lone.stations.iter().find(in_process).or(lone.stations.first()) {
        let lines = impact.explain_unusable(site, *s);
        // The first line says nobody can log in; the rest repeats a chain already given.
        if let Some(first) = lines.first() {
            out.push(first.clone());
        }
    }
    for pi in &impact.processes {
        if lone.processes.iter().any(|(p, _, _)| *p == pi.process) {
            let st = |s: Status| s.as_str();
            out.push(format!(
                "{}: control {}, view {}, alarm {}, safety {}",
                site.processes[pi.process].id,
                st(pi.control),
                st(pi.view),
                st(pi.alarm),
                st(pi.safety)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use site_model::{LoadOptions, Source};

    fn site(deps: &str) -> Site {
        let text = format!(
            "[site]\nid = \"t\"\nname = \"T\"\n\n[[zone]]\nid = \"z\"\nname = \"Z\"\ndomain = \"ot\"\n\n\
             [[asset]]\nid = \"io\"\nkind = \"field-io\"\nzone = \"z\"\n\n\
             [[asset]]\nid = \"plc\"\nkind = \"plc\"\nzone = \"z\"\n\n\
             [[asset]]\nid = \"scada\"\nkind = \"control-server\"\nzone = \"z\"\n\n\
             [[asset]]\nid = \"hmi\"\nkind = \"hmi\"\nzone = \"z\"\n\n\
             [[asset]]\nid = \"dc1\"\nkind = \"domain-controller\"\nzone = \"z\"\n\n\
             [[asset]]\nid = \"dc2\"\nkind = \"domain-controller\"\nzone = \"z\"\n\n\
             [[process]]\nid = \"p\"\nname = \"P\"\ncriticality = \"critical\"\ncontrol = [\"plc\"]\nview = [\"hmi\"]\n\n{deps}"
        );
        let o = site_model::load(vec![Source { path: "t.toml".into(), text }], &LoadOptions::default());
        o.site.unwrap_or_else(|| panic!("{:?}", o.diagnostics))
    }

    fn dep(c: &str, p: &str, k: &str) -> String {
        format!("[[dependency]]\nconsumer = \"{c}\"\nprovider = \"{p}\"\nkind = \"{k}\"\n\n")
    }

    fn ix(s: &Site, id: &str) -> AssetIx {
        s.asset_by_id(id).unwrap_or(AssetIx(u32::MAX))
    }

    #[test]
    fn fed_by_inverts_feeds() {
        let alarm: Vec<Function> = fed_by(Function::Alarm).iter().collect();
        assert_eq!(alarm, vec![Function::Control, Function::Alarm, Function::Safety]);
        assert_eq!(fed_by(Function::Control).iter().collect::<Vec<_>>(), vec![Function::Control]);
        assert!(fed_by(Function::Time).is_empty());
    }

    #[test]
    fn undo_restores_the_base_exactly() {
        let deps = [
            dep("plc", "io", "control"),
            dep("scada", "plc", "control"),
            dep("hmi", "scada", "view"),
            dep("hmi", "dc1", "authentication"),
        ]
        .concat();
        let s = site(&deps);
        let g = Graph::compile(&s);
        let mut sim = Sim::new(&s, &g);
        sim.stop(ix(&s, "dc2"));
        sim.propagate();
        sim.commit();
        let (broken, lost, flags) = (sim.broken.clone(), sim.lost.clone(), sim.flags.clone());
        sim.stop(ix(&s, "io"));
        sim.propagate();
        assert!(sim.lost[ix(&s, "hmi").ix()].contains(Function::View));
        sim.undo();
        assert_eq!((&sim.broken, &sim.lost, &sim.flags), (&broken, &lost, &flags));
    }

    #[test]
    fn a_second_directory_server_is_no_single_point_of_failure_until_the_first_is_down() {
        let deps = [
            dep("plc", "io", "control"),
            dep("scada", "plc", "control"),
            dep("hmi", "scada", "view"),
            dep("hmi", "dc1", "authentication"),
            dep("hmi", "dc2", "authentication"),
        ]
        .concat();
        let s = site(&deps);
        let g = Graph::compile(&s);
        let found = find(&s, &g, &SpofOptions::default());
        let p = &found.processes[0];
        let who = |c: Category| -> Vec<&str> {
            p.spofs.iter().filter(|x| x.lost.contains(&c)).map(|x| &*s.asset(x.asset).id).collect()
        };
        // The I/O is upstream of the controller; the view needs the station and SCADA.
        assert_eq!(who(Category::Control), vec!["io", "plc"]);
        assert_eq!(who(Category::View), vec!["io", "plc", "scada", "hmi"]);
        assert!(!found.lone.iter().any(|l| s.asset(l.provider).id.starts_with("dc")));
        let found = find(&s, &g, &SpofOptions { assume_down: vec![ix(&s, "dc1")], ..SpofOptions::default() });
        let dc2 = found.lone.iter().find(|l| l.provider == ix(&s, "dc2"));
        assert!(
            dc2.is_some_and(|l| l.stations == vec![ix(&s, "hmi")] && l.kinds[0].others_lost == vec![ix(&s, "dc1")])
        );
        assert!(found.processes[0].spofs.iter().any(|x| x.asset == ix(&s, "dc2") && x.lost == vec![Category::View]));
    }
}
