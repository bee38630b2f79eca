//! `interlock`: the one binary. CLI, configuration and the demo.

mod authority_cli;
mod bench_engine;
mod bench_evidence;
mod bench_server;
mod contain_cli;
mod demo;
mod generate;
mod impact_cli;
mod import;
mod incident;
mod notify_cli;
mod report_cli;
mod serve_cli;
mod show;
mod sitefs;
mod spof_cli;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand};
use site_model::Date;

/// jemalloc serves every allocation of the process: Rust's, and (unprefixed
/// `malloc`) SQLite's, whose rows are built on its worker thread and freed
/// on ours (docs/decisions/0003-jemalloc.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "interlock",
    version,
    about = "IT/OT cyber incident coordination: the site model, impact, authority and the incident record"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The site model: a plant and its enterprise as TOML files kept in git.
    #[command(subcommand)]
    Site(SiteCommand),
    /// The demo: the server on 127.0.0.1 with the example site, demo users and an incident in progress
    /// (--tour: the text walkthrough of the example site; --check: start, fetch a board, stop).
    Demo(demo::DemoArgs),
    /// The incident record: an append-only, hash-chained log of events.
    #[command(subcommand)]
    Incident(incident::IncidentCommand),
    /// Response actions through the authority workflow: propose, approve, reject, execute, verify, roll back, explain.
    #[command(subcommand)]
    Action(incident::action::ActionCommand),
    /// Authorised work: maintenance windows and work orders (site-level records with their history).
    #[command(subcommand)]
    Work(incident::evidence::WorkCommand),
    /// Vendor access: grants, the live session register, revocation.
    #[command(subcommand)]
    Vendor(incident::evidence::VendorCommand),
    /// Observed activity from both sides, imported as streams and judged against authorised work.
    #[command(subcommand)]
    Evidence(incident::evidence::EvidenceCommand),
    /// Judge each activity of a log: authorised, partially authorised, unauthorised or unknown, with the reason.
    Correlate(incident::evidence::CorrelateArgs),
    /// Status updates per audience, drafted from the incident, checked for ambiguous words, published.
    #[command(subcommand)]
    Update(incident::updates::UpdateCommand),
    /// Monitoring integrity in doubt: untrusted displays, manual verification rounds, their results.
    #[command(subcommand)]
    Integrity(incident::integrity::IntegrityCommand),
    /// Notifications: webhooks (JSON, Slack, Teams) and email, with retries; test the channels, read the delivery log.
    #[command(subcommand)]
    Notify(notify_cli::NotifyCommand),
    /// Regulatory clocks: when each report is due, in the site's time zone, and whether it was filed.
    Clocks(incident::deadlines::ClocksArgs),
    /// Operational periods: objectives and the safety officer's considerations.
    #[command(subcommand)]
    Period(incident::plan::PeriodCommand),
    /// Tasks: owners, due times, reminders, evidence collection that respects the process.
    #[command(subcommand)]
    Task(incident::plan::TaskCommand),
    /// Follow-ups after closure: lessons learned, plan and site-model updates, reviews, acknowledgements.
    #[command(subcommand)]
    Followup(incident::plan::FollowUpCommand),
    /// Recovery: the restoration plan, checks against known-good, the reconnection gate,
    /// heightened monitoring, the end of recovery.
    #[command(subcommand)]
    Recovery(incident::recovery::RecoveryCommand),
    /// Reports from an incident: the after-action report, ICS 201/209/214, a STIX 2.1 bundle.
    Report(report_cli::ReportArgs),
    /// The authority matrix: check it against the site, explain it.
    #[command(subcommand)]
    Authority(authority_cli::AuthorityCommand),
    /// What proposed response actions would break on both sides, and whether that is safe.
    Impact(impact_cli::ImpactArgs),
    /// The least harmful set of actions that cuts an attacker off from what must be protected.
    Contain(contain_cli::ContainArgs),
    /// What an attacker on the footholds can reach, and through what.
    Reach(contain_cli::ReachArgs),
    /// Single points of failure: assets whose loss alone removes a critical function.
    Spof(spof_cli::SpofArgs),
    /// The order to restore assets in: dependencies first, ties by criticality, with reasons.
    RestoreOrder(spof_cli::RestoreOrderArgs),
    /// The web board and JSON API over the store (sign-in required).
    Serve(serve_cli::ServeArgs),
    /// The server's users: add the bootstrap admin and others, list them, issue API tokens.
    #[command(subcommand)]
    User(serve_cli::UserCommand),
    /// The impact engine's numbers on one site (issue 3; used by bench/impact.sh).
    #[command(hide = true)]
    BenchEngine(bench_engine::BenchArgs),
    /// Load on a running server: boards read, actions proposed and approved, live updates (bench/server.sh).
    #[command(hide = true)]
    BenchServe(bench_server::BenchServeArgs),
    /// Write a synthetic Zeek conn.log over a site's addresses (bench/evidence.sh).
    #[command(hide = true)]
    BenchEvidenceLog(bench_evidence::GenArgs),
    /// Parse, or parse and correlate, a Zeek conn.log against generated work and grants (bench/evidence.sh).
    #[command(hide = true)]
    BenchCorrelate(bench_evidence::BenchArgs),
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Validate a site model: every error and warning with file, line and field; the summary and version.
    Check {
        /// The site directory (or a single .toml file).
        dir: PathBuf,
        /// Print the result as JSON (format documented in docs/cli-json.md).
        #[arg(long)]
        json: bool,
        /// The date time-dependent checks use (YYYY-MM-DD); default today (UTC).
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        /// Print at most this many diagnostics of each severity (text output).
        #[arg(long, default_value_t = 200)]
        max: usize,
    },
    /// Show a loaded site model: a summary, or the whole normalised model as JSON.
    Show {
        dir: PathBuf,
        /// The whole model as JSON (format documented in docs/cli-json.md).
        #[arg(long)]
        json: bool,
    },
    /// Import an asset inventory CSV (Claroty, Nozomi, Dragos, spreadsheet exports) as [[asset]] TOML.
    ImportCsv(import::ImportCsvArgs),
    /// Write a synthetic enterprise of N assets (several plants, IDMZ, shared identity, vendors).
    Generate(generate::GenerateArgs),
}

