#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The server driven in-process: a temporary SQLite store, the example site
//! (sites/riverbend), an incident written through the store's log, and
//! requests sent to the router with `tower::ServiceExt::oneshot`. The clock
//! is a `ManualClock`: nothing sleeps.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use incident::{Body as EventBody, Context, Digest, Event, Note, Opened, Phase, Policy, Timestamp, first_event};
use server::{AppState, ManualClock};
use site_model::{LoadOptions, Site, Source};
use store::{AnyStore, Log, NewUser, Store};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";
const T0: &str = "2026-11-26T08:00:00-06:00";

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
    let o = site_model::load(sources, &LoadOptions::default());
    o.site.expect("the example site loads")
}

fn at(minute: i64) -> Timestamp {
    Timestamp::parse(T0).unwrap().plus_micros(minute * 60_000_000)
}

struct App {
    router: Router,
    clock: Arc<ManualClock>,
    store: Arc<AnyStore>,
    state: AppState,
    _dir: tempfile::TempDir,
}

/// INC-1 on the example site: opened and declared by the incident commander,
/// moved to containment, and a note.
async fn create_incident(store: &AnyStore, site: &Site) {
    let policy = Policy::default();
    let cx = Context { site, policy: &policy, engine: None };
    let v = Digest::parse(site.version()).unwrap();
    let mut log = Log::create(store, cx, "INC-1");
    log.append(|_| {
        let opened = Opened {
            title: "Vendor session at night".into(),
            summary: "an unscheduled remote session on the engineering workstation".into(),
            category: incident::Category::SuspiciousActivity,
            severity: incident::Severity::High,
            site_version: v,
        };
        let declared = Event {
            incident: "INC-1".into(),
            seq: 2,
            recorded_at: at(1),
            actor: "mgarcia".into(),
            body: EventBody::Declared { reason: "plant-wide".into(), site_version: v },
        };
        Ok(vec![first_event("INC-1", "mgarcia", at(0), opened), declared])
    })
    .await
    .unwrap();
    log.append(|inc| {
        let inc = inc.unwrap();
        Ok(vec![
            inc.next_event(
                "mgarcia",
                at(2),
                EventBody::PhaseChanged { phase: Phase::Contain, reason: "containing".into() },
            ),
            Event {
                seq: inc.seq() + 2,
                ..inc.next_event(
                    "mgarcia",
                    at(3),
                    EventBody::Assigned {
                        role: "ot-lead".into(),
                        person: "eschmidt".into(),
                        reason: "on shift".into(),
                        site_version: v,
                    },
                )
            },
            Event {
                seq: inc.seq() + 3,
                ..inc.next_event(
                    "mgarcia",
                    at(3),
                    EventBody::Note(Note { text: "ridgeline support line called back".into(), domain: None }),
                )
            },
        ])
    })
    .await
    .unwrap();
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(AnyStore::sqlite(dir.path()).await.unwrap());
    let site = site();
    create_incident(&store, &site).await;
    let hash = server::hash_password(PASSWORD).unwrap();
    let user = NewUser {
        username: "mgarcia".into(),
        person: "mgarcia".into(),
        password_hash: hash,
        is_admin: true,
        created_at: 0,
    };
    store.create_user(&user).await.unwrap();
    // tnguyen proposes (timeline-keeper); psharma is the it-lead, eschmidt the
    // ot-lead; kpowell (liaison) holds neither.
    for name in ["tnguyen", "psharma", "eschmidt", "kpowell"] {
        let u = NewUser {
            username: name.into(),
            person: name.into(),
            password_hash: user.password_hash.clone(),
            is_admin: false,
            created_at: 0,
        };
        store.create_user(&u).await.unwrap();
    }
    let clock = Arc::new(ManualClock::new(at(10).micros()));
    let state = AppState::new(store.clone(), Some(Arc::new(site)), clock.clone());
    App { router: server::router(state.clone()), clock, store, state, _dir: dir }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

async fn send(app: &App, req: Request<Body>) -> Reply {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("interlock_session={c}"));
    }
    b.body(Body::empty()).unwrap()
}

fn form(uri: &str, body: &str, cookie: Option<&str>, ip: [u8; 4]) -> Request<Body> {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("interlock_session={c}"));
    }
    let mut req = b.body(Body::from(body.to_string())).unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    req
}

const HOME: [u8; 4] = [10, 0, 0, 1];

async fn signin(app: &App, username: &str, password: &str, ip: [u8; 4]) -> Reply {
    send(app, form("/signin", &format!("username={username}&password={}", password.replace(' ', "+")), None, ip)).await
}

/// Signs in and returns the session token from the cookie.
async fn session(app: &App) -> String {
    let r = signin(app, "mgarcia", PASSWORD, HOME).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = r.header(header::SET_COOKIE);
    c.strip_prefix("interlock_session=").unwrap().split(';').next().unwrap().to_string()
}

/// The CSRF token the page embeds for this session.
async fn csrf(app: &App, cookie: &str) -> String {
    let page = send(app, get("/", Some(cookie))).await;
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page.body[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_shows_the_list() {
    let app = app().await;
    let form_page = send(&app, get("/signin", None)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(form_page.body.contains("name=\"password\""));
    let r = signin(&app, "mgarcia", PASSWORD, HOME).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/");
    let cookie = r.header(header::SET_COOKIE);
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.split("; ").any(|a| a == attr), "{attr} missing from {cookie}");
    }
    let token = cookie.strip_prefix("interlock_session=").unwrap().split(';').next().unwrap();
    // Only the token's hash is stored.
    let hash = server::auth::token_hash(token);
    assert!(app.store.session(&hash, app.clock.now_micros()).await.unwrap().is_some());
    assert!(app.store.session(token.as_bytes(), app.clock.now_micros()).await.unwrap().is_none());
    let list = send(&app, get("/", Some(token))).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("INC-1") && list.body.contains("Vendor session at night"), "{}", list.body);
    assert!(list.body.contains("hx-headers='{\"X-CSRF-Token\": \""), "htmx sends the CSRF token");
    let log = app.store.access_log(10).await.unwrap();
    assert!(log.iter().any(|a| a.action == "signin" && a.username == "mgarcia" && a.outcome == "ok"));
}

use server::Clock as _;

