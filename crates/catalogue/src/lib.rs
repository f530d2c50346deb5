//! Requirement catalogue: schemes, requirements, statuses, conditions, ETSI TS 103 701 test
//! cases and cross-scheme mappings, from TOML data embedded in the binary (`data/*.toml`),
//! parsed once and validated by this crate's tests.
//!
//! Owns the identifiers of DESIGN.md (`<scheme>:<id>`, e.g. `en303645:5.1-1`, `psti:sch1-p1`)
//! and every citation and `uncertain` flag attached to them. Never does I/O beyond its embedded
//! data, never decides anything about a product (that is `baseline-assess`).
//!
//! ```
//! let cat = baseline_catalogue::Catalogue::embedded();
//! let r = cat.lookup("en303645:5.1-1").unwrap();
//! assert_eq!(r.status.as_ref().unwrap().to_string(), "M C(1)");
//! let cop = cat.map("en303645:5.1-1", "uk-cop").unwrap();
//! assert_eq!(cop[0].requirement, "uk-cop:1");
//! ```

mod load;
mod types;

pub use load::Source;
pub use types::*;

use std::collections::HashMap;
use std::sync::OnceLock;

/// The hub scheme that indirect mappings go through.
pub const HUB_SCHEME: &str = "en303645";

/// The embedded data files, in load order (`schemes.toml` is loaded first).
const SCHEMES: Source = Source {
    name: "schemes.toml",
    text: include_str!("../data/schemes.toml"),
};
const SOURCES: &[Source] = &[
    Source {
        name: "psti.toml",
        text: include_str!("../data/psti.toml"),
    },
    Source {
        name: "en303645.toml",
        text: include_str!("../data/en303645.toml"),
    },
    Source {
        name: "en303645-v3.toml",
        text: include_str!("../data/en303645-v3.toml"),
    },
    Source {
        name: "uk-cop.toml",
        text: include_str!("../data/uk-cop.toml"),
    },
    Source {
        name: "au-cop.toml",
        text: include_str!("../data/au-cop.toml"),
    },
    Source {
        name: "sg-cls.toml",
        text: include_str!("../data/sg-cls.toml"),
    },
    Source {
        name: "fi-label.toml",
        text: include_str!("../data/fi-label.toml"),
    },
    Source {
        name: "in-cop.toml",
        text: include_str!("../data/in-cop.toml"),
    },
    Source {
        name: "cra.toml",
        text: include_str!("../data/cra.toml"),
    },
    Source {
        name: "en18031.toml",
        text: include_str!("../data/en18031.toml"),
    },
    Source {
        name: "nistir8425.toml",
        text: include_str!("../data/nistir8425.toml"),
    },
    Source {
        name: "ts103701.toml",
        text: include_str!("../data/ts103701.toml"),
    },
    Source {
        name: "mappings.toml",
        text: include_str!("../data/mappings.toml"),
    },
];

/// Why a catalogue could not be built or a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// The data itself is malformed or inconsistent.
    #[error("catalogue data {file}: {message}")]
    Data { file: String, message: String },
    #[error("unknown scheme `{scheme}`{}", hint(suggestions))]
    UnknownScheme {
        scheme: String,
        suggestions: Vec<String>,
    },
    #[error("unknown requirement `{reference}`{}", hint(suggestions))]
    UnknownRequirement {
        reference: String,
        suggestions: Vec<String>,
    },
    #[error(
        "`{reference}` is not a requirement reference (expected SCHEME:ID, e.g. en303645:5.1-1){}",
        hint(suggestions)
    )]
    MalformedReference {
        reference: String,
        suggestions: Vec<String>,
    },
}

fn hint(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// Which side of a mapping a requirement is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The requirement is the mapping's `source`.
    From,
    /// The requirement is the mapping's `target`.
    To,
}

/// A mapping seen from one requirement: the other end and which way it was written.
#[derive(Debug, Clone, Copy)]
pub struct Related<'a> {
    pub mapping: &'a Mapping,
    pub direction: Direction,
}

impl<'a> Related<'a> {
    /// The reference at the other end.
    pub fn other(&self) -> &'a str {
        match self.direction {
            Direction::From => &self.mapping.target,
            Direction::To => &self.mapping.source,
        }
    }
}

