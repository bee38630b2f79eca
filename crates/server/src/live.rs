//! Live updates: each incident's appended events, as Server-Sent Events.
//!
//! The [`Hub`] keeps one tokio broadcast channel per incident that has
//! subscribers. The write path publishes what it appended; on PostgreSQL a
//! listener ([`listen_postgres`]) publishes what other `serve` processes (and
//! the CLI) appended, as announced by `NOTIFY interlock_events`. Publishing
//! reads the new events from the store, so every process sends the same
//! events in the same order whoever wrote them.
//!
//! A subscriber first gets the events after the last one it saw
//! (`Last-Event-ID`, or `?after=N`) from the store, then live ones. It never
//! skips one: a gap (a batch announced by its last number, a lagging
//! receiver, a missed notification) is filled from the store.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use store::Store;
use tokio::sync::broadcast;

use crate::AppState;
use crate::service;

/// Events buffered per incident for slow subscribers (beyond it they catch up from the store).
const CAPACITY: usize = 256;

/// Credential changes buffered for the streams (beyond it every stream checks its own).
const ACCESS_CAPACITY: usize = 64;

/// How often an open stream checks that its credential still holds even when
/// nothing was announced: a session that expired, a token revoked by another
/// process on SQLite (which announces nothing).
pub const RECHECK: Duration = Duration::from_secs(60);

/// One event as sent: its number and its timeline entry as JSON.
#[derive(Debug, Clone)]
pub struct Live {
    pub seq: u64,
    pub data: Arc<str>,
    /// It changes who may see the incident (visibility, a member removed):
    /// each stream checks its user may still read it before sending it on.
    pub access: bool,
}

struct Topic {
    tx: broadcast::Sender<Arc<Live>>,
    /// The last event published (`None` until the first publication).
    last: tokio::sync::Mutex<Option<u64>>,
}

