//! The Interlock impact engine.
//!
//! Given a loaded [`site_model::Site`], the engine compiles a [`Graph`] once
//! and then answers, before anyone acts: what a set of response actions would
//! break on both sides ([`analyze`]), whether that is safe ([`Verdict`]),
//! what an attacker can reach, and the least harmful way to cut them off.
//!
//! The crate is pure: no I/O, no clock, no async.

pub mod action;
pub mod flow;
pub mod graph;
pub mod impact;
pub mod order;
pub mod plan;
pub mod reach;
pub mod spof;
pub mod verdict;

pub use action::{Action, ActionError, Intent, Mode, Target};
pub use graph::Graph;
pub use impact::{Category, Cause, Impact, ProcessImpact, SelfInflicted, Status, Unusable, analyze};
pub use order::{OrderOptions, ReEntry, RestoreOrder, Stage, affected_assets, restore_order};
pub use plan::{Blocked, Containment, Plan, PlanError, PlanOptions, Protect, plan};
pub use reach::{AttackGraph, Cutoff, Foothold, Node, Reach, Step, TargetError};
pub use spof::{SpofOptions, Spofs};
pub use verdict::{Measure, Verdict};
