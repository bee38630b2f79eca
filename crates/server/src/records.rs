//! The site-level records over the API (`interlock work|vendor|evidence|correlate`):
//! work orders and maintenance windows, vendor access grants and their
//! kill switch, the vendor session register, and observed activity judged
//! against them (recorded as evidence of an incident when asked).
//!
//! What a record is, how it is checked against the site model, revised,
//! imported and revoked is `store::records` (and `evidence::import` for
//! the judging), the same code the CLI calls: this module only adds the
//! wire shapes, the permissions and the access log. The JSON of each
//! response is the CLI's `--json` output, serialised from the same values.
//!
//! Who may do what (`docs/server.md`, "Site records"):
//! - reading the registers, judging a log, the session register: every enabled user;
//! - recording a work order or granting vendor access (it makes matching
//!   activity authorised): a user mapped to a site staff person who answers
//!   for every asset the record names (and the revision it replaces): an OT
//!   asset needs a member of an OT team or a holder of an OT role, an IT
//!   asset the IT side, a shared asset either side; a vendor's person never;
//! - revoking a grant (the kill switch): every user mapped to a person of the site;
//! - re-admitting a vendor whose grant was revoked: the approval
//!   `store::records::readmission` asks for, as with the CLI;
//! - recording an import on an incident: the incident's write path (its
//!   membership and rules), as every entry.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use evidence::import::{Judgement, LiveSession, Summary, Tally};
use evidence::{Correlator, Format, Grant, GrantStatus, WorkOrder};
use incident::Timestamp;
use serde::{Deserialize, Serialize};
use site_model::{Affiliation, Domain, Site};
use store::Store;
use store::records::{self, GRANT, RecordsError, Revision, WORK};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiError, error, status_of};
use crate::auth::Principal;
use crate::service::{self, Permission, ServiceError, log_access, store_error};

// ---------------------------------------------------------------------------
// Wire shapes.

/// A work order or maintenance window to record: the fields of
/// `interlock work add`. An id that exists gets a new revision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct WorkOrderRequest {
    pub id: String,
    pub title: String,
    /// Asset ids of the site model (at least one).
    pub assets: Vec<String>,
    /// Person ids doing the work.
    #[serde(default)]
    pub people: Vec<String>,
    /// Account ids they use.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// A vendor id, for vendor work.
    #[serde(default)]
    pub vendor: Option<String>,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339, after the start.
    pub end: String,
    /// logic-download, firmware-update, config-change, remote-session, patching, maintenance (at least one).
    pub activities: Vec<String>,
    /// Who supervises it (a person id).
    #[serde(default)]
    pub supervisor: Option<String>,
    /// Why (default "planned work").
    #[serde(default)]
    pub reason: Option<String>,
}

/// A vendor access grant: the fields of `interlock vendor grant`. An id
/// that exists gets a new revision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GrantRequest {
    pub id: String,
    /// A vendor id of the site model.
    pub vendor: String,
    /// Asset ids (at least one).
    pub assets: Vec<String>,
    /// The vendor's person ids.
    #[serde(default)]
    pub people: Vec<String>,
    /// Account ids they use.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// `VENDOR/PATHWAY`, or a pathway id of the vendor.
    #[serde(default)]
    pub pathway: Option<String>,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339, after the start.
    pub end: String,
    #[serde(default)]
    pub mfa: bool,
    /// The person supervising the sessions.
    #[serde(default)]
    pub supervisor: Option<String>,
    #[serde(default)]
    pub recording: bool,
    /// The work it covers is safety-critical (it continues, supervised and recorded, while an incident is declared).
    #[serde(default)]
    pub safety_critical: bool,
    /// Why (default "vendor support").
    #[serde(default)]
    pub reason: Option<String>,
    /// Re-admission after a revocation: who approved it (a holder of a role the
    /// authority matrix requires for revoking this vendor's access; not the caller).
    #[serde(default)]
    pub approved_by: Option<String>,
}

/// Why a grant is revoked.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub reason: String,
}

/// The revision written (`interlock work add --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordRevised {
    /// `work` or `grant`.
    pub kind: String,
    pub id: String,
    pub rev: u64,
}

impl From<Revision> for RecordRevised {
    fn from(r: Revision) -> RecordRevised {
        RecordRevised { kind: r.kind.into(), id: r.id, rev: r.rev }
    }
}

/// What a CSV import wrote (`interlock work import --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkOrdersImported {
    pub imported: usize,
    pub ids: Vec<String>,
    /// The name the CSV was given (`?name=`).
    pub file: String,
}

/// A work order as stored (the body of a revision).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkOrderBody {
    pub id: String,
    pub title: String,
    pub assets: Vec<String>,
    pub people: Vec<String>,
    pub accounts: Vec<String>,
    pub vendor: Option<String>,
    /// Unix microseconds (UTC).
    pub start: i64,
    pub end: i64,
    pub activities: Vec<String>,
    pub supervisor: Option<String>,
    pub cancelled: bool,
}

/// A vendor access grant as stored (the body of a revision).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantBody {
    pub id: String,
    pub vendor: String,
    pub people: Vec<String>,
    pub accounts: Vec<String>,
    pub assets: Vec<String>,
    pub pathway: Option<String>,
    /// Unix microseconds (UTC).
    pub start: i64,
    pub end: i64,
    pub mfa: bool,
    pub supervisor: Option<String>,
    pub recording: bool,
    pub safety_critical: bool,
    /// active, suspended or revoked.
    pub status: String,
    /// Why it has its status (the incident that suspended it, who revoked it, who approved a re-admission).
    pub status_reason: Option<String>,
}

/// One revision of a work order (`interlock work list --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkOrderRevision {
    pub id: String,
    pub rev: u64,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: String,
    /// The person who recorded it.
    pub by: String,
    pub reason: String,
    pub work: WorkOrderBody,
}

