#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The store conformance suite: every case runs against SQLite (a temporary
//! data directory) and PostgreSQL (a fresh database per test, dropped
//! afterwards; skipped loudly without INTERLOCK_TEST_POSTGRES_URL).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use incident::*;
use site_model::{LoadOptions, Site, Source};
use store::pg::{ScratchDb, test_server};
use store::{Access, AnyStore, ApiToken, Log, LogError, NewUser, Record, Session, Store, StoreError};

fn site() -> Site {
    let text = include_str!("fixtures/site.toml");
    let o = site_model::load(vec![Source { path: "site.toml".into(), text: text.into() }], &LoadOptions::default());
    o.site.unwrap()
}

fn at(minute: i64) -> Timestamp {
    Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minute * 60_000_000)
}

fn note(text: &str) -> Body {
    Body::Note(Note { text: text.into(), domain: None })
}

fn opened(site: &Site) -> Opened {
    Opened {
        title: "HMI logins fail".into(),
        summary: "since 07:40".into(),
        category: Category::SuspiciousActivity,
        severity: Severity::Medium,
        site_version: Digest::parse(site.version()).unwrap(),
    }
}

/// Opens and declares `id` with `notes` notes, through the log.
async fn create(store: &AnyStore, site: &Site, id: &str, notes: usize) -> Incident {
    let policy = Policy::default();
    let cx = Context { site, policy: &policy, engine: None };
    let mut log = Log::create(store, cx, id);
    let v = Digest::parse(site.version()).unwrap();
    log.append(|_| {
        let first = first_event(id, "analyst", at(0), opened(site));
        let second = Event {
            incident: id.into(),
            seq: 2,
            recorded_at: at(1),
            actor: "commander".into(),
            body: Body::Declared { reason: "confirmed".into(), site_version: v },
        };
        Ok(vec![first, second])
    })
    .await
    .unwrap();
    for i in 0..notes {
        log.append(|inc| Ok(vec![inc.unwrap().next_event("analyst", at(2 + i as i64), note(&format!("note {i}")))]))
            .await
            .unwrap();
    }
    log.into_state().unwrap()
}

async fn raw(store: &AnyStore, sqlite: &'static str, postgres: &'static str) -> Result<u64, sqlx::Error> {
    match store {
        AnyStore::Sqlite(s) => sqlx::raw_sql(sqlite).execute(s.pool()).await.map(|r| r.rows_affected()),
        AnyStore::Postgres(p) => sqlx::raw_sql(postgres).execute(p.pool()).await.map(|r| r.rows_affected()),
    }
}

fn record(kind: &str, id: &str, rev: u64, body: &str) -> Record {
    Record {
        kind: kind.into(),
        id: id.into(),
        rev,
        recorded_at: at(rev as i64).micros(),
        actor: "planner".into(),
        reason: format!("revision {rev}"),
        body: body.into(),
    }
}

/// (id, rev, body) of each record, for short assertions.
fn summary(records: &[Record]) -> Vec<(&str, u64, &str)> {
    records.iter().map(|r| (r.id.as_str(), r.rev, r.body.as_str())).collect()
}

async fn schema_versions(store: &AnyStore) -> Vec<i64> {
    match store {
        AnyStore::Sqlite(s) => sqlx::query_scalar("SELECT version FROM interlock_schema ORDER BY version")
            .fetch_all(s.pool())
            .await
            .unwrap(),
        AnyStore::Postgres(p) => sqlx::query_scalar::<_, i32>("SELECT version FROM interlock_schema ORDER BY version")
            .fetch_all(p.pool())
            .await
            .unwrap()
            .into_iter()
            .map(i64::from)
            .collect(),
    }
}

