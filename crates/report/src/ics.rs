//! The standard incident-command records, drawn from the same state as
//! everything else:
//!
//! - [`ics201`]: the incident briefing (ICS 201), also the handover record:
//!   the situation, the objectives of the current operational period, the
//!   current actions, the organisation (positions held), the resources
//!   (tasks);
//! - [`ics209`]: the incident status summary (ICS 209);
//! - [`ics214`]: the activity log (ICS 214) of one person: every event they
//!   recorded or that assigned them, with its time.

use incident::{ActionStatus, Body, HypothesisStatus, Incident, TaskStatus, Timestamp};
use serde::Serialize;
use site_model::Site;

use crate::ReportError;
use crate::doc::{Doc, Item};
use crate::text::{self, or_not_assessed, person, role};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub seq: u64,
    pub start: String,
    pub end: String,
    pub objectives: Vec<String>,
    pub safety: String,
    pub safety_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionRow {
    pub role: String,
    pub role_name: String,
    pub person: String,
    pub name: String,
    /// The event that gave it (assignment or handover), and when.
    pub since: u64,
    pub since_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRow {
    pub seq: u64,
    pub title: String,
    /// A person, or a role whose holders own it.
    pub owner: String,
    pub domain: String,
    pub status: String,
    pub due: Option<String>,
    pub assets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub seq: u64,
    pub action: String,
    pub status: String,
    pub verdict: String,
    pub proposed_by: String,
    pub next_steps: Vec<String>,
}

/// ICS 201: the incident briefing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ics201 {
    /// Always `ICS 201`.
    pub form: &'static str,
    pub incident: String,
    pub name: String,
    pub site: String,
    pub prepared_at: String,
    /// The last event the briefing includes.
    pub as_of: u64,
    pub situation: Vec<String>,
    /// The current operational period, if one is open.
    pub period: Option<Period>,
    pub current_actions: Vec<ActionRow>,
    /// The outgoing holder's words at the latest handover, if any.
    pub last_handover: Option<String>,
    pub organisation: Vec<PositionRow>,
    pub resources: Vec<TaskRow>,
}

/// ICS 209: the incident status summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ics209 {
    /// Always `ICS 209`.
    pub form: &'static str,
    pub incident: String,
    pub name: String,
    pub site: String,
    pub prepared_at: String,
    pub as_of: u64,
    pub status: String,
    pub severity: String,
    pub category: String,
    pub phase: String,
    pub opened_at: String,
    pub declared_at: Option<String>,
    pub summary: String,
    pub situation: Vec<String>,
    /// Actions by status (`approved: 2`), then each action.
    pub action_counts: Vec<(String, usize)>,
    pub actions: Vec<ActionRow>,
    /// open, supported, refuted.
    pub hypotheses: Vec<(String, usize)>,
    pub evidence: usize,
    /// Tasks by status.
    pub tasks: Vec<(String, usize)>,
    pub overdue_tasks: usize,
    pub recovery: Vec<String>,
    pub regulatory: Vec<String>,
    pub positions: Vec<PositionRow>,
    pub communications: usize,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub seq: u64,
    pub at: String,
    pub kind: &'static str,
    /// `recorded` (they were the actor), `assigned` (a position or a task was given to them),
    /// `relieved` (a position passed from them).
    pub capacity: &'static str,
    pub what: String,
}

/// ICS 214: the activity log of one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ics214 {
    /// Always `ICS 214`.
    pub form: &'static str,
    pub incident: String,
    pub name: String,
    pub site: String,
    pub prepared_at: String,
    pub person: String,
    pub person_name: String,
    pub title: Option<String>,
    /// Positions held now.
    pub positions: Vec<String>,
    pub period: Option<Period>,
    pub activity: Vec<Activity>,
}

fn site_name(site: &Site) -> String {
    format!("{} ({})", site.info.name, site.info.id)
}

