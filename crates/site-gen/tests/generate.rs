//! Generates sites and checks them against the rules of `docs/site-model.md` with an
//! independent TOML parser: exact counts, known fields and words, every reference
//! resolving, no self or duplicate dependencies, every cross-zone dependency covered by a
//! conduit, and none of the conditions the loader warns about.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io;
use std::time::Instant;

use site_gen::{MIN_ASSETS, MemorySink, Params, Sink, Summary, generate};
use toml_spanner::{Arena, Item, Table};

// ---------------------------------------------------------------------------- helpers

fn run(assets: u64, seed: u64, assets_per_file: u64) -> (MemorySink, Summary) {
    let params = Params { assets, seed, assets_per_file };
    let mut sink = MemorySink::default();
    let mut last = 0;
    let summary = generate(&params, &mut sink, &mut |n| {
        assert!(n > last, "progress goes forward");
        last = n;
    })
    .unwrap();
    assert_eq!(last, assets, "progress ends at the asset count");
    (sink, summary)
}

/// Counts bytes and files without keeping them.
#[derive(Default)]
struct CountingSink {
    files: u64,
    bytes: u64,
    hash: u64,
}

impl Sink for CountingSink {
    fn begin_file(&mut self, rel_path: &str) -> io::Result<()> {
        self.files += 1;
        self.hash_in(rel_path);
        Ok(())
    }
    fn write_str(&mut self, s: &str) -> io::Result<()> {
        self.bytes += s.len() as u64;
        self.hash_in(s);
        Ok(())
    }
}

impl CountingSink {
    /// FNV-1a over paths and contents, to compare outputs without holding them.
    fn hash_in(&mut self, s: &str) {
        let mut h = if self.hash == 0 { 0xcbf2_9ce4_8422_2325 } else { self.hash };
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.hash = h;
    }
}

const ASSET_KINDS: &[&str] = &[
    "workstation",
    "engineering-workstation",
    "ews",
    "hmi",
    "operator-station",
    "plc",
    "rtu",
    "ied",
    "protection-relay",
    "historian",
    "data-historian",
    "control-server",
    "scada-server",
    "application-server",
    "data-gateway",
    "protocol-gateway",
    "safety-controller",
    "sis",
    "vpn-server",
    "vpn-gateway",
    "jump-host",
    "field-io",
    "router",
    "switch",
    "firewall",
    "dcs-controller",
    "pac",
    "domain-controller",
    "patch-server",
    "siem",
    "log-collector",
    "file-server",
    "email-server",
    "email",
    "erp",
    "mes",
    "dns-server",
    "time-server",
    "ntp-server",
    "backup-server",
    "database-server",
    "virtualization-host",
    "hypervisor",
    "wireless-access-point",
];
const FUNCTIONS: &[&str] = &[
    "control",
    "view",
    "alarm",
    "safety",
    "historian",
    "authentication",
    "remote-access",
    "patching",
    "logging",
    "time",
    "name-resolution",
    "backup",
    "business-data",
];
const DOMAINS: &[&str] = &["it", "ot", "shared"];
const CRITICALITY: &[&str] = &["low", "medium", "high", "critical"];
const ACCOUNT_KINDS: &[&str] = &["personal", "shared", "service", "vendor"];
const ACCOUNT_STATUS: &[&str] = &["active", "dormant", "disabled"];
const CHANNELS: &[&str] = &["phone", "mobile", "email", "radio", "teams", "slack", "pager"];

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.')
}

