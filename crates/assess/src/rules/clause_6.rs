//! EN 303 645 V2.1.1 clause 6 (Data protection provisions for consumer IoT): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "6-1",
        eval: p6_1,
    },
    Rule {
        id: "6-2",
        eval: p6_2,
    },
    Rule {
        id: "6-3",
        eval: p6_3,
    },
    Rule {
        id: "6-4",
        eval: p6_4,
    },
    Rule {
        id: "6-5",
        eval: p6_5,
    },
];

/// 6-1: Clear information on personal data processing, incl. third parties.
fn p6_1(cx: &Ctx) -> Decision {
    cx.check("6-1").ixit(&["personal_data"]).finish()
}

/// 6-2: Valid consent where processing relies on consent.
fn p6_2(cx: &Ctx) -> Decision {
    cx.check("6-2").ixit(&["personal_data"]).finish()
}

/// 6-3: Consent withdrawable at any time.
fn p6_3(cx: &Ctx) -> Decision {
    cx.check("6-3").ixit(&["personal_data"]).finish()
}

/// 6-4: Telemetry: personal data minimised.
fn p6_4(cx: &Ctx) -> Decision {
    cx.check("6-4").ixit(&["telemetry"]).finish()
}

/// 6-5: Telemetry: inform what is collected, how used, by whom, why.
fn p6_5(cx: &Ctx) -> Decision {
    cx.check("6-5").ixit(&["telemetry"]).finish()
}
