//! The one table of finding codes of the `DISC` (vulnerability disclosure) and `SUPP` (support
//! period) families. Every finding this crate emits takes its code, name, severity and
//! requirements from here; `docs/site.md` holds the same table rendered by [`markdown`] (a test
//! keeps them equal). Codes never change meaning; retired codes are never reused.

use baseline_model::checks::{CheckInfo, Doc};
use baseline_model::Severity;

/// PSTI Sch. 1 para 2 and EN 303 645 provision 5.2-1 (published disclosure policy).
pub const REQ_DISCLOSURE: &[&str] = &["psti:sch1-p2", "en303645:5.2-1"];
/// PSTI Sch. 1 para 3 and EN 303 645 provision 5.3-13 (published support period).
pub const REQ_SUPPORT: &[&str] = &["psti:sch1-p3", "en303645:5.3-13"];

/// Whether a security.txt problem makes the file invalid (RFC 9116 MUST) or is advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// One documented code.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub level: Level,
    pub requirements: &'static [&'static str],
    /// What it checks.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What evidence the finding carries.
    pub evidence: &'static str,
    /// Known false positives.
    pub false_positives: &'static str,
    pub references: &'static str,
}

const STXT_EVIDENCE: &str = "The fetched URL (or file), the line number and the offending line.";

macro_rules! code {
    ($code:literal, $name:literal, $sev:ident, $level:ident, $req:expr, $what:expr, $why:expr, $ev:expr, $fp:expr, $refs:expr $(,)?) => {
        CodeInfo {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            level: Level::$level,
            requirements: $req,
            what: $what,
            why: $why,
            evidence: $ev,
            false_positives: $fp,
            references: $refs,
        }
    };
}

