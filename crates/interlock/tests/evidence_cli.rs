#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Authorised work, vendor grants and observed activity from the command
//! line, on the example site and a SQLite store: the brief's cases end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../evidence/tests/samples")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", "hpatel").env("INTERLOCK_NOW", "2026-11-26T10:00:00Z");
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "interlock {args:?}: {out}{err}");
        out
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

const SESSIONS: &str = r#"{"user":"CORP\\v-ridgeline","source":"198.51.100.40","target":"ews-01","start":"2026-11-26T09:05:00Z","end":"2026-11-26T09:40:00Z","pathway":"vpn-corp-01 > jump-dmz-01"}
{"user":"CORP\\v-ridgeline","source":"198.51.100.40","target":"10.30.15.10","start":"2026-11-26T09:05:00Z","end":"2026-11-26T09:40:00Z","pathway":"vpn-corp-01 > jump-dmz-01"}
{"user":"rcs_upgrade2019","source":"198.51.100.23","target":"ews-01","start":"2026-11-26T02:14:51Z","end":null,"pathway":"vpn-corp-01"}
{"user":"CORP\\eschmidt","source":"10.30.2.99","target":"10.30.14.10","start":"2026-11-26T09:10:00Z","end":"2026-11-26T09:12:00Z"}
{"user":"CORP\\v-ridgeline","target":"ews-01","start":"yesterday"}
"#;

