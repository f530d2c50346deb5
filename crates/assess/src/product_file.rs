//! Reading a product description (`product.toml`, schema in `docs/product.md`) from its text,
//! with errors that name the field and the line: a missing field, a misspelt key or value (with
//! the close match), or facts that contradict each other. Never guesses what was meant.
//!
//! Takes the text and a display name; the caller reads the file (this crate does no I/O).

use crate::AssessError;
use baseline_model::{Category, Product, Region};
use std::ops::Range;

/// Parse and check a product description. `file` is only used in messages.
pub fn parse_product(text: &str, file: &str) -> Result<Product, AssessError> {
    let product: Product = toml::from_str(text).map_err(|e| from_toml(text, file, &e))?;
    check(&product, text, file)?;
    Ok(product)
}

pub(crate) fn from_toml(text: &str, file: &str, e: &toml::de::Error) -> AssessError {
    let span = e.span();
    let (line, column) = match &span {
        Some(s) if s.start > 0 || s.end > 0 => {
            let (l, c) = line_col(text, s.start);
            (Some(l), Some(c))
        }
        _ => (None, None),
    };
    let raw = e.message().trim();
    // A missing field's span is its whole table, header included; any other error on a
    // header line is about the header's own key, which belongs to the parent table.
    let table = match &span {
        Some(s) if s.start < s.end => {
            let own = raw.starts_with("missing field ");
            table_at(text, s.start, own).unwrap_or_default()
        }
        _ => String::new(),
    };
    let (field, message) = explain(raw, text, span.as_ref(), &table);
    AssessError::ProductFile {
        file: file.to_owned(),
        line,
        column,
        field,
        message,
    }
}

/// Turn serde's wording into ours: which field, and what the user probably meant.
fn explain(
    raw: &str,
    text: &str,
    span: Option<&Range<usize>>,
    table: &str,
) -> (Option<String>, String) {
    let qualified = |key: &str| {
        if table.is_empty() {
            key.to_owned()
        } else {
            format!("{table}.{key}")
        }
    };
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let (name, expected) = split_expected(rest);
        let hint = did_you_mean(&name, &expected);
        let message = format!(
            "unknown field `{}`{hint} (expected one of: {})",
            qualified(&name),
            expected.join(", ")
        );
        return (Some(qualified(&name)), message);
    }
    if let Some(rest) = raw.strip_prefix("unknown variant ") {
        let (value, expected) = split_expected(rest);
        let key = span.and_then(|s| key_at(text, s.start)).unwrap_or_default();
        let field = qualified(&key);
        let hint = if value.eq_ignore_ascii_case("uk") && key == "regions" {
            "; the UK is `gb` (Great Britain) and/or `ni` (Northern Ireland)".to_owned()
        } else {
            did_you_mean(&value, &expected)
        };
        let message = format!(
            "`{field}`: unknown value `{value}`{hint} (expected one of: {})",
            expected.join(", ")
        );
        return (Some(field), message);
    }
    if let Some(rest) = raw.strip_prefix("missing field ") {
        let name = rest.trim_matches('`').to_owned();
        if table.is_empty() {
            return (
                Some(name.clone()),
                format!("missing table `[{name}]` (see docs/product.md)"),
            );
        }
        let field = qualified(&name);
        return (
            Some(field.clone()),
            format!("missing field `{field}` in [{table}] (see docs/product.md)"),
        );
    }
    let key = span.and_then(|s| key_at(text, s.start));
    match key {
        Some(k) if raw.starts_with("invalid type") => {
            let field = qualified(&k);
            (Some(field.clone()), format!("`{field}`: {raw}"))
        }
        _ => (None, raw.to_owned()),
    }
}

/// Split "`x`, expected one of `a`, `b`" (or "expected `a` or `b`") into x and [a, b].
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let mut ticks = rest.split('`').skip(1).step_by(2).map(str::to_owned);
    let name = ticks.next().unwrap_or_default();
    (name, ticks.collect())
}

fn did_you_mean(input: &str, candidates: &[String]) -> String {
    let best = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(d, c)| *d <= (c.len() / 2).max(2))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, c)) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (line, column)
}

