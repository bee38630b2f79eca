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

/// The action `seq` of INC-1 as the API shows it.
async fn action(app: &App, token: &str, seq: u64) -> serde_json::Value {
    let r = send(app, get("/api/incidents/INC-1/actions", Auth::Bearer(token))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r).as_array().unwrap().iter().find(|a| a["seq"] == seq).unwrap().clone()
}
