//! Text views of a site model for the terminal.

use std::io::Write;

use anyhow::Result;
use site_model::*;

/// Errors, then warnings, at most `max` of each.
pub fn diagnostics(outcome: &Outcome, max: usize, out: &mut dyn Write) -> Result<()> {
    for (label, list) in
        [("errors", outcome.errors().collect::<Vec<_>>()), ("warnings", outcome.warnings().collect::<Vec<_>>())]
    {
        for d in list.iter().take(max) {
            writeln!(out, "{d}")?;
        }
        if list.len() > max {
            writeln!(out, "... and {} more {label} (raise --max to see them)", list.len() - max)?;
        }
    }
    Ok(())
}

pub fn summary(site: &Site, out: &mut dyn Write) -> Result<()> {
    let c = site.counts();
    writeln!(out, "site {} ({})", site.info.id, site.info.name)?;
    writeln!(out, "version {}", site.version())?;
    let mut by_domain = [0usize; 3];
    for a in &site.assets {
        by_domain[a.domain as usize] += 1;
    }
    writeln!(
        out,
        "{} assets (it {}, ot {}, shared {}), {} dependencies, {} zones, {} conduits",
        c.assets, by_domain[0], by_domain[1], by_domain[2], c.dependencies, c.zones, c.conduits
    )?;
    let cross =
        site.dependencies.iter().filter(|d| site.asset(d.consumer).domain != site.asset(d.provider).domain).count();
    let safety = site.dependencies.iter().filter(|d| d.safety_relevant).count();
    writeln!(out, "{cross} dependencies cross the IT/OT boundary, {safety} are safety-relevant")?;
    writeln!(
        out,
        "{} processes, {} teams, {} people, {} roles, {} accounts, {} vendors, {} baselines, {} glossary terms",
        c.processes, c.teams, c.people, c.roles, c.accounts, c.vendors, c.baselines, c.terms
    )?;
    Ok(())
}

pub fn details(site: &Site, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "\nzones")?;
    let mut per_zone = vec![0usize; site.zones.len()];
    for a in &site.assets {
        per_zone[a.zone.ix()] += 1;
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); site.zones.len()];
    let mut roots = Vec::new();
    for (i, z) in site.zones.iter().enumerate() {
        match z.parent {
            Some(p) => children[p.ix()].push(i),
            None => roots.push(i),
        }
    }
    let by_id = |v: &mut Vec<usize>| v.sort_by(|a, b| site.zones[*a].id.cmp(&site.zones[*b].id));
    by_id(&mut roots);
    for c in &mut children {
        by_id(c);
    }
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|r| (*r, 0)).collect();
    while let Some((z, depth)) = stack.pop() {
        let zone = &site.zones[z];
        writeln!(
            out,
            "  {:indent$}{} ({}){}{}: {} assets",
            "",
            zone.id,
            zone.name,
            zone.domain.map(|d| format!(", {d}")).unwrap_or_default(),
            zone.purdue_level.map(|l| format!(", level {l}")).unwrap_or_default(),
            per_zone[z],
            indent = depth * 2
        )?;
        for c in children[z].iter().rev() {
            stack.push((*c, depth + 1));
        }
    }

    writeln!(out, "\nconduits")?;
    for c in &site.conduits {
        let zones: Vec<&str> = c.zones.iter().map(|z| &*site.zone(*z).id).collect();
        let channels: Vec<String> = c
            .channels
            .iter()
            .map(|ch| match ch.port {
                Some(p) => format!("{} ({}/{p})", ch.name, ch.protocol),
                None => format!("{} ({})", ch.name, ch.protocol),
            })
            .collect();
        writeln!(out, "  {}: {} [{}]", c.id, zones.join(" <-> "), channels.join(", "))?;
    }

    writeln!(out, "\ncritical processes")?;
    for p in &site.processes {
        let manual = match &p.manual_operation {
            Some(m) => format!(
                "manual operation {} for {}h with {} people, last exercised {}",
                m.procedure,
                m.sustainable_minutes / 60,
                m.staffing,
                m.last_exercised.map(|d| d.to_string()).unwrap_or_else(|| "never".into())
            ),
            None => "no manual-operation readiness recorded".into(),
        };
        writeln!(
            out,
            "  {} ({}, {}): control {}, view {}, alarm {}, safety {}; {manual}",
            p.id,
            p.name,
            p.criticality,
            p.control.len(),
            p.view.len(),
            p.alarm.len(),
            p.safety.len()
        )?;
    }

    writeln!(out, "\nroles")?;
    for r in &site.roles {
        let primary = r.primary.map(|p| &*site.people[p.ix()].name).unwrap_or("(nobody)");
        let deputies: Vec<&str> = r.deputies.iter().map(|p| &*site.people[p.ix()].name).collect();
        writeln!(
            out,
            "  {}: {primary}; deputies: {}",
            r.name,
            if deputies.is_empty() { "none".into() } else { deputies.join(", ") }
        )?;
    }

    writeln!(out, "\nvendors")?;
    for v in &site.vendors {
        writeln!(
            out,
            "  {} ({}): supervision {}, recording {}",
            v.id,
            v.name,
            if v.supervision_required { "required" } else { "not required" },
            if v.recording_required { "required" } else { "not required" }
        )?;
        for p in &v.pathways {
            let mut hops: Vec<&str> = p.via.iter().map(|a| &*site.asset(*a).id).collect();
            let targets: Vec<&str> = p.targets.iter().map(|a| &*site.asset(*a).id).collect();
            hops.push("");
            writeln!(
                out,
                "    pathway {}: {}[{}]{}",
                p.id,
                hops.join(" -> "),
                targets.join(", "),
                if p.mfa { " (MFA)" } else { " (no MFA)" }
            )?;
        }
        for f in &v.functions {
            writeln!(out, "    function {}{}", f.name, if f.safety_critical { " (safety-critical)" } else { "" })?;
        }
    }
    Ok(())
}