#[tokio::test]
async fn a_failed_sign_in_does_not_say_whether_the_user_exists() {
    let app = app().await;
    let wrong = signin(&app, "mgarcia", "not the password at all", HOME).await;
    let nobody = signin(&app, "nobody", "not the password at all", [10, 0, 0, 2]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, nobody.body);
    assert!(wrong.body.contains("Wrong username or password."));
    assert!(wrong.header(header::SET_COOKIE).is_empty());
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_username_and_per_address() {
    let app = app().await;
    // Five failures for the user, from different addresses: all 401.
    for i in 0..5u8 {
        let r = signin(&app, "mgarcia", "wrong password here", [10, 1, 0, i]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    // The sixth is refused before the password is looked at, even the right one.
    let r = signin(&app, "mgarcia", PASSWORD, [10, 1, 1, 1]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header(header::RETRY_AFTER), "60");
    app.clock.advance_secs(30);
    let r = signin(&app, "mgarcia", PASSWORD, [10, 1, 1, 1]).await;
    assert_eq!((r.status, r.header(header::RETRY_AFTER)), (StatusCode::TOO_MANY_REQUESTS, "30"));
    // A minute after the failures, the right password works again.
    app.clock.advance_secs(31);
    assert_eq!(signin(&app, "mgarcia", PASSWORD, [10, 1, 1, 1]).await.status, StatusCode::SEE_OTHER);

    // Per address: five failures with different usernames, then the address is blocked...
    let attacker = [192, 168, 9, 9];
    for i in 0..5 {
        assert_eq!(
            signin(&app, &format!("guess{i}"), "whatever whatever", attacker).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(signin(&app, "mgarcia", PASSWORD, attacker).await.status, StatusCode::TOO_MANY_REQUESTS);
    // ...while the user signs in from elsewhere.
    assert_eq!(signin(&app, "mgarcia", PASSWORD, HOME).await.status, StatusCode::SEE_OTHER);
    let log = app.store.access_log(100).await.unwrap();
    assert!(log.iter().any(|a| a.outcome == "rate-limited"));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let app = app().await;
    let cookie = session(&app).await;
    let token = csrf(&app, &cookie).await;
    // No token: 403, and the session still works.
    let r = send(&app, form("/signout", "", Some(&cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&app, form("/signout", "csrf=not-it", Some(&cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut wrong_header = form("/signout", "", Some(&cookie), HOME);
    wrong_header.headers_mut().insert("x-csrf-token", "0000".parse().unwrap());
    assert_eq!(send(&app, wrong_header).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, get("/", Some(&cookie))).await.status, StatusCode::OK);
    // The header htmx sends works as well as the form field; sign out with the field.
    let mut with_header = Request::post("/api/incidents")
        .header(header::COOKIE, format!("interlock_session={cookie}"))
        .body(Body::empty())
        .unwrap();
    with_header.headers_mut().insert("x-csrf-token", token.parse().unwrap());
    assert_ne!(send(&app, with_header).await.status, StatusCode::FORBIDDEN);
    let r = send(&app, form("/signout", &format!("csrf={token}"), Some(&cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/signin");
    assert!(r.header(header::SET_COOKIE).contains("Max-Age=0"));
    // The session is gone.
    let r = send(&app, get("/", Some(&cookie))).await;
    assert_eq!((r.status, r.header(header::LOCATION)), (StatusCode::SEE_OTHER, "/signin"));
}

#[tokio::test]
async fn signed_out_requests_are_redirected_or_refused() {
    let app = app().await;
    for uri in ["/", "/incidents/INC-1"] {
        let r = send(&app, get(uri, None)).await;
        assert_eq!((r.status, r.header(header::LOCATION)), (StatusCode::SEE_OTHER, "/signin"), "{uri}");
        let r = send(&app, get(uri, Some("a-made-up-session"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
    }
    for uri in ["/api/incidents", "/api/incidents/INC-1"] {
        let r = send(&app, get(uri, None)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(r.header(header::WWW_AUTHENTICATE).starts_with("Bearer"));
        assert!(r.body.contains("\"error\""));
    }
    let r = send(&app, form("/signout", "", None, HOME)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Public: health, assets, the sign-in page, the OpenAPI document.
    for uri in ["/healthz", "/assets/htmx.min.js", "/assets/interlock.css", "/signin", "/api/openapi.json"] {
        assert_eq!(send(&app, get(uri, None)).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn a_session_expires_on_the_clock() {
    let app = app().await;
    let cookie = session(&app).await;
    assert_eq!(send(&app, get("/", Some(&cookie))).await.status, StatusCode::OK);
    app.clock.advance_secs(12 * 3600 + 1);
    assert_eq!(send(&app, get("/", Some(&cookie))).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_bearer_token_works_and_a_wrong_one_is_refused() {
    let app = app().await;
    let token = server::new_api_token(&*app.store, "mgarcia", "ci", 1).await.unwrap();
    assert!(token.starts_with("ilk_"));
    let bearer = |uri: &str, t: &str| {
        Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {t}")).body(Body::empty()).unwrap()
    };
    let r = send(&app, bearer("/api/incidents", &token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(list[0]["id"], "INC-1");
    assert_eq!(list[0]["phase"], "contain");
    let r = send(&app, bearer("/api/incidents/INC-1", &token)).await;
    let board: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(board["incident"]["status"], "declared");
    assert_eq!(board["incident"]["severity"], "high");
    assert_eq!(board["timeline"].as_array().unwrap().len(), 5);
    assert_eq!(board["status"]["positions"][0]["role"], "ot-lead");
    assert_eq!(board["status"]["positions"][0]["person"], "eschmidt");
    assert_eq!(board["timeline"][4]["summary"], "ridgeline support line called back");
    assert_eq!(board["timeline"][0]["recorded_at"], "2026-11-26T08:00:00-06:00");
    assert_eq!(send(&app, bearer("/api/incidents/INC-404", &token)).await.status, StatusCode::NOT_FOUND);
    for wrong in ["ilk_0000", "", "a b"] {
        assert_eq!(send(&app, bearer("/api/incidents", wrong)).await.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    }
    // A bearer request needs no CSRF token (the body is refused, not the request).
    let post = Request::post("/api/incidents")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, post).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A wrong bearer is not rescued by a valid cookie.
    let cookie = session(&app).await;
    let both = Request::get("/api/incidents")
        .header(header::AUTHORIZATION, "Bearer ilk_wrong")
        .header(header::COOKIE, format!("interlock_session={cookie}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, both).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_board_shows_the_phase_the_positions_and_the_timeline() {
    let app = app().await;
    let cookie = session(&app).await;
    let r = send(&app, get("/incidents/INC-1", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("<span class=\"value\" id=\"phase\">contain</span>"), "{b}");
    assert!(b.contains("declared"));
    assert!(b.contains("not assessed"), "control and view not yet assessed");
    assert!(b.contains("phase -&gt; contain: containing") || b.contains("phase -&#62; contain: containing"), "{b}");
    assert!(b.contains("ridgeline support line called back"));
    assert!(b.contains("2026-11-26T08:03:00-06:00"), "event time shown");
    assert!(b.contains("Recorded"));
    assert!(b.contains("ot-lead"), "positions held");
    let ot_lead = site().people.iter().find(|p| &*p.id == "eschmidt").unwrap().name.to_string();
    assert!(b.contains(&ot_lead), "names from the site model");
    // Reads of an open incident are not access-logged (a board is read all day long);
    // reads of a private one are (tests/membership.rs).
    let log = app.store.access_log(10).await.unwrap();
    assert!(!log.iter().any(|a| a.action == "read-incident" && a.target == "INC-1"));
    let missing = send(&app, get("/incidents/INC-404", Some(&cookie))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Text is escaped.
    assert!(!b.contains("<script>alert"));
}

#[tokio::test]
async fn the_timeline_filters_by_kind_domain_person_and_time() {
    let app = app().await;
    let (cookie, _) = sign_in_as(&app, "mgarcia").await;
    let auth = Auth::Session(&cookie, None);
    let seqs = |r: &Reply| -> Vec<u64> {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        json(r)["timeline"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect()
    };
    let all = send(&app, get_as("/api/incidents/INC-1", auth)).await;
    assert_eq!(seqs(&all), vec![1, 2, 3, 4, 5]);
    // By kind (several, comma-separated), by person (recorded by or naming them), by time.
    let r = send(&app, get_as("/api/incidents/INC-1?kind=note,phase", auth)).await;
    assert_eq!((r.status, seqs(&r)), (StatusCode::OK, vec![3, 5]));
    let r = send(&app, get_as("/api/incidents/INC-1?person=eschmidt", auth)).await;
    assert_eq!(seqs(&r), vec![4], "the assignment names eschmidt");
    let r = send(&app, get_as("/api/incidents/INC-1?since=2026-11-26T08:03:00-06:00", auth)).await;
    assert_eq!(seqs(&r), vec![4, 5]);
    let r = send(&app, get_as("/api/incidents/INC-1?until=2026-11-26T15:01:00%2B01:00", auth)).await;
    assert_eq!(seqs(&r), vec![1], "an offset is honoured: 15:01+01:00 is 08:01-06:00");
    let r = send(&app, get_as("/api/incidents/INC-1?domain=ot", auth)).await;
    assert!(seqs(&r).iter().all(|s| *s != 5), "the note has no domain");
    // A malformed parameter is named, with what was expected.
    let r = send(&app, get_as("/api/incidents/INC-1?kind=note,gossip", auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = json(&r)["error"].as_str().unwrap().to_string();
    assert!(err.starts_with("kind: \"gossip\" is not an event kind; expected one of opened,"), "{err}");
    let r = send(&app, get_as("/api/incidents/INC-1?since=yesterday", auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = json(&r)["error"].as_str().unwrap().to_string();
    assert!(err.starts_with("since: \"yesterday\" is not a time"), "{err}");

    // The board: the form keeps the choice, the timeline shows the matches, and the
    // live refresh fetches the same filtered board.
    let r = send(&app, get("/incidents/INC-1?kind=note&person=", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("<option value=\"note\" selected>note</option>"), "{b}");
    assert!(b.contains("data-board=\"/incidents/INC-1?kind=note\""), "{b}");
    assert!(b.contains("1 event(s) match the filter"), "{b}");
    let timeline = &b[b.find("<table id=\"timeline\">").unwrap()..];
    assert!(timeline.contains("ridgeline support line called back"));
    assert!(!timeline.contains("phase -&"), "{timeline}");
    let r = send(&app, get("/incidents/INC-1?domain=sideways", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("domain: &#34;sideways&#34; is not a domain")
            || r.body.contains("domain: &quot;sideways&quot;"),
        "{}",
        r.body
    );
}

/// Evidence with its custody, hypotheses citing it, and the recovery board:
/// on the board and through the API, as they are recorded.
#[tokio::test]
async fn the_evidence_hypotheses_and_recovery_panels_follow_the_record() {
    let app = app().await;
    let (cookie, _) = sign_in_as(&app, "mgarcia").await;
    let auth = Auth::Session(&cookie, None);
    let r = send(&app, get_as("/api/incidents/INC-1/panels", auth)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    assert_eq!(v["evidence"].as_array().unwrap().len(), 0);
    assert_eq!(v["recovery"]["planned"], false);
    // Evidence and a hypothesis citing it, appended as the CLI would.
    let site = site();
    let policy = Policy::default();
    let cx = Context { site: &site, policy: &policy, engine: None };
    let mut log = Log::open(&*app.store, cx, "INC-1").await.unwrap();
    log.append(|inc| {
        let inc = inc.unwrap();
        let e = inc.next_event(
            "psharma",
            at(5),
            EventBody::EvidenceCollected(incident::Evidence {
                title: "<b>VPN log</b> export".into(),
                source: incident::EvidenceSource::Log,
                sha256: Some(Digest([7; 32])),
                location: Some("case share".into()),
                collected_by: "psharma".into(),
                collected_at: at(4),
                assets: vec!["ews-01".into()],
                description: None,
            }),
        );
        Ok(vec![e])
    })
    .await
    .unwrap();
    let ev = log.state().unwrap().seq();
    log.append(|inc| {
        let inc = inc.unwrap();
        Ok(vec![inc.next_event(
            "psharma",
            at(6),
            EventBody::HypothesisProposed(incident::Hypothesis {
                statement: "the vendor account was phished".into(),
                evidence_for: vec![ev],
                evidence_against: vec![],
            }),
        )])
    })
    .await
    .unwrap();
    let v = json(&send(&app, get_as("/api/incidents/INC-1/panels", auth)).await);
    assert_eq!(v["evidence"][0]["seq"], ev, "{v}");
    assert_eq!(v["evidence"][0]["title"], "<b>VPN log</b> export");
    assert_eq!(v["hypotheses"][0]["statement"], "the vendor account was phished");
    assert_eq!(v["hypotheses"][0]["evidence_for"][0]["seq"], ev, "{v}");
    let b = send(&app, get("/incidents/INC-1", Some(&cookie))).await.body;
    for id in ["evidence", "hypotheses", "recovery"] {
        assert!(b.contains(&format!("<section id=\"{id}\"")), "{id}: {b}");
    }
    assert!(b.contains("the vendor account was phished"));
    assert!(!b.contains("<b>VPN log</b>"), "escaped");
}

/// The containment planner from the incident: the narrow plan on the vendor
/// path first, its alternatives drawn side by side, each action one click
/// from a proposal; bad ids are named.
#[tokio::test]
async fn the_containment_planner_offers_the_narrow_plan_first_and_each_action_can_be_proposed() {
    let app = app().await;
    let (cookie, csrf) = sign_in_as(&app, "tnguyen").await;
    let auth = Auth::Session(&cookie, None);
    let q = "compromised=account:ridgeline-legacy,pathway:ridgeline/remote-support&alternatives=2";
    let r = send(&app, get_as(&format!("/api/incidents/INC-1/contain?{q}"), auth)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let best: Vec<&str> = v["plans"][0]["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(best, ["revoke-vendor-access pathway:ridgeline/remote-support", "disable-account ridgeline-legacy"]);
    assert_eq!(v["plans"][0]["rank"], 1);
    assert!(v["plans"].as_array().unwrap().len() <= 3, "{v}");
    assert!(v.get("svg").is_none(), "the picture is the page's, not the JSON's");
    let r = send(&app, get_as("/api/incidents/INC-1/contain?compromised=account:nobody", auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("unknown account \"nobody\""), "{}", r.body);
    let r = send(&app, get_as("/api/incidents/INC-1/contain", auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    let page = send(&app, get(&format!("/incidents/INC-1/contain?{q}"), Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Best plan") && page.body.contains("<svg"), "{}", page.body);
    assert!(page.body.contains("value=\"revoke-vendor-access pathway:ridgeline/remote-support\""), "{}", page.body);
    let empty = send(&app, get("/incidents/INC-1/contain", Some(&cookie))).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("id=\"contain\"") && !empty.body.contains("Best plan"));
    // Proposing one of its actions goes through the board's propose form like any other.
    let before = head(&app).await;
    let r = send(
        &app,
        form(
            "/incidents/INC-1/actions",
            &format!("csrf={csrf}&action=disable-account+ridgeline-legacy&rationale=containment+planner%2C+plan+1"),
            Some(&cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(head(&app).await, before + 1);
}

/// The after-action report, the ICS forms and the STIX bundle from the board
/// and the API; each export is in the access log; bad forms are named.
#[tokio::test]
async fn reports_are_exported_and_every_export_is_recorded() {
    let app = app().await;
    let (cookie, _) = sign_in_as(&app, "tnguyen").await;
    let auth = Auth::Session(&cookie, None);
    let board = send(&app, get("/incidents/INC-1", Some(&cookie))).await;
    assert!(board.body.contains("/incidents/INC-1/report?form=ics-201"), "{}", board.body);
    let r = send(&app, get("/incidents/INC-1/report", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(r.header(header::CONTENT_SECURITY_POLICY).starts_with("default-src 'none'; style-src 'unsafe-inline'"));
    assert!(r.body.contains("Vendor session at night"), "{}", r.body);
    let md = send(&app, get_as("/api/incidents/INC-1/report?form=ics-209&format=markdown", auth)).await;
    assert_eq!(md.status, StatusCode::OK, "{}", md.body);
    assert!(md.header(header::CONTENT_DISPOSITION).contains("INC-1-ics-209.md"));
    assert!(md.body.contains("ICS 209") || md.body.contains("209"), "{}", md.body);
    // ICS 214: the caller's own activity log by default, or another person's; an unknown person is named.
    let own = send(&app, get_as("/api/incidents/INC-1/report?form=ics-214&format=json", auth)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(json(&own)["form"], "ICS 214");
    assert_eq!(json(&own)["person"], "tnguyen");
    let other =
        send(&app, get_as("/api/incidents/INC-1/report?form=ics-214&format=markdown&person=mgarcia", auth)).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert!(other.body.contains("ICS 214 activity log") && other.body.contains("mgarcia"), "{}", other.body);
    let nobody = send(&app, get_as("/api/incidents/INC-1/report?form=ics-214&person=zz", auth)).await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nobody.body);
    assert!(json(&nobody)["error"].as_str().unwrap().contains("\"zz\" is not a person"), "{}", nobody.body);
    let stix = send(&app, get_as("/api/incidents/INC-1/report?form=stix", auth)).await;
    assert_eq!(stix.status, StatusCode::OK, "{}", stix.body);
    assert_eq!(json(&stix)["type"], "bundle");
    let bad = send(&app, get_as("/api/incidents/INC-1/report?form=novel", auth)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(&bad)["error"].as_str().unwrap().starts_with("form: \"novel\" is not one of"), "{}", bad.body);
    let log = app.store.access_log(50).await.unwrap();
    let exports: Vec<&str> = log
        .iter()
        .filter(|a| a.action == "export-report" && a.username == "tnguyen")
        .map(|a| a.outcome.as_str())
        .collect();
    for o in ["ok: aar html", "ok: ics-209 markdown", "ok: ics-214 json", "ok: stix html"] {
        assert!(exports.contains(&o), "{o}: {exports:?}");
    }
    // The board's own pages keep the strict policy.
    assert!(board.header(header::CONTENT_SECURITY_POLICY).contains("style-src 'self'"));
}

/// The update composer: a draft per audience from the incident's state; an
/// ambiguous "take offline" refused until the definitions are accepted; a
/// published update is an event; the next update due is in the status header.
#[tokio::test]
async fn status_updates_are_drafted_per_audience_checked_for_ambiguous_words_and_published() {
    let app = app().await;
    let (cookie, csrf) = sign_in_as(&app, "tnguyen").await;
    let auth = Auth::Session(&cookie, Some(&csrf));
    let board = send(&app, get("/incidents/INC-1", Some(&cookie))).await;
    assert!(board.body.contains("id=\"next-update\""), "{}", board.body);
    let status = json(&send(&app, get_as("/api/incidents/INC-1", auth)).await)["status"].clone();
    let due = status["updates_due"].as_array().unwrap();
    assert_eq!(due.len(), 3, "{status}");
    assert!(board.body.contains(due[0]["due"].as_str().unwrap()), "the earliest is shown");
    for (audience, section) in
        [("operations", "## The process"), ("security", "## Containment"), ("leadership", "## Business impact")]
    {
        let r = send(&app, get_as(&format!("/api/incidents/INC-1/updates/draft?audience={audience}"), auth)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let text = json(&r)["text"].as_str().unwrap().to_string();
        assert!(text.starts_with(&format!("# {audience} update: Vendor session at night (INC-1)")), "{text}");
        assert!(text.contains(section), "{audience}: {text}");
    }
    let r = send(&app, get_as("/api/incidents/INC-1/updates/draft?audience=press", auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = send(&app, get("/incidents/INC-1/updates?audience=security", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<textarea name=\"text\"") && page.body.contains("Status update for security"));

    let before = head(&app).await;
    let text = "We will take offline the historian at 10:00.";
    let body = serde_json::json!({"audience": "operations", "channel": "bridge call", "text": text}).to_string();
    let r = send(&app, post_json("/api/incidents/INC-1/updates", &body, auth)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let err = json(&r)["error"].as_str().unwrap().to_string();
    assert!(err.contains("\"take offline\"") && err.contains("this site's definition"), "{err}");
    assert_eq!(head(&app).await, before, "nothing published");
    // The board's form keeps the text and shows the definition.
    let r = send(
        &app,
        form(
            "/incidents/INC-1/updates",
            &format!("csrf={csrf}&audience=operations&channel=bridge&text=We+will+take+offline+the+historian"),
            Some(&cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("We will take offline the historian</textarea>") && r.body.contains("id=\"flagged\""),
        "{}",
        r.body
    );
    let body =
        serde_json::json!({"audience": "operations", "channel": "bridge call", "text": text, "accept_definitions": true})
            .to_string();
    let r = send(&app, post_json("/api/incidents/INC-1/updates", &body, auth)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let published = json(&r);
    assert_eq!(published["seq"], before + 1);
    assert!(published["text"].as_str().unwrap().contains("as this site defines them"), "{published}");
    // Publishing to operations moves its next update.
    let status = json(&send(&app, get_as("/api/incidents/INC-1", auth)).await)["status"].clone();
    let ops = status["updates_due"].as_array().unwrap().iter().find(|u| u["audience"] == "operations").unwrap().clone();
    assert_eq!(ops["last"], before + 1, "{status}");
}

/// Vendor access with the kill switch: the grant in force, its kill switch
/// proposed from the vendor page, approved, executed by the OT lead; once the
/// execution is reported completed the grant is revoked (a new revision).
#[tokio::test]
async fn the_kill_switch_cuts_a_vendor_grant_off_once_executed() {
    let app = app().await;
    let grant = serde_json::json!({
        "id": "G-7", "vendor": "ridgeline", "people": ["jpark"], "accounts": ["ridgeline-legacy"],
        "assets": ["ews-01"], "pathway": "ridgeline/remote-support",
        "start": at(0).micros(), "end": at(600).micros(), "mfa": true, "supervisor": null,
        "recording": false, "safety_critical": false, "status": "active"
    });
    app.store
        .put_record(&store::Record {
            kind: "grant".into(),
            id: "G-7".into(),
            rev: 1,
            recorded_at: at(0).micros(),
            actor: "eschmidt".into(),
            reason: "support call".into(),
            body: grant.to_string(),
        })
        .await
        .unwrap();
    let (cookie, csrf) = sign_in_as(&app, "eschmidt").await;
    let es = Auth::Session(&cookie, Some(&csrf));
    let all = json(&send(&app, get_as("/api/incidents/INC-1/vendor-access", es)).await);
    let pw = all["pathways"].as_array().unwrap().iter().find(|p| p["pathway"] == "ridgeline/remote-support").unwrap();
    assert_eq!(pw["grants_in_force"], serde_json::json!(["G-7"]), "{pw}");
    assert!(pw["targets"].as_array().unwrap().iter().any(|t| t == "ews-01"), "{pw}");
    let v = all["grants"].clone();
    assert_eq!(v[0]["id"], "G-7");
    assert_eq!(v[0]["in_force"], true, "{v}");
    let kill = v[0]["kill_switch"].as_str().unwrap().to_string();
    assert_eq!(pw["kill_switch"], kill.as_str());
    assert_eq!(kill, "revoke-vendor-access pathway:ridgeline/remote-support");
    let page = send(&app, get("/incidents/INC-1/vendors", Some(&cookie))).await;
    assert!(page.body.contains(&format!("value=\"{kill}\"")) && page.body.contains("in force"), "{}", page.body);

    // The kill switch is a proposal (tnguyen proposes; the OT lead approves, confirms, executes).
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let body = serde_json::json!({"action": kill, "rationale": "unscheduled session at night"}).to_string();
    let r = send(&app, post_json("/api/incidents/INC-1/actions", &body, Auth::Session(&t_cookie, Some(&t_csrf)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let n = json(&r)["seq"].as_u64().unwrap();
    let uri = |step: &str| format!("/api/incidents/INC-1/actions/{n}/{step}");
    for (step, body) in [
        ("approve", r#"{"rationale": "cut it"}"#),
        ("confirm", r#"{"note": "no download in progress", "measure": 1}"#),
        ("execute", r#"{"note": "cutting the pathway"}"#),
    ] {
        let r = send(&app, post_json(&uri(step), body, es)).await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
    }
    let v = json(&send(&app, get_as("/api/incidents/INC-1/vendor-access", es)).await)["grants"].clone();
    assert_eq!(v[0]["status"], "active", "not until the execution is reported completed");
    let r = send(&app, post_json(&uri("execute"), r#"{"note": "pathway closed", "outcome": "completed"}"#, es)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = json(&send(&app, get_as("/api/incidents/INC-1/vendor-access", es)).await);
    let v = all["grants"].clone();
    assert_eq!((v[0]["status"].as_str(), v[0]["in_force"].as_bool()), (Some("revoked"), Some(false)), "{v}");
    let pw = all["pathways"].as_array().unwrap().iter().find(|p| p["pathway"] == "ridgeline/remote-support").unwrap();
    assert_eq!(pw["grants_in_force"], serde_json::json!([]), "{pw}");
    assert!(v[0]["status_reason"].as_str().unwrap().contains(&format!("revoked by action #{n} of INC-1")), "{v}");
    let history = app.store.record_history("grant", "G-7").await.unwrap();
    assert_eq!(history.len(), 2, "a new revision, the first kept");
    assert_eq!(history[1].actor, "eschmidt");
}

/// The commander makes the incident private and manages its members through
/// the API and the board; others are refused; a non-member then cannot see it.
#[tokio::test]
async fn the_commander_makes_an_incident_private_and_manages_its_members() {
    let app = app().await;
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let ms = Auth::Session(&m_cookie, Some(&m_csrf));
    let (k_cookie, k_csrf) = sign_in_as(&app, "kpowell").await;
    let ks = Auth::Session(&k_cookie, Some(&k_csrf));
    // A liaison holds no command role.
    let body = r#"{"private": true, "reason": "insider suspected"}"#;
    let r = send(&app, post_json("/api/incidents/INC-1/visibility", body, ks)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, post_json("/api/incidents/INC-1/visibility", body, ms)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["private"], true);
    let r = send(&app, post_json("/api/incidents/INC-1/visibility", body, ms)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "already private: {}", r.body);
    // kpowell is no member: the incident does not exist for them.
    assert_eq!(send(&app, get_as("/api/incidents/INC-1", ks)).await.status, StatusCode::NOT_FOUND);
    let add = r#"{"person": "kpowell", "reason": "liaison to the regulator"}"#;
    let r = send(&app, post_json("/api/incidents/INC-1/members", add, ms)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(json(&r).as_array().unwrap().iter().any(|m| m["person"] == "kpowell"), "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents/INC-1", ks)).await.status, StatusCode::OK);
    let r = send(&app, post_json("/api/incidents/INC-1/members", r#"{"person": "nobody-9", "reason": "x"}"#, ms)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The board's forms: remove them again, then open the incident.
    let board = send(&app, get("/incidents/INC-1", Some(&m_cookie))).await;
    assert!(board.body.contains("id=\"members\"") && board.body.contains("Open it to every user"), "{}", board.body);
    let r = send(
        &app,
        form(
            "/incidents/INC-1/members/remove",
            &format!("csrf={m_csrf}&person=kpowell&reason=done"),
            Some(&m_cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents/INC-1", ks)).await.status, StatusCode::NOT_FOUND);
    let r = send(
        &app,
        form(
            "/incidents/INC-1/visibility",
            &format!("csrf={m_csrf}&private=false&reason=contained"),
            Some(&m_cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents/INC-1", ks)).await.status, StatusCode::OK);
    let log = app.store.access_log(100).await.unwrap();
    assert!(
        log.iter()
            .any(|a| a.action == "change-visibility" && a.username == "kpowell" && a.outcome.starts_with("refused"))
    );
}

/// An administrator disables a user: their token and session stop working at
/// once, their open live stream ends; non-administrators are refused; an
/// administrator cannot lock themselves out; all of it is in the access log.
#[tokio::test]
async fn an_administrator_disables_and_enables_a_user() {
    let app = app().await;
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let ms = Auth::Session(&m_cookie, Some(&m_csrf));
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let ts = Auth::Session(&t_cookie, Some(&t_csrf));
    let t_token = server::new_api_token(&*app.store, "tnguyen", "cli", 1).await.unwrap();
    let list = json(&send(&app, get_as("/api/users", ms)).await);
    assert!(list.as_array().unwrap().iter().any(|u| u["username"] == "tnguyen" && u["disabled"] == false), "{list}");
    assert!(!list.to_string().contains("argon2"), "no secret is listed");
    // Not an administrator: refused, and recorded.
    let r = send(&app, get_as("/api/users", ts)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, post_json("/api/users/kpowell/disable", r#"{"reason": "x"}"#, ts)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("tnguyen may not manage users"), "{}", r.body);
    let r = send(&app, post_json("/api/users/mgarcia/disable", r#"{"reason": "leaving"}"#, ms)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // tnguyen has a stream open; then is disabled.
    let res = app.router.clone().oneshot(get_as("/api/incidents/INC-1/events", Auth::Bearer(&t_token))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut t_stream = res.into_body();
    let r = send(&app, post_json("/api/users/tnguyen/disable", r#"{"reason": "laptop stolen"}"#, ms)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["disabled"], true);
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(&t_token))).await.status, StatusCode::UNAUTHORIZED);
    assert_ne!(send(&app, get("/incidents/INC-1", Some(&t_cookie))).await.status, StatusCode::OK);
    // The next event ends the stream instead of reaching it.
    let (e_cookie, e_csrf) = sign_in_as(&app, "eschmidt").await;
    let _ = propose(&app, &e_cookie, &e_csrf).await;
    let ended = tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(f) = t_stream.frame().await {
            if let Ok(d) = f.unwrap().into_data() {
                seen.push_str(std::str::from_utf8(&d).unwrap());
            }
        }
        seen
    })
    .await
    .expect("the disabled user's stream ends within the wait");
    assert!(!ended.contains("action-proposed"), "{ended}");
    // The board's form enables them again.
    let page = send(&app, get("/admin/users", Some(&m_cookie))).await;
    assert!(page.body.contains("id=\"user-tnguyen\""), "{}", page.body);
    let r = send(
        &app,
        form("/admin/users/tnguyen", &format!("csrf={m_csrf}&disabled=false&reason=found+it"), Some(&m_cookie), HOME),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(&t_token))).await.status, StatusCode::OK);
    let log = app.store.access_log(100).await.unwrap();
    assert!(
        log.iter().any(|a| a.action == "disable-user" && a.target == "tnguyen" && a.outcome == "ok: laptop stolen")
    );
    assert!(
        log.iter().any(|a| a.action == "disable-user" && a.username == "tnguyen" && a.outcome.starts_with("refused"))
    );
    assert!(log.iter().any(|a| a.action == "enable-user" && a.target == "tnguyen"));
}

/// One API token is revoked (the others go on), a user's sessions all end
/// (their tokens go on); a user manages their own, an administrator anyone's,
/// nobody another's; each is in the access log.
#[tokio::test]
async fn tokens_are_revoked_one_by_one_and_sessions_end_everywhere() {
    let app = app().await;
    let laptop = server::new_api_token(&*app.store, "tnguyen", "laptop", 1).await.unwrap();
    let ci = server::new_api_token(&*app.store, "tnguyen", "ci", 1).await.unwrap();
    let (t1, t1_csrf) = sign_in_as(&app, "tnguyen").await;
    let (t2, _) = sign_in_as(&app, "tnguyen").await;
    let own = Auth::Bearer(&laptop);
    let r = send(&app, get_as("/api/users/tnguyen/tokens", own)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names: Vec<String> =
        json(&r).as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["ci", "laptop"]);
    assert!(!r.body.contains("ilk_"), "never the tokens themselves");
    // Another user's: refused (eschmidt is no administrator), nothing revoked.
    let e = server::new_api_token(&*app.store, "eschmidt", "x", 1).await.unwrap();
    let r = send(&app, post_json("/api/users/tnguyen/tokens/ci/revoke", "", Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("eschmidt may manage only their own"), "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(&ci))).await.status, StatusCode::OK);
    // Their own: the token stops, the other goes on.
    let r = send(&app, post_json("/api/users/tnguyen/tokens/ci/revoke", "", own)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r).as_array().unwrap().len(), 1);
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(&ci))).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, get_as("/api/incidents", own)).await.status, StatusCode::OK);
    let r = send(&app, post_json("/api/users/tnguyen/tokens/ci/revoke", "", own)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "once: {}", r.body);
    // Signed out everywhere (from one of the sessions, with its CSRF token): both sessions end, the token goes on.
    let r = send(&app, post_json("/api/users/tnguyen/sessions/end", "", Auth::Session(&t1, Some(&t1_csrf)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["ended"], 2);
    for c in [&t1, &t2] {
        assert_eq!(send(&app, get("/incidents/INC-1", Some(c))).await.status, StatusCode::SEE_OTHER, "signed out");
    }
    assert_eq!(send(&app, get_as("/api/incidents", own)).await.status, StatusCode::OK);
    // An administrator, from the users page: revokes another user's token.
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let page = send(&app, get("/admin/users", Some(&m_cookie))).await;
    assert!(page.body.contains("/admin/users/tnguyen/tokens/laptop/revoke"), "{}", page.body);
    let r =
        send(&app, form("/admin/users/tnguyen/tokens/laptop/revoke", &format!("csrf={m_csrf}"), Some(&m_cookie), HOME))
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(send(&app, get_as("/api/incidents", own)).await.status, StatusCode::UNAUTHORIZED);
    let log = app.store.access_log(200).await.unwrap();
    for (who, what, outcome) in [
        ("tnguyen", "revoke-token", "ok: ci"),
        ("tnguyen", "end-sessions", "ok: 2 ended"),
        ("mgarcia", "revoke-token", "ok: laptop"),
    ] {
        assert!(
            log.iter().any(|a| a.username == who && a.action == what && a.outcome == outcome),
            "{who} {what} {outcome}"
        );
    }
    assert!(
        log.iter().any(|a| a.username == "eschmidt" && a.action == "revoke-token" && a.outcome.starts_with("refused"))
    );
}

#[tokio::test]
async fn htmx_and_the_stylesheet_are_served_from_the_binary() {
    let app = app().await;
    let r = send(&app, get("/assets/htmx.min.js", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/javascript"));
    assert!(r.header(header::CACHE_CONTROL).contains("max-age=31536000"));
    let on_disk = std::fs::read_to_string(repo().join("crates/server/assets/htmx.min.js")).unwrap();
    assert_eq!(r.body, on_disk);
    assert!(r.body.contains("htmx"));
    let css = send(&app, get("/assets/interlock.css", None)).await;
    assert!(css.header(header::CONTENT_TYPE).starts_with("text/css"));
    assert_eq!(send(&app, get("/assets/nothing.js", None)).await.status, StatusCode::NOT_FOUND);
    // Pages load scripts and styles from the server only.
    let cookie = session(&app).await;
    let page = send(&app, get("/", Some(&cookie))).await.body;
    assert!(page.contains("src=\"/assets/htmx.min.js?v="));
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "no CDN");
    let csp = send(&app, get("/", Some(&cookie))).await;
    assert!(csp.header(header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"));
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = app().await;
    let served = send(&app, get("/api/openapi.json", None)).await.body;
    let path = repo().join("docs/api/openapi.json");
    if std::env::var("INTERLOCK_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        served == committed,
        "docs/api/openapi.json differs from the served document: regenerate it with\n\
         cargo run -p interlock -- serve --print-openapi > docs/api/openapi.json\n\
         (or INTERLOCK_UPDATE_OPENAPI=1 cargo test -p server --test server)"
    );
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_route_exists() {
    let app = app().await;
    let doc: serde_json::Value = serde_json::from_str(&server::openapi_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let routes = server::api_routes();
    for r in &routes {
        assert!(r.path.starts_with("/api/"), "{}", r.path);
        let op = paths.get(r.path).and_then(|p| p.get(r.method.as_str().to_lowercase()));
        assert!(op.is_some(), "{} {} is served but not documented in the OpenAPI document", r.method, r.path);
    }
    let token = server::new_api_token(&*app.store, "mgarcia", "doc", 1).await.unwrap();
    // An action for the routes of one ({seq}).
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let action = propose(&app, &t_cookie, &t_csrf).await.to_string();
    // A work order and a grant for the routes of one (`/api/work-orders/{id}`, `/api/vendor-grants/{id}`).
    for (uri, body) in [
        (
            "/api/work-orders",
            r#"{"id": "WO-DOC", "title": "t", "assets": ["plc-filt-01"], "activities": ["patching"], "start": "2026-11-26T14:00:00Z", "end": "2026-11-26T15:00:00Z"}"#,
        ),
        (
            "/api/vendor-grants",
            r#"{"id": "VG-DOC", "vendor": "ridgeline", "assets": ["ews-01"], "start": "2026-11-26T14:00:00Z", "end": "2026-11-26T15:00:00Z"}"#,
        ),
    ] {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "POST {uri}");
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert!(
                routes.iter().any(|r| r.path == path && r.method == m),
                "{m} {path} is documented but not in server::api_routes()"
            );
            let mut uri = path.replace("{id}", "INC-1").replace("{seq}", &action);
            if path.starts_with("/api/work-orders/") {
                uri = path.replace("{id}", "WO-DOC");
            }
            if path.starts_with("/api/vendor-grants/") {
                uri = path.replace("{id}", "VG-DOC");
            }
            if path.ends_with("/contain") || path.ends_with("/reach") {
                // The planner and the reach need to know what the attacker holds.
                uri.push_str("?compromised=ews-01");
            }
            if path.ends_with("/updates/draft") {
                uri.push_str("?audience=security");
            }
            if m == Method::GET {
                // A user's own tokens (the POST routes of a user are answered 422 for "{username}").
                uri = uri.replace("{username}", "mgarcia");
            }
            let req = Request::builder()
                .method(m.clone())
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            if m == Method::GET {
                assert_eq!(status, StatusCode::OK, "{m} {uri}");
            } else {
                // Without a body a state-changing route refuses the request as bad input, never with a 5xx.
                assert!(status.is_client_error() && status != StatusCode::NOT_FOUND, "{m} {uri}: {status}");
            }
            let documented = item[method]["responses"].as_object().unwrap();
            assert!(documented.contains_key(status.as_str()), "{m} {uri} answered {status}, which is not documented");
            // The event stream never ends: only its headers are read.
            if res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
                continue;
            }
            let _ = res.into_body().collect().await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------
// The action workflow through the API and the board, and live updates.

const OFFLINE: &str = "take-offline dc-corp-01,dc-corp-02 for containment";
/// A bounded wait: nothing in these tests sleeps.
const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// How a request is authenticated.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Nobody,
    Bearer(&'a str),
    /// A session cookie, with or without its CSRF token in the header.
    Session(&'a str, Option<&'a str>),
}

fn with_auth(mut b: axum::http::request::Builder, auth: Auth<'_>) -> axum::http::request::Builder {
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

fn post_json(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    with_auth(Request::post(uri).header(header::CONTENT_TYPE, "application/json"), auth)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn get_as(uri: &str, auth: Auth<'_>) -> Request<Body> {
    with_auth(Request::get(uri), auth).body(Body::empty()).unwrap()
}

/// Signs `username` in: (session token, CSRF token).
async fn sign_in_as(app: &App, username: &str) -> (String, String) {
    let r = signin(app, username, PASSWORD, HOME).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{username}: {}", r.body);
    let c = r.header(header::SET_COOKIE);
    let cookie = c.strip_prefix("interlock_session=").unwrap().split(';').next().unwrap().to_string();
    let token = csrf(app, &cookie).await;
    (cookie, token)
}

async fn head(app: &App) -> u64 {
    app.store.scan("INC-1", 0, &mut |_| false).await.unwrap().unwrap().seq
}

fn json(r: &Reply) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

async fn propose(app: &App, cookie: &str, csrf: &str) -> u64 {
    let body = serde_json::json!({"action": OFFLINE, "rationale": "stolen admin credentials"}).to_string();
    let r = send(app, post_json("/api/incidents/INC-1/actions", &body, Auth::Session(cookie, Some(csrf)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    json(&r)["seq"].as_u64().unwrap()
}

fn holders(action: &serde_json::Value, role: &str) -> Vec<String> {
    action["approvals_required"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["holders"].as_array().unwrap().iter())
        .filter(|h| h["role"] == role)
        .flat_map(|h| h["people"].as_array().unwrap().iter().map(|p| p["person"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn an_action_is_proposed_and_approved_through_the_api_as_the_authority_matrix_says() {
    let app = app().await;
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let before = head(&app).await;
    let n = propose(&app, &t_cookie, &t_csrf).await;
    assert_eq!(n, before + 1);

    // The proposal with its impact, verdict, required approvals and who holds them.
    let ps_token = server::new_api_token(&*app.store, "psharma", "ps", 1).await.unwrap();
    let r = send(&app, get_as("/api/incidents/INC-1/actions", Auth::Bearer(&ps_token))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = json(&r);
    let a = &list[0];
    assert_eq!(a["seq"], n);
    assert_eq!(a["status"], "pending");
    assert_eq!(a["proposer"], "tnguyen");
    assert_eq!(a["verdict"], "safe-with-measures");
    assert!(!a["impact"].as_array().unwrap().is_empty(), "{a}");
    assert!(!a["measures"].as_array().unwrap().is_empty(), "{a}");
    let roles: Vec<&str> = a["approvals_required"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()))
        .collect();
    assert!(roles.contains(&"it-lead") && roles.contains(&"ot-lead"), "{roles:?}");
    assert!(holders(a, "it-lead").contains(&"psharma".to_string()), "{a}");
    assert_eq!(holders(a, "ot-lead")[0], "eschmidt", "the incident's ot-lead first");
    let missing = a["missing"].as_array().unwrap();
    assert!(missing.iter().any(|m| m.as_str().unwrap().contains("ot-lead")), "{missing:?}");
    assert!(a["next_escalation"]["at"].is_string() && a["next_escalation"]["in_seconds"].is_i64(), "{a}");
    assert_eq!(a["you_may_decide"], true, "psharma holds it-lead");

    // A person the matrix does not let approve is refused, whichever way they call, and nothing is written.
    let (k_cookie, k_csrf) = sign_in_as(&app, "kpowell").await;
    let approve = format!("/api/incidents/INC-1/actions/{n}/approve");
    let yes = r#"{"rationale": "looks right"}"#;
    let r = send(&app, post_json(&approve, yes, Auth::Session(&k_cookie, Some(&k_csrf)))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("may not approve this action"), "{}", r.body);
    let k_token = server::new_api_token(&*app.store, "kpowell", "kp", 1).await.unwrap();
    let r = send(&app, post_json(&approve, yes, Auth::Bearer(&k_token))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(
        &app,
        form(
            &format!("/incidents/INC-1/actions/{n}/approve"),
            &format!("csrf={k_csrf}&rationale=ok"),
            Some(&k_cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("may not approve this action"), "the board says why");
    // The proposer never counts.
    let r = send(&app, post_json(&approve, yes, Auth::Session(&t_cookie, Some(&t_csrf)))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Signed out; a session without the CSRF token.
    assert_eq!(send(&app, post_json(&approve, yes, Auth::Nobody)).await.status, StatusCode::UNAUTHORIZED);
    let (p_cookie, _) = sign_in_as(&app, "psharma").await;
    assert_eq!(
        send(&app, post_json(&approve, yes, Auth::Session(&p_cookie, None))).await.status,
        StatusCode::FORBIDDEN
    );
    let propose_uri = "/api/incidents/INC-1/actions";
    let again = serde_json::json!({"action": OFFLINE, "rationale": "again"}).to_string();
    assert_eq!(send(&app, post_json(propose_uri, &again, Auth::Nobody)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(&app, post_json(propose_uri, &again, Auth::Session(&t_cookie, None))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(head(&app).await, n, "nothing was written by the refused requests");
    let log = app.store.access_log(100).await.unwrap();
    assert!(
        log.iter().any(|a| a.username == "kpowell" && a.action == "approve-action" && a.outcome.starts_with("refused"))
    );

    // Those who may, approve: the it-lead by token, the ot-lead by session; then it is approved.
    let r = send(&app, post_json(&approve, r#"{"rationale": "IT agrees"}"#, Auth::Bearer(&ps_token))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["status"], "pending");
    assert_eq!(json(&r)["approvals"][0]["person"], "psharma");
    let (e_cookie, e_csrf) = sign_in_as(&app, "eschmidt").await;
    let r = send(
        &app,
        post_json(&approve, r#"{"rationale": "operators keep local logons"}"#, Auth::Session(&e_cookie, Some(&e_csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = json(&r);
    assert_eq!(a["status"], "approved", "{a}");
    assert_eq!(a["approvals"][1]["rationale"], "operators keep local logons");
    assert_eq!(head(&app).await, n + 2);
    // Approving again: the action is no longer pending.
    let r = send(&app, post_json(&approve, yes, Auth::Bearer(&ps_token))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// After the approvals: the measures confirmed, the execution started and
/// reported, the result verified; each step by whom the rules allow, through
/// the API and the board's step form; and the action's impact picture.
#[tokio::test]
async fn an_approved_action_is_executed_and_verified_step_by_step() {
    let app = app().await;
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let n = propose(&app, &t_cookie, &t_csrf).await;
    let (p_cookie, p_csrf) = sign_in_as(&app, "psharma").await;
    let (e_cookie, e_csrf) = sign_in_as(&app, "eschmidt").await;
    let ps = Auth::Session(&p_cookie, Some(&p_csrf));
    let es = Auth::Session(&e_cookie, Some(&e_csrf));
    let ts = Auth::Session(&t_cookie, Some(&t_csrf));
    let uri = |step: &str| format!("/api/incidents/INC-1/actions/{n}/{step}");
    let r = send(&app, post_json(&uri("approve"), r#"{"rationale": "IT agrees"}"#, ps)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Executing before the measures are confirmed is refused, and says which are missing.
    let before = head(&app).await;
    let r = send(&app, post_json(&uri("execute"), r#"{"note": "starting"}"#, ps)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = send(&app, post_json(&uri("approve"), r#"{"rationale": "OT agrees"}"#, es)).await;
    assert_eq!(json(&r)["status"], "approved", "{}", r.body);
    let r = send(&app, post_json(&uri("execute"), r#"{"note": "starting"}"#, ps)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("compensating measures are confirmed"), "{}", r.body);
    assert_eq!(head(&app).await, before + 1, "only the approval was written");

    // The approved action has its step form on the board.
    let board = send(&app, get("/incidents/INC-1", Some(&t_cookie))).await;
    assert!(board.body.contains(&format!("/incidents/INC-1/actions/{n}/step")), "{}", board.body);
    // A step's own fields are checked and named.
    let r = send(&app, post_json(&uri("confirm"), r#"{"note": "rounds staffed"}"#, es)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().starts_with("measure: required"), "{}", r.body);
    let r = send(&app, post_json(&uri("execute"), r#"{"note": "x", "outcome": "mostly"}"#, ps)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("completed, partial, failed"), "{}", r.body);

    // The OT lead confirms every measure: one through the board's step form, the rest by the API.
    let measures = json(&r).get("measures").cloned();
    assert!(measures.is_none());
    let list = json(&send(&app, get_as("/api/incidents/INC-1/actions", es)).await);
    let count = list[0]["measures"].as_array().unwrap().len();
    assert!(count >= 2, "{}", list[0]);
    let r = send(
        &app,
        form(
            &format!("/incidents/INC-1/actions/{n}/step"),
            &format!("csrf={e_csrf}&step=confirm&note=rounds+staffed&measure=1&outcome=&result="),
            Some(&e_cookie),
            HOME,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for m in 2..=count {
        let body = format!(r#"{{"note": "in place", "measure": {m}}}"#);
        let r = send(&app, post_json(&uri("confirm"), &body, es)).await;
        assert_eq!(r.status, StatusCode::OK, "measure {m}: {}", r.body);
    }
    let a = json(&send(&app, get_as("/api/incidents/INC-1/actions", es)).await)[0].clone();
    assert!(a["measures"].as_array().unwrap().iter().all(|m| m["confirmed"] == true), "{a}");

    // The proposer may not execute (no executing role); an executor starts, then reports.
    let r = send(&app, post_json(&uri("execute"), r#"{"note": "starting"}"#, ts)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let executor =
        if send(&app, post_json(&uri("execute"), r#"{"note": "starting"}"#, ps)).await.status == StatusCode::OK {
            ps
        } else {
            let r = send(&app, post_json(&uri("execute"), r#"{"note": "starting"}"#, es)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            es
        };
    let r = send(
        &app,
        post_json(&uri("execute"), r#"{"note": "both controllers down", "outcome": "completed"}"#, executor),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["status"], "completed", "{}", r.body);
    let r = send(&app, post_json(&uri("verify"), r#"{"note": "no more logons from the stolen account"}"#, es)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = send(&app, post_json(&uri("verify"), r#"{"note": "no more logons", "result": "effective"}"#, es)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["verified"], "effective", "{}", r.body);
    // Withdrawing it now is refused: it was carried out.
    let r = send(&app, post_json(&uri("withdraw"), r#"{"note": "changed our minds"}"#, ts)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let log = app.store.access_log(200).await.unwrap();
    assert!(log.iter().any(|a| a.action == "verify-action" && a.outcome == "ok"));

    // The board lists it as verified, with no step form left (a finished action has none);
    // its impact picture is an SVG, and a page.
    let board = send(&app, get("/incidents/INC-1", Some(&t_cookie))).await;
    assert!(board.body.contains("completed (verified effective)"), "{}", board.body);
    assert!(!board.body.contains(&format!("/incidents/INC-1/actions/{n}/step")), "{}", board.body);
    let svg = send(&app, get_as(&format!("/api/incidents/INC-1/actions/{n}/impact.svg"), ts)).await;
    assert_eq!(svg.status, StatusCode::OK, "{}", svg.body);
    assert_eq!(svg.header(header::CONTENT_TYPE), "image/svg+xml");
    assert!(svg.body.starts_with("<svg") && svg.body.trim_end().ends_with("</svg>"));
    assert!(svg.body.contains("data-asset=\"dc-corp-01\""), "the cut is drawn");
    let page = send(&app, get(&format!("/incidents/INC-1/actions/{n}/impact"), Some(&t_cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains(&format!("Impact of #{n}")), "{}", page.body);
    let fragment = send(&app, get(&format!("/incidents/INC-1/actions/{n}/impact?fragment=1"), Some(&t_cookie))).await;
    assert!(fragment.body.starts_with("<svg"), "{}", fragment.body);
    let missing = send(&app, get_as("/api/incidents/INC-1/actions/3/impact.svg", ts)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "#3 is a note: {}", missing.body);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let app = app().await;
    let (cookie, csrf) = sign_in_as(&app, "tnguyen").await;
    let auth = Auth::Session(&cookie, Some(&csrf));
    let before = head(&app).await;
    let uri = "/api/incidents/INC-1/actions";
    let cases: &[(&str, &str, StatusCode, &str)] = &[
        (uri, "", StatusCode::BAD_REQUEST, ""),
        (uri, "{not json", StatusCode::BAD_REQUEST, ""),
        (uri, r#"{"action": 5, "rationale": "x"}"#, StatusCode::UNPROCESSABLE_ENTITY, ""),
        (uri, r#"{"rationale": "x"}"#, StatusCode::UNPROCESSABLE_ENTITY, "action"),
        (
            uri,
            r#"{"action": "take-offline nothing-01", "rationale": "x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing-01",
        ),
        (uri, r#"{"action": "explode dc-corp-01", "rationale": "x"}"#, StatusCode::UNPROCESSABLE_ENTITY, "explode"),
        (
            uri,
            &format!(r#"{{"action": "{OFFLINE}", "rationale": "  "}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rationale",
        ),
        (
            uri,
            &format!(r#"{{"action": "{OFFLINE}", "rationale": "x", "evidence": [999]}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "999",
        ),
        (
            "/api/incidents/INC-404/actions",
            &format!(r#"{{"action": "{OFFLINE}", "rationale": "x"}}"#),
            StatusCode::NOT_FOUND,
            "INC-404",
        ),
        ("/api/incidents/INC-1/actions/abc/approve", r#"{"rationale": "x"}"#, StatusCode::BAD_REQUEST, "abc"),
        ("/api/incidents/INC-1/actions/0/approve", r#"{"rationale": "x"}"#, StatusCode::BAD_REQUEST, ""),
        ("/api/incidents/INC-1/actions/99/approve", r#"{"rationale": "x"}"#, StatusCode::NOT_FOUND, "#99"),
        ("/api/incidents/INC-1/actions/3/reject", r#"{"rationale": "x"}"#, StatusCode::NOT_FOUND, "#3"),
        ("/api/incidents/INC-1/actions/1/approve", r#"{}"#, StatusCode::UNPROCESSABLE_ENTITY, ""),
        // A NUL in the text (found by schemathesis: it once reached the access log and made a 500).
        (
            uri,
            r#"{"action": "\u0000take-offline dc-corp-01", "rationale": "x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "control",
        ),
        (
            uri,
            &format!(r#"{{"action": "{OFFLINE}", "rationale": "a\u0000b"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "control",
        ),
        (
            "/api/incidents/INC%00/actions",
            &format!(r#"{{"action": "{OFFLINE}", "rationale": "x"}}"#),
            StatusCode::NOT_FOUND,
            "",
        ),
    ];
    for (uri, body, status, says) in cases {
        let r = send(&app, post_json(uri, body, auth)).await;
        assert_eq!(r.status, *status, "{uri} {body}: {}", r.body);
        let e = json(&r);
        let msg = e["error"].as_str().unwrap_or_else(|| panic!("{uri} {body}: {}", r.body));
        assert!(msg.contains(says), "{uri} {body}: {msg}");
    }
    // Not JSON at all.
    let r = send(
        &app,
        with_auth(Request::post(uri).header(header::CONTENT_TYPE, "text/plain"), auth).body(Body::from("x")).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    assert_eq!(head(&app).await, before);
    // A stream resuming after something that is not an event number.
    let mut req = get_as("/api/incidents/INC-1/events", auth);
    req.headers_mut().insert("last-event-id", "yesterday".parse().unwrap());
    assert_eq!(send(&app, req).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(send(&app, get_as("/api/incidents/INC-404/events", auth)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_board_shows_the_decisions_waiting_with_forms_for_those_who_decide() {
    let app = app().await;
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let n = propose(&app, &t_cookie, &t_csrf).await;
    let (e_cookie, e_csrf) = sign_in_as(&app, "eschmidt").await;
    let page = send(&app, get("/incidents/INC-1", Some(&e_cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("Decisions waiting") && b.contains(&format!("id=\"action-{n}\"")), "{b}");
    assert!(b.contains("take-offline dc-corp-01,dc-corp-02"), "{b}");
    assert!(b.contains("safe-with-measures") && b.contains("Approvals required"), "{b}");
    let it_lead = site().people.iter().find(|p| &*p.id == "psharma").unwrap().name.to_string();
    assert!(b.contains(&it_lead), "who holds the roles");
    assert!(b.contains("class=\"countdown\" data-due=\"") && b.contains("in 15 min"), "{b}");
    assert!(b.contains(&format!("action=\"/incidents/INC-1/actions/{n}/approve\"")), "the ot-lead may decide");
    assert!(b.contains(&format!("name=\"csrf\" value=\"{e_csrf}\"")));
    assert!(b.contains("data-events=\"/api/incidents/INC-1/events?after="), "the board subscribes to its events");
    assert!(b.contains("src=\"/assets/board.js?v="));
    assert!(!b.contains("every 15s"), "no polling");
    // The liaison sees the decision, without forms.
    let (k_cookie, _) = sign_in_as(&app, "kpowell").await;
    let k = send(&app, get("/incidents/INC-1", Some(&k_cookie))).await.body;
    assert!(k.contains("Decisions waiting") && !k.contains(&format!("/actions/{n}/approve\"")), "{k}");
    // The form approves (htmx follows the redirect to the board).
    let r =
        send(&app, form(&format!("/incidents/INC-1/actions/{n}/approve"), "rationale=ok", Some(&e_cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let body = format!("csrf={e_csrf}&rationale=operators+keep+local+logons");
    let r = send(&app, form(&format!("/incidents/INC-1/actions/{n}/approve"), &body, Some(&e_cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header(header::LOCATION), format!("/incidents/INC-1#action-{n}"));
    let b = send(&app, get("/incidents/INC-1", Some(&e_cookie))).await.body;
    assert!(b.contains("Approved by") && b.contains("operators keep local logons"), "{b}");
    // The propose form: a refusal shows the board again with the reason and what was typed.
    let body = format!("csrf={t_csrf}&action=take-offline+nothing-01&rationale=why+not");
    let r = send(&app, form("/incidents/INC-1/actions", &body, Some(&t_cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Refused, nothing was recorded") && r.body.contains("value=\"take-offline nothing-01\""),
        "{}",
        r.body
    );
    let js = send(&app, get("/assets/board.js", None)).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("EventSource"));
}

/// Reads the stream until `n` events arrived: (id, data) each. Bounded.
async fn sse_events(body: &mut Body, n: usize) -> Vec<(u64, serde_json::Value)> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let frame = tokio::time::timeout(WAIT, body.frame()).await.expect("an event within the wait").unwrap().unwrap();
        let Ok(data) = frame.into_data() else { continue };
        buf.push_str(std::str::from_utf8(&data).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")) {
                    id = Some(v.trim().parse().unwrap());
                } else if let Some(v) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
                    data = Some(serde_json::from_str(v).unwrap());
                }
            }
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, data));
            }
        }
    }
    out
}

/// A member removed from a private incident stops receiving its events: the
/// stream ends before the removal (or anything after it) is sent; a member
/// who stays keeps receiving.
#[tokio::test]
async fn a_live_stream_ends_when_its_user_loses_access() {
    let app = app().await;
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let ms = Auth::Session(&m_cookie, Some(&m_csrf));
    for (uri, body) in [
        ("/api/incidents/INC-1/members", r#"{"person": "kpowell", "reason": "liaison"}"#),
        ("/api/incidents/INC-1/visibility", r#"{"private": true, "reason": "insider suspected"}"#),
    ] {
        let r = send(&app, post_json(uri, body, ms)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let k_token = server::new_api_token(&*app.store, "kpowell", "live", 1).await.unwrap();
    let m_token = server::new_api_token(&*app.store, "mgarcia", "live", 1).await.unwrap();
    let open = |token: String| {
        let router = app.router.clone();
        async move {
            let res = router.oneshot(get_as("/api/incidents/INC-1/events", Auth::Bearer(&token))).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.into_body()
        }
    };
    let mut k_body = open(k_token).await;
    let mut m_body = open(m_token).await;
    let r =
        send(&app, post_json("/api/incidents/INC-1/members/remove", r#"{"person": "kpowell", "reason": "done"}"#, ms))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let removal = head(&app).await;
    // The commander sees the removal; kpowell's stream ends without it.
    let got = sse_events(&mut m_body, 1).await;
    assert_eq!((got[0].0, got[0].1["kind"].as_str().unwrap()), (removal, "member-removed"));
    // Bounded as a whole: keep-alive comments must not keep the loop going.
    let seen = tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(f) = k_body.frame().await {
            if let Ok(d) = f.unwrap().into_data() {
                seen.push_str(std::str::from_utf8(&d).unwrap());
            }
        }
        seen
    })
    .await
    .expect("kpowell's stream ends within the wait");
    assert!(!seen.contains("member-removed"), "{seen}");
}

/// Reads a stream to its end, within the wait (keep-alive comments must not
/// keep the loop going); returns what it sent.
async fn until_end(body: &mut Body, who: &str) -> String {
    tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(f) = body.frame().await {
            if let Ok(d) = f.unwrap().into_data() {
                seen.push_str(std::str::from_utf8(&d).unwrap());
            }
        }
        seen
    })
    .await
    .unwrap_or_else(|_| panic!("{who}'s stream ends within the wait"))
}

/// Opens the incident's live stream with a credential; asserts it is accepted.
async fn open_stream(app: &App, auth: Auth<'_>) -> Body {
    let res = app.router.clone().oneshot(get_as("/api/incidents/INC-1/events", auth)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.into_body()
}

/// A revoked token's, an ended session's and a disabled user's open streams
/// end at once, with nothing appended to wake them; the user's other
/// credentials' streams go on.
#[tokio::test]
async fn open_streams_end_when_their_credential_is_revoked() {
    let app = app().await;
    let laptop = server::new_api_token(&*app.store, "tnguyen", "laptop", 1).await.unwrap();
    let ci = server::new_api_token(&*app.store, "tnguyen", "ci", 1).await.unwrap();
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let psharma = server::new_api_token(&*app.store, "psharma", "live", 1).await.unwrap();
    let mut ci_body = open_stream(&app, Auth::Bearer(&ci)).await;
    let mut laptop_body = open_stream(&app, Auth::Bearer(&laptop)).await;
    let mut session_body = open_stream(&app, Auth::Session(&t_cookie, None)).await;
    let mut p_body = open_stream(&app, Auth::Bearer(&psharma)).await;

    let r = send(&app, post_json("/api/users/tnguyen/tokens/ci/revoke", "", Auth::Bearer(&laptop))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    until_end(&mut ci_body, "the revoked token").await;
    // The others still receive.
    let r = send(
        &app,
        post_json("/api/incidents/INC-1/entries", r#"{"entry": "note", "text": "still here"}"#, Auth::Bearer(&laptop)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let note = head(&app).await;
    assert_eq!(sse_events(&mut laptop_body, 1).await[0].0, note);
    assert_eq!(sse_events(&mut session_body, 1).await[0].0, note);

    let r = send(&app, post_json("/api/users/tnguyen/sessions/end", "", Auth::Session(&t_cookie, Some(&t_csrf)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    until_end(&mut session_body, "the ended session").await;

    // Disabling psharma ends her stream at once (not at the next event).
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let r = send(
        &app,
        post_json(
            "/api/users/psharma/disable",
            r#"{"reason": "laptop stolen"}"#,
            Auth::Session(&m_cookie, Some(&m_csrf)),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    until_end(&mut p_body, "the disabled user").await;
    // The laptop token's stream was not touched by any of it.
    let r = send(
        &app,
        post_json("/api/incidents/INC-1/entries", r#"{"entry": "note", "text": "and here"}"#, Auth::Bearer(&laptop)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(sse_events(&mut laptop_body, 1).await[0].0, head(&app).await);
}

/// What nobody announces (a token revoked by another process on SQLite, a
/// session that expired) ends a stream at its next periodic check.
#[tokio::test]
async fn open_streams_check_their_credential_at_intervals() {
    let mut app = app().await;
    app.state.hub = Arc::new(server::live::Hub::with_recheck(std::time::Duration::from_millis(100)));
    app.router = server::router(app.state.clone());
    let token = server::new_api_token(&*app.store, "tnguyen", "ci", 1).await.unwrap();
    let keep = server::new_api_token(&*app.store, "tnguyen", "laptop", 1).await.unwrap();
    let (cookie, _) = sign_in_as(&app, "psharma").await;
    let mut t_body = open_stream(&app, Auth::Bearer(&token)).await;
    let mut k_body = open_stream(&app, Auth::Bearer(&keep)).await;
    let mut s_body = open_stream(&app, Auth::Session(&cookie, None)).await;
    // Straight in the store, as `interlock user revoke` in another process does.
    let user = app.store.user_by_name("tnguyen").await.unwrap().unwrap();
    assert!(app.store.revoke_token(user.id, "ci").await.unwrap());
    until_end(&mut t_body, "the token revoked elsewhere").await;
    // The session expires on the server's clock.
    app.clock.advance_secs(app.state.session_ttl / 1_000_000 + 1);
    until_end(&mut s_body, "the expired session").await;
    // A credential that holds went on through the same checks.
    let r = send(
        &app,
        post_json("/api/incidents/INC-1/entries", r#"{"entry": "note", "text": "still here"}"#, Auth::Bearer(&keep)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(sse_events(&mut k_body, 1).await[0].0, head(&app).await);
}

#[tokio::test]
async fn events_stream_live_and_a_reconnect_catches_up_from_last_event_id() {
    let app = app().await;
    let (t_cookie, t_csrf) = sign_in_as(&app, "tnguyen").await;
    let token = server::new_api_token(&*app.store, "psharma", "live", 1).await.unwrap();
    let res = app.router.clone().oneshot(get_as("/api/incidents/INC-1/events", Auth::Bearer(&token))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
    assert_eq!(app.state.hub.subscribers("INC-1"), 1);
    let mut body = res.into_body();
    // Appended through the API: received with its number as the event id.
    let n = propose(&app, &t_cookie, &t_csrf).await;
    let got = sse_events(&mut body, 1).await;
    assert_eq!(got[0].0, n);
    assert_eq!(got[0].1["seq"], n);
    assert_eq!(got[0].1["kind"], "action-proposed");
    assert_eq!(got[0].1["actor"], "tnguyen");
    // Then an approval.
    let approve = format!("/api/incidents/INC-1/actions/{n}/approve");
    let r = send(&app, post_json(&approve, r#"{"rationale": "IT agrees"}"#, Auth::Bearer(&token))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = sse_events(&mut body, 1).await;
    assert_eq!((got[0].0, got[0].1["kind"].as_str().unwrap()), (n + 1, "action-approved"));
    drop(body);

    // A client that saw event 3 reconnects: events 4.. from the store, in order, then live ones.
    let mut req = get_as("/api/incidents/INC-1/events", Auth::Session(&t_cookie, None));
    req.headers_mut().insert("last-event-id", "3".parse().unwrap());
    let mut body = app.router.clone().oneshot(req).await.unwrap().into_body();
    let got = sse_events(&mut body, (n + 1 - 3) as usize).await;
    let ids: Vec<u64> = got.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (4..=n + 1).collect::<Vec<_>>());
    // ?after= is the board's starting point; Last-Event-ID wins over it.
    let mut req = get_as(&format!("/api/incidents/INC-1/events?after={n}"), Auth::Bearer(&token));
    req.headers_mut().insert("last-event-id", format!("{}", n - 1).parse().unwrap());
    let mut other = app.router.clone().oneshot(req).await.unwrap().into_body();
    assert_eq!(sse_events(&mut other, 2).await.iter().map(|e| e.0).collect::<Vec<_>>(), vec![n, n + 1]);
    // Live after the catch-up, on both.
    let (e_cookie, e_csrf) = sign_in_as(&app, "eschmidt").await;
    let r =
        send(&app, post_json(&approve, r#"{"rationale": "OT agrees"}"#, Auth::Session(&e_cookie, Some(&e_csrf)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(sse_events(&mut body, 1).await[0].0, n + 2);
    assert_eq!(sse_events(&mut other, 1).await[0].0, n + 2);
    // An append by another writer (the CLI's path, straight to the store) reaches subscribers once published.
    let site = site();
    let written = store::write(&*app.store, &site, None, "INC-1", "mgarcia", at(20), |_inc| {
        Ok::<_, std::convert::Infallible>(vec![EventBody::Note(Note {
            text: "bridge call at 09:00".into(),
            domain: None,
        })])
    })
    .await
    .unwrap();
    let seq = written.incident.seq();
    app.state.hub.publish(&app.state, "INC-1", seq, seq).await;
    let got = sse_events(&mut body, 1).await;
    assert_eq!((got[0].0, got[0].1["summary"].as_str().unwrap()), (seq, "bridge call at 09:00"));
}

/// A long incident: the board shows the latest 100 events (and says so), `?all=1` all of
/// them; an append by another writer (straight to the store, as the CLI does) is on the
/// next read, through the server's cache of folded incidents.
#[tokio::test]
async fn a_long_board_shows_the_latest_events_and_sees_other_writers() {
    let app = app().await;
    let cookie = session(&app).await;
    let first = send(&app, get("/incidents/INC-1", Some(&cookie))).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(!first.body.contains("The latest 100 of"), "a short incident is shown whole");
    let site = site();
    for i in 0..120 {
        store::write(&*app.store, &site, None, "INC-1", "mgarcia", at(30), |_inc| {
            Ok::<_, std::convert::Infallible>(vec![EventBody::Note(Note {
                text: format!("shift note {i:03}").into(),
                domain: None,
            })])
        })
        .await
        .unwrap();
    }
    let seq = store::load(&*app.store, "INC-1").await.unwrap().unwrap().seq();
    let r = send(&app, get("/incidents/INC-1", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!("The latest 100 of {seq} events")), "{}", r.body);
    assert!(r.body.contains("shift note 119"), "the newest event, written behind the server's back, is shown");
    assert!(!r.body.contains("ridgeline support line called back"), "an early event is not");
    let all = send(&app, get("/incidents/INC-1?all=1", Some(&cookie))).await;
    assert!(all.body.contains("ridgeline support line called back") && all.body.contains("shift note 000"));
    assert!(all.body.contains("The whole timeline"));
    // The JSON status keeps the whole timeline.
    let api = send(&app, get("/api/incidents/INC-1", Some(&cookie))).await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["timeline"].as_array().unwrap().len() as u64, seq);
}

/// An administrator adds a user (the password generated and answered once)
/// and issues tokens; a user issues their own; nobody else's; each secret
/// works, is never listed again and every change is in the access log.
#[tokio::test]
async fn an_administrator_adds_users_and_anyone_issues_their_own_tokens() {
    let app = app().await;
    let (m_cookie, m_csrf) = sign_in_as(&app, "mgarcia").await;
    let ms = Auth::Session(&m_cookie, Some(&m_csrf));
    let t = server::new_api_token(&*app.store, "tnguyen", "cli", 1).await.unwrap();
    let ts = Auth::Bearer(&t);

    // Not an administrator: refused, nothing added, and recorded.
    let body = r#"{"username": "bking", "person": "bking"}"#;
    let r = send(&app, post_json("/api/users", body, ts)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Without the session's CSRF token: refused.
    let r = send(&app, post_json("/api/users", body, Auth::Session(&m_cookie, None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(app.store.user_by_name("bking").await.unwrap().is_none());

    // The administrator adds bking: the password is generated, answered once, and signs in.
    let r = send(&app, post_json("/api/users", body, ms)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let added = json(&r);
    assert_eq!((added["user"]["username"].as_str(), added["user"]["is_admin"].as_bool()), (Some("bking"), Some(false)));
    let password = added["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 12, "{password}");
    assert_eq!(signin(&app, "bking", &password, HOME).await.status, StatusCode::SEE_OTHER);
    assert!(!send(&app, get_as("/api/users", ms)).await.body.contains(&password), "never listed");
    // With a password of the administrator's choosing: none is answered.
    let r = send(
        &app,
        post_json("/api/users", r#"{"username": "slee", "person": "slee", "password": "twelve chars long"}"#, ms),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(json(&r)["password"].is_null(), "{}", r.body);
    assert_eq!(signin(&app, "slee", "twelve chars long", HOME).await.status, StatusCode::SEE_OTHER);
    // What does not do: each refused with its reason, nothing added.
    for (body, status, why) in [
        (r#"{"username": "bking", "person": "bking"}"#, StatusCode::CONFLICT, "already a user bking"),
        (r#"{"username": "x y", "person": "bking"}"#, StatusCode::UNPROCESSABLE_ENTITY, "a username is"),
        (
            r#"{"username": "nobody", "person": "nobody"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a person of the site model",
        ),
        (
            r#"{"username": "short", "person": "bking", "password": "short"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "12 characters",
        ),
        (r#"{"username": "bking2"}"#, StatusCode::UNPROCESSABLE_ENTITY, "person"),
        ("not json", StatusCode::BAD_REQUEST, ""),
    ] {
        let r = send(&app, post_json("/api/users", body, ms)).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(r.body.contains(why), "{body}: {}", r.body);
    }
    for u in ["x y", "nobody", "short", "bking2"] {
        assert!(app.store.user_by_name(u).await.unwrap().is_none(), "{u}");
    }

    // A user issues their own token: it works; listed by name only.
    let r = send(&app, post_json("/api/users/tnguyen/tokens", r#"{"name": "laptop"}"#, ts)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let laptop = json(&r)["token"].as_str().unwrap().to_string();
    assert!(laptop.starts_with("ilk_"), "{laptop}");
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(&laptop))).await.status, StatusCode::OK);
    let r = send(&app, get_as("/api/users/tnguyen/tokens", ts)).await;
    assert!(r.body.contains("\"laptop\"") && !r.body.contains(&laptop), "{}", r.body);
    // The same name again, another user's, a name with a space: refused.
    for (uri, body, status) in [
        ("/api/users/tnguyen/tokens", r#"{"name": "laptop"}"#, StatusCode::CONFLICT),
        ("/api/users/psharma/tokens", r#"{"name": "mine-now"}"#, StatusCode::FORBIDDEN),
        ("/api/users/tnguyen/tokens", r#"{"name": "a b"}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/users/nobody/tokens", r#"{"name": "x"}"#, StatusCode::FORBIDDEN),
    ] {
        let r = send(&app, post_json(uri, body, ts)).await;
        assert_eq!(r.status, status, "{uri} {body}: {}", r.body);
    }
    assert!(app.store.tokens(app.store.user_by_name("psharma").await.unwrap().unwrap().id).await.unwrap().is_empty());

    // The users page: the administrator adds a user and issues a token; each secret shown once, on the page.
    let page = send(&app, get("/admin/users", Some(&m_cookie))).await;
    assert!(
        page.body.contains("id=\"add-user\"") && page.body.contains("<option value=\"rmorales\">"),
        "{}",
        page.body
    );
    let r = send(
        &app,
        form("/admin/users", &format!("csrf={m_csrf}&username=rmorales&person=rmorales"), Some(&m_cookie), HOME),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shown = r.body.split("<code class=\"mono\">").nth(1).and_then(|s| s.split("</code>").next()).unwrap();
    assert_eq!(signin(&app, "rmorales", shown, HOME).await.status, StatusCode::SEE_OTHER);
    let r =
        send(&app, form("/admin/users/psharma/tokens", &format!("csrf={m_csrf}&name=ci"), Some(&m_cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shown = r.body.split("<code class=\"mono\">").nth(1).and_then(|s| s.split("</code>").next()).unwrap();
    assert_eq!(send(&app, get_as("/api/incidents", Auth::Bearer(shown))).await.status, StatusCode::OK);
    // The page again: no secret.
    let page = send(&app, get("/admin/users", Some(&m_cookie))).await;
    assert!(!page.body.contains(shown) && !page.body.contains("id=\"issued\""));
    // Without CSRF: refused, nothing added.
    let r = send(&app, form("/admin/users", "username=abaker&person=abaker", Some(&m_cookie), HOME)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(app.store.user_by_name("abaker").await.unwrap().is_none());

    let log = app.store.access_log(200).await.unwrap();
    for (who, what, target, outcome) in [
        ("mgarcia", "user-added", "bking", "ok"),
        ("mgarcia", "user-added", "rmorales", "ok"),
        ("tnguyen", "issue-token", "tnguyen", "ok: laptop"),
        ("mgarcia", "issue-token", "psharma", "ok: ci"),
    ] {
        assert!(
            log.iter().any(|a| a.username == who && a.action == what && a.target == target && a.outcome == outcome),
            "{who} {what} {target} {outcome}"
        );
    }
    assert!(log.iter().any(|a| a.username == "tnguyen" && a.action == "add-user" && a.outcome.starts_with("refused")));
    assert!(
        log.iter().any(|a| a.username == "tnguyen" && a.action == "issue-token" && a.outcome.starts_with("refused"))
    );
}
