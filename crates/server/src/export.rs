//! The incident's record as a document over the API, what was the CLI's
//! only (`interlock incident export|verify|checkpoint`): the export (JSON
//! that verifies offline, or the readable Markdown timeline), the
//! verification of the stored chain, the offline verification of an export
//! handed in with checkpoint files, and signed checkpoints.
//!
//! The documents and the checks are `report::export`, the code the CLI
//! calls: this module adds the wire shapes, the permissions and the access
//! log. The secret key of a checkpoint never reaches the server: it shows
//! what to sign (`GET .../checkpoints`), the key holder signs it offline
//! (`interlock incident sign`), and the checkpoint file is recorded through
//! the write path like every entry (`POST .../checkpoints`), where the
//! incident's rules accept it only when it signs the current head.
//!
//! Who may do what: exporting, verifying and listing checkpoints are reads of
//! the incident (a private incident: its members; to anyone else it does not
//! exist, 404); every export is in the access log (`export-incident`), and
//! so is every verification of the stored chain (`verify-incident`).
//! Recording a checkpoint is a write (membership and the incident's rules,
//! every attempt in the access log as `record-checkpoint`). The offline
//! verification reads nothing stored: every signed-in user.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use incident::{Body, Checkpoint, Digest, Incident};
use report::export::{self, CheckpointFile};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::LogError;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiError, error, status_of};
use crate::auth::Principal;
use crate::records::json_body;
use crate::service::{self, Permission, ServiceError, log_access, store_error};

/// The largest body `POST /api/verify` takes: an export carries every event's encoding.
pub const MAX_VERIFY_BODY: usize = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Wire shapes.

/// Which document of the export.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (the export that verifies offline, the default) or `markdown` (the readable timeline).
    pub format: Option<String>,
}

/// The key the record must carry a checkpoint of, if any.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrustQuery {
    /// A public key (64 hex digits, as in `FILE.pub` from `interlock incident keygen`): at
    /// least one checkpoint recorded in the chain must be signed with it (others are not counted).
    pub trust: Option<String>,
}

/// A signed head: the last event it covers, that event's chain hash, and the signing key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignedHead {
    pub seq: u64,
    /// `sha256:` and 64 hex digits.
    pub head: String,
    /// The ed25519 public key, 64 hex digits.
    pub public_key: String,
}

impl SignedHead {
    fn of(c: &Checkpoint) -> SignedHead {
        SignedHead { seq: c.seq, head: c.head.to_string(), public_key: incident::checkpoint::key_hex(&c.public_key) }
    }
}

/// The stored chain, verified (`interlock incident verify ID`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainVerified {
    /// Every event's place, bytes and hash match, the head matches, every checkpoint's signature
    /// verifies (and is by the trusted key, when one was given).
    pub ok: bool,
    pub incident: String,
    /// The number of events (none when the chain does not verify).
    pub events: Option<u64>,
    /// The last event's chain hash (none when the chain does not verify).
    pub head: Option<String>,
    /// The signed checkpoints recorded in the chain.
    pub checkpoints: Vec<SignedHead>,
    /// What does not verify, in words: the first event that does not match, a checkpoint not
    /// signed by the trusted key.
    pub problems: Vec<String>,
}

/// An export handed in to verify offline, with checkpoint files to check against it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OfflineRequest {
    /// The export document, as `GET /api/incidents/{id}/export` or `interlock incident export` wrote it.
    #[schema(value_type = Object)]
    pub export: Value,
    /// Checkpoint files (`{"format": "interlock-checkpoint", ...}`) the record must still match.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub checkpoints: Vec<Value>,
    /// A public key (64 hex digits): every checkpoint file must be signed with it, and at least
    /// one checkpoint, in the chain or a file (those of other keys in the chain are not counted).
    #[serde(default)]
    pub trust: Option<String>,
}

/// An export verified offline (`interlock incident verify --export FILE --checkpoint F --trust K`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfflineVerified {
    /// The chain recomputed from the encodings matches the head, every readable field says what
    /// the encodings say, and every checkpoint file matches.
    pub ok: bool,
    /// The incident the export says it is of.
    pub incident: Option<String>,
    /// The number of events (none when the export does not verify).
    pub events: Option<u64>,
    /// The last event's chain hash (none when the export does not verify).
    pub head: Option<String>,
    /// How many of the checkpoint files handed in match the export.
    pub checkpoints_matched: usize,
    /// What does not verify, in words (an event named by its number, a checkpoint file by its
    /// place in `checkpoints`).
    pub problems: Vec<String>,
}

/// A checkpoint file: a signed head of an incident, as `interlock incident sign` and
/// `interlock incident checkpoint` write it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CheckpointFileView {
    /// Always `interlock-checkpoint`.
    pub format: String,
    pub incident: String,
    /// The last event it covers.
    pub seq: u64,
    /// That event's chain hash: `sha256:` and 64 hex digits.
    pub head: String,
    /// The ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// The ed25519 signature of the message to sign, 128 hex digits.
    pub signature: String,
}

