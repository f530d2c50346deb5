//! CRED-003 `runtime-account-database`.

use super::accounts::is_account_file;
use super::{finding, CredRun};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::{NodeId, NodeKind};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-003",
    name: "runtime-account-database",
    severity: Severity::Info,
    summary: "The account database is generated at run time (a symlink into /tmp or /var)",
    requirements: &["en303645:5.1-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** `/etc/passwd`, `/etc/shadow` and `/etc/group` in each root file system: \
whether they are symlinks into `/tmp` or `/var` (or dangling), i.e. written at boot. It then \
looks for what they are generated from: other account files in the image (`passwd.bak`, \
`/etc_ro/passwd`…) and the scripts or binaries that name the link target.

**Why it matters.** The effective credentials of the device are not in the file at the usual \
place. If the template is in the image, its hashes are as universal as a static `/etc/shadow` \
(see CRED-001/CRED-009); if Baseline finds no template, the verdict on default passwords cannot \
rest on the image alone.

**Evidence.** The symlink and its target; details: `link`, `target`, `templates` (account files \
found elsewhere in the same file system), `generators` (files that name the target).

**Known false positives.** A device that really derives per-unit passwords at boot (from a \
serial number or a factory partition): the finding is informational and says so.

**References.** ETSI EN 303 645 V2.1.1 provision 5.1-1 and its note on per-device values.",
    ),
};

const MAX_GENERATOR_SCAN: usize = 16 << 20;

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    let tree = ctx.tree;
    let roots: Vec<NodeId> = tree.fs_roots().collect();
    for root in roots {
        for name in ["passwd", "shadow", "group"] {
            let link_path = format!("/etc/{name}");
            let Some(link) = tree.lookup_nofollow(root, &link_path) else {
                continue;
            };
            let Some(NodeKind::Symlink { target }) = tree.get(link).map(|n| n.kind.clone()) else {
                continue;
            };
            let resolved = tree.lookup(root, &link_path);
            let runtime_dir = ["tmp", "var", "run"]
                .iter()
                .any(|d| target.split('/').any(|c| c == *d));
            if !(runtime_dir || resolved.is_none()) {
                continue;
            }
            // The absolute path the device will see.
            let abs = absolutise("/etc", &target);
            let templates: Vec<String> = ctx
                .fs_files()
                .filter(|(id, p)| {
                    tree.get(*id).is_some_and(|n| n.fs_root == Some(root))
                        && *p != link_path
                        && tree.get(*id).is_some_and(|n| {
                            is_account_file(&n.name).is_some() || n.name == "group"
                        })
                        && tree
                            .get(*id)
                            .is_some_and(|n| n.name.starts_with(name) || n.name.starts_with('.'))
                })
                .map(|(_, p)| p)
                .collect();
            let needle = abs.as_bytes();
            let generators: Vec<String> = ctx
                .fs_files()
                .filter(|(id, _)| {
                    tree.get(*id).is_some_and(|n| {
                        n.fs_root == Some(root)
                            && n.data.len() <= MAX_GENERATOR_SCAN
                            && memchr::memmem::find(&n.data, needle).is_some()
                    })
                })
                .map(|(_, p)| p)
                .take(20)
                .collect();
            let title = if templates.is_empty() && !generators.is_empty() {
                format!(
                    "/etc/{name} is generated at run time ({target}) by {}; no template file in the image",
                    generators.join(", ")
                )
            } else if templates.is_empty() {
                format!("/etc/{name} is generated at run time ({target}); no template found in the image")
            } else {
                format!(
                    "/etc/{name} is generated at run time ({target}); template(s): {}",
                    templates.join(", ")
                )
            };
            let conf = if templates.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            };
            let mut f = finding(&INFO, Severity::Info, conf, title);
            f.evidence.push(ctx.evidence(link).note(format!(
                "symlink to {target} (resolves to {abs} at run time)"
            )));
            for g in &generators {
                f.evidence.push(
                    ctx.evidence(root)
                        .path(g.clone())
                        .note(format!("names {abs}")),
                );
            }
            f.details.insert("link".into(), json!(link_path));
            f.details.insert("target".into(), json!(target));
            f.details.insert("templates".into(), json!(templates));
            f.details.insert("generators".into(), json!(generators));
            out.findings.push(f);
        }
    }
}

/// Resolve a relative link target against its directory, lexically (`/etc` + `../tmp/passwd`).
fn absolutise(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|c| !c.is_empty()).collect()
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::absolutise;
    #[test]
    fn absolutises_link_targets() {
        assert_eq!(absolutise("/etc", "../tmp/passwd"), "/tmp/passwd");
        assert_eq!(absolutise("/etc", "/var/passwd"), "/var/passwd");
    }
}
