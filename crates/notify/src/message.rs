//! A notification and the bodies it is sent as: pure functions of the
//! message, unit-tested, with no I/O.

use std::fmt;
use std::time::SystemTime;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use serde_json::{Value, json};

/// What a notification is about; channels filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A status update was published to an audience.
    UpdatePublished,
    /// The next status update is overdue.
    UpdateOverdue,
    /// A regulatory deadline is near or was missed.
    Deadline,
    /// `interlock notify test`.
    Test,
}

impl EventKind {
    pub const ALL: [EventKind; 4] =
        [EventKind::UpdatePublished, EventKind::UpdateOverdue, EventKind::Deadline, EventKind::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::UpdatePublished => "update-published",
            EventKind::UpdateOverdue => "update-overdue",
            EventKind::Deadline => "deadline",
            EventKind::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notification, whatever the channels it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Unique per notification (`INC-20261126-1#12`: the incident and the
    /// event it announces); with the channel it names the delivery.
    pub id: String,
    /// The incident's id, if it is about one.
    pub incident: Option<String>,
    /// The incident's title.
    pub title: Option<String>,
    pub audience: Option<String>,
    pub event: EventKind,
    /// One line: the email subject, the chat headline.
    pub subject: String,
    /// The text, in Markdown (as the status updates are written).
    pub text: String,
    pub link: Option<String>,
}

impl Message {
    /// The id of this message's delivery to a channel (the delivery log's record id).
    pub fn delivery_id(&self, channel: &str) -> String {
        format!("{}/{channel}", self.id)
    }
}

/// The generic JSON body: every field under a stable name.
pub fn generic_json(m: &Message) -> Value {
    json!({
        "id": m.id,
        "incident": m.incident,
        "title": m.title,
        "kind": m.event.as_str(),
        "audience": m.audience,
        "subject": m.subject,
        "text": m.text,
        "link": m.link,
    })
}

/// Slack's limit on the text of a section block.
const SLACK_SECTION: usize = 3000;
/// Slack's limit on the text of a header block.
const SLACK_HEADER: usize = 150;

/// A Slack-compatible body (incoming webhooks; Mattermost and Rocket.Chat
/// accept it too): `text` is the fallback shown in notifications, `blocks`
/// a header, the text as mrkdwn sections and a context line.
pub fn slack_json(m: &Message) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&m.subject, SLACK_HEADER), "emoji": false},
    })];
    for chunk in chunks(&to_mrkdwn(&m.text), SLACK_SECTION) {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": chunk}}));
    }
    let mut context = Vec::new();
    if let Some(i) = &m.incident {
        context.push(format!("*Incident* {}", escape_mrkdwn(i)));
    }
    if let Some(a) = &m.audience {
        context.push(format!("*Audience* {}", escape_mrkdwn(a)));
    }
    context.push(format!("*Event* {}", m.event));
    if let Some(l) = &m.link {
        context.push(format!("<{}|Open in Interlock>", escape_mrkdwn(l)));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context.join("  ·  ")}]}));
    json!({"text": m.subject, "blocks": blocks})
}

/// A Microsoft Teams-compatible body: a message with one Adaptive Card
/// attachment (what incoming webhooks and Workflows accept), the subject as
/// its heading, the incident's facts and the text (TextBlocks render a
/// subset of Markdown).
pub fn teams_json(m: &Message) -> Value {
    let mut facts = Vec::new();
    if let Some(i) = &m.incident {
        facts.push(json!({"title": "Incident", "value": i}));
    }
    if let Some(t) = &m.title {
        facts.push(json!({"title": "Title", "value": t}));
    }
    if let Some(a) = &m.audience {
        facts.push(json!({"title": "Audience", "value": a}));
    }
    facts.push(json!({"title": "Event", "value": m.event.as_str()}));
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": [
            {"type": "TextBlock", "text": m.subject, "size": "Large", "weight": "Bolder", "wrap": true},
            {"type": "FactSet", "facts": facts},
            {"type": "TextBlock", "text": m.text, "wrap": true},
        ],
    });
    if let Some(l) = &m.link {
        content["actions"] = json!([{"type": "Action.OpenUrl", "title": "Open in Interlock", "url": l}]);
    }
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": content}],
    })
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the email: {0}")]
pub struct EmailError(#[from] lettre::error::Error);

/// The email: an RFC 5322 message with the subject and a plain-text body
/// (the Markdown as written, the link after it), dated `date`.
pub fn email(m: &Message, from: &Mailbox, to: &[Mailbox], date: SystemTime) -> Result<lettre::Message, EmailError> {
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.replace(['\r', '\n'], " "))
        .date(date)
        .message_id(Some(format!("<{}@interlock.invalid>", message_id_part(&m.id))));
    for t in to {
        b = b.to(t.clone());
    }
    Ok(b.header(ContentType::TEXT_PLAIN).body(email_text(m))?)
}

