#![allow(clippy::unwrap_used)]
//! Broken models: each error message is snapshot-tested, so a change in what
//! users read is a reviewed change. Every case also checks that the model is
//! refused and that every error names a place.

use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");
const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

fn report(files: &[(&str, &str)]) -> String {
    let sources = files.iter().map(|(p, t)| Source { path: p.to_string(), text: t.to_string() }).collect();
    let o = load(sources, &LoadOptions { today: Some(TODAY), threads: 1 });
    assert!(o.site.is_none(), "a broken model must not load");
    for e in o.errors() {
        assert!(!e.message.is_empty());
        assert!(e.line > 0 || e.file.is_empty() || e.message.contains("file"), "an error without a line: {e}");
    }
    o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

fn broken(edits: &[(&str, &str)]) -> String {
    let mut text = SMALL.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "fixture lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    report(&[("site.toml", &text)])
}

#[test]
fn typos_in_references_suggest_the_nearest_id() {
    insta::assert_snapshot!(broken(&[
        (
            r#"zone = "plant-l2"
owner = "ops"
functions = ["historian"]"#,
            r#"zone = "plant-l3"
owner = "ops"
functions = ["historian"]"#
        ),
        (
            r#"provider = "plc-01"
kind = "control""#,
            r#"provider = "plc-1"
kind = "control""#
        ),
        (r#"primary = "ana""#, r#"primary = "anna""#),
        (r#"not_to_be_confused_with = ["shut down"]"#, r#"not_to_be_confused_with = ["shutdown"]"#),
    ]));
}

#[test]
fn wrong_words_types_and_fields() {
    insta::assert_snapshot!(broken(&[
        (r#"kind = "hmi""#, r#"kind = "hmi-station""#),
        (
            r#"criticality = "critical"
owner = "ops"
vendor"#,
            r#"criticality = 5
owner = "ops"
vendor"#
        ),
        (r#"purdue_level = 2"#, r#"purdue_level = 7"#),
        (r#"sustainable_for = "8h""#, r#"sustainable_for = "8 hours""#),
        (r#"name = "Ana""#, r#"nmae = "Ana""#),
        (r#"functions = ["safety"]"#, r#"functions = ["saftey"]"#),
        (r#"port = 44818"#, r#"port = 70000"#),
    ]));
}

#[test]
fn structural_errors() {
    insta::assert_snapshot!(broken(&[
        // A zone loop.
        (
            "[[zone]]\nid = \"plant\"\nname = \"Plant\"\ndomain = \"ot\"",
            "[[zone]]\nid = \"plant\"\nname = \"Plant\"\ndomain = \"ot\"\nparent = \"plant-l1\""
        ),
        // A conduit with one zone.
        (r#"zones = ["plant-l2", "plant-l1"]"#, r#"zones = ["plant-l1", "plant-l1"]"#),
        // A duplicate asset id.
        ("id = \"ews-01\"", "id = \"hmi-01\""),
        // A self-dependency.
        ("consumer = \"hist-01\"", "consumer = \"plc-01\""),
        // A process with no control path.
        (r#"control = ["plc-01"]"#, ""),
        // A role with no holder.
        ("primary = \"ben\"\n", ""),
        // A personal account with two holders.
        (r#"holders = ["ana"]"#, r#"holders = ["ana", "ben"]"#),
        // A named conduit that does not lead to the provider.
        (r#"conduit = "idmz-plant""#, r#"conduit = "l2-l1""#),
        // A pathway that loops.
        (r#"via = ["jump-01"]"#, r#"via = ["jump-01", "ews-01"]"#),
        // An asset with no zone.
        ("zone = \"corp\"\ncriticality", "criticality"),
    ]));
}

#[test]
fn syntax_errors_and_misused_top_level_keys_across_files() {
    insta::assert_snapshot!(report(&[
        ("a.toml", SMALL),
        ("b.toml", "[[asset]\nid = \"x\"\n\n[[zone]]\nid = 3\nname = \"Z\"\n"),
        (
            "c.toml",
            "[site]\nid = \"again\"\nname = \"Second site\"\n\n[[authority]]\nrule = []\n\n[[assets]]\nid = \"y\"\n"
        ),
    ]));
}

#[test]
fn authority_matrix_errors() {
    let authority = r#"[authority]
escalate_after = "15 min"
default_ladder = "comand"
override = ["ot-led"]

[[authority.ladder]]
id = "command"
steps = [{ role = "ot-lead", after = "15m", then = "x" }]

[[authority.ladder]]
id = "empty"
steps = []

[[authority.rule]]
id = "r1"
verbs = ["isolat"]
target_zones = ["plant-l3"]
target_levels = [6]
impact = ["safety"]
intents = ["contain"]
phases = ["recovery"]
approvals = [{ roles = ["it-lead"], count = 65 }]
ladder = "commmand"

[[authority.rule]]
id = "r1"
execute = "ot-lead"
"#;
    insta::assert_snapshot!(report(&[("site.toml", SMALL), ("authority.toml", authority)]));
}

#[test]
fn an_empty_model_says_what_is_missing() {
    insta::assert_snapshot!(report(&[("empty.toml", "# nothing here\n")]));
}

#[test]
fn warnings_do_not_block_loading() {
    let text = SMALL
        .replacen("deputies = [\"ben\"]\n", "", 1)
        .replacen("owner = \"ops\"\n", "", 1)
        // The corporate zone loses its conduit: the directory is reached by no documented route.
        .replacen("zones = [\"corp\", \"idmz\"]", "zones = [\"idmz\", \"plant-l1\"]", 1);
    let o = load(vec![Source { path: "w.toml".into(), text }], &LoadOptions { today: Some(TODAY), threads: 1 });
    assert!(o.site.is_some(), "{:?}", o.errors().collect::<Vec<_>>());
    insta::assert_snapshot!(o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"));
}
