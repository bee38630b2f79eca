#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Regulatory deadlines (`[[deadline]]`) and the site's time zone through the
//! real loader: the CIP-008 clocks written out, how `within` and
//! `by_end_of_day` read, each mistake reported with file, line and field, the
//! timezone rules, and the version.

use site_model::deadline::{Deadline, Due, cip_008};
use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");
const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

/// NERC CIP-008's clocks, written out as [`cip_008`] has them.
const CIP_008: &str = r#"# NERC CIP-008, as the site model's defaults have it.
[[deadline]]
id = "cip-008-reportable"
regime = "NERC CIP-008-6"
trigger = "reportable"
within = "1h"
report = "initial notification of a Reportable Cyber Security Incident to E-ISAC and CISA (R4.2)"

[[deadline]]
id = "cip-008-attempt"
regime = "NERC CIP-008-6"
trigger = "attempt"
by_end_of_day = 1
report = "initial notification of an attempt to compromise to E-ISAC and CISA (R4.2)"

[[deadline]]
id = "cip-008-update"
regime = "NERC CIP-008-6"
trigger = "attribute-change"
within = "7d"
report = "update to E-ISAC and CISA with the new or changed attribute (R4.3)"

[[deadline]]
id = "cip-008-lessons"
regime = "NERC CIP-008-6"
trigger = "closed"
within = "90d"
report = "lessons learned documented and the response plan updated (R3.1)"
description = "R3.1.1 to R3.1.4: within 90 calendar days after completing a response"
"#;

fn load_files(files: &[(&str, &str)]) -> Outcome {
    let sources = files.iter().map(|(p, t)| Source { path: p.to_string(), text: t.to_string() }).collect();
    load(sources, &LoadOptions { today: Some(TODAY), threads: 2 })
}

/// The small site with `deadlines.toml` beside it.
fn with_deadlines(deadlines: &str) -> Outcome {
    load_files(&[("site.toml", SMALL), ("deadlines.toml", deadlines)])
}

fn loaded(o: &Outcome) -> &Site {
    match &o.site {
        Some(s) => s,
        None => panic!("did not load:\n{}", report(o)),
    }
}

fn report(o: &Outcome) -> String {
    o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

/// The only error of a load that must fail.
fn the_error(o: &Outcome) -> Diagnostic {
    assert!(o.site.is_none(), "must not load");
    let errors: Vec<&Diagnostic> = o.errors().collect();
    assert_eq!(errors.len(), 1, "expected exactly one error:\n{}", report(o));
    errors[0].clone()
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).unwrap_or_else(|| panic!("no {needle:?}"))
}

/// One deadline table with `due` as its due-time line(s).
fn one(id: &str, trigger: &str, due: &str) -> String {
    format!("[[deadline]]\nid = \"{id}\"\nregime = \"test\"\ntrigger = \"{trigger}\"\n{due}\nreport = \"a report\"\n")
}

fn dues(o: &Outcome) -> Vec<(&str, Due)> {
    loaded(o).deadlines.iter().map(|d| (&*d.id, d.due)).collect()
}

#[test]
fn the_cip_008_clocks_written_out_are_the_defaults() {
    let o = with_deadlines(CIP_008);
    let site = loaded(&o);
    assert!(o.diagnostics.is_empty(), "{}", report(&o));
    assert_eq!(
        dues(&o),
        [
            ("cip-008-reportable", Due::Within(60)),
            ("cip-008-attempt", Due::EndOfDay(1)),
            ("cip-008-update", Due::CalendarDays(7)),
            ("cip-008-lessons", Due::CalendarDays(90)),
        ]
    );
    let triggers: Vec<Trigger> = site.deadlines.iter().map(|d| d.trigger).collect();
    assert_eq!(triggers, [Trigger::Reportable, Trigger::Attempt, Trigger::AttributeChange, Trigger::Closed]);
    assert_eq!(site.deadlines, cip_008(), "written out, they are exactly the defaults");
    assert_eq!(site.deadlines_in_force(), cip_008());
}

#[test]
fn a_site_without_deadlines_gets_cip_008() {
    let o = load_files(&[("site.toml", SMALL)]);
    let site = loaded(&o);
    assert!(o.diagnostics.is_empty(), "{}", report(&o));
    assert!(site.deadlines.is_empty(), "none written: none stored");
    assert_eq!(site.deadlines_in_force(), cip_008());
}

