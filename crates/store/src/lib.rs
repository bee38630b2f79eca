//! Interlock's incident store: one async trait ([`Store`]) and two
//! implementations, SQLite ([`SqliteStore`], the default: a data directory)
//! and PostgreSQL ([`PgStore`], by URL). Migrations per backend are embedded.
//!
//! The store keeps sealed events (bytes, hash, and the kind, time and actor
//! beside them for queries) and each incident's head. It knows nothing of the
//! rules: [`log`] checks, seals and folds with the pure `incident` crate, and
//! appends with an expected sequence number so that a racing writer gets a
//! [`StoreError::Conflict`] and retries; chains never fork and have no gaps.
//!
//! Commits are durable: SQLite runs in WAL mode with `synchronous=FULL`;
//! PostgreSQL keeps its default (`fsync`, `synchronous_commit=on`).

pub mod bench;
pub mod log;
mod migrate;
pub mod pg;
mod sqlite;

use std::future::Future;
use std::path::Path;

use incident::{Row, Sealed};

pub use log::{Log, LogError, load};
pub use pg::PgStore;
pub use sqlite::SqliteStore;

/// An incident's head: the number and hash of its last event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub id: String,
    pub seq: u64,
    /// As stored (32 bytes unless tampered with).
    pub hash: Vec<u8>,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub kind: i64,
    pub recorded_at: i64,
    pub actor: String,
    pub hash: Vec<u8>,
    pub bytes: Vec<u8>,
}

impl StoredEvent {
    pub fn row(&self) -> Row<'_> {
        Row { seq: self.seq, kind: self.kind, recorded_at: self.recorded_at, bytes: &self.bytes, hash: &self.hash }
    }
}

/// An incident's head and its events after some point, read consistently.
#[derive(Debug, Clone)]
pub struct Stored {
    pub head: Head,
    pub events: Vec<StoredEvent>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("incident {id} moved on: expected its last event to be {expected}, it is {actual}")]
    Conflict { id: String, expected: u64, actual: u64 },
    #[error("no incident {0} in this store")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database schema: {0}")]
    Schema(String),
    #[error("cannot open the data directory {path}: {source}")]
    Dir { path: String, source: std::io::Error },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Where incidents are kept.
pub trait Store: Send + Sync {
    /// Appends sealed events after event `expected` (0 creates the incident).
    /// Atomic: all the events or none. Fails with [`StoreError::Conflict`] when
    /// the incident's last event is no longer `expected`.
    fn append(&self, id: &str, expected: u64, events: &[Sealed])
    -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The head and the events after `after`, in order, read in one snapshot;
    /// `None` when there is no such incident.
    fn read(&self, id: &str, after: u64) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Streams the rows after `after` to `visit` in order, as they are read,
    /// inside the same snapshot as the head it returns (`None`: no such
    /// incident). `visit` returns `false` to stop early. This is how a long
    /// chain is verified and decoded while it is still being read.
    fn scan(
        &self,
        id: &str,
        after: u64,
        visit: &mut (dyn FnMut(Row<'_>) -> bool + Send),
    ) -> impl Future<Output = Result<Option<Head>, StoreError>> + Send;

    /// Every incident's head, by id.
    fn incidents(&self) -> impl Future<Output = Result<Vec<Head>, StoreError>> + Send;

    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
}

/// Checks a batch before it is stored: numbered from `expected + 1`, without gaps.
pub(crate) fn check_batch(id: &str, expected: u64, events: &[Sealed]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Err(StoreError::Invalid(format!("an empty append to incident {id}")));
    }
    for (i, e) in events.iter().enumerate() {
        if e.seq != expected + 1 + i as u64 {
            return Err(StoreError::Invalid(format!(
                "event {} of the batch is numbered {}, expected {}",
                i + 1,
                e.seq,
                expected + 1 + i as u64
            )));
        }
        if e.bytes.len() > incident::MAX_EVENT_BYTES {
            return Err(StoreError::Invalid(format!("event {} is {} bytes, over the limit", e.seq, e.bytes.len())));
        }
    }
    if i64::try_from(expected + events.len() as u64).is_err() {
        return Err(StoreError::Invalid("sequence number out of range".into()));
    }
    Ok(())
}

pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Invalid(format!("stored {what} {v} is negative")))
}

/// Either backend, chosen at run time.
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// A SQLite store at `dir/interlock.db` (created with the directory when missing).
    pub async fn sqlite(dir: &Path) -> Result<AnyStore, StoreError> {
        Ok(AnyStore::Sqlite(SqliteStore::open(dir).await?))
    }

    /// A PostgreSQL store at `url` (`postgres://user@host:port/database`).
    pub async fn postgres(url: &str) -> Result<AnyStore, StoreError> {
        Ok(AnyStore::Postgres(PgStore::connect(url).await?))
    }

    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(p) => p.close().await,
        }
    }
}

impl Store for AnyStore {
    async fn append(&self, id: &str, expected: u64, events: &[Sealed]) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.append(id, expected, events).await,
            AnyStore::Postgres(p) => p.append(id, expected, events).await,
        }
    }

    async fn read(&self, id: &str, after: u64) -> Result<Option<Stored>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.read(id, after).await,
            AnyStore::Postgres(p) => p.read(id, after).await,
        }
    }

    async fn scan(
        &self,
        id: &str,
        after: u64,
        visit: &mut (dyn FnMut(Row<'_>) -> bool + Send),
    ) -> Result<Option<Head>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.scan(id, after, visit).await,
            AnyStore::Postgres(p) => p.scan(id, after, visit).await,
        }
    }

    async fn incidents(&self) -> Result<Vec<Head>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.incidents().await,
            AnyStore::Postgres(p) => p.incidents().await,
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.backend(),
            AnyStore::Postgres(p) => p.backend(),
        }
    }
}
