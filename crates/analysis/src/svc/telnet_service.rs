//! SVC-001 `telnet-service`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-001",
    name: "telnet-service",
    severity: Severity::High,
    summary: "A telnet server is started (or present): a plaintext remote login",
    requirements: &["en303645:5.6-1", "en303645:5.6-5", "en303645:5.5-1", "en303645:5.1-1"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (inittab, rcS and the scripts it calls, rc.local, run-level and OpenWrt `/etc/rc.d` links, systemd, upstart, runit, inetd/xinetd) for `telnetd`, `utelnetd` and `in.telnetd`, including BusyBox applets and wrappers (`start-stop-daemon`, `tcpsvd`, `busybox telnetd`).\n\
\n\
**Why it matters.** Telnet sends the login and everything after it in clear text and is a classic entry point for botnets (Mirai) when combined with a universal default password. An interface that is not needed must be disabled (5.6-1, 5.6-5).\n\
\n\
**Evidence.** The script and line that starts it, with the init chain in the evidence note (`inittab ::sysinit → /etc/init.d/rcS:25`); details: `program`, `how`, `command`, `chain`.\n\
\n\
**Known false positives.** Conditions in scripts are not evaluated: a telnetd started only in a factory or debug branch is reported as started at boot. A binary merely present is reported at info severity and low confidence.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-1, 5.6-5, 5.5-1; ETSI TS 103 701 test group 5.6."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    report_launches(
        ctx,
        inv,
        &INFO,
        &[Class::Telnet],
        service_severity(Severity::High),
        "Telnet server",
        out,
    );
}
