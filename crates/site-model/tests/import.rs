//! The CSV asset import against the loader: what it writes loads back as the same assets, and
//! what it refuses is refused with a clear diagnostic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use site_model::import::{ImportError, ImportOptions, ImportReport, import_assets_csv};
use site_model::{AssetKind, Criticality, Domain, LoadOptions, Outcome, PurdueLevel, Site, Source, load};

const SITE: &str = r#"
[site]
id = "testworks"
name = "Test Works"

[[zone]]
id = "plant"
name = "Plant"
domain = "ot"

[[zone]]
id = "plant-control"
name = "Plant Control"
parent = "plant"
purdue_level = 2

[[zone]]
id = "office"
name = "Office network"

[[team]]
id = "plant-ops"
name = "Plant Operations"

[[asset]]
id = "hmi-01"
kind = "hmi"
zone = "plant-control"
owner = "plant-ops"
"#;

fn site() -> Site {
    let o = load(vec![Source { path: "site.toml".into(), text: SITE.into() }], &LoadOptions::default());
    assert_eq!(o.error_count(), 0, "{:?}", o.diagnostics);
    o.site.unwrap()
}

fn import(csv: &[u8], opts: &ImportOptions<'_>) -> (Result<ImportReport, ImportError>, String) {
    let mut out = Vec::new();
    let r = import_assets_csv(csv, &mut out, opts, &mut |_| {});
    (r, String::from_utf8(out).expect("the output is UTF-8"))
}

/// The site plus the imported file, through the real loader.
fn load_with_import(imported: &str) -> Outcome {
    load(
        vec![
            Source { path: "site.toml".into(), text: SITE.into() },
            Source { path: "imported.toml".into(), text: imported.into() },
        ],
        &LoadOptions::default(),
    )
}

#[test]
fn import_loads_back_as_the_same_assets() {
    let site = site();
    let csv = "Device Name,Type,IP Address,MAC,Manufacturer,Model,Zone,Level,Criticality,Owner,Notes,Serial Number\n\
        \"PLC \"\"Filter\"\" 1\",Programmable Logic Controller,\"10.0.0.1, 10.0.0.2\",00:11:22:33:44:55,Rockwell,ControlLogix 5580,plant-control,L1,Very High,plant-ops,\"back\\slash\nand a newline\",SN-1\n\
        Office PC 7,Desktop,10.1.0.7,,Dell,\"Optiplex \u{1} 7090\",office,4,low,,,SN-2\n\
        Écran opérateur 2,HMI,,,Siemens,WinCC,Plant Control,Level 2,,Plant Operations,\ttab\t,SN-3\n";
    let opts =
        ImportOptions { site: Some(&site), default_owner: Some("plant-ops"), ..ImportOptions::new("inventory.csv") };
    let (r, out) = import(csv.as_bytes(), &opts);
    let r = r.unwrap();
    // Row 3 has no domain: "workstation" has no usual domain and zone "office" none either.
    assert_eq!((r.rows, r.imported, r.bad_rows), (3, 2, 1), "{:#?}\n{out}", r.diagnostics);
    let d = &r.diagnostics[0];
    assert_eq!(d.line, 4);
    assert!(d.message.contains("cannot tell whether this workstation is IT or OT"), "{d}");
    assert!(out.starts_with("# Assets imported from inventory.csv"));

    let o = load_with_import(&out);
    assert_eq!(o.error_count(), 0, "{:#?}\n{out}", o.diagnostics);
    let s = o.site.unwrap();
    assert_eq!(s.assets.len(), 3);

    let plc = s.asset(s.asset_by_id("plc-filter-1").unwrap());
    assert_eq!(&*plc.name, "PLC \"Filter\" 1");
    assert_eq!(plc.kind, AssetKind::Plc);
    assert_eq!(plc.domain, Domain::Ot, "inherited from the zone's parent");
    assert_eq!(plc.purdue_level, PurdueLevel::parse("1"));
    assert_eq!(plc.criticality, Criticality::Critical);
    assert_eq!(&*s.zones[plc.zone.ix()].id, "plant-control");
    let mut addrs: Vec<&str> = plc.addresses.iter().map(|a| &**a).collect();
    addrs.sort();
    assert_eq!(addrs, ["00:11:22:33:44:55", "10.0.0.1", "10.0.0.2"]);
    assert_eq!(plc.vendor.as_deref(), Some("Rockwell"));
    assert_eq!(plc.model.as_deref(), Some("ControlLogix 5580"));
    assert_eq!(plc.description.as_deref(), Some("back\\slash\nand a newline"));
    assert_eq!(plc.owner.map(|t| &*s.teams[t.ix()].id), Some("plant-ops"));

    let hmi = s.asset(s.asset_by_id("cran-op-rateur-2").unwrap());
    assert_eq!(&*hmi.name, "Écran opérateur 2");
    assert_eq!(&*s.zones[hmi.zone.ix()].id, "plant-control", "zone given by name");
    assert_eq!(hmi.owner.map(|t| &*s.teams[t.ix()].id), Some("plant-ops"), "team given by name");
    assert_eq!(hmi.criticality, Criticality::Medium);
    assert_eq!(hmi.description.as_deref(), Some("tab"), "values are trimmed");
}

