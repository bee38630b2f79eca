//! What the in-process server tests share: a temporary SQLite store with
//! the example site, users for its people, incidents INC-1 (private), INC-2
//! (private, another team's) and INC-3 (open), and requests sent to the
//! router with `tower::ServiceExt::oneshot`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use incident::{
    Body as EventBody, Context, Digest, Event, Membership, Note, Opened, Phase, Policy, Timestamp, Visibility,
    first_event,
};
use server::{AppState, ManualClock};
use site_model::{LoadOptions, Site, Source};
use store::{AnyStore, Log, NewUser, Store};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";
pub const T0: &str = "2026-11-26T08:00:00-06:00";
pub const OFFLINE: &str = "take-offline dc-corp-01,dc-corp-02 for containment";
pub const NOT_A_MEMBER: &str = "refused: not a member of this private incident";
pub const HOME: [u8; 4] = [10, 0, 0, 1];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file of the example site, in path order.
pub fn sources() -> Vec<Source> {
    let mut sources = Vec::new();
    let mut stack = vec![repo().join("sites/riverbend")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                sources.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
            }
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

pub fn site() -> Site {
    site_model::load(sources(), &LoadOptions::default()).site.expect("the example site loads")
}

pub fn at(minute: i64) -> Timestamp {
    Timestamp::parse(T0).unwrap().plus_micros(minute * 60_000_000)
}

pub struct App {
    pub router: Router,
    pub store: Arc<AnyStore>,
    pub site: Arc<Site>,
    pub _dir: tempfile::TempDir,
}

/// Appends events built from the incident as it stands, as `actor`.
pub async fn record(app: &App, id: &str, actor: &str, minute: i64, bodies: Vec<EventBody>) {
    let policy = Policy::default();
    let cx = Context { site: &app.site, policy: &policy, engine: None };
    let mut log = Log::open(&*app.store, cx, id).await.unwrap();
    log.append(|inc| {
        let inc = inc.unwrap();
        Ok(bodies
            .iter()
            .enumerate()
            .map(|(i, b)| Event { seq: inc.seq() + 1 + i as u64, ..inc.next_event(actor, at(minute), b.clone()) })
            .collect())
    })
    .await
    .unwrap();
}

/// Opens and declares `id` as `by` (a holder of incident-commander).
pub async fn declared(app: &App, id: &str, by: &str, title: &str) {
    let policy = Policy::default();
    let cx = Context { site: &app.site, policy: &policy, engine: None };
    let v = Digest::parse(app.site.version()).unwrap();
    let mut log = Log::create(&*app.store, cx, id);
    log.append(|_| {
        let opened = Opened {
            title: title.into(),
            summary: "what is known so far".into(),
            category: incident::Category::SuspiciousActivity,
            severity: incident::Severity::High,
            site_version: v,
        };
        let declared = Event {
            incident: id.into(),
            seq: 2,
            recorded_at: at(1),
            actor: by.into(),
            body: EventBody::Declared { reason: "confirmed".into(), site_version: v },
        };
        Ok(vec![first_event(id, by, at(0), opened), declared])
    })
    .await
    .unwrap();
}

pub fn member(person: &str) -> EventBody {
    EventBody::MemberAdded(Membership { person: person.into(), reason: "on the case".into() })
}

pub fn visibility(private: bool) -> EventBody {
    EventBody::VisibilityChanged(Visibility { private, reason: "an insider is suspected".into() })
}

/// INC-1: private, opened by mgarcia (the site's incident commander and the
/// server's administrator), eschmidt holding ot-lead in it, tnguyen, kpowell
/// and the vendor engineer jpark added as members. INC-2: private, opened by
/// psharma, who is a member of it only. INC-3: open, by mgarcia.
pub async fn app() -> App {
    app_configured(|_| {}).await
}

/// [`app`], with the server's state changed by `configure` before it serves
/// (a notification config...).
pub async fn app_configured(configure: impl FnOnce(&mut AppState)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(AnyStore::sqlite(dir.path()).await.unwrap());
    let site = Arc::new(site());
    let hash = server::hash_password(PASSWORD).unwrap();
    for name in ["mgarcia", "tnguyen", "psharma", "eschmidt", "kpowell", "jpark", "dokafor"] {
        let u = NewUser {
            username: name.into(),
            person: name.into(),
            password_hash: hash.clone(),
            is_admin: name == "mgarcia",
            created_at: 0,
        };
        store.create_user(&u).await.unwrap();
    }
    let mut state = AppState::new(store.clone(), Some(site.clone()), Arc::new(ManualClock::new(at(10).micros())));
    configure(&mut state);
    let app = App { router: server::router(state), store, site, _dir: dir };
    let v = Digest::parse(app.site.version()).unwrap();
    declared(&app, "INC-1", "mgarcia", "Insider on the SCADA network").await;
    record(
        &app,
        "INC-1",
        "mgarcia",
        2,
        vec![
            EventBody::PhaseChanged { phase: Phase::Contain, reason: "containing".into() },
            EventBody::Assigned {
                role: "ot-lead".into(),
                person: "eschmidt".into(),
                reason: "on shift".into(),
                site_version: v,
            },
            member("tnguyen"),
            member("kpowell"),
            member("jpark"),
            visibility(true),
            EventBody::Note(Note { text: "the badge logs point at a contractor".into(), domain: None }),
        ],
    )
    .await;
    declared(&app, "INC-2", "psharma", "Phishing of the finance team").await;
    record(&app, "INC-2", "psharma", 2, vec![visibility(true)]).await;
    declared(&app, "INC-3", "mgarcia", "Vendor session at night").await;
    app
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn send(app: &App, req: Request<Body>) -> Reply {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    // The event stream never ends: only its headers are read.
    if headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
        return Reply { status, headers, body: String::new() };
    }
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// How a request is authenticated.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Nobody,
    Bearer(&'a str),
    /// A session cookie, with or without its CSRF token.
    Session(&'a str, Option<&'a str>),
}

pub fn request(method: Method, uri: &str, auth: Auth<'_>) -> axum::http::request::Builder {
    let mut b = Request::builder().method(method).uri(uri);
    match auth {
        Auth::Nobody => {}
        Auth::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Session(c, csrf) => {
            b = b.header(header::COOKIE, format!("interlock_session={c}"));
            if let Some(t) = csrf {
                b = b.header("x-csrf-token", t);
            }
        }
    }
    b
}

pub fn get(uri: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::GET, uri, auth).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A form post of the board (the CSRF token, when given, goes in the form).
pub fn form(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    let mut req = request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from((HOME, 40000))));
    req
}

