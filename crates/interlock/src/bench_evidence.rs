//! Hidden commands for `bench/evidence.sh`: write a synthetic Zeek conn.log
//! of N records over a site's addresses, and time parsing it alone against
//! parsing and correlating it with 10k work orders and 1k vendor grants.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use evidence::{Correlator, Grant, GrantStatus, WorkActivity, WorkOrder};

#[derive(Args, Debug)]
pub struct GenArgs {
    /// The site whose addresses the records use.
    #[arg(long)]
    site: PathBuf,
    /// How many records.
    #[arg(long)]
    records: u64,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[arg(long)]
    site: PathBuf,
    /// The Zeek conn.log (TSV) to read.
    #[arg(long)]
    log: PathBuf,
    /// Parse only (the ceiling), or parse and correlate.
    #[arg(long)]
    parse_only: bool,
    #[arg(long, default_value_t = 10_000)]
    work: usize,
    #[arg(long, default_value_t = 1_000)]
    grants: usize,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// 2026-11-26T00:00:00Z in seconds.
const DAY0: i64 = 1_795_651_200;

fn addresses(site: &site_model::Site) -> Vec<&str> {
    site.assets
        .iter()
        .flat_map(|a| a.addresses.iter().map(|x| &**x))
        .filter(|x| x.parse::<std::net::Ipv4Addr>().is_ok())
        .collect()
}

pub fn generate(a: &GenArgs) -> Result<ExitCode> {
    let site = crate::incident::load_site(Some(&a.site))?;
    let addrs = addresses(&site);
    if addrs.is_empty() {
        bail!("the site has no IPv4 addresses");
    }
    let f = std::fs::File::create(&a.out).with_context(|| format!("cannot write {}", a.out.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    writeln!(
        w,
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-26-00-00-00"
    )?;
    writeln!(
        w,
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state"
    )?;
    writeln!(w, "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring")?;
    let mut rng = Rng(a.seed.max(1));
    let ports: [(u16, &str, &str); 6] = [
        (502, "tcp", "modbus"),
        (20000, "tcp", "dnp3"),
        (102, "tcp", "-"),
        (443, "tcp", "ssl"),
        (53, "udp", "dns"),
        (44818, "tcp", "-"),
    ];
    for i in 0..a.records {
        let ts = DAY0 as f64 + (i as f64) * (86_400.0 / a.records.max(1) as f64);
        let (port, proto, service) = ports[rng.below(ports.len())];
        let src = if rng.below(1000) == 0 { "10.99.0.7" } else { addrs[rng.below(addrs.len())] };
        writeln!(
            w,
            "{ts:.6}\tC{i:x}\t{src}\t{}\t{}\t{port}\t{proto}\t{service}\t{:.3}\t{}\t{}\tSF",
            49152 + rng.below(16000),
            addrs[rng.below(addrs.len())],
            rng.below(5000) as f64 / 1000.0,
            rng.below(4000),
            rng.below(9000)
        )?;
    }
    writeln!(w, "#close\t2026-11-27-00-00-00")?;
    w.flush()?;
    println!("wrote {} records to {}", a.records, a.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Work orders and grants spread over the site's assets and the day.
fn register(site: &site_model::Site, work: usize, grants: usize) -> (Vec<WorkOrder>, Vec<Grant>) {
    let mut rng = Rng(11);
    let n = site.assets.len();
    let hour = |h: usize| (DAY0 + h as i64 * 3600) * 1_000_000;
    let w = (0..work)
        .map(|k| {
            let h = rng.below(22);
            WorkOrder {
                id: format!("WO-{k}"),
                title: "generated".into(),
                assets: (0..3).map(|_| site.assets[rng.below(n)].id.to_string()).collect(),
                people: vec![],
                accounts: vec![],
                vendor: None,
                start: hour(h),
                end: hour(h + 2),
                activities: vec![if k % 3 == 0 { WorkActivity::LogicDownload } else { WorkActivity::Maintenance }],
                supervisor: None,
                cancelled: false,
            }
        })
        .collect();
    let vendor = site.vendors.first().map(|v| v.id.to_string()).unwrap_or_default();
    let g = (0..grants)
        .map(|k| {
            let h = rng.below(20);
            Grant {
                id: format!("VG-{k}"),
                vendor: vendor.clone(),
                people: vec![],
                accounts: vec![],
                assets: vec![site.assets[rng.below(n)].id.to_string()],
                pathway: None,
                start: hour(h),
                end: hour(h + 4),
                mfa: true,
                supervisor: None,
                recording: true,
                safety_critical: false,
                status: GrantStatus::Active,
                status_reason: None,
            }
        })
        .collect();
    (w, g)
}

pub fn bench(a: &BenchArgs) -> Result<ExitCode> {
    let site = crate::incident::load_site(Some(&a.site))?;
    let (work, grants) = register(&site, a.work, a.grants);
    let f = std::fs::File::open(&a.log).with_context(|| format!("cannot read {}", a.log.display()))?;
    let reader: Box<dyn BufRead> = Box::new(std::io::BufReader::with_capacity(1 << 20, f));
    let started = std::time::Instant::now();
    let built = if a.parse_only { None } else { Some(Correlator::new(&site, &work, &grants)) };
    let mut counts = [0u64; 4];
    let (mut good, mut bad, mut control) = (0u64, 0u64, 0u64);
    for r in evidence::parse::zeek(reader) {
        match r {
            Ok(act) => {
                good += 1;
                control += act.changes_control as u64;
                if let Some(c) = &built {
                    counts[c.classify(&act).rank()] += 1;
                }
            }
            Err(_) => bad += 1,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout(),
        "{}: {good} records ({bad} bad) in {secs:.3} s: {:.0} records/s{}",
        if a.parse_only { "parse only" } else { "parse and correlate" },
        good as f64 / secs.max(1e-9),
        if a.parse_only {
            String::new()
        } else {
            format!(
                "; authorised {}, partial {}, unauthorised {}, unknown {}; {control} control changes; {} work orders, {} grants",
                counts[0], counts[1], counts[2], counts[3], a.work, a.grants
            )
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
