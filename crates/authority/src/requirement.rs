//! What a proposed action needs before it may be executed, as a value that
//! is frozen into the incident record ([`Requirement`]), and who counts
//! towards it ([`tally`]).
//!
//! Everything here names roles and people by their site ids, so a recorded
//! requirement reads the same whatever the site model later becomes.

use site_model::Domain;

/// `count` distinct people, each holding one of `roles`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Group {
    pub roles: Vec<Box<str>>,
    pub count: u32,
}

/// A rule of the matrix that matched, and the facts that made it match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub rule: Box<str>,
    pub because: Vec<Box<str>>,
}

/// One step of an escalation ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    pub role: Box<str>,
    /// Minutes this step has to decide before the next one is called.
    pub minutes: u32,
}

/// The approvals, vetoes, executors and escalation of one proposed action:
/// the conjunction of every matching rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub rules: Vec<Matched>,
    /// All must be satisfied, each by its own people.
    pub groups: Vec<Group>,
    /// At least one approver from IT and one from OT.
    pub joint: bool,
    /// Holders of these roles may veto.
    pub veto: Vec<Box<str>>,
    /// Roles whose holders may execute; `None`: no rule restricts it.
    pub execute: Option<Vec<Box<str>>>,
    /// Roles whose holders may override in an emergency (empty: nobody).
    pub override_roles: Vec<Box<str>>,
    /// Minutes before an undecided proposal escalates to the first rung.
    pub escalate_minutes: u32,
    pub ladder: Vec<Rung>,
}

impl Requirement {
    /// Why it needs what it needs, a line each: every matching rule
    /// (`  rule R:`) and its facts (`    - fact`).
    pub fn rule_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.rules {
            out.push(format!("  rule {}:", m.rule));
            out.extend(m.because.iter().map(|b| format!("    - {b}")));
        }
        out
    }

    /// What it asks for, a line each: approvals, joint sign-off, vetoes,
    /// who executes, who may override, the escalation ladder.
    pub fn need_lines(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.groups.iter().map(|g| format!("  {} approval(s) from {}", g.count, g.roles.join(" or "))).collect();
        if self.joint {
            out.push("  joint sign-off: at least one approver from IT and one from OT".into());
        }
        if !self.veto.is_empty() {
            out.push(format!("  veto: {}", self.veto.join(", ")));
        }
        out.push(format!(
            "  executed by: {}",
            self.execute.as_ref().map(|e| e.join(" or ")).unwrap_or_else(|| "anyone in the response".into())
        ));
        out.push(format!(
            "  emergency override: {}",
            if self.override_roles.is_empty() { "not allowed".to_string() } else { self.override_roles.join(" or ") }
        ));
        let ladder: Vec<String> = self.ladder.iter().map(|r| format!("{} ({}m)", r.role, r.minutes)).collect();
        out.push(format!("  escalates after {}m to: {}", self.escalate_minutes, ladder.join(" -> ")));
        out
    }

    /// Every role that can count towards an approval group.
    pub fn approver_roles(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.groups.iter().flat_map(|g| g.roles.iter().map(|r| &**r)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Every role whose holder can decide on the action at escalation `level`:
    /// approvers, veto holders and the rungs reached. What an approval or
    /// rejection records as the capacities its author holds.
    pub fn decision_roles(&self, level: u32) -> Vec<&str> {
        let mut roles = self.approver_roles();
        roles.extend(self.veto.iter().map(|r| &**r));
        roles.extend(self.deciders(level));
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    /// Roles of the ladder's first `level` rungs: who decides at that escalation level.
    pub fn deciders(&self, level: u32) -> impl Iterator<Item = &str> {
        self.ladder.iter().take(level as usize).map(|r| &*r.role)
    }

    /// Minutes the proposal has at `level` before the next escalation, or
    /// `None` when the ladder has no further rung.
    pub fn minutes_at(&self, level: u32) -> Option<u32> {
        if level as usize >= self.ladder.len() {
            return None;
        }
        if level == 0 { Some(self.escalate_minutes) } else { self.ladder.get(level as usize - 1).map(|r| r.minutes) }
    }

    /// Merges identical role sets (keeping the larger count) and sorts, so a
    /// requirement has one normal form.
    pub(crate) fn normalise(&mut self) {
        for g in &mut self.groups {
            g.roles.sort_unstable();
            g.roles.dedup();
        }
        self.groups.sort();
        let mut out: Vec<Group> = Vec::with_capacity(self.groups.len());
        for g in self.groups.drain(..) {
            match out.last_mut() {
                Some(last) if last.roles == g.roles => last.count = last.count.max(g.count),
                _ => out.push(g),
            }
        }
        // A group is implied by a stricter one (fewer roles, as many people):
        // whoever satisfies that one satisfies it.
        let implied = |g: &Group, all: &[Group]| {
            all.iter().any(|h| h != g && h.count >= g.count && h.roles.iter().all(|r| g.roles.contains(r)))
        };
        self.groups = out.iter().filter(|g| !implied(g, &out)).cloned().collect();
        self.veto.sort_unstable();
        self.veto.dedup();
        if let Some(e) = &mut self.execute {
            e.sort_unstable();
            e.dedup();
        }
        self.override_roles.sort_unstable();
        self.override_roles.dedup();
    }
}

/// One person's approval, in the capacities it was recorded with.
#[derive(Debug, Clone, Copy)]
pub struct Vote<'a> {
    pub person: &'a str,
    /// The roles of the requirement the person held when they approved.
    pub roles: &'a [Box<str>],
    /// Their side of the house, for joint sign-off.
    pub side: Option<Domain>,
}

/// How far a set of approvals goes towards a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub satisfied: bool,
    /// For each group of the requirement: the people counted towards it.
    pub counted: Vec<Vec<Box<str>>>,
    /// Sides still missing for joint sign-off.
    pub missing_sides: Vec<Domain>,
}

