//! EN 303 645 V2.1.1 clause 5.9 (Make systems resilient to outages): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.9-1",
        eval: p5_9_1,
    },
    Rule {
        id: "5.9-2",
        eval: p5_9_2,
    },
    Rule {
        id: "5.9-3",
        eval: p5_9_3,
    },
];

/// 5.9-1: Resilience to network and power outages.
fn p5_9_1(cx: &Ctx) -> Decision {
    cx.check("5.9-1").ixit(&["resilience"]).finish()
}

/// 5.9-2: Locally functional without network; clean recovery after power loss.
fn p5_9_2(cx: &Ctx) -> Decision {
    cx.check("5.9-2").ixit(&["resilience"]).finish()
}

/// 5.9-3: Connect to networks in expected, stable, orderly way.
fn p5_9_3(cx: &Ctx) -> Decision {
    cx.check("5.9-3").ixit(&["resilience"]).finish()
}
