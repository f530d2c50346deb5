//! HARD-005 `no-fortify`.

use super::{dynamic, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-005",
    name: "no-fortify",
    severity: Severity::Info,
    summary: "Dynamically linked binaries that import no FORTIFY_SOURCE checked functions (__*_chk)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** The imports of dynamically linked executables and libraries for glibc's checked variants (`__memcpy_chk`, `__sprintf_chk`, …; `__stack_chk_fail` excluded). Binaries that import none of them are counted as not fortified.\n\
\n\
**Why it matters.** `_FORTIFY_SOURCE` adds bounds checks to common copy and format functions at no cost; its absence across a firmware suggests hardening flags were not used.\n\
\n\
**Evidence.** As HARD-001 (`yes`/`no`).\n\
\n\
**Known false positives.** uClibc and musl provide no `_chk` functions at all, so every binary built against them reads `no` (as it does in `checksec`); a binary that calls no fortifiable function cannot be fortified.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (FORTIFY); glibc `_FORTIFY_SOURCE`."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: dynamic,
    value: fortify_value,
    weak: |v| v == "no",
    severity: Severity::Info,
    what: "import no FORTIFY_SOURCE (*_chk) functions",
};

pub(super) fn fortify_value(b: &Binary) -> String {
    let fortified = b
        .info
        .imports
        .iter()
        .any(|s| s.starts_with("__") && s.ends_with("_chk") && s != "__stack_chk_fail");
    if fortified { "yes" } else { "no" }.to_owned()
}
