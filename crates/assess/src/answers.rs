//! The answers file (`answers.toml`, format in `docs/answers.md`): the manufacturer's
//! EN 303 645 Annex B implementation conformance statement (ICS: per provision, supported
//! yes / no / n/a with a justification), the TS 103 701 IXIT information (how passwords are
//! generated, the update procedure, the support period, the disclosure policy…) and the
//! Annex B conditions. Parsed from text with errors that name the file, line and field.
//!
//! Never reads files and never decides verdicts: the rules read [`Answers`].

use crate::AssessError;
use baseline_catalogue::Catalogue;
use baseline_model::ConditionFacts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// ICS support value (EN 303 645 Annex B "Support" column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Support {
    #[serde(rename = "yes")]
    Yes,
    #[serde(rename = "no")]
    No,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Yes => "yes",
            Support::No => "no",
            Support::NotApplicable => "n/a",
        }
    }
}

/// One ICS row: support and the "Detail" column (measures, reason for non-support, or why
/// the provision does not apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IcsEntry {
    pub support: Support,
    #[serde(default)]
    pub detail: String,
}

/// A parsed answers file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Annex B conditions (override the product file's).
    #[serde(default, skip_serializing_if = "ConditionFacts::is_empty")]
    pub conditions: ConditionFacts,
    /// ICS rows keyed by EN 303 645 V2.1.1 provision id (`"5.1-1"`).
    #[serde(default)]
    pub ics: BTreeMap<String, IcsEntry>,
    /// IXIT information keyed by [`IXIT_KEYS`] names.
    #[serde(default)]
    pub ixit: BTreeMap<String, String>,
}

/// One IXIT item the answers file may give.
#[derive(Debug, Clone, Copy)]
pub struct IxitKey {
    pub key: &'static str,
    /// TS 103 701 IXIT section it belongs to.
    pub section: &'static str,
    pub help: &'static str,
}

/// Every IXIT key, in template order.
pub const IXIT_KEYS: &[IxitKey] = &[
    IxitKey { key: "password_generation", section: "1-AuthMech", help: "How pre-installed passwords are generated (per-unit random, user-set at first use…), and why they are not counters, public or serial-derived" },
    IxitKey { key: "authentication_mechanism", section: "1-AuthMech", help: "How users authenticate to the device and the cryptography used" },
    IxitKey { key: "password_change", section: "1-AuthMech", help: "How a user or administrator changes the authentication value" },
    IxitKey { key: "brute_force_protection", section: "1-AuthMech", help: "Rate limiting, lock-out or delays against brute force over network interfaces" },
    IxitKey { key: "disclosure_policy_url", section: "2-UserInfo", help: "URL of the published vulnerability disclosure policy" },
    IxitKey { key: "disclosure_contact", section: "2-UserInfo", help: "Point of contact for reporting security issues (e-mail or form URL)" },
    IxitKey { key: "disclosure_acknowledgement", section: "2-UserInfo", help: "When a reporter receives an acknowledgement (e.g. within 5 working days)" },
    IxitKey { key: "disclosure_status_updates", section: "2-UserInfo", help: "When a reporter receives status updates until resolution" },
    IxitKey { key: "vulnerability_monitoring", section: "5-VulnMon", help: "How vulnerabilities in the product and its components are monitored and acted on" },
    IxitKey { key: "update_mechanism", section: "7-UpdMech", help: "The update mechanism: delivery, signature verification, trust anchor" },
    IxitKey { key: "update_procedure", section: "8-UpdProc", help: "How users apply updates, automatic checks, notifications, timeliness" },
    IxitKey { key: "support_period_end", section: "2-UserInfo", help: "End date of the defined support period, YYYY-MM-DD (PSTI: a period ending on a date)" },
    IxitKey { key: "support_period_url", section: "2-UserInfo", help: "URL where the defined support period is published" },
    IxitKey { key: "support_period_on_purchase_page", section: "2-UserInfo", help: "yes/no: the support period appears beside the invitation to purchase on the manufacturer's own site" },
    IxitKey { key: "replacement_support", section: "9-ReplSup", help: "For non-updatable constrained devices: replacement rationale and method" },
    IxitKey { key: "model_designation", section: "2-UserInfo", help: "Where the model designation is shown (label, interface)" },
    IxitKey { key: "security_parameters", section: "10-SecParam", help: "How security parameters are stored and provisioned (per-unit keys, secure storage)" },
    IxitKey { key: "communication", section: "11-ComMech", help: "Communication mechanisms and their cryptography (TLS versions, certificate validation)" },
    IxitKey { key: "secure_management", section: "14-SecMgmt", help: "Secure management processes for critical security parameters" },
    IxitKey { key: "interfaces", section: "15-Intf", help: "Network, logical and physical interfaces, which are enabled and why; debug interfaces" },
    IxitKey { key: "software_services", section: "13-SoftServ", help: "Software services enabled by default and why they are needed" },
    IxitKey { key: "code_minimisation", section: "16-CodeMin", help: "How code is minimised to what the product needs" },
    IxitKey { key: "privilege_control", section: "17-PrivlCtrl", help: "How software runs with least privilege" },
    IxitKey { key: "access_control", section: "18-AccCtrl", help: "Hardware-level memory access control" },
    IxitKey { key: "secure_development", section: "19-SecDev", help: "Secure development process followed" },
    IxitKey { key: "secure_boot", section: "20-SecBoot", help: "Secure boot and detection of unauthorised software change" },
    IxitKey { key: "personal_data", section: "21-PersData", help: "Personal data processed, its protection in transit, consent handling" },
    IxitKey { key: "external_sensors", section: "22-ExtSens", help: "External sensing capabilities and where they are documented" },
    IxitKey { key: "resilience", section: "23-ResMech", help: "Behaviour on network or power loss" },
    IxitKey { key: "telemetry", section: "24-TelData", help: "Telemetry collected, how it is examined and what users are told" },
    IxitKey { key: "deletion", section: "25-DelFunc", help: "How user data is erased from the device and associated services" },
    IxitKey { key: "user_guidance", section: "26-UserDec", help: "Set-up and maintenance guidance and where it is published" },
    IxitKey { key: "input_validation", section: "29-InpVal", help: "How input via user interfaces, APIs and networks is validated" },
];

