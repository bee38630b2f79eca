#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The brief's cases on the shipped example site, pinned.

mod common;

use std::path::Path;

use impact::{Action, Category, Graph, Impact, Status, Verdict};
use site_model::Site;

fn run(site: &Site, actions: &[&str]) -> Impact {
    let actions: Vec<Action> = actions.iter().map(|a| Action::parse(site, a).unwrap()).collect();
    impact::analyze(site, &Graph::compile(site), &actions)
}

fn ids(site: &Site, v: &[site_model::AssetIx]) -> Vec<String> {
    v.iter().map(|a| site.asset(*a).id.to_string()).collect()
}

fn category(site: &Site, i: &Impact, c: Category) -> Vec<String> {
    i.categories.iter().find(|(x, _)| *x == c).map(|(_, v)| ids(site, v)).unwrap_or_default()
}

fn process<'a>(site: &Site, i: &'a Impact, id: &str) -> &'a impact::ProcessImpact {
    i.processes.iter().find(|p| &*site.processes[p.process].id == id).unwrap_or_else(|| panic!("{id} not affected"))
}

#[test]
fn disabling_the_directory_locks_operators_out_of_their_stations() {
    let site = common::riverbend();
    let i = run(&site, &["take-offline dc-corp-01", "take-offline dc-corp-02"]);
    let unusable = ids(&site, &i.unusable.iter().map(|(a, _)| *a).collect::<Vec<_>>());
    for hmi in ["hmi-cr-01", "hmi-cr-02", "hmi-cr-03", "hmi-cr-04", "hmi-sup-01"] {
        assert!(unusable.contains(&hmi.to_string()), "{hmi} not lost: {unusable:?}");
    }
    // The explanation walks from the station to the action.
    let hmi = site.asset_by_id("hmi-cr-01").unwrap();
    let why = i.explain_unusable(&site, hmi).join("\n");
    assert!(why.contains("hmi-cr-01 loses authentication") && why.contains("stopped by action"), "{why}");
    // Operators keep only the local panels: the control-room view is degraded, not intact.
    assert_eq!(process(&site, &i, "disinfection").view, Status::Degraded);
    assert!(category(&site, &i, Category::View).contains(&"hmi-cr-01".to_string()));
    // IT actions with OT consequences: the verdict asks for measures at the stations.
    let m: Vec<&str> = i.verdict.measures().iter().map(|m| m.what.as_str()).collect();
    assert!(m.iter().any(|m| m.contains("keep operators logged on at") && m.contains("hmi-cr-01")), "{m:?}");
    // Not one dormant or vendor account is offered as a break-glass login.
    assert!(!m.iter().any(|m| m.contains("ridgeline-legacy")), "{m:?}");
}

#[test]
fn disabling_only_one_directory_server_leaves_the_other() {
    let site = common::riverbend();
    let i = run(&site, &["take-offline dc-corp-01"]);
    let ot_lost: Vec<String> = i
        .unusable
        .iter()
        .filter(|(a, _)| site.asset(*a).domain == site_model::Domain::Ot)
        .map(|(a, _)| site.asset(*a).id.to_string())
        .collect();
    assert!(ot_lost.is_empty(), "the second domain controller still serves the plant: {ot_lost:?}");
    assert!(
        i.degraded
            .iter()
            .any(|(a, k, _)| &*site.asset(*a).id == "hmi-cr-01" && *k == site_model::Function::Authentication)
    );
}

#[test]
fn isolating_the_plant_blinds_it_and_locks_out_operators() {
    let site = common::riverbend();
    let i = run(&site, &["isolate zone:plant"]);
    let telemetry = category(&site, &i, Category::TelemetryToIt);
    for it in ["hist-dmz-01", "compliance-01"] {
        assert!(telemetry.contains(&it.to_string()), "{it}: {telemetry:?}");
    }
    // The SIEM's relay keeps its IT feeds but loses the plant's.
    assert!(telemetry.contains(&"logrelay-dmz-01".to_string()), "{telemetry:?}");
    // Isolation also cuts the stations' corporate logins.
    assert!(i.is_unusable(site.asset_by_id("hmi-cr-01").unwrap()));
}

