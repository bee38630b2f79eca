//! The site model over the API (`/api/site`): the read-only model the server
//! was started with (`interlock serve --site DIR`) and its analyses, what
//! `interlock site check|show|import-csv`, `authority check|explain`,
//! `impact`, `reach`, `contain`, `spof` and `restore-order` do from the CLI.
//! `site generate` (the synthetic-site generator for benchmarks) stays the
//! CLI's.
//!
//! Where the JSON comes from: every answer that the CLI also prints is the
//! CLI's `--json` value, built by the `site-json` crate, which the binary
//! calls for its output and this module for its answers. The values are the
//! CLI's documented formats, made from three pure crates (`site-model`,
//! `impact`, `authority`) that should neither depend on serde nor know each
//! other's views; the binary is not a library; and this crate is where HTTP
//! lives (statuses, query and body parsing, the OpenAPI document), not where
//! a stable file format should be defined. So `site-json` builds the values,
//! and this module adds what is HTTP's: reading queries and bodies against
//! the site (400 for what does not read, 422 naming what does not check),
//! the permission check, and the documented shapes ([`wire`]), which the
//! tests hold the answers to.
//!
//! Who may: any signed-in (enabled) user of the site's own staff reads the
//! model and runs an analysis; a vendor's people are refused (403): the
//! model is a map of the plant (accounts, remote pathways, single points of
//! failure) that a supplier does not need. The POSTs compute and change nothing, but are still
//! POSTs: with a session cookie they need the CSRF token, like every other
//! (the authentication middleware refuses them without, 403). Without a
//! site model every route answers 503.
//!
//! Analyses run on the blocking pool, so a whole-site `spof` or the planner
//! does not hold up the server's other requests.

pub mod wire;

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use impact::order::OrderOptions;
use impact::spof::SpofOptions;
use impact::{Action, AttackGraph, Foothold, Graph};
use serde::Deserialize;
use serde_json::{Value, json};
use site_model::diag::nearest;
use site_model::import::{ImportError, ImportOptions, import_assets_csv, parse_criticality};
use site_model::{AssetIx, Function, FunctionSet, PhaseWord, Site};
use utoipa::IntoParams;

use crate::AppState;
use crate::api::{ApiError, error, status_of};
use crate::auth::Principal;
use crate::service::{self, ContainQuery, Permission, ServiceError};
pub use wire::*;

/// Entries a list in a query or body may have: more is refused (422), not computed.
const MAX_LIST: usize = 1000;
/// Actions one `POST /api/site/impact` assesses.
const MAX_ACTIONS: usize = 32;
/// The longest action text.
const MAX_ACTION_TEXT: usize = 4096;
/// Unknown ids that get a "did you mean" (each hint is a scan of the ids).
const HINTS: usize = 5;

// ---------------------------------------------------------------------------------- queries

/// What an attacker holds (`interlock reach`).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReachQuery {
    /// What the attacker holds: asset ids, `account:ID`, `pathway:VENDOR/ID`, `vendor:ID`,
    /// comma-separated (required).
    #[param(example = "ews-01,account:ridgeline-legacy")]
    pub compromised: Option<String>,
    /// Critical assets to list with their paths (default 12).
    pub max: Option<u32>,
}

/// What to examine for single points of failure (`interlock spof`).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpofQuery {
    /// Asset ids to consider already lost, comma-separated (e.g. a domain controller down in the incident).
    #[param(example = "dc-corp-01")]
    pub assume_down: Option<String>,
    /// Process ids to examine, comma-separated (default: every process of criticality high or critical).
    #[param(example = "disinfection")]
    pub process: Option<String>,
    /// Report a lone provider serving at least this many consumers even when no process depends on it (default 2).
    pub min_consumers: Option<u32>,
    /// Entries to explain (default 10; 0 explains nothing).
    pub max: Option<u32>,
}

