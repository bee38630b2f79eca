//! The SQLite store: `DIR/interlock.db`, WAL, `synchronous=FULL`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use incident::{Row, Sealed};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row as _, Sqlite};

use crate::migrate::{self, CREATE_TABLE};
use crate::{
    Access, ApiToken, Head, NewUser, RECORD_ATTEMPTS, Record, RecordRow, Session, Store, StoreError, Stored,
    StoredEvent, TokenRow, User, check_access, check_batch, check_hash, check_record, check_user, is_unique_violation,
    record_from_row, to_u64, token_from_row,
};

/// A user's columns as SQLite returns them (booleans as integers).
type UserRow = (i64, String, String, String, i64, i64, i64);

const USER_COLUMNS: &str = "id, username, person, password_hash, is_admin, created_at, disabled";

fn user_from_row((id, username, person, password_hash, is_admin, created_at, disabled): UserRow) -> User {
    User { id, username, person, password_hash, is_admin: is_admin != 0, created_at, disabled: disabled != 0 }
}

/// The database file in a data directory.
pub const FILE: &str = "interlock.db";

/// Writes and reads go through pools of their own: in WAL mode a reader
/// never waits for a writer, so a board read never queues for a connection
/// behind writes waiting on SQLite's write lock. (One write connection was
/// measured too: writers queued in the pool behind each other's whole
/// request and the write p99 doubled, docs/performance.md.)
pub struct SqliteStore {
    /// The write connections (appends, records, users, sessions, the access log).
    pool: SqlitePool,
    /// Read connections: every query that only reads.
    reads: SqlitePool,
    path: PathBuf,
}

/// Read connections (a reader in WAL mode waits for nobody; more than the
/// cores buys nothing).
const READERS: u32 = 4;

/// Write connections (SQLite takes one writer at a time; the others wait in its busy handler).
const WRITERS: u32 = 4;

/// Rows SQLite's worker thread may run ahead of the reader. Large, so that
/// loading a long chain does not hand over between threads row by row (with
/// sqlx's default of 50, a 100k-event load spent most of its time switching).
const ROW_BUFFER: usize = 1 << 17;

/// Rows per multi-row INSERT (8 parameters each, well under SQLite's limit).
const CHUNK: usize = 1000;

/// An event's key is `(incident number << 32) | seq` (migration 4): the low
/// 32 bits hold the sequence number.
const SEQ_MASK: i64 = 0xFFFF_FFFF;

/// The key of event `seq` of incident number `n`.
fn key(n: i64, seq: u64) -> Result<i64, StoreError> {
    if !(1..=i64::from(i32::MAX)).contains(&n) {
        return Err(StoreError::Invalid(format!("incident number {n} is out of range")));
    }
    if seq > SEQ_MASK as u64 {
        return Err(StoreError::Invalid(format!(
            "event {seq} is past the last one SQLite stores per incident ({SEQ_MASK})"
        )));
    }
    Ok((n << 32) | seq as i64)
}

/// An incident's number and its head.
struct KeyedHead {
    n: i64,
    seq: u64,
    hash: Vec<u8>,
}

