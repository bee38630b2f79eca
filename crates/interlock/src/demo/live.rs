//! `interlock demo`: the server on loopback with the example site embedded in
//! the binary, a fresh SQLite store (a temporary directory, or `--data DIR`),
//! demo users for the incident's command roles and a scripted incident in
//! progress, written through the one write path (`store::write`: every event
//! checked by the incident's rules against the site and the authority
//! matrix), recorded at times taken from the clock (`INTERLOCK_NOW` fixes it)
//! so the board's countdowns are live. It prints the address and the
//! sign-ins and serves until Ctrl-C. `--check` starts the same, fetches the
//! health check and the incident's board over HTTP as a demo user, prints how
//! long it took to be ready, and stops.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::incident::{
    Body, Category, Context, Digest, Event, Evidence, EvidenceSource, Hypothesis, Incident, Integrity, Note,
    Observation, Opened, Phase, Policy, ProcessState, Proposal, Severity, Situation, Timestamp, first_event,
};
use anyhow::{Context as _, Result, anyhow, bail};
use site_model::{Domain, PhaseWord, Site};
use store::{Access, AnyStore, Log, LogError, NewUser, Store};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::DemoArgs;
use crate::incident::clock::{self, Clock};

/// The demo's users: the incident's command roles, each held in the site model by its person.
const USERS: [(&str, &str); 5] = [
    ("psharma", "it-lead"),
    ("eschmidt", "ot-lead"),
    ("ocarter", "safety-officer"),
    ("tnguyen", "timeline-keeper"),
    ("mgarcia", "incident-commander"),
];

/// The user `--check` reads the board as.
const READER: &str = "tnguyen";

/// The actions the scripted incident leaves waiting for approvals.
const KILL_SESSION: &str = "kill-session pathway:ridgeline/remote-support for containment";
const TAKE_OFFLINE: &str = "take-offline dc-corp-01,dc-corp-02 for containment";

/// The port the demo tries first.
const DEFAULT_PORT: u16 = 8080;

struct Demo {
    id: String,
    title: String,
    /// The pending actions: (proposal number, text, proposer).
    pending: Vec<(u64, &'static str, &'static str)>,
}

struct SignIn {
    username: &'static str,
    role: &'static str,
    password: String,
}

pub(super) fn run(args: &DemoArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let clock = clock::from_env()?;
    let outcome = super::example_site(Some(crate::sitefs::today_utc()));
    let Some(site) = outcome.site else {
        crate::show::diagnostics(&outcome, 50, &mut std::io::stderr().lock())?;
        bail!("the embedded example site does not load");
    };
    if site.authority.is_none() {
        bail!("the embedded example site has no authority matrix");
    }
    let site = Arc::new(site);
    let (dir, _temp) = match &args.data {
        Some(d) => (d.clone(), None),
        None => {
            let t = TempDir::new()?;
            (t.0.clone(), Some(t))
        }
    };
    // The passwords are hashed (argon2id, tens of milliseconds each) while the incident is written.
    let hashing = std::thread::spawn(sign_ins);
    let rt = server::runtime().context("starting the runtime")?;
    rt.block_on(async {
        let store = Arc::new(open_fresh(&dir).await?);
        let demo = script(&store, &site, &*clock).await?;
        let users = hashing.join().map_err(|_| anyhow!("hashing the demo passwords failed"))??;
        add_users(&store, &users, clock.now().micros()).await?;
        let listener = bind(args.addr).await?;
        let bound = listener.local_addr()?;
        let state = server::AppState::new(store.clone(), Some(site.clone()), Arc::new(SystemClock));
        let code = if args.check {
            check(listener, state, bound, &demo, &users, started).await
        } else {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{bound}")?;
            welcome(&mut out, &site, bound, &demo, &users, &dir, args.data.is_none(), started)?;
            out.flush()?;
            drop(out);
            server::serve(listener, state).await.context("serving")?;
            Ok(ExitCode::SUCCESS)
        };
        store.close().await;
        code
    })
}

/// A temporary data directory, removed when the demo ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let base = std::env::temp_dir();
        for _ in 0..10 {
            let name = format!("interlock-demo-{}-{}", std::process::id(), server::auth::random_hex(4)?);
            let dir = base.join(name);
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
            }
        }
        bail!("cannot create a temporary directory in {}", base.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server's clock: the system time (`server::Clock` is Unix microseconds).
struct SystemClock;

impl server::Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A SQLite store in `dir`, which must not hold a store with users or incidents already.
async fn open_fresh(dir: &Path) -> Result<AnyStore> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let store =
        AnyStore::sqlite(dir).await.with_context(|| format!("cannot open the SQLite store in {}", dir.display()))?;
    if !store.users().await?.is_empty() || !store.incidents().await?.is_empty() {
        store.close().await;
        bail!(
            "{} already holds a store with users or incidents: the demo starts from a fresh one (give a new directory, or serve that one with `interlock serve --data {} --site sites/riverbend`)",
            dir.display(),
            dir.display()
        );
    }
    Ok(store)
}

