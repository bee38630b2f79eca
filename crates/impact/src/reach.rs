//! Attacker reachability: from compromised footholds (assets, accounts, vendor pathways),
//! what the attacker can reach, and through what.
//!
//! The [`AttackGraph`] is compiled once from the [`Site`] (compressed sparse rows, forward and
//! reverse, 8 bytes per edge each way). Its nodes are the assets, the accounts and the vendor
//! pathways; an edge is one way the attacker moves:
//!
//! - **network flows** along dependencies: a consumer can reach its provider (it talks to it);
//!   for the kinds `authentication`, `patching`, `remote-access` and `backup` the provider can
//!   also reach the consumer (a domain controller pushes policy to its members, a patch server
//!   installs software, a jump host opens sessions into its targets, a backup server runs an
//!   agent). Each step names the conduits its flow crosses ([`Site::conduits_crossed`]).
//! - **shared credentials**: a compromised asset exposes the accounts that can log into it
//!   ([`Graph::accounts_of`]), a directory exposes the accounts it authenticates, and an account
//!   opens every asset in [`site_model::Account::assets`] (disabled accounts open nothing).
//! - **vendor remote access**: a pathway admits its accounts, each hop is on its route, and the
//!   pathway leads through its hops (`via`) to its targets.
//!
//! A breadth-first search from the footholds gives every reached node one shortest attack path.
//! [`Cutoff`] applies the effect of response actions to the graph (isolated assets, restricted
//! kinds, disabled accounts, revoked pathways, blocked conduits, island mode), so that a plan
//! can be checked: after it, does the attacker still reach anything protected?

use std::collections::HashMap;

use site_model::diag::nearest;
use site_model::{
    AccountIx, AccountStatus, AssetIx, ConduitIx, Criticality, Domain, Effect, Function, FunctionSet, Site, VendorIx,
};

use crate::action::{Action, Target};
use crate::graph::Graph;

/// Dependency kinds whose provider can also reach its consumer.
pub const PUSH_KINDS: [Function; 4] =
    [Function::Authentication, Function::Patching, Function::RemoteAccess, Function::Backup];

fn pushes(k: Function) -> bool {
    PUSH_KINDS.contains(&k)
}

/// A node of the attack graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Asset(AssetIx),
    Account(AccountIx),
    /// (vendor, index of the pathway in the vendor's list)
    Pathway(VendorIx, usize),
}

impl Node {
    /// `asset-id`, `account:ID` or `pathway:VENDOR/ID`.
    pub fn describe(&self, site: &Site) -> String {
        match self {
            Node::Asset(a) => site.asset(*a).id.to_string(),
            Node::Account(a) => format!("account:{}", site.accounts[a.ix()].id),
            Node::Pathway(v, p) => {
                let v = &site.vendors[v.ix()];
                format!("pathway:{}/{}", v.id, v.pathways.get(*p).map(|p| &*p.id).unwrap_or("?"))
            }
        }
    }
}

/// How the attacker moves along one edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum How {
    /// From a consumer to its provider, along the dependency (index into `site.dependencies`).
    Uses(u32),
    /// From a provider to its consumer, for the kinds that push ([`PUSH_KINDS`]).
    Serves(u32),
    /// An asset holds the credentials of an account that logs into it.
    Exposes,
    /// A directory holds the credentials of the accounts it authenticates.
    Authenticates,
    /// An account logs into an asset.
    LogsIn,
    /// A vendor pathway admits an account.
    Admits,
    /// A hop of a vendor pathway is on its route.
    OnRoute,
    /// A vendor pathway leads to one of its hops or targets.
    LeadsTo,
}

const TAG_SHIFT: u32 = 29;
const DEP_MASK: u32 = (1 << TAG_SHIFT) - 1;

impl How {
    /// A 32-bit code of the move (kind in the top three bits, the dependency below).
    pub fn code(self) -> u32 {
        self.encode()
    }

    /// The move of a [`How::code`].
    pub fn from_code(x: u32) -> How {
        How::decode(x)
    }

    fn encode(self) -> u32 {
        match self {
            How::Uses(d) => d,
            How::Serves(d) => (1 << TAG_SHIFT) | d,
            How::Exposes => 2 << TAG_SHIFT,
            How::Authenticates => 3 << TAG_SHIFT,
            How::LogsIn => 4 << TAG_SHIFT,
            How::Admits => 5 << TAG_SHIFT,
            How::OnRoute => 6 << TAG_SHIFT,
            How::LeadsTo => 7 << TAG_SHIFT,
        }
    }

    fn decode(x: u32) -> How {
        let d = x & DEP_MASK;
        match x >> TAG_SHIFT {
            0 => How::Uses(d),
            1 => How::Serves(d),
            2 => How::Exposes,
            3 => How::Authenticates,
            4 => How::LogsIn,
            5 => How::Admits,
            6 => How::OnRoute,
            _ => How::LeadsTo,
        }
    }

    /// The dependency a network step follows.
    pub fn dependency(self) -> Option<u32> {
        match self {
            How::Uses(d) | How::Serves(d) => Some(d),
            _ => None,
        }
    }
}

/// One step of an attack path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub from: Node,
    pub to: Node,
    pub how: How,
}

