//! The incidents as folded state, kept in memory between requests.
//!
//! A board is read far more often than an incident changes, and loading an
//! incident (every row read, every hash verified, every event decoded and
//! folded) costs in proportion to its length. The cache keeps each incident
//! read once; a later read asks the store only for the events after the one
//! it holds (one indexed read, usually empty), verifies them as a
//! continuation of the chain and folds them in. The store stays the truth:
//! whatever process appended (this server, another one on the same
//! PostgreSQL, the CLI), the next read sees it; nothing is trusted that was
//! not verified.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use incident::Incident;
use store::{AnyStore, LogError};

/// Folded incidents by id, each current as of the last read.
#[derive(Default)]
pub struct IncidentCache {
    map: Mutex<HashMap<String, Arc<Incident>>>,
    /// Bringing a state up to date copies it: one task at a time does, and
    /// the others that found the same new events take its result.
    update: tokio::sync::Mutex<()>,
}

impl IncidentCache {
    pub fn new() -> IncidentCache {
        IncidentCache::default()
    }

    fn cached(&self, id: &str) -> Option<Arc<Incident>> {
        self.map.lock().ok().and_then(|m| m.get(id).cloned())
    }

    /// Keeps a state (after a write), unless a longer one is kept already.
    pub fn keep(&self, inc: Arc<Incident>) {
        if let Ok(mut m) = self.map.lock() {
            // Keep the longest: a concurrent reader may have folded further.
            let longer = m.get(inc.id()).is_none_or(|old| old.seq() < inc.seq());
            if longer {
                m.insert(inc.id().to_string(), inc);
            }
        }
    }

    /// The state kept for `head`'s incident when it is that head (the same
    /// number of events, the same chain hash): current without asking the
    /// store again, for a caller that has just listed the heads.
    pub fn at_head(&self, head: &store::Head) -> Option<Arc<Incident>> {
        self.cached(&head.id).filter(|inc| inc.seq() == head.seq && inc.head().0[..] == head.hash[..])
    }

    /// The incident as the store has it now, or `None` when there is no such incident.
    pub async fn load(&self, store: &AnyStore, id: &str) -> Result<Option<Arc<Incident>>, LogError> {
        match self.cached(id) {
            None => {
                let Some(inc) = store::load(store, id).await? else { return Ok(None) };
                let inc = Arc::new(inc);
                self.keep(inc.clone());
                Ok(Some(inc))
            }
            Some(inc) => {
                let newer = store::newer(store, &inc).await?;
                if newer.is_empty() {
                    return Ok(Some(inc));
                }
                let _one = self.update.lock().await;
                let wanted = inc.seq() + newer.len() as u64;
                if let Some(current) = self.cached(id).filter(|c| c.seq() >= wanted) {
                    return Ok(Some(current));
                }
                let mut next = (*inc).clone();
                for (e, hash) in newer {
                    next.push(e, hash).map_err(LogError::from)?;
                }
                let next = Arc::new(next);
                self.keep(next.clone());
                Ok(Some(next))
            }
        }
    }
}
