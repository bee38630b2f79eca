//! `interlock serve` (the web board and the JSON API) and `interlock user`
//! (the server's users: the bootstrap admin, API tokens). HTTP, HTML and
//! passwords live in the `server` crate; this module chooses the store and
//! the site like every other command, and supplies the clock.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use store::{Store, StoreError};

use crate::incident::{Db, load_site, open_store};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    db: Db,
    /// The address to listen on (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The site model directory: people's names on the board.
    #[arg(long, value_name = "DIR", env = "INTERLOCK_SITE")]
    site: Option<PathBuf>,
    /// Print the OpenAPI document and exit (`interlock serve --print-openapi > docs/api/openapi.json`).
    #[arg(long)]
    print_openapi: bool,
    /// The notification config (TOML; docs/notifications.md): published updates go to the channels
    /// taking their audience, each attempt in the delivery log (`interlock notify log`).
    #[arg(long = "notify-config", value_name = "FILE", env = "INTERLOCK_NOTIFY_CONFIG")]
    notify_config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user, mapped to a person of the site model; the bootstrap admin is `user add --admin`.
    Add(AddArgs),
    /// List the users.
    List(ListArgs),
    /// Issue an API token for a user: printed once, stored only as its SHA-256.
    Token(TokenArgs),
    /// Revoke one of a user's API tokens by name (--token), or end all their sessions (--sessions);
    /// recorded in the access log.
    Revoke(RevokeArgs),
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    username: String,
    /// The token's name.
    #[arg(long, required_unless_present = "sessions")]
    token: Option<String>,
    /// End every session of the user (signed out everywhere).
    #[arg(long)]
    sessions: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    username: String,
    /// The person of the site model this user is (a person id).
    #[arg(long)]
    person: String,
    /// An administrator.
    #[arg(long)]
    admin: bool,
    /// Read the password from the first line of standard input; otherwise one is generated and printed once.
    #[arg(long)]
    password_stdin: bool,
    /// The site model: the person is checked against it.
    #[arg(long, value_name = "DIR", env = "INTERLOCK_SITE")]
    site: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    db: Db,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long)]
    username: String,
    /// What the token is for (unique per user): "ci", "siem-export"...
    #[arg(long)]
    name: String,
}

/// The system clock, for the server.
struct SystemClock;

