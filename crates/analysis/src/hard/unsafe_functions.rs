//! HARD-008 `unsafe-function-imports`.

use super::{is_program, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-008",
    name: "unsafe-function-imports",
    severity: Severity::Info,
    summary: "Programs that import unbounded or command-running libc functions (strcpy, sprintf, gets, system, popen)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** The undefined dynamic symbols of executables for `gets`, `strcpy`, `strcat`, `sprintf`, `vsprintf`, `system` and `popen`.\n\
\n\
**Why it matters.** Unbounded copies are the usual source of memory-corruption bugs in embedded web servers and daemons; `system`/`popen` with request data is the usual source of command injection. This is a code-review pointer, not a vulnerability.\n\
\n\
**Evidence.** As HARD-001; the value lists the imported functions (`none` when none).\n\
\n\
**Known false positives.** Safe uses of these functions are common; statically linked and stripped programs show nothing.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; CWE-120, CWE-78."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: is_program,
    value: unsafe_value,
    weak: |v| v != "none",
    severity: Severity::Info,
    what: "import unsafe functions (strcpy, strcat, sprintf, vsprintf, gets, system, popen)",
};

const UNSAFE: &[&str] = &[
    "gets", "strcpy", "strcat", "sprintf", "vsprintf", "system", "popen",
];

pub(super) fn unsafe_value(b: &Binary) -> String {
    let v: Vec<&str> = UNSAFE
        .iter()
        .copied()
        .filter(|f| b.info.imports.contains(*f))
        .collect();
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(",")
    }
}
