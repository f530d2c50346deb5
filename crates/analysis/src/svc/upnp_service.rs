//! SVC-005 `upnp-service`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-005",
    name: "upnp-service",
    severity: Severity::Medium,
    summary: "A UPnP IGD/port-mapping daemon is started (or present)",
    requirements: &["en303645:5.6-1", "en303645:5.6-5", "en303645:5.5-5"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for `miniupnpd`, `upnpd` and vendor `upnp` daemons; OpenWrt's `/etc/config/upnpd` with `enabled 1` is reported as started when the init script is present.\n\
\n\
**Why it matters.** UPnP IGD lets any program on the LAN open ports in the router's firewall without authentication (5.5-5) and has a long record of exploitable bugs; it should be off unless needed (5.6-5).\n\
\n\
**Evidence.** As SVC-001.\n\
\n\
**Known false positives.** As SVC-001.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.5-5, 5.6-1, 5.6-5."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    report_launches(
        ctx,
        inv,
        &INFO,
        &[Class::Upnp],
        service_severity(Severity::Medium),
        "UPnP daemon",
        out,
    );
}
