//! Table test: product descriptions through the parser and the scope rules, each checking the
//! outcome and the citation (and uncertainty) of the rule that decided it.

use super::*;
use crate::parse_product;
use baseline_model::ScopeOutcome::{Excepted, InScope, OutOfScope};

fn describe(category: &str, market: &str, connectivity: &str, exception: &str) -> String {
    format!(
        "[manufacturer]\nname = \"Acme Ltd\"\naddress = \"1 High Street, London\"\n\n\
         [product]\nname = \"Thing\"\nmodel = \"T-1\"\ncategory = \"{category}\"\n\n\
         [market]\n{market}\n\n[connectivity]\n{connectivity}\n\n[exception]\n{exception}\n"
    )
}

const GB: &str = "regions = [\"gb\"]\nconsumer = true";
const WIFI: &str = "internet = true";
const CELL: &str = "internet = true\ncellular = true";

struct Case {
    name: &'static str,
    category: &'static str,
    market: &'static str,
    connectivity: &'static str,
    exception: &'static str,
    outcome: ScopeOutcome,
    citation: &'static str,
    uncertain: bool,
}

const S4: &str = "PSTI Act 2022 s. 4";
const S54: &str = "PSTI Act 2022 s. 54";
const PARA5: &str = "SI 2023/1007 Sch. 3 para. 5";
const NI: &str = "SI 2023/1007 Sch. 3 (Northern Ireland products)";

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "wifi camera", category: "camera", market: GB, connectivity: WIFI, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "router", category: "router", market: GB, connectivity: WIFI, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "smart speaker", category: "smart-speaker", market: GB, connectivity: WIFI, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "video doorbell", category: "doorbell", market: GB, connectivity: WIFI, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "smart TV", category: "smart-tv", market: GB, connectivity: WIFI, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "wifi toy", category: "toy", market: GB, connectivity: WIFI, exception: "for_children_under_14 = true", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "bluetooth toy paired with a phone and other toys", category: "toy", market: GB,
           connectivity: "internet = false\nnon_ip = [\"bluetooth\"]\nnon_ip_to_internet_product = true\nnon_ip_multiple = true",
           exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "LAN-only camera recording to a hub", category: "camera", market: GB,
           connectivity: "internet = false\nip_to_internet_product = true", exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "smartphone", category: "smartphone", market: GB, connectivity: CELL, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "cellular tablet", category: "tablet", market: GB, connectivity: CELL, exception: "", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "wifi tablet", category: "tablet", market: GB, connectivity: WIFI, exception: "", outcome: Excepted, citation: PARA5, uncertain: false },
    Case { name: "laptop", category: "laptop", market: GB, connectivity: WIFI, exception: "", outcome: Excepted, citation: PARA5, uncertain: false },
    Case { name: "desktop", category: "desktop", market: GB, connectivity: WIFI, exception: "", outcome: Excepted, citation: PARA5, uncertain: false },
    Case { name: "laptop with a cellular modem", category: "laptop", market: GB, connectivity: CELL, exception: "", outcome: Excepted, citation: PARA5, uncertain: true },
    Case { name: "children's laptop", category: "laptop", market: GB, connectivity: WIFI, exception: "for_children_under_14 = true", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "children's wifi tablet", category: "tablet", market: GB, connectivity: WIFI, exception: "for_children_under_14 = true", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "supplier-installed CPA smart meter", category: "smart-meter", market: GB, connectivity: CELL,
           exception: "smart_meter_cpa_assured = true\nlicensed_supplier_installed = true", outcome: Excepted,
           citation: "SI 2023/1007 Sch. 3 (smart meter products)", uncertain: false },
    Case { name: "retail smart meter without CPA", category: "smart-meter", market: GB, connectivity: WIFI,
           exception: "licensed_supplier_installed = true", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "EV charge point", category: "ev-charge-point", market: GB, connectivity: WIFI, exception: "", outcome: Excepted,
           citation: "SI 2023/1007 Sch. 3 (charge points for electric vehicles)", uncertain: false },
    Case { name: "EV charge point in Northern Ireland", category: "ev-charge-point", market: "regions = [\"ni\"]\nconsumer = true", connectivity: WIFI, exception: "",
           outcome: Excepted, citation: "SI 2023/1007 Sch. 3 (charge points for electric vehicles)", uncertain: true },
    Case { name: "medical device", category: "medical-device", market: GB, connectivity: WIFI, exception: "", outcome: Excepted,
           citation: "SI 2023/1007 Sch. 3 (medical devices)", uncertain: false },
    Case { name: "car in GB (2025 amendment)", category: "vehicle", market: GB, connectivity: CELL, exception: "", outcome: Excepted,
           citation: "SI 2023/1007 Sch. 3, as amended by SI 2025/211 (vehicles, Great Britain)", uncertain: true },
    Case { name: "car in GB and NI", category: "vehicle", market: "regions = [\"gb\", \"ni\"]\nconsumer = true", connectivity: CELL, exception: "",
           outcome: Excepted, citation: NI, uncertain: true },
    Case { name: "NI product under EU free-movement rules", category: "smart-plug", market: "regions = [\"ni\"]\nconsumer = true", connectivity: WIFI,
           exception: "ni_eu_free_movement = true", outcome: Excepted, citation: NI, uncertain: true },
    Case { name: "same product also sold in GB", category: "smart-plug", market: "regions = [\"gb\", \"ni\"]\nconsumer = true", connectivity: WIFI,
           exception: "ni_eu_free_movement = true", outcome: InScope, citation: S4, uncertain: false },
    Case { name: "business-only router", category: "router", market: "regions = [\"gb\"]\nconsumer = false", connectivity: WIFI, exception: "",
           outcome: OutOfScope, citation: S54, uncertain: false },
    Case { name: "camera sold only in the EU", category: "camera", market: "regions = [\"eu\"]\nconsumer = true", connectivity: WIFI, exception: "",
           outcome: OutOfScope, citation: S54, uncertain: false },
    Case { name: "unconnected toy", category: "toy", market: GB, connectivity: "internet = false", exception: "",
           outcome: OutOfScope, citation: "PSTI Act 2022 s. 5(3)", uncertain: false },
    Case { name: "bluetooth tracker that pairs with one phone only", category: "wearable", market: GB,
           connectivity: "internet = false\nnon_ip = [\"bluetooth\"]\nnon_ip_to_internet_product = true", exception: "",
           outcome: OutOfScope, citation: "PSTI Act 2022 s. 5(5)-(6)", uncertain: false },
    Case { name: "zigbee sensor mesh that never reaches an internet product", category: "alarm", market: GB,
           connectivity: "internet = false\nnon_ip = [\"zigbee\"]\nnon_ip_multiple = true", exception: "",
           outcome: OutOfScope, citation: "PSTI Act 2022 s. 5(5)-(6)", uncertain: false },
];