fn parse_date(s: &str) -> Result<Date, String> {
    site_model::parse_date(s).ok_or_else(|| format!("\"{s}\" is not a date; expected YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Site(SiteCommand::Check { dir, json, today, max }) => site_check(&dir, json, today, max),
        Command::Site(SiteCommand::Show { dir, json }) => site_show(&dir, json),
        Command::Site(SiteCommand::ImportCsv(args)) => import::run(&args),
        Command::Site(SiteCommand::Generate(args)) => generate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Incident(cmd) => incident::run(cmd),
        Command::Action(cmd) => incident::action::run(cmd),
        Command::Authority(cmd) => authority_cli::run(cmd),
        Command::Recovery(cmd) => incident::recovery::run(cmd),
        Command::Report(args) => report_cli::run(args),
        Command::Clocks(args) => incident::deadlines::run(args),
        Command::Update(cmd) => incident::updates::run(cmd),
        Command::Integrity(cmd) => incident::integrity::run(cmd),
        Command::Notify(cmd) => notify_cli::run(cmd),
        Command::Period(cmd) => incident::plan::run_period(cmd),
        Command::Task(cmd) => incident::plan::run_task(cmd),
        Command::Followup(cmd) => incident::plan::run_followup(cmd),
        Command::Work(cmd) => incident::evidence::run_work(cmd),
        Command::Vendor(cmd) => incident::evidence::run_vendor(cmd),
        Command::Evidence(cmd) => incident::evidence::run_evidence(cmd),
        Command::Correlate(args) => incident::evidence::run_correlate(args),
        Command::BenchServe(args) => bench_server::run(args),
        Command::Impact(args) => impact_cli::run(&args),
        Command::Contain(args) => contain_cli::run_contain(&args),
        Command::Reach(args) => contain_cli::run_reach(&args),
        Command::Spof(args) => spof_cli::run_spof(&args),
        Command::RestoreOrder(args) => spof_cli::run_restore_order(&args),
        Command::Serve(args) => serve_cli::run_serve(args),
        Command::User(cmd) => serve_cli::run_user(cmd),
        Command::BenchEngine(args) => bench_engine::run(&args),
        Command::BenchEvidenceLog(args) => bench_evidence::generate(&args),
        Command::BenchCorrelate(args) => bench_evidence::bench(&args),
    }
}

fn site_check(dir: &std::path::Path, json: bool, today: Option<Date>, max: usize) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let outcome = sitefs::load_dir(dir, Some(today.unwrap_or_else(sitefs::today_utc)))?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &site_json::check(&outcome))?;
        writeln!(out)?;
    } else {
        show::diagnostics(&outcome, max, &mut out)?;
        if let Some(site) = &outcome.site {
            show::summary(site, &mut out)?;
        }
        let (e, w) = (outcome.error_count(), outcome.diagnostics.len() - outcome.error_count());
        writeln!(
            out,
            "{}: {e} error{}, {w} warning{} ({:.2} s)",
            if e == 0 { "ok" } else { "failed" },
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" },
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(if outcome.site.is_some() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn site_show(dir: &std::path::Path, json: bool) -> Result<ExitCode> {
    let outcome = sitefs::load_dir(dir, None)?;
    let Some(site) = &outcome.site else {
        let mut err = std::io::stderr().lock();
        show::diagnostics(&outcome, 50, &mut err)?;
        return Err(anyhow!(
            "the site model at {} does not load; run `interlock site check` for every finding",
            dir.display()
        ));
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        site_json::show(site, &mut out).context("writing the JSON view")?;
    } else {
        show::summary(site, &mut out)?;
        show::details(site, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
