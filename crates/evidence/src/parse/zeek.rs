//! Zeek `conn.log`, as Zeek's ASCII writer writes it (TSV with a `#` header
//! block) or as JSON lines (`LogAscii::use_json`).
//!
//! The form is decided per source from its first non-blank line: a `#`
//! header line means TSV, `{` means JSON. TSV columns are found by name from
//! the `#fields` line, never by position, honouring `#separator`,
//! `#set_separator`, `#empty_field` and `#unset_field`; a new `#separator`
//! line starts a new header block (concatenated logs). Other `#` lines
//! (`#path`, `#open`, `#types`, `#close`...) are skipped.
//!
//! Fields used: `ts`, `id.orig_h`, `id.orig_p`, `id.resp_h`, `id.resp_p`,
//! `proto`, `service` and `duration`. The protocol is the one `service` names
//! (recognised as stated), else the one of the responder port.

use std::borrow::Cow;
use std::io::BufRead;
use std::net::IpAddr;

use serde_json::Value;

use super::json::{self, Object};
use super::lines::{Line, Lines};
use super::{recognise, shown, time};
use crate::activity::{Activity, Format, LineError, Transport};

/// Zeek conn.log records from `reader`, TSV or JSON lines. For ICMP, the type and code Zeek logs in the
/// port fields are dropped.
pub fn zeek<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Activity, LineError>> {
    Zeek { lines: Lines::new(reader), mode: Mode::Unknown }
}

struct Zeek<R> {
    lines: Lines<R>,
    mode: Mode,
}

enum Mode {
    /// No non-blank line yet.
    Unknown,
    Tsv(Header),
    Json,
}

/// The fields read, in the order of [`Header::slots`] values.
#[derive(Debug, Clone, Copy)]
enum Field {
    Ts,
    OrigH,
    OrigP,
    RespH,
    RespP,
    Proto,
    Service,
    Duration,
}

const FIELDS: [(Field, &str); 8] = [
    (Field::Ts, "ts"),
    (Field::OrigH, "id.orig_h"),
    (Field::OrigP, "id.orig_p"),
    (Field::RespH, "id.resp_h"),
    (Field::RespP, "id.resp_p"),
    (Field::Proto, "proto"),
    (Field::Service, "service"),
    (Field::Duration, "duration"),
];

/// The TSV header in force.
struct Header {
    separator: String,
    set_separator: String,
    empty_field: String,
    unset_field: String,
    /// From `#fields`: the number of columns, and which field each column is.
    columns: Option<(usize, Vec<Option<Field>>)>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            separator: "\t".into(),
            set_separator: ",".into(),
            empty_field: "(empty)".into(),
            unset_field: "-".into(),
            columns: None,
        }
    }
}

impl<R: BufRead> Iterator for Zeek<R> {
    type Item = Result<Activity, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line, text) = match self.lines.next_line() {
                Line::Text(n, t) => (n, t),
                Line::Bad(e) | Line::Failed(e) => return Some(Err(e)),
                Line::End => return None,
            };
            if text.trim().is_empty() {
                continue;
            }
            if matches!(self.mode, Mode::Unknown) {
                if text.starts_with('#') {
                    self.mode = Mode::Tsv(Header::default());
                } else if text.trim_start().starts_with('{') {
                    self.mode = Mode::Json;
                } else {
                    return Some(Err(LineError {
                        line,
                        reason: "not a Zeek log: expected a #separator/#fields header or a JSON object".into(),
                    }));
                }
            }
            let result = match &mut self.mode {
                Mode::Tsv(header) if text.starts_with('#') => header.directive(text).map(|()| None),
                Mode::Tsv(header) => header.record(line, text).map(Some),
                Mode::Json if text.starts_with('#') => Ok(None),
                Mode::Json | Mode::Unknown => json_record(line, text).map(Some),
            };
            match result {
                Ok(None) => continue,
                Ok(Some(activity)) => return Some(Ok(activity)),
                Err(reason) => return Some(Err(LineError { line, reason })),
            }
        }
    }
}

