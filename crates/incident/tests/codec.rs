#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The canonical encoding: round trips for arbitrary events, exactly one
//! encoding per event, arbitrary bytes never panic the decoder, and golden
//! bytes that change only with a new encoding version.

use authority::{Assessment, Fact, Group, Matched, Requirement, Rung, VerdictKind};
use incident::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use site_model::{Domain, ImpactFact};

fn text() -> impl Strategy<Value = Box<str>> {
    prop_oneof![".{0,12}", "[a-z0-9-]{1,8}", Just(String::new())].prop_map(Box::from)
}

fn time() -> impl Strategy<Value = Timestamp> {
    (time::MIN_MICROS / 2..time::MAX_MICROS / 2, -1439i16..=1439).prop_map(|(m, o)| Timestamp::new(m, o).unwrap())
}

fn digest() -> impl Strategy<Value = Digest> {
    any::<[u8; 32]>().prop_map(Digest)
}

fn seqs() -> impl Strategy<Value = Vec<u64>> {
    vec(any::<u64>(), 0..4)
}

fn texts() -> impl Strategy<Value = Vec<Box<str>>> {
    vec(text(), 0..4)
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn domain() -> impl Strategy<Value = Option<Domain>> {
    option::of(pick(Domain::ALL))
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        any::<u64>(),
        pick(Status::ALL),
        pick(Severity::ALL),
        pick(Category::ALL),
        pick(Phase::ALL),
        option::of(pick(ProcessState::ALL)),
        option::of(pick(Integrity::ALL)),
        option::of(pick(Integrity::ALL)),
        vec((text(), text()), 0..3),
        seqs(),
        seqs(),
        seqs(),
    )
        .prop_map(
            |(as_of, status, severity, category, phase, process_state, control, view, assignments, h, d, e)| Snapshot {
                as_of,
                status,
                severity,
                category,
                phase,
                process_state,
                control,
                view,
                assignments,
                open_hypotheses: h,
                decisions: d,
                evidence: e,
            },
        )
}

fn requirement() -> impl Strategy<Value = Requirement> {
    (
        vec((text(), texts()), 0..3),
        vec((texts(), any::<u32>()), 0..3),
        any::<bool>(),
        texts(),
        option::of(texts()),
        texts(),
        any::<u32>(),
        vec((text(), any::<u32>()), 0..3),
    )
        .prop_map(|(rules, groups, joint, veto, execute, override_roles, escalate_minutes, ladder)| Requirement {
            rules: rules.into_iter().map(|(rule, because)| Matched { rule, because }).collect(),
            groups: groups.into_iter().map(|(roles, count)| Group { roles, count }).collect(),
            joint,
            veto,
            execute,
            override_roles,
            escalate_minutes,
            ladder: ladder.into_iter().map(|(role, minutes)| Rung { role, minutes }).collect(),
        })
}

fn assessment() -> impl Strategy<Value = Assessment> {
    (
        text(),
        pick(VerdictKind::ALL),
        texts(),
        texts(),
        vec((pick(ImpactFact::ALL), text()), 0..4),
        texts(),
        requirement(),
    )
        .prop_map(|(action, verdict, unsafe_reasons, measures, facts, summary, requirement)| Assessment {
            action,
            verdict,
            unsafe_reasons,
            measures,
            facts: facts.into_iter().map(|(fact, evidence)| Fact { fact, evidence }).collect(),
            summary,
            requirement,
        })
}

fn stance() -> impl Strategy<Value = Stance> {
    (any::<u64>(), text(), texts(), domain(), digest(), digest()).prop_map(
        |(action, rationale, roles, side, site_version, authority_version)| Stance {
            action,
            rationale,
            roles,
            side,
            site_version,
            authority_version,
        },
    )
}

fn action_note() -> impl Strategy<Value = ActionNote> {
    (any::<u64>(), text()).prop_map(|(action, note)| ActionNote { action, note })
}

fn execution_report() -> impl Strategy<Value = ExecutionReport> {
    (any::<u64>(), pick(ExecutionOutcome::ALL), text()).prop_map(|(action, outcome, note)| ExecutionReport {
        action,
        outcome,
        note,
    })
}

fn check_spec() -> impl Strategy<Value = CheckSpec> {
    (text(), option::of(text()), text()).prop_map(|(kind, expected, source)| CheckSpec { kind, expected, source })
}

fn plan_item() -> impl Strategy<Value = PlanItem> {
    (text(), text(), text(), option::of(text()), vec(check_spec(), 0..3))
        .prop_map(|(asset, stage, reason, reentry, checks)| PlanItem { asset, stage, reason, reentry, checks })
}

fn check_record() -> impl Strategy<Value = CheckRecord> {
    (text(), text(), text(), option::of(text()), any::<bool>(), text(), option::of(digest()), option::of(text()))
        .prop_map(|(asset, kind, observed, expected, passed, detail, artefact, note)| CheckRecord {
            asset,
            kind,
            observed,
            expected,
            passed,
            detail,
            artefact,
            note,
        })
}

