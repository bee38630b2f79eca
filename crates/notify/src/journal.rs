//! The delivery log in the store, shared by the CLI (`interlock notify`,
//! `update publish --notify-config`) and the server (`serve
//! --notify-config`): every [`Attempt`] is a revision of the record
//! (`notification`, delivery id), written as it is made, so the log shows
//! what was tried, when, and with what outcome, whoever sent it.

use std::sync::Mutex;

use store::{Record, Store, StoreError};

use crate::{Attempt, AttemptLog, Config, EventKind, Message};

/// The record kind of the delivery log.
pub const NOTIFICATION: &str = "notification";

/// An [`AttemptLog`] writing each attempt to the store: record
/// (`notification`, delivery id), revision = attempt number. A write that
/// fails does not stop the delivery; it is kept in [`StoreLog::failures`].
pub struct StoreLog<'a, S: Store + ?Sized> {
    store: &'a S,
    actor: String,
    failures: Mutex<Vec<String>>,
}

impl<'a, S: Store + ?Sized> StoreLog<'a, S> {
    /// A log writing as `actor` (the user who published, `interlock`...).
    pub fn new(store: &'a S, actor: &str) -> StoreLog<'a, S> {
        StoreLog { store, actor: actor.to_string(), failures: Mutex::new(Vec::new()) }
    }

    /// The attempts the store did not take, one line each.
    pub fn failures(self) -> Vec<String> {
        self.failures.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn failed(&self, a: &Attempt, e: &dyn std::fmt::Display) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{} attempt {}: {e}", a.delivery, a.attempt));
    }
}

impl<S: Store + Sync + ?Sized> AttemptLog for StoreLog<'_, S> {
    async fn record(&self, a: &Attempt) {
        let body = match serde_json::to_string(a) {
            Ok(b) => b,
            Err(e) => return self.failed(a, &e),
        };
        let r = Record {
            kind: NOTIFICATION.into(),
            id: a.delivery.clone(),
            rev: u64::from(a.attempt),
            recorded_at: a.at,
            actor: self.actor.clone(),
            reason: format!("attempt {} of {}: {}", a.attempt, a.attempts, a.outcome),
            body,
        };
        if let Err(e) = self.store.put_record(&r).await {
            self.failed(a, &e);
        }
    }
}

/// The message announcing an incident's published update (event `seq`, a
/// `communication-published`) to `audience`.
pub fn update_message(config: &Config, incident: &str, title: &str, seq: u64, audience: &str, text: &str) -> Message {
    Message {
        id: format!("{incident}#{seq}"),
        incident: Some(incident.into()),
        title: Some(title.into()),
        audience: Some(audience.into()),
        event: EventKind::UpdatePublished,
        subject: format!("[{incident}] {title}: status update for {audience}"),
        text: text.into(),
        link: config.link_for(incident),
    }
}

/// A test of the channels (`interlock notify test`, the API's
/// `POST /api/notifications/test`), sent by `actor` at `now` (Unix
/// microseconds); `tag` makes the message id unique.
pub fn test_message(actor: &str, now: i64, tag: [u8; 4]) -> Message {
    let at = incident::Timestamp::from_unix_micros(now).map(|t| t.to_string()).unwrap_or_else(|_| now.to_string());
    Message {
        id: format!("test-{at}-{}", tag.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        incident: None,
        title: None,
        audience: None,
        event: EventKind::Test,
        subject: "Interlock: test notification".into(),
        text: format!("This is a test of Interlock's notification channels, sent by {actor}.\nNo action is needed."),
        link: None,
    }
}

/// The channels a test goes to: `only` (an id of the config), or every
/// channel whose events filter takes `test`; and the channels skipped
/// (their filter leaves tests out). An unknown id is an error naming the
/// nearest one.
pub fn test_channels<'c>(
    config: &'c Config,
    only: Option<&str>,
) -> Result<(Vec<&'c crate::Channel>, Vec<&'c crate::Channel>), String> {
    match only {
        Some(id) => match config.channel(id) {
            Some(c) => Ok((vec![c], Vec::new())),
            None => {
                let hint = crate::config::nearest(id, config.channels.iter().map(|c| c.id.as_str()))
                    .map(|n| format!("; did you mean \"{n}\"?"))
                    .unwrap_or_default();
                Err(format!("no channel \"{id}\"{hint}"))
            }
        },
        None => Ok(config.channels.iter().partition(|c| c.accepts(None, EventKind::Test))),
    }
}

