//! Asset inventory import from CSV: the exports of OT visibility tools
//! (Claroty, Nozomi, Dragos...) and of spreadsheets, turned into `[[asset]]`
//! tables of the site model.
//!
//! Columns are mapped by their header, case-insensitively and with the
//! synonyms those tools use (`Hostname`, `IP Address`, `Device Type`,
//! `Purdue Level`...). Values are mapped the same way: `Programmable Logic
//! Controller` is a `plc`, `L2` is Purdue level 2, `very high` is `critical`.
//!
//! The import streams: each record is checked and, when good, written out at
//! once as an `[[asset]]` table. Memory stays constant beyond the longest
//! record and the site given to check against, with one exception, needed to
//! find duplicate ids: a table of a 64-bit hash of each id and the line it
//! was on (12 bytes of payload per row; with the hash table's slack 17-34
//! bytes per row, and briefly half as much again while it grows: a
//! million-row import peaks at about 57 MB resident, 100,000 rows at 8 MB).
//! Two different ids sharing a 64-bit hash would be reported as duplicates;
//! at a million rows the odds are about 1 in 37 million. At most
//! [`MAX_DIAGNOSTICS`] diagnostics are kept; the rest are counted.
//!
//! Bad rows never stop the import: each gets diagnostics naming the file,
//! the CSV line, the column (by its header) and what was expected, and is not
//! written. Whether to keep the output of a run with bad rows is the caller's
//! decision (the CLI discards it unless told `--skip-bad-rows`).
//!
//! Pure, like the rest of the crate: the input and output are any
//! [`Read`] and [`Write`], progress goes to a callback.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::{self, BufWriter, Read, Write};

use crate::diag::{Diagnostic, Severity, nearest, one_of};
use crate::load::valid_id;
use crate::model::ZoneIx;
use crate::site::Site;
use crate::vocab::{AssetKind, Criticality, Domain, PurdueLevel};

/// Diagnostics kept in an [`ImportReport`]; later ones are only counted, so a
/// million-row file of garbage still runs in constant memory.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// Progress is reported each time at least this many more bytes have been read.
const PROGRESS_STEP: u64 = 1 << 16;

const ID_EXPECTED: &str =
    "an id: lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, at most 128 bytes";

/// What to import against.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// The CSV file's name as it should appear in diagnostics and in the output's header comment.
    pub source_name: &'a str,
    /// The site the assets will join: zones and owners are checked against it (and may then be
    /// given by name as well as by id), the asset's domain derived from its zone, and ids that
    /// the site already defines are refused. Without it, zone and owner ids are only checked
    /// for form.
    pub site: Option<&'a Site>,
    /// The zone of rows that have no zone column or an empty one.
    pub default_zone: Option<&'a str>,
    /// The owning team of rows that have no owner column or an empty one.
    pub default_owner: Option<&'a str>,
    /// The criticality of rows that have no criticality column or an empty one.
    pub default_criticality: Criticality,
}

impl<'a> ImportOptions<'a> {
    /// No site, no defaults, criticality `medium`.
    pub fn new(source_name: &'a str) -> Self {
        ImportOptions {
            source_name,
            site: None,
            default_zone: None,
            default_owner: None,
            default_criticality: Criticality::Medium,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Data records read (blank records, every field empty, are not counted).
    pub rows: u64,
    /// Records written as `[[asset]]` tables.
    pub imported: u64,
    /// Records with at least one error, not written. `rows == imported + bad_rows`.
    pub bad_rows: u64,
    /// Errors found, including those beyond [`MAX_DIAGNOSTICS`] that were only counted.
    pub errors: u64,
    /// The first [`MAX_DIAGNOSTICS`] findings, in line order; when more were found, a last one
    /// says how many were left out. `line` is the CSV line the record starts on, `column` the
    /// 1-based column (field) number, `field` the column's header as written in the file (or the
    /// asset field when the value is missing and there is no column for it).
    pub diagnostics: Vec<Diagnostic>,
    /// Every column of the header, in order, with the asset field it maps to (`None`: ignored).
    pub columns: Vec<(String, Option<&'static str>)>,
}

/// Problems that stop an import before or during the run. Bad rows are not among them: they
/// are diagnostics in the [`ImportReport`].
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {error}")]
    Read {
        file: String,
        #[source]
        error: io::Error,
    },
    #[error("cannot write the imported assets: {0}")]
    Write(#[source] io::Error),
    /// The header row is missing or lacks a required column.
    #[error("{0}")]
    Header(Box<Diagnostic>),
    /// A default (zone, owner) in the options is not valid for the site.
    #[error("{0}")]
    BadDefault(Box<Diagnostic>),
}

impl ImportError {
    /// The diagnostic, for the errors that are about the input rather than the I/O.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            ImportError::Header(d) | ImportError::BadDefault(d) => Some(d),
            _ => None,
        }
    }
}

/// The asset fields a column can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    Address,
    Mac,
    Kind,
    Vendor,
    Model,
    Zone,
    Level,
    Criticality,
    Domain,
    Owner,
    Description,
}

impl Field {
    /// The `[[asset]]` field the column fills.
    fn toml_key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::Address | Field::Mac => "addresses",
            Field::Kind => "kind",
            Field::Vendor => "vendor",
            Field::Model => "model",
            Field::Zone => "zone",
            Field::Level => "purdue_level",
            Field::Criticality => "criticality",
            Field::Domain => "domain",
            Field::Owner => "owner",
            Field::Description => "description",
        }
    }

    /// Whether several columns may feed the field (addresses are joined).
    fn many(self) -> bool {
        matches!(self, Field::Address | Field::Mac)
    }
}

