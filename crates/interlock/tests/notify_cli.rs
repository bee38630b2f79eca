#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `interlock notify test|log|check` and `update publish --notify-config`
//! against receivers started on loopback (the mocks of
//! crates/notify/tests/support): what arrives, the retries, the delivery log
//! in the store, and the audience filter.

#[path = "../../notify/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{HttpReceiver, Reply, SmtpReceiver};

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sites/riverbend")
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli { dir: tempfile::tempdir().unwrap() }
    }

    /// Writes a config with a few milliseconds of back-off and `channels`.
    fn config(&self, attempts: u32, channels: &str) -> PathBuf {
        let path = self.dir.path().join("notify.toml");
        let text = format!(
            "link = \"https://interlock.example.org/incidents/{{incident}}\"\n\n[retry]\nattempts = {attempts}\ninitial_backoff_ms = 1\nmax_backoff_ms = 5\ntimeout_ms = 5000\n\n{channels}"
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, minute: u32, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
        cmd.args(args);
        if args.get(1) != Some(&"check") {
            cmd.arg("--data").arg(self.dir.path().join("data"));
        }
        let now = format!("2026-11-26T09:{minute:02}:00-06:00");
        cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", "mgarcia").env("INTERLOCK_NOW", now);
        cmd.env("HOOK_TOKEN", "t0ken");
        cmd.env_remove("INTERLOCK_DATABASE_URL").env_remove("INTERLOCK_NOTIFY_CONFIG");
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, minute: u32, args: &[&str]) -> String {
        let (code, out, err) = self.run(minute, args);
        assert_eq!(code, 0, "interlock {args:?}: {out}{err}");
        out
    }

    fn log(&self) -> Vec<Value> {
        let out = self.ok(30, &["notify", "log", "--json"]);
        serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
    }
}

fn channel(id: &str, kind: &str, url: &str, extra: &str) -> String {
    format!("[[channel]]\nid = \"{id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\n{extra}\n")
}

fn email(id: &str, server: &str, extra: &str) -> String {
    format!(
        "[[channel]]\nid = \"{id}\"\nkind = \"email\"\nsmtp = \"{server}\"\nfrom = \"Interlock <interlock@riverbend.example>\"\nto = [\"ops@riverbend.example\"]\n{extra}\n"
    )
}

#[test]
fn notify_test_reaches_every_channel_and_logs_each_attempt() {
    let c = Cli::new();
    let hook = HttpReceiver::ok();
    let slack = HttpReceiver::start(vec![Reply::status(500), Reply::retry_after(503, "0")], Reply::status(200));
    let teams = HttpReceiver::ok();
    let smtp = SmtpReceiver::start();
    let cfg = c.config(
        5,
        &[
            channel("hook", "webhook", &hook.url("/in"), "token_env = \"HOOK_TOKEN\""),
            channel("slack", "slack", &slack.url("/services/x"), ""),
            channel("teams", "teams", &teams.url("/wf"), ""),
            email("mail", &smtp.server(), ""),
        ]
        .concat(),
    );
    let cfg = cfg.to_str().unwrap();
    let out = c.ok(10, &["notify", "test", "--notify-config", cfg]);
    assert!(out.contains("hook (webhook): delivered after 1 attempt\n"), "{out}");
    assert!(out.contains("slack (slack): delivered after 3 attempts\n"), "{out}");
    assert!(out.contains("teams (teams): delivered after 1 attempt\n"), "{out}");
    assert!(out.contains("mail (email): delivered after 1 attempt\n"), "{out}");

    let r = &hook.requests()[0];
    assert_eq!(r.header("authorization"), Some("Bearer t0ken"));
    let v = r.json();
    assert_eq!((v["kind"].as_str(), v["incident"].is_null()), (Some("test"), true));
    assert_eq!(v["subject"], "Interlock: test notification");
    assert!(v["text"].as_str().unwrap().contains("sent by mgarcia"));
    assert_eq!(slack.requests().len(), 3);
    assert_eq!(slack.requests()[2].json()["text"], "Interlock: test notification");
    assert_eq!(teams.requests()[0].json()["attachments"][0]["content"]["type"], "AdaptiveCard");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].data.contains("Subject: Interlock: test notification\r\n"), "{}", mails[0].data);
    assert!(mails[0].data.contains("This is a test of Interlock's notification channels"), "{}", mails[0].data);

    let log = c.log();
    assert_eq!(log.len(), 4);
    let slack_log = log.iter().find(|d| d["channel"] == "slack").unwrap();
    assert_eq!(slack_log["delivered"], true);
    let attempts = slack_log["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0]["outcome"]["status"], 500);
    assert_eq!(attempts[1]["outcome"]["status"], 503);
    assert_eq!(attempts[2]["outcome"], serde_json::json!({"result": "delivered", "status": 200}));
    assert!(attempts[0]["next_retry_at"].is_i64() && attempts[2]["next_retry_at"].is_null());
    assert!(slack_log["delivery"].as_str().unwrap().ends_with("/slack"));

    let text = c.ok(30, &["notify", "log", "--attempts", "--channel", "slack"]);
    assert!(text.contains("HTTP 500: status 500; retry at 2026-11-26T15:10:00"), "{text}");
    assert!(text.contains("3/5  delivered (200)"), "{text}");
}

