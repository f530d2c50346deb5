//! EN 303 645 V2.1.1 clause 5.11 (Make it easy for users to delete user data): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.11-1",
        eval: p5_11_1,
    },
    Rule {
        id: "5.11-2",
        eval: p5_11_2,
    },
    Rule {
        id: "5.11-3",
        eval: p5_11_3,
    },
    Rule {
        id: "5.11-4",
        eval: p5_11_4,
    },
];

/// 5.11-1: User data erasable from device simply.
fn p5_11_1(cx: &Ctx) -> Decision {
    cx.check("5.11-1").ixit(&["deletion"]).finish()
}

/// 5.11-2: Personal data removable from associated services simply.
fn p5_11_2(cx: &Ctx) -> Decision {
    cx.check("5.11-2").ixit(&["deletion"]).finish()
}

/// 5.11-3: Clear instructions on deleting personal data.
fn p5_11_3(cx: &Ctx) -> Decision {
    cx.check("5.11-3").ixit(&["deletion"]).finish()
}

/// 5.11-4: Clear confirmation that personal data deleted.
fn p5_11_4(cx: &Ctx) -> Decision {
    cx.check("5.11-4").ixit(&["deletion"]).finish()
}