fn task() -> impl Strategy<Value = Task> {
    (
        text(),
        option::of(text()),
        option::of(text()),
        pick(TaskDomain::ALL),
        texts(),
        option::of(time()),
        option::of(any::<u64>()),
        seqs(),
        option::of((any::<u64>(), any::<u32>())),
        option::of((text(), pick(Intrusiveness::ALL))),
    )
        .prop_map(|(title, owner, role, domain, assets, due, hypothesis, evidence, measure, collection)| Task {
            title,
            owner,
            role,
            domain,
            assets,
            due,
            hypothesis,
            evidence,
            measure,
            collection: collection.map(|(method, intrusiveness)| Collection { method, intrusiveness }),
        })
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        (text(), text(), pick(Category::ALL), pick(Severity::ALL), digest()).prop_map(
            |(title, summary, category, severity, site_version)| {
                Body::Opened(Opened { title, summary, category, severity, site_version })
            }
        ),
        text().prop_map(|reason| Body::Escalated { reason }),
        (text(), digest()).prop_map(|(reason, site_version)| Body::Declared { reason, site_version }),
        text().prop_map(|reason| Body::Dismissed { reason }),
        (pick(Severity::ALL), text()).prop_map(|(severity, reason)| Body::SeverityChanged { severity, reason }),
        (pick(Category::ALL), text()).prop_map(|(category, reason)| Body::CategoryChanged { category, reason }),
        (pick(Phase::ALL), text()).prop_map(|(phase, reason)| Body::PhaseChanged { phase, reason }),
        (
            option::of(text()),
            option::of(pick(ProcessState::ALL)),
            option::of(pick(Integrity::ALL)),
            option::of(pick(Integrity::ALL)),
            text(),
            seqs()
        )
            .prop_map(|(process, process_state, control, view, reason, evidence)| {
                Body::SituationAssessed(Situation { process, process_state, control, view, reason, evidence })
            }),
        (text(), text(), text(), digest()).prop_map(|(role, person, reason, site_version)| Body::Assigned {
            role,
            person,
            reason,
            site_version
        }),
        (text(), text()).prop_map(|(role, reason)| Body::Relieved { role, reason }),
        (text(), text(), text(), text(), snapshot(), text()).prop_map(
            |(role, from, to, reason, snapshot, current_actions)| {
                Body::HandedOver(Handover { role, from, to, reason, briefing: Briefing { snapshot, current_actions } })
            }
        ),
        (text(), domain()).prop_map(|(text, domain)| Body::Note(Note { text, domain })),
        (text(), time(), domain(), texts()).prop_map(|(text, observed_at, domain, assets)| Body::Observation(
            Observation { text, observed_at, domain, assets }
        )),
        (
            text(),
            pick(EvidenceSource::ALL),
            option::of(digest()),
            option::of(text()),
            text(),
            time(),
            texts(),
            option::of(text())
        )
            .prop_map(|(title, source, sha256, location, collected_by, collected_at, assets, description)| {
                Body::EvidenceCollected(Evidence {
                    title,
                    source,
                    sha256,
                    location,
                    collected_by,
                    collected_at,
                    assets,
                    description,
                })
            }),
        (any::<u64>(), text(), text(), time(), text()).prop_map(|(evidence, from, to, at, reason)| {
            Body::CustodyTransferred(Custody { evidence, from, to, at, reason })
        }),
        (text(), seqs(), seqs()).prop_map(|(statement, evidence_for, evidence_against)| Body::HypothesisProposed(
            Hypothesis { statement, evidence_for, evidence_against }
        )),
        (any::<u64>(), pick(HypothesisStatus::ALL), seqs(), seqs(), text()).prop_map(
            |(hypothesis, status, evidence_for, evidence_against, reason)| {
                Body::HypothesisUpdated(HypothesisUpdate { hypothesis, status, evidence_for, evidence_against, reason })
            }
        ),
        (
            text(),
            texts(),
            any::<u32>(),
            text(),
            texts(),
            vec((text(), text()), 0..3),
            seqs(),
            domain(),
            digest(),
            option::of(digest())
        )
            .prop_map(
                |(
                    title,
                    options,
                    choice,
                    rationale,
                    decided_by,
                    dissent,
                    evidence,
                    domain,
                    site_version,
                    authority_version,
                )| {
                    Body::DecisionRecorded(Decision {
                        title,
                        options,
                        choice,
                        rationale,
                        decided_by,
                        dissent: dissent.into_iter().map(|(person, text)| Dissent { person, text }).collect(),
                        evidence,
                        domain,
                        site_version,
                        authority_version,
                    })
                }
            ),
        (text(), text(), text()).prop_map(|(audience, channel, text)| Body::CommunicationPublished(Communication {
            audience,
            channel,
            text
        })),
        (any::<u64>(), digest(), any::<[u8; 32]>(), vec(any::<u8>(), 64)).prop_map(|(seq, head, public_key, sig)| {
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&sig);
            Body::Checkpoint(Checkpoint { seq, head, public_key, signature })
        }),
        (text(), text(), seqs(), pick(Phase::ALL), digest(), digest(), assessment()).prop_map(
            |(action, rationale, evidence, phase, site_version, authority_version, assessment)| {
                Body::ActionProposed(Proposal {
                    action,
                    rationale,
                    evidence,
                    phase,
                    site_version,
                    authority_version,
                    assessment,
                })
            }
        ),
        stance().prop_map(Body::ActionApproved),
        stance().prop_map(Body::ActionRejected),
        (any::<u64>(), any::<u32>(), pick(EscalationCause::ALL), text()).prop_map(|(action, level, cause, reason)| {
            Body::ActionEscalated(Escalation { action, level, cause, reason })
        }),
        (any::<u64>(), text(), digest(), digest()).prop_map(|(action, rationale, site_version, authority_version)| {
            Body::ActionOverridden(Override { action, rationale, site_version, authority_version })
        }),
        (any::<u64>(), any::<u32>(), text()).prop_map(|(action, measure, note)| Body::MeasureConfirmed(MeasureCheck {
            action,
            measure,
            note
        })),
        action_note().prop_map(Body::ExecutionStarted),
        execution_report().prop_map(Body::ExecutionReported),
        (any::<u64>(), pick(VerificationResult::ALL), text())
            .prop_map(|(action, result, note)| Body::ActionVerified(Verification { action, result, note })),
        execution_report().prop_map(Body::ActionRolledBack),
        action_note().prop_map(Body::ActionWithdrawn),
        (digest(), vec(plan_item(), 0..4))
            .prop_map(|(site_version, items)| Body::RecoveryPlanned(RecoveryPlan { site_version, items })),
        (text(), option::of(text()), text()).prop_map(|(asset, after, reason)| Body::RecoveryReordered(Reorder {
            asset,
            after,
            reason
        })),
        check_record().prop_map(Body::CheckRecorded),
        (texts(), time(), texts()).prop_map(|(assets, until, criteria)| Body::MonitoringStarted(Monitoring {
            assets,
            until,
            criteria
        })),
        (any::<u64>(), text()).prop_map(|(window, reason)| Body::MonitoringEnded(MonitoringEnd { window, reason })),
        (text(), texts()).prop_map(|(reason, open_items)| Body::RecoveryEnded(RecoveryEnd { reason, open_items })),
        (time(), time(), texts(), text(), text()).prop_map(|(start, end, objectives, safety, safety_by)| {
            Body::PeriodOpened(Period { start, end, objectives, safety, safety_by })
        }),
        (any::<u64>(), text())
            .prop_map(|(period, safety)| Body::SafetyConsiderations(SafetyRevision { period, safety })),
        (any::<u64>(), texts(), option::of(text()))
            .prop_map(|(period, summary, note)| Body::PeriodClosed(PeriodClose { period, summary, note })),
        task().prop_map(Body::TaskAdded),
        (any::<u64>(), pick(TaskStatus::ALL), option::of(text()), option::of(any::<u64>()))
            .prop_map(|(task, status, note, action)| Body::TaskUpdated(TaskUpdate { task, status, note, action })),
        (text(), text(), any::<bool>()).prop_map(|(item, text, changed)| Body::FollowUpRecorded(FollowUp {
            item,
            text,
            changed
        })),
        text().prop_map(|item| Body::FollowUpAcknowledged(FollowUpAck { item })),
        (any::<u32>(), time(), texts()).prop_map(|(days, due, items)| Body::FollowUpsOpened(FollowUpsOpened {
            days,
            due,
            items
        })),
        (text(), time(), text()).prop_map(|(kind, at, reason)| Body::Determined(Determination { kind, at, reason })),
        (text(), any::<u64>(), text(), text()).prop_map(|(deadline, trigger, to, reference)| {
            Body::ReportFiled(ReportFiling { deadline, trigger, to, reference })
        }),
        (option::of(text()), time(), text()).prop_map(|(audience, until, reason)| Body::UpdateSnoozed(Snooze {
            audience,
            until,
            reason
        })),
        (any::<u64>(), texts())
            .prop_map(|(hypothesis, processes)| Body::ViewSuspected(ViewSuspicion { hypothesis, processes })),
        (text(), text(), text(), vec((text(), text(), any::<bool>()), 0..4), option::of(text())).prop_map(
            |(process, reading, field_value, displayed, note)| {
                let displayed =
                    displayed.into_iter().map(|(asset, value, agrees)| Displayed { asset, value, agrees }).collect();
                Body::ReadingsVerified(ReadingCheck { process, reading, field_value, displayed, note })
            }
        ),
        (any::<bool>(), text()).prop_map(|(private, reason)| Body::VisibilityChanged(Visibility { private, reason })),
        (text(), text()).prop_map(|(person, reason)| Body::MemberAdded(Membership { person, reason })),
        (text(), text()).prop_map(|(person, reason)| Body::MemberRemoved(Membership { person, reason })),
    ]
}

