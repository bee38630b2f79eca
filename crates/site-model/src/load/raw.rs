//! What one file says, before references are resolved across files.
//!
//! Ids and references are file-local symbols ([`Sym`]) into the file's
//! symbol table, so a file with 100 000 dependencies on the same DNS server
//! stores that id once. Every reference keeps the byte offset it was written
//! at, for diagnostics.

use crate::model::{Channel, Contact, Date};
use crate::vocab::*;

/// A file-local symbol: index into [`RawFile::names`].
pub type Sym = u32;

/// A reference as written: the symbol and the byte offset of its value.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub sym: Sym,
    pub at: u32,
}

#[derive(Debug, Default)]
pub struct RawFile {
    pub names: Vec<Box<str>>,
    pub site: Vec<RawSite>,
    pub zones: Vec<RawZone>,
    pub conduits: Vec<RawConduit>,
    pub assets: Vec<RawAsset>,
    pub dependencies: Vec<RawDependency>,
    pub dependency_extras: Vec<RawDependencyExtra>,
    pub actions: Vec<RawAction>,
    pub processes: Vec<RawProcess>,
    pub teams: Vec<RawTeam>,
    pub people: Vec<RawPerson>,
    pub roles: Vec<RawRole>,
    pub accounts: Vec<RawAccount>,
    pub vendors: Vec<RawVendor>,
    pub baselines: Vec<RawBaseline>,
    pub terms: Vec<RawTerm>,
    /// The `[authority]` table of this parse unit (at most one; a file holds one).
    pub authority: Vec<RawAuthority>,
    pub deadlines: Vec<RawDeadline>,
}

#[derive(Debug)]
pub struct RawSite {
    pub at: u32,
    pub id: Box<str>,
    pub name: Box<str>,
    pub organisation: Option<Box<str>>,
    pub timezone: Option<Box<str>>,
    pub description: Option<Box<str>>,
    pub follow_up_days: Option<u32>,
    pub update_every: [Option<u32>; 4],
    pub verification_every: Option<u32>,
}