fn valid_hash(h: &str) -> bool {
    h.strip_prefix("sha256:").is_some_and(|x| x.len() == 64 && x.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn valid_duration(d: &str) -> bool {
    let (num, unit) = d.split_at(d.len().saturating_sub(1));
    !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && matches!(unit, "m" | "h" | "d")
}

/// What the check found, for the counting assertions.
#[derive(Debug, Default)]
struct Model {
    sites: usize,
    zone_parent: HashMap<String, Option<String>>,
    conduits: HashMap<String, Vec<String>>,
    /// id -> (zone, functions)
    assets: HashMap<String, (String, Vec<String>)>,
    asset_order: Vec<String>,
    /// (consumer, provider, kind, named route)
    deps: Vec<(String, String, String, Option<Vec<String>>)>,
    teams: HashSet<String>,
    people: HashSet<String>,
    roles: HashSet<String>,
    accounts: HashSet<String>,
    vendors: HashSet<String>,
    processes: HashSet<String>,
    baselines: HashSet<String>,
    terms: HashSet<String>,
    term_refs: Vec<String>,
    /// (space, id, where)
    refs: Vec<(&'static str, String, String)>,
    problems: Vec<String>,
}

struct Ctx<'m> {
    m: &'m mut Model,
    file: String,
}

impl Ctx<'_> {
    fn problem(&mut self, what: String) {
        if self.m.problems.len() < 50 {
            self.m.problems.push(format!("{}: {what}", self.file));
        }
    }

    fn fields(&mut self, t: &Table<'_>, what: &str, allowed: &[&str], required: &[&str]) {
        for (key, _) in t.iter() {
            if !allowed.contains(&key.name) {
                self.problem(format!("unknown field {what}.{}", key.name));
            }
        }
        for r in required {
            if t.get(r).is_none() {
                self.problem(format!("{what} without required {r}"));
            }
        }
    }

    fn str<'t>(&mut self, t: &'t Table<'_>, key: &str) -> Option<&'t str> {
        let item = t.get(key)?;
        let s = item.as_str();
        if s.is_none() {
            self.problem(format!("{key} is not a string"));
        }
        s
    }

    fn id(&mut self, t: &Table<'_>, what: &str) -> String {
        let id = self.str(t, "id").unwrap_or_default().to_owned();
        if !valid_id(&id) {
            self.problem(format!("{what} has invalid id {id:?}"));
        }
        id
    }

    fn word(&mut self, t: &Table<'_>, key: &str, words: &[&str]) -> Option<String> {
        let w = self.str(t, key)?.to_owned();
        if !words.contains(&w.as_str()) {
            self.problem(format!("{key} = {w:?} is not a known word"));
        }
        Some(w)
    }

    fn strs(&mut self, t: &Table<'_>, key: &str) -> Vec<String> {
        let Some(item) = t.get(key) else {
            return Vec::new();
        };
        let Some(arr) = item.as_array() else {
            self.problem(format!("{key} is not an array"));
            return Vec::new();
        };
        arr.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()
    }

    fn bool(&mut self, t: &Table<'_>, key: &str) -> Option<bool> {
        let item = t.get(key)?;
        let b = item.as_bool();
        if b.is_none() {
            self.problem(format!("{key} is not a bool"));
        }
        b
    }

    fn reference(&mut self, space: &'static str, id: &str, field: &str) {
        self.m.refs.push((space, id.to_owned(), format!("{}: {field}", self.file)));
    }

    fn refs(&mut self, space: &'static str, t: &Table<'_>, key: &str) -> Vec<String> {
        let ids = self.strs(t, key);
        for id in &ids {
            self.reference(space, id, key);
        }
        ids
    }

    fn unique(&mut self, seen_len_before: usize, seen_len_after: usize, what: &str, id: &str) {
        if seen_len_before == seen_len_after {
            self.problem(format!("duplicate {what} id {id}"));
        }
    }
}

fn array_of_tables<'a, 'de>(item: &'a Item<'de>) -> Vec<&'a Table<'de>> {
    match item.as_array() {
        Some(a) => a.iter().filter_map(Item::as_table).collect(),
        None => item.as_table().into_iter().collect(),
    }
}

fn check_file(m: &mut Model, path: &str, text: &str) {
    let arena = Arena::new();
    let doc = match toml_spanner::parse(text, &arena) {
        Ok(doc) => doc,
        Err(e) => panic!("{path}: TOML error {e:?}"),
    };
    let mut cx = Ctx { m, file: path.to_owned() };
    for (key, item) in doc.table().iter() {
        match key.name {
            "site" => {
                cx.m.sites += 1;
                let t = item.as_table().expect("[site] is a table");
                cx.fields(t, "site", &["id", "name", "organisation", "timezone", "description"], &["id", "name"]);
                cx.id(t, "site");
            }
            "zone" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "zone",
                        &["id", "name", "parent", "domain", "purdue_level", "security_level", "description"],
                        &["id", "name"],
                    );
                    let id = cx.id(t, "zone");
                    cx.word(t, "domain", DOMAINS);
                    let parent = cx.str(t, "parent").map(str::to_owned);
                    if let Some(p) = &parent {
                        cx.reference("zone", p, "zone.parent");
                    }
                    if let Some(l) = t.get("purdue_level") {
                        let ok = l.as_i64().is_some_and(|v| (0..=5).contains(&v)) || l.as_f64() == Some(3.5);
                        if !ok {
                            cx.problem(format!("zone {id} has a bad purdue_level"));
                        }
                    }
                    if let Some(sl) = t.get("security_level")
                        && !sl.as_i64().is_some_and(|v| (1..=4).contains(&v))
                    {
                        cx.problem(format!("zone {id} has a bad security_level"));
                    }
                    let n = cx.m.zone_parent.len();
                    cx.m.zone_parent.insert(id.clone(), parent);
                    let after = cx.m.zone_parent.len();
                    cx.unique(n, after, "zone", &id);
                }
            }
            "conduit" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "conduit",
                        &["id", "name", "zones", "channels", "description"],
                        &["id", "name", "zones"],
                    );
                    let id = cx.id(t, "conduit");
                    let zones = cx.refs("zone", t, "zones");
                    if zones.iter().collect::<BTreeSet<_>>().len() < 2 {
                        cx.problem(format!("conduit {id} has fewer than two distinct zones"));
                    }
                    if let Some(chs) = t.get("channels") {
                        for ch in array_of_tables(chs) {
                            cx.fields(
                                ch,
                                "channel",
                                &["name", "protocol", "port", "description"],
                                &["name", "protocol"],
                            );
                            if let Some(p) = ch.get("port")
                                && !p.as_i64().is_some_and(|v| (1..=65535).contains(&v))
                            {
                                cx.problem(format!("conduit {id} has a bad port"));
                            }
                        }
                    }
                    if cx.m.conduits.insert(id.clone(), zones).is_some() {
                        cx.problem(format!("duplicate conduit {id}"));
                    }
                }
            }
            "asset" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "asset",
                        &[
                            "id",
                            "name",
                            "kind",
                            "domain",
                            "zone",
                            "purdue_level",
                            "criticality",
                            "owner",
                            "addresses",
                            "vendor",
                            "model",
                            "functions",
                            "description",
                        ],
                        &["id", "kind", "zone"],
                    );
                    let id = cx.id(t, "asset");
                    cx.word(t, "kind", ASSET_KINDS);
                    cx.word(t, "criticality", CRITICALITY);
                    cx.word(t, "domain", DOMAINS);
                    let zone = cx.str(t, "zone").unwrap_or_default().to_owned();
                    cx.reference("zone", &zone, "asset.zone");
                    match cx.str(t, "owner").map(str::to_owned) {
                        Some(owner) => cx.reference("team", &owner, "asset.owner"),
                        None => cx.problem(format!("asset {id} has no owner (a warning)")),
                    }
                    let functions = cx.strs(t, "functions");
                    for f in &functions {
                        if !FUNCTIONS.contains(&f.as_str()) {
                            cx.problem(format!("asset {id} has unknown function {f}"));
                        }
                    }
                    if cx.m.assets.insert(id.clone(), (zone, functions)).is_some() {
                        cx.problem(format!("duplicate asset {id}"));
                    }
                    cx.m.asset_order.push(id);
                }
            }
            "dependency" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "dependency",
                        &["consumer", "provider", "kind", "conduit", "criticality", "safety_relevant", "description"],
                        &["consumer", "provider", "kind"],
                    );
                    let c = cx.str(t, "consumer").unwrap_or_default().to_owned();
                    let p = cx.str(t, "provider").unwrap_or_default().to_owned();
                    let k = cx.word(t, "kind", FUNCTIONS).unwrap_or_default();
                    // One conduit id, or an array of them in order.
                    let conduit = match t.get("conduit") {
                        None => None,
                        Some(i) if i.as_str().is_some() => cx.str(t, "conduit").map(|c| vec![c.to_owned()]),
                        Some(_) => Some(cx.strs(t, "conduit")),
                    };
                    for cd in conduit.iter().flatten() {
                        cx.reference("conduit", cd, "dependency.conduit");
                    }
                    if k == "safety" && cx.bool(t, "safety_relevant") != Some(true) {
                        cx.problem(format!("safety dependency {c} -> {p} not safety_relevant"));
                    }
                    cx.m.deps.push((c, p, k, conduit));
                }
            }
            "process" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "process",
                        &[
                            "id",
                            "name",
                            "criticality",
                            "control",
                            "view",
                            "alarm",
                            "safety",
                            "manual_operation",
                            "description",
                        ],
                        &["id", "name", "control"],
                    );
                    let id = cx.id(t, "process");
                    cx.word(t, "criticality", CRITICALITY);
                    if cx.refs("asset", t, "control").is_empty() {
                        cx.problem(format!("process {id} has no control asset"));
                    }
                    for key in ["view", "alarm", "safety"] {
                        cx.refs("asset", t, key);
                    }
                    match t.get("manual_operation").and_then(Item::as_table) {
                        Some(mo) => {
                            cx.fields(
                                mo,
                                "manual_operation",
                                &["procedure", "sustainable_for", "staffing", "last_exercised", "notes"],
                                &["procedure", "sustainable_for", "staffing"],
                            );
                            let d = cx.str(mo, "sustainable_for").unwrap_or_default();
                            if !valid_duration(d) {
                                cx.problem(format!("process {id}: bad duration {d:?}"));
                            }
                            let date = mo.get("last_exercised").and_then(Item::as_datetime).and_then(|d| d.date());
                            // Within 15 months of 2026-11-26 (and not in the future).
                            let recent = date.is_some_and(|d| {
                                let ym = (u32::from(d.year), u32::from(d.month), u32::from(d.day));
                                ((2025, 8, 26)..=(2026, 11, 26)).contains(&ym)
                            });
                            if !recent {
                                cx.problem(format!("process {id}: last_exercised not recent"));
                            }
                        }
                        None => cx.problem(format!("process {id} without manual_operation")),
                    }
                    let n = cx.m.processes.len();
                    cx.m.processes.insert(id.clone());
                    let after = cx.m.processes.len();
                    cx.unique(n, after, "process", &id);
                }
            }
            "team" => {
                for t in array_of_tables(item) {
                    cx.fields(t, "team", &["id", "name", "domain"], &["id", "name"]);
                    let id = cx.id(t, "team");
                    cx.word(t, "domain", DOMAINS);
                    let n = cx.m.teams.len();
                    cx.m.teams.insert(id.clone());
                    let after = cx.m.teams.len();
                    cx.unique(n, after, "team", &id);
                }
            }
            "person" => {
                for t in array_of_tables(item) {
                    cx.fields(t, "person", &["id", "name", "team", "vendor", "title", "contacts"], &["id", "name"]);
                    let id = cx.id(t, "person");
                    if let Some(team) = cx.str(t, "team").map(str::to_owned) {
                        cx.reference("team", &team, "person.team");
                    }
                    if let Some(v) = cx.str(t, "vendor").map(str::to_owned) {
                        cx.reference("vendor", &v, "person.vendor");
                        if t.get("team").is_some() {
                            cx.problem(format!("person {id} has both team and vendor"));
                        }
                    }
                    if let Some(contacts) = t.get("contacts") {
                        for c in array_of_tables(contacts) {
                            cx.fields(c, "contact", &["channel", "address"], &["channel", "address"]);
                            cx.word(c, "channel", CHANNELS);
                        }
                    }
                    let n = cx.m.people.len();
                    cx.m.people.insert(id.clone());
                    let after = cx.m.people.len();
                    cx.unique(n, after, "person", &id);
                }
            }
            "role" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "role",
                        &["id", "name", "domain", "primary", "deputies", "description"],
                        &["id", "name", "primary"],
                    );
                    let id = cx.id(t, "role");
                    cx.word(t, "domain", DOMAINS);
                    let primary = cx.str(t, "primary").unwrap_or_default().to_owned();
                    cx.reference("person", &primary, "role.primary");
                    let deputies = cx.refs("person", t, "deputies");
                    if deputies.is_empty() {
                        cx.problem(format!("role {id} has no deputy (a warning)"));
                    }
                    if deputies.contains(&primary) {
                        cx.problem(format!("role {id}: primary is also a deputy"));
                    }
                    let n = cx.m.roles.len();
                    cx.m.roles.insert(id.clone());
                    let after = cx.m.roles.len();
                    cx.unique(n, after, "role", &id);
                }
            }
            "account" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "account",
                        &[
                            "id",
                            "username",
                            "kind",
                            "status",
                            "directory",
                            "holders",
                            "vendor",
                            "assets",
                            "privileged",
                            "mfa",
                            "description",
                        ],
                        &["id", "kind"],
                    );
                    let id = cx.id(t, "account");
                    let kind = cx.word(t, "kind", ACCOUNT_KINDS).unwrap_or_default();
                    let status = cx.word(t, "status", ACCOUNT_STATUS).unwrap_or_else(|| "active".into());
                    if let Some(d) = cx.str(t, "directory").map(str::to_owned) {
                        cx.reference("asset", &d, "account.directory");
                    }
                    let holders = cx.refs("person", t, "holders");
                    if kind == "personal" && holders.len() != 1 {
                        cx.problem(format!("personal account {id} without exactly one holder"));
                    }
                    match cx.str(t, "vendor").map(str::to_owned) {
                        Some(v) => cx.reference("vendor", &v, "account.vendor"),
                        None if kind == "vendor" => {
                            cx.problem(format!("vendor account {id} without vendor"));
                        }
                        None => {}
                    }
                    let assets = cx.refs("asset", t, "assets");
                    if status == "dormant" && !assets.is_empty() {
                        cx.problem(format!("dormant account {id} can log in (a warning)"));
                    }
                    cx.bool(t, "privileged");
                    cx.bool(t, "mfa");
                    let n = cx.m.accounts.len();
                    cx.m.accounts.insert(id.clone());
                    let after = cx.m.accounts.len();
                    cx.unique(n, after, "account", &id);
                }
            }
            "vendor" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "vendor",
                        &[
                            "id",
                            "name",
                            "supervision_required",
                            "recording_required",
                            "pathway",
                            "function",
                            "description",
                        ],
                        &["id", "name"],
                    );
                    let id = cx.id(t, "vendor");
                    let supervised = cx.bool(t, "supervision_required").unwrap_or(true);
                    let recorded = cx.bool(t, "recording_required").unwrap_or(true);
                    if let Some(pw) = t.get("pathway") {
                        let mut seen = HashSet::new();
                        for p in array_of_tables(pw) {
                            cx.fields(
                                p,
                                "pathway",
                                &["id", "via", "targets", "accounts", "mfa", "description"],
                                &["id", "targets"],
                            );
                            let pid = cx.id(p, "pathway");
                            if !seen.insert(pid.clone()) {
                                cx.problem(format!("vendor {id}: duplicate pathway {pid}"));
                            }
                            let via = cx.refs("asset", p, "via");
                            if via.iter().collect::<HashSet<_>>().len() != via.len() {
                                cx.problem(format!("vendor {id}: pathway passes an asset twice"));
                            }
                            if cx.refs("asset", p, "targets").is_empty() {
                                cx.problem(format!("vendor {id}: pathway without target"));
                            }
                            cx.refs("account", p, "accounts");
                            if !(supervised && recorded) {
                                cx.problem(format!("vendor {id}: unsupervised pathway (a warning)"));
                            }
                        }
                    }
                    if let Some(fs) = t.get("function") {
                        for f in array_of_tables(fs) {
                            cx.fields(f, "function", &["name", "safety_critical", "assets"], &["name"]);
                            cx.refs("asset", f, "assets");
                        }
                    }
                    let n = cx.m.vendors.len();
                    cx.m.vendors.insert(id.clone());
                    let after = cx.m.vendors.len();
                    cx.unique(n, after, "vendor", &id);
                }
            }
            "baseline" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "baseline",
                        &["asset", "config_hash", "logic_version", "logic_hash", "firmware", "recorded", "recorded_by"],
                        &["asset"],
                    );
                    let asset = cx.str(t, "asset").unwrap_or_default().to_owned();
                    cx.reference("asset", &asset, "baseline.asset");
                    if let Some(by) = cx.str(t, "recorded_by").map(str::to_owned) {
                        cx.reference("person", &by, "baseline.recorded_by");
                    }
                    for h in ["config_hash", "logic_hash"] {
                        if let Some(v) = cx.str(t, h)
                            && !valid_hash(v)
                        {
                            cx.problem(format!("baseline {asset}: bad {h}"));
                        }
                    }
                    if ["config_hash", "logic_version", "logic_hash", "firmware"].iter().all(|k| t.get(k).is_none()) {
                        cx.problem(format!("empty baseline for {asset}"));
                    }
                    if !cx.m.baselines.insert(asset.clone()) {
                        cx.problem(format!("second baseline for {asset}"));
                    }
                }
            }
            "term" => {
                for t in array_of_tables(item) {
                    cx.fields(
                        t,
                        "term",
                        &["term", "canonical", "it_reading", "ot_reading", "not_to_be_confused_with"],
                        &["term", "canonical"],
                    );
                    let term = cx.str(t, "term").unwrap_or_default().to_owned();
                    let others = cx.strs(t, "not_to_be_confused_with");
                    cx.m.term_refs.extend(others);
                    if !cx.m.terms.insert(term.clone()) {
                        cx.problem(format!("duplicate term {term}"));
                    }
                }
            }
            other => cx.problem(format!("unknown top-level key {other}")),
        }
    }
}

