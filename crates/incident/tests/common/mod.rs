//! Shared test fixtures: the test site, a settable time, an in-memory log.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use incident::*;
use site_model::{LoadOptions, Site, Source};

pub fn site() -> Site {
    let text = include_str!("../fixtures/site.toml");
    let o = site_model::load(vec![Source { path: "site.toml".into(), text: text.into() }], &LoadOptions::default());
    assert_eq!(o.error_count(), 0, "{:?}", o.diagnostics);
    o.site.unwrap()
}

pub fn version(site: &Site) -> Digest {
    Digest::parse(site.version()).unwrap()
}

/// 2026-11-26T08:00:00-06:00 plus `minutes`: the tests' clock.
pub fn at(minutes: i64) -> Timestamp {
    Timestamp::parse("2026-11-26T08:00:00-06:00").unwrap().plus_micros(minutes * 60_000_000)
}

pub fn s(x: &str) -> Box<str> {
    x.into()
}

/// An incident kept in memory: the rows a store would hold, and the state.
pub struct Log {
    pub site: Site,
    pub policy: Policy,
    pub inc: Option<Incident>,
    pub rows: Vec<Sealed>,
}

impl Log {
    pub fn new() -> Log {
        Log { site: site(), policy: Policy::default(), inc: None, rows: Vec::new() }
    }

    /// A declared incident: opened by the analyst, declared by the commander.
    pub fn declared() -> Log {
        let mut log = Log::new();
        log.open("analyst", 0).unwrap();
        log.add("commander", 5, Body::Declared { reason: s("HMI logins failing plant-wide"), site_version: log.v() })
            .unwrap();
        log
    }

    pub fn v(&self) -> Digest {
        version(&self.site)
    }

    pub fn inc(&self) -> &Incident {
        self.inc.as_ref().unwrap()
    }

    pub fn open(&mut self, actor: &str, minute: i64) -> Result<u64, StageError> {
        let opened = Opened {
            title: s("Operator stations cannot log in"),
            summary: s("Several HMIs refuse domain logins since 07:40."),
            category: Category::SuspiciousActivity,
            severity: Severity::Medium,
            site_version: self.v(),
        };
        let e = first_event("INC-1", actor, at(minute), opened);
        self.stage(vec![e])
    }

    pub fn add(&mut self, actor: &str, minute: i64, body: Body) -> Result<u64, StageError> {
        let e = self.inc().next_event(actor, at(minute), body);
        self.stage(vec![e])
    }

    pub fn stage(&mut self, events: Vec<Event>) -> Result<u64, StageError> {
        let cx = Context { site: &self.site, policy: &self.policy, engine: None };
        let mut working = self.inc.clone();
        let sealed = stage(&mut working, events, &cx)?;
        self.inc = working;
        let last = sealed.last().map(|s| s.seq).unwrap_or(0);
        self.rows.extend(sealed);
        Ok(last)
    }

    pub fn rows(&self) -> Vec<Row<'_>> {
        self.rows
            .iter()
            .map(|r| Row {
                seq: r.seq,
                kind: r.kind.code() as i64,
                recorded_at: r.recorded_at,
                bytes: &r.bytes,
                hash: &r.hash.0,
            })
            .collect()
    }

    /// Verifies the rows and folds them again from scratch.
    pub fn reload(&self) -> Incident {
        let head = self.rows.last().unwrap();
        Incident::load("INC-1", self.rows(), head.seq, &head.hash.0).unwrap()
    }
}

pub fn evidence(by: &str, minute: i64, source: EvidenceSource) -> Body {
    Body::EvidenceCollected(Evidence {
        title: s("VPN session log"),
        source,
        sha256: Some(Digest([7; 32])),
        location: Some(s("case share /inc-1/vpn.log")),
        collected_by: s(by),
        collected_at: at(minute),
        assets: vec![s("dc-01")],
        description: None,
    })
}

pub fn note(text: &str) -> Body {
    Body::Note(Note { text: s(text), domain: None })
}