#[test]
fn isolating_the_historian_silences_alarms_and_needs_measures() {
    let site = common::riverbend();
    let i = run(&site, &["isolate hist-ot-01"]);
    assert_eq!(category(&site, &i, Category::Alarm), ["callout-01"]);
    let why = i.explain(&site, site.asset_by_id("callout-01").unwrap(), site_model::Function::Alarm).join("\n");
    assert!(
        why.contains("callout-01 loses alarm: it needs alarm from hist-ot-01") && why.contains("isolate hist-ot-01"),
        "{why}"
    );
    let p = process(&site, &i, "disinfection");
    assert_eq!(
        (p.alarm, p.control, p.view, p.safety),
        (Status::Degraded, Status::Intact, Status::Intact, Status::Intact)
    );
    match &i.verdict {
        Verdict::SafeWithMeasures(m) => {
            assert!(
                m.iter().any(|m| m.what.contains("watch the alarms") && m.what.contains("Chlorine disinfection")),
                "{m:?}"
            )
        }
        v => panic!("expected measures, got {v:?}"),
    }
    // IT loses the historian's telemetry too.
    assert!(category(&site, &i, Category::TelemetryToIt).contains(&"hist-dmz-01".to_string()));
}

#[test]
fn acting_on_the_safety_system_is_unsafe() {
    let site = common::riverbend();
    let i = run(&site, &["isolate sis-chlor-01 for containment"]);
    let p = process(&site, &i, "disinfection");
    assert_eq!(p.safety, Status::Lost);
    match &i.verdict {
        Verdict::Unsafe { reasons, .. } => {
            assert!(
                reasons.iter().any(|r| r.contains("removes the safety function of Chlorine disinfection")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().any(|r| r.contains("never containment targets without safety sign-off")),
                "{reasons:?}"
            );
        }
        v => panic!("expected unsafe, got {v:?}"),
    }
    assert!(i.self_inflicted.iter().any(|s| s.technique == "T0880"), "{:?}", i.self_inflicted);
}

#[test]
fn losing_control_beyond_manual_endurance_is_unsafe() {
    let site = common::riverbend();
    // Chlorination can run by hand for 12 hours; powering its PLC down for its typical 12h is
    // within it, island mode for three days is not relevant to control, but a 24h isolation is.
    let i = run(&site, &["isolate plc-chlor-01"]);
    let p = process(&site, &i, "disinfection");
    assert_eq!(p.control, Status::Lost);
    match &i.verdict {
        Verdict::Unsafe { reasons, .. } => {
            assert!(reasons.iter().any(|r| r.contains("sustainable for 12h but the action lasts 24h")), "{reasons:?}")
        }
        v => panic!("expected unsafe, got {v:?}"),
    }
    let i = run(&site, &["power-down plc-chlor-01"]);
    match &i.verdict {
        Verdict::SafeWithMeasures(m) => {
            assert!(m.iter().any(|m| m.what.contains("run Chlorine disinfection by hand per SOP-OPS-114")), "{m:?}");
            assert!(m.iter().any(|m| m.what.contains("de-energised state")), "{m:?}");
        }
        v => panic!("expected measures, got {v:?}"),
    }
    assert!(i.self_inflicted.iter().any(|s| s.technique == "T0827"));
}

#[test]
fn narrow_actions_break_less_than_broad_ones() {
    let site = common::riverbend();
    let broad = run(&site, &["island-mode"]);
    let narrow = run(&site, &["revoke-vendor-access vendor:ridgeline", "disable-account ridgeline-legacy"]);
    assert!(narrow.broken.len() < broad.broken.len());
    assert!(broad.broken.len() > 10, "island mode severs the plant from IT");
    // IT keeps the IDMZ; it loses what the IDMZ relays from the plant.
    assert!(category(&site, &broad, Category::TelemetryToIt).contains(&"compliance-01".to_string()));
    // The corporate logins of the control room go too, through the pinhole conduit.
    assert!(broad.is_unusable(site.asset_by_id("hmi-cr-01").unwrap()));
    assert_eq!(narrow.vendors.len(), site.vendors.iter().find(|v| &*v.id == "ridgeline").unwrap().pathways.len());
}

#[test]
fn blocking_a_conduit_can_keep_named_channels() {
    let site = common::riverbend();
    let all = run(&site, &["block-conduit conduit:idmz-plant-ops"]);
    let kept = run(&site, &["block-conduit conduit:idmz-plant-ops except pi-to-pi-replication"]);
    let lost = |i: &Impact| category(&site, i, Category::TelemetryToIt);
    assert!(lost(&all).contains(&"hist-dmz-01".to_string()), "{:?}", lost(&all));
    assert!(!lost(&kept).contains(&"hist-dmz-01".to_string()), "replication kept: {:?}", lost(&kept));
    assert!(lost(&kept).contains(&"logrelay-dmz-01".to_string()), "log forwarding still cut: {:?}", lost(&kept));
    assert!(kept.broken.len() < all.broken.len());
    let e = Action::parse(&site, "block-conduit conduit:idmz-plant-ops except pi-to-pi-replicaton").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean \"pi-to-pi-replication\"?"), "{e:?}");
}

