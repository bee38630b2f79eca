//! Generates sites and loads them with the real loader (`site_model::load`): every site
//! must load with no error and no warning, and look like the enterprise the generator
//! promises. The rules themselves are the loader's, tested in `crates/site-model`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::io;
use std::time::Instant;

use site_gen::{MIN_ASSETS, MemorySink, Params, Sink, Summary, generate};
use site_model::{AssetKind, Crossing, Date, Function, LoadOptions, PurdueLevel, Site, Source, ZoneIx};

// ---------------------------------------------------------------------------- helpers

const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

fn run(assets: u64, seed: u64, assets_per_file: u64) -> (MemorySink, Summary) {
    let params = Params { assets, seed, assets_per_file };
    let mut sink = MemorySink::default();
    let mut last = 0;
    let summary = generate(&params, &mut sink, &mut |n| {
        assert!(n > last, "progress goes forward");
        last = n;
    })
    .unwrap();
    assert_eq!(last, assets, "progress ends at the asset count");
    (sink, summary)
}

/// Loads the generated files with the site-model loader and asserts the site loads with
/// no diagnostics at all (errors or warnings).
fn load_clean(sink: &MemorySink) -> Site {
    let mut paths = HashSet::new();
    for (path, text) in &sink.files {
        assert!(paths.insert(path.as_str()), "file {path} written twice");
        assert!(path.ends_with(".toml") && !path.starts_with('/') && !path.contains(".."), "{path}");
        assert!(text.len() < 64 << 20, "{path} is {} bytes", text.len());
    }
    let sources = sink.files.iter().map(|(path, text)| Source { path: path.clone(), text: text.clone() }).collect();
    let o = site_model::load(sources, &LoadOptions { today: Some(TODAY), threads: 0 });
    let first: Vec<String> = o.diagnostics.iter().take(20).map(ToString::to_string).collect();
    assert!(
        o.site.is_some() && o.diagnostics.is_empty(),
        "{} diagnostics ({} errors), the first {}:\n{}",
        o.diagnostics.len(),
        o.error_count(),
        first.len(),
        first.join("\n")
    );
    o.site.unwrap()
}

fn assert_counts(site: &Site, s: &Summary, sink: &MemorySink, assets: u64) {
    let c = site.counts();
    assert_eq!(s.assets, assets);
    assert_eq!(c.assets as u64, assets);
    assert_eq!(c.dependencies as u64, s.dependencies);
    assert_eq!(sink.files.len() as u64, s.files);
    assert_eq!(sink.files.iter().map(|(_, t)| t.len() as u64).sum::<u64>(), s.bytes);
    assert_eq!(c.zones as u64, s.zones);
    assert_eq!(c.conduits as u64, s.conduits);
    assert_eq!(c.processes as u64, s.processes);
    assert_eq!(c.teams as u64, s.teams);
    assert_eq!(c.people as u64, s.people);
    assert_eq!(c.roles as u64, s.roles);
    assert_eq!(c.accounts as u64, s.accounts);
    assert_eq!(c.vendors as u64, s.vendors);
    assert_eq!(c.baselines as u64, s.baselines);
    assert_eq!(c.terms as u64, s.terms);
    assert_eq!(plants(site), s.plants as usize);
    assert_eq!(u64::from(s.plants) * 6 + 4, s.zones);
}

/// Plants are the top-level zones that nest others (their levels and safety system).
fn plants(site: &Site) -> usize {
    let parents: HashSet<ZoneIx> = site.zones.iter().filter_map(|z| z.parent).collect();
    (0..site.zones.len()).filter(|&i| site.zones[i].parent.is_none() && parents.contains(&ZoneIx(i as u32))).count()
}

/// The outermost zone containing `zone`.
fn top(site: &Site, zone: ZoneIx) -> ZoneIx {
    site.zone_chain(zone).last().unwrap()
}

fn per_asset(s: &Summary) -> f64 {
    s.dependencies as f64 / s.assets as f64
}

