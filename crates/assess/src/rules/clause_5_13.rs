//! EN 303 645 V2.1.1 clause 5.13 (Validate input data): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[Rule {
    id: "5.13-1",
    eval: p5_13_1,
}];

/// 5.13-1: Input from user interfaces, APIs and other networks is validated.
fn p5_13_1(cx: &Ctx) -> Decision {
    cx.check("5.13-1").ixit(&["input_validation"]).finish()
}
