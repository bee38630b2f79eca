#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The authority matrix through the real loader: the example site's matrix
//! (sites/riverbend/authority.toml, read from disk), its version, and each
//! mistake the loader reports with file, line and field.

use std::path::Path;

use site_model::authority::Authority;
use site_model::*;

const SMALL: &str = include_str!("fixtures/small.toml");
const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

/// The example site's files, read from disk: (path relative to the site, text), in path order.
fn riverbend_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                let rel = p.strip_prefix(&root).unwrap().display().to_string();
                files.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn riverbend_authority() -> String {
    riverbend_files().into_iter().find(|(p, _)| p == "authority.toml").map(|(_, t)| t).unwrap()
}

fn load_files(files: Vec<(String, String)>) -> Outcome {
    let sources = files.into_iter().map(|(path, text)| Source { path, text }).collect();
    load(sources, &LoadOptions { today: Some(TODAY), threads: 2 })
}

/// The example site with its `authority.toml` replaced by `authority`.
fn riverbend_with(authority: &str) -> Outcome {
    let files = riverbend_files()
        .into_iter()
        .map(|(p, t)| if p == "authority.toml" { (p, authority.to_string()) } else { (p, t) })
        .collect();
    load_files(files)
}

fn loaded(o: &Outcome) -> &Site {
    match &o.site {
        Some(s) => s,
        None => panic!("did not load:\n{}", o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

fn matrix(o: &Outcome) -> &Authority {
    loaded(o).authority.as_ref().expect("the site has an authority matrix")
}

/// `text` with the first `from` replaced by `to` (which must be there).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the text lacks {from:?}");
    text.replacen(from, to, 1)
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).unwrap_or_else(|| panic!("no {needle:?}"))
}

/// The only error of a load that must fail (the example site has warnings of its own).
fn the_error(o: &Outcome) -> &Diagnostic {
    assert!(o.site.is_none(), "a broken matrix must not load");
    let errors: Vec<&Diagnostic> = o.errors().collect();
    let all: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 1, "expected exactly one error:\n{}", all.join("\n"));
    errors[0]
}

fn role(site: &Site, id: &str) -> RoleIx {
    site.role_by_id(id).unwrap_or_else(|| panic!("no role {id}"))
}

