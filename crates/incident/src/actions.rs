//! Response actions in an incident: the state of each proposal, folded from
//! its workflow events, what it still needs, and the escalations that are due
//! at a given time.
//!
//! ```text
//! proposed ─┬─ approvals satisfy the requirement ─────────────┐
//!           ├─ a decider at the current escalation level ─────┤
//!           ├─ emergency override (review item) ──────────────┼─> approved ─> executing ─┬─> completed ─> verified
//!           ├─ rejected (no one eligible approved) ─> rejected│                          ├─> partial   (next steps!)
//!           ├─ rejected by a veto holder ─> vetoed            │                          └─> failed
//!           ├─ approved and rejected ─> escalated at once ────┘              any execution ─> rolled back
//!           └─ no decision in time ─> escalated on the ladder (timeout)
//! ```
//!
//! Validity (who may do what, in which state) is checked by
//! [`crate::rules::check`] before an event is appended; the fold trusts it.

use authority::{Requirement, Tally, VerdictKind, Vote, tally};
use site_model::Domain;

use crate::model::*;
use crate::time::Timestamp;

/// Where a proposed action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// Waiting for approvals (possibly escalated).
    Pending,
    Approved,
    Rejected,
    /// Rejected by a safety veto: final.
    Vetoed,
    Withdrawn,
    Executing,
    Completed,
    /// Some of it was applied, some not: the plant may be in a mixed state.
    PartiallyApplied,
    Failed,
    RolledBack,
    /// A rollback that did not complete.
    RollbackIncomplete,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Pending => "pending",
            ActionStatus::Approved => "approved",
            ActionStatus::Rejected => "rejected",
            ActionStatus::Vetoed => "vetoed",
            ActionStatus::Withdrawn => "withdrawn",
            ActionStatus::Executing => "executing",
            ActionStatus::Completed => "completed",
            ActionStatus::PartiallyApplied => "partially-applied",
            ActionStatus::Failed => "failed",
            ActionStatus::RolledBack => "rolled-back",
            ActionStatus::RollbackIncomplete => "rollback-incomplete",
        }
    }

    /// Decided against or withdrawn: nothing more can happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, ActionStatus::Rejected | ActionStatus::Vetoed | ActionStatus::Withdrawn)
    }

    /// Has (some of) it been applied to the site?
    pub fn applied(self) -> bool {
        matches!(
            self,
            ActionStatus::Executing
                | ActionStatus::Completed
                | ActionStatus::PartiallyApplied
                | ActionStatus::Failed
                | ActionStatus::RollbackIncomplete
        )
    }
}

impl std::fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One approval or rejection, as folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub seq: u64,
    pub person: Box<str>,
    pub roles: Vec<Box<str>>,
    pub side: Option<Domain>,
    pub at: Timestamp,
}

/// A proposed action and everything that happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionState {
    pub proposal: u64,
    pub proposer: Box<str>,
    pub proposed_at: Timestamp,
    pub status: ActionStatus,
    pub approvals: Vec<Voice>,
    pub rejections: Vec<Voice>,
    /// The escalation level reached (0: the matrix's approvers; n: the ladder's first n rungs decide too).
    pub level: u32,
    /// Since when the proposal has waited at its level.
    pub level_since: Timestamp,
    /// Escalations: (event, cause). A disagreement escalates at the rejection itself.
    pub escalations: Vec<(u64, EscalationCause)>,
    /// The event that approved, rejected or vetoed it.
    pub decided: Option<u64>,
    /// The emergency override, if it was overridden.
    pub overridden: Option<u64>,
    /// Compensating measures confirmed: (measure index, event).
    pub confirmed: Vec<(u32, u64)>,
    /// Execution starts and reports, in order.
    pub executions: Vec<u64>,
    pub verification: Option<(u64, VerificationResult)>,
    pub rollback: Option<u64>,
    /// The requirement recorded with the proposal (a copy, for the fold).
    pub requirement: Requirement,
}

impl ActionState {
    pub(crate) fn new(seq: u64, proposer: &str, at: Timestamp, requirement: Requirement) -> ActionState {
        ActionState {
            proposal: seq,
            proposer: proposer.into(),
            proposed_at: at,
            status: ActionStatus::Pending,
            approvals: Vec::new(),
            rejections: Vec::new(),
            level: 0,
            level_since: at,
            escalations: Vec::new(),
            decided: None,
            overridden: None,
            confirmed: Vec::new(),
            executions: Vec::new(),
            verification: None,
            rollback: None,
            requirement,
        }
    }