#[derive(Debug)]
pub struct RawZone {
    pub id: At,
    pub name: Box<str>,
    pub parent: Option<At>,
    pub domain: Option<Domain>,
    pub purdue_level: Option<PurdueLevel>,
    pub security_level: Option<u8>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawConduit {
    pub id: At,
    pub name: Box<str>,
    pub zones: Vec<At>,
    /// Offset of the `zones` value, for "fewer than two zones".
    pub zones_at: u32,
    pub channels: Vec<Channel>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawAsset {
    pub id: At,
    pub name: Option<Box<str>>,
    pub kind: AssetKind,
    pub domain: Option<Domain>,
    /// `None` when missing (reported); the asset is still defined.
    pub zone: Option<At>,
    pub purdue_level: Option<PurdueLevel>,
    pub criticality: Criticality,
    pub owner: Option<At>,
    pub addresses: Vec<Box<str>>,
    pub vendor: Option<Box<str>>,
    pub model: Option<Box<str>>,
    pub functions: FunctionSet,
    pub description: Option<Box<str>>,
}

/// A dependency as written. Kept small (28 bytes): a site has about five per
/// asset, so the rare parts (named routes, descriptions) live in
/// [`RawFile::dependency_extras`].
#[derive(Debug)]
pub struct RawDependency {
    /// Offset of the table, for findings about the dependency as a whole.
    pub at: u32,
    pub consumer: At,
    pub provider: At,
    /// `None` when missing or unknown (reported): references still resolve.
    pub kind: Option<Function>,
    pub criticality: Option<Criticality>,
    pub safety_relevant: Option<bool>,
    /// Index into [`RawFile::dependency_extras`], or [`NO_EXTRA`].
    pub extra: u32,
}

pub const NO_EXTRA: u32 = u32::MAX;

#[derive(Debug)]
pub struct RawDependencyExtra {
    /// The named route: one conduit or several, in order. Empty when derived.
    pub conduit: Vec<At>,
    /// The conduit channel the flow uses (`block-conduit ... except` keeps it), with its offset.
    pub channel: Option<(Box<str>, u32)>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawAction {
    pub at: u32,
    pub verb: Box<str>,
    pub effect: Option<(crate::action::Effect, u32)>,
    pub definition: Option<Box<str>>,
    pub it_reading: Option<Box<str>>,
    pub ot_reading: Option<Box<str>>,
    pub reversible: Option<bool>,
    pub reversal: Option<Box<str>>,
    pub typical_minutes: Option<u32>,
}

#[derive(Debug)]
pub struct RawManualOperation {
    pub procedure: Box<str>,
    pub sustainable_minutes: u32,
    pub staffing: u32,
    pub last_exercised: Option<Date>,
    pub notes: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawProcess {
    pub id: At,
    pub name: Box<str>,
    pub criticality: Criticality,
    pub control: Vec<At>,
    pub control_at: u32,
    pub view: Vec<At>,
    pub alarm: Vec<At>,
    pub safety: Vec<At>,
    pub manual_operation: Option<RawManualOperation>,
    pub readings: Vec<RawReading>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawReading {
    pub id: At,
    pub name: Box<str>,
    pub unit: Box<str>,
    pub station: Box<str>,
    pub shown_on: Option<Vec<At>>,
    pub tolerance: f64,
}

#[derive(Debug)]
pub struct RawTeam {
    pub id: At,
    pub name: Box<str>,
    pub domain: Option<Domain>,
}

#[derive(Debug)]
pub struct RawPerson {
    pub id: At,
    pub name: Box<str>,
    pub team: Option<At>,
    pub vendor: Option<At>,
    pub title: Option<Box<str>>,
    pub contacts: Vec<Contact>,
}

#[derive(Debug)]
pub struct RawRole {
    pub id: At,
    pub name: Box<str>,
    pub domain: Option<Domain>,
    pub primary: Option<At>,
    pub deputies: Vec<At>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawAccount {
    pub id: At,
    pub username: Option<Box<str>>,
    pub kind: AccountKind,
    pub status: AccountStatus,
    pub directory: Option<At>,
    pub holders: Vec<At>,
    pub holders_at: u32,
    pub vendor: Option<At>,
    pub assets: Vec<At>,
    pub privileged: bool,
    pub mfa: bool,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawPathway {
    pub id: At,
    pub via: Vec<At>,
    pub targets: Vec<At>,
    pub targets_at: u32,
    pub accounts: Vec<At>,
    pub mfa: bool,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawVendorFunction {
    pub name: Box<str>,
    pub safety_critical: bool,
    pub assets: Vec<At>,
}

#[derive(Debug)]
pub struct RawVendor {
    pub id: At,
    pub name: Box<str>,
    pub supervision_required: bool,
    pub recording_required: bool,
    pub pathways: Vec<RawPathway>,
    pub functions: Vec<RawVendorFunction>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawBaseline {
    pub asset: At,
    pub config_hash: Option<Box<str>>,
    pub logic_version: Option<Box<str>>,
    pub logic_hash: Option<Box<str>>,
    pub firmware: Option<Box<str>>,
    pub recorded: Option<Date>,
    pub recorded_by: Option<At>,
}

#[derive(Debug)]
pub struct RawTerm {
    pub at: u32,
    pub term: Box<str>,
    pub canonical: Box<str>,
    pub it_reading: Option<Box<str>>,
    pub ot_reading: Option<Box<str>>,
    /// (term, offset) pairs.
    pub not_to_be_confused_with: Vec<(Box<str>, u32)>,
}

/// A `[[deadline]]` table: only complete ones are kept (the rest are reported).
#[derive(Debug)]
pub struct RawDeadline {
    pub id: Box<str>,
    /// Offset of the `id` value, for "duplicate deadline id".
    pub id_at: u32,
    pub regime: Box<str>,
    pub trigger: Trigger,
    pub due: crate::deadline::Due,
    pub report: Box<str>,
    pub description: Option<Box<str>>,
}

/// The authority matrix as written in one parse unit.
#[derive(Debug)]
pub struct RawAuthority {
    /// Offset of the `authority` key in its header (`[authority]`, or the
    /// first `[[authority.rule]]`... when the table is only implied).
    pub at: u32,
    /// Whether the unit writes the `[authority]` table itself (a header or
    /// dotted keys), rather than only implying it through sub-tables.
    pub explicit: bool,
    pub escalate_minutes: Option<u32>,
    pub default_ladder: Option<At>,
    pub override_roles: Vec<At>,
    pub description: Option<Box<str>>,
    pub ladders: Vec<RawLadder>,
    pub rules: Vec<RawRule>,
}

#[derive(Debug)]
pub struct RawLadder {
    /// Offset of the table (its `[[authority.ladder]]` header).
    pub at: u32,
    pub id: At,
    pub steps: Vec<RawStep>,
    pub then: Option<At>,
    pub description: Option<Box<str>>,
}

#[derive(Debug)]
pub struct RawStep {
    pub role: At,
    pub after_minutes: u32,
}

#[derive(Debug)]
pub struct RawRule {
    /// Offset of the table (its `[[authority.rule]]` header).
    pub at: u32,
    pub id: At,
    pub description: Option<Box<str>>,
    /// (verb, offset) pairs: verbs resolve against the merged action vocabulary.
    pub verbs: Vec<(Box<str>, u32)>,
    pub target_domains: Vec<Domain>,
    pub target_zones: Vec<At>,
    pub target_levels: Vec<PurdueLevel>,
    pub target_kinds: Vec<AssetKind>,
    pub target_criticality: Vec<Criticality>,
    pub target_functions: FunctionSet,
    pub impact: Vec<ImpactFact>,
    pub intents: Vec<IntentWord>,
    pub phases: Vec<PhaseWord>,
    pub execute: Option<Vec<At>>,
    pub approvals: Vec<RawApproval>,
    pub joint: bool,
    pub veto: Vec<At>,
    pub escalate_minutes: Option<u32>,
    pub ladder: Option<At>,
    pub override_roles: Option<Vec<At>>,
}

#[derive(Debug)]
pub struct RawApproval {
    pub roles: Vec<At>,
    pub count: u32,
}