/// What to restore (`interlock restore-order`).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RestoreOrderQuery {
    /// Asset ids to restore, comma-separated. Without `assets` and `affected_by`: every asset of the site.
    #[param(example = "hmi-cr-01,dc-corp-01")]
    pub assets: Option<String>,
    /// Restore what these actions affect: action texts separated by `;` or newlines, e.g.
    /// `take-offline dc-corp-01,dc-corp-02`.
    pub affected_by: Option<String>,
    /// Dependency kinds whose provider must come back first, comma-separated (default: all but
    /// logging, remote-access and patching).
    pub kinds: Option<String>,
    /// Break ties by stage before criticality.
    pub stage_first: Option<bool>,
    /// The recovery plan's order: only authentication, name-resolution, time and backup come
    /// first, ties by stage first (not with `kinds` or `stage_first`).
    pub recovery: Option<bool>,
}

/// How to read an inventory (`interlock site import-csv`'s options).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportCsvQuery {
    /// The file's name, for the TOML's header comment and the problems (default `upload`).
    #[param(example = "inventory.csv")]
    pub name: Option<String>,
    /// The zone (id or name) of rows with no zone column or an empty one.
    pub zone: Option<String>,
    /// The owning team (id or name) of rows with no owner column or an empty one.
    pub owner: Option<String>,
    /// The criticality of rows with no criticality column or an empty one: `low`, `medium` (the
    /// default), `high` or `critical`.
    pub criticality: Option<String>,
}

// ---------------------------------------------------------------------------------- helpers

/// The site and its graph, or 503.
fn loaded(state: &AppState) -> Result<(Arc<Site>, Arc<Graph>), ServiceError> {
    match (&state.site, &state.graph) {
        (Some(site), Some(graph)) => Ok((site.clone(), graph.clone())),
        _ => Err(ServiceError::Unavailable(
            "the server was started without the site model (--site DIR): there is no site to describe".into(),
        )),
    }
}

/// Who may read the site: an enabled user mapped to a person of the site's
/// own staff. A vendor's people are refused: the whole model (every account,
/// remote pathway and single point of failure) is a map of the plant that a
/// supplier's engineer does not need to do their work, and one whose
/// credentials are stolen must not hand it over.
fn may_read(state: &AppState, p: &Principal) -> Result<(Arc<Site>, Arc<Graph>), ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let (site, graph) = loaded(state)?;
    let person = &p.user.person;
    match site.person_by_id(person).map(|ix| &site.people[ix.ix()].affiliation) {
        Some(Some(site_model::Affiliation::Vendor(v))) => Err(ServiceError::Forbidden(format!(
            "{person} is a person of the vendor {}: the site model is for the site's own staff",
            site.vendors.get(v.ix()).map_or("?", |v| &*v.id)
        ))),
        Some(_) => Ok((site, graph)),
        None => Err(ServiceError::Forbidden(format!(
            "{person} is not a person of the site model: the site model is for the site's own staff"
        ))),
    }
}

fn answer(r: Result<Value, ServiceError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(status_of(&e), &e.to_string()).into_response(),
    }
}

/// A query that does not read (a number that is not one): 400, and why.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, (StatusCode, String)> {
    q.map(|Query(q)| q).map_err(|r| (StatusCode::BAD_REQUEST, r.body_text()))
}

/// Runs an analysis on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServiceError::Store(format!("the analysis did not finish: {e}")))?
}

/// A comma- (or newline-) separated list, without empty entries; at most [`MAX_LIST`].
fn list(field: &str, v: &Option<String>, separators: &[char]) -> Result<Vec<String>, ServiceError> {
    let v: Vec<String> = v
        .as_deref()
        .unwrap_or("")
        .split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if v.len() > MAX_LIST {
        return Err(ServiceError::Invalid(format!("{field}: at most {MAX_LIST} entries")));
    }
    Ok(v)
}

fn hint(n: usize, wanted: &str, candidates: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    if n >= HINTS {
        return String::new();
    }
    let candidates: Vec<_> = candidates.into_iter().collect();
    nearest(wanted, candidates.iter().map(AsRef::as_ref))
        .map(|n| format!(" (did you mean \"{n}\"?)"))
        .unwrap_or_default()
}

