//! `interlock contain` and `interlock reach`: what an attacker on the footholds can reach, and
//! the least harmful set of actions that cuts them off from what must be protected.
//!
//! `contain` also has a hidden `--bench-export DIR` (used by `bench/peers.sh`): it times the
//! engine's reachability and min-cut in-process and writes the attack graph and the flow
//! network as binary edge lists for the peer libraries (format at the top of bench/peers.py).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use impact::plan::{Blocked, Containment, Plan, Protect};
use impact::reach::{Node, Step};
use impact::{AttackGraph, Foothold, Graph, PlanOptions};
use serde_json::json;
use site_model::{AssetIx, Site};

use crate::impact_cli::load_site;

#[derive(clap::Args)]
pub struct ContainArgs {
    /// The site model directory.
    pub dir: PathBuf,
    /// What the attacker holds (repeatable): an asset id, account:ID, pathway:VENDOR/ID or vendor:ID.
    #[arg(long = "compromised", required = true)]
    pub compromised: Vec<String>,
    /// What must be protected (repeatable): an asset id or process:ID. Default: every asset of
    /// the control, view and safety lists of every critical or high process.
    #[arg(long = "protect")]
    pub protect: Vec<String>,
    /// Ranked alternatives to show besides the best plan.
    #[arg(long, default_value_t = 3)]
    pub alternatives: usize,
    /// Do not consider island mode.
    #[arg(long)]
    pub no_island: bool,
    /// Print the result as JSON (documented in docs/actions.md).
    #[arg(long)]
    pub json: bool,
    /// Explanations to print per section (text output).
    #[arg(long, default_value_t = 12)]
    pub max: usize,
    /// Benchmarks: time reachability and min-cut in-process and write edge lists to DIR.
    #[arg(long, hide = true, value_name = "DIR")]
    pub bench_export: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ReachArgs {
    /// The site model directory.
    pub dir: PathBuf,
    /// What the attacker holds (repeatable): an asset id, account:ID, pathway:VENDOR/ID or vendor:ID.
    #[arg(long = "compromised", required = true)]
    pub compromised: Vec<String>,
    /// Print the result as JSON (documented in docs/actions.md).
    #[arg(long)]
    pub json: bool,
    /// Critical assets to list with their paths (text and JSON).
    #[arg(long, default_value_t = 12)]
    pub max: usize,
}

/// Parses every foothold, reporting all the bad ones at once.
fn parse_footholds(site: &Site, texts: &[String]) -> Result<Vec<Foothold>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for t in texts {
        match Foothold::parse(site, t) {
            Ok(f) if !out.contains(&f) => out.push(f),
            Ok(_) => {}
            Err(e) => errors.push(format!("--compromised \"{t}\": {}", e.explain())),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(anyhow!("{}", errors.join("\n"))) }
}

fn parse_protect(site: &Site, texts: &[String]) -> Result<Vec<Protect>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for t in texts {
        match Protect::parse(site, t) {
            Ok(p) => out.push(p),
            Err(e) => errors.push(format!("--protect \"{t}\": {}", e.explain())),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(anyhow!("{}", errors.join("\n"))) }
}

struct Loaded {
    site: Site,
    graph: Graph,
    attack: AttackGraph,
    footholds: Vec<Foothold>,
    compile_s: f64,
}

fn load(dir: &Path, compromised: &[String]) -> Result<std::result::Result<Loaded, ExitCode>> {
    let site = load_site(dir)?;
    let footholds = match parse_footholds(&site, compromised) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Err(ExitCode::from(1)));
        }
    };
    let started = Instant::now();
    let graph = Graph::compile(&site);
    let attack = AttackGraph::compile(&site, &graph)?;
    let compile_s = started.elapsed().as_secs_f64();
    Ok(Ok(Loaded { site, graph, attack, footholds, compile_s }))
}

// ---------------------------------------------------------------------------------- reach