/// A number as a minimal LEB128 varint, as the encoding writes it.
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn event() -> impl Strategy<Value = Event> {
    let body = prop_oneof![
        4 => body(),
        1 => (any::<u64>(), text(), option::of(body())).prop_map(|(supersedes, reason, r)| {
            Body::Corrected(Correction { supersedes, reason, replacement: r.map(Box::new) })
        }),
    ];
    (text(), any::<u64>(), time(), text(), body).prop_map(|(incident, seq, recorded_at, actor, body)| Event {
        incident,
        seq,
        recorded_at,
        actor,
        body,
    })
}

proptest! {
    #[test]
    fn every_event_round_trips(e in event()) {
        let bytes = encode(&e).unwrap();
        prop_assert_eq!(bytes[0], ENCODING);
        prop_assert_eq!(decode(&bytes).unwrap(), e);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_decode_canonically(tail in vec(any::<u8>(), 0..300), kind in prop_oneof![0u64..32, 38u64..49, 62u64..77, 126u64..136]) {
        // Raw bytes, and bytes behind a valid header (version 1, "INC-1", seq 1, a time, an actor,
        // a real kind code, two varint bytes from 128) so that the body decoders are reached too.
        let mut headed = vec![ENCODING, 5, b'I', b'N', b'C', b'-', b'1', 1, 0, 0, 1, b'a'];
        headed.extend_from_slice(&varint(kind));
        headed.extend_from_slice(&tail);
        for bytes in [tail, headed] {
            if let Ok(e) = decode(&bytes) {
                prop_assert_eq!(encode(&e).unwrap(), bytes, "a second encoding of the same event");
            }
        }
    }

    #[test]
    fn mutated_encodings_never_panic_and_stay_canonical(e in event(), edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let mut bytes = encode(&e).unwrap();
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        for candidate in [bytes.clone(), bytes[..cut.index(bytes.len() + 1)].to_vec()] {
            if let Ok(d) = decode(&candidate) {
                prop_assert_eq!(encode(&d).unwrap(), candidate);
            }
        }
    }
}

#[test]
fn a_correction_cannot_nest() {
    let inner = Body::Corrected(Correction { supersedes: 1, reason: "r".into(), replacement: None });
    let e = Event {
        incident: "INC-1".into(),
        seq: 2,
        recorded_at: Timestamp::from_unix_micros(0).unwrap(),
        actor: "a".into(),
        body: Body::Corrected(Correction { supersedes: 1, reason: "r".into(), replacement: Some(Box::new(inner)) }),
    };
    assert_eq!(encode(&e), Err(EncodeError::NestedCorrection));
}

#[test]
fn oversized_events_are_refused_both_ways() {
    let e = Event {
        incident: "INC-1".into(),
        seq: 2,
        recorded_at: Timestamp::from_unix_micros(0).unwrap(),
        actor: "a".into(),
        body: Body::Note(Note { text: "x".repeat(MAX_EVENT_BYTES).into(), domain: None }),
    };
    assert!(matches!(encode(&e), Err(EncodeError::TooLarge(_))));
    assert!(matches!(decode(&vec![1; MAX_EVENT_BYTES + 1]), Err(DecodeError::TooLarge(_))));
}

#[test]
fn unknown_versions_and_kinds_are_named() {
    assert_eq!(decode(&[]), Err(DecodeError::Empty));
    assert_eq!(
        decode(&[2]).unwrap_err().to_string(),
        "encoding version 2 is not known to this build (it reads up to 1)"
    );
    // version 1, incident "", seq 1, time 0 +0, actor "", kind 75 (reserved for response actions, unused).
    let err = decode(&[1, 0, 1, 0, 0, 0, 75]).unwrap_err();
    assert_eq!(err.to_string(), "unknown event kind code 75 at byte 6");
    // Kind 30, between the membership kinds 27-29 and the work plan, is unused too.
    let err = decode(&[1, 0, 1, 0, 0, 0, 30]).unwrap_err();
    assert_eq!(err.to_string(), "unknown event kind code 30 at byte 6");
    // Kind 48, after the work-plan kinds 40-47, is unused too.
    let err = decode(&[1, 0, 1, 0, 0, 0, 48]).unwrap_err();
    assert_eq!(err.to_string(), "unknown event kind code 48 at byte 6");
    // Kind 134 (two varint bytes), after the recovery kinds 128-133, is unused too.
    let err = decode(&[1, 0, 1, 0, 0, 0, 0x86, 0x01]).unwrap_err();
    assert_eq!(err.to_string(), "unknown event kind code 134 at byte 6");
    // And 128 written in three bytes is not a recovery plan.
    assert_eq!(decode(&[1, 0, 1, 0, 0, 0, 0x80, 0x81, 0x00]), Err(DecodeError::Varint(6)));
}

/// Golden bytes: a change here breaks every stored chain. Bump `ENCODING`
/// (and keep reading version 1) instead of editing the snapshot.
#[test]
fn golden_encoding() {
    let t = Timestamp::parse("2026-11-26T14:05:00.25-06:00").unwrap();
    let events = [
        Body::Opened(Opened {
            title: "HMI logins fail".into(),
            summary: "since 07:40".into(),
            category: Category::UnauthorizedAccess,
            severity: Severity::High,
            site_version: Digest([0xab; 32]),
        }),
        Body::Observation(Observation {
            text: "alarm flood".into(),
            observed_at: t,
            domain: Some(Domain::Ot),
            assets: vec!["hmi-01".into()],
        }),
        Body::DecisionRecorded(Decision {
            title: "keep running".into(),
            options: vec!["isolate".into(), "monitor".into()],
            choice: 1,
            rationale: "view trusted".into(),
            decided_by: vec!["ic".into()],
            dissent: vec![Dissent { person: "it".into(), text: "risky".into() }],
            evidence: vec![3, 300],
            domain: None,
            site_version: Digest([1; 32]),
            authority_version: None,
        }),
        Body::Corrected(Correction {
            supersedes: 2,
            reason: "typo".into(),
            replacement: Some(Box::new(Body::Note(Note { text: "n".into(), domain: None }))),
        }),
    ];
    let mut out = String::new();
    for (i, body) in events.into_iter().enumerate() {
        let e = Event { incident: "INC-1".into(), seq: i as u64 + 1, recorded_at: t, actor: "psharma".into(), body };
        let bytes = encode(&e).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{} {}\n  {}\n", e.seq, e.body.kind(), hex));
    }
    insta::assert_snapshot!(out);
}

fn example_requirement() -> Requirement {
    Requirement {
        rules: vec![
            Matched { rule: "ot-targets".into(), because: vec!["target ews-01 (engineering-workstation)".into()] },
            Matched { rule: "vendor-access".into(), because: vec!["impact vendor-access-loss: acme".into()] },
        ],
        groups: vec![Group { roles: vec!["ot-lead".into()], count: 1 }],
        joint: true,
        veto: vec!["safety-officer".into()],
        execute: Some(vec!["ot-engineer".into()]),
        override_roles: vec!["incident-commander".into()],
        escalate_minutes: 15,
        ladder: vec![
            Rung { role: "ot-manager".into(), minutes: 10 },
            Rung { role: "plant-manager".into(), minutes: 20 },
        ],
    }
}

fn example_proposal() -> Proposal {
    Proposal {
        action: "kill-session ews-01 for containment".into(),
        rationale: "vendor session outside the window".into(),
        evidence: vec![3, 4],
        phase: Phase::Contain,
        site_version: Digest([1; 32]),
        authority_version: Digest([2; 32]),
        assessment: Assessment {
            action: "kill-session ews-01 for containment".into(),
            verdict: VerdictKind::Measures,
            unsafe_reasons: vec![],
            measures: vec!["confirm no logic download is in progress".into()],
            facts: vec![
                Fact { fact: ImpactFact::OtRemoteAccessLoss, evidence: "ews-01 loses remote access".into() },
                Fact { fact: ImpactFact::HalfAppliedRisk, evidence: "ews-01 programs plc-01".into() },
            ],
            summary: vec!["remote-access: 1 lose it (ews-01)".into()],
            requirement: example_requirement(),
        },
    }
}

fn example_stance() -> Stance {
    Stance {
        action: 12,
        rationale: "the line is stable".into(),
        roles: vec!["ot-lead".into()],
        side: Some(Domain::Ot),
        site_version: Digest([1; 32]),
        authority_version: Digest([2; 32]),
    }
}

/// One example of every kind (the match makes a new kind fail to compile here until it has one).
fn example(kind: Kind) -> Body {
    match kind {
        Kind::Opened => Body::Opened(Opened {
            title: "HMI logins fail".into(),
            summary: "since 07:40".into(),
            category: Category::UnauthorizedAccess,
            severity: Severity::High,
            site_version: Digest([0xab; 32]),
        }),
        Kind::Escalated => Body::Escalated { reason: "needs a commander".into() },
        Kind::Declared => Body::Declared { reason: "confirmed".into(), site_version: Digest([1; 32]) },
        Kind::Dismissed => Body::Dismissed { reason: "planned maintenance".into() },
        Kind::SeverityChanged => Body::SeverityChanged { severity: Severity::Critical, reason: "spreading".into() },
        Kind::CategoryChanged => Body::CategoryChanged { category: Category::Ransomware, reason: "note".into() },
        Kind::PhaseChanged => Body::PhaseChanged { phase: Phase::Contain, reason: "scoped".into() },
        Kind::SituationAssessed => Body::SituationAssessed(Situation {
            process: Some("boiler".into()),
            process_state: Some(ProcessState::Stable),
            control: Some(Integrity::Trusted),
            view: Some(Integrity::InQuestion),
            reason: "alarms replay".into(),
            evidence: vec![2],
        }),
        Kind::Assigned => Body::Assigned {
            role: "ot-lead".into(),
            person: "mlopez".into(),
            reason: "on shift".into(),
            site_version: Digest([1; 32]),
        },
        Kind::Relieved => Body::Relieved { role: "ot-lead".into(), reason: "shift end".into() },
        Kind::HandedOver => Body::HandedOver(Handover {
            role: "incident-commander".into(),
            from: "psharma".into(),
            to: "jchen".into(),
            reason: "shift change".into(),
            briefing: Briefing {
                snapshot: Snapshot {
                    as_of: 9,
                    status: Status::Declared,
                    severity: Severity::High,
                    category: Category::UnauthorizedAccess,
                    phase: Phase::Contain,
                    process_state: None,
                    control: None,
                    view: None,
                    assignments: vec![("ot-lead".into(), "mlopez".into())],
                    open_hypotheses: vec![5],
                    decisions: vec![],
                    evidence: vec![3],
                },
                current_actions: "watching ews-01".into(),
            },
        }),
        Kind::Note => Body::Note(Note { text: "n".into(), domain: Some(Domain::It) }),
        Kind::Observation => Body::Observation(Observation {
            text: "alarm flood".into(),
            observed_at: Timestamp::from_unix_micros(1_000_000).unwrap(),
            domain: Some(Domain::Ot),
            assets: vec!["hmi-01".into()],
        }),
        Kind::EvidenceCollected => Body::EvidenceCollected(Evidence {
            title: "firewall log".into(),
            source: EvidenceSource::Log,
            sha256: Some(Digest([3; 32])),
            location: Some("case 7".into()),
            collected_by: "psharma".into(),
            collected_at: Timestamp::from_unix_micros(2_000_000).unwrap(),
            assets: vec!["fw-01".into()],
            description: None,
        }),
        Kind::CustodyTransferred => Body::CustodyTransferred(Custody {
            evidence: 4,
            from: "psharma".into(),
            to: "jchen".into(),
            at: Timestamp::from_unix_micros(3_000_000).unwrap(),
            reason: "analysis".into(),
        }),
        Kind::HypothesisProposed => Body::HypothesisProposed(Hypothesis {
            statement: "stolen vendor credentials".into(),
            evidence_for: vec![4],
            evidence_against: vec![],
        }),
        Kind::HypothesisUpdated => Body::HypothesisUpdated(HypothesisUpdate {
            hypothesis: 5,
            status: HypothesisStatus::Supported,
            evidence_for: vec![6],
            evidence_against: vec![],
            reason: "logins from abroad".into(),
        }),
        Kind::DecisionRecorded => Body::DecisionRecorded(Decision {
            title: "keep running".into(),
            options: vec!["isolate".into(), "monitor".into()],
            choice: 1,
            rationale: "view trusted".into(),
            decided_by: vec!["ic".into()],
            dissent: vec![Dissent { person: "it".into(), text: "risky".into() }],
            evidence: vec![3],
            domain: None,
            site_version: Digest([1; 32]),
            authority_version: Some(Digest([2; 32])),
        }),
        Kind::CommunicationPublished => Body::CommunicationPublished(Communication {
            audience: "operations".into(),
            channel: "bridge".into(),
            text: "no change to the line".into(),
        }),
        Kind::Corrected => Body::Corrected(Correction {
            supersedes: 2,
            reason: "typo".into(),
            replacement: Some(Box::new(example(Kind::Note))),
        }),
        Kind::Checkpoint => {
            Body::Checkpoint(Checkpoint { seq: 9, head: Digest([4; 32]), public_key: [5; 32], signature: [6; 64] })
        }
        Kind::ActionProposed => Body::ActionProposed(example_proposal()),
        Kind::ActionApproved => Body::ActionApproved(example_stance()),
        Kind::ActionRejected => Body::ActionRejected(Stance { side: None, roles: vec![], ..example_stance() }),
        Kind::ActionEscalated => Body::ActionEscalated(Escalation {
            action: 12,
            level: 2,
            cause: EscalationCause::Timeout,
            reason: "no decision in 15 minutes".into(),
        }),
        Kind::ActionOverridden => Body::ActionOverridden(Override {
            action: 12,
            rationale: "exfiltration in progress".into(),
            site_version: Digest([1; 32]),
            authority_version: Digest([2; 32]),
        }),
        Kind::MeasureConfirmed => {
            Body::MeasureConfirmed(MeasureCheck { action: 12, measure: 0, note: "no download running".into() })
        }
        Kind::ExecutionStarted => Body::ExecutionStarted(ActionNote { action: 12, note: "".into() }),
        Kind::ExecutionReported => Body::ExecutionReported(ExecutionReport {
            action: 12,
            outcome: ExecutionOutcome::Partial,
            note: "one session remains".into(),
        }),
        Kind::ActionVerified => Body::ActionVerified(Verification {
            action: 12,
            result: VerificationResult::Effective,
            note: "no sessions".into(),
        }),
        Kind::ActionRolledBack => Body::ActionRolledBack(ExecutionReport {
            action: 12,
            outcome: ExecutionOutcome::Completed,
            note: "vendor restored".into(),
        }),
        Kind::ActionWithdrawn => Body::ActionWithdrawn(ActionNote { action: 12, note: "superseded by #14".into() }),
        Kind::RecoveryPlanned => Body::RecoveryPlanned(RecoveryPlan {
            site_version: Digest([1; 32]),
            items: vec![
                PlanItem {
                    asset: "dc-corp-01".into(),
                    stage: "identity".into(),
                    reason: "everything authenticates against it".into(),
                    reentry: Some("identity".into()),
                    checks: vec![
                        CheckSpec {
                            kind: "config-hash".into(),
                            expected: Some("sha256:ab".into()),
                            source: "baseline".into(),
                        },
                        CheckSpec { kind: "credentials-reset".into(), expected: None, source: "policy".into() },
                    ],
                },
                PlanItem {
                    asset: "plc-chlor-01".into(),
                    stage: "control".into(),
                    reason: "after its HMI".into(),
                    reentry: None,
                    checks: vec![],
                },
            ],
        }),
        Kind::RecoveryReordered => Body::RecoveryReordered(Reorder {
            asset: "plc-chlor-01".into(),
            after: Some("hmi-cr-01".into()),
            reason: "operators need the view first".into(),
        }),
        Kind::CheckRecorded => Body::CheckRecorded(CheckRecord {
            asset: "plc-chlor-01".into(),
            kind: "logic".into(),
            observed: "v12".into(),
            expected: None,
            passed: false,
            detail: "rung 14 differs".into(),
            artefact: Some(Digest([7; 32])),
            note: Some("export attached".into()),
        }),
        Kind::MonitoringStarted => Body::MonitoringStarted(Monitoring {
            assets: vec!["plc-chlor-01".into(), "hmi-cr-01".into()],
            until: Timestamp::from_unix_micros(4_000_000).unwrap(),
            criteria: vec!["no unexpected logins".into()],
        }),
        Kind::MonitoringEnded => {
            Body::MonitoringEnded(MonitoringEnd { window: 9, reason: "quiet for 72 hours".into() })
        }
        Kind::RecoveryEnded => Body::RecoveryEnded(RecoveryEnd {
            reason: "back to normal operations".into(),
            open_items: vec!["ws-eng-02 not reconnected".into()],
        }),
        Kind::PeriodOpened => Body::PeriodOpened(Period {
            start: Timestamp::new(1_000_000, -360).unwrap(),
            end: Timestamp::new(2_000_000, -360).unwrap(),
            objectives: vec!["keep the line running".into(), "scope the vendor access".into()],
            safety: "no scans of the SIS".into(),
            safety_by: "ocarter".into(),
        }),
        Kind::SafetyConsiderations => {
            Body::SafetyConsiderations(SafetyRevision { period: 3, safety: "no memory images of controllers".into() })
        }
        Kind::PeriodClosed => Body::PeriodClosed(PeriodClose {
            period: 3,
            summary: vec!["2 tasks done".into(), "1 task open".into()],
            note: Some("handed to the night shift".into()),
        }),
        Kind::TaskAdded => Body::TaskAdded(example_task()),
        Kind::TaskUpdated => Body::TaskUpdated(TaskUpdate {
            task: 6,
            status: TaskStatus::InProgress,
            note: Some("imaging".into()),
            action: Some(12),
        }),
        Kind::FollowUpRecorded => Body::FollowUpRecorded(FollowUp {
            item: "plan-update".into(),
            text: "add the SIS to the vendor window".into(),
            changed: true,
        }),
        Kind::FollowUpAcknowledged => Body::FollowUpAcknowledged(FollowUpAck { item: "plan-update".into() }),
        Kind::Determined => Body::Determined(Determination {
            kind: "reportable".into(),
            at: Timestamp::parse("2026-11-26T08:40:00-06:00").unwrap(),
            reason: "confirmed logic change on a BES Cyber System".into(),
        }),
        Kind::ReportFiled => Body::ReportFiled(ReportFiling {
            deadline: "cip-008-reportable".into(),
            trigger: 7,
            to: "E-ISAC".into(),
            reference: "portal case 2026-1144".into(),
        }),
        Kind::UpdateSnoozed => Body::UpdateSnoozed(Snooze {
            audience: Some("leadership".into()),
            until: Timestamp::parse("2026-11-26T11:30:00-06:00").unwrap(),
            reason: "leadership is on the bridge call until 11:30".into(),
        }),
        Kind::ViewSuspected => {
            Body::ViewSuspected(ViewSuspicion { hypothesis: 9, processes: vec!["filtration".into()] })
        }
        Kind::ReadingsVerified => Body::ReadingsVerified(ReadingCheck {
            process: "filtration".into(),
            reading: "combined-effluent-turbidity".into(),
            field_value: "0.12".into(),
            displayed: vec![
                Displayed { asset: "hmi-cr-01".into(), value: "0.11".into(), agrees: true },
                Displayed { asset: "hist-ot-01".into(), value: "0.04".into(), agrees: false },
            ],
            note: Some("grab sample, bench turbidimeter".into()),
        }),
        Kind::VisibilityChanged => {
            Body::VisibilityChanged(Visibility { private: true, reason: "insider suspected".into() })
        }
        Kind::MemberAdded => {
            Body::MemberAdded(Membership { person: "tnguyen".into(), reason: "keeps the timeline".into() })
        }
        Kind::MemberRemoved => Body::MemberRemoved(Membership { person: "tnguyen".into(), reason: "off shift".into() }),
        Kind::FollowUpsOpened => Body::FollowUpsOpened(FollowUpsOpened {
            days: 90,
            due: Timestamp::parse("2027-02-24T09:00:00-06:00").unwrap(),
            items: vec!["lessons-learned".into(), "plan-update".into(), "site-model-update".into(), "review-16".into()],
        }),
    }
}

/// A task with every optional field present.
fn example_task() -> Task {
    Task {
        title: "image ews-01".into(),
        owner: Some("hpatel".into()),
        role: None,
        domain: TaskDomain::Ot,
        assets: vec!["ews-01".into()],
        due: Some(Timestamp::new(3_000_000, -360).unwrap()),
        hypothesis: Some(5),
        evidence: vec![4, 300],
        measure: Some((12, 1)),
        collection: Some(Collection { method: "memory image".into(), intrusiveness: Intrusiveness::Intrusive }),
    }
}

/// A task owned by a role, with every optional field absent.
fn example_role_task() -> Task {
    Task {
        title: "t".into(),
        owner: None,
        role: Some("ot-lead".into()),
        domain: TaskDomain::Joint,
        assets: vec![],
        due: None,
        hypothesis: None,
        evidence: vec![],
        measure: None,
        collection: None,
    }
}

fn example_event(seq: u64, body: Body) -> Event {
    Event {
        incident: "INC-1".into(),
        seq,
        recorded_at: Timestamp::from_unix_micros(0).unwrap(),
        actor: "psharma".into(),
        body,
    }
}

#[test]
fn every_kind_round_trips() {
    for (i, kind) in Kind::ALL.iter().copied().enumerate() {
        let body = example(kind);
        assert_eq!(body.kind(), kind);
        let e = example_event(i as u64 + 1, body);
        let bytes = encode(&e).unwrap();
        assert_eq!(decode(&bytes).unwrap(), e, "{kind}");
        // No proper prefix decodes.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "{kind} cut at {cut}");
        }
    }
}

