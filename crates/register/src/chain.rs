//! The tamper-evident history: an append-only hash chain of events, signed checkpoints, and
//! the verification that names the first row that does not match.
//!
//! Each event's hash is SHA-256 over the previous event's hash, its `seq` and the digest of its
//! content (time, actor, case, kind, the body as canonical JSON), all length-prefixed. Editing a
//! row changes its hash; deleting or reordering rows breaks the `seq` run or the link to the
//! previous hash; truncating the tail is caught by the head row and by signed checkpoints
//! (which a database editor cannot forge without the register's private key).

use crate::{Error, Result};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The "previous hash" of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A checkpoint is signed every this many events (and by `baseline register checkpoint`).
pub const CHECKPOINT_EVERY: i64 = 1000;

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub case_id: Option<String>,
    pub kind: String,
    /// Canonical JSON (sorted keys, no insignificant space).
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The canonical JSON text of a body: keys sorted (serde_json's map is ordered), compact.
pub fn canonical(body: &serde_json::Value) -> String {
    // Round-tripping through `Value` sorts object keys at every depth.
    serde_json::to_string(body).unwrap_or_else(|_| "null".to_owned())
}

/// SHA-256 over length-prefixed parts: no two different part lists give the same text.
fn digest_parts(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The digest of an event's content (everything but its place in the chain). An exported
/// bundle carries only this digest for other cases' events, so their content stays private
/// while the chain through them can still be recomputed.
pub fn content_digest(
    at: &str,
    actor: &str,
    case_id: Option<&str>,
    kind: &str,
    body: &str,
) -> String {
    digest_parts(&[at, actor, case_id.unwrap_or(""), kind, body])
}

/// The hash of an event: over its predecessor's hash, its `seq` and its content digest.
pub fn link_hash(prev: &str, seq: i64, digest: &str) -> String {
    digest_parts(&[prev, &seq.to_string(), digest])
}

/// The hash of an event given its predecessor's hash.
pub fn hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    case_id: Option<&str>,
    kind: &str,
    body: &str,
) -> String {
    link_hash(prev, seq, &content_digest(at, actor, case_id, kind, body))
}

impl Event {
    /// The digest of this event's content.
    pub fn digest(&self) -> String {
        content_digest(
            &self.at,
            &self.actor,
            self.case_id.as_deref(),
            &self.kind,
            &self.body,
        )
    }

    /// The hash this event's fields give with `prev`.
    pub fn expected_hash(&self, prev: &str) -> String {
        hash(
            prev,
            self.seq,
            &self.at,
            &self.actor,
            self.case_id.as_deref(),
            &self.kind,
            &self.body,
        )
    }
}

/// A signed checkpoint of the chain head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub public_key: String,
    pub signature: String,
}

fn checkpoint_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("baseline-register checkpoint v1\n{seq}\n{hash}\n").into_bytes()
}

/// Sign the head `(seq, hash)`.
pub fn sign(key: &SigningKey, seq: i64, hash: &str, at: &str) -> Checkpoint {
    let sig: Signature = key.sign(&checkpoint_message(seq, hash));
    Checkpoint {
        seq,
        hash: hash.to_owned(),
        at: at.to_owned(),
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(sig.to_bytes()),
    }
}

/// Whether a checkpoint's signature verifies with `public_key` (hex), the register's key.
pub fn checkpoint_valid(c: &Checkpoint, public_key: &str) -> bool {
    let Ok(pk) = hex::decode(public_key) else {
        return false;
    };
    let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    let Ok(sig) = hex::decode(&c.signature) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(sig.as_slice()) else {
        return false;
    };
    c.public_key == public_key
        && vk
            .verify(
                &checkpoint_message(c.seq, &c.hash),
                &Signature::from_bytes(&sig),
            )
            .is_ok()
}

/// The first problem found by verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "problem")]
pub enum Problem {
    /// An event's stored hash is not the hash of its fields (the row was edited).
    EventEdited { seq: i64 },
    /// An event does not link to its predecessor (rows deleted, inserted or reordered).
    BrokenLink { seq: i64 },
    /// `seq` skips: events are missing.
    Gap { after: i64, next: i64 },
    /// The head row names an event that is not the last one (the tail was cut or added to).
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// A checkpoint does not verify with the register's public key, or names a hash the
    /// chain does not have at that position.
    Checkpoint { seq: i64, reason: String },
    /// An evidence item's bytes do not hash to its SHA-256 (or are missing).
    Evidence { sha256: String, reason: String },
    /// A projection row disagrees with the events (edited directly in the database).
    Record {
        table: String,
        id: String,
        reason: String,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::EventEdited { seq } => {
                write!(f, "event {seq}: its hash does not match its content (edited)")
            }
            Problem::BrokenLink { seq } => write!(
                f,
                "event {seq}: does not link to the event before it (rows deleted, inserted or reordered)"
            ),
            Problem::Gap { after, next } => {
                write!(f, "events {} to {} are missing", after + 1, next - 1)
            }
            Problem::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the chain head says event {head_seq} is the last, the table ends at {last_seq}"
            ),
            Problem::Checkpoint { seq, reason } => write!(f, "checkpoint at event {seq}: {reason}"),
            Problem::Evidence { sha256, reason } => write!(f, "evidence {sha256}: {reason}"),
            Problem::Record { table, id, reason } => write!(f, "{table} {id}: {reason}"),
        }
    }
}

