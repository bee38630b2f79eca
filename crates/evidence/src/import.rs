//! An import of observed activity, judged against authorised work: the
//! counts (the tally), each activity's verdict as a value, and the vendor
//! session register. Shared by the CLI (`interlock evidence import`,
//! `correlate`, `vendor sessions`) and the server (`/api/evidence/...`,
//! `/api/vendor-sessions`), so both count, word and shape them alike.
//!
//! Pure: the input is any `BufRead` the caller opened; `now` is given.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use serde::Serialize;
use site_model::{AssetIx, Site};

use crate::activity::{Activity, Format, LineError};
use crate::correlate::{Correlator, Decision, Verdict, fmt_time};
use crate::work::Grant;

/// At most this many assets are kept as concerned by an import.
const MAX_CONCERNED: usize = 10_000;
/// At most this many distinct undocumented flows are counted.
const MAX_UNDOCUMENTED: usize = 100_000;
/// The undocumented flows a summary shows (the most frequent first).
const SHOWN_UNDOCUMENTED: usize = 20;

/// The counts of an import.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Activities read.
    pub good: u64,
    /// Lines that did not read.
    pub bad: u64,
    /// The first bad lines (up to the limit given to [`Tally::new`]).
    pub errors: Vec<LineError>,
    max_errors: usize,
    /// 0 authorised, 1 partially authorised, 2 unauthorised, 3 unknown.
    pub verdicts: [u64; 4],
    /// Activities that change control.
    pub control: u64,
    /// Assets with unauthorised or unknown activity.
    pub concerned: BTreeSet<String>,
    /// Flows between assets no dependency explains: (src, dst, port) -> count.
    pub undocumented: BTreeMap<(String, String, u16), u64>,
}

impl Tally {
    /// An empty tally keeping the first `max_errors` bad lines (all are counted).
    pub fn new(max_errors: usize) -> Tally {
        Tally { max_errors, ..Tally::default() }
    }

    /// Counts a line that did not read.
    pub fn bad_line(&mut self, e: LineError) {
        self.bad += 1;
        if self.errors.len() < self.max_errors {
            self.errors.push(e);
        }
    }

    /// Counts a judged activity.
    pub fn judged(&mut self, site: &Site, c: &Correlator<'_>, act: &Activity, d: &Decision) {
        self.good += 1;
        self.control += u64::from(act.changes_control);
        let k = d.rank();
        self.verdicts[k] += 1;
        if k >= 2 {
            for a in [d.src, d.dst].into_iter().flatten() {
                if self.concerned.len() < MAX_CONCERNED {
                    self.concerned.insert(site.asset(a).id.to_string());
                }
            }
        }
        if let (Some(s), Some(t)) = (d.src, d.dst)
            && !c.documented(s, t)
            && self.undocumented.len() < MAX_UNDOCUMENTED
        {
            let key = (site.asset(s).id.to_string(), site.asset(t).id.to_string(), act.dst_port.unwrap_or(0));
            *self.undocumented.entry(key).or_insert(0) += 1;
        }
    }

    /// The counts in words, as recorded in the evidence's description.
    pub fn description(&self) -> String {
        format!(
            "{} activities ({} bad lines): {} authorised, {} partially authorised, {} unauthorised, {} unknown; {} control changes",
            self.good, self.bad, self.verdicts[0], self.verdicts[1], self.verdicts[2], self.verdicts[3], self.control
        )
    }

    /// The undocumented flows, the most frequent first (ties by flow).
    pub fn undocumented_flows(&self) -> Vec<Flow> {
        let mut v: Vec<_> = self.undocumented.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .map(|((src, dst, port), count)| Flow { src: src.clone(), dst: dst.clone(), port: *port, count: *count })
            .collect()
    }

