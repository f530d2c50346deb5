//! SVC-002 `ftp-tftp-service`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-002",
    name: "ftp-tftp-service",
    severity: Severity::High,
    summary: "An FTP or TFTP server is started (or present): plaintext or unauthenticated file transfer",
    requirements: &["en303645:5.6-1", "en303645:5.6-5", "en303645:5.5-1", "en303645:5.5-4"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for FTP servers (`ftpd`, `vsftpd`, `proftpd`, `pure-ftpd`, `bftpd`) and TFTP servers (`tftpd`, `in.tftpd`, `atftpd`), including `inetd.conf`/`xinetd.d` entries (reported as started at boot only when inetd itself is).\n\
\n\
**Why it matters.** FTP sends credentials in clear text; TFTP has no authentication at all, so anyone on the network can read (or write) the served files.\n\
\n\
**Evidence.** As SVC-001.\n\
\n\
**Known false positives.** As SVC-001; an inetd line whose inetd is started from a binary rather than a script is reported as configured.\n\
\n\
**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-1, 5.6-5, 5.5-1, 5.5-4."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    report_launches(
        ctx,
        inv,
        &INFO,
        &[Class::Ftp, Class::Tftp],
        service_severity(Severity::High),
        "File transfer server",
        out,
    );
}
