//! The after-action report: what happened, what was decided and why, who
//! disagreed, how long decisions took, where the response left its plan,
//! the evidence and hypotheses, and the lessons learned. Built from the
//! incident's state ([`build`]) as a serde value, rendered to Markdown and
//! to one self-contained HTML file.

use incident::{
    ActionState, ActionStatus, Body, EscalationCause, ExecutionOutcome, Incident, TaskStatus, Timestamp,
    VerificationResult,
};
use serde::Serialize;
use site_model::Site;

use crate::doc::{Doc, Item};
use crate::text::{self, action_text, between, needs, person, seqs};

/// The after-action report of one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterAction {
    /// Always `after-action`.
    pub form: &'static str,
    pub incident: Header,
    /// When the report was made (given by the caller).
    pub generated_at: String,
    pub timeline: Vec<TimelineEntry>,
    pub decisions: Vec<DecisionEntry>,
    pub approvals: Vec<ApprovalEntry>,
    pub overrides: Vec<OverrideEntry>,
    pub deviations: Vec<Deviation>,
    pub evidence: Vec<EvidenceEntry>,
    pub hypotheses: Vec<HypothesisEntry>,
    pub lessons: Lessons,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub site: String,
    pub organisation: Option<String>,
    pub status: String,
    pub severity: String,
    pub category: String,
    pub phase: String,
    pub opened_at: String,
    pub opened_by: String,
    pub declared_at: Option<String>,
    pub closed_at: Option<String>,
    /// How many events the record holds, and the hash of the last one.
    pub events: u64,
    pub head: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub seq: u64,
    pub recorded_at: String,
    /// When it happened, when the event says so and it differs from the recording.
    pub occurred_at: Option<String>,
    pub actor: String,
    pub kind: &'static str,
    /// The event as recorded, in one line.
    pub summary: String,
    /// The correction that supersedes it, if any.
    pub superseded_by: Option<u64>,
    /// Whether that correction retracts it.
    pub retracted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Voice {
    /// The event (none for dissent recorded with a decision).
    pub seq: Option<u64>,
    pub person: String,
    /// `dissent`, `rejection`, `veto`, `approval` (of an action then decided against), `disagreement`.
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEntry {
    pub seq: u64,
    pub at: String,
    /// `decision` (recorded with its options) or `action` (a response action decided).
    pub source: &'static str,
    pub title: String,
    pub options: Vec<String>,
    /// The option chosen, or what became of the action.
    pub outcome: String,
    pub decided_by: Vec<String>,
    pub rationale: String,
    pub dissent: Vec<Voice>,
    pub evidence: Vec<u64>,
    /// The correction this decision reads as (it was corrected).
    pub corrected_by: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stance {
    pub seq: u64,
    pub at: String,
    pub person: String,
    /// `approved`, `rejected`, `escalated`, `overridden`, `withdrawn`.
    pub stance: String,
    pub roles: Vec<String>,
    pub rationale: String,
    /// Time since the proposal.
    pub after: String,
    pub after_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionTime {
    pub seq: u64,
    pub outcome: String,
    pub at: String,
    pub after: String,
    pub after_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalEntry {
    pub action: u64,
    pub text: String,
    pub proposed_by: String,
    pub proposed_at: String,
    pub rationale: String,
    pub verdict: String,
    pub requires: String,
    pub status: String,
    pub stances: Vec<Stance>,
    /// The final decision and the time it took, once decided.
    pub decision: Option<DecisionTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverrideEntry {
    pub seq: u64,
    pub action: u64,
    pub text: String,
    pub by: String,
    pub at: String,
    pub after_proposal: String,
    pub verdict: String,
    pub rationale: String,
    /// Approvals the matrix required and that the override went without.
    pub bypassed: String,
    /// The post-incident review item (`review-N`).
    pub review_item: String,
    pub review: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    pub seq: Option<u64>,
    pub at: String,
    /// `override`, `partial-execution`, `failed-execution`, `rollback`, `ineffective-verification`,
    /// `withdrawn`, `escalation-timeout`, `disagreement`, `recovery-reorder`, `failed-check`,
    /// `task-blocked`, `task-cancelled`, `task-overdue`, `recovery-ended-with-open-items`,
    /// `follow-up-overdue`.
    pub kind: &'static str,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transfer {
    pub seq: u64,
    pub from: String,
    pub to: String,
    pub at: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceEntry {
    pub seq: u64,
    pub title: String,
    pub source: String,
    pub side: String,
    pub sha256: Option<String>,
    pub location: Option<String>,
    pub collected_by: String,
    pub collected_at: String,
    pub assets: Vec<String>,
    pub description: Option<String>,
    pub custodian: String,
    pub custody: Vec<Transfer>,
    pub corrected_by: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HypothesisUpdate {
    pub seq: u64,
    pub at: String,
    pub by: String,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HypothesisEntry {
    pub seq: u64,
    pub statement: String,
    pub proposed_by: String,
    pub status: String,
    /// Evidence for and against, as `#N title`.
    pub evidence_for: Vec<String>,
    pub evidence_against: Vec<String>,
    pub updates: Vec<HypothesisUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpEntry {
    pub item: String,
    pub what: String,
    pub due: String,
    /// `recorded`, `open` or `overdue`.
    pub status: &'static str,
    pub text: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<String>,
    pub plan_changed: bool,
    pub acknowledged_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lessons {
    /// The lessons learned as recorded (the `lessons-learned` follow-up).
    pub recorded: Vec<String>,
    /// Every follow-up: lessons, plan and site-model updates, override reviews.
    pub follow_ups: Vec<FollowUpEntry>,
    /// What the report says about them, always present.
    pub note: String,
}

/// Builds the after-action report of an incident at `now`.
pub fn build(site: &Site, inc: &Incident, now: Timestamp) -> AfterAction {
    AfterAction {
        form: "after-action",
        incident: header(site, inc),
        generated_at: now.to_string(),
        timeline: timeline(inc),
        decisions: decisions(inc),
        approvals: approvals(inc),
        overrides: overrides(inc),
        deviations: deviations(inc, now),
        evidence: evidence(inc),
        hypotheses: hypotheses(inc),
        lessons: lessons(inc, now),
    }
}

pub(crate) fn header(site: &Site, inc: &Incident) -> Header {
    let at = |s: Option<u64>| s.and_then(|s| inc.event(s)).map(|e| e.recorded_at.to_string());
    let closed = inc
        .events()
        .iter()
        .rev()
        .find(|e| matches!(e.body, Body::PhaseChanged { phase: incident::Phase::Closed, .. } | Body::Dismissed { .. }))
        .map(|e| e.seq);
    Header {
        id: inc.id().to_string(),
        title: inc.opened.title.to_string(),
        summary: inc.opened.summary.to_string(),
        site: format!("{} ({})", site.info.name, site.info.id),
        organisation: site.info.organisation.as_deref().map(String::from),
        status: inc.status.to_string(),
        severity: inc.severity.to_string(),
        category: inc.category.to_string(),
        phase: inc.phase.to_string(),
        opened_at: inc.opened_at().to_string(),
        opened_by: inc.opened_by().to_string(),
        declared_at: at(inc.declared),
        closed_at: if inc.is_closed() { at(closed) } else { None },
        events: inc.seq(),
        head: inc.head().to_string(),
    }
}

fn timeline(inc: &Incident) -> Vec<TimelineEntry> {
    inc.events()
        .iter()
        .map(|e| {
            let superseded_by = inc.superseded_by(e.seq);
            let occurred = e.body.occurred_at().filter(|t| t.micros() != e.recorded_at.micros());
            TimelineEntry {
                seq: e.seq,
                recorded_at: e.recorded_at.to_string(),
                occurred_at: occurred.map(|t| t.to_string()),
                actor: e.actor.to_string(),
                kind: e.body.kind().as_str(),
                summary: text::summary(inc, &e.body),
                superseded_by,
                retracted: superseded_by.is_some() && inc.effective(e.seq).is_none(),
            }
        })
        .collect()
}

fn stance_rationale(inc: &Incident, seq: u64) -> String {
    match inc.event(seq).map(|e| &e.body) {
        Some(Body::ActionApproved(s) | Body::ActionRejected(s)) => s.rationale.to_string(),
        Some(Body::ActionOverridden(o)) => o.rationale.to_string(),
        Some(Body::ActionEscalated(e)) => e.reason.to_string(),
        Some(Body::ActionWithdrawn(n)) => n.note.to_string(),
        _ => String::new(),
    }
}

/// What became of an action, as a decision: approved, approved by override, rejected, vetoed, withdrawn.
fn outcome(a: &ActionState) -> &'static str {
    if a.overridden.is_some() {
        return "approved by emergency override";
    }
    match a.status {
        ActionStatus::Rejected => "rejected",
        ActionStatus::Vetoed => "vetoed",
        ActionStatus::Withdrawn => "withdrawn",
        ActionStatus::Pending => "pending",
        _ => "approved",
    }
}

fn decisions(inc: &Incident) -> Vec<DecisionEntry> {
    let mut out = Vec::new();
    for seq in &inc.decisions {
        let (Some(e), Some(Body::DecisionRecorded(d))) = (inc.event(*seq), inc.effective(*seq)) else { continue };
        out.push(DecisionEntry {
            seq: *seq,
            at: e.recorded_at.to_string(),
            source: "decision",
            title: d.title.to_string(),
            options: d.options.iter().map(|o| o.to_string()).collect(),
            outcome: d.options.get(d.choice as usize).map(|o| o.to_string()).unwrap_or_default(),
            decided_by: d.decided_by.iter().map(|p| p.to_string()).collect(),
            rationale: d.rationale.to_string(),
            dissent: d
                .dissent
                .iter()
                .map(|x| Voice { seq: None, person: x.person.to_string(), kind: "dissent", text: x.text.to_string() })
                .collect(),
            evidence: d.evidence.clone(),
            corrected_by: inc.superseded_by(*seq),
        });
    }
    for (seq, a) in &inc.actions {
        let Some(p) = inc.proposal(*seq) else { continue };
        let decided = match (a.decided, a.status) {
            (Some(d), _) => inc.event(d),
            (None, ActionStatus::Withdrawn) => {
                inc.events().iter().find(|e| matches!(&e.body, Body::ActionWithdrawn(n) if n.action == *seq))
            }
            _ => None,
        };
        let Some(decided) = decided else { continue };
        let approved = outcome(a).starts_with("approved");
        let mut dissent = Vec::new();
        if approved {
            for r in &a.rejections {
                let veto = r.roles.iter().any(|x| a.requirement.veto.contains(x));
                dissent.push(Voice {
                    seq: Some(r.seq),
                    person: r.person.to_string(),
                    kind: if veto { "veto" } else { "rejection" },
                    text: stance_rationale(inc, r.seq),
                });
            }
        } else {
            for v in &a.approvals {
                dissent.push(Voice {
                    seq: Some(v.seq),
                    person: v.person.to_string(),
                    kind: "approval",
                    text: stance_rationale(inc, v.seq),
                });
            }
        }
        for (e, cause) in &a.escalations {
            if *cause == EscalationCause::Disagreement {
                let who = inc.event(*e).map(|x| x.actor.to_string()).unwrap_or_default();
                dissent.push(Voice {
                    seq: Some(*e),
                    person: who,
                    kind: "disagreement",
                    text: format!("IT and OT disagreed; escalated to level 1 at #{e}"),
                });
            }
        }
        let mut rationale = format!("proposed by {}: {}", a.proposer, p.rationale);
        let why = stance_rationale(inc, decided.seq);
        if !why.is_empty() {
            rationale.push_str(&format!("; decided by {}: {why}", decided.actor));
        }
        out.push(DecisionEntry {
            seq: decided.seq,
            at: decided.recorded_at.to_string(),
            source: "action",
            title: format!("#{seq} {}", p.action),
            options: Vec::new(),
            outcome: outcome(a).to_string(),
            decided_by: vec![decided.actor.to_string()],
            rationale,
            dissent,
            evidence: p.evidence.clone(),
            corrected_by: None,
        });
    }
    out.sort_by_key(|d| d.seq);
    out
}

fn approvals(inc: &Incident) -> Vec<ApprovalEntry> {
    let mut out = Vec::new();
    for (seq, a) in &inc.actions {
        let Some(p) = inc.proposal(*seq) else { continue };
        let since = |t: Timestamp| (between(a.proposed_at, t), (t.micros() - a.proposed_at.micros()) / 1_000_000);
        let mut stances = Vec::new();
        for e in inc.events().iter().filter(|e| e.body.action_ref() == Some(*seq)) {
            let (stance, roles) = match &e.body {
                Body::ActionApproved(s) => ("approved".to_string(), s.roles.clone()),
                Body::ActionRejected(s) => {
                    let veto = s.roles.iter().any(|r| a.requirement.veto.contains(r));
                    (if veto { "rejected (veto)" } else { "rejected" }.to_string(), s.roles.clone())
                }
                Body::ActionEscalated(x) => (format!("escalated to level {} ({})", x.level, x.cause), Vec::new()),
                Body::ActionOverridden(_) => ("overridden".to_string(), Vec::new()),
                Body::ActionWithdrawn(_) => ("withdrawn".to_string(), Vec::new()),
                _ => continue,
            };
            let (after, after_seconds) = since(e.recorded_at);
            stances.push(Stance {
                seq: e.seq,
                at: e.recorded_at.to_string(),
                person: e.actor.to_string(),
                stance,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                rationale: stance_rationale(inc, e.seq),
                after,
                after_seconds,
            });
        }
        let decision = a.decided.and_then(|d| inc.event(d)).map(|e| {
            let (after, after_seconds) = since(e.recorded_at);
            DecisionTime {
                seq: e.seq,
                outcome: outcome(a).to_string(),
                at: e.recorded_at.to_string(),
                after,
                after_seconds,
            }
        });
        out.push(ApprovalEntry {
            action: *seq,
            text: p.action.to_string(),
            proposed_by: a.proposer.to_string(),
            proposed_at: a.proposed_at.to_string(),
            rationale: p.rationale.to_string(),
            verdict: p.assessment.verdict.as_str().to_string(),
            requires: needs(&p.assessment.requirement),
            status: a.status.to_string(),
            stances,
            decision,
        });
    }
    out
}

fn overrides(inc: &Incident) -> Vec<OverrideEntry> {
    let mut out = Vec::new();
    for seq in &inc.reviews {
        let Some(e) = inc.event(*seq) else { continue };
        let Body::ActionOverridden(o) = &e.body else { continue };
        let Some(a) = inc.actions.get(&o.action) else { continue };
        let p = inc.proposal(o.action);
        let item = format!("review-{seq}");
        let review = match inc.plan_of_work().follow_up(&item) {
            None => "opens when the incident closes".to_string(),
            Some(f) => match f.recorded.and_then(|r| inc.effective(r)) {
                Some(Body::FollowUpRecorded(r)) => format!("recorded: {}", r.text),
                _ => format!("open, due {}", f.due),
            },
        };
        out.push(OverrideEntry {
            seq: *seq,
            action: o.action,
            text: action_text(inc, o.action),
            by: e.actor.to_string(),
            at: e.recorded_at.to_string(),
            after_proposal: between(a.proposed_at, e.recorded_at),
            verdict: p.map(|p| p.assessment.verdict.as_str().to_string()).unwrap_or_default(),
            rationale: o.rationale.to_string(),
            bypassed: p.map(|p| needs(&p.assessment.requirement)).unwrap_or_default(),
            review_item: item,
            review,
        });
    }
    out
}

fn deviations(inc: &Incident, now: Timestamp) -> Vec<Deviation> {
    let mut out = Vec::new();
    for e in inc.events() {
        let Some(body) = inc.effective(e.seq) else { continue };
        let at = e.recorded_at.to_string();
        let mut push = |kind: &'static str, what: String| {
            out.push(Deviation { seq: Some(e.seq), at: at.clone(), kind, what });
        };
        match body {
            Body::ActionOverridden(o) => push(
                "override",
                format!(
                    "#{} {} approved by {} without its approvals: {}",
                    o.action,
                    action_text(inc, o.action),
                    e.actor,
                    o.rationale
                ),
            ),
            Body::ExecutionReported(r) if r.outcome == ExecutionOutcome::Partial => push(
                "partial-execution",
                format!("#{} {} only partly applied: {}", r.action, action_text(inc, r.action), r.note),
            ),
            Body::ExecutionReported(r) if r.outcome == ExecutionOutcome::Failed => {
                push("failed-execution", format!("#{} {} failed: {}", r.action, action_text(inc, r.action), r.note))
            }
            Body::ActionRolledBack(r) => push(
                "rollback",
                format!("#{} {} rolled back ({}): {}", r.action, action_text(inc, r.action), r.outcome, r.note),
            ),
            Body::ActionVerified(v) if v.result == VerificationResult::Ineffective => push(
                "ineffective-verification",
                format!("#{} {} did not have the intended effect: {}", v.action, action_text(inc, v.action), v.note),
            ),
            Body::ActionWithdrawn(n) => {
                push("withdrawn", format!("#{} {} withdrawn: {}", n.action, action_text(inc, n.action), n.note))
            }
            Body::ActionEscalated(x) if x.cause == EscalationCause::Timeout => push(
                "escalation-timeout",
                format!(
                    "#{} {} undecided in time; escalated to level {}",
                    x.action,
                    action_text(inc, x.action),
                    x.level
                ),
            ),
            Body::ActionRejected(s)
                if inc
                    .actions
                    .get(&s.action)
                    .is_some_and(|a| a.escalations.contains(&(e.seq, EscalationCause::Disagreement))) =>
            {
                push(
                    "disagreement",
                    format!(
                        "#{} {}: approved and rejected ({}: {}); escalated at once",
                        s.action,
                        action_text(inc, s.action),
                        e.actor,
                        s.rationale
                    ),
                )
            }
            Body::RecoveryReordered(r) => {
                let place = r.after.as_deref().map(|a| format!("after {a}")).unwrap_or_else(|| "first".into());
                push("recovery-reorder", format!("{} moved {place} in the recovery plan: {}", r.asset, r.reason))
            }
            Body::CheckRecorded(c) if !c.passed => {
                push("failed-check", format!("check {} of {} failed: {}", c.kind, c.asset, c.detail))
            }
            Body::TaskUpdated(u) if matches!(u.status, TaskStatus::Blocked | TaskStatus::Cancelled) => {
                let title = inc.plan_of_work().tasks.get(&u.task).map(|t| t.task.title.to_string()).unwrap_or_default();
                let kind = if u.status == TaskStatus::Blocked { "task-blocked" } else { "task-cancelled" };
                push(kind, format!("task #{} \"{title}\" {}: {}", u.task, u.status, u.note.as_deref().unwrap_or("")))
            }
            Body::RecoveryEnded(r) if !r.open_items.is_empty() => push(
                "recovery-ended-with-open-items",
                format!("recovery ended with open items: {}", r.open_items.join("; ")),
            ),
            _ => {}
        }
    }
    let work = inc.plan_of_work();
    for (seq, t) in &work.tasks {
        if let (true, Some(due)) = (t.is_overdue(now), t.task.due) {
            let owner = t.task.owner.as_deref().or(t.task.role.as_deref()).unwrap_or("?");
            out.push(Deviation {
                seq: Some(*seq),
                at: due.to_string(),
                kind: "task-overdue",
                what: format!("task #{seq} \"{}\" ({owner}) was due {due} and is {}", t.task.title, t.status),
            });
        }
    }
    for f in &work.follow_ups {
        if f.recorded.is_none() && f.due.micros() <= now.micros() {
            out.push(Deviation {
                seq: None,
                at: f.due.to_string(),
                kind: "follow-up-overdue",
                what: format!("follow-up {} was due {}: {}", f.item, f.due, f.what),
            });
        }
    }
    out
}

fn evidence_title(inc: &Incident, seq: u64) -> String {
    match inc.effective(seq) {
        Some(Body::EvidenceCollected(e)) => format!("#{seq} {}", e.title),
        _ => format!("#{seq}"),
    }
}

fn evidence(inc: &Incident) -> Vec<EvidenceEntry> {
    let mut out = Vec::new();
    for (seq, st) in &inc.evidence {
        let Some(Body::EvidenceCollected(e)) = inc.effective(*seq) else { continue };
        let custody = st
            .transfers
            .iter()
            .filter_map(|t| match inc.event(*t).map(|x| &x.body) {
                Some(Body::CustodyTransferred(c)) => Some(Transfer {
                    seq: *t,
                    from: c.from.to_string(),
                    to: c.to.to_string(),
                    at: c.at.to_string(),
                    reason: c.reason.to_string(),
                }),
                _ => None,
            })
            .collect();
        out.push(EvidenceEntry {
            seq: *seq,
            title: e.title.to_string(),
            source: e.source.to_string(),
            side: e.source.side().to_string(),
            sha256: e.sha256.map(|h| h.to_string()),
            location: e.location.as_deref().map(String::from),
            collected_by: e.collected_by.to_string(),
            collected_at: e.collected_at.to_string(),
            assets: e.assets.iter().map(|a| a.to_string()).collect(),
            description: e.description.as_deref().map(String::from),
            custodian: st.custodian.to_string(),
            custody,
            corrected_by: inc.superseded_by(*seq),
        });
    }
    out
}

fn hypotheses(inc: &Incident) -> Vec<HypothesisEntry> {
    let mut out = Vec::new();
    for (seq, h) in &inc.hypotheses {
        let Some(Body::HypothesisProposed(p)) = inc.effective(*seq) else { continue };
        let updates = h
            .updates
            .iter()
            .filter_map(|u| {
                let e = inc.event(*u)?;
                match &e.body {
                    Body::HypothesisUpdated(x) => Some(HypothesisUpdate {
                        seq: *u,
                        at: e.recorded_at.to_string(),
                        by: e.actor.to_string(),
                        status: x.status.to_string(),
                        reason: x.reason.to_string(),
                    }),
                    _ => None,
                }
            })
            .collect();
        out.push(HypothesisEntry {
            seq: *seq,
            statement: p.statement.to_string(),
            proposed_by: inc.event(*seq).map(|e| e.actor.to_string()).unwrap_or_default(),
            status: h.status.to_string(),
            evidence_for: h.evidence_for.iter().map(|s| evidence_title(inc, *s)).collect(),
            evidence_against: h.evidence_against.iter().map(|s| evidence_title(inc, *s)).collect(),
            updates,
        });
    }
    out
}

fn lessons(inc: &Incident, now: Timestamp) -> Lessons {
    let mut recorded = Vec::new();
    let mut follow_ups = Vec::new();
    for f in &inc.plan_of_work().follow_ups {
        let rec = f.recorded.and_then(|r| inc.event(r));
        let text = match rec.map(|e| &e.body) {
            Some(Body::FollowUpRecorded(r)) => Some(r.text.to_string()),
            _ => None,
        };
        if &*f.item == "lessons-learned"
            && let Some(t) = &text
        {
            recorded.push(t.clone());
        }
        follow_ups.push(FollowUpEntry {
            item: f.item.to_string(),
            what: f.what.to_string(),
            due: f.due.to_string(),
            status: if rec.is_some() {
                "recorded"
            } else if f.due.micros() <= now.micros() {
                "overdue"
            } else {
                "open"
            },
            text,
            recorded_by: rec.map(|e| e.actor.to_string()),
            recorded_at: rec.map(|e| e.recorded_at.to_string()),
            plan_changed: f.changed,
            acknowledged_by: f.acks.iter().map(|a| a.to_string()).collect(),
        });
    }
    let note = if !recorded.is_empty() {
        String::new()
    } else {
        match inc.plan_of_work().follow_up("lessons-learned") {
            Some(f) => format!("No lessons learned are recorded yet; they are due {}.", f.due),
            None => "No lessons learned are recorded yet: the incident is not closed, and closing it opens the \
                     follow-ups (lessons learned, plan and site-model updates, a review of every override)."
                .to_string(),
        }
    };
    Lessons { recorded, follow_ups, note }
}

impl AfterAction {
    /// The report as a document.
    pub fn to_doc(&self, site: &Site) -> Doc {
        let h = &self.incident;
        let mut d = Doc::new(format!("After-action report: {} ({})", h.title, h.id));
        let mut fields =
            vec![("Incident".to_string(), format!("{}: {}", h.id, h.title)), ("Site".into(), h.site.clone())];
        if let Some(o) = &h.organisation {
            fields.push(("Organisation".into(), o.clone()));
        }
        fields.extend([
            ("Status".to_string(), format!("{}, phase {}, severity {}, {}", h.status, h.phase, h.severity, h.category)),
            ("Opened".into(), format!("{} by {}", h.opened_at, person(site, &h.opened_by))),
            ("Declared".into(), h.declared_at.clone().unwrap_or_else(|| "not declared".into())),
            ("Closed".into(), h.closed_at.clone().unwrap_or_else(|| "not closed".into())),
            ("Record".into(), format!("{} events, head {}", h.events, h.head)),
            ("Report made".into(), self.generated_at.clone()),
        ]);
        d.fields(fields);
        d.para(h.summary.clone());

        d.h2("Timeline");
        let rows = self
            .timeline
            .iter()
            .map(|t| {
                let mut what = t.summary.clone();
                if let Some(o) = &t.occurred_at {
                    what = format!("{what} (happened {o})");
                }
                if let Some(c) = t.superseded_by {
                    what = format!("{what} ({} by #{c})", if t.retracted { "RETRACTED" } else { "CORRECTED" });
                }
                vec![format!("#{}", t.seq), t.recorded_at.clone(), t.actor.clone(), t.kind.to_string(), what]
            })
            .collect();
        d.table(&["#", "recorded", "by", "kind", "what"], rows);

        d.h2("Decisions");
        let items = self
            .decisions
            .iter()
            .map(|x| {
                let mut sub = Vec::new();
                if !x.options.is_empty() {
                    sub.push(format!("options: {}", x.options.join(" / ")));
                }
                sub.push(format!("decided by {}", x.decided_by.join(", ")));
                sub.push(format!("rationale: {}", x.rationale));
                for v in &x.dissent {
                    let at = v.seq.map(|s| format!(" #{s}")).unwrap_or_default();
                    sub.push(format!("dissent ({}{at}, {}): {}", v.kind, v.person, v.text));
                }
                if x.dissent.is_empty() {
                    sub.push("no dissent recorded".into());
                }
                if !x.evidence.is_empty() {
                    sub.push(format!("evidence {}", seqs(&x.evidence)));
                }
                if let Some(c) = x.corrected_by {
                    sub.push(format!("as corrected by #{c}"));
                }
                Item::with(format!("#{} {} \"{}\": {} ({})", x.seq, x.at, x.title, x.outcome, x.source), sub)
            })
            .collect();
        d.list_or(items, "No decisions are recorded.");

        d.h2("Approvals and time to decision");
        if self.approvals.is_empty() {
            d.para("No response action was proposed.");
        }
        for a in &self.approvals {
            d.h3(format!("#{} {}", a.action, a.text));
            let decided = match &a.decision {
                Some(x) => format!("{} at {} (#{}), {} after the proposal", x.outcome, x.at, x.seq, x.after),
                None => format!("not decided ({})", a.status),
            };
            d.fields(vec![
                ("Proposed".into(), format!("{} by {}: {}", a.proposed_at, a.proposed_by, a.rationale)),
                ("Verdict".into(), a.verdict.clone()),
                ("Required".into(), a.requires.clone()),
                ("Decision".into(), decided),
                ("Status now".into(), a.status.clone()),
            ]);
            let rows = a
                .stances
                .iter()
                .map(|s| {
                    vec![
                        format!("#{}", s.seq),
                        s.at.clone(),
                        s.after.clone(),
                        s.person.clone(),
                        s.stance.clone(),
                        s.roles.join(", "),
                        s.rationale.clone(),
                    ]
                })
                .collect();
            d.table_or(
                &["#", "at", "after proposal", "by", "stance", "as", "rationale"],
                rows,
                "No approval or rejection recorded.",
            );
        }

        d.h2("Overrides");
        let items = self
            .overrides
            .iter()
            .map(|o| {
                Item::with(
                    format!("#{} overrode #{} {} ({} after the proposal)", o.seq, o.action, o.text, o.after_proposal),
                    vec![
                        format!("by {} at {}", person(site, &o.by), o.at),
                        format!("rationale: {}", o.rationale),
                        format!("verdict {}; went without: {}", o.verdict, o.bypassed),
                        format!("review item {}: {}", o.review_item, o.review),
                    ],
                )
            })
            .collect();
        d.list_or(items, "No emergency override.");

        d.h2("Deviations from the plan");
        let rows = self
            .deviations
            .iter()
            .map(|x| {
                vec![
                    x.seq.map(|s| format!("#{s}")).unwrap_or_default(),
                    x.at.clone(),
                    x.kind.to_string(),
                    x.what.clone(),
                ]
            })
            .collect();
        d.table_or(&["#", "at", "kind", "what"], rows, "No deviation from the plan is recorded.");

        d.h2("Evidence");
        let items = self
            .evidence
            .iter()
            .map(|e| {
                let mut sub = vec![format!("collected by {} at {}", e.collected_by, e.collected_at)];
                sub.push(match &e.sha256 {
                    Some(h) => format!("artefact {h}"),
                    None => "no artefact hash".into(),
                });
                if let Some(l) = &e.location {
                    sub.push(format!("kept at {l}"));
                }
                if !e.assets.is_empty() {
                    sub.push(format!("assets {}", e.assets.join(", ")));
                }
                if let Some(x) = &e.description {
                    sub.push(x.clone());
                }
                for t in &e.custody {
                    sub.push(format!("custody #{}: {} -> {} at {}: {}", t.seq, t.from, t.to, t.at, t.reason));
                }
                sub.push(format!("custodian now: {}", e.custodian));
                if let Some(c) = e.corrected_by {
                    sub.push(format!("as corrected by #{c}"));
                }
                Item::with(format!("#{} {} ({}, {})", e.seq, e.title, e.source, e.side), sub)
            })
            .collect();
        d.list_or(items, "No evidence is recorded.");

        d.h2("Hypotheses");
        let items = self
            .hypotheses
            .iter()
            .map(|x| {
                let mut sub = vec![format!("proposed by {}", x.proposed_by)];
                let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join("; ") };
                sub.push(format!("evidence for: {}", list(&x.evidence_for)));
                sub.push(format!("evidence against: {}", list(&x.evidence_against)));
                for u in &x.updates {
                    sub.push(format!("#{} {} {} -> {}: {}", u.seq, u.at, u.by, u.status, u.reason));
                }
                Item::with(format!("#{} [{}] {}", x.seq, x.status, x.statement), sub)
            })
            .collect();
        d.list_or(items, "No hypotheses are recorded.");

        d.h2("Lessons learned");
        if !self.lessons.note.is_empty() {
            d.para(self.lessons.note.clone());
        }
        if !self.lessons.recorded.is_empty() {
            d.list(self.lessons.recorded.iter().map(Item::new).collect());
        }
        let rows = self
            .lessons
            .follow_ups
            .iter()
            .map(|f| {
                vec![
                    f.item.clone(),
                    f.status.to_string(),
                    f.due.clone(),
                    f.text.clone().unwrap_or_default(),
                    f.acknowledged_by.join(", "),
                ]
            })
            .collect();
        if !self.lessons.follow_ups.is_empty() {
            d.h3("Follow-ups");
            d.table(&["item", "status", "due", "record", "acknowledged by"], rows);
        }
        d
    }

    pub fn to_markdown(&self, site: &Site) -> String {
        self.to_doc(site).to_markdown()
    }

    pub fn to_html(&self, site: &Site) -> String {
        self.to_doc(site).to_html()
    }
}