/// Zone and its ancestors, nearest first.
fn ancestors<'a>(zones: &'a HashMap<String, Option<String>>, zone: &'a str) -> Vec<&'a str> {
    let mut out = vec![zone];
    let mut z = zone;
    while let Some(Some(p)) = zones.get(z) {
        if out.contains(&p.as_str()) {
            break;
        }
        out.push(p);
        z = p;
    }
    out
}

/// Same zone, or one nests the other.
fn within(m: &Model, a: &str, b: &str) -> bool {
    ancestors(&m.zone_parent, a).contains(&b) || ancestors(&m.zone_parent, b).contains(&a)
}

/// The zones a flow standing in `at` reaches through `conduit` (a conduit of a zone also
/// serves the zones nested in it), or `None` when the conduit does not touch it.
fn cross<'m>(m: &'m Model, conduit: &str, at: &str) -> Option<Vec<&'m str>> {
    let zones = m.conduits.get(conduit)?;
    let chain = ancestors(&m.zone_parent, at);
    let touched = zones.iter().find(|z| chain.contains(&z.as_str()))?;
    Some(zones.iter().filter(|z| *z != touched).map(String::as_str).collect())
}

/// Whether the flow has arrived: at the provider's zone or a zone containing it.
fn arrived(m: &Model, at: &str, provider_zone: &str) -> bool {
    ancestors(&m.zone_parent, provider_zone).contains(&at)
}

