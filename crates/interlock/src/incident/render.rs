//! How incidents are shown as text: the state (`show`) and the timeline.
//! The JSON of events, the export, the Markdown timeline and the offline
//! checks are `report::export`, shared with the server.

use std::io::Write;

use ::incident::describe::{describe, opt, who};
use ::incident::*;
use anyhow::Result;
use site_model::Site;

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
