//! EN 303 645 V2.1.1 clause 5.12 (Make installation and maintenance of devices easy): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.12-1",
        eval: p5_12_1,
    },
    Rule {
        id: "5.12-2",
        eval: p5_12_2,
    },
    Rule {
        id: "5.12-3",
        eval: p5_12_3,
    },
];

/// 5.12-1: Minimal user decisions; usable security for installation/maintenance.
fn p5_12_1(cx: &Ctx) -> Decision {
    cx.check("5.12-1").ixit(&["user_guidance"]).finish()
}

/// 5.12-2: Guidance on secure set-up.
fn p5_12_2(cx: &Ctx) -> Decision {
    cx.check("5.12-2").ixit(&["user_guidance"]).finish()
}

/// 5.12-3: Guidance on checking secure set-up.
fn p5_12_3(cx: &Ctx) -> Decision {
    cx.check("5.12-3").ixit(&["user_guidance"]).finish()
}
