#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Response actions through the authority workflow from the command line,
//! on the example site and a SQLite store: the brief's scenarios end to end,
//! with the clock set per command (INTERLOCK_NOW), never slept on.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, user: &str, minute: u32, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        let now = format!("2026-11-26T{:02}:{:02}:00-06:00", 8 + minute / 60, minute % 60);
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
        let (code, out, err) = self.run(user, minute, args);
        assert_eq!(code, 0, "interlock {args:?} as {user}: {out}{err}");
        out
    }

    fn refused(&self, user: &str, minute: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, minute, args);
        assert_eq!(code, 2, "interlock {args:?} as {user} was accepted: {out}{err}");
        assert!(err.contains("nothing written"), "{err}");
        err
    }

    /// An incident declared by the commander, in the contain phase.
    fn incident(&self) -> String {
        let id = self.ok(
            "mgarcia",
            0,
            &[
                "incident",
                "open",
                "--title",
                "Vendor session on ews-01 at 02:10",
                "--summary",
                "Ridgeline session outside any work order; logic download in progress",
                "--declare",
                "--reason",
                "unexplained engineering access",
            ],
        );
        let id = id.trim().to_string();
        self.ok("mgarcia", 1, &["incident", "status", &id, "--phase", "contain", "--reason", "cut the session"]);
        id
    }

    /// Proposes and returns the proposal's event number.
    fn propose(&self, user: &str, minute: u32, id: &str, action: &str) -> String {
        let out = self.ok(user, minute, &["action", "propose", id, action, "--rationale", "contain the intruder"]);
        // "INC-... #N action-proposed recorded (...)"
        out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string()
    }
}

