#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The incident's work plan on the example site, from the command line: an
//! operational period opened and closed with its summary, tasks owned by
//! roles going overdue on the simulated clock, intrusive collection on a PLC
//! through the authority workflow while log collection from the SIEM needs
//! none, and the follow-ups closing creates.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

/// 2026-11-26T08:00-06:00 plus `minutes`, as RFC 3339.
fn at(minutes: i64) -> String {
    let t = incident::Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minutes * 60_000_000);
    t.to_string()
}

impl Cli {
    fn run(&self, user: &str, minute: i64, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", at(minute));
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, minute: i64, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, minute, args);
        assert_eq!(code, 0, "interlock {args:?} as {user}: {out}{err}");
        out
    }

    fn refused(&self, user: &str, minute: i64, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, minute, args);
        assert_eq!(code, 2, "interlock {args:?} as {user} was accepted: {out}{err}");
        err
    }
}

fn seq(out: &str) -> String {
    out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string()
}

#[test]
fn the_work_plan_of_a_scripted_incident() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let id = c.ok("mgarcia", 0, &["incident", "open", "--title", "t", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim().to_string();

    // A period: objectives, and safety considerations the safety officer owns.
    let end = at(12 * 60);
    let period = |by: &str| {
        vec![
            "period".to_string(),
            "open".into(),
            id.clone(),
            "--end".into(),
            end.clone(),
            "--objective".into(),
            "Cut the attacker off the engineering workstation".into(),
            "--objective".into(),
            "Keep chlorination under automatic control".into(),
            "--safety".into(),
            "No action on the SIS or the chlorination PLC without the safety officer; chlorine room entry in pairs"
                .into(),
            "--safety-by".into(),
            by.to_string(),
        ]
    };
    let args = period("tnguyen");
    let err = c.refused("mgarcia", 1, &args.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(err.contains("does not hold the safety-officer role"), "{err}");
    let args = period("ocarter");
    let p = seq(&c.ok("mgarcia", 1, &args.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    let err = c.refused("mgarcia", 2, &["period", "safety", &id, &p, "--safety", "less"]);
    assert!(err.contains("owned by the safety officer"), "{err}");
    c.ok(
        "ocarter",
        2,
        &["period", "safety", &id, &p, "--safety", "No action on the SIS without the safety officer present"],
    );

    // Tasks owned by roles, due on the simulated clock.
    let h =
        seq(&c.ok("tnguyen", 3, &["incident", "hypothesis", "propose", &id, "The session was authorised maintenance"]));
    let t1 = seq(&c.ok(
        "mgarcia",
        4,
        &["task", "add", &id, "--hypothesis", &h, "--role", "ot-lead", "--domain", "ot", "--due", &at(120)],
    ));
    let list = c.ok("mgarcia", 60, &["task", "list", &id]);
    assert!(list.contains("validate hypothesis #") && !list.contains("OVERDUE"), "{list}");
    let list = c.ok("mgarcia", 121, &["task", "list", &id]);
    assert!(list.contains("OVERDUE") && list.contains(&format!("REMINDER: task #{t1}")), "{list}");
    let v: serde_json::Value = serde_json::from_str(&c.ok("mgarcia", 121, &["task", "list", &id, "--json"])).unwrap();
    assert_eq!(v["tasks"][0]["overdue"], true);
    assert_eq!(v["tasks"][0]["role"], "ot-lead");

    // Memory acquisition on a PLC needs operations approval; log collection from the SIEM does not.
    let mem = seq(&c.ok(
        "mgarcia",
        130,
        &[
            "task",
            "add",
            &id,
            "--title",
            "memory image of plc-filt-01",
            "--role",
            "ot-lead",
            "--domain",
            "ot",
            "--asset",
            "plc-filt-01",
            "--collect",
            "CPU memory image",
            "--intrusiveness",
            "intrusive",
        ],
    ));
    let err = c.refused("eschmidt", 131, &["task", "update", &id, &mem, "--status", "in-progress"]);
    assert!(err.contains("intrusive collection on OT assets (plc-filt-01)"), "{err}");
    let logs = seq(&c.ok(
        "mgarcia",
        130,
        &[
            "task",
            "add",
            &id,
            "--title",
            "export SIEM logs",
            "--role",
            "it-lead",
            "--domain",
            "it",
            "--asset",
            "siem-01",
            "--collect",
            "log export",
            "--intrusiveness",
            "passive",
        ],
    ));
    c.ok("psharma", 131, &["task", "update", &id, &logs, "--status", "in-progress"]);
    c.ok("psharma", 140, &["task", "done", &id, &logs]);
    let a = seq(&c.ok(
        "tnguyen",
        132,
        &["action", "propose", &id, "intrusive-collection plc-filt-01", "--rationale", "forensics"],
    ));
    let err = c.refused("eschmidt", 133, &["task", "update", &id, &mem, "--status", "in-progress", "--action", &a]);
    assert!(err.contains("is pending; the collection starts once it is approved"), "{err}");
    c.ok("psharma", 134, &["action", "approve", &id, &a, "--rationale", "IT agrees"]);
    c.ok("eschmidt", 134, &["action", "approve", &id, &a, "--rationale", "vendor's method, operations standing by"]);
    c.ok("eschmidt", 135, &["task", "update", &id, &mem, "--status", "in-progress", "--action", &a]);

    // Closing the period records its status summary.
    let out = c.run("mgarcia", 150, &["period", "close", &id, &p]);
    assert_eq!(out.0, 0, "{}{}", out.1, out.2);
    assert!(out.2.contains("objective 1: Cut the attacker off the engineering workstation"), "{}", out.2);
    assert!(
        out.2.contains("tasks: 3 added; 1 done, 1 in progress, 0 blocked, 1 open, 0 cancelled; 1 overdue"),
        "{}",
        out.2
    );

    // An emergency override, then closing: follow-ups due in 90 days, and the override's review.
    let o = seq(&c.ok(
        "tnguyen",
        160,
        &["action", "propose", &id, "take-offline hmi-cr-01", "--rationale", "the HMI runs the attacker's tool"],
    ));
    let ov = seq(&c.ok(
        "mgarcia",
        161,
        &["action", "override", &id, &o, "--rationale", "the tool is writing setpoints now"],
    ));
    c.ok("mgarcia", 200, &["incident", "status", &id, "--phase", "closed", "--reason", "contained and recovered"]);
    let f: serde_json::Value =
        serde_json::from_str(&c.ok("mgarcia", 201, &["followup", "list", &id, "--json"])).unwrap();
    let items: Vec<&str> = f.as_array().unwrap().iter().map(|x| x["item"].as_str().unwrap()).collect();
    let review = format!("review-{ov}");
    assert_eq!(items, vec!["lessons-learned", "plan-update", "site-model-update", review.as_str()]);
    let due = incident::Timestamp::parse(f[0]["due"].as_str().unwrap()).unwrap();
    let closed = incident::Timestamp::parse(&at(200)).unwrap();
    assert_eq!(due.micros() - closed.micros(), 90 * 86_400 * 1_000_000);

    // "none" is a valid record; a changed plan is acknowledged by each role holder.
    c.ok("mgarcia", 300, &["followup", "record", &id, "lessons-learned", "--text", "none"]);
    c.ok(
        "mgarcia",
        300,
        &["followup", "record", &id, "plan-update", "--text", "vendor sessions need a work order", "--changed"],
    );
    c.ok("eschmidt", 301, &["followup", "ack", &id, "plan-update"]);
    let err = c.refused("rmorales", 301, &["followup", "ack", &id, "plan-update"]);
    assert!(err.contains("acknowledgements are by the holders of the site's roles"), "{err}");
    let err = c.refused("eschmidt", 301, &["followup", "ack", &id, "plan-update"]);
    assert!(err.contains("has already acknowledged"), "{err}");
    let list = c.ok("mgarcia", 302, &["followup", "list", &id]);
    assert!(list.contains("acknowledgements missing from") && !list.contains("eschmidt,"), "{list}");
    // 91 days after closing, what is not recorded is overdue.
    let list = c.ok("mgarcia", 200 + 91 * 24 * 60, &["followup", "list", &id]);
    assert!(list.contains("site-model-update") && list.contains("OVERDUE"), "{list}");
    assert!(!list.lines().any(|l| l.starts_with("lessons-learned") && l.contains("OVERDUE")), "{list}");
}

#[test]
fn the_follow_up_deadline_comes_from_the_site() {
    // A copy of the example site whose follow-ups are due in 30 days.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("site");
    let mut stack = vec![site()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let to = copy.join(p.strip_prefix(site()).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let mut text = std::fs::read_to_string(&p).unwrap();
            if p.file_name().is_some_and(|n| n == "site.toml") {
                text = text.replace("[site]\n", "[site]\nfollow_up_days = 30\n");
            }
            std::fs::write(&to, text).unwrap();
        }
    }
    let run = |user: &str, minute: i64, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_interlock"))
            .args(args)
            .arg("--data")
            .arg(dir.path().join("data"))
            .env("INTERLOCK_SITE", &copy)
            .env("INTERLOCK_USER", user)
            .env("INTERLOCK_NOW", at(minute))
            .env_remove("INTERLOCK_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let id = run("mgarcia", 0, &["incident", "open", "--title", "t", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim();
    run("mgarcia", 10, &["incident", "status", id, "--phase", "closed", "--reason", "a false alarm, contained"]);
    let f: serde_json::Value = serde_json::from_str(&run("mgarcia", 11, &["followup", "list", id, "--json"])).unwrap();
    let due = incident::Timestamp::parse(f[0]["due"].as_str().unwrap()).unwrap();
    let closed = incident::Timestamp::parse(&at(10)).unwrap();
    assert_eq!(due.micros() - closed.micros(), 30 * 86_400 * 1_000_000);
    assert_eq!(f.as_array().unwrap().len(), 3, "no override, no review item: {f}");
}
