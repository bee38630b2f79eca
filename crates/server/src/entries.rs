//! Recording in an incident over the API: the wire shapes of the entries the
//! CLI records (`interlock incident note|observe|evidence|...`, `period`,
//! `task`, `followup`, `integrity`, `recovery`, `update snooze`) and opening
//! an incident. Each entry becomes an [`incident::command::Command`], the same
//! the CLI builds, and [`incident::command::bodies`] turns it into events; the
//! incident's rules decide whether the caller may record them.

use incident::command::{self, Command};
use incident::{
    Category, EvidenceSource, HypothesisStatus, Integrity, Intrusiveness, Phase, ProcessState, Severity, TaskDomain,
    TaskStatus, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Principal;
use crate::service::{self, IncidentSummary, Permission, ServiceError, TimelineEntry};

/// One dissenting voice of a decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DissentIn {
    /// A person id of the site model.
    pub person: String,
    pub text: String,
}

/// A display's value at the moment of a manual reading.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ShownIn {
    /// The display (an HMI, a historian): an asset id.
    pub asset: String,
    pub value: String,
}

/// What to record. `entry` names it; the other fields are the entry's.
/// Times are RFC 3339 and default to now; vocabulary words are those of the
/// CLI (`interlock incident status --help`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "entry", rename_all = "kebab-case")]
pub enum Entry {
    /// Declare the candidate an incident (an incident commander). Vendor
    /// grants in force go into incident mode: suspended unless safety-critical.
    Declare { reason: String },
    /// Escalate the candidate to those who may declare it.
    Escalate { reason: String },
    /// Dismiss the candidate: not an incident.
    Dismiss { reason: String },
    /// A note on the timeline.
    Note {
        text: String,
        /// it, ot or shared.
        domain: Option<String>,
    },
    /// What was seen, when it happened, on which assets.
    Observation {
        text: String,
        observed_at: Option<String>,
        /// Default: the assets' own domain (shared when mixed).
        domain: Option<String>,
        #[serde(default)]
        assets: Vec<String>,
    },
    /// A piece of evidence: its source, the artefact's hash, who collected it.
    Evidence {
        title: String,
        /// The evidence source (siem, edr, historian, hmi-screenshot, operator-report...).
        source: String,
        /// SHA-256 of the artefact, 64 hex digits.
        sha256: Option<String>,
        location: Option<String>,
        /// Default: the caller's person.
        collected_by: Option<String>,
        collected_at: Option<String>,
        #[serde(default)]
        assets: Vec<String>,
        description: Option<String>,
    },
    /// Hand a piece of evidence to another custodian (chain of custody).
    Custody {
        /// The evidence's event number.
        evidence: u64,
        /// The new custodian: a person id.
        to: String,
        at: Option<String>,
        reason: String,
    },
    /// Propose a hypothesis.
    Hypothesis {
        statement: String,
        #[serde(default)]
        evidence_for: Vec<u64>,
        #[serde(default)]
        evidence_against: Vec<u64>,
    },
    /// Update a hypothesis: its status, with evidence added for and against.
    HypothesisUpdate {
        /// The hypothesis's event number.
        hypothesis: u64,
        /// open, supported, refuted, confirmed...
        status: String,
        reason: String,
        #[serde(default)]
        evidence_for: Vec<u64>,
        #[serde(default)]
        evidence_against: Vec<u64>,
    },
    /// A decision: the options considered, the choice, the rationale, dissent.
    Decision {
        title: String,
        options: Vec<String>,
        /// One of the options, by its text or its number from 1.
        choice: String,
        rationale: String,
        /// Who decided (person ids); default the caller.
        #[serde(default)]
        decided_by: Vec<String>,
        #[serde(default)]
        dissent: Vec<DissentIn>,
        #[serde(default)]
        evidence: Vec<u64>,
        domain: Option<String>,
    },
    /// Assign a position (a site role) to a person; hand it over with a
    /// briefing (`handover`); or leave it empty (`relieve`).
    Position {
        role: String,
        person: Option<String>,
        reason: String,
        #[serde(default)]
        relieve: bool,
        #[serde(default)]
        handover: bool,
        /// The outgoing holder's words on current actions (a handover).
        actions: Option<String>,
    },
    /// Change severity, category or phase, or assess the situation (of one
    /// critical process, or the site): process state, control and view integrity.
    Status {
        severity: Option<String>,
        category: Option<String>,
        phase: Option<String>,
        process: Option<String>,
        process_state: Option<String>,
        control: Option<String>,
        view: Option<String>,
        reason: String,
        #[serde(default)]
        evidence: Vec<u64>,
    },
    /// A communication published to an audience (outside the update composer).
    Communication { audience: String, channel: String, text: String },
    /// A determination that starts regulatory clocks.
    Determination {
        /// reportable, attempt or attribute-change.
        determination: String,
        at: Option<String>,
        reason: String,
    },
    /// A report due under a regulatory clock was filed.
    ReportFiled {
        /// The deadline's id.
        deadline: String,
        /// The event that started its clock.
        trigger: u64,
        to: String,
        reference: String,
    },
    /// Put the next update off (to one audience, or every audience) until a
    /// time or for a duration ("30m", "2h"): the timeline keeper or the commander.
    Snooze {
        audience: Option<String>,
        until: Option<String>,
        #[serde(rename = "for")]
        duration: Option<String>,
        reason: String,
    },
    /// Correct an earlier entry (the fields given replace its own) or retract it.
    Correction {
        /// The event corrected.
        event: u64,
        reason: String,
        #[serde(default)]
        retract: bool,
        text: Option<String>,
        title: Option<String>,
        statement: Option<String>,
        rationale: Option<String>,
        /// A new time (an observation's, an evidence's collection).
        at: Option<String>,
        #[serde(default)]
        assets: Vec<String>,
    },
    /// Open an operational period: its window, objectives and the safety
    /// officer's considerations (ICS 202).
    PeriodOpen {
        start: Option<String>,
        end: String,
        #[serde(default)]
        objectives: Vec<String>,
        safety: String,
        /// The safety officer who set the considerations: a person id.
        safety_by: String,
    },
    /// Revise the safety considerations of the open period (the safety officer).
    PeriodSafety { period: u64, safety: String },
    /// Close a period: its status summary is computed and recorded.
    PeriodClose { period: u64, note: Option<String> },
    /// A task owned by a person or a role; its title may come from a
    /// hypothesis or an action's measure; or an evidence collection.
    Task {
        title: Option<String>,
        owner: Option<String>,
        role: Option<String>,
        /// it, ot or joint (default joint).
        domain: Option<String>,
        #[serde(default)]
        assets: Vec<String>,
        due: Option<String>,
        hypothesis: Option<u64>,
        #[serde(default)]
        evidence: Vec<u64>,
        /// The action proposal a measure belongs to, with `measure_number`.
        measure_action: Option<u64>,
        /// The measure's number, from 1.
        measure_number: Option<u32>,
        /// An evidence collection: how.
        collect: Option<String>,
        /// passive, low or intrusive (default passive).
        intrusiveness: Option<String>,
    },
    /// Change a task's status (open, in-progress, blocked with a note,
    /// cancelled, done), or link the action that authorises it.
    TaskUpdate { task: u64, status: Option<String>, note: Option<String>, action: Option<u64> },
    /// A follow-up after closure: lessons learned ("none" is valid), a plan update, a review.
    FollowUp {
        item: String,
        text: String,
        #[serde(default)]
        changed: bool,
    },
    /// Acknowledge a changed plan (each holder of a site role).
    FollowUpAck { item: String },
    /// A hypothesis suspects manipulated view of some processes (all when none are named).
    ViewSuspected {
        hypothesis: u64,
        #[serde(default)]
        processes: Vec<String>,
    },
    /// A manual verification: the value read at the station and what each display showed.
    Readings {
        process: String,
        reading: String,
        field_value: String,
        #[serde(default)]
        shown: Vec<ShownIn>,
        note: Option<String>,
    },
    /// Freeze the recovery plan: the affected assets (and `assets`) in restoration order.
    RecoveryPlan {
        #[serde(default)]
        assets: Vec<String>,
    },
    /// Move an asset in the recorded plan (after another, or first), with the reason.
    RecoveryReorder { asset: String, after: Option<String>, reason: String },
    /// The result of a check of an asset before it reconnects (judged against the site model).
    RecoveryCheck {
        asset: String,
        check: String,
        observed: String,
        /// A backup-hash check: the catalogue's hash of the media.
        catalogue: Option<String>,
        /// SHA-256 of the artefact that shows it.
        artefact: Option<String>,
        note: Option<String>,
    },
    /// Heightened monitoring of reconnected assets, until a time and on criteria.
    MonitoringStart {
        assets: Vec<String>,
        until: String,
        #[serde(default)]
        criteria: Vec<String>,
    },
    /// End a monitoring window once its time has passed and its criteria are met.
    MonitoringEnd { window: u64, reason: String },
    /// Declare the end of recovery; the items still open are recorded with it.
    RecoveryEnd { reason: String },
}

