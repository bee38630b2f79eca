//! What a person asks to record, turned into the events that record it.
//!
//! The CLI (`interlock incident note`, `task add`, `recovery record`...) and
//! the server (`POST /api/incidents/{id}/entries`) both build a [`Command`]
//! from their input and call [`bodies`]: the defaults (now, the actor), the
//! values read from the incident (the current custodian, a handover's
//! briefing, a period's summary, the open items at the end of recovery) and
//! the values computed from the site model (a check's verdict, a reading's
//! agreement, the recovery plan) are filled in here, once. Whether the
//! person may record the result is then [`crate::rules::check`]'s decision.

use site_model::{Domain, Site};

use crate::model::*;
use crate::rules::{Context, Policy};
use crate::state::Incident;
use crate::time::Timestamp;
use crate::workplan::{FOLLOW_UP_DAYS, WorkPlan, period_summary};

/// What building the events has at hand.
#[derive(Clone, Copy)]
pub struct Cx<'a> {
    pub site: &'a Site,
    /// Who records: a person id of the site model.
    pub actor: &'a str,
    pub now: Timestamp,
    /// The impact engine and authority matrix, when loaded (the recovery
    /// plan, the end of recovery's open items, a decision's matrix version).
    pub engine: Option<authority::Engine<'a>>,
}

/// A command refused before any event was built: the words say which field
/// and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, CommandError> {
    Err(CommandError(msg.into()))
}