#[test]
fn riverbend_loads_with_its_matrix() {
    let o = riverbend_with(&riverbend_authority());
    let site = loaded(&o);
    assert_eq!(o.error_count(), 0);
    let a = matrix(&o);
    let text = riverbend_authority();

    assert_eq!(a.escalate_minutes, 15);
    assert_eq!(a.override_roles, [role(site, "incident-commander")]);
    let ladders: Vec<&str> = a.ladders.iter().map(|l| &*l.id).collect();
    assert_eq!(ladders, ["command", "safety"]);
    let safety = ladders.iter().position(|l| *l == "safety");
    assert_eq!(a.ladder, ladders.iter().position(|l| *l == "command"));
    let command = &a.ladders[0];
    let steps: Vec<(&str, u32)> =
        command.steps.iter().map(|s| (&*site.roles[s.role.ix()].id, s.after_minutes)).collect();
    assert_eq!(steps, [("incident-commander", 15), ("plant-manager", 30), ("crisis-management-team", 60)]);
    assert_eq!(command.then, None);

    let rules: Vec<&str> = a.rules.iter().map(|r| &*r.id).collect();
    assert_eq!(
        rules,
        [
            "every-action",
            "it-targets",
            "ot-targets",
            "ot-impact-needs-operations",
            "shared-picture-joint",
            "safety-functions",
            "stopping-a-process",
            "vendor-access",
            "recovery-reconnection",
        ],
        "rules keep the order written"
    );
    let rule = |id: &str| a.rules.iter().find(|r| &*r.id == id).unwrap();

    let every = rule("every-action");
    assert!(!every.when.has_target_conditions() && every.when.impact.is_empty(), "no conditions: matches everything");
    assert_eq!(
        every.then.execute,
        Some(vec![role(site, "it-lead"), role(site, "ot-lead"), role(site, "incident-commander")])
    );
    assert_eq!(every.then.approvals.len(), 1);
    assert_eq!((every.then.approvals[0].roles.len(), every.then.approvals[0].count), (3, 1));
    assert_eq!(every.then.override_roles, None, "absent: the matrix default");
    assert_eq!(every.description.as_deref().map(|d| d.starts_with("Every response action")), Some(true));

    let ot = rule("ot-targets");
    assert_eq!(ot.then.escalate_minutes, Some(10));
    assert_eq!(ot.when.target_domains, [Domain::Ot]);
    assert!(ot.when.has_target_conditions());

    let sf = rule("safety-functions");
    assert_eq!(sf.then.override_roles, Some(Vec::new()), "present but empty: nobody may override");
    assert_eq!(sf.then.ladder, safety);
    assert_eq!(sf.then.veto, [role(site, "safety-officer")]);
    assert_eq!(sf.when.impact, [ImpactFact::SafetyLoss]);

    assert!(rule("shared-picture-joint").then.joint);
    assert_eq!(rule("shared-picture-joint").then.approvals.len(), 2);
    assert_eq!(rule("ot-impact-needs-operations").when.impact.len(), 9);
    let vendor = rule("vendor-access");
    let verbs: Vec<&str> = vendor.when.verbs.iter().map(|v| &**v).collect();
    assert_eq!(verbs, ["revoke-vendor-access", "kill-session"]);
    assert_eq!(vendor.then.execute, None);
    assert_eq!(rule("recovery-reconnection").when.phases, [PhaseWord::Recover]);

    // Places: the line of each table's header.
    assert_eq!((&*a.place.file, a.place.line), ("authority.toml", line_of(&text, "[authority]")));
    assert_eq!(a.ladders[1].place.line, line_of(&text, "id = \"safety\"") - 1);
    assert_eq!(every.place.line, line_of(&text, "id = \"every-action\"") - 1);
    assert_eq!(sf.place.to_string(), format!("authority.toml:{}", line_of(&text, "id = \"safety-functions\"") - 1));

    assert!(a.version.starts_with("sha256:") && a.version.len() == 7 + 64, "{}", a.version);
}

#[test]
fn a_site_without_a_matrix_loads_with_none() {
    let o = load(vec![Source { path: "site.toml".into(), text: SMALL.into() }], &LoadOptions::default());
    assert!(loaded(&o).authority.is_none());

    // The example site without its authority.toml.
    let files = riverbend_files().into_iter().filter(|(p, _)| p != "authority.toml").collect();
    let o = load_files(files);
    assert!(loaded(&o).authority.is_none());
    let without = loaded(&o).version().to_string();
    assert_ne!(
        loaded(&riverbend_with(&riverbend_authority())).version(),
        without,
        "the matrix is in the site's version"
    );
}

#[test]
fn a_matrix_of_rules_only_takes_the_defaults() {
    let text = "[[authority.rule]]\nid = \"ot\"\ntarget_domains = [\"ot\"]\napprovals = [{ roles = [\"ot-lead\"] }]\n";
    let o = load_files(vec![("site.toml".into(), SMALL.into()), ("authority.toml".into(), text.into())]);
    let a = matrix(&o);
    assert_eq!((a.escalate_minutes, a.ladder, a.override_roles.len()), (15, None, 0));
    assert_eq!(a.rules[0].then.approvals[0].count, 1, "count defaults to 1");
    assert_eq!((a.place.line, a.rules[0].place.line), (1, 1));
}