/// Counts bytes and files without keeping them.
#[derive(Default)]
struct CountingSink {
    files: u64,
    bytes: u64,
    hash: u64,
}

impl Sink for CountingSink {
    fn begin_file(&mut self, rel_path: &str) -> io::Result<()> {
        self.files += 1;
        self.hash_in(rel_path);
        Ok(())
    }
    fn write_str(&mut self, s: &str) -> io::Result<()> {
        self.bytes += s.len() as u64;
        self.hash_in(s);
        Ok(())
    }
}

impl CountingSink {
    /// FNV-1a over paths and contents, to compare outputs without holding them.
    fn hash_in(&mut self, s: &str) {
        let mut h = if self.hash == 0 { 0xcbf2_9ce4_8422_2325 } else { self.hash };
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.hash = h;
    }
}

// ---------------------------------------------------------------------------- tests

#[test]
fn ten_thousand_assets_load_cleanly_and_look_like_an_enterprise() {
    let (sink, s) = run(10_000, 1, 20_000);
    let site = load_clean(&sink);
    assert_counts(&site, &s, &sink, 10_000);
    assert_eq!(s.plants, 2);
    assert_eq!(plants(&site), 2);
    let degree = per_asset(&s);
    assert!((4.5..=5.5).contains(&degree), "{degree} dependencies per asset");

    // The kinds of asset an enterprise with plants has.
    let kinds: HashSet<AssetKind> = site.assets.iter().map(|a| a.kind).collect();
    for kind in [
        AssetKind::DomainController,
        AssetKind::JumpHost,
        AssetKind::VpnServer,
        AssetKind::PatchServer,
        AssetKind::Siem,
        AssetKind::Historian,
        AssetKind::Plc,
        AssetKind::SafetyController,
        AssetKind::DnsServer,
        AssetKind::TimeServer,
        AssetKind::BackupServer,
        AssetKind::Erp,
        AssetKind::Hmi,
        AssetKind::EngineeringWorkstation,
        AssetKind::ControlServer,
        AssetKind::DataGateway,
        AssetKind::FieldIo,
        AssetKind::Firewall,
        AssetKind::Switch,
    ] {
        assert!(kinds.contains(&kind), "no {kind}");
    }
    for id in ["dc-01", "vpn-01", "jump-01", "idmz-hist-01", "p0002-l2-hmi-0001", "p0002-sis-sc-0001"] {
        assert!(site.asset_by_id(id).is_some(), "no {id}");
    }

    // One industrial DMZ at Purdue level 3.5.
    let idmz: Vec<ZoneIx> = (0..site.zones.len() as u32)
        .map(ZoneIx)
        .filter(|z| site.zone(*z).purdue_level == Some(PurdueLevel::IDMZ))
        .collect();
    assert_eq!(idmz.len(), 1, "one IDMZ");
    let idmz = idmz[0];
    assert_eq!(&*site.zone(idmz).id, "idmz");

    // Most assets are level 1 and 0 devices or safety systems.
    let field = site
        .assets
        .iter()
        .filter(|a| a.purdue_level.is_some_and(|l| l.tenths() <= 10) || a.kind == AssetKind::SafetyController)
        .count();
    assert!(field * 100 / site.assets.len() > 70, "{field} L1/L0 devices");

    // Every kind of dependency occurs, and every one crossing zones has a route.
    let functions: HashSet<Function> = site.dependencies.iter().map(|d| d.kind).collect();
    for f in Function::ALL {
        assert!(functions.contains(f), "no {f} dependency");
    }
    let mut routes = [0usize; 3]; // within a zone, named, derived
    for d in &site.dependencies {
        let (c, p) = (site.asset(d.consumer), site.asset(d.provider));
        match d.crossing {
            Crossing::WithinZone => routes[0] += 1,
            Crossing::Named(_) => routes[1] += 1,
            Crossing::Derived(_) => routes[2] += 1,
            Crossing::Undocumented => panic!("{} -> {}: undocumented crossing", c.id, p.id),
        }
        if d.crossing != Crossing::WithinZone {
            assert!(!site.conduits_crossed(d).is_empty(), "{} -> {}: empty route", c.id, p.id);
        }
    }
    assert!(routes.iter().all(|&n| n > 0), "within, named, derived: {routes:?}");
    for hops in [1, 2] {
        assert!(
            site.dependencies
                .iter()
                .any(|d| matches!(d.crossing, Crossing::Named(_)) && site.conduits_crossed(d).len() == hops),
            "no dependency names a route of {hops} conduits"
        );
    }

    // Operators authenticate, through the plant's read-only DCs, against the shared identity.
    let dep = |consumer: &str, provider: &str, kind: Function| {
        let (c, p) = (site.asset_by_id(consumer).unwrap(), site.asset_by_id(provider).unwrap());
        site.dependencies.iter().any(|d| d.consumer == c && d.provider == p && d.kind == kind)
    };
    assert!(dep("p0001-l2-hmi-0001", "p0001-l3-dc-01", Function::Authentication));
    assert!(site.dependencies.iter().any(|d| {
        let (c, p) = (site.asset(d.consumer), site.asset(d.provider));
        c.kind == AssetKind::DomainController
            && c.id.starts_with("p0001-")
            && p.kind == AssetKind::DomainController
            && !p.id.starts_with('p')
            && d.kind == Function::Authentication
    }));

    // Plants reach the enterprise only through the IDMZ.
    for conduit in &site.conduits {
        let tops: HashSet<ZoneIx> = conduit.zones.iter().map(|z| top(&site, *z)).collect();
        let plant = tops.iter().any(|z| site.zones.iter().any(|c| c.parent == Some(*z)));
        let enterprise = tops.iter().any(|z| site.zones.iter().all(|c| c.parent != Some(*z)));
        if plant && enterprise {
            assert!(conduit.zones.contains(&idmz), "{} bypasses the IDMZ", conduit.id);
        }
    }

    // Vendors reach plants through the VPN, then a jump host.
    let pathways: Vec<_> = site.vendors.iter().flat_map(|v| &v.pathways).collect();
    assert!(!pathways.is_empty(), "no vendor pathways");
    for p in &pathways {
        let via: Vec<AssetKind> = p.via.iter().map(|a| site.asset(*a).kind).collect();
        assert_eq!(via, [AssetKind::VpnServer, AssetKind::JumpHost], "pathway {}", p.id);
        assert!(!p.targets.is_empty() && p.mfa, "pathway {}", p.id);
    }

    // Every role has a primary and a deputy.
    assert_eq!(site.roles.len(), 8 + 4 * 2);
    for r in &site.roles {
        assert!(r.primary.is_some() && !r.deputies.is_empty(), "role {}", r.id);
    }

    // Every process can be run by hand, and has been rehearsed.
    assert!(!site.processes.is_empty());
    for p in &site.processes {
        let mo = p.manual_operation.as_ref().unwrap_or_else(|| panic!("process {} without manual operation", p.id));
        assert!(mo.sustainable_minutes > 0 && mo.staffing > 0, "process {}", p.id);
        assert!(mo.last_exercised.is_some_and(|d| d <= TODAY), "process {}", p.id);
    }
}

