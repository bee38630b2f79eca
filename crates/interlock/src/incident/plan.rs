//! `interlock period|task|followup`: the incident's work plan. Operational
//! periods with objectives and the safety officer's considerations, tasks
//! with owners and due times (overdue ones raised as reminders), evidence
//! collection that respects the process, and the follow-ups closing creates.

use super::{record, record_with};
use ::incident::command::Command;
use std::io::Write;
use std::process::ExitCode;

use ::incident::{Body, Incident, Intrusiveness, TaskDomain, TaskStatus, Timestamp};
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::clock::Clock;
use super::{Common, load, open_store, time, vocab};

#[derive(Subcommand, Debug)]
pub enum PeriodCommand {
    /// Open an operational period: its window, objectives, and the safety officer's considerations (ICS 202).
    Open(PeriodOpenArgs),
    /// Revise the safety considerations of the open period (the safety officer).
    Safety(PeriodSafetyArgs),
    /// Close a period: its status summary is computed and recorded.
    Close(PeriodCloseArgs),
}

#[derive(Subcommand, Debug)]
pub enum TaskCommand {
    /// Add a task owned by a person or a role; from a hypothesis or an action's measure; or an
    /// evidence collection with its intrusiveness.
    Add(Box<TaskAddArgs>),
    /// The tasks and where they stand; overdue ones are raised as reminders.
    List(TaskListArgs),
    /// Change a task's status (open, in-progress, blocked with a note, cancelled), or link the
    /// action that authorises it.
    Update(TaskUpdateArgs),
    /// Mark a task done.
    Done(TaskDoneArgs),
}

#[derive(Subcommand, Debug)]
pub enum FollowUpCommand {
    /// The follow-ups of a closed incident, their deadlines, and who still has to acknowledge a changed plan.
    List(TaskListArgs),
    /// Record a follow-up: lessons learned ("none" is a valid record), a plan update (--changed), a
    /// site-model update, a review of an override.
    Record(FollowUpRecordArgs),
    /// Acknowledge a changed plan (each holder of a site role).
    Ack(FollowUpAckArgs),
}

#[derive(Args, Debug)]
pub struct PeriodOpenArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long, value_parser = time)]
    start: Option<Timestamp>,
    #[arg(long, value_parser = time)]
    end: Timestamp,
    #[arg(long = "objective", required = true)]
    objectives: Vec<String>,
    /// The safety considerations for the period.
    #[arg(long)]
    safety: String,
    /// The safety officer who owns them.
    #[arg(long)]
    safety_by: String,
}

#[derive(Args, Debug)]
pub struct PeriodSafetyArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    period: u64,
    #[arg(long)]
    safety: String,
}

#[derive(Args, Debug)]
pub struct PeriodCloseArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    period: u64,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Args, Debug)]
pub struct TaskAddArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Default: from the hypothesis or the measure.
    #[arg(long)]
    title: Option<String>,
    /// A person owns it.
    #[arg(long, conflicts_with = "role", required_unless_present = "role")]
    owner: Option<String>,
    /// A role owns it (its holders).
    #[arg(long)]
    role: Option<String>,
    #[arg(long, value_parser = vocab::<TaskDomain>, default_value = "joint")]
    domain: TaskDomain,
    #[arg(long = "asset")]
    assets: Vec<String>,
    #[arg(long, value_parser = time)]
    due: Option<Timestamp>,
    /// Created from a hypothesis (validate it).
    #[arg(long)]
    hypothesis: Option<u64>,
    #[arg(long = "evidence")]
    evidence: Vec<u64>,
    /// Created from an action's compensating measure: ACTION:N (measures numbered from 1).
    #[arg(long)]
    measure: Option<String>,
    /// An evidence collection: what and how (e.g. "memory image of the CPU").
    #[arg(long)]
    collect: Option<String>,
    #[arg(long, value_parser = vocab::<Intrusiveness>, requires = "collect")]
    intrusiveness: Option<Intrusiveness>,
}

