//! The restoration order: which assets come back first after an incident.
//!
//! Given a set of assets to restore (typically the assets an incident or a response affected, see
//! [`affected_assets`]), [`restore_order`] puts providers before their consumers, then breaks ties
//! by criticality (higher first; an asset counts as critical as the most critical asset of the
//! set waiting for it), then by the stage recovery cares about ([`Stage`]: identity,
//! name resolution and time before the network, then infrastructure and monitoring, then
//! historians and HMIs, then controllers, then business links, remote access last), then by id.
//!
//! - **Dependencies first.** The order follows the dependencies among the set, and also those that
//!   pass through assets outside the set (still running): an HMI that needs a running SCADA
//!   server that needs a PLC being restored comes after the PLC. Only the dependency kinds in
//!   [`OrderOptions::kinds`] constrain the order; by default every kind but `logging` (a SIEM
//!   consumes logs from everything, and should be back *before* the assets it watches),
//!   `remote-access` (the consumer is the target reached through the gateway: it does not need
//!   the gateway to come back, and gateways are re-entry points best restored last) and
//!   `patching` (an asset comes back and is patched afterwards; the patch server authenticating
//!   against the directory it patches is not a reason to restore them together).
//! - **Cycles** (two domain controllers replicating from each other) are condensed into one step,
//!   restored together, and said so. Strongly connected components by an iterative Tarjan (no
//!   recursion), so a million-asset closure cannot overflow the stack.
//! - **Reasons.** Every asset carries why it stands where it does: the providers in the set that
//!   come before it (and the running assets through which it waits for them), or "no provider in
//!   the set".
//! - **Re-entry points** (identity, remote access, monitoring) are flagged with the extra checks
//!   they need before reconnection ([`ReEntry`]).
//!
//! Cost: O(V + E) over the set and its transitive providers, plus O(S log S) for the priority
//! among the S components that are ready at the same time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use site_model::{Asset, AssetIx, AssetKind, Criticality, Function, FunctionSet, Site};

use crate::action::Target;
use crate::graph::Graph;
use crate::impact::Impact;

/// The stages recovery brings assets back in, used to break ties after criticality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Directory and authentication, name resolution, time.
    Identity,
    /// Routers, switches, firewalls, wireless.
    Network,
    /// Virtualisation hosts, backup servers (restoration media), patch servers.
    Infrastructure,
    /// SIEM, log collectors, network sensors: back before what they watch.
    Monitoring,
    /// Historians, HMIs, SCADA and alarm servers, engineering workstations.
    Supervisory,
    /// Controllers, safety controllers, field I/O, protocol gateways.
    Control,
    /// Business systems and links: ERP, MES, e-mail, files, databases, office workstations.
    Business,
    /// VPN gateways and jump hosts: how attackers come back; last.
    RemoteAccess,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Identity,
        Stage::Network,
        Stage::Infrastructure,
        Stage::Monitoring,
        Stage::Supervisory,
        Stage::Control,
        Stage::Business,
        Stage::RemoteAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Identity => "identity",
            Stage::Network => "network",
            Stage::Infrastructure => "infrastructure",
            Stage::Monitoring => "monitoring",
            Stage::Supervisory => "supervisory",
            Stage::Control => "control",
            Stage::Business => "business",
            Stage::RemoteAccess => "remote-access",
        }
    }
}

/// The stage of an asset: by its kind, and for application servers by what they serve.
pub fn stage_of(asset: &Asset) -> Stage {
    use AssetKind::*;
    match asset.kind {
        DomainController | DnsServer | TimeServer => Stage::Identity,
        Router | Switch | Firewall | WirelessAccessPoint => Stage::Network,
        VirtualizationHost | BackupServer | PatchServer => Stage::Infrastructure,
        Siem => Stage::Monitoring,
        Historian | Hmi | ControlServer | EngineeringWorkstation => Stage::Supervisory,
        Plc | Rtu | Ied | DcsController | Pac | FieldIo | SafetyController | DataGateway => Stage::Control,
        Erp | Mes | EmailServer | FileServer | DatabaseServer | Workstation => Stage::Business,
        VpnServer | JumpHost => Stage::RemoteAccess,
        ApplicationServer => {
            let f = asset.functions;
            let any = |v: &[Function]| v.iter().any(|k| f.contains(*k));
            if any(&[Function::Authentication, Function::NameResolution, Function::Time]) {
                Stage::Identity
            } else if f.contains(Function::RemoteAccess) {
                Stage::RemoteAccess
            } else if any(&[Function::Historian, Function::View, Function::Alarm, Function::Control, Function::Safety])
            {
                Stage::Supervisory
            } else if f.contains(Function::Logging) {
                Stage::Monitoring
            } else if any(&[Function::Patching, Function::Backup]) {
                Stage::Infrastructure
            } else {
                Stage::Business
            }
        }
    }
}