#[test]
fn scope_table() {
    assert!(CASES.len() >= 15);
    for c in CASES {
        let text = describe(c.category, c.market, c.connectivity, c.exception);
        let product = parse_product(&text, c.name).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let d = decide(&product);
        let last = deciding_reason(&d).unwrap_or_else(|| panic!("{}: no reason", c.name));
        assert_eq!(d.outcome, c.outcome, "{}: {:#?}", c.name, d.reasons);
        assert_eq!(last.citation, c.citation, "{}: {:#?}", c.name, d.reasons);
        assert_eq!(last.uncertain, c.uncertain, "{}: {:#?}", c.name, d.reasons);
    }
}

#[test]
fn camera_reasons_follow_the_act_in_order() {
    let p = parse_product(&describe("camera", GB, WIFI, ""), "camera").unwrap();
    let d = decide(&p);
    let cites: Vec<&str> = d.reasons.iter().map(|r| r.citation.as_str()).collect();
    assert_eq!(cites, [S54, "PSTI Act 2022 s. 5(1)-(2)", S4]);
    assert_eq!(
        d.reasons[0].text,
        "Made available to consumers in Great Britain: a UK consumer connectable product"
    );
    assert!(d.reasons.iter().all(|r| !r.uncertain));
}

#[test]
fn near_miss_exceptions_are_explained() {
    let p = parse_product(&describe("tablet", GB, CELL, ""), "tablet").unwrap();
    let d = decide(&p);
    let para5 = d.reasons.iter().find(|r| r.citation == PARA5).unwrap();
    assert!(
        para5.text.contains("can connect to cellular networks"),
        "{}",
        para5.text
    );

    let p = parse_product(
        &describe("smart-meter", GB, WIFI, "smart_meter_cpa_assured = true"),
        "m",
    )
    .unwrap();
    let d = decide(&p);
    assert_eq!(
        d.reasons[2].text,
        "A smart meter, but not installed by a licensed supplier: the smart meter exception does not apply"
    );

    let both = "regions = [\"gb\", \"ni\"]\nconsumer = true";
    let p = parse_product(
        &describe("smart-plug", both, WIFI, "ni_eu_free_movement = true"),
        "p",
    )
    .unwrap();
    let d = decide(&p);
    assert_eq!(d.reasons[2].citation, NI);
    assert!(d.reasons[2].uncertain);
    assert!(d.reasons[2]
        .text
        .starts_with("Supply in Northern Ireland is excepted"));
}

#[test]
fn decision_serialises_to_the_documented_json() {
    let p = parse_product(&describe("laptop", GB, WIFI, ""), "laptop").unwrap();
    let json = serde_json::to_value(decide(&p)).unwrap();
    assert_eq!(json["outcome"], "excepted");
    assert_eq!(json["reasons"][2]["citation"], PARA5);
    assert_eq!(json["reasons"][2]["uncertain"], false);
    assert_eq!(
        json["reasons"][2]["text"],
        "A laptop computer without cellular connectivity, not designed exclusively for children under 14: excepted"
    );
}
