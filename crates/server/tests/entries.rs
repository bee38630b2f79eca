#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Recording in an incident through the API (`POST /api/incidents/{id}/entries`)
//! and opening one (`POST /api/incidents`): the same events the CLI records,
//! under the same rules, with malformed fields named and nothing written.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use store::Store;

async fn post(app: &App, uri: &str, body: Value, who: &str) -> Reply {
    let t = token(app, who).await;
    send(app, post_json(uri, &body.to_string(), Auth::Bearer(&t))).await
}

/// Records `body` in INC-3 as `who`, expecting 201: the new events.
async fn recorded(app: &App, who: &str, body: Value) -> Vec<Value> {
    let r = post(app, "/api/incidents/INC-3/entries", body.clone(), who).await;
    assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.body);
    let v = json(&r);
    assert_eq!(v["incident"]["id"], "INC-3");
    v["events"].as_array().unwrap().clone()
}

/// Records `body` in INC-3 as `who`, expecting `status`: the error, and nothing written.
async fn refused(app: &App, who: &str, body: Value, status: StatusCode) -> String {
    let before = head(app, "INC-3").await;
    let r = post(app, "/api/incidents/INC-3/entries", body.clone(), who).await;
    assert_eq!(r.status, status, "{body}: {}", r.body);
    assert_eq!(head(app, "INC-3").await, before, "{body}: nothing written");
    json(&r)["error"].as_str().unwrap().to_string()
}

async fn event(app: &App, seq: u64) -> incident::Event {
    let inc = store::load(&*app.store, "INC-3").await.unwrap().unwrap();
    inc.event(seq).unwrap().clone()
}

