//! The Interlock incident record.
//!
//! An incident *is* its log: every change is an [`Event`] in a per-incident
//! sequence, encoded canonically ([`codec`]) and linked into a SHA-256 hash
//! chain ([`chain`]). The state ([`Incident`]) is a fold over the events;
//! nothing is edited in place, and a mistake is corrected by a new event that
//! supersedes the earlier one. [`rules::check`] decides what may be appended,
//! by whom, against a loaded site model.
//!
//! The crate is pure: no I/O, no clock, no async. Callers supply every
//! timestamp and hand stored rows in; the `store` crate keeps them.

pub mod actions;
mod append;
pub mod cadence;
pub mod chain;
pub mod checkpoint;
pub mod codec;
pub mod command;
pub mod describe;
pub mod integrity;
pub mod model;
pub mod recovery;
pub mod rules;
mod state;
pub mod time;
pub mod timeline;
pub mod workplan;

pub use actions::{ActionState, ActionStatus, Due, Voice};
pub use append::{StageError, stage};
pub use chain::{ChainError, GENESIS, Mismatch, Row, Sealed, Verifier, link, seal};
pub use checkpoint::{Checkpoint, CheckpointError};
pub use codec::{DecodeError, ENCODING, EncodeError, MAX_EVENT_BYTES, decode, encode};
pub use model::*;
pub use recovery::{RecoveryState, Window};
pub use rules::{Context, Policy, RuleError, check, first_event};
pub use state::{EvidenceState, FoldError, HypothesisState, Incident, Position, SituationState};
pub use time::{TimeError, Timestamp};
pub use workplan::{FollowUpItem, PeriodState, Reminder, TaskState, WorkPlan};
