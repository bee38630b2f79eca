//! Selecting events of a timeline: by kind, person, domain and time. The
//! same filter serves the command line (`interlock incident timeline`) and
//! the board (`/incidents/{id}?kind=...&domain=...&person=...`).

use site_model::Domain;

use crate::model::{Event, Kind};
use crate::time::Timestamp;

/// What a timeline shows; an empty filter shows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Any of these kinds (none: every kind).
    pub kinds: Vec<Kind>,
    /// Recorded by this person, or naming them (an assignment, a member...).
    pub person: Option<String>,
    /// Events of this domain (IT or OT).
    pub domain: Option<Domain>,
    /// Events that occurred at or after this time.
    pub since: Option<Timestamp>,
    /// Events that occurred before this time.
    pub until: Option<Timestamp>,
}

impl Filter {
    /// Whether the filter selects everything.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    pub fn matches(&self, e: &Event) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&e.body.kind()) {
            return false;
        }
        if let Some(p) = &self.person
            && *e.actor != **p
            && !e.body.people().contains(&p.as_str())
        {
            return false;
        }
        if self.domain.is_some() && e.body.domain() != self.domain {
            return false;
        }
        let t = e.occurred_at().micros();
        if self.since.is_some_and(|s| t < s.micros()) || self.until.is_some_and(|u| t >= u.micros()) {
            return false;
        }
        true
    }
}