#[test]
fn small_and_odd_sizes_load_cleanly() {
    for (assets, seed, per_file) in [
        (MIN_ASSETS, 0, 20_000),
        (MIN_ASSETS + 1, 1, 7),
        (137, 2, 50),
        (1_000, 3, 300),
        (4_321, 4, 1_000),
        (7_777, 5, 20_000),
        (23_456, 6, 5_000),
    ] {
        let (sink, s) = run(assets, seed, per_file);
        let site = load_clean(&sink);
        assert_counts(&site, &s, &sink, assets);
        let degree = per_asset(&s);
        assert!((3.0..=7.0).contains(&degree), "{assets}: {degree}");
    }
}

#[test]
fn same_parameters_give_the_same_bytes() {
    let (a, sa) = run(3_000, 42, 1_000);
    let (b, sb) = run(3_000, 42, 1_000);
    assert_eq!(sa, sb);
    assert!(a == b, "outputs differ");
}

#[test]
fn different_seeds_give_different_sites() {
    let (a, _) = run(3_000, 42, 1_000);
    let (b, _) = run(3_000, 43, 1_000);
    assert!(a != b, "a different seed gives the same bytes");
    assert_ne!(load_clean(&a).version(), load_clean(&b).version());
}

#[test]
fn splitting_into_files_does_not_change_the_model() {
    let (a, sa) = run(12_000, 9, 20_000);
    let (b, sb) = run(12_000, 9, 999);
    assert!(sb.files > sa.files);
    let (ma, mb) = (load_clean(&a), load_clean(&b));
    assert_eq!(ma.counts(), mb.counts());
    assert_eq!(ma.version(), mb.version(), "the split changed the model");
}

