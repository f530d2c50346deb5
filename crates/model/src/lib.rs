//! The shared vocabulary of Baseline.
//!
//! Owns the serialisable data types every stage exchanges: [`Finding`], [`Evidence`],
//! [`Component`], [`Vulnerability`], [`Verdict`], [`Assessment`] and the artifact summary.
//! It never contains logic beyond small constructors and orderings, and never does I/O.
//! Every type here is part of the JSON contract (`baseline/assessment/v1`, see DESIGN.md):
//! field names are stable; new fields are added with `#[serde(default)]`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod product;
pub use product::*;

/// The `schema` value of an assessment document.
pub const ASSESSMENT_SCHEMA: &str = "baseline/assessment/v1";

/// How bad a finding is, lowest first (so `Ord` sorts by increasing severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How sure the analyser is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One piece of evidence: where in which artifact something was seen.
///
/// `artifact` names the input image (its file name as given); `path` is the path inside the
/// unpacked tree (e.g. `/etc/shadow`, or a carved node path); `offset` is a byte offset in the
/// file at `path` (or in the artifact when `path` is absent); `line` is 1-based. `excerpt` is
/// already redacted by the producer unless the user asked for secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub artifact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Free-text remark about this piece of evidence (e.g. "started from /etc/rc.d/rcS").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evidence {
    pub fn new(artifact: impl Into<String>) -> Self {
        Evidence {
            artifact: artifact.into(),
            ..Evidence::default()
        }
    }
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
    pub fn line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }
    pub fn excerpt(mut self, excerpt: impl Into<String>) -> Self {
        self.excerpt = Some(excerpt.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// A coded observation about the product (DESIGN.md: `FAMILY-NNN` code, kebab-case name).
///
/// `requirements` are catalogue references (`en303645:5.1-1`, `psti:sch1-p1`) the finding
/// informs. `details` carries check-specific structured data (account name, hash format,
/// key fingerprint…) so renderers and the assessment engine need not parse titles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
}

impl Finding {
    /// Stable sort key so outputs are byte-identical for identical inputs.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, &str, &str) {
        (std::cmp::Reverse(self.severity), &self.code, &self.title)
    }
}

/// A software component identified in the product (SBOM entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    pub confidence: Confidence,
    /// `application`, `library`, `operating-system`, `firmware`, `device`.
    #[serde(default = "default_component_kind")]
    pub kind: String,
    /// Supplier or vendor (CPE vendor), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Facts matching and renderers use, e.g. `busybox:applets` (comma-separated applet
    /// names), `sha256`, `source` (`opkg`, `dpkg`, `signature`, `header`, `product-file`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
}

fn default_component_kind() -> String {
    "application".to_owned()
}

/// CVSS scores of one vulnerability, by version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v3: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v4: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

impl Cvss {
    /// The base score of the newest CVSS version present (v4, else v3, else v2): the one
    /// severity and reports go by.
    pub fn base(&self) -> Option<f32> {
        self.v4.or(self.v3).or(self.v2)
    }
}

/// A known vulnerability matched to a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    /// Name (and version) of the component it was matched to.
    pub component: String,
    #[serde(default)]
    pub cvss: Cvss,
    #[serde(default)]
    pub kev: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f32>,
    /// VEX state: `affected`, `not_affected`, `under_investigation`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Why it matched (the CPE match string and version range).
    pub reason: String,
    #[serde(default)]
    pub requirements: Vec<String>,
}

/// Outcome of one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Fail,
    Inconclusive,
    Pass,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Inconclusive => "inconclusive",
            Outcome::NotApplicable => "not-applicable",
        }
    }
}

/// The verdict on one requirement, with what decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `<scheme>:<id>`.
    pub requirement: String,
    pub outcome: Outcome,
    pub rationale: String,
    /// Codes of the findings that decided it.
    #[serde(default)]
    pub findings: Vec<String>,
    /// Answers-file keys used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    /// TS 103 701 test case ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_cases: Vec<String>,
    /// The requirement (or the mapping that produced this verdict) is marked uncertain.
    #[serde(default)]
    pub uncertain: bool,
}

