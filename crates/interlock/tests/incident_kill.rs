#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Durability: two real `interlock` writers append to the same incidents;
//! each prints `ack ID SEQ HASH` once its commit has returned. They are
//! killed with SIGKILL in the middle of appending, round after round. Then
//! every chain must verify, and every acknowledged event must be there with
//! the hash that was acknowledged.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use store::pg::{ScratchDb, test_server};
use store::{AnyStore, Store};

const ROUNDS: usize = 8;

fn spawn(args: &[String], tag: &str) -> (Child, mpsc::Receiver<String>) {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["incident", "append-loop", "--incidents", "3", "--tag", tag])
        .args(args)
        .env("INTERLOCK_SITE", site)
        .env("INTERLOCK_USER", "mgarcia")
        .env_remove("INTERLOCK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// (incident, seq) -> hash, from `ack` lines.
fn record(acks: &mut BTreeMap<(String, u64), String>, line: &str) {
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert!(parts.len() == 4 && parts[0] == "ack", "unexpected writer output {line:?}");
    let key = (parts[1].to_string(), parts[2].parse().unwrap());
    if let Some(prev) = acks.insert(key.clone(), parts[3].to_string()) {
        assert_eq!(prev, parts[3], "{key:?} acknowledged twice with different hashes: the chain forked");
    }
}

fn kill_loop(args: Vec<String>, store: &AnyStore, rt: &tokio::runtime::Runtime) {
    let mut acks = BTreeMap::new();
    for round in 0..ROUNDS {
        let (mut a, rx_a) = spawn(&args, &format!("a{round}"));
        let (mut b, rx_b) = spawn(&args, &format!("b{round}"));
        // Kill after a different number of acknowledgements each round: mid-append, not between.
        let wanted = 3 + round * 5;
        let mut seen = 0;
        while seen < wanted {
            match rx_a.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    record(&mut acks, &line);
                    seen += 1;
                }
                Err(e) => panic!("round {round}: writer a stopped acknowledging after {seen}: {e}"),
            }
        }
        a.kill().unwrap();
        b.kill().unwrap();
        a.wait().unwrap();
        b.wait().unwrap();
        // What they printed before dying was acknowledged too.
        for line in rx_a.iter().chain(rx_b.iter()) {
            record(&mut acks, &line);
        }
    }
    assert!(acks.len() >= (0..ROUNDS).map(|r| 3 + r * 5).sum::<usize>());
    let (code, out) = {
        let o =
            Command::new(env!("CARGO_BIN_EXE_interlock")).args(["incident", "verify"]).args(&args).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
    };
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("3 verified, 0 failed"), "{out}");
    rt.block_on(async {
        for id in ["LOOP-1", "LOOP-2", "LOOP-3"] {
            let stored = store.read(id, 0).await.unwrap().unwrap();
            let hashes: BTreeMap<u64, String> =
                stored.events.iter().map(|e| (e.seq, e.hash.iter().map(|b| format!("{b:02x}")).collect())).collect();
            for ((inc, seq), hash) in acks.range((id.to_string(), 0)..=(id.to_string(), u64::MAX)) {
                assert_eq!(inc, id);
                assert_eq!(
                    hashes.get(seq),
                    Some(hash),
                    "{id} #{seq} was acknowledged but is not stored as acknowledged"
                );
            }
        }
    });
}

#[test]
fn sqlite_acknowledged_appends_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    kill_loop(vec!["--data".into(), data.display().to_string()], &rt.block_on(AnyStore::sqlite(&data)).unwrap(), &rt);
}

#[test]
fn postgres_acknowledged_appends_survive_kill_9() {
    let Some(url) = test_server("postgres_acknowledged_appends_survive_kill_9").unwrap() else { return };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = rt.block_on(ScratchDb::create(&url, "kill")).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let store = rt.block_on(AnyStore::postgres(&db.url)).unwrap();
        kill_loop(vec!["--database-url".into(), db.url.clone()], &store, &rt);
        rt.block_on(store.close());
    }));
    rt.block_on(db.drop_db()).unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}
