//! The canonical, versioned binary encoding of events.
//!
//! Layout of one event (all integers LEB128 varints, minimal; signed ones
//! zig-zagged; strings and lists prefixed by their length):
//!
//! ```text
//! u8  ENCODING (the format version, 1)
//! str incident      varint seq
//! timestamp recorded_at (zigzag µs since the epoch, zigzag offset minutes)
//! str actor         varint kind code      the kind's fields, in declaration order
//! ```
//!
//! Options are a byte 0 or 1 before the value; booleans are one byte 0 or 1;
//! `u32`s are varints; vocabulary values are their stable one-byte codes
//! (the site model's impact facts, which have no codes, are their canonical
//! word as a string); digests are 32 raw bytes. Nested records (a proposal's
//! assessment and its requirement, a recovery plan's items and their checks)
//! are their fields in declaration order, lists of them prefixed by their
//! length. The decoder accepts exactly one encoding of each event:
//! non-minimal varints, numbers too large for their field, unknown codes or
//! words, option and boolean bytes other than 0/1, invalid UTF-8,
//! out-of-range times, a correction inside a correction and trailing bytes
//! are all refused, so `encode(decode(b)) == b` for every `b` that decodes.
//! That is what lets the hash chain be recomputed from stored bytes alone.
//!
//! Changing the layout of an existing kind means a new `ENCODING` value; the
//! decoder keeps reading every earlier one. A new kind (a new code, such as
//! the work-plan kinds 40-46, the membership kinds 27-29, the response-action
//! kinds 64-74 or the recovery kinds 128-133, whose codes take two varint
//! bytes) leaves earlier events unchanged and so keeps the version. A pair (a
//! task's measure: action and measure index) is its two numbers in order.

use authority::{Assessment, Fact, Group, Matched, Requirement, Rung, VerdictKind};
use site_model::{Domain, ImpactFact};

use crate::model::*;
use crate::time::Timestamp;

