//! `interlock recovery ...`: the recovery plan of an incident, the checks
//! against known-good before reconnection, the reconnection gate (a
//! `reconnect` action through the authority workflow), heightened
//! monitoring, and the end of recovery declared on criteria.

use std::io::Write;
use std::process::ExitCode;

use ::incident::{Body, Context, PlanItem, Policy, Proposal, Timestamp};
use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::clock::Clock;
use super::{Common, load, load_site, open_store, record_with, time, write_with};
use ::incident::command::{self, Command};

#[derive(Subcommand, Debug)]
pub enum RecoveryCommand {
    /// The recovery plan: the incident's affected assets in restoration order, with reasons,
    /// re-entry points and checks; --record freezes it in the incident's log.
    Plan(PlanArgs),
    /// Move an asset in the recorded plan, with the reason.
    Reorder(ReorderArgs),
    /// The checks an asset needs before it reconnects, and where each stands.
    Check(CheckArgs),
    /// Record the result of a check (a hash, a version, or pass/fail), with evidence.
    Record(RecordArgs),
    /// Propose reconnecting an asset: a `reconnect` action through the authority workflow,
    /// refused until every check of the asset has passed.
    Reconnect(ReconnectArgs),
    /// Start heightened monitoring of reconnected assets, until a date and on criteria.
    Monitor(MonitorArgs),
    /// End a monitoring window once its date has passed and its criteria are met.
    MonitorEnd(MonitorEndArgs),
    /// Declare the end of recovery (refused while monitoring is open); the open items are recorded.
    End(EndArgs),
    /// The plan with each asset's checks, reconnection and monitoring, and what is still open.
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Assets to restore besides those the incident's actions and observations name (repeat).
    #[arg(long = "asset")]
    assets: Vec<String>,
    /// Record the plan in the incident (in the recover phase).
    #[arg(long)]
    record: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ReorderArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    asset: String,
    /// Put it right after this asset.
    #[arg(long, conflicts_with = "first", required_unless_present = "first")]
    after: Option<String>,
    /// Put it first.
    #[arg(long)]
    first: bool,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    asset: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    asset: String,
    /// config-hash, logic, firmware, backup-hash, alarm-test, display-agreement, proof-test,
    /// credentials-reset, access-review, monitoring-integrity.
    #[arg(long)]
    check: String,
    /// What was observed: the hash or version, or pass/fail.
    #[arg(long)]
    observed: String,
    /// For backup-hash: the catalogue's hash of the media.
    #[arg(long)]
    catalogue: Option<String>,
    /// A file kept as evidence of the check (its SHA-256 is recorded).
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReconnectArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    asset: String,
    #[arg(long)]
    rationale: String,
}

#[derive(Args, Debug)]
pub struct MonitorArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long = "asset", required = true)]
    assets: Vec<String>,
    #[arg(long, value_parser = time)]
    until: Timestamp,
    /// What must hold to end the window (repeat).
    #[arg(long = "criterion", required = true)]
    criteria: Vec<String>,
}

#[derive(Args, Debug)]
pub struct MonitorEndArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The window (its event number).
    window: u64,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct EndArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: RecoveryCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(dispatch(cmd, &*clock))
}

