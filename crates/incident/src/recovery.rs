//! Recovery in an incident, folded from its events: the plan in its current
//! order, the latest result of every check per asset, the heightened
//! monitoring windows, and the declared end of recovery.
//!
//! What is reconnected is not folded here: a reconnection is a response
//! action (`reconnect ASSET`) through the authority workflow, and
//! [`crate::rules`] reads it from the actions with the site at hand.

use std::collections::BTreeMap;

use crate::model::*;
use crate::time::Timestamp;

/// One monitoring window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub assets: Vec<Box<str>>,
    pub until: Timestamp,
    pub criteria: Vec<Box<str>>,
    /// The event that ended it.
    pub ended: Option<u64>,
}

/// The state of recovery.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecoveryState {
    /// The latest plan (its event).
    pub plan: Option<u64>,
    /// Asset ids in their current order (the plan's, with reorders applied).
    pub order: Vec<Box<str>>,
    /// (asset, check kind) → (the latest check event, passed).
    pub checks: BTreeMap<(Box<str>, Box<str>), (u64, bool)>,
    /// Monitoring windows by their event.
    pub windows: BTreeMap<u64, Window>,
    /// The declaration of the end of recovery.
    pub ended: Option<u64>,
}

impl RecoveryState {
    pub(crate) fn apply(&mut self, seq: u64, body: &Body) {
        match body {
            Body::RecoveryPlanned(p) => {
                self.plan = Some(seq);
                self.order = p.items.iter().map(|i| i.asset.clone()).collect();
            }
            Body::RecoveryReordered(r) => {
                if let Some(from) = self.order.iter().position(|a| *a == r.asset) {
                    let a = self.order.remove(from);
                    let to = match &r.after {
                        None => 0,
                        Some(after) => self.order.iter().position(|x| x == after).map(|p| p + 1).unwrap_or(from),
                    };
                    self.order.insert(to.min(self.order.len()), a);
                }
            }
            Body::CheckRecorded(c) => {
                self.checks.insert((c.asset.clone(), c.kind.clone()), (seq, c.passed));
            }
            Body::MonitoringStarted(m) => {
                self.windows.insert(
                    seq,
                    Window { assets: m.assets.clone(), until: m.until, criteria: m.criteria.clone(), ended: None },
                );
            }
            Body::MonitoringEnded(e) => {
                if let Some(w) = self.windows.get_mut(&e.window) {
                    w.ended = Some(seq);
                }
            }
            Body::RecoveryEnded(_) => self.ended = Some(seq),
            _ => {}
        }
    }

    /// Windows not ended.
    pub fn open_windows(&self) -> impl Iterator<Item = (&u64, &Window)> {
        self.windows.iter().filter(|(_, w)| w.ended.is_none())
    }

    /// The checks of an asset that have not passed (missing or failed), per the plan's item.
    pub fn pending_checks<'p>(&self, item: &'p PlanItem) -> Vec<(&'p CheckSpec, Option<u64>)> {
        item.checks
            .iter()
            .filter_map(|c| match self.checks.get(&(item.asset.clone(), c.kind.clone())) {
                Some((_, true)) => None,
                Some((seq, false)) => Some((c, Some(*seq))),
                None => Some((c, None)),
            })
            .collect()
    }
}

/// Judges an observation of a check on an asset, as recorded: (passed, what it
/// found in words). A backup-hash check compares with the catalogue's hash
/// given with it; the others with what the plan expects.
pub fn judge_check(
    site: &site_model::Site,
    asset: site_model::AssetIx,
    spec: &CheckSpec,
    observed: &str,
    catalogue: Option<&str>,
) -> Result<(bool, String), String> {
    let kind =
        recovery::CheckKind::parse(&spec.kind).ok_or_else(|| format!("\"{}\" is not a check kind", spec.kind))?;
    let expected = match kind {
        recovery::CheckKind::BackupHash => {
            Some(recovery::normalise(catalogue.ok_or("a backup-hash check needs the catalogue's hash of the media")?))
        }
        _ => spec.expected.as_deref().map(String::from),
    };
    let check = recovery::Check { kind, expected, source: spec.source.to_string() };
    Ok(match recovery::evaluate(site, asset, &check, observed) {
        recovery::Outcome::Pass => (true, format!("{} of {}: as expected", kind.what(), site.asset(asset).id)),
        recovery::Outcome::Fail(why) => (false, why),
    })
}

/// The plan's item for a check spec list, as recorded from `recovery::checks`.
pub fn specs(checks: &[recovery::Check]) -> Vec<CheckSpec> {
    checks
        .iter()
        .map(|c| CheckSpec {
            kind: c.kind.as_str().into(),
            expected: c.expected.as_deref().map(Into::into),
            source: c.source.as_str().into(),
        })
        .collect()
}