/// Header words (normalised: lower case, `_`, `-` and `.` as spaces, single spaces) and the
/// field they map to. When several columns map to a single-valued field, the one whose header
/// comes first in this list wins and the others are ignored (and shown as such).
const HEADERS: &[(&str, Field)] = &[
    ("id", Field::Id),
    ("name", Field::Name),
    ("asset name", Field::Name),
    ("device name", Field::Name),
    ("hostname", Field::Name),
    ("host name", Field::Name),
    ("address", Field::Address),
    ("addresses", Field::Address),
    ("ip", Field::Address),
    ("ips", Field::Address),
    ("ip address", Field::Address),
    ("ip addresses", Field::Address),
    ("ipv4", Field::Address),
    ("ipv4 address", Field::Address),
    ("ipv4 addresses", Field::Address),
    ("mac", Field::Mac),
    ("macs", Field::Mac),
    ("mac address", Field::Mac),
    ("mac addresses", Field::Mac),
    ("kind", Field::Kind),
    ("asset kind", Field::Kind),
    ("type", Field::Kind),
    ("asset type", Field::Kind),
    ("device type", Field::Kind),
    ("category", Field::Kind),
    ("asset category", Field::Kind),
    ("device category", Field::Kind),
    ("vendor", Field::Vendor),
    ("vendor name", Field::Vendor),
    ("manufacturer", Field::Vendor),
    ("make", Field::Vendor),
    ("model", Field::Model),
    ("model name", Field::Model),
    ("product", Field::Model),
    ("product name", Field::Model),
    ("zone", Field::Zone),
    ("zone name", Field::Zone),
    ("network zone", Field::Zone),
    ("segment", Field::Zone),
    ("network segment", Field::Zone),
    ("level", Field::Level),
    ("purdue level", Field::Level),
    ("purdue", Field::Level),
    ("purdue layer", Field::Level),
    ("criticality", Field::Criticality),
    ("importance", Field::Criticality),
    ("risk", Field::Criticality),
    ("risk level", Field::Criticality),
    ("domain", Field::Domain),
    ("owner", Field::Owner),
    ("owner team", Field::Owner),
    ("owning team", Field::Owner),
    ("team", Field::Owner),
    ("description", Field::Description),
    ("notes", Field::Description),
    ("note", Field::Description),
    ("comment", Field::Description),
    ("comments", Field::Description),
];

/// Kind words OT visibility tools and spreadsheets use, normalised (see [`parse_kind`]), beyond
/// the site model's own words and aliases.
const KIND_SYNONYMS: &[(&str, AssetKind)] = &[
    ("programmable-logic-controller", AssetKind::Plc),
    ("human-machine-interface", AssetKind::Hmi),
    ("hmi-workstation", AssetKind::Hmi),
    ("hmi-panel", AssetKind::Hmi),
    ("operator-workstation", AssetKind::Hmi),
    ("operator-panel", AssetKind::Hmi),
    ("engineering-station", AssetKind::EngineeringWorkstation),
    ("historian-server", AssetKind::Historian),
    ("dcs", AssetKind::DcsController),
    ("distributed-control-system", AssetKind::DcsController),
    ("safety-instrumented-system", AssetKind::SafetyController),
    ("safety-plc", AssetKind::SafetyController),
    ("sis-controller", AssetKind::SafetyController),
    ("active-directory", AssetKind::DomainController),
    ("ad-server", AssetKind::DomainController),
    ("scada", AssetKind::ControlServer),
    ("jump-server", AssetKind::JumpHost),
    ("jumphost", AssetKind::JumpHost),
    ("jump-box", AssetKind::JumpHost),
    ("bastion", AssetKind::JumpHost),
    ("bastion-host", AssetKind::JumpHost),
    ("vpn", AssetKind::VpnServer),
    ("vpn-concentrator", AssetKind::VpnServer),
    ("intelligent-electronic-device", AssetKind::Ied),
    ("relay", AssetKind::Ied),
    ("power-meter", AssetKind::Ied),
    ("gateway", AssetKind::DataGateway),
    ("protocol-converter", AssetKind::DataGateway),
    ("serial-to-ethernet", AssetKind::DataGateway),
    ("serial-to-ethernet-converter", AssetKind::DataGateway),
    ("serial-server", AssetKind::DataGateway),
    ("server", AssetKind::ApplicationServer),
    ("app-server", AssetKind::ApplicationServer),
    ("pc", AssetKind::Workstation),
    ("desktop", AssetKind::Workstation),
    ("laptop", AssetKind::Workstation),
    ("computer", AssetKind::Workstation),
    ("i/o", AssetKind::FieldIo),
    ("io", AssetKind::FieldIo),
    ("io-module", AssetKind::FieldIo),
    ("i/o-module", AssetKind::FieldIo),
    ("remote-io", AssetKind::FieldIo),
    ("remote-i/o", AssetKind::FieldIo),
    ("field-i/o", AssetKind::FieldIo),
    ("remote-terminal-unit", AssetKind::Rtu),
    ("network-switch", AssetKind::Switch),
    ("ethernet-switch", AssetKind::Switch),
    ("managed-switch", AssetKind::Switch),
    ("industrial-switch", AssetKind::Switch),
    ("network-router", AssetKind::Router),
    ("ngfw", AssetKind::Firewall),
    ("next-generation-firewall", AssetKind::Firewall),
    ("programmable-automation-controller", AssetKind::Pac),
    ("wsus", AssetKind::PatchServer),
    ("update-server", AssetKind::PatchServer),
    ("syslog-server", AssetKind::Siem),
    ("log-server", AssetKind::Siem),
    ("nas", AssetKind::FileServer),
    ("mail-server", AssetKind::EmailServer),
    ("manufacturing-execution-system", AssetKind::Mes),
    ("dns", AssetKind::DnsServer),
    ("ntp", AssetKind::TimeServer),
    ("gps-clock", AssetKind::TimeServer),
    ("backup", AssetKind::BackupServer),
    ("database", AssetKind::DatabaseServer),
    ("db-server", AssetKind::DatabaseServer),
    ("sql-server", AssetKind::DatabaseServer),
    ("esxi", AssetKind::VirtualizationHost),
    ("esxi-host", AssetKind::VirtualizationHost),
    ("vm-host", AssetKind::VirtualizationHost),
    ("access-point", AssetKind::WirelessAccessPoint),
    ("wireless-ap", AssetKind::WirelessAccessPoint),
    ("wap", AssetKind::WirelessAccessPoint),
];

const CRITICALITY_SYNONYMS: &[(&str, Criticality)] = &[
    ("very-low", Criticality::Low),
    ("lowest", Criticality::Low),
    ("minor", Criticality::Low),
    ("med", Criticality::Medium),
    ("moderate", Criticality::Medium),
    ("normal", Criticality::Medium),
    ("highest", Criticality::Critical),
    ("very-high", Criticality::Critical),
    ("crit", Criticality::Critical),
    ("severe", Criticality::Critical),
    ("mission-critical", Criticality::Critical),
    ("safety-critical", Criticality::Critical),
];

