#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Regulatory clocks from the command line on the example site (America/Chicago,
//! NERC CIP-008 by default), across the autumn daylight-saving change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn run(&self, user: &str, now: &str, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", now);
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, now: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, now, args);
        assert_eq!(code, 0, "interlock {args:?}: {out}{err}");
        out
    }

    fn clocks(&self, now: &str, id: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok("mgarcia", now, &["clocks", id, "--json"])).unwrap()
    }
}

fn seq(out: &str) -> String {
    out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string()
}

fn clock<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["clocks"].as_array().unwrap().iter().find(|c| c["deadline"] == id).unwrap_or_else(|| panic!("{id}: {v}"))
}

#[test]
fn cip_008_clocks_across_the_autumn_change() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let t0 = "2026-10-31T20:00:00-05:00";
    let id = c.ok("mgarcia", t0, &["incident", "open", "--title", "t", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim().to_string();
    let none = c.ok("mgarcia", t0, &["clocks", &id]);
    assert!(none.contains("no clocks"), "{none}");

    // An attempt determined at 22:00 CDT: due by the end of the next calendar day, which is
    // midnight CST (the autumn change falls in between).
    let attempt = seq(&c.ok(
        "mgarcia",
        "2026-10-31T22:10:00-05:00",
        &[
            "incident",
            "determine",
            &id,
            "--kind",
            "attempt",
            "--at",
            "2026-10-31T22:00:00-05:00",
            "--reason",
            "blocked logon attempts from a vendor path",
        ],
    ));
    // Reportable, determined at 01:30 CDT (the first of the two 01:30s): one hour later is 01:30 CST.
    let reportable = seq(&c.ok(
        "mgarcia",
        "2026-11-01T01:35:00-05:00",
        &[
            "incident",
            "determine",
            &id,
            "--kind",
            "reportable",
            "--at",
            "2026-11-01T01:30:00-05:00",
            "--reason",
            "logic changed on a BES Cyber System",
        ],
    ));
    let v = c.clocks("2026-11-01T01:00:00-06:00", &id);
    assert_eq!(v["time_zone"], "America/Chicago");
    let a = clock(&v, "cip-008-attempt");
    assert_eq!((a["due"].as_str(), a["status"].as_str()), (Some("2026-11-02T00:00:00-06:00"), Some("running")));
    assert_eq!(a["trigger"].to_string(), attempt);
    let r = clock(&v, "cip-008-reportable");
    assert_eq!(r["due"], "2026-11-01T01:30:00-06:00");
    assert_eq!(r["rule"], "within 1h");

    // Filed in time: met. The attempt's clock runs out unmet.
    c.ok(
        "kpowell",
        "2026-11-01T01:20:00-06:00",
        &[
            "incident",
            "report",
            &id,
            "--deadline",
            "cip-008-reportable",
            "--trigger",
            &reportable,
            "--to",
            "E-ISAC",
            "--reference",
            "portal case 1144",
        ],
    );
    let v = c.clocks("2026-11-02T00:00:00-06:00", &id);
    assert_eq!(clock(&v, "cip-008-reportable")["status"], "met");
    assert_eq!(clock(&v, "cip-008-attempt")["status"], "OVERDUE");

    // A report for the wrong clock, or twice, is refused.
    let (code, _, err) = c.run(
        "kpowell",
        "2026-11-02T01:00:00-06:00",
        &[
            "incident",
            "report",
            &id,
            "--deadline",
            "cip-008-attempt",
            "--trigger",
            &reportable,
            "--to",
            "E-ISAC",
            "--reference",
            "x",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("#{reportable} did not start cip-008-attempt (its clock starts on: attempt)")),
        "{err}"
    );
    let (code, _, err) = c.run(
        "kpowell",
        "2026-11-02T01:00:00-06:00",
        &[
            "incident",
            "report",
            &id,
            "--deadline",
            "cip-008-reportable",
            "--trigger",
            &reportable,
            "--to",
            "E-ISAC",
            "--reference",
            "again",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("was filed by"), "{err}");
    // Closing starts the lessons-learned clock: 90 calendar days.
    c.ok("mgarcia", "2026-11-03T09:00:00-06:00", &["incident", "status", &id, "--phase", "closed", "--reason", "done"]);
    let v = c.clocks("2026-11-03T10:00:00-06:00", &id);
    assert_eq!(clock(&v, "cip-008-lessons")["due"], "2027-02-01T09:00:00-06:00");
    let text = c.ok("mgarcia", "2026-11-03T10:00:00-06:00", &["clocks", &id]);
    assert!(text.contains("cip-008-attempt [NERC CIP-008-6]: by the end of the next calendar day"), "{text}");
}
