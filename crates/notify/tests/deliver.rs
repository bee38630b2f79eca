#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Deliveries to receivers the tests start on loopback: the bodies arrive in
//! the right shape, failures are retried with back-off until the configured
//! attempts run out, and a 4xx is not retried.

mod support;

use std::cell::RefCell;
use std::sync::atomic::{AtomicI64, Ordering};

use notify::{Attempt, AttemptLog, EventKind, Message, Notifier, Outcome};
use support::{HttpReceiver, Reply, SmtpReceiver};

fn message() -> Message {
    Message {
        id: "INC-20261126-1#12".into(),
        incident: Some("INC-20261126-1".into()),
        title: Some("Directory abuse".into()),
        audience: Some("operations".into()),
        event: EventKind::UpdatePublished,
        subject: "[INC-20261126-1] Directory abuse: update for operations".into(),
        text: "## Situation\n- **view integrity** in question\n- next update 10:00\n".into(),
        link: None,
    }
}

/// A config with a few milliseconds of back-off.
fn config(channels: &str) -> notify::Config {
    let text =
        format!("[retry]\nattempts = 4\ninitial_backoff_ms = 1\nmax_backoff_ms = 5\ntimeout_ms = 5000\n\n{channels}");
    notify::parse("test.toml", &text).unwrap()
}

/// A clock that moves one second per reading: attempt times are ordered
/// without anybody sleeping.
fn notifier(c: &notify::Config) -> Notifier {
    notifier_ticking(c, 1_000_000)
}

fn notifier_ticking(c: &notify::Config, tick: i64) -> Notifier {
    let t = AtomicI64::new(1_795_000_000_000_000);
    Notifier::new(
        c.retry,
        move || t.fetch_add(tick, Ordering::SeqCst),
        |name| (name == "HOOK_TOKEN").then(|| "s3cret".to_string()),
    )
    .unwrap()
}

#[derive(Default)]
struct Log(RefCell<Vec<Attempt>>);

impl AttemptLog for Log {
    async fn record(&self, a: &Attempt) {
        self.0.borrow_mut().push(a.clone());
    }
}

