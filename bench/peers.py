#!/usr/bin/env python3
"""Interlock's impact engine against igraph, rustworkx and NetworkX: reachability and s-t min-cut.

Run by bench/peers.sh (which builds Interlock, generates the sites and makes the venv):

    python bench/peers.py compare EXPORT_DIR [--timeout 300] [--memory-gib 12]

EXPORT_DIR is what `interlock contain SITE --compromised ... --bench-export EXPORT_DIR` wrote:
report.json (Interlock's own in-process timings) and the two graphs as little-endian binary
edge lists (u32 node numbers, u64 capacities):

    attack_src.u32, attack_dst.u32         the attack graph, plus a super-source S (node
                                           report["attack"]["source"]) with an edge to every
                                           foothold
    flow_src.u32, flow_dst.u32, flow_cap.u64   the planner's flow network (first solve)

What "equivalent" means here, exactly:

* Reachability. The same directed graph (the attack graph Interlock compiles from the site:
  dependency flows, pushes of authentication/patching/remote-access/backup, credential
  exposure and logins, vendor pathways), the same sources (every foothold, through S), the same
  question: the set of nodes reachable from the footholds. Interlock runs its breadth-first
  search from the footholds on its compressed sparse rows (`AttackGraph::reach`, which also
  records one parent edge per node for the attack paths); igraph runs `subcomponent(S,
  mode="out")`, rustworkx `descendants(S)`, NetworkX `descendants(G, S)`. Each must report the
  same number of nodes (Interlock counts the footholds, the peers count S's descendants: the
  same set).
* s-t min-cut. The same directed flow network (node-split assets, accounts and pathways, gates,
  conduit nodes, super-source and super-sink), the same source and sink, the same capacities,
  with Interlock's "uncuttable" capacity replaced by BIG = 1 + the sum of all finite
  capacities in the export (so no minimum cut can contain one, and the value is unchanged).
  The question: the maximum flow value (= the minimum cut's capacity). Interlock runs Dinic
  (`ContainmentNetwork::max_flow`, from zero flow, resetting its residual capacities first);
  igraph `maxflow_value(s, t, capacity)`; NetworkX `maximum_flow_value(G, s, t)` (its default,
  preflow-push). NetworkX's DiGraph cannot hold parallel edges, so parallel edges are merged
  with their capacities added (the same maximum flow). rustworkx has no s-t maximum flow
  (only `stoer_wagner_min_cut`, a global minimum cut of an undirected graph: not the same
  question), so it is reported as "n/a" and never compared. Each value must equal Interlock's.
* Timing. Only the computation: building each library's graph (and Interlock's load and
  compile) is excluded, and reported separately. Each computation runs 3 times in one
  process; the median is reported. Interlock's timings are in-process medians too (7 runs for
  reachability, 5 for max-flow).
* Each peer runs in its own process with a wall-clock timeout (default 300 s, graph building
  included) and an address-space limit (default 12 GiB); "timeout" and "out of memory" are
  reported as such.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 3


def load(d: Path, kind: str):
    import numpy as np

    if kind == "attack":
        return np.fromfile(d / "attack_src.u32", dtype="<u4"), np.fromfile(d / "attack_dst.u32", dtype="<u4")
    return (
        np.fromfile(d / "flow_src.u32", dtype="<u4"),
        np.fromfile(d / "flow_dst.u32", dtype="<u4"),
        np.fromfile(d / "flow_cap.u64", dtype="<u8"),
    )


def timed(fn):
    times, result = [], None
    for _ in range(RUNS):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def run_peer(peer: str, comp: str, d: Path) -> dict:
    rep = json.loads((d / "report.json").read_text())
    t0 = time.perf_counter()
    if comp == "reach":
        src, dst = load(d, "attack")
        n, s = rep["attack"]["nodes"], rep["attack"]["source"]
        if peer == "igraph":
            import igraph as ig

            g = ig.Graph(n=n, edges=list(zip(src.tolist(), dst.tolist())), directed=True)
            build = time.perf_counter() - t0
            secs, res = timed(lambda: len(g.subcomponent(s, mode="out")) - 1)
        elif peer == "rustworkx":
            import rustworkx as rx

            g = rx.PyDiGraph(multigraph=True)
            g.add_nodes_from(range(n))
            g.add_edges_from_no_data(list(zip(src.tolist(), dst.tolist())))
            build = time.perf_counter() - t0
            secs, res = timed(lambda: len(rx.descendants(g, s)))
        else:
            import networkx as nx

            g = nx.DiGraph()
            g.add_nodes_from(range(n))
            g.add_edges_from(zip(src.tolist(), dst.tolist()))
            build = time.perf_counter() - t0
            secs, res = timed(lambda: len(nx.descendants(g, s)))
        return {"seconds": secs, "result": res, "build_s": build}

    src, dst, cap = load(d, "flow")
    n, s, t = rep["flow"]["nodes"], rep["flow"]["source"], rep["flow"]["sink"]
    if peer == "igraph":
        import igraph as ig

        g = ig.Graph(n=n, edges=list(zip(src.tolist(), dst.tolist())), directed=True)
        g.es["cap"] = cap.astype("float64").tolist()
        build = time.perf_counter() - t0
        secs, res = timed(lambda: g.maxflow_value(s, t, capacity="cap"))
        return {"seconds": secs, "result": int(round(res)), "build_s": build}
    if peer == "networkx":
        import networkx as nx
        import numpy as np

        # Merge parallel edges (DiGraph keeps one edge per ordered pair), adding capacities.
        key = src.astype(np.uint64) << np.uint64(32) | dst.astype(np.uint64)
        uniq, inv = np.unique(key, return_inverse=True)
        summed = np.zeros(len(uniq), dtype=np.uint64)
        np.add.at(summed, inv, cap)
        us = (uniq >> np.uint64(32)).astype(np.int64).tolist()
        vs = (uniq & np.uint64(0xFFFFFFFF)).astype(np.int64).tolist()
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from((u, v, {"capacity": int(c)}) for u, v, c in zip(us, vs, summed.tolist()))
        build = time.perf_counter() - t0
        secs, res = timed(lambda: nx.maximum_flow_value(g, s, t, capacity="capacity"))
        return {"seconds": secs, "result": int(res), "build_s": build}
    return {"na": "rustworkx has no s-t maximum flow (stoer_wagner_min_cut is a global undirected cut: not equivalent)"}


def child(args):
    limit = int(args.memory_gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        out = run_peer(args.peer, args.comp, Path(args.dir))
    except MemoryError:
        out = {"error": "out of memory"}
    print(json.dumps(out))


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def compare(args):
    d = Path(args.dir)
    rep = json.loads((d / "report.json").read_text())
    mine = {
        "reach": (rep["attack"]["bfs_s"], rep["attack"]["reached"]),
        "mincut": (rep["flow"]["maxflow_s"], rep["flow"]["value"]),
    }
    rows, ok = [], True
    for comp in ("reach", "mincut"):
        ms, mres = mine[comp]
        for peer in ("igraph", "rustworkx", "networkx"):
            cmd = [sys.executable, __file__, "child", peer, comp, str(d), "--memory-gib", str(args.memory_gib)]
            t = time.perf_counter()
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
                res = json.loads(line) if line else {"error": (p.stderr.strip().splitlines() or ["crashed"])[-1]}
                if p.returncode != 0 and "error" not in res:
                    res = {"error": f"exit {p.returncode}"}
                if p.returncode < 0 or "MemoryError" in p.stderr or "std::bad_alloc" in p.stderr:
                    res = {"error": f"out of memory ({args.memory_gib} GiB limit)"}
            except subprocess.TimeoutExpired:
                res = {"error": f"timeout ({args.timeout} s, graph building included)"}
            wall = time.perf_counter() - t
            if "na" in res:
                rows.append((comp, peer, ms, None, "n/a", res["na"]))
                continue
            if "error" in res:
                rows.append((comp, peer, ms, None, res["error"], f"after {wall:.0f} s"))
                continue
            same = res["result"] == mres
            ratio = ms / res["seconds"] if res["seconds"] > 0 else float("inf")
            faster = ratio < 1
            ok = ok and same and faster
            note = f"build {fmt_s(res['build_s'])}" + ("" if same else f"; MISMATCH: {res['result']} vs {mres}")
            rows.append((comp, peer, ms, res["seconds"], f"{ratio:.3f}", note))
    print(
        f"\n{rep['assets']} assets, {rep['dependencies']} dependencies; compromised: {', '.join(rep['compromised'])}"
    )
    print(
        f"  attack graph {rep['attack']['nodes']} nodes, {rep['attack']['edges']} edges, {rep['attack']['reached']} reached;"
        f" flow network {rep['flow']['nodes']} nodes, {rep['flow']['edges']} edges, max-flow {rep['flow']['value']}"
    )
    print(
        f"  Interlock (not in the ratios): graph compile {fmt_s(rep['compile_s'])}, flow network build {fmt_s(rep['flow']['build_s'])},"
        f" whole containment plan {fmt_s(rep['plan']['seconds'])} ({rep['plan']['solves']} max-flow solves, {rep['plan']['analysed']} impact analyses)"
    )
    print(f"  {'computation':<8} {'peer':<10} {'interlock':>10} {'peer':>10} {'interlock/peer':>15}  notes")
    for comp, peer, ms, ps, ratio, note in rows:
        print(f"  {comp:<8} {peer:<10} {fmt_s(ms):>10} {fmt_s(ps):>10} {ratio:>15}  {note}")
    (d / "peers.json").write_text(json.dumps([dict(zip(["comp", "peer", "interlock_s", "peer_s", "ratio", "note"], r)) for r in rows]))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare")
    c.add_argument("dir")
    c.add_argument("--timeout", type=float, default=300)
    c.add_argument("--memory-gib", type=float, default=12)
    k = sub.add_parser("child")
    k.add_argument("peer")
    k.add_argument("comp")
    k.add_argument("dir")
    k.add_argument("--memory-gib", type=float, default=12)
    args = ap.parse_args()
    if args.cmd == "child":
        child(args)
    else:
        sys.exit(0 if compare(args) else 1)


if __name__ == "__main__":
    main()