/// Why an asset can become a way back in, and needs extra checks before it is reconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReEntry {
    Identity,
    RemoteAccess,
    Monitoring,
}

impl ReEntry {
    pub fn as_str(self) -> &'static str {
        match self {
            ReEntry::Identity => "identity",
            ReEntry::RemoteAccess => "remote access",
            ReEntry::Monitoring => "monitoring",
        }
    }

    /// The extra checks before reconnection.
    pub fn checks(self) -> &'static [&'static str] {
        match self {
            ReEntry::Identity => &[
                "restore from a backup taken before the compromise, or rebuild",
                "reset privileged and service-account credentials (for Active Directory, the KRBTGT password twice)",
                "compare privileged groups, delegations and group policies with the baseline",
                "verify its replication partners before it serves logins again",
            ],
            ReEntry::RemoteAccess => &[
                "review every account that can log in: disable dormant and vendor accounts not needed now",
                "require MFA and session recording; review allow-lists and vendor pathways",
                "reconnect last, after the assets behind it are verified",
            ],
            ReEntry::Monitoring => &[
                "verify its configuration and detection rules against the baseline",
                "confirm every expected log source reports and collected logs were not altered",
                "bring it back before the assets it watches reconnect (heightened monitoring)",
            ],
        }
    }
}

/// Whether an asset is a re-entry point: domain controllers and other authentication providers,
/// VPN servers, jump hosts and other remote-access providers, SIEM and log collectors.
pub fn reentry_of(asset: &Asset) -> Option<ReEntry> {
    let f = asset.functions;
    if asset.kind == AssetKind::DomainController || f.contains(Function::Authentication) {
        Some(ReEntry::Identity)
    } else if matches!(asset.kind, AssetKind::VpnServer | AssetKind::JumpHost) || f.contains(Function::RemoteAccess) {
        Some(ReEntry::RemoteAccess)
    } else if asset.kind == AssetKind::Siem
        || (asset.kind == AssetKind::ApplicationServer && stage_of(asset) == Stage::Monitoring)
    {
        Some(ReEntry::Monitoring)
    } else {
        None
    }
}

/// What constrains the order and how ties are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderOptions {
    /// Dependency kinds whose provider must come back before the consumer.
    pub kinds: FunctionSet,
    /// Break ties by stage first, then criticality (the default is criticality first).
    pub stage_first: bool,
}

impl OrderOptions {
    /// The dependency kinds that constrain the order by default: all but logging, remote access
    /// and patching.
    pub fn default_kinds() -> FunctionSet {
        Function::ALL
            .iter()
            .copied()
            .filter(|k| !matches!(k, Function::Logging | Function::RemoteAccess | Function::Patching))
            .collect()
    }
}

impl OrderOptions {
    /// The order a recovery plan asks for (issue 8): only identity, name resolution, time and
    /// restoration media (backup) must come back before what needs them; then by stage
    /// (historians and HMIs before the controllers they supervise), then by criticality. Process
    /// data flows do not constrain it: a station is restored and verified against the field as
    /// the controllers return.
    pub fn recovery() -> Self {
        OrderOptions {
            kinds: [Function::Authentication, Function::NameResolution, Function::Time, Function::Backup]
                .into_iter()
                .collect(),
            stage_first: true,
        }
    }
}

impl Default for OrderOptions {
    fn default() -> Self {
        OrderOptions { kinds: OrderOptions::default_kinds(), stage_first: false }
    }
}

