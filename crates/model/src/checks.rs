//! The registry vocabulary of finding codes: one [`CheckInfo`] per code (DESIGN.md
//! "Identifiers"), whichever crate produces the findings.
//!
//! Each producing crate declares its checks once, with this type: `baseline-analysis`
//! (CRED, KEY, SVC, HARD, UPD, CRYPTO, COMP), `baseline-site` (DISC, SUPP) and
//! `baseline-vulndb` (VULN). `baseline-pipeline` assembles the full [`Registry`] from those
//! lists (one line per crate); `baseline checks`, the SARIF rules, the HTML report's help and
//! `docs/checks.md` are all rendered from it, so a code is documented in exactly one place.
//! [`CheckInfo::finding`] is the one constructor of a [`Finding`] for a registered code, so a
//! finding's code, name and requirements cannot drift from the registry.

use crate::{Confidence, Finding, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// The finding families of DESIGN.md, by code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Family {
    Cred,
    Key,
    Svc,
    Comp,
    Vuln,
    Hard,
    Crypto,
    Disc,
    Supp,
    Upd,
}

impl Family {
    /// Every family, in DESIGN.md order.
    pub const ALL: [Family; 10] = [
        Family::Cred,
        Family::Key,
        Family::Svc,
        Family::Comp,
        Family::Vuln,
        Family::Hard,
        Family::Crypto,
        Family::Disc,
        Family::Supp,
        Family::Upd,
    ];

    /// The code prefix (`CRED`).
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Cred => "CRED",
            Family::Key => "KEY",
            Family::Svc => "SVC",
            Family::Comp => "COMP",
            Family::Vuln => "VULN",
            Family::Hard => "HARD",
            Family::Crypto => "CRYPTO",
            Family::Disc => "DISC",
            Family::Supp => "SUPP",
            Family::Upd => "UPD",
        }
    }

    /// What the family is about, for headings.
    pub fn title(self) -> &'static str {
        match self {
            Family::Cred => "Credentials",
            Family::Key => "Keys and certificates",
            Family::Svc => "Services and interfaces",
            Family::Comp => "Components",
            Family::Vuln => "Known vulnerabilities",
            Family::Hard => "Binary hardening",
            Family::Crypto => "Weak cryptography",
            Family::Disc => "Vulnerability disclosure",
            Family::Supp => "Support period",
            Family::Upd => "Update mechanism",
        }
    }

    /// The family of a code (`CRED-001` → `Cred`), if its prefix is one of DESIGN.md's.
    pub fn of_code(code: &str) -> Option<Family> {
        let prefix = code.split_once('-')?.0;
        Family::ALL.into_iter().find(|f| f.prefix() == prefix)
    }
}

/// The documentation of a check: one Markdown text, or the fixed sections of STYLE.md
/// (what it checks, why it matters, evidence, known false positives, references) kept apart
/// by crates that render them in their own tables too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    Markdown(&'static str),
    Sections {
        what: &'static str,
        why: &'static str,
        evidence: &'static str,
        false_positives: &'static str,
        references: &'static str,
    },
}

impl Doc {
    /// The documentation as Markdown.
    pub fn markdown(&self) -> String {
        match *self {
            Doc::Markdown(s) => s.to_owned(),
            Doc::Sections {
                what,
                why,
                evidence,
                false_positives,
                references,
            } => format!(
                "**What it checks.** {what}\n\n**Why it matters.** {why}\n\n**Evidence.** \
                 {evidence}\n\n**Known false positives.** {false_positives}\n\n\
                 **References.** {references}"
            ),
        }
    }
}

/// Where the user documentation of every code lives (`docs/checks.md`, generated from the
/// registry); a code's anchor is its lower-case code.
pub const DOCS_BASE: &str = "https://example.invalid/baseline/blob/main/docs/checks.md";