/// One revision of a vendor grant (`interlock vendor list --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantRevision {
    pub id: String,
    pub rev: u64,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: String,
    /// The person who recorded it.
    pub by: String,
    pub reason: String,
    pub grant: GrantBody,
}

/// A session open now (`interlock vendor sessions --json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorSession {
    pub user: Option<String>,
    /// Where it comes from.
    pub from: Option<String>,
    /// What it connects to, as the log says.
    pub to: Option<String>,
    pub pathway: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub since: String,
    /// The asset it reaches, when the site model knows it.
    pub asset: Option<String>,
    /// The grant that covers it, wholly or partly.
    pub grant: Option<String>,
    pub supervised_by: Option<String>,
    /// The grant has its sessions recorded.
    pub recorded: bool,
    /// authorised, partially-authorised, unauthorised or unknown.
    pub verdict: String,
    pub explanation: String,
}

/// A flow between two assets no dependency of the site model explains.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UndocumentedFlow {
    pub src: String,
    pub dst: String,
    /// The destination port (0: none).
    pub port: u16,
    pub count: u64,
}

/// Where an import was recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceRecorded {
    pub incident: String,
    /// The new events: the evidence, then the hypothesis update when one was linked.
    pub events: Vec<u64>,
}

/// What an import found (`interlock evidence import --json`), and where it
/// was recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceImportSummary {
    /// The name the log was given (`?name=`).
    pub file: String,
    /// SHA-256 of the body.
    pub sha256: String,
    pub activities: u64,
    pub bad_lines: u64,
    /// The first bad lines, `NAME:LINE: reason`.
    pub errors: Vec<String>,
    pub authorised: u64,
    pub partially_authorised: u64,
    pub unauthorised: u64,
    pub unknown: u64,
    pub control_changes: u64,
    /// Assets with unauthorised or unknown activity.
    pub concerned_assets: Vec<String>,
    /// The most frequent flows no dependency explains (20 at most).
    pub undocumented_flows: Vec<UndocumentedFlow>,
    /// With `incident`: the events recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<EvidenceRecorded>,
    /// With `proposals=true`: the flows no dependency explains as `[[dependency]]`
    /// TOML tables, commented for review; nothing is added to the site model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposals: Option<String>,
}

/// One activity's verdict (`interlock correlate --json`, one a line).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityVerdict {
    pub line: u64,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub start: String,
    pub src: Option<String>,
    pub dst: Option<String>,
    pub dst_port: Option<u16>,
    pub src_asset: Option<String>,
    pub dst_asset: Option<String>,
    pub user: Option<String>,
    pub protocol: Option<String>,
    pub operation: Option<String>,
    pub changes_control: bool,
    /// authorised, partially-authorised, unauthorised or unknown.
    pub verdict: String,
    pub explanation: String,
}

/// Every activity's verdict, and the summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Correlation {
    pub activities: Vec<ActivityVerdict>,
    pub summary: EvidenceImportSummary,
}

/// A log to import or judge.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// zeek, suricata, sessions or csv.
    pub format: String,
    /// Record the import as evidence of this incident (its hash, the verdict counts, the assets concerned).
    pub incident: Option<String>,
    /// The log's name, for the evidence's title and the bad lines (default `upload`).
    pub name: Option<String>,
    /// With `incident`: the import supports this hypothesis (its event number).
    pub supports: Option<u64>,
    /// With `incident`: the import is evidence against this hypothesis.
    pub refutes: Option<u64>,
    /// How many bad lines to list (all are counted; default 20, at most 1000).
    pub max_errors: Option<usize>,
    /// Import only: answer with `proposals`, every flow no dependency explains as a
    /// `[[dependency]]` table for a person to review (`interlock evidence import --proposals`).
    pub proposals: Option<bool>,
}

/// The name of a CSV of work orders.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// The file's name, for the reason of each revision (`imported from NAME`; default `upload`).
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------
// Permissions.

/// The domains a person answers for: their team's, and those of the roles
/// they hold (primary or deputy). A vendor's person answers for none.
fn sides(site: &Site, person: &str) -> Result<Vec<Domain>, String> {
    let Some(pix) = site.person_by_id(person) else {
        return Err(format!("{person} is not a person of the site model"));
    };
    let p = &site.people[pix.ix()];
    let mut out = Vec::new();
    match p.affiliation {
        Some(Affiliation::Vendor(_)) => {
            return Err(format!("{person} may not authorise work or vendor access: a vendor's person never does"));
        }
        Some(Affiliation::Team(t)) => out.extend(site.teams.get(t.ix()).and_then(|t| t.domain)),
        None => {}
    }
    out.extend(
        site.roles.iter().filter(|r| r.primary == Some(pix) || r.deputies.contains(&pix)).filter_map(|r| r.domain),
    );
    Ok(out)
}

/// Whether the caller's person answers for every asset named (unknown ids
/// are left to the record's own check, which names them).
fn answers_for<'a>(
    site: &Site,
    person: &str,
    assets: impl IntoIterator<Item = &'a String>,
) -> Result<(), ServiceError> {
    let sides = sides(site, person).map_err(ServiceError::Forbidden)?;
    let holds = |d: Domain| sides.contains(&d);
    let roles = |d: Domain| -> String {
        let v: Vec<&str> = site.roles.iter().filter(|r| r.domain == Some(d)).map(|r| &*r.id).collect();
        if v.is_empty() { String::new() } else { format!(" ({})", v.join(", ")) }
    };
    for id in assets {
        let Some(ix) = site.asset_by_id(id) else { continue };
        let domain = site.asset(ix).domain;
        let (ok, what, needs) = match domain {
            Domain::Ot => (
                holds(Domain::Ot),
                "an OT asset",
                format!("a person of an OT team or a holder of an OT role{}", roles(Domain::Ot)),
            ),
            Domain::It => (
                holds(Domain::It),
                "an IT asset",
                format!("a person of an IT team or a holder of an IT role{}", roles(Domain::It)),
            ),
            Domain::Shared => (
                holds(Domain::It) || holds(Domain::Ot),
                "a shared asset",
                "a person of an IT or OT team, or a holder of an IT or OT role".to_string(),
            ),
        };
        if !ok {
            return Err(ServiceError::Forbidden(format!(
                "{person} may not authorise work or vendor access on {id} ({what}): that needs {needs}"
            )));
        }
    }
    Ok(())
}

