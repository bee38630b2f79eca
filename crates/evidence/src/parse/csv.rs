//! A generic activity CSV (RFC 4180): a header row, then one activity a row.
//!
//! Columns are found by header name, case-insensitively and ignoring
//! punctuation, with synonyms (see [`COLUMNS`]); unknown columns are ignored.
//! A time column is required. Times are RFC 3339 or Unix seconds.
//!
//! Quoted fields may hold commas, doubled quotes (`""`) and line breaks; a
//! record spanning lines is reported at the line it starts on. Blank lines
//! and lines starting with `#` between records are skipped. A row with a
//! different number of fields than the header is an error.

use std::io::BufRead;

use super::lines::{Line, Lines, MAX_LINE_BYTES};
use super::{operation, recognise, shown, time, transport};
use crate::activity::{Activity, Format, LineError};
use crate::protocol;

/// Activity rows from a CSV with a header row in `reader`.
pub fn csv<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Activity, LineError>> {
    Csv { lines: Lines::new(reader), record: Record::default(), header: Header::Pending }
}

/// The rows of any CSV (RFC 4180: quoted fields, doubled quotes, line breaks
/// inside quotes), as (the line a row starts on, its fields), header row
/// included. Used for tables that are not activity, such as work orders.
pub fn records<R: BufRead>(reader: R) -> impl Iterator<Item = Result<(u64, Vec<String>), LineError>> {
    let mut c = Csv { lines: Lines::new(reader), record: Record::default(), header: Header::Pending };
    std::iter::from_fn(move || {
        let line = c.read_record()?;
        Some(line.map(|line| {
            let fields = (0..c.record.fields.len()).filter_map(|i| c.record.field(i)).map(String::from).collect();
            (line, fields)
        }))
    })
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Time,
    End,
    Src,
    Dst,
    SrcPort,
    DstPort,
    Transport,
    Protocol,
    Operation,
    User,
    Note,
}

const ROLES: usize = 11;

/// Header names of each role, compared ignoring case and punctuation
/// (`Src IP` = `src_ip`).
const COLUMNS: [(Role, &[&str]); ROLES] = [
    (Role::Time, &["time", "timestamp", "start", "start_time", "ts", "datetime"]),
    (Role::End, &["end", "end_time", "stop"]),
    (Role::Src, &["src", "source", "src_ip", "source_ip", "client"]),
    (Role::Dst, &["dst", "destination", "target", "dest_ip", "dst_ip", "dest", "destination_ip", "server"]),
    (Role::SrcPort, &["src_port", "source_port", "sport"]),
    (Role::DstPort, &["dst_port", "port", "dest_port", "destination_port", "dport"]),
    (Role::Transport, &["proto", "transport"]),
    (Role::Protocol, &["protocol", "service", "app_proto"]),
    (Role::Operation, &["operation", "function", "function_code", "command"]),
    (Role::User, &["user", "account", "username", "user_name"]),
    (Role::Note, &["description", "note", "notes", "activity", "comment"]),
];

/// One record's fields: their text back to back, and where each is.
#[derive(Default)]
struct Record {
    text: String,
    fields: Vec<(usize, usize)>,
}

impl Record {
    fn field(&self, i: usize) -> Option<&str> {
        self.fields.get(i).map(|(from, to)| &self.text[*from..*to])
    }
}

/// Per role, the column that holds it and the header name it was found under.
type Columns = [Option<(usize, Box<str>)>; ROLES];

enum Header {
    Pending,
    /// The header's line, the number of columns and, per role, its column and header name.
    Ready {
        line: u64,
        count: usize,
        columns: Box<Columns>,
    },
    /// The header has no time column.
    Unusable {
        line: u64,
    },
}

struct Csv<R> {
    lines: Lines<R>,
    record: Record,
    header: Header,
}

/// Where the field parser is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: a doubled quote or the closing one.
    QuoteSeen,
}

