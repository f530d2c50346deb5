//! `--format sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code scanning upload).
//! One rule per finding code present, documented from the finding-code [`Registry`] the
//! caller passes in (`baseline_pipeline::registry()`; this crate depends on no producer).
//! One result per finding; each piece of evidence is a location whose URI is
//! `IMAGE!/path/in/image` (the `!` separates the input file from the path inside it, as in
//! `jar:` URLs), relative to the `IMAGES` base. Validated against the official schema in tests.

use baseline_model::checks::{CheckInfo, Registry};
use baseline_model::{Assessment, Finding, Severity};
use serde_json::{json, Value};

/// Public SARIF 2.1.0 schema location written into the document.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score as a string).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Percent-encode what may not appear raw in a URI path (spaces, `#`, `?`, `%`, controls).
fn uri_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let safe = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if safe {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(e: &baseline_model::Evidence) -> Value {
    let uri = match &e.path {
        Some(p) => format!("{}!{}", uri_path(&e.artifact), uri_path(p)),
        None => uri_path(&e.artifact),
    };
    let mut phys = json!({
        "artifactLocation": { "uri": uri, "uriBaseId": "IMAGES" }
    });
    let mut region = serde_json::Map::new();
    if let Some(l) = e.line {
        region.insert("startLine".into(), json!(l.max(1)));
    } else if let Some(o) = e.offset {
        region.insert("byteOffset".into(), json!(o));
    }
    // SARIF 2.1.0 §3.30.2: a region needs a start (line, column, char or byte offset); a
    // snippet alone is not one, so an excerpt without a position goes into the message.
    let mut message: Vec<&str> = Vec::new();
    if let Some(x) = &e.excerpt {
        if region.is_empty() {
            message.push(x);
        } else {
            region.insert("snippet".into(), json!({ "text": x }));
        }
    }
    if !region.is_empty() {
        phys["region"] = Value::Object(region);
    }
    let mut loc = json!({ "physicalLocation": phys });
    if let Some(n) = &e.note {
        message.push(n);
    }
    if !message.is_empty() {
        loc["message"] = json!({ "text": message.join(" — ") });
    }
    loc
}

fn rule(code: &str, info: Option<&CheckInfo>, sample: Option<&Finding>) -> Value {
    let name = info
        .map(|i| i.name.to_owned())
        .or_else(|| sample.map(|f| f.name.clone()))
        .unwrap_or_else(|| code.to_owned());
    let summary = info
        .map(|i| i.summary.to_owned())
        .or_else(|| sample.map(|f| f.title.clone()))
        .unwrap_or_default();
    let doc = info
        .map(|i| i.doc.markdown())
        .unwrap_or_else(|| summary.clone());
    let requirements: Vec<String> = info
        .map(|i| i.requirements.iter().map(|r| (*r).to_owned()).collect())
        .or_else(|| sample.map(|f| f.requirements.clone()))
        .unwrap_or_default();
    let severity = sample
        .map(|f| f.severity)
        .or(info.map(|i| i.severity))
        .unwrap_or(Severity::Medium);
    let mut tags = vec!["security".to_owned()];
    tags.extend(requirements.iter().cloned());
    let mut r = json!({
        "id": code,
        "name": name,
        "shortDescription": { "text": summary },
        "fullDescription": { "text": summary },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(severity),
            "requirements": requirements
        }
    });
    if let Some(i) = info {
        r["helpUri"] = json!(i.docs_url());
    }
    r
}

/// Render the findings as one SARIF run. `rules` documents the codes (unregistered codes get
/// a rule built from their first finding).
pub fn render(a: &Assessment, rules: &Registry) -> String {
    let mut codes: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    // The highest severity seen per code sets its default level.
    let rule_list: Vec<Value> = codes
        .iter()
        .map(|c| {
            let worst = a
                .findings
                .iter()
                .filter(|f| f.code == *c)
                .max_by_key(|f| f.severity);
            rule(c, rules.get(c), worst)
        })
        .collect();
    let results: Vec<Value> = a
        .findings
        .iter()
        .map(|f| {
            let index = codes.iter().position(|c| *c == f.code).unwrap_or(0);
            let mut r = json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": f.title },
                "properties": {
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence,
                    "requirements": f.requirements
                }
            });
            let locs: Vec<Value> = f.evidence.iter().map(location).collect();
            if !locs.is_empty() {
                r["locations"] = Value::Array(locs);
            }
            r
        })
        .collect();
    let artifacts: Vec<Value> = a
        .artifacts
        .iter()
        .map(|art| {
            json!({
                "location": { "uri": uri_path(&art.name), "uriBaseId": "IMAGES" },
                "length": art.size,
                "hashes": { "sha-256": art.sha256 }
            })
        })
        .collect();
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": a.tool.name,
                "version": a.tool.version,
                "semanticVersion": a.tool.version,
                "informationUri": "https://example.invalid/baseline",
                "rules": rule_list
            }},
            "originalUriBaseIds": { "IMAGES": { "description": { "text": "The directory holding the firmware images given on the command line" } } },
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints"
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::rich_sample;

    fn schema() -> Option<serde_json::Value> {
        let dir = std::env::var("BASELINE_SCHEMAS").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/schemas").to_owned()
        });
        let path = format!("{dir}/sarif/sarif-schema-2.1.0.json");
        match std::fs::read_to_string(&path) {
            Ok(t) => Some(serde_json::from_str(&t).unwrap()),
            Err(_) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "SARIF schema missing at {path}"
                );
                #[allow(clippy::print_stdout)]
                {
                    println!("SARIF schema not found at {path}; skipping");
                }
                None
            }
        }
    }

    fn rules() -> Registry {
        Registry::new(&[&[CheckInfo {
            code: "CRED-001",
            name: "fixed-password-hash",
            severity: Severity::Critical,
            summary: "An account has a fixed password hash",
            doc: baseline_model::checks::Doc::Markdown("**What it checks.** Account databases."),
            requirements: &["psti:sch1-p1", "en303645:5.1-1"],
        }]])
        .unwrap()
    }

    #[test]
    fn validates_against_the_official_sarif_schema() {
        let Some(schema) = schema() else { return };
        let validator = jsonschema::validator_for(&schema).unwrap();
        let doc: serde_json::Value =
            serde_json::from_str(&render(&rich_sample(), &rules())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn one_rule_per_code_and_image_locations() {
        let doc: serde_json::Value =
            serde_json::from_str(&render(&rich_sample(), &rules())).unwrap();
        let run = &doc["runs"][0];
        let list = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["CRED-001", "KEY-001"]);
        assert_eq!(
            list[0]["help"]["markdown"],
            "**What it checks.** Account databases."
        );
        assert_eq!(list[0]["properties"]["security-severity"], "8.0");
        let loc = &run["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "demo%20fw.bin!/etc/shadow");
        assert_eq!(loc["region"]["startLine"], 1);
        assert_eq!(run["results"][1]["ruleIndex"], 1);
        insta::assert_snapshot!(render(&rich_sample(), &rules()));
    }
}
