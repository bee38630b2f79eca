//! Regulatory clocks.
//!
//! Each deadline of the site (`[[deadline]]`, or NERC CIP-008's when the site
//! names none) starts on a trigger: a determination recorded in the incident
//! (reportable, an attempt to compromise, a changed attribute; at the moment
//! of determination, which may be before it was recorded), or the closing.
//! [`due`] computes when it runs out in the site's time zone: a fixed time
//! later, whole calendar days later at the same wall-clock time, or the end
//! of a calendar day (the first instant of the day after). Daylight-saving
//! changes and midnights are handled by the time-zone rules (the IANA
//! database, embedded).
//!
//! Pure: no I/O, no clock.

use incident::{Body, Incident, Phase, Timestamp};
use jiff::tz::TimeZone;
use site_model::Site;
use site_model::deadline::{Deadline, Due};

/// One running (or met) clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    pub deadline: Deadline,
    /// The event that started it.
    pub trigger: u64,
    pub started: Timestamp,
    pub due: Timestamp,
    /// The report that met it (its event), if filed.
    pub filed: Option<u64>,
}

impl Clock {
    /// Where it stands at `now`: met (on time or late), running, or overdue.
    pub fn status(&self, inc: &Incident, now: Timestamp) -> &'static str {
        match self.filed.and_then(|s| inc.event(s)) {
            Some(e) if e.recorded_at.micros() <= self.due.micros() => "met",
            Some(_) => "met late",
            None if now.micros() >= self.due.micros() => "OVERDUE",
            None => "running",
        }
    }
}

/// An error computing a time (out of the representable range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange(pub String);

fn to_jiff(t: Timestamp) -> Result<jiff::Timestamp, TimeRange> {
    jiff::Timestamp::from_microsecond(t.micros()).map_err(|e| TimeRange(e.to_string()))
}

fn from_jiff(t: jiff::Timestamp, tz: &TimeZone) -> Result<Timestamp, TimeRange> {
    let offset = tz.to_offset(t).seconds() / 60;
    let micros = t.as_microsecond();
    Timestamp::new(micros, offset as i16).map_err(|e| TimeRange(e.to_string()))
}

/// When a clock started at `start` runs out, in time zone `tz` (shown in its offset then).
pub fn due(rule: Due, start: Timestamp, tz: &TimeZone) -> Result<Timestamp, TimeRange> {
    let t = to_jiff(start)?;
    let err = |e: jiff::Error| TimeRange(e.to_string());
    let out = match rule {
        Due::Within(minutes) => t.checked_add(jiff::SignedDuration::from_secs(minutes as i64 * 60)).map_err(err)?,
        Due::CalendarDays(days) => {
            let z = t.to_zoned(tz.clone());
            let dt = z.datetime().checked_add(jiff::Span::new().days(days as i64)).map_err(err)?;
            dt.to_zoned(tz.clone()).map_err(err)?.timestamp()
        }
        Due::EndOfDay(days) => {
            let z = t.to_zoned(tz.clone());
            let day = z.date().checked_add(jiff::Span::new().days(days as i64 + 1)).map_err(err)?;
            day.to_zoned(tz.clone()).map_err(err)?.timestamp()
        }
    };
    from_jiff(out, tz)
}

/// Every clock the incident has started, in the order of their triggers.
pub fn clocks(site: &Site, inc: &Incident) -> Vec<Clock> {
    let tz = site.time_zone();
    let deadlines = site.deadlines_in_force();
    let mut out = Vec::new();
    for e in inc.events() {
        let (trigger, started) = match &e.body {
            Body::Determined(d) => match site_model::Trigger::parse(&d.kind) {
                Some(k) => (k, d.at),
                None => continue,
            },
            Body::PhaseChanged { phase: Phase::Closed, .. } => (site_model::Trigger::Closed, e.recorded_at),
            _ => continue,
        };
        for d in deadlines.iter().filter(|d| d.trigger == trigger) {
            let Ok(due_at) = due(d.due, started, &tz) else { continue };
            let filed = inc.events().iter().find_map(|f| match &f.body {
                Body::ReportFiled(r) if *r.deadline == *d.id && r.trigger == e.seq => Some(f.seq),
                _ => None,
            });
            out.push(Clock { deadline: d.clone(), trigger: e.seq, started, due: due_at, filed });
        }
    }
    out
}

/// The rule in words (`1h`, `7 calendar days`, `by the end of the next calendar day`).
pub fn describe(rule: Due) -> String {
    match rule {
        Due::Within(m) if m % 60 == 0 => format!("within {}h", m / 60),
        Due::Within(m) => format!("within {m} minutes"),
        Due::CalendarDays(d) => format!("within {d} calendar days"),
        Due::EndOfDay(0) => "by the end of the same calendar day".into(),
        Due::EndOfDay(1) => "by the end of the next calendar day".into(),
        Due::EndOfDay(d) => format!("by the end of the calendar day {d} days later"),
    }
}