#[test]
fn a_channel_that_always_fails_is_given_up_and_notify_test_fails() {
    let c = Cli::new();
    let down = HttpReceiver::start(Vec::new(), Reply::status(500));
    let gone = HttpReceiver::start(Vec::new(), Reply::status(404));
    let fine = HttpReceiver::ok();
    let cfg = c.config(
        3,
        &[
            channel("down", "webhook", &down.url("/"), ""),
            channel("gone", "teams", &gone.url("/"), ""),
            channel("fine", "slack", &fine.url("/"), ""),
            channel("quiet", "slack", &fine.url("/quiet"), "events = [\"deadline\"]"),
        ]
        .concat(),
    );
    let (code, out, err) = c.run(10, &["notify", "test", "--notify-config", cfg.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("down (webhook): failed after 3 attempts: HTTP 500: status 500\n"), "{out}");
    assert!(out.contains("gone (teams): failed after 1 attempt: HTTP 404: status 404\n"), "{out}");
    assert!(out.contains("fine (slack): delivered after 1 attempt\n"), "{out}");
    assert!(out.contains("quiet (slack): skipped: its events filter leaves out \"test\""), "{out}");
    assert!(err.contains("2 of 3 channels failed"), "{err}");
    assert_eq!(down.requests().len(), 3);
    assert_eq!(gone.requests().len(), 1, "a 4xx is not retried");
    assert_eq!(fine.requests().len(), 1);

    let log = c.log();
    let down_log = log.iter().find(|d| d["channel"] == "down").unwrap();
    assert_eq!(down_log["delivered"], false);
    assert_eq!(down_log["attempts"].as_array().unwrap().len(), 3);
    assert!(down_log["attempts"][2]["next_retry_at"].is_null());
    let text = c.ok(30, &["notify", "log"]);
    assert!(text.contains("3/3  HTTP 500: status 500; gave up"), "{text}");

    // One channel by name, even one whose filter leaves tests out.
    let out = c.ok(11, &["notify", "test", "--notify-config", cfg.to_str().unwrap(), "--channel", "quiet", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["deliveries"][0]["channel"], "quiet");
    assert_eq!(v["deliveries"][0]["delivered"], true);
    let (code, _, err) = c.run(11, &["notify", "test", "--notify-config", cfg.to_str().unwrap(), "--channel", "qiet"]);
    assert_eq!(code, 2);
    assert!(err.contains("no channel \"qiet\"") && err.contains("did you mean \"quiet\"?"), "{err}");
}

#[test]
fn config_errors_name_file_line_and_field_and_refuse_the_publish() {
    let c = Cli::new();
    let path = c.dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[channel]]\nid = \"ops\"\nkind = \"slak\"\nurl = \"http://127.0.0.1:9/\"\naudience = [\"operations\"]\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let (code, _, err) = c.run(1, &["notify", "check", "--notify-config", p]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{p}:3:8: channel \"ops\".kind: unknown kind \"slak\"; did you mean \"slack\"?")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{p}:5:1: channel \"ops\".audience: unknown key; did you mean \"audiences\"?")),
        "{err}"
    );

    let id =
        c.ok(1, &["incident", "open", "--title", "Directory abuse", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim();
    let events = |c: &Cli| {
        let v: Value = serde_json::from_str(&c.ok(2, &["incident", "list", "--json"])).unwrap();
        v[0]["events"].as_u64().unwrap()
    };
    let before = events(&c);
    let (code, _, err) = c.run(
        2,
        &[
            "update",
            "publish",
            id,
            "--audience",
            "operations",
            "--channel",
            "chat",
            "--text",
            "All stable.",
            "--notify-config",
            p,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert_eq!(events(&c), before, "nothing written");
}

#[test]
fn a_published_update_goes_to_the_channels_of_its_audience_only() {
    let c = Cli::new();
    let ops = HttpReceiver::ok();
    let ops_teams = HttpReceiver::ok();
    let lead = HttpReceiver::ok();
    let sec = HttpReceiver::ok();
    let smtp = SmtpReceiver::start();
    let cfg = c.config(
        3,
        &[
            channel("ops-hook", "webhook", &ops.url("/ops"), "audiences = [\"operations\"]"),
            channel("ops-teams", "teams", &ops_teams.url("/ops"), "audiences = [\"operations\", \"security\"]"),
            channel("lead-slack", "slack", &lead.url("/lead"), "audiences = [\"leadership\"]"),
            channel(
                "sec-hook",
                "webhook",
                &sec.url("/sec"),
                "audiences = [\"security\"]\nevents = [\"update-published\"]",
            ),
            email("ops-tests-only", &smtp.server(), "audiences = [\"operations\"]\nevents = [\"test\"]"),
        ]
        .concat(),
    );
    let cfg = cfg.to_str().unwrap();
    let id =
        c.ok(1, &["incident", "open", "--title", "Directory abuse", "--summary", "s", "--declare", "--reason", "r"]);
    let id = id.trim();
    let text = "Plant running normally.\n- **HMI trends** are being checked.\n";
    let out = c.ok(
        5,
        &[
            "update",
            "publish",
            id,
            "--audience",
            "operations",
            "--channel",
            "chat",
            "--text",
            text,
            "--notify-config",
            cfg,
        ],
    );
    assert!(out.contains("CommunicationPublished") || out.contains("recorded"), "{out}");
    assert!(out.contains("notified ops-hook (webhook): delivered after 1 attempt"), "{out}");
    assert!(out.contains("notified ops-teams (teams): delivered after 1 attempt"), "{out}");
    assert!(!out.contains("lead-slack") && !out.contains("sec-hook") && !out.contains("ops-tests-only"), "{out}");

    assert_eq!(ops.requests().len(), 1);
    let v = ops.requests()[0].json();
    assert_eq!(v["incident"], id);
    assert_eq!(v["title"], "Directory abuse");
    assert_eq!(v["audience"], "operations");
    assert_eq!(v["kind"], "update-published");
    assert_eq!(v["text"], text.trim_end(), "the update as published");
    assert_eq!(v["subject"], format!("[{id}] Directory abuse: status update for operations"));
    assert_eq!(v["link"], format!("https://interlock.example.org/incidents/{id}"));
    let card = ops_teams.requests()[0].json();
    assert_eq!(card["attachments"][0]["content"]["body"][2]["text"], text.trim_end());
    assert!(lead.requests().is_empty() && sec.requests().is_empty() && smtp.mails().is_empty());

    // Security's update goes to security's channels.
    c.ok(
        6,
        &[
            "update",
            "publish",
            id,
            "--audience",
            "security",
            "--channel",
            "chat",
            "--text",
            "No new findings.",
            "--notify-config",
            cfg,
        ],
    );
    assert_eq!(sec.requests().len(), 1);
    assert_eq!(ops_teams.requests().len(), 2);
    assert_eq!(ops.requests().len(), 1);
    assert!(lead.requests().is_empty());

    let log = c.log();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|d| d["incident"] == id && d["event"] == "update-published" && d["delivered"] == true));
    let ops_log = log.iter().find(|d| d["channel"] == "ops-hook").unwrap();
    assert!(ops_log["delivery"].as_str().unwrap().starts_with(&format!("{id}#")), "{ops_log}");
    let filtered = c.ok(30, &["notify", "log", "--json", "--incident", id, "--channel", "sec-hook"]);
    assert_eq!(serde_json::from_str::<Value>(&filtered).unwrap().as_array().unwrap().len(), 1);
}

/// Runs the binary at `hh:mm` on 2026-11-26, Chicago time.
fn run_at(c: &Cli, at: &str, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
    cmd.args(args).arg("--data").arg(c.dir.path().join("data"));
    cmd.env("INTERLOCK_SITE", site()).env("INTERLOCK_USER", "mgarcia");
    cmd.env("INTERLOCK_NOW", format!("2026-11-26T{at}:00-06:00"));
    cmd.env_remove("INTERLOCK_DATABASE_URL").env_remove("INTERLOCK_NOTIFY_CONFIG");
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "interlock {args:?}: {stdout}{stderr}");
    format!("{stdout}{stderr}")
}

