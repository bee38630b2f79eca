//! The brief's scenarios on the example site: what each proposed action
//! needs, and why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use authority::{Engine, Requirement, VerdictKind, Vote, tally};
use site_model::{Domain, ImpactFact, PhaseWord};

fn has_group(req: &Requirement, roles: &[&str]) -> bool {
    req.groups.iter().any(|g| g.roles.iter().map(|r| &**r).eq(roles.iter().copied()))
}

fn rule<'a>(req: &'a Requirement, id: &str) -> Option<&'a authority::Matched> {
    req.rules.iter().find(|m| &*m.rule == id)
}

#[test]
fn disabling_the_directory_needs_operations_because_operator_stations_lose_authentication() {
    let site = common::riverbend();
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    let a = e.assess("take-offline dc-corp-01,dc-corp-02 for containment", PhaseWord::Contain).unwrap();
    let auth = a.facts.iter().find(|f| f.fact == ImpactFact::OtAuthenticationLoss).expect("OT loses authentication");
    assert!(auth.evidence.contains("authentication"), "{}", auth.evidence);
    let req = &a.requirement;
    let ops = rule(req, "ot-impact-needs-operations").expect("the operations rule matches");
    assert!(ops.because.iter().any(|b| b.contains("ot-authentication-loss")), "{:?}", ops.because);
    assert!(has_group(req, &["ot-lead"]), "{:?}", req.groups);
    // IT targets: IT executes, and IT approves too.
    assert!(rule(req, "it-targets").is_some());
    // every-action's and it-targets' groups are implied by the IT lead's.
    assert!(has_group(req, &["it-lead"]), "{:?}", req.groups);
    assert_eq!(req.groups.len(), 2, "{:?}", req.groups);
    assert_eq!(
        req.execute.as_deref().map(|v| v.iter().map(|r| &**r).collect::<Vec<_>>()),
        Some(vec!["incident-commander", "it-lead"])
    );
    assert!(req.veto.iter().any(|r| &**r == "safety-officer"));
    // The IT lead alone does not satisfy it: operations must sign.
    let it_roles: Vec<Box<str>> = vec!["it-lead".into()];
    let votes = [Vote { person: "psharma", roles: &it_roles, side: Some(Domain::It) }];
    let t = tally(req, "tnguyen", &votes);
    assert!(!t.satisfied);
    assert!(t.missing(req).iter().any(|m| m.contains("ot-lead")), "{:?}", t.missing(req));
    let ot_roles: Vec<Box<str>> = vec!["ot-lead".into()];
    let votes = [
        Vote { person: "psharma", roles: &it_roles, side: Some(Domain::It) },
        Vote { person: "eschmidt", roles: &ot_roles, side: Some(Domain::Ot) },
    ];
    let t = tally(req, "tnguyen", &votes);
    assert!(t.satisfied, "{:?} {:?}", req.groups, t.missing(req));
    // The proposer's own approval never counts.
    let t = tally(req, "eschmidt", &votes);
    assert!(!t.satisfied);
}

#[test]
fn killing_a_vendor_session_on_the_engineering_workstation_needs_ot_and_flags_a_half_applied_change() {
    let site = common::riverbend();
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    let a = e.assess("kill-session pathway:ridgeline/remote-support for containment", PhaseWord::Contain).unwrap();
    assert!(a.facts.iter().any(|f| f.fact == ImpactFact::HalfAppliedRisk), "{:?}", a.facts);
    assert_eq!(a.verdict, VerdictKind::Measures);
    let half = a.measures.iter().find(|m| m.contains("half-applied")).expect("a half-applied measure");
    assert!(half.contains("ews-01"), "{half}");
    let req = &a.requirement;
    assert!(has_group(req, &["ot-lead"]), "{:?}", req.groups);
    assert!(rule(req, "ot-targets").unwrap().because.iter().any(|b| b.contains("ews-01")));
    assert_eq!(req.execute.as_deref().map(|v| v.len()), Some(1));
}

