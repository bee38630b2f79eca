//! Is this activity authorised work? Each observed activity gets a verdict
//! with its explanation:
//!
//! - **authorised**: a work order or vendor grant covers its asset, its
//!   person or account, and its time (or a documented dependency of the site
//!   model explains a flow);
//! - **partially authorised**: the nearest work order or grant, and exactly
//!   what does not match (right vendor, wrong asset; right asset, outside the
//!   window; unsupervised where supervision is required; a control change
//!   under a window that allows none; a suspended grant);
//! - **unauthorised**: nothing covers it (and why: a dormant account...);
//! - **unknown**: a host or account the site model does not know (an
//!   uninventoried asset).
//!
//! The correlator is built once per site and register; each activity is
//! then judged with a few hash lookups and a scan of the records that name
//! its asset or identity, so memory does not grow with the input.

use std::collections::{HashMap, HashSet};

use site_model::{AccountIx, AccountStatus, AssetIx, Site};

use crate::activity::Activity;
use crate::work::{Grant, GrantStatus, WorkOrder};

/// The verdict on one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Authorised { by: String },
    Partial { by: String, mismatches: Vec<String> },
    Unauthorised { reasons: Vec<String> },
    Unknown { what: Vec<String> },
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Authorised { .. } => "authorised",
            Verdict::Partial { .. } => "partially-authorised",
            Verdict::Unauthorised { .. } => "unauthorised",
            Verdict::Unknown { .. } => "unknown",
        }
    }

    /// The explanation, in one line.
    pub fn explain(&self) -> String {
        match self {
            Verdict::Authorised { by } => format!("authorised by {by}"),
            Verdict::Partial { by, mismatches } => format!("partially authorised by {by}: {}", mismatches.join("; ")),
            Verdict::Unauthorised { reasons } => format!("unauthorised: {}", reasons.join("; ")),
            Verdict::Unknown { what } => format!("unknown: {}", what.join("; ")),
        }
    }
}

/// The judged activity: its verdict and the assets it was resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub verdict: Verdict,
    pub src: Option<AssetIx>,
    pub dst: Option<AssetIx>,
    pub account: Option<AccountIx>,
}

/// A work order or grant, by its index in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverRef {
    Work(u32),
    Grant(u32),
}

/// What the correlator decided, before it is put into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A host or account the site model does not know.
    Unknown,
    /// An account not intended to be in use.
    Dormant,
    /// A flow a documented dependency explains.
    Documented,
    /// Fully covered by a work order or grant.
    Covered(CoverRef),
    /// The nearest record, with mismatches.
    Partly(CoverRef),
    /// Nothing covers it.
    Uncovered,
}

/// A decision on one activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub kind: Kind,
    pub src: Option<AssetIx>,
    pub dst: Option<AssetIx>,
    pub account: Option<AccountIx>,
}

impl Decision {
    /// The verdict's word.
    pub fn word(&self) -> &'static str {
        match self.kind {
            Kind::Unknown => "unknown",
            Kind::Dormant | Kind::Uncovered => "unauthorised",
            Kind::Documented | Kind::Covered(_) => "authorised",
            Kind::Partly(_) => "partially-authorised",
        }
    }

    /// 0 authorised, 1 partially authorised, 2 unauthorised, 3 unknown.
    pub fn rank(&self) -> usize {
        match self.kind {
            Kind::Documented | Kind::Covered(_) => 0,
            Kind::Partly(_) => 1,
            Kind::Dormant | Kind::Uncovered => 2,
            Kind::Unknown => 3,
        }
    }
}

