//! Published updates reach the notification channels from the server
//! (`serve --notify-config`): the channels taking the audience get the
//! update in the background, every attempt is in the delivery log, which the
//! API and the update composer show; a channel that keeps failing is given up
//! after its attempts. The receivers are mocks on loopback
//! (crates/notify/tests/support).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../notify/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use server::notifications::Notifications;
use store::Store;
use support::{HttpReceiver, Reply};

const WAIT: Duration = Duration::from_secs(20);

fn notifications(ops: &HttpReceiver, lead: &HttpReceiver) -> Arc<Notifications> {
    let text = format!(
        "link = \"https://interlock.example.org/incidents/{{incident}}\"\n\n[retry]\nattempts = 2\ninitial_backoff_ms = 1\nmax_backoff_ms = 5\ntimeout_ms = 5000\n\n\
         [[channel]]\nid = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\naudiences = [\"operations\"]\n\n\
         [[channel]]\nid = \"lead-slack\"\nkind = \"slack\"\nurl = \"{}\"\naudiences = [\"leadership\"]\n",
        ops.url("/ops"),
        lead.url("/lead")
    );
    let config = notify::parse("notify.toml", &text).unwrap();
    let notifier = notify::Notifier::new(config.retry, || at(10).micros(), |_| None).unwrap();
    Arc::new(Notifications::new(config, notifier))
}

fn publish(audience: &str, text: &str) -> String {
    serde_json::json!({"audience": audience, "channel": "bridge call", "text": text, "accept_definitions": true})
        .to_string()
}

