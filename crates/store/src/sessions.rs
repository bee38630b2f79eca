//! Vendor sessions as the remote-access gateways report them: each session a
//! site-level record (kind `vendor-session`) whose body is the session line
//! as the gateway last sent it (the session log's JSON line: `user`,
//! `source`, `target`, `start`, `end`, `pathway`, `protocol`, `activity`).
//! A gateway posts a line when a session opens and the same line with its
//! `end` when it closes; the two are one session because they name the same
//! user, source, target, pathway and start, so a gateway needs no id of its
//! own. The live register is the recorded lines judged at the time asked
//! (`evidence::import::live_sessions`), the same as from a session log file.

use std::io::BufRead;

use evidence::{Format, LineError};
use sha2::{Digest as _, Sha256};

use crate::records::RecordsError;
use crate::{Record, Store};

/// The record kind of the sessions reported live.
pub const SESSION: &str = "vendor-session";

/// What became of one reported line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The session's record id (`S-` and 16 hex digits).
    pub id: String,
    /// The revision written: 1 when it opened, more when it changed (ended);
    /// `None` when the line said nothing new.
    pub rev: Option<u64>,
    /// The session has ended.
    pub ended: bool,
}

/// The lines of a session log that do not read, each by line number; nothing
/// is recorded when there is any.
#[derive(Debug, thiserror::Error)]
#[error("{} bad line(s); nothing recorded: {}", .0.len(), .0.iter().take(20).map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct BadLines(pub Vec<LineError>);

/// The session's identity: what stays the same from its opening to its end.
fn session_id(a: &evidence::Activity) -> String {
    let mut h = Sha256::new();
    for part in [a.user.as_deref(), a.src.as_deref(), a.dst.as_deref(), a.pathway.as_deref()] {
        h.update(part.unwrap_or("").as_bytes());
        h.update([0]);
    }
    h.update(a.start.to_be_bytes());
    let d = h.finalize();
    let hex: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("S-{hex}")
}

/// Records the sessions a gateway reports (JSON lines): every line is read
/// first, and nothing is written if one does not read. A line that repeats
/// what is recorded is not written again; an end is a new revision.
pub async fn report<S: Store + ?Sized, R: BufRead>(
    store: &S,
    reader: R,
    actor: &str,
    now: i64,
) -> Result<Vec<Reported>, ReportError> {
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    let mut texts = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| ReportError::Read(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        texts.push((i as u64 + 1, line));
    }
    for (n, text) in &texts {
        let mut parsed = evidence::parse::read(Format::Sessions, std::io::Cursor::new(text.clone().into_bytes()));
        match parsed.next() {
            Some(Ok(mut a)) => {
                a.line = *n;
                lines.push((a, text.trim().to_string()));
            }
            Some(Err(mut e)) => {
                e.line = *n;
                bad.push(e);
            }
            None => {}
        }
    }
    if !bad.is_empty() {
        return Err(ReportError::Bad(BadLines(bad)));
    }
    if lines.is_empty() {
        return Err(ReportError::Empty);
    }
    let mut out = Vec::with_capacity(lines.len());
    for (a, text) in lines {
        let id = session_id(&a);
        let latest = store.record_history(SESSION, &id).await?.pop();
        let ended = a.end.is_some_and(|e| e <= now);
        let rev = match &latest {
            Some(r) if r.body == text => None,
            Some(r) if ended_in(&r.body, now) => None,
            _ => {
                let rev = latest.as_ref().map_or(0, |r| r.rev) + 1;
                let reason = if rev == 1 {
                    "session opened"
                } else if ended {
                    "session ended"
                } else {
                    "session changed"
                };
                store
                    .put_record(&Record {
                        kind: SESSION.into(),
                        id: id.clone(),
                        rev,
                        recorded_at: now,
                        actor: actor.into(),
                        reason: reason.into(),
                        body: text,
                    })
                    .await?;
                Some(rev)
            }
        };
        out.push(Reported { id, rev, ended });
    }
    Ok(out)
}

/// Whether a recorded line says its session ended at or before `now` (an
/// ended session is not reopened by a late copy of its opening line).
fn ended_in(body: &str, now: i64) -> bool {
    match evidence::parse::read(Format::Sessions, std::io::Cursor::new(body.as_bytes().to_vec())).next() {
        Some(Ok(a)) => a.end.is_some_and(|e| e <= now),
        _ => false,
    }
}

/// Every recorded session (its latest line) as a session log, one line each,
/// for `evidence::import::live_sessions`.
pub async fn log<S: Store + ?Sized>(store: &S) -> Result<String, RecordsError> {
    let mut out = String::new();
    for r in store.records(SESSION).await? {
        out.push_str(&r.body);
        out.push('\n');
    }
    Ok(out)
}

/// Why a report was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Bad(BadLines),
    #[error("no session line in the body")]
    Empty,
    #[error("the body does not read: {0}")]
    Read(String),
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}
