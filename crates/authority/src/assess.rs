//! From a proposed action to what it needs: its impact, the safety verdict,
//! the impact facts the matrix matches on, the matching rules and the
//! resulting [`Requirement`].

use impact::{Action, Category, Graph, Impact, Target, Verdict};
use site_model::authority::{Authority, Conditions, Rule};
use site_model::{AssetIx, AssetKind, Domain, Effect, ImpactFact, IntentWord, PhaseWord, Site};

use crate::requirement::{Group, Matched, Requirement, Rung};

/// The safety verdict, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictKind {
    Safe,
    Measures,
    Unsafe,
}

impl VerdictKind {
    pub const ALL: &'static [VerdictKind] = &[VerdictKind::Safe, VerdictKind::Measures, VerdictKind::Unsafe];

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Safe => "safe",
            VerdictKind::Measures => "safe-with-measures",
            VerdictKind::Unsafe => "unsafe",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            VerdictKind::Safe => 1,
            VerdictKind::Measures => 2,
            VerdictKind::Unsafe => 3,
        }
    }

    pub fn from_code(c: u8) -> Option<VerdictKind> {
        VerdictKind::ALL.iter().copied().find(|v| v.code() == c)
    }
}

/// A fact about the impact, with the evidence for it in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub fact: ImpactFact,
    pub evidence: Box<str>,
}

/// Everything computed about a proposed action, frozen into the proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The action as written.
    pub action: Box<str>,
    pub verdict: VerdictKind,
    pub unsafe_reasons: Vec<Box<str>>,
    /// Compensating measures: each must be confirmed before execution.
    pub measures: Vec<Box<str>>,
    pub facts: Vec<Fact>,
    /// The impact in a few lines, for the record.
    pub summary: Vec<Box<str>>,
    pub requirement: Requirement,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessError {
    #[error("{0}")]
    Action(String),
    #[error("the site model has no authority matrix: add an `[authority]` table (docs/site-model.md)")]
    NoMatrix,
    #[error("no rule of the authority matrix covers `{0}`: authority must be explicit, so add a rule that does")]
    Uncovered(String),
}

/// The site, its compiled graph and its matrix: what assessing needs.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    pub site: &'a Site,
    pub graph: &'a Graph,
}

/// What a rule's conditions are matched against, besides the target's assets.
pub struct Context<'a> {
    pub verb: &'a str,
    pub intent: IntentWord,
    pub phase: PhaseWord,
    pub facts: &'a [Fact],
}

impl<'a> Engine<'a> {
    pub fn authority(&self) -> Result<&'a Authority, AssessError> {
        self.site.authority.as_ref().ok_or(AssessError::NoMatrix)
    }

    /// Assesses one proposed action (its text in the action syntax of
    /// `impact::action`) in an incident phase.
    pub fn assess(&self, text: &str, phase: PhaseWord) -> Result<Assessment, AssessError> {
        let matrix = self.authority()?;
        let action = Action::parse(self.site, text).map_err(|e| AssessError::Action(e.explain()))?;
        let imp = impact::analyze(self.site, self.graph, std::slice::from_ref(&action));
        let touched = touched_assets(self.site, self.graph, &action);
        let half = half_applied(self.site, &action, &touched);
        let facts = facts(self.site, &imp, half.as_ref().map(|(fact, _)| fact.as_str()));
        let intent = match action.intent {
            impact::Intent::Containment => IntentWord::Containment,
            impact::Intent::Safety => IntentWord::Safety,
            impact::Intent::Both => IntentWord::Both,
        };
        let cx = Context { verb: &action.verb, intent, phase, facts: &facts };
        let requirement = requirement(self.site, matrix, &cx, &touched)?;
        let (verdict, unsafe_reasons, mut measures) = match &imp.verdict {
            Verdict::Safe => (VerdictKind::Safe, Vec::new(), Vec::new()),
            Verdict::SafeWithMeasures(m) => (VerdictKind::Measures, Vec::new(), m.clone()),
            Verdict::Unsafe { reasons, measures } => (VerdictKind::Unsafe, reasons.clone(), measures.clone()),
        };
        let mut measures: Vec<Box<str>> =
            measures.drain(..).map(|m| format!("{} ({})", m.what, m.why).into()).collect();
        let mut verdict = verdict;
        if let Some((_, h)) = half {
            measures.push(h.into());
            if verdict == VerdictKind::Safe {
                verdict = VerdictKind::Measures;
            }
        }
        Ok(Assessment {
            action: action.text.clone(),
            verdict,
            unsafe_reasons: unsafe_reasons.into_iter().map(Into::into).collect(),
            measures,
            summary: summary(self.site, &imp),
            facts,
            requirement,
        })
    }
}

