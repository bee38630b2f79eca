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

mod common;

use axum::http::{StatusCode, header};
use common::*;
use incident::{Body as EventBody, Membership};
use store::Store;

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
            if uri.ends_with("/checkpoints") {
                // A signed checkpoint needs no role (any member may record one: its signature is
                // what counts); this body is not a checkpoint file (tests/export.rs has the rest).
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "jpark POST {uri}: {}", r.body);
                continue;
            }
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
