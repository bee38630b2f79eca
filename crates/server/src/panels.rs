//! Three panels of the board, as views: the evidence with its chain of
//! custody, the hypotheses with the evidence for and against them, and the
//! recovery board (the plan in restoration order, each asset's checks, what
//! blocks its reconnection, and the heightened monitoring windows).
//!
//! Read-only and pure: everything comes from the folded [`Incident`] and
//! what the incident crate computes from it (the pending checks of a plan
//! item, the monitoring-integrity blockers, the assets reconnected); nothing
//! here decides a rule. The site model, when the server has one, gives
//! people's and assets' names and the blockers that need it.

use std::collections::BTreeMap;

use incident::{Body, Context, Evidence, Incident, PlanItem, Policy};
use serde::Serialize;
use site_model::Site;
use utoipa::ToSchema;

/// One transfer in a piece of evidence's chain of custody.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustodyView {
    /// The event that recorded the transfer.
    pub seq: u64,
    /// Who handed it over (a person id of the site model).
    pub from: String,
    /// Their name, when the server has the site model.
    pub from_name: Option<String>,
    /// Who received it (a person id of the site model).
    pub to: String,
    /// Their name, when the server has the site model.
    pub to_name: Option<String>,
    /// When it changed hands (RFC 3339).
    pub at: String,
    /// Why it changed hands.
    pub reason: String,
}

/// One piece of evidence, as corrected, with its chain of custody.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    /// The event that collected it: the number the rest of the record cites it by.
    pub seq: u64,
    pub title: String,
    /// Where it comes from: session-record, log, network-capture, process-reading...
    pub source: String,
    /// Which side of the house brought it: security, operations or other.
    pub side: String,
    /// The SHA-256 of the artefact (`sha256:<hex>`), when there is one.
    pub sha256: Option<String>,
    /// Where the artefact is kept (path, case number, locker).
    pub location: Option<String>,
    pub description: Option<String>,
    /// Who collected it (a person id of the site model).
    pub collected_by: String,
    /// Their name, when the server has the site model.
    pub collected_by_name: Option<String>,
    /// When it was collected (RFC 3339).
    pub collected_at: String,
    /// The assets it concerns (asset ids of the site model).
    pub assets: Vec<String>,
    /// Who holds it now (a person id): the last receiver, or the collector.
    pub custodian: String,
    /// Their name, when the server has the site model.
    pub custodian_name: Option<String>,
    /// Every custody transfer, in order.
    pub custody: Vec<CustodyView>,
    /// The latest correction of the entry: what is shown is its replacement
    /// (or, when retracted, the entry as first recorded).
    pub superseded_by: Option<u64>,
    /// Retracted by a correction: kept in the record, no longer evidence of the incident.
    pub retracted: bool,
}

/// A piece of evidence a hypothesis cites.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceRef {
    /// The event that collected it.
    pub seq: u64,
    /// Its title (as corrected); none when the event is not a piece of evidence.
    pub title: Option<String>,
    /// It was retracted since.
    pub retracted: bool,
}

/// One hypothesis and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HypothesisView {
    /// The event that proposed it.
    pub seq: u64,
    /// What it holds (as corrected).
    pub statement: String,
    /// open, supported or refuted.
    pub status: String,
    /// The evidence for it: as proposed, then as the updates added it.
    pub evidence_for: Vec<EvidenceRef>,
    /// The evidence against it: as proposed, then as the updates added it.
    pub evidence_against: Vec<EvidenceRef>,
    /// The reason given with the latest update of its status; none before any update.
    pub reason: Option<String>,
    /// The latest update (its event).
    pub updated: Option<u64>,
    /// Who proposed it (a person id of the site model).
    pub proposed_by: String,
    /// Their name, when the server has the site model.
    pub proposed_by_name: Option<String>,
    /// When it was proposed (RFC 3339).
    pub proposed_at: String,
    /// The correction that replaced its wording, if any.
    pub superseded_by: Option<u64>,
}

/// The latest recorded result of a check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResultView {
    /// The event that recorded it.
    pub seq: u64,
    pub passed: bool,
    /// What was observed: a hash or version, or `pass`/`fail` for a check done by a person.
    pub observed: String,
    /// For a backup-hash check: the catalogue's hash of the media.
    pub catalogue: Option<String>,
    /// The comparison, in words (what differs).
    pub detail: String,
    /// The SHA-256 of a file kept as evidence of the check (`sha256:<hex>`).
    pub artefact: Option<String>,
    pub note: Option<String>,
    /// Who recorded it (a person id of the site model).
    pub by: String,
    /// Their name, when the server has the site model.
    pub by_name: Option<String>,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