#[test]
fn overdue_reminders_reach_the_channels_once_per_due_time() {
    let c = Cli::new();
    let hook = HttpReceiver::ok();
    let ops_only = HttpReceiver::ok();
    let cfg = c.config(
        3,
        &[
            channel("keepers", "webhook", &hook.url("/reminders"), "events = [\"update-overdue\"]"),
            channel("ops", "webhook", &ops_only.url("/ops"), "events = [\"update-published\"]"),
        ]
        .concat(),
    );
    let cfg = cfg.to_str().unwrap();
    let id = run_at(
        &c,
        "09:00",
        &["incident", "open", "--title", "Directory abuse", "--summary", "s", "--declare", "--reason", "r"],
    );
    let id = id.lines().next().unwrap().trim().to_string();
    run_at(&c, "09:01", &["incident", "status", &id, "--severity", "critical", "--reason", "ot reach"]);

    // Critical on Riverbend: every hour from the declaration at 09:00. Quiet at 09:59.
    run_at(&c, "09:59", &["update", "due", "--notify-config", cfg]);
    assert!(hook.requests().is_empty(), "nothing is overdue before 10:00");

    // At 10:00 each audience's reminder goes out, to the channel that takes update-overdue only.
    let out = run_at(&c, "10:00", &["update", "due", "--notify-config", cfg]);
    assert!(out.contains("reminded via keepers (webhook): delivered after 1 attempt"), "{out}");
    let reqs = hook.requests();
    assert_eq!(reqs.len(), 3, "{out}");
    let audiences: Vec<String> = reqs.iter().map(|r| r.json()["audience"].as_str().unwrap().to_string()).collect();
    assert_eq!(audiences, ["operations", "security", "leadership"]);
    let v = reqs[0].json();
    assert_eq!(v["kind"], "update-overdue");
    assert_eq!(v["subject"], format!("[{id}] Directory abuse: the operations update is overdue"));
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("was due 2026-11-26T10:00:00-06:00"), "{text}");
    assert!(text.contains("Reminder to tnguyen (timeline-keeper), mgarcia (incident-commander)"), "{text}");
    assert!(ops_only.requests().is_empty(), "a channel without update-overdue hears nothing");

    // Run again a minute later (a timer): nothing is sent twice for the same due time.
    let out = run_at(&c, "10:01", &["update", "due", "--notify-config", cfg]);
    assert!(out.contains("already delivered to keepers"), "{out}");
    assert_eq!(hook.requests().len(), 3);

    // Publishing to operations restarts its clock; its next reminder is for 11:05.
    run_at(
        &c,
        "10:05",
        &["update", "publish", &id, "--audience", "operations", "--channel", "bridge", "--text", "Stable."],
    );
    run_at(&c, "11:04", &["update", "due", "--notify-config", cfg]);
    assert_eq!(hook.requests().len(), 3, "the other audiences' reminders were delivered already");
    run_at(&c, "11:05", &["update", "due", "--notify-config", cfg]);
    let reqs = hook.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs[3].json()["text"].as_str().unwrap().contains("was due 2026-11-26T11:05:00-06:00"));
}
