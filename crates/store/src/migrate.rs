//! Schema migrations, per backend, embedded in the binary.
//!
//! Each migration runs once, in its own transaction, recorded in
//! `interlock_schema` with the SHA-256 of its text. An applied migration whose
//! text has changed, or a database migrated by a newer build, is an error
//! rather than a guess.

use sha2::{Digest, Sha256};

use crate::StoreError;

pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const SQLITE: &[Migration] = &[
    Migration { version: 1, name: "events", sql: include_str!("../migrations/sqlite/0001_events.sql") },
    Migration { version: 2, name: "records", sql: include_str!("../migrations/sqlite/0002_records.sql") },
    Migration { version: 3, name: "users", sql: include_str!("../migrations/sqlite/0003_users.sql") },
    Migration { version: 4, name: "event keys", sql: include_str!("../migrations/sqlite/0004_event_keys.sql") },
];

pub(crate) const POSTGRES: &[Migration] = &[
    Migration { version: 1, name: "events", sql: include_str!("../migrations/postgres/0001_events.sql") },
    Migration { version: 2, name: "records", sql: include_str!("../migrations/postgres/0002_records.sql") },
    Migration { version: 3, name: "users", sql: include_str!("../migrations/postgres/0003_users.sql") },
    Migration {
        version: 4,
        name: "incidents kept",
        sql: include_str!("../migrations/postgres/0004_incidents_kept.sql"),
    },
];

pub(crate) fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS interlock_schema (
    version INTEGER PRIMARY KEY NOT NULL,
    name    TEXT NOT NULL,
    sha256  TEXT NOT NULL
)";

/// Decides what to run given what is recorded: the migrations not yet applied.
pub(crate) fn pending<'m>(all: &'m [Migration], applied: &[(i64, String)]) -> Result<Vec<&'m Migration>, StoreError> {
    for (version, sum) in applied {
        match all.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Schema(format!(
                    "the database has schema version {version}, which this build does not know: it was migrated by a newer Interlock"
                )));
            }
            Some(m) if checksum(m.sql) != *sum => {
                return Err(StoreError::Schema(format!(
                    "migration {} ({}) was applied with different text than this build's",
                    m.version, m.name
                )));
            }
            Some(_) => {}
        }
    }
    Ok(all.iter().filter(|m| !applied.iter().any(|(v, _)| *v == m.version)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_runs_what_is_missing_and_refuses_surprises() {
        let all = SQLITE;
        assert_eq!(pending(all, &[]).map(|p| p.len()).ok(), Some(all.len()));
        let applied = vec![(1, checksum(all[0].sql))];
        assert_eq!(pending(all, &applied).map(|p| p.len()).ok(), Some(all.len() - 1));
        // A database at version 1 gets the records table, the users and the event keys, nothing else.
        assert_eq!(
            pending(all, &applied).map(|p| p.iter().map(|m| m.version).collect::<Vec<_>>()).ok(),
            Some(vec![2, 3, 4])
        );
        let current: Vec<(i64, String)> = all.iter().map(|m| (m.version, checksum(m.sql))).collect();
        assert_eq!(pending(all, &current).map(|p| p.len()).ok(), Some(0));
        let edited = vec![(1, checksum("something else"))];
        assert!(pending(all, &edited).is_err_and(|e| e.to_string().contains("different text")));
        let newer = vec![(1, checksum(all[0].sql)), (99, "x".into())];
        assert!(pending(all, &newer).is_err_and(|e| e.to_string().contains("newer Interlock")));
    }

    #[test]
    fn both_backends_have_the_same_version_numbers() {
        // The names may differ: version 4 keys SQLite's events and guards PostgreSQL's incidents.
        let v = |m: &[Migration]| m.iter().map(|x| x.version).collect::<Vec<_>>();
        assert_eq!(v(SQLITE), v(POSTGRES));
    }
}
