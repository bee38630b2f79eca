//! `interlock notify test|log|check`: notifications from the command line.
//!
//! The `notify` crate sends and retries; this module reads the config file
//! (`--notify-config`, or `INTERLOCK_NOTIFY_CONFIG`), supplies the clock and
//! the environment (secrets are named there, never in the file), and writes
//! every attempt to the store ([`notify::journal`]) as a site-level record of
//! kind `notification`: one record per delivery (message and channel), one
//! revision per attempt. `update publish --notify-config` sends the
//! published update through [`send_update`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ::incident::Timestamp;
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use notify::journal::StoreLog;
use notify::{Attempt, Config, Delivery, EventKind, Message, Notifier};
use serde_json::json;

use crate::incident::{Db, open_store};

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Send a test message to each channel (or one) and say whether it arrived, after how many attempts.
    Test(TestArgs),
    /// The delivery log: every notification's delivery to each channel, its attempts and outcome.
    Log(LogArgs),
    /// Check a notification config: every error with its file, line and field.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct ConfigFile {
    /// The notification config (TOML; docs/notifications.md).
    #[arg(long = "notify-config", value_name = "FILE", env = "INTERLOCK_NOTIFY_CONFIG")]
    pub notify_config: PathBuf,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    db: Db,
    #[command(flatten)]
    config: ConfigFile,
    /// Only this channel (sent even if its events filter leaves out "test").
    #[arg(long, value_name = "ID")]
    channel: Option<String>,
    /// Who is testing (recorded in the delivery log).
    #[arg(long = "as", value_name = "PERSON", env = "INTERLOCK_USER")]
    actor: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    #[command(flatten)]
    db: Db,
    /// Only the deliveries of this incident.
    #[arg(long, value_name = "ID")]
    incident: Option<String>,
    /// Only the deliveries to this channel.
    #[arg(long, value_name = "ID")]
    channel: Option<String>,
    /// Every attempt, not only the last of each delivery (text output; JSON always has them).
    #[arg(long)]
    attempts: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    config: ConfigFile,
}

