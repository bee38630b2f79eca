#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A whole incident run from the command line against SQLite and against
//! PostgreSQL: opened, declared, staffed, observed, evidenced, hypothesised,
//! decided, corrected, handed over, its timeline read back and filtered,
//! exported, verified; and every kind of bad input refused with nothing written.

use std::path::{Path, PathBuf};
use std::process::Command;

use store::pg::{ScratchDb, test_server};

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

/// Where a test keeps its incidents: a temporary SQLite data directory or a fresh PostgreSQL database.
struct Backend {
    args: Vec<String>,
    dir: tempfile::TempDir,
    db: Option<ScratchDb>,
    rt: tokio::runtime::Runtime,
}

impl Backend {
    fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Backend { args: vec!["--data".into(), dir.path().join("data").display().to_string()], dir, db: None, rt }
    }

    fn postgres(test: &str) -> Option<Backend> {
        let url = test_server(test).unwrap()?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = rt.block_on(ScratchDb::create(&url, "cli")).unwrap();
        Some(Backend {
            args: vec!["--database-url".into(), db.url.clone()],
            dir: tempfile::tempdir().unwrap(),
            db: Some(db),
            rt,
        })
    }

    /// Runs `interlock incident ARGS` as `user` at `now`.
    fn run(&self, user: &str, now: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.arg("incident").args(args).args(&self.args);
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", now);
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, minute: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, &format!("2026-11-26T08:{minute:02}:00-06:00"), args);
        assert_eq!(code, 0, "interlock incident {args:?} as {user}: {out}{err}");
        out
    }

    fn refused(&self, user: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, "2026-11-26T09:00:00-06:00", args);
        assert_eq!(code, 2, "interlock incident {args:?} as {user} was accepted: {out}{err}");
        err
    }

    fn event_count(&self, id: &str) -> u64 {
        let out = self.ok("tnguyen", 59, &["show", id, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["event_count"].as_u64().unwrap()
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = self.rt.block_on(db.drop_db());
        }
    }
}

