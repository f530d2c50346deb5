//! `--format html`: one self-contained page (inline CSS, inline SVG charts, no network, no
//! fonts or scripts fetched): a summary per scheme with a stacked bar chart, the verdict
//! table with each verdict's evidence one click away (`<details>`), the conditions with
//! their evidence, findings by severity and the component list. Printing opens every
//! `<details>` (a two-line inline script) and the print stylesheet drops colours that waste ink.
//! Checked in a real headless browser by `scripts/check-html.sh`.

// HTML lines end in `\n` inside larger format strings; `writeln!` would not read better.
#![allow(clippy::write_with_newline)]

use baseline_model::checks::Registry;
use baseline_model::{Assessment, Severity, Verdict};
use std::fmt::Write;

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = r#"
:root{--pass:#1a7f37;--fail:#cf222e;--inc:#9a6700;--na:#6e7781;--bg:#fff;--fg:#1f2328;--line:#d0d7de}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);max-width:70rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font:13px ui-monospace,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px}
.pass{color:var(--pass)}.fail{color:var(--fail)}.inconclusive{color:var(--inc)}.not-applicable{color:var(--na)}
.badge{font-weight:600;text-transform:uppercase;font-size:.8rem}
.sev-critical,.sev-high{color:var(--fail);font-weight:600}.sev-medium{color:var(--inc)}.sev-low,.sev-info{color:var(--na)}
details>summary{cursor:pointer}details .body{margin:.4rem 0 .4rem 1.2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.8rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}.card h3{margin:0 0 .3rem;font-size:1rem}
.muted{color:var(--na);font-size:.85rem}.warn{color:var(--inc)}
@media print{body{margin:0;max-width:none;font-size:11pt}details>summary{list-style:none}a{color:inherit;text-decoration:none}
h2{break-after:avoid}tr,.card{break-inside:avoid}th{background:none}.noprint{display:none}}
"#;

fn bar(sum: &baseline_model::SchemeSummary) -> String {
    let total = (sum.pass + sum.fail + sum.inconclusive + sum.not_applicable).max(1);
    let width = 220.0_f64;
    let mut x = 0.0_f64;
    let mut s = format!(
        "<svg role=\"img\" aria-label=\"{} pass, {} fail, {} inconclusive, {} not applicable\" width=\"{width}\" height=\"14\" viewBox=\"0 0 {width} 14\">",
        sum.pass, sum.fail, sum.inconclusive, sum.not_applicable
    );
    for (n, colour) in [
        (sum.fail, "#cf222e"),
        (sum.inconclusive, "#d4a72c"),
        (sum.pass, "#1a7f37"),
        (sum.not_applicable, "#afb8c1"),
    ] {
        if n == 0 {
            continue;
        }
        let w = width * f64::from(n) / f64::from(total);
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"14\" fill=\"{colour}\"/>"
        );
        x += w;
    }
    s.push_str("</svg>");
    s
}

fn verdict_row(v: &Verdict, a: &Assessment) -> String {
    let o = v.outcome.as_str();
    let mut body = format!("<p>{}</p>", esc(&v.rationale));
    if !v.findings.is_empty() {
        body.push_str("<p>Findings: ");
        let links: Vec<String> = v
            .findings
            .iter()
            .map(|c| format!("<a href=\"#{0}\"><code>{0}</code></a>", esc(c)))
            .collect();
        body.push_str(&links.join(", "));
        body.push_str("</p><ul>");
        for f in a.findings.iter().filter(|f| v.findings.contains(&f.code)) {
            for e in f.evidence.iter().take(3) {
                let _ = write!(
                    body,
                    "<li><code>{}</code>{}</li>",
                    esc(&location(e)),
                    e.excerpt
                        .as_deref()
                        .map(|x| format!(" <code>{}</code>", esc(x)))
                        .unwrap_or_default()
                );
            }
        }
        body.push_str("</ul>");
    }
    if !v.answers.is_empty() {
        let _ = write!(
            body,
            "<p>Answers used: <code>{}</code></p>",
            esc(&v.answers.join(", "))
        );
    }
    if !v.test_cases.is_empty() {
        let _ = write!(
            body,
            "<p class=\"muted\">ETSI TS 103 701 test cases: {}</p>",
            esc(&v.test_cases.join(", "))
        );
    }
    if v.uncertain {
        body.push_str("<p class=\"warn\">Rests on a catalogue item marked uncertain: confirm against the primary text.</p>");
    }
    format!(
        "<tr><td class=\"badge {o}\">{o}</td><td><details><summary><code>{}</code>{}</summary><div class=\"body\">{body}</div></details></td></tr>\n",
        esc(&v.requirement),
        if v.uncertain { " <span class=\"warn\" title=\"uncertain\">⚠</span>" } else { "" }
    )
}