/// Zeek's `\xHH` escapes in header values (`#separator \x09`).
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\x") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 4).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if b.is_ascii() => out.push(char::from(b)),
            _ => return Err(format!("{} has a bad \\x escape", shown(s))),
        }
        rest = &rest[i + 4..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Header {
    /// A `#` line of the header block.
    fn directive(&mut self, text: &str) -> Result<(), String> {
        if let Some(value) = text.strip_prefix("#separator") {
            // "#separator \x09": the only directive separated by a space, since the separator is not known yet.
            let separator =
                unescape(value.strip_prefix(' ').unwrap_or(value)).map_err(|e| format!("#separator: {e}"))?;
            if separator.is_empty() {
                return Err("#separator: no separator given (expected e.g. \\x09)".into());
            }
            *self = Header { separator, ..Header::default() };
            return Ok(());
        }
        let (key, value) = text.split_once(self.separator.as_str()).unwrap_or((text, ""));
        match key {
            "#set_separator" => self.set_separator = unescape(value).map_err(|e| format!("#set_separator: {e}"))?,
            "#empty_field" => self.empty_field = unescape(value).map_err(|e| format!("#empty_field: {e}"))?,
            "#unset_field" => self.unset_field = unescape(value).map_err(|e| format!("#unset_field: {e}"))?,
            "#fields" => {
                let names = value.split(self.separator.as_str());
                let slots: Vec<Option<Field>> =
                    names.map(|n| FIELDS.iter().find(|(_, name)| *name == n).map(|(f, _)| *f)).collect();
                let has_ts = slots.iter().any(|s| matches!(s, Some(Field::Ts)));
                self.columns = Some((slots.len(), slots));
                if !has_ts {
                    return Err("#fields has no ts field: records cannot be read".into());
                }
            }
            // #path, #open, #close, #types and anything else Zeek may add.
            _ => {}
        }
        Ok(())
    }

    /// A TSV data line.
    fn record(&self, line: u64, text: &str) -> Result<Activity, String> {
        let Some((count, slots)) = &self.columns else {
            return Err("data before the #fields header".into());
        };
        let mut values: [Option<&str>; FIELDS.len()] = [None; FIELDS.len()];
        let mut found = 0usize;
        for (i, value) in text.split(self.separator.as_str()).enumerate() {
            found += 1;
            if let Some(Some(field)) = slots.get(i) {
                values[*field as usize] = Some(value);
            }
        }
        if found != *count {
            let sep = if self.separator == "\t" { "tab".to_string() } else { shown(&self.separator) };
            return Err(format!("expected {count} {sep}-separated fields (per #fields), found {found}"));
        }
        let get = |f: Field| values[f as usize].filter(|v| *v != self.unset_field && *v != self.empty_field);

        let ts = match (values[Field::Ts as usize], get(Field::Ts)) {
            (None, _) => return Err("field ts: not in #fields".into()),
            (Some(_), None) => return Err("field ts: unset".into()),
            (Some(_), Some(v)) => time::decimal_seconds(v)
                .ok_or_else(|| format!("field ts: {} is not a Unix time in seconds", shown(v)))?,
        };
        let mut a = Activity::new(Format::Zeek, line, ts);
        a.src = get(Field::OrigH).map(|v| address("id.orig_h", v)).transpose()?;
        a.src_port = get(Field::OrigP).map(|v| port("id.orig_p", v)).transpose()?;
        a.dst = get(Field::RespH).map(|v| address("id.resp_h", v)).transpose()?;
        a.dst_port = get(Field::RespP).map(|v| port("id.resp_p", v)).transpose()?;
        a.transport = get(Field::Proto).map(proto).transpose()?;
        icmp_has_no_ports(&mut a);
        if let Some(v) = get(Field::Duration) {
            let d = duration(v)?;
            a.end = Some(ts.checked_add(d).ok_or_else(|| format!("field duration: {} is too long", shown(v)))?);
        }
        // Zeek writes the set with the set separator; by_name splits on commas.
        let service: Option<Cow<'_, str>> = get(Field::Service).map(|s| {
            if self.set_separator == "," {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(s.replace(self.set_separator.as_str(), ","))
            }
        });
        a.protocol = recognise(service.as_deref(), a.transport, &[a.dst_port]);
        Ok(a)
    }
}

