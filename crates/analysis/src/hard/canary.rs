//! HARD-004 `no-stack-canary`.

use super::{any, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-004",
    name: "no-stack-canary",
    severity: Severity::Low,
    summary: "Executables or libraries without stack-protector symbols (__stack_chk_fail/__stack_chk_guard)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** The dynamic symbols (and `.symtab` when present) of every executable and library for `__stack_chk_fail` or `__stack_chk_guard`, as `checksec` does. A stripped static binary has no symbols to look at: `unknown`, not counted as weak.\n\
\n\
**Why it matters.** Stack canaries stop most linear stack overflows from reaching the return address.\n\
\n\
**Evidence.** As HARD-001 (`yes`/`no`/`unknown`).\n\
\n\
**Known false positives.** A binary with no arrays on the stack gets no canary even with `-fstack-protector-strong`; the C library itself defines the symbols.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (Canary); GCC `-fstack-protector`."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: any,
    value: canary_value,
    weak: |v| v == "no",
    severity: Severity::Low,
    what: "have no stack canary",
};

pub(super) fn canary_value(b: &Binary) -> String {
    if b.info.symbols.contains("__stack_chk_fail") || b.info.symbols.contains("__stack_chk_guard") {
        "yes"
    } else if b.info.symbols.is_empty() {
        "unknown"
    } else {
        "no"
    }
    .to_owned()
}
