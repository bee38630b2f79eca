//! `interlock incident ...`: the incident record from the command line, over
//! a SQLite data directory (default) or a PostgreSQL URL.
//!
//! Every writing command loads the site model (`--site`), checks the event
//! against it and the incident (the pure `incident` crate's rules), seals it
//! into the hash chain and appends it with the expected sequence number,
//! retrying when another writer got there first. Nothing refused is written.

pub mod action;
pub(crate) mod clock;
pub mod deadlines;
pub mod evidence;
pub mod integrity;
pub mod plan;
pub mod recovery;
mod render;
mod tools;
pub mod updates;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ::incident::{
    Body, Category, Digest, Event, EvidenceSource, HypothesisStatus, Incident, Integrity, Kind, Opened, Phase,
    ProcessState, Severity, Timestamp,
};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use site_model::{Domain, Site};
use store::{AnyStore, LogError, Store, WriteError};

use self::clock::Clock;
use ::incident::command::Command;

/// Where the record is kept.
#[derive(Args, Clone, Debug)]
pub struct Db {
    /// Data directory of the SQLite store (the database is DIR/interlock.db).
    #[arg(long, value_name = "DIR", default_value = "interlock-data")]
    data: PathBuf,
    /// PostgreSQL instead of SQLite: postgres://user@host:port/database.
    #[arg(long, value_name = "URL", env = "INTERLOCK_DATABASE_URL", conflicts_with = "data")]
    database_url: Option<String>,
}

/// Who is writing, against which site model.
#[derive(Args, Clone, Debug)]
pub struct Who {
    /// The site model directory: people, roles and assets are checked against it, and its version stamped.
    #[arg(long, value_name = "DIR", env = "INTERLOCK_SITE")]
    pub(crate) site: Option<PathBuf>,
    /// The person recording (a person id of the site model).
    #[arg(long = "as", value_name = "PERSON", env = "INTERLOCK_USER")]
    actor: Option<String>,
}

#[derive(Args, Clone, Debug)]
pub struct Common {
    #[command(flatten)]
    pub(crate) db: Db,
    #[command(flatten)]
    pub(crate) who: Who,
}

#[derive(Subcommand, Debug)]
pub enum IncidentCommand {
    /// Raise a candidate incident (the response team), or open and declare one (--declare, a commander).
    Open(OpenArgs),
    /// Declare a candidate incident (a holder of the incident-commander role).
    Declare(ReasonArgs),
    /// Escalate a candidate to those who may declare it.
    Escalate(ReasonArgs),
    /// Dismiss a candidate: not an incident.
    Dismiss(ReasonArgs),
    /// List the incidents in the store.
    List(ListArgs),
    /// Show an incident's state: status, situation, positions, evidence, hypotheses, decisions.
    Show(ShowArgs),
    /// Add a note to the timeline.
    Note(NoteArgs),
    /// Record an observation: what was seen, when it happened, on which assets.
    Observe(ObserveArgs),
    /// Record a piece of evidence: its source, the hash of the artefact, who collected it.
    Evidence(EvidenceArgs),
    /// Transfer a piece of evidence to another custodian (chain of custody).
    Custody(CustodyArgs),
    /// Propose a hypothesis, or update one with its status and evidence.
    #[command(subcommand)]
    Hypothesis(HypothesisCommand),
    /// Record a decision: the options considered, the choice, the rationale, dissent, evidence.
    Decide(DecideArgs),
    /// Assign a position (a site role) to a person, hand it over with a briefing, or relieve it.
    Assign(AssignArgs),
    /// Change severity, category or phase, or assess the situation (process, control, view), with a reason.
    Status(StatusArgs),
    /// Make the incident private to its members (--private) or open to every user (--open): a commander.
    Visibility(VisibilityArgs),
    /// Add or remove a member (who may see the incident while it is private): a commander.
    Member(MemberArgs),
    /// Record a communication published to an audience.
    Communicate(CommunicateArgs),
    /// Record a determination that starts regulatory clocks: reportable, attempt, attribute-change.
    Determine(deadlines::DetermineArgs),
    /// Record that a report due under a regulatory clock was filed.
    Report(deadlines::ReportArgs),
    /// Correct or retract an earlier entry (a new event that supersedes it; nothing is edited).
    Correct(CorrectArgs),
    /// The timeline, filtered by kind, person, domain and time.
    Timeline(TimelineArgs),
    /// Verify hash chains: names the first event that does not match.
    Verify(VerifyArgs),
    /// Export an incident as JSON (verifiable offline) and a readable Markdown timeline.
    Export(ExportArgs),
    /// Make an ed25519 key pair for signing checkpoints: FILE (the secret: keep it safe) and FILE.pub.
    Keygen(KeygenArgs),
    /// Sign a head offline, as the server shows it to sign (`GET /api/incidents/{id}/checkpoints`): prints the checkpoint file, the body of `POST /api/incidents/{id}/checkpoints`.
    Sign(SignArgs),
    /// Sign the incident's head: recorded in the chain, and written as a checkpoint file to keep elsewhere.
    Checkpoint(CheckpointArgs),
    /// Append notes in a loop, printing an acknowledgement per durable append (the kill -9 test's writer).
    #[command(hide = true)]
    AppendLoop(tools::AppendLoopArgs),
    /// Append throughput: Interlock's append against a bare insert of the same bytes (bench/incident.sh).
    #[command(hide = true)]
    BenchAppend(tools::BenchArgs),
    /// Loading and folding an incident of N events (bench/incident.sh).
    #[command(hide = true)]
    BenchLoad(tools::BenchArgs),
}