/// Parse and check an answers file. `file` is only used in messages.
pub fn parse_answers(
    text: &str,
    file: &str,
    catalogue: &Catalogue,
) -> Result<Answers, AssessError> {
    let answers: Answers =
        toml::from_str(text).map_err(|e| match crate::product_file::from_toml(text, file, &e) {
            AssessError::ProductFile {
                file,
                line,
                column,
                field,
                message,
            } => AssessError::AnswersFile {
                file,
                line,
                column,
                field,
                message: message.replace("docs/product.md", "docs/answers.md"),
            },
            other => other,
        })?;
    let err = |line: Option<usize>, field: String, message: String| AssessError::AnswersFile {
        file: file.to_owned(),
        line,
        column: None,
        field: Some(field),
        message,
    };
    for (id, entry) in &answers.ics {
        let line = line_of_quoted(text, id);
        let reference = format!("{}:{id}", baseline_catalogue::HUB_SCHEME);
        let Some(req) = catalogue.get(&reference) else {
            let hints = catalogue.suggest(&reference);
            let hint = if hints.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", hints.join(", "))
            };
            return Err(err(
                line,
                format!("ics.{id}"),
                format!("`ics.\"{id}\"` is not an EN 303 645 V2.1.1 provision{hint}"),
            ));
        };
        let conditional = req.status.as_ref().is_some_and(|s| s.is_conditional());
        if entry.support == Support::NotApplicable && !conditional {
            return Err(err(
                line,
                format!("ics.{id}.support"),
                format!(
                    "`ics.\"{id}\".support` is \"n/a\" but {id} is unconditional ({}): Annex B \
                     allows N/A only for conditional provisions",
                    req.status
                        .as_ref()
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                ),
            ));
        }
        if entry.support != Support::Yes && entry.detail.trim().is_empty() {
            return Err(err(
                line,
                format!("ics.{id}.detail"),
                format!(
                    "`ics.\"{id}\"` says \"{}\" without a `detail`: give the reason (EN 303 645 \
                     4-1 and Annex B)",
                    entry.support.as_str()
                ),
            ));
        }
    }
    for (key, value) in &answers.ixit {
        let line = crate::product_file::line_of(text, "ixit", key);
        if !IXIT_KEYS.iter().any(|k| k.key == key) {
            let hint = baseline_catalogue::suggest_among(key, IXIT_KEYS.iter().map(|k| k.key));
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", hint.join(", "))
            };
            return Err(err(
                line,
                format!("ixit.{key}"),
                format!("unknown IXIT key `ixit.{key}`{hint} (see docs/answers.md)"),
            ));
        }
        if value.trim().is_empty() {
            return Err(err(
                line,
                format!("ixit.{key}"),
                format!("`ixit.{key}` is empty: leave it out instead"),
            ));
        }
    }
    Ok(answers)
}