/// The plain text of the email body.
pub fn email_text(m: &Message) -> String {
    let mut s = m.text.replace("\r\n", "\n");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s.push_str("\n-- \n");
    if let Some(i) = &m.incident {
        match &m.title {
            Some(t) => s.push_str(&format!("Incident {i}: {t}\n")),
            None => s.push_str(&format!("Incident {i}\n")),
        }
    }
    if let Some(a) = &m.audience {
        s.push_str(&format!("Audience: {a}\n"));
    }
    if let Some(l) = &m.link {
        s.push_str(&format!("{l}\n"));
    }
    s.push_str("Sent by Interlock.\n");
    s.replace('\n', "\r\n")
}

/// The message id as the local part of a Message-ID (dot-atom text).
fn message_id_part(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.+=".contains(c) { c } else { '.' }).collect()
}

fn escape_mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown (as status updates are written) to Slack mrkdwn: `&<>` escaped,
/// `**bold**` to `*bold*`, `[text](url)` to `<url|text>`, headings bold.
pub fn to_mrkdwn(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for (i, line) in md.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let heading = trimmed.strip_prefix('#').map(|rest| rest.trim_start_matches('#').trim());
        match heading {
            Some(h) if !h.is_empty() && trimmed.trim_start_matches('#').starts_with(' ') => {
                out.push('*');
                out.push_str(&inline_mrkdwn(&h.replace("**", "")));
                out.push('*');
            }
            _ => out.push_str(&inline_mrkdwn(line)),
        }
    }
    out
}

