//! Maximum flow and minimum cut: Dinic's algorithm on compressed sparse rows.
//!
//! The containment planner ([`crate::plan`]) builds one [`FlowNet`] per question and solves it
//! several times with different capacities (forbidding an action, refining a cost), so the
//! network keeps its arcs and only its capacities change between solves.
//!
//! Capacities are integers; [`INF`] stands for "cannot be cut" (protected flows, footholds,
//! protected assets). A maximum flow of [`INF`] or more means every cut contains an
//! uncuttable edge: [`FlowNet::max_flow`] then returns [`INF`] and
//! [`FlowNet::infinite_path`] shows one source-to-sink path of uncuttable edges.
//!
//! Dinic's algorithm: breadth-first levels from the source (stopping at the sink's level),
//! then a blocking flow by depth-first search along level-increasing arcs with per-node
//! current-arc pointers, iteratively (no recursion: paths can be thousands of arcs long).
//! Tested against an independent Edmonds-Karp (the `pathfinding` crate) on random graphs.

/// A capacity or a flow value.
pub type Cap = u64;

/// An edge that cannot be cut. Far above any sum of finite costs, far below overflow.
pub const INF: Cap = 1 << 62;

/// An edge, in the order it was added to the [`FlowBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeId(pub u32);

impl EdgeId {
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("edge {edge} names node {node}, but the network has {nodes} nodes")]
    NodeOutOfRange { edge: usize, node: u32, nodes: u32 },
    #[error("the network has {0} edges; at most 2^31 - 1 fit")]
    TooManyEdges(usize),
}

/// Collects nodes and edges; [`FlowBuilder::build`] lays them out as compressed sparse rows.
#[derive(Debug, Clone, Default)]
pub struct FlowBuilder {
    nodes: u32,
    tails: Vec<u32>,
    heads: Vec<u32>,
    caps: Vec<Cap>,
}

impl FlowBuilder {
    pub fn new(nodes: u32) -> Self {
        FlowBuilder { nodes, ..Default::default() }
    }

    pub fn with_capacity(nodes: u32, edges: usize) -> Self {
        FlowBuilder {
            nodes,
            tails: Vec::with_capacity(edges),
            heads: Vec::with_capacity(edges),
            caps: Vec::with_capacity(edges),
        }
    }

