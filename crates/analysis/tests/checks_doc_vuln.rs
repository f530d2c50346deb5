//! docs/checks.md must list every VULN code exactly as the registry describes it.

#[test]
fn checks_md_lists_every_vuln_code() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md"))
        .unwrap_or_default();
    let vuln: Vec<_> = baseline_analysis::checks()
        .into_iter()
        .filter(|c| c.code.starts_with("VULN-"))
        .collect();
    let codes: Vec<&str> = vuln.iter().map(|c| c.code).collect();
    assert_eq!(codes, ["VULN-001", "VULN-002", "VULN-003"]);
    for c in vuln {
        let row = format!(
            "| {} | `{}` | {} | {} |",
            c.code,
            c.name,
            c.summary,
            c.requirements.join(", ")
        );
        assert!(doc.contains(&row), "docs/checks.md lacks: {row}");
    }
}
