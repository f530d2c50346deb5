//! A plain A4 PDF of lines of text, written with `pdf-writer` (no external program), shared by
//! the statement of compliance and the register's notices. Uses the standard Helvetica fonts
//! (not embedded) with WinAnsi encoding, so text outside Latin-1 is transliterated or replaced
//! with `?`. Output is deterministic: the same lines give the same bytes (no dates, no ids), so
//! a document's SHA-256 identifies its content.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// One line of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub bold: bool,
    /// Font size in points; the line advances 1.45 times it.
    pub size: f32,
    /// Left indent in points.
    pub indent: f32,
    pub text: String,
}

impl Line {
    pub fn heading(size: f32, text: impl Into<String>) -> Line {
        Line {
            bold: true,
            size,
            indent: 0.0,
            text: text.into(),
        }
    }

    pub fn text(size: f32, text: impl Into<String>) -> Line {
        Line {
            bold: false,
            size,
            indent: 0.0,
            text: text.into(),
        }
    }

    /// Vertical space of `size` points' line.
    pub fn gap(size: f32) -> Line {
        Line::text(size, "")
    }
}

/// Text as WinAnsi bytes: typographic dashes and quotes to ASCII, other non-Latin-1 to `?`.
pub fn latin1(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2013}' | '\u{2014}' => out.push(b'-'),
            '\u{2018}' | '\u{2019}' => out.push(b'\''),
            '\u{201c}' | '\u{201d}' => out.push(b'"'),
            '\u{2026}' => out.extend_from_slice(b"..."),
            c if (c as u32) < 0x100 && !c.is_control() => out.push(c as u32 as u8),
            _ => out.push(b'?'),
        }
    }
    out
}

/// Greedy word wrap to `max` characters (Helvetica averages about half its size per glyph).
/// A word longer than `max` (a SHA-256, a URL) is cut.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(8);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_owned();
        while word.chars().count() > max {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(max).collect();
            word = word.chars().skip(max).collect();
            out.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// Wrapped lines of a paragraph at `size` points and `indent`, filling the text width.
pub fn paragraph(size: f32, indent: f32, bold: bool, text: &str) -> Vec<Line> {
    let chars = ((WIDTH - 2.0 * MARGIN - indent) / (size * 0.5)) as usize;
    wrap(text, chars)
        .into_iter()
        .map(|t| Line {
            bold,
            size,
            indent,
            text: t,
        })
        .collect()
}

/// Render lines as PDF bytes, paginated; with `footer`, every page ends with it and
/// "page N of M".
pub fn render(all: &[Line], footer: Option<&str>) -> Vec<u8> {
    let bottom = if footer.is_some() {
        MARGIN + 14.0
    } else {
        MARGIN
    };
    let mut pages: Vec<Vec<(f32, &Line)>> = vec![Vec::new()];
    let mut y = HEIGHT - MARGIN;
    for line in all {
        let step = line.size * 1.45;
        if y - step < bottom {
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
    let count = pages.len();
    for (n, ((page_id, content_id), lines)) in ids.iter().zip(&pages).enumerate() {
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
        for (y, line) in lines {
            if line.text.is_empty() {
                continue;
            }
            c.begin_text();
            c.set_font(Name(if line.bold { b"F2" } else { b"F1" }), line.size);
            c.next_line(MARGIN + line.indent, *y);
            c.show(Str(&latin1(&line.text)));
            c.end_text();
        }
        if let Some(f) = footer {
            c.begin_text();
            c.set_font(Name(b"F1"), 8.0);
            c.next_line(MARGIN, MARGIN - 8.0);
            c.show(Str(&latin1(&format!("{f} - page {} of {count}", n + 1))));
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
    fn wraps_cuts_long_words_and_transliterates() {
        assert_eq!(wrap("aa bb cc", 8), vec!["aa bb cc"]);
        assert_eq!(wrap("aaaa bbbb cccc", 9), vec!["aaaa bbbb", "cccc"]);
        assert_eq!(
            wrap("x 0123456789abcdef0123", 8),
            vec!["x", "01234567", "89abcdef", "0123"]
        );
        assert_eq!(latin1("a\u{2013}b\u{4e2d}\u{2026}"), b"a-b?...");
    }

    #[test]
    fn paginates_with_a_footer_on_every_page() {
        let lines: Vec<Line> = (0..120)
            .map(|i| Line::text(11.0, format!("line {i}")))
            .collect();
        let pdf = render(&lines, Some("CASE-000001 N-000001"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "{text}");
        assert!(text.contains("(CASE-000001 N-000001 - page 3 of 3)"));
        assert!(text.contains("(line 119)"));
        assert_eq!(render(&lines, Some("CASE-000001 N-000001")), pdf);
    }
}