/// The site model, which every record is checked against.
fn site(state: &AppState) -> Result<&Arc<Site>, ServiceError> {
    state.site.as_ref().ok_or_else(|| {
        ServiceError::Unavailable(
            "the server was started without the site model (--site DIR): records are checked against it".into(),
        )
    })
}

/// The caller's person, who must be one of the site model.
fn person<'p>(site: &Site, p: &'p Principal) -> Result<&'p str, ServiceError> {
    let person = p.user.person.as_str();
    if site.person_by_id(person).is_none() {
        return Err(ServiceError::Forbidden(format!(
            "user {} is mapped to {person}, who is not a person of the site model",
            p.user.username
        )));
    }
    Ok(person)
}

/// Records the outcome of a change in the access log: `ok: ...` or `refused: ...`.
async fn logged<T>(
    state: &AppState,
    p: &Principal,
    what: &str,
    target: &str,
    r: Result<T, ServiceError>,
    ok: impl FnOnce(&T) -> String,
) -> Result<T, ServiceError> {
    let outcome = match &r {
        Ok(v) => format!("ok: {}", ok(v)),
        Err(e) => format!("refused: {e}"),
    };
    log_access(state, p, what, target, &outcome).await?;
    r
}

// ---------------------------------------------------------------------------
// Input.

fn reason(r: &Option<String>, default: &str) -> Result<String, ServiceError> {
    match r {
        None => Ok(default.into()),
        Some(r) => service::check_text("reason", r, 16 * 1024).map(|()| r.clone()),
    }
}

fn time(field: &str, s: &str) -> Result<i64, ServiceError> {
    Timestamp::parse(s.trim()).map(|t| t.micros()).map_err(|e| ServiceError::Invalid(format!("{field}: {e}")))
}

fn name(n: &Option<String>) -> Result<String, ServiceError> {
    match n {
        None => Ok("upload".into()),
        Some(n) => service::check_text("name", n, 200).map(|()| n.clone()),
    }
}

/// What a refusal of the shared records code means to the caller.
fn refusal(e: RecordsError) -> ServiceError {
    match e {
        RecordsError::Invalid(e) => ServiceError::Invalid(e.to_string()),
        RecordsError::BadRows(rows) => {
            let shown: Vec<String> = rows.iter().take(20).map(|e| format!("line {}: {}", e.line, e.reason)).collect();
            let more = if rows.len() > shown.len() {
                format!("; and {} more", rows.len() - shown.len())
            } else {
                String::new()
            };
            ServiceError::Invalid(format!("{} bad row(s), nothing written: {}{more}", rows.len(), shown.join("; ")))
        }
        RecordsError::NoSuchHypothesis { .. } => ServiceError::Invalid(e.to_string()),
        // (a 404 with the message as it is)
        RecordsError::NoSuchRecord { .. } => ServiceError::NoSuchRecord(e.to_string()),
        RecordsError::AlreadyRevoked(_) => ServiceError::Conflict(e.to_string()),
        RecordsError::Readmission(r) => ServiceError::Forbidden(match r {
            records::Readmission::NeedsApproval { vendor, revoked, roles } => format!(
                "{vendor}'s access was revoked ({}); re-admission needs a fresh approval: approved_by a holder of {}",
                revoked.join(", "),
                roles.join(" or ")
            ),
            r => r.to_string(),
        }),
        RecordsError::NotAPerson(_) => ServiceError::Forbidden(e.to_string()),
        RecordsError::Authority(_) => ServiceError::Unavailable(e.to_string()),
        RecordsError::Store(store::StoreError::RecordConflict { .. }) => ServiceError::Conflict(e.to_string()),
        RecordsError::Unreadable { .. } | RecordsError::Store(_) => ServiceError::Store(e.to_string()),
    }
}

/// A refusal, with the status the rest of the API gives it: a body that is
/// not what the route reads is 400 (before the service), input that reads
/// but does not check is 422, naming the field (and the line).
fn refused(e: ServiceError) -> Response {
    error(status_of(&e), &e.to_string()).into_response()
}

/// A request refused before it reaches the service: the status and why.
type Bad = (StatusCode, String);

fn bad(b: Bad) -> Response {
    error(b.0, &b.1).into_response()
}

/// A JSON body, or the refusal: 415 when it is not JSON, 413 when it is too large, else 400
/// naming what is wrong.
pub(crate) fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Bad> {
    b.map(|Json(t)| t).map_err(|r| {
        let status = match r.status() {
            s @ (StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::PAYLOAD_TOO_LARGE) => s,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, r.body_text())
    })
}

