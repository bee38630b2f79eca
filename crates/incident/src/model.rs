//! Incident events. An incident *is* its events: every change is one, in a
//! per-incident sequence, and nothing is edited in place. A mistake is fixed
//! by a [`Body::Corrected`] event that supersedes the earlier one.
//!
//! References to other events (evidence, hypotheses) are their sequence
//! numbers; references to the site (people, roles, assets, processes) are the
//! site model's ids, checked against a loaded [`site_model::Site`] when the
//! event is appended.

use site_model::Domain;

use crate::time::Timestamp;

/// Declares a closed vocabulary: kebab-case words and the stable code each
/// value has in the binary encoding (codes never change meaning).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// What a value of this vocabulary is, for error messages.
            pub const WHAT: &'static str = $what;

            /// The word, as typed on the command line and shown in output.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $word ),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The stable code in the binary encoding.
            pub fn code(self) -> u8 {
                match self { $( $name::$variant => $code ),+ }
            }

            pub fn from_code(c: u8) -> Option<Self> {
                match c {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// "one of a, b, c", for error messages.
            pub fn expected() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!("one of {}", words.join(", "))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// How bad it is. Ordered.
    Severity, "severity" {
        Low = 1 "low",
        Medium = 2 "medium",
        High = 3 "high",
        Critical = 4 "critical",
    }
}

vocabulary! {
    /// What kind of incident it is thought to be.
    Category, "category" {
        SuspiciousActivity = 1 "suspicious-activity",
        UnauthorizedAccess = 2 "unauthorized-access",
        Malware = 3 "malware",
        Ransomware = 4 "ransomware",
        DenialOfService = 5 "denial-of-service",
        DataLoss = 6 "data-loss",
        ControlManipulation = 7 "control-manipulation",
        SafetySystemEvent = 8 "safety-system-event",
        VendorCompromise = 9 "vendor-compromise",
        Other = 10 "other",
    }
}

vocabulary! {
    /// The response phase.
    Phase, "phase" {
        Detect = 1 "detect",
        Contain = 2 "contain",
        Eradicate = 3 "eradicate",
        Recover = 4 "recover",
        Closed = 5 "closed",
    }
}

vocabulary! {
    /// The physical process as operations sees it.
    ProcessState, "process state" {
        Stable = 1 "stable",
        Abnormal = 2 "abnormal",
        Unknown = 3 "unknown",
    }
}

vocabulary! {
    /// Whether control, or the view of the process, can be trusted.
    Integrity, "integrity" {
        Trusted = 1 "trusted",
        InQuestion = 2 "in-question",
        Compromised = 3 "compromised",
    }
}

vocabulary! {
    /// Where a piece of evidence comes from. Security brings session records
    /// and logs; operations brings maintenance schedules and process readings.
    EvidenceSource, "evidence source" {
        SessionRecord = 1 "session-record",
        Log = 2 "log",
        NetworkCapture = 3 "network-capture",
        Alert = 4 "alert",
        DiskImage = 5 "disk-image",
        MaintenanceSchedule = 6 "maintenance-schedule",
        ProcessReading = 7 "process-reading",
        OperatorReport = 8 "operator-report",
        ControllerLogic = 9 "controller-logic",
        VendorReport = 10 "vendor-report",
        Other = 11 "other",
    }
}

vocabulary! {
    HypothesisStatus, "hypothesis status" {
        Open = 1 "open",
        Supported = 2 "supported",
        Refuted = 3 "refuted",
    }
}

vocabulary! {
    /// Which side of the house brought a piece of evidence.
    Side, "side" {
        Security = 1 "security",
        Operations = 2 "operations",
        Other = 3 "other",
    }
}

vocabulary! {
    /// How an execution (or a rollback) ended.
    ExecutionOutcome, "execution outcome" {
        Completed = 1 "completed",
        /// Some targets changed, some did not: a visible state with its own next steps.
        Partial = 2 "partial",
        Failed = 3 "failed",
    }
}

vocabulary! {
    /// Whether an executed action did what it was meant to.
    VerificationResult, "verification result" {
        Effective = 1 "effective",
        Ineffective = 2 "ineffective",
    }
}

vocabulary! {
    /// Why a proposal went up the escalation ladder.
    EscalationCause, "escalation cause" {
        /// Nobody decided within the time the matrix gives.
        Timeout = 1 "timeout",
        /// Someone eligible approved and someone eligible rejected.
        Disagreement = 2 "disagreement",
        /// The proposer (or a commander) asked for a decision higher up.
        Requested = 3 "requested",
    }
}

vocabulary! {
    /// Where a task stands.
    TaskStatus, "task status" {
        Open = 1 "open",
        InProgress = 2 "in-progress",
        /// Blocked, with the reason.
        Blocked = 3 "blocked",
        Done = 4 "done",
        Cancelled = 5 "cancelled",
    }
}

vocabulary! {
    /// How much evidence collection may disturb what it collects from.
    Intrusiveness, "intrusiveness" {
        /// Reads what is already produced (logs, a network tap).
        Passive = 1 "passive",
        /// Queries the asset lightly (a configuration export, a log pull).
        Low = 2 "low",
        /// Acts on the asset (memory acquisition on a controller, an active scan of a control network).
        Intrusive = 3 "intrusive",
    }
}

vocabulary! {
    /// Which side a task belongs to.
    TaskDomain, "task domain" {
        It = 1 "it",
        Ot = 2 "ot",
        Joint = 3 "joint",
    }
}

impl EvidenceSource {
    pub fn side(self) -> Side {
        use EvidenceSource::*;
        match self {
            SessionRecord | Log | NetworkCapture | Alert | DiskImage => Side::Security,
            MaintenanceSchedule | ProcessReading | OperatorReport | ControllerLogic => Side::Operations,
            VendorReport | Other => Side::Other,
        }
    }
}

/// A SHA-256 digest: event hashes, artefact hashes, site-model versions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub const ZERO: Digest = Digest([0; 32]);

    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
            s.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
        }
        s
    }

    /// Parses 64 hex digits, optionally prefixed `sha256:`.
    pub fn parse(s: &str) -> Option<Digest> {
        let h = s.strip_prefix("sha256:").unwrap_or(s).as_bytes();
        if h.len() != 64 {
            return None;
        }
        let val = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = val(h[2 * i])? << 4 | val(h[2 * i + 1])?;
        }
        Some(Digest(out))
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

