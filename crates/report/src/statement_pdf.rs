//! `--format pdf` for the statement of compliance: a plain A4 document written with
//! `pdf-writer` (no external program). Uses the standard Helvetica fonts (not embedded) with
//! WinAnsi encoding, so text outside Latin-1 is transliterated or replaced with `?`.

use crate::pdf::{self, Line};
use crate::statement::Statement;

fn lines(s: &Statement) -> Vec<Line> {
    let mut v = vec![Line::heading(18.0, "Statement of compliance")];
    v.push(Line::text(9.0, "Product Security and Telecommunications Infrastructure Act 2022, s. 9; Regulations 2023, Sch. 4"));
    v.push(Line::gap(8.0));
    for it in &s.items {
        v.push(Line::heading(11.0, it.label.clone()));
        for l in pdf::wrap(it.value.as_deref().unwrap_or("MISSING"), 95) {
            v.push(Line::text(11.0, l));
        }
        v.push(Line::gap(6.0));
    }
    v.push(Line::text(
        11.0,
        "Signature: ______________________________",
    ));
    v
}

/// Render the statement as PDF bytes.
pub fn render(s: &Statement) -> Vec<u8> {
    pdf::render(&lines(s), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_pdf_with_every_item() {
        let s = Statement {
            schema: "baseline/statement/v1",
            items: vec![crate::statement::Item {
                requirement: "psti:sch4-5".into(),
                label: "Defined support period".into(),
                value: Some("Security updates will be provided until at least 2030-12-31.".into()),
            }],
            refusals: vec![],
            to_confirm: vec![],
            uncertain: true,
        };
        let pdf = render(&s);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(Defined support period)"), "{text}");
        assert!(text.contains("/Helvetica-Bold"));
        assert_eq!(render(&s), pdf, "deterministic");
    }
}