/// A log or CSV body: not empty (413 past the server's body limit).
fn raw_body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, Bad> {
    match b {
        Err(r) => Err((r.status(), r.body_text())),
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => {
            Err((StatusCode::BAD_REQUEST, "the body is empty: send the file as the request body".into()))
        }
        Ok(b) => Ok(b),
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Bad> {
    q.map(|Query(q)| q).map_err(|r| (StatusCode::BAD_REQUEST, r.body_text()))
}

// ---------------------------------------------------------------------------
// The service.

async fn listing(
    state: &AppState,
    p: &Principal,
    kind: &str,
    id: Option<&str>,
) -> Result<Vec<serde_json::Value>, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let rows = match id {
        None => state.store.records(kind).await,
        Some(id) => state.store.record_history(kind, id).await,
    }
    .map_err(store_error)?;
    if let Some(id) = id
        && rows.is_empty()
    {
        let what = if kind == WORK { "work order" } else { "grant" };
        return Err(ServiceError::NoSuchRecord(format!("no {what} {id}")));
    }
    Ok(rows.iter().map(|r| records::Listed::new(r).to_json(kind)).collect())
}

fn work_order(req: &WorkOrderRequest) -> Result<WorkOrder, ServiceError> {
    service::check_text("title", &req.title, 1024)?;
    let activities = req
        .activities
        .iter()
        .map(|a| records::activity(a).map_err(|e| ServiceError::Invalid(format!("activities: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WorkOrder {
        id: req.id.clone(),
        title: req.title.clone(),
        assets: req.assets.clone(),
        people: req.people.clone(),
        accounts: req.accounts.clone(),
        vendor: req.vendor.clone(),
        start: time("start", &req.start)?,
        end: time("end", &req.end)?,
        activities,
        supervisor: req.supervisor.clone(),
        cancelled: false,
    })
}

/// The assets of the latest revision of `kind`/`id`, if it exists: a
/// revision is made by someone who answers for those too.
async fn replaced_assets(state: &AppState, kind: &str, id: &str) -> Result<Vec<String>, ServiceError> {
    let Some(r) = records::latest(&*state.store, kind, id).await.map_err(refusal)? else { return Ok(Vec::new()) };
    Ok(match kind {
        WORK => records::read_work(&r).map(|w| w.assets),
        _ => records::read_grant(&r).map(|g| g.assets),
    }
    .unwrap_or_default())
}

/// Records a work order (or its next revision) as the caller's person.
pub async fn record_work_order(
    state: &AppState,
    p: &Principal,
    req: &WorkOrderRequest,
) -> Result<RecordRevised, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let r = async {
        let site = site(state)?;
        let person = person(site, p)?;
        let w = work_order(req)?;
        let reason = reason(&req.reason, "planned work")?;
        let replaced = replaced_assets(state, WORK, &w.id).await?;
        answers_for(site, person, w.assets.iter().chain(&replaced))?;
        records::put_work(&*state.store, site, &w, person, &reason, state.now()).await.map_err(refusal)
    }
    .await;
    let r = logged(state, p, "record-work-order", &format!("work/{}", req.id), r, |r| format!("revision {}", r.rev))
        .await?;
    Ok(r.into())
}

/// Imports work orders from CSV, all or nothing: every row read and checked
/// (and the caller answering for its assets) before any is written.
pub async fn import_work_orders(
    state: &AppState,
    p: &Principal,
    q: &CsvQuery,
    body: &[u8],
) -> Result<WorkOrdersImported, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let file = name(&q.name)?;
    let r = async {
        let site = site(state)?;
        let person = person(site, p)?;
        let orders = records::read_work_csv(site, body).map_err(refusal)?;
        for (line, w) in &orders {
            let replaced = replaced_assets(state, WORK, &w.id).await?;
            answers_for(site, person, w.assets.iter().chain(&replaced)).map_err(|e| match e {
                ServiceError::Forbidden(m) => ServiceError::Forbidden(format!("line {line}: {m}; nothing written")),
                e => e,
            })?;
        }
        let reason = format!("imported from {file}");
        records::import_work(&*state.store, site, &orders, person, &reason, state.now()).await.map_err(refusal)
    }
    .await;
    let written = logged(state, p, "import-work-orders", &format!("work/{file}"), r, |w| {
        format!(
            "{} work order(s): {}",
            w.len(),
            w.iter().map(|r| format!("{} rev {}", r.id, r.rev)).collect::<Vec<_>>().join(", ")
        )
    })
    .await?;
    Ok(WorkOrdersImported { imported: written.len(), ids: written.into_iter().map(|r| r.id).collect(), file })
}

/// Grants a vendor access (or revises a grant) as the caller's person.
pub async fn grant_vendor_access(
    state: &AppState,
    p: &Principal,
    req: &GrantRequest,
) -> Result<RecordRevised, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let r = async {
        let site = site(state)?;
        let person = person(site, p)?;
        let reason = reason(&req.reason, "vendor support")?;
        let g = Grant {
            id: req.id.clone(),
            vendor: req.vendor.clone(),
            people: req.people.clone(),
            accounts: req.accounts.clone(),
            assets: req.assets.clone(),
            pathway: req.pathway.clone(),
            start: time("start", &req.start)?,
            end: time("end", &req.end)?,
            mfa: req.mfa,
            supervisor: req.supervisor.clone(),
            recording: req.recording,
            safety_critical: req.safety_critical,
            status: GrantStatus::Active,
            status_reason: None,
        };
        if let Some(a) = &req.approved_by {
            service::check_text("approved_by", a, 200)?;
        }
        let replaced = replaced_assets(state, GRANT, &g.id).await?;
        answers_for(site, person, g.assets.iter().chain(&replaced))?;
        let graph = state.graph.as_deref();
        records::put_grant(&*state.store, site, graph, g, req.approved_by.as_deref(), person, &reason, state.now())
            .await
            .map_err(refusal)
    }
    .await;
    let r = logged(state, p, "grant-vendor-access", &format!("grant/{}", req.id), r, |r| format!("revision {}", r.rev))
        .await?;
    Ok(r.into())
}