/// Asset ids, every unknown one named (with the nearest known id for the first few).
fn assets(site: &Site, field: &str, ids: &[String], errors: &mut Vec<String>) -> Vec<AssetIx> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match site.asset_by_id(id) {
            Some(a) => out.push(a),
            None => {
                let h = hint(errors.len(), id, site.assets.iter().map(|a| &*a.id).take(200_000));
                errors.push(format!("{field}: unknown asset \"{id}\"{h}"));
            }
        }
    }
    out
}

fn parse_actions(site: &Site, texts: &[String]) -> Result<Vec<Action>, ServiceError> {
    let mut actions = Vec::with_capacity(texts.len());
    let mut errors = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        if t.len() > MAX_ACTION_TEXT {
            errors.push(format!("action {}: longer than {MAX_ACTION_TEXT} bytes", i + 1));
            continue;
        }
        match Action::parse(site, t) {
            Ok(a) => actions.push(a),
            Err(e) => errors.push(format!("action {} \"{t}\": {}", i + 1, e.explain())),
        }
    }
    if errors.is_empty() { Ok(actions) } else { Err(ServiceError::Invalid(errors.join("; "))) }
}

fn invalid(errors: Vec<String>) -> Result<(), ServiceError> {
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Invalid(errors.join("; "))) }
}

fn attack_graph(site: &Site, graph: &Graph) -> Result<AttackGraph, ServiceError> {
    AttackGraph::compile(site, graph).map_err(|e| ServiceError::Unavailable(e.to_string()))
}

// ---------------------------------------------------------------------------------- the model

