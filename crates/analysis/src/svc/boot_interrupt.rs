//! SVC-010 `boot-interrupt`.

use super::finding;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-010",
    name: "boot-interrupt",
    severity: Severity::Medium,
    summary: "The U-Boot environment lets a serial user interrupt boot (bootdelay ≥ 0)",
    requirements: &["en303645:5.6-4", "en303645:5.7-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** U-Boot environments found in the image (the `ubootenv` format's node \
attributes) for `bootdelay`: any value other than `-2` (and, for `0`, unless the build disables \
the zero-delay check) lets whoever is on the serial console stop autoboot and reach the U-Boot \
prompt, where memory and flash can be read and written and other boot arguments given.

**Why it matters.** The boot loader prompt is a physical debug interface (5.6-4) and defeats \
any secure boot chain that does not lock it (5.7-1). Severity: medium for a delay above 0, low \
for 0.

**Evidence.** The environment region and the `bootdelay` value; details: `bootdelay`, \
`bootcmd`.

**Known false positives.** `CONFIG_AUTOBOOT_KEYED` (a secret stop string) or a console \
disabled in the boot loader build cannot be seen in the environment; `bootdelay=0` is often \
not interruptible. Reported with medium confidence.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-4, 5.7-1; U-Boot documentation \
(environment variables, `bootdelay`).",
    ),
};

pub(crate) fn check(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    for (id, n) in ctx.tree.iter() {
        let Some((_, v)) = n.attrs.iter().find(|(k, _)| k == "bootdelay") else {
            continue;
        };
        let Ok(delay) = v.trim().parse::<i64>() else {
            continue;
        };
        if delay < 0 {
            continue;
        }
        let sev = if delay > 0 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut f = finding(
            &INFO,
            sev,
            Confidence::Medium,
            format!("U-Boot waits {delay} s for a key on the serial console (bootdelay={delay})"),
        );
        f.evidence.push(
            ctx.evidence(id)
                .excerpt(format!("bootdelay={v}"))
                .note(format!("{} environment", n.format.unwrap_or("U-Boot"))),
        );
        f.details.insert("bootdelay".into(), json!(delay));
        if let Some((_, c)) = n.attrs.iter().find(|(k, _)| k == "bootcmd") {
            f.details.insert("bootcmd".into(), json!(c));
        }
        out.findings.push(f);
    }
}
