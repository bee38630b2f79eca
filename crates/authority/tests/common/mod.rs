//! Shared by the authority tests: the shipped example site, loaded from its files.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;

use site_model::{LoadOptions, Site, Source};

/// Loads a site from sources, failing the test with every diagnostic if it does not load.
pub fn load(files: Vec<Source>) -> Site {
    let o = site_model::load(files, &LoadOptions::default());
    o.site.unwrap_or_else(|| panic!("{:?}", o.diagnostics))
}

/// `sites/riverbend`, read from disk.
pub fn riverbend() -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(Source { path: p.display().to_string(), text: std::fs::read_to_string(&p).unwrap() });
            }
        }
    }
    load(files)
}
