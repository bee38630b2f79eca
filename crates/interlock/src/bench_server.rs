//! `interlock bench-serve` (hidden; run by `bench/server.sh`): load on a
//! running `interlock serve` over loopback, with the numbers as
//! gates.
//!
//! - **Boards**: `--readers` clients each read the incident's board (the HTML
//!   page a control-room screen shows), then wait a think time (uniform
//!   in [0.5, 1.5] × `--think-ms`, like people looking at a screen), until
//!   `--seconds` have passed.
//! - **Decisions**: `--writers` clients each propose an action as the
//!   proposer, then approve it as each approver (three POSTs, each timed as
//!   a write), then think.
//! - **Live updates**: `--subscribers` Server-Sent Events streams on the
//!   incident; a note is appended `--sse-events` times through the API's
//!   write path (a proposal) and the time until every subscriber has it is
//!   measured per event.
//!
//! Latencies are wall-clock per request, from sending to the full body.
//! Every loop is bounded by the deadline or a timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

#[derive(Args, Debug)]
pub struct BenchServeArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    #[arg(long)]
    incident: String,
    /// API token of the user who reads boards.
    #[arg(long)]
    reader_token: String,
    /// API token of the user who proposes.
    #[arg(long)]
    proposer_token: String,
    /// API tokens of the users who approve each proposal (in order; repeat).
    #[arg(long = "approver-token")]
    approver_tokens: Vec<String>,
    /// The action proposed by each writer.
    #[arg(long, default_value = "take-offline dc-corp-01,dc-corp-02")]
    action: String,
    #[arg(long, default_value_t = 200)]
    readers: usize,
    #[arg(long, default_value_t = 20)]
    writers: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Mean think time between a client's requests, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    think_ms: u64,
    #[arg(long)]
    max_read_p99_ms: Option<f64>,
    #[arg(long)]
    max_write_p99_ms: Option<f64>,
    /// Server-Sent Events subscribers on the incident (0: skip the live-update test).
    #[arg(long, default_value_t = 0)]
    subscribers: usize,
    #[arg(long, default_value_t = 20)]
    sse_events: usize,
    #[arg(long)]
    max_sse_p99_ms: Option<f64>,
    /// A label for the printed lines (sqlite, postgres).
    #[arg(long, default_value = "")]
    label: String,
}

pub fn run(a: BenchServeArgs) -> Result<std::process::ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(bench(a))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// How many of the (sorted) latencies fall in each band, to tell a spread
/// tail from one stuck at a fixed delay.
fn histogram(sorted: &[f64]) -> String {
    const EDGES: [f64; 8] = [2.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 75.0];
    let mut out = Vec::new();
    let mut lo = 0.0;
    for hi in EDGES.iter().copied().chain([f64::INFINITY]) {
        let n = sorted.iter().filter(|&&v| v >= lo && v < hi).count();
        if hi.is_finite() {
            out.push(format!("<{hi}: {n}"));
        } else {
            out.push(format!(">={lo}: {n}"));
        }
        lo = hi;
    }
    out.join(", ")
}

/// A small deterministic generator for think times (no dependency, no global state).
struct Rng(u64);