impl Step {
    /// One sentence naming both ends and how: conduits crossed, accounts used, pathways followed.
    pub fn describe(&self, site: &Site) -> String {
        let (from, to) = (self.from.describe(site), self.to.describe(site));
        let crossing = |d: u32| {
            let c: Vec<&str> = site
                .dependencies
                .get(d as usize)
                .map(|dep| site.conduits_crossed(dep).iter().map(|c| &*site.conduits[c.ix()].id).collect())
                .unwrap_or_default();
            if c.is_empty() { String::new() } else { format!(", crossing conduit {}", c.join(" then ")) }
        };
        let kind = |d: u32| site.dependencies.get(d as usize).map(|x| x.kind.as_str()).unwrap_or("?");
        match self.how {
            How::Uses(d) => format!("{from} uses {} from {to}{}", kind(d), crossing(d)),
            How::Serves(d) => {
                let verb = match site.dependencies.get(d as usize).map(|x| x.kind) {
                    Some(Function::Authentication) => "is the directory of",
                    Some(Function::Patching) => "pushes software to",
                    Some(Function::RemoteAccess) => "opens remote sessions into",
                    Some(Function::Backup) => "runs backup agents on",
                    _ => "serves",
                };
                format!("{from} {verb} {to} ({}){}", kind(d), crossing(d))
            }
            How::Exposes => format!("{to} logs into {from}: its credentials are exposed there"),
            How::Authenticates => format!("{from} authenticates {to} and holds its credentials"),
            How::LogsIn => {
                let extra = match self.from {
                    Node::Account(a) => {
                        let acc = &site.accounts[a.ix()];
                        let mut notes = Vec::new();
                        if acc.status == AccountStatus::Dormant {
                            notes.push("dormant, not intended to be in use");
                        }
                        if !acc.mfa {
                            notes.push("no MFA");
                        }
                        if acc.privileged {
                            notes.push("privileged");
                        }
                        if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) }
                    }
                    _ => String::new(),
                };
                format!("{from} logs into {to}{extra}")
            }
            How::Admits => format!("{to} admits {from}"),
            How::OnRoute => format!("{from} is a hop of {to}"),
            How::LeadsTo => {
                let role = match (self.from, self.to) {
                    (Node::Pathway(v, p), Node::Asset(a)) => {
                        let pw = site.vendors[v.ix()].pathways.get(p);
                        if pw.is_some_and(|pw| pw.targets.contains(&a)) { "its target" } else { "a hop" }
                    }
                    _ => "",
                };
                format!("{from} leads to {to} ({role})")
            }
        }
    }
}

/// Adjacency in compressed sparse rows, with the way each edge is crossed.
#[derive(Debug, Clone, Default)]
struct Adj {
    offsets: Vec<u32>,
    to: Vec<u32>,
    how: Vec<u32>,
}

impl Adj {
    fn range(&self, u: u32) -> std::ops::Range<usize> {
        match (self.offsets.get(u as usize), self.offsets.get(u as usize + 1)) {
            (Some(a), Some(b)) => *a as usize..*b as usize,
            _ => 0..0,
        }
    }

    /// The row holding edge `e`.
    fn tail(&self, e: usize) -> u32 {
        (self.offsets.partition_point(|&o| o as usize <= e) - 1) as u32
    }

