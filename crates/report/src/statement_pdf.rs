//! `--format pdf` for the statement of compliance: a plain A4 document written with
//! `pdf-writer` (no external program). Uses the standard Helvetica fonts (not embedded) with
//! WinAnsi encoding, so text outside Latin-1 is transliterated or replaced with `?`.

use crate::statement::Statement;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// One line of the document: bold or not, size, text.
type Line = (bool, f32, String);

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{2013}' | '\u{2014}' => b'-',
            '\u{2018}' | '\u{2019}' => b'\'',
            '\u{201c}' | '\u{201d}' => b'"',
            c if (c as u32) < 0x100 && !c.is_control() => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Greedy word wrap to `max` characters (Helvetica averages about half its size per glyph).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

fn lines(s: &Statement) -> Vec<Line> {
    let mut v: Vec<Line> = vec![(true, 18.0, "Statement of compliance".into())];
    v.push((false, 9.0, "Product Security and Telecommunications Infrastructure Act 2022, s. 9; Regulations 2023, Sch. 4".into()));
    v.push((false, 8.0, String::new()));
    for it in &s.items {
        v.push((true, 11.0, it.label.clone()));
        for l in wrap(it.value.as_deref().unwrap_or("MISSING"), 95) {
            v.push((false, 11.0, l));
        }
        v.push((false, 6.0, String::new()));
    }
    v.push((
        false,
        11.0,
        "Signature: ______________________________".into(),
    ));
    v
}

/// Render the statement as PDF bytes.
pub fn render(s: &Statement) -> Vec<u8> {
    let all = lines(s);
    // Paginate.
    let mut pages: Vec<Vec<(f32, Line)>> = vec![Vec::new()];
    let mut y = HEIGHT - MARGIN;
    for line in all {
        let step = line.1 * 1.45;
        if y - step < MARGIN {
            pages.push(Vec::new());
            y = HEIGHT - MARGIN;
        }
        y -= step;
        if let Some(p) = pages.last_mut() {
            p.push((y, line));
        }
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let mut next = 5;
    let mut ids = Vec::new();
    for _ in &pages {
        ids.push((Ref::new(next), Ref::new(next + 1)));
        next += 2;
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(ids.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for ((page_id, content_id), lines) in ids.iter().zip(&pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(*content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        drop(page);
        let mut c = Content::new();
        for (y, (is_bold, size, text)) in lines {
            if text.is_empty() {
                continue;
            }
            c.begin_text();
            c.set_font(Name(if *is_bold { b"F2" } else { b"F1" }), *size);
            c.next_line(MARGIN, *y);
            c.show(Str(&latin1(text)));
            c.end_text();
        }
        pdf.stream(*content_id, &c.finish());
    }
    pdf.finish()
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

    #[test]
    fn wraps_and_transliterates() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(latin1("a\u{2013}b\u{4e2d}"), b"a-b?");
    }
}
