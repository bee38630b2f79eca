//! Writes a generated site to a directory, for benchmarks and for looking at the output:
//!
//! ```text
//! cargo run --release -p site-gen --example generate -- --assets 100000 --seed 1 --out /tmp/site
//! ```

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

struct DirSink {
    root: PathBuf,
    file: Option<BufWriter<File>>,
}

impl DirSink {
    fn close(&mut self) -> io::Result<()> {
        if let Some(mut f) = self.file.take() {
            f.flush()?;
        }
        Ok(())
    }
}

impl site_gen::Sink for DirSink {
    fn begin_file(&mut self, rel_path: &str) -> io::Result<()> {
        self.close()?;
        let path = self.root.join(rel_path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        self.file = Some(BufWriter::with_capacity(1 << 20, File::create(path)?));
        Ok(())
    }

    fn write_str(&mut self, s: &str) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(s.as_bytes()),
            None => Err(io::Error::other("write before begin_file")),
        }
    }
}

fn main() -> io::Result<()> {
    let mut params = site_gen::Params::default();
    let mut out = PathBuf::from("generated-site");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| io::Error::other(format!("{arg} needs a value")))?;
        let number = || value.replace('_', "").parse::<u64>().map_err(|e| io::Error::other(format!("{arg}: {e}")));
        match arg.as_str() {
            "--assets" => params.assets = number()?,
            "--seed" => params.seed = number()?,
            "--assets-per-file" => params.assets_per_file = number()?,
            "--out" => out = PathBuf::from(&value),
            _ => return Err(io::Error::other(format!("unknown argument {arg}"))),
        }
    }
    let mut sink = DirSink { root: out.clone(), file: None };
    let started = Instant::now();
    let summary = site_gen::generate(&params, &mut sink, &mut |_| {})?;
    sink.close()?;
    let secs = started.elapsed().as_secs_f64();
    println!("{summary:#?}");
    println!(
        "wrote {} in {secs:.2} s ({:.1} MiB, {:.2} dependencies per asset)",
        out.display(),
        summary.bytes as f64 / (1 << 20) as f64,
        summary.dependencies as f64 / summary.assets as f64
    );
    Ok(())
}