#[tokio::test]
async fn generic_slack_teams_and_email_bodies_arrive() {
    let hook = HttpReceiver::ok();
    let slack = HttpReceiver::ok();
    let teams = HttpReceiver::ok();
    let smtp = SmtpReceiver::start();
    let c = config(&format!(
        r#"
[[channel]]
id = "hook"
kind = "webhook"
url = "{}"
token_env = "HOOK_TOKEN"

[[channel]]
id = "slack"
kind = "slack"
url = "{}"

[[channel]]
id = "teams"
kind = "teams"
url = "{}"

[[channel]]
id = "mail"
kind = "email"
smtp = "{}"
from = "Interlock <interlock@example.org>"
to = ["ops@example.org", "Shift Lead <lead@example.org>"]
"#,
        hook.url("/hook"),
        slack.url("/services/T0/B0/x"),
        teams.url("/workflows/1"),
        smtp.server()
    ));
    let n = notifier(&c);
    let log = Log::default();
    let channels: Vec<_> = c.channels.iter().collect();
    let deliveries = n.deliver_all(&channels, &message(), &log).await;
    for d in &deliveries {
        assert!(d.delivered(), "{d:?}");
        assert_eq!(d.attempts.len(), 1);
    }
    assert_eq!(deliveries[0].id, "INC-20261126-1#12/hook");
    assert_eq!(log.0.borrow().len(), 4);

    let r = &hook.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), Some("Bearer s3cret"));
    let v = r.json();
    assert_eq!(v["incident"], "INC-20261126-1");
    assert_eq!(v["kind"], "update-published");
    assert_eq!(v["audience"], "operations");
    assert_eq!(v["subject"], "[INC-20261126-1] Directory abuse: update for operations");
    assert_eq!(v["text"], message().text);

    let v = slack.requests()[0].json();
    assert_eq!(v["text"], "[INC-20261126-1] Directory abuse: update for operations");
    assert_eq!(v["blocks"][1]["type"], "section");
    assert_eq!(v["blocks"][1]["text"]["type"], "mrkdwn");
    assert_eq!(v["blocks"][1]["text"]["text"], "*Situation*\n- *view integrity* in question\n- next update 10:00");

    let v = teams.requests()[0].json();
    assert_eq!(v["type"], "message");
    assert_eq!(v["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &v["attachments"][0]["content"];
    assert_eq!((card["type"].as_str(), card["version"].as_str()), (Some("AdaptiveCard"), Some("1.4")));
    assert_eq!(card["body"][2]["text"], message().text);

    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.from, "<interlock@example.org>");
    assert_eq!(m.to, ["<ops@example.org>", "<lead@example.org>"]);
    assert!(m.data.contains("Subject: [INC-20261126-1] Directory abuse: update for operations\r\n"), "{}", m.data);
    assert!(m.data.contains("\r\n\r\n## Situation\r\n- **view integrity** in question\r\n"), "{}", m.data);
    assert_eq!(deliveries[3].attempts[0].outcome, Outcome::Delivered { status: 250 });
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_message_on_attempt_three() {
    let hook = HttpReceiver::start(vec![Reply::status(500), Reply::retry_after(503, "0")], Reply::status(204));
    let c = config(&format!("[[channel]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\n", hook.url("/")));
    let log = Log::default();
    let d = notifier(&c).deliver(&c.channels[0], &message(), &log).await;
    assert!(d.delivered());
    let attempts = log.0.borrow();
    assert_eq!(attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(matches!(attempts[0].outcome, Outcome::Status { status: 500, .. }));
    assert!(matches!(attempts[1].outcome, Outcome::Status { status: 503, .. }));
    assert_eq!(attempts[2].outcome, Outcome::Delivered { status: 204 });
    // Retries are scheduled after the attempt; the last has none.
    assert!(attempts[0].next_retry_at.is_some_and(|t| t > attempts[0].at));
    assert!(attempts[1].next_retry_at.is_some());
    assert_eq!(attempts[2].next_retry_at, None);
    assert_eq!(hook.requests().len(), 3);
    assert!(hook.requests().iter().all(|r| r.body == hook.requests()[0].body), "the same body every time");
}

#[tokio::test]
async fn a_receiver_always_failing_is_given_up_after_the_configured_attempts() {
    let hook = HttpReceiver::start(Vec::new(), Reply::status(502));
    let c = config(&format!("[[channel]]\nid = \"hook\"\nkind = \"slack\"\nurl = \"{}\"\n", hook.url("/")));
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert!(!d.delivered());
    assert_eq!(d.attempts.len(), 4);
    assert_eq!(hook.requests().len(), 4);
    assert_eq!(d.attempts[3].next_retry_at, None);
    assert_eq!(d.last_outcome().map(|o| o.to_string()).as_deref(), Some("HTTP 502: status 502"));
}

#[tokio::test]
async fn a_4xx_is_not_retried_but_a_429_is() {
    let hook = HttpReceiver::start(Vec::new(), Reply::status(404));
    let c = config(&format!("[[channel]]\nid = \"hook\"\nkind = \"teams\"\nurl = \"{}\"\n", hook.url("/")));
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert!(!d.delivered());
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(d.attempts[0].next_retry_at, None);

    let hook = HttpReceiver::start(vec![Reply::retry_after(429, "1")], Reply::status(200));
    let c = config(&format!("[[channel]]\nid = \"hook\"\nkind = \"teams\"\nurl = \"{}\"\n", hook.url("/")));
    let d = notifier_ticking(&c, 0).deliver(&c.channels[0], &message(), &()).await;
    assert!(d.delivered());
    assert_eq!(d.attempts.len(), 2);
    // Retry-After asked for a second; the configured maximum (5 ms) wins.
    let first = &d.attempts[0];
    assert!(first.next_retry_at.is_some_and(|t| t - first.at == 5_000), "{first:?}");
}

#[tokio::test]
async fn connection_refused_is_retried_and_a_missing_secret_is_not() {
    // A port nobody listens on: bind, note it, close.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let c = config(&format!("[[channel]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"http://{addr}/\"\n"));
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert_eq!(d.attempts.len(), 4);
    let Outcome::Error { error } = &d.attempts[0].outcome else { panic!("{d:?}") };
    assert!(error.starts_with("cannot connect"), "{error}");

    let c = config("[[channel]]\nid = \"hook\"\nkind = \"slack\"\nurl_env = \"NOT_SET_ANYWHERE\"\n");
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(
        d.attempts[0].outcome,
        Outcome::Error { error: "environment variable NOT_SET_ANYWHERE (named by url_env) is not set".into() }
    );
}

#[tokio::test]
async fn smtp_deferrals_are_retried_and_refusals_are_not() {
    let smtp = SmtpReceiver::failing(2, "451 4.3.0 try again later");
    let c = config(&format!(
        "[[channel]]\nid = \"mail\"\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n",
        smtp.server()
    ));
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert!(d.delivered(), "{d:?}");
    assert_eq!(d.attempts.len(), 3);
    assert_eq!(smtp.mails().len(), 1);

    let smtp = SmtpReceiver::failing(10, "554 5.7.1 relaying denied");
    let c = config(&format!(
        "[[channel]]\nid = \"mail\"\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n",
        smtp.server()
    ));
    let d = notifier(&c).deliver(&c.channels[0], &message(), &()).await;
    assert_eq!(d.attempts.len(), 1);
    let Outcome::Error { error } = &d.attempts[0].outcome else { panic!("{d:?}") };
    assert!(error.starts_with("refused by the SMTP server") && error.contains("relaying denied"), "{error}");
}
