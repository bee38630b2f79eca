//! `interlock period|task|followup`: the incident's work plan. Operational
//! periods with objectives and the safety officer's considerations, tasks
//! with owners and due times (overdue ones raised as reminders), evidence
//! collection that respects the process, and the follow-ups closing creates.

use std::io::Write;
use std::process::ExitCode;

use ::incident::{
    Body, Collection, FollowUp, FollowUpAck, Incident, Intrusiveness, Period, PeriodClose, SafetyRevision, Task,
    TaskDomain, TaskStatus, TaskUpdate, Timestamp,
};
use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::clock::Clock;
use super::{Common, load, open_store, time, vocab, write};

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
                write(&a.common, &a.id, &*clock, |_, w| {
                    Ok(vec![Body::PeriodOpened(Period {
                        start: a.start.unwrap_or(w.now),
                        end: a.end,
                        objectives: a.objectives.iter().map(|o| o.as_str().into()).collect(),
                        safety: a.safety.as_str().into(),
                        safety_by: a.safety_by.as_str().into(),
                    })])
                })
                .await
            }
            PeriodCommand::Safety(a) => {
                write(&a.common, &a.id, &*clock, |_, _| {
                    Ok(vec![Body::SafetyConsiderations(SafetyRevision {
                        period: a.period,
                        safety: a.safety.as_str().into(),
                    })])
                })
                .await
            }
            PeriodCommand::Close(a) => {
                write(&a.common, &a.id, &*clock, |inc, w| {
                    let summary = ::incident::workplan::period_summary(inc, a.period, w.now);
                    if summary.is_empty() {
                        bail!("#{} is not a period of {}", a.period, inc.id());
                    }
                    for line in &summary {
                        eprintln!("{line}");
                    }
                    Ok(vec![Body::PeriodClosed(PeriodClose {
                        period: a.period,
                        summary: summary.into_iter().map(Into::into).collect(),
                        note: a.note.as_deref().map(Into::into),
                    })])
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
                write(&a.common, &a.id, &*clock, |inc, _| {
                    let measure = match &a.measure {
                        None => None,
                        Some(m) => {
                            let (action, n) = m
                                .split_once(':')
                                .and_then(|(x, n)| {
                                    Some((x.trim_start_matches('#').parse::<u64>().ok()?, n.parse::<u32>().ok()?))
                                })
                                .ok_or_else(|| anyhow!("--measure is ACTION:N, e.g. 12:2"))?;
                            if n == 0 {
                                bail!("measures are numbered from 1");
                            }
                            Some((action, n - 1))
                        }
                    };
                    let title = match (&a.title, a.hypothesis, measure) {
                        (Some(t), _, _) => t.clone(),
                        (None, Some(h), _) => match inc.event(h).map(|e| &e.body) {
                            Some(Body::HypothesisProposed(p)) => format!("validate hypothesis #{h}: {}", p.statement),
                            _ => bail!("#{h} is not a hypothesis"),
                        },
                        (None, None, Some((act, n))) => {
                            let p = inc.proposal(act).ok_or_else(|| anyhow!("#{act} is not an action proposal"))?;
                            let m = p
                                .assessment
                                .measures
                                .get(n as usize)
                                .ok_or_else(|| anyhow!("#{act} has {} measure(s)", p.assessment.measures.len()))?;
                            let short: String = m.chars().take(150).collect();
                            format!("measure {} of #{act}: {short}", n + 1)
                        }
                        (None, None, None) => bail!("give --title, or create the task from --hypothesis or --measure"),
                    };
                    Ok(vec![Body::TaskAdded(Task {
                        title: title.into(),
                        owner: a.owner.as_deref().map(Into::into),
                        role: a.role.as_deref().map(Into::into),
                        domain: a.domain,
                        assets: a.assets.iter().map(|s| s.as_str().into()).collect(),
                        due: a.due,
                        hypothesis: a.hypothesis,
                        evidence: a.evidence.clone(),
                        measure,
                        collection: a.collect.as_ref().map(|c| Collection {
                            method: c.as_str().into(),
                            intrusiveness: a.intrusiveness.unwrap_or(Intrusiveness::Passive),
                        }),
                    })])
                })
                .await
            }
            TaskCommand::List(a) => list(&a, &*clock).await,
            TaskCommand::Update(a) => {
                write(&a.common, &a.id, &*clock, |inc, _| {
                    let current = inc
                        .work
                        .tasks
                        .get(&a.task)
                        .map(|t| t.status)
                        .ok_or_else(|| anyhow!("#{} is not a task", a.task))?;
                    Ok(vec![Body::TaskUpdated(TaskUpdate {
                        task: a.task,
                        status: a.status.unwrap_or(current),
                        note: a.note.as_deref().map(Into::into),
                        action: a.action,
                    })])
                })
                .await
            }
            TaskCommand::Done(a) => {
                write(&a.common, &a.id, &*clock, |_, _| {
                    Ok(vec![Body::TaskUpdated(TaskUpdate {
                        task: a.task,
                        status: TaskStatus::Done,
                        note: a.note.as_deref().map(Into::into),
                        action: None,
                    })])
                })
                .await
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
                write(&a.common, &a.id, &*clock, |_, _| {
                    Ok(vec![Body::FollowUpRecorded(FollowUp {
                        item: a.item.as_str().into(),
                        text: a.text.as_str().into(),
                        changed: a.changed,
                    })])
                })
                .await
            }
            FollowUpCommand::Ack(a) => {
                write(&a.common, &a.id, &*clock, |_, _| {
                    Ok(vec![Body::FollowUpAcknowledged(FollowUpAck { item: a.item.as_str().into() })])
                })
                .await
            }
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
