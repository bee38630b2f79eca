//! `interlock clocks INC`, `interlock incident determine|report`: the
//! regulatory clocks an incident has started, from the moment of
//! determination, in the site's time zone; and the reports that meet them.

use super::record;
use ::incident::command::Command;
use std::io::Write;
use std::process::ExitCode;

use ::incident::Timestamp;
use anyhow::Result;
use clap::Args;
use serde_json::{Value, json};

use super::clock::Clock;
use super::{Common, load, load_site, open_store, time};

#[derive(Args, Debug)]
pub struct ClocksArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct DetermineArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// reportable, attempt or attribute-change.
    #[arg(long)]
    kind: String,
    /// The moment of determination (default now).
    #[arg(long, value_parser = time)]
    at: Option<Timestamp>,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The deadline's id (see `interlock clocks`).
    #[arg(long)]
    deadline: String,
    /// The event that started its clock.
    #[arg(long)]
    trigger: u64,
    /// Whom it went to.
    #[arg(long)]
    to: String,
    /// Their reference, or how it was sent.
    #[arg(long)]
    reference: String,
}

pub async fn determine(a: DetermineArgs, clock: &dyn Clock) -> Result<ExitCode> {
    record(&a.common, &a.id, clock, Command::Determine { kind: a.kind, at: a.at, reason: a.reason }).await
}

pub async fn report(a: ReportArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let cmd = Command::FileReport { deadline: a.deadline, trigger: a.trigger, to: a.to, reference: a.reference };
    record(&a.common, &a.id, clock, cmd).await
}

pub fn run(a: ClocksArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(show(a, &*clock))
}

async fn show(a: ClocksArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let now = clock.now();
    let all = clocks::clocks(&site, &inc);
    let zone = site.info.timezone.as_deref().unwrap_or("UTC").to_string();
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = all
            .iter()
            .map(|c| {
                json!({
                    "deadline": &*c.deadline.id,
                    "regime": &*c.deadline.regime,
                    "report": &*c.deadline.report,
                    "rule": clocks::describe(c.deadline.due),
                    "trigger": c.trigger,
                    "started": c.started.to_string(),
                    "due": c.due.to_string(),
                    "status": c.status(&inc, now),
                    "filed": c.filed,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({"now": now.to_string(), "time_zone": zone, "clocks": v}))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        writeln!(out, "no clocks: none starts until a determination (`interlock incident determine`) or the closing")?;
    }
    for c in &all {
        let left = (c.due.micros() - now.micros()) / 60_000_000;
        let when = match c.status(&inc, now) {
            "running" => format!("{}h{:02}m left", left / 60, left % 60),
            s => s.to_string(),
        };
        writeln!(
            out,
            "{} [{}]: {} of #{} at {}; due {} ({zone}): {when}",
            c.deadline.id,
            c.deadline.regime,
            clocks::describe(c.deadline.due),
            c.trigger,
            c.started,
            c.due
        )?;
        writeln!(out, "    {}", c.deadline.report)?;
    }
    Ok(ExitCode::SUCCESS)
}