/// The assets an action touches, for the matrix's target conditions: a
/// zone's assets (with its sub-zones), a conduit's zones' assets, where an
/// account logs in, a pathway's targets, a process's assets. Zones are
/// walked through the graph's per-zone index, never by scanning all assets.
pub fn touched_assets(site: &Site, graph: &Graph, action: &Action) -> Vec<AssetIx> {
    let mut out: Vec<AssetIx> = Vec::new();
    let zone_assets = |z: usize, out: &mut Vec<AssetIx>| {
        if z < site.zones.len() {
            out.extend(graph.zone_assets.row(z).iter().map(|a| AssetIx(*a)));
        }
    };
    for t in &action.targets {
        match t {
            Target::Asset(a) | Target::Address(_, Some(a)) => out.push(*a),
            Target::Address(_, None) => {}
            Target::Zone(z) => {
                let mut stack = vec![z.ix()];
                let mut seen = vec![false; site.zones.len()];
                while let Some(z) = stack.pop() {
                    if z >= seen.len() || std::mem::replace(&mut seen[z], true) {
                        continue;
                    }
                    zone_assets(z, &mut out);
                    stack.extend(graph.zone_children.row(z).iter().map(|c| *c as usize));
                }
            }
            Target::Conduit(c) => {
                for z in &site.conduits[c.ix()].zones {
                    zone_assets(z.ix(), &mut out);
                }
            }
            Target::Account(acc) => out.extend(site.accounts[acc.ix()].assets.iter().copied()),
            Target::Vendor(v) => {
                out.extend(site.vendors[v.ix()].pathways.iter().flat_map(|p| p.targets.iter().copied()))
            }
            Target::Pathway(v, p) => {
                if let Some(p) = site.vendors[v.ix()].pathways.get(*p) {
                    out.extend(p.targets.iter().copied())
                }
            }
            Target::Process(p) => {
                let p = &site.processes[*p];
                out.extend(p.control.iter().chain(&p.view).chain(&p.alarm).chain(&p.safety).copied())
            }
            Target::Site => out.extend((0..site.assets.len()).map(|i| AssetIx(i as u32))),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether an asset has every target property a rule asks for.
pub fn asset_matches(site: &Site, when: &Conditions, a: AssetIx) -> bool {
    let asset = site.asset(a);
    (when.target_domains.is_empty() || when.target_domains.contains(&asset.domain))
        && (when.target_zones.is_empty() || site.zone_chain(asset.zone).any(|z| when.target_zones.contains(&z)))
        && (when.target_levels.is_empty() || asset.purdue_level.is_some_and(|l| when.target_levels.contains(&l)))
        && (when.target_kinds.is_empty() || when.target_kinds.contains(&asset.kind))
        && (when.target_criticality.is_empty() || when.target_criticality.contains(&asset.criticality))
        && (when.target_functions.is_empty() || when.target_functions.iter().any(|f| asset.functions.contains(f)))
}

/// Whether a rule matches, and why (one line per condition that held).
pub fn rule_matches(site: &Site, rule: &Rule, cx: &Context<'_>, touched: &[AssetIx]) -> Option<Vec<Box<str>>> {
    let w = &rule.when;
    let mut because: Vec<Box<str>> = Vec::new();
    if !w.verbs.is_empty() {
        if !w.verbs.iter().any(|v| **v == *cx.verb) {
            return None;
        }
        because.push(format!("the verb is {}", cx.verb).into());
    }
    if !w.intents.is_empty() {
        if !w.intents.contains(&cx.intent) {
            return None;
        }
        because.push(format!("the intent is {}", cx.intent).into());
    }
    if !w.phases.is_empty() {
        if !w.phases.contains(&cx.phase) {
            return None;
        }
        because.push(format!("the incident is in the {} phase", cx.phase).into());
    }
    if !w.impact.is_empty() {
        let hits: Vec<&crate::assess::Fact> = cx.facts.iter().filter(|f| w.impact.contains(&f.fact)).collect();
        if hits.is_empty() {
            return None;
        }
        for f in hits {
            because.push(format!("impact {}: {}", f.fact, f.evidence).into());
        }
    }
    if w.has_target_conditions() {
        let a = touched.iter().copied().find(|a| asset_matches(site, w, *a))?;
        let asset = site.asset(a);
        because.push(
            format!(
                "target {} ({}, {} zone {}, {}{})",
                asset.id,
                asset.kind,
                asset.domain,
                site.zone(asset.zone).id,
                asset.criticality,
                asset.purdue_level.map(|l| format!(", level {l}")).unwrap_or_default()
            )
            .into(),
        );
    }
    if because.is_empty() {
        because.push("the rule has no conditions: it applies to every action".into());
    }
    Some(because)
}

fn role_ids(site: &Site, roles: &[site_model::RoleIx]) -> Vec<Box<str>> {
    roles.iter().map(|r| site.roles[r.ix()].id.clone()).collect()
}

/// The ladder from index `start`, following `then` links until one repeats.
pub fn flatten_ladder(site: &Site, matrix: &Authority, start: usize) -> Vec<Rung> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut at = Some(start);
    while let Some(ix) = at {
        if seen.contains(&ix) {
            break;
        }
        seen.push(ix);
        let Some(l) = matrix.ladders.get(ix) else { break };
        out.extend(l.steps.iter().map(|s| Rung { role: site.roles[s.role.ix()].id.clone(), minutes: s.after_minutes }));
        at = l.then;
    }
    out
}

/// The conjunction of every matching rule.
pub fn requirement(
    site: &Site,
    matrix: &Authority,
    cx: &Context<'_>,
    touched: &[AssetIx],
) -> Result<Requirement, AssessError> {
    let mut req = Requirement {
        rules: Vec::new(),
        groups: Vec::new(),
        joint: false,
        veto: Vec::new(),
        execute: None,
        override_roles: Vec::new(),
        escalate_minutes: matrix.escalate_minutes,
        ladder: Vec::new(),
    };
    let mut escalate: Option<u32> = None;
    let mut ladder: Option<usize> = None;
    let mut overrides: Option<Vec<Box<str>>> = None;
    for rule in &matrix.rules {
        let Some(because) = rule_matches(site, rule, cx, touched) else { continue };
        req.rules.push(Matched { rule: rule.id.clone(), because });
        let o = &rule.then;
        req.groups.extend(o.approvals.iter().map(|g| Group { roles: role_ids(site, &g.roles), count: g.count }));
        req.joint |= o.joint;
        req.veto.extend(role_ids(site, &o.veto));
        if let Some(e) = &o.execute {
            let e = role_ids(site, e);
            req.execute = Some(match req.execute.take() {
                None => e,
                Some(prev) => prev.into_iter().filter(|r| e.contains(r)).collect(),
            });
        }
        if let Some(ov) = &o.override_roles {
            let ov = role_ids(site, ov);
            overrides = Some(match overrides.take() {
                None => ov,
                Some(prev) => prev.into_iter().filter(|r| ov.contains(r)).collect(),
            });
        }
        if let Some(m) = o.escalate_minutes {
            escalate = Some(escalate.map_or(m, |e| e.min(m)));
        }
        if ladder.is_none() {
            ladder = o.ladder;
        }
    }
    if req.rules.is_empty() {
        return Err(AssessError::Uncovered(cx.verb.to_string()));
    }
    req.escalate_minutes = escalate.unwrap_or(matrix.escalate_minutes);
    req.override_roles = overrides.unwrap_or_else(|| role_ids(site, &matrix.override_roles));
    if let Some(l) = ladder.or(matrix.ladder) {
        req.ladder = flatten_ladder(site, matrix, l);
    }
    req.normalise();
    Ok(req)
}

fn ids(site: &Site, v: &[AssetIx], most: usize) -> String {
    let s: Vec<&str> = v.iter().take(most).map(|a| &*site.asset(*a).id).collect();
    let more = v.len().saturating_sub(most);
    let mut out = s.join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

/// The impact facts of an analysed action, each with its evidence.
pub fn facts(site: &Site, imp: &Impact, half: Option<&str>) -> Vec<Fact> {
    let mut out: Vec<Fact> = Vec::new();
    let mut push = |fact: ImpactFact, evidence: String| {
        if !out.iter().any(|f| f.fact == fact) {
            out.push(Fact { fact, evidence: evidence.into() });
        }
    };
    for (cat, assets) in &imp.categories {
        let side = |d: Domain| assets.iter().copied().filter(|a| site.asset(*a).domain == d).collect::<Vec<_>>();
        let ot = side(Domain::Ot);
        let it = side(Domain::It);
        let lose = |v: &[AssetIx], what: &str| {
            let first = v.first().map(|a| imp.explain(site, *a, function_of(*cat))).unwrap_or_default();
            let why = first.first().map(|s| format!(" ({s})")).unwrap_or_default();
            format!("{} lose{} {what}{why}", ids(site, v, 3), if v.len() == 1 { "s" } else { "" })
        };
        match cat {
            Category::Control if !ot.is_empty() => push(ImpactFact::OtControlLoss, lose(&ot, "control")),
            Category::View if !ot.is_empty() => push(ImpactFact::OtViewLoss, lose(&ot, "view")),
            Category::Alarm if !ot.is_empty() => push(ImpactFact::OtAlarmLoss, lose(&ot, "alarms")),
            Category::Safety if !assets.is_empty() => push(ImpactFact::SafetyLoss, lose(assets, "safety")),
            Category::Authentication => {
                if !ot.is_empty() {
                    push(ImpactFact::OtAuthenticationLoss, lose(&ot, "authentication"));
                }
                if !it.is_empty() {
                    push(ImpactFact::ItAuthenticationLoss, lose(&it, "authentication"));
                }
            }
            Category::RemoteAccess if !ot.is_empty() => {
                push(ImpactFact::OtRemoteAccessLoss, lose(&ot, "remote access"))
            }
            Category::TelemetryToIt if !assets.is_empty() => {
                push(ImpactFact::ItTelemetryLoss, lose(assets, "telemetry from the plant"))
            }
            Category::BusinessData if !it.is_empty() => {
                push(ImpactFact::ItBusinessDataLoss, lose(&it, "business data"))
            }
            _ => {}
        }
    }
    for p in &imp.processes {
        let name = &site.processes[p.process].name;
        if p.safety != impact::Status::Intact {
            push(ImpactFact::SafetyLoss, format!("{name}: safety {}", p.safety.as_str()));
        }
        if p.stopped.is_some() {
            push(ImpactFact::ProcessStopped, format!("{name} is stopped"));
        }
        if p.is_affected() {
            push(
                ImpactFact::ProcessAffected,
                format!(
                    "{name}: control {}, view {}, alarms {}, safety {}",
                    p.control.as_str(),
                    p.view.as_str(),
                    p.alarm.as_str(),
                    p.safety.as_str()
                ),
            );
        }
    }
    let down: Vec<AssetIx> =
        imp.down.iter().map(|(a, _)| *a).chain(imp.unusable.iter().map(|(a, _)| *a)).collect::<Vec<_>>();
    let ot_down: Vec<AssetIx> = down.iter().copied().filter(|a| site.asset(*a).domain == Domain::Ot).collect();
    let it_down: Vec<AssetIx> = down.iter().copied().filter(|a| site.asset(*a).domain == Domain::It).collect();
    if !ot_down.is_empty() {
        push(ImpactFact::OtAssetDown, format!("{} stopped or unusable", ids(site, &ot_down, 3)));
    }
    if !it_down.is_empty() {
        push(ImpactFact::ItAssetDown, format!("{} stopped or unusable", ids(site, &it_down, 3)));
    }
    if let Some(v) = imp.vendors.first() {
        let vendor = &site.vendors[v.vendor];
        let pathway = vendor.pathways.get(v.pathway).map(|p| &*p.id).unwrap_or("?");
        push(ImpactFact::VendorAccessLoss, format!("{} loses pathway {pathway}", vendor.name));
    }
    match &imp.verdict {
        Verdict::Safe => {}
        Verdict::SafeWithMeasures(m) => {
            push(ImpactFact::NeedsMeasures, format!("{} compensating measure(s)", m.len()));
        }
        Verdict::Unsafe { reasons, .. } => {
            push(ImpactFact::Unsafe, reasons.first().cloned().unwrap_or_default());
        }
    }
    if let Some(h) = half {
        push(ImpactFact::HalfAppliedRisk, h.to_string());
    }
    out.sort_by_key(|f| f.fact);
    out
}

fn function_of(c: Category) -> site_model::Function {
    use site_model::Function;
    match c {
        Category::Control => Function::Control,
        Category::View => Function::View,
        Category::Alarm => Function::Alarm,
        Category::Safety => Function::Safety,
        Category::Authentication => Function::Authentication,
        Category::RemoteAccess => Function::RemoteAccess,
        Category::TelemetryToIt => Function::Historian,
        Category::BusinessData => Function::BusinessData,
    }
}

/// Cutting an engineering workstation's session or connection (directly,
/// through the vendor pathway or account that reaches it) can interrupt a
/// logic download or firmware update half way: the controller is left with
/// a partial change. Returns the fact, in a line, and the measure that guards against it.
pub fn half_applied(site: &Site, action: &Action, touched: &[AssetIx]) -> Option<(String, String)> {
    let interrupts = matches!(
        action.effect,
        Effect::KillSession
            | Effect::Isolate
            | Effect::TakeOffline
            | Effect::PowerDown
            | Effect::Reimage
            | Effect::BlockConduit
            | Effect::RevokeVendorAccess
            | Effect::Restrict
            | Effect::DisableAccount
            | Effect::ResetCredentials
    );
    if !interrupts {
        return None;
    }
    let ews: Vec<AssetIx> =
        touched.iter().copied().filter(|a| site.asset(*a).kind == AssetKind::EngineeringWorkstation).collect();
    if ews.is_empty() {
        return None;
    }
    Some((
        format!(
            "{} cuts the sessions of {}: a logic download or firmware update in progress would be left half-applied",
            action.verb,
            ids(site, &ews, 5)
        ),
        format!(
            "before acting, operations confirms with the session's owner whether a logic download or firmware update from {} is in progress: interrupting it can leave a controller with a half-applied change; afterwards, the controllers it programs are checked against their baselines before they are trusted",
            ids(site, &ews, 5)
        ),
    ))
}

fn summary(site: &Site, imp: &Impact) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    for (cat, assets) in &imp.categories {
        if !assets.is_empty() {
            out.push(format!("{}: {} lose it ({})", cat.as_str(), assets.len(), ids(site, assets, 5)).into());
        }
    }
    if !imp.down.is_empty() {
        let v: Vec<AssetIx> = imp.down.iter().map(|(a, _)| *a).collect();
        out.push(format!("stopped: {}", ids(site, &v, 5)).into());
    }
    for p in imp.processes.iter().filter(|p| p.is_affected()) {
        out.push(
            format!(
                "process {}: control {}, view {}, alarms {}, safety {}",
                site.processes[p.process].id,
                p.control.as_str(),
                p.view.as_str(),
                p.alarm.as_str(),
                p.safety.as_str()
            )
            .into(),
        );
    }
    if out.is_empty() {
        out.push("no loss of control, view, alarms, safety, authentication, remote access or data".into());
    }
    out
}
