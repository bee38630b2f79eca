//! `interlock update draft|publish`: status updates drafted from the
//! incident's state for each audience, reviewed by a person, and published
//! as an event after the one-vocabulary check.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ::incident::{Body, Communication};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::clock::Clock;
use super::{Common, load, load_site, open_store, write};

#[derive(Subcommand, Debug)]
pub enum UpdateCommand {
    /// Draft the status update for an audience (operations, security, leadership) from the incident's state.
    Draft(DraftArgs),
    /// Publish a reviewed update: words IT and OT hear differently are flagged first, with their
    /// definitions; --accept-definitions publishes them with the definitions appended.
    Publish(PublishArgs),
}

#[derive(Args, Debug)]
pub struct DraftArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long, value_parser = audience)]
    audience: comms::Audience,
    /// Write the draft to this file to edit it (printed otherwise).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long, value_parser = audience)]
    audience: comms::Audience,
    /// How it goes out: bridge call, Teams, email...
    #[arg(long)]
    channel: String,
    /// The reviewed text...
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    text: Option<String>,
    /// ... or the reviewed draft file.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Publish with the site's definitions of the flagged words appended.
    #[arg(long)]
    accept_definitions: bool,
}

fn audience(s: &str) -> Result<comms::Audience, String> {
    comms::Audience::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not an audience; expected operations, security or leadership"))
}

pub fn run(cmd: UpdateCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(async {
        match cmd {
            UpdateCommand::Draft(a) => draft(a, &*clock).await,
            UpdateCommand::Publish(a) => publish(a, &*clock).await,
        }
    })
}

async fn draft(a: DraftArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let lines = comms::draft(&site, &inc, a.audience, clock.now());
    let text = lines.join("\n") + "\n";
    let flags = comms::ambiguous_terms(&site, &text);
    let mut out = std::io::stdout().lock();
    if a.json {
        let v = json!({
            "audience": a.audience.as_str(),
            "text": text,
            "flagged_terms": flags.iter().map(|f| json!({"term": f.term, "canonical": f.canonical})).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &a.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "draft written to {}: review it, then `interlock update publish --file`", path.display())?;
        }
        None => write!(out, "{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn publish(a: PublishArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let text = match (&a.text, &a.file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        (None, None) => return Err(anyhow!("give --text or --file")),
    };
    let flags = comms::ambiguous_terms(&site, &text);
    if !flags.is_empty() && !a.accept_definitions {
        let mut err = std::io::stderr().lock();
        for f in &flags {
            writeln!(err, "\"{}\" is heard differently by IT and OT:", f.term)?;
            if let Some(it) = &f.it_reading {
                writeln!(err, "    IT may hear: {it}")?;
            }
            if let Some(ot) = &f.ot_reading {
                writeln!(err, "    OT may hear: {ot}")?;
            }
            writeln!(err, "    this site's definition: {}", f.canonical)?;
        }
        bail!(
            "refused, nothing written: reword the update, or publish it with --accept-definitions to append the site's definitions"
        );
    }
    let body = comms::with_definitions(&text, &flags);
    write(&a.common, &a.id, clock, |_, _| {
        Ok(vec![Body::CommunicationPublished(Communication {
            audience: a.audience.as_str().into(),
            channel: a.channel.as_str().into(),
            text: body.as_str().into(),
        })])
    })
    .await
}
