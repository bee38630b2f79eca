//! `interlock site import-csv`: an asset inventory export (Claroty, Nozomi, Dragos, a
//! spreadsheet) into `[[asset]]` tables, checked against the site it will join.
//!
//! Bad input changes nothing: the output is written to a temporary file next to `--out` and
//! renamed into place only when every row was good (or `--skip-bad-rows` says to keep the good
//! ones); otherwise it is deleted and every finding printed.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use site_model::import::{ImportError, ImportOptions, ImportReport, import_assets_csv, parse_criticality};
use site_model::{Criticality, LoadOptions, Site};

/// Files smaller than this import in well under a second: no progress bar.
const PROGRESS_MIN_BYTES: u64 = 4 << 20;

#[derive(clap::Args, Debug, Clone)]
pub struct ImportCsvArgs {
    /// The CSV file: an asset inventory export with a header row. Columns are mapped by header,
    /// in any case: id; name (hostname, asset/device name); address (ip, ip address), mac; kind
    /// (type, asset/device type, category); vendor (manufacturer, make); model (product); zone
    /// (segment, network zone); level (purdue level); criticality (risk, importance); domain;
    /// owner (owner team); description (notes). Others are ignored. Name (or id) and kind are
    /// required.
    pub csv: PathBuf,
    /// The site model directory to validate zones, owners and ids against (zones and teams may
    /// then be given by name; an asset's domain comes from its zone).
    #[arg(long)]
    pub site: Option<PathBuf>,
    /// Where to write the [[asset]] TOML (a new file; see --force).
    #[arg(long)]
    pub out: PathBuf,
    /// The zone of rows with no zone column or an empty one.
    #[arg(long)]
    pub zone: Option<String>,
    /// The owning team of rows with no owner column or an empty one.
    #[arg(long)]
    pub owner: Option<String>,
    /// The criticality of rows with no criticality column or an empty one.
    #[arg(long, default_value = "medium", value_parser = criticality)]
    pub criticality: Criticality,
    /// Write the good rows even when some rows are bad (the bad ones are reported and left out).
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Replace --out if it exists. When --out lies inside --site, the file being replaced is
    /// left out of the site the rows are checked against.
    #[arg(long)]
    pub force: bool,
}

fn criticality(s: &str) -> Result<Criticality, String> {
    parse_criticality(s).ok_or_else(|| format!("\"{s}\" is not a criticality; expected low, medium, high or critical"))
}