/// A generated password per demo user, and its argon2id hash (hashed in parallel).
fn sign_ins() -> Result<Vec<(SignIn, String)>> {
    let handles: Vec<_> = USERS
        .iter()
        .map(|&(username, role)| {
            std::thread::spawn(move || -> Result<(SignIn, String)> {
                let password = server::auth::random_hex(12)?;
                let hash = server::hash_password(&password)?;
                Ok((SignIn { username, role, password }, hash))
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().map_err(|_| anyhow!("hashing a password failed"))?).collect()
}

/// The users, as `interlock user add` creates them (the incident commander is the administrator).
async fn add_users(store: &AnyStore, users: &[(SignIn, String)], now: i64) -> Result<()> {
    for (u, hash) in users {
        let admin = u.role == "incident-commander";
        store
            .create_user(&NewUser {
                username: u.username.into(),
                person: u.username.into(),
                password_hash: hash.clone(),
                is_admin: admin,
                created_at: now,
            })
            .await
            .with_context(|| format!("adding the demo user {}", u.username))?;
        store
            .log_access(&Access {
                at: now,
                username: String::new(),
                action: "user-added".into(),
                target: u.username.into(),
                outcome: if admin { "admin".into() } else { "ok".into() },
            })
            .await?;
    }
    Ok(())
}

/// `--addr`, or 127.0.0.1:8080 falling back to any free port.
async fn bind(addr: Option<SocketAddr>) -> Result<tokio::net::TcpListener> {
    if let Some(addr) = addr {
        return server::bind(addr).await.with_context(|| format!("cannot listen on {addr}"));
    }
    let preferred = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, DEFAULT_PORT));
    match server::bind(preferred).await {
        Ok(l) => Ok(l),
        Err(_) => {
            let any = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
            server::bind(any).await.context("cannot listen on 127.0.0.1")
        }
    }
}

/// The scripted incident: a Ridgeline vendor session on the engineering
/// workstation outside any work order, then credential abuse against the
/// directory; declared, positions assigned, evidence, a hypothesis, the
/// situation, and two response actions waiting for approvals. Written as the
/// CLI writes it: the first events by `Log::create`, the rest by
/// `store::write`, each checked by the incident's rules.
async fn script(store: &AnyStore, site: &Site, clock: &dyn Clock) -> Result<Demo> {
    let now = clock.now();
    let ago = |minutes: i64| now.plus_micros(-minutes * 60_000_000);
    let version = Digest::parse(site.version()).ok_or_else(|| anyhow!("the site version is not a SHA-256"))?;
    let graph = impact::Graph::compile(site);
    let engine = authority::Engine { site, graph: &graph };
    let matrix = engine.authority()?;
    let av = Digest::parse(&matrix.version).ok_or_else(|| anyhow!("the authority version is not a SHA-256"))?;
    let policy = Policy::default();
    let cx = Context { site, policy: &policy, engine: Some(engine) };

    // 02:10 the session; 02:18 the timeline keeper opens the incident.
    let date = now.to_string();
    let id = format!("INC-{}-1", date.get(..10).unwrap_or("0000-00-00").replace('-', ""));
    let title = "Ridgeline vendor session on ews-01 outside any work order".to_string();
    let opened_at = ago(46);
    let mut log = Log::create(store, cx, &id);
    log.append(|existing| {
        if existing.is_some() {
            return Err(LogError::Exists(id.clone()));
        }
        let opened = Opened {
            title: title.as_str().into(),
            summary: "A remote-support session of Ridgeline Controls reached the engineering workstation ews-01 at night with no open work order or grant; the directory is seeing failed and then successful privileged logons from the same path.".into(),
            category: Category::VendorCompromise,
            severity: Severity::High,
            site_version: version,
        };
        let first = first_event(&id, "tnguyen", opened_at, opened);
        let observation = Event {
            incident: id.as_str().into(),
            seq: 2,
            recorded_at: opened_at,
            actor: "tnguyen".into(),
            body: Body::Observation(Observation {
                text: "RDP session from jump-dmz-01 to ews-01 under the Ridgeline remote-support pathway; plant engineering has no ticket open for Ridgeline this week".into(),
                observed_at: ago(52),
                domain: Some(Domain::Ot),
                assets: boxed(&["ews-01", "jump-dmz-01"]),
            }),
        };
        Ok(vec![first, observation])
    })
    .await
    .map_err(|e| anyhow!("the demo incident was refused: {e}"))?;
    drop(log);

    let w = Writer { store, site, engine, id: &id };
    // The commander declares and staffs the command roles.
    let mut bodies = vec![Body::Declared {
        reason: "unexplained engineering access to the plant from a vendor path, and directory abuse on the IT side"
            .into(),
        site_version: version,
    }];
    for (person, role) in USERS {
        bodies.push(Body::Assigned {
            role: role.into(),
            person: person.into(),
            reason: "on call tonight".into(),
            site_version: version,
        });
    }
    w.put("mgarcia", ago(41), bodies).await?;
    let recording = w
        .put(
            "tnguyen",
            ago(36),
            vec![Body::EvidenceCollected(Evidence {
                title: "Session recording of the jump host, 02:09 to 02:31".into(),
                source: EvidenceSource::SessionRecord,
                sha256: None,
                location: Some("evidence share, case folder of this incident".into()),
                collected_by: "tnguyen".into(),
                collected_at: ago(37),
                assets: boxed(&["jump-dmz-01", "ews-01"]),
                description: Some(
                    "The session signs in to the VPN as rcs_upgrade2019 (the dormant 2019 project account, password only), then opens RDP to ews-01".into(),
                ),
            })],
        )
        .await?;
    let schedule = w
        .put(
            "eschmidt",
            ago(33),
            vec![Body::EvidenceCollected(Evidence {
                title: "Plant engineering's maintenance schedule for the week".into(),
                source: EvidenceSource::MaintenanceSchedule,
                sha256: None,
                location: Some("CMMS export, attached to the case".into()),
                collected_by: "eschmidt".into(),
                collected_at: ago(34),
                assets: boxed(&["ews-01"]),
                description: Some(
                    "No Ridgeline work order or support ticket is open; the last one closed three weeks ago".into(),
                ),
            })],
        )
        .await?;
    w.put(
        "eschmidt",
        ago(30),
        vec![Body::Observation(Observation {
            text: "Studio 5000 was opened on ews-01 during the session; the controllers show no download since the last baseline".into(),
            observed_at: ago(31),
            domain: Some(Domain::Ot),
            assets: boxed(&["ews-01"]),
        })],
    )
    .await?;
    w.put(
        "psharma",
        ago(24),
        vec![Body::Observation(Observation {
            text: "Password spraying from jump-dmz-01 against dc-corp-01 and dc-corp-02, then a successful logon of a domain admin account that is not on call".into(),
            observed_at: ago(27),
            domain: Some(Domain::It),
            assets: boxed(&["dc-corp-01", "dc-corp-02", "jump-dmz-01"]),
        })],
    )
    .await?;
    let dc_logs = w
        .put(
            "psharma",
            ago(22),
            vec![Body::EvidenceCollected(Evidence {
                title: "Security event logs of both domain controllers (4625, 4624, 4672)".into(),
                source: EvidenceSource::Log,
                sha256: None,
                location: Some("SIEM export, attached to the case".into()),
                collected_by: "psharma".into(),
                collected_at: ago(23),
                assets: boxed(&["dc-corp-01", "dc-corp-02"]),
                description: None,
            })],
        )
        .await?;
    w.put(
        "tnguyen",
        ago(18),
        vec![Body::HypothesisProposed(Hypothesis {
            statement: "The attacker came in through the dormant Ridgeline VPN account (no MFA), pivoted through the jump host to ews-01, and is using stolen directory credentials".into(),
            evidence_for: vec![recording, dc_logs],
            evidence_against: vec![schedule],
        })],
    )
    .await?;
    w.put(
        "mgarcia",
        ago(14),
        vec![Body::PhaseChanged {
            phase: Phase::Contain,
            reason: "cut the vendor path and protect the directory".into(),
        }],
    )
    .await?;
    w.put(
        "eschmidt",
        ago(11),
        vec![Body::SituationAssessed(Situation {
            process: None,
            process_state: Some(ProcessState::Stable),
            control: Some(Integrity::InQuestion),
            view: Some(Integrity::Trusted),
            reason: "The plant runs normally from the HMIs, but the engineering workstation was in someone else's hands: control is in question until the PLC logic is compared with the baselines".into(),
            evidence: vec![recording],
        })],
    )
    .await?;
    w.put(
        "ocarter",
        ago(9),
        vec![Body::Note(Note {
            text: "The chlorination safety system is on its own network and no vendor path reaches it; any action that touches it comes to me first".into(),
            domain: Some(Domain::Ot),
        })],
    )
    .await?;
    // Two decisions waiting: the vendor's kill switch (the OT lead decides)
    // and taking the directory offline (IT and OT jointly; safety may veto).
    let mut pending = Vec::new();
    for (who, minutes, text, rationale, evidence) in [
        (
            "psharma",
            2,
            KILL_SESSION,
            "the session uses an account that should not exist; cut it before anything is downloaded to a controller",
            recording,
        ),
        (
            "tnguyen",
            1,
            TAKE_OFFLINE,
            "a domain admin account is in the attacker's hands; stop the directory from handing out tickets",
            dc_logs,
        ),
    ] {
        let assessment = engine.assess(text, PhaseWord::Contain)?;
        let seq = w
            .put(
                who,
                ago(minutes),
                vec![Body::ActionProposed(Proposal {
                    action: assessment.action.clone(),
                    rationale: rationale.into(),
                    evidence: vec![evidence],
                    phase: Phase::Contain,
                    site_version: version,
                    authority_version: av,
                    assessment,
                })],
            )
            .await?;
        pending.push((seq, text, who));
    }
    // The remote-access gateway reported the session when it opened: the
    // vendor access page lists it under "Connected now", unauthorised.
    let line = serde_json::json!({
        "user": "rcs_upgrade2019",
        "source": "198.51.100.23",
        "target": "ews-01",
        "start": ago(56).to_string(),
        "end": null,
        "pathway": "vpn-corp-01 > jump-dmz-01",
        "protocol": "rdp",
    });
    store::sessions::report(store, std::io::Cursor::new(line.to_string()), "psharma", ago(56).micros())
        .await
        .map_err(|e| anyhow!("reporting the demo's vendor session: {e}"))?;
    Ok(Demo { id, title, pending })
}

fn boxed(v: &[&str]) -> Vec<Box<str>> {
    v.iter().map(|s| (*s).into()).collect()
}

/// Appends through `store::write`, with the impact engine and authority matrix at hand.
struct Writer<'a> {
    store: &'a AnyStore,
    site: &'a Site,
    engine: authority::Engine<'a>,
    id: &'a str,
}

