#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The restoration order and the single points of failure on the example site, the search
//! checked against `impact::analyze` as an oracle, and both on random sites with proptest.

mod common;

use std::collections::{BTreeSet, HashSet};

use impact::order::{self, OrderOptions, ReEntry, RestoreOrder, Stage};
use impact::spof::{self, SpofOptions, Spofs};
use impact::{Action, Category, Graph};
use proptest::prelude::*;
use site_model::{AssetIx, Criticality, Function, Site, Source};

fn a(site: &Site, id: &str) -> AssetIx {
    site.asset_by_id(id).unwrap_or_else(|| panic!("no asset {id}"))
}

fn step(o: &RestoreOrder, site: &Site, id: &str) -> usize {
    o.step_of(a(site, id)).unwrap_or_else(|| panic!("{id} not in the order"))
}

fn everything(site: &Site) -> Vec<AssetIx> {
    (0..site.assets.len() as u32).map(AssetIx).collect()
}

// ---------------------------------------------------------------- restoration order

#[test]
fn identity_name_resolution_and_time_come_before_the_stations_that_need_them() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let o = order::restore_order(&site, &g, &everything(&site), &OrderOptions::default());
    assert_eq!(o.assets().count(), site.assets.len(), "every asset exactly once");
    for station in ["hmi-cr-01", "hmi-cr-02", "hmi-cr-03", "hmi-cr-04", "hmi-sup-01", "ews-01", "ews-02"] {
        for provider in ["dc-corp-01", "dc-corp-02", "dns-corp-01", "gps-clock-01", "ntp-corp-01"] {
            assert!(step(&o, &site, provider) < step(&o, &site, station), "{provider} not before {station}");
        }
    }
    // Every dependency of a constraining kind inside the set is respected.
    for d in &site.dependencies {
        if OrderOptions::default_kinds().contains(d.kind) {
            let (c, p) = (o.step_of(d.consumer).unwrap(), o.step_of(d.provider).unwrap());
            assert!(p <= c, "{} before its provider {}", site.asset(d.consumer).id, site.asset(d.provider).id);
        }
    }
    // The reasons name the providers.
    let hmi = o.assets().find(|p| p.asset == a(&site, "hmi-cr-01")).unwrap();
    let why = hmi.reason(&site);
    assert!(why.contains("dc-corp-01 (authentication)") && why.contains("gps-clock-01 (time)"), "{why}");
    let clock = o.assets().find(|p| p.asset == a(&site, "gps-clock-01")).unwrap();
    assert_eq!(clock.reason(&site), "no provider in the set");
}

#[test]
fn historians_and_hmis_come_before_business_links() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let o = order::restore_order(&site, &g, &everything(&site), &OrderOptions::default());
    for first in ["hist-ot-01", "hist-dmz-01", "hmi-cr-01", "hmi-sup-01"] {
        for business in ["erp-01", "compliance-01", "cmms-01", "billing-01", "ws-ops-01", "ws-gm-01"] {
            assert!(step(&o, &site, first) < step(&o, &site, business), "{first} not before {business}");
        }
    }
    // The historian's readers come after it, whatever their criticality.
    for reader in ["ws-ops-01", "ws-eng-01"] {
        assert!(step(&o, &site, "pivision-dmz-01") < step(&o, &site, reader));
    }
    // The recovery plan's order also puts the HMIs before the controllers.
    let r = order::restore_order(&site, &g, &everything(&site), &OrderOptions::recovery());
    for hmi in ["hmi-cr-01", "hmi-sup-01", "hist-ot-01"] {
        assert!(step(&r, &site, "dc-corp-01") < step(&r, &site, hmi));
        assert!(step(&r, &site, "gps-clock-01") < step(&r, &site, hmi));
        for plc in ["plc-chlor-01", "plc-filt-01", "sis-chlor-01", "rtu-res-north-01"] {
            assert!(step(&r, &site, hmi) < step(&r, &site, plc), "{hmi} not before {plc}");
        }
    }
}

#[test]
fn dependency_cycles_are_restored_together_and_said_so() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let o = order::restore_order(&site, &g, &everything(&site), &OrderOptions::default());
    // The two domain controllers replicate from each other.
    let s = step(&o, &site, "dc-corp-01");
    assert_eq!(s, step(&o, &site, "dc-corp-02"));
    assert!(o.steps[s].is_cycle());
    let dc = o.assets().find(|p| p.asset == a(&site, "dc-corp-02")).unwrap();
    assert!(dc.together.contains(&a(&site, "dc-corp-01")));
    assert!(dc.reason(&site).contains("together with") && dc.reason(&site).contains("dc-corp-01"));
    // A cycle through a running asset outside the set is named.
    let o = order::restore_order(&site, &g, &[a(&site, "dc-corp-01")], &OrderOptions::default());
    assert_eq!(o.steps.len(), 1);
    assert!(o.steps[0].running_in_cycle.contains(&a(&site, "dc-corp-02")), "{:?}", o.steps[0]);
}

