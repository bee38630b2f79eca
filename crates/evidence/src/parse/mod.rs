//! Streaming readers of observed activity: Zeek conn.log (TSV or JSON lines),
//! Suricata eve.json, remote-access session logs (JSON lines) and a generic
//! activity CSV.
//!
//! Every reader takes any [`BufRead`] and yields one item per record:
//! `Ok(Activity)` for a good one, `Err(LineError)` for a bad one, naming the
//! 1-based line, the field and what was expected; reading goes on with the
//! next line. Blank lines, comment lines and records that are not activity
//! (Zeek header lines, Suricata `dns` or `stats` events...) yield nothing. A
//! read error ends the iteration with one last error.
//!
//! Memory is constant: a reader holds one line (at most
//! [`MAX_LINE_BYTES`]) and the header it needs, never the input.

use std::io::BufRead;

use crate::activity::{Activity, Format, LineError, Protocol, Recognised, Transport};
use crate::protocol;

mod csv;
mod json;
mod lines;
mod sessions;
mod suricata;
mod time;
mod zeek;

pub use csv::{csv, records as csv_records};
pub use lines::MAX_LINE_BYTES;
pub use sessions::sessions;
pub use suricata::suricata;
pub use zeek::zeek;

/// A reader of `format` over `reader`.
pub fn read<R: BufRead + 'static>(format: Format, reader: R) -> Box<dyn Iterator<Item = Result<Activity, LineError>>> {
    match format {
        Format::Zeek => Box::new(zeek(reader)),
        Format::Suricata => Box::new(suricata(reader)),
        Format::Sessions => Box::new(sessions(reader)),
        Format::Csv => Box::new(csv(reader)),
    }
}

/// A value quoted for an error message, cut to a readable length.
pub(crate) fn shown(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    match s.char_indices().nth(MAX_CHARS) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
    }
}

/// A transport as tools name it (`tcp`, `TCP`, `udp`, `icmp`, `IPv6-ICMP`) or
/// by IP protocol number. Anything else is [`Transport::Other`].
pub(crate) fn transport(s: &str) -> Transport {
    let s = s.trim();
    let is = |name: &str| s.eq_ignore_ascii_case(name);
    if is("tcp") || s == "6" {
        Transport::Tcp
    } else if is("udp") || s == "17" {
        Transport::Udp
    } else if is("icmp") || is("ipv6-icmp") || is("icmp6") || is("icmpv6") || s == "1" || s == "58" {
        Transport::Icmp
    } else {
        Transport::Other
    }
}

/// The protocol of an activity: the one the source states if it names an
/// industrial protocol, else the one of the first server port that has one.
pub(crate) fn recognise(
    stated: Option<&str>,
    transport: Option<Transport>,
    ports: &[Option<u16>],
) -> Option<(Protocol, Recognised)> {
    if let Some(p) = stated.and_then(protocol::by_name) {
        return Some((p, Recognised::Stated));
    }
    ports.iter().flatten().find_map(|port| protocol::by_port(transport, *port)).map(|p| (p, Recognised::Port))
}

/// The operation reported for `raw` in protocol `p`: Interlock's name for it
/// when known, else the text as the source gave it; and whether it changes
/// control.
pub(crate) fn operation(p: Protocol, raw: &str) -> (Box<str>, bool) {
    match protocol::operation(p, raw) {
        Some(op) => (op.name.into(), op.changes_control),
        None => (raw.trim().into(), false),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn shown_cuts_long_values() {
        assert_eq!(shown("abc"), "\"abc\"");
        assert_eq!(shown("a\"b"), "\"a\\\"b\"");
        let long = "é".repeat(100);
        let s = shown(&long);
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().count(), 60 + 3);
    }

    #[test]
    fn transports() {
        assert_eq!(transport("TCP"), Transport::Tcp);
        assert_eq!(transport("udp"), Transport::Udp);
        assert_eq!(transport("IPv6-ICMP"), Transport::Icmp);
        assert_eq!(transport("132"), Transport::Other);
    }

    #[test]
    fn stated_overrides_port() {
        let tcp = Some(Transport::Tcp);
        assert_eq!(recognise(Some("mms"), tcp, &[Some(102)]), Some((Protocol::Iec61850Mms, Recognised::Stated)));
        assert_eq!(recognise(None, tcp, &[Some(102)]), Some((Protocol::S7comm, Recognised::Port)));
        assert_eq!(recognise(Some("ssl"), tcp, &[Some(443)]), None);
        assert_eq!(recognise(Some("http"), tcp, &[Some(52100), Some(502)]), Some((Protocol::Modbus, Recognised::Port)));
    }
}
