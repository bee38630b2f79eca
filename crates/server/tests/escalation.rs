//! A proposed action nobody decides escalates on the server's own clock:
//! when its delay has passed, the server records the next rung of the
//! ladder (by `interlock`, cause timeout) and only once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn an_undecided_action_escalates_when_its_delay_has_passed_once() {
    let clock = Arc::new(server::ManualClock::new(at(10).micros()));
    let mut state = None;
    let app = app_configured(|s| {
        s.clock = clock.clone();
        state = Some(s.clone());
    })
    .await;
    let state = state.unwrap();
    let m = token(&app, "mgarcia").await;
    let body = serde_json::json!({"action": OFFLINE, "rationale": "stolen admin credentials"}).to_string();
    let r = send(&app, post_json("/api/incidents/INC-1/actions", &body, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seq = json(&r)["seq"].as_u64().unwrap();
    let a = action(&app, &m, seq).await;
    assert_eq!(a["level"], 0);
    let next = a["next_escalation"].clone();
    let level = next["level"].as_u64().unwrap();
    let due = incident::Timestamp::parse(next["at"].as_str().unwrap()).unwrap();

    // Not yet: nothing recorded.
    clock.set(due.micros() - 1_000_000);
    assert!(server::escalation::escalate_due(&state).await.is_empty());
    let before = head(&app, "INC-1").await;
    // Its time has come: the next rung, by the server, once.
    clock.set(due.micros() + 1_000_000);
    let done = server::escalation::escalate_due(&state).await;
    assert_eq!(done, [server::escalation::Escalated { incident: "INC-1".into(), action: seq, level: level as u32 }]);
    assert_eq!(head(&app, "INC-1").await, before + 1);
    let a = action(&app, &m, seq).await;
    assert_eq!(a["level"].as_u64(), Some(level), "{a}");
    let again = server::escalation::escalate_due(&state).await;
    assert!(!again.iter().any(|e| e.action == seq && e.level == level as u32), "{again:?}");
    let r = send(&app, get("/api/incidents/INC-1", Auth::Bearer(&m))).await;
    let timeline = json(&r)["timeline"].clone();
    let e = timeline.as_array().unwrap().iter().find(|e| e["kind"] == "action-escalated").unwrap().clone();
    assert_eq!(e["actor"], server::service::SYSTEM, "{e}");
}

#[tokio::test]
async fn one_action_its_explanation_and_the_escalations_due_are_on_the_api() {
    let clock = Arc::new(server::ManualClock::new(at(10).micros()));
    let app = app_configured(|s| s.clock = clock.clone()).await;
    let m = token(&app, "mgarcia").await;
    let body = serde_json::json!({"action": OFFLINE, "rationale": "stolen admin credentials"}).to_string();
    let r = send(&app, post_json("/api/incidents/INC-1/actions", &body, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seq = json(&r)["seq"].as_u64().unwrap();

    // One action: the entry of the list, alone.
    let r = send(&app, get(&format!("/api/incidents/INC-1/actions/{seq}"), Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = action(&app, &m, seq).await;
    assert_eq!(json(&r), listed);
    for (uri, status) in [
        ("/api/incidents/INC-1/actions/9999".to_string(), StatusCode::NOT_FOUND),
        ("/api/incidents/INC-1/actions/x".to_string(), StatusCode::BAD_REQUEST),
        (format!("/api/incidents/INC-404/actions/{seq}"), StatusCode::NOT_FOUND),
        ("/api/incidents/INC-1/actions/9999/explain".to_string(), StatusCode::NOT_FOUND),
    ] {
        let r = send(&app, get(&uri, Auth::Bearer(&m))).await;
        assert_eq!(r.status, status, "{uri}: {}", r.body);
    }

    // Its explanation, as `interlock action explain` prints it: the rules and their
    // facts, what it requires, what is next and who holds the roles that can move it.
    let r = send(&app, get(&format!("/api/incidents/INC-1/actions/{seq}/explain"), Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = &r.body;
    assert!(text.starts_with(&format!("#{seq} {OFFLINE}  [pending]\n")), "{text}");
    assert!(text.contains("why it needs what it needs (authority matrix "), "{text}");
    assert!(text.contains("\n  rule "), "{text}");
    assert!(text.contains("\nrequires:\n  "), "{text}");
    assert!(text.contains("\nwho can unblock it:\n"), "{text}");
    for group in listed["approvals_required"].as_array().unwrap() {
        for role in group["roles"].as_array().unwrap() {
            assert!(text.contains(role.as_str().unwrap()), "{role} in {text}");
        }
    }
    for u in listed["who_can_unblock"].as_array().unwrap() {
        let line = format!("  {}: ", u["role"].as_str().unwrap());
        assert!(text.contains(&line), "{line} in {text}");
        for person in u["people"].as_array().unwrap() {
            assert!(text.contains(&format!("({}, ", person["person"].as_str().unwrap())), "{person} in {text}");
        }
    }

    // The escalations due: none yet; at the time of the next rung, that rung and who holds its role.
    let next = listed["next_escalation"].clone();
    let r = send(&app, get("/api/incidents/INC-1/escalations", Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)["due"], serde_json::json!([]), "{}", r.body);
    let asked = incident::Timestamp::parse(json(&r)["at"].as_str().unwrap()).unwrap();
    assert_eq!(asked.micros(), at(10).micros(), "the server's time by default");
    let later = incident::Timestamp::parse(next["at"].as_str().unwrap()).unwrap().plus_micros(1_000_000);
    let uri = format!("/api/incidents/INC-1/escalations?at={}", later.to_string().replace('+', "%2B"));
    let r = send(&app, get(&uri, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let due = json(&r)["due"].as_array().unwrap().clone();
    assert_eq!(due.len(), 1, "{}", r.body);
    assert_eq!(
        (due[0]["action"].as_u64(), &due[0]["level"], &due[0]["role"]),
        (Some(seq), &next["level"], &next["role"])
    );
    assert!(!due[0]["holders"].as_array().unwrap().is_empty(), "{}", r.body);
    // The server's clock reaches it: recorded, and nothing is due any more.
    clock.set(later.micros());
    let state_due = send(&app, get("/api/incidents/INC-1/escalations", Auth::Bearer(&m))).await;
    assert_eq!(json(&state_due)["due"].as_array().unwrap().len(), 1);
    let r = send(&app, get("/api/incidents/INC-1/escalations?at=yesterday", Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("at: "), "{}", r.body);
    // Signed out: refused.
    let r = send(&app, get("/api/incidents/INC-1/escalations", Auth::Nobody)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// The action `seq` of INC-1 as the API shows it.
async fn action(app: &App, token: &str, seq: u64) -> serde_json::Value {
    let r = send(app, get("/api/incidents/INC-1/actions", Auth::Bearer(token))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r).as_array().unwrap().iter().find(|a| a["seq"] == seq).unwrap().clone()
}