/// For ICMP, Zeek logs the message type and code in `id.orig_p` and `id.resp_p`: they are not ports.
fn icmp_has_no_ports(a: &mut Activity) {
    if a.transport == Some(Transport::Icmp) {
        a.src_port = None;
        a.dst_port = None;
    }
}

fn address(field: &str, v: &str) -> Result<Box<str>, String> {
    match v.parse::<IpAddr>() {
        Ok(_) => Ok(v.into()),
        Err(_) => Err(format!("field {field}: {} is not an IP address", shown(v))),
    }
}

fn port(field: &str, v: &str) -> Result<u16, String> {
    v.parse().map_err(|_| format!("field {field}: {} is not a port number (0-65535)", shown(v)))
}

/// Zeek's `proto`: the transport_proto enum.
fn proto(v: &str) -> Result<Transport, String> {
    match v {
        "tcp" => Ok(Transport::Tcp),
        "udp" => Ok(Transport::Udp),
        "icmp" => Ok(Transport::Icmp),
        "unknown_transport" => Ok(Transport::Other),
        _ => Err(format!("field proto: {} is not tcp, udp, icmp or unknown_transport", shown(v))),
    }
}

fn duration(v: &str) -> Result<i64, String> {
    time::decimal_seconds(v)
        .filter(|d| *d >= 0)
        .ok_or_else(|| format!("field duration: {} is not a duration in seconds", shown(v)))
}

/// A JSON field by its flat Zeek name (`id.orig_h`), or nested (`"id": {"orig_h": ...}`)
/// as some log shippers rewrite it.
fn field<'a>(o: &'a Object, name: &str) -> Option<&'a Value> {
    json::get(o, name).or_else(|| {
        let (outer, inner) = name.split_once('.')?;
        match json::get(o, outer)? {
            Value::Object(nested) => json::get(nested, inner),
            _ => None,
        }
    })
}

/// A string JSON field.
fn str_field<'a>(o: &'a Object, name: &str) -> Result<Option<&'a str>, String> {
    match field(o, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(format!("field {name}: expected a string, found {}", json::kind(v))),
    }
}

