//! `interlock update draft|publish`: status updates drafted from the
//! incident's state for each audience, reviewed by a person, and published
//! as an event after the one-vocabulary check.

use super::record;
use ::incident::command::Command;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ::incident::{Body, Communication};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use store::Store as _;

use super::clock::Clock;
use super::{Common, load, load_site, open_store, write};

#[derive(Subcommand, Debug)]
pub enum UpdateCommand {
    /// Draft the status update for an audience (operations, security, leadership) from the incident's state.
    Draft(DraftArgs),
    /// Publish a reviewed update: words IT and OT hear differently are flagged first, with their
    /// definitions; --accept-definitions publishes them with the definitions appended.
    Publish(PublishArgs),
    /// When each audience's next update is due (every interval of `[site.update_every]` at the
    /// incident's severity), and the overdue ones with whom to remind: the timeline keeper and the commander.
    Due(DueArgs),
    /// Put the next update off until a time, with the reason (the timeline keeper or the commander).
    Snooze(SnoozeArgs),
}

#[derive(Args, Debug)]
pub struct DraftArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long, value_parser = audience)]
    audience: comms::Audience,
    /// Write the draft to this file to edit it (printed otherwise).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long, value_parser = audience)]
    audience: comms::Audience,
    /// How it goes out: bridge call, Teams, email...
    #[arg(long)]
    channel: String,
    /// The reviewed text...
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    text: Option<String>,
    /// ... or the reviewed draft file.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Publish with the site's definitions of the flagged words appended.
    #[arg(long)]
    accept_definitions: bool,
    /// Then send it to the channels of this notification config whose audiences include it
    /// (docs/notifications.md); each attempt is kept in the delivery log (`interlock notify log`).
    #[arg(long, value_name = "FILE", env = "INTERLOCK_NOTIFY_CONFIG")]
    notify_config: Option<PathBuf>,
}

fn audience(s: &str) -> Result<comms::Audience, String> {
    comms::Audience::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not an audience; expected operations, security or leadership"))
}

pub fn run(cmd: UpdateCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(async {
        match cmd {
            UpdateCommand::Draft(a) => draft(a, &*clock).await,
            UpdateCommand::Publish(a) => publish(a, &*clock).await,
            UpdateCommand::Due(a) => due(a, &*clock).await,
            UpdateCommand::Snooze(a) => snooze(a, &*clock).await,
        }
    })
}