fn period(inc: &Incident) -> Option<Period> {
    let (seq, p) = inc.plan_of_work().open_period()?;
    Some(Period {
        seq,
        start: p.period.start.to_string(),
        end: p.period.end.to_string(),
        objectives: p.period.objectives.iter().map(|o| o.to_string()).collect(),
        safety: p.period.safety.to_string(),
        safety_by: p.period.safety_by.to_string(),
    })
}

fn situation(inc: &Incident) -> Vec<String> {
    let s = &inc.situation;
    let mut out = vec![format!(
        "status {}, phase {}, severity {}, category {}",
        inc.status, inc.phase, inc.severity, inc.category
    )];
    let reason = match s.last.and_then(|l| inc.effective(l)) {
        Some(Body::SituationAssessed(a)) => format!(" ({})", a.reason),
        _ => String::new(),
    };
    out.push(format!(
        "the process {}; control integrity {}; view integrity {}{reason}",
        or_not_assessed(s.process_state),
        or_not_assessed(s.control),
        or_not_assessed(s.view)
    ));
    for (p, st) in &inc.processes {
        out.push(format!(
            "{p}: process {}, control {}, view {}",
            or_not_assessed(st.process_state),
            or_not_assessed(st.control),
            or_not_assessed(st.view)
        ));
    }
    for (seq, h) in inc.hypotheses.iter().filter(|(_, h)| h.status != HypothesisStatus::Refuted) {
        if let Some(Body::HypothesisProposed(p)) = inc.effective(*seq) {
            out.push(format!("hypothesis #{seq} ({}): {}", h.status, p.statement));
        }
    }
    out.push(format!("{} piece(s) of evidence recorded", inc.evidence.len()));
    out
}

fn actions(inc: &Incident, current_only: bool) -> Vec<ActionRow> {
    inc.actions
        .iter()
        .filter(|(_, a)| {
            !current_only
                || !(a.status.is_final()
                    || a.status == ActionStatus::RolledBack
                    || (a.status == ActionStatus::Completed && a.verification.is_some()))
        })
        .filter_map(|(seq, a)| {
            let p = inc.proposal(*seq)?;
            Some(ActionRow {
                seq: *seq,
                action: p.action.to_string(),
                status: a.status.to_string(),
                verdict: p.assessment.verdict.as_str().to_string(),
                proposed_by: a.proposer.to_string(),
                next_steps: a.next_steps(p),
            })
        })
        .collect()
}

fn positions(site: &Site, inc: &Incident) -> Vec<PositionRow> {
    inc.positions
        .iter()
        .map(|(r, p)| PositionRow {
            role: r.to_string(),
            role_name: site.role_by_id(r).map(|x| site.roles[x.ix()].name.to_string()).unwrap_or_default(),
            person: p.person.to_string(),
            name: site.person_by_id(&p.person).map(|x| site.people[x.ix()].name.to_string()).unwrap_or_default(),
            since: p.since,
            since_at: inc.event(p.since).map(|e| e.recorded_at.to_string()).unwrap_or_default(),
        })
        .collect()
}

fn tasks(inc: &Incident) -> Vec<TaskRow> {
    inc.plan_of_work()
        .tasks
        .iter()
        .map(|(seq, t)| TaskRow {
            seq: *seq,
            title: t.task.title.to_string(),
            owner: t.task.owner.as_deref().or(t.task.role.as_deref()).unwrap_or("?").to_string(),
            domain: t.task.domain.to_string(),
            status: t.status.to_string(),
            due: t.task.due.map(|d| d.to_string()),
            assets: t.task.assets.iter().map(|a| a.to_string()).collect(),
        })
        .collect()
}

/// The ICS 201 incident briefing at `now`.
pub fn ics201(site: &Site, inc: &Incident, now: Timestamp) -> Ics201 {
    let last_handover = inc.events().iter().rev().find_map(|e| match &e.body {
        Body::HandedOver(h) => Some(format!(
            "#{} {} handed {} to {} at {}: {}",
            e.seq, h.from, h.role, h.to, e.recorded_at, h.briefing.current_actions
        )),
        _ => None,
    });
    let mut sit = vec![inc.opened.summary.to_string()];
    sit.extend(situation(inc));
    Ics201 {
        form: "ICS 201",
        incident: inc.id().to_string(),
        name: inc.opened.title.to_string(),
        site: site_name(site),
        prepared_at: now.to_string(),
        as_of: inc.seq(),
        situation: sit,
        period: period(inc),
        current_actions: actions(inc, true),
        last_handover,
        organisation: positions(site, inc),
        resources: tasks(inc),
    }
}