    fn bytes(&self) -> usize {
        (self.offsets.len() + self.to.len() + self.how.len()) * 4
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReachError {
    #[error("the site has {0} dependencies; the attack graph holds at most 2^29")]
    TooManyDependencies(usize),
    #[error("the attack graph would have {0} edges; at most 2^32 - 1 fit")]
    TooManyEdges(usize),
}

/// The attack graph of a site: assets, accounts and vendor pathways, and every way to move
/// between them. Node numbers: assets first, then accounts, then pathways.
#[derive(Debug, Clone)]
pub struct AttackGraph {
    assets: u32,
    accounts: u32,
    /// Global pathway number -> (vendor, index in the vendor's list).
    pathways: Vec<(VendorIx, u32)>,
    /// Vendor -> its first global pathway number.
    pathway_base: Vec<u32>,
    fwd: Adj,
    rev: Adj,
}

impl AttackGraph {
    /// Compiles the attack graph in two counting passes (no sort, no hashing).
    pub fn compile(site: &Site, graph: &Graph) -> Result<AttackGraph, ReachError> {
        if site.dependencies.len() > DEP_MASK as usize {
            return Err(ReachError::TooManyDependencies(site.dependencies.len()));
        }
        let assets = site.assets.len() as u32;
        let accounts = site.accounts.len() as u32;
        let mut pathways = Vec::new();
        let mut pathway_base = Vec::with_capacity(site.vendors.len());
        for (v, vendor) in site.vendors.iter().enumerate() {
            pathway_base.push(pathways.len() as u32);
            pathways.extend((0..vendor.pathways.len() as u32).map(|p| (VendorIx(v as u32), p)));
        }
        let mut g = AttackGraph { assets, accounts, pathways, pathway_base, fwd: Adj::default(), rev: Adj::default() };
        let n = g.nodes();

        // Pass 1: count out-edges per node; pass 2: fill.
        let mut offsets = vec![0u32; n + 1];
        let mut total: u64 = 0;
        g.edges(site, graph, |u, _, _| {
            offsets[u as usize + 1] += 1;
            total += 1;
        });
        if total >= u32::MAX as u64 {
            return Err(ReachError::TooManyEdges(total as usize));
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets[..n].to_vec();
        let mut to = vec![0u32; total as usize];
        let mut how = vec![0u32; total as usize];
        g.edges(site, graph, |u, v, h| {
            let at = &mut fill[u as usize];
            to[*at as usize] = v;
            how[*at as usize] = h;
            *at += 1;
        });
        let fwd = Adj { offsets, to, how };

        // The reverse rows, from the forward ones.
        let mut roff = vec![0u32; n + 1];
        for &v in &fwd.to {
            roff[v as usize + 1] += 1;
        }
        for i in 0..n {
            roff[i + 1] += roff[i];
        }
        let mut fill = roff[..n].to_vec();
        let mut rto = vec![0u32; fwd.to.len()];
        let mut rhow = vec![0u32; fwd.to.len()];
        for u in 0..n as u32 {
            for e in fwd.range(u) {
                let v = fwd.to[e] as usize;
                let at = &mut fill[v];
                rto[*at as usize] = u;
                rhow[*at as usize] = fwd.how[e];
                *at += 1;
            }
        }
        g.fwd = fwd;
        g.rev = Adj { offsets: roff, to: rto, how: rhow };
        Ok(g)
    }

    /// Calls `f(from, to, how)` for every edge, in a fixed order.
    fn edges(&self, site: &Site, graph: &Graph, mut f: impl FnMut(u32, u32, u32)) {
        for (d, dep) in site.dependencies.iter().enumerate() {
            let (c, p) = (dep.consumer.0, dep.provider.0);
            if c == p {
                continue;
            }
            f(c, p, How::Uses(d as u32).encode());
            if pushes(dep.kind) {
                f(p, c, How::Serves(d as u32).encode());
            }
        }
        for a in 0..self.assets {
            for acc in graph.accounts_of(AssetIx(a)) {
                if site.accounts[acc.ix()].status != AccountStatus::Disabled {
                    f(a, self.account_node(acc), How::Exposes.encode());
                }
            }
        }
        for (x, acc) in site.accounts.iter().enumerate() {
            if acc.status == AccountStatus::Disabled {
                continue;
            }
            let node = self.account_node(AccountIx(x as u32));
            if let Some(dc) = acc.directory {
                f(dc.0, node, How::Authenticates.encode());
            }
            for a in &acc.assets {
                f(node, a.0, How::LogsIn.encode());
            }
        }
        for (k, &(v, p)) in self.pathways.iter().enumerate() {
            let Some(pw) = site.vendors[v.ix()].pathways.get(p as usize) else { continue };
            let node = self.assets + self.accounts + k as u32;
            for acc in &pw.accounts {
                if site.accounts[acc.ix()].status != AccountStatus::Disabled {
                    f(self.account_node(*acc), node, How::Admits.encode());
                }
            }
            for h in &pw.via {
                f(h.0, node, How::OnRoute.encode());
            }
            for a in pw.via.iter().chain(&pw.targets) {
                f(node, a.0, How::LeadsTo.encode());
            }
        }
    }

    pub fn nodes(&self) -> usize {
        (self.assets + self.accounts) as usize + self.pathways.len()
    }

    pub fn edge_count(&self) -> usize {
        self.fwd.to.len()
    }

    /// Bytes held by the compiled graph.
    pub fn bytes(&self) -> usize {
        self.fwd.bytes() + self.rev.bytes() + self.pathways.len() * 8 + self.pathway_base.len() * 4
    }

    fn account_node(&self, a: AccountIx) -> u32 {
        self.assets + a.0
    }

    /// The number of a node.
    pub fn index(&self, node: Node) -> u32 {
        match node {
            Node::Asset(a) => a.0,
            Node::Account(a) => self.account_node(a),
            Node::Pathway(v, p) => {
                self.assets + self.accounts + self.pathway_base.get(v.ix()).copied().unwrap_or(0) + p as u32
            }
        }
    }

    /// The node of a number.
    pub fn node(&self, ix: u32) -> Node {
        if ix < self.assets {
            Node::Asset(AssetIx(ix))
        } else if ix < self.assets + self.accounts {
            Node::Account(AccountIx(ix - self.assets))
        } else {
            let (v, p) =
                self.pathways.get((ix - self.assets - self.accounts) as usize).copied().unwrap_or((VendorIx(0), 0));
            Node::Pathway(v, p as usize)
        }
    }

    pub fn asset_count(&self) -> u32 {
        self.assets
    }

    /// Out-edges of a node: (target, how).
    pub fn out_edges(&self, u: u32) -> impl Iterator<Item = (u32, How)> + '_ {
        self.fwd.range(u).map(|e| (self.fwd.to[e], How::decode(self.fwd.how[e])))
    }

    /// In-edges of a node: (source, how).
    pub fn in_edges(&self, v: u32) -> impl Iterator<Item = (u32, How)> + '_ {
        self.rev.range(v).map(|e| (self.rev.to[e], How::decode(self.rev.how[e])))
    }

    pub(crate) fn out_range(&self, u: u32) -> std::ops::Range<usize> {
        self.fwd.range(u)
    }

    /// Target and way of forward edge `e`.
    pub(crate) fn edge(&self, e: usize) -> (u32, How) {
        (self.fwd.to[e], How::decode(self.fwd.how[e]))
    }

    pub(crate) fn pathway_of(&self, k: usize) -> Option<(VendorIx, usize)> {
        self.pathways.get(k).map(|(v, p)| (*v, *p as usize))
    }

    pub(crate) fn account_count(&self) -> u32 {
        self.accounts
    }

    /// Raw forward rows, for exports and benchmarks: (offsets, targets).
    pub fn forward_rows(&self) -> (&[u32], &[u32]) {
        (&self.fwd.offsets, &self.fwd.to)
    }

    /// Everything the footholds reach, with one shortest path to each.
    pub fn reach(&self, footholds: &[Node]) -> Reach<'_> {
        self.search(footholds, None, None, None)
    }

