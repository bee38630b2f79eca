//! The PostgreSQL store, by URL. Durability is the server's default
//! (`fsync=on`, `synchronous_commit=on`); [`PgStore::connect`] refuses a
//! server where commits are not synchronous.

use std::str::FromStr;

use futures_util::TryStreamExt;
use incident::{Row, Sealed};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder, Row as _};

use crate::migrate::{self, CREATE_TABLE};
use crate::{
    Access, ApiToken, Head, NewUser, RECORD_ATTEMPTS, Record, RecordRow, Session, Store, StoreError, Stored,
    StoredEvent, TokenRow, User, check_access, check_batch, check_hash, check_record, check_user, is_unique_violation,
    record_from_row, to_u64, token_from_row,
};

type UserRow = (i64, String, String, String, bool, i64, bool);

const USER_COLUMNS: &str = "id, username, person, password_hash, is_admin, created_at, disabled";

fn user_from_row((id, username, person, password_hash, is_admin, created_at, disabled): UserRow) -> User {
    User { id, username, person, password_hash, is_admin, created_at, disabled }
}

pub struct PgStore {
    pool: PgPool,
}

/// Rows per multi-row INSERT (7 parameters each; PostgreSQL allows 65 535).
const CHUNK: usize = 5000;
/// Key of the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x1a7e_4c0c_0001;

