//! `interlock action ...`: response actions through the authority workflow.
//!
//! A proposal is assessed (impact, safety verdict, the approvals the
//! authority matrix requires) and the assessment is frozen into the
//! incident's log; approvals, rejections, escalations, overrides, the
//! confirmation of compensating measures, execution, verification and
//! rollback are events after it. The rules of the `incident` crate decide
//! what may be appended; this module only builds events and shows state.

use std::io::Write;
use std::process::ExitCode;

use ::incident::{
    ActionNote, ActionState, Body, Digest, Escalation, EscalationCause, ExecutionOutcome, ExecutionReport, Incident,
    MeasureCheck, Override, Proposal, Stance, Timestamp, Verification, VerificationResult,
};
use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use site_model::{PhaseWord, Site};

use super::clock::Clock;
use super::{Common, Writing, load, load_site, open_store, vocab, write_with};

#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// Propose a response action: its impact, safety verdict and required approvals are computed and recorded.
    Propose(ProposeArgs),
    /// Approve a pending action (with a rationale), in the roles you hold.
    Approve(StanceArgs),
    /// Reject a pending action (with a rationale); a veto when you hold a veto role.
    Reject(StanceArgs),
    /// Send a pending action up its escalation ladder (the proposer, or command).
    Escalate(EscalateArgs),
    /// Emergency override: approve without the approvals (a rationale is required; creates a review item).
    Override(RationaleArgs),
    /// Confirm that a compensating measure of the verdict is in place (numbered from 1).
    Confirm(ConfirmArgs),
    /// Record execution: started, or with --outcome how it ended (completed, partial, failed).
    Execute(ExecuteArgs),
    /// Record whether an executed action had the intended effect.
    Verify(VerifyArgs),
    /// Record a rollback and how it ended.
    Rollback(RollbackArgs),
    /// Withdraw a proposal that was not executed.
    Withdraw(RationaleArgs),
    /// Why an action needs what it needs, what is missing, and who can unblock it.
    Explain(ExplainArgs),
    /// The incident's actions and their state.
    List(ListArgs),
    /// Escalations due at the clock's time; --record appends them.
    Due(DueArgs),
}

#[derive(Args, Debug)]
pub struct ProposeArgs {
    #[command(flatten)]
    common: Common,
    /// The incident id.
    id: String,
    /// The action, e.g. "kill-session ews-01 for containment" (docs/actions.md).
    action: String,
    #[arg(long)]
    rationale: String,
    /// Evidence the proposal rests on (event numbers; repeat).
    #[arg(long = "evidence")]
    evidence: Vec<u64>,
}

#[derive(Args, Debug)]
pub struct StanceArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// The action (its proposal's event number).
    action: u64,
    #[arg(long)]
    rationale: String,
}

#[derive(Args, Debug)]
pub struct RationaleArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    #[arg(long)]
    rationale: String,
}

#[derive(Args, Debug)]
pub struct EscalateArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct ConfirmArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    /// The measure's number (from `interlock action explain`).
    measure: u32,
    #[arg(long)]
    note: String,
}

#[derive(Args, Debug)]
pub struct ExecuteArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    /// How the execution ended; without it, the execution is recorded as started.
    #[arg(long, value_parser = vocab::<ExecutionOutcome>)]
    outcome: Option<ExecutionOutcome>,
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    #[arg(long, value_parser = vocab::<VerificationResult>)]
    result: VerificationResult,
    #[arg(long)]
    note: String,
}

#[derive(Args, Debug)]
pub struct RollbackArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    #[arg(long, value_parser = vocab::<ExecutionOutcome>, default_value = "completed")]
    outcome: ExecutionOutcome,
    #[arg(long)]
    note: String,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    action: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct DueArgs {
    #[command(flatten)]
    common: Common,
    id: String,
    /// Record each due escalation as an event (as --as).
    #[arg(long)]
    record: bool,
    #[arg(long)]
    json: bool,
}

/// Runs an action command.
pub fn run(cmd: ActionCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = super::clock::from_env()?;
    rt.block_on(dispatch(cmd, &*clock))
}

fn versions(w: &Writing<'_>) -> Result<(Digest, Digest)> {
    let engine = w.engine.ok_or_else(|| anyhow!("the impact engine is not loaded"))?;
    let m = engine.authority()?;
    let a = Digest::parse(&m.version).ok_or_else(|| anyhow!("the authority version {} is not a SHA-256", m.version))?;
    Ok((w.site_version()?, a))
}

/// The roles of the action's requirement the actor holds (site or incident),
/// and their side: what an approval or rejection records.
fn capacities(inc: &Incident, w: &Writing<'_>, action: u64) -> Result<(Vec<Box<str>>, Option<site_model::Domain>)> {
    let policy = ::incident::Policy::default();
    let cx = ::incident::Context { site: w.site, policy: &policy, engine: w.engine };
    ::incident::rules::capacities(inc, &cx, w.actor, action).ok_or_else(|| {
        anyhow!("#{action} is not an action proposal of {} (see `interlock action list {}`)", inc.id(), inc.id())
    })
}

