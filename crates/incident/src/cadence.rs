//! The update cadence: each audience (operations, security, leadership)
//! gets a status update at least every interval the site sets for the
//! incident's current severity (`[site.update_every]`). The clock runs from
//! the declaration, or the audience's last published update, whichever is
//! later; a snooze (an event, with its reason) puts the next one off to a
//! given time. When an update is overdue, the timeline keeper and the
//! incident commander are reminded.
//!
//! Pure: the time is given.

use site_model::Site;

use crate::model::{Body, Phase, Status};
use crate::rules::Policy;
use crate::state::Incident;
use crate::time::Timestamp;

/// The audiences updates go to, in the order they are shown.
pub const AUDIENCES: [&str; 3] = ["operations", "security", "leadership"];

const MINUTE: i64 = 60_000_000;

/// When an audience's next update is due, and why then.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateDue {
    pub audience: &'static str,
    /// The last update published to this audience (event number).
    pub last: Option<u64>,
    /// The severity's interval, in minutes.
    pub interval_minutes: u32,
    /// The latest snooze in force (event number), which set `due`.
    pub snoozed: Option<u64>,
    pub due: Timestamp,
}

impl UpdateDue {
    /// Minutes past due at `now` (0 when not yet due).
    pub fn overdue_minutes(&self, now: Timestamp) -> i64 {
        ((now.micros() - self.due.micros()) / MINUTE).max(0)
    }

    pub fn is_overdue(&self, now: Timestamp) -> bool {
        now.micros() >= self.due.micros()
    }
}

/// An overdue update, and whom to remind.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateReminder {
    pub due: UpdateDue,
    pub overdue_minutes: i64,
    /// (role, person): the incident's holders of the record and command roles, else the site's.
    pub to: Vec<(Box<str>, Box<str>)>,
}

/// An interval as people say it: `30 min`, `4 h`, `1 d 2 h 30 min`.
pub fn minutes(m: u32) -> String {
    match (m / 1440, m % 1440 / 60, m % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, 0) => format!("{d} d"),
        (d, h, 0) => format!("{d} d {h} h"),
        (d, h, m) => format!("{d} d {h} h {m} min"),
    }
}

/// Is the cadence running? From the declaration until the incident closes.
pub fn running(inc: &Incident) -> bool {
    inc.status == Status::Declared && inc.phase != Phase::Closed
}

/// When each audience's next update is due; empty when the cadence is not running.
pub fn updates_due(site: &Site, inc: &Incident) -> Vec<UpdateDue> {
    if !running(inc) {
        return Vec::new();
    }
    let Some(declared_at) = inc.declared.and_then(|s| inc.event(s)).map(|e| e.recorded_at) else {
        return Vec::new();
    };
    let interval = site.info.update_interval(inc.severity.as_str()).unwrap_or(60);
    AUDIENCES
        .iter()
        .map(|audience| {
            let mut last = None;
            let mut basis = declared_at;
            let mut snoozed: Option<(u64, Timestamp)> = None;
            for e in inc.events() {
                match inc.effective(e.seq) {
                    Some(Body::CommunicationPublished(c)) if &*c.audience == *audience => {
                        if e.recorded_at.micros() >= basis.micros() {
                            basis = e.recorded_at;
                        }
                        last = Some(e.seq);
                        // A publication answers any snooze before it.
                        snoozed = None;
                    }
                    Some(Body::UpdateSnoozed(z)) if z.audience.as_deref().is_none_or(|a| a == *audience) => {
                        snoozed = Some((e.seq, z.until));
                    }
                    _ => {}
                }
            }
            let due = match snoozed {
                Some((_, until)) => until,
                None => basis.plus_micros(i64::from(interval) * MINUTE),
            };
            UpdateDue { audience, last, interval_minutes: interval, snoozed: snoozed.map(|(s, _)| s), due }
        })
        .collect()
}

/// The earliest next update due, if the cadence is running.
pub fn next_update(site: &Site, inc: &Incident) -> Option<UpdateDue> {
    updates_due(site, inc).into_iter().min_by_key(|d| d.due.micros())
}

/// The people to remind of an overdue update: the incident's holders of the
/// record roles (timeline keeper) and the command roles (incident commander);
/// where a position is not held in the incident, the site's primary holder.
pub fn reminded(site: &Site, inc: &Incident, policy: &Policy) -> Vec<(Box<str>, Box<str>)> {
    let mut out: Vec<(Box<str>, Box<str>)> = Vec::new();
    for role in policy.record_roles.iter().chain(&policy.declare_roles) {
        let person = match inc.positions.get(role) {
            Some(p) => Some(p.person.clone()),
            None => {
                site.role_by_id(role).and_then(|ix| site.roles[ix.ix()].primary).map(|p| site.people[p.ix()].id.clone())
            }
        };
        if let Some(person) = person
            && !out.iter().any(|(r, p)| r == role && *p == person)
        {
            out.push((role.clone(), person));
        }
    }
    out
}

/// The updates overdue at `now`, each with whom to remind.
pub fn reminders(site: &Site, inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<UpdateReminder> {
    let to = reminded(site, inc, policy);
    updates_due(site, inc)
        .into_iter()
        .filter(|d| d.is_overdue(now))
        .map(|d| UpdateReminder { overdue_minutes: d.overdue_minutes(now), due: d, to: to.clone() })
        .collect()
}

/// The longest a snooze may put an update off: the severity's interval, so a
/// snoozed audience still hears at least twice as rarely as the cadence says, never less.
pub fn max_snooze_minutes(site: &Site, inc: &Incident) -> u32 {
    site.info.update_interval(inc.severity.as_str()).unwrap_or(60)
}
