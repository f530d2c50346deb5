//! One multi-pattern pass over every leaf of the tree (files, unparsed regions and streams):
//! key headers and credential markers, so each byte is read once for all CRED and KEY checks.
//!
//! Owns: the pattern table ([`Pattern`]) and the per-node hit lists ([`Scan`]).
//! Never does: interpret hits (the checks do). Written so its pattern table can later be
//! merged into a workspace-wide shared pass: [`scan_bytes`] is a pure function of the bytes.

use crate::Context;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use baseline_unpack::{NodeId, NodeKind};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Hits kept per node and pattern (more are counted as one "many").
const MAX_HITS_PER_PATTERN: usize = 256;

/// What a pattern marks. The order is the pattern table's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// `-----BEGIN ` (PEM armour; the label is read by the key checks).
    PemBegin,
    /// `PuTTY-User-Key-File-`.
    Putty,
    /// SSH wire-format key type strings, length-prefixed (Dropbear host keys).
    DropbearRsa,
    DropbearDss,
    DropbearEcdsa,
    DropbearEd25519,
    /// crypt(3) hash prefixes.
    CryptMd5,
    CryptSha256,
    CryptSha512,
    CryptBcrypt,
    CryptApr1,
    CryptYescrypt,
    /// `chpasswd`: scripted password setting.
    Chpasswd,
    /// `telnetd` (also `utelnetd`).
    Telnetd,
    /// A JSON member whose name ends like a secret (`…key":"`, `…pwd":`, `…psk":"`…), as in
    /// vendor parameter sectors of raw flash.
    JsonSecret,
}

const TABLE: &[(Pattern, &[u8])] = &[
    (Pattern::PemBegin, b"-----BEGIN "),
    (Pattern::Putty, b"PuTTY-User-Key-File-"),
    (Pattern::DropbearRsa, b"\x00\x00\x00\x07ssh-rsa\x00"),
    (Pattern::DropbearDss, b"\x00\x00\x00\x07ssh-dss\x00"),
    (Pattern::DropbearEcdsa, b"\x00\x00\x00\x13ecdsa-sha2-nistp"),
    (Pattern::DropbearEd25519, b"\x00\x00\x00\x0bssh-ed25519\x00"),
    (Pattern::CryptMd5, b"$1$"),
    (Pattern::CryptSha256, b"$5$"),
    (Pattern::CryptSha512, b"$6$"),
    (Pattern::CryptBcrypt, b"$2a$"),
    (Pattern::CryptBcrypt, b"$2b$"),
    (Pattern::CryptBcrypt, b"$2y$"),
    (Pattern::CryptApr1, b"$apr1$"),
    (Pattern::CryptYescrypt, b"$y$"),
    (Pattern::Chpasswd, b"chpasswd"),
    (Pattern::Telnetd, b"telnetd"),
    (Pattern::JsonSecret, b"key\":\""),
    (Pattern::JsonSecret, b"pwd\":"),
    (Pattern::JsonSecret, b"psk\":\""),
    (Pattern::JsonSecret, b"secret\":\""),
    (Pattern::JsonSecret, b"password\":"),
    (Pattern::JsonSecret, b"pass\":\""),
];

/// Hits of one pass over one node: pattern → offsets (ascending, capped).
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub by_pattern: BTreeMap<Pattern, Vec<u64>>,
}

impl Hits {
    pub fn has(&self, p: Pattern) -> bool {
        self.by_pattern.contains_key(&p)
    }
    pub fn offsets(&self, p: Pattern) -> &[u64] {
        self.by_pattern.get(&p).map_or(&[], Vec::as_slice)
    }
}

/// The result of one pass over the whole tree: only nodes with at least one hit.
#[derive(Debug, Default)]
pub struct Scan {
    pub nodes: BTreeMap<NodeId, Hits>,
}

fn automaton() -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        // Key names vary in case (`pskKey`, `PSK`); the other patterns are validated by parsing.
        .ascii_case_insensitive(true)
        // A DFA scans several times faster than the default NFA; this runs over every byte.
        .kind(Some(AhoCorasickKind::DFA))
        .build(TABLE.iter().map(|(_, p)| *p))
        .ok()
}

/// Scan one buffer with the pattern table.
pub fn scan_bytes(ac: &AhoCorasick, data: &[u8]) -> Hits {
    let mut hits = Hits::default();
    for m in ac.find_overlapping_iter(data) {
        let Some((pat, _)) = TABLE.get(m.pattern().as_usize()) else {
            continue;
        };
        let v = hits.by_pattern.entry(*pat).or_default();
        if v.len() < MAX_HITS_PER_PATTERN {
            v.push(m.start() as u64);
        }
    }
    hits
}

/// Leaves of the tree whose bytes are not represented by children: files, and inputs,
/// regions and streams that nothing was extracted from.
pub fn leaves(ctx: &Context<'_>) -> Vec<NodeId> {
    ctx.tree
        .iter()
        .filter(|(id, n)| {
            // Carves inside files (images, PEM blocks) are views of bytes the file holds.
            !n.data.is_empty()
                && !ctx.tree.is_view(*id)
                && match n.kind {
                    NodeKind::File => true,
                    NodeKind::Input | NodeKind::Region | NodeKind::Stream => n.children.is_empty(),
                    _ => false,
                }
        })
        .map(|(id, _)| id)
        .collect()
}

impl Scan {
    /// One pass over every leaf, in parallel.
    pub fn run(ctx: &Context<'_>) -> Scan {
        let Some(ac) = automaton() else {
            return Scan::default();
        };
        let nodes = leaves(ctx)
            .par_iter()
            .filter_map(|id| {
                let n = ctx.tree.get(*id)?;
                let h = scan_bytes(&ac, &n.data);
                (!h.by_pattern.is_empty()).then_some((*id, h))
            })
            .collect();
        Scan { nodes }
    }

    pub fn with(&self, p: Pattern) -> impl Iterator<Item = (NodeId, &Hits)> + '_ {
        self.nodes
            .iter()
            .filter(move |(_, h)| h.has(p))
            .map(|(id, h)| (*id, h))
    }
}
