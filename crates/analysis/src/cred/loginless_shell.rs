//! CRED-004 `login-less-shell`.

use super::{finding, line_evidence, CredRun};
use crate::scan::Pattern;
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-004",
    name: "login-less-shell",
    severity: Severity::High,
    summary: "A shell is offered without any credential (telnetd -l /bin/sh, a serial console without login)",
    requirements: &["psti:sch1-p1", "en303645:5.1-1"],
    doc: Doc::Markdown("\
**What it checks.** `inittab` entries that run a shell directly on a console or serial line \
(`::askfirst:/bin/sh`, `ttyS0::respawn:-/bin/sh`) instead of `getty`/`login`; and `telnetd` or \
`utelnetd` started in init scripts with `-l /bin/sh` (or another shell), which gives a shell to \
anyone who connects.

**Why it matters.** No credential at all is the limit case of a universal default password: \
every unit of the image grants a (root) shell to whoever reaches the port or the serial header. \
This check reports the credential aspect only; the service itself is the SVC family's.

**Evidence.** The file and line; details: `channel` (`serial-console` or `telnet`), `shell`, \
`command`.

**Known false positives.** Commented-out lines are skipped; a telnetd that is started only in a \
factory or debug mode that the shipped configuration never enters (Baseline does not evaluate \
conditions in scripts). `askfirst` still requires a key press on the console, not a password.

**References.** ETSI EN 303 645 V2.1.1 provision 5.1-1; PSTI Regulations 2023 Schedule 1 §1; \
BusyBox `inittab` format."),
};

fn is_shell(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let base = first
        .trim_start_matches('-')
        .rsplit('/')
        .next()
        .unwrap_or("");
    matches!(
        base,
        "sh" | "ash" | "bash" | "hush" | "msh" | "dash" | "zsh" | "ksh"
    )
}

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    // inittab: id:runlevels:action:process
    for (id, path) in ctx.fs_files() {
        let Some(n) = ctx.tree.get(id) else { continue };
        if !n.name.starts_with("inittab") || n.data.len() > 1 << 20 {
            continue;
        }
        let text = String::from_utf8_lossy(&n.data);
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let l = line.trim();
            if l.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = l.splitn(4, ':').collect();
            let (Some(tty), Some(action), Some(cmd)) = (f.first(), f.get(2), f.get(3)) else {
                continue;
            };
            if !matches!(*action, "respawn" | "askfirst" | "once" | "wait") || !is_shell(cmd) {
                continue;
            }
            let console = if tty.is_empty() { "console" } else { tty };
            let mut fnd = finding(
                &INFO,
                Severity::Medium,
                Confidence::High,
                format!("Shell without login on {console} ({action}: {cmd}) in {path}"),
            );
            fnd.evidence.push(line_evidence(
                ctx,
                id,
                u32::try_from(i + 1).unwrap_or(u32::MAX),
                here,
                l.to_owned(),
            ));
            fnd.details
                .insert("channel".into(), json!("serial-console"));
            fnd.details.insert("tty".into(), json!(console));
            fnd.details.insert("action".into(), json!(action));
            fnd.details.insert("shell".into(), json!(cmd));
            out.findings.push(fnd);
        }
    }
    // telnetd -l <shell> anywhere a script starts it (one finding per line).
    let mut done: std::collections::BTreeSet<(baseline_unpack::NodeId, usize)> =
        std::collections::BTreeSet::new();
    for (id, hits) in run.scan.with(Pattern::Telnetd) {
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.data.len() > 4 << 20 {
            continue;
        }
        for &o in hits.offsets(Pattern::Telnetd) {
            let Ok(at) = usize::try_from(o) else { continue };
            let start = n
                .data
                .get(..at)
                .and_then(|b| b.iter().rposition(|c| *c == b'\n' || *c == 0))
                .map_or(0, |p| p + 1);
            let end = n
                .data
                .get(at..)
                .and_then(|b| b.iter().position(|c| *c == b'\n' || *c == 0))
                .map_or(n.data.len(), |p| at + p);
            if !done.insert((id, start)) {
                continue;
            }
            let Some(raw) = n.data.get(start..end) else {
                continue;
            };
            let Ok(line) = std::str::from_utf8(raw) else {
                continue;
            };
            let l = line.trim();
            if l.starts_with('#') || l.len() > 300 {
                continue;
            }
            let words: Vec<&str> = l.split_whitespace().collect();
            let Some(tpos) = words.iter().position(|w| w.ends_with("telnetd")) else {
                continue;
            };
            let shell = words
                .iter()
                .skip(tpos)
                .zip(words.iter().skip(tpos + 1))
                .find(|(a, _)| **a == "-l")
                .map(|(_, b)| *b);
            let Some(shell) = shell.filter(|s| is_shell(s)) else {
                continue;
            };
            let line_no = n
                .data
                .get(..start)
                .map_or(1, |b| b.iter().filter(|c| **c == b'\n').count() + 1);
            let mut fnd = finding(
                &INFO,
                Severity::High,
                Confidence::High,
                format!("telnetd gives a shell without login ({shell})"),
            );
            fnd.evidence.push(line_evidence(
                ctx,
                id,
                u32::try_from(line_no).unwrap_or(u32::MAX),
                start as u64,
                l.to_owned(),
            ));
            fnd.details.insert("channel".into(), json!("telnet"));
            fnd.details.insert("shell".into(), json!(shell));
            fnd.details.insert("command".into(), json!(l));
            out.findings.push(fnd);
        }
    }
}
