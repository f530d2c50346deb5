//! Reading published prose: sentences, time expressions, dates, contacts, English. These are
//! documented heuristics (see docs/site.md); every result carries the sentence it came from so
//! a person can check it.

use crate::time;

/// Split page text into sentences (newlines and `. ! ?` followed by a space), each at most
/// 600 characters (longer runs are cut at a word boundary).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut cur = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            cur.push(c);
            let boundary = matches!(c, '.' | '!' | '?')
                && chars.peek().is_some_and(|n| n.is_whitespace())
                && !ends_with_abbreviation(&cur);
            if boundary || cur.len() > 600 {
                push_sentence(&mut out, &cur);
                cur.clear();
            }
        }
        push_sentence(&mut out, &cur);
    }
    out
}

fn ends_with_abbreviation(s: &str) -> bool {
    let last = s
        .split_whitespace()
        .last()
        .unwrap_or("")
        .to_ascii_lowercase();
    [
        "e.g.", "i.e.", "etc.", "no.", "approx.", "inc.", "ltd.", "st.", "vs.",
    ]
    .contains(&last.as_str())
}

fn push_sentence(out: &mut Vec<String>, s: &str) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t.to_owned());
    }
}

/// Lower-cased word tokens (letters, digits, `-`, `/`).
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '/'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fourteen", 14),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("sixty", 60),
    ("ninety", 90),
];

fn number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches(['(', ')']);
    if let Ok(n) = w.parse::<u32>() {
        return Some(n);
    }
    NUMBER_WORDS.iter().find(|(k, _)| *k == w).map(|(_, n)| *n)
}

fn unit(w: &str) -> Option<&'static str> {
    Some(match w.trim_end_matches('s') {
        "hour" | "hr" | "h" => "hours",
        "day" => "days",
        "week" => "weeks",
        "month" => "months",
        "year" | "yr" => "years",
        _ => return None,
    })
}

/// A duration in a sentence ("within 5 working days", "72 hours", "two weeks") as
/// `(count, unit)`. Up to two words may sit between number and unit ("5 business days").
pub fn durations(s: &str) -> Vec<(u32, &'static str)> {
    let ws = words(s);
    let mut out = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        // "48-hour", "5-day"
        if let Some((n, u)) = w.split_once('-') {
            if let (Some(n), Some(u)) = (number(n), unit(u)) {
                out.push((n, u));
                continue;
            }
        }
        let Some(n) = number(w) else { continue };
        for j in 1..=3 {
            if let Some(u) = ws.get(i + j).and_then(|x| unit(x)) {
                // "a" and "an" only count directly before the unit ("within a week").
                if j == 1 || !(w == "a" || w == "an") {
                    out.push((n, u));
                }
                break;
            }
        }
    }
    out
}

/// Frequency words that answer "when" for status updates.
pub fn has_frequency(s: &str) -> bool {
    let l = s.to_lowercase();
    [
        "daily",
        "weekly",
        "fortnightly",
        "monthly",
        "every week",
        "every day",
        "every month",
    ]
    .iter()
    .any(|k| l.contains(k))
        || (l.contains("every") && !durations(&l).is_empty())
}

