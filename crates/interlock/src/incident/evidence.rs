//! `interlock work|vendor|evidence|correlate`: authorised work and vendor
//! access grants as site-level records with their history (in the store),
//! and observed activity imported as streams and judged against them.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use ::incident::{Body, Evidence, EvidenceSource, Timestamp};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use evidence::correlate::Decision;
use evidence::{Correlator, Format, Grant, GrantStatus, Verdict, WorkActivity, WorkOrder};
use serde_json::{Value, json};
use site_model::Site;
use store::{AnyStore, Record, Store};

use super::clock::Clock;
use super::{Common, Db, load_site, open_store, time, write};

const WORK: &str = "work";
use store::grants::GRANT;

#[derive(Subcommand, Debug)]
pub enum WorkCommand {
    /// Record a maintenance window or work order (a new revision when the id exists).
    Add(Box<WorkAddArgs>),
    /// The current work orders (latest revisions).
    List(ListArgs),
    /// Import work orders from CSV: id,title,assets,people,accounts,vendor,start,end,activities,supervisor
    /// (lists separated by ';'); every row is checked against the site, and nothing is written if one is bad.
    Import(ImportArgs),
}

#[derive(Subcommand, Debug)]
pub enum VendorCommand {
    /// Grant a vendor access: people or accounts, assets, pathway, window, MFA, supervisor, recording.
    Grant(Box<GrantArgs>),
    /// The current grants (latest revisions) and their status.
    List(ListArgs),
    /// Revoke a grant (a new revision; re-admission needs a new grant).
    Revoke(RevokeArgs),
    /// The session register: sessions from a session log, who is connected where, via which pathway, supervised or not.
    Sessions(SessionsArgs),
}

#[derive(Subcommand, Debug)]
pub enum EvidenceCommand {
    /// Import observed activity (zeek, suricata, sessions, csv) as a stream: bad lines reported by number,
    /// every activity judged against authorised work; with --incident, recorded as evidence.
    Import(EvidenceImportArgs),
}

#[derive(Args, Debug)]
pub struct WorkAddArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long)]
    id: String,
    #[arg(long)]
    title: String,
    #[arg(long = "asset", required = true)]
    assets: Vec<String>,
    #[arg(long = "person")]
    people: Vec<String>,
    #[arg(long = "account")]
    accounts: Vec<String>,
    #[arg(long)]
    vendor: Option<String>,
    #[arg(long, value_parser = time)]
    start: Timestamp,
    #[arg(long, value_parser = time)]
    end: Timestamp,
    /// logic-download, firmware-update, config-change, remote-session, patching, maintenance (repeat).
    #[arg(long = "activity", required = true, value_parser = activity)]
    activities: Vec<WorkActivity>,
    #[arg(long)]
    supervisor: Option<String>,
    #[arg(long, default_value = "planned work")]
    reason: String,
    /// Print what was recorded as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    common: Common,
    file: PathBuf,
    /// Print what was recorded as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct GrantArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long)]
    id: String,
    #[arg(long)]
    vendor: String,
    #[arg(long = "asset", required = true)]
    assets: Vec<String>,
    #[arg(long = "person")]
    people: Vec<String>,
    #[arg(long = "account")]
    accounts: Vec<String>,
    /// VENDOR/PATHWAY.
    #[arg(long)]
    pathway: Option<String>,
    #[arg(long, value_parser = time)]
    start: Timestamp,
    #[arg(long, value_parser = time)]
    end: Timestamp,
    #[arg(long)]
    mfa: bool,
    #[arg(long)]
    supervisor: Option<String>,
    #[arg(long)]
    recording: bool,
    /// The work it covers is safety-critical.
    #[arg(long)]
    safety_critical: bool,
    #[arg(long, default_value = "vendor support")]
    reason: String,
    /// Re-admission after a revocation: who approved it (a holder of a role the authority matrix
    /// requires for revoking this vendor's access; not the person recording).
    #[arg(long)]
    approved_by: Option<String>,
    /// Print what was recorded as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    reason: String,
    /// Print what was recorded as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct SessionsArgs {
    #[command(flatten)]
    common: Common,
    /// A remote-access session log (JSON lines).
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct EvidenceImportArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_parser = format)]
    format: Format,
    file: PathBuf,
    /// Record the import as evidence of this incident (its hash, the verdict counts, the assets concerned).
    #[arg(long)]
    incident: Option<String>,
    /// Print every activity's verdict (JSON lines with --json).
    #[arg(long)]
    each: bool,
    #[arg(long)]
    json: bool,
    /// How many bad lines to list (all are counted).
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
    /// With --incident: link the evidence to a hypothesis (its event number) as supporting it.
    #[arg(long, requires = "incident", conflicts_with = "refutes")]
    supports: Option<u64>,
    /// With --incident: link the evidence to a hypothesis as evidence against it.
    #[arg(long, requires = "incident")]
    refutes: Option<u64>,
    /// Write the flows no dependency explains as proposed `[[dependency]]` tables to FILE.toml,
    /// for a person to review (never written into the site model).
    #[arg(long, value_name = "FILE.toml")]
    proposals: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CorrelateArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_parser = format)]
    format: Format,
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

