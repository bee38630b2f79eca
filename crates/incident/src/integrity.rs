//! Monitoring integrity in doubt. When the view of a process is assessed "in
//! question" or "compromised", or a hypothesis of manipulated view is not
//! refuted, what shows the process to operators cannot be trusted: its
//! displays, historians and alarm sources are marked untrusted, and manual
//! verification rounds are generated from the site's readings (which value,
//! read at which local station, compared with what each display shows). The
//! results are events ([`Body::ReadingsVerified`]); a display that was in
//! doubt is not reconnected until its readings agree.
//!
//! Pure: the site model and the time are given.

use std::collections::{BTreeMap, BTreeSet};

use site_model::{Process, Reading, Site};

use crate::model::{Body, HypothesisStatus, Integrity, ReadingCheck};
use crate::state::Incident;
use crate::time::Timestamp;

const MINUTE: i64 = 60_000_000;

fn in_doubt(v: Option<Integrity>) -> bool {
    matches!(v, Some(Integrity::InQuestion | Integrity::Compromised))
}

/// Why the view of a process is in doubt now: process id → reasons.
pub fn processes_in_doubt(site: &Site, inc: &Incident) -> BTreeMap<Box<str>, Vec<String>> {
    let mut out: BTreeMap<Box<str>, Vec<String>> = BTreeMap::new();
    let all = |out: &mut BTreeMap<Box<str>, Vec<String>>, why: String| {
        for p in &site.processes {
            out.entry(p.id.clone()).or_default().push(why.clone());
        }
    };
    if in_doubt(inc.situation.view) {
        let at = inc.situation.last.map(|s| format!(" (#{s})")).unwrap_or_default();
        let v = inc.situation.view.map(|v| v.as_str()).unwrap_or("");
        all(&mut out, format!("the view of the site is {v}{at}"));
    }
    for (p, st) in &inc.processes {
        if in_doubt(st.view) && site.processes.iter().any(|x| x.id == *p) {
            let at = st.last.map(|s| format!(" (#{s})")).unwrap_or_default();
            let v = st.view.map(|v| v.as_str()).unwrap_or("");
            out.entry(p.clone()).or_default().push(format!("the view of {p} is {v}{at}"));
        }
    }
    for e in inc.events() {
        let Some(Body::ViewSuspected(v)) = inc.effective(e.seq) else { continue };
        let Some(h) = inc.hypotheses.get(&v.hypothesis) else { continue };
        if h.status == HypothesisStatus::Refuted {
            continue;
        }
        let why = format!("hypothesis #{} of manipulated view is {} (#{})", v.hypothesis, h.status, e.seq);
        if v.processes.is_empty() {
            all(&mut out, why);
        } else {
            for p in &v.processes {
                if site.processes.iter().any(|x| x.id == *p) {
                    out.entry(p.clone()).or_default().push(why.clone());
                }
            }
        }
    }
    out
}

/// What shows a process to operators: its view and alarm assets and every display of its readings.
pub fn shows(p: &Process) -> BTreeSet<site_model::AssetIx> {
    let mut s: BTreeSet<site_model::AssetIx> = p.view.iter().chain(&p.alarm).copied().collect();
    for r in &p.readings {
        s.extend(r.shown_on.iter().copied());
    }
    s
}

/// The assets untrusted now (asset id → the processes whose view is in doubt that they show).
pub fn untrusted(site: &Site, inc: &Incident) -> BTreeMap<Box<str>, Vec<Box<str>>> {
    let doubt = processes_in_doubt(site, inc);
    let mut out: BTreeMap<Box<str>, Vec<Box<str>>> = BTreeMap::new();
    for p in site.processes.iter().filter(|p| doubt.contains_key(&p.id)) {
        for a in shows(p) {
            out.entry(site.assets[a.ix()].id.clone()).or_default().push(p.id.clone());
        }
    }
    out
}

/// Processes whose view was in doubt at any time in the incident (not counting refuted hypotheses).
pub fn ever_in_doubt(site: &Site, inc: &Incident) -> BTreeSet<Box<str>> {
    let mut out: BTreeSet<Box<str>> = processes_in_doubt(site, inc).into_keys().collect();
    let every = |out: &mut BTreeSet<Box<str>>| out.extend(site.processes.iter().map(|p| p.id.clone()));
    for e in inc.events() {
        match inc.effective(e.seq) {
            Some(Body::SituationAssessed(s)) if in_doubt(s.view) => match &s.process {
                None => every(&mut out),
                Some(p) => {
                    out.insert(p.clone());
                }
            },
            Some(Body::ViewSuspected(v)) => {
                let refuted = inc.hypotheses.get(&v.hypothesis).is_none_or(|h| h.status == HypothesisStatus::Refuted);
                if refuted {
                    continue;
                }
                if v.processes.is_empty() {
                    every(&mut out);
                } else {
                    out.extend(v.processes.iter().cloned());
                }
            }
            _ => {}
        }
    }
    out
}

