//! The documented shapes of the `/api/site` answers: what the OpenAPI document
//! says each route returns. The values themselves are built by the
//! `site-json` crate, the CLI's `--json` builders; these structs only
//! describe them (and the tests read every answer back through them and
//! check that no key is missing or extra, so the document cannot drift from
//! what is served). Keys never go missing: an absent value is `null` or `[]`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------- the site

/// The site's own description.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteInfo {
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    /// An IANA time zone, e.g. `America/Chicago`.
    pub timezone: Option<String>,
    pub description: Option<String>,
}

/// How many of each thing the model defines.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteCounts {
    pub zones: u64,
    pub conduits: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub processes: u64,
    pub teams: u64,
    pub people: u64,
    pub roles: u64,
    pub accounts: u64,
    pub vendors: u64,
    pub baselines: u64,
    pub terms: u64,
}

/// A finding of the site-model check (`site check --json`), or of an inventory import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteDiagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// The file (empty for a finding about the whole model).
    pub file: String,
    /// 1-based; 0 for a whole-file finding.
    pub line: u32,
    pub column: u32,
    /// `<thing> "<id>" > <field>`, or an inventory column's header.
    pub field: String,
    pub message: String,
    pub expected: Option<String>,
    pub help: Option<String>,
}

/// The site model the server was started with: what `interlock site check` says of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteSummary {
    pub site: SiteInfo,
    /// `sha256:<hex>` of the normalised model: the site-model version decisions record.
    pub version: String,
    /// The authority matrix's own version (null: the site has no matrix).
    pub authority_version: Option<String>,
    pub counts: SiteCounts,
    /// The check's warnings, with file, line and field (a model with errors never loads).
    pub warnings: Vec<SiteDiagnostic>,
}