#[test]
fn killing_the_vendor_session_needs_ot_approval_and_measures_and_can_end_half_applied() {
    let c = Cli::new();
    let id = c.incident();
    let n = c.propose("tnguyen", 5, &id, "kill-session pathway:ridgeline/remote-support for containment");
    let explain = c.ok("tnguyen", 6, &["action", "explain", &id, &n]);
    assert!(explain.contains("rule ot-targets") && explain.contains("ews-01"), "{explain}");
    assert!(explain.contains("half-applied"), "{explain}");
    assert!(explain.contains("who can unblock it:") && explain.contains("eschmidt"), "{explain}");
    // IT cannot approve it; the proposer cannot either.
    let err = c.refused("psharma", 7, &["action", "approve", &id, &n, "--rationale", "kill it"]);
    assert!(err.contains("ot-lead"), "{err}");
    let err = c.refused("tnguyen", 7, &["action", "approve", &id, &n, "--rationale", "mine"]);
    assert!(err.contains("never counts"), "{err}");
    c.ok("eschmidt", 8, &["action", "approve", &id, &n, "--rationale", "the download can be redone"]);
    let err = c.refused("eschmidt", 9, &["action", "execute", &id, &n]);
    assert!(err.contains("compensating measures"), "{err}");
    c.ok(
        "eschmidt",
        9,
        &["action", "confirm", &id, &n, "1", "--note", "ClearFlow confirms no download on plc-chlor-01"],
    );
    c.ok("eschmidt", 10, &["action", "execute", &id, &n]);
    c.ok("eschmidt", 11, &["action", "execute", &id, &n, "--outcome", "partial", "--note", "pathway still open"]);
    let list = c.ok("tnguyen", 12, &["action", "list", &id]);
    assert!(list.contains("partially-applied") && list.contains("PARTIALLY APPLIED"), "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&c.ok("tnguyen", 12, &["action", "explain", &id, &n, "--json"])).unwrap();
    assert_eq!(json["status"], "partially-applied");
    assert_eq!(json["verdict"], "safe-with-measures");
    let timeline = c.ok("tnguyen", 13, &["incident", "timeline", &id]);
    assert!(timeline.contains("kill-session pathway:ridgeline/remote-support"), "{timeline}");
    let verify = c.ok("tnguyen", 13, &["incident", "verify", &id]);
    assert!(verify.contains("ok") || verify.contains("verified"), "{verify}");
}

#[test]
fn it_and_ot_disagree_and_the_commander_decides() {
    let c = Cli::new();
    let id = c.incident();
    let n = c.propose("tnguyen", 5, &id, "isolate zone:plant-ops for containment");
    let explain = c.ok("tnguyen", 5, &["action", "explain", &id, &n]);
    assert!(explain.contains("joint sign-off") && explain.contains("manual verification"), "{explain}");
    c.ok("eschmidt", 6, &["action", "approve", &id, &n, "--rationale", "the plant runs without the historian"]);
    c.ok("psharma", 7, &["action", "reject", &id, &n, "--rationale", "we lose compliance reporting"]);
    let explain = c.ok("tnguyen", 7, &["action", "explain", &id, &n]);
    assert!(explain.contains("escalation level 1"), "{explain}");
    c.ok("mgarcia", 8, &["action", "approve", &id, &n, "--rationale", "unified command: isolate, report by hand"]);
    let list = c.ok("tnguyen", 9, &["action", "list", &id]);
    assert!(list.contains("approved"), "{list}");
}

#[test]
fn an_undecided_action_escalates_on_the_clock() {
    let c = Cli::new();
    let id = c.incident();
    let n = c.propose("tnguyen", 10, &id, "take-offline dc-corp-01,dc-corp-02 for containment");
    let due = c.ok("tnguyen", 24, &["action", "due", &id]);
    assert!(due.contains("nothing due"), "{due}");
    let due = c.ok("tnguyen", 24, &["action", "due", &id, "--record"]);
    assert!(due.contains("nothing due"), "{due}");
    let due = c.ok("tnguyen", 25, &["action", "due", &id]);
    assert!(due.contains(&format!("#{n} escalates to level 1 (incident-commander)")), "{due}");
    c.ok("tnguyen", 25, &["action", "due", &id, "--record"]);
    let explain = c.ok("tnguyen", 26, &["action", "explain", &id, &n]);
    assert!(explain.contains("escalation level 1"), "{explain}");
    assert!(explain.contains("escalates to plant-manager (level 2)"), "{explain}");
    // The safety officer vetoes; the commander cannot override a veto.
    c.ok("ocarter", 27, &["action", "reject", &id, &n, "--rationale", "operators would be locked out"]);
    let err = c.refused("mgarcia", 28, &["action", "override", &id, &n, "--rationale", "now"]);
    assert!(err.contains("cannot be overridden"), "{err}");
}

#[test]
fn authority_check_explains_its_findings() {
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).args(["authority", "check"]).arg(site()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    // A copy of the site whose matrix no longer asks operations about OT impact.
    let dir = tempfile::tempdir().unwrap();
    for e in walk(&site()) {
        let rel = e.strip_prefix(site()).unwrap();
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let mut text = std::fs::read_to_string(&e).unwrap();
        if rel == Path::new("authority.toml") {
            text = text
                .replace("target_domains = [\"ot\"]\nexecute = [\"ot-lead\"]\napprovals = [{ roles = [\"ot-lead\"], count = 1 }]", "target_domains = [\"ot\"]\nexecute = [\"ot-lead\"]")
                .replace("approvals = [{ roles = [\"ot-lead\"], count = 1 }]\nveto = [\"safety-officer\"]", "veto = [\"safety-officer\"]")
                .replace("approvals = [{ roles = [\"it-lead\"], count = 1 }, { roles = [\"ot-lead\"], count = 1 }]\njoint = true", "approvals = [{ roles = [\"it-lead\"], count = 1 }]")
                .replace("approvals = [{ roles = [\"safety-officer\"], count = 1 }, { roles = [\"ot-lead\"], count = 1 }]", "approvals = [{ roles = [\"safety-officer\"], count = 1 }]");
        }
        std::fs::write(&to, text).unwrap();
    }
    let out =
        Command::new(env!("CARGO_BIN_EXE_interlock")).args(["authority", "check"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("could be approved without operations"), "{stdout}");
    assert!(stdout.contains("authority.toml:9"), "{stdout}");
    // `site check` reports the same and refuses the site.
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).args(["site", "check"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("without operations"));
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
