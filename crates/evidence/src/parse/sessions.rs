//! Remote-access session logs as JSON lines, one session a line:
//!
//! ```json
//! {"user": "CORP\\v-ridgeline", "source": "198.51.100.40", "target": "ews-01",
//!  "start": "2026-11-26T08:02:11-06:00", "end": "2026-11-26T09:40:00-06:00",
//!  "pathway": "vpn-corp-01 > jump-dmz-01", "protocol": "rdp", "activity": "logic download"}
//! ```
//!
//! `start` (RFC 3339) and `target` are required; `end` may be `null` or absent
//! (the session is still open). `source` becomes the activity's `src`,
//! `target` its `dst`. `activity` is kept as the note, and when it says
//! control was changed ("logic download", "firmware", "setpoint"...) the
//! activity changes control. `protocol` is used when it names an industrial
//! protocol; remote-access protocols (rdp, ssh, vnc) are not recorded.

use std::io::BufRead;

use super::json;
use super::lines::{JsonLines, Lines};
use super::shown;
use crate::activity::{Activity, Format, LineError, Recognised};
use crate::protocol;

/// Sessions from JSON lines in `reader`.
pub fn sessions<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Activity, LineError>> {
    JsonLines { lines: Lines::new(reader), record: |line, text| record(line, text).map(Some) }
}

fn record(line: u64, text: &str) -> Result<Activity, String> {
    let o = json::object(text)?;
    let start = json::req_rfc3339(&o, "start")?;
    let end = json::opt_rfc3339(&o, "end")?;
    if end.is_some_and(|end| end < start) {
        let given = json::opt_str(&o, "end")?.unwrap_or_default();
        return Err(format!("field end: {} is before start", shown(given)));
    }
    let target = json::opt_text(&o, "target")?.ok_or("field target: missing")?;
    let mut a = Activity::new(Format::Sessions, line, start);
    a.end = end;
    a.user = json::opt_text(&o, "user")?;
    a.src = json::opt_text(&o, "source")?;
    a.dst = Some(target);
    a.pathway = json::opt_text(&o, "pathway")?;
    a.protocol = json::opt_str(&o, "protocol")?.and_then(protocol::by_name).map(|p| (p, Recognised::Stated));
    a.note = json::opt_text(&o, "activity")?;
    a.changes_control = a.note.as_deref().is_some_and(protocol::text_changes_control);
    Ok(a)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn session_fields() {
        let input = br#"{"user":"CORP\\v-ridgeline","source":"198.51.100.40","target":"ews-01","start":"2026-11-26T08:00:00-06:00","end":null,"pathway":"vpn-corp-01 > jump-dmz-01","protocol":"rdp","activity":"Logic download to plc-filt-01"}"#;
        let a = sessions(&input[..]).next().unwrap().unwrap();
        assert_eq!(a.user.as_deref(), Some("CORP\\v-ridgeline"));
        assert_eq!(a.src.as_deref(), Some("198.51.100.40"));
        assert_eq!(a.dst.as_deref(), Some("ews-01"));
        assert_eq!(a.start, 1_795_701_600_000_000);
        assert_eq!(a.end, None);
        assert_eq!(a.pathway.as_deref(), Some("vpn-corp-01 > jump-dmz-01"));
        assert_eq!(a.protocol, None);
        assert!(a.changes_control);
    }

    #[test]
    fn session_errors() {
        let input = "{\"target\":\"ews-01\"}\n\
                     {\"start\":\"2026-11-26T08:00:00Z\"}\n\
                     {\"start\":\"2026-11-26T08:00:00Z\",\"end\":\"2026-11-26T07:00:00Z\",\"target\":\"x\"}\n\
                     {\"start\":\"yesterday\",\"target\":\"x\"}\n\
                     {\"start\":\"2026-11-26T08:00:00Z\",\"target\":\"x\",\"user\":42}\n\
                     not json\n";
        let reasons: Vec<_> = sessions(input.as_bytes()).map(|r| r.unwrap_err().reason).collect();
        assert_eq!(reasons[0], "field start: missing");
        assert_eq!(reasons[1], "field target: missing");
        assert_eq!(reasons[2], "field end: \"2026-11-26T07:00:00Z\" is before start");
        assert_eq!(reasons[3], "field start: \"yesterday\" is not an RFC 3339 time (the date is not YYYY-MM-DD)");
        assert_eq!(reasons[4], "field user: expected a string, found the number 42");
        assert!(reasons[5].starts_with("not valid JSON: "), "{}", reasons[5]);
    }
}
