//! SVC-007 `mdns-service`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-007",
    name: "mdns-service",
    severity: Severity::Low,
    summary: "An mDNS/DNS-SD responder is started (or present)",
    requirements: &["en303645:5.6-1", "en303645:5.6-2", "en303645:5.6-5"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for `avahi-daemon`, `mdnsd`, `mDNSResponder` and `umdns`.\n\
\n\
**Why it matters.** mDNS announces the device, its services and often its model and firmware version to the local network without authentication (5.6-2). Usually legitimate for discovery: low severity.\n\
\n\
**Evidence.** As SVC-001.\n\
\n\
**Known false positives.** As SVC-001.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-1, 5.6-2, 5.6-5."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    report_launches(
        ctx,
        inv,
        &INFO,
        &[Class::Mdns],
        service_severity(Severity::Low),
        "mDNS responder",
        out,
    );
}
