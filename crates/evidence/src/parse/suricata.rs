//! Suricata `eve.json`: one JSON object a line.
//!
//! Read: `alert` (its signature), `flow` (its start and end) and the
//! industrial protocol events `modbus`, `dnp3` and `enip` (their operation,
//! and whether it changes control). Alerts on those protocols carry the same
//! application-layer object and get the operation too. Every other event type
//! (`dns`, `http`, `tls`, `stats`, `fileinfo`...) is not activity Interlock
//! correlates and yields nothing.
//!
//! Layouts, as Suricata 7/8 write them:
//! - `modbus`: `{"modbus": {"id", "request": {"function_raw": 16, "function_code": "WrMultRegs", ...}, "response": {...}}}`
//! - `dnp3` events: `{"dnp3": {"type": "request", "application": {"function_code": 5, ...}}}`;
//!   on alerts: `{"dnp3": {"request": {"application": {...}}, "response": {...}}}`
//! - `enip`: `{"enip": {"request": {"command", "cip": {"service": "Write Data", "multiple": [...]}}, "response": {...}}}`
//!
//! `timestamp` is written `2026-11-26T08:10:00.123456-0600` (offset without a colon).

use std::io::BufRead;

use serde_json::Value;

use super::json::{self, Object};
use super::lines::{JsonLines, Lines};
use super::{operation, recognise, transport};
use crate::activity::{Activity, Format, LineError, Protocol, Recognised};
use crate::protocol;

/// Activity from Suricata eve.json lines in `reader`.
pub fn suricata<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Activity, LineError>> {
    JsonLines { lines: Lines::new(reader), record }
}

/// The event types read; every other yields nothing.
const EVENT_TYPES: &[&str] = &["alert", "flow", "modbus", "dnp3", "enip", "cip"];

fn record(line: u64, text: &str) -> Result<Option<Activity>, String> {
    let o = json::object(text)?;
    let event_type = json::opt_str(&o, "event_type")?.ok_or("field event_type: missing")?;
    if !EVENT_TYPES.contains(&event_type) {
        return Ok(None);
    }
    let mut a = Activity::new(Format::Suricata, line, json::req_rfc3339(&o, "timestamp")?);
    a.src = json::opt_ip(&o, "src_ip")?;
    a.src_port = json::opt_port(&o, "src_port")?;
    a.dst = json::opt_ip(&o, "dest_ip")?;
    a.dst_port = json::opt_port(&o, "dest_port")?;
    a.transport = json::opt_str(&o, "proto")?.map(transport);
    // A protocol event states its protocol; otherwise app_proto may (it is "failed" or absent when
    // Suricata could not tell). By port, the destination is tried first: an alert on a response
    // packet has the server port as its source.
    let stated = match event_type {
        "modbus" => Some("modbus"),
        "dnp3" => Some("dnp3"),
        "enip" | "cip" => Some("enip"),
        _ => json::opt_str(&o, "app_proto")?,
    };
    a.protocol = recognise(stated, a.transport, &[a.dst_port, a.src_port]);

    match event_type {
        "alert" => {
            let alert = object(&o, "alert", "alert")?.ok_or("field alert: missing")?;
            a.alert = json::opt_text(alert, "signature").map_err(|e| e.replacen("field ", "field alert.", 1))?;
        }
        "flow" => {
            if let Some(flow) = object(&o, "flow", "flow")? {
                let nested = |e: String| e.replacen("field ", "field flow.", 1);
                if let Some(start) = json::opt_rfc3339(flow, "start").map_err(nested)? {
                    a.start = start;
                }
                a.end = json::opt_rfc3339(flow, "end").map_err(nested)?;
                if a.end.is_some_and(|end| end < a.start) {
                    return Err("field flow.end: before flow.start".into());
                }
            }
        }
        _ => {}
    }

    if let Some((p, op, changes_control)) = app_operation(&o)? {
        a.operation = Some(op);
        a.changes_control = changes_control;
        a.protocol = Some((p, Recognised::Stated));
    }
    Ok(Some(a))
}

