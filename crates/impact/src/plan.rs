//! The containment planner: given what is compromised and what must be protected, the set of
//! available actions with the least operational impact that severs every attacker path to the
//! protected assets, never cutting a protected flow.
//!
//! # The flow network
//!
//! Built once per question from the [`AttackGraph`], restricted to the nodes that matter (reached
//! from the footholds *and* able to reach a protected asset). A super-source feeds every
//! foothold, every protected asset feeds a super-sink, and every way of cutting the attacker is
//! an edge whose capacity is the cost of the action that cuts it:
//!
//! - **isolate an asset**: the asset is split into `in -> out`, capacity = cost of isolating it;
//! - **restrict dependency kinds at an asset**: the flows of one kind leaving (or entering) an
//!   asset pass through a gate edge of capacity = cost of `restrict ASSET kinds KIND` (an asset
//!   with a single flow of a kind has no gate: that flow's own edge carries the capacity);
//! - **block a conduit**: conduits are nodes (split, capacity = cost of blocking) on the path of
//!   every flow whose route crosses them;
//! - **disable an account**, **revoke a vendor pathway**: the account or pathway is split;
//! - **island mode**: one big candidate, solved as its own scenario (the flows crossing the
//!   island conduits and the vendor routes it severs are removed, its cost is added).
//!
//! Capacity [`INF`] (cannot be cut) for: the protected flows (dependencies of kind control, view
//! or safety whose consumer is protected), every action that would cut one (isolating an end
//! of a protected flow, restricting its kind at either end, blocking a conduit it crosses,
//! island mode if it crosses the IDMZ), the footholds (the attacker is already on them; a
//! compromised account or pathway can still be disabled or revoked) and the protected assets.
//!
//! The maximum flow (Dinic, [`crate::flow`]) equals the cost of the cheapest cut; the cut's
//! edges are the plan. An infinite maximum flow means every way to sever the attacker cuts a
//! protected flow: the planner then reports one attacker path of uncuttable edges and the
//! protected flows that make it so ([`Blocked`]).
//!
//! Conduit nodes are shared by all flows through the conduit, so the network can hold paths
//! that no single flow has (in through one flow, out through another). This only adds paths:
//! every plan still severs every real path (each plan is re-checked on the attack graph,
//! [`Plan::verified`]), but a plan may cost more than the exact optimum. Restricting one kind
//! at an asset in both directions is counted twice by the cut (once per gate) and once in the
//! plan's cost.
//!
//! # Costs
//!
//! The cost of an action is the cost of its computed impact ([`impact_cost`] of
//! [`crate::analyze`]): broken dependencies weighted by criticality and safety relevance,
//! stations lost, process control, view, alarm and safety lost or degraded (weighted by the
//! process's criticality), vendor functions lost, compensating measures needed; an unsafe
//! verdict is infinite. Analysing every candidate of a 1M-asset site is too slow (millions of
//! candidates), so costs are computed lazily: every candidate starts at a proxy, the direct
//! part of its impact (one action, plus the dependencies it cuts itself, plus the stations a
//! disabled account locks), which never exceeds its full cost. After each solve the chosen
//! candidates still on a proxy get their full cost and the network is solved again, until every
//! chosen candidate is costed in full. Because proxies are lower bounds, the cut found then is
//! also the cheapest under full costs.
//!
//! # Alternatives
//!
//! The best plan is re-solved forbidding each of its actions in turn, and island mode is solved
//! as its own scenario. Plans are deduplicated and ranked: safe before unsafe, then by the cost
//! of their combined impact.

use std::collections::{BTreeMap, HashSet};

use site_model::{AccountIx, AccountStatus, AssetIx, ConduitIx, Effect, Function, FunctionSet, Site, VendorIx};

use crate::action::{Action, ActionError};
use crate::flow::{Cap, EdgeId, FlowBuilder, FlowError, FlowNet, FlowState, INF};
use crate::graph::{Graph, is_station};
use crate::impact::{Impact, Status, analyze};
use crate::reach::{
    AttackGraph, Cutoff, Foothold, How, Node, PUSH_KINDS, Step, TargetError, did_you_mean, find_asset, foothold_nodes,
    pathway_enters_from_it, plant_side,
};
use crate::verdict::Verdict;

/// What must be protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protect {
    Asset(AssetIx),
    /// Every asset of the process's control, view and safety lists, and its essential flows.
    Process(usize),
}

impl Protect {
    /// Parses `ASSET-ID`, `asset:ID` or `process:ID`.
    pub fn parse(site: &Site, text: &str) -> Result<Protect, TargetError> {
        let text = text.trim();
        match text.split_once(':') {
            Some(("process", id)) => {
                site.processes.iter().position(|p| &*p.id == id).map(Protect::Process).ok_or_else(|| {
                    TargetError::new(
                        format!("unknown process \"{id}\""),
                        "the id of a process of the site model".into(),
                        did_you_mean(id, site.processes.iter().map(|p| &*p.id)),
                    )
                })
            }
            Some(("asset", id)) => find_asset(site, id).map(Protect::Asset),
            Some((k, _)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase()) => Err(TargetError::new(
                format!("unknown kind of protected target \"{k}\" in \"{text}\""),
                "ASSET-ID, asset:ID or process:ID".into(),
                did_you_mean(k, ["asset", "process"]),
            )),
            _ => find_asset(site, text).map(Protect::Asset),
        }
    }

    pub fn describe(&self, site: &Site) -> String {
        match self {
            Protect::Asset(a) => site.asset(*a).id.to_string(),
            Protect::Process(p) => format!("process:{}", site.processes[*p].id),
        }
    }
}

/// The protected assets and flows.
#[derive(Debug, Clone)]
pub struct Protection {
    /// Per asset.
    pub assets: Vec<bool>,
    /// The processes whose members are protected (named, or the critical and high ones).
    pub processes: Vec<usize>,
    flows: Vec<u64>,
}