#[test]
fn degree_is_about_five_for_every_seed() {
    for seed in 0..12 {
        let mut sink = CountingSink::default();
        let params = Params { assets: 10_000, seed, ..Params::default() };
        let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
        let degree = per_asset(&s);
        assert!((4.5..=5.5).contains(&degree), "seed {seed}: {degree}");
        assert_eq!(sink.bytes, s.bytes);
        assert_eq!(sink.files, s.files);
    }
}

#[test]
fn bad_parameters_are_invalid_input() {
    let mut sink = MemorySink::default();
    let small = Params { assets: MIN_ASSETS - 1, ..Params::default() };
    let err = generate(&small, &mut sink, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("smallest site"), "{err}");
    let zero = Params { assets_per_file: 0, ..Params::default() };
    let err = generate(&zero, &mut sink, &mut |_| {}).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(sink.files.is_empty());
}

#[test]
fn sink_errors_are_returned() {
    struct Failing(u32);
    impl Sink for Failing {
        fn begin_file(&mut self, _: &str) -> io::Result<()> {
            self.0 += 1;
            if self.0 > 3 { Err(io::Error::other("disk full")) } else { Ok(()) }
        }
        fn write_str(&mut self, _: &str) -> io::Result<()> {
            Ok(())
        }
    }
    let err = generate(&Params::default(), &mut Failing(0), &mut |_| {}).unwrap_err();
    assert_eq!(err.to_string(), "disk full");
}

/// Prints how long 100k assets take; asserts a bound only in optimised builds.
#[test]
fn hundred_thousand_assets_are_fast() {
    let params = Params { assets: 100_000, seed: 1, ..Params::default() };
    let mut sink = CountingSink::default();
    let started = Instant::now();
    let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "100k assets: {secs:.2} s, {:.1} MiB in {} files, {} dependencies ({:.2} per asset)",
        s.bytes as f64 / f64::from(1 << 20),
        s.files,
        s.dependencies,
        per_asset(&s)
    );
    assert_eq!(s.assets, 100_000);
    assert_eq!(s.plants, 20);
    if !cfg!(debug_assertions) {
        assert!(secs < 5.0, "100k assets took {secs:.2} s");
    }
}

/// The output for fixed parameters is part of the contract: benchmarks and bug reports
/// name a `(assets, seed)` and expect the same site forever. If a deliberate change to the
/// generator moves this hash, update it and say so in the change's notes.
#[test]
fn output_is_pinned() {
    let mut sink = CountingSink::default();
    let params = Params { assets: 1_000, seed: 42, assets_per_file: 300 };
    let s = generate(&params, &mut sink, &mut |_| {}).unwrap();
    assert_eq!((s.assets, s.files), (1_000, 8));
    assert_eq!(format!("{:016x}", sink.hash), "c5fa4087ed34573d");
}