async fn draft(a: DraftArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let lines = comms::draft(&site, &inc, a.audience, clock.now());
    let text = lines.join("\n") + "\n";
    let flags = comms::ambiguous_terms(&site, &text);
    let mut out = std::io::stdout().lock();
    if a.json {
        let v = json!({
            "audience": a.audience.as_str(),
            "text": text,
            "flagged_terms": flags.iter().map(|f| json!({"term": f.term, "canonical": f.canonical})).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &a.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "draft written to {}: review it, then `interlock update publish --file`", path.display())?;
        }
        None => write!(out, "{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn publish(a: PublishArgs, clock: &dyn Clock) -> Result<ExitCode> {
    // A broken notification config refuses the publish before anything is written.
    let notify = a.notify_config.as_deref().map(crate::notify_cli::load_config).transpose()?;
    let site = load_site(a.common.who.site.as_deref())?;
    let text = match (&a.text, &a.file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        (None, None) => return Err(anyhow!("give --text or --file")),
    };
    let flags = comms::ambiguous_terms(&site, &text);
    if !flags.is_empty() && !a.accept_definitions {
        let mut err = std::io::stderr().lock();
        for f in &flags {
            writeln!(err, "\"{}\" is heard differently by IT and OT:", f.term)?;
            if let Some(it) = &f.it_reading {
                writeln!(err, "    IT may hear: {it}")?;
            }
            if let Some(ot) = &f.ot_reading {
                writeln!(err, "    OT may hear: {ot}")?;
            }
            writeln!(err, "    this site's definition: {}", f.canonical)?;
        }
        bail!(
            "refused, nothing written: reword the update, or publish it with --accept-definitions to append the site's definitions"
        );
    }
    let body = comms::with_definitions(&text, &flags);
    let code = write(&a.common, &a.id, clock, |_, _| {
        Ok(vec![Body::CommunicationPublished(Communication {
            audience: a.audience.as_str().into(),
            channel: a.channel.as_str().into(),
            text: body.as_str().into(),
        })])
    })
    .await?;
    if let Some(config) = &notify {
        let actor = a.common.who.actor.as_deref().unwrap_or_default();
        crate::notify_cli::send_update(&a.common.db, actor, config, &a.id, a.audience.as_str(), &body).await?;
    }
    Ok(code)
}

#[derive(Args, Debug)]
pub struct DueArgs {
    #[command(flatten)]
    db: super::Db,
    /// The site model directory (the cadence is `[site.update_every]`).
    #[arg(long, env = "INTERLOCK_SITE")]
    site: Option<PathBuf>,
    /// One incident (every incident whose cadence is running when left out).
    id: Option<String>,
    #[arg(long)]
    json: bool,
    /// Send each overdue update's reminder to the channels that take `update-overdue`
    /// (docs/notifications.md), once per due time: run it from a timer.
    #[arg(long, value_name = "FILE", env = "INTERLOCK_NOTIFY_CONFIG")]
    notify_config: Option<PathBuf>,
    /// Who sends the reminders, for the delivery log (a person id of the site model).
    #[arg(long = "as", value_name = "PERSON", env = "INTERLOCK_USER", default_value = "interlock")]
    actor: String,
}

#[derive(Args, Debug)]
pub struct SnoozeArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// One audience (every audience when left out).
    #[arg(long, value_parser = audience)]
    audience: Option<comms::Audience>,
    /// Until this time (RFC 3339)...
    #[arg(long, conflicts_with = "duration", required_unless_present = "duration", value_parser = super::time_arg)]
    until: Option<::incident::Timestamp>,
    /// ... or for this long from now ("30m", "2h").
    #[arg(long = "for")]
    duration: Option<String>,
    #[arg(long)]
    reason: String,
}

/// "90 min", "2 h", "1 d 4 h": minutes as people read them.
pub(crate) use ::incident::cadence::minutes;

async fn due(a: DueArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.site.as_deref())?;
    let store = open_store(&a.db).await?;
    let ids: Vec<String> = match &a.id {
        Some(id) => vec![id.clone()],
        None => store.incidents().await?.into_iter().map(|h| h.id.to_string()).collect(),
    };
    let now = clock.now();
    let notify = a.notify_config.as_deref().map(crate::notify_cli::load_config).transpose()?;
    let policy = ::incident::Policy::default();
    let mut rows = Vec::new();
    for id in ids {
        let inc = load(&store, &id).await?;
        if a.id.is_none() && !::incident::cadence::running(&inc) {
            continue;
        }
        let dues = ::incident::cadence::updates_due(&site, &inc);
        let to = ::incident::cadence::reminded(&site, &inc, &policy);
        rows.push((inc, dues, to));
    }
    store.close().await;
    if let Some(config) = &notify {
        for (inc, _, _) in &rows {
            let reminders = ::incident::cadence::reminders(&site, inc, &policy, now);
            if !reminders.is_empty() {
                crate::notify_cli::send_reminders(&a.db, &a.actor, config, inc, &reminders).await?;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(inc, dues, to)| {
                json!({
                    "incident": inc.id(),
                    "severity": inc.severity.as_str(),
                    "running": ::incident::cadence::running(inc),
                    "updates": dues.iter().map(|d| json!({
                        "audience": d.audience,
                        "due": d.due.to_string(),
                        "interval_minutes": d.interval_minutes,
                        "last_published": d.last,
                        "snoozed_by": d.snoozed,
                        "overdue": d.is_overdue(now),
                        "overdue_minutes": d.overdue_minutes(now),
                        "remind": if d.is_overdue(now) {
                            to.iter().map(|(r, p)| json!({"role": &**r, "person": &**p})).collect::<Vec<_>>()
                        } else { Vec::new() },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(out, "no incident has its update cadence running (it runs from the declaration until closure)")?;
    }
    for (inc, dues, to) in &rows {
        if dues.is_empty() {
            writeln!(out, "{}: no cadence (status {}, phase {})", inc.id(), inc.status, inc.phase)?;
            continue;
        }
        writeln!(
            out,
            "{}: severity {}, an update to each audience every {}",
            inc.id(),
            inc.severity,
            minutes(dues[0].interval_minutes)
        )?;
        let remind: Vec<String> = to.iter().map(|(r, p)| format!("{r} ({p})")).collect();
        for d in dues {
            let last = d.last.map(|s| format!("last #{s}")).unwrap_or_else(|| "none published yet".into());
            let snoozed = d.snoozed.map(|s| format!(", snoozed by #{s}")).unwrap_or_default();
            if d.is_overdue(now) {
                writeln!(
                    out,
                    "  {:<11} OVERDUE by {} (due {}; {last}{snoozed}): remind {}",
                    d.audience,
                    minutes(d.overdue_minutes(now) as u32),
                    d.due,
                    remind.join(", ")
                )?;
            } else {
                writeln!(out, "  {:<11} due {} ({last}{snoozed})", d.audience, d.due)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn snooze(a: SnoozeArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let cmd = Command::Snooze {
        audience: a.audience.map(|x| x.as_str().to_string()),
        until: a.until,
        duration: a.duration,
        reason: a.reason,
    };
    record(&a.common, &a.id, clock, cmd).await
}
