//! The JSON API under `/api`, and its OpenAPI 3.1 document. Every API route
//! is listed once in [`api_routes`], which the router is built from and a
//! test checks against the document.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use crate::auth::Principal;
use crate::service::{self, ActionView, DecisionRequest, IncidentBoard, IncidentSummary, ProposeRequest, ServiceError};
use crate::{AppState, entries, records, views};

/// An error, as every API route returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// What went wrong, in words.
    pub error: String,
}

pub fn error(status: StatusCode, msg: &str) -> (StatusCode, Json<ApiError>) {
    (status, Json(ApiError { error: msg.into() }))
}

/// The HTTP status of a service error.
pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) | ServiceError::NoSuchAction(_) | ServiceError::NoSuchRecord(_) => {
            StatusCode::NOT_FOUND
        }
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Corrupt { .. } | ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn service_error(e: ServiceError) -> Response {
    error(status_of(&e), &e.to_string()).into_response()
}

/// A JSON body, or the status (400, 415 or 422) and reason to refuse it with.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, (StatusCode, String)> {
    b.map(|Json(t)| t).map_err(|r| (r.status(), r.body_text()))
}

/// An action's number from the path, or why it is not one (400).
fn action_number(seq: &str) -> Result<u64, (StatusCode, String)> {
    seq.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        (StatusCode::BAD_REQUEST, format!("\"{seq}\" is not an action number (its proposal's event number)"))
    })
}

/// The incidents the caller may read, by id.
#[utoipa::path(
    get,
    path = "/api/incidents",
    tag = "incidents",
    responses(
        (status = 200, description = "The incidents, by id", body = Vec<IncidentSummary>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
    )
)]
pub async fn list_incidents(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    match service::list_incidents(&state, &p).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => service_error(e),
    }
}