fn proposal(inc: &Incident, seq: u64) -> Result<(&Proposal, &ActionState)> {
    match (inc.proposal(seq), inc.actions.get(&seq)) {
        (Some(p), Some(a)) => Ok((p, a)),
        _ => bail!("#{seq} is not an action proposal of {} (see `interlock action list {}`)", inc.id(), inc.id()),
    }
}

fn phase_word(inc: &Incident) -> Result<PhaseWord> {
    PhaseWord::parse(inc.phase.as_str()).ok_or_else(|| anyhow!("phase {} has no authority word", inc.phase))
}

async fn dispatch(cmd: ActionCommand, clock: &dyn Clock) -> Result<ExitCode> {
    use ActionCommand as C;
    match cmd {
        C::Propose(a) => {
            write_with(&a.common, &a.id, clock, true, |inc, w| {
                let engine = w.engine.ok_or_else(|| anyhow!("the impact engine is not loaded"))?;
                let assessment = engine.assess(&a.action, phase_word(inc)?)?;
                let (site_version, authority_version) = versions(w)?;
                Ok(vec![Body::ActionProposed(Proposal {
                    action: assessment.action.clone(),
                    rationale: a.rationale.as_str().into(),
                    evidence: a.evidence.clone(),
                    phase: inc.phase,
                    site_version,
                    authority_version,
                    assessment,
                })])
            })
            .await
        }
        C::Approve(a) => stance(a, true, clock).await,
        C::Reject(a) => stance(a, false, clock).await,
        C::Escalate(a) => {
            write_with(&a.common, &a.id, clock, true, |inc, _| {
                let (p, st) = proposal(inc, a.action)?;
                let level = st
                    .next_escalation(&p.assessment.requirement)
                    .map(|(l, _, _)| l)
                    .ok_or_else(|| anyhow!("#{} is at the top of its escalation ladder", a.action))?;
                Ok(vec![Body::ActionEscalated(Escalation {
                    action: a.action,
                    level,
                    cause: EscalationCause::Requested,
                    reason: a.reason.as_str().into(),
                })])
            })
            .await
        }
        C::Override(a) => {
            write_with(&a.common, &a.id, clock, true, |_, w| {
                let (site_version, authority_version) = versions(w)?;
                Ok(vec![Body::ActionOverridden(Override {
                    action: a.action,
                    rationale: a.rationale.as_str().into(),
                    site_version,
                    authority_version,
                })])
            })
            .await
        }
        C::Confirm(a) => {
            if a.measure == 0 {
                bail!("measures are numbered from 1 (see `interlock action explain`)");
            }
            write_with(&a.common, &a.id, clock, true, |_, _| {
                Ok(vec![Body::MeasureConfirmed(MeasureCheck {
                    action: a.action,
                    measure: a.measure - 1,
                    note: a.note.as_str().into(),
                })])
            })
            .await
        }
        C::Execute(a) => {
            let mut text: Option<String> = None;
            let code = write_with(&a.common, &a.id, clock, true, |inc, _| {
                text = inc.proposal(a.action).map(|p| p.action.to_string());
                let note: Box<str> = a.note.as_str().into();
                Ok(vec![match a.outcome {
                    None => Body::ExecutionStarted(ActionNote { action: a.action, note }),
                    Some(outcome) => Body::ExecutionReported(ExecutionReport { action: a.action, outcome, note }),
                }])
            })
            .await?;
            // A completed revocation of vendor access revokes the grants it covers.
            if a.outcome == Some(ExecutionOutcome::Completed)
                && let Some(text) = text
            {
                let site = load_site(a.common.who.site.as_deref())?;
                let action = impact::Action::parse(&site, &text).map_err(|e| anyhow!("{}", e.explain()))?;
                let why = format!("revoked by action #{} of {} ({text})", a.action, a.id);
                for g in super::evidence::revoke_for_action(&a.common, &site, &action, &why, clock).await? {
                    println!("grant {g} revoked: {why}");
                }
            }
            Ok(code)
        }
        C::Verify(a) => {
            write_with(&a.common, &a.id, clock, true, |_, _| {
                Ok(vec![Body::ActionVerified(Verification {
                    action: a.action,
                    result: a.result,
                    note: a.note.as_str().into(),
                })])
            })
            .await
        }
        C::Rollback(a) => {
            write_with(&a.common, &a.id, clock, true, |_, _| {
                Ok(vec![Body::ActionRolledBack(ExecutionReport {
                    action: a.action,
                    outcome: a.outcome,
                    note: a.note.as_str().into(),
                })])
            })
            .await
        }
        C::Withdraw(a) => {
            write_with(&a.common, &a.id, clock, true, |_, _| {
                Ok(vec![Body::ActionWithdrawn(ActionNote { action: a.action, note: a.rationale.as_str().into() })])
            })
            .await
        }
        C::Explain(a) => explain(a).await,
        C::List(a) => list(a).await,
        C::Due(a) => due(a, clock).await,
    }
}

