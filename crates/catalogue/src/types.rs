//! The catalogue's data types: schemes, requirements, statuses, conditions, features, test
//! cases and mappings. Plain data with serde; the lookups live in `lib.rs`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A scheme (regulation, standard, code of practice or label) the catalogue knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// The scheme part of a requirement reference, e.g. `en303645`.
    pub id: String,
    pub name: String,
    pub version: String,
    /// Where the scheme's text comes from.
    pub citation: String,
    /// Mappings into this scheme are our judgement, not law or a published mapping.
    #[serde(default)]
    pub indicative: bool,
    /// The scheme's content as a whole was not confirmed against its primary text.
    #[serde(default)]
    pub uncertain: bool,
}

/// What sort of entry a requirement is. Schemes use the kinds that fit them (see
/// `docs/catalogue.md`); the kind never changes the meaning of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A scope rule of the PSTI Act (who and what the regime covers).
    Scope,
    /// A requirement a product or its manufacturer must meet.
    Requirement,
    /// What a requirement applies to, or what it does not cover (no verdict of its own).
    Applicability,
    /// A route by which the law treats a requirement as met (PSTI Sch. 2).
    DeemedCompliance,
    /// A category of product excepted from the regime (PSTI Sch. 3).
    Exception,
    /// An item the statement of compliance must contain (PSTI Sch. 4).
    StatementContent,
    /// A duty of a relevant person (manufacturer, importer, distributor).
    Duty,
    /// An EN 303 645 provision (or a label's use of one).
    Provision,
    /// A code-of-practice guideline.
    Guideline,
    /// A code-of-practice principle.
    Principle,
    /// A label level.
    Level,
    /// A family of requirements (EN 18031 mechanisms).
    Family,
    /// An outcome of an outcome-based profile (NIST IR 8425).
    Outcome,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scope => "scope",
            Kind::Requirement => "requirement",
            Kind::Applicability => "applicability",
            Kind::DeemedCompliance => "deemed-compliance",
            Kind::Exception => "exception",
            Kind::StatementContent => "statement-content",
            Kind::Duty => "duty",
            Kind::Provision => "provision",
            Kind::Guideline => "guideline",
            Kind::Principle => "principle",
            Kind::Level => "level",
            Kind::Family => "family",
            Kind::Outcome => "outcome",
        }
    }
}

/// Kinds of evidence that can inform a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// Static analysis of the firmware image.
    Firmware,
    /// A live device on a lab network.
    Network,
    /// The manufacturer's web pages.
    Web,
    /// Manuals, statements, ICS/IXIT documents.
    Document,
    /// Only the manufacturer's answers can tell.
    Questionnaire,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Firmware => "firmware",
            EvidenceKind::Network => "network",
            EvidenceKind::Web => "web",
            EvidenceKind::Document => "document",
            EvidenceKind::Questionnaire => "questionnaire",
        }
    }
}

/// Mandatory ("shall") or recommended ("should").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Obligation {
    #[serde(rename = "M")]
    Mandatory,
    #[serde(rename = "R")]
    Recommended,
}

/// An ETSI-style status: `M`, `R`, `M C(1)`, `R C(9,12)`, and in EN 303 645 V3 also features:
/// `M F(a)`, `M CF(14,e)`. Conditions are numbered, features lettered; a conditional
/// provision applies only when all its conditions (and features) hold for the product.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Status {
    pub obligation: Obligation,
    pub conditions: Vec<u32>,
    pub features: Vec<String>,
}

impl Status {
    pub fn is_mandatory(&self) -> bool {
        self.obligation == Obligation::Mandatory
    }
    /// True when the status depends on a condition or a feature.
    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty() || !self.features.is_empty()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.obligation {
            Obligation::Mandatory => "M",
            Obligation::Recommended => "R",
        })?;
        if !self.is_conditional() {
            return Ok(());
        }
        f.write_str(" ")?;
        if !self.conditions.is_empty() {
            f.write_str("C")?;
        }
        if !self.features.is_empty() {
            f.write_str("F")?;
        }
        let args: Vec<String> = self
            .conditions
            .iter()
            .map(u32::to_string)
            .chain(self.features.iter().cloned())
            .collect();
        write!(f, "({})", args.join(","))
    }
}

/// Why a status string did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusParseError(pub String);

impl fmt::Display for StatusParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid status `{}` (expected M, R, M C(n), R C(n), M F(x) or M CF(n,x))",
            self.0
        )
    }
}

impl std::error::Error for StatusParseError {}

