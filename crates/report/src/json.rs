//! `--format json`: the assessment document of DESIGN.md's JSON contract, validated against
//! `docs/schema/assessment-v1.schema.json` in tests. Output is byte-identical for identical
//! input: fields are in struct order, maps are `BTreeMap`s, and the producer sorts lists.

use baseline_model::Assessment;

/// Render as pretty-printed JSON with a trailing newline.
pub fn render(assessment: &Assessment) -> String {
    let mut s = serde_json::to_string_pretty(assessment).unwrap_or_else(|e| {
        // Serialising plain data types cannot fail; keep a valid document if it ever does.
        format!("{{\"error\": {:?}}}", e.to_string())
    });
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests::sample;

    #[test]
    fn validates_against_the_published_schema() {
        let schema_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/schema/assessment-v1.schema.json"
        );
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&render(&sample())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn schema_rejects_a_bad_finding_code() {
        let schema_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/schema/assessment-v1.schema.json"
        );
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut a = sample();
        a.findings[0].code = "PWD-1".into();
        let doc: serde_json::Value = serde_json::from_str(&render(&a)).unwrap();
        assert!(!validator.is_valid(&doc));
    }

    #[test]
    fn identical_input_renders_identically() {
        assert_eq!(render(&sample()), render(&sample()));
        insta::assert_snapshot!(render(&sample()));
    }
}
