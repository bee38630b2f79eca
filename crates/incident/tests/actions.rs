//! The response-action workflow on the example site: proposals assessed and
//! frozen, approvals counted, disagreement and timeouts escalated, vetoes,
//! overrides, compensating measures, execution states, and every path
//! leaving a verifiable chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use incident::*;
use proptest::prelude::*;
use site_model::{LoadOptions, PhaseWord, Site, Source};

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

fn at(minutes: i64) -> Timestamp {
    Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minutes * 60_000_000)
}

fn s(x: &str) -> Box<str> {
    x.into()
}

struct World {
    site: Site,
    graph: impact::Graph,
    policy: Policy,
}

impl World {
    fn new() -> World {
        let site = riverbend();
        let graph = impact::Graph::compile(&site);
        World { site, graph, policy: Policy::default() }
    }

    fn engine(&self) -> authority::Engine<'_> {
        authority::Engine { site: &self.site, graph: &self.graph }
    }

    fn v(&self) -> Digest {
        Digest::parse(self.site.version()).unwrap()
    }

    fn av(&self) -> Digest {
        Digest::parse(&self.site.authority.as_ref().unwrap().version).unwrap()
    }
}

/// A declared incident on the example site, kept in memory.
struct Log<'w> {
    w: &'w World,
    inc: Option<Incident>,
    rows: Vec<Sealed>,
}

