//! The one write path of an existing incident, shared by the CLI and the
//! server: the events a closure builds from the incident as it stands are
//! checked against the loaded site model (and, for response actions, the
//! impact engine and authority matrix), sealed, appended with the expected
//! sequence number, and rebuilt and retried when another writer appended
//! first ([`Log::append`]). After the append the store announces it
//! ([`Announce`]): on PostgreSQL a `NOTIFY interlock_events, '<incident>:<seq>'`
//! that other processes [`listen`] for; on SQLite nothing (one process).

use std::future::Future;

use incident::{Body, Context, Event, Incident, Policy, Sealed, Timestamp};
use site_model::Site;
use sqlx::postgres::PgListener;

use crate::log::{Log, LogError};
use crate::{AnyStore, PgStore, SqliteStore, Store, StoreError};

/// The PostgreSQL channel appends are announced on.
pub const CHANNEL: &str = "interlock_events";

/// The PostgreSQL channel on which a change to a user's credentials (a token
/// revoked, sessions ended, the user disabled or enabled) is announced, with
/// the user's id as payload: other processes end that user's open streams
/// unless the credential they were opened with still holds.
pub const ACCESS_CHANNEL: &str = "interlock_access";

/// What the write path appended, and the incident after it.
#[derive(Debug)]
pub struct Written {
    /// The events as stored, in order.
    pub sealed: Vec<Sealed>,
    /// The incident with them folded in.
    pub incident: Incident,
    /// Set when the append could not be announced to other processes (the
    /// events are stored; listeners catch up with the next announcement).
    pub announce_failed: Option<StoreError>,
}

/// Why nothing was written: the closure refused (its own error), or the rules,
/// the store or the record did.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<E> {
    #[error("{0}")]
    Make(E),
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Telling other processes that an incident has new events.
pub trait Announce {
    /// Announces that `id` has events up to `seq`.
    fn announce(&self, id: &str, seq: u64) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl Announce for SqliteStore {
    async fn announce(&self, _id: &str, _seq: u64) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Announce for PgStore {
    async fn announce(&self, id: &str, seq: u64) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(format!("{id}:{seq}")).execute(self.pool()).await?;
        Ok(())
    }
}

impl Announce for AnyStore {
    async fn announce(&self, id: &str, seq: u64) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.announce(id, seq).await,
            AnyStore::Postgres(p) => p.announce(id, seq).await,
        }
    }
}

/// Numbers bodies as the next events of `inc`.
pub fn events(inc: &Incident, actor: &str, now: Timestamp, bodies: Vec<Body>) -> Vec<Event> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| Event {
            incident: inc.id().into(),
            seq: inc.seq() + 1 + i as u64,
            recorded_at: now,
            actor: actor.into(),
            body,
        })
        .collect()
}

/// Appends the bodies `make` builds from the incident `id` as it stands, as
/// events of `actor` recorded at `now`: checked against `site` (and `engine`
/// for response actions), sealed, appended; rebuilt from the newer state and
/// retried when another writer appended first. `make` returning an error
/// writes nothing.
pub async fn write<S, E>(
    store: &S,
    site: &Site,
    engine: Option<authority::Engine<'_>>,
    id: &str,
    actor: &str,
    now: Timestamp,
    make: impl FnMut(&Incident) -> Result<Vec<Body>, E>,
) -> Result<Written, WriteError<E>>
where
    S: Store + Announce + Sync,
    E: std::fmt::Display,
{
    write_from(store, site, engine, None, id, actor, now, make).await
}

/// [`write`], starting from a state of the incident the caller already holds
/// (`None`: load it). The state should be current (see [`crate::newer`]): the
/// closure sees it first, and only when the store turns out to have moved on
/// is it brought up to date and the closure called again.
#[allow(clippy::too_many_arguments)]
pub async fn write_from<S, E>(
    store: &S,
    site: &Site,
    engine: Option<authority::Engine<'_>>,
    start: Option<Incident>,
    id: &str,
    actor: &str,
    now: Timestamp,
    mut make: impl FnMut(&Incident) -> Result<Vec<Body>, E>,
) -> Result<Written, WriteError<E>>
where
    S: Store + Announce + Sync,
    E: std::fmt::Display,
{
    let policy = Policy::default();
    let cx = Context { site, policy: &policy, engine };
    let mut log = match start {
        Some(inc) if inc.id() == id => Log::resume(store, cx, inc),
        _ => Log::open(store, cx, id).await?,
    };
    let mut failure: Option<E> = None;
    let appended = log
        .append(|inc| {
            let inc = inc.ok_or_else(|| LogError::NotFound(id.into()))?;
            match make(inc) {
                Ok(bodies) => Ok(events(inc, actor, now, bodies)),
                Err(e) => {
                    let msg = e.to_string();
                    failure = Some(e);
                    Err(LogError::Refused(msg))
                }
            }
        })
        .await;
    let sealed = match appended {
        Ok(sealed) => sealed,
        Err(e) => return Err(failure.map_or(WriteError::Log(e), WriteError::Make)),
    };
    let incident = log.into_state().ok_or_else(|| LogError::NotFound(id.into()))?;
    let announce_failed = store.announce(id, incident.seq()).await.err();
    Ok(Written { sealed, incident, announce_failed })
}