fn invalid<T>(msg: String) -> Result<T, ServiceError> {
    Err(ServiceError::Invalid(msg))
}

fn word<T>(
    field: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
) -> Result<T, ServiceError> {
    parse(s).map_or_else(|| invalid(format!("{field}: \"{s}\" is not {}", expected())), Ok)
}

fn opt_word<T>(
    field: &str,
    s: &Option<String>,
    parse: fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
) -> Result<Option<T>, ServiceError> {
    s.as_deref().map(|s| word(field, s, parse, &expected)).transpose()
}

fn domain(field: &str, s: &Option<String>) -> Result<Option<site_model::Domain>, ServiceError> {
    opt_word(field, s, site_model::Domain::parse, || "one of it, ot, shared".into())
}

fn time(field: &str, s: &str) -> Result<Timestamp, ServiceError> {
    Timestamp::parse(s).map_err(|e| ServiceError::Invalid(format!("{field}: {e}")))
}

fn opt_time(field: &str, s: &Option<String>) -> Result<Option<Timestamp>, ServiceError> {
    s.as_deref().map(|s| time(field, s)).transpose()
}

fn digest(field: &str, s: &Option<String>) -> Result<Option<incident::Digest>, ServiceError> {
    s.as_deref()
        .map(|s| {
            incident::Digest::parse(s).ok_or_else(|| {
                ServiceError::Invalid(format!("{field}: \"{s}\" is not a SHA-256: expected 64 hex digits"))
            })
        })
        .transpose()
}

