//! EN 303 645 V2.1.1 clause 5.3 (Keep software updated): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.3-1",
        eval: p5_3_1,
    },
    Rule {
        id: "5.3-2",
        eval: p5_3_2,
    },
    Rule {
        id: "5.3-3",
        eval: p5_3_3,
    },
    Rule {
        id: "5.3-4",
        eval: p5_3_4,
    },
    Rule {
        id: "5.3-5",
        eval: p5_3_5,
    },
    Rule {
        id: "5.3-6",
        eval: p5_3_6,
    },
    Rule {
        id: "5.3-7",
        eval: p5_3_7,
    },
    Rule {
        id: "5.3-8",
        eval: p5_3_8,
    },
    Rule {
        id: "5.3-9",
        eval: p5_3_9,
    },
    Rule {
        id: "5.3-10",
        eval: p5_3_10,
    },
    Rule {
        id: "5.3-11",
        eval: p5_3_11,
    },
    Rule {
        id: "5.3-12",
        eval: p5_3_12,
    },
    Rule {
        id: "5.3-13",
        eval: p5_3_13,
    },
    Rule {
        id: "5.3-14",
        eval: p5_3_14,
    },
    Rule {
        id: "5.3-15",
        eval: p5_3_15,
    },
    Rule {
        id: "5.3-16",
        eval: p5_3_16,
    },
];

/// 5.3-1: All software components securely updateable.
fn p5_3_1(cx: &Ctx) -> Decision {
    cx.check("5.3-1").ixit(&["update_mechanism"]).finish()
}

/// 5.3-2: Secure update mechanism (non-constrained device).
///
/// UPD findings (unsigned or unauthenticated updates) fail it.
fn p5_3_2(cx: &Ctx) -> Decision {
    cx.check("5.3-2").ixit(&["update_mechanism"]).finish()
}

/// 5.3-3: Updates simple for user to apply.
fn p5_3_3(cx: &Ctx) -> Decision {
    cx.check("5.3-3").ixit(&["update_procedure"]).finish()
}

/// 5.3-4: Automatic update mechanisms.
fn p5_3_4(cx: &Ctx) -> Decision {
    cx.check("5.3-4").ixit(&["update_procedure"]).finish()
}

/// 5.3-5: Check for security updates after init and periodically.
fn p5_3_5(cx: &Ctx) -> Decision {
    cx.check("5.3-5").ixit(&["update_procedure"]).finish()
}

/// 5.3-6: Auto-updates/notifications on by default, user-configurable.
fn p5_3_6(cx: &Ctx) -> Decision {
    cx.check("5.3-6").ixit(&["update_procedure"]).finish()
}

/// 5.3-7: Best-practice cryptography for update mechanism.
fn p5_3_7(cx: &Ctx) -> Decision {
    cx.check("5.3-7").ixit(&["update_mechanism"]).finish()
}

/// 5.3-8: Security updates timely.
///
/// VULN findings (a known exploited or high-severity vulnerability still in the image) fail it.
fn p5_3_8(cx: &Ctx) -> Decision {
    cx.check("5.3-8")
        .ixit(&["update_procedure"])
        .finish()
        .explain_vulns(cx, "Security updates have not come in good time")
}

/// 5.3-9: Device verifies authenticity and integrity of updates.
fn p5_3_9(cx: &Ctx) -> Decision {
    cx.check("5.3-9").ixit(&["update_mechanism"]).finish()
}

/// 5.3-10: Network-delivered updates verified via trust relationship.
fn p5_3_10(cx: &Ctx) -> Decision {
    cx.check("5.3-10").ixit(&["update_mechanism"]).finish()
}

/// 5.3-11: Inform user an update is required and risks mitigated.
fn p5_3_11(cx: &Ctx) -> Decision {
    cx.check("5.3-11").ixit(&["update_procedure"]).finish()
}

/// 5.3-12: Notify user when update disrupts basic functioning.
fn p5_3_12(cx: &Ctx) -> Decision {
    cx.check("5.3-12").ixit(&["update_procedure"]).finish()
}

/// 5.3-13: The defined support period is published in an accessible, clear and transparent way.
///
/// SUPP findings from the manufacturer's site fail it; PSTI's end-date condition is checked in the PSTI verdicts.
fn p5_3_13(cx: &Ctx) -> Decision {
    cx.check("5.3-13")
        .refs(&["psti:sch1-p3", "psti:sch1-p3-2"])
        .ixit(&["support_period_end", "support_period_url"])
        .finish()
}

/// 5.3-14: Non-updatable constrained device: publish rationale, replacement and support period.
fn p5_3_14(cx: &Ctx) -> Decision {
    cx.check("5.3-14").ixit(&["replacement_support"]).finish()
}

/// 5.3-15: Non-updatable constrained device: isolable and hardware replaceable.
fn p5_3_15(cx: &Ctx) -> Decision {
    cx.check("5.3-15").ixit(&["replacement_support"]).finish()
}

/// 5.3-16: Model designation clearly recognizable.
fn p5_3_16(cx: &Ctx) -> Decision {
    cx.check("5.3-16").ixit(&["model_designation"]).finish()
}