/// One asset in the order, with why it stands there.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub asset: AssetIx,
    pub stage: Stage,
    pub criticality: Criticality,
    pub reentry: Option<ReEntry>,
    /// Its direct providers in the set that come back at an earlier step, with the kinds it
    /// needs from each, in step order.
    pub after: Vec<(AssetIx, FunctionSet)>,
    /// Running assets outside the set it depends on that themselves wait for an asset of the set:
    /// (the running provider, the latest asset of the set it waits for).
    pub through: Vec<(AssetIx, AssetIx)>,
    /// Members of its step it depends on directly (a dependency cycle).
    pub together: Vec<AssetIx>,
}

impl Placed {
    /// Why the asset stands where it does, in one line.
    pub fn reason(&self, site: &Site) -> String {
        let id = |a: &AssetIx| site.asset(*a).id.to_string();
        let mut parts = Vec::new();
        if !self.after.is_empty() {
            let v: Vec<String> = self
                .after
                .iter()
                .map(|(a, k)| format!("{} ({})", id(a), k.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")))
                .collect();
            parts.push(format!("after {}", v.join(", ")));
        }
        // Grouped by the asset waited for, in order.
        let mut i = 0;
        while let Some((_, waits)) = self.through.get(i) {
            let vias: Vec<String> =
                self.through[i..].iter().take_while(|(_, w)| w == waits).map(|(v, _)| id(v)).collect();
            i += vias.len();
            let shown = if vias.len() > 3 {
                format!("{} and {} more", vias[..3].join(", "), vias.len() - 3)
            } else {
                vias.join(", ")
            };
            parts.push(format!("after {} through running {shown}", id(waits)));
        }
        if !self.together.is_empty() {
            parts.push(format!(
                "together with {}: they depend on each other",
                self.together.iter().map(id).collect::<Vec<_>>().join(", ")
            ));
        }
        if parts.is_empty() { "no provider in the set".into() } else { parts.join("; ") }
    }
}

/// One step of the order: one asset, or several in a dependency cycle restored together.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub assets: Vec<Placed>,
    /// Running assets (outside the set) in the same dependency cycle.
    pub running_in_cycle: Vec<AssetIx>,
}

impl Step {
    /// Whether the step's assets are restored together because they depend on each other.
    pub fn is_cycle(&self) -> bool {
        self.assets.len() > 1 || !self.running_in_cycle.is_empty()
    }
}

/// The restoration order of a set of assets.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreOrder {
    pub steps: Vec<Step>,
    pub options: OrderOptions,
    /// Running assets outside the set the order looked through (transitive providers).
    pub looked_through: usize,
}

impl RestoreOrder {
    /// Every asset, in order.
    pub fn assets(&self) -> impl Iterator<Item = &Placed> {
        self.steps.iter().flat_map(|s| s.assets.iter())
    }

    /// The step (0-based) an asset is restored at, if it is in the set.
    pub fn step_of(&self, a: AssetIx) -> Option<usize> {
        self.steps.iter().position(|s| s.assets.iter().any(|p| p.asset == a))
    }
}

/// The assets an impact affects, to be restored afterwards: the assets the actions act on (an
/// isolated zone's assets included), the stopped ones, the stations nobody can log into, and
/// those that lost an input entirely. In asset order.
pub fn affected_assets(site: &Site, g: &Graph, impact: &Impact) -> Vec<AssetIx> {
    let mut v: Vec<AssetIx> = Vec::new();
    for a in &impact.actions {
        for t in &a.targets {
            match t {
                Target::Asset(x) | Target::Address(_, Some(x)) => v.push(*x),
                Target::Zone(z) => v.extend(g.assets_in_zone(*z)),
                Target::Process(p) => {
                    if let Some(p) = site.processes.get(*p) {
                        v.extend(p.control.iter().chain(&p.safety).copied());
                    }
                }
                _ => {}
            }
        }
    }
    v.extend(impact.down.iter().map(|(a, _)| *a));
    v.extend(impact.unusable.iter().map(|(a, _)| *a));
    v.extend(impact.lost.iter().map(|(a, _, _)| *a));
    v.sort_unstable();
    v.dedup();
    v
}

