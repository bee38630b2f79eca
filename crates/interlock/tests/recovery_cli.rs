#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Recovery on the example site after a scripted incident, from the command
//! line: the plan's order, the reconnection gate against the baseline, OT
//! approval of the reconnection, heightened monitoring and the end of recovery.

use std::path::{Path, PathBuf};
use std::process::Command;

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn run(&self, user: &str, hour: u32, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args).arg("--data").arg(self.dir.path().join("data"));
        let (day, h) = (26 + hour / 24, hour % 24);
        let (month, day) = if day > 30 { (12, day - 30) } else { (11, day) };
        let now = format!("2026-{month:02}-{day:02}T{h:02}:00:00-06:00");
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", user).env("INTERLOCK_NOW", now);
        cmd.env_remove("INTERLOCK_DATABASE_URL");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, user: &str, hour: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, hour, args);
        assert_eq!(code, 0, "interlock {args:?} as {user}: {out}{err}");
        out
    }

    fn refused(&self, user: &str, hour: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(user, hour, args);
        assert_eq!(code, 2, "interlock {args:?} as {user} was accepted: {out}{err}");
        err
    }

    fn seq(out: &str) -> String {
        out.split_whitespace().nth(1).unwrap().trim_start_matches('#').to_string()
    }

    /// Proposes, approves, confirms the measures of, and executes an action.
    fn act(&self, id: &str, hour: u32, text: &str, approvers: &[&str], executor: &str) {
        let n = Cli::seq(&self.ok("tnguyen", hour, &["action", "propose", id, text, "--rationale", "contain"]));
        for a in approvers {
            self.ok(a, hour, &["action", "approve", id, &n, "--rationale", "agreed"]);
        }
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(executor, hour, &["action", "explain", id, &n, "--json"])).unwrap();
        for m in v["measures"].as_array().unwrap() {
            self.ok(executor, hour, &["action", "confirm", id, &n, &m["number"].to_string(), "--note", "in place"]);
        }
        self.ok(executor, hour, &["action", "execute", id, &n]);
        self.ok(executor, hour, &["action", "execute", id, &n, "--outcome", "completed"]);
    }
}

