//! EN 303 645 V2.1.1 clause 5.7 (Ensure software integrity): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.7-1",
        eval: p5_7_1,
    },
    Rule {
        id: "5.7-2",
        eval: p5_7_2,
    },
];

/// 5.7-1: Verify software with secure boot.
fn p5_7_1(cx: &Ctx) -> Decision {
    cx.check("5.7-1").ixit(&["secure_boot"]).finish()
}

/// 5.7-2: On unauthorized change: alert and limit connectivity.
fn p5_7_2(cx: &Ctx) -> Decision {
    cx.check("5.7-2").ixit(&["secure_boot"]).finish()
}