/// A named route: each conduit touches the zone the flow stands in at that step, and the
/// last reaches the provider's zone or a zone containing it.
fn named_route_leads(m: &Model, route: &[String], from: &str, to: &str) -> bool {
    let mut at = vec![from.to_owned()];
    for conduit in route {
        let next: Vec<String> = at.iter().filter_map(|z| cross(m, conduit, z)).flatten().map(str::to_owned).collect();
        if next.is_empty() {
            return false;
        }
        at = next;
    }
    !route.is_empty() && at.iter().any(|z| arrived(m, z, to))
}

/// Whether some chain of conduits leads from `from` to `to` (breadth-first over zones).
fn route_exists(m: &Model, from: &str, to: &str) -> bool {
    let mut seen: HashSet<&str> = HashSet::from([from]);
    let mut frontier = vec![from];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for z in frontier {
            for conduit in m.conduits.keys() {
                for w in cross(m, conduit, z).unwrap_or_default() {
                    if arrived(m, w, to) {
                        return true;
                    }
                    if seen.insert(w) {
                        next.push(w);
                    }
                }
            }
        }
        frontier = next;
    }
    false
}

/// Parses every file and checks the whole model; returns it for further assertions.
fn check(sink: &MemorySink) -> Model {
    let mut m = Model::default();
    let mut paths = HashSet::new();
    for (path, text) in &sink.files {
        assert!(paths.insert(path.clone()), "file {path} written twice");
        assert!(path.ends_with(".toml") && !path.starts_with('/') && !path.contains(".."));
        assert!(text.len() < 64 << 20, "{path} is {} bytes", text.len());
        check_file(&mut m, path, text);
    }
    let mut problems = std::mem::take(&mut m.problems);
    let mut problem = |p: String| {
        if problems.len() < 50 {
            problems.push(p);
        }
    };
    if m.sites != 1 {
        problem(format!("{} [site] tables", m.sites));
    }
    // References.
    for (space, id, at) in &m.refs {
        let known = match *space {
            "zone" => m.zone_parent.contains_key(id),
            "asset" => m.assets.contains_key(id),
            "team" => m.teams.contains(id),
            "person" => m.people.contains(id),
            "vendor" => m.vendors.contains(id),
            "account" => m.accounts.contains(id),
            "conduit" => m.conduits.contains_key(id),
            _ => false,
        };
        if !known {
            problem(format!("{at}: unknown {space} {id}"));
        }
    }
    for t in &m.term_refs {
        if !m.terms.contains(t) {
            problem(format!("unknown term {t}"));
        }
    }
    // Zone parents do not loop.
    for z in m.zone_parent.keys() {
        let chain = ancestors(&m.zone_parent, z);
        if let Some(Some(p)) = m.zone_parent.get(*chain.last().unwrap())
            && chain.contains(&p.as_str())
        {
            problem(format!("zone {z}: parent chain loops"));
        }
    }
    // Dependencies: no self, no duplicates, provider serves the function, crossings.
    let mut derived: HashMap<(&str, &str), bool> = HashMap::new();
    let mut triples = HashSet::new();
    for (c, p, k, conduit) in &m.deps {
        if c == p {
            problem(format!("{c} depends on itself"));
        }
        if !triples.insert((c, p, k)) {
            problem(format!("duplicate dependency {c} -> {p} ({k})"));
        }
        let (Some((zc, _)), Some((zp, functions))) = (m.assets.get(c), m.assets.get(p)) else {
            problem(format!("dependency {c} -> {p}: unknown asset"));
            continue;
        };
        if !functions.contains(k) {
            problem(format!("{p} does not serve {k} (needed by {c})"));
        }
        if let Some(route) = conduit {
            if !named_route_leads(&m, route, zc, zp) {
                problem(format!("{c} -> {p}: route {route:?} does not lead from {zc} to {zp}"));
            }
            continue;
        }
        let ok = *derived.entry((zc, zp)).or_insert_with(|| within(&m, zc, zp) || route_exists(&m, zc, zp));
        if !ok {
            problem(format!("{c} ({zc}) -> {p} ({zp}): undocumented crossing"));
        }
    }
    assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
    m
}

