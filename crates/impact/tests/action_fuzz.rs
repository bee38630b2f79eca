#![allow(clippy::unwrap_used)]
//! The action parser on arbitrary text: never a panic, every refusal explained, and every
//! accepted action analysable.

use impact::{Action, Graph};
use proptest::prelude::*;
use site_model::{LoadOptions, Site, Source};

fn small() -> Site {
    let text = include_str!("../../site-model/tests/fixtures/small.toml");
    site_model::load(vec![Source { path: "small.toml".into(), text: text.into() }], &LoadOptions::default())
        .site
        .unwrap()
}

const WORDS: &[&str] = &[
    "isolate",
    "quarantine",
    "block-conduit",
    "restrict",
    "disable-account",
    "take-offline",
    "shut-down",
    "power-down",
    "island-mode",
    "reimage",
    "block-address",
    "switch-to-manual",
    "revoke-vendor-access",
    "kill-session",
    "reset-credentials",
    "hmi-01",
    "zone:plant",
    "zone:plant-l2",
    "conduit:corp-idmz",
    "account:ana",
    "vendor:acme",
    "pathway:acme/support",
    "process:dosing",
    "address:10.0.0.10",
    "address:1.2.3.4",
    "except",
    "rdp",
    "kinds",
    "remote-access,control",
    "for",
    "safety",
    "both",
    "controlled",
    "emergency",
    "asset:",
    ":",
    ",",
    "plc-01,sis-01",
];

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        let site = small();
        if let Err(e) = Action::parse(&site, &text) {
            prop_assert!(!e.message.is_empty() && !e.expected.is_empty());
        }
    }

    #[test]
    fn word_salads_parse_or_explain_and_analyse(words in prop::collection::vec(prop::sample::select(WORDS), 0..7)) {
        let site = small();
        let text = words.join(" ");
        match Action::parse(&site, &text) {
            Ok(a) => {
                let i = impact::analyze(&site, &Graph::compile(&site), &[a]);
                // Every loss explains itself back to an action or a stopped asset.
                for (asset, kind, _) in &i.lost {
                    prop_assert!(!i.explain(&site, *asset, *kind).is_empty());
                }
            }
            Err(e) => prop_assert!(!e.message.is_empty() && !e.expected.is_empty()),
        }
    }
}