/// The whole incident; returns its id.
fn run_incident(b: &Backend) -> String {
    let id = b.ok(
        "tnguyen",
        0,
        &[
            "open",
            "--title",
            "Operator stations cannot log in",
            "--summary",
            "HMIs refuse domain logins since 07:40",
            "--category",
            "unauthorized-access",
        ],
    );
    let id = id.trim().to_string();
    assert_eq!(id, "INC-20261126-1");
    let err = b.refused("tnguyen", &["declare", &id, "--reason", "serious"]);
    assert!(err.contains("tnguyen may not declare") && err.contains("nothing written"), "{err}");
    b.ok("tnguyen", 1, &["escalate", &id, "--reason", "three control-room HMIs affected"]);
    b.ok("eschmidt", 2, &["declare", &id, "--reason", "plant-wide login failure on operator stations"]);
    b.ok("mgarcia", 3, &["assign", &id, "it-lead", "psharma", "--reason", "on call"]);
    b.ok("mgarcia", 3, &["assign", &id, "ot-lead", "eschmidt", "--reason", "on site"]);
    b.ok("mgarcia", 3, &["assign", &id, "timeline-keeper", "tnguyen", "--reason", "keeps the record"]);
    b.ok(
        "hpatel",
        4,
        &[
            "observe",
            &id,
            "HMI-CR-01 trend display frozen",
            "--asset",
            "hmi-cr-01",
            "--observed-at",
            "2026-11-26T07:41:00-06:00",
        ],
    );
    let artefact = b.dir.path().join("vpn.log");
    std::fs::write(&artefact, "session 4411 vendor-acct 02:13-02:58\n").unwrap();
    b.ok(
        "psharma",
        5,
        &[
            "evidence",
            &id,
            "--title",
            "VPN session log",
            "--source",
            "session-record",
            "--file",
            artefact.to_str().unwrap(),
            "--asset",
            "vpn-corp-01",
            "--location",
            "case share INC-1/vpn.log",
        ],
    );
    b.ok(
        "hpatel",
        6,
        &[
            "evidence",
            &id,
            "--title",
            "Maintenance schedule",
            "--source",
            "maintenance-schedule",
            "--sha256",
            &"ab".repeat(32),
        ],
    );
    b.ok("psharma", 7, &["custody", &id, "8", "--to", "tnguyen", "--reason", "analysis on the forensic workstation"]);
    b.ok("psharma", 8, &["hypothesis", "propose", &id, "Vendor VPN credentials were stolen", "--for", "8"]);
    b.ok(
        "hpatel",
        9,
        &[
            "hypothesis",
            "update",
            &id,
            "11",
            "--status",
            "supported",
            "--reason",
            "no maintenance was scheduled at 02:13",
            "--for",
            "9",
        ],
    );
    b.ok(
        "eschmidt",
        10,
        &[
            "status",
            &id,
            "--process",
            "filtration",
            "--process-state",
            "stable",
            "--control",
            "trusted",
            "--view",
            "in-question",
            "--reason",
            "values match field gauges",
            "--evidence",
            "9",
        ],
    );
    b.ok(
        "mgarcia",
        11,
        &["status", &id, "--severity", "high", "--phase", "contain", "--reason", "credential theft likely"],
    );
    b.ok(
        "tnguyen",
        12,
        &[
            "decide",
            &id,
            "--title",
            "Disable the vendor VPN account",
            "--option",
            "disable the account",
            "--option",
            "keep and monitor",
            "--choice",
            "1",
            "--rationale",
            "no safety-critical vendor work is scheduled",
            "--decided-by",
            "mgarcia",
            "--decided-by",
            "eschmidt",
            "--dissent",
            "psharma: also reset the domain trust",
            "--evidence",
            "8",
            "--domain",
            "shared",
        ],
    );
    b.ok("tnguyen", 13, &["note", &id, "Bridge call at 08:30"]);
    b.ok("tnguyen", 14, &["correct", &id, "17", "--text", "Bridge call at 08:45", "--reason", "moved"]);
    b.ok(
        "eschmidt",
        15,
        &[
            "assign",
            &id,
            "ot-lead",
            "hpatel",
            "--handover",
            "--actions",
            "watching filtration; manual checks hourly",
            "--reason",
            "end of shift",
        ],
    );
    b.ok(
        "fhassan",
        16,
        &["communicate", &id, "No impact on water quality", "--audience", "public", "--channel", "website"],
    );
    id
}