fn assert_counts(m: &Model, s: &Summary, sink: &MemorySink, assets: u64) {
    assert_eq!(s.assets, assets);
    assert_eq!(m.assets.len() as u64, assets);
    assert_eq!(m.deps.len() as u64, s.dependencies);
    assert_eq!(sink.files.len() as u64, s.files);
    assert_eq!(sink.files.iter().map(|(_, t)| t.len() as u64).sum::<u64>(), s.bytes);
    assert_eq!(m.zone_parent.len() as u64, s.zones);
    assert_eq!(m.conduits.len() as u64, s.conduits);
    assert_eq!(m.processes.len() as u64, s.processes);
    assert_eq!(m.teams.len() as u64, s.teams);
    assert_eq!(m.people.len() as u64, s.people);
    assert_eq!(m.roles.len() as u64, s.roles);
    assert_eq!(m.accounts.len() as u64, s.accounts);
    assert_eq!(m.vendors.len() as u64, s.vendors);
    assert_eq!(m.baselines.len() as u64, s.baselines);
    assert_eq!(m.terms.len() as u64, s.terms);
    assert_eq!(u64::from(s.plants) * 6 + 4, s.zones);
}

// ---------------------------------------------------------------------------- tests

#[test]
fn ten_thousand_assets_load_cleanly_and_look_like_an_enterprise() {
    let (sink, s) = run(10_000, 1, 20_000);
    let m = check(&sink);
    assert_counts(&m, &s, &sink, 10_000);
    assert_eq!(s.plants, 2);
    let per_asset = s.dependencies as f64 / s.assets as f64;
    assert!((4.5..=5.5).contains(&per_asset), "{per_asset} dependencies per asset");
    // The shape the issue asks for.
    for id in [
        "dc-01",
        "dns-01",
        "ntp-01",
        "patch-01",
        "siem-01",
        "bkp-01",
        "erp-01",
        "mail-01",
        "fs-01",
        "vpn-01",
        "jump-01",
        "idmz-hist-01",
        "idmz-patch-01",
        "p0001-l3-patch-01",
        "p0002-l3-hist-01",
        "p0002-l2-scada-001",
        "p0002-l2-hmi-0001",
        "p0002-l2-ews-001",
        "p0002-l1-gw-001",
        "p0002-l0-io-00001",
        "p0002-sis-sc-0001",
        "p0002-l2-fw-01",
        "p0002-l1-sw-0001",
    ] {
        assert!(m.assets.contains_key(id), "no {id}");
    }
    let kinds: HashSet<&str> = m.deps.iter().map(|d| d.2.as_str()).collect();
    for f in FUNCTIONS {
        assert!(kinds.contains(f), "no {f} dependency");
    }
    // Most assets are level 1 and 0 devices.
    let field =
        m.assets.values().filter(|(z, _)| z.ends_with("-l1") || z.ends_with("-l0") || z.ends_with("-sis")).count();
    assert!(field * 100 / m.assets.len() > 70, "{field} L1/L0 devices");
    // Operators depend, through the plant's read-only DCs, on the shared identity.
    assert!(
        m.deps.iter().any(|(c, p, k, _)| c == "p0001-l2-hmi-0001" && p == "p0001-l3-dc-01" && k == "authentication")
    );
    assert!(
        m.deps.iter().any(|(c, p, k, _)| c.starts_with("p0001-l3-dc") && p.starts_with("dc-") && k == "authentication")
    );
    assert!(m.deps.iter().any(|d| d.3.as_ref().is_some_and(|r| r.len() == 1)), "a dependency names its conduit");
    assert!(m.deps.iter().any(|d| d.3.as_ref().is_some_and(|r| r.len() == 2)), "a dependency names a route");
    // Plants reach the enterprise only through the IDMZ.
    for (id, zones) in &m.conduits {
        let plant = zones.iter().any(|z| z.starts_with('p'));
        let enterprise = zones.iter().any(|z| !z.starts_with('p'));
        if plant && enterprise {
            assert!(zones.contains(&"idmz".to_owned()), "{id} bypasses the IDMZ");
        }
    }
    assert_eq!(m.roles.len(), 8 + 4 * 2);
}

