//! HARD-001 `no-nx`.

use super::{any, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-001",
    name: "no-nx",
    severity: Severity::Medium,
    summary: "Executables or libraries without a non-executable stack (PT_GNU_STACK missing or RWX)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** Every ELF executable and shared library for a `PT_GNU_STACK` program header without the execute flag. A missing header means an executable stack on most architectures (the loader's default), as `checksec` reports it.\n\
\n\
**Why it matters.** An executable stack turns any stack overflow into code execution without needing return-oriented programming. Secure development practice (5.6-9) builds with a non-executable stack.\n\
\n\
**Evidence.** One aggregated finding per input: counts and percentage; up to ten binaries as evidence (programs in system directories first); every binary's value in `details.binaries` (`yes`/`no`).\n\
\n\
**Known false positives.** On MIPS, kernels before 4.8 mapped the stack executable regardless (FPU branch emulation), so even a `yes` there may not hold at run time; some static toolchains omit the header although the kernel default is non-executable.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (NX); ELF gABI `PT_GNU_STACK`."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: any,
    value: nx_value,
    weak: |v| v != "yes",
    severity: Severity::Medium,
    what: "have an executable stack (no NX)",
};

pub(super) fn nx_value(b: &Binary) -> String {
    match b.info.gnu_stack_exec {
        Some(false) => "yes",
        _ => "no",
    }
    .to_owned()
}