/// Something the activity was checked against.
enum Cover<'r> {
    Work(&'r WorkOrder),
    Grant(&'r Grant),
}

/// The site and the register of authorised work, indexed for judging.
pub struct Correlator<'a> {
    site: &'a Site,
    work: &'a [WorkOrder],
    grants: &'a [Grant],
    by_address: HashMap<&'a str, AssetIx>,
    /// Usernames (lower case) and account ids.
    accounts: HashMap<String, AccountIx>,
    /// Asset → work orders and grants naming it.
    work_by_asset: HashMap<u32, Vec<u32>>,
    grants_by_asset: HashMap<u32, Vec<u32>>,
    /// Account → work orders and grants naming it (directly, through its holders or its vendor).
    work_by_account: HashMap<u32, Vec<u32>>,
    grants_by_account: HashMap<u32, Vec<u32>>,
    /// Documented dependencies, as (consumer, provider).
    deps: HashSet<(u32, u32)>,
    /// Per work order and per grant, what scoring asks of it for every
    /// candidate, as sorted indices (no string comparisons in the hot loop).
    work_keys: Vec<CoverKeys>,
    grant_keys: Vec<CoverKeys>,
}

/// A work order's or a grant's assets and accounts (sorted indices), and for a
/// grant whether its vendor requires supervision and recording.
#[derive(Default)]
struct CoverKeys {
    assets: Box<[u32]>,
    accounts: Box<[u32]>,
    supervision_required: bool,
    recording_required: bool,
}

impl CoverKeys {
    fn new(assets: impl Iterator<Item = u32>, accounts: Vec<u32>) -> CoverKeys {
        let mut assets: Vec<u32> = assets.collect();
        assets.sort_unstable();
        assets.dedup();
        let mut accounts = accounts;
        accounts.sort_unstable();
        accounts.dedup();
        CoverKeys { assets: assets.into(), accounts: accounts.into(), ..CoverKeys::default() }
    }
}

/// Is this an address of a private network (so a host that should be in the inventory)?
pub fn is_private(addr: &str) -> bool {
    let mut it = addr.split('.').map(|x| x.parse::<u8>());
    match (it.next(), it.next(), it.next(), it.next(), it.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(_)), Some(Ok(_)), None) => {
            a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
        }
        _ => addr.starts_with("fd") || addr.starts_with("fe80"),
    }
}

/// An address or name the inventory should know: a private address, or a
/// host name (public addresses are outside the site).
pub fn should_be_inventoried(addr: &str) -> bool {
    is_private(addr) || (addr.parse::<std::net::IpAddr>().is_err() && !addr.is_empty())
}