impl<R: BufRead> Csv<R> {
    /// Reads the next record into `self.record`; returns the line it starts on.
    fn read_record(&mut self) -> Option<Result<u64, LineError>> {
        let record = &mut self.record;
        record.text.clear();
        record.fields.clear();
        let mut start: Option<u64> = None;
        let mut state = State::FieldStart;
        let mut field_from = 0;
        loop {
            let (n, text) = match self.lines.next_line() {
                Line::Text(n, t) => (n, t),
                Line::Bad(e) => {
                    // A bad line inside a quoted field breaks its record; report the record's start.
                    let line = start.unwrap_or(e.line);
                    return Some(Err(LineError { line, reason: e.reason }));
                }
                Line::Failed(e) => return Some(Err(e)),
                Line::End => {
                    return start.map(|line| {
                        Err(LineError {
                            line,
                            reason: "a quoted field is not closed before the end of the file".into(),
                        })
                    });
                }
            };
            match start {
                None if text.trim().is_empty() || text.starts_with('#') => continue,
                None => start = Some(n),
                // Still inside a quoted field: the line break is part of it.
                Some(_) => record.text.push('\n'),
            }
            let line = start.unwrap_or(n);
            if record.text.len() + text.len() > MAX_LINE_BYTES {
                return Some(Err(LineError {
                    line,
                    reason: format!("record is longer than {MAX_LINE_BYTES} bytes (is a quote not closed?); skipped"),
                }));
            }
            for c in text.chars() {
                state = match (state, c) {
                    (State::FieldStart, '"') => State::Quoted,
                    (State::FieldStart | State::Unquoted | State::QuoteSeen, ',') => {
                        record.fields.push((field_from, record.text.len()));
                        field_from = record.text.len();
                        State::FieldStart
                    }
                    (State::FieldStart | State::Unquoted, c) => {
                        record.text.push(c);
                        State::Unquoted
                    }
                    (State::Quoted, '"') => State::QuoteSeen,
                    (State::Quoted, c) => {
                        record.text.push(c);
                        State::Quoted
                    }
                    (State::QuoteSeen, '"') => {
                        record.text.push('"');
                        State::Quoted
                    }
                    (State::QuoteSeen, c) => {
                        return Some(Err(LineError {
                            line,
                            reason: format!(
                                "field {}: {} after a closing quote (a quote inside a quoted field is written \"\")",
                                record.fields.len() + 1,
                                shown(&c.to_string())
                            ),
                        }));
                    }
                };
            }
            if state != State::Quoted {
                record.fields.push((field_from, record.text.len()));
                return Some(Ok(line));
            }
        }
    }

    fn header(&mut self, line: u64) -> Option<LineError> {
        let mut columns: Box<Columns> = Box::default();
        for (i, name) in self.record.fields.iter().map(|(f, t)| self.record.text[*f..*t].trim()).enumerate() {
            for (slot, (_, names)) in columns.iter_mut().zip(COLUMNS.iter()) {
                if slot.is_none() && names.iter().any(|n| protocol::same_name(n, name)) {
                    *slot = Some((i, name.into()));
                }
            }
        }
        if columns[Role::Time as usize].is_none() {
            self.header = Header::Unusable { line };
            return Some(LineError {
                line,
                reason: "header: no time column (expected one of time, timestamp, start)".into(),
            });
        }
        self.header = Header::Ready { line, count: self.record.fields.len(), columns };
        None
    }

    fn row(&self, line: u64) -> Result<Activity, String> {
        let (header_line, count, columns) = match &self.header {
            Header::Ready { line, count, columns } => (*line, *count, columns),
            Header::Unusable { line } => return Err(format!("no usable header (line {line} has no time column)")),
            Header::Pending => return Err("no header".into()),
        };
        if self.record.fields.len() != count {
            return Err(format!(
                "expected {count} fields (per the header on line {header_line}), found {}",
                self.record.fields.len()
            ));
        }
        // A role's value, trimmed, if the column exists and is not empty; with the column's header name.
        let get = |role: Role| {
            columns[role as usize].as_ref().and_then(|(i, name)| {
                let v = self.record.field(*i)?.trim();
                (!v.is_empty()).then_some((v, &**name))
            })
        };
        let (time_text, time_name) = get(Role::Time).ok_or_else(|| {
            let name = columns[Role::Time as usize].as_ref().map_or("time", |(_, n)| &**n);
            format!("field {name}: empty")
        })?;
        let start = time_value(time_name, time_text)?;
        let mut a = Activity::new(Format::Csv, line, start);
        if let Some((v, name)) = get(Role::End) {
            let end = time_value(name, v)?;
            if end < start {
                return Err(format!("field {name}: {} is before the start", shown(v)));
            }
            a.end = Some(end);
        }
        a.src = get(Role::Src).map(|(v, _)| v.into());
        a.dst = get(Role::Dst).map(|(v, _)| v.into());
        a.src_port = get(Role::SrcPort).map(|(v, name)| port(name, v)).transpose()?;
        a.dst_port = get(Role::DstPort).map(|(v, name)| port(name, v)).transpose()?;
        a.transport = get(Role::Transport).map(|(v, _)| transport(v));
        a.protocol = recognise(get(Role::Protocol).map(|(v, _)| v), a.transport, &[a.dst_port]);
        if let Some((v, _)) = get(Role::Operation) {
            let (op, changes_control) = match a.protocol {
                Some((p, _)) => operation(p, v),
                None => (v.into(), protocol::name_changes_control(v)),
            };
            a.operation = Some(op);
            a.changes_control = changes_control;
        }
        a.user = get(Role::User).map(|(v, _)| v.into());
        a.note = get(Role::Note).map(|(v, _)| v.into());
        a.changes_control |= a.note.as_deref().is_some_and(protocol::text_changes_control);
        Ok(a)
    }
}