/// The site model the server was started with: its name, its version (the
/// site-model version decisions record), the authority matrix's version,
/// its counts, and the warnings of its check (`interlock site check`).
#[utoipa::path(
    get,
    path = "/api/site",
    operation_id = "site_summary",
    tag = "site",
    responses(
        (status = 200, description = "The site and its check", body = SiteSummary),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn summary(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    answer(may_read(&state, &p).map(|(site, _)| {
        json!({
            "site": site_json::info(&site),
            "version": site.version(),
            "authority_version": site.authority.as_ref().map(|m| &m.version),
            "counts": site_json::CountsJson::from(site.counts()),
            "warnings": state.site_warnings.iter().map(site_json::DiagnosticJson::from).collect::<Vec<_>>(),
        })
    }))
}

/// The whole normalised site model, as `interlock site show --json` prints
/// it (format `interlock.site/1`, docs/cli-json.md): every collection in id
/// order, references as ids, defaults filled in.
#[utoipa::path(
    get,
    path = "/api/site/model",
    operation_id = "site_model",
    tag = "site",
    responses(
        (status = 200, description = "The model", body = SiteModel),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn model(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    let r = match may_read(&state, &p) {
        Ok((site, _)) => {
            blocking(move || {
                let mut out = Vec::with_capacity(site.assets.len().saturating_mul(400).saturating_add(1 << 16));
                site_json::show(&site, &mut out).map_err(|e| ServiceError::Store(format!("writing the model: {e}")))?;
                Ok(out)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => error(status_of(&e), &e.to_string()).into_response(),
    }
}

// ---------------------------------------------------------------------------------- impact

fn impact_answer(site: &Site, graph: &Graph, actions: &[Action], phase: PhaseWord) -> Value {
    let engine = authority::Engine { site, graph };
    let each: Vec<Value> = actions
        .iter()
        .map(|a| {
            let alone = impact::analyze(site, graph, std::slice::from_ref(a));
            let (approvals, unavailable, holders) = match (&site.authority, engine.assess(&a.text, phase)) {
                (Some(m), Ok(asm)) => {
                    let req = &asm.requirement;
                    let roles = req
                        .groups
                        .iter()
                        .flat_map(|g| g.roles.iter())
                        .chain(&req.veto)
                        .chain(req.execute.iter().flatten())
                        .chain(&req.override_roles)
                        .chain(req.ladder.iter().map(|r| &r.role))
                        .map(|r| &**r);
                    let holders = site_json::holders_json(site, roles);
                    (site_json::assessment_json(site, m, &asm, phase), Value::Null, holders)
                }
                (_, Err(e)) => (Value::Null, Value::from(e.to_string()), Vec::new()),
                (None, Ok(_)) => (Value::Null, Value::from("the site model has no authority matrix"), Vec::new()),
            };
            json!({
                "action": &*a.text,
                "impact": site_json::impact_json(site, &alone),
                "approvals": approvals,
                "approvals_unavailable": unavailable,
                "holders": holders,
            })
        })
        .collect();
    let combined = impact::analyze(site, graph, actions);
    json!({
        "site_version": site.version(),
        "authority_version": site.authority.as_ref().map(|m| &m.version),
        "phase": phase.as_str(),
        "actions": each,
        "combined": site_json::impact_json(site, &combined),
    })
}

/// What proposed actions would break, before anyone acts (`interlock
/// impact`): for each action alone, the functions lost on the IT and OT
/// sides, what happens to each critical process (control, view, alarm,
/// safety), the safety verdict with its compensating measures, and the
/// approvals the authority matrix would require (the matching rules, the
/// roles, who holds them); then all the actions together. Nothing is
/// recorded.
#[utoipa::path(
    post,
    path = "/api/site/impact",
    operation_id = "site_impact",
    tag = "site",
    request_body = SiteImpactRequest,
    responses(
        (status = 200, description = "Each action's impact and approvals, and their combined impact", body = SiteImpactAnswer),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user), or no CSRF token with a session", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No action, too many, an unknown phase, or an action that does not read against the site (each named, with the unknown id)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn impact(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<SiteImpactRequest>, JsonRejection>,
) -> Response {
    let (site, graph) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let req = match req {
        Ok(Json(r)) => r,
        Err(r) => {
            let status = match r.status() {
                s @ (StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::PAYLOAD_TOO_LARGE) => s,
                _ => StatusCode::BAD_REQUEST,
            };
            return error(status, &r.body_text()).into_response();
        }
    };
    let r = async move {
        if req.actions.is_empty() {
            return Err(ServiceError::Invalid("actions: at least one action, e.g. \"take-offline dc-corp-01\"".into()));
        }
        if req.actions.len() > MAX_ACTIONS {
            return Err(ServiceError::Invalid(format!("actions: at most {MAX_ACTIONS}")));
        }
        let phase = match req.phase.as_deref().map(str::trim) {
            None | Some("") => PhaseWord::Contain,
            Some(w) => PhaseWord::parse(w).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "phase: \"{w}\" is not a phase; expected one of {}",
                    PhaseWord::WORDS.join(", ")
                ))
            })?,
        };
        let actions = parse_actions(&site, &req.actions)?;
        blocking(move || Ok(impact_answer(&site, &graph, &actions, phase))).await
    }
    .await;
    answer(r)
}

// ---------------------------------------------------------------------------------- reach, contain

