//! The notification config: a TOML file of `[[channel]]` tables and one
//! `[retry]` table, read with byte spans so that every error names the file,
//! line, column and field, and what was expected.
//!
//! It is deployment configuration, not site model: the same site has
//! different receivers in test and production. Secrets are never in the file:
//! `url_env`, `token_env`, `username_env` and `password_env` name environment
//! variables read when a message is sent.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use toml_spanner::{Item, Span, Table};

use crate::message::EventKind;

/// The audiences of status updates (as the `comms` crate names them).
pub const AUDIENCES: &[&str] = &["operations", "security", "leadership"];

/// A parsed and checked config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub channels: Vec<Channel>,
    pub retry: RetryPolicy,
    /// A link put in every message about an incident; `{incident}` is
    /// replaced by the incident's id.
    pub link: Option<String>,
}

impl Config {
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The channels a message of this audience and event goes to.
    pub fn channels_for(&self, audience: Option<&str>, event: EventKind) -> Vec<&Channel> {
        self.channels.iter().filter(|c| c.accepts(audience, event)).collect()
    }

    /// The link for an incident, if the config has a template.
    pub fn link_for(&self, incident: &str) -> Option<String> {
        self.link.as_ref().map(|l| l.replace("{incident}", incident))
    }
}

/// How often, and how patiently, a delivery is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait after the first failed attempt; it doubles after each.
    pub initial_backoff: Duration,
    /// No wait is longer than this, whatever the back-off or a Retry-After says.
    pub max_backoff: Duration,
    /// How long one attempt may take (connecting, sending, the reply).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_millis(30_000),
            timeout: Duration::from_millis(10_000),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A generic JSON body.
    Webhook,
    /// A Slack-compatible body (incoming webhooks, Mattermost, Rocket.Chat).
    Slack,
    /// A Microsoft Teams-compatible body (a message with an Adaptive Card).
    Teams,
    /// An RFC 5322 message over SMTP.
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] =
        [ChannelKind::Webhook, ChannelKind::Slack, ChannelKind::Teams, ChannelKind::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value given in the file or named by an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    Plain(String),
    Env(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Http {
        url: Secret,
        /// Sent as `Authorization: Bearer <token>`.
        token_env: Option<String>,
    },
    Smtp {
        host: String,
        port: u16,
        from: Mailbox,
        to: Vec<Mailbox>,
        starttls: bool,
        username_env: Option<String>,
        password_env: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub kind: ChannelKind,
    pub endpoint: Endpoint,
    /// `None`: every audience (and messages without one).
    pub audiences: Option<Vec<String>>,
    /// `None`: every event.
    pub events: Option<Vec<EventKind>>,
}

impl Channel {
    /// Whether a message of this audience and event goes to this channel.
    /// A message without an audience (a test, a deadline) passes any
    /// audience filter; the event filter always applies.
    pub fn accepts(&self, audience: Option<&str>, event: EventKind) -> bool {
        let audience_ok = match (&self.audiences, audience) {
            (Some(list), Some(a)) => list.iter().any(|x| x == a),
            _ => true,
        };
        let event_ok = self.events.as_ref().is_none_or(|list| list.contains(&event));
        audience_ok && event_ok
    }
}

/// One thing wrong in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `channel "ops".url`, `retry.attempts`...
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        } else {
            write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.field, self.message)
        }
    }
}

/// Every error of a config file (it is not used at all when there is one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

const TOP_KEYS: &[&str] = &["channel", "retry", "link"];
const RETRY_KEYS: &[&str] = &["attempts", "initial_backoff_ms", "max_backoff_ms", "timeout_ms"];
const CHANNEL_KEYS: &[&str] = &[
    "id",
    "kind",
    "url",
    "url_env",
    "token_env",
    "smtp",
    "from",
    "to",
    "starttls",
    "username_env",
    "password_env",
    "audiences",
    "events",
];
const HTTP_ONLY: &[&str] = &["url", "url_env", "token_env"];
const SMTP_ONLY: &[&str] = &["smtp", "from", "to", "starttls", "username_env", "password_env"];