/// What a person asks to record. Optional times default to now; optional
/// people to the actor.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Declare the candidate an incident (a commander).
    Declare {
        reason: String,
    },
    /// Escalate the candidate to those who may declare it.
    Escalate {
        reason: String,
    },
    /// Dismiss the candidate: not an incident.
    Dismiss {
        reason: String,
    },
    Note {
        text: String,
        domain: Option<Domain>,
    },
    Observe {
        text: String,
        observed_at: Option<Timestamp>,
        domain: Option<Domain>,
        assets: Vec<String>,
    },
    Evidence {
        title: String,
        source: EvidenceSource,
        sha256: Option<Digest>,
        location: Option<String>,
        collected_by: Option<String>,
        collected_at: Option<Timestamp>,
        assets: Vec<String>,
        description: Option<String>,
    },
    /// Hand a piece of evidence (its event number) to another custodian.
    Custody {
        evidence: u64,
        to: String,
        at: Option<Timestamp>,
        reason: String,
    },
    Hypothesis {
        statement: String,
        evidence_for: Vec<u64>,
        evidence_against: Vec<u64>,
    },
    UpdateHypothesis {
        hypothesis: u64,
        status: HypothesisStatus,
        reason: String,
        evidence_for: Vec<u64>,
        evidence_against: Vec<u64>,
    },
    /// A decision: `choice` is the text of one of the options or its number (from 1).
    Decide {
        title: String,
        options: Vec<String>,
        choice: String,
        rationale: String,
        decided_by: Vec<String>,
        dissent: Vec<(String, String)>,
        evidence: Vec<u64>,
        domain: Option<Domain>,
    },
    /// Assign a position to a person; with `handover`, hand it over with a
    /// briefing (`actions`: the outgoing holder's words); with `relieve`, leave it empty.
    Assign {
        role: String,
        person: Option<String>,
        reason: String,
        relieve: bool,
        handover: bool,
        actions: Option<String>,
    },
    /// Change severity, category or phase, or assess the situation (of one process, or the site).
    Status {
        severity: Option<Severity>,
        category: Option<Category>,
        phase: Option<Phase>,
        process: Option<String>,
        process_state: Option<ProcessState>,
        control: Option<Integrity>,
        view: Option<Integrity>,
        reason: String,
        evidence: Vec<u64>,
    },
    Communicate {
        audience: String,
        channel: String,
        text: String,
    },
    /// A determination that starts regulatory clocks (reportable, attempt, attribute-change).
    Determine {
        kind: String,
        at: Option<Timestamp>,
        reason: String,
    },
    /// A report due under a regulatory clock was filed.
    FileReport {
        deadline: String,
        trigger: u64,
        to: String,
        reference: String,
    },
    /// Put the next update off (to one audience, or all) until a time, or for a duration ("30m", "2h").
    Snooze {
        audience: Option<String>,
        until: Option<Timestamp>,
        duration: Option<String>,
        reason: String,
    },
    /// Correct an earlier entry (the fields given replace its own) or retract it.
    Correct {
        event: u64,
        reason: String,
        retract: bool,
        text: Option<String>,
        title: Option<String>,
        statement: Option<String>,
        rationale: Option<String>,
        at: Option<Timestamp>,
        assets: Vec<String>,
    },
    OpenPeriod {
        start: Option<Timestamp>,
        end: Timestamp,
        objectives: Vec<String>,
        safety: String,
        safety_by: String,
    },
    ReviseSafety {
        period: u64,
        safety: String,
    },
    /// Close a period: its status summary is computed now.
    ClosePeriod {
        period: u64,
        note: Option<String>,
    },
    /// A task; its title may come from a hypothesis or an action's measure
    /// (`measure`: the action and the measure's number from 1).
    AddTask {
        title: Option<String>,
        owner: Option<String>,
        role: Option<String>,
        domain: TaskDomain,
        assets: Vec<String>,
        due: Option<Timestamp>,
        hypothesis: Option<u64>,
        evidence: Vec<u64>,
        measure: Option<(u64, u32)>,
        collect: Option<String>,
        intrusiveness: Option<Intrusiveness>,
    },
    /// Change a task's status (kept when `None`), or link the action that authorises it.
    UpdateTask {
        task: u64,
        status: Option<TaskStatus>,
        note: Option<String>,
        action: Option<u64>,
    },
    FollowUp {
        item: String,
        text: String,
        changed: bool,
    },
    Acknowledge {
        item: String,
    },
    /// A hypothesis suspects manipulated view of some processes (all when none are named).
    SuspectView {
        hypothesis: u64,
        processes: Vec<String>,
    },
    /// A manual verification: the value read at the station and what each display showed.
    VerifyReadings {
        process: String,
        reading: String,
        field_value: String,
        shown: Vec<(String, String)>,
        note: Option<String>,
    },
    /// Freeze the recovery plan: the incident's affected assets (and `assets`) in restoration order.
    PlanRecovery {
        assets: Vec<String>,
    },
    Reorder {
        asset: String,
        after: Option<String>,
        reason: String,
    },
    /// The result of a check of an asset in the plan, judged against the site model.
    RecordCheck {
        asset: String,
        check: String,
        observed: String,
        catalogue: Option<String>,
        artefact: Option<Digest>,
        note: Option<String>,
    },
    Monitor {
        assets: Vec<String>,
        until: Timestamp,
        criteria: Vec<String>,
    },
    EndMonitoring {
        window: u64,
        reason: String,
    },
    /// Declare the end of recovery; the items still open are recorded with it.
    EndRecovery {
        reason: String,
    },
}

fn boxed(v: &[String]) -> Vec<Box<str>> {
    v.iter().map(|s| s.as_str().into()).collect()
}

fn opt(v: &Option<String>) -> Option<Box<str>> {
    v.as_deref().map(Into::into)
}

fn site_version(site: &Site) -> Result<Digest, CommandError> {
    Digest::parse(site.version())
        .ok_or_else(|| CommandError(format!("the site version {} is not a SHA-256", site.version())))
}

/// The domain of a set of assets: theirs when they share one, shared when mixed.
fn domain_of(site: &Site, assets: &[Box<str>]) -> Option<Domain> {
    let mut found: Option<Domain> = None;
    for a in assets {
        let d = site.asset_by_id(a).map(|ix| site.asset(ix).domain)?;
        found = match found {
            None => Some(d),
            Some(f) if f == d => Some(f),
            Some(_) => Some(Domain::Shared),
        };
    }
    found
}

