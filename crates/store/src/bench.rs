//! The append benchmark's baseline: a bare insert of the same bytes into the
//! same database, one durable commit per row, with the store's own settings.
//! Run it against a scratch database: it creates and drops `bench_bare`.

use std::time::{Duration, Instant};

use crate::{AnyStore, StoreError};

/// Inserts each body in its own autocommit transaction; returns the time taken.
pub async fn bare_inserts(store: &AnyStore, bodies: &[Vec<u8>]) -> Result<Duration, StoreError> {
    match store {
        AnyStore::Sqlite(s) => {
            let pool = s.pool();
            sqlx::query("DROP TABLE IF EXISTS bench_bare").execute(pool).await?;
            sqlx::query("CREATE TABLE bench_bare (seq INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT")
                .execute(pool)
                .await?;
            let start = Instant::now();
            for (i, b) in bodies.iter().enumerate() {
                sqlx::query("INSERT INTO bench_bare (seq, body) VALUES (?, ?)")
                    .bind(i as i64 + 1)
                    .bind(&b[..])
                    .execute(pool)
                    .await?;
            }
            let took = start.elapsed();
            sqlx::query("DROP TABLE bench_bare").execute(pool).await?;
            Ok(took)
        }
        AnyStore::Postgres(p) => {
            let pool = p.pool();
            sqlx::query("DROP TABLE IF EXISTS bench_bare").execute(pool).await?;
            sqlx::query("CREATE TABLE bench_bare (seq BIGINT PRIMARY KEY, body BYTEA NOT NULL)").execute(pool).await?;
            let start = Instant::now();
            for (i, b) in bodies.iter().enumerate() {
                sqlx::query("INSERT INTO bench_bare (seq, body) VALUES ($1, $2)")
                    .bind(i as i64 + 1)
                    .bind(&b[..])
                    .execute(pool)
                    .await?;
            }
            let took = start.elapsed();
            sqlx::query("DROP TABLE bench_bare").execute(pool).await?;
            Ok(took)
        }
    }
}
