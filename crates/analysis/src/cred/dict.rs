//! The bundled default-credential dictionary, built from public lists (see
//! `data/credentials/ATTRIBUTION.md`): the DefaultCreds cheat sheet (MIT, vendor-tagged rows)
//! and routersploit's default pairs and password list (BSD-3-Clause).
//!
//! Owns: ordering candidates for one account, likeliest first. Never does: hashing.

use std::collections::{BTreeMap, BTreeSet, HashSet};

const DEFAULTCREDS: &str = include_str!("../../data/credentials/defaultcreds-cheat-sheet.csv");
const RSF_DEFAULTS: &str = include_str!("../../data/credentials/routersploit-defaults.txt");
const RSF_PASSWORDS: &str = include_str!("../../data/credentials/routersploit-passwords.txt");
/// SNMP community strings known as defaults (routersploit, BSD-3-Clause).
pub const RSF_SNMP: &str = include_str!("../../data/credentials/routersploit-snmp.txt");

/// Passwords so common on embedded devices that they go first for every account.
const TOP: &[&str] = &[
    "admin", "password", "1234", "12345", "123456", "root", "default", "pass", "toor", "guest",
    "support", "user", "system", "888888", "666666", "54321", "00000000", "12345678", "vizxv",
    "xc3511", "admin123", "changeme",
];

/// One vendor-tagged default pair.
#[derive(Debug, Clone)]
struct Pair {
    vendor: Option<String>,
    user: String,
    password: String,
}

/// The parsed dictionary.
#[derive(Debug, Clone)]
pub struct Dictionary {
    pairs: Vec<Pair>,
    /// Password → how many rows of all lists use it (a likelihood proxy).
    freq: BTreeMap<String, u32>,
    /// Lower-case vendor names known to the lists (for matching hints).
    vendors: BTreeSet<String>,
}

fn unblank(s: &str) -> String {
    if s == "<blank>" {
        String::new()
    } else {
        s.to_owned()
    }
}

/// Whether a list's password entry (mostly the cheat sheet's cells) is a note about the password rather than one
/// (`(random password)`, `<SEE COMMENT>`, `same as webui pwd`, `1st MAC address of NAS
/// (…) [ex: …]`, a printf format): such rows would never match a hash and only cost time.
fn is_note(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    let spaced = p.contains(' ');
    (p.starts_with('(') && p.ends_with(')'))
        || (p.starts_with('<') && p.ends_with('>'))
        || p.contains("%s")
        || (spaced
            && (p.contains('[')
                || p.matches(' ').count() >= 3
                || [
                    "same as",
                    "blank",
                    "see ",
                    "unknown",
                    "serial number",
                    "random",
                ]
                .iter()
                .any(|w| l.contains(w))))
}