#[test]
fn waits_through_running_assets_are_respected_and_explained() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    // ws-ops-01 reads the PI Vision server (running), which reads the IDMZ historian (running),
    // which replicates hist-ot-01: restoring hist-ot-01 and ws-ops-01, the historian comes first.
    let set = [a(&site, "ws-ops-01"), a(&site, "hist-ot-01")];
    let o = order::restore_order(&site, &g, &set, &OrderOptions { stage_first: true, ..OrderOptions::default() });
    assert!(step(&o, &site, "hist-ot-01") < step(&o, &site, "ws-ops-01"));
    let ws = o.assets().find(|p| p.asset == a(&site, "ws-ops-01")).unwrap();
    assert!(ws.reason(&site).contains("after hist-ot-01 through running"), "{}", ws.reason(&site));
    assert!(o.looked_through > 0);
}

#[test]
fn re_entry_points_are_flagged_with_their_checks() {
    let site = common::riverbend();
    let flag = |id: &str| order::reentry_of(site.asset(a(&site, id)));
    assert_eq!(flag("dc-corp-01"), Some(ReEntry::Identity));
    assert_eq!(flag("mfa-01"), Some(ReEntry::Identity));
    assert_eq!(flag("vpn-corp-01"), Some(ReEntry::RemoteAccess));
    assert_eq!(flag("jump-dmz-01"), Some(ReEntry::RemoteAccess));
    assert_eq!(flag("siem-01"), Some(ReEntry::Monitoring));
    assert_eq!(flag("logrelay-dmz-01"), Some(ReEntry::Monitoring));
    assert_eq!(flag("nsm-ot-01"), Some(ReEntry::Monitoring));
    assert_eq!(flag("plc-chlor-01"), None);
    assert_eq!(flag("hmi-cr-01"), None);
    assert!(ReEntry::Identity.checks().iter().any(|c| c.contains("KRBTGT")));
    assert_eq!(order::stage_of(site.asset(a(&site, "callout-01"))), Stage::Supervisory);
    assert_eq!(order::stage_of(site.asset(a(&site, "edr-mgr-01"))), Stage::Monitoring);
}

#[test]
fn the_assets_an_action_affects_come_back_directory_first() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let actions: Vec<Action> = ["take-offline dc-corp-01", "take-offline dc-corp-02"]
        .iter()
        .map(|t| Action::parse(&site, t).unwrap())
        .collect();
    let impact = impact::analyze(&site, &g, &actions);
    let set = order::affected_assets(&site, &g, &impact);
    for id in ["dc-corp-01", "dc-corp-02", "hmi-cr-01", "ews-01"] {
        assert!(set.contains(&a(&site, id)), "{id} not affected");
    }
    let o = order::restore_order(&site, &g, &set, &OrderOptions::default());
    assert_eq!(step(&o, &site, "dc-corp-01"), 0);
    assert!(step(&o, &site, "dc-corp-02") < step(&o, &site, "hmi-cr-01"));
}

// ---------------------------------------------------------------- single points of failure

fn lone<'a>(s: &'a Spofs, site: &Site, id: &str) -> Option<&'a spof::LoneProvider> {
    s.lone.iter().find(|l| l.provider == a(site, id))
}