#[tokio::test]
async fn a_published_update_reaches_the_channels_of_its_audience_and_the_log_shows_each_delivery() {
    let ops = HttpReceiver::ok();
    let lead = HttpReceiver::start(Vec::new(), Reply::status(500));
    let n = notifications(&ops, &lead);
    let app = app_configured(|s| s.notify = Some(n.clone())).await;
    let m = token(&app, "mgarcia").await;

    let r = send(
        &app,
        post_json(
            "/api/incidents/INC-3/updates",
            &publish("operations", "Line 2 runs on local control."),
            Auth::Bearer(&m),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["notified"], serde_json::json!(["ops-hook"]));
    let seq = json(&r)["seq"].as_u64().unwrap();
    assert!(n.settle(WAIT).await, "the delivery finishes");
    let got = ops.requests();
    assert_eq!(got.len(), 1);
    let body = got[0].json();
    assert_eq!(body["incident"], "INC-3");
    assert_eq!(body["id"], format!("INC-3#{seq}"));
    assert!(body["text"].as_str().unwrap().contains("Line 2 runs on local control."), "{body}");
    assert!(lead.requests().is_empty(), "leadership's channel does not take operations updates");

    // Leadership's channel refuses every attempt: given up after two, the record is kept.
    let r = send(
        &app,
        post_json("/api/incidents/INC-3/updates", &publish("leadership", "No impact on production."), Auth::Bearer(&m)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["notified"], serde_json::json!(["lead-slack"]));
    assert!(n.settle(WAIT).await);
    assert_eq!(lead.requests().len(), 2);

    let r = send(&app, get("/api/incidents/INC-3/notifications", Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let log = json(&r);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (log[0]["channel"].as_str(), log[0]["delivered"].as_bool(), log[0]["attempts"].as_u64()),
        (Some("ops-hook"), Some(true), Some(1))
    );
    assert_eq!(log[0]["audience"], "operations");
    assert_eq!(
        (log[1]["channel"].as_str(), log[1]["delivered"].as_bool(), log[1]["attempts"].as_u64()),
        (Some("lead-slack"), Some(false), Some(2))
    );
    assert!(log[1]["next_retry_at"].is_null(), "given up: {:?}", log[1]);
    assert!(log[1]["outcome"].as_str().unwrap().contains("500"), "{:?}", log[1]);
    // The same log the CLI reads: one record per delivery, one revision per attempt.
    let history =
        app.store.record_history(notify::journal::NOTIFICATION, &format!("INC-3#{}/lead-slack", seq + 1)).await;
    assert_eq!(history.unwrap().len(), 2);

    // The composer says where publishing sends the update, and shows the log.
    let (cookie, _) = sign_in(&app, "mgarcia").await;
    let page = send(&app, get("/incidents/INC-3/updates?audience=operations", Auth::Session(&cookie, None))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Publishing also sends it to: <strong>ops-hook</strong>"), "{}", page.body);
    assert!(page.body.contains("lead-slack (slack)") && page.body.contains("1/2"), "{}", page.body);
}

#[tokio::test]
async fn the_delivery_log_of_a_private_incident_is_for_its_members() {
    let ops = HttpReceiver::ok();
    let lead = HttpReceiver::ok();
    let n = notifications(&ops, &lead);
    let app = app_configured(|s| s.notify = Some(n.clone())).await;
    let m = token(&app, "mgarcia").await;
    let r = send(
        &app,
        post_json(
            "/api/incidents/INC-1/updates",
            &publish("operations", "Contractor badge disabled."),
            Auth::Bearer(&m),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(n.settle(WAIT).await);
    // dokafor is no member of INC-1: to them it does not exist, and the attempt is logged.
    let d = token(&app, "dokafor").await;
    let r = send(&app, get("/api/incidents/INC-1/notifications", Auth::Bearer(&d))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!r.body.contains("ops-hook"));
    let log = app.store.access_log(50).await.unwrap();
    assert!(
        log.iter().any(|a| a.username == "dokafor" && a.action == "read-notifications" && a.outcome == NOT_A_MEMBER)
    );
    // A member reads it (and that read of a private incident is logged too).
    let k = token(&app, "kpowell").await;
    let r = send(&app, get("/api/incidents/INC-1/notifications", Auth::Bearer(&k))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)[0]["channel"], "ops-hook");
    // Signed out: refused.
    let r = send(&app, get("/api/incidents/INC-1/notifications", Auth::Nobody)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_notification_config_publishing_records_the_update_only() {
    let app = app().await;
    let m = token(&app, "mgarcia").await;
    let r = send(
        &app,
        post_json(
            "/api/incidents/INC-3/updates",
            &publish("operations", "Line 2 runs on local control."),
            Auth::Bearer(&m),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["notified"], serde_json::json!([]));
    let r = send(&app, get("/api/incidents/INC-3/notifications", Auth::Bearer(&m))).await;
    assert_eq!(json(&r), serde_json::json!([]));
    let (cookie, _) = sign_in(&app, "mgarcia").await;
    let page = send(&app, get("/incidents/INC-3/updates", Auth::Session(&cookie, None))).await;
    assert!(page.body.contains("This server sends no notifications"), "{}", page.body);
}

/// The server reminds the channels taking `update-overdue` when an
/// audience's update is past due, once per due time: looking again finds it
/// delivered and sends nothing. Time is the server's injected clock.
#[tokio::test]
async fn overdue_updates_are_reminded_once_per_due_time() {
    let hook = HttpReceiver::ok();
    let text = format!(
        "[retry]\nattempts = 2\ninitial_backoff_ms = 1\nmax_backoff_ms = 5\ntimeout_ms = 5000\n\n\
         [[channel]]\nid = \"duty-hook\"\nkind = \"webhook\"\nurl = \"{}\"\nevents = [\"update-overdue\"]\n",
        hook.url("/duty")
    );
    let config = notify::parse("notify.toml", &text).unwrap();
    let notifier = notify::Notifier::new(config.retry, || at(10).micros(), |_| None).unwrap();
    let n = Arc::new(Notifications::new(config, notifier));
    let clock = Arc::new(server::ManualClock::new(at(10).micros()));
    let mut state = None;
    let app = app_configured(|s| {
        s.notify = Some(n.clone());
        s.clock = clock.clone();
        state = Some(s.clone());
    })
    .await;
    let state = state.unwrap();
    let before = server::notifications::remind_due(&state).await;
    assert!(n.settle(WAIT).await);
    assert_eq!(hook.requests().len(), before.len());
    // A day later every running incident's updates are overdue.
    clock.advance_secs(24 * 3600);
    let due = server::notifications::remind_due(&state).await;
    assert!(!due.is_empty());
    assert!(due.iter().any(|m| m.starts_with("INC-3#overdue-")), "{due:?}");
    assert!(n.settle(WAIT).await);
    let got = hook.requests();
    assert_eq!(got.len(), before.len() + due.len());
    let last = got.last().unwrap().json();
    assert!(last["text"].as_str().unwrap().contains("was due"), "{last}");
    // Looking again: delivered, nothing sent twice.
    assert!(server::notifications::remind_due(&state).await.is_empty());
    assert!(n.settle(WAIT).await);
    assert_eq!(hook.requests().len(), got.len());
    let m = token(&app, "mgarcia").await;
    let r = send(&app, get("/api/incidents/INC-3/notifications", Auth::Bearer(&m))).await;
    let log = json(&r);
    assert!(log.as_array().unwrap().iter().any(|d| d["event"] == "update-overdue" && d["delivered"] == true), "{log}");
}

#[tokio::test]
async fn an_administrator_tests_the_channels_and_reads_the_whole_delivery_log() {
    let ops = HttpReceiver::ok();
    let lead = HttpReceiver::start(Vec::new(), Reply::status(500));
    let n = notifications(&ops, &lead);
    let app = app_configured(|s| s.notify = Some(n.clone())).await;
    let m = token(&app, "mgarcia").await;
    let t = token(&app, "tnguyen").await;

    // Not an administrator: refused, nothing sent.
    let r = send(&app, post_json("/api/notifications/test", r#"{"channel": null}"#, Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(send(&app, get("/api/notifications", Auth::Bearer(&t))).await.status, StatusCode::FORBIDDEN);
    // Every channel: sent in the background, the outcome in the log.
    let r = send(&app, post_json("/api/notifications/test", r#"{"channel": null}"#, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let started = json(&r);
    assert_eq!(started["channels"], serde_json::json!(["ops-hook", "lead-slack"]), "{started}");
    let message = started["message"].as_str().unwrap().to_string();
    assert!(n.settle(WAIT).await, "the deliveries finish");
    let got = ops.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["id"], message.as_str());
    assert!(got[0].json()["text"].as_str().unwrap().contains("sent by mgarcia"), "{}", got[0].json());
    assert_eq!(lead.requests().len(), 2, "the failing channel is tried its two attempts");
    let r = send(&app, get("/api/notifications", Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let log = json(&r);
    let of = |channel: &str| {
        log.as_array().unwrap().iter().find(|d| d["delivery"] == format!("{message}/{channel}")).cloned().unwrap()
    };
    assert_eq!((of("ops-hook")["delivered"].as_bool(), of("ops-hook")["event"].as_str()), (Some(true), Some("test")));
    assert_eq!(
        (of("lead-slack")["delivered"].as_bool(), of("lead-slack")["attempts"].as_u64()),
        (Some(false), Some(2))
    );
    // One channel; a filter of the log by channel.
    let r = send(&app, post_json("/api/notifications/test", r#"{"channel": "ops-hook"}"#, Auth::Bearer(&m))).await;
    assert_eq!(json(&r)["channels"], serde_json::json!(["ops-hook"]));
    assert!(n.settle(WAIT).await);
    assert_eq!(ops.requests().len(), 2);
    let r = send(&app, get("/api/notifications?channel=lead-slack", Auth::Bearer(&m))).await;
    assert!(json(&r).as_array().unwrap().iter().all(|d| d["channel"] == "lead-slack"), "{}", r.body);
    assert_eq!(json(&r).as_array().unwrap().len(), 1);
    // A channel the config does not have: named, with the nearest.
    let r = send(&app, post_json("/api/notifications/test", r#"{"channel": "ops-hok"}"#, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("did you mean \\\"ops-hook\\\"?"), "{}", r.body);
    let log = app.store.access_log(100).await.unwrap();
    assert!(
        log.iter().any(|a| a.username == "mgarcia"
            && a.action == "test-notifications"
            && a.outcome == format!("ok: {message}"))
    );
    assert!(
        log.iter()
            .any(|a| a.username == "tnguyen" && a.action == "test-notifications" && a.outcome.starts_with("refused"))
    );
}

#[tokio::test]
async fn without_a_notification_config_there_is_nothing_to_test() {
    let app = app().await;
    let m = token(&app, "mgarcia").await;
    let r = send(&app, post_json("/api/notifications/test", r#"{"channel": null}"#, Auth::Bearer(&m))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("--notify-config"), "{}", r.body);
}
