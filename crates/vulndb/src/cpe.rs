//! CPE 2.3 formatted strings: parsing, the alias-normalised index key, and matching one
//! NVD `cpeMatch` against one component CPE.
//!
//! Owns: [`Cpe`], [`index_key`] and [`hw_version`]. Aliases handled: vendor spellings
//! (`tp-link`, `tplink`, `tp_link`), TP-Link model prefixes (NVD names the same router
//! `wr940n` and `tl-wr940n`), hardware versions (`4`, `4.0`, `v4`, `10.0`, `v10`).
//! Never does: version ranges (see `matcher`).

/// A parsed `cpe:2.3:part:vendor:product:version:update:…` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub update: String,
}

impl Cpe {
    /// Parse a CPE 2.3 formatted string (`\:` escapes honoured). `None` if it is not one.
    pub fn parse(s: &str) -> Option<Cpe> {
        let rest = s.strip_prefix("cpe:2.3:")?;
        // Only the first five fields are used: stop there (matching parses many criteria).
        let mut fields: [String; 5] = Default::default();
        let mut n = 0;
        let mut esc = false;
        for c in rest.chars() {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
                continue;
            } else if c == ':' {
                n += 1;
                if n == fields.len() {
                    break;
                }
                continue;
            }
            fields.get_mut(n)?.push(c);
        }
        if n < 2 {
            // No product field.
            return None;
        }
        let [part, mut vendor, mut product, version, update] = fields;
        vendor.make_ascii_lowercase();
        product.make_ascii_lowercase();
        let star = |f: String, present: bool| if present { f } else { "*".to_owned() };
        Some(Cpe {
            part,
            vendor,
            product,
            version: star(version, n >= 3),
            update: star(update, n >= 4),
        })
    }

    /// The store's index key for this CPE's vendor and product.
    pub fn key(&self) -> String {
        index_key(&self.vendor, &self.product)
    }
}

/// A CPE 2.3 string for a component (`*` for unknown fields), escaping what must be.
pub fn format(part: &str, vendor: &str, product: &str, version: Option<&str>) -> String {
    let esc = |s: &str| {
        let mut o = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                o.push(c.to_ascii_lowercase());
            } else {
                o.push('\\');
                o.push(c);
            }
        }
        o
    };
    let v = version.map_or_else(|| "*".to_owned(), esc);
    format!(
        "cpe:2.3:{part}:{}:{}:{v}:*:*:*:*:*:*:*",
        esc(vendor),
        esc(product)
    )
}

fn norm_vendor(v: &str) -> String {
    let v = v.to_ascii_lowercase();
    match v.as_str() {
        "tplink" | "tp_link" | "tp-link_technologies" => "tp-link".into(),
        "d-link" | "dlink" | "d_link" => "dlink".into(),
        _ => v,
    }
}

fn norm_product(vendor: &str, p: &str) -> String {
    let p = p.to_ascii_lowercase().replace(' ', "_");
    if vendor == "tp-link" {
        // TL-WR940N is filed both as `tl-wr940n` and as `wr940n` (and the firmware likewise).
        if let Some(rest) = p.strip_prefix("tl-").or_else(|| p.strip_prefix("tl_")) {
            return rest.to_owned();
        }
    }
    if vendor == "dlink" {
        if let Some(rest) = p.strip_prefix("d-link_") {
            return rest.to_owned();
        }
    }
    p
}

/// `vendor:product` after alias normalisation: the key every index lookup uses.
pub fn index_key(vendor: &str, product: &str) -> String {
    let v = norm_vendor(vendor);
    let p = norm_product(&v, product);
    format!("{v}:{p}")
}

/// A hardware version in canonical form: `v10`, `10.0`, `10` → `10`; `4.0` → `4`.
pub fn hw_version(v: &str) -> String {
    let mut s = v.trim().to_ascii_lowercase();
    if let Some(r) = s.strip_prefix('v') {
        s = r.to_owned();
    }
    while let Some(r) = s.strip_suffix(".0") {
        s = r.to_owned();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_escapes() {
        let c = Cpe::parse("cpe:2.3:o:tp-link:tl-wr841n_firmware:3.16.9:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.part, "o");
        assert_eq!(c.version, "3.16.9");
        assert_eq!(c.key(), "tp-link:wr841n_firmware");
        let c = Cpe::parse(r"cpe:2.3:a:x:y\:z:1.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.product, "y:z");
        assert_eq!(
            format("a", "busybox", "busybox", Some("1.01")),
            "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn aliases() {
        assert_eq!(
            index_key("tp-link", "wr940n"),
            index_key("TP-Link", "TL-WR940N")
        );
        assert_eq!(hw_version("v10"), "10");
        assert_eq!(hw_version("10.0"), "10");
        assert_eq!(hw_version("4"), hw_version("4.0"));
    }
}
