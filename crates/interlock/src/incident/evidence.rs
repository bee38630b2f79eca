//! `interlock work|vendor|evidence|correlate`: authorised work and vendor
//! access grants as site-level records with their history (in the store),
//! and observed activity imported as streams and judged against them.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use ::incident::Timestamp;
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use evidence::import::{Judgement, Tally};
use evidence::{Correlator, Format, Grant, GrantStatus, WorkActivity, WorkOrder};
use serde_json::{Value, json};
use site_model::Site;
use store::records::{self, GRANT, Readmission, RecordsError, WORK};
use store::{AnyStore, Store};

use super::clock::Clock;
use super::{Common, Db, load_site, open_store, time, write};

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
    records::activity(s)
}

fn format(s: &str) -> Result<Format, String> {
    records::format(s)
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
                let site = load_site(a.common.who.site.as_deref())?;
                let actor = super::actor(&a.common.who)?;
                let store = open_store(&a.common.db).await?;
                let r = records::put_work(&store, &site, &w, actor, &a.reason, clock.now().micros()).await;
                store.close().await;
                recorded(r, a.json)
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
                    status_reason: None,
                };
                let site = load_site(a.common.who.site.as_deref())?;
                let actor = super::actor(&a.common.who)?;
                let store = open_store(&a.common.db).await?;
                let now = clock.now().micros();
                let r =
                    records::put_grant(&store, &site, None, g, a.approved_by.as_deref(), actor, &a.reason, now).await;
                store.close().await;
                recorded(r, a.json)
            }
            VendorCommand::List(a) => list(&a, GRANT).await,
            VendorCommand::Revoke(a) => {
                let actor = super::actor(&a.common.who)?;
                let store = open_store(&a.common.db).await?;
                let r = records::revoke_grant(&store, &a.id, actor, &a.reason, clock.now().micros()).await;
                store.close().await;
                match r {
                    Err(RecordsError::NoSuchRecord { id, .. }) => {
                        bail!("no grant {id} (see `interlock vendor list`)")
                    }
                    Err(e @ RecordsError::AlreadyRevoked(_)) => bail!("{e}"),
                    r => recorded(r, a.json),
                }
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

/// A refusal of the shared records code in the CLI's words.
fn refused(e: RecordsError) -> anyhow::Error {
    match e {
        RecordsError::Readmission(Readmission::NeedsApproval { vendor, revoked, roles }) => anyhow!(
            "refused, nothing written: {vendor}'s access was revoked ({}); re-admission needs a fresh approval: --approved-by a holder of {}",
            revoked.join(", "),
            roles.join(" or ")
        ),
        e => anyhow!("refused, nothing written: {e}"),
    }
}

/// Prints what a revision recorded (or says why it was refused).
fn recorded(r: Result<records::Revision, RecordsError>, json: bool) -> Result<ExitCode> {
    let r = r.map_err(refused)?;
    if json {
        println!("{}", json!({"kind": r.kind, "id": r.id, "rev": r.rev}));
    } else {
        println!("{} {} revision {} recorded", r.kind, r.id, r.rev);
    }
    Ok(ExitCode::SUCCESS)
}

async fn register(store: &AnyStore) -> Result<(Vec<WorkOrder>, Vec<Grant>)> {
    Ok(records::register(store).await?)
}

async fn list(a: &ListArgs, kind: &str) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let records = store.records(kind).await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = records.iter().map(|r| records::Listed::new(r).to_json(kind)).collect();
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
                let w = records::read_work(r)?;
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
                let g = records::read_grant(r)?;
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
    let orders = match records::read_work_csv(&site, std::io::BufReader::new(file)) {
        Ok(orders) => orders,
        Err(RecordsError::BadRows(errors)) => {
            for e in errors.iter().take(20) {
                eprintln!("{name}:{}: {}", e.line, e.reason);
            }
            bail!("{} bad row(s) in {name}; nothing written", errors.len());
        }
        Err(e) => return Err(refused(e)),
    };
    let store = open_store(&a.common.db).await?;
    let r =
        records::import_work(&store, &site, &orders, &actor, &format!("imported from {name}"), clock.now().micros())
            .await;
    store.close().await;
    let written = r.map_err(refused)?;
    if a.json {
        let ids: Vec<&str> = written.iter().map(|w| w.id.as_str()).collect();
        println!("{}", json!({"imported": written.len(), "ids": ids, "file": name}));
    } else {
        println!("imported {} work order(s) from {name}", written.len());
    }
    Ok(ExitCode::SUCCESS)
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let t = evidence::import::judge(&site, &c, a.format, reader, a.max_errors, |act, d| {
        if a.each { each(&mut out, &Judgement::new(&site, act, d, &c.explain(act, d)), a.json) } else { Ok(()) }
    })?;
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
        let file_name = a.file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let link = a
            .supports
            .map(|h| records::Link { hypothesis: h, supports: true })
            .or(a.refutes.map(|h| records::Link { hypothesis: h, supports: false }));
        let import = records::EvidenceImport {
            format: a.format,
            name: &file_name,
            location: Some(&name),
            sha256: digest,
            tally: &t,
            link,
        };
        write(&a.common, id, clock, |inc, w| Ok(records::evidence_bodies(inc, &import, w.actor, w.now)?)).await?;
    }
    if let Some(path) = &a.proposals {
        write_proposals(path, &name, a.format, &t, clock)?;
        println!("proposed dependencies written to {} (review them; nothing was added to the site)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the undocumented flows as `[[dependency]]` tables, commented for review.
fn write_proposals(path: &std::path::Path, source: &str, format: Format, t: &Tally, clock: &dyn Clock) -> Result<()> {
    let text = evidence::import::proposals_toml(source, format, t, &clock.now().to_string());
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn each(out: &mut dyn Write, j: &Judgement, json: bool) -> Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &serde_json::to_value(j)?)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "line {} {} {} -> {}{}: {}",
            j.line,
            j.start,
            j.src_asset.as_deref().or(j.src.as_deref()).unwrap_or("?"),
            j.dst_asset.as_deref().or(j.dst.as_deref()).unwrap_or("?"),
            j.user.as_deref().map(|u| format!(" as {u}")).unwrap_or_default(),
            j.explanation
        )?;
    }
    Ok(())
}

