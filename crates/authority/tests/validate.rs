//! Each finding of the matrix validation, provoked on the example site with
//! a matrix written for the purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use authority::{Finding, Level, validate};
use site_model::{LoadOptions, Site, Source};

/// The example site with its authority.toml replaced (and people.toml edited by `people`).
fn site_with(matrix: &str, people: impl Fn(String) -> String) -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                let text = std::fs::read_to_string(&p).unwrap();
                let text = match name.as_str() {
                    "authority.toml" => matrix.to_string(),
                    "people.toml" => people(text),
                    _ => text,
                };
                files.push(Source { path: p.strip_prefix(&root).unwrap().display().to_string(), text });
            }
        }
    }
    let o = site_model::load(files, &LoadOptions::default());
    o.site.unwrap_or_else(|| panic!("{:?}", o.diagnostics))
}

/// A sound base: operations approves whatever costs the plant control, view or safety.
const BASE: &str = r#"
[authority]
default_ladder = "command"

[[authority.ladder]]
id = "command"
steps = [{ role = "incident-commander", after = "15m" }, { role = "plant-manager", after = "30m" }]

[[authority.rule]]
id = "ot-impact"
impact = ["ot-control-loss", "ot-view-loss", "safety-loss"]
approvals = [{ roles = ["ot-lead"] }]
"#;

fn findings(extra: &str) -> Vec<Finding> {
    validate(&site_with(&format!("{BASE}{extra}"), |t| t))
}

fn one<'a>(f: &'a [Finding], needle: &str) -> &'a Finding {
    let hits: Vec<&Finding> = f.iter().filter(|x| x.message.contains(needle)).collect();
    assert_eq!(hits.len(), 1, "{needle}: {}", f.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"));
    hits[0]
}

#[test]
fn the_base_is_clean() {
    assert_eq!(findings(""), vec![]);
}

#[test]
fn a_rule_that_can_never_match() {
    // No PLC sits in an IT zone of the example site.
    let f = findings(
        r#"
[[authority.rule]]
id = "it-plcs"
target_domains = ["it"]
target_kinds = ["plc"]
approvals = [{ roles = ["it-lead"] }]
"#,
    );
    let x = one(&f, "can never match");
    assert_eq!(x.level, Level::Warning);
    assert_eq!(x.subject, "rule \"it-plcs\"");
    assert!(x.help.as_deref().unwrap().contains("domain it") && x.help.as_deref().unwrap().contains("of kind plc"));
    assert!(x.place.line > 10, "{}", x.place);
}

#[test]
fn a_rule_shadowed_by_an_earlier_one() {
    let f = findings(
        r#"
[[authority.rule]]
id = "broad"
target_domains = ["ot"]
approvals = [{ roles = ["ot-lead"] }, { roles = ["plant-manager"] }]

[[authority.rule]]
id = "narrow"
target_domains = ["ot"]
target_kinds = ["plc"]
approvals = [{ roles = ["ot-lead"] }]
"#,
    );
    let x = one(&f, "is shadowed by rule \"broad\"");
    assert_eq!(x.subject, "rule \"narrow\"");
    // A later rule that asks for more is not shadowed.
    let f = findings(
        r#"
[[authority.rule]]
id = "broad"
target_domains = ["ot"]
approvals = [{ roles = ["ot-lead"] }]

[[authority.rule]]
id = "narrow"
target_domains = ["ot"]
target_kinds = ["plc"]
approvals = [{ roles = ["plant-manager"] }]
"#,
    );
    assert!(f.iter().all(|x| !x.message.contains("shadowed")), "{f:?}");
}

#[test]
fn a_verb_that_could_cost_ot_without_operations() {
    let site = site_with(
        r#"
[authority]

[[authority.rule]]
id = "it-decides"
approvals = [{ roles = ["it-lead"] }]
execute = ["it-lead"]

[[authority.rule]]
id = "ot-targets-only"
target_domains = ["ot"]
approvals = [{ roles = ["ot-lead"] }]
"#,
        |t| t,
    );
    let f = validate(&site);
    let x = f
        .iter()
        .find(|x| x.subject == "verb \"take-offline\"" && x.message.contains("ot-view-loss"))
        .expect("take-offline can cost OT its view");
    assert_eq!(x.level, Level::Error);
    // The rule on OT targets does not cover an IT target whose loss costs OT (the directory).
    assert!(x.message.contains("could be executed by it-lead"), "{}", x.message);
    assert!(x.help.as_deref().unwrap().contains("impact = [\"ot-view-loss\"]"));
}

#[test]
fn approvals_nobody_can_give() {
    let f = findings(
        r#"
[[authority.rule]]
id = "three-safety-officers"
impact = ["safety-loss"]
approvals = [{ roles = ["safety-officer"], count = 4 }]
"#,
    );
    let x = one(&f, "can never be satisfied");
    assert!(x.message.contains("4 approvals from safety-officer but only 3 people"), "{}", x.message);
    let f = findings(
        r#"
[[authority.rule]]
id = "joint-without-it"
impact = ["ot-view-loss"]
approvals = [{ roles = ["ot-lead"] }]
joint = true
"#,
    );
    let x = one(&f, "no holder of its approval roles is from IT");
    assert_eq!(x.level, Level::Error);
}

#[test]
fn roles_without_a_deputy() {
    let site = site_with(BASE, |t| t.replace("deputies = [\"hpatel\", \"nrossi\"]", "deputies = []"));
    let f = validate(&site);
    let x = one(&f, "has no deputy");
    assert_eq!(x.subject, "role \"ot-lead\"");
    assert_eq!(x.level, Level::Warning);
}

#[test]
fn ladders_that_loop_or_repeat_a_role() {
    let f = findings(
        r#"
[[authority.ladder]]
id = "a"
steps = [{ role = "plant-manager", after = "10m" }]
then = "b"

[[authority.ladder]]
id = "b"
steps = [{ role = "crisis-management-team", after = "10m" }]
then = "a"
"#,
    );
    let loops: Vec<&Finding> = f.iter().filter(|x| x.message.starts_with("loops: a -> b -> a")).collect();
    assert_eq!(loops.len(), 1, "{f:?}");
    let f = findings(
        r#"
[[authority.ladder]]
id = "twice"
steps = [{ role = "plant-manager", after = "10m" }, { role = "incident-commander", after = "10m" }, { role = "plant-manager", after = "10m" }]
"#,
    );
    assert!(one(&f, "is asked twice").message.contains("plant-manager"));
}