/// The bytes before an example event's kind code: version, incident, seq (one byte), time 0 +0, actor.
const HEADER: usize = 1 + (1 + "INC-1".len()) + 1 + 2 + (1 + "psharma".len());

#[test]
fn proposals_refuse_unknown_fact_words_and_non_boolean_flags() {
    let e = example_event(12, example(Kind::ActionProposed));
    let bytes = encode(&e).unwrap();
    // An impact fact is its word: another word of the same length is refused.
    let word = b"half-applied-risk";
    let at = bytes.windows(word.len()).position(|w| w == word).unwrap();
    let mut bad = bytes.clone();
    bad[at..at + word.len()].copy_from_slice(b"half-applied-riss");
    assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "impact fact", at: at - 1 }));
    // The joint flag is exactly 0 or 1.
    let Body::ActionProposed(mut p) = e.body.clone() else { unreachable!() };
    p.assessment.requirement.joint = false;
    let other = encode(&example_event(12, Body::ActionProposed(p))).unwrap();
    let flag = bytes.iter().zip(&other).position(|(a, b)| a != b).unwrap();
    assert_eq!((bytes[flag], other[flag]), (1, 0));
    let mut bad = bytes.clone();
    bad[flag] = 2;
    assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "joint flag", at: flag }));
}