    /// What the footholds reach without passing through a node marked in `terminal` (those are
    /// reached, not crossed): the part of the graph in front of the protected assets.
    pub fn reach_until(&self, footholds: &[Node], terminal: &[bool]) -> Reach<'_> {
        self.search(footholds, None, None, Some(terminal))
    }

    /// What the footholds still reach once the actions of `cutoff` are in effect.
    pub fn reach_with(&self, footholds: &[Node], cutoff: &Cutoff) -> Reach<'_> {
        self.search(footholds, Some(cutoff), None, None)
    }

    /// Whether the footholds reach any node marked in `targets` once `cutoff` is in effect
    /// (stops at the first).
    pub fn reaches_any(&self, footholds: &[Node], cutoff: Option<&Cutoff>, targets: &[bool]) -> Option<u32> {
        let r = self.search(footholds, cutoff, Some(targets), None);
        r.hit
    }

    /// Checks a plan one action short at a time: tries switching off each action of `actions`
    /// (in `order`) and keeps it off when the footholds still reach no target (a node at
    /// distance 0 in `dist`, from [`AttackGraph::distances_to`]). Returns which actions were
    /// dropped and whether the actions left cut every target off. The attacker's region under
    /// the full plan is searched once; each trial grows it only through the edges the action
    /// held, nearest-to-a-target first, and never into nodes that cannot reach one.
    pub fn prune(
        &self,
        footholds: &[Node],
        cutoff: &mut Cutoff<'_>,
        actions: &[Action],
        order: &[usize],
        dist: &[u16],
    ) -> (Vec<bool>, bool) {
        let n = self.nodes();
        let useful = |v: u32| dist.get(v as usize).is_some_and(|d| *d != FAR);
        let mut dropped = vec![false; actions.len()];
        let mut seen = vec![false; n];
        let mut region: Vec<u32> = Vec::new();
        let starts: Vec<u32> =
            footholds.iter().map(|f| self.index(*f)).filter(|u| (*u as usize) < n && useful(*u)).collect();
        let mut added: Vec<u32> = Vec::new();
        for &u in &starts {
            if !seen[u as usize] && cutoff.may_start(self, u) {
                seen[u as usize] = true;
                added.push(u);
            }
        }
        if self.grow(cutoff, &mut seen, &mut added, dist) {
            return (dropped, false);
        }
        region.append(&mut added);
        let mut frontier: Vec<(u32, u32, How)> = Vec::new();
        self.frontier_of(&region, &seen, dist, &mut frontier);
        for &i in order {
            let Some(action) = actions.get(i) else { continue };
            cutoff.apply(self, action, false);
            added.clear();
            for &u in &starts {
                if !seen[u as usize] && cutoff.may_start(self, u) {
                    seen[u as usize] = true;
                    added.push(u);
                }
            }
            for &(u, v, how) in &frontier {
                if !seen[v as usize] && !cutoff.blocks(self, u, v, how) {
                    seen[v as usize] = true;
                    added.push(v);
                }
            }
            if self.grow(cutoff, &mut seen, &mut added, dist) {
                for v in &added {
                    seen[*v as usize] = false;
                }
                cutoff.apply(self, action, true);
            } else {
                dropped[i] = true;
                frontier.retain(|(_, v, _)| !seen[*v as usize]);
                let from = added.clone();
                self.frontier_of(&from, &seen, dist, &mut frontier);
                region.append(&mut added);
            }
        }
        (dropped, true)
    }

    /// Grows `added` under the cutoff, nearest-to-a-target first (a bucket queue on `dist`),
    /// skipping nodes that cannot reach a target; true as soon as a target is reached.
    fn grow(&self, cutoff: &Cutoff<'_>, seen: &mut [bool], added: &mut Vec<u32>, dist: &[u16]) -> bool {
        let d = |v: u32| dist.get(v as usize).copied().unwrap_or(FAR);
        let mut buckets: Vec<Vec<u32>> = Vec::new();
        let push = |buckets: &mut Vec<Vec<u32>>, v: u32| {
            let k = d(v) as usize;
            if buckets.len() <= k {
                buckets.resize_with(k + 1, Vec::new);
            }
            buckets[k].push(v);
        };
        for &v in added.iter() {
            if d(v) == 0 {
                return true;
            }
            push(&mut buckets, v);
        }
        let mut k = 0;
        while k < buckets.len() {
            let Some(u) = buckets[k].pop() else {
                k += 1;
                continue;
            };
            for e in self.fwd.range(u) {
                let v = self.fwd.to[e];
                let dv = d(v);
                if seen[v as usize] || dv == FAR || cutoff.blocks(self, u, v, How::decode(self.fwd.how[e])) {
                    continue;
                }
                seen[v as usize] = true;
                added.push(v);
                if dv == 0 {
                    return true;
                }
                push(&mut buckets, v);
                k = k.min(dv as usize);
            }
        }
        false
    }

    fn frontier_of(&self, nodes: &[u32], seen: &[bool], dist: &[u16], out: &mut Vec<(u32, u32, How)>) {
        for &u in nodes {
            for e in self.fwd.range(u) {
                let v = self.fwd.to[e];
                if !seen[v as usize] && dist.get(v as usize).is_some_and(|d| *d != FAR) {
                    out.push((u, v, How::decode(self.fwd.how[e])));
                }
            }
        }
    }

    fn search(
        &self,
        footholds: &[Node],
        cutoff: Option<&Cutoff>,
        stop: Option<&[bool]>,
        terminal: Option<&[bool]>,
    ) -> Reach<'_> {
        let n = self.nodes();
        let mut via = vec![UNSEEN; n];
        let mut order: Vec<u32> = Vec::new();
        let mut hit = None;
        for f in footholds {
            let u = self.index(*f);
            if (u as usize) < n && via[u as usize] == UNSEEN && cutoff.is_none_or(|c| c.may_start(self, u)) {
                via[u as usize] = ROOT;
                order.push(u);
                if stop.is_some_and(|t| t.get(u as usize).copied().unwrap_or(false)) {
                    hit = Some(u);
                }
            }
        }
        let mut i = 0;
        while hit.is_none()
            && let Some(&u) = order.get(i)
        {
            i += 1;
            if terminal.is_some_and(|t| t.get(u as usize).copied().unwrap_or(false)) {
                continue;
            }
            for e in self.fwd.range(u) {
                let v = self.fwd.to[e];
                if via[v as usize] != UNSEEN {
                    continue;
                }
                if let Some(c) = cutoff
                    && c.blocks(self, u, v, How::decode(self.fwd.how[e]))
                {
                    continue;
                }
                via[v as usize] = e as u32;
                order.push(v);
                if stop.is_some_and(|t| t.get(v as usize).copied().unwrap_or(false)) {
                    hit = Some(v);
                    break;
                }
            }
        }
        Reach { g: self, via, order, hit }
    }

    /// Every node from which some node marked in `targets` can be reached.
    pub fn co_reach(&self, targets: &[bool]) -> Vec<bool> {
        self.distances_to(targets).iter().map(|d| *d != FAR).collect()
    }

    /// For every node, the fewest steps to a node marked in `targets` ([`FAR`] when none can be
    /// reached): a lower bound once actions cut edges, which guides searches toward targets.
    pub fn distances_to(&self, targets: &[bool]) -> Vec<u16> {
        let n = self.nodes();
        let mut dist = vec![FAR; n];
        let mut queue: Vec<u32> = Vec::new();
        for (v, t) in targets.iter().enumerate().take(n) {
            if *t {
                dist[v] = 0;
                queue.push(v as u32);
            }
        }
        let mut i = 0;
        while let Some(&v) = queue.get(i) {
            i += 1;
            let next = dist[v as usize].saturating_add(1).min(FAR - 1);
            for e in self.rev.range(v) {
                let u = self.rev.to[e] as usize;
                if dist[u] == FAR {
                    dist[u] = next;
                    queue.push(u as u32);
                }
            }
        }
        dist
    }
}