const DOMAIN_SYNONYMS: &[(&str, Domain)] = &[
    ("information-technology", Domain::It),
    ("operational-technology", Domain::Ot),
    ("both", Domain::Shared),
    ("it/ot", Domain::Shared),
    ("ot/it", Domain::Shared),
    ("it-ot", Domain::Shared),
    ("ot-it", Domain::Shared),
];

/// Lower case; runs of spaces, tabs, `_` and `-` become one `-`; no `-` at either end.
fn normalise_word(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if matches!(c, ' ' | '\t' | '_' | '-') || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Lower case; `_`, `-` and `.` as spaces; single spaces; no byte-order mark.
fn normalise_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim_start_matches('\u{feff}').trim().chars().flat_map(char::to_lowercase) {
        if matches!(c, '_' | '-' | '.') || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// An asset kind as written in an inventory export: the site model's words and aliases, in any
/// case, with spaces or underscores for `-`, and the synonyms OT tools use
/// (`Programmable Logic Controller`, `Jump Server`, `Protocol Converter`...).
pub fn parse_kind(s: &str) -> Option<AssetKind> {
    let w = normalise_word(s);
    AssetKind::parse(&w).or_else(|| KIND_SYNONYMS.iter().find(|(k, _)| *k == w).map(|(_, v)| *v))
}

/// A criticality word in any case, or a synonym (`very high` is `critical`, `moderate` is `medium`).
pub fn parse_criticality(s: &str) -> Option<Criticality> {
    let w = normalise_word(s);
    Criticality::parse(&w).or_else(|| CRITICALITY_SYNONYMS.iter().find(|(k, _)| *k == w).map(|(_, v)| *v))
}

/// A domain in any case, or `both` / `IT/OT` for `shared`.
pub fn parse_domain(s: &str) -> Option<Domain> {
    let w = normalise_word(s);
    Domain::parse(&w).or_else(|| DOMAIN_SYNONYMS.iter().find(|(k, _)| *k == w).map(|(_, v)| *v))
}

/// A Purdue level: `2`, `2.0`, `L2`, `Level 2`, `Purdue level 2`, `3.5`, `L3.5`, `IDMZ`, `DMZ`.
pub fn parse_level(s: &str) -> Option<PurdueLevel> {
    let lower = s.trim().to_ascii_lowercase();
    let mut t = lower.as_str();
    for prefix in ["purdue level", "purdue", "level", "lvl", "l"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start_matches([' ', '-', '_', ':']);
            break;
        }
    }
    let t = t.trim();
    let t = t.strip_suffix(".0").filter(|d| d.len() == 1).unwrap_or(t);
    PurdueLevel::parse(t)
}

/// A site-model id made from a name: lower case; every run of characters other than
/// `a-z 0-9 . _ -` becomes one `-`; starting with a letter or digit; at most 128 bytes. May be
/// empty (a name with no ASCII letter or digit).
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len().min(128));
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' {
            if out.is_empty() && !c.is_ascii_alphanumeric() {
                continue;
            }
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 128 {
            break;
        }
    }
    out.truncate(128);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Writes `s` as a TOML basic string, quotes included: `"` and `\` escaped, control characters
/// (and DEL) as `\uXXXX`.
pub fn write_toml_string(buf: &mut String, s: &str) {
    buf.reserve(s.len() + 2);
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(buf, "\\u{:04X}", c as u32);
            }
            c if (c as u32) >= 0x80 && (c as u32) < 0xA0 => {
                // C1 controls are allowed in TOML, but escaped they survive editors and terminals.
                let _ = write!(buf, "\\u{:04X}", c as u32);
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

/// Identity hasher for keys that already are hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// 64-bit hash of each id seen, and the line it was on: the only per-row memory.
type Seen = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

const ID_HASH: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x1c5e_a55e_7000_0001);

/// Reads an inventory CSV from `input` and writes the good rows to `out` as `[[asset]]` tables,
/// calling `progress` with the number of bytes read now and then (and once at the end).
///
/// Fails only when the header cannot be used (no name or id column, no kind column, an empty
/// file), when a default in `opts` is wrong, or on an I/O error. Bad rows are reported in the
/// [`ImportReport`] and left out of the output.
pub fn import_assets_csv(
    input: impl Read,
    out: impl Write,
    opts: &ImportOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let read_err = |e: csv::Error| -> ImportError {
        match e.into_kind() {
            csv::ErrorKind::Io(error) => ImportError::Read { file: opts.source_name.to_string(), error },
            other => ImportError::Read {
                file: opts.source_name.to_string(),
                error: io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
            },
        }
    };
    let header = rdr.byte_headers().map_err(read_err)?.clone();
    let mut imp = Importer::new(opts, &header)?;
    let defaults = imp.check_defaults()?;

    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut buf = String::with_capacity(1024);
    write_preamble(&mut buf, opts.source_name);
    out.write_all(buf.as_bytes()).map_err(ImportError::Write)?;

    let mut record = csv::ByteRecord::new();
    let mut reported = 0u64;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Reading byte records only fails on I/O (the reader is flexible and does no
                // UTF-8 checks); anything else is reported against its line and skipped.
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                match e.into_kind() {
                    csv::ErrorKind::Io(error) => {
                        return Err(ImportError::Read { file: opts.source_name.to_string(), error });
                    }
                    other => {
                        imp.report.rows += 1;
                        imp.report.bad_rows += 1;
                        let line = to_u32(line);
                        imp.error(line, 1, String::new(), format!("unreadable CSV record: {other:?}"), None, None);
                        continue;
                    }
                }
            }
        }
        buf.clear();
        if imp.row(&record, &defaults, &mut buf) {
            out.write_all(buf.as_bytes()).map_err(ImportError::Write)?;
        }
        let at = rdr.position().byte();
        if at >= reported + PROGRESS_STEP {
            reported = at;
            progress(at);
        }
    }
    progress(rdr.position().byte());
    out.flush().map_err(ImportError::Write)?;
    Ok(imp.finish())
}

fn write_preamble(buf: &mut String, source: &str) {
    // Comments end at a newline: keep the file name on one line.
    let source: String = source.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    let _ = write!(
        buf,
        "# Assets imported from {source} by `interlock site import-csv`.\n\
         # Each table names the CSV line it came from. Check the whole site with `interlock site check`.\n"
    );
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Why a value was refused: the message, what was expected, and a hint.
type Refusal = (String, String, Option<String>);

/// Zone and owner defaults, resolved once.
struct Defaults {
    zone: Option<(String, Option<ZoneIx>)>,
    owner: Option<String>,
}

struct Importer<'o> {
    opts: &'o ImportOptions<'o>,
    width: usize,
    /// Column index per single-valued field.
    single: [Option<usize>; 13],
    /// Header text per column, for diagnostics.
    headers: Vec<String>,
    /// Address and MAC columns.
    addresses: Vec<usize>,
    seen: Seen,
    report: ImportReport,
    suppressed: u64,
}

/// A value of a row and where it came from (column index), or the default.
#[derive(Clone, Copy)]
struct Cell<'r> {
    value: &'r str,
    col: Option<usize>,
}

impl<'o> Importer<'o> {
    fn new(opts: &'o ImportOptions<'o>, header: &csv::ByteRecord) -> Result<Self, ImportError> {
        let headers: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
        let header_line = to_u32(header.position().map(|p| p.line()).unwrap_or(1).max(1));
        let mut single: [Option<usize>; 13] = [None; 13];
        let mut rank: [usize; 13] = [usize::MAX; 13];
        let mut addresses = Vec::new();
        let mut columns = Vec::with_capacity(headers.len());
        let mut mapped: Vec<Option<Field>> = Vec::with_capacity(headers.len());
        for (col, h) in headers.iter().enumerate() {
            let n = normalise_header(h);
            let hit = HEADERS.iter().position(|(w, _)| *w == n);
            let field = hit.map(|r| (r, HEADERS[r].1));
            match field {
                Some((_, f)) if f.many() => {
                    addresses.push(col);
                    mapped.push(Some(f));
                }
                Some((r, f)) => {
                    let slot = f as usize;
                    if r < rank[slot] {
                        if let Some(old) = single[slot] {
                            mapped[old] = None;
                        }
                        single[slot] = Some(col);
                        rank[slot] = r;
                        mapped.push(Some(f));
                    } else {
                        mapped.push(None);
                    }
                }
                None => mapped.push(None),
            }
        }
        for (h, f) in headers.iter().zip(&mapped) {
            columns.push((h.clone(), f.map(Field::toml_key)));
        }

        let header_error = |field: &str, message: String, expected: String, help: Option<String>| {
            ImportError::Header(Box::new(Diagnostic {
                severity: Severity::Error,
                file: opts.source_name.to_string(),
                line: header_line,
                column: 1,
                field: field.to_string(),
                message,
                expected: Some(expected),
                help,
            }))
        };
        if headers.iter().all(|h| h.is_empty()) {
            return Err(header_error(
                "",
                "no header row: the file is empty".into(),
                "a first row of column headers: name, address, kind, vendor, model, zone, level, criticality...".into(),
                None,
            ));
        }
        // A help for a missing column: a header that looks like a misspelling, or a file that is
        // not comma-separated.
        let hint = |field: Field| -> Option<String> {
            let words = HEADERS.iter().filter(|(_, f)| *f == field).map(|(w, _)| *w);
            for (h, m) in headers.iter().zip(&mapped) {
                if m.is_none() {
                    let n = normalise_header(h);
                    if let Some(w) = nearest(&n, words.clone()) {
                        return Some(format!("column {} looks like a misspelling of \"{w}\"", quoted(h)));
                    }
                }
            }
            if headers.len() == 1 {
                for sep in [';', '\t', '|'] {
                    if headers[0].contains(sep) {
                        let shown = if sep == '\t' { "tab".to_string() } else { format!("'{sep}'") };
                        return Some(format!(
                            "the header seems to be separated by {shown}; export the inventory as comma-separated CSV"
                        ));
                    }
                }
            }
            None
        };
        let synonyms = |field: Field| {
            let words: Vec<&str> = HEADERS.iter().filter(|(_, f)| *f == field).map(|(w, _)| *w).collect();
            words.join(", ")
        };
        if single[Field::Name as usize].is_none() && single[Field::Id as usize].is_none() {
            return Err(header_error(
                "name",
                format!("no name or id column among the {} columns of the header", headers.len()),
                format!("a column headed \"name\" (or {})", synonyms(Field::Name)),
                hint(Field::Name),
            ));
        }
        if single[Field::Kind as usize].is_none() {
            return Err(header_error(
                "kind",
                format!("no kind column among the {} columns of the header", headers.len()),
                format!("a column headed \"kind\" (or {})", synonyms(Field::Kind)),
                hint(Field::Kind),
            ));
        }
        Ok(Importer {
            opts,
            width: headers.len(),
            single,
            headers,
            addresses,
            seen: Seen::default(),
            report: ImportReport { columns, ..ImportReport::default() },
            suppressed: 0,
        })
    }

    fn check_defaults(&self) -> Result<Defaults, ImportError> {
        let bad = |field: &str, message: String, expected: String, help: Option<String>| {
            ImportError::BadDefault(Box::new(Diagnostic {
                severity: Severity::Error,
                file: String::new(),
                line: 0,
                column: 0,
                field: field.to_string(),
                message,
                expected: Some(expected),
                help,
            }))
        };
        let zone = match self.opts.default_zone {
            None => None,
            Some(z) => match self.resolve_zone(z) {
                Ok((id, ix)) => Some((id.into_owned(), ix)),
                Err((message, expected, help)) => return Err(bad("default zone", message, expected, help)),
            },
        };
        let owner = match self.opts.default_owner {
            None => None,
            Some(o) => match self.resolve_owner(o) {
                Ok(id) => Some(id.into_owned()),
                Err((message, expected, help)) => return Err(bad("default owner", message, expected, help)),
            },
        };
        Ok(Defaults { zone, owner })
    }

    fn finish(mut self) -> ImportReport {
        if self.suppressed > 0 {
            let shown = self.report.diagnostics.len();
            self.report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file: self.opts.source_name.to_string(),
                line: 0,
                column: 0,
                field: String::new(),
                message: format!(
                    "{} more findings not shown (only the first {shown} are kept); fix these and import again",
                    self.suppressed
                ),
                expected: None,
                help: None,
            });
        }
        self.report
    }

    fn error(
        &mut self,
        line: u32,
        column: u32,
        field: String,
        message: String,
        expected: Option<String>,
        help: Option<String>,
    ) {
        self.report.errors += 1;
        if self.report.diagnostics.len() < MAX_DIAGNOSTICS {
            self.report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file: self.opts.source_name.to_string(),
                line,
                column,
                field,
                message,
                expected,
                help,
            });
        } else {
            self.suppressed += 1;
        }
    }

    /// The column header (or the asset field, for values that came from a default), and the
    /// 1-based column number (1 when there is no column).
    fn place(&self, col: Option<usize>, field: Field) -> (String, u32) {
        match col {
            Some(c) => (self.headers.get(c).cloned().unwrap_or_default(), to_u32(c as u64 + 1)),
            // No column: the finding is about the record, which starts at column 1.
            None => (field.toml_key().to_string(), 1),
        }
    }

    /// The trimmed text of column `col`, `None` when empty; an error when not UTF-8.
    fn text<'r>(&mut self, rec: &'r csv::ByteRecord, line: u32, col: usize, ok: &mut bool) -> Option<&'r str> {
        let bytes = rec.get(col)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            Err(e) => {
                *ok = false;
                let (field, column) = self.place(Some(col), Field::Name);
                self.error(
                    line,
                    column,
                    field,
                    format!(
                        "not valid UTF-8 text (byte {} of {})",
                        e.valid_up_to() + 1,
                        quoted(&String::from_utf8_lossy(bytes))
                    ),
                    Some("UTF-8 text: export or save the inventory as UTF-8 CSV".into()),
                    None,
                );
                None
            }
        }
    }

    fn cell<'r>(&mut self, rec: &'r csv::ByteRecord, line: u32, field: Field, ok: &mut bool) -> Option<Cell<'r>> {
        let col = self.single[field as usize]?;
        self.text(rec, line, col, ok).map(|value| Cell { value, col: Some(col) })
    }

    /// A zone given by id or, when the site is known, by name: its id and index.
    fn resolve_zone<'v>(&self, v: &'v str) -> Result<(Cow<'v, str>, Option<ZoneIx>), Refusal> {
        match self.opts.site {
            Some(site) => {
                if let Some(ix) = site.zone_by_id(v) {
                    return Ok((Cow::Borrowed(v), Some(ix)));
                }
                let s = slug(v);
                if let Some(ix) = site.zone_by_id(&s) {
                    return Ok((Cow::Owned(s), Some(ix)));
                }
                if let Some((i, z)) = site.zones.iter().enumerate().find(|(_, z)| z.name.trim().eq_ignore_ascii_case(v))
                {
                    return Ok((Cow::Owned(z.id.to_string()), Some(ZoneIx(i as u32))));
                }
                let ids = site.zones.iter().map(|z| &*z.id);
                let near = nearest(v, ids.clone()).or_else(|| nearest(&s, ids));
                Err((
                    format!("unknown zone {}", quoted(v)),
                    format!("the id or name of a zone of site {}", site.info.id),
                    near.map(|n| format!("did you mean \"{n}\"?")),
                ))
            }
            None if valid_id(v) => Ok((Cow::Borrowed(v), None)),
            None => Err(not_an_id("zone", v)),
        }
    }

    /// A team given by id or, when the site is known, by name: its id.
    fn resolve_owner<'v>(&self, v: &'v str) -> Result<Cow<'v, str>, Refusal> {
        match self.opts.site {
            Some(site) => {
                let s = slug(v);
                let by_id = |id: &str| site.teams.iter().any(|t| &*t.id == id);
                if by_id(v) {
                    return Ok(Cow::Borrowed(v));
                }
                if by_id(&s) {
                    return Ok(Cow::Owned(s));
                }
                if let Some(t) = site.teams.iter().find(|t| t.name.trim().eq_ignore_ascii_case(v)) {
                    return Ok(Cow::Owned(t.id.to_string()));
                }
                let ids = site.teams.iter().map(|t| &*t.id);
                let near = nearest(v, ids.clone()).or_else(|| nearest(&s, ids));
                Err((
                    format!("unknown team {}", quoted(v)),
                    format!("the id or name of a team of site {}", site.info.id),
                    near.map(|n| format!("did you mean \"{n}\"?")),
                ))
            }
            None if valid_id(v) => Ok(Cow::Borrowed(v)),
            None => Err(not_an_id("team", v)),
        }
    }

    /// Checks one record; when it is good, writes its `[[asset]]` table to `buf` and returns true.
    fn row(&mut self, rec: &csv::ByteRecord, defaults: &Defaults, buf: &mut String) -> bool {
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            return false; // a blank row, e.g. the trailing ",,,," of a spreadsheet
        }
        self.report.rows += 1;
        let line = to_u32(rec.position().map(|p| p.line()).unwrap_or(0));
        let ok = self.check_row(rec, line, defaults, buf);
        if ok {
            self.report.imported += 1;
        } else {
            self.report.bad_rows += 1;
            buf.clear();
        }
        ok
    }

    fn check_row(&mut self, rec: &csv::ByteRecord, line: u32, defaults: &Defaults, buf: &mut String) -> bool {
        if rec.len() != self.width {
            self.error(
                line,
                1,
                String::new(),
                format!("this record has {} fields but the header has {}", rec.len(), self.width),
                Some(format!("{} fields, one per column (quote values that contain commas)", self.width)),
                None,
            );
            return false;
        }
        let mut ok = true;
        let id_cell = self.cell(rec, line, Field::Id, &mut ok);
        let name = self.cell(rec, line, Field::Name, &mut ok);
        let kind_cell = self.cell(rec, line, Field::Kind, &mut ok);
        let zone_cell = self.cell(rec, line, Field::Zone, &mut ok);
        let level_cell = self.cell(rec, line, Field::Level, &mut ok);
        let crit_cell = self.cell(rec, line, Field::Criticality, &mut ok);
        let domain_cell = self.cell(rec, line, Field::Domain, &mut ok);
        let owner_cell = self.cell(rec, line, Field::Owner, &mut ok);
        let vendor = self.cell(rec, line, Field::Vendor, &mut ok);
        let model = self.cell(rec, line, Field::Model, &mut ok);
        let description = self.cell(rec, line, Field::Description, &mut ok);

        // id: the id column, else made from the name.
        let id: Option<Cow<'_, str>> = match (id_cell, name) {
            (Some(c), _) => {
                if valid_id(c.value) {
                    Some(Cow::Borrowed(c.value))
                } else {
                    let s = slug(c.value);
                    let help = valid_id(&s).then(|| format!("did you mean \"{s}\"?"));
                    let (field, column) = self.place(c.col, Field::Id);
                    self.error(
                        line,
                        column,
                        field,
                        format!("{} is not a valid id", quoted(c.value)),
                        Some(ID_EXPECTED.into()),
                        help,
                    );
                    None
                }
            }
            (None, Some(n)) => {
                let s = slug(n.value);
                if valid_id(&s) {
                    Some(Cow::Owned(s))
                } else {
                    let (field, column) = self.place(n.col, Field::Name);
                    self.error(
                        line,
                        column,
                        field,
                        format!("cannot make an id from the name {}", quoted(n.value)),
                        Some("a name with at least one letter a-z or digit, or an id column".into()),
                        None,
                    );
                    None
                }
            }
            (None, None) => {
                let col = self.single[Field::Name as usize].or(self.single[Field::Id as usize]);
                let (field, column) = self.place(col, Field::Name);
                self.error(
                    line,
                    column,
                    field,
                    "the asset has no name (and no id)".into(),
                    Some("a name, from which the id is made, or an id".into()),
                    None,
                );
                None
            }
        };
        ok &= id.is_some();

        let kind = match kind_cell {
            Some(c) => match parse_kind(c.value) {
                Some(k) => Some(k),
                None => {
                    let w = normalise_word(c.value);
                    let candidates =
                        AssetKind::ALL.iter().map(|k| (k.as_str(), *k)).chain(KIND_SYNONYMS.iter().copied());
                    let near = nearest(&w, candidates.clone().map(|(s, _)| s))
                        .and_then(|n| candidates.clone().find(|(s, _)| *s == n))
                        .map(|(_, k)| format!("did you mean \"{k}\"?"));
                    let (field, column) = self.place(c.col, Field::Kind);
                    self.error(
                        line,
                        column,
                        field,
                        format!("unknown asset kind {}", quoted(c.value)),
                        Some(format!(
                            "{} (in any case; synonyms such as \"Programmable Logic Controller\", \"Jump Server\" or \"Protocol Converter\" are understood)",
                            one_of(AssetKind::words())
                        )),
                        near,
                    );
                    None
                }
            },
            None => {
                let (field, column) = self.place(self.single[Field::Kind as usize], Field::Kind);
                self.error(line, column, field, "the asset has no kind".into(), Some(one_of(AssetKind::words())), None);
                None
            }
        };
        ok &= kind.is_some();

        let zone: Option<(Cow<'_, str>, Option<ZoneIx>)> = match zone_cell {
            Some(c) => match self.resolve_zone(c.value) {
                Ok(z) => Some(z),
                Err((message, expected, help)) => {
                    let (field, column) = self.place(c.col, Field::Zone);
                    self.error(line, column, field, message, Some(expected), help);
                    None
                }
            },
            None => match &defaults.zone {
                Some((id, ix)) => Some((Cow::Borrowed(id.as_str()), *ix)),
                None => {
                    let (field, column) = self.place(self.single[Field::Zone as usize], Field::Zone);
                    self.error(
                        line,
                        column,
                        field,
                        "the asset has no zone".into(),
                        Some(
                            "a zone column with a value on every row, or a default zone for the import (`--zone`)"
                                .into(),
                        ),
                        None,
                    );
                    None
                }
            },
        };
        ok &= zone.is_some();

        let level = match level_cell {
            None => None,
            Some(c) => {
                let l = parse_level(c.value);
                if l.is_none() {
                    ok = false;
                    let (field, column) = self.place(c.col, Field::Level);
                    self.error(
                        line,
                        column,
                        field,
                        format!("{} is not a Purdue level", quoted(c.value)),
                        Some(format!("{} (also written \"L2\" or \"Level 2\")", PurdueLevel::EXPECTED)),
                        None,
                    );
                }
                l
            }
        };

        let criticality = match crit_cell {
            None => self.opts.default_criticality,
            Some(c) => parse_criticality(c.value).unwrap_or_else(|| {
                ok = false;
                let (field, column) = self.place(c.col, Field::Criticality);
                let w = normalise_word(c.value);
                let near = nearest(&w, Criticality::words()).map(|n| format!("did you mean \"{n}\"?"));
                self.error(
                    line,
                    column,
                    field,
                    format!("unknown criticality {}", quoted(c.value)),
                    Some(format!("{} (or \"very high\", \"moderate\"...)", one_of(Criticality::words()))),
                    near,
                );
                self.opts.default_criticality
            }),
        };

        let domain = match domain_cell {
            None => None,
            Some(c) => {
                let d = parse_domain(c.value);
                if d.is_none() {
                    ok = false;
                    let (field, column) = self.place(c.col, Field::Domain);
                    self.error(
                        line,
                        column,
                        field,
                        format!("unknown domain {}", quoted(c.value)),
                        Some(format!("{} (\"both\" or \"IT/OT\" mean shared)", one_of(Domain::words()))),
                        None,
                    );
                }
                d
            }
        };
        // Without a domain column the loader derives it: from the zone, else from the kind. Make
        // sure it will be able to.
        if domain_cell.is_none()
            && let (Some(k), Some((zone_id, zix))) = (kind, &zone)
        {
            let from_zone = match (self.opts.site, zix) {
                (Some(site), Some(zix)) => site.zone_chain(*zix).find_map(|z| site.zone(z).domain),
                _ => None,
            };
            if from_zone.is_none() && k.usual_domain().is_none() {
                ok = false;
                let (field, column) = self.place(self.single[Field::Domain as usize], Field::Domain);
                let expected = match self.opts.site {
                    Some(_) => format!(
                        "a domain column (it, ot or shared), or a zone with a domain: zone \"{zone_id}\" and its parents have none"
                    ),
                    None => "a domain column (it, ot or shared), or the site to check against (`--site`) so the zone's domain can be used".to_string(),
                };
                self.error(
                    line,
                    column,
                    field,
                    format!("cannot tell whether this {k} is IT or OT"),
                    Some(expected),
                    None,
                );
            }
        }

        let owner: Option<Cow<'_, str>> = match owner_cell {
            Some(c) => match self.resolve_owner(c.value) {
                Ok(o) => Some(o),
                Err((message, expected, help)) => {
                    ok = false;
                    let (field, column) = self.place(c.col, Field::Owner);
                    self.error(line, column, field, message, Some(expected), help);
                    None
                }
            },
            None => defaults.owner.as_deref().map(Cow::Borrowed),
        };

        // Addresses: every address and MAC column, split on commas, semicolons, bars and spaces.
        let mut addresses: Vec<&str> = Vec::new();
        for i in 0..self.addresses.len() {
            let col = self.addresses[i];
            if let Some(v) = self.text(rec, line, col, &mut ok) {
                for a in v.split(|c: char| matches!(c, ',' | ';' | '|') || c.is_whitespace()) {
                    if !a.is_empty() && !addresses.contains(&a) {
                        addresses.push(a);
                    }
                }
            }
        }

        if let Some(id) = &id {
            let id_col = self.single[Field::Id as usize].filter(|_| id_cell.is_some()).or(name.and_then(|n| n.col));
            if let Some(site) = self.opts.site
                && site.asset_by_id(id).is_some()
            {
                ok = false;
                let (field, column) = self.place(id_col, Field::Id);
                self.error(
                    line,
                    column,
                    field,
                    format!("asset \"{id}\" is already defined in site {}", site.info.id),
                    Some("an asset id the site does not use yet".into()),
                    Some("leave the row out, or give it another id (an id column)".into()),
                );
            }
            match self.seen.entry(ID_HASH.hash_one(id.as_ref())) {
                Entry::Occupied(first) => {
                    let first = *first.get();
                    ok = false;
                    let (field, column) = self.place(id_col, Field::Id);
                    self.error(
                        line,
                        column,
                        field,
                        format!("asset id \"{id}\" is the same as on line {first}"),
                        Some("one row per asset, each with its own id (or name)".into()),
                        None,
                    );
                }
                Entry::Vacant(v) => {
                    v.insert(line);
                }
            }
        }

        let (Some(id), Some(kind), Some((zone, _)), true) = (id, kind, zone, ok) else {
            return false;
        };
        buf.push_str("\n[[asset]]  # line ");
        let _ = write!(buf, "{line}");
        buf.push_str("\nid = ");
        write_toml_string(buf, &id);
        if let Some(n) = name {
            buf.push_str("\nname = ");
            write_toml_string(buf, n.value);
        }
        buf.push_str("\nkind = \"");
        buf.push_str(kind.as_str());
        buf.push('"');
        if let Some(d) = domain {
            buf.push_str("\ndomain = \"");
            buf.push_str(d.as_str());
            buf.push('"');
        }
        buf.push_str("\nzone = ");
        write_toml_string(buf, &zone);
        if let Some(l) = level {
            buf.push_str("\npurdue_level = ");
            buf.push_str(l.as_str());
        }
        buf.push_str("\ncriticality = \"");
        buf.push_str(criticality.as_str());
        buf.push('"');
        if let Some(o) = owner {
            buf.push_str("\nowner = ");
            write_toml_string(buf, &o);
        }
        if !addresses.is_empty() {
            buf.push_str("\naddresses = [");
            for (i, a) in addresses.iter().enumerate() {
                if i > 0 {
                    buf.push_str(", ");
                }
                write_toml_string(buf, a);
            }
            buf.push(']');
        }
        for (key, cell) in [("vendor", vendor), ("model", model), ("description", description)] {
            if let Some(c) = cell {
                buf.push('\n');
                buf.push_str(key);
                buf.push_str(" = ");
                write_toml_string(buf, c.value);
            }
        }
        buf.push('\n');
        true
    }
}

/// A value as shown in a message: quoted, control characters escaped, at most 60 characters.
fn quoted(v: &str) -> String {
    let mut out = String::with_capacity(v.len().min(64) + 2);
    out.push('"');
    for (i, c) in v.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn not_an_id(what: &str, v: &str) -> Refusal {
    let s = slug(v);
    (
        format!("{} is not a {what} id", quoted(v)),
        format!("{ID_EXPECTED} (give the site to check against, `--site`, to use {what} names)"),
        valid_id(&s).then(|| format!("did you mean \"{s}\"?")),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn run(csv: &str, opts: &ImportOptions<'_>) -> (Result<ImportReport, ImportError>, String) {
        let mut out = Vec::new();
        let r = import_assets_csv(csv.as_bytes(), &mut out, opts, &mut |_| {});
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn header_synonyms() {
        let csv = "Host Name,IP_Address,MAC Address,Device Type,Manufacturer,Product,Network Zone,Purdue Level,Risk,Owner Team,Notes,Serial\n";
        let (r, _) = run(csv, &ImportOptions::new("x.csv"));
        let cols = r.unwrap().columns;
        let got: Vec<Option<&str>> = cols.iter().map(|(_, f)| *f).collect();
        assert_eq!(
            got,
            vec![
                Some("name"),
                Some("addresses"),
                Some("addresses"),
                Some("kind"),
                Some("vendor"),
                Some("model"),
                Some("zone"),
                Some("purdue_level"),
                Some("criticality"),
                Some("owner"),
                Some("description"),
                None
            ]
        );
        assert_eq!(cols[0].0, "Host Name");
    }

    #[test]
    fn best_synonym_wins() {
        let csv = "Device Category,Name,Type\n";
        let cols = run(csv, &ImportOptions::new("x.csv")).0.unwrap().columns;
        assert_eq!(cols[0].1, None);
        assert_eq!(cols[2].1, Some("kind"));
    }

    #[test]
    fn kind_synonyms() {
        for (w, k) in [
            ("PLC", AssetKind::Plc),
            ("Programmable Logic Controller", AssetKind::Plc),
            ("Human Machine Interface", AssetKind::Hmi),
            ("operator station", AssetKind::Hmi),
            ("HMI Workstation", AssetKind::Hmi),
            ("Engineering Workstation", AssetKind::EngineeringWorkstation),
            ("engineering_workstation", AssetKind::EngineeringWorkstation),
            ("Data Historian", AssetKind::Historian),
            ("DCS", AssetKind::DcsController),
            ("DCS Controller", AssetKind::DcsController),
            ("Safety Instrumented System", AssetKind::SafetyController),
            ("SIS", AssetKind::SafetyController),
            ("Active Directory", AssetKind::DomainController),
            ("SCADA Server", AssetKind::ControlServer),
            ("Jump Server", AssetKind::JumpHost),
            ("VPN", AssetKind::VpnServer),
            ("Protection Relay", AssetKind::Ied),
            ("Protocol Converter", AssetKind::DataGateway),
            ("Serial to Ethernet", AssetKind::DataGateway),
            ("Gateway", AssetKind::DataGateway),
            ("Server", AssetKind::ApplicationServer),
            ("Laptop", AssetKind::Workstation),
            ("I/O", AssetKind::FieldIo),
            ("IO Module", AssetKind::FieldIo),
            ("RTU", AssetKind::Rtu),
            ("Switch", AssetKind::Switch),
            ("  router ", AssetKind::Router),
            ("Firewall", AssetKind::Firewall),
        ] {
            assert_eq!(parse_kind(w), Some(k), "{w}");
        }
        assert_eq!(parse_kind("toaster"), None);
    }

    #[test]
    fn values() {
        assert_eq!(parse_level("L2"), PurdueLevel::parse("2"));
        assert_eq!(parse_level("Level 3.5"), Some(PurdueLevel::IDMZ));
        assert_eq!(parse_level("Purdue Level 1"), PurdueLevel::parse("1"));
        assert_eq!(parse_level("2.0"), PurdueLevel::parse("2"));
        assert_eq!(parse_level("IDMZ"), Some(PurdueLevel::IDMZ));
        assert_eq!(parse_level("L7"), None);
        assert_eq!(parse_criticality("Very High"), Some(Criticality::Critical));
        assert_eq!(parse_criticality("HIGH"), Some(Criticality::High));
        assert_eq!(parse_criticality("moderate"), Some(Criticality::Medium));
        assert_eq!(parse_domain("OT"), Some(Domain::Ot));
        assert_eq!(parse_domain("IT/OT"), Some(Domain::Shared));
        assert_eq!(slug("  PLC Filter #1 (North) "), "plc-filter-1-north");
        assert_eq!(slug("__x__"), "x__");
        assert_eq!(slug("Ünïcode"), "n-code");
        assert_eq!(slug("日本"), "");
        assert!(slug(&"a".repeat(300)).len() == 128);
    }

    #[test]
    fn long_and_odd_values_are_shown_short() {
        let csv = format!("name,kind,zone\na,\"{}\nx\",z\n", "k".repeat(10_000));
        let r = run(&csv, &ImportOptions::new("l.csv")).0.unwrap();
        let m = &r.diagnostics[0].message;
        assert!(m.len() < 100 && m.ends_with("…\""), "{m}");
        assert_eq!(quoted("a\nb"), "\"a\\nb\"");
    }

    #[test]
    fn escaping() {
        let mut b = String::new();
        write_toml_string(&mut b, "a\"b\\c\nd\u{1}\u{7f}é");
        assert_eq!(b, r#""a\"b\\c\u000Ad\u0001\u007Fé""#);
    }

    #[test]
    fn unknown_kind_names_line_column_and_value() {
        let csv = "name,kind,zone\nplc-1,plc,z\nhmi-1,Toaster,z\nhmi-2,programable logic controler,z\n";
        let (r, out) = run(csv, &ImportOptions::new("inv.csv"));
        let r = r.unwrap();
        assert_eq!((r.rows, r.imported, r.bad_rows, r.errors), (3, 1, 2, 2));
        let d = &r.diagnostics[0];
        assert_eq!((d.file.as_str(), d.line, d.column, d.field.as_str()), ("inv.csv", 3, 2, "kind"));
        assert!(d.message.contains("\"Toaster\""), "{d}");
        assert!(d.expected.as_deref().unwrap().contains("\"plc\""));
        let d = &r.diagnostics[1];
        assert_eq!(d.line, 4);
        assert_eq!(d.help.as_deref(), Some("did you mean \"plc\"?"), "{d}");
        assert!(out.contains("id = \"plc-1\""));
        assert!(!out.contains("hmi-1"));
    }

    #[test]
    fn header_problems() {
        let e = run("", &ImportOptions::new("e.csv")).0.unwrap_err();
        assert!(matches!(e, ImportError::Header(_)), "{e}");
        let e = run("name,knd\na,plc\n", &ImportOptions::new("e.csv")).0.unwrap_err();
        let d = e.diagnostic().unwrap();
        assert_eq!((d.line, d.field.as_str()), (1, "kind"));
        assert!(d.help.as_deref().unwrap().contains("\"knd\""), "{d}");
        let e = run("name;kind\na;plc\n", &ImportOptions::new("e.csv")).0.unwrap_err();
        assert!(e.diagnostic().unwrap().help.as_deref().unwrap().contains("';'"), "{e}");
        let e = run("kind,zone\nplc,z\n", &ImportOptions::new("e.csv")).0.unwrap_err();
        assert_eq!(e.diagnostic().unwrap().field, "name");
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let csv = "name,kind\nPLC 1,plc\nHMI,hmi\nplc-1,plc\n";
        let (r, out) = run(csv, &ImportOptions { default_zone: Some("z"), ..ImportOptions::new("d.csv") });
        let r = r.unwrap();
        assert_eq!(r.errors, 1);
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.field.as_str()), (4, "name"));
        assert!(d.message.contains("\"plc-1\" is the same as on line 2"), "{d}");
        assert_eq!(out.matches("[[asset]]").count(), 2);
    }

    #[test]
    fn bad_records_are_reported_and_skipped() {
        let csv = b"name,kind,zone\na,plc,z\nb,plc\nc,pl\xffc,z\n,,\nd,\"plc\",z\n";
        let mut out = Vec::new();
        let r = import_assets_csv(&csv[..], &mut out, &ImportOptions::new("b.csv"), &mut |_| {}).unwrap();
        assert_eq!((r.rows, r.imported, r.bad_rows), (4, 2, 2));
        assert_eq!(r.diagnostics[0].line, 3);
        assert!(r.diagnostics[0].message.contains("2 fields but the header has 3"));
        assert_eq!((r.diagnostics[1].line, r.diagnostics[1].field.as_str()), (4, "kind"));
        assert!(r.diagnostics[1].message.contains("UTF-8"));
    }

    #[test]
    fn diagnostics_are_capped() {
        let mut csv = String::from("name,kind,zone\n");
        for i in 0..1500 {
            csv.push_str(&format!("a{i},nope,z\n"));
        }
        let r = run(&csv, &ImportOptions::new("c.csv")).0.unwrap();
        assert_eq!(r.errors, 1500);
        assert_eq!(r.diagnostics.len(), MAX_DIAGNOSTICS + 1);
        assert!(r.diagnostics[MAX_DIAGNOSTICS].message.starts_with("500 more findings"));
    }

    #[test]
    fn progress_reaches_the_end() {
        let csv = "name,kind,zone\na,plc,z\n";
        let mut last = 0;
        let mut out = Vec::new();
        import_assets_csv(csv.as_bytes(), &mut out, &ImportOptions::new("p.csv"), &mut |b| last = b).unwrap();
        assert_eq!(last, csv.len() as u64);
    }
}
