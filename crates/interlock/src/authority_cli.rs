//! `interlock authority check|explain DIR`: the site's authority matrix,
//! validated against the site, and explained in words (optionally for one
//! proposed action, without an incident).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use site_model::{PhaseWord, Site};

use crate::sitefs;

#[derive(Subcommand, Debug)]
pub enum AuthorityCommand {
    /// Validate the authority matrix against the site: each finding explains itself.
    Check(CheckArgs),
    /// The matrix in words: rules, ladders, who holds each role; with --action, what one action would need.
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The site model directory.
    dir: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    dir: PathBuf,
    /// A proposed action to assess, e.g. "take-offline dc-corp-01,dc-corp-02".
    #[arg(long)]
    action: Option<String>,
    /// The incident phase to assess it in.
    #[arg(long, default_value = "contain", value_parser = phase)]
    phase: PhaseWord,
    #[arg(long)]
    json: bool,
}

fn phase(s: &str) -> Result<PhaseWord, String> {
    PhaseWord::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a phase; expected one of {}", PhaseWord::WORDS.join(", ")))
}

pub fn run(cmd: AuthorityCommand) -> Result<ExitCode> {
    match cmd {
        AuthorityCommand::Check(a) => check(a),
        AuthorityCommand::Explain(a) => explain(a),
    }
}

/// Loads the site without the authority validation's verdict, so `check`
/// can report every finding itself.
fn load(dir: &std::path::Path) -> Result<Site> {
    let files = sitefs::site_files(dir)?;
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| e.to_string());
    let outcome = site_model::load_with(paths, &read, &site_model::LoadOptions { today: None, threads: 0 });
    match outcome.site {
        Some(site) => Ok(site),
        None => {
            let mut err = std::io::stderr().lock();
            crate::show::diagnostics(&outcome, 20, &mut err)?;
            bail!("the site model at {} does not load; run `interlock site check {}`", dir.display(), dir.display())
        }
    }
}

fn check(a: CheckArgs) -> Result<ExitCode> {
    let site = load(&a.dir)?;
    let Some(m) = &site.authority else {
        bail!("{} has no authority matrix (an `[authority]` table; docs/site-model.md)", a.dir.display());
    };
    let findings = authority::validate(&site);
    let errors = findings.iter().filter(|f| f.level == authority::Level::Error).count();
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &site_json::authority_check_json(m, &findings))?;
        writeln!(out)?;
    } else {
        for f in &findings {
            writeln!(out, "{f}")?;
        }
        writeln!(
            out,
            "authority matrix {} ({} rules, {} ladders): {}: {errors} error(s), {} warning(s)",
            m.version,
            m.rules.len(),
            m.ladders.len(),
            if errors == 0 { "ok" } else { "failed" },
            findings.len() - errors
        )?;
    }
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn roles(site: &Site, v: &[site_model::RoleIx]) -> String {
    v.iter().map(|r| &*site.roles[r.ix()].id).collect::<Vec<_>>().join(" or ")
}

fn explain(a: ExplainArgs) -> Result<ExitCode> {
    let site = load(&a.dir)?;
    let m = site.authority.as_ref().ok_or_else(|| anyhow!("{} has no authority matrix", a.dir.display()))?;
    let mut out = std::io::stdout().lock();
    if let Some(text) = &a.action {
        let graph = impact::Graph::compile(&site);
        let engine = authority::Engine { site: &site, graph: &graph };
        let asm = engine.assess(text, a.phase)?;
        let req = &asm.requirement;
        if a.json {
            let v = site_json::assessment_json(&site, m, &asm, a.phase);
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
            return Ok(ExitCode::SUCCESS);
        }
        writeln!(out, "{} (in the {} phase): safety verdict {}", asm.action, a.phase, asm.verdict.as_str())?;
        for r in &asm.unsafe_reasons {
            writeln!(out, "  unsafe: {r}")?;
        }
        writeln!(out, "impact facts:")?;
        for f in &asm.facts {
            writeln!(out, "  {}: {}", f.fact, f.evidence)?;
        }
        writeln!(out, "matching rules:")?;
        write_rules(&mut out, req)?;
        writeln!(out, "needs:")?;
        write_needs(&mut out, req)?;
        for (i, me) in asm.measures.iter().enumerate() {
            writeln!(out, "  measure {}: {me}", i + 1)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.json {
        serde_json::to_writer_pretty(&mut out, &site_json::matrix_json(&site, m))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "authority matrix {} ({})", m.version, m.place)?;
    writeln!(
        out,
        "default: escalate after {}m; emergency override by {}",
        m.escalate_minutes,
        if m.override_roles.is_empty() { "nobody".into() } else { roles(&site, &m.override_roles) }
    )?;
    for l in &m.ladders {
        let steps: Vec<String> =
            l.steps.iter().map(|s| format!("{} ({}m)", site.roles[s.role.ix()].id, s.after_minutes)).collect();
        writeln!(out, "ladder {}: {}", l.id, steps.join(" -> "))?;
    }
    for r in &m.rules {
        writeln!(out, "rule {} ({})", r.id, r.place)?;
        if let Some(d) = &r.description {
            writeln!(out, "  {d}")?;
        }
        for g in &r.then.approvals {
            writeln!(out, "  needs {} from {}", g.count, roles(&site, &g.roles))?;
        }
        if r.then.joint {
            writeln!(out, "  joint sign-off")?;
        }
        if !r.then.veto.is_empty() {
            writeln!(out, "  veto: {}", roles(&site, &r.then.veto))?;
        }
        if let Some(e) = &r.then.execute {
            writeln!(out, "  executed by: {}", if e.is_empty() { "nobody".into() } else { roles(&site, e) })?;
        }
    }
    writeln!(out, "role holders:")?;
    let mut used: Vec<site_model::RoleIx> = m.override_roles.clone();
    for r in &m.rules {
        used.extend(r.then.approvals.iter().flat_map(|g| g.roles.iter().copied()));
        used.extend(r.then.veto.iter().copied());
        used.extend(r.then.execute.iter().flatten().copied());
    }
    used.extend(m.ladders.iter().flat_map(|l| l.steps.iter().map(|s| s.role)));
    used.sort_unstable();
    used.dedup();
    for r in used {
        let id = &site.roles[r.ix()].id;
        let people: Vec<String> =
            authority::holders(&site, id).iter().map(|(p, h)| format!("{} ({})", p.name, h.as_str())).collect();
        writeln!(out, "  {id}: {}", people.join(", "))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn write_rules(out: &mut dyn Write, req: &authority::Requirement) -> Result<()> {
    for l in req.rule_lines() {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

pub(crate) fn write_needs(out: &mut dyn Write, req: &authority::Requirement) -> Result<()> {
    for l in req.need_lines() {
        writeln!(out, "{l}")?;
    }
    Ok(())
}
