//! Communications: status updates drafted from the state of the incident,
//! one per audience, for a person to review, edit and publish; and the
//! one-vocabulary check that flags words IT and OT hear differently.
//!
//! - **operations**: the process state, control and view integrity, the
//!   actions in progress and pending, the constraints in force (compensating
//!   measures), the manual measures in place;
//! - **security**: containment status, constraints from operations (vetoes,
//!   rejections, measures), the actions safe to take now, the pending
//!   approvals and who holds them, the open hypotheses and their evidence;
//! - **leadership**: the business impact, the decisions needed and by whom,
//!   the regulatory deadlines.
//!
//! Pure: no I/O, no clock (the time is given).

use authority::VerdictKind;
use incident::{ActionStatus, Body, HypothesisStatus, Incident, Timestamp};
use site_model::Site;

/// Who an update is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Operations,
    Security,
    Leadership,
}

impl Audience {
    pub const ALL: &'static [Audience] = &[Audience::Operations, Audience::Security, Audience::Leadership];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Operations => "operations",
            Audience::Security => "security",
            Audience::Leadership => "leadership",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Audience::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

fn or_not_assessed<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "not assessed".into())
}

/// People who can decide on a pending action now, by role: the incident's holder, else the site's.
fn who(site: &Site, inc: &Incident, role: &str) -> String {
    if let Some(p) = inc.positions.get(role) {
        return format!("{role} ({})", p.person);
    }
    let people: Vec<String> = authority::holders(site, role).iter().map(|(p, _)| p.id.to_string()).collect();
    format!("{role} ({})", people.join(", "))
}

