//! Properties of counting approvals and of combining rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use authority::assess::{Context, requirement};
use authority::{Fact, Group, Requirement, Rung, Vote, tally};
use proptest::prelude::*;
use site_model::authority::{ApprovalGroup, Authority, Conditions, Outcome, Place, Rule};
use site_model::{Domain, ImpactFact, IntentWord, PhaseWord, RoleIx, Site};

const ROLES: [&str; 6] = ["r0", "r1", "r2", "r3", "r4", "r5"];
const PEOPLE: [&str; 8] = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];

fn arb_requirement() -> impl Strategy<Value = Requirement> {
    (prop::collection::vec((prop::collection::btree_set(0usize..6, 1..4), 1u32..4), 0..4), any::<bool>()).prop_map(
        |(groups, joint)| Requirement {
            rules: Vec::new(),
            groups: groups
                .into_iter()
                .map(|(roles, count)| Group { roles: roles.into_iter().map(|r| ROLES[r].into()).collect(), count })
                .collect(),
            joint,
            veto: Vec::new(),
            execute: None,
            override_roles: Vec::new(),
            escalate_minutes: 15,
            ladder: vec![Rung { role: "r5".into(), minutes: 30 }],
        },
    )
}

/// (person, roles, side) triples.
type RawVote = (usize, Vec<Box<str>>, Option<Domain>);

fn arb_votes() -> impl Strategy<Value = Vec<RawVote>> {
    prop::collection::vec(
        (
            0usize..8,
            prop::collection::btree_set(0usize..6, 0..3),
            prop_oneof![Just(None), Just(Some(Domain::It)), Just(Some(Domain::Ot))],
        )
            .prop_map(|(p, roles, side)| (p, roles.into_iter().map(|r| ROLES[r].into()).collect(), side)),
        0..8,
    )
}

fn votes(raw: &[RawVote]) -> Vec<Vote<'_>> {
    raw.iter().map(|(p, roles, side)| Vote { person: PEOPLE[*p], roles, side: *side }).collect()
}

proptest! {
    #[test]
    fn adding_an_approval_never_unsatisfies(req in arb_requirement(), raw in arb_votes(), extra in arb_votes(), proposer in 0usize..8) {
        let before = tally(&req, PEOPLE[proposer], &votes(&raw));
        let mut all = raw.clone();
        all.extend(extra);
        let after = tally(&req, PEOPLE[proposer], &votes(&all));
        prop_assert!(!before.satisfied || after.satisfied);
        for (b, a) in before.counted.iter().zip(&after.counted) {
            prop_assert!(b.iter().all(|p| a.contains(p)));
        }
    }

    #[test]
    fn a_proposer_never_counts_towards_their_own_quorum(req in arb_requirement(), raw in arb_votes(), proposer in 0usize..8, roles in prop::collection::btree_set(0usize..6, 1..4)) {
        let proposer = PEOPLE[proposer];
        let others: Vec<RawVote> = raw.iter().filter(|(p, _, _)| PEOPLE[*p] != proposer).cloned().collect();
        let mut with_self = others.clone();
        let p = PEOPLE.iter().position(|x| *x == proposer).unwrap();
        with_self.push((p, roles.into_iter().map(|r| ROLES[r].into()).collect(), Some(Domain::Ot)));
        with_self.push((p, vec!["r0".into()], Some(Domain::It)));
        let a = tally(&req, proposer, &votes(&others));
        let b = tally(&req, proposer, &votes(&with_self));
        prop_assert_eq!(&a, &b);
        for c in &b.counted {
            prop_assert!(c.iter().all(|x| &**x != proposer));
        }
    }
}

/// A matrix over the example site's roles: each rule has an impact
/// condition (possibly empty) and some approval groups.
/// (impact facts, approval groups (roles, count), joint), by index.
type RuleSpec = (Vec<usize>, Vec<(Vec<usize>, u32)>, bool);

fn arb_matrix(roles: usize) -> impl Strategy<Value = Vec<RuleSpec>> {
    prop::collection::vec(
        (
            prop::collection::vec(0usize..ImpactFact::ALL.len(), 0..3),
            prop::collection::vec((prop::collection::vec(0usize..roles, 1..3), 1u32..3), 0..3),
            any::<bool>(),
        ),
        1..6,
    )
}