impl SqliteStore {
    /// Opens (creating when missing) the store in `dir`, and migrates it.
    pub async fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { path: dir.display().to_string(), source })?;
        let path = dir.join(FILE);
        let options = Self::options(&path);
        let pool = SqlitePoolOptions::new().max_connections(WRITERS).connect_with(options.clone()).await?;
        // Lazy: the read connections open on first use, after the migration below.
        let reads = SqlitePoolOptions::new().max_connections(READERS).connect_lazy_with(options);
        let store = SqliteStore { pool, reads, path };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection settings every connection gets: durable commits.
    pub fn options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .row_buffer_size(ROW_BUFFER)
    }

    /// Options from a `sqlite://` URL (tests and benchmarks), with the same durability.
    pub fn options_from_url(url: &str) -> Result<SqliteConnectOptions, StoreError> {
        Ok(SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.reads.close().await;
        self.pool.close().await;
    }

    /// One event after `expected`: a single autocommit statement that inserts
    /// nothing unless the incident's last event is still `expected`. A writer
    /// that lost the race hits the event's key, or a stale snapshot
    /// (SQLITE_BUSY_SNAPSHOT). Both are a conflict.
    async fn append_one(&self, id: &str, expected: u64, e: &Sealed) -> Result<(), StoreError> {
        let r = sqlx::query(
            "INSERT INTO events (key, incident, seq, kind, recorded_at, actor, hash, body) \
             SELECT (i.n << 32) | ?2, ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM incidents AS i \
             WHERE i.id = ?1 AND (SELECT MAX(key) FROM events WHERE key BETWEEN i.n << 32 AND (i.n << 32) | ?9) \
             = (i.n << 32) | ?8",
        )
        .bind(id)
        .bind(e.seq as i64)
        .bind(e.kind.code() as i64)
        .bind(e.recorded_at)
        .bind(&*e.actor)
        .bind(&e.hash.0[..])
        .bind(&e.bytes[..])
        .bind(expected as i64)
        .bind(SEQ_MASK)
        .execute(&self.pool)
        .await;
        let lost = match r {
            Ok(done) => done.rows_affected() != 1,
            Err(sqlx::Error::Database(db))
                if db.kind() == sqlx::error::ErrorKind::UniqueViolation
                    || db.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5) =>
            {
                true
            }
            Err(other) => return Err(other.into()),
        };
        if lost {
            return Err(match self.head(&self.pool, id).await? {
                None => StoreError::NotFound(id.into()),
                Some(h) => StoreError::Conflict { id: id.into(), expected, actual: h.seq },
            });
        }
        Ok(())
    }

    /// [`Store::scan`] as a read transaction: the head, then the rows after `after`.
    async fn scan_in_transaction(
        &self,
        id: &str,
        after: u64,
        visit: &mut (dyn FnMut(Row<'_>) -> bool + Send),
    ) -> Result<Option<Head>, StoreError> {
        let mut tx = self.reads.begin().await?;
        let Some(head) = self.head(&mut *tx, id).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        if after < head.seq {
            let mut rows = sqlx::query(
                "SELECT seq, kind, recorded_at, hash, body FROM events WHERE key BETWEEN ? AND ? ORDER BY key",
            )
            .bind(key(head.n, after + 1)?)
            .bind((head.n << 32) | SEQ_MASK)
            .fetch(&mut *tx);
            while let Some(r) = rows.try_next().await? {
                let row = Row {
                    seq: to_u64(r.try_get(0)?, "seq")?,
                    kind: r.try_get::<i64, _>(1)?,
                    recorded_at: r.try_get(2)?,
                    hash: r.try_get(3)?,
                    bytes: r.try_get(4)?,
                };
                if !visit(row) {
                    break;
                }
            }
        }
        tx.rollback().await?;
        Ok(Some(Head { id: id.into(), seq: head.seq, hash: head.hash }))
    }

    /// An incident's number and its last event (its head), in one statement.
    async fn head<'c, E>(&self, conn: E, id: &str) -> Result<Option<KeyedHead>, StoreError>
    where
        E: sqlx::Executor<'c, Database = Sqlite>,
    {
        let row: Option<(i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT i.n, e.seq, e.hash FROM incidents AS i JOIN events AS e \
             ON e.key = (SELECT MAX(key) FROM events WHERE key BETWEEN i.n << 32 AND (i.n << 32) | ?2) \
             WHERE i.id = ?1",
        )
        .bind(id)
        .bind(SEQ_MASK)
        .fetch_optional(conn)
        .await?;
        row.map(|(n, seq, hash)| Ok(KeyedHead { n, seq: to_u64(seq, "head")?, hash })).transpose()
    }

    /// One revision of a record, in a single autocommit statement that
    /// inserts nothing unless the latest stored revision is `rev - 1`. A
    /// writer racing for the same revision hits the primary key, or a stale
    /// snapshot (SQLITE_BUSY_SNAPSHOT). `Ok(false)`: it lost.
    async fn insert_record(&self, record: &Record, rev: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO records (kind, id, rev, recorded_at, actor, reason, body) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 \
             WHERE (SELECT COALESCE(MAX(rev), 0) FROM records WHERE kind = ?1 AND id = ?2) = ?8",
        )
        .bind(&record.kind)
        .bind(&record.id)
        .bind(rev)
        .bind(record.recorded_at)
        .bind(&record.actor)
        .bind(&record.reason)
        .bind(&record.body)
        .bind(rev - 1)
        .execute(&self.pool)
        .await;
        match r {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(sqlx::Error::Database(db))
                if db.kind() == sqlx::error::ErrorKind::UniqueViolation
                    || db.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5) =>
            {
                Ok(false)
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn latest_rev(&self, kind: &str, id: &str) -> Result<u64, StoreError> {
        let latest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rev), 0) FROM records WHERE kind = ? AND id = ?")
            .bind(kind)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        to_u64(latest, "revision")
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
        let applied: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, sha256 FROM interlock_schema ORDER BY version").fetch_all(&mut *tx).await?;
        for m in migrate::pending(migrate::SQLITE, &applied)? {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO interlock_schema (version, name, sha256) VALUES (?, ?, ?)")
                .bind(m.version)
                .bind(m.name)
                .bind(migrate::checksum(m.sql))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store for SqliteStore {
    async fn append(&self, id: &str, expected: u64, events: &[Sealed]) -> Result<(), StoreError> {
        check_batch(id, expected, events)?;
        let Some(last) = events.last() else { return Ok(()) };
        key(1, last.seq)?;
        if let ([e], true) = (events, expected > 0) {
            return self.append_one(id, expected, e).await;
        }
        // IMMEDIATE takes the write lock now: no deadlock upgrading a read lock.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let n = if expected == 0 {
            let created: Option<i64> =
                sqlx::query_scalar("INSERT INTO incidents (id) VALUES (?) ON CONFLICT (id) DO NOTHING RETURNING n")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            created
        } else {
            match self.head(&mut *tx, id).await? {
                Some(h) if h.seq == expected => Some(h.n),
                _ => None,
            }
        };
        let Some(n) = n else {
            let head = self.head(&mut *tx, id).await?;
            tx.rollback().await?;
            return Err(match head {
                None => StoreError::NotFound(id.into()),
                Some(h) => StoreError::Conflict { id: id.into(), expected, actual: h.seq },
            });
        };
        for chunk in events.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO events (key, incident, seq, kind, recorded_at, actor, hash, body) ");
            let mut keys = Vec::with_capacity(chunk.len());
            for e in chunk {
                keys.push(key(n, e.seq)?);
            }
            q.push_values(chunk.iter().zip(keys), |mut b, (e, k)| {
                b.push_bind(k)
                    .push_bind(id)
                    .push_bind(e.seq as i64)
                    .push_bind(e.kind.code() as i64)
                    .push_bind(e.recorded_at)
                    .push_bind(&*e.actor)
                    .push_bind(&e.hash.0[..])
                    .push_bind(&e.bytes[..]);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn read(&self, id: &str, after: u64) -> Result<Option<Stored>, StoreError> {
        // One read transaction: in WAL mode it sees one snapshot.
        let mut tx = self.reads.begin().await?;
        let Some(head) = self.head(&mut *tx, id).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let rows = if after < head.seq {
            sqlx::query(
                "SELECT seq, kind, recorded_at, actor, hash, body FROM events WHERE key BETWEEN ? AND ? ORDER BY key",
            )
            .bind(key(head.n, after + 1)?)
            .bind((head.n << 32) | SEQ_MASK)
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        tx.rollback().await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in rows {
            events.push(StoredEvent {
                seq: to_u64(r.try_get(0)?, "seq")?,
                kind: r.try_get(1)?,
                recorded_at: r.try_get(2)?,
                actor: r.try_get(3)?,
                hash: r.try_get(4)?,
                bytes: r.try_get(5)?,
            });
        }
        Ok(Some(Stored { head: Head { id: id.into(), seq: head.seq, hash: head.hash }, events }))
    }

    async fn scan(
        &self,
        id: &str,
        after: u64,
        visit: &mut (dyn FnMut(Row<'_>) -> bool + Send),
    ) -> Result<Option<Head>, StoreError> {
        // One statement (one snapshot, one round trip to SQLite's thread): the
        // event `after` itself (the head as the caller knows it, its stored hash
        // read again) and every event past it; the head is the last row. A board
        // read asks this on every request, usually for nothing new.
        if after > SEQ_MASK as u64 {
            return Err(StoreError::Invalid(format!("event {after} is past the last one SQLite stores per incident")));
        }
        let mut rows = sqlx::query(
            "SELECT e.seq, e.kind, e.recorded_at, e.hash, e.body FROM incidents AS i JOIN events AS e \
             ON e.key BETWEEN (i.n << 32) | ?2 AND (i.n << 32) | ?3 WHERE i.id = ?1 ORDER BY e.key",
        )
        .bind(id)
        .bind(after as i64)
        .bind(SEQ_MASK)
        .fetch(&self.reads);
        let mut last: Option<sqlx::sqlite::SqliteRow> = None;
        let mut stopped = false;
        while let Some(r) = rows.try_next().await? {
            let seq = to_u64(r.try_get(0)?, "seq")?;
            if seq > after {
                let row = Row {
                    seq,
                    kind: r.try_get::<i64, _>(1)?,
                    recorded_at: r.try_get(2)?,
                    hash: r.try_get(3)?,
                    bytes: r.try_get(4)?,
                };
                if !visit(row) {
                    stopped = true;
                    break;
                }
            }
            last = Some(r);
        }
        drop(rows);
        match last {
            Some(r) if !stopped => {
                Ok(Some(Head { id: id.into(), seq: to_u64(r.try_get(0)?, "head")?, hash: r.try_get(3)? }))
            }
            // Stopped early: the head, asked on its own (the caller has what it wanted).
            Some(_) => Ok(self.head(&self.reads, id).await?.map(|h| Head { id: id.into(), seq: h.seq, hash: h.hash })),
            // No such incident, one created since, or nothing at or past `after` (a tail
            // deleted below it): the head and the rows again, in one read transaction, so
            // that they agree with each other.
            None => self.scan_in_transaction(id, after, visit).await,
        }
    }

    async fn incidents(&self) -> Result<Vec<Head>, StoreError> {
        let rows: Vec<(String, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT i.id, e.seq, e.hash FROM incidents AS i JOIN events AS e \
             ON e.key = (SELECT MAX(key) FROM events WHERE key BETWEEN i.n << 32 AND (i.n << 32) | ?) ORDER BY i.id",
        )
        .bind(SEQ_MASK)
        .fetch_all(&self.reads)
        .await?;
        rows.into_iter().map(|(id, seq, hash)| Ok(Head { id, seq: to_u64(seq, "head")?, hash })).collect()
    }

    async fn put_record(&self, record: &Record) -> Result<(), StoreError> {
        let rev = check_record(record)?;
        let expected = record.rev - 1;
        let mut actual = expected;
        for _ in 0..RECORD_ATTEMPTS {
            if self.insert_record(record, rev).await? {
                return Ok(());
            }
            actual = self.latest_rev(&record.kind, &record.id).await?;
            if actual != expected {
                break;
            }
            // It lost only to a record that has since reached `expected`: try again.
        }
        Err(StoreError::RecordConflict { kind: record.kind.clone(), id: record.id.clone(), expected, actual })
    }

    async fn records(&self, kind: &str) -> Result<Vec<Record>, StoreError> {
        // One statement: one snapshot. SQLite compares text bytewise.
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT kind, id, rev, recorded_at, actor, reason, body FROM records AS r \
             WHERE kind = ?1 AND rev = (SELECT MAX(rev) FROM records WHERE kind = ?1 AND id = r.id) ORDER BY id",
        )
        .bind(kind)
        .fetch_all(&self.reads)
        .await?;
        rows.into_iter().map(record_from_row).collect()
    }

    async fn record_history(&self, kind: &str, id: &str) -> Result<Vec<Record>, StoreError> {
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT kind, id, rev, recorded_at, actor, reason, body FROM records \
             WHERE kind = ? AND id = ? ORDER BY rev",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&self.reads)
        .await?;
        rows.into_iter().map(record_from_row).collect()
    }

    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        check_user(user)?;
        let r: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO users (username, person, password_hash, is_admin, created_at, disabled) \
             VALUES (?, ?, ?, ?, ?, 0) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.person)
        .bind(&user.password_hash)
        .bind(i64::from(user.is_admin))
        .bind(user.created_at)
        .fetch_one(&self.pool)
        .await;
        match r {
            Ok(id) => Ok(User {
                id,
                username: user.username.clone(),
                person: user.person.clone(),
                password_hash: user.password_hash.clone(),
                is_admin: user.is_admin,
                created_at: user.created_at,
                disabled: false,
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate(format!("user {}", user.username))),
            Err(e) => Err(e.into()),
        }
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?")))
                .bind(username)
                .fetch_optional(&self.reads)
                .await?;
        Ok(row.map(user_from_row))
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?")))
                .bind(id)
                .fetch_optional(&self.reads)
                .await?;
        Ok(row.map(user_from_row))
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")))
                .fetch_all(&self.reads)
                .await?;
        Ok(rows.into_iter().map(user_from_row).collect())
    }

    async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(i64::from(disabled))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        check_hash(&session.id, "session id")?;
        sqlx::query("INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&session.id)
            .bind(session.user_id)
            .bind(&session.csrf)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, id: &[u8], now: i64) -> Result<Option<Session>, StoreError> {
        let row: Option<(Vec<u8>, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT id, user_id, csrf, created_at, expires_at FROM sessions WHERE id = ? AND expires_at > ?",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.map(|(id, user_id, csrf, created_at, expires_at)| Session { id, user_id, csrf, created_at, expires_at }))
    }

    async fn delete_session(&self, id: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = ?").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        check_hash(&token.hash, "token")?;
        if token.name.is_empty() || token.name.contains('\0') {
            return Err(StoreError::Invalid("a token needs a name (without NUL characters)".into()));
        }
        let r = sqlx::query(
            "INSERT INTO api_tokens (hash, name, user_id, created_at, last_used) VALUES (?, ?, ?, ?, NULL)",
        )
        .bind(&token.hash)
        .bind(&token.name)
        .bind(token.user_id)
        .bind(token.created_at)
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate(format!("token {}", token.name))),
            Err(e) => Err(e.into()),
        }
    }

    async fn use_token(&self, hash: &[u8], now: i64) -> Result<Option<ApiToken>, StoreError> {
        // A read; the last use is written only when it moves by a minute or more, so
        // a client polling with its token does not cost a durable write per request.
        let row: Option<TokenRow> =
            sqlx::query_as("SELECT hash, name, user_id, created_at, last_used FROM api_tokens WHERE hash = ?")
                .bind(hash)
                .fetch_optional(&self.reads)
                .await?;
        let Some(mut row) = row else { return Ok(None) };
        if row.4.is_none_or(|t| now - t >= crate::TOKEN_USE_GRANULARITY_MICROS) {
            sqlx::query("UPDATE api_tokens SET last_used = ? WHERE hash = ?")
                .bind(now)
                .bind(hash)
                .execute(&self.pool)
                .await?;
            row.4 = Some(now);
        }
        Ok(Some(token_from_row(row)))
    }

    async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT hash, name, user_id, created_at, last_used FROM api_tokens WHERE user_id = ? ORDER BY name",
        )
        .bind(user_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.into_iter().map(token_from_row).collect())
    }

    async fn revoke_token(&self, user_id: i64, name: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM api_tokens WHERE user_id = ? AND name = ?")
            .bind(user_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn end_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = ?").bind(user_id).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }

    async fn log_access(&self, a: &Access) -> Result<(), StoreError> {
        check_access(a)?;
        sqlx::query("INSERT INTO access_log (at, username, action, target, outcome) VALUES (?, ?, ?, ?, ?)")
            .bind(a.at)
            .bind(&a.username)
            .bind(&a.action)
            .bind(&a.target)
            .bind(&a.outcome)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn access_log(&self, limit: u32) -> Result<Vec<Access>, StoreError> {
        let mut rows: Vec<(i64, String, String, String, String)> =
            sqlx::query_as("SELECT at, username, action, target, outcome FROM access_log ORDER BY id DESC LIMIT ?")
                .bind(i64::from(limit))
                .fetch_all(&self.reads)
                .await?;
        rows.reverse();
        Ok(rows
            .into_iter()
            .map(|(at, username, action, target, outcome)| Access { at, username, action, target, outcome })
            .collect())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_incident_number_and_the_sequence_number() {
        assert_eq!(key(1, 1).ok(), Some((1 << 32) | 1));
        assert_eq!(key(3, 0xFFFF_FFFF).ok(), Some((3 << 32) | 0xFFFF_FFFF));
        assert_eq!(key(i64::from(i32::MAX), 7).ok(), Some((i64::from(i32::MAX) << 32) | 7));
        assert!(key(1, 1 << 32).is_err_and(|e| e.to_string().contains("past the last one")));
        assert!(key(0, 1).is_err());
        assert!(key(i64::from(i32::MAX) + 1, 1).is_err());
    }
}