/// The events that record `cmd` in `inc`, as `cx.actor` at `cx.now`.
pub fn bodies(inc: &Incident, cx: &Cx<'_>, cmd: &Command) -> Result<Vec<Body>, CommandError> {
    use Command as C;
    let b = match cmd {
        C::Declare { reason } => {
            Body::Declared { reason: reason.as_str().into(), site_version: site_version(cx.site)? }
        }
        C::Escalate { reason } => Body::Escalated { reason: reason.as_str().into() },
        C::Dismiss { reason } => Body::Dismissed { reason: reason.as_str().into() },
        C::Note { text, domain } => Body::Note(Note { text: text.as_str().into(), domain: *domain }),
        C::Observe { text, observed_at, domain, assets } => {
            let assets = boxed(assets);
            Body::Observation(Observation {
                text: text.as_str().into(),
                observed_at: observed_at.unwrap_or(cx.now),
                domain: domain.or_else(|| domain_of(cx.site, &assets)),
                assets,
            })
        }
        C::Evidence { title, source, sha256, location, collected_by, collected_at, assets, description } => {
            Body::EvidenceCollected(Evidence {
                title: title.as_str().into(),
                source: *source,
                sha256: *sha256,
                location: opt(location),
                collected_by: collected_by.as_deref().unwrap_or(cx.actor).into(),
                collected_at: collected_at.unwrap_or(cx.now),
                assets: boxed(assets),
                description: opt(description),
            })
        }
        C::Custody { evidence, to, at, reason } => {
            let Some(held) = inc.evidence.get(evidence) else {
                return refuse(format!("#{evidence} is not evidence held in this incident"));
            };
            Body::CustodyTransferred(Custody {
                evidence: *evidence,
                from: held.custodian.clone(),
                to: to.as_str().into(),
                at: at.unwrap_or(cx.now),
                reason: reason.as_str().into(),
            })
        }
        C::Hypothesis { statement, evidence_for, evidence_against } => Body::HypothesisProposed(Hypothesis {
            statement: statement.as_str().into(),
            evidence_for: evidence_for.clone(),
            evidence_against: evidence_against.clone(),
        }),
        C::UpdateHypothesis { hypothesis, status, reason, evidence_for, evidence_against } => {
            Body::HypothesisUpdated(HypothesisUpdate {
                hypothesis: *hypothesis,
                status: *status,
                evidence_for: evidence_for.clone(),
                evidence_against: evidence_against.clone(),
                reason: reason.as_str().into(),
            })
        }
        C::Decide { title, options, choice, rationale, decided_by, dissent, evidence, domain } => {
            let choice = match choice.parse::<usize>() {
                Ok(n) if n >= 1 && n <= options.len() => n - 1,
                _ => options.iter().position(|o| o == choice).ok_or_else(|| {
                    CommandError(format!(
                        "choice \"{choice}\" is none of the options ({}); give its text or number",
                        options.join(", ")
                    ))
                })?,
            };
            Body::DecisionRecorded(Decision {
                title: title.as_str().into(),
                options: boxed(options),
                choice: u32::try_from(choice).map_err(|_| CommandError("too many options".into()))?,
                rationale: rationale.as_str().into(),
                decided_by: if decided_by.is_empty() { vec![cx.actor.into()] } else { boxed(decided_by) },
                dissent: dissent
                    .iter()
                    .map(|(p, t)| Dissent { person: p.trim().into(), text: t.trim().into() })
                    .collect(),
                evidence: evidence.clone(),
                domain: *domain,
                site_version: site_version(cx.site)?,
                authority_version: cx.site.authority.as_ref().and_then(|m| Digest::parse(&m.version)),
            })
        }
        C::Assign { role, person, reason, relieve, handover, actions } => {
            let reason: Box<str> = reason.as_str().into();
            if *relieve {
                return Ok(vec![Body::Relieved { role: role.as_str().into(), reason }]);
            }
            let Some(person) = person.as_deref() else {
                return refuse(format!("name the person taking {role} (or relieve it)"));
            };
            if *handover {
                let Some(from) = inc.positions.get(role.as_str()).map(|p| p.person.clone()) else {
                    return refuse(format!("nobody holds {role} in this incident to hand it over; assign it"));
                };
                Body::HandedOver(Handover {
                    role: role.as_str().into(),
                    from,
                    to: person.into(),
                    reason,
                    briefing: Briefing {
                        snapshot: inc.snapshot(),
                        current_actions: actions.as_deref().unwrap_or("").into(),
                    },
                })
            } else {
                Body::Assigned {
                    role: role.as_str().into(),
                    person: person.into(),
                    reason,
                    site_version: site_version(cx.site)?,
                }
            }
        }
        C::Status { severity, category, phase, process, process_state, control, view, reason, evidence } => {
            return status(
                inc,
                cx,
                *severity,
                *category,
                *phase,
                process,
                *process_state,
                *control,
                *view,
                reason,
                evidence,
            );
        }
        C::Communicate { audience, channel, text } => Body::CommunicationPublished(Communication {
            audience: audience.as_str().into(),
            channel: channel.as_str().into(),
            text: text.as_str().into(),
        }),
        C::Determine { kind, at, reason } => Body::Determined(Determination {
            kind: kind.as_str().into(),
            at: at.unwrap_or(cx.now),
            reason: reason.as_str().into(),
        }),
        C::FileReport { deadline, trigger, to, reference } => Body::ReportFiled(ReportFiling {
            deadline: deadline.as_str().into(),
            trigger: *trigger,
            to: to.as_str().into(),
            reference: reference.as_str().into(),
        }),
        C::Snooze { audience, until, duration, reason } => {
            let until = match (until, duration) {
                (Some(t), _) => *t,
                (None, Some(d)) => {
                    let Some(m) = site_model::parse_duration(d) else {
                        return refuse(format!("for: \"{d}\" is not a duration; expected e.g. \"30m\" or \"2h\""));
                    };
                    cx.now.plus_micros(i64::from(m) * 60_000_000)
                }
                (None, None) => return refuse("give the time to put the update off until, or for how long"),
            };
            Body::UpdateSnoozed(Snooze { audience: opt(audience), until, reason: reason.as_str().into() })
        }
        C::Correct { event, reason, retract, text, title, statement, rationale, at, assets } => {
            return correct(inc, *event, reason, *retract, text, title, statement, rationale, *at, assets);
        }
        C::OpenPeriod { start, end, objectives, safety, safety_by } => Body::PeriodOpened(Period {
            start: start.unwrap_or(cx.now),
            end: *end,
            objectives: boxed(objectives),
            safety: safety.as_str().into(),
            safety_by: safety_by.as_str().into(),
        }),
        C::ReviseSafety { period, safety } => {
            Body::SafetyConsiderations(SafetyRevision { period: *period, safety: safety.as_str().into() })
        }
        C::ClosePeriod { period, note } => {
            let summary = period_summary(inc, *period, cx.now);
            if summary.is_empty() {
                return refuse(format!("#{period} is not a period of {}", inc.id()));
            }
            Body::PeriodClosed(PeriodClose {
                period: *period,
                summary: summary.into_iter().map(Into::into).collect(),
                note: opt(note),
            })
        }
        C::AddTask {
            title,
            owner,
            role,
            domain,
            assets,
            due,
            hypothesis,
            evidence,
            measure,
            collect,
            intrusiveness,
        } => {
            let measure = match measure {
                None => None,
                Some((_, 0)) => return refuse("measure: measures are numbered from 1"),
                Some((action, n)) => Some((*action, n - 1)),
            };
            let title = match (title, hypothesis, measure) {
                (Some(t), _, _) => t.clone(),
                (None, Some(h), _) => match inc.event(*h).map(|e| &e.body) {
                    Some(Body::HypothesisProposed(p)) => format!("validate hypothesis #{h}: {}", p.statement),
                    _ => return refuse(format!("#{h} is not a hypothesis")),
                },
                (None, None, Some((act, n))) => {
                    let Some(p) = inc.proposal(act) else { return refuse(format!("#{act} is not an action proposal")) };
                    let Some(m) = p.assessment.measures.get(n as usize) else {
                        return refuse(format!("#{act} has {} measure(s)", p.assessment.measures.len()));
                    };
                    let short: String = m.chars().take(150).collect();
                    format!("measure {} of #{act}: {short}", n + 1)
                }
                (None, None, None) => return refuse("give a title, or create the task from a hypothesis or a measure"),
            };
            Body::TaskAdded(Task {
                title: title.into(),
                owner: opt(owner),
                role: opt(role),
                domain: *domain,
                assets: boxed(assets),
                due: *due,
                hypothesis: *hypothesis,
                evidence: evidence.clone(),
                measure,
                collection: collect.as_ref().map(|c| Collection {
                    method: c.as_str().into(),
                    intrusiveness: intrusiveness.unwrap_or(Intrusiveness::Passive),
                }),
            })
        }
        C::UpdateTask { task, status, note, action } => {
            let Some(current) = inc.work.tasks.get(task).map(|t| t.status) else {
                return refuse(format!("#{task} is not a task"));
            };
            Body::TaskUpdated(TaskUpdate {
                task: *task,
                status: status.unwrap_or(current),
                note: opt(note),
                action: *action,
            })
        }
        C::FollowUp { item, text, changed } => Body::FollowUpRecorded(FollowUp {
            item: item.as_str().into(),
            text: text.as_str().into(),
            changed: *changed,
        }),
        C::Acknowledge { item } => Body::FollowUpAcknowledged(FollowUpAck { item: item.as_str().into() }),
        C::SuspectView { hypothesis, processes } => {
            Body::ViewSuspected(ViewSuspicion { hypothesis: *hypothesis, processes: boxed(processes) })
        }
        C::VerifyReadings { process, reading, field_value, shown, note } => {
            return readings(cx.site, process, reading, field_value, shown, note);
        }
        C::PlanRecovery { assets } => {
            let Some(engine) = cx.engine else { return refuse("the impact engine is not loaded") };
            let affected = affected(cx.site, engine.graph, inc, assets)?;
            let plan = recovery::plan(cx.site, engine.graph, &affected);
            Body::RecoveryPlanned(RecoveryPlan {
                site_version: site_version(cx.site)?,
                items: plan_items(cx.site, &plan),
            })
        }
        C::Reorder { asset, after, reason } => Body::RecoveryReordered(Reorder {
            asset: asset.as_str().into(),
            after: opt(after),
            reason: reason.as_str().into(),
        }),
        C::RecordCheck { asset, check, observed, catalogue, artefact, note } => {
            let Some(plan) = inc.plan() else {
                return refuse("there is no recovery plan: record one first (`recovery plan --record`)");
            };
            let Some(item) = plan.items.iter().find(|i| *i.asset == **asset) else {
                return refuse(format!("{asset} is not in the recovery plan"));
            };
            let Some(ix) = cx.site.asset_by_id(asset) else { return refuse(format!("unknown asset {asset}")) };
            let backup = CheckSpec { kind: "backup-hash".into(), expected: None, source: "restoration media".into() };
            let spec = item.checks.iter().find(|c| *c.kind == **check).or((check == "backup-hash").then_some(&backup));
            let Some(spec) = spec else {
                let kinds: Vec<&str> = item.checks.iter().map(|c| &*c.kind).collect();
                return refuse(format!("{asset} needs no {check} check; its checks are {}", kinds.join(", ")));
            };
            let (passed, detail) = crate::recovery::judge_check(cx.site, ix, spec, observed, catalogue.as_deref())
                .map_err(CommandError)?;
            Body::CheckRecorded(CheckRecord {
                asset: asset.as_str().into(),
                kind: check.as_str().into(),
                observed: observed.as_str().into(),
                expected: opt(catalogue),
                passed,
                detail: detail.into(),
                artefact: *artefact,
                note: opt(note),
            })
        }
        C::Monitor { assets, until, criteria } => {
            Body::MonitoringStarted(Monitoring { assets: boxed(assets), until: *until, criteria: boxed(criteria) })
        }
        C::EndMonitoring { window, reason } => {
            Body::MonitoringEnded(MonitoringEnd { window: *window, reason: reason.as_str().into() })
        }
        C::EndRecovery { reason } => {
            let policy = Policy::default();
            let rcx = Context { site: cx.site, policy: &policy, engine: cx.engine };
            let open = crate::rules::recovery_open_items(inc, &rcx);
            Body::RecoveryEnded(RecoveryEnd {
                reason: reason.as_str().into(),
                open_items: open.into_iter().map(Into::into).collect(),
            })
        }
    };
    Ok(vec![b])
}

