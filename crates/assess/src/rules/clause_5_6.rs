//! EN 303 645 V2.1.1 clause 5.6 (Minimize exposed attack surfaces): one rule per provision.
//! The common reasoning is [`super::Check::finish`]; each rule names the requirement
//! references whose findings decide it and the IXIT information a supported answer needs.

use super::{Ctx, Decision, Rule};

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "5.6-1",
        eval: p5_6_1,
    },
    Rule {
        id: "5.6-2",
        eval: p5_6_2,
    },
    Rule {
        id: "5.6-3",
        eval: p5_6_3,
    },
    Rule {
        id: "5.6-4",
        eval: p5_6_4,
    },
    Rule {
        id: "5.6-5",
        eval: p5_6_5,
    },
    Rule {
        id: "5.6-6",
        eval: p5_6_6,
    },
    Rule {
        id: "5.6-7",
        eval: p5_6_7,
    },
    Rule {
        id: "5.6-8",
        eval: p5_6_8,
    },
    Rule {
        id: "5.6-9",
        eval: p5_6_9,
    },
];

/// 5.6-1: Unused network and logical interfaces disabled.
///
/// SVC findings about enabled unused or insecure services fail it.
fn p5_6_1(cx: &Ctx) -> Decision {
    cx.check("5.6-1").ixit(&["interfaces"]).finish()
}

/// 5.6-2: Minimise unauthenticated disclosure of security-relevant info.
fn p5_6_2(cx: &Ctx) -> Decision {
    cx.check("5.6-2").ixit(&["interfaces"]).finish()
}

/// 5.6-3: Do not unnecessarily expose physical interfaces.
fn p5_6_3(cx: &Ctx) -> Decision {
    cx.check("5.6-3").ixit(&["interfaces"]).finish()
}

/// 5.6-4: Physically accessible debug interface disabled in software.
///
/// A serial console shell without login or other debug findings fail it.
fn p5_6_4(cx: &Ctx) -> Decision {
    cx.check("5.6-4").ixit(&["interfaces"]).finish()
}

/// 5.6-5: Only enable software services used or required.
fn p5_6_5(cx: &Ctx) -> Decision {
    cx.check("5.6-5").ixit(&["software_services"]).finish()
}

/// 5.6-6: Code minimised to necessary functionality.
fn p5_6_6(cx: &Ctx) -> Decision {
    cx.check("5.6-6").ixit(&["code_minimisation"]).finish()
}

/// 5.6-7: Software runs with least necessary privileges.
fn p5_6_7(cx: &Ctx) -> Decision {
    cx.check("5.6-7").ixit(&["privilege_control"]).finish()
}

/// 5.6-8: Hardware-level memory access control.
fn p5_6_8(cx: &Ctx) -> Decision {
    cx.check("5.6-8").ixit(&["access_control"]).finish()
}

/// 5.6-9: Secure development processes.
fn p5_6_9(cx: &Ctx) -> Decision {
    cx.check("5.6-9").ixit(&["secure_development"]).finish()
}