    /// How the approvals so far count towards the requirement.
    pub fn tally(&self, req: &Requirement) -> Tally {
        let votes: Vec<Vote<'_>> =
            self.approvals.iter().map(|v| Vote { person: &v.person, roles: &v.roles, side: v.side }).collect();
        tally(req, &self.proposer, &votes)
    }

    /// Has every compensating measure been confirmed?
    pub fn measures_confirmed(&self, measures: usize) -> bool {
        (0..measures as u32).all(|m| self.confirmed.iter().any(|(x, _)| *x == m))
    }

    /// Does the person, in these roles, decide at the current escalation level?
    pub fn decides(&self, req: &Requirement, roles: &[Box<str>]) -> bool {
        self.level > 0 && req.deciders(self.level).any(|d| roles.iter().any(|r| **r == *d))
    }

    /// The next escalation: (level, role, when), while the proposal is pending
    /// and the ladder has a further rung.
    pub fn next_escalation<'r>(&self, req: &'r Requirement) -> Option<(u32, &'r str, Timestamp)> {
        if self.status != ActionStatus::Pending {
            return None;
        }
        let minutes = req.minutes_at(self.level)?;
        let rung = req.ladder.get(self.level as usize)?;
        Some((self.level + 1, &rung.role, self.level_since.plus_micros(minutes as i64 * 60_000_000)))
    }

    pub(crate) fn apply(&mut self, seq: u64, actor: &str, at: Timestamp, body: &Body) {
        let req = &self.requirement.clone();
        let voice = |s: &Stance| Voice { seq, person: actor.into(), roles: s.roles.clone(), side: s.side, at };
        match body {
            Body::ActionApproved(s) => {
                let decides = self.decides(req, &s.roles);
                self.approvals.push(voice(s));
                if self.status == ActionStatus::Pending && (decides || self.tally(req).satisfied) {
                    self.status = ActionStatus::Approved;
                    self.decided = Some(seq);
                }
            }
            Body::ActionRejected(s) => {
                let decides = self.decides(req, &s.roles);
                let veto = s.roles.iter().any(|r| req.veto.contains(r));
                self.rejections.push(voice(s));
                if self.status != ActionStatus::Pending {
                    return;
                }
                if veto {
                    self.status = ActionStatus::Vetoed;
                    self.decided = Some(seq);
                } else if decides {
                    self.status = ActionStatus::Rejected;
                    self.decided = Some(seq);
                } else if self.approvals.iter().any(|a| *a.person != *actor) && !req.ladder.is_empty() {
                    if self.level == 0 {
                        self.level = 1;
                        self.level_since = at;
                        self.escalations.push((seq, EscalationCause::Disagreement));
                    }
                } else if self.approvals.iter().all(|a| *a.person == *actor) {
                    self.status = ActionStatus::Rejected;
                    self.decided = Some(seq);
                }
            }
            Body::ActionEscalated(e) => {
                self.level = e.level;
                self.level_since = at;
                self.escalations.push((seq, e.cause));
            }
            Body::ActionOverridden(_) => {
                self.status = ActionStatus::Approved;
                self.overridden = Some(seq);
                self.decided = Some(seq);
            }
            Body::MeasureConfirmed(m) => self.confirmed.push((m.measure, seq)),
            Body::ExecutionStarted(_) => {
                self.status = ActionStatus::Executing;
                self.executions.push(seq);
            }
            Body::ExecutionReported(r) => {
                self.status = match r.outcome {
                    ExecutionOutcome::Completed => ActionStatus::Completed,
                    ExecutionOutcome::Partial => ActionStatus::PartiallyApplied,
                    ExecutionOutcome::Failed => ActionStatus::Failed,
                };
                self.executions.push(seq);
            }
            Body::ActionVerified(v) => self.verification = Some((seq, v.result)),
            Body::ActionRolledBack(r) => {
                self.status = match r.outcome {
                    ExecutionOutcome::Completed => ActionStatus::RolledBack,
                    ExecutionOutcome::Partial | ExecutionOutcome::Failed => ActionStatus::RollbackIncomplete,
                };
                self.rollback = Some(seq);
            }
            Body::ActionWithdrawn(_) => self.status = ActionStatus::Withdrawn,
            _ => {}
        }
    }

    /// What has to happen next, in words.
    pub fn next_steps(&self, proposal: &Proposal) -> Vec<String> {
        let a = &proposal.assessment;
        let req = &a.requirement;
        let mut out = Vec::new();
        let unconfirmed: Vec<usize> =
            (0..a.measures.len()).filter(|m| !self.confirmed.iter().any(|(x, _)| *x as usize == *m)).collect();
        match self.status {
            ActionStatus::Pending => {
                if a.verdict == VerdictKind::Unsafe {
                    out.push(format!(
                        "the safety verdict is unsafe: approvals cannot be given; only an emergency override by {} (with a rationale) can proceed",
                        if req.override_roles.is_empty() { "nobody (the matrix allows none)".to_string() } else { req.override_roles.join(" or ") }
                    ));
                } else {
                    for m in self.tally(req).missing(req) {
                        out.push(format!("needs {m}"));
                    }
                    if self.level > 0 {
                        let who: Vec<&str> = req.deciders(self.level).collect();
                        out.push(format!("escalated to level {}: {} may decide alone", self.level, who.join(" or ")));
                    }
                }
                if let Some((level, role, when)) = self.next_escalation(req) {
                    out.push(format!("escalates to {role} (level {level}) at {when} if undecided"));
                }
            }
            ActionStatus::Approved => {
                for m in &unconfirmed {
                    out.push(format!("confirm measure {}: {}", m + 1, a.measures[*m]));
                }
                out.push(format!(
                    "execute (by {})",
                    req.execute
                        .as_ref()
                        .map(|e| if e.is_empty() {
                            "nobody: the matching rules share no executing role; split the action".to_string()
                        } else {
                            e.join(" or ")
                        })
                        .unwrap_or_else(|| "anyone in the response".into())
                ));
            }
            ActionStatus::Executing => out.push("report how the execution ended: completed, partial or failed".into()),
            ActionStatus::Completed => {
                if self.verification.is_none() {
                    out.push("verify that it had the intended effect".into());
                }
            }
            ActionStatus::PartiallyApplied => {
                out.push(
                    "PARTIALLY APPLIED: some targets changed and some did not; the site may be in a mixed state".into(),
                );
                out.push("finish it (execute again), or roll it back; verify what was applied and check the affected controllers against their baselines".into());
            }
            ActionStatus::Failed => out.push("execute again, roll back what was changed, or withdraw it".into()),
            ActionStatus::RollbackIncomplete => {
                out.push("ROLLBACK INCOMPLETE: roll back again and verify the state of every target".into())
            }
            ActionStatus::Rejected | ActionStatus::Vetoed | ActionStatus::Withdrawn | ActionStatus::RolledBack => {}
        }
        out
    }
}

