//! Hidden commands: the writer the kill -9 test runs, and the benchmarks
//! that bench/incident.sh runs. They use the same store, rules and log as
//! every other command.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ::incident::{
    Body, Category, Context, Digest, Event, Evidence, EvidenceSource, Hypothesis, Incident, Integrity, Note,
    Observation, Opened, Policy, ProcessState, Sealed, Severity, Situation, Timestamp, first_event, stage,
};
use anyhow::{Result, anyhow, bail};
use clap::Args;
use site_model::Site;
use store::{AnyStore, Log, LogError, Store};

use super::clock::Clock;
use super::{Common, actor, load_site, open_store};

#[derive(Args, Debug)]
pub struct AppendLoopArgs {
    #[command(flatten)]
    common: Common,
    /// Incidents to spread the appends over: LOOP-1 .. LOOP-N (opened and declared when missing).
    #[arg(long, default_value_t = 3)]
    incidents: u32,
    /// Stop after this many appends; 0 runs until killed.
    #[arg(long, default_value_t = 0)]
    count: u64,
    /// A word in every note, to tell writers apart.
    #[arg(long, default_value = "writer")]
    tag: String,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    common: Common,
    /// Events per measurement.
    #[arg(long, default_value_t = 2000)]
    events: u64,
    /// Measurements (append: interleaved rounds of Interlock and bare inserts; load: repetitions).
    #[arg(long, default_value_t = 4)]
    rounds: u32,
    /// Fail when the result misses this: the least Interlock/bare ratio (append) or the most milliseconds (load).
    #[arg(long)]
    budget: Option<f64>,
}

/// Opens and declares `id` when it does not exist yet (the actor must be able to declare).
async fn ensure_incident(store: &AnyStore, cx: Context<'_>, id: &str, actor: &str, now: Timestamp) -> Result<()> {
    let version = cx.site_version().map_err(|e| anyhow!("{e}"))?;
    let mut log = Log::create(store, cx, id);
    let r = log
        .append(|existing| {
            if existing.is_some() {
                return Err(LogError::Exists(id.into()));
            }
            let opened = Opened {
                title: format!("Drill {id}").into(),
                summary: "Synthetic incident written by a test or benchmark tool.".into(),
                category: Category::Other,
                severity: Severity::Low,
                site_version: version,
            };
            Ok(vec![
                first_event(id, actor, now, opened),
                Event {
                    incident: id.into(),
                    seq: 2,
                    recorded_at: now,
                    actor: actor.into(),
                    body: Body::Declared { reason: "drill".into(), site_version: version },
                },
            ])
        })
        .await;
    match r {
        Ok(_) | Err(LogError::Exists(_)) => Ok(()),
        Err(e) => Err(anyhow!("cannot open {id}: {e}")),
    }
}

fn note_text(tag: &str, i: u64) -> String {
    format!(
        "{tag} {i}: operator reports HMI trend display frozen for about ninety seconds, then recovering; \
         alarm summary shows no new alarms; PLC still in RUN; checked with the shift lead."
    )
}

