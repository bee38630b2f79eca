#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The shipped example site, through the real binary: it validates with only
//! its deliberate warning, and a broken copy fails with precise errors that
//! name the file, line and field of every mistake, all in one run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

fn interlock(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_interlock")).args(args).output().expect("run interlock");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Replaces the first `from` in `file` and returns the 1-based line the edit is on.
fn edit(site: &Path, file: &str, from: &str, to: &str) -> usize {
    let path = site.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find(from).unwrap_or_else(|| panic!("{file} lacks {from:?}"));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    text[..at].matches('\n').count() + 1
}

#[test]
fn the_example_site_validates_with_its_one_deliberate_warning() {
    let (code, out) = interlock(&["site", "check", example().to_str().unwrap(), "--json", "--today", "2026-11-26"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0]["field"].as_str().unwrap().contains("ridgeline-legacy"));
    let counts = &v["counts"];
    let assets = counts["assets"].as_u64().unwrap();
    assert!((80..=200).contains(&assets), "{assets} assets");
    assert!(v["version"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn a_broken_copy_fails_with_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("riverbend");
    copy_dir(&example(), &site);
    let expect = [
        (
            "assets/plant-supervisory.toml",
            edit(&site, "assets/plant-supervisory.toml", r#"zone = "plant-control""#, r#"zone = "plant-contrl""#),
            "asset \"scada-01\" > zone",
            "unknown zone \"plant-contrl\"",
            Some("did you mean \"plant-control\"?"),
        ),
        (
            "dependencies/safety.toml",
            edit(
                &site,
                "dependencies/safety.toml",
                r#"provider = "fio-cl2-detect-01""#,
                r#"provider = "fio-cl2-detect-1""#,
            ),
            "provider",
            "unknown asset \"fio-cl2-detect-1\"",
            Some("did you mean \"fio-cl2-detect-01\"?"),
        ),
        (
            "people.toml",
            edit(&site, "people.toml", "primary = \"mgarcia\"\n", "prmary = \"mgarcia\"\n"),
            "prmary",
            "unknown field `prmary`",
            Some("did you mean `primary`?"),
        ),
        (
            "zones.toml",
            edit(&site, "zones.toml", r#"zones = ["enterprise", "idmz"]"#, r#"zones = ["idmz", "idmz"]"#),
            "zones",
            "connects 1 distinct zone",
            None,
        ),
        (
            "processes.toml",
            edit(&site, "processes.toml", r#"control = ["plc-coag-01"]"#, r#"control = []"#),
            "control",
            "has no control path",
            None,
        ),
    ];
    let (code, out) = interlock(&["site", "check", site.to_str().unwrap(), "--json", "--today", "2026-11-26"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    let errors = v["errors"].as_array().unwrap();
    for (file, line, field, message, help) in expect {
        let found = errors.iter().find(|e| {
            e["file"].as_str().unwrap().ends_with(file)
                && e["field"].as_str().unwrap().ends_with(field)
                && e["message"].as_str().unwrap().contains(message)
        });
        let e = found.unwrap_or_else(|| panic!("no error for {file} {field} {message}:\n{errors:#?}"));
        // The role's unknown field is reported at its key; "no holder" follows from it.
        assert_eq!(e["line"].as_u64().unwrap() as usize, line, "{e}");
        assert!(e["column"].as_u64().unwrap() >= 1);
        assert!(e["expected"].is_string(), "{e}");
        if let Some(help) = help {
            assert_eq!(e["help"].as_str(), Some(help), "{e}");
        }
    }
    // Text output: the same findings, first errors then warnings, with a closing count.
    let (code, text) = interlock(&["site", "check", site.to_str().unwrap(), "--today", "2026-11-26"]);
    assert_eq!(code, 1);
    let shown = text.replace(&format!("{}/", site.display()), "");
    assert!(shown.contains("assets/plant-supervisory.toml:"), "{shown}");
    assert!(shown.trim_end().lines().last().unwrap().starts_with("failed: "), "{shown}");
}

#[test]
fn show_json_is_stable_and_complete() {
    let site = example();
    let (code, a) = interlock(&["site", "show", site.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let (_, b) = interlock(&["site", "show", site.to_str().unwrap(), "--json"]);
    assert_eq!(a, b, "two runs print the same bytes");
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["format"], "interlock.site/1");
    for key in [
        "zones",
        "conduits",
        "assets",
        "dependencies",
        "processes",
        "teams",
        "people",
        "roles",
        "accounts",
        "vendors",
        "baselines",
        "glossary",
    ] {
        assert!(v[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
    let assets = v["assets"].as_array().unwrap();
    let ids: Vec<&str> = assets.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "assets in id order");
    assert_eq!(assets.len() as u64, v["counts"]["assets"].as_u64().unwrap());
    // The brief's first case: operator stations authenticate against the corporate directory.
    let deps = v["dependencies"].as_array().unwrap();
    let by_id = |id: &str| assets.iter().find(|a| a["id"] == id).unwrap();
    let hmi_auth = deps.iter().find(|d| {
        d["kind"] == "authentication"
            && by_id(d["consumer"].as_str().unwrap())["kind"] == "hmi"
            && by_id(d["provider"].as_str().unwrap())["kind"] == "domain-controller"
            && by_id(d["provider"].as_str().unwrap())["domain"] == "it"
    });
    let hmi_auth = hmi_auth.expect("an HMI authenticating against an IT domain controller");
    assert_eq!(hmi_auth["safety_relevant"], true);
    assert!(!hmi_auth["route"].as_array().unwrap().is_empty(), "crosses at least one conduit");
}

#[test]
fn the_demo_runs_on_the_embedded_site() {
    let (code, out) = interlock(&["demo", "--tour"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Riverbend"));
    assert!(out.contains("provides authentication to"), "{out}");
    assert!(out.contains("dormant account ridgeline-legacy"), "{out}");
    // Section 8: the cadence, and a display whose readings disagree is held back.
    assert!(
        out.contains("next operations update due 2026-11-26T04:41:00-06:00 (every 120 min at severity high)"),
        "{out}"
    );
    assert!(out.contains("verify by hand: Combined filter effluent turbidity at Bench turbidimeter"), "{out}");
    assert!(out.contains("the historian is not reconnected until its readings agree: hist-ot-01 showed"), "{out}");
}