impl Protection {
    /// What `protect` names; when it is empty, every asset of the control, view and safety
    /// lists of every critical or high process.
    pub fn new(site: &Site, protect: &[Protect]) -> Protection {
        let mut assets = vec![false; site.assets.len()];
        let mut processes: Vec<usize> = Vec::new();
        if protect.is_empty() {
            processes = (0..site.processes.len())
                .filter(|p| site.processes[*p].criticality >= site_model::Criticality::High)
                .collect();
        }
        for p in protect {
            match p {
                Protect::Asset(a) => {
                    if let Some(x) = assets.get_mut(a.ix()) {
                        *x = true;
                    }
                }
                Protect::Process(p) => processes.push(*p),
            }
        }
        processes.sort_unstable();
        processes.dedup();
        for p in &processes {
            let proc_ = &site.processes[*p];
            for a in proc_.control.iter().chain(&proc_.view).chain(&proc_.safety) {
                if let Some(x) = assets.get_mut(a.ix()) {
                    *x = true;
                }
            }
        }
        let mut flows = vec![0u64; site.dependencies.len().div_ceil(64)];
        for (d, dep) in site.dependencies.iter().enumerate() {
            if matches!(dep.kind, Function::Control | Function::View | Function::Safety)
                && assets.get(dep.consumer.ix()).copied().unwrap_or(false)
            {
                flows[d / 64] |= 1 << (d % 64);
            }
        }
        Protection { assets, processes, flows }
    }

    /// Whether dependency `d` is a protected flow: of kind control, view or safety, and its
    /// consumer is protected.
    pub fn is_flow(&self, d: u32) -> bool {
        self.flows.get(d as usize / 64).is_some_and(|w| w & (1 << (d % 64)) != 0)
    }

    pub fn count(&self) -> usize {
        self.assets.iter().filter(|x| **x).count()
    }

    fn flow_indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.flows
            .iter()
            .enumerate()
            .flat_map(|(w, bits)| (0..64).filter(move |b| bits & (1u64 << b) != 0).map(move |b| (w * 64 + b) as u32))
    }
}

/// Cost of one action in a plan (so fewer actions win ties).
pub const ACTION_COST: Cap = 10;
/// Cost of a broken dependency, by its criticality (low, medium, high, critical).
pub const DEPENDENCY_COST: [Cap; 4] = [1, 3, 10, 30];
/// Added for a broken dependency marked safety-relevant.
pub const SAFETY_RELEVANT_COST: Cap = 100;
/// Per stopped asset.
pub const STOPPED_COST: Cap = 100;
/// Per station nobody can log into.
pub const UNUSABLE_COST: Cap = 200;
/// Process losses, multiplied by the process's criticality weight: (lost, degraded).
pub const CONTROL_COST: (Cap, Cap) = (2000, 200);
pub const VIEW_COST: (Cap, Cap) = (1000, 100);
pub const ALARM_COST: (Cap, Cap) = (500, 50);
/// Safety degraded (lost is unsafe, so infinite).
pub const SAFETY_DEGRADED_COST: Cap = 1000;
/// A process stopped by the plan.
pub const PROCESS_STOPPED_COST: Cap = 5000;
/// Process criticality weight (low, medium, high, critical).
pub const PROCESS_WEIGHT: [Cap; 4] = [1, 2, 5, 10];
/// A vendor function losing its remote pathway: (ordinary, safety-critical).
pub const VENDOR_FUNCTION_COST: (Cap, Cap) = (20, 1000);
/// Per compensating measure the verdict asks for.
pub const MEASURE_COST: Cap = 25;

fn dep_cost(dep: &site_model::Dependency) -> Cap {
    DEPENDENCY_COST[dep.criticality as usize] + if dep.safety_relevant { SAFETY_RELEVANT_COST } else { 0 }
}

/// The operational cost of an impact; `None` when its verdict is unsafe (infinite cost).
pub fn impact_cost(site: &Site, impact: &Impact) -> Option<Cap> {
    if matches!(impact.verdict, Verdict::Unsafe { .. }) {
        return None;
    }
    let mut c = ACTION_COST * impact.actions.len() as Cap;
    c += impact.broken.iter().filter_map(|d| site.dependencies.get(*d as usize)).map(dep_cost).sum::<Cap>();
    c += STOPPED_COST * impact.down.len() as Cap + UNUSABLE_COST * impact.unusable.len() as Cap;
    for p in &impact.processes {
        let w = PROCESS_WEIGHT[site.processes[p.process].criticality as usize];
        let st = |s: Status, (lost, degraded): (Cap, Cap)| match s {
            Status::Intact => 0,
            Status::Degraded => degraded,
            Status::Lost => lost,
        };
        c += w * (st(p.control, CONTROL_COST) + st(p.view, VIEW_COST) + st(p.alarm, ALARM_COST));
        if p.safety != Status::Intact {
            c += w * SAFETY_DEGRADED_COST;
        }
        if p.stopped.is_some() {
            c += w * PROCESS_STOPPED_COST;
        }
    }
    for v in &impact.vendors {
        for f in &v.functions {
            let critical = site.vendors[v.vendor].functions.get(*f).is_some_and(|f| f.safety_critical);
            c += if critical { VENDOR_FUNCTION_COST.1 } else { VENDOR_FUNCTION_COST.0 };
        }
    }
    c += MEASURE_COST * impact.verdict.measures().len() as Cap;
    Some(c)
}

/// One action the planner may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Candidate {
    RevokePathway(VendorIx, usize),
    DisableAccount(AccountIx),
    BlockConduit(ConduitIx),
    Restrict(AssetIx, Function),
    Isolate(AssetIx),
    IslandMode,
}

fn verb(site: &Site, effect: Effect) -> String {
    site.actions
        .iter()
        .find(|a| a.effect == effect && !a.from_site)
        .map(|a| a.verb.to_string())
        .unwrap_or_else(|| effect.as_str().to_string())
}

fn asset_ref(site: &Site, a: AssetIx) -> String {
    let id = &site.asset(a).id;
    if id.contains(':') || id.contains(',') { format!("asset:{id}") } else { id.to_string() }
}

impl Candidate {
    /// The action's text, as the command line takes it.
    pub fn text(&self, site: &Site) -> String {
        match self {
            Candidate::RevokePathway(v, p) => {
                format!("{} {}", verb(site, Effect::RevokeVendorAccess), Node::Pathway(*v, *p).describe(site))
            }
            Candidate::DisableAccount(a) => {
                format!("{} {}", verb(site, Effect::DisableAccount), site.accounts[a.ix()].id)
            }
            Candidate::BlockConduit(c) => {
                format!("{} conduit:{}", verb(site, Effect::BlockConduit), site.conduits[c.ix()].id)
            }
            Candidate::Restrict(a, k) => format!("{} {} kinds {k}", verb(site, Effect::Restrict), asset_ref(site, *a)),
            Candidate::Isolate(a) => format!("{} {}", verb(site, Effect::Isolate), asset_ref(site, *a)),
            Candidate::IslandMode => verb(site, Effect::IslandMode),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("no footholds: name at least one compromised asset, account, pathway or vendor")]
    NoFootholds,
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error("the planner wrote an action the site does not accept: {0}")]
    Action(#[from] ActionError),
    #[error("the attack graph has {0} edges; the planner handles at most 2^31")]
    TooLarge(usize),
}

/// What the planner may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Ranked alternatives to return besides the best plan.
    pub alternatives: usize,
    /// Whether island mode is considered.
    pub island: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions { alternatives: 3, island: true }
    }
}