    /// The summary of the import of `file` (its SHA-256 in hex): what
    /// `interlock evidence import --json` prints. Bad lines are named
    /// `FILE:LINE: reason`.
    pub fn summary(&self, file: &str, sha256: &str) -> Summary {
        let mut undocumented_flows = self.undocumented_flows();
        undocumented_flows.truncate(SHOWN_UNDOCUMENTED);
        Summary {
            file: file.to_string(),
            sha256: sha256.to_string(),
            activities: self.good,
            bad_lines: self.bad,
            errors: self.errors.iter().map(|e| format!("{file}:{}: {}", e.line, e.reason)).collect(),
            authorised: self.verdicts[0],
            partially_authorised: self.verdicts[1],
            unauthorised: self.verdicts[2],
            unknown: self.verdicts[3],
            control_changes: self.control,
            concerned_assets: self.concerned.iter().cloned().collect(),
            undocumented_flows,
        }
    }
}

/// The dependency kind a port suggests, for a proposal a person reviews,
/// and whether the port makes it more than a guess.
fn kind_for_port(port: u16) -> (&'static str, bool) {
    if crate::protocol::by_port(None, port).is_some()
        || crate::protocol::by_port(Some(crate::Transport::Udp), port).is_some()
    {
        return ("control", true);
    }
    match port {
        514 | 6514 | 5044 | 9997 => ("logging", true),
        123 => ("time", true),
        53 => ("name-resolution", true),
        88 | 389 | 636 | 445 | 464 | 3268 | 3269 => ("authentication", true),
        3389 | 22 | 5900 | 5938 => ("remote-access", true),
        5450 | 5457 | 5459 => ("historian", true),
        _ => ("business-data", false),
    }
}

/// The flows no dependency explains as `[[dependency]]` tables for a person
/// to review (`interlock evidence import --proposals FILE`, the API's
/// `proposals=true`): every undocumented flow, the most frequent first,
/// commented as proposed from `source` at `at`. Never loaded as it is: the
/// site model changes only when a person moves a table into it.
pub fn proposals_toml(source: &str, format: Format, t: &Tally, at: &str) -> String {
    let mut out = format!(
        "# Dependencies observed in {} that the site model does not explain.\n# Proposed by `interlock evidence import` at {at}: review each, fix its kind and direction, and only then\n# move it into the site model. Nothing here is loaded until a person does.\n",
        source.replace('\n', " ")
    );
    for f in t.undocumented_flows() {
        // A remote-access session log's flows are remote access.
        let (kind, sure) = if format == Format::Sessions { ("remote-access", true) } else { kind_for_port(f.port) };
        out.push_str("\n[[dependency]]\n");
        out.push_str(&format!("consumer = \"{}\"\nprovider = \"{}\"\nkind = \"{kind}\"\n", f.src, f.dst));
        let how = if f.port == 0 { String::new() } else { format!(" on port {}", f.port) };
        let guess = if sure { "" } else { "; the kind is a guess: check it" };
        out.push_str(&format!(
            "description = \"{} flow(s){how} seen in {}{guess}\"\n",
            f.count,
            source.replace(['"', '\\', '\n'], "'")
        ));
    }
    out
}

/// A flow between two assets that no dependency of the site model explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub src: String,
    pub dst: String,
    /// The destination port (0: none).
    pub port: u16,
    pub count: u64,
}

/// What an import found, as `interlock evidence import --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub file: String,
    pub sha256: String,
    pub activities: u64,
    pub bad_lines: u64,
    /// The first bad lines, `FILE:LINE: reason`.
    pub errors: Vec<String>,
    pub authorised: u64,
    pub partially_authorised: u64,
    pub unauthorised: u64,
    pub unknown: u64,
    pub control_changes: u64,
    /// Assets with unauthorised or unknown activity, sorted.
    pub concerned_assets: Vec<String>,
    /// The most frequent flows no dependency explains (20 at most).
    pub undocumented_flows: Vec<Flow>,
}

/// Reads `reader` as `format`, judges every activity against `c` and counts
/// it; `each` is told every activity with its decision (to print it, or
/// not). An error of `each` stops the import.
pub fn judge<R: BufRead + 'static, E>(
    site: &Site,
    c: &Correlator<'_>,
    format: Format,
    reader: R,
    max_errors: usize,
    mut each: impl FnMut(&Activity, &Decision) -> Result<(), E>,
) -> Result<Tally, E> {
    let mut t = Tally::new(max_errors);
    for r in crate::parse::read(format, reader) {
        match r {
            Err(e) => t.bad_line(e),
            Ok(act) => {
                let d = c.classify(&act);
                t.judged(site, c, &act, &d);
                each(&act, &d)?;
            }
        }
    }
    Ok(t)
}