/// Every code, in code order.
pub const CODES: &[CodeInfo] = &[
    code!("DISC-001", "security-txt-missing", Low, Error, REQ_DISCLOSURE,
        "No security.txt was found at `/.well-known/security.txt` (nor at the legacy `/security.txt`) of the site.",
        "security.txt is the machine-readable way to publish the point of contact that PSTI Sch. 1 para 2 requires; without it researchers must search for a contact. It is not itself required by the Regulations.",
        "The URLs tried, their HTTP status or transport error.",
        "A manufacturer may publish its contact and policy elsewhere (the product file's `policy_url`); the disclosure outcome is decided on the policy, not on this finding.",
        "RFC 9116 §3; EN 303 645 5.2-1; PSTI Regulations 2023 Sch. 1 para 2."),
    code!("DISC-002", "security-txt-not-https", Medium, Error, REQ_DISCLOSURE,
        "security.txt was served over plain HTTP, or a redirect left HTTPS.",
        "RFC 9116 requires HTTPS so the contact details cannot be altered in transit.",
        "The URL chain with each status.", "None known.", "RFC 9116 §3."),
    code!("DISC-003", "security-txt-content-type", Low, Error, REQ_DISCLOSURE,
        "The Content-Type of security.txt is not `text/plain`, or names a charset other than UTF-8 (a missing charset is a warning).",
        "Clients may refuse or misread the file; an HTML page served at the path is usually a soft 404.",
        "The Content-Type header.", "Servers that omit the charset for plain ASCII files are common and harmless (warning only).", "RFC 9116 §3."),
    code!("DISC-004", "security-txt-not-utf8", Low, Error, REQ_DISCLOSURE,
        "The file is not valid UTF-8, or starts with a byte-order mark (warning).",
        "RFC 9116 requires UTF-8 text.", STXT_EVIDENCE, "None known.", "RFC 9116 §3, §4."),
    code!("DISC-005", "security-txt-contact-missing", Medium, Error, REQ_DISCLOSURE,
        "No `Contact` field.", "Contact is the one field that makes the file useful; RFC 9116 requires at least one.",
        "The file.", "None known.", "RFC 9116 §2.5.3."),
    code!("DISC-006", "security-txt-contact-invalid", Medium, Error, REQ_DISCLOSURE,
        "A `Contact` value is not a `mailto:`, `https:` or `tel:` URI (a bare e-mail address, `http:`, or free text).",
        "Tools and people cannot reliably use a contact that is not a URI of these schemes.", STXT_EVIDENCE,
        "None known.", "RFC 9116 §2.5.3."),
    code!("DISC-007", "security-txt-expires-missing", Medium, Error, REQ_DISCLOSURE,
        "No `Expires` field.", "Expires tells readers when the contact data may have gone stale; RFC 9116 requires exactly one.",
        "The file.", "Files written to the 2019-2021 drafts omit it; they are still invalid under the RFC.", "RFC 9116 §2.5.5."),
    code!("DISC-008", "security-txt-field-repeated", Low, Error, REQ_DISCLOSURE,
        "A field that may occur once (`Expires`, `Preferred-Languages`) occurs more than once.",
        "Readers cannot tell which value applies.", STXT_EVIDENCE, "None known.", "RFC 9116 §2.5.4, §2.5.5, §4."),
    code!("DISC-009", "security-txt-expires-invalid", Medium, Error, REQ_DISCLOSURE,
        "The `Expires` value is not an RFC 3339 date-time (a space instead of `T` is accepted with a warning).",
        "An unparseable expiry cannot be honoured.", STXT_EVIDENCE, "None known.", "RFC 9116 §2.5.5; RFC 3339 §5.6."),
    code!("DISC-010", "security-txt-expired", Medium, Error, REQ_DISCLOSURE,
        "The `Expires` date is in the past, as of the judging time (`--now`, or the fetch time of an archive).",
        "RFC 9116 says an expired file should not be used: the contact may no longer work.", STXT_EVIDENCE,
        "A file judged long after it was fetched; judge archives as of their fetch time.", "RFC 9116 §2.5.5."),
    code!("DISC-011", "security-txt-expires-far", Info, Warning, REQ_DISCLOSURE,
        "The `Expires` date is more than a year after the judging time.",
        "RFC 9116 recommends less than a year so the file is reviewed.", STXT_EVIDENCE, "None known.", "RFC 9116 §2.5.5."),
    code!("DISC-012", "security-txt-uri-not-https", Low, Error, REQ_DISCLOSURE,
        "A web URI in `Acknowledgments`, `Canonical`, `Encryption`, `Hiring`, `Policy` or `CSAF` uses `http://`.",
        "RFC 9116 requires web URIs to begin with `https://`.", STXT_EVIDENCE, "None known.", "RFC 9116 §2.5; CSAF 2.0 §7.1.8."),
    code!("DISC-013", "security-txt-uri-invalid", Low, Error, REQ_DISCLOSURE,
        "A field that takes a URI has an empty value or one that is not a URI (no scheme, spaces, an inline key in `Encryption`).",
        "The value cannot be followed.", STXT_EVIDENCE, "None known.", "RFC 9116 §2.5; RFC 3986."),
    code!("DISC-014", "security-txt-language-invalid", Low, Error, REQ_DISCLOSURE,
        "A `Preferred-Languages` entry is not a well-formed BCP 47 language tag (checked syntactically, not against the registry).",
        "Readers cannot tell which languages the team reads.", STXT_EVIDENCE, "Well-formed but unregistered tags pass.", "RFC 9116 §2.5.8; RFC 5646."),
    code!("DISC-015", "security-txt-canonical-mismatch", Low, Error, REQ_DISCLOSURE,
        "`Canonical` fields are present but none is the URL the file was fetched from (not checked for a local file unless `--url` is given).",
        "RFC 9116: the contents of such a file should not be trusted (it may be copied from another site).", STXT_EVIDENCE,
        "A site whose file is reached through a redirect listing only the final URL: the final URL is accepted.", "RFC 9116 §2.5.2."),
    code!("DISC-016", "security-txt-invalid-line", Low, Error, REQ_DISCLOSURE,
        "A line is neither a field (`Name: value`), a comment (`#`), a blank line nor a folded continuation of an extension field.",
        "The file does not follow the RFC 9116 grammar; parsers may drop it.", STXT_EVIDENCE,
        "None known.", "RFC 9116 §4; RFC 5322 §3.6.8."),
    code!("DISC-017", "security-txt-field-misspelt", Info, Warning, REQ_DISCLOSURE,
        "An unknown field that looks like a misspelt known field (`Acknowledgements`, `Expiry`, `Contacts`…), or a field without the space after the colon.",
        "Unknown fields are allowed and ignored by parsers, so the intended information is lost.", STXT_EVIDENCE,
        "An extension field that deliberately uses such a name.", "RFC 9116 §2.4, §4."),
    code!("DISC-018", "security-txt-too-large", Info, Warning, REQ_DISCLOSURE,
        "The file is larger than 32 KiB (or was cut off by the fetch size limit).",
        "RFC 9116 asks for a small, simple file; very large files are often not security.txt at all.",
        "The size.", "None known.", "RFC 9116 §3."),
    code!("DISC-019", "security-txt-signature-invalid", Medium, Error, REQ_DISCLOSURE,
        "The file carries an OpenPGP cleartext signature that does not verify against the key given (`--key`) or fetched from the `Encryption` URI, or the signed block is malformed (content outside it, broken armour).",
        "A signature that does not verify means the file may have been altered, or the key is wrong.",
        "The key fingerprints tried and the reason.", "The Encryption key may be a different key from the signing key; give the right one with `--key`.",
        "RFC 9116 §2.3; RFC 4880 §7."),
    code!("DISC-020", "security-txt-signature-unchecked", Info, Warning, REQ_DISCLOSURE,
        "The file is signed but the signature could not be checked (no key given and none reachable, or the key could not be read).",
        "A signature is only worth something once checked; this says plainly that it was not.",
        "Why it could not be checked.", "None.", "RFC 9116 §2.3."),
    code!("DISC-021", "security-txt-legacy-location", Info, Warning, REQ_DISCLOSURE,
        "security.txt is only at the legacy `/security.txt`, not at `/.well-known/security.txt`.",
        "RFC 9116 places it under `/.well-known/`; the top-level path is for legacy compatibility only.",
        "The URLs tried.", "None known.", "RFC 9116 §3."),
    code!("DISC-022", "security-txt-expires-lenient", Info, Warning, REQ_DISCLOSURE,
        "The `Expires` value uses a space instead of `T` between date and time.",
        "RFC 3339 allows it for readability but RFC 9116's grammar imports the strict form; strict parsers reject it.",
        STXT_EVIDENCE, "None known.", "RFC 3339 §5.6; RFC 9116 §4."),
    code!("DISC-101", "disclosure-policy-missing", High, Error, REQ_DISCLOSURE,
        "No vulnerability disclosure policy could be located: no `policy_url` in the product file or on the command line, no `Policy` field in security.txt, and no link to one from the pages fetched.",
        "PSTI Sch. 1 para 2 requires the manufacturer to publish information on how to report security issues; EN 303 645 5.2-1 requires a published vulnerability disclosure policy.",
        "The places looked at.", "The policy may be published where no automatic search reaches (a PDF manual, a page behind a search form); give its URL.",
        "PSTI Regulations 2023 Sch. 1 para 2; EN 303 645 5.2-1."),
    code!("DISC-102", "disclosure-policy-unreachable", High, Error, REQ_DISCLOSURE,
        "The disclosure policy URL could not be fetched (transport error, HTTP error status, size limit).",
        "Information that cannot be reached is not published.", "The URL chain, status or error.",
        "A temporary outage; fetch again later and keep both archives.", "PSTI Regulations 2023 Sch. 1 para 2."),
    code!("DISC-103", "disclosure-policy-access-barrier", High, Error, REQ_DISCLOSURE,
        "The policy page asks the reader to log in, pay, or give personal information before the information is shown (HTTP 401/402/407, a password field, a redirect to a sign-in page, or sign-in wording with little other text).",
        "PSTI Sch. 1 para 2 requires the information to be available without prior request, free of charge and without requesting personal information; a login wall defeats this.",
        "The URL chain, status and the matching phrase or form field.",
        "A page that merely offers an optional sign-in next to the full policy; the check needs little other text before it calls a wall.",
        "PSTI Regulations 2023 Sch. 1 para 2 (accessible, free of charge, no personal information) [uncertain: sub-paragraph numbering]."),
    code!("DISC-104", "disclosure-contact-missing", High, Error, REQ_DISCLOSURE,
        "The policy text gives no point of contact: no e-mail address, no `mailto:` link, no reporting form or platform link, no telephone number.",
        "Para 2 requires at least one point of contact for reporting security issues.",
        "The policy URL and its text length.", "A contact given only as an image, or in a script-built form.", "PSTI Regulations 2023 Sch. 1 para 2; EN 303 645 5.2-1."),
    code!("DISC-105", "disclosure-acknowledgement-timeline-missing", Medium, Error, REQ_DISCLOSURE,
        "The policy does not say when a reporter will receive an acknowledgement of receipt (a phrase about acknowledging/confirming/responding near a time such as \"within 5 working days\").",
        "Para 2 requires information on when the reporter will receive an acknowledgement of receipt.",
        "The sentences that mention acknowledgement, if any.", "Wording the heuristics do not know; the outcome is then inconclusive, not a pass.",
        "PSTI Regulations 2023 Sch. 1 para 2."),
    code!("DISC-106", "disclosure-status-updates-missing", Medium, Error, REQ_DISCLOSURE,
        "The policy does not say when the reporter will receive status updates until the issue is resolved.",
        "Para 2 requires information on when status updates will be given until the issue is resolved.",
        "The sentences that mention updates, if any.", "Wording the heuristics do not know; the outcome is then inconclusive.",
        "PSTI Regulations 2023 Sch. 1 para 2."),
    code!("DISC-107", "disclosure-policy-not-english", Medium, Error, REQ_DISCLOSURE,
        "The policy text does not appear to be in English (on pages of 30 words or more, under 10 % common English words; or a non-English `html lang` with under 20 %).",
        "PSTI Sch. 1 para 2 requires the information to be in English.",
        "The measured share and the `lang` attribute.", "Very short pages made mostly of addresses and links.",
        "PSTI Regulations 2023 Sch. 1 para 2."),
    code!("DISC-108", "disclosure-commitments-stated", Info, Info, REQ_DISCLOSURE,
        "Records the commitments found in the policy, quoted: the point of contact, the acknowledgement time and the status-update promise.",
        "Labs and regulators need the exact words the verdict rests on.",
        "Quoted sentences with the policy URL.", "A quoted sentence may be a negative (\"we cannot promise to respond within 5 days\"); read the quote.",
        "PSTI Regulations 2023 Sch. 1 para 2."),
    code!("SUPP-001", "support-period-missing", High, Error, REQ_SUPPORT,
        "No statement of a support period (the minimum time security updates will be provided) was found on the support-period page or the product page.",
        "PSTI Sch. 1 para 3 requires the defined support period to be published; EN 303 645 5.3-13 requires it to be published in an accessible, clear and transparent way.",
        "The pages looked at.", "A statement in an image, a PDF, or a script-built page.", "PSTI Regulations 2023 Sch. 1 para 3; EN 303 645 5.3-13."),
    code!("SUPP-002", "support-period-unreachable", High, Error, REQ_SUPPORT,
        "The support-period page or the purchase page could not be fetched.",
        "Information that cannot be reached is not published.", "The URL chain, status or error.",
        "A temporary outage.", "PSTI Regulations 2023 Sch. 1 para 3."),
    code!("SUPP-003", "support-period-no-end-date", High, Error, REQ_SUPPORT,
        "The support period is stated as a length (\"5 years from purchase\") or open-ended wording, not as a period ending on a specific date.",
        "The Regulations define the defined support period as a period ending on a specific date; a relative period does not meet the definition.",
        "The quoted statement.", "A page that gives a relative period and, elsewhere, an end date: the end date is taken and this is not raised.",
        "PSTI Regulations 2023 Sch. 1 para 3(2) and the definition of defined support period."),
    code!("SUPP-004", "support-period-not-with-purchase", Medium, Error, REQ_SUPPORT,
        "The page that invites purchase (the product file's `purchase_url`) neither states the support period nor links to the support-period page.",
        "Para 3(5) requires the information to be published alongside an invitation to purchase on the manufacturer's own website, with comparable prominence.",
        "The purchase URL and what was looked for.", "Retail pages built by scripts after load; the fetcher does not run scripts.",
        "PSTI Regulations 2023 Sch. 1 para 3(5)."),
    code!("SUPP-005", "support-period-shortened", High, Error, REQ_SUPPORT,
        "A later fetch states an earlier end date than an earlier archive (`--previous DIR`).",
        "The Regulations forbid shortening a published defined support period.",
        "Both statements, both URLs and both fetch times.", "Two different products described on one page; compare the quotes.",
        "PSTI Regulations 2023 Sch. 1 para 3 [uncertain: sub-paragraph]."),
    code!("SUPP-006", "support-period-unclear", Low, Warning, REQ_SUPPORT,
        "The statement may not be understandable without technical knowledge: a sentence over 35 words, or jargon (EOL, EoS, LTS, CVE, OTA, SLA, firmware lifecycle) without a plain-words explanation.",
        "Para 3(4) requires the information to be accessible, clear and transparent, and understandable by a reader without prior technical knowledge.",
        "The quoted statement and which heuristic fired.", "Heuristics only; a person should read the quote.",
        "PSTI Regulations 2023 Sch. 1 para 3(4); EN 303 645 5.3-13."),
    code!("SUPP-007", "support-period-stated", Info, Info, REQ_SUPPORT,
        "Records the support-period statement found and its end date, quoted.",
        "Labs and regulators need the exact words the verdict rests on.",
        "The quoted statement, end date and URL.", "A date near the keywords that is not the end date (a publication date); read the quote.",
        "PSTI Regulations 2023 Sch. 1 para 3."),
    code!("SUPP-008", "support-period-ended", Medium, Warning, REQ_SUPPORT,
        "The stated end date is before the judging time.",
        "A product still offered for sale whose support period has ended gets no more security updates; buyers must be told.",
        "The quoted statement and the end date.", "None known.", "PSTI Regulations 2023 Sch. 1 para 3."),
];

