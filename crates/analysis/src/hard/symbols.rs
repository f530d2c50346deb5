//! HARD-007 `symbols-not-stripped`.

use super::{any, Binary, Property};
use crate::CheckInfo;
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "HARD-007",
    name: "symbols-not-stripped",
    severity: Severity::Info,
    summary: "Binaries shipped with a full symbol table (.symtab)",
    requirements: &["en303645:5.6-6", "en303645:5.6-9"],
    doc: Doc::Markdown("\
**What it checks.** Whether executables and libraries keep a `.symtab` section.\n\
\n\
**Why it matters.** Symbol tables make reverse engineering of the product easier and inflate the image; stripping is standard release practice (code minimisation, 5.6-6). Information only.\n\
\n\
**Evidence.** As HARD-001 (`symbols`/`stripped`).\n\
\n\
**Known false positives.** Debug builds shipped on purpose for support.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-6, 5.6-9; `checksec` (Symbols)."),
};

pub(super) const PROPERTY: Property = Property {
    info: &INFO,
    applies: any,
    value: symbols_value,
    weak: |v| v == "symbols",
    severity: Severity::Info,
    what: "are not stripped (.symtab present)",
};

pub(super) fn symbols_value(b: &Binary) -> String {
    if b.info.has_symtab {
        "symbols"
    } else {
        "stripped"
    }
    .to_owned()
}