impl Tally {
    /// What is still missing, in words.
    pub fn missing(&self, req: &Requirement) -> Vec<String> {
        let mut out = Vec::new();
        for (g, have) in req.groups.iter().zip(&self.counted) {
            let need = g.count as usize;
            if have.len() < need {
                let roles: Vec<&str> = g.roles.iter().map(|r| &**r).collect();
                out.push(format!(
                    "{} more approval{} from {}",
                    need - have.len(),
                    if need - have.len() == 1 { "" } else { "s" },
                    roles.join(" or ")
                ));
            }
        }
        for d in &self.missing_sides {
            out.push(format!("an approver from {} (joint sign-off)", d.as_str().to_uppercase()));
        }
        out
    }
}

/// Counts approvals: a group is met by `count` distinct people holding one
/// of its roles (a person may count towards several groups, as an approval
/// given in one role is given in each role the person holds); the proposer
/// never counts; joint sign-off needs an IT and an OT approver.
pub fn tally(req: &Requirement, proposer: &str, votes: &[Vote<'_>]) -> Tally {
    // Distinct people, proposer excluded, with the union of their capacities.
    let mut people: Vec<(&str, Vec<&str>, Option<Domain>)> = Vec::new();
    for v in votes {
        if v.person == proposer {
            continue;
        }
        match people.iter_mut().find(|(p, _, _)| *p == v.person) {
            Some((_, roles, side)) => {
                roles.extend(v.roles.iter().map(|r| &**r));
                if side.is_none() {
                    *side = v.side;
                }
            }
            None => people.push((v.person, v.roles.iter().map(|r| &**r).collect(), v.side)),
        }
    }
    let mut groups_met = true;
    let counted: Vec<Vec<Box<str>>> = req
        .groups
        .iter()
        .map(|g| {
            let mut c: Vec<Box<str>> = people
                .iter()
                .filter(|(_, roles, _)| roles.iter().any(|r| g.roles.iter().any(|x| **x == **r)))
                .map(|(p, _, _)| Box::from(*p))
                .collect();
            c.sort();
            groups_met &= c.len() >= g.count as usize;
            c
        })
        .collect();
    // Joint sign-off looks at every approver (each approved in a role of the
    // requirement, which the incident's rules check), not only those of the
    // groups: otherwise a rule adding a group could turn a joint sign-off that
    // nobody could give into one somebody can, and a larger impact would need less.
    let mut missing_sides = Vec::new();
    if req.joint {
        for d in [Domain::It, Domain::Ot] {
            if !people.iter().any(|(_, _, side)| *side == Some(d)) {
                missing_sides.push(d);
            }
        }
    }
    Tally { satisfied: groups_met && missing_sides.is_empty(), counted, missing_sides }
}
