//! A STIX 2.1 bundle of an incident: an `identity` for the site's
//! organisation, the `incident`, its observables (addresses and host names of
//! the assets it names, SHA-256 hashes of evidence artefacts, user accounts
//! that response actions target), a `course-of-action` for every approved or
//! executed response action, `relationship`s tying them, and a `grouping`
//! that references everything.
//!
//! Ids are deterministic, so the same incident always exports the same
//! bundle: cyber-observable ids are UUIDv5 in the STIX namespace over their
//! id-contributing properties (canonical JSON, as STIX 2.1 section 2.9
//! requires); other ids are the SHA-256 of the incident id and the object's
//! key, shaped as a version-4 UUID. Times are the incident's own, in UTC
//! with milliseconds.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use impact::{Action, Target};
use incident::{ActionStatus, Body, Incident, Timestamp};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use site_model::{AssetIx, Site};
use uuid::Uuid;

/// The STIX 2.1 namespace for cyber-observable ids.
pub const STIX_NAMESPACE: Uuid =
    Uuid::from_bytes([0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7]);

/// A timestamp as STIX writes it: UTC, milliseconds, `Z`.
pub fn stix_time(t: Timestamp) -> String {
    let micros = t.micros();
    let secs = micros.div_euclid(1_000_000);
    let millis = micros.rem_euclid(1_000_000) / 1000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", sod / 3600, sod / 60 % 60, sod % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
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

/// The id of a domain object: SHA-256 of the incident id and the object's key, as a version-4 UUID.
pub fn sdo_id(kind: &str, incident: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(incident.as_bytes());
    h.update([0u8]);
    h.update(kind.as_bytes());
    h.update([0u8]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!("{kind}--{}", uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// Canonical JSON (RFC 8785) of an object whose values are strings or such objects.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let parts: Vec<String> =
                keys.iter().map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[k.as_str()]))).collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// The id of a cyber observable: UUIDv5 in the STIX namespace over its id-contributing properties.
pub fn sco_id(kind: &str, contributing: &Value) -> String {
    format!("{kind}--{}", Uuid::new_v5(&STIX_NAMESPACE, canonical(contributing).as_bytes()))
}

/// An observable and the objects it stands for, for relationships.
struct Observable {
    id: String,
    object: Value,
}

fn observable(kind: &str, props: Map<String, Value>, contributing: &[&str]) -> Observable {
    let mut idp = Map::new();
    for k in contributing {
        if let Some(v) = props.get(*k) {
            idp.insert((*k).to_string(), v.clone());
        }
    }
    let id = sco_id(kind, &Value::Object(idp));
    let mut object = Map::new();
    object.insert("type".into(), json!(kind));
    object.insert("spec_version".into(), json!("2.1"));
    object.insert("id".into(), json!(id));
    object.extend(props);
    Observable { id, object: Value::Object(object) }
}

/// The observable an address of the site model is: an IPv4 or IPv6 address, or a host name.
fn address(text: &str) -> Option<Observable> {
    let ip = text.split('/').next().unwrap_or(text);
    let mut props = Map::new();
    props.insert("value".into(), json!(text));
    if ip.parse::<Ipv4Addr>().is_ok() {
        Some(observable("ipv4-addr", props, &["value"]))
    } else if ip.parse::<Ipv6Addr>().is_ok() {
        Some(observable("ipv6-addr", props, &["value"]))
    } else if text.contains('.')
        && text.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        Some(observable("domain-name", props, &["value"]))
    } else {
        None
    }
}

fn account(site: &Site, ix: site_model::AccountIx) -> Option<Observable> {
    let a = site.accounts.get(ix.ix())?;
    let mut props = Map::new();
    props.insert("user_id".into(), json!(&*a.username));
    if a.username.contains('\\') {
        props.insert("account_type".into(), json!("windows-domain"));
    }
    props.insert("display_name".into(), json!(&*a.id));
    if a.privileged {
        props.insert("is_privileged".into(), json!(true));
    }
    Some(observable("user-account", props, &["account_type", "user_id", "account_login"]))
}

/// What an action's targets name, as assets and accounts.
fn targets(site: &Site, text: &str) -> (Vec<AssetIx>, Vec<site_model::AccountIx>, Vec<String>) {
    let (mut assets, mut accounts, mut addresses) = (Vec::new(), Vec::new(), Vec::new());
    let Ok(action) = Action::parse(site, text) else { return (assets, accounts, addresses) };
    for t in &action.targets {
        match t {
            Target::Asset(a) => assets.push(*a),
            Target::Account(a) => accounts.push(*a),
            Target::Address(addr, asset) => {
                addresses.push(addr.to_string());
                assets.extend(asset.iter().copied());
            }
            Target::Pathway(v, p) => {
                if let Some(pw) = site.vendors.get(v.ix()).and_then(|v| v.pathways.get(*p)) {
                    accounts.extend(pw.accounts.iter().copied());
                    assets.extend(pw.via.iter().copied());
                    assets.extend(pw.targets.iter().copied());
                }
            }
            _ => {}
        }
    }
    (assets, accounts, addresses)
}