/// One incident: its status header and its timeline.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id, e.g. INC-20261126-1"), service::TimelineQuery),
    responses(
        (status = 200, description = "The incident's status and timeline (the events the query selects)", body = IncidentBoard),
        (status = 422, description = "A query parameter is malformed", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn get_incident(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<axum::extract::Query<service::TimelineQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let filter = match q.map_err(|e| ServiceError::Invalid(e.body_text())).and_then(|q| q.filter()) {
        Ok(f) => f,
        Err(e) => return service_error(e),
    };
    match service::incident_board(&state, &p, &id, &filter).await {
        Ok(board) => Json(board).into_response(),
        Err(e) => service_error(e),
    }
}

/// The incident's response actions, pending ones first: each with its impact
/// summary, safety verdict, compensating measures, the approvals required and
/// who holds those roles, what is still missing, and the escalation clock.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/actions",
    tag = "actions",
    params(("id" = String, Path, description = "The incident id")),
    responses(
        (status = 200, description = "The actions", body = Vec<ActionView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn list_actions(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match service::actions(&state, &p, &id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// One response action, as the list shows it.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/actions/{seq}",
    tag = "actions",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("seq" = u64, Path, description = "The action: its proposal's event number"),
    ),
    responses(
        (status = 200, description = "The action", body = ActionView),
        (status = 400, description = "A number that does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident or action", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn get_action(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
) -> Response {
    let seq = match action_number(&seq) {
        Ok(s) => s,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::action(&state, &p, &id, seq).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Why an action needs what it needs (each matching rule and its facts),
/// what it requires, what is missing, the next steps and who can unblock
/// it: the text `interlock action explain` prints.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/actions/{seq}/explain",
    tag = "actions",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("seq" = u64, Path, description = "The action: its proposal's event number"),
    ),
    responses(
        (status = 200, description = "The explanation", body = String, content_type = "text/plain"),
        (status = 400, description = "A number that does not read", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident or action", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn explain_action(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
) -> Response {
    let seq = match action_number(&seq) {
        Ok(s) => s,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::explain(&state, &p, &id, seq).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        Err(e) => service_error(e),
    }
}

/// When to ask about escalations.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// RFC 3339; default the server's time.
    pub at: Option<String>,
}

/// The escalations due at a time (default now), each with who holds the
/// role it reaches (`interlock action due`). The server records those due
/// at its own time every 30 s.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/escalations",
    tag = "actions",
    params(("id" = String, Path, description = "The incident id"), DueQuery),
    responses(
        (status = 200, description = "The escalations due", body = service::EscalationsDue),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 422, description = "A time that does not read", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn escalations_due(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<DueQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match service::escalations_due(&state, &p, &id, q.at.as_deref()).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Proposes a response action as the caller's site person. It is assessed
/// against the site model and the authority matrix (impact, safety verdict,
/// the approvals it needs) and the assessment recorded with it.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/actions",
    tag = "actions",
    params(("id" = String, Path, description = "The incident id")),
    request_body = ProposeRequest,
    responses(
        (status = 201, description = "Proposed: the action as recorded", body = ActionView),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller may not propose (the incident's rules), or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Not in the incident's present state (not declared...)", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "The action or the rationale is not valid", body = ApiError),
        (status = 503, description = "The server has no site model or authority matrix", body = ApiError),
    )
)]
pub async fn propose(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<ProposeRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::propose(&state, &p, &id, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

async fn decide(
    state: AppState,
    p: Principal,
    id: String,
    seq: String,
    approve: bool,
    req: Result<Json<DecisionRequest>, JsonRejection>,
) -> Response {
    let (seq, req) = match (action_number(&seq), body(req)) {
        (Ok(s), Ok(r)) => (s, r),
        (Err((status, why)), _) | (_, Err((status, why))) => return error(status, &why).into_response(),
    };
    match service::decide(&state, &p, &id, seq, approve, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Approves a pending action as the caller's site person, in the roles of
/// its requirement they hold. The authority matrix decides: a person who
/// holds none of the roles that count is refused (403, nothing written).
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/actions/{seq}/approve",
    tag = "actions",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("seq" = u64, Path, description = "The action: its proposal's event number"),
    ),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Approved: the action as it now stands", body = ActionView),
        (status = 400, description = "Not an action number, or the body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The authority matrix does not let the caller approve it, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident or action", body = ApiError),
        (status = 409, description = "The action is not pending, the caller already decided, or the verdict is unsafe", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No rationale", body = ApiError),
        (status = 503, description = "The server has no site model or authority matrix", body = ApiError),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    req: Result<Json<DecisionRequest>, JsonRejection>,
) -> Response {
    decide(state, p, id, seq, true, req).await
}

/// Rejects a pending action as the caller's site person (a veto when they
/// hold a veto role); refused like an approval when they hold no role that counts.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/actions/{seq}/reject",
    tag = "actions",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("seq" = u64, Path, description = "The action: its proposal's event number"),
    ),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Rejected: the action as it now stands", body = ActionView),
        (status = 400, description = "Not an action number, or the body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The authority matrix does not let the caller reject it, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident or action", body = ApiError),
        (status = 409, description = "The action is not pending, or the caller already decided", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No rationale", body = ApiError),
        (status = 503, description = "The server has no site model or authority matrix", body = ApiError),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
    req: Result<Json<DecisionRequest>, JsonRejection>,
) -> Response {
    decide(state, p, id, seq, false, req).await
}

async fn action_step(
    state: AppState,
    p: Principal,
    id: String,
    seq: String,
    step: service::Step,
    req: Result<Json<service::StepRequest>, JsonRejection>,
) -> Response {
    let (seq, req) = match (action_number(&seq), body(req)) {
        (Ok(s), Ok(r)) => (s, r),
        (Err((status, why)), _) | (_, Err((status, why))) => return error(status, &why).into_response(),
    };
    match service::step(&state, &p, &id, seq, step, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// One documented route per step of an action's life after the proposal.
macro_rules! step_route {
    ($name:ident, $step:expr, $path:literal, $doc:literal, $refused:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            post,
            path = $path,
            tag = "actions",
            params(
                ("id" = String, Path, description = "The incident id"),
                ("seq" = u64, Path, description = "The action: its proposal's event number"),
            ),
            request_body = service::StepRequest,
            responses(
                (status = 200, description = "Recorded: the action as it now stands", body = ActionView),
                (status = 400, description = "Not an action number, or the body is not JSON of this shape", body = ApiError),
                (status = 401, description = "Not signed in", body = ApiError),
                (status = 403, description = $refused, body = ApiError),
                (status = 404, description = "No such incident or action", body = ApiError),
                (status = 409, description = "Not in the action's present state", body = ApiError),
                (status = 415, description = "Not JSON", body = ApiError),
                (status = 422, description = "No note, or a field the step needs is missing or not one of its words", body = ApiError),
                (status = 503, description = "The server has no site model or authority matrix", body = ApiError),
            )
        )]
        pub async fn $name(
            State(state): State<AppState>,
            axum::Extension(p): axum::Extension<Principal>,
            Path((id, seq)): Path<(String, String)>,
            req: Result<Json<service::StepRequest>, JsonRejection>,
        ) -> Response {
            action_step(state, p, id, seq, $step, req).await
        }
    };
}

step_route!(
    escalate,
    service::Step::Escalate,
    "/api/incidents/{id}/actions/{seq}/escalate",
    "Asks for a decision one rung up the action's escalation ladder (the note says why).",
    "The caller may not escalate it, or no CSRF token"
);
step_route!(
    override_action,
    service::Step::Override,
    "/api/incidents/{id}/actions/{seq}/override",
    "Decides in place of the approvers (the note is the rationale): only a holder of an override role of the requirement, never after a veto.",
    "The caller holds no override role of the requirement, or no CSRF token"
);
step_route!(
    confirm,
    service::Step::Confirm,
    "/api/incidents/{id}/actions/{seq}/confirm",
    "Confirms that compensating measure `measure` (from 1) of the safety verdict is in place.",
    "The caller may not confirm it, or no CSRF token"
);
step_route!(
    execute,
    service::Step::Execute,
    "/api/incidents/{id}/actions/{seq}/execute",
    "Starts executing an approved action (no `outcome`), or reports how the execution went (`completed`, `partial`, `failed`).",
    "The caller holds no executing role of the requirement, or no CSRF token"
);
step_route!(
    verify,
    service::Step::Verify,
    "/api/incidents/{id}/actions/{seq}/verify",
    "Says whether the executed action did what it was meant to (`result`: `effective` or `ineffective`).",
    "The caller may not verify it, or no CSRF token"
);
step_route!(
    rollback,
    service::Step::Rollback,
    "/api/incidents/{id}/actions/{seq}/rollback",
    "Reports undoing an executed action (`outcome`: `completed`, `partial` or `failed`).",
    "The caller may not roll it back, or no CSRF token"
);
step_route!(
    withdraw,
    service::Step::Withdraw,
    "/api/incidents/{id}/actions/{seq}/withdraw",
    "Withdraws a proposal that is no longer wanted (the note says why).",
    "The caller may not withdraw it, or no CSRF token"
);

/// The impact picture of an action: the site drawn in Purdue levels and
/// zones, the action's cut outlined, every lost function coloured, each
/// loss explained in the element's `<title>` (shown on hover).
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/actions/{seq}/impact.svg",
    tag = "actions",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("seq" = u64, Path, description = "The action: its proposal's event number"),
    ),
    responses(
        (status = 200, description = "The picture", content_type = "image/svg+xml", body = String),
        (status = 400, description = "Not an action number", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident or action", body = ApiError),
        (status = 409, description = "The action no longer reads against the loaded site model", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn action_picture(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((id, seq)): Path<(String, String)>,
) -> Response {
    let seq = match action_number(&seq) {
        Ok(s) => s,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::action_picture(&state, &p, &id, seq).await {
        Ok(pic) => ([(header::CONTENT_TYPE, "image/svg+xml")], pic.svg).into_response(),
        Err(e) => service_error(e),
    }
}

/// The incident's evidence (with its chain of custody), its hypotheses (with
/// the evidence for and against), and its recovery board (each asset in
/// restoration order with its checks, whether it is cleared to reconnect and
/// what blocks it, and the monitoring windows).
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/panels",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    responses(
        (status = 200, description = "The panels", body = crate::panels::Panels),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn incident_panels(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match service::incident_panels(&state, &p, &id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// The containment planner for an incident: the least harmful ways to cut
/// the attacker off from what must stay protected (Dinic min-cut over the
/// attack graph, costed by each plan's impact), the best plan first, or the
/// protected flows that stand in the way of every plan.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/contain",
    tag = "actions",
    params(("id" = String, Path, description = "The incident id"), service::ContainQuery),
    responses(
        (status = 200, description = "The plans", body = service::ContainView),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 422, description = "Nothing compromised given, or an id the site model does not know", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn contain(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<service::ContainQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match service::contain(&state, &p, &id, &q).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// A report of the incident: the after-action report (timeline, decisions
/// with rationale and dissent, approvals with time-to-decision, overrides,
/// evidence, hypotheses, lessons), the ICS 201 briefing, the ICS 209 status
/// summary, or a STIX 2.1 bundle. HTML is a self-contained document. Every
/// export is recorded in the access log.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/report",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), service::ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (String = "text/html"),
            (String = "text/markdown"),
            (String = "application/json"),
        )),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 422, description = "An unknown form or format", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<service::ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match service::report(&state, &p, &id, &q).await {
        Ok(f) => {
            let mut res = f.text.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static(f.content_type));
            if f.content_type.starts_with("text/html") {
                // A static document: its own inline styles, nothing else.
                h.insert(
                    header::CONTENT_SECURITY_POLICY,
                    axum::http::HeaderValue::from_static(
                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
                    ),
                );
            } else if let Ok(v) =
                axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.file_name))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => service_error(e),
    }
}

/// Which audience a draft is for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// operations, security or leadership.
    pub audience: String,
}

/// A status update drafted from the state of the incident for one audience
/// (operations: process state, integrity, actions touching OT, constraints,
/// manual measures; security: containment, constraints from operations,
/// safe actions, pending approvals and who holds them, hypotheses; leadership:
/// impact, decisions needed and by whom, deadlines), with the words IT and OT
/// hear differently flagged. Nothing is recorded until it is published.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/updates/draft",
    tag = "updates",
    params(("id" = String, Path, description = "The incident id"), DraftQuery),
    responses(
        (status = 200, description = "The draft", body = service::UpdateDraft),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 422, description = "Not an audience", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn update_draft(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<DraftQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match service::update_draft(&state, &p, &id, &q.audience).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// The incident's notifications: each delivery of a published update (or a
/// reminder) to a channel of the server's notification config, with its last
/// attempt (`interlock notify log --incident`).
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/notifications",
    tag = "updates",
    params(("id" = String, Path, description = "The incident id")),
    responses(
        (status = 200, description = "The deliveries, in the order they were first tried", body = Vec<crate::notifications::DeliveryView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn notifications(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match service::notifications(&state, &p, &id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Publishes a reviewed status update as the caller's site person: an event
/// of the incident. A text using a word IT and OT hear differently is refused
/// (422, naming the words with the site's definitions) unless
/// `accept_definitions`, which appends the definitions. With a notification
/// config (`serve --notify-config`), the update then goes to every channel
/// taking the audience's updates, in the background: `notified` names them,
/// `GET /api/incidents/{id}/notifications` has the outcome.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/updates",
    tag = "updates",
    params(("id" = String, Path, description = "The incident id")),
    request_body = service::PublishRequest,
    responses(
        (status = 201, description = "Published", body = service::Published),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller may not publish (a vendor's people), or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Not in the incident's present state", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "An unknown audience, an empty text, or words heard differently", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn publish_update(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<service::PublishRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::publish_update(&state, &p, &id, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

/// Opens an incident as the caller's person: raised as a candidate (the
/// response team), or declared at once with `declare` (an incident
/// commander; vendor grants in force go into incident mode). The id
/// defaults to the next `INC-YYYYMMDD-N`.
#[utoipa::path(
    post,
    path = "/api/incidents",
    tag = "incidents",
    request_body = entries::OpenRequest,
    responses(
        (status = 201, description = "Opened: the incident and its first events", body = entries::Recorded),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller may not raise or declare an incident, or no CSRF token", body = ApiError),
        (status = 409, description = "An incident with this id exists", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "A field is missing or malformed (named)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn open_incident(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<entries::OpenRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match entries::open(&state, &p, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

/// Records an entry in the incident, as the caller's person: a note, an
/// observation, evidence and its custody, a hypothesis, a decision, a
/// position, a status change or situation assessment, a determination, a
/// filed report, a snoozed update, a correction; the work plan (periods,
/// tasks, follow-ups); monitoring integrity (suspicions, manual readings);
/// recovery (the plan, its order, checks, monitoring, the end). The same
/// events the CLI records, under the same rules.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/entries",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    request_body = entries::Entry,
    responses(
        (status = 201, description = "Recorded: the incident and the new events", body = entries::Recorded),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The incident's rules do not let the caller record it, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Not in the incident's present state", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "A field is missing or malformed (named), or refers to nothing", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn record_entry(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<entries::Entry>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match entries::record(&state, &p, &id, req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

macro_rules! view_route {
    ($name:ident, $path:literal, $body:ty, $what:literal, $view:path, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
                                    get,
                                    path = $path,
                                    tag = "incidents",
                                    params(("id" = String, Path, description = "The incident id")),
                                    responses(
                                        (status = 200, description = $doc, body = $body),
                                        (status = 401, description = "Not signed in", body = ApiError),
                                        (status = 403, description = "Not allowed", body = ApiError),
                                        (status = 404, description = "No such incident", body = ApiError),
                                        (status = 503, description = "The server has no site model", body = ApiError),
                                    )
                                )]
        pub async fn $name(
            State(state): State<AppState>,
            axum::Extension(p): axum::Extension<Principal>,
            Path(id): Path<String>,
        ) -> Response {
            match service::incident_view(&state, &p, &id, $what, $view).await {
                Ok(v) => Json(v).into_response(),
                Err(e) => service_error(e),
            }
        }
    };
}

view_route!(
    workplan,
    "/api/incidents/{id}/workplan",
    views::WorkPlanView,
    "read-workplan",
    views::workplan,
    "The work plan: operational periods with their safety considerations, tasks with owners and due times, the reminders the clock has made due, and the follow-ups after closure (`interlock task list`, `followup list`)."
);
view_route!(
    clocks,
    "/api/incidents/{id}/clocks",
    views::ClocksView,
    "read-clocks",
    views::clocks,
    "The regulatory clocks: each deadline a determination started, when it is due in the site's time zone, and whether the report was filed in time (`interlock clocks`)."
);
view_route!(
    integrity,
    "/api/incidents/{id}/integrity",
    views::IntegrityView,
    "read-integrity",
    views::integrity,
    "Monitoring integrity: the processes whose view is in doubt and why, the displays not to trust, and the manual verification round with where each reading stands (`interlock integrity status`)."
);

/// Vendor access: every vendor pathway of the site model and every grant (the
/// latest revision of each, those in force first), each with the action that
/// cuts it off (the kill switch):
/// propose it like any action; once executed and reported completed, the
/// grants it covers are revoked.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/vendor-access",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    responses(
        (status = 200, description = "The pathways and the grants", body = service::VendorAccess),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn vendor_access(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match service::vendor_access(&state, &p, &id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Makes the incident private to its members, or open to every user. Only
/// the command roles may (the incident's rules); making it private needs the
/// caller to be a member.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/visibility",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    request_body = service::VisibilityRequest,
    responses(
        (status = 200, description = "Changed: the incident's summary", body = IncidentSummary),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller holds no command role, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Already so, or the caller is not a member", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No reason", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn set_visibility(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<service::VisibilityRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::set_visibility(&state, &p, &id, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

async fn membership(
    state: AppState,
    p: Principal,
    id: String,
    add: bool,
    req: Result<Json<service::MemberRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::membership(&state, &p, &id, add, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Adds a person of the site model to the incident's members (command roles only).
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/members",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    request_body = service::MemberRequest,
    responses(
        (status = 200, description = "Added: the members now", body = Vec<service::MemberView>),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller holds no command role, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Already a member", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No reason, or not a person of the site model", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn add_member(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<service::MemberRequest>, JsonRejection>,
) -> Response {
    membership(state, p, id, true, req).await
}

/// Removes a person added as a member (command roles only; a position holder
/// stops being one when relieved, the opener always is one).
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/members/remove",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    request_body = service::MemberRequest,
    responses(
        (status = 200, description = "Removed: the members now", body = Vec<service::MemberView>),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The caller holds no command role, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "Not a member by addition, or removing them leaves no commander", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No reason, or not a person of the site model", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<service::MemberRequest>, JsonRejection>,
) -> Response {
    membership(state, p, id, false, req).await
}

/// The server's users (administrators only): username, person, admin, disabled.
#[utoipa::path(
    get,
    path = "/api/users",
    tag = "admin",
    responses(
        (status = 200, description = "The users, by username", body = Vec<service::UserView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator", body = ApiError),
    )
)]
pub async fn users(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    match service::users(&state, &p).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Adds a user (administrators only; `interlock user add`): a person of the
/// site model, an administrator or not, with the password given or a
/// generated one answered this once. Recorded in the access log.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "admin",
    request_body = service::NewUserRequest,
    responses(
        (status = 201, description = "Added (with the generated password, shown once)", body = service::UserAdded),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ApiError),
        (status = 409, description = "The username is taken", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "A username or password that does not do, or a person the site does not have", body = ApiError),
    )
)]
pub async fn add_user(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<service::NewUserRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::add_user(&state, &p, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

/// Issues an API token (`interlock user token`): to the caller, or to anyone
/// for an administrator. The token is answered this once; only its hash is
/// kept. Recorded in the access log.
#[utoipa::path(
    post,
    path = "/api/users/{username}/tokens",
    tag = "users",
    params(("username" = String, Path, description = "The user")),
    request_body = service::NewTokenRequest,
    responses(
        (status = 201, description = "Issued: the token, shown once", body = service::TokenIssued),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Another user's, and the caller is not an administrator; or no CSRF token", body = ApiError),
        (status = 409, description = "The user has a token of that name, or is disabled", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No such user, or a name that does not do", body = ApiError),
    )
)]
pub async fn issue_token(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
    req: Result<Json<service::NewTokenRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::issue_token(&state, &p, &username, &req).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

/// Sends a test message to the notification channels (administrators;
/// `interlock notify test`): every channel taking tests, or the one named.
/// The deliveries run in the background; `GET /api/notifications` has them.
#[utoipa::path(
    post,
    path = "/api/notifications/test",
    tag = "admin",
    request_body = service::NotifyTestRequest,
    responses(
        (status = 202, description = "Being sent", body = crate::notifications::TestStarted),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ApiError),
        (status = 409, description = "The server has no notification config, or no channel takes test messages", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No such channel (the nearest named)", body = ApiError),
    )
)]
pub async fn notification_test(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<service::NotifyTestRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::notification_test(&state, &p, &req).await {
        Ok(v) => (StatusCode::ACCEPTED, Json(v)).into_response(),
        Err(e) => service_error(e),
    }
}

/// The delivery log (administrators; `interlock notify log`): every
/// notification's delivery to each channel with its last attempt.
#[utoipa::path(
    get,
    path = "/api/notifications",
    tag = "admin",
    params(service::DeliveryQuery),
    responses(
        (status = 200, description = "The deliveries, in the order first tried", body = Vec<crate::notifications::DeliveryView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 422, description = "A query that does not read", body = ApiError),
    )
)]
pub async fn notification_log(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    q: Result<Query<service::DeliveryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match service::notification_log(&state, &p, &q).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

async fn user_change(
    state: AppState,
    p: Principal,
    username: String,
    disabled: bool,
    req: Result<Json<service::UserChange>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match service::set_user_disabled(&state, &p, &username, disabled, &req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Disables a user: their sessions and API tokens stop working on their next
/// request and their open live streams end (administrators only, never
/// themselves; recorded in the access log).
#[utoipa::path(
    post,
    path = "/api/users/{username}/disable",
    tag = "admin",
    params(("username" = String, Path, description = "The username")),
    request_body = service::UserChange,
    responses(
        (status = 200, description = "Disabled", body = service::UserView),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ApiError),
        (status = 409, description = "An administrator does not disable themselves", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No reason, or no such user", body = ApiError),
    )
)]
pub async fn disable_user(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
    req: Result<Json<service::UserChange>, JsonRejection>,
) -> Response {
    user_change(state, p, username, true, req).await
}

/// Enables a disabled user again (administrators only; recorded in the access log).
#[utoipa::path(
    post,
    path = "/api/users/{username}/enable",
    tag = "admin",
    params(("username" = String, Path, description = "The username")),
    request_body = service::UserChange,
    responses(
        (status = 200, description = "Enabled", body = service::UserView),
        (status = 400, description = "The body is not JSON of this shape", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "No reason, or no such user", body = ApiError),
    )
)]
pub async fn enable_user(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
    req: Result<Json<service::UserChange>, JsonRejection>,
) -> Response {
    user_change(state, p, username, false, req).await
}

/// Where a live stream starts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Send the events after this one first (the board passes the last event it shows).
    /// A `Last-Event-ID` header, which browsers send on reconnecting, takes precedence.
    pub after: Option<u64>,
}

/// The incident's events as Server-Sent Events: each event's `id` is its
/// number and its `data` its timeline entry (JSON). The events after
/// `Last-Event-ID` (or `?after=`) come first from the store, then live ones
/// as they are appended, by this server or, on PostgreSQL, any other; a
/// comment every 15 s keeps the connection open. Without either, only new events.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/events",
    tag = "incidents",
    params(
        ("id" = String, Path, description = "The incident id"),
        ("Last-Event-ID" = Option<u64>, Header, description = "The last event received: the stream resumes after it"),
        EventsQuery,
    ),
    responses(
        (status = 200, description = "A stream of events (`id: <seq>`, `data: <TimelineEntry as JSON>`)", content_type = "text/event-stream", body = String),
        (status = 400, description = "Last-Event-ID is not an event number", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(q)) => q,
        Err(r) => return error(StatusCode::BAD_REQUEST, &r.body_text()).into_response(),
    };
    let last = match headers.get("last-event-id").map(|v| v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok())) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => return error(StatusCode::BAD_REQUEST, "Last-Event-ID is not an event number").into_response(),
    };
    let head = match service::subscribe(&state, &p, &id).await {
        Ok(head) => head,
        Err(e) => return service_error(e),
    };
    let after = last.or(query.after).unwrap_or(head).min(head);
    match crate::live::stream(state, p, id, after).await {
        Ok(sse) => sse.into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e).into_response(),
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// A user's API tokens (names, when issued, last used; never the tokens):
/// the caller's own, or anyone's for an administrator.
#[utoipa::path(
    get,
    path = "/api/users/{username}/tokens",
    tag = "users",
    params(("username" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "The tokens, by name", body = Vec<service::TokenView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Another user's, and the caller is not an administrator", body = ApiError),
        (status = 422, description = "No such user", body = ApiError),
    )
)]
pub async fn user_tokens(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
) -> Response {
    match service::tokens(&state, &p, &username).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Revokes one API token by name: it stops working at its next request. The
/// caller's own, or anyone's for an administrator; recorded in the access log.
#[utoipa::path(
    post,
    path = "/api/users/{username}/tokens/{name}/revoke",
    tag = "users",
    params(("username" = String, Path, description = "The user"), ("name" = String, Path, description = "The token's name")),
    responses(
        (status = 200, description = "Revoked: the tokens left", body = Vec<service::TokenView>),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Another user's and the caller is not an administrator, or no CSRF token", body = ApiError),
        (status = 422, description = "No such user or token", body = ApiError),
    )
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path((username, name)): Path<(String, String)>,
) -> Response {
    match service::revoke_token(&state, &p, &username, &name).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

/// Ends every session of a user (signed out everywhere; API tokens go on).
/// The caller's own, or anyone's for an administrator; recorded in the access log.
#[utoipa::path(
    post,
    path = "/api/users/{username}/sessions/end",
    tag = "users",
    params(("username" = String, Path, description = "The user")),
    responses(
        (status = 200, description = "How many sessions ended", body = service::SessionsEnded),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Another user's and the caller is not an administrator, or no CSRF token", body = ApiError),
        (status = 422, description = "No such user", body = ApiError),
    )
)]
pub async fn end_sessions(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(username): Path<String>,
) -> Response {
    match service::end_sessions(&state, &p, &username).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => service_error(e),
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `interlock user token`"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "interlock_session",
                "The session cookie set by POST /signin; state-changing requests also need the X-CSRF-Token header",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Interlock",
        description = "IT/OT cyber incident coordination: the incident record, its status and timeline. \
                       Authenticate with an API token (Authorization: Bearer) or a session cookie."
    ),
    paths(
        list_incidents,
        open_incident,
        get_incident,
        record_entry,
        incident_panels,
        events,
        list_actions,
        get_action,
        explain_action,
        escalations_due,
        propose,
        approve,
        reject,
        escalate,
        override_action,
        confirm,
        execute,
        verify,
        rollback,
        withdraw,
        action_picture,
        contain,
        workplan,
        clocks,
        integrity,
        report,
        update_draft,
        publish_update,
        notifications,
        vendor_access,
        set_visibility,
        add_member,
        remove_member,
        users,
        add_user,
        notification_test,
        notification_log,
        issue_token,
        disable_user,
        enable_user,
        user_tokens,
        revoke_token,
        end_sessions,
        crate::records::list_work_orders,
        crate::records::add_work_order,
        crate::records::work_order_history,
        crate::records::import_work,
        crate::records::list_vendor_grants,
        crate::records::grant_vendor,
        crate::records::vendor_grant_history,
        crate::records::revoke_grant,
        crate::records::sessions,
        crate::records::report_sessions,
        crate::records::live_sessions,
        crate::records::import,
        crate::records::correlate_log,
        crate::export::incident_export,
        crate::export::verify_chain,
        crate::export::verify_export_offline,
        crate::export::list_checkpoints,
        crate::export::add_checkpoint,
        crate::site::summary,
        crate::site::model,
        crate::site::impact,
        crate::site::reach,
        crate::site::contain,
        crate::site::spof,
        crate::site::restore_order,
        crate::site::authority_matrix,
        crate::site::import_csv,
        openapi
    ),
    components(schemas(
        ApiError,
        ActionView,
        ProposeRequest,
        DecisionRequest,
        service::StepRequest,
        service::HolderView,
        service::RoleHolders,
        service::ApprovalGroupView,
        service::VoiceView,
        service::RuleView,
        service::MeasureView,
        service::EscalationView,
        IncidentSummary,
        IncidentBoard,
        service::IncidentStatus,
        service::SituationView,
        service::PositionView,
        service::TimelineEntry
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "incidents", description = "The incident record"),
        (name = "actions", description = "Response actions through the authority matrix: propose, approve, reject"),
        (name = "users", description = "API tokens and sessions: a user's own, or anyone's for an administrator"),
        (name = "records", description = "Site-level records: work orders, vendor grants and their kill switch, the vendor session register, observed activity judged against them"),
        (name = "site", description = "The site model the server was started with, read-only, and its analyses: the check, the normalised model, impact with safety verdict and approvals, attacker reach, the containment planner, single points of failure, the restoration order, the authority matrix, the asset inventory import"),
        (name = "meta", description = "About the API itself")
    )
)]
pub struct ApiDoc;

/// The OpenAPI document as served and committed (`docs/api/openapi.json`):
/// pretty JSON with a final newline.
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// One route of the API.
pub struct ApiRoute {
    pub method: Method,
    /// In axum's and OpenAPI's syntax alike: `/api/incidents/{id}`.
    pub path: &'static str,
    /// Reachable without signing in.
    pub public: bool,
    pub handler: MethodRouter<AppState>,
}

/// Every route under `/api`: the router is built from this list, and a test
/// checks each is in the OpenAPI document (and the document has no other).
pub fn api_routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute { method: Method::GET, path: "/api/incidents", public: false, handler: get(list_incidents) },
        ApiRoute { method: Method::POST, path: "/api/incidents", public: false, handler: post(open_incident) },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}", public: false, handler: get(get_incident) },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/entries",
            public: false,
            handler: post(record_entry),
        },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/events", public: false, handler: get(events) },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/panels",
            public: false,
            handler: get(incident_panels),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/actions",
            public: false,
            handler: get(list_actions),
        },
        ApiRoute { method: Method::POST, path: "/api/incidents/{id}/actions", public: false, handler: post(propose) },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/actions/{seq}",
            public: false,
            handler: get(get_action),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/actions/{seq}/explain",
            public: false,
            handler: get(explain_action),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/escalations",
            public: false,
            handler: get(escalations_due),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/approve",
            public: false,
            handler: post(approve),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/reject",
            public: false,
            handler: post(reject),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/escalate",
            public: false,
            handler: post(escalate),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/override",
            public: false,
            handler: post(override_action),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/confirm",
            public: false,
            handler: post(confirm),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/execute",
            public: false,
            handler: post(execute),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/verify",
            public: false,
            handler: post(verify),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/rollback",
            public: false,
            handler: post(rollback),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/actions/{seq}/withdraw",
            public: false,
            handler: post(withdraw),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/actions/{seq}/impact.svg",
            public: false,
            handler: get(action_picture),
        },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/contain", public: false, handler: get(contain) },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/workplan", public: false, handler: get(workplan) },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/clocks", public: false, handler: get(clocks) },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/integrity", public: false, handler: get(integrity) },
        ApiRoute { method: Method::GET, path: "/api/incidents/{id}/report", public: false, handler: get(report) },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/visibility",
            public: false,
            handler: post(set_visibility),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/members",
            public: false,
            handler: post(add_member),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/members/remove",
            public: false,
            handler: post(remove_member),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/vendor-access",
            public: false,
            handler: get(vendor_access),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/updates/draft",
            public: false,
            handler: get(update_draft),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/updates",
            public: false,
            handler: post(publish_update),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/notifications",
            public: false,
            handler: get(notifications),
        },
        ApiRoute { method: Method::GET, path: "/api/users", public: false, handler: get(users) },
        ApiRoute { method: Method::POST, path: "/api/users", public: false, handler: post(add_user) },
        ApiRoute { method: Method::GET, path: "/api/notifications", public: false, handler: get(notification_log) },
        ApiRoute {
            method: Method::POST,
            path: "/api/notifications/test",
            public: false,
            handler: post(notification_test),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/users/{username}/tokens",
            public: false,
            handler: post(issue_token),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/users/{username}/tokens",
            public: false,
            handler: get(user_tokens),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/users/{username}/tokens/{name}/revoke",
            public: false,
            handler: post(revoke_token),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/users/{username}/sessions/end",
            public: false,
            handler: post(end_sessions),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/users/{username}/disable",
            public: false,
            handler: post(disable_user),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/users/{username}/enable",
            public: false,
            handler: post(enable_user),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/work-orders",
            public: false,
            handler: get(records::list_work_orders),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/work-orders",
            public: false,
            handler: post(records::add_work_order),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/work-orders/import",
            public: false,
            handler: post(records::import_work),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/work-orders/{id}",
            public: false,
            handler: get(records::work_order_history),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/vendor-grants",
            public: false,
            handler: get(records::list_vendor_grants),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/vendor-grants",
            public: false,
            handler: post(records::grant_vendor),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/vendor-grants/{id}",
            public: false,
            handler: get(records::vendor_grant_history),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/vendor-grants/{id}/revoke",
            public: false,
            handler: post(records::revoke_grant),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/vendor-sessions",
            public: false,
            handler: post(records::sessions),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/vendor-sessions",
            public: false,
            handler: get(records::live_sessions),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/vendor-sessions/report",
            public: false,
            handler: post(records::report_sessions),
        },
        ApiRoute { method: Method::POST, path: "/api/evidence/import", public: false, handler: post(records::import) },
        ApiRoute {
            method: Method::POST,
            path: "/api/evidence/correlate",
            public: false,
            handler: post(records::correlate_log),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/export",
            public: false,
            handler: get(crate::export::incident_export),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/verify",
            public: false,
            handler: get(crate::export::verify_chain),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/verify",
            public: false,
            // An export carries every event's encoding: more than the default 2 MB body.
            handler: post(crate::export::verify_export_offline)
                .layer(axum::extract::DefaultBodyLimit::max(crate::export::MAX_VERIFY_BODY)),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/incidents/{id}/checkpoints",
            public: false,
            handler: get(crate::export::list_checkpoints),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/incidents/{id}/checkpoints",
            public: false,
            handler: post(crate::export::add_checkpoint),
        },
        ApiRoute { method: Method::GET, path: "/api/site", public: false, handler: get(crate::site::summary) },
        ApiRoute { method: Method::GET, path: "/api/site/model", public: false, handler: get(crate::site::model) },
        ApiRoute { method: Method::POST, path: "/api/site/impact", public: false, handler: post(crate::site::impact) },
        ApiRoute { method: Method::GET, path: "/api/site/reach", public: false, handler: get(crate::site::reach) },
        ApiRoute { method: Method::GET, path: "/api/site/contain", public: false, handler: get(crate::site::contain) },
        ApiRoute { method: Method::GET, path: "/api/site/spof", public: false, handler: get(crate::site::spof) },
        ApiRoute {
            method: Method::GET,
            path: "/api/site/restore-order",
            public: false,
            handler: get(crate::site::restore_order),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/site/authority",
            public: false,
            handler: get(crate::site::authority_matrix),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/site/import-csv",
            public: false,
            handler: post(crate::site::import_csv),
        },
        ApiRoute { method: Method::GET, path: "/api/openapi.json", public: true, handler: get(openapi) },
    ]
}
