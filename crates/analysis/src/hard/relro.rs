//! HARD-003 `no-full-relro`.

use super::{dynamic, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-003",
    name: "no-full-relro",
    severity: Severity::Low,
    summary: "Executables or libraries without full RELRO (PT_GNU_RELRO with BIND_NOW)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** Dynamically linked executables and libraries: `PT_GNU_RELRO` present is partial RELRO; together with immediate binding (`DT_BIND_NOW`, `DF_BIND_NOW` in `DT_FLAGS` or `DF_1_NOW` in `DT_FLAGS_1`) it is full RELRO, as `checksec` reports it.\n\
\n\
**Why it matters.** Without full RELRO the GOT stays writable, a standard target for turning a memory write into control of execution.\n\
\n\
**Evidence.** As HARD-001 (`full`/`partial`/`none`).\n\
\n\
**Known false positives.** uClibc's loader on some architectures ignores RELRO; statically linked binaries are not counted.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (RELRO)."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: dynamic,
    value: relro_value,
    weak: |v| v != "full",
    severity: Severity::Low,
    what: "lack full RELRO",
};

pub(super) fn relro_value(b: &Binary) -> String {
    match (b.info.relro, b.info.bind_now) {
        (true, true) => "full",
        (true, false) => "partial",
        _ => "none",
    }
    .to_owned()
}
