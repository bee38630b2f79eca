//! `interlock bench-engine DIR` (hidden): the impact engine's numbers on one site (issue 3).
//!
//! Loads the site once (not timed), then times, each sample on a fresh choice of target from a
//! fixed-seed generator so that runs are comparable:
//! - compiling the model into the engine's graph (`Graph::compile`), with `Graph::bytes()` and
//!   the resident-memory growth the compile causes (`VmRSS` from `/proc/self/status`);
//! - the impact of one action (`impact::analyze`, parse included) at asset level (take-offline and
//!   isolate of a random asset), zone level (isolate of a random zone) and island mode;
//! - single points of failure of one process (`impact::spof::find`, one random critical/high
//!   process) and the restoration order of 10 000 random assets (`impact::order::restore_order`).
//!
//! Prints one row per step: samples, p50, p90 and max in milliseconds, the budget and p50 over
//! the budget. `bench/impact.sh` runs it on generated sites of 10k, 100k and 1M assets.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use impact::{Action, Graph};
use site_model::{AssetIx, Criticality, Site, ZoneIx};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The site model directory (e.g. one written by `interlock site generate`).
    pub dir: PathBuf,
    /// Samples per step.
    #[arg(long, default_value_t = 50)]
    pub samples: usize,
    /// Seed of the target choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Assets to order in the restore-order step.
    #[arg(long, default_value_t = 10_000)]
    pub order_assets: usize,
    /// Samples of the spof and restore-order steps.
    #[arg(long, default_value_t = 3)]
    pub spof_samples: usize,
    /// Exit with status 1 when a p50 is over its budget or the graph over 1 GiB.
    #[arg(long)]
    pub check: bool,
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Row {
    step: String,
    ms: Vec<f64>,
    budget_ms: Option<f64>,
    note: String,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_secs_f64() * 1000.0)
}

