//! `interlock impact`: what proposed actions would do, before anyone acts.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use impact::{Action, Graph, Impact, Status, Verdict};
use site_model::{Domain, Site};

#[derive(clap::Args)]
pub struct ImpactArgs {
    /// The site model directory.
    pub dir: PathBuf,
    /// A proposed action, e.g. 'isolate zone:plant-control' (repeat for a set of actions).
    /// Syntax: VERB [TARGET,...] [except CHANNEL,...] [kinds KIND,...] [controlled|emergency]
    /// [for containment|safety|both]; see docs/actions.md.
    #[arg(long = "action", required = true)]
    pub actions: Vec<String>,
    /// Print the impact as JSON (documented in docs/actions.md).
    #[arg(long)]
    pub json: bool,
    /// Explanations to print per section (text output).
    #[arg(long, default_value_t = 12)]
    pub max: usize,
}

pub fn load_site(dir: &std::path::Path) -> Result<Site> {
    let outcome = crate::sitefs::load_dir(dir, None)?;
    match outcome.site {
        Some(site) => Ok(site),
        None => {
            crate::show::diagnostics(&outcome, 20, &mut std::io::stderr().lock())?;
            Err(anyhow!(
                "the site model at {} does not load; run `interlock site check` for every finding",
                dir.display()
            ))
        }
    }
}

/// Parses every action, reporting all the bad ones at once.
pub fn parse_actions(site: &Site, texts: &[String]) -> Result<Vec<Action>> {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        match Action::parse(site, t) {
            Ok(a) => actions.push(a),
            Err(e) => errors.push(format!("action {} \"{t}\": {}", i + 1, e.explain())),
        }
    }
    if errors.is_empty() { Ok(actions) } else { Err(anyhow!("{}", errors.join("\n"))) }
}