#[allow(clippy::too_many_arguments)]
fn status(
    inc: &Incident,
    cx: &Cx<'_>,
    severity: Option<Severity>,
    category: Option<Category>,
    phase: Option<Phase>,
    process: &Option<String>,
    process_state: Option<ProcessState>,
    control: Option<Integrity>,
    view: Option<Integrity>,
    reason: &str,
    evidence: &[u64],
) -> Result<Vec<Body>, CommandError> {
    let reason: Box<str> = reason.into();
    let mut bodies = Vec::new();
    if let Some(severity) = severity {
        bodies.push(Body::SeverityChanged { severity, reason: reason.clone() });
    }
    if let Some(category) = category {
        bodies.push(Body::CategoryChanged { category, reason: reason.clone() });
    }
    if let Some(phase) = phase {
        bodies.push(Body::PhaseChanged { phase, reason: reason.clone() });
        // Closing opens the follow-ups (once), due after the site's follow-up days.
        if phase == Phase::Closed && inc.work.follow_ups.is_empty() {
            let days = cx.site.info.follow_up_days.unwrap_or(FOLLOW_UP_DAYS);
            bodies.push(Body::FollowUpsOpened(FollowUpsOpened {
                days,
                due: cx.now.plus_micros(i64::from(days) * 86_400 * 1_000_000),
                items: WorkPlan::items_for(&inc.reviews).into_iter().map(Into::into).collect(),
            }));
        }
    }
    if process_state.is_some() || control.is_some() || view.is_some() {
        bodies.push(Body::SituationAssessed(Situation {
            process: opt(process),
            process_state,
            control,
            view,
            reason: reason.clone(),
            evidence: evidence.to_vec(),
        }));
    } else if process.is_some() || !evidence.is_empty() {
        return refuse("process and evidence go with an assessment: give the process state, control or view integrity");
    }
    if bodies.is_empty() {
        return refuse("nothing to change: give a severity, category, phase, process state, control or view integrity");
    }
    Ok(bodies)
}

