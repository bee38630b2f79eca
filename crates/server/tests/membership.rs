#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Private incidents and per-incident membership, through every route: a
//! private incident does not exist for a non-member (list, board, API, live
//! events, every state-changing route), its members see it and act on it,
//! and access to it is in the access log. Every state-changing route (the
//! POST routes of the OpenAPI document, so a new one is covered as soon as
//! it is documented, and the board's forms) refuses a signed-out client, a
//! user of another incident and a user without the right role, and writes
//! nothing.
//!
//! In-process, like `server.rs`: a temporary SQLite store, the example site,
//! requests sent to the router with `tower::ServiceExt::oneshot`.

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

const PASSWORD: &str = "correct horse battery staple";
const T0: &str = "2026-11-26T08:00:00-06:00";
const OFFLINE: &str = "take-offline dc-corp-01,dc-corp-02 for containment";
const NOT_A_MEMBER: &str = "refused: not a member of this private incident";
const HOME: [u8; 4] = [10, 0, 0, 1];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site() -> Site {
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
    site_model::load(sources, &LoadOptions::default()).site.expect("the example site loads")
}

fn at(minute: i64) -> Timestamp {
    Timestamp::parse(T0).unwrap().plus_micros(minute * 60_000_000)
}

struct App {
    router: Router,
    store: Arc<AnyStore>,
    site: Arc<Site>,
    _dir: tempfile::TempDir,
}

