//! HARD-002 `no-pie`.

use super::elf::ElfKind;
use super::{is_program, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-002",
    name: "no-pie",
    severity: Severity::Low,
    summary: "Executables not built as position-independent (ET_EXEC): no ASLR for the program image",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** Every ELF executable: `ET_DYN` with an interpreter (or `DF_1_PIE`) is PIE; `ET_EXEC` is not. Shared libraries are always position-independent and are not counted.\n\
\n\
**Why it matters.** A fixed load address gives an attacker known addresses for gadgets and data, defeating ASLR for the main program.\n\
\n\
**Evidence.** As HARD-001 (`yes`/`no`).\n\
\n\
**Known false positives.** None known for the header test; whether the kernel randomises at all (`randomize_va_space`) is a run-time matter.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (PIE)."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: is_program,
    value: pie_value,
    weak: |v| v == "no",
    severity: Severity::Low,
    what: "are not position-independent (no PIE)",
};

pub(super) fn pie_value(b: &Binary) -> String {
    match b.info.kind {
        ElfKind::PieExecutable => "yes",
        _ => "no",
    }
    .to_owned()
}
