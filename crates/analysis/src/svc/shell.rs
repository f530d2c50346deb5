//! A shell-ish reader for init scripts: finds command invocations, not a shell.
//!
//! Owns: splitting a script into logical lines and simple commands (`;`, `&&`, `||`, `|`,
//! `&`), literal variable assignments and their expansion, function bodies, `.`/`source`,
//! stripping control keywords (`if`, `then`, `do`…) and `case` patterns.
//! Never does: evaluate conditions, loops, command substitution or globbing. Every command in
//! a script counts as reachable; the SVC docs say so (a known source of false positives).

use std::collections::BTreeMap;

/// Scripts longer than this are read only up to it.
pub const MAX_SCRIPT: usize = 512 * 1024;
/// Words per command kept.
const MAX_WORDS: usize = 64;

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// 1-based line of the start of the logical line.
    pub line: u32,
    /// Byte offset of that line in the file.
    pub offset: u64,
    /// Words after quote removal and expansion of literal variables.
    pub argv: Vec<String>,
    /// Followed by `&`.
    pub background: bool,
    /// The function it is defined in, if any.
    pub function: Option<String>,
    /// The logical line, trimmed (for excerpts).
    pub text: String,
}

/// What a script holds.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    /// Literal assignments `NAME=value` (last one wins).
    pub vars: BTreeMap<String, String>,
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "!", "{", "}", "(",
    ")", "function", "time",
];

/// Split `text` into commands. `inherited` are variables known from the caller (sourced
/// files share them).
pub fn parse(text: &str, inherited: &BTreeMap<String, String>) -> Script {
    let text = text.get(..MAX_SCRIPT.min(text.len())).unwrap_or(text);
    let mut s = Script {
        commands: Vec::new(),
        vars: inherited.clone(),
    };
    let mut function: Option<String> = None;
    let mut depth: i32 = 0;
    let mut in_heredoc: Option<String> = None;
    let mut logical = String::new();
    let mut start_line = 0u32;
    let mut start_off = 0u64;
    let mut off = 0u64;
    for (i, raw) in text.split('\n').enumerate() {
        let here = off;
        off = off.saturating_add(raw.len() as u64 + 1);
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(end) = &in_heredoc {
            if raw.trim() == end {
                in_heredoc = None;
            }
            continue;
        }
        if logical.is_empty() {
            start_line = line_no;
            start_off = here;
        }
        let r = raw.trim_end_matches('\r');
        if let Some(stripped) = r.strip_suffix('\\') {
            logical.push_str(stripped);
            logical.push(' ');
            if logical.len() < 8192 {
                continue;
            }
        } else {
            logical.push_str(r);
        }
        let line = std::mem::take(&mut logical);
        let code = strip_comment(&line);
        let trimmed = code.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(tag) = heredoc_tag(trimmed) {
            in_heredoc = Some(tag);
        }
        // Function definitions: `name() {`, `function name {`.
        if let Some(name) = function_header(trimmed) {
            if function.is_none() {
                function = Some(name);
                depth = 0;
            }
        }
        for seg in split_commands(trimmed) {
            let (seg, background) = seg;
            let words = words(seg, &s.vars);
            let words = strip_keywords(words);
            let Some(first) = words.first() else { continue };
            if function_header(seg.trim()).is_some() {
                continue;
            }
            // Literal assignments (possibly several, possibly before a command).
            let mut rest = words.as_slice();
            let mut assigned = false;
            while let Some((w, tail)) = rest.split_first() {
                match assignment(w) {
                    Some((k, v)) => {
                        if !v.contains('$') && !v.contains('`') {
                            s.vars.insert(k.to_owned(), v.to_owned());
                        }
                        assigned = true;
                        rest = tail;
                    }
                    None => break,
                }
            }
            let _ = first;
            if rest.is_empty() || (assigned && rest.first().is_some_and(|w| w == "export")) {
                continue;
            }
            if rest
                .first()
                .is_some_and(|w| w == "export" || w == "local" || w == "readonly")
            {
                for w in rest.iter().skip(1) {
                    if let Some((k, v)) = assignment(w) {
                        if !v.contains('$') {
                            s.vars.insert(k.to_owned(), v.to_owned());
                        }
                    }
                }
                continue;
            }
            s.commands.push(Command {
                line: start_line,
                offset: start_off,
                argv: rest.iter().take(MAX_WORDS).cloned().collect(),
                background,
                function: function.clone(),
                text: trimmed.chars().take(240).collect(),
            });
        }
        if function.is_some() {
            depth += brace_delta(trimmed);
            if depth <= 0 && trimmed.contains('}') {
                function = None;
                depth = 0;
            }
        }
    }
    s
}