/// A number as operators write it: decimal, optionally signed, finite.
pub fn parse_value(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.len() > 32 || !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')) {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Does a displayed value agree with the field value within the tolerance?
/// (A hair of slack for decimal fractions that binary floats cannot hold.)
pub fn agrees(field: f64, shown: f64, tolerance: f64) -> bool {
    (field - shown).abs() <= tolerance + 1e-9 * (1.0 + field.abs().max(shown.abs()))
}

/// The latest verification of each (process, reading): (event number, time, the check).
pub type LatestChecks<'a> = BTreeMap<(Box<str>, Box<str>), (u64, Timestamp, &'a ReadingCheck)>;

/// The latest verification of each (process, reading).
pub fn latest_checks(inc: &Incident) -> LatestChecks<'_> {
    let mut out = BTreeMap::new();
    for e in inc.events() {
        if let Some(Body::ReadingsVerified(r)) = inc.effective(e.seq) {
            out.insert((r.process.clone(), r.reading.clone()), (e.seq, e.recorded_at, r));
        }
    }
    out
}

/// Where one item of a verification round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    /// Never verified since the view came into doubt, or the last verification is older than the interval.
    Due,
    /// Last verified within the interval, every display agreeing.
    Agrees,
    /// Last verified within the interval, some display disagreeing.
    Disagrees,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Due => "due",
            RoundStatus::Agrees => "agrees",
            RoundStatus::Disagrees => "disagrees",
        }
    }
}

/// One item of a manual verification round.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundItem {
    pub process: Box<str>,
    pub reading: Box<str>,
    pub name: Box<str>,
    pub unit: Box<str>,
    /// Where to read it by hand.
    pub station: Box<str>,
    pub tolerance: f64,
    /// The displays to compare it with (asset ids).
    pub compare_with: Vec<Box<str>>,
    /// The last verification (event number, time), if any.
    pub last: Option<(u64, Timestamp)>,
    /// Displays that disagreed at the last verification, with (field, shown) values.
    pub disagreeing: Vec<(Box<str>, Box<str>, Box<str>)>,
    pub status: RoundStatus,
    /// When the next verification is due (now when due).
    pub due: Timestamp,
}

/// The monitoring-integrity picture now: what is untrusted and the round to walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    pub processes: BTreeMap<Box<str>, Vec<String>>,
    pub untrusted: BTreeMap<Box<str>, Vec<Box<str>>>,
    pub items: Vec<RoundItem>,
    /// Processes in doubt for which the site defines no readings (nothing to verify by hand).
    pub without_readings: Vec<Box<str>>,
    pub interval_minutes: u32,
}

impl Rounds {
    /// Is monitoring integrity in doubt at all?
    pub fn active(&self) -> bool {
        !self.processes.is_empty()
    }
}

/// The manual verification rounds at `now`: one item per reading of each
/// process whose view is in doubt, due every `[site] verification_every`.
pub fn rounds(site: &Site, inc: &Incident, now: Timestamp) -> Rounds {
    let processes = processes_in_doubt(site, inc);
    let untrusted = untrusted(site, inc);
    let interval = site.info.verification_interval();
    let latest = latest_checks(inc);
    let mut items = Vec::new();
    let mut without_readings = Vec::new();
    for p in site.processes.iter().filter(|p| processes.contains_key(&p.id)) {
        if p.readings.is_empty() {
            without_readings.push(p.id.clone());
        }
        for r in &p.readings {
            items.push(item(site, p, r, latest.get(&(p.id.clone(), r.id.clone())), interval, now));
        }
    }
    Rounds { processes, untrusted, items, without_readings, interval_minutes: interval }
}

