//! Phase 1: one file's TOML text into a [`RawFile`], with every problem that
//! can be seen in the file alone (syntax, unknown keys, wrong types, unknown
//! vocabulary words, missing required fields).

use std::collections::HashMap;
use std::sync::Arc;

use toml_spanner::{Item, Table, TableStyle, Value};

use super::raw::*;
use crate::deadline::Due;
use crate::diag::{Diagnostic, LineIndex, Severity, nearest, one_of};
use crate::model::{Channel, Contact, Date};
use crate::vocab::*;

/// Large files are parsed in segments of about this size, cut before a
/// top-level `[[table]]` header: the TOML parser's spans are 28-bit (256 MiB),
/// and one segment's tree at a time keeps memory bounded.
const SEGMENT: usize = 64 << 20;

/// One parse unit: a file, or one segment of a large file.
pub struct Parsed {
    pub raw: RawFile,
    pub diags: Vec<Diagnostic>,
    /// The whole file's line index (offsets in `raw` are file offsets).
    pub lines: Arc<LineIndex>,
}

/// `(byte offset, text)` pieces of a file, each ending just before a line that
/// starts an array-of-tables entry of a top-level key (`[[asset]]`...), so each
/// piece is a TOML document and together they mean what the whole file means.
fn segments(text: &str, size: usize) -> Vec<(u32, &str)> {
    if text.len() <= size {
        return vec![(0, text)];
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut search_from = size;
    while search_from < text.len() {
        let cut = memchr::memchr_iter(b'\n', &bytes[search_from..]).map(|i| search_from + i + 1).find(|&line| {
            let rest = &bytes[line..];
            rest.starts_with(b"[[")
                && TOP_KEYS
                    .iter()
                    .any(|k| rest[2..].starts_with(k.as_bytes()) && rest[2 + k.len()..].starts_with(b"]]"))
        });
        let Some(cut) = cut else { break };
        out.push((start as u32, &text[start..cut]));
        start = cut;
        search_from = cut + size;
    }
    out.push((start as u32, &text[start..]));
    out
}

/// Parses one file into one parse unit per segment (one for any file under
/// 64 MiB); the segments of a large file are parsed on up to `threads` threads.
pub fn parse_file(path: &str, text: &str, threads: usize) -> Vec<Parsed> {
    parse_file_in(path, text, SEGMENT, threads)
}

pub(super) fn parse_file_in(path: &str, text: &str, segment: usize, threads: usize) -> Vec<Parsed> {
    let lines = Arc::new(LineIndex::new(text));
    if u32::try_from(text.len()).is_err() {
        let diag = Diagnostic {
            severity: Severity::Error,
            file: path.to_string(),
            line: 0,
            column: 0,
            field: String::new(),
            message: format!("file is {} bytes, larger than the 4 GiB a site file may be", text.len()),
            expected: Some("site files under 4 GiB; split large inventories into several files".into()),
            help: None,
        };
        return vec![Parsed { raw: RawFile::default(), diags: vec![diag], lines }];
    }
    let pieces = segments(text, segment);
    let parse = |(base, seg): (u32, &str)| parse_segment(path, &lines, base, seg);
    if pieces.len() == 1 || threads <= 1 {
        return pieces.into_iter().map(parse).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Parsed>>> = pieces.iter().map(|_| Default::default()).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(pieces.len()) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(piece) = pieces.get(k) else { break };
                    let parsed = parse(*piece);
                    if let Ok(mut slot) = slots[k].lock() {
                        *slot = Some(parsed);
                    }
                }
            });
        }
    });
    slots.into_iter().filter_map(|s| s.into_inner().ok().flatten()).collect()
}

/// One TOML document starting at byte `base` of its file.
fn parse_segment(path: &str, lines: &Arc<LineIndex>, base: u32, seg: &str) -> Parsed {
    let arena = toml_spanner::Arena::new();
    let doc = toml_spanner::parse_recoverable(seg, &arena);
    let mut p = P {
        path,
        lines,
        base,
        diags: Vec::new(),
        syms: Syms::default(),
        raw: RawFile::default(),
        _de: std::marker::PhantomData,
    };
    for e in doc.errors() {
        let at = base + e.span().start;
        p.push(Severity::Error, at, String::new(), format!("TOML syntax: {}", e.message(seg)), None, None);
    }
    p.document(doc.table());
    let P { diags, syms, mut raw, .. } = p;
    let mut names: Vec<(u32, Box<str>)> = syms.into_iter().map(|(s, i)| (i, s)).collect();
    names.sort_unstable_by_key(|(i, _)| *i);
    raw.names = names.into_iter().map(|(_, s)| s).collect();
    Parsed { raw, diags, lines: Arc::clone(lines) }
}

type Syms = HashMap<Box<str>, Sym, foldhash::fast::RandomState>;

struct P<'a, 'de> {
    path: &'a str,
    lines: &'a LineIndex,
    /// Offset of the segment being read in its file.
    base: u32,
    diags: Vec<Diagnostic>,
    syms: Syms,
    raw: RawFile,
    _de: std::marker::PhantomData<&'de ()>,
}

/// A table being read, and how to name it in diagnostics (`asset "hmi-01"`).
/// The name is built only when a diagnostic needs it: loading a million
/// well-formed tables formats nothing.
struct T<'t, 'de> {
    table: &'t Table<'de>,
    what: What<'t>,
}

enum What<'t> {
    /// `asset "hmi-01"`
    Named(&'static str, &'t str),
    /// `asset at line 12`
    Line(&'static str, u32),
    /// `dependency "a" -> "b"`
    Dependency(&'t str, &'t str),
    /// Anything else, already formatted (sub-tables, which are few).
    Text(String),
}

impl T<'_, '_> {
    fn what(&self) -> String {
        match &self.what {
            What::Named(kind, id) => format!("{kind} \"{id}\""),
            What::Line(kind, line) => format!("{kind} at line {line}"),
            What::Dependency(c, p) => format!("dependency \"{c}\" -> \"{p}\""),
            What::Text(s) => s.clone(),
        }
    }
}

const SITE_KEYS: &[&str] =
    &["id", "name", "organisation", "timezone", "description", "follow_up_days", "update_every", "verification_every"];
const ZONE_KEYS: &[&str] = &["id", "name", "parent", "domain", "purdue_level", "security_level", "description"];
const CONDUIT_KEYS: &[&str] = &["id", "name", "zones", "channels", "description"];
const CHANNEL_KEYS: &[&str] = &["name", "protocol", "port", "description"];
const ASSET_KEYS: &[&str] = &[
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
];
const DEPENDENCY_KEYS: &[&str] =
    &["consumer", "provider", "kind", "conduit", "channel", "criticality", "safety_relevant", "description"];
const ACTION_KEYS: &[&str] =
    &["verb", "effect", "definition", "it_reading", "ot_reading", "reversible", "reversal", "typical_duration"];
const PROCESS_KEYS: &[&str] =
    &["id", "name", "criticality", "control", "view", "alarm", "safety", "manual_operation", "reading", "description"];
