//! The service layer: what a principal may do, and the views handlers show.
//! Every handler, HTML or JSON, calls these functions; the permission check
//! ([`authorize`]) is here, not in templates, so no way of calling skips it.

use incident::timeline::Filter;
use incident::{
    ActionState, ActionStatus, Body, Event, Incident, Policy, RuleError, SituationState, StageError, Timestamp,
};
use serde::{Deserialize, Serialize};
use site_model::Site;
use store::{Access, LogError, Store};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;

/// What a principal asks to do.
#[derive(Debug, Clone, Copy)]
pub enum Permission<'a> {
    ListIncidents,
    /// Read the incident (its board, its actions, its events).
    ReadIncident(&'a Incident),
    /// Append to the incident (propose, approve, reject...): whether the
    /// person may do the particular thing is then the incident's rules'
    /// decision (the authority matrix for approvals).
    WriteIncident(&'a Incident),
    /// Manage users (list them, disable or enable one): administrators only.
    Administer,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Forbidden(String),
    #[error("no incident {0}")]
    NotFound(String),
    #[error("incident {id} does not verify: {why}")]
    Corrupt { id: String, why: String },
    #[error("the store failed: {0}")]
    Store(String),
    /// Bad input: a field missing or malformed, an action the site does not know.
    #[error("{0}")]
    Invalid(String),
    /// No such action in the incident.
    #[error("{0}")]
    NoSuchAction(String),
    /// No such site-level record (a work order, a vendor grant).
    #[error("{0}")]
    NoSuchRecord(String),
    /// Not now: the state of the incident or of the action does not allow it.
    #[error("{0}")]
    Conflict(String),
    /// The server cannot do it as configured (no site model, no authority matrix) or is overloaded.
    #[error("{0}")]
    Unavailable(String),
}

/// Whether `p` may do `what`: an enabled user may list incidents, and read
/// and write (as far as the incident's rules then allow) every open incident
/// and the private incidents their person is a member of
/// ([`Incident::visible_to`]: added as a member, holding a position in it, or
/// its opener). Administrators are not members by being administrators. To
/// anyone else a private incident does not exist: the refusal is
/// [`ServiceError::NotFound`], the answer for an incident that really does
/// not exist, so its existence does not leak.
pub fn authorize(p: &Principal, what: Permission<'_>) -> Result<(), ServiceError> {
    if p.user.disabled {
        return Err(ServiceError::Forbidden(format!("user {} is disabled", p.user.username)));
    }
    match what {
        Permission::ListIncidents => Ok(()),
        Permission::Administer if p.user.is_admin => Ok(()),
        Permission::Administer => {
            Err(ServiceError::Forbidden(format!("{} may not manage users: administrators only", p.user.username)))
        }
        Permission::ReadIncident(inc) | Permission::WriteIncident(inc) => {
            if inc.visible_to(&p.user.person) {
                Ok(())
            } else {
                Err(ServiceError::NotFound(inc.id().into()))
            }
        }
    }
}

/// What the access log says of a refused attempt on a private incident.
const NOT_A_MEMBER: &str = "refused: not a member of this private incident";

/// [`authorize`] for a read of a loaded incident, recording in the access
/// log a non-member's refused attempt at a private incident.
pub(crate) async fn may_read(
    state: &AppState,
    p: &Principal,
    inc: &Incident,
    action: &str,
) -> Result<(), ServiceError> {
    let r = authorize(p, Permission::ReadIncident(inc));
    if r.is_err() && inc.private && !p.user.disabled {
        log_access(state, p, action, inc.id(), NOT_A_MEMBER).await?;
    }
    r
}

pub(crate) async fn log_access(
    state: &AppState,
    p: &Principal,
    action: &str,
    id: &str,
    outcome: &str,
) -> Result<(), ServiceError> {
    // What a client sent (an id in the path, a refusal quoting its text) is logged as printable
    // text: a control character is shown as U+FFFD, so logging never fails on content.
    let printable = |s: &str, max: usize| -> String {
        s.chars().take(max).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
    };
    let access = Access {
        at: state.now(),
        username: p.user.username.clone(),
        action: printable(action, 200),
        target: printable(id, 200),
        outcome: printable(outcome, 500),
    };
    state.store.log_access(&access).await.map_err(store_error)
}

/// One incident in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentSummary {
    pub id: String,
    pub title: String,
    /// candidate, declared, dismissed, closed...
    pub status: String,
    pub severity: String,
    pub category: String,
    pub phase: String,
    /// How many events its record holds.
    pub events: u64,
    /// The SHA-256 of its last event (hex).
    pub head: String,
    /// Private: only its members see it.
    pub private: bool,
    /// RFC 3339.
    pub opened_at: String,
    /// Set when the record does not load or verify; the other fields are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The situation: the process, control and view integrity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SituationView {
    /// The critical process assessed; none for the site as a whole.
    pub process: Option<String>,
    /// stable, abnormal or unknown; none when not yet assessed.
    pub process_state: Option<String>,
    /// Control integrity: trusted, in-question or compromised.
    pub control: Option<String>,
    /// View integrity: trusted, in-question or compromised.
    pub view: Option<String>,
    /// The event of the latest assessment.
    pub as_of: Option<u64>,
}

/// A position (a role of the site model) and who holds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    pub role: String,
    /// A person id of the site model.
    pub person: String,
    /// The person's name, when the server has the site model.
    pub name: Option<String>,
    /// The event that gave it.
    pub since: u64,
}

/// The board's status header.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentStatus {
    pub summary: String,
    pub opened_by: String,
    /// The event that declared it.
    pub declared: Option<u64>,
    pub situation: SituationView,
    /// Per critical process, when assessed separately.
    pub processes: Vec<SituationView>,
    pub positions: Vec<PositionView>,
    /// Who may see the incident while it is private: its opener, its position
    /// holders and the people added as members (listed whether or not it is private).
    pub members: Vec<MemberView>,
    /// The status updates due per audience, earliest first, while the cadence runs
    /// (the site's `[site.update_every]` per severity; empty otherwise or without the site model).
    pub updates_due: Vec<UpdateDueView>,
}

/// When the next status update to an audience is due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateDueView {
    /// operations, security or leadership.
    pub audience: String,
    /// When it is due (RFC 3339).
    pub due: String,
    /// The interval of the incident's severity, in minutes.
    pub interval_minutes: u32,
    /// The last update published to this audience (event number).
    pub last: Option<u64>,
    /// The snooze in force that set `due` (event number).
    pub snoozed: Option<u64>,
}

/// A member of the incident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    /// A person id of the site model.
    pub person: String,
    /// The person's name, when the server has the site model.
    pub name: Option<String>,
    /// Why they are one: "opened it", "holds ot-lead", "added as a member".
    pub why: Vec<String>,
}

/// One event of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub seq: u64,
    /// The event kind (note, observation, decision...).
    pub kind: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// When it happened (RFC 3339): an observation's time, evidence's collection...
    pub occurred_at: String,
    /// The person who recorded it (a person id).
    pub actor: String,
    pub actor_name: Option<String>,
    /// it, ot or shared.
    pub domain: Option<String>,
    /// One line saying what it records.
    pub summary: String,
    /// The correction that supersedes it.
    pub superseded_by: Option<u64>,
}

/// An incident's board: the summary, the status header and the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentBoard {
    pub incident: IncidentSummary,
    pub status: IncidentStatus,
    pub timeline: Vec<TimelineEntry>,
}

pub(crate) fn summary(inc: &Incident) -> IncidentSummary {
    IncidentSummary {
        id: inc.id().into(),
        title: inc.opened.title.to_string(),
        status: inc.status.as_str().into(),
        severity: inc.severity.as_str().into(),
        category: inc.category.as_str().into(),
        phase: inc.phase.as_str().into(),
        events: inc.seq(),
        head: inc.head().to_string(),
        private: inc.private,
        opened_at: inc.opened_at().to_string(),
        problem: None,
    }
}

fn name(site: Option<&Site>, person: &str) -> Option<String> {
    site?.people.iter().find(|p| &*p.id == person).map(|p| p.name.to_string())
}

fn situation(process: Option<&str>, s: &SituationState) -> SituationView {
    SituationView {
        process: process.map(Into::into),
        process_state: s.process_state.map(|x| x.as_str().into()),
        control: s.control.map(|x| x.as_str().into()),
        view: s.view.map(|x| x.as_str().into()),
        as_of: s.last,
    }
}

pub(crate) fn entry(inc: &Incident, site: Option<&Site>, e: &Event) -> TimelineEntry {
    TimelineEntry { superseded_by: inc.superseded_by(e.seq), ..live_entry(inc, site, e) }
}

/// An event as the live stream sends it (whether a later correction
/// supersedes it is not known yet): `inc` is where the events it refers to
/// (an approval's proposal, a task update's task) are found.
pub fn live_entry(inc: &Incident, site: Option<&Site>, e: &Event) -> TimelineEntry {
    TimelineEntry {
        seq: e.seq,
        kind: e.body.kind().as_str().into(),
        recorded_at: e.recorded_at.to_string(),
        occurred_at: e.occurred_at().to_string(),
        actor: e.actor.to_string(),
        actor_name: name(site, &e.actor),
        domain: e.body.domain().map(|d| d.as_str().into()),
        summary: incident::describe::summary(inc, &e.body),
        superseded_by: None,
    }
}

/// The board of one incident.
pub fn board(inc: &Incident, site: Option<&Site>) -> IncidentBoard {
    board_window(inc, site, None, &Filter::default())
}

/// Which events a timeline shows: `?kind=note,observation&domain=ot&person=mgarcia&since=...&until=...`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Event kinds, comma-separated (e.g. `action-proposed,action-approved`).
    pub kind: Option<String>,
    /// `it` or `ot`: the events of one side.
    pub domain: Option<String>,
    /// A person's id: the events they recorded or that name them.
    pub person: Option<String>,
    /// Events that occurred at or after this time (RFC 3339 with an offset).
    pub since: Option<String>,
    /// Events that occurred before this time (RFC 3339 with an offset).
    pub until: Option<String>,
}

