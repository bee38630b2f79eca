#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `interlock user add` then `interlock serve` as a real process on a free
//! loopback port: sign in over HTTP, read the incident list and the API with
//! a token, then stop the process. The HTTP client is a few lines of
//! HTTP/1.1 over a TcpStream; every wait is bounded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PASSWORD: &str = "a long enough admin password";

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

fn interlock(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(args)
        .env_remove("INTERLOCK_DATABASE_URL")
        .env_remove("INTERLOCK_SITE")
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
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.take(16 << 20).read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    // Bodies of this server's pages are small; chunked encoding would show its sizes, which the checks below ignore.
    Reply { status, head: head.to_string(), body: body.to_string() }
}

#[test]
fn a_user_signs_in_to_a_running_server_and_reads_the_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let site = site();
    let site = site.to_str().unwrap();

    let out = ok(&interlock(
        &[
            "user",
            "add",
            "--data",
            data,
            "--site",
            site,
            "--username",
            "admin",
            "--person",
            "mgarcia",
            "--admin",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    ));
    assert!(out.contains("user admin"), "{out}");
    // The same username again is refused; a person not in the site model too; so is a short password.
    assert!(
        !interlock(
            &["user", "add", "--data", data, "--username", "admin", "--person", "mgarcia", "--password-stdin"],
            Some(&format!("{PASSWORD}\n"))
        )
        .status
        .success()
    );
    assert!(
        !interlock(
            &[
                "user",
                "add",
                "--data",
                data,
                "--site",
                site,
                "--username",
                "x",
                "--person",
                "nobody",
                "--password-stdin"
            ],
            Some(&format!("{PASSWORD}\n"))
        )
        .status
        .success()
    );
    assert!(
        !interlock(
            &["user", "add", "--data", data, "--username", "y", "--person", "mgarcia", "--password-stdin"],
            Some("short\n")
        )
        .status
        .success()
    );
    // Without --password-stdin a password is generated and shown once.
    let generated = ok(&interlock(&["user", "add", "--data", data, "--username", "ot", "--person", "eschmidt"], None));
    assert!(generated.contains("password: "), "{generated}");
    let list = ok(&interlock(&["user", "list", "--data", data], None));
    assert!(list.contains("admin") && list.contains("mgarcia") && list.contains("yes"), "{list}");
    let token = ok(&interlock(&["user", "token", "--data", data, "--username", "admin", "--name", "ci"], None));
    let token = token.trim().to_string();
    assert!(token.starts_with("ilk_"), "{token}");

    let id = ok(&interlock(
        &[
            "incident",
            "open",
            "--data",
            data,
            "--site",
            site,
            "--as",
            "mgarcia",
            "--title",
            "Vendor session at night",
            "--summary",
            "unscheduled",
            "--declare",
            "--reason",
            "plant-wide",
        ],
        None,
    ));
    let id = id.trim().to_string();

    let child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["serve", "--data", data, "--site", site, "--addr", "127.0.0.1:0"])
        .env_remove("INTERLOCK_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).expect("the server prints its address within a minute");
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_string();

    assert_eq!(http(&addr, "GET", "/healthz", &[], "").status, 200);
    let r = http(&addr, "GET", "/", &[], "");
    assert_eq!((r.status, r.header("location")), (303, Some("/signin")));

    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let wrong = http(&addr, "POST", "/signin", &form, "username=admin&password=wrong+password+entirely");
    assert_eq!(wrong.status, 401);
    let body = format!("username=admin&password={}", PASSWORD.replace(' ', "+"));
    let r = http(&addr, "POST", "/signin", &form, &body);
    assert_eq!(r.status, 303, "{}", r.head);
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();

    let list = http(&addr, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&id) && list.body.contains("Vendor session at night"), "{}", list.body);
    let board = http(&addr, "GET", &format!("/incidents/{id}"), &[("Cookie", &cookie)], "");
    assert_eq!(board.status, 200);
    assert!(board.body.contains("declared the incident: plant-wide"), "{}", board.body);

    let auth = format!("Bearer {token}");
    let api = http(&addr, "GET", "/api/incidents", &[("Authorization", &auth)], "");
    assert_eq!(api.status, 200);
    assert!(api.body.contains(&format!("\"id\":\"{id}\"")), "{}", api.body);
    assert_eq!(http(&addr, "GET", "/api/incidents", &[("Authorization", "Bearer ilk_nope")], "").status, 401);
    // Revoked from the CLI (the running server asks the store on every request): refused at once.
    ok(&interlock(&["user", "revoke", "--data", data, "--username", "admin", "--token", "ci"], None));
    assert_eq!(http(&addr, "GET", "/api/incidents", &[("Authorization", &auth)], "").status, 401);
    assert!(
        !interlock(&["user", "revoke", "--data", data, "--username", "admin", "--token", "ci"], None).status.success()
    );
    let js = http(&addr, "GET", "/assets/htmx.min.js", &[], "");
    assert_eq!(js.status, 200);
    assert!(js.header("cache-control").unwrap().contains("max-age=31536000"));

    // The served document is what --print-openapi prints.
    let printed = ok(&interlock(&["serve", "--print-openapi"], None));
    let served = http(&addr, "GET", "/api/openapi.json", &[], "");
    assert_eq!(served.status, 200);
    assert!(served.body.contains("\"openapi\": \"3.1.0\""));
    assert!(printed.contains("\"/api/incidents/{id}\""));

    drop(server);
}

