#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The forms from an incident folded from hand-written events on the example
//! site: corrections and retractions in the timeline, decisions with dissent,
//! evidence and hypotheses, empty sections that say so, the ICS 214 of one
//! person, and a STIX bundle without actions.

use std::path::Path;

use incident::{
    Body, Category, Correction, Decision, Digest, Dissent, Event, Evidence, EvidenceSource, Hypothesis, Incident, Note,
    Opened, Severity, Timestamp,
};
use site_model::{LoadOptions, Site, Source};

fn riverbend() -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
            }
        }
    }
    let o = site_model::load(files, &LoadOptions::default());
    o.site.unwrap_or_else(|| panic!("{:?}", o.diagnostics))
}

fn t(minute: i64) -> Timestamp {
    Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minute * 60_000_000)
}

fn incident() -> Incident {
    let bodies = vec![
        (
            "mgarcia",
            Body::Opened(Opened {
                title: "Odd logins".into(),
                summary: "Logins at night".into(),
                category: Category::SuspiciousActivity,
                severity: Severity::Medium,
                site_version: Digest::ZERO,
            }),
        ),
        ("mgarcia", Body::Declared { reason: "real".into(), site_version: Digest::ZERO }),
        ("tnguyen", Body::Note(Note { text: "first wording".into(), domain: None })),
        (
            "tnguyen",
            Body::EvidenceCollected(Evidence {
                title: "auth.log".into(),
                source: EvidenceSource::Log,
                sha256: Some(Digest([7; 32])),
                location: None,
                collected_by: "tnguyen".into(),
                collected_at: t(3),
                assets: vec!["dc-corp-01".into()],
                description: None,
            }),
        ),
        (
            "tnguyen",
            Body::HypothesisProposed(Hypothesis {
                statement: "a stolen password".into(),
                evidence_for: vec![4],
                evidence_against: vec![],
            }),
        ),
        (
            "mgarcia",
            Body::DecisionRecorded(Decision {
                title: "Reset passwords".into(),
                options: vec!["now".into(), "tonight".into()],
                choice: 1,
                rationale: "fewer people on shift".into(),
                decided_by: vec!["mgarcia".into()],
                dissent: vec![Dissent { person: "psharma".into(), text: "every hour counts".into() }],
                evidence: vec![4],
                domain: None,
                site_version: Digest::ZERO,
                authority_version: None,
            }),
        ),
        ("tnguyen", Body::Note(Note { text: "a note in error".into(), domain: None })),
        (
            "tnguyen",
            Body::Corrected(Correction {
                supersedes: 3,
                reason: "typo".into(),
                replacement: Some(Box::new(Body::Note(Note { text: "second wording".into(), domain: None }))),
            }),
        ),
        ("tnguyen", Body::Corrected(Correction { supersedes: 7, reason: "wrong incident".into(), replacement: None })),
    ];
    let events = bodies
        .into_iter()
        .enumerate()
        .map(|(i, (actor, body))| Event {
            incident: "INC-20261126-1".into(),
            seq: i as u64 + 1,
            recorded_at: t(i as i64),
            actor: actor.into(),
            body,
        })
        .collect();
    Incident::fold(events, Digest::ZERO).unwrap()
}

#[test]
fn corrections_are_shown_as_such_and_decisions_keep_their_dissent() {
    let site = riverbend();
    let inc = incident();
    let r = report::aar::build(&site, &inc, t(60));
    assert_eq!(r.timeline.len(), 9);
    assert_eq!(r.timeline[2].superseded_by, Some(8));
    assert!(!r.timeline[2].retracted);
    assert!(r.timeline[6].retracted);
    assert_eq!(r.timeline[7].summary, "corrects #3: typo; now reads: note: second wording");
    assert_eq!(r.timeline[8].summary, "retracts #7: wrong incident");
    assert_eq!(r.decisions.len(), 1);
    assert_eq!(r.decisions[0].outcome, "tonight");
    assert_eq!(r.decisions[0].dissent[0].person, "psharma");
    assert!(r.approvals.is_empty() && r.overrides.is_empty() && r.deviations.is_empty());
    assert_eq!(r.evidence[0].sha256.as_deref(), Some(&*format!("sha256:{}", "07".repeat(32))));
    assert_eq!(r.hypotheses[0].evidence_for, vec!["#4 auth.log".to_string()]);
    assert!(r.lessons.note.starts_with("No lessons learned are recorded yet"));

    let md = r.to_markdown(&site);
    assert!(
        md.contains("| #3 | 2026-11-26T08:02:00-06:00 | tnguyen | note | note: first wording (CORRECTED by #8) |"),
        "{md}"
    );
    assert!(md.contains("note: a note in error (RETRACTED by #9)"), "{md}");
    assert!(md.contains("No response action was proposed."), "{md}");
    assert!(md.contains("No emergency override."), "{md}");
    assert!(md.contains("No deviation from the plan is recorded."), "{md}");
    assert!(md.contains("- **Opened:** 2026-11-26T08:00:00-06:00 by Maria Garcia (mgarcia)"), "{md}");
}

#[test]
fn the_activity_log_is_one_persons_and_unknown_people_are_refused() {
    let site = riverbend();
    let inc = incident();
    let log = report::ics::ics214(&site, &inc, "mgarcia", t(60)).unwrap();
    let seqs: Vec<u64> = log.activity.iter().map(|a| a.seq).collect();
    assert_eq!(seqs, vec![1, 2, 6]);
    assert_eq!(log.person_name, "Maria Garcia");
    assert!(matches!(
        report::ics::ics214(&site, &inc, "nobody", t(60)),
        Err(report::ReportError::UnknownPerson(p)) if p == "nobody"
    ));
    let briefing = report::ics::ics201(&site, &inc, t(60));
    assert!(briefing.current_actions.is_empty() && briefing.organisation.is_empty());
    assert!(briefing.to_markdown(&site).contains("No position is held."));
}

#[test]
fn a_bundle_without_actions_has_the_incident_and_its_observables() {
    let site = riverbend();
    let inc = incident();
    let b = report::stix::bundle(&site, &inc);
    assert_eq!(b, report::stix::bundle(&site, &inc));
    let objects = b["objects"].as_array().unwrap();
    let types: Vec<&str> = objects.iter().map(|o| o["type"].as_str().unwrap()).collect();
    assert_eq!(types.iter().filter(|t| **t == "course-of-action").count(), 0);
    assert!(types.contains(&"incident") && types.contains(&"identity") && types.contains(&"grouping"));
    // dc-corp-01's addresses, named by the evidence; the retracted note names nothing.
    let values: Vec<&str> = objects.iter().filter_map(|o| o["value"].as_str()).collect();
    assert_eq!(values, vec!["10.10.10.11", "dc01.corp.riverbend.example"]);
    let file = objects.iter().find(|o| o["type"] == "file").unwrap();
    assert_eq!(file["hashes"]["SHA-256"], "07".repeat(32));
}
