//! COMP-003 `product-identity`: the product itself as components (the device and its
//! firmware), so device CVEs match (`cpe:2.3:o:tp-link:tl-wr841n_firmware:3.16.9` running
//! on `cpe:2.3:h:tp-link:tl-wr841n:10`).

use super::cpe_string;
use crate::{CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;
use baseline_model::{Component, Confidence, Product};
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "COMP-003",
    name: "product-identity",
    severity: Severity::Info,
    summary:
        "The device and its firmware as components (vendor, model, hardware and firmware versions)",
    requirements: &["en303645:5.2-3", "en303645:5.3-16"],
    doc: Doc::Markdown(
        "\
**What it checks.** The product file's manufacturer and model (`TL-WR841N v10` is model \
`TL-WR841N`, hardware version `10`) when given; otherwise, and for the firmware version, the \
image headers: the TP-Link header's hardware id (`0x08410010` is the WR841N v10) and firmware \
version, and a U-Boot uImage's name (`Linux-2.6.31` gives the kernel version).

**Why it matters.** Many published vulnerabilities of consumer devices are filed against the \
device's firmware CPE, applicable only on given hardware; without the product as a component \
they can never match.

**Evidence.** The header node and the attribute used, or the product file.

**Known false positives.** TP-Link hardware ids are mapped to `TL-WR<id>N` for the WR series \
(ids 0x07xx…0x09xx); other ids keep the raw id as the model, without a CPE. Header versions \
can differ from the marketing version.

**References.** NVD CPE dictionary naming of `*_firmware` and hardware CPEs; ETSI EN 303 645 \
V2.1.1 provisions 5.2-3, 5.3-16.",
    ),
};

fn attr<'a>(attrs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

/// A CPE-safe lower-case name.
fn slug(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace([' ', '/'], "_")
}

/// Device + firmware components of a vendor/model/hardware/firmware tuple.
pub fn device_pair(
    vendor: &str,
    model: &str,
    hw: Option<&str>,
    fw: Option<&str>,
    evidence: Vec<baseline_model::Evidence>,
    confidence: Confidence,
    source: &str,
) -> Vec<Component> {
    let v = slug(vendor);
    let m = slug(model);
    let mut props = BTreeMap::new();
    props.insert("source".to_owned(), source.to_owned());
    let dev = Component {
        name: model.to_owned(),
        version: hw.map(|h| format!("v{}", h.trim_start_matches(['v', 'V']))),
        purl: None,
        cpe: Some(cpe_string(
            "h",
            &v,
            &m,
            hw.map(|h| h.trim_start_matches(['v', 'V'])),
        )),
        evidence: evidence.clone(),
        confidence,
        kind: "device".into(),
        vendor: Some(vendor.to_owned()),
        properties: props.clone(),
    };
    let fwc = Component {
        name: format!("{model} firmware"),
        version: fw.map(str::to_owned),
        purl: None,
        cpe: Some(cpe_string("o", &v, &format!("{m}_firmware"), fw)),
        evidence,
        confidence,
        kind: "firmware".into(),
        vendor: Some(vendor.to_owned()),
        properties: props,
    };
    vec![dev, fwc]
}

/// Components from image headers: TP-Link device/firmware, uImage kernel names.
pub(super) fn from_headers(ctx: &Context<'_>, out: &mut Vec<Component>) {
    for (id, node) in ctx.tree.iter() {
        if node.format == Some("tplink") || attr(&node.attrs, "hardware-model").is_some() {
            let Some(hwm) = attr(&node.attrs, "hardware-model") else {
                continue;
            };
            // "841 v10": model digits and hardware version (hex digits that read as decimal).
            let Some((num, hv)) = hwm.split_once(" v") else {
                continue;
            };
            let model = if num.len() == 3 && matches!(num.chars().next(), Some('7' | '8' | '9')) {
                format!("TL-WR{}N", num.to_ascii_uppercase())
            } else {
                format!("TP-Link {num}")
            };
            let fw = attr(&node.attrs, "version");
            let ev = ctx
                .evidence(id)
                .excerpt(format!(
                    "hardware-model={hwm} version={}",
                    fw.unwrap_or("?")
                ))
                .note("TP-Link firmware header");
            let mut pair = device_pair(
                "TP-Link",
                &model,
                Some(hv),
                fw,
                vec![ev],
                Confidence::Medium,
                "header",
            );
            if !model.starts_with("TL-WR") {
                for c in &mut pair {
                    c.cpe = None;
                }
            }
            out.extend(pair);
        }
        if let Some(name) = attr(&node.attrs, "image-name") {
            if let Some(v) = kernel_from_image_name(name) {
                let mut props = BTreeMap::new();
                props.insert("source".to_owned(), "header".to_owned());
                out.push(Component {
                    name: "Linux kernel".into(),
                    version: Some(v.clone()),
                    purl: super::purl("generic", None, "linux_kernel", Some(&v), &[]),
                    cpe: Some(cpe_string("o", "linux", "linux_kernel", Some(&v))),
                    evidence: vec![ctx
                        .evidence(id)
                        .excerpt(format!("image-name={name}"))
                        .note("U-Boot uImage name")],
                    confidence: Confidence::Medium,
                    kind: "operating-system".into(),
                    vendor: Some("linux".into()),
                    properties: props,
                });
            }
        }
    }
}