/// The version of the encoding this build writes.
pub const ENCODING: u8 = 1;
/// No encoded event may be larger than this (1 MiB).
pub const MAX_EVENT_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty")]
    Empty,
    #[error("encoding version {0} is not known to this build (it reads up to {ENCODING})")]
    Version(u8),
    #[error("{0} bytes is larger than the {MAX_EVENT_BYTES}-byte limit of an event")]
    TooLarge(usize),
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("non-canonical or overlong number at byte {0}")]
    Varint(usize),
    #[error("invalid UTF-8 in a string at byte {0}")]
    Utf8(usize),
    #[error("unknown {what} code {code} at byte {at}")]
    Code { what: &'static str, code: u64, at: usize },
    #[error("invalid {what} at byte {at}")]
    Invalid { what: &'static str, at: usize },
    #[error("{0} bytes left over after the event")]
    Trailing(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("the event encodes to {0} bytes, more than the {MAX_EVENT_BYTES}-byte limit of an event")]
    TooLarge(usize),
    #[error("a correction cannot carry another correction")]
    NestedCorrection,
}

/// Encodes an event in the current encoding.
pub fn encode(event: &Event) -> Result<Vec<u8>, EncodeError> {
    let mut w = Writer { buf: Vec::with_capacity(128) };
    w.u8(ENCODING);
    w.str(&event.incident);
    w.varint(event.seq);
    w.time(event.recorded_at);
    w.str(&event.actor);
    w.body(&event.body)?;
    if w.buf.len() > MAX_EVENT_BYTES {
        return Err(EncodeError::TooLarge(w.buf.len()));
    }
    Ok(w.buf)
}

/// Decodes one event; refuses anything but the canonical encoding.
pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    let mut r = Reader { b: bytes, at: 0 };
    let version = r.u8().map_err(|_| DecodeError::Empty)?;
    if version != ENCODING {
        return Err(DecodeError::Version(version));
    }
    let incident = r.str()?;
    let seq = r.varint()?;
    let recorded_at = r.time()?;
    let actor = r.str()?;
    let body = r.body(true)?;
    if r.at != bytes.len() {
        return Err(DecodeError::Trailing(bytes.len() - r.at));
    }
    Ok(Event { incident, seq, recorded_at, actor, body })
}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: &Option<Box<str>>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    fn strs(&mut self, v: &[Box<str>]) {
        self.varint(v.len() as u64);
        for s in v {
            self.str(s);
        }
    }

    fn seqs(&mut self, v: &[u64]) {
        self.varint(v.len() as u64);
        for s in v {
            self.varint(*s);
        }
    }

    fn time(&mut self, t: Timestamp) {
        self.zigzag(t.micros());
        self.zigzag(t.offset_minutes() as i64);
    }

    fn digest(&mut self, d: &Digest) {
        self.buf.extend_from_slice(&d.0);
    }

    fn opt_digest(&mut self, d: &Option<Digest>) {
        match d {
            None => self.u8(0),
            Some(d) => {
                self.u8(1);
                self.digest(d);
            }
        }
    }

    fn opt_varint(&mut self, v: Option<u64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.varint(v);
            }
        }
    }

    fn opt_code(&mut self, c: Option<u8>) {
        self.u8(c.unwrap_or(0));
    }

    fn bool(&mut self, b: bool) {
        self.u8(b as u8);
    }

    fn domain(&mut self, d: Option<Domain>) {
        self.opt_code(d.map(domain_code));
    }

    fn body(&mut self, body: &Body) -> Result<(), EncodeError> {
        self.varint(body.kind().code() as u64);
        match body {
            Body::Opened(o) => {
                self.str(&o.title);
                self.str(&o.summary);
                self.u8(o.category.code());
                self.u8(o.severity.code());
                self.digest(&o.site_version);
            }
            Body::Escalated { reason } | Body::Dismissed { reason } => self.str(reason),
            Body::Declared { reason, site_version } => {
                self.str(reason);
                self.digest(site_version);
            }
            Body::SeverityChanged { severity, reason } => {
                self.u8(severity.code());
                self.str(reason);
            }
            Body::CategoryChanged { category, reason } => {
                self.u8(category.code());
                self.str(reason);
            }
            Body::PhaseChanged { phase, reason } => {
                self.u8(phase.code());
                self.str(reason);
            }
            Body::SituationAssessed(s) => {
                self.opt_str(&s.process);
                self.opt_code(s.process_state.map(ProcessState::code));
                self.opt_code(s.control.map(Integrity::code));
                self.opt_code(s.view.map(Integrity::code));
                self.str(&s.reason);
                self.seqs(&s.evidence);
            }
            Body::Assigned { role, person, reason, site_version } => {
                self.str(role);
                self.str(person);
                self.str(reason);
                self.digest(site_version);
            }
            Body::Relieved { role, reason } => {
                self.str(role);
                self.str(reason);
            }
            Body::HandedOver(h) => {
                self.str(&h.role);
                self.str(&h.from);
                self.str(&h.to);
                self.str(&h.reason);
                self.snapshot(&h.briefing.snapshot);
                self.str(&h.briefing.current_actions);
            }
            Body::Note(n) => {
                self.str(&n.text);
                self.domain(n.domain);
            }
            Body::Observation(o) => {
                self.str(&o.text);
                self.time(o.observed_at);
                self.domain(o.domain);
                self.strs(&o.assets);
            }
            Body::EvidenceCollected(e) => {
                self.str(&e.title);
                self.u8(e.source.code());
                self.opt_digest(&e.sha256);
                self.opt_str(&e.location);
                self.str(&e.collected_by);
                self.time(e.collected_at);
                self.strs(&e.assets);
                self.opt_str(&e.description);
            }
            Body::CustodyTransferred(c) => {
                self.varint(c.evidence);
                self.str(&c.from);
                self.str(&c.to);
                self.time(c.at);
                self.str(&c.reason);
            }
            Body::HypothesisProposed(h) => {
                self.str(&h.statement);
                self.seqs(&h.evidence_for);
                self.seqs(&h.evidence_against);
            }
            Body::HypothesisUpdated(u) => {
                self.varint(u.hypothesis);
                self.u8(u.status.code());
                self.seqs(&u.evidence_for);
                self.seqs(&u.evidence_against);
                self.str(&u.reason);
            }
            Body::DecisionRecorded(d) => {
                self.str(&d.title);
                self.strs(&d.options);
                self.varint(d.choice as u64);
                self.str(&d.rationale);
                self.strs(&d.decided_by);
                self.varint(d.dissent.len() as u64);
                for x in &d.dissent {
                    self.str(&x.person);
                    self.str(&x.text);
                }
                self.seqs(&d.evidence);
                self.domain(d.domain);
                self.digest(&d.site_version);
                self.opt_digest(&d.authority_version);
            }
            Body::CommunicationPublished(c) => {
                self.str(&c.audience);
                self.str(&c.channel);
                self.str(&c.text);
            }
            Body::ActionProposed(p) => {
                self.str(&p.action);
                self.str(&p.rationale);
                self.seqs(&p.evidence);
                self.u8(p.phase.code());
                self.digest(&p.site_version);
                self.digest(&p.authority_version);
                self.assessment(&p.assessment);
            }
            Body::ActionApproved(s) | Body::ActionRejected(s) => {
                self.varint(s.action);
                self.str(&s.rationale);
                self.strs(&s.roles);
                self.domain(s.side);
                self.digest(&s.site_version);
                self.digest(&s.authority_version);
            }
            Body::ActionEscalated(e) => {
                self.varint(e.action);
                self.varint(e.level as u64);
                self.u8(e.cause.code());
                self.str(&e.reason);
            }
            Body::ActionOverridden(o) => {
                self.varint(o.action);
                self.str(&o.rationale);
                self.digest(&o.site_version);
                self.digest(&o.authority_version);
            }
            Body::MeasureConfirmed(m) => {
                self.varint(m.action);
                self.varint(m.measure as u64);
                self.str(&m.note);
            }
            Body::ExecutionStarted(n) | Body::ActionWithdrawn(n) => {
                self.varint(n.action);
                self.str(&n.note);
            }
            Body::ExecutionReported(r) | Body::ActionRolledBack(r) => {
                self.varint(r.action);
                self.u8(r.outcome.code());
                self.str(&r.note);
            }
            Body::ActionVerified(v) => {
                self.varint(v.action);
                self.u8(v.result.code());
                self.str(&v.note);
            }
            Body::RecoveryPlanned(p) => {
                self.digest(&p.site_version);
                self.varint(p.items.len() as u64);
                for item in &p.items {
                    self.str(&item.asset);
                    self.str(&item.stage);
                    self.str(&item.reason);
                    self.opt_str(&item.reentry);
                    self.varint(item.checks.len() as u64);
                    for c in &item.checks {
                        self.str(&c.kind);
                        self.opt_str(&c.expected);
                        self.str(&c.source);
                    }
                }
            }
            Body::RecoveryReordered(r) => {
                self.str(&r.asset);
                self.opt_str(&r.after);
                self.str(&r.reason);
            }
            Body::CheckRecorded(c) => {
                self.str(&c.asset);
                self.str(&c.kind);
                self.str(&c.observed);
                self.opt_str(&c.expected);
                self.bool(c.passed);
                self.str(&c.detail);
                self.opt_digest(&c.artefact);
                self.opt_str(&c.note);
            }
            Body::MonitoringStarted(m) => {
                self.strs(&m.assets);
                self.time(m.until);
                self.strs(&m.criteria);
            }
            Body::MonitoringEnded(m) => {
                self.varint(m.window);
                self.str(&m.reason);
            }
            Body::RecoveryEnded(r) => {
                self.str(&r.reason);
                self.strs(&r.open_items);
            }
            Body::PeriodOpened(p) => {
                self.time(p.start);
                self.time(p.end);
                self.strs(&p.objectives);
                self.str(&p.safety);
                self.str(&p.safety_by);
            }
            Body::SafetyConsiderations(s) => {
                self.varint(s.period);
                self.str(&s.safety);
            }
            Body::PeriodClosed(c) => {
                self.varint(c.period);
                self.strs(&c.summary);
                self.opt_str(&c.note);
            }
            Body::TaskAdded(t) => {
                self.str(&t.title);
                self.opt_str(&t.owner);
                self.opt_str(&t.role);
                self.u8(t.domain.code());
                self.strs(&t.assets);
                match t.due {
                    None => self.u8(0),
                    Some(due) => {
                        self.u8(1);
                        self.time(due);
                    }
                }
                self.opt_varint(t.hypothesis);
                self.seqs(&t.evidence);
                match t.measure {
                    None => self.u8(0),
                    Some((action, measure)) => {
                        self.u8(1);
                        self.varint(action);
                        self.varint(measure as u64);
                    }
                }
                match &t.collection {
                    None => self.u8(0),
                    Some(c) => {
                        self.u8(1);
                        self.str(&c.method);
                        self.u8(c.intrusiveness.code());
                    }
                }
            }
            Body::TaskUpdated(u) => {
                self.varint(u.task);
                self.u8(u.status.code());
                self.opt_str(&u.note);
                self.opt_varint(u.action);
            }
            Body::FollowUpRecorded(f) => {
                self.str(&f.item);
                self.str(&f.text);
                self.bool(f.changed);
            }
            Body::FollowUpAcknowledged(a) => self.str(&a.item),
            Body::FollowUpsOpened(f) => {
                self.varint(f.days as u64);
                self.time(f.due);
                self.strs(&f.items);
            }
            Body::Corrected(c) => {
                self.varint(c.supersedes);
                self.str(&c.reason);
                match &c.replacement {
                    None => self.u8(0),
                    Some(b) => {
                        if matches!(**b, Body::Corrected(_)) {
                            return Err(EncodeError::NestedCorrection);
                        }
                        self.u8(1);
                        self.body(b)?;
                    }
                }
            }
            Body::Checkpoint(c) => {
                self.varint(c.seq);
                self.digest(&c.head);
                self.buf.extend_from_slice(&c.public_key);
                self.buf.extend_from_slice(&c.signature);
            }
            Body::Determined(d) => {
                self.str(&d.kind);
                self.time(d.at);
                self.str(&d.reason);
            }
            Body::ReportFiled(r) => {
                self.str(&r.deadline);
                self.varint(r.trigger);
                self.str(&r.to);
                self.str(&r.reference);
            }
            Body::UpdateSnoozed(z) => {
                self.opt_str(&z.audience);
                self.time(z.until);
                self.str(&z.reason);
            }
            Body::ViewSuspected(v) => {
                self.varint(v.hypothesis);
                self.strs(&v.processes);
            }
            Body::ReadingsVerified(r) => {
                self.str(&r.process);
                self.str(&r.reading);
                self.str(&r.field_value);
                self.varint(r.displayed.len() as u64);
                for d in &r.displayed {
                    self.str(&d.asset);
                    self.str(&d.value);
                    self.bool(d.agrees);
                }
                self.opt_str(&r.note);
            }
            Body::VisibilityChanged(v) => {
                self.bool(v.private);
                self.str(&v.reason);
            }
            Body::MemberAdded(m) | Body::MemberRemoved(m) => {
                self.str(&m.person);
                self.str(&m.reason);
            }
        }
        Ok(())
    }

    fn assessment(&mut self, a: &Assessment) {
        self.str(&a.action);
        self.u8(a.verdict.code());
        self.strs(&a.unsafe_reasons);
        self.strs(&a.measures);
        self.varint(a.facts.len() as u64);
        for f in &a.facts {
            self.str(f.fact.as_str());
            self.str(&f.evidence);
        }
        self.strs(&a.summary);
        self.requirement(&a.requirement);
    }

    fn requirement(&mut self, r: &Requirement) {
        self.varint(r.rules.len() as u64);
        for m in &r.rules {
            self.str(&m.rule);
            self.strs(&m.because);
        }
        self.varint(r.groups.len() as u64);
        for g in &r.groups {
            self.strs(&g.roles);
            self.varint(g.count as u64);
        }
        self.bool(r.joint);
        self.strs(&r.veto);
        match &r.execute {
            None => self.u8(0),
            Some(e) => {
                self.u8(1);
                self.strs(e);
            }
        }
        self.strs(&r.override_roles);
        self.varint(r.escalate_minutes as u64);
        self.varint(r.ladder.len() as u64);
        for rung in &r.ladder {
            self.str(&rung.role);
            self.varint(rung.minutes as u64);
        }
    }

    fn snapshot(&mut self, s: &Snapshot) {
        self.varint(s.as_of);
        self.u8(s.status.code());
        self.u8(s.severity.code());
        self.u8(s.category.code());
        self.u8(s.phase.code());
        self.opt_code(s.process_state.map(ProcessState::code));
        self.opt_code(s.control.map(Integrity::code));
        self.opt_code(s.view.map(Integrity::code));
        self.varint(s.assignments.len() as u64);
        for (role, person) in &s.assignments {
            self.str(role);
            self.str(person);
        }
        self.seqs(&s.open_hypotheses);
        self.seqs(&s.decisions);
        self.seqs(&s.evidence);
    }
}