/// The reminder that an audience's update is overdue (`update-overdue`):
/// one message per audience and due time, so it is sent once however often
/// the reminders are looked for.
pub fn reminder_message(config: &Config, inc: &incident::Incident, r: &incident::cadence::UpdateReminder) -> Message {
    let id = inc.id();
    let title = inc.opened.title.to_string();
    let to: Vec<String> = r.to.iter().map(|(role, person)| format!("{person} ({role})")).collect();
    Message {
        id: format!("{id}#overdue-{}-{}", r.due.audience, r.due.due.micros()),
        incident: Some(id.into()),
        title: Some(title.clone()),
        audience: Some(r.due.audience.into()),
        event: EventKind::UpdateOverdue,
        subject: format!("[{id}] {title}: the {} update is overdue", r.due.audience),
        text: format!(
            "The status update to **{}** was due {} ({} min ago; every {} at severity {}).\n\nReminder to {}: draft it with `interlock update draft {id} --audience {}` or the board's update composer, or snooze it with a reason.",
            r.due.audience,
            r.due.due,
            r.overdue_minutes,
            incident::cadence::minutes(r.due.interval_minutes),
            inc.severity,
            to.join(", "),
            r.due.audience,
        ),
        link: config.link_for(id),
    }
}

/// The channels of `config` taking update-overdue reminders to which `msg`
/// has not been delivered yet (the delivery log says).
pub async fn undelivered<'c, S: Store + ?Sized>(
    store: &S,
    config: &'c Config,
    msg: &Message,
) -> Result<Vec<&'c crate::Channel>, StoreError> {
    let mut out = Vec::new();
    for c in config.channels_for(None, msg.event) {
        let history = store.record_history(NOTIFICATION, &msg.delivery_id(&c.id)).await?;
        let delivered =
            history.iter().any(|h| serde_json::from_str::<Attempt>(&h.body).is_ok_and(|a| a.outcome.is_delivered()));
        if !delivered {
            out.push(c);
        }
    }
    Ok(out)
}

/// A delivery as the log has it: its last attempt, and every attempt in order.
#[derive(Debug, Clone)]
pub struct Logged {
    pub last: Attempt,
    pub history: Vec<Attempt>,
}

/// Why the log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("notification record {id} revision {rev} is not an attempt: {error}")]
    NotAnAttempt { id: String, rev: u64, error: serde_json::Error },
}

/// The deliveries in the log, about `incident` and to `channel` when given,
/// in the order they were first tried; with `history`, every attempt of each.
pub async fn deliveries<S: Store + ?Sized>(
    store: &S,
    incident: Option<&str>,
    channel: Option<&str>,
    history: bool,
) -> Result<Vec<Logged>, JournalError> {
    let parse = |r: &Record| {
        serde_json::from_str::<Attempt>(&r.body).map_err(|error| JournalError::NotAnAttempt {
            id: r.id.clone(),
            rev: r.rev,
            error,
        })
    };
    let mut out = Vec::new();
    for r in store.records(NOTIFICATION).await? {
        let last = parse(&r)?;
        if incident.is_some_and(|i| last.incident.as_deref() != Some(i)) || channel.is_some_and(|c| last.channel != c) {
            continue;
        }
        let mut all = Vec::new();
        if history {
            for h in store.record_history(NOTIFICATION, &r.id).await? {
                all.push(parse(&h)?);
            }
        }
        out.push(Logged { last, history: all });
    }
    let first = |l: &Logged| l.history.first().map_or(l.last.at, |f| f.at);
    out.sort_by(|x, y| first(x).cmp(&first(y)).then_with(|| x.last.delivery.cmp(&y.last.delivery)));
    Ok(out)
}
