#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Loading real files: the small fixture, the version's invariance under
//! reordering, reformatting and splitting, and route derivation.

use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");
const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

fn load_one(text: &str) -> Outcome {
    load(vec![Source { path: "site.toml".into(), text: text.into() }], &LoadOptions { today: Some(TODAY), threads: 1 })
}

fn load_many(files: Vec<(&str, String)>) -> Outcome {
    let sources = files.into_iter().map(|(p, t)| Source { path: p.into(), text: t }).collect();
    load(sources, &LoadOptions { today: Some(TODAY), threads: 2 })
}

fn loaded(o: &Outcome) -> &Site {
    match &o.site {
        Some(s) => s,
        None => panic!("did not load:\n{}", o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

/// Splits a TOML document into its top-level tables (each `[x]`/`[[x]]` block
/// with the sub-tables that follow it).
fn blocks(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let is_header = line.starts_with('[') && !line.starts_with("[process.") && !line.starts_with("[[vendor.");
        if is_header || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    out
}

#[test]
fn the_small_site_loads_clean() {
    let o = load_one(SMALL);
    let site = loaded(&o);
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let c = site.counts();
    assert_eq!((c.zones, c.conduits, c.assets, c.dependencies, c.processes), (5, 3, 7, 5, 1));
    assert_eq!((c.people, c.roles, c.accounts, c.vendors, c.baselines, c.terms), (3, 2, 2, 1, 1, 2));
    assert!(site.version().starts_with("sha256:") && site.version().len() == 7 + 64);

    // Defaults filled in from the zones.
    let hmi = site.asset(site.asset_by_id("hmi-01").unwrap());
    assert_eq!(hmi.domain, Domain::Ot);
    assert_eq!(hmi.purdue_level, PurdueLevel::parse("2"));
    let jump = site.asset(site.asset_by_id("jump-01").unwrap());
    assert_eq!((jump.domain, jump.purdue_level), (Domain::Shared, Some(PurdueLevel::IDMZ)));
    assert_eq!(jump.name.as_ref(), "jump-01", "name defaults to the id");
    assert_eq!(jump.criticality, Criticality::Medium);
}

#[test]
fn routes_are_derived_across_zones_and_nesting() {
    let o = load_one(SMALL);
    let site = loaded(&o);
    let dep = |c: &str, p: &str| {
        let (c, p) = (site.asset_by_id(c).unwrap(), site.asset_by_id(p).unwrap());
        site.dependencies.iter().find(|d| d.consumer == c && d.provider == p).unwrap()
    };
    let route =
        |d: &Dependency| site.conduits_crossed(d).iter().map(|c| &*site.conduits[c.ix()].id).collect::<Vec<_>>();

    // L2 operator station to the corporate directory: plant -> idmz -> corporate, two conduits.
    let auth = dep("hmi-01", "dc-01");
    assert!(matches!(auth.crossing, Crossing::Derived(_)));
    assert_eq!(route(auth), ["idmz-plant", "corp-idmz"]);
    assert!(auth.safety_relevant);
    assert_eq!(auth.criticality, Criticality::High, "defaults to the consumer's criticality");

    // Sibling zones under one parent use the conduit between them.
    assert_eq!(route(dep("hmi-01", "plc-01")), ["l2-l1"]);
    // Same zone: no conduit.
    assert_eq!(dep("plc-01", "sis-01").crossing, Crossing::WithinZone);
    assert!(dep("plc-01", "sis-01").safety_relevant, "safety dependencies are safety-relevant by default");
    // Named in the file.
    assert!(matches!(dep("ews-01", "jump-01").crossing, Crossing::Named(_)));
}

#[test]
fn version_ignores_order_format_and_split() {
    let base = loaded(&load_one(SMALL)).version().to_string();

    // Reversed table order.
    let mut bs = blocks(SMALL);
    bs.reverse();
    assert_eq!(loaded(&load_one(&bs.concat())).version(), base, "reordered tables");

    // Comments, blank lines and spacing.
    let reformatted: String =
        SMALL
            .lines()
            .map(|l| {
                if l.contains(" = ") { format!("{}   # note\n\n", l.replacen(" = ", "=", 1)) } else { format!("{l}\n") }
            })
            .collect();
    assert_eq!(loaded(&load_one(&reformatted)).version(), base, "reformatted");

    // One file per table, in a scrambled order, loaded on two threads.
    let files: Vec<(String, String)> =
        blocks(SMALL).into_iter().enumerate().map(|(i, b)| (format!("part-{:02}.toml", (i * 7) % 41), b)).collect();
    let files = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    assert_eq!(loaded(&load_many(files)).version(), base, "split into files");

    // Sets are sets: the order of functions, addresses and zones does not matter.
    let shuffled = SMALL
        .replace(
            r#"functions = ["authentication", "name-resolution"]"#,
            r#"functions = ["name-resolution", "authentication"]"#,
        )
        .replace(r#"zones = ["corp", "idmz"]"#, r#"zones = ["idmz", "corp"]"#);
    assert_eq!(loaded(&load_one(&shuffled)).version(), base, "set order");
}

#[test]
fn version_changes_with_content() {
    let base = loaded(&load_one(SMALL)).version().to_string();
    for (from, to) in [
        (
            r#"criticality = "critical"
owner = "it""#,
            r#"criticality = "high"
owner = "it""#,
        ),
        ("Operators log on with corporate accounts.", "Operators log on with their corporate accounts."),
        (r#"deputies = ["ben"]"#, r#"deputies = []"#),
        (r#"last_exercised = 2026-06-01"#, r#"last_exercised = 2026-06-02"#),
    ] {
        assert!(SMALL.contains(from), "{from}");
        let o = load_one(&SMALL.replacen(from, to, 1));
        assert_ne!(loaded(&o).version(), base, "changing {from:?} must change the version");
    }
}

#[test]
fn lookups_by_id() {
    let o = load_one(SMALL);
    let site = loaded(&o);
    assert!(site.asset_by_id("nope").is_none());
    let z = site.zone_by_id("plant-l1").unwrap();
    let chain: Vec<&str> = site.zone_chain(z).map(|z| &*site.zone(z).id).collect();
    assert_eq!(chain, ["plant-l1", "plant"]);
    assert_eq!(&*site.roles[site.role_by_id("ot-lead").unwrap().ix()].name, "OT lead");
    assert_eq!(&*site.people[site.person_by_id("vic").unwrap().ix()].name, "Vic");
}

#[test]
fn stale_manual_operation_warns_against_the_injected_date() {
    let o = load(
        vec![Source { path: "s.toml".into(), text: SMALL.into() }],
        &LoadOptions { today: Some(Date { year: 2027, month: 10, day: 1 }), threads: 1 },
    );
    let w: Vec<String> = o.warnings().map(|d| d.to_string()).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("last exercised on 2026-06-01, more than 15 months before 2027-10-01"), "{}", w[0]);
    assert!(o.site.is_some(), "warnings do not stop the model loading");
}

#[test]
fn actions_are_built_in_and_extended_by_the_site() {
    let o = load_one(SMALL);
    let site = loaded(&o);
    assert_eq!(site.actions.len(), Effect::ALL.len() + 1);
    let q = site.action("quarantine").unwrap();
    assert_eq!((q.effect, q.typical_minutes, q.from_site), (Effect::Isolate, 480, true));
    assert_eq!(q.it_reading, site.action("isolate").unwrap().it_reading, "unset readings come from the effect");
    let island = site.action("island-mode").unwrap();
    assert!(island.from_site && island.ot_reading.contains("every spring"));
    assert!(!site.action("isolate").unwrap().from_site);

    // Rewording a built-in changes the version; its effect cannot change.
    let base = site.version().to_string();
    let reworded = load_one(&SMALL.replace("as exercised every spring", "as exercised every autumn"));
    assert_ne!(loaded(&reworded).version(), base);
    let o = load_one(&SMALL.replace("verb = \"island-mode\"", "verb = \"island-mode\"\neffect = \"isolate\""));
    let e: Vec<String> = o.errors().map(|d| d.to_string()).collect();
    assert!(e.len() == 1 && e[0].contains("its effect cannot change"), "{e:?}");
    let o = load_one(&SMALL.replace("effect = \"isolate\"\ndefinition", "effect = \"isolte\"\ndefinition"));
    let e: Vec<String> = o.errors().map(|d| d.to_string()).collect();
    assert!(e.iter().any(|e| e.contains("did you mean \"isolate\"")), "{e:?}");
}

#[test]
fn a_dependency_channel_must_be_on_its_route() {
    let o = load_one(SMALL);
    let site = loaded(&o);
    let (hmi, dc) = (site.asset_by_id("hmi-01").unwrap(), site.asset_by_id("dc-01").unwrap());
    let dep = site.dependencies.iter().find(|d| d.consumer == hmi && d.provider == dc).unwrap();
    assert_eq!(site.channel_of(dep), Some("ldap"));

    let o = load_one(&SMALL.replace("channel = \"ldap\"", "channel = \"ldp\""));
    let e: Vec<String> = o.errors().map(|d| d.to_string()).collect();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("no conduit on the flow's route carries a channel \"ldp\"")
            && e[0].contains("did you mean \"ldap\""),
        "{}",
        e[0]
    );
}