    /// Adds a node and returns its number.
    pub fn add_node(&mut self) -> u32 {
        self.nodes += 1;
        self.nodes - 1
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    pub fn edges(&self) -> usize {
        self.tails.len()
    }

    /// Adds a directed edge `u -> v`. Nodes are checked when the network is built.
    pub fn add_edge(&mut self, u: u32, v: u32, cap: Cap) -> EdgeId {
        self.tails.push(u);
        self.heads.push(v);
        self.caps.push(cap.min(INF));
        EdgeId(self.tails.len() as u32 - 1)
    }

    pub fn build(self) -> Result<FlowNet, FlowError> {
        let n = self.nodes as usize;
        let m = self.tails.len();
        if m >= (u32::MAX / 2) as usize {
            return Err(FlowError::TooManyEdges(m));
        }
        for (e, (&u, &v)) in self.tails.iter().zip(&self.heads).enumerate() {
            for x in [u, v] {
                if x >= self.nodes {
                    return Err(FlowError::NodeOutOfRange { edge: e, node: x, nodes: self.nodes });
                }
            }
        }
        let mut offsets = vec![0u32; n + 1];
        for (&u, &v) in self.tails.iter().zip(&self.heads) {
            offsets[u as usize + 1] += 1;
            offsets[v as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill: Vec<u32> = offsets[..n].to_vec();
        let arcs = 2 * m;
        let mut head = vec![0u32; arcs];
        let mut pair = vec![0u32; arcs];
        let mut acap = vec![0 as Cap; arcs];
        let mut arc_edge = vec![NO_EDGE; arcs];
        let mut edge_arc = vec![0u32; m];
        for (e, slot) in edge_arc.iter_mut().enumerate() {
            let (u, v) = (self.tails[e] as usize, self.heads[e] as usize);
            let a = fill[u];
            fill[u] += 1;
            let b = fill[v];
            fill[v] += 1;
            head[a as usize] = v as u32;
            head[b as usize] = u as u32;
            pair[a as usize] = b;
            pair[b as usize] = a;
            acap[a as usize] = self.caps[e];
            arc_edge[a as usize] = e as u32;
            *slot = a;
        }
        Ok(FlowNet {
            offsets,
            head,
            pair,
            res: vec![0; arcs],
            acap,
            arc_edge,
            edge_arc,
            level: vec![0; n],
            iter: vec![0; n],
            queue: Vec::with_capacity(n.min(1 << 20)),
            path: Vec::new(),
            value: 0,
        })
    }
}

const NO_EDGE: u32 = u32::MAX;

/// A saved flow of a [`FlowNet`] ([`FlowNet::snapshot`]).
#[derive(Debug, Clone)]
pub struct FlowState {
    res: Vec<Cap>,
    acap: Vec<Cap>,
    value: Cap,
}

/// A flow network: arcs in compressed sparse rows, each edge a forward arc and its reverse.
#[derive(Debug, Clone)]
pub struct FlowNet {
    offsets: Vec<u32>,
    head: Vec<u32>,
    pair: Vec<u32>,
    /// Residual capacity of each arc.
    res: Vec<Cap>,
    /// Capacity of each arc (0 for reverse arcs).
    acap: Vec<Cap>,
    /// The edge of each forward arc ([`NO_EDGE`] for reverse arcs).
    arc_edge: Vec<u32>,
    edge_arc: Vec<u32>,
    level: Vec<u32>,
    iter: Vec<u32>,
    queue: Vec<u32>,
    path: Vec<u32>,
    /// The flow the residual capacities hold now.
    value: Cap,
}

const UNSEEN: u32 = u32::MAX;

impl FlowNet {
    pub fn nodes(&self) -> usize {
        self.level.len()
    }

    pub fn edges(&self) -> usize {
        self.edge_arc.len()
    }

    /// Bytes held by the network's arrays.
    pub fn bytes(&self) -> usize {
        self.offsets.len() * 4 + self.head.len() * (4 + 4 + 8 + 8 + 4) + self.edge_arc.len() * 4 + self.level.len() * 8
    }

    pub fn capacity(&self, e: EdgeId) -> Cap {
        self.acap[self.edge_arc[e.ix()] as usize]
    }

    /// Changes an edge's capacity; takes effect at the next [`FlowNet::max_flow`].
    pub fn set_capacity(&mut self, e: EdgeId, cap: Cap) {
        self.acap[self.edge_arc[e.ix()] as usize] = cap.min(INF);
    }

    /// The edges in the order their forward arcs lie in memory: the order
    /// [`FlowNet::set_capacities`] takes capacities in.
    pub fn edge_order(&self) -> Vec<EdgeId> {
        self.arc_edge.iter().filter(|e| **e != NO_EDGE).map(|e| EdgeId(*e)).collect()
    }

    /// Sets every capacity at once, in [`FlowNet::edge_order`] (one sequential pass).
    pub fn set_capacities(&mut self, caps: impl IntoIterator<Item = Cap>) {
        let mut caps = caps.into_iter();
        for (a, e) in self.arc_edge.iter().enumerate() {
            if *e != NO_EDGE {
                self.acap[a] = caps.next().unwrap_or(0).min(INF);
            }
        }
    }

    pub fn tail(&self, e: EdgeId) -> u32 {
        self.head[self.pair[self.edge_arc[e.ix()] as usize] as usize]
    }

    pub fn head(&self, e: EdgeId) -> u32 {
        self.head[self.edge_arc[e.ix()] as usize]
    }

    /// The flow the last solve sent along an edge.
    pub fn flow(&self, e: EdgeId) -> Cap {
        self.res[self.pair[self.edge_arc[e.ix()] as usize] as usize]
    }

    /// Sets every residual capacity back to the arc's capacity (no flow).
    fn reset(&mut self) {
        self.res.copy_from_slice(&self.acap);
    }

    /// The maximum flow from `s` to `t`, from scratch; [`INF`] when it is unbounded (every cut
    /// holds an edge of capacity [`INF`]).
    pub fn max_flow(&mut self, s: u32, t: u32) -> Cap {
        self.reset();
        self.value = 0;
        self.augment_more(s, t)
    }

    /// Raises capacities (in [`FlowNet::edge_order`]) keeping the flow found so far, so that
    /// [`FlowNet::augment_more`] only adds what the raise allows. Returns false when a capacity
    /// falls below its edge's flow: the capacities are set, but the next solve must start from
    /// scratch ([`FlowNet::max_flow`]).
    pub fn raise_capacities(&mut self, caps: impl IntoIterator<Item = Cap>) -> bool {
        let mut caps = caps.into_iter();
        let mut kept = true;
        for a in 0..self.acap.len() {
            if self.arc_edge[a] == NO_EDGE {
                continue;
            }
            let c = caps.next().unwrap_or(0).min(INF);
            let flow = self.acap[a] - self.res[a];
            if c < flow {
                kept = false;
            } else {
                self.res[a] = c - flow;
            }
            self.acap[a] = c;
        }
        kept
    }

    /// The current flow and capacities, to start later solves from.
    pub fn snapshot(&self) -> FlowState {
        FlowState { res: self.res.clone(), acap: self.acap.clone(), value: self.value }
    }

    /// Goes back to a snapshot of this network (its flow and capacities).
    pub fn restore(&mut self, state: &FlowState) {
        if state.res.len() == self.res.len() {
            self.res.copy_from_slice(&state.res);
            self.acap.copy_from_slice(&state.acap);
            self.value = state.value;
        }
    }

    /// Continues Dinic's algorithm from the current flow; returns the total flow.
    pub fn augment_more(&mut self, s: u32, t: u32) -> Cap {
        if s == t || s as usize >= self.nodes() || t as usize >= self.nodes() {
            return if s == t { INF } else { 0 };
        }
        let mut total = self.value;
        while total < INF && self.levels(s, t) {
            for (u, it) in self.iter.iter_mut().enumerate() {
                *it = self.offsets[u];
            }
            loop {
                let f = self.augment(s, t);
                if f == 0 {
                    break;
                }
                total = total.saturating_add(f);
                if total >= INF {
                    break;
                }
            }
        }
        self.value = total.min(INF);
        self.value
    }

    /// Breadth-first levels over arcs with residual capacity; stops once `t` has a level.
    fn levels(&mut self, s: u32, t: u32) -> bool {
        self.level.fill(UNSEEN);
        self.queue.clear();
        self.level[s as usize] = 0;
        self.queue.push(s);
        let mut i = 0;
        while let Some(&u) = self.queue.get(i) {
            i += 1;
            let next = self.level[u as usize] + 1;
            let (a, b) = (self.offsets[u as usize] as usize, self.offsets[u as usize + 1] as usize);
            for arc in a..b {
                let v = self.head[arc];
                if self.res[arc] > 0 && self.level[v as usize] == UNSEEN {
                    self.level[v as usize] = next;
                    if v == t {
                        return true;
                    }
                    self.queue.push(v);
                }
            }
        }
        false
    }

    /// Finds and saturates augmenting paths of the level graph from the current-arc pointers,
    /// backing up only to the first saturated arc after each; returns the flow pushed.
    fn augment(&mut self, s: u32, t: u32) -> Cap {
        let mut pushed: Cap = 0;
        self.path.clear();
        let mut u = s;
        loop {
            if u == t {
                let f = self.path.iter().map(|&a| self.res[a as usize]).min().unwrap_or(0);
                for &a in &self.path {
                    self.res[a as usize] -= f;
                    self.res[self.pair[a as usize] as usize] += f;
                }
                pushed = pushed.saturating_add(f);
                if pushed >= INF {
                    return pushed;
                }
                let first = self.path.iter().position(|&a| self.res[a as usize] == 0).unwrap_or(0);
                self.path.truncate(first);
                u = match self.path.last() {
                    Some(&a) => self.head[a as usize],
                    None => s,
                };
                continue;
            }
            let end = self.offsets[u as usize + 1];
            let want = self.level[u as usize].wrapping_add(1);
            let mut next = None;
            while self.iter[u as usize] < end {
                let arc = self.iter[u as usize];
                let v = self.head[arc as usize];
                if self.res[arc as usize] > 0 && self.level[v as usize] == want {
                    next = Some((arc, v));
                    break;
                }
                self.iter[u as usize] += 1;
            }
            match next {
                Some((arc, v)) => {
                    self.path.push(arc);
                    u = v;
                }
                None => {
                    // A dead end: no path to t from here in this phase.
                    self.level[u as usize] = UNSEEN;
                    match self.path.pop() {
                        None => return pushed,
                        Some(arc) => {
                            u = self.head[self.pair[arc as usize] as usize];
                            self.iter[u as usize] += 1;
                        }
                    }
                }
            }
        }
    }

    /// After [`FlowNet::max_flow`]: the nodes still reachable from `s` in the residual network
    /// (the source side of a minimum cut).
    pub fn source_side(&mut self, s: u32) -> Vec<bool> {
        self.side(s)
    }

    /// [`FlowNet::source_side`], leaving the side's nodes in `queue`.
    fn side(&mut self, s: u32) -> Vec<bool> {
        let mut seen = vec![false; self.nodes()];
        if (s as usize) >= seen.len() {
            return seen;
        }
        seen[s as usize] = true;
        self.queue.clear();
        self.queue.push(s);
        let mut i = 0;
        while let Some(&u) = self.queue.get(i) {
            i += 1;
            let (a, b) = (self.offsets[u as usize] as usize, self.offsets[u as usize + 1] as usize);
            for arc in a..b {
                let v = self.head[arc] as usize;
                if self.res[arc] > 0 && !seen[v] {
                    seen[v] = true;
                    self.queue.push(v as u32);
                }
            }
        }
        seen
    }

    /// The edges of a minimum cut: from the source side to the other, with positive capacity.
    /// Their capacities add up to the maximum flow.
    pub fn min_cut(&mut self, s: u32) -> Vec<EdgeId> {
        let side = self.side(s);
        let mut cut = Vec::new();
        for &u in &self.queue {
            let (a, b) = (self.offsets[u as usize] as usize, self.offsets[u as usize + 1] as usize);
            for arc in a..b {
                if self.acap[arc] > 0 && self.arc_edge[arc] != NO_EDGE && !side[self.head[arc] as usize] {
                    cut.push(EdgeId(self.arc_edge[arc]));
                }
            }
        }
        cut.sort_unstable();
        cut
    }

    /// A path from `s` to `t` of edges that cannot be cut (capacity [`INF`]), if one exists.
    pub fn infinite_path(&self, s: u32, t: u32) -> Option<Vec<EdgeId>> {
        let n = self.nodes();
        if s as usize >= n || t as usize >= n {
            return None;
        }
        let mut via = vec![u32::MAX; n];
        let mut seen = vec![false; n];
        seen[s as usize] = true;
        let mut queue = vec![s];
        let mut i = 0;
        while let Some(&u) = queue.get(i) {
            i += 1;
            if u == t {
                let mut edges = Vec::new();
                let mut x = t;
                while x != s {
                    let e = EdgeId(via[x as usize]);
                    edges.push(e);
                    x = self.head[self.pair[self.edge_arc[e.ix()] as usize] as usize];
                }
                edges.reverse();
                return Some(edges);
            }
            let (a, b) = (self.offsets[u as usize] as usize, self.offsets[u as usize + 1] as usize);
            for arc in a..b {
                let e = self.arc_edge[arc];
                if e == NO_EDGE || self.acap[arc] < INF {
                    continue;
                }
                let v = self.head[arc] as usize;
                if !seen[v] {
                    seen[v] = true;
                    via[v] = e;
                    queue.push(v as u32);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn net(n: u32, edges: &[(u32, u32, Cap)]) -> FlowNet {
        let mut b = FlowBuilder::new(n);
        for &(u, v, c) in edges {
            b.add_edge(u, v, c);
        }
        b.build().unwrap()
    }

    #[test]
    fn textbook_network() {
        // CLRS figure 26.1: maximum flow 23.
        let mut f = net(
            6,
            &[(0, 1, 16), (0, 2, 13), (2, 1, 4), (1, 3, 12), (3, 2, 9), (2, 4, 14), (4, 3, 7), (3, 5, 20), (4, 5, 4)],
        );
        assert_eq!(f.max_flow(0, 5), 23);
        let cut = f.min_cut(0);
        assert_eq!(cut.iter().map(|e| f.capacity(*e)).sum::<Cap>(), 23);
    }

    #[test]
    fn unbounded_flow_and_its_path() {
        let mut f = net(4, &[(0, 1, INF), (1, 3, INF), (0, 2, 5), (2, 3, 1)]);
        assert_eq!(f.max_flow(0, 3), INF);
        let p = f.infinite_path(0, 3).unwrap();
        assert_eq!(p.iter().map(|e| (f.tail(*e), f.head(*e))).collect::<Vec<_>>(), [(0, 1), (1, 3)]);
        f.set_capacity(EdgeId(1), 7);
        assert_eq!(f.max_flow(0, 3), 8);
        assert!(f.infinite_path(0, 3).is_none());
    }

    #[test]
    fn bad_nodes_are_reported() {
        let mut b = FlowBuilder::new(2);
        b.add_edge(0, 5, 1);
        assert!(matches!(b.build(), Err(FlowError::NodeOutOfRange { node: 5, .. })));
    }

    #[test]
    fn long_paths_do_not_recurse() {
        let n = 200_000u32;
        let mut b = FlowBuilder::new(n);
        for i in 0..n - 1 {
            b.add_edge(i, i + 1, 3 + (i % 5) as Cap);
        }
        let mut f = b.build().unwrap();
        assert_eq!(f.max_flow(0, n - 1), 3);
    }

    fn oracle(n: u32, edges: &[(u32, u32, Cap)], s: u32, t: u32) -> i64 {
        // pathfinding takes one capacity per ordered pair: add parallel edges up.
        let mut caps: HashMap<(u32, u32), i64> = HashMap::new();
        for &(u, v, c) in edges {
            if u != v {
                *caps.entry((u, v)).or_default() += c as i64;
            }
        }
        let vertices: Vec<u32> = (0..n).collect();
        let (_, total, _) = pathfinding::directed::edmonds_karp::edmonds_karp_sparse(&vertices, &s, &t, caps);
        total
    }

    fn graphs() -> impl Strategy<Value = (u32, Vec<(u32, u32, Cap)>, u32, u32)> {
        (2u32..14).prop_flat_map(|n| {
            (Just(n), prop::collection::vec((0..n, 0..n, 0u64..25), 0..60), 0..n, 0..n)
                .prop_filter("source and sink differ", |(_, _, s, t)| s != t)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_edmonds_karp((n, edges, s, t) in graphs()) {
            let mut f = net(n, &edges);
            let flow = f.max_flow(s, t);
            prop_assert_eq!(flow as i64, oracle(n, &edges, s, t));

            // The cut is a cut: its capacity is the flow, and without it t is out of reach.
            let cut = f.min_cut(s);
            prop_assert_eq!(cut.iter().map(|e| f.capacity(*e)).sum::<Cap>(), flow);
            let mut g = f.clone();
            for e in &cut {
                g.set_capacity(*e, 0);
            }
            prop_assert_eq!(g.max_flow(s, t), 0);

            // Flow conservation at every inner node, and no edge over capacity.
            let mut balance = vec![0i64; n as usize];
            for e in 0..f.edges() as u32 {
                let e = EdgeId(e);
                prop_assert!(f.flow(e) <= f.capacity(e));
                balance[f.tail(e) as usize] -= f.flow(e) as i64;
                balance[f.head(e) as usize] += f.flow(e) as i64;
            }
            for (x, b) in balance.iter().enumerate() {
                if x as u32 != s && x as u32 != t {
                    prop_assert_eq!(*b, 0);
                }
            }
            prop_assert_eq!(balance[t as usize], flow as i64);
        }

        #[test]
        fn raising_capacities_continues_the_flow((n, edges, s, t) in graphs(), raise in prop::collection::vec(0u64..10, 60)) {
            let mut f = net(n, &edges);
            f.max_flow(s, t);
            let order = f.edge_order();
            let raised: Vec<Cap> = order.iter().map(|e| f.capacity(*e) + raise[e.ix() % raise.len()]).collect();
            prop_assert!(f.raise_capacities(raised.iter().copied()));
            let warm = f.augment_more(s, t);
            let mut cold = f.clone();
            prop_assert_eq!(warm, cold.max_flow(s, t));
            let bigger: Vec<(u32, u32, Cap)> =
                order.iter().zip(&raised).map(|(e, c)| (f.tail(*e), f.head(*e), *c)).collect();
            prop_assert_eq!(warm as i64, oracle(n, &bigger, s, t));
        }

        #[test]
        fn uncuttable_edges_are_found((n, edges, s, t) in graphs(), inf in prop::collection::vec(any::<bool>(), 60)) {
            let edges: Vec<(u32, u32, Cap)> = edges
                .iter()
                .zip(&inf)
                .map(|(&(u, v, c), &i)| (u, v, if i { INF } else { c }))
                .collect();
            let mut f = net(n, &edges);
            let flow = f.max_flow(s, t);
            let path = f.infinite_path(s, t);
            prop_assert_eq!(flow >= INF, path.is_some());
            if flow < INF {
                // Finite: the same value as with the uncuttable edges at a capacity above every cut.
                let big: Cap = edges.iter().filter(|e| e.2 < INF).map(|e| e.2).sum::<Cap>() + 1;
                let capped: Vec<(u32, u32, Cap)> = edges.iter().map(|&(u, v, c)| (u, v, c.min(big))).collect();
                prop_assert_eq!(flow as i64, oracle(n, &capped, s, t));
            }
        }
    }
}
