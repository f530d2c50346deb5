//! EN 303 645 V2.1.1 clause 5.8 (Ensure that personal data is secure): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.8-1",
        eval: p5_8_1,
    },
    Rule {
        id: "5.8-2",
        eval: p5_8_2,
    },
    Rule {
        id: "5.8-3",
        eval: p5_8_3,
    },
];

/// 5.8-1: Personal data in transit protected with best-practice crypto.
fn p5_8_1(cx: &Ctx) -> Decision {
    cx.check("5.8-1").ixit(&["personal_data"]).finish()
}

/// 5.8-2: Sensitive personal data to associated services confidentiality-protected.
fn p5_8_2(cx: &Ctx) -> Decision {
    cx.check("5.8-2").ixit(&["personal_data"]).finish()
}

/// 5.8-3: External sensing capabilities documented.
fn p5_8_3(cx: &Ctx) -> Decision {
    cx.check("5.8-3").ixit(&["external_sensors"]).finish()
}