/// An object-valued key of `o`; `path` names it in errors.
fn object<'a>(o: &'a Object, key: &str, path: &str) -> Result<Option<&'a Object>, String> {
    match json::get(o, key) {
        None => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(v) => Err(format!("field {path}: expected an object, found {}", json::kind(v))),
    }
}

/// A number-valued key of `o`.
fn number(o: &Object, key: &str, path: &str) -> Result<Option<u64>, String> {
    match json::get(o, key) {
        None => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(v) => Err(format!("field {path}: expected a whole number, found {}", json::kind(v))),
    }
}

/// A string-valued key of `o`.
fn string<'a>(o: &'a Object, key: &str, path: &str) -> Result<Option<&'a str>, String> {
    match json::get(o, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(format!("field {path}: expected a string, found {}", json::kind(v))),
    }
}

/// The industrial operation an event or alert records, from its `modbus`,
/// `dnp3` or `enip` object.
fn app_operation(o: &Object) -> Result<Option<(Protocol, Box<str>, bool)>, String> {
    if let Some(m) = object(o, "modbus", "modbus")? {
        return modbus(m).map(|op| op.map(|(name, cc)| (Protocol::Modbus, name, cc)));
    }
    if let Some(d) = object(o, "dnp3", "dnp3")? {
        return dnp3(d).map(|op| op.map(|(name, cc)| (Protocol::Dnp3, name, cc)));
    }
    for key in ["enip", "cip"] {
        if let Some(e) = object(o, key, key)? {
            return enip(e, key).map(|op| op.map(|(name, cc)| (Protocol::EtherNetIp, name, cc)));
        }
    }
    Ok(None)
}

fn modbus(m: &Object) -> Result<Option<(Box<str>, bool)>, String> {
    let (msg, path) = match object(m, "request", "modbus.request")? {
        Some(req) => (req, "modbus.request"),
        None => match object(m, "response", "modbus.response")? {
            Some(resp) => (resp, "modbus.response"),
            None => return Ok(None),
        },
    };
    let name = string(msg, "function_code", &format!("{path}.function_code"))?;
    // An exception response has the function code with its high bit set.
    let raw = number(msg, "function_raw", &format!("{path}.function_raw"))?.map(|r| r & 0x7f);
    let known = name
        .and_then(|n| protocol::operation(Protocol::Modbus, n))
        .or_else(|| raw.and_then(|r| protocol::operation(Protocol::Modbus, &r.to_string())));
    Ok(match (known, name, raw) {
        (Some(op), _, _) => Some((op.name.into(), op.changes_control)),
        (None, _, Some(r)) => Some((r.to_string().into(), false)),
        (None, Some(n), None) => Some((n.into(), false)),
        (None, None, None) => None,
    })
}

fn dnp3(d: &Object) -> Result<Option<(Box<str>, bool)>, String> {
    // A dnp3 event has the application layer at the top; an alert has request and response.
    let application = match object(d, "application", "dnp3.application")? {
        Some(app) => Some((app, "dnp3.application")),
        None => {
            let mut found = None;
            for (key, path) in [("request", "dnp3.request"), ("response", "dnp3.response")] {
                if let Some(msg) = object(d, key, path)? {
                    let app_path =
                        if key == "request" { "dnp3.request.application" } else { "dnp3.response.application" };
                    if let Some(app) = object(msg, "application", app_path)? {
                        found = Some((app, app_path));
                        break;
                    }
                }
            }
            found
        }
    };
    let Some((app, path)) = application else { return Ok(None) };
    let Some(code) = number(app, "function_code", &format!("{path}.function_code"))? else { return Ok(None) };
    Ok(Some(operation(Protocol::Dnp3, &code.to_string())))
}