fn new_user(username: &str, person: &str, admin: bool) -> NewUser {
    NewUser {
        username: username.into(),
        person: person.into(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${username}"),
        is_admin: admin,
        created_at: at(0).micros(),
    }
}

fn sha(n: u8) -> Vec<u8> {
    vec![n; 32]
}

mod cases {
    use super::*;

    pub async fn users_are_created_found_and_listed(store: Arc<AnyStore>) {
        let alice = store.create_user(&new_user("alice", "psharma", true)).await.unwrap();
        let bob = store.create_user(&new_user("Bob", "dokafor", false)).await.unwrap();
        assert_ne!(alice.id, bob.id);
        assert!(alice.is_admin && !alice.disabled && !bob.is_admin);
        assert_eq!(store.user_by_name("alice").await.unwrap().as_ref(), Some(&alice));
        assert_eq!(store.user(bob.id).await.unwrap().as_ref(), Some(&bob));
        assert_eq!(store.user_by_name("ALICE").await.unwrap(), None, "usernames are case-sensitive");
        assert_eq!(store.user_by_name("nobody\0").await.unwrap(), None);
        assert_eq!(store.user(i64::MAX).await.unwrap(), None);
        // Byte order: "Bob" before "alice" on both backends.
        let names: Vec<String> = store.users().await.unwrap().into_iter().map(|u| u.username).collect();
        assert_eq!(names, vec!["Bob", "alice"]);
        match store.create_user(&new_user("alice", "tnguyen", false)).await {
            Err(StoreError::Duplicate(what)) => assert!(what.contains("alice"), "{what}"),
            other => panic!("{other:?}"),
        }
        let mut plain = new_user("carol", "tnguyen", false);
        plain.password_hash = "hunter2".into();
        assert!(matches!(store.create_user(&plain).await, Err(StoreError::Invalid(_))));
        assert_eq!(store.users().await.unwrap().len(), 2);
        // Disabled and enabled again; an unknown user is not.
        assert!(store.set_user_disabled(bob.id, true).await.unwrap());
        assert!(store.user(bob.id).await.unwrap().unwrap().disabled);
        assert!(!store.user(alice.id).await.unwrap().unwrap().disabled, "only bob");
        assert!(store.set_user_disabled(bob.id, false).await.unwrap());
        assert!(!store.user_by_name("Bob").await.unwrap().unwrap().disabled);
        assert!(!store.set_user_disabled(i64::MAX, true).await.unwrap());
    }

    pub async fn sessions_expire_and_end(store: Arc<AnyStore>) {
        let u = store.create_user(&new_user("alice", "psharma", false)).await.unwrap();
        let s = Session { id: sha(1), user_id: u.id, csrf: "c1".into(), created_at: 100, expires_at: 200 };
        store.create_session(&s).await.unwrap();
        assert_eq!(store.session(&sha(1), 150).await.unwrap().as_ref(), Some(&s));
        assert_eq!(store.session(&sha(1), 200).await.unwrap(), None, "expired at expires_at");
        assert_eq!(store.session(&sha(2), 150).await.unwrap(), None);
        let short = Session { id: vec![1, 2, 3], ..s.clone() };
        assert!(matches!(store.create_session(&short).await, Err(StoreError::Invalid(_))));
        let stranger = Session { id: sha(3), user_id: u.id + 1000, ..s.clone() };
        assert!(store.create_session(&stranger).await.is_err(), "a session belongs to a user");
        store.delete_session(&sha(1)).await.unwrap();
        assert_eq!(store.session(&sha(1), 150).await.unwrap(), None);
        store.delete_session(&sha(1)).await.unwrap();
    }

    pub async fn tokens_are_found_by_hash_and_record_their_use(store: Arc<AnyStore>) {
        let u = store.create_user(&new_user("alice", "psharma", false)).await.unwrap();
        let t = ApiToken { hash: sha(7), name: "ci".into(), user_id: u.id, created_at: 10, last_used: None };
        store.create_token(&t).await.unwrap();
        let used = store.use_token(&sha(7), 20).await.unwrap().unwrap();
        assert_eq!((used.name.as_str(), used.user_id, used.created_at, used.last_used), ("ci", u.id, 10, Some(20)));
        assert_eq!(store.use_token(&sha(8), 20).await.unwrap(), None);
        // The last use moves by the minute, not with every request.
        let minute = store::TOKEN_USE_GRANULARITY_MICROS;
        assert_eq!(store.use_token(&sha(7), 20 + minute - 1).await.unwrap().unwrap().last_used, Some(20));
        assert_eq!(store.use_token(&sha(7), 20 + minute).await.unwrap().unwrap().last_used, Some(20 + minute));
        let again = ApiToken { hash: sha(9), ..t.clone() };
        assert!(matches!(store.create_token(&again).await, Err(StoreError::Duplicate(_))), "one name per user");
        let other = store.create_user(&new_user("bob", "dokafor", false)).await.unwrap();
        store.create_token(&ApiToken { hash: sha(9), user_id: other.id, ..t.clone() }).await.unwrap();
        assert!(store.create_token(&ApiToken { hash: sha(9), name: "x".into(), ..t }).await.is_err());
    }

    pub async fn tokens_are_revoked_one_by_one_and_sessions_all_at_once(store: Arc<AnyStore>) {
        let u = store.create_user(&new_user("alice", "psharma", false)).await.unwrap();
        let other = store.create_user(&new_user("bob", "dokafor", false)).await.unwrap();
        for (h, name, user) in [(1u8, "laptop", u.id), (2, "ci", u.id), (3, "ci", other.id)] {
            let t = ApiToken { hash: sha(h), name: name.into(), user_id: user, created_at: 10, last_used: None };
            store.create_token(&t).await.unwrap();
        }
        let names: Vec<String> = store.tokens(u.id).await.unwrap().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["ci", "laptop"], "by name, the user's own");
        assert!(store.revoke_token(u.id, "ci").await.unwrap());
        assert!(!store.revoke_token(u.id, "ci").await.unwrap(), "once");
        assert_eq!(store.use_token(&sha(2), 20).await.unwrap(), None, "it stops working");
        assert!(store.use_token(&sha(1), 20).await.unwrap().is_some(), "the others go on");
        assert!(store.use_token(&sha(3), 20).await.unwrap().is_some(), "another user's of the same name too");
        for (h, user) in [(4u8, u.id), (5, u.id), (6, other.id)] {
            let s = Session { id: sha(h), user_id: user, csrf: "c".into(), created_at: 100, expires_at: 200 };
            store.create_session(&s).await.unwrap();
        }
        assert_eq!(store.end_sessions(u.id).await.unwrap(), 2);
        assert_eq!(store.session(&sha(4), 150).await.unwrap(), None);
        assert_eq!(store.session(&sha(5), 150).await.unwrap(), None);
        assert!(store.session(&sha(6), 150).await.unwrap().is_some());
        assert_eq!(store.end_sessions(u.id).await.unwrap(), 0);
    }

    pub async fn the_access_log_is_kept_in_order_and_append_only(store: Arc<AnyStore>) {
        for i in 0..5 {
            let a = Access {
                at: i,
                username: if i == 0 { String::new() } else { "alice".into() },
                action: "signin".into(),
                target: format!("t{i}"),
                outcome: "ok".into(),
            };
            store.log_access(&a).await.unwrap();
        }
        let last3 = store.access_log(3).await.unwrap();
        assert_eq!(last3.iter().map(|a| a.target.as_str()).collect::<Vec<_>>(), vec!["t2", "t3", "t4"]);
        assert_eq!(store.access_log(100).await.unwrap().len(), 5);
        assert_eq!(store.access_log(100).await.unwrap()[0].username, "");
        let bad =
            Access { at: 0, username: "x".into(), action: String::new(), target: "t".into(), outcome: "ok".into() };
        assert!(matches!(store.log_access(&bad).await, Err(StoreError::Invalid(_))));
        assert!(
            raw(&store, "UPDATE access_log SET outcome = 'x'", "UPDATE access_log SET outcome = 'x'").await.is_err()
        );
        assert!(raw(&store, "DELETE FROM access_log", "DELETE FROM access_log").await.is_err());
        assert!(raw(&store, "DELETE FROM access_log", "TRUNCATE access_log").await.is_err());
        assert_eq!(store.access_log(100).await.unwrap().len(), 5);
    }

    pub async fn append_and_read_back(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 3).await;
        let stored = store.read("INC-1", 0).await.unwrap().unwrap();
        assert_eq!(stored.head.seq, 5);
        assert_eq!(stored.head.hash, inc.head().0.to_vec());
        assert_eq!(stored.events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        for (e, ev) in stored.events.iter().zip(inc.events()) {
            assert_eq!(decode(&e.bytes).unwrap(), *ev);
            assert_eq!(e.kind, ev.body.kind().code() as i64);
            assert_eq!(e.recorded_at, ev.recorded_at.micros());
            assert_eq!(e.actor, &*ev.actor);
        }
        let tail = store.read("INC-1", 3).await.unwrap().unwrap();
        assert_eq!(tail.events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
        assert!(store.read("INC-404", 0).await.unwrap().is_none());
        let loaded = store::load(&*store, "INC-1").await.unwrap().unwrap();
        assert_eq!(loaded.snapshot(), inc.snapshot());
        assert_eq!(loaded.events(), inc.events());
    }

    pub async fn a_stale_writer_gets_a_conflict_and_nothing_is_written(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 1).await;
        // Seal two events as if the head were still at 1.
        let stale =
            Incident::fold(vec![inc.events()[0].clone()], link(&GENESIS, &encode(&inc.events()[0]).unwrap())).unwrap();
        let e = stale.next_event("analyst", at(9), note("late"));
        let sealed = seal(&e, &stale.head()).unwrap();
        match store.append("INC-1", 1, &[sealed]).await {
            Err(StoreError::Conflict { expected: 1, actual: 3, .. }) => {}
            other => panic!("{other:?}"),
        }
        let stored = store.read("INC-1", 0).await.unwrap().unwrap();
        assert_eq!((stored.head.seq, stored.events.len()), (3, 3));
        store::log::verify(&*store, "INC-1").await.unwrap();
    }

    pub async fn creating_twice_conflicts_and_unknown_incidents_are_not_found(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 0).await;
        let first = seal(&inc.events()[0], &GENESIS).unwrap();
        assert!(matches!(
            store.append("INC-1", 0, std::slice::from_ref(&first)).await,
            Err(StoreError::Conflict { expected: 0, actual: 2, .. })
        ));
        let mut other = first.clone();
        other.seq = 8;
        assert!(matches!(store.append("INC-404", 7, &[other]).await, Err(StoreError::NotFound(id)) if id == "INC-404"));
        // Through the log: a second create of the same id is refused by the caller's check.
        let policy = Policy::default();
        let mut log = Log::create(&*store, Context { site: &site, policy: &policy, engine: None }, "INC-1");
        let r = log
            .append(|existing| match existing {
                Some(_) => Err(LogError::Exists("INC-1".into())),
                None => Ok(vec![first_event("INC-1", "analyst", at(0), opened(&site))]),
            })
            .await;
        assert!(matches!(r, Err(LogError::Exists(_))), "{r:?}");
    }

    pub async fn malformed_batches_are_refused(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 0).await;
        assert!(matches!(store.append("INC-1", 2, &[]).await, Err(StoreError::Invalid(_))));
        let a = seal(&inc.next_event("analyst", at(5), note("a")), &inc.head()).unwrap();
        let mut b = seal(&inc.next_event("analyst", at(5), note("b")), &a.hash).unwrap();
        b.seq = 5;
        let err = store.append("INC-1", 2, &[a, b]).await.unwrap_err();
        assert!(err.to_string().contains("numbered 5, expected 4"), "{err}");
        assert_eq!(store.read("INC-1", 0).await.unwrap().unwrap().events.len(), 2);
    }

    pub async fn a_refused_event_writes_nothing(store: Arc<AnyStore>) {
        let site = site();
        create(&store, &site, "INC-1", 0).await;
        let policy = Policy::default();
        let mut log =
            Log::open(&*store, Context { site: &site, policy: &policy, engine: None }, "INC-1").await.unwrap();
        // A batch whose second event is refused: neither is written.
        let r = log
            .append(|inc| {
                let inc = inc.unwrap();
                let a = inc.next_event("analyst", at(5), note("fine"));
                let mut b = inc.next_event(
                    "analyst",
                    at(5),
                    Body::Observation(Observation {
                        text: "stale values".into(),
                        observed_at: at(4),
                        domain: None,
                        assets: vec!["hmi-02".into()],
                    }),
                );
                b.seq += 1;
                Ok(vec![a, b])
            })
            .await;
        let err = r.unwrap_err().to_string();
        assert!(err.contains("unknown asset \"hmi-02\"") && err.contains("hmi-01"), "{err}");
        assert_eq!(store.read("INC-1", 0).await.unwrap().unwrap().events.len(), 2);
        // The log recovers: the next append follows the stored head.
        let sealed =
            log.append(|inc| Ok(vec![inc.unwrap().next_event("analyst", at(6), note("after"))])).await.unwrap();
        assert_eq!(sealed[0].seq, 3);
    }

    pub async fn racing_writers_never_fork_or_leave_gaps(store: Arc<AnyStore>) {
        let site = Arc::new(site());
        create(&store, &site, "INC-1", 0).await;
        let mut tasks = Vec::new();
        for w in 0..4 {
            let (store, site) = (store.clone(), site.clone());
            tasks.push(tokio::spawn(async move {
                let policy = Policy::default();
                let mut log =
                    Log::open(&*store, Context { site: &site, policy: &policy, engine: None }, "INC-1").await.unwrap();
                for i in 0..15 {
                    let text = format!("writer {w} note {i}");
                    log.append(|inc| Ok(vec![inc.unwrap().next_event("analyst", at(3), note(&text))])).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let n = store::log::verify(&*store, "INC-1").await.unwrap().seq;
        assert_eq!(n, 2 + 60);
        let inc = store::load(&*store, "INC-1").await.unwrap().unwrap();
        let mut texts: Vec<String> = inc
            .events()
            .iter()
            .filter_map(|e| match &e.body {
                Body::Note(n) => Some(n.text.to_string()),
                _ => None,
            })
            .collect();
        texts.sort();
        let mut expected: Vec<String> =
            (0..4).flat_map(|w| (0..15).map(move |i| format!("writer {w} note {i}"))).collect();
        expected.sort();
        assert_eq!(texts, expected, "every note exactly once");
    }

    pub async fn a_tampered_row_is_refused_then_caught_by_verify(store: Arc<AnyStore>) {
        let site = site();
        create(&store, &site, "INC-1", 4).await;
        // Plain SQL edits of events are refused by the database...
        let err = raw(
            &store,
            "UPDATE events SET actor = 'mallory' WHERE seq = 3",
            "UPDATE events SET actor = 'mallory' WHERE seq = 3",
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        // ...and when someone goes around that, verify names the event.
        let n = raw(
            &store,
            "DROP TRIGGER events_are_append_only_update; UPDATE events SET body = CAST(REPLACE(CAST(body AS TEXT), 'note 1', 'note 7') AS BLOB) WHERE incident = 'INC-1' AND seq = 4",
            "ALTER TABLE events DISABLE TRIGGER events_are_append_only; UPDATE events SET body = overlay(body placing '7'::bytea from length(body) - 1 for 1) WHERE incident = 'INC-1' AND seq = 4",
        )
        .await
        .unwrap();
        assert!(n >= 1, "the edit touched no row");
        let err = store::log::verify(&*store, "INC-1").await.unwrap_err().to_string();
        assert!(err.contains("incident INC-1: event 4 does not match: stored hash"), "{err}");
        let err = store::load(&*store, "INC-1").await.unwrap_err().to_string();
        assert!(err.contains("event 4 does not match"), "{err}");
    }

    /// Rows deleted from the end leave a shorter chain that verifies on its own.
    /// PostgreSQL keeps the head beside the events, which catches it. SQLite's
    /// head is its last event (migration 4): a reader that had seen the longer
    /// chain catches it (the head went back), and a signed checkpoint proves it
    /// to someone who never saw it (`checkpoints` in the incident CLI tests).
    pub async fn a_deleted_tail_is_caught(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 3).await;
        assert_eq!(inc.seq(), 5);
        raw(
            &store,
            "DROP TRIGGER events_are_append_only_delete; DELETE FROM events WHERE incident = 'INC-1' AND seq = 5",
            "ALTER TABLE events DISABLE TRIGGER events_are_append_only; DELETE FROM events WHERE incident = 'INC-1' AND seq = 5",
        )
        .await
        .unwrap();
        match &*store {
            AnyStore::Postgres(_) => {
                let err = store::log::verify(&*store, "INC-1").await.unwrap_err().to_string();
                assert!(err.contains("event 5 does not match: the incident's head says 5 events"), "{err}");
            }
            AnyStore::Sqlite(_) => {
                let err = store::log::newer(&*store, &inc).await.unwrap_err().to_string();
                assert!(err.contains("the incident's head says 4 events"), "{err}");
                assert_eq!(store::log::verify(&*store, "INC-1").await.unwrap().seq, 4);
            }
        }
    }

    pub async fn incidents_are_listed_by_id(store: Arc<AnyStore>) {
        let site = site();
        for id in ["INC-b", "INC-a", "INC-c"] {
            create(&store, &site, id, 1).await;
        }
        let heads = store.incidents().await.unwrap();
        assert_eq!(
            heads.iter().map(|h| (h.id.as_str(), h.seq)).collect::<Vec<_>>(),
            vec![("INC-a", 3), ("INC-b", 3), ("INC-c", 3)]
        );
    }

    pub async fn a_large_batch_is_stored_whole(store: Arc<AnyStore>) {
        let site = site();
        let inc = create(&store, &site, "INC-1", 0).await;
        let policy = Policy::default();
        let cx = Context { site: &site, policy: &policy, engine: None };
        let mut state = Some(inc);
        let mut events = Vec::new();
        for i in 0..12_000u64 {
            let seq = 3 + i;
            events.push(Event {
                incident: "INC-1".into(),
                seq,
                recorded_at: at(3),
                actor: "analyst".into(),
                body: note(&format!("bulk {i}")),
            });
        }
        let sealed = stage(&mut state, events, &cx).unwrap();
        store.append("INC-1", 2, &sealed).await.unwrap();
        let v = store::log::verify(&*store, "INC-1").await.unwrap();
        assert_eq!((v.seq, v.head), (12_002, state.unwrap().head()));
        assert_eq!(v.hashes.len(), 12_002);
        assert_eq!(v.hashes[12_001], v.head);
    }

    pub async fn reopening_a_store_keeps_its_schema(store: Arc<AnyStore>) {
        let site = site();
        create(&store, &site, "INC-1", 0).await;
        let n =
            raw(&store, "SELECT version FROM interlock_schema", "SELECT version FROM interlock_schema").await.unwrap();
        let _ = n;
        let versions: Vec<i64> = match &*store {
            AnyStore::Sqlite(s) => {
                sqlx::query_scalar("SELECT version FROM interlock_schema").fetch_all(s.pool()).await.unwrap()
            }
            AnyStore::Postgres(p) => sqlx::query_scalar::<_, i32>("SELECT version FROM interlock_schema")
                .fetch_all(p.pool())
                .await
                .unwrap()
                .into_iter()
                .map(i64::from)
                .collect(),
        };
        assert_eq!(versions, vec![1, 2, 3, 4]);
    }

    pub async fn records_are_put_and_read_back(store: Arc<AnyStore>) {
        assert!(store.record_history("work", "WO-1").await.unwrap().is_empty());
        assert!(store.records("work").await.unwrap().is_empty());
        let revs = [
            record("work", "WO-1", 1, r#"{"state":"planned"}"#),
            record("work", "WO-1", 2, r#"{"state":"approved"}"#),
            record("work", "WO-1", 3, r#"{"state":"open","note":"naïve — ✓"}"#),
        ];
        for r in &revs {
            store.put_record(r).await.unwrap();
        }
        // Every field comes back as it was put, body text included byte for byte.
        assert_eq!(store.record_history("work", "WO-1").await.unwrap(), revs.to_vec());
        assert_eq!(store.records("work").await.unwrap(), vec![revs[2].clone()]);
        // Kinds and ids are separate namespaces.
        assert!(store.records("access").await.unwrap().is_empty());
        assert!(store.record_history("access", "WO-1").await.unwrap().is_empty());
        assert!(store.record_history("work", "WO-2").await.unwrap().is_empty());
    }

    pub async fn records_list_the_latest_revision_of_each_by_id(store: Arc<AnyStore>) {
        // Put out of id order, interleaved, with another kind beside them.
        store.put_record(&record("work", "WO-2", 1, "b1")).await.unwrap();
        store.put_record(&record("work", "WO-10", 1, "c1")).await.unwrap();
        store.put_record(&record("access", "VA-1", 1, "v1")).await.unwrap();
        store.put_record(&record("work", "WO-2", 2, "b2")).await.unwrap();
        store.put_record(&record("work", "wo-0", 1, "d1")).await.unwrap();
        store.put_record(&record("work", "WO-1", 1, "a1")).await.unwrap();
        store.put_record(&record("work", "WO-2", 3, "b3")).await.unwrap();
        store.put_record(&record("access", "VA-1", 2, "v2")).await.unwrap();
        store.put_record(&record("work", "WO-1", 2, "a2")).await.unwrap();
        // By id in byte order on both backends: upper case before lower, "WO-10" before "WO-2".
        assert_eq!(
            summary(&store.records("work").await.unwrap()),
            vec![("WO-1", 2, "a2"), ("WO-10", 1, "c1"), ("WO-2", 3, "b3"), ("wo-0", 1, "d1")]
        );
        assert_eq!(summary(&store.records("access").await.unwrap()), vec![("VA-1", 2, "v2")]);
        assert!(store.records("nothing").await.unwrap().iter().all(|r| r.kind == "nothing"));
    }

    pub async fn record_history_is_every_revision_in_order(store: Arc<AnyStore>) {
        for rev in 1..=12 {
            store.put_record(&record("work", "WO-1", rev, &format!("{{\"rev\":{rev}}}"))).await.unwrap();
            store.put_record(&record("work", "WO-9", rev, "other")).await.unwrap();
        }
        let history = store.record_history("work", "WO-1").await.unwrap();
        assert_eq!(history.iter().map(|r| r.rev).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>());
        for r in &history {
            assert_eq!(r, &record("work", "WO-1", r.rev, &format!("{{\"rev\":{}}}", r.rev)));
        }
        assert_eq!(store.records("work").await.unwrap().iter().map(|r| r.rev).collect::<Vec<_>>(), vec![12, 12]);
    }

    pub async fn a_wrong_revision_is_a_record_conflict_and_writes_nothing(store: Arc<AnyStore>) {
        store.put_record(&record("work", "WO-1", 1, "one")).await.unwrap();
        store.put_record(&record("work", "WO-1", 2, "two")).await.unwrap();
        let before = store.record_history("work", "WO-1").await.unwrap();
        // A writer that did not see revision 2.
        let err = store.put_record(&record("work", "WO-1", 2, "stale")).await.unwrap_err();
        let StoreError::RecordConflict { kind, id, expected, actual } = &err else { panic!("{err:?}") };
        assert_eq!((kind.as_str(), id.as_str(), *expected, *actual), ("work", "WO-1", 1, 2));
        assert_eq!(err.to_string(), "record work/WO-1 moved on: expected revision 1, it is 2");
        // One that skips a revision, and one that starts a new record at 2.
        assert!(matches!(
            store.put_record(&record("work", "WO-1", 4, "skip")).await,
            Err(StoreError::RecordConflict { expected: 3, actual: 2, .. })
        ));
        assert!(matches!(
            store.put_record(&record("work", "WO-2", 2, "no first")).await,
            Err(StoreError::RecordConflict { expected: 1, actual: 0, .. })
        ));
        // Malformed records are refused before the database.
        for bad in [record("", "WO-3", 1, "x"), record("work", "", 1, "x"), record("work", "WO-3", 0, "x")] {
            let r = store.put_record(&bad).await;
            assert!(matches!(r, Err(StoreError::Invalid(_))), "{bad:?}: {r:?}");
        }
        let mut nul = record("work", "WO-3", 1, "x");
        nul.reason = "a\0b".into();
        assert!(matches!(store.put_record(&nul).await, Err(StoreError::Invalid(_))));
        // Nothing was written.
        assert_eq!(store.record_history("work", "WO-1").await.unwrap(), before);
        assert_eq!(summary(&store.records("work").await.unwrap()), vec![("WO-1", 2, "two")]);
        // The right revision still goes in.
        store.put_record(&record("work", "WO-1", 3, "three")).await.unwrap();
    }

    pub async fn two_writers_of_the_same_revision_exactly_one_wins(store: Arc<AnyStore>) {
        for rev in 1..=20u64 {
            let mut tasks = Vec::new();
            for w in 0..2 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    store.put_record(&record("access", "VA-7", rev, &format!("writer {w}"))).await
                }));
            }
            let mut winners = Vec::new();
            for (w, t) in tasks.into_iter().enumerate() {
                match t.await.unwrap() {
                    Ok(()) => winners.push(format!("writer {w}")),
                    Err(StoreError::RecordConflict { expected, actual, .. }) => {
                        assert_eq!((expected, actual), (rev - 1, rev), "revision {rev}")
                    }
                    Err(other) => panic!("revision {rev}: {other:?}"),
                }
            }
            assert_eq!(winners.len(), 1, "revision {rev}: {winners:?}");
            let history = store.record_history("access", "VA-7").await.unwrap();
            assert_eq!(history.len() as u64, rev);
            assert_eq!(history[rev as usize - 1].body, winners[0], "the winner's revision is the one stored");
        }
    }

    pub async fn records_are_append_only_in_the_database(store: Arc<AnyStore>) {
        store.put_record(&record("work", "WO-1", 1, "one")).await.unwrap();
        store.put_record(&record("work", "WO-1", 2, "two")).await.unwrap();
        let update = "UPDATE records SET body = 'forged' WHERE kind = 'work' AND id = 'WO-1' AND rev = 1";
        let err = raw(&store, update, update).await.unwrap_err();
        assert!(err.to_string().contains("records are append-only"), "{err}");
        let delete = "DELETE FROM records WHERE kind = 'work' AND id = 'WO-1' AND rev = 2";
        let err = raw(&store, delete, delete).await.unwrap_err();
        assert!(err.to_string().contains("records are append-only"), "{err}");
        // Emptying the table wholesale is refused too (PostgreSQL's TRUNCATE fires no row trigger).
        let err = raw(&store, "DELETE FROM records", "TRUNCATE records").await.unwrap_err();
        assert!(err.to_string().contains("records are append-only"), "{err}");
        assert_eq!(
            summary(&store.record_history("work", "WO-1").await.unwrap()),
            vec![("WO-1", 1, "one"), ("WO-1", 2, "two")]
        );
    }
}

/// Cases that start from a database no Interlock store has opened yet.
mod fresh {
    use super::*;

    /// The schema an Interlock with migration 1 only left behind, exactly as it
    /// recorded it, with an incident whose events its store would have written.
    async fn build_version_1(db: &Fresh, chains: &[(&str, &[Sealed])]) {
        const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS interlock_schema (
            version INTEGER PRIMARY KEY NOT NULL,
            name    TEXT NOT NULL,
            sha256  TEXT NOT NULL
        )";
        match db {
            Fresh::Sqlite(dir) => {
                const V1: &str = include_str!("../migrations/sqlite/0001_events.sql");
                let pool = sqlx::SqlitePool::connect_with(store::SqliteStore::options(&dir.join("interlock.db")))
                    .await
                    .unwrap();
                let mut tx = pool.begin().await.unwrap();
                sqlx::query(SCHEMA).execute(&mut *tx).await.unwrap();
                sqlx::raw_sql(V1).execute(&mut *tx).await.unwrap();
                sqlx::query("INSERT INTO interlock_schema (version, name, sha256) VALUES (1, 'events', ?)")
                    .bind(sha256(V1))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                for (id, events) in chains {
                    let last = events.last().unwrap();
                    sqlx::query("INSERT INTO incidents (id, head_seq, head_hash) VALUES (?, ?, ?)")
                        .bind(id)
                        .bind(last.seq as i64)
                        .bind(&last.hash.0[..])
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                for (id, events) in chains {
                    for e in events.iter() {
                        sqlx::query(
                            "INSERT INTO events (incident, seq, kind, recorded_at, actor, hash, body) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                        )
                        .bind(id)
                        .bind(e.seq as i64)
                        .bind(e.kind.code() as i64)
                        .bind(e.recorded_at)
                        .bind(&*e.actor)
                        .bind(&e.hash.0[..])
                        .bind(&e.bytes[..])
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    }
                }
                tx.commit().await.unwrap();
                pool.close().await;
            }
            Fresh::Postgres(url) => {
                const V1: &str = include_str!("../migrations/postgres/0001_events.sql");
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let mut tx = pool.begin().await.unwrap();
                sqlx::query(SCHEMA).execute(&mut *tx).await.unwrap();
                sqlx::raw_sql(V1).execute(&mut *tx).await.unwrap();
                sqlx::query("INSERT INTO interlock_schema (version, name, sha256) VALUES (1, 'events', $1)")
                    .bind(sha256(V1))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                for (id, events) in chains {
                    let last = events.last().unwrap();
                    sqlx::query("INSERT INTO incidents (id, head_seq, head_hash) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(last.seq as i64)
                        .bind(&last.hash.0[..])
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                for (id, events) in chains {
                    for e in events.iter() {
                        sqlx::query(
                            "INSERT INTO events (incident, seq, kind, recorded_at, actor, hash, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(id)
                        .bind(e.seq as i64)
                        .bind(e.kind.code() as i32)
                        .bind(e.recorded_at)
                        .bind(&*e.actor)
                        .bind(&e.hash.0[..])
                        .bind(&e.bytes[..])
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    }
                }
                tx.commit().await.unwrap();
                pool.close().await;
            }
        }
    }

    fn sha256(text: &str) -> String {
        use sha2::{Digest as _, Sha256};
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    pub async fn a_version_1_database_upgrades_to_2_keeping_its_events(db: Fresh) {
        let site = site();
        let policy = Policy::default();
        let cx = Context { site: &site, policy: &policy, engine: None };
        let v = Digest::parse(site.version()).unwrap();
        let mut events = vec![
            first_event("INC-1", "analyst", at(0), opened(&site)),
            Event {
                incident: "INC-1".into(),
                seq: 2,
                recorded_at: at(1),
                actor: "commander".into(),
                body: Body::Declared { reason: "confirmed".into(), site_version: v },
            },
        ];
        for i in 0..3u64 {
            events.push(Event {
                incident: "INC-1".into(),
                seq: 3 + i,
                recorded_at: at(2 + i as i64),
                actor: "analyst".into(),
                body: note(&format!("note {i}")),
            });
        }
        let mut state = None;
        let sealed = stage(&mut state, events, &cx).unwrap();
        let inc = state.unwrap();
        // A second, shorter incident whose id sorts first: SQLite numbers it 1 (migration 4).
        let mut other = None;
        let other_sealed = stage(&mut other, vec![first_event("INC-0", "analyst", at(0), opened(&site))], &cx).unwrap();
        let other = other.unwrap();
        build_version_1(&db, &[("INC-1", &sealed), ("INC-0", &other_sealed)]).await;

        // Opening it with this build runs migrations 2, 3 and 4 only.
        let store = db.open().await;
        assert_eq!(schema_versions(&store).await, vec![1, 2, 3, 4]);
        let v = store::log::verify(&store, "INC-1").await.unwrap();
        assert_eq!((v.seq, v.head), (5, inc.head()));
        let loaded = store::load(&store, "INC-1").await.unwrap().unwrap();
        assert_eq!(loaded.events(), inc.events());
        assert_eq!(loaded.snapshot(), inc.snapshot());
        let loaded = store::load(&store, "INC-0").await.unwrap().unwrap();
        assert_eq!(loaded.events(), other.events());
        assert_eq!(
            store.incidents().await.unwrap().iter().map(|h| (h.id.as_str(), h.seq)).collect::<Vec<_>>(),
            vec![("INC-0", 1), ("INC-1", 5)]
        );
        // The new table is there, and the incident keeps going.
        assert!(store.records("work").await.unwrap().is_empty());
        store.put_record(&record("work", "WO-1", 1, "{}")).await.unwrap();
        let mut log = Log::open(&store, cx, "INC-1").await.unwrap();
        log.append(|inc| Ok(vec![inc.unwrap().next_event("analyst", at(9), note("after the upgrade"))])).await.unwrap();
        store.close().await;

        // Opening it again migrates nothing and finds everything.
        let again = db.open().await;
        assert_eq!(schema_versions(&again).await, vec![1, 2, 3, 4]);
        assert!(again.users().await.unwrap().is_empty());
        assert_eq!(store::log::verify(&again, "INC-1").await.unwrap().seq, 6);
        assert_eq!(summary(&again.records("work").await.unwrap()), vec![("WO-1", 1, "{}")]);
        again.close().await;
    }
}

/// A database no store has opened: a data directory, or a PostgreSQL URL.
enum Fresh {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Fresh {
    async fn open(&self) -> AnyStore {
        match self {
            Fresh::Sqlite(dir) => AnyStore::sqlite(dir).await.unwrap(),
            Fresh::Postgres(url) => AnyStore::postgres(url).await.unwrap(),
        }
    }
}

async fn with_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<AnyStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(AnyStore::sqlite(dir.path()).await.unwrap());
    case(store.clone()).await;
    store.close().await;
    // Reopening migrates nothing and finds the same data.
    let again = AnyStore::sqlite(dir.path()).await.unwrap();
    for h in again.incidents().await.unwrap() {
        let _ = store::log::verify(&again, &h.id).await;
    }
    again.close().await;
}

async fn with_postgres<F, Fut>(test: &str, case: F)
where
    F: FnOnce(Arc<AnyStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(url) = test_server(test).unwrap() else { return };
    let db = ScratchDb::create(&url, "conformance").await.unwrap();
    let result = AssertUnwindSafe(async {
        let store = Arc::new(AnyStore::postgres(&db.url).await.unwrap());
        case(store.clone()).await;
        store.close().await;
        let again = AnyStore::postgres(&db.url).await.unwrap();
        again.close().await;
    })
    .catch_unwind()
    .await;
    db.drop_db().await.unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

async fn with_fresh_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Fresh) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    case(Fresh::Sqlite(dir.path().to_path_buf())).await;
}

async fn with_fresh_postgres<F, Fut>(test: &str, case: F)
where
    F: FnOnce(Fresh) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(url) = test_server(test).unwrap() else { return };
    let db = ScratchDb::create(&url, "conformance").await.unwrap();
    let result = AssertUnwindSafe(case(Fresh::Postgres(db.url.clone()))).catch_unwind().await;
    db.drop_db().await.unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// `cases` run against an opened store, `fresh` against an empty database.
macro_rules! conformance {
    (cases: $($case:ident),+ $(,)?; fresh: $($fresh:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::with_sqlite(super::cases::$case).await;
                }
            )+
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $fresh() {
                    super::with_fresh_sqlite(super::fresh::$fresh).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::with_postgres(concat!("postgres::", stringify!($case)), super::cases::$case).await;
                }
            )+
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $fresh() {
                    super::with_fresh_postgres(concat!("postgres::", stringify!($fresh)), super::fresh::$fresh).await;
                }
            )+
        }
    };
}

conformance!(
    cases:
    append_and_read_back,
    a_stale_writer_gets_a_conflict_and_nothing_is_written,
    creating_twice_conflicts_and_unknown_incidents_are_not_found,
    malformed_batches_are_refused,
    a_refused_event_writes_nothing,
    racing_writers_never_fork_or_leave_gaps,
    a_tampered_row_is_refused_then_caught_by_verify,
    a_deleted_tail_is_caught,
    incidents_are_listed_by_id,
    a_large_batch_is_stored_whole,
    reopening_a_store_keeps_its_schema,
    records_are_put_and_read_back,
    records_list_the_latest_revision_of_each_by_id,
    record_history_is_every_revision_in_order,
    a_wrong_revision_is_a_record_conflict_and_writes_nothing,
    two_writers_of_the_same_revision_exactly_one_wins,
    records_are_append_only_in_the_database,
    users_are_created_found_and_listed,
    sessions_expire_and_end,
    tokens_are_found_by_hash_and_record_their_use,
    tokens_are_revoked_one_by_one_and_sessions_all_at_once,
    the_access_log_is_kept_in_order_and_append_only;
    fresh:
    a_version_1_database_upgrades_to_2_keeping_its_events,
);

/// SQLite keys each event by its incident's number and sequence number
/// (migration 4); the database refuses a row whose key says otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_a_row_keyed_under_another_incident() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::sqlite(dir.path()).await.unwrap();
    let site = site();
    create(&store, &site, "INC-1", 0).await;
    let AnyStore::Sqlite(s) = &store else { unreachable!() };
    let n: i64 = sqlx::query_scalar("SELECT n FROM incidents WHERE id = 'INC-1'").fetch_one(s.pool()).await.unwrap();
    let insert = "INSERT INTO events (key, incident, seq, kind, recorded_at, actor, hash, body) \
                  VALUES (?, 'INC-1', 3, 1, 0, 'x', zeroblob(32), x'00')";
    let err = sqlx::query(insert).bind(((n + 1) << 32) | 3).execute(s.pool()).await.unwrap_err();
    assert!(err.to_string().contains("must carry its incident's number"), "{err}");
    let err = sqlx::query(insert).bind((n << 32) | 4).execute(s.pool()).await.unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
    let err = sqlx::raw_sql("DELETE FROM incidents").execute(s.pool()).await.unwrap_err();
    assert!(err.to_string().contains("never deleted"), "{err}");
    assert_eq!(store::log::verify(&store, "INC-1").await.unwrap().seq, 2);
    store.close().await;
}