impl<'w> Log<'w> {
    fn declared(w: &'w World) -> Log<'w> {
        let mut log = Log { w, inc: None, rows: Vec::new() };
        let opened = Opened {
            title: s("Suspicious vendor session on the engineering workstation"),
            summary: s("Ridgeline session at 02:10 outside any work order."),
            category: Category::SuspiciousActivity,
            severity: Severity::High,
            site_version: w.v(),
        };
        log.stage(vec![first_event("INC-7", "tnguyen", at(0), opened)]).unwrap();
        log.add("mgarcia", 1, Body::Declared { reason: s("unexplained session on ews-01"), site_version: w.v() })
            .unwrap();
        log.add("mgarcia", 2, Body::PhaseChanged { phase: Phase::Contain, reason: s("contain the session") }).unwrap();
        log
    }

    fn inc(&self) -> &Incident {
        self.inc.as_ref().unwrap()
    }

    fn stage(&mut self, events: Vec<Event>) -> Result<u64, StageError> {
        let cx = Context { site: &self.w.site, policy: &self.w.policy, engine: Some(self.w.engine()) };
        let mut working = self.inc.clone();
        let sealed = stage(&mut working, events, &cx)?;
        self.inc = working;
        let last = sealed.last().map(|s| s.seq).unwrap_or(0);
        self.rows.extend(sealed);
        Ok(last)
    }

    fn add(&mut self, actor: &str, minute: i64, body: Body) -> Result<u64, StageError> {
        let e = self.inc().next_event(actor, at(minute), body);
        self.stage(vec![e])
    }

    fn propose(&mut self, actor: &str, minute: i64, text: &str) -> Result<u64, StageError> {
        let phase = PhaseWord::parse(self.inc().phase.as_str()).unwrap();
        let assessment = self.w.engine().assess(text, phase).unwrap();
        let body = Body::ActionProposed(Proposal {
            action: assessment.action.clone(),
            rationale: s("cut the attacker off"),
            evidence: vec![],
            phase: self.inc().phase,
            site_version: self.w.v(),
            authority_version: self.w.av(),
            assessment,
        });
        self.add(actor, minute, body)
    }

    /// The roles of the action's requirement `actor` holds, and their side, as the CLI computes them.
    fn stance(&self, actor: &str, action: u64, approve: bool) -> Body {
        let p = self.inc().proposal(action).unwrap();
        let a = &self.inc().actions[&action];
        let req = &p.assessment.requirement;
        let held: Vec<Box<str>> = authority::site_roles_of(&self.w.site, actor, req.decision_roles(a.level))
            .into_iter()
            .map(Box::from)
            .collect();
        let side = self.w.site.person_by_id(actor).and_then(|p| {
            let ixs: Vec<_> = held.iter().filter_map(|r| self.w.site.role_by_id(r)).collect();
            authority::person_side(&self.w.site, p, &ixs)
        });
        let st = Stance {
            action,
            rationale: s(if approve { "agreed" } else { "not now" }),
            roles: held,
            side,
            site_version: self.w.v(),
            authority_version: self.w.av(),
        };
        if approve { Body::ActionApproved(st) } else { Body::ActionRejected(st) }
    }

    fn approve(&mut self, actor: &str, minute: i64, action: u64) -> Result<u64, StageError> {
        let b = self.stance(actor, action, true);
        self.add(actor, minute, b)
    }

    fn reject(&mut self, actor: &str, minute: i64, action: u64) -> Result<u64, StageError> {
        let b = self.stance(actor, action, false);
        self.add(actor, minute, b)
    }

    fn confirm_all(&mut self, actor: &str, minute: i64, action: u64) {
        let n = self.inc().proposal(action).unwrap().assessment.measures.len();
        for m in 0..n {
            let body = Body::MeasureConfirmed(MeasureCheck { action, measure: m as u32, note: s("in place") });
            self.add(actor, minute, body).unwrap();
        }
    }

    fn status(&self, action: u64) -> ActionStatus {
        self.inc().actions[&action].status
    }

    fn reload(&self) -> Incident {
        let rows: Vec<Row<'_>> = self
            .rows
            .iter()
            .map(|r| Row {
                seq: r.seq,
                kind: r.kind.code() as i64,
                recorded_at: r.recorded_at,
                bytes: &r.bytes,
                hash: &r.hash.0,
            })
            .collect();
        let head = self.rows.last().unwrap();
        Incident::load("INC-7", rows, head.seq, &head.hash.0).unwrap()
    }
}

fn err(r: Result<u64, StageError>) -> String {
    r.expect_err("should be refused").to_string()
}

#[test]
fn disabling_the_directory_needs_operations_sign_off() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "take-offline dc-corp-01,dc-corp-02 for containment").unwrap();
    let p = log.inc().proposal(a).unwrap().clone();
    let rule = p.assessment.requirement.rules.iter().find(|m| &*m.rule == "ot-impact-needs-operations").unwrap();
    assert!(rule.because.iter().any(|b| b.contains("ot-authentication-loss")), "{:?}", rule.because);
    assert_eq!(p.authority_version, w.av());
    // The proposer's own approval is refused.
    assert!(err(log.approve("tnguyen", 11, a)).contains("never counts"));
    // IT alone is not enough.
    log.approve("psharma", 12, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Pending);
    let steps = log.inc().actions[&a].next_steps(&p);
    assert!(steps.iter().any(|s| s.contains("ot-lead")), "{steps:?}");
    // Someone with no role of the requirement cannot approve.
    assert!(err(log.approve("kpowell", 13, a)).contains("may not approve"));
    log.approve("eschmidt", 14, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Approved);
    // Measures first, then only IT (it-lead or the commander) executes.
    if !p.assessment.measures.is_empty() {
        let e = err(log.add("psharma", 15, Body::ExecutionStarted(ActionNote { action: a, note: s("") })));
        assert!(e.contains("compensating measures"), "{e}");
        log.confirm_all("eschmidt", 15, a);
    }
    assert!(
        err(log.add("hpatel", 16, Body::ExecutionStarted(ActionNote { action: a, note: s("") })))
            .contains("executed by")
    );
    log.add("psharma", 16, Body::ExecutionStarted(ActionNote { action: a, note: s("both DCs") })).unwrap();
    log.add(
        "psharma",
        20,
        Body::ExecutionReported(ExecutionReport { action: a, outcome: ExecutionOutcome::Completed, note: s("down") }),
    )
    .unwrap();
    log.add(
        "tnguyen",
        25,
        Body::ActionVerified(Verification { action: a, result: VerificationResult::Effective, note: s("no logons") }),
    )
    .unwrap();
    assert_eq!(log.status(a), ActionStatus::Completed);
    assert_eq!(log.reload().actions, log.inc().actions);
}