/// Revokes a grant (the kill switch): every user mapped to a person of the site.
pub async fn revoke_vendor_grant(
    state: &AppState,
    p: &Principal,
    id: &str,
    req: &RevokeRequest,
) -> Result<RecordRevised, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let r = async {
        let site = site(state)?;
        let person = person(site, p)?;
        service::check_text("reason", &req.reason, 16 * 1024)?;
        records::revoke_grant(&*state.store, id, person, &req.reason, state.now()).await.map_err(refusal)
    }
    .await;
    let r =
        logged(state, p, "revoke-vendor-grant", &format!("grant/{id}"), r, |r| format!("revision {}", r.rev)).await?;
    Ok(r.into())
}

/// The register, judged in a blocking thread (a log of up to the body limit).
async fn judging<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Site, &Correlator<'_>, &[Grant]) -> T + Send + 'static,
) -> Result<T, ServiceError> {
    let site = site(state)?.clone();
    let (work, grants) = records::register(&*state.store).await.map_err(refusal)?;
    tokio::task::spawn_blocking(move || {
        let c = Correlator::new(&site, &work, &grants);
        f(&site, &c, &grants)
    })
    .await
    .map_err(|e| ServiceError::Store(format!("judging the log failed: {e}")))
}

/// The vendor session register from a session log: the sessions open at
/// the server's time. A line that does not read is refused (a register
/// missing a session would hide it).
pub async fn vendor_sessions(state: &AppState, p: &Principal, body: Bytes) -> Result<Vec<LiveSession>, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let now = state.now();
    let (live, bad) = judging(state, move |site, c, grants| {
        evidence::import::live_sessions(site, c, grants, std::io::Cursor::new(body), now)
    })
    .await?;
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().take(20).map(|e| e.to_string()).collect();
        return Err(ServiceError::Invalid(format!("{} bad line(s): {}", bad.len(), shown.join("; "))));
    }
    Ok(live)
}

/// What became of one line a gateway reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionReported {
    /// The session's record id (`S-` and 16 hex digits: the same user,
    /// source, target, pathway and start are the same session).
    pub id: String,
    /// The revision written (1: opened; 2 and more: changed or ended); null
    /// when the line said nothing new.
    pub rev: Option<u64>,
    pub ended: bool,
}

/// Records the sessions a remote-access gateway reports (session-log JSON
/// lines: an opening, later the same line with its `end`), as the caller's
/// person, who must be site staff (a vendor's person does not report on its
/// own sessions). Every line is read before any is recorded.
pub async fn report_vendor_sessions(
    state: &AppState,
    p: &Principal,
    body: Bytes,
) -> Result<Vec<SessionReported>, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let site = site(state)?;
    let r = async {
        let person = person(site, p)?;
        if let Some(pix) = site.person_by_id(person)
            && matches!(site.people[pix.ix()].affiliation, Some(Affiliation::Vendor(_)))
        {
            return Err(ServiceError::Forbidden(format!(
                "{person} is a vendor's person: sessions are reported by the site's gateways and staff"
            )));
        }
        let reported = store::sessions::report(&*state.store, std::io::Cursor::new(body), person, state.now())
            .await
            .map_err(|e| match e {
                store::sessions::ReportError::Store(e) => service::store_error(e),
                other => ServiceError::Invalid(other.to_string()),
            })?;
        Ok(reported.into_iter().map(|r| SessionReported { id: r.id, rev: r.rev, ended: r.ended }).collect::<Vec<_>>())
    }
    .await;
    logged(state, p, "report-vendor-sessions", "vendor-sessions", r, |v| {
        format!("{} line(s), {} recorded", v.len(), v.iter().filter(|s| s.rev.is_some()).count())
    })
    .await
}

/// The sessions the gateways reported that are open at the server's time,
/// each judged against the work orders and grants (the register
/// `interlock vendor sessions` prints from a log file).
pub async fn live_vendor_sessions(state: &AppState, p: &Principal) -> Result<Vec<LiveSession>, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    reported_sessions(state).await
}

/// [`live_vendor_sessions`] without the permission check (the caller made it).
pub(crate) async fn reported_sessions(state: &AppState) -> Result<Vec<LiveSession>, ServiceError> {
    let log = store::sessions::log(&*state.store).await.map_err(refusal)?;
    let now = state.now();
    let (live, _) = judging(state, move |site, c, grants| {
        evidence::import::live_sessions(site, c, grants, std::io::Cursor::new(log.into_bytes()), now)
    })
    .await?;
    let mut live = live;
    // Oldest first (the records come in id order, which says nothing).
    live.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.user.cmp(&b.user)));
    Ok(live)
}

fn format(q: &ImportQuery) -> Result<Format, ServiceError> {
    records::format(q.format.trim()).map_err(|e| ServiceError::Invalid(format!("format: {e}")))
}

fn summary_view(s: Summary, recorded: Option<EvidenceRecorded>) -> EvidenceImportSummary {
    EvidenceImportSummary {
        file: s.file,
        sha256: s.sha256,
        activities: s.activities,
        bad_lines: s.bad_lines,
        errors: s.errors,
        authorised: s.authorised,
        partially_authorised: s.partially_authorised,
        unauthorised: s.unauthorised,
        unknown: s.unknown,
        control_changes: s.control_changes,
        concerned_assets: s.concerned_assets,
        undocumented_flows: s
            .undocumented_flows
            .into_iter()
            .map(|f| UndocumentedFlow { src: f.src, dst: f.dst, port: f.port, count: f.count })
            .collect(),
        recorded,
        proposals: None,
    }
}

fn verdict_view(j: Judgement) -> ActivityVerdict {
    ActivityVerdict {
        line: j.line,
        start: j.start,
        src: j.src,
        dst: j.dst,
        dst_port: j.dst_port,
        src_asset: j.src_asset,
        dst_asset: j.dst_asset,
        user: j.user,
        protocol: j.protocol.map(String::from),
        operation: j.operation,
        changes_control: j.changes_control,
        verdict: j.verdict.into(),
        explanation: j.explanation,
    }
}