impl server::Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        now_micros()
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn run_serve(args: ServeArgs) -> Result<ExitCode> {
    if args.print_openapi {
        std::io::stdout().lock().write_all(server::openapi_json().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Checked as `interlock site check` checks it (today's date for the time-dependent
    // warnings): the warnings are kept for `GET /api/site`.
    let (site, warnings) = match args.site.as_deref() {
        Some(dir) => {
            let outcome = crate::sitefs::load_dir(dir, Some(crate::sitefs::today_utc()))?;
            let warnings: Vec<site_model::Diagnostic> = outcome.warnings().cloned().collect();
            match outcome.site {
                Some(site) => (Some(Arc::new(site)), warnings),
                None => {
                    crate::show::diagnostics(&outcome, 20, &mut std::io::stderr().lock())?;
                    bail!(
                        "the site model at {} does not load; run `interlock site check {}`",
                        dir.display(),
                        dir.display()
                    )
                }
            }
        }
        None => (None, Vec::new()),
    };
    // Checked before anything starts: a bad config names its file, line and field.
    let notify = match &args.notify_config {
        Some(path) => {
            let config = crate::notify_cli::load_config(path)?;
            let notifier = crate::notify_cli::notifier(&config)?;
            Some(Arc::new(server::notifications::Notifications::new(config, notifier)))
        }
        None => None,
    };
    let rt = server::runtime().context("starting the runtime")?;
    rt.block_on(async {
        let store = Arc::new(open_store(&args.db).await?);
        let listener = server::bind(args.addr).await.with_context(|| format!("cannot listen on {}", args.addr))?;
        let bound = listener.local_addr()?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{bound}")?;
            out.flush()?;
        }
        if store.users().await?.is_empty() {
            eprintln!("no users yet: create the first administrator with `interlock user add --admin --username NAME --person ID`");
        }
        let mut state = server::AppState::new(store.clone(), site, Arc::new(SystemClock));
        state.notify = notify;
        state.site_warnings = Arc::new(warnings);
        server::serve(listener, state).await.context("serving")?;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run_user(cmd: UserCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(async {
        match cmd {
            UserCommand::Add(a) => add(a).await,
            UserCommand::List(a) => list(a).await,
            UserCommand::Token(a) => token(a).await,
            UserCommand::Revoke(a) => revoke(a).await,
        }
    })
}

async fn add(a: AddArgs) -> Result<ExitCode> {
    let username = a.username.trim();
    if let Some(dir) = &a.site {
        let site = load_site(Some(dir))?;
        if site.person_by_id(&a.person).is_none() {
            bail!("{} is not a person of the site model at {}", a.person, dir.display());
        }
    }
    let password = if a.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let store = open_store(&a.db).await?;
    let generated =
        match server::auth::add_user(&store, username, &a.person, password.as_deref(), a.admin, now_micros(), "").await
        {
            Ok((_, generated)) => generated,
            Err(server::auth::AuthError::Store(StoreError::Duplicate(_))) => {
                bail!("there is already a user {username}")
            }
            Err(e) => return Err(e.into()),
        };
    store.close().await;
    let mut out = std::io::stdout().lock();
    writeln!(out, "user {username} ({}){} added", a.person, if a.admin { ", an administrator," } else { "" })?;
    if let Some(password) = generated {
        writeln!(out, "password: {password}")?;
        writeln!(out, "(shown once: write it down or hand it over now)")?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(a: ListArgs) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let users = store.users().await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if users.is_empty() {
        writeln!(out, "no users yet (create the administrator with `interlock user add --admin`)")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{:<24} {:<20} {:<6} {:<9} CREATED", "USERNAME", "PERSON", "ADMIN", "DISABLED")?;
    for u in users {
        let created = ::incident::Timestamp::from_unix_micros(u.created_at)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| u.created_at.to_string());
        writeln!(
            out,
            "{:<24} {:<20} {:<6} {:<9} {created}",
            u.username,
            u.person,
            if u.is_admin { "yes" } else { "no" },
            if u.disabled { "yes" } else { "no" }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn revoke(a: RevokeArgs) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let Some(user) = store.user_by_name(&a.username).await? else { bail!("no user {}", a.username) };
    let log = |action: &str, outcome: String| store::Access {
        at: now_micros(),
        username: a.username.clone(),
        action: action.into(),
        target: a.username.clone(),
        outcome,
    };
    if let Some(name) = &a.token {
        if !store.revoke_token(user.id, name).await? {
            bail!("{} has no token named {name}", a.username);
        }
        store.log_access(&log("revoke-token", format!("ok: {name} (from the CLI)"))).await?;
        eprintln!("revoked token {name} of {}: it stops working at its next request", a.username);
    }
    if a.sessions {
        let n = store.end_sessions(user.id).await?;
        store.log_access(&log("end-sessions", format!("ok: {n} ended (from the CLI)"))).await?;
        eprintln!("ended {n} session(s) of {}", a.username);
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn token(a: TokenArgs) -> Result<ExitCode> {
    let store = open_store(&a.db).await?;
    let token = match server::new_api_token(&store, &a.username, &a.name, now_micros()).await {
        Ok(t) => t,
        Err(server::auth::AuthError::Store(StoreError::Duplicate(_))) => {
            bail!("{} already has a token named {}", a.username, a.name)
        }
        Err(e) => return Err(e.into()),
    };
    store.close().await;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{token}")?;
    eprintln!("API token {} for {}: shown once, send it as Authorization: Bearer", a.name, a.username);
    Ok(ExitCode::SUCCESS)
}