impl Entry {
    /// The entry's name, as in the `entry` field (and the access log: `record-<name>`).
    pub fn name(&self) -> &'static str {
        match self {
            Entry::Declare { .. } => "declare",
            Entry::Escalate { .. } => "escalate",
            Entry::Dismiss { .. } => "dismiss",
            Entry::Note { .. } => "note",
            Entry::Observation { .. } => "observation",
            Entry::Evidence { .. } => "evidence",
            Entry::Custody { .. } => "custody",
            Entry::Hypothesis { .. } => "hypothesis",
            Entry::HypothesisUpdate { .. } => "hypothesis-update",
            Entry::Decision { .. } => "decision",
            Entry::Position { .. } => "position",
            Entry::Status { .. } => "status",
            Entry::Communication { .. } => "communication",
            Entry::Determination { .. } => "determination",
            Entry::ReportFiled { .. } => "report-filed",
            Entry::Snooze { .. } => "snooze",
            Entry::Correction { .. } => "correction",
            Entry::PeriodOpen { .. } => "period-open",
            Entry::PeriodSafety { .. } => "period-safety",
            Entry::PeriodClose { .. } => "period-close",
            Entry::Task { .. } => "task",
            Entry::TaskUpdate { .. } => "task-update",
            Entry::FollowUp { .. } => "follow-up",
            Entry::FollowUpAck { .. } => "follow-up-ack",
            Entry::ViewSuspected { .. } => "view-suspected",
            Entry::Readings { .. } => "readings",
            Entry::RecoveryPlan { .. } => "recovery-plan",
            Entry::RecoveryReorder { .. } => "recovery-reorder",
            Entry::RecoveryCheck { .. } => "recovery-check",
            Entry::MonitoringStart { .. } => "monitoring-start",
            Entry::MonitoringEnd { .. } => "monitoring-end",
            Entry::RecoveryEnd { .. } => "recovery-end",
        }
    }

    /// The command the CLI would build for the same entry; a malformed field
    /// (a time, a word, a hash) is named.
    pub fn command(self) -> Result<Command, ServiceError> {
        Ok(match self {
            Entry::Declare { reason } => Command::Declare { reason },
            Entry::Escalate { reason } => Command::Escalate { reason },
            Entry::Dismiss { reason } => Command::Dismiss { reason },
            Entry::Note { text, domain: d } => Command::Note { text, domain: domain("domain", &d)? },
            Entry::Observation { text, observed_at, domain: d, assets } => Command::Observe {
                text,
                observed_at: opt_time("observed_at", &observed_at)?,
                domain: domain("domain", &d)?,
                assets,
            },
            Entry::Evidence { title, source, sha256, location, collected_by, collected_at, assets, description } => {
                Command::Evidence {
                    title,
                    source: word("source", &source, EvidenceSource::parse, EvidenceSource::expected)?,
                    sha256: digest("sha256", &sha256)?,
                    location,
                    collected_by,
                    collected_at: opt_time("collected_at", &collected_at)?,
                    assets,
                    description,
                }
            }
            Entry::Custody { evidence, to, at, reason } => {
                Command::Custody { evidence, to, at: opt_time("at", &at)?, reason }
            }
            Entry::Hypothesis { statement, evidence_for, evidence_against } => {
                Command::Hypothesis { statement, evidence_for, evidence_against }
            }
            Entry::HypothesisUpdate { hypothesis, status, reason, evidence_for, evidence_against } => {
                Command::UpdateHypothesis {
                    hypothesis,
                    status: word("status", &status, HypothesisStatus::parse, HypothesisStatus::expected)?,
                    reason,
                    evidence_for,
                    evidence_against,
                }
            }
            Entry::Decision { title, options, choice, rationale, decided_by, dissent, evidence, domain: d } => {
                Command::Decide {
                    title,
                    options,
                    choice,
                    rationale,
                    decided_by,
                    dissent: dissent.into_iter().map(|x| (x.person, x.text)).collect(),
                    evidence,
                    domain: domain("domain", &d)?,
                }
            }
            Entry::Position { role, person, reason, relieve, handover, actions } => {
                if relieve && handover {
                    return invalid("relieve and handover: give one".into());
                }
                Command::Assign { role, person, reason, relieve, handover, actions }
            }
            Entry::Status { severity, category, phase, process, process_state, control, view, reason, evidence } => {
                Command::Status {
                    severity: opt_word("severity", &severity, Severity::parse, Severity::expected)?,
                    category: opt_word("category", &category, Category::parse, Category::expected)?,
                    phase: opt_word("phase", &phase, Phase::parse, Phase::expected)?,
                    process,
                    process_state: opt_word(
                        "process_state",
                        &process_state,
                        ProcessState::parse,
                        ProcessState::expected,
                    )?,
                    control: opt_word("control", &control, Integrity::parse, Integrity::expected)?,
                    view: opt_word("view", &view, Integrity::parse, Integrity::expected)?,
                    reason,
                    evidence,
                }
            }
            Entry::Communication { audience, channel, text } => Command::Communicate { audience, channel, text },
            Entry::Determination { determination, at, reason } => {
                Command::Determine { kind: determination, at: opt_time("at", &at)?, reason }
            }
            Entry::ReportFiled { deadline, trigger, to, reference } => {
                Command::FileReport { deadline, trigger, to, reference }
            }
            Entry::Snooze { audience, until, duration, reason } => {
                if let Some(a) = &audience {
                    word("audience", a, comms::Audience::parse, || "one of operations, security, leadership".into())?;
                }
                Command::Snooze { audience, until: opt_time("until", &until)?, duration, reason }
            }
            Entry::Correction { event, reason, retract, text, title, statement, rationale, at, assets } => {
                Command::Correct {
                    event,
                    reason,
                    retract,
                    text,
                    title,
                    statement,
                    rationale,
                    at: opt_time("at", &at)?,
                    assets,
                }
            }
            Entry::PeriodOpen { start, end, objectives, safety, safety_by } => Command::OpenPeriod {
                start: opt_time("start", &start)?,
                end: time("end", &end)?,
                objectives,
                safety,
                safety_by,
            },
            Entry::PeriodSafety { period, safety } => Command::ReviseSafety { period, safety },
            Entry::PeriodClose { period, note } => Command::ClosePeriod { period, note },
            Entry::Task {
                title,
                owner,
                role,
                domain: d,
                assets,
                due,
                hypothesis,
                evidence,
                measure_action,
                measure_number,
                collect,
                intrusiveness,
            } => Command::AddTask {
                title,
                owner,
                role,
                domain: opt_word("domain", &d, TaskDomain::parse, TaskDomain::expected)?.unwrap_or(TaskDomain::Joint),
                assets,
                due: opt_time("due", &due)?,
                hypothesis,
                evidence,
                measure: match (measure_action, measure_number) {
                    (Some(a), Some(n)) => Some((a, n)),
                    (None, None) => None,
                    _ => return invalid("measure_action and measure_number go together".into()),
                },
                collect,
                intrusiveness: opt_word(
                    "intrusiveness",
                    &intrusiveness,
                    Intrusiveness::parse,
                    Intrusiveness::expected,
                )?,
            },
            Entry::TaskUpdate { task, status, note, action } => Command::UpdateTask {
                task,
                status: opt_word("status", &status, TaskStatus::parse, TaskStatus::expected)?,
                note,
                action,
            },
            Entry::FollowUp { item, text, changed } => Command::FollowUp { item, text, changed },
            Entry::FollowUpAck { item } => Command::Acknowledge { item },
            Entry::ViewSuspected { hypothesis, processes } => Command::SuspectView { hypothesis, processes },
            Entry::Readings { process, reading, field_value, shown, note } => Command::VerifyReadings {
                process,
                reading,
                field_value,
                shown: shown.into_iter().map(|s| (s.asset, s.value)).collect(),
                note,
            },
            Entry::RecoveryPlan { assets } => Command::PlanRecovery { assets },
            Entry::RecoveryReorder { asset, after, reason } => Command::Reorder { asset, after, reason },
            Entry::RecoveryCheck { asset, check, observed, catalogue, artefact, note } => Command::RecordCheck {
                asset,
                check,
                observed,
                catalogue,
                artefact: digest("artefact", &artefact)?,
                note,
            },
            Entry::MonitoringStart { assets, until, criteria } => {
                Command::Monitor { assets, until: time("until", &until)?, criteria }
            }
            Entry::MonitoringEnd { window, reason } => Command::EndMonitoring { window, reason },
            Entry::RecoveryEnd { reason } => Command::EndRecovery { reason },
        })
    }
}