#[test]
fn small_and_odd_sizes_load_cleanly() {
    for (assets, seed, per_file) in [
        (MIN_ASSETS, 0, 20_000),
        (MIN_ASSETS + 1, 1, 7),
        (137, 2, 50),
        (1_000, 3, 300),
        (4_321, 4, 1_000),
        (7_777, 5, 20_000),
        (23_456, 6, 5_000),
    ] {
        let (sink, s) = run(assets, seed, per_file);
        let m = check(&sink);
        assert_counts(&m, &s, &sink, assets);
        // Asset order is stable: file order is class order within each group.
        assert_eq!(m.asset_order.len() as u64, assets);
        let per_asset = s.dependencies as f64 / s.assets as f64;
        assert!((3.0..=7.0).contains(&per_asset), "{assets}: {per_asset}");
    }
}

#[test]
fn same_parameters_give_the_same_bytes() {
    let (a, sa) = run(3_000, 42, 1_000);
    let (b, sb) = run(3_000, 42, 1_000);
    assert_eq!(sa, sb);
    assert!(a == b, "outputs differ");
    let (c, _) = run(3_000, 43, 1_000);
    assert!(a != c, "a different seed gives a different site");
}

#[test]
fn splitting_into_files_does_not_change_the_model() {
    let (a, sa) = run(12_000, 9, 20_000);
    let (b, sb) = run(12_000, 9, 999);
    assert!(sb.files > sa.files);
    let ma = check(&a);
    let mb = check(&b);
    assert_eq!(ma.asset_order, mb.asset_order);
    let da: BTreeSet<_> = ma.deps.iter().collect();
    let db: BTreeSet<_> = mb.deps.iter().collect();
    assert!(da == db, "dependencies differ");
    assert_eq!(ma.baselines, mb.baselines);
    assert_eq!(sa.dependencies, sb.dependencies);
}

