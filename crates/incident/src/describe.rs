//! What an event records, in words: one line (the timeline's), and the
//! lines that detail it. Shared by the CLI's text views and exports and the
//! server's board and API, so an event reads the same everywhere.

use site_model::Site;

use crate::model::*;
use crate::state::Incident;
use crate::time::Timestamp;

pub fn seqs(v: &[u64]) -> String {
    v.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(", ")
}

pub fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// A person's id, with their name when the site is at hand.
pub fn who(site: Option<&Site>, id: &str) -> String {
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

/// A proposal's line: `proposed: ACTION — verdict V; needs ... (rules: ...)`.
fn proposal_head(p: &Proposal) -> String {
    let rules: Vec<&str> = p.assessment.requirement.rules.iter().map(|r| &*r.rule).collect();
    format!(
        "proposed: {} — verdict {}; {} (rules: {})",
        p.action,
        p.assessment.verdict.as_str(),
        needs(&p.assessment.requirement),
        if rules.is_empty() { "-".into() } else { rules.join(", ") }
    )
}

fn handover_head(h: &Handover) -> String {
    format!("{} handed over {} -> {}: {}", h.role, h.from, h.to, h.reason)
}

/// The one line of [`describe`] alone (a timeline's entry), without building
/// the details of the events that have many (a proposal, a plan, a briefing).
pub fn summary(inc: &Incident, body: &Body) -> String {
    match body {
        Body::ActionProposed(p) => proposal_head(p),
        Body::RecoveryPlanned(p) => plan_head(p),
        Body::HandedOver(h) => handover_head(h),
        Body::TaskAdded(t) => task_head(t),
        Body::Corrected(c) => match &c.replacement {
            None => format!("retracts #{}: {}", c.supersedes, c.reason),
            Some(_) => format!("corrects #{}: {}", c.supersedes, c.reason),
        },
        other => describe(inc, other).0,
    }
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
                handover_head(h),
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
            vec![format!("ed25519 key {}", crate::checkpoint::key_hex(&c.public_key))],
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
        Body::ActionProposed(p) => (proposal_head(p), proposal_details(p)),
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
            f.items.iter().map(|i| format!("{i}: {}", crate::WorkPlan::describe(i))).collect(),
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