#[test]
fn with_one_directory_server_down_the_other_is_a_single_point_of_failure_for_the_control_room() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let before = spof::find(&site, &g, &SpofOptions::default());
    let alone_before: Vec<AssetIx> = lone(&before, &site, "dc-corp-02")
        .map(|l| {
            l.kinds.iter().filter(|k| k.kind == Function::Authentication).flat_map(|k| k.consumers.clone()).collect()
        })
        .unwrap_or_default();
    assert!(!alone_before.contains(&a(&site, "hmi-cr-01")), "both directory servers serve the stations");

    let opts = SpofOptions { assume_down: vec![a(&site, "dc-corp-01")], ..SpofOptions::default() };
    let s = spof::find(&site, &g, &opts);
    let dc = lone(&s, &site, "dc-corp-02").expect("dc-corp-02 is alone now");
    let auth = dc.kinds.iter().find(|k| k.kind == Function::Authentication).unwrap();
    for hmi in ["hmi-cr-01", "hmi-cr-02", "hmi-cr-03", "hmi-cr-04", "hmi-sup-01"] {
        assert!(auth.consumers.contains(&a(&site, hmi)), "{hmi} not served alone");
        assert!(dc.stations.contains(&a(&site, hmi)), "{hmi} would not be lost");
    }
    assert_eq!(auth.others_lost, vec![a(&site, "dc-corp-01")]);
    assert!(dc.processes.iter().any(|(p, c, _)| &*site.processes[*p].id == "disinfection" && *c == Category::View));
    // Alone because of the assumption: ranked before the providers that were alone anyway.
    let pos = |f: &dyn Fn(&spof::LoneProvider) -> bool| s.lone.iter().position(f).unwrap();
    assert!(
        pos(&|l| l.provider == a(&site, "dc-corp-02")) < pos(&|l| l.kinds.iter().all(|k| k.others_lost.is_empty()))
    );
    let why = spof::explain_lone(&site, &g, &s.assume_down, dc).join("\n");
    assert!(why.contains("hmi-cr-01 loses authentication: it needs authentication from dc-corp-02"), "{why}");
    assert!(why.contains("assumed down") || why.contains("loss of dc-corp-02"), "{why}");
}

#[test]
fn the_historian_is_a_single_point_of_failure_for_the_alarm_callout() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let s = spof::find(&site, &g, &SpofOptions::default());
    let h = lone(&s, &site, "hist-ot-01").expect("hist-ot-01 reported");
    let alarm = h.kinds.iter().find(|k| k.kind == Function::Alarm).expect("alarm");
    assert_eq!(alarm.consumers, vec![a(&site, "callout-01")]);
    // Every examined process relies on the callout for alarms: impaired, not lost.
    assert!(
        h.processes
            .iter()
            .any(|(p, c, lost)| &*site.processes[*p].id == "disinfection" && *c == Category::Alarm && !lost)
    );
    let why = spof::explain_lone(&site, &g, &[], h).join("\n");
    assert!(why.contains("callout-01 loses alarm: it needs alarm from hist-ot-01"), "{why}");
}

#[test]
fn per_process_single_points_of_failure_with_their_chains() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let s = spof::find(&site, &g, &SpofOptions::default());
    let report = |id: &str| s.processes.iter().find(|r| &*site.processes[r.process].id == id).unwrap();
    // Residuals (medium) is not examined by default.
    assert!(s.processes.iter().all(|r| site.processes[r.process].criticality >= Criticality::High));
    let dis = report("disinfection");
    let with = |r: &spof::ProcessReport, c: Category| -> BTreeSet<String> {
        r.spofs.iter().filter(|s| s.lost.contains(&c)).map(|s| site.asset(s.asset).id.to_string()).collect()
    };
    assert!(with(dis, Category::Safety).contains("sis-chlor-01"));
    assert!(with(dis, Category::Control).contains("plc-chlor-01"));
    // Filtration: each filter PLC's only I/O is upstream of the process.
    let filt = report("filtration");
    let io = filt.spofs.iter().find(|s| site.asset(s.asset).id.as_ref() == "fio-filt-01").unwrap();
    assert!(!io.member && io.lost == vec![Category::Control]);
    let why = spof::explain_process_spof(&site, &g, &[], io).join("\n");
    assert!(why.contains("plc-filt-01 loses control: it needs control from fio-filt-01"), "{why}");
    // Asking for one process examines only that one.
    let one = spof::find(&site, &g, &SpofOptions { processes: vec![filt.process], ..SpofOptions::default() });
    assert_eq!(one.processes.len(), 1);
    let key = |v: &[spof::ProcessSpof]| -> BTreeSet<(AssetIx, Vec<Category>, bool)> {
        v.iter().map(|s| (s.asset, s.lost.clone(), s.member)).collect()
    };
    assert_eq!(key(&one.processes[0].spofs), key(&filt.spofs));
}

