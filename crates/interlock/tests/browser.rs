#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The board in a real browser: headless Chromium driven over WebDriver by
//! chromedriver, against `interlock serve` running as a process on a free
//! loopback port over a temporary SQLite store and the example site.
//!
//! Two WebDriver sessions are two browsers (a user-data-dir each, so two
//! cookie jars): tnguyen signs in through the form, opens the board from the
//! incident list and proposes an action through the propose form, then sees
//! its impact and the approvals it needs with who holds them; psharma, after a
//! wrong password that shows the error and no board, signs in and approves it
//! through the approve form; tnguyen's page, never reloaded (a marker set on
//! `window` is still there), shows the approval within a bounded wait, by the
//! board's Server-Sent Events.
//!
//! Without Chromium or chromedriver (found on PATH, or named by
//! `INTERLOCK_CHROMIUM` and `INTERLOCK_CHROMEDRIVER`) the test prints a loud
//! SKIPPED line and passes, unless `INTERLOCK_REQUIRE_CHROMIUM=1` (CI sets it),
//! when it fails. Every process it starts is killed when it ends, however it
//! ends; every wait has a deadline, and polls in short steps rather than sleeps.
//!
//! The driver crate is fantoccini (WebDriver, through chromedriver), with its
//! default features off: chromedriver answers on loopback in plain HTTP, so no
//! TLS stack is built (no openssl, no rustls); its HTTP client is hyper 1 and
//! hyper-util, already in the workspace for the server. Measured on this
//! project's two-core machine: fantoccini's whole dependency tree built from
//! nothing is 129 units and about 40 s of CPU; the 30 crates it adds to this
//! workspace (webdriver, cookie, time, http 0.2, icu_segmenter 1.5 and their
//! derives) are about a third of that. chromiumoxide, which speaks the
//! DevTools protocol itself, was not chosen: its generated protocol crate
//! alone (chromiumoxide_cdp 0.9: 111,000 lines, 5 MB of generated Rust with
//! serde derives on every type) would by its size cost more than fantoccini's
//! whole tree (reasoned, not measured), and it brings a websocket stack on
//! top, for nothing these tests need.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password for the board";

/// How long a page may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(10);
/// The whole browser part: past this the test fails rather than hangs.
const WHOLE: Duration = Duration::from_secs(180);

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

/// The first of `names` found as an executable file on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| std::env::split_paths(&path).map(|d| d.join(n)).find(|p| p.is_file()))
}

/// The browser and the driver: from the environment, else from PATH.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium = match std::env::var_os("INTERLOCK_CHROMIUM") {
        Some(p) => Some(PathBuf::from(p)),
        None => on_path(&["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]),
    };
    let driver = match std::env::var_os("INTERLOCK_CHROMEDRIVER") {
        Some(p) => Some(PathBuf::from(p)),
        None => on_path(&["chromedriver"]),
    };
    match (chromium, driver) {
        (Some(c), Some(d)) if c.is_file() && d.is_file() => Ok((c, d)),
        (c, d) => Err(format!("chromium: {c:?}, chromedriver: {d:?}")),
    }
}