#[test]
fn every_condition_resolves() {
    let text = r#"
[authority]
escalate_after = "1h"

[[authority.rule]]
id = "all"
verbs = ["quarantine", "isolate", "isolate"]
target_domains = ["ot", "shared"]
target_zones = ["plant-l1", "idmz"]
target_levels = [1, 3.5, "2", "idmz"]
target_kinds = ["plc", "sis"]
target_criticality = ["high", "critical"]
target_functions = ["safety", "control"]
impact = ["unsafe", "needs-measures"]
intents = ["containment", "both"]
phases = ["contain", "eradicate"]
execute = []
approvals = [{ roles = ["ot-lead", "it-lead"], count = 2 }]
veto = ["ot-lead"]
escalate_after = "5m"
"#;
    let o = load_files(vec![("site.toml".into(), SMALL.into()), ("authority.toml".into(), text.into())]);
    let site = loaded(&o);
    let a = matrix(&o);
    assert_eq!(a.escalate_minutes, 60);
    let w = &a.rules[0].when;
    let verbs: Vec<&str> = w.verbs.iter().map(|v| &**v).collect();
    assert_eq!(verbs, ["quarantine", "isolate"], "a site verb and a built-in one; duplicates dropped");
    assert_eq!(w.target_domains, [Domain::Ot, Domain::Shared]);
    assert_eq!(w.target_zones, [site.zone_by_id("plant-l1").unwrap(), site.zone_by_id("idmz").unwrap()]);
    let levels: Vec<&str> = w.target_levels.iter().map(|l| l.as_str()).collect();
    assert_eq!(levels, ["1", "3.5", "2"], "3.5 and \"idmz\" are one level");
    assert_eq!(w.target_kinds, [AssetKind::Plc, AssetKind::SafetyController]);
    assert_eq!(w.target_criticality, [Criticality::High, Criticality::Critical]);
    assert_eq!(w.target_functions.iter().collect::<Vec<_>>(), [Function::Control, Function::Safety]);
    assert_eq!(w.impact, [ImpactFact::Unsafe, ImpactFact::NeedsMeasures]);
    assert_eq!(w.intents, [IntentWord::Containment, IntentWord::Both]);
    assert_eq!(w.phases, [PhaseWord::Contain, PhaseWord::Eradicate]);
    let t = &a.rules[0].then;
    assert_eq!(t.execute, Some(Vec::new()), "present but empty");
    assert_eq!((t.approvals[0].roles.len(), t.approvals[0].count), (2, 2));
    assert_eq!((t.escalate_minutes, t.ladder, t.joint), (Some(5), None, false));
}