/// A new incident: what it is raised as, and whether it is declared at once.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The id; `None`: the next free `INC-YYYYMMDD-N` of the day of `now`.
    pub id: Option<String>,
    pub opened: incident::Opened,
    /// Declared at once (a commander), with the reason.
    pub declare: Option<String>,
}

/// The id prefix of incidents opened on the day of `now`: `INC-YYYYMMDD-`.
pub fn id_prefix(now: Timestamp) -> String {
    let s = now.to_string();
    format!("INC-{}-", s.get(..10).unwrap_or("0000-00-00").replace('-', ""))
}

/// Opens a new incident as `actor` at `now` (and declares it when asked):
/// checked against `site` like every append, so whoever may not raise (or
/// declare) it is refused and nothing is written. Without an id the next
/// free number of the day is taken, racing writers each getting their own.
/// Returns the incident as written.
pub async fn open<S>(
    store: &S,
    site: &Site,
    actor: &str,
    now: Timestamp,
    opening: &Opening,
) -> Result<Written, LogError>
where
    S: Store + Announce + Sync,
{
    let policy = Policy::default();
    let cx = Context { site, policy: &policy, engine: None };
    let prefix = id_prefix(now);
    let mut n = match &opening.id {
        Some(_) => 0,
        None => {
            let heads = store.incidents().await?;
            heads.iter().filter_map(|h| h.id.strip_prefix(&prefix)?.parse::<u64>().ok()).max().unwrap_or(0) + 1
        }
    };
    for _ in 0..100 {
        let id = match &opening.id {
            Some(id) => id.clone(),
            None => format!("{prefix}{n}"),
        };
        let mut log = Log::create(store, cx, &id);
        let r = log
            .append(|existing| {
                if existing.is_some() {
                    return Err(LogError::Exists(id.clone()));
                }
                let mut events = vec![incident::first_event(&id, actor, now, opening.opened.clone())];
                if let Some(reason) = &opening.declare {
                    events.push(Event {
                        incident: id.as_str().into(),
                        seq: 2,
                        recorded_at: now,
                        actor: actor.into(),
                        body: Body::Declared {
                            reason: reason.as_str().into(),
                            site_version: opening.opened.site_version,
                        },
                    });
                }
                Ok(events)
            })
            .await;
        match r {
            Ok(sealed) => {
                let incident = log.into_state().ok_or_else(|| LogError::NotFound(id.clone()))?;
                let announce_failed = store.announce(&id, incident.seq()).await.err();
                return Ok(Written { sealed, incident, announce_failed });
            }
            Err(LogError::Exists(_)) if opening.id.is_none() => n += 1,
            Err(e) => return Err(e),
        }
    }
    Err(LogError::Refused("could not find a free incident id".into()))
}

/// Parses an announcement's payload, `<incident>:<seq>`.
pub fn parse_announcement(payload: &str) -> Option<(&str, u64)> {
    let (id, seq) = payload.rsplit_once(':')?;
    Some((id, seq.parse().ok()?))
}

/// A PostgreSQL connection listening for announcements of appends and of
/// credential changes.
pub struct Listener(PgListener);

/// What another process announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    /// The incident has events up to this one.
    Appended(String, u64),
    /// This user's credentials changed ([`ACCESS_CHANNEL`]).
    Access(i64),
}

/// Listens on [`CHANNEL`] and [`ACCESS_CHANNEL`] with a connection of its own
/// from the store's pool settings.
pub async fn listen(store: &PgStore) -> Result<Listener, StoreError> {
    let mut l = PgListener::connect_with(store.pool()).await?;
    l.listen_all([CHANNEL, ACCESS_CHANNEL]).await?;
    Ok(Listener(l))
}

impl Listener {
    /// The next announcement. After a lost connection the listener
    /// reconnects; announcements made meanwhile are missed, which readers make
    /// up for by reading from the last event they saw (and streams by checking
    /// their credential again at intervals).
    pub async fn recv(&mut self) -> Result<Announcement, StoreError> {
        loop {
            let n = self.0.recv().await?;
            if n.channel() == ACCESS_CHANNEL {
                if let Ok(user) = n.payload().parse() {
                    return Ok(Announcement::Access(user));
                }
            } else if let Some((id, seq)) = parse_announcement(n.payload()) {
                return Ok(Announcement::Appended(id.to_string(), seq));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_announcement;

    #[test]
    fn announcements_name_the_incident_and_the_last_event() {
        assert_eq!(parse_announcement("INC-20261126-1:42"), Some(("INC-20261126-1", 42)));
        assert_eq!(parse_announcement("INC-1"), None);
        assert_eq!(parse_announcement("INC-1:x"), None);
    }
}
