//! EN 303 645 V2.1.1 clause 5.10 (Examine system telemetry data): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[Rule {
    id: "5.10-1",
    eval: p5_10_1,
}];

/// 5.10-1: Telemetry examined for security anomalies.
fn p5_10_1(cx: &Ctx) -> Decision {
    cx.check("5.10-1").ixit(&["telemetry"]).finish()
}
