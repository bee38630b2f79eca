//! `interlock site import-csv` end to end: the built binary on real files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const SITE: &str = r#"
[site]
id = "testworks"
name = "Test Works"

[[zone]]
id = "plant-control"
name = "Plant Control"
domain = "ot"
purdue_level = 2

[[zone]]
id = "office"
name = "Office"
domain = "it"

[[team]]
id = "plant-ops"
name = "Plant Operations"
"#;

const GOOD_CSV: &str = "Asset Name,Device Type,IP Address,MAC Address,Manufacturer,Product,Network Zone,Purdue Level,Risk,Serial\n\
    PLC Filter 01,Programmable Logic Controller,10.20.1.10,00:1d:9c:00:00:01,Rockwell,ControlLogix 5580,plant-control,L1,Very High,A1\n\
    \"HMI \"\"North\"\"\",HMI Workstation,10.20.2.11,,AVEVA,\"InTouch, 2023\",Plant Control,Level 2,high,A2\n\
    Office PC 7,Desktop,10.1.0.7,,Dell,Optiplex,office,4,low,A3\n";

fn interlock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interlock")).args(args).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn site_dir(root: &Path) -> std::path::PathBuf {
    let site = root.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("site.toml"), SITE).unwrap();
    site
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn good_csv_imports_and_the_site_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site_dir(tmp.path());
    let csv = tmp.path().join("inventory.csv");
    std::fs::write(&csv, GOOD_CSV).unwrap();
    let out = site.join("assets").join("imported.toml");

    let o = interlock(&["site", "import-csv", s(&csv), "--site", s(&site), "--out", s(&out), "--owner", "plant-ops"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("3 rows, 3 imported, 0 with errors"), "{t}");
    assert!(t.contains("Device Type -> kind"), "{t}");
    assert!(t.contains("Serial (ignored)"), "{t}");
    assert!(t.contains("next: interlock site check"), "{t}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("kind = \"plc\""), "{written}");
    assert!(!out.with_file_name("imported.toml.partial").exists());

    let check = interlock(&["site", "check", s(&site)]);
    let t = text(&check);
    assert!(check.status.success(), "{t}");
    assert!(t.contains("3 assets"), "{t}");

    // Again: refused without --force; with it, the file being replaced is not counted as
    // already defining the ids.
    let again = interlock(&["site", "import-csv", s(&csv), "--site", s(&site), "--out", s(&out)]);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));
    let forced = interlock(&["site", "import-csv", s(&csv), "--site", s(&site), "--out", s(&out), "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
}

#[test]
fn unknown_kind_fails_names_the_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site_dir(tmp.path());
    let csv = tmp.path().join("inventory.csv");
    let bad = GOOD_CSV.replace("HMI Workstation", "Toaster");
    std::fs::write(&csv, bad).unwrap();
    let out_dir = tmp.path().join("new-dir");
    let out = out_dir.join("assets").join("imported.toml");

    let o = interlock(&["site", "import-csv", s(&csv), "--site", s(&site), "--out", s(&out)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("inventory.csv:3:2: Device Type: unknown asset kind \"Toaster\""), "{t}");
    assert!(t.contains("nothing written"), "{t}");
    assert!(!out.exists());
    assert!(!out.with_file_name("imported.toml.partial").exists());
    assert!(!out_dir.exists(), "the output directories it created are removed again");

    // --skip-bad-rows keeps the good ones.
    let o = interlock(&["site", "import-csv", s(&csv), "--site", s(&site), "--out", s(&out), "--skip-bad-rows"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("2 assets (1 bad row left out)"), "{t}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().matches("[[asset]]").count(), 2);
}

#[test]
fn header_without_kind_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("inventory.csv");
    std::fs::write(&csv, "name,knd,zone\nplc-1,plc,z\n").unwrap();
    let out = tmp.path().join("imported.toml");
    let o = interlock(&["site", "import-csv", s(&csv), "--out", s(&out)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("inventory.csv:1:1: kind: no kind column"), "{t}");
    assert!(t.contains("\"knd\" looks like a misspelling of \"kind\""), "{t}");
    assert!(!out.exists());
    assert!(!out.with_file_name("imported.toml.partial").exists());
}
