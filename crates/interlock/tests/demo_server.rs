#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `interlock demo` as a real process on a free loopback port: the sign-ins
//! it prints work, the timeline keeper sees the scripted incident and its
//! decisions waiting, and the IT lead approves one through the API. And
//! `interlock demo --check` starts, answers and stops by itself. The HTTP
//! client is a few lines of HTTP/1.1 over a TcpStream; every wait is bounded.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the demo when the test ends, however it ends.
struct Demo(Child);

impl Drop for Demo {
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
    Reply { status, head: head.to_string(), body: body.to_string() }
}

/// Signs in with a password: the session cookie and the page's CSRF token.
fn sign_in(addr: &str, username: &str, password: &str) -> (String, String) {
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = http(addr, "POST", "/signin", &form, &format!("username={username}&password={password}"));
    assert_eq!(r.status, 303, "signing in as {username}: {}", r.body);
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let page = http(addr, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(page.status, 200);
    let csrf = page.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    (cookie, csrf)
}

/// The action numbers of the pending actions, by their verb, from the demo's lines
/// "  #N TEXT (proposed by WHO) is waiting for approvals".
fn pending(lines: &[String]) -> BTreeMap<String, u64> {
    lines
        .iter()
        .filter(|l| l.contains("is waiting for approvals"))
        .map(|l| {
            let (n, text) = l.trim().strip_prefix('#').unwrap().split_once(' ').unwrap();
            (text.split(' ').next().unwrap().to_string(), n.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_demo_serves_its_incident_to_the_users_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["demo", "--addr", "127.0.0.1:0", "--data", data.to_str().unwrap()])
        .env_remove("INTERLOCK_NOW")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut demo = Demo(child);
    let stdout = demo.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let last = line.starts_with("Ctrl-C");
            if tx.send(line).is_err() || last {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while lines.last().is_none_or(|l: &String| !l.starts_with("Ctrl-C")) {
        lines.push(rx.recv_timeout(Duration::from_secs(60)).expect("the demo prints its sign-ins within a minute"));
    }
    eprintln!("the demo printed its sign-ins {} ms after it was started", started.elapsed().as_millis());
    let addr = lines[0].strip_prefix("listening on http://").unwrap_or_else(|| panic!("{lines:?}")).to_string();
    assert!(lines.iter().any(|l| l.starts_with("ready in ")), "{lines:?}");

    // The sign-ins: username, password, role.
    let users: BTreeMap<String, (String, String)> = lines
        .iter()
        .skip_while(|l| !l.trim_start().starts_with("USERNAME"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let mut w = l.split_whitespace();
            let (u, p) = (w.next().unwrap().to_string(), w.next().unwrap().to_string());
            (u, (p, l.to_string()))
        })
        .collect();
    for (user, role) in [
        ("psharma", "it-lead"),
        ("eschmidt", "ot-lead"),
        ("ocarter", "safety-officer"),
        ("tnguyen", "timeline-keeper"),
        ("mgarcia", "incident-commander"),
    ] {
        let (password, line) = users.get(user).unwrap_or_else(|| panic!("no sign-in for {user}: {lines:?}"));
        assert!(password.len() >= 12 && line.contains(role), "{line}");
    }
    let actions = pending(&lines);
    let (kill, offline) = (actions["kill-session"], actions["take-offline"]);

    // The timeline keeper: the incident list and the board with the decisions waiting.
    let (t_cookie, _) = sign_in(&addr, "tnguyen", &users["tnguyen"].0);
    let list = http(&addr, "GET", "/", &[("Cookie", &t_cookie)], "");
    let id = list.body.split("/incidents/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(list.body.contains("Ridgeline vendor session on ews-01"), "{}", list.body);
    let board = http(&addr, "GET", &format!("/incidents/{id}"), &[("Cookie", &t_cookie)], "");
    assert_eq!(board.status, 200);
    for text in [
        "Decisions waiting",
        "kill-session pathway:ridgeline/remote-support",
        "take-offline dc-corp-01,dc-corp-02",
        "Escalates to",
        "Control integrity",
    ] {
        assert!(board.body.contains(text), "the board lacks {text:?}: {}", board.body);
    }
    // The vendor's session, as the gateway reported it: connected now, unauthorised, with its kill switch.
    let vendors = http(&addr, "GET", &format!("/incidents/{id}/vendors"), &[("Cookie", &t_cookie)], "");
    assert_eq!(vendors.status, 200);
    let connected = &vendors.body[vendors.body.find("Connected now").unwrap()..];
    assert!(connected.contains("rcs_upgrade2019") && connected.contains("unauthorised"), "{connected}");
    assert!(connected.contains("revoke-vendor-access pathway:ridgeline/"), "{connected}");
    let r = http(&addr, "GET", &format!("/api/incidents/{id}/actions"), &[("Cookie", &t_cookie)], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.matches("\"status\":\"pending\"").count(), 2, "{}", r.body);
    let r = http(&addr, "GET", &format!("/api/incidents/{id}"), &[("Cookie", &t_cookie)], "");
    assert!(r.body.contains("\"phase\":\"contain\""), "{}", r.body);
    for kind in ["observation", "evidence", "hypothesis", "situation", "assigned", "action-proposed"] {
        assert!(r.body.contains(&format!("\"kind\":\"{kind}\"")), "the timeline lacks {kind}: {}", r.body);
    }

    // The IT lead approves taking the directory offline through the API (session + CSRF);
    // the vendor's kill switch is the OT lead's, so the IT lead's approval of it is refused.
    let (p_cookie, p_csrf) = sign_in(&addr, "psharma", &users["psharma"].0);
    let headers =
        [("Cookie", p_cookie.as_str()), ("X-CSRF-Token", p_csrf.as_str()), ("Content-Type", "application/json")];
    let approve = |n: u64| format!("/api/incidents/{id}/actions/{n}/approve");
    let body = r#"{"rationale": "the directory can be rebuilt; the plant keeps its local logons"}"#;
    let r = http(&addr, "POST", &approve(kill), &headers, body);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = http(&addr, "POST", &approve(offline), &headers, body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("psharma"), "{}", r.body);
    let board = http(&addr, "GET", &format!("/incidents/{id}"), &[("Cookie", &t_cookie)], "");
    assert!(board.body.contains("Priya Sharma"), "{}", board.body);
    let r = http(&addr, "GET", &format!("/api/incidents/{id}/actions"), &[("Cookie", &t_cookie)], "");
    assert_eq!(r.body.matches("\"status\":\"pending\"").count(), 2, "still waiting for the OT lead: {}", r.body);
    drop(demo);

    // The store is kept in --data, and a second demo there refuses to start over it.
    assert!(data.join("interlock.db").exists());
    let again = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["demo", "--check", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("fresh"), "{}", String::from_utf8_lossy(&again.stderr));
}

#[test]
fn the_demo_check_starts_answers_and_stops() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_interlock"))
        .args(["demo", "--check", "--addr", "127.0.0.1:0"])
        .env_remove("INTERLOCK_NOW")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("listening on http://127.0.0.1:"), "{stdout}");
    let ready = stdout.lines().find_map(|l| l.strip_prefix("ready in ")).unwrap_or_else(|| panic!("{stdout}"));
    let ms: u64 = ready.split(' ').next().unwrap().parse().unwrap();
    // Tests run unoptimised builds; the 2 s budget is for the release build (`.ci/run` runs it).
    eprintln!("demo --check (debug build): ready in {ms} ms, exited after {} ms", started.elapsed().as_millis());
    assert!(stdout.contains("served /healthz and the board of INC-"), "{stdout}");
}
