//! The brief's cases on the example site: is this activity authorised work?
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evidence::{Activity, Correlator, Format, Grant, GrantStatus, Verdict, WorkActivity, WorkOrder};
use site_model::{LoadOptions, Site, Source};

fn riverbend() -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
            }
        }
    }
    let o = site_model::load(files, &LoadOptions::default());
    o.site.unwrap_or_else(|| panic!("{:?}", o.diagnostics))
}

/// 2026-11-26 at `h:m` UTC, in microseconds.
fn t(h: i64, m: i64) -> i64 {
    (1_795_651_200 + h * 3600 + m * 60) * 1_000_000
}

fn grant() -> Grant {
    Grant {
        id: "VG-7".into(),
        vendor: "ridgeline".into(),
        people: vec![],
        accounts: vec!["ridgeline-support".into()],
        assets: vec!["ews-01".into()],
        pathway: Some("ridgeline/remote-support".into()),
        start: t(8, 0),
        end: t(12, 0),
        mfa: true,
        supervisor: Some("hpatel".into()),
        recording: true,
        safety_critical: false,
        status: GrantStatus::Active,
        status_reason: None,
    }
}

fn work() -> WorkOrder {
    WorkOrder {
        id: "WO-1142".into(),
        title: "Filter PLC logic update".into(),
        assets: vec!["plc-filt-01".into()],
        people: vec!["hpatel".into()],
        accounts: vec![],
        vendor: None,
        start: t(9, 0),
        end: t(11, 0),
        activities: vec![WorkActivity::Patching],
        supervisor: None,
        cancelled: false,
    }
}

fn session(user: &str, target: &str, start: i64, end: i64) -> Activity {
    let mut a = Activity::new(Format::Sessions, 1, start);
    a.end = Some(end);
    a.user = Some(user.into());
    a.src = Some("jump-dmz-01".into());
    a.dst = Some(target.into());
    a
}

#[test]
fn a_vendor_session_to_the_engineering_workstation_in_its_window_is_authorised() {
    let site = riverbend();
    let (w, g) = (vec![work()], vec![grant()]);
    w.iter().for_each(|x| x.check(&site).unwrap());
    g.iter().for_each(|x| x.check(&site).unwrap());
    let c = Correlator::new(&site, &w, &g);
    let j = c.judge(&session("CORP\\v-ridgeline", "10.30.2.30", t(9, 5), t(9, 40)));
    assert_eq!(j.verdict, Verdict::Authorised { by: "vendor grant VG-7".into() });
    assert_eq!(site.asset(j.dst.unwrap()).id.as_ref(), "ews-01");
    // The short form of the user name resolves too.
    let j = c.judge(&session("v-ridgeline", "ews-01", t(9, 5), t(9, 40)));
    assert_eq!(j.verdict.word(), "authorised");
}

#[test]
fn the_same_session_to_the_safety_controller_is_partially_authorised_with_the_reason() {
    let site = riverbend();
    let (w, g) = (vec![work()], vec![grant()]);
    let c = Correlator::new(&site, &w, &g);
    let j = c.judge(&session("CORP\\v-ridgeline", "10.30.15.10", t(9, 5), t(9, 40)));
    let Verdict::Partial { by, mismatches } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(by, "vendor grant VG-7");
    assert_eq!(mismatches, &vec!["it covers ews-01, not sis-chlor-01".to_string()]);
    // Right asset, outside the window.
    let j = c.judge(&session("CORP\\v-ridgeline", "ews-01", t(13, 0), t(13, 30)));
    let Verdict::Partial { mismatches, .. } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert!(
        mismatches[0].starts_with("outside its window (2026-11-26T08:00:00Z to 2026-11-26T12:00:00Z"),
        "{mismatches:?}"
    );
    // Unsupervised where supervision is required.
    let mut g2 = grant();
    g2.supervisor = None;
    let g2 = vec![g2];
    let c2 = Correlator::new(&site, &w, &g2);
    let j = c2.judge(&session("CORP\\v-ridgeline", "ews-01", t(9, 5), t(9, 40)));
    let Verdict::Partial { mismatches, .. } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(mismatches, &vec!["unsupervised where the vendor's access requires supervision".to_string()]);
}