#[test]
fn check_records_refuse_non_boolean_passed_flags() {
    let e = example_event(14, example(Kind::CheckRecorded));
    let bytes = encode(&e).unwrap();
    let Body::CheckRecorded(mut c) = e.body.clone() else { unreachable!() };
    c.passed = true;
    let other = encode(&example_event(14, Body::CheckRecorded(c))).unwrap();
    let flag = bytes.iter().zip(&other).position(|(a, b)| a != b).unwrap();
    assert_eq!((bytes[flag], other[flag]), (0, 1));
    assert!(decode(&other).is_ok());
    for b in [2, 0xff] {
        let mut bad = bytes.clone();
        bad[flag] = b;
        assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "passed flag", at: flag }));
    }
}

#[test]
fn u32_fields_refuse_larger_numbers() {
    for (kind, what) in [(Kind::ActionEscalated, "escalation level"), (Kind::MeasureConfirmed, "measure")] {
        let bytes = encode(&example_event(13, example(kind))).unwrap();
        // The kind code, then the action (12, one byte), then the u32 field (one byte).
        assert_eq!(bytes[HEADER] as u16, kind.code());
        let at = HEADER + 2;
        let mut bad = bytes[..at].to_vec();
        bad.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x10]); // 2^32
        bad.extend_from_slice(&bytes[at + 1..]);
        assert_eq!(decode(&bad), Err(DecodeError::Invalid { what, at }), "{kind}");
        let mut ok = bytes[..at].to_vec();
        ok.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]); // u32::MAX
        ok.extend_from_slice(&bytes[at + 1..]);
        assert!(decode(&ok).is_ok(), "{kind}");
    }
}

