//! The records the store keeps, and their conversion from NVD CVE API 2.0 and OSV JSON.
//!
//! Owns: the stored [`CveRecord`] (what matching and reporting need: CVSS, configurations,
//! a short description) and the input shapes ([`NvdCve`], [`OsvRecord`]) read with serde.
//! Never does: I/O.

use serde::{Deserialize, Serialize};

/// One vulnerability as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CveRecord {
    pub id: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub published: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub cvss: baseline_model::Cvss,
    #[serde(default)]
    pub configs: Vec<Config>,
    /// OSV-style package ranges (ecosystem package name, lower-case).
    #[serde(default)]
    pub packages: Vec<Package>,
}

/// One NVD configuration: nodes combined with `operator` (`AND`/`OR`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub and: bool,
    pub nodes: Vec<Node>,
}

/// One NVD node: its matches are ORed unless `and`; `negate` inverts it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub and: bool,
    #[serde(default)]
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
}

/// One `cpeMatch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CpeMatch {
    pub vulnerable: bool,
    pub criteria: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vsi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vee: Option<String>,
}

/// An OSV `affected` entry reduced to what matching needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub ecosystem: String,
    #[serde(default)]
    pub versions: Vec<String>,
    /// (introduced, fixed, last_affected).
    #[serde(default)]
    pub ranges: Vec<(Option<String>, Option<String>, Option<String>)>,
}

// ---- NVD CVE API 2.0 input ----

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdCve {
    pub id: String,
    #[serde(default)]
    pub published: String,
    #[serde(default)]
    pub last_modified: String,
    #[serde(default)]
    pub vuln_status: String,
    #[serde(default)]
    pub descriptions: Vec<NvdText>,
    #[serde(default)]
    pub metrics: NvdMetrics,
    #[serde(default)]
    pub configurations: Vec<NvdConfig>,
}

#[derive(Debug, Deserialize)]
pub struct NvdText {
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NvdMetrics {
    #[serde(default, rename = "cvssMetricV40")]
    pub v40: Vec<NvdMetric>,
    #[serde(default, rename = "cvssMetricV31")]
    pub v31: Vec<NvdMetric>,
    #[serde(default, rename = "cvssMetricV30")]
    pub v30: Vec<NvdMetric>,
    #[serde(default, rename = "cvssMetricV2")]
    pub v2: Vec<NvdMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdMetric {
    #[serde(default, rename = "type")]
    pub kind: String,
    pub cvss_data: NvdCvssData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdCvssData {
    #[serde(default)]
    pub vector_string: String,
    #[serde(default)]
    pub base_score: f32,
}

#[derive(Debug, Deserialize)]
pub struct NvdConfig {
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub nodes: Vec<NvdNode>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdNode {
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub negate: bool,
    #[serde(default)]
    pub cpe_match: Vec<NvdCpeMatch>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdCpeMatch {
    pub vulnerable: bool,
    pub criteria: String,
    #[serde(default)]
    pub version_start_including: Option<String>,
    #[serde(default)]
    pub version_start_excluding: Option<String>,
    #[serde(default)]
    pub version_end_including: Option<String>,
    #[serde(default)]
    pub version_end_excluding: Option<String>,
}

/// The primary (NVD's own, else first) metric of a list.
fn primary(list: &[NvdMetric]) -> Option<&NvdMetric> {
    list.iter().find(|m| m.kind == "Primary").or(list.first())
}

/// Keep descriptions short in the store: reports quote them, they do not reproduce NVD.
const MAX_DESCRIPTION: usize = 600;

impl From<NvdCve> for CveRecord {
    fn from(c: NvdCve) -> Self {
        let description = c
            .descriptions
            .iter()
            .find(|d| d.lang == "en")
            .or(c.descriptions.first())
            .map(|d| d.value.chars().take(MAX_DESCRIPTION).collect())
            .unwrap_or_default();
        let m = &c.metrics;
        let v4 = primary(&m.v40);
        let v3 = primary(&m.v31).or_else(|| primary(&m.v30));
        let v2 = primary(&m.v2);
        let vector = v4
            .or(v3)
            .or(v2)
            .map(|x| x.cvss_data.vector_string.clone())
            .filter(|s| !s.is_empty());
        let cvss = baseline_model::Cvss {
            v2: v2.map(|x| x.cvss_data.base_score),
            v3: v3.map(|x| x.cvss_data.base_score),
            v4: v4.map(|x| x.cvss_data.base_score),
            vector,
        };
        let configs = c
            .configurations
            .into_iter()
            .map(|cfg| Config {
                and: cfg.operator.as_deref() == Some("AND"),
                nodes: cfg
                    .nodes
                    .into_iter()
                    .map(|n| Node {
                        and: n.operator.as_deref() == Some("AND"),
                        negate: n.negate,
                        matches: n
                            .cpe_match
                            .into_iter()
                            .map(|m| CpeMatch {
                                vulnerable: m.vulnerable,
                                criteria: m.criteria,
                                vsi: m.version_start_including,
                                vse: m.version_start_excluding,
                                vei: m.version_end_including,
                                vee: m.version_end_excluding,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        CveRecord {
            id: c.id,
            source: "nvd".into(),
            published: c.published,
            modified: c.last_modified,
            description,
            cvss,
            configs,
            packages: Vec::new(),
        }
    }
}

// ---- OSV input ----

#[derive(Debug, Deserialize)]
pub struct OsvRecord {
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub published: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub affected: Vec<OsvAffected>,
    #[serde(default)]
    pub severity: Vec<OsvSeverity>,
}

#[derive(Debug, Deserialize)]
pub struct OsvSeverity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Deserialize)]
pub struct OsvAffected {
    #[serde(default)]
    pub package: Option<OsvPackage>,
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ranges: Vec<OsvRange>,
}

#[derive(Debug, Deserialize)]
pub struct OsvPackage {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub ecosystem: String,
}

#[derive(Debug, Deserialize)]
pub struct OsvRange {
    #[serde(default)]
    pub events: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl From<OsvRecord> for CveRecord {
    fn from(o: OsvRecord) -> Self {
        let text = if o.summary.is_empty() {
            o.details
        } else {
            o.summary
        };
        let mut packages = Vec::new();
        for a in o.affected {
            let Some(p) = a.package else { continue };
            let mut ranges = Vec::new();
            for r in a.ranges {
                let mut cur: (Option<String>, Option<String>, Option<String>) = (None, None, None);
                for e in r.events {
                    let get = |k: &str| e.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                    if let Some(i) = get("introduced") {
                        if cur.0.is_some() || cur.1.is_some() || cur.2.is_some() {
                            ranges.push(std::mem::take(&mut cur));
                        }
                        cur.0 = Some(i);
                    }
                    if let Some(f) = get("fixed") {
                        cur.1 = Some(f);
                        ranges.push(std::mem::take(&mut cur));
                    }
                    if let Some(l) = get("last_affected") {
                        cur.2 = Some(l);
                        ranges.push(std::mem::take(&mut cur));
                    }
                }
                if cur.0.is_some() {
                    ranges.push(cur);
                }
            }
            packages.push(Package {
                name: p.name.to_ascii_lowercase(),
                ecosystem: p.ecosystem,
                versions: a.versions,
                ranges,
            });
        }
        let vector = o.severity.first().map(|s| s.score.clone());
        CveRecord {
            id: o.id,
            source: "osv".into(),
            published: o.published,
            modified: o.modified,
            description: text.chars().take(MAX_DESCRIPTION).collect(),
            cvss: baseline_model::Cvss {
                vector,
                ..Default::default()
            },
            configs: Vec::new(),
            packages,
        }
    }
}
