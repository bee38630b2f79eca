//! The site-level records over the API, on a real SQLite store and the
//! example site: work orders (add, revise, history, the CSV import all or
//! nothing), vendor grants (grant, the kill switch, re-admission), the
//! session register, and evidence import (judged, and recorded on an
//! incident through its write path); who may do each, and the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};
use store::Store;

/// The server's clock is at(10): 2026-11-26T14:10:00Z.
fn work(id: &str, asset: &str, title: &str) -> String {
    json!({
        "id": id,
        "title": title,
        "assets": [asset],
        "people": ["hpatel"],
        "start": "2026-11-26T14:00:00Z",
        "end": "2026-11-26T16:00:00Z",
        "activities": ["logic-download"],
    })
    .to_string()
}

fn grant(id: &str, vendor: &str, asset: &str, extra: Value) -> String {
    let mut v = json!({
        "id": id,
        "vendor": vendor,
        "assets": [asset],
        "start": "2026-11-26T13:00:00Z",
        "end": "2026-11-26T18:00:00Z",
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

/// A POST of a raw body (a CSV, a log).
fn post_raw(uri: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Refused as bad input: 400 (not what the route reads) or 422 (reads, does not check).
fn bad_input(s: StatusCode) -> bool {
    s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY
}

fn error(r: &Reply) -> String {
    json(r)["error"].as_str().unwrap_or_default().to_string()
}

async fn logged(app: &App, who: &str, action: &str, target: &str, outcome: &str) -> bool {
    let log = app.store.access_log(1000).await.unwrap();
    log.iter().any(|a| a.username == who && a.action == action && a.target == target && a.outcome.starts_with(outcome))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn work_orders_are_added_revised_and_listed_with_their_history() {
    let app = app().await;
    let e = token(&app, "eschmidt").await;
    let r = send(&app, post_json("/api/work-orders", &work("WO-1", "plc-filt-01", "Backwash timer"), Auth::Bearer(&e)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r), json!({"kind": "work", "id": "WO-1", "rev": 1}));
    let r = send(
        &app,
        post_json("/api/work-orders", &work("WO-1", "plc-filt-01", "Backwash timer (moved)"), Auth::Bearer(&e)),
    )
    .await;
    assert_eq!(json(&r), json!({"kind": "work", "id": "WO-1", "rev": 2}), "{}", r.body);

    // The list: the latest revision, in the shape of `interlock work list --json`.
    let r = send(&app, get("/api/work-orders", Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(keys(&v[0]), ["by", "id", "reason", "recorded_at", "rev", "work"]);
    assert_eq!((v[0]["rev"].as_u64(), v[0]["by"].as_str()), (Some(2), Some("eschmidt")));
    assert_eq!(v[0]["work"]["title"], "Backwash timer (moved)");
    assert_eq!(v[0]["work"]["activities"], json!(["logic-download"]));
    assert_eq!(v[0]["reason"], "planned work");
    // The history: every revision, the first first; any enabled user reads it.
    let t = token(&app, "tnguyen").await;
    let r = send(&app, get("/api/work-orders/WO-1", Auth::Bearer(&t))).await;
    let v = json(&r);
    assert_eq!(v.as_array().unwrap().iter().map(|x| x["rev"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(v[0]["work"]["title"], "Backwash timer");
    let r = send(&app, get("/api/work-orders/WO-9", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // Bad input: 400 naming the field, nothing written.
    for (body, says) in [
        (work("WO-2", "hmi-cr-99", "Patch"), "work order WO-2 > assets: unknown asset \"hmi-cr-99\""),
        (work("WO-2", "plc-filt-01", "Patch").replace("2026-11-26T14:00:00Z", "at two"), "start: "),
        (
            work("WO-2", "plc-filt-01", "Patch").replace("logic-download", "reboot"),
            "activities: \"reboot\" is not an activity",
        ),
        (
            work("WO-2", "plc-filt-01", "Patch").replace("16:00", "13:00"),
            "work order WO-2 > end: must be after the start",
        ),
        (json!({"id": "WO-2", "assets": ["plc-filt-01"]}).to_string(), "title"),
        ("{\"id\": ".into(), ""),
    ] {
        let r = send(&app, post_json("/api/work-orders", &body, Auth::Bearer(&e))).await;
        // 400: not the JSON the route reads; 422: it reads but does not check.
        assert!(bad_input(r.status), "{body}: {} {}", r.status, r.body);
        assert!(error(&r).contains(says), "{body}: {}", r.body);
    }
    assert!(logged(&app, "eschmidt", "record-work-order", "work/WO-2", "refused: work order WO-2 > assets").await);
    let r = send(&app, get("/api/work-orders/WO-2", Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing written: {}", r.body);

    // Who may: the side that answers for the assets.
    let r = send(&app, post_json("/api/work-orders", &work("WO-3", "plc-filt-01", "Logic"), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        error(&r).contains("tnguyen may not authorise work or vendor access on plc-filt-01 (an OT asset)")
            && error(&r).contains("ot-lead"),
        "{}",
        r.body
    );
    assert!(logged(&app, "tnguyen", "record-work-order", "work/WO-3", "refused: tnguyen may not").await);
    let r =
        send(&app, post_json("/api/work-orders", &work("WO-IT", "dc-corp-01", "Patch the DC"), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::CREATED, "IT staff record IT work: {}", r.body);
    // A revision is by someone who answers for the assets it replaces too.
    let r = send(&app, post_json("/api/work-orders", &work("WO-IT", "plc-filt-01", "Moved"), Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).contains("on dc-corp-01 (an IT asset)"), "{}", r.body);
    for who in ["jpark", "kpowell"] {
        let k = token(&app, who).await;
        let r =
            send(&app, post_json("/api/work-orders", &work("WO-4", "plc-filt-01", "Logic"), Auth::Bearer(&k))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert!(error(&r).contains(&format!("{who} may not authorise")), "{}", r.body);
    }
    assert!(
        error(
            &send(
                &app,
                post_json(
                    "/api/work-orders",
                    &work("WO-4", "plc-filt-01", "L"),
                    Auth::Bearer(&token(&app, "jpark").await)
                )
            )
            .await
        )
        .contains("a vendor's person never does")
    );
    // A session needs its CSRF token; signed out is 401.
    let (cookie, csrf) = sign_in(&app, "eschmidt").await;
    let r = send(&app, post_json("/api/work-orders", &work("WO-5", "plc-filt-01", "L"), Auth::Session(&cookie, None)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(
        &app,
        post_json("/api/work-orders", &work("WO-5", "plc-filt-01", "L"), Auth::Session(&cookie, Some(&csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(logged(&app, "eschmidt", "record-work-order", "work/WO-5", "ok: revision 1").await);
}

const CSV: &str = "id,title,assets,people,accounts,vendor,start,end,activities,supervisor\n\
WO-1,\"Filter PLC logic, backwash timer\",plc-filt-01,hpatel,,,2026-11-26T09:00:00Z,2026-11-26T11:00:00Z,logic-download,\n\
WO-2,Patch HMIs,hmi-cr-99,hpatel,,,2026-11-26T12:00:00Z,2026-11-26T14:00:00Z,patching,\n";

#[tokio::test]
async fn work_orders_import_from_csv_all_or_nothing() {
    let app = app().await;
    let e = token(&app, "eschmidt").await;
    let r = send(&app, post_raw("/api/work-orders/import?name=work.csv", CSV, Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("line 3: work order WO-2 > assets: unknown asset \"hmi-cr-99\""), "{}", r.body);
    let bad_time = CSV.replace("2026-11-26T09:00:00Z", "nine");
    let r = send(&app, post_raw("/api/work-orders/import", &bad_time, Auth::Bearer(&e))).await;
    assert!(error(&r).contains("2 bad row(s), nothing written: line 2: field start: "), "{}", r.body);
    assert!(error(&r).contains("line 3: "), "every bad row is named: {}", r.body);
    let r = send(&app, post_raw("/api/work-orders/import", "  \n", Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(json(&send(&app, get("/api/work-orders", Auth::Bearer(&e))).await), json!([]), "nothing written");
    assert!(logged(&app, "eschmidt", "import-work-orders", "work/work.csv", "refused: 1 bad row(s)").await);

    // The caller answers for every row's assets, or nothing is written.
    let good = CSV.replace("hmi-cr-99", "hmi-cr-01");
    let t = token(&app, "tnguyen").await;
    let r = send(&app, post_raw("/api/work-orders/import?name=work.csv", &good, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).starts_with("line 2: tnguyen may not authorise"), "{}", r.body);
    assert_eq!(json(&send(&app, get("/api/work-orders", Auth::Bearer(&e))).await), json!([]), "nothing written");

    let r = send(&app, post_raw("/api/work-orders/import?name=work.csv", &good, Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r), json!({"imported": 2, "ids": ["WO-1", "WO-2"], "file": "work.csv"}));
    let v = json(&send(&app, get("/api/work-orders", Auth::Bearer(&e))).await);
    assert_eq!(v[0]["work"]["title"], "Filter PLC logic, backwash timer");
    assert_eq!(v[0]["reason"], "imported from work.csv");
    // Importing again revises.
    let r = send(&app, post_raw("/api/work-orders/import?name=work.csv", &good, Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json(&send(&app, get("/api/work-orders/WO-2", Auth::Bearer(&e))).await);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert!(logged(&app, "eschmidt", "import-work-orders", "work/work.csv", "ok: 2 work order(s): WO-1 rev 2").await);
}

#[tokio::test]
async fn grants_are_revoked_by_anyone_and_readmission_needs_an_approval() {
    let app = app().await;
    let e = token(&app, "eschmidt").await;
    let extra = json!({"pathway": "ridgeline/remote-support", "accounts": ["ridgeline-support"], "mfa": true,
                       "supervisor": "hpatel", "recording": true});
    let r = send(
        &app,
        post_json("/api/vendor-grants", &grant("VG-7", "ridgeline", "ews-01", extra.clone()), Auth::Bearer(&e)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r), json!({"kind": "grant", "id": "VG-7", "rev": 1}));
    // Bad input names the field; the side that answers for the assets grants.
    let r = send(
        &app,
        post_json(
            "/api/vendor-grants",
            &grant("VG-9", "ridgeline", "ews-01", json!({"pathway": "back-door"})),
            Auth::Bearer(&e),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("grant VG-9 > pathway: vendor ridgeline has no pathway \"back-door\""), "{}", r.body);
    let t = token(&app, "tnguyen").await;
    let r =
        send(&app, post_json("/api/vendor-grants", &grant("VG-9", "ridgeline", "ews-01", json!({})), Auth::Bearer(&t)))
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(logged(&app, "tnguyen", "grant-vendor-access", "grant/VG-9", "refused: tnguyen may not").await);

    let v = json(&send(&app, get("/api/vendor-grants", Auth::Bearer(&t))).await);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(
        (v[0]["grant"]["status"].as_str(), v[0]["grant"]["supervisor"].as_str()),
        (Some("active"), Some("hpatel"))
    );
    assert_eq!(keys(&v[0]), ["by", "grant", "id", "reason", "recorded_at", "rev"]);

    // The kill switch: every user mapped to a person, a vendor's engineer too.
    let j = token(&app, "jpark").await;
    let r =
        send(&app, post_json("/api/vendor-grants/VG-7/revoke", "{\"reason\": \"not me at 3 am\"}", Auth::Bearer(&j)))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r), json!({"kind": "grant", "id": "VG-7", "rev": 2}));
    assert!(logged(&app, "jpark", "revoke-vendor-grant", "grant/VG-7", "ok: revision 2").await);
    let r = send(&app, post_json("/api/vendor-grants/VG-7/revoke", "{\"reason\": \"again\"}", Auth::Bearer(&j))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(error(&r).contains("already revoked"), "{}", r.body);
    assert!(logged(&app, "jpark", "revoke-vendor-grant", "grant/VG-7", "refused: grant VG-7 is already revoked").await);
    let r = send(&app, post_json("/api/vendor-grants/VG-99/revoke", "{\"reason\": \"x\"}", Auth::Bearer(&j))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = send(&app, post_json("/api/vendor-grants/VG-7/revoke", "{\"reason\": \" \"}", Auth::Bearer(&j))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("reason"), "{}", r.body);
    // A user whose person the site model does not know may not.
    let u = store::NewUser {
        username: "ghost".into(),
        person: "nobody".into(),
        password_hash: server::hash_password(PASSWORD).unwrap(),
        is_admin: false,
        created_at: 0,
    };
    app.store.create_user(&u).await.unwrap();
    let g = token(&app, "ghost").await;
    let r = send(&app, post_json("/api/vendor-grants/VG-7/revoke", "{\"reason\": \"x\"}", Auth::Bearer(&g))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).contains("not a person of the site model"), "{}", r.body);
    let v = json(&send(&app, get("/api/vendor-grants/VG-7", Auth::Bearer(&t))).await);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!((v[1]["grant"]["status"].as_str(), v[1]["by"].as_str()), (Some("revoked"), Some("jpark")));
    assert_eq!(v[1]["grant"]["status_reason"], "not me at 3 am");

    // Re-admission: an approval by someone else who holds a role that counts.
    let r = send(
        &app,
        post_json("/api/vendor-grants", &grant("VG-8", "ridgeline", "ews-01", extra.clone()), Auth::Bearer(&e)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).contains("re-admission needs a fresh approval: approved_by a holder of"), "{}", r.body);
    let mut with = extra.clone();
    with["approved_by"] = json!("eschmidt");
    let r = send(
        &app,
        post_json("/api/vendor-grants", &grant("VG-8", "ridgeline", "ews-01", with.clone()), Auth::Bearer(&e)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).contains("someone other than the person recording"), "{}", r.body);
    with["approved_by"] = json!("kpowell");
    let r = send(
        &app,
        post_json("/api/vendor-grants", &grant("VG-8", "ridgeline", "ews-01", with.clone()), Auth::Bearer(&e)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(error(&r).contains("kpowell holds none of"), "{}", r.body);
    assert!(logged(&app, "eschmidt", "grant-vendor-access", "grant/VG-8", "refused: kpowell holds none of").await);
    let m = token(&app, "mgarcia").await;
    with["approved_by"] = json!("eschmidt");
    let r = send(&app, post_json("/api/vendor-grants", &grant("VG-8", "ridgeline", "ews-01", with), Auth::Bearer(&m)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json(&send(&app, get("/api/vendor-grants/VG-8", Auth::Bearer(&m))).await);
    assert_eq!(v[0]["grant"]["status_reason"], "re-admitted with the approval of eschmidt");
    // The incident's vendor-access view reads the same records.
    let v = json(&send(&app, get("/api/incidents/INC-3/vendor-access", Auth::Bearer(&m))).await);
    let g: Vec<(&str, &str)> = v["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap(), g["status"].as_str().unwrap()))
        .collect();
    assert_eq!(g, [("VG-8", "active"), ("VG-7", "revoked")]);
}

/// Sessions around the server's time (14:10Z): one open on the grant, one
/// of a dormant account, one ended, one the site model does not know.
const SESSIONS: &str = r#"{"user":"CORP\\v-ridgeline","source":"198.51.100.40","target":"ews-01","start":"2026-11-26T14:00:00Z","end":null,"pathway":"vpn-corp-01 > jump-dmz-01"}
{"user":"rcs_upgrade2019","source":"198.51.100.23","target":"ews-01","start":"2026-11-26T02:14:51Z","end":null,"pathway":"vpn-corp-01"}
{"user":"CORP\\v-ridgeline","source":"198.51.100.40","target":"ews-01","start":"2026-11-26T09:05:00Z","end":"2026-11-26T09:40:00Z","pathway":"vpn-corp-01 > jump-dmz-01"}
{"user":"CORP\\eschmidt","source":"10.30.2.99","target":"10.30.14.10","start":"2026-11-26T14:05:00Z"}
"#;

#[tokio::test]
async fn the_session_register_is_the_clis() {
    let app = app().await;
    let e = token(&app, "eschmidt").await;
    let extra = json!({"pathway": "ridgeline/remote-support", "accounts": ["ridgeline-support"], "mfa": true,
                       "supervisor": "hpatel", "recording": true});
    let r = send(&app, post_json("/api/vendor-grants", &grant("VG-7", "ridgeline", "ews-01", extra), Auth::Bearer(&e)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let k = token(&app, "kpowell").await;
    let r = send(&app, post_raw("/api/vendor-sessions", SESSIONS, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let live = v.as_array().unwrap();
    assert_eq!(live.len(), 3, "the ended session is not live: {v}");
    assert_eq!(
        (
            live[0]["grant"].as_str(),
            live[0]["supervised_by"].as_str(),
            live[0]["recorded"].as_bool(),
            live[0]["verdict"].as_str()
        ),
        (Some("VG-7"), Some("hpatel"), Some(true), Some("authorised"))
    );
    assert_eq!((live[1]["grant"].as_str(), live[1]["verdict"].as_str()), (None, Some("unauthorised")));
    assert!(live[1]["explanation"].as_str().unwrap().contains("dormant"), "{v}");
    assert_eq!(live[2]["verdict"], "unknown");
    // Exactly what the CLI prints (`interlock vendor sessions --json`): the same shared code at the same time.
    let (work, grants) = store::records::register(&*app.store).await.unwrap();
    let c = evidence::Correlator::new(&app.site, &work, &grants);
    let (cli, bad) = evidence::import::live_sessions(
        &app.site,
        &c,
        &grants,
        std::io::Cursor::new(SESSIONS.as_bytes().to_vec()),
        at(10).micros(),
    );
    assert!(bad.is_empty());
    assert_eq!(v, serde_json::to_value(&cli).unwrap());

    // A line that does not read is refused by number: a register missing a session would hide it.
    let broken = format!("{SESSIONS}{{\"user\":\"x\",\"target\":\"ews-01\",\"start\":\"yesterday\"}}\n");
    let r = send(&app, post_raw("/api/vendor-sessions", &broken, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("line 5: field start"), "{}", r.body);
    let r = send(&app, post_raw("/api/vendor-sessions", "", Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Larger than the server's body limit: 413.
    let huge = SESSIONS.repeat(3 << 20 >> 9);
    let r = send(&app, post_raw("/api/vendor-sessions", &huge, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body.len());
}

fn conn_log() -> String {
    std::fs::read_to_string(repo().join("crates/evidence/tests/samples/conn.log")).unwrap()
}

#[tokio::test]
async fn an_import_proposes_the_dependencies_it_saw_for_review() {
    let app = app().await;
    let m = token(&app, "mgarcia").await;
    // The sample, and a flow from an HMI to an IT server that no dependency explains.
    let log = format!(
        "{}1795702200.000001\tCx1\t10.30.2.31\t53000\t10.10.10.30\t9999\ttcp\t-\t1.0\t10\t10\tSF\tT\tT\t0\tShADadFf\t2\t100\t2\t100\t-\n",
        conn_log()
    );
    let uri = "/api/evidence/import?format=zeek&name=conn.log&proposals=true";
    let r = send(&app, post_raw(uri, &log, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let flows = v["undocumented_flows"].as_array().unwrap();
    assert!(!flows.is_empty(), "the sample has flows the example site does not explain: {v}");
    let text = v["proposals"].as_str().unwrap();
    // The CLI's `--proposals` file: a commented header, then one table per flow.
    assert!(text.starts_with("# Dependencies observed in conn.log that the site model does not explain."), "{text}");
    assert_eq!(text.matches("[[dependency]]").count(), flows.len(), "{text}");
    for f in flows {
        let table =
            format!("consumer = \"{}\"\nprovider = \"{}\"\n", f["src"].as_str().unwrap(), f["dst"].as_str().unwrap());
        assert!(text.contains(&table), "{table} in {text}");
    }
    // Every line is a comment, a table header or a key = "string" pair: TOML a person can review and paste.
    for line in text.lines().filter(|l| !l.is_empty()) {
        let pair = line.split_once(" = \"").is_some_and(|(_, v)| v.ends_with('"') && !v[..v.len() - 1].contains('"'));
        assert!(line.starts_with('#') || line == "[[dependency]]" || pair, "{line}");
    }
    // Without asking: no proposals. A name with quotes and a newline cannot break out of its string or comment.
    let r = send(&app, post_raw("/api/evidence/import?format=zeek", &conn_log(), Auth::Bearer(&m))).await;
    assert!(json(&r).get("proposals").is_none(), "{}", r.body);
    let r = send(
        &app,
        post_raw(
            "/api/evidence/import?format=zeek&proposals=true&name=a%22b%0Akind%20%3D%20%22x",
            &conn_log(),
            Auth::Bearer(&m),
        ),
    )
    .await;
    let text = json(&r)["proposals"].as_str().unwrap_or_default().to_string();
    assert!(!text.lines().any(|l| l.starts_with("kind = \"x")), "{}", r.body);
    // Correlating proposes nothing: refused, not ignored.
    let r =
        send(&app, post_raw("/api/evidence/correlate?format=zeek&proposals=true", &conn_log(), Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("proposals"), "{}", r.body);
}

#[tokio::test]
async fn an_evidence_import_is_judged_and_recorded_on_an_incident() {
    let app = app().await;
    let m = token(&app, "mgarcia").await;
    // Judged only: nothing recorded.
    let before = head(&app, "INC-3").await;
    let r = send(&app, post_raw("/api/evidence/import?format=zeek&name=conn.log", &conn_log(), Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    assert_eq!((v["activities"].as_u64(), v["bad_lines"].as_u64()), (Some(10), Some(2)), "{v}");
    assert!(v["errors"][0].as_str().unwrap().starts_with("conn.log:"), "{v}");
    assert!(v.get("recorded").is_none(), "{v}");
    let sha = v["sha256"].as_str().unwrap().to_string();
    let cli = [
        "activities",
        "authorised",
        "bad_lines",
        "concerned_assets",
        "control_changes",
        "errors",
        "file",
        "partially_authorised",
        "sha256",
        "unauthorised",
        "undocumented_flows",
        "unknown",
    ];
    assert_eq!(keys(&v), cli, "the keys of `interlock evidence import --json`");

    // Recorded on an incident: the same events the CLI records.
    let r = send(
        &app,
        post_raw("/api/evidence/import?format=zeek&name=conn.log&incident=INC-3", &conn_log(), Auth::Bearer(&m)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json(&r);
    assert_eq!(v["recorded"], json!({"incident": "INC-3", "events": [before + 1]}));
    let inc = json(&send(&app, get("/api/incidents/INC-3", Auth::Bearer(&m))).await);
    assert!(inc.to_string().contains("evidence \\\"zeek import: conn.log\\\" (network-capture"), "{inc}");
    let panels = json(&send(&app, get("/api/incidents/INC-3/panels", Auth::Bearer(&m))).await).to_string();
    assert!(panels.contains(&sha) && panels.contains("10 activities (2 bad lines)"), "{panels}");
    assert!(logged(&app, "mgarcia", "import-evidence", "INC-3", "ok").await);

    // A hypothesis the incident does not have: 400, nothing written.
    let r = send(
        &app,
        post_raw("/api/evidence/import?format=zeek&incident=INC-3&supports=99", &conn_log(), Auth::Bearer(&m)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("#99 is not a hypothesis of INC-3"), "{}", r.body);
    // A hypothesis it has: the evidence, then the update linking it.
    let r = send(
        &app,
        post_json(
            "/api/incidents/INC-3/entries",
            "{\"entry\": \"hypothesis\", \"statement\": \"A vendor session wrote to the PLCs\"}",
            Auth::Bearer(&m),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let h = head(&app, "INC-3").await;
    let r = send(
        &app,
        post_raw(
            &format!("/api/evidence/import?format=zeek&incident=INC-3&refutes={h}"),
            &conn_log(),
            Auth::Bearer(&m),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["recorded"]["events"], json!([h + 1, h + 2]));

    // Bad input: 400 naming what, nothing written.
    let n = head(&app, "INC-3").await;
    for (uri, body, says) in [
        ("/api/evidence/import?incident=INC-3", conn_log(), "format"),
        ("/api/evidence/import?format=pcap&incident=INC-3", conn_log(), "format: \"pcap\" is not a format"),
        ("/api/evidence/import?format=zeek&incident=INC-3", String::new(), "the body is empty"),
        (
            "/api/evidence/import?format=suricata&incident=INC-3",
            "not json\nneither\n".into(),
            "nothing in the body reads as suricata: upload:1:",
        ),
        ("/api/evidence/import?format=zeek&supports=1", conn_log(), "only with incident"),
    ] {
        let r = send(&app, post_raw(uri, &body, Auth::Bearer(&m))).await;
        assert!(bad_input(r.status), "{uri}: {} {}", r.status, r.body);
        assert!(error(&r).contains(says), "{uri}: {}", r.body);
    }
    assert_eq!(head(&app, "INC-3").await, n, "nothing written");

    // A private incident: a member records on it; to anyone else it does not exist (404, logged).
    let t = token(&app, "tnguyen").await;
    let r =
        send(&app, post_raw("/api/evidence/import?format=zeek&incident=INC-1", &conn_log(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::CREATED, "a member: {}", r.body);
    let before = head(&app, "INC-1").await;
    let p = token(&app, "psharma").await;
    let r =
        send(&app, post_raw("/api/evidence/import?format=zeek&incident=INC-1", &conn_log(), Auth::Bearer(&p))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(json(&r), json!({"error": "no incident INC-1"}));
    let r2 =
        send(&app, post_raw("/api/evidence/import?format=zeek&incident=INC-404", &conn_log(), Auth::Bearer(&p))).await;
    assert_eq!((r2.status, json(&r2)), (StatusCode::NOT_FOUND, json!({"error": "no incident INC-404"})));
    assert_eq!(head(&app, "INC-1").await, before, "nothing written");
    assert!(logged(&app, "psharma", "import-evidence", "INC-1", NOT_A_MEMBER).await);
}

#[tokio::test]
async fn correlating_judges_every_activity_against_the_work_orders() {
    let app = app().await;
    let e = token(&app, "eschmidt").await;
    let body = work("WO-1", "plc-filt-01", "Backwash timer")
        .replace("14:00:00Z", "09:00:00Z")
        .replace("16:00:00Z", "11:00:00Z");
    assert_eq!(send(&app, post_json("/api/work-orders", &body, Auth::Bearer(&e))).await.status, StatusCode::CREATED);
    let flows = "time,src,dst,dst_port,protocol,operation\n\
                 2026-11-26T09:30:00Z,10.30.2.30,10.30.13.10,502,modbus,write_multiple_registers\n\
                 2026-11-26T11:30:00Z,10.30.2.30,10.30.13.10,502,modbus,write_multiple_registers\n";
    let t = token(&app, "tnguyen").await;
    let r = send(&app, post_raw("/api/evidence/correlate?format=csv", flows, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let a = v["activities"].as_array().unwrap();
    assert_eq!(a.len(), 2, "{v}");
    assert_eq!(
        (a[0]["verdict"].as_str(), a[0]["explanation"].as_str()),
        (Some("authorised"), Some("authorised by work order WO-1"))
    );
    assert_eq!(a[1]["verdict"], "partially-authorised");
    assert!(a[1]["explanation"].as_str().unwrap().contains("outside its window"), "{v}");
    assert_eq!(
        keys(&a[0]),
        [
            "changes_control",
            "dst",
            "dst_asset",
            "dst_port",
            "explanation",
            "line",
            "operation",
            "protocol",
            "src",
            "src_asset",
            "start",
            "user",
            "verdict"
        ]
    );
    assert_eq!(v["summary"]["authorised"], 1);
    let r = send(&app, post_raw("/api/evidence/correlate?format=csv&incident=INC-3", flows, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn every_records_route_refuses_the_signed_out_and_the_csrf_less() {
    let app = app().await;
    let (cookie, _) = sign_in(&app, "mgarcia").await;
    let doc: Value = serde_json::from_str(&server::openapi_json()).unwrap();
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !["/api/work-orders", "/api/vendor-", "/api/evidence/"].iter().any(|p| path.starts_with(p)) {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            n += 1;
            let uri = path.replace("{id}", "X");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = send(&app, request(m.clone(), &uri, Auth::Nobody).body(Body::empty()).unwrap()).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{m} {uri}: {}", r.body);
            if m == Method::POST {
                let r = send(&app, post_raw(&uri, "{}", Auth::Session(&cookie, None))).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF {m} {uri}: {}", r.body);
            }
        }
    }
    assert_eq!(n, 13, "the records routes");
    for kind in ["work", "grant", store::sessions::SESSION] {
        assert!(app.store.records(kind).await.unwrap().is_empty(), "{kind}");
    }
}

/// Remote-access gateways report sessions as they open and close; the
/// register of those open now is the one a session log file gives, and the
/// vendor access page shows them, unauthorised first, with their kill switch.
#[tokio::test]
async fn gateways_report_sessions_live_and_the_board_shows_those_open_with_their_kill_switch() {
    let app = app().await;
    let k = token(&app, "kpowell").await;
    let r = send(&app, post_raw("/api/vendor-sessions/report", SESSIONS, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let reported = v.as_array().unwrap();
    assert_eq!(reported.len(), 4);
    assert!(reported.iter().all(|s| s["rev"] == 1), "{v}");
    assert_eq!(reported.iter().filter(|s| s["ended"] == true).count(), 1, "{v}");
    // The live register: the three open at the server's time, exactly as from the log file.
    let live = send(&app, get("/api/vendor-sessions", Auth::Bearer(&k))).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    let from_file = send(&app, post_raw("/api/vendor-sessions", SESSIONS, Auth::Bearer(&k))).await;
    let mut expected = json(&from_file).as_array().unwrap().clone();
    expected.sort_by(|a, b| a["since"].as_str().cmp(&b["since"].as_str()));
    assert_eq!(json(&live), Value::Array(expected), "oldest first");
    assert_eq!(json(&live).as_array().unwrap().len(), 3);
    // The same lines again: nothing new. The first session's end: a second revision, and it is gone.
    let r = send(&app, post_raw("/api/vendor-sessions/report", SESSIONS, Auth::Bearer(&k))).await;
    assert!(json(&r).as_array().unwrap().iter().all(|s| s["rev"].is_null()), "{}", r.body);
    let first = SESSIONS.lines().next().unwrap().replace("\"end\":null", "\"end\":\"2026-11-26T14:08:00Z\"");
    let r = send(&app, post_raw("/api/vendor-sessions/report", &first, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((json(&r)[0]["rev"].as_u64(), json(&r)[0]["ended"].as_bool()), (Some(2), Some(true)));
    assert_eq!(json(&r)[0]["id"], reported[0]["id"], "the same session: same user, source, target, pathway, start");
    let live = json(&send(&app, get("/api/vendor-sessions", Auth::Bearer(&k))).await);
    let users: Vec<&str> = live.as_array().unwrap().iter().map(|s| s["user"].as_str().unwrap()).collect();
    assert_eq!(users, ["rcs_upgrade2019", "CORP\\eschmidt"]);
    // A line that does not read: refused by number, nothing recorded.
    let bad = format!("{first}\n{{\"target\":\"ews-01\",\"start\":\"2026-11-26T14:09:00Z\",\"user\":7}}\n");
    let r = send(&app, post_raw("/api/vendor-sessions/report", &bad, Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("line 2: field user"), "{}", r.body);
    assert_eq!(app.store.records(store::sessions::SESSION).await.unwrap().len(), 4);
    // A vendor's person does not report sessions (their own or anyone's).
    let j = token(&app, "jpark").await;
    let r = send(&app, post_raw("/api/vendor-sessions/report", SESSIONS, Auth::Bearer(&j))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(logged(&app, "kpowell", "report-vendor-sessions", "vendor-sessions", "ok: 1 line(s), 1 recorded").await);
    assert!(
        logged(&app, "jpark", "report-vendor-sessions", "vendor-sessions", "refused: jpark is a vendor's person").await
    );

    // The incident's vendor access: the unauthorised session first, with the kill switch of the pathways reaching it.
    let m = token(&app, "mgarcia").await;
    let r = send(&app, get("/api/incidents/INC-3/vendor-access", Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sessions = json(&r)["sessions"].clone();
    assert_eq!(sessions[0]["user"], "rcs_upgrade2019");
    assert_eq!(sessions[0]["verdict"], "unauthorised");
    let kill = sessions[0]["kill_switches"][0].as_str().unwrap().to_string();
    assert!(kill.starts_with("revoke-vendor-access pathway:"), "{sessions}");
    let (cookie, _) = sign_in(&app, "mgarcia").await;
    let page = send(&app, get("/incidents/INC-3/vendors", Auth::Session(&cookie, None))).await;
    assert_eq!(page.status, StatusCode::OK);
    let connected = &page.body[page.body.find("Connected now").unwrap()..page.body.find("<h2>Pathways").unwrap()];
    assert!(connected.contains("rcs_upgrade2019") && connected.contains("unauthorised"), "{connected}");
    assert!(connected.contains(&format!("value=\"{kill}\"")), "{connected}");
}