/// Golden bytes of the response-action kinds: like `golden_encoding`, a
/// change here breaks stored chains.
#[test]
fn golden_encoding_of_response_actions() {
    let kinds = [Kind::ActionProposed, Kind::ActionApproved, Kind::ActionEscalated, Kind::ExecutionReported];
    let hex: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| encode(&example_event(i as u64 + 1, example(*k))).unwrap())
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
        .collect();
    let expected = [
        concat!(
            "0105494e432d310100000770736861726d6140236b696c6c2d73657373696f6e206577732d303120666f7220636f6e74",
            "61696e6d656e742176656e646f722073657373696f6e206f757473696465207468652077696e646f7702030402010101",
            "010101010101010101010101010101010101010101010101010101010102020202020202020202020202020202020202",
            "02020202020202020202020202236b696c6c2d73657373696f6e206577732d303120666f7220636f6e7461696e6d656e",
            "7402000128636f6e6669726d206e6f206c6f67696320646f776e6c6f616420697320696e2070726f677265737302156f",
            "742d72656d6f74652d6163636573732d6c6f73731a6577732d3031206c6f7365732072656d6f74652061636365737311",
            "68616c662d6170706c6965642d7269736b166577732d30312070726f6772616d7320706c632d3031012172656d6f7465",
            "2d6163636573733a2031206c6f736520697420286577732d303129020a6f742d74617267657473012774617267657420",
            "6577732d30312028656e67696e656572696e672d776f726b73746174696f6e290d76656e646f722d616363657373011f",
            "696d706163742076656e646f722d6163636573732d6c6f73733a2061636d650101076f742d6c6561640101010e736166",
            "6574792d6f66666963657201010b6f742d656e67696e6565720112696e636964656e742d636f6d6d616e6465720f020a",
            "6f742d6d616e616765720a0d706c616e742d6d616e6167657214",
        ),
        concat!(
            "0105494e432d310200000770736861726d61410c12746865206c696e6520697320737461626c6501076f742d6c656164",
            "020101010101010101010101010101010101010101010101010101010101010101020202020202020202020202020202",
            "0202020202020202020202020202020202",
        ),
        "0105494e432d310300000770736861726d61430c0201196e6f206465636973696f6e20696e203135206d696e75746573",
        "0105494e432d310400000770736861726d61470c02136f6e652073657373696f6e2072656d61696e73",
    ];
    assert_eq!(hex, expected);
}

