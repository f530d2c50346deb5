//! The analysers' one multi-pattern pass over the tree's content: key headers and credential
//! markers (CRED, KEY, CRYPTO), update-code strings (UPD) and component version anchors
//! (COMP) in one automaton, so each byte is read once for all of them. Each node is scanned
//! once for the union of the families that want it, and a hit is kept only for the families
//! that asked for that node.
//!
//! Owns: the credential pattern table ([`Pattern`]), the combined automaton and the per-node
//! hit lists ([`Scan`]). Never does: interpret hits (the checks do). [`scan_bytes`] is the
//! credential table alone, a pure function of the bytes (tests and benches).
//!
//! It imports no family: UPD and COMP hand their strings, anchors and node choices in as
//! [`Sources`] (built once by the crate root), so the families depend on this module and
//! never on each other for it.

use crate::Context;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use baseline_unpack::{NodeId, NodeKind};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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

/// The credential table alone, as an automaton (for [`scan_bytes`]).
pub fn automaton() -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(TABLE.iter().map(|(_, p)| *p))
        .ok()
}

/// Scan one buffer with the credential table ([`automaton`]).
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

/// A component anchor hit: the pattern's index in [`Signatures`]' numbering, start, end.
pub type AnchorHit = (usize, usize, usize);

/// The result of one pass over the whole tree: only nodes with at least one hit.
#[derive(Debug, Default)]
pub struct Scan {
    /// Credential and key markers, per CRED leaf ([`leaves`]).
    pub nodes: BTreeMap<NodeId, Hits>,
    /// Component anchors, per COMP leaf, in match order, at most
    /// [`Sources::comp_max_tries`] per rule (all a rule's regex ever examines).
    pub comp: BTreeMap<NodeId, Vec<AnchorHit>>,
    /// The first update-code string, per UPD-searched node.
    pub upd: BTreeMap<NodeId, &'static str>,
    /// Whether the component anchors were part of the pass (the signature rules loaded).
    pub with_comp: bool,
}

/// What the UPD and COMP families put into the pass.
#[derive(Debug)]
pub struct Sources {
    /// UPD's update-code strings (the first one found per node is kept).
    pub upd_strings: &'static [&'static str],
    /// Whether UPD searches a node.
    pub upd_searched: fn(&baseline_unpack::Node) -> bool,
    /// The nodes COMP scans for version anchors.
    pub comp_leaves: fn(&Context<'_>) -> Vec<NodeId>,
    /// Every component rule's anchors: (anchor, rule index).
    pub comp_anchors: Vec<(&'static str, usize)>,
    /// Number of component rules (0: the rules did not load, no anchors in the pass).
    pub comp_rules: usize,
    /// Anchor hits kept per rule and node (all a rule's regex ever examines).
    pub comp_max_tries: usize,
}

/// The combined automaton: the credential table, then the UPD strings, then the anchors of
/// the bundled component rules, built once per process.
struct Combined {
    ac: AhoCorasick,
    upd_base: usize,
    comp_base: usize,
    /// Component pattern index → rule index.
    comp_rule: Vec<usize>,
    rules: usize,
}

/// The combined automaton for `sources`. Built once per process: the sources are the crate's
/// static tables (`crate::scan_sources`), the same at every call.
fn combined(sources: &Sources) -> Option<&'static Combined> {
    static C: OnceLock<Option<Combined>> = OnceLock::new();
    C.get_or_init(|| {
        let mut pats: Vec<&[u8]> = TABLE.iter().map(|(_, p)| *p).collect();
        let upd_base = pats.len();
        pats.extend(sources.upd_strings.iter().map(|s| s.as_bytes()));
        let comp_base = pats.len();
        let mut comp_rule = Vec::new();
        let rules = sources.comp_rules;
        for (anchor, rule) in &sources.comp_anchors {
            pats.push(anchor.as_bytes());
            comp_rule.push(*rule);
        }
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            // Every table is matched without regard to ASCII case (key names vary in case;
            // the other hits are validated by parsing or a regex).
            .ascii_case_insensitive(true)
            // A DFA scans several times faster than the default NFA; this runs over every byte.
            .kind(Some(AhoCorasickKind::DFA))
            .build(pats)
            .ok()
            .map(|ac| Combined {
                ac,
                upd_base,
                comp_base,
                comp_rule,
                rules,
            })
    })
    .as_ref()
}