impl Rng {
    /// A generator for client `n` of a kind: the seed mixed by SplitMix64, so
    /// that the clients' sequences differ from their first number on. (Seeds
    /// differing only in their low bits gave xorshift the same first number for
    /// every client: all 200 readers slept the same first think time and hit
    /// the server in one burst of 200, which was the p99 of the whole run.)
    fn seeded(kind: u64, n: u64) -> Rng {
        let mut z = kind.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // xorshift must not start from zero.
        Rng(if z == 0 { 1 } else { z })
    }

    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

async fn bench(a: BenchServeArgs) -> Result<std::process::ExitCode> {
    let client = notify::http_client_builder()
        .map_err(|e| anyhow!("{e}"))?
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(512)
        .build()
        .context("HTTP client")?;
    let base = a.url.trim_end_matches('/').to_string();
    let board = format!("{base}/incidents/{}", a.incident);
    let status = format!("{base}/api/incidents/{}", a.incident);
    let actions = format!("{base}/api/incidents/{}/actions", a.incident);
    // The server answers before anything is measured.
    let r = client.get(&status).bearer_auth(&a.reader_token).send().await.context("the server does not answer")?;
    if !r.status().is_success() {
        bail!("GET {status}: {}", r.status());
    }

    let mut ok = true;
    let label = if a.label.is_empty() { String::new() } else { format!("{} ", a.label) };
    if a.readers + a.writers > 0 {
        // (whole request, until the headers arrived), in ms.
        let reads = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
        let writes = Arc::new(Mutex::new(Vec::<f64>::new()));
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let deadline = Instant::now() + Duration::from_secs(a.seconds);
        let think = a.think_ms as f64;
        let mut tasks = Vec::new();
        for i in 0..a.readers {
            let (client, board, token) = (client.clone(), board.clone(), a.reader_token.clone());
            let (reads, errors) = (reads.clone(), errors.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng::seeded(1, i as u64);
                // Spread the first requests over one think time.
                tokio::time::sleep(Duration::from_micros((rng.next() * think * 1000.0) as u64)).await;
                while Instant::now() < deadline {
                    let url = &board;
                    let t = Instant::now();
                    match client.get(url).bearer_auth(&token).send().await {
                        Ok(r) if r.status().is_success() => {
                            let head = t.elapsed().as_secs_f64() * 1000.0;
                            let body = r.bytes().await;
                            let ms = t.elapsed().as_secs_f64() * 1000.0;
                            match body {
                                Ok(_) => reads.lock().await.push((ms, head)),
                                Err(e) => errors.lock().await.push(format!("GET {url}: {e}")),
                            }
                        }
                        Ok(r) => errors.lock().await.push(format!("GET {url}: {}", r.status())),
                        Err(e) => errors.lock().await.push(format!("GET {url}: {e}")),
                    }
                    tokio::time::sleep(Duration::from_micros(((0.5 + rng.next()) * think * 1000.0) as u64)).await;
                }
            }));
        }
        for i in 0..a.writers {
            let client = client.clone();
            let (actions, proposer, approvers) = (actions.clone(), a.proposer_token.clone(), a.approver_tokens.clone());
            let action = a.action.clone();
            let (writes, errors) = (writes.clone(), errors.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng::seeded(2, i as u64);
                tokio::time::sleep(Duration::from_micros((rng.next() * think * 1000.0) as u64)).await;
                while Instant::now() < deadline {
                    let body = serde_json::json!({"action": action, "rationale": format!("load test, writer {i}")});
                    let t = Instant::now();
                    let seq = match client.post(&actions).bearer_auth(&proposer).json(&body).send().await {
                        Ok(r) if r.status().as_u16() == 201 => match r.json::<serde_json::Value>().await {
                            Ok(v) => {
                                writes.lock().await.push(t.elapsed().as_secs_f64() * 1000.0);
                                v["seq"].as_u64()
                            }
                            Err(e) => {
                                errors.lock().await.push(format!("propose: {e}"));
                                None
                            }
                        },
                        Ok(r) => {
                            let s = r.status();
                            let text = r.text().await.unwrap_or_default();
                            errors.lock().await.push(format!("propose: {s} {text}"));
                            None
                        }
                        Err(e) => {
                            errors.lock().await.push(format!("propose: {e}"));
                            None
                        }
                    };
                    if let Some(seq) = seq {
                        for token in &approvers {
                            let url = format!("{actions}/{seq}/approve");
                            let body = serde_json::json!({"rationale": "load test"});
                            let t = Instant::now();
                            match client.post(&url).bearer_auth(token).json(&body).send().await {
                                Ok(r) if r.status().is_success() => {
                                    let _ = r.bytes().await;
                                    writes.lock().await.push(t.elapsed().as_secs_f64() * 1000.0);
                                }
                                Ok(r) => {
                                    let s = r.status();
                                    let text = r.text().await.unwrap_or_default();
                                    errors.lock().await.push(format!("approve #{seq}: {s} {text}"));
                                }
                                Err(e) => errors.lock().await.push(format!("approve #{seq}: {e}")),
                            }
                        }
                    }
                    tokio::time::sleep(Duration::from_micros(((0.5 + rng.next()) * think * 1000.0) as u64)).await;
                }
            }));
        }
        for t in tasks {
            t.await.map_err(|e| anyhow!("a client task failed: {e}"))?;
        }
        let timed = std::mem::take(&mut *reads.lock().await);
        let mut heads: Vec<f64> = timed.iter().map(|r| r.1).collect();
        let mut reads: Vec<f64> = timed.iter().map(|r| r.0).collect();
        heads.sort_by(f64::total_cmp);
        let mut writes = std::mem::take(&mut *writes.lock().await);
        let errors = std::mem::take(&mut *errors.lock().await);
        reads.sort_by(f64::total_cmp);
        writes.sort_by(f64::total_cmp);
        println!(
            "{label}boards: {} readers, {} reads in {} s ({:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            a.readers,
            reads.len(),
            a.seconds,
            reads.len() as f64 / a.seconds as f64,
            percentile(&reads, 50.0),
            percentile(&reads, 99.0),
            reads.last().copied().unwrap_or(f64::NAN)
        );
        println!(
            "{label}boards, until the headers: p50 {:.1} ms, p99 {:.1} ms; whole reads by time: {}",
            percentile(&heads, 50.0),
            percentile(&heads, 99.0),
            histogram(&reads)
        );
        println!(
            "{label}decisions: {} writers, {} writes (proposals and approvals) in {} s ({:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            a.writers,
            writes.len(),
            a.seconds,
            writes.len() as f64 / a.seconds as f64,
            percentile(&writes, 50.0),
            percentile(&writes, 99.0),
            writes.last().copied().unwrap_or(f64::NAN)
        );
        if !errors.is_empty() {
            ok = false;
            println!("{label}{} requests failed; the first: {}", errors.len(), errors[0]);
        }
        if a.readers > 0 && reads.is_empty() || a.writers > 0 && writes.is_empty() {
            ok = false;
            println!("{label}no request completed");
        }
        if let Some(max) = a.max_read_p99_ms
            && percentile(&reads, 99.0) > max
        {
            ok = false;
            println!("{label}FAIL: board reads p99 {:.1} ms is over {max} ms", percentile(&reads, 99.0));
        }
        if let Some(max) = a.max_write_p99_ms
            && percentile(&writes, 99.0) > max
        {
            ok = false;
            println!("{label}FAIL: writes p99 {:.1} ms is over {max} ms", percentile(&writes, 99.0));
        }
    }
    if a.subscribers > 0 {
        ok &= sse(&a, &client, &base, &actions).await?;
    }
    Ok(if ok { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE })
}