pub fn run(args: &ImpactArgs) -> Result<ExitCode> {
    let site = load_site(&args.dir)?;
    let actions = match parse_actions(&site, &args.actions) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let graph = Graph::compile(&site);
    let impact = impact::analyze(&site, &graph, &actions);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &site_json::impact_json(&site, &impact))?;
        writeln!(out)?;
    } else {
        print(&site, &impact, args.max, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn ids(site: &Site, v: &[site_model::AssetIx], max: usize) -> String {
    let mut s: Vec<String> = v.iter().take(max).map(|a| site.asset(*a).id.to_string()).collect();
    if v.len() > max {
        s.push(format!("and {} more", v.len() - max));
    }
    s.join(", ")
}

pub fn print(site: &Site, impact: &Impact, max: usize, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Impact on {} (site version {})", site.info.name, site.version())?;
    for (i, a) in impact.actions.iter().enumerate() {
        let targets: Vec<String> = a.targets.iter().map(|t| t.describe(site)).collect();
        writeln!(
            out,
            "  {}. {}  [{} on {}, for {}, typically {}h]",
            i + 1,
            a.text,
            a.effect,
            targets.join(", "),
            a.intent.as_str(),
            a.minutes / 60
        )?;
    }

    writeln!(out, "\nVerdict: {}", impact.verdict.word().to_uppercase())?;
    if let Verdict::Unsafe { reasons, .. } = &impact.verdict {
        for r in reasons {
            writeln!(out, "  unsafe: {r}")?;
        }
    }
    let measures = impact.verdict.measures();
    if !measures.is_empty() {
        writeln!(
            out,
            "  {} compensating measures:",
            if matches!(impact.verdict, Verdict::Unsafe { .. }) { "and even then, these" } else { "only with these" }
        )?;
        for m in measures {
            writeln!(out, "  - {}\n      because {}", m.what, m.why)?;
        }
    }

    let acting = impact.acting_domain(site);
    writeln!(
        out,
        "\nWhat is lost, by function{}",
        match acting {
            Some(d) => format!(
                " (the actions act on {}; losses on the other side are marked <-)",
                match d {
                    Domain::It => "IT",
                    Domain::Ot => "OT",
                    Domain::Shared => "shared IT/OT systems",
                }
            ),
            None => String::new(),
        }
    )?;
    if impact.categories.is_empty() {
        writeln!(out, "  nothing")?;
    }
    for (c, assets) in &impact.categories {
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for a in assets {
            *by.entry(site.asset(*a).domain.as_str()).or_default() += 1;
        }
        let split: Vec<String> = by.iter().map(|(d, n)| format!("{d} {n}")).collect();
        let other_side = acting.is_some_and(|d| {
            assets.iter().any(|a| {
                let x = site.asset(*a).domain;
                x != d && !(d == Domain::Shared || x == Domain::Shared)
            })
        });
        writeln!(
            out,
            "  {:<16} {} asset{} ({}){}: {}",
            c.as_str(),
            assets.len(),
            if assets.len() == 1 { "" } else { "s" },
            split.join(", "),
            if other_side { " <-" } else { "" },
            ids(site, assets, 6)
        )?;
    }

    if !impact.processes.is_empty() {
        writeln!(out, "\nCritical processes")?;
        for p in &impact.processes {
            let proc_ = &site.processes[p.process];
            let st = |s: Status| s.as_str();
            writeln!(
                out,
                "  {} [{}]: control {}, view {}, alarm {}, safety {}{}{}",
                proc_.name,
                proc_.criticality,
                st(p.control),
                st(p.view),
                st(p.alarm),
                st(p.safety),
                if p.stopped.is_some() { ", STOPPED" } else { "" },
                if p.manual { ", on manual" } else { "" }
            )?;
            for r in &p.reasons {
                writeln!(out, "      {r}")?;
            }
        }
    }

    if !impact.self_inflicted.is_empty() {
        writeln!(out, "\nSelf-inflicted impacts (MITRE ATT&CK for ICS)")?;
        for s in &impact.self_inflicted {
            writeln!(out, "  {} {}: {}", s.technique, s.name, s.because)?;
        }
    }

    if !impact.unusable.is_empty() {
        writeln!(out, "\nStations people lose")?;
        for (a, _) in impact.unusable.iter().take(max) {
            for (i, line) in impact.explain_unusable(site, *a).iter().enumerate() {
                writeln!(out, "  {}{line}", if i == 0 { "" } else { "  " })?;
            }
        }
        if impact.unusable.len() > max {
            writeln!(out, "  ... and {} more", impact.unusable.len() - max)?;
        }
    }

    // The targets' own lost inputs are obvious; show what the actions do to everything else.
    let targeted: Vec<site_model::AssetIx> = impact
        .actions
        .iter()
        .flat_map(|a| a.targets.iter())
        .filter_map(|t| match t {
            impact::Target::Asset(a) | impact::Target::Address(_, Some(a)) => Some(*a),
            _ => None,
        })
        .collect();
    let important: Vec<&(site_model::AssetIx, site_model::Function, u32)> = impact
        .lost
        .iter()
        .filter(|(a, _, _)| !targeted.contains(a))
        .filter(|(_, k, _)| {
            !matches!(
                k,
                site_model::Function::Time
                    | site_model::Function::NameResolution
                    | site_model::Function::Patching
                    | site_model::Function::Backup
            )
        })
        .collect();
    if !important.is_empty() {
        writeln!(out, "\nLosses and why ({} in all)", impact.lost.len())?;
        for (a, k, _) in important.iter().take(max) {
            for (i, line) in impact.explain(site, *a, *k).iter().enumerate() {
                writeln!(out, "  {}{line}", if i == 0 { "" } else { "  " })?;
            }
        }
        if important.len() > max {
            writeln!(out, "  ... and {} more (--max to see them, --json for all)", important.len() - max)?;
        }
    }

    if !impact.vendors.is_empty() {
        writeln!(out, "\nVendor access closed")?;
        for v in &impact.vendors {
            let vendor = &site.vendors[v.vendor];
            let p = &vendor.pathways[v.pathway];
            let funcs: Vec<String> = v
                .functions
                .iter()
                .map(|f| {
                    let f = &vendor.functions[*f];
                    format!("{}{}", f.name, if f.safety_critical { " (safety-critical)" } else { "" })
                })
                .collect();
            writeln!(
                out,
                "  {} pathway {}: {}",
                vendor.name,
                p.id,
                if funcs.is_empty() { "no listed functions".into() } else { funcs.join("; ") }
            )?;
        }
    }

    let direct = impact.broken.iter().filter(|d| matches!(impact.cause.get(d), Some(impact::Cause::Action(_)))).count();
    writeln!(
        out,
        "\n{} dependencies broken ({} cut by the actions, {} as consequences); {} assets stopped, {} stations unusable, {} degraded inputs",
        impact.broken.len(),
        direct,
        impact.broken.len() - direct,
        impact.down.len(),
        impact.unusable.len(),
        impact.degraded.len()
    )?;
    Ok(())
}
