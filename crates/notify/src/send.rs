//! Delivery: one message to one channel, tried until it is delivered, fails
//! for good, or runs out of attempts, waiting with exponential back-off
//! between attempts. Every attempt becomes an [`Attempt`], handed to an
//! [`AttemptLog`] as soon as it is made.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::{Channel, ChannelKind, Endpoint, RetryPolicy, Secret, check_url};
use crate::message::{Message, email, generic_json, slack_json, teams_json};

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// Accepted: the HTTP status (2xx) or the SMTP reply code (250).
    Delivered { status: u16 },
    /// The receiver answered with an HTTP error status; the start of its body.
    Status { status: u16, body: String },
    /// No answer, or a refusal that is not an HTTP status: connection,
    /// timeout, TLS, an SMTP reply, a missing secret.
    Error { error: String },
}

impl Outcome {
    pub fn is_delivered(&self) -> bool {
        matches!(self, Outcome::Delivered { .. })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Delivered { status } => write!(f, "delivered ({status})"),
            Outcome::Status { status, body } if body.is_empty() => write!(f, "HTTP {status}"),
            Outcome::Status { status, body } => write!(f, "HTTP {status}: {body}"),
            Outcome::Error { error } => f.write_str(error),
        }
    }
}

/// One attempt at one delivery: the delivery log's unit, one record
/// revision each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The message id and the channel, `INC-1#12/ops-hook`.
    pub delivery: String,
    pub channel: String,
    pub kind: String,
    pub message: String,
    pub incident: Option<String>,
    pub audience: Option<String>,
    pub event: String,
    /// From 1.
    pub attempt: u32,
    /// The attempts allowed in all.
    pub attempts: u32,
    /// When the attempt started, Unix microseconds.
    pub at: i64,
    pub outcome: Outcome,
    /// When the next attempt is due (Unix microseconds); `None` when this
    /// was the last one (delivered, failed for good, or out of attempts).
    pub next_retry_at: Option<i64>,
}

/// Where attempts go as they are made (the CLI writes them to the store).
pub trait AttemptLog {
    fn record(&self, attempt: &Attempt) -> impl Future<Output = ()>;
}

/// Keeps no log.
impl AttemptLog for () {
    async fn record(&self, _: &Attempt) {}
}