impl TimelineQuery {
    /// The filter, or an error naming the parameter and what it expects. Empty values are absent.
    pub fn filter(&self) -> Result<Filter, ServiceError> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut f = Filter::default();
        if let Some(kinds) = given(&self.kind) {
            for k in kinds.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                let kind = incident::Kind::parse(k).ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "kind: {k:?} is not an event kind; expected {}",
                        incident::Kind::expected()
                    ))
                })?;
                if !f.kinds.contains(&kind) {
                    f.kinds.push(kind);
                }
            }
        }
        if let Some(d) = given(&self.domain) {
            f.domain = Some(site_model::Domain::parse(&d).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "domain: {d:?} is not a domain; expected one of {}",
                    site_model::Domain::WORDS.join(", ")
                ))
            })?);
        }
        f.person = given(&self.person);
        let time = |name: &str, v: Option<String>| -> Result<Option<incident::Timestamp>, ServiceError> {
            v.map(|t| {
                incident::Timestamp::parse(&t).map_err(|e| {
                    ServiceError::Invalid(format!(
                        "{name}: {t:?} is not a time ({e}); expected RFC 3339 with an offset"
                    ))
                })
            })
            .transpose()
        };
        f.since = time("since", given(&self.since))?;
        f.until = time("until", given(&self.until))?;
        Ok(f)
    }
}

/// [`board`] with only the latest `events` of the timeline that `filter`
/// selects (`None`: all of them).
pub fn board_window(inc: &Incident, site: Option<&Site>, events: Option<usize>, filter: &Filter) -> IncidentBoard {
    let status = IncidentStatus {
        summary: inc.opened.summary.to_string(),
        opened_by: inc.opened_by().into(),
        declared: inc.declared,
        situation: situation(None, &inc.situation),
        processes: inc.processes.iter().map(|(p, s)| situation(Some(p), s)).collect(),
        positions: inc
            .positions
            .iter()
            .map(|(role, p)| PositionView {
                role: role.to_string(),
                person: p.person.to_string(),
                name: name(site, &p.person),
                since: p.since,
            })
            .collect(),
        members: inc
            .membership()
            .into_iter()
            .map(|(person, why)| MemberView { person: person.into(), name: name(site, person), why })
            .collect(),
        updates_due: site
            .map(|s| {
                let mut due = incident::cadence::updates_due(s, inc);
                due.sort_by_key(|d| d.due.micros());
                due.into_iter()
                    .map(|d| UpdateDueView {
                        audience: d.audience.into(),
                        due: d.due.to_string(),
                        interval_minutes: d.interval_minutes,
                        last: d.last,
                        snoozed: d.snoozed,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    IncidentBoard {
        incident: summary(inc),
        status,
        timeline: if filter.is_empty() {
            let all = inc.events();
            let from = events.map_or(0, |n| all.len().saturating_sub(n));
            all[from..].iter().map(|e| entry(inc, site, e)).collect()
        } else {
            let mut picked: Vec<TimelineEntry> = inc
                .events()
                .iter()
                .rev()
                .filter(|e| filter.matches(e))
                .take(events.unwrap_or(usize::MAX))
                .map(|e| entry(inc, site, e))
                .collect();
            picked.reverse();
            picked
        },
    }
}

pub(crate) fn store_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Store(e.to_string())
}

/// Every incident the principal may see, by id: the open ones and the
/// private ones their person is a member of. A record that does not load or
/// verify cannot say whether it is private: it is listed to administrators
/// only (its id and the problem).
pub async fn list_incidents(state: &AppState, p: &Principal) -> Result<Vec<IncidentSummary>, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let heads = state.store.incidents().await.map_err(store_error)?;
    let mut out = Vec::with_capacity(heads.len());
    for h in heads {
        match state.incidents.load(&state.store, &h.id).await {
            Ok(Some(inc)) => {
                if authorize(p, Permission::ReadIncident(&inc)).is_ok() {
                    out.push(summary(&inc));
                }
            }
            Ok(None) => {}
            Err(_) if !p.user.is_admin => {}
            Err(e) => out.push(IncidentSummary {
                id: h.id.clone(),
                title: String::new(),
                status: String::new(),
                severity: String::new(),
                category: String::new(),
                phase: String::new(),
                events: h.seq,
                head: String::new(),
                private: false,
                opened_at: String::new(),
                problem: Some(e.to_string()),
            }),
        }
    }
    Ok(out)
}

/// One incident's board, if the principal may read it. The read is recorded
/// in the access log (and so is a non-member's refused attempt at a private incident).
pub async fn incident_board(
    state: &AppState,
    p: &Principal,
    id: &str,
    filter: &Filter,
) -> Result<IncidentBoard, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    if inc.private {
        log_access(state, p, "read-incident", id, "ok").await?;
    }
    Ok(board_window(&inc, state.site.as_deref(), None, filter))
}

// ---------------------------------------------------------------------------
// Response actions: the decisions waiting, and the write path.

/// A person who can act in a role now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    /// A person id of the site model.
    pub person: String,
    pub name: String,
    /// How they hold it: "holds it in this incident", "primary" or "deputy".
    pub holding: String,
}

/// A role and the people who hold it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleHolders {
    pub role: String,
    pub people: Vec<HolderView>,
}

/// One group of required approvals: `count` people holding one of `roles`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalGroupView {
    pub roles: Vec<String>,
    pub count: u32,
    /// The people whose approvals count towards it so far.
    pub counted: Vec<String>,
    /// Who holds the roles (this incident's position holders, then the site's primaries and deputies).
    pub holders: Vec<RoleHolders>,
}

/// An approval or a rejection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoiceView {
    /// Its event.
    pub seq: u64,
    pub person: String,
    pub name: Option<String>,
    /// The roles it was given in.
    pub roles: Vec<String>,
    /// it or ot, when the person's side counts for joint sign-off.
    pub side: Option<String>,
    /// RFC 3339.
    pub at: String,
    pub rationale: String,
}

/// A matching rule of the authority matrix and why it matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    pub rule: String,
    pub because: Vec<String>,
}

/// A compensating measure of the safety verdict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureView {
    /// Numbered from 1.
    pub number: u32,
    pub measure: String,
    pub confirmed: bool,
}

/// The next escalation of a pending action if it stays undecided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationView {
    pub level: u32,
    pub role: String,
    /// When it becomes due (RFC 3339).
    pub at: String,
    /// Seconds from now (negative: overdue).
    pub in_seconds: i64,
    pub holders: Vec<HolderView>,
}

/// A proposed response action: its impact, safety verdict, the approvals the
/// authority matrix requires and who holds them, what is missing, and the
/// escalation clock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionView {
    /// The proposal's event number: the action's id.
    pub seq: u64,
    /// The action in the site's syntax, as assessed.
    pub text: String,
    /// pending, approved, rejected, vetoed, executing, completed...
    pub status: String,
    pub proposer: String,
    pub proposer_name: Option<String>,
    /// RFC 3339.
    pub proposed_at: String,
    pub rationale: String,
    /// safe, safe-with-measures or unsafe.
    pub verdict: String,
    pub unsafe_reasons: Vec<String>,
    /// The impact summary, one line each.
    pub impact: Vec<String>,
    /// Why it needs what it needs.
    pub rules: Vec<RuleView>,
    pub measures: Vec<MeasureView>,
    /// The approvals required, with who holds the roles.
    pub approvals_required: Vec<ApprovalGroupView>,
    /// IT and OT must both approve.
    pub joint: bool,
    /// Roles whose rejection vetoes it.
    pub veto: Vec<String>,
    /// What is still missing, in words ("1 more approval from ot-lead").
    pub missing: Vec<String>,
    pub approvals: Vec<VoiceView>,
    pub rejections: Vec<VoiceView>,
    /// The escalation level (0: not escalated).
    pub level: u32,
    pub next_escalation: Option<EscalationView>,
    pub next_steps: Vec<String>,
    /// For each role that could move it on now, the people who hold it.
    pub who_can_unblock: Vec<RoleHolders>,
    /// Whether the caller's person may approve or reject it now (the rules decide when they do).
    pub you_may_decide: bool,
    /// The event that decided it.
    pub decided: Option<u64>,
    /// The override that approved it (a post-incident review item).
    pub overridden: Option<u64>,
    /// Whether, once carried out, it did what it was meant to: `effective` or `ineffective`.
    pub verified: Option<String>,
}

/// What proposing takes.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct ProposeRequest {
    /// The action in the site's syntax, e.g. `take-offline dc-corp-01,dc-corp-02 for containment` (docs/actions.md).
    #[schema(min_length = 1)]
    pub action: String,
    /// Why it is proposed.
    #[schema(min_length = 1)]
    pub rationale: String,
    /// Events the proposal rests on.
    #[serde(default)]
    pub evidence: Vec<u64>,
}

/// What approving or rejecting takes.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// Why.
    #[schema(min_length = 1)]
    pub rationale: String,
}

fn holder_view(h: incident::actions::Holder) -> HolderView {
    HolderView { person: h.person, name: h.name, holding: h.holding.into() }
}

/// People who can act in a role now (`incident::actions::people_for`).
fn people_for(site: &Site, inc: &Incident, role: &str) -> Vec<HolderView> {
    incident::actions::people_for(site, inc, role).into_iter().map(holder_view).collect()
}

fn role_holders(site: &Site, inc: &Incident, roles: impl IntoIterator<Item = String>) -> Vec<RoleHolders> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for r in roles {
        if seen.contains(&r) {
            continue;
        }
        seen.push(r.clone());
        out.push(RoleHolders { people: people_for(site, inc, &r), role: r });
    }
    out
}

/// For each role that could move the action on now, as `interlock action explain` says.
fn unblockers(site: &Site, inc: &Incident, p: &incident::Proposal, a: &ActionState) -> Vec<RoleHolders> {
    incident::actions::unblockers(site, inc, p, a)
        .into_iter()
        .map(|(role, people)| RoleHolders { role: role.into(), people: people.into_iter().map(holder_view).collect() })
        .collect()
}

fn voice(site: &Site, inc: &Incident, v: &incident::Voice) -> VoiceView {
    let rationale = match inc.event(v.seq).map(|e| &e.body) {
        Some(Body::ActionApproved(s) | Body::ActionRejected(s)) => s.rationale.to_string(),
        _ => String::new(),
    };
    VoiceView {
        seq: v.seq,
        person: v.person.to_string(),
        name: name(Some(site), &v.person),
        roles: v.roles.iter().map(|r| r.to_string()).collect(),
        side: v.side.map(|d| d.as_str().into()),
        at: v.at.to_string(),
        rationale,
    }
}

