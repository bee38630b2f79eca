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
//! Beside incidents it keeps site-level [`Record`]s (maintenance windows and
//! work orders, vendor access grants): operational records that change often
//! and keep every version. Each is a (kind, id) with revisions numbered from 1
//! without gaps; [`Store::put_record`] stores the next revision only if it is
//! exactly one more than the latest, so a racing writer gets a
//! [`StoreError::RecordConflict`] instead of overwriting; nothing is ever
//! updated or deleted (the database refuses it). The body is JSON text the
//! store does not read.
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

/// One revision of a site-level record: `kind` (e.g. "work", "access") and
/// `id` name the record, `rev` numbers its revisions from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: String,
    pub id: String,
    /// 1 for a new record, then one more than the latest stored revision.
    pub rev: u64,
    /// Unix microseconds.
    pub recorded_at: i64,
    pub actor: String,
    /// Why this revision was made.
    pub reason: String,
    /// JSON text, opaque to the store.
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("incident {id} moved on: expected its last event to be {expected}, it is {actual}")]
    Conflict { id: String, expected: u64, actual: u64 },
    /// A revision was put on top of `expected` (its `rev` - 1) but the
    /// record's latest stored revision is `actual` (0: no such record).
    #[error("record {kind}/{id} moved on: expected revision {expected}, it is {actual}")]
    RecordConflict { kind: String, id: String, expected: u64, actual: u64 },
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

    /// Stores one revision of a record. Its `rev` must be exactly one more
    /// than the latest stored revision of (kind, id), 1 for a new record;
    /// otherwise nothing is written and it fails with
    /// [`StoreError::RecordConflict`]. Of two writers putting the same
    /// revision exactly one succeeds.
    fn put_record(&self, record: &Record) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The latest revision of every record of `kind`, by id (byte order on
    /// both backends).
    fn records(&self, kind: &str) -> impl Future<Output = Result<Vec<Record>, StoreError>> + Send;

    /// Every revision of one record, in order; empty when there is none.
    fn record_history(&self, kind: &str, id: &str) -> impl Future<Output = Result<Vec<Record>, StoreError>> + Send;

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

/// Checks a record before it is stored; returns its revision as stored.
pub(crate) fn check_record(record: &Record) -> Result<i64, StoreError> {
    if record.kind.is_empty() || record.id.is_empty() {
        return Err(StoreError::Invalid(format!(
            "a record needs a kind and an id (got kind {:?}, id {:?})",
            record.kind, record.id
        )));
    }
    if record.rev == 0 {
        return Err(StoreError::Invalid(format!(
            "record {}/{}: revisions are numbered from 1, got 0",
            record.kind, record.id
        )));
    }
    let rev = i64::try_from(record.rev)
        .map_err(|_| StoreError::Invalid(format!("record {}/{}: revision out of range", record.kind, record.id)))?;
    // PostgreSQL's text cannot hold NUL; refuse it on both backends alike.
    let fields = [
        ("kind", &record.kind),
        ("id", &record.id),
        ("actor", &record.actor),
        ("reason", &record.reason),
        ("body", &record.body),
    ];
    if let Some((name, _)) = fields.iter().find(|(_, v)| v.contains('\0')) {
        return Err(StoreError::Invalid(format!(
            "record {}/{}: its {name} contains a NUL character",
            record.kind.escape_debug(),
            record.id.escape_debug()
        )));
    }
    Ok(rev)
}

/// A record's columns as both backends return them.
pub(crate) type RecordRow = (String, String, i64, i64, String, String, String);

pub(crate) fn record_from_row(
    (kind, id, rev, recorded_at, actor, reason, body): RecordRow,
) -> Result<Record, StoreError> {
    Ok(Record { kind, id, rev: to_u64(rev, "revision")?, recorded_at, actor, reason, body })
}

/// How many times a put is tried again when it lost only because another
/// writer brought the record up to the revision it expected in the meantime.
pub(crate) const RECORD_ATTEMPTS: usize = 3;

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

    async fn put_record(&self, record: &Record) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.put_record(record).await,
            AnyStore::Postgres(p) => p.put_record(record).await,
        }
    }

    async fn records(&self, kind: &str) -> Result<Vec<Record>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.records(kind).await,
            AnyStore::Postgres(p) => p.records(kind).await,
        }
    }

    async fn record_history(&self, kind: &str, id: &str) -> Result<Vec<Record>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.record_history(kind, id).await,
            AnyStore::Postgres(p) => p.record_history(kind, id).await,
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.backend(),
            AnyStore::Postgres(p) => p.backend(),
        }
    }
}