/// Strongly connected components of a graph in compressed rows (`adj[off[v]..off[v + 1]]` are
/// the successors of `v`), by Tarjan's algorithm with an explicit stack. Components are
/// numbered in the order they complete: every successor's component before its predecessor's.
pub fn strongly_connected(off: &[u32], adj: &[u32]) -> (Vec<u32>, usize) {
    const NONE: u32 = u32::MAX;
    let n = off.len().saturating_sub(1);
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, u32)> = Vec::new();
    let mut counter = 0u32;
    let mut ncomp = 0usize;
    for s in 0..n {
        if index[s] != NONE {
            continue;
        }
        index[s] = counter;
        low[s] = counter;
        counter += 1;
        stack.push(s as u32);
        on_stack[s] = true;
        call.push((s as u32, off[s]));
        while let Some(top) = call.last_mut() {
            let v = top.0 as usize;
            if top.1 < off[v + 1] {
                let w = adj[top.1 as usize] as usize;
                top.1 += 1;
                if index[w] == NONE {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w as u32);
                    on_stack[w] = true;
                    call.push((w as u32, off[w]));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(parent) = call.last() {
                    let u = parent.0 as usize;
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(x) = stack.pop() {
                        on_stack[x as usize] = false;
                        comp[x as usize] = ncomp as u32;
                        if x as usize == v {
                            break;
                        }
                    }
                    ncomp += 1;
                }
            }
        }
    }
    (comp, ncomp)
}