/// E-mail addresses in free text.
pub fn emails(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || "<>()[],;\"'".contains(c))
        .map(|t| t.trim_end_matches(['.', ':']).trim_start_matches("mailto:"))
        .filter(|t| {
            let Some((user, host)) = t.split_once('@') else {
                return false;
            };
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .map(str::to_owned)
        .collect()
}

/// Share of tokens that are common English function words (0.0–1.0) and the token count.
pub fn english_share(s: &str) -> (f64, usize) {
    const COMMON: &[&str] = &[
        "the", "and", "to", "of", "a", "in", "is", "we", "you", "will", "for", "your", "our", "be",
        "with", "on", "that", "this", "are", "by", "or", "it", "as", "if", "any", "please", "us",
        "an", "at", "from", "not", "have", "can", "all", "which", "within", "report", "security",
        "please", "when", "how", "about",
    ];
    let ws = words(s);
    let n = ws.len();
    if n == 0 {
        return (0.0, 0);
    }
    let hits = ws.iter().filter(|w| COMMON.contains(&w.as_str())).count();
    (hits as f64 / n as f64, n)
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(w: &str) -> Option<u32> {
    let w = w.trim_end_matches([',', '.']);
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            m.starts_with(w) && (w.len() >= 3) && (w.len() == 3 || *m == w || w == "sept")
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn year(w: &str) -> Option<i64> {
    let w = w.trim_end_matches([',', '.', ')']);
    (w.len() == 4)
        .then(|| w.parse::<i64>().ok())
        .flatten()
        .filter(|y| (1990..=2200).contains(y))
}

fn day(w: &str) -> Option<u32> {
    let w = w
        .trim_end_matches([',', '.'])
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    w.parse::<u32>().ok().filter(|d| (1..=31).contains(d))
}

/// A calendar date found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    /// Unix seconds of the end of that day (23:59:59 UTC): a period "until D" includes D.
    pub at: i64,
    /// The words it was read from.
    pub text: String,
    /// Only a year was given; the date is 31 December of it. (A month and year is taken as
    /// the last day of that month and counts as a date.)
    pub partial: bool,
}

fn end_of_day(y: i64, m: u32, d: u32) -> Option<i64> {
    time::days_from_civil(y, m, d).map(|days| days * 86_400 + 86_399)
}

/// Dates in a sentence: `2027-12-31`, `31/12/2027` (day first, as in the UK), `31 December
/// 2027`, `December 31, 2027`, `December 2027` (its last day), and a bare year after "until",
/// "through" or "end of" (partial).
pub fn dates(s: &str) -> Vec<FoundDate> {
    let raw: Vec<&str> = s.split_whitespace().collect();
    let ws: Vec<String> = raw.iter().map(|w| w.to_lowercase()).collect();
    let mut out = Vec::new();
    let mut used = vec![false; ws.len()];
    let mut i = 0;
    while i < ws.len() {
        let w = ws.get(i).map(String::as_str).unwrap_or("");
        let t = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '/');
        let next = |k: usize| ws.get(i + k).map(String::as_str).unwrap_or("");
        let mut found: Option<(i64, usize, bool)> = None;
        // ISO
        let iso: Vec<&str> = t.split('-').collect();
        if let [y, m, d] = iso.as_slice() {
            if let (Some(y), Ok(m), Ok(d)) = (year(y), m.parse::<u32>(), d.parse::<u32>()) {
                if (1..=12).contains(&m) {
                    found = end_of_day(y, m, d).map(|a| (a, 1, false));
                }
            }
        }
        let slash: Vec<&str> = t.split(['/', '.']).collect();
        if found.is_none() {
            if let [d, m, y] = slash.as_slice() {
                if let (Ok(d), Ok(m), Some(y)) = (d.parse::<u32>(), m.parse::<u32>(), year(y)) {
                    if (1..=12).contains(&m) {
                        found = end_of_day(y, m, d).map(|a| (a, 1, false));
                    }
                }
            }
        }
        if found.is_none() {
            if let (Some(d), Some(m), Some(y)) = (day(t), month(next(1)), year(next(2))) {
                found = end_of_day(y, m, d).map(|a| (a, 3, false));
                if found.is_none() {
                    // "31 February 2027": not a date; do not fall back to "February 2027".
                    i += 3;
                    continue;
                }
            } else if let (Some(m), Some(d), Some(y)) = (month(t), day(next(1)), year(next(2))) {
                found = end_of_day(y, m, d).map(|a| (a, 3, false));
            } else if let (Some(m), Some(y)) = (month(t), year(next(1))) {
                found = end_of_day(y, m, time::days_in_month(y, m)).map(|a| (a, 2, false));
            } else if matches!(t, "until" | "through" | "till" | "to" | "of") {
                let prev = if i > 0 {
                    ws.get(i - 1).map(String::as_str)
                } else {
                    None
                };
                let is_end_of = t == "of" && prev == Some("end");
                if t != "of" || is_end_of {
                    let (k, y) = if next(1) == "the" && next(2) == "end" && next(3) == "of" {
                        (4, year(next(4)))
                    } else {
                        (1, year(next(1)))
                    };
                    if let Some(y) = y {
                        found = end_of_day(y, 12, 31).map(|a| (a, k + 1, true));
                    }
                }
            }
        }
        match found {
            Some((at, len, partial)) if !used.get(i).copied().unwrap_or(true) => {
                let end = (i + len).min(raw.len());
                for u in used.iter_mut().take(end).skip(i) {
                    *u = true;
                }
                out.push(FoundDate {
                    at,
                    text: raw.get(i..end).map(|r| r.join(" ")).unwrap_or_default(),
                    partial,
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_durations() {
        assert_eq!(
            durations("We will acknowledge your report within 5 working days."),
            vec![(5, "days")]
        );
        assert_eq!(
            durations("within a week, or 72 hours"),
            vec![(1, "weeks"), (72, "hours")]
        );
        assert_eq!(durations("a 48-hour reply"), vec![(48, "hours")]);
        assert_eq!(durations("a report about security"), vec![]);
    }

    #[test]
    fn finds_dates() {
        let d = |s: &str| {
            dates(s)
                .into_iter()
                .map(|f| (time::format_date(f.at), f.partial))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            d("until 31 December 2027."),
            vec![("2027-12-31".into(), false)]
        );
        assert_eq!(
            d("until December 31, 2027"),
            vec![("2027-12-31".into(), false)]
        );
        assert_eq!(d("ends 2028-06-30"), vec![("2028-06-30".into(), false)]);
        assert_eq!(d("ends 30/06/2028"), vec![("2028-06-30".into(), false)]);
        assert_eq!(d("until June 2028"), vec![("2028-06-30".into(), false)]);
        assert_eq!(
            d("until the end of 2029"),
            vec![("2029-12-31".into(), true)]
        );
        assert_eq!(d("for 5 years from purchase"), vec![]);
        assert_eq!(d("31 February 2027"), vec![]);
    }

    #[test]
    fn emails_and_sentences() {
        assert_eq!(
            emails("write to psirt@example.com."),
            vec!["psirt@example.com"]
        );
        assert_eq!(emails("not@an email, user@host"), Vec::<String>::new());
        assert_eq!(
            sentences("One e.g. two. Three!\nFour"),
            vec!["One e.g. two.", "Three!", "Four"]
        );
    }
}