/// What an attacker on the footholds can reach, and through what (`interlock
/// reach`): over network flows, shared credentials and vendor pathways, with
/// one shortest path to each critical process and asset, and the conduits
/// the paths cross.
#[utoipa::path(
    get,
    path = "/api/site/reach",
    operation_id = "site_reach",
    tag = "site",
    params(ReachQuery),
    responses(
        (status = 200, description = "What is reached", body = SiteReach),
        (status = 400, description = "A query parameter does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 422, description = "Nothing compromised given, or an id the site model does not know (each named)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn reach(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<ReachQuery>, QueryRejection>,
) -> Response {
    let (site, graph) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    let r = async move {
        let compromised = list("compromised", &q.compromised, &[',', '\n'])?;
        if compromised.is_empty() {
            return Err(ServiceError::Invalid(
                "compromised: required: what the attacker holds (asset ids, account:ID, pathway:VENDOR/ID, vendor:ID)"
                    .into(),
            ));
        }
        let mut errors = Vec::new();
        let mut footholds: Vec<Foothold> = Vec::new();
        for t in &compromised {
            match Foothold::parse(&site, t) {
                Ok(f) if !footholds.contains(&f) => footholds.push(f),
                Ok(_) => {}
                Err(e) => errors.push(format!("compromised \"{t}\": {}", e.explain())),
            }
        }
        invalid(errors)?;
        let max = q.max.unwrap_or(12) as usize;
        blocking(move || {
            let attack = attack_graph(&site, &graph)?;
            let starts = impact::reach::foothold_nodes(&site, &footholds);
            let reach = attack.reach(&starts);
            Ok(site_json::reach_json(&site, &footholds, &reach, max))
        })
        .await
    }
    .await;
    answer(r)
}

/// The least harmful set of actions that cuts an attacker off from what
/// must stay protected (`interlock contain`): the best plan and its ranked
/// alternatives, each with its combined impact, or the protected flows that
/// stand in the way of every plan. The same planner as an incident's
/// (`/api/incidents/{id}/contain`), without an incident.
#[utoipa::path(
    get,
    path = "/api/site/contain",
    operation_id = "site_contain",
    tag = "site",
    params(ContainQuery),
    responses(
        (status = 200, description = "The plans", body = SiteContain),
        (status = 400, description = "A query parameter does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 422, description = "Nothing compromised given, too many alternatives, or an id the site model does not know (each named)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn contain(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<ContainQuery>, QueryRejection>,
) -> Response {
    let (site, graph) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    let r = blocking(move || {
        for (field, v) in [("compromised", &q.compromised), ("protect", &q.protect)] {
            list(field, v, &[',', '\n'])?;
        }
        let planned = service::plan_containment(&site, &graph, &q)?;
        let c = &planned.containment;
        let now = site_json::attacker_path(&site, &planned.attack, &planned.footholds, &planned.protect, c);
        Ok(site_json::contain_json(&site, &planned.protect, c, &now))
    })
    .await;
    answer(r)
}

// ---------------------------------------------------------------------------------- spof, restore order

/// Single points of failure (`interlock spof`): for each critical or high
/// process (or those named), each single asset whose loss alone removes
/// control, view, alarm or safety, with the chain that explains it; then the
/// lone providers of a function to their consumers, by consequence.
#[utoipa::path(
    get,
    path = "/api/site/spof",
    operation_id = "site_spof",
    tag = "site",
    params(SpofQuery),
    responses(
        (status = 200, description = "The single points of failure", body = SiteSpof),
        (status = 400, description = "A query parameter does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 422, description = "An asset or process the site model does not know (each named)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn spof(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<SpofQuery>, QueryRejection>,
) -> Response {
    let (site, graph) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    let r = blocking(move || {
        let mut errors = Vec::new();
        let assume_down = assets(&site, "assume_down", &list("assume_down", &q.assume_down, &[','])?, &mut errors);
        let mut processes = Vec::new();
        for id in list("process", &q.process, &[','])? {
            match site.processes.iter().position(|p| *p.id == *id) {
                Some(p) => processes.push(p),
                None => {
                    let h = hint(errors.len(), &id, site.processes.iter().map(|p| &*p.id));
                    errors.push(format!("process: unknown process \"{id}\"{h}"));
                }
            }
        }
        invalid(errors)?;
        let options = SpofOptions { assume_down, processes, min_consumers: q.min_consumers.unwrap_or(2) as usize };
        let found = impact::spof::find(&site, &graph, &options);
        Ok(site_json::spof_json(&site, &graph, &found, q.max.unwrap_or(10) as usize))
    })
    .await;
    answer(r)
}

/// The order to restore assets in (`interlock restore-order`): providers
/// before their consumers, dependency cycles together, ties by criticality
/// and stage, each asset with the reason for its place and, for re-entry
/// points, the checks they need. Without `assets` and `affected_by`, every
/// asset of the site.
#[utoipa::path(
    get,
    path = "/api/site/restore-order",
    operation_id = "site_restore_order",
    tag = "site",
    params(RestoreOrderQuery),
    responses(
        (status = 200, description = "The order", body = SiteRestoreOrder),
        (status = 400, description = "A query parameter does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 422, description = "An unknown asset or dependency kind, an action that does not read, or `recovery` with `kinds` or `stage_first`", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn restore_order(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<RestoreOrderQuery>, QueryRejection>,
) -> Response {
    let (site, graph) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    let r = blocking(move || {
        let recovery = q.recovery.unwrap_or(false);
        let stage_first = q.stage_first.unwrap_or(false);
        let kind_words = list("kinds", &q.kinds, &[','])?;
        if recovery && (stage_first || !kind_words.is_empty()) {
            return Err(ServiceError::Invalid(
                "recovery: the recovery order sets its own kinds and tie-break: not with kinds or stage_first".into(),
            ));
        }
        let mut errors = Vec::new();
        let mut kinds = FunctionSet::EMPTY;
        for k in &kind_words {
            match Function::parse(k) {
                Some(f) => {
                    kinds.insert(f);
                }
                None => {
                    let h = hint(0, k, Function::WORDS.iter().copied());
                    errors.push(format!(
                        "kinds: unknown dependency kind \"{k}\"{h}; expected one of {}",
                        Function::WORDS.join(", ")
                    ));
                }
            }
        }
        let ids = list("assets", &q.assets, &[','])?;
        let mut set = assets(&site, "assets", &ids, &mut errors);
        let affected_by = list("affected_by", &q.affected_by, &[';', '\n'])?;
        if affected_by.len() > MAX_ACTIONS {
            errors.push(format!("affected_by: at most {MAX_ACTIONS} actions"));
        }
        let actions = if errors.is_empty() {
            parse_actions(&site, &affected_by).map_err(|e| errors.push(format!("affected_by: {e}"))).ok()
        } else {
            None
        };
        invalid(errors)?;
        let options = if recovery {
            OrderOptions::recovery()
        } else {
            OrderOptions { kinds: if kinds.is_empty() { OrderOptions::default_kinds() } else { kinds }, stage_first }
        };
        match actions {
            Some(actions) if !actions.is_empty() => {
                let impact = impact::analyze(&site, &graph, &actions);
                set.extend(impact::order::affected_assets(&site, &graph, &impact));
            }
            _ if ids.is_empty() => set = site.assets_in_id_order().collect(),
            _ => {}
        }
        set.sort_unstable();
        set.dedup();
        let plan = impact::order::restore_order(&site, &graph, &set, &options);
        Ok(site_json::order_json(&site, &plan, &affected_by))
    })
    .await;
    answer(r)
}

// ---------------------------------------------------------------------------------- authority

/// The authority matrix checked against the site (`interlock authority
/// check`: every finding explains itself) and explained (`authority
/// explain`: defaults, ladders, each rule's conditions and requirements,
/// who holds every role it names). What one action would need is in
/// `POST /api/site/impact`.
#[utoipa::path(
    get,
    path = "/api/site/authority",
    operation_id = "site_authority",
    tag = "site",
    responses(
        (status = 200, description = "The check and the matrix", body = SiteAuthority),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user)", body = ApiError),
        (status = 503, description = "The server has no site model, or the site has no authority matrix", body = ApiError),
    )
)]
pub async fn authority_matrix(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
) -> Response {
    let r = may_read(&state, &p).and_then(|(site, _)| {
        let m = site.authority.as_ref().ok_or_else(|| {
            ServiceError::Unavailable(
                "the site model has no authority matrix (an `[authority]` table; docs/site-model.md)".into(),
            )
        })?;
        let findings = authority::validate(&site);
        Ok(json!({
            "check": site_json::authority_check_json(m, &findings),
            "matrix": site_json::matrix_json(&site, m),
        }))
    });
    answer(r)
}

// ---------------------------------------------------------------------------------- import

/// A refusal of an inventory: 422 with the problems, or another status with none.
fn import_refused(status: StatusCode, why: String, problems: Vec<Value>) -> Response {
    (status, Json(json!({"error": why, "problems": problems}))).into_response()
}

fn import_csv_answer(site: &Site, q: &ImportCsvQuery, body: &[u8]) -> Result<Value, (StatusCode, String, Vec<Value>)> {
    let invalid = |why: String| (StatusCode::UNPROCESSABLE_ENTITY, why, Vec::new());
    let name = q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("upload");
    if name.len() > 200 || name.chars().any(char::is_control) {
        return Err(invalid("name: at most 200 bytes, no control characters".into()));
    }
    let criticality = match q.criticality.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => site_model::Criticality::Medium,
        Some(c) => parse_criticality(c).ok_or_else(|| {
            invalid(format!("criticality: \"{c}\" is not a criticality; expected low, medium, high or critical"))
        })?,
    };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (zone, owner) = (text(&q.zone), text(&q.owner));
    let opts = ImportOptions {
        source_name: name,
        site: Some(site),
        default_zone: zone.as_deref(),
        default_owner: owner.as_deref(),
        default_criticality: criticality,
    };
    let mut out = Vec::with_capacity(body.len().saturating_mul(2));
    let report = match import_assets_csv(body, &mut out, &opts, &mut |_| {}) {
        Ok(r) => r,
        Err(ImportError::Header(d) | ImportError::BadDefault(d)) => {
            let problem = serde_json::to_value(site_json::DiagnosticJson::from(&*d)).unwrap_or(Value::Null);
            return Err((StatusCode::UNPROCESSABLE_ENTITY, format!("nothing reads: {d}"), vec![problem]));
        }
        Err(e @ ImportError::Read { .. }) => return Err(invalid(format!("nothing reads: {e}"))),
        Err(e @ ImportError::Write(_)) => return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), Vec::new())),
    };
    let problems: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| serde_json::to_value(site_json::DiagnosticJson::from(d)).unwrap_or(Value::Null))
        .collect();
    if report.rows > 0 && report.imported == 0 {
        let lines: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("no row could be imported ({} bad): {}", report.bad_rows, lines.join("; ")),
            problems,
        ));
    }
    let toml = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(json!({
        "file": name,
        "toml": toml,
        "rows": report.rows,
        "imported": report.imported,
        "bad_rows": report.bad_rows,
        "errors": report.errors,
        "columns": report.columns.iter().map(|(h, f)| json!({"header": h, "field": f})).collect::<Vec<_>>(),
        "problems": problems,
    }))
}