#[test]
fn killing_the_vendor_session_needs_ot_and_a_half_applied_change_is_visible() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "kill-session pathway:ridgeline/remote-support for containment").unwrap();
    let p = log.inc().proposal(a).unwrap().clone();
    assert!(p.assessment.measures.iter().any(|m| m.contains("half-applied")));
    // Only operations can approve it: the IT lead holds no role that counts.
    assert!(err(log.approve("psharma", 11, a)).contains("ot-lead"));
    assert_eq!(log.status(a), ActionStatus::Pending);
    log.approve("eschmidt", 12, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Approved);
    let e = err(log.add("eschmidt", 13, Body::ExecutionStarted(ActionNote { action: a, note: s("") })));
    assert!(e.contains("half-applied"), "{e}");
    log.confirm_all("eschmidt", 14, a);
    log.add("eschmidt", 15, Body::ExecutionStarted(ActionNote { action: a, note: s("") })).unwrap();
    log.add(
        "eschmidt",
        16,
        Body::ExecutionReported(ExecutionReport {
            action: a,
            outcome: ExecutionOutcome::Partial,
            note: s("session dropped mid-download to plc-chlor-01"),
        }),
    )
    .unwrap();
    assert_eq!(log.status(a), ActionStatus::PartiallyApplied);
    let steps = log.inc().actions[&a].next_steps(&p);
    assert!(steps.iter().any(|s| s.contains("PARTIALLY APPLIED")), "{steps:?}");
    log.add(
        "eschmidt",
        30,
        Body::ActionRolledBack(ExecutionReport {
            action: a,
            outcome: ExecutionOutcome::Completed,
            note: s("restored"),
        }),
    )
    .unwrap();
    assert_eq!(log.status(a), ActionStatus::RolledBack);
}

#[test]
fn isolating_the_historian_segment_needs_both_sides_and_disagreement_escalates_at_once() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "isolate zone:plant-ops for containment").unwrap();
    let p = log.inc().proposal(a).unwrap().clone();
    assert!(p.assessment.requirement.joint);
    assert!(p.assessment.measures.iter().any(|m| m.contains("manual verification")));
    // Two OT approvers are not a joint sign-off.
    log.approve("eschmidt", 11, a).unwrap();
    log.approve("hpatel", 11, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Pending);
    // IT rejects while OT approved: escalates at once to unified command.
    log.reject("psharma", 12, a).unwrap();
    let st = &log.inc().actions[&a];
    assert_eq!(st.level, 1);
    assert_eq!(st.escalations.last().map(|e| e.1), Some(EscalationCause::Disagreement));
    assert_eq!(st.status, ActionStatus::Pending);
    // Unified command has 15 minutes from the disagreement; then the plant manager.
    assert!(log.inc().due(at(26)).is_empty());
    let due = log.inc().due(at(27));
    assert_eq!((due.len(), due[0].level, &*due[0].role), (1, 2, "plant-manager"));
    // The commander decides in time.
    log.approve("mgarcia", 13, a).unwrap();
    assert!(log.inc().due(at(27)).is_empty());
    assert_eq!(log.status(a), ActionStatus::Approved);
    assert_eq!(log.reload().actions, log.inc().actions);
}

#[test]
fn an_undecided_proposal_escalates_up_the_ladder_on_time() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "isolate zone:plant-ops for containment").unwrap();
    // ot-targets says 10 minutes.
    assert_eq!(log.inc().proposal(a).unwrap().assessment.requirement.escalate_minutes, 10);
    assert!(log.inc().due(at(19)).is_empty());
    let due = log.inc().due(at(20));
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].level, &*due[0].role), (1, "incident-commander"));
    let esc = |level| {
        Body::ActionEscalated(Escalation {
            action: a,
            level,
            cause: EscalationCause::Timeout,
            reason: s("no decision"),
        })
    };
    assert!(err(log.add("tnguyen", 19, esc(1))).contains("not due"));
    log.add("tnguyen", 20, esc(1)).unwrap();
    assert!(log.inc().due(at(34)).is_empty());
    let due = log.inc().due(at(35));
    assert_eq!((due[0].level, &*due[0].role), (2, "plant-manager"));
    log.add("tnguyen", 35, esc(2)).unwrap();
    let due = log.inc().due(at(65));
    assert_eq!((due[0].level, &*due[0].role), (3, "crisis-management-team"));
    log.add("tnguyen", 65, esc(3)).unwrap();
    // The top of the ladder: nothing more is due.
    assert!(log.inc().due(at(10_000)).is_empty());
    // The plant manager (level 2) decides alone.
    log.reject("lmartin", 70, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Rejected);
}