#[test]
fn isolating_the_segment_that_carries_the_historian_needs_joint_sign_off_and_manual_verification() {
    let site = common::riverbend();
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    let hist = site.asset_by_id("hist-ot-01").unwrap();
    assert_eq!(&*site.zone(site.asset(hist).zone).id, "plant-ops");
    let a = e.assess("isolate zone:plant-ops for containment", PhaseWord::Contain).unwrap();
    assert!(a.facts.iter().any(|f| f.fact == ImpactFact::ItTelemetryLoss), "{:?}", a.facts);
    let req = &a.requirement;
    assert!(req.joint, "{:?}", req.rules);
    assert!(rule(req, "shared-picture-joint").is_some());
    assert!(a.measures.iter().any(|m| m.contains("manual verification")), "{:?}", a.measures);
    // One side alone is not enough, even with two approvers.
    let ot_roles: Vec<Box<str>> = vec!["ot-lead".into()];
    let it_roles: Vec<Box<str>> = vec!["it-lead".into()];
    let ot_only = [
        Vote { person: "eschmidt", roles: &ot_roles, side: Some(Domain::Ot) },
        Vote { person: "hpatel", roles: &ot_roles, side: Some(Domain::Ot) },
    ];
    let t = tally(req, "tnguyen", &ot_only);
    assert!(!t.satisfied);
    assert_eq!(t.missing_sides, vec![Domain::It]);
    let both = [
        Vote { person: "eschmidt", roles: &ot_roles, side: Some(Domain::Ot) },
        Vote { person: "psharma", roles: &it_roles, side: Some(Domain::It) },
    ];
    assert!(tally(req, "tnguyen", &both).satisfied);
}

#[test]
fn an_unsafe_action_on_the_safety_system_allows_no_override() {
    let site = common::riverbend();
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    let a = e.assess("isolate sis-chlor-01 for containment", PhaseWord::Contain).unwrap();
    assert_eq!(a.verdict, VerdictKind::Unsafe);
    let req = &a.requirement;
    assert!(rule(req, "safety-functions").is_some());
    assert!(req.override_roles.is_empty(), "{:?}", req.override_roles);
    assert_eq!(&*req.ladder[0].role, "plant-manager");
}

#[test]
fn the_example_matrix_validates_cleanly() {
    let site = common::riverbend();
    let findings = authority::validate(&site);
    assert!(findings.is_empty(), "{}", findings.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
}

#[test]
fn an_action_no_rule_covers_is_refused() {
    let site = common::riverbend();
    let mut site = site;
    if let Some(m) = &mut site.authority {
        m.rules.retain(|r| !r.when.verbs.is_empty());
    }
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    let err = e.assess("isolate hist-ot-01", PhaseWord::Contain).unwrap_err();
    assert!(err.to_string().contains("no rule of the authority matrix covers"), "{err}");
}

#[test]
fn assessing_is_deterministic() {
    let site = common::riverbend();
    let graph = impact::Graph::compile(&site);
    let e = Engine { site: &site, graph: &graph };
    // The proposal's assessment is recomputed when it is appended, and must be equal: every
    // part of it (facts, measures, explanations) must be the same every time.
    let mut texts: Vec<String> =
        ["take-offline dc-corp-01,dc-corp-02", "island-mode"].iter().map(|s| s.to_string()).collect();
    texts.extend(site.zones.iter().map(|z| format!("isolate zone:{}", z.id)));
    texts.extend(site.assets.iter().step_by(3).map(|a| format!("take-offline {}", a.id)));
    for text in &texts {
        let text = text.as_str();
        let Ok(first) = e.assess(text, PhaseWord::Contain) else { continue };
        for _ in 0..5 {
            let again = e.assess(text, PhaseWord::Contain).unwrap();
            if again != first {
                for (a, b) in first.measures.iter().zip(&again.measures) {
                    assert_eq!(a, b, "{text}: measures differ");
                }
                for (a, b) in first.facts.iter().zip(&again.facts) {
                    assert_eq!(a, b, "{text}: facts differ");
                }
                assert_eq!(first.summary, again.summary, "{text}");
                assert_eq!(first.requirement, again.requirement, "{text}");
                assert_eq!(first, again, "{text}");
            }
        }
    }
}
