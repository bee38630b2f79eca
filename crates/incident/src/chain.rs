//! The per-incident hash chain.
//!
//! `hash(n) = SHA-256(hash(n-1) || encoding(n))`, with 32 zero bytes before
//! the first event. Each encoding names its incident and sequence number, so a
//! row moved to another incident or position no longer matches.

use sha2::{Digest as _, Sha256};

use crate::codec::{self, DecodeError, EncodeError};
use crate::model::{Digest, Event, Kind};

/// The hash before the first event.
pub const GENESIS: Digest = Digest::ZERO;

/// The hash of an event given its encoding and the previous hash.
pub fn link(prev: &Digest, encoding: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update(prev.0);
    h.update(encoding);
    Digest(h.finalize().into())
}

/// An event ready to store: its encoding and its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub seq: u64,
    pub kind: Kind,
    /// Microseconds since the epoch (UTC) of `recorded_at`, for range queries.
    pub recorded_at: i64,
    pub actor: Box<str>,
    pub bytes: Vec<u8>,
    pub hash: Digest,
}

/// Encodes an event and links it to `prev`.
pub fn seal(event: &Event, prev: &Digest) -> Result<Sealed, EncodeError> {
    let bytes = codec::encode(event)?;
    let hash = link(prev, &bytes);
    Ok(Sealed {
        seq: event.seq,
        kind: event.body.kind(),
        recorded_at: event.recorded_at.micros(),
        actor: event.actor.clone(),
        bytes,
        hash,
    })
}

/// One stored row of a chain, as a store hands it back.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub seq: u64,
    /// The kind code and time stored beside the bytes (for queries); they must agree with the bytes.
    pub kind: i64,
    pub recorded_at: i64,
    pub bytes: &'a [u8],
    pub hash: &'a [u8],
}

/// What is wrong with the first event of a chain that does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("expected event {expected} next, found {found} (a gap or a duplicate)")]
    Sequence { expected: u64, found: u64 },
    #[error("its bytes do not decode: {0}")]
    Decode(#[from] DecodeError),
    #[error("its bytes name incident {found:?} and position {seq}")]
    Misplaced { found: String, seq: u64 },
    #[error("stored hash {stored} but the bytes and the previous hash give {computed}")]
    Hash { stored: String, computed: String },
    #[error("its stored kind or time ({column}) does not match its bytes")]
    Column { column: &'static str },
    #[error("its checkpoint {0}")]
    Checkpoint(String),
    #[error("the incident's head says {head_seq} events ending in {head_hash}, the chain has {seq} ending in {hash}")]
    Head { head_seq: u64, head_hash: String, seq: u64, hash: String },
}

/// A chain verification failure: the first event that does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("incident {incident}: event {seq} does not match: {mismatch}")]
pub struct ChainError {
    pub incident: String,
    pub seq: u64,
    pub mismatch: Mismatch,
}

/// Walks stored rows in order, decoding each and checking its place and hash.
/// Returns the decoded events and the head hash.
pub struct Verifier<'i> {
    incident: &'i str,
    next: u64,
    prev: Digest,
}

impl<'i> Verifier<'i> {
    pub fn new(incident: &'i str) -> Self {
        Verifier { incident, next: 1, prev: GENESIS }
    }

    /// Continues a chain already verified up to `seq` with head `hash`.
    pub fn resume(incident: &'i str, seq: u64, hash: Digest) -> Self {
        Verifier { incident, next: seq + 1, prev: hash }
    }

    /// The sequence number of the last verified event (0 before any).
    pub fn seq(&self) -> u64 {
        self.next - 1
    }

    pub fn head(&self) -> Digest {
        self.prev
    }

    fn fail(&self, seq: u64, mismatch: Mismatch) -> ChainError {
        ChainError { incident: self.incident.to_string(), seq, mismatch }
    }

    /// Checks one row and returns its event.
    pub fn next(&mut self, row: Row<'_>) -> Result<Event, ChainError> {
        if row.seq != self.next {
            return Err(self.fail(row.seq.min(self.next), Mismatch::Sequence { expected: self.next, found: row.seq }));
        }
        let computed = link(&self.prev, row.bytes);
        if row.hash != computed.0 {
            let stored = match <[u8; 32]>::try_from(row.hash) {
                Ok(h) => Digest(h).to_string(),
                Err(_) => format!("of {} bytes", row.hash.len()),
            };
            return Err(self.fail(row.seq, Mismatch::Hash { stored, computed: computed.to_string() }));
        }
        let event = codec::decode(row.bytes).map_err(|e| self.fail(row.seq, e.into()))?;
        if &*event.incident != self.incident || event.seq != row.seq {
            return Err(self.fail(row.seq, Mismatch::Misplaced { found: event.incident.to_string(), seq: event.seq }));
        }
        if event.body.kind().code() as i64 != row.kind {
            return Err(self.fail(row.seq, Mismatch::Column { column: "kind" }));
        }
        if event.recorded_at.micros() != row.recorded_at {
            return Err(self.fail(row.seq, Mismatch::Column { column: "recorded_at" }));
        }
        // A checkpoint signs the head just before it.
        if let crate::model::Body::Checkpoint(c) = &event.body {
            if c.seq + 1 != row.seq || c.head != self.prev {
                return Err(self.fail(
                    row.seq,
                    Mismatch::Checkpoint(format!("signs #{} {}, not the head before it", c.seq, c.head)),
                ));
            }
            if let Err(e) = c.verify(self.incident, None) {
                return Err(self.fail(row.seq, Mismatch::Checkpoint(e.to_string())));
            }
        }
        self.prev = computed;
        self.next += 1;
        Ok(event)
    }

    /// Checks that the stored head (sequence and hash) is where the chain ends:
    /// catches rows deleted from the end.
    pub fn finish(&self, head_seq: u64, head_hash: &[u8]) -> Result<(), ChainError> {
        if head_seq != self.seq() || head_hash != self.prev.0 {
            let hh = <[u8; 32]>::try_from(head_hash).map(|h| Digest(h).to_string()).unwrap_or_default();
            return Err(self.fail(
                self.seq().min(head_seq) + 1,
                Mismatch::Head { head_seq, head_hash: hh, seq: self.seq(), hash: self.prev.to_string() },
            ));
        }
        Ok(())
    }
}