/// `interlock ARGS` with the example site and the store `db`; stdout.
fn cli(db: &[String], args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
    cmd.args(args)
        .args(db)
        .env_remove("INTERLOCK_DATABASE_URL")
        .env("INTERLOCK_SITE", site())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    ok(&child.wait_with_output().unwrap())
}

/// Starts `interlock serve` on a free port: the server and its address.
fn start(db: &[String]) -> (Server, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(db)
        .env_remove("INTERLOCK_DATABASE_URL")
        .env("INTERLOCK_SITE", site())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).expect("the server prints its address within a minute");
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_string();
    (server, addr)
}

/// An open event stream: a connection reading `id:` lines. Every read is bounded.
struct Stream(BufReader<TcpStream>);

impl Stream {
    fn open(addr: &str, id: &str, token: &str, last: Option<u64>) -> Stream {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!(
            "GET /api/incidents/{id}/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
        );
        if let Some(n) = last {
            req.push_str(&format!("Last-Event-ID: {n}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut r = BufReader::new(s);
        let mut status = String::new();
        r.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
        }
        Stream(r)
    }

    /// Reads to the end of the stream (the connection closing, or the last
    /// chunk of the chunked body), bounded by the read timeout; no event past `last` may come.
    fn ends(&mut self, last: u64) {
        let start = std::time::Instant::now();
        loop {
            let mut line = String::new();
            if self.0.read_line(&mut line).expect("the stream ends within 30 s") == 0 || line == "0\r\n" {
                // At once: not at the next periodic check of the credential (a minute).
                assert!(start.elapsed() < Duration::from_secs(10), "ended only after {:?}", start.elapsed());
                return;
            }
            if let Some(id) = line.trim().strip_prefix("id:") {
                assert!(id.trim().parse::<u64>().unwrap() <= last, "no event after the revocation: {line}");
            }
        }
    }

    /// The ids of the events received until `n` (included).
    fn until(&mut self, n: u64) -> Vec<u64> {
        let mut ids = Vec::new();
        loop {
            let mut line = String::new();
            let read = self.0.read_line(&mut line).expect("an event within 30 s");
            assert!(read > 0, "the stream ended before event {n}: {ids:?}");
            if let Some(id) = line.trim().strip_prefix("id:") {
                let id: u64 = id.trim().parse().unwrap();
                ids.push(id);
                if id >= n {
                    return ids;
                }
            }
        }
    }
}

fn token_of(db: &[String], user: &str) -> String {
    cli(db, &["user", "token", "--username", user, "--name", "t"], None).trim().to_string()
}

/// Users, an incident in the contain phase, and `servers` servers on the
/// store `db`: a proposal through the API of the first, refused and given
/// approvals through the last, each event streamed to the subscribers of
/// every server, and a reconnection that catches up.
fn action_workflow_across(db: &[String], servers: usize) {
    for u in ["mgarcia", "tnguyen", "psharma", "eschmidt", "kpowell"] {
        cli(db, &["user", "add", "--username", u, "--person", u, "--password-stdin"], Some(&format!("{PASSWORD}\n")));
    }
    let [t, p, e, k] = ["tnguyen", "psharma", "eschmidt", "kpowell"].map(|u| token_of(db, u));
    let id = cli(
        db,
        &[
            "incident",
            "open",
            "--as",
            "mgarcia",
            "--title",
            "Directory abuse",
            "--summary",
            "x",
            "--declare",
            "--reason",
            "y",
        ],
        None,
    );
    let id = id.trim().to_string();
    cli(db, &["incident", "status", &id, "--as", "mgarcia", "--phase", "contain", "--reason", "contain"], None);
    let started: Vec<(Server, String)> = (0..servers).map(|_| start(db)).collect();
    let first = &started[0].1;
    let last = &started[servers - 1].1;
    let mut streams: Vec<Stream> = started.iter().map(|(_, a)| Stream::open(a, &id, &k, None)).collect();

    let json = [("Content-Type", "application/json")];
    let bearer = |t: &str| format!("Bearer {t}");
    let body =
        r#"{"action": "take-offline dc-corp-01,dc-corp-02 for containment", "rationale": "stolen admin credentials"}"#;
    let r =
        http(first, "POST", &format!("/api/incidents/{id}/actions"), &[json[0], ("Authorization", &bearer(&t))], body);
    assert_eq!(r.status, 201, "{}", r.body);
    let n: u64 = r.body.split("\"seq\":").nth(1).unwrap().split(',').next().unwrap().trim().parse().unwrap();
    for s in &mut streams {
        assert_eq!(s.until(n), vec![n]);
    }
    let approve = format!("/api/incidents/{id}/actions/{n}/approve");
    let r = http(last, "POST", &approve, &[json[0], ("Authorization", &bearer(&k))], r#"{"rationale": "fine"}"#);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("may not approve this action"), "{}", r.body);
    let r = http(last, "GET", &format!("/api/incidents/{id}/actions"), &[("Authorization", &bearer(&p))], "");
    assert!(r.body.contains("\"status\":\"pending\"") && r.body.contains("\"you_may_decide\":true"), "{}", r.body);
    for (who, why) in [(&p, "IT agrees"), (&e, "OT agrees")] {
        let r = http(
            last,
            "POST",
            &approve,
            &[json[0], ("Authorization", &bearer(who))],
            &format!("{{\"rationale\": \"{why}\"}}"),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for s in &mut streams {
        assert_eq!(s.until(n + 2), vec![n + 1, n + 2], "the refusal wrote nothing; both approvals arrive");
    }
    // An append by the CLI reaches the servers' subscribers too (on PostgreSQL, by NOTIFY).
    if servers > 1 {
        cli(db, &["incident", "note", &id, "bridge call at 09:00", "--as", "mgarcia"], None);
        for s in &mut streams {
            assert_eq!(s.until(n + 3), vec![n + 3]);
        }
    }
    // A reconnection with the last event seen gets the later ones from the store.
    let mut again = Stream::open(first, &id, &k, Some(n));
    assert_eq!(again.until(n + 2), vec![n + 1, n + 2]);
    // Revoking the token ends its open streams on every server at once, with
    // nothing appended: by the CLI in another process, on PostgreSQL (NOTIFY);
    // through the server's API on the one SQLite server.
    if servers > 1 {
        cli(db, &["user", "revoke", "--username", "kpowell", "--token", "t"], None);
    } else {
        let r = http(first, "POST", "/api/users/kpowell/tokens/t/revoke", &[("Authorization", &bearer(&k))], "");
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let before = if servers > 1 { n + 3 } else { n + 2 };
    for s in streams.iter_mut().chain([&mut again]) {
        s.ends(before);
    }
    drop(started);
}

#[test]
fn the_action_workflow_over_http_with_live_events() {
    let dir = tempfile::tempdir().unwrap();
    let db = vec!["--data".to_string(), dir.path().join("data").display().to_string()];
    action_workflow_across(&db, 1);
}

#[test]
fn events_appended_through_one_server_reach_the_subscribers_of_another_on_postgresql() {
    let Some(admin) = store::pg::test_server("serve_cli: two servers on PostgreSQL").unwrap_or_else(|e| panic!("{e}"))
    else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let scratch = rt.block_on(store::pg::ScratchDb::create(&admin, "serve")).unwrap();
    let db = vec!["--database-url".to_string(), scratch.url.clone()];
    action_workflow_across(&db, 2);
    rt.block_on(scratch.drop_db()).unwrap();
}