/// Appends events built from the incident as it stands, as `actor`.
async fn record(app: &App, id: &str, actor: &str, minute: i64, bodies: Vec<EventBody>) {
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
async fn declared(app: &App, id: &str, by: &str, title: &str) {
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

fn member(person: &str) -> EventBody {
    EventBody::MemberAdded(Membership { person: person.into(), reason: "on the case".into() })
}

fn visibility(private: bool) -> EventBody {
    EventBody::VisibilityChanged(Visibility { private, reason: "an insider is suspected".into() })
}

/// INC-1: private, opened by mgarcia (the site's incident commander and the
/// server's administrator), eschmidt holding ot-lead in it, tnguyen, kpowell
/// and the vendor engineer jpark added as members. INC-2: private, opened by
/// psharma, who is a member of it only. INC-3: open, by mgarcia.
async fn app() -> App {
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
    let state = AppState::new(store.clone(), Some(site.clone()), Arc::new(ManualClock::new(at(10).micros())));
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

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(app: &App, req: Request<Body>) -> Reply {
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
enum Auth<'a> {
    Nobody,
    Bearer(&'a str),
    /// A session cookie, with or without its CSRF token.
    Session(&'a str, Option<&'a str>),
}

fn request(method: Method, uri: &str, auth: Auth<'_>) -> axum::http::request::Builder {
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

fn get(uri: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::GET, uri, auth).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A form post of the board (the CSRF token, when given, goes in the form).
fn form(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    let mut req = request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from((HOME, 40000))));
    req
}

/// Signs `username` in: (session token, CSRF token).
async fn sign_in(app: &App, username: &str) -> (String, String) {
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

async fn token(app: &App, username: &str) -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!("test-{}", N.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    server::new_api_token(&*app.store, username, &name, 1).await.unwrap()
}

async fn head(app: &App, id: &str) -> u64 {
    app.store.scan(id, 0, &mut |_| false).await.unwrap().unwrap().seq
}

fn json(r: &Reply) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

async fn listed(app: &App, auth: Auth<'_>) -> Vec<String> {
    let r = send(app, get("/api/incidents", auth)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r).as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

/// Every state-changing route of the OpenAPI document, for incident `id`
/// and action `seq`, with a body every one of them accepts.
fn documented_posts(id: &str, seq: u64) -> Vec<String> {
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
fn any_body() -> String {
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
        "reason": "containment before the shift change"
    })
    .to_string()
}

/// The board's forms for incident `id` and action `seq`.
fn board_forms(id: &str, seq: u64) -> Vec<String> {
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

fn form_body(csrf: Option<&str>) -> String {
    let fields = format!(
        "action={}&rationale=containment&step=withdraw&note=containment&audience=operations&channel=bridge&text=containment&person=kpowell&reason=containment&private=true",
        OFFLINE.replace(' ', "+").replace(',', "%2C")
    );
    match csrf {
        Some(t) => format!("csrf={t}&{fields}"),
        None => fields,
    }
}

/// tnguyen (a member) proposes an action on INC-1: its number.
async fn proposal(app: &App) -> u64 {
    let t = token(app, "tnguyen").await;
    let r = send(app, post_json("/api/incidents/INC-1/actions", &any_body(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    json(&r)["seq"].as_u64().unwrap()
}

#[tokio::test]
async fn a_private_incident_does_not_exist_for_a_non_member() {
    let app = app().await;
    let n = proposal(&app).await;
    let before = head(&app, "INC-1").await;
    // psharma is a member of another incident (INC-2) only; dokafor of none.
    for who in ["psharma", "dokafor"] {
        let (cookie, csrf) = sign_in(&app, who).await;
        let bearer = token(&app, who).await;
        for auth in [Auth::Bearer(&bearer), Auth::Session(&cookie, Some(&csrf))] {
            let ids = listed(&app, auth).await;
            assert!(!ids.contains(&"INC-1".to_string()) && ids.contains(&"INC-3".to_string()), "{who}: {ids:?}");
            assert_eq!(ids.contains(&"INC-2".to_string()), who == "psharma", "{who}: {ids:?}");
            // Reads: the same 404 as an incident that does not exist.
            for route in
                ["/api/incidents/{id}", "/api/incidents/{id}/actions", "/api/incidents/{id}/events", "/incidents/{id}"]
            {
                let hidden = send(&app, get(&route.replace("{id}", "INC-1"), auth)).await;
                let missing = send(&app, get(&route.replace("{id}", "INC-404"), auth)).await;
                assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{who} {route}: {}", hidden.body);
                assert_eq!(hidden.body, missing.body.replace("INC-404", "INC-1"), "{who} {route}");
            }
            // Every state-changing route of the API: 404, nothing written.
            for uri in documented_posts("INC-1", n) {
                let r = send(&app, post_json(&uri, &any_body(), auth)).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} POST {uri}: {}", r.body);
                let missing = send(&app, post_json(&uri.replace("INC-1", "INC-404"), &any_body(), auth)).await;
                assert_eq!(r.body, missing.body.replace("INC-404", "INC-1"), "{who} POST {uri}");
            }
        }
        // The board's forms: the not-found page, nothing written.
        for uri in board_forms("INC-1", n) {
            let r = send(&app, form(&uri, &form_body(Some(&csrf)), Auth::Session(&cookie, None))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} POST {uri}: {}", r.body);
            assert!(!r.body.contains("Insider"), "{who} POST {uri}: {}", r.body);
        }
        let page = send(&app, get("/", Auth::Session(&cookie, None))).await;
        assert!(!page.body.contains("INC-1") && !page.body.contains("Insider"), "{who}: {}", page.body);
        assert_eq!(head(&app, "INC-1").await, before, "{who}: nothing was written");
    }
    // The attempts are in the access log, for the administrators to see.
    let log = app.store.access_log(1000).await.unwrap();
    for action in
        ["read-incident", "read-actions", "subscribe-incident", "propose-action", "approve-action", "reject-action"]
    {
        assert!(
            log.iter().any(|a| a.username == "psharma"
                && a.target == "INC-1"
                && a.action == action
                && a.outcome == NOT_A_MEMBER),
            "{action} by psharma is not in the access log"
        );
    }
    // An administrator is not a member by being one: mgarcia does not see INC-2.
    let admin = token(&app, "mgarcia").await;
    let ids = listed(&app, Auth::Bearer(&admin)).await;
    assert_eq!(ids, ["INC-1", "INC-3"]);
    assert_eq!(send(&app, get("/api/incidents/INC-2", Auth::Bearer(&admin))).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_see_a_private_incident_and_act_on_it_and_every_access_is_recorded() {
    let app = app().await;
    // The opener, a position holder and an added member.
    for who in ["mgarcia", "eschmidt", "tnguyen"] {
        let t = token(&app, who).await;
        let auth = Auth::Bearer(&t);
        let r = send(&app, get("/api/incidents", auth)).await;
        let inc1 = json(&r).as_array().unwrap().iter().find(|i| i["id"] == "INC-1").cloned();
        assert_eq!(inc1.unwrap_or_default()["private"], true, "{who}: {}", r.body);
        let r = send(&app, get("/api/incidents/INC-1", auth)).await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
        let board = json(&r);
        let members: Vec<(&str, &str)> = board["status"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| {
                m["why"].as_array().unwrap().iter().map(move |w| (m["person"].as_str().unwrap(), w.as_str().unwrap()))
            })
            .collect();
        for m in [("mgarcia", "opened it"), ("eschmidt", "holds ot-lead"), ("tnguyen", "added as a member")] {
            assert!(members.contains(&m), "{m:?} in {members:?}");
        }
        let timeline = board["timeline"].as_array().unwrap();
        assert!(
            timeline.iter().any(|e| e["kind"] == "visibility" && e["summary"].as_str().unwrap().contains("private"))
        );
        assert!(
            timeline.iter().any(|e| e["kind"] == "member-added" && e["summary"].as_str().unwrap().starts_with("jpark"))
        );
        assert_eq!(send(&app, get("/api/incidents/INC-1/actions", auth)).await.status, StatusCode::OK, "{who}");
        let events = send(&app, get("/api/incidents/INC-1/events", auth)).await;
        assert_eq!(events.status, StatusCode::OK, "{who}");
        let (cookie, _) = sign_in(&app, who).await;
        let page = send(&app, get("/incidents/INC-1", Auth::Session(&cookie, None))).await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        assert!(page.body.contains("Insider on the SCADA network"));
        let list = send(&app, get("/", Auth::Session(&cookie, None))).await;
        assert!(list.body.contains("INC-1"), "{who}");
    }
    // A member proposes; the proposal is recorded.
    let before = head(&app, "INC-1").await;
    let n = proposal(&app).await;
    assert_eq!(n, before + 1);
    let log = app.store.access_log(1000).await.unwrap();
    for (who, action) in [
        ("tnguyen", "read-incident"),
        ("tnguyen", "read-actions"),
        ("tnguyen", "subscribe-incident"),
        ("tnguyen", "propose-action"),
        ("eschmidt", "read-actions"),
        ("mgarcia", "read-incident"),
    ] {
        assert!(
            log.iter().any(|a| a.username == who && a.target == "INC-1" && a.action == action && a.outcome == "ok"),
            "{action} by {who} is not in the access log"
        );
    }
}

#[tokio::test]
async fn every_state_changing_route_refuses_the_signed_out_another_incidents_user_and_the_wrong_role() {
    let app = app().await;
    let n = proposal(&app).await;
    let before = head(&app, "INC-1").await;
    let (j_cookie, j_csrf) = sign_in(&app, "jpark").await;
    let j_token = token(&app, "jpark").await;
    let (k_cookie, k_csrf) = sign_in(&app, "kpowell").await;
    let (p_cookie, p_csrf) = sign_in(&app, "psharma").await;
    let p_token = token(&app, "psharma").await;
    for uri in documented_posts("INC-1", n) {
        // Signed out: 401 (a made-up session too).
        for auth in [Auth::Nobody, Auth::Session("a-made-up-session", Some("x")), Auth::Bearer("ilk_0000")] {
            let r = send(&app, post_json(&uri, &any_body(), auth)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "signed out POST {uri}: {}", r.body);
        }
        // A session without its CSRF token: 403, whoever it is.
        let r = send(&app, post_json(&uri, &any_body(), Auth::Session(&k_cookie, None))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF POST {uri}: {}", r.body);
        // A user of another incident: it does not exist for them.
        for auth in [Auth::Bearer(&p_token), Auth::Session(&p_cookie, Some(&p_csrf))] {
            let r = send(&app, post_json(&uri, &any_body(), auth)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "psharma POST {uri}: {}", r.body);
        }
        // A member without the right role (a vendor's engineer: proposes nothing, holds no role): 403 with the rule's words.
        for auth in [Auth::Bearer(&j_token), Auth::Session(&j_cookie, Some(&j_csrf))] {
            let r = send(&app, post_json(&uri, &any_body(), auth)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "jpark POST {uri}: {}", r.body);
            assert!(json(&r)["error"].as_str().unwrap().contains("jpark may not"), "{uri}: {}", r.body);
        }
        assert_eq!(head(&app, "INC-1").await, before, "POST {uri}: nothing was written");
    }
    for uri in board_forms("INC-1", n) {
        let r = send(&app, form(&uri, &form_body(None), Auth::Nobody)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "signed out POST {uri}");
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/signin");
        let r = send(&app, form(&uri, &form_body(None), Auth::Session(&k_cookie, None))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF POST {uri}");
        let r = send(&app, form(&uri, &form_body(Some(&p_csrf)), Auth::Session(&p_cookie, None))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "psharma POST {uri}");
        let r = send(&app, form(&uri, &form_body(Some(&j_csrf)), Auth::Session(&j_cookie, None))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "jpark POST {uri}");
        assert!(r.body.contains("jpark may not"), "the board says why: {}", r.body);
        assert_eq!(head(&app, "INC-1").await, before, "POST {uri}: nothing was written");
    }
    // kpowell is a member without a role the matrix counts: they may not decide either.
    let approve = format!("/api/incidents/INC-1/actions/{n}/approve");
    let r = send(&app, post_json(&approve, &any_body(), Auth::Session(&k_cookie, Some(&k_csrf)))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(head(&app, "INC-1").await, before);
}

#[tokio::test]
async fn membership_and_visibility_changes_take_effect_at_once() {
    let app = app().await;
    let t = token(&app, "tnguyen").await;
    let p = token(&app, "psharma").await;
    assert_eq!(send(&app, get("/api/incidents/INC-1", Auth::Bearer(&t))).await.status, StatusCode::OK);
    record(
        &app,
        "INC-1",
        "mgarcia",
        11,
        vec![EventBody::MemberRemoved(Membership { person: "tnguyen".into(), reason: "off the case".into() })],
    )
    .await;
    assert_eq!(send(&app, get("/api/incidents/INC-1", Auth::Bearer(&t))).await.status, StatusCode::NOT_FOUND);
    assert!(!listed(&app, Auth::Bearer(&t)).await.contains(&"INC-1".to_string()));
    // Open to every user again: psharma sees it, and what they do is again for the rules to decide.
    record(&app, "INC-1", "mgarcia", 12, vec![visibility(false)]).await;
    assert!(listed(&app, Auth::Bearer(&p)).await.contains(&"INC-1".to_string()));
    let r = send(&app, get("/api/incidents/INC-1", Auth::Bearer(&p))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["incident"]["private"], false);
    let r = send(&app, post_json("/api/incidents/INC-1/actions", &any_body(), Auth::Bearer(&p))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
