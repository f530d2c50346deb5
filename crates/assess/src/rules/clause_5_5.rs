//! EN 303 645 V2.1.1 clause 5.5 (Communicate securely): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.5-1",
        eval: p5_5_1,
    },
    Rule {
        id: "5.5-2",
        eval: p5_5_2,
    },
    Rule {
        id: "5.5-3",
        eval: p5_5_3,
    },
    Rule {
        id: "5.5-4",
        eval: p5_5_4,
    },
    Rule {
        id: "5.5-5",
        eval: p5_5_5,
    },
    Rule {
        id: "5.5-6",
        eval: p5_5_6,
    },
    Rule {
        id: "5.5-7",
        eval: p5_5_7,
    },
    Rule {
        id: "5.5-8",
        eval: p5_5_8,
    },
];

/// 5.5-1: Best-practice cryptography to communicate securely.
fn p5_5_1(cx: &Ctx) -> Decision {
    cx.check("5.5-1").ixit(&["communication"]).finish()
}

/// 5.5-2: Reviewed/evaluated implementations for network and security functions.
fn p5_5_2(cx: &Ctx) -> Decision {
    cx.check("5.5-2").ixit(&["communication"]).finish()
}

/// 5.5-3: Cryptographic algorithms and primitives updateable.
fn p5_5_3(cx: &Ctx) -> Decision {
    cx.check("5.5-3").ixit(&["communication"]).finish()
}

/// 5.5-4: Network access to functionality only after authentication.
fn p5_5_4(cx: &Ctx) -> Decision {
    cx.check("5.5-4").ixit(&["communication"]).finish()
}

/// 5.5-5: Security-relevant config changes via network only after authentication.
fn p5_5_5(cx: &Ctx) -> Decision {
    cx.check("5.5-5").ixit(&["communication"]).finish()
}

/// 5.5-6: CSPs encrypted in transit.
fn p5_5_6(cx: &Ctx) -> Decision {
    cx.check("5.5-6").ixit(&["communication"]).finish()
}

/// 5.5-7: Confidentiality of CSPs over remotely accessible interfaces.
fn p5_5_7(cx: &Ctx) -> Decision {
    cx.check("5.5-7").ixit(&["communication"]).finish()
}

/// 5.5-8: Secure management processes for CSPs.
fn p5_5_8(cx: &Ctx) -> Decision {
    cx.check("5.5-8").ixit(&["secure_management"]).finish()
}