/// An escalation the clock has made due.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub action: u64,
    /// The level to escalate to.
    pub level: u32,
    pub role: Box<str>,
    pub due_at: Timestamp,
}

/// A person who can act in a role now, and how they hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub person: String,
    /// Their name in the site model (the id when the site does not know them).
    pub name: String,
    /// "holds it in this incident", or the site's "primary" or "deputy".
    pub holding: &'static str,
}

/// The people who can act in `role` now: its holder in this incident first,
/// then the site's primary and deputies.
pub fn people_for(site: &site_model::Site, inc: &crate::Incident, role: &str) -> Vec<Holder> {
    let mut out: Vec<Holder> = Vec::new();
    if let Some(pos) = inc.positions.get(role) {
        let name = site
            .person_by_id(&pos.person)
            .map(|p| site.people[p.ix()].name.to_string())
            .unwrap_or_else(|| pos.person.to_string());
        out.push(Holder { person: pos.person.to_string(), name, holding: "holds it in this incident" });
    }
    for (p, h) in authority::holders(site, role) {
        if !out.iter().any(|x| *x.person == *p.id) {
            out.push(Holder { person: p.id.to_string(), name: p.name.to_string(), holding: h.as_str() });
        }
    }
    out
}

/// The roles that could move an action on now, each once, in the order
/// they matter: for a pending action the approvals still missing (or, when
/// it is unsafe, the override roles) and the deciders of its escalation
/// level; for an approved or unfinished one, who executes it. Empty once
/// nothing is waiting on anyone.
pub fn unblocking_roles(p: &Proposal, a: &ActionState) -> Vec<Box<str>> {
    let req = &p.assessment.requirement;
    let mut roles: Vec<Box<str>> = Vec::new();
    match a.status {
        ActionStatus::Pending => {
            if p.assessment.verdict == VerdictKind::Unsafe {
                roles.extend(req.override_roles.iter().cloned());
            } else {
                let t = a.tally(req);
                for (g, have) in req.groups.iter().zip(&t.counted) {
                    if have.len() < g.count as usize {
                        roles.extend(g.roles.iter().cloned());
                    }
                }
                if !t.missing_sides.is_empty() {
                    roles.extend(req.approver_roles().into_iter().map(Box::from));
                }
                roles.extend(req.deciders(a.level).map(Box::from));
            }
        }
        ActionStatus::Approved
        | ActionStatus::Executing
        | ActionStatus::Failed
        | ActionStatus::PartiallyApplied
        | ActionStatus::RollbackIncomplete => roles.extend(req.execute.iter().flatten().cloned()),
        _ => {}
    }
    let mut seen: Vec<Box<str>> = Vec::with_capacity(roles.len());
    roles.retain(|r| {
        let fresh = !seen.contains(r);
        if fresh {
            seen.push(r.clone());
        }
        fresh
    });
    roles
}

