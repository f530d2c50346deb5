//! The product description (`product.toml`): who makes the product, what it is, where and to
//! whom it is sold, how it connects, and the facts that decide the PSTI Schedule 3 exceptions.
//! Schema documented in `docs/product.md`. Parsing with located errors and the contradiction
//! checks live in `baseline-assess` (`product_file`); this module holds the data only.
//!
//! Every table rejects unknown keys so that a misspelt field is an error, never silently
//! ignored. New tables (`[disclosure]`, `[support]`, …) are added as optional fields.

use serde::{Deserialize, Serialize};

/// A product description, as written in `product.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub manufacturer: Manufacturer,
    pub product: ProductInfo,
    pub market: Market,
    pub connectivity: Connectivity,
    #[serde(default)]
    pub exception: ExceptionFacts,
    /// `[authorised_representative]`: named on the statement of compliance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_representative: Option<Party>,
    /// `[statement]`: signatory, place and date for the statement of compliance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementInfo>,
    /// `[conditions]`: EN 303 645 Annex B conditions (the answers file may also give them).
    #[serde(default, skip_serializing_if = "ConditionFacts::is_empty")]
    pub conditions: ConditionFacts,
}

/// A name and an address (an authorised representative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    pub address: String,
}

/// `[statement]`: what the statement of compliance needs beyond the rest of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementInfo {
    /// Name of the person signing for the manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatory: Option<String>,
    /// Their function (job title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Place of issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Date of issue, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// End of the defined support period, `YYYY-MM-DD` (else taken from the answers' IXIT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_period_end: Option<String>,
}

/// EN 303 645 V2.1.1 Annex B conditions, each optional (unknown). Condition 5 ("not
/// constrained") is derived from `constrained`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionFacts {
    /// (1) Passwords are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passwords_used: Option<bool>,
    /// (2) Pre-installed passwords are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preinstalled_passwords: Option<bool>,
    /// (3) Software components are not updateable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_not_updateable: Option<bool>,
    /// (4) The device is constrained (5 is its negation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constrained: Option<bool>,
    /// (6) Telemetry data is collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telemetry: Option<bool>,
    /// (7) Personal data is processed on the basis of consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_processing: Option<bool>,
    /// (8) The device allows user authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_authentication: Option<bool>,
    /// (9) Automatic updates and/or update notifications are supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic_updates: Option<bool>,
    /// (10) A hard-coded unique per-device identity is used for security purposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardcoded_identity: Option<bool>,
    /// (11) Updates are delivered over a network interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_updates: Option<bool>,
    /// (12) An update mechanism is implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_mechanism: Option<bool>,
    /// (13) A debug interface is physically accessible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug_interface: Option<bool>,
}

impl ConditionFacts {
    /// The table key of each condition number (5 has none: it is derived from 4).
    pub const KEYS: &'static [(u32, &'static str)] = &[
        (1, "passwords_used"),
        (2, "preinstalled_passwords"),
        (3, "software_not_updateable"),
        (4, "constrained"),
        (6, "telemetry"),
        (7, "consent_processing"),
        (8, "user_authentication"),
        (9, "automatic_updates"),
        (10, "hardcoded_identity"),
        (11, "network_updates"),
        (12, "update_mechanism"),
        (13, "debug_interface"),
    ];

    /// The declared value of condition `id` (5 is derived as "not 4").
    pub fn get(&self, id: u32) -> Option<bool> {
        match id {
            1 => self.passwords_used,
            2 => self.preinstalled_passwords,
            3 => self.software_not_updateable,
            4 => self.constrained,
            5 => self.constrained.map(|c| !c),
            6 => self.telemetry,
            7 => self.consent_processing,
            8 => self.user_authentication,
            9 => self.automatic_updates,
            10 => self.hardcoded_identity,
            11 => self.network_updates,
            12 => self.update_mechanism,
            13 => self.debug_interface,
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        (1..=13).all(|i| self.get(i).is_none())
    }
}

/// `[manufacturer]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manufacturer {
    pub name: String,
    pub address: String,
}

/// `[product]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInfo {
    pub name: String,
    pub model: String,
    pub category: Category,
    /// Batch (or serial range) the statement of compliance covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

/// `[market]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// Where the product is made available (at least one).
    pub regions: Vec<Region>,
    /// Made available to consumers, or identical to products that are (Act s. 54).
    pub consumer: bool,
}

/// `[connectivity]`: the facts of Act s. 5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connectivity {
    /// Connects to the internet itself over an Internet Protocol suite protocol (s. 5(1)-(2)).
    pub internet: bool,
    /// Can connect to cellular (mobile) networks.
    #[serde(default)]
    pub cellular: bool,
    /// Connects directly to an internet-connectable product over IP, e.g. on the home LAN
    /// only (first connectability condition, s. 5(4)).
    #[serde(default)]
    pub ip_to_internet_product: bool,
    /// Non-IP radio or wired protocols, e.g. `["bluetooth", "zigbee"]`.
    #[serde(default)]
    pub non_ip: Vec<String>,
    /// Connects directly to an internet-connectable product (a phone, a hub) over one of the
    /// `non_ip` protocols (s. 5(5)(b)).
    #[serde(default)]
    pub non_ip_to_internet_product: bool,
    /// Connects directly to two or more products at the same time over a non-IP protocol; a
    /// cable that merely joins products does not count (s. 5(5)(a), 5(6)).
    #[serde(default)]
    pub non_ip_multiple: bool,
}