/// Reads and judges a log; refused when nothing in it reads (the wrong
/// format), naming the first bad lines.
async fn judge_log(
    state: &AppState,
    q: &ImportQuery,
    body: Bytes,
    each: bool,
) -> Result<(Tally, Vec<Judgement>, String, incident::Digest), ServiceError> {
    use sha2::Digest as _;
    let format = format(q)?;
    let file = name(&q.name)?;
    let max_errors = q.max_errors.unwrap_or(20).min(1000);
    let digest = incident::Digest(sha2::Sha256::digest(&body).into());
    let (t, verdicts) = judging(state, move |site, c, _| {
        let mut verdicts = Vec::new();
        let t = evidence::import::judge(site, c, format, std::io::Cursor::new(body), max_errors, |act, d| {
            if each {
                verdicts.push(Judgement::new(site, act, d, &c.explain(act, d)));
            }
            Ok::<(), std::convert::Infallible>(())
        });
        t.map(|t| (t, verdicts))
    })
    .await?
    .unwrap_or_else(|never| match never {});
    if t.good == 0 && t.bad > 0 {
        let shown: Vec<String> = t.errors.iter().map(|e| format!("{file}:{}: {}", e.line, e.reason)).collect();
        return Err(ServiceError::Invalid(format!(
            "nothing in the body reads as {}: {}",
            format.as_str(),
            shown.join("; ")
        )));
    }
    Ok((t, verdicts, file, digest))
}

/// Imports a log: every activity judged against the register, the counts
/// returned, and with `incident` recorded as its evidence (through the
/// incident's write path: its membership and rules decide). Returns whether
/// it was recorded.
pub async fn import_evidence(
    state: &AppState,
    p: &Principal,
    q: &ImportQuery,
    body: Bytes,
) -> Result<EvidenceImportSummary, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let link = match (q.supports, q.refutes, &q.incident) {
        (Some(_), Some(_), _) => return Err(ServiceError::Invalid("supports, refutes: give one, not both".into())),
        (Some(_), _, None) | (_, Some(_), None) => {
            return Err(ServiceError::Invalid("supports, refutes: only with incident".into()));
        }
        (Some(h), None, _) => Some(records::Link { hypothesis: h, supports: true }),
        (None, Some(h), _) => Some(records::Link { hypothesis: h, supports: false }),
        (None, None, _) => None,
    };
    let (t, _, file, digest) = judge_log(state, q, body, false).await?;
    let summary = t.summary(&file, &digest.to_string());
    let format = format(q)?;
    let proposals = match q.proposals {
        Some(true) => {
            let now =
                incident::Timestamp::from_unix_micros(state.now()).map_err(|e| ServiceError::Store(e.to_string()))?;
            Some(evidence::import::proposals_toml(&file, format, &t, &now.to_string()))
        }
        _ => None,
    };
    let Some(id) = &q.incident else { return Ok(EvidenceImportSummary { proposals, ..summary_view(summary, None) }) };
    let import =
        records::EvidenceImport { format, name: &file, location: Some(&file), sha256: digest, tally: &t, link };
    let person = p.user.person.clone();
    let inc = service::write_at(state, p, id, "import-evidence", |inc, _, _, now| {
        records::evidence_bodies(inc, &import, &person, now).map_err(refusal)
    })
    .await?;
    let n = 1 + u64::from(link.is_some());
    let events = (inc.seq() + 1 - n..=inc.seq()).collect();
    Ok(EvidenceImportSummary {
        proposals,
        ..summary_view(summary, Some(EvidenceRecorded { incident: id.clone(), events }))
    })
}

/// Judges every activity of a log (`interlock correlate`): nothing recorded.
pub async fn correlate(
    state: &AppState,
    p: &Principal,
    q: &ImportQuery,
    body: Bytes,
) -> Result<Correlation, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    if q.incident.is_some() || q.supports.is_some() || q.refutes.is_some() {
        return Err(ServiceError::Invalid("incident: correlating records nothing; import to record".into()));
    }
    if q.proposals.is_some() {
        return Err(ServiceError::Invalid("proposals: an import proposes dependencies; correlating does not".into()));
    }
    let (t, verdicts, file, digest) = judge_log(state, q, body, true).await?;
    Ok(Correlation {
        activities: verdicts.into_iter().map(verdict_view).collect(),
        summary: summary_view(t.summary(&file, &digest.to_string()), None),
    })
}

// ---------------------------------------------------------------------------
// The handlers.

