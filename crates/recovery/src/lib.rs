//! Recovery: what comes back first, and what must be verified before it
//! reconnects.
//!
//! [`plan`] orders the affected assets (the impact engine's restoration
//! order with recovery options: identity, name resolution, time and backups
//! before what needs them, then network, monitoring, supervisory, control,
//! business), gives each its reason, flags the re-entry points (identity,
//! remote access, monitoring) and lists the [`Check`]s it needs:
//! configuration, logic and firmware against the site's baselines, and by
//! kind alarms tested end to end, displays agreeing with field readings,
//! proof tests of safety systems and protection relays, and for re-entry
//! points credentials reset, access reviewed, monitoring verified.
//! [`evaluate`] judges one observation against a check and says exactly
//! what differs.
//!
//! Pure: no I/O, no clock.

use impact::{Graph, OrderOptions, restore_order};
use site_model::{AssetIx, AssetKind, Function, Site};

/// The kinds of verification before reconnection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckKind {
    /// The configuration's hash against the baseline's.
    ConfigHash,
    /// The controller logic's hash against the baseline's (its version named).
    Logic,
    /// The firmware version against the baseline's.
    Firmware,
    /// The restoration media's hash, before it is used.
    BackupHash,
    /// Alarms tested end to end, from the field to the operator and the call-out.
    AlarmTest,
    /// Operator displays agree with field readings (manual verification rounds).
    DisplayAgreement,
    /// A proof test of a safety function or protection relay.
    ProofTest,
    /// Identity: privileged credentials reset, accounts reviewed.
    CredentialsReset,
    /// Remote access: pathways, accounts and MFA reviewed before anyone connects.
    AccessReview,
    /// Monitoring: the sensor or collector is verified to see and forward what it should.
    MonitoringIntegrity,
}

impl CheckKind {
    pub const ALL: &'static [CheckKind] = &[
        CheckKind::ConfigHash,
        CheckKind::Logic,
        CheckKind::Firmware,
        CheckKind::BackupHash,
        CheckKind::AlarmTest,
        CheckKind::DisplayAgreement,
        CheckKind::ProofTest,
        CheckKind::CredentialsReset,
        CheckKind::AccessReview,
        CheckKind::MonitoringIntegrity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::ConfigHash => "config-hash",
            CheckKind::Logic => "logic",
            CheckKind::Firmware => "firmware",
            CheckKind::BackupHash => "backup-hash",
            CheckKind::AlarmTest => "alarm-test",
            CheckKind::DisplayAgreement => "display-agreement",
            CheckKind::ProofTest => "proof-test",
            CheckKind::CredentialsReset => "credentials-reset",
            CheckKind::AccessReview => "access-review",
            CheckKind::MonitoringIntegrity => "monitoring-integrity",
        }
    }

    pub fn parse(s: &str) -> Option<CheckKind> {
        CheckKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Stable one-byte code (for the incident's encoding).
    pub fn code(self) -> u8 {
        CheckKind::ALL.iter().position(|k| *k == self).map(|p| p as u8 + 1).unwrap_or(0)
    }

    pub fn from_code(c: u8) -> Option<CheckKind> {
        c.checked_sub(1).and_then(|i| CheckKind::ALL.get(i as usize).copied())
    }

    /// Compared against an expected value (a hash or version), not a pass/fail by a person.
    pub fn compares(self) -> bool {
        matches!(self, CheckKind::ConfigHash | CheckKind::Logic | CheckKind::Firmware | CheckKind::BackupHash)
    }

    pub fn what(self) -> &'static str {
        match self {
            CheckKind::ConfigHash => "configuration hash against the baseline",
            CheckKind::Logic => "controller logic hash against the baseline",
            CheckKind::Firmware => "firmware version against the baseline",
            CheckKind::BackupHash => "hash of the restoration media before use",
            CheckKind::AlarmTest => "alarms tested end to end",
            CheckKind::DisplayAgreement => "operator displays agree with field readings",
            CheckKind::ProofTest => "proof test of the safety function",
            CheckKind::CredentialsReset => "privileged credentials reset and accounts reviewed",
            CheckKind::AccessReview => "remote-access pathways, accounts and MFA reviewed",
            CheckKind::MonitoringIntegrity => "monitoring verified to see and forward what it should",
        }
    }
}

/// One check an asset needs, with what is expected when it compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    /// The expected value (normalised), when the check compares; `None` for a pass/fail check, or
    /// when the site has no baseline for it (then it cannot pass until a baseline is recorded).
    pub expected: Option<String>,
    /// Where the expectation comes from, in words (`baseline recorded 2026-03-02 by hpatel, logic version 7.3`).
    pub source: String,
}

/// One asset of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub asset: AssetIx,
    pub stage: &'static str,
    /// Why it stands where it does.
    pub reason: String,
    /// A re-entry point: identity, remote access or monitoring.
    pub reentry: Option<&'static str>,
    pub checks: Vec<Check>,
}