fn items_json(items: &[PlanItem]) -> Value {
    Value::Array(
        items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                json!({
                    "position": n + 1,
                    "asset": i.asset,
                    "stage": i.stage,
                    "reason": i.reason,
                    "reentry": i.reentry,
                    "checks": i.checks.iter().map(|c| json!({"kind": c.kind, "expected": c.expected, "source": c.source})).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

async fn dispatch(cmd: RecoveryCommand, clock: &dyn Clock) -> Result<ExitCode> {
    use RecoveryCommand as C;
    match cmd {
        C::Plan(a) => {
            let site = load_site(a.common.who.site.as_deref())?;
            let graph = impact::Graph::compile(&site);
            let store = open_store(&a.common.db).await?;
            let inc = load(&store, &a.id).await?;
            store.close().await;
            let assets = command::affected(&site, &graph, &inc, &a.assets)?;
            let plan = recovery::plan(&site, &graph, &assets);
            let items = command::plan_items(&site, &plan);
            let mut out = std::io::stdout().lock();
            if a.json {
                serde_json::to_writer_pretty(&mut out, &items_json(&items))?;
                writeln!(out)?;
            } else {
                write_plan(&mut out, &items)?;
            }
            drop(out);
            if a.record {
                record_with(&a.common, &a.id, clock, true, Command::PlanRecovery { assets: a.assets.clone() }, |_| {})
                    .await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        C::Reorder(a) => {
            let cmd = Command::Reorder { asset: a.asset, after: a.after, reason: a.reason };
            record_with(&a.common, &a.id, clock, true, cmd, |_| {}).await
        }
        C::Check(a) => check(a).await,
        C::Record(a) => {
            let artefact = match &a.file {
                Some(f) => Some(super::hash_file(f)?),
                None => None,
            };
            let cmd = Command::RecordCheck {
                asset: a.asset,
                check: a.check,
                observed: a.observed,
                catalogue: a.catalogue,
                artefact,
                note: a.note,
            };
            record_with(&a.common, &a.id, clock, true, cmd, |bodies| {
                for b in bodies {
                    if let Body::CheckRecorded(r) = b {
                        eprintln!("{}: {}", if r.passed { "passed" } else { "FAILED" }, r.detail);
                    }
                }
            })
            .await
        }
        C::Reconnect(a) => {
            let text = format!("reconnect {}", a.asset);
            write_with(&a.common, &a.id, clock, true, |inc, w| {
                let engine = w.engine.ok_or_else(|| anyhow!("the impact engine is not loaded"))?;
                let phase = site_model::PhaseWord::parse(inc.phase.as_str())
                    .ok_or_else(|| anyhow!("phase {} has no authority word", inc.phase))?;
                let assessment = engine.assess(&text, phase)?;
                let m = engine.authority()?;
                let authority_version = ::incident::Digest::parse(&m.version)
                    .ok_or_else(|| anyhow!("the authority version is not a SHA-256"))?;
                Ok(vec![Body::ActionProposed(Proposal {
                    action: assessment.action.clone(),
                    rationale: a.rationale.as_str().into(),
                    evidence: Vec::new(),
                    phase: inc.phase,
                    site_version: w.site_version()?,
                    authority_version,
                    assessment,
                })])
            })
            .await
        }
        C::Monitor(a) => {
            let cmd = Command::Monitor { assets: a.assets, until: a.until, criteria: a.criteria };
            record_with(&a.common, &a.id, clock, true, cmd, |_| {}).await
        }
        C::MonitorEnd(a) => {
            let cmd = Command::EndMonitoring { window: a.window, reason: a.reason };
            record_with(&a.common, &a.id, clock, true, cmd, |_| {}).await
        }
        C::End(a) => {
            record_with(&a.common, &a.id, clock, true, Command::EndRecovery { reason: a.reason }, |bodies| {
                for b in bodies {
                    if let Body::RecoveryEnded(e) = b {
                        for o in &e.open_items {
                            eprintln!("open: {o}");
                        }
                    }
                }
            })
            .await
        }
        C::Status(a) => status(a).await,
    }
}

fn write_plan(out: &mut dyn Write, items: &[PlanItem]) -> Result<()> {
    writeln!(out, "recovery plan: {} asset(s), dependencies first", items.len())?;
    for (n, i) in items.iter().enumerate() {
        let reentry = i.reentry.as_deref().map(|r| format!(", RE-ENTRY POINT ({r}): extra checks")).unwrap_or_default();
        writeln!(out, "{:>3}. {} [{}{reentry}]: {}", n + 1, i.asset, i.stage, i.reason)?;
        let checks: Vec<&str> = i.checks.iter().map(|c| &*c.kind).collect();
        writeln!(out, "     checks: {}", if checks.is_empty() { "none".into() } else { checks.join(", ") })?;
    }
    Ok(())
}

async fn check(a: CheckArgs) -> Result<ExitCode> {
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let plan = inc.plan().ok_or_else(|| anyhow!("there is no recovery plan in {}", a.id))?;
    let item = plan
        .items
        .iter()
        .find(|i| *i.asset == *a.asset)
        .ok_or_else(|| anyhow!("{} is not in the recovery plan", a.asset))?;
    let rows: Vec<(String, Option<String>, String, String)> = item
        .checks
        .iter()
        .map(|c| {
            let (state, detail) = match inc.recovery.checks.get(&(item.asset.clone(), c.kind.clone())) {
                Some((seq, passed)) => {
                    let detail = match inc.event(*seq).map(|e| &e.body) {
                        Some(Body::CheckRecorded(r)) => r.detail.to_string(),
                        _ => String::new(),
                    };
                    ((if *passed { "passed" } else { "FAILED" }).to_string(), format!("#{seq}: {detail}"))
                }
                None => ("not checked".to_string(), c.source.to_string()),
            };
            (c.kind.to_string(), c.expected.as_deref().map(String::from), state, detail)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> =
            rows.iter().map(|(k, e, s, d)| json!({"kind": k, "expected": e, "state": s, "detail": d})).collect();
        serde_json::to_writer_pretty(&mut out, &json!({"asset": item.asset, "checks": v}))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} [{}]: {}", item.asset, item.stage, item.reason)?;
    for (k, e, s, d) in rows {
        writeln!(out, "  {k:<22} {s:<12} {}{d}", e.map(|e| format!("expected {e}; ")).unwrap_or_default())?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn status(a: StatusArgs) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let graph = impact::Graph::compile(&site);
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let policy = Policy::default();
    let engine = authority::Engine { site: &site, graph: &graph };
    let cx = Context { site: &site, policy: &policy, engine: Some(engine) };
    let reconnected = ::incident::rules::reconnected(&inc, &cx);
    let open = ::incident::rules::recovery_open_items(&inc, &cx);
    let Some(plan) = inc.plan() else { bail!("there is no recovery plan in {} (`recovery plan --record`)", a.id) };
    let r = &inc.recovery;
    let mut out = std::io::stdout().lock();
    if a.json {
        let assets: Vec<Value> = r
            .order
            .iter()
            .filter_map(|id| plan.items.iter().find(|i| i.asset == *id))
            .map(|i| {
                let pending: Vec<&str> = r.pending_checks(i).iter().map(|(c, _)| &*c.kind).collect();
                json!({
                    "asset": i.asset,
                    "stage": i.stage,
                    "reentry": i.reentry,
                    "checks_pending": pending,
                    "reconnected": reconnected.contains(&i.asset),
                })
            })
            .collect();
        let windows: Vec<Value> = r
            .windows
            .iter()
            .map(|(seq, w)| json!({"window": seq, "assets": w.assets, "until": w.until.to_string(), "criteria": w.criteria, "ended": w.ended}))
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({"plan": r.plan, "assets": assets, "monitoring": windows, "open_items": open, "ended": r.ended}),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "recovery of {} (plan #{}):", a.id, r.plan.unwrap_or(0))?;
    for (n, id) in r.order.iter().enumerate() {
        let Some(i) = plan.items.iter().find(|i| i.asset == *id) else { continue };
        let pending = r.pending_checks(i);
        let checks = if pending.is_empty() {
            "checks passed".to_string()
        } else {
            format!(
                "pending: {}",
                pending
                    .iter()
                    .map(|(c, last)| format!("{}{}", c.kind, if last.is_some() { " (FAILED)" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let state = if reconnected.contains(id) { "RECONNECTED" } else { "isolated" };
        writeln!(out, "{:>3}. {id} [{}]: {state}; {checks}", n + 1, i.stage)?;
    }
    for (seq, w) in &r.windows {
        let ids: Vec<&str> = w.assets.iter().map(|a| &**a).collect();
        writeln!(
            out,
            "monitoring #{seq} of {} until {}: {}",
            ids.join(", "),
            w.until,
            match w.ended {
                Some(e) => format!("ended by #{e}"),
                None => format!("OPEN; ends on: {}", w.criteria.join("; ")),
            }
        )?;
    }
    match r.ended {
        Some(e) => writeln!(out, "end of recovery declared by #{e}")?,
        None => {
            writeln!(out, "open items ({}):", open.len())?;
            for o in &open {
                writeln!(out, "  {o}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
