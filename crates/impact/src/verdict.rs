//! The safety verdict on an impact: safe; safe only with named compensating
//! measures; or unsafe. Safety comes first: an action that removes a safety
//! function, or control of a critical process that cannot run by hand, is
//! unsafe whatever it contains.

use site_model::{AssetKind, Criticality, Effect, Function, Site};

use crate::action::{Mode, Target};
use crate::impact::{Impact, Status};

/// A compensating measure: what must be in place, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub what: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Safe,
    /// Safe only while every listed measure is in place.
    SafeWithMeasures(Vec<Measure>),
    /// Unsafe, for these reasons (and the measures that would be needed otherwise).
    Unsafe {
        reasons: Vec<String>,
        measures: Vec<Measure>,
    },
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::SafeWithMeasures(_) => "safe with compensating measures",
            Verdict::Unsafe { .. } => "unsafe",
        }
    }

    pub fn measures(&self) -> &[Measure] {
        match self {
            Verdict::Safe => &[],
            Verdict::SafeWithMeasures(m) | Verdict::Unsafe { measures: m, .. } => m,
        }
    }
}

fn hours(minutes: u32) -> String {
    if minutes.is_multiple_of(60) { format!("{}h", minutes / 60) } else { format!("{minutes}m") }
}

pub(crate) fn judge(site: &Site, impact: &Impact) -> Verdict {
    let mut unsafe_reasons: Vec<String> = Vec::new();
    let mut measures: Vec<Measure> = Vec::new();
    let mut add = |what: String, why: String| {
        if !measures.iter().any(|m: &Measure| m.what == what) {
            measures.push(Measure { what, why });
        }
    };
    let longest = impact.actions.iter().map(|a| a.minutes).max().unwrap_or(0);
    let ids =
        |v: &[site_model::AssetIx]| v.iter().map(|a| site.asset(*a).id.to_string()).collect::<Vec<_>>().join(", ");

    let mut alarm_watch: Vec<(&str, String)> = Vec::new();
    for p in &impact.processes {
        let proc_ = &site.processes[p.process];
        let why = p.reasons.join("; ");
        if p.safety == Status::Lost {
            unsafe_reasons.push(format!("removes the safety function of {} ({why})", proc_.name));
        } else if p.safety == Status::Degraded {
            add(
                format!(
                    "safety officer confirms at the panel that {} is healthy and not bypassed, and stays on watch",
                    ids(&proc_.safety)
                ),
                format!("{}: {why}", proc_.name),
            );
        }
        if let Some(i) = p.stopped {
            let action = &impact.actions[i as usize];
            let emergency = action.mode == Some(Mode::Emergency);
            add(
                format!(
                    "{} is stopped by its {} procedure; restart only by the start-up procedure with its checks",
                    proc_.name,
                    if emergency { "emergency shutdown" } else { "shutdown" }
                ),
                format!("action {}: {}", i + 1, action.text),
            );
        }
        if p.control == Status::Lost || p.view == Status::Lost {
            let lost = if p.control == Status::Lost { "control" } else { "control from the control room" };
            match &proc_.manual_operation {
                None if proc_.criticality >= Criticality::High => unsafe_reasons.push(format!(
                    "{} loses {lost} and has no manual-operation readiness recorded ({why})",
                    proc_.name
                )),
                None => add(format!("accept the loss of {lost} of {}", proc_.name), why.clone()),
                Some(m) if longest > m.sustainable_minutes => unsafe_reasons.push(format!(
                    "{} loses {lost}; manual operation ({}) is sustainable for {} but the action lasts {} ({why})",
                    proc_.name,
                    m.procedure,
                    hours(m.sustainable_minutes),
                    hours(longest)
                )),
                Some(m) => add(
                    format!(
                        "run {} by hand per {} with {} people at {} for at most {}{}",
                        proc_.name,
                        m.procedure,
                        m.staffing,
                        ids(&proc_.control),
                        hours(m.sustainable_minutes),
                        if p.manual { " (switch-to-manual is part of the plan)" } else { "" }
                    ),
                    why.clone(),
                ),
            }
        }
        if matches!(p.view, Status::Lost | Status::Degraded) {
            add(
                format!(
                    "manual verification rounds for {}: field readings at {} compared against the displays at {}, logged every round",
                    proc_.name,
                    ids(&proc_.control),
                    if proc_.view.is_empty() { "the local panels".to_string() } else { ids(&proc_.view) }
                ),
                why.clone(),
            );
        }
        if p.alarm != Status::Intact {
            alarm_watch.push((&proc_.name, why.clone()));
        }
    }
    if !alarm_watch.is_empty() {
        add(
            format!(
                "an operator stays at a working console to watch the alarms of {} continuously; call-outs by phone",
                alarm_watch.iter().map(|(n, _)| &**n).collect::<Vec<_>>().join(", ")
            ),
            alarm_watch
                .iter()
                .map(|(_, w)| w.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join("; "),
        );
    }

    // Stations people lose: a local break-glass login, if the site has one. Never a vendor's
    // account or one not intended to be in use.
    let disabled =
        |acc: &site_model::model::Account| impact.accounts.iter().any(|(x, _)| site.accounts[x.ix()].id == acc.id);
    let mut no_local: Vec<&str> = Vec::new();
    for (a, _) in &impact.unusable {
        let asset = site.asset(*a);
        if asset.domain == site_model::Domain::It {
            continue;
        }
        let local = site.accounts.iter().find(|acc| {
            acc.directory.is_none()
                && acc.assets.contains(a)
                && acc.status == site_model::AccountStatus::Active
                && !matches!(acc.kind, site_model::AccountKind::Vendor | site_model::AccountKind::Service)
                && !disabled(acc)
        });
        match local {
            Some(acc) => add(
                format!("operators use the local break-glass account {} on {}", acc.id, asset.id),
                format!("nobody can log into {} otherwise", asset.id),
            ),
            None => no_local.push(&asset.id),
        }
    }
    if !no_local.is_empty() {
        add(
            format!("keep operators logged on at {} before acting: no local login exists there", no_local.join(", ")),
            "nobody can log into them once the action is taken".into(),
        );
    }

    // Safety-relevant dependencies broken, grouped by what is lost from whom; stations that
    // become unusable are covered above.
    let mut groups: Vec<((site_model::AssetIx, Function), Vec<&str>)> = Vec::new();
    for &d in &impact.broken {
        let dep = &site.dependencies[d as usize];
        if !dep.safety_relevant || dep.kind == Function::Safety || impact.is_unusable(dep.consumer) {
            continue;
        }
        let key = (dep.provider, dep.kind);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(&site.asset(dep.consumer).id),
            None => groups.push((key, vec![&site.asset(dep.consumer).id])),
        }
    }
    for ((provider, kind), consumers) in groups {
        add(
            format!("compensate for {} losing {} from {}", consumers.join(", "), kind, site.asset(provider).id),
            "the dependency is marked safety-relevant in the site model".into(),
        );
    }

    // Powering down or stopping controllers and safety systems.
    for (i, action) in impact.actions.iter().enumerate() {
        for t in &action.targets {
            let Target::Asset(a) = t else { continue };
            let asset = site.asset(*a);
            if asset.kind == AssetKind::SafetyController
                && matches!(
                    action.effect,
                    Effect::PowerDown | Effect::TakeOffline | Effect::Reimage | Effect::Isolate | Effect::ShutDown
                )
            {
                unsafe_reasons.push(format!(
                    "action {} ({}) acts on the safety controller {}: safety controllers are never containment targets without safety sign-off",
                    i + 1,
                    action.text,
                    asset.id
                ));
            } else if asset.kind.is_controller() && action.effect == Effect::PowerDown {
                add(
                    format!(
                        "confirm the de-energised state of {}'s outputs is the safe state before powering down",
                        asset.id
                    ),
                    "a de-energised controller drives its outputs to their de-energised state".into(),
                );
            }
        }
    }

    // The plant's readings stop reaching IT (compliance reporting, dashboards,
    // business systems): those who depend on them verify by hand.
    if let Some((_, lost)) =
        impact.categories.iter().find(|(c, v)| *c == crate::impact::Category::TelemetryToIt && !v.is_empty())
    {
        add(
            format!(
                "manual verification of the readings {} no longer receive: operations logs the process values they report by hand each round and passes them on until the feed is restored",
                ids(lost)
            ),
            "telemetry from the plant to IT is cut".into(),
        );
    }

    for v in &impact.vendors {
        let vendor = &site.vendors[v.vendor];
        for f in &v.functions {
            let f = &vendor.functions[*f];
            if f.safety_critical {
                add(
                    format!("arrange on-site or supervised support from {} for: {}", vendor.name, f.name),
                    "a safety-critical vendor function loses its remote pathway".into(),
                );
            }
        }
    }

    if !unsafe_reasons.is_empty() {
        Verdict::Unsafe { reasons: unsafe_reasons, measures }
    } else if !measures.is_empty() {
        Verdict::SafeWithMeasures(measures)
    } else {
        Verdict::Safe
    }
}
