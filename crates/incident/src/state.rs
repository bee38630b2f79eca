//! The state of an incident, folded from its events.
//!
//! Corrections are applied by substitution: the fold uses, for each event,
//! its latest correction's replacement (or skips it when retracted), so the
//! state reads as if the corrected version had been recorded in the first
//! place while the log keeps both.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::actions::{ActionState, Due};
use crate::chain::{ChainError, Row, Verifier};
use crate::model::*;
use crate::recovery::RecoveryState;
use crate::time::Timestamp;
use crate::workplan::WorkPlan;

/// A position held in the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub person: Box<str>,
    /// The event that gave it (assignment or handover).
    pub since: u64,
}

/// The situation as last assessed (each field from its latest assessment).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SituationState {
    pub process_state: Option<ProcessState>,
    pub control: Option<Integrity>,
    pub view: Option<Integrity>,
    /// The latest assessment.
    pub last: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceState {
    pub custodian: Box<str>,
    /// Custody transfers, in order.
    pub transfers: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisState {
    pub status: HypothesisStatus,
    pub evidence_for: Vec<u64>,
    pub evidence_against: Vec<u64>,
    pub updates: Vec<u64>,
}

/// Something in the stored events that a well-formed incident cannot contain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("event {0}: an incident starts with an `opened` event")]
    NotOpened(u64),
    #[error("event {0}: `opened` may only be the first event")]
    OpenedAgain(u64),
    #[error("event {seq} belongs to incident {found}, not {expected}")]
    WrongIncident { seq: u64, found: String, expected: String },
    #[error("event {seq} is out of order: expected {expected}")]
    Sequence { seq: u64, expected: u64 },
    #[error("event {seq}: correction of {target}, which is not an earlier correctable event")]
    BadCorrection { seq: u64, target: u64 },
    #[error("event {seq} refers to action #{target}, which is not a proposal before it")]
    NoProposal { seq: u64, target: u64 },
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// An incident: its events and the state folded from them.
#[derive(Debug, Clone)]
pub struct Incident {
    id: Box<str>,
    events: Vec<Event>,
    head: Digest,
    /// Superseded event → its latest correction.
    corrected: HashMap<u64, u64>,
    pub opened: Opened,
    pub status: Status,
    pub severity: Severity,
    pub category: Category,
    pub phase: Phase,
    /// Event that declared the incident.
    pub declared: Option<u64>,
    pub situation: SituationState,
    /// Per critical process of the site.
    pub processes: BTreeMap<Box<str>, SituationState>,
    /// Positions by role id.
    pub positions: BTreeMap<Box<str>, Position>,
    /// Evidence (by the event that collected it) not retracted.
    pub evidence: BTreeMap<u64, EvidenceState>,
    pub hypotheses: BTreeMap<u64, HypothesisState>,
    pub decisions: Vec<u64>,
    pub communications: Vec<u64>,
    /// Signed checkpoints recorded in the chain.
    pub checkpoints: Vec<u64>,
    /// Proposed response actions, by their proposal event.
    pub actions: BTreeMap<u64, ActionState>,
    /// Post-incident review items: every emergency override.
    pub reviews: Vec<u64>,
    pub recovery: RecoveryState,
    /// Operational periods, tasks and follow-ups.
    pub work: WorkPlan,
    /// Private: only its members may see it ([`Incident::is_member`]).
    pub private: bool,
    /// People added as members (`member-added`, not removed since). The
    /// opener and the position holders are members without being listed.
    pub members: BTreeSet<Box<str>>,
}

impl Incident {
    /// Folds decoded events (already in order, e.g. from [`Incident::load`]).
    pub fn fold(events: Vec<Event>, head: Digest) -> Result<Incident, FoldError> {
        let first = events.first().ok_or(FoldError::NotOpened(1))?;
        let Body::Opened(opened) = &first.body else {
            return Err(FoldError::NotOpened(first.seq));
        };
        let mut inc = Incident {
            id: first.incident.clone(),
            opened: opened.clone(),
            events: Vec::new(),
            head,
            corrected: HashMap::new(),
            status: Status::Candidate,
            severity: opened.severity,
            category: opened.category,
            phase: Phase::Detect,
            declared: None,
            situation: SituationState::default(),
            processes: BTreeMap::new(),
            positions: BTreeMap::new(),
            evidence: BTreeMap::new(),
            hypotheses: BTreeMap::new(),
            decisions: Vec::new(),
            communications: Vec::new(),
            checkpoints: Vec::new(),
            actions: BTreeMap::new(),
            reviews: Vec::new(),
            recovery: RecoveryState::default(),
            work: WorkPlan::default(),
            private: false,
            members: BTreeSet::new(),
        };
        for (i, e) in events.iter().enumerate() {
            let expected = i as u64 + 1;
            if e.seq != expected {
                return Err(FoldError::Sequence { seq: e.seq, expected });
            }
            if e.incident != inc.id {
                return Err(FoldError::WrongIncident {
                    seq: e.seq,
                    found: e.incident.to_string(),
                    expected: inc.id.to_string(),
                });
            }
            if let Body::Corrected(c) = &e.body {
                let ok = c.supersedes < e.seq
                    && c.supersedes >= 1
                    && events[c.supersedes as usize - 1].body.kind().correctable()
                    && c.replacement.as_ref().is_none_or(|r| r.kind() == events[c.supersedes as usize - 1].body.kind());
                if !ok {
                    return Err(FoldError::BadCorrection { seq: e.seq, target: c.supersedes });
                }
                inc.corrected.insert(c.supersedes, e.seq);
            }
        }
        for e in &events {
            if let Some(body) = effective_in(&events, &inc.corrected, e.seq) {
                inc.apply(e.seq, &e.actor, e.recorded_at, body)?;
            }
        }
        inc.events = events;
        Ok(inc)
    }

    /// Verifies stored rows (the hash chain and the stored head) and folds them.
    pub fn load<'a>(
        id: &str,
        rows: impl IntoIterator<Item = Row<'a>>,
        head_seq: u64,
        head_hash: &[u8],
    ) -> Result<Incident, FoldError> {
        let mut v = Verifier::new(id);
        let rows = rows.into_iter();
        let mut events = Vec::with_capacity(rows.size_hint().0);
        for row in rows {
            events.push(v.next(row)?);
        }
        v.finish(head_seq, head_hash)?;
        Incident::fold(events, v.head())
    }

    /// Adds an event already appended (and checked by [`crate::rules::check`]).
    pub fn push(&mut self, event: Event, hash: Digest) -> Result<(), FoldError> {
        let expected = self.events.len() as u64 + 1;
        if event.seq != expected {
            return Err(FoldError::Sequence { seq: event.seq, expected });
        }
        if matches!(event.body, Body::Corrected(_)) {
            let mut events = std::mem::take(&mut self.events);
            events.push(event);
            *self = Incident::fold(events, hash)?;
            return Ok(());
        }
        if matches!(event.body, Body::Opened(_)) {
            return Err(FoldError::OpenedAgain(event.seq));
        }
        let seq = event.seq;
        let body = event.body.clone();
        let actor = event.actor.clone();
        let at = event.recorded_at;
        self.events.push(event);
        self.head = hash;
        self.apply(seq, &actor, at, &body)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// All events, in order (`events()[n - 1]` is event `n`).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn event(&self, seq: u64) -> Option<&Event> {
        seq.checked_sub(1).and_then(|i| self.events.get(i as usize))
    }

    /// The number of the last event.
    pub fn seq(&self) -> u64 {
        self.events.len() as u64
    }

    /// The hash of the last event.
    pub fn head(&self) -> Digest {
        self.head
    }

    pub fn opened_at(&self) -> Timestamp {
        self.events[0].recorded_at
    }

    pub fn opened_by(&self) -> &str {
        &self.events[0].actor
    }

    /// The correction that supersedes an event, if any (the latest).
    pub fn superseded_by(&self, seq: u64) -> Option<u64> {
        self.corrected.get(&seq).copied()
    }

    /// An event's content as corrected: the latest replacement, `None` when retracted.
    pub fn effective(&self, seq: u64) -> Option<&Body> {
        effective_in(&self.events, &self.corrected, seq)
    }

    /// Whether `person` is a member: added as one, holding a position in
    /// the incident, or its opener. Nobody else is (not a site role holder,
    /// not a server administrator).
    pub fn is_member(&self, person: &str) -> bool {
        self.members.contains(person)
            || self.positions.values().any(|p| &*p.person == person)
            || self.opened_by() == person
    }

    /// Whether `person` may see the incident: every person when it is open,
    /// its members when it is private.
    pub fn visible_to(&self, person: &str) -> bool {
        !self.private || self.is_member(person)
    }

    /// Every member and why: "opened it", "holds ROLE", "added as a member".
    pub fn membership(&self) -> BTreeMap<&str, Vec<String>> {
        let mut out: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        out.entry(self.opened_by()).or_default().push("opened it".into());
        for (role, p) in &self.positions {
            out.entry(&p.person).or_default().push(format!("holds {role}"));
        }
        for m in &self.members {
            out.entry(m).or_default().push("added as a member".into());
        }
        out
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed || self.status == Status::Dismissed
    }

    /// The state as a value: what a handover's briefing freezes.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            as_of: self.seq(),
            status: self.status,
            severity: self.severity,
            category: self.category,
            phase: self.phase,
            process_state: self.situation.process_state,
            control: self.situation.control,
            view: self.situation.view,
            assignments: self.positions.iter().map(|(r, p)| (r.clone(), p.person.clone())).collect(),
            open_hypotheses: self
                .hypotheses
                .iter()
                .filter(|(_, h)| h.status == HypothesisStatus::Open)
                .map(|(s, _)| *s)
                .collect(),
            decisions: self.decisions.clone(),
            evidence: self.evidence.keys().copied().collect(),
        }
    }

    /// The work plan: periods, tasks, follow-ups.
    pub fn plan_of_work(&self) -> &WorkPlan {
        &self.work
    }

    /// The recovery plan in force, if any.
    pub fn plan(&self) -> Option<&RecoveryPlan> {
        match &self.event(self.recovery.plan?)?.body {
            Body::RecoveryPlanned(p) => Some(p),
            _ => None,
        }
    }

    /// The proposal event of an action.
    pub fn proposal(&self, seq: u64) -> Option<&Proposal> {
        match &self.event(seq)?.body {
            Body::ActionProposed(p) => Some(p),
            _ => None,
        }
    }

    /// Escalations the clock has made due at `now` and that are not recorded yet.
    pub fn due(&self, now: Timestamp) -> Vec<Due> {
        let mut out = Vec::new();
        for (seq, a) in &self.actions {
            let Some(p) = self.proposal(*seq) else { continue };
            if let Some((level, role, due_at)) = a.next_escalation(&p.assessment.requirement)
                && due_at.micros() <= now.micros()
            {
                out.push(Due { action: *seq, level, role: role.into(), due_at });
            }
        }
        out
    }

    fn apply(&mut self, seq: u64, actor: &str, at: Timestamp, body: &Body) -> Result<(), FoldError> {
        match body {
            Body::Opened(_) if seq == 1 => {}
            Body::Opened(_) => return Err(FoldError::OpenedAgain(seq)),
            Body::Escalated { .. } => self.status = Status::Escalated,
            Body::Declared { .. } => {
                self.status = Status::Declared;
                self.declared = Some(seq);
            }
            Body::Dismissed { .. } => self.status = Status::Dismissed,
            Body::SeverityChanged { severity, .. } => self.severity = *severity,
            Body::CategoryChanged { category, .. } => self.category = *category,
            Body::PhaseChanged { phase, .. } => {
                self.phase = *phase;
                if *phase == Phase::Closed {
                    self.work.closed_at = Some(at);
                }
            }
            Body::PeriodOpened(_)
            | Body::SafetyConsiderations(_)
            | Body::PeriodClosed(_)
            | Body::TaskAdded(_)
            | Body::TaskUpdated(_)
            | Body::FollowUpRecorded(_)
            | Body::FollowUpAcknowledged(_)
            | Body::FollowUpsOpened(_) => self.work.apply(seq, actor, at, body),
            Body::SituationAssessed(s) => {
                let target = match &s.process {
                    None => &mut self.situation,
                    Some(p) => self.processes.entry(p.clone()).or_default(),
                };
                target.process_state = s.process_state.or(target.process_state);
                target.control = s.control.or(target.control);
                target.view = s.view.or(target.view);
                target.last = Some(seq);
            }
            Body::Assigned { role, person, .. } => {
                self.positions.insert(role.clone(), Position { person: person.clone(), since: seq });
            }
            Body::Relieved { role, .. } => {
                self.positions.remove(role);
            }
            Body::HandedOver(h) => {
                self.positions.insert(h.role.clone(), Position { person: h.to.clone(), since: seq });
            }
            Body::Note(_) | Body::Observation(_) | Body::Corrected(_) => {}
            Body::EvidenceCollected(e) => {
                self.evidence.insert(seq, EvidenceState { custodian: e.collected_by.clone(), transfers: Vec::new() });
            }
            Body::CustodyTransferred(c) => {
                if let Some(e) = self.evidence.get_mut(&c.evidence) {
                    e.custodian = c.to.clone();
                    e.transfers.push(seq);
                }
            }
            Body::HypothesisProposed(h) => {
                self.hypotheses.insert(
                    seq,
                    HypothesisState {
                        status: HypothesisStatus::Open,
                        evidence_for: h.evidence_for.clone(),
                        evidence_against: h.evidence_against.clone(),
                        updates: Vec::new(),
                    },
                );
            }
            Body::HypothesisUpdated(u) => {
                if let Some(h) = self.hypotheses.get_mut(&u.hypothesis) {
                    h.status = u.status;
                    h.evidence_for.extend_from_slice(&u.evidence_for);
                    h.evidence_against.extend_from_slice(&u.evidence_against);
                    h.updates.push(seq);
                }
            }
            Body::DecisionRecorded(_) => self.decisions.push(seq),
            Body::CommunicationPublished(_) => self.communications.push(seq),
            Body::Checkpoint(_) => self.checkpoints.push(seq),
            Body::RecoveryPlanned(_)
            | Body::RecoveryReordered(_)
            | Body::CheckRecorded(_)
            | Body::MonitoringStarted(_)
            | Body::MonitoringEnded(_)
            | Body::RecoveryEnded(_) => self.recovery.apply(seq, body),
            Body::VisibilityChanged(v) => self.private = v.private,
            Body::MemberAdded(m) => {
                self.members.insert(m.person.clone());
            }
            Body::MemberRemoved(m) => {
                self.members.remove(&m.person);
            }
            Body::ActionProposed(p) => {
                self.actions.insert(seq, ActionState::new(seq, actor, at, p.assessment.requirement.clone()));
            }
            _ => {
                if let Some(target) = body.action_ref() {
                    if matches!(body, Body::ActionOverridden(_)) {
                        self.reviews.push(seq);
                    }
                    let Some(a) = self.actions.get_mut(&target) else {
                        return Err(FoldError::NoProposal { seq, target });
                    };
                    a.apply(seq, actor, at, body);
                }
            }
        }
        Ok(())
    }
}

/// An event's content as corrected: `None` when retracted.
fn effective_in<'e>(events: &'e [Event], corrected: &HashMap<u64, u64>, seq: u64) -> Option<&'e Body> {
    match corrected.get(&seq) {
        Some(c) => match &events.get(c.checked_sub(1)? as usize)?.body {
            Body::Corrected(c) => c.replacement.as_deref(),
            _ => None,
        },
        None => events.get(seq.checked_sub(1)? as usize).map(|e| &e.body),
    }
}
