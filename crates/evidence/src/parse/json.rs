//! Reading fields of a JSON-lines object, with errors that name the field.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{shown, time};

pub(crate) type Object = Map<String, Value>;

/// One line as a JSON object.
pub(crate) fn object(line: &str) -> Result<Object, String> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(format!("expected a JSON object, found {}", kind(&other))),
        Err(e) => {
            // serde_json says "at line 1 column N": the line is the source's, so only the column is kept.
            let message = e.to_string();
            let what = message.split(" at line ").next().unwrap_or(&message);
            Err(format!("not valid JSON: {what} (column {})", e.column()))
        }
    }
}

/// What kind of JSON value, for error messages.
pub(crate) fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", shown(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A key's value, treating `null` as absent.
pub(crate) fn get<'a>(o: &'a Object, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

/// An optional string field.
pub(crate) fn opt_str<'a>(o: &'a Object, key: &str) -> Result<Option<&'a str>, String> {
    match get(o, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(format!("field {key}: expected a string, found {}", kind(v))),
    }
}

/// An optional non-empty string field, trimmed, owned.
pub(crate) fn opt_text(o: &Object, key: &str) -> Result<Option<Box<str>>, String> {
    Ok(opt_str(o, key)?.map(str::trim).filter(|s| !s.is_empty()).map(Box::from))
}

/// An optional IP address field (kept as the text given).
pub(crate) fn opt_ip(o: &Object, key: &str) -> Result<Option<Box<str>>, String> {
    match opt_str(o, key)? {
        None => Ok(None),
        Some(s) if s.parse::<IpAddr>().is_ok() => Ok(Some(s.into())),
        Some(s) => Err(format!("field {key}: {} is not an IP address", shown(s))),
    }
}

/// An optional port field: a JSON number 0-65535 (or such a number as a string).
pub(crate) fn opt_port(o: &Object, key: &str) -> Result<Option<u16>, String> {
    let bad = |v: &Value| format!("field {key}: {} is not a port number (0-65535)", kind(v));
    match get(o, key) {
        None => Ok(None),
        Some(v @ Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()).map(Some).ok_or_else(|| bad(v)),
        Some(v @ Value::String(s)) => s.trim().parse::<u16>().map(Some).map_err(|_| bad(v)),
        Some(v) => Err(bad(v)),
    }
}

/// A time field given as an RFC 3339 string.
pub(crate) fn rfc3339_field(key: &str, v: &Value) -> Result<i64, String> {
    match v {
        Value::String(s) => {
            time::rfc3339(s).map_err(|why| format!("field {key}: {} is not an RFC 3339 time ({why})", shown(s)))
        }
        other => Err(format!("field {key}: expected an RFC 3339 time string, found {}", kind(other))),
    }
}

/// A required RFC 3339 time field.
pub(crate) fn req_rfc3339(o: &Object, key: &str) -> Result<i64, String> {
    match get(o, key) {
        None => Err(format!("field {key}: missing")),
        Some(v) => rfc3339_field(key, v),
    }
}

/// An optional RFC 3339 time field (`null` or absent is `None`).
pub(crate) fn opt_rfc3339(o: &Object, key: &str) -> Result<Option<i64>, String> {
    get(o, key).map(|v| rfc3339_field(key, v)).transpose()
}