/// The whole catalogue. Build it with [`Catalogue::embedded`] (or [`Catalogue::from_sources`]
/// for test data); it is immutable afterwards.
#[derive(Debug)]
pub struct Catalogue {
    version: String,
    schemes: Vec<Scheme>,
    requirements: Vec<Requirement>,
    index: HashMap<String, usize>,
    conditions: Vec<Condition>,
    features: Vec<Feature>,
    test_cases: Vec<TestCase>,
    mappings: Vec<Mapping>,
    by_end: HashMap<String, Vec<usize>>,
}

static EMBEDDED: OnceLock<Catalogue> = OnceLock::new();

impl Catalogue {
    /// The catalogue built from the embedded data, parsed on first use.
    ///
    /// # Panics
    /// Only if the embedded data is invalid, which this crate's tests rule out.
    pub fn embedded() -> &'static Catalogue {
        EMBEDDED.get_or_init(|| match Catalogue::from_sources(&SCHEMES, SOURCES) {
            Ok(c) => c,
            Err(e) => panic!("embedded catalogue data is invalid: {e}"),
        })
    }

    /// Build a catalogue from a scheme list and data files (see `docs/catalogue.md`).
    pub fn from_sources(schemes: &Source, sources: &[Source]) -> Result<Self, CatalogueError> {
        let loaded = load::load(schemes, sources)?;
        let index = loaded
            .requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (r.reference(), i))
            .collect();
        let mut by_end: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in loaded.mappings.iter().enumerate() {
            by_end.entry(m.source.clone()).or_default().push(i);
            by_end.entry(m.target.clone()).or_default().push(i);
        }
        Ok(Catalogue {
            version: loaded.version,
            schemes: loaded.schemes,
            requirements: loaded.requirements,
            index,
            conditions: loaded.conditions,
            features: loaded.features,
            test_cases: loaded.test_cases,
            mappings: loaded.mappings,
            by_end,
        })
    }

    /// Version of the catalogue data (bumped whenever the data changes).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// All schemes, in display order.
    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    pub fn scheme(&self, id: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.id == id)
    }

    /// Like [`Catalogue::scheme`], with close matches in the error.
    pub fn resolve_scheme(&self, id: &str) -> Result<&Scheme, CatalogueError> {
        self.scheme(id)
            .ok_or_else(|| CatalogueError::UnknownScheme {
                scheme: id.to_owned(),
                suggestions: closest(id, self.schemes.iter().map(|s| s.id.clone()), 3),
            })
    }

    /// Every requirement, scheme by scheme, in data order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// The requirements of one scheme, in data order (empty for an unknown scheme).
    pub fn requirements_of<'a>(
        &'a self,
        scheme: &'a str,
    ) -> impl Iterator<Item = &'a Requirement> + 'a {
        self.requirements.iter().filter(move |r| r.scheme == scheme)
    }

    /// The requirement `scheme:id`, if it exists.
    pub fn get(&self, reference: &str) -> Option<&Requirement> {
        self.index
            .get(reference)
            .and_then(|&i| self.requirements.get(i))
    }

    /// Like [`Catalogue::get`], with close matches in the error.
    pub fn lookup(&self, reference: &str) -> Result<&Requirement, CatalogueError> {
        if let Some(r) = self.get(reference) {
            return Ok(r);
        }
        let suggestions = self.suggest(reference);
        match reference.split_once(':') {
            Some((scheme, id)) if !scheme.is_empty() && !id.is_empty() => {
                if self.scheme(scheme).is_none() {
                    let mut suggestions = suggestions;
                    if suggestions.is_empty() {
                        suggestions = closest(scheme, self.schemes.iter().map(|s| s.id.clone()), 3);
                    }
                    return Err(CatalogueError::UnknownScheme {
                        scheme: scheme.to_owned(),
                        suggestions,
                    });
                }
                Err(CatalogueError::UnknownRequirement {
                    reference: reference.to_owned(),
                    suggestions,
                })
            }
            _ => Err(CatalogueError::MalformedReference {
                reference: reference.to_owned(),
                suggestions,
            }),
        }
    }

    /// Close matches for a reference that does not exist (at most five), best first. A bare id
    /// (`5.1-1`) or a known id under a misspelt scheme (`en303645-v2:5.1-1`) finds the real one.
    pub fn suggest(&self, reference: &str) -> Vec<String> {
        let (scheme, id) = match reference.split_once(':') {
            Some((s, i)) => (Some(s), i),
            None => (None, reference),
        };
        // Same id in other (or close) schemes first: the usual slip is the scheme name.
        let mut exact_id: Vec<String> = self
            .requirements
            .iter()
            .filter(|r| r.id == id)
            .filter(|r| {
                scheme.is_none_or(|s| {
                    self.scheme(s).is_none() && strsim::damerau_levenshtein(s, &r.scheme) <= 4
                })
            })
            .map(Requirement::reference)
            .collect();
        if !exact_id.is_empty() {
            exact_id.truncate(5);
            return exact_id;
        }
        let pool: Vec<String> = match scheme.filter(|s| self.scheme(s).is_some()) {
            Some(s) => self
                .requirements_of(s)
                .map(Requirement::reference)
                .collect(),
            None => self
                .requirements
                .iter()
                .map(Requirement::reference)
                .collect(),
        };
        closest(reference, pool.into_iter(), 5)
    }

    /// The requirements whose `parent` is this one.
    pub fn children<'a>(&'a self, reference: &'a str) -> impl Iterator<Item = &'a Requirement> {
        let (scheme, id) = reference.split_once(':').unwrap_or(("", ""));
        self.requirements
            .iter()
            .filter(move |r| r.scheme == scheme && r.parent.as_deref() == Some(id))
    }

    /// The numbered conditions of a scheme's statuses (EN 303 645 Annex B).
    pub fn conditions<'a>(&'a self, scheme: &'a str) -> impl Iterator<Item = &'a Condition> {
        self.conditions.iter().filter(move |c| c.scheme == scheme)
    }

    pub fn condition(&self, scheme: &str, id: u32) -> Option<&Condition> {
        self.conditions
            .iter()
            .find(|c| c.scheme == scheme && c.id == id)
    }

    /// The lettered features of a scheme's statuses (EN 303 645 V3).
    pub fn features<'a>(&'a self, scheme: &'a str) -> impl Iterator<Item = &'a Feature> {
        self.features.iter().filter(move |c| c.scheme == scheme)
    }

    pub fn feature(&self, scheme: &str, id: &str) -> Option<&Feature> {
        self.features
            .iter()
            .find(|c| c.scheme == scheme && c.id == id)
    }

    /// Every TS 103 701 test case.
    pub fn all_test_cases(&self) -> &[TestCase] {
        &self.test_cases
    }

    /// The TS 103 701 test cases of an EN 303 645 V2.1.1 provision, given as `en303645:5.1-1`
    /// (empty for anything else).
    pub fn test_cases<'a>(&'a self, reference: &'a str) -> impl Iterator<Item = &'a TestCase> {
        let provision = reference
            .strip_prefix(HUB_SCHEME)
            .and_then(|r| r.strip_prefix(':'));
        self.test_cases
            .iter()
            .filter(move |t| Some(t.provision.as_str()) == provision)
    }

    /// Every mapping (wildcards expanded, label levels included).
    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// Mappings in which `reference` is on either side, strongest provenance first, then in
    /// catalogue order of the other end.
    pub fn related<'a>(&'a self, reference: &str) -> Vec<Related<'a>> {
        let mut out: Vec<Related<'a>> = self
            .by_end
            .get(reference)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.mappings.get(i))
            .map(|m| Related {
                mapping: m,
                direction: if m.source == reference {
                    Direction::From
                } else {
                    Direction::To
                },
            })
            .collect();
        out.sort_by_key(|r| {
            (
                r.mapping.provenance,
                self.index.get(r.other()).copied().unwrap_or(usize::MAX),
            )
        });
        out
    }

    /// Mappings written from `reference` (it is their `source`).
    pub fn mappings_from<'a>(&'a self, reference: &str) -> Vec<&'a Mapping> {
        self.related(reference)
            .into_iter()
            .filter(|r| r.direction == Direction::From)
            .map(|r| r.mapping)
            .collect()
    }

    /// Mappings written to `reference` (it is their `target`).
    pub fn mappings_to<'a>(&'a self, reference: &str) -> Vec<&'a Mapping> {
        self.related(reference)
            .into_iter()
            .filter(|r| r.direction == Direction::To)
            .map(|r| r.mapping)
            .collect()
    }

    /// The requirements of `to_scheme` that `reference` maps to, in both directions. When there
    /// is no direct mapping, goes through the EN 303 645 provisions `reference` maps to; the
    /// result then carries the weaker provenance of the two steps and names the provision in
    /// `via`. A sub-item with no mapping at all uses its parent's (`via` names the parent).
    /// Each target appears once, with its strongest route; sorted by provenance, then
    /// catalogue order.
    pub fn map(&self, reference: &str, to_scheme: &str) -> Result<Vec<MapTarget>, CatalogueError> {
        let from = self.lookup(reference)?;
        self.resolve_scheme(to_scheme)?;
        let mut best: HashMap<String, MapTarget> = HashMap::new();
        for rel in self.related(reference) {
            if let Some(target) = self.get(rel.other()).filter(|r| r.scheme == to_scheme) {
                offer(
                    &mut best,
                    MapTarget {
                        requirement: target.reference(),
                        title: target.title.clone(),
                        provenance: rel.mapping.provenance,
                        uncertain: rel.mapping.uncertain || target.uncertain || from.uncertain,
                        via: None,
                        citations: vec![rel.mapping.citation.clone()],
                    },
                );
            }
        }
        if best.is_empty() && from.scheme != HUB_SCHEME && to_scheme != HUB_SCHEME {
            for first in self.related(reference) {
                let Some(hub) = self.get(first.other()).filter(|r| r.scheme == HUB_SCHEME) else {
                    continue;
                };
                for second in self.related(first.other()) {
                    let Some(target) = self.get(second.other()).filter(|r| r.scheme == to_scheme)
                    else {
                        continue;
                    };
                    if target.reference() == reference {
                        continue;
                    }
                    offer(
                        &mut best,
                        MapTarget {
                            requirement: target.reference(),
                            title: target.title.clone(),
                            provenance: first.mapping.provenance.max(second.mapping.provenance),
                            uncertain: first.mapping.uncertain
                                || second.mapping.uncertain
                                || hub.uncertain
                                || target.uncertain
                                || from.uncertain,
                            via: Some(hub.reference()),
                            citations: vec![
                                first.mapping.citation.clone(),
                                second.mapping.citation.clone(),
                            ],
                        },
                    );
                }
            }
        }
        // A sub-item with no mapping of its own shares its parent's (a Sch. 1 paragraph's
        // deemed-compliance route covers each of its sub-paragraphs).
        if best.is_empty() && from.scheme != to_scheme {
            if let Some(parent) = &from.parent {
                let parent_ref = format!("{}:{parent}", from.scheme);
                for mut t in self.map(&parent_ref, to_scheme)? {
                    t.uncertain |= from.uncertain;
                    t.via = Some(parent_ref.clone());
                    offer(&mut best, t);
                }
            }
        }
        let mut out: Vec<MapTarget> = best.into_values().collect();
        out.sort_by_key(|t| {
            (
                t.provenance,
                self.index
                    .get(&t.requirement)
                    .copied()
                    .unwrap_or(usize::MAX),
            )
        });
        Ok(out)
    }

    /// Everything a label level (or any entry with `requires`) needs, transitively, in
    /// catalogue order, without the same-scheme levels themselves.
    pub fn required_by(&self, reference: &str) -> Vec<&Requirement> {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![reference.to_owned()];
        let scheme = reference.split_once(':').map(|(s, _)| s).unwrap_or("");
        while let Some(q) = stack.pop() {
            let Some(r) = self.get(&q) else { continue };
            for x in &r.requires {
                if let Some(&i) = self.index.get(x) {
                    if seen.insert(i) {
                        stack.push(x.clone());
                    }
                }
            }
        }
        seen.into_iter()
            .filter_map(|i| self.requirements.get(i))
            .filter(|r| r.scheme != scheme)
            .collect()
    }
}

/// Keep `t` unless `best` already holds a stronger route to the same requirement.
fn offer(best: &mut HashMap<String, MapTarget>, t: MapTarget) {
    let better = match best.get(&t.requirement) {
        None => true,
        Some(old) => {
            (t.provenance, t.uncertain, t.via.is_some())
                < (old.provenance, old.uncertain, old.via.is_some())
        }
    };
    if better {
        best.insert(t.requirement.clone(), t);
    }
}

/// Up to `n` candidates close to `input` (edit distance within a third of its length, at
/// least 2), best first.
fn closest(input: &str, candidates: impl Iterator<Item = String>, n: usize) -> Vec<String> {
    let limit = (input.chars().count() / 3).max(2);
    let lower = input.to_lowercase();
    let mut scored: Vec<(usize, usize, String)> = candidates
        .enumerate()
        .map(|(i, c)| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), i, c))
        .filter(|(d, _, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, _, c)| c).collect()
}

/// Close matches for `input` among `candidates` (for callers with their own vocabularies,
/// e.g. product-file keys).
pub fn suggest_among<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    closest(input, candidates.into_iter().map(str::to_owned), 3)
}

#[cfg(test)]
mod tests;
