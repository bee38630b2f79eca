//! The incident's record as a document of its own, and its checks offline:
//! the JSON export (every event with its canonical encoding and chain hash,
//! so the file verifies with nothing but this code), the readable Markdown
//! timeline, signed checkpoints as small files to keep elsewhere, and the
//! offline verification of an export and of checkpoint files against it.
//!
//! The CLI (`interlock incident show --json|export|verify|checkpoint|sign`)
//! and the server (`/api/incidents/{id}/export`, `/api/verify`,
//! `/api/incidents/{id}/checkpoints`) call these functions, so the two
//! write and check the same documents. Pure: no I/O, no clock, no async.

use incident::describe::{describe, opt, who};
use incident::*;
use serde_json::{Value, json};
use site_model::Site;

/// The export format's version; the event encoding's version is recorded beside it.
pub const EXPORT_FORMAT: u32 = 1;

fn strs(v: &[Box<str>]) -> Value {
    Value::Array(v.iter().map(|s| Value::String(s.to_string())).collect())
}

/// What an event records, as JSON (the `body` of an event in `show --json` and in the export).
pub fn body_json(body: &Body) -> Value {
    match body {
        Body::Opened(o) => json!({
            "title": &*o.title, "summary": &*o.summary, "category": o.category.as_str(),
            "severity": o.severity.as_str(), "site_version": o.site_version.to_string(),
        }),
        Body::Escalated { reason } | Body::Dismissed { reason } => json!({ "reason": &**reason }),
        Body::Declared { reason, site_version } => {
            json!({ "reason": &**reason, "site_version": site_version.to_string() })
        }
        Body::SeverityChanged { severity, reason } => json!({ "severity": severity.as_str(), "reason": &**reason }),
        Body::CategoryChanged { category, reason } => json!({ "category": category.as_str(), "reason": &**reason }),
        Body::PhaseChanged { phase, reason } => json!({ "phase": phase.as_str(), "reason": &**reason }),
        Body::SituationAssessed(s) => json!({
            "process": s.process.as_deref(), "process_state": s.process_state.map(|x| x.as_str()),
            "control": s.control.map(|x| x.as_str()), "view": s.view.map(|x| x.as_str()),
            "reason": &*s.reason, "evidence": s.evidence,
        }),
        Body::Assigned { role, person, reason, site_version } => json!({
            "role": &**role, "person": &**person, "reason": &**reason, "site_version": site_version.to_string(),
        }),
        Body::Relieved { role, reason } => json!({ "role": &**role, "reason": &**reason }),
        Body::HandedOver(h) => {
            let s = &h.briefing.snapshot;
            json!({
                "role": &*h.role, "from": &*h.from, "to": &*h.to, "reason": &*h.reason,
                "briefing": {
                    "current_actions": &*h.briefing.current_actions,
                    "as_of": s.as_of, "status": s.status.as_str(), "severity": s.severity.as_str(),
                    "category": s.category.as_str(), "phase": s.phase.as_str(),
                    "process_state": s.process_state.map(|x| x.as_str()), "control": s.control.map(|x| x.as_str()),
                    "view": s.view.map(|x| x.as_str()),
                    "positions": s.assignments.iter().map(|(r, p)| json!({ "role": &**r, "person": &**p })).collect::<Vec<_>>(),
                    "open_hypotheses": s.open_hypotheses, "decisions": s.decisions, "evidence": s.evidence,
                },
            })
        }
        Body::Note(n) => json!({ "text": &*n.text, "domain": n.domain.map(|d| d.as_str()) }),
        Body::Observation(o) => json!({
            "text": &*o.text, "observed_at": o.observed_at.to_string(), "domain": o.domain.map(|d| d.as_str()),
            "assets": strs(&o.assets),
        }),
        Body::EvidenceCollected(e) => json!({
            "title": &*e.title, "source": e.source.as_str(), "side": e.source.side().as_str(),
            "sha256": e.sha256.map(|h| h.to_string()), "location": e.location.as_deref(),
            "collected_by": &*e.collected_by, "collected_at": e.collected_at.to_string(), "assets": strs(&e.assets),
            "description": e.description.as_deref(),
        }),
        Body::CustodyTransferred(c) => json!({
            "evidence": c.evidence, "from": &*c.from, "to": &*c.to, "at": c.at.to_string(), "reason": &*c.reason,
        }),
        Body::HypothesisProposed(h) => json!({
            "statement": &*h.statement, "evidence_for": h.evidence_for, "evidence_against": h.evidence_against,
        }),
        Body::HypothesisUpdated(u) => json!({
            "hypothesis": u.hypothesis, "status": u.status.as_str(), "evidence_for": u.evidence_for,
            "evidence_against": u.evidence_against, "reason": &*u.reason,
        }),
        Body::DecisionRecorded(d) => json!({
            "title": &*d.title, "options": strs(&d.options), "choice": d.choice,
            "chosen": d.options.get(d.choice as usize).map(|s| &**s), "rationale": &*d.rationale,
            "decided_by": strs(&d.decided_by),
            "dissent": d.dissent.iter().map(|x| json!({ "person": &*x.person, "text": &*x.text })).collect::<Vec<_>>(),
            "evidence": d.evidence, "domain": d.domain.map(|x| x.as_str()), "site_version": d.site_version.to_string(),
            "authority_version": d.authority_version.map(|a| a.to_string()),
        }),
        Body::CommunicationPublished(c) => {
            json!({ "audience": &*c.audience, "channel": &*c.channel, "text": &*c.text })
        }
        Body::ActionProposed(p) => json!({
            "action": &*p.action, "rationale": &*p.rationale, "evidence": p.evidence, "phase": p.phase.as_str(),
            "site_version": p.site_version.to_string(), "authority_version": p.authority_version.to_string(),
            "assessment": assessment_json(&p.assessment),
        }),
        Body::ActionApproved(s) | Body::ActionRejected(s) => json!({
            "action": s.action, "rationale": &*s.rationale, "roles": strs(&s.roles), "side": s.side.map(|d| d.as_str()),
            "site_version": s.site_version.to_string(), "authority_version": s.authority_version.to_string(),
        }),
        Body::ActionEscalated(e) => json!({
            "action": e.action, "level": e.level, "cause": e.cause.as_str(), "reason": &*e.reason,
        }),
        Body::ActionOverridden(o) => json!({
            "action": o.action, "rationale": &*o.rationale, "site_version": o.site_version.to_string(),
            "authority_version": o.authority_version.to_string(),
        }),
        Body::MeasureConfirmed(m) => json!({ "action": m.action, "measure": m.measure, "note": &*m.note }),
        Body::ExecutionStarted(n) | Body::ActionWithdrawn(n) => json!({ "action": n.action, "note": &*n.note }),
        Body::ExecutionReported(r) | Body::ActionRolledBack(r) => {
            json!({ "action": r.action, "outcome": r.outcome.as_str(), "note": &*r.note })
        }
        Body::ActionVerified(v) => json!({ "action": v.action, "result": v.result.as_str(), "note": &*v.note }),
        Body::RecoveryPlanned(p) => json!({
            "site_version": p.site_version.to_string(),
            "items": p.items.iter().map(|i| json!({
                "asset": &*i.asset, "stage": &*i.stage, "reason": &*i.reason, "reentry": i.reentry.as_deref(),
                "checks": i.checks.iter().map(|c| json!({
                    "kind": &*c.kind, "expected": c.expected.as_deref(), "source": &*c.source,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
        Body::RecoveryReordered(r) => {
            json!({ "asset": &*r.asset, "after": r.after.as_deref(), "reason": &*r.reason })
        }
        Body::CheckRecorded(c) => json!({
            "asset": &*c.asset, "kind": &*c.kind, "observed": &*c.observed, "expected": c.expected.as_deref(),
            "passed": c.passed, "detail": &*c.detail, "artefact": c.artefact.map(|a| a.to_string()),
            "note": c.note.as_deref(),
        }),
        Body::MonitoringStarted(m) => json!({
            "assets": strs(&m.assets), "until": m.until.to_string(), "criteria": strs(&m.criteria),
        }),
        Body::MonitoringEnded(m) => json!({ "window": m.window, "reason": &*m.reason }),
        Body::RecoveryEnded(r) => json!({ "reason": &*r.reason, "open_items": strs(&r.open_items) }),
        Body::PeriodOpened(p) => json!({
            "start": p.start.to_string(), "end": p.end.to_string(), "objectives": strs(&p.objectives),
            "safety": &*p.safety, "safety_by": &*p.safety_by,
        }),
        Body::SafetyConsiderations(s) => json!({ "period": s.period, "safety": &*s.safety }),
        Body::PeriodClosed(c) => {
            json!({ "period": c.period, "summary": strs(&c.summary), "note": c.note.as_deref() })
        }
        Body::TaskAdded(t) => json!({
            "title": &*t.title, "owner": t.owner.as_deref(), "role": t.role.as_deref(), "domain": t.domain.as_str(),
            "assets": strs(&t.assets), "due": t.due.map(|d| d.to_string()), "hypothesis": t.hypothesis,
            "evidence": t.evidence,
            "measure": t.measure.map(|(action, measure)| json!({ "action": action, "measure": measure })),
            "collection": t.collection.as_ref().map(|c| json!({
                "method": &*c.method, "intrusiveness": c.intrusiveness.as_str(),
            })),
        }),
        Body::TaskUpdated(u) => json!({
            "task": u.task, "status": u.status.as_str(), "note": u.note.as_deref(), "action": u.action,
        }),
        Body::FollowUpRecorded(f) => json!({ "item": &*f.item, "text": &*f.text, "changed": f.changed }),
        Body::FollowUpAcknowledged(a) => json!({ "item": &*a.item }),
        Body::FollowUpsOpened(f) => json!({
            "days": f.days,
            "due": f.due.to_string(),
            "items": f.items.iter().map(|i| &**i).collect::<Vec<_>>(),
        }),
        Body::Checkpoint(c) => checkpoint_json(c),
        Body::Determined(d) => json!({ "kind": &*d.kind, "at": d.at.to_string(), "reason": &*d.reason }),
        Body::ReportFiled(f) => json!({
            "deadline": &*f.deadline,
            "trigger": f.trigger,
            "to": &*f.to,
            "reference": &*f.reference,
        }),
        Body::UpdateSnoozed(z) => json!({
            "audience": z.audience.as_deref(),
            "until": z.until.to_string(),
            "reason": &*z.reason,
        }),
        Body::ViewSuspected(v) => json!({
            "hypothesis": v.hypothesis,
            "processes": v.processes.iter().map(|p| &**p).collect::<Vec<_>>(),
        }),
        Body::ReadingsVerified(r) => json!({
            "process": &*r.process,
            "reading": &*r.reading,
            "field_value": &*r.field_value,
            "displayed": r.displayed.iter().map(|d| json!({
                "asset": &*d.asset, "value": &*d.value, "agrees": d.agrees,
            })).collect::<Vec<_>>(),
            "note": r.note.as_deref(),
        }),
        Body::VisibilityChanged(v) => json!({ "private": v.private, "reason": &*v.reason }),
        Body::MemberAdded(m) | Body::MemberRemoved(m) => json!({ "person": &*m.person, "reason": &*m.reason }),
        Body::Corrected(c) => json!({
            "supersedes": c.supersedes, "reason": &*c.reason,
            "replacement": c.replacement.as_ref().map(|r| json!({ "kind": r.kind().as_str(), "body": body_json(r) })),
        }),
    }
}

/// A proposal's assessment in full: verdict, impact and requirement.
fn assessment_json(a: &authority::Assessment) -> Value {
    let req = &a.requirement;
    json!({
        "action": &*a.action, "verdict": a.verdict.as_str(), "unsafe_reasons": strs(&a.unsafe_reasons),
        "measures": strs(&a.measures),
        "facts": a.facts.iter().map(|f| json!({ "fact": f.fact.as_str(), "evidence": &*f.evidence })).collect::<Vec<_>>(),
        "summary": strs(&a.summary),
        "requirement": {
            "rules": req.rules.iter().map(|r| json!({ "rule": &*r.rule, "because": strs(&r.because) })).collect::<Vec<_>>(),
            "groups": req.groups.iter().map(|g| json!({ "roles": strs(&g.roles), "count": g.count })).collect::<Vec<_>>(),
            "joint": req.joint, "veto": strs(&req.veto), "execute": req.execute.as_deref().map(strs),
            "override_roles": strs(&req.override_roles), "escalate_minutes": req.escalate_minutes,
            "ladder": req.ladder.iter().map(|r| json!({ "role": &*r.role, "minutes": r.minutes })).collect::<Vec<_>>(),
        },
    })
}

/// A checkpoint as JSON: the head it signs, the key and the signature.
pub fn checkpoint_json(c: &Checkpoint) -> Value {
    json!({
        "seq": c.seq, "head": c.head.to_string(), "public_key": checkpoint::key_hex(&c.public_key),
        "signature": hex(&c.signature),
    })
}

/// A checkpoint as a file of its own, to hand out and check later.
pub fn checkpoint_file(incident: &str, c: &Checkpoint) -> Value {
    let mut v = checkpoint_json(c);
    if let Value::Object(m) = &mut v {
        m.insert("format".into(), json!("interlock-checkpoint"));
        m.insert("incident".into(), json!(incident));
    }
    v
}

/// Reads a checkpoint file: (incident, checkpoint).
pub fn read_checkpoint(text: &str) -> Result<(String, Checkpoint), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    checkpoint_from_value(&v)
}

/// Reads a checkpoint file already parsed as JSON: (incident, checkpoint).
/// The signature is not checked here ([`Checkpoint::verify`] does).
pub fn checkpoint_from_value(v: &Value) -> Result<(String, Checkpoint), String> {
    if v["format"] != "interlock-checkpoint" {
        return Err("not an Interlock checkpoint (no \"format\": \"interlock-checkpoint\")".into());
    }
    let incident = v["incident"].as_str().ok_or("no incident")?.to_string();
    let seq = v["seq"].as_u64().ok_or("no seq")?;
    let head = v["head"].as_str().and_then(Digest::parse).ok_or("no head hash")?;
    let public_key = v["public_key"].as_str().and_then(Digest::parse).ok_or("no public key")?.0;
    let sig = v["signature"].as_str().and_then(unhex).filter(|s| s.len() == 64).ok_or("no 64-byte signature")?;
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&sig);
    Ok((incident, Checkpoint { seq, head, public_key, signature }))
}

pub fn event_json(e: &Event, inc: &Incident) -> Value {
    json!({
        "seq": e.seq,
        "kind": e.body.kind().as_str(),
        "recorded_at": e.recorded_at.to_string(),
        "occurred_at": e.occurred_at().to_string(),
        "actor": &*e.actor,
        "domain": e.body.domain().map(|d| d.as_str()),
        "superseded_by": inc.superseded_by(e.seq),
        "body": body_json(&e.body),
    })
}

pub fn summary_json(inc: &Incident) -> Value {
    json!({
        "id": inc.id(),
        "title": &*inc.opened.title,
        "status": inc.status.as_str(),
        "severity": inc.severity.as_str(),
        "category": inc.category.as_str(),
        "phase": inc.phase.as_str(),
        "events": inc.seq(),
        "head": inc.head().to_string(),
    })
}

/// The folded state the export and `show --json` carry beside the events.
pub fn state_json(inc: &Incident) -> Value {
    let sit = |s: &SituationState| {
        json!({
            "process_state": s.process_state.map(|x| x.as_str()), "control": s.control.map(|x| x.as_str()),
            "view": s.view.map(|x| x.as_str()), "as_of": s.last,
        })
    };
    json!({
        "summary": &*inc.opened.summary,
        "opened_at": inc.opened_at().to_string(),
        "opened_by": inc.opened_by(),
        "declared": inc.declared,
        "situation": sit(&inc.situation),
        "processes": inc.processes.iter().map(|(p, s)| (p.to_string(), sit(s))).collect::<serde_json::Map<_, _>>(),
        "positions": inc.positions.iter().map(|(r, p)| json!({ "role": &**r, "person": &*p.person, "since": p.since })).collect::<Vec<_>>(),
        "evidence": inc.evidence.iter().map(|(s, e)| json!({ "seq": s, "custodian": &*e.custodian, "transfers": e.transfers })).collect::<Vec<_>>(),
        "hypotheses": inc.hypotheses.iter().map(|(s, h)| json!({
            "seq": s, "status": h.status.as_str(), "evidence_for": h.evidence_for, "evidence_against": h.evidence_against,
            "updates": h.updates,
        })).collect::<Vec<_>>(),
        "decisions": inc.decisions,
        "communications": inc.communications,
        "checkpoints": inc.checkpoints,
    })
}

/// The incident as `show --json` prints it: summary, state, events.
pub fn incident_json(inc: &Incident) -> Value {
    let mut v = summary_json(inc);
    if let Value::Object(m) = &mut v {
        m.insert("state".into(), state_json(inc));
        m.insert("events".into(), Value::Array(inc.events().iter().map(|e| event_json(e, inc)).collect()));
        m.insert("event_count".into(), json!(inc.seq()));
    }
    v
}

/// Lower-case hex digits of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Bytes from hex digits (either case); `None` unless every character is one.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks_exact(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

/// The export: everything `show --json` has, plus each event's canonical
/// encoding and chain hash, so the file verifies offline with nothing but
/// this binary (`interlock incident verify --export FILE`).
pub fn export_json(inc: &Incident) -> Value {
    let mut prev = GENESIS;
    let events: Vec<Value> = inc
        .events()
        .iter()
        .map(|e| {
            let bytes = encode(e).unwrap_or_default();
            let hash = link(&prev, &bytes);
            prev = hash;
            let mut v = event_json(e, inc);
            if let Value::Object(m) = &mut v {
                m.insert("hash".into(), json!(hash.to_string()));
                m.insert("encoding".into(), json!(hex(&bytes)));
            }
            v
        })
        .collect();
    json!({
        "format": "interlock-incident-export",
        "format_version": EXPORT_FORMAT,
        "encoding_version": ENCODING,
        "incident": summary_json(inc),
        "state": state_json(inc),
        "events": events,
    })
}

/// What an export that verifies says of its incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The incident id.
    pub incident: String,
    /// The number of events.
    pub events: u64,
    /// The last event's chain hash.
    pub head: Digest,
    /// Every event's chain hash (`hashes[n - 1]` is event n's).
    pub hashes: Vec<Digest>,
}

/// Checks an export offline: recomputes the chain from the encodings,
/// checks the head, and that every readable field says what the encodings say.
pub fn verify_export(text: &str) -> Result<Exported, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    verify_export_value(&v)
}

/// [`verify_export`] of an export already parsed as JSON.
pub fn verify_export_value(v: &Value) -> Result<Exported, String> {
    if v["format"] != "interlock-incident-export" {
        return Err("not an Interlock incident export (no \"format\": \"interlock-incident-export\")".into());
    }
    let id = v["incident"]["id"].as_str().ok_or("no incident id")?.to_string();
    let head = v["incident"]["head"].as_str().and_then(Digest::parse).ok_or("no head hash")?;
    let n = v["incident"]["events"].as_u64().ok_or("no event count")?;
    let list = v["events"].as_array().ok_or("no events")?;
    let mut parts = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let at = |what: &str| format!("event {}: {what}", i + 1);
        let seq = e["seq"].as_u64().ok_or_else(|| at("no seq"))?;
        let bytes = e["encoding"].as_str().and_then(unhex).ok_or_else(|| at("no hex encoding"))?;
        let hash = e["hash"].as_str().and_then(Digest::parse).ok_or_else(|| at("no hash"))?;
        let kind = e["kind"].as_str().and_then(Kind::parse).ok_or_else(|| at("unknown kind"))?;
        let recorded =
            e["recorded_at"].as_str().and_then(|t| Timestamp::parse(t).ok()).ok_or_else(|| at("bad time"))?;
        parts.push((seq, kind.code() as i64, recorded.micros(), bytes, hash));
    }
    let rows = parts.iter().map(|(seq, kind, recorded_at, bytes, hash)| Row {
        seq: *seq,
        kind: *kind,
        recorded_at: *recorded_at,
        bytes,
        hash: &hash.0,
    });
    let inc = Incident::load(&id, rows, n, &head.0).map_err(|e| e.to_string())?;
    let again = export_json(&inc);
    if let (Some(a), Some(b)) = (again["events"].as_array(), v["events"].as_array()) {
        for (x, y) in a.iter().zip(b) {
            if x != y {
                return Err(format!(
                    "event {}: its readable fields do not say what its encoding says",
                    x["seq"].as_u64().unwrap_or(0)
                ));
            }
        }
    }
    if again != *v {
        return Err("the summary or state does not match the events".into());
    }
    let hashes = parts.iter().map(|p| p.4).collect();
    Ok(Exported { incident: id, events: inc.seq(), head: inc.head(), hashes })
}

/// The checkpoints recorded in an (already verified) export's events.
pub fn export_checkpoints(export: &Value) -> Vec<Checkpoint> {
    let id = export["incident"]["id"].as_str().unwrap_or("");
    export["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| e["kind"] == "checkpoint")
                .filter_map(|e| {
                    let mut body = e["body"].clone();
                    if let Value::Object(m) = &mut body {
                        m.insert("format".into(), "interlock-checkpoint".into());
                        m.insert("incident".into(), id.into());
                    }
                    checkpoint_from_value(&body).ok().map(|(_, c)| c)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A checkpoint file handed in to check a record against: what names it in
/// the problems found (its path, or its place in a request), the incident
/// it says it signs, and the checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFile {
    pub label: String,
    pub incident: String,
    pub checkpoint: Checkpoint,
}

/// Checks checkpoint files and in-chain checkpoints against a verified
/// chain's hashes (`hashes[n - 1]` is event n's): each file of incident `id`
/// must be validly signed (by `trusted`, when given) and sign a head the
/// chain still has. With `trusted`, at least one checkpoint, in the chain or
/// a file, must be signed with it: checkpoints signed with other keys are
/// not counted, and are no problem either (any member may record one, so a
/// throwaway key must not be able to make a record fail). Files of other
/// incidents are not looked at. The problems, in words.
pub fn check_checkpoints(
    id: &str,
    hashes: &[Digest],
    in_chain: &[Checkpoint],
    files: &[CheckpointFile],
    trusted: Option<&[u8; 32]>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(t) = trusted {
        let by_trusted = in_chain.iter().chain(files.iter().filter(|f| f.incident == id).map(|f| &f.checkpoint));
        if !by_trusted.into_iter().any(|c| c.verify(id, Some(t)).is_ok()) {
            problems.push(format!(
                "no checkpoint of {id} is signed with the trusted key {} ({} in the chain, {} file(s))",
                checkpoint::key_hex(t),
                in_chain.len(),
                files.iter().filter(|f| f.incident == id).count()
            ));
        }
    }
    for f in files.iter().filter(|f| f.incident == id) {
        let (label, c) = (&f.label, &f.checkpoint);
        if let Err(e) = c.verify(id, trusted) {
            problems.push(format!("checkpoint {label}: {e}"));
            continue;
        }
        match c.seq.checked_sub(1).and_then(|i| usize::try_from(i).ok()).and_then(|i| hashes.get(i)) {
            Some(h) if *h == c.head => {}
            Some(h) => problems.push(format!(
                "checkpoint {label}: event {} now has hash {h}, the checkpoint signed {}",
                c.seq, c.head
            )),
            None => problems.push(format!(
                "checkpoint {label}: signed event {}, the record has only {}",
                c.seq,
                hashes.len()
            )),
        }
    }
    problems
}

/// An export checked offline with checkpoint files: what it says and the
/// problems found (none: everything matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineCheck {
    pub export: Exported,
    /// The checkpoints recorded in the export's chain.
    pub in_chain: Vec<Checkpoint>,
    pub problems: Vec<String>,
}

/// `interlock incident verify --export FILE --checkpoint F... --trust K`:
/// the export verifies ([`verify_export_value`]; `Err` when it does not),
/// then its in-chain checkpoints and the checkpoint files are checked
/// against it ([`check_checkpoints`]); a file of another incident is a problem.
pub fn verify_offline(
    export: &Value,
    files: &[CheckpointFile],
    trusted: Option<&[u8; 32]>,
) -> Result<OfflineCheck, String> {
    let exported = verify_export_value(export)?;
    let in_chain = export_checkpoints(export);
    let id = exported.incident.as_str();
    let mut problems = check_checkpoints(id, &exported.hashes, &in_chain, files, trusted);
    for f in files.iter().filter(|f| f.incident != id) {
        problems.push(format!("checkpoint {} is of incident {}, the export of {id}", f.label, f.incident));
    }
    Ok(OfflineCheck { export: exported, in_chain, problems })
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The readable timeline: the state at the top, then every event in order.
pub fn markdown(inc: &Incident, site: Option<&Site>) -> String {
    let mut s = String::new();
    let mut line = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    line(format!("# {}: {}", inc.id(), inc.opened.title));
    line(String::new());
    line(inc.opened.summary.to_string());
    line(String::new());
    line("| | |".into());
    line("|---|---|".into());
    line(format!("| Status | {} |", inc.status));
    line(format!("| Severity | {} |", inc.severity));
    line(format!("| Category | {} |", inc.category));
    line(format!("| Phase | {} |", inc.phase));
    let sit = &inc.situation;
    line(format!(
        "| Situation | process {}, control {}, view {} |",
        opt(sit.process_state),
        opt(sit.control),
        opt(sit.view)
    ));
    for (role, p) in &inc.positions {
        line(format!("| {} | {} |", md_escape(role), md_escape(&who(site, &p.person))));
    }
    line(format!("| Opened | {} by {} |", inc.opened_at(), md_escape(&who(site, inc.opened_by()))));
    line(format!("| Events | {} |", inc.seq()));
    line(format!("| Head | `{}` |", inc.head()));
    line(String::new());
    line("Verify the JSON export of this record offline with `interlock incident verify --export FILE.json`.".into());
    line(String::new());
    line("## Timeline".into());
    line(String::new());
    for e in inc.events() {
        let (head, details) = describe(inc, &e.body);
        let sup = inc.superseded_by(e.seq).map(|c| format!(" *(superseded by #{c})*")).unwrap_or_default();
        line(format!(
            "- **#{}** `{}` **{}** {}: {}{sup}",
            e.seq,
            e.recorded_at,
            e.body.kind(),
            who(site, &e.actor),
            head
        ));
        for d in details {
            line(format!("  - {d}"));
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const SECRET: [u8; 32] = [7; 32];
    const OTHER: [u8; 32] = [9; 32];

    /// INC-T: opened, a note, and a checkpoint of the head at the note, signed with `SECRET`.
    fn incident() -> Incident {
        let at = |m: i64| Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(m * 60_000_000);
        let opened = Opened {
            title: "Test".into(),
            summary: "what is known".into(),
            category: Category::SuspiciousActivity,
            severity: Severity::High,
            site_version: Digest::ZERO,
        };
        let first = first_event("INC-T", "mgarcia", at(0), opened);
        let mut prev = seal(&first, &GENESIS).unwrap().hash;
        let mut inc = Incident::fold(vec![first], prev).unwrap();
        let note = Body::Note(Note { text: "the badge logs point at a contractor".into(), domain: None });
        let e = inc.next_event("mgarcia", at(1), note);
        prev = seal(&e, &prev).unwrap().hash;
        inc.push(e, prev).unwrap();
        let c = checkpoint::sign(&SECRET, "INC-T", 2, prev);
        let e = inc.next_event("mgarcia", at(2), Body::Checkpoint(c));
        prev = seal(&e, &prev).unwrap().hash;
        inc.push(e, prev).unwrap();
        inc
    }

    fn file(label: &str, incident: &str, c: Checkpoint) -> CheckpointFile {
        CheckpointFile { label: label.into(), incident: incident.into(), checkpoint: c }
    }

    #[test]
    fn an_export_verifies_offline_and_an_edited_field_is_named() {
        let inc = incident();
        let doc = export_json(&inc);
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let e = verify_export(&text).unwrap();
        assert_eq!((e.incident.as_str(), e.events, e.head), ("INC-T", 3, inc.head()));
        assert_eq!(e.hashes.len(), 3);
        assert_eq!(export_checkpoints(&doc).len(), 1);

        let forged = text.replacen("point at a contractor", "point at nobody", 1);
        assert_eq!(
            verify_export(&forged).unwrap_err(),
            "event 2: its readable fields do not say what its encoding says"
        );
        let mut v = doc.clone();
        v["state"]["decisions"] = json!([1]);
        assert_eq!(verify_export_value(&v).unwrap_err(), "the summary or state does not match the events");
        assert!(verify_export("{").unwrap_err().starts_with("not JSON"));
        assert!(verify_export("[]").unwrap_err().starts_with("not an Interlock incident export"));
        let mut v = doc;
        v["events"][1]["encoding"] = json!("zz");
        assert_eq!(verify_export_value(&v).unwrap_err(), "event 2: no hex encoding");
    }

    #[test]
    fn checkpoint_files_are_checked_against_the_chain_and_the_trusted_key() {
        let inc = incident();
        let doc = export_json(&inc);
        let hashes = verify_export_value(&doc).unwrap().hashes;
        let at_note = checkpoint::sign(&SECRET, "INC-T", 2, hashes[1]);
        let text = serde_json::to_string(&checkpoint_file("INC-T", &at_note)).unwrap();
        assert_eq!(read_checkpoint(&text).unwrap(), ("INC-T".to_string(), at_note));

        let ok = verify_offline(&doc, &[file("a.json", "INC-T", at_note)], Some(&checkpoint::public_key(&SECRET)));
        assert_eq!(ok.unwrap().problems, Vec::<String>::new());

        let stale = checkpoint::sign(&SECRET, "INC-T", 2, hashes[0]);
        let beyond = checkpoint::sign(&SECRET, "INC-T", 7, hashes[1]);
        let foreign = checkpoint::sign(&SECRET, "INC-U", 1, hashes[0]);
        let files = [file("stale", "INC-T", stale), file("beyond", "INC-T", beyond), file("u", "INC-U", foreign)];
        let problems = verify_offline(&doc, &files, None).unwrap().problems;
        assert_eq!(
            problems,
            [
                format!("checkpoint stale: event 2 now has hash {}, the checkpoint signed {}", hashes[1], hashes[0]),
                "checkpoint beyond: signed event 7, the record has only 3".to_string(),
                "checkpoint u is of incident INC-U, the export of INC-T".to_string(),
            ]
        );
        // Another key trusted: nothing is signed with it, and the file handed in is named.
        let other = checkpoint::public_key(&OTHER);
        let in_chain = export_checkpoints(&doc);
        let problems = check_checkpoints("INC-T", &hashes, &in_chain, &files[..1], Some(&other));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("no checkpoint of INC-T is signed with the trusted key"), "{problems:?}");
        assert!(problems[1].starts_with("checkpoint stale: signed by key"), "{problems:?}");
        // A checkpoint by a throwaway key beside the trusted one's: not counted, and no problem.
        let throwaway = checkpoint::sign(&OTHER, "INC-T", 2, hashes[1]);
        let both = [in_chain.clone(), vec![throwaway]].concat();
        let trusted = checkpoint::public_key(&SECRET);
        assert_eq!(check_checkpoints("INC-T", &hashes, &both, &[], Some(&trusted)), Vec::<String>::new());
        // Only the throwaway key's: the trusted key signed nothing.
        let problems = check_checkpoints("INC-T", &hashes, &both[1..], &[], Some(&trusted));
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn what_is_not_a_checkpoint_file_or_hex_is_refused() {
        assert_eq!(unhex("0fA0"), Some(vec![0x0f, 0xa0]));
        for bad in ["+f", "0", "zz", "é0", "0x"] {
            assert_eq!(unhex(bad), None, "{bad}");
        }
        let c = checkpoint::sign(&SECRET, "INC-T", 1, Digest::ZERO);
        let good = checkpoint_file("INC-T", &c);
        for (field, value, says) in [
            ("format", json!("other"), "not an Interlock checkpoint"),
            ("incident", json!(3), "no incident"),
            ("seq", json!(-1), "no seq"),
            ("head", json!("sha256:12"), "no head hash"),
            ("public_key", json!(null), "no public key"),
            ("signature", json!("00"), "no 64-byte signature"),
        ] {
            let mut v = good.clone();
            v[field] = value;
            assert!(checkpoint_from_value(&v).unwrap_err().starts_with(says), "{field}");
        }
        assert!(read_checkpoint("not json").unwrap_err().starts_with("not JSON"));
    }
}
