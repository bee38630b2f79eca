//! The workflow rules: what may be appended to an incident, by whom.
//!
//! [`check`] is called before an event is sealed and stored; it needs the
//! incident as it stands and the loaded site model, whose ids every
//! reference must name. A refused event is not written at all.

use site_model::{Affiliation, Domain, Site};

use crate::actions::{ActionState, ActionStatus};
use crate::model::*;
use crate::state::Incident;
use crate::time::Timestamp;

/// Who may do what, until the authority matrix of a later issue says more.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Site roles whose holders (primary or deputy) may declare, dismiss,
    /// change severity and phase, and assign positions.
    pub declare_roles: Vec<Box<str>>,
    /// Members of teams of this domain form the response team that may raise candidates.
    pub response_team_domain: Domain,
    /// Site roles whose holders or assignees keep the record and may correct others' entries.
    pub record_roles: Vec<Box<str>>,
    /// Longest free text (notes, rationale, summaries), in bytes.
    pub max_text: usize,
    /// Longest one-line field (titles, ids, audiences), in bytes.
    pub max_line: usize,
    /// Most items in one list (assets, evidence links, options).
    pub max_items: usize,
    /// How far in the future of its recording an observed time may be (clock skew).
    pub skew_micros: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            declare_roles: vec!["incident-commander".into()],
            response_team_domain: Domain::It,
            record_roles: vec!["timeline-keeper".into()],
            max_text: 16 * 1024,
            max_line: 200,
            max_items: 256,
            skew_micros: 5 * 60 * 1_000_000,
        }
    }
}