/// A CIP service as Suricata logs it: a name ("Write Data") or `unknown-<code>`.
fn cip_service(s: &str) -> (Box<str>, bool) {
    match s.strip_prefix("unknown-") {
        Some(code) => operation(Protocol::EtherNetIp, code),
        None => operation(Protocol::EtherNetIp, s),
    }
}

fn enip(e: &Object, key: &str) -> Result<Option<(Box<str>, bool)>, String> {
    for part in ["request", "response"] {
        let path = format!("{key}.{part}");
        let Some(msg) = object(e, part, &path)? else { continue };
        if let Some(cip) = object(msg, "cip", &format!("{path}.cip"))? {
            let Some(service) = string(cip, "service", &format!("{path}.cip.service"))? else { continue };
            let (name, changes_control) = cip_service(service);
            // A Multiple_Service_Packet is what its embedded services do: the first that changes control.
            if let Some(Value::Array(items)) = json::get(cip, "multiple") {
                let embedded = items
                    .iter()
                    .filter_map(|item| item.get("service").and_then(Value::as_str))
                    .map(cip_service)
                    .find(|(_, cc)| *cc);
                if let Some(found) = embedded {
                    return Ok(Some(found));
                }
            }
            return Ok(Some((name, changes_control)));
        }
        // No CIP: the encapsulation command (List Identity, Register Session...) is the operation.
        if let Some(command) = string(msg, "command", &format!("{path}.command"))? {
            return Ok(Some((command.trim().into(), false)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn one(line: &str) -> Result<Activity, LineError> {
        let mut got: Vec<_> = suricata(line.as_bytes()).collect();
        assert_eq!(got.len(), 1, "{got:?}");
        got.remove(0)
    }

    const COMMON: &str =
        r#""src_ip":"10.30.2.77","src_port":51512,"dest_ip":"10.30.16.10","dest_port":502,"proto":"TCP""#;

    #[test]
    fn modbus_event() {
        let a = one(&format!(
            r#"{{"timestamp":"2026-11-26T08:10:00.123456-0600","event_type":"modbus",{COMMON},"modbus":{{"id":1,"request":{{"transaction_id":7,"protocol_id":0,"unit_id":1,"function_raw":16,"function_code":"WrMultRegs","access_type":"WRITE MULTIPLE | HOLDING","category":"PUBLIC_ASSIGNED","error_flags":"NONE"}}}}}}"#
        ))
        .unwrap();
        assert_eq!(a.start, 1_795_702_200_123_456);
        assert_eq!(a.protocol, Some((Protocol::Modbus, Recognised::Stated)));
        assert_eq!(a.operation.as_deref(), Some("write_multiple_registers"));
        assert!(a.changes_control);
    }

    #[test]
    fn modbus_exception_and_unknown() {
        let a = one(&format!(
            r#"{{"timestamp":"2026-11-26T14:00:00Z","event_type":"modbus",{COMMON},"modbus":{{"response":{{"function_raw":133,"function_code":"WrSingleCoil"}}}}}}"#
        ))
        .unwrap();
        assert_eq!(a.operation.as_deref(), Some("write_single_coil"));
        assert!(a.changes_control);
        let a = one(&format!(
            r#"{{"timestamp":"2026-11-26T14:00:00Z","event_type":"modbus",{COMMON},"modbus":{{"request":{{"function_raw":65,"function_code":"Unknown"}}}}}}"#
        ))
        .unwrap();
        assert_eq!(a.operation.as_deref(), Some("65"));
        assert!(!a.changes_control);
    }

    #[test]
    fn dnp3_event_and_alert() {
        let a = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"dnp3","src_ip":"10.30.2.10","src_port":50000,"dest_ip":"10.30.19.10","dest_port":20000,"proto":"TCP","dnp3":{"type":"request","application":{"function_code":5,"complete":true}}}"#).unwrap();
        assert_eq!(a.operation.as_deref(), Some("direct_operate"));
        assert!(a.changes_control);
        let a = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"alert","src_ip":"10.30.19.10","src_port":20000,"dest_ip":"10.30.2.10","dest_port":50000,"proto":"TCP","app_proto":"dnp3","alert":{"signature":"SURICATA DNP3 Unknown object"},"dnp3":{"request":{"application":{"function_code":13}}}}"#).unwrap();
        assert_eq!(a.alert.as_deref(), Some("SURICATA DNP3 Unknown object"));
        assert_eq!(a.operation.as_deref(), Some("cold_restart"));
        assert!(a.changes_control);
        assert_eq!(a.protocol, Some((Protocol::Dnp3, Recognised::Stated)));
    }

    #[test]
    fn enip_services() {
        let a = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"enip","src_ip":"10.30.2.30","dest_ip":"10.30.13.10","dest_port":44818,"proto":"TCP","enip":{"request":{"command":"Send RR Data","status":"SUCCESS","cip":{"service":"Multiple Service Packet","multiple":[{"service":"Read Data"},{"service":"Write Data"}]}}}}"#).unwrap();
        assert_eq!(a.operation.as_deref(), Some("write_tag"));
        assert!(a.changes_control);
        let a = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"enip","dest_port":44818,"enip":{"request":{"command":"List Identity"}}}"#).unwrap();
        assert_eq!(a.operation.as_deref(), Some("List Identity"));
        assert!(!a.changes_control);
        let a = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"enip","enip":{"request":{"cip":{"service":"unknown-16"}}}}"#).unwrap();
        assert_eq!(a.operation.as_deref(), Some("set_attribute_single"));
        assert!(a.changes_control);
    }

    #[test]
    fn flow_times() {
        let a = one(r#"{"timestamp":"2026-11-26T08:20:00.000000-0600","event_type":"flow","src_ip":"10.30.2.30","src_port":50321,"dest_ip":"10.30.13.10","dest_port":44818,"proto":"TCP","app_proto":"enip","flow":{"start":"2026-11-26T08:05:00.000000-0600","end":"2026-11-26T08:15:00.500000-0600"}}"#).unwrap();
        assert_eq!(a.start, 1_795_702_200_000_000 - 5 * 60 * 1_000_000);
        assert_eq!(a.end, Some(1_795_702_200_000_000 + 5 * 60 * 1_000_000 + 500_000));
        assert_eq!(a.protocol, Some((Protocol::EtherNetIp, Recognised::Stated)));
    }

    #[test]
    fn skipped_and_errors() {
        assert_eq!(suricata(&br#"{"timestamp":"x","event_type":"dns"}"#[..]).count(), 0);
        assert_eq!(suricata(&br#"{"timestamp":"x","event_type":"stats","stats":{}}"#[..]).count(), 0);
        let e = one(r#"{"event_type":"alert"}"#).unwrap_err();
        assert_eq!(e.reason, "field timestamp: missing");
        let e = one(r#"{"timestamp":"2026-11-26T14:00:00","event_type":"flow"}"#).unwrap_err();
        assert_eq!(
            e.reason,
            "field timestamp: \"2026-11-26T14:00:00\" is not an RFC 3339 time (there is no UTC offset (add Z or +hh:mm))"
        );
        let e = one(r#"{"timestamp":"2026-11-26T14:00:00Z"}"#).unwrap_err();
        assert_eq!(e.reason, "field event_type: missing");
        let e =
            one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"alert","alert":{"signature":7}}"#).unwrap_err();
        assert_eq!(e.reason, "field alert.signature: expected a string, found the number 7");
        let e = one(r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"flow","dest_ip":"plc"}"#).unwrap_err();
        assert_eq!(e.reason, "field dest_ip: \"plc\" is not an IP address");
        let e = one(
            r#"{"timestamp":"2026-11-26T14:00:00Z","event_type":"modbus","modbus":{"request":{"function_raw":"x"}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.reason, "field modbus.request.function_raw: expected a whole number, found the string \"x\"");
    }
}
