//! Known vulnerabilities (VULN): the registry entries and documentation of the VULN codes.
//!
//! Owns: the [`CheckInfo`] of each VULN code, so `baseline checks`, SARIF rules and
//! docs/checks.md describe them like every other family; [`crate::findings`] builds every
//! VULN finding from these entries.

use baseline_model::checks::{CheckInfo, Doc};
use baseline_model::Severity;

/// Every VULN check, in code order.
pub const CHECKS: &[CheckInfo] = &[KNOWN_EXPLOITED, HIGH_SEVERITY, KNOWN];

/// Provisions a known, unfixed vulnerability in a shipped component informs: 5.2-3
/// (vulnerabilities are found and fixed during the support period) and 5.3-8 (security
/// updates are timely).
const REQS: &[&str] = crate::REQUIREMENTS;

/// VULN-001.
pub const KNOWN_EXPLOITED: CheckInfo = CheckInfo {
    code: "VULN-001",
    name: "known-exploited-vulnerability",
    severity: Severity::Critical,
    summary:
        "A shipped component or the device has a vulnerability known to be exploited (CISA KEV)",
    requirements: REQS,
    doc: Doc::Markdown(const_format_doc::KNOWN_EXPLOITED),
};

/// VULN-002.
pub const HIGH_SEVERITY: CheckInfo = CheckInfo {
    code: "VULN-002",
    name: "high-severity-vulnerability",
    severity: Severity::High,
    summary: "A shipped component or the device has a known vulnerability with CVSS 7.0 or more (high or critical)",
    requirements: REQS,
    doc: Doc::Markdown(const_format_doc::HIGH_SEVERITY),
};

/// VULN-003.
pub const KNOWN: CheckInfo = CheckInfo {
    code: "VULN-003",
    name: "known-vulnerability",
    severity: Severity::Low,
    summary: "A shipped component or the device has another known vulnerability (CVSS below 7.0 or not scored)",
    requirements: REQS,
    doc: Doc::Markdown(const_format_doc::KNOWN),
};

/// The docs, assembled at compile time from the shared paragraphs.
mod const_format_doc {
    macro_rules! doc {
        ($what:literal, $why:literal, $sev:literal) => {
            concat!(
                "**What it checks.** ",
                $what,
                "\n\n**Why it matters.** ",
                $why,
                "\n\n**Severity.** ",
                $sev,
                "\n\n",
                "**Evidence.** The component (name, version, and the file path and offset where it was \
identified, from its COMP evidence), the vulnerability id, CVSS scores (v2, v3.x, v4 where the \
record has them), whether it is in the CISA KEV catalogue (and since when), the EPSS score when \
loaded, the VEX state, and why it matched: the CPE match string and version range, or the OSV \
range, and the platform (\"running on\") CPE when the record has one. Matches the evidence \
shows not to apply (VEX `not_affected`, e.g. a BusyBox CVE in an applet the binary lacks) \
produce no finding; they stay in the assessment's `vulnerabilities` with their justification.",
                "\n\n",
                "**Known false positives.** A version identified from a string can be wrong (vendor back-ports \
fix the code but keep the version); NVD ranges are sometimes broader than the affected code; \
the store is only as current as its last import (`baseline vulndb status`). The finding's \
confidence is the component's.",
                "\n\n**References.** ETSI EN 303 645 V2.1.1 provisions 5.2-3 and 5.3-8; \
ETSI TS 103 701 test group 5.2-3; CISA Known Exploited Vulnerabilities catalogue; \
FIRST CVSS and EPSS; NVD CVE API 2.0; CycloneDX VEX."
            )
        };
    }

    pub const KNOWN_EXPLOITED: &str = doc!(
        "A component of the image (from COMP-001/002) or the device and its firmware (COMP-003) \
matches a vulnerability record of the offline store (`baseline vulndb import`) that is in the \
CISA Known Exploited Vulnerabilities catalogue, and the evidence does not show it not to apply.",
        "A vulnerability attackers are known to exploit, shipped unfixed, is the clearest sign \
that vulnerabilities are not being found and fixed (5.2-3) nor security updates delivered in \
time (5.3-8); the EU CRA asks for no known exploitable vulnerabilities at placing on the market.",
        "critical, whatever the CVSS score: exploitation is a fact, not a likelihood."
    );

    pub const HIGH_SEVERITY: &str = doc!(
        "A component of the image or the device matches a vulnerability record of the offline \
store that is not in KEV and whose CVSS base score (v4, else v3.x, else v2) is 7.0 or more, \
and the evidence does not show it not to apply.",
        "A published high or critical vulnerability left in a shipped image means it was not \
rectified (5.2-3) and no timely security update replaced the component (5.3-8).",
        "high; it decides the provisions it informs (fail)."
    );

    pub const KNOWN: &str = doc!(
        "A component of the image or the device matches a vulnerability record of the offline \
store that is not in KEV and has a CVSS base score below 7.0 or none, and the evidence does \
not show it not to apply.",
        "Lower-severity known vulnerabilities are context for 5.2-3 and 5.3-8: they belong in the \
manufacturer's vulnerability handling, but on their own they do not fail a provision.",
        "low: reported, not deciding (provisions fail on findings of medium severity or above)."
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use baseline_model::Confidence;

    /// The findings [`crate::findings`] builds carry these entries' codes, names and
    /// requirements, at or below the registered severity.
    #[test]
    fn findings_agree_with_the_entries() {
        for c in CHECKS {
            let f = c.finding(c.severity, Confidence::High, "t".into());
            assert_eq!(f.requirements, crate::REQUIREMENTS);
            assert!(c.doc.markdown().contains("**References.**"), "{}", c.code);
        }
        assert_eq!(KNOWN_EXPLOITED.severity, Severity::Critical);
        assert_eq!(HIGH_SEVERITY.severity, Severity::High);
        assert_eq!(KNOWN.severity, Severity::Low);
    }
}
