#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 7, points 1 and 3, on the example site through the binary, with the
//! clock set by hand (never a sleep):
//! - the update cadence: the next update due per audience from the
//!   severity's interval (`[site.update_every]`), shown in `incident show`;
//!   the overdue reminder fires at the right simulated minute, to the
//!   timeline keeper and the commander; a publication restarts the clock; a
//!   severity change changes it; snoozing needs a reason, a role and a
//!   bounded time;
//! - monitoring integrity in doubt: a view-integrity change marks the
//!   displays untrusted and generates the verification round; results are
//!   recorded; a disagreeing display blocks its reconnection until its
//!   readings agree.

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

    /// Runs the binary as `user` at `hh:mm` on 2026-11-26, Chicago time.
    fn run(&self, user: &str, at: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        let now = format!("2026-11-26T{at}:00-06:00");
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", now);
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, at: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, at, args);
        assert_eq!(code, 0, "interlock {args:?}: {out}{err}");
        out
    }

    fn refused(&self, user: &str, at: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, at, args);
        assert_ne!(code, 0, "interlock {args:?} should be refused: {out}");
        err
    }

    fn json(&self, user: &str, at: &str, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(user, at, args)).unwrap()
    }

    /// A declared incident at 08:00, severity high (every 2 h on Riverbend).
    fn declared(&self) -> String {
        let id = self.ok(
            "mgarcia",
            "08:00",
            &["incident", "open", "--title", "HMI trends frozen", "--summary", "s", "--declare", "--reason", "r"],
        );
        let id = id.trim().to_string();
        self.ok("mgarcia", "08:01", &["incident", "status", &id, "--severity", "high", "--reason", "filtration"]);
        id
    }
}

fn due_of<'a>(v: &'a serde_json::Value, audience: &str) -> &'a serde_json::Value {
    v[0]["updates"].as_array().unwrap().iter().find(|u| u["audience"] == audience).unwrap()
}