#[test]
fn the_site_deadlines_replace_the_defaults_in_file_order() {
    let a = one("state-24h", "reportable", "within = \"24h\"");
    let b = one("state-72h", "attempt", "within = \"72h\"");
    let o = load_files(&[("site.toml", SMALL), ("a/deadlines.toml", &a), ("b/deadlines.toml", &b)]);
    let site = loaded(&o);
    assert_eq!(dues(&o), [("state-24h", Due::Within(24 * 60)), ("state-72h", Due::Within(72 * 60))]);
    let expected: Vec<Deadline> = site.deadlines.clone();
    assert_eq!(site.deadlines_in_force(), expected, "the site's own replace CIP-008's, not add to them");
}

#[test]
fn within_is_calendar_days_only_when_written_in_days() {
    let text = [
        one("hours", "reportable", "within = \"36h\""),
        one("minutes", "reportable", "within = \"90m\""),
        one("two-days-of-hours", "reportable", "within = \"48h\""),
        one("two-days", "attempt", "within = \"2d\""),
        one("spaced", "attempt", "within = \" 3 d \""),
        one("same-day", "closed", "by_end_of_day = 0"),
        one("month", "closed", "by_end_of_day = 31"),
    ]
    .join("\n");
    let o = with_deadlines(&text);
    assert!(o.diagnostics.is_empty(), "{}", report(&o));
    assert_eq!(
        dues(&o),
        [
            ("hours", Due::Within(2160)),
            ("minutes", Due::Within(90)),
            ("two-days-of-hours", Due::Within(2880)),
            ("two-days", Due::CalendarDays(2)),
            ("spaced", Due::CalendarDays(3)),
            ("same-day", Due::EndOfDay(0)),
            ("month", Due::EndOfDay(31)),
        ]
    );
}

#[test]
fn an_unknown_trigger_suggests_the_nearest_word() {
    let text = one("x", "reportabel", "within = \"1h\"");
    let e = the_error(&with_deadlines(&text));
    assert_eq!(e.file, "deadlines.toml");
    assert_eq!(e.line, line_of(&text, "reportabel"));
    assert_eq!(e.field, "deadline \"x\" > trigger");
    assert_eq!(e.message, "unknown deadline trigger \"reportabel\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"reportable\"?"));
    assert_eq!(e.expected.as_deref(), Some("one of \"reportable\", \"attempt\", \"attribute-change\" or \"closed\""));
}

#[test]
fn exactly_one_of_within_and_by_end_of_day() {
    let both = one("both", "attempt", "within = \"1h\"\nby_end_of_day = 1");
    let e = the_error(&with_deadlines(&both));
    assert_eq!((e.file.as_str(), e.line), ("deadlines.toml", 1));
    assert_eq!(e.field, "deadline \"both\"");
    assert!(e.message.contains("both `within` and `by_end_of_day`"), "{e}");
    let expected = e.expected.as_deref().unwrap();
    assert!(expected.starts_with("exactly one of `within`") && expected.contains("`by_end_of_day`"), "{e}");

    let neither = one("neither", "attempt", "");
    let e = the_error(&with_deadlines(&neither));
    assert_eq!(e.field, "deadline \"neither\"");
    assert!(e.message.contains("neither `within` nor `by_end_of_day`"), "{e}");
    assert!(e.expected.as_deref().unwrap().starts_with("exactly one of `within`"), "{e}");

    // A mistyped value is reported as such, and still counts as written.
    let o = with_deadlines(&one("typed", "attempt", "within = \"1h\"\nby_end_of_day = \"1\""));
    let messages: Vec<&str> = o.errors().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["gives both `within` and `by_end_of_day`", "found a string"], "{}", report(&o));
}

#[test]
fn due_values_are_checked() {
    let text = one("week", "attribute-change", "within = \"1 week\"");
    let e = the_error(&with_deadlines(&text));
    assert_eq!((e.field.as_str(), e.line), ("deadline \"week\" > within", line_of(&text, "1 week")));
    assert_eq!(e.message, "\"1 week\" is not a duration");
    assert!(e.expected.as_deref().unwrap().contains("\"7d\""), "{e}");

    let e = the_error(&with_deadlines(&one("late", "attempt", "by_end_of_day = 32")));
    assert_eq!((e.field.as_str(), e.message.as_str()), ("deadline \"late\" > by_end_of_day", "32 is out of range"));
    assert_eq!(e.expected.as_deref(), Some("an integer from 0 to 31"));

    let e = the_error(&with_deadlines(&one("zero", "attempt", "within = \"0h\"")));
    assert_eq!(e.message, "\"0h\" is not a duration");
}

