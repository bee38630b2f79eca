//! The incident's work plan, folded from its events: operational periods
//! with their objectives and safety considerations (ICS 202), tasks with
//! their owners (ICS 204), and the follow-ups that closing the incident
//! creates (lessons learned, plan and site-model updates, a review of every
//! emergency override), each with a deadline.

use std::collections::BTreeMap;

use crate::model::*;
use crate::time::Timestamp;

/// Days after closing by which follow-ups are due when the site does not say
/// (`[site] follow_up_days`; NERC CIP-008: 90 days).
pub const FOLLOW_UP_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodState {
    pub period: Period,
    /// The latest revision of its safety considerations (the event), if revised.
    pub revised: Option<u64>,
    pub closed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    pub task: Task,
    pub added_by: Box<str>,
    pub added_at: Timestamp,
    pub status: TaskStatus,
    pub updates: Vec<u64>,
    /// The action that authorises it (intrusive collection).
    pub action: Option<u64>,
}

impl TaskState {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, TaskStatus::Done | TaskStatus::Cancelled)
    }

    pub fn is_overdue(&self, now: Timestamp) -> bool {
        !self.is_finished() && self.task.due.is_some_and(|d| d.micros() <= now.micros())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpItem {
    pub item: Box<str>,
    /// What it is, in words.
    pub what: Box<str>,
    pub due: Timestamp,
    /// The event that recorded it.
    pub recorded: Option<u64>,
    /// A plan update that changed the plan: every role holder acknowledges it.
    pub changed: bool,
    /// Who acknowledged it.
    pub acks: Vec<Box<str>>,
}

/// A reminder: something overdue.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub what: String,
    pub due: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkPlan {
    pub periods: BTreeMap<u64, PeriodState>,
    pub tasks: BTreeMap<u64, TaskState>,
    pub follow_ups: Vec<FollowUpItem>,
    /// When the incident was last closed.
    pub closed_at: Option<Timestamp>,
}

impl WorkPlan {
    /// The period not yet closed, if any.
    pub fn open_period(&self) -> Option<(u64, &PeriodState)> {
        self.periods.iter().rev().find(|(_, p)| p.closed.is_none()).map(|(s, p)| (*s, p))
    }

    pub fn follow_up(&self, item: &str) -> Option<&FollowUpItem> {
        self.follow_ups.iter().find(|f| *f.item == *item)
    }

    pub(crate) fn apply(&mut self, seq: u64, actor: &str, at: Timestamp, body: &Body) {
        match body {
            Body::PeriodOpened(p) => {
                self.periods.insert(seq, PeriodState { period: p.clone(), revised: None, closed: None });
            }
            Body::SafetyConsiderations(r) => {
                if let Some(p) = self.periods.get_mut(&r.period) {
                    p.period.safety = r.safety.clone();
                    p.period.safety_by = actor.into();
                    p.revised = Some(seq);
                }
            }
            Body::PeriodClosed(c) => {
                if let Some(p) = self.periods.get_mut(&c.period) {
                    p.closed = Some(seq);
                }
            }
            Body::TaskAdded(t) => {
                self.tasks.insert(
                    seq,
                    TaskState {
                        task: t.clone(),
                        added_by: actor.into(),
                        added_at: at,
                        status: TaskStatus::Open,
                        updates: Vec::new(),
                        action: None,
                    },
                );
            }
            Body::TaskUpdated(u) => {
                if let Some(t) = self.tasks.get_mut(&u.task) {
                    t.status = u.status;
                    t.updates.push(seq);
                    if u.action.is_some() {
                        t.action = u.action;
                    }
                }
            }
            Body::FollowUpRecorded(f) => {
                if let Some(x) = self.follow_ups.iter_mut().find(|x| x.item == f.item) {
                    x.recorded = Some(seq);
                    x.changed = f.changed;
                }
            }
            Body::FollowUpsOpened(f) => self.open_follow_ups(f),
            Body::FollowUpAcknowledged(a) => {
                if let Some(x) = self.follow_ups.iter_mut().find(|x| x.item == a.item)
                    && !x.acks.iter().any(|p| **p == *actor)
                {
                    x.acks.push(actor.into());
                }
            }
            _ => {}
        }
    }

    /// The follow-ups closing opens (they are recorded by a `follow-ups-opened` event).
    pub fn items_for(reviews: &[u64]) -> Vec<String> {
        let mut v: Vec<String> =
            ["lessons-learned", "plan-update", "site-model-update"].iter().map(|s| s.to_string()).collect();
        v.extend(reviews.iter().map(|r| format!("review-{r}")));
        v
    }

    /// What a follow-up item is, in words.
    pub fn describe(item: &str) -> String {
        match item {
            "lessons-learned" => "lessons learned (\"none\" is a valid record)".into(),
            "plan-update" => "updates to the response plan; every role holder acknowledges a changed plan".into(),
            "site-model-update" => "updates to the site model (assets, dependencies, authority matrix)".into(),
            other => match other.strip_prefix("review-") {
                Some(n) => format!("post-incident review of the emergency override #{n}"),
                None => other.to_string(),
            },
        }
    }

    fn open_follow_ups(&mut self, f: &FollowUpsOpened) {
        for item in &f.items {
            self.follow_ups.push(FollowUpItem {
                item: item.clone(),
                what: Self::describe(item).into(),
                due: f.due,
                recorded: None,
                changed: false,
                acks: Vec::new(),
            });
        }
    }

    /// What is overdue at `now`: tasks past their due time, follow-ups past their deadline.
    pub fn reminders(&self, now: Timestamp) -> Vec<Reminder> {
        let mut out = Vec::new();
        for (seq, t) in &self.tasks {
            if let (true, Some(due)) = (t.is_overdue(now), t.task.due) {
                let owner = t.task.owner.as_deref().or(t.task.role.as_deref()).unwrap_or("?");
                out.push(Reminder { what: format!("task #{seq} \"{}\" ({owner}) is overdue", t.task.title), due });
            }
        }
        for f in &self.follow_ups {
            if f.recorded.is_none() && f.due.micros() <= now.micros() {
                out.push(Reminder { what: format!("follow-up {} is overdue: {}", f.item, f.what), due: f.due });
            }
        }
        out
    }
}

/// The status summary of a period as it closes: its objectives, the tasks
/// added during it and where they stand, the actions proposed during it, the
/// open hypotheses, the situation.
pub fn period_summary(inc: &crate::state::Incident, period: u64, at: Timestamp) -> Vec<String> {
    let Some(p) = inc.plan_of_work().periods.get(&period) else { return Vec::new() };
    let mut out = Vec::new();
    out.push(format!("period #{period}: {} to {}, closed at {at}", p.period.start, p.period.end));
    for (i, o) in p.period.objectives.iter().enumerate() {
        out.push(format!("objective {}: {o}", i + 1));
    }
    out.push(format!("safety considerations ({}): {}", p.period.safety_by, p.period.safety));
    let tasks: Vec<(&u64, &TaskState)> = inc.plan_of_work().tasks.iter().filter(|(s, _)| **s > period).collect();
    let count = |st: TaskStatus| tasks.iter().filter(|(_, t)| t.status == st).count();
    out.push(format!(
        "tasks: {} added; {} done, {} in progress, {} blocked, {} open, {} cancelled; {} overdue",
        tasks.len(),
        count(TaskStatus::Done),
        count(TaskStatus::InProgress),
        count(TaskStatus::Blocked),
        count(TaskStatus::Open),
        count(TaskStatus::Cancelled),
        tasks.iter().filter(|(_, t)| t.is_overdue(at)).count()
    ));
    for (seq, t) in tasks.iter().filter(|(_, t)| !t.is_finished()) {
        out.push(format!("  task #{seq} {}: {}", t.status, t.task.title));
    }
    let actions: Vec<(&u64, &crate::actions::ActionState)> = inc.actions.iter().filter(|(s, _)| **s > period).collect();
    for (seq, a) in &actions {
        let text = inc.proposal(**seq).map(|p| p.action.to_string()).unwrap_or_default();
        out.push(format!("action #{seq} {}: {text}", a.status));
    }
    let open_h = inc.hypotheses.values().filter(|h| h.status == HypothesisStatus::Open).count();
    out.push(format!("open hypotheses: {open_h}"));
    let sit = &inc.situation;
    out.push(format!(
        "situation: process {}, control {}, view {}",
        sit.process_state.map(|x| x.as_str()).unwrap_or("not assessed"),
        sit.control.map(|x| x.as_str()).unwrap_or("not assessed"),
        sit.view.map(|x| x.as_str()).unwrap_or("not assessed")
    ));
    out
}