/// One containment plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// What the minimum cut paid: the sum of the chosen actions' own costs.
    pub cut_cost: Cap,
    /// The cost of the plan's combined impact; `None` when the combination is unsafe.
    pub cost: Option<Cap>,
    pub impact: Impact,
    /// For an alternative: the actions of the best plan it was forbidden to use.
    pub without: Vec<String>,
    /// Checked on the attack graph: after the plan, no protected asset is reachable.
    pub verified: bool,
    /// Protected flows the plan's actions cut directly (always empty; kept as a check).
    pub cuts_protected: Vec<u32>,
}

impl Plan {
    pub fn texts(&self) -> Vec<&str> {
        self.actions.iter().map(|a| &*a.text).collect()
    }
}

/// A protected flow that stands in the way of every plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingFlow {
    pub dependency: u32,
    /// The protected processes it is essential to (consumer is a member).
    pub processes: Vec<usize>,
}

impl BlockingFlow {
    pub fn describe(&self, site: &Site) -> String {
        let dep = &site.dependencies[self.dependency as usize];
        let procs: Vec<String> = self.processes.iter().map(|p| site.processes[*p].name.to_string()).collect();
        format!(
            "{} -> {} ({}){}",
            site.asset(dep.consumer).id,
            site.asset(dep.provider).id,
            dep.kind,
            if procs.is_empty() {
                ": a protected flow".to_string()
            } else {
                format!(": essential {} of {}", dep.kind, procs.join(", "))
            }
        )
    }
}

/// No plan severs the attacker without cutting a protected flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    /// An attacker path every step of which is uncuttable.
    pub path: Vec<Step>,
    /// The protected flows that make it uncuttable.
    pub flows: Vec<BlockingFlow>,
}

/// Sizes and work, for reports and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanStats {
    /// Attack-graph nodes both reached and able to reach a protected asset.
    pub relevant: usize,
    pub nodes: usize,
    pub edges: usize,
    pub candidates: usize,
    /// Maximum-flow computations.
    pub solves: usize,
    /// Candidates costed with a full impact analysis.
    pub analysed: usize,
}

/// The planner's answer.
#[derive(Debug, Clone)]
pub struct Containment {
    pub footholds: Vec<Foothold>,
    /// How many assets are protected.
    pub protected: usize,
    /// Protected assets the attacker already holds (footholds): lost, not protectable.
    pub compromised_protected: Vec<AssetIx>,
    /// Protected assets the attacker reaches now.
    pub reached_protected: usize,
    /// The best plan first, then the ranked alternatives. Empty when nothing protected is
    /// reached, or when every plan would cut a protected flow ([`Containment::blocked`]).
    pub plans: Vec<Plan>,
    /// Set when cutting the attacker off (without island mode) needs cutting a protected flow.
    pub blocked: Option<Blocked>,
    pub stats: PlanStats,
}

impl Containment {
    pub fn best(&self) -> Option<&Plan> {
        self.plans.first()
    }
}

const NONE: u32 = u32::MAX;

/// Solve rounds for the best plan: until every chosen candidate is costed in full (each round
/// costs at least one more, so this bound is never met in practice).
const EXACT_ROUNDS: usize = 1 << 16;
/// Solve rounds for an alternative and for island mode: the same. (Capping them made the
/// planner keep cheap-looking actions whose full impact is large, e.g. restricting a domain
/// controller's authentication, and then analyse that plan at length.)
const ALTERNATIVE_ROUNDS: usize = 1 << 16;

fn pushes(k: Function) -> bool {
    PUSH_KINDS.contains(&k)
}
const NKINDS: usize = 16;

/// The question, with what the network is built from.
struct Ctx<'a> {
    site: &'a Site,
    graph: &'a Graph,
    attack: &'a AttackGraph,
    protection: Protection,
    starts: Vec<Node>,
    foothold: Vec<bool>,
    sinks: Vec<bool>,
    /// Per attack-graph node: fewest steps to a protected asset.
    to_sink: Vec<u16>,
    /// Per asset: kinds of the protected flows at it (restricting them is forbidden).
    prot_kinds: Vec<FunctionSet>,
    /// Per asset: an end of a protected flow (isolating it is forbidden).
    prot_end: Vec<bool>,
    conduit_forbidden: Vec<bool>,
    island_conduit: Vec<bool>,
    island_forbidden: bool,
    island_cost: std::sync::OnceLock<Cap>,
}

impl Ctx<'_> {
    fn isolable(&self, a: usize) -> bool {
        !self.protection.assets[a] && !self.foothold[a] && !self.prot_end[a]
    }

    fn exact_cost(&self, c: Candidate) -> Cap {
        let cost = || match Action::parse(self.site, &c.text(self.site)) {
            Ok(a) => impact_cost(self.site, &analyze(self.site, self.graph, &[a])).unwrap_or(INF),
            Err(_) => INF,
        };
        if c == Candidate::IslandMode { *self.island_cost.get_or_init(cost) } else { cost() }
    }

    /// Full costs of several candidates, on every core when there are many.
    fn exact_costs(&self, cands: &[Candidate]) -> Vec<Cap> {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(cands.len() / 16).max(1);
        if threads == 1 {
            return cands.iter().map(|c| self.exact_cost(*c)).collect();
        }
        let chunk = cands.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = cands
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|c| self.exact_cost(*c)).collect::<Vec<Cap>>()))
                .collect();
            parts.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| vec![INF; chunk])).collect()
        })
    }

    fn proxy_account(&self, x: AccountIx) -> Cap {
        let site = self.site;
        let mut c = ACTION_COST;
        for s in &site.accounts[x.ix()].assets {
            if !is_station(site.asset(*s).kind) {
                continue;
            }
            let usable = self
                .graph
                .accounts_of(*s)
                .any(|acc| acc != x && site.accounts[acc.ix()].status != AccountStatus::Disabled);
            if !usable {
                c += UNUSABLE_COST
                    + self
                        .graph
                        .by_provider
                        .row(s.ix())
                        .iter()
                        .map(|d| dep_cost(&site.dependencies[*d as usize]))
                        .sum::<Cap>();
            }
        }
        c
    }

    fn proxy_conduit(&self, c: usize) -> Cap {
        ACTION_COST
            + self.graph.conduit_deps.row(c).iter().map(|d| dep_cost(&self.site.dependencies[*d as usize])).sum::<Cap>()
    }

    /// A protected flow at asset `a` (of kind `k`, if given).
    fn protected_flow_at(&self, a: usize, k: Option<Function>) -> Option<u32> {
        self.graph
            .by_consumer
            .row(a)
            .iter()
            .chain(self.graph.by_provider.row(a))
            .copied()
            .find(|d| self.protection.is_flow(*d) && k.is_none_or(|k| self.site.dependencies[*d as usize].kind == k))
    }

    fn blocking(&self, d: u32) -> BlockingFlow {
        let consumer = self.site.dependencies[d as usize].consumer;
        let processes = self
            .graph
            .asset_processes
            .row(consumer.ix())
            .iter()
            .map(|p| *p as usize)
            .filter(|p| {
                let proc_ = &self.site.processes[*p];
                self.protection.processes.contains(p)
                    && (proc_.control.contains(&consumer)
                        || proc_.view.contains(&consumer)
                        || proc_.safety.contains(&consumer))
            })
            .collect();
        BlockingFlow { dependency: d, processes }
    }
}