impl<'a> Correlator<'a> {
    pub fn new(site: &'a Site, work: &'a [WorkOrder], grants: &'a [Grant]) -> Correlator<'a> {
        let mut by_address = HashMap::new();
        for (i, a) in site.assets.iter().enumerate() {
            for addr in &a.addresses {
                by_address.insert(&**addr, AssetIx(i as u32));
            }
        }
        let mut accounts = HashMap::new();
        for (i, a) in site.accounts.iter().enumerate() {
            accounts.insert(a.username.to_lowercase(), AccountIx(i as u32));
            accounts.insert(a.id.to_lowercase(), AccountIx(i as u32));
            // `DOMAIN\user` is also seen as `user`.
            if let Some((_, user)) = a.username.rsplit_once('\\') {
                accounts.entry(user.to_lowercase()).or_insert(AccountIx(i as u32));
            }
        }
        let asset_ix = |id: &str| site.asset_by_id(id).map(|a| a.0);
        let mut work_by_asset: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut work_by_account: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut work_keys = Vec::with_capacity(work.len());
        for (k, w) in work.iter().enumerate() {
            let keys = CoverKeys::new(
                w.assets.iter().filter_map(|a| asset_ix(a)),
                accounts_of(site, &w.accounts, &w.people, w.vendor.as_deref()),
            );
            if !w.cancelled {
                for &a in &keys.assets {
                    work_by_asset.entry(a).or_default().push(k as u32);
                }
                for &acc in &keys.accounts {
                    work_by_account.entry(acc).or_default().push(k as u32);
                }
            }
            work_keys.push(keys);
        }
        let mut grants_by_asset: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut grants_by_account: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut grant_keys = Vec::with_capacity(grants.len());
        for (k, g) in grants.iter().enumerate() {
            let mut keys = CoverKeys::new(
                g.assets.iter().filter_map(|a| asset_ix(a)),
                accounts_of(site, &g.accounts, &g.people, Some(&g.vendor)),
            );
            for &a in &keys.assets {
                grants_by_asset.entry(a).or_default().push(k as u32);
            }
            for &acc in &keys.accounts {
                grants_by_account.entry(acc).or_default().push(k as u32);
            }
            if let Some(v) = site.vendors.iter().find(|v| *v.id == *g.vendor) {
                keys.supervision_required = v.supervision_required;
                keys.recording_required = v.recording_required;
            }
            grant_keys.push(keys);
        }
        let deps = site.dependencies.iter().map(|d| (d.consumer.0, d.provider.0)).collect();
        Correlator {
            site,
            work,
            grants,
            by_address,
            accounts,
            work_by_asset,
            grants_by_asset,
            work_by_account,
            grants_by_account,
            deps,
            work_keys,
            grant_keys,
        }
    }

    /// The asset an address or asset id names.
    pub fn asset(&self, s: &str) -> Option<AssetIx> {
        self.by_address.get(s).copied().or_else(|| self.site.asset_by_id(s))
    }

    pub fn account(&self, user: &str) -> Option<AccountIx> {
        self.accounts.get(&user.to_lowercase()).copied()
    }

    /// Is the pair explained by a documented dependency (either direction)?
    pub fn documented(&self, a: AssetIx, b: AssetIx) -> bool {
        self.deps.contains(&(a.0, b.0)) || self.deps.contains(&(b.0, a.0))
    }

    /// Judges one activity, with its explanation.
    pub fn judge(&self, act: &Activity) -> Judged {
        let d = self.decide(act);
        let verdict = self.explain(act, &d);
        Judged { verdict, src: d.src, dst: d.dst, account: d.account }
    }

    /// Judges one activity without explaining it (no allocation beyond the
    /// candidate list): what a bulk import counts.
    pub fn classify(&self, act: &Activity) -> Decision {
        self.decide(act)
    }

    fn decide(&self, act: &Activity) -> Decision {
        let src = act.src.as_deref().and_then(|s| self.asset(s));
        let dst = act.dst.as_deref().and_then(|s| self.asset(s));
        let account = act.user.as_deref().and_then(|u| self.account(u));
        let decision = |kind| Decision { kind, src, dst, account };
        let unknown_end = |addr: &Option<Box<str>>, ix: Option<AssetIx>| {
            addr.as_deref().is_some_and(|a| ix.is_none() && should_be_inventoried(a))
        };
        if unknown_end(&act.src, src) || unknown_end(&act.dst, dst) || (act.user.is_some() && account.is_none()) {
            return decision(Kind::Unknown);
        }
        // The asset the activity acts on: the destination, else the source.
        let Some(target) = dst.or(src) else { return decision(Kind::Unknown) };
        // An account not intended to be in use is never authorised, whatever covers its target.
        if account.is_some_and(|acc| self.site.accounts[acc.ix()].status != AccountStatus::Active) {
            return decision(Kind::Dormant);
        }
        // A routine flow between documented partners, with no identity and no control change.
        if account.is_none()
            && !act.changes_control
            && let (Some(s), Some(d)) = (src, dst)
            && self.documented(s, d)
        {
            return decision(Kind::Documented);
        }
        // Candidates: records naming the asset, or the identity; scored without allocating.
        let mut best: Option<(CoverRef, u32)> = None;
        let consider = |c: CoverRef, best: &mut Option<(CoverRef, u32)>| {
            if best.is_some_and(|(b, bits)| b == c || bits == 0) {
                return;
            }
            let bits = self.score(c, act, target, account);
            if best.is_none_or(|(_, b)| bits.count_ones() < b.count_ones()) {
                *best = Some((c, bits));
            }
        };
        for a in [Some(target.0), src.map(|s| s.0)].into_iter().flatten() {
            for &k in self.work_by_asset.get(&a).into_iter().flatten() {
                consider(CoverRef::Work(k), &mut best);
            }
            for &k in self.grants_by_asset.get(&a).into_iter().flatten() {
                consider(CoverRef::Grant(k), &mut best);
            }
        }
        if let Some(acc) = account {
            for &k in self.work_by_account.get(&acc.0).into_iter().flatten() {
                consider(CoverRef::Work(k), &mut best);
            }
            for &k in self.grants_by_account.get(&acc.0).into_iter().flatten() {
                consider(CoverRef::Grant(k), &mut best);
            }
        }
        decision(match best {
            Some((c, 0)) => Kind::Covered(c),
            Some((c, _)) => Kind::Partly(c),
            None => Kind::Uncovered,
        })
    }

    fn cover(&self, c: CoverRef) -> Cover<'a> {
        match c {
            CoverRef::Work(k) => Cover::Work(&self.work[k as usize]),
            CoverRef::Grant(k) => Cover::Grant(&self.grants[k as usize]),
        }
    }

