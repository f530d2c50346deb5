//! CycloneDX 1.6 JSON: the assessment's components as an SBOM (PURL, CPE, hashes, evidence
//! as `occurrences` and `identity`) with the matched vulnerabilities as VEX
//! (`analysis.state`, `justification`, `detail` = why it matched). See docs/sbom.md.
//!
//! Owns: the mapping from [`Assessment`] to CycloneDX. Never does: analysis or matching.

use baseline_model::{Assessment, Component, Confidence, Vulnerability};
use serde_json::{json, Map, Value};

/// `bom-ref` of a component: stable across runs for the same name, version and kind.
pub fn bom_ref(c: &Component) -> String {
    let mut r = format!("{}:{}", c.kind, c.name);
    if let Some(v) = &c.version {
        r.push('@');
        r.push_str(v);
    }
    r.replace(' ', "-")
}

fn label(c: &Component) -> String {
    match &c.version {
        Some(v) => format!("{} {v}", c.name),
        None => c.name.clone(),
    }
}

fn confidence(c: Confidence) -> f64 {
    match c {
        Confidence::High => 0.9,
        Confidence::Medium => 0.6,
        Confidence::Low => 0.3,
    }
}

/// CycloneDX component types we emit (`kind` values outside the enum become `application`).
fn cdx_type(kind: &str) -> &'static str {
    match kind {
        "library" => "library",
        "operating-system" => "operating-system",
        "firmware" => "firmware",
        "device" => "device",
        "file" => "file",
        _ => "application",
    }
}

fn component(c: &Component) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!(cdx_type(&c.kind)));
    o.insert("bom-ref".into(), json!(bom_ref(c)));
    o.insert("name".into(), json!(c.name));
    if let Some(v) = &c.version {
        o.insert("version".into(), json!(v));
    }
    if let Some(v) = &c.vendor {
        o.insert("supplier".into(), json!({ "name": v }));
    }
    if let Some(p) = &c.purl {
        o.insert("purl".into(), json!(p));
    }
    if let Some(p) = &c.cpe {
        o.insert("cpe".into(), json!(p));
    }
    if let Some(h) = c.properties.get("sha256") {
        if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            o.insert(
                "hashes".into(),
                json!([{ "alg": "SHA-256", "content": h.to_ascii_lowercase() }]),
            );
        }
    }
    let source = c.properties.get("source").map(String::as_str);
    let technique = match source {
        Some("opkg" | "dpkg") => "manifest-analysis",
        Some("product-file") => "attestation",
        Some("signature") if c.evidence.iter().all(|e| e.offset.is_none()) => "filename",
        _ => "binary-analysis",
    };
    let occurrences: Vec<Value> = c
        .evidence
        .iter()
        .map(|e| {
            let mut occ = Map::new();
            let loc = match &e.path {
                Some(p) => format!("{}:{p}", e.artifact),
                None => e.artifact.clone(),
            };
            occ.insert("location".into(), json!(loc));
            if let Some(l) = e.line {
                occ.insert("line".into(), json!(l));
            }
            if let Some(off) = e.offset {
                occ.insert("offset".into(), json!(off));
            }
            if let Some(x) = &e.excerpt {
                occ.insert("additionalContext".into(), json!(x));
            }
            Value::Object(occ)
        })
        .collect();
    let methods: Vec<Value> = c
        .evidence
        .iter()
        .filter_map(|e| e.excerpt.as_ref())
        .take(8)
        .map(|x| json!({ "technique": technique, "confidence": confidence(c.confidence), "value": x }))
        .collect();
    let mut evidence = Map::new();
    if c.version.is_some() {
        let mut id = Map::new();
        id.insert("field".into(), json!("version"));
        id.insert("confidence".into(), json!(confidence(c.confidence)));
        if !methods.is_empty() {
            id.insert("methods".into(), Value::Array(methods));
        }
        evidence.insert("identity".into(), json!([Value::Object(id)]));
    }
    if !occurrences.is_empty() {
        evidence.insert("occurrences".into(), Value::Array(occurrences));
    }
    if !evidence.is_empty() {
        o.insert("evidence".into(), Value::Object(evidence));
    }
    let props: Vec<Value> = c
        .properties
        .iter()
        .filter(|(k, _)| k.as_str() != "sha256")
        .map(|(k, v)| json!({ "name": format!("baseline:{k}"), "value": v }))
        .collect();
    if !props.is_empty() {
        o.insert("properties".into(), Value::Array(props));
    }
    Value::Object(o)
}