fn counts<T: Copy + PartialEq + std::fmt::Display>(
    all: &[T],
    items: impl Iterator<Item = T> + Clone,
) -> Vec<(String, usize)> {
    all.iter().map(|k| (k.to_string(), items.clone().filter(|x| x == k).count())).filter(|(_, n)| *n > 0).collect()
}

/// The ICS 209 status summary at `now`.
pub fn ics209(site: &Site, inc: &Incident, now: Timestamp) -> Ics209 {
    let h = crate::aar::header(site, inc);
    const STATUSES: &[ActionStatus] = &[
        ActionStatus::Pending,
        ActionStatus::Approved,
        ActionStatus::Rejected,
        ActionStatus::Vetoed,
        ActionStatus::Withdrawn,
        ActionStatus::Executing,
        ActionStatus::Completed,
        ActionStatus::PartiallyApplied,
        ActionStatus::Failed,
        ActionStatus::RolledBack,
        ActionStatus::RollbackIncomplete,
    ];
    let work = inc.plan_of_work();
    let mut recovery = Vec::new();
    if let Some(plan) = inc.plan() {
        let passed = inc.recovery.checks.values().filter(|(_, ok)| *ok).count();
        let failed = inc.recovery.checks.values().filter(|(_, ok)| !*ok).count();
        let pending: usize = plan.items.iter().map(|i| inc.recovery.pending_checks(i).len()).sum();
        recovery.push(format!(
            "plan of {} asset(s), in order: {}",
            plan.items.len(),
            inc.recovery.order.iter().map(|a| &**a).collect::<Vec<_>>().join(", ")
        ));
        recovery.push(format!("checks: {passed} passed, {failed} failing, {pending} not yet passed"));
        let open = inc.recovery.open_windows().count();
        recovery.push(format!("monitoring windows: {} ({open} open)", inc.recovery.windows.len()));
        if let Some(e) = inc.recovery.ended.and_then(|s| inc.event(s)) {
            recovery.push(format!("recovery ended at {}", e.recorded_at));
        }
    }
    let regulatory = clocks::clocks(site, inc)
        .iter()
        .map(|c| {
            format!(
                "{} ({}): started {} by #{}, due {} [{}]",
                c.deadline.id,
                c.deadline.report,
                c.started,
                c.trigger,
                c.due,
                c.status(inc, now)
            )
        })
        .collect();
    const TASKS: &[TaskStatus] =
        &[TaskStatus::Open, TaskStatus::InProgress, TaskStatus::Blocked, TaskStatus::Done, TaskStatus::Cancelled];
    const HYP: &[HypothesisStatus] = &[HypothesisStatus::Open, HypothesisStatus::Supported, HypothesisStatus::Refuted];
    Ics209 {
        form: "ICS 209",
        incident: h.id,
        name: h.title,
        site: h.site,
        prepared_at: now.to_string(),
        as_of: inc.seq(),
        status: h.status,
        severity: h.severity,
        category: h.category,
        phase: h.phase,
        opened_at: h.opened_at,
        declared_at: h.declared_at,
        summary: h.summary,
        situation: situation(inc),
        action_counts: counts(STATUSES, inc.actions.values().map(|a| a.status)),
        actions: actions(inc, false),
        hypotheses: counts(HYP, inc.hypotheses.values().map(|h| h.status)),
        evidence: inc.evidence.len(),
        tasks: counts(TASKS, work.tasks.values().map(|t| t.status)),
        overdue_tasks: work.tasks.values().filter(|t| t.is_overdue(now)).count(),
        recovery,
        regulatory,
        positions: positions(site, inc),
        communications: inc.communications.len(),
        period: period(inc),
    }
}

