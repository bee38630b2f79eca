//! Events and values in words, shared by the forms.

use incident::{Body, EscalationCause, Incident, Timestamp};
use site_model::Site;

/// "Maria Garcia (mgarcia)", or the id alone when the site does not know it.
pub fn person(site: &Site, id: &str) -> String {
    match site.person_by_id(id) {
        Some(p) => format!("{} ({id})", site.people[p.ix()].name),
        None => id.to_string(),
    }
}

/// "Incident commander (incident-commander)", or the id alone.
pub fn role(site: &Site, id: &str) -> String {
    match site.role_by_id(id) {
        Some(r) => format!("{} ({id})", site.roles[r.ix()].name),
        None => id.to_string(),
    }
}

/// A span of time in words: "45 s", "12 min", "1 h 05 min", "2 d 3 h".
pub fn duration(micros: i64) -> String {
    let neg = micros < 0;
    let secs = micros.unsigned_abs() / 1_000_000;
    let s = if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        let (m, s) = (secs / 60, secs % 60);
        if s == 0 { format!("{m} min") } else { format!("{m} min {s:02} s") }
    } else if secs < 86_400 {
        format!("{} h {:02} min", secs / 3600, secs / 60 % 60)
    } else {
        format!("{} d {} h", secs / 86_400, secs / 3600 % 24)
    };
    if neg { format!("-{s}") } else { s }
}

/// The time from `from` to `to`, in words.
pub fn between(from: Timestamp, to: Timestamp) -> String {
    duration(to.micros() - from.micros())
}

pub fn seqs(v: &[u64]) -> String {
    v.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(", ")
}

pub fn or_not_assessed<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "not assessed".into())
}

/// What a requirement asks for, in words.
pub fn needs(req: &authority::Requirement) -> String {
    let mut parts: Vec<String> = req
        .groups
        .iter()
        .map(|g| {
            let roles: Vec<&str> = g.roles.iter().map(|r| &**r).collect();
            format!("{} of {}", g.count, roles.join(" or "))
        })
        .collect();
    if req.joint {
        parts.push("joint IT and OT sign-off".into());
    }
    if !req.veto.is_empty() {
        parts.push(format!("veto: {}", req.veto.join(", ")));
    }
    if parts.is_empty() { "no approval".into() } else { parts.join("; ") }
}

fn with_note(head: String, note: &str) -> String {
    if note.is_empty() { head } else { format!("{head}: {note}") }
}

/// The action text of a proposal, for messages.
pub fn action_text(inc: &Incident, seq: u64) -> String {
    inc.proposal(seq).map(|p| p.action.to_string()).unwrap_or_else(|| "?".into())
}

