//! `interlock integrity status|suspect|record`: monitoring integrity in
//! doubt. When the view of a process is in question or compromised (a
//! situation assessment) or a hypothesis of manipulated view is not refuted,
//! its displays, historians and alarm sources are untrusted; operators walk
//! manual verification rounds (read each value at its local station, compare
//! it with every display that shows it) and record the results, and a display
//! that was in doubt is not reconnected until its readings agree.

use super::{record, record_with};
use ::incident::command::Command;
use std::io::Write;
use std::process::ExitCode;

use ::incident::Body;
use ::incident::integrity::{self, RoundStatus};
use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::clock::Clock;
use super::{Common, load, load_site, open_store};

#[derive(Subcommand, Debug)]
pub enum IntegrityCommand {
    /// What is untrusted and why, and the manual verification round: which readings, at which
    /// stations, compared with which displays; what is due, what agrees, what does not.
    Status(StatusArgs),
    /// Record that a hypothesis suspects manipulated view of some processes (all when none is named):
    /// their displays are untrusted while it is not refuted.
    Suspect(SuspectArgs),
    /// Record a manual verification: the value read at the station and what each display showed.
    Record(RecordArgs),
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    db: super::Db,
    /// The site model directory (processes, their readings and displays).
    #[arg(long, env = "INTERLOCK_SITE")]
    site: Option<std::path::PathBuf>,
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct SuspectArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The hypothesis of manipulated view (its event number).
    #[arg(long)]
    hypothesis: u64,
    /// A process whose view it concerns (repeat; the whole site when left out).
    #[arg(long = "process")]
    processes: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    process: String,
    #[arg(long)]
    reading: String,
    /// The value read by hand at the reading's station.
    #[arg(long = "field")]
    field_value: String,
    /// What a display showed, as ASSET=VALUE (repeat for each display compared).
    #[arg(long = "shown", value_parser = shown, required = true)]
    shown: Vec<(String, String)>,
    #[arg(long)]
    note: Option<String>,
}

fn shown(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, v)) if !a.trim().is_empty() && !v.trim().is_empty() => Ok((a.trim().into(), v.trim().into())),
        _ => Err(format!("\"{s}\" is not ASSET=VALUE, e.g. hmi-cr-01=4.2")),
    }
}

pub fn run(cmd: IntegrityCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(async {
        match cmd {
            IntegrityCommand::Status(a) => status(a, &*clock).await,
            IntegrityCommand::Suspect(a) => suspect(a, &*clock).await,
            IntegrityCommand::Record(a) => record_readings(a, &*clock).await,
        }
    })
}

async fn status(a: StatusArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.site.as_deref())?;
    let store = open_store(&a.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let now = clock.now();
    let r = integrity::rounds(&site, &inc, now);
    let mut out = std::io::stdout().lock();
    if a.json {
        let v = json!({
            "incident": inc.id(),
            "in_doubt": r.active(),
            "processes": r.processes.iter().map(|(p, why)| json!({"process": &**p, "why": why})).collect::<Vec<_>>(),
            "untrusted": r.untrusted.iter().map(|(a, ps)| json!({
                "asset": &**a, "shows": ps.iter().map(|p| &**p).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "interval_minutes": r.interval_minutes,
            "round": r.items.iter().map(|i| json!({
                "process": &*i.process,
                "reading": &*i.reading,
                "name": &*i.name,
                "unit": &*i.unit,
                "station": &*i.station,
                "tolerance": i.tolerance,
                "compare_with": i.compare_with.iter().map(|a| &**a).collect::<Vec<_>>(),
                "status": i.status.as_str(),
                "due": i.due.to_string(),
                "last": i.last.map(|(s, _)| s),
                "disagreeing": i.disagreeing.iter().map(|(a, f, s)| json!({
                    "asset": &**a, "field": &**f, "shown": &**s,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "without_readings": r.without_readings.iter().map(|p| &**p).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !r.active() {
        writeln!(out, "{}: monitoring integrity is not in doubt (no view in question, no suspicion open)", inc.id())?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{}: MONITORING INTEGRITY IN DOUBT: operators verify by hand", inc.id())?;
    for (p, why) in &r.processes {
        writeln!(out, "  {p}: {}", why.join("; "))?;
    }
    writeln!(out, "untrusted displays, historians and alarm sources:")?;
    for (asset, ps) in &r.untrusted {
        let name = site.asset_by_id(asset).map(|ix| &*site.asset(ix).name).unwrap_or("");
        let ps: Vec<&str> = ps.iter().map(|p| &**p).collect();
        writeln!(out, "  {asset:<14} {name} (shows {})", ps.join(", "))?;
    }
    writeln!(out, "manual verification round (every {}):", super::updates::minutes(r.interval_minutes))?;
    for i in &r.items {
        let state = match i.status {
            RoundStatus::Due => match i.last {
                None => "DUE now (never verified)".to_string(),
                Some((s, _)) => format!("DUE since {} (last #{s})", i.due),
            },
            RoundStatus::Agrees => format!("agrees (#{}), next by {}", i.last.map(|(s, _)| s).unwrap_or(0), i.due),
            RoundStatus::Disagrees => {
                format!("DISAGREES (#{}), next by {}", i.last.map(|(s, _)| s).unwrap_or(0), i.due)
            }
        };
        writeln!(out, "  {} / {}: {state}", i.process, i.reading)?;
        writeln!(out, "    read {} ({}) at {}", i.name, i.unit, i.station)?;
        writeln!(out, "    compare with {} (tolerance ±{} {})", i.compare_with.join(", "), i.tolerance, i.unit)?;
        for (asset, field, shown) in &i.disagreeing {
            writeln!(out, "    {asset} showed {shown} against {field} at the station")?;
        }
        writeln!(
            out,
            "    record: interlock integrity record {} --process {} --reading {} --field VALUE{}",
            inc.id(),
            i.process,
            i.reading,
            i.compare_with.iter().map(|a| format!(" --shown {a}=VALUE")).collect::<String>()
        )?;
    }
    for p in &r.without_readings {
        writeln!(
            out,
            "  {p}: the site model defines no readings to verify by hand: add [[process.reading]] to its process"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn suspect(a: SuspectArgs, clock: &dyn Clock) -> Result<ExitCode> {
    record(&a.common, &a.id, clock, Command::SuspectView { hypothesis: a.hypothesis, processes: a.processes }).await
}

async fn record_readings(a: RecordArgs, clock: &dyn Clock) -> Result<ExitCode> {
    // The unit, to say what disagrees in full (the site is loaded again to record).
    let site = load_site(a.common.who.site.as_deref())?;
    let unit = site
        .processes
        .iter()
        .find(|p| *p.id == *a.process)
        .and_then(|p| p.readings.iter().find(|r| *r.id == *a.reading))
        .map(|r| r.unit.to_string())
        .unwrap_or_default();
    let cmd = Command::VerifyReadings {
        process: a.process,
        reading: a.reading,
        field_value: a.field_value,
        shown: a.shown,
        note: a.note,
    };
    record_with(&a.common, &a.id, clock, false, cmd, |bodies| {
        for b in bodies {
            let Body::ReadingsVerified(r) = b else { continue };
            let disagreeing: Vec<String> =
                r.displayed.iter().filter(|d| !d.agrees).map(|d| format!("{} shows {}", d.asset, d.value)).collect();
            if !disagreeing.is_empty() {
                eprintln!(
                    "DISAGREES: {} read {} {unit} at the station; {}. Treat these displays as wrong until they agree.",
                    r.reading,
                    r.field_value,
                    disagreeing.join(", ")
                );
            }
        }
    })
    .await
}