#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    common: Common,
    /// One line saying what is happening.
    #[arg(long)]
    title: String,
    /// What is known so far.
    #[arg(long)]
    summary: String,
    #[arg(long, value_parser = vocab::<Category>, default_value = "suspicious-activity")]
    category: Category,
    #[arg(long, value_parser = vocab::<Severity>, default_value = "medium")]
    severity: Severity,
    /// The incident id; default INC-YYYYMMDD-N.
    #[arg(long)]
    id: Option<String>,
    /// Declare it at once (needs the incident-commander role); --reason says why.
    #[arg(long, requires = "reason")]
    declare: bool,
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReasonArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct NoteArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    text: String,
    #[arg(long, value_parser = domain)]
    domain: Option<Domain>,
}

#[derive(Args, Debug)]
pub struct ObserveArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    text: String,
    /// When it happened (RFC 3339 with offset); default now.
    #[arg(long, value_parser = time)]
    observed_at: Option<Timestamp>,
    /// Assets concerned (repeat); ids of the site model.
    #[arg(long = "asset")]
    assets: Vec<String>,
    /// it, ot or shared; default from the assets' domains.
    #[arg(long, value_parser = domain)]
    domain: Option<Domain>,
}

#[derive(Args, Debug)]
pub struct EvidenceArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    title: String,
    #[arg(long, value_parser = vocab::<EvidenceSource>)]
    source: EvidenceSource,
    /// The artefact: its SHA-256 is computed and recorded.
    #[arg(long, conflicts_with = "sha256")]
    file: Option<PathBuf>,
    /// The artefact's SHA-256, when it is not at hand.
    #[arg(long, value_parser = digest)]
    sha256: Option<Digest>,
    /// Where the artefact is kept.
    #[arg(long)]
    location: Option<String>,
    /// Who collected it; default the recorder.
    #[arg(long)]
    collected_by: Option<String>,
    /// When it was collected; default now.
    #[arg(long, value_parser = time)]
    collected_at: Option<Timestamp>,
    #[arg(long = "asset")]
    assets: Vec<String>,
    #[arg(long)]
    description: Option<String>,
}

#[derive(Args, Debug)]
pub struct CustodyArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The evidence (its event number).
    evidence: u64,
    #[arg(long)]
    to: String,
    #[arg(long)]
    reason: String,
    /// When it changed hands; default now.
    #[arg(long, value_parser = time)]
    at: Option<Timestamp>,
}

#[derive(Subcommand, Debug)]
pub enum HypothesisCommand {
    /// Propose a hypothesis, with evidence for and against.
    Propose {
        #[command(flatten)]
        common: Common,
        id: String,
        statement: String,
        #[arg(long = "for")]
        evidence_for: Vec<u64>,
        #[arg(long = "against")]
        evidence_against: Vec<u64>,
    },
    /// Change a hypothesis's status (open, supported, refuted) or add evidence.
    Update {
        #[command(flatten)]
        common: Common,
        id: String,
        /// The hypothesis (its event number).
        hypothesis: u64,
        #[arg(long, value_parser = vocab::<HypothesisStatus>)]
        status: HypothesisStatus,
        #[arg(long)]
        reason: String,
        #[arg(long = "for")]
        evidence_for: Vec<u64>,
        #[arg(long = "against")]
        evidence_against: Vec<u64>,
    },
}