impl Writer<'_> {
    /// Appends `bodies` as `actor`'s, recorded at `at`; the number of the first.
    async fn put(&self, actor: &str, at: Timestamp, bodies: Vec<Body>) -> Result<u64> {
        let mut bodies = Some(bodies);
        let written = store::write(self.store, self.site, Some(self.engine), self.id, actor, at, |_: &Incident| {
            bodies.take().ok_or_else(|| anyhow!("the demo's events were already written"))
        })
        .await
        .map_err(|e| anyhow!("the demo incident was refused ({actor}): {e}"))?;
        written.sealed.first().map(|s| s.seq).ok_or_else(|| anyhow!("nothing was written"))
    }
}

/// What `interlock demo` prints after the address line.
#[allow(clippy::too_many_arguments)]
fn welcome(
    out: &mut dyn std::io::Write,
    site: &Site,
    bound: SocketAddr,
    demo: &Demo,
    users: &[(SignIn, String)],
    dir: &Path,
    temporary: bool,
    started: Instant,
) -> Result<()> {
    let base = format!("http://{bound}");
    writeln!(out, "Interlock demo: {} (the example site, embedded in this binary)", site.info.name)?;
    writeln!(out, "ready in {} ms", started.elapsed().as_millis())?;
    writeln!(out)?;
    writeln!(out, "Incident {} in progress: {}", demo.id, demo.title)?;
    for (seq, text, who) in &demo.pending {
        writeln!(out, "  #{seq} {text} (proposed by {who}) is waiting for approvals")?;
    }
    writeln!(out)?;
    writeln!(out, "Sign in at {base}/signin as (demo-only passwords, generated for this run and shown once):")?;
    writeln!(out, "  {:<10} {:<26} ROLE", "USERNAME", "PASSWORD")?;
    for (u, _) in users {
        let role =
            site.role_by_id(u.role).map(|r| site.roles[r.ix()].name.to_string()).unwrap_or_else(|| u.role.into());
        let name = site.person_by_id(u.username).map(|p| site.people[p.ix()].name.to_string()).unwrap_or_default();
        writeln!(out, "  {:<10} {:<26} {role} ({}): {name}", u.username, u.password, u.role)?;
    }
    let (kill, offline) = match demo.pending.as_slice() {
        [k, o, ..] => (k.0, o.0),
        _ => (0, 0),
    };
    writeln!(out)?;
    writeln!(out, "Try:")?;
    writeln!(out, "  1. Open {base}/incidents/{} signed in as tnguyen (the timeline keeper): the status,", demo.id)?;
    writeln!(out, "     the decisions waiting with their impact and required approvals, the timeline.")?;
    writeln!(
        out,
        "  2. In another browser or a private window, sign in as psharma (the IT lead) and approve #{offline}"
    )?;
    writeln!(out, "     (take the domain controllers offline): the first board updates without a reload.")?;
    writeln!(out, "  3. As eschmidt (the OT lead), give the OT approval #{offline} still needs, or decide the vendor")?;
    writeln!(out, "     session's kill switch #{kill}; ocarter (the safety officer) may veto either.")?;
    writeln!(out)?;
    if temporary {
        writeln!(out, "The store is in {} and is removed when the demo stops (--data DIR keeps it).", dir.display())?;
    } else {
        writeln!(out, "The store is in {} and is kept.", dir.display())?;
    }
    writeln!(out, "Ctrl-C stops the demo.")?;
    Ok(())
}