#[test]
fn degree_is_about_five_for_every_seed() {
    for seed in 0..12 {
        let mut sink = CountingSink::default();
        let params = Params { assets: 10_000, seed, ..Params::default() };
        let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
        let per_asset = s.dependencies as f64 / s.assets as f64;
        assert!((4.5..=5.5).contains(&per_asset), "seed {seed}: {per_asset}");
        assert_eq!(sink.bytes, s.bytes);
        assert_eq!(sink.files, s.files);
    }
}

#[test]
fn bad_parameters_are_invalid_input() {
    let mut sink = MemorySink::default();
    let small = Params { assets: MIN_ASSETS - 1, ..Params::default() };
    let err = generate(&small, &mut sink, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("smallest site"), "{err}");
    let zero = Params { assets_per_file: 0, ..Params::default() };
    let err = generate(&zero, &mut sink, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(sink.files.is_empty());
}

#[test]
fn sink_errors_are_returned() {
    struct Failing(u32);
    impl Sink for Failing {
        fn begin_file(&mut self, _: &str) -> io::Result<()> {
            self.0 += 1;
            if self.0 > 3 { Err(io::Error::other("disk full")) } else { Ok(()) }
        }
        fn write_str(&mut self, _: &str) -> io::Result<()> {
            Ok(())
        }
    }
    let err = generate(&Params::default(), &mut Failing(0), &mut |_| {}).unwrap_err();
    assert_eq!(err.to_string(), "disk full");
}

/// Prints how long 100k assets take; asserts a bound only in optimised builds.
#[test]
fn hundred_thousand_assets_are_fast() {
    let params = Params { assets: 100_000, seed: 1, ..Params::default() };
    let mut sink = CountingSink::default();
    let started = Instant::now();
    let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "100k assets: {secs:.2} s, {:.1} MiB in {} files, {} dependencies ({:.2} per asset)",
        s.bytes as f64 / f64::from(1 << 20),
        s.files,
        s.dependencies,
        s.dependencies as f64 / s.assets as f64
    );
    assert_eq!(s.assets, 100_000);
    assert_eq!(s.plants, 20);
    if !cfg!(debug_assertions) {
        assert!(secs < 5.0, "100k assets took {secs:.2} s");
    }
}

