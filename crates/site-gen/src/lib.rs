//! Deterministic generator of large synthetic enterprises, written as Interlock
//! site-model TOML files (see `docs/site-model.md`).
//!
//! The enterprise has corporate IT, a shared identity zone (domain controllers, DNS,
//! time), security operations (SIEM), one industrial DMZ (VPN, jump hosts, patch and log
//! relays, the enterprise historian) and several plants. Each plant nests Purdue levels
//! 3 (site operations), 2 (supervisory), 1 (basic control), 0 (field devices) and a
//! safety instrumented system zone, joined by conduits that carry the channels the
//! dependencies use. Every asset has an owner; controllers have baselines; each plant
//! has processes with manual-operation readiness, teams, people, roles and accounts;
//! vendors reach engineering workstations through the VPN and a jump host.
//!
//! The output is a pure function of [`Params`]: the same parameters give the same bytes,
//! on any machine, forever (the random numbers come from a fixed SplitMix64, not a
//! crate). The crate does no I/O of its own: it writes through a [`Sink`].
//!
//! To write a site to disk, use the command line:
//!
//! ```text
//! interlock site generate --assets 100000 --seed 1 --out /tmp/site
//! ```
//!
//! (`crates/interlock/src/generate.rs`, with a directory sink and a progress bar).
//! In a program, generate into a [`MemorySink`] or your own [`Sink`]:
//!
//! ```
//! let params = site_gen::Params { assets: 2_000, seed: 7, ..Default::default() };
//! let mut sink = site_gen::MemorySink::default();
//! let summary = site_gen::generate(&params, &mut sink, &mut |_| {}).unwrap();
//! assert_eq!(summary.assets, 2_000);
//! assert!(sink.files.iter().any(|(path, _)| path == "site.toml"));
//! ```

mod data;
mod plan;
mod rng;
mod text;
mod writer;

use std::io;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Exactly how many `[[asset]]` entries to write; at least [`MIN_ASSETS`].
    pub assets: u64,
    /// Seed of the pseudo-random choices (industries, models, optional dependencies...).
    pub seed: u64,
    /// At most this many assets per asset file (their dependencies and baselines go in
    /// the same file). Default 20 000, which keeps files around 15 MiB.
    pub assets_per_file: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params { assets: 10_000, seed: 1, assets_per_file: DEFAULT_ASSETS_PER_FILE }
    }
}

/// Default of [`Params::assets_per_file`].
pub const DEFAULT_ASSETS_PER_FILE: u64 = 20_000;

/// The fewest assets that make a site (one plant and the enterprise core).
pub const MIN_ASSETS: u64 = 60;

/// Where generated files go.
pub trait Sink {
    /// Start a new file at a relative path (e.g. `"plants/p0003/assets-0001.toml"`,
    /// always `/`-separated); later writes go to it.
    fn begin_file(&mut self, rel_path: &str) -> io::Result<()>;
    /// Append text to the current file.
    fn write_str(&mut self, s: &str) -> io::Result<()>;
}

/// A [`Sink`] that keeps every file in memory, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemorySink {
    /// `(relative path, content)`.
    pub files: Vec<(String, String)>,
}

impl Sink for MemorySink {
    fn begin_file(&mut self, rel_path: &str) -> io::Result<()> {
        self.files.push((rel_path.to_owned(), String::new()));
        Ok(())
    }

    fn write_str(&mut self, s: &str) -> io::Result<()> {
        match self.files.last_mut() {
            Some((_, content)) => {
                content.push_str(s);
                Ok(())
            }
            None => Err(io::Error::other("write before begin_file")),
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub assets: u64,
    pub dependencies: u64,
    pub files: u64,
    /// Total bytes written.
    pub bytes: u64,
    pub plants: u32,
    pub zones: u64,
    pub conduits: u64,
    pub processes: u64,
    pub teams: u64,
    pub people: u64,
    pub roles: u64,
    pub accounts: u64,
    pub vendors: u64,
    pub baselines: u64,
    pub terms: u64,
}

/// Generates a site of exactly `params.assets` assets into `sink`.
///
/// `progress` is called after each asset file with the number of assets written so
/// far. Errors: `InvalidInput` when `assets < MIN_ASSETS` or `assets_per_file == 0`;
/// otherwise whatever the sink returns.
pub fn generate(params: &Params, sink: &mut dyn Sink, progress: &mut dyn FnMut(u64)) -> io::Result<Summary> {
    if params.assets < MIN_ASSETS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "cannot generate a site of {} assets: the smallest site has {MIN_ASSETS} (one plant and the enterprise core)",
                params.assets
            ),
        ));
    }
    if params.assets_per_file == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "assets per file must be at least 1"));
    }
    let plan = plan::Plan::new(params.assets, params.seed);
    let mut out = writer::Out::new(sink);
    let mut g = writer::Gen::new(&plan, params);
    g.run(&mut out, progress)?;
    Ok(g.summary)
}