#[test]
fn a_duplicate_id_names_the_first() {
    let first = one("state-24h", "reportable", "within = \"24h\"");
    let second = format!("# the same clock again\n{}", one("state-24h", "attempt", "within = \"72h\""));
    let o = load_files(&[("site.toml", SMALL), ("a.toml", &first), ("b.toml", &second)]);
    let e = the_error(&o);
    assert_eq!((e.file.as_str(), e.line), ("b.toml", 3));
    assert_eq!(e.field, "deadline \"state-24h\" > id");
    assert_eq!(e.message, "duplicate deadline id \"state-24h\", first defined at a.toml:2:6");
    assert_eq!(e.expected.as_deref(), Some("ids unique among deadlines"));
}

#[test]
fn unknown_keys_and_missing_fields() {
    let text = one("typo", "reportable", "withn = \"1h\"");
    let o = with_deadlines(&text);
    let errors: Vec<&Diagnostic> = o.errors().collect();
    assert_eq!(errors.len(), 2, "{}", report(&o));
    let e = errors.iter().find(|e| e.message == "unknown field `withn`").expect("the unknown key");
    assert_eq!((e.field.as_str(), e.line), ("deadline \"typo\" > withn", line_of(&text, "withn")));
    assert_eq!(e.help.as_deref(), Some("did you mean `within`?"));
    assert!(errors.iter().any(|e| e.message.contains("neither")), "without `within` it has no due time");

    let text = "[[deadline]]\nid = \"bare\"\nwithin = \"1h\"\n";
    let o = with_deadlines(text);
    let mut missing: Vec<&str> = o.errors().map(|d| d.field.as_str()).collect();
    missing.sort_unstable();
    assert_eq!(missing, ["deadline \"bare\" > regime", "deadline \"bare\" > report", "deadline \"bare\" > trigger"]);
    assert!(o.errors().all(|d| d.message.starts_with("missing required field")), "{}", report(&o));

    let e = the_error(&with_deadlines("[deadline]\nid = \"x\"\n"));
    assert_eq!((e.field.as_str(), e.message.as_str()), ("deadline", "`deadline` is a table"));
    assert_eq!(e.expected.as_deref(), Some("an array of tables, written [[deadline]]"));

    let e = the_error(&with_deadlines(&one("Bad Id", "closed", "within = \"90d\"")));
    assert_eq!(e.message, "\"Bad Id\" is not a valid id");
}

#[test]
fn the_timezone_must_be_an_iana_zone() {
    let text = SMALL.replacen("Europe/Berlin", "America/Chicag", 1);
    let e = the_error(&load_files(&[("site.toml", &text)]));
    assert_eq!((e.file.as_str(), e.line), ("site.toml", line_of(&text, "America/Chicag")));
    assert_eq!(e.field, "site > timezone");
    assert_eq!(e.message, "unknown time zone \"America/Chicag\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"America/Chicago\"?"));

    let e = the_error(&load_files(&[("site.toml", &SMALL.replacen("Europe/Berlin", "Central Time", 1))]));
    assert_eq!((e.message.as_str(), e.help.as_deref()), ("unknown time zone \"Central Time\"", None));

    let e = the_error(&load_files(&[("site.toml", &SMALL.replacen("Europe/Berlin", "Etc/Unknown", 1))]));
    assert_eq!(e.message, "unknown time zone \"Etc/Unknown\"");

    // The database matches without regard to case; the canonical spelling is asked for.
    let o = load_files(&[("site.toml", &SMALL.replacen("Europe/Berlin", "europe/berlin", 1))]);
    let site = loaded(&o);
    let warnings: Vec<&Diagnostic> = o.warnings().collect();
    assert_eq!(warnings.len(), 1, "{}", report(&o));
    assert_eq!(warnings[0].field, "site > timezone");
    assert_eq!(warnings[0].help.as_deref(), Some("write \"Europe/Berlin\""));
    assert_eq!(site.time_zone().iana_name(), Some("Europe/Berlin"));
}