fn time_value(name: &str, v: &str) -> Result<i64, String> {
    if let Some(t) = time::decimal_seconds(v) {
        return Ok(t);
    }
    time::rfc3339(v)
        .map_err(|why| format!("field {name}: {} is not an RFC 3339 time or Unix seconds ({why})", shown(v)))
}

fn port(name: &str, v: &str) -> Result<u16, String> {
    v.parse().map_err(|_| format!("field {name}: {} is not a port number (0-65535)", shown(v)))
}

impl<R: BufRead> Iterator for Csv<R> {
    type Item = Result<Activity, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = match self.read_record()? {
                Ok(line) => line,
                Err(e) => return Some(Err(e)),
            };
            if matches!(self.header, Header::Pending) {
                match self.header(line) {
                    Some(e) => return Some(Err(e)),
                    None => continue,
                }
            }
            return Some(self.row(line).map_err(|reason| LineError { line, reason }));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::activity::{Protocol, Recognised, Transport};

    fn read(input: &str) -> Vec<Result<Activity, LineError>> {
        csv(input.as_bytes()).collect()
    }

    #[test]
    fn quoting_and_lines() {
        let input = "Time,Src IP,Destination,Port,Protocol,Function,Account,Description\n\
                     2026-11-26T14:00:00Z,10.30.2.31,10.30.16.10,502,modbus,6,CORP\\eschmidt,\"pump 2, speed\"\n\
                     \n\
                     1795701660,10.30.2.31,10.30.16.10,502,,,,\"two\nlines with \"\"quotes\"\"\"\n\
                     2026-11-26T14:02:00Z,a,b,,,,,\"\"\n";
        let got = read(input);
        assert_eq!(got.len(), 3, "{got:?}");
        let a = got[0].as_ref().unwrap();
        assert_eq!(a.line, 2);
        assert_eq!(a.protocol, Some((Protocol::Modbus, Recognised::Stated)));
        assert_eq!(a.operation.as_deref(), Some("write_single_register"));
        assert!(a.changes_control);
        assert_eq!(a.note.as_deref(), Some("pump 2, speed"));
        assert_eq!(a.user.as_deref(), Some("CORP\\eschmidt"));
        let b = got[1].as_ref().unwrap();
        assert_eq!(b.line, 4);
        assert_eq!(b.start, 1_795_701_660_000_000);
        assert_eq!(b.note.as_deref(), Some("two\nlines with \"quotes\""));
        assert_eq!(b.protocol, Some((Protocol::Modbus, Recognised::Port)));
        let c = got[2].as_ref().unwrap();
        assert_eq!(c.line, 6);
        assert_eq!(c.note, None);
        assert_eq!(c.transport, None);
    }

    #[test]
    fn row_errors() {
        let input = "timestamp,end,src,dst_port,proto\n\
                     26/11/2026,,a,1,tcp\n\
                     2026-11-26T14:00:00Z,2026-11-26T13:00:00Z,a,1,tcp\n\
                     2026-11-26T14:00:00Z,,a,70000,tcp\n\
                     2026-11-26T14:00:00Z,,a\n\
                     2026-11-26T14:00:00Z,,\"a\"b,1,tcp\n\
                     ,,a,1,tcp\n\
                     2026-11-26T14:00:00Z,,a,1,udp\n\
                     2026-11-26T14:00:00Z,,\"never closed,1,tcp\n\
                     more\n";
        let got = read(input);
        let errors: Vec<_> = got.iter().filter_map(|r| r.as_ref().err().cloned()).collect();
        let expected = [
            (2, "field timestamp: \"26/11/2026\" is not an RFC 3339 time or Unix seconds (the date is not YYYY-MM-DD)"),
            (3, "field end: \"2026-11-26T13:00:00Z\" is before the start"),
            (4, "field dst_port: \"70000\" is not a port number (0-65535)"),
            (5, "expected 5 fields (per the header on line 1), found 3"),
            (6, "field 3: \"b\" after a closing quote (a quote inside a quoted field is written \"\")"),
            (7, "field timestamp: empty"),
            (9, "a quoted field is not closed before the end of the file"),
        ];
        let got_errors: Vec<_> = errors.iter().map(|e| (e.line, e.reason.as_str())).collect();
        assert_eq!(got_errors, expected);
        let good: Vec<_> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].line, 8);
        assert_eq!(good[0].transport, Some(Transport::Udp));
    }

    #[test]
    fn header_without_time() {
        let got = read("src,dst\na,b\n");
        assert_eq!(
            got[0].as_ref().unwrap_err().reason,
            "header: no time column (expected one of time, timestamp, start)"
        );
        assert_eq!(got[1].as_ref().unwrap_err().reason, "no usable header (line 1 has no time column)");
    }

    #[test]
    fn operation_without_protocol() {
        let got = read("time,operation\n2026-11-26T14:00:00Z,write_multiple_registers\n2026-11-26T14:00:00Z,5\n");
        assert!(got[0].as_ref().unwrap().changes_control);
        assert!(!got[1].as_ref().unwrap().changes_control);
    }
}