/// "Cannot reach": the distance of a node with no path to the targets.
pub const FAR: u16 = u16::MAX;

const UNSEEN: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;

/// The result of a search from the footholds.
#[derive(Debug, Clone)]
pub struct Reach<'g> {
    g: &'g AttackGraph,
    /// For each node: the forward edge it was reached by, [`ROOT`] for a foothold, [`UNSEEN`].
    via: Vec<u32>,
    /// Reached nodes in breadth-first order (so by distance).
    order: Vec<u32>,
    hit: Option<u32>,
}

impl Reach<'_> {
    /// Per attack-graph node: reached or not.
    pub fn seen(&self) -> Vec<bool> {
        self.via.iter().map(|v| *v != UNSEEN).collect()
    }

    pub fn reached(&self, node: Node) -> bool {
        self.via.get(self.g.index(node) as usize).is_some_and(|v| *v != UNSEEN)
    }

    pub fn reached_ix(&self, ix: u32) -> bool {
        self.via.get(ix as usize).is_some_and(|v| *v != UNSEEN)
    }

    /// Reached nodes (footholds included) in order of distance.
    pub fn nodes(&self) -> impl Iterator<Item = Node> + '_ {
        self.order.iter().map(|u| self.g.node(*u))
    }

    pub fn count(&self) -> usize {
        self.order.len()
    }

    /// Reached assets in order of distance.
    pub fn assets(&self) -> impl Iterator<Item = AssetIx> + '_ {
        self.order.iter().filter(|u| **u < self.g.assets).map(|u| AssetIx(*u))
    }

    /// One shortest attack path from a foothold to `node` (empty for a foothold or an
    /// unreached node).
    pub fn path(&self, node: Node) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut v = self.g.index(node);
        while let Some(&e) = self.via.get(v as usize) {
            if e == UNSEEN || e == ROOT || steps.len() > self.order.len() {
                break;
            }
            let u = self.g.fwd.tail(e as usize);
            steps.push(Step { from: self.g.node(u), to: self.g.node(v), how: How::decode(self.g.fwd.how[e as usize]) });
            v = u;
        }
        steps.reverse();
        steps
    }

    /// The foothold a path to `node` starts from.
    pub fn origin(&self, node: Node) -> Option<Node> {
        if !self.reached(node) {
            return None;
        }
        Some(self.path(node).first().map(|s| s.from).unwrap_or(node))
    }

    /// Reached assets that matter: criticality high or critical, or a controller or safety
    /// system of a critical process. In order of distance.
    pub fn critical_assets(&self, site: &Site) -> Vec<AssetIx> {
        let mut member = vec![false; site.assets.len()];
        for p in &site.processes {
            for a in p.control.iter().chain(&p.safety) {
                if let Some(m) = member.get_mut(a.ix()) {
                    *m = true;
                }
            }
        }
        self.assets()
            .filter(|a| site.asset(*a).criticality >= Criticality::High || member.get(a.ix()).copied().unwrap_or(false))
            .collect()
    }

    /// The critical processes the attacker reaches: which of their controllers, safety
    /// systems, operator stations and alarm sources, and the nearest of them.
    pub fn processes(&self, site: &Site) -> Vec<ProcessReach> {
        let mut out = Vec::new();
        for (i, p) in site.processes.iter().enumerate() {
            let got = |v: &[AssetIx]| -> Vec<AssetIx> {
                let mut r: Vec<AssetIx> = v.iter().copied().filter(|a| self.reached(Node::Asset(*a))).collect();
                r.sort_unstable_by_key(|a| self.depth(Node::Asset(*a)));
                r
            };
            let pr = ProcessReach {
                process: i,
                control: got(&p.control),
                safety: got(&p.safety),
                view: got(&p.view),
                alarm: got(&p.alarm),
            };
            if !(pr.control.is_empty() && pr.safety.is_empty() && pr.view.is_empty() && pr.alarm.is_empty()) {
                out.push(pr);
            }
        }
        out.sort_by(|a, b| {
            let (pa, pb) = (&site.processes[a.process], &site.processes[b.process]);
            pb.criticality.cmp(&pa.criticality).then_with(|| pa.id.cmp(&pb.id))
        });
        out
    }

    /// Steps from a foothold to the node (0 for a foothold; `usize::MAX` if unreached).
    pub fn depth(&self, node: Node) -> usize {
        if !self.reached(node) {
            return usize::MAX;
        }
        self.path(node).len()
    }

    /// The conduits crossed on the way to every reached node (the edges of the search tree),
    /// with how many reached nodes lie behind each, most first.
    pub fn conduits(&self, site: &Site) -> Vec<(ConduitIx, usize)> {
        let mut count: HashMap<ConduitIx, usize> = HashMap::new();
        for &v in &self.order {
            let e = self.via[v as usize];
            if e == ROOT {
                continue;
            }
            if let Some(d) = How::decode(self.g.fwd.how[e as usize]).dependency()
                && let Some(dep) = site.dependencies.get(d as usize)
            {
                for c in site.conduits_crossed(dep) {
                    *count.entry(*c).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(ConduitIx, usize)> = count.into_iter().collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// What the attacker reaches of one critical process, each list nearest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessReach {
    pub process: usize,
    pub control: Vec<AssetIx>,
    pub safety: Vec<AssetIx>,
    pub view: Vec<AssetIx>,
    pub alarm: Vec<AssetIx>,
}

impl ProcessReach {
    /// The member the report explains: the nearest safety system or controller, else the
    /// nearest station or alarm source.
    pub fn nearest(&self, reach: &Reach<'_>) -> Option<AssetIx> {
        let pick = |v: &[AssetIx]| v.iter().copied().min_by_key(|a| reach.depth(Node::Asset(*a)));
        let hands_on: Vec<AssetIx> = self.safety.iter().chain(&self.control).copied().collect();
        pick(&hands_on).or_else(|| pick(&self.view)).or_else(|| pick(&self.alarm))
    }
}

/// What the attacker holds at the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Foothold {
    Asset(AssetIx),
    Account(AccountIx),
    Pathway(VendorIx, usize),
    /// Every pathway and every (not disabled) account of the vendor.
    Vendor(VendorIx),
}

/// A problem with a foothold or protected target's text: what is wrong, what was expected, a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    pub message: String,
    pub expected: String,
    pub help: Option<String>,
}

impl TargetError {
    pub(crate) fn new(message: String, expected: String, help: Option<String>) -> Self {
        TargetError { message, expected, help }
    }

    /// The whole explanation, for a terminal.
    pub fn explain(&self) -> String {
        let mut s = format!("{}\n    expected: {}", self.message, self.expected);
        if let Some(h) = &self.help {
            s.push_str(&format!("\n    help: {h}"));
        }
        s
    }
}

pub(crate) fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(wanted, candidates).map(|n| format!("did you mean \"{n}\"?"))
}

