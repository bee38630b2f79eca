#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `[site.update_every]`, `[site] verification_every` and `[[process.reading]]`
//! through the real loader: values, defaults, each mistake reported with
//! file, line and field, and the version.

use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");
const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

fn load_text(text: &str) -> Outcome {
    load(vec![Source { path: "site.toml".into(), text: text.into() }], &LoadOptions { today: Some(TODAY), threads: 2 })
}

/// The small site with `extra` spliced into its `[site]` table and `process` after its process.
fn small_with(site_keys: &str, process_tables: &str) -> String {
    let s =
        SMALL.replacen("timezone = \"Europe/Berlin\"\n", &format!("timezone = \"Europe/Berlin\"\n{site_keys}\n"), 1);
    format!("{s}\n{process_tables}\n")
}

fn report(o: &Outcome) -> String {
    o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

fn loaded(o: &Outcome) -> &Site {
    match &o.site {
        Some(s) => s,
        None => panic!("did not load:\n{}", report(o)),
    }
}

const READING: &str = r#"[[process.reading]]
id = "dose-rate"
name = "Hypochlorite dose rate"
unit = "L/h"
station = "FI-7 rotameter at the dosing skid"
tolerance = 0.5

[[process.reading]]
id = "tank-level"
name = "Day tank level"
unit = "%"
station = "sight glass on the day tank"
shown_on = ["hmi-01", "plc-01"]
tolerance = 2
"#;

#[test]
fn defaults_when_the_site_says_nothing() {
    let o = load_text(SMALL);
    let site = loaded(&o);
    assert_eq!(site.info.update_interval("critical"), Some(60));
    assert_eq!(site.info.update_interval("high"), Some(120));
    assert_eq!(site.info.update_interval("medium"), Some(240));
    assert_eq!(site.info.update_interval("low"), Some(480));
    assert_eq!(site.info.update_interval("severe"), None);
    assert_eq!(site.info.verification_interval(), 60);
    assert!(site.processes.iter().all(|p| p.readings.is_empty()));
}

#[test]
fn the_site_sets_the_cadence_and_readings() {
    let text =
        small_with("verification_every = \"30m\"\n\n[site.update_every]\ncritical = \"30m\"\nlow = \"1d\"", READING);
    let o = load_text(&text);
    assert!(o.diagnostics.is_empty(), "{}", report(&o));
    let site = loaded(&o);
    assert_eq!(site.info.update_interval("critical"), Some(30));
    assert_eq!(site.info.update_interval("high"), Some(120), "unset severities keep the default");
    assert_eq!(site.info.update_interval("low"), Some(1440));
    assert_eq!(site.info.verification_interval(), 30);
    let p = &site.processes[0];
    assert_eq!(p.readings.len(), 2);
    let dose = &p.readings[0];
    assert_eq!((&*dose.id, &*dose.unit, dose.tolerance), ("dose-rate", "L/h", 0.5));
    assert_eq!(dose.shown_on, p.view, "shown_on defaults to the process's view");
    let names: Vec<&str> = p.readings[1].shown_on.iter().map(|a| &*site.assets[a.ix()].id).collect();
    assert_eq!(names, ["hmi-01", "plc-01"]);
    assert_eq!(p.readings[1].tolerance, 2.0);
}

#[test]
fn the_version_changes_with_cadence_and_readings_and_not_otherwise() {
    let base = load_text(SMALL);
    let v0 = loaded(&base).version().to_string();
    let again = load_text(&small_with("", ""));
    assert_eq!(loaded(&again).version(), v0, "blank lines change nothing");
    let cadence = load_text(&small_with("[site.update_every]\ncritical = \"30m\"", ""));
    let v1 = loaded(&cadence).version().to_string();
    let readings = load_text(&small_with("", READING));
    let v2 = loaded(&readings).version().to_string();
    let tolerance = load_text(&small_with("", &READING.replace("tolerance = 0.5", "tolerance = 0.25")));
    let v3 = loaded(&tolerance).version().to_string();
    assert!(v0 != v1 && v0 != v2 && v1 != v2 && v2 != v3);
}

fn one_error(text: &str) -> Diagnostic {
    let o = load_text(text);
    let errors: Vec<&Diagnostic> = o.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{}", report(&o));
    assert!(o.site.is_none(), "an error loads nothing");
    errors[0].clone()
}

#[test]
fn mistakes_name_the_file_line_and_field() {
    let d = one_error(&small_with("[site.update_every]\ncritcal = \"1h\"", ""));
    assert_eq!((d.file.as_str(), d.field.as_str()), ("site.toml", "site > update_every > critcal"));
    assert_eq!(d.help.as_deref(), Some("did you mean `critical`?"));
    assert_eq!(d.line, 7);

    let d = one_error(&small_with("[site.update_every]\nhigh = \"soon\"", ""));
    assert_eq!(d.field, "site > update_every > high");
    assert!(d.expected.as_deref().unwrap_or("").contains("duration"), "{d}");

    let d = one_error(&small_with("update_every = \"1h\"", ""));
    assert_eq!(d.field, "site > update_every");
    assert!(d.expected.as_deref().unwrap_or("").contains("[site.update_every]"), "{d}");

    let d = one_error(&small_with("", &READING.replace("tolerance = 0.5", "tolerance = -1")));
    assert_eq!(d.field, "process \"dosing\" > reading \"dose-rate\" > tolerance");
    let d = one_error(&small_with("", &READING.replace("tolerance = 0.5\n", "")));
    assert!(d.message.contains("missing required field `tolerance`"), "{d}");
    let d = one_error(&small_with("", &READING.replace("\"hmi-01\", \"plc-01\"", "\"hmi-99\"")));
    assert!(d.field.contains("reading \"tank-level\" > shown_on"), "{d}");
    let d = one_error(&small_with("", &READING.replace("\"tank-level\"", "\"dose-rate\"")));
    assert!(d.message.contains("duplicate reading id \"dose-rate\""), "{d}");
    let o = load_text(&small_with("", &READING.replace("unit = \"%\"", "units = \"%\"")));
    let r = report(&o);
    assert!(r.contains("reading \"tank-level\" > units") && r.contains("did you mean `unit`?"), "{r}");
    assert!(r.contains("missing required field `unit`"), "{r}");
}