    /// The verdict of a decision, in words.
    pub fn explain(&self, act: &Activity, d: &Decision) -> Verdict {
        let site = self.site;
        let id = |a: AssetIx| site.asset(a).id.to_string();
        let target = d.dst.or(d.src);
        match d.kind {
            Kind::Unknown => {
                let mut what = Vec::new();
                for (side, addr, ix) in [("source", &act.src, d.src), ("destination", &act.dst, d.dst)] {
                    if let (Some(addr), None) = (addr, ix)
                        && should_be_inventoried(addr)
                    {
                        what.push(format!("{side} {addr} is not in the site model (an uninventoried asset?)"));
                    }
                }
                if let (Some(user), None) = (&act.user, d.account) {
                    what.push(format!("account \"{user}\" is not in the site model"));
                }
                if what.is_empty() {
                    what.push("neither end is an asset of the site".into());
                }
                Verdict::Unknown { what }
            }
            Kind::Dormant => {
                let reasons = match d.account {
                    Some(acc) => {
                        let a = &site.accounts[acc.ix()];
                        vec![
                            format!("account {} ({}) is {} (not intended to be in use)", a.id, a.username, a.status),
                            format!(
                                "no work order or grant can authorise its use on {}",
                                target.map(id).unwrap_or_default()
                            ),
                        ]
                    }
                    None => Vec::new(),
                };
                Verdict::Unauthorised { reasons }
            }
            Kind::Documented => Verdict::Authorised {
                by: format!(
                    "the documented dependency between {} and {}",
                    d.src.map(id).unwrap_or_default(),
                    d.dst.map(id).unwrap_or_default()
                ),
            },
            Kind::Covered(c) => Verdict::Authorised { by: cover_name(&self.cover(c)) },
            Kind::Partly(c) => {
                let Some(target) = target else { return Verdict::Unknown { what: vec![] } };
                let (by, mismatches) = self.mismatches(c, act, target, d.account);
                Verdict::Partial { by, mismatches }
            }
            Kind::Uncovered => {
                let mut r = vec![format!(
                    "no work order or vendor grant covers {}{}",
                    target.map(id).unwrap_or_default(),
                    d.account.map(|a| format!(" or account {}", site.accounts[a.ix()].id)).unwrap_or_default()
                )];
                if let (Some(s), Some(t)) = (d.src, d.dst)
                    && !self.documented(s, t)
                {
                    r.push(format!("no dependency of the site model explains {} -> {}", id(s), id(t)));
                }
                Verdict::Unauthorised { reasons: r }
            }
        }
    }

    /// Does the record name the account (directly, through its holders or its vendor)?
    fn keys(&self, c: CoverRef) -> &CoverKeys {
        match c {
            CoverRef::Work(k) => &self.work_keys[k as usize],
            CoverRef::Grant(k) => &self.grant_keys[k as usize],
        }
    }