#[derive(Args, Debug)]
pub struct TaskListArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct TaskUpdateArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    task: u64,
    #[arg(long, value_parser = vocab::<TaskStatus>)]
    status: Option<TaskStatus>,
    #[arg(long)]
    note: Option<String>,
    /// The approved action that authorises it.
    #[arg(long)]
    action: Option<u64>,
}

#[derive(Args, Debug)]
pub struct TaskDoneArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    task: u64,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Args, Debug)]
pub struct FollowUpRecordArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// lessons-learned, plan-update, site-model-update, review-N.
    item: String,
    #[arg(long)]
    text: String,
    /// The plan changed: every role holder acknowledges it.
    #[arg(long)]
    changed: bool,
}

#[derive(Args, Debug)]
pub struct FollowUpAckArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    item: String,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub fn run_period(cmd: PeriodCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            PeriodCommand::Open(a) => {
                let cmd = Command::OpenPeriod {
                    start: a.start,
                    end: a.end,
                    objectives: a.objectives,
                    safety: a.safety,
                    safety_by: a.safety_by,
                };
                record(&a.common, &a.id, &*clock, cmd).await
            }
            PeriodCommand::Safety(a) => {
                record(&a.common, &a.id, &*clock, Command::ReviseSafety { period: a.period, safety: a.safety }).await
            }
            PeriodCommand::Close(a) => {
                let cmd = Command::ClosePeriod { period: a.period, note: a.note };
                record_with(&a.common, &a.id, &*clock, false, cmd, |bodies| {
                    for b in bodies {
                        if let Body::PeriodClosed(c) = b {
                            for line in &c.summary {
                                eprintln!("{line}");
                            }
                        }
                    }
                })
                .await
            }
        }
    })
}

pub fn run_task(cmd: TaskCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            TaskCommand::Add(a) => {
                let measure = match &a.measure {
                    None => None,
                    Some(m) => Some(
                        m.split_once(':')
                            .and_then(|(x, n)| {
                                Some((x.trim_start_matches('#').parse::<u64>().ok()?, n.parse::<u32>().ok()?))
                            })
                            .ok_or_else(|| anyhow!("--measure is ACTION:N, e.g. 12:2"))?,
                    ),
                };
                let cmd = Command::AddTask {
                    title: a.title,
                    owner: a.owner,
                    role: a.role,
                    domain: a.domain,
                    assets: a.assets,
                    due: a.due,
                    hypothesis: a.hypothesis,
                    evidence: a.evidence,
                    measure,
                    collect: a.collect,
                    intrusiveness: a.intrusiveness,
                };
                record(&a.common, &a.id, &*clock, cmd).await
            }
            TaskCommand::List(a) => list(&a, &*clock).await,
            TaskCommand::Update(a) => {
                let cmd = Command::UpdateTask { task: a.task, status: a.status, note: a.note, action: a.action };
                record(&a.common, &a.id, &*clock, cmd).await
            }
            TaskCommand::Done(a) => {
                let cmd =
                    Command::UpdateTask { task: a.task, status: Some(TaskStatus::Done), note: a.note, action: None };
                record(&a.common, &a.id, &*clock, cmd).await
            }
        }
    })
}

pub fn run_followup(cmd: FollowUpCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            FollowUpCommand::List(a) => followups(&a, &*clock).await,
            FollowUpCommand::Record(a) => {
                record(&a.common, &a.id, &*clock, Command::FollowUp { item: a.item, text: a.text, changed: a.changed })
                    .await
            }
            FollowUpCommand::Ack(a) => record(&a.common, &a.id, &*clock, Command::Acknowledge { item: a.item }).await,
        }
    })
}

async fn load_incident(common: &Common, id: &str) -> Result<Incident> {
    let store = open_store(&common.db).await?;
    let inc = load(&store, id).await?;
    store.close().await;
    Ok(inc)
}