const READING_KEYS: &[&str] = &["id", "name", "unit", "station", "shown_on", "tolerance"];
const MANUAL_KEYS: &[&str] = &["procedure", "sustainable_for", "staffing", "last_exercised", "notes"];
const TEAM_KEYS: &[&str] = &["id", "name", "domain"];
const PERSON_KEYS: &[&str] = &["id", "name", "team", "vendor", "title", "contacts"];
const CONTACT_KEYS: &[&str] = &["channel", "address"];
const ROLE_KEYS: &[&str] = &["id", "name", "domain", "primary", "deputies", "description"];
const ACCOUNT_KEYS: &[&str] = &[
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
];
const VENDOR_KEYS: &[&str] =
    &["id", "name", "supervision_required", "recording_required", "pathway", "function", "description"];
const PATHWAY_KEYS: &[&str] = &["id", "via", "targets", "accounts", "mfa", "description"];
const VFUNCTION_KEYS: &[&str] = &["name", "safety_critical", "assets"];
const BASELINE_KEYS: &[&str] =
    &["asset", "config_hash", "logic_version", "logic_hash", "firmware", "recorded", "recorded_by"];
const TERM_KEYS: &[&str] = &["term", "canonical", "it_reading", "ot_reading", "not_to_be_confused_with"];
const AUTHORITY_KEYS: &[&str] = &["escalate_after", "default_ladder", "override", "description", "ladder", "rule"];
const LADDER_KEYS: &[&str] = &["id", "steps", "then", "description"];
const STEP_KEYS: &[&str] = &["role", "after"];
const RULE_KEYS: &[&str] = &[
    "id",
    "description",
    "verbs",
    "target_domains",
    "target_zones",
    "target_levels",
    "target_kinds",
    "target_criticality",
    "target_functions",
    "impact",
    "intents",
    "phases",
    "execute",
    "approvals",
    "joint",
    "veto",
    "escalate_after",
    "ladder",
    "override",
];
const APPROVAL_KEYS: &[&str] = &["roles", "count"];
const DEADLINE_KEYS: &[&str] = &["id", "regime", "trigger", "within", "by_end_of_day", "report", "description"];
const WITHIN_EXPECTED: &str = "a duration such as \"1h\" or \"90m\", or whole calendar days such as \"7d\"";
/// What a deadline's due time may be written as.
const DUE_EXPECTED: &str = "exactly one of `within` (a duration: \"1h\", \"90m\", or whole calendar days \"7d\") \
     and `by_end_of_day` (an integer from 0 to 31: the end of the calendar day that many days later)";

/// Top-level keys. Large files are cut before `[[key]]` headers of these
/// (`[[authority.rule]]` is not such a header: it does not end after the key).
const TOP_KEYS: &[&str] = &[
    "site",
    "zone",
    "conduit",
    "asset",
    "dependency",
    "process",
    "team",
    "person",
    "role",
    "account",
    "vendor",
    "baseline",
    "term",
    "action",
    "authority",
    "deadline",
];

/// Whether `s` is a valid id: `[a-z0-9][a-z0-9._-]*`, at most 128 bytes.
pub fn valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.'))
}