#[allow(clippy::too_many_arguments)]
fn correct(
    inc: &Incident,
    event: u64,
    reason: &str,
    retract: bool,
    text: &Option<String>,
    title: &Option<String>,
    statement: &Option<String>,
    rationale: &Option<String>,
    at: Option<Timestamp>,
    assets: &[String],
) -> Result<Vec<Body>, CommandError> {
    let reason: Box<str> = reason.into();
    if retract {
        if text.is_some() || title.is_some() || statement.is_some() || rationale.is_some() || at.is_some() {
            return refuse("a retraction takes no new content");
        }
        return Ok(vec![Body::Corrected(Correction { supersedes: event, reason, replacement: None })]);
    }
    let Some(current) = inc.effective(event).cloned() else {
        return refuse(format!("#{event} does not exist or was retracted"));
    };
    let mut changed = false;
    let mut apply = |field: &mut Box<str>, new: &Option<String>| {
        if let Some(n) = new {
            *field = n.as_str().into();
            changed = true;
        }
    };
    let replacement = match current {
        Body::Note(mut n) => {
            apply(&mut n.text, text);
            Body::Note(n)
        }
        Body::Observation(mut o) => {
            apply(&mut o.text, text);
            if let Some(t) = at {
                o.observed_at = t;
                changed = true;
            }
            if !assets.is_empty() {
                o.assets = boxed(assets);
                changed = true;
            }
            Body::Observation(o)
        }
        Body::EvidenceCollected(mut e) => {
            apply(&mut e.title, title);
            if let Some(t) = at {
                e.collected_at = t;
                changed = true;
            }
            if !assets.is_empty() {
                e.assets = boxed(assets);
                changed = true;
            }
            Body::EvidenceCollected(e)
        }
        Body::HypothesisProposed(mut h) => {
            apply(&mut h.statement, statement);
            Body::HypothesisProposed(h)
        }
        Body::DecisionRecorded(mut d) => {
            apply(&mut d.title, title);
            apply(&mut d.rationale, rationale);
            Body::DecisionRecorded(d)
        }
        Body::CommunicationPublished(mut c) => {
            apply(&mut c.text, text);
            Body::CommunicationPublished(c)
        }
        other => {
            return refuse(format!(
                "#{event} is a {} event, which is not corrected in place: record a new change with its reason",
                other.kind()
            ));
        }
    };
    if !changed {
        return refuse(
            "say what the corrected entry says (text, title, statement, rationale, time, assets) or retract it",
        );
    }
    Ok(vec![Body::Corrected(Correction { supersedes: event, reason, replacement: Some(Box::new(replacement)) })])
}