/// A cell naming alternatives (`tiger or tigger`, `000 or 202`) gives each of them.
fn alternatives(p: &str) -> Vec<&str> {
    p.split(" or ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Vendor tag of a cheat-sheet `productvendor` value: its first word lower-cased, joined
/// with the second when the first is a short prefix (`TP-Link` → `tplink`).
fn vendor_tag(v: &str) -> Option<String> {
    let mut words = v
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let first = words.next()?.to_ascii_lowercase();
    let tag = if first.len() <= 2 {
        format!("{first}{}", words.next().unwrap_or("").to_ascii_lowercase())
    } else {
        first
    };
    (tag.len() >= 3).then_some(tag)
}

impl Dictionary {
    pub fn bundled() -> Dictionary {
        let mut pairs = Vec::new();
        for line in DEFAULTCREDS.lines().skip(1) {
            // productvendor,username,password — values carry no quoted commas in this list;
            // the password is everything after the second comma.
            let mut it = line.splitn(3, ',');
            let (Some(v), Some(u), Some(p)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let p = p.trim_end_matches('\r');
            if p != "<blank>" && is_note(p) {
                continue;
            }
            for alt in alternatives(p) {
                pairs.push(Pair {
                    vendor: vendor_tag(v),
                    user: unblank(u.trim()),
                    password: unblank(alt),
                });
            }
        }
        for line in RSF_DEFAULTS.lines() {
            if let Some((u, p)) = line.split_once(':').filter(|(_, p)| !is_note(p)) {
                pairs.push(Pair {
                    vendor: None,
                    user: u.to_owned(),
                    password: p.to_owned(),
                });
            }
        }
        let mut freq: BTreeMap<String, u32> = BTreeMap::new();
        for p in &pairs {
            *freq.entry(p.password.clone()).or_default() += 1;
        }
        for p in RSF_PASSWORDS.lines().filter(|p| !is_note(p)) {
            *freq.entry(p.to_owned()).or_default() += 1;
        }
        let vendors = pairs.iter().filter_map(|p| p.vendor.clone()).collect();
        Dictionary {
            pairs,
            freq,
            vendors,
        }
    }

    /// Vendor tags that occur as words in `text` (input names, banners, release files).
    pub fn vendor_hints(&self, text: &str) -> BTreeSet<String> {
        let lower = text.to_ascii_lowercase();
        let compact: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
        let words: BTreeSet<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
        self.vendors
            .iter()
            .filter(|v| {
                if v.len() >= 5 {
                    compact.contains(v.as_str())
                } else {
                    words.contains(v.as_str())
                }
            })
            .cloned()
            .collect()
    }

    /// Number of distinct candidate passwords in the bundled lists.
    pub fn len(&self) -> usize {
        self.freq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.freq.is_empty()
    }

    /// Candidates for `user`, likeliest first: pairs for this user from a hinted vendor, the
    /// user name itself and the top list, other pairs for this user (most used first), then
    /// `extra` (the user's `--wordlist`), then every other bundled password (most used first).
    pub fn candidates(
        &self,
        user: &str,
        hints: &BTreeSet<String>,
        extra: &[String],
    ) -> Vec<String> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out: Vec<String> = Vec::new();
        let mut push = |s: &str, out: &mut Vec<String>| {
            if seen.insert(s.to_owned()) {
                out.push(s.to_owned());
            }
        };
        let by_freq = |v: &mut Vec<&str>| {
            v.sort_by(|a, b| {
                let fa = self.freq.get(*a).copied().unwrap_or(0);
                let fb = self.freq.get(*b).copied().unwrap_or(0);
                fb.cmp(&fa).then(a.cmp(b))
            });
        };
        let same_user = |p: &Pair| p.user.eq_ignore_ascii_case(user);
        let mut hinted: Vec<&str> = self
            .pairs
            .iter()
            .filter(|p| same_user(p) && p.vendor.as_ref().is_some_and(|v| hints.contains(v)))
            .map(|p| p.password.as_str())
            .collect();
        by_freq(&mut hinted);
        for p in hinted {
            push(p, &mut out);
        }
        push(user, &mut out);
        for p in TOP {
            push(p, &mut out);
        }
        let mut for_user: Vec<&str> = self
            .pairs
            .iter()
            .filter(|p| same_user(p))
            .map(|p| p.password.as_str())
            .collect();
        by_freq(&mut for_user);
        for p in for_user {
            push(p, &mut out);
        }
        for p in extra {
            push(p, &mut out);
        }
        let mut rest: Vec<&str> = self.freq.keys().map(String::as_str).collect();
        by_freq(&mut rest);
        for p in rest {
            push(p, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn bundled_lists_parse_and_order_user_pairs_first() {
        let d = Dictionary::bundled();
        // 1,928 rows before the cheat sheet's notes were dropped and its `a or b` cells split.
        assert_eq!(d.len(), 1904);
        let hints = d.vendor_hints("TL-WR841N tp-link firmware");
        assert!(hints.contains("tplink"), "{hints:?}");
        let c = d.candidates("root", &BTreeSet::new(), &["mine".to_owned()]);
        assert_eq!(c[0], "root");
        let pos = |s: &str| c.iter().position(|x| x == s).unwrap();
        // A routersploit root pair comes before the user's own wordlist entry.
        assert!(pos("7ujMko0vizxv") < pos("mine"));
        assert!(c.contains(&String::new()));
        // Notes about passwords are not candidates; alternatives are, each on its own.
        let all = d.candidates("admin", &BTreeSet::new(), &[]);
        for note in [
            "(random password)",
            "<SEE COMMENT>",
            "same as webui pwd",
            "often blank",
        ] {
            assert!(!all.iter().any(|x| x == note), "{note}");
        }
        for alt in ["tiger", "tigger", "000", "202", "[^_^]", "blank"] {
            assert!(all.iter().any(|x| x == alt), "{alt}");
        }
    }
}