fn activity(s: &str) -> Result<WorkActivity, String> {
    WorkActivity::parse(s).ok_or_else(|| {
        let words: Vec<&str> = WorkActivity::ALL.iter().map(|a| a.as_str()).collect();
        format!("\"{s}\" is not an activity; expected one of {}", words.join(", "))
    })
}

fn format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("\"{s}\" is not a format; expected zeek, suricata, sessions or csv"))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub fn run_work(cmd: WorkCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            WorkCommand::Add(a) => {
                let w = WorkOrder {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    assets: a.assets.clone(),
                    people: a.people.clone(),
                    accounts: a.accounts.clone(),
                    vendor: a.vendor.clone(),
                    start: a.start.micros(),
                    end: a.end.micros(),
                    activities: a.activities.clone(),
                    supervisor: a.supervisor.clone(),
                    cancelled: false,
                };
                put((&a.common, a.json), &*clock, WORK, &w.id.clone(), &a.reason, |site| {
                    w.check(site)?;
                    Ok(serde_json::to_string(&w)?)
                })
                .await
            }
            WorkCommand::List(a) => list(&a, WORK).await,
            WorkCommand::Import(a) => import_work(&a, &*clock).await,
        }
    })
}

pub fn run_vendor(cmd: VendorCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            VendorCommand::Grant(a) => {
                readmission(&a).await?;
                let g = Grant {
                    id: a.id.clone(),
                    vendor: a.vendor.clone(),
                    people: a.people.clone(),
                    accounts: a.accounts.clone(),
                    assets: a.assets.clone(),
                    pathway: a.pathway.clone(),
                    start: a.start.micros(),
                    end: a.end.micros(),
                    mfa: a.mfa,
                    supervisor: a.supervisor.clone(),
                    recording: a.recording,
                    safety_critical: a.safety_critical,
                    status: GrantStatus::Active,
                    status_reason: a.approved_by.as_ref().map(|p| format!("re-admitted with the approval of {p}")),
                };
                put((&a.common, a.json), &*clock, GRANT, &g.id.clone(), &a.reason, |site| {
                    g.check(site)?;
                    Ok(serde_json::to_string(&g)?)
                })
                .await
            }
            VendorCommand::List(a) => list(&a, GRANT).await,
            VendorCommand::Revoke(a) => {
                let store = open_store(&a.common.db).await?;
                let latest = store.record_history(GRANT, &a.id).await?.pop();
                store.close().await;
                let Some(latest) = latest else { bail!("no grant {} (see `interlock vendor list`)", a.id) };
                let mut g: Grant = serde_json::from_str(&latest.body)?;
                if g.status == GrantStatus::Revoked {
                    bail!("grant {} is already revoked", a.id);
                }
                g.status = GrantStatus::Revoked;
                g.status_reason = Some(a.reason.clone());
                put((&a.common, a.json), &*clock, GRANT, &a.id, &a.reason, |_| Ok(serde_json::to_string(&g)?)).await
            }
            VendorCommand::Sessions(a) => sessions(&a, &*clock).await,
        }
    })
}