/// What was recorded: the incident after it, and the new events.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recorded {
    pub incident: IncidentSummary,
    /// The events appended, in order (a status change may append several).
    pub events: Vec<TimelineEntry>,
}

/// Records `entry` in incident `id` as the caller's person.
pub async fn record(state: &AppState, p: &Principal, id: &str, entry: Entry) -> Result<Recorded, ServiceError> {
    let what = format!("record-{}", entry.name());
    let cmd = entry.command()?;
    let before = std::sync::atomic::AtomicU64::new(0);
    let inc = service::write_at(state, p, id, &what, |inc, site, engine, now| {
        before.store(inc.seq(), std::sync::atomic::Ordering::Relaxed);
        let cx = command::Cx { site, actor: &p.user.person, now, engine: Some(engine) };
        command::bodies(inc, &cx, &cmd).map_err(|e| ServiceError::Invalid(e.to_string()))
    })
    .await?;
    if matches!(cmd, Command::Declare { .. }) {
        declared(state, p, id).await?;
    }
    Ok(recorded(state, &inc, before.load(std::sync::atomic::Ordering::Relaxed)))
}

fn recorded(state: &AppState, inc: &incident::Incident, after: u64) -> Recorded {
    let site = state.site.as_deref();
    Recorded {
        incident: service::summary(inc),
        events: inc
            .events()
            .get(after as usize..)
            .unwrap_or_default()
            .iter()
            .map(|e| service::entry(inc, site, e))
            .collect(),
    }
}

