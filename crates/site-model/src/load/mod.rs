//! Loading: parse every file (in parallel), then resolve references across
//! files, then check the model as a whole.

mod check;
mod parse;
mod raw;
mod resolve;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::diag::{Diagnostic, LineIndex, Severity};
use crate::{LoadOptions, Outcome, Source};

pub use parse::{parse_date, parse_duration, valid_id};

/// Where a diagnostic points: a file index and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    pub file: u32,
    pub at: u32,
}

/// Diagnostics of the cross-file phases, positioned through each file's line index.
pub(crate) struct Diags {
    pub paths: Vec<String>,
    /// One per parse unit (a file, or a segment of a large file); segments of
    /// one file share its path and line index.
    pub lines: Vec<Arc<LineIndex>>,
    pub list: Vec<Diagnostic>,
}

impl Diags {
    pub fn push(
        &mut self,
        severity: Severity,
        loc: Loc,
        field: String,
        message: String,
        expected: Option<String>,
        help: Option<String>,
    ) {
        let (file, line, column) = match (self.paths.get(loc.file as usize), self.lines.get(loc.file as usize)) {
            (Some(p), Some(l)) => {
                let (line, column) = l.position(loc.at);
                (p.clone(), line, column)
            }
            _ => (String::new(), 0, 0),
        };
        self.list.push(Diagnostic { severity, file, line, column, field, message, expected, help });
    }

    pub fn error(&mut self, loc: Loc, field: String, message: String, expected: Option<String>) {
        self.push(Severity::Error, loc, field, message, expected, None);
    }

    pub fn warning(&mut self, loc: Loc, field: String, message: String) {
        self.push(Severity::Warning, loc, field, message, None, None);
    }

    /// Where a diagnostic about the whole model points.
    pub fn nowhere() -> Loc {
        Loc { file: u32::MAX, at: 0 }
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.is_error())
    }

    /// Where something was written, for explanations: its file and 1-based line.
    pub fn place(&self, loc: Loc) -> crate::authority::Place {
        match (self.paths.get(loc.file as usize), self.lines.get(loc.file as usize)) {
            (Some(p), Some(l)) => crate::authority::Place { file: p.as_str().into(), line: l.position(loc.at).0 },
            _ => crate::authority::Place::default(),
        }
    }

    pub fn position(&self, loc: Loc) -> String {
        match (self.paths.get(loc.file as usize), self.lines.get(loc.file as usize)) {
            (Some(p), Some(l)) => {
                let (line, col) = l.position(loc.at);
                format!("{p}:{line}:{col}")
            }
            _ => "(unknown)".into(),
        }
    }
}

/// Reads a file's text; the caller decides how (the crate does no I/O).
pub type ReadFn<'a> = dyn Fn(&str) -> Result<String, String> + Sync + 'a;

pub(crate) fn load(sources: Vec<Source>, options: &LoadOptions) -> Outcome {
    let paths: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
    let texts: Vec<Mutex<Option<String>>> = sources.into_iter().map(|s| Mutex::new(Some(s.text))).collect();
    let read = |path: &str| -> Result<String, String> {
        let i = paths.iter().position(|p| p == path).ok_or_else(|| format!("no such source {path}"))?;
        texts[i]
            .lock()
            .map_err(|_| "source lock poisoned".to_string())?
            .take()
            .ok_or_else(|| format!("source {path} given twice"))
    };
    load_with(paths.clone(), &read, options)
}

/// Loads a site whose files are read on demand by `read`, so that at most a
/// few files' text is in memory at once.
pub fn load_with(paths: Vec<String>, read: &ReadFn<'_>, options: &LoadOptions) -> Outcome {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        n => n,
    };
    let file_threads = threads.min(paths.len().max(1));

    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Vec<parse::Parsed>>> = paths.iter().map(|_| Mutex::new(Vec::new())).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(i) else { break };
            let parsed = match read(path) {
                Ok(text) => parse::parse_file(path, &text, threads),
                Err(e) => vec![parse::Parsed {
                    raw: Default::default(),
                    diags: vec![Diagnostic {
                        severity: Severity::Error,
                        file: path.clone(),
                        line: 0,
                        column: 0,
                        field: String::new(),
                        message: format!("cannot read the file: {e}"),
                        expected: None,
                        help: None,
                    }],
                    lines: Arc::default(),
                }],
            };
            if let Ok(mut slot) = results[i].lock() {
                *slot = parsed;
            }
        }
    };
    if file_threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..file_threads {
                s.spawn(work);
            }
        });
    }

    let mut diags = Diags { paths: Vec::with_capacity(paths.len()), lines: Vec::new(), list: Vec::new() };
    let mut raws = Vec::with_capacity(results.len());
    for (path, slot) in paths.into_iter().zip(results) {
        for parsed in slot.into_inner().unwrap_or_default() {
            diags.list.extend(parsed.diags);
            diags.paths.push(path.clone());
            diags.lines.push(parsed.lines);
            raws.push(parsed.raw);
        }
    }
    if diags.paths.is_empty() {
        diags.list.push(Diagnostic {
            severity: Severity::Error,
            file: String::new(),
            line: 0,
            column: 0,
            field: String::new(),
            message: "the site model has no .toml files".into(),
            expected: Some("a directory with at least one .toml file holding a [site] table".into()),
            help: None,
        });
    }

    let site = resolve::resolve(raws, &mut diags, options);
    let mut list = diags.list;
    // Errors first, then warnings; each in file, line, column order.
    list.sort_by(|a, b| (a.severity, &a.file, a.line, a.column).cmp(&(b.severity, &b.file, b.line, b.column)));
    let has_errors = list.iter().any(|d| d.is_error());
    Outcome { site: if has_errors { None } else { site }, diagnostics: list }
}
