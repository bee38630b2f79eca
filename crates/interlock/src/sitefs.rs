//! The site model on disk: which files make a site directory, and loading
//! them through the pure loader with the file system as the reader.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use site_model::{Date, Diagnostic, LoadOptions, Outcome, Severity};

/// Every `*.toml` under `dir`, recursively, in path order; hidden entries and
/// `README*` skipped. A single file is a site of one file.
pub fn site_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(dir).with_context(|| format!("cannot open the site model at {}", dir.display()))?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("cannot list {}", d.display()))?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with("README") {
                continue;
            }
            let path = e.path();
            let ft = e.file_type().with_context(|| format!("cannot stat {}", path.display()))?;
            if ft.is_dir() {
                stack.push(path);
            } else if name.ends_with(".toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        bail!(
            "{} holds no .toml files: a site model is a directory of TOML files (see docs/site-model.md)",
            dir.display()
        );
    }
    Ok(out)
}

/// Loads the site at `dir`, reading files on demand from the worker threads,
/// and validates its authority matrix: the matrix's findings are reported
/// with the loader's, and an error in it means the site does not load.
pub fn load_dir(dir: &Path, today: Option<Date>) -> Result<Outcome> {
    let files = site_files(dir)?;
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| e.to_string());
    let mut outcome = site_model::load_with(paths, &read, &LoadOptions { today, threads: 0 });
    if let Some(site) = &outcome.site {
        let findings = authority::validate(site);
        let failed = findings.iter().any(|f| f.level == authority::Level::Error);
        outcome.diagnostics.extend(findings.into_iter().map(finding_diagnostic));
        outcome.diagnostics.sort_by_key(|d| d.severity != Severity::Error);
        if failed {
            outcome.site = None;
        }
    }
    Ok(outcome)
}

/// An authority finding as a loader diagnostic (file, line, what, help).
pub fn finding_diagnostic(f: authority::Finding) -> Diagnostic {
    Diagnostic {
        severity: match f.level {
            authority::Level::Error => Severity::Error,
            authority::Level::Warning => Severity::Warning,
        },
        file: f.place.file.to_string(),
        line: f.place.line,
        column: 1,
        field: format!("authority > {}", f.subject),
        message: f.message,
        expected: None,
        help: f.help,
    }
}

/// Today's date in UTC, from the system clock (the binary is the one place that reads it).
pub fn today_utc() -> Date {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = if m <= 2 { y + 1 } else { y };
    Date { year: y as u16, month: m, day: d }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(20_418).to_string(), "2025-11-26");
        assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
    }
}