/// One activity's verdict, as `interlock correlate --json` prints it (one a line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub line: u64,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub start: String,
    pub src: Option<String>,
    pub dst: Option<String>,
    pub dst_port: Option<u16>,
    /// The asset the source is (when the site model knows it).
    pub src_asset: Option<String>,
    pub dst_asset: Option<String>,
    pub user: Option<String>,
    pub protocol: Option<&'static str>,
    pub operation: Option<String>,
    pub changes_control: bool,
    /// authorised, partially-authorised, unauthorised or unknown.
    pub verdict: &'static str,
    pub explanation: String,
}

fn asset_id(site: &Site, a: Option<AssetIx>) -> Option<String> {
    a.map(|a| site.asset(a).id.to_string())
}

impl Judgement {
    pub fn new(site: &Site, act: &Activity, d: &Decision, verdict: &Verdict) -> Judgement {
        Judgement {
            line: act.line,
            start: fmt_time(act.start),
            src: act.src.as_deref().map(String::from),
            dst: act.dst.as_deref().map(String::from),
            dst_port: act.dst_port,
            src_asset: asset_id(site, d.src),
            dst_asset: asset_id(site, d.dst),
            user: act.user.as_deref().map(String::from),
            protocol: act.protocol.map(|(p, _)| p.as_str()),
            operation: act.operation.as_deref().map(String::from),
            changes_control: act.changes_control,
            verdict: verdict.word(),
            explanation: verdict.explain(),
        }
    }
}

/// A vendor session open at the time asked, as `interlock vendor sessions --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveSession {
    pub user: Option<String>,
    /// Where it comes from (an address).
    pub from: Option<String>,
    /// What it connects to, as the log says.
    pub to: Option<String>,
    pub pathway: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub since: String,
    /// The asset it reaches (when the site model knows it).
    pub asset: Option<String>,
    /// The grant that covers it, wholly or partly.
    pub grant: Option<String>,
    /// That grant's supervisor.
    pub supervised_by: Option<String>,
    /// That grant requires the session to be recorded.
    pub recorded: bool,
    pub verdict: &'static str,
    pub explanation: String,
}

/// The vendor session register: the sessions of a session log open at
/// `now` (started, not ended), each judged against the register, with the
/// grant that covers it. Also the lines that did not read.
pub fn live_sessions<R: BufRead + 'static>(
    site: &Site,
    c: &Correlator<'_>,
    grants: &[Grant],
    reader: R,
    now: i64,
) -> (Vec<LiveSession>, Vec<LineError>) {
    let mut live = Vec::new();
    let mut bad = Vec::new();
    for r in crate::parse::read(Format::Sessions, reader) {
        let act = match r {
            Ok(act) => act,
            Err(e) => {
                bad.push(e);
                continue;
            }
        };
        if act.start > now || act.end.is_some_and(|e| e <= now) {
            continue;
        }
        let j = c.judge(&act);
        let grant = grants.iter().find(|g| {
            matches!(&j.verdict, Verdict::Authorised { by } | Verdict::Partial { by, .. } if *by == format!("vendor grant {}", g.id))
        });
        live.push(LiveSession {
            user: act.user.as_deref().map(String::from),
            from: act.src.as_deref().map(String::from),
            to: act.dst.as_deref().map(String::from),
            pathway: act.pathway.as_deref().map(String::from),
            since: fmt_time(act.start),
            asset: asset_id(site, j.dst),
            grant: grant.map(|g| g.id.clone()),
            supervised_by: grant.and_then(|g| g.supervisor.clone()),
            recorded: grant.is_some_and(|g| g.recording),
            verdict: j.verdict.word(),
            explanation: j.verdict.explain(),
        });
    }
    (live, bad)
}