/// Appends notes round-robin to LOOP-1..N and prints `ack ID SEQ HASH` after each durable append.
pub async fn append_loop(a: AppendLoopArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let actor = actor(&a.common.who)?;
    let store = open_store(&a.common.db).await?;
    let policy = Policy::default();
    let cx = Context { site: &site, policy: &policy, engine: None };
    let ids: Vec<String> = (1..=a.incidents.max(1)).map(|i| format!("LOOP-{i}")).collect();
    for id in &ids {
        ensure_incident(&store, cx, id, actor, clock.now()).await?;
    }
    let mut logs = Vec::new();
    for id in &ids {
        logs.push(Log::open(&store, cx, id).await.map_err(|e| anyhow!("{e}"))?);
    }
    let mut out = std::io::stdout().lock();
    let mut i = 0u64;
    while a.count == 0 || i < a.count {
        let log = &mut logs[(i % ids.len() as u64) as usize];
        let text = note_text(&a.tag, i);
        let now = clock.now();
        let sealed = log
            .append(|inc| {
                let inc = inc.ok_or_else(|| LogError::NotFound("LOOP".into()))?;
                Ok(vec![inc.next_event(actor, now, Body::Note(Note { text: text.as_str().into(), domain: None }))])
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
        // Acknowledged only once the commit has returned.
        for s in &sealed {
            writeln!(out, "ack {} {} {}", log.id(), s.seq, s.hash.hex())?;
        }
        out.flush()?;
        i += 1;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Interlock's append (check, encode, chain, fold, store with the expected
/// sequence number, durable commit) against a bare insert of the same bytes,
/// in interleaved rounds on the same database.
pub async fn bench_append(a: BenchArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let actor = actor(&a.common.who)?;
    let store = open_store(&a.common.db).await?;
    let policy = Policy::default();
    let cx = Context { site: &site, policy: &policy, engine: None };
    let rounds = a.rounds.max(1);
    let per_round = (a.events / rounds as u64).max(1);
    let id = format!("BENCH-APPEND-{}", std::process::id());
    ensure_incident(&store, cx, &id, actor, clock.now()).await?;
    let mut log = Log::open(&store, cx, &id).await.map_err(|e| anyhow!("{e}"))?;
    let (mut ours, mut bare) = (Duration::ZERO, Duration::ZERO);
    let mut i = 0u64;
    for _ in 0..rounds {
        let mut bodies: Vec<Vec<u8>> = Vec::with_capacity(per_round as usize);
        let start = Instant::now();
        for _ in 0..per_round {
            let text = note_text("bench", i);
            let now = clock.now();
            let sealed = log
                .append(|inc| {
                    let inc = inc.ok_or_else(|| LogError::NotFound(id.clone()))?;
                    Ok(vec![inc.next_event(actor, now, Body::Note(Note { text: text.as_str().into(), domain: None }))])
                })
                .await
                .map_err(|e| anyhow!("{e}"))?;
            bodies.extend(sealed.into_iter().map(|s| s.bytes));
            i += 1;
        }
        ours += start.elapsed();
        bare += store::bench::bare_inserts(&store, &bodies).await?;
    }
    let n = per_round * rounds as u64;
    let (r_ours, r_bare) = (rate(n, ours), rate(n, bare));
    let ratio = r_ours / r_bare;
    println!(
        "{} append, {n} events in {rounds} rounds, one durable commit each:\n  interlock append (check, encode, chain, store): {:>8.0} events/s ({:.2} s)\n  bare insert of the same bytes:                  {:>8.0} rows/s   ({:.2} s)\n  ratio interlock/bare: {ratio:.2}",
        store.backend(),
        r_ours,
        ours.as_secs_f64(),
        r_bare,
        bare.as_secs_f64()
    );
    store.close().await;
    if let Some(min) = a.budget
        && ratio < min
    {
        println!("  FAILED: ratio {ratio:.2} is under {min}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The events of a busy incident: notes, observations on assets, evidence,
/// hypotheses citing it, situation assessments, ~200-byte texts.
fn synthetic(inc: &Incident, site: &Site, actor: &str, now: Timestamp, last_evidence: Option<u64>) -> Event {
    let i = inc.seq();
    let text: Box<str> = note_text("load", i).into();
    let asset = site.assets.get(i as usize % site.assets.len().max(1)).map(|a| a.id.clone());
    let process = site.processes.first().map(|p| p.id.clone());
    let body = match (i % 10, last_evidence) {
        (0, _) => Body::EvidenceCollected(Evidence {
            title: "Session log export".into(),
            source: EvidenceSource::Log,
            sha256: Some(Digest([i as u8; 32])),
            location: Some("case share".into()),
            collected_by: actor.into(),
            collected_at: now,
            assets: asset.clone().into_iter().collect(),
            description: None,
        }),
        (1, Some(e)) => {
            Body::HypothesisProposed(Hypothesis { statement: text, evidence_for: vec![e], evidence_against: vec![] })
        }
        (2..=4, _) => {
            Body::Observation(Observation { text, observed_at: now, domain: None, assets: asset.into_iter().collect() })
        }
        (5, _) => Body::SituationAssessed(Situation {
            process,
            process_state: Some(ProcessState::Stable),
            control: Some(Integrity::Trusted),
            view: Some(Integrity::InQuestion),
            reason: text,
            evidence: last_evidence.into_iter().collect(),
        }),
        _ => Body::Note(Note { text, domain: None }),
    };
    inc.next_event(actor, now, body)
}

/// Writes an incident of N events (in batches), then times loading it:
/// read every row, verify the chain, decode and fold.
pub async fn bench_load(a: BenchArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let site = load_site(a.common.who.site.as_deref())?;
    let actor = actor(&a.common.who)?;
    let store = open_store(&a.common.db).await?;
    let policy = Policy::default();
    let cx = Context { site: &site, policy: &policy, engine: None };
    let id = format!("BENCH-LOAD-{}", std::process::id());
    let now = clock.now();
    ensure_incident(&store, cx, &id, actor, now).await?;
    let mut state = store::load(&store, &id).await.map_err(|e| anyhow!("{e}"))?;
    let mut last_evidence = None;
    let write_start = Instant::now();
    while let Some(inc) = &state {
        if inc.seq() >= a.events {
            break;
        }
        let expected = inc.seq();
        let mut batch: Vec<Sealed> = Vec::new();
        while batch.len() < 10_000 {
            let Some(inc) = &state else { break };
            if inc.seq() >= a.events {
                break;
            }
            let e = synthetic(inc, &site, actor, now, last_evidence);
            let is_evidence = matches!(e.body, Body::EvidenceCollected(_));
            let seq = e.seq;
            batch.extend(stage(&mut state, vec![e], &cx)?);
            if is_evidence {
                last_evidence = Some(seq);
            }
        }
        store.append(&id, expected, &batch).await?;
    }
    let written = write_start.elapsed();
    let n = state.as_ref().map(|i| i.seq()).unwrap_or(0);
    println!(
        "{}: wrote an incident of {n} events in {:.2} s (batches of 10 000)",
        store.backend(),
        written.as_secs_f64()
    );
    let mut times = Vec::new();
    let mut reads = Vec::new();
    for _ in 0..a.rounds.max(1) {
        let t = Instant::now();
        let mut rows = 0u64;
        store
            .scan(&id, 0, &mut |_| {
                rows += 1;
                true
            })
            .await?;
        reads.push(t.elapsed());
        if rows != n {
            bail!("scanned {rows} rows, wrote {n}");
        }
        let t = Instant::now();
        let inc = store::load(&store, &id).await.map_err(|e| anyhow!("{e}"))?.ok_or_else(|| anyhow!("vanished"))?;
        times.push(t.elapsed());
        if inc.seq() != n {
            bail!("loaded {} events, wrote {n}", inc.seq());
        }
    }
    times.sort();
    reads.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let best = ms(times[0]);
    println!(
        "  load (read rows, verify chain, decode, fold) of {n} events: best {best:.0} ms, median {:.0} ms over {} runs; of which reading the rows: best {:.0} ms",
        ms(times[times.len() / 2]),
        times.len(),
        ms(reads[0])
    );
    store.close().await;
    if let Some(max) = a.budget
        && best > max
    {
        println!("  FAILED: {best:.0} ms is over {max} ms");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
