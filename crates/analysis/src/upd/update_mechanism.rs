//! UPD-001 `update-mechanism`.

use super::{finding, indicator_evidence, input_name, ByInput, Indicator, STATIC_LIMIT};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::{NodeId, NodeKind};
use serde_json::json;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "UPD-001",
    name: "update-mechanism",
    severity: Severity::Medium,
    summary: "Evidence of a software update mechanism in the image (or its absence)",
    requirements: &["en303645:5.3-1", "en303645:5.3-2", "en303645:5.3-3"],
    doc: Doc::Markdown("\
**What it checks.** Per input: programs and scripts named like an updater (`sysupgrade`, \
`*upgrade*`, `*update*`, `fwupdate`, `swupdate`, `rauc`, `mender`, `*ota*`), upgrade CGI \
handlers (`upgrade.cgi`, `firmware.cgi`), update code in programs and bare-metal images \
(`esp_ota_begin`, `esp_https_ota`, `system_upgrade_start`, `_ota_`, `upgrade firmware`…), OTA and A/B slots (ESP32 `ota_0`/`ota_1` partitions, the ESP8266 `user2` \
slot), and U-Boot boot commands that update from storage (`sdupdate`).

**Why it matters.** Every software component should be securely updateable (5.3-1, 5.3-2). \
Finding a mechanism is informative (info severity); finding none in an image with a file \
system (and none in any other input of the product) is a medium-severity, low-confidence \
finding: the mechanism may live in a part of the product Baseline was not given.

**Evidence.** Each indicator's node with a note (`file-name: sysupgrade`); details: \
`indicators`, `static_limit`.

**Known false positives.** Name matching: a program called `update-motd` is not a firmware \
updater. What cannot be known statically: whether updates are offered, automatic, or \
reachable (see `static_limit`).

**References.** ETSI EN 303 645 V2.1.1 provisions 5.3-1 to 5.3-3; ETSI TS 103 701 5.3."),
};

const NAME_PARTS: &[&str] = &[
    "sysupgrade",
    "upgrade",
    "update",
    "fwupdate",
    "swupdate",
    "rauc",
    "mender",
    "fota",
    "_ota",
    "ota_",
];

/// Strings of update code in programs and bare-metal images (ESP-IDF, ESP8266 SDK, vendor
/// log messages such as Tuya's), matched without regard to case.
/// Update code in programs and bare-metal images (matched in the shared content pass).
pub(crate) const STRINGS: &[&str] = &[
    "esp_ota_begin",
    "esp_https_ota",
    "system_upgrade_start",
    "_ota_",
    "ota_update",
    "upgrade start",
    "upgrade firmware",
    "firmware upgrade",
];

/// Nodes whose content is searched for update code: programs in file systems, and leaves
/// outside them (bare-metal images, raw regions).
pub(crate) fn searched(n: &baseline_unpack::Node) -> bool {
    let in_fs = n.fs_root.is_some();
    let program = in_fs && n.is_file() && n.data.starts_with(b"\x7fELF");
    let bare = !in_fs && n.children.is_empty() && !n.is_dir_like();
    (program || bare) && n.data.len() <= super::MAX_SEARCH
}

/// Every update indicator, by input; `code_hits` is the shared pass's first update-code
/// string per searched node.
pub(super) fn collect(ctx: &Context<'_>, code_hits: &BTreeMap<NodeId, &'static str>) -> ByInput {
    let mut by: ByInput = ByInput::new();
    for (id, n) in ctx.tree.iter() {
        let lower = n.name.to_ascii_lowercase();
        let mut push = |kind: &'static str, what: String| {
            by.entry(input_name(ctx, id)).or_default().push(Indicator {
                node: id,
                kind,
                what,
            });
        };
        let in_fs = n.fs_root.is_some();
        if in_fs && matches!(n.kind, NodeKind::File | NodeKind::Symlink { .. }) {
            let stem = lower.split('.').next().unwrap_or("");
            let cgi = lower.ends_with(".cgi")
                && (lower.contains("upgrade") || lower.contains("firmware"));
            let is_lib =
                lower.starts_with("lib") || lower.ends_with(".ko") || lower.ends_with(".mo");
            if (NAME_PARTS.iter().any(|p| stem.contains(p)) && !is_lib && !lower.contains("motd"))
                || cgi
            {
                push("file-name", n.name.clone());
            }
        }
        if !in_fs {
            if matches!(
                lower.as_str(),
                "ota_0" | "ota_1" | "user2" | "ota_data" | "otadata"
            ) {
                push("ota-slot", n.name.clone());
            }
            for (k, v) in &n.attrs {
                if k == "bootcmd" && v.contains("update") {
                    push(
                        "boot-command",
                        format!("{k}={}", v.chars().take(120).collect::<String>()),
                    );
                }
            }
        }
        if let Some(s) = code_hits.get(&id) {
            push("ota-code", (*s).to_owned());
        }
    }
    by
}

pub(super) fn check(ctx: &Context<'_>, by: &ByInput, out: &mut AnalysisOutput) {
    for r in ctx.tree.roots() {
        let Some(inp) = ctx.tree.get(*r) else {
            continue;
        };
        let name = &inp.name;
        match by.get(name) {
            Some(list) if !list.is_empty() => {
                let mut f = finding(
                    &INFO,
                    Severity::Info,
                    Confidence::Medium,
                    format!(
                        "Update mechanism evidence in {name}: {} indicator(s)",
                        list.len()
                    ),
                );
                for i in list.iter().take(10) {
                    f.evidence.push(indicator_evidence(ctx, i));
                }
                let v: Vec<String> = list
                    .iter()
                    .map(|i| format!("{}: {}", i.kind, i.what))
                    .collect();
                f.details.insert("indicators".into(), json!(v));
                f.details.insert("static_limit".into(), json!(STATIC_LIMIT));
                out.findings.push(f);
            }
            // Another input of the product (the boot loader, a second partition) has one.
            _ if by.values().any(|l| !l.is_empty()) => {}
            _ => {
                // Only inputs with a file system say anything by their silence.
                let has_fs = ctx.tree.fs_roots().any(|fs| {
                    ctx.tree.input_of(fs) == *r && ctx.tree.get(fs).is_some_and(|n| n.is_root_fs)
                });
                if !has_fs {
                    continue;
                }
                let mut f = finding(
                    &INFO,
                    Severity::Medium,
                    Confidence::Low,
                    format!("No update mechanism found in {name}"),
                );
                f.evidence.push(
                    ctx.evidence(*r)
                        .note("no updater, upgrade handler or OTA slot found"),
                );
                f.details.insert("indicators".into(), json!([]));
                f.details.insert("static_limit".into(), json!(STATIC_LIMIT));
                out.findings.push(f);
            }
        }
    }
}