/// One action as the board and the API show it; `person` is the caller's.
pub fn action_view(
    site: &Site,
    engine: Option<authority::Engine<'_>>,
    inc: &Incident,
    a: &ActionState,
    person: &str,
    now_micros: i64,
) -> Option<ActionView> {
    let p = inc.proposal(a.proposal)?;
    let req = &p.assessment.requirement;
    let tally = a.tally(req);
    let policy = Policy::default();
    let cx = incident::Context { site, policy: &policy, engine };
    let may = a.status == ActionStatus::Pending
        && *a.proposer != *person
        && !a.approvals.iter().chain(&a.rejections).any(|v| *v.person == *person)
        && incident::rules::capacities(inc, &cx, person, a.proposal).is_some_and(|(roles, _)| !roles.is_empty());
    Some(ActionView {
        seq: a.proposal,
        text: p.action.to_string(),
        status: a.status.as_str().into(),
        proposer: a.proposer.to_string(),
        proposer_name: name(Some(site), &a.proposer),
        proposed_at: a.proposed_at.to_string(),
        rationale: p.rationale.to_string(),
        verdict: p.assessment.verdict.as_str().into(),
        unsafe_reasons: p.assessment.unsafe_reasons.iter().map(|s| s.to_string()).collect(),
        impact: p.assessment.summary.iter().map(|s| s.to_string()).collect(),
        rules: req
            .rules
            .iter()
            .map(|m| RuleView { rule: m.rule.to_string(), because: m.because.iter().map(|b| b.to_string()).collect() })
            .collect(),
        measures: p
            .assessment
            .measures
            .iter()
            .enumerate()
            .map(|(i, m)| MeasureView {
                number: i as u32 + 1,
                measure: m.to_string(),
                confirmed: a.confirmed.iter().any(|(x, _)| *x as usize == i),
            })
            .collect(),
        approvals_required: req
            .groups
            .iter()
            .zip(&tally.counted)
            .map(|(g, have)| ApprovalGroupView {
                roles: g.roles.iter().map(|r| r.to_string()).collect(),
                count: g.count,
                counted: have.iter().map(|x| x.to_string()).collect(),
                holders: role_holders(site, inc, g.roles.iter().map(|r| r.to_string())),
            })
            .collect(),
        joint: req.joint,
        veto: req.veto.iter().map(|r| r.to_string()).collect(),
        missing: tally.missing(req),
        approvals: a.approvals.iter().map(|v| voice(site, inc, v)).collect(),
        rejections: a.rejections.iter().map(|v| voice(site, inc, v)).collect(),
        level: a.level,
        next_escalation: a.next_escalation(req).map(|(level, role, at)| EscalationView {
            level,
            role: role.into(),
            at: at.to_string(),
            in_seconds: (at.micros() - now_micros).div_euclid(1_000_000),
            holders: people_for(site, inc, role),
        }),
        next_steps: a.next_steps(p),
        who_can_unblock: unblockers(site, inc, p, a),
        you_may_decide: may,
        decided: a.decided,
        overridden: a.overridden,
        verified: a.verification.map(|(_, r)| r.as_str().to_string()),
    })
}

/// Every action of the incident, pending ones first, then by number.
/// A decided action as the board's table shows it (number, text, status,
/// verdict, next steps): the rest of [`ActionView`] is left empty, so a long
/// list of decided actions costs little to draw.
fn decided_view(inc: &Incident, a: &ActionState) -> Option<ActionView> {
    let p = inc.proposal(a.proposal)?;
    Some(ActionView {
        seq: a.proposal,
        text: p.action.to_string(),
        status: a.status.as_str().into(),
        proposer: a.proposer.to_string(),
        proposer_name: None,
        proposed_at: a.proposed_at.to_string(),
        rationale: p.rationale.to_string(),
        verdict: p.assessment.verdict.as_str().into(),
        unsafe_reasons: Vec::new(),
        impact: Vec::new(),
        rules: Vec::new(),
        measures: Vec::new(),
        approvals_required: Vec::new(),
        joint: p.assessment.requirement.joint,
        veto: Vec::new(),
        missing: Vec::new(),
        approvals: Vec::new(),
        rejections: Vec::new(),
        level: a.level,
        next_escalation: None,
        next_steps: a.next_steps(p),
        who_can_unblock: Vec::new(),
        you_may_decide: false,
        decided: a.decided,
        overridden: a.overridden,
        verified: a.verification.map(|(_, r)| r.as_str().to_string()),
    })
}

pub fn action_views(
    site: &Site,
    engine: Option<authority::Engine<'_>>,
    inc: &Incident,
    person: &str,
    now_micros: i64,
) -> Vec<ActionView> {
    let mut v: Vec<ActionView> =
        inc.actions.values().filter_map(|a| action_view(site, engine, inc, a, person, now_micros)).collect();
    v.sort_by_key(|a| (a.status != "pending", a.seq));
    v
}

pub(crate) fn site_of(state: &AppState) -> Result<(&Site, authority::Engine<'_>), ServiceError> {
    match (state.site.as_deref(), state.graph.as_deref()) {
        (Some(site), Some(graph)) => Ok((site, authority::Engine { site, graph })),
        _ => Err(ServiceError::Unavailable(
            "the server was started without the site model (--site DIR): actions are assessed against it".into(),
        )),
    }
}

/// The incident as the store has it now, from the server's cache of folded
/// incidents (only the events since its last read are read and verified).
pub(crate) async fn load_incident(state: &AppState, id: &str) -> Result<std::sync::Arc<Incident>, ServiceError> {
    match state.incidents.load(&state.store, id).await {
        Ok(Some(inc)) => Ok(inc),
        Ok(None) => Err(ServiceError::NotFound(id.into())),
        Err(e) => Err(ServiceError::Corrupt { id: id.into(), why: e.to_string() }),
    }
}

/// The incident's actions, for the API. A read of a private incident's
/// actions is recorded in the access log.
pub async fn actions(state: &AppState, p: &Principal, id: &str) -> Result<Vec<ActionView>, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-actions").await?;
    let (site, engine) = site_of(state)?;
    if inc.private {
        log_access(state, p, "read-actions", id, "ok").await?;
    }
    Ok(action_views(site, Some(engine), &inc, &p.user.person, state.now()))
}

/// One action of the incident, as the actions list shows it.
pub async fn action(state: &AppState, p: &Principal, id: &str, seq: u64) -> Result<ActionView, ServiceError> {
    actions(state, p, id)
        .await?
        .into_iter()
        .find(|a| a.seq == seq)
        .ok_or_else(|| ServiceError::NoSuchAction(format!("{id} has no action #{seq}")))
}

/// Why an action needs what it needs, what is missing and who can unblock
/// it, as `interlock action explain` prints it.
pub async fn explain(state: &AppState, p: &Principal, id: &str, seq: u64) -> Result<String, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-actions").await?;
    let (site, _) = site_of(state)?;
    let (Some(st), Some(prop)) = (inc.actions.get(&seq), inc.proposal(seq)) else {
        return Err(ServiceError::NoSuchAction(format!("{id} has no action #{seq}")));
    };
    if inc.private {
        log_access(state, p, "read-actions", id, "ok").await?;
    }
    Ok(incident::actions::explain_text(site, &inc, prop, st))
}

/// An escalation due: the action, the rung it reaches, who holds that role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueView {
    pub action: u64,
    /// The escalation level it reaches.
    pub level: u32,
    pub role: String,
    /// When it fell (or falls) due, RFC 3339.
    pub due_at: String,
    /// Who can decide at that level: the incident's holder of the role, then the site's.
    pub holders: Vec<HolderView>,
}

/// The escalations due at a time (`interlock action due --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationsDue {
    /// The time asked about (default: the server's clock), RFC 3339.
    pub at: String,
    pub due: Vec<DueView>,
}

/// The escalations due at `at` (default the server's time). The server
/// records those due at its own time itself (`escalation.rs`): asked about
/// now, the list is what the next round records; asked about a later time,
/// what falls due by then if nobody decides.
pub async fn escalations_due(
    state: &AppState,
    p: &Principal,
    id: &str,
    at: Option<&str>,
) -> Result<EscalationsDue, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let at = match at {
        Some(t) => Timestamp::parse(t).map_err(|e| ServiceError::Invalid(format!("at: {e} (RFC 3339 expected)")))?,
        None => Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?,
    };
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-actions").await?;
    let (site, _) = site_of(state)?;
    if inc.private {
        log_access(state, p, "read-actions", id, "ok").await?;
    }
    let due = inc
        .due(at)
        .into_iter()
        .map(|d| DueView {
            action: d.action,
            level: d.level,
            holders: people_for(site, &inc, &d.role),
            role: d.role.into(),
            due_at: d.due_at.to_string(),
        })
        .collect();
    Ok(EscalationsDue { at: at.to_string(), due })
}

/// How much of a long incident the board page shows: every pending action
/// always; the latest `events` of the timeline and the latest `decided`
/// actions (`None`: all of them).
#[derive(Debug, Clone, Copy)]
pub struct BoardWindow {
    pub events: Option<usize>,
    pub decided: Option<usize>,
}

impl BoardWindow {
    /// What a board page shows by default: the latest 100 events and 25 decided actions.
    pub const DEFAULT: BoardWindow = BoardWindow { events: Some(100), decided: Some(25) };
    pub const ALL: BoardWindow = BoardWindow { events: None, decided: None };
}

/// The board with its actions (one load), for the board page, cut to `window`
/// before anything is rendered (a board is read far more often than written),
/// and the number of decided actions in all.
pub async fn board_with_actions(
    state: &AppState,
    p: &Principal,
    id: &str,
    window: BoardWindow,
    filter: &Filter,
) -> Result<(IncidentBoard, Vec<ActionView>, usize, crate::panels::Panels), ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    if inc.private {
        log_access(state, p, "read-incident", id, "ok").await?;
    }
    let actions = match site_of(state) {
        Ok((site, engine)) => {
            let pending = inc.actions.values().filter(|a| a.status == incident::ActionStatus::Pending);
            let decided: Vec<&incident::ActionState> =
                inc.actions.values().filter(|a| a.status != incident::ActionStatus::Pending).collect();
            let skip = window.decided.map_or(0, |n| decided.len().saturating_sub(n));
            let mut v: Vec<ActionView> = pending
                .filter_map(|a| action_view(site, Some(engine), &inc, a, &p.user.person, state.now()))
                .chain(decided.into_iter().skip(skip).filter_map(|a| decided_view(&inc, a)))
                .collect();
            v.sort_by_key(|a| (a.status != "pending", a.seq));
            v
        }
        Err(_) => Vec::new(),
    };
    let decided = inc.actions.values().filter(|a| a.status != incident::ActionStatus::Pending).count();
    let panels = crate::panels::panels(&inc, state.site.as_deref(), state.graph.as_deref(), state.now());
    Ok((board_window(&inc, state.site.as_deref(), window.events, filter), actions, decided, panels))
}