#[test]
fn the_overdue_reminder_fires_at_the_right_simulated_time() {
    let c = Cli::new();
    let id = c.declared();

    // High on Riverbend: every 2 h from the declaration at 08:00.
    let v = c.json("tnguyen", "09:59", &["update", "due", &id, "--json"]);
    for a in ["operations", "security", "leadership"] {
        let d = due_of(&v, a);
        assert_eq!(d["due"], "2026-11-26T10:00:00-06:00", "{v}");
        assert_eq!(d["interval_minutes"], 120);
        assert_eq!(d["overdue"], false, "one minute before, nothing fires: {v}");
        assert!(d["remind"].as_array().unwrap().is_empty());
    }
    let show = c.ok("tnguyen", "09:59", &["incident", "show", &id]);
    assert!(
        show.contains("next update due 2026-11-26T10:00:00-06:00 to operations (every 2 h at severity high)"),
        "{show}"
    );

    // At 10:00 exactly it fires, to the timeline keeper and the commander (site holders: none assigned yet).
    let v = c.json("tnguyen", "10:00", &["update", "due", &id, "--json"]);
    let d = due_of(&v, "operations");
    assert_eq!(d["overdue"], true, "{v}");
    let remind: Vec<(&str, &str)> = d["remind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["role"].as_str().unwrap(), r["person"].as_str().unwrap()))
        .collect();
    assert_eq!(remind, [("timeline-keeper", "tnguyen"), ("incident-commander", "mgarcia")]);

    // Positions held in the incident take precedence over the site's holders.
    c.ok("mgarcia", "10:05", &["incident", "assign", &id, "timeline-keeper", "lbrooks", "--reason", "shift change"]);
    let text = c.ok("tnguyen", "10:35", &["update", "due", &id]);
    assert!(
        text.contains(
            "operations  OVERDUE by 35 min (due 2026-11-26T10:00:00-06:00; none published yet): remind timeline-keeper (lbrooks), incident-commander (mgarcia)"
        ),
        "{text}"
    );

    // Publishing to operations restarts its clock; the others stay overdue.
    c.ok(
        "mgarcia",
        "10:40",
        &[
            "update",
            "publish",
            &id,
            "--audience",
            "operations",
            "--channel",
            "bridge call",
            "--text",
            "Filtration runs on local panels; readings by hand every hour.",
        ],
    );
    let v = c.json("tnguyen", "10:41", &["update", "due", &id, "--json"]);
    assert_eq!(due_of(&v, "operations")["due"], "2026-11-26T12:40:00-06:00");
    assert_eq!(due_of(&v, "operations")["overdue"], false);
    assert_eq!(due_of(&v, "security")["overdue"], true);

    // Critical: every hour, from the same publication.
    c.ok("mgarcia", "10:45", &["incident", "status", &id, "--severity", "critical", "--reason", "turbidity"]);
    let v = c.json("tnguyen", "10:46", &["update", "due", &id, "--json"]);
    assert_eq!(due_of(&v, "operations")["due"], "2026-11-26T11:40:00-06:00");
    assert_eq!(due_of(&v, "operations")["interval_minutes"], 60);

    // Snoozing: by the timeline keeper or the commander, with a reason, at most one interval ahead.
    let err = c.refused(
        "jchen",
        "10:50",
        &["update", "snooze", &id, "--audience", "leadership", "--for", "30m", "--reason", "board meeting"],
    );
    assert!(err.contains("may not snooze the update cadence"), "{err}");
    let err = c.refused(
        "lbrooks",
        "10:50",
        &["update", "snooze", &id, "--audience", "leadership", "--for", "3h", "--reason", "board meeting"],
    );
    assert!(err.contains("at most one interval at severity critical"), "{err}");
    c.ok(
        "lbrooks",
        "10:50",
        &["update", "snooze", &id, "--audience", "leadership", "--for", "30m", "--reason", "board meeting until 11:20"],
    );
    let v = c.json("tnguyen", "11:00", &["update", "due", &id, "--json"]);
    assert_eq!(due_of(&v, "leadership")["due"], "2026-11-26T11:20:00-06:00");
    assert_eq!(due_of(&v, "leadership")["overdue"], false);
    assert_eq!(due_of(&v, "security")["overdue"], true, "a snooze of one audience leaves the others");
    let v = c.json("tnguyen", "11:20", &["update", "due", &id, "--json"]);
    assert_eq!(due_of(&v, "leadership")["overdue"], true, "the reminder fires again when the snooze ends");
    let timeline = c.ok("tnguyen", "11:21", &["incident", "timeline", &id]);
    assert!(
        timeline.contains("next update to leadership snoozed until 2026-11-26T11:20:00-06:00: board meeting"),
        "{timeline}"
    );

    // Every incident whose cadence runs, when no id is given; none once it is closed.
    let all = c.ok("tnguyen", "11:21", &["update", "due"]);
    assert!(all.contains(&format!("{id}: severity critical, an update to each audience every 1 h")), "{all}");
}

#[test]
fn a_view_integrity_change_generates_verification_rounds_and_blocks_reconnection_until_readings_agree() {
    let c = Cli::new();
    let id = c.declared();
    let v = c.json("eschmidt", "08:05", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["in_doubt"], false);

    // The view of filtration comes into question.
    c.ok(
        "eschmidt",
        "08:10",
        &[
            "incident",
            "status",
            &id,
            "--process",
            "filtration",
            "--view",
            "in-question",
            "--reason",
            "turbidity trend flat",
        ],
    );
    let v = c.json("eschmidt", "08:11", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["in_doubt"], true);
    let untrusted: Vec<&str> =
        v["untrusted"].as_array().unwrap().iter().map(|a| a["asset"].as_str().unwrap()).collect();
    for a in ["hmi-cr-01", "scada-01", "hist-ot-01", "pv-filt-01", "alarm-01", "callout-01"] {
        assert!(untrusted.contains(&a), "{a} untrusted: {v}");
    }
    assert!(!untrusted.contains(&"pv-chlor-01"), "other processes' panels stay trusted: {v}");
    let round = v["round"].as_array().unwrap();
    assert_eq!(round.len(), 1, "{v}");
    assert_eq!(round[0]["reading"], "combined-effluent-turbidity");
    assert_eq!(
        round[0]["station"],
        "Bench turbidimeter in the plant laboratory (grab sample at the filter gallery tap)"
    );
    assert_eq!(round[0]["status"], "due");
    let mut compare: Vec<&str> =
        round[0]["compare_with"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    compare.sort_unstable();
    assert_eq!(compare, ["hist-ot-01", "hmi-cr-01", "hmi-cr-03", "pv-filt-01", "scada-01"]);
    let show = c.ok("eschmidt", "08:11", &["incident", "show", &id]);
    assert!(show.contains("MONITORING INTEGRITY IN DOUBT: untrusted "), "{show}");
    let text = c.ok("eschmidt", "08:11", &["integrity", "status", &id]);
    assert!(text.contains("read Combined filter effluent turbidity (NTU) at Bench turbidimeter"), "{text}");

    // The round: the historian disagrees.
    let out = c.run(
        "hpatel",
        "08:20",
        &[
            "integrity",
            "record",
            &id,
            "--process",
            "filtration",
            "--reading",
            "combined-effluent-turbidity",
            "--field",
            "0.12",
            "--shown",
            "hmi-cr-01=0.11",
            "--shown",
            "hist-ot-01=0.04",
            "--note",
            "grab sample at 08:15",
        ],
    );
    assert_eq!(out.0, 0, "{}{}", out.1, out.2);
    assert!(out.2.contains("DISAGREES") && out.2.contains("hist-ot-01 shows 0.04"), "{}", out.2);
    let v = c.json("eschmidt", "08:21", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["round"][0]["status"], "disagrees");
    assert_eq!(v["round"][0]["disagreeing"][0]["asset"], "hist-ot-01");
    let ops = c.ok("eschmidt", "08:21", &["update", "draft", &id, "--audience", "operations"]);
    assert!(ops.contains("## Monitoring integrity in doubt: verify by hand"), "{ops}");
    assert!(ops.contains("DISAGREES (hist-ot-01 shows 0.04 against 0.12 NTU)"), "{ops}");
    assert!(ops.contains("Next operations update due 2026-11-26T10:00:00-06:00"), "{ops}");
    // An hour later (verification_every = 1h) the round is due again.
    let v = c.json("eschmidt", "09:20", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["round"][0]["status"], "due");

    // Bad input changes nothing: a display that does not show the reading, a non-number.
    let err = c.refused(
        "hpatel",
        "08:22",
        &[
            "integrity",
            "record",
            &id,
            "--process",
            "filtration",
            "--reading",
            "combined-effluent-turbidity",
            "--field",
            "0.12",
            "--shown",
            "pv-chlor-01=0.12",
        ],
    );
    assert!(err.contains("pv-chlor-01 does not show combined-effluent-turbidity"), "{err}");
    let err = c.refused(
        "hpatel",
        "08:22",
        &[
            "integrity",
            "record",
            &id,
            "--process",
            "filtration",
            "--reading",
            "turbidity",
            "--field",
            "0.1",
            "--shown",
            "hmi-cr-01=0.1",
        ],
    );
    assert!(err.contains("has no reading \"turbidity\""), "{err}");

    // Recovery: the historian is planned and its checks pass, but its readings disagree.
    c.ok("eschmidt", "09:30", &["incident", "status", &id, "--phase", "recover", "--reason", "eradicated"]);
    c.ok("eschmidt", "09:31", &["recovery", "plan", &id, "--asset", "hist-ot-01", "--record"]);
    let v = c.json("hpatel", "09:32", &["recovery", "check", &id, "hist-ot-01", "--json"]);
    for k in v["checks"].as_array().unwrap() {
        let kind = k["kind"].as_str().unwrap();
        let observed = k["expected"].as_str().unwrap_or("pass");
        c.ok("hpatel", "09:33", &["recovery", "record", &id, "hist-ot-01", "--check", kind, "--observed", observed]);
    }
    let err =
        c.refused("eschmidt", "09:40", &["recovery", "reconnect", &id, "hist-ot-01", "--rationale", "checks pass"]);
    assert!(err.contains("hist-ot-01 showed combined-effluent-turbidity 0.04 NTU against 0.12 NTU"), "{err}");

    // The view is trusted again, but the historian stays blocked until a round agrees.
    c.ok(
        "eschmidt",
        "09:45",
        &["incident", "status", &id, "--process", "filtration", "--view", "trusted", "--reason", "historian restored"],
    );
    let v = c.json("eschmidt", "09:46", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["in_doubt"], false);
    c.refused("eschmidt", "09:46", &["recovery", "reconnect", &id, "hist-ot-01", "--rationale", "checks pass"]);
    c.ok(
        "hpatel",
        "09:50",
        &[
            "integrity",
            "record",
            &id,
            "--process",
            "filtration",
            "--reading",
            "combined-effluent-turbidity",
            "--field",
            "0.10",
            "--shown",
            "hist-ot-01=0.12",
            "--shown",
            "hmi-cr-01=0.10",
        ],
    );
    c.ok("eschmidt", "09:55", &["recovery", "reconnect", &id, "hist-ot-01", "--rationale", "readings agree"]);
}

#[test]
fn a_hypothesis_of_manipulated_view_marks_displays_untrusted_until_refuted() {
    let c = Cli::new();
    let id = c.declared();
    let out = c.ok(
        "psharma",
        "08:10",
        &["incident", "hypothesis", "propose", &id, "the attacker replays chlorine residual values to the HMIs"],
    );
    let h = out
        .split_whitespace()
        .find(|w| w.starts_with('#'))
        .unwrap()
        .trim_start_matches('#')
        .trim_end_matches(':')
        .to_string();
    c.ok("psharma", "08:11", &["integrity", "suspect", &id, "--hypothesis", &h, "--process", "disinfection"]);
    let v = c.json("eschmidt", "08:12", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["in_doubt"], true, "{v}");
    assert!(
        v["processes"][0]["why"][0].as_str().unwrap().contains(&format!("hypothesis #{h} of manipulated view is open"))
    );
    assert_eq!(v["round"][0]["reading"], "free-chlorine-residual");
    let err =
        c.refused("psharma", "08:12", &["integrity", "suspect", &id, "--hypothesis", &h, "--process", "chlorination"]);
    assert!(err.contains("unknown process \"chlorination\""), "{err}");

    c.ok(
        "psharma",
        "08:30",
        &["incident", "hypothesis", "update", &id, &h, "--status", "refuted", "--reason", "the values match the lab"],
    );
    let v = c.json("eschmidt", "08:31", &["integrity", "status", &id, "--json"]);
    assert_eq!(v["in_doubt"], false, "{v}");
}