/// `[exception]`: facts that decide the Schedule 3 exceptions; all default to false.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionFacts {
    /// Designed or intended exclusively for children under 14 (computers stay in scope).
    #[serde(default)]
    pub for_children_under_14: bool,
    /// Smart meter assured under the NCSC Commercial Product Assurance scheme.
    #[serde(default)]
    pub smart_meter_cpa_assured: bool,
    /// Smart meter installed by a licensed gas or electricity supplier.
    #[serde(default)]
    pub licensed_supplier_installed: bool,
    /// Made available in Northern Ireland and within EU legislation listed in Annex 2 of the
    /// Windsor Framework that contains a free-movement provision.
    #[serde(default)]
    pub ni_eu_free_movement: bool,
}

/// Where a product is made available. `gb` (Great Britain) and `ni` (Northern Ireland) are
/// the UK; the others matter for the sister schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Region {
    Gb,
    Ni,
    Eu,
    Au,
    Sg,
    In,
    Jp,
    Us,
    Other,
}

impl Region {
    pub const ALL: &'static [Region] = &[
        Region::Gb,
        Region::Ni,
        Region::Eu,
        Region::Au,
        Region::Sg,
        Region::In,
        Region::Jp,
        Region::Us,
        Region::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::Gb => "gb",
            Region::Ni => "ni",
            Region::Eu => "eu",
            Region::Au => "au",
            Region::Sg => "sg",
            Region::In => "in",
            Region::Jp => "jp",
            Region::Us => "us",
            Region::Other => "other",
        }
    }

    /// Part of the United Kingdom (the PSTI regime's territory).
    pub fn is_uk(self) -> bool {
        matches!(self, Region::Gb | Region::Ni)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Region::Gb => "Great Britain",
            Region::Ni => "Northern Ireland",
            Region::Eu => "the European Union",
            Region::Au => "Australia",
            Region::Sg => "Singapore",
            Region::In => "India",
            Region::Jp => "Japan",
            Region::Us => "the United States",
            Region::Other => "other markets",
        }
    }
}

/// What kind of product it is. Decides the category-based Schedule 3 exceptions; the other
/// categories are documentation for readers and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Router,
    Camera,
    Doorbell,
    SmartSpeaker,
    SmartTv,
    StreamingDevice,
    GamesConsole,
    Toy,
    BabyMonitor,
    Wearable,
    Smartphone,
    Tablet,
    Laptop,
    Desktop,
    SmartMeter,
    EvChargePoint,
    MedicalDevice,
    Vehicle,
    SmartPlug,
    SmartLock,
    SmartLighting,
    Thermostat,
    SmartAppliance,
    Alarm,
    Hub,
    Printer,
    EReader,
    Peripheral,
    Other,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::Router,
        Category::Camera,
        Category::Doorbell,
        Category::SmartSpeaker,
        Category::SmartTv,
        Category::StreamingDevice,
        Category::GamesConsole,
        Category::Toy,
        Category::BabyMonitor,
        Category::Wearable,
        Category::Smartphone,
        Category::Tablet,
        Category::Laptop,
        Category::Desktop,
        Category::SmartMeter,
        Category::EvChargePoint,
        Category::MedicalDevice,
        Category::Vehicle,
        Category::SmartPlug,
        Category::SmartLock,
        Category::SmartLighting,
        Category::Thermostat,
        Category::SmartAppliance,
        Category::Alarm,
        Category::Hub,
        Category::Printer,
        Category::EReader,
        Category::Peripheral,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Router => "router",
            Category::Camera => "camera",
            Category::Doorbell => "doorbell",
            Category::SmartSpeaker => "smart-speaker",
            Category::SmartTv => "smart-tv",
            Category::StreamingDevice => "streaming-device",
            Category::GamesConsole => "games-console",
            Category::Toy => "toy",
            Category::BabyMonitor => "baby-monitor",
            Category::Wearable => "wearable",
            Category::Smartphone => "smartphone",
            Category::Tablet => "tablet",
            Category::Laptop => "laptop",
            Category::Desktop => "desktop",
            Category::SmartMeter => "smart-meter",
            Category::EvChargePoint => "ev-charge-point",
            Category::MedicalDevice => "medical-device",
            Category::Vehicle => "vehicle",
            Category::SmartPlug => "smart-plug",
            Category::SmartLock => "smart-lock",
            Category::SmartLighting => "smart-lighting",
            Category::Thermostat => "thermostat",
            Category::SmartAppliance => "smart-appliance",
            Category::Alarm => "alarm",
            Category::Hub => "hub",
            Category::Printer => "printer",
            Category::EReader => "e-reader",
            Category::Peripheral => "peripheral",
            Category::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_and_region_names_match_serde() {
        for c in Category::ALL {
            assert_eq!(
                serde_json::to_string(c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        for r in Region::ALL {
            assert_eq!(
                serde_json::to_string(r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        assert!(Region::Ni.is_uk() && !Region::Eu.is_uk());
    }
}
