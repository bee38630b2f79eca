//! Signed checkpoints: an ed25519 signature over an incident's head (its id,
//! the number of its last event and that event's hash). A checkpoint is
//! recorded in the chain itself and can be handed out as a small file; anyone
//! holding the public key can later check, offline, that a store or an export
//! still has that head, even against someone able to rewrite the whole chain.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::model::Digest;

/// What is signed: this context, then the incident id, the sequence number and the head hash.
pub const CONTEXT: &[u8] = b"interlock-checkpoint-v1\0";

/// A signed head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last event the checkpoint covers.
    pub seq: u64,
    /// That event's chain hash.
    pub head: Digest,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the public key is not a valid ed25519 key")]
    Key,
    #[error("the signature does not verify with key {0}")]
    Signature(String),
    #[error("signed by key {found}, not the trusted key {trusted}")]
    Untrusted { found: String, trusted: String },
}

/// The bytes signed for a head.
pub fn message(incident: &str, seq: u64, head: &Digest) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + incident.len() + 1 + 8 + 32);
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(incident.as_bytes());
    m.push(0);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&head.0);
    m
}

/// The public key of a secret key.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// Signs `incident`'s head at `seq`.
pub fn sign(secret: &[u8; 32], incident: &str, seq: u64, head: Digest) -> Checkpoint {
    let key = SigningKey::from_bytes(secret);
    let signature = key.sign(&message(incident, seq, &head)).to_bytes();
    Checkpoint { seq, head, public_key: key.verifying_key().to_bytes(), signature }
}

pub fn key_hex(k: &[u8; 32]) -> String {
    Digest(*k).hex()
}

impl Checkpoint {
    /// Checks the signature (and, when given, that the key is the trusted one).
    pub fn verify(&self, incident: &str, trusted: Option<&[u8; 32]>) -> Result<(), CheckpointError> {
        if let Some(t) = trusted
            && *t != self.public_key
        {
            return Err(CheckpointError::Untrusted { found: key_hex(&self.public_key), trusted: key_hex(t) });
        }
        let key = VerifyingKey::from_bytes(&self.public_key).map_err(|_| CheckpointError::Key)?;
        let sig = Signature::from_bytes(&self.signature);
        key.verify_strict(&message(incident, self.seq, &self.head), &sig)
            .map_err(|_| CheckpointError::Signature(key_hex(&self.public_key)))
    }
}