impl PgStore {
    /// Tells the other processes that `user`'s credentials changed
    /// ([`crate::write::ACCESS_CHANNEL`]), after the change is committed.
    async fn announce_access(&self, user: i64) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(crate::write::ACCESS_CHANNEL)
            .bind(user.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Connects, checks durability, and migrates.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(4).connect_with(options).await?;
        let store = PgStore { pool };
        let sync: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&store.pool).await?;
        let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&store.pool).await?;
        if sync == "off" || fsync == "off" {
            return Err(StoreError::Schema(format!(
                "the server runs with synchronous_commit={sync}, fsync={fsync}: acknowledged events could be lost; Interlock needs both on"
            )));
        }
        store.migrate().await?;
        Ok(store)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// One event after `expected`: a single autocommit statement, atomic with
    /// the trigger that advances the head. It inserts nothing unless the head
    /// is still `expected`; two writers racing for the same number collide on
    /// the primary key. Both are a conflict.
    async fn append_one(&self, id: &str, expected: u64, e: &Sealed) -> Result<(), StoreError> {
        let r = sqlx::query(
            "INSERT INTO events (incident, seq, kind, recorded_at, actor, hash, body) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = $1 AND head_seq = $8)",
        )
        .bind(id)
        .bind(e.seq as i64)
        .bind(e.kind.code() as i32)
        .bind(e.recorded_at)
        .bind(&*e.actor)
        .bind(&e.hash.0[..])
        .bind(&e.bytes[..])
        .bind(expected as i64)
        .execute(&self.pool)
        .await;
        let lost = match r {
            Ok(done) => done.rows_affected() != 1,
            Err(sqlx::Error::Database(db)) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => true,
            Err(other) => return Err(other.into()),
        };
        if lost {
            let actual: Option<i64> = sqlx::query_scalar("SELECT head_seq FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            return Err(match actual {
                None => StoreError::NotFound(id.into()),
                Some(a) => StoreError::Conflict { id: id.into(), expected, actual: to_u64(a, "head")? },
            });
        }
        Ok(())
    }

    /// One revision of a record, in a single autocommit statement that
    /// inserts nothing unless the latest stored revision is `rev - 1`. Two
    /// writers racing for the same revision collide on the primary key (the
    /// second waits for the first to commit). `Ok(false)`: it lost.
    async fn insert_record(&self, record: &Record, rev: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO records (kind, id, rev, recorded_at, actor, reason, body) \
             SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE (SELECT COALESCE(MAX(rev), 0) FROM records WHERE kind = $1 AND id = $2) = $8",
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
            Err(sqlx::Error::Database(db)) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    async fn latest_rev(&self, kind: &str, id: &str) -> Result<u64, StoreError> {
        let latest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rev), 0) FROM records WHERE kind = $1 AND id = $2")
            .bind(kind)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        to_u64(latest, "revision")
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
        let applied: Vec<(i32, String)> =
            sqlx::query_as("SELECT version, sha256 FROM interlock_schema ORDER BY version").fetch_all(&mut *tx).await?;
        let applied: Vec<(i64, String)> = applied.into_iter().map(|(v, s)| (v as i64, s)).collect();
        for m in migrate::pending(migrate::POSTGRES, &applied)? {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO interlock_schema (version, name, sha256) VALUES ($1, $2, $3)")
                .bind(m.version as i32)
                .bind(m.name)
                .bind(migrate::checksum(m.sql))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store for PgStore {
    async fn append(&self, id: &str, expected: u64, events: &[Sealed]) -> Result<(), StoreError> {
        check_batch(id, expected, events)?;
        if let ([e], true) = (events, expected > 0) {
            return self.append_one(id, expected, e).await;
        }
        let Some(last) = events.last() else { return Ok(()) };
        let new_head = last.seq as i64;
        let mut tx = self.pool.begin().await?;
        // The UPDATE locks the incident's row: a racing writer waits, then
        // finds head_seq moved and updates nothing.
        let moved = if expected == 0 {
            sqlx::query(
                "INSERT INTO incidents (id, head_seq, head_hash) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(new_head)
            .bind(&last.hash.0[..])
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query("UPDATE incidents SET head_seq = $1, head_hash = $2 WHERE id = $3 AND head_seq = $4")
                .bind(new_head)
                .bind(&last.hash.0[..])
                .bind(id)
                .bind(expected as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        };
        if moved != 1 {
            let actual: Option<i64> = sqlx::query_scalar("SELECT head_seq FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            tx.rollback().await?;
            return Err(match actual {
                None => StoreError::NotFound(id.into()),
                Some(a) => StoreError::Conflict { id: id.into(), expected, actual: to_u64(a, "head")? },
            });
        }
        if let [e] = events {
            sqlx::query(
                "INSERT INTO events (incident, seq, kind, recorded_at, actor, hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(e.seq as i64)
            .bind(e.kind.code() as i32)
            .bind(e.recorded_at)
            .bind(&*e.actor)
            .bind(&e.hash.0[..])
            .bind(&e.bytes[..])
            .execute(&mut *tx)
            .await?;
        } else {
            for chunk in events.chunks(CHUNK) {
                let mut q: QueryBuilder<Postgres> =
                    QueryBuilder::new("INSERT INTO events (incident, seq, kind, recorded_at, actor, hash, body) ");
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(id)
                        .push_bind(e.seq as i64)
                        .push_bind(e.kind.code() as i32)
                        .push_bind(e.recorded_at)
                        .push_bind(&*e.actor)
                        .push_bind(&e.hash.0[..])
                        .push_bind(&e.bytes[..]);
                });
                q.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn read(&self, id: &str, after: u64) -> Result<Option<Stored>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT head_seq, head_hash FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((seq, hash)) = head else {
            tx.rollback().await?;
            return Ok(None);
        };
        let after = i64::try_from(after).map_err(|_| StoreError::Invalid("sequence number out of range".into()))?;
        let rows = sqlx::query(
            "SELECT seq, kind, recorded_at, actor, hash, body FROM events WHERE incident = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(id)
        .bind(after)
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in rows {
            let kind: i32 = r.try_get(1)?;
            events.push(StoredEvent {
                seq: to_u64(r.try_get(0)?, "seq")?,
                kind: kind as i64,
                recorded_at: r.try_get(2)?,
                actor: r.try_get(3)?,
                hash: r.try_get(4)?,
                bytes: r.try_get(5)?,
            });
        }
        Ok(Some(Stored { head: Head { id: id.into(), seq: to_u64(seq, "head")?, hash }, events }))
    }

    async fn scan(
        &self,
        id: &str,
        after: u64,
        visit: &mut (dyn FnMut(Row<'_>) -> bool + Send),
    ) -> Result<Option<Head>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT head_seq, head_hash FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((seq, hash)) = head else {
            tx.rollback().await?;
            return Ok(None);
        };
        let after = i64::try_from(after).map_err(|_| StoreError::Invalid("sequence number out of range".into()))?;
        {
            let mut rows = sqlx::query(
                "SELECT seq, kind, recorded_at, hash, body FROM events WHERE incident = $1 AND seq > $2 ORDER BY seq",
            )
            .bind(id)
            .bind(after)
            .fetch(&mut *tx);
            while let Some(r) = rows.try_next().await? {
                let row = Row {
                    seq: to_u64(r.try_get(0)?, "seq")?,
                    kind: r.try_get::<i32, _>(1)? as i64,
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
        Ok(Some(Head { id: id.into(), seq: to_u64(seq, "head")?, hash }))
    }

    async fn incidents(&self) -> Result<Vec<Head>, StoreError> {
        let rows: Vec<(String, i64, Vec<u8>)> =
            sqlx::query_as("SELECT id, head_seq, head_hash FROM incidents ORDER BY id").fetch_all(&self.pool).await?;
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
        // One statement: one snapshot. The columns collate as "C": byte order, as on SQLite.
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT DISTINCT ON (id) kind, id, rev, recorded_at, actor, reason, body FROM records \
             WHERE kind = $1 ORDER BY id, rev DESC",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(record_from_row).collect()
    }

    async fn record_history(&self, kind: &str, id: &str) -> Result<Vec<Record>, StoreError> {
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT kind, id, rev, recorded_at, actor, reason, body FROM records \
             WHERE kind = $1 AND id = $2 ORDER BY rev",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(record_from_row).collect()
    }

    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        check_user(user)?;
        let r: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO users (username, person, password_hash, is_admin, created_at, disabled) \
             VALUES ($1, $2, $3, $4, $5, FALSE) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.person)
        .bind(&user.password_hash)
        .bind(user.is_admin)
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
        if username.contains('\0') {
            return Ok(None);
        }
        let row: Option<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1")))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(user_from_row))
    }

    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(user_from_row))
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(user_from_row).collect())
    }

    async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            self.announce_access(id).await?;
        }
        Ok(done.rows_affected() == 1)
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        check_hash(&session.id, "session id")?;
        sqlx::query("INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
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
            "SELECT id, user_id, csrf, created_at, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, user_id, csrf, created_at, expires_at)| Session { id, user_id, csrf, created_at, expires_at }))
    }

    async fn delete_session(&self, id: &[u8]) -> Result<(), StoreError> {
        let user: Option<(i64,)> = sqlx::query_as("DELETE FROM sessions WHERE id = $1 RETURNING user_id")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some((user,)) = user {
            self.announce_access(user).await?;
        }
        Ok(())
    }

    async fn create_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        check_hash(&token.hash, "token")?;
        if token.name.is_empty() || token.name.contains('\0') {
            return Err(StoreError::Invalid("a token needs a name (without NUL characters)".into()));
        }
        let r = sqlx::query(
            "INSERT INTO api_tokens (hash, name, user_id, created_at, last_used) VALUES ($1, $2, $3, $4, NULL)",
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
            sqlx::query_as("SELECT hash, name, user_id, created_at, last_used FROM api_tokens WHERE hash = $1")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(mut row) = row else { return Ok(None) };
        if row.4.is_none_or(|t| now - t >= crate::TOKEN_USE_GRANULARITY_MICROS) {
            sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE hash = $2")
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
            "SELECT hash, name, user_id, created_at, last_used FROM api_tokens WHERE user_id = $1 ORDER BY name",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(token_from_row).collect())
    }

    async fn revoke_token(&self, user_id: i64, name: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND name = $2")
            .bind(user_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() > 0 {
            self.announce_access(user_id).await?;
        }
        Ok(r.rows_affected() > 0)
    }

    async fn end_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&self.pool).await?;
        if r.rows_affected() > 0 {
            self.announce_access(user_id).await?;
        }
        Ok(r.rows_affected())
    }

    async fn log_access(&self, a: &Access) -> Result<(), StoreError> {
        check_access(a)?;
        sqlx::query("INSERT INTO access_log (at, username, action, target, outcome) VALUES ($1, $2, $3, $4, $5)")
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
            sqlx::query_as("SELECT at, username, action, target, outcome FROM access_log ORDER BY id DESC LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.reverse();
        Ok(rows
            .into_iter()
            .map(|(at, username, action, target, outcome)| Access { at, username, action, target, outcome })
            .collect())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// A database of its own for one test or benchmark run: created from an
/// admin URL under a unique name, dropped by [`ScratchDb::drop_db`].
pub struct ScratchDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl ScratchDb {
    /// Creates `interlock_<tag>_<pid>_<n>` on the server of `admin_url`.
    pub async fn create(admin_url: &str, tag: &str) -> Result<ScratchDb, StoreError> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let tag: String = tag.chars().filter(|c| c.is_ascii_alphanumeric()).take(20).collect::<String>().to_lowercase();
        let name = format!("interlock_{tag}_{}_{n}_{nanos}", std::process::id());
        let url = url_with_database(admin_url, &name)
            .ok_or_else(|| StoreError::Invalid(format!("{admin_url} is not a postgres://host/database URL")))?;
        let mut conn = PgConnection::connect(admin_url).await?;
        // The name is made of [a-z0-9_] only: safe to splice.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut conn).await?;
        conn.close().await?;
        Ok(ScratchDb { admin_url: admin_url.into(), name, url })
    }

    /// Drops the database (closing other sessions to it first).
    pub async fn drop_db(self) -> Result<(), StoreError> {
        let mut conn = PgConnection::connect(&self.admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}

/// `postgres://user@host:port/db?x` with the database replaced by `name`.
pub fn url_with_database(url: &str, name: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next()?;
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// For tests: the server to run PostgreSQL tests against, from
/// `INTERLOCK_TEST_POSTGRES_URL`. When it is not set the test is skipped with
/// a loud message on stderr, unless `INTERLOCK_REQUIRE_POSTGRES=1`, which
/// makes the skip a failure (CI sets both).
pub fn test_server(test: &str) -> Result<Option<String>, String> {
    match std::env::var("INTERLOCK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Ok(Some(url)),
        _ if std::env::var("INTERLOCK_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            Err(format!("{test}: INTERLOCK_REQUIRE_POSTGRES=1 but INTERLOCK_TEST_POSTGRES_URL is not set"))
        }
        _ => {
            // Written to the process's stderr directly: the test harness does not capture it, so the skip is seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test} (PostgreSQL): set INTERLOCK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run it"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::url_with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432/postgres", "x").as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/x")
        );
        assert_eq!(
            url_with_database("postgres://u:p@h/db?sslmode=disable", "y").as_deref(),
            Some("postgres://u:p@h/y?sslmode=disable")
        );
        assert_eq!(url_with_database("postgres://h", "z").as_deref(), Some("postgres://h/z"));
        assert_eq!(url_with_database("not a url", "z"), None);
    }
}