    /// One bit per kind of mismatch (see [`Correlator::mismatches`] for the words).
    fn score(&self, c: CoverRef, act: &Activity, target: AssetIx, account: Option<AccountIx>) -> u32 {
        let keys = self.keys(c);
        let (start, end) = match self.cover(c) {
            Cover::Work(w) => (w.start, w.end),
            Cover::Grant(g) => (g.start, g.end),
        };
        let mut bits = 0;
        if keys.assets.binary_search(&target.0).is_err() {
            bits |= 1;
        }
        if act.start < start || act.end.unwrap_or(act.start) > end {
            bits |= 2;
        }
        if account.is_some_and(|acc| keys.accounts.binary_search(&acc.0).is_err()) {
            bits |= 4;
        }
        match self.cover(c) {
            Cover::Work(w) => {
                if act.changes_control && !w.activities.iter().any(|a| a.changes_control()) {
                    bits |= 8;
                }
            }
            Cover::Grant(g) => {
                if g.status != GrantStatus::Active {
                    bits |= 16;
                }
                if keys.supervision_required && g.supervisor.is_none() {
                    bits |= 32;
                }
                if keys.recording_required && !g.recording {
                    bits |= 64;
                }
            }
        }
        bits
    }

    fn mismatches(
        &self,
        cref: CoverRef,
        act: &Activity,
        target: AssetIx,
        account: Option<AccountIx>,
    ) -> (String, Vec<String>) {
        let site = self.site;
        let keys = self.keys(cref);
        let c = &self.cover(cref);
        let target_id = &*site.asset(target).id;
        let mut m = Vec::new();
        let name = cover_name(c);
        let (assets, start, end, supervisor) = match c {
            Cover::Work(w) => (&w.assets, w.start, w.end, &w.supervisor),
            Cover::Grant(g) => (&g.assets, g.start, g.end, &g.supervisor),
        };
        if keys.assets.binary_search(&target.0).is_err() {
            m.push(format!("it covers {}, not {target_id}", assets.join(", ")));
        }
        let act_end = act.end.unwrap_or(act.start);
        if act.start < start || act_end > end {
            m.push(format!(
                "outside its window ({} to {}; the activity {} to {})",
                fmt_time(start),
                fmt_time(end),
                fmt_time(act.start),
                fmt_time(act_end)
            ));
        }
        if let Some(acc) = account
            && keys.accounts.binary_search(&acc.0).is_err()
        {
            m.push(format!("account {} is not one it names", site.accounts[acc.ix()].id));
        }
        match c {
            Cover::Work(w) => {
                if act.changes_control && !w.activities.iter().any(|a| a.changes_control()) {
                    m.push(format!(
                        "a control change ({}) under work that allows none ({})",
                        act.operation.as_deref().unwrap_or("write"),
                        w.activities.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            Cover::Grant(g) => {
                if g.status != GrantStatus::Active {
                    m.push(format!(
                        "the grant is {}{}",
                        g.status.as_str(),
                        g.status_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    ));
                }
                let v = site.vendors.iter().find(|v| *v.id == *g.vendor);
                if v.is_some_and(|v| v.supervision_required) && supervisor.is_none() {
                    m.push("unsupervised where the vendor's access requires supervision".into());
                }
                if v.is_some_and(|v| v.recording_required) && !g.recording {
                    m.push("not recorded where the vendor's access requires recording".into());
                }
            }
        }
        (name, m)
    }
}

fn cover_name(c: &Cover<'_>) -> String {
    match c {
        Cover::Work(w) => format!("work order {}", w.id),
        Cover::Grant(g) => format!("vendor grant {}", g.id),
    }
}

/// The accounts a record's identities stand for: named accounts, accounts
/// held by its people, and (for vendor work) the vendor's accounts.
fn accounts_of(site: &Site, accounts: &[String], people: &[String], vendor: Option<&str>) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for (i, a) in site.accounts.iter().enumerate() {
        let named = accounts.iter().any(|x| *x == *a.id);
        let held = a.holders.iter().any(|h| people.iter().any(|p| *p == *site.people[h.ix()].id));
        // A record naming only a vendor stands for the vendor's accounts.
        let vendors = accounts.is_empty()
            && people.is_empty()
            && vendor.is_some_and(|v| a.vendor.is_some_and(|av| *site.vendors[av.ix()].id == *v));
        if named || held || vendors {
            out.push(i as u32);
        }
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` from Unix microseconds.
pub fn fmt_time(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
