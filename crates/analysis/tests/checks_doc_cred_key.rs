//! docs/checks.md must list every CRED and KEY check exactly as the registry describes it.

#[test]
fn checks_md_lists_every_cred_and_key_check() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md"))
        .unwrap_or_default();
    let mut n = 0;
    for c in baseline_analysis::checks() {
        if !(c.code.starts_with("CRED-") || c.code.starts_with("KEY-")) {
            continue;
        }
        n += 1;
        let row = format!(
            "| {} | `{}` | {} | {} |",
            c.code,
            c.name,
            c.summary,
            c.requirements.join(", ")
        );
        assert!(doc.contains(&row), "docs/checks.md lacks: {row}");
        for section in [
            "**What it checks.**",
            "**Why it matters.**",
            "**Evidence.**",
            "**Known false positives.**",
            "**References.**",
        ] {
            assert!(c.doc.contains(section), "{} doc lacks {section}", c.code);
        }
    }
    assert_eq!(n, 13);
}
