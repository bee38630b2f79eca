//! `interlock demo`: loads the example site embedded in the binary and shows
//! what the site model already knows about the brief's hard cases. Every
//! line is computed from the model; nothing is canned.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, bail};
use site_model::*;

mod example {
    include!(concat!(env!("OUT_DIR"), "/example_site.rs"));
}

/// The example site, loaded from the copy embedded at build time.
pub fn example_site(today: Option<Date>) -> Outcome {
    let sources = example::FILES
        .iter()
        .map(|(path, text)| Source { path: format!("sites/riverbend/{path}"), text: text.to_string() })
        .collect();
    site_model::load(sources, &LoadOptions { today, threads: 1 })
}

pub fn run(out: &mut dyn Write) -> Result<std::process::ExitCode> {
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
    writeln!(out, "\nTry it on your own site: `interlock site check DIR`, `interlock impact DIR --action '...'`.")?;
    Ok(std::process::ExitCode::SUCCESS)
}

fn short_list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..SHOWN].join(", "), items.len() - SHOWN)
    }
}
