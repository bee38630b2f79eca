//! Sending published updates to the site's notification channels
//! (`interlock serve --notify-config FILE`, docs/notifications.md).
//!
//! Publishing an update records it in the incident first; the deliveries
//! then run in the background (retries and back-off can take minutes and the
//! person publishing does not wait for a chat server), each attempt written to
//! the store's delivery log as it is made ([`notify::journal`], the same log
//! `interlock notify log` reads). The server answers with the channels it is
//! sending to; `GET /api/incidents/{id}/notifications` and the update
//! composer show the outcome. On shutdown the server waits a bounded time for
//! deliveries in flight.
//!
//! The server also sends the update-overdue reminders ([`remind_due`], every
//! [`REMIND_EVERY`] from [`remind_loop`]): for each incident whose update
//! cadence runs, each audience's update past its due time goes to the
//! channels taking `update-overdue`, once per due time (the delivery log says
//! what was delivered; what is being delivered is remembered meanwhile), as
//! `interlock update due --notify-config` does from a timer.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::{Config, EventKind, Notifier};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// The notification config and its sender.
pub struct Notifications {
    pub config: Config,
    notifier: Notifier,
    in_flight: AtomicUsize,
    settled: tokio::sync::Notify,
    /// Reminders being delivered (message ids): not started again meanwhile.
    reminding: Mutex<HashSet<String>>,
}

/// How often the server looks for overdue updates.
pub const REMIND_EVERY: Duration = Duration::from_secs(60);

impl Notifications {
    pub fn new(config: Config, notifier: Notifier) -> Notifications {
        Notifications {
            config,
            notifier,
            in_flight: AtomicUsize::new(0),
            settled: tokio::sync::Notify::new(),
            reminding: Mutex::new(HashSet::new()),
        }
    }

    /// Runs `msg`'s delivery to `channels` (ids of the config) in the
    /// background, each attempt in the delivery log as `actor`; `done` runs
    /// after it.
    fn spawn(
        self: &Arc<Self>,
        store: Arc<store::AnyStore>,
        actor: String,
        msg: notify::Message,
        channels: Vec<String>,
        done: impl FnOnce(&Notifications) + Send + 'static,
    ) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let task = Arc::clone(self);
        tokio::spawn(async move {
            let chosen: Vec<&notify::Channel> =
                task.config.channels.iter().filter(|c| channels.contains(&c.id)).collect();
            let log = notify::journal::StoreLog::new(&*store, &actor);
            task.notifier.deliver_all(&chosen, &msg, &log).await;
            for f in log.failures() {
                eprintln!("interlock serve: the delivery log did not take {f}");
            }
            done(&task);
            if task.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
                task.settled.notify_waiters();
            }
        });
    }

    /// Waits until no delivery is in flight, at most `max`; whether none is.
    pub async fn settle(&self, max: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.settled.notified();
                if self.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(max, wait).await.is_ok()
    }
}

/// Sends the update published as event `seq` of `incident` to every channel
/// taking `audience` updates, in the background; returns those channels' ids.
pub fn send_update(
    state: &AppState,
    actor: &str,
    incident: &incident::Incident,
    seq: u64,
    audience: &str,
    text: &str,
) -> Vec<String> {
    let Some(n) = state.notify.clone() else { return Vec::new() };
    let ids: Vec<String> =
        n.config.channels_for(Some(audience), EventKind::UpdatePublished).iter().map(|c| c.id.clone()).collect();
    if ids.is_empty() {
        return ids;
    }
    let msg = notify::journal::update_message(&n.config, incident.id(), &incident.opened.title, seq, audience, text);
    n.spawn(state.store.clone(), actor.to_string(), msg, ids.clone(), |_| {});
    ids
}

/// Starts the delivery of every update-overdue reminder due at the server's
/// time and not yet delivered (nor being delivered); returns the messages
/// started (`INC-…#overdue-AUDIENCE-DUE`).
pub async fn remind_due(state: &AppState) -> Vec<String> {
    let (Some(n), Some(site)) = (state.notify.clone(), state.site.clone()) else { return Vec::new() };
    if n.config.channels_for(None, EventKind::UpdateOverdue).is_empty() {
        return Vec::new();
    }
    let Ok(now) = incident::Timestamp::from_unix_micros(state.now()) else { return Vec::new() };
    let policy = incident::Policy::default();
    let mut started = Vec::new();
    for inc in crate::service::every_incident(state, "looking for overdue updates").await {
        if !incident::cadence::running(&inc) {
            continue;
        }
        for r in incident::cadence::reminders(&site, &inc, &policy, now) {
            let msg = notify::journal::reminder_message(&n.config, &inc, &r);
            let fresh = n.reminding.lock().unwrap_or_else(|e| e.into_inner()).insert(msg.id.clone());
            if !fresh {
                continue;
            }
            let channels = match notify::journal::undelivered(&*state.store, &n.config, &msg).await {
                Ok(c) => c.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
                Err(e) => {
                    eprintln!("interlock serve: reading the delivery log: {e}");
                    Vec::new()
                }
            };
            let id = msg.id.clone();
            if channels.is_empty() {
                n.reminding.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                continue;
            }
            started.push(id.clone());
            n.spawn(state.store.clone(), crate::service::SYSTEM.into(), msg, channels, move |n| {
                n.reminding.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            });
        }
    }
    started
}