fn readings(
    site: &Site,
    process: &str,
    reading: &str,
    field_value: &str,
    shown: &[(String, String)],
    note: &Option<String>,
) -> Result<Vec<Body>, CommandError> {
    let Some(p) = site.processes.iter().find(|p| *p.id == *process) else {
        return refuse(format!("no process \"{process}\" in the site model"));
    };
    let Some(r) = p.readings.iter().find(|r| *r.id == *reading) else {
        let ids: Vec<&str> = p.readings.iter().map(|r| &*r.id).collect();
        return refuse(format!("process {} has no reading \"{reading}\" (its readings: {})", p.id, ids.join(", ")));
    };
    let Some(field) = crate::integrity::parse_value(field_value) else {
        return refuse(format!("field value \"{field_value}\" is not a number"));
    };
    let mut displayed = Vec::with_capacity(shown.len());
    for (asset, value) in shown {
        let Some(v) = crate::integrity::parse_value(value) else {
            return refuse(format!("shown {asset}={value}: \"{value}\" is not a number"));
        };
        displayed.push(Displayed {
            asset: asset.as_str().into(),
            value: value.as_str().into(),
            agrees: crate::integrity::agrees(field, v, r.tolerance),
        });
    }
    Ok(vec![Body::ReadingsVerified(ReadingCheck {
        process: process.into(),
        reading: reading.into(),
        field_value: field_value.into(),
        displayed,
        note: opt(note),
    })])
}

