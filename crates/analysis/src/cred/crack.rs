//! Password recovery: every fixed hash against the bundled dictionary (likeliest first) and
//! the user's `--wordlist`, in parallel, within one wall-clock budget for the whole run.
//!
//! Owns: scheduling and the budget. Never does: decide what a recovered password means.

use super::crypt::{self, HashFormat};
use super::dict::Dictionary;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// One hash to attack and the account names it belongs to (names steer candidate order).
#[derive(Debug, Clone)]
pub struct Target {
    pub hash: String,
    pub user: String,
}

/// What happened to one hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Recovered(String),
    /// Every candidate was tried.
    Exhausted {
        tried: usize,
    },
    /// The budget ran out after `tried` candidates.
    OutOfTime {
        tried: usize,
    },
    /// Format not attempted (unsupported, or cost too high).
    NotAttempted,
}

/// Candidates checked between two clock reads.
const CHUNK: usize = 16;
/// The same for md5crypt, whose lanes hash each length class together: a chunk this size
/// fills them (about 13 ms of work per chunk and thread).
const CHUNK_MD5: usize = 256;
/// Candidates per hash in the first round over all hashes.
const FIRST_PHASE: usize = 64;

/// Attack `targets` in the given order (put the most important first) within `budget`.
pub fn crack(
    targets: &[Target],
    dict: &Dictionary,
    hints: &BTreeSet<String>,
    wordlist: &[String],
    budget: Duration,
) -> BTreeMap<String, Outcome> {
    let deadline = Instant::now() + budget;
    let mut out: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut lists: Vec<(&str, Vec<String>)> = Vec::new();
    for t in targets {
        if out.contains_key(&t.hash) || lists.iter().any(|(h, _)| *h == t.hash) {
            continue;
        }
        let fmt = HashFormat::detect(&t.hash);
        if !fmt.crackable() || !crypt::affordable(&t.hash) {
            out.insert(t.hash.clone(), Outcome::NotAttempted);
            continue;
        }
        lists.push((&t.hash, dict.candidates(&t.user, hints, wordlist)));
    }
    // Phase 1: every hash against its likeliest candidates; phase 2: the rest of each list.
    // So one slow, strong hash cannot starve a weak one of the budget.
    for phase in 0..2 {
        for (hash, cands) in &lists {
            if out.contains_key(*hash) {
                continue;
            }
            let split = cands.len().min(FIRST_PHASE);
            let slice = if phase == 0 {
                cands.get(..split)
            } else {
                cands.get(split..)
            };
            match attack(hash, slice.unwrap_or(&[]), deadline) {
                Outcome::Exhausted { .. } if phase == 0 => {}
                Outcome::OutOfTime { tried } if phase == 1 => {
                    out.insert(
                        (*hash).to_owned(),
                        Outcome::OutOfTime {
                            tried: tried + split,
                        },
                    );
                }
                Outcome::Exhausted { .. } => {
                    out.insert(
                        (*hash).to_owned(),
                        Outcome::Exhausted { tried: cands.len() },
                    );
                }
                o => {
                    out.insert((*hash).to_owned(), o);
                }
            }
        }
    }
    out
}

/// Try `cands` in order against one hash until found, exhausted or past `deadline`.
pub fn attack(hash: &str, cands: &[String], deadline: Instant) -> Outcome {
    if Instant::now() >= deadline {
        return Outcome::OutOfTime { tried: 0 };
    }
    enum Step {
        Found(usize),
        Late,
    }
    let tried = std::sync::atomic::AtomicUsize::new(0);
    // find_map_first keeps "likeliest first": the earliest matching chunk wins.
    let chunk = match HashFormat::detect(hash) {
        HashFormat::Md5Crypt | HashFormat::Apr1 => CHUNK_MD5,
        _ => CHUNK,
    };
    let res = cands
        .par_chunks(chunk)
        .enumerate()
        .find_map_first(|(ci, part)| {
            if Instant::now() >= deadline {
                return Some(Step::Late);
            }
            tried.fetch_add(part.len(), std::sync::atomic::Ordering::Relaxed);
            crypt::verify_first(part, hash).map(|i| Step::Found(ci * chunk + i))
        });
    match res {
        Some(Step::Found(i)) => cands
            .get(i)
            .map_or(Outcome::NotAttempted, |p| Outcome::Recovered(p.clone())),
        Some(Step::Late) => Outcome::OutOfTime {
            tried: tried.load(std::sync::atomic::Ordering::Relaxed),
        },
        None => Outcome::Exhausted { tried: cands.len() },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn recovers_iotgoat_user_from_bundled_dictionary() {
        let d = Dictionary::bundled();
        let t = vec![Target {
            hash: "$1$79bz0K8z$Ii6Q/if83F1QodGmkb4Ah.".into(),
            user: "iotgoatuser".into(),
        }];
        let r = crack(&t, &d, &BTreeSet::new(), &[], Duration::from_secs(600));
        assert_eq!(r[&t[0].hash], Outcome::Recovered("7ujMko0vizxv".into()));
    }

    #[test]
    fn wordlist_candidate_is_used_and_zero_budget_stops() {
        let d = Dictionary::bundled();
        let hash = crypt::crypt(b"Zq9-not-in-any-list", "$1$saltsalt$").unwrap();
        let t = vec![Target {
            hash: hash.clone(),
            user: "admin".into(),
        }];
        let wl = vec!["Zq9-not-in-any-list".to_owned()];
        let r = crack(&t, &d, &BTreeSet::new(), &wl, Duration::from_secs(600));
        assert_eq!(r[&hash], Outcome::Recovered("Zq9-not-in-any-list".into()));
        let r = crack(&t, &d, &BTreeSet::new(), &wl, Duration::ZERO);
        assert_eq!(r[&hash], Outcome::OutOfTime { tried: 0 });
    }
}