/// Reads an asset inventory (the body: a CSV export of Claroty, Nozomi,
/// Dragos or a spreadsheet, with a header row) into `[[asset]]` tables,
/// checked against the site it will join, as `interlock site import-csv
/// --site` does: columns mapped by header (with the synonyms those tools
/// use), zones and owners by id or name, ids the site already defines
/// refused. Nothing is written: the site model is files in git, so commit
/// the TOML returned. Bad rows are left out of it and each named (line,
/// column, header); when no row reads the answer is 422 with every problem.
#[utoipa::path(
    post,
    path = "/api/site/import-csv",
    operation_id = "site_import_csv",
    tag = "site",
    params(ImportCsvQuery),
    request_body(content = String, content_type = "text/csv", description = "The inventory CSV, with a header row"),
    responses(
        (status = 200, description = "The [[asset]] TOML of the good rows, and each problem", body = SiteImportCsv),
        (status = 400, description = "An empty body, or a query parameter that does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed (a vendor's person, or a disabled user), or no CSRF token with a session", body = ApiError),
        (status = 413, description = "Larger than the server's body limit (use `interlock site import-csv`)", body = ApiError),
        (status = 422, description = "No row reads (no usable header, a bad default, every row bad): every problem, by line", body = SiteImportRefused),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn import_csv(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<ImportCsvQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (site, _) = match may_read(&state, &p) {
        Ok(s) => s,
        Err(e) => return answer(Err(e)),
    };
    let q = match query(q) {
        Ok(q) => q,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    let body = match body {
        Err(r) => return error(r.status(), &r.body_text()).into_response(),
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => {
            return error(StatusCode::BAD_REQUEST, "the body is empty: send the inventory CSV as the request body")
                .into_response();
        }
        Ok(b) => b,
    };
    let r = blocking(move || Ok(import_csv_answer(&site, &q, &body))).await;
    match r {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err((status, why, problems))) => import_refused(status, why, problems),
        Err(e) => error(status_of(&e), &e.to_string()).into_response(),
    }
}