fn whole_incident(b: &Backend) {
    let id = run_incident(b);
    assert_eq!(b.event_count(&id), 20);

    let show = b.ok("tnguyen", 59, &["show", &id]);
    for needle in [
        "status     declared",
        "severity   high",
        "phase contain",
        "ot-lead                Hina Patel (hpatel) (since #19)",
        "#11    supported",
        "#16    Disable the vendor VPN account: disable the account",
        "custodian tnguyen, 1 transfer(s)",
        "filtration: process stable, control trusted, view in-question",
    ] {
        assert!(show.contains(needle), "show lacks {needle:?}:\n{show}");
    }

    // The timeline, filtered.
    let t = b.ok("tnguyen", 59, &["timeline", &id]);
    insta::with_settings!({ filters => vec![(r"sha256:[0-9a-f]{64}", "sha256:[hash]")] }, {
        insta::assert_snapshot!("whole_incident_timeline", t);
        insta::assert_snapshot!("whole_incident_show", show);
    });
    assert!(t.contains("#17") && t.contains("[superseded by #18]"), "{t}");
    assert!(t.contains("now reads: Bridge call at 08:45"), "{t}");
    let ot = b.ok("tnguyen", 59, &["timeline", &id, "--domain", "ot", "--json"]);
    let ot: Vec<serde_json::Value> = serde_json::from_str(&ot).unwrap();
    assert_eq!(ot.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), vec![7, 9, 13], "{ot:?}");
    let decisions = b.ok("tnguyen", 59, &["timeline", &id, "--kind", "decision", "--json"]);
    let decisions: Vec<serde_json::Value> = serde_json::from_str(&decisions).unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["body"]["chosen"], "disable the account");
    assert_eq!(decisions[0]["body"]["dissent"][0]["person"], "psharma");
    assert!(decisions[0]["body"]["site_version"].as_str().unwrap().starts_with("sha256:"));
    let psharma = b.ok("tnguyen", 59, &["timeline", &id, "--person", "psharma", "--json"]);
    let psharma: Vec<serde_json::Value> = serde_json::from_str(&psharma).unwrap();
    assert_eq!(psharma.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), vec![4, 8, 10, 11, 16]);
    // The observation happened at 07:41, before the incident was opened: --since is on when things happened.
    let early = b.ok("tnguyen", 59, &["timeline", &id, "--until", "2026-11-26T08:00:00-06:00", "--json"]);
    let early: Vec<serde_json::Value> = serde_json::from_str(&early).unwrap();
    assert_eq!(early.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), vec![7]);
    let window = b.ok(
        "tnguyen",
        59,
        &["timeline", &id, "--since", "2026-11-26T08:10:00-06:00", "--until", "2026-11-26T14:13:00Z", "--json"],
    );
    let window: Vec<serde_json::Value> = serde_json::from_str(&window).unwrap();
    assert_eq!(window.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), vec![13, 14, 15, 16]);
    let by_occurrence = b.ok("tnguyen", 59, &["timeline", &id, "--by-occurrence"]);
    assert!(by_occurrence.lines().nth(1).unwrap().starts_with("#7 "), "{by_occurrence}");

    // Export, and verify the export offline.
    let out = b.dir.path().join("export");
    b.ok("tnguyen", 59, &["export", &id, "--out", out.to_str().unwrap()]);
    let json = out.join(format!("{id}.json"));
    let md = std::fs::read_to_string(out.join(format!("{id}.md"))).unwrap();
    assert!(md.contains("# INC-20261126-1: Operator stations cannot log in"), "{md}");
    assert!(md.contains("**#16**") && md.contains("Hina Patel (hpatel)"), "{md}");
    let v = b.ok("tnguyen", 59, &["verify", "--export", json.to_str().unwrap()]);
    assert!(v.contains("verifies offline") && v.contains("20 events"), "{v}");
    // A readable field edited in the export no longer says what the encoding says.
    let text = std::fs::read_to_string(&json).unwrap();
    let forged = out.join("forged.json");
    std::fs::write(&forged, text.replacen("\"disable the account\"", "\"keep and monitor\"", 1)).unwrap();
    let (code, out_text, _) =
        b.run("tnguyen", "2026-11-26T09:00:00-06:00", &["verify", "--export", forged.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out_text.contains("FAILED") && out_text.contains("event 16"), "{out_text}");

    let v = b.ok("tnguyen", 59, &["verify"]);
    assert!(v.contains(&format!("ok: {id}: 20 events")) && v.contains("1 verified, 0 failed"), "{v}");
    let list = b.ok("tnguyen", 59, &["list"]);
    assert!(
        list.contains("INC-20261126-1       declared   high      contain        20  Operator stations cannot log in"),
        "{list}"
    );
}

