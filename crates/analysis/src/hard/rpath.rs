//! HARD-006 `rpath-runpath`.

use super::{dynamic, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-006",
    name: "rpath-runpath",
    severity: Severity::Low,
    summary: "Binaries with an RPATH/RUNPATH (writable or relative search paths are a library-injection risk)",
    requirements: &["en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** `DT_RPATH` and `DT_RUNPATH` of dynamically linked executables and libraries.\n\
\n\
**Why it matters.** A search path pointing at a writable or relative directory (`/tmp`, `/var`, `.`, an empty entry, a build-host path that a user could create) lets anyone who can write there inject a library into the program.\n\
\n\
**Evidence.** As HARD-001; the value is the path list (`none` when absent).\n\
\n\
**Known false positives.** Paths to read-only system directories are harmless; the value is shown so that can be judged.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provision 5.6-9; `checksec` (RPATH/RUNPATH)."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: dynamic,
    value: rpath_value,
    weak: |v| v != "none",
    severity: Severity::Low,
    what: "set an RPATH or RUNPATH",
};

pub(super) fn rpath_value(b: &Binary) -> String {
    match (&b.info.rpath, &b.info.runpath) {
        (Some(r), _) => format!("RPATH={r}"),
        (None, Some(r)) => format!("RUNPATH={r}"),
        _ => "none".to_owned(),
    }
}
