//! SVC-003 `web-server`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-003",
    name: "web-server",
    severity: Severity::Info,
    summary: "A web server is started (or present): the device's web interface",
    requirements: &["en303645:5.6-1", "en303645:5.6-5", "en303645:5.1-1", "en303645:5.5-4"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for web servers: `httpd` (vendor or BusyBox), `lighttpd`, `boa`, `goahead`/`webs`, `uhttpd`, `mini_httpd`, `thttpd`, `nginx`, `mongoose`.\n\
\n\
**Why it matters.** A web interface is usually the product's management interface: it must require authentication (5.5-4) and its login falls under 5.1-1. This finding is inventory for those provisions (info severity); whether the interface is protected needs the CRED findings or a device test.\n\
\n\
**Evidence.** As SVC-001.\n\
\n\
**Known false positives.** As SVC-001.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.5-4, 5.6-1, 5.6-5."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    report_launches(
        ctx,
        inv,
        &INFO,
        &[Class::Web],
        service_severity(Severity::Info),
        "Web server",
        out,
    );
}