/// Check a run of events (in `seq` order) from the start of the chain; returns the first
/// problem and the number of events checked.
pub fn verify_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> (Option<Problem>, i64) {
    verify_run(events, 0, GENESIS)
}

/// Check a run of events (in `seq` order) that follows event `after_seq` whose hash is
/// `after_hash`; returns the first problem and the number of events checked. Runs that follow
/// each other can be checked independently (each needs only the stored hash before it).
pub fn verify_run<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    after_seq: i64,
    after_hash: &str,
) -> (Option<Problem>, i64) {
    let mut prev = after_hash;
    let mut last = after_seq;
    let mut n = 0;
    for e in events {
        n += 1;
        if e.seq != last + 1 {
            if e.seq > last + 1 {
                return (
                    Some(Problem::Gap {
                        after: last,
                        next: e.seq,
                    }),
                    n,
                );
            }
            return (Some(Problem::BrokenLink { seq: e.seq }), n);
        }
        if e.prev_hash != prev {
            return (Some(Problem::BrokenLink { seq: e.seq }), n);
        }
        if e.expected_hash(prev) != e.hash {
            return (Some(Problem::EventEdited { seq: e.seq }), n);
        }
        prev = &e.hash;
        last = e.seq;
    }
    (None, n)
}

/// A new random signing key.
pub fn new_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// Parse a signing key file (64 hex characters, the 32-byte seed).
pub fn parse_key(text: &str, origin: &str) -> Result<SigningKey> {
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| Error::Input(format!("{origin}: not a register key (64 hex digits)")))?;
    Ok(SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Event> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let body = canonical(&serde_json::json!({"b": seq, "a": [1, 2]}));
                let h = hash(
                    &prev,
                    seq,
                    "2027-01-01T00:00:00Z",
                    "officer",
                    Some("CASE-000001"),
                    "case.opened",
                    &body,
                );
                let e = Event {
                    seq,
                    at: "2027-01-01T00:00:00Z".into(),
                    actor: "officer".into(),
                    case_id: Some("CASE-000001".into()),
                    kind: "case.opened".into(),
                    body,
                    prev_hash: prev.clone(),
                    hash: h.clone(),
                };
                prev = h;
                e
            })
            .collect()
    }

    #[test]
    fn canonical_sorts_keys() {
        assert_eq!(
            canonical(&serde_json::json!({"b": 1, "a": {"d": 1, "c": 2}})),
            r#"{"a":{"c":2,"d":1},"b":1}"#
        );
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify_events(&c), (None, 5));
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let mut c = chain(5);
        c[2].actor = "someone else".into();
        assert_eq!(verify_events(&c).0, Some(Problem::EventEdited { seq: 3 }));

        let mut c = chain(5);
        c.remove(2);
        assert_eq!(
            verify_events(&c).0,
            Some(Problem::Gap { after: 2, next: 4 })
        );

        // Two rows swapped with their numbers exchanged (what a reordering in the table is).
        let mut c = chain(5);
        c.swap(1, 2);
        (c[1].seq, c[2].seq) = (2, 3);
        assert_eq!(verify_events(&c).0, Some(Problem::BrokenLink { seq: 2 }));

        // Renumbered after a deletion: the link to the predecessor breaks.
        let mut c = chain(5);
        c.remove(2);
        for e in c.iter_mut().skip(2) {
            e.seq -= 1;
        }
        assert_eq!(verify_events(&c).0, Some(Problem::BrokenLink { seq: 3 }));
    }

    #[test]
    fn checkpoints_verify_only_with_the_register_key() {
        let key = new_key();
        let pk = hex::encode(key.verifying_key().as_bytes());
        let c = sign(&key, 5, "ab", "2027-01-01T00:00:00Z");
        assert!(checkpoint_valid(&c, &pk));
        let mut forged = c.clone();
        forged.hash = "cd".into();
        assert!(!checkpoint_valid(&forged, &pk));
        let other = new_key();
        let resigned = sign(&other, 5, "ab", "2027-01-01T00:00:00Z");
        assert!(!checkpoint_valid(&resigned, &pk));
    }
}
