#![allow(clippy::unwrap_used)]
//! Fuzzing the loader with proptest: arbitrary bytes, random edits of a valid
//! model, and random documents built from the format's own keys and words.
//! The loader must never panic, and every failure must be a diagnostic that
//! names its file (and a line, for anything found in a file).

use proptest::prelude::*;
use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");

fn check(files: Vec<(String, String)>) {
    let sources = files.into_iter().map(|(path, text)| Source { path, text }).collect();
    let o = load(sources, &LoadOptions { today: Some(Date { year: 2026, month: 11, day: 26 }), threads: 2 });
    if o.site.is_none() {
        assert!(o.error_count() > 0, "refused without an error");
    }
    for d in &o.diagnostics {
        assert!(!d.message.is_empty());
        if !d.file.is_empty() && d.line == 0 {
            // Only whole-file findings (unreadable, too large) have no line.
            assert!(d.message.contains("file"), "{d}");
        }
    }
    if let Some(site) = &o.site {
        assert!(site.version().starts_with("sha256:"));
    }
}

const KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "zone",
    "zones",
    "parent",
    "domain",
    "purdue_level",
    "consumer",
    "provider",
    "conduit",
    "control",
    "primary",
    "deputies",
    "holders",
    "targets",
    "via",
    "asset",
    "term",
    "functions",
    "criticality",
    "default_ladder",
    "ladder",
    "steps",
    "then",
    "verbs",
    "target_zones",
    "target_levels",
    "impact",
    "execute",
    "approvals",
    "veto",
    "override",
    "escalate_after",
];
const WORDS: &[&str] = &[
    "plc", "hmi", "ot", "it", "shared", "control", "view", "corp", "plant", "plant-l1", "hmi-01", "plc-01", "dc-01",
    "ana", "ben", "critical", "3.5", "", "ot-lead", "it-lead", "isolate", "unsafe", "command", "15m",
];
const TABLES: &[&str] = &[
    "[site]",
    "[[zone]]",
    "[[asset]]",
    "[[dependency]]",
    "[[conduit]]",
    "[[role]]",
    "[[process]]",
    "[[vendor]]",
    "[[vendor.pathway]]",
    "[process.manual_operation]",
    "[[term]]",
    "[[baseline]]",
    "[[account]]",
    "[[person]]",
    "[authority]",
    "[[authority.ladder]]",
    "[[authority.rule]]",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(WORDS).prop_map(|w| format!("\"{w}\"")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("3.5".to_string()),
        Just("2026-02-30".to_string()),
        prop::collection::vec(prop::sample::select(WORDS), 0..4)
            .prop_map(|ws| format!("[{}]", ws.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", "))),
        Just("{ name = \"x\", protocol = \"tcp\", port = 0 }".to_string()),
        Just("[{ role = \"ot-lead\", after = \"5m\" }]".to_string()),
        Just("[{ roles = [\"ot-lead\", \"ana\"], count = 2 }]".to_string()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(TABLES).prop_map(|t| t.to_string()),
        (prop::sample::select(KEYS), value()).prop_map(|(k, v)| format!("{k} = {v}")),
    ];
    prop::collection::vec(line, 0..60).prop_map(|ls| ls.join("\n"))
}

proptest! {
    // 256 cases by default; PROPTEST_CASES raises it (CI runs 1000).

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(vec![("f.toml".into(), String::from_utf8_lossy(&bytes).into_owned())]);
    }

    #[test]
    fn edits_of_a_valid_model_never_panic(
        edits in prop::collection::vec((0usize..SMALL.len(), 0usize..12, prop::sample::select(&["", "\"", "]", "[[", "=", "x", "\n", "-", "0", "{"][..])), 1..6)
    ) {
        let mut text = SMALL.as_bytes().to_vec();
        for (at, del, ins) in edits {
            let at = at.min(text.len());
            let end = (at + del).min(text.len());
            text.splice(at..end, ins.bytes());
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        // Split across two files too, so cross-file resolution is exercised.
        let mid = text.len() / 2;
        let cut = (mid..text.len()).find(|i| text.is_char_boundary(*i) && text[*i..].starts_with("\n[")).unwrap_or(text.len());
        check(vec![("a.toml".into(), text[..cut].to_string()), ("b.toml".into(), text[cut..].to_string())]);
    }

    #[test]
    fn documents_from_the_format_words_never_panic(a in document(), b in document()) {
        check(vec![("a.toml".into(), a), ("b.toml".into(), b)]);
    }
}
