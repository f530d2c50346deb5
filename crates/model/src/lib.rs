//! The shared vocabulary of Baseline.
//!
//! Owns the serialisable data types every stage exchanges: [`Finding`], [`Evidence`],
//! [`Component`], [`Vulnerability`], [`Verdict`], [`Assessment`] and the artifact summary.
//! It never contains logic beyond small constructors and orderings, and never does I/O.
//! Every type here is part of the JSON contract (`baseline/assessment/v1`, see DESIGN.md):
//! field names are stable; new fields are added with `#[serde(default)]`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod checks;
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

/// The structured facts of a VULN finding (`Finding::details`), written by
/// `baseline-vulndb` and read by the assessment rules: the details map of a VULN finding is
/// exactly this struct serialised (so the JSON contract is unchanged by the typing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnerabilityDetails {
    /// The vulnerability id (`CVE-2021-42373`).
    pub vulnerability: String,
    /// The component label it was matched to (name and version).
    pub component: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(default)]
    pub cvss: Cvss,
    /// The base score severity went by (newest CVSS version present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f32>,
    /// In the CISA Known Exploited Vulnerabilities catalogue.
    #[serde(default)]
    pub kev: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f32>,
    #[serde(default)]
    pub vex_state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_justification: Option<String>,
    /// Why it matched (the CPE match string and version range).
    #[serde(default)]
    pub reason: String,
}

impl VulnerabilityDetails {
    /// The details as the map a [`Finding`] carries.
    pub fn to_details(&self) -> BTreeMap<String, serde_json::Value> {
        // Through text, not `to_value`: an f32 score goes into a `Value` as its f64 expansion
        // (8.800000190734863); written as text it is the shortest form (8.8), as in the
        // `vulnerabilities` list.
        serde_json::to_string(self)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// The details of a VULN finding, when it carries them.
    pub fn of(finding: &Finding) -> Option<VulnerabilityDetails> {
        let map: serde_json::Map<String, serde_json::Value> = finding
            .details
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map)).ok()
    }
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

/// The product an assessment is about, with the one scope decision made for it.
///
/// In JSON it is the product file's fields with `scope` beside them (DESIGN.md "JSON
/// contract"), keys in sorted order as they always were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessedProduct {
    pub product: Product,
    pub scope: ScopeDecision,
}

impl Serialize for AssessedProduct {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let mut value = serde_json::to_value(&self.product).map_err(S::Error::custom)?;
        let scope = serde_json::to_value(&self.scope).map_err(S::Error::custom)?;
        match value.as_object_mut() {
            Some(obj) => {
                obj.insert("scope".to_owned(), scope);
            }
            None => return Err(S::Error::custom("product is not an object")),
        }
        value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AssessedProduct {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut value = serde_json::Value::deserialize(deserializer)?;
        let scope = value
            .as_object_mut()
            .and_then(|o| o.remove("scope"))
            .ok_or_else(|| D::Error::missing_field("scope"))?;
        Ok(AssessedProduct {
            scope: serde_json::from_value(scope).map_err(D::Error::custom)?,
            product: serde_json::from_value(value).map_err(D::Error::custom)?,
        })
    }
}

/// Per-scheme counts and overall outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeSummary {
    pub pass: u32,
    pub fail: u32,
    pub inconclusive: u32,
    pub not_applicable: u32,
    /// The worst outcome of the scheme's verdicts (`not-applicable` when it has none that apply).
    pub overall: Outcome,
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

impl Default for SchemeSummary {
    fn default() -> Self {
        SchemeSummary {
            pass: 0,
            fail: 0,
            inconclusive: 0,
            not_applicable: 0,
            overall: Outcome::NotApplicable,
            indicative: false,
            level: None,
            uncertain: false,
        }
    }
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

/// What a [`Notice`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    /// An analyser could not finish (a budget ran out, its rules did not load): its family's
    /// findings stand, what it did not do is inconclusive.
    Analysis,
    /// Known vulnerabilities were not (fully) checked: no store, an old or stale one, or
    /// matching switched off.
    VulnerabilityStore,
    /// The manufacturer's published information was fetched and archived.
    SiteArchive,
    /// A declared EN 303 645 condition contradicts the evidence (the evidence is used).
    Condition,
    /// Anything else.
    Other,
}

/// Something a reader of the report must know that is not a finding or a verdict.
///
/// In JSON a notice is one string, `SUBJECT: message` (the subject is a finding family or
/// code: `VULN`, `CRED`, `COMP-002`) or the message alone, as the contract has always had it;
/// the kind is derived again when a report is read back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The finding family or code the notice concerns (`VULN`, `COMP-002`).
    pub subject: Option<String>,
    pub message: String,
}

impl Notice {
    pub fn new(kind: NoticeKind, subject: Option<&str>, message: impl Into<String>) -> Notice {
        Notice {
            kind,
            subject: subject.map(str::to_owned),
            message: message.into(),
        }
    }

    /// Parse the string form (reports written before the type, and [`Display`]'s output).
    pub fn parse(s: &str) -> Notice {
        if let Some((subject, message)) = s.split_once(": ") {
            if let Some(family) = checks::Family::of_code(&format!("{subject}-"))
                .or_else(|| checks::Family::of_code(subject))
            {
                let kind = if family == checks::Family::Vuln {
                    NoticeKind::VulnerabilityStore
                } else {
                    NoticeKind::Analysis
                };
                return Notice::new(kind, Some(subject), message);
            }
        }
        let kind = if s.starts_with("site evidence for ") {
            NoticeKind::SiteArchive
        } else if s.starts_with("EN 303 645 condition") {
            NoticeKind::Condition
        } else {
            NoticeKind::Other
        };
        Notice::new(kind, None, s)
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Serialize for Notice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Notice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Notice::parse(&String::deserialize(deserializer)?))
    }
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
    /// The product as given, with its scope decision (`null` when no product file was given).
    #[serde(default)]
    pub product: Option<AssessedProduct>,
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
    /// What could not be done and why (the assessment went on), and other things a reader
    /// must know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
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
            product: None,
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
    fn notices_are_strings_in_json_and_typed_in_memory() {
        let n = Notice::new(
            NoticeKind::VulnerabilityStore,
            Some("VULN"),
            "store is stale",
        );
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#""VULN: store is stale""#
        );
        let back: Notice = serde_json::from_str(r#""VULN: store is stale""#).unwrap();
        assert_eq!(back, n);
        let comp: Notice = serde_json::from_str(r#""COMP-002: rules did not load""#).unwrap();
        assert_eq!(comp.kind, NoticeKind::Analysis);
        assert_eq!(comp.subject.as_deref(), Some("COMP-002"));
        let site = Notice::parse("site evidence for https://x archived in d");
        assert_eq!((site.kind, site.subject), (NoticeKind::SiteArchive, None));
        let cond = Notice::parse("EN 303 645 condition (4) \"x\": y");
        assert_eq!(cond.kind, NoticeKind::Condition);
        // A colon in free text is not a subject.
        let other = Notice::parse("note: something");
        assert_eq!(
            (other.kind, other.subject.clone()),
            (NoticeKind::Other, None)
        );
        assert_eq!(other.to_string(), "note: something");
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
