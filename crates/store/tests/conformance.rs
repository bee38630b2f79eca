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
use store::{AnyStore, Log, LogError, Store, StoreError};

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

mod cases {
    use super::*;

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

    pub async fn a_deleted_tail_is_caught_by_the_head(store: Arc<AnyStore>) {
        let site = site();
        create(&store, &site, "INC-1", 3).await;
        raw(
            &store,
            "DROP TRIGGER events_are_append_only_delete; DELETE FROM events WHERE incident = 'INC-1' AND seq = 5",
            "ALTER TABLE events DISABLE TRIGGER events_are_append_only; DELETE FROM events WHERE incident = 'INC-1' AND seq = 5",
        )
        .await
        .unwrap();
        let err = store::log::verify(&*store, "INC-1").await.unwrap_err().to_string();
        assert!(err.contains("event 5 does not match: the incident's head says 5 events"), "{err}");
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
        assert_eq!(versions, vec![1]);
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

macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::with_sqlite(super::cases::$case).await;
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
        }
    };
}

conformance!(
    append_and_read_back,
    a_stale_writer_gets_a_conflict_and_nothing_is_written,
    creating_twice_conflicts_and_unknown_incidents_are_not_found,
    malformed_batches_are_refused,
    a_refused_event_writes_nothing,
    racing_writers_never_fork_or_leave_gaps,
    a_tampered_row_is_refused_then_caught_by_verify,
    a_deleted_tail_is_caught_by_the_head,
    incidents_are_listed_by_id,
    a_large_batch_is_stored_whole,
    reopening_a_store_keeps_its_schema,
);