async fn list(a: &TaskListArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let inc = load_incident(&a.common, &a.id).await?;
    let now = clock.now();
    let work = inc.plan_of_work();
    let reminders = work.reminders(now);
    let mut out = std::io::stdout().lock();
    if a.json {
        let tasks: Vec<Value> = work
            .tasks
            .iter()
            .map(|(seq, t)| {
                json!({
                    "task": seq,
                    "title": t.task.title,
                    "owner": t.task.owner,
                    "role": t.task.role,
                    "domain": t.task.domain.as_str(),
                    "assets": t.task.assets,
                    "due": t.task.due.map(|d| d.to_string()),
                    "status": t.status.as_str(),
                    "overdue": t.is_overdue(now),
                    "collection": t.task.collection.as_ref().map(|c| json!({"method": c.method, "intrusiveness": c.intrusiveness.as_str()})),
                    "action": t.action,
                })
            })
            .collect();
        let periods: Vec<Value> = work
            .periods
            .iter()
            .map(|(seq, p)| {
                json!({
                    "period": seq,
                    "start": p.period.start.to_string(),
                    "end": p.period.end.to_string(),
                    "objectives": p.period.objectives,
                    "safety": p.period.safety,
                    "safety_by": p.period.safety_by,
                    "closed": p.closed,
                })
            })
            .collect();
        let r: Vec<Value> = reminders.iter().map(|r| json!({"reminder": r.what, "due": r.due.to_string()})).collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({"now": now.to_string(), "periods": periods, "tasks": tasks, "reminders": r}),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some((seq, p)) = work.open_period() {
        writeln!(out, "period #{seq}: {} to {}", p.period.start, p.period.end)?;
        for o in &p.period.objectives {
            writeln!(out, "  objective: {o}")?;
        }
        writeln!(out, "  safety ({}): {}", p.period.safety_by, p.period.safety)?;
    }
    if work.tasks.is_empty() {
        writeln!(out, "no tasks")?;
    }
    for (seq, t) in &work.tasks {
        let owner = t
            .task
            .owner
            .as_deref()
            .map(String::from)
            .or(t.task.role.as_deref().map(|r| format!("role {r}")))
            .unwrap_or_default();
        writeln!(
            out,
            "#{seq:<4} {:<11} {} ({owner}, {}{}){}",
            t.status.as_str(),
            t.task.title,
            t.task.domain.as_str(),
            t.task.due.map(|d| format!(", due {d}")).unwrap_or_default(),
            if t.is_overdue(now) { " OVERDUE" } else { "" }
        )?;
    }
    for r in &reminders {
        writeln!(out, "REMINDER: {}", r.what)?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn followups(a: &TaskListArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = super::load_site(a.common.who.site.as_deref())?;
    let inc = load_incident(&a.common, &a.id).await?;
    let now = clock.now();
    let holders = ::incident::rules::role_holders(&site);
    let mut out = std::io::stdout().lock();
    let rows: Vec<(Value, String)> = inc
        .work
        .follow_ups
        .iter()
        .map(|f| {
            let missing: Vec<&str> = if f.changed {
                holders.iter().filter(|h| !f.acks.contains(h)).map(|h| &**h).collect()
            } else {
                Vec::new()
            };
            let overdue = f.recorded.is_none() && f.due.micros() <= now.micros();
            let line = format!(
                "{:<18} due {}: {}{}{}",
                f.item,
                f.due,
                match f.recorded {
                    Some(s) => format!("recorded (#{s})"),
                    None => "OPEN".into(),
                },
                if missing.is_empty() { String::new() } else { format!("; acknowledgements missing from {}", missing.join(", ")) },
                if overdue { " OVERDUE" } else { "" }
            );
            let v = json!({
                "item": f.item, "what": f.what, "due": f.due.to_string(), "recorded": f.recorded,
                "changed": f.changed, "acknowledged_by": f.acks, "acknowledgements_missing": missing, "overdue": overdue,
            });
            (v, line)
        })
        .collect();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &Value::Array(rows.into_iter().map(|(v, _)| v).collect()))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(out, "no follow-ups: they are created when the incident is closed")?;
    }
    for (_, line) in rows {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}