// ---------------------------------------------------------------------------------- the model

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteZone {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub domain: Option<String>,
    /// 0-5, or 3.5.
    pub purdue_level: Option<f64>,
    pub security_level: Option<u8>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteChannel {
    pub name: String,
    pub protocol: String,
    pub port: Option<u16>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteConduit {
    pub id: String,
    pub name: String,
    /// Zone ids, sorted.
    pub zones: Vec<String>,
    pub channels: Vec<SiteChannel>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteAsset {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The MITRE ATT&CK for ICS asset id, e.g. `A0003`.
    pub attack_ics: Option<String>,
    pub domain: String,
    pub zone: String,
    pub purdue_level: Option<f64>,
    pub criticality: String,
    /// The owning team.
    pub owner: Option<String>,
    pub addresses: Vec<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub functions: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteDependency {
    pub consumer: String,
    pub provider: String,
    pub kind: String,
    /// `within-zone`, `named`, `derived` or `undocumented`.
    pub crossing: String,
    /// Conduit ids in order from the consumer's zone.
    pub route: Vec<String>,
    pub channel: Option<String>,
    pub criticality: String,
    pub safety_relevant: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteManualOperation {
    pub procedure: String,
    pub sustainable_minutes: u32,
    pub staffing: u32,
    pub last_exercised: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteProcess {
    pub id: String,
    pub name: String,
    pub criticality: String,
    pub control: Vec<String>,
    pub view: Vec<String>,
    pub alarm: Vec<String>,
    pub safety: Vec<String>,
    pub manual_operation: Option<SiteManualOperation>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteTeam {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteContact {
    pub channel: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SitePerson {
    pub id: String,
    pub name: String,
    pub team: Option<String>,
    pub vendor: Option<String>,
    pub title: Option<String>,
    pub contacts: Vec<SiteContact>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRole {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub primary: Option<String>,
    /// In order.
    pub deputies: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteAccount {
    pub id: String,
    pub username: String,
    pub kind: String,
    pub status: String,
    /// The directory asset that authenticates it.
    pub directory: Option<String>,
    pub holders: Vec<String>,
    pub vendor: Option<String>,
    pub assets: Vec<String>,
    pub privileged: bool,
    pub mfa: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SitePathway {
    pub id: String,
    /// The hops, in order.
    pub via: Vec<String>,
    pub targets: Vec<String>,
    pub accounts: Vec<String>,
    pub mfa: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteVendorFunction {
    pub name: String,
    pub safety_critical: bool,
    pub assets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteVendor {
    pub id: String,
    pub name: String,
    pub supervision_required: bool,
    pub recording_required: bool,
    pub pathways: Vec<SitePathway>,
    pub functions: Vec<SiteVendorFunction>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteBaseline {
    pub asset: String,
    pub config_hash: Option<String>,
    pub logic_version: Option<String>,
    pub logic_hash: Option<String>,
    pub firmware: Option<String>,
    pub recorded: Option<String>,
    pub recorded_by: Option<String>,
}

/// A verb of the site's action vocabulary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteActionDef {
    pub verb: String,
    pub effect: String,
    pub definition: String,
    pub it_reading: String,
    pub ot_reading: String,
    pub reversible: bool,
    pub reversal: String,
    pub typical_minutes: u32,
    /// Defined or reworded by the site.
    pub from_site: bool,
    /// The kinds of target it applies to.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteTerm {
    pub term: String,
    pub canonical: String,
    pub it_reading: Option<String>,
    pub ot_reading: Option<String>,
    pub not_to_be_confused_with: Vec<String>,
}

/// The whole normalised site model (`interlock site show --json`, format `interlock.site/1`,
/// docs/cli-json.md): collections in id order, references as ids, defaults filled in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteModel {
    /// `interlock.site/1`.
    pub format: String,
    pub version: String,
    pub site: SiteInfo,
    pub counts: SiteCounts,
    pub zones: Vec<SiteZone>,
    pub conduits: Vec<SiteConduit>,
    pub assets: Vec<SiteAsset>,
    pub dependencies: Vec<SiteDependency>,
    pub processes: Vec<SiteProcess>,
    pub teams: Vec<SiteTeam>,
    pub people: Vec<SitePerson>,
    pub roles: Vec<SiteRole>,
    pub accounts: Vec<SiteAccount>,
    pub vendors: Vec<SiteVendor>,
    pub baselines: Vec<SiteBaseline>,
    pub actions: Vec<SiteActionDef>,
    pub glossary: Vec<SiteTerm>,
}

// ---------------------------------------------------------------------------------- impact

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImpactAction {
    pub text: String,
    pub verb: String,
    pub effect: String,
    /// `containment`, `safety` or `both`.
    pub intent: String,
    /// `kind:id`.
    pub targets: Vec<String>,
    pub typical_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteMeasure {
    pub what: String,
    pub why: String,
}

/// The safety verdict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteVerdict {
    /// `safe`, `safe-with-measures` or `unsafe`.
    pub verdict: String,
    /// Why it is unsafe.
    pub reasons: Vec<String>,
    /// The compensating measures, in order.
    pub measures: Vec<SiteMeasure>,
}

/// A function lost, and the assets that lose it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLossCategory {
    pub category: String,
    pub assets: Vec<String>,
}

/// What happens to a critical process: control, view, alarm and safety each `intact`, `degraded` or `lost`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteProcessImpact {
    pub process: String,
    pub control: String,
    pub view: String,
    pub alarm: String,
    pub safety: String,
    pub stopped: bool,
    pub manual: bool,
    pub reasons: Vec<String>,
}

/// A MITRE ATT&CK for ICS impact the response would inflict on itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteSelfInflicted {
    pub technique: String,
    pub name: String,
    pub because: String,
}

/// A station people can no longer use, and why (lines).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteUnusable {
    pub asset: String,
    pub explanation: Vec<String>,
}

/// A function an asset loses, and the chain back to the action (lines).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLost {
    pub asset: String,
    pub function: String,
    pub explanation: Vec<String>,
}

/// An input that is degraded (one provider of several lost).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteDegraded {
    pub asset: String,
    pub function: String,
    pub provider: Option<String>,
}

/// A dependency broken: by an action (`direct`) or as a consequence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteBroken {
    pub consumer: String,
    pub provider: String,
    pub kind: String,
    pub direct: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteVendorFunctionLoss {
    pub name: String,
    pub safety_critical: bool,
}

/// Vendor access closed, and the vendor functions it carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteVendorLoss {
    pub vendor: String,
    pub pathway: String,
    pub functions: Vec<SiteVendorFunctionLoss>,
}

/// What actions break on both sides (`interlock impact --json`, format `interlock.impact/1`,
/// docs/actions.md).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImpact {
    /// `interlock.impact/1`.
    pub format: String,
    pub site_version: String,
    pub actions: Vec<SiteImpactAction>,
    pub verdict: SiteVerdict,
    pub categories: Vec<SiteLossCategory>,
    pub processes: Vec<SiteProcessImpact>,
    pub self_inflicted: Vec<SiteSelfInflicted>,
    pub unusable: Vec<SiteUnusable>,
    pub lost: Vec<SiteLost>,
    pub degraded: Vec<SiteDegraded>,
    /// Assets stopped.
    pub stopped: Vec<String>,
    pub broken: Vec<SiteBroken>,
    pub vendors: Vec<SiteVendorLoss>,
}

/// Proposed actions to assess, in the site's action syntax (docs/actions.md).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImpactRequest {
    /// One to 32 actions, e.g. `take-offline dc-corp-01,dc-corp-02 for containment`.
    #[schema(example = json!(["take-offline dc-corp-01,dc-corp-02 for containment"]))]
    pub actions: Vec<String>,
    /// The incident phase the approvals are assessed in: `detect`, `contain` (the default),
    /// `eradicate`, `recover`, `closed`.
    #[serde(default)]
    #[schema(example = "contain")]
    pub phase: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteFact {
    /// The impact fact's word (docs/site-model.md).
    pub fact: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRuleMatch {
    pub rule: String,
    /// The facts that made it match.
    pub because: Vec<String>,
}

/// `count` distinct people, each holding one of `roles`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteApprovalGroup {
    pub roles: Vec<String>,
    pub count: u32,
}

/// A rung of an escalation ladder.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRung {
    pub role: String,
    pub minutes: u32,
}

/// What one action needs under the authority matrix (`interlock authority explain --action
/// TEXT --json`): the assessment a proposal would record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteAssessment {
    pub action: String,
    pub phase: String,
    pub verdict: String,
    pub unsafe_reasons: Vec<String>,
    pub measures: Vec<String>,
    pub facts: Vec<SiteFact>,
    pub rules: Vec<SiteRuleMatch>,
    pub groups: Vec<SiteApprovalGroup>,
    /// At least one approver from IT and one from OT.
    pub joint: bool,
    pub veto: Vec<String>,
    /// Null: not restricted; `[]`: nobody may.
    pub execute: Option<Vec<String>>,
    /// Emergency override roles (`[]`: nobody may).
    #[serde(rename = "override")]
    pub override_roles: Vec<String>,
    pub escalate_minutes: u32,
    pub ladder: Vec<SiteRung>,
    pub authority_version: String,
    pub site_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteHolder {
    pub person: String,
    pub name: String,
    /// `primary` or `deputy`.
    pub holding: String,
}

/// Who holds a role of the site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRoleHolders {
    pub role: String,
    /// Null for a role the site does not define.
    pub name: Option<String>,
    pub holders: Vec<SiteHolder>,
}

/// One proposed action: its impact alone, and what it would need.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteActionAssessed {
    pub action: String,
    pub impact: SiteImpact,
    /// Null when it cannot be assessed (`approvals_unavailable` says why).
    pub approvals: Option<SiteAssessment>,
    /// Why there are no approvals: the site has no authority matrix, or no rule covers the action.
    pub approvals_unavailable: Option<String>,
    /// Who holds each role the approvals name (approvals, veto, execution, override, the ladder).
    pub holders: Vec<SiteRoleHolders>,
}

/// The impact of proposed actions, each alone and all together, and the approvals each needs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImpactAnswer {
    pub site_version: String,
    pub authority_version: Option<String>,
    pub phase: String,
    pub actions: Vec<SiteActionAssessed>,
    /// All the actions together (what `interlock impact --action A --action B --json` prints).
    pub combined: SiteImpact,
}

// ---------------------------------------------------------------------------------- reach

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteStepDependency {
    pub consumer: String,
    pub provider: String,
    pub kind: String,
}

/// One step of an attacker path.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteStep {
    pub from: String,
    pub to: String,
    /// `uses`, `serves`, `exposes`, `authenticates`, `logs-in`, `admits`, `on-route`, `leads-to`.
    pub how: String,
    pub dependency: Option<SiteStepDependency>,
    /// The conduits the step's flow crosses.
    pub conduits: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteReached {
    pub assets: u64,
    pub accounts: u64,
    pub pathways: u64,
    pub critical_assets: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteReachedProcess {
    pub process: String,
    pub criticality: String,
    pub control: Vec<String>,
    pub safety: Vec<String>,
    pub view: Vec<String>,
    pub alarm: Vec<String>,
    /// The member the attacker reaches first.
    pub nearest: Option<String>,
    pub path: Vec<SiteStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteReachedAsset {
    pub asset: String,
    pub criticality: String,
    pub kind: String,
    pub steps: u64,
    pub path: Vec<SiteStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteReachedConduit {
    pub conduit: String,
    pub reached_behind: u64,
}

/// What an attacker on the footholds reaches (`interlock reach --json`, format `interlock.reach/1`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteReach {
    /// `interlock.reach/1`.
    pub format: String,
    pub site_version: String,
    pub compromised: Vec<String>,
    pub reached: SiteReached,
    pub processes: Vec<SiteReachedProcess>,
    /// Nearest first, at most `max`.
    pub critical_assets: Vec<SiteReachedAsset>,
    pub conduits: Vec<SiteReachedConduit>,
}

// ---------------------------------------------------------------------------------- contain

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteProtected {
    pub assets: u64,
    pub reached: u64,
    pub compromised: Vec<String>,
}

/// A containment plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SitePlan {
    pub rank: u64,
    /// Action texts, each as `POST /api/site/impact` and a proposal take them.
    pub actions: Vec<String>,
    /// The cost of the combined impact; null when it is unsafe.
    pub cost: Option<u64>,
    pub cut_cost: u64,
    pub verdict: String,
    pub without: Vec<String>,
    pub verified: bool,
    pub impact: SiteImpact,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteBlockedFlow {
    pub consumer: String,
    pub provider: String,
    pub kind: String,
    pub processes: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteBlocked {
    pub path: Vec<SiteStep>,
    pub flows: Vec<SiteBlockedFlow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SitePlanStats {
    pub relevant_nodes: u64,
    pub nodes: u64,
    pub edges: u64,
    pub candidates: u64,
    pub solves: u64,
    pub analysed: u64,
}

/// The containment planner's answer (`interlock contain --json`, format `interlock.contain/1`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteContain {
    /// `interlock.contain/1`.
    pub format: String,
    pub site_version: String,
    pub compromised: Vec<String>,
    pub protect: Vec<String>,
    pub protected: SiteProtected,
    /// `plan`, `blocked` or `not-reached`.
    pub outcome: String,
    pub attacker_path: Vec<SiteStep>,
    pub plans: Vec<SitePlan>,
    pub blocked: Option<SiteBlocked>,
    pub stats: SitePlanStats,
}

// ---------------------------------------------------------------------------------- spof

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteSpofAsset {
    pub asset: String,
    /// The functions the process loses with it.
    pub lost: Vec<String>,
    /// One of the process's own assets.
    pub member: bool,
    pub reach: u64,
    /// Null beyond the first `max`.
    pub explanation: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteSpofProcess {
    pub process: String,
    pub name: String,
    pub criticality: String,
    pub candidates: u64,
    pub already_lost: Vec<String>,
    pub spofs: Vec<SiteSpofAsset>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLoneKind {
    pub kind: String,
    pub consumers: Vec<String>,
    pub others_lost: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLoneProcess {
    pub process: String,
    pub function: String,
    pub lost: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLoneProvider {
    pub provider: String,
    pub kinds: Vec<SiteLoneKind>,
    pub processes: Vec<SiteLoneProcess>,
    pub stations_unusable: Vec<String>,
    pub assets_losing: u64,
    pub explanation: Option<Vec<String>>,
}

/// Single points of failure (`interlock spof --json`, format `interlock.spof/1`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteSpof {
    /// `interlock.spof/1`.
    pub format: String,
    pub site_version: String,
    pub assume_down: Vec<String>,
    pub simulated: u64,
    pub processes: Vec<SiteSpofProcess>,
    pub lone_providers: Vec<SiteLoneProvider>,
}

// ---------------------------------------------------------------------------------- restore order

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRestoreAfter {
    pub asset: String,
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRestoreThrough {
    pub via: String,
    pub waits_for: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRestoreAsset {
    pub asset: String,
    pub stage: String,
    pub criticality: String,
    pub reason: String,
    pub after: Vec<SiteRestoreAfter>,
    pub through: Vec<SiteRestoreThrough>,
    pub together_with: Vec<String>,
    /// `identity`, `remote-access` or `monitoring`: a re-entry point.
    pub reentry: Option<String>,
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRestoreStep {
    pub step: u64,
    /// A dependency cycle: restored together.
    pub together: bool,
    pub running_in_cycle: Vec<String>,
    pub assets: Vec<SiteRestoreAsset>,
}

/// The order to restore assets in (`interlock restore-order --json`, format `interlock.restore-order/1`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRestoreOrder {
    /// `interlock.restore-order/1`.
    pub format: String,
    pub site_version: String,
    pub affected_by: Vec<String>,
    pub kinds: Vec<String>,
    pub tie_break: String,
    pub looked_through: u64,
    pub steps: Vec<SiteRestoreStep>,
}

// ---------------------------------------------------------------------------------- authority

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteFinding {
    /// `error` or `warning`.
    pub level: String,
    pub file: String,
    pub line: u32,
    /// `rule "x"`, `ladder "y"`, `role "z"`...
    pub subject: String,
    pub message: String,
    pub help: Option<String>,
}

/// The matrix validated against the site (`interlock authority check --json`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteAuthorityCheck {
    /// No finding is an error.
    pub ok: bool,
    pub version: String,
    pub rules: u64,
    pub findings: Vec<SiteFinding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteLadder {
    pub id: String,
    pub steps: Vec<SiteRung>,
    /// The ladder it continues with.
    pub then: Option<String>,
    /// `file:line`.
    pub place: String,
}

/// What a rule matches on: every condition given must hold, a list when any entry does.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteConditions {
    pub verbs: Vec<String>,
    pub target_domains: Vec<String>,
    pub target_zones: Vec<String>,
    pub target_levels: Vec<f64>,
    pub target_kinds: Vec<String>,
    pub target_criticality: Vec<String>,
    pub target_functions: Vec<String>,
    pub impact: Vec<String>,
    pub intents: Vec<String>,
    pub phases: Vec<String>,
}

/// What a rule requires.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteOutcome {
    pub approvals: Vec<SiteApprovalGroup>,
    pub joint: bool,
    pub veto: Vec<String>,
    /// Null: this rule does not restrict who executes.
    pub execute: Option<Vec<String>>,
    pub escalate_minutes: Option<u32>,
    pub ladder: Option<String>,
    /// Null: the matrix default.
    #[serde(rename = "override")]
    pub override_roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRule {
    pub id: String,
    pub description: Option<String>,
    pub place: String,
    pub when: SiteConditions,
    pub then: SiteOutcome,
}

/// The matrix in full (`interlock authority explain --json`, format `interlock.authority/1`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteMatrix {
    /// `interlock.authority/1`.
    pub format: String,
    pub version: String,
    pub site_version: String,
    pub place: String,
    /// Minutes before an undecided proposal escalates, when its rules do not say.
    pub escalate_minutes: u32,
    /// The ladder used when the matching rules name none.
    pub ladder: Option<String>,
    /// The default emergency override roles.
    #[serde(rename = "override")]
    pub override_roles: Vec<String>,
    pub ladders: Vec<SiteLadder>,
    /// In the order written.
    pub rules: Vec<SiteRule>,
    /// Who holds every role the matrix names.
    pub roles: Vec<SiteRoleHolders>,
}

/// The authority matrix checked against the site, and explained.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteAuthority {
    pub check: SiteAuthorityCheck,
    pub matrix: SiteMatrix,
}

// ---------------------------------------------------------------------------------- import

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteCsvColumn {
    /// The header as written.
    pub header: String,
    /// The asset field it maps to (null: ignored).
    pub field: Option<String>,
}

/// An asset inventory read into `[[asset]]` tables (`interlock site import-csv`): nothing is
/// written on the server; commit `toml` to the site's files.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImportCsv {
    /// The name given (`name`), as the TOML's header comment and the problems say it.
    pub file: String,
    /// The `[[asset]]` tables of the good rows.
    pub toml: String,
    pub rows: u64,
    pub imported: u64,
    pub bad_rows: u64,
    pub errors: u64,
    pub columns: Vec<SiteCsvColumn>,
    /// Each problem with its line, column and header; bad rows are left out of `toml`.
    pub problems: Vec<SiteDiagnostic>,
}

/// An inventory of which nothing reads: why, and every problem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteImportRefused {
    pub error: String,
    pub problems: Vec<SiteDiagnostic>,
}
