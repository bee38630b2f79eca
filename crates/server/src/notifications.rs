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

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
}

impl Notifications {
    pub fn new(config: Config, notifier: Notifier) -> Notifications {
        Notifications { config, notifier, in_flight: AtomicUsize::new(0), settled: tokio::sync::Notify::new() }
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
    let store = state.store.clone();
    let actor = actor.to_string();
    n.in_flight.fetch_add(1, Ordering::SeqCst);
    let task = Arc::clone(&n);
    tokio::spawn(async move {
        let channels = task.config.channels_for(msg.audience.as_deref(), EventKind::UpdatePublished);
        let log = notify::journal::StoreLog::new(&*store, &actor);
        task.notifier.deliver_all(&channels, &msg, &log).await;
        for f in log.failures() {
            eprintln!("interlock serve: the delivery log did not take {f}");
        }
        if task.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            task.settled.notify_waiters();
        }
    });
    ids
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

/// The incident's deliveries, in the order they were first tried.
pub async fn deliveries(state: &AppState, incident: &str) -> Result<Vec<DeliveryView>, crate::service::ServiceError> {
    let time =
        |t: i64| incident::Timestamp::from_unix_micros(t).map(|t| t.to_string()).unwrap_or_else(|_| t.to_string());
    let logged = notify::journal::deliveries(&*state.store, Some(incident), None, false)
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