/// The `[table]` in force at a byte offset. On a header line, that header's table when
/// `header_is_own`, else its parent (`""` at top level).
fn table_at(text: &str, offset: usize, header_is_own: bool) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next().unwrap_or("");
    if let Some(h) = header_name(line) {
        if header_is_own {
            return Some(h);
        }
        return Some(
            h.rsplit_once('.')
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default(),
        );
    }
    text.get(..start)?.lines().rev().find_map(header_name)
}

fn header_name(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    if inner.starts_with('[') {
        return None;
    }
    Some(inner.trim().to_owned())
}

/// The key assigned on the line containing a byte offset (`key = value`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()).then(|| key.rsplit('.').next().unwrap_or(key).to_owned())
}

/// 1-based line of `key` inside `[table]`, or of the header if the key is not written.
pub(crate) fn line_of(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(h) = header_name(line) {
            current = h;
            if current == table {
                header_line = Some(i + 1);
            }
            continue;
        }
        if current == table {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim().trim_matches('"') == key {
                    return Some(i + 1);
                }
            }
        }
    }
    header_line
}

/// Facts that cannot all be true, and values that parse but mean nothing.
fn check(p: &Product, text: &str, file: &str) -> Result<(), AssessError> {
    let err = |table: &str, key: &str, message: String| AssessError::ProductFile {
        file: file.to_owned(),
        line: line_of(text, table, key),
        column: None,
        field: Some(format!("{table}.{key}")),
        message,
    };
    for (table, key, value) in [
        ("manufacturer", "name", &p.manufacturer.name),
        ("manufacturer", "address", &p.manufacturer.address),
        ("product", "name", &p.product.name),
        ("product", "model", &p.product.model),
    ] {
        if value.trim().is_empty() {
            return Err(err(table, key, format!("`{table}.{key}` is empty")));
        }
    }
    if p.market.regions.is_empty() {
        return Err(err(
            "market",
            "regions",
            "`market.regions` is empty: list where the product is made available, e.g. [\"gb\"] \
             (gb, ni, eu, au, sg, in, jp, us, other)"
                .to_owned(),
        ));
    }
    let cat = p.product.category;
    let ex = &p.exception;
    for (key, set) in [
        ("smart_meter_cpa_assured", ex.smart_meter_cpa_assured),
        (
            "licensed_supplier_installed",
            ex.licensed_supplier_installed,
        ),
    ] {
        if set && cat != Category::SmartMeter {
            return Err(err(
                "exception",
                key,
                format!(
                    "`exception.{key}` is true but `product.category` is `{}`: this fact only \
                     applies to smart meters (category `smart-meter`)",
                    cat.as_str()
                ),
            ));
        }
    }
    if ex.ni_eu_free_movement && !p.market.regions.contains(&Region::Ni) {
        return Err(err(
            "exception",
            "ni_eu_free_movement",
            "`exception.ni_eu_free_movement` is true but `market.regions` does not include `ni`"
                .to_owned(),
        ));
    }
    let c = &p.connectivity;
    for (key, set) in [
        ("non_ip_to_internet_product", c.non_ip_to_internet_product),
        ("non_ip_multiple", c.non_ip_multiple),
    ] {
        if set && c.non_ip.is_empty() {
            return Err(err(
                "connectivity",
                key,
                format!("`connectivity.{key}` is true but `connectivity.non_ip` lists no protocol"),
            ));
        }
    }
    if let Some(st) = &p.statement {
        for (key, value) in [
            ("date", &st.date),
            ("support_period_end", &st.support_period_end),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !crate::answers::is_iso_date(v)) {
                return Err(err(
                    "statement",
                    key,
                    format!("`statement.{key}` is `{v}`: expected a date written YYYY-MM-DD"),
                ));
            }
        }
    }
    if let Some(blank) = c.non_ip.iter().find(|s| s.trim().is_empty()) {
        return Err(err(
            "connectivity",
            "non_ip",
            format!("`connectivity.non_ip` contains an empty protocol name {blank:?}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMERA: &str = r#"[manufacturer]
name = "Acme Ltd"
address = "1 High Street, London"

[product]
name = "Acme Cam"
model = "AC-1"
category = "camera"

[market]
regions = ["gb"]
consumer = true

[connectivity]
internet = true
"#;

    fn err(text: &str) -> AssessError {
        parse_product(text, "p.toml").unwrap_err()
    }

    #[test]
    fn a_minimal_description_parses_with_defaults() {
        let p = parse_product(CAMERA, "p.toml").unwrap();
        assert_eq!(p.product.category, Category::Camera);
        assert_eq!(p.market.regions, vec![Region::Gb]);
        assert!(!p.connectivity.cellular);
        assert!(p.connectivity.non_ip.is_empty());
        assert!(!p.exception.for_children_under_14);
    }

    #[test]
    fn missing_field_names_the_table_field_and_line() {
        let text = CAMERA.replace("address = \"1 High Street, London\"\n", "");
        let e = err(&text);
        assert_eq!(
            e.to_string(),
            "p.toml:1:1: missing field `manufacturer.address` in [manufacturer] (see docs/product.md)"
        );
        let text = CAMERA.replace("internet = true\n", "cellular = true\n");
        let e = err(&text);
        assert_eq!(
            e.to_string(),
            "p.toml:14:1: missing field `connectivity.internet` in [connectivity] (see docs/product.md)"
        );
    }

    #[test]
    fn missing_table_is_named() {
        let text = CAMERA
            .split("[connectivity]")
            .next()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            err(&text).to_string(),
            "p.toml: missing table `[connectivity]` (see docs/product.md)"
        );
    }

    #[test]
    fn misspelt_key_gives_line_and_close_match() {
        let e = err(&CAMERA.replace("regions =", "regoins ="));
        let AssessError::ProductFile { line, field, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(*line, Some(11));
        assert_eq!(field.as_deref(), Some("market.regoins"));
        assert_eq!(
            e.to_string(),
            "p.toml:11:1: unknown field `market.regoins`; did you mean `regions`? \
             (expected one of: regions, consumer)"
        );
    }

    #[test]
    fn misspelt_table_is_an_unknown_field_at_top_level() {
        let e = err(&CAMERA.replace("[connectivity]", "[conectivity]"));
        assert!(
            e.to_string()
                .contains("unknown field `conectivity`; did you mean `connectivity`?"),
            "{e}"
        );
    }

    #[test]
    fn misspelt_value_gives_line_and_close_match() {
        let e = err(&CAMERA.replace("\"camera\"", "\"camra\""));
        let AssessError::ProductFile { line, column, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!((*line, *column), (Some(8), Some(12)));
        assert!(
            e.to_string().starts_with(
                "p.toml:8:12: `product.category`: unknown value `camra`; did you mean `camera`?"
            ),
            "{e}"
        );
        let e = err(&CAMERA.replace("[\"gb\"]", "[\"uk\"]"));
        assert!(
            e.to_string()
                .contains("the UK is `gb` (Great Britain) and/or `ni`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_the_field() {
        let e = err(&CAMERA.replace("consumer = true", "consumer = \"yes\""));
        assert!(
            e.to_string()
                .starts_with("p.toml:12:12: `market.consumer`: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn contradictory_facts_are_errors_with_their_line() {
        let text = CAMERA.replace("\"camera\"", "\"laptop\"")
            + "\n[exception]\nsmart_meter_cpa_assured = true\n";
        let e = err(&text);
        assert_eq!(
            e.to_string(),
            "p.toml:18: `exception.smart_meter_cpa_assured` is true but `product.category` is \
             `laptop`: this fact only applies to smart meters (category `smart-meter`)"
        );
        let e = err(&CAMERA.replace("[\"gb\"]", "[]"));
        assert!(
            e.to_string()
                .starts_with("p.toml:11: `market.regions` is empty"),
            "{e}"
        );
        let e = err(&(CAMERA.to_owned() + "non_ip_multiple = true\n"));
        assert!(
            e.to_string().starts_with(
                "p.toml:16: `connectivity.non_ip_multiple` is true but `connectivity.non_ip` lists no protocol"
            ),
            "{e}"
        );
        let e = err(&(CAMERA.to_owned() + "\n[exception]\nni_eu_free_movement = true\n"));
        assert!(e.to_string().contains("does not include `ni`"), "{e}");
        let e = err(&CAMERA.replace("\"Acme Cam\"", "\"  \""));
        assert_eq!(e.to_string(), "p.toml:6: `product.name` is empty");
    }
}