/// Rows from (row, item) pairs, by counting.
fn rows(n: usize, pairs: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32; n + 1];
    for (r, _) in pairs {
        off[*r as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off.clone();
    let mut items = vec![0u32; pairs.len()];
    for (r, it) in pairs {
        let at = &mut fill[*r as usize];
        items[*at as usize] = *it;
        *at += 1;
    }
    (off, items)
}

/// The restoration order of `assets` (duplicates ignored).
pub fn restore_order(site: &Site, g: &Graph, assets: &[AssetIx], options: &OrderOptions) -> RestoreOrder {
    // Local numbering: the set first, then its transitive providers outside it.
    let mut local: HashMap<u32, u32> = HashMap::with_capacity(assets.len() * 2);
    let mut nodes: Vec<AssetIx> = Vec::with_capacity(assets.len());
    for a in assets {
        if a.ix() < site.assets.len() && !local.contains_key(&a.0) {
            local.insert(a.0, nodes.len() as u32);
            nodes.push(*a);
        }
    }
    let in_set = nodes.len();
    // Edges consumer -> provider (local), with the dependency kind, in discovery order.
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut kinds: Vec<Function> = Vec::new();
    let mut i = 0;
    while let Some(&a) = nodes.get(i) {
        for &d in g.by_consumer.row(a.ix()) {
            let dep = &site.dependencies[d as usize];
            if !options.kinds.contains(dep.kind) || dep.provider == a {
                continue;
            }
            let p = match local.get(&dep.provider.0) {
                Some(p) => *p,
                None => {
                    let p = nodes.len() as u32;
                    local.insert(dep.provider.0, p);
                    nodes.push(dep.provider);
                    p
                }
            };
            edges.push((i as u32, p));
            kinds.push(dep.kind);
        }
        i += 1;
    }
    let n = nodes.len();
    // Out-rows keep the edge index so that reasons can name the kind.
    let edge_ix: Vec<(u32, u32)> = edges.iter().enumerate().map(|(e, (u, _))| (*u, e as u32)).collect();
    let (out_off, out_edges) = rows(n, &edge_ix);
    let succ: Vec<u32> = out_edges.iter().map(|e| edges[*e as usize].1).collect();
    let (comp, ncomp) = strongly_connected(&out_off, &succ);

    // Components: members, whether they hold set assets, their priority.
    let member_pairs: Vec<(u32, u32)> = (0..n as u32).map(|v| (comp[v as usize], v)).collect();
    let (comp_off, comp_members) = rows(ncomp, &member_pairs);
    let members = |c: usize| &comp_members[comp_off[c] as usize..comp_off[c + 1] as usize];
    // Pending providers per component (one per edge across components) and consumers per provider.
    let mut pending = vec![0u32; ncomp];
    let mut rev_pairs: Vec<(u32, u32)> = Vec::with_capacity(edges.len());
    for (u, p) in &edges {
        let (cu, cp) = (comp[*u as usize], comp[*p as usize]);
        if cu != cp {
            pending[cu as usize] += 1;
            rev_pairs.push((*p, *u));
        }
    }
    let (rev_off, rev) = rows(n, &rev_pairs);

    let asset = |v: u32| site.asset(nodes[v as usize]);
    // The criticality a component is ordered by: the highest of its set assets and of every set
    // asset waiting for it, directly or through running assets, so that a medium time server that
    // critical stations need is not left behind high assets nobody waits for. Consumers complete
    // after their providers in Tarjan's numbering: one pass from the last component down.
    let mut crit = vec![0u8; ncomp];
    for (v, c) in comp.iter().enumerate().take(in_set) {
        let c = *c as usize;
        crit[c] = crit[c].max(asset(v as u32).criticality as u8);
    }
    for c in (0..ncomp).rev() {
        for &v in members(c) {
            for &u in &rev[rev_off[v as usize] as usize..rev_off[v as usize + 1] as usize] {
                crit[c] = crit[c].max(crit[comp[u as usize] as usize]);
            }
        }
    }
    // Priority of a ready component: running (outside-only) components pass straight through;
    // then the configured keys, then the smallest id.
    type Key<'a> = (bool, u8, u8, Reverse<&'a str>, Reverse<u32>);
    let key = |c: usize| -> Key<'_> {
        let set: Vec<u32> = members(c).iter().copied().filter(|v| (*v as usize) < in_set).collect();
        if set.is_empty() {
            return (true, 0, 0, Reverse(""), Reverse(c as u32));
        }
        let crit = crit[c];
        let stage = 255 - set.iter().map(|v| stage_of(asset(*v)) as u8).min().unwrap_or(0);
        let id = set.iter().map(|v| &*asset(*v).id).min().unwrap_or("");
        let (k1, k2) = if options.stage_first { (stage, crit) } else { (crit, stage) };
        (false, k1, k2, Reverse(id), Reverse(c as u32))
    };
    let mut heap: BinaryHeap<Key<'_>> = (0..ncomp).filter(|c| pending[*c] == 0).map(key).collect();
    // For each component: its step if it holds set assets, or the latest step it waits for.
    const NONE: u32 = u32::MAX;
    let mut gate = vec![NONE; ncomp];
    let mut first_of_step: Vec<AssetIx> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    while let Some((_, _, _, _, Reverse(c))) = heap.pop() {
        let c = c as usize;
        let ms = members(c);
        let set: Vec<u32> = ms.iter().copied().filter(|v| (*v as usize) < in_set).collect();
        if set.is_empty() {
            let mut latest = NONE;
            for &v in ms {
                for &p in &succ[out_off[v as usize] as usize..out_off[v as usize + 1] as usize] {
                    let g = gate[comp[p as usize] as usize];
                    if g != NONE && (latest == NONE || g > latest) {
                        latest = g;
                    }
                }
            }
            gate[c] = latest;
        } else {
            let s = steps.len() as u32;
            gate[c] = s;
            let mut placed: Vec<Placed> = set.iter().map(|v| place(site, &nodes, *v)).collect();
            for (p, v) in placed.iter_mut().zip(&set) {
                let v = *v as usize;
                for e in &out_edges[out_off[v] as usize..out_off[v + 1] as usize] {
                    let (_, pv) = edges[*e as usize];
                    let kind = kinds[*e as usize];
                    let pa = nodes[pv as usize];
                    let pc = comp[pv as usize] as usize;
                    if pc == c {
                        if (pv as usize) < in_set && !p.together.contains(&pa) {
                            p.together.push(pa);
                        }
                    } else if (pv as usize) < in_set {
                        match p.after.iter_mut().find(|(x, _)| *x == pa) {
                            Some((_, k)) => {
                                k.insert(kind);
                            }
                            None => p.after.push((pa, [kind].into_iter().collect())),
                        }
                    } else if gate[pc] != NONE
                        && let Some(w) = first_of_step.get(gate[pc] as usize)
                        && !p.through.iter().any(|(via, _)| *via == pa)
                    {
                        p.through.push((pa, *w));
                    }
                }
                // A wait through running assets for an asset it also needs directly says nothing new.
                p.through.retain(|(_, w)| !p.after.iter().any(|(a, _)| a == w));
                let step_of = |a: &AssetIx| local.get(&a.0).map(|l| gate[comp[*l as usize] as usize]).unwrap_or(0);
                p.after.sort_by_key(|(a, _)| (step_of(a), *a));
                p.through.sort_by(|(va, wa), (vb, wb)| {
                    step_of(wa).cmp(&step_of(wb)).then_with(|| site.asset(*va).id.cmp(&site.asset(*vb).id))
                });
                p.together.sort_by(|a, b| site.asset(*a).id.cmp(&site.asset(*b).id));
            }
            placed.sort_by(|a, b| {
                let ka = (Reverse(a.criticality), a.stage, &site.asset(a.asset).id);
                let kb = (Reverse(b.criticality), b.stage, &site.asset(b.asset).id);
                ka.cmp(&kb)
            });
            first_of_step.push(placed.first().map(|p| p.asset).unwrap_or(AssetIx(0)));
            let mut running: Vec<AssetIx> =
                ms.iter().filter(|v| (**v as usize) >= in_set).map(|v| nodes[*v as usize]).collect();
            running.sort_by(|a, b| site.asset(*a).id.cmp(&site.asset(*b).id));
            steps.push(Step { assets: placed, running_in_cycle: running });
        }
        // Release the consumers.
        for &v in ms {
            for &u in &rev[rev_off[v as usize] as usize..rev_off[v as usize + 1] as usize] {
                let cu = comp[u as usize] as usize;
                pending[cu] = pending[cu].saturating_sub(1);
                if pending[cu] == 0 {
                    heap.push(key(cu));
                }
            }
        }
    }
    RestoreOrder { steps, options: *options, looked_through: n - in_set }
}