/// An input artifact (one firmware image or partition file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactSummary {
    pub sha256: String,
    pub size: u64,
    pub name: String,
    /// Outermost format identified, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// Scope decision outcome under the PSTI Act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeOutcome {
    InScope,
    Excepted,
    OutOfScope,
}

impl ScopeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeOutcome::InScope => "in-scope",
            ScopeOutcome::Excepted => "excepted",
            ScopeOutcome::OutOfScope => "out-of-scope",
        }
    }
}

/// One rule applied in a scope decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeReason {
    pub citation: String,
    pub text: String,
    #[serde(default)]
    pub uncertain: bool,
}

/// The scope decision for a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeDecision {
    pub outcome: ScopeOutcome,
    pub reasons: Vec<ScopeReason>,
}

/// Per-scheme counts and overall outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeSummary {
    pub pass: u32,
    pub fail: u32,
    pub inconclusive: u32,
    pub not_applicable: u32,
    /// `pass`, `fail` or `inconclusive`.
    pub overall: String,
    /// Mappings into this scheme are indicative (our judgement), not official.
    #[serde(default)]
    pub indicative: bool,
    /// For label schemes (e.g. `sg-cls`): the highest level the evidence supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Some verdict counted here rests on an uncertain catalogue item.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncertain: bool,
}

/// Where the value of an EN 303 645 condition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionSource {
    /// The answers file (`[conditions]`).
    Answers,
    /// The product file (`[conditions]`).
    Product,
    /// Derived from another condition (5 is "not 4").
    Derived,
    /// Only the firmware evidence speaks to it.
    Evidence,
    /// Nobody said; the provisions it conditions are treated as applicable.
    Unknown,
}

/// The state of one EN 303 645 Annex B condition for this product, with the evidence beside
/// the declared value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionState {
    /// Condition number (1–13 in V2.1.1).
    pub id: u32,
    pub text: String,
    /// The value used for applicability (`None`: unknown, treated as holding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    pub source: ConditionSource,
    /// What the product or answers file declared, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<bool>,
    /// Codes of findings that evidence the condition holding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Set when the declaration and the evidence disagree (the evidence is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contradiction: Option<String>,
}

/// Name and version of the producing tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// One complete assessment document (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub schema: String,
    pub tool: ToolInfo,
    /// The product as given (free-form JSON of the product file) plus `scope`.
    #[serde(default)]
    pub product: serde_json::Value,
    pub artifacts: Vec<ArtifactSummary>,
    pub findings: Vec<Finding>,
    pub components: Vec<Component>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub verdicts: Vec<Verdict>,
    pub summary: BTreeMap<String, SchemeSummary>,
    /// EN 303 645 conditions as decided for this product (empty when not evaluated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionState>,
    /// The answers file (ICS/IXIT) as given, when one was.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub answers: serde_json::Value,
    /// Analysers that could not finish and why (the assessment went on without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
}

impl Assessment {
    pub fn new(version: &str) -> Self {
        Assessment {
            schema: ASSESSMENT_SCHEMA.to_owned(),
            tool: ToolInfo {
                name: "baseline".to_owned(),
                version: version.to_owned(),
            },
            product: serde_json::Value::Null,
            artifacts: Vec::new(),
            findings: Vec::new(),
            components: Vec::new(),
            vulnerabilities: Vec::new(),
            verdicts: Vec::new(),
            summary: BTreeMap::new(),
            conditions: Vec::new(),
            answers: serde_json::Value::Null,
            notices: Vec::new(),
            generated_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_low_to_critical_and_serialises_kebab() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(
            serde_json::to_string(&Severity::Critical).unwrap(),
            "\"critical\""
        );
        assert_eq!(
            serde_json::to_string(&Outcome::NotApplicable).unwrap(),
            "\"not-applicable\""
        );
        assert_eq!(
            serde_json::to_string(&ScopeOutcome::OutOfScope).unwrap(),
            "\"out-of-scope\""
        );
    }

    #[test]
    fn evidence_omits_absent_fields() {
        let e = Evidence::new("fw.bin").path("/etc/shadow").line(1);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"artifact":"fw.bin","path":"/etc/shadow","line":1}"#
        );
    }
}
