#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Attacker reachability and the containment planner on the shipped example site, pinned.

mod common;

use impact::plan::{Protect, impact_cost};
use impact::reach::{How, Node};
use impact::{AttackGraph, Foothold, Graph, PlanOptions};
use site_model::Site;

struct Fixture {
    site: Site,
    graph: Graph,
    attack: AttackGraph,
}

fn fixture() -> Fixture {
    let site = common::riverbend();
    let graph = Graph::compile(&site);
    let attack = AttackGraph::compile(&site, &graph).unwrap();
    Fixture { site, graph, attack }
}

impl Fixture {
    fn footholds(&self, texts: &[&str]) -> Vec<Foothold> {
        texts.iter().map(|t| Foothold::parse(&self.site, t).unwrap()).collect()
    }

    fn contain(&self, compromised: &[&str], protect: &[&str]) -> impact::Containment {
        let protect: Vec<Protect> = protect.iter().map(|p| Protect::parse(&self.site, p).unwrap()).collect();
        impact::plan(
            &self.site,
            &self.graph,
            &self.attack,
            &self.footholds(compromised),
            &protect,
            &PlanOptions { alternatives: 6, island: true },
        )
        .unwrap()
    }

    fn asset(&self, id: &str) -> Node {
        Node::Asset(self.site.asset_by_id(id).unwrap())
    }
}

const VENDOR_PATH: [&str; 2] = ["account:ridgeline-legacy", "pathway:ridgeline/remote-support"];
const REVOKE: &str = "revoke-vendor-access pathway:ridgeline/remote-support";
const DISABLE: &str = "disable-account ridgeline-legacy";

#[test]
fn from_the_legacy_account_the_attacker_reaches_the_ews_and_the_plcs() {
    let f = fixture();
    let starts = impact::reach::foothold_nodes(&f.site, &f.footholds(&["account:ridgeline-legacy"]));
    let reach = f.attack.reach(&starts);
    let ews = f.asset("ews-01");
    assert!(reach.reached(ews));
    let path = reach.path(ews);
    let text: Vec<String> = path.iter().map(|s| s.describe(&f.site)).collect();
    // account -> jump host (logs in with the dormant, password-only account) -> ews-01 (the jump
    // host opens remote sessions into it, through the IDMZ-to-control conduit).
    assert_eq!(path.len(), 2, "{text:#?}");
    assert_eq!(
        path[0].from,
        Node::Account(
            f.site
                .accounts
                .iter()
                .position(|a| &*a.id == "ridgeline-legacy")
                .map(|i| site_model::AccountIx(i as u32))
                .unwrap()
        )
    );
    assert_eq!(path[0].to, f.asset("jump-dmz-01"));
    assert!(text[0].contains("logs into jump-dmz-01 (dormant, not intended to be in use, no MFA)"), "{text:#?}");
    assert!(matches!(path[1].how, How::Serves(_)));
    assert!(text[1].contains("jump-dmz-01 opens remote sessions into ews-01"), "{text:#?}");
    assert!(text[1].contains("crossing conduit idmz-plant-control"), "{text:#?}");

    // Through the EWS, the PLCs: the next step programs a controller.
    for plc in ["plc-intake-01", "plc-coag-01", "plc-filt-01", "plc-chlor-01"] {
        let p = reach.path(f.asset(plc));
        assert!(p.len() <= 3, "{plc}: {:#?}", p.iter().map(|s| s.describe(&f.site)).collect::<Vec<_>>());
        assert!(p.iter().any(|s| s.to == ews), "{plc} is reached through ews-01");
        let last = p.last().unwrap().describe(&f.site);
        assert!(last.contains(&format!("ews-01 uses control from {plc}")), "{last}");
    }

    // The report: critical processes reached, their controllers, the nearest first.
    let procs = reach.processes(&f.site);
    let disinfection = procs.iter().find(|p| &*f.site.processes[p.process].id == "disinfection").unwrap();
    assert!(disinfection.control.contains(&f.site.asset_by_id("plc-chlor-01").unwrap()));
    assert!(reach.critical_assets(&f.site).contains(&f.site.asset_by_id("plc-chlor-01").unwrap()));
    let conduits: Vec<&str> = reach.conduits(&f.site).iter().map(|(c, _)| &*f.site.conduits[c.ix()].id).collect();
    assert!(conduits.contains(&"idmz-plant-control"), "{conduits:?}");
}

#[test]
fn a_disabled_account_opens_nothing() {
    let f = fixture();
    // dosetek-service is disabled in the model: as a foothold it reaches nothing beyond itself.
    let starts = impact::reach::foothold_nodes(&f.site, &f.footholds(&["account:dosetek-service"]));
    let reach = f.attack.reach(&starts);
    assert_eq!(reach.assets().count(), 0);
}