fn brace_delta(line: &str) -> i32 {
    let mut d = 0i32;
    for w in line.split(|c: char| c.is_whitespace() || c == ';') {
        if w == "{" || w.ends_with("(){") || w.ends_with("){") {
            d += 1;
        } else if w == "}" {
            d -= 1;
        }
    }
    d
}

fn function_header(line: &str) -> Option<String> {
    let l = line.trim_start_matches("function ").trim();
    let name_end = l.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let (name, rest) = l.split_at(name_end);
    let rest = rest.trim_start();
    let is_def = if line.starts_with("function ") {
        rest.starts_with('{') || rest.starts_with("()")
    } else {
        rest.starts_with("()")
    };
    (is_def && !name.is_empty()).then(|| name.to_owned())
}

fn heredoc_tag(line: &str) -> Option<String> {
    let i = line.find("<<")?;
    let rest = line.get(i + 2..)?.trim_start_matches('-').trim_start();
    let tag: String = rest
        .trim_matches(|c| c == '\'' || c == '"')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!tag.is_empty()).then_some(tag)
}

/// `#` starts a comment at the start of a word, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut q: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match (q, c) {
            (None, '\'' | '"') => q = Some(c),
            (Some(o), c2) if c2 == o => q = None,
            (None, '#') if prev_space => return line.get(..i).unwrap_or(line),
            _ => {}
        }
        prev_space = c.is_whitespace() || c == ';';
    }
    line
}

