//! The authority matrix, as loaded: who may execute which response action,
//! whose approvals it needs, who may veto or override it, and how an
//! undecided or disputed proposal escalates.
//!
//! Written in the site's files under the `authority` key (see
//! docs/site-model.md, "The authority matrix"). This module only holds the
//! resolved data; the `authority` crate evaluates it against a proposed
//! action and its computed impact, and validates it against the site.
//!
//! Every rule whose conditions match a proposed action applies: the
//! requirement is the conjunction of the matching rules' outcomes (all their
//! approval groups, any joint sign-off, every veto; only roles allowed by all
//! of them may execute or override; the shortest escalation delay). So a
//! larger impact, which can only make more rules match, never needs fewer
//! approvals.

use crate::model::{RoleIx, ZoneIx};
use crate::vocab::{AssetKind, Criticality, Domain, FunctionSet, ImpactFact, IntentWord, PhaseWord, PurdueLevel};

/// Where something was written, for explanations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub file: Box<str>,
    pub line: u32,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The authority matrix of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct Authority {
    /// Minutes an undecided proposal waits before it escalates, when its rules do not say.
    pub escalate_minutes: u32,
    /// The ladder used when the matching rules name none (index into `ladders`).
    pub ladder: Option<usize>,
    /// Roles that may override in an emergency when the matching rules do not say.
    pub override_roles: Vec<RoleIx>,
    pub ladders: Vec<Ladder>,
    /// In the order written (files in path order, then position in the file).
    pub rules: Vec<Rule>,
    /// `sha256:<hex>` of the normalised matrix (the authority part of the site model only).
    pub version: String,
    pub place: Place,
}

/// An escalation ladder: who decides next when a proposal waits too long or
/// the sides disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    pub id: Box<str>,
    pub steps: Vec<Step>,
    /// A ladder that continues after this one's last step (index into `ladders`).
    pub then: Option<usize>,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Holders (primary or deputy) of this role decide at this step.
    pub role: RoleIx,
    /// Minutes this step has to decide before the next one is called.
    pub after_minutes: u32,
}

/// One row of the matrix: when it applies, and what it requires.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: Box<str>,
    pub description: Option<Box<str>>,
    pub when: Conditions,
    pub then: Outcome,
    pub place: Place,
}

/// What a rule matches on. Every condition given must hold; a list holds
/// when any of its entries does; an empty list is no condition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    /// Verbs of the site's vocabulary.
    pub verbs: Vec<Box<str>>,
    /// Target conditions: some asset the action touches has all of them.
    pub target_domains: Vec<Domain>,
    pub target_zones: Vec<ZoneIx>,
    pub target_levels: Vec<PurdueLevel>,
    pub target_kinds: Vec<AssetKind>,
    pub target_criticality: Vec<Criticality>,
    /// The target serves any of these functions.
    pub target_functions: FunctionSet,
    /// The computed impact has any of these facts.
    pub impact: Vec<ImpactFact>,
    pub intents: Vec<IntentWord>,
    pub phases: Vec<PhaseWord>,
}

impl Conditions {
    /// Whether the rule has conditions on the target's properties.
    pub fn has_target_conditions(&self) -> bool {
        !self.target_domains.is_empty()
            || !self.target_zones.is_empty()
            || !self.target_levels.is_empty()
            || !self.target_kinds.is_empty()
            || !self.target_criticality.is_empty()
            || !self.target_functions.is_empty()
    }
}

/// What a rule requires.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Roles whose holders may execute; `None`: this rule does not restrict who executes.
    pub execute: Option<Vec<RoleIx>>,
    /// All of these groups must be satisfied.
    pub approvals: Vec<ApprovalGroup>,
    /// Joint sign-off: the approvals include at least one person from IT and one from OT.
    pub joint: bool,
    /// Holders of these roles may veto (a veto cannot be overridden).
    pub veto: Vec<RoleIx>,
    pub escalate_minutes: Option<u32>,
    /// Index into [`Authority::ladders`].
    pub ladder: Option<usize>,
    /// Who may override in an emergency; `None`: the matrix default.
    pub override_roles: Option<Vec<RoleIx>>,
}

/// `count` distinct people, each holding one of `roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalGroup {
    pub roles: Vec<RoleIx>,
    pub count: u32,
}