fn build(site: &Site, spec: &[RuleSpec]) -> Authority {
    Authority {
        escalate_minutes: 15,
        ladder: None,
        override_roles: Vec::new(),
        ladders: Vec::new(),
        rules: spec
            .iter()
            .enumerate()
            .map(|(i, (facts, groups, joint))| Rule {
                id: format!("rule-{i}").into(),
                description: None,
                when: Conditions { impact: facts.iter().map(|f| ImpactFact::ALL[*f]).collect(), ..Default::default() },
                then: Outcome {
                    approvals: groups
                        .iter()
                        .map(|(r, count)| ApprovalGroup {
                            roles: r.iter().map(|x| RoleIx((*x % site.roles.len()) as u32)).collect(),
                            count: *count,
                        })
                        .collect(),
                    joint: *joint,
                    ..Default::default()
                },
                place: Place::default(),
            })
            .collect(),
        version: String::new(),
        place: Place::default(),
    }
}

fn facts(ix: &[usize]) -> Vec<Fact> {
    let mut v: Vec<Fact> = ix.iter().map(|i| Fact { fact: ImpactFact::ALL[*i], evidence: "x".into() }).collect();
    v.sort_by_key(|f| f.fact);
    v.dedup_by_key(|f| f.fact);
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_larger_impact_never_needs_fewer_approvals(
        spec in arb_matrix(11),
        small in prop::collection::vec(0usize..ImpactFact::ALL.len(), 0..4),
        more in prop::collection::vec(0usize..ImpactFact::ALL.len(), 1..4),
        voters in prop::collection::vec((0usize..11, any::<bool>()), 0..6),
    ) {
        let site = common::riverbend();
        let m = build(&site, &spec);
        let small_f = facts(&small);
        let mut big_ix = small.clone();
        big_ix.extend(more);
        let big_f = facts(&big_ix);
        let cx = |f: &'_ [Fact]| -> Option<Requirement> {
            let c = Context { verb: "isolate", intent: IntentWord::Containment, phase: PhaseWord::Contain, facts: f };
            requirement(&site, &m, &c, &[]).ok()
        };
        let (Some(rs), Some(rb)) = (cx(&small_f), cx(&big_f)) else {
            // No rule matched the smaller impact: nothing to compare, unless the larger one is uncovered too.
            return Ok(());
        };
        // Every group the smaller impact needs, the larger needs at least as strongly.
        for g in &rs.groups {
            prop_assert!(
                rb.groups.iter().any(|h| h.count >= g.count && h.roles.iter().all(|r| g.roles.contains(r))),
                "{:?} vs {:?}", rs.groups, rb.groups
            );
        }
        prop_assert!(!rs.joint || rb.joint);
        // Whatever satisfies the larger requirement satisfies the smaller.
        let raw: Vec<(String, Vec<Box<str>>, Option<Domain>)> = voters
            .iter()
            .enumerate()
            .map(|(i, (r, it))| (format!("v{i}"), vec![site.roles[*r % site.roles.len()].id.clone()], Some(if *it { Domain::It } else { Domain::Ot })))
            .collect();
        let votes: Vec<Vote<'_>> = raw.iter().map(|(p, r, s)| Vote { person: p, roles: r, side: *s }).collect();
        if tally(&rb, "proposer", &votes).satisfied {
            prop_assert!(tally(&rs, "proposer", &votes).satisfied);
        }
    }
}

/// Found by the property above: a rule asking only for joint sign-off, and a
/// larger impact adding a rule with a group. Whoever satisfies the larger
/// requirement satisfies the smaller.
#[test]
fn joint_sign_off_alone_is_given_by_any_it_and_ot_approvers() {
    let joint_only = Requirement {
        rules: Vec::new(),
        groups: Vec::new(),
        joint: true,
        veto: Vec::new(),
        execute: None,
        override_roles: Vec::new(),
        escalate_minutes: 15,
        ladder: Vec::new(),
    };
    let with_group = Requirement { groups: vec![Group { roles: vec!["r0".into()], count: 1 }], ..joint_only.clone() };
    let r0: Vec<Box<str>> = vec!["r0".into()];
    let votes = [
        Vote { person: "a", roles: &r0, side: Some(Domain::Ot) },
        Vote { person: "b", roles: &r0, side: Some(Domain::It) },
    ];
    assert!(tally(&with_group, "p", &votes).satisfied);
    assert!(tally(&joint_only, "p", &votes).satisfied);
    assert_eq!(tally(&joint_only, "p", &votes[..1]).missing_sides, vec![Domain::It]);
}