/// `--check`: serves, fetches the health check and the board over HTTP as a
/// demo user, and stops. Success only when every answer is the expected one.
async fn check(
    listener: tokio::net::TcpListener,
    state: server::AppState,
    bound: SocketAddr,
    demo: &Demo,
    users: &[(SignIn, String)],
    started: Instant,
) -> Result<ExitCode> {
    let serving = tokio::spawn(server::serve(listener, state));
    let fetched = tokio::time::timeout(Duration::from_secs(30), fetch_board(bound, demo, users)).await;
    let ready = started.elapsed();
    serving.abort();
    let _ = serving.await;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{bound}")?;
    match fetched {
        Ok(Ok(())) => {
            writeln!(
                out,
                "ready in {} ms: http://{bound} served /healthz and the board of {} to {READER}, with {} actions waiting",
                ready.as_millis(),
                demo.id,
                demo.pending.len()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(e)) => {
            writeln!(out, "not ready after {} ms", ready.as_millis())?;
            Err(e)
        }
        Err(_) => bail!("the server did not answer within 30 s"),
    }
}

async fn fetch_board(addr: SocketAddr, demo: &Demo, users: &[(SignIn, String)]) -> Result<()> {
    let (status, _, body) = http(addr, "GET", "/healthz", &[], "").await?;
    if status != 200 || body.trim() != "ok" {
        bail!("GET /healthz answered {status}: {body}");
    }
    let password = users
        .iter()
        .find(|(u, _)| u.username == READER)
        .map(|(u, _)| u.password.as_str())
        .ok_or_else(|| anyhow!("no demo user {READER}"))?;
    let form = format!("username={READER}&password={password}");
    let (status, head, _) =
        http(addr, "POST", "/signin", &[("Content-Type", "application/x-www-form-urlencoded")], &form).await?;
    let cookie = header(&head, "set-cookie").and_then(|c| c.split(';').next()).map(str::to_string);
    let Some(cookie) = cookie.filter(|_| status == 303) else {
        bail!("signing in as {READER} answered {status}");
    };
    let path = format!("/incidents/{}", demo.id);
    let (status, _, body) = http(addr, "GET", &path, &[("Cookie", &cookie)], "").await?;
    if status != 200 {
        bail!("GET {path} answered {status}");
    }
    for (_, text, _) in &demo.pending {
        let verb = text.split(' ').next().unwrap_or(text);
        if !body.contains(verb) {
            bail!("the board of {} does not show the pending action \"{text}\"", demo.id);
        }
    }
    let path = format!("/api/incidents/{}/actions", demo.id);
    let (status, _, body) = http(addr, "GET", &path, &[("Cookie", &cookie)], "").await?;
    let pending = body.matches("\"status\":\"pending\"").count();
    if status != 200 || pending != demo.pending.len() {
        bail!("GET {path} answered {status} with {pending} pending actions: {body}");
    }
    Ok(())
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// One HTTP/1.1 request on a connection of its own: (status, head, body).
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String, String)> {
    let mut s = tokio::net::TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| anyhow!("{method} {path}: not an HTTP answer"))?;
    let body = if header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, head.to_string(), body))
}

/// A chunked body's data (sizes in hex, each chunk followed by CRLF).
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else { break };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(tail.get(..n).unwrap_or(""));
        rest = tail.get(n..).unwrap_or("").trim_start_matches("\r\n");
    }
    out
}
