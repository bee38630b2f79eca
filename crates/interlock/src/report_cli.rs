//! `interlock report ID`: the after-action report, the ICS 201, 209 and 214
//! records and the STIX 2.1 bundle of an incident, drawn from its record by
//! the pure `report` crate (docs/reports.md).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};

use crate::incident::{Common, load, load_site, open_store};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The after-action report.
    Aar,
    /// ICS 201: the incident briefing (also the handover record).
    #[value(name = "ics-201")]
    Ics201,
    /// ICS 209: the incident status summary.
    #[value(name = "ics-209")]
    Ics209,
    /// ICS 214: the activity log of one person (--person).
    #[value(name = "ics-214")]
    Ics214,
    /// A STIX 2.1 bundle of the observables and courses of action (JSON).
    Stix,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    /// One self-contained file: inline CSS, nothing loaded from anywhere.
    Html,
    Json,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// The incident.
    id: String,
    #[arg(long, value_enum, default_value = "aar")]
    form: Form,
    /// Default: markdown (json for stix, which is JSON only).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The person whose activity log an ICS 214 is (a person id of the site model).
    #[arg(long)]
    person: Option<String>,
    /// Write the report to this file (printed otherwise).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(a: ReportArgs) -> Result<ExitCode> {
    let clock = crate::incident::clock::from_env()?;
    let format = match (a.form, a.format) {
        (Form::Stix, None | Some(Format::Json)) => Format::Json,
        (Form::Stix, Some(f)) => bail!("a STIX bundle is JSON only, not {f:?}: drop --format or give --format json"),
        (_, f) => f.unwrap_or(Format::Markdown),
    };
    if a.form == Form::Ics214 && a.person.is_none() {
        bail!("an ICS 214 is the activity log of one person: give --person PERSON (a person id of the site model)");
    }
    if a.form != Form::Ics214 && a.person.is_some() {
        bail!("--person is for --form ics-214 only");
    }
    let site = load_site(a.common.who.site.as_deref())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let inc = rt.block_on(async {
        let store = open_store(&a.common.db).await?;
        let inc = load(&store, &a.id).await;
        store.close().await;
        inc
    })?;
    let now = clock.now();
    let text = match a.form {
        Form::Aar => {
            let r = report::aar::build(&site, &inc, now);
            match format {
                Format::Markdown => r.to_markdown(&site),
                Format::Html => r.to_html(&site),
                Format::Json => json(&r)?,
            }
        }
        Form::Ics201 => {
            let r = report::ics::ics201(&site, &inc, now);
            match format {
                Format::Markdown => r.to_markdown(&site),
                Format::Html => r.to_html(&site),
                Format::Json => json(&r)?,
            }
        }
        Form::Ics209 => {
            let r = report::ics::ics209(&site, &inc, now);
            match format {
                Format::Markdown => r.to_markdown(&site),
                Format::Html => r.to_html(&site),
                Format::Json => json(&r)?,
            }
        }
        Form::Ics214 => {
            let person = a.person.as_deref().unwrap_or_default();
            let r = report::ics::ics214(&site, &inc, person, now)?;
            match format {
                Format::Markdown => r.to_markdown(),
                Format::Html => r.to_html(),
                Format::Json => json(&r)?,
            }
        }
        Form::Stix => serde_json::to_string_pretty(&report::stix::bundle(&site, &inc))? + "\n",
    };
    match &a.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} written to {}", form_name(a.form), path.display());
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn form_name(f: Form) -> &'static str {
    match f {
        Form::Aar => "the after-action report",
        Form::Ics201 => "the ICS 201 briefing",
        Form::Ics209 => "the ICS 209 status summary",
        Form::Ics214 => "the ICS 214 activity log",
        Form::Stix => "the STIX 2.1 bundle",
    }
}

/// Pretty JSON of a form, with a final newline.
fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}