/// The incident's affected assets: targets of actions that were applied (or
/// rolled back), assets of observations, and `extra`; sorted, once each.
pub fn affected(
    site: &Site,
    graph: &impact::Graph,
    inc: &Incident,
    extra: &[String],
) -> Result<Vec<site_model::AssetIx>, CommandError> {
    let mut out: Vec<site_model::AssetIx> = Vec::new();
    for (seq, st) in &inc.actions {
        if !st.status.applied() && st.status != crate::ActionStatus::RolledBack {
            continue;
        }
        let Some(p) = inc.proposal(*seq) else { continue };
        let Ok(action) = impact::Action::parse(site, &p.action) else { continue };
        if action.effect == site_model::Effect::Reconnect {
            continue;
        }
        out.extend(authority::touched_assets(site, graph, &action));
    }
    for e in inc.events() {
        if let Body::Observation(o) = &e.body {
            out.extend(o.assets.iter().filter_map(|a| site.asset_by_id(a)));
        }
    }
    for a in extra {
        let Some(ix) = site.asset_by_id(a) else {
            return refuse(format!("unknown asset \"{a}\" (not in the site model)"));
        };
        out.push(ix);
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        return refuse("the incident names no affected asset (no applied action, no observation): name one");
    }
    Ok(out)
}

/// A computed restoration plan as the items a `recovery-planned` event records.
pub fn plan_items(site: &Site, plan: &recovery::Plan) -> Vec<PlanItem> {
    plan.items
        .iter()
        .map(|i| PlanItem {
            asset: site.asset(i.asset).id.clone(),
            stage: i.stage.into(),
            reason: i.reason.as_str().into(),
            reentry: i.reentry.map(Into::into),
            checks: crate::recovery::specs(&i.checks),
        })
        .collect()
}