/// The ICS 214 activity log of `who` at `now`: every event they recorded,
/// every position or task given to them, every position passed from them.
pub fn ics214(site: &Site, inc: &Incident, who: &str, now: Timestamp) -> Result<Ics214, ReportError> {
    let ix = site.person_by_id(who).ok_or_else(|| ReportError::UnknownPerson(who.to_string()))?;
    let p = &site.people[ix.ix()];
    let mut activity = Vec::new();
    for e in inc.events() {
        let capacity = if *e.actor == *who {
            Some("recorded")
        } else {
            match &e.body {
                Body::Assigned { person, .. } if **person == *who => Some("assigned"),
                Body::HandedOver(h) if *h.to == *who => Some("assigned"),
                Body::HandedOver(h) if *h.from == *who => Some("relieved"),
                Body::TaskAdded(t) if t.owner.as_deref() == Some(who) => Some("assigned"),
                _ => None,
            }
        };
        if let Some(capacity) = capacity {
            let mut what = text::summary(inc, &e.body);
            if let Some(c) = inc.superseded_by(e.seq) {
                what.push_str(&format!(" (superseded by #{c})"));
            }
            activity.push(Activity {
                seq: e.seq,
                at: e.recorded_at.to_string(),
                kind: e.body.kind().as_str(),
                capacity,
                what,
            });
        }
    }
    Ok(Ics214 {
        form: "ICS 214",
        incident: inc.id().to_string(),
        name: inc.opened.title.to_string(),
        site: site_name(site),
        prepared_at: now.to_string(),
        person: who.to_string(),
        person_name: p.name.to_string(),
        title: p.title.as_deref().map(String::from),
        positions: inc.positions.iter().filter(|(_, x)| *x.person == *who).map(|(r, _)| role(site, r)).collect(),
        period: period(inc),
        activity,
    })
}

fn period_block(d: &mut Doc, p: &Option<Period>) {
    match p {
        Some(p) => {
            d.fields(vec![
                ("Operational period".into(), format!("#{}: {} to {}", p.seq, p.start, p.end)),
                ("Safety considerations".into(), format!("{} ({})", p.safety, p.safety_by)),
            ]);
            d.list(
                p.objectives.iter().enumerate().map(|(i, o)| Item::new(format!("objective {}: {o}", i + 1))).collect(),
            );
        }
        None => d.para("No operational period is open."),
    }
}

fn action_items(rows: &[ActionRow]) -> Vec<Item> {
    rows.iter()
        .map(|a| {
            Item::with(
                format!("#{} {} [{}], verdict {}, proposed by {}", a.seq, a.action, a.status, a.verdict, a.proposed_by),
                a.next_steps.clone(),
            )
        })
        .collect()
}

fn org_rows(site: &Site, rows: &[PositionRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|p| vec![role(site, &p.role), person(site, &p.person), format!("#{} {}", p.since, p.since_at)])
        .collect()
}

impl Ics201 {
    pub fn to_doc(&self, site: &Site) -> Doc {
        let mut d = Doc::new(format!("ICS 201 incident briefing: {} ({})", self.name, self.incident));
        d.fields(vec![
            ("Incident".into(), format!("{}: {}", self.incident, self.name)),
            ("Site".into(), self.site.clone()),
            ("Prepared".into(), format!("{} (as of event #{})", self.prepared_at, self.as_of)),
        ]);
        d.h2("Situation summary");
        d.list(self.situation.iter().map(Item::new).collect());
        d.h2("Objectives of the current operational period");
        period_block(&mut d, &self.period);
        d.h2("Current actions");
        d.list_or(action_items(&self.current_actions), "No response action is in progress or pending.");
        if let Some(h) = &self.last_handover {
            d.para(format!("At the latest handover: {h}"));
        }
        d.h2("Organisation");
        d.table_or(&["position", "held by", "since"], org_rows(site, &self.organisation), "No position is held.");
        d.h2("Resources and tasks");
        let rows = self
            .resources
            .iter()
            .map(|t| {
                vec![
                    format!("#{}", t.seq),
                    t.title.clone(),
                    t.owner.clone(),
                    t.domain.clone(),
                    t.status.clone(),
                    t.due.clone().unwrap_or_default(),
                    t.assets.join(", "),
                ]
            })
            .collect();
        d.table_or(&["#", "task", "owner", "domain", "status", "due", "assets"], rows, "No task is assigned.");
        d
    }

