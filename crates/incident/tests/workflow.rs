#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The workflow rules, case by case: who may raise and declare, every change
//! with a reason, references checked against the site and the incident,
//! corrections superseding earlier events.

mod common;

use common::*;
use incident::*;
use site_model::Domain;

fn refused(r: Result<u64, StageError>) -> String {
    match r {
        Ok(seq) => panic!("accepted as #{seq}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_response_team_raises_and_a_commander_declares() {
    let mut log = Log::new();
    log.open("analyst", 0).unwrap();
    assert_eq!(log.inc().status, Status::Candidate);
    log.add("analyst", 1, Body::Escalated { reason: s("more stations affected") }).unwrap();
    assert_eq!(log.inc().status, Status::Escalated);
    // The analyst is on the response team, but declaring needs the commander role.
    let e = refused(log.add("analyst", 2, Body::Declared { reason: s("serious"), site_version: log.v() }));
    assert!(e.contains("analyst may not declare") && e.contains("incident-commander"), "{e}");
    // The deputy of the commander role may declare.
    log.add("deputy", 3, Body::Declared { reason: s("plant-wide login failure"), site_version: log.v() }).unwrap();
    assert_eq!(log.inc().status, Status::Declared);
    assert_eq!(log.inc().declared, Some(3));
    let e = refused(log.add("commander", 4, Body::Declared { reason: s("again"), site_version: log.v() }));
    assert!(e.contains("already declared"), "{e}");
}

#[test]
fn only_the_response_team_or_a_commander_raises() {
    let mut log = Log::new();
    let e = refused(log.open("operator", 0));
    assert!(e.contains("operator may not raise an incident") && e.contains("response team"), "{e}");
    assert!(log.inc.is_none() && log.rows.is_empty());
    log.open("commander", 0).unwrap();
}

#[test]
fn unknown_people_get_a_hint() {
    let mut log = Log::new();
    let e = refused(log.open("analist", 0));
    assert!(e.contains("unknown person \"analist\"") && e.contains("did you mean \"analyst\""), "{e}");
}

#[test]
fn a_decision_is_stamped_with_the_site_version() {
    let mut log = Log::declared();
    let ev = log.add("analyst", 10, evidence("analyst", 9, EvidenceSource::Log)).unwrap();
    let decision = |v: Digest, choice: u32| {
        Body::DecisionRecorded(Decision {
            title: s("Keep the plant running on local accounts"),
            options: vec![s("disable the domain trust"), s("keep it and monitor")],
            choice,
            rationale: s("operators need the HMIs; local accounts are enough"),
            decided_by: vec![s("commander"), s("otlead")],
            dissent: vec![Dissent { person: s("itlead"), text: s("the trust is how they got in") }],
            evidence: vec![ev],
            domain: Some(Domain::Shared),
            site_version: v,
            authority_version: None,
        })
    };
    let e = refused(log.add("keeper", 11, decision(Digest([1; 32]), 1)));
    assert!(e.contains("evaluated against site model sha256:0101"), "{e}");
    let e = refused(log.add("keeper", 11, decision(log.v(), 2)));
    assert!(e.contains("choice: option 3 of 2"), "{e}");
    let seq = log.add("keeper", 11, decision(log.v(), 1)).unwrap();
    assert_eq!(log.inc().decisions, vec![seq]);
}

#[test]
fn every_change_needs_a_reason() {
    let mut log = Log::declared();
    for body in [
        Body::SeverityChanged { severity: Severity::High, reason: s(" ") },
        Body::PhaseChanged { phase: Phase::Contain, reason: s("") },
        Body::Escalated { reason: s("") },
    ] {
        let e = refused(log.add("commander", 10, body));
        assert!(e.contains("reason: must not be empty") || e.contains("only a candidate"), "{e}");
    }
    log.add("commander", 10, Body::SeverityChanged { severity: Severity::High, reason: s("two plants") }).unwrap();
    let e = refused(log.add("commander", 11, Body::SeverityChanged { severity: Severity::High, reason: s("x") }));
    assert!(e.contains("already high"), "{e}");
    assert_eq!(log.inc().severity, Severity::High);
}

#[test]
fn phases_move_by_command_once_declared() {
    let mut log = Log::new();
    log.open("analyst", 0).unwrap();
    let e = refused(log.add("commander", 1, Body::PhaseChanged { phase: Phase::Contain, reason: s("go") }));
    assert!(e.contains("once the incident is declared"), "{e}");
    let mut log = Log::declared();
    let e = refused(log.add("analyst", 6, Body::PhaseChanged { phase: Phase::Contain, reason: s("go") }));
    assert!(e.contains("analyst may not change the phase"), "{e}");
    log.add("commander", 6, Body::PhaseChanged { phase: Phase::Contain, reason: s("scope known") }).unwrap();
    log.add("commander", 7, Body::PhaseChanged { phase: Phase::Closed, reason: s("done") }).unwrap();
    let e = refused(log.add(
        "operator",
        8,
        Body::Observation(Observation { text: s("late"), observed_at: at(8), domain: None, assets: vec![] }),
    ));
    assert!(e.contains("closed"), "{e}");
    log.add("operator", 8, note("for the lessons-learned review")).unwrap();
    log.add("deputy", 9, Body::PhaseChanged { phase: Phase::Recover, reason: s("reinfection") }).unwrap();
    assert_eq!(log.inc().phase, Phase::Recover);
}

#[test]
fn a_dismissed_candidate_takes_only_notes() {
    let mut log = Log::new();
    log.open("analyst", 0).unwrap();
    let e = refused(log.add("analyst", 1, Body::Dismissed { reason: s("false positive") }));
    assert!(e.contains("analyst may not dismiss"), "{e}");
    log.add("commander", 1, Body::Dismissed { reason: s("scheduled maintenance") }).unwrap();
    let e = refused(log.add("commander", 2, Body::Declared { reason: s("x"), site_version: log.v() }));
    assert!(e.contains("dismissed"), "{e}");
    log.add("analyst", 2, note("maintenance window confirmed with operations")).unwrap();
}

#[test]
fn positions_are_assigned_and_handed_over_with_a_briefing() {
    let mut log = Log::declared();
    let assign = |role: &str, person: &str, v| Body::Assigned {
        role: s(role),
        person: s(person),
        reason: s("on shift"),
        site_version: v,
    };
    log.add("commander", 6, assign("it-lead", "itlead", log.v())).unwrap();
    log.add("commander", 6, assign("ot-lead", "otlead", log.v())).unwrap();
    let e = refused(log.add("analyst", 7, assign("safety-officer", "safety", log.v())));
    assert!(e.contains("analyst may not assign"), "{e}");
    let e = refused(log.add("commander", 7, assign("safety-oficer", "safety", log.v())));
    assert!(e.contains("unknown role") && e.contains("safety-officer"), "{e}");
    let e = refused(log.add("commander", 7, assign("ot-lead", "operator", log.v())));
    assert!(e.contains("held by otlead"), "{e}");

    // The handover freezes the state as it is.
    let snapshot = log.inc().snapshot();
    assert_eq!(snapshot.assignments, vec![(s("it-lead"), s("itlead")), (s("ot-lead"), s("otlead"))]);
    let handover = |snap: Snapshot| {
        Body::HandedOver(Handover {
            role: s("ot-lead"),
            from: s("otlead"),
            to: s("operator"),
            reason: s("end of shift"),
            briefing: Briefing { snapshot: snap, current_actions: s("HMIs on local accounts; watching PLC") },
        })
    };
    let mut stale = snapshot.clone();
    stale.as_of -= 1;
    let e = refused(log.add("otlead", 8, handover(stale)));
    assert!(e.contains("snapshot"), "{e}");
    log.add("otlead", 8, handover(snapshot)).unwrap();
    assert_eq!(&*log.inc().positions["ot-lead"].person, "operator");
    log.add("operator", 9, Body::Relieved { role: s("ot-lead"), reason: s("otlead back") }).unwrap();
    assert!(!log.inc().positions.contains_key("ot-lead"));
    assert_eq!(log.reload().snapshot(), log.inc().snapshot());
}

#[test]
fn evidence_keeps_its_chain_of_custody() {
    let mut log = Log::declared();
    let e = refused(log.add("analyst", 10, evidence("analyst", 20, EvidenceSource::SessionRecord)));
    assert!(e.contains("collected at"), "collected after it is recorded: {e}");
    let ev = log.add("analyst", 10, evidence("analyst", 9, EvidenceSource::SessionRecord)).unwrap();
    let transfer = |from: &str, to: &str, minute| {
        Body::CustodyTransferred(Custody {
            evidence: ev,
            from: s(from),
            to: s(to),
            at: at(minute),
            reason: s("analysis"),
        })
    };
    let e = refused(log.add("itlead", 11, transfer("itlead", "keeper", 11)));
    assert!(e.contains("in the custody of analyst"), "{e}");
    let e = refused(log.add("analyst", 11, transfer("analyst", "keeper", 8)));
    assert!(e.contains("before the evidence was collected"), "{e}");
    log.add("analyst", 11, transfer("analyst", "itlead", 11)).unwrap();
    assert_eq!(&*log.inc().evidence[&ev].custodian, "itlead");
    let e = refused(log.add(
        "analyst",
        12,
        Body::CustodyTransferred(Custody {
            evidence: 1,
            from: s("analyst"),
            to: s("keeper"),
            at: at(12),
            reason: s("x"),
        }),
    ));
    assert!(e.contains("#1 is a opened event"), "{e}");
}

#[test]
fn unknown_references_are_refused() {
    let mut log = Log::declared();
    let obs = |assets: Vec<Box<str>>| {
        Body::Observation(Observation {
            text: s("HMI shows stale values"),
            observed_at: at(4),
            domain: Some(Domain::Ot),
            assets,
        })
    };
    let e = refused(log.add("operator", 10, obs(vec![s("hmi-02")])));
    assert!(e.contains("unknown asset \"hmi-02\"") && e.contains("hmi-01"), "{e}");
    log.add("operator", 10, obs(vec![s("hmi-01")])).unwrap();
    let hyp = |evidence_for| {
        Body::HypothesisProposed(Hypothesis {
            statement: s("stolen VPN creds"),
            evidence_for,
            evidence_against: vec![],
        })
    };
    let e = refused(log.add("analyst", 11, hyp(vec![99])));
    assert!(e.contains("evidence #99 does not exist"), "{e}");
    let e = refused(log.add("analyst", 11, hyp(vec![3])));
    assert!(e.contains("#3 is a observation event"), "{e}");
    let e = refused(log.add(
        "operator",
        11,
        Body::SituationAssessed(Situation {
            process: Some(s("filtraton")),
            process_state: Some(ProcessState::Stable),
            control: None,
            view: Some(Integrity::InQuestion),
            reason: s("values stale"),
            evidence: vec![],
        }),
    ));
    assert!(e.contains("unknown process") && e.contains("filtration"), "{e}");
    assert_eq!(log.inc().seq(), 3, "nothing refused was folded in");
}

#[test]
fn situation_is_tracked_per_field_and_per_process() {
    let mut log = Log::declared();
    let sit = |process: Option<&str>, ps, control, view| {
        Body::SituationAssessed(Situation {
            process: process.map(s),
            process_state: ps,
            control,
            view,
            reason: s("checked"),
            evidence: vec![],
        })
    };
    let e = refused(log.add("operator", 6, sit(None, None, None, None)));
    assert!(e.contains("at least one"), "{e}");
    log.add(
        "operator",
        6,
        sit(None, Some(ProcessState::Stable), Some(Integrity::Trusted), Some(Integrity::InQuestion)),
    )
    .unwrap();
    log.add("otlead", 7, sit(None, None, None, Some(Integrity::Compromised))).unwrap();
    log.add("otlead", 8, sit(Some("filtration"), Some(ProcessState::Abnormal), None, None)).unwrap();
    let inc = log.inc();
    assert_eq!(inc.situation.process_state, Some(ProcessState::Stable));
    assert_eq!(inc.situation.view, Some(Integrity::Compromised));
    assert_eq!(inc.situation.last, Some(4));
    assert_eq!(inc.processes["filtration"].process_state, Some(ProcessState::Abnormal));
}

#[test]
fn hypotheses_move_with_evidence_for_and_against() {
    let mut log = Log::declared();
    let e1 = log.add("analyst", 10, evidence("analyst", 9, EvidenceSource::SessionRecord)).unwrap();
    let e2 = log.add("operator", 11, evidence("operator", 9, EvidenceSource::MaintenanceSchedule)).unwrap();
    let h = log
        .add(
            "analyst",
            12,
            Body::HypothesisProposed(Hypothesis {
                statement: s("vendor session was the entry"),
                evidence_for: vec![e1],
                evidence_against: vec![],
            }),
        )
        .unwrap();
    let update = |status, against: Vec<u64>| {
        Body::HypothesisUpdated(HypothesisUpdate {
            hypothesis: h,
            status,
            evidence_for: vec![],
            evidence_against: against,
            reason: s("maintenance window matches"),
        })
    };
    let e = refused(log.add("operator", 13, update(HypothesisStatus::Open, vec![])));
    assert!(e.contains("already open"), "{e}");
    log.add("operator", 13, update(HypothesisStatus::Refuted, vec![e2])).unwrap();
    let st = &log.inc().hypotheses[&h];
    assert_eq!(
        (st.status, st.evidence_for.clone(), st.evidence_against.clone()),
        (HypothesisStatus::Refuted, vec![e1], vec![e2])
    );
    assert!(log.inc().snapshot().open_hypotheses.is_empty());
}

#[test]
fn corrections_supersede_without_editing() {
    let mut log = Log::declared();
    let n = log.add("operator", 6, note("PLC in RUN")).unwrap();
    let ev = log.add("analyst", 7, evidence("analyst", 6, EvidenceSource::Log)).unwrap();
    // Someone else may not correct the operator's note; the timeline keeper and command may.
    let fix = |target, replacement: Option<Body>| {
        Body::Corrected(Correction {
            supersedes: target,
            reason: s("wrong controller"),
            replacement: replacement.map(Box::new),
        })
    };
    let e = refused(log.add("analyst", 8, fix(n, Some(note("PLC in PROGRAM")))));
    assert!(e.contains("analyst may not correct someone else's entry"), "{e}");
    let e = refused(log.add("operator", 8, fix(n, Some(Body::Dismissed { reason: s("x") }))));
    assert!(e.contains("must be one too"), "{e}");
    let e = refused(log.add("commander", 8, fix(2, None)));
    assert!(e.contains("not corrected in place"), "{e}");
    let c1 = log.add("operator", 8, fix(n, Some(note("PLC-01 in RUN, key in REMOTE")))).unwrap();
    let c2 = log.add("keeper", 9, fix(n, Some(note("PLC-01 in RUN, key in PROG")))).unwrap();
    let inc = log.inc();
    assert_eq!(inc.superseded_by(n), Some(c2));
    assert!(matches!(inc.effective(n), Some(Body::Note(x)) if &*x.text == "PLC-01 in RUN, key in PROG"));
    // The original stays in the log, untouched.
    assert!(matches!(&inc.event(n).unwrap().body, Body::Note(x) if &*x.text == "PLC in RUN"));
    assert!(c1 < c2);
    // Retracting evidence takes it out of the state; references to it are refused.
    log.add("analyst", 10, fix(ev, None)).unwrap();
    assert!(!log.inc().evidence.contains_key(&ev));
    let e = refused(log.add(
        "analyst",
        11,
        Body::HypothesisProposed(Hypothesis { statement: s("x"), evidence_for: vec![ev], evidence_against: vec![] }),
    ));
    assert!(e.contains(&format!("evidence #{ev} was retracted")), "{e}");
    let e = refused(log.add("commander", 11, fix(c1, None)));
    assert!(e.contains("correction event"), "{e}");
    assert_eq!(log.reload().snapshot(), log.inc().snapshot());
}

#[test]
fn oversized_and_malformed_text_is_refused() {
    let mut log = Log::declared();
    let e = refused(log.add("operator", 6, note(&"x".repeat(16 * 1024 + 1))));
    assert!(e.contains("longer than the 16384-byte limit"), "{e}");
    let e = refused(log.add("operator", 6, note("bell \u{7}")));
    assert!(e.contains("control characters"), "{e}");
    let e = refused(log.add(
        "operator",
        6,
        Body::CommunicationPublished(Communication { audience: s("ops\nfloor"), channel: s("radio"), text: s("x") }),
    ));
    assert!(e.contains("audience: must be one line"), "{e}");
    // A note of 16 KiB is fine, and a many-line note too.
    log.add("operator", 6, note(&"y".repeat(16 * 1024))).unwrap();
    log.add("operator", 6, note("line one\nline two\ttabbed")).unwrap();
}

#[test]
fn observed_times_may_not_be_in_the_future_of_their_recording() {
    let mut log = Log::declared();
    let obs =
        |t| Body::Observation(Observation { text: s("alarm flood"), observed_at: t, domain: None, assets: vec![] });
    // 4 minutes of clock skew is tolerated, 6 are not.
    log.add("operator", 10, obs(at(14))).unwrap();
    let e = refused(log.add("operator", 10, obs(at(16))));
    assert!(e.contains("observed at: 2026-11-26T08:16:00-06:00 is after"), "{e}");
    // A long time before is fine: things are often found late.
    log.add("operator", 10, obs(Timestamp::parse("2026-11-01T03:00:00+01:00").unwrap())).unwrap();
}

#[test]
fn events_must_follow_the_head_of_their_own_incident() {
    let mut log = Log::declared();
    let mut e = log.inc().next_event("operator", at(6), note("x"));
    e.seq = 7;
    let err = log.stage(vec![e]).unwrap_err().to_string();
    assert!(err.contains("numbered 7; the next event of this incident is 3"), "{err}");
    let mut e = log.inc().next_event("operator", at(6), note("x"));
    e.incident = s("INC-2");
    let err = log.stage(vec![e]).unwrap_err().to_string();
    assert!(err.contains("belongs to incident INC-2"), "{err}");
    let e = first_event(
        "bad id!",
        "analyst",
        at(0),
        match &log.inc().event(1).unwrap().body {
            Body::Opened(o) => o.clone(),
            _ => unreachable!(),
        },
    );
    let mut fresh = Log::new();
    let err = fresh.stage(vec![e]).unwrap_err().to_string();
    assert!(err.contains("incident id \"bad id!\" is not valid"), "{err}");
}

#[test]
fn a_batch_is_checked_as_a_whole() {
    let mut log = Log::new();
    let opened = Opened {
        title: s("t"),
        summary: s("s"),
        category: Category::Ransomware,
        severity: Severity::Critical,
        site_version: log.v(),
    };
    let first = first_event("INC-1", "commander", at(0), opened);
    let mut second = Event {
        incident: s("INC-1"),
        seq: 2,
        recorded_at: at(0),
        actor: s("commander"),
        body: Body::Declared { reason: s("ransom note on the historian"), site_version: log.v() },
    };
    log.stage(vec![first.clone(), second.clone()]).unwrap();
    assert_eq!(log.inc().status, Status::Declared);
    // The same batch with a bad second event fails as a whole.
    let mut other = Log::new();
    second.actor = s("analyst");
    assert!(other.stage(vec![first, second]).is_err());
    assert!(other.inc.is_none() && other.rows.is_empty());
}

#[test]
fn a_checkpoint_signs_the_head_it_follows() {
    let mut log = Log::declared();
    log.add("operator", 6, note("PLC in RUN")).unwrap();
    let secret = [42u8; 32];
    let inc = log.inc();
    let good = checkpoint::sign(&secret, "INC-1", inc.seq(), inc.head());
    // A checkpoint of an older head, and one whose signature is not over this head, are refused.
    let stale = checkpoint::sign(&secret, "INC-1", inc.seq() - 1, inc.head());
    let e = refused(log.add("keeper", 7, Body::Checkpoint(stale)));
    assert!(e.contains("a checkpoint signs the head it follows"), "{e}");
    let mut forged = good;
    forged.signature[0] ^= 1;
    let e = refused(log.add("keeper", 7, Body::Checkpoint(forged)));
    assert!(e.contains("signature: the signature does not verify"), "{e}");
    let seq = log.add("keeper", 7, Body::Checkpoint(good)).unwrap();
    assert_eq!(log.inc().checkpoints, vec![seq]);
    assert!(good.verify("INC-1", Some(&checkpoint::public_key(&secret))).is_ok());
    let other = checkpoint::public_key(&[7u8; 32]);
    assert!(matches!(good.verify("INC-1", Some(&other)), Err(CheckpointError::Untrusted { .. })));
    assert!(matches!(good.verify("INC-2", None), Err(CheckpointError::Signature(_))));
    // Closed incidents can still be sealed.
    log.add("commander", 8, Body::PhaseChanged { phase: Phase::Closed, reason: s("done") }).unwrap();
    let inc = log.inc();
    let last = checkpoint::sign(&secret, "INC-1", inc.seq(), inc.head());
    log.add("keeper", 9, Body::Checkpoint(last)).unwrap();
    assert_eq!(log.reload().checkpoints.len(), 2);
}