#[test]
fn a_login_with_the_legacy_remote_access_account_is_unauthorised() {
    let site = riverbend();
    let (w, g) = (vec![work()], vec![grant()]);
    let c = Correlator::new(&site, &w, &g);
    // Even in the grant's window, on the grant's asset: the account is dormant.
    let j = c.judge(&session("rcs_upgrade2019", "ews-01", t(9, 10), t(9, 58)));
    let Verdict::Unauthorised { reasons } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(reasons[0], "account ridgeline-legacy (rcs_upgrade2019) is dormant (not intended to be in use)");
    assert_eq!(reasons[1], "no work order or grant can authorise its use on ews-01");
    // An active account that nothing covers is unauthorised too, with the reason.
    let c = Correlator::new(&site, &[], &[]);
    let j = c.judge(&session("CORP\\v-ridgeline", "ews-01", t(2, 10), t(2, 58)));
    let Verdict::Unauthorised { reasons } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(reasons[0], "no work order or vendor grant covers ews-01 or account ridgeline-support");
}

#[test]
fn traffic_from_an_uninventoried_host_is_unknown() {
    let site = riverbend();
    let c = Correlator::new(&site, &[], &[]);
    let mut a = Activity::new(Format::Zeek, 7, t(3, 0));
    a.src = Some("10.30.2.99".into());
    a.dst = Some("10.30.14.10".into());
    a.dst_port = Some(502);
    let j = c.judge(&a);
    let Verdict::Unknown { what } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(what, &vec!["source 10.30.2.99 is not in the site model (an uninventoried asset?)".to_string()]);
    assert_eq!(site.asset(j.dst.unwrap()).id.as_ref(), "plc-chlor-01");
}

#[test]
fn a_control_change_under_work_that_allows_none_is_partial() {
    let site = riverbend();
    let w = vec![work()];
    let c = Correlator::new(&site, &w, &[]);
    let ews = "10.30.2.30";
    let plc = site.asset(site.asset_by_id("plc-filt-01").unwrap()).addresses[0].to_string();
    let mut a = Activity::new(Format::Suricata, 3, t(9, 30));
    a.src = Some(ews.into());
    a.dst = Some(plc.into());
    a.operation = Some("write_multiple_registers".into());
    a.changes_control = true;
    let j = c.judge(&a);
    let Verdict::Partial { by, mismatches } = &j.verdict else { panic!("{:?}", j.verdict) };
    assert_eq!(by, "work order WO-1142");
    assert!(
        mismatches[0].contains("a control change (write_multiple_registers) under work that allows none (patching)")
    );
}

#[test]
fn a_routine_flow_between_documented_partners_is_authorised_by_the_model() {
    let site = riverbend();
    let c = Correlator::new(&site, &[], &[]);
    let d = site
        .dependencies
        .iter()
        .find(|d| !site.asset(d.consumer).addresses.is_empty() && !site.asset(d.provider).addresses.is_empty())
        .unwrap();
    let mut a = Activity::new(Format::Zeek, 1, t(4, 0));
    a.src = Some(site.asset(d.consumer).addresses[0].clone());
    a.dst = Some(site.asset(d.provider).addresses[0].clone());
    let j = c.judge(&a);
    assert_eq!(j.verdict.word(), "authorised", "{:?}", j.verdict);
}

#[test]
fn records_are_checked_against_the_site() {
    let site = riverbend();
    let mut g = grant();
    g.assets = vec!["ews-99".into()];
    assert_eq!(
        g.check(&site).unwrap_err().to_string(),
        "grant VG-7 > assets: unknown asset \"ews-99\" (not in the site model)"
    );
    let mut g = grant();
    g.pathway = Some("ridgeline/backdoor".into());
    assert!(g.check(&site).unwrap_err().to_string().contains("has no pathway \"backdoor\""));
    let mut w = work();
    w.end = w.start;
    assert!(w.check(&site).unwrap_err().to_string().contains("end: must be after the start"));
}