fn place(site: &Site, nodes: &[AssetIx], v: u32) -> Placed {
    let a = nodes[v as usize];
    let asset = site.asset(a);
    Placed {
        asset: a,
        stage: stage_of(asset),
        criticality: asset.criticality,
        reentry: reentry_of(asset),
        after: Vec::new(),
        through: Vec::new(),
        together: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(n: usize, edges: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
        rows(n, edges)
    }

    #[test]
    fn tarjan_finds_cycles_and_orders_successors_first() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3, 4 alone
        let (off, adj) = csr(5, &[(0, 1), (1, 2), (2, 1), (2, 3)]);
        let (comp, n) = strongly_connected(&off, &adj);
        assert_eq!(n, 4);
        assert_eq!(comp[1], comp[2]);
        assert!(comp[3] < comp[1] && comp[1] < comp[0], "{comp:?}");
        assert_ne!(comp[4], comp[0]);
    }

    #[test]
    fn tarjan_is_iterative_on_a_long_chain() {
        // A chain of a million: recursion would overflow the stack.
        let n = 1_000_000u32;
        let pairs: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).chain([(n - 1, 0)]).collect();
        let (off, adj) = csr(n as usize, &pairs);
        let (comp, k) = strongly_connected(&off, &adj);
        assert_eq!(k, 1);
        assert!(comp.iter().all(|c| *c == 0));
        let pairs: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let (off, adj) = csr(n as usize, &pairs);
        let (comp, k) = strongly_connected(&off, &adj);
        assert_eq!(k, n as usize);
        assert!(comp.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn stages_follow_the_recovery_sequence() {
        assert!(Stage::Identity < Stage::Network && Stage::Network < Stage::Supervisory);
        assert!(Stage::Supervisory < Stage::Control && Stage::Control < Stage::Business);
        assert_eq!(Stage::ALL.len(), 8);
    }

    #[test]
    fn default_kinds_leave_out_logging_remote_access_and_patching() {
        let k = OrderOptions::default_kinds();
        assert!(
            !k.contains(Function::Logging) && !k.contains(Function::RemoteAccess) && !k.contains(Function::Patching)
        );
        assert!(k.contains(Function::Authentication) && k.contains(Function::Time) && k.contains(Function::Control));
    }
}
