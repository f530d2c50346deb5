//! SVC-006 `snmp-service`.

use super::catalogue::Class;
use super::init::Inventory;
use super::{report_launches, service_severity};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-006",
    name: "snmp-service",
    severity: Severity::Medium,
    summary: "An SNMP agent is started (or present)",
    requirements: &["en303645:5.6-1", "en303645:5.6-2", "en303645:5.6-5"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for `snmpd` and `mini_snmpd`.\n\
\n\
**Why it matters.** SNMP v1/v2c authenticates with a community string sent in clear text (often `public`/`private`) and discloses device information without authentication (5.6-2). Community strings are CRED-006's.\n\
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
        &[Class::Snmp],
        service_severity(Severity::Medium),
        "SNMP agent",
        out,
    );
}