fn item(
    site: &Site,
    p: &Process,
    r: &Reading,
    last: Option<&(u64, Timestamp, &ReadingCheck)>,
    interval: u32,
    now: Timestamp,
) -> RoundItem {
    let compare_with: Vec<Box<str>> = r.shown_on.iter().map(|a| site.assets[a.ix()].id.clone()).collect();
    let (status, due, disagreeing) = match last {
        None => (RoundStatus::Due, now, Vec::new()),
        Some((_, at, check)) => {
            let due = at.plus_micros(i64::from(interval) * MINUTE);
            let disagreeing: Vec<(Box<str>, Box<str>, Box<str>)> = check
                .displayed
                .iter()
                .filter(|d| !d.agrees)
                .map(|d| (d.asset.clone(), check.field_value.clone(), d.value.clone()))
                .collect();
            let status = if now.micros() >= due.micros() {
                RoundStatus::Due
            } else if disagreeing.is_empty() {
                RoundStatus::Agrees
            } else {
                RoundStatus::Disagrees
            };
            (status, due, disagreeing)
        }
    };
    RoundItem {
        process: p.id.clone(),
        reading: r.id.clone(),
        name: r.name.clone(),
        unit: r.unit.clone(),
        station: r.station.clone(),
        tolerance: r.tolerance,
        compare_with,
        last: last.map(|(s, at, _)| (*s, *at)),
        disagreeing,
        status,
        due,
    }
}

/// Why `asset` may not be reconnected yet on account of monitoring integrity:
/// it showed a process whose view was in doubt, and a reading it displays has
/// not been verified since, or its last verification disagrees (or left it out).
pub fn reconnect_blockers(site: &Site, inc: &Incident, asset: &str) -> Vec<String> {
    ReconnectGate::new(site, inc).blockers(site, asset)
}

/// [`reconnect_blockers`] for many assets: the incident's events are read
/// once (which processes were ever in doubt, the latest verifications), then
/// each asset is answered from that.
pub struct ReconnectGate<'i> {
    doubted: BTreeSet<Box<str>>,
    latest: LatestChecks<'i>,
}

impl<'i> ReconnectGate<'i> {
    pub fn new(site: &Site, inc: &'i Incident) -> ReconnectGate<'i> {
        ReconnectGate { doubted: ever_in_doubt(site, inc), latest: latest_checks(inc) }
    }

    /// Why `asset` may not be reconnected yet on account of monitoring integrity.
    pub fn blockers(&self, site: &Site, asset: &str) -> Vec<String> {
        let Some(ix) = site.asset_by_id(asset) else { return Vec::new() };
        let (doubted, latest) = (&self.doubted, &self.latest);
        let mut out = Vec::new();
        for p in site.processes.iter().filter(|p| doubted.contains(&p.id)) {
            for r in p.readings.iter().filter(|r| r.shown_on.contains(&ix)) {
                match latest.get(&(p.id.clone(), r.id.clone())) {
                    None => out.push(format!(
                        "{asset} showed {} ({}) while its view was in doubt, and no manual verification of it is recorded",
                        r.id, p.id
                    )),
                    Some((seq, _, check)) => match check.displayed.iter().find(|d| *d.asset == *asset) {
                        None => out.push(format!(
                            "{asset} shows {} ({}) but the last verification (#{seq}) did not compare it",
                            r.id, p.id
                        )),
                        Some(d) if !d.agrees => out.push(format!(
                            "{asset} showed {} {} {} against {} {} read at the station (#{seq}), beyond the tolerance of {}",
                            r.id, d.value, r.unit, check.field_value, r.unit, r.tolerance
                        )),
                        Some(_) => {}
                    },
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_plain_decimal_numbers() {
        assert_eq!(parse_value("4.2"), Some(4.2));
        assert_eq!(parse_value(" -0.5 "), Some(-0.5));
        assert_eq!(parse_value("+3"), Some(3.0));
        for bad in ["", "NaN", "inf", "1e400", "4,2", "0x10", "12 ft", "1e3", "--1"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn agreement_is_within_the_tolerance_inclusive() {
        assert!(agrees(0.12, 0.11, 0.05));
        assert!(agrees(0.10, 0.15, 0.05), "exactly at the tolerance agrees, despite binary fractions");
        assert!(!agrees(0.12, 0.04, 0.05));
        assert!(agrees(100.0, 100.0, 0.0));
        assert!(!agrees(100.0, 100.5, 0.0));
    }

    proptest::proptest! {
        #[test]
        fn agreement_is_symmetric_and_monotone_in_the_tolerance(
            a in -1e6f64..1e6, b in -1e6f64..1e6, t in 0f64..1e3, more in 0f64..1e3,
        ) {
            proptest::prop_assert_eq!(agrees(a, b, t), agrees(b, a, t));
            if agrees(a, b, t) {
                proptest::prop_assert!(agrees(a, b, t + more));
            }
        }

        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = parse_value(&s);
        }
    }
}