fn domain_code(d: Domain) -> u8 {
    match d {
        Domain::It => 1,
        Domain::Ot => 2,
        Domain::Shared => 3,
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, DecodeError> {
        let v = *self.b.get(self.at).ok_or(DecodeError::Truncated(self.at))?;
        self.at += 1;
        Ok(v)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let start = self.at;
        let mut v: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let part = (byte & 0x7f) as u64;
            if i == 9 && byte > 1 {
                return Err(DecodeError::Varint(start));
            }
            v |= part << (7 * i);
            if byte & 0x80 == 0 {
                // Minimal: no trailing zero group (except the single byte 0).
                if byte == 0 && i > 0 {
                    return Err(DecodeError::Varint(start));
                }
                return Ok(v);
            }
        }
        Err(DecodeError::Varint(start))
    }

    fn zigzag(&mut self) -> Result<i64, DecodeError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn len(&mut self) -> Result<usize, DecodeError> {
        let at = self.at;
        let n = self.varint()?;
        // Every item takes at least one byte: a count beyond what is left is a lie.
        if n > (self.b.len() - self.at) as u64 {
            return Err(DecodeError::Truncated(at));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len()).ok_or(DecodeError::Truncated(self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn str(&mut self) -> Result<Box<str>, DecodeError> {
        let n = self.len()?;
        let at = self.at;
        let s = self.bytes(n)?;
        std::str::from_utf8(s).map(Box::from).map_err(|_| DecodeError::Utf8(at))
    }

    fn tag(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        let at = self.at;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::Invalid { what, at }),
        }
    }

    /// A bool: exactly one byte, 0 or 1.
    fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        self.tag(what)
    }

    /// A u32, written as a varint: refused when it does not fit.
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let at = self.at;
        u32::try_from(self.varint()?).map_err(|_| DecodeError::Invalid { what, at })
    }

    /// A counted list of items, each read by `item`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, DecodeError>) -> Result<Vec<T>, DecodeError> {
        let n = self.len()?;
        (0..n).map(|_| item(self)).collect()
    }

    fn opt_str(&mut self) -> Result<Option<Box<str>>, DecodeError> {
        Ok(if self.tag("option")? { Some(self.str()?) } else { None })
    }

    fn opt_varint(&mut self) -> Result<Option<u64>, DecodeError> {
        Ok(if self.tag("option")? { Some(self.varint()?) } else { None })
    }

    fn strs(&mut self) -> Result<Vec<Box<str>>, DecodeError> {
        let n = self.len()?;
        (0..n).map(|_| self.str()).collect()
    }

    fn seqs(&mut self) -> Result<Vec<u64>, DecodeError> {
        let n = self.len()?;
        (0..n).map(|_| self.varint()).collect()
    }

    fn time(&mut self) -> Result<Timestamp, DecodeError> {
        let at = self.at;
        let micros = self.zigzag()?;
        let offset = self.zigzag()?;
        let offset = i16::try_from(offset).map_err(|_| DecodeError::Invalid { what: "time stamp", at })?;
        Timestamp::new(micros, offset).map_err(|_| DecodeError::Invalid { what: "time stamp", at })
    }

    fn digest(&mut self) -> Result<Digest, DecodeError> {
        let s = self.bytes(32)?;
        let mut d = [0u8; 32];
        d.copy_from_slice(s);
        Ok(Digest(d))
    }

    fn opt_digest(&mut self) -> Result<Option<Digest>, DecodeError> {
        Ok(if self.tag("option")? { Some(self.digest()?) } else { None })
    }

    fn code<T>(&mut self, what: &'static str, from: fn(u8) -> Option<T>) -> Result<T, DecodeError> {
        let at = self.at;
        let c = self.u8()?;
        from(c).ok_or(DecodeError::Code { what, code: c as u64, at })
    }

    /// An optional vocabulary value: 0 for none, else the value's code.
    fn opt_code<T>(&mut self, what: &'static str, from: fn(u8) -> Option<T>) -> Result<Option<T>, DecodeError> {
        let at = self.at;
        match self.u8()? {
            0 => Ok(None),
            c => from(c).map(Some).ok_or(DecodeError::Code { what, code: c as u64, at }),
        }
    }

    fn domain(&mut self) -> Result<Option<Domain>, DecodeError> {
        self.opt_code("domain", |c| match c {
            1 => Some(Domain::It),
            2 => Some(Domain::Ot),
            3 => Some(Domain::Shared),
            _ => None,
        })
    }

    fn body(&mut self, allow_correction: bool) -> Result<Body, DecodeError> {
        let at = self.at;
        let code = self.varint()?;
        let kind = Kind::from_code(code).ok_or(DecodeError::Code { what: "event kind", code, at })?;
        Ok(match kind {
            Kind::Opened => Body::Opened(Opened {
                title: self.str()?,
                summary: self.str()?,
                category: self.code("category", Category::from_code)?,
                severity: self.code("severity", Severity::from_code)?,
                site_version: self.digest()?,
            }),
            Kind::Escalated => Body::Escalated { reason: self.str()? },
            Kind::Declared => Body::Declared { reason: self.str()?, site_version: self.digest()? },
            Kind::Dismissed => Body::Dismissed { reason: self.str()? },
            Kind::SeverityChanged => {
                Body::SeverityChanged { severity: self.code("severity", Severity::from_code)?, reason: self.str()? }
            }
            Kind::CategoryChanged => {
                Body::CategoryChanged { category: self.code("category", Category::from_code)?, reason: self.str()? }
            }
            Kind::PhaseChanged => {
                Body::PhaseChanged { phase: self.code("phase", Phase::from_code)?, reason: self.str()? }
            }
            Kind::SituationAssessed => Body::SituationAssessed(Situation {
                process: self.opt_str()?,
                process_state: self.opt_code("process state", ProcessState::from_code)?,
                control: self.opt_code("integrity", Integrity::from_code)?,
                view: self.opt_code("integrity", Integrity::from_code)?,
                reason: self.str()?,
                evidence: self.seqs()?,
            }),
            Kind::Assigned => Body::Assigned {
                role: self.str()?,
                person: self.str()?,
                reason: self.str()?,
                site_version: self.digest()?,
            },
            Kind::Relieved => Body::Relieved { role: self.str()?, reason: self.str()? },
            Kind::HandedOver => Body::HandedOver(Handover {
                role: self.str()?,
                from: self.str()?,
                to: self.str()?,
                reason: self.str()?,
                briefing: Briefing { snapshot: self.snapshot()?, current_actions: self.str()? },
            }),
            Kind::Note => Body::Note(Note { text: self.str()?, domain: self.domain()? }),
            Kind::Observation => Body::Observation(Observation {
                text: self.str()?,
                observed_at: self.time()?,
                domain: self.domain()?,
                assets: self.strs()?,
            }),
            Kind::EvidenceCollected => Body::EvidenceCollected(Evidence {
                title: self.str()?,
                source: self.code("evidence source", EvidenceSource::from_code)?,
                sha256: self.opt_digest()?,
                location: self.opt_str()?,
                collected_by: self.str()?,
                collected_at: self.time()?,
                assets: self.strs()?,
                description: self.opt_str()?,
            }),
            Kind::CustodyTransferred => Body::CustodyTransferred(Custody {
                evidence: self.varint()?,
                from: self.str()?,
                to: self.str()?,
                at: self.time()?,
                reason: self.str()?,
            }),
            Kind::HypothesisProposed => Body::HypothesisProposed(Hypothesis {
                statement: self.str()?,
                evidence_for: self.seqs()?,
                evidence_against: self.seqs()?,
            }),
            Kind::HypothesisUpdated => Body::HypothesisUpdated(HypothesisUpdate {
                hypothesis: self.varint()?,
                status: self.code("hypothesis status", HypothesisStatus::from_code)?,
                evidence_for: self.seqs()?,
                evidence_against: self.seqs()?,
                reason: self.str()?,
            }),
            Kind::DecisionRecorded => {
                let title = self.str()?;
                let options = self.strs()?;
                let choice = self.u32("choice")?;
                let rationale = self.str()?;
                let decided_by = self.strs()?;
                let n = self.len()?;
                let dissent =
                    (0..n)
                        .map(|_| Ok(Dissent { person: self.str()?, text: self.str()? }))
                        .collect::<Result<_, DecodeError>>()?;
                Body::DecisionRecorded(Decision {
                    title,
                    options,
                    choice,
                    rationale,
                    decided_by,
                    dissent,
                    evidence: self.seqs()?,
                    domain: self.domain()?,
                    site_version: self.digest()?,
                    authority_version: self.opt_digest()?,
                })
            }
            Kind::CommunicationPublished => Body::CommunicationPublished(Communication {
                audience: self.str()?,
                channel: self.str()?,
                text: self.str()?,
            }),
            Kind::ActionProposed => Body::ActionProposed(Proposal {
                action: self.str()?,
                rationale: self.str()?,
                evidence: self.seqs()?,
                phase: self.code("phase", Phase::from_code)?,
                site_version: self.digest()?,
                authority_version: self.digest()?,
                assessment: self.assessment()?,
            }),
            Kind::ActionApproved => Body::ActionApproved(self.stance()?),
            Kind::ActionRejected => Body::ActionRejected(self.stance()?),
            Kind::ActionEscalated => Body::ActionEscalated(Escalation {
                action: self.varint()?,
                level: self.u32("escalation level")?,
                cause: self.code("escalation cause", EscalationCause::from_code)?,
                reason: self.str()?,
            }),
            Kind::ActionOverridden => Body::ActionOverridden(Override {
                action: self.varint()?,
                rationale: self.str()?,
                site_version: self.digest()?,
                authority_version: self.digest()?,
            }),
            Kind::MeasureConfirmed => Body::MeasureConfirmed(MeasureCheck {
                action: self.varint()?,
                measure: self.u32("measure")?,
                note: self.str()?,
            }),
            Kind::ExecutionStarted => Body::ExecutionStarted(self.action_note()?),
            Kind::ExecutionReported => Body::ExecutionReported(self.execution_report()?),
            Kind::ActionVerified => Body::ActionVerified(Verification {
                action: self.varint()?,
                result: self.code("verification result", VerificationResult::from_code)?,
                note: self.str()?,
            }),
            Kind::ActionRolledBack => Body::ActionRolledBack(self.execution_report()?),
            Kind::ActionWithdrawn => Body::ActionWithdrawn(self.action_note()?),
            Kind::RecoveryPlanned => Body::RecoveryPlanned(RecoveryPlan {
                site_version: self.digest()?,
                items: self.list(|r| {
                    Ok(PlanItem {
                        asset: r.str()?,
                        stage: r.str()?,
                        reason: r.str()?,
                        reentry: r.opt_str()?,
                        checks: r
                            .list(|r| Ok(CheckSpec { kind: r.str()?, expected: r.opt_str()?, source: r.str()? }))?,
                    })
                })?,
            }),
            Kind::RecoveryReordered => {
                Body::RecoveryReordered(Reorder { asset: self.str()?, after: self.opt_str()?, reason: self.str()? })
            }
            Kind::CheckRecorded => Body::CheckRecorded(CheckRecord {
                asset: self.str()?,
                kind: self.str()?,
                observed: self.str()?,
                expected: self.opt_str()?,
                passed: self.bool("passed flag")?,
                detail: self.str()?,
                artefact: self.opt_digest()?,
                note: self.opt_str()?,
            }),
            Kind::MonitoringStarted => Body::MonitoringStarted(Monitoring {
                assets: self.strs()?,
                until: self.time()?,
                criteria: self.strs()?,
            }),
            Kind::MonitoringEnded => {
                Body::MonitoringEnded(MonitoringEnd { window: self.varint()?, reason: self.str()? })
            }
            Kind::RecoveryEnded => Body::RecoveryEnded(RecoveryEnd { reason: self.str()?, open_items: self.strs()? }),
            Kind::PeriodOpened => Body::PeriodOpened(Period {
                start: self.time()?,
                end: self.time()?,
                objectives: self.strs()?,
                safety: self.str()?,
                safety_by: self.str()?,
            }),
            Kind::SafetyConsiderations => {
                Body::SafetyConsiderations(SafetyRevision { period: self.varint()?, safety: self.str()? })
            }
            Kind::PeriodClosed => {
                Body::PeriodClosed(PeriodClose { period: self.varint()?, summary: self.strs()?, note: self.opt_str()? })
            }
            Kind::TaskAdded => Body::TaskAdded(Task {
                title: self.str()?,
                owner: self.opt_str()?,
                role: self.opt_str()?,
                domain: self.code("task domain", TaskDomain::from_code)?,
                assets: self.strs()?,
                due: if self.tag("option")? { Some(self.time()?) } else { None },
                hypothesis: self.opt_varint()?,
                evidence: self.seqs()?,
                measure: if self.tag("option")? { Some((self.varint()?, self.u32("measure")?)) } else { None },
                collection: if self.tag("option")? {
                    Some(Collection {
                        method: self.str()?,
                        intrusiveness: self.code("intrusiveness", Intrusiveness::from_code)?,
                    })
                } else {
                    None
                },
            }),
            Kind::TaskUpdated => Body::TaskUpdated(TaskUpdate {
                task: self.varint()?,
                status: self.code("task status", TaskStatus::from_code)?,
                note: self.opt_str()?,
                action: self.opt_varint()?,
            }),
            Kind::FollowUpRecorded => Body::FollowUpRecorded(FollowUp {
                item: self.str()?,
                text: self.str()?,
                changed: self.bool("changed flag")?,
            }),
            Kind::FollowUpAcknowledged => Body::FollowUpAcknowledged(FollowUpAck { item: self.str()? }),
            Kind::FollowUpsOpened => Body::FollowUpsOpened(FollowUpsOpened {
                days: self.u32("follow-up days")?,
                due: self.time()?,
                items: self.strs()?,
            }),
            Kind::Corrected => {
                if !allow_correction {
                    return Err(DecodeError::Invalid { what: "correction inside a correction", at });
                }
                let supersedes = self.varint()?;
                let reason = self.str()?;
                let replacement = if self.tag("option")? { Some(Box::new(self.body(false)?)) } else { None };
                Body::Corrected(Correction { supersedes, reason, replacement })
            }
            Kind::Checkpoint => {
                let seq = self.varint()?;
                let head = self.digest()?;
                let mut public_key = [0u8; 32];
                public_key.copy_from_slice(self.bytes(32)?);
                let mut signature = [0u8; 64];
                signature.copy_from_slice(self.bytes(64)?);
                Body::Checkpoint(crate::checkpoint::Checkpoint { seq, head, public_key, signature })
            }
            Kind::Determined => {
                Body::Determined(Determination { kind: self.str()?, at: self.time()?, reason: self.str()? })
            }
            Kind::ReportFiled => Body::ReportFiled(ReportFiling {
                deadline: self.str()?,
                trigger: self.varint()?,
                to: self.str()?,
                reference: self.str()?,
            }),
            Kind::UpdateSnoozed => {
                Body::UpdateSnoozed(Snooze { audience: self.opt_str()?, until: self.time()?, reason: self.str()? })
            }
            Kind::ViewSuspected => {
                Body::ViewSuspected(ViewSuspicion { hypothesis: self.varint()?, processes: self.strs()? })
            }
            Kind::ReadingsVerified => {
                let process = self.str()?;
                let reading = self.str()?;
                let field_value = self.str()?;
                let n = self.len()?;
                let mut displayed = Vec::with_capacity(n.min(64));
                for _ in 0..n {
                    displayed.push(Displayed {
                        asset: self.str()?,
                        value: self.str()?,
                        agrees: self.bool("agreement")?,
                    });
                }
                Body::ReadingsVerified(ReadingCheck { process, reading, field_value, displayed, note: self.opt_str()? })
            }
            Kind::VisibilityChanged => {
                Body::VisibilityChanged(Visibility { private: self.bool("private flag")?, reason: self.str()? })
            }
            Kind::MemberAdded => Body::MemberAdded(self.membership()?),
            Kind::MemberRemoved => Body::MemberRemoved(self.membership()?),
        })
    }

    fn stance(&mut self) -> Result<Stance, DecodeError> {
        Ok(Stance {
            action: self.varint()?,
            rationale: self.str()?,
            roles: self.strs()?,
            side: self.domain()?,
            site_version: self.digest()?,
            authority_version: self.digest()?,
        })
    }

    fn membership(&mut self) -> Result<Membership, DecodeError> {
        Ok(Membership { person: self.str()?, reason: self.str()? })
    }

    fn action_note(&mut self) -> Result<ActionNote, DecodeError> {
        Ok(ActionNote { action: self.varint()?, note: self.str()? })
    }

    fn execution_report(&mut self) -> Result<ExecutionReport, DecodeError> {
        Ok(ExecutionReport {
            action: self.varint()?,
            outcome: self.code("execution outcome", ExecutionOutcome::from_code)?,
            note: self.str()?,
        })
    }

    /// An impact fact, written as its word: only the canonical word of a known fact.
    fn impact_fact(&mut self) -> Result<ImpactFact, DecodeError> {
        let at = self.at;
        let word = self.str()?;
        ImpactFact::parse(&word)
            .filter(|f| f.as_str() == &*word)
            .ok_or(DecodeError::Invalid { what: ImpactFact::WHAT, at })
    }

    fn assessment(&mut self) -> Result<Assessment, DecodeError> {
        Ok(Assessment {
            action: self.str()?,
            verdict: self.code("verdict", VerdictKind::from_code)?,
            unsafe_reasons: self.strs()?,
            measures: self.strs()?,
            facts: self.list(|r| Ok(Fact { fact: r.impact_fact()?, evidence: r.str()? }))?,
            summary: self.strs()?,
            requirement: self.requirement()?,
        })
    }

    fn requirement(&mut self) -> Result<Requirement, DecodeError> {
        Ok(Requirement {
            rules: self.list(|r| Ok(Matched { rule: r.str()?, because: r.strs()? }))?,
            groups: self.list(|r| Ok(Group { roles: r.strs()?, count: r.u32("approval count")? }))?,
            joint: self.bool("joint flag")?,
            veto: self.strs()?,
            execute: if self.tag("option")? { Some(self.strs()?) } else { None },
            override_roles: self.strs()?,
            escalate_minutes: self.u32("escalation minutes")?,
            ladder: self.list(|r| Ok(Rung { role: r.str()?, minutes: r.u32("ladder minutes")? }))?,
        })
    }

    fn snapshot(&mut self) -> Result<Snapshot, DecodeError> {
        Ok(Snapshot {
            as_of: self.varint()?,
            status: self.code("status", Status::from_code)?,
            severity: self.code("severity", Severity::from_code)?,
            category: self.code("category", Category::from_code)?,
            phase: self.code("phase", Phase::from_code)?,
            process_state: self.opt_code("process state", ProcessState::from_code)?,
            control: self.opt_code("integrity", Integrity::from_code)?,
            view: self.opt_code("integrity", Integrity::from_code)?,
            assignments: {
                let n = self.len()?;
                (0..n).map(|_| Ok((self.str()?, self.str()?))).collect::<Result<_, DecodeError>>()?
            },
            open_hypotheses: self.seqs()?,
            decisions: self.seqs()?,
            evidence: self.seqs()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint_bytes(v: u64) -> Vec<u8> {
        let mut w = Writer { buf: Vec::new() };
        w.varint(v);
        w.buf
    }

    #[test]
    fn varints_are_minimal_and_round_trip() {
        for v in [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
            let b = varint_bytes(v);
            let mut r = Reader { b: &b, at: 0 };
            assert_eq!(r.varint(), Ok(v));
            assert_eq!(r.at, b.len());
        }
        // 0 written in two bytes, 1 with a trailing zero group, and an 11-byte number.
        for bad in [
            &[0x80, 0x00][..],
            &[0x81, 0x00],
            &[0xff; 11],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        ] {
            let mut r = Reader { b: bad, at: 0 };
            assert!(r.varint().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn zigzag_round_trips_extremes() {
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            let mut w = Writer { buf: Vec::new() };
            w.zigzag(v);
            let mut r = Reader { b: &w.buf, at: 0 };
            assert_eq!(r.zigzag(), Ok(v));
        }
    }
}