fn type_name(item: &Item<'_>) -> &'static str {
    match item.value() {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::DateTime(_) => "a date-time",
        Value::Table(_) => "a table",
        Value::Array(_) => "an array",
    }
}

impl<'a, 'de> P<'a, 'de> {
    fn push(
        &mut self,
        severity: Severity,
        at: u32,
        field: String,
        message: String,
        expected: Option<String>,
        help: Option<String>,
    ) {
        let (line, column) = self.lines.position(at);
        self.diags.push(Diagnostic {
            severity,
            file: self.path.to_string(),
            line,
            column,
            field,
            message,
            expected,
            help,
        });
    }

    fn err(&mut self, at: u32, field: String, message: impl Into<String>, expected: Option<String>) {
        self.push(Severity::Error, at, field, message.into(), expected, None);
    }

    fn sym(&mut self, s: &str) -> Sym {
        if let Some(sym) = self.syms.get(s) {
            return *sym;
        }
        let next = self.syms.len() as Sym;
        self.syms.insert(s.into(), next);
        next
    }

    fn document(&mut self, root: &Table<'de>) {
        for (key, item) in root {
            let name = key.name;
            let at = self.base + key.span.start;
            match name {
                "site" => match item.as_table() {
                    Some(t) => self.site(t, at),
                    None => self.err(
                        at,
                        "site".into(),
                        format!("`site` is {}", type_name(item)),
                        Some("a single [site] table (not [[site]])".into()),
                    ),
                },
                "zone" => self.each(item, name, |p, t| p.zone(t)),
                "conduit" => self.each(item, name, |p, t| p.conduit(t)),
                "asset" => self.each(item, name, |p, t| p.asset(t)),
                "dependency" => self.each(item, name, |p, t| p.dependency(t)),
                "process" => self.each(item, name, |p, t| p.process(t)),
                "team" => self.each(item, name, |p, t| p.team(t)),
                "person" => self.each(item, name, |p, t| p.person(t)),
                "role" => self.each(item, name, |p, t| p.role(t)),
                "account" => self.each(item, name, |p, t| p.account(t)),
                "vendor" => self.each(item, name, |p, t| p.vendor(t)),
                "baseline" => self.each(item, name, |p, t| p.baseline(t)),
                "term" => self.each(item, name, |p, t| p.term(t)),
                "action" => self.each(item, name, |p, t| p.action(t)),
                "deadline" => self.each(item, name, |p, t| p.deadline(t)),
                "authority" => match item.as_table() {
                    Some(t) => self.authority(t, at),
                    None => self.err(
                        at,
                        "authority".into(),
                        format!("`authority` is {}", type_name(item)),
                        Some("a single [authority] table (not [[authority]])".into()),
                    ),
                },
                other => {
                    let help = nearest(other, TOP_KEYS.iter().copied()).map(|n| format!("did you mean `{n}`?"));
                    self.push(
                        Severity::Error,
                        at,
                        other.into(),
                        format!("unknown top-level key `{other}`"),
                        Some(one_of(TOP_KEYS.iter().copied())),
                        help,
                    );
                }
            }
        }
    }

    /// Runs `f` on each table of an array of tables (`[[zone]]`).
    fn each(&mut self, item: &Item<'de>, key: &str, mut f: impl FnMut(&mut Self, &Table<'de>)) {
        match item.as_array() {
            Some(arr) => {
                for el in arr.iter() {
                    match el.as_table() {
                        Some(t) => f(self, t),
                        None => self.err(
                            self.base + el.span().start,
                            key.into(),
                            format!("an element of `{key}` is {}", type_name(el)),
                            Some(format!("tables, written [[{key}]]")),
                        ),
                    }
                }
            }
            None => self.err(
                self.base + item.span().start,
                key.into(),
                format!("`{key}` is {}", type_name(item)),
                Some(format!("an array of tables, written [[{key}]]")),
            ),
        }
    }

    /// Names a table for diagnostics by its id (or other naming key).
    fn named<'t>(&self, table: &'t Table<'de>, kind: &'static str, id_key: &str) -> T<'t, 'de> {
        let what = match table.get(id_key).and_then(|i| i.as_str()) {
            Some(id) => What::Named(kind, id),
            None => What::Line(kind, self.lines.position(self.base + table.span().start).0),
        };
        T { table, what }
    }

    fn field(t: &T<'_, '_>, key: &str) -> String {
        format!("{} > {key}", t.what())
    }

    /// Reports keys that are not in `known`.
    fn keys(&mut self, t: &T<'_, 'de>, known: &[&str]) {
        for (key, _) in t.table {
            if !known.contains(&key.name) {
                let help = nearest(key.name, known.iter().copied()).map(|n| format!("did you mean `{n}`?"));
                self.push(
                    Severity::Error,
                    self.base + key.span.start,
                    Self::field(t, key.name),
                    format!("unknown field `{}`", key.name),
                    Some(one_of(known.iter().copied())),
                    help,
                );
            }
        }
    }

    fn missing(&mut self, t: &T<'_, 'de>, key: &str, expected: &str) {
        self.err(
            self.base + t.table.span().start,
            Self::field(t, key),
            format!("missing required field `{key}`"),
            Some(expected.to_string()),
        );
    }

    /// The item at `key`, reporting it missing when `required`.
    fn get<'t>(&mut self, t: &T<'t, 'de>, key: &str, required: Option<&str>) -> Option<&'t Item<'de>> {
        let item = t.table.get(key);
        if let (None, Some(expected)) = (item, required) {
            self.missing(t, key, expected);
        }
        item
    }

    fn wrong_type(&mut self, t: &T<'_, 'de>, key: &str, item: &Item<'de>, expected: &str) {
        self.err(
            self.base + item.span().start,
            Self::field(t, key),
            format!("found {}", type_name(item)),
            Some(expected.to_string()),
        );
    }

    fn string(&mut self, t: &T<'_, 'de>, key: &str, required: bool) -> Option<(&'de str, u32)> {
        const EXPECTED: &str = "a string";
        let item = self.get(t, key, required.then_some(EXPECTED))?;
        match item.value() {
            Value::String(s) => {
                let s: &'de str = s;
                Some((s, self.base + item.span().start))
            }
            _ => {
                self.wrong_type(t, key, item, EXPECTED);
                None
            }
        }
    }

    fn text(&mut self, t: &T<'_, 'de>, key: &str) -> Option<Box<str>> {
        self.string(t, key, false).map(|(s, _)| Box::from(s))
    }

    fn required_text(&mut self, t: &T<'_, 'de>, key: &str) -> Option<Box<str>> {
        let (s, at) = self.string(t, key, true)?;
        if s.trim().is_empty() {
            self.err(at, Self::field(t, key), "is empty", Some("a non-empty string".into()));
        }
        Some(Box::from(s))
    }

    fn check_id(&mut self, t: &T<'_, 'de>, key: &str, s: &'de str, at: u32) -> At {
        if !valid_id(s) {
            self.err(
                at,
                Self::field(t, key),
                format!("\"{s}\" is not a valid id"),
                Some(
                    "lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, at most 128 bytes"
                        .into(),
                ),
            );
        }
        At { sym: self.sym(s), at }
    }

    /// A required id (the thing's own id).
    fn id(&mut self, t: &T<'_, 'de>, key: &str) -> Option<At> {
        let (s, at) = self.string(t, key, true)?;
        Some(self.check_id(t, key, s, at))
    }

    /// A reference to another thing's id.
    fn reference(&mut self, t: &T<'_, 'de>, key: &str, required: bool) -> Option<At> {
        let (s, at) = self.string(t, key, required)?;
        Some(At { sym: self.sym(s), at })
    }

    /// An array of strings, each passed to `f` with its offset.
    fn string_array(
        &mut self,
        t: &T<'_, 'de>,
        key: &str,
        required: bool,
        mut f: impl FnMut(&mut Self, &'de str, u32),
    ) -> Option<u32> {
        const EXPECTED: &str = "an array of strings";
        let item = self.get(t, key, required.then_some(EXPECTED))?;
        let Some(arr) = item.as_array() else {
            self.wrong_type(t, key, item, EXPECTED);
            return None;
        };
        for el in arr.iter() {
            match el.value() {
                Value::String(s) => {
                    let s: &'de str = s;
                    let at = self.base + el.span().start;
                    f(self, s, at)
                }
                _ => self.wrong_type(t, key, el, "a string in the array"),
            }
        }
        Some(self.base + item.span().start)
    }

    fn references(&mut self, t: &T<'_, 'de>, key: &str, required: bool) -> (Vec<At>, u32) {
        let mut out = Vec::new();
        let at = self.string_array(t, key, required, |p, s, at| out.push(At { sym: p.sym(s), at }));
        (out, at.unwrap_or_else(|| self.base + t.table.span().start))
    }

    fn texts(&mut self, t: &T<'_, 'de>, key: &str) -> Vec<Box<str>> {
        let mut out = Vec::new();
        self.string_array(t, key, false, |_, s, _| out.push(Box::from(s)));
        out
    }

    /// A vocabulary word.
    fn word<V: Copy>(
        &mut self,
        t: &T<'_, 'de>,
        key: &str,
        required: bool,
        parse: fn(&str) -> Option<V>,
        words: &[&'static str],
        what: &str,
    ) -> Option<V> {
        let (s, at) = self.string(t, key, required)?;
        let v = parse(s);
        if v.is_none() {
            self.unknown_word(t, key, s, at, words, what);
        }
        v
    }

    fn unknown_word(&mut self, t: &T<'_, 'de>, key: &str, s: &str, at: u32, words: &[&'static str], what: &str) {
        let help = nearest(s, words.iter().copied()).map(|n| format!("did you mean \"{n}\"?"));
        self.push(
            Severity::Error,
            at,
            Self::field(t, key),
            format!("unknown {what} \"{s}\""),
            Some(one_of(words.iter().copied())),
            help,
        );
    }

    fn domain(&mut self, t: &T<'_, 'de>, key: &str, required: bool) -> Option<Domain> {
        self.word(t, key, required, Domain::parse, Domain::WORDS, Domain::WHAT)
    }

    fn criticality(&mut self, t: &T<'_, 'de>, key: &str) -> Option<Criticality> {
        self.word(t, key, false, Criticality::parse, Criticality::WORDS, Criticality::WHAT)
    }

    fn boolean(&mut self, t: &T<'_, 'de>, key: &str) -> Option<bool> {
        let item = self.get(t, key, None)?;
        match item.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(t, key, item, "true or false");
                None
            }
        }
    }

    fn integer(&mut self, t: &T<'_, 'de>, key: &str, required: bool, lo: i64, hi: i64) -> Option<i64> {
        let expected = format!("an integer from {lo} to {hi}");
        let item = self.get(t, key, required.then_some(expected.as_str()))?;
        match item.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => Some(n),
            Some(n) => {
                self.err(
                    self.base + item.span().start,
                    Self::field(t, key),
                    format!("{n} is out of range"),
                    Some(expected),
                );
                None
            }
            None => {
                self.wrong_type(t, key, item, &expected);
                None
            }
        }
    }

    fn purdue(&mut self, t: &T<'_, 'de>, key: &str) -> Option<PurdueLevel> {
        let item = self.get(t, key, None)?;
        self.purdue_value(t, key, item)
    }

    /// A Purdue level written as an integer, `3.5`, or a string (`"3.5"`, `"idmz"`).
    fn purdue_value(&mut self, t: &T<'_, 'de>, key: &str, item: &Item<'de>) -> Option<PurdueLevel> {
        let level = match item.value() {
            Value::Integer(i) => i
                .as_i64()
                .and_then(|n| u8::try_from(n).ok())
                .and_then(|n| PurdueLevel::from_tenths(n.saturating_mul(10))),
            Value::Float(f) if (*f - 3.5).abs() < f64::EPSILON => Some(PurdueLevel::IDMZ),
            Value::String(s) => PurdueLevel::parse(s),
            _ => None,
        };
        if level.is_none() {
            let found = match item.value() {
                Value::Integer(i) => format!("{}", i.as_i128()),
                Value::Float(f) => format!("{f}"),
                Value::String(s) => format!("\"{s}\""),
                _ => type_name(item).to_string(),
            };
            self.err(
                self.base + item.span().start,
                Self::field(t, key),
                format!("{found} is not a Purdue level"),
                Some(PurdueLevel::EXPECTED.into()),
            );
        }
        level
    }

    /// An array of Purdue levels, each written as [`Self::purdue`] accepts; duplicates dropped.
    fn purdue_levels(&mut self, t: &T<'_, 'de>, key: &str) -> Vec<PurdueLevel> {
        let Some(item) = self.get(t, key, None) else { return Vec::new() };
        let Some(arr) = item.as_array() else {
            self.wrong_type(t, key, item, "an array of Purdue levels, e.g. [1, 2] or [\"3.5\"]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for el in arr.iter() {
            if let Some(level) = self.purdue_value(t, key, el)
                && !out.contains(&level)
            {
                out.push(level);
            }
        }
        out
    }

    /// An array of vocabulary words, in the order written; duplicates dropped.
    fn words<V: Copy + PartialEq>(
        &mut self,
        t: &T<'_, 'de>,
        key: &str,
        parse: fn(&str) -> Option<V>,
        words: &[&'static str],
        what: &str,
    ) -> Vec<V> {
        let mut out = Vec::new();
        self.string_array(t, key, false, |p, s, at| match parse(s) {
            Some(v) if out.contains(&v) => {}
            Some(v) => out.push(v),
            None => p.unknown_word(t, key, s, at, words, what),
        });
        out
    }

    /// An optional array of references: `None` when absent, `Some` (maybe empty) when written.
    fn optional_references(&mut self, t: &T<'_, 'de>, key: &str) -> Option<Vec<At>> {
        let present = t.table.get(key).is_some();
        let (refs, _) = self.references(t, key, false);
        present.then_some(refs)
    }

    fn date(&mut self, t: &T<'_, 'de>, key: &str) -> Option<Date> {
        const EXPECTED: &str = "a date, written 2026-03-14 (or \"2026-03-14\")";
        let item = self.get(t, key, None)?;
        let date = match item.value() {
            Value::DateTime(dt) if dt.time().is_none() && dt.offset().is_none() => {
                dt.date().map(|d| Date { year: d.year, month: d.month, day: d.day })
            }
            Value::String(s) => parse_date(s),
            _ => None,
        };
        if date.is_none() {
            self.err(
                self.base + item.span().start,
                Self::field(t, key),
                "is not a calendar date",
                Some(EXPECTED.into()),
            );
        }
        date
    }

    /// A non-negative finite number (an integer or a float), required.
    fn tolerance(&mut self, t: &T<'_, 'de>, key: &str) -> Option<f64> {
        const EXPECTED: &str = "a number of the reading's unit, 0 or more, e.g. 0.05";
        let item = self.get(t, key, Some(EXPECTED))?;
        let v = match item.value() {
            Value::Integer(i) => i.as_i64().map(|n| n as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        };
        match v {
            Some(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                self.err(
                    self.base + item.span().start,
                    Self::field(t, key),
                    "is not a tolerance",
                    Some(EXPECTED.into()),
                );
                None
            }
        }
    }

    fn duration(&mut self, t: &T<'_, 'de>, key: &str, required: bool) -> Option<u32> {
        const EXPECTED: &str = "a duration such as \"45m\", \"8h\" or \"3d\"";
        let (s, at) = self.string(t, key, required)?;
        let minutes = parse_duration(s);
        if minutes.is_none() {
            self.err(at, Self::field(t, key), format!("\"{s}\" is not a duration"), Some(EXPECTED.into()));
        }
        minutes
    }

    /// Sub-tables of an array of tables under `key` (`[[vendor.pathway]]`).
    fn sub_tables<'t>(&mut self, t: &T<'t, 'de>, key: &str) -> Vec<&'t Table<'de>> {
        let Some(item) = self.get(t, key, None) else { return Vec::new() };
        let Some(arr) = item.as_array() else {
            self.wrong_type(t, key, item, &format!("an array of tables, written [[...{key}]] or [{{...}}]"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for el in arr.iter() {
            match el.as_table() {
                Some(tb) => out.push(tb),
                None => self.wrong_type(t, key, el, "a table"),
            }
        }
        out
    }

    // ----- the tables -----

    fn site(&mut self, table: &Table<'de>, at: u32) {
        let t = T { table, what: What::Text("site".into()) };
        self.keys(&t, SITE_KEYS);
        let id = self.string(&t, "id", true);
        if let Some((s, at)) = id {
            self.check_id(&t, "id", s, at);
        }
        let name = self.required_text(&t, "name");
        let organisation = self.text(&t, "organisation");
        let timezone = self.string(&t, "timezone", false).map(|(tz, at)| {
            self.time_zone(&t, tz, at);
            Box::from(tz)
        });
        let description = self.text(&t, "description");
        let follow_up_days = self.integer(&t, "follow_up_days", false, 1, 3650).map(|d| d as u32);
        let mut update_every = [None; 4];
        if let Some(item) = self.get(&t, "update_every", None) {
            match item.as_table() {
                None => self.wrong_type(
                    &t,
                    "update_every",
                    item,
                    "a table of durations by severity, written [site.update_every] with critical = \"1h\"",
                ),
                Some(ut) => {
                    let u = T { table: ut, what: What::Text("site > update_every".into()) };
                    self.keys(&u, &crate::model::UPDATE_SEVERITIES);
                    for (i, sev) in crate::model::UPDATE_SEVERITIES.iter().enumerate() {
                        update_every[i] = self.duration(&u, sev, false).filter(|m| *m > 0);
                    }
                }
            }
        }
        let verification_every = self.duration(&t, "verification_every", false);
        if let (Some((id, _)), Some(name)) = (id, name) {
            self.raw.site.push(RawSite {
                at,
                id: id.into(),
                name,
                organisation,
                timezone,
                description,
                follow_up_days,
                update_every,
                verification_every,
            });
        }
    }

    /// Checks `[site] timezone` against the IANA database embedded in the crate
    /// (never the system's: loading reads no files).
    fn time_zone(&mut self, t: &T<'_, 'de>, name: &str, at: u32) {
        const EXPECTED: &str = "an IANA time-zone name, e.g. \"America/Chicago\" or \"Europe/Berlin\"";
        let db = jiff::tz::TimeZoneDatabase::bundled();
        match db.get(name) {
            Ok(tz) if !tz.is_unknown() => {
                // The database matches names without regard to case; other tools may not.
                if let Some(canonical) = tz.iana_name().filter(|c| *c != name) {
                    self.push(
                        Severity::Warning,
                        at,
                        Self::field(t, "timezone"),
                        format!("time zone \"{name}\" is spelled \"{canonical}\" in the IANA database"),
                        None,
                        Some(format!("write \"{canonical}\"")),
                    );
                }
            }
            _ => {
                let names: Vec<jiff::tz::TimeZoneName<'_>> = db.available().collect();
                let help = nearest(name, names.iter().map(|n| n.as_str())).map(|n| format!("did you mean \"{n}\"?"));
                self.push(
                    Severity::Error,
                    at,
                    Self::field(t, "timezone"),
                    format!("unknown time zone \"{name}\""),
                    Some(EXPECTED.into()),
                    help,
                );
            }
        }
    }

    fn zone(&mut self, table: &Table<'de>) {
        let t = self.named(table, "zone", "id");
        self.keys(&t, ZONE_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let parent = self.reference(&t, "parent", false);
        let domain = self.domain(&t, "domain", false);
        let purdue_level = self.purdue(&t, "purdue_level");
        let security_level = self.integer(&t, "security_level", false, 1, 4).map(|n| n as u8);
        let description = self.text(&t, "description");
        // Defined even when other fields are wrong, so references to it resolve
        // and only the real mistake is reported. (Any error discards the model.)
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.zones.push(RawZone { id, name, parent, domain, purdue_level, security_level, description });
        }
    }

    fn conduit(&mut self, table: &Table<'de>) {
        let t = self.named(table, "conduit", "id");
        self.keys(&t, CONDUIT_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let (zones, zones_at) = self.references(&t, "zones", true);
        let mut channels = Vec::new();
        for ct in self.sub_tables(&t, "channels") {
            let c = T { table: ct, what: What::Text(format!("{} > channels", t.what())) };
            self.keys(&c, CHANNEL_KEYS);
            let name = self.required_text(&c, "name");
            let protocol = self.required_text(&c, "protocol");
            let port = self.integer(&c, "port", false, 1, 65535).map(|n| n as u16);
            let description = self.text(&c, "description");
            if let (Some(name), Some(protocol)) = (name, protocol) {
                channels.push(Channel { name, protocol, port, description });
            }
        }
        let description = self.text(&t, "description");
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.conduits.push(RawConduit { id, name, zones, zones_at, channels, description });
        }
    }

    fn asset(&mut self, table: &Table<'de>) {
        let t = self.named(table, "asset", "id");
        self.keys(&t, ASSET_KEYS);
        let id = self.id(&t, "id");
        let name = self.text(&t, "name");
        let kind = self.word(&t, "kind", true, AssetKind::parse, AssetKind::WORDS, AssetKind::WHAT);
        let domain = self.domain(&t, "domain", false);
        let zone = self.reference(&t, "zone", true);
        let purdue_level = self.purdue(&t, "purdue_level");
        let criticality = self.criticality(&t, "criticality").unwrap_or(Criticality::Medium);
        let owner = self.reference(&t, "owner", false);
        let addresses = self.texts(&t, "addresses");
        let vendor = self.text(&t, "vendor");
        let model = self.text(&t, "model");
        let mut functions = FunctionSet::EMPTY;
        self.string_array(&t, "functions", false, |p, s, at| match Function::parse(s) {
            Some(f) => {
                functions.insert(f);
            }
            None => p.unknown_word(&t, "functions", s, at, Function::WORDS, Function::WHAT),
        });
        let description = self.text(&t, "description");
        if let Some(id) = id {
            let kind = kind.unwrap_or(AssetKind::Workstation);
            self.raw.assets.push(RawAsset {
                id,
                name,
                kind,
                domain,
                zone,
                purdue_level,
                criticality,
                owner,
                addresses,
                vendor,
                model,
                functions,
                description,
            });
        }
    }

    fn dependency(&mut self, table: &Table<'de>) {
        let what =
            match (table.get("consumer").and_then(|i| i.as_str()), table.get("provider").and_then(|i| i.as_str())) {
                (Some(c), Some(p)) => What::Dependency(c, p),
                _ => What::Line("dependency", self.lines.position(self.base + table.span().start).0),
            };
        let t = T { table, what };
        self.keys(&t, DEPENDENCY_KEYS);
        let consumer = self.reference(&t, "consumer", true);
        let provider = self.reference(&t, "provider", true);
        let kind = self.word(&t, "kind", true, Function::parse, Function::WORDS, "dependency kind");
        // One conduit, or the route of conduits in order from consumer to provider.
        let conduit = match t.table.get("conduit").map(|i| i.as_array().is_some()) {
            Some(true) => self.references(&t, "conduit", false).0,
            _ => self.reference(&t, "conduit", false).into_iter().collect(),
        };
        let criticality = self.criticality(&t, "criticality");
        let safety_relevant = self.boolean(&t, "safety_relevant");
        let channel = self.string(&t, "channel", false).map(|(s, at)| (Box::from(s), at));
        let description = self.text(&t, "description");
        if let (Some(consumer), Some(provider)) = (consumer, provider) {
            let extra = if conduit.is_empty() && description.is_none() && channel.is_none() {
                NO_EXTRA
            } else {
                self.raw.dependency_extras.push(RawDependencyExtra { conduit, channel, description });
                self.raw.dependency_extras.len() as u32 - 1
            };
            self.raw.dependencies.push(RawDependency {
                at: self.base + table.span().start,
                consumer,
                provider,
                kind,
                criticality,
                safety_relevant,
                extra,
            });
        }
    }

    fn process(&mut self, table: &Table<'de>) {
        let t = self.named(table, "process", "id");
        self.keys(&t, PROCESS_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let criticality = self.criticality(&t, "criticality").unwrap_or(Criticality::High);
        // Missing and empty are both "no control path", reported by the checks.
        let (control, control_at) = self.references(&t, "control", false);
        let (view, _) = self.references(&t, "view", false);
        let (alarm, _) = self.references(&t, "alarm", false);
        let (safety, _) = self.references(&t, "safety", false);
        let manual_operation = match self.get(&t, "manual_operation", None) {
            None => None,
            Some(item) => match item.as_table() {
                None => {
                    self.wrong_type(&t, "manual_operation", item, "a table, written [process.manual_operation]");
                    None
                }
                Some(mt) => {
                    let m = T { table: mt, what: What::Text(format!("{} > manual_operation", t.what())) };
                    self.keys(&m, MANUAL_KEYS);
                    let procedure = self.required_text(&m, "procedure");
                    let sustainable = self.duration(&m, "sustainable_for", true);
                    let staffing = self.integer(&m, "staffing", true, 1, 100_000);
                    let last_exercised = self.date(&m, "last_exercised");
                    let notes = self.text(&m, "notes");
                    match (procedure, sustainable, staffing) {
                        (Some(procedure), Some(sustainable_minutes), Some(staffing)) => Some(RawManualOperation {
                            procedure,
                            sustainable_minutes,
                            staffing: staffing as u32,
                            last_exercised,
                            notes,
                        }),
                        _ => None,
                    }
                }
            },
        };
        let mut readings = Vec::new();
        for rt in self.sub_tables(&t, "reading") {
            let rid = rt.get("id").and_then(|i| i.as_str()).map(|s| format!("{} > reading \"{s}\"", t.what()));
            let r = T { table: rt, what: What::Text(rid.unwrap_or_else(|| format!("{} > reading", t.what()))) };
            self.keys(&r, READING_KEYS);
            let rid = self.id(&r, "id");
            let name = self.required_text(&r, "name");
            let unit = self.required_text(&r, "unit");
            let station = self.required_text(&r, "station");
            let shown_on = self.optional_references(&r, "shown_on");
            let tolerance = self.tolerance(&r, "tolerance");
            if let (Some(id), Some(name), Some(unit), Some(station), Some(tolerance)) =
                (rid, name, unit, station, tolerance)
            {
                readings.push(RawReading { id, name, unit, station, shown_on, tolerance });
            }
        }
        let description = self.text(&t, "description");
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.processes.push(RawProcess {
                id,
                name,
                criticality,
                control,
                control_at,
                view,
                alarm,
                safety,
                manual_operation,
                readings,
                description,
            });
        }
    }

    fn team(&mut self, table: &Table<'de>) {
        let t = self.named(table, "team", "id");
        self.keys(&t, TEAM_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let domain = self.domain(&t, "domain", false);
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.teams.push(RawTeam { id, name, domain });
        }
    }

    fn person(&mut self, table: &Table<'de>) {
        let t = self.named(table, "person", "id");
        self.keys(&t, PERSON_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let team = self.reference(&t, "team", false);
        let vendor = self.reference(&t, "vendor", false);
        if let (Some(_), Some(v)) = (team, vendor) {
            self.err(
                v.at,
                Self::field(&t, "vendor"),
                "a person has either a team or a vendor, not both",
                Some("only one of `team` and `vendor`".into()),
            );
        }
        let title = self.text(&t, "title");
        let mut contacts = Vec::new();
        for ct in self.sub_tables(&t, "contacts") {
            let c = T { table: ct, what: What::Text(format!("{} > contacts", t.what())) };
            self.keys(&c, CONTACT_KEYS);
            let channel =
                self.word(&c, "channel", true, ContactChannel::parse, ContactChannel::WORDS, ContactChannel::WHAT);
            let address = self.required_text(&c, "address");
            if let (Some(channel), Some(address)) = (channel, address) {
                contacts.push(Contact { channel, address });
            }
        }
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.people.push(RawPerson { id, name, team, vendor, title, contacts });
        }
    }

    fn role(&mut self, table: &Table<'de>) {
        let t = self.named(table, "role", "id");
        self.keys(&t, ROLE_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let domain = self.domain(&t, "domain", false);
        let primary = self.reference(&t, "primary", false);
        let (deputies, _) = self.references(&t, "deputies", false);
        let description = self.text(&t, "description");
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.roles.push(RawRole { id, name, domain, primary, deputies, description });
        }
    }

    fn account(&mut self, table: &Table<'de>) {
        let t = self.named(table, "account", "id");
        self.keys(&t, ACCOUNT_KEYS);
        let id = self.id(&t, "id");
        let username = self.text(&t, "username");
        let kind = self.word(&t, "kind", true, AccountKind::parse, AccountKind::WORDS, AccountKind::WHAT);
        let status = self
            .word(&t, "status", false, AccountStatus::parse, AccountStatus::WORDS, AccountStatus::WHAT)
            .unwrap_or(AccountStatus::Active);
        let directory = self.reference(&t, "directory", false);
        let (holders, holders_at) = self.references(&t, "holders", false);
        let vendor = self.reference(&t, "vendor", false);
        let (assets, _) = self.references(&t, "assets", false);
        let privileged = self.boolean(&t, "privileged").unwrap_or(false);
        let mfa = self.boolean(&t, "mfa").unwrap_or(false);
        let description = self.text(&t, "description");
        if let Some(id) = id {
            // An unknown kind is reported; `service` carries no further checks.
            let kind = kind.unwrap_or(AccountKind::Service);
            self.raw.accounts.push(RawAccount {
                id,
                username,
                kind,
                status,
                directory,
                holders,
                holders_at,
                vendor,
                assets,
                privileged,
                mfa,
                description,
            });
        }
    }

    fn vendor(&mut self, table: &Table<'de>) {
        let t = self.named(table, "vendor", "id");
        self.keys(&t, VENDOR_KEYS);
        let id = self.id(&t, "id");
        let name = self.required_text(&t, "name");
        let supervision_required = self.boolean(&t, "supervision_required").unwrap_or(true);
        let recording_required = self.boolean(&t, "recording_required").unwrap_or(true);
        let mut pathways = Vec::new();
        for pt in self.sub_tables(&t, "pathway") {
            let pid = pt.get("id").and_then(|i| i.as_str()).map(|s| format!("{} > pathway \"{s}\"", t.what()));
            let p = T { table: pt, what: What::Text(pid.unwrap_or_else(|| format!("{} > pathway", t.what()))) };
            self.keys(&p, PATHWAY_KEYS);
            let id = self.id(&p, "id");
            let (via, _) = self.references(&p, "via", false);
            let (targets, targets_at) = self.references(&p, "targets", true);
            let (accounts, _) = self.references(&p, "accounts", false);
            let mfa = self.boolean(&p, "mfa").unwrap_or(false);
            let description = self.text(&p, "description");
            if let Some(id) = id {
                pathways.push(RawPathway { id, via, targets, targets_at, accounts, mfa, description });
            }
        }
        let mut functions = Vec::new();
        for ft in self.sub_tables(&t, "function") {
            let f = T { table: ft, what: What::Text(format!("{} > function", t.what())) };
            self.keys(&f, VFUNCTION_KEYS);
            let name = self.required_text(&f, "name");
            let safety_critical = self.boolean(&f, "safety_critical").unwrap_or(false);
            let (assets, _) = self.references(&f, "assets", false);
            if let Some(name) = name {
                functions.push(RawVendorFunction { name, safety_critical, assets });
            }
        }
        let description = self.text(&t, "description");
        if let Some(id) = id {
            let name = name.unwrap_or_default();
            self.raw.vendors.push(RawVendor {
                id,
                name,
                supervision_required,
                recording_required,
                pathways,
                functions,
                description,
            });
        }
    }

    fn baseline(&mut self, table: &Table<'de>) {
        let t = self.named(table, "baseline", "asset");
        self.keys(&t, BASELINE_KEYS);
        let asset = self.reference(&t, "asset", true);
        let config_hash = self.text(&t, "config_hash");
        let logic_version = self.text(&t, "logic_version");
        let logic_hash = self.text(&t, "logic_hash");
        let firmware = self.text(&t, "firmware");
        let recorded = self.date(&t, "recorded");
        let recorded_by = self.reference(&t, "recorded_by", false);
        if config_hash.is_none() && logic_version.is_none() && logic_hash.is_none() && firmware.is_none() {
            self.err(
                self.base + table.span().start,
                t.what(),
                "records nothing to verify against",
                Some("at least one of `config_hash`, `logic_version`, `logic_hash`, `firmware`".into()),
            );
            return;
        }
        if let Some(asset) = asset {
            self.raw.baselines.push(RawBaseline {
                asset,
                config_hash,
                logic_version,
                logic_hash,
                firmware,
                recorded,
                recorded_by,
            });
        }
    }

    fn action(&mut self, table: &Table<'de>) {
        let t = self.named(table, "action", "verb");
        self.keys(&t, ACTION_KEYS);
        let verb = self.string(&t, "verb", true);
        if let Some((v, at)) = verb {
            self.check_id(&t, "verb", v, at);
        }
        let effect = self.string(&t, "effect", false).and_then(|(s, at)| match crate::action::Effect::parse(s) {
            Some(e) => Some((e, at)),
            None => {
                self.unknown_word(&t, "effect", s, at, &crate::action::Effect::words(), "action effect");
                None
            }
        });
        let definition = self.text(&t, "definition");
        let it_reading = self.text(&t, "it_reading");
        let ot_reading = self.text(&t, "ot_reading");
        let reversible = self.boolean(&t, "reversible");
        let reversal = self.text(&t, "reversal");
        let typical_minutes = self.duration(&t, "typical_duration", false);
        if let Some((verb, _)) = verb {
            self.raw.actions.push(RawAction {
                at: self.base + table.span().start,
                verb: verb.into(),
                effect,
                definition,
                it_reading,
                ot_reading,
                reversible,
                reversal,
                typical_minutes,
            });
        }
    }

    fn term(&mut self, table: &Table<'de>) {
        let t = self.named(table, "term", "term");
        self.keys(&t, TERM_KEYS);
        let term = self.required_text(&t, "term");
        let canonical = self.required_text(&t, "canonical");
        let it_reading = self.text(&t, "it_reading");
        let ot_reading = self.text(&t, "ot_reading");
        let mut others = Vec::new();
        self.string_array(&t, "not_to_be_confused_with", false, |_, s, at| others.push((Box::from(s), at)));
        if let (Some(term), Some(canonical)) = (term, canonical) {
            self.raw.terms.push(RawTerm {
                at: self.base + table.span().start,
                term,
                canonical,
                it_reading,
                ot_reading,
                not_to_be_confused_with: others,
            });
        }
    }
}

impl<'de> P<'_, 'de> {
    // ----- regulatory deadlines -----

    fn deadline(&mut self, table: &Table<'de>) {
        let t = self.named(table, "deadline", "id");
        self.keys(&t, DEADLINE_KEYS);
        let id = self.string(&t, "id", true);
        if let Some((s, at)) = id {
            self.check_id(&t, "id", s, at);
        }
        let regime = self.required_text(&t, "regime");
        let trigger = self.word(&t, "trigger", true, Trigger::parse, Trigger::WORDS, Trigger::WHAT);
        let written = (table.get("within").is_some(), table.get("by_end_of_day").is_some());
        let within = self.string(&t, "within", false).and_then(|(s, at)| {
            let minutes = parse_duration(s);
            if minutes.is_none() {
                self.err(
                    at,
                    Self::field(&t, "within"),
                    format!("\"{s}\" is not a duration"),
                    Some(WITHIN_EXPECTED.into()),
                );
            }
            // Written in days: whole calendar days in the site's time zone, not 24-hour periods.
            minutes.map(|m| if s.trim().ends_with('d') { Due::CalendarDays(m / (24 * 60)) } else { Due::Within(m) })
        });
        let end_of_day = self.integer(&t, "by_end_of_day", false, 0, 31).map(|n| Due::EndOfDay(n as u32));
        let due = match written {
            (true, true) => {
                self.err(
                    self.base + table.span().start,
                    t.what(),
                    "gives both `within` and `by_end_of_day`",
                    Some(DUE_EXPECTED.into()),
                );
                None
            }
            (false, false) => {
                self.err(
                    self.base + table.span().start,
                    t.what(),
                    "says neither `within` nor `by_end_of_day`: when is it due?",
                    Some(DUE_EXPECTED.into()),
                );
                None
            }
            _ => within.or(end_of_day),
        };
        let report = self.required_text(&t, "report");
        let description = self.text(&t, "description");
        if let (Some((id, id_at)), Some(regime), Some(trigger), Some(due), Some(report)) =
            (id, regime, trigger, due, report)
        {
            self.raw.deadlines.push(RawDeadline { id: id.into(), id_at, regime, trigger, due, report, description });
        }
    }

    // ----- the authority matrix -----

    /// `[authority]` (or the table implied by `[[authority.rule]]`...); `at` is
    /// the offset of its key.
    fn authority(&mut self, table: &Table<'de>, at: u32) {
        let t = T { table, what: What::Text("authority".into()) };
        self.keys(&t, AUTHORITY_KEYS);
        let escalate_minutes = self.duration(&t, "escalate_after", false);
        let default_ladder = self.reference(&t, "default_ladder", false);
        let (override_roles, _) = self.references(&t, "override", false);
        let description = self.text(&t, "description");
        let ladders = match table.get("ladder") {
            // `ladder = "..."` names a ladder in a rule; here the ladders themselves are listed.
            Some(item) if item.as_str().is_some() => {
                self.wrong_type(
                    &t,
                    "ladder",
                    item,
                    "an array of tables, written [[authority.ladder]]; the default ladder is named by `default_ladder`",
                );
                Vec::new()
            }
            _ => self.sub_tables(&t, "ladder").into_iter().filter_map(|l| self.ladder(l)).collect(),
        };
        let rules = self.sub_tables(&t, "rule").into_iter().filter_map(|r| self.rule(r)).collect();
        self.raw.authority.push(RawAuthority {
            at,
            explicit: table.style() != TableStyle::Implicit,
            escalate_minutes,
            default_ladder,
            override_roles,
            description,
            ladders,
            rules,
        });
    }

    fn ladder(&mut self, table: &Table<'de>) -> Option<RawLadder> {
        const STEPS: &str = "an array of steps, written [{ role = \"...\", after = \"15m\" }, ...]";
        let t = self.named(table, "authority > ladder", "id");
        self.keys(&t, LADDER_KEYS);
        let id = self.id(&t, "id");
        let mut steps = Vec::new();
        match self.get(&t, "steps", Some(STEPS)) {
            None => {}
            Some(item) if item.as_array().is_some_and(|a| a.is_empty()) => self.err(
                self.base + item.span().start,
                Self::field(&t, "steps"),
                "the ladder has no steps",
                Some(format!("at least one step: {STEPS}")),
            ),
            Some(_) => {
                for st in self.sub_tables(&t, "steps") {
                    let s = T { table: st, what: What::Text(format!("{} > steps", t.what())) };
                    self.keys(&s, STEP_KEYS);
                    let role = self.reference(&s, "role", true);
                    let after = self.duration(&s, "after", true);
                    if let (Some(role), Some(after_minutes)) = (role, after) {
                        steps.push(RawStep { role, after_minutes });
                    }
                }
            }
        }
        let then = self.reference(&t, "then", false);
        let description = self.text(&t, "description");
        Some(RawLadder { at: self.base + table.span().start, id: id?, steps, then, description })
    }

    fn rule(&mut self, table: &Table<'de>) -> Option<RawRule> {
        let t = self.named(table, "authority > rule", "id");
        self.keys(&t, RULE_KEYS);
        let id = self.id(&t, "id");
        let description = self.text(&t, "description");

        let mut verbs: Vec<(Box<str>, u32)> = Vec::new();
        self.string_array(&t, "verbs", false, |_, s, at| {
            if !verbs.iter().any(|(v, _)| &**v == s) {
                verbs.push((Box::from(s), at));
            }
        });
        let target_domains = self.words(&t, "target_domains", Domain::parse, Domain::WORDS, Domain::WHAT);
        let (target_zones, _) = self.references(&t, "target_zones", false);
        let target_levels = self.purdue_levels(&t, "target_levels");
        let target_kinds = self.words(&t, "target_kinds", AssetKind::parse, AssetKind::WORDS, AssetKind::WHAT);
        let target_criticality =
            self.words(&t, "target_criticality", Criticality::parse, Criticality::WORDS, Criticality::WHAT);
        let target_functions: FunctionSet =
            self.words(&t, "target_functions", Function::parse, Function::WORDS, Function::WHAT).into_iter().collect();
        let impact = self.words(&t, "impact", ImpactFact::parse, ImpactFact::WORDS, ImpactFact::WHAT);
        let intents = self.words(&t, "intents", IntentWord::parse, IntentWord::WORDS, IntentWord::WHAT);
        let phases = self.words(&t, "phases", PhaseWord::parse, PhaseWord::WORDS, PhaseWord::WHAT);

        let execute = self.optional_references(&t, "execute");
        let mut approvals = Vec::new();
        for gt in self.sub_tables(&t, "approvals") {
            let a = T { table: gt, what: What::Text(format!("{} > approvals", t.what())) };
            self.keys(&a, APPROVAL_KEYS);
            let (roles, roles_at) = self.references(&a, "roles", true);
            if a.table.get("roles").and_then(|i| i.as_array()).is_some_and(|r| r.is_empty()) {
                self.err(
                    roles_at,
                    Self::field(&a, "roles"),
                    "the approval group lists no roles",
                    Some("at least one role id".into()),
                );
            }
            let count = self.integer(&a, "count", false, 1, 64).map_or(1, |n| n as u32);
            if !roles.is_empty() {
                approvals.push(RawApproval { roles, count });
            }
        }
        let joint = self.boolean(&t, "joint").unwrap_or(false);
        let (veto, _) = self.references(&t, "veto", false);
        let escalate_minutes = self.duration(&t, "escalate_after", false);
        let ladder = self.reference(&t, "ladder", false);
        let override_roles = self.optional_references(&t, "override");
        Some(RawRule {
            at: self.base + table.span().start,
            id: id?,
            description,
            verbs,
            target_domains,
            target_zones,
            target_levels,
            target_kinds,
            target_criticality,
            target_functions,
            impact,
            intents,
            phases,
            execute,
            approvals,
            joint,
            veto,
            escalate_minutes,
            ladder,
            override_roles,
        })
    }
}

/// `YYYY-MM-DD` with a real calendar day.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: u16 = s.get(0..4)?.parse().ok()?;
    let month: u8 = s.get(5..7)?.parse().ok()?;
    let day: u8 = s.get(8..10)?.parse().ok()?;
    toml_spanner::Date::new(year, month, day)?;
    Some(Date { year, month, day })
}

/// `"45m"`, `"8h"`, `"3d"` into minutes.
pub fn parse_duration(s: &str) -> Option<u32> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: u32 = s.get(..s.len() - unit.len_utf8())?.trim().parse().ok()?;
    let per = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        _ => return None,
    };
    n.checked_mul(per).filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(parse_duration("8h"), Some(480));
        assert_eq!(parse_duration("3d"), Some(4320));
        assert_eq!(parse_duration("45m"), Some(45));
        assert_eq!(parse_duration("0h"), None);
        assert_eq!(parse_duration("8 hours"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
    }

    #[test]
    fn segments_cut_before_top_level_entries_and_mean_the_same() {
        let text = include_str!("../../tests/fixtures/small.toml");
        let pieces = segments(text, 200);
        assert!(pieces.len() > 5, "{}", pieces.len());
        assert_eq!(pieces.iter().map(|(_, s)| *s).collect::<String>(), text);
        for (base, seg) in &pieces[1..] {
            assert!(seg.starts_with("[["), "{seg:.20}");
            assert!(!seg.starts_with("[[vendor."), "sub-tables stay with their parent");
            assert_eq!(&text[*base as usize..][..seg.len()], *seg);
        }
        let whole = parse_file_in("s.toml", text, usize::MAX, 1);
        let cut = parse_file_in("s.toml", text, 200, 3);
        assert_eq!((whole.len(), cut.len()), (1, pieces.len()));
        assert!(cut.iter().all(|u| u.diags.is_empty()));
        // The same assets and dependencies, with the same file offsets, in the same order.
        let assets = |units: &[Parsed]| -> Vec<(String, u32)> {
            units
                .iter()
                .flat_map(|u| u.raw.assets.iter().map(|a| (u.raw.names[a.id.sym as usize].to_string(), a.id.at)))
                .collect()
        };
        let deps = |units: &[Parsed]| -> Vec<(String, String, u32)> {
            units
                .iter()
                .flat_map(|u| {
                    u.raw.dependencies.iter().map(|d| {
                        let n = |s: Sym| u.raw.names[s as usize].to_string();
                        (n(d.consumer.sym), n(d.provider.sym), d.at)
                    })
                })
                .collect()
        };
        assert_eq!(assets(&whole), assets(&cut));
        assert_eq!(deps(&whole), deps(&cut));
        // A syntax error in a later segment points at its line in the whole file.
        let broken = text.replacen("kind = \"plc\"", "kind = plc", 1);
        let line = broken.lines().position(|l| l == "kind = plc").map(|i| i as u32 + 1);
        let d: Vec<Diagnostic> = parse_file_in("s.toml", &broken, 200, 2).into_iter().flat_map(|u| u.diags).collect();
        assert_eq!(d.first().map(|d| d.line), line, "{d:?}");
    }

    #[test]
    fn authority_sub_tables_are_not_cut_points() {
        let mut text = String::from("[authority]\nescalate_after = \"5m\"\n");
        for i in 0..40 {
            text.push_str(&format!(
                "\n[[authority.ladder]]\nid = \"l{i}\"\nsteps = [{{ role = \"r\", after = \"5m\" }}]\n"
            ));
            text.push_str(&format!("\n[[authority.rule]]\nid = \"r{i}\"\nimpact = [\"unsafe\"]\n"));
        }
        assert_eq!(segments(&text, 100).len(), 1, "[[authority.rule]] and [[authority.ladder]] stay with [authority]");
        // `[[authority]]` is a (wrong) top-level entry: cutting before it is harmless.
        let text = format!("{text}\n[[authority]]\nescalate_after = \"5m\"\n");
        let pieces = segments(&text, 100);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[1].1.starts_with("[[authority]]"));
        let units = parse_file_in("a.toml", &text, 100, 1);
        let authority: Vec<usize> = units.iter().map(|u| u.raw.authority.len()).collect();
        assert_eq!(authority, [1, 0]);
        assert_eq!((units[0].raw.authority[0].ladders.len(), units[0].raw.authority[0].rules.len()), (40, 40));
        let d: Vec<&Diagnostic> = units.iter().flat_map(|u| &u.diags).collect();
        assert!(d.len() == 1 && d[0].message == "`authority` is an array", "{d:?}");
    }

    #[test]
    fn ids() {
        assert!(valid_id("plc-filt-01"));
        assert!(valid_id("dc01.corp"));
        assert!(!valid_id("PLC"));
        assert!(!valid_id("-x"));
        assert!(!valid_id(""));
    }
}
