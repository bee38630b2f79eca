//! `interlock demo`: the server on loopback over a fresh SQLite store, with
//! the example site embedded in the binary, demo users and a scripted
//! incident in progress (`demo/live.rs`); `--check` starts the same and
//! fetches a board over HTTP, then stops. `interlock demo --tour` is the text
//! walkthrough: what the site model already knows about the brief's hard
//! cases. Every line is computed from the model; nothing is canned.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use site_model::*;

mod live;

mod example {
    include!(concat!(env!("OUT_DIR"), "/example_site.rs"));
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The text walkthrough of the example site instead of the server.
    #[arg(long, conflicts_with_all = ["check", "addr", "data"])]
    tour: bool,
    /// Start everything, fetch the health check and the scripted incident's board over HTTP as a
    /// demo user, print the time it took to be ready, and stop (exit 0 when everything answered).
    #[arg(long)]
    check: bool,
    /// The address to listen on (default 127.0.0.1:8080, or any free port when that one is taken;
    /// port 0: any free port). The first line printed is "listening on http://ADDR".
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Keep the demo's SQLite store in this (new or empty) directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

/// `interlock demo [--tour | --check]`.
pub fn run(args: &DemoArgs) -> Result<std::process::ExitCode> {
    if args.tour {
        return tour(&mut std::io::stdout().lock());
    }
    live::run(args)
}

/// The example site, loaded from the copy embedded at build time.
pub fn example_site(today: Option<Date>) -> Outcome {
    let sources = example::FILES
        .iter()
        .map(|(path, text)| Source { path: format!("sites/riverbend/{path}"), text: text.to_string() })
        .collect();
    site_model::load(sources, &LoadOptions { today, threads: 1 })
}

/// The text walkthrough (`interlock demo --tour`).
pub fn tour(out: &mut dyn Write) -> Result<std::process::ExitCode> {
    let outcome = example_site(Some(crate::sitefs::today_utc()));
    let Some(site) = &outcome.site else {
        crate::show::diagnostics(&outcome, 50, out)?;
        bail!("the embedded example site does not load");
    };
    writeln!(out, "Interlock demo: the site model of {}\n", site.info.name)?;
    writeln!(out, "The model is {} TOML files, validated and versioned:", example::FILES.len())?;
    crate::show::summary(site, out)?;
    let warnings: Vec<&Diagnostic> = outcome.warnings().collect();
    if !warnings.is_empty() {
        writeln!(out, "\nThe check found {} thing(s) to look at before an incident does:", warnings.len())?;
        for w in &warnings {
            writeln!(out, "  {w}")?;
        }
    }

    let name = |a: AssetIx| format!("{} ({})", site.asset(a).id, site.asset(a).kind);

    writeln!(out, "\n1. OT depends on IT: what the plant loses if IT acts alone")?;
    let mut ot_on_it: BTreeMap<(String, Function), Vec<String>> = BTreeMap::new();
    let mut it_on_ot: BTreeMap<(String, Function), Vec<String>> = BTreeMap::new();
    for d in &site.dependencies {
        let (c, p) = (site.asset(d.consumer), site.asset(d.provider));
        if c.domain == Domain::Ot && p.domain != Domain::Ot {
            ot_on_it.entry((name(d.provider), d.kind)).or_default().push(c.id.to_string());
        }
        if c.domain != Domain::Ot && p.domain == Domain::Ot {
            it_on_ot.entry((name(d.provider), d.kind)).or_default().push(c.id.to_string());
        }
    }
    for ((provider, kind), consumers) in &ot_on_it {
        writeln!(out, "   {provider} provides {kind} to {} OT asset(s): {}", consumers.len(), short_list(consumers))?;
    }

    writeln!(out, "\n2. IT depends on OT: what IT loses if the plant is isolated")?;
    for ((provider, kind), consumers) in &it_on_ot {
        writeln!(out, "   {provider} provides {kind} to {}", short_list(consumers))?;
    }

    writeln!(out, "\n3. Safety comes first: what protects each process, and how long it can run by hand")?;
    for p in &site.processes {
        let safety: Vec<String> = p.safety.iter().map(|a| name(*a)).collect();
        let manual = match &p.manual_operation {
            Some(m) => format!(
                "manual operation for {}h with {} people ({})",
                m.sustainable_minutes / 60,
                m.staffing,
                m.procedure
            ),
            None => "no manual operation recorded".into(),
        };
        writeln!(
            out,
            "   {} [{}]: safety {}; {manual}",
            p.name,
            p.criticality,
            if safety.is_empty() { "none listed".to_string() } else { safety.join(", ") }
        )?;
    }
    let safety_across: Vec<&Dependency> = site
        .dependencies
        .iter()
        .filter(|d| d.safety_relevant && site.asset(d.consumer).domain != site.asset(d.provider).domain)
        .collect();
    writeln!(out, "   {} safety-relevant dependencies cross the IT/OT boundary:", safety_across.len())?;
    for d in safety_across {
        writeln!(out, "     {} needs {} from {}", site.asset(d.consumer).id, d.kind, name(d.provider))?;
    }

    writeln!(out, "\n4. Vendor access: who can reach the plant, by which path")?;
    for v in &site.vendors {
        for p in &v.pathways {
            let mut path: Vec<String> = p.via.iter().map(|a| name(*a)).collect();
            path.push(p.targets.iter().map(|a| site.asset(*a).id.to_string()).collect::<Vec<_>>().join(", "));
            writeln!(
                out,
                "   {}: {} ({}, supervision {}, recording {})",
                v.name,
                path.join(" -> "),
                if p.mfa { "MFA" } else { "no MFA" },
                if v.supervision_required { "required" } else { "not required" },
                if v.recording_required { "required" } else { "not required" },
            )?;
        }
        for f in v.functions.iter().filter(|f| f.safety_critical) {
            writeln!(out, "     safety-critical vendor function: {}", f.name)?;
        }
    }
    for a in site.accounts.iter().filter(|a| a.status == AccountStatus::Dormant) {
        let assets: Vec<String> = a.assets.iter().map(|x| site.asset(*x).id.to_string()).collect();
        writeln!(
            out,
            "   dormant account {} ({}) still logs into {}{}",
            a.id,
            a.kind,
            short_list(&assets),
            if a.mfa { "" } else { " without MFA" }
        )?;
    }

    writeln!(out, "\n5. One vocabulary: words that mean different things to IT and OT")?;
    for t in site.glossary.iter().filter(|t| t.it_reading.is_some() && t.ot_reading.is_some()).take(4) {
        writeln!(out, "   \"{}\" means here: {}", t.term, t.canonical)?;
        if let (Some(it), Some(ot)) = (&t.it_reading, &t.ot_reading) {
            writeln!(out, "       IT may hear: {it}\n       OT may hear: {ot}")?;
        }
    }
    writeln!(out, "\n6. Before anyone acts: what proposed actions would do, and whether it is safe")?;
    let graph = impact::Graph::compile(site);
    for (why, texts) in [
        ("IT disables the directory", &["take-offline dc-corp-01", "take-offline dc-corp-02"][..]),
        ("OT isolates the plant network", &["isolate zone:plant"][..]),
        ("someone isolates the OT historian", &["isolate hist-ot-01"][..]),
        (
            "the attacker is on the vendor path, cut off narrowly",
            &["revoke-vendor-access vendor:ridgeline", "disable-account ridgeline-legacy"][..],
        ),
        ("the same attacker, cut off by islanding the plant", &["island-mode"][..]),
    ] {
        let actions: Vec<impact::Action> = texts
            .iter()
            .map(|t| impact::Action::parse(site, t))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{}", e.explain()))?;
        let i = impact::analyze(site, &graph, &actions);
        writeln!(out, "   {why}: {}", texts.join(" + "))?;
        writeln!(out, "     verdict: {}; {} dependencies broken", i.verdict.word(), i.broken.len())?;
        for (c, assets) in &i.categories {
            let names: Vec<String> = assets.iter().take(5).map(|a| site.asset(*a).id.to_string()).collect();
            let more = if assets.len() > 5 { format!(" and {} more", assets.len() - 5) } else { String::new() };
            writeln!(out, "     loses {}: {}{more}", c.as_str(), names.join(", "))?;
        }
        if let Some(m) = i.verdict.measures().first() {
            writeln!(out, "     first measure: {}", m.what)?;
        }
        if let impact::Verdict::Unsafe { reasons, .. } = &i.verdict {
            writeln!(out, "     unsafe: {}", reasons[0])?;
        }
    }
    authority_section(site, &graph, out)?;
    writeln!(
        out,
        "\nTry it on your own site: `interlock site check DIR`, `interlock impact DIR --action '...'`, `interlock authority explain DIR --action '...'`."
    )?;
    writeln!(out, "See the incident board with an incident in progress: `interlock demo` (without --tour).")?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Section 7, who decides: the authority matrix on the brief's cases, and a scripted
/// disagreement run through the incident's rules in memory.
fn authority_section(site: &Site, graph: &impact::Graph, out: &mut dyn Write) -> Result<()> {
    let engine = ::authority::Engine { site, graph };
    writeln!(out, "\n7. Who decides: what the authority matrix requires, and why")?;
    for (why, text) in [
        ("IT disables the directory", "take-offline dc-corp-01,dc-corp-02 for containment"),
        (
            "IT kills the vendor's session on the engineering workstation",
            "kill-session pathway:ridgeline/remote-support",
        ),
        ("someone isolates the segment that carries the historian", "isolate zone:plant-ops"),
    ] {
        let a = engine.assess(text, PhaseWord::Contain)?;
        let req = &a.requirement;
        let needs: Vec<String> = req.groups.iter().map(|g| format!("{} of {}", g.count, g.roles.join("/"))).collect();
        writeln!(out, "   {why}: {text}")?;
        writeln!(
            out,
            "     needs {}{}{}; executed by {}",
            needs.join(" + "),
            if req.joint { ", joint IT+OT sign-off" } else { "" },
            if req.veto.is_empty() { String::new() } else { format!(", veto: {}", req.veto.join("/")) },
            req.execute.as_ref().map(|e| e.join(" or ")).unwrap_or_else(|| "anyone".into())
        )?;
        for m in &req.rules {
            for b in m.because.iter().filter(|b| b.starts_with("impact")).take(3) {
                writeln!(out, "     rule {}: {b}", m.rule)?;
            }
        }
        if let Some(h) = a.measures.iter().find(|m| m.contains("half-applied")) {
            writeln!(out, "     flagged: {h}")?;
        }
    }
    // The disagreement, through the incident's own rules (in memory).
    let version = ::incident::Digest::parse(site.version()).ok_or_else(|| anyhow::anyhow!("site version"))?;
    let matrix = engine.authority()?;
    let av = ::incident::Digest::parse(&matrix.version).ok_or_else(|| anyhow::anyhow!("authority version"))?;
    let policy = ::incident::Policy::default();
    let cx = ::incident::Context { site, policy: &policy, engine: Some(engine) };
    let t0 = ::incident::Timestamp::parse("2026-11-26T02:40:00-06:00")?;
    let at = |m: i64| t0.plus_micros(m * 60_000_000);
    let mut inc: Option<::incident::Incident> = None;
    let add = |inc: &mut Option<::incident::Incident>, actor: &str, m: i64, body: ::incident::Body| -> Result<()> {
        let e = match &*inc {
            None => {
                ::incident::Event { incident: "DEMO-1".into(), seq: 1, recorded_at: at(m), actor: actor.into(), body }
            }
            Some(i) => i.next_event(actor, at(m), body),
        };
        ::incident::stage(inc, vec![e], &cx)?;
        Ok(())
    };
    use ::incident::{Body, Opened, Phase, Proposal, Stance};
    add(
        &mut inc,
        "tnguyen",
        0,
        Body::Opened(Opened {
            title: "Vendor session on ews-01 at 02:10".into(),
            summary: "Ridgeline session outside any work order".into(),
            category: ::incident::Category::VendorCompromise,
            severity: ::incident::Severity::High,
            site_version: version,
        }),
    )?;
    add(
        &mut inc,
        "mgarcia",
        1,
        Body::Declared { reason: "unexplained engineering access".into(), site_version: version },
    )?;
    add(&mut inc, "mgarcia", 2, Body::PhaseChanged { phase: Phase::Contain, reason: "contain".into() })?;
    let text = "isolate zone:plant-ops for containment";
    let assessment = engine.assess(text, PhaseWord::Contain)?;
    add(
        &mut inc,
        "tnguyen",
        3,
        Body::ActionProposed(Proposal {
            action: text.into(),
            rationale: "the session reached the historian".into(),
            evidence: vec![],
            phase: Phase::Contain,
            site_version: version,
            authority_version: av,
            assessment,
        }),
    )?;
    // Each decides in the roles of the requirement they hold, as the CLI records them.
    let stance = |inc: &Option<::incident::Incident>, person: &str, why: &str| -> Result<Stance> {
        let i = inc.as_ref().ok_or_else(|| anyhow::anyhow!("no incident"))?;
        let (roles, side) = ::incident::rules::capacities(i, &cx, person, 4)
            .ok_or_else(|| anyhow::anyhow!("the proposal was not recorded"))?;
        Ok(Stance { action: 4, rationale: why.into(), roles, side, site_version: version, authority_version: av })
    };
    let s = stance(&inc, "eschmidt", "the plant runs without the historian")?;
    add(&mut inc, "eschmidt", 5, Body::ActionApproved(s))?;
    let s = stance(&inc, "psharma", "compliance reporting stops")?;
    add(&mut inc, "psharma", 6, Body::ActionRejected(s))?;
    let inc = inc.ok_or_else(|| anyhow::anyhow!("no incident"))?;
    let st = &inc.actions[&4];
    writeln!(out, "   A scripted disagreement on \"{text}\":")?;
    writeln!(out, "     02:45 the OT lead approves; 02:46 the IT lead rejects")?;
    writeln!(
        out,
        "     -> escalated at once to level {} ({}); status {}",
        st.level,
        st.requirement.deciders(st.level).collect::<Vec<_>>().join(", "),
        st.status
    )?;
    if let Some((level, role, when)) = st.next_escalation(&st.requirement) {
        writeln!(out, "     undecided, it goes to {role} (level {level}) at {when}")?;
        writeln!(out, "     due at {}: {} escalation(s)", when, inc.due(when).len())?;
    }

    writeln!(out, "\n8. Keeping everyone informed, and when the displays may lie")?;
    let mut inc = Some(inc);
    let now = at(20);
    if let Some(i) = &inc {
        for d in ::incident::cadence::updates_due(site, i) {
            writeln!(
                out,
                "   next {} update due {} (every {} min at severity {})",
                d.audience, d.due, d.interval_minutes, i.severity
            )?;
        }
    }
    add(
        &mut inc,
        "eschmidt",
        15,
        Body::SituationAssessed(::incident::Situation {
            process: Some("filtration".into()),
            process_state: None,
            control: None,
            view: Some(::incident::Integrity::InQuestion),
            reason: "the turbidity trend is flat while the lab sees it move".into(),
            evidence: vec![],
        }),
    )?;
    let i = inc.as_ref().ok_or_else(|| anyhow::anyhow!("no incident"))?;
    let rounds = ::incident::integrity::rounds(site, i, now);
    let untrusted: Vec<&str> = rounds.untrusted.keys().map(|a| &**a).collect();
    writeln!(out, "   02:55 the view of filtration is in question: untrusted {}", short_list_str(&untrusted))?;
    for r in &rounds.items {
        writeln!(out, "     verify by hand: {} at {}", r.name, r.station)?;
        writeln!(out, "       compare with {}, within {} {}", r.compare_with.join(", "), r.tolerance, r.unit)?;
    }
    add(
        &mut inc,
        "hpatel",
        18,
        Body::ReadingsVerified(::incident::ReadingCheck {
            process: "filtration".into(),
            reading: "combined-effluent-turbidity".into(),
            field_value: "0.12".into(),
            displayed: vec![
                ::incident::Displayed { asset: "hmi-cr-01".into(), value: "0.11".into(), agrees: true },
                ::incident::Displayed { asset: "hist-ot-01".into(), value: "0.04".into(), agrees: false },
            ],
            note: Some("grab sample at the filter gallery tap".into()),
        }),
    )?;
    let i = inc.as_ref().ok_or_else(|| anyhow::anyhow!("no incident"))?;
    writeln!(out, "   02:58 the lab reads 0.12 NTU; the HMI shows 0.11 (agrees), the historian 0.04 (does not)")?;
    for b in ::incident::integrity::reconnect_blockers(site, i, "hist-ot-01") {
        writeln!(out, "     the historian is not reconnected until its readings agree: {b}")?;
    }
    Ok(())
}

fn short_list_str(items: &[&str]) -> String {
    let owned: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    short_list(&owned)
}

fn short_list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..SHOWN].join(", "), items.len() - SHOWN)
    }
}