/// The flow network of one containment question, with its candidates and their costs.
#[derive(Debug, Clone)]
pub struct ContainmentNetwork {
    net: FlowNet,
    s: u32,
    t: u32,
    cands: Vec<Candidate>,
    proxy: Vec<Cap>,
    exact: Vec<Option<Cap>>,
    /// The cost each candidate has now: its full cost once analysed, else its proxy.
    cost_now: Vec<Cap>,
    /// Per edge, in the network's edge order ([`FlowNet::edge_order`]): its candidates,
    /// whether island mode removes it, and the attacker's move it stands for
    /// ([`How`] encoded; NONE for splits, gates, source and sink edges).
    meta: Vec<Meta>,
    /// Position in `meta` of each edge.
    pos: Vec<u32>,
    /// The attack-graph node of each flow node (NONE for gates, conduits, source, sink).
    attack_node: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Meta {
    cands: [u32; 2],
    origin: u32,
    island: bool,
}

struct Edges {
    b: FlowBuilder,
    meta: Vec<Meta>,
}

impl Edges {
    fn add(&mut self, u: u32, v: u32, cands: [u32; 2], island: bool, origin: u32) {
        self.b.add_edge(u, v, INF);
        self.meta.push(Meta { cands, origin, island });
    }
}

fn rank(mask: u16, k: usize) -> u32 {
    (mask & ((1u16 << k) - 1)).count_ones()
}

/// One bit per dependency kind, counted to two: seen once, seen more than once.
#[derive(Clone, Copy, Default)]
struct Seen {
    once: u16,
    many: u16,
}

impl Seen {
    fn mark(&mut self, k: usize) {
        let bit = 1u16 << k;
        if self.once & bit != 0 {
            self.many |= bit;
        }
        self.once |= bit;
    }
}

fn encode_flow(d: u32, reverse: bool) -> u32 {
    if reverse { How::Serves(d).code() } else { How::Uses(d).code() }
}

impl ContainmentNetwork {
    fn build(ctx: &Ctx<'_>, relevant: &[bool]) -> Result<ContainmentNetwork, PlanError> {
        let site = ctx.site;
        let g = ctx.attack;
        let n_assets = site.assets.len();
        let nodes = g.nodes();
        if site.dependencies.len() >= (1usize << 29) {
            return Err(PlanError::TooLarge(site.dependencies.len()));
        }
        let rel = |a: usize| relevant.get(a).copied().unwrap_or(false);

        // One pass over the dependencies, in order: per asset, the kinds of its attacker flows
        // out and in (once, more than once), and the direct cost of isolating it.
        let mut out_seen = vec![Seen::default(); n_assets];
        let mut in_seen = vec![Seen::default(); n_assets];
        let mut iso_cost = vec![0 as Cap; n_assets];
        let sink = |a: usize| ctx.sinks.get(a).copied().unwrap_or(false);
        for (d, dep) in site.dependencies.iter().enumerate() {
            let (c, p, k) = (dep.consumer.ix(), dep.provider.ix(), dep.kind as usize);
            let w = dep_cost(dep);
            iso_cost[c] += w;
            iso_cost[p] += w;
            if c == p || ctx.protection.is_flow(d as u32) || !rel(c) || !rel(p) {
                continue;
            }
            if !sink(c) {
                out_seen[c].mark(k);
                in_seen[p].mark(k);
            }
            if pushes(dep.kind) && !sink(p) {
                out_seen[p].mark(k);
                in_seen[c].mark(k);
            }
        }

        let mut cands: Vec<Candidate> = Vec::new();
        let mut proxy: Vec<Cap> = Vec::new();
        let guess = g.edge_count() + 2 * nodes;
        let mut e = Edges { b: FlowBuilder::with_capacity(2, guess), meta: Vec::with_capacity(guess) };
        let (s, t) = (0u32, 1u32);
        let mut attack_node: Vec<u32> = vec![NONE, NONE];

        // Nodes: in and out per relevant node (one node when it cannot be cut), then gates.
        let mut ins = vec![NONE; nodes];
        let mut outs = vec![NONE; nodes];
        let mut splits: Vec<(u32, u32, u32)> = Vec::new();
        let mut rs_mask = vec![0u16; n_assets];
        let mut rs_base = vec![0u32; n_assets];
        let mut og_mask = vec![0u16; n_assets];
        let mut og_base = vec![0u32; n_assets];
        let mut ig_mask = vec![0u16; n_assets];
        let mut ig_base = vec![0u32; n_assets];
        for x in 0..nodes {
            if !rel(x) {
                continue;
            }
            let cand = match g.node(x as u32) {
                Node::Asset(a) if ctx.isolable(a.ix()) => Some((Candidate::Isolate(a), ACTION_COST + iso_cost[a.ix()])),
                Node::Asset(_) => None,
                Node::Account(acc) => Some((Candidate::DisableAccount(acc), ctx.proxy_account(acc))),
                Node::Pathway(v, p) => Some((Candidate::RevokePathway(v, p), ACTION_COST)),
            };
            let i = e.b.add_node();
            attack_node.push(x as u32);
            ins[x] = i;
            match cand {
                Some((c, cost)) => {
                    let o = e.b.add_node();
                    attack_node.push(x as u32);
                    outs[x] = o;
                    splits.push((i, o, cands.len() as u32));
                    cands.push(c);
                    proxy.push(cost);
                }
                None => outs[x] = i,
            }
            if x < n_assets {
                let allowed = !ctx.prot_kinds[x].bits();
                let (o, n) = (out_seen[x], in_seen[x]);
                let mask = (o.once | n.once) & allowed;
                if mask != 0 {
                    rs_mask[x] = mask;
                    rs_base[x] = cands.len() as u32;
                    for (k, f) in Function::ALL.iter().enumerate() {
                        if mask & (1 << k) != 0 {
                            cands.push(Candidate::Restrict(AssetIx(x as u32), *f));
                            proxy.push(ACTION_COST);
                        }
                    }
                }
                og_mask[x] = o.many & allowed;
                ig_mask[x] = n.many & allowed;
                og_base[x] = e.b.nodes();
                ig_base[x] = og_base[x] + og_mask[x].count_ones();
                let gates = og_mask[x].count_ones() + ig_mask[x].count_ones();
                for _ in 0..gates {
                    e.b.add_node();
                }
                attack_node.extend(std::iter::repeat_n(NONE, gates as usize));
            }
        }
        let restrict = |a: usize, k: usize| -> u32 {
            if rs_mask[a] & (1 << k) != 0 { rs_base[a] + rank(rs_mask[a], k) } else { NONE }
        };
        // Direct cost of each restriction: its kind's dependencies at the asset, either role.
        for dep in &site.dependencies {
            let k = dep.kind as usize;
            for x in [dep.consumer.ix(), dep.provider.ix()] {
                let c = restrict(x, k);
                if c != NONE {
                    proxy[c as usize] += dep_cost(dep);
                }
            }
        }

        for (i, o, c) in &splits {
            e.add(*i, *o, [*c, NONE], false, NONE);
        }
        for a in 0..n_assets {
            for k in 0..NKINDS {
                if og_mask[a] & (1 << k) != 0 {
                    e.add(outs[a], og_base[a] + rank(og_mask[a], k), [restrict(a, k), NONE], false, NONE);
                }
                if ig_mask[a] & (1 << k) != 0 {
                    e.add(ig_base[a] + rank(ig_mask[a], k), ins[a], [restrict(a, k), NONE], false, NONE);
                }
            }
        }

        // The attacker's network moves, one pass over the dependencies in order.
        let mut conduit_in = vec![NONE; site.conduits.len()];
        let mut hops: HashSet<(u32, u32)> = HashSet::new();
        let mut route: Vec<ConduitIx> = Vec::with_capacity(8);
        for (d, dep) in site.dependencies.iter().enumerate() {
            let (c, p) = (dep.consumer.ix(), dep.provider.ix());
            if c == p || !rel(c) || !rel(p) {
                continue;
            }
            let d = d as u32;
            if ctx.protection.is_flow(d) {
                if !sink(c) {
                    e.add(outs[c], ins[p], [NONE, NONE], false, encode_flow(d, false));
                }
                continue;
            }
            let k = dep.kind as usize;
            route.clear();
            route.extend(site.conduits_crossed(dep).iter().copied().filter(|x| !ctx.conduit_forbidden[x.ix()]));
            let directions: &[bool] = if pushes(dep.kind) { &[false, true] } else { &[false] };
            for &reverse in directions {
                let (u, v) = if reverse { (p, c) } else { (c, p) };
                if sink(u) {
                    continue;
                }
                let origin = encode_flow(d, reverse);
                let (start, c1) = if og_mask[u] & (1 << k) != 0 {
                    (og_base[u] + rank(og_mask[u], k), NONE)
                } else {
                    (outs[u], restrict(u, k))
                };
                let (end, c2) = if ig_mask[v] & (1 << k) != 0 {
                    (ig_base[v] + rank(ig_mask[v], k), NONE)
                } else {
                    (ins[v], restrict(v, k))
                };
                if route.is_empty() {
                    e.add(start, end, [c1, c2], false, origin);
                    continue;
                }
                // The route runs from the consumer's side; a pushing flow walks it backwards.
                let mut prev = NONE;
                for i in 0..route.len() {
                    let x = if reverse { route[route.len() - 1 - i] } else { route[i] };
                    if conduit_in[x.ix()] == NONE {
                        let ci = e.b.add_node();
                        let co = e.b.add_node();
                        attack_node.extend([NONE, NONE]);
                        conduit_in[x.ix()] = ci;
                        e.add(ci, co, [cands.len() as u32, NONE], ctx.island_conduit[x.ix()], NONE);
                        cands.push(Candidate::BlockConduit(x));
                        proxy.push(ctx.proxy_conduit(x.ix()));
                    }
                    let ci = conduit_in[x.ix()];
                    if prev == NONE {
                        e.add(start, ci, [c1, NONE], false, origin);
                    } else if hops.insert((prev, ci)) {
                        e.add(prev, ci, [NONE, NONE], false, origin);
                    }
                    prev = ci + 1;
                }
                e.add(prev, end, [c2, NONE], false, origin);
            }
        }

        // Credentials and vendor access: the other moves of the attack graph.
        let island_leads: Vec<bool> = (0..nodes - n_assets - g.account_count() as usize)
            .map(|k| g.pathway_of(k).is_some_and(|(v, p)| pathway_enters_from_it(site, ctx.graph, v, p)))
            .collect();
        for (u, &out) in outs.iter().enumerate() {
            if !rel(u) || sink(u) {
                continue;
            }
            for ed in g.out_range(u as u32) {
                let (v, how) = g.edge(ed);
                let v = v as usize;
                if !rel(v) || how.dependency().is_some() {
                    continue;
                }
                let severed = matches!(how, How::LeadsTo)
                    && island_leads.get(u - n_assets - g.account_count() as usize).copied().unwrap_or(false)
                    && plant_side(site, ctx.graph, AssetIx(v as u32));
                e.add(out, ins[v], [NONE, NONE], severed, how.code());
            }
        }
        for f in &ctx.starts {
            let x = g.index(*f) as usize;
            if rel(x) {
                e.add(s, ins[x], [NONE, NONE], false, NONE);
            }
        }
        for (y, sink) in ctx.sinks.iter().enumerate() {
            if *sink && rel(y) {
                e.add(outs[y], t, [NONE, NONE], false, NONE);
            }
        }

        let net = e.b.build()?;
        let order = net.edge_order();
        let mut pos = vec![0u32; order.len()];
        let meta: Vec<Meta> = order
            .iter()
            .enumerate()
            .map(|(i, x)| {
                pos[x.ix()] = i as u32;
                e.meta[x.ix()]
            })
            .collect();
        let n_cands = cands.len();
        let mut cn = ContainmentNetwork {
            net,
            s,
            t,
            cands,
            cost_now: proxy.clone(),
            proxy,
            exact: vec![None; n_cands],
            meta,
            pos,
            attack_node,
        };
        cn.capacities(&[], false);
        Ok(cn)
    }