/// `interlock ARGS` on the store `data` with the example site; stdout, or a failure with both streams.
fn interlock(data: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("INTERLOCK_DATABASE_URL")
        .env_remove("INTERLOCK_USER")
        .env("INTERLOCK_SITE", site())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let o: Output = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "interlock {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The processes the test started. Dropped, however the test ends, it kills
/// them: chromedriver with its whole process group (the browsers it started
/// are in it), and the server.
#[derive(Default)]
struct Processes {
    children: Vec<(Child, bool)>,
}

impl Processes {
    /// Keeps `child`; `group`: it leads a process group of its own, killed with it.
    fn keep(&mut self, child: Child, group: bool) -> &mut Child {
        self.children.push((child, group));
        &mut self.children.last_mut().unwrap().0
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (child, group) in self.children.iter_mut().rev() {
            if *group {
                // The group's id is the leader's pid: this kills the driver and the browsers it started.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .stderr(Stdio::null())
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts chromedriver on a free loopback port and waits (bounded) until it answers; its address.
fn start_driver(procs: &mut Processes, driver: &Path) -> String {
    use std::os::unix::process::CommandExt;
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", driver.display()));
    let child = procs.keep(child, true);
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("chromedriver exited at start: {status}");
        }
        if driver_ready(&addr) {
            return format!("http://{addr}");
        }
        assert!(Instant::now() < deadline, "chromedriver did not answer on {addr} within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// chromedriver's `GET /status` says it is ready.
fn driver_ready(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(format!("GET /status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut s, &mut text);
    text.starts_with("HTTP/1.1 200") && text.replace(' ', "").contains("\"ready\":true")
}

/// Starts `interlock serve` on a free port; its base URL.
fn start_server(procs: &mut Processes, data: &Path) -> String {
    let child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["serve", "--addr", "127.0.0.1:0", "--site"])
        .arg(site())
        .arg("--data")
        .arg(data)
        .env_remove("INTERLOCK_DATABASE_URL")
        .env_remove("INTERLOCK_SITE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let child = procs.keep(child, false);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).expect("the server prints its address within a minute");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));
    url.to_string()
}

/// A new browser: headless Chromium with a profile of its own (its own cookies).
async fn browser(driver: &str, chromium: &Path, profile: &Path) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "timeouts": { "pageLoad": 30_000, "script": 10_000, "implicit": 0 },
    });
    let Value::Object(caps) = caps else { unreachable!() };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(driver)
        .await
        .unwrap_or_else(|e| panic!("a Chromium session through {driver}: {e}"))
}

/// Evaluates `script` (a function body: `return ...`) in the page.
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Polls `script` until it returns `true`, for at most `WAIT`; on timeout,
/// fails with `what` and the page's text.
async fn wait_until(c: &Client, what: &str, script: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if js(c, script).await == Value::Bool(true) {
            return;
        }
        if Instant::now() >= deadline {
            let text = js(c, "return document.body ? document.body.innerText : ''").await;
            panic!("within {WAIT:?}: {what}\nthe page shows:\n{}", text.as_str().unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills in and sends the sign-in form.
async fn sign_in(c: &Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/signin")).await.unwrap();
    c.find(Locator::Css("form.signin input[name=username]")).await.unwrap().send_keys(user).await.unwrap();
    c.find(Locator::Css("form.signin input[name=password]")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("form.signin button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// The script's text with `ACTION` replaced by the action's text as a JS string.
fn in_action(script: &str, action: &str) -> String {
    script.replace("ACTION", &Value::String(action.to_string()).to_string())
}

/// Finds the article of the pending action whose text is ACTION (`a`), or null.
const FIND_ACTION: &str = "var a = Array.from(document.querySelectorAll('#board article.action')).find(function (x) { \
    var t = x.querySelector('h3 .mono'); return t && t.textContent.trim() === ACTION; }) || null;";

#[test]
fn two_users_in_two_browsers_propose_and_approve_and_the_board_updates_live() {
    let (chromium, driver) = match tools() {
        Ok(t) => t,
        Err(why) => {
            if std::env::var("INTERLOCK_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
                panic!("INTERLOCK_REQUIRE_CHROMIUM=1 but Chromium/chromedriver not available ({why})");
            }
            // Written to the process's stderr directly: the test harness does not capture it, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: Chromium/chromedriver not available ({why}): the browser tests did not run. Install the \
                 Debian packages chromium and chromium-driver, or set INTERLOCK_CHROMIUM and INTERLOCK_CHROMEDRIVER."
            );
            return;
        }
    };
    // Declared first, dropped last: the processes are killed before their files go.
    let dir = tempfile::tempdir().unwrap();
    let mut procs = Processes::default();
    let data = dir.path().join("data");

    for u in ["tnguyen", "psharma", "eschmidt"] {
        interlock(
            &data,
            &["user", "add", "--username", u, "--person", u, "--password-stdin"],
            Some(&format!("{PASSWORD}\n")),
        );
    }
    let id = interlock(
        &data,
        &[
            "incident",
            "open",
            "--as",
            "mgarcia",
            "--title",
            "Directory credential abuse",
            "--summary",
            "stolen admin credentials used against the domain controllers",
            "--declare",
            "--reason",
            "plant-wide exposure",
        ],
        None,
    );
    let id = id.trim().to_string();
    interlock(
        &data,
        &["incident", "status", &id, "--as", "mgarcia", "--phase", "contain", "--reason", "contain"],
        None,
    );
    interlock(
        &data,
        &["incident", "assign", &id, "timeline-keeper", "tnguyen", "--as", "mgarcia", "--reason", "keeps the timeline"],
        None,
    );

    let base = start_server(&mut procs, &data);
    let driver_url = start_driver(&mut procs, &driver);
    let started = Instant::now();

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        tokio::time::timeout(WHOLE, run(&base, &driver_url, &chromium, dir.path(), &id))
            .await
            .unwrap_or_else(|_| panic!("the browser test did not finish within {WHOLE:?}"));
    });
    eprintln!("browser test: {:.1} s in the browsers", started.elapsed().as_secs_f64());
    drop(procs);
}

async fn run(base: &str, driver: &str, chromium: &Path, tmp: &Path, id: &str) {
    let action = "take-offline dc-corp-01,dc-corp-02";
    let a = browser(driver, chromium, &tmp.join("profile-a")).await;
    let b = browser(driver, chromium, &tmp.join("profile-b")).await;

    // 1. tnguyen signs in, opens the board from the list and proposes the action.
    sign_in(&a, base, "tnguyen", PASSWORD).await;
    wait_until(
        &a,
        "the incident list after signing in",
        &format!("return location.pathname === '/' && !!document.querySelector('a[href=\"/incidents/{id}\"]');"),
    )
    .await;
    a.find(Locator::Css(&format!("a[href=\"/incidents/{id}\"]"))).await.unwrap().click().await.unwrap();
    wait_until(&a, "the board", "return !!document.querySelector('#board form.propose');").await;
    // The board's script is loaded (deferred) and has subscribed before anything is proposed.
    wait_until(&a, "htmx loaded", "return !!window.htmx;").await;
    a.find(Locator::Css("#board form.propose input[name=action]")).await.unwrap().send_keys(action).await.unwrap();
    a.find(Locator::Css("#board form.propose input[name=rationale]"))
        .await
        .unwrap()
        .send_keys("stolen domain admin credentials in use")
        .await
        .unwrap();
    a.find(Locator::Css("#board form.propose button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(
        &a,
        "the proposed action on the board",
        &in_action(&format!("{FIND_ACTION} return a !== null;"), action),
    )
    .await;
    // Its impact, verdict and the approvals it needs, with who holds each role.
    let shown = js(
        &a,
        &in_action(
            &format!(
                "{FIND_ACTION} return {{
                    impact: Array.from(a.querySelectorAll('ul.impact li')).map(function (l) {{ return l.textContent.trim(); }}),
                    verdict: a.querySelector('.verdict').textContent.trim(),
                    approvals: Array.from(a.querySelectorAll('table.approvals tbody tr')).map(function (r) {{ return r.innerText; }}),
                    proposer: a.querySelector('p.muted').textContent,
                    path: location.pathname,
                }};"
            ),
            action,
        ),
    )
    .await;
    let impact = shown["impact"].as_array().unwrap();
    assert!(!impact.is_empty(), "an impact summary: {shown:#}");
    assert!(impact.iter().any(|l| l.as_str().unwrap().contains("dc-corp")), "the impact names the servers: {shown:#}");
    assert_eq!(shown["verdict"], "safe-with-measures", "{shown:#}");
    let approvals = shown["approvals"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect::<Vec<_>>();
    let all = approvals.join("\n");
    for needed in ["it-lead", "ot-lead", "Priya Sharma", "Erik Schmidt"] {
        assert!(all.contains(needed), "the approvals required name {needed}: {all}");
    }
    assert!(all.contains("nobody yet"), "{all}");
    assert!(shown["proposer"].as_str().unwrap().contains("Thanh Nguyen"), "{shown:#}");
    assert_eq!(shown["path"], format!("/incidents/{id}"));
    // From here on, the page must not be reloaded or left: the marker would be gone.
    js(&a, "window.__marker = 1; return null;").await;

    // 2. psharma, in the other browser: a wrong password shows the error and no board.
    sign_in(&b, base, "psharma", "not the password at all").await;
    wait_until(
        &b,
        "the sign-in error",
        "var e = document.querySelector('.error[role=alert]'); \
         return !!e && e.textContent.indexOf('Wrong username or password') >= 0;",
    )
    .await;
    let wrong = js(
        &b,
        "return { board: !!document.querySelector('#board'), form: !!document.querySelector('form.signin'), \
         path: location.pathname };",
    )
    .await;
    assert_eq!(wrong, json!({ "board": false, "form": true, "path": "/signin" }), "no board after a wrong password");
    assert!(b.get_all_cookies().await.unwrap().iter().all(|c| c.name() != "interlock_session"), "no session");
    b.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    wait_until(&b, "signed out: back at the sign-in form", "return location.pathname === '/signin';").await;

    // Then the right password, the board, and the approve form.
    sign_in(&b, base, "psharma", PASSWORD).await;
    wait_until(&b, "the incident list", "return location.pathname === '/';").await;
    b.goto(&format!("{base}/incidents/{id}")).await.unwrap();
    wait_until(
        &b,
        "the approve form",
        &in_action(&format!("{FIND_ACTION} return !!a && !!a.querySelector('form[action$=\"/approve\"]');"), action),
    )
    .await;
    let form = b
        .find(Locator::XPath(&format!(
            "//article[contains(@class,'action')][.//h3//*[normalize-space(.)='{action}']]//form[contains(@action,'/approve')]"
        )))
        .await
        .unwrap();
    form.find(Locator::Css("input[name=rationale]")).await.unwrap().send_keys("IT agrees: isolate them").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(
        &b,
        "psharma's approval on her own board",
        &in_action(
            &format!("{FIND_ACTION} return !!a && a.textContent.indexOf('Approved by Priya Sharma') >= 0;"),
            action,
        ),
    )
    .await;

    // 3. tnguyen's page, untouched, shows the approval by itself.
    wait_until(
        &a,
        "psharma's approval on tnguyen's board, without a reload",
        &in_action(
            &format!(
                "{FIND_ACTION} return window.__marker === 1 && !!a && \
                 Array.from(a.querySelectorAll('p.voice')).some(function (p) {{ \
                   return p.textContent.indexOf('Approved by Priya Sharma') >= 0 \
                     && p.textContent.indexOf('IT agrees: isolate them') >= 0; }});"
            ),
            action,
        ),
    )
    .await;
    let after = js(
        &a,
        &in_action(
            &format!(
                "{FIND_ACTION} return {{ marker: window.__marker, path: location.pathname, \
                 given: Array.from(a.querySelectorAll('table.approvals tbody tr')).map(function (r) {{ return r.innerText; }}).join('\\n') }};"
            ),
            action,
        ),
    )
    .await;
    assert_eq!(after["marker"], 1, "the same page, never reloaded: {after:#}");
    assert_eq!(after["path"], format!("/incidents/{id}"));
    assert!(after["given"].as_str().unwrap().contains("psharma"), "the it-lead row counts psharma: {after:#}");

    a.close().await.unwrap();
    b.close().await.unwrap();
}