fn versions(site: &Site, engine: authority::Engine<'_>) -> Result<(incident::Digest, incident::Digest), ServiceError> {
    let sv = incident::Digest::parse(site.version())
        .ok_or_else(|| ServiceError::Unavailable(format!("the site version {} is not a SHA-256", site.version())))?;
    let m = engine.authority().map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    let av = incident::Digest::parse(&m.version)
        .ok_or_else(|| ServiceError::Unavailable(format!("the authority version {} is not a SHA-256", m.version)))?;
    Ok((sv, av))
}

fn rule_error(e: &RuleError) -> ServiceError {
    match e {
        RuleError::NotAuthorised { .. } => ServiceError::Forbidden(e.to_string()),
        RuleError::NoSuchEvent { what: "action", .. } => ServiceError::NoSuchAction(e.to_string()),
        RuleError::State(_) | RuleError::SiteVersion { .. } | RuleError::Sequence { .. } => {
            ServiceError::Conflict(e.to_string())
        }
        _ => ServiceError::Invalid(e.to_string()),
    }
}

/// The write path of the service: the caller's site person is the actor;
/// the incident's rules (checked by `store::write` against the site model and
/// the authority matrix) decide whether they may. On success the new events
/// go to the incident's live subscribers.
async fn write(
    state: &AppState,
    p: &Principal,
    id: &str,
    what: &str,
    mut make: impl FnMut(&Incident, &Site, authority::Engine<'_>) -> Result<Vec<Body>, ServiceError>,
) -> Result<std::sync::Arc<Incident>, ServiceError> {
    write_at(state, p, id, what, |inc, site, engine, _| make(inc, site, engine)).await
}

/// [`write`], the closure also told the time the events are recorded at (its
/// defaults: an observation seen "now").
pub(crate) async fn write_at(
    state: &AppState,
    p: &Principal,
    id: &str,
    what: &str,
    mut make: impl FnMut(&Incident, &Site, authority::Engine<'_>, Timestamp) -> Result<Vec<Body>, ServiceError>,
) -> Result<std::sync::Arc<Incident>, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let (site, engine) = site_of(state)?;
    let person = p.user.person.as_str();
    if site.person_by_id(person).is_none() {
        return Err(ServiceError::Forbidden(format!(
            "user {} is mapped to {person}, who is not a person of the site model",
            p.user.username
        )));
    }
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    // Who may write is decided on the incident as the write path loaded it:
    // a non-member of a private incident is told there is no such incident.
    let mut hidden = false;
    // Start from the cached state, brought up to date (one indexed read);
    // an append that races another is rebuilt on the newer state.
    let start = match state.incidents.load(&state.store, id).await {
        Ok(Some(inc)) => Some((*inc).clone()),
        _ => None,
    };
    let r = store::write_from(&*state.store, site, Some(engine), start, id, person, now, |inc| {
        if let Err(e) = authorize(p, Permission::WriteIncident(inc)) {
            hidden = true;
            return Err(e);
        }
        make(inc, site, engine, now)
    })
    .await;
    let outcome = match &r {
        Ok(_) => "ok".to_string(),
        Err(_) if hidden => NOT_A_MEMBER.to_string(),
        Err(store::WriteError::Make(e)) => format!("refused: {e}"),
        Err(store::WriteError::Log(e)) => format!("refused: {e}"),
    };
    log_access(state, p, what, id, &outcome).await?;
    let written = match r {
        Ok(w) => w,
        Err(store::WriteError::Make(e)) => return Err(e),
        Err(store::WriteError::Log(e)) => return Err(log_error(id, e)),
    };
    Ok(appended(state, id, written).await)
}

/// What an append leaves behind: the state kept in the cache, the new events
/// sent to the live streams (and a failed announcement to other servers said).
async fn appended(state: &AppState, id: &str, written: store::write::Written) -> std::sync::Arc<Incident> {
    if let Some(e) = &written.announce_failed {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "interlock serve: {id}: other servers were not told of the append: {e}");
    }
    let first = written.sealed.first().map_or(written.incident.seq(), |s| s.seq);
    let incident = std::sync::Arc::new(written.incident);
    state.incidents.keep(incident.clone());
    state.hub.publish(state, id, first, incident.seq()).await;
    incident
}

/// Every incident of the store that is still open (neither closed nor
/// dismissed), as the cache brings it up to date, for the server's own rounds
/// (escalations, reminders): a closed incident accepts no escalation and its
/// update cadence has stopped, so it is skipped. The store's listing carries
/// each head, so an incident whose kept state is at that head costs no
/// further read; a reopened one has a new head and is read again. `what`
/// names the round in the error printed when the store cannot be read.
pub(crate) async fn every_incident(state: &AppState, what: &str) -> Vec<std::sync::Arc<Incident>> {
    let heads = match state.store.incidents().await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("interlock serve: {what}: {e}");
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(heads.len());
    for h in heads {
        let inc = match state.incidents.at_head(&h) {
            Some(inc) => inc,
            None => match state.incidents.load(&state.store, &h.id).await {
                Ok(Some(inc)) => inc,
                _ => continue,
            },
        };
        if !inc.is_closed() {
            out.push(inc);
        }
    }
    out
}

/// The actor of what the server records by itself (escalations that fall due).
pub const SYSTEM: &str = incident::rules::SYSTEM_ACTOR;

/// Appends what `make` builds from the incident as it stands, as the server
/// itself ([`SYSTEM`]): no user's permission is involved, the incident's rules
/// still decide, and the events carry the server's time.
pub(crate) async fn system_write(
    state: &AppState,
    id: &str,
    mut make: impl FnMut(&Incident, Timestamp) -> Result<Vec<Body>, ServiceError>,
) -> Result<std::sync::Arc<Incident>, ServiceError> {
    let (site, engine) = site_of(state)?;
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    let start = match state.incidents.load(&state.store, id).await {
        Ok(Some(inc)) => Some((*inc).clone()),
        _ => None,
    };
    let r = store::write_from(&*state.store, site, Some(engine), start, id, SYSTEM, now, |inc| make(inc, now)).await;
    let written = match r {
        Ok(w) => w,
        Err(store::WriteError::Make(e)) => return Err(e),
        Err(store::WriteError::Log(e)) => return Err(log_error(id, e)),
    };
    Ok(appended(state, id, written).await)
}

/// What a refused append means to the caller.
pub(crate) fn log_error(id: &str, e: LogError) -> ServiceError {
    match e {
        LogError::NotFound(_) => ServiceError::NotFound(id.into()),
        LogError::Stage(StageError::Rule(r)) => rule_error(&r),
        LogError::Stage(other) => ServiceError::Invalid(other.to_string()),
        LogError::Refused(m) => ServiceError::Invalid(m),
        LogError::Exists(_) => ServiceError::Conflict(e.to_string()),
        LogError::Contended(_) => ServiceError::Unavailable(e.to_string()),
        LogError::Corrupt(_) => ServiceError::Corrupt { id: id.into(), why: e.to_string() },
        LogError::Store(_) => ServiceError::Store(e.to_string()),
    }
}

fn phase_word(inc: &Incident) -> Result<site_model::PhaseWord, ServiceError> {
    site_model::PhaseWord::parse(inc.phase.as_str())
        .ok_or_else(|| ServiceError::Conflict(format!("the {} phase has no authority-matrix word", inc.phase)))
}

pub(crate) fn check_text(field: &str, text: &str, max: usize) -> Result<(), ServiceError> {
    if text.trim().is_empty() {
        return Err(ServiceError::Invalid(format!("{field}: required")));
    }
    if text.len() > max {
        return Err(ServiceError::Invalid(format!("{field}: at most {max} bytes")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ServiceError::Invalid(format!("{field}: contains control characters")));
    }
    Ok(())
}

/// Proposes a response action as the caller's person: assessed (impact,
/// safety verdict, the approvals required) and the assessment recorded.
pub async fn propose(
    state: &AppState,
    p: &Principal,
    id: &str,
    req: &ProposeRequest,
) -> Result<ActionView, ServiceError> {
    check_text("action", &req.action, 4096)?;
    check_text("rationale", &req.rationale, 16 * 1024)?;
    let inc = write(state, p, id, "propose-action", |inc, site, engine| {
        let assessment = engine.assess(req.action.trim(), phase_word(inc)?).map_err(|e| match e {
            authority::AssessError::Action(_) | authority::AssessError::Uncovered(_) => {
                ServiceError::Invalid(e.to_string())
            }
            authority::AssessError::NoMatrix => ServiceError::Unavailable(e.to_string()),
        })?;
        let (site_version, authority_version) = versions(site, engine)?;
        Ok(vec![Body::ActionProposed(incident::Proposal {
            action: assessment.action.clone(),
            rationale: req.rationale.as_str().into(),
            evidence: req.evidence.clone(),
            phase: inc.phase,
            site_version,
            authority_version,
            assessment,
        })])
    })
    .await?;
    let (site, engine) = site_of(state)?;
    let a = inc.actions.get(&inc.seq()).ok_or_else(|| ServiceError::Store("the proposal was not recorded".into()))?;
    action_view(site, Some(engine), &inc, a, &p.user.person, state.now())
        .ok_or_else(|| ServiceError::Store("the proposal was not recorded".into()))
}

/// Approves (`approve`) or rejects action `seq` as the caller's person, in
/// the roles of the requirement they hold: the incident's rules refuse a
/// person the authority matrix does not let decide.
pub async fn decide(
    state: &AppState,
    p: &Principal,
    id: &str,
    seq: u64,
    approve: bool,
    req: &DecisionRequest,
) -> Result<ActionView, ServiceError> {
    check_text("rationale", &req.rationale, 16 * 1024)?;
    let what = if approve { "approve-action" } else { "reject-action" };
    let inc = write(state, p, id, what, |inc, site, engine| {
        let policy = Policy::default();
        let cx = incident::Context { site, policy: &policy, engine: Some(engine) };
        let (roles, side) = incident::rules::capacities(inc, &cx, &p.user.person, seq)
            .ok_or_else(|| ServiceError::NoSuchAction(format!("#{seq} is not an action proposal of {id}")))?;
        let (site_version, authority_version) = versions(site, engine)?;
        let st = incident::Stance {
            action: seq,
            rationale: req.rationale.as_str().into(),
            roles,
            side,
            site_version,
            authority_version,
        };
        Ok(vec![if approve { Body::ActionApproved(st) } else { Body::ActionRejected(st) }])
    })
    .await?;
    let (site, engine) = site_of(state)?;
    let a = inc.actions.get(&seq).ok_or_else(|| ServiceError::NoSuchAction(format!("no action #{seq}")))?;
    action_view(site, Some(engine), &inc, a, &p.user.person, state.now())
        .ok_or_else(|| ServiceError::NoSuchAction(format!("no action #{seq}")))
}

/// Opens a live stream of the incident's events for the principal: the
/// incident's last event number (the stream starts after it unless the
/// client says otherwise). The subscription is recorded in the access log.
pub async fn subscribe(state: &AppState, p: &Principal, id: &str) -> Result<u64, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "subscribe-incident").await?;
    log_access(state, p, "subscribe-incident", id, "ok").await?;
    Ok(inc.seq())
}