/// For each role that could move the action on now ([`unblocking_roles`]),
/// the people who hold it ([`people_for`]): what `interlock action explain`
/// and the board's "who can unblock it" say.
pub fn unblockers(
    site: &site_model::Site,
    inc: &crate::Incident,
    p: &Proposal,
    a: &ActionState,
) -> Vec<(Box<str>, Vec<Holder>)> {
    unblocking_roles(p, a)
        .into_iter()
        .map(|r| {
            let people = people_for(site, inc, &r);
            (r, people)
        })
        .collect()
}

/// Why an action needs what it needs, what is missing and who can unblock
/// it, as text: what `interlock action explain` prints and the API's
/// `/api/incidents/{id}/actions/{seq}/explain` answers.
pub fn explain_text(site: &site_model::Site, inc: &crate::Incident, p: &Proposal, st: &ActionState) -> String {
    let req = &p.assessment.requirement;
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(format!("#{} {}  [{}]", st.proposal, p.action, st.status));
    line(format!("proposed by {} at {}: {}", st.proposer, st.proposed_at, p.rationale));
    line(format!("safety verdict: {}", p.assessment.verdict.as_str()));
    for r in &p.assessment.unsafe_reasons {
        line(format!("  unsafe: {r}"));
    }
    line("impact:".into());
    for s in &p.assessment.summary {
        line(format!("  {s}"));
    }
    line(format!("why it needs what it needs (authority matrix {}):", p.authority_version));
    req.rule_lines().into_iter().for_each(&mut line);
    line("requires:".into());
    req.need_lines().into_iter().for_each(&mut line);
    if !p.assessment.measures.is_empty() {
        line("compensating measures (confirm each before execution):".into());
        for (i, m) in p.assessment.measures.iter().enumerate() {
            let done = if st.confirmed.iter().any(|(x, _)| *x as usize == i) { "x" } else { " " };
            line(format!("  [{done}] {}. {m}", i + 1));
        }
    }
    let tally = st.tally(req);
    for (g, have) in req.groups.iter().zip(&tally.counted) {
        if !have.is_empty() {
            line(format!("counted towards {}: {}", g.roles.join(" or "), have.join(", ")));
        }
    }
    if st.level > 0 {
        line(format!("escalation level {} since {}", st.level, st.level_since));
    }
    line("next:".into());
    for s in st.next_steps(p) {
        line(format!("  {s}"));
    }
    let unblock = unblockers(site, inc, p, st);
    if !unblock.is_empty() {
        line("who can unblock it:".into());
        for (role, people) in unblock {
            let names: Vec<String> =
                people.iter().map(|h| format!("{} ({}, {})", h.name, h.person, h.holding)).collect();
            line(format!("  {role}: {}", if names.is_empty() { "nobody holds it".into() } else { names.join("; ") }));
        }
    }
    if let Some(o) = st.overridden {
        line(format!("overridden by #{o}: a post-incident review item"));
    }
    out
}
