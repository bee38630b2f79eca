//! Checks of a site's authority matrix beyond what the loader can see:
//! rules that can never match or never change anything, verbs that could
//! cost the plant control, view or safety without operations approval,
//! approvals nobody can give, roles without deputies, ladders that loop or
//! end nowhere. Each finding explains itself.

use site_model::authority::{Authority, Conditions, Outcome, Place, Rule};
use site_model::{AssetIx, Domain, ImpactFact, PhaseWord, RoleIx, Site};

use crate::assess::asset_matches;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub place: Place,
    /// `rule "x"`, `ladder "y"`, `role "z"`...
    pub subject: String,
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}: {}", self.level.as_str(), self.place, self.subject, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n    help: {h}")?;
        }
        Ok(())
    }
}

/// Impact facts that mean the plant loses control, view or safety.
pub const OT_CRITICAL: [ImpactFact; 3] = [ImpactFact::OtControlLoss, ImpactFact::OtViewLoss, ImpactFact::SafetyLoss];

/// Validates the site's matrix (no findings when it has none).
pub fn validate(site: &Site) -> Vec<Finding> {
    let Some(m) = &site.authority else { return Vec::new() };
    let mut out = Vec::new();
    never_match(site, m, &mut out);
    shadowed(site, m, &mut out);
    ot_without_operations(site, m, &mut out);
    unsatisfiable(site, m, &mut out);
    roles(site, m, &mut out);
    ladders(site, m, &mut out);
    out
}

fn role_name(site: &Site, r: RoleIx) -> &str {
    &site.roles[r.ix()].id
}

fn holders(site: &Site, r: RoleIx) -> Vec<site_model::PersonIx> {
    let role = &site.roles[r.ix()];
    let mut v: Vec<site_model::PersonIx> = role.primary.into_iter().chain(role.deputies.iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn rule_subject(r: &Rule) -> String {
    format!("rule \"{}\"", r.id)
}

fn never_match(site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    for r in &m.rules {
        let w = &r.when;
        if w.has_target_conditions() && !(0..site.assets.len()).any(|i| asset_matches(site, w, AssetIx(i as u32))) {
            out.push(Finding {
                level: Level::Warning,
                place: r.place.clone(),
                subject: rule_subject(r),
                message: "can never match: no asset of the site has all of its target properties".into(),
                help: Some(format!("the target conditions together ask for: {}", describe_targets(site, w))),
            });
        }
        if !w.phases.is_empty() && w.phases.iter().all(|p| *p == PhaseWord::Closed) {
            out.push(Finding {
                level: Level::Warning,
                place: r.place.clone(),
                subject: rule_subject(r),
                message: "can never match: no action is proposed in a closed incident".into(),
                help: Some("name the phases in which the rule should apply".into()),
            });
        }
    }
}

fn describe_targets(site: &Site, w: &Conditions) -> String {
    let mut parts = Vec::new();
    let words = |v: Vec<String>| v.join(" or ");
    if !w.target_domains.is_empty() {
        parts.push(format!("domain {}", words(w.target_domains.iter().map(|d| d.to_string()).collect())));
    }
    if !w.target_zones.is_empty() {
        parts.push(format!("in zone {}", words(w.target_zones.iter().map(|z| site.zone(*z).id.to_string()).collect())));
    }
    if !w.target_levels.is_empty() {
        parts.push(format!("at level {}", words(w.target_levels.iter().map(|l| l.to_string()).collect())));
    }
    if !w.target_kinds.is_empty() {
        parts.push(format!("of kind {}", words(w.target_kinds.iter().map(|k| k.to_string()).collect())));
    }
    if !w.target_criticality.is_empty() {
        parts.push(format!("criticality {}", words(w.target_criticality.iter().map(|c| c.to_string()).collect())));
    }
    if !w.target_functions.is_empty() {
        parts.push(format!("serving {}", words(w.target_functions.iter().map(|f| f.to_string()).collect())));
    }
    parts.join(", ")
}

/// `a` matches whenever `b` does: each of its conditions is absent or
/// includes `b`'s.
fn more_general(a: &Conditions, b: &Conditions) -> bool {
    fn covers<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
    }
    covers(&a.verbs, &b.verbs)
        && covers(&a.target_domains, &b.target_domains)
        && covers(&a.target_zones, &b.target_zones)
        && covers(&a.target_levels, &b.target_levels)
        && covers(&a.target_kinds, &b.target_kinds)
        && covers(&a.target_criticality, &b.target_criticality)
        && (a.target_functions.is_empty()
            || (!b.target_functions.is_empty() && b.target_functions.iter().all(|f| a.target_functions.contains(f))))
        && covers(&a.impact, &b.impact)
        && covers(&a.intents, &b.intents)
        && covers(&a.phases, &b.phases)
        // Target conditions must hold on one asset: when `a` has several and
        // `b` spreads them, `a` may fail where `b` holds; only claim
        // generality when `a`'s target conditions are a subset of `b`'s kinds.
        && (!a.has_target_conditions() || b.has_target_conditions())
}

/// Everything `b` requires, `a` already requires.
fn implies(a: &Outcome, b: &Outcome, m: &Authority) -> bool {
    let groups = b
        .approvals
        .iter()
        .all(|gb| a.approvals.iter().any(|ga| ga.count >= gb.count && ga.roles.iter().all(|r| gb.roles.contains(r))));
    let execute = match (&a.execute, &b.execute) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(ea), Some(eb)) => ea.iter().all(|r| eb.contains(r)),
    };
    let overrides = match (&a.override_roles, &b.override_roles) {
        (_, None) => true,
        (None, Some(ob)) => m.override_roles.iter().all(|r| ob.contains(r)),
        (Some(oa), Some(ob)) => oa.iter().all(|r| ob.contains(r)),
    };
    let escalate = match (a.escalate_minutes, b.escalate_minutes) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => x <= y,
    };
    groups
        && (!b.joint || a.joint)
        && b.veto.iter().all(|r| a.veto.contains(r))
        && execute
        && overrides
        && escalate
        && (b.ladder.is_none() || b.ladder == a.ladder)
}