/// Has the action been decided for (approved, by override or not) or applied?
fn approved_or_executed(s: ActionStatus) -> bool {
    !matches!(s, ActionStatus::Pending | ActionStatus::Rejected | ActionStatus::Vetoed | ActionStatus::Withdrawn)
}

/// The STIX 2.1 bundle of an incident.
pub fn bundle(site: &Site, inc: &Incident) -> Value {
    let id = inc.id();
    let opened = stix_time(inc.opened_at());
    let last = inc.events().last().map(|e| stix_time(e.recorded_at)).unwrap_or_else(|| opened.clone());
    let org = site.info.organisation.as_deref().unwrap_or(&site.info.name);
    let identity_id = sdo_id("identity", id, &format!("organisation:{}", site.info.id));
    let incident_id = sdo_id("incident", id, "incident");
    let mut objects: Vec<Value> = Vec::new();
    objects.push(json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id,
        "created": opened, "modified": opened,
        "name": org, "identity_class": "organization",
        "description": format!("{} ({})", site.info.name, site.info.id),
    }));
    let mut description = format!(
        "{}\n\nStatus {}, phase {}, severity {}, category {}. Exported by Interlock from {} events; chain head {}.",
        inc.opened.summary,
        inc.status,
        inc.phase,
        inc.severity,
        inc.category,
        inc.seq(),
        inc.head()
    );
    if let Some(s) = &site.info.description {
        description.push_str(&format!("\n\nSite: {s}"));
    }
    objects.push(json!({
        "type": "incident", "spec_version": "2.1", "id": incident_id,
        "created_by_ref": identity_id,
        "created": opened, "modified": last,
        "name": format!("{}: {}", id, inc.opened.title),
        "description": description,
    }));

    // Observables, each once, in the order first named.
    let mut seen = BTreeSet::new();
    let mut scos: Vec<Value> = Vec::new();
    let mut add = |o: Observable, scos: &mut Vec<Value>| -> String {
        if seen.insert(o.id.clone()) {
            scos.push(o.object);
        }
        o.id
    };
    let mut named: Vec<AssetIx> = Vec::new();
    for e in inc.events() {
        let Some(body) = inc.effective(e.seq) else { continue };
        for a in body.assets() {
            if let Some(ix) = site.asset_by_id(a)
                && !named.contains(&ix)
            {
                named.push(ix);
            }
        }
    }
    let asset_observables = |ix: AssetIx| -> Vec<Observable> {
        site.assets.get(ix.ix()).map(|a| a.addresses.iter().filter_map(|x| address(x)).collect()).unwrap_or_default()
    };
    let mut incident_refs: Vec<String> = Vec::new();
    for ix in &named {
        for o in asset_observables(*ix) {
            let sid = add(o, &mut scos);
            if !incident_refs.contains(&sid) {
                incident_refs.push(sid);
            }
        }
    }
    let mut evidence_refs: Vec<String> = Vec::new();
    for seq in inc.evidence.keys() {
        let Some(Body::EvidenceCollected(e)) = inc.effective(*seq) else { continue };
        let Some(h) = e.sha256 else { continue };
        let mut props = Map::new();
        props.insert("hashes".into(), json!({ "SHA-256": h.hex() }));
        let sid = add(observable("file", props, &["hashes", "name", "extensions", "parent_directory_ref"]), &mut scos);
        if !evidence_refs.contains(&sid) {
            evidence_refs.push(sid);
        }
    }

    // Courses of action, and what each one targets.
    let mut coas: Vec<Value> = Vec::new();
    let mut coa_targets: Vec<(String, Vec<String>)> = Vec::new();
    for (seq, a) in &inc.actions {
        if !approved_or_executed(a.status) {
            continue;
        }
        let Some(p) = inc.proposal(*seq) else { continue };
        let coa_id = sdo_id("course-of-action", id, &format!("action:{seq}"));
        let modified = inc
            .events()
            .iter()
            .filter(|e| e.body.action_ref() == Some(*seq))
            .map(|e| stix_time(e.recorded_at))
            .next_back()
            .unwrap_or_else(|| stix_time(a.proposed_at));
        let how = if a.overridden.is_some() { "approved by emergency override" } else { "approved" };
        coas.push(json!({
            "type": "course-of-action", "spec_version": "2.1", "id": coa_id,
            "created_by_ref": identity_id,
            "created": stix_time(a.proposed_at), "modified": modified,
            "name": format!("#{seq} {}", p.action),
            "description": format!(
                "Response action #{seq} `{}`, proposed by {}: {}. Safety verdict {}; {how}; now {}.",
                p.action, a.proposer, p.rationale, p.assessment.verdict.as_str(), a.status
            ),
        }));
        let (assets, accounts, addresses) = targets(site, &p.action);
        let mut refs = Vec::new();
        for ix in assets {
            for o in asset_observables(ix) {
                let sid = add(o, &mut scos);
                if !refs.contains(&sid) {
                    refs.push(sid);
                }
            }
        }
        for ix in accounts {
            if let Some(o) = account(site, ix) {
                let sid = add(o, &mut scos);
                if !refs.contains(&sid) {
                    refs.push(sid);
                }
            }
        }
        for addr in addresses {
            if let Some(o) = address(&addr) {
                let sid = add(o, &mut scos);
                if !refs.contains(&sid) {
                    refs.push(sid);
                }
            }
        }
        coa_targets.push((coa_id, refs));
    }

    // Relationships.
    let mut rels: Vec<Value> = Vec::new();
    let mut rel = |source: &str, kind: &str, target: &str, description: String| {
        rels.push(json!({
            "type": "relationship", "spec_version": "2.1",
            "id": sdo_id("relationship", id, &format!("{source} {kind} {target}")),
            "created_by_ref": identity_id,
            "created": opened, "modified": last,
            "relationship_type": kind,
            "source_ref": source, "target_ref": target,
            "description": description,
        }));
    };
    for r in &incident_refs {
        rel(&incident_id, "related-to", r, "an address of an asset the incident names".into());
    }
    for r in &evidence_refs {
        rel(&incident_id, "related-to", r, "an evidence artefact of the incident".into());
    }
    for (coa, refs) in &coa_targets {
        rel(coa, "related-to", &incident_id, "a response action taken in the incident".into());
        for r in refs {
            rel(coa, "related-to", r, "a target of the response action".into());
        }
    }

    objects.extend(scos);
    objects.extend(coas);
    objects.extend(rels);
    let refs: Vec<Value> = objects.iter().filter_map(|o| o.get("id").cloned()).collect();
    objects.push(json!({
        "type": "grouping", "spec_version": "2.1",
        "id": sdo_id("grouping", id, "grouping"),
        "created_by_ref": identity_id,
        "created": opened, "modified": last,
        "name": format!("Interlock export of {id}"),
        "description": format!("Everything Interlock exports of incident {id}: {}", inc.opened.title),
        "context": "suspicious-activity",
        "object_refs": refs,
    }));
    json!({
        "type": "bundle",
        "id": sdo_id("bundle", id, "bundle"),
        "objects": objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observable_ids_match_the_spec() {
        // Computed independently: python3 -c "import uuid; print(uuid.uuid5(uuid.UUID(
        //   '00abedb4-aa42-466c-9c01-fed23315a9b7'), '{\"value\":\"10.10.0.1\"}'))"
        assert_eq!(
            sco_id("ipv4-addr", &json!({"value": "10.10.0.1"})),
            "ipv4-addr--4cfa2e2b-5548-5d18-8960-ed5e1b33db11"
        );
        assert_eq!(sco_id("file", &json!({"hashes": {"SHA-256": "aa"}})), "file--25ff7a47-62fd-581e-a28d-ebc8f0e249f3");
    }

    #[test]
    fn canonical_json_sorts_keys_and_has_no_spaces() {
        let v = json!({"user_id": "a\"b", "account_type": "unix", "hashes": {"SHA-256": "ab"}});
        assert_eq!(canonical(&v), r#"{"account_type":"unix","hashes":{"SHA-256":"ab"},"user_id":"a\"b"}"#);
    }

    #[test]
    fn domain_object_ids_are_deterministic_version_4() {
        let a = sdo_id("incident", "INC-1", "incident");
        assert_eq!(a, sdo_id("incident", "INC-1", "incident"));
        assert_ne!(a, sdo_id("incident", "INC-2", "incident"));
        let u = Uuid::parse_str(a.trim_start_matches("incident--")).ok();
        assert_eq!(u.map(|u| u.get_version_num()), Some(4));
        assert_eq!(u.map(|u| u.get_variant()), Some(uuid::Variant::RFC4122));
    }

    #[test]
    fn times_are_utc_with_milliseconds() {
        let t = Timestamp::parse("2026-11-26T08:05:00.25-06:00").ok();
        assert_eq!(t.map(stix_time).as_deref(), Some("2026-11-26T14:05:00.250Z"));
        let t = Timestamp::parse("2024-02-29T23:59:59Z").ok();
        assert_eq!(t.map(stix_time).as_deref(), Some("2024-02-29T23:59:59.000Z"));
    }

    #[test]
    fn addresses_become_the_right_observables() {
        let kind = |s: &str| address(s).and_then(|o| o.object.get("type").and_then(|t| t.as_str()).map(String::from));
        assert_eq!(kind("10.10.0.1").as_deref(), Some("ipv4-addr"));
        assert_eq!(kind("10.10.0.0/24").as_deref(), Some("ipv4-addr"));
        assert_eq!(kind("fe80::1").as_deref(), Some("ipv6-addr"));
        assert_eq!(kind("vpn.riverbend.example").as_deref(), Some("domain-name"));
        assert_eq!(kind("COM3"), None);
    }
}
