//! The incident's record as a document over the API, on a real SQLite store
//! and the example site: the export (JSON that verifies offline, Markdown),
//! the verification of the stored chain, the offline verification of an
//! export handed in, and signed checkpoints (what to sign, signed here with a
//! fixed key as a key holder would offline, recorded through the write
//! path); who may do each, the access log, and the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::*;
use incident::{Digest, checkpoint};
use serde_json::{Value, json};
use store::Store;

/// The key holder's secret (fixed, so the test is reproducible) and another key.
const SECRET: [u8; 32] = [7; 32];
const OTHER: [u8; 32] = [9; 32];

fn error(r: &Reply) -> String {
    json(r)["error"].as_str().unwrap_or_default().to_string()
}

fn key_hex(secret: &[u8; 32]) -> String {
    checkpoint::key_hex(&checkpoint::public_key(secret))
}

/// The export of `id` as `who` (a bearer token), checked as a download.
async fn export_json(app: &App, id: &str, t: &str) -> Value {
    let r = send(app, get(&format!("/api/incidents/{id}/export"), Auth::Bearer(t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(r.headers[header::CONTENT_DISPOSITION], format!("attachment; filename=\"{id}.json\"").as_str());
    json(&r)
}

async fn verify_offline(app: &App, t: &str, body: Value) -> Reply {
    send(app, post_json("/api/verify", &body.to_string(), Auth::Bearer(t))).await
}

/// What to sign now on `id`: (seq, head).
async fn to_sign(app: &App, id: &str, t: &str) -> (u64, Digest, Value) {
    let r = send(app, get(&format!("/api/incidents/{id}/checkpoints"), Auth::Bearer(t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let s = &v["to_sign"];
    (s["seq"].as_u64().unwrap(), Digest::parse(s["head"].as_str().unwrap()).unwrap(), v)
}

/// A checkpoint file signing `id` at (seq, head) with `secret`, as `interlock incident sign` writes it.
fn signed(secret: &[u8; 32], id: &str, seq: u64, head: Digest) -> Value {
    report::export::checkpoint_file(id, &checkpoint::sign(secret, id, seq, head))
}

#[tokio::test]
async fn the_export_is_the_clis_and_verifies_offline_and_a_tampered_one_names_the_event() {
    let app = app().await;
    let t = token(&app, "tnguyen").await;
    let doc = export_json(&app, "INC-1", &t).await;
    // Exactly what `interlock incident export` writes: report::export over the stored record.
    let inc = store::load(&*app.store, "INC-1").await.unwrap().unwrap();
    let r = send(&app, get("/api/incidents/INC-1/export?format=json", Auth::Bearer(&t))).await;
    assert_eq!(r.body, serde_json::to_string_pretty(&report::export::export_json(&inc)).unwrap() + "\n");
    assert_eq!(doc["format"], "interlock-incident-export");
    assert_eq!(doc["incident"]["id"], "INC-1");
    assert_eq!(doc["events"].as_array().unwrap().len() as u64, head(&app, "INC-1").await);
    assert!(doc["events"][0]["encoding"].as_str().unwrap().len() > 10, "{doc}");

    let r = verify_offline(&app, &t, json!({ "export": doc })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["incident"], "INC-1");
    assert_eq!(v["events"], 9);
    assert_eq!(v["head"], inc.head().to_string());
    assert_eq!(v["problems"], json!([]));
    assert_eq!(v["checkpoints_matched"], 0);

    // One event's text changed: its readable fields no longer say what its encoding says.
    let mut forged = doc.clone();
    let note = forged["events"].as_array_mut().unwrap().iter_mut().find(|e| e["kind"] == "note").unwrap();
    let seq = note["seq"].as_u64().unwrap();
    note["body"]["text"] = json!("the badge logs point at nobody");
    let v = json(&verify_offline(&app, &t, json!({ "export": forged })).await);
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!((v["events"].clone(), v["head"].clone()), (Value::Null, Value::Null));
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{v}");
    let p = problems[0].as_str().unwrap();
    assert!(p.contains(&format!("event {seq}")) && p.contains("encoding"), "{p}");
    // The head changed: the chain no longer ends where the export says.
    let mut forged = doc.clone();
    forged["incident"]["head"] = json!(format!("sha256:{}", "0".repeat(64)));
    let v = json(&verify_offline(&app, &t, json!({ "export": forged })).await);
    assert_eq!(v["ok"], false, "{v}");
    // Not an export at all.
    let v = json(&verify_offline(&app, &t, json!({ "export": { "format": "something else" } })).await);
    assert_eq!(v["ok"], false);
    assert!(v["problems"][0].as_str().unwrap().contains("not an Interlock incident export"), "{v}");
}

#[tokio::test]
async fn the_markdown_export_is_the_readable_timeline() {
    let app = app().await;
    let t = token(&app, "mgarcia").await;
    let r = send(&app, get("/api/incidents/INC-1/export?format=markdown", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/markdown; charset=utf-8");
    assert_eq!(r.headers[header::CONTENT_DISPOSITION], "attachment; filename=\"INC-1.md\"");
    assert!(r.body.starts_with("# INC-1: Insider on the SCADA network\n"), "{}", r.body);
    assert!(r.body.contains("| Events | 9 |"), "{}", r.body);
    assert!(r.body.contains("**#9**") && r.body.contains("the badge logs point at a contractor"), "{}", r.body);
    let inc = store::load(&*app.store, "INC-1").await.unwrap().unwrap();
    assert_eq!(r.body, report::export::markdown(&inc, Some(&app.site)));
    // People by name, from the site model.
    assert!(r.body.contains("(mgarcia)"), "{}", r.body);
    // An unknown format is named; nothing is exported.
    let r = send(&app, get("/api/incidents/INC-1/export?format=pdf", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).starts_with("format: \"pdf\""), "{}", r.body);
    let log = app.store.access_log(1000).await.unwrap();
    assert_eq!(log.iter().filter(|a| a.action == "export-incident").count(), 1, "only the markdown export");
}

#[tokio::test]
async fn every_export_is_in_the_access_log_and_a_non_member_exports_nothing() {
    let app = app().await;
    let m = token(&app, "mgarcia").await;
    let e = token(&app, "eschmidt").await;
    export_json(&app, "INC-1", &m).await;
    let r = send(&app, get("/api/incidents/INC-1/export?format=markdown", Auth::Bearer(&e))).await;
    assert_eq!(r.status, StatusCode::OK);
    // An open incident's export is recorded too.
    export_json(&app, "INC-3", &e).await;

    // psharma is not a member of INC-1: it does not exist for them.
    let p = token(&app, "psharma").await;
    for route in ["/api/incidents/{id}/export", "/api/incidents/{id}/verify", "/api/incidents/{id}/checkpoints"] {
        let hidden = send(&app, get(&route.replace("{id}", "INC-1"), Auth::Bearer(&p))).await;
        let missing = send(&app, get(&route.replace("{id}", "INC-404"), Auth::Bearer(&p))).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{route}: {}", hidden.body);
        assert_eq!(hidden.body, missing.body.replace("INC-404", "INC-1"), "{route}");
        assert!(!hidden.body.contains("Insider"), "{}", hidden.body);
    }

    let log = app.store.access_log(1000).await.unwrap();
    let exports: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|a| a.action == "export-incident")
        .map(|a| (a.username.as_str(), a.target.as_str(), a.outcome.as_str()))
        .collect();
    assert_eq!(exports.len(), 4, "{exports:?}");
    for (who, id, format) in
        [("mgarcia", "INC-1", "json"), ("eschmidt", "INC-1", "markdown"), ("eschmidt", "INC-3", "json")]
    {
        assert!(
            exports.iter().any(|(u, t, o)| *u == who && *t == id && o.starts_with(&format!("ok: {format},"))),
            "{who} {id} {format}: {exports:?}"
        );
    }
    // The refused attempt is there; no export by psharma is.
    assert!(exports.contains(&("psharma", "INC-1", NOT_A_MEMBER)), "{exports:?}");
    assert!(!exports.iter().any(|(u, _, o)| *u == "psharma" && o.starts_with("ok")), "{exports:?}");
}

#[tokio::test]
async fn the_stored_chain_verifies_and_a_broken_one_is_an_answer() {
    let app = app().await;
    let t = token(&app, "eschmidt").await;
    let r = send(&app, get("/api/incidents/INC-1/verify", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    let inc = store::load(&*app.store, "INC-1").await.unwrap().unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["incident"], "INC-1");
    assert_eq!(v["events"], 9);
    assert_eq!(v["head"], inc.head().to_string());
    assert_eq!((v["checkpoints"].clone(), v["problems"].clone()), (json!([]), json!([])));
    let log = app.store.access_log(1000).await.unwrap();
    assert!(log.iter().any(|a| a.username == "eschmidt"
        && a.action == "verify-incident"
        && a.target == "INC-1"
        && a.outcome == "ok: verifies"));
    // A malformed key to trust is named.
    let r = send(&app, get("/api/incidents/INC-1/verify?trust=abc", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).starts_with("trust:"), "{}", r.body);

    // Someone with write access to the database appends a row that does not chain (INC-3: open).
    let inc3 = store::load(&*app.store, "INC-3").await.unwrap().unwrap();
    let note = incident::Body::Note(incident::Note { text: "slipped in".into(), domain: None });
    let event = inc3.next_event("mgarcia", at(5), note);
    let sealed = incident::seal(&event, &Digest::ZERO).unwrap();
    app.store.append("INC-3", inc3.seq(), &[sealed]).await.unwrap();
    // An administrator is told what does not verify (200: the answer is the verification).
    let admin = token(&app, "mgarcia").await;
    let r = send(&app, get("/api/incidents/INC-3/verify", Auth::Bearer(&admin))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["events"], Value::Null);
    let p = v["problems"][0].as_str().unwrap();
    assert!(p.contains("event 3 does not match"), "{p}");
    let log = app.store.access_log(1000).await.unwrap();
    assert!(log.iter().any(|a| a.username == "mgarcia"
        && a.action == "verify-incident"
        && a.target == "INC-3"
        && a.outcome.starts_with("ok: FAILED: ")
        && a.outcome.contains("event 3")));
    // A record that does not load cannot say whether it is private: to others it does not exist.
    let r = send(&app, get("/api/incidents/INC-3/verify", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_checkpoint_signed_offline_is_recorded_and_listed_and_verifies() {
    let app = app().await;
    let (cookie, csrf) = sign_in(&app, "tnguyen").await;
    let t = token(&app, "tnguyen").await;
    let (seq, head_hash, v) = to_sign(&app, "INC-1", &t).await;
    let inc = store::load(&*app.store, "INC-1").await.unwrap().unwrap();
    assert_eq!((seq, head_hash), (9, inc.head()));
    assert_eq!(v["checkpoints"], json!([]));
    assert_eq!(v["to_sign"]["incident"], "INC-1");
    // The bytes a key signs: the key holder can check them before signing.
    let message = checkpoint::message("INC-1", 9, &inc.head());
    assert_eq!(v["to_sign"]["message"], report::export::hex(&message));
    assert!(
        v["to_sign"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&report::export::hex(b"interlock-checkpoint-v1\0INC-1\0"))
    );

    let file = signed(&SECRET, "INC-1", seq, head_hash);
    // A session's post needs its CSRF token: refused without it, nothing written.
    let uri = "/api/incidents/INC-1/checkpoints";
    let r = send(&app, post_json(uri, &file.to_string(), Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(head(&app, "INC-1").await, 9);
    let r = send(&app, post_json(uri, &file.to_string(), Auth::Session(&cookie, Some(&csrf)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rec = json(&r);
    assert_eq!(rec["event"], 10, "{rec}");
    assert_eq!((rec["seq"].clone(), rec["head"].clone()), (json!(9), json!(head_hash.to_string())));
    assert_eq!(rec["public_key"], key_hex(&SECRET));
    assert_eq!(rec["recorded_by"], "tnguyen");
    assert_eq!(head(&app, "INC-1").await, 10);

    // The event is on the timeline and in the list of checkpoints; what to sign has moved on.
    let board = json(&send(&app, get("/api/incidents/INC-1", Auth::Bearer(&t))).await);
    let last = board["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["seq"].clone(), last["kind"].clone()), (json!(10), json!("checkpoint")), "{last}");
    let (seq, _, v) = to_sign(&app, "INC-1", &t).await;
    assert_eq!(seq, 10);
    let listed = v["checkpoints"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{v}");
    assert_eq!(listed[0]["event"], 10);
    assert_eq!(listed[0]["seq"], 9);
    assert_eq!(listed[0]["signature"], file["signature"]);
    let log = app.store.access_log(1000).await.unwrap();
    assert!(log.iter().any(|a| a.username == "tnguyen"
        && a.action == "record-checkpoint"
        && a.target == "INC-1"
        && a.outcome == "ok"));

    // The stored chain carries it; with the key trusted it verifies, with another it does not.
    let v = json(&send(&app, get("/api/incidents/INC-1/verify", Auth::Bearer(&t))).await);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checkpoints"], json!([{ "seq": 9, "head": head_hash.to_string(), "public_key": key_hex(&SECRET) }]));
    let uri = format!("/api/incidents/INC-1/verify?trust={}", key_hex(&SECRET));
    assert_eq!(json(&send(&app, get(&uri, Auth::Bearer(&t))).await)["ok"], true);
    let uri = format!("/api/incidents/INC-1/verify?trust={}", key_hex(&OTHER));
    let v = json(&send(&app, get(&uri, Auth::Bearer(&t))).await);
    assert_eq!(v["ok"], false, "{v}");
    assert!(
        v["problems"][0].as_str().unwrap().contains("no checkpoint of INC-1 is signed with the trusted key"),
        "{v}"
    );

    // Offline: the export with the checkpoint file, the key trusted or another.
    let doc = export_json(&app, "INC-1", &t).await;
    let r = verify_offline(&app, &t, json!({ "export": doc, "checkpoints": [file], "trust": key_hex(&SECRET) })).await;
    let v = json(&r);
    assert_eq!((v["ok"].clone(), v["checkpoints_matched"].clone()), (json!(true), json!(1)), "{v}");
    assert_eq!(v["events"], 10);
    let r = verify_offline(&app, &t, json!({ "export": doc, "checkpoints": [file], "trust": key_hex(&OTHER) })).await;
    let v = json(&r);
    assert_eq!((v["ok"].clone(), v["checkpoints_matched"].clone()), (json!(false), json!(0)), "{v}");
    let problems: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(
        problems.iter().any(|p| p.starts_with("no checkpoint of INC-1 is signed with the trusted key")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.starts_with("checkpoint checkpoints[0]: ")), "{problems:?}");
    // A file whose head was altered does not verify; one of another incident is named.
    let mut altered = file.clone();
    altered["head"] = json!(format!("sha256:{}", "0".repeat(64)));
    let other = signed(&SECRET, "INC-3", 2, Digest::ZERO);
    let v = json(&verify_offline(&app, &t, json!({ "export": doc, "checkpoints": [file, altered, other] })).await);
    assert_eq!((v["ok"].clone(), v["checkpoints_matched"].clone()), (json!(false), json!(1)), "{v}");
    let problems: Vec<&str> = v["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(
        problems.contains(
            &format!("checkpoint checkpoints[1]: the signature does not verify with key {}", key_hex(&SECRET)).as_str()
        ),
        "{problems:?}"
    );
    assert!(problems.contains(&"checkpoint checkpoints[2] is of incident INC-3, the export of INC-1"), "{problems:?}");
}

#[tokio::test]
async fn a_stale_bad_or_foreign_checkpoint_is_refused_and_nothing_written() {
    let app = app().await;
    let t = token(&app, "eschmidt").await;
    let uri = "/api/incidents/INC-1/checkpoints";
    let (seq, head_hash, _) = to_sign(&app, "INC-1", &t).await;
    let file = signed(&SECRET, "INC-1", seq, head_hash);

    // A bad signature: named.
    let mut bad = file.clone();
    let sig = bad["signature"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if sig.starts_with('0') { '1' } else { '0' }, &sig[1..]);
    bad["signature"] = json!(flipped);
    let r = send(&app, post_json(uri, &bad.to_string(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).starts_with("signature: the signature does not verify"), "{}", r.body);
    // A checkpoint of another incident.
    let (seq3, head3, _) = to_sign(&app, "INC-3", &t).await;
    let r = send(&app, post_json(uri, &signed(&SECRET, "INC-3", seq3, head3).to_string(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(error(&r), "incident: the checkpoint is of incident INC-3, not INC-1");
    // Not a checkpoint file; not JSON.
    let r = send(&app, post_json(uri, r#"{"seq": 9}"#, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("not an Interlock checkpoint"), "{}", r.body);
    let r = send(&app, post_json(uri, "{", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(head(&app, "INC-1").await, 9, "nothing was written");

    // Someone appends after the head was shown: the signed head is no longer the head.
    record(
        &app,
        "INC-1",
        "mgarcia",
        5,
        vec![incident::Body::Note(incident::Note { text: "later".into(), domain: None })],
    )
    .await;
    let r = send(&app, post_json(uri, &file.to_string(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(error(&r).starts_with("a checkpoint signs the head it follows: #10 "), "{}", r.body);
    assert_eq!(head(&app, "INC-1").await, 10, "nothing was written");
    let log = app.store.access_log(1000).await.unwrap();
    let attempts: Vec<&str> = log
        .iter()
        .filter(|a| a.action == "record-checkpoint" && a.username == "eschmidt")
        .map(|a| a.outcome.as_str())
        .collect();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert!(attempts.iter().all(|o| o.starts_with("refused: ")), "{attempts:?}");
    // Signed again at the new head, it is recorded.
    let (seq, head_hash, _) = to_sign(&app, "INC-1", &t).await;
    let r = send(&app, post_json(uri, &signed(&SECRET, "INC-1", seq, head_hash).to_string(), Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["event"], 11);
}

#[tokio::test]
async fn offline_verification_refuses_what_does_not_read() {
    let app = app().await;
    let t = token(&app, "dokafor").await;
    // dokafor is a member of no incident: verifying an export reads nothing stored.
    let doc = export_json(&app, "INC-3", &t).await;
    let v = json(&verify_offline(&app, &t, json!({ "export": doc })).await);
    assert_eq!(v["ok"], true, "{v}");
    for (body, status, says) in [
        ("not json".to_string(), StatusCode::BAD_REQUEST, ""),
        (json!({ "checkpoints": [] }).to_string(), StatusCode::BAD_REQUEST, "export"),
        (json!({ "export": null }).to_string(), StatusCode::BAD_REQUEST, "export: required"),
        (
            json!({ "export": doc, "checkpoints": [{ "format": "interlock-checkpoint", "incident": "INC-3" }] })
                .to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "checkpoints[0]: no seq",
        ),
        (
            json!({ "export": doc, "checkpoints": [{ "format": "x" }] }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "checkpoints[0]: not an Interlock checkpoint",
        ),
        (
            json!({ "export": doc, "trust": "xyz" }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "trust: not an ed25519 public key",
        ),
    ] {
        let r = send(&app, post_json("/api/verify", &body, Auth::Bearer(&t))).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(error(&r).contains(says), "{body}: {}", r.body);
    }
    // An export is larger than most bodies: 3 MB is taken here (the checkpoint route keeps the 2 MB limit).
    let padding = "a".repeat(3 << 20);
    let big = json!({ "export": doc, "padding": padding }).to_string();
    let r = send(&app, post_json("/api/verify", &big, Auth::Bearer(&t))).await;
    assert_eq!((r.status, json(&r)["ok"].clone()), (StatusCode::OK, json!(true)));
    let r = send(&app, post_json("/api/incidents/INC-3/checkpoints", &big, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    // Not JSON at all (another media type).
    let req = request(Method::POST, "/api/verify", Auth::Bearer(&t))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(doc.to_string()))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A session's post needs its CSRF token.
    let (cookie, csrf) = sign_in(&app, "dokafor").await;
    let body = json!({ "export": doc }).to_string();
    let r = send(&app, post_json("/api/verify", &body, Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, post_json("/api/verify", &body, Auth::Session(&cookie, Some(&csrf)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["ok"], true);
}

#[tokio::test]
async fn every_route_refuses_the_signed_out() {
    let app = app().await;
    let t = token(&app, "mgarcia").await;
    let (seq, head_hash, _) = to_sign(&app, "INC-1", &t).await;
    let file = signed(&SECRET, "INC-1", seq, head_hash).to_string();
    let doc = export_json(&app, "INC-1", &t).await;
    let offline = json!({ "export": doc }).to_string();
    for auth in [Auth::Nobody, Auth::Session("a-made-up-session", Some("x")), Auth::Bearer("ilk_0000")] {
        for uri in [
            "/api/incidents/INC-1/export",
            "/api/incidents/INC-1/export?format=markdown",
            "/api/incidents/INC-1/verify",
            "/api/incidents/INC-1/checkpoints",
        ] {
            let r = send(&app, get(uri, auth)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "GET {uri}: {}", r.body);
            assert!(!r.body.contains("Insider") && !r.body.contains("interlock-incident-export"), "{}", r.body);
        }
        for (uri, body) in [("/api/incidents/INC-1/checkpoints", &file), ("/api/verify", &offline)] {
            let r = send(&app, post_json(uri, body, auth)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "POST {uri}: {}", r.body);
        }
    }
    assert_eq!(head(&app, "INC-1").await, 9, "nothing was written");
    let log = app.store.access_log(1000).await.unwrap();
    assert_eq!(log.iter().filter(|a| a.action == "export-incident").count(), 1, "only mgarcia's export");
}
