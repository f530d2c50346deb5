//! SVC-009 `serial-console`.

use super::finding;
use super::init::Inventory;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-009",
    name: "serial-console",
    severity: Severity::High,
    summary: "A serial console is enabled: a getty or shell on a UART in inittab, or console= in the kernel boot arguments",
    requirements: &["en303645:5.6-3", "en303645:5.6-4"],
    doc: Doc::Markdown("\
**What it checks.** `inittab` entries that run `getty`/`login`, a shell or OpenWrt's `login.sh` \
on a serial line (`ttyS*`, `ttyAMA*`, `ttyMSM*`, `ttyHSL*`, `ttySAC*`, `ttyO*`, `ttymxc*`…) or \
on `console`; and `console=tty…` in kernel boot arguments held by U-Boot environments or image \
headers (node attributes such as `bootargs`).

**Why it matters.** A UART console is a physically accessible debug interface (5.6-4) that \
often needs only a few pads on the board. With a shell and no login it is full access; with a \
getty it is a login prompt for the universal default password (CRED-001). Severity: high for a \
shell without login, low for a login prompt, info for kernel messages only.

**Evidence.** The inittab line, or the boot-argument attribute of the environment region; \
details: `tty`, `action`, `command`, `asks_login` or `bootargs`.

**Known false positives.** Whether the UART pins are reachable in the product's enclosure \
cannot be known from firmware; `console=` shows kernel messages and is only a shell when \
something runs on it.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.6-3, 5.6-4; BusyBox inittab; Linux \
kernel-parameters `console=`."),
};

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    for c in &inv.consoles {
        let (sev, what) = if c.asks_login {
            (Severity::Low, "login prompt")
        } else {
            (Severity::High, "shell without login")
        };
        let mut f = finding(
            &INFO,
            sev,
            Confidence::High,
            format!("Serial console on {} offers a {what} ({})", c.tty, c.action),
        );
        f.evidence.push(
            ctx.evidence(c.node)
                .line(c.line)
                .offset(c.offset)
                .excerpt(c.command.chars().take(240).collect::<String>())
                .note(format!("inittab {}", c.action)),
        );
        f.details.insert("tty".into(), json!(c.tty));
        f.details.insert("action".into(), json!(c.action));
        f.details.insert("command".into(), json!(c.command));
        f.details.insert("asks_login".into(), json!(c.asks_login));
        out.findings.push(f);
    }
    // Kernel console= in boot arguments (U-Boot environments, image headers).
    let mut seen = std::collections::BTreeSet::new();
    for (id, n) in ctx.tree.iter() {
        for (k, v) in &n.attrs {
            let Some(pos) = v.find("console=") else {
                continue;
            };
            let arg: String = v
                .get(pos..)
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .take(64)
                .collect();
            let tty = arg
                .trim_start_matches("console=")
                .split(',')
                .next()
                .unwrap_or("")
                .to_owned();
            if tty.is_empty()
                || tty.starts_with("null")
                || !seen.insert((ctx.tree.input_of(id), arg.clone()))
            {
                continue;
            }
            let mut f = finding(
                &INFO,
                Severity::Info,
                Confidence::High,
                format!("Kernel console on {tty} set in boot arguments ({k})"),
            );
            f.evidence.push(
                ctx.evidence(id)
                    .excerpt(format!("{k}={}", v.chars().take(200).collect::<String>()))
                    .note(format!(
                        "attribute '{k}' of {}",
                        n.format.unwrap_or("region")
                    )),
            );
            f.details.insert("tty".into(), json!(tty));
            f.details.insert("console_arg".into(), json!(arg));
            f.details.insert("attribute".into(), json!(k));
            out.findings.push(f);
        }
    }
}
