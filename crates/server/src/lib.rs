//! Interlock's server: the only crate that knows HTTP, JSON wire shapes and
//! HTML. An axum [`router`] over the store: sign-in (argon2id passwords,
//! sessions in `interlock_session` cookies with a CSRF token each, API tokens
//! by `Authorization: Bearer`, rate-limited failures), the incident list and
//! board (server-rendered HTML with htmx, every asset embedded in the binary),
//! and the JSON API described by an OpenAPI 3.1 document ([`openapi_json`]).
//!
//! Permissions are checked in the service layer ([`service`]), which every
//! handler calls; templates only show what the service returned. Time comes
//! from an injected [`Clock`] (the binary reads the system clock; tests set
//! it), so rate limiting and session expiry are tested without sleeping.

pub mod api;
mod assets;
pub mod auth;
pub mod cache;
pub mod entries;
pub mod escalation;
pub mod export;
mod html;
pub mod live;
pub mod notifications;
pub mod panels;
pub mod picture;
pub mod records;
pub mod service;
pub mod site;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use site_model::Site;
use store::AnyStore;

pub use api::{ApiRoute, api_routes, openapi_json};
pub use auth::{RateLimiter, hash_password, new_api_token};

/// Where the server reads the time: Unix microseconds.
pub trait Clock: Send + Sync + 'static {
    fn now_micros(&self) -> i64;
}

/// A clock that stands still until told otherwise (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(micros: i64) -> ManualClock {
        ManualClock(AtomicI64::new(micros))
    }

    pub fn set(&self, micros: i64) {
        self.0.store(micros, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// What every handler has at hand.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<AnyStore>,
    /// The site model, when the server was given one: people's names on the board.
    pub site: Option<Arc<Site>>,
    /// The site's compiled graph (with the site: the impact engine and authority matrix at hand).
    pub graph: Option<Arc<impact::Graph>>,
    /// The warnings the site model was loaded with (the loader's and the authority matrix's, as
    /// `interlock site check` prints them), shown by `GET /api/site`; empty unless the caller
    /// that loaded the site passes them on.
    pub site_warnings: Arc<Vec<site_model::Diagnostic>>,
    /// Live updates: the incidents' broadcast channels.
    pub hub: Arc<live::Hub>,
    /// The incidents as folded state, brought up to date from the store on each read.
    pub incidents: Arc<cache::IncidentCache>,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<RateLimiter>,
    /// How long a session lasts, in microseconds (default 12 hours: a shift).
    pub session_ttl: i64,
    /// The notification channels published updates go to (`serve --notify-config`).
    pub notify: Option<Arc<notifications::Notifications>>,
}

impl AppState {
    pub fn new(store: Arc<AnyStore>, site: Option<Arc<Site>>, clock: Arc<dyn Clock>) -> AppState {
        let graph = site.as_deref().map(|s| Arc::new(impact::Graph::compile(s)));
        AppState {
            store,
            site,
            graph,
            site_warnings: Arc::new(Vec::new()),
            hub: Arc::new(live::Hub::new()),
            incidents: Arc::new(cache::IncidentCache::new()),
            clock,
            limiter: Arc::new(RateLimiter::new(auth::MAX_FAILURES, auth::WINDOW_MICROS)),
            session_ttl: 12 * 3600 * 1_000_000,
            notify: None,
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_micros()
    }
}

/// The whole application: public routes (sign-in, health, assets, the
/// OpenAPI document) and the rest behind authentication.
pub fn router(state: AppState) -> Router {
    let mut public = Router::new()
        .route("/signin", get(auth::signin_form).post(auth::signin))
        .route("/healthz", get(healthz))
        .route("/assets/{name}", get(assets::serve));
    let mut protected = Router::new()
        .route("/", get(html::list))
        .route("/incidents/{id}", get(html::board))
        .route("/incidents/{id}/actions", post(html::propose))
        .route("/incidents/{id}/entries", post(html::record))
        .route("/incidents/{id}/actions/{seq}/approve", post(html::approve))
        .route("/incidents/{id}/actions/{seq}/reject", post(html::reject))
        .route("/incidents/{id}/actions/{seq}/step", post(html::step))
        .route("/incidents/{id}/actions/{seq}/impact", get(html::picture))
        .route("/incidents/{id}/contain", get(html::contain))
        .route("/incidents/{id}/vendors", get(html::vendors))
        .route("/incidents/{id}/members", post(html::add_member))
        .route("/incidents/{id}/members/remove", post(html::remove_member))
        .route("/incidents/{id}/visibility", post(html::set_visibility))
        .route("/admin/users", get(html::users))
        .route("/admin/users", post(html::add_user))
        .route("/admin/users/{username}", post(html::change_user))
        .route("/admin/users/{username}/tokens", post(html::issue_token))
        .route("/admin/users/{username}/tokens/{name}/revoke", post(html::revoke_token))
        .route("/admin/users/{username}/sessions/end", post(html::end_sessions))
        .route("/incidents/{id}/updates", get(html::composer).post(html::publish))
        // The same reports as the API's, for the board's links (an HTML error page is not needed:
        // a report is a document, and its errors are the API's JSON).
        .route("/incidents/{id}/report", get(api::report))
        .route("/signout", post(auth::signout));
    // One method router per path: the list has one entry per method.
    let mut merged: Vec<(&'static str, bool, axum::routing::MethodRouter<AppState>)> = Vec::new();
    for r in api_routes() {
        match merged.iter_mut().find(|(p, _, _)| *p == r.path) {
            Some((_, _, h)) => *h = std::mem::take(h).merge(r.handler),
            None => merged.push((r.path, r.public, r.handler)),
        }
    }
    for (path, is_public, handler) in merged {
        if is_public {
            public = public.route(path, handler);
        } else {
            protected = protected.route(path, handler);
        }
    }
    let protected = protected.layer(middleware::from_fn_with_state(state.clone(), auth::authenticate));
    public.merge(protected).fallback(not_found).layer(middleware::map_response(security_headers)).with_state(state)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        api::error(axum::http::StatusCode::NOT_FOUND, "no such route").into_response()
    } else {
        html::not_found("There is no such page.")
    }
}

/// Headers every response gets: no framing, no sniffing, scripts and styles
/// only from the server itself.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // A handler may set a stricter policy of its own (a report: a static document with its styles inline).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ));
    res
}

/// A runtime for [`serve`]: multi-threaded, with I/O and timers.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// Binds `addr` (port 0: any free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Serves the application on `listener` until Ctrl-C (or SIGTERM on Unix).
/// On PostgreSQL it also listens for the events other processes append, for
/// its live subscribers.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let listening = tokio::spawn(live::listen_postgres(state.clone()));
    let reminding = tokio::spawn(notifications::remind_loop(state.clone()));
    let escalating = tokio::spawn(escalation::escalate_loop(state.clone()));
    let hub = state.hub.clone();
    let notify = state.notify.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Without TCP_NODELAY a response written in two parts (its head, then its
    // body) waits for the client's delayed acknowledgement of the first, up
    // to 40 ms on Linux: the tail of every latency measured here.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    let stop = async move {
        shutdown().await;
        // Live streams never end by themselves: end them so connections close.
        hub.close();
    };
    let r = axum::serve(listener, app).with_graceful_shutdown(stop).await;
    listening.abort();
    reminding.abort();
    escalating.abort();
    // Deliveries in flight get a bounded time to finish (their attempts are logged as made).
    if let Some(n) = notify
        && !n.settle(std::time::Duration::from_secs(10)).await
    {
        eprintln!("interlock serve: stopped with notifications still being delivered (see `interlock notify log`)");
    }
    r
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