/// Parses a config from its text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Config, ConfigErrors> {
    let mut p = P { file, text, errors: Vec::new() };
    if text.len() >= (1 << 28) {
        p.err(Span { start: 0, end: 0 }, "", "the file is too large for a notification config (over 256 MiB)");
        return Err(ConfigErrors(p.errors));
    }
    let arena = toml_spanner::Arena::new();
    let doc = toml_spanner::parse_recoverable(text, &arena);
    for e in doc.errors() {
        p.err(e.span(), "", format!("TOML syntax: {}", e.message(text)));
    }
    let config = p.document(doc.table());
    if p.errors.is_empty() { Ok(config) } else { Err(ConfigErrors(p.errors)) }
}

struct P<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<ConfigError>,
}

impl P<'_> {
    fn err(&mut self, span: Span, field: impl Into<String>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start as usize);
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            line,
            column,
            field: field.into(),
            message: message.into(),
        });
    }

    fn unknown_keys(&mut self, table: &Table<'_>, known: &[&str], what: &str) {
        for (key, _) in table {
            if !known.contains(&key.name) {
                let hint = match nearest(key.name, known.iter().copied()) {
                    Some(n) => format!("; did you mean \"{n}\"?"),
                    None => format!("; expected one of {}", known.join(", ")),
                };
                let field = if what.is_empty() { key.name.to_string() } else { format!("{what}.{}", key.name) };
                self.err(key.span, field, format!("unknown key{hint}"));
            }
        }
    }

    fn document(&mut self, top: &Table<'_>) -> Config {
        self.unknown_keys(top, TOP_KEYS, "");
        let retry = match top.get("retry") {
            None => RetryPolicy::default(),
            Some(item) => match item.as_table() {
                Some(t) => self.retry(t),
                None => {
                    self.err(item.span(), "retry", format!("expected a [retry] table, found {}", item.type_str()));
                    RetryPolicy::default()
                }
            },
        };
        let link = top.get("link").and_then(|item| {
            let s = self.string(item, "link")?;
            if !(s.starts_with("http://") || s.starts_with("https://")) {
                self.err(item.span(), "link", "expected an http:// or https:// URL (\"{incident}\" is replaced)");
                return None;
            }
            Some(s.to_string())
        });
        let mut channels = Vec::new();
        match top.get("channel") {
            None => {}
            Some(item) => match item.as_array() {
                Some(arr) => {
                    let mut seen = HashSet::new();
                    for (i, c) in arr.iter().enumerate() {
                        let Some(t) = c.as_table() else {
                            self.err(c.span(), format!("channel[{i}]"), "expected a table");
                            continue;
                        };
                        if let Some(ch) = self.channel(t, c.span(), i) {
                            if seen.insert(ch.id.clone()) {
                                channels.push(ch);
                            } else {
                                let span = t.get("id").map_or(c.span(), |i| i.span());
                                self.err(span, format!("channel \"{}\".id", ch.id), "a second channel with this id");
                            }
                        }
                    }
                }
                None => self.err(
                    item.span(),
                    "channel",
                    format!("expected [[channel]] tables (an array of tables), found {}", item.type_str()),
                ),
            },
        }
        Config { channels, retry, link }
    }

    fn retry(&mut self, t: &Table<'_>) -> RetryPolicy {
        self.unknown_keys(t, RETRY_KEYS, "retry");
        let d = RetryPolicy::default();
        let attempts = self.int(t, "retry", "attempts", 1, 100).map_or(d.attempts, |v| v as u32);
        let initial = self.int(t, "retry", "initial_backoff_ms", 0, 3_600_000);
        let max = self.int(t, "retry", "max_backoff_ms", 0, 3_600_000);
        let timeout = self.int(t, "retry", "timeout_ms", 1, 600_000);
        let initial_backoff = initial.map_or(d.initial_backoff, |v| Duration::from_millis(v as u64));
        let max_backoff = max.map_or(d.max_backoff, |v| Duration::from_millis(v as u64));
        if initial_backoff > max_backoff {
            let span = t.get("max_backoff_ms").or_else(|| t.get("initial_backoff_ms")).map_or(t.span(), |i| i.span());
            self.err(
                span,
                "retry.max_backoff_ms",
                format!(
                    "expected at least initial_backoff_ms ({} ms), found {} ms",
                    initial_backoff.as_millis(),
                    max_backoff.as_millis()
                ),
            );
        }
        RetryPolicy {
            attempts,
            initial_backoff,
            max_backoff,
            timeout: timeout.map_or(d.timeout, |v| Duration::from_millis(v as u64)),
        }
    }

    fn int(&mut self, t: &Table<'_>, what: &str, key: &str, min: i64, max: i64) -> Option<i64> {
        let item = t.get(key)?;
        match item.as_i64() {
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(v) => {
                self.err(item.span(), format!("{what}.{key}"), format!("expected {min} to {max}, found {v}"));
                None
            }
            None => {
                self.err(
                    item.span(),
                    format!("{what}.{key}"),
                    format!("expected an integer, found {}", item.type_str()),
                );
                None
            }
        }
    }

    fn string<'t>(&mut self, item: &'t Item<'_>, field: &str) -> Option<&'t str> {
        match item.as_str() {
            Some(s) => Some(s),
            None => {
                self.err(item.span(), field, format!("expected a string, found {}", item.type_str()));
                None
            }
        }
    }

    fn strings<'t>(&mut self, item: &'t Item<'_>, field: &str) -> Option<Vec<(&'t str, Span)>> {
        let Some(arr) = item.as_array() else {
            self.err(item.span(), field, format!("expected an array of strings, found {}", item.type_str()));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for v in arr {
            match v.as_str() {
                Some(s) => out.push((s, v.span())),
                None => {
                    self.err(v.span(), field, format!("expected a string, found {}", v.type_str()));
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn env_name(&mut self, t: &Table<'_>, name: &str, key: &str) -> Option<String> {
        let item = t.get(key)?;
        let field = format!("{name}.{key}");
        let s = self.string(item, &field)?;
        let valid = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            self.err(
                item.span(),
                field,
                format!("expected the name of an environment variable (letters, digits, _), found \"{s}\"; the secret itself never goes in this file"),
            );
            return None;
        }
        Some(s.to_string())
    }

    fn channel(&mut self, t: &Table<'_>, span: Span, index: usize) -> Option<Channel> {
        let before = self.errors.len();
        let id = match t.get("id") {
            None => {
                self.err(span, format!("channel[{index}]"), "missing id");
                None
            }
            Some(item) => self.string(item, &format!("channel[{index}].id")).and_then(|s| {
                let ok = !s.is_empty()
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    && !s.starts_with(['-', '.']);
                if !ok {
                    self.err(
                        item.span(),
                        format!("channel[{index}].id"),
                        format!("expected letters, digits, '-', '_' or '.', found \"{s}\""),
                    );
                }
                ok.then(|| s.to_string())
            }),
        };
        let name = match &id {
            Some(id) => format!("channel \"{id}\""),
            None => format!("channel[{index}]"),
        };
        self.unknown_keys(t, CHANNEL_KEYS, &name);
        let kind = match t.get("kind") {
            None => {
                self.err(span, &name, "missing kind; expected webhook, slack, teams or email");
                None
            }
            Some(item) => self.string(item, &format!("{name}.kind")).and_then(|s| {
                let k = ChannelKind::parse(s);
                if k.is_none() {
                    let names = ChannelKind::ALL.map(ChannelKind::as_str);
                    let hint = nearest(s, names).map(|n| format!("did you mean \"{n}\"? ")).unwrap_or_default();
                    self.err(
                        item.span(),
                        format!("{name}.kind"),
                        format!("unknown kind \"{s}\"; {hint}expected webhook, slack, teams or email"),
                    );
                }
                k
            }),
        };
        let audiences = t.get("audiences").and_then(|item| {
            let field = format!("{name}.audiences");
            let list = self.strings(item, &field)?;
            let mut out = Vec::new();
            for (a, sp) in list {
                if AUDIENCES.contains(&a) {
                    out.push(a.to_string());
                } else {
                    let hint = nearest(a, AUDIENCES.iter().copied())
                        .map(|n| format!("did you mean \"{n}\"? "))
                        .unwrap_or_default();
                    self.err(sp, &field, format!("unknown audience \"{a}\"; {hint}expected {}", AUDIENCES.join(", ")));
                }
            }
            Some(out)
        });
        let events = t.get("events").and_then(|item| {
            let field = format!("{name}.events");
            let list = self.strings(item, &field)?;
            let mut out = Vec::new();
            for (e, sp) in list {
                match EventKind::parse(e) {
                    Some(k) => out.push(k),
                    None => {
                        let names = EventKind::ALL.map(EventKind::as_str);
                        let hint = nearest(e, names).map(|n| format!("did you mean \"{n}\"? ")).unwrap_or_default();
                        self.err(sp, &field, format!("unknown event \"{e}\"; {hint}expected {}", names.join(", ")));
                    }
                }
            }
            Some(out)
        });
        let endpoint = match kind {
            Some(ChannelKind::Email) => self.smtp(t, span, &name),
            Some(_) => self.http(t, span, &name),
            None => None,
        };
        if self.errors.len() > before {
            return None;
        }
        Some(Channel { id: id?, kind: kind?, endpoint: endpoint?, audiences, events })
    }

    fn misplaced(&mut self, t: &Table<'_>, name: &str, keys: &[&str], kind: &str) {
        for k in keys {
            if let Some((key, _)) = t.get_key_value(k) {
                self.err(key.span, format!("{name}.{k}"), format!("not a key of {kind} channels"));
            }
        }
    }

    fn http(&mut self, t: &Table<'_>, span: Span, name: &str) -> Option<Endpoint> {
        self.misplaced(t, name, SMTP_ONLY, "webhook, slack and teams");
        let url = match (t.get("url"), t.get("url_env")) {
            (Some(_), Some(e)) => {
                self.err(e.span(), format!("{name}.url_env"), "give url or url_env, not both");
                None
            }
            (None, None) => {
                self.err(span, name, "missing url (or url_env, the environment variable holding it)");
                None
            }
            (Some(item), None) => {
                let field = format!("{name}.url");
                let s = self.string(item, &field)?;
                match check_url(s) {
                    Ok(()) => Some(Secret::Plain(s.to_string())),
                    Err(why) => {
                        self.err(item.span(), field, why);
                        None
                    }
                }
            }
            (None, Some(_)) => self.env_name(t, name, "url_env").map(Secret::Env),
        };
        let token_env = self.env_name(t, name, "token_env");
        Some(Endpoint::Http { url: url?, token_env })
    }

    fn smtp(&mut self, t: &Table<'_>, span: Span, name: &str) -> Option<Endpoint> {
        self.misplaced(t, name, HTTP_ONLY, "email");
        let starttls = match t.get("starttls") {
            None => false,
            Some(item) => match item.as_bool() {
                Some(b) => b,
                None => {
                    self.err(
                        item.span(),
                        format!("{name}.starttls"),
                        format!("expected true or false, found {}", item.type_str()),
                    );
                    false
                }
            },
        };
        let server = match t.get("smtp") {
            None => {
                self.err(span, name, "missing smtp (the server, \"host:port\")");
                None
            }
            Some(item) => {
                let field = format!("{name}.smtp");
                let s = self.string(item, &field)?;
                match parse_host_port(s, if starttls { 587 } else { 25 }) {
                    Ok(hp) => Some(hp),
                    Err(why) => {
                        self.err(item.span(), field, why);
                        None
                    }
                }
            }
        };
        let from = match t.get("from") {
            None => {
                self.err(span, name, "missing from (the sender's address)");
                None
            }
            Some(item) => {
                let field = format!("{name}.from");
                let s = self.string(item, &field)?;
                self.mailbox(s, item.span(), &field)
            }
        };
        let to = match t.get("to") {
            None => {
                self.err(span, name, "missing to (the recipients' addresses)");
                None
            }
            Some(item) => {
                let field = format!("{name}.to");
                let list = self.strings(item, &field)?;
                if list.is_empty() {
                    self.err(item.span(), &field, "expected at least one address");
                }
                let mut out = Vec::new();
                for (s, sp) in list {
                    out.extend(self.mailbox(s, sp, &field));
                }
                Some(out)
            }
        };
        let username_env = self.env_name(t, name, "username_env");
        let password_env = self.env_name(t, name, "password_env");
        if username_env.is_some() != password_env.is_some() {
            self.err(span, name, "give both username_env and password_env for SMTP authentication, or neither");
        }
        let (host, port) = server?;
        Some(Endpoint::Smtp { host, port, from: from?, to: to?, starttls, username_env, password_env })
    }

    fn mailbox(&mut self, s: &str, span: Span, field: &str) -> Option<Mailbox> {
        match s.parse::<Mailbox>() {
            Ok(m) => Some(m),
            Err(_) => {
                self.err(
                    span,
                    field,
                    format!(
                        "expected an email address (\"ops@example.org\" or \"Name <ops@example.org>\"), found \"{s}\""
                    ),
                );
                None
            }
        }
    }
}

/// Checks a webhook URL: http or https, with a host.
pub fn check_url(s: &str) -> Result<(), String> {
    match reqwest::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!("expected an http:// or https:// URL, found scheme \"{}\"", u.scheme())),
        Err(e) => Err(format!("expected an http:// or https:// URL: {e}")),
    }
}

/// `host:port`, `host` (the default port) or `[v6]:port`.
fn parse_host_port(s: &str, default: u16) -> Result<(String, u16), String> {
    let bad = || format!("expected \"host:port\", found \"{s}\"");
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(bad()),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => return Err(format!("{}; an IPv6 address goes in brackets, [::1]:25", bad())),
            None => (s, None),
        }
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(bad());
    }
    let port = match port {
        None => default,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("expected a port 1 to 65535, found \"{p}\""))?,
    };
    Ok((host.to_string(), port))
}