pub fn run_evidence(cmd: EvidenceCommand) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    runtime()?.block_on(async {
        match cmd {
            EvidenceCommand::Import(a) => import_evidence(&a, &*clock).await,
        }
    })
}

pub fn run_correlate(a: CorrelateArgs) -> Result<ExitCode> {
    let clock = super::clock::from_env()?;
    let args = EvidenceImportArgs {
        common: a.common,
        format: a.format,
        file: a.file,
        incident: None,
        each: true,
        json: a.json,
        max_errors: 20,
        supports: None,
        refutes: None,
        proposals: None,
    };
    runtime()?.block_on(import_evidence(&args, &*clock))
}

/// Writes the next revision of a record, built and checked by `make` against the site.
async fn put(
    (common, json): (&Common, bool),
    clock: &dyn Clock,
    kind: &str,
    id: &str,
    reason: &str,
    make: impl FnOnce(&Site) -> Result<String>,
) -> Result<ExitCode> {
    let site = load_site(common.who.site.as_deref())?;
    let actor = super::actor(&common.who)?.to_string();
    if site.person_by_id(&actor).is_none() {
        bail!("{actor} is not a person of the site model");
    }
    let body = make(&site).map_err(|e| anyhow!("refused, nothing written: {e:#}"))?;
    let store = open_store(&common.db).await?;
    let rev = store.record_history(kind, id).await?.last().map(|r| r.rev).unwrap_or(0) + 1;
    let r = Record {
        kind: kind.into(),
        id: id.into(),
        rev,
        recorded_at: clock.now().micros(),
        actor,
        reason: reason.into(),
        body,
    };
    let result = store.put_record(&r).await;
    store.close().await;
    result.map_err(|e| anyhow!("refused, nothing written: {e}"))?;
    if json {
        println!("{}", json!({"kind": kind, "id": id, "rev": rev}));
    } else {
        println!("{kind} {id} revision {rev} recorded");
    }
    Ok(ExitCode::SUCCESS)
}

async fn register(store: &AnyStore) -> Result<(Vec<WorkOrder>, Vec<Grant>)> {
    let work = store
        .records(WORK)
        .await?
        .iter()
        .map(|r| serde_json::from_str(&r.body).with_context(|| format!("work {} revision {}", r.id, r.rev)))
        .collect::<Result<Vec<WorkOrder>>>()?;
    let grants = store
        .records(GRANT)
        .await?
        .iter()
        .map(|r| serde_json::from_str(&r.body).with_context(|| format!("grant {} revision {}", r.id, r.rev)))
        .collect::<Result<Vec<Grant>>>()?;
    Ok((work, grants))
}

