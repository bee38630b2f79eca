//! Regulatory deadlines, as data: what starts each clock and when it runs
//! out, in the site's time zone. A site without `[[deadline]]` tables gets
//! NERC CIP-008's ([`cip_008`]).

use crate::vocab::Trigger;

/// When a clock runs out, from the moment it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A fixed time later, in minutes (`within = "1h"`).
    Within(u32),
    /// Whole calendar days later in the site's time zone, at the same wall-clock time
    /// (`within = "7d"`).
    CalendarDays(u32),
    /// The end of the calendar day this many days later in the site's time zone
    /// (`by_end_of_day = 1`: the end of the next calendar day).
    EndOfDay(u32),
}

/// One regulatory clock of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub id: Box<str>,
    /// The regime and clause (`NERC CIP-008-6 R4.2`).
    pub regime: Box<str>,
    pub trigger: Trigger,
    pub due: Due,
    /// What is filed, and to whom.
    pub report: Box<str>,
}

/// NERC CIP-008's clocks: one hour after a reportable incident is determined;
/// by the end of the next calendar day after an attempt to compromise; seven
/// days after an attribute changes; 90 days after closing, lessons learned.
pub fn cip_008() -> Vec<Deadline> {
    let d = |id: &str, trigger, due, report: &str| Deadline {
        id: id.into(),
        regime: "NERC CIP-008-6".into(),
        trigger,
        due,
        report: report.into(),
    };
    vec![
        d(
            "cip-008-reportable",
            Trigger::Reportable,
            Due::Within(60),
            "initial notification of a Reportable Cyber Security Incident to E-ISAC and CISA (R4.2)",
        ),
        d(
            "cip-008-attempt",
            Trigger::Attempt,
            Due::EndOfDay(1),
            "initial notification of an attempt to compromise to E-ISAC and CISA (R4.2)",
        ),
        d(
            "cip-008-update",
            Trigger::AttributeChange,
            Due::CalendarDays(7),
            "update to E-ISAC and CISA with the new or changed attribute (R4.3)",
        ),
        d(
            "cip-008-lessons",
            Trigger::Closed,
            Due::CalendarDays(90),
            "lessons learned documented and the response plan updated (R3.1)",
        ),
    ]
}
