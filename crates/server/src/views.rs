//! The CLI's list commands as JSON: the work plan (`interlock task list`,
//! `followup list`), the regulatory clocks (`interlock clocks`) and
//! monitoring integrity (`interlock integrity status`). Each is a pure
//! function of the folded incident, the site and the time, computed by the
//! same domain functions the CLI calls.

use incident::Incident;
use serde::Serialize;
use site_model::Site;
use utoipa::ToSchema;

/// One operational period (ICS 202).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodView {
    /// The event that opened it.
    pub period: u64,
    pub start: String,
    pub end: String,
    pub objectives: Vec<String>,
    /// The safety officer's considerations (the latest revision).
    pub safety: String,
    pub safety_by: String,
    /// The event that closed it.
    pub closed: Option<u64>,
}

/// One task (ICS 204).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    /// The event that added it.
    pub task: u64,
    pub title: String,
    pub owner: Option<String>,
    pub role: Option<String>,
    /// it, ot or joint.
    pub domain: String,
    pub assets: Vec<String>,
    pub due: Option<String>,
    /// open, in-progress, blocked, done or cancelled.
    pub status: String,
    pub overdue: bool,
    pub hypothesis: Option<u64>,
    /// An evidence collection: its method.
    pub collection: Option<String>,
    /// passive, low or intrusive.
    pub intrusiveness: Option<String>,
    /// The action that authorises it.
    pub action: Option<u64>,
}

/// Something overdue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderView {
    pub reminder: String,
    pub due: String,
}

/// A follow-up after closure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpView {
    pub item: String,
    pub what: String,
    pub due: String,
    /// The event that recorded it.
    pub recorded: Option<u64>,
    /// A changed plan: every site role holder acknowledges it.
    pub changed: bool,
    pub acknowledged_by: Vec<String>,
    pub acknowledgements_missing: Vec<String>,
    pub overdue: bool,
}

/// The incident's work plan at a time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkPlanView {
    pub now: String,
    pub periods: Vec<PeriodView>,
    pub tasks: Vec<TaskView>,
    /// Overdue tasks, periods past their end, follow-ups past due.
    pub reminders: Vec<ReminderView>,
    pub follow_ups: Vec<FollowUpView>,
}

fn strs(v: &[Box<str>]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn workplan(site: &Site, inc: &Incident, now: incident::Timestamp) -> WorkPlanView {
    let work = inc.plan_of_work();
    let holders = incident::rules::role_holders(site);
    WorkPlanView {
        now: now.to_string(),
        periods: work
            .periods
            .iter()
            .map(|(seq, p)| PeriodView {
                period: *seq,
                start: p.period.start.to_string(),
                end: p.period.end.to_string(),
                objectives: strs(&p.period.objectives),
                safety: p.period.safety.to_string(),
                safety_by: p.period.safety_by.to_string(),
                closed: p.closed,
            })
            .collect(),
        tasks: work
            .tasks
            .iter()
            .map(|(seq, t)| TaskView {
                task: *seq,
                title: t.task.title.to_string(),
                owner: t.task.owner.as_deref().map(String::from),
                role: t.task.role.as_deref().map(String::from),
                domain: t.task.domain.as_str().into(),
                assets: strs(&t.task.assets),
                due: t.task.due.map(|d| d.to_string()),
                status: t.status.as_str().into(),
                overdue: t.is_overdue(now),
                hypothesis: t.task.hypothesis,
                collection: t.task.collection.as_ref().map(|c| c.method.to_string()),
                intrusiveness: t.task.collection.as_ref().map(|c| c.intrusiveness.as_str().into()),
                action: t.action,
            })
            .collect(),
        reminders: work
            .reminders(now)
            .into_iter()
            .map(|r| ReminderView { reminder: r.what, due: r.due.to_string() })
            .collect(),
        follow_ups: work
            .follow_ups
            .iter()
            .map(|f| FollowUpView {
                item: f.item.to_string(),
                what: f.what.to_string(),
                due: f.due.to_string(),
                recorded: f.recorded,
                changed: f.changed,
                acknowledged_by: strs(&f.acks),
                acknowledgements_missing: if f.changed {
                    holders.iter().filter(|h| !f.acks.contains(h)).map(|h| h.to_string()).collect()
                } else {
                    Vec::new()
                },
                overdue: f.recorded.is_none() && f.due.micros() <= now.micros(),
            })
            .collect(),
    }
}

/// One regulatory clock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockView {
    /// The deadline's id in the site model.
    pub deadline: String,
    pub regime: String,
    /// What is to be reported, and to whom.
    pub report: String,
    /// The rule, in words ("within 1 hour").
    pub rule: String,
    /// The event that started it.
    pub trigger: u64,
    pub started: String,
    /// When it is due, in the site's time zone.
    pub due: String,
    /// running, OVERDUE, met or met late.
    pub status: String,
    /// The event that recorded the filing.
    pub filed: Option<u64>,
}

