//! `interlock authority check|explain DIR`: the site's authority matrix,
//! validated against the site, and explained in words (optionally for one
//! proposed action, without an incident).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;
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
        let v: Vec<_> = findings
            .iter()
            .map(|f| {
                json!({
                    "level": f.level.as_str(),
                    "file": f.place.file,
                    "line": f.place.line,
                    "subject": f.subject,
                    "message": f.message,
                    "help": f.help,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({"ok": errors == 0, "version": m.version, "rules": m.rules.len(), "findings": v}),
        )?;
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
            let v = json!({
                "action": asm.action,
                "phase": a.phase.as_str(),
                "verdict": asm.verdict.as_str(),
                "unsafe_reasons": asm.unsafe_reasons,
                "measures": asm.measures,
                "facts": asm.facts.iter().map(|f| json!({"fact": f.fact.as_str(), "evidence": f.evidence})).collect::<Vec<_>>(),
                "rules": req.rules.iter().map(|r| json!({"rule": r.rule, "because": r.because})).collect::<Vec<_>>(),
                "groups": req.groups.iter().map(|g| json!({"roles": g.roles, "count": g.count})).collect::<Vec<_>>(),
                "joint": req.joint,
                "veto": req.veto,
                "execute": req.execute,
                "override": req.override_roles,
                "escalate_minutes": req.escalate_minutes,
                "ladder": req.ladder.iter().map(|r| json!({"role": r.role, "minutes": r.minutes})).collect::<Vec<_>>(),
                "authority_version": m.version,
                "site_version": site.version(),
            });
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

/// Each matched rule and the facts that made it match.
pub(crate) fn write_rules(out: &mut dyn Write, req: &authority::Requirement) -> Result<()> {
    for m in &req.rules {
        writeln!(out, "  rule {}:", m.rule)?;
        for b in &m.because {
            writeln!(out, "    - {b}")?;
        }
    }
    Ok(())
}

/// What the requirement asks for: approvals, joint sign-off, vetoes, who
/// executes, who may override, the escalation ladder.
pub(crate) fn write_needs(out: &mut dyn Write, req: &authority::Requirement) -> Result<()> {
    for g in &req.groups {
        writeln!(out, "  {} approval(s) from {}", g.count, g.roles.join(" or "))?;
    }
    if req.joint {
        writeln!(out, "  joint sign-off: at least one approver from IT and one from OT")?;
    }
    if !req.veto.is_empty() {
        writeln!(out, "  veto: {}", req.veto.join(", "))?;
    }
    writeln!(
        out,
        "  executed by: {}",
        req.execute.as_ref().map(|e| e.join(" or ")).unwrap_or_else(|| "anyone in the response".into())
    )?;
    writeln!(
        out,
        "  emergency override: {}",
        if req.override_roles.is_empty() { "not allowed".to_string() } else { req.override_roles.join(" or ") }
    )?;
    let ladder: Vec<String> = req.ladder.iter().map(|r| format!("{} ({}m)", r.role, r.minutes)).collect();
    writeln!(out, "  escalates after {}m to: {}", req.escalate_minutes, ladder.join(" -> "))?;
    Ok(())
}