fn shadowed(_site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    for (j, rj) in m.rules.iter().enumerate() {
        if let Some(ri) =
            m.rules[..j].iter().find(|ri| more_general(&ri.when, &rj.when) && implies(&ri.then, &rj.then, m))
        {
            out.push(Finding {
                level: Level::Warning,
                place: rj.place.clone(),
                subject: rule_subject(rj),
                message: format!(
                    "is shadowed by rule \"{}\" ({}): that rule matches every action this one matches and already requires everything this one does, so this rule never changes a decision",
                    ri.id, ri.place
                ),
                help: Some("remove it, or narrow the earlier rule, or make this one require more".into()),
            });
        }
    }
}

/// Does this outcome ask for an approver from operations (a group whose
/// roles are all OT roles), or a joint sign-off?
fn needs_operations(site: &Site, o: &Outcome) -> bool {
    o.joint
        || o.approvals
            .iter()
            .any(|g| !g.roles.is_empty() && g.roles.iter().all(|r| site.roles[r.ix()].domain == Some(Domain::Ot)))
}

/// For each verb and each way of costing the plant control, view or safety:
/// the rules certain to match whatever the target, intent and phase must
/// ask for operations approval. Otherwise, some action of that verb could be
/// approved and executed without operations.
fn ot_without_operations(site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    for def in &site.actions {
        for fact in OT_CRITICAL {
            let certain: Vec<&Rule> = m
                .rules
                .iter()
                .filter(|r| {
                    let w = &r.when;
                    (w.verbs.is_empty() || w.verbs.contains(&def.verb))
                        && !w.has_target_conditions()
                        && w.intents.is_empty()
                        && w.phases.is_empty()
                        && (w.impact.is_empty() || w.impact.contains(&fact))
                })
                .collect();
            if certain.iter().any(|r| needs_operations(site, &r.then)) {
                continue;
            }
            let executors: Vec<String> = executors(site, m, &certain);
            out.push(Finding {
                level: Level::Error,
                place: m.place.clone(),
                subject: format!("verb \"{}\"", def.verb),
                message: format!(
                    "an action `{}` whose impact has {fact} could be approved without operations: no rule that is certain to match it (whatever its target, intent and phase) asks for an OT approver or joint sign-off{}",
                    def.verb,
                    if executors.is_empty() { String::new() } else { format!("; it could be executed by {}", executors.join(", ")) }
                ),
                help: Some(format!(
                    "add a rule with `impact = [\"{fact}\"]` and `approvals = [{{ roles = [\"<an OT role>\"] }}]`, or `joint = true`"
                )),
            });
        }
    }
}

fn executors(site: &Site, m: &Authority, rules: &[&Rule]) -> Vec<String> {
    let mut allowed: Option<Vec<RoleIx>> = None;
    for r in rules {
        if let Some(e) = &r.then.execute {
            allowed = Some(match allowed {
                None => e.clone(),
                Some(prev) => prev.into_iter().filter(|x| e.contains(x)).collect(),
            });
        }
    }
    match allowed {
        None => {
            let _ = m;
            vec!["anyone in the response".into()]
        }
        Some(v) => v.iter().map(|r| role_name(site, *r).to_string()).collect(),
    }
}