#[test]
fn recovery_after_a_scripted_incident() {
    let c = Cli { dir: tempfile::tempdir().unwrap() };
    let id = c.ok("mgarcia", 0, &["incident", "open", "--title", "t", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim().to_string();
    c.ok("mgarcia", 0, &["incident", "status", &id, "--phase", "contain", "--reason", "contain"]);
    c.act(&id, 1, "take-offline dc-corp-01,dc-corp-02", &["psharma", "eschmidt"], "psharma");
    c.act(&id, 1, "isolate zone:plant-control", &["psharma", "eschmidt", "ocarter"], "eschmidt");
    c.ok("hpatel", 2, &["incident", "observe", &id, "chlorination PLC logic changed", "--asset", "plc-chlor-01"]);
    c.ok("mgarcia", 3, &["incident", "status", &id, "--phase", "recover", "--reason", "contained"]);

    // The plan: the directory and time before the HMIs, the HMIs before the controllers.
    let plan: serde_json::Value =
        serde_json::from_str(&c.ok("mgarcia", 3, &["recovery", "plan", &id, "--json"])).unwrap();
    let order: Vec<&str> = plan.as_array().unwrap().iter().map(|i| i["asset"].as_str().unwrap()).collect();
    let pos = |a: &str| order.iter().position(|x| *x == a).unwrap_or_else(|| panic!("{a} not in {order:?}"));
    assert!(pos("dc-corp-01") < pos("hmi-cr-01") && pos("gps-clock-01") < pos("hmi-cr-01"), "{order:?}");
    assert!(pos("hmi-cr-01") < pos("plc-chlor-01"), "{order:?}");
    let dc = &plan[pos("dc-corp-01")];
    assert_eq!(dc["reentry"], "identity");
    assert!(dc["checks"].as_array().unwrap().iter().any(|c| c["kind"] == "credentials-reset"));
    c.ok("mgarcia", 3, &["recovery", "plan", &id, "--record"]);
    // A person may reorder, with the reason recorded; the rules check what is moved.
    c.ok(
        "mgarcia",
        3,
        &["recovery", "reorder", &id, "hmi-cr-02", "--first", "--reason", "the operators need one console now"],
    );
    let status: serde_json::Value =
        serde_json::from_str(&c.ok("mgarcia", 3, &["recovery", "status", &id, "--json"])).unwrap();
    assert_eq!(status["assets"][0]["asset"], "hmi-cr-02");
    let err = c.refused("mgarcia", 3, &["recovery", "reorder", &id, "ws-gm-01", "--first", "--reason", "x"]);
    assert!(err.contains("ws-gm-01 is not in the recovery plan"), "{err}");

    // A controller whose logic differs from the baseline cannot be reconnected; the message names the expected hash.
    let wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    c.ok("hpatel", 4, &["recovery", "record", &id, "plc-chlor-01", "--check", "logic", "--observed", wrong]);
    let err = c.refused("eschmidt", 4, &["recovery", "reconnect", &id, "plc-chlor-01", "--rationale", "restored"]);
    assert!(err.contains("cannot reconnect before every check passes"), "{err}");
    assert!(err.contains("expected sha256:3f07816afb9a433236b58430c06e4715f3f9a94b2ed3817fc428e788354e6af7"), "{err}");
    assert!(err.contains("observed sha256:0000"), "{err}");
    let check = c.ok("hpatel", 4, &["recovery", "check", &id, "plc-chlor-01"]);
    assert!(check.contains("logic") && check.contains("FAILED"), "{check}");

    // The right logic, configuration and firmware: the checks pass.
    let good = [
        ("logic", "sha256:3f07816afb9a433236b58430c06e4715f3f9a94b2ed3817fc428e788354e6af7"),
        ("config-hash", "sha256:ad29cae0e3a5eb23ed81e06548a0ac12e92eef6640cf1502b28475f8867259e1"),
        ("firmware", "34.011"),
    ];
    let v: serde_json::Value =
        serde_json::from_str(&c.ok("hpatel", 5, &["recovery", "check", &id, "plc-chlor-01", "--json"])).unwrap();
    for k in v["checks"].as_array().unwrap() {
        let kind = k["kind"].as_str().unwrap();
        let observed = good.iter().find(|(g, _)| *g == kind).map(|(_, v)| *v).unwrap_or("pass");
        c.ok("hpatel", 5, &["recovery", "record", &id, "plc-chlor-01", "--check", kind, "--observed", observed]);
    }
    // Reconnection is an action that needs OT approval.
    let n = Cli::seq(&c.ok("tnguyen", 6, &["recovery", "reconnect", &id, "plc-chlor-01", "--rationale", "verified"]));
    c.ok("psharma", 6, &["action", "approve", &id, &n, "--rationale", "IT agrees"]);
    let list = c.ok("tnguyen", 6, &["action", "list", &id]);
    assert!(list.contains(&format!("#{n:<4} pending")) && list.contains("ot-lead"), "{list}");
    c.ok("eschmidt", 6, &["action", "approve", &id, &n, "--rationale", "logic verified against baseline"]);
    c.ok("eschmidt", 7, &["action", "execute", &id, &n]);
    c.ok("eschmidt", 7, &["action", "execute", &id, &n, "--outcome", "completed"]);
    let status = c.ok("mgarcia", 7, &["recovery", "status", &id]);
    assert!(status.contains("plc-chlor-01 [control]: RECONNECTED; checks passed"), "{status}");

    // Heightened monitoring for a week; the end of recovery waits for it.
    let w = Cli::seq(&c.ok(
        "mgarcia",
        8,
        &[
            "recovery",
            "monitor",
            &id,
            "--asset",
            "plc-chlor-01",
            "--until",
            "2026-12-03T08:00:00-06:00",
            "--criterion",
            "no logic change outside a work order",
        ],
    ));
    let err = c.refused("mgarcia", 9, &["recovery", "end", &id, "--reason", "all verified"]);
    assert!(err.contains("refused while heightened monitoring is open"), "{err}");
    let err = c.refused("mgarcia", 9, &["recovery", "monitor-end", &id, &w, "--reason", "quiet"]);
    assert!(err.contains("runs until"), "{err}");
    c.ok("mgarcia", 7 * 24 + 9, &["recovery", "monitor-end", &id, &w, "--reason", "no change in a week"]);
    let (code, out, err) = c.run("mgarcia", 7 * 24 + 9, &["recovery", "end", &id, "--reason", "verified and watched"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("open: hmi-cr-01 is not reconnected"), "{err}");
    let status: serde_json::Value =
        serde_json::from_str(&c.ok("mgarcia", 7 * 24 + 10, &["recovery", "status", &id, "--json"])).unwrap();
    assert!(status["ended"].is_u64(), "{status}");
    let verify = c.ok("mgarcia", 7 * 24 + 10, &["incident", "verify", &id]);
    assert!(!verify.is_empty());
}
