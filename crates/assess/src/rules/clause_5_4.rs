//! EN 303 645 V2.1.1 clause 5.4 (Securely store sensitive security parameters): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.4-1",
        eval: p5_4_1,
    },
    Rule {
        id: "5.4-2",
        eval: p5_4_2,
    },
    Rule {
        id: "5.4-3",
        eval: p5_4_3,
    },
    Rule {
        id: "5.4-4",
        eval: p5_4_4,
    },
];

/// 5.4-1: Sensitive security parameters in persistent storage stored securely.
///
/// KEY findings (embedded private keys) fail it.
fn p5_4_1(cx: &Ctx) -> Decision {
    cx.check("5.4-1").ixit(&["security_parameters"]).finish()
}

/// 5.4-2: Hard-coded unique identity resists tampering.
fn p5_4_2(cx: &Ctx) -> Decision {
    cx.check("5.4-2").ixit(&["security_parameters"]).finish()
}

/// 5.4-3: No hard-coded critical security parameters in software source code.
///
/// KEY findings (hard-coded private or compromised keys) fail it.
fn p5_4_3(cx: &Ctx) -> Decision {
    cx.check("5.4-3").ixit(&["security_parameters"]).finish()
}

/// 5.4-4: Update/communication CSPs unique per device and generated against class attacks.
///
/// Keys shared across images or publicly known fail it.
fn p5_4_4(cx: &Ctx) -> Decision {
    cx.check("5.4-4").ixit(&["security_parameters"]).finish()
}
