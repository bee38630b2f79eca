//! How incidents are shown: the text views, the JSON of events and of the
//! export, the Markdown timeline, and the offline check of an export.

use std::io::Write;

use ::incident::*;
use anyhow::Result;
use serde_json::{Value, json};
use site_model::Site;

/// The export format's version; the event encoding's version is recorded beside it.
pub const EXPORT_FORMAT: u32 = 1;

fn seqs(v: &[u64]) -> String {
    v.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(", ")
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// A person's id, with their name when the site is at hand.
fn who(site: Option<&Site>, id: &str) -> String {
    match site.and_then(|s| s.person_by_id(id).map(|ix| s.people[ix.ix()].name.to_string())) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

/// The proposal (event `seq`) an action-workflow event refers to.
fn proposal(inc: &Incident, seq: u64) -> Option<&Proposal> {
    match inc.effective(seq) {
        Some(Body::ActionProposed(p)) => Some(p),
        _ => None,
    }
}

/// `head: note`, or `head` alone when the note is empty.
fn noted(head: String, note: &str) -> String {
    if note.is_empty() { head } else { format!("{head}: {note}") }
}

fn side_name(d: site_model::Domain) -> String {
    d.as_str().to_uppercase()
}

/// What a requirement needs, in one line: `needs 1 from ot-lead; joint sign-off; veto: safety-officer`.
fn needs(req: &authority::Requirement) -> String {
    let mut parts = Vec::new();
    if req.groups.is_empty() {
        parts.push("needs no approval".to_string());
    } else {
        let groups: Vec<String> =
            req.groups.iter().map(|g| format!("{} from {}", g.count, g.roles.join(" or "))).collect();
        parts.push(format!("needs {}", groups.join(" and ")));
    }
    if req.joint {
        parts.push("joint sign-off".into());
    }
    if !req.veto.is_empty() {
        parts.push(format!("veto: {}", req.veto.join(", ")));
    }
    parts.join("; ")
}

/// The lines detailing a proposal: its grounds, assessment and requirement.
fn proposal_details(p: &Proposal) -> Vec<String> {
    let a = &p.assessment;
    let req = &a.requirement;
    let mut details = vec![format!("rationale: {}", p.rationale)];
    if !p.evidence.is_empty() {
        details.push(format!("evidence {}", seqs(&p.evidence)));
    }
    details.push(format!("assessed in the {} phase", p.phase));
    for r in &a.unsafe_reasons {
        details.push(format!("unsafe: {r}"));
    }
    for (i, m) in a.measures.iter().enumerate() {
        details.push(format!("measure {}: {m}", i + 1));
    }
    for f in &a.facts {
        details.push(format!("impact {}: {}", f.fact, f.evidence));
    }
    for l in &a.summary {
        details.push(format!("impact: {l}"));
    }
    for r in &req.rules {
        details.push(format!("rule {}: {}", r.rule, r.because.join("; ")));
    }
    details.push(format!(
        "executed by {}",
        req.execute.as_ref().map(|e| e.join(" or ")).unwrap_or_else(|| "anyone in the response".into())
    ));
    details.push(format!(
        "emergency override by {}",
        if req.override_roles.is_empty() { "nobody".into() } else { req.override_roles.join(" or ") }
    ));
    if req.ladder.is_empty() {
        details.push(format!("no escalation ladder (escalates after {}m)", req.escalate_minutes));
    } else {
        // Level n is reached after the minutes of level n - 1: the matrix's for the first.
        let steps: Vec<String> = req
            .ladder
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let after = if i == 0 { req.escalate_minutes } else { req.ladder[i - 1].minutes };
                format!("{} after {after}m", r.role)
            })
            .collect();
        details.push(format!("escalation: {}", steps.join(" -> ")));
    }
    details.push(format!("evaluated against site model {}", p.site_version));
    details.push(format!("and authority matrix {}", p.authority_version));
    details
}