    fn cost(&self, c: u32, forbid: &[u32]) -> Cap {
        if forbid.contains(&c) { INF } else { self.cost_now.get(c as usize).copied().unwrap_or(INF) }
    }

    fn caps<'a>(&'a self, forbid: &'a [u32], island: bool) -> impl Iterator<Item = Cap> + 'a {
        let cost = &self.cost_now;
        self.meta.iter().map(move |m| {
            if island && m.island {
                return 0;
            }
            let mut cap = INF;
            for c in m.cands {
                if c != NONE {
                    cap = cap.min(if forbid.contains(&c) { INF } else { cost[c as usize] });
                }
            }
            cap
        })
    }

    fn capacities(&mut self, forbid: &[u32], island: bool) {
        let caps: Vec<Cap> = self.caps(forbid, island).collect();
        self.net.set_capacities(caps);
    }

    fn refine(&mut self, c: u32, full: Cap) {
        let c = c as usize;
        // Full costs are never below the proxy (a lower bound); keep capacities monotone.
        let full = full.max(self.proxy[c]);
        self.exact[c] = Some(full);
        self.cost_now[c] = full;
    }

    /// The cheapest candidate of a cut edge.
    fn chosen(&self, e: EdgeId, forbid: &[u32]) -> Option<u32> {
        let m = self.meta[self.pos[e.ix()] as usize];
        m.cands.iter().copied().filter(|c| *c != NONE).min_by_key(|c| self.cost(*c, forbid))
    }