/// The oracle: for every candidate, `analyze` with the assumed-down assets and the candidate taken
/// offline; a function counts when `analyze` reports it lost and it was not lost already.
fn oracle(site: &Site, g: &Graph, assume_down: &[AssetIx], found: &Spofs) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for r in &found.processes {
        let base: HashSet<Category> = r.already_lost.iter().copied().collect();
        for c in spof::closure(site, g, r.process) {
            if assume_down.contains(&c) {
                continue;
            }
            let base_impact = impact::analyze(site, g, &spof::loss_actions(site, assume_down, None));
            if base_impact.is_unusable(c) {
                continue;
            }
            let i = spof::loss_impact(site, g, assume_down, c);
            let Some(p) = i.processes.iter().find(|p| p.process == r.process) else { continue };
            for (cat, st) in [
                (Category::Safety, p.safety),
                (Category::Control, p.control),
                (Category::Alarm, p.alarm),
                (Category::View, p.view),
            ] {
                if st == impact::Status::Lost && !base.contains(&cat) {
                    out.insert((
                        site.processes[r.process].id.to_string(),
                        site.asset(c).id.to_string(),
                        cat.as_str().to_string(),
                    ));
                }
            }
        }
    }
    out
}

fn findings(site: &Site, found: &Spofs) -> BTreeSet<(String, String, String)> {
    found
        .processes
        .iter()
        .flat_map(|r| {
            r.spofs.iter().flat_map(move |s| {
                s.lost.iter().map(move |c| {
                    (
                        site.processes[r.process].id.to_string(),
                        site.asset(s.asset).id.to_string(),
                        c.as_str().to_string(),
                    )
                })
            })
        })
        .collect()
}

#[test]
fn the_search_agrees_with_analyze_on_the_example_site() {
    let site = common::riverbend();
    let g = Graph::compile(&site);
    let all: Vec<usize> = (0..site.processes.len()).collect();
    for down in
        [vec![], vec!["dc-corp-01"], vec!["scada-01"], vec!["alarm-01", "hist-ot-02"], vec!["dc-corp-02", "mfa-01"]]
    {
        let assume: Vec<AssetIx> = down.iter().map(|id| a(&site, id)).collect();
        let opts = SpofOptions { assume_down: assume.clone(), processes: all.clone(), ..SpofOptions::default() };
        let found = spof::find(&site, &g, &opts);
        assert_eq!(findings(&site, &found), oracle(&site, &g, &assume, &found), "assuming {down:?} down");
    }
}

// ---------------------------------------------------------------- random sites

const KINDS: &[&str] =
    &["plc", "hmi", "field-io", "control-server", "domain-controller", "historian", "application-server"];

/// A random site: `n` assets in one zone, dependencies (consumer, provider, kind), processes.
fn random_site(n: usize, deps: &[(usize, usize, usize)], kinds: &[usize], procs: &[Vec<(usize, usize)>]) -> Site {
    let mut t =
        String::from("[site]\nid = \"r\"\nname = \"R\"\n\n[[zone]]\nid = \"z\"\nname = \"Z\"\ndomain = \"ot\"\n\n");
    for i in 0..n {
        t.push_str(&format!(
            "[[asset]]\nid = \"a{i:02}\"\nkind = \"{}\"\nzone = \"z\"\ncriticality = \"{}\"\n\n",
            KINDS[kinds.get(i).copied().unwrap_or(0) % KINDS.len()],
            ["low", "medium", "high", "critical"][i % 4]
        ));
    }
    let mut seen = HashSet::new();
    for &(c, p, k) in deps {
        let (c, p) = (c % n, p % n);
        let k = Function::ALL[k % Function::ALL.len()];
        if c != p && seen.insert((c, p, k)) {
            t.push_str(&format!("[[dependency]]\nconsumer = \"a{c:02}\"\nprovider = \"a{p:02}\"\nkind = \"{k}\"\n\n"));
        }
    }
    for (j, members) in procs.iter().enumerate() {
        let role = |r: usize| {
            let mut v: Vec<String> =
                members.iter().filter(|(_, x)| x % 4 == r).map(|(m, _)| format!("\"a{:02}\"", m % n)).collect();
            v.sort();
            v.dedup();
            v.join(", ")
        };
        let control = if role(0).is_empty() { "\"a00\"".to_string() } else { role(0) };
        t.push_str(&format!(
            "[[process]]\nid = \"p{j}\"\nname = \"P{j}\"\ncriticality = \"critical\"\ncontrol = [{control}]\nview = [{}]\nalarm = [{}]\nsafety = [{}]\n\n",
            role(1),
            role(2),
            role(3)
        ));
    }
    common::load(vec![Source { path: "site.toml".into(), text: t }])
}