/// `Linux-2.6.31`, `MIPS OpenWrt Linux-3.3.8` → the version.
fn kernel_from_image_name(name: &str) -> Option<String> {
    let i = name.find("Linux-")?;
    let rest = name.get(i + 6..)?;
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.').to_owned();
    (v.contains('.') && v.chars().next().is_some_and(|c| c.is_ascii_digit())).then_some(v)
}

/// Split a product-file model into model and hardware version: `TL-WR841N v10` → (`TL-WR841N`, `10`).
fn split_model(model: &str) -> (String, Option<String>) {
    let m = model.trim();
    if let Some((head, tail)) = m.rsplit_once(' ') {
        let t = tail.trim_start_matches(['v', 'V']);
        if (tail.starts_with(['v', 'V']) || tail.starts_with("ver"))
            && t.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return (
                head.trim().to_owned(),
                Some(t.trim_start_matches("er.").to_owned()),
            );
        }
    }
    (m.to_owned(), None)
}

/// Vendor as NVD names it, from a manufacturer's legal name (`TP-Link Technologies Co., Ltd.`).
fn vendor_slug(name: &str) -> String {
    let first = name
        .split([',', ' '])
        .find(|w| !w.is_empty())
        .unwrap_or(name);
    first.to_owned()
}

/// Replace header-derived device/firmware components with those of the product file
/// (vendor and model from the file; hardware and firmware versions from the headers when the
/// file does not give them).
pub fn apply_product(product: &Product, components: &mut Vec<Component>) {
    let (model, hw) = split_model(&product.product.model);
    let header_fw = components
        .iter()
        .find(|c| {
            c.kind == "firmware" && c.properties.get("source").map(String::as_str) == Some("header")
        })
        .and_then(|c| c.version.clone());
    let header_hw = components
        .iter()
        .find(|c| {
            c.kind == "device" && c.properties.get("source").map(String::as_str) == Some("header")
        })
        .and_then(|c| c.version.clone());
    let hw = hw.or(header_hw.map(|h| h.trim_start_matches('v').to_owned()));
    components.retain(|c| {
        !(matches!(c.kind.as_str(), "device" | "firmware")
            && c.properties.get("source").map(String::as_str) == Some("header"))
    });
    let ev = baseline_model::Evidence::new("product.toml").excerpt(format!(
        "{} {}",
        product.manufacturer.name, product.product.model
    ));
    components.extend(device_pair(
        &vendor_slug(&product.manufacturer.name),
        &model,
        hw.as_deref(),
        header_fw.as_deref(),
        vec![ev],
        Confidence::High,
        "product-file",
    ));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            kernel_from_image_name("Linux-2.6.31"),
            Some("2.6.31".into())
        );
        assert_eq!(
            kernel_from_image_name("MIPS OpenWrt Linux-3.3.8"),
            Some("3.3.8".into())
        );
        assert_eq!(kernel_from_image_name("U-Boot"), None);
        assert_eq!(
            split_model("TL-WR841N v10"),
            ("TL-WR841N".into(), Some("10".into()))
        );
        assert_eq!(split_model("HG532"), ("HG532".into(), None));
        assert_eq!(vendor_slug("TP-Link Technologies Co., Ltd."), "TP-Link");
    }
}
