//! An incident's log over a store: load and verify, then check, seal, fold
//! and append, retrying when another writer got there first.

use incident::{Context, Event, FoldError, Incident, Sealed, StageError, Verifier, stage};

use crate::{Store, StoreError};

/// How many times an append is retried after conflicts before giving up.
pub const MAX_ATTEMPTS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Stage(#[from] StageError),
    #[error("the stored record does not verify: {0}")]
    Corrupt(#[from] FoldError),
    #[error("no incident {0}")]
    NotFound(String),
    #[error("incident {0} already exists")]
    Exists(String),
    #[error("gave up after {0} attempts: other writers kept appending first")]
    Contended(usize),
    #[error("{0}")]
    Refused(String),
}

/// Loads an incident: reads its rows, verifies the chain and the head, folds.
/// Rows are checked and decoded as they arrive from the database.
pub async fn load<S: Store>(store: &S, id: &str) -> Result<Option<Incident>, LogError> {
    let mut v = Verifier::new(id);
    let mut events = Vec::new();
    let mut failed = None;
    let head = store
        .scan(id, 0, &mut |row| match v.next(row) {
            Ok(e) => {
                events.push(e);
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })
        .await?;
    let Some(head) = head else { return Ok(None) };
    if let Some(e) = failed {
        return Err(FoldError::Chain(e).into());
    }
    v.finish(head.seq, &head.hash).map_err(FoldError::Chain)?;
    Ok(Some(Incident::fold(events, v.head())?))
}

/// The events stored after the state `inc` holds, each with its chain hash,
/// verified as a continuation of the chain `inc` already verified (one indexed
/// read when there are none): fold them with [`Incident::push`]. A reader
/// that keeps an incident in memory stays current this way without
/// reloading it.
pub async fn newer<S: Store>(store: &S, inc: &Incident) -> Result<Vec<(Event, incident::Digest)>, LogError> {
    let id = inc.id();
    let mut v = Verifier::resume(id, inc.seq(), inc.head());
    let mut events = Vec::new();
    let mut failed = None;
    let head = store
        .scan(id, inc.seq(), &mut |row| match v.next(row) {
            Ok(e) => {
                events.push((e, v.head()));
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })
        .await?;
    let head = head.ok_or_else(|| LogError::NotFound(id.into()))?;
    if let Some(e) = failed {
        return Err(FoldError::Chain(e).into());
    }
    v.finish(head.seq, &head.hash).map_err(FoldError::Chain)?;
    Ok(events)
}

/// What verifying a stored chain found.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The number of events.
    pub seq: u64,
    pub head: incident::Digest,
    /// Every event's chain hash (`hashes[n - 1]` is event n's).
    pub hashes: Vec<incident::Digest>,
    /// The signed checkpoints recorded in the chain (their signatures verified).
    pub checkpoints: Vec<incident::Checkpoint>,
}

/// Verifies an incident's stored chain without folding it: every event's
/// place, bytes and hash, in-chain checkpoints, and the head; or the first
/// event that does not match.
pub async fn verify<S: Store>(store: &S, id: &str) -> Result<Verified, LogError> {
    let mut v = Verifier::new(id);
    let mut failed = None;
    let mut hashes = Vec::new();
    let mut checkpoints = Vec::new();
    let head = store
        .scan(id, 0, &mut |row| match v.next(row) {
            Ok(e) => {
                hashes.push(v.head());
                if let incident::Body::Checkpoint(c) = e.body {
                    checkpoints.push(c);
                }
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        })
        .await?;
    let Some(head) = head else { return Err(LogError::NotFound(id.into())) };
    if let Some(e) = failed {
        return Err(FoldError::Chain(e).into());
    }
    v.finish(head.seq, &head.hash).map_err(FoldError::Chain)?;
    Ok(Verified { seq: v.seq(), head: v.head(), hashes, checkpoints })
}

/// One incident's log, kept in memory between appends.
pub struct Log<'a, S: Store> {
    store: &'a S,
    cx: Context<'a>,
    id: String,
    state: Option<Incident>,
    /// The state may not match the store (after a failed append): reload it before the next.
    stale: bool,
}

impl<'a, S: Store> Log<'a, S> {
    /// Loads an existing incident.
    pub async fn open(store: &'a S, cx: Context<'a>, id: &str) -> Result<Log<'a, S>, LogError> {
        let state = load(store, id).await?.ok_or_else(|| LogError::NotFound(id.into()))?;
        Ok(Log { store, cx, id: id.into(), state: Some(state), stale: false })
    }

    /// A log that starts from a state the caller holds (a reader's cache, say).
    /// The state may be behind the store: an append that finds newer events
    /// brings it up to date and builds its events again, as after any
    /// concurrent append.
    pub fn resume(store: &'a S, cx: Context<'a>, state: Incident) -> Log<'a, S> {
        let id = state.id().to_string();
        Log { store, cx, id, state: Some(state), stale: false }
    }

    /// A log for an incident that is about to be created under `id`.
    pub fn create(store: &'a S, cx: Context<'a>, id: &str) -> Log<'a, S> {
        Log { store, cx, id: id.into(), state: None, stale: true }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The incident as of the last append or load.
    pub fn state(&self) -> Option<&Incident> {
        self.state.as_ref()
    }

    pub fn into_state(self) -> Option<Incident> {
        self.state
    }

    /// Brings the state up to the store: only the events appended since,
    /// verified as a continuation of the chain already verified.
    async fn refresh(&mut self) -> Result<(), LogError> {
        let Some(inc) = self.state.as_mut() else {
            self.state = load(self.store, &self.id).await?;
            return Ok(());
        };
        for (e, hash) in newer(self.store, inc).await? {
            inc.push(e, hash)?;
        }
        Ok(())
    }

    /// Appends the events `make` builds from the current state (`None` for a
    /// new incident). When another writer got there first the state is
    /// brought up to date and `make` called again, so the events are always
    /// checked against what they follow. Returns the sealed events as stored.
    pub async fn append(
        &mut self,
        mut make: impl FnMut(Option<&Incident>) -> Result<Vec<Event>, LogError>,
    ) -> Result<Vec<Sealed>, LogError> {
        for _ in 0..MAX_ATTEMPTS {
            if self.stale {
                self.state = load(self.store, &self.id).await?;
                self.stale = false;
            }
            let events = make(self.state.as_ref())?;
            let expected = self.state.as_ref().map_or(0, |i| i.seq());
            // One event is checked and sealed without touching the state; a
            // batch is staged on a copy (later events are checked against the
            // earlier ones). The state moves only once the store has the events.
            let (sealed, staged) = match (&self.state, events.as_slice()) {
                (Some(inc), [e]) => {
                    incident::check(Some(inc), e, &self.cx).map_err(StageError::from)?;
                    (vec![incident::seal(e, &inc.head()).map_err(StageError::from)?], None)
                }
                _ => {
                    let mut working = self.state.clone();
                    let sealed = stage(&mut working, events.clone(), &self.cx)?;
                    (sealed, Some(working))
                }
            };
            match self.store.append(&self.id, expected, &sealed).await {
                Ok(()) => {
                    match staged {
                        Some(working) => self.state = working,
                        None => {
                            if let (Some(inc), Some(e), Some(s)) =
                                (self.state.as_mut(), events.into_iter().next(), sealed.first())
                            {
                                inc.push(e, s.hash)?;
                            }
                        }
                    }
                    return Ok(sealed);
                }
                Err(StoreError::Conflict { .. }) => {
                    if let Err(e) = self.refresh().await {
                        self.stale = true;
                        return Err(e);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(LogError::Contended(MAX_ATTEMPTS))
    }
}