/// The impact picture of action `seq` (an SVG): the site in Purdue levels and
/// zones, the action's cut, every lost function coloured with its
/// explanation. Drawn from the proposal's text against the loaded site model;
/// `stale` says the proposal was assessed against another version of it.
pub struct ActionPicture {
    pub svg: String,
    pub action: String,
    pub stale: bool,
}

pub async fn action_picture(
    state: &AppState,
    p: &Principal,
    id: &str,
    seq: u64,
) -> Result<ActionPicture, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    let (site, engine) = site_of(state)?;
    let proposal = inc
        .proposal(seq)
        .ok_or_else(|| ServiceError::NoSuchAction(format!("#{seq} is not an action proposal of {id}")))?;
    let action = impact::Action::parse(site, &proposal.action).map_err(|e| {
        ServiceError::Conflict(format!("#{seq} no longer reads against the site model: {}", e.explain()))
    })?;
    let analyzed = impact::analyze(site, engine.graph, std::slice::from_ref(&action));
    Ok(ActionPicture {
        svg: crate::picture::impact_svg(site, engine.graph, &analyzed),
        action: proposal.action.to_string(),
        stale: incident::Digest::parse(site.version()) != Some(proposal.site_version),
    })
}

/// A step of an action's life after the proposal, as the API and the board send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ask for a decision one rung up the escalation ladder.
    Escalate,
    /// Decide in place of the approvers, as an override role of the requirement.
    Override,
    /// Confirm a compensating measure of the safety verdict is in place.
    Confirm,
    /// Start executing (no outcome) or report how the execution went.
    Execute,
    /// Say whether the executed action did what it was meant to.
    Verify,
    /// Undo an executed action and report how that went.
    Rollback,
    /// Withdraw the proposal.
    Withdraw,
}

impl Step {
    pub const ALL: [Step; 7] =
        [Step::Escalate, Step::Override, Step::Confirm, Step::Execute, Step::Verify, Step::Rollback, Step::Withdraw];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Escalate => "escalate",
            Step::Override => "override",
            Step::Confirm => "confirm",
            Step::Execute => "execute",
            Step::Verify => "verify",
            Step::Rollback => "rollback",
            Step::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The body of an action step: a note (the reason, the rationale, what was
/// seen), and what the step needs besides.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StepRequest {
    /// Why, or what was done and seen: required.
    pub note: String,
    /// execute: `completed`, `partial` or `failed` (absent: the execution starts);
    /// rollback: required, the same words.
    #[serde(default)]
    pub outcome: Option<String>,
    /// verify: `effective` or `ineffective`.
    #[serde(default)]
    pub result: Option<String>,
    /// confirm: the measure's number, from 1, as the action lists its measures.
    #[serde(default)]
    pub measure: Option<u32>,
}

fn word<T>(
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    words: &[&str],
) -> Result<Option<T>, ServiceError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(w) => parse(w)
            .map(Some)
            .ok_or_else(|| ServiceError::Invalid(format!("{field}: {w:?} is not one of {}", words.join(", ")))),
    }
}

/// Records a step of action `seq` as the caller's person. The incident's
/// rules decide whether they may (an override needs an override role of the
/// requirement, execution an executing role once approved...).
pub async fn step(
    state: &AppState,
    p: &Principal,
    id: &str,
    seq: u64,
    step: Step,
    req: &StepRequest,
) -> Result<ActionView, ServiceError> {
    use incident::{ActionNote, EscalationCause, ExecutionOutcome, ExecutionReport, VerificationResult};
    check_text("note", &req.note, 16 * 1024)?;
    let outcomes: Vec<&str> = ExecutionOutcome::ALL.iter().map(|o| o.as_str()).collect();
    let results: Vec<&str> = VerificationResult::ALL.iter().map(|o| o.as_str()).collect();
    let outcome = word("outcome", req.outcome.as_deref(), ExecutionOutcome::parse, &outcomes)?;
    let result = word("result", req.result.as_deref(), VerificationResult::parse, &results)?;
    let note: Box<str> = req.note.as_str().into();
    let what = format!("{}-action", step.as_str());
    let inc = write(state, p, id, &what, |inc, site, engine| {
        let proposal = inc
            .proposal(seq)
            .ok_or_else(|| ServiceError::NoSuchAction(format!("#{seq} is not an action proposal of {id}")))?;
        let body = match step {
            Step::Escalate => {
                let st =
                    inc.actions.get(&seq).ok_or_else(|| ServiceError::NoSuchAction(format!("no action #{seq}")))?;
                let level = st
                    .next_escalation(&proposal.assessment.requirement)
                    .map(|(l, _, _)| l)
                    .ok_or_else(|| ServiceError::Conflict(format!("#{seq} is at the top of its escalation ladder")))?;
                Body::ActionEscalated(incident::Escalation {
                    action: seq,
                    level,
                    cause: EscalationCause::Requested,
                    reason: note.clone(),
                })
            }
            Step::Override => {
                let (site_version, authority_version) = versions(site, engine)?;
                Body::ActionOverridden(incident::Override {
                    action: seq,
                    rationale: note.clone(),
                    site_version,
                    authority_version,
                })
            }
            Step::Confirm => {
                let measure = req
                    .measure
                    .filter(|m| *m >= 1)
                    .ok_or_else(|| ServiceError::Invalid("measure: required, numbered from 1".into()))?;
                Body::MeasureConfirmed(incident::MeasureCheck { action: seq, measure: measure - 1, note: note.clone() })
            }
            Step::Execute => match outcome {
                None => Body::ExecutionStarted(ActionNote { action: seq, note: note.clone() }),
                Some(outcome) => Body::ExecutionReported(ExecutionReport { action: seq, outcome, note: note.clone() }),
            },
            Step::Verify => {
                let result = result
                    .ok_or_else(|| ServiceError::Invalid(format!("result: required, one of {}", results.join(", "))))?;
                Body::ActionVerified(incident::Verification { action: seq, result, note: note.clone() })
            }
            Step::Rollback => {
                let outcome = outcome.ok_or_else(|| {
                    ServiceError::Invalid(format!("outcome: required, one of {}", outcomes.join(", ")))
                })?;
                Body::ActionRolledBack(ExecutionReport { action: seq, outcome, note: note.clone() })
            }
            Step::Withdraw => Body::ActionWithdrawn(ActionNote { action: seq, note: note.clone() }),
        };
        Ok(vec![body])
    })
    .await?;
    // A completed revocation of vendor access revokes the grants it covers, as the CLI does.
    if step == Step::Execute
        && outcome == Some(ExecutionOutcome::Completed)
        && let (Some(site), Some(graph), Some(proposal)) =
            (state.site.as_deref(), state.graph.as_deref(), inc.proposal(seq))
        && let Ok(action) = impact::Action::parse(site, &proposal.action)
    {
        let why = format!("revoked by action #{seq} of {id} ({})", proposal.action);
        store::grants::revoke_for_action(&*state.store, site, graph, &action, &p.user.person, &why, state.now())
            .await
            .map_err(store_error)?;
    }
    let (site, engine) = site_of(state)?;
    let a = inc.actions.get(&seq).ok_or_else(|| ServiceError::NoSuchAction(format!("no action #{seq}")))?;
    action_view(site, Some(engine), &inc, a, &p.user.person, state.now())
        .ok_or_else(|| ServiceError::NoSuchAction(format!("no action #{seq}")))
}

/// The evidence, hypotheses and recovery panels of an incident the principal may read.
pub async fn incident_panels(state: &AppState, p: &Principal, id: &str) -> Result<crate::panels::Panels, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    if inc.private {
        log_access(state, p, "read-incident", id, "ok").await?;
    }
    Ok(crate::panels::panels(&inc, state.site.as_deref(), state.graph.as_deref(), state.now()))
}

/// A view of an incident the principal may read, computed from the folded
/// incident, the site and the time (`views.rs`): the work plan, the clocks,
/// monitoring integrity. Reads of a private incident are access-logged.
pub async fn incident_view<T>(
    state: &AppState,
    p: &Principal,
    id: &str,
    what: &str,
    view: impl FnOnce(&Site, &Incident, Timestamp) -> T,
) -> Result<T, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, what).await?;
    if inc.private {
        log_access(state, p, what, id, "ok").await?;
    }
    let site = state.site.as_deref().ok_or_else(|| {
        ServiceError::Unavailable("the server was started without the site model (--site DIR)".into())
    })?;
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    Ok(view(site, &inc, now))
}

/// What the containment planner is asked: what the attacker holds and what
/// must stay protected (comma- or newline-separated, as the CLI's `--compromised`
/// and `--protect` take them), and how many alternatives besides the best.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContainQuery {
    /// What the attacker holds: asset ids, `account:ID`, `pathway:VENDOR/ID`, `vendor:ID`, comma-separated.
    pub compromised: Option<String>,
    /// What must be protected: asset ids or `process:ID`, comma-separated (absent: every asset of the
    /// control, view and safety lists of every critical or high process).
    pub protect: Option<String>,
    /// Ranked alternatives besides the best plan (0 to 8, default 3).
    pub alternatives: Option<u32>,
}