#[test]
fn control_characters_survive_the_round_trip() {
    let name = "odd \u{1}\u{7f}\u{85} \\ \" name";
    let csv =
        format!("id,name,kind,zone,model\nodd-1,\"{}\",plc,plant-control,\"a\r\nb\"\n", name.replace('"', "\"\""));
    let site = site();
    let (r, out) = import(csv.as_bytes(), &ImportOptions { site: Some(&site), ..ImportOptions::new("c.csv") });
    assert_eq!(r.unwrap().imported, 1);
    let o = load_with_import(&out);
    assert_eq!(o.error_count(), 0, "{:#?}\n{out}", o.diagnostics);
    let s = o.site.unwrap();
    let a = s.asset(s.asset_by_id("odd-1").unwrap());
    assert_eq!(&*a.name, name);
    assert_eq!(a.model.as_deref(), Some("a\r\nb"));
}

#[test]
fn unknown_zone_with_did_you_mean() {
    let site = site();
    let csv = "name,kind,zone\nplc-1,plc,plant-contrl\n";
    let (r, out) = import(csv.as_bytes(), &ImportOptions { site: Some(&site), ..ImportOptions::new("z.csv") });
    let r = r.unwrap();
    assert_eq!(r.imported, 0);
    let d = &r.diagnostics[0];
    assert_eq!((d.file.as_str(), d.line, d.column, d.field.as_str()), ("z.csv", 2, 3, "zone"));
    assert_eq!(d.message, "unknown zone \"plant-contrl\"");
    assert_eq!(d.help.as_deref(), Some("did you mean \"plant-control\"?"));
    assert!(!out.contains("[[asset]]"));
}

#[test]
fn unknown_owner_and_bad_defaults() {
    let site = site();
    let csv = "name,kind,zone,owner\nplc-1,plc,plant,plant-opps\n";
    let r = import(csv.as_bytes(), &ImportOptions { site: Some(&site), ..ImportOptions::new("o.csv") }).0.unwrap();
    assert_eq!(r.diagnostics[0].field, "owner");
    assert_eq!(r.diagnostics[0].help.as_deref(), Some("did you mean \"plant-ops\"?"));

    let opts = ImportOptions { site: Some(&site), default_zone: Some("plantt"), ..ImportOptions::new("o.csv") };
    let e = import(b"name,kind\na,plc\n", &opts).0.unwrap_err();
    assert!(matches!(e, ImportError::BadDefault(_)));
    assert!(e.to_string().contains("did you mean \"plant\"?"), "{e}");

    let opts = ImportOptions { default_zone: Some("Plant Control"), ..ImportOptions::new("o.csv") };
    let e = import(b"name,kind\na,plc\n", &opts).0.unwrap_err();
    assert!(e.to_string().contains("is not a zone id"), "{e}");
}

#[test]
fn ids_the_site_already_has_are_refused() {
    let site = site();
    let csv = "name,kind,zone\nHMI 01,hmi,plant-control\n";
    let r = import(csv.as_bytes(), &ImportOptions { site: Some(&site), ..ImportOptions::new("i.csv") }).0.unwrap();
    assert_eq!(r.imported, 0);
    assert!(r.diagnostics[0].message.contains("\"hmi-01\" is already defined in site testworks"));
}

