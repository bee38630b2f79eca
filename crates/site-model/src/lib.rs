//! The Interlock site model.
//!
//! A site (a plant and its enterprise) is described as a directory of TOML
//! files kept in git. This crate turns the text of those files into a
//! validated, resolved [`Site`] with a content-hash [`Site::version`], or into
//! a list of [`Diagnostic`]s naming file, line and field.
//!
//! The crate is pure: it never reads the file system, the clock or the
//! network. Callers hand it [`Source`]s and the date to check against.

pub mod action;
pub mod authority;
pub mod deadline;
pub mod diag;
pub mod import;
mod load;
pub mod model;
mod site;
mod version;
pub mod vocab;

pub use action::{ActionDef, Effect, TargetKind, builtin_actions};
pub use diag::{Diagnostic, Severity};
pub use load::{ReadFn, load_with, parse_date, parse_duration, valid_id};
pub use model::*;
pub use site::{Counts, IdIndex, Site};
pub use vocab::*;

/// One site file: its path as it should appear in diagnostics, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// Inputs to loading besides the files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The date checks that depend on time are made against (e.g. "manual
    /// operation last exercised more than 15 months ago"). `None` skips them.
    pub today: Option<Date>,
    /// Worker threads for parsing files; 0 means use the available parallelism.
    pub threads: usize,
}

/// The result of loading: the site when there were no errors, and every
/// diagnostic (errors first, then warnings, each in file and line order).
#[derive(Debug)]
pub struct Outcome {
    pub site: Option<Site>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    pub fn error_count(&self) -> usize {
        self.errors().count()
    }
}

/// Loads and validates a site model from its files.
pub fn load(sources: Vec<Source>, options: &LoadOptions) -> Outcome {
    load::load(sources, options)
}
