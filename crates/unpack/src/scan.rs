//! Candidate finding: one Aho-Corasick pass over a node's bytes for the magics of every
//! format, yielding `(start, format)` candidates in order of start.
//!
//! Owns: building the automaton once per engine, translating a magic hit into a structure
//! start (`Magic::offset`), ordering candidates by start then registry order, and restarting
//! the scan after an accepted structure so bytes inside it are not scanned again.
//! Never does: parsing (the engine asks the formats).

use crate::format::Format;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Where each unique pattern comes from: `(format index, magic offset)` pairs.
#[derive(Debug)]
pub(crate) struct Scanner {
    ac: Option<AhoCorasick>,
    origins: Vec<Vec<(usize, usize)>>,
    /// Largest `pattern length + magic offset`: how far behind the scan position a
    /// candidate's start can lie.
    window: usize,
    /// Whole-input-only magics, checked at a node's start only.
    whole: Vec<(usize, &'static [u8], usize)>,
}

impl Scanner {
    pub(crate) fn new(formats: &[&'static dyn Format]) -> Self {
        let mut patterns: Vec<&'static [u8]> = Vec::new();
        let mut origins: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut whole = Vec::new();
        let mut window = 0usize;
        for (fi, f) in formats.iter().enumerate() {
            for m in f.magics() {
                if m.bytes.is_empty() {
                    continue;
                }
                if f.whole_input_only() {
                    whole.push((fi, m.bytes, m.offset));
                    continue;
                }
                window = window.max(m.bytes.len().saturating_add(m.offset));
                match patterns.iter().position(|p| *p == m.bytes) {
                    Some(i) => {
                        if let Some(o) = origins.get_mut(i) {
                            o.push((fi, m.offset));
                        }
                    }
                    None => {
                        patterns.push(m.bytes);
                        origins.push(vec![(fi, m.offset)]);
                    }
                }
            }
        }
        // Building can only fail on absurd pattern sets; an engine without an automaton
        // still honours whole-input formats.
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .ok()
        };
        Scanner {
            ac,
            origins,
            window,
            whole,
        }
    }

    /// Candidates of `data` from `from` on, in order of start then format index.
    pub(crate) fn candidates<'a>(&'a self, data: &'a [u8], from: usize) -> Candidates<'a> {
        let mut heap = BinaryHeap::new();
        if from == 0 {
            for &(fi, bytes, off) in &self.whole {
                let hit = off
                    .checked_add(bytes.len())
                    .and_then(|end| data.get(off..end))
                    .is_some_and(|s| s == bytes);
                if hit {
                    heap.push(Reverse((0usize, fi)));
                }
            }
        }
        let iter = self.ac.as_ref().and_then(|ac| {
            let input = aho_corasick::Input::new(data).range(from.min(data.len())..);
            ac.try_find_overlapping_iter(input).ok()
        });
        Candidates {
            scanner: self,
            iter,
            heap,
            scanned_to: from,
            last: None,
        }
    }
}

/// Lazy, ordered candidate stream (see [`Scanner::candidates`]).
pub(crate) struct Candidates<'a> {
    scanner: &'a Scanner,
    iter: Option<aho_corasick::FindOverlappingIter<'a, 'a>>,
    heap: BinaryHeap<Reverse<(usize, usize)>>,
    /// End of the last automaton match pulled.
    scanned_to: usize,
    last: Option<(usize, usize)>,
}

impl Iterator for Candidates<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            // A candidate is final once no later match can produce a smaller start.
            let safe = match &self.iter {
                None => usize::MAX,
                Some(_) => self.scanned_to.saturating_sub(self.scanner.window),
            };
            if let Some(Reverse(top)) = self.heap.peek().copied() {
                if top.0 < safe {
                    self.heap.pop();
                    if self.last == Some(top) {
                        continue;
                    }
                    self.last = Some(top);
                    return Some(top);
                }
            }
            let Some(iter) = self.iter.as_mut() else {
                let Reverse(top) = self.heap.pop()?;
                if self.last == Some(top) {
                    continue;
                }
                self.last = Some(top);
                return Some(top);
            };
            match iter.next() {
                None => self.iter = None,
                Some(m) => {
                    self.scanned_to = m.end();
                    if let Some(origins) = self.scanner.origins.get(m.pattern().as_usize()) {
                        for &(fi, off) in origins {
                            if let Some(start) = m.start().checked_sub(off) {
                                self.heap.push(Reverse((start, fi)));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::format::{Ctx, Magic, Parsed};
    use bytes::Bytes;

    #[derive(Debug)]
    struct F(&'static [Magic]);
    impl Format for F {
        fn name(&self) -> &'static str {
            "f"
        }
        fn magics(&self) -> &'static [Magic] {
            self.0
        }
        fn parse(&self, _: &Bytes, _: usize, _: &Ctx) -> crate::Result<Option<Parsed>> {
            Ok(None)
        }
    }

    static A: F = F(&[Magic {
        bytes: b"AB",
        offset: 0,
    }]);
    static B: F = F(&[Magic {
        bytes: b"B",
        offset: 4,
    }]);

    #[test]
    fn candidates_are_ordered_by_start_and_honour_magic_offset() {
        let s = Scanner::new(&[&A, &B]);
        let data = b"xxxxxABxxB";
        let got: Vec<_> = s.candidates(data, 0).collect();
        // "AB" at 5 (A), "B" at 6 → start 2 (B), "B" at 9 → start 5 (B).
        assert_eq!(got, vec![(2, 1), (5, 0), (5, 1)]);
        let from6: Vec<_> = s.candidates(data, 6).collect();
        assert_eq!(from6, vec![(2, 1), (5, 1)]);
    }
}