fn inline_mrkdwn(line: &str) -> String {
    let escaped = escape_mrkdwn(line).replace("**", "*");
    // [text](url) -> <url|text>
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let url_start = close + 2;
            after[url_start..].find(')').map(|end| (close, url_start, url_start + end))
        });
        match link {
            Some((close, us, ue)) if !after[..close].contains('[') && !after[us..ue].contains(' ') => {
                out.push_str(&rest[..open]);
                out.push_str(&format!("<{}|{}>", &after[us..ue], &after[..close]));
                rest = &after[ue + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// Cuts text into pieces of at most `max` chars, at line ends where it can.
fn chunks(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for line in s.split('\n') {
        let mut line_chars: Vec<char> = line.chars().collect();
        // A line longer than a chunk is cut wherever it must.
        while line_chars.len() > max {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
            let rest = line_chars.split_off(max);
            out.push(line_chars.iter().collect());
            line_chars = rest;
        }
        let n = line_chars.len() + usize::from(!cur.is_empty());
        if cur_len + n > max {
            out.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if !cur.is_empty() {
            cur.push('\n');
            cur_len += 1;
        }
        cur.extend(line_chars.iter());
        cur_len += line_chars.len();
    }
    if !cur.trim().is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn msg() -> Message {
        Message {
            id: "INC-20261126-1#12".into(),
            incident: Some("INC-20261126-1".into()),
            title: Some("Directory abuse".into()),
            audience: Some("leadership".into()),
            event: EventKind::UpdatePublished,
            subject: "[INC-20261126-1] Directory abuse: update for leadership".into(),
            text: "## Decisions needed\n- **approve** take-offline dc-corp-01 <now> & [runbook](https://x.example/r)\n"
                .into(),
            link: Some("https://interlock.example.org/incidents/INC-20261126-1".into()),
        }
    }

    #[test]
    fn the_generic_body_has_every_field() {
        let v = generic_json(&msg());
        assert_eq!(v["incident"], "INC-20261126-1");
        assert_eq!(v["kind"], "update-published");
        assert_eq!(v["audience"], "leadership");
        assert_eq!(v["subject"], "[INC-20261126-1] Directory abuse: update for leadership");
        assert!(v["text"].as_str().unwrap().starts_with("## Decisions needed"));
        let mut t = msg();
        t.incident = None;
        t.audience = None;
        assert_eq!(generic_json(&t)["incident"], Value::Null);
    }

    #[test]
    fn the_slack_body_is_mrkdwn_blocks() {
        let v = slack_json(&msg());
        assert_eq!(v["text"], "[INC-20261126-1] Directory abuse: update for leadership");
        assert_eq!(v["blocks"][0]["type"], "header");
        assert_eq!(v["blocks"][1]["type"], "section");
        assert_eq!(v["blocks"][1]["text"]["type"], "mrkdwn");
        assert_eq!(
            v["blocks"][1]["text"]["text"],
            "*Decisions needed*\n- *approve* take-offline dc-corp-01 &lt;now&gt; &amp; <https://x.example/r|runbook>"
        );
        let ctx = v["blocks"][2]["elements"][0]["text"].as_str().unwrap();
        assert!(
            ctx.contains("*Audience* leadership")
                && ctx.contains("<https://interlock.example.org/incidents/INC-20261126-1|Open in Interlock>"),
            "{ctx}"
        );
    }

    #[test]
    fn long_text_is_cut_into_sections_within_slacks_limit() {
        let mut m = msg();
        m.text = "x".repeat(7000) + "\nend";
        let v = slack_json(&m);
        let sections: Vec<&str> = v["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "section")
            .map(|b| b["text"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(sections.len(), 3);
        assert!(sections.iter().all(|s| s.chars().count() <= SLACK_SECTION));
        assert_eq!(sections.concat().len(), 7000 + 4);
    }

    #[test]
    fn the_teams_body_is_an_adaptive_card() {
        let v = teams_json(&msg());
        assert_eq!(v["type"], "message");
        let a = &v["attachments"][0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(a["content"]["type"], "AdaptiveCard");
        assert_eq!(a["content"]["version"], "1.4");
        let body = a["content"]["body"].as_array().unwrap();
        assert_eq!(body[0]["text"], "[INC-20261126-1] Directory abuse: update for leadership");
        assert_eq!(body[1]["facts"][0], json!({"title": "Incident", "value": "INC-20261126-1"}));
        assert_eq!(body[2]["text"], msg().text);
        assert_eq!(a["content"]["actions"][0]["url"], "https://interlock.example.org/incidents/INC-20261126-1");
    }

    #[test]
    fn the_email_is_rfc5322_with_subject_and_plain_text() {
        let from: Mailbox = "Interlock <interlock@example.org>".parse().unwrap();
        let to: Vec<Mailbox> = vec!["ciso@example.org".parse().unwrap(), "ceo@example.org".parse().unwrap()];
        let date = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        let e = email(&msg(), &from, &to, date).unwrap();
        let text = String::from_utf8(e.formatted()).unwrap();
        assert!(text.contains("Subject: [INC-20261126-1] Directory abuse: update for leadership\r\n"), "{text}");
        assert!(text.contains("From: Interlock <interlock@example.org>\r\n"), "{text}");
        assert!(text.contains("To: ciso@example.org, ceo@example.org\r\n"), "{text}");
        assert!(text.contains("Message-ID: <INC-20261126-1.12@interlock.invalid>\r\n"), "{text}");
        assert!(text.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{text}");
        assert!(text.contains("Date: "), "{text}");
        assert!(text.contains("\r\n\r\n## Decisions needed\r\n"), "{text}");
        assert!(text.contains("Audience: leadership\r\n"), "{text}");
        let env = e.envelope();
        assert_eq!(env.to().len(), 2);
    }

    #[test]
    fn mrkdwn_leaves_plain_brackets_alone() {
        assert_eq!(to_mrkdwn("a [b] c (d)"), "a [b] c (d)");
        assert_eq!(to_mrkdwn("#hashtag"), "#hashtag");
        assert_eq!(to_mrkdwn("[x](y z)"), "[x](y z)");
    }
}