/// One message's delivery to one channel: every attempt, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub channel: String,
    pub kind: ChannelKind,
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    pub fn delivered(&self) -> bool {
        self.attempts.last().is_some_and(|a| a.outcome.is_delivered())
    }

    /// The outcome of the last attempt.
    pub fn last_outcome(&self) -> Option<&Outcome> {
        self.attempts.last().map(|a| &a.outcome)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The time, Unix microseconds.
pub type ClockFn = dyn Fn() -> i64 + Send + Sync;
/// An environment variable's value.
pub type EnvFn = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Sends messages: one HTTP client, the retry policy, and the clock and
/// environment it is given (tests fix both).
pub struct Notifier {
    http: reqwest::Client,
    policy: RetryPolicy,
    clock: Arc<ClockFn>,
    env: Arc<EnvFn>,
}

impl Notifier {
    pub fn new(
        policy: RetryPolicy,
        clock: impl Fn() -> i64 + Send + Sync + 'static,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Notifier, NotifyError> {
        let tls = tls_config()?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("interlock-notify/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.timeout)
            .timeout(policy.timeout)
            .build()?;
        Ok(Notifier { http, policy, clock: Arc::new(clock), env: Arc::new(env) })
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Delivers `msg` to each channel, all at once (a slow or failing
    /// channel does not hold the others back); one [`Delivery`] per channel,
    /// in the order given.
    pub async fn deliver_all(&self, channels: &[&Channel], msg: &Message, log: &impl AttemptLog) -> Vec<Delivery> {
        futures_util::future::join_all(channels.iter().map(|c| self.deliver(c, msg, log))).await
    }

    /// Delivers `msg` to one channel, with retries.
    pub async fn deliver(&self, channel: &Channel, msg: &Message, log: &impl AttemptLog) -> Delivery {
        let id = msg.delivery_id(&channel.id);
        let mut attempts = Vec::new();
        let prepared = self.prepare(channel, msg);
        let total = self.policy.attempts.max(1);
        for n in 1..=total {
            let at = (self.clock)();
            let (outcome, retry, retry_after) = match &prepared {
                Ok(p) => self.try_once(p).await,
                Err(e) => (Outcome::Error { error: e.clone() }, false, None),
            };
            let wait = (retry && n < total).then(|| backoff(&self.policy, n, retry_after));
            let next_retry_at = wait.map(|w| (self.clock)().saturating_add(micros(w)));
            let attempt = Attempt {
                delivery: id.clone(),
                channel: channel.id.clone(),
                kind: channel.kind.as_str().into(),
                message: msg.id.clone(),
                incident: msg.incident.clone(),
                audience: msg.audience.clone(),
                event: msg.event.as_str().into(),
                attempt: n,
                attempts: total,
                at,
                outcome,
                next_retry_at,
            };
            log.record(&attempt).await;
            attempts.push(attempt);
            match wait {
                Some(w) => tokio::time::sleep(w).await,
                None => break,
            }
        }
        Delivery { id, channel: channel.id.clone(), kind: channel.kind, attempts }
    }

    /// Builds what is sent once, before the first attempt; an error (a
    /// missing secret, an unusable URL) fails the delivery without retries.
    fn prepare(&self, channel: &Channel, msg: &Message) -> Result<Prepared, String> {
        match &channel.endpoint {
            Endpoint::Http { url, token_env } => {
                let url = match url {
                    Secret::Plain(u) => u.clone(),
                    Secret::Env(var) => {
                        let u = self.secret(var, "url_env")?;
                        check_url(&u).map_err(|e| format!("the URL in environment variable {var}: {e}"))?;
                        u
                    }
                };
                let token = token_env.as_deref().map(|v| self.secret(v, "token_env")).transpose()?;
                let body = match channel.kind {
                    ChannelKind::Slack => slack_json(msg),
                    ChannelKind::Teams => teams_json(msg),
                    ChannelKind::Webhook | ChannelKind::Email => generic_json(msg),
                };
                let body = serde_json::to_vec(&body).map_err(|e| format!("cannot encode the body: {e}"))?;
                Ok(Prepared::Http { url, token, body })
            }
            Endpoint::Smtp { host, port, from, to, starttls, username_env, password_env } => {
                let date = SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from((self.clock)()).unwrap_or(0));
                let email = email(msg, from, to, date).map_err(|e| e.to_string())?;
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
                    .port(*port)
                    .timeout(Some(self.policy.timeout));
                if *starttls {
                    let params =
                        TlsParameters::new(host.clone()).map_err(|e| format!("cannot set up STARTTLS: {e}"))?;
                    b = b.tls(Tls::Required(params));
                }
                if let (Some(u), Some(p)) = (username_env, password_env) {
                    b = b.credentials(Credentials::new(
                        self.secret(u, "username_env")?,
                        self.secret(p, "password_env")?,
                    ));
                }
                Ok(Prepared::Smtp { transport: b.build(), email: Box::new(email) })
            }
        }
    }

    fn secret(&self, var: &str, field: &str) -> Result<String, String> {
        match (self.env)(var) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("environment variable {var} (named by {field}) is not set")),
        }
    }

    /// One attempt: its outcome, whether to try again, and how long the
    /// receiver asked us to wait.
    async fn try_once(&self, p: &Prepared) -> (Outcome, bool, Option<Duration>) {
        match p {
            Prepared::Http { url, token, body } => {
                let mut req = self
                    .http
                    .post(url.as_str())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let retry_after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, (self.clock)()));
                        if resp.status().is_success() {
                            return (Outcome::Delivered { status }, false, None);
                        }
                        let body = resp.text().await.unwrap_or_default();
                        let body = snippet(&body);
                        let retry = retryable_status(status);
                        let retry_after = if matches!(status, 429 | 503) { retry_after } else { None };
                        let body = if (300..400).contains(&status) {
                            format!(
                                "redirected; give the final URL in the config{}",
                                if body.is_empty() { String::new() } else { format!(" ({body})") }
                            )
                        } else {
                            body
                        };
                        (Outcome::Status { status, body }, retry, retry_after)
                    }
                    Err(e) => {
                        // Timeouts, refused and reset connections, TLS
                        // handshakes: all worth another try.
                        (Outcome::Error { error: http_error(&e) }, !e.is_builder(), None)
                    }
                }
            }
            Prepared::Smtp { transport, email } => match transport.send((**email).clone()).await {
                Ok(resp) => (Outcome::Delivered { status: u16::from(resp.code()) }, false, None),
                Err(e) => {
                    // A permanent (5xx) SMTP reply will not change; a
                    // transient (4xx) one, a timeout or a lost connection may.
                    let retry = !e.is_permanent();
                    (Outcome::Error { error: smtp_error(&e) }, retry, None)
                }
            },
        }
    }
}