fn ratings(v: &Vulnerability) -> Vec<Value> {
    let vec = v.cvss.vector.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    let mut push = |score: Option<f32>, method: &str, is_this: bool| {
        if let Some(s) = score {
            let mut r = Map::new();
            r.insert("source".into(), json!({ "name": "NVD" }));
            r.insert("score".into(), json!((f64::from(s) * 10.0).round() / 10.0));
            r.insert("method".into(), json!(method));
            if is_this && !vec.is_empty() {
                r.insert("vector".into(), json!(vec));
            }
            out.push(Value::Object(r));
        }
    };
    push(v.cvss.v4, "CVSSv4", vec.starts_with("CVSS:4"));
    let v3 = if vec.starts_with("CVSS:3.0") {
        "CVSSv3"
    } else {
        "CVSSv31"
    };
    push(v.cvss.v3, v3, vec.starts_with("CVSS:3"));
    push(v.cvss.v2, "CVSSv2", !vec.starts_with("CVSS:"));
    out
}

fn vulnerability(v: &Vulnerability, affects: &[String]) -> Value {
    let state = match v.state.as_str() {
        "not_affected" => "not_affected",
        "under_investigation" => "in_triage",
        "fixed" | "resolved" => "resolved",
        "false_positive" => "false_positive",
        _ => "exploitable",
    };
    let mut analysis = Map::new();
    analysis.insert("state".into(), json!(state));
    if let Some(j) = &v.justification {
        analysis.insert("justification".into(), json!(j));
    }
    analysis.insert("detail".into(), json!(v.reason));
    let source = if v.id.starts_with("CVE-") {
        json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{}", v.id) })
    } else {
        json!({ "name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", v.id) })
    };
    let mut props = vec![json!({ "name": "baseline:kev", "value": v.kev.to_string() })];
    if let Some(e) = v.epss {
        props.push(json!({ "name": "baseline:epss", "value": format!("{e}") }));
    }
    for r in &v.requirements {
        props.push(json!({ "name": "baseline:requirement", "value": r }));
    }
    let mut o = Map::new();
    o.insert(
        "bom-ref".into(),
        json!(format!("{}/{}", v.id, v.component.replace(' ', "-"))),
    );
    o.insert("id".into(), json!(v.id));
    o.insert("source".into(), source);
    let r = ratings(v);
    if !r.is_empty() {
        o.insert("ratings".into(), Value::Array(r));
    }
    o.insert("analysis".into(), Value::Object(analysis));
    o.insert(
        "affects".into(),
        Value::Array(affects.iter().map(|a| json!({ "ref": a })).collect()),
    );
    o.insert("properties".into(), Value::Array(props));
    Value::Object(o)
}

/// Namespace of Baseline's name-based BOM serial numbers (a fixed random UUID).
const SERIAL_NAMESPACE: [u8; 16] = [
    0x6b, 0x1f, 0x3c, 0x52, 0x9d, 0x0e, 0x4a, 0x7b, 0x8c, 0x21, 0x5f, 0xe4, 0x33, 0x90, 0xa6, 0x17,
];

