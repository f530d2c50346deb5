//! `--format text`: a terminal summary that fits a screen. Per scheme, failing requirements
//! first with their one-line reason, then counts; then findings by severity. `verbose` adds
//! every piece of evidence. Colour is the caller's choice (`color`), on for terminals only.

use baseline_model::{Assessment, Outcome, Severity};
use std::fmt::Write;

/// Rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub verbose: bool,
    pub color: bool,
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// Render the summary.
pub fn render(a: &Assessment, opts: TextOptions) -> String {
    let mut out = String::new();
    let c = opts.color;
    for art in &a.artifacts {
        let _ = writeln!(
            out,
            "artifact {}  {} bytes  sha256 {}{}",
            art.name,
            art.size,
            art.sha256,
            art.format
                .as_deref()
                .map(|f| format!("  ({f})"))
                .unwrap_or_default()
        );
    }
    if let Some(p) = &a.product {
        let _ = writeln!(out, "scope: {}", p.scope.outcome.as_str());
    }
    for (scheme, sum) in &a.summary {
        let _ = writeln!(
            out,
            "\n{} {}: {} pass, {} fail, {} inconclusive, {} not applicable{}",
            paint(c, "1", scheme),
            paint(
                c,
                if sum.overall == Outcome::Fail {
                    "1;31"
                } else {
                    "1"
                },
                &sum.overall.as_str().to_uppercase()
            ),
            sum.pass,
            sum.fail,
            sum.inconclusive,
            sum.not_applicable,
            if sum.indicative {
                " (indicative mapping)"
            } else {
                ""
            }
        );
        let prefix = format!("{scheme}:");
        let mut verdicts: Vec<_> = a
            .verdicts
            .iter()
            .filter(|v| v.requirement.starts_with(&prefix))
            .filter(|v| opts.verbose || v.outcome == Outcome::Fail)
            .collect();
        verdicts.sort_by_key(|v| (v.outcome, v.requirement.clone()));
        for v in verdicts {
            let _ = writeln!(
                out,
                "  {:<14} {:<16} {}{}",
                v.outcome.as_str(),
                v.requirement.trim_start_matches(&prefix),
                v.rationale,
                if v.uncertain { " [uncertain]" } else { "" }
            );
        }
    }
    if !a.findings.is_empty() {
        let _ = writeln!(out, "\nfindings ({}):", a.findings.len());
        for f in &a.findings {
            let _ = writeln!(
                out,
                "  {:<8} {} {}: {}",
                paint(c, severity_colour(f.severity), f.severity.as_str()),
                f.code,
                f.name,
                f.title
            );
            let shown = if opts.verbose { f.evidence.len() } else { 1 };
            for e in f.evidence.iter().take(shown) {
                let mut loc = e.artifact.clone();
                if let Some(p) = &e.path {
                    let _ = write!(loc, "!{p}");
                }
                if let Some(l) = e.line {
                    let _ = write!(loc, ":{l}");
                } else if let Some(o) = e.offset {
                    let _ = write!(loc, "@{o:#x}");
                }
                let _ = writeln!(
                    out,
                    "           at {loc}{}",
                    e.excerpt
                        .as_deref()
                        .map(|x| format!("  `{x}`"))
                        .unwrap_or_default()
                );
            }
            if !opts.verbose && f.evidence.len() > 1 {
                let _ = writeln!(
                    out,
                    "           (+{} more; -v shows all)",
                    f.evidence.len() - 1
                );
            }
        }
    }
    if !a.components.is_empty() {
        let _ = writeln!(out, "\ncomponents: {}", a.components.len());
        if opts.verbose {
            for comp in &a.components {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    comp.name,
                    comp.version.as_deref().unwrap_or("?")
                );
            }
        }
    }
    if !a.vulnerabilities.is_empty() {
        let kev = a.vulnerabilities.iter().filter(|v| v.kev).count();
        let _ = writeln!(
            out,
            "known vulnerabilities: {} ({} in CISA KEV)",
            a.vulnerabilities.len(),
            kev
        );
    }
    for n in &a.notices {
        let _ = writeln!(out, "notice: {n}");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use baseline_model::*;
    use std::collections::BTreeMap;

    pub(crate) fn sample() -> Assessment {
        let mut a = Assessment::new("0.1.0");
        a.artifacts.push(ArtifactSummary {
            sha256: "ab".repeat(32),
            size: 4096,
            name: "demo.bin".into(),
            format: Some("squashfs".into()),
        });
        a.findings.push(Finding {
            code: "CRED-001".into(),
            name: "fixed-password-hash".into(),
            severity: Severity::High,
            title: "root has a fixed md5crypt password hash".into(),
            requirements: vec!["psti:sch1-p1".into(), "en303645:5.1-1".into()],
            evidence: vec![Evidence::new("demo.bin")
                .path("/etc/shadow")
                .line(1)
                .excerpt("root:$1$GT… (redacted)")],
            confidence: Confidence::High,
            details: BTreeMap::new(),
        });
        a.verdicts.push(Verdict {
            requirement: "en303645:5.1-1".into(),
            outcome: Outcome::Fail,
            rationale: "root has a fixed password hash in every unit".into(),
            findings: vec!["CRED-001".into()],
            answers: vec![],
            test_cases: vec![],
            uncertain: false,
        });
        a.summary.insert(
            "en303645".into(),
            SchemeSummary {
                fail: 1,
                overall: Outcome::Fail,
                ..SchemeSummary::default()
            },
        );
        a
    }

    #[test]
    fn failing_requirements_and_findings_are_listed_without_colour() {
        let s = render(&sample(), TextOptions::default());
        assert!(!s.contains('\x1b'));
        insta::assert_snapshot!(s);
    }

    #[test]
    fn colour_only_when_asked() {
        let s = render(
            &sample(),
            TextOptions {
                verbose: false,
                color: true,
            },
        );
        assert!(s.contains("\x1b[1;31m"));
    }
}
