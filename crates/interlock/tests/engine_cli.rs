#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The impact engine's commands end to end, through the real binary, on the example site.

use std::path::Path;
use std::process::Command;

fn site() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend").display().to_string()
}

fn interlock(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).args(args).output().expect("run interlock");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = interlock(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
}

#[test]
fn impact_reads_well_and_names_the_verdict() {
    let s = site();
    let (code, out, _) = interlock(&["impact", &s, "--action", "isolate hist-ot-01"]);
    assert_eq!(code, 0);
    assert!(out.contains("Verdict: SAFE WITH COMPENSATING MEASURES"), "{out}");
    assert!(out.contains("callout-01 loses alarm: it needs alarm from hist-ot-01"), "{out}");
    let v = json(&["impact", &s, "--action", "isolate sis-chlor-01", "--json"]);
    assert_eq!(v["format"], "interlock.impact/1");
    assert_eq!(v["verdict"]["verdict"], "unsafe");
}

#[test]
fn a_bad_action_is_refused_with_a_hint_and_nothing_else() {
    let (code, out, err) =
        interlock(&["impact", &site(), "--action", "isolat hist-ot-01", "--action", "isolate zone:plnt"]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("did you mean \"isolate\"?") && err.contains("did you mean \"plant\"?"), "{err}");
}

#[test]
fn contain_prefers_the_narrow_plan_on_the_vendor_path() {
    let v = json(&[
        "contain",
        &site(),
        "--compromised",
        "account:ridgeline-legacy",
        "--compromised",
        "pathway:ridgeline/remote-support",
        "--json",
    ]);
    assert_eq!(v["outcome"], "plan");
    let plans = v["plans"].as_array().unwrap();
    let best: Vec<&str> = plans[0]["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(best, ["revoke-vendor-access pathway:ridgeline/remote-support", "disable-account ridgeline-legacy"]);
    let island = plans.iter().position(|p| p["actions"].as_array().unwrap().iter().any(|a| a == "island-mode"));
    assert!(island.is_some_and(|i| i > 0), "island mode, if offered, ranks below the narrow plan");
}

#[test]
fn reach_spof_and_restore_order_answer_in_json() {
    let s = site();
    let reach = json(&["reach", &s, "--compromised", "account:ridgeline-legacy", "--max", "500", "--json"]);
    assert_eq!(reach["format"], "interlock.reach/1");
    let critical: Vec<&str> =
        reach["critical_assets"].as_array().unwrap().iter().map(|a| a["asset"].as_str().unwrap()).collect();
    assert!(critical.contains(&"ews-01") && critical.contains(&"plc-chlor-01"), "{critical:?}");
    // The path to chlorination goes through the dormant account, the jump host and the workstation.
    let disinfection = reach["processes"].as_array().unwrap().iter().find(|p| p["process"] == "disinfection").unwrap();
    let path: Vec<&str> =
        disinfection["path"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(path[0].contains("ridgeline-legacy logs into jump-dmz-01") && path[1].contains("into ews-01"), "{path:?}");

    let spof = json(&["spof", &s, "--assume-down", "dc-corp-01", "--json"]);
    assert_eq!(spof["format"], "interlock.spof/1");
    let lone: Vec<&str> =
        spof["lone_providers"].as_array().unwrap().iter().map(|l| l["provider"].as_str().unwrap()).collect();
    assert_eq!(lone.first(), Some(&"dc-corp-02"), "the lone surviving domain controller comes first: {lone:?}");

    let order = json(&["restore-order", &s, "--affected-by", "isolate zone:plant", "--recovery", "--json"]);
    assert_eq!(order["format"], "interlock.restore-order/1");
    let steps: Vec<&str> = order["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["assets"].as_array().unwrap().iter().map(|a| a["asset"].as_str().unwrap()))
        .collect();
    let at = |id: &str| steps.iter().position(|s| *s == id).unwrap_or_else(|| panic!("{id} not in {steps:?}"));
    assert!(at("hmi-cr-01") < at("plc-chlor-01"), "stations before controllers in recovery order");
}