#[test]
fn the_matrix_version_ignores_format_but_not_meaning() {
    let text = riverbend_authority();
    let base = riverbend_with(&text);
    let (version, site_version) = (matrix(&base).version.clone(), loaded(&base).version().to_string());

    // Keys reordered within tables, comments and blank lines, set-like lists shuffled,
    // ladders listed in another order.
    let reformatted = edit(
        &text,
        "id = \"ot-targets\"\ndescription = \"Anything done to a plant asset is executed by operations and approved by the OT lead.\"\ntarget_domains = [\"ot\"]\nexecute = [\"ot-lead\"]",
        "execute = [ \"ot-lead\" ]   # operations\n\ntarget_domains=[\"ot\"]\nid = \"ot-targets\"\ndescription = \"Anything done to a plant asset is executed by operations and approved by the OT lead.\"",
    );
    let reformatted = edit(
        &reformatted,
        "impact = [\"ot-view-loss\", \"it-telemetry-loss\"]",
        "# both pictures\nimpact = [\"it-telemetry-loss\", \"ot-view-loss\", \"ot-view-loss\"]",
    );
    let reformatted = edit(
        &reformatted,
        "approvals = [{ roles = [\"it-lead\"], count = 1 }, { roles = [\"ot-lead\"], count = 1 }]\njoint = true",
        "joint = true\napprovals = [{ count = 1, roles = [\"ot-lead\"] }, { roles = [\"it-lead\"] }]",
    );
    let reformatted = edit(
        &reformatted,
        "execute = [\"it-lead\", \"ot-lead\", \"incident-commander\"]",
        "execute = [\"incident-commander\", \"ot-lead\", \"it-lead\"]",
    );
    let command_ladder = &text[text.find("[[authority.ladder]]").unwrap()..text.find("# For actions on").unwrap()];
    let reformatted = edit(&reformatted, command_ladder, "");
    let reformatted = edit(&reformatted, "[[authority.rule]]", &format!("{command_ladder}[[authority.rule]]"));
    let o = riverbend_with(&reformatted);
    assert_eq!(matrix(&o).version, version, "reformatted");
    assert_eq!(loaded(&o).version(), site_version, "reformatted");
    assert_eq!(matrix(&o).ladders[0].id.as_ref(), "safety", "the ladders were reordered");
    assert_ne!(matrix(&o).rules[8].place, matrix(&base).rules[8].place, "places moved");

    // Meaning: rule order, step order, a description, a count, an override.
    let everything = &text[text.find("[[authority.rule]]\nid = \"every-action\"").unwrap()..];
    let it_targets = &everything[everything[1..].find("[[authority.rule]]").unwrap() + 1..];
    let it_targets = &it_targets[..it_targets[1..].find("[[authority.rule]]").unwrap() + 1];
    let swapped = edit(&text, it_targets, "");
    let swapped = edit(
        &swapped,
        "[[authority.rule]]\nid = \"every-action\"",
        &format!("{it_targets}[[authority.rule]]\nid = \"every-action\""),
    );
    let changes = [
        ("rules reordered", swapped),
        (
            "steps reordered",
            edit(
                &text,
                "  { role = \"plant-manager\", after = \"10m\" },\n  { role = \"crisis-management-team\", after = \"30m\" },",
                "  { role = \"crisis-management-team\", after = \"30m\" },\n  { role = \"plant-manager\", after = \"10m\" },",
            ),
        ),
        ("description", edit(&text, "IT security runs actions on IT assets.", "IT security runs actions on IT hosts.")),
        ("matrix description", edit(&text, "tabletop of March 2026", "tabletop of April 2026")),
        (
            "count",
            edit(
                &text,
                "approvals = [{ roles = [\"plant-manager\"], count = 1 }]",
                "approvals = [{ roles = [\"plant-manager\"], count = 2 }]",
            ),
        ),
        ("override", edit(&text, "ladder = \"safety\"\noverride = []", "ladder = \"safety\"")),
        (
            "default escalation",
            edit(&text, "escalate_after = \"15m\"\ndefault_ladder", "escalate_after = \"20m\"\ndefault_ladder"),
        ),
    ];
    for (what, changed) in changes {
        let o = riverbend_with(&changed);
        assert_ne!(matrix(&o).version, version, "{what}");
        assert_ne!(loaded(&o).version(), site_version, "{what}: the site's version follows");
    }
}

/// Loads the example with `from` replaced by `to` in its matrix; returns the one
/// error, the edited text and the line of `needle` in it.
fn broken(from: &str, to: &str, needle: &str) -> (Diagnostic, u32) {
    let text = edit(&riverbend_authority(), from, to);
    let o = riverbend_with(&text);
    let d = the_error(&o).clone();
    assert_eq!(d.file, "authority.toml", "{d}");
    (d, line_of(&text, needle))
}

#[test]
fn an_unknown_role_in_approvals_suggests_the_nearest() {
    let (d, line) = broken(
        "approvals = [{ roles = [\"it-lead\", \"ciso\"], count = 1 }]",
        "approvals = [{ roles = [\"it-lead\", \"cisoo\"], count = 1 }]",
        "\"cisoo\"",
    );
    assert_eq!(d.line, line, "{d}");
    assert_eq!(d.field, "authority > rule \"it-targets\" > approvals");
    assert_eq!(d.message, "unknown role \"cisoo\"");
    assert_eq!(d.help.as_deref(), Some("did you mean \"ciso\"?"));
}

#[test]
fn an_unknown_verb_suggests_the_nearest() {
    let (d, line) = broken("\"kill-session\"]", "\"kill-sesion\"]", "kill-sesion");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"vendor-access\" > verbs"), "{d}");
    assert_eq!(d.message, "unknown verb \"kill-sesion\"");
    assert_eq!(d.help.as_deref(), Some("did you mean \"kill-session\"?"));
}

#[test]
fn an_unknown_impact_fact_lists_the_words() {
    let (d, line) = broken("impact = [\"safety-loss\"]", "impact = [\"safety-los\"]", "\"safety-los\"");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"safety-functions\" > impact"), "{d}");
    assert_eq!(d.message, "unknown impact fact \"safety-los\"");
    assert!(d.expected.as_deref().unwrap().contains("\"half-applied-risk\""), "{d}");
    assert_eq!(d.help.as_deref(), Some("did you mean \"safety-loss\"?"));
}