/// A checkpoint recorded in the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedCheckpoint {
    /// The event that records it.
    pub event: u64,
    pub recorded_at: String,
    /// Who recorded it (a person id; the key's holder may be someone else).
    pub recorded_by: String,
    /// The last event it covers.
    pub seq: u64,
    /// That event's chain hash.
    pub head: String,
    /// The ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// 128 hex digits.
    pub signature: String,
}

/// What to sign now: the incident's head.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToSign {
    pub incident: String,
    /// The number of the last event.
    pub seq: u64,
    /// Its chain hash.
    pub head: String,
    /// The bytes an ed25519 key signs, in hex: `interlock-checkpoint-v1`, a zero byte, the
    /// incident id, a zero byte, the sequence number (8 bytes, big-endian), the head (32 bytes).
    pub message: String,
}

/// The checkpoints recorded in the chain, and what to sign now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckpointsView {
    pub checkpoints: Vec<RecordedCheckpoint>,
    /// Sign it offline (`interlock incident sign --key FILE --incident ID --seq N --head HEX`) and
    /// post the file to `POST /api/incidents/{id}/checkpoints` before anything else is appended.
    pub to_sign: ToSign,
}

// ---------------------------------------------------------------------------
// The service.

/// An export, ready to send.
pub struct ExportFile {
    pub content_type: &'static str,
    pub text: String,
    /// `INC-1.json` or `INC-1.md`.
    pub file_name: String,
}

/// The export of an incident the principal may read, exactly as
/// `interlock incident export` writes it. Every export is in the access log.
pub async fn export_incident(
    state: &AppState,
    p: &Principal,
    id: &str,
    q: &ExportQuery,
) -> Result<ExportFile, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let inc = service::load_incident(state, id).await?;
    service::may_read(state, p, &inc, "export-incident").await?;
    let format = q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("json");
    let (content_type, ext, text) = match format {
        "json" => {
            let json = serde_json::to_string_pretty(&export::export_json(&inc)).map_err(store_error)?;
            ("application/json", "json", json + "\n")
        }
        "markdown" => ("text/markdown; charset=utf-8", "md", export::markdown(&inc, state.site.as_deref())),
        _ => return Err(ServiceError::Invalid(format!("format: {format:?} is not one of json, markdown"))),
    };
    log_access(state, p, "export-incident", id, &format!("ok: {format}, {} events, head {}", inc.seq(), inc.head()))
        .await?;
    let file_name = format!("{}.{ext}", id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
    Ok(ExportFile { content_type, text, file_name })
}

fn public_key(field: &str, hex: &str) -> Result<[u8; 32], ServiceError> {
    Digest::parse(hex.trim())
        .map(|d| d.0)
        .ok_or_else(|| ServiceError::Invalid(format!("{field}: not an ed25519 public key: expected 64 hex digits")))
}

/// Verifies the stored chain of an incident the principal may read (every
/// event, in-chain checkpoints, the head): a chain that does not verify is an
/// answer (`ok: false` and the first event that does not match), not an
/// error. A record that does not load cannot say whether it is private: its
/// verification is shown to administrators only (to others it does not
/// exist, as in the list of incidents). Every verification is in the access log.
pub async fn verify_stored(
    state: &AppState,
    p: &Principal,
    id: &str,
    q: &TrustQuery,
) -> Result<ChainVerified, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let trusted = q.trust.as_deref().map(|t| public_key("trust", t)).transpose()?;
    match service::load_incident(state, id).await {
        Ok(inc) => service::may_read(state, p, &inc, "verify-incident").await?,
        Err(ServiceError::Corrupt { .. }) if p.user.is_admin => {}
        Err(ServiceError::Corrupt { .. }) => return Err(ServiceError::NotFound(id.into())),
        Err(e) => return Err(e),
    }
    let answer = match store::log::verify(&*state.store, id).await {
        Ok(v) => {
            let problems = export::check_checkpoints(id, &v.hashes, &v.checkpoints, &[], trusted.as_ref());
            ChainVerified {
                ok: problems.is_empty(),
                incident: id.into(),
                events: Some(v.seq),
                head: Some(v.head.to_string()),
                checkpoints: v.checkpoints.iter().map(SignedHead::of).collect(),
                problems,
            }
        }
        Err(LogError::NotFound(_)) => return Err(ServiceError::NotFound(id.into())),
        Err(LogError::Store(e)) => return Err(store_error(e)),
        Err(e) => ChainVerified {
            ok: false,
            incident: id.into(),
            events: None,
            head: None,
            checkpoints: Vec::new(),
            problems: vec![e.to_string()],
        },
    };
    let outcome =
        if answer.ok { "ok: verifies".to_string() } else { format!("ok: FAILED: {}", answer.problems.join("; ")) };
    log_access(state, p, "verify-incident", id, &outcome).await?;
    Ok(answer)
}