/// The recovery plan: assets in restoration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub items: Vec<Item>,
}

/// Normalises a hash or version for comparison: trimmed, lower case, without `sha256:`.
pub fn normalise(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    t.strip_prefix("sha256:").map(str::to_string).unwrap_or(t)
}

/// The checks an asset needs before it reconnects.
pub fn checks(site: &Site, a: AssetIx) -> Vec<Check> {
    let asset = site.asset(a);
    let baseline = site.baselines.iter().find(|b| b.asset == a);
    let mut out = Vec::new();
    let recorded = baseline
        .map(|b| {
            let mut s = String::from("baseline");
            if let Some(d) = b.recorded {
                s.push_str(&format!(" recorded {d}"));
            }
            if let Some(p) = b.recorded_by {
                s.push_str(&format!(" by {}", site.people[p.ix()].id));
            }
            s
        })
        .unwrap_or_else(|| "no baseline recorded for this asset".into());
    let controller = asset.kind.is_controller();
    if let Some(b) = baseline {
        if let Some(h) = &b.config_hash {
            out.push(Check { kind: CheckKind::ConfigHash, expected: Some(normalise(h)), source: recorded.clone() });
        }
        if let Some(h) = &b.logic_hash {
            let v = b.logic_version.as_deref().map(|v| format!(", logic version {v}")).unwrap_or_default();
            out.push(Check { kind: CheckKind::Logic, expected: Some(normalise(h)), source: format!("{recorded}{v}") });
        }
        if let Some(f) = &b.firmware {
            out.push(Check { kind: CheckKind::Firmware, expected: Some(normalise(f)), source: recorded.clone() });
        }
    }
    // A controller without a logic baseline still needs its logic verified: it cannot pass
    // until a baseline is recorded ("it boots" is not "it is safe").
    if controller && !out.iter().any(|c| c.kind == CheckKind::Logic) {
        out.push(Check { kind: CheckKind::Logic, expected: None, source: recorded.clone() });
    }
    use AssetKind::*;
    if matches!(asset.kind, SafetyController | Ied) || asset.functions.contains(Function::Safety) {
        out.push(Check { kind: CheckKind::ProofTest, expected: None, source: "safety function".into() });
    }
    if matches!(asset.kind, Hmi | ControlServer | Historian) || asset.functions.contains(Function::View) {
        out.push(Check { kind: CheckKind::DisplayAgreement, expected: None, source: "operator view".into() });
    }
    if asset.functions.contains(Function::Alarm) {
        out.push(Check { kind: CheckKind::AlarmTest, expected: None, source: "alarm source".into() });
    }
    match impact::order::reentry_of(asset) {
        Some(impact::ReEntry::Identity) => out.push(Check {
            kind: CheckKind::CredentialsReset,
            expected: None,
            source: "re-entry point: identity".into(),
        }),
        Some(impact::ReEntry::RemoteAccess) => out.push(Check {
            kind: CheckKind::AccessReview,
            expected: None,
            source: "re-entry point: remote access".into(),
        }),
        Some(impact::ReEntry::Monitoring) => out.push(Check {
            kind: CheckKind::MonitoringIntegrity,
            expected: None,
            source: "re-entry point: monitoring".into(),
        }),
        None => {}
    }
    out
}

/// The recovery plan of a set of affected assets.
pub fn plan(site: &Site, graph: &Graph, affected: &[AssetIx]) -> Plan {
    let order = restore_order(site, graph, affected, &OrderOptions::recovery());
    let items = order
        .assets()
        .map(|p| Item {
            asset: p.asset,
            stage: p.stage.as_str(),
            reason: p.reason(site),
            reentry: p.reentry.map(|r| r.as_str()),
            checks: checks(site, p.asset),
        })
        .collect();
    Plan { items }
}

/// How an observation compares with a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// It differs, or failed: why, in words.
    Fail(String),
}

/// Judges an observation: for a comparing check, the observed value against
/// the expected one; for the others, `pass` or `fail` as the person reports.
pub fn evaluate(site: &Site, a: AssetIx, check: &Check, observed: &str) -> Outcome {
    let id = &site.asset(a).id;
    if check.kind.compares() {
        let Some(expected) = &check.expected else {
            return Outcome::Fail(format!(
                "{} of {id}: nothing to compare with ({}); record a baseline first",
                check.kind.what(),
                check.source
            ));
        };
        let got = normalise(observed);
        if got == *expected {
            return Outcome::Pass;
        }
        let show = |s: &str| if check.kind == CheckKind::Firmware { s.to_string() } else { format!("sha256:{s}") };
        return Outcome::Fail(format!(
            "{} of {id} differs: expected {} ({}), observed {}",
            check.kind.what(),
            show(expected),
            check.source,
            show(&got)
        ));
    }
    match observed.trim().to_ascii_lowercase().as_str() {
        "pass" | "passed" | "ok" => Outcome::Pass,
        other => Outcome::Fail(format!("{} of {id}: reported {other}", check.kind.what())),
    }
}