/// A stance's head: `approved #12 as ot-lead (OT): rationale`.
fn stance(verb: &str, s: &Stance) -> String {
    let roles = if s.roles.is_empty() { String::new() } else { format!(" as {}", s.roles.join(", ")) };
    let side = s.side.map(|d| format!(" ({})", side_name(d))).unwrap_or_default();
    noted(format!("{verb} #{}{roles}{side}", s.action), &s.rationale)
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{n} {thing}s") }
}

/// A recovery plan's head: `recovery plan: 12 assets (dc-corp-01, ntp-01, ... first); 3 re-entry points`.
fn plan_head(p: &RecoveryPlan) -> String {
    let first: Vec<&str> = p.items.iter().take(2).map(|i| &*i.asset).collect();
    let more = if p.items.len() > first.len() { ", ..." } else { "" };
    let assets = if first.is_empty() {
        "no assets".to_string()
    } else {
        format!("{} ({}{more} first)", count(p.items.len(), "asset"), first.join(", "))
    };
    let reentry = p.items.iter().filter(|i| i.reentry.is_some()).count();
    format!("recovery plan: {assets}; {}", count(reentry, "re-entry point"))
}

/// One line per item of a recovery plan:
/// `1. dc-corp-01 [identity, re-entry: identity] no provider in the set; checks: config-hash, credentials-reset`.
fn plan_details(p: &RecoveryPlan) -> Vec<String> {
    let mut details: Vec<String> = p
        .items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let reentry = i.reentry.as_deref().map(|r| format!(", re-entry: {r}")).unwrap_or_default();
            let checks = if i.checks.is_empty() {
                "no checks".to_string()
            } else {
                format!("checks: {}", i.checks.iter().map(|c| &*c.kind).collect::<Vec<_>>().join(", "))
            };
            format!("{}. {} [{}{reentry}] {}; {checks}", n + 1, i.asset, i.stage, i.reason)
        })
        .collect();
    details.push(format!("computed against site model {}", p.site_version));
    details
}

/// The wall-clock time of a timestamp in its own offset: `08:00`.
fn clock(t: Timestamp) -> String {
    let s = t.to_string();
    s.get(11..16).map(String::from).unwrap_or(s)
}

/// The task (event `seq`) a task update refers to.
fn task(inc: &Incident, seq: u64) -> Option<&Task> {
    match inc.effective(seq) {
        Some(Body::TaskAdded(t)) => Some(t),
        _ => None,
    }
}

/// A task's head: `task: image ews-01 (owner hpatel, ot, due 2026-11-26T20:00:00-06:00)`.
fn task_head(t: &Task) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &t.owner {
        parts.push(format!("owner {o}"));
    }
    if let Some(r) = &t.role {
        parts.push(format!("role {r}"));
    }
    if parts.is_empty() {
        parts.push("no owner".into());
    }
    parts.push(t.domain.to_string());
    if let Some(d) = t.due {
        parts.push(format!("due {d}"));
    }
    format!("task: {} ({})", t.title, parts.join(", "))
}

/// The lines detailing a task: assets, hypothesis, evidence, measure, collection.
fn task_details(inc: &Incident, t: &Task) -> Vec<String> {
    let mut details = Vec::new();
    if !t.assets.is_empty() {
        details.push(format!("assets {}", t.assets.join(", ")));
    }
    if let Some(h) = t.hypothesis {
        details.push(format!("validates hypothesis #{h}"));
    }
    if !t.evidence.is_empty() {
        details.push(format!("evidence {}", seqs(&t.evidence)));
    }
    if let Some((action, measure)) = t.measure {
        let text = proposal(inc, action)
            .and_then(|p| p.assessment.measures.get(measure as usize))
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        details.push(format!("carries out measure {} of #{action}{text}", measure as u64 + 1));
    }
    if let Some(c) = &t.collection {
        details.push(format!("collection: {} ({})", c.method, c.intrusiveness));
    }
    details
}