/// Build the combined automaton now (see [`crate::warm_up`]).
pub(crate) fn warm_up(sources: &Sources) {
    let _ = combined(sources);
}

/// Which families want one node's hits.
#[derive(Debug, Clone, Copy, Default)]
struct Want {
    cred: bool,
    comp: bool,
    upd: bool,
}

impl Scan {
    /// One pass over every node some family wants, in parallel.
    pub fn run(ctx: &Context<'_>, sources: &Sources) -> Scan {
        let Some(c) = combined(sources) else {
            return Scan::default();
        };
        let cred: std::collections::BTreeSet<NodeId> = leaves(ctx).into_iter().collect();
        let comp: std::collections::BTreeSet<NodeId> =
            (sources.comp_leaves)(ctx).into_iter().collect();
        let todo: Vec<(NodeId, Want)> = ctx
            .tree
            .iter()
            .filter_map(|(id, n)| {
                let w = Want {
                    cred: cred.contains(&id),
                    comp: c.rules > 0 && comp.contains(&id),
                    upd: (sources.upd_searched)(n),
                };
                (w.cred || w.comp || w.upd).then_some((id, w))
            })
            .collect();
        type One = (NodeId, Option<Hits>, Vec<AnchorHit>, Option<&'static str>);
        let found: Vec<One> = todo
            .par_iter()
            .filter_map(|&(id, want)| {
                let n = ctx.tree.get(id)?;
                let mut hits = Hits::default();
                let mut anchors: Vec<AnchorHit> = Vec::new();
                let mut tries = vec![0usize; if want.comp { c.rules } else { 0 }];
                let mut upd: Option<&'static str> = None;
                for m in c.ac.find_overlapping_iter(n.data.as_ref()) {
                    let i = m.pattern().as_usize();
                    if i < c.upd_base {
                        if want.cred {
                            if let Some((pat, _)) = TABLE.get(i) {
                                let v = hits.by_pattern.entry(*pat).or_default();
                                if v.len() < MAX_HITS_PER_PATTERN {
                                    v.push(m.start() as u64);
                                }
                            }
                        }
                    } else if i < c.comp_base {
                        if want.upd && upd.is_none() {
                            upd = sources.upd_strings.get(i - c.upd_base).copied();
                        }
                    } else if want.comp {
                        let ci = i - c.comp_base;
                        let Some(t) = c.comp_rule.get(ci).and_then(|r| tries.get_mut(*r)) else {
                            continue;
                        };
                        if *t < sources.comp_max_tries {
                            *t += 1;
                            anchors.push((ci, m.start(), m.end()));
                        }
                    }
                }
                let hits = (!hits.by_pattern.is_empty()).then_some(hits);
                (hits.is_some() || !anchors.is_empty() || upd.is_some())
                    .then_some((id, hits, anchors, upd))
            })
            .collect();
        let mut scan = Scan {
            with_comp: c.rules > 0,
            ..Scan::default()
        };
        for (id, hits, anchors, upd) in found {
            if let Some(h) = hits {
                scan.nodes.insert(id, h);
            }
            if !anchors.is_empty() {
                scan.comp.insert(id, anchors);
            }
            if let Some(u) = upd {
                scan.upd.insert(id, u);
            }
        }
        scan
    }

    pub fn with(&self, p: Pattern) -> impl Iterator<Item = (NodeId, &Hits)> + '_ {
        self.nodes
            .iter()
            .filter(move |(_, h)| h.has(p))
            .map(|(id, h)| (*id, h))
    }
}