impl FromStr for Status {
    type Err = StatusParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || StatusParseError(s.to_owned());
        let t = s.trim();
        let mut chars = t.chars();
        let obligation = match chars.next() {
            Some('M') => Obligation::Mandatory,
            Some('R') => Obligation::Recommended,
            _ => return Err(bad()),
        };
        let rest = chars.as_str().trim_start();
        if rest.is_empty() {
            return Ok(Status {
                obligation,
                conditions: Vec::new(),
                features: Vec::new(),
            });
        }
        let (marks, args) = rest.split_once('(').ok_or_else(bad)?;
        let args = args.strip_suffix(')').ok_or_else(bad)?;
        let marks = marks.trim();
        let (want_c, want_f) = match marks {
            "C" => (true, false),
            "F" => (false, true),
            "CF" => (true, true),
            _ => return Err(bad()),
        };
        let mut conditions = Vec::new();
        let mut features = Vec::new();
        for arg in args.split(',').map(str::trim) {
            if let Ok(n) = arg.parse::<u32>() {
                conditions.push(n);
            } else if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_lowercase()) {
                features.push(arg.to_owned());
            } else {
                return Err(bad());
            }
        }
        if want_c == conditions.is_empty() || want_f == features.is_empty() {
            return Err(bad());
        }
        Ok(Status {
            obligation,
            conditions,
            features,
        })
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One catalogue entry, referenced as `scheme:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub scheme: String,
    pub id: String,
    pub kind: Kind,
    /// Obligation status, for entries that have one (ETSI provisions, PSTI requirements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Id (same scheme) of the entry this one is a sub-item of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Our own one-line paraphrase, never the source's text.
    pub title: String,
    /// Where it comes from (instrument, clause, paragraph).
    pub citation: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceKind>,
    /// References this entry needs (label levels: the provisions and the level below).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Not confirmed against a primary text: every output that uses it must say so.
    #[serde(default)]
    pub uncertain: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Requirement {
    /// The stable reference `scheme:id`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.scheme, self.id)
    }
}

/// A numbered condition of a scheme's statuses (EN 303 645 Annex B).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub scheme: String,
    pub id: u32,
    pub text: String,
    #[serde(default)]
    pub uncertain: bool,
}

/// A lettered feature of EN 303 645 V3 statuses (`F(x)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    pub scheme: String,
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub uncertain: bool,
}

/// How a TS 103 701 test case assesses its provision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TestKind {
    /// Design (the IXIT) against the provision.
    #[serde(rename = "conceptual")]
    Conceptual,
    /// Behaviour of the device, its services or processes against the IXIT.
    #[serde(rename = "functional")]
    Functional,
    /// Both in one test case (5.3-10-1).
    #[serde(rename = "conceptual+functional")]
    ConceptualFunctional,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Conceptual => "conceptual",
            TestKind::Functional => "functional",
            TestKind::ConceptualFunctional => "conceptual+functional",
        }
    }
}

/// One ETSI TS 103 701 test case (`<provision>-<n>`) of an EN 303 645 V2.1.1 provision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    pub id: String,
    /// The EN 303 645 (V2.1.1) provision id, e.g. `5.1-1`.
    pub provision: String,
    pub kind: TestKind,
    pub citation: String,
}

/// Where a mapping comes from, strongest first (so `Ord` puts `Legal` first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// The law says so (PSTI Regulations Sch. 2).
    Legal,
    /// A published mapping, or the standards' own structure.
    Official,
    /// Our judgement.
    Indicative,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Legal => "legal",
            Provenance::Official => "official",
            Provenance::Indicative => "indicative",
        }
    }
}

/// One relation between two requirements. Symmetric: `source` is the side it was written
/// from, lookups go both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub source: String,
    pub target: String,
    pub provenance: Provenance,
    pub citation: String,
    #[serde(default)]
    pub uncertain: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A requirement reached by [`crate::Catalogue::map`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapTarget {
    /// `scheme:id` of the requirement reached.
    pub requirement: String,
    pub title: String,
    /// The weakest provenance along the way.
    pub provenance: Provenance,
    /// The target itself or any mapping used is uncertain.
    pub uncertain: bool,
    /// What the mapping went through when there was no direct one: an EN 303 645 provision,
    /// or the parent of a sub-item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Citations of the mappings used, in order.
    pub citations: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_every_notation() {
        for s in [
            "M",
            "R",
            "M C(1)",
            "R C(9,12)",
            "M F(a)",
            "M CF(14,e)",
            "R F(aa)",
        ] {
            let st: Status = s.parse().unwrap();
            assert_eq!(st.to_string(), s);
        }
        let st: Status = "MCF(14,e)".parse().unwrap();
        assert_eq!(st.conditions, vec![14]);
        assert_eq!(st.features, vec!["e".to_owned()]);
        assert!(st.is_mandatory() && st.is_conditional());
    }

    #[test]
    fn status_rejects_malformed_notation() {
        for s in [
            "",
            "X",
            "M C()",
            "M C(a)",
            "M F(1)",
            "M Q(1)",
            "M C(1",
            "mandatory",
        ] {
            assert!(s.parse::<Status>().is_err(), "{s} parsed");
        }
    }

    #[test]
    fn names_match_serde() {
        use EvidenceKind::*;
        for e in [Firmware, Network, Web, Document, Questionnaire] {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        for k in [
            Kind::Scope,
            Kind::DeemedCompliance,
            Kind::StatementContent,
            Kind::Outcome,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for p in [
            Provenance::Legal,
            Provenance::Official,
            Provenance::Indicative,
        ] {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(
            serde_json::to_value(TestKind::ConceptualFunctional).unwrap(),
            TestKind::ConceptualFunctional.as_str()
        );
    }

    #[test]
    fn provenance_orders_strongest_first() {
        assert!(Provenance::Legal < Provenance::Official);
        assert!(Provenance::Official < Provenance::Indicative);
    }
}