/// Golden bytes of the recovery kinds (codes 128-133, two varint bytes):
/// like `golden_encoding`, a change here breaks stored chains.
#[test]
fn golden_encoding_of_recovery() {
    let hex: Vec<String> = [
        Kind::RecoveryPlanned,
        Kind::RecoveryReordered,
        Kind::CheckRecorded,
        Kind::MonitoringStarted,
        Kind::MonitoringEnded,
        Kind::RecoveryEnded,
    ]
    .iter()
    .enumerate()
    .map(|(i, k)| encode(&example_event(i as u64 + 1, example(*k))).unwrap())
    .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
    .collect();
    let expected = [
        concat!(
            "0105494e432d310100000770736861726d61800101010101010101010101010101010101010101010101010101010101",
            "01010101020a64632d636f72702d3031086964656e746974792365766572797468696e672061757468656e7469636174",
            "657320616761696e737420697401086964656e74697479020b636f6e6669672d6861736801097368613235363a616208",
            "626173656c696e651163726564656e7469616c732d72657365740006706f6c6963790c706c632d63686c6f722d303107",
            "636f6e74726f6c0d61667465722069747320484d490000",
        ),
        concat!(
            "0105494e432d310200000770736861726d6181010c706c632d63686c6f722d30310109686d692d63722d30311d6f7065",
            "7261746f7273206e656564207468652076696577206669727374",
        ),
        concat!(
            "0105494e432d310300000770736861726d6182010c706c632d63686c6f722d3031056c6f6769630376313200000f7275",
            "6e672031342064696666657273010707070707070707070707070707070707070707070707070707070707070707010f",
            "6578706f7274206174746163686564",
        ),
        concat!(
            "0105494e432d310400000770736861726d618301020c706c632d63686c6f722d303109686d692d63722d303180a4e803",
            "0001146e6f20756e6578706563746564206c6f67696e73",
        ),
        "0105494e432d310500000770736861726d6184010912717569657420666f7220373220686f757273",
        concat!(
            "0105494e432d310600000770736861726d618501196261636b20746f206e6f726d616c206f7065726174696f6e730119",
            "77732d656e672d3032206e6f74207265636f6e6e6563746564",
        ),
    ];
    assert_eq!(hex, expected);
}