/// A check an asset needs before it reconnects.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckView {
    /// config-hash, logic, firmware, backup-hash, alarm-test, display-agreement,
    /// proof-test, credentials-reset, access-review, monitoring-integrity.
    pub kind: String,
    /// The known-good value, when the check compares with one.
    pub expected: Option<String>,
    /// Where the known-good value comes from (a baseline, the operator view, a re-entry point...).
    pub source: String,
    /// Whether the plan asks for it (a backup-hash check of restoration media may be recorded besides).
    pub in_plan: bool,
    /// passed, failed or not checked.
    pub status: String,
    /// The latest result recorded, if any.
    pub result: Option<CheckResultView>,
}

/// One asset of the recovery plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecoveryItemView {
    /// Its place in the restoration order (from 1), reorders applied.
    pub position: u64,
    /// An asset id of the site model.
    pub asset: String,
    /// Its name, when the server has the site model.
    pub asset_name: Option<String>,
    /// identity, network, infrastructure, monitoring, supervisory, control, business.
    pub stage: String,
    /// Why it stands where it does in the plan.
    pub reason: String,
    /// For a re-entry point: identity, remote access or monitoring.
    pub reentry: Option<String>,
    /// Its checks: the plan's, then any other recorded for it.
    pub checks: Vec<CheckView>,
    /// Reconnected (a completed `reconnect` action); none without the site model.
    pub reconnected: Option<bool>,
    /// Cleared to reconnect: every check passed and nothing else blocks it. None when
    /// no check blocks it but, without the site model, monitoring integrity cannot be judged.
    pub cleared: Option<bool>,
    /// What stands between it and reconnection: checks not passed (with what
    /// the failed ones found) and monitoring-integrity blockers.
    pub blockers: Vec<String>,
    /// Heightened monitoring windows (their events) watching it now.
    pub watched_by: Vec<u64>,
}

/// One window of heightened monitoring.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitoringView {
    /// The event that started it.
    pub seq: u64,
    /// The assets watched (asset ids of the site model).
    pub assets: Vec<String>,
    /// When it may end at the earliest (RFC 3339).
    pub until: String,
    /// Seconds from now to `until` (negative once past).
    pub in_seconds: i64,
    /// What must hold to end it.
    pub criteria: Vec<String>,
    /// open (before `until`), due (past `until`, not ended yet) or ended.
    pub state: String,
    /// The event that ended it.
    pub ended_by: Option<u64>,
    /// Why it was ended.
    pub end_reason: Option<String>,
}

/// The recovery board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecoveryView {
    /// Whether the incident has a recovery plan; when not, `items` is empty.
    pub planned: bool,
    /// The plan in force (its event).
    pub plan: Option<u64>,
    /// The site model version the plan was computed against.
    pub site_version: Option<String>,
    /// One line: no plan yet, or how many assets are reconnected, cleared and blocked.
    pub summary: String,
    /// The plan's assets in restoration order.
    pub items: Vec<RecoveryItemView>,
    /// Every heightened monitoring window, in order.
    pub windows: Vec<MonitoringView>,
    /// The declaration of the end of recovery (its event).
    pub ended: Option<u64>,
    /// The reason given when recovery was declared ended.
    pub ended_reason: Option<String>,
    /// What was still open when recovery was declared ended.
    pub open_at_end: Vec<String>,
}

/// The three panels together, as the board shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Panels {
    pub evidence: Vec<EvidenceView>,
    pub hypotheses: Vec<HypothesisView>,
    pub recovery: RecoveryView,
}

/// The three panels of an incident. `graph` (the site's compiled graph) lets
/// reconnections of whole zones count; `now_micros` is Unix microseconds.
pub fn panels(inc: &Incident, site: Option<&Site>, graph: Option<&impact::Graph>, now_micros: i64) -> Panels {
    Panels {
        evidence: evidence_views(inc, site),
        hypotheses: hypothesis_views(inc, site),
        recovery: recovery_view(inc, site, graph, now_micros),
    }
}

fn name(site: Option<&Site>, person: &str) -> Option<String> {
    let site = site?;
    let ix = site.person_by_id(person)?;
    site.people.get(ix.ix()).map(|p| p.name.to_string())
}

fn asset_name(site: Option<&Site>, asset: &str) -> Option<String> {
    let site = site?;
    let ix = site.asset_by_id(asset)?;
    site.assets.get(ix.ix()).map(|a| a.name.to_string())
}