#[test]
fn a_duplicate_rule_id_names_the_first() {
    let text = riverbend_authority();
    let first = line_of(&text, "id = \"it-targets\"");
    let (d, line) = broken("id = \"ot-targets\"", "id = \"it-targets\"", "Anything done to a plant asset");
    assert_eq!((d.line, d.field.as_str()), (line - 1, "authority > rule \"it-targets\" > id"), "{d}");
    assert_eq!(d.message, format!("duplicate rule id \"it-targets\", first defined at authority.toml:{first}:6"));
}

#[test]
fn a_duplicate_ladder_id_names_the_first() {
    let first = line_of(&riverbend_authority(), "id = \"command\"");
    let (d, line) = broken(
        "[[authority.rule]]\nid = \"every-action\"",
        "[[authority.ladder]]\nid = \"command\" # again\nsteps = [{ role = \"ciso\", after = \"5m\" }]\n\n[[authority.rule]]\nid = \"every-action\"",
        "# again",
    );
    assert_eq!((d.line, d.field.as_str()), (line, "authority > ladder \"command\" > id"), "{d}");
    assert_eq!(d.message, format!("duplicate ladder id \"command\", first defined at authority.toml:{first}:6"));
}

#[test]
fn a_ladder_needs_steps() {
    let text = riverbend_authority();
    let safety_steps = &text[text.find("id = \"safety\"\nsteps = [").unwrap()..];
    let safety_steps = &safety_steps[..safety_steps.find("]\n").unwrap() + 1];
    let (d, line) = broken(safety_steps, "id = \"safety\"\nsteps = []", "steps = []");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > ladder \"safety\" > steps"), "{d}");
    assert_eq!(d.message, "the ladder has no steps");

    // Missing altogether.
    let (d, line) = broken(safety_steps, "id = \"safety\"", "id = \"safety\"");
    assert_eq!((d.line, d.field.as_str()), (line - 1, "authority > ladder \"safety\" > steps"), "{d}");
    assert_eq!(d.message, "missing required field `steps`");
}

#[test]
fn an_unknown_key_in_a_rule_suggests_the_nearest() {
    let (d, line) = broken("escalate_after = \"10m\"", "escalate_afer = \"10m\"", "escalate_afer");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"ot-targets\" > escalate_afer"), "{d}");
    assert_eq!(d.message, "unknown field `escalate_afer`");
    assert_eq!(d.help.as_deref(), Some("did you mean `escalate_after`?"));
}

#[test]
fn unknown_ladders_zones_and_levels() {
    let (d, line) = broken("ladder = \"safety\"", "ladder = \"safty\"", "\"safty\"");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"safety-functions\" > ladder"), "{d}");
    assert_eq!((d.message.as_str(), d.help.as_deref()), ("unknown ladder \"safty\"", Some("did you mean \"safety\"?")));

    let (d, line) = broken("default_ladder = \"command\"", "default_ladder = \"comand\"", "\"comand\"");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > default_ladder"), "{d}");

    let (d, line) =
        broken("target_domains = [\"it\"]", "target_zones = [\"ent-server\"]", "target_zones = [\"ent-server\"]");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"it-targets\" > target_zones"), "{d}");
    assert_eq!(
        (d.message.as_str(), d.help.as_deref()),
        ("unknown zone \"ent-server\"", Some("did you mean \"ent-servers\"?"))
    );

    let (d, line) = broken("target_domains = [\"it\"]", "target_levels = [4, 7]", "target_levels");
    assert_eq!((d.line, d.message.as_str()), (line, "7 is not a Purdue level"), "{d}");

    let (d, line) = broken("target_domains = [\"it\"]", "target_domains = [\"IT\"]", "\"IT\"");
    assert_eq!((d.line, d.message.as_str()), (line, "unknown domain \"IT\""), "{d}");
}