    pub fn nodes(&self) -> usize {
        self.net.nodes()
    }

    pub fn edge_count(&self) -> usize {
        self.net.edges()
    }

    pub fn source(&self) -> u32 {
        self.s
    }

    pub fn sink(&self) -> u32 {
        self.t
    }

    pub fn bytes(&self) -> usize {
        self.net.bytes()
            + self.meta.len() * 16
            + self.pos.len() * 4
            + self.cands.len() * 40
            + self.attack_node.len() * 4
    }

    /// The maximum flow from the super-source to the super-sink with the current capacities:
    /// the cost of the cheapest cut ([`INF`] when every cut holds a protected flow).
    pub fn max_flow(&mut self) -> Cap {
        self.net.max_flow(self.s, self.t)
    }

    /// Every edge as (from, to, capacity), in the order the edges were added.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, Cap)> + '_ {
        (0..self.net.edges() as u32).map(|e| {
            let e = EdgeId(e);
            (self.net.tail(e), self.net.head(e), self.net.capacity(e))
        })
    }

    /// Solves with the current costs, refining proxies until every chosen candidate is costed
    /// in full.
    fn solve(
        &mut self,
        ctx: &Ctx<'_>,
        forbid: &[u32],
        island: bool,
        from: Option<&FlowState>,
        rounds: usize,
        stats: &mut PlanStats,
    ) -> Solved {
        let mut value = match from {
            // Forbidding candidates and costing them in full only raises capacities: the flow
            // of an earlier solve stays valid and only the difference is pushed.
            Some(state) => {
                self.net.restore(state);
                let caps: Vec<Cap> = self.caps(forbid, island).collect();
                if self.net.raise_capacities(caps) {
                    self.net.augment_more(self.s, self.t)
                } else {
                    self.net.max_flow(self.s, self.t)
                }
            }
            None => {
                self.capacities(forbid, island);
                self.net.max_flow(self.s, self.t)
            }
        };
        for round in 1.. {
            stats.solves += 1;
            if value >= INF {
                return Solved::Blocked(self.net.infinite_path(self.s, self.t).unwrap_or_default());
            }
            let mut chosen: Vec<u32> =
                self.net.min_cut(self.s).into_iter().filter_map(|e| self.chosen(e, forbid)).collect();
            chosen.sort_unstable();
            chosen.dedup();
            let fresh: Vec<u32> = chosen.iter().copied().filter(|c| self.exact[*c as usize].is_none()).collect();
            if fresh.is_empty() || round >= rounds {
                return Solved::Cut(chosen);
            }
            let cands: Vec<Candidate> = fresh.iter().map(|c| self.cands[*c as usize]).collect();
            for (c, full) in fresh.iter().zip(ctx.exact_costs(&cands)) {
                self.refine(*c, full);
            }
            stats.analysed += fresh.len();
            // Full costs only raise capacities: keep the flow found so far and add to it.
            let caps: Vec<Cap> = self.caps(forbid, island).collect();
            value = if self.net.raise_capacities(caps) {
                self.net.augment_more(self.s, self.t)
            } else {
                self.net.max_flow(self.s, self.t)
            };
        }
        Solved::Blocked(Vec::new())
    }

    /// Why an infinite path cannot be cut: its attacker steps and the protected flows.
    fn explain(&self, ctx: &Ctx<'_>, path: &[EdgeId]) -> Blocked {
        let g = ctx.attack;
        let site = ctx.site;
        let mut steps: Vec<Step> = Vec::new();
        let mut last = NONE;
        for e in path {
            let o = self.meta[self.pos[e.ix()] as usize].origin;
            if o == NONE || o == last {
                continue;
            }
            last = o;
            let how = How::from_code(o);
            let step = match how {
                How::Uses(d) | How::Serves(d) => {
                    let dep = &site.dependencies[d as usize];
                    let (c, p) = (Node::Asset(dep.consumer), Node::Asset(dep.provider));
                    if matches!(how, How::Serves(_)) {
                        Step { from: p, to: c, how }
                    } else {
                        Step { from: c, to: p, how }
                    }
                }
                _ => {
                    let at = |x: u32| self.attack_node.get(x as usize).copied().unwrap_or(NONE);
                    let (u, v) = (at(self.net.tail(*e)), at(self.net.head(*e)));
                    if u == NONE || v == NONE {
                        continue;
                    }
                    Step { from: g.node(u), to: g.node(v), how }
                }
            };
            steps.push(step);
        }
        let mut flows: Vec<u32> = Vec::new();
        let mut add = |d: Option<u32>| {
            if let Some(d) = d
                && !flows.contains(&d)
            {
                flows.push(d);
            }
        };
        for st in &steps {
            if let Some(d) = st.how.dependency() {
                let dep = &site.dependencies[d as usize];
                if ctx.protection.is_flow(d) {
                    add(Some(d));
                    continue;
                }
                for end in [st.from, st.to] {
                    if let Node::Asset(a) = end {
                        add(ctx.protected_flow_at(a.ix(), Some(dep.kind)));
                    }
                }
                for c in site.conduits_crossed(dep) {
                    if ctx.conduit_forbidden[c.ix()] {
                        add(ctx.graph.conduit_deps.row(c.ix()).iter().copied().find(|x| ctx.protection.is_flow(*x)));
                    }
                }
            }
            if let Node::Asset(a) = st.to
                && !ctx.sinks[a.ix()]
                && !ctx.foothold[a.ix()]
                && ctx.prot_end[a.ix()]
            {
                add(ctx.protected_flow_at(a.ix(), None));
            }
        }
        Blocked { path: steps, flows: flows.into_iter().map(|d| ctx.blocking(d)).collect() }
    }
}