/// `urn:uuid:` of an RFC 4122 name-based (version 5, SHA-1) UUID of the document's content.
/// Deterministic on purpose: the same assessment renders byte-identical output (the JSON
/// contract), so the serial names the content; a different assessment gets another serial.
pub fn serial_number(content: &str) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(SERIAL_NAMESPACE);
    h.update(content.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(d.iter()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Render `a` as a CycloneDX 1.6 JSON document (pretty-printed, trailing newline).
pub fn render(a: &Assessment) -> String {
    let mut meta = Map::new();
    if let Some(t) = &a.generated_at {
        meta.insert("timestamp".into(), json!(t));
    }
    meta.insert(
        "tools".into(),
        json!({ "components": [{ "type": "application", "name": a.tool.name, "version": a.tool.version }] }),
    );
    // The product: the device component if there is one, else the first artifact.
    let device = a.components.iter().find(|c| c.kind == "device");
    let subject = match device {
        Some(d) => json!({ "type": "device", "bom-ref": "subject", "name": d.name }),
        None => {
            let name = a.artifacts.first().map_or("firmware", |x| x.name.as_str());
            let mut s = json!({ "type": "firmware", "bom-ref": "subject", "name": name });
            if let Some(x) = a.artifacts.first() {
                s["hashes"] = json!([{ "alg": "SHA-256", "content": x.sha256 }]);
            }
            s
        }
    };
    meta.insert("component".into(), subject);
    let comps: Vec<Value> = a.components.iter().map(component).collect();
    let vulns: Vec<Value> = a
        .vulnerabilities
        .iter()
        .map(|v| {
            let affects: Vec<String> = a
                .components
                .iter()
                .filter(|c| label(c) == v.component)
                .map(bom_ref)
                .collect();
            vulnerability(v, &affects)
        })
        .collect();
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": Value::Object(meta),
        "components": comps,
        "vulnerabilities": vulns,
    });
    let serial = serial_number(&serde_json::to_string(&doc).unwrap_or_default());
    if let Some(o) = doc.as_object_mut() {
        o.insert("serialNumber".into(), json!(serial));
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use baseline_model::{Cvss, Evidence};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn schemas() -> Option<PathBuf> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/schemas/cyclonedx");
        if p.join("bom-1.6.schema.json").is_file() {
            Some(p)
        } else {
            assert!(
                std::env::var_os("CI").is_none(),
                "schemas missing at {}",
                p.display()
            );
            None
        }
    }

    /// Resolves the schema's `spdx.schema.json` and `jsf-0.82.schema.json` from disk.
    struct Local(PathBuf);
    impl jsonschema::Retrieve for Local {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri
                .path()
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let text = std::fs::read_to_string(self.0.join(&name))?;
            Ok(serde_json::from_str(&text)?)
        }
    }

    fn sample() -> Assessment {
        let mut a = Assessment::new("0.1.0");
        a.artifacts.push(baseline_model::ArtifactSummary {
            sha256: "ab".repeat(32),
            size: 10,
            name: "fw.bin".into(),
            format: Some("tplink".into()),
        });
        let mut props = BTreeMap::new();
        props.insert("source".to_owned(), "signature".to_owned());
        props.insert("sha256".to_owned(), "cd".repeat(32));
        props.insert("busybox:applets".to_owned(), "ash,sh,udhcpc".to_owned());
        a.components.push(Component {
            name: "BusyBox".into(),
            version: Some("1.01".into()),
            purl: Some("pkg:generic/busybox@1.01".into()),
            cpe: Some("cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*".into()),
            evidence: vec![Evidence::new("fw.bin")
                .path("/bin/busybox")
                .offset(239142)
                .excerpt("BusyBox v1.01")],
            confidence: Confidence::High,
            kind: "application".into(),
            vendor: Some("busybox".into()),
            properties: props,
        });
        a.components.push(Component {
            name: "TL-WR841N".into(),
            version: Some("v10".into()),
            purl: None,
            cpe: Some("cpe:2.3:h:tp-link:tl-wr841n:10:*:*:*:*:*:*:*".into()),
            evidence: vec![Evidence::new("fw.bin").excerpt("hardware-model=841 v10")],
            confidence: Confidence::Medium,
            kind: "device".into(),
            vendor: Some("TP-Link".into()),
            properties: BTreeMap::new(),
        });
        for (id, state, just) in [
            ("CVE-2016-2147", "affected", None),
            ("CVE-2018-1000517", "not_affected", Some("code_not_present")),
        ] {
            a.vulnerabilities.push(Vulnerability {
                id: id.into(),
                component: "BusyBox 1.01".into(),
                cvss: Cvss {
                    v2: Some(5.0),
                    v3: Some(9.8),
                    v4: None,
                    vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
                },
                kev: false,
                epss: Some(0.0123),
                state: state.into(),
                justification: just.map(Into::into),
                reason: "cpe:2.3:a:busybox:busybox:*:… with 1.01 ≤ 1.24.2".into(),
                requirements: vec!["en303645:5.2-3".into()],
            });
        }
        a
    }

    #[test]
    fn validates_against_the_official_schema() {
        let Some(dir) = schemas() else { return };
        let schema: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("bom-1.6.schema.json")).unwrap(),
        )
        .unwrap();
        let validator = jsonschema::options()
            .with_retriever(Local(dir))
            .build(&schema)
            .unwrap();
        let doc: Value = serde_json::from_str(&render(&sample())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(doc["components"][0]["bom-ref"], "application:BusyBox@1.01");
        assert_eq!(
            doc["components"][0]["hashes"][0]["content"],
            "cd".repeat(32)
        );
        assert_eq!(
            doc["components"][0]["evidence"]["occurrences"][0]["offset"],
            239142
        );
        assert_eq!(
            doc["vulnerabilities"][0]["analysis"]["state"],
            "exploitable"
        );
        assert_eq!(
            doc["vulnerabilities"][1]["analysis"]["state"],
            "not_affected"
        );
        assert_eq!(
            doc["vulnerabilities"][1]["analysis"]["justification"],
            "code_not_present"
        );
        assert_eq!(
            doc["vulnerabilities"][1]["affects"][0]["ref"],
            "application:BusyBox@1.01"
        );
        assert_eq!(doc["vulnerabilities"][0]["ratings"][0]["method"], "CVSSv31");
        assert_eq!(doc["metadata"]["component"]["type"], "device");
    }

    #[test]
    fn serial_number_is_a_version_5_uuid_of_the_content() {
        let a = render(&sample());
        let doc: Value = serde_json::from_str(&a).unwrap();
        let serial = doc["serialNumber"].as_str().unwrap();
        let hex: Vec<&str> = serial
            .strip_prefix("urn:uuid:")
            .unwrap()
            .split('-')
            .collect();
        assert_eq!(
            hex.iter().map(|h| h.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(hex[2].starts_with('5'), "{serial}");
        assert!(
            matches!(hex[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{serial}"
        );
        // Identical input, identical document; another assessment, another serial.
        assert_eq!(render(&sample()), a);
        let mut other = sample();
        other.vulnerabilities.pop();
        let b: Value = serde_json::from_str(&render(&other)).unwrap();
        assert_ne!(b["serialNumber"], doc["serialNumber"]);
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample()));
    }
}