/// A port JSON field: a number (Zeek writes ports as numbers).
fn port_field(o: &Object, name: &str) -> Result<Option<u16>, String> {
    match field(o, name) {
        None => Ok(None),
        Some(v @ Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .map(Some)
            .ok_or_else(|| format!("field {name}: {} is not a port number (0-65535)", json::kind(v))),
        Some(Value::String(s)) => port(name, s).map(Some),
        Some(v) => Err(format!("field {name}: {} is not a port number (0-65535)", json::kind(v))),
    }
}

/// A Zeek JSON line.
fn json_record(line: u64, text: &str) -> Result<Activity, String> {
    let o = json::object(text)?;
    let ts = match field(&o, "ts") {
        None => return Err("field ts: missing".into()),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(time::float_seconds)
            .ok_or_else(|| format!("field ts: {} is not a Unix time in seconds", shown(&n.to_string())))?,
        // JSON::TS_ISO8601 writes "2026-11-26T14:00:00.123456Z"; Unix seconds as text are accepted too.
        Some(Value::String(s)) => match time::decimal_seconds(s) {
            Some(t) => t,
            None => time::rfc3339(s).map_err(|why| {
                format!("field ts: {} is not a Unix time in seconds or an ISO 8601 time ({why})", shown(s))
            })?,
        },
        Some(v) => return Err(format!("field ts: expected a number or a time string, found {}", json::kind(v))),
    };
    let mut a = Activity::new(Format::Zeek, line, ts);
    a.src = str_field(&o, "id.orig_h")?.map(|v| address("id.orig_h", v)).transpose()?;
    a.src_port = port_field(&o, "id.orig_p")?;
    a.dst = str_field(&o, "id.resp_h")?.map(|v| address("id.resp_h", v)).transpose()?;
    a.dst_port = port_field(&o, "id.resp_p")?;
    a.transport = str_field(&o, "proto")?.map(proto).transpose()?;
    icmp_has_no_ports(&mut a);
    let d = match field(&o, "duration") {
        None => None,
        Some(Value::Number(n)) => Some(
            n.as_f64()
                .filter(|d| *d >= 0.0)
                .and_then(time::float_seconds)
                .ok_or_else(|| format!("field duration: {} is not a duration in seconds", shown(&n.to_string())))?,
        ),
        Some(Value::String(s)) => Some(duration(s)?),
        Some(v) => return Err(format!("field duration: expected a number of seconds, found {}", json::kind(v))),
    };
    if let Some(d) = d {
        a.end = Some(ts.checked_add(d).ok_or("field duration: too long")?);
    }
    let service = match field(&o, "service") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        // Some shippers turn the set into an array.
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
        Some(v) => return Err(format!("field service: expected a string, found {}", json::kind(v))),
    };
    a.protocol = recognise(service.as_deref(), a.transport, &[a.dst_port]);
    Ok(a)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::activity::{Protocol, Recognised};

    fn read(input: &str) -> Vec<Result<Activity, LineError>> {
        zeek(input.as_bytes()).collect()
    }

    const HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n\
        #fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\n\
        #types\ttime\taddr\tport\taddr\tport\tenum\tstring\tinterval\n";

    #[test]
    fn tsv_by_field_name() {
        let input = format!("{HEADER}1795701600.5\t10.30.2.31\t51000\t10.30.16.10\t502\ttcp\tmodbus\t1.25\n");
        let got = read(&input);
        assert_eq!(got.len(), 1);
        let a = got[0].as_ref().unwrap();
        assert_eq!(a.line, 8);
        assert_eq!(a.start, 1_795_701_600_500_000);
        assert_eq!(a.end, Some(1_795_701_601_750_000));
        assert_eq!(a.src.as_deref(), Some("10.30.2.31"));
        assert_eq!(a.dst_port, Some(502));
        assert_eq!(a.protocol, Some((Protocol::Modbus, Recognised::Stated)));

        // The same columns in another order.
        let input = "#separator \\x09\n#fields\tproto\tid.resp_p\tts\tid.resp_h\n#types\tenum\tport\ttime\taddr\n\
                     udp\t20000\t1795701600\t10.30.19.10\n";
        let a = read(input).remove(0).unwrap();
        assert_eq!(a.transport, Some(Transport::Udp));
        assert_eq!(a.protocol, Some((Protocol::Dnp3, Recognised::Port)));
        assert_eq!(a.end, None);
        assert_eq!(a.src, None);
    }

    #[test]
    fn other_separators() {
        let input = "#separator \\x7c\n#set_separator|;\n#unset_field|NA\n#fields|ts|id.resp_p|proto|service|duration\n\
                     1795701600|443|tcp|ssl;modbus|NA\n";
        let a = read(input).remove(0).unwrap();
        assert_eq!(a.protocol, Some((Protocol::Modbus, Recognised::Stated)));
        assert_eq!(a.end, None);
    }

    #[test]
    fn tsv_errors() {
        let input = format!(
            "{HEADER}abc\t10.30.2.31\t51000\t10.30.16.10\t502\ttcp\tmodbus\t1.25\n\
             1795701600\t10.30.2.31\t51000\t10.30.16.10\t502\ttcp\tmodbus\n\
             1795701600\t10.30.2.311\t51000\t10.30.16.10\t502\ttcp\tmodbus\t1\n\
             1795701600\t10.30.2.31\t510000\t10.30.16.10\t502\ttcp\tmodbus\t1\n\
             1795701600\t10.30.2.31\t51000\t10.30.16.10\t502\tsctp\tmodbus\t1\n\
             1795701600\t10.30.2.31\t51000\t10.30.16.10\t502\ttcp\tmodbus\t-1\n\
             -\t10.30.2.31\t51000\t10.30.16.10\t502\ttcp\tmodbus\t1\n"
        );
        let reasons: Vec<String> = read(&input).into_iter().map(|r| r.unwrap_err().reason).collect();
        assert_eq!(
            reasons,
            vec![
                "field ts: \"abc\" is not a Unix time in seconds",
                "expected 8 tab-separated fields (per #fields), found 7",
                "field id.orig_h: \"10.30.2.311\" is not an IP address",
                "field id.orig_p: \"510000\" is not a port number (0-65535)",
                "field proto: \"sctp\" is not tcp, udp, icmp or unknown_transport",
                "field duration: \"-1\" is not a duration in seconds",
                "field ts: unset",
            ]
        );
    }

    #[test]
    fn header_problems() {
        let got = read("1795701600\t10.0.0.1\n");
        assert_eq!(got[0].as_ref().unwrap_err().line, 1);
        let got = read("#separator \\x09\n1795701600\t10.0.0.1\n");
        assert_eq!(got[0].as_ref().unwrap_err().reason, "data before the #fields header");
        let got = read("#separator \\x09\n#fields\tuid\tproto\nC1\ttcp\n");
        assert_eq!(got[0].as_ref().unwrap_err().reason, "#fields has no ts field: records cannot be read");
        assert_eq!(got[1].as_ref().unwrap_err().reason, "field ts: not in #fields");
        let got = read("#separator \\xZZ\n");
        assert!(got[0].as_ref().unwrap_err().reason.starts_with("#separator: "));
    }

    #[test]
    fn json_lines() {
        let input = "{\"ts\":1795701600.25,\"uid\":\"C1\",\"id.orig_h\":\"10.30.2.30\",\"id.orig_p\":50001,\
                     \"id.resp_h\":\"10.30.13.10\",\"id.resp_p\":44818,\"proto\":\"tcp\",\"service\":\"enip,cip\",\
                     \"duration\":2.5}\n\n# comment\n\
                     {\"ts\":\"2026-11-26T14:00:00.000001Z\",\"id\":{\"orig_h\":\"10.30.2.30\",\"resp_h\":\"10.30.3.10\",\
                     \"resp_p\":102},\"proto\":\"tcp\"}\n\
                     {\"ts\":true}\n{\"id.orig_h\":\"x\"}\n[1]\n{\"ts\":1795701600,\"id.resp_p\":70000}\n";
        let got = read(input);
        let a = got[0].as_ref().unwrap();
        assert_eq!((a.line, a.start, a.end), (1, 1_795_701_600_250_000, Some(1_795_701_602_750_000)));
        assert_eq!(a.protocol, Some((Protocol::EtherNetIp, Recognised::Stated)));
        let b = got[1].as_ref().unwrap();
        assert_eq!((b.line, b.start), (4, 1_795_701_600_000_001));
        assert_eq!(b.src.as_deref(), Some("10.30.2.30"));
        assert_eq!(b.protocol, Some((Protocol::S7comm, Recognised::Port)));
        let errors: Vec<_> = got[2..].iter().map(|r| r.as_ref().unwrap_err().clone()).collect();
        assert_eq!(
            errors[0],
            LineError { line: 5, reason: "field ts: expected a number or a time string, found true".into() }
        );
        assert_eq!(errors[1], LineError { line: 6, reason: "field ts: missing".into() });
        assert_eq!(errors[2], LineError { line: 7, reason: "expected a JSON object, found an array".into() });
        assert_eq!(
            errors[3],
            LineError { line: 8, reason: "field id.resp_p: the number 70000 is not a port number (0-65535)".into() }
        );
    }
}
