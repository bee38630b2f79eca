//! Escalations that fall due, recorded by the server itself.
//!
//! A proposed action nobody decides climbs its escalation ladder (the
//! authority matrix's delay and ladder, `incident::Incident::due`): when the
//! delay has passed, the next rung is asked. Every [`ESCALATE_EVERY`] the
//! server looks at each incident and records each escalation due as an
//! `action-escalated` event (cause: timeout) by [`SYSTEM`], through the same
//! write path and rules as every other event, so the board and the streams
//! show it at once. `interlock action due --record` from a timer does the
//! same for a store no server serves; the rules refuse an escalation twice
//! (the level must be the next one), so the two never double it.

use std::time::Duration;

use incident::{Body, Escalation, EscalationCause};

use crate::AppState;
use crate::service::{SYSTEM, ServiceError, system_write};

const NOTHING_DUE: &str = "nothing is due any more";

/// How often the server looks for escalations due.
pub const ESCALATE_EVERY: Duration = Duration::from_secs(30);

/// One escalation recorded: the incident, the action, the level reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub incident: String,
    pub action: u64,
    pub level: u32,
}

/// Records every escalation due at the server's time; returns them.
pub async fn escalate_due(state: &AppState) -> Vec<Escalated> {
    if state.site.is_none() {
        return Vec::new();
    }
    let Ok(now) = incident::Timestamp::from_unix_micros(state.now()) else { return Vec::new() };
    let mut out = Vec::new();
    for inc in crate::service::every_incident(state, "looking for escalations due").await {
        if inc.due(now).is_empty() {
            continue;
        }
        let id = inc.id().to_string();
        let mut these = Vec::new();
        let r = system_write(state, &id, |inc, at| {
            these.clear();
            if inc.due(at).is_empty() {
                // Another server (or the CLI) recorded them first.
                return Err(ServiceError::Conflict(NOTHING_DUE.into()));
            }
            Ok(inc
                .due(at)
                .into_iter()
                .map(|d| {
                    these.push(Escalated { incident: inc.id().to_string(), action: d.action, level: d.level });
                    Body::ActionEscalated(Escalation {
                        action: d.action,
                        level: d.level,
                        cause: EscalationCause::Timeout,
                        reason: format!(
                            "no decision by {}: escalated to {} ({SYSTEM}, on its clock)",
                            d.due_at, d.role
                        )
                        .into(),
                    })
                })
                .collect())
        })
        .await;
        match r {
            Ok(_) => out.append(&mut these),
            Err(ServiceError::Conflict(m)) if m == NOTHING_DUE => {}
            Err(e) => eprintln!("interlock serve: {id}: recording the escalations due: {e}"),
        }
    }
    out
}

/// Looks for escalations due every [`ESCALATE_EVERY`] while the server runs.
pub async fn escalate_loop(state: AppState) {
    let mut every = tokio::time::interval(ESCALATE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        escalate_due(&state).await;
    }
}