fn line_col(text: &str, at: usize) -> (u32, u32) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

/// The candidate nearest `wanted`, if it is close enough to be a typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const GOOD: &str = r#"
link = "https://interlock.example.org/incidents/{incident}"

[retry]
attempts = 3
initial_backoff_ms = 10
max_backoff_ms = 100

[[channel]]
id = "ops-hook"
kind = "webhook"
url = "http://127.0.0.1:9/hook"
token_env = "OPS_TOKEN"
audiences = ["operations"]

[[channel]]
id = "lead-slack"
kind = "slack"
url_env = "SLACK_URL"
audiences = ["leadership"]
events = ["update-published", "test"]

[[channel]]
id = "sec-mail"
kind = "email"
smtp = "mail.example.org:587"
starttls = true
from = "Interlock <interlock@example.org>"
to = ["soc@example.org", "CISO <ciso@example.org>"]
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"
"#;

    #[test]
    fn a_good_config_parses() {
        let c = parse("notify.toml", GOOD).unwrap();
        assert_eq!(c.retry.attempts, 3);
        assert_eq!(c.retry.initial_backoff, Duration::from_millis(10));
        assert_eq!(c.retry.timeout, Duration::from_secs(10));
        assert_eq!(c.channels.len(), 3);
        assert_eq!(c.channels[1].endpoint, Endpoint::Http { url: Secret::Env("SLACK_URL".into()), token_env: None });
        let Endpoint::Smtp { host, port, to, starttls, .. } = &c.channels[2].endpoint else { panic!() };
        assert_eq!((host.as_str(), *port, to.len(), *starttls), ("mail.example.org", 587, 2, true));
        let ids = |v: Vec<&Channel>| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(c.channels_for(Some("operations"), EventKind::UpdatePublished)), ["ops-hook", "sec-mail"]);
        assert_eq!(ids(c.channels_for(Some("leadership"), EventKind::Deadline)), ["sec-mail"]);
        assert_eq!(ids(c.channels_for(None, EventKind::Test)), ["ops-hook", "lead-slack", "sec-mail"]);
        assert_eq!(c.link_for("INC-1").as_deref(), Some("https://interlock.example.org/incidents/INC-1"));
    }

    #[test]
    fn errors_name_file_line_field_and_what_was_expected() {
        let text = "[retry]\nattempts = 0\nbackoff = 3\n\n[[channel]]\nid = \"a\"\nkind = \"slak\"\nurl = \"ftp://x\"\naudience = [\"ops\"]\n\n[[channel]]\nid = \"b\"\nkind = \"email\"\nsmtp = \"mail:notaport\"\nfrom = \"nobody\"\nto = []\nurl = \"http://x\"\nevents = [\"update-publised\"]\naudiences = [\"leadershp\"]\n";
        let errs = parse("n.toml", text).unwrap_err().to_string();
        let expected = [
            "n.toml:2:12: retry.attempts: expected 1 to 100, found 0",
            "n.toml:3:1: retry.backoff: unknown key; expected one of attempts",
            "n.toml:9:1: channel \"a\".audience: unknown key; did you mean \"audiences\"?",
            "n.toml:7:8: channel \"a\".kind: unknown kind \"slak\"; did you mean \"slack\"? expected webhook, slack, teams or email",
            "n.toml:19:14: channel \"b\".audiences: unknown audience \"leadershp\"; did you mean \"leadership\"?",
            "n.toml:18:11: channel \"b\".events: unknown event \"update-publised\"; did you mean \"update-published\"?",
            "n.toml:17:1: channel \"b\".url: not a key of email channels",
            "n.toml:14:8: channel \"b\".smtp: expected a port 1 to 65535, found \"notaport\"",
            "n.toml:15:8: channel \"b\".from: expected an email address",
            "n.toml:16:6: channel \"b\".to: expected at least one address",
        ];
        for e in expected {
            assert!(errs.contains(e), "missing {e:?} in\n{errs}");
        }
    }

    #[test]
    fn secrets_are_named_not_given() {
        let text = "[[channel]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"http://x/\"\ntoken_env = \"Bearer abc123\"\n";
        let errs = parse("n.toml", text).unwrap_err().to_string();
        assert!(
            errs.contains("n.toml:5:13: channel \"a\".token_env: expected the name of an environment variable"),
            "{errs}"
        );
    }

    #[test]
    fn duplicate_ids_missing_fields_and_syntax_are_reported() {
        let text = "[[channel]]\nid = \"a\"\nkind = \"teams\"\nurl = \"http://x/\"\n[[channel]]\nid = \"a\"\nkind = \"teams\"\nurl = \"http://y/\"\n[[channel]]\nkind = \"webhook\"\n";
        let errs = parse("n.toml", text).unwrap_err().to_string();
        assert!(errs.contains("n.toml:6:6: channel \"a\".id: a second channel with this id"), "{errs}");
        assert!(errs.contains("channel[2]: missing id"), "{errs}");
        assert!(errs.contains("channel \"\"") || errs.contains("channel[2]: missing url"), "{errs}");
        let errs = parse("n.toml", "[[channel]\nid = 1").unwrap_err().to_string();
        assert!(errs.starts_with("n.toml:1:"), "{errs}");
        assert!(errs.contains("TOML syntax"), "{errs}");
        let errs = parse("n.toml", "channel = 3").unwrap_err().to_string();
        assert!(errs.contains("expected [[channel]] tables (an array of tables), found integer"), "{errs}");
    }

    #[test]
    fn host_and_port() {
        assert_eq!(parse_host_port("mail:2525", 25), Ok(("mail".into(), 2525)));
        assert_eq!(parse_host_port("mail", 25), Ok(("mail".into(), 25)));
        assert_eq!(parse_host_port("[::1]:26", 25), Ok(("::1".into(), 26)));
        assert!(parse_host_port("::1:25", 25).is_err());
        assert!(parse_host_port(":25", 25).is_err());
        assert!(parse_host_port("h:0", 25).is_err());
    }

    #[test]
    fn nearest_finds_typos_only() {
        assert_eq!(nearest("slak", ["slack", "teams"]), Some("slack"));
        assert_eq!(nearest("pager", ["slack", "teams"]), None);
    }
}