#[test]
fn every_example_in_the_actions_doc_parses_on_the_example_site() {
    let site = common::riverbend();
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/actions.md")).unwrap();
    let mut n = 0;
    for line in doc.lines().filter(|l| l.starts_with("interlock impact sites/riverbend")) {
        for part in line.split("--action '").skip(1) {
            let text = part.split('\'').next().unwrap();
            Action::parse(&site, text).unwrap_or_else(|e| panic!("{text}: {}", e.explain()));
            n += 1;
        }
    }
    assert!(n >= 8, "{n} examples");
}

#[test]
fn actions_are_checked_against_the_vocabulary() {
    let site = common::riverbend();
    let e = Action::parse(&site, "isolat hist-ot-01").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean \"isolate\"?"), "{e:?}");
    let e = Action::parse(&site, "isolate hist-ot-1").unwrap_err();
    assert!(
        e.message.contains("unknown asset \"hist-ot-1\"") && e.help.as_deref() == Some("did you mean \"hist-ot-01\"?"),
        "{e:?}"
    );
    let e = Action::parse(&site, "disable-account zone:plant").unwrap_err();
    assert!(e.message.contains("does not apply to zone:plant"), "{e:?}");
    let e = Action::parse(&site, "restrict zone:idmz").unwrap_err();
    assert!(e.message.contains("must say which dependency kinds"), "{e:?}");
    let e = Action::parse(&site, "island-mode zone:plant").unwrap_err();
    assert!(e.message.contains("takes no target"), "{e:?}");
    let ok = Action::parse(&site, "restrict zone:idmz kinds remote-access for both").unwrap();
    assert_eq!(ok.intent, impact::Intent::Both);
}

#[test]
fn revoking_vendor_access_to_a_zone_cuts_every_pathway_into_it() {
    let site = common::riverbend();
    let i = run(&site, &["revoke-vendor-access zone:plant"]);
    let mut cut: Vec<String> = i
        .vendors
        .iter()
        .map(|v| {
            let vendor = &site.vendors[v.vendor];
            format!("{}/{}", vendor.id, vendor.pathways[v.pathway].id)
        })
        .collect();
    cut.sort();
    assert_eq!(cut, vec!["keystone/sis-support", "ridgeline/remote-support"]);
    // An enterprise zone holds no pathway target: nothing is cut.
    let i = run(&site, &["revoke-vendor-access zone:enterprise"]);
    assert!(i.vendors.is_empty());
}
