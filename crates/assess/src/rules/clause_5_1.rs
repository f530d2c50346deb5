//! EN 303 645 V2.1.1 clause 5.1 (No universal default passwords): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.1-1",
        eval: p5_1_1,
    },
    Rule {
        id: "5.1-2",
        eval: p5_1_2,
    },
    Rule {
        id: "5.1-3",
        eval: p5_1_3,
    },
    Rule {
        id: "5.1-4",
        eval: p5_1_4,
    },
    Rule {
        id: "5.1-5",
        eval: p5_1_5,
    },
];

/// 5.1-1: Outside the factory default state, every password is unique per device or set by the user.
///
/// CRED findings about fixed, empty or shared passwords (and anything referencing `psti:sch1-p1`) fail it.
fn p5_1_1(cx: &Ctx) -> Decision {
    cx.check("5.1-1")
        .refs(&["psti:sch1-p1"])
        .ixit(&["password_generation"])
        .finish()
}

/// 5.1-2: Unique pre-installed passwords are generated so that automated attacks on a device class do not work.
///
/// Fixed credentials in web password and configuration files fail it; generation quality needs the IXIT.
fn p5_1_2(cx: &Ctx) -> Decision {
    cx.check("5.1-2")
        .refs(&["psti:sch1-p1"])
        .ixit(&["password_generation"])
        .finish()
}

/// 5.1-3: Best-practice cryptography for user authentication to device.
fn p5_1_3(cx: &Ctx) -> Decision {
    cx.check("5.1-3")
        .ixit(&["authentication_mechanism"])
        .finish()
}

/// 5.1-4: Simple mechanism to change authentication value.
fn p5_1_4(cx: &Ctx) -> Decision {
    cx.check("5.1-4").ixit(&["password_change"]).finish()
}

/// 5.1-5: Brute-force via network interfaces impracticable (non-constrained).
fn p5_1_5(cx: &Ctx) -> Decision {
    cx.check("5.1-5").ixit(&["brute_force_protection"]).finish()
}