pub fn run_reach(args: &ReachArgs) -> Result<ExitCode> {
    let l = match load(&args.dir, &args.compromised)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let started = Instant::now();
    let starts = impact::reach::foothold_nodes(&l.site, &l.footholds);
    let reach = l.attack.reach(&starts);
    let search_s = started.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &site_json::reach_json(&l.site, &l.footholds, &reach, args.max))?;
        writeln!(out)?;
    } else {
        print_reach(&l, &reach, args.max, l.compile_s, search_s, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn ids(site: &Site, v: &[AssetIx], max: usize) -> String {
    let mut s: Vec<String> = v.iter().take(max).map(|a| site.asset(*a).id.to_string()).collect();
    if v.len() > max {
        s.push(format!("and {} more", v.len() - max));
    }
    s.join(", ")
}

fn print_steps(site: &Site, steps: &[Step], indent: &str, out: &mut dyn Write) -> Result<()> {
    for (i, s) in steps.iter().enumerate() {
        writeln!(out, "{indent}{}. {}", i + 1, s.describe(site))?;
    }
    Ok(())
}

fn print_reach(
    l: &Loaded,
    reach: &impact::Reach<'_>,
    max: usize,
    compile_s: f64,
    search_s: f64,
    out: &mut dyn Write,
) -> Result<()> {
    let site = &l.site;
    writeln!(out, "Attacker reach on {} (site version {})", site.info.name, site.version())?;
    let fh: Vec<String> = l.footholds.iter().map(|f| f.describe(site)).collect();
    writeln!(out, "Compromised: {}", fh.join(", "))?;
    let (a, c, p) = site_json::reach_counts(reach);
    let critical = reach.critical_assets(site);
    writeln!(
        out,
        "Reached: {a} asset{} ({} critical), {c} account{}, {p} vendor pathway{}",
        if a == 1 { "" } else { "s" },
        critical.len(),
        if c == 1 { "" } else { "s" },
        if p == 1 { "" } else { "s" }
    )?;

    let procs = reach.processes(site);
    if procs.is_empty() {
        writeln!(out, "\nNo critical process is reached.")?;
    } else {
        writeln!(out, "\nCritical processes reached (one shortest attack path to the nearest member)")?;
        for pr in procs.iter().take(max) {
            let proc_ = &site.processes[pr.process];
            let mut parts = Vec::new();
            for (what, v) in
                [("safety", &pr.safety), ("controllers", &pr.control), ("stations", &pr.view), ("alarms", &pr.alarm)]
            {
                if !v.is_empty() {
                    parts.push(format!("{what} {}", ids(site, v, 4)));
                }
            }
            writeln!(out, "  {} [{}]: {}", proc_.name, proc_.criticality, parts.join("; "))?;
            if let Some(near) = pr.nearest(reach) {
                print_steps(site, &reach.path(Node::Asset(near)), "      ", out)?;
            }
        }
        if procs.len() > max {
            writeln!(out, "  ... and {} more processes (--max)", procs.len() - max)?;
        }
    }

    if !critical.is_empty() {
        writeln!(out, "\nCritical assets reached, nearest first")?;
        for x in critical.iter().take(max) {
            let asset = site.asset(*x);
            let path = reach.path(Node::Asset(*x));
            let via: Vec<String> = path.iter().map(|s| s.to.describe(site)).collect();
            writeln!(
                out,
                "  {} ({} {}, {} step{}): {}{}",
                asset.id,
                asset.criticality,
                asset.kind,
                path.len(),
                if path.len() == 1 { "" } else { "s" },
                path.first().map(|s| s.from.describe(site)).unwrap_or_else(|| "foothold".into()),
                if via.is_empty() { String::new() } else { format!(" -> {}", via.join(" -> ")) }
            )?;
        }
        if critical.len() > max {
            writeln!(out, "  ... and {} more (--max to see them, --json for paths)", critical.len() - max)?;
        }
    }

    let conduits = reach.conduits(site);
    if !conduits.is_empty() {
        let list: Vec<String> = conduits
            .iter()
            .take(max)
            .map(|(c, n)| format!("{} ({n} reached behind it)", site.conduits[c.ix()].id))
            .collect();
        writeln!(out, "\nConduits the attack paths cross: {}", list.join(", "))?;
    }
    writeln!(
        out,
        "\nAttack graph: {} nodes, {} edges, compiled in {:.3} s; searched in {:.4} s",
        l.attack.nodes(),
        l.attack.edge_count(),
        compile_s,
        search_s
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------- contain

pub fn run_contain(args: &ContainArgs) -> Result<ExitCode> {
    let l = match load(&args.dir, &args.compromised)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let protect = match parse_protect(&l.site, &args.protect) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(dir) = &args.bench_export {
        return bench_export(&l, &protect, dir);
    }
    let options = PlanOptions { alternatives: args.alternatives, island: !args.no_island };
    let started = Instant::now();
    let c = impact::plan(&l.site, &l.graph, &l.attack, &l.footholds, &protect, &options)?;
    let plan_s = started.elapsed().as_secs_f64();
    // How the attacker gets to the nearest protected asset now, to explain the plan.
    let now = site_json::attacker_path(&l.site, &l.attack, &l.footholds, &protect, &c);

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &site_json::contain_json(&l.site, &protect, &c, &now))?;
        writeln!(out)?;
    } else {
        print_contain(&l, &protect, &c, &now, args.max, l.compile_s, plan_s, &mut out)?;
    }
    out.flush()?;
    Ok(if c.plans.is_empty() && c.blocked.is_some() { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

fn protected_words(site: &Site, protect: &[Protect]) -> String {
    if protect.is_empty() {
        "the control, view and safety assets of every critical and high process".into()
    } else {
        protect.iter().map(|p| p.describe(site)).collect::<Vec<_>>().join(", ")
    }
}

fn cost_words(p: &Plan) -> String {
    match p.cost {
        Some(c) => format!("cost {c}"),
        None => "cost: unsafe".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn print_contain(
    l: &Loaded,
    protect: &[Protect],
    c: &Containment,
    now: &[Step],
    max: usize,
    compile_s: f64,
    plan_s: f64,
    out: &mut dyn Write,
) -> Result<()> {
    let site = &l.site;
    writeln!(out, "Containment on {} (site version {})", site.info.name, site.version())?;
    let fh: Vec<String> = c.footholds.iter().map(|f| f.describe(site)).collect();
    writeln!(out, "Compromised: {}", fh.join(", "))?;
    writeln!(
        out,
        "Protected: {} assets ({}); the attacker reaches {} of them now",
        c.protected,
        protected_words(site, protect),
        c.reached_protected
    )?;
    if !c.compromised_protected.is_empty() {
        writeln!(out, "Already compromised, so no longer protectable: {}", ids(site, &c.compromised_protected, max))?;
    }
    if !now.is_empty() {
        writeln!(out, "\nHow the attacker gets there now (the nearest protected asset)")?;
        print_steps(site, now, "  ", out)?;
    }

    if c.reached_protected == 0 {
        writeln!(out, "\nNothing protected is reachable from the footholds: no containment action is needed for it.")?;
    }
    if let Some(b) = &c.blocked {
        print_blocked(site, b, c.plans.is_empty(), out)?;
    }
    if let Some(best) = c.best() {
        writeln!(
            out,
            "\nBest plan ({}, verdict {}): {}",
            cost_words(best),
            best.impact.verdict.word().to_uppercase(),
            if best.verified {
                "severs every attacker path to the protected assets (checked on the attack graph) and cuts no protected flow"
            } else {
                "WARNING: the attack-graph check still finds a path; do not rely on this plan"
            }
        )?;
        for (i, a) in best.actions.iter().enumerate() {
            writeln!(out, "  {}. {}", i + 1, a.text)?;
        }
        writeln!(out, "\n--- what the best plan does ---")?;
        crate::impact_cli::print(site, &best.impact, max, out)?;
        writeln!(out, "---")?;
        if c.plans.len() > 1 {
            writeln!(out, "\nAlternatives, ranked (safe before unsafe, then by the cost of their combined impact)")?;
            for (i, p) in c.plans.iter().enumerate().skip(1) {
                let texts: Vec<&str> = p.texts();
                writeln!(
                    out,
                    "  {}. {}, {}{}: {}",
                    i + 1,
                    cost_words(p),
                    p.impact.verdict.word(),
                    if p.without.is_empty() { String::new() } else { format!(" (without {})", p.without.join(", ")) },
                    texts.join("; ")
                )?;
                if !p.verified {
                    writeln!(out, "     WARNING: the attack-graph check still finds a path")?;
                }
            }
        }
    }
    let s = &c.stats;
    writeln!(
        out,
        "\nPlanned in {plan_s:.3} s (graphs compiled in {compile_s:.3} s): {} relevant nodes; flow network of {} nodes, {} edges, {} candidate actions; {} max-flow solves, {} impact analyses",
        s.relevant, s.nodes, s.edges, s.candidates, s.solves, s.analysed
    )?;
    Ok(())
}

fn print_blocked(site: &Site, b: &Blocked, alone: bool, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\nBLOCKED{}: every way to cut the attacker off cuts a protected flow.",
        if alone { "" } else { " without island mode" }
    )?;
    writeln!(out, "  An attacker path none of whose steps can be cut:")?;
    print_steps(site, &b.path, "    ", out)?;
    if !b.flows.is_empty() {
        writeln!(out, "  The protected flows in the way:")?;
        for f in &b.flows {
            writeln!(out, "    {}", f.describe(site))?;
        }
    }
    writeln!(
        out,
        "  Decide with the process owner: accept the exposure under watch, or cut a protected flow knowingly\n  (`interlock impact` shows what it costs, e.g. switch-to-manual or shut-down of the process)."
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------- benchmarks

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn write_u32s(path: &Path, v: impl Iterator<Item = u32>) -> Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for x in v {
        w.write_all(&x.to_le_bytes())?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))
}

fn write_u64s(path: &Path, v: impl Iterator<Item = u64>) -> Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for x in v {
        w.write_all(&x.to_le_bytes())?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))
}

/// Times the engine's reachability and min-cut in-process, writes both graphs as binary edge
/// lists, and prints one JSON object (read by bench/peers.py).
fn bench_export(l: &Loaded, protect: &[Protect], dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let site = &l.site;
    let starts = impact::reach::foothold_nodes(site, &l.footholds);

    // Reachability: breadth-first search from the footholds over the compiled CSR.
    let mut reach_times = Vec::new();
    let mut reached = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let r = l.attack.reach(&starts);
        reach_times.push(t.elapsed().as_secs_f64());
        reached = r.count();
    }

    // The planner's flow network (its first solve, proxy costs), and its maximum flow.
    let t = Instant::now();
    let net = impact::plan::network(site, &l.graph, &l.attack, &l.footholds, protect)?;
    let network_s = t.elapsed().as_secs_f64();
    let mut net = net.ok_or_else(|| anyhow!("the footholds reach nothing protected: no min-cut to measure"))?;
    let mut flow_times = Vec::new();
    let mut value = 0;
    for _ in 0..5 {
        let t = Instant::now();
        value = net.max_flow();
        flow_times.push(t.elapsed().as_secs_f64());
    }

    // The whole planner, as `interlock contain` runs it (three alternatives, island mode).
    let t = Instant::now();
    let c = impact::plan(site, &l.graph, &l.attack, &l.footholds, protect, &PlanOptions::default())?;
    let plan_s = t.elapsed().as_secs_f64();

    // Attack graph plus a super-source (node n) with an edge to every foothold.
    let (offsets, targets) = l.attack.forward_rows();
    let n = l.attack.nodes() as u32;
    let src: Vec<u32> = (0..n)
        .flat_map(|u| std::iter::repeat_n(u, (offsets[u as usize + 1] - offsets[u as usize]) as usize))
        .chain(starts.iter().map(|_| n))
        .collect();
    let dst: Vec<u32> = targets.iter().copied().chain(starts.iter().map(|s| l.attack.index(*s))).collect();
    write_u32s(&dir.join("attack_src.u32"), src.iter().copied())?;
    write_u32s(&dir.join("attack_dst.u32"), dst.iter().copied())?;

    // Flow network: uncuttable edges at a capacity above the sum of all finite ones.
    let finite: u64 = net.edges().map(|e| e.2).filter(|c| *c < impact::flow::INF).sum();
    let big = finite + 1;
    write_u32s(&dir.join("flow_src.u32"), net.edges().map(|e| e.0))?;
    write_u32s(&dir.join("flow_dst.u32"), net.edges().map(|e| e.1))?;
    write_u64s(&dir.join("flow_cap.u64"), net.edges().map(|e| e.2.min(big)))?;

    let report = json!({
        "assets": site.assets.len(),
        "dependencies": site.dependencies.len(),
        "compromised": l.footholds.iter().map(|f| f.describe(site)).collect::<Vec<_>>(),
        "compile_s": l.compile_s,
        "attack": {"nodes": n + 1, "edges": src.len(), "source": n, "reached": reached,
                   "bytes": l.attack.bytes(), "bfs_s": median(reach_times)},
        "flow": {"nodes": net.nodes(), "edges": net.edge_count(), "source": net.source(), "sink": net.sink(),
                 "big": big, "value": value, "build_s": network_s, "maxflow_s": median(flow_times),
                 "bytes": net.bytes()},
        "plan": {"seconds": plan_s, "best": c.best().map(|p| p.texts()).unwrap_or_default(),
                 "solves": c.stats.solves, "analysed": c.stats.analysed},
    });
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &report)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