impl CodeInfo {
    /// This code's entry in the model's finding-code registry (`baseline checks`, SARIF rules,
    /// docs/checks.md).
    pub const fn check(&self) -> CheckInfo {
        CheckInfo {
            code: self.code,
            name: self.name,
            severity: self.severity,
            summary: self.what,
            requirements: self.requirements,
            doc: Doc::Sections {
                what: self.what,
                why: self.why,
                evidence: self.evidence,
                false_positives: self.false_positives,
                references: self.references,
            },
        }
    }
}

/// Every DISC and SUPP code as registry entries, in code order.
pub fn checks() -> Vec<CheckInfo> {
    CODES.iter().map(CodeInfo::check).collect()
}

/// Look a code up by its `FAMILY-NNN` code.
pub fn info(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

/// The code table as Markdown, as it appears in `docs/site.md`.
pub fn markdown() -> String {
    let mut s = String::new();
    for c in CODES {
        s.push_str(&format!(
            "### {} {}\n\nSeverity {}; {}; informs {}.\n\n- **What:** {}\n- **Why:** {}\n- **Evidence:** {}\n- **False positives:** {}\n- **References:** {}\n\n",
            c.code,
            c.name,
            c.severity.as_str(),
            match c.level {
                Level::Error => "an error",
                Level::Warning => "a warning",
                Level::Info => "informational",
            },
            c.requirements.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "),
            c.what,
            c.why,
            c.evidence,
            c.false_positives,
            c.references
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_kebab() {
        for w in CODES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for c in CODES {
            assert!(c
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'));
            assert!(c.code.starts_with("DISC-") || c.code.starts_with("SUPP-"));
        }
    }

    /// Every `DISC-NNN`/`SUPP-NNN` literal in this crate's sources is a registered code, so
    /// `finding()`'s fallback for an unknown code is never taken.
    #[test]
    fn every_code_the_crate_emits_is_registered() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("disclosure.rs"),
            include_str!("support.rs"),
            include_str!("securitytxt.rs"),
            include_str!("archive.rs"),
            include_str!("fetch.rs"),
            include_str!("text.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for (i, _) in src.match_indices('"') {
                let rest = &src[i + 1..];
                for prefix in ["DISC-", "SUPP-"] {
                    if let Some(num) = rest.strip_prefix(prefix) {
                        let digits: String = num.chars().take_while(char::is_ascii_digit).collect();
                        if digits.len() == 3 && num[3..].starts_with('"') {
                            let code = format!("{prefix}{digits}");
                            assert!(
                                info(&code).is_some(),
                                "{code} is emitted but not registered"
                            );
                            seen += 1;
                        }
                    }
                }
            }
        }
        assert!(
            seen > 20,
            "only {seen} code literals found: the scan is broken"
        );
    }

    /// docs/site.md carries the rendered table between markers; set BASELINE_BLESS=1 to rewrite it.
    #[test]
    fn docs_table_matches_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/site.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let (begin, end) = ("<!-- codes:begin -->\n", "<!-- codes:end -->");
        let a = doc.find(begin).unwrap() + begin.len();
        let b = doc.find(end).unwrap();
        let want = markdown();
        if std::env::var_os("BASELINE_BLESS").is_some() {
            let new = format!("{}{}{}", &doc[..a], want, &doc[b..]);
            std::fs::write(path, new).unwrap();
            return;
        }
        assert_eq!(
            &doc[a..b],
            want,
            "docs/site.md code table is stale: run with BASELINE_BLESS=1"
        );
    }
}
