//! The authority matrix at work.
//!
//! A site's matrix (loaded by `site_model` into [`site_model::authority`])
//! says who may execute which response action, whose approvals it needs, who
//! may veto or override it, and how it escalates. This crate:
//!
//! - assesses a proposed action ([`Engine::assess`]): its impact and safety
//!   verdict from the `impact` engine, the impact facts the matrix matches on,
//!   the matching rules and the [`Requirement`] they make together, each rule
//!   with the facts that made it match;
//! - counts approvals towards a requirement ([`tally`]): distinct people, one
//!   group each, never the proposer, joint sign-off across IT and OT;
//! - validates a matrix against its site ([`validate`]);
//! - answers "who can unblock this?" ([`holders`]).
//!
//! Pure: no I/O, no clock, no async.

pub mod assess;
pub mod requirement;
pub mod validate;

pub use assess::{AssessError, Assessment, Context, Engine, Fact, VerdictKind, touched_assets};
pub use requirement::{Group, Matched, Requirement, Rung, Tally, Vote, tally};
pub use validate::{Finding, Level, person_side, validate};

use site_model::Site;

/// Whether a person holds a role of the site as its primary or a deputy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Primary,
    Deputy,
}

impl Holding {
    pub fn as_str(self) -> &'static str {
        match self {
            Holding::Primary => "primary",
            Holding::Deputy => "deputy",
        }
    }
}

/// The people who hold a role of the site: its primary, then its deputies.
pub fn holders<'s>(site: &'s Site, role: &str) -> Vec<(&'s site_model::Person, Holding)> {
    let Some(r) = site.role_by_id(role) else { return Vec::new() };
    let r = &site.roles[r.ix()];
    r.primary
        .iter()
        .map(|p| (&site.people[p.ix()], Holding::Primary))
        .chain(r.deputies.iter().map(|p| (&site.people[p.ix()], Holding::Deputy)))
        .collect()
}

/// The roles of `roles` a person holds in the site (primary or deputy).
pub fn site_roles_of<'r>(site: &Site, person: &str, roles: impl IntoIterator<Item = &'r str>) -> Vec<&'r str> {
    let Some(p) = site.person_by_id(person) else { return Vec::new() };
    roles
        .into_iter()
        .filter(|r| {
            site.role_by_id(r).is_some_and(|ix| {
                let role = &site.roles[ix.ix()];
                role.primary == Some(p) || role.deputies.contains(&p)
            })
        })
        .collect()
}