/// One event in one line.
pub fn summary(inc: &Incident, body: &Body) -> String {
    match body {
        Body::Opened(o) => format!("raised \"{}\" ({}, {}): {}", o.title, o.category, o.severity, o.summary),
        Body::Escalated { reason } => format!("escalated for declaration: {reason}"),
        Body::Declared { reason, .. } => format!("declared the incident: {reason}"),
        Body::Dismissed { reason } => format!("dismissed: {reason}"),
        Body::SeverityChanged { severity, reason } => format!("severity -> {severity}: {reason}"),
        Body::CategoryChanged { category, reason } => format!("category -> {category}: {reason}"),
        Body::PhaseChanged { phase, reason } => format!("phase -> {phase}: {reason}"),
        Body::SituationAssessed(s) => {
            let mut parts = Vec::new();
            if let Some(p) = s.process_state {
                parts.push(format!("process {p}"));
            }
            if let Some(c) = s.control {
                parts.push(format!("control {c}"));
            }
            if let Some(v) = s.view {
                parts.push(format!("view {v}"));
            }
            let scope = s.process.as_deref().map(|p| format!(" of {p}")).unwrap_or_default();
            format!("situation{scope}: {}: {}", parts.join(", "), s.reason)
        }
        Body::Assigned { role, person, reason, .. } => format!("{person} takes {role}: {reason}"),
        Body::Relieved { role, reason } => format!("{role} left empty: {reason}"),
        Body::HandedOver(h) => format!(
            "{} handed over {} -> {}: {} (briefing: {})",
            h.role, h.from, h.to, h.reason, h.briefing.current_actions
        ),
        Body::Note(n) => format!("note: {}", n.text.replace('\n', " / ")),
        Body::Observation(o) => {
            let on = if o.assets.is_empty() { String::new() } else { format!(" on {}", o.assets.join(", ")) };
            format!("observed{on} at {}: {}", o.observed_at, o.text)
        }
        Body::EvidenceCollected(e) => {
            let hash = e.sha256.map(|h| format!(", {h}")).unwrap_or_default();
            format!("evidence \"{}\" ({}{hash}) collected by {}", e.title, e.source, e.collected_by)
        }
        Body::CustodyTransferred(c) => {
            format!("evidence #{}: custody {} -> {} at {}: {}", c.evidence, c.from, c.to, c.at, c.reason)
        }
        Body::HypothesisProposed(h) => {
            let mut s = format!("hypothesis: {}", h.statement);
            if !h.evidence_for.is_empty() {
                s.push_str(&format!(" (for: {})", seqs(&h.evidence_for)));
            }
            if !h.evidence_against.is_empty() {
                s.push_str(&format!(" (against: {})", seqs(&h.evidence_against)));
            }
            s
        }
        Body::HypothesisUpdated(u) => format!("hypothesis #{} -> {}: {}", u.hypothesis, u.status, u.reason),
        Body::DecisionRecorded(d) => {
            let chosen = d.options.get(d.choice as usize).map(|s| &**s).unwrap_or("?");
            let dissent =
                if d.dissent.is_empty() { String::new() } else { format!(" ({} dissenting)", d.dissent.len()) };
            format!("decision \"{}\": {chosen}; rationale: {}{dissent}", d.title, d.rationale)
        }
        Body::CommunicationPublished(c) => {
            format!("to {} via {}: {}", c.audience, c.channel, c.text.lines().next().unwrap_or(""))
        }
        Body::Checkpoint(c) => format!("checkpoint: signed #{} {}", c.seq, c.head),
        Body::Determined(d) => format!("determined {} at {}: {}", d.kind, d.at, d.reason),
        Body::ReportFiled(f) => {
            format!("report {} (clock of #{}) filed with {}: {}", f.deadline, f.trigger, f.to, f.reference)
        }
        Body::ActionProposed(p) => format!(
            "proposed: {} (verdict {}; needs {}): {}",
            p.action,
            p.assessment.verdict.as_str(),
            needs(&p.assessment.requirement),
            p.rationale
        ),
        Body::ActionApproved(s) => {
            format!("approved #{} {} as {}: {}", s.action, action_text(inc, s.action), s.roles.join(", "), s.rationale)
        }
        Body::ActionRejected(s) => {
            format!("rejected #{} {} as {}: {}", s.action, action_text(inc, s.action), s.roles.join(", "), s.rationale)
        }
        Body::ActionEscalated(e) => {
            let cause = match e.cause {
                EscalationCause::Timeout => "on timeout",
                EscalationCause::Disagreement => "on disagreement",
                EscalationCause::Requested => "on request",
            };
            with_note(format!("escalated #{} to level {} {cause}", e.action, e.level), &e.reason)
        }
        Body::ActionOverridden(o) => with_note(
            format!("EMERGENCY OVERRIDE of #{} {} (a post-incident review item)", o.action, action_text(inc, o.action)),
            &o.rationale,
        ),
        Body::MeasureConfirmed(m) => {
            let text = inc
                .proposal(m.action)
                .and_then(|p| p.assessment.measures.get(m.measure as usize))
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            with_note(format!("measure {} of #{} confirmed{text}", m.measure as u64 + 1, m.action), &m.note)
        }
        Body::ExecutionStarted(n) => with_note(format!("execution of #{} started", n.action), &n.note),
        Body::ExecutionReported(r) => with_note(format!("execution of #{} {}", r.action, r.outcome), &r.note),
        Body::ActionVerified(v) => with_note(format!("#{} verified {}", v.action, v.result), &v.note),
        Body::ActionRolledBack(r) => with_note(format!("#{} rolled back ({})", r.action, r.outcome), &r.note),
        Body::ActionWithdrawn(n) => with_note(format!("#{} withdrawn", n.action), &n.note),
        Body::RecoveryPlanned(p) => {
            let order: Vec<&str> = p.items.iter().map(|i| &*i.asset).collect();
            format!("recovery plan: {}", order.join(", "))
        }
        Body::RecoveryReordered(r) => {
            let place = r.after.as_deref().map(|a| format!("after {a}")).unwrap_or_else(|| "first".into());
            with_note(format!("recovery order: moved {} {place}", r.asset), &r.reason)
        }
        Body::CheckRecorded(c) => {
            let result = if c.passed { "passed".to_string() } else { format!("FAILED ({})", c.detail) };
            format!("check {} of {}: {result}; observed {}", c.kind, c.asset, c.observed)
        }
        Body::MonitoringStarted(m) => format!("monitoring of {} until {}", m.assets.join(", "), m.until),
        Body::MonitoringEnded(m) => with_note(format!("monitoring #{} ended", m.window), &m.reason),
        Body::RecoveryEnded(r) => {
            let open = if r.open_items.is_empty() {
                "no open items".to_string()
            } else {
                format!("open: {}", r.open_items.join("; "))
            };
            format!("end of recovery declared: {} ({open})", r.reason)
        }
        Body::PeriodOpened(p) => {
            format!("operational period {} to {}: {}; safety: {}", p.start, p.end, p.objectives.join("; "), p.safety)
        }
        Body::SafetyConsiderations(s) => format!("safety considerations of period #{} revised: {}", s.period, s.safety),
        Body::PeriodClosed(c) => with_note(format!("period #{} closed", c.period), c.note.as_deref().unwrap_or("")),
        Body::TaskAdded(t) => {
            let owner = t.owner.as_deref().or(t.role.as_deref()).unwrap_or("?");
            let due = t.due.map(|d| format!(", due {d}")).unwrap_or_default();
            format!("task \"{}\" for {owner} ({}{due})", t.title, t.domain)
        }
        Body::TaskUpdated(u) => {
            let title =
                inc.plan_of_work().tasks.get(&u.task).map(|t| format!(" \"{}\"", t.task.title)).unwrap_or_default();
            let link = u.action.map(|a| format!(" under action #{a}")).unwrap_or_default();
            with_note(format!("task #{}{title} {}{link}", u.task, u.status), u.note.as_deref().unwrap_or(""))
        }
        Body::FollowUpRecorded(f) => format!("follow-up {}: {}", f.item, f.text),
        Body::FollowUpAcknowledged(a) => format!("acknowledged follow-up {}", a.item),
        Body::FollowUpsOpened(f) => format!("follow-ups opened ({}), due {}", f.items.join(", "), f.due),
        Body::Corrected(c) => match &c.replacement {
            None => format!("retracts #{}: {}", c.supersedes, c.reason),
            Some(r) => format!("corrects #{}: {}; now reads: {}", c.supersedes, c.reason, summary(inc, r)),
        },
        Body::UpdateSnoozed(z) => format!(
            "next update to {} snoozed until {}: {}",
            z.audience.as_deref().unwrap_or("every audience"),
            z.until,
            z.reason
        ),
        Body::ViewSuspected(v) => format!(
            "hypothesis #{} suspects manipulated view of {}: displays untrusted",
            v.hypothesis,
            if v.processes.is_empty() { "the whole site".to_string() } else { v.processes.join(", ") }
        ),
        Body::ReadingsVerified(r) => {
            let shown: Vec<String> = r
                .displayed
                .iter()
                .map(|d| format!("{} {} ({})", d.asset, d.value, if d.agrees { "agrees" } else { "disagrees" }))
                .collect();
            format!(
                "verified {} of {} by hand: {} at the station; {}",
                r.reading,
                r.process,
                r.field_value,
                shown.join(", ")
            )
        }
        Body::VisibilityChanged(v) => format!(
            "made the incident {}: {}",
            if v.private { "private to its members" } else { "open to every user" },
            v.reason
        ),
        Body::MemberAdded(m) => format!("{} added as a member: {}", m.person, m.reason),
        Body::MemberRemoved(m) => format!("{} removed from the members: {}", m.person, m.reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(45_000_000), "45 s");
        assert_eq!(duration(12 * 60_000_000), "12 min");
        assert_eq!(duration(90_000_000), "1 min 30 s");
        assert_eq!(duration(65 * 60_000_000), "1 h 05 min");
        assert_eq!(duration((2 * 86_400 + 3 * 3600) * 1_000_000), "2 d 3 h");
        assert_eq!(duration(-60_000_000), "-1 min");
    }
}