/// Verifies an export handed in, with checkpoint files, as
/// `interlock incident verify --export FILE --checkpoint F --trust K` does:
/// nothing stored is read. An export that does not verify is an answer
/// (`ok: false`); a checkpoint file that does not read or a malformed key
/// is refused ([`ServiceError::Invalid`]).
pub fn verify_offline(p: &Principal, req: &OfflineRequest) -> Result<OfflineVerified, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let trusted = req.trust.as_deref().map(|t| public_key("trust", t)).transpose()?;
    let mut files = Vec::with_capacity(req.checkpoints.len());
    for (i, v) in req.checkpoints.iter().enumerate() {
        let label = format!("checkpoints[{i}]");
        let (incident, checkpoint) =
            export::checkpoint_from_value(v).map_err(|e| ServiceError::Invalid(format!("{label}: {e}")))?;
        files.push(CheckpointFile { label, incident, checkpoint });
    }
    let claimed = req.export["incident"]["id"].as_str().map(String::from);
    Ok(match export::verify_offline(&req.export, &files, trusted.as_ref()) {
        Ok(c) => {
            let e = &c.export;
            let matched = files
                .iter()
                .filter(|f| {
                    f.incident == e.incident
                        && export::check_checkpoints(
                            &e.incident,
                            &e.hashes,
                            &[],
                            std::slice::from_ref(*f),
                            trusted.as_ref(),
                        )
                        .is_empty()
                })
                .count();
            OfflineVerified {
                ok: c.problems.is_empty(),
                incident: Some(e.incident.clone()),
                events: Some(e.events),
                head: Some(e.head.to_string()),
                checkpoints_matched: matched,
                problems: c.problems,
            }
        }
        Err(why) => OfflineVerified {
            ok: false,
            incident: claimed,
            events: None,
            head: None,
            checkpoints_matched: 0,
            problems: vec![why],
        },
    })
}

fn recorded(inc: &Incident, seq: u64) -> Option<RecordedCheckpoint> {
    let e = inc.event(seq)?;
    let Body::Checkpoint(c) = &e.body else { return None };
    Some(RecordedCheckpoint {
        event: e.seq,
        recorded_at: e.recorded_at.to_string(),
        recorded_by: e.actor.to_string(),
        seq: c.seq,
        head: c.head.to_string(),
        public_key: incident::checkpoint::key_hex(&c.public_key),
        signature: export::hex(&c.signature),
    })
}

/// The signed checkpoints recorded in an incident the principal may read,
/// and what to sign now (its head, and the bytes an ed25519 key signs).
pub async fn checkpoints(state: &AppState, p: &Principal, id: &str) -> Result<CheckpointsView, ServiceError> {
    service::authorize(p, Permission::ListIncidents)?;
    let inc = service::load_incident(state, id).await?;
    service::may_read(state, p, &inc, "read-checkpoints").await?;
    if inc.private {
        log_access(state, p, "read-checkpoints", id, "ok").await?;
    }
    let head = inc.head();
    Ok(CheckpointsView {
        checkpoints: inc.checkpoints.iter().filter_map(|s| recorded(&inc, *s)).collect(),
        to_sign: ToSign {
            incident: inc.id().into(),
            seq: inc.seq(),
            head: head.to_string(),
            message: export::hex(&incident::checkpoint::message(inc.id(), inc.seq(), &head)),
        },
    })
}

/// Records a checkpoint file (signed offline) in the incident's chain,
/// through the write path: the incident's rules accept it only when it signs
/// the head as it stands (409 otherwise: something was appended since) with a
/// signature that verifies (422 naming `signature`).
pub async fn record_checkpoint(
    state: &AppState,
    p: &Principal,
    id: &str,
    file: &Value,
) -> Result<RecordedCheckpoint, ServiceError> {
    let inc = service::write_at(state, p, id, "record-checkpoint", |inc, _, _, _| {
        let (of, c) = export::checkpoint_from_value(file)
            .map_err(|e| ServiceError::Invalid(format!("the checkpoint file: {e}")))?;
        if of != inc.id() {
            return Err(ServiceError::Invalid(format!(
                "incident: the checkpoint is of incident {of}, not {}",
                inc.id()
            )));
        }
        Ok(vec![Body::Checkpoint(c)])
    })
    .await?;
    recorded(&inc, inc.seq()).ok_or_else(|| ServiceError::Store("the checkpoint was not recorded".into()))
}

// ---------------------------------------------------------------------------
// Handlers.

fn refused(e: ServiceError) -> Response {
    error(status_of(&e), &e.to_string()).into_response()
}