#[test]
fn wrong_types_and_values() {
    let (d, line) = broken("joint = true", "joint = \"yes\"", "joint = \"yes\"");
    assert_eq!((d.line, d.field.as_str()), (line, "authority > rule \"shared-picture-joint\" > joint"), "{d}");
    assert_eq!((d.message.as_str(), d.expected.as_deref()), ("found a string", Some("true or false")));

    let (d, _) = broken(
        "approvals = [{ roles = [\"plant-manager\"], count = 1 }]",
        "approvals = [{ roles = [\"plant-manager\"], count = 0 }]",
        "count = 0",
    );
    assert_eq!(
        (d.field.as_str(), d.message.as_str()),
        ("authority > rule \"stopping-a-process\" > approvals > count", "0 is out of range"),
        "{d}"
    );

    let (d, _) = broken(
        "approvals = [{ roles = [\"plant-manager\"], count = 1 }]",
        "approvals = [{ roles = [], count = 1 }]",
        "roles = []",
    );
    assert_eq!(d.message, "the approval group lists no roles", "{d}");

    let (d, line) = broken("escalate_after = \"10m\"", "escalate_after = \"10 minutes\"", "10 minutes");
    assert_eq!((d.line, d.message.as_str()), (line, "\"10 minutes\" is not a duration"), "{d}");

    // The default ladder is `default_ladder`: `ladder` in [authority] lists the ladders.
    let text = "[authority]\nladder = \"command\"\n";
    let o = load_files(vec![("site.toml".into(), SMALL.into()), ("authority.toml".into(), text.into())]);
    let d = the_error(&o);
    assert_eq!((d.line, d.field.as_str()), (2, "authority > ladder"), "{d}");
    assert!(d.expected.as_deref().unwrap().contains("`default_ladder`"), "{d}");
}

#[test]
fn one_matrix_in_one_file() {
    // Two [authority] tables in two files.
    let mut files = riverbend_files();
    files.push(("zz-more.toml".into(), "# more\n[authority]\nescalate_after = \"5m\"\n".into()));
    let o = load_files(files);
    let d = the_error(&o);
    assert_eq!((d.file.as_str(), d.line, d.field.as_str()), ("zz-more.toml", 2, "authority"), "{d}");
    let first = line_of(&riverbend_authority(), "[authority]");
    assert_eq!(
        d.message,
        format!("the authority matrix is written in a second file; the first is at authority.toml:{first}:2")
    );

    // Rules in another file than the [authority] table.
    let mut files = riverbend_files();
    files.push(("zz-more.toml".into(), "[[authority.rule]]\nid = \"more\"\n".into()));
    let d = the_error(&load_files(files)).clone();
    assert_eq!((d.file.as_str(), d.line, d.field.as_str()), ("zz-more.toml", 1, "authority"), "{d}");

    // Twice in one file: a TOML error, at the second.
    let text = format!("{}\n[authority] # again\nescalate_after = \"5m\"\n", riverbend_authority());
    let o = riverbend_with(&text);
    assert!(o.site.is_none());
    let e: Vec<&Diagnostic> = o.errors().collect();
    assert!(e[0].message.starts_with("TOML syntax") && e[0].line == line_of(&text, "# again"), "{e:?}");

    // Written as an array of tables.
    let text = "[[authority]]\nescalate_after = \"5m\"\n";
    let o = load_files(vec![("site.toml".into(), SMALL.into()), ("authority.toml".into(), text.into())]);
    let d = the_error(&o);
    assert_eq!((d.line, d.field.as_str(), d.message.as_str()), (1, "authority", "`authority` is an array"), "{d}");
    assert_eq!(d.expected.as_deref(), Some("a single [authority] table (not [[authority]])"));
}

#[test]
fn the_documented_example_loads() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/site-model.md")).unwrap();
    let section = &doc[doc.find("## The authority matrix").unwrap()..];
    let example = &section[section.find("```toml\n").unwrap() + 8..];
    let example = &example[..example.find("```").unwrap()];
    let o = riverbend_with(example);
    let a = matrix(&o);
    assert_eq!((a.ladders.len(), a.rules.len(), a.ladder), (2, 2, Some(0)));
    assert_eq!(a.rules[1].then.approvals.iter().map(|g| g.count).collect::<Vec<_>>(), [1, 1]);
}