/// The work orders and maintenance windows: the latest revision of each (`interlock work list --json`).
#[utoipa::path(
    get,
    path = "/api/work-orders",
    tag = "records",
    responses(
        (status = 200, description = "The work orders, by id", body = Vec<WorkOrderRevision>),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
pub async fn list_work_orders(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
) -> Response {
    match listing(&state, &p, WORK, None).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// A work order's history: every revision, the first first.
#[utoipa::path(
    get,
    path = "/api/work-orders/{id}",
    tag = "records",
    params(("id" = String, Path, description = "The work order id")),
    responses(
        (status = 200, description = "Its revisions", body = Vec<WorkOrderRevision>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such work order", body = ApiError),
    )
)]
pub async fn work_order_history(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match listing(&state, &p, WORK, Some(&id)).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Records a work order or maintenance window as the caller's person (a
/// new revision when the id exists), checked against the site model.
/// Only a site staff person who answers for every asset it names (and
/// those of the revision it replaces) may: the OT side for OT assets, the
/// IT side for IT assets. Recorded in the access log, refusals too.
#[utoipa::path(
    post,
    path = "/api/work-orders",
    tag = "records",
    request_body = WorkOrderRequest,
    responses(
        (status = 201, description = "Recorded: the revision", body = RecordRevised),
        (status = 400, description = "A field is missing or malformed, or refers to nothing in the site model (named)", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller does not answer for an asset named, or no CSRF token", body = ApiError),
        (status = 409, description = "Another revision was written at the same time", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn add_work_order(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<WorkOrderRequest>, JsonRejection>,
) -> Response {
    let req = match json_body(req) {
        Ok(r) => r,
        Err(b) => return bad(b),
    };
    match record_work_order(&state, &p, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => refused(e),
    }
}

/// Imports work orders from CSV (the body): `id,title,assets,people,accounts,vendor,start,end,activities,supervisor`,
/// lists separated by `;`, times RFC 3339, an optional header row, as
/// `interlock work import`. All or nothing: every row is read and checked
/// against the site (and the caller must answer for its assets) before any
/// is written; a refusal names each bad line and field.
#[utoipa::path(
    post,
    path = "/api/work-orders/import",
    tag = "records",
    params(CsvQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV"),
    responses(
        (status = 201, description = "Imported", body = WorkOrdersImported),
        (status = 400, description = "Empty, or bad rows (each named by line and field): nothing written", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller does not answer for an asset of a row (named by line), or no CSRF token", body = ApiError),
        (status = 409, description = "Another revision was written at the same time", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn import_work(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<CsvQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (q, body) = match (query(q), raw_body(body)) {
        (Ok(q), Ok(b)) => (q, b),
        (Err(b), _) | (_, Err(b)) => return bad(b),
    };
    match import_work_orders(&state, &p, &q, &body).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => refused(e),
    }
}

/// The vendor access grants: the latest revision of each, with its status (`interlock vendor list --json`).
#[utoipa::path(
    get,
    path = "/api/vendor-grants",
    tag = "records",
    responses(
        (status = 200, description = "The grants, by id", body = Vec<GrantRevision>),
        (status = 401, description = "Not signed in", body = ApiError),
    )
)]
pub async fn list_vendor_grants(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
) -> Response {
    match listing(&state, &p, GRANT, None).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// A grant's history: every revision (granted, suspended by an incident, revoked, re-admitted), the first first.
#[utoipa::path(
    get,
    path = "/api/vendor-grants/{id}",
    tag = "records",
    params(("id" = String, Path, description = "The grant id")),
    responses(
        (status = 200, description = "Its revisions", body = Vec<GrantRevision>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 404, description = "No such grant", body = ApiError),
    )
)]
pub async fn vendor_grant_history(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match listing(&state, &p, GRANT, Some(&id)).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Grants a vendor access as the caller's person (a new revision when the
/// id exists), checked against the site model: only a site staff person
/// who answers for every asset it names. While a grant of the vendor is
/// revoked, re-admission needs `approved_by`: someone else, holding a role
/// the authority matrix requires for revoking that vendor's access (403
/// naming the roles). Recorded in the access log, refusals too.
#[utoipa::path(
    post,
    path = "/api/vendor-grants",
    tag = "records",
    request_body = GrantRequest,
    responses(
        (status = 201, description = "Granted: the revision", body = RecordRevised),
        (status = 400, description = "A field is missing or malformed, or refers to nothing in the site model (named)", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller does not answer for an asset named, re-admission without a valid approval, or no CSRF token", body = ApiError),
        (status = 409, description = "Another revision was written at the same time", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 503, description = "The server has no site model or authority matrix", body = ApiError),
    )
)]
pub async fn grant_vendor(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<GrantRequest>, JsonRejection>,
) -> Response {
    let req = match json_body(req) {
        Ok(r) => r,
        Err(b) => return bad(b),
    };
    match grant_vendor_access(&state, &p, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => refused(e),
    }
}

/// Revokes a grant at once (the kill switch): a new revision, revoked,
/// saying why. Every user mapped to a person of the site may; re-admission
/// then needs a new grant and an approval. Recorded in the access log.
#[utoipa::path(
    post,
    path = "/api/vendor-grants/{id}/revoke",
    tag = "records",
    params(("id" = String, Path, description = "The grant id")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Revoked: the revision", body = RecordRevised),
        (status = 400, description = "No reason, or the body is not JSON of this shape", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller is not mapped to a person of the site, or no CSRF token", body = ApiError),
        (status = 404, description = "No such grant", body = ApiError),
        (status = 409, description = "Already revoked, or another revision was written at the same time", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn revoke_grant(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<RevokeRequest>, JsonRejection>,
) -> Response {
    let req = match json_body(req) {
        Ok(r) => r,
        Err(b) => return bad(b),
    };
    match revoke_vendor_grant(&state, &p, &id, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// The vendor session register from a remote-access session log (the body,
/// JSON lines as `interlock vendor sessions` reads): the sessions open at
/// the server's time, who is connected where, via which pathway, under
/// which grant, supervised or not. Nothing is recorded.
#[utoipa::path(
    post,
    path = "/api/vendor-sessions",
    tag = "records",
    request_body(content = String, content_type = "text/plain", description = "The session log"),
    responses(
        (status = 200, description = "The sessions open now", body = Vec<VendorSession>),
        (status = 400, description = "Empty, or lines that do not read (each named)", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "No CSRF token", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn sessions(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match raw_body(body) {
        Ok(b) => b,
        Err(b) => return bad(b),
    };
    match vendor_sessions(&state, &p, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// A remote-access gateway reports sessions (JSON lines of the session log:
/// `user`, `source`, `target`, `start`, `end`, `pathway`, `protocol`,
/// `activity`): a line when a session opens, the same line with its `end`
/// when it closes. Each session is a site-level record with its history;
/// `GET /api/vendor-sessions` and the vendor access page show those open now.
#[utoipa::path(
    post,
    path = "/api/vendor-sessions/report",
    tag = "records",
    request_body(content = String, content_type = "text/plain", description = "Session lines"),
    responses(
        (status = 200, description = "What became of each line", body = Vec<SessionReported>),
        (status = 400, description = "Empty, or lines that do not read (each named); nothing recorded", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "A vendor's person, a user who is no person of the site, or no CSRF token", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn report_sessions(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match raw_body(body) {
        Ok(b) => b,
        Err(b) => return bad(b),
    };
    match report_vendor_sessions(&state, &p, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// The vendor sessions open now, as the gateways reported them
/// (`POST /api/vendor-sessions/report`), each judged against the work orders
/// and grants: who is connected where, via which pathway, under which grant.
#[utoipa::path(
    get,
    path = "/api/vendor-sessions",
    tag = "records",
    responses(
        (status = 200, description = "The sessions open now", body = Vec<VendorSession>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn live_sessions(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    match live_vendor_sessions(&state, &p).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Imports observed activity (the body: a Zeek conn.log, Suricata eve.json,
/// a session log or an activity CSV), every activity judged against the
/// work orders and grants; the counts, as `interlock evidence import --json`.
/// Lines that do not read are counted and the first named; a body where
/// nothing reads is refused. With `incident`, recorded as evidence of it
/// (its SHA-256, the counts, the assets concerned; linked to a hypothesis
/// with `supports` or `refutes`) through the incident's write path: a
/// private incident the caller is not a member of does not exist for them.
#[utoipa::path(
    post,
    path = "/api/evidence/import",
    tag = "records",
    params(ImportQuery),
    request_body(content = String, content_type = "text/plain", description = "The log"),
    responses(
        (status = 200, description = "Judged (nothing recorded)", body = EvidenceImportSummary),
        (status = 201, description = "Judged and recorded as evidence of the incident", body = EvidenceImportSummary),
        (status = 400, description = "No format, an unknown one, an empty body, nothing that reads, or a hypothesis the incident does not have (named)", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The incident's rules do not let the caller record evidence, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Not in the incident's present state", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (q, body) = match (query(q), raw_body(body)) {
        (Ok(q), Ok(b)) => (q, b),
        (Err(b), _) | (_, Err(b)) => return bad(b),
    };
    match import_evidence(&state, &p, &q, body).await {
        Ok(v) if v.recorded.is_some() => (StatusCode::CREATED, Json(v)).into_response(),
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Judges every activity of a log (the body) against the work orders and
/// grants, each with its explanation (`interlock correlate --json`), and
/// the counts. Nothing is recorded.
#[utoipa::path(
    post,
    path = "/api/evidence/correlate",
    tag = "records",
    params(ImportQuery),
    request_body(content = String, content_type = "text/plain", description = "The log"),
    responses(
        (status = 200, description = "Every activity's verdict, and the counts", body = Correlation),
        (status = 400, description = "No format, an unknown one, an empty body, nothing that reads, or an incident given", body = ApiError),
        (status = 422, description = "A field, line or row that does not check, named; nothing written", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "No CSRF token", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn correlate_log(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (q, body) = match (query(q), raw_body(body)) {
        (Ok(q), Ok(b)) => (q, b),
        (Err(b), _) | (_, Err(b)) => return bad(b),
    };
    match correlate(&state, &p, &q, body).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// The server's shapes serialise with exactly the keys of the values the CLI prints.
    #[test]
    fn the_wire_shapes_are_the_clis() {
        let keys = |v: serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let t = Tally::new(20);
        let s = t.summary("f", "00");
        let cli = keys(serde_json::to_value(&s).unwrap());
        assert_eq!(keys(serde_json::to_value(summary_view(s, None)).unwrap()), cli);
        let j = Judgement {
            line: 1,
            start: "s".into(),
            src: None,
            dst: None,
            dst_port: None,
            src_asset: None,
            dst_asset: None,
            user: None,
            protocol: None,
            operation: None,
            changes_control: false,
            verdict: "unknown",
            explanation: "e".into(),
        };
        let cli = keys(serde_json::to_value(&j).unwrap());
        assert_eq!(keys(serde_json::to_value(verdict_view(j)).unwrap()), cli);
        let w = WorkOrder {
            id: "w".into(),
            title: "t".into(),
            assets: vec![],
            people: vec![],
            accounts: vec![],
            vendor: None,
            start: 0,
            end: 1,
            activities: vec![evidence::WorkActivity::Patching],
            supervisor: None,
            cancelled: false,
        };
        let doc = WorkOrderBody {
            id: "w".into(),
            title: "t".into(),
            assets: vec![],
            people: vec![],
            accounts: vec![],
            vendor: None,
            start: 0,
            end: 1,
            activities: vec!["patching".into()],
            supervisor: None,
            cancelled: false,
        };
        assert_eq!(serde_json::to_value(&w).unwrap(), serde_json::to_value(&doc).unwrap());
        let g = Grant {
            id: "g".into(),
            vendor: "v".into(),
            people: vec![],
            accounts: vec![],
            assets: vec![],
            pathway: None,
            start: 0,
            end: 1,
            mfa: false,
            supervisor: None,
            recording: false,
            safety_critical: false,
            status: GrantStatus::Revoked,
            status_reason: None,
        };
        let doc = GrantBody {
            id: "g".into(),
            vendor: "v".into(),
            people: vec![],
            accounts: vec![],
            assets: vec![],
            pathway: None,
            start: 0,
            end: 1,
            mfa: false,
            supervisor: None,
            recording: false,
            safety_critical: false,
            status: "revoked".into(),
            status_reason: None,
        };
        assert_eq!(serde_json::to_value(&g).unwrap(), serde_json::to_value(&doc).unwrap());
    }
}