/// One plan of the containment planner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// 1 for the best plan, then the alternatives in order.
    pub rank: usize,
    /// The actions, in the site's action syntax: each can be proposed as it is.
    pub actions: Vec<String>,
    /// The cost of the plan's combined impact (`None`: the combination is unsafe).
    pub cost: Option<u64>,
    /// What the minimum cut paid: the sum of the actions' own costs.
    pub cut_cost: u64,
    /// Checked on the attack graph: after the plan, nothing protected is reachable.
    pub verified: bool,
    /// For an alternative: the actions of the best plan it was forbidden to use.
    pub without: Vec<String>,
}

/// The containment planner's answer for an incident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContainView {
    /// How many assets are protected.
    pub protected: usize,
    /// Protected assets the attacker reaches now.
    pub reached_protected: usize,
    /// Protected assets the attacker already holds (lost, not protectable).
    pub compromised_protected: Vec<String>,
    /// The best plan first, then the alternatives; empty when nothing protected is reached or every
    /// plan would cut a protected flow (`blocked`).
    pub plans: Vec<PlanView>,
    /// Why no plan cuts the attacker off without cutting a protected flow: the flows in the way.
    pub blocked: Option<Vec<String>>,
    /// The alternatives side by side, as SVG (not in the JSON).
    #[serde(skip)]
    pub svg: String,
}

fn split_list(v: &Option<String>) -> Vec<String> {
    v.as_deref().unwrap_or("").split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The containment planner run on a query: what it was given (read against the
/// site) and what it found.
pub(crate) struct Planned {
    pub attack: impact::AttackGraph,
    pub footholds: Vec<impact::Foothold>,
    pub protect: Vec<impact::Protect>,
    pub containment: impact::plan::Containment,
}

/// Reads the planner's query against the site (every unknown id named at
/// once, 422) and runs the planner: for an incident's planner and the site's
/// (`GET /api/site/contain`) alike.
pub(crate) fn plan_containment(site: &Site, graph: &impact::Graph, q: &ContainQuery) -> Result<Planned, ServiceError> {
    let compromised = split_list(&q.compromised);
    if compromised.is_empty() {
        return Err(ServiceError::Invalid(
            "compromised: required: what the attacker holds (asset ids, account:ID, pathway:VENDOR/ID, vendor:ID)"
                .into(),
        ));
    }
    let alternatives = q.alternatives.unwrap_or(3);
    if alternatives > 8 {
        return Err(ServiceError::Invalid("alternatives: at most 8".into()));
    }
    let mut errors = Vec::new();
    let mut footholds = Vec::new();
    for t in &compromised {
        match impact::Foothold::parse(site, t) {
            Ok(f) if !footholds.contains(&f) => footholds.push(f),
            Ok(_) => {}
            Err(e) => errors.push(format!("compromised {t:?}: {}", e.explain())),
        }
    }
    let mut protect = Vec::new();
    for t in split_list(&q.protect) {
        match impact::Protect::parse(site, &t) {
            Ok(x) => protect.push(x),
            Err(e) => errors.push(format!("protect {t:?}: {}", e.explain())),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors.join("; ")));
    }
    let attack = impact::AttackGraph::compile(site, graph).map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    let options = impact::PlanOptions { alternatives: alternatives as usize, ..impact::PlanOptions::default() };
    let containment = impact::plan(site, graph, &attack, &footholds, &protect, &options)
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    Ok(Planned { attack, footholds, protect, containment })
}

/// Runs the containment planner for an incident the principal may read.
pub async fn contain(state: &AppState, p: &Principal, id: &str, q: &ContainQuery) -> Result<ContainView, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    let (site, engine) = site_of(state)?;
    let c = plan_containment(site, engine.graph, q)?.containment;
    let svg = crate::picture::plan_alternatives_svg(site, engine.graph, &c);
    Ok(ContainView {
        protected: c.protected,
        reached_protected: c.reached_protected,
        compromised_protected: c.compromised_protected.iter().map(|a| site.asset(*a).id.to_string()).collect(),
        plans: c
            .plans
            .iter()
            .enumerate()
            .map(|(i, pl)| PlanView {
                rank: i + 1,
                actions: pl.texts().into_iter().map(str::to_owned).collect(),
                cost: pl.cost,
                cut_cost: pl.cut_cost,
                verified: pl.verified,
                without: pl.without.clone(),
            })
            .collect(),
        blocked: c.blocked.as_ref().map(|b| {
            b.flows
                .iter()
                .filter_map(|f| site.dependencies.get(f.dependency as usize))
                .map(|d| {
                    format!("{} -> {} ({})", site.asset(d.consumer).id, site.asset(d.provider).id, d.kind.as_str())
                })
                .collect()
        }),
        svg,
    })
}

/// Which report of an incident, in which format.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `aar` (the after-action report, the default), `ics-201`, `ics-209`, `ics-214` (one person's
    /// activity log) or `stix` (a STIX 2.1 bundle, JSON).
    pub form: Option<String>,
    /// `html` (self-contained, the default), `markdown` or `json`.
    pub format: Option<String>,
    /// Whose ICS 214 activity log (a person id; default the caller's person).
    pub person: Option<String>,
}

/// A report, ready to send: its media type and text.
pub struct ReportFile {
    pub content_type: &'static str,
    pub text: String,
    /// A file name for downloads: `INC-1-aar.md`.
    pub file_name: String,
}

/// Renders a report of an incident the principal may read. Every export is
/// recorded in the access log, whoever asks and whatever the incident.
pub async fn report(state: &AppState, p: &Principal, id: &str, q: &ReportQuery) -> Result<ReportFile, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "export-report").await?;
    let site = state.site.as_deref().ok_or_else(|| {
        ServiceError::Unavailable(
            "the server was started without the site model (--site DIR): reports name its people".into(),
        )
    })?;
    let form = q.form.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("aar");
    let format = q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("html");
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    let json = |v: Result<String, serde_json::Error>| v.map_err(|e| ServiceError::Store(e.to_string()));
    let (content_type, ext, text) = match (form, format) {
        ("stix", "json" | "html") => {
            ("application/json", "stix.json", json(serde_json::to_string_pretty(&report::stix::bundle(site, &inc)))?)
        }
        ("aar" | "ics-201" | "ics-209" | "ics-214", "html" | "markdown" | "json") => {
            macro_rules! render {
                ($r:expr) => {{
                    let r = $r;
                    match format {
                        "html" => ("text/html; charset=utf-8", "html", r.to_html(site)),
                        "markdown" => ("text/markdown; charset=utf-8", "md", r.to_markdown(site)),
                        _ => ("application/json", "json", json(serde_json::to_string_pretty(&r))?),
                    }
                }};
            }
            match form {
                "aar" => render!(report::aar::build(site, &inc, now)),
                "ics-201" => render!(report::ics::ics201(site, &inc, now)),
                "ics-214" => {
                    let person = q.person.as_deref().map(str::trim).filter(|s| !s.is_empty());
                    let person = person.unwrap_or(&p.user.person);
                    let r = report::ics::ics214(site, &inc, person, now)
                        .map_err(|e| ServiceError::Invalid(format!("person: {e}")))?;
                    match format {
                        "html" => ("text/html; charset=utf-8", "html", r.to_html()),
                        "markdown" => ("text/markdown; charset=utf-8", "md", r.to_markdown()),
                        _ => ("application/json", "json", json(serde_json::to_string_pretty(&r))?),
                    }
                }
                _ => render!(report::ics::ics209(site, &inc, now)),
            }
        }
        ("aar" | "ics-201" | "ics-209" | "ics-214" | "stix", _) => {
            return Err(ServiceError::Invalid(format!("format: {format:?} is not one of html, markdown, json")));
        }
        _ => {
            return Err(ServiceError::Invalid(format!(
                "form: {form:?} is not one of aar, ics-201, ics-209, ics-214, stix"
            )));
        }
    };
    log_access(state, p, "export-report", id, &format!("ok: {form} {format}")).await?;
    let file_name = format!("{}-{form}.{ext}", id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
    Ok(ReportFile { content_type, text, file_name })
}

/// A glossary word the text uses that IT and OT hear differently.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagView {
    pub term: String,
    /// The site's definition, appended to the update when it is published with `accept_definitions`.
    pub canonical: String,
    pub it_reading: Option<String>,
    pub ot_reading: Option<String>,
}

fn flag_views(flags: &[comms::Flag]) -> Vec<FlagView> {
    flags
        .iter()
        .map(|f| FlagView {
            term: f.term.clone(),
            canonical: f.canonical.clone(),
            it_reading: f.it_reading.clone(),
            ot_reading: f.ot_reading.clone(),
        })
        .collect()
}

/// A status update drafted from the state of the incident, for a person to review, edit and publish.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateDraft {
    /// operations, security or leadership.
    pub audience: String,
    /// The draft, Markdown.
    pub text: String,
    /// The words of the draft that IT and OT hear differently.
    pub flagged_terms: Vec<FlagView>,
}

/// Publishing a reviewed status update.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PublishRequest {
    /// operations, security or leadership.
    pub audience: String,
    /// How it goes out: bridge call, Teams, email...
    pub channel: String,
    /// The reviewed text.
    pub text: String,
    /// Publish even though it uses words IT and OT hear differently, with the site's definitions appended.
    #[serde(default)]
    pub accept_definitions: bool,
}

/// A published update: its event and the text as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Published {
    pub seq: u64,
    pub text: String,
    /// The notification channels the update is being sent to (in the
    /// background; `GET /api/incidents/{id}/notifications` has the outcome).
    pub notified: Vec<String>,
}

fn audience(s: &str) -> Result<comms::Audience, ServiceError> {
    comms::Audience::parse(s.trim())
        .ok_or_else(|| ServiceError::Invalid(format!("audience: {s:?} is not one of operations, security, leadership")))
}

/// The draft of a status update for `audience` from the incident's state.
pub async fn update_draft(state: &AppState, p: &Principal, id: &str, aud: &str) -> Result<UpdateDraft, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let a = audience(aud)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    let (site, _) = site_of(state)?;
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    let text = comms::draft(site, &inc, a, now).join("\n") + "\n";
    let flags = comms::ambiguous_terms(site, &text);
    Ok(UpdateDraft { audience: a.as_str().into(), text, flagged_terms: flag_views(&flags) })
}