fn strings(v: &[Box<str>]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Every piece of evidence the incident collected, in order: as corrected,
/// and the retracted ones too (marked), with their chains of custody.
pub fn evidence_views(inc: &Incident, site: Option<&Site>) -> Vec<EvidenceView> {
    let mut collected: Vec<(u64, &Evidence)> = Vec::new();
    // Custody transfers by evidence, for evidence the fold no longer holds (retracted).
    let mut transfers: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for e in inc.events() {
        match &e.body {
            Body::EvidenceCollected(x) => collected.push((e.seq, x)),
            Body::CustodyTransferred(c) => transfers.entry(c.evidence).or_default().push(e.seq),
            _ => {}
        }
    }
    collected
        .into_iter()
        .map(|(seq, original)| {
            let (ev, retracted) = match inc.effective(seq) {
                Some(Body::EvidenceCollected(x)) => (x, false),
                _ => (original, true),
            };
            let state = inc.evidence.get(&seq);
            let chain: &[u64] = match state {
                Some(st) => &st.transfers,
                None => transfers.get(&seq).map_or(&[], Vec::as_slice),
            };
            let custody: Vec<CustodyView> = chain
                .iter()
                .filter_map(|t| match inc.effective(*t) {
                    Some(Body::CustodyTransferred(c)) => Some(CustodyView {
                        seq: *t,
                        from: c.from.to_string(),
                        from_name: name(site, &c.from),
                        to: c.to.to_string(),
                        to_name: name(site, &c.to),
                        at: c.at.to_string(),
                        reason: c.reason.to_string(),
                    }),
                    _ => None,
                })
                .collect();
            let custodian = match state {
                Some(st) => st.custodian.to_string(),
                None => custody.last().map_or_else(|| ev.collected_by.to_string(), |c| c.to.clone()),
            };
            EvidenceView {
                seq,
                title: ev.title.to_string(),
                source: ev.source.as_str().into(),
                side: ev.source.side().as_str().into(),
                sha256: ev.sha256.map(|d| d.to_string()),
                location: ev.location.as_deref().map(Into::into),
                description: ev.description.as_deref().map(Into::into),
                collected_by: ev.collected_by.to_string(),
                collected_by_name: name(site, &ev.collected_by),
                collected_at: ev.collected_at.to_string(),
                assets: strings(&ev.assets),
                custodian_name: name(site, &custodian),
                custodian,
                custody,
                superseded_by: inc.superseded_by(seq),
                retracted,
            }
        })
        .collect()
}

fn evidence_ref(inc: &Incident, seq: u64) -> EvidenceRef {
    let (title, retracted) = match inc.effective(seq) {
        Some(Body::EvidenceCollected(e)) => (Some(e.title.to_string()), false),
        Some(_) => (None, false),
        None => match inc.event(seq).map(|e| &e.body) {
            Some(Body::EvidenceCollected(e)) => (Some(e.title.to_string()), true),
            _ => (None, false),
        },
    };
    EvidenceRef { seq, title, retracted }
}

fn evidence_refs(inc: &Incident, seqs: &[u64]) -> Vec<EvidenceRef> {
    let mut seen: Vec<u64> = Vec::with_capacity(seqs.len());
    for s in seqs {
        if !seen.contains(s) {
            seen.push(*s);
        }
    }
    seen.into_iter().map(|s| evidence_ref(inc, s)).collect()
}

/// Every hypothesis of the incident (retracted ones are not), in order.
pub fn hypothesis_views(inc: &Incident, site: Option<&Site>) -> Vec<HypothesisView> {
    inc.hypotheses
        .iter()
        .map(|(seq, h)| {
            let statement = match inc.effective(*seq) {
                Some(Body::HypothesisProposed(p)) => p.statement.to_string(),
                _ => String::new(),
            };
            let latest = h.updates.last().and_then(|u| match inc.effective(*u) {
                Some(Body::HypothesisUpdated(x)) => Some((*u, x.reason.to_string())),
                _ => None,
            });
            let proposer = inc.event(*seq).map(|e| (e.actor.to_string(), e.recorded_at.to_string()));
            let (proposed_by, proposed_at) = proposer.unwrap_or_default();
            HypothesisView {
                seq: *seq,
                statement,
                status: h.status.as_str().into(),
                evidence_for: evidence_refs(inc, &h.evidence_for),
                evidence_against: evidence_refs(inc, &h.evidence_against),
                updated: latest.as_ref().map(|(u, _)| *u),
                reason: latest.map(|(_, r)| r),
                proposed_by_name: name(site, &proposed_by),
                proposed_by,
                proposed_at,
                superseded_by: inc.superseded_by(*seq),
            }
        })
        .collect()
}

fn check_result(inc: &Incident, site: Option<&Site>, seq: u64) -> Option<CheckResultView> {
    let e = inc.event(seq)?;
    let Some(Body::CheckRecorded(c)) = inc.effective(seq) else { return None };
    Some(CheckResultView {
        seq,
        passed: c.passed,
        observed: c.observed.to_string(),
        catalogue: c.expected.as_deref().map(Into::into),
        detail: c.detail.to_string(),
        artefact: c.artefact.map(|d| d.to_string()),
        note: c.note.as_deref().map(Into::into),
        by: e.actor.to_string(),
        by_name: name(site, &e.actor),
        at: e.recorded_at.to_string(),
    })
}

fn status_word(result: Option<&CheckResultView>) -> String {
    match result {
        Some(r) if r.passed => "passed".into(),
        Some(_) => "failed".into(),
        None => "not checked".into(),
    }
}

fn checks(inc: &Incident, site: Option<&Site>, item: &PlanItem) -> Vec<CheckView> {
    let mut out: Vec<CheckView> = item
        .checks
        .iter()
        .map(|c| {
            let result = inc
                .recovery
                .checks
                .get(&(item.asset.clone(), c.kind.clone()))
                .and_then(|(seq, _)| check_result(inc, site, *seq));
            CheckView {
                kind: c.kind.to_string(),
                expected: c.expected.as_deref().map(Into::into),
                source: c.source.to_string(),
                in_plan: true,
                status: status_word(result.as_ref()),
                result,
            }
        })
        .collect();
    // Checks recorded besides the plan's (a backup-hash check of restoration media).
    for ((asset, kind), (seq, _)) in &inc.recovery.checks {
        if *asset != item.asset || item.checks.iter().any(|c| c.kind == *kind) {
            continue;
        }
        let result = check_result(inc, site, *seq);
        out.push(CheckView {
            kind: kind.to_string(),
            expected: None,
            source: String::new(),
            in_plan: false,
            status: status_word(result.as_ref()),
            result,
        });
    }
    out
}

/// What stands between a plan item and its reconnection: the checks the
/// incident's recovery state says have not passed (the failed ones with what
/// they found) and, with the site model, the monitoring-integrity blockers.
fn blockers(
    inc: &Incident,
    gate: Option<(&Site, &incident::integrity::ReconnectGate<'_>)>,
    item: &PlanItem,
) -> Vec<String> {
    let mut out: Vec<String> = inc
        .recovery
        .pending_checks(item)
        .into_iter()
        .map(|(spec, last)| match last.and_then(|seq| inc.effective(seq)) {
            Some(Body::CheckRecorded(c)) => format!("{} failed: {}", spec.kind, c.detail),
            _ => format!(
                "{} not checked yet{}",
                spec.kind,
                spec.expected.as_deref().map(|e| format!(" (expected {e})")).unwrap_or_default()
            ),
        })
        .collect();
    if let Some((site, gate)) = gate {
        out.extend(gate.blockers(site, &item.asset));
    }
    out
}

/// The recovery board at `now_micros` (Unix microseconds): the plan's assets
/// in their current order, or a view that says there is no plan.
pub fn recovery_view(
    inc: &Incident,
    site: Option<&Site>,
    graph: Option<&impact::Graph>,
    now_micros: i64,
) -> RecoveryView {
    let r = &inc.recovery;
    let windows: Vec<MonitoringView> = r
        .windows
        .iter()
        .map(|(seq, w)| {
            let state = match w.ended {
                Some(_) => "ended",
                None if w.until.micros() > now_micros => "open",
                None => "due",
            };
            let end_reason = w.ended.and_then(|e| match inc.effective(e) {
                Some(Body::MonitoringEnded(m)) => Some(m.reason.to_string()),
                _ => None,
            });
            MonitoringView {
                seq: *seq,
                assets: strings(&w.assets),
                until: w.until.to_string(),
                in_seconds: w.until.micros().saturating_sub(now_micros).div_euclid(1_000_000),
                criteria: strings(&w.criteria),
                state: state.into(),
                ended_by: w.ended,
                end_reason,
            }
        })
        .collect();
    let (ended_reason, open_at_end) = match r.ended.and_then(|e| inc.effective(e)) {
        Some(Body::RecoveryEnded(x)) => (Some(x.reason.to_string()), strings(&x.open_items)),
        _ => (None, Vec::new()),
    };
    let Some(plan) = inc.plan() else {
        return RecoveryView {
            planned: false,
            plan: None,
            site_version: None,
            summary: "No recovery plan recorded yet.".into(),
            items: Vec::new(),
            windows,
            ended: r.ended,
            ended_reason,
            open_at_end,
        };
    };
    let reconnected: Option<Vec<Box<str>>> = site.map(|site| {
        let policy = Policy::default();
        let engine = graph.map(|graph| authority::Engine { site, graph });
        incident::rules::reconnected(inc, &Context { site, policy: &policy, engine })
    });
    // The incident's events are read once for every item's integrity blockers.
    let gate = site.map(|site| (site, incident::integrity::ReconnectGate::new(site, inc)));
    let items: Vec<RecoveryItemView> = r
        .order
        .iter()
        .filter_map(|id| plan.items.iter().find(|i| i.asset == *id))
        .enumerate()
        .map(|(n, item)| {
            let blockers = blockers(inc, gate.as_ref().map(|(s, g)| (*s, g)), item);
            let cleared = if !blockers.is_empty() {
                Some(false)
            } else if site.is_some() {
                Some(true)
            } else {
                None
            };
            RecoveryItemView {
                position: n as u64 + 1,
                asset: item.asset.to_string(),
                asset_name: asset_name(site, &item.asset),
                stage: item.stage.to_string(),
                reason: item.reason.to_string(),
                reentry: item.reentry.as_deref().map(Into::into),
                checks: checks(inc, site, item),
                reconnected: reconnected.as_ref().map(|r| r.contains(&item.asset)),
                cleared,
                blockers,
                watched_by: r.open_windows().filter(|(_, w)| w.assets.contains(&item.asset)).map(|(s, _)| *s).collect(),
            }
        })
        .collect();
    RecoveryView {
        planned: true,
        plan: r.plan,
        site_version: Some(plan.site_version.to_string()),
        summary: summary(&items, reconnected.is_some()),
        items,
        windows,
        ended: r.ended,
        ended_reason,
        open_at_end,
    }
}

fn summary(items: &[RecoveryItemView], known: bool) -> String {
    let count = |f: &dyn Fn(&RecoveryItemView) -> bool| items.iter().filter(|i| f(i)).count();
    let blocked = count(&|i| i.cleared == Some(false));
    let cleared = count(&|i| i.cleared == Some(true) && i.reconnected != Some(true));
    let mut parts = Vec::new();
    if known {
        parts.push(format!("{} reconnected", count(&|i| i.reconnected == Some(true))));
        parts.push(format!("{cleared} cleared to reconnect"));
    }
    parts.push(format!("{blocked} blocked"));
    let s = if items.len() == 1 { "" } else { "s" };
    let mut out = format!("{} asset{s} in restoration order: {}", items.len(), parts.join(", "));
    if !known {
        out.push_str(" (without the site model, reconnections and monitoring integrity are not known)");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::Path;

    use askama::Template;
    use incident::{
        Category, CheckRecord, CheckSpec, Correction, Custody, Digest, Event, EvidenceSource, HypothesisStatus,
        HypothesisUpdate, Integrity, Monitoring, MonitoringEnd, Opened, Phase, RecoveryPlan, Reorder, Severity,
        Situation, Timestamp,
    };
    use site_model::{LoadOptions, Source};

    use super::*;

    /// The example site, as the server's integration tests load it.
    fn site() -> Site {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
        let mut sources = Vec::new();
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    sources.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
                }
            }
        }
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        site_model::load(sources, &LoadOptions::default()).site.expect("the example site loads")
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minute * 60_000_000)
    }

    /// An incident built in memory through the incident's rules (`incident::stage`).
    struct Log<'s> {
        site: &'s Site,
        inc: Option<Incident>,
    }

    impl<'s> Log<'s> {
        fn open(site: &'s Site) -> Log<'s> {
            let mut log = Log { site, inc: None };
            let opened = Opened {
                title: "HMIs refuse domain logins".into(),
                summary: "operator stations cannot log in since 07:40".into(),
                category: Category::SuspiciousActivity,
                severity: Severity::High,
                site_version: log.v(),
            };
            log.stage(incident::first_event("INC-1", "mgarcia", at(0), opened));
            log.add("mgarcia", 1, Body::Declared { reason: "plant-wide".into(), site_version: log.v() });
            log
        }

        fn v(&self) -> Digest {
            Digest::parse(self.site.version()).unwrap()
        }

        fn inc(&self) -> &Incident {
            self.inc.as_ref().unwrap()
        }

        fn stage(&mut self, e: Event) -> u64 {
            let policy = Policy::default();
            let cx = Context { site: self.site, policy: &policy, engine: None };
            let seq = e.seq;
            if let Err(err) = incident::stage(&mut self.inc, vec![e], &cx) {
                panic!("event {seq} refused: {err}");
            }
            seq
        }

        fn add(&mut self, actor: &str, minute: i64, body: Body) -> u64 {
            let e = self.inc().next_event(actor, at(minute), body);
            self.stage(e)
        }
    }

    fn evidence(title: &str, by: &str, minute: i64, source: EvidenceSource, sha: Option<Digest>) -> Body {
        Body::EvidenceCollected(Evidence {
            title: title.into(),
            source,
            sha256: sha,
            location: Some("case share /inc-1/".into()),
            collected_by: by.into(),
            collected_at: at(minute),
            assets: vec!["dc-corp-01".into()],
            description: None,
        })
    }

    /// Two pieces of evidence (one with a hostile title), a custody transfer,
    /// a hypothesis citing one for and one against, a status update, and a
    /// third piece of evidence retracted.
    fn investigated(site: &Site) -> (Log<'_>, [u64; 5]) {
        let mut log = Log::open(site);
        let vpn = log.add(
            "psharma",
            10,
            evidence("<script>x</script>", "psharma", 9, EvidenceSource::SessionRecord, Some(Digest([0xab; 32]))),
        );
        let schedule = log.add(
            "eschmidt",
            11,
            evidence("Maintenance schedule", "eschmidt", 10, EvidenceSource::MaintenanceSchedule, None),
        );
        log.add(
            "psharma",
            12,
            Body::CustodyTransferred(Custody {
                evidence: vpn,
                from: "psharma".into(),
                to: "tnguyen".into(),
                at: at(12),
                reason: "to the evidence locker".into(),
            }),
        );
        let h = log.add(
            "psharma",
            13,
            Body::HypothesisProposed(incident::Hypothesis {
                statement: "the vendor session was the entry".into(),
                evidence_for: vec![vpn],
                evidence_against: vec![schedule],
            }),
        );
        let update = log.add(
            "eschmidt",
            14,
            Body::HypothesisUpdated(HypothesisUpdate {
                hypothesis: h,
                status: HypothesisStatus::Supported,
                evidence_for: vec![],
                evidence_against: vec![],
                reason: "no maintenance window was open at 02:00".into(),
            }),
        );
        let wrong =
            log.add("tnguyen", 15, evidence("Wrong capture", "tnguyen", 15, EvidenceSource::NetworkCapture, None));
        log.add(
            "tnguyen",
            16,
            Body::Corrected(Correction { supersedes: wrong, reason: "another incident's".into(), replacement: None }),
        );
        (log, [vpn, schedule, h, update, wrong])
    }

    #[test]
    fn evidence_carries_its_chain_of_custody_and_corrections() {
        let site = site();
        let (log, [vpn, schedule, _, _, wrong]) = investigated(&site);
        let v = evidence_views(log.inc(), Some(&site));
        assert_eq!(v.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![vpn, schedule, wrong]);
        let e = &v[0];
        assert_eq!(e.title, "<script>x</script>");
        assert_eq!((e.source.as_str(), e.side.as_str()), ("session-record", "security"));
        assert_eq!(e.sha256.as_deref(), Some(format!("sha256:{}", "ab".repeat(32)).as_str()));
        assert_eq!(e.location.as_deref(), Some("case share /inc-1/"));
        assert_eq!(e.collected_by, "psharma");
        assert_eq!(e.collected_by_name.as_deref(), Some("Priya Sharma"));
        assert_eq!(e.collected_at, at(9).to_string());
        assert_eq!(e.assets, vec!["dc-corp-01"]);
        assert_eq!(e.custodian, "tnguyen");
        assert!(e.custodian_name.is_some());
        assert_eq!(e.custody.len(), 1);
        let c = &e.custody[0];
        assert_eq!(
            (c.from.as_str(), c.to.as_str(), c.reason.as_str()),
            ("psharma", "tnguyen", "to the evidence locker")
        );
        assert_eq!(c.at, at(12).to_string());
        assert_eq!((e.superseded_by, e.retracted), (None, false));

        let s = &v[1];
        assert_eq!((s.sha256.as_deref(), s.custodian.as_str(), s.custody.len()), (None, "eschmidt", 0));
        assert_eq!(s.side, "operations");

        let r = &v[2];
        assert!(r.retracted);
        assert_eq!(r.superseded_by, Some(wrong + 1));
        assert_eq!(r.title, "Wrong capture");

        // Without the site model: ids, no names.
        let bare = evidence_views(log.inc(), None);
        assert_eq!((bare[0].collected_by_name.as_deref(), bare[0].collected_by.as_str()), (None, "psharma"));
    }

    #[test]
    fn hypotheses_cite_evidence_for_and_against_with_the_latest_reason() {
        let site = site();
        let (log, [vpn, schedule, h, update, _]) = investigated(&site);
        let v = hypothesis_views(log.inc(), Some(&site));
        assert_eq!(v.len(), 1);
        let x = &v[0];
        assert_eq!(x.seq, h);
        assert_eq!(x.statement, "the vendor session was the entry");
        assert_eq!(x.status, "supported");
        assert_eq!(
            x.evidence_for.iter().map(|e| (e.seq, e.title.clone())).collect::<Vec<_>>(),
            vec![(vpn, Some("<script>x</script>".to_string()))]
        );
        assert_eq!(
            x.evidence_against.iter().map(|e| (e.seq, e.title.clone(), e.retracted)).collect::<Vec<_>>(),
            vec![(schedule, Some("Maintenance schedule".to_string()), false)]
        );
        assert_eq!(x.reason.as_deref(), Some("no maintenance window was open at 02:00"));
        assert_eq!(x.updated, Some(update));
        assert_eq!((x.proposed_by.as_str(), x.proposed_by_name.as_deref()), ("psharma", Some("Priya Sharma")));
        assert_eq!(x.proposed_at, at(13).to_string());
        assert_eq!(x.superseded_by, None);
    }

    fn judged(site: &Site, asset: &str, spec: &CheckSpec, observed: &str) -> Body {
        let ix = site.asset_by_id(asset).unwrap();
        let (passed, detail) = incident::recovery::judge_check(site, ix, spec, observed, None).unwrap();
        Body::CheckRecorded(CheckRecord {
            asset: asset.into(),
            kind: spec.kind.clone(),
            observed: observed.into(),
            expected: None,
            passed,
            detail: detail.into(),
            artefact: None,
            note: None,
        })
    }

    /// The recovery of `investigated`: in the recover phase with the view of
    /// the plant in question, a plan of three assets (the rules check their
    /// checks against what the site model gives: dc-corp-01 is an identity
    /// re-entry point, hist-ot-01 a historian without a baseline, gps-clock-01
    /// needs none), the clock moved first, a failed credentials reset and a
    /// passed display agreement.
    fn recovering(site: &Site) -> (Log<'_>, u64) {
        let (mut log, _) = investigated(site);
        log.add("mgarcia", 20, Body::PhaseChanged { phase: Phase::Contain, reason: "contain".into() });
        log.add(
            "eschmidt",
            21,
            Body::SituationAssessed(Situation {
                process: None,
                process_state: None,
                control: None,
                view: Some(Integrity::InQuestion),
                reason: "historian trends disagree with the field".into(),
                evidence: vec![],
            }),
        );
        log.add("mgarcia", 22, Body::PhaseChanged { phase: Phase::Recover, reason: "contained".into() });
        let spec = |kind: &str, source: &str| CheckSpec { kind: kind.into(), expected: None, source: source.into() };
        let item = |asset: &str, stage: &str, reentry: Option<&str>, checks: Vec<CheckSpec>| incident::PlanItem {
            asset: asset.into(),
            stage: stage.into(),
            reason: format!("{asset} comes back in the {stage} stage").into(),
            reentry: reentry.map(Into::into),
            checks,
        };
        let plan = log.add(
            "mgarcia",
            23,
            Body::RecoveryPlanned(RecoveryPlan {
                site_version: log.v(),
                items: vec![
                    item(
                        "dc-corp-01",
                        "identity",
                        Some("identity"),
                        vec![spec("credentials-reset", "re-entry point: identity")],
                    ),
                    item("hist-ot-01", "monitoring", None, vec![spec("display-agreement", "operator view")]),
                    item("gps-clock-01", "infrastructure", None, vec![]),
                ],
            }),
        );
        log.add(
            "mgarcia",
            24,
            Body::RecoveryReordered(Reorder { asset: "gps-clock-01".into(), after: None, reason: "time first".into() }),
        );
        let reset = spec("credentials-reset", "re-entry point: identity");
        log.add("psharma", 25, judged(site, "dc-corp-01", &reset, "fail"));
        let display = spec("display-agreement", "operator view");
        log.add("hpatel", 26, judged(site, "hist-ot-01", &display, "pass"));
        (log, plan)
    }

    #[test]
    fn recovery_lists_the_plan_in_order_with_checks_and_blockers() {
        let site = site();
        let (log, plan) = recovering(&site);
        let now = at(30).micros();
        let r = recovery_view(log.inc(), Some(&site), None, now);
        assert!(r.planned);
        assert_eq!(r.plan, Some(plan));
        assert_eq!(r.site_version.as_deref(), Some(site.version()));
        let order: Vec<(u64, &str)> = r.items.iter().map(|i| (i.position, i.asset.as_str())).collect();
        assert_eq!(order, vec![(1, "gps-clock-01"), (2, "dc-corp-01"), (3, "hist-ot-01")]);

        let clock = &r.items[0];
        assert_eq!((clock.cleared, clock.reconnected), (Some(true), Some(false)));
        assert!(clock.blockers.is_empty() && clock.checks.is_empty());
        assert_eq!(clock.asset_name.as_deref(), Some("OT master clock"));

        let dc = &r.items[1];
        assert_eq!((dc.stage.as_str(), dc.reentry.as_deref()), ("identity", Some("identity")));
        assert_eq!(dc.cleared, Some(false), "{dc:?}");
        assert_eq!(dc.checks.len(), 1);
        let c = &dc.checks[0];
        assert_eq!((c.kind.as_str(), c.status.as_str(), c.in_plan), ("credentials-reset", "failed", true));
        let res = c.result.as_ref().unwrap();
        assert!(!res.passed);
        assert_eq!(
            (res.observed.as_str(), res.by.as_str(), res.by_name.as_deref()),
            ("fail", "psharma", Some("Priya Sharma"))
        );
        assert_eq!(dc.blockers.len(), 1, "{:?}", dc.blockers);
        assert!(dc.blockers[0].starts_with("credentials-reset failed: "), "{:?}", dc.blockers);
        assert!(dc.blockers[0].ends_with(&*res.detail), "{:?}", dc.blockers);

        // Its check passed, but it showed readings while the view was in doubt.
        let hist = &r.items[2];
        assert_eq!(hist.checks[0].status, "passed");
        assert_eq!(hist.cleared, Some(false));
        let expected = incident::integrity::reconnect_blockers(&site, log.inc(), "hist-ot-01");
        assert!(!expected.is_empty());
        assert_eq!(hist.blockers, expected);

        assert_eq!(r.summary, "3 assets in restoration order: 0 reconnected, 1 cleared to reconnect, 2 blocked");
        assert!(r.windows.is_empty() && r.ended.is_none());

        // Without the site model: the checks still block; what needs the site is not known.
        let bare = recovery_view(log.inc(), None, None, now);
        assert_eq!(bare.items[0].cleared, None);
        assert_eq!(bare.items[1].cleared, Some(false));
        assert_eq!(bare.items[2].cleared, None);
        assert_eq!(bare.items[2].reconnected, None);
    }

    #[test]
    fn recovery_without_a_plan_says_so() {
        let site = site();
        let (log, _) = investigated(&site);
        let r = recovery_view(log.inc(), Some(&site), None, at(20).micros());
        assert!(!r.planned);
        assert!(r.items.is_empty() && r.plan.is_none());
        assert_eq!(r.summary, "No recovery plan recorded yet.");
    }

    /// Monitoring windows need reconnected assets (a completed `reconnect`
    /// action through the authority workflow), so these events are folded
    /// directly, without the rules: only the view of the windows is tested.
    #[test]
    fn monitoring_windows_are_open_due_or_ended() {
        let ev = |seq: u64, minute: i64, body: Body| Event {
            incident: "INC-9".into(),
            seq,
            recorded_at: at(minute),
            actor: "mgarcia".into(),
            body,
        };
        let opened = Opened {
            title: "t".into(),
            summary: "s".into(),
            category: Category::Other,
            severity: Severity::Low,
            site_version: Digest::ZERO,
        };
        let window = |until: i64| {
            Body::MonitoringStarted(Monitoring {
                assets: vec!["plc-chlor-01".into()],
                until: at(until),
                criteria: vec!["no logic change outside a work order".into()],
            })
        };
        let events = vec![
            ev(1, 0, Body::Opened(opened)),
            ev(
                2,
                1,
                Body::RecoveryPlanned(RecoveryPlan {
                    site_version: Digest::ZERO,
                    items: vec![incident::PlanItem {
                        asset: "plc-chlor-01".into(),
                        stage: "control".into(),
                        reason: "r".into(),
                        reentry: None,
                        checks: vec![],
                    }],
                }),
            ),
            ev(3, 2, window(60)),
            ev(4, 3, window(10)),
            ev(5, 4, window(10)),
            ev(6, 20, Body::MonitoringEnded(MonitoringEnd { window: 5, reason: "quiet".into() })),
        ];
        let inc = Incident::fold(events, Digest::ZERO).unwrap();
        let r = recovery_view(&inc, None, None, at(30).micros());
        let states: Vec<(u64, &str, i64)> = r.windows.iter().map(|w| (w.seq, w.state.as_str(), w.in_seconds)).collect();
        assert_eq!(states, vec![(3, "open", 30 * 60), (4, "due", -20 * 60), (5, "ended", -20 * 60)]);
        assert_eq!(r.windows[2].end_reason.as_deref(), Some("quiet"));
        assert_eq!(r.items[0].watched_by, vec![3, 4]);
        assert_eq!(r.items[0].cleared, None);
    }

    #[derive(Template)]
    #[template(source = "{% include \"panels.html\" %}", ext = "html")]
    struct Page {
        panels: Panels,
    }

    #[test]
    fn the_panels_render_escaped() {
        let site = site();
        let (log, _) = recovering(&site);
        let html = Page { panels: panels(log.inc(), Some(&site), None, at(30).micros()) }.render().unwrap();
        for id in [
            "<section id=\"evidence\" aria-label=\"Evidence\">",
            "<section id=\"hypotheses\" aria-label=\"Hypotheses\">",
            "<section id=\"recovery\" aria-label=\"Recovery\">",
        ] {
            assert!(html.contains(id), "{id} missing: {html}");
        }
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&#60;script&#62;x&#60;/script&#62;"), "{html}");
        assert!(html.contains(&format!("<span class=\"mono\">sha256:{}</span>", "ab".repeat(32))), "{html}");
        assert!(html.contains("Priya Sharma &#8594; ") || html.contains("Priya Sharma &rarr; "), "{html}");
        assert!(html.contains("Blocked") && html.contains("Cleared to reconnect"), "{html}");

        // The empty states.
        let empty = Incident::fold(
            vec![incident::first_event(
                "INC-2",
                "mgarcia",
                at(0),
                Opened {
                    title: "t".into(),
                    summary: "s".into(),
                    category: Category::Other,
                    severity: Severity::Low,
                    site_version: Digest::ZERO,
                },
            )],
            Digest::ZERO,
        )
        .unwrap();
        let html = Page { panels: panels(&empty, None, None, 0) }.render().unwrap();
        assert!(html.contains("No evidence recorded yet."), "{html}");
        assert!(html.contains("No hypothesis proposed yet."), "{html}");
        assert!(html.contains("No recovery plan recorded yet."), "{html}");
    }
}