/// Looks for overdue updates every [`REMIND_EVERY`] while the server runs
/// (nothing to do without a notification config).
pub async fn remind_loop(state: AppState) {
    if state.notify.is_none() {
        return;
    }
    let mut every = tokio::time::interval(REMIND_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        remind_due(&state).await;
    }
}

/// One delivery of the incident's notifications, as the log has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The message and the channel, `INC-1#12/ops-hook`.
    pub delivery: String,
    pub channel: String,
    /// webhook, slack, teams, email.
    pub kind: String,
    /// update-published, update-overdue...
    pub event: String,
    pub audience: Option<String>,
    pub delivered: bool,
    /// Attempts made so far, and allowed in all.
    pub attempts: u32,
    pub max_attempts: u32,
    /// The last attempt's outcome.
    pub outcome: String,
    /// When the last attempt started (RFC 3339).
    pub at: String,
    /// When the next attempt is due (RFC 3339); none when it was the last.
    pub next_retry_at: Option<String>,
}

/// The deliveries of one incident's notifications, or of all of them
/// (`None`), to one channel or all, in the order they were first tried.
pub async fn deliveries(
    state: &AppState,
    incident: Option<&str>,
    channel: Option<&str>,
) -> Result<Vec<DeliveryView>, crate::service::ServiceError> {
    let time =
        |t: i64| incident::Timestamp::from_unix_micros(t).map(|t| t.to_string()).unwrap_or_else(|_| t.to_string());
    let logged = notify::journal::deliveries(&*state.store, incident, channel, false)
        .await
        .map_err(|e| crate::service::ServiceError::Store(e.to_string()))?;
    Ok(logged
        .into_iter()
        .map(|l| {
            let a = l.last;
            DeliveryView {
                delivered: a.outcome.is_delivered(),
                outcome: a.outcome.to_string(),
                at: time(a.at),
                next_retry_at: a.next_retry_at.map(time),
                attempts: a.attempt,
                max_attempts: a.attempts,
                delivery: a.delivery,
                channel: a.channel,
                kind: a.kind,
                event: a.event,
                audience: a.audience,
            }
        })
        .collect())
}

/// A test of the channels, started.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestStarted {
    /// The test message's id: its deliveries are `MESSAGE/CHANNEL` in the delivery log.
    pub message: String,
    /// The channels it is being sent to.
    pub channels: Vec<String>,
    /// Channels whose events filter leaves tests out (name one to test it).
    pub skipped: Vec<String>,
}

/// Sends a test message to `channel`, or to every channel taking tests, in
/// the background (retries and back-off as for any message); the delivery
/// log (`GET /api/notifications`) has the outcome.
pub fn send_test(
    state: &AppState,
    actor: &str,
    channel: Option<&str>,
) -> Result<TestStarted, crate::service::ServiceError> {
    use crate::service::ServiceError;
    let Some(n) = state.notify.clone() else {
        return Err(ServiceError::Conflict(
            "the server was started without a notification config (--notify-config FILE): no channel to test".into(),
        ));
    };
    let (channels, skipped) = notify::journal::test_channels(&n.config, channel).map_err(ServiceError::Invalid)?;
    let ids: Vec<String> = channels.iter().map(|c| c.id.clone()).collect();
    let skipped = skipped.iter().map(|c| c.id.clone()).collect();
    if ids.is_empty() {
        return Err(ServiceError::Conflict("no channel takes test messages: name one with \"channel\"".into()));
    }
    let mut tag = [0u8; 4];
    getrandom::fill(&mut tag).map_err(|e| ServiceError::Store(format!("no randomness: {e}")))?;
    let msg = notify::journal::test_message(actor, state.now(), tag);
    let message = msg.id.clone();
    n.spawn(state.store.clone(), actor.to_string(), msg, ids.clone(), |_| {});
    Ok(TestStarted { message, channels: ids, skipped })
}