/// Whether `to` is reachable from `from` over dependencies of the given kinds (consumer to provider).
fn reaches(site: &Site, from: AssetIx, to: AssetIx, kinds: site_model::FunctionSet) -> bool {
    let mut seen = HashSet::from([from]);
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        for d in site.dependencies.iter().filter(|d| d.consumer == x && kinds.contains(d.kind)) {
            if d.provider == to {
                return true;
            }
            if seen.insert(d.provider) {
                stack.push(d.provider);
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// On random DAGs (providers always have a lower number than their consumers) the order
    /// never puts a consumer before one of its providers, directly or through assets outside
    /// the set, and holds every asset of the set exactly once.
    #[test]
    fn the_order_never_puts_a_consumer_before_its_provider(
        n in 2usize..40,
        edges in proptest::collection::vec((0usize..1000, 0usize..1000, 0usize..13), 0..120),
        kinds in proptest::collection::vec(0usize..7, 40),
        subset in proptest::collection::vec(any::<bool>(), 40),
        stage_first in any::<bool>(),
    ) {
        let deps: Vec<(usize, usize, usize)> = edges
            .iter()
            .map(|(x, y, k)| {
                let (x, y) = (x % n, y % n);
                (x.max(y), x.min(y), *k)
            })
            .collect();
        let site = random_site(n, &deps, &kinds, &[]);
        let g = Graph::compile(&site);
        let set: Vec<AssetIx> = (0..n).filter(|i| subset[*i]).map(|i| AssetIx(i as u32)).collect();
        let opts = OrderOptions { stage_first, ..OrderOptions::default() };
        let o = order::restore_order(&site, &g, &set, &opts);
        let placed: Vec<AssetIx> = o.assets().map(|p| p.asset).collect();
        prop_assert_eq!(placed.len(), set.len());
        prop_assert_eq!(placed.iter().copied().collect::<BTreeSet<_>>(), set.iter().copied().collect::<BTreeSet<_>>());
        prop_assert!(o.steps.iter().all(|s| !s.is_cycle()), "a DAG has no cycles");
        for &c in &set {
            for &p in &set {
                if c != p && reaches(&site, c, p, opts.kinds) {
                    prop_assert!(o.step_of(p).unwrap() < o.step_of(c).unwrap(),
                        "{} before its provider {}", site.asset(c).id, site.asset(p).id);
                }
            }
        }
    }

    /// With cycles, assets that reach each other share a step and all others keep providers first.
    #[test]
    fn cycles_share_a_step_and_everything_else_keeps_its_order(
        n in 2usize..25,
        edges in proptest::collection::vec((0usize..1000, 0usize..1000, 0usize..13), 0..80),
        subset in proptest::collection::vec(any::<bool>(), 25),
    ) {
        let deps: Vec<(usize, usize, usize)> = edges.to_vec();
        let site = random_site(n, &deps, &[], &[]);
        let g = Graph::compile(&site);
        let set: Vec<AssetIx> = (0..n).filter(|i| subset[*i]).map(|i| AssetIx(i as u32)).collect();
        let opts = OrderOptions::default();
        let o = order::restore_order(&site, &g, &set, &opts);
        prop_assert_eq!(o.assets().count(), set.len());
        for &c in &set {
            for &p in &set {
                if c == p {
                    continue;
                }
                let (cp, pc) = (reaches(&site, c, p, opts.kinds), reaches(&site, p, c, opts.kinds));
                let (sc, sp) = (o.step_of(c).unwrap(), o.step_of(p).unwrap());
                if cp && pc {
                    prop_assert_eq!(sc, sp);
                } else if cp {
                    prop_assert!(sp < sc);
                }
            }
        }
    }

    /// The single-point-of-failure search agrees with `analyze` on random sites.
    #[test]
    fn the_search_agrees_with_analyze_on_random_sites(
        n in 3usize..24,
        edges in proptest::collection::vec((0usize..1000, 0usize..1000, 0usize..13), 0..70),
        kinds in proptest::collection::vec(0usize..7, 24),
        procs in proptest::collection::vec(proptest::collection::vec((0usize..1000, 0usize..4), 1..8), 1..3),
        down in proptest::collection::vec(0usize..1000, 0..2),
    ) {
        let site = random_site(n, &edges, &kinds, &procs);
        let g = Graph::compile(&site);
        let assume: Vec<AssetIx> = down.iter().map(|d| AssetIx((d % n) as u32)).collect();
        let all: Vec<usize> = (0..site.processes.len()).collect();
        let opts = SpofOptions { assume_down: assume.clone(), processes: all, ..SpofOptions::default() };
        let found = spof::find(&site, &g, &opts);
        prop_assert_eq!(findings(&site, &found), oracle(&site, &g, &assume, &found));
    }
}