#[test]
fn the_site_time_zone_or_utc() {
    let site = loaded(&load_files(&[("site.toml", SMALL)])).time_zone();
    assert_eq!(site.iana_name(), Some("Europe/Berlin"));
    let chicago = SMALL.replacen("Europe/Berlin", "America/Chicago", 1);
    assert_eq!(loaded(&load_files(&[("site.toml", &chicago)])).time_zone().iana_name(), Some("America/Chicago"));
    let utc = SMALL.replacen("Europe/Berlin", "UTC", 1);
    assert_eq!(loaded(&load_files(&[("site.toml", &utc)])).time_zone().iana_name(), Some("UTC"));
}

#[test]
fn no_timezone_warns_when_a_deadline_is_by_the_calendar() {
    let text = SMALL.replacen("timezone = \"Europe/Berlin\"\n", "", 1);
    assert!(!text.contains("timezone"));

    // No deadlines written: CIP-008's apply, and two of them are calendar rules.
    let o = load_files(&[("site.toml", &text)]);
    let site = loaded(&o);
    let warnings: Vec<&Diagnostic> = o.warnings().collect();
    assert_eq!(warnings.len(), 1, "{}", report(&o));
    let w = warnings[0];
    assert_eq!((w.file.as_str(), w.line, w.field.as_str()), ("site.toml", line_of(&text, "[site]"), "site"));
    assert_eq!(w.message, "no [site] timezone: calendar deadlines are computed in UTC");
    assert_eq!(site.time_zone().iana_name(), Some("UTC"));

    let o = load_files(&[("site.toml", &text), ("deadlines.toml", &one("eod", "attempt", "by_end_of_day = 1"))]);
    assert_eq!(o.warnings().count(), 1, "{}", report(&o));

    // Fixed durations need no time zone.
    let o = load_files(&[("site.toml", &text), ("deadlines.toml", &one("hour", "reportable", "within = \"1h\""))]);
    assert!(o.diagnostics.is_empty(), "{}", report(&o));
}

#[test]
fn versions_of_sites_without_deadlines_are_unchanged() {
    // The small fixture's version before deadlines existed: sites that write
    // none encode as before. (Update only with a deliberate encoding change.)
    let o = load_files(&[("site.toml", SMALL)]);
    assert_eq!(loaded(&o).version(), "sha256:064b04255fb23d86ec0f36ff9f6f7f0913069cc98c09eca6d1cc33a2bdae0cd7");
}

#[test]
fn deadlines_count_in_the_version_as_a_set() {
    let version = |files: &[(&str, &str)]| loaded(&load_files(files)).version().to_string();
    let base = version(&[("site.toml", SMALL)]);
    let with = version(&[("site.toml", SMALL), ("deadlines.toml", CIP_008)]);
    assert_ne!(base, with, "adding deadlines changes the version");

    // Reordered, split across files, reformatted: the same set, the same version.
    let tables: Vec<String> = CIP_008.split("[[deadline]]").skip(1).map(|t| format!("[[deadline]]{t}")).collect();
    assert_eq!(tables.len(), 4);
    let reversed: String = tables.iter().rev().cloned().collect();
    assert_eq!(version(&[("site.toml", SMALL), ("deadlines.toml", &reversed)]), with);
    let (a, b) = (tables[2..].concat(), tables[..2].concat());
    assert_eq!(version(&[("site.toml", SMALL), ("a.toml", &a), ("b.toml", &b)]), with);
    let spaced = CIP_008.replace(" = ", "   =   ").replace("# NERC CIP-008, as the site model's defaults have it.", "");
    assert_eq!(version(&[("site.toml", SMALL), ("deadlines.toml", &spaced)]), with);

    // Every field counts, the description too.
    for (from, to) in [
        ("within = \"1h\"", "within = \"60m\""),
        ("within = \"7d\"", "within = \"168h\""),
        ("by_end_of_day = 1", "by_end_of_day = 2"),
        ("trigger = \"closed\"", "trigger = \"attempt\""),
        ("id = \"cip-008-update\"", "id = \"cip-008-updates\""),
        ("regime = \"NERC CIP-008-6\"", "regime = \"NERC CIP-008-7\""),
        ("(R4.3)", "(R4.3.)"),
        ("R3.1.1 to R3.1.4", "R3.1"),
    ] {
        assert!(CIP_008.contains(from), "{from}");
        let changed = CIP_008.replacen(from, to, 1);
        let v = version(&[("site.toml", SMALL), ("deadlines.toml", &changed)]);
        // "1h" and "60m" are the same duration: the version follows the meaning.
        if from == "within = \"1h\"" {
            assert_eq!(v, with, "{from} -> {to}");
        } else {
            assert_ne!(v, with, "{from} -> {to}");
        }
    }
}