#[derive(Args, Debug)]
pub struct DecideArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    title: String,
    /// An option considered (repeat, at least one).
    #[arg(long = "option", required = true)]
    options: Vec<String>,
    /// The option chosen: its text or its number (1-based).
    #[arg(long)]
    choice: String,
    #[arg(long)]
    rationale: String,
    /// Who decided (repeat); default the recorder.
    #[arg(long = "decided-by")]
    decided_by: Vec<String>,
    /// Dissent as PERSON:TEXT (repeat).
    #[arg(long)]
    dissent: Vec<String>,
    /// Evidence the decision rests on (event numbers).
    #[arg(long)]
    evidence: Vec<u64>,
    #[arg(long, value_parser = domain)]
    domain: Option<Domain>,
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The position: a role id of the site model (it-lead, ot-lead, safety-officer...).
    role: String,
    /// The person taking it (not with --relieve).
    person: Option<String>,
    #[arg(long)]
    reason: String,
    /// Hand the position over from its holder, with a briefing (--actions).
    #[arg(long, requires = "actions")]
    handover: bool,
    /// The outgoing holder's words on current actions, for the briefing.
    #[arg(long)]
    actions: Option<String>,
    /// Leave the position empty.
    #[arg(long, conflicts_with_all = ["handover", "person"])]
    relieve: bool,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("visibility").required(true).args(["private", "open"])))]
pub struct VisibilityArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Only its members see it: its opener, its position holders and the people added as members.
    #[arg(long)]
    private: bool,
    /// Every user sees it.
    #[arg(long)]
    open: bool,
    #[arg(long)]
    reason: String,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberOp {
    Add,
    Remove,
}

#[derive(Args, Debug)]
pub struct MemberArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(value_enum)]
    op: MemberOp,
    /// A person id of the site model.
    person: String,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    reason: String,
    #[arg(long, value_parser = vocab::<Severity>)]
    severity: Option<Severity>,
    #[arg(long, value_parser = vocab::<Category>)]
    category: Option<Category>,
    #[arg(long, value_parser = vocab::<Phase>)]
    phase: Option<Phase>,
    /// stable, abnormal or unknown.
    #[arg(long, value_parser = vocab::<ProcessState>)]
    process_state: Option<ProcessState>,
    /// Control integrity: trusted, in-question or compromised.
    #[arg(long, value_parser = vocab::<Integrity>)]
    control: Option<Integrity>,
    /// View integrity: trusted, in-question or compromised.
    #[arg(long, value_parser = vocab::<Integrity>)]
    view: Option<Integrity>,
    /// The critical process assessed (a process id of the site model); default the site as a whole.
    #[arg(long)]
    process: Option<String>,
    /// Evidence the assessment rests on (event numbers).
    #[arg(long)]
    evidence: Vec<u64>,
}

#[derive(Args, Debug)]
pub struct CommunicateArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    text: String,
    /// Who it was for: operations, executives, regulator, public...
    #[arg(long)]
    audience: String,
    /// How: bridge call, Teams, email...
    #[arg(long)]
    channel: String,
}

#[derive(Args, Debug)]
pub struct CorrectArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The event corrected.
    event: u64,
    #[arg(long)]
    reason: String,
    /// Retract the entry instead of correcting it.
    #[arg(long)]
    retract: bool,
    /// New text (notes, observations, communications).
    #[arg(long)]
    text: Option<String>,
    /// New time it happened (observations, evidence).
    #[arg(long, value_parser = time)]
    at: Option<Timestamp>,
    /// New title (evidence, decisions).
    #[arg(long)]
    title: Option<String>,
    /// New statement (hypotheses).
    #[arg(long)]
    statement: Option<String>,
    /// New rationale (decisions).
    #[arg(long)]
    rationale: Option<String>,
    /// New asset list (observations, evidence); repeat.
    #[arg(long = "asset")]
    assets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Only these kinds (repeat): note, observation, evidence, decision...
    #[arg(long = "kind", value_parser = kind)]
    kinds: Vec<Kind>,
    /// Only events recorded by or naming this person.
    #[arg(long)]
    person: Option<String>,
    /// Only events of this domain: it, ot or shared.
    #[arg(long, value_parser = domain)]
    domain: Option<Domain>,
    /// Only what happened at or after this time (RFC 3339).
    #[arg(long, value_parser = time)]
    since: Option<Timestamp>,
    /// Only what happened before this time (RFC 3339).
    #[arg(long, value_parser = time)]
    until: Option<Timestamp>,
    /// Order by when things happened rather than when they were recorded.
    #[arg(long)]
    by_occurrence: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    db: Db,
    /// Incidents to verify; default all.
    ids: Vec<String>,
    /// Verify an export file offline instead of the store.
    #[arg(long, value_name = "FILE.json", conflicts_with = "ids")]
    export: Option<PathBuf>,
    /// Checkpoint files (from `interlock incident checkpoint`) the record must still match (repeat).
    #[arg(long = "checkpoint", value_name = "FILE")]
    checkpoints: Vec<PathBuf>,
    /// The public key file (FILE.pub): every checkpoint file must be signed with it, and at least one
    /// checkpoint (in the chain or a file); those of other keys in the chain are not counted.
    #[arg(long, value_name = "FILE.pub")]
    trust: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write the secret key (FILE) and the public key (FILE.pub); never overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The secret key file (from `interlock incident keygen`); it is only read here.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The incident whose head is signed.
    #[arg(long, value_name = "ID")]
    incident: String,
    /// The number of its last event (`to_sign.seq`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    seq: u64,
    /// That event's chain hash (`to_sign.head`: 64 hex digits, `sha256:` optional).
    #[arg(long, value_name = "HEX", value_parser = digest)]
    head: Digest,
    /// Also write the checkpoint to this file (printed to stdout either way).
    #[arg(long, value_name = "FILE.json")]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The secret key file (from `interlock incident keygen`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Also write the checkpoint to this file (printed to stdout either way).
    #[arg(long, value_name = "FILE.json")]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Directory to write ID.json and ID.md into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub(crate) fn vocab<T: FromWord>(s: &str) -> Result<T, String> {
    T::from_word(s).ok_or_else(|| format!("\"{s}\" is not a {}; expected {}", T::WHAT, T::expected()))
}