enum Solved {
    Cut(Vec<u32>),
    Blocked(Vec<EdgeId>),
}

/// The flow network the planner solves first (proxy costs), for benchmarks and exports; `None`
/// when the footholds reach nothing protected.
pub fn network(
    site: &Site,
    graph: &Graph,
    attack: &AttackGraph,
    footholds: &[Foothold],
    protect: &[Protect],
) -> Result<Option<ContainmentNetwork>, PlanError> {
    let Some((ctx, relevant)) = prepare(site, graph, attack, footholds, protect)?.1 else { return Ok(None) };
    Ok(Some(ContainmentNetwork::build(&ctx, &relevant)?))
}

type Prepared<'a> = (Summary, Option<(Ctx<'a>, Vec<bool>)>);

struct Summary {
    protected: usize,
    compromised_protected: Vec<AssetIx>,
    reached_protected: usize,
}

fn prepare<'a>(
    site: &'a Site,
    graph: &'a Graph,
    attack: &'a AttackGraph,
    footholds: &[Foothold],
    protect: &[Protect],
) -> Result<Prepared<'a>, PlanError> {
    if footholds.is_empty() {
        return Err(PlanError::NoFootholds);
    }
    let n_assets = site.assets.len();
    let starts = foothold_nodes(site, footholds);
    let protection = Protection::new(site, protect);
    let mut foothold = vec![false; n_assets];
    for s in &starts {
        if let Node::Asset(a) = s {
            foothold[a.ix()] = true;
        }
    }
    let mut sinks = vec![false; attack.nodes()];
    let mut compromised_protected = Vec::new();
    for a in 0..n_assets {
        if protection.assets[a] {
            if foothold[a] {
                compromised_protected.push(AssetIx(a as u32));
            } else {
                sinks[a] = true;
            }
        }
    }
    let reached_protected = {
        let all = attack.reach(&starts);
        (0..n_assets).filter(|a| sinks[*a] && all.reached_ix(*a as u32)).count()
    };
    // Reaching a protected asset is the end of a path: what lies beyond it does not matter.
    let fwd = attack.reach_until(&starts, &sinks).seen();
    let summary = Summary { protected: protection.count(), compromised_protected, reached_protected };
    if reached_protected == 0 {
        return Ok((summary, None));
    }
    let to_sink = attack.distances_to(&sinks);
    let relevant: Vec<bool> = fwd.iter().zip(&to_sink).map(|(a, d)| *a && *d != crate::reach::FAR).collect();

    let mut prot_kinds = vec![FunctionSet::EMPTY; n_assets];
    let mut prot_end = vec![false; n_assets];
    let mut conduit_forbidden = vec![false; site.conduits.len()];
    for d in protection.flow_indices() {
        let dep = &site.dependencies[d as usize];
        for x in [dep.consumer, dep.provider] {
            prot_kinds[x.ix()].insert(dep.kind);
            prot_end[x.ix()] = true;
        }
        for c in site.conduits_crossed(dep) {
            conduit_forbidden[c.ix()] = true;
        }
    }
    let mut island_conduit = vec![false; site.conduits.len()];
    for c in graph.island_conduits(site) {
        island_conduit[c.ix()] = true;
    }
    let island_forbidden = island_conduit.iter().zip(&conduit_forbidden).any(|(i, f)| *i && *f);
    let ctx = Ctx {
        site,
        graph,
        attack,
        protection,
        starts,
        foothold,
        sinks,
        to_sink,
        prot_kinds,
        prot_end,
        conduit_forbidden,
        island_conduit,
        island_forbidden,
        island_cost: std::sync::OnceLock::new(),
    };
    Ok((summary, Some((ctx, relevant))))
}

/// Plans the containment of `footholds`, protecting `protect` (default: every asset of the
/// control, view and safety lists of every critical or high process).
pub fn plan(
    site: &Site,
    graph: &Graph,
    attack: &AttackGraph,
    footholds: &[Foothold],
    protect: &[Protect],
    options: &PlanOptions,
) -> Result<Containment, PlanError> {
    let (summary, prepared) = prepare(site, graph, attack, footholds, protect)?;
    let mut out = Containment {
        footholds: footholds.to_vec(),
        protected: summary.protected,
        compromised_protected: summary.compromised_protected,
        reached_protected: summary.reached_protected,
        plans: Vec::new(),
        blocked: None,
        stats: PlanStats::default(),
    };
    let Some((ctx, relevant)) = prepared else { return Ok(out) };
    let mut net = ContainmentNetwork::build(&ctx, &relevant)?;
    out.stats.relevant = relevant.iter().filter(|x| **x).count();
    out.stats.nodes = net.nodes();
    out.stats.edges = net.edge_count();
    out.stats.candidates = net.cands.len();

    let mut plans: Vec<Plan> = Vec::new();
    let none: Vec<u32> = Vec::new();
    match net.solve(&ctx, &none, false, None, EXACT_ROUNDS, &mut out.stats) {
        Solved::Blocked(path) => out.blocked = Some(net.explain(&ctx, &path)),
        Solved::Cut(chosen) => {
            plans.push(make_plan(&ctx, &net, &chosen, false, &none, Vec::new())?);
            let base = net.net.snapshot();
            // Forbid the best plan's actions in turn, the costliest first (most to gain).
            let mut order = chosen.clone();
            order.sort_by_key(|c| std::cmp::Reverse(net.cost(*c, &none)));
            for c in order.iter().take(options.alternatives) {
                let forbid = vec![*c];
                if let Solved::Cut(alt) =
                    net.solve(&ctx, &forbid, false, Some(&base), ALTERNATIVE_ROUNDS, &mut out.stats)
                {
                    let without = vec![net.cands[*c as usize].text(site)];
                    plans.push(make_plan(&ctx, &net, &alt, false, &forbid, without)?);
                }
            }
        }
    }
    if options.island && !ctx.island_forbidden {
        let island_cost = ctx.exact_cost(Candidate::IslandMode);
        out.stats.analysed += 1;
        if island_cost < INF
            && let Solved::Cut(rest) = net.solve(&ctx, &none, true, None, ALTERNATIVE_ROUNDS, &mut out.stats)
        {
            plans.push(make_plan(&ctx, &net, &rest, true, &none, Vec::new())?);
        }
    }

    // Deduplicate and rank: safe before unsafe, then the combined impact's cost.
    let mut seen: HashSet<Vec<String>> = HashSet::new();
    plans.retain(|p| {
        let mut key: Vec<String> = p.actions.iter().map(|a| a.text.to_string()).collect();
        key.sort();
        seen.insert(key)
    });
    plans.sort_by_key(|p| (p.cost.is_none(), p.cost.unwrap_or(INF), p.cut_cost, p.actions.len()));
    plans.truncate(1 + options.alternatives);
    out.plans = plans;
    Ok(out)
}