/// Split on `;`, `&&`, `||`, `|`, `&` outside quotes; the flag says whether `&` followed.
fn split_commands(line: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut q: Option<u8> = None;
    let mut start = 0usize;
    let mut i = 0usize;
    let mut paren = 0i32;
    while let Some(&c) = b.get(i) {
        match (q, c) {
            (None, b'\'' | b'"' | b'`') => q = Some(c),
            (Some(o), c2) if c2 == o => q = None,
            (None, b'\\') => i += 1,
            (None, b'$') if b.get(i + 1) == Some(&b'(') => paren += 1,
            (None, b')') if paren > 0 => paren -= 1,
            (None, b';' | b'|' | b'&') if paren == 0 => {
                let double = b.get(i + 1) == Some(&c);
                let redirect = c == b'&'
                    && (i > 0 && matches!(b.get(i - 1), Some(b'>' | b'<'))
                        || matches!(b.get(i + 1), Some(b'>')));
                if !redirect {
                    let bg = c == b'&' && !double;
                    if let Some(s) = line.get(start..i) {
                        out.push((s, bg));
                    }
                    i += if double { 2 } else { 1 };
                    start = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(s) = line.get(start..) {
        out.push((s, false));
    }
    out
}

/// Words with quotes removed and `$VAR`/`${VAR}` expanded when known; redirections dropped.
fn words(seg: &str, vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q: Option<char> = None;
    let mut any = false;
    let mut chars = seg.chars().peekable();
    while let Some(c) = chars.next() {
        match (q, c) {
            (None, '\'' | '"') => {
                q = Some(c);
                any = true;
            }
            (Some(o), c2) if c2 == o => q = None,
            (Some('\''), c2) => cur.push(c2),
            (_, '$') => {
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if braced {
                    // ${VAR:-default} and friends: keep the default when unknown.
                    let mut inner = String::new();
                    for n in chars.by_ref() {
                        if n == '}' {
                            break;
                        }
                        inner.push(n);
                    }
                    match vars.get(&name) {
                        Some(v) => cur.push_str(v),
                        None => match inner.strip_prefix(":-").or(inner.strip_prefix('-')) {
                            Some(d) => cur.push_str(d),
                            None => {
                                cur.push_str("${");
                                cur.push_str(&name);
                                cur.push('}');
                            }
                        },
                    }
                } else if name.is_empty() {
                    cur.push('$');
                } else {
                    match vars.get(&name) {
                        Some(v) => cur.push_str(v),
                        None => {
                            cur.push('$');
                            cur.push_str(&name);
                        }
                    }
                }
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, c2) if c2.is_whitespace() => {
                if !cur.is_empty() || any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (_, c2) => cur.push(c2),
        }
        if out.len() >= MAX_WORDS {
            break;
        }
    }
    if !cur.is_empty() || any {
        out.push(cur);
    }
    // Drop redirections: `>file`, `2>&1`, `> file`, `</dev/null`.
    let mut clean = Vec::with_capacity(out.len());
    let mut skip_next = false;
    for w in out {
        if skip_next {
            skip_next = false;
            continue;
        }
        let t = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if t.starts_with('>') || t.starts_with('<') {
            if t.trim_start_matches(['>', '<', '&']).is_empty() {
                skip_next = !t.ends_with('&') || t == ">&";
            }
            continue;
        }
        clean.push(w);
    }
    clean
}

fn strip_keywords(mut w: Vec<String>) -> Vec<String> {
    // `case` patterns: `start)` / `"start"|restart)`.
    while let Some(first) = w.first() {
        let is_pattern = first.ends_with(')') && !first.contains('(') && w.len() > 1;
        if KEYWORDS.contains(&first.as_str()) || is_pattern || first == ";;" {
            w.remove(0);
        } else if first == "case" || first == "for" {
            return Vec::new();
        } else {
            break;
        }
    }
    // `[ … ]` / `test` are conditions, not programs.
    if w.first()
        .is_some_and(|f| f == "[" || f == "[[" || f == "test")
    {
        return Vec::new();
    }
    w
}

fn assignment(w: &str) -> Option<(&str, &str)> {
    let (k, v) = w.split_once('=')?;
    (!k.is_empty()
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !k.starts_with(|c: char| c.is_ascii_digit()))
    .then_some((k, v))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    fn argvs(s: &Script) -> Vec<String> {
        s.commands.iter().map(|c| c.argv.join(" ")).collect()
    }

    #[test]
    fn splits_lists_and_expands_literal_variables() {
        let s = parse(
            "#!/bin/sh\nBIN=/usr/sbin/telnetd\n[ -x $BIN ] && $BIN -l /bin/login &\nfoo; bar 2>&1 >/dev/null | baz\n",
            &BTreeMap::new(),
        );
        assert_eq!(
            argvs(&s),
            ["/usr/sbin/telnetd -l /bin/login", "foo", "bar", "baz"]
        );
        assert!(s.commands[0].background);
        assert_eq!(s.commands[0].line, 3);
    }

    #[test]
    fn functions_case_patterns_comments_and_continuations() {
        let s = parse(
            "start() {\n  dropbear -p 22 \\\n    -w # no root\n}\ncase \"$1\" in\n  start) start ;;\nesac\n# telnetd\n",
            &BTreeMap::new(),
        );
        assert_eq!(argvs(&s), ["dropbear -p 22 -w", "start"]);
        assert_eq!(s.commands[0].function.as_deref(), Some("start"));
        assert_eq!(s.commands[1].function, None);
    }

    #[test]
    fn heredocs_are_skipped() {
        let s = parse("cat <<EOF >/tmp/x\ntelnetd\nEOF\nhttpd\n", &BTreeMap::new());
        assert_eq!(argvs(&s), ["cat", "httpd"]);
    }
}
