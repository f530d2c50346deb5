//! SVC-008 `debug-listener`.

use super::catalogue::{is_shell, Class};
use super::init::{base, How, Inventory, Launch};
use super::{finding, launch_evidence, report_launches};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-008",
    name: "debug-listener",
    severity: Severity::High,
    summary: "A debug shell or remote-execution listener is started (nc -l -e, adbd, gdbserver, telnetd -l /bin/sh, a bind/back-connect shell)",
    requirements: &["en303645:5.6-1", "en303645:5.6-4", "en303645:5.6-5", "en303645:5.1-1"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for listeners that hand out a shell or \
run commands: `nc`/`netcat` with `-l` and `-e`/`-c`, `socat` with `EXEC:`/`SYSTEM:`, `adbd`, \
`gdbserver`, telnet servers given a shell with `-l` (BusyBox `telnetd -l /bin/sh`), and \
programs named like a back door (`shellback`, `bindshell`, `backdoor`).

**Why it matters.** A debug interface reachable in the shipped product bypasses every other \
control; 5.6-4 asks that debug interfaces be disabled in software, and 5.6-5 that unused \
services be off.

**Evidence.** As SVC-001. Details: `program`, `how`, `command`, `chain`.

**Known false positives.** Conditions are not evaluated (a listener only in a factory branch is \
still reported). Name-based detection of back doors is a heuristic: medium confidence.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-1, 5.6-4, 5.6-5; CRED-004 reports the \
missing credential of `telnetd -l /bin/sh`."),
};

fn telnet_shell(l: &Launch) -> Option<String> {
    if l.class != Class::Telnet {
        return None;
    }
    let pos = l.argv.iter().position(|a| a == "-l")?;
    let sh = l.argv.get(pos + 1)?;
    is_shell(&base(sh)).then(|| sh.clone())
}

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    let sev = |how: How, _: &Launch| match how {
        How::Boot => Severity::High,
        How::Spawned | How::Configured => Severity::Medium,
        How::Present => Severity::Low,
    };
    report_launches(ctx, inv, &INFO, &[Class::Debug], sev, "Debug listener", out);
    for l in &inv.launches {
        let Some(sh) = telnet_shell(l) else { continue };
        let mut f = finding(
            &INFO,
            sev(l.how, l),
            if l.how == How::Boot {
                Confidence::High
            } else {
                Confidence::Medium
            },
            format!("'{}' hands out '{sh}' without login", l.program),
        );
        f.evidence.push(launch_evidence(ctx, l));
        f.details.insert("program".into(), json!(l.program));
        f.details.insert("class".into(), json!("telnet-shell"));
        f.details.insert("how".into(), json!(l.how.as_str()));
        f.details.insert("command".into(), json!(l.argv.join(" ")));
        f.details.insert("chain".into(), json!(l.chain));
        out.findings.push(f);
    }
}