/// One line saying what an event records, and the lines that detail it. The
/// incident is where the proposal an action-workflow event refers to is found.
pub fn describe(inc: &Incident, body: &Body) -> (String, Vec<String>) {
    match body {
        Body::Opened(o) => (
            format!("raised \"{}\" ({}, {})", o.title, o.category, o.severity),
            vec![o.summary.to_string(), format!("site model {}", o.site_version)],
        ),
        Body::Escalated { reason } => (format!("escalated: {reason}"), vec![]),
        Body::Declared { reason, site_version } => {
            (format!("declared the incident: {reason}"), vec![format!("site model {site_version}")])
        }
        Body::Dismissed { reason } => (format!("dismissed: {reason}"), vec![]),
        Body::SeverityChanged { severity, reason } => (format!("severity -> {severity}: {reason}"), vec![]),
        Body::CategoryChanged { category, reason } => (format!("category -> {category}: {reason}"), vec![]),
        Body::PhaseChanged { phase, reason } => (format!("phase -> {phase}: {reason}"), vec![]),
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
            let mut details = vec![];
            if !s.evidence.is_empty() {
                details.push(format!("evidence {}", seqs(&s.evidence)));
            }
            (format!("situation{scope}: {}: {}", parts.join(", "), s.reason), details)
        }
        Body::Assigned { role, person, reason, .. } => (format!("{person} takes {role}: {reason}"), vec![]),
        Body::Relieved { role, reason } => (format!("{role} left empty: {reason}"), vec![]),
        Body::HandedOver(h) => {
            let s = &h.briefing.snapshot;
            let positions: Vec<String> = s.assignments.iter().map(|(r, p)| format!("{r} {p}")).collect();
            (
                format!("{} handed over {} -> {}: {}", h.role, h.from, h.to, h.reason),
                vec![
                    format!("briefing as of #{}: current actions: {}", s.as_of, h.briefing.current_actions),
                    format!(
                        "{} / {} / {} / {}; process {}, control {}, view {}",
                        s.status,
                        s.severity,
                        s.category,
                        s.phase,
                        opt(s.process_state),
                        opt(s.control),
                        opt(s.view)
                    ),
                    format!("positions: {}", if positions.is_empty() { "-".into() } else { positions.join(", ") }),
                    format!(
                        "open hypotheses: {}; decisions: {}; evidence: {}",
                        opt(Some(seqs(&s.open_hypotheses)).filter(|x| !x.is_empty())),
                        opt(Some(seqs(&s.decisions)).filter(|x| !x.is_empty())),
                        opt(Some(seqs(&s.evidence)).filter(|x| !x.is_empty()))
                    ),
                ],
            )
        }
        Body::Note(n) => {
            (n.text.lines().next().unwrap_or("").to_string(), n.text.lines().skip(1).map(String::from).collect())
        }
        Body::Observation(o) => {
            let on = if o.assets.is_empty() { String::new() } else { format!(" on {}", o.assets.join(", ")) };
            (format!("observed{on} at {}: {}", o.observed_at, o.text), vec![])
        }
        Body::EvidenceCollected(e) => {
            let mut details = vec![format!("collected by {} at {}", e.collected_by, e.collected_at)];
            if let Some(h) = &e.sha256 {
                details.push(format!("artefact {h}"));
            }
            if let Some(l) = &e.location {
                details.push(format!("kept at {l}"));
            }
            if !e.assets.is_empty() {
                details.push(format!("assets {}", e.assets.join(", ")));
            }
            if let Some(d) = &e.description {
                details.push(d.to_string());
            }
            (format!("evidence \"{}\" ({}, {})", e.title, e.source, e.source.side()), details)
        }
        Body::CustodyTransferred(c) => {
            (format!("evidence #{}: custody {} -> {} at {}: {}", c.evidence, c.from, c.to, c.at, c.reason), vec![])
        }
        Body::HypothesisProposed(h) => {
            let mut details = vec![];
            if !h.evidence_for.is_empty() {
                details.push(format!("for: {}", seqs(&h.evidence_for)));
            }
            if !h.evidence_against.is_empty() {
                details.push(format!("against: {}", seqs(&h.evidence_against)));
            }
            (format!("hypothesis: {}", h.statement), details)
        }
        Body::HypothesisUpdated(u) => {
            let mut details = vec![];
            if !u.evidence_for.is_empty() {
                details.push(format!("for: {}", seqs(&u.evidence_for)));
            }
            if !u.evidence_against.is_empty() {
                details.push(format!("against: {}", seqs(&u.evidence_against)));
            }
            (format!("hypothesis #{} -> {}: {}", u.hypothesis, u.status, u.reason), details)
        }
        Body::DecisionRecorded(d) => {
            let chosen = d.options.get(d.choice as usize).map(|s| &**s).unwrap_or("?");
            let mut details = vec![
                format!("options: {}", d.options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")),
                format!("decided by {}", d.decided_by.join(", ")),
                format!("rationale: {}", d.rationale),
            ];
            for x in &d.dissent {
                details.push(format!("dissent ({}): {}", x.person, x.text));
            }
            if !d.evidence.is_empty() {
                details.push(format!("evidence {}", seqs(&d.evidence)));
            }
            details.push(format!("evaluated against site model {}", d.site_version));
            if let Some(a) = &d.authority_version {
                details.push(format!("and authority matrix {a}"));
            }
            (format!("decision \"{}\": {}", d.title, chosen), details)
        }
        Body::CommunicationPublished(c) => (format!("to {} via {}: {}", c.audience, c.channel, c.text), vec![]),
        Body::Checkpoint(c) => (
            format!("checkpoint: signed #{} {}", c.seq, c.head),
            vec![format!("ed25519 key {}", checkpoint::key_hex(&c.public_key))],
        ),
        Body::Determined(d) => (format!("determined {} at {}: {}", d.kind, d.at, d.reason), vec![]),
        Body::ReportFiled(f) => {
            (format!("report {} (clock of #{}) filed with {}: {}", f.deadline, f.trigger, f.to, f.reference), vec![])
        }
        Body::UpdateSnoozed(z) => (
            format!(
                "next update to {} snoozed until {}: {}",
                z.audience.as_deref().unwrap_or("every audience"),
                z.until,
                z.reason
            ),
            vec![],
        ),
        Body::ViewSuspected(v) => (
            format!(
                "hypothesis #{} suspects the view of {} is manipulated: its displays are untrusted",
                v.hypothesis,
                if v.processes.is_empty() { "the whole site".to_string() } else { v.processes.join(", ") }
            ),
            vec![],
        ),
        Body::ReadingsVerified(r) => {
            let shown: Vec<String> = r
                .displayed
                .iter()
                .map(|d| format!("{} {} ({})", d.asset, d.value, if d.agrees { "agrees" } else { "DISAGREES" }))
                .collect();
            (
                format!(
                    "verified {} of {}: {} at the station; {}",
                    r.reading,
                    r.process,
                    r.field_value,
                    shown.join(", ")
                ),
                r.note.iter().map(|n| n.to_string()).collect(),
            )
        }
        Body::VisibilityChanged(v) => {
            let to = if v.private { "private to its members" } else { "open to every user" };
            (format!("the incident is now {to}: {}", v.reason), vec![])
        }
        Body::MemberAdded(m) => (format!("{} added as a member: {}", m.person, m.reason), vec![]),
        Body::MemberRemoved(m) => (format!("{} removed from the members: {}", m.person, m.reason), vec![]),
        Body::ActionProposed(p) => {
            let rules: Vec<&str> = p.assessment.requirement.rules.iter().map(|r| &*r.rule).collect();
            (
                format!(
                    "proposed: {} — verdict {}; {} (rules: {})",
                    p.action,
                    p.assessment.verdict.as_str(),
                    needs(&p.assessment.requirement),
                    if rules.is_empty() { "-".into() } else { rules.join(", ") }
                ),
                proposal_details(p),
            )
        }
        Body::ActionApproved(s) => (stance("approved", s), vec![]),
        Body::ActionRejected(s) => (stance("rejected", s), vec![]),
        Body::ActionEscalated(e) => {
            let role = proposal(inc, e.action)
                .and_then(|p| e.level.checked_sub(1).and_then(|i| p.assessment.requirement.ladder.get(i as usize)))
                .map(|r| format!(" ({})", r.role))
                .unwrap_or_default();
            let cause = match e.cause {
                EscalationCause::Timeout => "on timeout",
                EscalationCause::Disagreement => "on disagreement",
                EscalationCause::Requested => "on request",
            };
            (noted(format!("escalated #{} to level {}{role} {cause}", e.action, e.level), &e.reason), vec![])
        }
        Body::ActionOverridden(o) => (
            noted(format!("OVERRIDE of #{}", o.action), &o.rationale),
            vec![
                "approved without its approvals: a post-incident review item".into(),
                format!("evaluated against site model {}", o.site_version),
                format!("and authority matrix {}", o.authority_version),
            ],
        ),
        Body::MeasureConfirmed(m) => {
            let details = proposal(inc, m.action)
                .and_then(|p| p.assessment.measures.get(m.measure as usize))
                .map(|text| vec![format!("measure: {text}")])
                .unwrap_or_default();
            (noted(format!("measure {} of #{} confirmed", m.measure as u64 + 1, m.action), &m.note), details)
        }
        Body::ExecutionStarted(n) => (noted(format!("execution of #{} started", n.action), &n.note), vec![]),
        Body::ExecutionReported(r) => (noted(format!("execution of #{} {}", r.action, r.outcome), &r.note), vec![]),
        Body::ActionVerified(v) => (noted(format!("#{} verified {}", v.action, v.result), &v.note), vec![]),
        Body::ActionRolledBack(r) => (noted(format!("#{} rolled back ({})", r.action, r.outcome), &r.note), vec![]),
        Body::ActionWithdrawn(n) => (noted(format!("#{} withdrawn", n.action), &n.note), vec![]),
        Body::RecoveryPlanned(p) => (plan_head(p), plan_details(p)),
        Body::RecoveryReordered(r) => {
            let place = r.after.as_deref().map(|a| format!("after {a}")).unwrap_or_else(|| "first".into());
            (noted(format!("moved {} {place}", r.asset), &r.reason), vec![])
        }
        Body::CheckRecorded(c) => {
            let check = format!("check {} of {}", c.kind, c.asset);
            let mut details = vec![format!("observed {}", c.observed)];
            if let Some(e) = &c.expected {
                details.push(format!("expected {e}"));
            }
            let head = if c.passed {
                if !c.detail.is_empty() {
                    details.push(c.detail.to_string());
                }
                format!("{check}: passed")
            } else if c.detail.is_empty() {
                format!("{check}: FAILED")
            } else {
                format!("{check}: FAILED — {}", c.detail)
            };
            if let Some(a) = &c.artefact {
                details.push(format!("artefact {a}"));
            }
            if let Some(n) = &c.note {
                details.push(format!("note: {n}"));
            }
            (head, details)
        }
        Body::MonitoringStarted(m) => {
            let of = if m.assets.is_empty() { String::new() } else { format!(" of {}", m.assets.join(", ")) };
            let criteria =
                if m.criteria.is_empty() { String::new() } else { format!(": criteria {}", m.criteria.join("; ")) };
            (format!("monitoring{of} until {}{criteria}", m.until), vec![])
        }
        Body::MonitoringEnded(m) => {
            let details = match inc.effective(m.window) {
                Some(Body::MonitoringStarted(w)) => {
                    let of = if w.assets.is_empty() { String::new() } else { format!(" of {}", w.assets.join(", ")) };
                    vec![format!("the monitoring{of} until {}", w.until)]
                }
                _ => vec![],
            };
            (noted(format!("monitoring #{} ended", m.window), &m.reason), details)
        }
        Body::RecoveryEnded(r) => {
            let details = if r.open_items.is_empty() {
                vec!["no open items".to_string()]
            } else {
                r.open_items.iter().map(|i| format!("open: {i}")).collect()
            };
            (noted("end of recovery declared".into(), &r.reason), details)
        }
        Body::PeriodOpened(p) => (
            format!(
                "period opened {} to {}: {}; safety: {} ({})",
                clock(p.start),
                clock(p.end),
                count(p.objectives.len(), "objective"),
                p.safety,
                p.safety_by
            ),
            std::iter::once(format!("from {} to {}", p.start, p.end))
                .chain(p.objectives.iter().enumerate().map(|(i, o)| format!("objective {}: {o}", i + 1)))
                .collect(),
        ),
        Body::SafetyConsiderations(s) => {
            (format!("safety considerations of period #{} revised: {}", s.period, s.safety), vec![])
        }
        Body::PeriodClosed(c) => (
            noted(format!("period #{} closed", c.period), c.note.as_deref().unwrap_or("")),
            c.summary.iter().map(|l| l.to_string()).collect(),
        ),
        Body::TaskAdded(t) => (task_head(t), task_details(inc, t)),
        Body::TaskUpdated(u) => {
            let head = match u.action {
                Some(a) => format!("task #{} linked to action #{a}", u.task),
                None => format!("task #{} {}", u.task, u.status),
            };
            let mut details = Vec::new();
            if let Some(t) = task(inc, u.task) {
                details.push(format!("task: {}", t.title));
            }
            if let Some(a) = u.action {
                details.push(format!("status {}", u.status));
                if let Some(p) = proposal(inc, a) {
                    details.push(format!("action: {}", p.action));
                }
            }
            (noted(head, u.note.as_deref().unwrap_or("")), details)
        }
        Body::FollowUpRecorded(f) => {
            let details =
                if f.changed { vec!["plan changed: every role holder acknowledges".to_string()] } else { vec![] };
            (format!("follow-up {}: {}", f.item, f.text), details)
        }
        Body::FollowUpAcknowledged(a) => (format!("acknowledged follow-up {}", a.item), vec![]),
        Body::FollowUpsOpened(f) => (
            format!("follow-ups opened, due {} ({} days after closing)", f.due, f.days),
            f.items.iter().map(|i| format!("{i}: {}", ::incident::WorkPlan::describe(i))).collect(),
        ),
        Body::Corrected(c) => match &c.replacement {
            None => (format!("retracts #{}: {}", c.supersedes, c.reason), vec![]),
            Some(r) => {
                let (head, mut details) = describe(inc, r);
                details.insert(0, format!("now reads: {head}"));
                (format!("corrects #{}: {}", c.supersedes, c.reason), details)
            }
        },
    }
}