#[test]
fn a_safety_veto_stands_and_cannot_be_overridden() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "take-offline dc-corp-01,dc-corp-02 for containment").unwrap();
    log.approve("psharma", 11, a).unwrap();
    log.reject("ocarter", 12, a).unwrap();
    assert_eq!(log.status(a), ActionStatus::Vetoed);
    let o = Body::ActionOverridden(Override {
        action: a,
        rationale: s("emergency"),
        site_version: w.v(),
        authority_version: w.av(),
    });
    assert!(err(log.add("mgarcia", 13, o)).contains("cannot be overridden"));
}

#[test]
fn an_unsafe_verdict_blocks_approval_and_only_an_authorised_override_proceeds() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "isolate plc-chlor-01 for containment").unwrap();
    let p = log.inc().proposal(a).unwrap().clone();
    assert_eq!(p.assessment.verdict, authority::VerdictKind::Unsafe, "{:?}", p.assessment.unsafe_reasons);
    assert!(err(log.approve("eschmidt", 11, a)).contains("unsafe"));
    let o = |r: &str| {
        Body::ActionOverridden(Override { action: a, rationale: s(r), site_version: w.v(), authority_version: w.av() })
    };
    assert!(err(log.add("mgarcia", 12, o("  "))).contains("rationale"));
    if p.assessment.requirement.override_roles.is_empty() {
        assert!(err(log.add("mgarcia", 12, o("chlorine release in progress"))).contains("no emergency override"));
        return;
    }
    assert!(err(log.add("psharma", 12, o("chlorine release in progress"))).contains("override"));
    let seq = log.add("mgarcia", 12, o("chlorine release in progress")).unwrap();
    assert_eq!(log.status(a), ActionStatus::Approved);
    assert_eq!(log.inc().reviews, vec![seq]);
}

#[test]
fn on_the_safety_system_no_override_is_possible() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let a = log.propose("tnguyen", 10, "isolate sis-chlor-01 for containment").unwrap();
    let o = Body::ActionOverridden(Override {
        action: a,
        rationale: s("now"),
        site_version: w.v(),
        authority_version: w.av(),
    });
    assert!(err(log.add("mgarcia", 11, o)).contains("no emergency override"));
}

#[test]
fn a_forged_assessment_is_refused() {
    let w = World::new();
    let mut log = Log::declared(&w);
    let mut assessment = w.engine().assess("take-offline dc-corp-01,dc-corp-02", PhaseWord::Contain).unwrap();
    assessment.requirement.groups.clear();
    let body = Body::ActionProposed(Proposal {
        action: assessment.action.clone(),
        rationale: s("quick"),
        evidence: vec![],
        phase: Phase::Contain,
        site_version: w.v(),
        authority_version: w.av(),
        assessment,
    });
    assert!(err(log.add("tnguyen", 10, body)).contains("recorded assessment"));
}

/// One step of a random walk through the workflow.
#[derive(Debug, Clone)]
enum Op {
    Propose(usize),
    Approve(usize),
    Reject(usize),
    Escalate,
    Override(usize),
    Confirm,
    Execute(usize),
    Report(u8),
    Verify,
    Rollback(usize),
    Withdraw(usize),
}