/// The draft of a status update for an audience, as Markdown lines.
pub fn draft(site: &Site, inc: &Incident, audience: Audience, now: Timestamp) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!("# {} update: {} ({}), {}", audience.as_str(), inc.opened.title, inc.id(), now));
    out.push(format!("Status {}, phase {}, severity {}.", inc.status, inc.phase, inc.severity));
    let s = &inc.situation;
    let actions: Vec<(u64, &incident::ActionState, &incident::Proposal)> =
        inc.actions.iter().filter_map(|(seq, a)| inc.proposal(*seq).map(|p| (*seq, a, p))).collect();
    let pending: Vec<&(u64, &incident::ActionState, &incident::Proposal)> =
        actions.iter().filter(|(_, a, _)| a.status == ActionStatus::Pending).collect();
    match audience {
        Audience::Operations => {
            out.push("## The process".into());
            out.push(format!(
                "Process {}; control integrity {}; view integrity {}.",
                or_not_assessed(s.process_state),
                or_not_assessed(s.control),
                or_not_assessed(s.view)
            ));
            for (p, st) in &inc.processes {
                out.push(format!(
                    "- {p}: process {}, control {}, view {}",
                    or_not_assessed(st.process_state),
                    or_not_assessed(st.control),
                    or_not_assessed(st.view)
                ));
            }
            out.push("## Actions in progress and pending".into());
            let mut any = false;
            for (seq, a, p) in &actions {
                if matches!(
                    a.status,
                    ActionStatus::Pending
                        | ActionStatus::Approved
                        | ActionStatus::Executing
                        | ActionStatus::PartiallyApplied
                ) {
                    any = true;
                    out.push(format!(
                        "- #{seq} {} [{}], verdict {}",
                        p.action,
                        a.status,
                        p.assessment.verdict.as_str()
                    ));
                }
            }
            if !any {
                out.push("- none".into());
            }
            out.push("## Constraints in force and manual measures".into());
            let mut measures = false;
            for (seq, a, p) in &actions {
                if a.status.is_final() {
                    continue;
                }
                for (i, m) in p.assessment.measures.iter().enumerate() {
                    let done = a.confirmed.iter().any(|(x, _)| *x as usize == i);
                    measures = true;
                    out.push(format!("- {} (#{seq}): {m}", if done { "in place" } else { "required" }));
                }
            }
            if !measures {
                out.push("- none".into());
            }
            let rounds = incident::integrity::rounds(site, inc, now);
            if rounds.active() {
                out.push("## Monitoring integrity in doubt: verify by hand".into());
                let untrusted: Vec<&str> = rounds.untrusted.keys().map(|a| &**a).collect();
                out.push(format!(
                    "Do not trust these displays, historians and alarm sources: {}.",
                    untrusted.join(", ")
                ));
                for i in &rounds.items {
                    let state = match i.status {
                        incident::integrity::RoundStatus::Due => "due now".to_string(),
                        incident::integrity::RoundStatus::Agrees => format!("agrees, next by {}", i.due),
                        incident::integrity::RoundStatus::Disagrees => {
                            let d: Vec<String> = i
                                .disagreeing
                                .iter()
                                .map(|(a, f, v)| format!("{a} shows {v} against {f} {}", i.unit))
                                .collect();
                            format!("DISAGREES ({}), next by {}", d.join("; "), i.due)
                        }
                    };
                    out.push(format!(
                        "- read {} at {}; compare with {}: {state}",
                        i.name,
                        i.station,
                        i.compare_with.join(", ")
                    ));
                }
            }
            out.push("## Recommended".into());
            let approved: Vec<String> = actions
                .iter()
                .filter(|(_, a, _)| a.status == ActionStatus::Approved)
                .map(|(seq, _, p)| format!("- execute #{seq} {} once its measures are in place", p.action))
                .collect();
            if approved.is_empty() {
                out.push("- no approved action waits for execution".into());
            }
            out.extend(approved);
        }
        Audience::Security => {
            out.push("## Containment".into());
            let done: Vec<String> = actions
                .iter()
                .filter(|(_, a, _)| a.status.applied() || a.status == ActionStatus::RolledBack)
                .map(|(seq, a, p)| format!("- #{seq} {} [{}]", p.action, a.status))
                .collect();
            if done.is_empty() {
                out.push("- no action executed yet".into());
            }
            out.extend(done);
            out.push("## Constraints from operations".into());
            let mut any = false;
            for (seq, a, p) in &actions {
                for r in &a.rejections {
                    any = true;
                    let why = match inc.event(r.seq).map(|e| &e.body) {
                        Some(Body::ActionRejected(x)) => x.rationale.to_string(),
                        _ => String::new(),
                    };
                    out.push(format!("- #{seq} {} rejected by {} ({}): {why}", p.action, r.person, r.roles.join(", ")));
                }
            }
            if !any {
                out.push("- none recorded".into());
            }
            out.push("## Safe to take now".into());
            let safe: Vec<String> = actions
                .iter()
                .filter(|(_, a, p)| a.status == ActionStatus::Approved && p.assessment.verdict == VerdictKind::Safe)
                .map(|(seq, _, p)| format!("- #{seq} {} (approved, verdict safe)", p.action))
                .collect();
            if safe.is_empty() {
                out.push("- none approved with a safe verdict".into());
            }
            out.extend(safe);
            out.push("## Pending approvals".into());
            if pending.is_empty() {
                out.push("- none".into());
            }
            for (seq, a, p) in &pending {
                let req = &p.assessment.requirement;
                let t = a.tally(req);
                let missing: Vec<String> = req
                    .groups
                    .iter()
                    .zip(&t.counted)
                    .filter(|(g, have)| have.len() < g.count as usize)
                    .flat_map(|(g, _)| g.roles.iter().map(|r| who(site, inc, r)))
                    .collect();
                out.push(format!(
                    "- #{seq} {}: waiting for {}",
                    p.action,
                    if missing.is_empty() { "joint sign-off".into() } else { missing.join(" or ") }
                ));
            }
            out.push("## Open hypotheses".into());
            let open: Vec<String> = inc
                .hypotheses
                .iter()
                .filter(|(_, h)| h.status == HypothesisStatus::Open)
                .map(|(seq, h)| {
                    let statement = match inc.event(*seq).map(|e| &e.body) {
                        Some(Body::HypothesisProposed(p)) => p.statement.to_string(),
                        _ => String::new(),
                    };
                    format!(
                        "- #{seq} {statement} (evidence for {:?}, against {:?})",
                        h.evidence_for, h.evidence_against
                    )
                })
                .collect();
            if open.is_empty() {
                out.push("- none".into());
            }
            out.extend(open);
        }
        Audience::Leadership => {
            out.push("## Business impact".into());
            let mut any = false;
            for (seq, a, p) in &actions {
                if a.status.applied() {
                    any = true;
                    out.push(format!("- #{seq} {} [{}]: {}", p.action, a.status, p.assessment.summary.join("; ")));
                }
            }
            if !any {
                out.push("- no response action has been executed".into());
            }
            out.push("## Decisions needed".into());
            if pending.is_empty() {
                out.push("- none".into());
            }
            for (seq, a, p) in &pending {
                let req = &p.assessment.requirement;
                let t = a.tally(req);
                let missing = t.missing(req);
                out.push(format!("- #{seq} {}: {}", p.action, missing.join("; ")));
            }
            out.push("## Regulatory deadlines".into());
            let running: Vec<String> = clocks::clocks(site, inc)
                .into_iter()
                .filter(|c| c.filed.is_none())
                .map(|c| format!("- {} ({}): due {} [{}]", c.deadline.id, c.deadline.report, c.due, c.status(inc, now)))
                .collect();
            if running.is_empty() {
                out.push("- none running".into());
            }
            out.extend(running);
        }
    }
    if let Some(next) = incident::cadence::updates_due(site, inc).into_iter().find(|d| d.audience == audience.as_str())
    {
        let after = next.interval_minutes;
        out.push(format!(
            "Next {} update due {} (this one restarts the clock: the next by {} after publishing).",
            audience.as_str(),
            next.due,
            if after % 60 == 0 { format!("{} h", after / 60) } else { format!("{after} min") }
        ));
    }
    out
}

/// A glossary word used in a text that IT and OT hear differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub term: String,
    pub canonical: String,
    pub it_reading: Option<String>,
    pub ot_reading: Option<String>,
}

/// The glossary terms a text uses whose IT and OT readings differ: each is
/// flagged with its canonical definition, to be confirmed or reworded before
/// publishing. Matching is by whole words, case-insensitive.
pub fn ambiguous_terms(site: &Site, text: &str) -> Vec<Flag> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    let joined = format!(" {} ", words.join(" "));
    let mut out = Vec::new();
    for t in &site.glossary {
        let (Some(it), Some(ot)) = (&t.it_reading, &t.ot_reading) else { continue };
        if it == ot {
            continue;
        }
        let needle = format!(" {} ", t.term.to_lowercase());
        if joined.contains(&needle) {
            out.push(Flag {
                term: t.term.to_string(),
                canonical: t.canonical.to_string(),
                it_reading: Some(it.to_string()),
                ot_reading: Some(ot.to_string()),
            });
        }
    }
    out
}

/// The text with the canonical definitions of its flagged terms appended, so
/// every reader hears the same meaning.
pub fn with_definitions(text: &str, flags: &[Flag]) -> String {
    let mut out = text.trim_end().to_string();
    if flags.is_empty() {
        return out;
    }
    out.push_str("\n\nTerms used here, as this site defines them:");
    for f in flags {
        out.push_str(&format!("\n- {}: {}", f.term, f.canonical));
    }
    out
}