/// Static description of one check (one finding code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// `FAMILY-NNN`.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// The highest severity a finding of this code is given (a finding may be lower, e.g. a
    /// hash whose plaintext was not recovered); SARIF's default level.
    pub severity: Severity,
    /// One line: what it reports.
    pub summary: &'static str,
    /// Requirement references it informs (`en303645:5.1-1`, `psti:sch1-p1`).
    pub requirements: &'static [&'static str],
    /// What it checks, why it matters, evidence, known false positives, references.
    pub doc: Doc,
}

impl CheckInfo {
    /// The family, from the code's prefix.
    pub fn family(&self) -> Option<Family> {
        Family::of_code(self.code)
    }

    /// The URL of this code's section in `docs/checks.md`.
    pub fn docs_url(&self) -> String {
        format!("{DOCS_BASE}#{}", self.code.to_ascii_lowercase())
    }

    /// A finding of this code, with its name and requirements; evidence and details empty.
    pub fn finding(&self, severity: Severity, confidence: Confidence, title: String) -> Finding {
        Finding {
            code: self.code.to_owned(),
            name: self.name.to_owned(),
            severity,
            title,
            requirements: self.requirements.iter().map(|r| (*r).to_owned()).collect(),
            evidence: Vec::new(),
            confidence,
            details: BTreeMap::new(),
        }
    }
}

/// One registry entry as `baseline checks --format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRecord {
    pub code: String,
    pub name: String,
    pub family: Option<Family>,
    pub severity: Severity,
    pub summary: String,
    pub requirements: Vec<String>,
    /// Markdown.
    pub help: String,
    pub docs_url: String,
}

impl From<&CheckInfo> for CheckRecord {
    fn from(c: &CheckInfo) -> Self {
        CheckRecord {
            code: c.code.to_owned(),
            name: c.name.to_owned(),
            family: c.family(),
            severity: c.severity,
            summary: c.summary.to_owned(),
            requirements: c.requirements.iter().map(|r| (*r).to_owned()).collect(),
            help: c.doc.markdown(),
            docs_url: c.docs_url(),
        }
    }
}

/// Why a list of checks is not a valid registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("finding code {0} is registered twice")]
    Duplicate(&'static str),
    #[error("finding code `{0}` is not FAMILY-NNN with a family of DESIGN.md")]
    BadCode(&'static str),
    #[error("finding code {code}: name `{name}` is not kebab-case")]
    BadName {
        code: &'static str,
        name: &'static str,
    },
}

/// Every registered check, in code order, each code once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    checks: Vec<CheckInfo>,
}

