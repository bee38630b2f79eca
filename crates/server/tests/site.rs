//! The site model over the API (`/api/site`), on the example site: the
//! check and the normalised model, impact with the safety verdict and the
//! approvals, reach, the containment planner, single points of failure, the
//! restoration order, the authority matrix and the inventory import, each
//! checked against what the site model says and against the CLI's JSON
//! builders (`site-json`); who may (any signed-in user; CSRF on a session's
//! POST), and the refusals (401, 403, 400, 422, 503).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use site_model::{LoadOptions, Outcome, Source};

fn load(sources: Vec<Source>) -> Outcome {
    site_model::load(sources, &LoadOptions::default())
}

/// The example site's app, with the warnings of its check passed on as `interlock serve` does.
async fn site_app() -> App {
    let warnings = load(sources()).warnings().cloned().collect::<Vec<_>>();
    assert!(!warnings.is_empty(), "the example site has a warning to show");
    app_configured(move |s| s.site_warnings = Arc::new(warnings)).await
}

fn post_body(uri: &str, content_type: &str, body: &str, auth: Auth<'_>) -> Request<Body> {
    request(Method::POST, uri, auth)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn impact_body(actions: &[&str]) -> String {
    json!({ "actions": actions }).to_string()
}

fn error(r: &Reply) -> String {
    json(r)["error"].as_str().unwrap_or_default().to_string()
}

async fn ok(app: &App, req: Request<Body>) -> Value {
    let r = send(app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r)
}

/// Whether two values have the same keys everywhere (numbers compared as numbers: the
/// documented shapes read 2 and 2.0 alike).
fn same_shape(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            if kx != ky {
                return Err(format!("{at}: keys {kx:?} served, {ky:?} documented"));
            }
            for (k, v) in x {
                same_shape(v, &y[k], &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().try_for_each(|(i, (v, w))| same_shape(v, w, &format!("{at}[{i}]")))
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        (x, y) if x == y => Ok(()),
        (x, y) => Err(format!("{at}: {x} served, {y} read back")),
    }
}

/// Reads an answer through its documented shape and back: no key missing, none extra.
fn documented<T: DeserializeOwned + Serialize>(v: &Value) {
    let t: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{} does not read as documented: {e}", std::any::type_name::<T>()));
    let back = serde_json::to_value(&t).unwrap();
    if let Err(e) = same_shape(v, &back, "$") {
        panic!("{}: {e}", std::any::type_name::<T>());
    }
}

#[tokio::test]
async fn the_site_and_its_check_are_read_by_any_signed_in_user() {
    let app = site_app().await;
    // kpowell: an ordinary user (no administrator, no role in the matrix needed).
    let t = token(&app, "kpowell").await;
    let v = ok(&app, get("/api/site", Auth::Bearer(&t))).await;
    documented::<server::site::SiteSummary>(&v);
    assert_eq!(v["site"]["id"], "riverbend");
    assert_eq!(v["site"]["name"], &*app.site.info.name);
    assert_eq!(v["version"], app.site.version());
    assert_eq!(v["authority_version"], app.site.authority.as_ref().unwrap().version.as_str());
    assert_eq!(v["counts"]["assets"], app.site.assets.len());
    assert_eq!(v["counts"]["dependencies"], app.site.dependencies.len());
    // The check's warning about the dormant vendor account, with its file, line and field.
    let w = v["warnings"].as_array().unwrap();
    let dormant = w
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("dormant"))
        .unwrap_or_else(|| panic!("the dormant account's warning: {w:?}"));
    assert_eq!(dormant["severity"], "warning");
    assert!(dormant["file"].as_str().unwrap().ends_with("accounts.toml"), "{dormant}");
    assert!(dormant["line"].as_u64().unwrap() > 0);
    assert!(dormant["field"].as_str().unwrap().contains("ridgeline-legacy"), "{dormant}");

    // Signed out: 401 on every route of the site, GET or POST.
    for (m, uri) in site_routes() {
        let req = request(m.clone(), uri, Auth::Nobody).body(Body::empty()).unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{m} {uri}");
    }
}

/// A vendor's engineer, signed in, is refused every route of the site: the
/// model is a map of the plant (accounts, pathways, single points of failure).
#[tokio::test]
async fn a_vendors_people_do_not_read_the_site_model() {
    let app = site_app().await;
    let j = token(&app, "jpark").await;
    for (m, uri) in site_routes() {
        let uri = uri.replace("/reach", "/reach?compromised=ews-01").replace("/contain", "/contain?compromised=ews-01");
        let body = if m == Method::POST { r#"{"actions": ["take-offline ews-01"]}"# } else { "" };
        let req = request(m.clone(), &uri, Auth::Bearer(&j))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {uri}: {}", r.body);
        assert!(r.body.contains("jpark is a person of the vendor ridgeline"), "{m} {uri}: {}", r.body);
    }
    // The site's own staff read it.
    let k = token(&app, "kpowell").await;
    assert_eq!(send(&app, get("/api/site", Auth::Bearer(&k))).await.status, StatusCode::OK);
}

/// Every route of the site, as the document lists them.
fn site_routes() -> Vec<(Method, &'static str)> {
    let routes: Vec<(Method, &'static str)> = server::api_routes()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/site"))
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(routes.len(), 9, "{routes:?}");
    routes
}

#[tokio::test]
async fn the_model_is_what_site_show_prints() {
    let app = site_app().await;
    let t = token(&app, "tnguyen").await;
    let r = send(&app, get("/api/site/model", Auth::Bearer(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "application/json");
    // Byte for byte what `interlock site show --json` writes.
    let mut cli = Vec::new();
    site_json::show(&app.site, &mut cli).unwrap();
    assert_eq!(r.body.as_bytes(), &cli[..]);
    let v = json(&r);
    documented::<server::site::SiteModel>(&v);
    assert_eq!(v["format"], "interlock.site/1");
    assert_eq!(v["version"], app.site.version());
    assert_eq!(v["assets"].as_array().unwrap().len(), app.site.assets.len());
    let dc = v["assets"].as_array().unwrap().iter().find(|a| a["id"] == "dc-corp-01").unwrap();
    assert_eq!(dc["kind"], "domain-controller");
    assert_eq!(dc["domain"], "it");
    let ids: Vec<&str> = v["assets"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "assets in id order");
}

#[tokio::test]
async fn impact_of_taking_the_directory_servers_offline_names_lost_authentication() {
    let app = site_app().await;
    let t = token(&app, "kpowell").await;
    let v = ok(&app, post_json("/api/site/impact", &impact_body(&[OFFLINE]), Auth::Bearer(&t))).await;
    documented::<server::site::SiteImpactAnswer>(&v);
    assert_eq!(v["phase"], "contain");
    assert_eq!(v["site_version"], app.site.version());
    let a = &v["actions"][0];
    assert_eq!(a["action"], OFFLINE);

    // The same value `interlock impact --json` prints.
    let graph = impact::Graph::compile(&app.site);
    let action = impact::Action::parse(&app.site, OFFLINE).unwrap();
    let cli = site_json::impact_json(&app.site, &impact::analyze(&app.site, &graph, &[action]));
    assert_eq!(a["impact"], cli);
    assert_eq!(v["combined"], cli, "one action: the combined impact is its own");

    // Authentication is lost across the site, each loss explained back to the action.
    let im = &a["impact"];
    let auth = im["categories"].as_array().unwrap().iter().find(|c| c["category"] == "authentication").unwrap();
    let lost: Vec<&str> = auth["assets"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert!(lost.contains(&"billing-01") && lost.contains(&"hmi-cr-01"), "{lost:?}");
    let billing = im["lost"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["asset"] == "billing-01" && l["function"] == "authentication")
        .unwrap();
    let why = billing["explanation"].to_string();
    assert!(why.contains("dc-corp-01") && why.contains("take-offline"), "{why}");
    // On the OT side the operators' stations go: view degraded, control kept.
    let intake = im["processes"].as_array().unwrap().iter().find(|p| p["process"] == "raw-water-intake").unwrap();
    assert_eq!(intake["view"], "degraded");
    assert_eq!(intake["control"], "intact");
    assert_eq!(intake["safety"], "intact");
    // Safe only with measures: keep operators logged on before acting.
    assert_eq!(im["verdict"]["verdict"], "safe-with-measures");
    assert!(im["verdict"]["measures"].to_string().contains("keep operators logged on"), "{}", im["verdict"]);

    // The approvals: IT and OT leads jointly, the safety officer's veto, and who holds each role.
    let ap = &a["approvals"];
    assert_eq!(a["approvals_unavailable"], Value::Null);
    assert_eq!(ap["verdict"], "safe-with-measures");
    let rules: Vec<&str> = ap["rules"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"it-targets") && rules.contains(&"ot-impact-needs-operations"), "{rules:?}");
    assert_eq!(ap["groups"], json!([{"count": 1, "roles": ["it-lead"]}, {"count": 1, "roles": ["ot-lead"]}]));
    assert_eq!(ap["joint"], true);
    assert_eq!(ap["veto"], json!(["safety-officer"]));
    let site = &app.site;
    for role in ["it-lead", "ot-lead", "safety-officer"] {
        let r = &site.roles[site.role_by_id(role).unwrap().ix()];
        let primary = &*site.people[r.primary.unwrap().ix()].id;
        let h = a["holders"].as_array().unwrap().iter().find(|h| h["role"] == role).unwrap();
        assert_eq!(h["name"], &*r.name);
        assert_eq!(
            h["holders"][0],
            json!({"person": primary, "name": &*site.people[r.primary.unwrap().ix()].name, "holding": "primary"})
        );
        assert_eq!(h["holders"].as_array().unwrap().len(), 1 + r.deputies.len(), "{role}");
    }

    // Two actions: each alone, then together.
    let isolate = "isolate zone:plant";
    let v = ok(&app, post_json("/api/site/impact", &impact_body(&[OFFLINE, isolate]), Auth::Bearer(&t))).await;
    documented::<server::site::SiteImpactAnswer>(&v);
    assert_eq!(v["actions"].as_array().unwrap().len(), 2);
    assert_eq!(v["actions"][1]["action"], isolate);
    let texts: Vec<&str> =
        v["combined"]["actions"].as_array().unwrap().iter().map(|a| a["text"].as_str().unwrap()).collect();
    assert_eq!(texts, [OFFLINE, isolate]);
    assert_ne!(v["combined"], v["actions"][0]["impact"]);

    // Another phase changes what the matrix is asked.
    let body = json!({"actions": [OFFLINE], "phase": "recover"}).to_string();
    let v = ok(&app, post_json("/api/site/impact", &body, Auth::Bearer(&t))).await;
    assert_eq!(v["phase"], "recover");
    assert_eq!(v["actions"][0]["approvals"]["phase"], "recover");
}

#[tokio::test]
async fn an_unknown_asset_or_action_is_named() {
    let app = site_app().await;
    let t = token(&app, "kpowell").await;
    let b = Auth::Bearer(&t);
    for (actions, named) in [
        (vec!["take-offline dc-corp-99"], vec!["dc-corp-99", "action 1"]),
        (vec![OFFLINE, "frobnicate dc-corp-01"], vec!["action 2", "frobnicate"]),
        (vec!["take-offline dc-corp-01", "isolate zone:nowhere"], vec!["action 2", "nowhere"]),
        (vec![], vec!["at least one action"]),
    ] {
        let r = send(&app, post_json("/api/site/impact", &impact_body(&actions), b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{actions:?}: {}", r.body);
        for n in named {
            assert!(error(&r).contains(n), "{actions:?}: {n} in {}", r.body);
        }
    }
    let r = send(&app, post_json("/api/site/impact", &json!({"actions": [OFFLINE], "phase": "later"}).to_string(), b))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("later"), "{}", r.body);
    let many: Vec<&str> = std::iter::repeat_n(OFFLINE, 33).collect();
    let r = send(&app, post_json("/api/site/impact", &impact_body(&many), b)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Not JSON, or not this shape.
    let r = send(&app, post_body("/api/site/impact", "text/plain", OFFLINE, b)).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    let r = send(&app, post_json("/api/site/impact", r#"{"actions": "take-offline dc-corp-01"}"#, b)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

    // The analyses name what they do not know, with the nearest id.
    for (uri, named) in [
        ("/api/site/reach?compromised=ews-01,ews-99", "ews-99"),
        ("/api/site/reach", "compromised: required"),
        ("/api/site/reach?compromised=account:nobody", "nobody"),
        ("/api/site/contain?compromised=ews-01&protect=process:nothing", "nothing"),
        ("/api/site/contain?compromised=ews-01&alternatives=9", "alternatives"),
        ("/api/site/spof?assume_down=dc-corp-03", "dc-corp-03"),
        ("/api/site/spof?process=disinfektion", "did you mean \"disinfection\""),
        ("/api/site/restore-order?assets=hmi-cr-09", "hmi-cr-09"),
        ("/api/site/restore-order?kinds=authentification", "authentification"),
        ("/api/site/restore-order?affected_by=take-offline%20nothing-01", "nothing-01"),
        ("/api/site/restore-order?recovery=true&stage_first=true", "recovery"),
    ] {
        let r = send(&app, get(uri, b)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {}", r.body);
        assert!(error(&r).contains(named), "{uri}: {named} in {}", r.body);
    }
    // What does not read at all is 400.
    for uri in [
        "/api/site/reach?compromised=ews-01&max=lots",
        "/api/site/spof?min_consumers=-1",
        "/api/site/restore-order?recovery=perhaps",
        "/api/site/contain?compromised=ews-01&alternatives=x",
    ] {
        let r = send(&app, get(uri, b)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.body);
    }
}

#[tokio::test]
async fn reach_and_contain_answer_what_the_cli_does() {
    let app = site_app().await;
    let t = token(&app, "tnguyen").await;
    let b = Auth::Bearer(&t);
    let v = ok(&app, get("/api/site/reach?compromised=ews-01,account:ridgeline-legacy&max=3", b)).await;
    documented::<server::site::SiteReach>(&v);
    let graph = impact::Graph::compile(&app.site);
    let attack = impact::AttackGraph::compile(&app.site, &graph).unwrap();
    let footholds: Vec<impact::Foothold> =
        ["ews-01", "account:ridgeline-legacy"].iter().map(|f| impact::Foothold::parse(&app.site, f).unwrap()).collect();
    let reach = attack.reach(&impact::reach::foothold_nodes(&app.site, &footholds));
    assert_eq!(v, site_json::reach_json(&app.site, &footholds, &reach, 3));
    // From the engineering workstation the attacker reaches the disinfection process.
    let procs: Vec<&str> = v["processes"].as_array().unwrap().iter().map(|p| p["process"].as_str().unwrap()).collect();
    assert!(procs.contains(&"disinfection"), "{procs:?}");
    assert_eq!(v["critical_assets"].as_array().unwrap().len(), 3);
    assert!(v["reached"]["assets"].as_u64().unwrap() > 3);

    // The planner cuts the vendor's legacy account and pathway off the protected process.
    let uri = "/api/site/contain?compromised=account:ridgeline-legacy,pathway:ridgeline/remote-support&protect=process:disinfection&alternatives=2";
    let v = ok(&app, get(uri, b)).await;
    documented::<server::site::SiteContain>(&v);
    assert_eq!(v["format"], "interlock.contain/1");
    assert_eq!(v["protect"], json!(["process:disinfection"]));
    assert_eq!(v["outcome"], "plan", "{v}");
    assert!(!v["attacker_path"].as_array().unwrap().is_empty());
    let plans = v["plans"].as_array().unwrap();
    assert!(!plans.is_empty() && plans.len() <= 3, "{}", plans.len());
    assert_eq!(plans[0]["rank"], 1);
    assert_eq!(plans[0]["verified"], true);
    // Each plan's actions read back as actions the impact route takes.
    let texts: Vec<&str> = plans[0]["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let again = ok(&app, post_json("/api/site/impact", &impact_body(&texts), b)).await;
    assert_eq!(again["combined"], plans[0]["impact"]);
}

#[tokio::test]
async fn spof_and_restore_order_answer_from_the_site() {
    let app = site_app().await;
    let t = token(&app, "psharma").await;
    let b = Auth::Bearer(&t);
    let v = ok(&app, get("/api/site/spof", b)).await;
    documented::<server::site::SiteSpof>(&v);
    let graph = impact::Graph::compile(&app.site);
    let options = impact::spof::SpofOptions { assume_down: vec![], processes: vec![], min_consumers: 2 };
    let found = impact::spof::find(&app.site, &graph, &options);
    assert_eq!(v, site_json::spof_json(&app.site, &graph, &found, 10));
    // The chlorine safety system is the disinfection process's single point of failure for safety.
    let dis = v["processes"].as_array().unwrap().iter().find(|p| p["process"] == "disinfection").unwrap();
    let sis = dis["spofs"].as_array().unwrap().iter().find(|s| s["asset"] == "sis-chlor-01").unwrap();
    assert_eq!(sis["lost"], json!(["safety"]));
    assert_eq!(sis["member"], true);
    // Filtration's field I/O is upstream of the process, and explained.
    let filt = v["processes"].as_array().unwrap().iter().find(|p| p["process"] == "filtration").unwrap();
    let fio = filt["spofs"].as_array().unwrap().iter().find(|s| s["asset"] == "fio-filt-01").unwrap();
    assert_eq!(fio["member"], false);
    assert!(!fio["explanation"].as_array().unwrap().is_empty());
    // One process, assuming a domain controller down, explaining nothing.
    let v = ok(&app, get("/api/site/spof?process=disinfection&assume_down=dc-corp-01&max=0", b)).await;
    assert_eq!(v["assume_down"], json!(["dc-corp-01"]));
    let procs: Vec<&str> = v["processes"].as_array().unwrap().iter().map(|p| p["process"].as_str().unwrap()).collect();
    assert_eq!(procs, ["disinfection"]);
    assert!(v["processes"][0]["spofs"].as_array().unwrap().iter().all(|s| s["explanation"].is_null()));

    // Restore order without a query: every asset of the site, once.
    let v = ok(&app, get("/api/site/restore-order", b)).await;
    documented::<server::site::SiteRestoreOrder>(&v);
    let mut all: Vec<String> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["assets"].as_array().unwrap().iter().map(|a| a["asset"].as_str().unwrap().to_string()))
        .collect();
    all.sort();
    let mut ids: Vec<String> = app.site.assets.iter().map(|a| a.id.to_string()).collect();
    ids.sort();
    assert_eq!(all, ids);
    // The directory before the operator station that logs in through it.
    let v = ok(&app, get("/api/site/restore-order?assets=hmi-cr-01,dc-corp-01", b)).await;
    let step_of = |v: &Value, id: &str| {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["assets"].as_array().unwrap().iter().any(|a| a["asset"] == id))
            .map(|s| s["step"].as_u64().unwrap())
    };
    assert!(step_of(&v, "dc-corp-01").unwrap() < step_of(&v, "hmi-cr-01").unwrap(), "{v}");
    // What an action affects, in the recovery plan's order.
    let v =
        ok(&app, get("/api/site/restore-order?affected_by=take-offline%20dc-corp-01%2Cdc-corp-02&recovery=true", b))
            .await;
    assert_eq!(v["affected_by"], json!(["take-offline dc-corp-01,dc-corp-02"]));
    assert_eq!(v["tie_break"], "stage, then criticality, then id");
    assert!(step_of(&v, "dc-corp-01").is_some() && step_of(&v, "hmi-cr-01").is_some(), "{v}");
}

#[tokio::test]
async fn the_authority_matrix_is_checked_and_explained() {
    let app = site_app().await;
    let t = token(&app, "kpowell").await;
    let v = ok(&app, get("/api/site/authority", Auth::Bearer(&t))).await;
    documented::<server::site::SiteAuthority>(&v);
    let m = app.site.authority.as_ref().unwrap();
    assert_eq!(v["check"], site_json::authority_check_json(m, &authority::validate(&app.site)));
    assert_eq!(v["check"]["ok"], true);
    assert_eq!(v["check"]["rules"], m.rules.len());
    assert_eq!(v["matrix"]["version"], m.version.as_str());
    let rules: Vec<&str> = v["matrix"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let site_rules: Vec<&str> = m.rules.iter().map(|r| &*r.id).collect();
    assert_eq!(rules, site_rules);
    let it = v["matrix"]["rules"].as_array().unwrap().iter().find(|r| r["id"] == "it-targets").unwrap();
    assert_eq!(it["when"]["target_domains"], json!(["it"]), "{it}");
    assert!(it["place"].as_str().unwrap().contains("authority.toml:"), "{it}");
    let roles: Vec<&str> =
        v["matrix"]["roles"].as_array().unwrap().iter().map(|r| r["role"].as_str().unwrap()).collect();
    for r in ["it-lead", "ot-lead", "incident-commander"] {
        assert!(roles.contains(&r), "{r} in {roles:?}");
    }
    assert_eq!(v["matrix"]["ladders"][0]["steps"][0]["role"], "incident-commander");
}

const INVENTORY: &str = "Asset Name,Device Type,IP Address,Manufacturer,Product,Network Zone,Purdue Level,Risk,Owner,Serial\n\
    PLC Filter 09,Programmable Logic Controller,10.99.1.10,Rockwell,ControlLogix 5580,plant-control,L1,Very High,plant-ops,A1\n\
    Office PC 77,Desktop,10.99.2.77,Dell,Optiplex,ent-users,4,low,it-infra,A2\n";

async fn import(app: &App, csv: &str, query: &str, auth: Auth<'_>) -> Reply {
    send(app, post_body(&format!("/api/site/import-csv{query}"), "text/csv", csv, auth)).await
}

#[tokio::test]
async fn an_inventory_reads_into_toml_the_site_model_loads() {
    let app = site_app().await;
    let t = token(&app, "eschmidt").await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("inventory.csv");
    std::fs::write(&csv, INVENTORY).unwrap();
    let r = import(&app, &std::fs::read_to_string(&csv).unwrap(), "?name=inventory.csv", Auth::Bearer(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    documented::<server::site::SiteImportCsv>(&v);
    assert_eq!((v["rows"].as_u64(), v["imported"].as_u64(), v["bad_rows"].as_u64()), (Some(2), Some(2), Some(0)));
    assert_eq!(v["file"], "inventory.csv");
    assert_eq!(v["problems"], json!([]));
    let columns = v["columns"].as_array().unwrap();
    assert!(columns.contains(&json!({"header": "Device Type", "field": "kind"})), "{columns:?}");
    assert!(columns.contains(&json!({"header": "Serial", "field": null})), "{columns:?}");
    let toml = v["toml"].as_str().unwrap();
    assert!(toml.contains("inventory.csv"), "{toml}");

    // Committed beside the example site's files, it loads: the new assets with their kinds and zones.
    let mut files = sources();
    files.push(Source { path: dir.path().join("imported.toml").display().to_string(), text: toml.to_string() });
    let outcome = load(files);
    let errors: Vec<String> = outcome.errors().map(|d| d.to_string()).collect();
    let site = outcome.site.unwrap_or_else(|| panic!("the imported assets load: {errors:?}\n{toml}"));
    assert_eq!(site.assets.len(), app.site.assets.len() + 2);
    let plc = site.asset(site.asset_by_id("plc-filter-09").unwrap());
    assert_eq!(plc.kind.as_str(), "plc");
    assert_eq!(&*site.zone(plc.zone).id, "plant-control");
    let pc = site.asset(site.asset_by_id("office-pc-77").unwrap());
    assert_eq!(&*site.zone(pc.zone).id, "ent-users");
    assert_eq!(pc.criticality.as_str(), "low");

    // The defaults of the CLI's options: a zone and owner for rows without, a criticality.
    let csv = "Name,Type,IP\nSpare HMI 5,HMI Workstation,10.99.3.5\n";
    let r = import(&app, csv, "?zone=plant-control&owner=plant-ops&criticality=high", Auth::Bearer(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let toml = json(&r)["toml"].as_str().unwrap().to_string();
    assert!(toml.contains("zone = \"plant-control\"") && toml.contains("criticality = \"high\""), "{toml}");
    assert!(toml.contains("# imported from upload") || toml.contains("upload"), "{toml}");
}

#[tokio::test]
async fn a_bad_inventory_line_is_named() {
    let app = site_app().await;
    let t = token(&app, "eschmidt").await;
    let b = Auth::Bearer(&t);
    // Line 3's zone is misspelt, line 4 names an asset the site defines: both named, line 2 kept.
    let csv =
        "Name,Type,Zone\nSpare PLC 1,PLC,plant-control\nSpare PLC 2,PLC,plant-contrl\nplc-filt-01,PLC,plant-control\n";
    let r = import(&app, csv, "?name=spares.csv", b).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json(&r);
    documented::<server::site::SiteImportCsv>(&v);
    assert_eq!((v["rows"].as_u64(), v["imported"].as_u64(), v["bad_rows"].as_u64()), (Some(3), Some(1), Some(2)));
    let problems = v["problems"].as_array().unwrap();
    let line3 = problems.iter().find(|p| p["line"] == 3).unwrap_or_else(|| panic!("line 3 in {problems:?}"));
    assert_eq!(line3["file"], "spares.csv");
    assert_eq!(line3["field"], "Zone");
    assert!(line3["message"].as_str().unwrap().contains("plant-contrl"), "{line3}");
    assert!(
        problems.iter().any(|p| p["line"] == 4 && p["message"].as_str().unwrap().contains("plc-filt-01")),
        "{problems:?}"
    );
    let toml = v["toml"].as_str().unwrap();
    assert!(toml.contains("spare-plc-1") && !toml.contains("spare-plc-2") && !toml.contains("plc-filt-01"), "{toml}");

    // Nothing reads: 422 with every bad line.
    let csv = "Name,Type,Zone\nSpare PLC 2,PLC,plant-contrl\nSpare PLC 3,toaster,plant-control\n";
    let r = import(&app, csv, "", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = json(&r);
    documented::<server::site::SiteImportRefused>(&v);
    let e = v["error"].as_str().unwrap();
    assert!(e.contains("upload:2") && e.contains("upload:3") && e.contains("toaster"), "{e}");
    let lines: Vec<u64> = v["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert!(lines.contains(&2) && lines.contains(&3), "{lines:?}");
    // No kind column: the header is named.
    let r = import(&app, "Name,Zone\nSpare PLC 4,plant-control\n", "", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    documented::<server::site::SiteImportRefused>(&json(&r));
    assert!(error(&r).contains("kind"), "{}", r.body);
    // A default the site does not know, a criticality that is not one, an empty body.
    let r = import(&app, "Name,Type\nSpare PLC 5,PLC\n", "?zone=nowhere", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(error(&r).contains("nowhere"), "{}", r.body);
    let r = import(&app, "Name,Type\nSpare PLC 5,PLC\n", "?criticality=enormous", b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    documented::<server::site::SiteImportRefused>(&json(&r));
    let r = import(&app, "  \n", "", b).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // Past the server's body limit (2 MiB): 413, for a CSV and for actions alike.
    let big = format!("Name,Type\n{}", "Spare PLC,PLC\n".repeat(200_000));
    let r = import(&app, &big, "", b).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let r = send(&app, post_json("/api/site/impact", &impact_body(&[&"x".repeat(3 << 20)]), b)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
}

#[tokio::test]
async fn a_session_post_needs_its_csrf_token() {
    let app = site_app().await;
    let (cookie, csrf) = sign_in(&app, "kpowell").await;
    // Reading with the session needs no token.
    let r = send(&app, get("/api/site/spof?process=disinfection", Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Computing is a POST: refused without the token, answered with it.
    let body = impact_body(&[OFFLINE]);
    let r = send(&app, post_json("/api/site/impact", &body, Auth::Session(&cookie, None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, post_json("/api/site/impact", &body, Auth::Session(&cookie, Some("not-the-token")))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = send(&app, post_json("/api/site/impact", &body, Auth::Session(&cookie, Some(&csrf)))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = import(&app, INVENTORY, "", Auth::Session(&cookie, None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = import(&app, INVENTORY, "", Auth::Session(&cookie, Some(&csrf))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn without_a_site_every_route_answers_503() {
    let app = app_configured(|s| {
        s.site = None;
        s.graph = None;
    })
    .await;
    let t = token(&app, "mgarcia").await;
    for (m, uri) in site_routes() {
        let req = if m == Method::GET {
            get(&format!("{uri}?compromised=ews-01"), Auth::Bearer(&t))
        } else if uri.ends_with("/impact") {
            post_json(uri, &impact_body(&[OFFLINE]), Auth::Bearer(&t))
        } else {
            post_body(uri, "text/csv", INVENTORY, Auth::Bearer(&t))
        };
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{m} {uri}: {}", r.body);
        assert!(error(&r).contains("--site"), "{m} {uri}: {}", r.body);
    }
}

#[tokio::test]
async fn a_disabled_user_reads_nothing() {
    let app = site_app().await;
    let t = token(&app, "kpowell").await;
    let admin = token(&app, "mgarcia").await;
    let r = send(&app, post_json("/api/users/kpowell/disable", r#"{"reason": "left"}"#, Auth::Bearer(&admin))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send(&app, get("/api/site", Auth::Bearer(&t))).await;
    assert!(r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN, "{}: {}", r.status, r.body);
}

#[test]
fn the_site_routes_are_documented_under_their_own_operation_ids() {
    let doc: Value = serde_json::from_str(&server::openapi_json()).unwrap();
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values().map(|op| op["operationId"].as_str().unwrap()))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "an operationId is used twice");
    for (m, path) in site_routes() {
        let op = &doc["paths"][path][m.as_str().to_lowercase()];
        assert_eq!(op["tags"], json!(["site"]), "{m} {path}");
        assert!(op["operationId"].as_str().unwrap().starts_with("site_"), "{m} {path}");
        // Every answer but the import's refusal is documented with its shape.
        assert!(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].is_string(), "{m} {path}");
    }
}