/// Signs `username` in: (session token, CSRF token).
pub async fn sign_in(app: &App, username: &str) -> (String, String) {
    let body = format!("username={username}&password={}", PASSWORD.replace(' ', "+"));
    let r = send(app, form("/signin", &body, Auth::Nobody)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{username}: {}", r.body);
    let c = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    let cookie = c.strip_prefix("interlock_session=").unwrap().split(';').next().unwrap().to_string();
    let page = send(app, get("/", Auth::Session(&cookie, None))).await;
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = page.body[at..].split('"').next().unwrap().to_string();
    (cookie, csrf)
}

pub async fn token(app: &App, username: &str) -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!("test-{}", N.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    server::new_api_token(&*app.store, username, &name, 1).await.unwrap()
}

pub async fn head(app: &App, id: &str) -> u64 {
    app.store.scan(id, 0, &mut |_| false).await.unwrap().unwrap().seq
}

pub fn json(r: &Reply) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

pub async fn listed(app: &App, auth: Auth<'_>) -> Vec<String> {
    let r = send(app, get("/api/incidents", auth)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r).as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Every state-changing route of the OpenAPI document, for incident `id`
/// and action `seq`, with a body every one of them accepts.
pub fn documented_posts(id: &str, seq: u64) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(&server::openapi_json()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            // The incident's routes (the administrators' user routes are tested in server.rs).
            if !matches!(method.as_str(), "get" | "head" | "options") && path.starts_with("/api/incidents/") {
                assert_eq!(method, "post", "{path}: a state-changing method these tests do not send yet");
                out.push(path.replace("{id}", id).replace("{seq}", &seq.to_string()));
            }
        }
    }
    assert!(out.len() >= 3, "propose, approve and reject at least: {out:?}");
    out
}

/// Every field any documented request body takes (unknown fields are ignored).
pub fn any_body() -> String {
    serde_json::json!({
        "action": OFFLINE,
        "rationale": "containment before the shift change",
        "evidence": [],
        "note": "containment before the shift change",
        "outcome": "completed",
        "result": "effective",
        "measure": 1,
        "audience": "operations",
        "channel": "bridge call",
        "text": "containment before the shift change",
        "private": true,
        "person": "kpowell",
        // The entries route: a severity change (INC-1 is high), which a vendor's engineer may not make.
        "entry": "status",
        "severity": "critical",
        "reason": "containment before the shift change"
    })
    .to_string()
}

/// The board's forms for incident `id` and action `seq`.
pub fn board_forms(id: &str, seq: u64) -> Vec<String> {
    vec![
        format!("/incidents/{id}/actions"),
        format!("/incidents/{id}/actions/{seq}/approve"),
        format!("/incidents/{id}/actions/{seq}/reject"),
        format!("/incidents/{id}/actions/{seq}/step"),
        format!("/incidents/{id}/updates"),
        format!("/incidents/{id}/members"),
        format!("/incidents/{id}/members/remove"),
        format!("/incidents/{id}/visibility"),
    ]
}

pub fn form_body(csrf: Option<&str>) -> String {
    let fields = format!(
        "action={}&rationale=containment&step=withdraw&note=containment&audience=operations&channel=bridge&text=containment&person=kpowell&reason=containment&private=true",
        OFFLINE.replace(' ', "+").replace(',', "%2C")
    );
    match csrf {
        Some(t) => format!("csrf={t}&{fields}"),
        None => fields,
    }
}