pub(crate) trait FromWord: Sized + Clone + Send + Sync + 'static {
    const WHAT: &'static str;
    fn from_word(s: &str) -> Option<Self>;
    fn expected() -> String;
}

macro_rules! from_word {
    ($($t:ty),+) => {$(
        impl FromWord for $t {
            const WHAT: &'static str = <$t>::WHAT;
            fn from_word(s: &str) -> Option<Self> { <$t>::parse(s) }
            fn expected() -> String { <$t>::expected() }
        }
    )+};
}
from_word!(
    ::incident::TaskDomain,
    ::incident::TaskStatus,
    ::incident::Intrusiveness,
    Category,
    Severity,
    Phase,
    ProcessState,
    Integrity,
    EvidenceSource,
    HypothesisStatus,
    ::incident::ExecutionOutcome,
    ::incident::VerificationResult
);

fn domain(s: &str) -> Result<Domain, String> {
    Domain::parse(s).ok_or_else(|| format!("\"{s}\" is not a domain; expected it, ot or shared"))
}

fn kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| format!("\"{s}\" is not an event kind; expected {}", Kind::expected()))
}

fn time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse(s).map_err(|e| e.to_string())
}

/// A time argument (RFC 3339), for the other command modules.
pub(crate) fn time_arg(s: &str) -> Result<Timestamp, String> {
    time(s)
}

fn digest(s: &str) -> Result<Digest, String> {
    Digest::parse(s).ok_or_else(|| format!("\"{s}\" is not a SHA-256: expected 64 hex digits"))
}

/// Runs an incident command.
pub fn run(cmd: IncidentCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let clock = clock::from_env()?;
    rt.block_on(dispatch(cmd, &*clock))
}

