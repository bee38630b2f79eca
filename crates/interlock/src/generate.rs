//! `interlock site generate`: a synthetic enterprise written to a directory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Exactly how many assets to generate.
    #[arg(long)]
    pub assets: u64,
    /// Seed: the same seed and size give the same files, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to write the site into (created; must be empty unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// At most this many assets per file.
    #[arg(long, default_value_t = site_gen::DEFAULT_ASSETS_PER_FILE)]
    pub assets_per_file: u64,
    /// Write into a directory that already holds files.
    #[arg(long)]
    pub force: bool,
}

/// Writes each generated file under a root directory.
struct DirSink {
    root: PathBuf,
    current: Option<BufWriter<File>>,
}

impl DirSink {
    fn finish_current(&mut self) -> std::io::Result<()> {
        if let Some(mut w) = self.current.take() {
            w.flush()?;
        }
        Ok(())
    }
}

impl site_gen::Sink for DirSink {
    fn begin_file(&mut self, rel_path: &str) -> std::io::Result<()> {
        self.finish_current()?;
        if rel_path.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(std::io::Error::other(format!("refusing to write outside the site: {rel_path}")));
        }
        let path = self.root.join(rel_path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        self.current = Some(BufWriter::with_capacity(1 << 20, File::create(&path)?));
        Ok(())
    }

    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        match &mut self.current {
            Some(w) => w.write_all(s.as_bytes()),
            None => Err(std::io::Error::other("write before begin_file")),
        }
    }
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    if !args.force && !is_empty_dir(&args.out)? {
        bail!("{} is not empty; choose an empty directory or pass --force", args.out.display());
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let params = site_gen::Params { assets: args.assets, seed: args.seed, assets_per_file: args.assets_per_file };
    let bar = ProgressBar::new(args.assets);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} assets ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let mut sink = DirSink { root: args.out.clone(), current: None };
    let summary = site_gen::generate(&params, &mut sink, &mut |n| bar.set_position(n))
        .with_context(|| format!("generating into {}", args.out.display()))?;
    sink.finish_current().with_context(|| format!("writing into {}", args.out.display()))?;
    bar.finish_and_clear();
    println!(
        "wrote {} assets, {} dependencies, {} plants, {} zones, {} conduits in {} files ({:.1} MiB) to {} in {:.2} s",
        summary.assets,
        summary.dependencies,
        summary.plants,
        summary.zones,
        summary.conduits,
        summary.files,
        summary.bytes as f64 / (1024.0 * 1024.0),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    println!("next: interlock site check {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