fn verdicts(out: &str) -> Vec<(u64, String, String)> {
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["line"].as_u64().unwrap(),
                v["verdict"].as_str().unwrap().to_string(),
                v["explanation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sessions_are_judged_against_the_vendor_grant() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    c.ok(&[
        "vendor",
        "grant",
        "--id",
        "VG-7",
        "--vendor",
        "ridgeline",
        "--account",
        "ridgeline-support",
        "--asset",
        "ews-01",
        "--pathway",
        "ridgeline/remote-support",
        "--start",
        "2026-11-26T08:00:00Z",
        "--end",
        "2026-11-26T12:00:00Z",
        "--mfa",
        "--supervisor",
        "hpatel",
        "--recording",
    ]);
    let log = c.file("sessions.jsonl", SESSIONS);
    let (code, out, err) = c.run(&["correlate", "--format", "sessions", &log, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = verdicts(&out);
    assert_eq!(v.len(), 4, "{out}");
    assert_eq!((v[0].0, v[0].1.as_str(), v[0].2.as_str()), (1, "authorised", "authorised by vendor grant VG-7"));
    assert_eq!(v[1].1, "partially-authorised");
    assert!(v[1].2.ends_with("it covers ews-01, not sis-chlor-01"), "{}", v[1].2);
    assert_eq!(v[2].1, "unauthorised");
    assert!(v[2].2.contains("ridgeline-legacy (rcs_upgrade2019) is dormant"), "{}", v[2].2);
    assert_eq!(v[3].1, "unknown");
    assert!(v[3].2.contains("source 10.30.2.99 is not in the site model"), "{}", v[3].2);
    // The broken line is counted and reported by number; the good ones still load.
    let summary = c.ok(&["correlate", "--format", "sessions", &log]);
    assert!(summary.contains("sessions.jsonl:5: field start"), "{summary}");
    assert!(
        summary.contains("4 activities, 1 bad lines; 1 authorised, 1 partially authorised, 1 unauthorised, 1 unknown")
    );

    // Revoked: the same session is no longer authorised, and the grant's history is kept.
    c.ok(&["vendor", "revoke", "VG-7", "--reason", "incident INC-7: suspicious session"]);
    let list = c.ok(&["vendor", "list"]);
    assert!(list.contains("VG-7 (rev 2) ridgeline REVOKED"), "{list}");
    let v = verdicts(&c.ok(&["correlate", "--format", "sessions", &log, "--json"]));
    assert_eq!(v[0].1, "partially-authorised");
    assert!(v[0].2.contains("the grant is revoked (incident INC-7: suspicious session)"), "{}", v[0].2);
    let (code, _, err) = c.run(&["vendor", "revoke", "VG-7", "--reason", "again"]);
    assert_ne!(code, 0);
    assert!(err.contains("already revoked"), "{err}");
}

#[test]
fn an_import_is_recorded_as_evidence_of_an_incident() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let id = c.ok(&[
        "incident",
        "open",
        "--as",
        "mgarcia",
        "--title",
        "Vendor session",
        "--summary",
        "s",
        "--declare",
        "--reason",
        "r",
    ]);
    let id = id.trim();
    let conn = samples().join("conn.log");
    let out = c.ok(&["evidence", "import", "--format", "zeek", conn.to_str().unwrap(), "--incident", id]);
    assert!(out.contains("conn.log: 10 activities, 2 bad lines"), "{out}");
    assert!(out.contains(&format!("{id} #3 evidence recorded")), "{out}");
    let show = c.ok(&["incident", "show", id, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    let text = v.to_string();
    assert!(text.contains("zeek import: conn.log"), "{text}");
}

#[test]
fn work_orders_import_from_csv_all_or_nothing() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let bad = c.file(
        "work.csv",
        "id,title,assets,people,accounts,vendor,start,end,activities,supervisor\n\
         WO-1,\"Filter PLC logic, backwash timer\",plc-filt-01,hpatel,,,2026-11-26T09:00:00Z,2026-11-26T11:00:00Z,logic-download,\n\
         WO-2,Patch HMIs,hmi-cr-99,hpatel,,,2026-11-26T12:00:00Z,2026-11-26T14:00:00Z,patching,\n",
    );
    let (code, _, err) = c.run(&["work", "import", &bad]);
    assert_ne!(code, 0);
    assert!(err.contains("work.csv:3: work order WO-2 > assets: unknown asset \"hmi-cr-99\""), "{err}");
    assert!(c.ok(&["work", "list"]).contains("no work records"));
    let good = c.file("work2.csv", &std::fs::read_to_string(&bad).unwrap().replace("hmi-cr-99", "hmi-cr-01"));
    assert!(c.ok(&["work", "import", &good]).contains("imported 2 work order(s)"));
    let list = c.ok(&["work", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["work"]["title"], "Filter PLC logic, backwash timer");
    // A change is a new revision; the old one is kept.
    let out = c.ok(&[
        "work",
        "add",
        "--id",
        "WO-2",
        "--title",
        "Patch HMIs (moved)",
        "--asset",
        "hmi-cr-01",
        "--start",
        "2026-11-26T13:00:00Z",
        "--end",
        "2026-11-26T15:00:00Z",
        "--activity",
        "patching",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["id"].as_str(), v["rev"].as_u64()), (Some("WO-2"), Some(2)));
    // A control change in the logic-download window is authorised by it; after the window, it is not.
    let flows = c.file(
        "activity.csv",
        "time,src,dst,dst_port,protocol,operation\n\
         2026-11-26T09:30:00Z,10.30.2.30,10.30.13.10,502,modbus,write_multiple_registers\n\
         2026-11-26T11:30:00Z,10.30.2.30,10.30.13.10,502,modbus,write_multiple_registers\n",
    );
    let (code, out, err) = c.run(&["correlate", "--format", "csv", &flows, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = verdicts(&out);
    assert_eq!(v.len(), 2, "{out}");
    assert_eq!((v[0].1.as_str(), v[0].2.as_str()), ("authorised", "authorised by work order WO-1"));
    assert_eq!(v[1].1, "partially-authorised");
    assert!(v[1].2.contains("outside its window"), "{}", v[1].2);
}

fn grant(c: &Cli, id: &str, vendor: &str, asset: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "vendor",
        "grant",
        "--id",
        id,
        "--vendor",
        vendor,
        "--asset",
        asset,
        "--start",
        "2026-11-26T08:00:00Z",
        "--end",
        "2026-11-26T18:00:00Z",
    ];
    args.extend_from_slice(extra);
    c.run(&args)
}

#[test]
fn declaring_an_incident_applies_the_vendor_policy_and_the_kill_switch_goes_through_the_authority_workflow() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let ok = |r: (i32, String, String)| assert_eq!(r.0, 0, "{}{}", r.1, r.2);
    ok(grant(&c, "VG-1", "ridgeline", "ews-01", &["--supervisor", "hpatel", "--recording"]));
    ok(grant(&c, "VG-2", "keystone", "ews-sis-01", &["--safety-critical", "--supervisor", "ocarter", "--recording"]));
    ok(grant(&c, "VG-3", "keystone", "ews-sis-01", &["--safety-critical"]));
    let (code, out, err) = c.run(&[
        "incident",
        "open",
        "--as",
        "mgarcia",
        "--title",
        "Vendor session",
        "--summary",
        "s",
        "--declare",
        "--reason",
        "r",
    ]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    assert!(err.contains("grant VG-1 suspended while incident"), "{err}");
    assert!(err.contains("not safety-critical"), "{err}");
    assert!(err.contains("grant VG-2 continues (safety-critical; supervised by ocarter, recorded)"), "{err}");
    assert!(
        err.contains("grant VG-3 suspended") && err.contains("only with a named supervisor and recording"),
        "{err}"
    );
    let list = c.ok(&["vendor", "list"]);
    assert!(
        list.contains("VG-1 (rev 2) ridgeline SUSPENDED") && list.contains("VG-2 (rev 1) keystone ACTIVE"),
        "{list}"
    );

    // The kill switch: one action, through the authority workflow.
    let out = c.ok(&[
        "action",
        "propose",
        &id,
        "revoke-vendor-access zone:plant",
        "--rationale",
        "cut every vendor",
        "--as",
        "tnguyen",
    ]);
    let n = out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string();
    let (code, _, err) = c.run(&["action", "execute", &id, &n, "--as", "eschmidt"]);
    assert_eq!(code, 2, "executed before approval");
    assert!(err.contains("is pending"), "{err}");
    c.ok(&["action", "approve", &id, &n, "--rationale", "safety work goes on site", "--as", "eschmidt"]);
    let explain: serde_json::Value =
        serde_json::from_str(&c.ok(&["action", "explain", &id, &n, "--json", "--as", "eschmidt"])).unwrap();
    for m in explain["measures"].as_array().unwrap() {
        let k = m["number"].to_string();
        c.ok(&["action", "confirm", &id, &n, &k, "--note", "in place", "--as", "eschmidt"]);
    }
    c.ok(&["action", "execute", &id, &n, "--as", "eschmidt"]);
    let out = c.ok(&["action", "execute", &id, &n, "--outcome", "completed", "--as", "eschmidt"]);
    for g in ["VG-1", "VG-2", "VG-3"] {
        assert!(out.contains(&format!("grant {g} revoked: revoked by action #{n} of {id}")), "{out}");
    }
    let list = c.ok(&["vendor", "list"]);
    assert!(list.contains("VG-2 (rev 2) keystone REVOKED"), "{list}");

    // Re-admission needs a fresh approval, by someone else, who holds a role that counts.
    let (code, _, err) =
        grant(&c, "VG-4", "keystone", "ews-sis-01", &["--safety-critical", "--supervisor", "ocarter", "--recording"]);
    assert_ne!(code, 0);
    assert!(err.contains("re-admission needs a fresh approval: --approved-by a holder of"), "{err}");
    let (code, _, err) = grant(&c, "VG-4", "keystone", "ews-sis-01", &["--approved-by", "hpatel"]);
    assert_ne!(code, 0);
    assert!(err.contains("someone other than the person recording"), "{err}");
    let (code, _, err) = grant(&c, "VG-4", "keystone", "ews-sis-01", &["--approved-by", "kpowell"]);
    assert_ne!(code, 0);
    assert!(err.contains("kpowell holds none of"), "{err}");
    ok(grant(
        &c,
        "VG-4",
        "keystone",
        "ews-sis-01",
        &["--approved-by", "eschmidt", "--supervisor", "ocarter", "--recording"],
    ));
    assert!(c.ok(&["vendor", "list"]).contains("VG-4 (rev 1) keystone ACTIVE"));
}

#[test]
fn an_import_links_to_a_hypothesis_and_proposes_the_dependencies_it_saw() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let id = c.ok(&[
        "incident",
        "open",
        "--as",
        "mgarcia",
        "--title",
        "Vendor session",
        "--summary",
        "s",
        "--declare",
        "--reason",
        "r",
    ]);
    let id = id.trim();
    c.ok(&[
        "incident",
        "hypothesis",
        "propose",
        id,
        "A host outside the inventory is writing to the PLCs",
        "--as",
        "tnguyen",
    ]);
    let sessions = samples().join("sessions.jsonl");
    let proposals = c.dir.path().join("proposed.toml");
    let out = c.ok(&[
        "evidence",
        "import",
        "--format",
        "sessions",
        sessions.to_str().unwrap(),
        "--incident",
        id,
        "--supports",
        "3",
        "--proposals",
        proposals.to_str().unwrap(),
        "--as",
        "tnguyen",
    ]);
    assert!(
        out.contains(&format!("{id} #4 evidence recorded"))
            && out.contains(&format!("{id} #5 hypothesis-update recorded")),
        "{out}"
    );
    let show: serde_json::Value = serde_json::from_str(&c.ok(&["incident", "show", id, "--json"])).unwrap();
    assert!(show.to_string().contains("\"evidence_for\":[4]"), "{show}");
    // The proposals are a reviewable file that the site model accepts once a person moves it in.
    let text = std::fs::read_to_string(&proposals).unwrap();
    assert!(
        text.contains("[[dependency]]\nconsumer = \"ws-eng-01\"\nprovider = \"ews-02\"\nkind = \"remote-access\""),
        "{text}"
    );
    let copy = c.dir.path().join("site");
    for e in walk(&site()) {
        let to = copy.join(e.strip_prefix(site()).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&e, &to).unwrap();
    }
    std::fs::write(copy.join("dependencies/proposed.toml"), &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).args(["site", "check"]).arg(&copy).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}