pub fn show(inc: &Incident, site: Option<&Site>, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}: {}", inc.id(), inc.opened.title)?;
    writeln!(out, "  opened     {} by {}", inc.opened_at(), who(site, inc.opened_by()))?;
    let declared = inc
        .declared
        .and_then(|s| inc.event(s))
        .map(|e| format!(" (#{} by {} at {})", e.seq, who(site, &e.actor), e.recorded_at))
        .unwrap_or_default();
    writeln!(out, "  status     {}{declared}", inc.status)?;
    writeln!(out, "  severity   {}   category {}   phase {}", inc.severity, inc.category, inc.phase)?;
    let s = &inc.situation;
    writeln!(
        out,
        "  situation  process {}, control {}, view {}{}",
        opt(s.process_state),
        opt(s.control),
        opt(s.view),
        s.last.map(|l| format!(" (as of #{l})")).unwrap_or_default()
    )?;
    for (p, st) in &inc.processes {
        writeln!(
            out,
            "    {p}: process {}, control {}, view {}{}",
            opt(st.process_state),
            opt(st.control),
            opt(st.view),
            st.last.map(|l| format!(" (as of #{l})")).unwrap_or_default()
        )?;
    }
    if let Some(site) = site {
        if let Some(next) = ::incident::cadence::next_update(site, inc) {
            writeln!(
                out,
                "  next update due {} to {} (every {} at severity {}){}",
                next.due,
                next.audience,
                super::updates::minutes(next.interval_minutes),
                inc.severity,
                if next.snoozed.is_some() { ", snoozed" } else { "" }
            )?;
        }
        let untrusted = ::incident::integrity::untrusted(site, inc);
        if !untrusted.is_empty() {
            let ids: Vec<&str> = untrusted.keys().map(|a| &**a).collect();
            writeln!(out, "  MONITORING INTEGRITY IN DOUBT: untrusted {}", ids.join(", "))?;
            writeln!(out, "    manual verification rounds: `interlock integrity status {}`", inc.id())?;
        }
    }
    if inc.private || !inc.members.is_empty() {
        let members: Vec<String> =
            inc.membership().iter().map(|(p, why)| format!("{} ({})", who(site, p), why.join(", "))).collect();
        let visibility = if inc.private { "private to its members" } else { "open to every user" };
        writeln!(out, "  visibility {visibility}; members {}", members.join("; "))?;
    }
    if inc.positions.is_empty() {
        writeln!(out, "  positions  none assigned")?;
    } else {
        writeln!(out, "  positions")?;
        for (role, p) in &inc.positions {
            writeln!(out, "    {role:<22} {} (since #{})", who(site, &p.person), p.since)?;
        }
    }
    if !inc.evidence.is_empty() {
        writeln!(out, "  evidence")?;
        for (seq, st) in &inc.evidence {
            if let Some(Body::EvidenceCollected(e)) = inc.effective(*seq) {
                writeln!(
                    out,
                    "    #{seq:<5} {} ({}); custodian {}{}",
                    e.title,
                    e.source,
                    st.custodian,
                    if st.transfers.is_empty() {
                        String::new()
                    } else {
                        format!(", {} transfer(s)", st.transfers.len())
                    }
                )?;
            }
        }
    }
    if !inc.hypotheses.is_empty() {
        writeln!(out, "  hypotheses")?;
        for (seq, h) in &inc.hypotheses {
            if let Some(Body::HypothesisProposed(p)) = inc.effective(*seq) {
                writeln!(
                    out,
                    "    #{seq:<5} {:<9} {} (for {}, against {})",
                    h.status.as_str(),
                    p.statement,
                    h.evidence_for.len(),
                    h.evidence_against.len()
                )?;
            }
        }
    }
    if !inc.decisions.is_empty() {
        writeln!(out, "  decisions")?;
        for seq in &inc.decisions {
            if let Some(Body::DecisionRecorded(d)) = inc.effective(*seq) {
                let chosen = d.options.get(d.choice as usize).map(|s| &**s).unwrap_or("?");
                writeln!(out, "    #{seq:<5} {}: {chosen}", d.title)?;
            }
        }
    }
    writeln!(out, "  record     {} events, head {}", inc.seq(), inc.head())?;
    Ok(())
}