/// The incident's export, as `interlock incident export` writes it: JSON
/// (every event with its canonical encoding and chain hash, so the file
/// verifies offline: `interlock incident verify --export FILE` or
/// `POST /api/verify`) or the readable Markdown timeline, as a download.
/// Every export is recorded in the access log (`export-incident`).
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/export",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), ExportQuery),
    responses(
        (status = 200, description = "The export, as an attachment named ID.json or ID.md", content(
            (Object = "application/json"),
            (String = "text/markdown"),
        )),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 422, description = "An unknown format", body = ApiError),
    )
)]
pub async fn incident_export(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match export_incident(&state, &p, &id, &q).await {
        Ok(f) => {
            let mut res = f.text.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.content_type));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.file_name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => refused(e),
    }
}

/// Verifies the incident's stored chain (`interlock incident verify ID`):
/// every event's place, bytes and hash, the signatures of the checkpoints
/// recorded in it, and the head. A chain that does not verify is `ok: false`
/// with the first event that does not match (200: the answer is the
/// verification). Recorded in the access log (`verify-incident`).
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/verify",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id"), TrustQuery),
    responses(
        (status = 200, description = "The verification", body = ChainVerified),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident (or a record that does not load, to all but administrators)", body = ApiError),
        (status = 422, description = "`trust` is not a public key", body = ApiError),
    )
)]
pub async fn verify_chain(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<TrustQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.body_text()).into_response(),
    };
    match verify_stored(&state, &p, &id, &q).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Verifies an export handed in, offline: nothing stored is read. The chain
/// is recomputed from the encodings and checked against the head, every
/// readable field against its encoding, and each checkpoint file (and, with
/// `trust`, each checkpoint in the chain) against the chain and the key: the
/// checks of `interlock incident verify --export FILE --checkpoint F --trust K`.
/// An export that does not verify is `ok: false` with what does not match.
#[utoipa::path(
    post,
    path = "/api/verify",
    tag = "incidents",
    request_body = OfflineRequest,
    responses(
        (status = 200, description = "The verification", body = OfflineVerified),
        (status = 400, description = "The body is not JSON, or has no `export`", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed, or no CSRF token", body = ApiError),
        (status = 413, description = "Larger than 64 MiB", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "A checkpoint file that does not read (named by its place), or `trust` is not a public key", body = ApiError),
    )
)]
pub async fn verify_export_offline(
    axum::Extension(p): axum::Extension<Principal>,
    req: Result<Json<OfflineRequest>, JsonRejection>,
) -> Response {
    let req = match json_body(req) {
        Ok(r) => r,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    if req.export.is_null() {
        return error(StatusCode::BAD_REQUEST, "export: required (the export document)").into_response();
    }
    match verify_offline(&p, &req) {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// The signed checkpoints recorded in the incident's chain, and what to sign
/// now: its head and the bytes an ed25519 key signs. The key holder signs it
/// offline (`interlock incident sign`) and posts the file to
/// `POST /api/incidents/{id}/checkpoints`.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/checkpoints",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    responses(
        (status = 200, description = "The checkpoints and what to sign now", body = CheckpointsView),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "Not allowed", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
    )
)]
pub async fn list_checkpoints(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    match checkpoints(&state, &p, &id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    }
}

/// Records a checkpoint signed offline (the file `interlock incident sign`
/// writes) in the incident's chain, as the caller's person. The incident's
/// rules accept it only when it signs the head as it stands, with a
/// signature that verifies. Every attempt is in the access log
/// (`record-checkpoint`); the secret key never reaches the server.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/checkpoints",
    tag = "incidents",
    params(("id" = String, Path, description = "The incident id")),
    request_body = CheckpointFileView,
    responses(
        (status = 201, description = "Recorded: `event` is its event number", body = RecordedCheckpoint),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "The incident's rules refuse the caller, or no CSRF token", body = ApiError),
        (status = 404, description = "No such incident", body = ApiError),
        (status = 409, description = "It does not sign the head as it stands (something was appended since): the rule's words; nothing written", body = ApiError),
        (status = 413, description = "Larger than the server's body limit", body = ApiError),
        (status = 415, description = "Not JSON", body = ApiError),
        (status = 422, description = "Not a checkpoint file, a checkpoint of another incident, or a signature that does not verify (`signature: ...`)", body = ApiError),
        (status = 503, description = "The server has no site model", body = ApiError),
    )
)]
pub async fn add_checkpoint(
    State(state): State<AppState>,
    axum::Extension(p): axum::Extension<Principal>,
    Path(id): Path<String>,
    req: Result<Json<Value>, JsonRejection>,
) -> Response {
    let file = match json_body(req) {
        Ok(v) => v,
        Err((status, why)) => return error(status, &why).into_response(),
    };
    match record_checkpoint(&state, &p, &id, &file).await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => refused(e),
    }
}