#[test]
fn on_the_vendor_path_the_planner_revokes_the_pathway_and_disables_the_legacy_account() {
    let f = fixture();
    let c = f.contain(&VENDOR_PATH, &[]);
    assert!(c.blocked.is_none());
    assert!(c.reached_protected > 0, "the attacker reaches the plant");
    let best = c.best().unwrap();
    assert_eq!(best.texts(), [REVOKE, DISABLE], "best plan");
    assert!(best.verified && best.cuts_protected.is_empty());
    assert_eq!(best.impact.verdict, impact::Verdict::Safe);
    assert!(best.impact.broken.is_empty(), "nothing the plant uses breaks");

    // Island mode is considered, and ranks below.
    let island = c.plans.iter().position(|p| p.texts().contains(&"island-mode"));
    let island = island.expect("island mode is among the alternatives");
    assert!(island > 0);
    let (ib, bb) = (c.plans[island].cost.unwrap_or(u64::MAX), best.cost.unwrap());
    assert!(ib > 10 * bb, "island mode costs far more: {ib} vs {bb}");
    // Ranked by cost.
    let costs: Vec<u64> = c.plans.iter().map(|p| p.cost.unwrap_or(u64::MAX)).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    // Every alternative severs the attacker too, without cutting a protected flow.
    for p in &c.plans {
        assert!(p.verified, "{:?}", p.texts());
        assert!(p.cuts_protected.is_empty(), "{:?}", p.texts());
    }
    // Alternatives say what they do without.
    assert!(c.plans[1..].iter().any(|p| p.without == [REVOKE] || p.without == [DISABLE]));
}

#[test]
fn either_half_of_the_vendor_path_alone() {
    let f = fixture();
    let c = f.contain(&["account:ridgeline-legacy"], &[]);
    assert_eq!(c.best().unwrap().texts(), [DISABLE]);
    let c = f.contain(&["pathway:ridgeline/remote-support"], &[]);
    assert_eq!(c.best().unwrap().texts(), [REVOKE]);
    // The whole vendor: its pathway and its accounts.
    let c = f.contain(&["vendor:ridgeline"], &[]);
    let mut t = c.best().unwrap().texts();
    t.sort();
    assert!(t.contains(&REVOKE) && t.contains(&DISABLE), "{t:?}");
    assert!(t.contains(&"disable-account ridgeline-support"), "{t:?}");
}

#[test]
fn the_planner_is_cheaper_than_islanding_by_its_own_measure() {
    let f = fixture();
    let island = impact::analyze(&f.site, &f.graph, &[impact::Action::parse(&f.site, "island-mode").unwrap()]);
    let narrow = impact::analyze(
        &f.site,
        &f.graph,
        &[impact::Action::parse(&f.site, REVOKE).unwrap(), impact::Action::parse(&f.site, DISABLE).unwrap()],
    );
    assert!(impact_cost(&f.site, &narrow).unwrap() < impact_cost(&f.site, &island).unwrap_or(u64::MAX));
}

#[test]
fn a_compromised_scada_server_cannot_be_cut_off_without_cutting_control() {
    let f = fixture();
    let c = f.contain(&["scada-02"], &["process:disinfection"]);
    assert_eq!(c.compromised_protected, [f.site.asset_by_id("scada-02").unwrap()]);
    assert!(c.plans.is_empty(), "{:?}", c.plans.iter().map(|p| p.texts()).collect::<Vec<_>>());
    let b = c.blocked.as_ref().expect("blocked");
    let flows: Vec<String> = b.flows.iter().map(|x| x.describe(&f.site)).collect();
    assert!(
        flows
            .iter()
            .any(|x| x.starts_with("scada-02 -> plc-chlor-01 (control): essential control of Chlorine disinfection")),
        "{flows:#?}"
    );
    assert!(!b.path.is_empty());
    assert_eq!(b.path.last().unwrap().to, f.asset("plc-chlor-01"));
}

#[test]
fn an_attacker_on_the_jump_host_is_cut_off_from_the_ews_without_cutting_its_control() {
    // Protecting ews-01 protects its control flows to the PLCs. The jump host holds the
    // credentials of every account that logs into it; those that also open ews-01 are
    // disabled, the vendor pathway through it is revoked, and the EWS keeps programming.
    let f = fixture();
    let c = f.contain(&["jump-dmz-01"], &["ews-01"]);
    let best = c.best().expect("a plan");
    assert!(best.verified && best.cuts_protected.is_empty());
    let t = best.texts();
    for want in ["disable-account hpatel", "disable-account eschmidt", "disable-account ridgeline-support", REVOKE] {
        assert!(t.contains(&want), "{want}: {t:?}");
    }
    assert!(!t.iter().any(|x| x.starts_with("isolate ews-01")), "{t:?}");
    let ews = f.site.asset_by_id("ews-01").unwrap();
    assert!(!best.impact.lost.iter().any(|(a, k, _)| *a == ews && *k == site_model::Function::Control));
}

#[test]
fn nothing_protected_reached_means_nothing_to_do() {
    let f = fixture();
    // A field device with no dependencies of its own reaches nothing.
    let lonely = f
        .site
        .assets
        .iter()
        .position(|a| {
            let ix = site_model::AssetIx(f.site.assets.iter().position(|b| b.id == a.id).unwrap() as u32);
            f.attack.out_edges(ix.0).next().is_none()
        })
        .map(|i| f.site.assets[i].id.to_string());
    let Some(lonely) = lonely else { return };
    let c = f.contain(&[&lonely], &[]);
    assert_eq!(c.reached_protected, 0);
    assert!(c.plans.is_empty() && c.blocked.is_none());
}

#[test]
fn footholds_and_protected_targets_are_checked() {
    let f = fixture();
    let e = Foothold::parse(&f.site, "account:ridgeline-legacyy").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean \"ridgeline-legacy\"?"), "{e:?}");
    let e = Foothold::parse(&f.site, "pathway:ridgeline/remote").unwrap_err();
    assert!(e.message.contains("unknown pathway"), "{e:?}");
    let e = Foothold::parse(&f.site, "acount:x").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean \"account\"?"), "{e:?}");
    let e = Protect::parse(&f.site, "process:disinfectio").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("did you mean \"disinfection\"?"), "{e:?}");
    assert!(Protect::parse(&f.site, "hmi-cr-01").is_ok());
}