pub(crate) fn find_asset(site: &Site, id: &str) -> Result<AssetIx, TargetError> {
    site.asset_by_id(id).ok_or_else(|| {
        TargetError::new(
            format!("unknown asset \"{id}\""),
            "the id of an asset of the site model".into(),
            did_you_mean(id, site.assets.iter().map(|a| &*a.id).take(200_000)),
        )
    })
}

impl Foothold {
    const SYNTAX: &'static str = "ASSET-ID, asset:ID, account:ID, pathway:VENDOR/ID or vendor:ID";

    /// Parses `ASSET-ID`, `asset:ID`, `account:ID`, `pathway:VENDOR/ID` or `vendor:ID`.
    pub fn parse(site: &Site, text: &str) -> Result<Foothold, TargetError> {
        let text = text.trim();
        let (kind, id) = match text.split_once(':') {
            Some((k, id)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase()) => (k, id),
            _ => ("asset", text),
        };
        let unknown = |what: &str, ids: Vec<&str>| {
            TargetError::new(
                format!("unknown {what} \"{id}\""),
                format!("the id of {} {what} of the site model", if what == "account" { "an" } else { "a" }),
                did_you_mean(id, ids),
            )
        };
        match kind {
            "asset" => find_asset(site, id).map(Foothold::Asset),
            "account" => site
                .accounts
                .iter()
                .position(|a| &*a.id == id)
                .map(|i| Foothold::Account(AccountIx(i as u32)))
                .ok_or_else(|| unknown("account", site.accounts.iter().map(|a| &*a.id).collect())),
            "vendor" => site
                .vendors
                .iter()
                .position(|v| &*v.id == id)
                .map(|i| Foothold::Vendor(VendorIx(i as u32)))
                .ok_or_else(|| unknown("vendor", site.vendors.iter().map(|v| &*v.id).collect())),
            "pathway" => {
                let all: Vec<String> = site
                    .vendors
                    .iter()
                    .flat_map(|v| v.pathways.iter().map(move |p| format!("{}/{}", v.id, p.id)))
                    .collect();
                id.split_once('/')
                    .and_then(|(v, p)| {
                        let vi = site.vendors.iter().position(|x| &*x.id == v)?;
                        let pi = site.vendors[vi].pathways.iter().position(|x| &*x.id == p)?;
                        Some(Foothold::Pathway(VendorIx(vi as u32), pi))
                    })
                    .ok_or_else(|| unknown("pathway", all.iter().map(|s| s.as_str()).collect()))
            }
            other => Err(TargetError::new(
                format!("unknown kind of foothold \"{other}\" in \"{text}\""),
                Foothold::SYNTAX.into(),
                did_you_mean(other, ["asset", "account", "pathway", "vendor"]),
            )),
        }
    }

