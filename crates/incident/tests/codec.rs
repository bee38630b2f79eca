#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The canonical encoding: round trips for arbitrary events, exactly one
//! encoding per event, arbitrary bytes never panic the decoder, and golden
//! bytes that change only with a new encoding version.

use incident::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use site_model::Domain;

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
    ]
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
    fn arbitrary_bytes_never_panic_and_decode_canonically(tail in vec(any::<u8>(), 0..300), kind in 0u8..24) {
        // Raw bytes, and bytes behind a valid header (version 1, "INC-1", seq 1, a time, an actor,
        // a real kind code) so that the body decoders are reached too.
        let mut headed = vec![ENCODING, 5, b'I', b'N', b'C', b'-', b'1', 1, 0, 0, 1, b'a', kind];
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
    // version 1, incident "", seq 1, time 0 +0, actor "", kind 64 (reserved for response actions).
    let err = decode(&[1, 0, 1, 0, 0, 0, 64]).unwrap_err();
    assert_eq!(err.to_string(), "unknown event kind code 64 at byte 6");
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
