#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The hash chain: every stored row is checked, and the first one that does
//! not match is named.

mod common;

use common::*;
use incident::*;

fn sample() -> Log {
    let mut log = Log::declared();
    for i in 0..8 {
        log.add("operator", 10 + i, note(&format!("reading {i}"))).unwrap();
    }
    log
}

fn verify(rows: &[Row<'_>], head_seq: u64, head: &[u8]) -> Result<Incident, FoldError> {
    Incident::load("INC-1", rows.iter().copied(), head_seq, head)
}

#[test]
fn an_untouched_chain_verifies_and_folds() {
    let log = sample();
    let head = log.rows.last().unwrap();
    let inc = verify(&log.rows(), head.seq, &head.hash.0).unwrap();
    assert_eq!(inc.seq(), 10);
    assert_eq!(inc.head(), head.hash);
    assert_eq!(inc.snapshot(), log.inc().snapshot());
    // Each hash is SHA-256 over the previous hash and the bytes.
    assert_eq!(log.rows[0].hash, link(&GENESIS, &log.rows[0].bytes));
    assert_eq!(log.rows[5].hash, link(&log.rows[4].hash, &log.rows[5].bytes));
}

#[test]
fn a_flipped_byte_names_its_event() {
    let log = sample();
    let head = log.rows.last().unwrap();
    let mut bytes = log.rows[6].bytes.clone();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x20;
    let mut rows = log.rows();
    rows[6].bytes = &bytes;
    let err = verify(&rows, head.seq, &head.hash.0).unwrap_err();
    let FoldError::Chain(c) = err else { panic!("{err}") };
    assert_eq!(c.seq, 7);
    assert!(matches!(c.mismatch, Mismatch::Hash { .. }), "{c}");
    assert!(c.to_string().starts_with("incident INC-1: event 7 does not match: stored hash sha256:"), "{c}");
}

#[test]
fn a_rehashed_edit_breaks_the_next_link() {
    // An editor who recomputes the edited row's hash still breaks the chain at the next row.
    let log = sample();
    let head = log.rows.last().unwrap();
    let mut e = decode(&log.rows[4].bytes).unwrap();
    e.body = note("nothing to see");
    let bytes = encode(&e).unwrap();
    let hash = link(&log.rows[3].hash, &bytes);
    let mut rows = log.rows();
    rows[4].bytes = &bytes;
    rows[4].hash = &hash.0;
    let c = match verify(&rows, head.seq, &head.hash.0).unwrap_err() {
        FoldError::Chain(c) => c,
        e => panic!("{e}"),
    };
    assert_eq!(c.seq, 6, "{c}");
}

#[test]
fn deleted_reordered_and_moved_rows_are_caught() {
    let log = sample();
    let head = log.rows.last().unwrap();
    let rows = log.rows();
    // A row deleted in the middle: a gap.
    let mut gap = rows.clone();
    gap.remove(3);
    let err = verify(&gap, head.seq, &head.hash.0).unwrap_err().to_string();
    assert!(err.contains("event 4 does not match: expected event 4 next, found 5"), "{err}");
    // The last row deleted: the head no longer matches.
    let short = &rows[..rows.len() - 1];
    let err = verify(short, head.seq, &head.hash.0).unwrap_err().to_string();
    assert!(err.contains("event 10 does not match: the incident's head says 10 events"), "{err}");
    // Two rows swapped (with their numbers).
    let mut swapped = rows.clone();
    swapped.swap(2, 3);
    (swapped[2].seq, swapped[3].seq) = (3, 4);
    let err = verify(&swapped, head.seq, &head.hash.0).unwrap_err().to_string();
    assert!(err.contains("event 3 does not match"), "{err}");
    // A stored kind column that disagrees with the bytes.
    let mut col = rows.clone();
    col[8].kind = Kind::DecisionRecorded as i64;
    let err = verify(&col, head.seq, &head.hash.0).unwrap_err().to_string();
    assert!(err.contains("event 9 does not match: its stored kind"), "{err}");
}

#[test]
fn an_event_of_another_incident_is_misplaced() {
    let log = sample();
    let head = log.rows.last().unwrap();
    let err = Incident::load("INC-2", log.rows(), head.seq, &head.hash.0).unwrap_err().to_string();
    assert!(err.contains("incident INC-2: event 1 does not match: its bytes name incident \"INC-1\""), "{err}");
}

#[test]
fn a_chain_resumes_from_a_verified_head() {
    let log = sample();
    let rows = log.rows();
    let mut v = Verifier::new("INC-1");
    for r in &rows[..5] {
        v.next(*r).unwrap();
    }
    let mut w = Verifier::resume("INC-1", v.seq(), v.head());
    for r in &rows[5..] {
        w.next(*r).unwrap();
    }
    let head = log.rows.last().unwrap();
    w.finish(head.seq, &head.hash.0).unwrap();
}

#[test]
fn a_rewritten_chain_breaks_its_signed_checkpoint() {
    // Someone rewrites the whole chain (recomputing every hash) after a checkpoint:
    // the checkpoint event no longer signs the head before it.
    let mut log = sample();
    let secret = [9u8; 32];
    let inc = log.inc();
    let cp = checkpoint::sign(&secret, "INC-1", inc.seq(), inc.head());
    log.add("keeper", 30, Body::Checkpoint(cp)).unwrap();
    let mut events: Vec<Event> = log.rows.iter().map(|r| decode(&r.bytes).unwrap()).collect();
    events[3].body = note("rewritten history");
    let mut prev = GENESIS;
    let mut rewritten = Vec::new();
    for e in &events {
        let s = seal(e, &prev).unwrap();
        prev = s.hash;
        rewritten.push(s);
    }
    let rows: Vec<Row<'_>> = rewritten
        .iter()
        .map(|r| Row {
            seq: r.seq,
            kind: r.kind.code() as i64,
            recorded_at: r.recorded_at,
            bytes: &r.bytes,
            hash: &r.hash.0,
        })
        .collect();
    let err = verify(&rows, prev_seq(&rewritten), &prev.0).unwrap_err().to_string();
    assert!(err.contains("event 11 does not match: its checkpoint signs #10"), "{err}");
}

fn prev_seq(rows: &[Sealed]) -> u64 {
    rows.last().unwrap().seq
}