/// One event of one incident, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The incident's id (`INC-20261126-1`).
    pub incident: Box<str>,
    /// Position in the incident's chain, from 1, without gaps.
    pub seq: u64,
    /// When it was recorded (supplied by the caller's clock).
    pub recorded_at: Timestamp,
    /// Who recorded it: a person id of the site model.
    pub actor: Box<str>,
    pub body: Body,
}

/// What happened. Each variant has a stable kind code in the encoding
/// ([`Kind`]); codes 64-127 are kept for response actions and approvals and
/// 128-191 for recovery, which later versions add.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A candidate incident is raised (by the IT response team or a commander).
    Opened(Opened),
    /// The candidate is escalated to those who may declare it.
    Escalated {
        reason: Box<str>,
    },
    /// An authorised incident commander declares the incident.
    Declared {
        reason: Box<str>,
        site_version: Digest,
    },
    /// The candidate is found not to be an incident.
    Dismissed {
        reason: Box<str>,
    },
    SeverityChanged {
        severity: Severity,
        reason: Box<str>,
    },
    CategoryChanged {
        category: Category,
        reason: Box<str>,
    },
    PhaseChanged {
        phase: Phase,
        reason: Box<str>,
    },
    SituationAssessed(Situation),
    /// A person takes an incident position (a site role: it-lead, ot-lead, safety-officer...).
    Assigned {
        role: Box<str>,
        person: Box<str>,
        reason: Box<str>,
        site_version: Digest,
    },
    /// A position is left empty.
    Relieved {
        role: Box<str>,
        reason: Box<str>,
    },
    /// A position passes from one person to another, with the briefing at that moment.
    HandedOver(Handover),
    Note(Note),
    Observation(Observation),
    EvidenceCollected(Evidence),
    CustodyTransferred(Custody),
    HypothesisProposed(Hypothesis),
    HypothesisUpdated(HypothesisUpdate),
    DecisionRecorded(Decision),
    CommunicationPublished(Communication),
    /// A response action is proposed, with its impact, safety verdict and the
    /// approvals the authority matrix requires, computed and frozen here.
    ActionProposed(Proposal),
    /// An eligible person approves a proposed action.
    ActionApproved(Stance),
    /// An eligible person rejects it (a veto when they hold a veto role).
    ActionRejected(Stance),
    /// The proposal goes up the escalation ladder.
    ActionEscalated(Escalation),
    /// An emergency override: approved without the approvals, with a rationale;
    /// creates a post-incident review item.
    ActionOverridden(Override),
    /// A compensating measure of the verdict is confirmed in place.
    MeasureConfirmed(MeasureCheck),
    ExecutionStarted(ActionNote),
    ExecutionReported(ExecutionReport),
    ActionVerified(Verification),
    ActionRolledBack(ExecutionReport),
    /// The proposer (or a commander) withdraws a proposal that was not executed.
    ActionWithdrawn(ActionNote),
    /// The recovery plan: affected assets in restoration order, each with its reason and checks.
    RecoveryPlanned(RecoveryPlan),
    /// A person moves an asset in the plan, with the reason.
    RecoveryReordered(Reorder),
    /// A verification of an asset before reconnection, with its result.
    CheckRecorded(CheckRecord),
    /// Heightened monitoring of reconnected assets, until a date and on criteria.
    MonitoringStarted(Monitoring),
    /// A monitoring window ends: its date has passed and its criteria are met.
    MonitoringEnded(MonitoringEnd),
    /// The end of recovery is declared, with the items still open.
    RecoveryEnded(RecoveryEnd),
    /// An operational period opens, with its objectives and safety considerations (ICS 202).
    PeriodOpened(Period),
    /// The safety officer revises a period's safety considerations.
    SafetyConsiderations(SafetyRevision),
    /// A period closes, with its status summary.
    PeriodClosed(PeriodClose),
    /// A task (an assignment, ICS 204).
    TaskAdded(Task),
    /// A task changes status (or is linked to the action that authorises it).
    TaskUpdated(TaskUpdate),
    /// A follow-up after closure is recorded (lessons learned, a plan or site-model update, a review).
    FollowUpRecorded(FollowUp),
    /// A role holder acknowledges a changed plan.
    FollowUpAcknowledged(FollowUpAck),
    /// Closing the incident opens its follow-ups, due after the site's follow-up days.
    FollowUpsOpened(FollowUpsOpened),
    /// Supersedes an earlier event: a corrected version of it, or a retraction.
    Corrected(Correction),
    /// A signature over the head before it (see [`crate::checkpoint`]).
    Checkpoint(crate::checkpoint::Checkpoint),
    /// A determination that starts regulatory clocks: reportable, an attempt to compromise, a
    /// changed attribute (the moment of determination may be before it is recorded).
    Determined(Determination),
    /// A report due under a regulatory clock is filed.
    ReportFiled(ReportFiling),
    /// The next status update to an audience (or every audience) is put off until a time, with the reason.
    UpdateSnoozed(Snooze),
    /// A hypothesis says the view of some processes (all when none are named) may be manipulated:
    /// while it is not refuted, their displays, historians and alarm sources are untrusted.
    ViewSuspected(ViewSuspicion),
    /// A manual verification: a reading taken at its local station and the values the displays showed.
    ReadingsVerified(ReadingCheck),
    /// The incident becomes private to its members, or open to every user again (a commander's call).
    VisibilityChanged(Visibility),
    /// A person becomes a member of the incident: one who may see it while it is private.
    MemberAdded(Membership),
    /// A person added as a member stops being one.
    MemberRemoved(Membership),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub title: Box<str>,
    pub summary: Box<str>,
    pub category: Category,
    pub severity: Severity,
    pub site_version: Digest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    /// A critical process of the site, or `None` for the site as a whole.
    pub process: Option<Box<str>>,
    pub process_state: Option<ProcessState>,
    pub control: Option<Integrity>,
    pub view: Option<Integrity>,
    pub reason: Box<str>,
    /// Evidence (event numbers) the assessment rests on.
    pub evidence: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub role: Box<str>,
    pub from: Box<str>,
    pub to: Box<str>,
    pub reason: Box<str>,
    pub briefing: Briefing,
}