pub fn timeline(
    inc: &Incident,
    events: &[&Event],
    site: Option<&Site>,
    by_occurrence: bool,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "{}: {} ({}, {}, {})", inc.id(), inc.opened.title, inc.status, inc.severity, inc.phase)?;
    for e in events {
        let (head, details) = describe(inc, &e.body);
        let t = if by_occurrence { e.occurred_at() } else { e.recorded_at };
        let superseded = inc.superseded_by(e.seq).map(|c| format!("  [superseded by #{c}]")).unwrap_or_default();
        writeln!(
            out,
            "#{:<5} {}  {:<17} {}: {head}{superseded}",
            e.seq,
            t,
            e.body.kind().as_str(),
            who(site, &e.actor)
        )?;
        for d in details {
            writeln!(out, "{:>8}{d}", "")?;
        }
    }
    if events.is_empty() {
        writeln!(out, "(no events match)")?;
    }
    Ok(())
}

fn strs(v: &[Box<str>]) -> Value {
    Value::Array(v.iter().map(|s| Value::String(s.to_string())).collect())
}

fn body_json(body: &Body) -> Value {
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

fn checkpoint_json(c: &Checkpoint) -> Value {
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

fn state_json(inc: &Incident) -> Value {
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

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
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

/// Checks an export offline: recomputes the chain from the encodings,
/// checks the head, and that every readable field says what the encodings say.
pub fn verify_export(text: &str) -> Result<(String, u64, Digest, Vec<Digest>), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
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
    if again != v {
        return Err("the summary or state does not match the events".into());
    }
    let hashes = parts.iter().map(|p| p.4).collect();
    Ok((id, inc.seq(), inc.head(), hashes))
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