enum Prepared {
    Http { url: String, token: Option<String>, body: Vec<u8> },
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, email: Box<lettre::Message> },
}

/// An HTTP client builder with the TLS this crate uses (rustls, ring, the
/// platform's trust store), for other HTTP clients of the binary.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, NotifyError> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls_config()?))
}

/// rustls with the ring provider (builds with a C compiler only) and the
/// platform's trust store.
fn tls_config() -> Result<rustls::ClientConfig, NotifyError> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NotifyError::Tls(e.to_string()))?
        .with_platform_verifier()
        .map_err(|e| NotifyError::Tls(e.to_string()))?
        .with_no_client_auth();
    Ok(config)
}

/// Whether an HTTP status is worth another attempt: 5xx and 429 only.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The wait before attempt `n + 1` after attempt `n` failed: the initial
/// back-off doubled `n - 1` times, or what Retry-After asked if longer,
/// never over the maximum.
pub fn backoff(policy: &RetryPolicy, n: u32, retry_after: Option<Duration>) -> Duration {
    let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
    let exp = policy.initial_backoff.checked_mul(factor).unwrap_or(Duration::MAX);
    exp.max(retry_after.unwrap_or(Duration::ZERO)).min(policy.max_backoff)
}

/// A Retry-After value: delay-seconds, or an HTTP date (relative to `now`,
/// Unix microseconds).
pub fn parse_retry_after(value: &str, now: i64) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    let now = SystemTime::UNIX_EPOCH + Duration::from_micros(u64::try_from(now).ok()?);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The start of a response body, on one line.
fn snippet(body: &str) -> String {
    let one: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 200 { one.chars().take(200).collect::<String>() + "…" } else { one }
}

/// A reqwest error with its causes ("connection refused" is two levels down).
fn http_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!("{what}: {}", chain(e))
}

fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_permanent() {
        "refused by the SMTP server"
    } else if e.is_transient() {
        "deferred by the SMTP server"
    } else if e.is_tls() {
        "TLS failed"
    } else {
        "SMTP failed"
    };
    format!("{what}: {}", chain(e))
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    let mut depth = 0;
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = policy();
        let ms = |n, ra| backoff(&p, n, ra).as_millis();
        assert_eq!(
            [ms(1, None), ms(2, None), ms(3, None), ms(7, None), ms(60, None)],
            [500, 1000, 2000, 30_000, 30_000]
        );
        assert_eq!(ms(1, Some(Duration::from_secs(5))), 5000);
        assert_eq!(ms(3, Some(Duration::from_millis(100))), 2000);
        assert_eq!(ms(1, Some(Duration::from_secs(3600))), 30_000);
    }

    #[test]
    fn retry_after_in_seconds_or_a_date() {
        let now = 1_445_412_480_000_000; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        assert!(retryable_status(500) && retryable_status(503) && retryable_status(429));
        assert!(!retryable_status(400) && !retryable_status(404) && !retryable_status(410) && !retryable_status(301));
    }

    #[test]
    fn outcomes_read_as_sentences() {
        assert_eq!(Outcome::Delivered { status: 200 }.to_string(), "delivered (200)");
        assert_eq!(Outcome::Status { status: 503, body: "busy".into() }.to_string(), "HTTP 503: busy");
        let json = serde_json::to_string(&Outcome::Status { status: 404, body: String::new() }).unwrap();
        assert_eq!(json, r#"{"result":"status","status":404,"body":""}"#);
    }
}
