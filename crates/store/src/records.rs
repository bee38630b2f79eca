//! Authorised work as site-level records with their history: work orders
//! (kind `work`) and vendor access grants (kind `grant`), each a JSON body
//! of [`evidence::WorkOrder`] or [`evidence::Grant`] and each change a new
//! revision. Building, checking and revising them, the all-or-nothing CSV
//! import of work orders, revoking a grant and the re-admission rule, and
//! the evidence an import records on an incident: one implementation for the
//! CLI (`interlock work|vendor|evidence`) and the server (`/api/work-orders`,
//! `/api/vendor-grants`, `/api/evidence/import`).

use std::io::BufRead;

use evidence::import::Tally;
use evidence::{Format, Grant, GrantStatus, LineError, RecordError, WorkActivity, WorkOrder};
use incident::{Body, Digest, Evidence, EvidenceSource, HypothesisUpdate, Incident, Timestamp};
use site_model::Site;

use crate::{Record, Store, StoreError};

pub use crate::grants::GRANT;

/// The record kind of work orders and maintenance windows.
pub const WORK: &str = "work";

/// The longest record id accepted.
const MAX_ID_BYTES: usize = 200;

/// Why a record was not written. Nothing is written when any is returned.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The record does not check against the site model: the field named.
    #[error("{0}")]
    Invalid(#[from] RecordError),
    /// Rows of a CSV import that do not read or do not check, each by line.
    #[error("{} bad row(s); nothing written", .0.len())]
    BadRows(Vec<LineError>),
    #[error("no {kind} {id}")]
    NoSuchRecord { kind: &'static str, id: String },
    #[error("grant {0} is already revoked")]
    AlreadyRevoked(String),
    /// A vendor whose access was revoked needs an approval to be re-admitted.
    #[error("{0}")]
    Readmission(Readmission),
    #[error("{0} is not a person of the site model")]
    NotAPerson(String),
    /// A link to a hypothesis the incident does not have.
    #[error("#{hypothesis} is not a hypothesis of {incident}")]
    NoSuchHypothesis { hypothesis: u64, incident: String },
    /// The re-admission rule could not be assessed (the authority matrix).
    #[error("the authority matrix: {0}")]
    Authority(String),
    /// A stored revision that does not read.
    #[error("{kind} {id} revision {rev} does not read: {why}")]
    Unreadable { kind: String, id: String, rev: u64, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a re-admission was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readmission {
    /// No approval given: `roles` are the roles whose holders may give it.
    NeedsApproval { vendor: String, revoked: Vec<String>, roles: Vec<String> },
    /// The approval was given by the person recording the grant.
    SelfApproved,
    /// The approver holds none of `roles`.
    NotAHolder { approver: String, roles: Vec<String>, vendor: String },
}

impl std::fmt::Display for Readmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Readmission::NeedsApproval { vendor, revoked, roles } => write!(
                f,
                "{vendor}'s access was revoked ({}); re-admission needs a fresh approval by a holder of {}",
                revoked.join(", "),
                roles.join(" or ")
            ),
            Readmission::SelfApproved => {
                write!(f, "the approval of a re-admission is given by someone other than the person recording it")
            }
            Readmission::NotAHolder { approver, roles, vendor } => {
                write!(f, "{approver} holds none of {}, whose approval re-admits {vendor}", roles.join(", "))
            }
        }
    }
}

/// A revision written: what `interlock work add --json` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub kind: &'static str,
    pub id: String,
    pub rev: u64,
}

/// An activity word (`logic-download`...), or why it is not one.
pub fn activity(s: &str) -> Result<WorkActivity, String> {
    WorkActivity::parse(s).ok_or_else(|| {
        let words: Vec<&str> = WorkActivity::ALL.iter().map(|a| a.as_str()).collect();
        format!("\"{s}\" is not an activity; expected one of {}", words.join(", "))
    })
}

/// A log format word, or why it is not one.
pub fn format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("\"{s}\" is not a format; expected zeek, suricata, sessions or csv"))
}

fn check_id(record: &str, id: &str) -> Result<(), RecordError> {
    let problem = if id.trim().is_empty() {
        "an id is required"
    } else if id.len() > MAX_ID_BYTES {
        "at most 200 bytes"
    } else if id.chars().any(char::is_control) || id.trim() != id {
        "no control characters, no leading or trailing spaces"
    } else {
        return Ok(());
    };
    Err(RecordError { record: format!("{record} {id:?}"), field: "id", problem: problem.into() })
}