    /// As written: `asset-id`, `account:ID`, `pathway:VENDOR/ID`, `vendor:ID`.
    pub fn describe(&self, site: &Site) -> String {
        match self {
            Foothold::Asset(a) => Node::Asset(*a).describe(site),
            Foothold::Account(a) => Node::Account(*a).describe(site),
            Foothold::Pathway(v, p) => Node::Pathway(*v, *p).describe(site),
            Foothold::Vendor(v) => format!("vendor:{}", site.vendors[v.ix()].id),
        }
    }

    /// The attack-graph nodes the attacker starts from.
    pub fn nodes(&self, site: &Site) -> Vec<Node> {
        match self {
            Foothold::Asset(a) => vec![Node::Asset(*a)],
            Foothold::Account(a) => vec![Node::Account(*a)],
            Foothold::Pathway(v, p) => vec![Node::Pathway(*v, *p)],
            Foothold::Vendor(v) => {
                let mut out: Vec<Node> =
                    (0..site.vendors[v.ix()].pathways.len()).map(|p| Node::Pathway(*v, p)).collect();
                out.extend(
                    site.accounts
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| a.vendor == Some(*v) && a.status != AccountStatus::Disabled)
                        .map(|(i, _)| Node::Account(AccountIx(i as u32))),
                );
                out
            }
        }
    }
}

/// The footholds' nodes, without repeats.
pub fn foothold_nodes(site: &Site, footholds: &[Foothold]) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for f in footholds {
        for n in f.nodes(site) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// The effect of response actions on the attack graph. Actions can be switched on and off
/// ([`Cutoff::apply`]), so that a plan can be checked one action short at little cost.
#[derive(Debug, Clone)]
pub struct Cutoff<'s> {
    site: &'s Site,
    graph: &'s Graph,
    /// Per attack-graph node, how many actions block it: isolated or stopped assets, disabled
    /// or reset accounts, revoked pathways.
    blocked: Vec<u16>,
    /// Per asset, how many actions remove each dependency kind (`restrict ASSET kinds ...`).
    kinds: HashMap<u32, [u16; 16]>,
    /// Per conduit, how many actions block it.
    conduits: Vec<u16>,
    /// Zones whose boundary is cut, with the kinds (None: all): flows with exactly one end
    /// inside. Keyed by the action's text.
    zones: Vec<(Box<str>, Vec<bool>, Option<FunctionSet>)>,
    /// How many island-mode actions are on.
    island: u16,
    /// Island mode's conduits; per asset, whether it is on the plant side (IDMZ or OT); per
    /// global pathway, whether it enters from IT. Computed when island mode is first applied.
    island_conduits: Vec<bool>,
    plant_side: Vec<bool>,
    it_entry: Vec<bool>,
}

fn bump(x: &mut u16, on: bool) {
    *x = if on { x.saturating_add(1) } else { x.saturating_sub(1) };
}

