//! A small, permissive HTML reader: visible text (one block per line), links, the document
//! language and the form fields that matter for access barriers. Never fails: any byte soup
//! yields some text. Plain-text bodies pass through unchanged.
//!
//! Why not a full HTML5 parser: we need text and a few attributes, not a DOM; a forgiving tag
//! stripper keeps the dependency tree small and cannot be driven into deep recursion.

/// What we keep of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Visible text, blocks separated by newlines, whitespace collapsed.
    pub text: String,
    /// `(href, link text)` in document order.
    pub links: Vec<(String, String)>,
    /// `<html lang>` value.
    pub lang: Option<String>,
    /// `type=password` inputs seen.
    pub password_inputs: usize,
    /// Form input names/types asking for personal details (name, email, phone, address).
    pub personal_inputs: Vec<String>,
}

const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "table",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "main",
    "aside",
    "form",
    "title",
    "hr",
];

/// Read a body as HTML when it looks like HTML, else as plain text.
pub fn parse(body: &str, content_type: Option<&str>) -> Page {
    let is_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || body
            .trim_start()
            .get(..15)
            .is_some_and(|s| s.to_ascii_lowercase().starts_with("<!doctype html"))
        || body.trim_start().to_ascii_lowercase().starts_with("<html");
    if !is_html {
        return Page {
            text: body.to_owned(),
            ..Page::default()
        };
    }
    let mut page = Page::default();
    // One lower-cased copy for finding closing tags (ASCII lower-casing keeps byte offsets).
    let lower_body = body.to_ascii_lowercase();
    let mut out = String::with_capacity(body.len() / 2);
    let mut rest = body;
    let mut link: Option<(String, String)> = None;
    while let Some(lt) = rest.find('<') {
        let (text, after) = rest.split_at(lt);
        push_text(&mut out, text, link.as_mut());
        if let Some(after_comment) = after.strip_prefix("<!--") {
            rest = after_comment
                .find("-->")
                .and_then(|i| after_comment.get(i + 3..))
                .unwrap_or("");
            continue;
        }
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after.get(1..gt).unwrap_or("");
        rest = after.get(gt + 1..).unwrap_or("");
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !closing && (name == "script" || name == "style" || name == "noscript") {
            let end = format!("</{name}");
            let offset = body.len() - rest.len();
            let found = lower_body.get(offset..).and_then(|l| l.find(&end));
            rest = match found {
                Some(i) => rest
                    .get(i..)
                    .and_then(|r| r.find('>').and_then(|j| r.get(j + 1..)))
                    .unwrap_or(""),
                None => "",
            };
            continue;
        }
        match (name.as_str(), closing) {
            ("a", false) => {
                if let Some((h, t)) = link.take() {
                    page.links.push((h, t.trim().to_owned()));
                }
                if let Some(href) = attr(tag, "href") {
                    link = Some((href, String::new()));
                }
            }
            ("a", true) => {
                if let Some((h, t)) = link.take() {
                    page.links.push((h, collapse(&t)));
                }
            }
            ("html", false) => page.lang = attr(tag, "lang"),
            ("input", false) => {
                let ty = attr(tag, "type").unwrap_or_default().to_ascii_lowercase();
                let nm = attr(tag, "name").unwrap_or_default().to_ascii_lowercase();
                if ty == "password" {
                    page.password_inputs += 1;
                } else if ty == "tel"
                    || ty == "email"
                    || ["name", "phone", "address", "surname", "email", "postcode"]
                        .iter()
                        .any(|k| nm.contains(k))
                {
                    page.personal_inputs
                        .push(if nm.is_empty() { ty } else { nm });
                }
            }
            (n, _) if BLOCK.contains(&n) => out.push('\n'),
            _ => {}
        }
    }
    push_text(&mut out, rest, link.as_mut());
    if let Some((h, t)) = link.take() {
        page.links.push((h, collapse(&t)));
    }
    page.text = out
        .lines()
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    page
}

fn push_text(out: &mut String, raw: &str, link: Option<&mut (String, String)>) {
    let t = decode_entities(raw);
    if let Some(l) = link {
        l.1.push_str(&t);
    }
    out.push_str(&t);
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of attribute `name` in a tag's inside (`a href="x" class=y`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|s| s.find(name)) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0
            || lower
                .as_bytes()
                .get(at - 1)
                .is_some_and(|b| b.is_ascii_whitespace());
        let rest = tag.get(at + name.len()..)?.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next()? {
            q @ ('"' | '\'') => rest.get(1..)?.split(q).next()?.to_owned(),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()?
                .trim_end_matches('/')
                .to_owned(),
        };
        return Some(decode_entities(&value));
    }
    None
}

/// Decode the entities that occur in practice; unknown ones stay as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        let end = tail.get(..12).and_then(|t| t.find(';'));
        let decoded = end.and_then(|e| {
            let ent = tail.get(1..e)?;
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#39" => '\'',
                "nbsp" | "#160" => ' ',
                "ndash" => '–',
                "mdash" => '—',
                "rsquo" | "lsquo" => '\'',
                "ldquo" | "rdquo" => '"',
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(n)?
                }
            };
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = tail.get(len..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_text_links_lang_and_forms() {
        let p = parse(
            "<!DOCTYPE html><html lang=\"en-GB\"><head><title>Report</title><style>p{x:1}</style>\
             <script>var a='<p>';</script></head><body><p>Email <a href='mailto:psirt@example.com'>us</a> &amp; \
             we&#39;ll reply.</p><!-- <p>hidden</p> --><form><input type=password name=pw>\
             <input name=\"full_name\"></form><A HREF=/support>Support&nbsp;period</A></body></html>",
            Some("text/html"),
        );
        assert_eq!(p.text, "Report\nEmail us & we'll reply.\nSupport period");
        assert_eq!(
            p.links,
            vec![
                ("mailto:psirt@example.com".to_owned(), "us".to_owned()),
                ("/support".to_owned(), "Support period".to_owned())
            ]
        );
        assert_eq!(p.lang.as_deref(), Some("en-GB"));
        assert_eq!(p.password_inputs, 1);
        assert_eq!(p.personal_inputs, vec!["full_name"]);
    }

    #[test]
    fn survives_broken_markup() {
        for s in [
            "<",
            "<a href=",
            "<script>never closed",
            "&#xFFFFFFFF; &bogus; <<>>",
            "<!--",
        ] {
            let _ = parse(&format!("<html>{s}"), None);
        }
        assert_eq!(parse("plain & simple", None).text, "plain & simple");
    }
}