/// Declaring puts vendor access in incident mode, as the CLI's declare does.
async fn declared(state: &AppState, p: &Principal, id: &str) -> Result<(), ServiceError> {
    store::grants::declare_incident(&*state.store, id, &p.user.person, state.now())
        .await
        .map_err(service::store_error)?;
    Ok(())
}

/// A new incident, as `POST /api/incidents` takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenRequest {
    /// One line saying what is happening.
    pub title: String,
    /// What is known so far.
    pub summary: String,
    /// Default suspicious-activity.
    pub category: Option<String>,
    /// Default medium.
    pub severity: Option<String>,
    /// The id; default the next `INC-YYYYMMDD-N`.
    pub id: Option<String>,
    /// Declare it at once (an incident commander), with this reason.
    pub declare: Option<String>,
}

/// Opens an incident as the caller's person (raised as a candidate, or
/// declared at once): the incident's rules decide whether they may.
pub async fn open(state: &AppState, p: &Principal, req: &OpenRequest) -> Result<Recorded, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let (site, _) = service::site_of(state)?;
    let person = p.user.person.as_str();
    if site.person_by_id(person).is_none() {
        return Err(ServiceError::Forbidden(format!(
            "user {} is mapped to {person}, who is not a person of the site model",
            p.user.username
        )));
    }
    let site_version = incident::Digest::parse(site.version())
        .ok_or_else(|| ServiceError::Unavailable(format!("the site version {} is not a SHA-256", site.version())))?;
    let opening = store::Opening {
        id: req.id.clone(),
        opened: incident::Opened {
            title: req.title.as_str().into(),
            summary: req.summary.as_str().into(),
            category: opt_word("category", &req.category, Category::parse, Category::expected)?
                .unwrap_or(Category::SuspiciousActivity),
            severity: opt_word("severity", &req.severity, Severity::parse, Severity::expected)?
                .unwrap_or(Severity::Medium),
            site_version,
        },
        declare: req.declare.clone(),
    };
    let now = Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
    let target = req.id.as_deref().unwrap_or("(new)");
    let r = store::open(&*state.store, site, person, now, &opening).await;
    let outcome = match &r {
        Ok(w) => format!("ok: {}", w.incident.id()),
        Err(e) => format!("refused: {e}"),
    };
    service::log_access(state, p, "open-incident", target, &outcome).await?;
    let written = r.map_err(|e| service::log_error(target, e))?;
    let inc = std::sync::Arc::new(written.incident);
    state.incidents.keep(inc.clone());
    let id = inc.id().to_string();
    state.hub.publish(state, &id, 1, inc.seq()).await;
    if opening.declare.is_some() {
        declared(state, p, &id).await?;
    }
    Ok(recorded(state, &inc, 0))
}