const PEOPLE: [&str; 8] = ["tnguyen", "psharma", "eschmidt", "hpatel", "ocarter", "mgarcia", "lmartin", "jchen"];
const ACTIONS: [&str; 4] = [
    "take-offline dc-corp-01,dc-corp-02",
    "kill-session pathway:ridgeline/remote-support",
    "isolate zone:plant-ops",
    "isolate plc-chlor-01",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4).prop_map(Op::Propose),
        (0usize..8).prop_map(Op::Approve),
        (0usize..8).prop_map(Op::Reject),
        Just(Op::Escalate),
        (0usize..8).prop_map(Op::Override),
        Just(Op::Confirm),
        (0usize..8).prop_map(Op::Execute),
        (0u8..3).prop_map(Op::Report),
        Just(Op::Verify),
        (0usize..8).prop_map(Op::Rollback),
        (0usize..8).prop_map(Op::Withdraw),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_path_through_the_workflow_leaves_a_verifiable_chain(ops in prop::collection::vec((op(), 0i64..20), 1..40)) {
        let w = World::new();
        let mut log = Log::declared(&w);
        let mut minute = 10;
        for (op, dt) in ops {
            minute += dt;
            let last = log.inc().actions.keys().next_back().copied();
            let _ = match (op, last) {
                (Op::Propose(i), _) => log.propose(PEOPLE[i % 2 * 5], minute, ACTIONS[i]),
                (_, None) => continue,
                (Op::Approve(p), Some(a)) => log.approve(PEOPLE[p], minute, a),
                (Op::Reject(p), Some(a)) => log.reject(PEOPLE[p], minute, a),
                (Op::Escalate, Some(a)) => {
                    let level = log.inc().actions[&a].level + 1;
                    log.add("tnguyen", minute, Body::ActionEscalated(Escalation { action: a, level, cause: EscalationCause::Timeout, reason: s("t") }))
                }
                (Op::Override(p), Some(a)) => log.add(PEOPLE[p], minute, Body::ActionOverridden(Override { action: a, rationale: s("r"), site_version: w.v(), authority_version: w.av() })),
                (Op::Confirm, Some(a)) => {
                    let n = log.inc().actions[&a].confirmed.len() as u32;
                    log.add("eschmidt", minute, Body::MeasureConfirmed(MeasureCheck { action: a, measure: n, note: s("ok") }))
                }
                (Op::Execute(p), Some(a)) => log.add(PEOPLE[p], minute, Body::ExecutionStarted(ActionNote { action: a, note: s("") })),
                (Op::Report(o), Some(a)) => {
                    let outcome = ExecutionOutcome::ALL[o as usize];
                    let who = ["psharma", "eschmidt", "mgarcia"][o as usize];
                    log.add(who, minute, Body::ExecutionReported(ExecutionReport { action: a, outcome, note: s("") }))
                }
                (Op::Verify, Some(a)) => log.add("tnguyen", minute, Body::ActionVerified(Verification { action: a, result: VerificationResult::Effective, note: s("ok") })),
                (Op::Rollback(p), Some(a)) => log.add(PEOPLE[p], minute, Body::ActionRolledBack(ExecutionReport { action: a, outcome: ExecutionOutcome::Completed, note: s("") })),
                (Op::Withdraw(p), Some(a)) => log.add(PEOPLE[p], minute, Body::ActionWithdrawn(ActionNote { action: a, note: s("no longer needed") })),
            };
        }
        let reloaded = log.reload();
        prop_assert_eq!(&reloaded.actions, &log.inc().actions);
        prop_assert_eq!(reloaded.head(), log.inc().head());
        for (seq, st) in &log.inc().actions {
            let p = log.inc().proposal(*seq).unwrap();
            // A vetoed action never executes; an executed one was approved (or overridden) first.
            if st.status.applied() || matches!(st.status, ActionStatus::Completed | ActionStatus::RolledBack) && !st.executions.is_empty() {
                prop_assert!(st.decided.is_some());
                prop_assert!(st.measures_confirmed(p.assessment.measures.len()));
            }
            for (_, v) in st.approvals.iter().map(|v| (v.seq, v)) {
                prop_assert!(*v.person != *st.proposer);
            }
        }
    }
}

#[test]
fn reconnecting_an_ot_asset_always_needs_operations_whatever_the_matrix_says() {
    let mut w = World::new();
    // A matrix whose only rule lets IT approve everything.
    if let Some(m) = &mut w.site.authority {
        m.rules.retain(|r| &*r.id == "it-targets");
        m.rules[0].when.target_domains.clear();
    }
    let mut log = Log::declared(&w);
    log.add("mgarcia", 3, Body::PhaseChanged { phase: Phase::Recover, reason: s("contained") }).unwrap();
    let assessment = w.engine().assess("reconnect plc-chlor-01", PhaseWord::Recover).unwrap();
    assert!(assessment.requirement.groups.iter().all(|g| g.roles.iter().all(|r| &**r != "ot-lead")));
    let body = Body::ActionProposed(Proposal {
        action: assessment.action.clone(),
        rationale: s("restored"),
        evidence: vec![],
        phase: Phase::Recover,
        site_version: w.v(),
        authority_version: w.av(),
        assessment,
    });
    let e = err(log.add("tnguyen", 10, body));
    assert!(e.contains("always needs operations approval"), "{e}");
}
