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
//! For the server it keeps [`User`]s (argon2id password hashes, never
//! passwords), [`Session`]s and [`ApiToken`]s (the SHA-256 of the token the
//! client holds, never the token), and an append-only access log
//! ([`Access`]): who did what to what, and when.
//!
//! Commits are durable: SQLite runs in WAL mode with `synchronous=FULL`;
//! PostgreSQL keeps its default (`fsync`, `synchronous_commit=on`).

pub mod bench;
pub mod grants;
pub mod log;
mod migrate;
pub mod pg;
pub mod records;
pub mod sessions;
mod sqlite;
pub mod write;

use std::future::Future;
use std::path::Path;

use incident::{Row, Sealed};

pub use log::{Log, LogError, load, newer};
pub use pg::PgStore;
pub use sqlite::SqliteStore;
pub use write::{Announce, Opening, WriteError, Written, open, write, write_from};

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

/// A user of the server, mapped to a person of the site model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// A person id of the site model.
    pub person: String,
    /// The argon2id PHC string (`$argon2id$...`).
    pub password_hash: String,
    pub is_admin: bool,
    /// Unix microseconds.
    pub created_at: i64,
    pub disabled: bool,
}

/// A user to create; the store numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub person: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: i64,
}

/// A signed-in browser session. `id` is the SHA-256 of the cookie's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Vec<u8>,
    pub user_id: i64,
    /// The token every state-changing request of this session must carry.
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An API token: `hash` is the SHA-256 of the bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub hash: Vec<u8>,
    pub name: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_used: Option<i64>,
}

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Unix microseconds.
    pub at: i64,
    /// Who (a username; empty when nobody is signed in).
    pub username: String,
    /// What: "signin", "signout", "token", "read-incident"...
    pub action: String,
    /// To what: an incident id, a token name, a username.
    pub target: String,
    /// "ok", "refused", "rate-limited"...
    pub outcome: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("incident {id} moved on: expected its last event to be {expected}, it is {actual}")]
    Conflict { id: String, expected: u64, actual: u64 },
    /// A revision was put on top of `expected` (its `rev` - 1) but the
    /// record's latest stored revision is `actual` (0: no such record).
    #[error("record {kind}/{id} moved on: expected revision {expected}, it is {actual}")]
    RecordConflict { kind: String, id: String, expected: u64, actual: u64 },
    /// A unique name is taken (a username, a token name of a user).
    #[error("{0} already exists")]
    Duplicate(String),
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

    /// Creates a user; [`StoreError::Duplicate`] when the username is taken.
    fn create_user(&self, user: &NewUser) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// The user of that username, disabled or not.
    fn user_by_name(&self, username: &str) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// The user of that id.
    fn user(&self, id: i64) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// Every user, by username (byte order on both backends).
    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Disables a user (their sessions and tokens stop working at once) or
    /// enables them again; false when there is no such user.
    fn set_user_disabled(&self, id: i64, disabled: bool) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a new session.
    fn create_session(&self, session: &Session) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session whose id (token hash) this is, if it has not expired at `now`.
    fn session(&self, id: &[u8], now: i64) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// Ends a session (signing out); ending one that does not exist is not an error.
    fn delete_session(&self, id: &[u8]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a new API token; [`StoreError::Duplicate`] when the user has one of that name.
    fn create_token(&self, token: &ApiToken) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The token of that hash, with its last use moved to `now` (to the minute: written
    /// only when it moves by [`TOKEN_USE_GRANULARITY_MICROS`] or more).
    fn use_token(&self, hash: &[u8], now: i64) -> impl Future<Output = Result<Option<ApiToken>, StoreError>> + Send;

    /// A user's API tokens (hashes, names, when issued and last used), by name.
    fn tokens(&self, user_id: i64) -> impl Future<Output = Result<Vec<ApiToken>, StoreError>> + Send;

    /// Revokes a user's token by name: it stops working at the next request;
    /// false when the user has no token of that name.
    fn revoke_token(&self, user_id: i64, name: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends every session of a user (signed out everywhere); how many there were.
    fn end_sessions(&self, user_id: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Appends a line to the access log.
    fn log_access(&self, access: &Access) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The latest `limit` lines of the access log, oldest first.
    fn access_log(&self, limit: u32) -> impl Future<Output = Result<Vec<Access>, StoreError>> + Send;

    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
}

/// Checks a user before it is stored.
pub(crate) fn check_user(user: &NewUser) -> Result<(), StoreError> {
    if user.username.is_empty() || user.person.is_empty() {
        return Err(StoreError::Invalid("a user needs a username and a person".into()));
    }
    if !user.password_hash.starts_with("$argon2id$") {
        return Err(StoreError::Invalid("a password hash must be an argon2id PHC string".into()));
    }
    if [&user.username, &user.person, &user.password_hash].iter().any(|v| v.contains('\0')) {
        return Err(StoreError::Invalid("a user's fields cannot contain a NUL character".into()));
    }
    Ok(())
}

/// Checks a token or session id: a SHA-256.
pub(crate) fn check_hash(hash: &[u8], what: &str) -> Result<(), StoreError> {
    if hash.len() != 32 {
        return Err(StoreError::Invalid(format!(
            "a {what} is stored as a SHA-256 (32 bytes), got {} bytes",
            hash.len()
        )));
    }
    Ok(())
}

/// Checks a line of the access log (PostgreSQL's text cannot hold NUL).
pub(crate) fn check_access(a: &Access) -> Result<(), StoreError> {
    if a.action.is_empty() {
        return Err(StoreError::Invalid("an access needs an action".into()));
    }
    if [&a.username, &a.action, &a.target, &a.outcome].iter().any(|v| v.contains('\0')) {
        return Err(StoreError::Invalid("an access's fields cannot contain a NUL character".into()));
    }
    Ok(())
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
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

/// An API token's columns as both backends return them.
pub(crate) type TokenRow = (Vec<u8>, String, i64, i64, Option<i64>);

/// An API token's last use is recorded to the minute: it is written again
/// only when it would move by at least this much (microseconds).
pub const TOKEN_USE_GRANULARITY_MICROS: i64 = 60 * 1_000_000;

pub(crate) fn token_from_row((hash, name, user_id, created_at, last_used): TokenRow) -> ApiToken {
    ApiToken { hash, name, user_id, created_at, last_used }
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

    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.create_user(user).await,
            AnyStore::Postgres(p) => p.create_user(user).await,
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.user_by_name(username).await,
            AnyStore::Postgres(p) => p.user_by_name(username).await,
        }
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.user(id).await,
            AnyStore::Postgres(p) => p.user(id).await,
        }
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.users().await,
            AnyStore::Postgres(p) => p.users().await,
        }
    }

    async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.set_user_disabled(id, disabled).await,
            AnyStore::Postgres(p) => p.set_user_disabled(id, disabled).await,
        }
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.create_session(session).await,
            AnyStore::Postgres(p) => p.create_session(session).await,
        }
    }

    async fn session(&self, id: &[u8], now: i64) -> Result<Option<Session>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.session(id, now).await,
            AnyStore::Postgres(p) => p.session(id, now).await,
        }
    }

    async fn delete_session(&self, id: &[u8]) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.delete_session(id).await,
            AnyStore::Postgres(p) => p.delete_session(id).await,
        }
    }

    async fn create_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.create_token(token).await,
            AnyStore::Postgres(p) => p.create_token(token).await,
        }
    }

    async fn use_token(&self, hash: &[u8], now: i64) -> Result<Option<ApiToken>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.use_token(hash, now).await,
            AnyStore::Postgres(p) => p.use_token(hash, now).await,
        }
    }

    async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.tokens(user_id).await,
            AnyStore::Postgres(p) => p.tokens(user_id).await,
        }
    }

    async fn revoke_token(&self, user_id: i64, name: &str) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.revoke_token(user_id, name).await,
            AnyStore::Postgres(p) => p.revoke_token(user_id, name).await,
        }
    }

    async fn end_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.end_sessions(user_id).await,
            AnyStore::Postgres(p) => p.end_sessions(user_id).await,
        }
    }

    async fn log_access(&self, access: &Access) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.log_access(access).await,
            AnyStore::Postgres(p) => p.log_access(access).await,
        }
    }

    async fn access_log(&self, limit: u32) -> Result<Vec<Access>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.access_log(limit).await,
            AnyStore::Postgres(p) => p.access_log(limit).await,
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.backend(),
            AnyStore::Postgres(p) => p.backend(),
        }
    }
}
