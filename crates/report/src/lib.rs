//! Reports drawn from an incident's state, for people outside the response
//! and for the record:
//!
//! - [`aar`]: the after-action report: the timeline, every decision with its
//!   rationale and dissent, approvals with their time to decision, overrides
//!   and deviations from the plan, evidence and hypotheses, lessons learned;
//! - [`ics`]: the incident-command records: the ICS 201 briefing (also the
//!   handover record), the ICS 209 status summary, the ICS 214 activity log
//!   of one person;
//! - [`stix`]: a STIX 2.1 bundle of the incident's observables and courses of
//!   action, with deterministic ids so that an export is reproducible;
//! - [`export`]: the incident's record itself as a document: the JSON export
//!   that verifies offline, the readable Markdown timeline, signed
//!   checkpoint files, and the offline checks of both.
//!
//! Every form is a serde value (JSON) and renders to Markdown and to one
//! self-contained HTML file through the small document model of [`doc`].
//!
//! Pure: no I/O, no clock (the time is given), no async.

pub mod aar;
pub mod doc;
pub mod export;
pub mod ics;
pub mod stix;
mod text;

pub use doc::{Block, Doc};

/// A report that cannot be made from what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("\"{0}\" is not a person of the site model")]
    UnknownPerson(String),
}