fn summary(out: &mut dyn Write, name: &str, t: &Tally, json: bool, digest: &::incident::Digest) -> Result<()> {
    let s = t.summary(name, &digest.to_string());
    if json {
        // Through a `Value`: the keys in the order the CLI has always printed them (sorted).
        serde_json::to_writer_pretty(&mut *out, &serde_json::to_value(&s)?)?;
        writeln!(out)?;
        return Ok(());
    }
    for e in &s.errors {
        writeln!(out, "{e}")?;
    }
    if t.bad as usize > s.errors.len() {
        writeln!(out, "... and {} more bad lines", t.bad as usize - s.errors.len())?;
    }
    writeln!(
        out,
        "{name}: {} activities, {} bad lines; {} authorised, {} partially authorised, {} unauthorised, {} unknown; {} control changes",
        t.good, t.bad, t.verdicts[0], t.verdicts[1], t.verdicts[2], t.verdicts[3], t.control
    )?;
    if !s.undocumented_flows.is_empty() {
        writeln!(out, "flows no dependency of the site model explains (proposed additions, for review):")?;
        for f in &s.undocumented_flows {
            let port = if f.port == 0 { String::new() } else { format!(" port {}", f.port) };
            writeln!(out, "  {} -> {}{port}: {} flow(s)", f.src, f.dst, f.count)?;
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
    let (live, bad) = evidence::import::live_sessions(&site, &c, &grants, reader, now);
    for e in &bad {
        eprintln!("{}:{}: {} (not in the register)", a.file.display(), e.line, e.reason);
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = live.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} live session(s) at {}", live.len(), fmt(now))?;
    for s in &live {
        writeln!(
            out,
            "  {} from {} to {} via {} since {}: {}; {}",
            s.user.as_deref().unwrap_or("?"),
            s.from.as_deref().unwrap_or("?"),
            s.asset.as_deref().or(s.to.as_deref()).unwrap_or_default(),
            s.pathway.as_deref().unwrap_or("?"),
            s.since,
            match (&s.grant, &s.supervised_by) {
                (Some(_), Some(sup)) =>
                    format!("supervised by {sup}{}", if s.recorded { ", recorded" } else { ", NOT recorded" }),
                (Some(_), None) => "UNSUPERVISED".into(),
                (None, _) => "no grant".into(),
            },
            s.explanation
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