/// One subscriber: a raw HTTP/1.1 connection reading the stream's `id:` lines
/// and reporting each id with the instant it arrived.
async fn subscribe(
    host: String,
    path: String,
    token: String,
    tx: tokio::sync::mpsc::UnboundedSender<(u64, Instant)>,
    ready: tokio::sync::mpsc::UnboundedSender<()>,
) -> Result<()> {
    let mut s = TcpStream::connect(&host).await?;
    s.set_nodelay(true)?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    // The status line and headers.
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            bail!("the stream closed before its headers ended");
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if line.starts_with("HTTP/1.1 ") && !line.starts_with("HTTP/1.1 200") {
            bail!("subscribe: {}", line.trim());
        }
    }
    let _ = ready.send(());
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        // Chunked framing lines are hex sizes; event lines start with their field.
        if let Some(id) = line.trim().strip_prefix("id:").and_then(|v| v.trim().parse::<u64>().ok()) {
            let _ = tx.send((id, Instant::now()));
        }
    }
}

async fn sse(a: &BenchServeArgs, client: &reqwest::Client, base: &str, actions: &str) -> Result<bool> {
    let label = if a.label.is_empty() { String::new() } else { format!("{} ", a.label) };
    let host = base.trim_start_matches("http://").to_string();
    let path = format!("/api/incidents/{}/events", a.incident);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut subs = Vec::new();
    for _ in 0..a.subscribers {
        subs.push(tokio::spawn(subscribe(
            host.clone(),
            path.clone(),
            a.reader_token.clone(),
            tx.clone(),
            ready_tx.clone(),
        )));
    }
    drop(tx);
    drop(ready_tx);
    let connected = tokio::time::timeout(Duration::from_secs(60), async {
        let mut n = 0;
        while n < a.subscribers && ready_rx.recv().await.is_some() {
            n += 1;
        }
        n
    })
    .await
    .unwrap_or(0);
    if connected < a.subscribers {
        for s in &subs {
            s.abort();
        }
        bail!("only {connected} of {} subscribers connected", a.subscribers);
    }
    let mut lat = Vec::new();
    for i in 0..a.sse_events {
        let body = serde_json::json!({"action": a.action, "rationale": format!("live-update test {i}")});
        let sent = Instant::now();
        let r = client.post(actions).bearer_auth(&a.proposer_token).json(&body).send().await?;
        if r.status().as_u16() != 201 {
            let s = r.status();
            bail!("propose for the live-update test: {s} {}", r.text().await.unwrap_or_default());
        }
        let v: serde_json::Value = r.json().await?;
        let seq = v["seq"].as_u64().ok_or_else(|| anyhow!("the proposal has no seq"))?;
        // Every subscriber must see `seq`; the slowest arrival is the event's latency.
        let mut got = 0usize;
        let mut last = sent;
        let all = tokio::time::timeout(Duration::from_secs(10), async {
            while got < a.subscribers {
                match rx.recv().await {
                    Some((id, at)) if id == seq => {
                        got += 1;
                        last = last.max(at);
                    }
                    Some(_) => {}
                    None => break,
                }
            }
        })
        .await;
        if all.is_err() || got < a.subscribers {
            for s in &subs {
                s.abort();
            }
            bail!("event #{seq} reached {got} of {} subscribers within 10 s", a.subscribers);
        }
        lat.push(last.duration_since(sent).as_secs_f64() * 1000.0);
    }
    for s in &subs {
        s.abort();
    }
    lat.sort_by(f64::total_cmp);
    let p99 = percentile(&lat, 99.0);
    println!(
        "{label}live updates: {} subscribers, {} events: every subscriber had each within p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (from the POST to the last arrival)",
        a.subscribers,
        a.sse_events,
        percentile(&lat, 50.0),
        p99,
        lat.last().copied().unwrap_or(f64::NAN)
    );
    if let Some(max) = a.max_sse_p99_ms
        && p99 > max
    {
        println!("{label}FAIL: live updates p99 {p99:.1} ms is over {max} ms");
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::Rng;

    /// The clients' first think times spread over the whole interval: no
    /// burst of every client at one instant.
    #[test]
    fn clients_first_numbers_are_spread() {
        let mut first: Vec<f64> = (0..200).map(|i| Rng::seeded(1, i).next()).collect();
        first.sort_by(f64::total_cmp);
        assert!(first[0] < 0.05 && first[199] > 0.95, "{} .. {}", first[0], first[199]);
        // No tenth of the interval holds more than twice its share.
        for d in 0..10 {
            let n = first.iter().filter(|&&v| (v * 10.0) as usize == d).count();
            assert!(n <= 40, "{n} clients start in tenth {d}");
        }
    }
}