fn person(site: &Site, actor: &str) -> Result<(), RecordsError> {
    match site.person_by_id(actor) {
        Some(_) => Ok(()),
        None => Err(RecordsError::NotAPerson(actor.into())),
    }
}

/// The latest revision of a record, if there is one.
pub async fn latest<S: Store + ?Sized>(store: &S, kind: &str, id: &str) -> Result<Option<Record>, RecordsError> {
    Ok(store.record_history(kind, id).await?.pop())
}

fn unreadable(r: &Record, e: serde_json::Error) -> RecordsError {
    RecordsError::Unreadable { kind: r.kind.clone(), id: r.id.clone(), rev: r.rev, why: e.to_string() }
}

/// A stored work order revision's body.
pub fn read_work(r: &Record) -> Result<WorkOrder, RecordsError> {
    serde_json::from_str(&r.body).map_err(|e| unreadable(r, e))
}

/// A stored grant revision's body.
pub fn read_grant(r: &Record) -> Result<Grant, RecordsError> {
    serde_json::from_str(&r.body).map_err(|e| unreadable(r, e))
}

fn json(body: Result<String, serde_json::Error>) -> Result<String, RecordsError> {
    body.map_err(|e| RecordsError::Store(StoreError::Invalid(e.to_string())))
}

/// Writes `body` as the next revision of `kind`/`id` (the store refuses it
/// if another revision was written in between).
async fn put<S: Store + ?Sized>(
    store: &S,
    kind: &'static str,
    id: &str,
    body: String,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<Revision, RecordsError> {
    let rev = store.record_history(kind, id).await?.last().map_or(0, |r| r.rev) + 1;
    store
        .put_record(&Record {
            kind: kind.into(),
            id: id.into(),
            rev,
            recorded_at: now,
            actor: actor.into(),
            reason: reason.into(),
            body,
        })
        .await?;
    Ok(Revision { kind, id: id.into(), rev })
}

/// Records a work order, or its next revision when the id exists, as
/// `actor` (a person of the site model), checked against the site.
pub async fn put_work<S: Store + ?Sized>(
    store: &S,
    site: &Site,
    w: &WorkOrder,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<Revision, RecordsError> {
    person(site, actor)?;
    check_id("work order", &w.id)?;
    w.check(site)?;
    put(store, WORK, &w.id, json(serde_json::to_string(w))?, actor, reason, now).await
}

/// Grants a vendor access (or revises a grant) as `actor`: active, checked
/// against the site, and, while any grant of the vendor is revoked, only
/// with the approval of `approved_by` ([`readmission`]; `graph` is the
/// site's compiled graph, compiled when needed if not given).
#[allow(clippy::too_many_arguments)]
pub async fn put_grant<S: Store + ?Sized>(
    store: &S,
    site: &Site,
    graph: Option<&impact::Graph>,
    mut g: Grant,
    approved_by: Option<&str>,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<Revision, RecordsError> {
    person(site, actor)?;
    readmission(store, site, graph, &g.vendor, approved_by, actor).await?;
    check_id("grant", &g.id)?;
    g.status = GrantStatus::Active;
    g.status_reason = approved_by.map(|p| format!("re-admitted with the approval of {p}"));
    g.check(site)?;
    put(store, GRANT, &g.id, json(serde_json::to_string(&g))?, actor, reason, now).await
}

/// Revokes a grant: a new revision, revoked, saying why (re-admission then
/// needs a new grant and an approval).
pub async fn revoke_grant<S: Store + ?Sized>(
    store: &S,
    id: &str,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<Revision, RecordsError> {
    let Some(latest) = latest(store, GRANT, id).await? else {
        return Err(RecordsError::NoSuchRecord { kind: "grant", id: id.into() });
    };
    let mut g = read_grant(&latest)?;
    if g.status == GrantStatus::Revoked {
        return Err(RecordsError::AlreadyRevoked(id.into()));
    }
    g.status = GrantStatus::Revoked;
    g.status_reason = Some(reason.to_string());
    put(store, GRANT, id, json(serde_json::to_string(&g))?, actor, reason, now).await
}

/// A vendor whose access was revoked is re-admitted only with a fresh
/// approval: by someone other than the person recording, holding a role the
/// authority matrix requires to approve revoking that vendor's access.
/// `graph` is the site's compiled graph (compiled here when needed if not given).
pub async fn readmission<S: Store + ?Sized>(
    store: &S,
    site: &Site,
    graph: Option<&impact::Graph>,
    vendor: &str,
    approved_by: Option<&str>,
    actor: &str,
) -> Result<(), RecordsError> {
    let grants: Vec<Grant> =
        store.records(GRANT).await?.iter().filter_map(|r| serde_json::from_str::<Grant>(&r.body).ok()).collect();
    let revoked: Vec<String> = evidence::work::revoked_grants(&grants, vendor).iter().map(|g| g.id.clone()).collect();
    if revoked.is_empty() {
        return Ok(());
    }
    let compiled;
    let graph = match graph {
        Some(g) => g,
        None => {
            compiled = impact::Graph::compile(site);
            &compiled
        }
    };
    let engine = authority::Engine { site, graph };
    let asm = engine
        .assess(&format!("revoke-vendor-access vendor:{vendor}"), site_model::PhaseWord::Recover)
        .map_err(|e| RecordsError::Authority(e.to_string()))?;
    let roles = asm.requirement.approver_roles();
    let Some(approver) = approved_by else {
        return Err(RecordsError::Readmission(Readmission::NeedsApproval {
            vendor: vendor.into(),
            revoked,
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }));
    };
    if approver == actor {
        return Err(RecordsError::Readmission(Readmission::SelfApproved));
    }
    if authority::site_roles_of(site, approver, roles.iter().copied()).is_empty() {
        return Err(RecordsError::Readmission(Readmission::NotAHolder {
            approver: approver.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            vendor: vendor.into(),
        }));
    }
    Ok(())
}

/// The register of authorised work: the latest revision of every work
/// order and grant (a revision that does not read is an error).
pub async fn register<S: Store + ?Sized>(store: &S) -> Result<(Vec<WorkOrder>, Vec<Grant>), RecordsError> {
    let work = store.records(WORK).await?.iter().map(read_work).collect::<Result<Vec<_>, _>>()?;
    let grants = store.records(GRANT).await?.iter().map(read_grant).collect::<Result<Vec<_>, _>>()?;
    Ok((work, grants))
}

/// One revision as `interlock work|vendor list --json` shows it: the
/// record's body under the key of its kind (`work` or `grant`).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: String,
    pub rev: u64,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: String,
    pub by: String,
    pub reason: String,
    /// The body as stored (null if it does not read).
    pub body: serde_json::Value,
}

impl Listed {
    pub fn new(r: &Record) -> Listed {
        Listed {
            id: r.id.clone(),
            rev: r.rev,
            recorded_at: evidence::correlate::fmt_time(r.recorded_at),
            by: r.actor.clone(),
            reason: r.reason.clone(),
            body: serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The JSON object of the CLI's `--json` lists, the body under `kind`.
    pub fn to_json(&self, kind: &str) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("rev".into(), self.rev.into());
        m.insert("recorded_at".into(), self.recorded_at.clone().into());
        m.insert("by".into(), self.by.clone().into());
        m.insert("reason".into(), self.reason.clone().into());
        m.insert(kind.into(), self.body.clone());
        serde_json::Value::Object(m)
    }
}

/// One CSV row of work: id,title,assets,people,accounts,vendor,start,end,activities,supervisor
/// (lists separated by `;`, times RFC 3339).
pub fn work_from_row(line: u64, f: &[String]) -> Result<WorkOrder, LineError> {
    let err = |reason: String| LineError { line, reason };
    if f.len() != 10 {
        return Err(err(format!(
            "{} fields; expected 10: id,title,assets,people,accounts,vendor,start,end,activities,supervisor",
            f.len()
        )));
    }
    let list = |s: &str| s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect::<Vec<_>>();
    let opt = |s: &str| if s.trim().is_empty() { None } else { Some(s.trim().to_string()) };
    let when = |field: &str, s: &str| {
        Timestamp::parse(s.trim()).map(|t| t.micros()).map_err(|e| err(format!("field {field}: {e}")))
    };
    let activities = list(&f[8])
        .iter()
        .map(|a| activity(a).map_err(|e| err(format!("field activities: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WorkOrder {
        id: f[0].trim().into(),
        title: f[1].trim().into(),
        assets: list(&f[2]),
        people: list(&f[3]),
        accounts: list(&f[4]),
        vendor: opt(&f[5]),
        start: when("start", &f[6])?,
        end: when("end", &f[7])?,
        activities,
        supervisor: opt(&f[9]),
        cancelled: false,
    })
}

/// Reads a CSV of work orders (a first row starting `id` is the header)
/// and checks every row against the site: the orders with their lines, or
/// every bad row (its line and why). Nothing is written here.
pub fn read_work_csv<R: BufRead>(site: &Site, reader: R) -> Result<Vec<(u64, WorkOrder)>, RecordsError> {
    let mut orders = Vec::new();
    let mut errors = Vec::new();
    for row in evidence::parse::csv_records(reader)
        .skip_while(|r| r.as_ref().is_ok_and(|(_, f)| f.first().is_some_and(|x| x.trim() == "id")))
    {
        match row.and_then(|(line, fields)| work_from_row(line, &fields).map(|w| (line, w))) {
            Ok((line, w)) => match check_id("work order", &w.id).and_then(|()| w.check(site)) {
                Ok(()) => orders.push((line, w)),
                Err(e) => errors.push(LineError { line, reason: e.to_string() }),
            },
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(orders) } else { Err(RecordsError::BadRows(errors)) }
}

/// Writes work orders read by [`read_work_csv`], each as the next revision
/// of its id, as `actor`, saying why (`imported from FILE`).
pub async fn import_work<S: Store + ?Sized>(
    store: &S,
    site: &Site,
    orders: &[(u64, WorkOrder)],
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<Vec<Revision>, RecordsError> {
    person(site, actor)?;
    let mut out = Vec::with_capacity(orders.len());
    for (_, w) in orders {
        out.push(put(store, WORK, &w.id, json(serde_json::to_string(w))?, actor, reason, now).await?);
    }
    Ok(out)
}

/// A hypothesis an import is evidence for (`supports`) or against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub hypothesis: u64,
    pub supports: bool,
}

/// An import to record as evidence of an incident.
#[derive(Debug, Clone)]
pub struct EvidenceImport<'a> {
    pub format: Format,
    /// The file's name (the evidence's title says `FORMAT import: NAME`).
    pub name: &'a str,
    /// Where it is kept (a path), when known.
    pub location: Option<&'a str>,
    pub sha256: Digest,
    pub tally: &'a Tally,
    pub link: Option<Link>,
}

/// The events that record an import on `inc`: the evidence (its hash, the
/// verdict counts, the assets concerned) collected by `actor` at `now`, and
/// the hypothesis update that links it, when asked.
pub fn evidence_bodies(
    inc: &Incident,
    import: &EvidenceImport<'_>,
    actor: &str,
    now: Timestamp,
) -> Result<Vec<Body>, RecordsError> {
    let description = import.tally.description();
    let mut bodies = vec![Body::EvidenceCollected(Evidence {
        title: format!("{} import: {}", import.format.as_str(), import.name).into(),
        source: match import.format {
            Format::Zeek => EvidenceSource::NetworkCapture,
            Format::Suricata => EvidenceSource::Alert,
            Format::Sessions => EvidenceSource::SessionRecord,
            Format::Csv => EvidenceSource::Log,
        },
        sha256: Some(import.sha256),
        location: import.location.map(Into::into),
        collected_by: actor.into(),
        collected_at: now,
        assets: import.tally.concerned.iter().take(256).map(|s| s.as_str().into()).collect(),
        description: Some(description.as_str().into()),
    })];
    // The evidence is the next event; the hypothesis update links it.
    if let Some(Link { hypothesis, supports }) = import.link {
        let status = inc
            .hypotheses
            .get(&hypothesis)
            .map(|x| x.status)
            .ok_or_else(|| RecordsError::NoSuchHypothesis { hypothesis, incident: inc.id().into() })?;
        let ev = inc.seq() + 1;
        bodies.push(Body::HypothesisUpdated(HypothesisUpdate {
            hypothesis,
            status,
            evidence_for: if supports { vec![ev] } else { vec![] },
            evidence_against: if supports { vec![] } else { vec![ev] },
            reason: format!("{} import: {description}", import.format.as_str()).into(),
        }));
    }
    Ok(bodies)
}
