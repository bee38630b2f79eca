//! `interlock spof` (single points of failure) and `interlock restore-order` (the restoration
//! order of a set of assets).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use impact::order::{self, OrderOptions, RestoreOrder};
use impact::spof::{self, LoneProvider, ProcessSpof, SpofOptions, Spofs};
use impact::{Category, Graph};
use site_model::diag::nearest;
use site_model::{AssetIx, Function, FunctionSet, Site};

use crate::impact_cli::{load_site, parse_actions};

#[derive(clap::Args)]
pub struct SpofArgs {
    /// The site model directory.
    pub dir: PathBuf,
    /// An asset to consider already lost (repeatable), e.g. a domain controller down in the incident.
    #[arg(long = "assume-down", value_name = "ID", value_delimiter = ',')]
    pub assume_down: Vec<String>,
    /// Examine only this process (repeatable); default: every process of criticality high or critical.
    #[arg(long = "process", value_name = "ID", value_delimiter = ',')]
    pub processes: Vec<String>,
    /// Report a lone provider serving at least this many consumers even when no process depends on it.
    #[arg(long, default_value_t = 2)]
    pub min_consumers: usize,
    /// Entries to list per section and to explain (text), entries to explain (JSON); 0 lists
    /// everything and explains nothing.
    #[arg(long, default_value_t = 10)]
    pub max: usize,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct RestoreOrderArgs {
    /// The site model directory.
    pub dir: PathBuf,
    /// An asset to restore (repeatable, or comma-separated).
    #[arg(long = "asset", value_name = "ID", value_delimiter = ',', required_unless_present = "affected_by")]
    pub assets: Vec<String>,
    /// Restore what this action affects (repeatable for a set of actions), e.g. 'take-offline dc-corp-01'.
    #[arg(long = "affected-by", value_name = "ACTION")]
    pub affected_by: Vec<String>,
    /// Dependency kinds whose provider must come back first (comma-separated); default: all but
    /// logging, remote-access and patching.
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Break ties by stage before criticality.
    #[arg(long)]
    pub stage_first: bool,
    /// The recovery plan's order: only authentication, name-resolution, time and backup come
    /// first; then by stage, then criticality (same as --kinds with those four and --stage-first).
    #[arg(long, conflicts_with_all = ["kinds", "stage_first"])]
    pub recovery: bool,
    /// Print the order as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Resolves asset ids, reporting every unknown one with the nearest known id.
fn resolve_assets(site: &Site, ids: &[String]) -> Result<Vec<AssetIx>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for id in ids.iter().filter(|s| !s.is_empty()) {
        match site.asset_by_id(id) {
            Some(a) => out.push(a),
            None => {
                let hint = nearest(id, site.assets.iter().map(|a| &*a.id).take(200_000))
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                errors.push(format!("unknown asset \"{id}\"{hint}"));
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(anyhow!("{}", errors.join("\n"))) }
}

fn resolve_processes(site: &Site, ids: &[String]) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for id in ids.iter().filter(|s| !s.is_empty()) {
        match site.processes.iter().position(|p| &*p.id == id) {
            Some(p) => out.push(p),
            None => {
                let hint = nearest(id, site.processes.iter().map(|p| &*p.id))
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                errors.push(format!("unknown process \"{id}\"{hint}"));
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(anyhow!("{}", errors.join("\n"))) }
}

fn id(site: &Site, a: AssetIx) -> String {
    site.asset(a).id.to_string()
}

fn ids(site: &Site, v: &[AssetIx], max: usize) -> String {
    let mut s: Vec<String> = v.iter().take(max).map(|a| id(site, *a)).collect();
    if v.len() > max {
        s.push(format!("and {} more", v.len() - max));
    }
    s.join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run_spof(args: &SpofArgs) -> Result<ExitCode> {
    let site = load_site(&args.dir)?;
    let (assume_down, processes) =
        match (resolve_assets(&site, &args.assume_down), resolve_processes(&site, &args.processes)) {
            (Ok(a), Ok(p)) => (a, p),
            (a, p) => {
                for e in [a.err(), p.err()].into_iter().flatten() {
                    eprintln!("error: {e}");
                }
                return Ok(ExitCode::from(1));
            }
        };
    let graph = Graph::compile(&site);
    let options = SpofOptions { assume_down, processes, min_consumers: args.min_consumers };
    let found = spof::find(&site, &graph, &options);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &site_json::spof_json(&site, &graph, &found, args.max))?;
        writeln!(out)?;
    } else {
        print_spof(&site, &graph, &found, args.max, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn role(site: &Site, s: &ProcessSpof) -> &'static str {
    let p = &site.processes[s.process];
    if p.control.contains(&s.asset) {
        "its controller"
    } else if p.safety.contains(&s.asset) {
        "its safety system"
    } else if p.view.contains(&s.asset) {
        "its station"
    } else if p.alarm.contains(&s.asset) {
        "its alarm source"
    } else {
        "its own"
    }
}

pub fn print_spof(site: &Site, g: &Graph, found: &Spofs, max: usize, out: &mut dyn Write) -> Result<()> {
    let (list, explain) = if max == 0 { (usize::MAX, 0) } else { (max, max) };
    writeln!(out, "Single points of failure in {} (site version {})", site.info.name, site.version())?;
    if !found.assume_down.is_empty() {
        writeln!(out, "  assuming already lost: {}", ids(site, &found.assume_down, 20))?;
    }
    writeln!(
        out,
        "  examined {}; simulated the loss of {}, one at a time",
        plural(found.processes.len(), "process", "processes"),
        plural(found.simulated, "asset", "assets")
    )?;

    writeln!(out, "\nCritical processes: the single assets whose loss removes a function entirely")?;
    if found.processes.is_empty() {
        writeln!(out, "  no process of criticality high or critical")?;
    }
    for r in &found.processes {
        let p = &site.processes[r.process];
        writeln!(
            out,
            "\n  {} ({}) [{}], {} assets on its dependency closure",
            p.name, p.id, p.criticality, r.candidates
        )?;
        if !r.already_lost.is_empty() {
            writeln!(
                out,
                "    already lost: {}",
                r.already_lost.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            )?;
        }
        for cat in spof::PROCESS_FUNCTIONS {
            if r.already_lost.contains(&cat) {
                continue;
            }
            let with: Vec<&ProcessSpof> = r.spofs.iter().filter(|s| s.lost.contains(&cat)).collect();
            let names: Vec<String> = with
                .iter()
                .take(list)
                .map(
                    |s| if s.member { format!("{} ({})", id(site, s.asset), role(site, s)) } else { id(site, s.asset) },
                )
                .collect();
            let more = if with.len() > list { format!(", and {} more", with.len() - list) } else { String::new() };
            writeln!(
                out,
                "    {:<8} {}",
                cat.as_str(),
                if with.is_empty() {
                    "no single point of failure".to_string()
                } else {
                    format!("lost with any one of {}{more}", names.join(", "))
                }
            )?;
        }
        // Explain the upstream ones (the process's own assets explain themselves).
        let upstream: Vec<&ProcessSpof> = r.spofs.iter().filter(|s| !s.member).take(explain.min(3)).collect();
        for s in upstream {
            let lost = s.lost.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
            writeln!(out, "    why {} ({lost}):", id(site, s.asset))?;
            for line in spof::explain_process_spof(site, g, &found.assume_down, s) {
                writeln!(out, "      {line}")?;
            }
        }
    }

    writeln!(out, "\nLone providers: the only intact provider of a function to their consumers, by consequence")?;
    if found.lone.is_empty() {
        writeln!(out, "  none")?;
    }
    for (i, l) in found.lone.iter().take(list).enumerate() {
        print_lone(site, g, found, i, l, i < explain, out)?;
    }
    if found.lone.len() > list {
        writeln!(
            out,
            "\n  ... and {} more lone providers (--max to see them, --json for all)",
            found.lone.len() - list
        )?;
    }
    Ok(())
}

fn print_lone(
    site: &Site,
    g: &Graph,
    found: &Spofs,
    i: usize,
    l: &LoneProvider,
    explain: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let a = site.asset(l.provider);
    let new =
        if l.kinds.iter().any(|k| !k.others_lost.is_empty()) { ", alone because the others are lost" } else { "" };
    writeln!(out, "\n  {}. {} ({}, {}{new})", i + 1, a.id, a.kind, a.criticality)?;
    for k in &l.kinds {
        let others = if k.others_lost.is_empty() {
            String::new()
        } else {
            format!(" (its other providers are lost: {})", ids(site, &k.others_lost, 6))
        };
        writeln!(
            out,
            "     the only {} for {}: {}{others}",
            k.kind,
            plural(k.consumers.len(), "consumer", "consumers"),
            ids(site, &k.consumers, 8)
        )?;
    }
    let mut effects = Vec::new();
    if !l.stations.is_empty() {
        effects.push(format!("nobody can log into {}", ids(site, &l.stations, 6)));
    }
    for cat in spof::PROCESS_FUNCTIONS {
        let hit: Vec<&(usize, Category, bool)> = l.processes.iter().filter(|(_, c, _)| *c == cat).collect();
        if hit.is_empty() {
            continue;
        }
        let lost: Vec<&str> = hit.iter().filter(|x| x.2).map(|x| &*site.processes[x.0].id).collect();
        let degraded: Vec<&str> = hit.iter().filter(|x| !x.2).map(|x| &*site.processes[x.0].id).collect();
        if !lost.is_empty() {
            effects.push(format!("{} LOST for {}", cat.as_str(), lost.join(", ")));
        }
        if !degraded.is_empty() {
            effects.push(format!("{} impaired for {}", cat.as_str(), degraded.join(", ")));
        }
    }
    effects.push(format!("{} an input entirely", plural(l.assets_losing, "asset loses", "assets lose")));
    writeln!(out, "     its loss: {}", effects.join("; "))?;
    if explain {
        for line in spof::explain_lone(site, g, &found.assume_down, l) {
            writeln!(out, "       {line}")?;
        }
    }
    Ok(())
}

pub fn run_restore_order(args: &RestoreOrderArgs) -> Result<ExitCode> {
    let site = load_site(&args.dir)?;
    let graph = Graph::compile(&site);
    let mut kinds = FunctionSet::EMPTY;
    for k in args.kinds.iter().filter(|k| !k.is_empty()) {
        match Function::parse(k) {
            Some(f) => {
                kinds.insert(f);
            }
            None => {
                let hint = nearest(k, Function::WORDS.iter().copied())
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                eprintln!(
                    "error: unknown dependency kind \"{k}\"{hint}; expected one of {}",
                    Function::WORDS.join(", ")
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    let options = if args.recovery {
        OrderOptions::recovery()
    } else {
        OrderOptions {
            kinds: if kinds.is_empty() { OrderOptions::default_kinds() } else { kinds },
            stage_first: args.stage_first,
        }
    };
    let mut set = match resolve_assets(&site, &args.assets) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if !args.affected_by.is_empty() {
        let actions = match parse_actions(&site, &args.affected_by) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(1));
            }
        };
        let impact = impact::analyze(&site, &graph, &actions);
        set.extend(order::affected_assets(&site, &graph, &impact));
    }
    set.sort_unstable();
    set.dedup();
    let plan = order::restore_order(&site, &graph, &set, &options);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &site_json::order_json(&site, &plan, &args.affected_by))?;
        writeln!(out)?;
    } else {
        print_order(&site, &plan, &args.affected_by, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn kinds_str(k: FunctionSet) -> String {
    k.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

pub fn print_order(site: &Site, plan: &RestoreOrder, affected_by: &[String], out: &mut dyn Write) -> Result<()> {
    let n: usize = plan.steps.iter().map(|s| s.assets.len()).sum();
    writeln!(
        out,
        "Restoration order of {} in {} (site version {})",
        plural(n, "asset", "assets"),
        site.info.name,
        site.version()
    )?;
    if !affected_by.is_empty() {
        writeln!(out, "  the assets affected by: {}", affected_by.join("; "))?;
    }
    writeln!(out, "  providers come back before their consumers, over: {}", kinds_str(plan.options.kinds))?;
    writeln!(
        out,
        "  ties broken by {}; {} running assets outside the set looked through",
        site_json::tie_break(&plan.options),
        plan.looked_through
    )?;
    let w = plan.assets().map(|p| site.asset(p.asset).id.len()).max().unwrap_or(5).clamp(5, 40);
    writeln!(out, "\n  {:>5}  {:<w$}  {:<14} {:<9} why", "step", "asset", "stage", "crit.")?;
    for (i, s) in plan.steps.iter().enumerate() {
        let cycle = s.is_cycle();
        for (j, p) in s.assets.iter().enumerate() {
            let step = if j == 0 { format!("{}.", i + 1) } else { String::new() };
            let mark = match (cycle, j == 0, j + 1 == s.assets.len()) {
                (false, _, _) => " ",
                (true, true, true) => "*",
                (true, true, false) => "┐",
                (true, false, true) => "┘",
                (true, false, false) => "│",
            };
            let reentry = p.reentry.map(|r| format!("  [re-entry: {}]", r.as_str())).unwrap_or_default();
            writeln!(
                out,
                "  {step:>5}{mark} {:<w$}  {:<14} {:<9} {}{reentry}",
                site.asset(p.asset).id,
                p.stage.as_str(),
                p.criticality.as_str(),
                p.reason(site)
            )?;
        }
        if cycle {
            let running = if s.running_in_cycle.is_empty() {
                String::new()
            } else {
                format!(" with running {}", ids(site, &s.running_in_cycle, 6))
            };
            writeln!(out, "  {:>5}  (a dependency cycle{running}: restore together)", "")?;
        }
    }
    let flagged: Vec<_> = plan.assets().filter(|p| p.reentry.is_some()).collect();
    if !flagged.is_empty() {
        writeln!(out, "\nRe-entry points: extra checks before reconnecting")?;
        for r in [order::ReEntry::Identity, order::ReEntry::RemoteAccess, order::ReEntry::Monitoring] {
            let v: Vec<AssetIx> = flagged.iter().filter(|p| p.reentry == Some(r)).map(|p| p.asset).collect();
            if v.is_empty() {
                continue;
            }
            writeln!(out, "  {} ({}): {}", r.as_str(), v.len(), ids(site, &v, 12))?;
            for c in r.checks() {
                writeln!(out, "    - {c}")?;
            }
        }
    }
    Ok(())
}