async fn stance(a: StanceArgs, approve: bool, clock: &dyn Clock) -> Result<ExitCode> {
    write_with(&a.common, &a.id, clock, true, |inc, w| {
        let (roles, side) = capacities(inc, w, a.action)?;
        let (site_version, authority_version) = versions(w)?;
        let st = Stance {
            action: a.action,
            rationale: a.rationale.as_str().into(),
            roles,
            side,
            site_version,
            authority_version,
        };
        Ok(vec![if approve { Body::ActionApproved(st) } else { Body::ActionRejected(st) }])
    })
    .await
}

/// (person id, name, how they hold the role).
fn explain_json(site: &Site, inc: &Incident, p: &Proposal, a: &ActionState) -> Value {
    let req = &p.assessment.requirement;
    let tally = a.tally(req);
    let unblock: Vec<Value> = ::incident::actions::unblockers(site, inc, p, a)
        .into_iter()
        .map(|(role, people)| {
            json!({
                "role": role,
                "people": people.iter().map(|h| json!({"id": h.person, "name": h.name, "holding": h.holding})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "action": a.proposal,
        "text": p.action,
        "status": a.status.as_str(),
        "proposer": a.proposer,
        "verdict": p.assessment.verdict.as_str(),
        "rules": req.rules.iter().map(|m| json!({"rule": m.rule, "because": m.because})).collect::<Vec<_>>(),
        "missing": tally.missing(req),
        "counted": tally.counted,
        "level": a.level,
        "next_escalation": a.next_escalation(req).map(|(l, r, t)| json!({"level": l, "role": r, "at": t.to_string()})),
        "measures": p.assessment.measures.iter().enumerate().map(|(i, m)| json!({
            "number": i + 1,
            "measure": m,
            "confirmed": a.confirmed.iter().any(|(x, _)| *x as usize == i),
        })).collect::<Vec<_>>(),
        "next_steps": a.next_steps(p),
        "who_can_unblock": unblock,
        "review_item": a.overridden,
    })
}

async fn explain(a: ExplainArgs) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let (p, st) = proposal(&inc, a.action)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &explain_json(&site, &inc, p, st))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    out.write_all(::incident::actions::explain_text(&site, &inc, p, st).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

async fn list(a: ListArgs) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = inc
            .actions
            .values()
            .filter_map(|st| inc.proposal(st.proposal).map(|p| explain_json(&site, &inc, p, st)))
            .collect();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if inc.actions.is_empty() {
        writeln!(out, "no actions proposed in {}", inc.id())?;
    }
    for st in inc.actions.values() {
        let Some(p) = inc.proposal(st.proposal) else { continue };
        writeln!(
            out,
            "#{:<4} {:<18} {}  ({})",
            st.proposal,
            st.status.as_str(),
            p.action,
            p.assessment.verdict.as_str()
        )?;
        for s in st.next_steps(p) {
            writeln!(out, "        {s}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn due(a: DueArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let now: Timestamp = clock.now();
    if a.record {
        let store = open_store(&a.common.db).await?;
        let nothing = load(&store, &a.id).await?.due(now).is_empty();
        store.close().await;
        if nothing {
            println!("nothing due at {now}");
            return Ok(ExitCode::SUCCESS);
        }
        let mut found = false;
        let r = write_with(&a.common, &a.id, clock, true, |inc, _| {
            let bodies: Vec<Body> = inc
                .due(now)
                .into_iter()
                .map(|d| {
                    Body::ActionEscalated(Escalation {
                        action: d.action,
                        level: d.level,
                        cause: EscalationCause::Timeout,
                        reason: format!("no decision by {}: escalated to {}", d.due_at, d.role).into(),
                    })
                })
                .collect();
            found = !bodies.is_empty();
            Ok(bodies)
        })
        .await;
        if !found && r.is_ok() {
            println!("nothing due at {now}");
        }
        return r;
    }
    let store = open_store(&a.common.db).await?;
    let inc = load(&store, &a.id).await?;
    store.close().await;
    let due = inc.due(now);
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<Value> = due
            .iter()
            .map(|d| json!({"action": d.action, "level": d.level, "role": d.role, "due_at": d.due_at.to_string()}))
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({"now": now.to_string(), "due": v}))?;
        writeln!(out)?;
    } else if due.is_empty() {
        writeln!(out, "nothing due at {now}")?;
    } else {
        for d in &due {
            writeln!(out, "#{} escalates to level {} ({}): due since {}", d.action, d.level, d.role, d.due_at)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
