//! EN 303 645 V2.1.1 clause 5.2 (Implement a means to manage reports of vulnerabilities): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.2-1",
        eval: p5_2_1,
    },
    Rule {
        id: "5.2-2",
        eval: p5_2_2,
    },
    Rule {
        id: "5.2-3",
        eval: p5_2_3,
    },
];

/// 5.2-1: A vulnerability disclosure policy is published (contact point, acknowledgement and status-update timelines).
///
/// DISC findings from the manufacturer's site (no security.txt, no policy) fail it.
fn p5_2_1(cx: &Ctx) -> Decision {
    cx.check("5.2-1")
        .refs(&[
            "psti:sch1-p2",
            "psti:sch1-p2-contact",
            "psti:sch1-p2-timescales",
        ])
        .ixit(&["disclosure_policy_url"])
        .finish()
}

/// 5.2-2: Act on disclosed vulnerabilities in a timely manner.
fn p5_2_2(cx: &Ctx) -> Decision {
    cx.check("5.2-2")
        .ixit(&["vulnerability_monitoring"])
        .finish()
}

/// 5.2-3: Monitor, identify and rectify vulnerabilities during support period.
///
/// VULN findings about known, unfixed vulnerabilities (in CISA KEV, or CVSS ≥ 7) fail it.
fn p5_2_3(cx: &Ctx) -> Decision {
    cx.check("5.2-3")
        .ixit(&["vulnerability_monitoring"])
        .finish()
        .explain_vulns(cx, "Vulnerabilities are not being found and fixed")
}