pub fn run(cmd: NotifyCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        match cmd {
            NotifyCommand::Test(a) => test(a).await,
            NotifyCommand::Log(a) => log(a).await,
            NotifyCommand::Check(a) => {
                let c = load_config(&a.config.notify_config)?;
                println!(
                    "{}: ok, {} channel{}",
                    a.config.notify_config.display(),
                    c.channels.len(),
                    plural(c.channels.len())
                );
                for ch in &c.channels {
                    println!("  {} ({}){}", ch.id, ch.kind, filters(ch));
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// Reads and checks a config; every error in one message.
pub(crate) fn load_config(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the notification config {}", path.display()))?;
    notify::parse(&path.display().to_string(), &text).map_err(|errs| {
        let n = errs.0.len();
        anyhow!("{errs}\nthe notification config has {n} error{}; nothing was sent", plural(n))
    })
}

/// Now, Unix microseconds: `INTERLOCK_NOW` (RFC 3339) fixes it, as for incidents.
fn now_micros() -> Result<i64> {
    match std::env::var("INTERLOCK_NOW") {
        Ok(now) => Ok(Timestamp::parse(&now).map_err(|e| anyhow!("INTERLOCK_NOW: {e}"))?.micros()),
        Err(_) => Ok(system_micros()),
    }
}

fn system_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The sender: the system clock (`INTERLOCK_NOW` fixes it) and secrets from the environment.
pub(crate) fn notifier(config: &Config) -> Result<Notifier> {
    let fixed = std::env::var("INTERLOCK_NOW").is_ok().then(now_micros).transpose()?;
    let clock = move || fixed.unwrap_or_else(system_micros);
    Ok(Notifier::new(config.retry, clock, |name| std::env::var(name).ok())?)
}

/// Delivers `msg` to `channels`, logging every attempt in the store.
async fn deliver(
    db: &Db,
    actor: &str,
    config: &Config,
    channels: &[&notify::Channel],
    msg: &Message,
) -> Result<Vec<Delivery>> {
    let n = notifier(config)?;
    let store = open_store(db).await?;
    let log = StoreLog::new(&store, actor);
    let deliveries = n.deliver_all(channels, msg, &log).await;
    let failures = log.failures();
    store.close().await;
    if !failures.is_empty() {
        let mut err = std::io::stderr().lock();
        for f in &failures {
            writeln!(err, "warning: the delivery log did not take {f}")?;
        }
    }
    Ok(deliveries)
}

fn summary(d: &Delivery) -> String {
    let n = d.attempts.len();
    match d.last_outcome() {
        Some(o) if o.is_delivered() => format!("delivered after {n} attempt{}", plural(n)),
        Some(o) => format!("failed after {n} attempt{}: {o}", plural(n)),
        None => "not attempted".into(),
    }
}

fn delivery_json(d: &Delivery) -> serde_json::Value {
    json!({
        "delivery": d.id,
        "channel": d.channel,
        "kind": d.kind.as_str(),
        "delivered": d.delivered(),
        "attempts": d.attempts.len(),
        "outcome": d.last_outcome().map(|o| o.to_string()),
    })
}

async fn test(a: TestArgs) -> Result<ExitCode> {
    let config = load_config(&a.config.notify_config)?;
    let (channels, skipped) = notify::journal::test_channels(&config, a.channel.as_deref())
        .map_err(|e| anyhow!("{}: {e}", a.config.notify_config.display()))?;
    if channels.is_empty() && skipped.is_empty() {
        bail!("{} has no [[channel]]: nothing to test", a.config.notify_config.display());
    }
    let now = now_micros()?;
    let mut tag = [0u8; 4];
    getrandom::fill(&mut tag).map_err(|e| anyhow!("no randomness from the operating system: {e}"))?;
    let actor = a.actor.clone().unwrap_or_else(|| "interlock".into());
    let msg = notify::journal::test_message(&actor, now, tag);
    let deliveries = deliver(&a.db, &actor, &config, &channels, &msg).await?;
    let failed = deliveries.iter().filter(|d| !d.delivered()).count();
    let mut out = std::io::stdout().lock();
    if a.json {
        let v = json!({
            "message": msg.id,
            "deliveries": deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
            "skipped": skipped.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        for d in &deliveries {
            writeln!(out, "{} ({}): {}", d.channel, d.kind, summary(d))?;
        }
        for c in &skipped {
            writeln!(
                out,
                "{} ({}): skipped: its events filter leaves out \"test\" (use --channel {0} to test it)",
                c.id, c.kind
            )?;
        }
    }
    if failed > 0 {
        eprintln!(
            "{failed} of {} channel{} failed (see `interlock notify log`)",
            deliveries.len(),
            plural(deliveries.len())
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `update publish --notify-config`: sends the published update to the
/// channels whose audiences include it and whose events include
/// update-published; prints a line per channel. The event is written
/// already: a failed delivery is reported (and logged), not undone.
pub(crate) async fn send_update(
    db: &Db,
    actor: &str,
    config: &Config,
    incident: &str,
    audience: &str,
    text: &str,
) -> Result<Vec<Delivery>> {
    let channels = config.channels_for(Some(audience), EventKind::UpdatePublished);
    if channels.is_empty() {
        println!("no notification channel takes {audience} updates");
        return Ok(Vec::new());
    }
    let store = open_store(db).await?;
    let inc = crate::incident::load(&store, incident).await;
    store.close().await;
    let inc = inc?;
    let seq = inc.communications.last().copied().unwrap_or(inc.seq());
    let msg = notify::journal::update_message(config, incident, &inc.opened.title, seq, audience, text);
    let deliveries = deliver(db, actor, config, &channels, &msg).await?;
    let mut out = std::io::stdout().lock();
    for d in &deliveries {
        writeln!(out, "notified {} ({}): {}", d.channel, d.kind, summary(d))?;
    }
    let failed = deliveries.iter().filter(|d| !d.delivered()).count();
    if failed > 0 {
        eprintln!(
            "warning: the update is published, but {failed} of {} channel{} did not take it (see `interlock notify log --incident {incident}`)",
            deliveries.len(),
            plural(deliveries.len())
        );
    }
    Ok(deliveries)
}

async fn log(a: LogArgs) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let rows =
        notify::journal::deliveries(&store, a.incident.as_deref(), a.channel.as_deref(), a.json || a.attempts).await;
    store.close().await;
    let rows: Vec<(Attempt, Vec<Attempt>)> = rows?.into_iter().map(|l| (l.last, l.history)).collect();
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<_> = rows
            .iter()
            .map(|(last, history)| {
                json!({
                    "delivery": last.delivery,
                    "channel": last.channel,
                    "kind": last.kind,
                    "message": last.message,
                    "incident": last.incident,
                    "audience": last.audience,
                    "event": last.event,
                    "delivered": last.outcome.is_delivered(),
                    "attempts": history,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(out, "no notifications yet (try `interlock notify test`)")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{:<25} {:<14} {:<9} {:<17} {:>8}  OUTCOME", "TIME", "CHANNEL", "KIND", "EVENT", "ATTEMPT")?;
    for (last, history) in &rows {
        let shown: Vec<&Attempt> = if a.attempts { history.iter().collect() } else { vec![last] };
        writeln!(out, "{}", last.delivery)?;
        for at in shown {
            let state = match (&at.outcome, at.next_retry_at) {
                (o, _) if o.is_delivered() => o.to_string(),
                (o, Some(next)) => format!("{o}; retry at {}", time(next)),
                (o, None) => format!("{o}; gave up"),
            };
            writeln!(
                out,
                "{:<25} {:<14} {:<9} {:<17} {:>8}  {state}",
                time(at.at),
                at.channel,
                at.kind,
                at.event,
                format!("{}/{}", at.attempt, at.attempts),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn time(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).map(|t| t.to_string()).unwrap_or_else(|_| micros.to_string())
}

fn filters(c: &notify::Channel) -> String {
    let mut s = String::new();
    if let Some(a) = &c.audiences {
        s.push_str(&format!(", audiences {}", a.join(", ")));
    }
    if let Some(e) = &c.events {
        s.push_str(&format!(", events {}", e.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")));
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `update due --notify-config`: sends each overdue update's reminder to the
/// channels that take `update-overdue`, once per due time: a reminder
/// already delivered for this due time (the delivery log says so) is not
/// sent again, so `update due` can run every minute from a timer.
pub(crate) async fn send_reminders(
    db: &Db,
    actor: &str,
    config: &Config,
    incident: &::incident::Incident,
    reminders: &[::incident::cadence::UpdateReminder],
) -> Result<Vec<Delivery>> {
    let mut all = Vec::new();
    for r in reminders {
        if config.channels_for(None, EventKind::UpdateOverdue).is_empty() {
            eprintln!("no notification channel takes update-overdue reminders");
            return Ok(all);
        }
        let msg = notify::journal::reminder_message(config, incident, r);
        let store = open_store(db).await?;
        let pending = notify::journal::undelivered(&store, config, &msg).await;
        store.close().await;
        let pending = pending?;
        for c in config.channels_for(None, EventKind::UpdateOverdue) {
            if !pending.iter().any(|p| p.id == c.id) {
                eprintln!("{} reminder for {} already delivered to {}", r.due.audience, r.due.due, c.id);
            }
        }
        if pending.is_empty() {
            continue;
        }
        let deliveries = deliver(db, actor, config, &pending, &msg).await?;
        for d in &deliveries {
            eprintln!("reminded via {} ({}): {}", d.channel, d.kind, summary(d));
        }
        all.extend(deliveries);
    }
    Ok(all)
}
