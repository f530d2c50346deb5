//! Parsing and validating the catalogue's TOML data. Everything that could make a lookup wrong
//! (duplicate ids, dangling parents or mappings, unknown conditions) is an error here, so the
//! embedded data is checked once by the tests and never at a user's expense.

use crate::types::{
    Condition, EvidenceKind, Feature, Kind, Mapping, Provenance, Requirement, Scheme, Status,
    TestCase, TestKind,
};
use crate::CatalogueError;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One named TOML text (file name for messages, content).
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub name: &'static str,
    pub text: &'static str,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchemesFile {
    pub version: String,
    pub scheme: Vec<Scheme>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeFile {
    scheme: String,
    #[serde(default)]
    condition: Vec<RawCondition>,
    #[serde(default)]
    feature: Vec<RawFeature>,
    #[serde(default)]
    requirement: Vec<RawRequirement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: u32,
    text: String,
    #[serde(default)]
    uncertain: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    id: String,
    text: String,
    #[serde(default)]
    uncertain: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    kind: Kind,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    parent: Option<String>,
    title: String,
    citation: String,
    #[serde(default)]
    evidence: Vec<EvidenceKind>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    uncertain: bool,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCaseFile {
    citation: String,
    test_case: Vec<RawTestCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTestCase {
    id: String,
    provision: String,
    kind: TestKind,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    mapping: Vec<RawMapping>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    source: String,
    targets: Vec<String>,
    provenance: Provenance,
    citation: String,
    #[serde(default)]
    uncertain: bool,
    #[serde(default)]
    note: Option<String>,
}

/// Everything parsed and checked, ready to index.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub version: String,
    pub schemes: Vec<Scheme>,
    pub requirements: Vec<Requirement>,
    pub conditions: Vec<Condition>,
    pub features: Vec<Feature>,
    pub test_cases: Vec<TestCase>,
    pub mappings: Vec<Mapping>,
}

fn parse<T: for<'de> Deserialize<'de>>(src: &Source) -> Result<T, CatalogueError> {
    toml::from_str(src.text).map_err(|e| CatalogueError::Data {
        file: src.name.to_owned(),
        message: e.to_string(),
    })
}

fn invalid(file: &str, message: String) -> CatalogueError {
    CatalogueError::Data {
        file: file.to_owned(),
        message,
    }
}

/// The schemes of EN 303 645 whose test cases TS 103 701 defines.
const TEST_CASE_SCHEME: &str = "en303645";

/// Parse and validate: `schemes` is the scheme list, `sources` are named files whose name
/// stem says what they hold (`mappings`, `ts103701`, or a scheme id).
pub(crate) fn load(schemes: &Source, sources: &[Source]) -> Result<Loaded, CatalogueError> {
    let schemes_file: SchemesFile = parse(schemes)?;
    let mut out = Loaded {
        version: schemes_file.version,
        schemes: schemes_file.scheme,
        ..Loaded::default()
    };
    let mut scheme_ids = HashSet::new();
    for s in &out.schemes {
        if !scheme_ids.insert(s.id.clone()) {
            return Err(invalid(
                schemes.name,
                format!("scheme `{}` listed twice", s.id),
            ));
        }
    }

    let mut raw_mappings: Vec<(&'static str, RawMapping)> = Vec::new();
    let mut raw_tests: Option<(&'static str, TestCaseFile)> = None;
    let mut seen_scheme_files = HashSet::new();
    for src in sources {
        let stem = src.name.trim_end_matches(".toml");
        match stem {
            "mappings" => {
                let f: MappingFile = parse(src)?;
                raw_mappings.extend(f.mapping.into_iter().map(|m| (src.name, m)));
            }
            "ts103701" => raw_tests = Some((src.name, parse(src)?)),
            _ => {
                let f: SchemeFile = parse(src)?;
                if f.scheme != stem {
                    return Err(invalid(
                        src.name,
                        format!("declares scheme `{}`, expected `{stem}`", f.scheme),
                    ));
                }
                if !scheme_ids.contains(&f.scheme) {
                    return Err(invalid(
                        src.name,
                        format!("scheme `{}` is not in {}", f.scheme, schemes.name),
                    ));
                }
                seen_scheme_files.insert(f.scheme.clone());
                add_scheme_file(src.name, f, &mut out)?;
            }
        }
    }
    for s in &out.schemes {
        if !seen_scheme_files.contains(&s.id) {
            return Err(invalid(
                schemes.name,
                format!("scheme `{}` has no data file", s.id),
            ));
        }
    }

    let index: HashMap<String, usize> = out
        .requirements
        .iter()
        .enumerate()
        .map(|(i, r)| (r.reference(), i))
        .collect();
    check_references(&out, &index)?;

    if let Some((name, f)) = raw_tests {
        let mut ids = HashSet::new();
        for t in f.test_case {
            let provision = format!("{TEST_CASE_SCHEME}:{}", t.provision);
            if !index.contains_key(&provision) {
                return Err(invalid(
                    name,
                    format!("test case {} names unknown provision {provision}", t.id),
                ));
            }
            if !t.id.starts_with(&format!("{}-", t.provision)) {
                return Err(invalid(
                    name,
                    format!(
                        "test case {} is not named after provision {}",
                        t.id, t.provision
                    ),
                ));
            }
            if !ids.insert(t.id.clone()) {
                return Err(invalid(name, format!("test case {} listed twice", t.id)));
            }
            out.test_cases.push(TestCase {
                id: t.id,
                provision: t.provision,
                kind: t.kind,
                citation: f.citation.clone(),
            });
        }
    }

    out.mappings = expand_mappings(&out, &index, raw_mappings)?;
    out.mappings.extend(level_mappings(&out, &index));
    Ok(out)
}

fn add_scheme_file(name: &str, f: SchemeFile, out: &mut Loaded) -> Result<(), CatalogueError> {
    let mut ids = HashSet::new();
    for c in f.condition {
        if !ids.insert(c.id) {
            return Err(invalid(name, format!("condition {} listed twice", c.id)));
        }
        out.conditions.push(Condition {
            scheme: f.scheme.clone(),
            id: c.id,
            text: c.text,
            uncertain: c.uncertain,
        });
    }
    let mut letters = HashSet::new();
    for x in f.feature {
        if !letters.insert(x.id.clone()) {
            return Err(invalid(name, format!("feature {} listed twice", x.id)));
        }
        out.features.push(Feature {
            scheme: f.scheme.clone(),
            id: x.id,
            text: x.text,
            uncertain: x.uncertain,
        });
    }
    let mut req_ids = HashSet::new();
    for r in f.requirement {
        if r.id.is_empty() || r.id.contains(':') || r.id.contains(char::is_whitespace) {
            return Err(invalid(name, format!("invalid requirement id `{}`", r.id)));
        }
        if !req_ids.insert(r.id.clone()) {
            return Err(invalid(name, format!("requirement {} listed twice", r.id)));
        }
        if r.title.trim().is_empty() || r.citation.trim().is_empty() {
            return Err(invalid(
                name,
                format!("requirement {} needs a title and a citation", r.id),
            ));
        }
        if let Some(st) = &r.status {
            for c in &st.conditions {
                if !ids.contains(c) {
                    return Err(invalid(
                        name,
                        format!("requirement {} uses undefined condition {c}", r.id),
                    ));
                }
            }
            for x in &st.features {
                if !letters.contains(x) {
                    return Err(invalid(
                        name,
                        format!("requirement {} uses undefined feature {x}", r.id),
                    ));
                }
            }
        }
        out.requirements.push(Requirement {
            scheme: f.scheme.clone(),
            id: r.id,
            kind: r.kind,
            status: r.status,
            parent: r.parent,
            title: r.title,
            citation: r.citation,
            evidence: r.evidence,
            requires: r.requires,
            uncertain: r.uncertain,
            note: r.note,
        });
    }
    Ok(())
}

fn check_references(out: &Loaded, index: &HashMap<String, usize>) -> Result<(), CatalogueError> {
    for r in &out.requirements {
        if let Some(p) = &r.parent {
            if !index.contains_key(&format!("{}:{p}", r.scheme)) || p == &r.id {
                return Err(invalid(
                    &r.scheme,
                    format!("{} has unknown parent {p}", r.reference()),
                ));
            }
        }
        for q in &r.requires {
            if !index.contains_key(q) || q == &r.reference() {
                return Err(invalid(
                    &r.scheme,
                    format!("{} requires unknown {q}", r.reference()),
                ));
            }
        }
    }
    Ok(())
}

/// Expand `targets` (with `prefix*` wildcards) into one mapping per pair.
fn expand_mappings(
    out: &Loaded,
    index: &HashMap<String, usize>,
    raw: Vec<(&'static str, RawMapping)>,
) -> Result<Vec<Mapping>, CatalogueError> {
    let mut mappings = Vec::new();
    let mut pairs = HashSet::new();
    for (file, m) in raw {
        if !index.contains_key(&m.source) {
            return Err(invalid(
                file,
                format!("mapping source {} is unknown", m.source),
            ));
        }
        for target in &m.targets {
            let expanded: Vec<String> = match target.strip_suffix('*') {
                Some(prefix) => out
                    .requirements
                    .iter()
                    .map(Requirement::reference)
                    .filter(|r| r.starts_with(prefix))
                    .collect(),
                None => vec![target.clone()],
            };
            if expanded.is_empty() {
                return Err(invalid(
                    file,
                    format!(
                        "mapping target {target} (from {}) matches nothing",
                        m.source
                    ),
                ));
            }
            for t in expanded {
                if !index.contains_key(&t) {
                    return Err(invalid(
                        file,
                        format!("mapping target {t} (from {}) is unknown", m.source),
                    ));
                }
                if t == m.source {
                    return Err(invalid(file, format!("{t} is mapped to itself")));
                }
                let key = (
                    m.source.clone().min(t.clone()),
                    m.source.clone().max(t.clone()),
                    m.provenance,
                );
                if !pairs.insert(key) {
                    return Err(invalid(
                        file,
                        format!(
                            "{} and {t} are mapped twice with provenance {}",
                            m.source,
                            m.provenance.as_str()
                        ),
                    ));
                }
                mappings.push(Mapping {
                    source: m.source.clone(),
                    target: t,
                    provenance: m.provenance,
                    citation: m.citation.clone(),
                    uncertain: m.uncertain,
                    note: m.note.clone(),
                });
            }
        }
    }
    Ok(mappings)
}

/// A level that `requires` provisions of another scheme is mapped to every provision it needs,
/// directly or through the levels below it, with the level's own citation.
fn level_mappings(out: &Loaded, index: &HashMap<String, usize>) -> Vec<Mapping> {
    let mut mappings = Vec::new();
    for r in out.requirements.iter().filter(|r| !r.requires.is_empty()) {
        // (catalogue position, reference) -> uncertain along the most certain path.
        let mut needed: BTreeMap<(usize, &str), bool> = BTreeMap::new();
        let mut stack: Vec<(&str, bool)> = r
            .requires
            .iter()
            .map(|q| (q.as_str(), r.uncertain))
            .collect();
        let mut visited = HashSet::new();
        while let Some((q, uncertain)) = stack.pop() {
            if !visited.insert((q, uncertain)) {
                continue;
            }
            let Some((&pos, req)) = index
                .get(q)
                .and_then(|i| out.requirements.get(*i).map(|req| (i, req)))
            else {
                continue;
            };
            if req.scheme == r.scheme {
                let u = uncertain || req.uncertain;
                stack.extend(req.requires.iter().map(|x| (x.as_str(), u)));
            } else {
                let e = needed.entry((pos, q)).or_insert(uncertain);
                *e &= uncertain;
            }
        }
        for ((_, q), uncertain) in needed {
            mappings.push(Mapping {
                source: r.reference(),
                target: q.to_owned(),
                provenance: Provenance::Official,
                citation: r.citation.clone(),
                uncertain,
                note: Some("the level requires this provision".to_owned()),
            });
        }
    }
    mappings
}