/// Publishes a reviewed update as the caller's person (an event). A text
/// that uses a word IT and OT hear differently is refused, naming the words
/// and the site's definitions, unless `accept_definitions`: then the
/// definitions are appended so every reader hears the same meaning.
pub async fn publish_update(
    state: &AppState,
    p: &Principal,
    id: &str,
    req: &PublishRequest,
) -> Result<Published, ServiceError> {
    let a = audience(&req.audience)?;
    check_text("channel", &req.channel, 200)?;
    if req.channel.contains('\n') {
        return Err(ServiceError::Invalid("channel: one line".into()));
    }
    check_text("text", &req.text, 64 * 1024)?;
    let (site, _) = site_of(state)?;
    let flags = comms::ambiguous_terms(site, &req.text);
    if !flags.is_empty() && !req.accept_definitions {
        let words: Vec<String> = flags
            .iter()
            .map(|f| {
                format!(
                    "{:?} (IT may hear: {}; OT may hear: {}; this site's definition: {})",
                    f.term,
                    f.it_reading.as_deref().unwrap_or("-"),
                    f.ot_reading.as_deref().unwrap_or("-"),
                    f.canonical
                )
            })
            .collect();
        return Err(ServiceError::Invalid(format!(
            "text: heard differently by IT and OT, nothing published: {}; reword it, or publish with the definitions appended",
            words.join("; ")
        )));
    }
    let body = comms::with_definitions(&req.text, &flags);
    let inc = write(state, p, id, "publish-update", |_, _, _| {
        Ok(vec![Body::CommunicationPublished(incident::Communication {
            audience: a.as_str().into(),
            channel: req.channel.trim().into(),
            text: body.as_str().into(),
        })])
    })
    .await?;
    let notified = crate::notifications::send_update(state, &p.user.username, &inc, inc.seq(), a.as_str(), &body);
    Ok(Published { seq: inc.seq(), text: body, notified })
}

/// The incident's notification deliveries, for whoever may read it.
pub async fn notifications(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Vec<crate::notifications::DeliveryView>, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-notifications").await?;
    if inc.private {
        log_access(state, p, "read-notifications", id, "ok").await?;
    }
    crate::notifications::deliveries(state, Some(inc.id()), None).await
}

/// A vendor access grant as the board's vendor panel shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub vendor: String,
    /// `VENDOR/PATHWAY`, when the grant names one.
    pub pathway: Option<String>,
    pub people: Vec<String>,
    pub accounts: Vec<String>,
    pub assets: Vec<String>,
    /// The window (RFC 3339).
    pub start: String,
    pub end: String,
    /// active, suspended, revoked...
    pub status: String,
    pub status_reason: Option<String>,
    pub supervisor: Option<String>,
    pub recording: bool,
    pub safety_critical: bool,
    /// Whether it is in force at the server's time (active and within its window).
    pub in_force: bool,
    /// The action that cuts it off (the kill switch), in the site's action syntax.
    pub kill_switch: String,
}

/// A vendor's remote-access pathway of the site model, with its kill switch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PathwayView {
    pub vendor: String,
    pub vendor_name: String,
    /// `VENDOR/PATHWAY`.
    pub pathway: String,
    /// The hops, in order (VPN gateway, jump host...).
    pub via: Vec<String>,
    /// The assets it reaches.
    pub targets: Vec<String>,
    /// The accounts it uses.
    pub accounts: Vec<String>,
    pub mfa: bool,
    pub supervision_required: bool,
    pub recording_required: bool,
    /// Grants naming it (or its vendor without a pathway) that are in force now.
    pub grants_in_force: Vec<String>,
    /// The action that cuts it off, in the site's action syntax.
    pub kill_switch: String,
}

/// A vendor session open now, as a gateway reported it, with the kill
/// switches that cut it off.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    pub user: Option<String>,
    /// Where it comes from.
    pub from: Option<String>,
    /// What it connects to, as the gateway says.
    pub to: Option<String>,
    pub pathway: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub since: String,
    /// The asset it reaches, when the site model knows it.
    pub asset: Option<String>,
    /// The grant that covers it, wholly or partly.
    pub grant: Option<String>,
    pub supervised_by: Option<String>,
    /// authorised, partially-authorised, unauthorised or unknown.
    pub verdict: String,
    pub explanation: String,
    /// The actions that cut it off: its grant's, else those of the vendor
    /// pathways reaching its asset.
    pub kill_switches: Vec<String>,
}

/// Vendor access: every vendor pathway of the site model, every grant, and
/// the sessions open now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorAccess {
    pub pathways: Vec<PathwayView>,
    /// The grants (latest revision of each), those in force first.
    pub grants: Vec<GrantView>,
    /// The vendor sessions open now (`POST /api/vendor-sessions/report`), unauthorised ones first.
    pub sessions: Vec<SessionView>,
}

/// The vendor pathways and grants, each with the action that cuts it off.
pub async fn vendor_access(state: &AppState, p: &Principal, id: &str) -> Result<VendorAccess, ServiceError> {
    let grants = vendor_grants(state, p, id).await?;
    let pathways = match state.site.as_deref() {
        None => Vec::new(),
        Some(site) => {
            let ids = |v: &[site_model::AssetIx]| v.iter().map(|a| site.asset(*a).id.to_string()).collect();
            let mut out = Vec::new();
            for v in &site.vendors {
                for pw in &v.pathways {
                    let pathway = format!("{}/{}", v.id, pw.id);
                    out.push(PathwayView {
                        vendor: v.id.to_string(),
                        vendor_name: v.name.to_string(),
                        via: ids(&pw.via),
                        targets: ids(&pw.targets),
                        accounts: pw
                            .accounts
                            .iter()
                            .filter_map(|a| site.accounts.get(a.ix()).map(|a| a.id.to_string()))
                            .collect(),
                        mfa: pw.mfa,
                        supervision_required: v.supervision_required,
                        recording_required: v.recording_required,
                        grants_in_force: grants
                            .iter()
                            .filter(|g| {
                                g.in_force && g.vendor == *v.id && g.pathway.as_ref().is_none_or(|p| *p == pathway)
                            })
                            .map(|g| g.id.clone())
                            .collect(),
                        kill_switch: format!("revoke-vendor-access pathway:{pathway}"),
                        pathway,
                    });
                }
            }
            out
        }
    };
    let mut sessions: Vec<SessionView> = crate::records::reported_sessions(state)
        .await?
        .into_iter()
        .map(|l| {
            let kill_switches = match l.grant.as_ref().and_then(|g| grants.iter().find(|v| v.id == *g)) {
                Some(g) => vec![g.kill_switch.clone()],
                None => pathways
                    .iter()
                    .filter(|pw| l.asset.as_ref().is_some_and(|a| pw.targets.contains(a) || pw.via.contains(a)))
                    .map(|pw| pw.kill_switch.clone())
                    .collect(),
            };
            SessionView {
                user: l.user,
                from: l.from,
                to: l.to,
                pathway: l.pathway,
                since: l.since,
                asset: l.asset,
                grant: l.grant,
                supervised_by: l.supervised_by,
                verdict: l.verdict.to_string(),
                explanation: l.explanation,
                kill_switches,
            }
        })
        .collect();
    let rank = |v: &str| match v {
        "unauthorised" => 0,
        "unknown" => 1,
        "partially-authorised" => 2,
        _ => 3,
    };
    sessions.sort_by(|a, b| rank(&a.verdict).cmp(&rank(&b.verdict)).then_with(|| a.since.cmp(&b.since)));
    Ok(VendorAccess { pathways, grants, sessions })
}

/// The vendor access grants (latest revision of each), in force first, with
/// the action that cuts each off.
async fn vendor_grants(state: &AppState, p: &Principal, id: &str) -> Result<Vec<GrantView>, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    let inc = load_incident(state, id).await?;
    may_read(state, p, &inc, "read-incident").await?;
    let now = state.now();
    let time = |t: i64| Timestamp::from_unix_micros(t).map(|t| t.to_string()).unwrap_or_else(|_| t.to_string());
    let mut out = Vec::new();
    for r in state.store.records(store::grants::GRANT).await.map_err(store_error)? {
        let Ok(g) = serde_json::from_str::<evidence::Grant>(&r.body) else { continue };
        let pathway =
            g.pathway.as_deref().map(|p| if p.contains('/') { p.to_string() } else { format!("{}/{p}", g.vendor) });
        let kill_switch = match &pathway {
            Some(p) => format!("revoke-vendor-access pathway:{p}"),
            None => format!("revoke-vendor-access vendor:{}", g.vendor),
        };
        let in_force = g.status == evidence::GrantStatus::Active && g.start <= now && now < g.end;
        out.push(GrantView {
            id: g.id.clone(),
            vendor: g.vendor.clone(),
            pathway,
            people: g.people.clone(),
            accounts: g.accounts.clone(),
            assets: g.assets.clone(),
            start: time(g.start),
            end: time(g.end),
            status: g.status.as_str().into(),
            status_reason: g.status_reason.clone(),
            supervisor: g.supervisor.clone(),
            recording: g.recording,
            safety_critical: g.safety_critical,
            in_force,
            kill_switch,
        });
    }
    out.sort_by(|a, b| b.in_force.cmp(&a.in_force).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Making an incident private to its members, or open to every user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct VisibilityRequest {
    /// true: only its members see it; false: every signed-in user does.
    pub private: bool,
    pub reason: String,
}

/// Adding a person to an incident's members, or removing them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MemberRequest {
    /// A person id of the site model.
    pub person: String,
    pub reason: String,
}

/// Changes who may see the incident (command roles only, by the incident's rules).
pub async fn set_visibility(
    state: &AppState,
    p: &Principal,
    id: &str,
    req: &VisibilityRequest,
) -> Result<IncidentSummary, ServiceError> {
    check_text("reason", &req.reason, 16 * 1024)?;
    let inc = write(state, p, id, "change-visibility", |_, _, _| {
        Ok(vec![Body::VisibilityChanged(incident::Visibility {
            private: req.private,
            reason: req.reason.as_str().into(),
        })])
    })
    .await?;
    Ok(summary(&inc))
}