impl<'s> Cutoff<'s> {
    /// No action in effect.
    pub fn new(site: &'s Site, graph: &'s Graph, attack: &AttackGraph) -> Cutoff<'s> {
        Cutoff {
            site,
            graph,
            blocked: vec![0; attack.nodes()],
            kinds: HashMap::new(),
            conduits: vec![0; site.conduits.len()],
            zones: Vec::new(),
            island: 0,
            island_conduits: Vec::new(),
            plant_side: Vec::new(),
            it_entry: Vec::new(),
        }
    }

    /// The effect of `actions` (resolved against `site`).
    pub fn from_actions(site: &'s Site, graph: &'s Graph, attack: &AttackGraph, actions: &[Action]) -> Cutoff<'s> {
        let mut c = Cutoff::new(site, graph, attack);
        for a in actions {
            c.apply(attack, a, true);
        }
        c
    }

    /// Switches one action's effect on or off.
    pub fn apply(&mut self, attack: &AttackGraph, a: &Action, on: bool) {
        let site = self.site;
        for t in &a.targets {
            match (a.effect, t) {
                (
                    Effect::Isolate
                    | Effect::TakeOffline
                    | Effect::PowerDown
                    | Effect::Reimage
                    | Effect::ShutDown
                    | Effect::BlockAddress,
                    Target::Asset(x) | Target::Address(_, Some(x)),
                ) => self.block(attack.index(Node::Asset(*x)), on),
                (Effect::Restrict, Target::Asset(x)) => {
                    let e = self.kinds.entry(x.0).or_default();
                    for k in a.kinds.iter() {
                        bump(&mut e[k as usize], on);
                    }
                }
                (Effect::Isolate | Effect::Restrict, Target::Zone(z)) => {
                    if on {
                        let mut inside = vec![false; site.assets.len()];
                        for x in self.graph.assets_in_zone(*z) {
                            inside[x.ix()] = true;
                        }
                        let kinds = (a.effect == Effect::Restrict).then_some(a.kinds);
                        self.zones.push((a.text.clone(), inside, kinds));
                    } else if let Some(i) = self.zones.iter().position(|z| z.0 == a.text) {
                        self.zones.remove(i);
                    }
                }
                (Effect::DisableAccount | Effect::ResetCredentials, Target::Account(x)) => {
                    self.block(attack.index(Node::Account(*x)), on)
                }
                (Effect::RevokeVendorAccess | Effect::Restrict, Target::Pathway(v, p)) => {
                    self.block(attack.index(Node::Pathway(*v, *p)), on)
                }
                (Effect::RevokeVendorAccess, Target::Vendor(v)) => {
                    for p in 0..site.vendors[v.ix()].pathways.len() {
                        self.block(attack.index(Node::Pathway(*v, p)), on);
                    }
                }
                (Effect::BlockConduit, Target::Conduit(x)) if a.except.is_empty() => {
                    if let Some(b) = self.conduits.get_mut(x.ix()) {
                        bump(b, on);
                    }
                }
                (Effect::IslandMode, Target::Site) => {
                    if on && self.island_conduits.is_empty() {
                        self.prepare_island(attack);
                    }
                    bump(&mut self.island, on);
                }
                _ => {}
            }
        }
    }

    fn block(&mut self, ix: u32, on: bool) {
        if let Some(b) = self.blocked.get_mut(ix as usize) {
            bump(b, on);
        }
    }

    fn is_blocked(&self, ix: u32) -> bool {
        self.blocked.get(ix as usize).is_some_and(|b| *b > 0)
    }

    fn prepare_island(&mut self, attack: &AttackGraph) {
        let (site, graph) = (self.site, self.graph);
        self.island_conduits = vec![false; site.conduits.len()];
        for x in graph.island_conduits(site) {
            self.island_conduits[x.ix()] = true;
        }
        self.plant_side = (0..site.assets.len()).map(|a| plant_side(site, graph, AssetIx(a as u32))).collect();
        self.it_entry =
            attack.pathways.iter().map(|&(v, p)| pathway_enters_from_it(site, graph, v, p as usize)).collect();
    }

    fn may_start(&self, g: &AttackGraph, u: u32) -> bool {
        // The attacker stays on a compromised asset whatever is done to it; a disabled
        // account or a revoked pathway gives them nothing.
        u < g.assets || !self.is_blocked(u)
    }

    fn blocks(&self, g: &AttackGraph, u: u32, v: u32, how: How) -> bool {
        if self.is_blocked(v) {
            return true;
        }
        match how {
            // A stopped or isolated end cuts the flow even from a foothold.
            How::Uses(d) | How::Serves(d) => self.cuts_flow(d),
            How::LeadsTo => {
                self.island > 0
                    && self.it_entry.get((u - g.assets - g.accounts) as usize).copied().unwrap_or(false)
                    && self.plant_side.get(v as usize).copied().unwrap_or(false)
            }
            _ => false,
        }
    }

    /// Whether the flow of dependency `d` is cut.
    pub fn cuts_flow(&self, d: u32) -> bool {
        let site = self.site;
        let Some(dep) = site.dependencies.get(d as usize) else { return false };
        let (c, p) = (dep.consumer, dep.provider);
        if self.is_blocked(c.0) || self.is_blocked(p.0) {
            return true;
        }
        if !self.kinds.is_empty()
            && [c, p].iter().any(|x| self.kinds.get(&x.0).is_some_and(|k| k[dep.kind as usize] > 0))
        {
            return true;
        }
        let island = self.island > 0;
        if site.conduits_crossed(dep).iter().any(|x| {
            self.conduits.get(x.ix()).is_some_and(|n| *n > 0)
                || (island && self.island_conduits.get(x.ix()).copied().unwrap_or(false))
        }) {
            return true;
        }
        self.zones.iter().any(|(_, inside, kinds)| {
            let (ci, pi) = (inside.get(c.ix()).copied().unwrap_or(false), inside.get(p.ix()).copied().unwrap_or(false));
            ci != pi && kinds.is_none_or(|k| k.contains(dep.kind))
        })
    }
}

/// Whether an asset stands on the plant side of the IT/OT boundary (the IDMZ or OT).
pub fn plant_side(site: &Site, graph: &Graph, a: AssetIx) -> bool {
    let z = site.asset(a).zone.ix();
    graph.zone_idmz.get(z).copied().unwrap_or(false) || graph.zone_domain.get(z).copied().flatten() == Some(Domain::Ot)
}

/// Whether a vendor pathway enters through IT (a hop on the IT side, outside the IDMZ): island
/// mode then severs it from the plant side.
pub fn pathway_enters_from_it(site: &Site, graph: &Graph, v: VendorIx, p: usize) -> bool {
    site.vendors.get(v.ix()).and_then(|v| v.pathways.get(p)).is_some_and(|pw| {
        pw.via.iter().any(|h| {
            let z = site.asset(*h).zone.ix();
            !graph.zone_idmz.get(z).copied().unwrap_or(false)
                && graph.zone_domain.get(z).copied().flatten() == Some(Domain::It)
        })
    })
}