/// Golden bytes of the work-plan kinds (codes 40-46, one varint byte), with a
/// second task whose optional fields are all absent: like `golden_encoding`,
/// a change here breaks stored chains.
#[test]
fn golden_encoding_of_the_work_plan() {
    let bodies = [
        example(Kind::PeriodOpened),
        example(Kind::SafetyConsiderations),
        example(Kind::PeriodClosed),
        example(Kind::TaskAdded),
        example(Kind::TaskUpdated),
        example(Kind::FollowUpRecorded),
        example(Kind::FollowUpAcknowledged),
        Body::TaskAdded(example_role_task()),
    ];
    let hex: Vec<String> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| encode(&example_event(i as u64 + 1, b)).unwrap())
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
        .collect();
    // Header: version 01, "INC-1", seq, time 0 +0 (00 00), "psharma"; then the kind code (28-2e).
    // Times -06:00 are zig-zag µs then cf05 (zig-zag -360); 1 s is 80897a, 2 s 8092f401, 3 s 809bee02.
    let expected = [
        concat!(
            "0105494e432d310100000770736861726d612880897acf058092f401cf0502156b65657020746865206c696e652072756e",
            "6e696e671773636f7065207468652076656e646f7220616363657373136e6f207363616e73206f662074686520534953",
            "076f636172746572",
        ),
        "0105494e432d310200000770736861726d6129031f6e6f206d656d6f727920696d61676573206f6620636f6e74726f6c6c657273",
        concat!(
            "0105494e432d310300000770736861726d612a03020c32207461736b7320646f6e650b31207461736b206f70656e0119",
            "68616e64656420746f20746865206e69676874207368696674",
        ),
        // title, owner 1 "hpatel", role 0, domain ot 02, assets, due 1 + time, hypothesis 1 5,
        // evidence [4, 300], measure 1 (12, 1), collection 1 "memory image" intrusive 03.
        concat!(
            "0105494e432d310400000770736861726d612b0c696d616765206577732d3031010668706174656c000201066577732d",
            "303101809bee02cf0501050204ac02010c01010c6d656d6f727920696d61676503",
        ),
        "0105494e432d310500000770736861726d612c06020107696d6167696e67010c",
        concat!(
            "0105494e432d310600000770736861726d612d0b706c616e2d75706461746520616464207468652053495320746f2074",
            "68652076656e646f722077696e646f7701",
        ),
        "0105494e432d310700000770736861726d612e0b706c616e2d757064617465",
        // owner 0, role 1 "ot-lead", domain joint 03, then an empty list or an absent option for every other field.
        "0105494e432d310800000770736861726d612b01740001076f742d6c65616403000000000000",
    ];
    assert_eq!(hex, expected);
}

#[test]
fn work_plan_events_refuse_bad_flags_codes_and_numbers() {
    // A follow-up's changed flag (its last byte) is exactly 0 or 1.
    let bytes = encode(&example_event(6, example(Kind::FollowUpRecorded))).unwrap();
    let last = bytes.len() - 1;
    assert_eq!(bytes[last], 1);
    for b in [2, 0xff] {
        let mut bad = bytes.clone();
        bad[last] = b;
        assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "changed flag", at: last }));
    }

    // A task update's status: after the kind code and the task number (one byte each).
    let bytes = encode(&example_event(5, example(Kind::TaskUpdated))).unwrap();
    let at = HEADER + 2;
    assert_eq!(bytes[at], TaskStatus::InProgress.code());
    for c in [0, 6] {
        let mut bad = bytes.clone();
        bad[at] = c;
        assert_eq!(decode(&bad), Err(DecodeError::Code { what: "task status", code: c as u64, at }));
    }

    let e = example_event(4, example(Kind::TaskAdded));
    let bytes = encode(&e).unwrap();
    // The domain: after the kind, the title (13 bytes), the owner (1 + 7) and the absent role (1).
    let at = HEADER + 1 + 13 + 8 + 1;
    assert_eq!(bytes[at], TaskDomain::Ot.code());
    let mut bad = bytes.clone();
    bad[at] = 4;
    assert_eq!(decode(&bad), Err(DecodeError::Code { what: "task domain", code: 4, at }));
    // The intrusiveness is the last byte.
    let last = bytes.len() - 1;
    for c in [0, 4] {
        let mut bad = bytes.clone();
        bad[last] = c;
        assert_eq!(decode(&bad), Err(DecodeError::Code { what: "intrusiveness", code: c as u64, at: last }));
    }
    // The due option byte is 0 or 1.
    let Body::TaskAdded(t) = e.body.clone() else { unreachable!() };
    let other = encode(&example_event(4, Body::TaskAdded(Task { due: None, ..t.clone() }))).unwrap();
    let tag = bytes.iter().zip(&other).position(|(a, b)| a != b).unwrap();
    assert_eq!((bytes[tag], other[tag]), (1, 0));
    let mut bad = bytes.clone();
    bad[tag] = 2;
    assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "option", at: tag }));
    // The measure index is a u32.
    let other = encode(&example_event(4, Body::TaskAdded(Task { measure: Some((12, 2)), ..t }))).unwrap();
    let at = bytes.iter().zip(&other).position(|(a, b)| a != b).unwrap();
    assert_eq!((bytes[at], other[at]), (1, 2));
    let mut bad = bytes[..at].to_vec();
    bad.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x10]); // 2^32
    bad.extend_from_slice(&bytes[at + 1..]);
    assert_eq!(decode(&bad), Err(DecodeError::Invalid { what: "measure", at }));
    let mut ok = bytes[..at].to_vec();
    ok.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]); // u32::MAX
    ok.extend_from_slice(&bytes[at + 1..]);
    assert!(decode(&ok).is_ok());
}

/// The membership kinds, byte by byte after the common header: the code, then
/// the private flag and the reason, or the person and the reason.
#[test]
fn golden_encoding_of_membership() {
    let mut expected: Vec<(Kind, Vec<u8>)> = Vec::new();
    let mut v = vec![27, 1, 17];
    v.extend_from_slice(b"insider suspected");
    expected.push((Kind::VisibilityChanged, v));
    let mut v = vec![28, 7];
    v.extend_from_slice(b"tnguyen");
    v.push(18);
    v.extend_from_slice(b"keeps the timeline");
    expected.push((Kind::MemberAdded, v));
    let mut v = vec![29, 7];
    v.extend_from_slice(b"tnguyen");
    v.push(9);
    v.extend_from_slice(b"off shift");
    expected.push((Kind::MemberRemoved, v));
    for (kind, tail) in expected {
        let bytes = encode(&example_event(3, example(kind))).unwrap();
        assert_eq!(&bytes[HEADER..], &tail[..], "{kind}");
    }
    // The private flag is one byte, 0 or 1.
    let mut bytes = encode(&example_event(3, example(Kind::VisibilityChanged))).unwrap();
    bytes[HEADER + 1] = 2;
    assert_eq!(decode(&bytes).unwrap_err().to_string(), format!("invalid private flag at byte {}", HEADER + 1));
}

proptest! {
    /// The timeline's one line for any event is the first line of its full description
    /// (`describe::summary` skips building the details, it does not word anything differently).
    #[test]
    fn the_summary_of_any_event_is_its_descriptions_first_line(b in body()) {
        let opened = Opened {
            title: "t".into(),
            summary: "s".into(),
            category: Category::Other,
            severity: Severity::Low,
            site_version: Digest([7; 32]),
        };
        let inc = Incident::fold(vec![first_event("INC-1", "a", Timestamp::new(0, 0).unwrap(), opened)], Digest([1; 32])).unwrap();
        prop_assert_eq!(incident::describe::summary(&inc, &b), incident::describe::describe(&inc, &b).0);
    }
}