#[test]
fn domain_needs_a_source() {
    // Without a site: the kind's usual domain, or a domain column.
    let csv = "name,kind,zone,domain\nsw-1,switch,z,\nsw-2,switch,z,OT\nplc-1,plc,z,\n";
    let (r, out) = import(csv.as_bytes(), &ImportOptions::new("d.csv"));
    let r = r.unwrap();
    assert_eq!((r.imported, r.bad_rows), (2, 1));
    let d = &r.diagnostics[0];
    assert_eq!((d.line, d.field.as_str()), (2, "domain"));
    assert!(d.expected.as_deref().unwrap().contains("--site"), "{d}");
    assert!(out.contains("domain = \"ot\""));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes: never a panic; either a header error or a report whose counts add up.
    #[test]
    fn arbitrary_bytes_never_panic(
        with_header in any::<bool>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        // With a good header first, the bytes are data rows; without, anything goes.
        let mut input = if with_header { b"name,type,ip,zone,level,risk,domain\n".to_vec() } else { Vec::new() };
        input.extend_from_slice(&bytes);
        let mut out = Vec::new();
        match import_assets_csv(&input[..], &mut out, &ImportOptions::new("fuzz.csv"), &mut |_| {}) {
            Ok(r) => {
                prop_assert_eq!(r.rows, r.imported + r.bad_rows);
                prop_assert!(r.errors >= r.bad_rows);
            }
            Err(e) => prop_assert!(e.diagnostic().is_some(), "not a header error: {}", e),
        }
    }

    /// CSV-shaped input with a header the importer recognises, values mostly of the right sort
    /// for their column and some hostile ones: never a panic, and every row it accepts loads,
    /// together with the site, without an error.
    #[test]
    fn accepted_rows_always_load((header, rows) in csv_shaped(), with_site in any::<bool>()) {
        let site = site();
        let mut csv = String::new();
        csv.push_str(&header.join(","));
        csv.push('\n');
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        let opts = ImportOptions {
            site: with_site.then_some(&site),
            default_zone: Some("plant"),
            ..ImportOptions::new("fuzz.csv")
        };
        let mut out = Vec::new();
        match import_assets_csv(csv.as_bytes(), &mut out, &opts, &mut |_| {}) {
            Ok(r) => {
                prop_assert_eq!(r.rows, r.imported + r.bad_rows);
                let out = String::from_utf8(out).unwrap();
                prop_assert_eq!(out.matches("\n[[asset]]").count() as u64, r.imported);
                let o = load_with_import(&out);
                let errors: Vec<String> = o.errors().map(|d| d.to_string()).collect();
                if with_site {
                    prop_assert!(errors.is_empty(), "{:#?}\n{}\n{}", errors, csv, out);
                } else {
                    // Without the site, references are only checked for form: an unknown zone
                    // or team is for `site check` to find. Nothing else may fail.
                    for e in &errors {
                        prop_assert!(e.contains("unknown zone") || e.contains("unknown team") || e.contains("duplicate asset id")
                            || e.contains("domain"), "{}\n{}\n{}", e, csv, out);
                    }
                }
            }
            Err(e) => prop_assert!(e.diagnostic().is_some(), "not a header error: {}", e),
        }
    }
}

/// Values for a column: mostly plausible ones, sometimes anything.
fn cell(column: &'static str) -> BoxedStrategy<String> {
    let plausible: Vec<&'static str> = match column {
        "Device Type" => vec!["plc", "Jump Server", "switch", "HMI", "toaster", "Programmable Logic Controller", ""],
        "zone" => vec!["plant-control", "Plant", "office", "nowhere", ""],
        "owner" => vec!["plant-ops", "Plant Operations", "nobody", ""],
        "Purdue Level" => vec!["L3.5", "2", "Level 1", "7", ""],
        "risk" => vec!["very high", "low", "", "meh"],
        "domain" => vec!["OT", "it", "both", "", "purple"],
        "id" => vec!["hmi-01", "a", "Bad Id", ""],
        _ => vec![""],
    };
    prop_oneof![
        3 => proptest::sample::select(plausible).prop_map(str::to_string),
        2 => "[A-Za-z0-9 .:-]{1,16}",
        1 => "\\PC{0,20}",
        1 => ".{0,20}",
    ]
    .boxed()
}

/// A header with a name and a kind column among others, in any order, and rows for it (now
/// and then with a cell too many or too few).
fn csv_shaped() -> impl Strategy<Value = (Vec<&'static str>, Vec<Vec<String>>)> {
    let others =
        vec!["IP", "mac", "Vendor", "model", "zone", "Purdue Level", "risk", "domain", "owner", "notes", "id", "extra"];
    (proptest::sample::subsequence(others, 0..=12), any::<proptest::sample::Index>())
        .prop_map(|(mut cols, at)| {
            cols.insert(0, "name");
            let i = at.index(cols.len() + 1);
            cols.insert(i, "Device Type");
            cols
        })
        .prop_shuffle()
        .prop_flat_map(|cols| {
            let row = (cols.iter().map(|c| cell(c)).collect::<Vec<_>>(), 0..20u8).prop_map(|(mut cells, odd)| {
                match odd {
                    0 => cells.push("surplus".to_string()),
                    1 => {
                        cells.pop();
                    }
                    _ => {}
                }
                cells
            });
            (Just(cols), proptest::collection::vec(row, 0..12))
        })
}