fn unsatisfiable(site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    for r in &m.rules {
        for g in &r.then.approvals {
            let mut people: Vec<site_model::PersonIx> = g.roles.iter().flat_map(|x| holders(site, *x)).collect();
            people.sort_unstable();
            people.dedup();
            if (people.len() as u64) < g.count as u64 {
                let roles: Vec<&str> = g.roles.iter().map(|x| role_name(site, *x)).collect();
                out.push(Finding {
                    level: Level::Error,
                    place: r.place.clone(),
                    subject: rule_subject(r),
                    message: format!(
                        "asks for {} approvals from {} but only {} people hold {} (primary or deputy): it can never be satisfied",
                        g.count,
                        roles.join(" or "),
                        people.len(),
                        if roles.len() == 1 { "that role" } else { "those roles" }
                    ),
                    help: Some("lower the count, add roles to the group, or name more deputies".into()),
                });
            }
        }
        if r.then.joint {
            let roles: Vec<RoleIx> = r.then.approvals.iter().flat_map(|g| g.roles.iter().copied()).collect();
            for d in [Domain::It, Domain::Ot] {
                let any = roles.iter().flat_map(|x| holders(site, *x)).any(|p| person_side(site, p, &roles) == Some(d));
                if !any {
                    out.push(Finding {
                        level: Level::Error,
                        place: r.place.clone(),
                        subject: rule_subject(r),
                        message: format!(
                            "asks for joint sign-off but no holder of its approval roles is from {}: it can never be satisfied",
                            d.as_str().to_uppercase()
                        ),
                        help: Some(format!("add a group with a role held by {} people", d.as_str().to_uppercase())),
                    });
                }
            }
        }
    }
}

/// A person's side of the house: their team's domain when it is IT or OT,
/// else the domain of one of the given roles they hold.
pub fn person_side(site: &Site, p: site_model::PersonIx, roles: &[RoleIx]) -> Option<Domain> {
    let person = &site.people[p.ix()];
    if let Some(site_model::Affiliation::Team(t)) = person.affiliation
        && let Some(d @ (Domain::It | Domain::Ot)) = site.teams[t.ix()].domain
    {
        return Some(d);
    }
    roles.iter().filter(|r| holders(site, **r).contains(&p)).find_map(|r| match site.roles[r.ix()].domain {
        Some(d @ (Domain::It | Domain::Ot)) => Some(d),
        _ => None,
    })
}

fn roles(site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    let mut used: Vec<RoleIx> = m.override_roles.clone();
    for r in &m.rules {
        let o = &r.then;
        used.extend(o.approvals.iter().flat_map(|g| g.roles.iter().copied()));
        used.extend(o.veto.iter().copied());
        used.extend(o.execute.iter().flatten().copied());
        used.extend(o.override_roles.iter().flatten().copied());
    }
    used.extend(m.ladders.iter().flat_map(|l| l.steps.iter().map(|s| s.role)));
    used.sort_unstable();
    used.dedup();
    for r in used {
        let role = &site.roles[r.ix()];
        if role.primary.is_none() {
            out.push(Finding {
                level: Level::Error,
                place: m.place.clone(),
                subject: format!("role \"{}\"", role.id),
                message: "is named by the authority matrix but has no holder".into(),
                help: Some("name its primary holder in the role's `primary`".into()),
            });
        } else if role.deputies.is_empty() {
            out.push(Finding {
                level: Level::Warning,
                place: m.place.clone(),
                subject: format!("role \"{}\"", role.id),
                message:
                    "is named by the authority matrix but has no deputy: when its holder is away, nobody can act in it"
                        .into(),
                help: Some("name deputies in the role's `deputies`".into()),
            });
        }
    }
}

fn ladders(site: &Site, m: &Authority, out: &mut Vec<Finding>) {
    for (i, l) in m.ladders.iter().enumerate() {
        // Follow `then` links: a ladder that comes back to itself loops.
        let mut seen = vec![i];
        let mut at = l.then;
        let mut roles: Vec<RoleIx> = l.steps.iter().map(|s| s.role).collect();
        while let Some(j) = at {
            if seen.contains(&j) {
                let path: Vec<&str> = seen.iter().chain(std::iter::once(&j)).map(|k| &*m.ladders[*k].id).collect();
                out.push(Finding {
                    level: Level::Error,
                    place: l.place.clone(),
                    subject: format!("ladder \"{}\"", l.id),
                    message: format!("loops: {}", path.join(" -> ")),
                    help: Some("end one of these ladders without `then`".into()),
                });
                break;
            }
            seen.push(j);
            roles.extend(m.ladders[j].steps.iter().map(|s| s.role));
            at = m.ladders[j].then;
        }
        let mut dup = roles.clone();
        dup.sort_unstable();
        if let Some(w) = dup.windows(2).find(|w| w[0] == w[1]) {
            out.push(Finding {
                level: Level::Error,
                place: l.place.clone(),
                subject: format!("ladder \"{}\"", l.id),
                message: format!(
                    "loops: role \"{}\" is asked twice, so an escalation would come back to someone who already had it",
                    role_name(site, w[0])
                ),
                help: Some("each rung of a ladder is a different role, higher than the one before".into()),
            });
        }
        match roles.last() {
            None => out.push(Finding {
                level: Level::Error,
                place: l.place.clone(),
                subject: format!("ladder \"{}\"", l.id),
                message: "ends nowhere: it has no steps".into(),
                help: None,
            }),
            Some(last) if site.roles[last.ix()].primary.is_none() => out.push(Finding {
                level: Level::Error,
                place: l.place.clone(),
                subject: format!("ladder \"{}\"", l.id),
                message: format!("ends nowhere: its last role \"{}\" has no holder", role_name(site, *last)),
                help: None,
            }),
            _ => {}
        }
    }
}
