//! The JSON of the impact engine's analyses, documented in docs/actions.md:
//! `interlock impact --json` (`interlock.impact/1`), `reach --json`
//! (`interlock.reach/1`), `contain --json` (`interlock.contain/1`), `spof
//! --json` (`interlock.spof/1`) and `restore-order --json`
//! (`interlock.restore-order/1`).

use impact::order::{OrderOptions, RestoreOrder};
use impact::plan::{Blocked, Containment, Plan, Protect};
use impact::reach::{How, Node, Step};
use impact::spof::{self, Spofs};
use impact::{AttackGraph, Category, Foothold, Graph, Impact, Reach, Verdict};
use serde_json::{Value, json};
use site_model::{AssetIx, Site};

fn id(site: &Site, a: AssetIx) -> String {
    site.asset(a).id.to_string()
}

fn measures(m: &[impact::Measure]) -> Vec<Value> {
    m.iter().map(|m| json!({"what": m.what, "why": m.why})).collect()
}

/// What a set of actions breaks (`interlock impact --json`, format `interlock.impact/1`).
pub fn impact_json(site: &Site, impact: &Impact) -> Value {
    let id = |a: AssetIx| id(site, a);
    let verdict = match &impact.verdict {
        Verdict::Safe => json!({"verdict": "safe", "reasons": [], "measures": []}),
        Verdict::SafeWithMeasures(m) => {
            json!({"verdict": "safe-with-measures", "reasons": [], "measures": measures(m)})
        }
        Verdict::Unsafe { reasons, measures: m } => {
            json!({"verdict": "unsafe", "reasons": reasons, "measures": measures(m)})
        }
    };
    json!({
        "format": "interlock.impact/1",
        "site_version": site.version(),
        "actions": impact.actions.iter().map(|a| json!({
            "text": &*a.text, "verb": &*a.verb, "effect": a.effect.as_str(), "intent": a.intent.as_str(),
            "targets": a.targets.iter().map(|t| t.describe(site)).collect::<Vec<_>>(), "typical_minutes": a.minutes,
        })).collect::<Vec<_>>(),
        "verdict": verdict,
        "categories": impact.categories.iter().map(|(c, v)| json!({
            "category": c.as_str(), "assets": v.iter().map(|a| id(*a)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "processes": impact.processes.iter().map(|p| json!({
            "process": &*site.processes[p.process].id, "control": p.control.as_str(), "view": p.view.as_str(),
            "alarm": p.alarm.as_str(), "safety": p.safety.as_str(), "stopped": p.stopped.is_some(), "manual": p.manual,
            "reasons": p.reasons,
        })).collect::<Vec<_>>(),
        "self_inflicted": impact.self_inflicted.iter().map(|s| json!({
            "technique": s.technique, "name": s.name, "because": s.because,
        })).collect::<Vec<_>>(),
        "unusable": impact.unusable.iter().map(|(a, _)| json!({
            "asset": id(*a), "explanation": impact.explain_unusable(site, *a),
        })).collect::<Vec<_>>(),
        "lost": impact.lost.iter().map(|(a, k, _)| json!({
            "asset": id(*a), "function": k.as_str(), "explanation": impact.explain(site, *a, *k),
        })).collect::<Vec<_>>(),
        "degraded": impact.degraded.iter().map(|(a, k, d)| json!({
            "asset": id(*a), "function": k.as_str(), "provider": site.dependencies.get(*d as usize).map(|d| id(d.provider)),
        })).collect::<Vec<_>>(),
        "stopped": impact.down.iter().map(|(a, _)| id(*a)).collect::<Vec<_>>(),
        "broken": impact.broken.iter().filter_map(|d| {
            let dep = site.dependencies.get(*d as usize)?;
            Some(json!({"consumer": id(dep.consumer), "provider": id(dep.provider), "kind": dep.kind.as_str(),
                   "direct": matches!(impact.cause.get(d), Some(impact::Cause::Action(_)))}))
        }).collect::<Vec<_>>(),
        "vendors": impact.vendors.iter().map(|v| {
            let vendor = &site.vendors[v.vendor];
            json!({"vendor": &*vendor.id, "pathway": &*vendor.pathways[v.pathway].id,
                   "functions": v.functions.iter().map(|f| json!({
                       "name": &*vendor.functions[*f].name, "safety_critical": vendor.functions[*f].safety_critical,
                   })).collect::<Vec<_>>()})
        }).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------------- reach

/// How many assets, accounts and vendor pathways the attacker reaches.
pub fn reach_counts(reach: &Reach<'_>) -> (usize, usize, usize) {
    let (mut a, mut c, mut p) = (0, 0, 0);
    for n in reach.nodes() {
        match n {
            Node::Asset(_) => a += 1,
            Node::Account(_) => c += 1,
            Node::Pathway(..) => p += 1,
        }
    }
    (a, c, p)
}

fn how_word(h: How) -> &'static str {
    match h {
        How::Uses(_) => "uses",
        How::Serves(_) => "serves",
        How::Exposes => "exposes",
        How::Authenticates => "authenticates",
        How::LogsIn => "logs-in",
        How::Admits => "admits",
        How::OnRoute => "on-route",
        How::LeadsTo => "leads-to",
    }
}

fn step_json(site: &Site, s: &Step) -> Value {
    let dep = s.how.dependency().and_then(|d| site.dependencies.get(d as usize));
    json!({
        "from": s.from.describe(site),
        "to": s.to.describe(site),
        "how": how_word(s.how),
        "dependency": dep.map(|d| json!({
            "consumer": &*site.asset(d.consumer).id, "provider": &*site.asset(d.provider).id, "kind": d.kind.as_str(),
        })),
        "conduits": dep.map(|d| site.conduits_crossed(d).iter().map(|c| &*site.conduits[c.ix()].id).collect::<Vec<_>>())
            .unwrap_or_default(),
        "text": s.describe(site),
    })
}

/// An attacker path: its steps, each with the dependency and conduits it goes through.
pub fn path_json(site: &Site, steps: &[Step]) -> Vec<Value> {
    steps.iter().map(|s| step_json(site, s)).collect()
}

/// What an attacker on the footholds reaches (`interlock reach --json`, format
/// `interlock.reach/1`); the first `max` critical assets are listed with their paths.
pub fn reach_json(site: &Site, footholds: &[Foothold], reach: &Reach<'_>, max: usize) -> Value {
    let id = |a: &AssetIx| id(site, *a);
    let (a, c, p) = reach_counts(reach);
    let critical = reach.critical_assets(site);
    json!({
        "format": "interlock.reach/1",
        "site_version": site.version(),
        "compromised": footholds.iter().map(|f| f.describe(site)).collect::<Vec<_>>(),
        "reached": {"assets": a, "accounts": c, "pathways": p, "critical_assets": critical.len()},
        "processes": reach.processes(site).iter().map(|pr| {
            let near = pr.nearest(reach);
            json!({
                "process": &*site.processes[pr.process].id,
                "criticality": site.processes[pr.process].criticality.as_str(),
                "control": pr.control.iter().map(id).collect::<Vec<_>>(),
                "safety": pr.safety.iter().map(id).collect::<Vec<_>>(),
                "view": pr.view.iter().map(id).collect::<Vec<_>>(),
                "alarm": pr.alarm.iter().map(id).collect::<Vec<_>>(),
                "nearest": near.map(|a| id(&a)),
                "path": near.map(|a| path_json(site, &reach.path(Node::Asset(a)))).unwrap_or_default(),
            })
        }).collect::<Vec<_>>(),
        "critical_assets": critical.iter().take(max).map(|x| {
            let path = reach.path(Node::Asset(*x));
            json!({
                "asset": id(x), "criticality": site.asset(*x).criticality.as_str(), "kind": site.asset(*x).kind.as_str(),
                "steps": path.len(), "path": path_json(site, &path),
            })
        }).collect::<Vec<_>>(),
        "conduits": reach.conduits(site).iter().map(|(c, n)| json!({
            "conduit": &*site.conduits[c.ix()].id, "reached_behind": n,
        })).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------------- contain

/// How the attacker gets to the nearest protected asset now, before any action: what
/// explains a containment plan (`attacker_path` of `interlock.contain/1`).
pub fn attacker_path<'g>(
    site: &Site,
    attack: &'g AttackGraph,
    footholds: &[Foothold],
    protect: &[Protect],
    c: &Containment,
) -> Vec<Step> {
    let starts = impact::reach::foothold_nodes(site, footholds);
    let reach: Reach<'g> = attack.reach(&starts);
    let prot = impact::plan::Protection::new(site, protect);
    let nearest = reach.assets().find(|a| prot.assets[a.ix()] && !c.compromised_protected.contains(a));
    nearest.map(|a| reach.path(Node::Asset(a))).unwrap_or_default()
}

fn verdict_word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Safe => "safe",
        Verdict::SafeWithMeasures(_) => "safe-with-measures",
        Verdict::Unsafe { .. } => "unsafe",
    }
}

fn plan_json(site: &Site, rank: usize, p: &Plan) -> Value {
    json!({
        "rank": rank,
        "actions": p.texts(),
        "cost": p.cost,
        "cut_cost": p.cut_cost,
        "verdict": verdict_word(&p.impact.verdict),
        "without": p.without,
        "verified": p.verified,
        "impact": impact_json(site, &p.impact),
    })
}

fn blocked_json(site: &Site, b: &Blocked) -> Value {
    json!({
        "path": path_json(site, &b.path),
        "flows": b.flows.iter().filter_map(|f| {
            let d = site.dependencies.get(f.dependency as usize)?;
            Some(json!({
                "consumer": &*site.asset(d.consumer).id, "provider": &*site.asset(d.provider).id, "kind": d.kind.as_str(),
                "processes": f.processes.iter().map(|p| &*site.processes[*p].id).collect::<Vec<_>>(),
                "text": f.describe(site),
            }))
        }).collect::<Vec<_>>(),
    })
}

/// The containment planner's answer (`interlock contain --json`, format
/// `interlock.contain/1`); `now` is the [`attacker_path`].
pub fn contain_json(site: &Site, protect: &[Protect], c: &Containment, now: &[Step]) -> Value {
    let outcome = if !c.plans.is_empty() {
        "plan"
    } else if c.blocked.is_some() {
        "blocked"
    } else {
        "not-reached"
    };
    json!({
        "format": "interlock.contain/1",
        "site_version": site.version(),
        "compromised": c.footholds.iter().map(|f| f.describe(site)).collect::<Vec<_>>(),
        "protect": protect.iter().map(|p| p.describe(site)).collect::<Vec<_>>(),
        "protected": {
            "assets": c.protected,
            "reached": c.reached_protected,
            "compromised": c.compromised_protected.iter().map(|a| &*site.asset(*a).id).collect::<Vec<_>>(),
        },
        "outcome": outcome,
        "attacker_path": path_json(site, now),
        "plans": c.plans.iter().enumerate().map(|(i, p)| plan_json(site, i + 1, p)).collect::<Vec<_>>(),
        "blocked": c.blocked.as_ref().map(|b| blocked_json(site, b)),
        "stats": {
            "relevant_nodes": c.stats.relevant, "nodes": c.stats.nodes, "edges": c.stats.edges,
            "candidates": c.stats.candidates, "solves": c.stats.solves, "analysed": c.stats.analysed,
        },
    })
}

// ---------------------------------------------------------------------------------- spof

/// Single points of failure (`interlock spof --json`, format `interlock.spof/1`); the first
/// `max` entries of each list are explained, the others' `explanation` is null.
pub fn spof_json(site: &Site, g: &Graph, found: &Spofs, max: usize) -> Value {
    let id = |a: AssetIx| id(site, a);
    let list = |v: &[AssetIx]| v.iter().map(|a| id(*a)).collect::<Vec<_>>();
    let cats = |v: &[Category]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>();
    json!({
        "format": "interlock.spof/1",
        "site_version": site.version(),
        "assume_down": list(&found.assume_down),
        "simulated": found.simulated,
        "processes": found.processes.iter().map(|r| {
            let p = &site.processes[r.process];
            json!({
                "process": &*p.id, "name": &*p.name, "criticality": p.criticality.as_str(),
                "candidates": r.candidates, "already_lost": cats(&r.already_lost),
                "spofs": r.spofs.iter().enumerate().map(|(i, s)| json!({
                    "asset": id(s.asset), "lost": cats(&s.lost), "member": s.member, "reach": s.reach,
                    "explanation": if i < max { json!(spof::explain_process_spof(site, g, &found.assume_down, s)) } else { json!(null) },
                })).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "lone_providers": found.lone.iter().enumerate().map(|(i, l)| json!({
            "provider": id(l.provider),
            "kinds": l.kinds.iter().map(|k| json!({
                "kind": k.kind.as_str(), "consumers": list(&k.consumers), "others_lost": list(&k.others_lost),
            })).collect::<Vec<_>>(),
            "processes": l.processes.iter().map(|(p, c, lost)| json!({
                "process": &*site.processes[*p].id, "function": c.as_str(), "lost": lost,
            })).collect::<Vec<_>>(),
            "stations_unusable": list(&l.stations),
            "assets_losing": l.assets_losing,
            "explanation": if i < max { json!(spof::explain_lone(site, g, &found.assume_down, l)) } else { json!(null) },
        })).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------------- restore order

/// How ties are broken, in words.
pub fn tie_break(o: &OrderOptions) -> &'static str {
    if o.stage_first { "stage, then criticality, then id" } else { "criticality, then stage, then id" }
}

/// The restoration order (`interlock restore-order --json`, format `interlock.restore-order/1`);
/// `affected_by` are the actions whose affected assets were ordered, as given.
pub fn order_json(site: &Site, plan: &RestoreOrder, affected_by: &[String]) -> Value {
    let id = |a: AssetIx| id(site, a);
    let list = |v: &[AssetIx]| v.iter().map(|a| id(*a)).collect::<Vec<_>>();
    json!({
        "format": "interlock.restore-order/1",
        "site_version": site.version(),
        "affected_by": affected_by,
        "kinds": plan.options.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "tie_break": tie_break(&plan.options),
        "looked_through": plan.looked_through,
        "steps": plan.steps.iter().enumerate().map(|(i, s)| json!({
            "step": i + 1,
            "together": s.is_cycle(),
            "running_in_cycle": list(&s.running_in_cycle),
            "assets": s.assets.iter().map(|p| json!({
                "asset": id(p.asset),
                "stage": p.stage.as_str(),
                "criticality": p.criticality.as_str(),
                "reason": p.reason(site),
                "after": p.after.iter().map(|(a, k)| json!({
                    "asset": id(*a), "kinds": k.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "through": p.through.iter().map(|(via, w)| json!({"via": id(*via), "waits_for": id(*w)})).collect::<Vec<_>>(),
                "together_with": list(&p.together),
                "reentry": p.reentry.map(|r| r.as_str()),
                "checks": p.reentry.map(|r| r.checks().to_vec()).unwrap_or_default(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