pub fn run(args: &ImportCsvArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mut stdout = std::io::stdout().lock();

    if args.out.exists() && !args.force {
        bail!("{} already exists; pass --force to replace it", args.out.display());
    }
    let file_name = args
        .out
        .file_name()
        .ok_or_else(|| anyhow!("--out {} does not name a file", args.out.display()))?
        .to_string_lossy()
        .into_owned();
    let partial = args.out.with_file_name(format!("{file_name}.partial"));

    let site = match &args.site {
        Some(dir) => Some(load_site(dir, &args.out, &mut stdout)?),
        None => None,
    };

    let csv_name = args.csv.display().to_string();
    let input = File::open(&args.csv).with_context(|| format!("cannot open {csv_name}"))?;
    let len = input.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(len);

    // The output directory is created if need be, and removed again if nothing is written.
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let created: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    if !created.is_empty() {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let cleanup = |partial: &Path| {
        let _ = std::fs::remove_file(partial);
        for d in &created {
            let _ = std::fs::remove_dir(d); // deepest first; only if still empty
        }
    };

    let out = match File::create(&partial) {
        Ok(f) => f,
        Err(e) => {
            cleanup(&partial);
            return Err(e).with_context(|| format!("cannot create {}", partial.display()));
        }
    };
    let opts = ImportOptions {
        source_name: &csv_name,
        site: site.as_ref(),
        default_zone: args.zone.as_deref(),
        default_owner: args.owner.as_deref(),
        default_criticality: args.criticality,
    };
    let result = import_assets_csv(BufReader::with_capacity(1 << 16, input), &out, &opts, &mut |b| bar.set_position(b));
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            drop(out);
            cleanup(&partial);
            return match e {
                ImportError::Header(d) | ImportError::BadDefault(d) => {
                    writeln!(stdout, "{d}")?;
                    writeln!(stdout, "nothing written")?;
                    Ok(ExitCode::from(1))
                }
                e => Err(e.into()),
            };
        }
    };

    for d in &report.diagnostics {
        writeln!(stdout, "{d}")?;
    }
    let keep = (report.imported > 0 && (report.bad_rows == 0 || args.skip_bad_rows))
        || (report.rows == 0 && report.errors == 0);
    let written = if keep {
        let synced = out.sync_all();
        drop(out);
        if let Err(e) = synced.and_then(|()| std::fs::rename(&partial, &args.out)) {
            cleanup(&partial);
            return Err(e).with_context(|| format!("cannot write {}", args.out.display()));
        }
        std::fs::metadata(&args.out).map(|m| m.len()).ok()
    } else {
        drop(out);
        cleanup(&partial);
        None
    };

    summary(&mut stdout, args, &report, written, started)?;
    Ok(if written.is_some() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Loads the site to check against; the file `out` (which --force will replace) is left out.
fn load_site(dir: &Path, out: &Path, stdout: &mut dyn Write) -> Result<Site> {
    let replaced = std::fs::canonicalize(out).ok();
    let files: Vec<PathBuf> = crate::sitefs::site_files(dir)?
        .into_iter()
        .filter(|f| replaced.is_none() || std::fs::canonicalize(f).ok() != replaced)
        .collect();
    if files.is_empty() {
        bail!("{} holds no .toml files besides {}", dir.display(), out.display());
    }
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| e.to_string());
    let outcome = site_model::load_with(paths, &read, &LoadOptions { today: None, threads: 0 });
    match outcome.site {
        Some(site) => Ok(site),
        None => {
            crate::show::diagnostics(&outcome, 20, stdout)?;
            bail!(
                "the site model at {} does not load, so the import cannot be checked against it; \
                 fix it first (`interlock site check {}` lists every finding)",
                dir.display(),
                dir.display()
            )
        }
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    if len < PROGRESS_MIN_BYTES {
        return ProgressBar::hidden();
    }
    // Drawn on stderr, and not at all when stderr is not a terminal.
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("importing {wide_bar:.cyan/blue} {binary_bytes}/{binary_total_bytes}, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary(
    out: &mut dyn Write,
    args: &ImportCsvArgs,
    r: &ImportReport,
    written: Option<u64>,
    started: Instant,
) -> Result<()> {
    let columns: Vec<String> = r
        .columns
        .iter()
        .map(|(h, f)| match f {
            Some(f) => format!("{h} -> {f}"),
            None => format!("{h} (ignored)"),
        })
        .collect();
    writeln!(out, "columns: {}", columns.join(", "))?;
    writeln!(
        out,
        "{}: {}, {} imported, {} with errors ({}) in {:.2} s",
        args.csv.display(),
        plural(r.rows, "row"),
        r.imported,
        r.bad_rows,
        plural(r.errors, "error"),
        started.elapsed().as_secs_f64()
    )?;
    match written {
        Some(bytes) => {
            let skipped =
                if r.bad_rows > 0 { format!(" ({} left out)", plural(r.bad_rows, "bad row")) } else { String::new() };
            writeln!(out, "wrote {} ({bytes} bytes): {}{skipped}", args.out.display(), plural(r.imported, "asset"))?;
            match &args.site {
                Some(site) if args.out.starts_with(site) => {
                    writeln!(out, "next: interlock site check {}", site.display())?
                }
                Some(site) => writeln!(
                    out,
                    "next: move {} into {} and run `interlock site check {}`",
                    args.out.display(),
                    site.display(),
                    site.display()
                )?,
                None => writeln!(
                    out,
                    "next: move {} into the site directory and run `interlock site check DIR` (zones, owners and ids were only checked for form: give --site to check them against the site)",
                    args.out.display()
                )?,
            }
        }
        None if r.imported == 0 && r.rows > 0 => {
            writeln!(out, "nothing written: no row could be imported")?;
        }
        None => writeln!(
            out,
            "nothing written: {} {} errors; fix them, or pass --skip-bad-rows to write the {} good {}",
            plural(r.bad_rows, "row"),
            if r.bad_rows == 1 { "has" } else { "have" },
            r.imported,
            if r.imported == 1 { "one" } else { "ones" }
        )?,
    }
    Ok(())
}