impl Registry {
    /// Build a registry from the producing crates' lists; refuses duplicate and malformed codes.
    pub fn new(lists: &[&[CheckInfo]]) -> Result<Registry, RegistryError> {
        let mut checks: Vec<CheckInfo> = lists.iter().flat_map(|l| l.iter().copied()).collect();
        for c in &checks {
            let number = c.code.split_once('-').map(|(_, n)| n).unwrap_or("");
            if c.family().is_none()
                || number.len() != 3
                || !number.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(RegistryError::BadCode(c.code));
            }
            let kebab = !c.name.is_empty()
                && !c.name.starts_with('-')
                && !c.name.ends_with('-')
                && !c.name.contains("--")
                && c.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !kebab {
                return Err(RegistryError::BadName {
                    code: c.code,
                    name: c.name,
                });
            }
        }
        checks.sort_by_key(|c| c.code);
        if let Some(w) = checks.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(RegistryError::Duplicate(w[0].code));
        }
        Ok(Registry { checks })
    }

    /// Every check, in code order.
    pub fn checks(&self) -> &[CheckInfo] {
        &self.checks
    }

    /// The check of `code`.
    pub fn get(&self, code: &str) -> Option<&CheckInfo> {
        self.checks
            .binary_search_by(|c| c.code.cmp(code))
            .ok()
            .and_then(|i| self.checks.get(i))
    }

    /// The checks of one family, in code order.
    pub fn family(&self, family: Family) -> impl Iterator<Item = &CheckInfo> {
        self.checks
            .iter()
            .filter(move |c| c.family() == Some(family))
    }

    /// `docs/checks.md`: every code with its documentation, by family.
    pub fn markdown(&self) -> String {
        let mut s = String::from(
            "# Finding codes\n\n\
             Generated from the registry by `baseline checks --format markdown`; a test fails \
             when this file differs from it. Codes never change meaning; retired codes are \
             never reused (DESIGN.md \"Identifiers\"). A finding's severity is at most the \
             severity listed here.\n",
        );
        for family in Family::ALL {
            let mut checks = self.family(family).peekable();
            if checks.peek().is_none() {
                continue;
            }
            s.push_str(&format!(
                "\n## {} — {}\n\n| code | name | severity | requirements |\n|---|---|---|---|\n",
                family.prefix(),
                family.title()
            ));
            let list: Vec<&CheckInfo> = checks.collect();
            for c in &list {
                s.push_str(&format!(
                    "| [{}](#{}) | `{}` | {} | {} |\n",
                    c.code,
                    c.code.to_ascii_lowercase(),
                    c.name,
                    c.severity.as_str(),
                    c.requirements.join(", ")
                ));
            }
            for c in &list {
                s.push_str(&format!(
                    "\n### {}\n\n`{}` · {} · {}\n\n{}\n\n{}\n",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    if c.requirements.is_empty() {
                        "no requirement".to_owned()
                    } else {
                        c.requirements.join(", ")
                    },
                    c.summary,
                    c.doc.markdown().trim_end()
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: CheckInfo = CheckInfo {
        code: "CRED-001",
        name: "fixed-password-hash",
        severity: Severity::Critical,
        summary: "s",
        requirements: &["psti:sch1-p1"],
        doc: Doc::Markdown("d"),
    };

    #[test]
    fn family_comes_from_the_prefix() {
        assert_eq!(Family::of_code("CRYPTO-004"), Some(Family::Crypto));
        assert_eq!(Family::of_code("NOPE-001"), None);
        assert_eq!(Family::of_code("CRED"), None);
    }

    #[test]
    fn registry_refuses_duplicates_and_bad_codes() {
        assert_eq!(
            Registry::new(&[&[A], &[A]]),
            Err(RegistryError::Duplicate("CRED-001"))
        );
        let bad = CheckInfo {
            code: "CRED-1",
            ..A
        };
        assert_eq!(
            Registry::new(&[&[bad]]),
            Err(RegistryError::BadCode("CRED-1"))
        );
        let bad = CheckInfo {
            code: "FOO-001",
            ..A
        };
        assert_eq!(
            Registry::new(&[&[bad]]),
            Err(RegistryError::BadCode("FOO-001"))
        );
        let bad = CheckInfo {
            name: "Fixed_Hash",
            ..A
        };
        assert!(matches!(
            Registry::new(&[&[bad]]),
            Err(RegistryError::BadName { .. })
        ));
    }

    #[test]
    fn registry_sorts_and_finds() {
        let b = CheckInfo {
            code: "CRED-002",
            name: "empty-password",
            ..A
        };
        let r = Registry::new(&[&[b, A]]).unwrap();
        assert_eq!(r.checks()[0].code, "CRED-001");
        assert_eq!(r.get("CRED-002").unwrap().name, "empty-password");
        assert!(r.get("CRED-003").is_none());
        assert_eq!(
            r.get("CRED-001").unwrap().docs_url(),
            format!("{DOCS_BASE}#cred-001")
        );
    }

    #[test]
    fn finding_takes_code_name_and_requirements() {
        let f = A.finding(Severity::High, Confidence::Medium, "t".into());
        assert_eq!(f.code, "CRED-001");
        assert_eq!(f.name, "fixed-password-hash");
        assert_eq!(f.requirements, vec!["psti:sch1-p1".to_owned()]);
        assert_eq!(f.severity, Severity::High);
    }

    #[test]
    fn sections_render_in_style_order() {
        let d = Doc::Sections {
            what: "W",
            why: "Y",
            evidence: "E",
            false_positives: "F",
            references: "R",
        };
        assert_eq!(
            d.markdown(),
            "**What it checks.** W\n\n**Why it matters.** Y\n\n**Evidence.** E\n\n\
             **Known false positives.** F\n\n**References.** R"
        );
    }
}