async fn list(a: &ListArgs, kind: &str) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let records = store.records(kind).await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = records
            .iter()
            .map(|r| {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                json!({"id": r.id, "rev": r.rev, "recorded_at": fmt(r.recorded_at), "by": r.actor, "reason": r.reason, kind: body})
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        writeln!(out, "no {kind} records")?;
    }
    for r in &records {
        match kind {
            WORK => {
                let w: WorkOrder = serde_json::from_str(&r.body)?;
                let acts: Vec<&str> = w.activities.iter().map(|a| a.as_str()).collect();
                writeln!(
                    out,
                    "{} (rev {}) {}: {} to {}, {} [{}]{}",
                    w.id,
                    r.rev,
                    w.title,
                    fmt(w.start),
                    fmt(w.end),
                    w.assets.join(", "),
                    acts.join(", "),
                    if w.cancelled { " CANCELLED" } else { "" }
                )?;
            }
            _ => {
                let g: Grant = serde_json::from_str(&r.body)?;
                writeln!(
                    out,
                    "{} (rev {}) {} {}: {} to {}, {}; supervisor {}, recording {}, MFA {}{}",
                    g.id,
                    r.rev,
                    g.vendor,
                    g.status.as_str().to_uppercase(),
                    fmt(g.start),
                    fmt(g.end),
                    g.assets.join(", "),
                    g.supervisor.as_deref().unwrap_or("none"),
                    if g.recording { "yes" } else { "no" },
                    if g.mfa { "yes" } else { "no" },
                    g.status_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fmt(micros: i64) -> String {
    evidence::correlate::fmt_time(micros)
}

async fn import_work(a: &ImportArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let actor = super::actor(&a.common.who)?.to_string();
    let file = std::fs::File::open(&a.file).with_context(|| format!("cannot open {}", a.file.display()))?;
    let name = a.file.display().to_string();
    let mut orders = Vec::new();
    let mut errors = Vec::new();
    for row in evidence::parse::csv_records(std::io::BufReader::new(file))
        .skip_while(|r| r.as_ref().is_ok_and(|(_, f)| f.first().is_some_and(|x| x.trim() == "id")))
    {
        match row.and_then(|(line, fields)| work_from_row(line, &fields).map(|w| (line, w))) {
            Ok((line, w)) => match w.check(&site) {
                Ok(()) => orders.push(w),
                Err(e) => errors.push(format!("{name}:{line}: {e}")),
            },
            Err(e) => errors.push(format!("{name}:{}: {}", e.line, e.reason)),
        }
    }
    if !errors.is_empty() {
        for e in errors.iter().take(20) {
            eprintln!("{e}");
        }
        bail!("{} bad row(s) in {name}; nothing written", errors.len());
    }
    let store = open_store(&a.common.db).await?;
    let now = clock.now().micros();
    for w in &orders {
        let rev = store.record_history(WORK, &w.id).await?.last().map(|r| r.rev).unwrap_or(0) + 1;
        let r = Record {
            kind: WORK.into(),
            id: w.id.clone(),
            rev,
            recorded_at: now,
            actor: actor.clone(),
            reason: format!("imported from {name}"),
            body: serde_json::to_string(w)?,
        };
        store.put_record(&r).await?;
    }
    store.close().await;
    if a.json {
        let ids: Vec<&str> = orders.iter().map(|w| w.id.as_str()).collect();
        println!("{}", json!({"imported": orders.len(), "ids": ids, "file": name}));
    } else {
        println!("imported {} work order(s) from {name}", orders.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// One CSV row of work: id,title,assets,people,accounts,vendor,start,end,activities,supervisor.
fn work_from_row(line: u64, f: &[String]) -> Result<WorkOrder, evidence::LineError> {
    let err = |reason: String| evidence::LineError { line, reason };
    if f.len() != 10 {
        return Err(err(format!(
            "{} fields; expected 10: id,title,assets,people,accounts,vendor,start,end,activities,supervisor",
            f.len()
        )));
    }
    let list = |s: &str| s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect::<Vec<_>>();
    let opt = |s: &str| if s.trim().is_empty() { None } else { Some(s.trim().to_string()) };
    let when = |field: &str, s: &str| {
        Timestamp::parse(s.trim()).map(|t| t.micros()).map_err(|e| err(format!("field {field}: {e}")))
    };
    let activities = list(&f[8])
        .iter()
        .map(|a| activity(a).map_err(|e| err(format!("field activities: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WorkOrder {
        id: f[0].trim().into(),
        title: f[1].trim().into(),
        assets: list(&f[2]),
        people: list(&f[3]),
        accounts: list(&f[4]),
        vendor: opt(&f[5]),
        start: when("start", &f[6])?,
        end: when("end", &f[7])?,
        activities,
        supervisor: opt(&f[9]),
        cancelled: false,
    })
}

fn progress(len: u64) -> indicatif::ProgressBar {
    if len < 8 << 20 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "reading {wide_bar:.cyan/blue} {binary_bytes}/{binary_total_bytes}, {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Counts of an import.
#[derive(Default)]
struct Tally {
    good: u64,
    bad: u64,
    errors: Vec<String>,
    verdicts: [u64; 4],
    control: u64,
    /// Assets with unauthorised or unknown activity.
    concerned: std::collections::BTreeSet<String>,
    /// Flows between assets no dependency explains: (src, dst, port) -> count.
    undocumented: std::collections::BTreeMap<(String, String, u16), u64>,
}

async fn import_evidence(a: &EvidenceImportArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let (work, grants) = register(&store).await?;
    store.close().await;
    let c = Correlator::new(&site, &work, &grants);
    let file = std::fs::File::open(&a.file).with_context(|| format!("cannot open {}", a.file.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress(len);
    let reader: Box<dyn BufRead> = Box::new(std::io::BufReader::with_capacity(1 << 20, bar.wrap_read(file)));
    let name = a.file.display().to_string();
    let mut t = Tally::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for r in evidence::parse::read(a.format, reader) {
        match r {
            Err(e) => {
                t.bad += 1;
                if t.errors.len() < a.max_errors {
                    t.errors.push(format!("{name}:{}: {}", e.line, e.reason));
                }
            }
            Ok(act) => {
                t.good += 1;
                t.control += act.changes_control as u64;
                let d = c.classify(&act);
                note(&site, &c, &act, &d, &mut t);
                if a.each {
                    each(&mut out, &site, &act, &d, &c.explain(&act, &d), a.json)?;
                }
            }
        }
    }
    bar.finish_and_clear();
    let digest = super::hash_file(&a.file)?;
    if a.each && a.json {
        // JSON lines on stdout stay JSON lines: the summary goes to stderr.
        summary(&mut std::io::stderr().lock(), &name, &t, false, &digest)?;
    } else {
        summary(&mut out, &name, &t, a.json, &digest)?;
    }
    out.flush()?;
    drop(out);
    if let Some(id) = &a.incident {
        let concerned: Vec<Box<str>> = t.concerned.iter().take(256).map(|s| s.as_str().into()).collect();
        let description = format!(
            "{} activities ({} bad lines): {} authorised, {} partially authorised, {} unauthorised, {} unknown; {} control changes",
            t.good, t.bad, t.verdicts[0], t.verdicts[1], t.verdicts[2], t.verdicts[3], t.control
        );
        let title = format!(
            "{} import: {}",
            a.format.as_str(),
            a.file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default()
        );
        let location = Some(name.as_str().into());
        let link = a.supports.map(|h| (h, true)).or(a.refutes.map(|h| (h, false)));
        write(&a.common, id, clock, move |inc, w| {
            let mut bodies = vec![Body::EvidenceCollected(Evidence {
                title: title.as_str().into(),
                source: match a.format {
                    Format::Zeek => EvidenceSource::NetworkCapture,
                    Format::Suricata => EvidenceSource::Alert,
                    Format::Sessions => EvidenceSource::SessionRecord,
                    Format::Csv => EvidenceSource::Log,
                },
                sha256: Some(digest),
                location: location.clone(),
                collected_by: w.actor.into(),
                collected_at: w.now,
                assets: concerned.clone(),
                description: Some(description.as_str().into()),
            })];
            // The evidence is the next event; the hypothesis update links it.
            if let Some((h, supports)) = link {
                let status = inc
                    .hypotheses
                    .get(&h)
                    .map(|x| x.status)
                    .ok_or_else(|| anyhow!("#{h} is not a hypothesis of {}", inc.id()))?;
                let ev = inc.seq() + 1;
                bodies.push(Body::HypothesisUpdated(::incident::HypothesisUpdate {
                    hypothesis: h,
                    status,
                    evidence_for: if supports { vec![ev] } else { vec![] },
                    evidence_against: if supports { vec![] } else { vec![ev] },
                    reason: format!("{} import: {description}", a.format.as_str()).into(),
                }));
            }
            Ok(bodies)
        })
        .await?;
    }
    if let Some(path) = &a.proposals {
        write_proposals(path, &name, a.format, &t, clock)?;
        println!("proposed dependencies written to {} (review them; nothing was added to the site)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The dependency kind a port suggests, for a proposal a person reviews.
fn kind_for_port(port: u16) -> (&'static str, bool) {
    if evidence::protocol::by_port(None, port).is_some()
        || evidence::protocol::by_port(Some(evidence::Transport::Udp), port).is_some()
    {
        return ("control", true);
    }
    match port {
        514 | 6514 | 5044 | 9997 => ("logging", true),
        123 => ("time", true),
        53 => ("name-resolution", true),
        88 | 389 | 636 | 445 | 464 | 3268 | 3269 => ("authentication", true),
        3389 | 22 | 5900 | 5938 => ("remote-access", true),
        5450 | 5457 | 5459 => ("historian", true),
        _ => ("business-data", false),
    }
}

/// Writes the undocumented flows as `[[dependency]]` tables, commented for review.
fn write_proposals(path: &std::path::Path, source: &str, format: Format, t: &Tally, clock: &dyn Clock) -> Result<()> {
    let mut out = String::new();
    out.push_str(&format!(
        "# Dependencies observed in {source} that the site model does not explain.\n# Proposed by `interlock evidence import` at {}: review each, fix its kind and direction, and only then\n# move it into the site model. Nothing here is loaded until a person does.\n",
        clock.now()
    ));
    let mut flows: Vec<(&(String, String, u16), &u64)> = t.undocumented.iter().collect();
    flows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for ((src, dst, port), n) in flows {
        // A remote-access session log's flows are remote access.
        let (kind, sure) = if format == Format::Sessions { ("remote-access", true) } else { kind_for_port(*port) };
        out.push_str("\n[[dependency]]\n");
        out.push_str(&format!("consumer = \"{src}\"\nprovider = \"{dst}\"\nkind = \"{kind}\"\n"));
        let how = if *port == 0 { String::new() } else { format!(" on port {port}") };
        let guess = if sure { "" } else { "; the kind is a guess: check it" };
        out.push_str(&format!("description = \"{n} flow(s){how} seen in {}{guess}\"\n", source.replace('"', "'")));
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

fn note(site: &Site, c: &Correlator<'_>, act: &evidence::Activity, j: &Decision, t: &mut Tally) {
    let k = j.rank();
    t.verdicts[k] += 1;
    if k >= 2 {
        for a in [j.src, j.dst].into_iter().flatten() {
            if t.concerned.len() < 10_000 {
                t.concerned.insert(site.asset(a).id.to_string());
            }
        }
    }
    if let (Some(s), Some(d)) = (j.src, j.dst)
        && !c.documented(s, d)
        && (t.undocumented.len() < 100_000)
    {
        let key = (site.asset(s).id.to_string(), site.asset(d).id.to_string(), act.dst_port.unwrap_or(0));
        *t.undocumented.entry(key).or_insert(0) += 1;
    }
}

fn each(
    out: &mut dyn Write,
    site: &Site,
    act: &evidence::Activity,
    j: &Decision,
    verdict: &Verdict,
    json: bool,
) -> Result<()> {
    let id = |a: Option<site_model::AssetIx>| a.map(|a| site.asset(a).id.to_string());
    if json {
        let v = json!({
            "line": act.line,
            "start": fmt(act.start),
            "src": act.src, "dst": act.dst, "dst_port": act.dst_port,
            "src_asset": id(j.src), "dst_asset": id(j.dst),
            "user": act.user,
            "protocol": act.protocol.map(|(p, _)| p.as_str()),
            "operation": act.operation,
            "changes_control": act.changes_control,
            "verdict": verdict.word(),
            "explanation": verdict.explain(),
        });
        serde_json::to_writer(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "line {} {} {} -> {}{}: {}",
            act.line,
            fmt(act.start),
            id(j.src).or_else(|| act.src.as_deref().map(String::from)).unwrap_or_else(|| "?".into()),
            id(j.dst).or_else(|| act.dst.as_deref().map(String::from)).unwrap_or_else(|| "?".into()),
            act.user.as_deref().map(|u| format!(" as {u}")).unwrap_or_default(),
            verdict.explain()
        )?;
    }
    Ok(())
}

fn summary(out: &mut dyn Write, name: &str, t: &Tally, json: bool, digest: &::incident::Digest) -> Result<()> {
    let undocumented: Vec<(&(String, String, u16), &u64)> = {
        let mut v: Vec<_> = t.undocumented.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.truncate(20);
        v
    };
    if json {
        let v = json!({
            "file": name,
            "sha256": digest.to_string(),
            "activities": t.good,
            "bad_lines": t.bad,
            "errors": t.errors,
            "authorised": t.verdicts[0],
            "partially_authorised": t.verdicts[1],
            "unauthorised": t.verdicts[2],
            "unknown": t.verdicts[3],
            "control_changes": t.control,
            "concerned_assets": t.concerned,
            "undocumented_flows": undocumented.iter().map(|((s, d, p), n)| json!({"src": s, "dst": d, "port": p, "count": n})).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    for e in &t.errors {
        writeln!(out, "{e}")?;
    }
    if t.bad as usize > t.errors.len() {
        writeln!(out, "... and {} more bad lines", t.bad as usize - t.errors.len())?;
    }
    writeln!(
        out,
        "{name}: {} activities, {} bad lines; {} authorised, {} partially authorised, {} unauthorised, {} unknown; {} control changes",
        t.good, t.bad, t.verdicts[0], t.verdicts[1], t.verdicts[2], t.verdicts[3], t.control
    )?;
    if !undocumented.is_empty() {
        writeln!(out, "flows no dependency of the site model explains (proposed additions, for review):")?;
        for ((s, d, p), n) in undocumented {
            let port = if *p == 0 { String::new() } else { format!(" port {p}") };
            writeln!(out, "  {s} -> {d}{port}: {n} flow(s)")?;
        }
    }
    Ok(())
}

async fn sessions(a: &SessionsArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let (work, grants) = register(&store).await?;
    store.close().await;
    let c = Correlator::new(&site, &work, &grants);
    let now = clock.now().micros();
    let file = std::fs::File::open(&a.file).with_context(|| format!("cannot open {}", a.file.display()))?;
    let reader: Box<dyn BufRead> = Box::new(std::io::BufReader::new(file));
    let mut live = Vec::new();
    for act in evidence::parse::read(Format::Sessions, reader).flatten() {
        let open = act.start <= now && act.end.is_none_or(|e| e > now);
        if !open {
            continue;
        }
        let j = c.judge(&act);
        let grant = grants.iter().find(|g| matches!(&j.verdict, Verdict::Authorised { by } | Verdict::Partial { by, .. } if *by == format!("vendor grant {}", g.id)));
        live.push((act, j, grant.map(|g| (g.id.clone(), g.supervisor.clone(), g.recording))));
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = live
            .iter()
            .map(|(act, j, g)| {
                json!({
                    "user": act.user, "from": act.src, "to": act.dst, "pathway": act.pathway,
                    "since": fmt(act.start),
                    "asset": j.dst.map(|d| site.asset(d).id.to_string()),
                    "grant": g.as_ref().map(|g| g.0.clone()),
                    "supervised_by": g.as_ref().and_then(|g| g.1.clone()),
                    "recorded": g.as_ref().is_some_and(|g| g.2),
                    "verdict": j.verdict.word(),
                    "explanation": j.verdict.explain(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} live session(s) at {}", live.len(), fmt(now))?;
    for (act, j, g) in &live {
        writeln!(
            out,
            "  {} from {} to {} via {} since {}: {}; {}",
            act.user.as_deref().unwrap_or("?"),
            act.src.as_deref().unwrap_or("?"),
            j.dst
                .map(|d| site.asset(d).id.to_string())
                .or_else(|| act.dst.as_deref().map(String::from))
                .unwrap_or_default(),
            act.pathway.as_deref().unwrap_or("?"),
            fmt(act.start),
            match g {
                Some((_, Some(s), rec)) =>
                    format!("supervised by {s}{}", if *rec { ", recorded" } else { ", NOT recorded" }),
                Some((_, None, _)) => "UNSUPERVISED".into(),
                None => "no grant".into(),
            },
            j.verdict.explain()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Declaring an incident puts vendor access in incident mode: every grant in
/// force is suspended unless it is safety-critical, supervised and recorded
/// (`store::grants::declare_incident`, shared with the server).
pub(crate) async fn incident_mode(common: &Common, incident: &str, clock: &dyn Clock) -> Result<()> {
    let actor = super::actor(&common.who)?.to_string();
    let store = open_store(&common.db).await?;
    let r = store::grants::declare_incident(&store, incident, &actor, clock.now().micros()).await;
    store.close().await;
    for d in r? {
        match d {
            store::grants::Declared::Continues { grant, supervisor } => eprintln!(
                "vendor policy: grant {grant} continues (safety-critical; supervised by {}, recorded)",
                supervisor.as_deref().unwrap_or("?")
            ),
            store::grants::Declared::Suspended { grant, reason } => eprintln!("vendor policy: grant {grant} {reason}"),
        }
    }
    Ok(())
}

/// After a `revoke-vendor-access` action is executed: every grant it covers
/// (the vendor's, the pathway's, or those reaching into the zone) is revoked,
/// a new revision naming the action (`store::grants`, shared with the server).
pub(crate) async fn revoke_for_action(
    common: &Common,
    site: &Site,
    action: &impact::Action,
    why: &str,
    clock: &dyn Clock,
) -> Result<Vec<String>> {
    if action.effect != site_model::Effect::RevokeVendorAccess {
        return Ok(Vec::new());
    }
    let graph = impact::Graph::compile(site);
    let actor = super::actor(&common.who)?.to_string();
    let store = open_store(&common.db).await?;
    let revoked =
        store::grants::revoke_for_action(&store, site, &graph, action, &actor, why, clock.now().micros()).await;
    store.close().await;
    Ok(revoked?)
}

/// A vendor whose access was revoked is re-admitted only with a fresh
/// approval: by someone other than the person recording, holding a role the
/// authority matrix requires to approve revoking that vendor's access.
async fn readmission(a: &GrantArgs) -> Result<()> {
    let store = open_store(&a.common.db).await?;
    let grants = store.records(GRANT).await?;
    store.close().await;
    let grants: Vec<Grant> = grants.iter().filter_map(|r| serde_json::from_str::<Grant>(&r.body).ok()).collect();
    let revoked: Vec<String> =
        evidence::work::revoked_grants(&grants, &a.vendor).iter().map(|g| g.id.clone()).collect();
    if revoked.is_empty() {
        return Ok(());
    }
    let site = load_site(a.common.who.site.as_deref())?;
    let graph = impact::Graph::compile(&site);
    let engine = ::authority::Engine { site: &site, graph: &graph };
    let asm = engine.assess(&format!("revoke-vendor-access vendor:{}", a.vendor), site_model::PhaseWord::Recover)?;
    let roles = asm.requirement.approver_roles();
    let Some(approver) = &a.approved_by else {
        bail!(
            "refused, nothing written: {}'s access was revoked ({}); re-admission needs a fresh approval: --approved-by a holder of {}",
            a.vendor,
            revoked.join(", "),
            roles.join(" or ")
        );
    };
    let actor = super::actor(&a.common.who)?;
    if approver == actor {
        bail!(
            "refused, nothing written: the approval of a re-admission is given by someone other than the person recording it"
        );
    }
    if ::authority::site_roles_of(&site, approver, roles.iter().copied()).is_empty() {
        bail!(
            "refused, nothing written: {approver} holds none of {}, whose approval re-admits {}",
            roles.join(", "),
            a.vendor
        );
    }
    Ok(())
}
