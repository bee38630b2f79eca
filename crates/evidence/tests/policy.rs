//! The vendor policy in incident mode, and what a revocation covers.
#![allow(clippy::unwrap_used)]

use evidence::work::{IncidentMode, Revocation, revoked_grants};
use evidence::{Grant, GrantStatus};

fn grant(id: &str, safety_critical: bool, supervisor: Option<&str>, recording: bool) -> Grant {
    Grant {
        id: id.into(),
        vendor: "keystone".into(),
        people: vec![],
        accounts: vec![],
        assets: vec!["ews-sis-01".into()],
        pathway: Some("keystone/sis-support".into()),
        start: 0,
        end: 1_000,
        mfa: true,
        supervisor: supervisor.map(Into::into),
        recording,
        safety_critical,
        status: GrantStatus::Active,
        status_reason: None,
    }
}

#[test]
fn declaring_suspends_all_but_supervised_recorded_safety_critical_work() {
    let ordinary = grant("VG-1", false, Some("hpatel"), true);
    assert_eq!(
        ordinary.incident_mode("INC-7", 10),
        IncidentMode::Suspended("suspended while incident INC-7 is declared: not safety-critical".into())
    );
    assert_eq!(grant("VG-2", true, Some("ocarter"), true).incident_mode("INC-7", 10), IncidentMode::Continues);
    for g in [grant("VG-3", true, None, true), grant("VG-4", true, Some("ocarter"), false)] {
        let IncidentMode::Suspended(why) = g.incident_mode("INC-7", 10) else { panic!("{}", g.id) };
        assert!(why.contains("only with a named supervisor and recording"), "{why}");
    }
    // Ended, or not active: untouched.
    assert_eq!(ordinary.incident_mode("INC-7", 1_000), IncidentMode::NotInForce);
    let mut revoked = ordinary.clone();
    revoked.status = GrantStatus::Revoked;
    assert_eq!(revoked.incident_mode("INC-7", 10), IncidentMode::NotInForce);
}

#[test]
fn a_revocation_covers_the_vendor_the_pathway_or_the_assets() {
    let g = grant("VG-1", true, Some("ocarter"), true);
    assert!(Revocation::Vendor("keystone".into()).covers(&g));
    assert!(!Revocation::Vendor("ridgeline".into()).covers(&g));
    assert!(Revocation::Pathway { vendor: "keystone".into(), pathway: "sis-support".into() }.covers(&g));
    assert!(!Revocation::Pathway { vendor: "keystone".into(), pathway: "other".into() }.covers(&g));
    let mut any_path = g.clone();
    any_path.pathway = None;
    assert!(Revocation::Pathway { vendor: "keystone".into(), pathway: "other".into() }.covers(&any_path));
    assert!(Revocation::Assets(vec!["ews-sis-01".into(), "plc-1".into()]).covers(&g));
    assert!(!Revocation::Assets(vec!["ews-01".into()]).covers(&g));
    // Already revoked: nothing more to revoke; and it makes re-admission need an approval.
    let mut r = g.clone();
    r.status = GrantStatus::Revoked;
    assert!(!Revocation::Vendor("keystone".into()).covers(&r));
    let all = [g, r];
    assert_eq!(revoked_grants(&all, "keystone").len(), 1);
    assert!(revoked_grants(&all, "ridgeline").is_empty());
}