fn bad_input(b: &Backend) {
    let id = b.ok("mgarcia", 0, &["open", "--title", "t", "--summary", "s", "--declare", "--reason", "r"]);
    assert_eq!(id.trim(), "INC-20261126-1");
    let id = b.ok(
        "mgarcia",
        0,
        &[
            "open",
            "--title",
            "Ransom note on the historian",
            "--summary",
            "hist-ot-01",
            "--declare",
            "--reason",
            "ransomware",
        ],
    );
    let id = id.trim().to_string();
    assert_eq!(id, "INC-20261126-2");
    let before = b.event_count(&id);
    let huge = "x".repeat(20_000);
    for (user, args, needle) in [
        ("hpatel", vec!["note", &id, &huge], "longer than the 16384-byte limit"),
        ("hpatel", vec!["observe", &id, "x", "--asset", "hist-ot-9"], "unknown asset \"hist-ot-9\""),
        (
            "hpatel",
            vec!["observe", &id, "x", "--observed-at", "2026-11-26T10:00:00-06:00"],
            "is after the time it is being recorded",
        ),
        ("psharma", vec!["custody", &id, "44", "--to", "tnguyen", "--reason", "r"], "#44 is not evidence"),
        ("psharma", vec!["hypothesis", "propose", &id, "x", "--for", "2"], "#2 is a declared event, not an evidence"),
        ("psharma", vec!["hypothesis", "propose", &id, "x", "--for", "99"], "evidence #99 does not exist"),
        ("nobody", vec!["note", &id, "x"], "unknown person \"nobody\""),
        ("hpatel", vec!["status", &id, "--phase", "recover", "--reason", "r"], "hpatel may not change the phase"),
        (
            "mgarcia",
            vec!["decide", &id, "--title", "t", "--option", "a", "--choice", "b", "--rationale", "r"],
            "choice \"b\" is none of the options",
        ),
        ("mgarcia", vec!["assign", &id, "it-boss", "psharma", "--reason", "r"], "unknown role \"it-boss\""),
        ("mgarcia", vec!["correct", &id, "2", "--text", "x", "--reason", "r"], "not corrected in place"),
        ("mgarcia", vec!["note", "INC-404", "x"], "no incident INC-404"),
        // A batch (severity + situation) whose second half is refused writes neither.
        (
            "mgarcia",
            vec![
                "status",
                &id,
                "--severity",
                "critical",
                "--process",
                "no-such-process",
                "--process-state",
                "abnormal",
                "--reason",
                "r",
            ],
            "unknown process",
        ),
    ] {
        let err = b.refused(user, &args);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // Malformed time stamps are refused before anything is opened.
    for t in ["2026-11-26T25:00:00Z", "2026-11-26 08:00", "yesterday"] {
        let (code, _, err) = b.run("hpatel", "2026-11-26T09:00:00-06:00", &["observe", &id, "x", "--observed-at", t]);
        assert_eq!(code, 2, "{t}: {err}");
        assert!(err.contains("--observed-at"), "{err}");
    }
    assert_eq!(b.event_count(&id), before, "nothing was written");
    let v = b.ok("tnguyen", 59, &["verify"]);
    assert!(v.contains("2 verified, 0 failed"), "{v}");
}

/// Edits a stored event with plain SQL (after disabling the append-only trigger): verify names it.
fn tampered_row(b: &Backend) {
    let id = run_incident(b);
    b.rt.block_on(async {
        match &b.db {
            None => {
                let path = Path::new(&b.args[1]).join("interlock.db");
                let opts = store::SqliteStore::options(&path);
                let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
                sqlx::raw_sql("DROP TRIGGER events_are_append_only_update; UPDATE events SET body = CAST(REPLACE(CAST(body AS TEXT), 'disable the account', 'disable the acc0unt') AS BLOB) WHERE seq = 16")
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            Some(db) => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                sqlx::raw_sql("ALTER TABLE events DISABLE TRIGGER events_are_append_only; UPDATE events SET body = overlay(body placing 'X'::bytea from 40 for 1) WHERE seq = 16")
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
    });
    let (code, out, _) = b.run("tnguyen", "2026-11-26T09:00:00-06:00", &["verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAILED: ") && out.contains(&format!("incident {id}: event 16 does not match: stored hash")),
        "{out}"
    );
    assert!(out.contains("0 verified, 1 failed"), "{out}");
    // Appending to a record that does not verify is refused.
    let err = b.refused("tnguyen", &["note", &id, "more"]);
    assert!(err.contains("event 16 does not match"), "{err}");
}

#[test]
fn sqlite_whole_incident() {
    whole_incident(&Backend::sqlite());
}

#[test]
fn postgres_whole_incident() {
    if let Some(b) = Backend::postgres("postgres_whole_incident") {
        whole_incident(&b);
    }
}

#[test]
fn sqlite_bad_input_is_refused_and_nothing_written() {
    bad_input(&Backend::sqlite());
}

#[test]
fn postgres_bad_input_is_refused_and_nothing_written() {
    if let Some(b) = Backend::postgres("postgres_bad_input_is_refused_and_nothing_written") {
        bad_input(&b);
    }
}

#[test]
fn sqlite_tampered_row_fails_verify() {
    tampered_row(&Backend::sqlite());
}

#[test]
fn postgres_tampered_row_fails_verify() {
    if let Some(b) = Backend::postgres("postgres_tampered_row_fails_verify") {
        tampered_row(&b);
    }
}

#[test]
fn writing_needs_a_site_and_a_person() {
    let b = Backend::sqlite();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
    let out = cmd
        .args(["incident", "open", "--title", "t", "--summary", "s"])
        .args(&b.args)
        .env_remove("INTERLOCK_SITE")
        .env_remove("INTERLOCK_USER")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --site DIR"));
    let (code, _, err) = b.run("", "2026-11-26T09:00:00-06:00", &["open", "--title", "t", "--summary", "s"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown person \"\"") || err.contains("--as PERSON"), "{err}");
}

fn keygen(path: &Path) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_interlock")).args(["incident", "keygen", "--out"]).arg(path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `interlock incident sign ARGS` (no store, no site: only the key is read).
fn sign(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).arg("incident").arg("sign").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `interlock incident sign`: a head signed offline is a checkpoint file that
/// verifies with the key, the body `POST /api/incidents/{id}/checkpoints` takes;
/// what is not a head, an incident id or a key is refused and nothing written.
#[test]
fn sign_writes_a_checkpoint_file_offline() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("keeper.key");
    let key_s = key.to_str().unwrap();
    assert_eq!(keygen(&key).0, 0);
    let public = std::fs::read_to_string(format!("{key_s}.pub")).unwrap();
    let head = format!("sha256:{}", "ab".repeat(32));
    let out = dir.path().join("cp.json");
    let (code, text, err) =
        sign(&["--key", key_s, "--incident", "INC-7", "--seq", "12", "--head", &head, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "interlock-checkpoint");
    assert_eq!(
        (v["incident"].as_str(), v["seq"].as_u64(), v["head"].as_str()),
        (Some("INC-7"), Some(12), Some(head.as_str()))
    );
    assert_eq!(v["public_key"].as_str(), Some(public.trim()));
    let (incident, c) = report::export::read_checkpoint(&text).unwrap();
    assert_eq!(incident, "INC-7");
    c.verify("INC-7", None).unwrap();
    assert!(c.verify("INC-8", None).is_err(), "the signature covers the incident id");
    // A head without its prefix is the same head.
    let (_, bare, _) = sign(&["--key", key_s, "--incident", "INC-7", "--seq", "12", "--head", &"ab".repeat(32)]);
    assert_eq!(bare, text);

    for (args, says) in [
        (vec!["--seq", "0", "--head", head.as_str(), "--incident", "INC-7"], "--seq"),
        (vec!["--seq", "12", "--head", "sha256:12", "--incident", "INC-7"], "is not a SHA-256"),
        (vec!["--seq", "12", "--head", head.as_str(), "--incident", "INC 7/.."], "not an incident id"),
    ] {
        let mut all = vec!["--key", key_s];
        all.extend(args);
        let (code, out, err) = sign(&all);
        assert_eq!(code, 2, "{all:?}: {out}");
        assert!(out.is_empty() && err.contains(says), "{all:?}: {err}");
    }
    let (code, _, err) =
        sign(&["--key", &format!("{key_s}.missing"), "--incident", "INC-7", "--seq", "1", "--head", &head]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the secret key"), "{err}");
    let (code, _, err) =
        sign(&["--key", &format!("{key_s}.pub"), "--incident", "INC-7", "--seq", "1", "--head", "xyz"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a SHA-256"), "{err}");
}

/// Signed checkpoints: made with a key, recorded in the chain, written as a
/// file, and checked later against the store and against an export, offline.
fn checkpoints(b: &Backend) {
    let id = run_incident(b);
    let key = b.dir.path().join("keeper.key");
    let key_s = key.to_str().unwrap();
    let (code, out, _) = keygen(&key);
    assert_eq!(code, 0);
    assert!(out.contains("public key: "), "{out}");
    let (code, _, err) = keygen(&key);
    assert_eq!(code, 2);
    assert!(err.contains("never overwritten"), "{err}");
    // Signed offline from what is shown (the head), with nothing but the key: the same file
    // as the checkpoint the CLI signs and records at that head (ed25519 is deterministic).
    let shown: serde_json::Value = serde_json::from_str(&b.ok("tnguyen", 59, &["show", &id, "--json"])).unwrap();
    let (head, n) = (shown["head"].as_str().unwrap(), shown["event_count"].as_u64().unwrap().to_string());
    let offline = b.dir.path().join("offline.json");
    let (code, signed, err) =
        sign(&["--key", key_s, "--incident", &id, "--seq", &n, "--head", head, "--out", offline.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&offline).unwrap(), signed);
    let cp = b.dir.path().join("cp.json");
    b.ok("tnguyen", 21, &["checkpoint", &id, "--key", key_s, "--out", cp.to_str().unwrap()]);
    let text = std::fs::read_to_string(&cp).unwrap();
    assert_eq!(signed, text, "interlock incident sign writes the checkpoint file the chain records");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!((v["incident"].as_str(), v["seq"].as_u64()), (Some(id.as_str()), Some(20)));
    b.ok("tnguyen", 22, &["note", &id, "after the checkpoint"]);

    let trust = format!("{key_s}.pub");
    let ok = b.ok("tnguyen", 59, &["verify", "--checkpoint", cp.to_str().unwrap(), "--trust", &trust]);
    assert!(
        ok.contains("22 events") && ok.contains("1 signed checkpoint(s)") && ok.contains("1 verified, 0 failed"),
        "{ok}"
    );
    let exp = b.dir.path().join("export");
    b.ok("tnguyen", 59, &["export", &id, "--out", exp.to_str().unwrap()]);
    let json = exp.join(format!("{id}.json"));
    let ok = b.ok(
        "tnguyen",
        59,
        &["verify", "--export", json.to_str().unwrap(), "--checkpoint", cp.to_str().unwrap(), "--trust", &trust],
    );
    assert!(ok.contains("verifies offline") && ok.contains("1 checkpoint file(s) match"), "{ok}");

    // A checkpoint file whose head was altered, or checked against another key, fails.
    let forged = b.dir.path().join("forged-cp.json");
    let head = v["head"].as_str().unwrap();
    std::fs::write(&forged, text.replace(head, &format!("sha256:{}", "0".repeat(64)))).unwrap();
    let (code, out, _) = b.run(
        "tnguyen",
        "2026-11-26T09:00:00-06:00",
        &["verify", "--export", json.to_str().unwrap(), "--checkpoint", forged.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the signature does not verify"), "{out}");
    let other = b.dir.path().join("other.key");
    assert_eq!(keygen(&other).0, 0);
    let (code, out, _) = b.run(
        "tnguyen",
        "2026-11-26T09:00:00-06:00",
        &["verify", "--checkpoint", cp.to_str().unwrap(), "--trust", &format!("{}.pub", other.display())],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not the trusted key"), "{out}");

    // Rows deleted from the end (around the append-only trigger), back past the
    // signed head. PostgreSQL's stored head catches it; on SQLite the shorter
    // chain is consistent in itself and the checkpoint file is what catches it.
    delete_events_from(b, 20);
    let (code, out, _) = b.run(
        "tnguyen",
        "2026-11-26T09:00:00-06:00",
        &["verify", "--checkpoint", cp.to_str().unwrap(), "--trust", &trust],
    );
    assert_eq!(code, 1, "{out}");
    let caught = if b.db.is_some() {
        "event 20 does not match: the incident's head says 22 events"
    } else {
        "signed event 20, the record has only 19"
    };
    assert!(out.contains(caught), "{out}");
}

/// Deletes every event numbered `from` or later, as someone with write access
/// to the database could, going around the append-only trigger.
fn delete_events_from(b: &Backend, from: u64) {
    b.rt.block_on(async {
        match &b.db {
            None => {
                let path = Path::new(&b.args[1]).join("interlock.db");
                let pool = sqlx::SqlitePool::connect_with(store::SqliteStore::options(&path)).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP TRIGGER events_are_append_only_delete; DELETE FROM events WHERE seq >= {from}"
                )))
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            }
            Some(db) => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "ALTER TABLE events DISABLE TRIGGER events_are_append_only; DELETE FROM events WHERE seq >= {from}"
                )))
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            }
        }
    });
}

#[test]
fn sqlite_signed_checkpoints_verify_offline() {
    checkpoints(&Backend::sqlite());
}

#[test]
fn postgres_signed_checkpoints_verify_offline() {
    if let Some(b) = Backend::postgres("postgres_signed_checkpoints_verify_offline") {
        checkpoints(&b);
    }
}