/// The checker above must itself catch mistakes, or the other tests prove nothing.
#[test]
fn the_checker_catches_broken_sites() {
    let (good, _) = run(MIN_ASSETS, 0, 20_000);
    let broken = |from: &str, to: &str| {
        let mut sink = good.clone();
        let mut hit = false;
        for (_, text) in &mut sink.files {
            if !hit && text.contains(from) {
                *text = text.replacen(from, to, 1);
                hit = true;
            }
        }
        assert!(hit, "{from:?} not in the output");
        std::panic::catch_unwind(|| check(&sink)).is_err()
    };
    assert!(broken("provider = \"", "provider = \"nowhere-"), "unknown reference");
    assert!(broken("owner = \"", "owner = \"x"), "unknown team");
    assert!(broken("kind = \"plc\"", "kind = \"plcc\""), "unknown kind");
    assert!(broken("[[asset]]\nid = \"", "[[asset]]\ncolour = \"red\"\nid = \""), "unknown field");
    assert!(
        broken("zones = [\"p0001-l1\", \"p0001-l0\"]", "zones = [\"p0001-l1\", \"p0001-l3\"]"),
        "undocumented crossing"
    );
    assert!(broken("deputies = [\"", "deputiez = [\""), "no deputy");
    assert!(broken("last_exercised = 2026", "last_exercised = 2024"), "stale exercise");
    assert!(
        broken(
            "[[dependency]]\nconsumer = \"p0001-l1-sw-0001\"\nprovider = \"p0001-l2-ntp-01\"",
            "[[dependency]]\nconsumer = \"p0001-l1-sw-0001\"\nprovider = \"p0001-l1-sw-0001\""
        ),
        "self dependency"
    );
    assert!(
        broken("conduit = [\"idmz-p0001\", \"identity-idmz\"]", "conduit = [\"identity-idmz\", \"idmz-p0001\"]"),
        "a named route in the wrong order"
    );
    assert!(broken("zones = [\"identity\", \"idmz\"]", "zones = [\"identity\", \"corp\"]"), "a broken multi-hop path");
    assert!(std::panic::catch_unwind(|| check(&good)).is_ok());
}

/// The output for fixed parameters is part of the contract: benchmarks and bug reports
/// name a `(assets, seed)` and expect the same site forever. If a deliberate change to the
/// generator moves this hash, update it and say so in the change's notes.
#[test]
fn output_is_pinned() {
    let mut sink = CountingSink::default();
    let params = Params { assets: 1_000, seed: 42, assets_per_file: 300 };
    let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
    assert_eq!((s.assets, s.files), (1_000, 8));
    assert_eq!(format!("{:016x}", sink.hash), "3e3e6e64b8ca4496");
}