/// Turns chosen candidates into a plan: drops any that turn out redundant, merges restrictions
/// of one asset, verifies on the attack graph and analyses the combined impact.
fn make_plan(
    ctx: &Ctx<'_>,
    net: &ContainmentNetwork,
    chosen: &[u32],
    island: bool,
    forbid: &[u32],
    without: Vec<String>,
) -> Result<Plan, PlanError> {
    let site = ctx.site;
    let mut keep: Vec<Candidate> = chosen.iter().map(|c| net.cands[*c as usize]).collect();
    let cost_of = |c: &Candidate| {
        chosen.iter().find(|x| net.cands[**x as usize] == *c).map(|x| net.cost(*x, forbid)).unwrap_or(INF)
    };
    keep.sort_by_key(|c| std::cmp::Reverse(cost_of(c)));
    // Island mode is the premise of its scenario: only the other actions may turn out redundant.
    if island {
        keep.insert(0, Candidate::IslandMode);
    }
    let all = to_actions(site, ctx.graph, &keep)?;
    let mut cutoff = Cutoff::from_actions(site, ctx.graph, ctx.attack, &all);
    // Try the costliest actions first: each is dropped if the others still cut everything.
    let mut order: Vec<usize> = (0..all.len()).filter(|i| all[*i].effect != Effect::IslandMode).collect();
    if all.len() < 2 {
        order.clear();
    }
    let action_cost = |a: &Action| -> Cap { keep.iter().filter(|c| covers(a, c)).map(&cost_of).sum() };
    order.sort_by_key(|i| std::cmp::Reverse(action_cost(&all[*i])));
    let (drop, verified) = ctx.attack.prune(&ctx.starts, &mut cutoff, &all, &order, &ctx.to_sink);
    let actions: Vec<Action> = all.into_iter().zip(&drop).filter(|(_, d)| !**d).map(|(a, _)| a).collect();
    keep.retain(|c| actions.iter().any(|a| covers(a, c)));
    let impact = analyze(site, ctx.graph, &actions);
    let cost = impact_cost(site, &impact);
    let cuts_protected: Vec<u32> = impact
        .broken
        .iter()
        .copied()
        .filter(|d| ctx.protection.is_flow(*d) && matches!(impact.cause.get(d), Some(crate::impact::Cause::Action(_))))
        .collect();
    let cut_cost = keep
        .iter()
        .map(|c| if *c == Candidate::IslandMode { ctx.exact_cost(*c) } else { cost_of(c) })
        .fold(0 as Cap, |a, b| a.saturating_add(b));
    Ok(Plan { actions, cut_cost, cost, impact, without, verified, cuts_protected })
}

/// Whether an action (as [`to_actions`] writes it) carries out a candidate.
fn covers(a: &Action, c: &Candidate) -> bool {
    use crate::action::Target as T;
    match c {
        Candidate::RevokePathway(v, p) => {
            a.effect == Effect::RevokeVendorAccess && a.targets.contains(&T::Pathway(*v, *p))
        }
        Candidate::DisableAccount(x) => a.effect == Effect::DisableAccount && a.targets.contains(&T::Account(*x)),
        Candidate::BlockConduit(x) => a.effect == Effect::BlockConduit && a.targets.contains(&T::Conduit(*x)),
        Candidate::Restrict(x, k) => {
            a.targets.contains(&T::Asset(*x))
                && (a.effect == Effect::Isolate || (a.effect == Effect::Restrict && a.kinds.contains(*k)))
        }
        Candidate::Isolate(x) => a.effect == Effect::Isolate && a.targets.contains(&T::Asset(*x)),
        Candidate::IslandMode => a.effect == Effect::IslandMode,
    }
}

/// The actions of a set of candidates: restrictions of one asset merged (restricting every
/// kind of dependency an asset has is isolating it, and is written so); island mode, vendor
/// access and accounts first, then conduits, restrictions and isolation.
fn to_actions(site: &Site, graph: &Graph, cands: &[Candidate]) -> Result<Vec<Action>, PlanError> {
    let mut sorted: Vec<Candidate> = cands.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut kinds: BTreeMap<AssetIx, FunctionSet> = BTreeMap::new();
    let mut texts: Vec<String> = Vec::new();
    let mut isolate: Vec<AssetIx> = Vec::new();
    if sorted.contains(&Candidate::IslandMode) {
        texts.push(Candidate::IslandMode.text(site));
    }
    for c in &sorted {
        match c {
            Candidate::Restrict(a, k) => {
                kinds.entry(*a).or_default().insert(*k);
            }
            Candidate::IslandMode => {}
            Candidate::Isolate(a) => isolate.push(*a),
            other => texts.push(other.text(site)),
        }
    }
    for (a, ks) in kinds {
        let has: FunctionSet = graph
            .by_consumer
            .row(a.ix())
            .iter()
            .chain(graph.by_provider.row(a.ix()))
            .map(|d| site.dependencies[*d as usize].kind)
            .collect();
        if has.iter().all(|k| ks.contains(k)) {
            isolate.push(a);
            continue;
        }
        let ks: Vec<&str> = ks.iter().map(|k| k.as_str()).collect();
        texts.push(format!("{} {} kinds {}", verb(site, Effect::Restrict), asset_ref(site, a), ks.join(",")));
    }
    isolate.sort_unstable();
    isolate.dedup();
    texts.extend(isolate.iter().map(|a| Candidate::Isolate(*a).text(site)));
    texts.iter().map(|t| Action::parse(site, t).map_err(PlanError::from)).collect()
}