/// The ICS 201 incident briefing: the state at the moment of a handover,
/// frozen in the event (and so in the hash chain), plus the outgoing
/// holder's words on current actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    pub snapshot: Snapshot,
    pub current_actions: Box<str>,
}

/// The state an incident is in, as a value. [`crate::Incident::snapshot`]
/// computes it; a handover's briefing must equal it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The last event the snapshot includes.
    pub as_of: u64,
    pub status: Status,
    pub severity: Severity,
    pub category: Category,
    pub phase: Phase,
    pub process_state: Option<ProcessState>,
    pub control: Option<Integrity>,
    pub view: Option<Integrity>,
    /// (role, person), sorted by role.
    pub assignments: Vec<(Box<str>, Box<str>)>,
    pub open_hypotheses: Vec<u64>,
    pub decisions: Vec<u64>,
    pub evidence: Vec<u64>,
}

vocabulary! {
    /// Where an incident stands: raised, declared or dismissed.
    Status, "status" {
        Candidate = 1 "candidate",
        Escalated = 2 "escalated",
        Declared = 3 "declared",
        Dismissed = 4 "dismissed",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub text: Box<str>,
    pub domain: Option<Domain>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub text: Box<str>,
    /// When the thing was seen to happen (may be well before it was recorded).
    pub observed_at: Timestamp,
    pub domain: Option<Domain>,
    /// Asset ids of the site model.
    pub assets: Vec<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub title: Box<str>,
    pub source: EvidenceSource,
    /// SHA-256 of the artefact, when there is one.
    pub sha256: Option<Digest>,
    /// Where the artefact is kept (path, case number, locker).
    pub location: Option<Box<str>>,
    pub collected_by: Box<str>,
    pub collected_at: Timestamp,
    pub assets: Vec<Box<str>>,
    pub description: Option<Box<str>>,
}

/// A chain-of-custody transfer of a piece of evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Custody {
    pub evidence: u64,
    pub from: Box<str>,
    pub to: Box<str>,
    pub at: Timestamp,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    pub statement: Box<str>,
    pub evidence_for: Vec<u64>,
    pub evidence_against: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisUpdate {
    pub hypothesis: u64,
    pub status: HypothesisStatus,
    /// Evidence added for and against (in addition to what was already linked).
    pub evidence_for: Vec<u64>,
    pub evidence_against: Vec<u64>,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub title: Box<str>,
    /// The options considered; at least one.
    pub options: Vec<Box<str>>,
    /// Index into `options`.
    pub choice: u32,
    pub rationale: Box<str>,
    /// Who decided (person ids); the actor may be the timeline keeper recording it.
    pub decided_by: Vec<Box<str>>,
    pub dissent: Vec<Dissent>,
    pub evidence: Vec<u64>,
    pub domain: Option<Domain>,
    /// The site model the decision was evaluated against.
    pub site_version: Digest,
    /// The authority matrix it was evaluated against, once there is one.
    pub authority_version: Option<Digest>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dissent {
    pub person: Box<str>,
    pub text: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Communication {
    /// Who it was for: operations, executives, regulator, public...
    pub audience: Box<str>,
    /// How: bridge call, Teams, email, phone...
    pub channel: Box<str>,
    pub text: Box<str>,
}

/// A proposed response action and everything computed about it when it was
/// proposed: decisions are reproducible from the site model and authority
/// matrix versions recorded here.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The action, in the action syntax (`kill-session ews-01 for containment`).
    pub action: Box<str>,
    pub rationale: Box<str>,
    /// Evidence (event numbers) the proposal rests on.
    pub evidence: Vec<u64>,
    /// The phase it was evaluated in.
    pub phase: Phase,
    pub site_version: Digest,
    pub authority_version: Digest,
    pub assessment: authority::Assessment,
}

/// An approval or rejection of a proposed action.
#[derive(Debug, Clone, PartialEq)]
pub struct Stance {
    /// The proposal (its event number).
    pub action: u64,
    pub rationale: Box<str>,
    /// The capacities the actor decides in: roles of the requirement (approval
    /// groups, vetoes, ladder rungs) they held, checked when recorded.
    pub roles: Vec<Box<str>>,
    /// The actor's side of the house, for joint sign-off.
    pub side: Option<Domain>,
    pub site_version: Digest,
    pub authority_version: Digest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub action: u64,
    /// The rung reached (1: the ladder's first role).
    pub level: u32,
    pub cause: EscalationCause,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub action: u64,
    pub rationale: Box<str>,
    pub site_version: Digest,
    pub authority_version: Digest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasureCheck {
    pub action: u64,
    /// Index into the assessment's measures.
    pub measure: u32,
    pub note: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionNote {
    pub action: u64,
    pub note: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionReport {
    pub action: u64,
    pub outcome: ExecutionOutcome,
    pub note: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub action: u64,
    pub result: VerificationResult,
    pub note: Box<str>,
}

/// The recovery plan, frozen: the site model it was computed against, and the
/// assets in restoration order.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryPlan {
    pub site_version: Digest,
    pub items: Vec<PlanItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    /// Asset id of the site model.
    pub asset: Box<str>,
    /// identity, network, infrastructure, monitoring, supervisory, control, business.
    pub stage: Box<str>,
    /// Why it stands where it does.
    pub reason: Box<str>,
    /// identity, remote access or monitoring, for a re-entry point.
    pub reentry: Option<Box<str>>,
    pub checks: Vec<CheckSpec>,
}

/// A check an asset needs (`recovery::Check`, as recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    /// A `recovery::CheckKind` word: config-hash, logic, firmware, proof-test...
    pub kind: Box<str>,
    pub expected: Option<Box<str>>,
    pub source: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reorder {
    pub asset: Box<str>,
    /// Put it right after this asset; `None`: first.
    pub after: Option<Box<str>>,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckRecord {
    pub asset: Box<str>,
    pub kind: Box<str>,
    /// What was observed: a hash or version, or `pass`/`fail` for a check done by a person.
    pub observed: Box<str>,
    /// For a backup-hash check: the catalogue's hash of the media.
    pub expected: Option<Box<str>>,
    pub passed: bool,
    /// The comparison, in words (what differs).
    pub detail: Box<str>,
    /// SHA-256 of an uploaded file (a logic export, a test report, readings).
    pub artefact: Option<Digest>,
    pub note: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Monitoring {
    /// Asset ids watched.
    pub assets: Vec<Box<str>>,
    pub until: Timestamp,
    /// What must hold to end it.
    pub criteria: Vec<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringEnd {
    /// The window (its event number).
    pub window: u64,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryEnd {
    pub reason: Box<str>,
    /// Items still open, as computed when declared (assets not reconnected, checks failing).
    pub open_items: Vec<Box<str>>,
}

/// An operational period: its window, objectives and safety considerations.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
    pub objectives: Vec<Box<str>>,
    /// The safety considerations: mandatory, owned by the safety officer.
    pub safety: Box<str>,
    /// The safety officer who owns them (a holder of the safety-officer role).
    pub safety_by: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SafetyRevision {
    pub period: u64,
    pub safety: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodClose {
    pub period: u64,
    /// The status summary at closing (computed from the incident; checked when appended).
    pub summary: Vec<Box<str>>,
    pub note: Option<Box<str>>,
}

/// What an evidence-collection task collects, and how much it may disturb.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// What is collected, how (a memory image, a log pull, an active scan...).
    pub method: Box<str>,
    pub intrusiveness: Intrusiveness,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub title: Box<str>,
    /// A person id, or `None` when owned by a role.
    pub owner: Option<Box<str>>,
    /// A role id whose holders own it.
    pub role: Option<Box<str>>,
    pub domain: TaskDomain,
    pub assets: Vec<Box<str>>,
    pub due: Option<Timestamp>,
    /// The hypothesis it validates.
    pub hypothesis: Option<u64>,
    pub evidence: Vec<u64>,
    /// The action whose compensating measure it carries out (action, measure index).
    pub measure: Option<(u64, u32)>,
    pub collection: Option<Collection>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskUpdate {
    pub task: u64,
    pub status: TaskStatus,
    pub note: Option<Box<str>>,
    /// The approved action that authorises an intrusive collection.
    pub action: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// `lessons-learned`, `plan-update`, `site-model-update`, or `review-N` for override `#N`.
    pub item: Box<str>,
    /// What was learned or changed; "none" is a valid record.
    pub text: Box<str>,
    /// For a plan update: the plan changed, so every role holder acknowledges it.
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpAck {
    pub item: Box<str>,
}

/// The follow-ups a closing opens: `lessons-learned`, `plan-update`,
/// `site-model-update`, and `review-N` for every emergency override `#N`.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpsOpened {
    /// The site's follow-up days (`[site] follow_up_days`, default 90).
    pub days: u32,
    /// When they are due: the closing plus `days`.
    pub due: Timestamp,
    pub items: Vec<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Determination {
    /// `reportable`, `attempt` or `attribute-change` (a `site_model::Trigger` word; `closed` is the
    /// phase change itself).
    pub kind: Box<str>,
    /// The moment of determination.
    pub at: Timestamp,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportFiling {
    /// The deadline's id (`cip-008-reportable`).
    pub deadline: Box<str>,
    /// The event that started the clock (a determination, or the closing).
    pub trigger: u64,
    /// Whom it went to.
    pub to: Box<str>,
    /// Their reference, or how it was sent.
    pub reference: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snooze {
    /// operations, security or leadership; `None` for every audience.
    pub audience: Option<Box<str>>,
    pub until: Timestamp,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewSuspicion {
    /// The hypothesis (event number) of manipulated view.
    pub hypothesis: u64,
    /// Process ids of the site model; empty means the whole site.
    pub processes: Vec<Box<str>>,
}

/// One manual verification of a reading (monitoring integrity in doubt).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingCheck {
    pub process: Box<str>,
    pub reading: Box<str>,
    /// The value read by hand at the reading's station, as written (a decimal number).
    pub field_value: Box<str>,
    /// What each display showed at the same time, and whether it agrees within the reading's tolerance.
    pub displayed: Vec<Displayed>,
    pub note: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Displayed {
    /// The asset (HMI, SCADA server, historian, local panel).
    pub asset: Box<str>,
    /// The value it showed, as written (a decimal number).
    pub value: Box<str>,
    /// Within the reading's tolerance of the field value (computed when recorded, checked on append).
    pub agrees: bool,
}

/// Who may see the incident: private (its members only) or open (every user).
#[derive(Debug, Clone, PartialEq)]
pub struct Visibility {
    pub private: bool,
    pub reason: Box<str>,
}

/// A person added to or removed from the incident's members.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    /// A person id of the site model.
    pub person: Box<str>,
    pub reason: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The event corrected (never itself a correction).
    pub supersedes: u64,
    pub reason: Box<str>,
    /// The corrected content (same kind as the original), or `None` to retract it.
    pub replacement: Option<Box<Body>>,
}

/// The kind of an event, with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Opened = 1,
    Escalated = 2,
    Declared = 3,
    Dismissed = 4,
    SeverityChanged = 5,
    CategoryChanged = 6,
    PhaseChanged = 7,
    SituationAssessed = 8,
    Assigned = 9,
    Relieved = 10,
    HandedOver = 11,
    Note = 12,
    Observation = 13,
    EvidenceCollected = 14,
    CustodyTransferred = 15,
    HypothesisProposed = 16,
    HypothesisUpdated = 17,
    DecisionRecorded = 18,
    CommunicationPublished = 19,
    Corrected = 20,
    Checkpoint = 21,
    Determined = 22,
    ReportFiled = 23,
    UpdateSnoozed = 24,
    ViewSuspected = 25,
    ReadingsVerified = 26,
    VisibilityChanged = 27,
    MemberAdded = 28,
    MemberRemoved = 29,
    ActionProposed = 64,
    ActionApproved = 65,
    ActionRejected = 66,
    ActionEscalated = 67,
    ActionOverridden = 68,
    MeasureConfirmed = 69,
    ExecutionStarted = 70,
    ExecutionReported = 71,
    ActionVerified = 72,
    ActionRolledBack = 73,
    ActionWithdrawn = 74,
    RecoveryPlanned = 128,
    RecoveryReordered = 129,
    CheckRecorded = 130,
    MonitoringStarted = 131,
    MonitoringEnded = 132,
    RecoveryEnded = 133,
    PeriodOpened = 40,
    SafetyConsiderations = 41,
    PeriodClosed = 42,
    TaskAdded = 43,
    TaskUpdated = 44,
    FollowUpRecorded = 45,
    FollowUpAcknowledged = 46,
    FollowUpsOpened = 47,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Opened,
        Kind::Escalated,
        Kind::Declared,
        Kind::Dismissed,
        Kind::SeverityChanged,
        Kind::CategoryChanged,
        Kind::PhaseChanged,
        Kind::SituationAssessed,
        Kind::Assigned,
        Kind::Relieved,
        Kind::HandedOver,
        Kind::Note,
        Kind::Observation,
        Kind::EvidenceCollected,
        Kind::CustodyTransferred,
        Kind::HypothesisProposed,
        Kind::HypothesisUpdated,
        Kind::DecisionRecorded,
        Kind::CommunicationPublished,
        Kind::Corrected,
        Kind::Checkpoint,
        Kind::Determined,
        Kind::ReportFiled,
        Kind::UpdateSnoozed,
        Kind::ViewSuspected,
        Kind::ReadingsVerified,
        Kind::VisibilityChanged,
        Kind::MemberAdded,
        Kind::MemberRemoved,
        Kind::ActionProposed,
        Kind::ActionApproved,
        Kind::ActionRejected,
        Kind::ActionEscalated,
        Kind::ActionOverridden,
        Kind::MeasureConfirmed,
        Kind::ExecutionStarted,
        Kind::ExecutionReported,
        Kind::ActionVerified,
        Kind::ActionRolledBack,
        Kind::ActionWithdrawn,
        Kind::RecoveryPlanned,
        Kind::RecoveryReordered,
        Kind::CheckRecorded,
        Kind::MonitoringStarted,
        Kind::MonitoringEnded,
        Kind::RecoveryEnded,
        Kind::PeriodOpened,
        Kind::SafetyConsiderations,
        Kind::PeriodClosed,
        Kind::TaskAdded,
        Kind::TaskUpdated,
        Kind::FollowUpRecorded,
        Kind::FollowUpAcknowledged,
        Kind::FollowUpsOpened,
    ];

    pub fn code(self) -> u16 {
        self as u16
    }

    pub fn from_code(c: u64) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.code() as u64 == c)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Opened => "opened",
            Kind::Escalated => "escalated",
            Kind::Declared => "declared",
            Kind::Dismissed => "dismissed",
            Kind::SeverityChanged => "severity",
            Kind::CategoryChanged => "category",
            Kind::PhaseChanged => "phase",
            Kind::SituationAssessed => "situation",
            Kind::Assigned => "assigned",
            Kind::Relieved => "relieved",
            Kind::HandedOver => "handover",
            Kind::Note => "note",
            Kind::Observation => "observation",
            Kind::EvidenceCollected => "evidence",
            Kind::CustodyTransferred => "custody",
            Kind::HypothesisProposed => "hypothesis",
            Kind::HypothesisUpdated => "hypothesis-update",
            Kind::DecisionRecorded => "decision",
            Kind::CommunicationPublished => "communication",
            Kind::Corrected => "correction",
            Kind::Checkpoint => "checkpoint",
            Kind::Determined => "determined",
            Kind::ReportFiled => "report-filed",
            Kind::UpdateSnoozed => "update-snoozed",
            Kind::ViewSuspected => "view-suspected",
            Kind::ReadingsVerified => "readings-verified",
            Kind::VisibilityChanged => "visibility",
            Kind::MemberAdded => "member-added",
            Kind::MemberRemoved => "member-removed",
            Kind::ActionProposed => "action-proposed",
            Kind::ActionApproved => "action-approved",
            Kind::ActionRejected => "action-rejected",
            Kind::ActionEscalated => "action-escalated",
            Kind::ActionOverridden => "action-overridden",
            Kind::MeasureConfirmed => "measure-confirmed",
            Kind::ExecutionStarted => "execution-started",
            Kind::ExecutionReported => "execution-reported",
            Kind::ActionVerified => "action-verified",
            Kind::ActionRolledBack => "action-rolled-back",
            Kind::ActionWithdrawn => "action-withdrawn",
            Kind::RecoveryPlanned => "recovery-planned",
            Kind::RecoveryReordered => "recovery-reordered",
            Kind::CheckRecorded => "check-recorded",
            Kind::MonitoringStarted => "monitoring-started",
            Kind::MonitoringEnded => "monitoring-ended",
            Kind::RecoveryEnded => "recovery-ended",
            Kind::PeriodOpened => "period-opened",
            Kind::SafetyConsiderations => "safety-considerations",
            Kind::PeriodClosed => "period-closed",
            Kind::TaskAdded => "task-added",
            Kind::TaskUpdated => "task-updated",
            Kind::FollowUpRecorded => "follow-up-recorded",
            Kind::FollowUpAcknowledged => "follow-up-acknowledged",
            Kind::FollowUpsOpened => "follow-ups-opened",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn expected() -> String {
        let words: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        format!("one of {}", words.join(", "))
    }

    /// Kinds whose content a correction may replace or retract. Changes of
    /// status (severity, phase, situation, positions) are corrected by a new
    /// change with its reason; declarations and handovers stand as recorded.
    pub fn correctable(self) -> bool {
        matches!(
            self,
            Kind::Note
                | Kind::Observation
                | Kind::EvidenceCollected
                | Kind::HypothesisProposed
                | Kind::DecisionRecorded
                | Kind::CommunicationPublished
                | Kind::ReadingsVerified
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::Opened(_) => Kind::Opened,
            Body::Escalated { .. } => Kind::Escalated,
            Body::Declared { .. } => Kind::Declared,
            Body::Dismissed { .. } => Kind::Dismissed,
            Body::SeverityChanged { .. } => Kind::SeverityChanged,
            Body::CategoryChanged { .. } => Kind::CategoryChanged,
            Body::PhaseChanged { .. } => Kind::PhaseChanged,
            Body::SituationAssessed(_) => Kind::SituationAssessed,
            Body::Assigned { .. } => Kind::Assigned,
            Body::Relieved { .. } => Kind::Relieved,
            Body::HandedOver(_) => Kind::HandedOver,
            Body::Note(_) => Kind::Note,
            Body::Observation(_) => Kind::Observation,
            Body::EvidenceCollected(_) => Kind::EvidenceCollected,
            Body::CustodyTransferred(_) => Kind::CustodyTransferred,
            Body::HypothesisProposed(_) => Kind::HypothesisProposed,
            Body::HypothesisUpdated(_) => Kind::HypothesisUpdated,
            Body::DecisionRecorded(_) => Kind::DecisionRecorded,
            Body::CommunicationPublished(_) => Kind::CommunicationPublished,
            Body::Corrected(_) => Kind::Corrected,
            Body::Checkpoint(_) => Kind::Checkpoint,
            Body::Determined(_) => Kind::Determined,
            Body::ReportFiled(_) => Kind::ReportFiled,
            Body::UpdateSnoozed(_) => Kind::UpdateSnoozed,
            Body::ViewSuspected(_) => Kind::ViewSuspected,
            Body::ReadingsVerified(_) => Kind::ReadingsVerified,
            Body::VisibilityChanged(_) => Kind::VisibilityChanged,
            Body::MemberAdded(_) => Kind::MemberAdded,
            Body::MemberRemoved(_) => Kind::MemberRemoved,
            Body::ActionProposed(_) => Kind::ActionProposed,
            Body::ActionApproved(_) => Kind::ActionApproved,
            Body::ActionRejected(_) => Kind::ActionRejected,
            Body::ActionEscalated(_) => Kind::ActionEscalated,
            Body::ActionOverridden(_) => Kind::ActionOverridden,
            Body::MeasureConfirmed(_) => Kind::MeasureConfirmed,
            Body::ExecutionStarted(_) => Kind::ExecutionStarted,
            Body::ExecutionReported(_) => Kind::ExecutionReported,
            Body::ActionVerified(_) => Kind::ActionVerified,
            Body::ActionRolledBack(_) => Kind::ActionRolledBack,
            Body::ActionWithdrawn(_) => Kind::ActionWithdrawn,
            Body::RecoveryPlanned(_) => Kind::RecoveryPlanned,
            Body::RecoveryReordered(_) => Kind::RecoveryReordered,
            Body::CheckRecorded(_) => Kind::CheckRecorded,
            Body::MonitoringStarted(_) => Kind::MonitoringStarted,
            Body::MonitoringEnded(_) => Kind::MonitoringEnded,
            Body::RecoveryEnded(_) => Kind::RecoveryEnded,
            Body::PeriodOpened(_) => Kind::PeriodOpened,
            Body::SafetyConsiderations(_) => Kind::SafetyConsiderations,
            Body::PeriodClosed(_) => Kind::PeriodClosed,
            Body::TaskAdded(_) => Kind::TaskAdded,
            Body::TaskUpdated(_) => Kind::TaskUpdated,
            Body::FollowUpRecorded(_) => Kind::FollowUpRecorded,
            Body::FollowUpAcknowledged(_) => Kind::FollowUpAcknowledged,
            Body::FollowUpsOpened(_) => Kind::FollowUpsOpened,
        }
    }

    /// The side of the house the event belongs to, for filtering the timeline:
    /// stated on notes, observations and decisions; from the source for
    /// evidence; OT for assessments of the process.
    pub fn domain(&self) -> Option<Domain> {
        match self {
            Body::Note(n) => n.domain,
            Body::Observation(o) => o.domain,
            Body::DecisionRecorded(d) => d.domain,
            Body::EvidenceCollected(e) => match e.source.side() {
                Side::Security => Some(Domain::It),
                Side::Operations => Some(Domain::Ot),
                Side::Other => None,
            },
            Body::SituationAssessed(_) => Some(Domain::Ot),
            Body::ActionApproved(s) | Body::ActionRejected(s) => s.side,
            Body::Corrected(c) => c.replacement.as_ref().and_then(|b| b.domain()),
            _ => None,
        }
    }

    /// People the event names besides its actor.
    pub fn people(&self) -> Vec<&str> {
        match self {
            Body::Assigned { person, .. } => vec![person],
            Body::MemberAdded(m) | Body::MemberRemoved(m) => vec![&m.person],
            Body::HandedOver(h) => vec![&h.from, &h.to],
            Body::EvidenceCollected(e) => vec![&e.collected_by],
            Body::CustodyTransferred(c) => vec![&c.from, &c.to],
            Body::DecisionRecorded(d) => {
                d.decided_by.iter().map(|p| &**p).chain(d.dissent.iter().map(|x| &*x.person)).collect()
            }
            Body::Corrected(c) => c.replacement.as_ref().map(|b| b.people()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The proposal an action-workflow event refers to.
    pub fn action_ref(&self) -> Option<u64> {
        match self {
            Body::ActionApproved(s) | Body::ActionRejected(s) => Some(s.action),
            Body::ActionEscalated(e) => Some(e.action),
            Body::ActionOverridden(o) => Some(o.action),
            Body::MeasureConfirmed(m) => Some(m.action),
            Body::ExecutionStarted(n) | Body::ActionWithdrawn(n) => Some(n.action),
            Body::ExecutionReported(r) | Body::ActionRolledBack(r) => Some(r.action),
            Body::ActionVerified(v) => Some(v.action),
            _ => None,
        }
    }

    /// The site assets the event names.
    pub fn assets(&self) -> &[Box<str>] {
        match self {
            Body::Observation(o) => &o.assets,
            Body::EvidenceCollected(e) => &e.assets,
            Body::MonitoringStarted(m) => &m.assets,
            Body::TaskAdded(t) => &t.assets,
            Body::CheckRecorded(c) => std::slice::from_ref(&c.asset),
            Body::RecoveryReordered(r) => std::slice::from_ref(&r.asset),
            _ => &[],
        }
    }

    /// When the thing the event describes happened, when it says so
    /// (observations, evidence collection, custody transfers).
    pub fn occurred_at(&self) -> Option<Timestamp> {
        match self {
            Body::Observation(o) => Some(o.observed_at),
            Body::EvidenceCollected(e) => Some(e.collected_at),
            Body::CustodyTransferred(c) => Some(c.at),
            Body::Determined(d) => Some(d.at),
            _ => None,
        }
    }
}

impl Event {
    /// When what it describes happened: the stated time, or when it was recorded.
    pub fn occurred_at(&self) -> Timestamp {
        self.body.occurred_at().unwrap_or(self.recorded_at)
    }
}
