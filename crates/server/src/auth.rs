//! Who is asking: passwords (argon2id), sessions (a cookie holding a random
//! token; the store keeps its SHA-256), API tokens (`Authorization: Bearer`,
//! also kept as SHA-256), CSRF tokens per session, and the sign-in rate limit.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use store::{Access, ApiToken, Session, Store, StoreError, User};

use crate::AppState;
use crate::api;
use crate::html;

/// The session cookie's name.
pub const COOKIE: &str = "interlock_session";
/// The header htmx sends the CSRF token in (set on `<body hx-headers>`).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field forms carry it in.
pub const CSRF_FIELD: &str = "csrf";
/// Failed sign-ins allowed per username and per client address in a window.
pub const MAX_FAILURES: usize = 5;
/// The window: one minute.
pub const WINDOW_MICROS: i64 = 60 * 1_000_000;
/// The prefix of API tokens, so they are recognisable in a leak scan.
pub const TOKEN_PREFIX: &str = "ilk_";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
    #[error("a password needs at least 12 characters")]
    WeakPassword,
    #[error("no user {0}")]
    NoUser(String),
    #[error("a username is 1 to 64 characters without spaces or control characters")]
    BadUsername,
    #[error("a token's name is 1 to 64 characters without spaces or control characters")]
    BadTokenName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hashes a password with argon2id (default parameters, random salt): the PHC string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < 12 {
        return Err(AuthError::WeakPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string (the comparison is constant-time).
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// A hash to verify against when the user does not exist, so that a failed
/// sign-in takes as long whether or not the user exists.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password_with_salt(b"not anybody's password", b"interlock-dummy-salt")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, AuthError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex(&buf))
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The SHA-256 of a token: what the store keeps.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Issues an API token for `username` named `name`: stores its hash and
/// returns the token, which is shown once and never again.
pub async fn new_api_token<S: Store>(store: &S, username: &str, name: &str, now: i64) -> Result<String, AuthError> {
    if !good_name(name) {
        return Err(AuthError::BadTokenName);
    }
    let user = store.user_by_name(username).await?.ok_or_else(|| AuthError::NoUser(username.into()))?;
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    store
        .create_token(&ApiToken {
            hash: token_hash(&token),
            name: name.into(),
            user_id: user.id,
            created_at: now,
            last_used: None,
        })
        .await?;
    store
        .log_access(&Access {
            at: now,
            username: username.into(),
            action: "token-issued".into(),
            target: name.into(),
            outcome: "ok".into(),
        })
        .await?;
    Ok(token)
}

/// A name (a username, a token's): 1 to 64 characters, no spaces or control characters.
fn good_name(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 64 && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Adds a user acting as `person` (the caller checks the person against the
/// site model when it has one), with `password`, or a generated one when
/// `None`, which is returned to be shown once. Recorded in the access log as
/// `user-added`, by `by` (empty for the CLI). A username taken is
/// `AuthError::Store(StoreError::Duplicate)`.
pub async fn add_user<S: Store>(
    store: &S,
    username: &str,
    person: &str,
    password: Option<&str>,
    is_admin: bool,
    now: i64,
    by: &str,
) -> Result<(User, Option<String>), AuthError> {
    if !good_name(username) {
        return Err(AuthError::BadUsername);
    }
    let (password, generated) = match password {
        Some(p) => (p.to_string(), false),
        None => (random_hex(12)?, true),
    };
    let hash = hash_password(&password)?;
    let user = store
        .create_user(&store::NewUser {
            username: username.into(),
            person: person.into(),
            password_hash: hash,
            is_admin,
            created_at: now,
        })
        .await?;
    store
        .log_access(&Access {
            at: now,
            username: by.into(),
            action: "user-added".into(),
            target: username.into(),
            outcome: if is_admin { "admin".into() } else { "ok".into() },
        })
        .await?;
    Ok((user, generated.then_some(password)))
}

/// Compares two strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed sign-ins per key (a username, a client address) in a sliding window.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// Keys kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    pub fn new(max: usize, window_micros: i64) -> RateLimiter {
        RateLimiter { max, window: window_micros, failures: Mutex::new(HashMap::new()) }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<i64>>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Some(seconds to wait)` when any key has used up its failures.
    pub fn blocked(&self, keys: &[String], now: i64) -> Option<u64> {
        let mut map = self.map();
        let mut wait: Option<i64> = None;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                while q.front().is_some_and(|t| *t <= now - self.window) {
                    q.pop_front();
                }
                if q.len() >= self.max
                    && let Some(oldest) = q.front()
                {
                    let w = oldest + self.window - now;
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        wait.map(|w| u64::try_from(w.max(1)).unwrap_or(1).div_ceil(1_000_000))
    }

    pub fn failed(&self, keys: &[String], now: i64) {
        let mut map = self.map();
        if map.len() >= SWEEP_AT {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| *t > now - window));
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            q.push_back(now);
            while q.len() > self.max {
                q.pop_front();
            }
        }
    }

    pub fn clear(&self, key: &str) {
        self.map().remove(key);
    }
}

/// How the request was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session: state-changing requests must carry its CSRF token.
    Session { id: Vec<u8>, csrf: String },
    /// An API token (bearer): no CSRF token needed, no cookie involved.
    Token { name: String },
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub via: Via,
}

impl Principal {
    /// The CSRF token forms and htmx must send (none for bearer tokens).
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

fn is_api(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let v = headers.get(header::AUTHORIZATION)?;
    Some(v.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")).map(str::trim).filter(|s| !s.is_empty()).ok_or(()))
}

fn unauthenticated(api: bool) -> Response {
    if api {
        let mut r = api::error(StatusCode::UNAUTHORIZED, "sign in, or send an API token as Authorization: Bearer")
            .into_response();
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"interlock\""));
        r
    } else {
        Redirect::to("/signin").into_response()
    }
}

fn server_error(api: bool, e: &dyn std::fmt::Display) -> Response {
    let msg = format!("the store failed: {e}");
    if api { api::error(StatusCode::INTERNAL_SERVER_ERROR, &msg).into_response() } else { html::failure(&msg) }
}

async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, StoreError> {
    let now = state.now();
    if let Some(b) = bearer(headers) {
        let Ok(token) = b else { return Ok(None) };
        let Some(t) = state.store.use_token(&token_hash(token), now).await? else { return Ok(None) };
        let user = state.store.user(t.user_id).await?;
        return Ok(user.filter(|u| !u.disabled).map(|user| Principal { user, via: Via::Token { name: t.name } }));
    }
    let Some(token) = cookie(headers, COOKIE) else { return Ok(None) };
    let id = token_hash(token);
    let Some(s) = state.store.session(&id, now).await? else { return Ok(None) };
    let user = state.store.user(s.user_id).await?;
    Ok(user.filter(|u| !u.disabled).map(|user| Principal { user, via: Via::Session { id, csrf: s.csrf } }))
}

/// The most of a form body read to find its CSRF field.
const FORM_LIMIT: usize = 1 << 20;

/// The middleware in front of every protected route: finds the principal (a
/// bearer token, else the session cookie), refuses the request without one
/// (401 for the API, a redirect to the sign-in page for HTML), and checks the
/// CSRF token of every state-changing request made with a session.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api(&req);
    let p = match principal(&state, req.headers()).await {
        Ok(Some(p)) => p,
        Ok(None) => return unauthenticated(api),
        Err(e) => return server_error(api, &e),
    };
    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && let Via::Session { csrf, .. } = &p.via {
        let (ok, rebuilt) = csrf_ok(req, csrf).await;
        let Some(rebuilt) = rebuilt else {
            return forbidden(api, "the request body could not be read");
        };
        if !ok {
            return forbidden(api, "missing or wrong CSRF token: reload the page and try again");
        }
        req = rebuilt;
    }
    req.extensions_mut().insert(p);
    next.run(req).await
}

fn forbidden(api: bool, why: &str) -> Response {
    if api {
        api::error(StatusCode::FORBIDDEN, why).into_response()
    } else {
        html::page_error(StatusCode::FORBIDDEN, "Refused", why)
    }
}

/// Whether the request carries the CSRF token, in the header or in a form
/// field; the request is rebuilt when its body had to be read.
async fn csrf_ok(req: Request, csrf: &str) -> (bool, Option<Request>) {
    if let Some(v) = req.headers().get(CSRF_HEADER) {
        let ok = constant_time_eq(v.as_bytes(), csrf.as_bytes());
        return (ok, Some(req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (false, Some(req));
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else { return (false, None) };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let ok = fields.iter().any(|(k, v)| k == CSRF_FIELD && constant_time_eq(v.as_bytes(), csrf.as_bytes()));
    (ok, Some(Request::from_parts(parts, Body::from(bytes))))
}

/// The client's address as the connection reports it (proxies' headers are not trusted).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(ip.unwrap_or_else(|| "unknown".into())))
    }
}

#[derive(serde::Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn signin_form() -> Response {
    html::signin(None, StatusCode::OK)
}

/// A sign-in from another site is refused: the Origin, when sent, must be this host.
fn cross_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return true };
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    origin_host != host
}

async fn record(state: &AppState, username: &str, action: &str, target: &str, outcome: &str) {
    let a = Access {
        at: state.now(),
        username: username.into(),
        action: action.into(),
        target: target.into(),
        outcome: outcome.into(),
    };
    // The access log must not become a way to stop people signing in; a failure is reported on stderr.
    if let Err(e) = state.store.log_access(&a).await {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "interlock serve: could not record an access: {e}");
    }
}

pub async fn signin(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SigninForm>,
) -> Response {
    if cross_site(&headers) {
        return html::page_error(StatusCode::FORBIDDEN, "Refused", "a sign-in from another site");
    }
    let now = state.now();
    let username: String = form.username.trim().chars().take(200).collect();
    let keys = [format!("user:{username}"), format!("addr:{ip}")];
    if let Some(wait) = state.limiter.blocked(&keys, now) {
        record(&state, &username, "signin", &ip, "rate-limited").await;
        let mut r = html::signin(
            Some(&format!("Too many failed sign-ins. Try again in {wait} seconds.")),
            StatusCode::TOO_MANY_REQUESTS,
        );
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return r;
    }
    let user = match state.store.user_by_name(&username).await {
        Ok(u) => u,
        Err(e) => return server_error(false, &e),
    };
    let phc = match &user {
        Some(u) if !u.disabled => u.password_hash.clone(),
        _ => dummy_hash().to_string(),
    };
    let password = form.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    let user = match user {
        Some(u) if matches && !u.disabled => u,
        _ => {
            state.limiter.failed(&keys, now);
            record(&state, &username, "signin", &ip, "refused").await;
            return html::signin(Some("Wrong username or password."), StatusCode::UNAUTHORIZED);
        }
    };
    state.limiter.clear(&keys[0]);
    let (token, csrf) = match (random_hex(32), random_hex(32)) {
        (Ok(t), Ok(c)) => (t, c),
        (Err(e), _) | (_, Err(e)) => return server_error(false, &e),
    };
    let session = Session {
        id: token_hash(&token),
        user_id: user.id,
        csrf,
        created_at: now,
        expires_at: now.saturating_add(state.session_ttl),
    };
    if let Err(e) = state.store.create_session(&session).await {
        return server_error(false, &e);
    }
    record(&state, &user.username, "signin", &ip, "ok").await;
    let max_age = state.session_ttl / 1_000_000;
    let cookie = format!("{COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={max_age}");
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub async fn signout(State(state): State<AppState>, axum::Extension(p): axum::Extension<Principal>) -> Response {
    if let Via::Session { id, .. } = &p.via
        && let Err(e) = state.store.delete_session(id).await
    {
        return server_error(false, &e);
    }
    // This session's open streams end now.
    state.hub.access_changed(p.user.id);
    record(&state, &p.user.username, "signout", "", "ok").await;
    let mut r = Redirect::to("/signin").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("interlock_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_blocks_after_the_allowed_failures_and_forgets_after_the_window() {
        let l = RateLimiter::new(3, 60_000_000);
        let keys = ["user:a".to_string()];
        for i in 0..3 {
            assert_eq!(l.blocked(&keys, i), None);
            l.failed(&keys, i);
        }
        assert_eq!(l.blocked(&keys, 10), Some(60));
        assert_eq!(l.blocked(&keys, 30_000_000), Some(30));
        assert_eq!(l.blocked(&keys, 60_000_001), None);
    }

    #[test]
    fn csrf_comparison_needs_equal_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