/// What a check needs besides the incident.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub site: &'a Site,
    pub policy: &'a Policy,
    /// The impact engine and authority matrix, which response-action events
    /// are checked against (their assessment is recomputed and must match).
    pub engine: Option<authority::Engine<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{actor} may not {action}: {needed}")]
    NotAuthorised { actor: String, action: &'static str, needed: String },
    #[error("unknown {what} \"{id}\" (not in the site model){}", hint.as_ref().map(|h| format!("; did you mean \"{h}\"?")).unwrap_or_default())]
    Unknown { what: &'static str, id: String, hint: Option<String> },
    #[error("{what} #{seq} does not exist in this incident")]
    NoSuchEvent { what: &'static str, seq: u64 },
    #[error("#{seq} is a {found} event, not {expected}")]
    WrongKind { seq: u64, expected: &'static str, found: Kind },
    #[error("{what} #{seq} was retracted by #{by}")]
    Retracted { what: &'static str, seq: u64, by: u64 },
    #[error("{field}: {problem}")]
    Field { field: &'static str, problem: String },
    #[error("{0}")]
    State(String),
    #[error("the event was evaluated against site model {event} but the loaded site model is {site}")]
    SiteVersion { event: String, site: String },
    #[error("event is numbered {found}; the next event of this incident is {expected}")]
    Sequence { expected: u64, found: u64 },
    #[error("event belongs to incident {found}, not {expected}")]
    Incident { expected: String, found: String },
    #[error("incident id \"{0}\" is not valid: 1-64 letters, digits, '-', '_' or '.'")]
    IncidentId(String),
}

fn field(field: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError::Field { field, problem: problem.into() }
}

fn state(problem: impl Into<String>) -> RuleError {
    RuleError::State(problem.into())
}

/// Is this a valid incident id?
pub fn valid_incident_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && id.as_bytes()[0].is_ascii_alphanumeric()
}

/// Builds the first event of a new incident.
pub fn first_event(id: &str, actor: &str, at: Timestamp, opened: Opened) -> Event {
    Event { incident: id.into(), seq: 1, recorded_at: at, actor: actor.into(), body: Body::Opened(opened) }
}

impl Incident {
    /// Builds the next event of this incident (not yet checked).
    pub fn next_event(&self, actor: &str, at: Timestamp, body: Body) -> Event {
        Event { incident: self.id().into(), seq: self.seq() + 1, recorded_at: at, actor: actor.into(), body }
    }
}

/// The capacities `person` decides action `#action` in, as an approval or
/// rejection records them: the roles of its requirement they hold (in the
/// site or in the incident), and their side of the house. `None` when the
/// event is not an action proposal.
pub fn capacities(
    inc: &Incident,
    cx: &Context<'_>,
    person: &str,
    action: u64,
) -> Option<(Vec<Box<str>>, Option<Domain>)> {
    let a = inc.actions.get(&action)?;
    let p = inc.proposal(action)?;
    let c = Checker { site: cx.site, policy: cx.policy, engine: cx.engine, actor: person, at: Timestamp::EPOCH };
    let roles = c.capacities(inc, a, &p.assessment.requirement);
    let side = c.side(&roles);
    Some((roles, side))
}

/// Assets reconnected in an incident: targets of its completed `reconnect` actions.
pub fn reconnected(inc: &Incident, cx: &Context<'_>) -> Vec<Box<str>> {
    Checker { site: cx.site, policy: cx.policy, engine: cx.engine, actor: "", at: Timestamp::EPOCH }.reconnected(inc)
}

/// What is still open in recovery: assets not reconnected, checks not passed.
pub fn recovery_open_items(inc: &Incident, cx: &Context<'_>) -> Vec<String> {
    Checker { site: cx.site, policy: cx.policy, engine: cx.engine, actor: "", at: Timestamp::EPOCH }.open_items(inc)
}

/// Checks an event against the incident as it stands (`None` for the first
/// event of a new incident), the site model and the policy.
/// The actor of what the server records by itself, on its own clock: the
/// escalations that fall due. Not a person id (a person id has no `@`), and
/// allowed nothing else.
pub const SYSTEM_ACTOR: &str = "@interlock";

pub fn check(incident: Option<&Incident>, event: &Event, cx: &Context<'_>) -> Result<(), RuleError> {
    let c = Checker { site: cx.site, policy: cx.policy, engine: cx.engine, actor: &event.actor, at: event.recorded_at };
    if !valid_incident_id(&event.incident) {
        return Err(RuleError::IncidentId(event.incident.to_string()));
    }
    if *event.actor == *SYSTEM_ACTOR {
        // The server itself records only what its clock decides: an escalation that fell due.
        if !matches!(&event.body, Body::ActionEscalated(e) if e.cause == EscalationCause::Timeout) {
            return Err(state(format!(
                "{SYSTEM_ACTOR} (the server's clock) records only escalations that fell due, not `{}`",
                event.body.kind()
            )));
        }
    } else {
        c.person(&event.actor)?;
    }
    match incident {
        None => {
            if event.seq != 1 {
                return Err(RuleError::Sequence { expected: 1, found: event.seq });
            }
            let Body::Opened(o) = &event.body else {
                return Err(state(format!("an incident starts with `opened`, not `{}`", event.body.kind())));
            };
            c.opened(o)
        }
        Some(inc) => {
            if *event.incident != *inc.id() {
                return Err(RuleError::Incident { expected: inc.id().into(), found: event.incident.to_string() });
            }
            if event.seq != inc.seq() + 1 {
                return Err(RuleError::Sequence { expected: inc.seq() + 1, found: event.seq });
            }
            c.body(inc, event.seq, &event.body)
        }
    }
}

/// A change to who is a member, as [`Checker::keeps_a_commander`] weighs it.
#[derive(Clone, Copy)]
enum Change<'a> {
    RemoveMember(&'a str),
    Relieve(&'a str),
    /// A position (role) passes to a person.
    HandOver(&'a str, &'a str),
}

struct Checker<'a> {
    site: &'a Site,
    policy: &'a Policy,
    engine: Option<authority::Engine<'a>>,
    actor: &'a str,
    at: Timestamp,
}

impl Checker<'_> {
    fn site_version(&self) -> Result<Digest, RuleError> {
        Digest::parse(self.site.version())
            .ok_or_else(|| state(format!("the site model's version {} is not a SHA-256", self.site.version())))
    }

    fn same_site(&self, v: &Digest) -> Result<(), RuleError> {
        let site = self.site_version()?;
        if *v != site {
            return Err(RuleError::SiteVersion { event: v.to_string(), site: site.to_string() });
        }
        Ok(())
    }

    fn line(&self, name: &'static str, s: &str) -> Result<(), RuleError> {
        bounded(name, s, self.policy.max_line)?;
        if s.chars().any(char::is_control) {
            return Err(field(name, "must be one line without control characters"));
        }
        Ok(())
    }

    fn text(&self, name: &'static str, s: &str) -> Result<(), RuleError> {
        bounded(name, s, self.policy.max_text)?;
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(field(name, "contains control characters"));
        }
        Ok(())
    }

    /// Free text that may be left empty.
    fn optional_text(&self, name: &'static str, s: &str) -> Result<(), RuleError> {
        if s.is_empty() { Ok(()) } else { self.text(name, s) }
    }

    fn items<T>(&self, name: &'static str, v: &[T]) -> Result<(), RuleError> {
        if v.len() > self.policy.max_items {
            return Err(field(name, format!("{} items is more than the limit of {}", v.len(), self.policy.max_items)));
        }
        Ok(())
    }

    fn person(&self, id: &str) -> Result<(), RuleError> {
        match self.site.person_by_id(id) {
            Some(_) => Ok(()),
            None => Err(RuleError::Unknown {
                what: "person",
                id: id.into(),
                hint: suggest(id, self.site.people.iter().map(|p| &*p.id)),
            }),
        }
    }

    fn role(&self, id: &str) -> Result<(), RuleError> {
        match self.site.role_by_id(id) {
            Some(_) => Ok(()),
            None => Err(RuleError::Unknown {
                what: "role",
                id: id.into(),
                hint: suggest(id, self.site.roles.iter().map(|r| &*r.id)),
            }),
        }
    }

    fn assets(&self, ids: &[Box<str>]) -> Result<(), RuleError> {
        self.items("assets", ids)?;
        for id in ids {
            if self.site.asset_by_id(id).is_none() {
                return Err(RuleError::Unknown {
                    what: "asset",
                    id: id.to_string(),
                    hint: suggest(id, self.site.assets.iter().map(|a| &*a.id)),
                });
            }
        }
        Ok(())
    }

    fn not_after_recording(&self, name: &'static str, t: Timestamp) -> Result<(), RuleError> {
        if t.micros() > self.at.micros().saturating_add(self.policy.skew_micros) {
            return Err(field(name, format!("{t} is after the time it is being recorded ({})", self.at)));
        }
        Ok(())
    }

    /// Does the person hold (primary or deputy) one of these site roles, or
    /// hold it in this incident?
    fn holds(&self, inc: Option<&Incident>, person: &str, roles: &[Box<str>]) -> bool {
        let Some(p) = self.site.person_by_id(person) else { return false };
        roles.iter().any(|r| {
            let in_site = self
                .site
                .role_by_id(r)
                .map(|ix| {
                    let role = &self.site.roles[ix.ix()];
                    role.primary == Some(p) || role.deputies.contains(&p)
                })
                .unwrap_or(false);
            let in_incident = inc.and_then(|i| i.positions.get(r)).is_some_and(|pos| &*pos.person == person);
            in_site || in_incident
        })
    }

    fn site_holds(&self, person: &str, roles: &[Box<str>]) -> bool {
        self.holds(None, person, roles)
    }

    fn roles_phrase(roles: &[Box<str>]) -> String {
        let r: Vec<&str> = roles.iter().map(|r| &**r).collect();
        r.join(" or ")
    }

    fn command(&self, inc: &Incident, action: &'static str) -> Result<(), RuleError> {
        if self.holds(Some(inc), self.actor, &self.policy.declare_roles) {
            return Ok(());
        }
        Err(RuleError::NotAuthorised {
            actor: self.actor.into(),
            action,
            needed: format!(
                "that needs a holder (primary or deputy) of {} in the site model, or its holder in this incident",
                Self::roles_phrase(&self.policy.declare_roles)
            ),
        })
    }

    /// A private incident keeps at least one member who can command it
    /// (change who may see it, add members): refuses a change that would
    /// leave none.
    fn keeps_a_commander(&self, inc: &Incident, change: Change<'_>) -> Result<(), RuleError> {
        if !inc.private {
            return Ok(());
        }
        let mut positions: Vec<(&str, &str)> = inc.positions.iter().map(|(r, p)| (&**r, &*p.person)).collect();
        let mut members: Vec<&str> = inc.members.iter().map(|m| &**m).collect();
        match change {
            Change::RemoveMember(person) => members.retain(|m| *m != person),
            Change::Relieve(role) => positions.retain(|(r, _)| *r != role),
            Change::HandOver(role, to) => {
                for (r, p) in positions.iter_mut() {
                    if *r == role {
                        *p = to;
                    }
                }
            }
        }
        let commands = |person: &str| {
            self.site_holds(person, &self.policy.declare_roles)
                || positions.iter().any(|(r, p)| *p == person && self.policy.declare_roles.iter().any(|d| **d == **r))
        };
        let everyone = members.iter().copied().chain(positions.iter().map(|(_, p)| *p)).chain([inc.opened_by()]);
        if everyone.into_iter().any(commands) {
            return Ok(());
        }
        Err(state(format!(
            "the incident is private and this would leave no member who holds {}: add one as a member first",
            Self::roles_phrase(&self.policy.declare_roles)
        )))
    }

    fn on_response_team(&self, person: &str) -> bool {
        let Some(p) = self.site.person_by_id(person) else { return false };
        match &self.site.people[p.ix()].affiliation {
            Some(Affiliation::Team(t)) => self.site.teams[t.ix()].domain == Some(self.policy.response_team_domain),
            _ => false,
        }
    }

    fn opened(&self, o: &Opened) -> Result<(), RuleError> {
        self.line("title", &o.title)?;
        self.text("summary", &o.summary)?;
        self.same_site(&o.site_version)?;
        if self.on_response_team(self.actor) || self.site_holds(self.actor, &self.policy.declare_roles) {
            return Ok(());
        }
        Err(RuleError::NotAuthorised {
            actor: self.actor.into(),
            action: "raise an incident",
            needed: format!(
                "candidates are raised by the response team (members of {} teams) or a holder of {}",
                self.policy.response_team_domain,
                Self::roles_phrase(&self.policy.declare_roles)
            ),
        })
    }

    fn evidence_ref(&self, inc: &Incident, seq: u64) -> Result<(), RuleError> {
        let what = "evidence";
        let Some(e) = inc.event(seq) else { return Err(RuleError::NoSuchEvent { what, seq }) };
        if e.body.kind() != Kind::EvidenceCollected {
            return Err(RuleError::WrongKind { seq, expected: "an evidence", found: e.body.kind() });
        }
        if !inc.evidence.contains_key(&seq) {
            let by = inc.superseded_by(seq).unwrap_or(0);
            return Err(RuleError::Retracted { what, seq, by });
        }
        Ok(())
    }

    fn evidence_refs(&self, inc: &Incident, name: &'static str, refs: &[u64]) -> Result<(), RuleError> {
        self.items(name, refs)?;
        for r in refs {
            self.evidence_ref(inc, *r)?;
        }
        Ok(())
    }

    fn hypothesis_ref(&self, inc: &Incident, seq: u64) -> Result<(), RuleError> {
        let what = "hypothesis";
        let Some(e) = inc.event(seq) else { return Err(RuleError::NoSuchEvent { what, seq }) };
        if e.body.kind() != Kind::HypothesisProposed {
            return Err(RuleError::WrongKind { seq, expected: "a hypothesis", found: e.body.kind() });
        }
        if !inc.hypotheses.contains_key(&seq) {
            return Err(RuleError::Retracted { what, seq, by: inc.superseded_by(seq).unwrap_or(0) });
        }
        Ok(())
    }

    fn body(&self, inc: &Incident, seq: u64, body: &Body) -> Result<(), RuleError> {
        let kind = body.kind();
        // A private incident is written by its members only, whatever the event
        // (and by the server's clock, which records only escalations that fell due).
        if !inc.visible_to(self.actor) && self.actor != SYSTEM_ACTOR {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: "record in this incident",
                needed:
                    "it is private to its members (its opener, its position holders and the people added as members)"
                        .into(),
            });
        }
        // What a closed or dismissed incident still accepts (who may see it can always change).
        if inc.status == Status::Dismissed
            && !matches!(
                kind,
                Kind::Note
                    | Kind::CommunicationPublished
                    | Kind::Corrected
                    | Kind::CustodyTransferred
                    | Kind::Checkpoint
                    | Kind::VisibilityChanged
                    | Kind::MemberAdded
                    | Kind::MemberRemoved
            )
        {
            return Err(state(format!("the incident was dismissed; `{kind}` is no longer accepted (open a new one)")));
        }
        if inc.phase == Phase::Closed
            && !matches!(
                kind,
                Kind::Note
                    | Kind::CommunicationPublished
                    | Kind::Corrected
                    | Kind::CustodyTransferred
                    | Kind::PhaseChanged
                    | Kind::Checkpoint
                    | Kind::FollowUpRecorded
                    | Kind::FollowUpAcknowledged
                    | Kind::FollowUpsOpened
                    | Kind::VisibilityChanged
                    | Kind::MemberAdded
                    | Kind::MemberRemoved
            )
        {
            return Err(state(format!(
                "the incident is closed; `{kind}` is not accepted (reopen it with a phase change)"
            )));
        }
        let declared = inc.status == Status::Declared;
        match body {
            Body::Opened(_) => Err(state("an incident is opened once, by its first event")),
            Body::Escalated { reason } => {
                self.text("reason", reason)?;
                if inc.status != Status::Candidate {
                    return Err(state(format!("only a candidate is escalated; the incident is {}", inc.status)));
                }
                Ok(())
            }
            Body::Declared { reason, site_version } => {
                self.text("reason", reason)?;
                self.same_site(site_version)?;
                if !matches!(inc.status, Status::Candidate | Status::Escalated) {
                    return Err(state(format!("the incident is already {}", inc.status)));
                }
                if !self.site_holds(self.actor, &self.policy.declare_roles) {
                    return Err(RuleError::NotAuthorised {
                        actor: self.actor.into(),
                        action: "declare the incident",
                        needed: format!(
                            "only a holder (primary or deputy) of {} may declare",
                            Self::roles_phrase(&self.policy.declare_roles)
                        ),
                    });
                }
                Ok(())
            }
            Body::Dismissed { reason } => {
                self.text("reason", reason)?;
                if !matches!(inc.status, Status::Candidate | Status::Escalated) {
                    return Err(state(format!("only a candidate is dismissed; the incident is {}", inc.status)));
                }
                self.command(inc, "dismiss the candidate")
            }
            Body::SeverityChanged { severity, reason } => {
                self.text("reason", reason)?;
                if *severity == inc.severity {
                    return Err(state(format!("the severity is already {severity}")));
                }
                self.triage(inc, "change the severity")
            }
            Body::CategoryChanged { category, reason } => {
                self.text("reason", reason)?;
                if *category == inc.category {
                    return Err(state(format!("the category is already {category}")));
                }
                self.triage(inc, "change the category")
            }
            Body::PhaseChanged { phase, reason } => {
                self.text("reason", reason)?;
                if !declared {
                    return Err(state("the phase changes once the incident is declared"));
                }
                if *phase == inc.phase {
                    return Err(state(format!("the phase is already {phase}")));
                }
                self.command(inc, "change the phase")
            }
            Body::SituationAssessed(s) => {
                self.text("reason", &s.reason)?;
                if s.process_state.is_none() && s.control.is_none() && s.view.is_none() {
                    return Err(field("situation", "give at least one of process state, control or view"));
                }
                if let Some(p) = &s.process
                    && !self.site.processes.iter().any(|x| x.id == *p)
                {
                    return Err(RuleError::Unknown {
                        what: "process",
                        id: p.to_string(),
                        hint: suggest(p, self.site.processes.iter().map(|x| &*x.id)),
                    });
                }
                self.evidence_refs(inc, "evidence", &s.evidence)
            }
            Body::Assigned { role, person, reason, site_version } => {
                self.text("reason", reason)?;
                self.role(role)?;
                self.person(person)?;
                self.same_site(site_version)?;
                if let Some(p) = inc.positions.get(role) {
                    return Err(state(format!(
                        "{role} is held by {} since #{}; hand it over or relieve them first",
                        p.person, p.since
                    )));
                }
                self.command(inc, "assign positions")
            }
            Body::Relieved { role, reason } => {
                self.text("reason", reason)?;
                self.role(role)?;
                let Some(p) = inc.positions.get(role) else {
                    return Err(state(format!("nobody holds {role} in this incident")));
                };
                self.keeps_a_commander(inc, Change::Relieve(role))?;
                if *p.person == *self.actor {
                    return Ok(());
                }
                self.command(inc, "relieve others")
            }
            Body::HandedOver(h) => {
                self.text("reason", &h.reason)?;
                self.text("current actions", &h.briefing.current_actions)?;
                self.role(&h.role)?;
                self.person(&h.to)?;
                let Some(p) = inc.positions.get(&h.role) else {
                    return Err(state(format!("nobody holds {} in this incident; assign it", h.role)));
                };
                if p.person != h.from {
                    return Err(state(format!("{} is held by {}, not {}", h.role, p.person, h.from)));
                }
                if h.to == h.from {
                    return Err(state("a handover is to someone else"));
                }
                if h.briefing.snapshot != inc.snapshot() {
                    return Err(state("the briefing's snapshot is not the incident's state as of its last event"));
                }
                self.keeps_a_commander(inc, Change::HandOver(&h.role, &h.to))?;
                if *h.from == *self.actor {
                    return Ok(());
                }
                self.command(inc, "hand over someone else's position")
            }
            Body::Note(n) => self.text("text", &n.text),
            Body::Observation(o) => {
                self.text("text", &o.text)?;
                self.not_after_recording("observed at", o.observed_at)?;
                self.assets(&o.assets)
            }
            Body::EvidenceCollected(e) => {
                self.line("title", &e.title)?;
                if let Some(l) = &e.location {
                    self.line("location", l)?;
                }
                if let Some(d) = &e.description {
                    self.text("description", d)?;
                }
                self.person(&e.collected_by)?;
                self.not_after_recording("collected at", e.collected_at)?;
                self.assets(&e.assets)
            }
            Body::CustodyTransferred(c) => {
                self.text("reason", &c.reason)?;
                self.evidence_ref(inc, c.evidence)?;
                self.person(&c.to)?;
                self.not_after_recording("transferred at", c.at)?;
                let Some(ev) = inc.evidence.get(&c.evidence) else {
                    return Err(RuleError::NoSuchEvent { what: "evidence", seq: c.evidence });
                };
                if ev.custodian != c.from {
                    return Err(state(format!(
                        "evidence #{} is in the custody of {}, not {}",
                        c.evidence, ev.custodian, c.from
                    )));
                }
                if c.to == c.from {
                    return Err(state("a custody transfer is to someone else"));
                }
                if let Some(Body::EvidenceCollected(e)) = inc.effective(c.evidence)
                    && c.at.micros() < e.collected_at.micros()
                {
                    return Err(field(
                        "transferred at",
                        format!("{} is before the evidence was collected ({})", c.at, e.collected_at),
                    ));
                }
                Ok(())
            }
            Body::HypothesisProposed(h) => {
                self.text("statement", &h.statement)?;
                self.evidence_refs(inc, "evidence for", &h.evidence_for)?;
                self.evidence_refs(inc, "evidence against", &h.evidence_against)
            }
            Body::HypothesisUpdated(u) => {
                self.text("reason", &u.reason)?;
                self.hypothesis_ref(inc, u.hypothesis)?;
                self.evidence_refs(inc, "evidence for", &u.evidence_for)?;
                self.evidence_refs(inc, "evidence against", &u.evidence_against)?;
                let current = inc.hypotheses.get(&u.hypothesis).map(|h| h.status);
                if current == Some(u.status) && u.evidence_for.is_empty() && u.evidence_against.is_empty() {
                    return Err(state(format!(
                        "hypothesis #{} is already {}; an update changes its status or adds evidence",
                        u.hypothesis, u.status
                    )));
                }
                Ok(())
            }
            Body::DecisionRecorded(d) => {
                self.line("title", &d.title)?;
                self.text("rationale", &d.rationale)?;
                self.same_site(&d.site_version)?;
                if let Some(av) = &d.authority_version {
                    let loaded = self.site.authority.as_ref().and_then(|m| Digest::parse(&m.version));
                    if loaded != Some(*av) {
                        return Err(RuleError::SiteVersion {
                            event: av.to_string(),
                            site: loaded.map(|d| d.to_string()).unwrap_or_else(|| "no authority matrix".into()),
                        });
                    }
                }
                if d.options.is_empty() {
                    return Err(field("options", "a decision names the options considered"));
                }
                self.items("options", &d.options)?;
                for (i, o) in d.options.iter().enumerate() {
                    self.line("option", o)?;
                    if d.options[..i].contains(o) {
                        return Err(field("options", format!("\"{o}\" is listed twice")));
                    }
                }
                if d.choice as usize >= d.options.len() {
                    return Err(field("choice", format!("option {} of {}", d.choice + 1, d.options.len())));
                }
                if d.decided_by.is_empty() {
                    return Err(field("decided by", "name who decided"));
                }
                self.items("decided by", &d.decided_by)?;
                for p in &d.decided_by {
                    self.person(p)?;
                }
                self.items("dissent", &d.dissent)?;
                for x in &d.dissent {
                    self.person(&x.person)?;
                    self.text("dissent", &x.text)?;
                }
                self.evidence_refs(inc, "evidence", &d.evidence)
            }
            Body::CommunicationPublished(c) => {
                self.site_staff("publish a status update", "the incident's updates speak for the site")?;
                self.line("audience", &c.audience)?;
                self.line("channel", &c.channel)?;
                self.text("text", &c.text)
            }
            Body::ActionProposed(p) => self.proposed(inc, p),
            Body::ActionApproved(st) => self.stance(inc, st, true),
            Body::ActionRejected(st) => self.stance(inc, st, false),
            Body::ActionEscalated(e) => self.escalated(inc, e),
            Body::ActionOverridden(o) => self.overridden(inc, o),
            Body::MeasureConfirmed(m) => {
                self.site_staff("confirm a compensating measure", "the plant's own people attest its measures")?;
                self.text("note", &m.note)?;
                let (p, a) = self.action(inc, m.action)?;
                if !matches!(a.status, ActionStatus::Pending | ActionStatus::Approved) {
                    return Err(state(format!(
                        "#{} is {}; measures are confirmed before execution",
                        m.action, a.status
                    )));
                }
                let n = p.assessment.measures.len();
                if m.measure as usize >= n {
                    return Err(field(
                        "measure",
                        format!("#{} has {n} compensating measure(s), numbered 1 to {n}", m.action),
                    ));
                }
                if a.confirmed.iter().any(|(x, _)| *x == m.measure) {
                    return Err(state(format!("measure {} of #{} is already confirmed", m.measure + 1, m.action)));
                }
                Ok(())
            }
            Body::ExecutionStarted(n) => {
                self.optional_text("note", &n.note)?;
                let (p, a) = self.action(inc, n.action)?;
                // Who, before when: someone who may not execute it is told so whatever its state.
                self.executor(inc, n.action, &p.assessment.requirement, "execute")?;
                if !matches!(a.status, ActionStatus::Approved | ActionStatus::Failed | ActionStatus::PartiallyApplied) {
                    return Err(state(format!(
                        "#{} is {}; it is executed once approved (or again after a failed or partial execution)",
                        n.action, a.status
                    )));
                }
                let missing: Vec<String> = (0..p.assessment.measures.len())
                    .filter(|m| !a.confirmed.iter().any(|(x, _)| *x as usize == *m))
                    .map(|m| format!("{}. {}", m + 1, p.assessment.measures[m]))
                    .collect();
                if !missing.is_empty() {
                    return Err(state(format!(
                        "#{} cannot be executed until its compensating measures are confirmed: {}",
                        n.action,
                        missing.join("; ")
                    )));
                }
                Ok(())
            }
            Body::ExecutionReported(r) => {
                self.optional_text("note", &r.note)?;
                let (p, a) = self.action(inc, r.action)?;
                self.executor(inc, r.action, &p.assessment.requirement, "report the execution of")?;
                if a.status != ActionStatus::Executing {
                    return Err(state(format!("#{} is {}; only a started execution is reported", r.action, a.status)));
                }
                Ok(())
            }
            Body::ActionVerified(v) => {
                self.site_staff("verify an action", "the site's own people say whether an action worked")?;
                self.text("note", &v.note)?;
                let (_, a) = self.action(inc, v.action)?;
                if !matches!(
                    a.status,
                    ActionStatus::Completed | ActionStatus::PartiallyApplied | ActionStatus::RolledBack
                ) {
                    return Err(state(format!(
                        "#{} is {}; an action is verified after it completed, partially applied or was rolled back",
                        v.action, a.status
                    )));
                }
                Ok(())
            }
            Body::ActionRolledBack(r) => {
                self.optional_text("note", &r.note)?;
                let (p, a) = self.action(inc, r.action)?;
                self.executor(inc, r.action, &p.assessment.requirement, "roll back")?;
                if !matches!(
                    a.status,
                    ActionStatus::Completed
                        | ActionStatus::PartiallyApplied
                        | ActionStatus::Failed
                        | ActionStatus::RollbackIncomplete
                ) {
                    return Err(state(format!("#{} is {}; only what was applied is rolled back", r.action, a.status)));
                }
                Ok(())
            }
            Body::ActionWithdrawn(n) => {
                self.text("reason", &n.note)?;
                let (_, a) = self.action(inc, n.action)?;
                if *a.proposer != *self.actor {
                    self.command(inc, "withdraw someone else's proposal")?;
                }
                if !matches!(a.status, ActionStatus::Pending | ActionStatus::Approved | ActionStatus::Failed) {
                    return Err(state(format!(
                        "#{} is {}; only a proposal that is pending, approved or failed is withdrawn",
                        n.action, a.status
                    )));
                }
                Ok(())
            }
            Body::RecoveryPlanned(p) => self.planned(inc, p),
            Body::RecoveryReordered(r) => {
                self.text("reason", &r.reason)?;
                let Some(_) = inc.plan() else { return Err(state("there is no recovery plan to reorder")) };
                let order = &inc.recovery.order;
                for a in std::iter::once(&r.asset).chain(&r.after) {
                    if !order.contains(a) {
                        return Err(state(format!("{a} is not in the recovery plan")));
                    }
                }
                if r.after.as_ref() == Some(&r.asset) {
                    return Err(state("an asset is not moved after itself"));
                }
                self.command(inc, "reorder the recovery plan")
            }
            Body::CheckRecorded(c) => self.check_recorded(inc, c),
            Body::MonitoringStarted(m) => {
                if m.assets.is_empty() {
                    return Err(field("assets", "name the assets watched"));
                }
                self.assets(&m.assets)?;
                if m.criteria.is_empty() {
                    return Err(field("criteria", "name what must hold to end the window"));
                }
                for c in &m.criteria {
                    self.text("criteria", c)?;
                }
                if m.until.micros() <= self.at.micros() {
                    return Err(field("until", format!("{} is not after now ({})", m.until, self.at)));
                }
                let reconnected = self.reconnected(inc);
                if let Some(a) = m.assets.iter().find(|a| !reconnected.contains(a)) {
                    return Err(state(format!(
                        "{a} is not reconnected: heightened monitoring watches reconnected assets"
                    )));
                }
                self.command(inc, "start heightened monitoring")
            }
            Body::MonitoringEnded(e) => {
                self.text("reason", &e.reason)?;
                let Some(w) = inc.recovery.windows.get(&e.window) else {
                    return Err(RuleError::NoSuchEvent { what: "monitoring window", seq: e.window });
                };
                if let Some(by) = w.ended {
                    return Err(state(format!("monitoring window #{} was ended by #{by}", e.window)));
                }
                if self.at.micros() < w.until.micros() {
                    return Err(state(format!(
                        "monitoring window #{} runs until {}; it ends on its date, with its criteria met",
                        e.window, w.until
                    )));
                }
                self.command(inc, "end heightened monitoring")
            }
            Body::RecoveryEnded(e) => {
                self.text("reason", &e.reason)?;
                if inc.plan().is_none() {
                    return Err(state("there is no recovery plan: the end of recovery is declared on one"));
                }
                if let Some(by) = inc.recovery.ended {
                    return Err(state(format!("the end of recovery was declared by #{by}")));
                }
                let open: Vec<String> = inc
                    .recovery
                    .open_windows()
                    .map(|(seq, w)| {
                        let ids: Vec<&str> = w.assets.iter().map(|a| &**a).collect();
                        format!("monitoring window #{seq} of {} runs until {}", ids.join(", "), w.until)
                    })
                    .collect();
                if !open.is_empty() {
                    return Err(state(format!(
                        "the end of recovery is refused while heightened monitoring is open: {}",
                        open.join("; ")
                    )));
                }
                let items = self.open_items(inc);
                if e.open_items.iter().map(|x| x.to_string()).collect::<Vec<_>>() != items {
                    return Err(field("open items", format!("the open items are: {}", items.join("; "))));
                }
                self.command(inc, "declare the end of recovery")
            }
            Body::PeriodOpened(p) => {
                if !declared {
                    return Err(state("operational periods start once the incident is declared"));
                }
                if p.objectives.is_empty() {
                    return Err(field("objectives", "a period has at least one objective"));
                }
                self.items("objectives", &p.objectives)?;
                for o in &p.objectives {
                    self.text("objective", o)?;
                }
                self.text("safety considerations", &p.safety)?;
                if p.end.micros() <= p.start.micros() {
                    return Err(field("end", "must be after the start"));
                }
                self.person(&p.safety_by)?;
                let so: [Box<str>; 1] = ["safety-officer".into()];
                if !self.holds(Some(inc), &p.safety_by, &so) {
                    return Err(field(
                        "safety by",
                        format!(
                            "{} does not hold the safety-officer role: the safety considerations are the safety officer's",
                            p.safety_by
                        ),
                    ));
                }
                if let Some((open, _)) = inc.work.open_period() {
                    return Err(state(format!("period #{open} is still open; close it first")));
                }
                self.command(inc, "open an operational period")
            }
            Body::SafetyConsiderations(r) => {
                self.text("safety considerations", &r.safety)?;
                let Some(p) = inc.work.periods.get(&r.period) else {
                    return Err(RuleError::NoSuchEvent { what: "period", seq: r.period });
                };
                if p.closed.is_some() {
                    return Err(state(format!("period #{} is closed", r.period)));
                }
                let so: [Box<str>; 1] = ["safety-officer".into()];
                if !self.holds(Some(inc), self.actor, &so) {
                    return Err(RuleError::NotAuthorised {
                        actor: self.actor.into(),
                        action: "revise the safety considerations",
                        needed: "they are owned by the safety officer (a holder of safety-officer)".into(),
                    });
                }
                Ok(())
            }
            Body::PeriodClosed(c) => {
                if let Some(n) = &c.note {
                    self.text("note", n)?;
                }
                let Some(p) = inc.work.periods.get(&c.period) else {
                    return Err(RuleError::NoSuchEvent { what: "period", seq: c.period });
                };
                if let Some(by) = p.closed {
                    return Err(state(format!("period #{} was closed by #{by}", c.period)));
                }
                let expected = crate::workplan::period_summary(inc, c.period, self.at);
                if c.summary.iter().map(|x| x.to_string()).collect::<Vec<_>>() != expected {
                    return Err(field("summary", "is not the period's status summary as of now"));
                }
                self.command(inc, "close an operational period")
            }
            Body::TaskAdded(t) => self.task_added(inc, t),
            Body::TaskUpdated(u) => self.task_updated(inc, u),
            Body::FollowUpRecorded(f) => {
                self.text("text", &f.text)?;
                let Some(item) = inc.work.follow_up(&f.item) else {
                    let items: Vec<&str> = inc.work.follow_ups.iter().map(|x| &*x.item).collect();
                    return Err(state(if items.is_empty() {
                        "follow-ups are opened when the incident is closed".to_string()
                    } else {
                        format!("no follow-up \"{}\"; the follow-ups are {}", f.item, items.join(", "))
                    }));
                };
                if let Some(by) = item.recorded {
                    return Err(state(format!("follow-up {} was recorded by #{by}", f.item)));
                }
                if f.changed && *f.item != *"plan-update" {
                    return Err(field("changed", "only a plan update changes the plan"));
                }
                Ok(())
            }
            Body::FollowUpsOpened(f) => {
                let Some(closed) = inc.work.closed_at.filter(|_| inc.phase == Phase::Closed) else {
                    return Err(state("follow-ups are opened when the incident is closed"));
                };
                if !inc.work.follow_ups.is_empty() {
                    return Err(state("the incident's follow-ups are already open"));
                }
                let days = self.site.info.follow_up_days.unwrap_or(crate::workplan::FOLLOW_UP_DAYS);
                if f.days != days {
                    return Err(field("days", format!("the site's follow-up days are {days}")));
                }
                let due = closed.plus_micros(days as i64 * 86_400 * 1_000_000);
                if f.due != due {
                    return Err(field("due", format!("{days} days after the closing is {due}")));
                }
                let items = crate::workplan::WorkPlan::items_for(&inc.reviews);
                if f.items.iter().map(|x| x.to_string()).collect::<Vec<_>>() != items {
                    return Err(field("items", format!("the follow-ups are {}", items.join(", "))));
                }
                self.command(inc, "open the follow-ups")
            }
            Body::FollowUpAcknowledged(a) => {
                let Some(item) = inc.work.follow_up(&a.item) else {
                    return Err(state(format!("no follow-up \"{}\"", a.item)));
                };
                if item.recorded.is_none() || !item.changed {
                    return Err(state(format!("follow-up {} records no changed plan to acknowledge", a.item)));
                }
                if item.acks.iter().any(|p| **p == *self.actor) {
                    return Err(state(format!("{} has already acknowledged {}", self.actor, a.item)));
                }
                if role_holders(self.site).iter().all(|p| **p != *self.actor) {
                    return Err(RuleError::NotAuthorised {
                        actor: self.actor.into(),
                        action: "acknowledge a plan change",
                        needed: "acknowledgements are by the holders of the site's roles".into(),
                    });
                }
                Ok(())
            }
            Body::Determined(d) => {
                self.text("reason", &d.reason)?;
                let kind = site_model::Trigger::parse(&d.kind).filter(|k| *k != site_model::Trigger::Closed);
                if kind.is_none() {
                    return Err(field(
                        "kind",
                        "one of reportable, attempt, attribute-change (closing starts its own clocks)",
                    ));
                }
                self.not_after_recording("determined at", d.at)?;
                if d.at.micros() < inc.opened_at().micros() {
                    return Err(field("determined at", format!("{} is before the incident was opened", d.at)));
                }
                self.command(inc, "record a determination")
            }
            Body::ReportFiled(f) => {
                self.line("to", &f.to)?;
                self.line("reference", &f.reference)?;
                let deadlines = self.site.deadlines_in_force();
                let Some(rule) = deadlines.iter().find(|d| *d.id == *f.deadline) else {
                    let ids: Vec<&str> = deadlines.iter().map(|d| &*d.id).collect();
                    return Err(field(
                        "deadline",
                        format!("no deadline \"{}\"; the site's are {}", f.deadline, ids.join(", ")),
                    ));
                };
                let starts = match inc.event(f.trigger).map(|e| &e.body) {
                    Some(Body::Determined(d)) => site_model::Trigger::parse(&d.kind) == Some(rule.trigger),
                    Some(Body::PhaseChanged { phase: Phase::Closed, .. }) => {
                        rule.trigger == site_model::Trigger::Closed
                    }
                    _ => false,
                };
                if !starts {
                    return Err(field(
                        "trigger",
                        format!("#{} did not start {} (its clock starts on: {})", f.trigger, rule.id, rule.trigger),
                    ));
                }
                let filed = inc.events().iter().find_map(|e| match &e.body {
                    Body::ReportFiled(x) if x.deadline == f.deadline && x.trigger == f.trigger => Some(e.seq),
                    _ => None,
                });
                if let Some(by) = filed {
                    return Err(state(format!("{} for #{} was filed by #{by}", f.deadline, f.trigger)));
                }
                Ok(())
            }
            Body::UpdateSnoozed(z) => self.snooze(inc, z),
            Body::ViewSuspected(v) => {
                self.hypothesis_ref(inc, v.hypothesis)?;
                if inc.hypotheses.get(&v.hypothesis).is_some_and(|h| h.status == HypothesisStatus::Refuted) {
                    return Err(state(format!("hypothesis #{} is refuted", v.hypothesis)));
                }
                self.items("processes", &v.processes)?;
                for p in &v.processes {
                    self.process(p)?;
                }
                Ok(())
            }
            Body::ReadingsVerified(r) => self.readings(r),
            Body::VisibilityChanged(v) => {
                self.text("reason", &v.reason)?;
                // Who, before when: someone who may not change it is told so whatever its state.
                self.command(inc, "change who may see the incident")?;
                if v.private == inc.private {
                    return Err(state(if v.private {
                        "the incident is already private to its members"
                    } else {
                        "the incident is already open to every user"
                    }));
                }
                if v.private && !inc.is_member(self.actor) {
                    return Err(state(format!(
                        "{} is not a member of the incident: add them as a member first, or making it private would \
                         hide it from whoever made it private",
                        self.actor
                    )));
                }
                Ok(())
            }
            Body::MemberAdded(m) => {
                self.text("reason", &m.reason)?;
                self.person(&m.person)?;
                self.command(inc, "add members")?;
                if inc.members.contains(&m.person) {
                    return Err(state(format!("{} is already a member", m.person)));
                }
                Ok(())
            }
            Body::MemberRemoved(m) => {
                self.text("reason", &m.reason)?;
                self.person(&m.person)?;
                self.command(inc, "remove members")?;
                if !inc.members.contains(&m.person) {
                    let why = inc.membership().remove(&*m.person);
                    return Err(state(match why {
                        Some(why) => format!(
                            "{} was not added as a member; they are one by what they are ({}): a position holder stops \
                             being one when relieved, the opener always is one",
                            m.person,
                            why.join(", ")
                        ),
                        None => format!("{} is not a member", m.person),
                    }));
                }
                self.keeps_a_commander(inc, Change::RemoveMember(&m.person))
            }
            Body::Corrected(c) => self.correction(inc, seq, c),
            Body::Checkpoint(c) => {
                if c.seq != inc.seq() || c.head != inc.head() {
                    return Err(state(format!(
                        "a checkpoint signs the head it follows: #{} {}, not #{} {}",
                        inc.seq(),
                        inc.head(),
                        c.seq,
                        c.head
                    )));
                }
                c.verify(inc.id(), None).map_err(|e| field("signature", e.to_string()))
            }
        }
    }

    /// Severity and category: the response team may triage a candidate; once
    /// declared, command decides.
    fn triage(&self, inc: &Incident, action: &'static str) -> Result<(), RuleError> {
        if inc.status != Status::Declared && self.on_response_team(self.actor) {
            return Ok(());
        }
        self.command(inc, action)
    }

    fn engine(&self) -> Result<authority::Engine<'_>, RuleError> {
        self.engine.ok_or_else(|| {
            state(
                "response actions are checked against the impact engine and authority matrix, which were not supplied",
            )
        })
    }

    fn authority_version(&self) -> Result<Digest, RuleError> {
        let m = self.engine()?.authority().map_err(|e| state(e.to_string()))?;
        Digest::parse(&m.version)
            .ok_or_else(|| state(format!("the authority matrix's version {} is not a SHA-256", m.version)))
    }

    /// The decision is evaluated against the loaded site model and matrix,
    /// which must be the ones the proposal was evaluated against.
    fn versions(&self, p: &Proposal, site_version: &Digest, authority_version: &Digest) -> Result<(), RuleError> {
        self.same_site(site_version)?;
        let auth = self.authority_version()?;
        if *authority_version != auth {
            return Err(RuleError::SiteVersion { event: authority_version.to_string(), site: auth.to_string() });
        }
        if p.site_version != *site_version || p.authority_version != *authority_version {
            return Err(state(format!(
                "the action was proposed against site model {} and authority matrix {}; the loaded ones differ, so propose it again",
                p.site_version, p.authority_version
            )));
        }
        Ok(())
    }

    fn action<'i>(&self, inc: &'i Incident, seq: u64) -> Result<(&'i Proposal, &'i ActionState), RuleError> {
        let Some(e) = inc.event(seq) else { return Err(RuleError::NoSuchEvent { what: "action", seq }) };
        let (Body::ActionProposed(p), Some(a)) = (&e.body, inc.actions.get(&seq)) else {
            return Err(RuleError::WrongKind { seq, expected: "an action proposal", found: e.body.kind() });
        };
        Ok((p, a))
    }

    fn proposed(&self, inc: &Incident, p: &Proposal) -> Result<(), RuleError> {
        self.line("action", &p.action)?;
        self.text("rationale", &p.rationale)?;
        if p.rationale.trim().is_empty() {
            return Err(field("rationale", "say why the action is proposed"));
        }
        self.evidence_refs(inc, "evidence", &p.evidence)?;
        if inc.status != Status::Declared {
            return Err(state(format!(
                "response actions are proposed once the incident is declared; it is {}",
                inc.status
            )));
        }
        if p.phase != inc.phase {
            return Err(state(format!("the incident is in the {} phase, not {}", inc.phase, p.phase)));
        }
        self.same_site(&p.site_version)?;
        let auth = self.authority_version()?;
        if p.authority_version != auth {
            return Err(RuleError::SiteVersion { event: p.authority_version.to_string(), site: auth.to_string() });
        }
        let phase = site_model::PhaseWord::parse(p.phase.as_str())
            .ok_or_else(|| state(format!("phase {} has no authority-matrix word", p.phase)))?;
        let computed = self.engine()?.assess(&p.action, phase).map_err(|e| field("action", e.to_string()))?;
        if computed != p.assessment {
            return Err(state(
                "the recorded assessment is not the one the loaded site model and authority matrix give for this action",
            ));
        }
        self.operations_reconnect(&p.action, &computed.requirement)?;
        self.reconnection_gate(inc, &p.action)?;
        if let Some(pid) = self.site.person_by_id(self.actor)
            && matches!(self.site.people[pid.ix()].affiliation, Some(Affiliation::Vendor(_)))
        {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: "propose a response action",
                needed: "response actions are proposed by site staff, not vendor people".into(),
            });
        }
        Ok(())
    }

    /// Refuses a vendor's person: `why` says who does it instead.
    fn site_staff(&self, action: &'static str, why: &str) -> Result<(), RuleError> {
        match self.site.person_by_id(self.actor) {
            Some(pid) if matches!(self.site.people[pid.ix()].affiliation, Some(Affiliation::Vendor(_))) => {
                Err(RuleError::NotAuthorised {
                    actor: self.actor.into(),
                    action,
                    needed: format!("site staff, not vendor people: {why}"),
                })
            }
            _ => Ok(()),
        }
    }

    /// The roles of the requirement (approvers, vetoes, deciders at the
    /// current level) the actor holds, in the site or in this incident.
    fn capacities(&self, inc: &Incident, a: &ActionState, req: &authority::Requirement) -> Vec<Box<str>> {
        req.decision_roles(a.level)
            .into_iter()
            .filter(|r| self.holds(Some(inc), self.actor, &[Box::from(*r)]))
            .map(Box::from)
            .collect()
    }

    fn side(&self, roles: &[Box<str>]) -> Option<Domain> {
        let p = self.site.person_by_id(self.actor)?;
        let ixs: Vec<site_model::RoleIx> = roles.iter().filter_map(|r| self.site.role_by_id(r)).collect();
        authority::person_side(self.site, p, &ixs)
    }

    fn stance(&self, inc: &Incident, st: &Stance, approve: bool) -> Result<(), RuleError> {
        let verb = if approve { "approve" } else { "reject" };
        self.text("rationale", &st.rationale)?;
        if st.rationale.trim().is_empty() {
            return Err(field("rationale", format!("say why you {verb} it")));
        }
        let (p, a) = self.action(inc, st.action)?;
        self.versions(p, &st.site_version, &st.authority_version)?;
        if a.status != ActionStatus::Pending {
            return Err(state(format!(
                "#{} is {}; only a pending action is approved or rejected",
                st.action, a.status
            )));
        }
        let req = &p.assessment.requirement;
        if *a.proposer == *self.actor {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: if approve { "approve their own proposal" } else { "reject their own proposal" },
                needed: "a proposer never counts towards their own approval; withdraw it instead".into(),
            });
        }
        if approve && p.assessment.verdict == authority::VerdictKind::Unsafe {
            return Err(state(format!(
                "the safety verdict of #{} is unsafe ({}): approval is blocked; only an emergency override by {} can proceed",
                st.action,
                p.assessment.unsafe_reasons.join("; "),
                if req.override_roles.is_empty() {
                    "nobody (the matrix allows none)".into()
                } else {
                    req.override_roles.join(" or ")
                }
            )));
        }
        let held = self.capacities(inc, a, req);
        if held.is_empty() {
            let roles = req.decision_roles(a.level);
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: if approve { "approve this action" } else { "reject this action" },
                needed: format!("that needs a holder of {} (see `interlock action explain`)", roles.join(", ")),
            });
        }
        if st.roles != held {
            return Err(field(
                "roles",
                format!("the actor holds {} of the roles that count, not {}", held.join(", "), st.roles.join(", ")),
            ));
        }
        if st.side != self.side(&held) {
            return Err(field("side", "does not match the actor's side of the house"));
        }
        let already = if approve { &a.approvals } else { &a.rejections };
        if already.iter().any(|v| *v.person == *self.actor) {
            return Err(state(format!("{} has already {verb}d #{}", self.actor, st.action)));
        }
        Ok(())
    }

    fn escalated(&self, inc: &Incident, e: &Escalation) -> Result<(), RuleError> {
        self.text("reason", &e.reason)?;
        let (p, a) = self.action(inc, e.action)?;
        if a.status != ActionStatus::Pending {
            return Err(state(format!("#{} is {}; only a pending action escalates", e.action, a.status)));
        }
        let req = &p.assessment.requirement;
        let Some((level, role, due)) = a.next_escalation(req) else {
            return Err(state(format!("#{} is at the top of its escalation ladder (level {})", e.action, a.level)));
        };
        if e.level != level {
            return Err(field("level", format!("#{} is at level {}; the next is {level} ({role})", e.action, a.level)));
        }
        match e.cause {
            EscalationCause::Timeout if self.at.micros() < due.micros() => {
                Err(state(format!("#{} is not due to escalate until {due} (it is {})", e.action, self.at)))
            }
            EscalationCause::Timeout => Ok(()),
            EscalationCause::Disagreement => {
                Err(state("a disagreement escalates by itself when an approved action is rejected"))
            }
            EscalationCause::Requested if *a.proposer == *self.actor => Ok(()),
            EscalationCause::Requested => self.command(inc, "escalate someone else's proposal"),
        }
    }

    fn overridden(&self, inc: &Incident, o: &Override) -> Result<(), RuleError> {
        self.text("rationale", &o.rationale)?;
        if o.rationale.trim().is_empty() {
            return Err(field("rationale", "an emergency override always needs a rationale"));
        }
        let (p, a) = self.action(inc, o.action)?;
        self.versions(p, &o.site_version, &o.authority_version)?;
        if a.status == ActionStatus::Vetoed {
            let by = a
                .rejections
                .iter()
                .find(|v| a.decided == Some(v.seq))
                .map(|v| v.person.to_string())
                .unwrap_or_default();
            return Err(state(format!(
                "#{} was vetoed by {by} (a holder of {}); a safety veto cannot be overridden",
                o.action,
                p.assessment.requirement.veto.join(" or ")
            )));
        }
        if a.status != ActionStatus::Pending {
            return Err(state(format!("#{} is {}; only a pending action is overridden", o.action, a.status)));
        }
        let req = &p.assessment.requirement;
        if req.override_roles.is_empty() {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: "override",
                needed: format!(
                    "the authority matrix allows no emergency override of this action (rules: {})",
                    rule_ids(req)
                ),
            });
        }
        if !self.holds(Some(inc), self.actor, &req.override_roles) {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: "override",
                needed: format!("an emergency override needs a holder of {}", req.override_roles.join(" or ")),
            });
        }
        Ok(())
    }

    fn executor(
        &self,
        inc: &Incident,
        seq: u64,
        req: &authority::Requirement,
        what: &'static str,
    ) -> Result<(), RuleError> {
        let Some(roles) = &req.execute else { return Ok(()) };
        if roles.is_empty() {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: what,
                needed: format!(
                    "the rules matching #{seq} ({}) have no executing role in common: nobody may execute it; split the action",
                    rule_ids(req)
                ),
            });
        }
        if self.holds(Some(inc), self.actor, roles) {
            return Ok(());
        }
        Err(RuleError::NotAuthorised {
            actor: self.actor.into(),
            action: what,
            needed: format!("#{seq} is executed by a holder of {}", roles.join(" or ")),
        })
    }

    fn planned(&self, inc: &Incident, p: &RecoveryPlan) -> Result<(), RuleError> {
        self.same_site(&p.site_version)?;
        if inc.phase != Phase::Recover {
            return Err(state(format!("recovery is planned in the recover phase; the incident is in {}", inc.phase)));
        }
        if p.items.is_empty() {
            return Err(field("items", "a plan restores at least one asset"));
        }
        let mut ids: Vec<site_model::AssetIx> = Vec::new();
        for item in &p.items {
            self.assets(std::slice::from_ref(&item.asset))?;
            let Some(a) = self.site.asset_by_id(&item.asset) else { continue };
            if ids.contains(&a) {
                return Err(field("items", format!("{} is in the plan twice", item.asset)));
            }
            ids.push(a);
            if item.checks != crate::recovery::specs(&recovery::checks(self.site, a)) {
                return Err(field("items", format!("the checks of {} are not those the site model gives", item.asset)));
            }
        }
        // With the engine, the order and reasons are recomputed and must match.
        if let Some(engine) = self.engine {
            let plan = recovery::plan(self.site, engine.graph, &ids);
            let same = plan.items.len() == p.items.len()
                && plan.items.iter().zip(&p.items).all(|(a, b)| {
                    *self.site.asset(a.asset).id == *b.asset && a.stage == &*b.stage && a.reason == *b.reason
                });
            if !same {
                return Err(state("the recorded plan is not the one the loaded site model gives for these assets"));
            }
        }
        self.command(inc, "plan recovery")
    }

    fn check_recorded(&self, inc: &Incident, c: &CheckRecord) -> Result<(), RuleError> {
        self.line("observed", &c.observed)?;
        self.text("detail", &c.detail)?;
        if let Some(n) = &c.note {
            self.text("note", n)?;
        }
        let Some(plan) = inc.plan() else { return Err(state("there is no recovery plan: plan recovery first")) };
        let Some(item) = plan.items.iter().find(|i| i.asset == c.asset) else {
            return Err(state(format!("{} is not in the recovery plan", c.asset)));
        };
        let Some(asset) = self.site.asset_by_id(&c.asset) else {
            return Err(RuleError::Unknown { what: "asset", id: c.asset.to_string(), hint: None });
        };
        let backup = CheckSpec { kind: "backup-hash".into(), expected: None, source: "restoration media".into() };
        let spec = match item.checks.iter().find(|s| s.kind == c.kind) {
            Some(s) => s,
            None if &*c.kind == "backup-hash" => &backup,
            None => {
                let kinds: Vec<&str> = item.checks.iter().map(|s| &*s.kind).collect();
                return Err(field(
                    "kind",
                    format!(
                        "{} needs no {} check; its checks are {} (and backup-hash for restoration media)",
                        c.asset,
                        c.kind,
                        kinds.join(", ")
                    ),
                ));
            }
        };
        let (passed, detail) = crate::recovery::judge_check(self.site, asset, spec, &c.observed, c.expected.as_deref())
            .map_err(|e| field("kind", e))?;
        if passed != c.passed || detail != *c.detail {
            return Err(field("passed", format!("the check gives: {}", detail)));
        }
        Ok(())
    }

    /// Assets reconnected: targets of completed `reconnect` actions.
    fn reconnected(&self, inc: &Incident) -> Vec<Box<str>> {
        let mut out: Vec<Box<str>> = Vec::new();
        for (seq, a) in &inc.actions {
            if a.status != ActionStatus::Completed {
                continue;
            }
            let Some(p) = inc.proposal(*seq) else { continue };
            let Ok(action) = impact::Action::parse(self.site, &p.action) else { continue };
            if action.effect != site_model::Effect::Reconnect {
                continue;
            }
            for t in &action.targets {
                match t {
                    impact::Target::Asset(x) => out.push(self.site.asset(*x).id.clone()),
                    impact::Target::Zone(z) => {
                        if let Some(e) = self.engine {
                            out.extend(e.graph.assets_in_zone(*z).into_iter().map(|x| self.site.asset(x).id.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// What is still open when recovery ends: assets not reconnected, checks not passed.
    pub(crate) fn open_items(&self, inc: &Incident) -> Vec<String> {
        let Some(plan) = inc.plan() else { return Vec::new() };
        let reconnected = self.reconnected(inc);
        let gate = crate::integrity::ReconnectGate::new(self.site, inc);
        let mut out = Vec::new();
        for a in &inc.recovery.order {
            let Some(item) = plan.items.iter().find(|i| i.asset == *a) else { continue };
            if !reconnected.contains(a) {
                out.push(format!("{a} is not reconnected"));
            }
            for (spec, last) in inc.recovery.pending_checks(item) {
                out.push(match last {
                    Some(seq) => format!("{a}: {} failed (#{seq})", spec.kind),
                    None => format!("{a}: {} not checked", spec.kind),
                });
            }
            out.extend(gate.blockers(self.site, a));
        }
        out
    }

    /// Reconnecting an OT asset always needs operations: an approval group of
    /// OT roles, or joint sign-off, whatever the matrix says otherwise.
    fn operations_reconnect(&self, text: &str, req: &authority::Requirement) -> Result<(), RuleError> {
        let Ok(action) = impact::Action::parse(self.site, text) else { return Ok(()) };
        if action.effect != site_model::Effect::Reconnect {
            return Ok(());
        }
        let ot = action.targets.iter().any(|t| match t {
            impact::Target::Asset(a) => self.site.asset(*a).domain == Domain::Ot,
            impact::Target::Zone(z) => {
                self.site.zone_chain(*z).find_map(|x| self.site.zone(x).domain) == Some(Domain::Ot)
            }
            _ => false,
        });
        let operations = req.joint
            || req.groups.iter().any(|g| {
                !g.roles.is_empty()
                    && g.roles.iter().all(|r| {
                        self.site.role_by_id(r).is_some_and(|ix| self.site.roles[ix.ix()].domain == Some(Domain::Ot))
                    })
            });
        if ot && !operations {
            return Err(state(format!(
                "`{text}` reconnects an OT asset, which always needs operations approval, but the authority matrix asks for none (rules: {}); add a rule",
                rule_ids(req)
            )));
        }
        Ok(())
    }

    /// A reconnection is proposed only for assets of the plan whose checks have all passed.
    fn reconnection_gate(&self, inc: &Incident, text: &str) -> Result<(), RuleError> {
        let Ok(action) = impact::Action::parse(self.site, text) else { return Ok(()) };
        if action.effect != site_model::Effect::Reconnect {
            return Ok(());
        }
        let Some(plan) = inc.plan() else {
            return Err(state(
                "there is no recovery plan: nothing is reconnected before its checks are planned and passed",
            ));
        };
        let mut assets: Vec<site_model::AssetIx> = Vec::new();
        for t in &action.targets {
            match t {
                impact::Target::Asset(a) => assets.push(*a),
                impact::Target::Zone(z) => {
                    let inside = self.engine.map(|e| e.graph.assets_in_zone(*z)).unwrap_or_default();
                    assets.extend(
                        inside.into_iter().filter(|a| plan.items.iter().any(|i| *i.asset == *self.site.asset(*a).id)),
                    );
                }
                _ => {}
            }
        }
        let mut problems = Vec::new();
        let gate = crate::integrity::ReconnectGate::new(self.site, inc);
        for a in assets {
            let id = &self.site.asset(a).id;
            let Some(item) = plan.items.iter().find(|i| i.asset == *id) else {
                problems.push(format!("{id} is not in the recovery plan"));
                continue;
            };
            for (spec, last) in inc.recovery.pending_checks(item) {
                let why = match last.and_then(|seq| inc.event(seq)) {
                    Some(Event { body: Body::CheckRecorded(c), .. }) => c.detail.to_string(),
                    _ => format!(
                        "{} of {id} not checked yet{}",
                        spec.kind,
                        spec.expected.as_deref().map(|e| format!(" (expected {e})")).unwrap_or_default()
                    ),
                };
                problems.push(why);
            }
            problems.extend(gate.blockers(self.site, id));
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(state(format!("cannot reconnect before every check passes: {}", problems.join("; "))))
    }

    fn task_added(&self, inc: &Incident, t: &Task) -> Result<(), RuleError> {
        self.line("title", &t.title)?;
        match (&t.owner, &t.role) {
            (Some(p), None) => self.person(p)?,
            (None, Some(r)) => self.role(r)?,
            _ => return Err(field("owner", "a task is owned by one person or one role")),
        }
        self.assets(&t.assets)?;
        if let Some(h) = t.hypothesis {
            self.hypothesis_ref(inc, h)?;
        }
        self.evidence_refs(inc, "evidence", &t.evidence)?;
        if let Some((action, m)) = t.measure {
            let (p, _) = self.action(inc, action)?;
            if m as usize >= p.assessment.measures.len() {
                return Err(field("measure", format!("#{action} has {} measure(s)", p.assessment.measures.len())));
            }
        }
        if let Some(c) = &t.collection {
            self.line("method", &c.method)?;
            if t.assets.is_empty() {
                return Err(field("assets", "an evidence-collection task names what it collects from"));
            }
        }
        Ok(())
    }

    fn task_updated(&self, inc: &Incident, u: &TaskUpdate) -> Result<(), RuleError> {
        if let Some(n) = &u.note {
            self.text("note", n)?;
        }
        let Some(t) = inc.work.tasks.get(&u.task) else {
            return Err(RuleError::NoSuchEvent { what: "task", seq: u.task });
        };
        if t.is_finished() {
            return Err(state(format!("task #{} is {}", u.task, t.status)));
        }
        if u.status == TaskStatus::Blocked && u.note.is_none() {
            return Err(field("note", "say why the task is blocked"));
        }
        if u.status == t.status && u.action.is_none() {
            return Err(state(format!("task #{} is already {}", u.task, t.status)));
        }
        if let Some(a) = u.action {
            self.action(inc, a)?;
        }
        // Intrusive collection on OT assets goes through the authority workflow.
        let intrusive = t.task.collection.as_ref().is_some_and(|c| c.intrusiveness == Intrusiveness::Intrusive);
        let ot: Vec<&str> = t
            .task
            .assets
            .iter()
            .filter(|a| self.site.asset_by_id(a).is_some_and(|x| self.site.asset(x).domain == Domain::Ot))
            .map(|a| &**a)
            .collect();
        if intrusive && !ot.is_empty() && matches!(u.status, TaskStatus::InProgress | TaskStatus::Done) {
            let Some(a) = u.action.or(t.action) else {
                return Err(state(format!(
                    "task #{} is an intrusive collection on OT assets ({}): it starts only under an approved action; propose `intrusive-collection {}` and link it",
                    u.task,
                    ot.join(", "),
                    ot.join(",")
                )));
            };
            let (p, st) = self.action(inc, a)?;
            let approved = matches!(
                st.status,
                ActionStatus::Approved
                    | ActionStatus::Executing
                    | ActionStatus::Completed
                    | ActionStatus::PartiallyApplied
            );
            let parsed = impact::Action::parse(self.site, &p.action).ok();
            let covers = parsed.as_ref().is_some_and(|x| {
                x.effect == site_model::Effect::IntrusiveCollection
                    && ot.iter().all(|id| {
                        x.targets.iter().any(|t| match t {
                            impact::Target::Asset(a) => *self.site.asset(*a).id == **id,
                            impact::Target::Zone(z) => self
                                .site
                                .asset_by_id(id)
                                .is_some_and(|ax| self.site.zone_chain(self.site.asset(ax).zone).any(|x| x == *z)),
                            _ => false,
                        })
                    })
            });
            if !covers {
                return Err(state(format!(
                    "action #{a} ({}) is not an intrusive collection covering {}",
                    p.action,
                    ot.join(", ")
                )));
            }
            if !approved {
                return Err(state(format!("action #{a} is {}; the collection starts once it is approved", st.status)));
            }
        }
        Ok(())
    }

    fn process(&self, id: &str) -> Result<&site_model::Process, RuleError> {
        self.site.processes.iter().find(|p| *p.id == *id).ok_or_else(|| RuleError::Unknown {
            what: "process",
            id: id.into(),
            hint: suggest(id, self.site.processes.iter().map(|p| &*p.id)),
        })
    }

    /// A snooze of the update cadence: by the timeline keeper or command, with a reason,
    /// to a time after now and no further than one interval of the current severity.
    fn snooze(&self, inc: &Incident, z: &Snooze) -> Result<(), RuleError> {
        self.text("reason", &z.reason)?;
        if let Some(a) = &z.audience
            && !crate::cadence::AUDIENCES.contains(&&**a)
        {
            return Err(field(
                "audience",
                format!("\"{a}\" is not an audience; expected {}", crate::cadence::AUDIENCES.join(", ")),
            ));
        }
        if !crate::cadence::running(inc) {
            return Err(state(
                "the update cadence runs from the declaration until closure; there is nothing to snooze",
            ));
        }
        if z.until.micros() <= self.at.micros() {
            return Err(field("until", format!("{} is not after the time of recording ({})", z.until, self.at)));
        }
        let max = crate::cadence::max_snooze_minutes(self.site, inc);
        if z.until.micros() > self.at.micros().saturating_add(i64::from(max) * 60_000_000) {
            return Err(field(
                "until",
                format!(
                    "{} is more than {max} minutes away: a snooze puts an update off by at most one interval at severity {}",
                    z.until, inc.severity
                ),
            ));
        }
        let roles: Vec<Box<str>> = self.policy.record_roles.iter().chain(&self.policy.declare_roles).cloned().collect();
        if !self.holds(Some(inc), self.actor, &roles) {
            return Err(RuleError::NotAuthorised {
                actor: self.actor.into(),
                action: "snooze the update cadence",
                needed: format!("that needs a holder of {}", Self::roles_phrase(&roles)),
            });
        }
        Ok(())
    }

    /// A manual verification: the process and reading exist, the values are numbers, the displays
    /// are the reading's, and each agreement is what the reading's tolerance says.
    fn readings(&self, r: &ReadingCheck) -> Result<(), RuleError> {
        let p = self.process(&r.process)?;
        let Some(reading) = p.readings.iter().find(|x| *x.id == *r.reading) else {
            let ids: Vec<&str> = p.readings.iter().map(|x| &*x.id).collect();
            return Err(field(
                "reading",
                if ids.is_empty() {
                    format!("process {} has no readings in the site model ([[process.reading]])", p.id)
                } else {
                    format!("process {} has no reading \"{}\"; its readings are {}", p.id, r.reading, ids.join(", "))
                },
            ));
        };
        let number = |name: &'static str, s: &str| {
            crate::integrity::parse_value(s)
                .ok_or_else(|| field(name, format!("\"{s}\" is not a number (write it as read, e.g. 4.2)")))
        };
        let fv = number("field value", &r.field_value)?;
        if r.displayed.is_empty() {
            return Err(field("displayed", "compare the reading with at least one display"));
        }
        self.items("displayed", &r.displayed)?;
        if let Some(n) = &r.note {
            self.text("note", n)?;
        }
        for (i, d) in r.displayed.iter().enumerate() {
            let Some(ix) = self.site.asset_by_id(&d.asset) else {
                return Err(RuleError::Unknown {
                    what: "asset",
                    id: d.asset.to_string(),
                    hint: suggest(&d.asset, self.site.assets.iter().map(|a| &*a.id)),
                });
            };
            if !reading.shown_on.contains(&ix) {
                let on: Vec<&str> = reading.shown_on.iter().map(|a| &*self.site.assets[a.ix()].id).collect();
                return Err(field(
                    "displayed",
                    format!("{} does not show {}; it is shown on {}", d.asset, reading.id, on.join(", ")),
                ));
            }
            if r.displayed[..i].iter().any(|x| x.asset == d.asset) {
                return Err(field("displayed", format!("{} is compared twice", d.asset)));
            }
            let shown = number("displayed value", &d.value)?;
            let agrees = crate::integrity::agrees(fv, shown, reading.tolerance);
            if agrees != d.agrees {
                return Err(field(
                    "displayed",
                    format!(
                        "{} showing {} against {} read at the station {} within the tolerance of {}, but the event says it {}",
                        d.asset,
                        d.value,
                        r.field_value,
                        if agrees { "agrees" } else { "does not agree" },
                        reading.tolerance,
                        if d.agrees { "does" } else { "does not" }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn correction(&self, inc: &Incident, seq: u64, c: &Correction) -> Result<(), RuleError> {
        self.text("reason", &c.reason)?;
        let target = c.supersedes;
        let Some(orig) = inc.event(target).filter(|_| target < seq) else {
            return Err(RuleError::NoSuchEvent { what: "event", seq: target });
        };
        let kind = orig.body.kind();
        if !kind.correctable() {
            return Err(state(format!(
                "#{target} is a {kind} event, which is not corrected in place: record a new change with its reason"
            )));
        }
        // The author, command, or the record keeper may correct.
        if *orig.actor != *self.actor && !self.holds(Some(inc), self.actor, &self.policy.record_roles) {
            self.command(inc, "correct someone else's entry")?;
        }
        let Some(r) = &c.replacement else { return Ok(()) };
        if r.kind() != kind {
            return Err(state(format!(
                "#{target} is a {kind} event; its correction must be one too, not {}",
                r.kind()
            )));
        }
        // The replacement is held to the rules of its kind, as of now.
        self.body(inc, seq, r)
    }
}

fn rule_ids(req: &authority::Requirement) -> String {
    req.rules.iter().map(|m| &*m.rule).collect::<Vec<_>>().join(", ")
}

/// Every person holding a role of the site (primary or deputy): who
/// acknowledges a changed plan.
pub fn role_holders(site: &Site) -> Vec<Box<str>> {
    let mut v: Vec<Box<str>> = site
        .roles
        .iter()
        .flat_map(|r| r.primary.iter().chain(&r.deputies))
        .map(|p| site.people[p.ix()].id.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The nearest id within a small edit distance, for "did you mean".
pub fn suggest<'a>(id: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let max = (id.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.len().abs_diff(id.len()) > max {
            continue;
        }
        let d = levenshtein(id, c);
        if d <= max && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

impl Context<'_> {
    /// The loaded site model's version as a digest, for stamping events.
    pub fn site_version(&self) -> Result<Digest, RuleError> {
        Digest::parse(self.site.version())
            .ok_or_else(|| state(format!("the site model's version {} is not a SHA-256", self.site.version())))
    }
}

/// Not empty, and within `limit` bytes.
fn bounded(name: &'static str, s: &str, limit: usize) -> Result<(), RuleError> {
    if s.trim().is_empty() {
        return Err(field(name, "must not be empty"));
    }
    if s.len() > limit {
        return Err(field(name, format!("{} bytes is longer than the {limit}-byte limit", s.len())));
    }
    Ok(())
}