/// Adds (`add`) or removes a member (command roles only, by the incident's rules).
pub async fn membership(
    state: &AppState,
    p: &Principal,
    id: &str,
    add: bool,
    req: &MemberRequest,
) -> Result<Vec<MemberView>, ServiceError> {
    check_text("reason", &req.reason, 16 * 1024)?;
    check_text("person", &req.person, 200)?;
    let what = if add { "add-member" } else { "remove-member" };
    let m = incident::Membership { person: req.person.trim().into(), reason: req.reason.as_str().into() };
    let inc = write(state, p, id, what, |_, _, _| {
        Ok(vec![if add { Body::MemberAdded(m.clone()) } else { Body::MemberRemoved(m.clone()) }])
    })
    .await?;
    let site = state.site.as_deref();
    Ok(inc
        .membership()
        .into_iter()
        .map(|(person, why)| MemberView { person: person.into(), name: name(site, person), why })
        .collect())
}

/// A user of the server, as administrators see them (never a secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    /// The site person they act as.
    pub person: String,
    pub name: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
}

fn user_view(state: &AppState, u: &store::User) -> UserView {
    UserView {
        username: u.username.clone(),
        person: u.person.clone(),
        name: name(state.site.as_deref(), &u.person),
        is_admin: u.is_admin,
        disabled: u.disabled,
    }
}

/// Every user (administrators only).
pub async fn users(state: &AppState, p: &Principal) -> Result<Vec<UserView>, ServiceError> {
    authorize(p, Permission::Administer)?;
    let users = state.store.users().await.map_err(store_error)?;
    Ok(users.iter().map(|u| user_view(state, u)).collect())
}

/// Why a user is disabled or enabled.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UserChange {
    pub reason: String,
}

/// Disables a user (their sessions and API tokens stop working on their next
/// request, and their open live streams end at the next event) or enables
/// them again: administrators only, never themselves. Recorded in the access log.
pub async fn set_user_disabled(
    state: &AppState,
    p: &Principal,
    username: &str,
    disabled: bool,
    req: &UserChange,
) -> Result<UserView, ServiceError> {
    let what = if disabled { "disable-user" } else { "enable-user" };
    if let Err(e) = authorize(p, Permission::Administer) {
        log_access(state, p, what, username, &format!("refused: {e}")).await?;
        return Err(e);
    }
    check_text("reason", &req.reason, 16 * 1024)?;
    let user = state
        .store
        .user_by_name(username)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ServiceError::Invalid(format!("no user {username:?}")))?;
    if disabled && user.id == p.user.id {
        return Err(ServiceError::Conflict("an administrator does not disable themselves".into()));
    }
    state.store.set_user_disabled(user.id, disabled).await.map_err(store_error)?;
    state.hub.access_changed(user.id);
    log_access(state, p, what, username, &format!("ok: {}", req.reason)).await?;
    let user = state
        .store
        .user(user.id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ServiceError::Store("the user vanished".into()))?;
    Ok(user_view(state, &user))
}

/// One of a user's API tokens (the token itself is never shown again).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    pub name: String,
    /// When it was issued (RFC 3339).
    pub created_at: String,
    /// When it was last used, to the minute.
    pub last_used: Option<String>,
}

/// How many sessions ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: u64,
}

fn micros_str(m: i64) -> String {
    Timestamp::from_unix_micros(m).map_or_else(|_| m.to_string(), |t| t.to_string())
}

/// The user whose tokens and sessions `p` manages: themselves, or anyone for
/// an administrator. A refusal is access-logged.
async fn manageable(state: &AppState, p: &Principal, username: &str, what: &str) -> Result<store::User, ServiceError> {
    authorize(p, Permission::ListIncidents)?;
    if p.user.username != username
        && let Err(e) = authorize(p, Permission::Administer)
    {
        let e =
            ServiceError::Forbidden(format!("{} may manage only their own tokens and sessions: {e}", p.user.username));
        log_access(state, p, what, username, &format!("refused: {e}")).await?;
        return Err(e);
    }
    state
        .store
        .user_by_name(username)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ServiceError::Invalid(format!("no user {username:?}")))
}

/// A user's API tokens: their own, or anyone's for an administrator.
pub async fn tokens(state: &AppState, p: &Principal, username: &str) -> Result<Vec<TokenView>, ServiceError> {
    let user = manageable(state, p, username, "list-tokens").await?;
    let tokens = state.store.tokens(user.id).await.map_err(store_error)?;
    Ok(tokens
        .into_iter()
        .map(|t| TokenView {
            name: t.name,
            created_at: micros_str(t.created_at),
            last_used: t.last_used.map(micros_str),
        })
        .collect())
}

/// Revokes one API token by name (it stops working at its next request): the
/// user's own, or anyone's for an administrator. Recorded in the access log.
/// Returns the tokens left.
pub async fn revoke_token(
    state: &AppState,
    p: &Principal,
    username: &str,
    name: &str,
) -> Result<Vec<TokenView>, ServiceError> {
    let user = manageable(state, p, username, "revoke-token").await?;
    if !state.store.revoke_token(user.id, name).await.map_err(store_error)? {
        return Err(ServiceError::Invalid(format!("{username} has no token named {name:?}")));
    }
    state.hub.access_changed(user.id);
    log_access(state, p, "revoke-token", username, &format!("ok: {name}")).await?;
    tokens(state, p, username).await
}

/// Ends every session of a user (signed out everywhere, this session too when
/// it is theirs): their own, or anyone's for an administrator. Recorded in the access log.
pub async fn end_sessions(state: &AppState, p: &Principal, username: &str) -> Result<SessionsEnded, ServiceError> {
    let user = manageable(state, p, username, "end-sessions").await?;
    let ended = state.store.end_sessions(user.id).await.map_err(store_error)?;
    state.hub.access_changed(user.id);
    log_access(state, p, "end-sessions", username, &format!("ok: {ended} ended")).await?;
    Ok(SessionsEnded { ended })
}

/// A new user (`interlock user add`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUserRequest {
    /// 1 to 64 characters, no spaces.
    pub username: String,
    /// The person of the site model they act as.
    pub person: String,
    #[serde(default)]
    pub admin: bool,
    /// At least 12 characters; without it one is generated and answered once.
    pub password: Option<String>,
}

/// A user added, with the generated password (shown once, never stored).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserAdded {
    pub user: UserView,
    /// The generated password, when none was given: shown this once.
    pub password: Option<String>,
}

fn auth_refusal(e: crate::auth::AuthError, duplicate: String) -> ServiceError {
    use crate::auth::AuthError;
    match e {
        AuthError::Store(store::StoreError::Duplicate(_)) => ServiceError::Conflict(duplicate),
        AuthError::Store(e) => store_error(e),
        AuthError::WeakPassword | AuthError::BadUsername | AuthError::BadTokenName | AuthError::NoUser(_) => {
            ServiceError::Invalid(e.to_string())
        }
        AuthError::Hash(_) | AuthError::Random(_) => ServiceError::Store(e.to_string()),
    }
}

/// Adds a user (administrators): the person must be one of the site model
/// when the server has it. Every addition and refusal is in the access log.
pub async fn add_user(state: &AppState, p: &Principal, req: &NewUserRequest) -> Result<UserAdded, ServiceError> {
    let username = req.username.trim();
    if let Err(e) = authorize(p, Permission::Administer) {
        log_access(state, p, "add-user", username, &format!("refused: {e}")).await?;
        return Err(e);
    }
    check_text("person", &req.person, 200)?;
    if let Some(site) = state.site.as_deref()
        && site.person_by_id(&req.person).is_none()
    {
        return Err(ServiceError::Invalid(format!("person: {:?} is not a person of the site model", req.person)));
    }
    let (user, password) = crate::auth::add_user(
        &*state.store,
        username,
        &req.person,
        req.password.as_deref(),
        req.admin,
        state.now(),
        &p.user.username,
    )
    .await
    .map_err(|e| auth_refusal(e, format!("there is already a user {username}")))?;
    Ok(UserAdded { user: user_view(state, &user), password })
}

/// A new API token's name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// 1 to 64 characters, no spaces; unique among the user's tokens.
    pub name: String,
}

/// An API token issued: the token itself, shown this once (only its hash is kept).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenIssued {
    pub name: String,
    /// Send it as `Authorization: Bearer TOKEN`.
    pub token: String,
}

/// Issues an API token to a user: themself, or anyone for an administrator
/// (`interlock user token`). Recorded in the access log.
pub async fn issue_token(
    state: &AppState,
    p: &Principal,
    username: &str,
    req: &NewTokenRequest,
) -> Result<TokenIssued, ServiceError> {
    let user = manageable(state, p, username, "issue-token").await?;
    if user.disabled {
        return Err(ServiceError::Conflict(format!("{username} is disabled: enable them first")));
    }
    let name = req.name.trim();
    let token = crate::auth::new_api_token(&*state.store, username, name, state.now())
        .await
        .map_err(|e| auth_refusal(e, format!("{username} already has a token named {name}")))?;
    log_access(state, p, "issue-token", username, &format!("ok: {name}")).await?;
    Ok(TokenIssued { name: name.into(), token })
}

/// What a test of the notification channels takes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NotifyTestRequest {
    /// One channel of the config (tested even when its events filter leaves tests out);
    /// null: every channel that takes tests.
    pub channel: Option<String>,
}

/// Tests the notification channels (administrators; `interlock notify test`).
pub async fn notification_test(
    state: &AppState,
    p: &Principal,
    req: &NotifyTestRequest,
) -> Result<crate::notifications::TestStarted, ServiceError> {
    if let Err(e) = authorize(p, Permission::Administer) {
        log_access(state, p, "test-notifications", "notify", &format!("refused: {e}")).await?;
        return Err(e);
    }
    let started = crate::notifications::send_test(state, &p.user.username, req.channel.as_deref())?;
    log_access(state, p, "test-notifications", "notify", &format!("ok: {}", started.message)).await?;
    Ok(started)
}

/// Which deliveries of the log.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// One incident's.
    pub incident: Option<String>,
    /// To one channel.
    pub channel: Option<String>,
}

/// The whole delivery log (administrators; `interlock notify log`): every
/// incident's notifications, reminders and tests. Anyone may read an
/// incident's own at `/api/incidents/{id}/notifications`.
pub async fn notification_log(
    state: &AppState,
    p: &Principal,
    q: &DeliveryQuery,
) -> Result<Vec<crate::notifications::DeliveryView>, ServiceError> {
    authorize(p, Permission::Administer)?;
    crate::notifications::deliveries(state, q.incident.as_deref(), q.channel.as_deref()).await
}