    pub fn to_markdown(&self, site: &Site) -> String {
        self.to_doc(site).to_markdown()
    }

    pub fn to_html(&self, site: &Site) -> String {
        self.to_doc(site).to_html()
    }
}

fn count_line(v: &[(String, usize)]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")
}

impl Ics209 {
    pub fn to_doc(&self, site: &Site) -> Doc {
        let mut d = Doc::new(format!("ICS 209 incident status summary: {} ({})", self.name, self.incident));
        d.fields(vec![
            ("Incident".into(), format!("{}: {}", self.incident, self.name)),
            ("Site".into(), self.site.clone()),
            ("Prepared".into(), format!("{} (as of event #{})", self.prepared_at, self.as_of)),
            ("Status".into(), self.status.clone()),
            ("Phase".into(), self.phase.clone()),
            ("Severity".into(), self.severity.clone()),
            ("Category".into(), self.category.clone()),
            ("Opened".into(), self.opened_at.clone()),
            ("Declared".into(), self.declared_at.clone().unwrap_or_else(|| "not declared".into())),
        ]);
        d.para(self.summary.clone());
        d.h2("Current situation");
        d.list(self.situation.iter().map(Item::new).collect());
        d.h2("Response actions");
        d.para(format!("By status: {}.", count_line(&self.action_counts)));
        d.list_or(action_items(&self.actions), "No response action was proposed.");
        d.h2("Investigation");
        d.fields(vec![
            ("Hypotheses".into(), count_line(&self.hypotheses)),
            ("Evidence".into(), format!("{} item(s)", self.evidence)),
            ("Tasks".into(), format!("{}; {} overdue", count_line(&self.tasks), self.overdue_tasks)),
            ("Communications published".into(), self.communications.to_string()),
        ]);
        d.h2("Operational period");
        period_block(&mut d, &self.period);
        d.h2("Recovery");
        d.list_or(self.recovery.iter().map(Item::new).collect(), "No recovery plan yet.");
        d.h2("Regulatory reports");
        d.list_or(self.regulatory.iter().map(Item::new).collect(), "No regulatory clock is running.");
        d.h2("Positions");
        d.table_or(&["position", "held by", "since"], org_rows(site, &self.positions), "No position is held.");
        d
    }

    pub fn to_markdown(&self, site: &Site) -> String {
        self.to_doc(site).to_markdown()
    }

    pub fn to_html(&self, site: &Site) -> String {
        self.to_doc(site).to_html()
    }
}

impl Ics214 {
    pub fn to_doc(&self) -> Doc {
        let mut d =
            Doc::new(format!("ICS 214 activity log: {} ({}), {}", self.person_name, self.person, self.incident));
        d.fields(vec![
            ("Incident".into(), format!("{}: {}", self.incident, self.name)),
            ("Site".into(), self.site.clone()),
            ("Name".into(), format!("{} ({})", self.person_name, self.person)),
            ("Title".into(), self.title.clone().unwrap_or_default()),
            (
                "Positions held".into(),
                if self.positions.is_empty() { "none now".into() } else { self.positions.join(", ") },
            ),
            ("Prepared".into(), self.prepared_at.clone()),
        ]);
        d.h2("Operational period");
        period_block(&mut d, &self.period);
        d.h2("Activity log");
        let rows = self
            .activity
            .iter()
            .map(|a| {
                vec![format!("#{}", a.seq), a.at.clone(), a.capacity.to_string(), a.kind.to_string(), a.what.clone()]
            })
            .collect();
        d.table_or(&["#", "time", "as", "kind", "activity"], rows, "No activity recorded by or for this person.");
        d
    }

    pub fn to_markdown(&self) -> String {
        self.to_doc().to_markdown()
    }

    pub fn to_html(&self) -> String {
        self.to_doc().to_html()
    }
}