/// Writes a random action of one kind.
type MakeAction = fn(&Site, &mut Rng) -> String;

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let (site, load_ms) = time(|| crate::impact_cli::load_site(&args.dir));
    let site = site?;
    let n = site.assets.len();
    if n == 0 {
        bail!("the site has no assets");
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "site {}: {} assets, {} dependencies, {} zones, {} conduits, {} processes (loaded in {:.2} s)",
        args.dir.display(),
        n,
        site.dependencies.len(),
        site.zones.len(),
        site.conduits.len(),
        site.processes.len(),
        load_ms / 1000.0
    )?;
    // Budgets are the at 1M assets; smaller sites are held to them as they are.
    let mut rows: Vec<Row> = Vec::new();
    let mut rng = Rng(args.seed);

    // Compile: the first sample also measures the memory the graph takes.
    let rss0 = rss_kib();
    let (graph, first) = time(|| Graph::compile(&site));
    let rss1 = rss_kib();
    let mut ms = vec![first];
    for _ in 1..args.samples.clamp(1, 5) {
        ms.push(time(|| Graph::compile(&site)).1);
    }
    let bytes = graph.bytes();
    let delta = match (rss0, rss1) {
        (Some(a), Some(b)) => format!("RSS +{} MiB while compiling", b.saturating_sub(a) / 1024),
        _ => "RSS not available".into(),
    };
    rows.push(Row {
        step: "compile (Graph::compile)".into(),
        ms,
        budget_ms: Some(5000.0),
        note: format!("Graph::bytes {} MiB, {delta} (budget 1024 MiB)", bytes / (1 << 20)),
    });

    let mut analyze_row = |step: &str, budget: f64, texts: Vec<String>| -> Result<()> {
        let mut ms = Vec::new();
        let mut broken = 0usize;
        for t in &texts {
            let (r, m) = time(|| -> Result<usize> {
                let a = Action::parse(&site, t).map_err(|e| anyhow::anyhow!("{t}: {}", e.explain()))?;
                let i = impact::analyze(&site, &graph, std::slice::from_ref(&a));
                Ok(i.broken.len())
            });
            broken = broken.max(r?);
            ms.push(m);
        }
        rows.push(Row {
            step: step.into(),
            ms,
            budget_ms: Some(budget),
            note: format!(
                "e.g. '{}', up to {broken} dependencies broken",
                texts.first().map(|s| s.as_str()).unwrap_or("")
            ),
        });
        Ok(())
    };
    let asset = |rng: &mut Rng| &*site.asset(AssetIx(rng.below(n) as u32)).id;
    let offline: Vec<String> = (0..args.samples).map(|_| format!("take-offline {}", asset(&mut rng))).collect();
    analyze_row("impact: take-offline ASSET", 10.0, offline)?;
    let isolate: Vec<String> = (0..args.samples).map(|_| format!("isolate {}", asset(&mut rng))).collect();
    analyze_row("impact: isolate ASSET", 10.0, isolate)?;
    let zones: Vec<String> = (0..args.samples)
        .map(|_| format!("isolate zone:{}", site.zone(ZoneIx(rng.below(site.zones.len()) as u32)).id))
        .collect();
    analyze_row("impact: isolate zone:ZONE", 10.0, zones)?;
    let island: Vec<String> = (0..args.samples.clamp(1, 20)).map(|_| "island-mode".to_string()).collect();
    analyze_row("impact: island-mode", 200.0, island)?;

    // The authority matrix: the requirement for one proposed action, impact included (issue 5:
    // p50 at most 20 ms at 1M assets), on a mix of actions.
    if site.authority.is_some() {
        let engine = authority::Engine { site: &site, graph: &graph };
        let kinds: [(&str, MakeAction); 3] = [
            ("take-offline ASSET", |s, r| {
                format!("take-offline {}", s.asset(AssetIx(r.below(s.assets.len()) as u32)).id)
            }),
            ("isolate ASSET", |s, r| format!("isolate {}", s.asset(AssetIx(r.below(s.assets.len()) as u32)).id)),
            ("isolate zone:ZONE", |s, r| format!("isolate zone:{}", s.zone(ZoneIx(r.below(s.zones.len()) as u32)).id)),
        ];
        for (what, make) in kinds {
            let mut ms = Vec::new();
            let mut rules = 0usize;
            for _ in 0..args.samples {
                let text = make(&site, &mut rng);
                let (r, m) = time(|| engine.assess(&text, site_model::PhaseWord::Contain));
                let a = r.map_err(|e| anyhow::anyhow!("{text}: {e}"))?;
                rules = rules.max(a.requirement.rules.len());
                ms.push(m);
            }
            rows.push(Row {
                step: format!("requirement: {what}"),
                ms,
                budget_ms: Some(20.0),
                note: format!(
                    "authority::Engine::assess: parse, impact, facts, verdict, {rules} rules matched at most"
                ),
            });
        }
    }

    extra_rows(&site, &graph, args, &mut rng, &mut rows)?;

    writeln!(
        out,
        "{:<34} {:>7} {:>10} {:>10} {:>10} {:>10} {:>9}  note",
        "step", "samples", "p50 ms", "p90 ms", "max ms", "budget", "p50/bud"
    )?;
    for r in &mut rows {
        r.ms.sort_by(|a, b| a.total_cmp(b));
        let p50 = pct(&r.ms, 0.5);
        writeln!(
            out,
            "{:<34} {:>7} {:>10.3} {:>10.3} {:>10.3} {:>10} {:>9}  {}",
            r.step,
            r.ms.len(),
            p50,
            pct(&r.ms, 0.9),
            r.ms.last().copied().unwrap_or(0.0),
            r.budget_ms.map(|b| format!("{b} ms")).unwrap_or_else(|| "-".into()),
            r.budget_ms.map(|b| format!("{:.3}", p50 / b)).unwrap_or_else(|| "-".into()),
            r.note
        )?;
    }
    let gib = bytes as f64 / (1u64 << 30) as f64;
    let rss_gib = match (rss0, rss1) {
        (Some(a), Some(b)) => {
            format!(", RSS grew {:.3} GiB while compiling", b.saturating_sub(a) as f64 / (1u64 << 20) as f64)
        }
        _ => String::new(),
    };
    writeln!(out, "graph memory: Graph::bytes {gib:.3} GiB of the 1 GiB budget ({gib:.3}){rss_gib}")?;
    let over: Vec<&Row> = rows.iter().filter(|r| r.budget_ms.is_some_and(|b| pct(&r.ms, 0.5) > b)).collect();
    for r in &over {
        writeln!(out, "OVER BUDGET: {} p50 {:.3} ms", r.step, pct(&r.ms, 0.5))?;
    }
    if args.check && (!over.is_empty() || gib > 1.0) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn extra_rows(site: &Site, graph: &Graph, args: &BenchArgs, rng: &mut Rng, rows: &mut Vec<Row>) -> Result<()> {
    use impact::order::{self, OrderOptions};
    use impact::spof::{self, SpofOptions};
    let n = site.assets.len();
    // Single points of failure of one critical or high process (its whole dependency closure
    // simulated), a different random process each sample.
    let important: Vec<usize> =
        (0..site.processes.len()).filter(|p| site.processes[*p].criticality >= Criticality::High).collect();
    if !important.is_empty() {
        let mut ms = Vec::new();
        let (mut closure, mut found, mut lone) = (0, 0, 0);
        for _ in 0..args.spof_samples.max(1) {
            let p = important[rng.below(important.len())];
            let opts = SpofOptions { processes: vec![p], ..SpofOptions::default() };
            let (s, m) = time(|| spof::find(site, graph, &opts));
            ms.push(m);
            closure = closure.max(s.processes.first().map(|r| r.candidates).unwrap_or(0));
            found = found.max(s.processes.first().map(|r| r.spofs.len()).unwrap_or(0));
            lone = lone.max(s.lone.len());
        }
        rows.push(Row {
            step: "spof: one process".into(),
            ms,
            budget_ms: None,
            note: format!("up to {closure} assets on the closure simulated, {found} spofs, {lone} lone providers"),
        });
    }
    // The restoration order of random assets.
    let k = args.order_assets.min(n);
    let mut ms = Vec::new();
    let (mut steps, mut through) = (0, 0);
    for _ in 0..args.spof_samples.max(1) {
        let set: Vec<AssetIx> = (0..k).map(|_| AssetIx(rng.below(n) as u32)).collect();
        let (o, m) = time(|| order::restore_order(site, graph, &set, &OrderOptions::default()));
        ms.push(m);
        steps = steps.max(o.steps.len());
        through = through.max(o.looked_through);
    }
    rows.push(Row {
        step: format!("restore-order: {k} assets"),
        ms,
        budget_ms: None,
        note: format!("up to {steps} steps, {through} running assets looked through"),
    });
    Ok(())
}