/// 1-based line where `"id"` first appears quoted (an `[ics."id"]` header or `"id" = …`).
fn line_of_quoted(text: &str, id: &str) -> Option<usize> {
    let needle = format!("\"{id}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|i| i + 1)
}

/// `YYYY-MM-DD`, a date that exists (not 2024-02-31), from 1970 on.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return false;
    }
    jiff::civil::Date::strptime("%Y-%m-%d", s).is_ok_and(|d| d.year() >= 1970)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalogue {
        Catalogue::embedded()
    }

    #[test]
    fn parses_ics_ixit_and_conditions() {
        let text = r#"
[conditions]
passwords_used = true
constrained = false

[ics."5.1-1"]
support = "yes"
detail = "per-unit random password printed on the label"

[ics]
"5.3-14" = { support = "n/a", detail = "software is updatable" }

[ixit]
support_period_end = "2030-12-31"
"#;
        let a = parse_answers(text, "a.toml", cat()).unwrap();
        assert_eq!(a.conditions.get(5), Some(true));
        assert_eq!(a.ics["5.1-1"].support, Support::Yes);
        assert_eq!(a.ics["5.3-14"].support, Support::NotApplicable);
        assert_eq!(a.ixit["support_period_end"], "2030-12-31");
    }

    #[test]
    fn unknown_provision_names_line_and_suggestion() {
        let text = "[ics.\"5.1-9\"]\nsupport = \"yes\"\n";
        let e = parse_answers(text, "a.toml", cat())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("a.toml:1: `ics.\"5.1-9\"` is not an EN 303 645"),
            "{e}"
        );
    }

    #[test]
    fn na_on_unconditional_provision_is_refused() {
        let text = "[ics.\"5.4-1\"]\nsupport = \"n/a\"\ndetail = \"x\"\n";
        let e = parse_answers(text, "a.toml", cat())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unconditional (M)"), "{e}");
    }

    #[test]
    fn no_without_detail_is_refused() {
        let text = "[ics.\"5.6-3\"]\nsupport = \"no\"\n";
        let e = parse_answers(text, "a.toml", cat())
            .unwrap_err()
            .to_string();
        assert!(e.contains("without a `detail`"), "{e}");
    }

    #[test]
    fn bad_support_value_and_unknown_ixit_key_are_located() {
        let text = "[ics.\"5.1-1\"]\nsupport = \"maybe\"\n";
        let e = parse_answers(text, "a.toml", cat())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("a.toml:2:"), "{e}");
        assert!(e.contains("maybe"), "{e}");
        let text = "[ixit]\nsupport_period_ned = \"2030-01-01\"\n";
        let e = parse_answers(text, "a.toml", cat())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("a.toml:2: unknown IXIT key `ixit.support_period_ned`; did you mean support_period_end"),
            "{e}"
        );
    }

    #[test]
    fn iso_dates() {
        assert!(is_iso_date("2030-12-31"));
        assert!(!is_iso_date("5 years"));
        assert!(!is_iso_date("2030-13-01"));
        // Dates that do not exist were accepted by the hand-written check before jiff.
        assert!(!is_iso_date("2024-02-31"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("1969-12-31"));
        assert!(!is_iso_date("+024-02-01"));
    }
}