fn location(e: &baseline_model::Evidence) -> String {
    let mut l = e.artifact.clone();
    if let Some(p) = &e.path {
        l.push('!');
        l.push_str(p);
    }
    if let Some(n) = e.line {
        let _ = write!(l, ":{n}");
    } else if let Some(o) = e.offset {
        let _ = write!(l, "@{o:#x}");
    }
    l
}

/// Schemes in reading order: the regulated ones first, then the rest alphabetically.
pub fn scheme_order(a: &Assessment) -> Vec<&str> {
    const FIRST: [&str; 4] = ["psti", "en303645", "uk-cop", "sg-cls"];
    let mut v: Vec<&str> = a.summary.keys().map(String::as_str).collect();
    v.sort_by_key(|s| (FIRST.iter().position(|f| f == s).unwrap_or(FIRST.len()), *s));
    v
}

/// The registry's Markdown help as HTML: paragraphs, `**bold**` and `` `code` ``, escaped
/// first (the help is our own text, but nothing is trusted into markup unescaped).
fn help_html(md: &str) -> String {
    let mut out = String::new();
    for para in md.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let text = esc(para);
        let mut html = String::with_capacity(text.len());
        let (mut bold, mut code) = (false, false);
        let mut rest = text.as_str();
        while let Some(c) = rest.chars().next() {
            if !code && rest.starts_with("**") {
                html.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
                rest = &rest[2..];
                continue;
            }
            if c == '`' {
                html.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
            } else {
                html.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        if code {
            html.push_str("</code>");
        }
        if bold {
            html.push_str("</strong>");
        }
        let _ = write!(out, "<p>{html}</p>");
    }
    out
}

/// Render the page; `registry` documents the finding codes (a help section per code present).
pub fn render(a: &Assessment, registry: &Registry) -> String {
    let mut s = String::new();
    let title = a
        .product
        .as_ref()
        .map(|p| p.product.product.name.clone())
        .unwrap_or_else(|| {
            a.artifacts
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        });
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
         <title>Baseline assessment: {t}</title><style>{CSS}</style></head><body>\n<h1>Baseline assessment: {t}</h1>\n",
        t = esc(&title)
    );
    s.push_str("<p class=\"muted\">");
    for art in &a.artifacts {
        let _ = write!(
            s,
            "<code>{}</code> {} bytes, sha256 <code>{}</code>{}<br>",
            esc(&art.name),
            art.size,
            esc(&art.sha256),
            art.format
                .as_deref()
                .map(|f| format!(" ({})", esc(f)))
                .unwrap_or_default()
        );
    }
    let _ = write!(s, "{} {}</p>\n", esc(&a.tool.name), esc(&a.tool.version));
    if let Some(p) = &a.product {
        let _ = write!(
            s,
            "<p>PSTI scope: <strong>{}</strong></p><ul>",
            esc(p.scope.outcome.as_str())
        );
        for r in &p.scope.reasons {
            let _ = write!(
                s,
                "<li>{} <span class=\"muted\">({})</span></li>",
                esc(&r.text),
                esc(&r.citation)
            );
        }
        s.push_str("</ul>\n");
    }

    if !a.summary.is_empty() {
        s.push_str("<h2 id=\"summary\">Summary per scheme</h2>\n<div class=\"cards\">\n");
        for (scheme, sum) in scheme_order(a)
            .into_iter()
            .filter_map(|k| a.summary.get(k).map(|s| (k, s)))
        {
            let o = sum.overall.as_str();
            let _ = write!(
                s,
                "<div class=\"card\"><h3><a href=\"#scheme-{sc}\">{sc}</a> <span class=\"badge {o}\">{o}</span></h3>{}<div class=\"muted\">{} pass · {} fail · {} inconclusive · {} n/a{}{}{}</div></div>\n",
                bar(sum),
                sum.pass,
                sum.fail,
                sum.inconclusive,
                sum.not_applicable,
                sum.level.as_deref().map(|l| format!("<br>highest level supported: <strong>{}</strong>", esc(l))).unwrap_or_default(),
                if sum.indicative { "<br>indicative mapping" } else { "" },
                if sum.uncertain { "<br><span class=\"warn\">rests on uncertain items</span>" } else { "" },
                sc = esc(scheme),
            );
        }
        s.push_str("</div>\n<p class=\"muted\"><code>inconclusive</code> is Baseline's own outcome: the firmware cannot decide the requirement, the answers file or a person must. ETSI TS 103 701 itself knows only PASS and FAIL.</p>\n");
    }

    if !a.conditions.is_empty() {
        s.push_str("<h2 id=\"conditions\">EN 303 645 conditions</h2>\n<table><tr><th>#</th><th>condition</th><th>holds</th><th>source</th><th>firmware evidence</th></tr>\n");
        for c in &a.conditions {
            let holds = match c.holds {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{holds}</td><td>{}</td><td>{}{}</td></tr>\n",
                c.id,
                esc(&c.text),
                esc(&format!("{:?}", c.source).to_lowercase()),
                esc(&c.evidence.join(", ")),
                c.contradiction
                    .as_deref()
                    .map(|m| format!(
                        "<br><strong class=\"fail\">contradiction:</strong> {}",
                        esc(m)
                    ))
                    .unwrap_or_default()
            );
        }
        s.push_str("</table>\n");
    }

    if !a.verdicts.is_empty() {
        s.push_str("<h2 id=\"verdicts\">Verdicts</h2>\n<p class=\"noprint muted\">Click a requirement to see its evidence.</p>\n");
        for scheme in scheme_order(a) {
            let prefix = format!("{scheme}:");
            let mut vs: Vec<&Verdict> = a
                .verdicts
                .iter()
                .filter(|v| v.requirement.starts_with(&prefix))
                .collect();
            vs.sort_by_key(|v| v.outcome);
            let _ = write!(
                s,
                "<h3 id=\"scheme-{0}\">{0}</h3>\n<table><tr><th>outcome</th><th>requirement</th></tr>\n",
                esc(scheme)
            );
            for v in vs {
                s.push_str(&verdict_row(v, a));
            }
            s.push_str("</table>\n");
        }
    }

    let _ = write!(
        s,
        "<h2 id=\"findings\">Findings ({})</h2>\n",
        a.findings.len()
    );
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let fs: Vec<_> = a.findings.iter().filter(|f| f.severity == sev).collect();
        if fs.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            "<h3 class=\"sev-{0}\">{0} ({1})</h3>\n<table><tr><th>code</th><th>finding</th><th>evidence</th></tr>\n",
            sev.as_str(),
            fs.len()
        );
        for f in fs {
            let mut ev = String::new();
            for e in &f.evidence {
                let _ = write!(
                    ev,
                    "<div><code>{}</code>{}{}</div>",
                    esc(&location(e)),
                    e.excerpt
                        .as_deref()
                        .map(|x| format!(" <code>{}</code>", esc(x)))
                        .unwrap_or_default(),
                    e.note
                        .as_deref()
                        .map(|x| format!(" <span class=\"muted\">{}</span>", esc(x)))
                        .unwrap_or_default()
                );
            }
            let _ = write!(
                s,
                "<tr id=\"{code}\"><td><code>{code}</code><br><span class=\"muted\">{}</span></td><td>{}<br><span class=\"muted\">{}</span></td><td>{ev}</td></tr>\n",
                esc(&f.name),
                esc(&f.title),
                esc(&f.requirements.join(", ")),
                code = esc(&f.code),
            );
        }
        s.push_str("</table>\n");
    }

    let mut codes: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let documented: Vec<_> = codes.iter().filter_map(|c| registry.get(c)).collect();
    if !documented.is_empty() {
        s.push_str("<h2 id=\"codes\">About these findings</h2>\n");
        for c in documented {
            let _ = write!(
                s,
                "<details id=\"help-{code}\"><summary><code>{code}</code> {name}: {summary}</summary><div class=\"help\">{help}<p class=\"muted\">Requirements: {reqs}. Documented in docs/checks.md#{anchor}.</p></div></details>\n",
                code = esc(c.code),
                name = esc(c.name),
                summary = esc(c.summary),
                help = help_html(&c.doc.markdown()),
                reqs = esc(&c.requirements.join(", ")),
                anchor = esc(&c.code.to_ascii_lowercase()),
            );
        }
    }

    let _ = write!(
        s,
        "<h2 id=\"components\">Components ({})</h2>\n",
        a.components.len()
    );
    if !a.components.is_empty() {
        s.push_str("<table><tr><th>name</th><th>version</th><th>identifier</th></tr>\n");
        for c in &a.components {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                esc(&c.name),
                esc(c.version.as_deref().unwrap_or("unknown")),
                esc(c.purl.as_deref().or(c.cpe.as_deref()).unwrap_or(""))
            );
        }
        s.push_str("</table>\n");
    }
    if !a.vulnerabilities.is_empty() {
        let _ = write!(s, "<h2 id=\"vulnerabilities\">Known vulnerabilities ({})</h2>\n<table><tr><th>id</th><th>component</th><th>CVSS</th><th>KEV</th></tr>\n", a.vulnerabilities.len());
        for v in &a.vulnerabilities {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&v.id),
                esc(&v.component),
                v.cvss.base().map(|x| format!("{x:.1}")).unwrap_or_default(),
                if v.kev { "yes" } else { "" }
            );
        }
        s.push_str("</table>\n");
    }
    if !a.notices.is_empty() {
        s.push_str("<h2 id=\"notices\">Notices</h2><ul>");
        for n in &a.notices {
            let _ = write!(s, "<li>{}</li>", esc(&n.to_string()));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<script>window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});</script>\n</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::rich_sample;

    #[test]
    fn self_contained_with_charts_details_and_escaping() {
        let registry = Registry::new(&[&[baseline_model::checks::CheckInfo {
            code: "KEY-001",
            name: "private-key",
            severity: Severity::Critical,
            summary: "A private key <is> shipped",
            requirements: &["en303645:5.4-1"],
            doc: baseline_model::checks::Doc::Markdown(
                "**What it checks.** PEM `BEGIN` blocks.\n\n**Why it matters.** a & b",
            ),
        }]])
        .unwrap();
        let s = render(&rich_sample(), &registry);
        assert!(s.contains(
            "<details id=\"help-KEY-001\"><summary><code>KEY-001</code> private-key: A private key &lt;is&gt; shipped</summary><div class=\"help\"><p><strong>What it checks.</strong> PEM <code>BEGIN</code> blocks.</p><p><strong>Why it matters.</strong> a &amp; b</p>"
        ));
        // A code present without a registry entry gets no help section.
        assert!(!s.contains("help-CRED-001"));
        assert!(
            !s.contains("http://") && !s.contains("https://"),
            "no network references"
        );
        assert!(s.contains(
            "<svg role=\"img\" aria-label=\"0 pass, 1 fail, 1 inconclusive, 0 not applicable\""
        ));
        assert!(s.contains("<details><summary><code>psti:sch1-p1</code></summary>"));
        assert!(s.contains("RSA 2048 private key &lt;in&gt; /etc/ssl/key.pem"));
        assert!(s.contains("<tr id=\"KEY-001\">"));
        assert!(s.contains("@media print"));
        insta::assert_snapshot!(s);
    }
}