#[tokio::test]
async fn the_timeline_entries_are_recorded_as_the_cli_records_them() {
    let app = app().await;
    let note =
        recorded(&app, "tnguyen", json!({"entry": "note", "text": "vendor VPN logs pulled", "domain": "it"})).await;
    assert_eq!(note.len(), 1);
    assert_eq!(note[0]["kind"], "note");
    assert_eq!(note[0]["actor"], "tnguyen");
    assert_eq!(note[0]["domain"], "it");
    assert!(note[0]["summary"].as_str().unwrap().contains("vendor VPN logs pulled"), "{note:?}");

    // An observation's domain comes from its assets when not given.
    let obs = recorded(
        &app,
        "eschmidt",
        json!({"entry": "observation", "text": "HMI mouse moved by itself", "observed_at": "2026-11-26T07:45:00-06:00", "assets": ["ews-01"]}),
    )
    .await;
    let incident::Body::Observation(o) = event(&app, obs[0]["seq"].as_u64().unwrap()).await.body else { panic!() };
    assert_eq!(o.domain, Some(site_model::Domain::Ot));
    assert_eq!(o.observed_at, incident::Timestamp::parse("2026-11-26T07:45:00-06:00").unwrap());

    // Evidence defaults to the caller collecting it now; custody passes it on from them.
    let sha = "ab".repeat(32);
    let ev = recorded(
        &app,
        "tnguyen",
        json!({"entry": "evidence", "title": "VPN concentrator log", "source": "log", "sha256": sha, "assets": ["fw-idmz-ext-01"]}),
    )
    .await;
    let ev_seq = ev[0]["seq"].as_u64().unwrap();
    let incident::Body::EvidenceCollected(e) = event(&app, ev_seq).await.body else { panic!() };
    assert_eq!(&*e.collected_by, "tnguyen");
    assert_eq!(e.collected_at.micros(), at(10).micros(), "the server's clock");
    let cust = recorded(
        &app,
        "tnguyen",
        json!({"entry": "custody", "evidence": ev_seq, "to": "psharma", "reason": "to forensics"}),
    )
    .await;
    let incident::Body::CustodyTransferred(c) = event(&app, cust[0]["seq"].as_u64().unwrap()).await.body else {
        panic!()
    };
    assert_eq!((&*c.from, &*c.to), ("tnguyen", "psharma"));

    // A hypothesis, updated with the evidence; a task made from it takes its title.
    let h = recorded(&app, "tnguyen", json!({"entry": "hypothesis", "statement": "the vendor account was phished"}))
        .await[0]["seq"]
        .as_u64()
        .unwrap();
    recorded(
        &app,
        "tnguyen",
        json!({"entry": "hypothesis-update", "hypothesis": h, "status": "supported", "reason": "logins from abroad", "evidence_for": [ev_seq]}),
    )
    .await;
    let task = recorded(&app, "tnguyen", json!({"entry": "task", "hypothesis": h, "owner": "tnguyen"})).await;
    assert!(
        task[0]["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("validate hypothesis #{h}: the vendor account was phished")),
        "{task:?}"
    );
    let t = task[0]["seq"].as_u64().unwrap();
    recorded(&app, "tnguyen", json!({"entry": "task-update", "task": t, "status": "done", "note": "confirmed"})).await;
    let inc = store::load(&*app.store, "INC-3").await.unwrap().unwrap();
    assert_eq!(inc.work.tasks[&t].status, incident::TaskStatus::Done);

    // A decision, its choice by number; a correction of the note; the access log names each.
    let d = recorded(
        &app,
        "mgarcia",
        json!({"entry": "decision", "title": "Keep the line running", "options": ["stop", "run"], "choice": "2",
               "rationale": "no sign of control loss", "dissent": [{"person": "eschmidt", "text": "stop to be sure"}]}),
    )
    .await;
    let incident::Body::DecisionRecorded(dec) = event(&app, d[0]["seq"].as_u64().unwrap()).await.body else { panic!() };
    assert_eq!(dec.choice, 1);
    assert_eq!(&*dec.decided_by[0], "mgarcia");
    assert_eq!(dec.site_version, incident::Digest::parse(app.site.version()).unwrap(), "reproducible");
    let fix = recorded(
        &app,
        "tnguyen",
        json!({"entry": "correction", "event": note[0]["seq"], "reason": "typo", "text": "vendor VPN logs pulled (2 days)"}),
    )
    .await;
    assert_eq!(fix[0]["kind"], "correction");
    let log = app.store.access_log(1000).await.unwrap();
    for what in ["record-note", "record-observation", "record-evidence", "record-decision", "record-correction"] {
        assert!(log.iter().any(|a| a.action == what && a.target == "INC-3" && a.outcome == "ok"), "{what}");
    }
}

#[tokio::test]
async fn a_status_change_is_several_events_and_the_rules_decide_who() {
    let app = app().await;
    let ev = recorded(
        &app,
        "mgarcia",
        json!({"entry": "status", "severity": "critical", "phase": "contain", "process_state": "abnormal",
               "view": "in-question", "reason": "HMI shows values the field does not"}),
    )
    .await;
    let kinds: Vec<&str> = ev.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["severity", "phase", "situation"]);
    let inc = store::load(&*app.store, "INC-3").await.unwrap().unwrap();
    assert_eq!(inc.severity, incident::Severity::Critical);
    // A vendor's engineer may not: 403 with the rule's words.
    let why = refused(
        &app,
        "jpark",
        json!({"entry": "status", "severity": "low", "reason": "looks fine"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(why.contains("jpark may not change the severity"), "{why}");
    // Nothing to change; the same severity again.
    let why =
        refused(&app, "mgarcia", json!({"entry": "status", "reason": "x"}), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(why.contains("nothing to change"), "{why}");
    let why = refused(
        &app,
        "mgarcia",
        json!({"entry": "status", "severity": "critical", "reason": "x"}),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(why.contains("already critical"), "{why}");
}

#[tokio::test]
async fn malformed_fields_are_named_and_nothing_is_written() {
    let app = app().await;
    for (body, words) in [
        (json!({"entry": "evidence", "title": "x", "source": "rumour"}), "source: \"rumour\" is not one of"),
        (
            json!({"entry": "evidence", "title": "x", "source": "log", "sha256": "abc"}),
            "sha256: \"abc\" is not a SHA-256",
        ),
        (json!({"entry": "observation", "text": "x", "observed_at": "yesterday"}), "observed_at:"),
        (json!({"entry": "note", "text": "x", "domain": "dmz"}), "domain: \"dmz\" is not one of it, ot, shared"),
        (json!({"entry": "status", "severity": "huge", "reason": "x"}), "severity: \"huge\" is not one of low, medium"),
        (
            json!({"entry": "decision", "title": "t", "options": ["a"], "choice": "b", "rationale": "r"}),
            "choice \"b\" is none of the options (a)",
        ),
        (json!({"entry": "custody", "evidence": 2, "to": "psharma", "reason": "r"}), "#2 is not evidence held"),
        (json!({"entry": "task", "owner": "tnguyen"}), "give a title, or create the task from a hypothesis"),
        (json!({"entry": "snooze", "reason": "r", "for": "a while"}), "for: \"a while\" is not a duration"),
        (
            json!({"entry": "recovery-check", "asset": "ews-01", "check": "firmware", "observed": "x"}),
            "no recovery plan",
        ),
        (json!({"entry": "readings", "process": "water", "reading": "x", "field_value": "1"}), "no process \"water\""),
        (json!({"entry": "note", "text": "bad\u{0007}bell"}), "control characters"),
    ] {
        let why = refused(&app, "mgarcia", body.clone(), StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(why.contains(words), "{body}: {why}");
    }
    // Not an entry at all: serde's words, 422; nothing written.
    let why = refused(&app, "mgarcia", json!({"entry": "gossip", "text": "x"}), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(why.contains("unknown variant `gossip`"), "{why}");
    // No such incident: 404.
    let r = post(&app, "/api/incidents/INC-404/entries", json!({"entry": "note", "text": "x"}), "mgarcia").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn opening_an_incident_takes_the_next_id_and_declaring_it_suspends_vendor_access() {
    let app = app().await;
    // tnguyen (IT security, the response team) raises a candidate; the id is the day's next.
    let r = post(
        &app,
        "/api/incidents",
        json!({"title": "Odd RDP at night", "summary": "from the vendor jump host", "severity": "high"}),
        "tnguyen",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json(&r);
    let id = v["incident"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("INC-20261126-"), "{id}");
    assert_eq!(v["incident"]["status"], "candidate");
    assert_eq!(v["incident"]["severity"], "high");
    let second = post(&app, "/api/incidents", json!({"title": "b", "summary": "c"}), "tnguyen").await;
    let id2 = json(&second)["incident"]["id"].as_str().unwrap().to_string();
    assert_ne!(id, id2);
    // A vendor grant in force (not safety-critical) while the commander declares it through the entries route.
    let grant = json!({"id": "G-1", "vendor": "ridgeline", "people": ["jpark"], "assets": ["ews-01"],
                       "start": 0, "end": at(600).micros(), "status": "active"});
    let put = store::Record {
        kind: "grant".into(),
        id: "G-1".into(),
        rev: 1,
        recorded_at: at(0).micros(),
        actor: "mgarcia".into(),
        reason: "remote support".into(),
        body: grant.to_string(),
    };
    app.store.put_record(&put).await.unwrap();
    let r = post(
        &app,
        &format!("/api/incidents/{id}/entries"),
        json!({"entry": "declare", "reason": "confirmed"}),
        "mgarcia",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["incident"]["status"], "declared");
    let g = app.store.records("grant").await.unwrap().into_iter().find(|r| r.id == "G-1").unwrap();
    assert_eq!(g.rev, 2, "a new revision");
    let body: Value = serde_json::from_str(&g.body).unwrap();
    assert_eq!(body["status"], "suspended", "{body}");
    assert!(g.reason.contains(&format!("incident {id} is declared")), "{}", g.reason);
    // A vendor's engineer may not raise one; an id that exists is a conflict.
    let r = post(&app, "/api/incidents", json!({"title": "t", "summary": "s"}), "jpark").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(json(&r)["error"].as_str().unwrap().contains("jpark may not raise an incident"), "{}", r.body);
    let r = post(&app, "/api/incidents", json!({"title": "t", "summary": "s", "id": "INC-3"}), "mgarcia").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Opened and declared at once by the commander, recorded in the access log.
    let r = post(
        &app,
        "/api/incidents",
        json!({"title": "Ransom note on the historian", "summary": "s", "declare": "ransom note seen", "category": "ransomware"}),
        "mgarcia",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let kinds: Vec<String> =
        json(&r)["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["opened", "declared"]);
    let log = app.store.access_log(1000).await.unwrap();
    assert!(log.iter().any(|a| a.action == "open-incident" && a.username == "mgarcia" && a.outcome.starts_with("ok")));
    assert!(
        log.iter().any(|a| a.action == "open-incident" && a.username == "jpark" && a.outcome.starts_with("refused"))
    );
}

async fn view(app: &App, uri: &str, who: &str) -> Value {
    let t = token(app, who).await;
    let r = send(app, get(uri, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    json(&r)
}

#[tokio::test]
async fn the_work_plan_clocks_and_integrity_read_as_the_cli_lists_them() {
    let app = app().await;
    // A period, a task already overdue at the server's clock, a determination that starts clocks.
    recorded(
        &app,
        "mgarcia",
        json!({"entry": "period-open", "end": "2026-11-26T20:00:00-06:00", "objectives": ["contain the vendor path"],
               "safety": "no PLC downloads without the OT lead", "safety_by": "ocarter"}),
    )
    .await;
    let task = recorded(
        &app,
        "tnguyen",
        json!({"entry": "task", "title": "pull the jump host logs", "owner": "tnguyen", "domain": "it",
               "due": "2026-11-26T08:05:00-06:00", "collect": "log export", "intrusiveness": "passive", "assets": ["fw-idmz-ext-01"]}),
    )
    .await[0]["seq"]
        .as_u64()
        .unwrap();
    let w = view(&app, "/api/incidents/INC-3/workplan", "tnguyen").await;
    assert_eq!(w["periods"][0]["objectives"][0], "contain the vendor path");
    assert_eq!(w["periods"][0]["safety_by"], "ocarter");
    assert_eq!(w["tasks"][0]["task"], task);
    assert_eq!(w["tasks"][0]["overdue"], true, "{w}");
    assert_eq!(w["tasks"][0]["collection"], "log export");
    assert!(
        w["reminders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reminder"].as_str().unwrap().contains("pull the jump host logs")),
        "{w}"
    );

    let c = view(&app, "/api/incidents/INC-3/clocks", "tnguyen").await;
    assert!(c["clocks"].as_array().unwrap().is_empty(), "no determination yet: {c}");
    recorded(
        &app,
        "mgarcia",
        json!({"entry": "determination", "determination": "reportable", "reason": "BES cyber system affected"}),
    )
    .await;
    let c = view(&app, "/api/incidents/INC-3/clocks", "tnguyen").await;
    let clocks = c["clocks"].as_array().unwrap();
    assert!(!clocks.is_empty(), "{c}");
    assert!(clocks.iter().all(|k| k["status"] == "running"), "{c}");
    assert_eq!(c["time_zone"], "America/Chicago");

    // A hypothesis suspects the view; a manual reading disagrees with a display.
    let h = recorded(&app, "tnguyen", json!({"entry": "hypothesis", "statement": "the HMI values are replayed"})).await
        [0]["seq"]
        .as_u64()
        .unwrap();
    recorded(&app, "eschmidt", json!({"entry": "view-suspected", "hypothesis": h, "processes": ["raw-water-intake"]}))
        .await;
    let i = view(&app, "/api/incidents/INC-3/integrity", "eschmidt").await;
    assert_eq!(i["in_doubt"], true);
    assert!(i["untrusted"].as_array().unwrap().iter().any(|u| u["asset"] == "hmi-cr-01"), "{i}");
    recorded(
        &app,
        "eschmidt",
        json!({"entry": "readings", "process": "raw-water-intake", "reading": "wet-well-level", "field_value": "12.4",
               "shown": [{"asset": "hmi-cr-01", "value": "9.0"}, {"asset": "scada-01", "value": "12.5"}]}),
    )
    .await;
    let i = view(&app, "/api/incidents/INC-3/integrity", "eschmidt").await;
    let level = i["round"].as_array().unwrap().iter().find(|r| r["reading"] == "wet-well-level").unwrap().clone();
    assert_eq!(level["status"], "disagrees", "{level}");
    assert_eq!(level["disagreeing"][0]["asset"], "hmi-cr-01");
    assert_eq!(level["disagreeing"][0]["shown"], "9.0");
    // Another team's user: the incident is there (INC-3 is open); INC-1 (private) is not.
    let t = token(&app, "psharma").await;
    for v in ["workplan", "clocks", "integrity"] {
        let r = send(&app, get(&format!("/api/incidents/INC-1/{v}"), Auth::Bearer(&t))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{v}: {}", r.body);
    }
}

/// The board's record form: a note, an observation or a hypothesis, under the
/// same rules; refused signed out, without the CSRF token, and to a user of
/// another incident (the private INC-1 does not exist for them).
#[tokio::test]
async fn the_board_records_notes_observations_and_hypotheses() {
    use axum::http::header;
    let app = app().await;
    let (cookie, csrf) = sign_in(&app, "eschmidt").await;
    let before = head(&app, "INC-3").await;
    let body = format!("csrf={csrf}&entry=observation&text=HMI+mouse+moved&assets=ews-01%2C+hmi-cr-01&domain=");
    let r = send(&app, form("/incidents/INC-3/entries", &body, Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let seq = before + 1;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), &format!("/incidents/INC-3#event-{seq}"));
    let incident::Body::Observation(o) = event(&app, seq).await.body else { panic!() };
    assert_eq!(o.assets.iter().map(|a| &**a).collect::<Vec<_>>(), ["ews-01", "hmi-cr-01"]);
    assert_eq!(o.domain, Some(site_model::Domain::Ot));
    let board = send(&app, get("/incidents/INC-3", Auth::Session(&cookie, None))).await;
    assert!(
        board.body.contains(&format!("id=\"event-{seq}\"")) && board.body.contains("HMI mouse moved"),
        "{}",
        board.body
    );
    assert!(board.body.contains("action=\"/incidents/INC-3/entries\""), "the form is on the board");
    // An unknown asset: the board again with the reason (422), nothing written.
    let bad = format!("csrf={csrf}&entry=observation&text=x&assets=ews-99");
    let r = send(&app, form("/incidents/INC-3/entries", &bad, Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Refused, nothing was recorded") && r.body.contains("ews-99"), "{}", r.body);
    let r = send(
        &app,
        form("/incidents/INC-3/entries", &format!("csrf={csrf}&entry=gossip&text=x"), Auth::Session(&cookie, None)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(head(&app, "INC-3").await, seq);
    // Signed out, no CSRF token, another incident's user.
    let note = "entry=note&text=x";
    let r = send(&app, form("/incidents/INC-1/entries", note, Auth::Nobody)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/signin");
    let r = send(&app, form("/incidents/INC-1/entries", note, Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (p_cookie, p_csrf) = sign_in(&app, "psharma").await;
    let r =
        send(&app, form("/incidents/INC-1/entries", &format!("csrf={p_csrf}&{note}"), Auth::Session(&p_cookie, None)))
            .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Insider"));
}