/// The incident's regulatory clocks at a time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClocksView {
    pub now: String,
    pub time_zone: String,
    pub clocks: Vec<ClockView>,
}

pub fn clocks(site: &Site, inc: &Incident, now: incident::Timestamp) -> ClocksView {
    ClocksView {
        now: now.to_string(),
        time_zone: site.info.timezone.as_deref().unwrap_or("UTC").to_string(),
        clocks: clocks::clocks(site, inc)
            .iter()
            .map(|c| ClockView {
                deadline: c.deadline.id.to_string(),
                regime: c.deadline.regime.to_string(),
                report: c.deadline.report.to_string(),
                rule: clocks::describe(c.deadline.due),
                trigger: c.trigger,
                started: c.started.to_string(),
                due: c.due.to_string(),
                status: c.status(inc, now).into(),
                filed: c.filed,
            })
            .collect(),
    }
}

/// A process whose view is in doubt, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoubtView {
    pub process: String,
    pub why: Vec<String>,
}

/// A display not to be trusted, and the processes it shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UntrustedView {
    pub asset: String,
    pub shows: Vec<String>,
}

/// A display that disagreed with the reading taken at the station.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisagreementView {
    pub asset: String,
    /// The value read at the station.
    pub field: String,
    /// What the display showed.
    pub shown: String,
}

/// One reading of the manual verification round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingView {
    pub process: String,
    pub reading: String,
    pub name: String,
    pub unit: String,
    /// Where it is read by hand.
    pub station: String,
    pub tolerance: f64,
    /// The displays to compare it with.
    pub compare_with: Vec<String>,
    /// due, agrees or disagrees.
    pub status: String,
    pub due: String,
    /// The last verification's event.
    pub last: Option<u64>,
    pub disagreeing: Vec<DisagreementView>,
}

/// Monitoring integrity: what is untrusted and why, and the manual verification round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrityView {
    pub now: String,
    /// Whether any view is in doubt.
    pub in_doubt: bool,
    pub processes: Vec<DoubtView>,
    pub untrusted: Vec<UntrustedView>,
    /// How often each reading is taken by hand while in doubt.
    pub interval_minutes: u32,
    pub round: Vec<ReadingView>,
    /// Processes in doubt for which the site model defines no readings.
    pub without_readings: Vec<String>,
}

pub fn integrity(site: &Site, inc: &Incident, now: incident::Timestamp) -> IntegrityView {
    let r = incident::integrity::rounds(site, inc, now);
    IntegrityView {
        now: now.to_string(),
        in_doubt: r.active(),
        processes: r.processes.iter().map(|(p, why)| DoubtView { process: p.to_string(), why: why.clone() }).collect(),
        untrusted: r.untrusted.iter().map(|(a, ps)| UntrustedView { asset: a.to_string(), shows: strs(ps) }).collect(),
        interval_minutes: r.interval_minutes,
        round: r
            .items
            .iter()
            .map(|i| ReadingView {
                process: i.process.to_string(),
                reading: i.reading.to_string(),
                name: i.name.to_string(),
                unit: i.unit.to_string(),
                station: i.station.to_string(),
                tolerance: i.tolerance,
                compare_with: strs(&i.compare_with),
                status: i.status.as_str().into(),
                due: i.due.to_string(),
                last: i.last.map(|(s, _)| s),
                disagreeing: i
                    .disagreeing
                    .iter()
                    .map(|(a, f, s)| DisagreementView {
                        asset: a.to_string(),
                        field: f.to_string(),
                        shown: s.to_string(),
                    })
                    .collect(),
            })
            .collect(),
        without_readings: strs(&r.without_readings),
    }
}