async fn dispatch(cmd: IncidentCommand, clock: &dyn Clock) -> Result<ExitCode> {
    use IncidentCommand as C;
    match cmd {
        C::Open(a) => open(a, clock).await,
        C::Declare(a) => {
            let code = record(&a.common, &a.id, clock, Command::Declare { reason: a.reason.clone() }).await?;
            evidence::incident_mode(&a.common, &a.id, clock).await?;
            Ok(code)
        }
        C::Escalate(a) => record(&a.common, &a.id, clock, Command::Escalate { reason: a.reason }).await,
        C::Dismiss(a) => record(&a.common, &a.id, clock, Command::Dismiss { reason: a.reason }).await,
        C::List(a) => list(a).await,
        C::Show(a) => show(a).await,
        C::Timeline(a) => timeline(a).await,
        C::Verify(a) => verify(a).await,
        C::Export(a) => export(a).await,
        C::Note(a) => record(&a.common, &a.id, clock, Command::Note { text: a.text, domain: a.domain }).await,
        C::Observe(a) => {
            let cmd = Command::Observe { text: a.text, observed_at: a.observed_at, domain: a.domain, assets: a.assets };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Evidence(a) => {
            let sha256 = match &a.file {
                Some(f) => Some(hash_file(f)?),
                None => a.sha256,
            };
            let cmd = Command::Evidence {
                title: a.title,
                source: a.source,
                sha256,
                location: a.location,
                collected_by: a.collected_by,
                collected_at: a.collected_at,
                assets: a.assets,
                description: a.description,
            };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Custody(a) => {
            let cmd = Command::Custody { evidence: a.evidence, to: a.to, at: a.at, reason: a.reason };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Hypothesis(HypothesisCommand::Propose { common, id, statement, evidence_for, evidence_against }) => {
            record(&common, &id, clock, Command::Hypothesis { statement, evidence_for, evidence_against }).await
        }
        C::Hypothesis(HypothesisCommand::Update {
            common,
            id,
            hypothesis,
            status,
            reason,
            evidence_for,
            evidence_against,
        }) => {
            let cmd = Command::UpdateHypothesis { hypothesis, status, reason, evidence_for, evidence_against };
            record(&common, &id, clock, cmd).await
        }
        C::Decide(a) => decide(a, clock).await,
        C::Assign(a) => {
            let cmd = Command::Assign {
                role: a.role,
                person: a.person,
                reason: a.reason,
                relieve: a.relieve,
                handover: a.handover,
                actions: a.actions,
            };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Status(a) => {
            let cmd = Command::Status {
                severity: a.severity,
                category: a.category,
                phase: a.phase,
                process: a.process,
                process_state: a.process_state,
                control: a.control,
                view: a.view,
                reason: a.reason,
                evidence: a.evidence,
            };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Visibility(a) => {
            let v = ::incident::Visibility { private: a.private, reason: a.reason.as_str().into() };
            write(&a.common, &a.id, clock, move |_, _| Ok(vec![Body::VisibilityChanged(v.clone())])).await
        }
        C::Member(a) => {
            let m = ::incident::Membership { person: a.person.as_str().into(), reason: a.reason.as_str().into() };
            write(&a.common, &a.id, clock, move |_, _| {
                Ok(vec![match a.op {
                    MemberOp::Add => Body::MemberAdded(m.clone()),
                    MemberOp::Remove => Body::MemberRemoved(m.clone()),
                }])
            })
            .await
        }
        C::Communicate(a) => {
            let cmd = Command::Communicate { audience: a.audience, channel: a.channel, text: a.text };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Correct(a) => {
            let cmd = Command::Correct {
                event: a.event,
                reason: a.reason,
                retract: a.retract,
                text: a.text,
                title: a.title,
                statement: a.statement,
                rationale: a.rationale,
                at: a.at,
                assets: a.assets,
            };
            record(&a.common, &a.id, clock, cmd).await
        }
        C::Determine(a) => deadlines::determine(a, clock).await,
        C::Report(a) => deadlines::report(a, clock).await,
        C::Keygen(a) => keygen(a),
        C::Sign(a) => sign(a),
        C::Checkpoint(a) => checkpoint(a, clock).await,
        C::AppendLoop(a) => tools::append_loop(a, clock).await,
        C::BenchAppend(a) => tools::bench_append(a, clock).await,
        C::BenchLoad(a) => tools::bench_load(a, clock).await,
    }
}

fn hash_file(path: &Path) -> Result<Digest> {
    use sha2::Digest as _;
    use std::io::Read;
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot read the artefact {}", path.display()))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).with_context(|| format!("cannot read the artefact {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Digest(h.finalize().into()))
}

pub(crate) async fn open_store(db: &Db) -> Result<AnyStore> {
    match &db.database_url {
        Some(url) => AnyStore::postgres(url)
            .await
            .with_context(|| format!("cannot open the PostgreSQL store at {}", redact(url))),
        None => AnyStore::sqlite(&db.data)
            .await
            .with_context(|| format!("cannot open the SQLite store in {}", db.data.display())),
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let (cred, host) = rest.rsplit_once('@').unwrap_or(("", rest));
            let user = cred.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        _ => url.to_string(),
    }
}

pub(crate) fn load_site(dir: Option<&Path>) -> Result<Site> {
    let Some(dir) = dir else {
        bail!(
            "this command checks people, roles and assets against the site model: give --site DIR (or set INTERLOCK_SITE)"
        )
    };
    let outcome = crate::sitefs::load_dir(dir, None)?;
    match outcome.site {
        Some(site) => Ok(site),
        None => {
            let mut err = std::io::stderr().lock();
            crate::show::diagnostics(&outcome, 20, &mut err)?;
            bail!("the site model at {} does not load; run `interlock site check {}`", dir.display(), dir.display())
        }
    }
}

fn optional_site(dir: Option<&Path>) -> Result<Option<Site>> {
    dir.map(|d| load_site(Some(d))).transpose()
}

fn actor(who: &Who) -> Result<&str> {
    who.actor.as_deref().ok_or_else(|| {
        anyhow!("say who is recording: --as PERSON (a person id of the site model), or set INTERLOCK_USER")
    })
}

/// What a command building events has at hand.
pub(crate) struct Writing<'a> {
    pub site: &'a Site,
    pub actor: &'a str,
    pub now: Timestamp,
    pub engine: Option<authority::Engine<'a>>,
}

impl Writing<'_> {
    pub(crate) fn site_version(&self) -> Result<Digest> {
        Digest::parse(self.site.version())
            .ok_or_else(|| anyhow!("the site version {} is not a SHA-256", self.site.version()))
    }
}

impl<'a> Writing<'a> {
    /// What [`::incident::command::bodies`] has at hand.
    pub(crate) fn cx(&self) -> ::incident::command::Cx<'a> {
        ::incident::command::Cx { site: self.site, actor: self.actor, now: self.now, engine: self.engine }
    }
}

/// Records `cmd` in an existing incident (the events [`::incident::command::bodies`] builds for it).
pub(crate) async fn record(common: &Common, id: &str, clock: &dyn Clock, cmd: Command) -> Result<ExitCode> {
    record_with(common, id, clock, false, cmd, |_| {}).await
}

/// [`record`], with the impact engine at hand when `engine`; `tell` sees the
/// events before they are written (to say what they found).
pub(crate) async fn record_with(
    common: &Common,
    id: &str,
    clock: &dyn Clock,
    engine: bool,
    cmd: Command,
    mut tell: impl FnMut(&[Body]),
) -> Result<ExitCode> {
    write_with(common, id, clock, engine, |inc, w| {
        let bodies = ::incident::command::bodies(inc, &w.cx(), &cmd)?;
        tell(&bodies);
        Ok(bodies)
    })
    .await
}

/// Appends the events `make` builds to an existing incident and reports them.
async fn write(
    common: &Common,
    id: &str,
    clock: &dyn Clock,
    make: impl FnMut(&Incident, &Writing<'_>) -> Result<Vec<Body>>,
) -> Result<ExitCode> {
    write_with(common, id, clock, false, make).await
}

/// [`write`], with the impact engine and authority matrix at hand when
/// `engine` (response-action events are checked against them).
pub(crate) async fn write_with(
    common: &Common,
    id: &str,
    clock: &dyn Clock,
    engine: bool,
    mut make: impl FnMut(&Incident, &Writing<'_>) -> Result<Vec<Body>>,
) -> Result<ExitCode> {
    let site = load_site(common.who.site.as_deref())?;
    let actor = actor(&common.who)?;
    let graph = engine.then(|| impact::Graph::compile(&site));
    let engine = graph.as_ref().map(|graph| authority::Engine { site: &site, graph });
    if engine.is_some() && site.authority.is_none() {
        bail!(
            "the site model has no authority matrix: response actions need one (docs/site-model.md, \"The authority matrix\")"
        );
    }
    let store = open_store(&common.db).await?;
    let now = clock.now();
    let w = Writing { site: &site, actor, now, engine };
    let written = match store::write(&store, &site, engine, id, actor, now, |inc| make(inc, &w)).await {
        Ok(written) => written,
        Err(WriteError::Log(LogError::NotFound(_))) => {
            bail!("no incident {id} in this store (see `interlock incident list`)")
        }
        Err(WriteError::Make(e)) => bail!("refused, nothing written: {e:#}"),
        Err(WriteError::Log(e)) => bail!("refused, nothing written: {e}"),
    };
    if let Some(e) = &written.announce_failed {
        eprintln!("warning: recorded, but other servers were not told of it: {e}");
    }
    let sealed = written.sealed;
    let mut out = std::io::stdout().lock();
    for s in &sealed {
        writeln!(out, "{id} #{} {} recorded ({})", s.seq, s.kind, s.hash)?;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn open(a: OpenArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let actor = actor(&a.common.who)?;
    let store = open_store(&a.common.db).await?;
    let version = Digest::parse(site.version()).ok_or_else(|| anyhow!("the site version is not a SHA-256"))?;
    let opening = store::Opening {
        id: a.id,
        opened: Opened {
            title: a.title.as_str().into(),
            summary: a.summary.as_str().into(),
            category: a.category,
            severity: a.severity,
            site_version: version,
        },
        declare: a.declare.then(|| a.reason.unwrap_or_default()),
    };
    let written = match store::open(&store, &site, actor, clock.now(), &opening).await {
        Ok(w) => w,
        Err(e) => bail!("refused, nothing written: {e}"),
    };
    let id = written.incident.id().to_string();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{id}")?;
    for s in &written.sealed {
        eprintln!("{id} #{} {} recorded ({})", s.seq, s.kind, s.hash);
    }
    drop(out);
    store.close().await;
    if opening.declare.is_some() {
        evidence::incident_mode(&a.common, &id, clock).await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn decide(a: DecideArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let mut dissent = Vec::new();
    for d in &a.dissent {
        let (person, text) = d.split_once(':').ok_or_else(|| anyhow!("--dissent \"{d}\": expected PERSON:TEXT"))?;
        dissent.push((person.to_string(), text.to_string()));
    }
    let cmd = Command::Decide {
        title: a.title,
        options: a.options,
        choice: a.choice,
        rationale: a.rationale,
        decided_by: a.decided_by,
        dissent,
        evidence: a.evidence,
        domain: a.domain,
    };
    record(&a.common, &a.id, clock, cmd).await
}

pub(crate) async fn load(store: &AnyStore, id: &str) -> Result<Incident> {
    match store::load(store, id).await {
        Ok(Some(inc)) => Ok(inc),
        Ok(None) => bail!("no incident {id} in this store (see `interlock incident list`)"),
        Err(e) => Err(anyhow!("{e}")),
    }
}

async fn list(a: ListArgs) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let mut rows = Vec::new();
    for h in store.incidents().await? {
        rows.push((h.id.clone(), store::load(&store, &h.id).await));
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, r)| match r {
                Ok(Some(inc)) => report::export::summary_json(inc),
                Ok(None) => serde_json::json!({ "id": id, "error": "vanished" }),
                Err(e) => serde_json::json!({ "id": id, "error": e.to_string() }),
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else if rows.is_empty() {
        writeln!(out, "no incidents yet (open one with `interlock incident open`)")?;
    } else {
        writeln!(out, "{:<20} {:<10} {:<9} {:<10} {:>6}  TITLE", "ID", "STATUS", "SEVERITY", "PHASE", "EVENTS")?;
        for (id, r) in &rows {
            match r {
                Ok(Some(inc)) => writeln!(
                    out,
                    "{:<20} {:<10} {:<9} {:<10} {:>6}  {}",
                    id,
                    inc.status.as_str(),
                    inc.severity.as_str(),
                    inc.phase.as_str(),
                    inc.seq(),
                    inc.opened.title
                )?,
                Ok(None) => {}
                Err(e) => writeln!(out, "{id:<20} DOES NOT VERIFY: {e}")?,
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn show(a: ShowArgs) -> Result<ExitCode> {
    let site = optional_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &report::export::incident_json(&inc))?;
        writeln!(out)?;
    } else {
        render::show(&inc, site.as_ref(), &mut out)?;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn timeline(a: TimelineArgs) -> Result<ExitCode> {
    let site = optional_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    let filter = ::incident::timeline::Filter {
        kinds: a.kinds,
        person: a.person,
        domain: a.domain,
        since: a.since,
        until: a.until,
    };
    let mut selected: Vec<&Event> = inc.events().iter().filter(|e| filter.matches(e)).collect();
    if a.by_occurrence {
        selected.sort_by_key(|e| (e.occurred_at().micros(), e.seq));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        let v: Vec<serde_json::Value> = selected.iter().map(|e| report::export::event_json(e, &inc)).collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        render::timeline(&inc, &selected, site.as_ref(), a.by_occurrence, &mut out)?;
    }
    out.flush()?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_key(path: &Path, what: &str) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the {what} {}", path.display()))?;
    Digest::parse(text.trim())
        .map(|d| d.0)
        .ok_or_else(|| anyhow!("{} is not an ed25519 {what}: expected 64 hex digits", path.display()))
}

async fn verify(a: VerifyArgs) -> Result<ExitCode> {
    use report::export::{CheckpointFile, check_checkpoints};
    let mut out = std::io::stdout().lock();
    let trusted = a.trust.as_deref().map(|p| read_key(p, "public key")).transpose()?;
    let mut files = Vec::new();
    for p in &a.checkpoints {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let (incident, checkpoint) =
            report::export::read_checkpoint(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?;
        files.push(CheckpointFile { label: p.display().to_string(), incident, checkpoint });
    }
    if let Some(path) = &a.export {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let checked = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| report::export::verify_offline(&v, &files, trusted.as_ref()));
        let checked = match checked {
            Ok(c) => c,
            Err(e) => {
                writeln!(out, "FAILED: {}: {e}", path.display())?;
                return Ok(ExitCode::from(1));
            }
        };
        if !checked.problems.is_empty() {
            for p in &checked.problems {
                writeln!(out, "FAILED: {}: {p}", path.display())?;
            }
            return Ok(ExitCode::from(1));
        }
        let e = &checked.export;
        writeln!(
            out,
            "ok: {} verifies offline: incident {}, {} events, head {}",
            path.display(),
            e.incident,
            e.events,
            e.head
        )?;
        if !files.is_empty() {
            writeln!(out, "ok: {} checkpoint file(s) match", files.len())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = open_store(&a.db).await?;
    let ids = if a.ids.is_empty() { store.incidents().await?.into_iter().map(|h| h.id).collect() } else { a.ids };
    let mut failed = 0;
    for id in &ids {
        match store::log::verify(&store, id).await {
            Ok(v) => {
                let problems = check_checkpoints(id, &v.hashes, &v.checkpoints, &files, trusted.as_ref());
                if problems.is_empty() {
                    let cps = if v.checkpoints.is_empty() {
                        String::new()
                    } else {
                        format!(", {} signed checkpoint(s)", v.checkpoints.len())
                    };
                    writeln!(out, "ok: {id}: {} events, head {}{cps}", v.seq, v.head)?;
                } else {
                    failed += 1;
                    for p in problems {
                        writeln!(out, "FAILED: incident {id}: {p}")?;
                    }
                }
            }
            Err(e) => {
                failed += 1;
                writeln!(out, "FAILED: {e}")?;
            }
        }
    }
    for f in &files {
        if !ids.contains(&f.incident) {
            failed += 1;
            writeln!(out, "FAILED: checkpoint {} is of incident {}, which was not verified", f.label, f.incident)?;
        }
    }
    writeln!(out, "{} verified, {failed} failed", ids.len().saturating_sub(failed))?;
    store.close().await;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn keygen(a: KeygenArgs) -> Result<ExitCode> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow!("no randomness from the operating system: {e}"))?;
    let public = ::incident::checkpoint::public_key(&secret);
    let pub_path = PathBuf::from(format!("{}.pub", a.out.display()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f =
        opts.open(&a.out).with_context(|| format!("cannot create {} (it is never overwritten)", a.out.display()))?;
    writeln!(f, "{}", Digest(secret).hex())?;
    f.sync_all()?;
    std::fs::write(&pub_path, format!("{}\n", Digest(public).hex()))
        .with_context(|| format!("cannot write {}", pub_path.display()))?;
    println!("wrote the secret key {} and the public key {}", a.out.display(), pub_path.display());
    println!("public key: {}", Digest(public).hex());
    Ok(ExitCode::SUCCESS)
}

/// Signs a head given on the command line, with nothing read but the key:
/// the checkpoint file a key holder hands to the server (or keeps).
fn sign(a: SignArgs) -> Result<ExitCode> {
    if !::incident::rules::valid_incident_id(&a.incident) {
        bail!("--incident: \"{}\" is not an incident id: 1-64 letters, digits, '-', '_' or '.'", a.incident);
    }
    let secret = read_key(&a.key, "secret key")?;
    let c = ::incident::checkpoint::sign(&secret, &a.incident, a.seq, a.head);
    let text = serde_json::to_string_pretty(&report::export::checkpoint_file(&a.incident, &c))? + "\n";
    if let Some(out) = &a.out {
        std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

async fn checkpoint(a: CheckpointArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let secret = read_key(&a.key, "secret key")?;
    let mut signed = None;
    write(&a.common, &a.id, clock, |inc, _| {
        let c = ::incident::checkpoint::sign(&secret, inc.id(), inc.seq(), inc.head());
        signed = Some(c);
        Ok(vec![Body::Checkpoint(c)])
    })
    .await?;
    let c = signed.ok_or_else(|| anyhow!("no checkpoint was signed"))?;
    let text = serde_json::to_string_pretty(&report::export::checkpoint_file(&a.id, &c))? + "\n";
    if let Some(out) = &a.out {
        std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

async fn export(a: ExportArgs) -> Result<ExitCode> {
    let site = optional_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let json_path = a.out.join(format!("{}.json", a.id));
    let md_path = a.out.join(format!("{}.md", a.id));
    let json = serde_json::to_string_pretty(&report::export::export_json(&inc))? + "\n";
    std::fs::write(&json_path, json).with_context(|| format!("cannot write {}", json_path.display()))?;
    std::fs::write(&md_path, report::export::markdown(&inc, site.as_ref()))
        .with_context(|| format!("cannot write {}", md_path.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} and {} ({} events, head {})",
        json_path.display(),
        md_path.display(),
        inc.seq(),
        inc.head()
    )?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