/// The broadcast channels, per incident.
pub struct Hub {
    topics: Mutex<HashMap<String, Arc<Topic>>>,
    /// Users whose credentials changed (a token revoked, sessions ended, the
    /// user disabled), here or announced by another process: each of their
    /// open streams checks at once that what it was opened with still holds.
    access: broadcast::Sender<i64>,
    /// How often an open stream checks its credential unprompted.
    recheck: Duration,
    /// Set when the server shuts down: streams end so connections close.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::with_recheck(RECHECK)
    }
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    /// A hub whose streams check their credential every `recheck` even when
    /// nothing was announced (the default is [`RECHECK`]; tests use less).
    pub fn with_recheck(recheck: Duration) -> Hub {
        Hub {
            topics: Mutex::new(HashMap::new()),
            access: broadcast::channel(ACCESS_CAPACITY).0,
            recheck,
            closing: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The user's credentials changed: their open streams check theirs now
    /// and end if it no longer holds.
    pub fn access_changed(&self, user: i64) {
        let _ = self.access.send(user);
    }

    /// Ends every stream (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    fn topics(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Topic>>> {
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver of the incident's live events.
    pub fn subscribe(&self, id: &str) -> broadcast::Receiver<Arc<Live>> {
        let mut t = self.topics();
        let topic = t.entry(id.to_string()).or_insert_with(|| {
            Arc::new(Topic { tx: broadcast::channel(CAPACITY).0, last: tokio::sync::Mutex::new(None) })
        });
        topic.tx.subscribe()
    }

    /// How many receivers the incident has (tests, metrics).
    pub fn subscribers(&self, id: &str) -> usize {
        self.topics().get(id).map_or(0, |t| t.tx.receiver_count())
    }

    /// Sends the incident's events `first..=last` (and any before them not
    /// yet sent) to its subscribers, read from the store. Nothing is read
    /// when nobody listens.
    pub async fn publish(&self, state: &AppState, id: &str, first: u64, last: u64) {
        let topic = {
            let mut t = self.topics();
            t.retain(|_, topic| topic.tx.receiver_count() > 0);
            match t.get(id) {
                Some(topic) => topic.clone(),
                None => return,
            }
        };
        let mut sent = topic.last.lock().await;
        let from = sent.unwrap_or(first.saturating_sub(1));
        if last <= from {
            return;
        }
        let Ok(events) = read_after(state, id, from).await else { return };
        for l in events {
            *sent = Some(l.seq);
            let _ = topic.tx.send(Arc::new(l));
        }
    }
}

/// The incident's events after `after`, from the store, as sent.
async fn read_after(state: &AppState, id: &str, after: u64) -> Result<Vec<Live>, String> {
    let stored = state.store.read(id, after).await.map_err(|e| e.to_string())?;
    let Some(stored) = stored else { return Ok(Vec::new()) };
    // The incident as it stands: where the events refer to earlier ones (an approval to its proposal).
    let inc = match state.incidents.load(&state.store, id).await {
        Ok(Some(inc)) => inc,
        Ok(None) => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut out = Vec::with_capacity(stored.events.len());
    for s in &stored.events {
        let e = incident::decode(&s.bytes).map_err(|e| format!("event {} does not decode: {e}", s.seq))?;
        let entry = service::live_entry(&inc, state.site.as_deref(), &e);
        let data = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        let access = matches!(e.body.kind(), incident::Kind::VisibilityChanged | incident::Kind::MemberRemoved);
        out.push(Live { seq: e.seq, data: data.into(), access });
    }
    Ok(out)
}

/// What woke a waiting stream.
enum Wake {
    Event(Result<Arc<Live>, broadcast::error::RecvError>),
    Closing,
    /// A credential change (true: possibly this stream's) or the periodic check.
    Check(bool),
}

struct Subscriber {
    state: AppState,
    /// Who the stream is for: when an event changes who may see the incident,
    /// the stream ends unless they still may.
    principal: crate::auth::Principal,
    id: String,
    rx: broadcast::Receiver<Arc<Live>>,
    closing: tokio::sync::watch::Receiver<bool>,
    access: broadcast::Receiver<i64>,
    recheck: tokio::time::Interval,
    /// The last event sent to the client.
    sent: u64,
    queue: VecDeque<Live>,
    done: bool,
}

impl Subscriber {
    /// Whether the credential the stream was opened with still holds, as the
    /// store has it now: the user exists and is enabled, and the session has
    /// not ended (or expired) or the token has not been revoked.
    async fn still_signed_in(&self) -> bool {
        let store = &self.state.store;
        let user = self.principal.user.id;
        match store.user(user).await {
            Ok(Some(u)) if !u.disabled => {}
            _ => return false,
        }
        match &self.principal.via {
            crate::auth::Via::Session { id, .. } => {
                matches!(store.session(id, self.state.now()).await, Ok(Some(s)) if s.user_id == user)
            }
            crate::auth::Via::Token { name } => {
                matches!(store.tokens(user).await, Ok(t) if t.iter().any(|t| t.name == *name))
            }
        }
    }

    /// Whether a credential change of this stream's user (or possibly of it:
    /// announcements were missed) is pending; takes every pending one.
    fn access_changed(&mut self) -> bool {
        let mut mine = false;
        loop {
            match self.access.try_recv() {
                Ok(user) => mine |= user == self.principal.user.id,
                Err(broadcast::error::TryRecvError::Lagged(_)) => mine = true,
                Err(_) => return mine,
            }
        }
    }

    /// Whether the stream's user may still read the incident, as the store has it now.
    async fn may_still_read(&self) -> bool {
        match self.state.incidents.load(&self.state.store, &self.id).await {
            Ok(Some(inc)) => service::authorize(&self.principal, service::Permission::ReadIncident(&inc)).is_ok(),
            _ => false,
        }
    }

    /// Queues what the store has after the last event sent; false when it cannot be read.
    async fn catch_up(&mut self) -> bool {
        match read_after(&self.state, &self.id, self.sent).await {
            Ok(events) => {
                self.queue.extend(events);
                true
            }
            Err(_) => false,
        }
    }

    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if self.done {
                return None;
            }
            if let Some(l) = self.queue.pop_front() {
                if l.seq <= self.sent {
                    continue;
                }
                // A credential change announced before this event was
                // published is seen before the event goes out.
                if self.access_changed() && !self.still_signed_in().await {
                    self.done = true;
                    continue;
                }
                if l.access && !self.may_still_read().await {
                    self.done = true;
                    continue;
                }
                self.sent = l.seq;
                return Some(SseEvent::default().id(l.seq.to_string()).data(&*l.data));
            }
            let woke = tokio::select! {
                biased;
                _ = self.closing.wait_for(|c| *c) => Wake::Closing,
                changed = self.access.recv() => match changed {
                    Ok(user) => Wake::Check(user == self.principal.user.id),
                    Err(broadcast::error::RecvError::Lagged(_)) => Wake::Check(true),
                    Err(broadcast::error::RecvError::Closed) => Wake::Check(false),
                },
                _ = self.recheck.tick() => Wake::Check(true),
                r = self.rx.recv() => Wake::Event(r),
            };
            let received = match woke {
                Wake::Event(r) => r,
                Wake::Closing => {
                    self.done = true;
                    continue;
                }
                Wake::Check(mine) => {
                    if mine && !self.still_signed_in().await {
                        self.done = true;
                    }
                    continue;
                }
            };
            match received {
                Ok(l) if l.seq <= self.sent => {}
                Ok(l) if l.seq == self.sent + 1 => self.queue.push_back((*l).clone()),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !self.catch_up().await {
                        self.done = true;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => self.done = true,
            }
        }
    }
}

/// The stream of an incident's events after `after`: the stored ones first,
/// then live ones, with keep-alive comments.
pub async fn stream(
    state: AppState,
    principal: crate::auth::Principal,
    id: String,
    after: u64,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, String> {
    // Subscribe before reading, so nothing appended in between is missed.
    let rx = state.hub.subscribe(&id);
    let closing = state.hub.closing.subscribe();
    let access = state.hub.access.subscribe();
    let done = *closing.borrow();
    let every = state.hub.recheck;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sub =
        Subscriber { state, principal, id, rx, closing, access, recheck, sent: after, queue: VecDeque::new(), done };
    if !sub.catch_up().await {
        return Err("the store could not be read".into());
    }
    let s = futures_util::stream::unfold(sub, |mut sub| async move {
        let e = sub.next().await?;
        Some((Ok(e), sub))
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive")))
}

/// On PostgreSQL, publishes what other processes appended, as they announce
/// it; runs until the process ends (reconnecting after errors).
pub async fn listen_postgres(state: AppState) {
    let store::AnyStore::Postgres(pg) = &*state.store else { return };
    loop {
        match store::write::listen(pg).await {
            Ok(mut l) => loop {
                match l.recv().await {
                    Ok(store::write::Announcement::Appended(id, seq)) => state.hub.publish(&state, &id, seq, seq).await,
                    Ok(store::write::Announcement::Access(user)) => state.hub.access_changed(user),
                    Err(e) => {
                        eprintln!("interlock serve: listening for other servers' events: {e}");
                        break;
                    }
                }
            },
            Err(e) => eprintln!("interlock serve: cannot listen for other servers' events: {e}"),
        }
        // Back off before reconnecting.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
