//! SVC-004 `ssh-service`.

use super::catalogue::Class;
use super::init::{How, Inventory, Launch};
use super::report_launches;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "SVC-004",
    name: "ssh-service",
    severity: Severity::High,
    summary: "An SSH server is started (or present), with the login policy its flags or configuration set",
    requirements: &["en303645:5.6-1", "en303645:5.6-5", "en303645:5.1-1", "en303645:5.5-4"],
    doc: Doc::Markdown("\
**What it checks.** The start-up inventory (see SVC-001) for `dropbear` (also as \
`dropbearmulti`) and OpenSSH `sshd`, and the login policy: Dropbear's flags `-w` (no root \
login), `-s` (no password logins), `-g` (no password logins for root) and `-B` (blank passwords \
allowed); OpenWrt's `/etc/config/dropbear` (`PasswordAuth`, `RootPasswordAuth`, `RootLogin`); \
`sshd_config` (`PermitRootLogin`, `PasswordAuthentication`, `PermitEmptyPasswords`).

**Why it matters.** SSH itself is the right way to offer a shell, but a root login by password \
combined with a universal default password (CRED-001) is the usual compromise path; blank \
passwords make it trivial. Severity: info when started with keys only, low when root can log in \
with a password, high when blank passwords are allowed.

**Evidence.** As SVC-001, plus the configuration file and line; details: `root_login`, \
`password_auth`, `empty_passwords` (true/false/null when not determinable).

**Known false positives.** As SVC-001. Defaults are assumed when nothing says otherwise \
(Dropbear and older OpenSSH allow root password logins by default).

**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.5-4, 5.6-1, 5.6-5; dropbear(8); \
sshd_config(5)."),
};

#[derive(Default)]
struct Policy {
    root_login: Option<bool>,
    password_auth: Option<bool>,
    empty_passwords: Option<bool>,
    evidence: Vec<baseline_model::Evidence>,
}

fn policy(ctx: &Context<'_>, l: &Launch) -> Policy {
    let mut p = Policy::default();
    let has = |f: &str| l.argv.iter().any(|a| a == f);
    if l.program.starts_with("dropbear") {
        p.root_login = Some(!has("-w"));
        p.password_auth = Some(!has("-s"));
        if has("-g") {
            p.root_login = Some(false).filter(|_| has("-s")).or(p.root_login);
        }
        p.empty_passwords = Some(has("-B"));
        if l.how == How::Present || l.how == How::Spawned {
            p.root_login = None;
            p.password_auth = None;
            p.empty_passwords = None;
        }
    }
    // Configuration files anywhere in the file systems.
    for (id, path) in ctx.fs_files() {
        let is_ow = path == "/etc/config/dropbear";
        let is_sshd = path.ends_with("/sshd_config");
        if !(is_ow && l.program.starts_with("dropbear") || is_sshd && l.program == "sshd") {
            continue;
        }
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.data.len() > 256 * 1024 {
            continue;
        }
        let text = String::from_utf8_lossy(&n.data);
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let t = line.trim();
            if t.starts_with('#') {
                continue;
            }
            let w: Vec<&str> = t.split_whitespace().collect();
            let (key, val) = if is_ow {
                match (w.first(), w.get(1), w.get(2)) {
                    (Some(&"option"), Some(k), Some(v)) => {
                        (*k, v.trim_matches(|c| c == '\'' || c == '"'))
                    }
                    _ => continue,
                }
            } else {
                match (w.first(), w.get(1)) {
                    (Some(k), Some(v)) => (*k, *v),
                    _ => continue,
                }
            };
            let on = matches!(val, "on" | "1" | "yes" | "true");
            let set = match key {
                "PasswordAuth" | "PasswordAuthentication" => {
                    p.password_auth = Some(on);
                    true
                }
                "RootPasswordAuth" | "RootLogin" => {
                    p.root_login = Some(on);
                    true
                }
                "PermitRootLogin" => {
                    p.root_login = Some(val == "yes");
                    true
                }
                "PermitEmptyPasswords" => {
                    p.empty_passwords = Some(on);
                    true
                }
                _ => false,
            };
            if set {
                p.evidence.push(
                    ctx.evidence(id)
                        .line(u32::try_from(i + 1).unwrap_or(u32::MAX))
                        .offset(here)
                        .excerpt(t.chars().take(240).collect::<String>()),
                );
            }
        }
    }
    p
}

pub(super) fn check(ctx: &Context<'_>, inv: &Inventory, out: &mut AnalysisOutput) {
    let sev = |how: How, l: &Launch| {
        if how == How::Present {
            return Severity::Info;
        }
        let p = policy(ctx, l);
        if p.empty_passwords == Some(true) {
            Severity::High
        } else if p.root_login != Some(false) && p.password_auth != Some(false) {
            Severity::Low
        } else {
            Severity::Info
        }
    };
    let start = out.findings.len();
    report_launches(ctx, inv, &INFO, &[Class::Ssh], sev, "SSH server", out);
    for f in out.findings.iter_mut().skip(start) {
        let program = f
            .details
            .get("program")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let Some(l) = inv
            .launches
            .iter()
            .filter(|l| l.program == program && l.class == Class::Ssh)
            .min_by_key(|l| l.how)
        else {
            continue;
        };
        let p = policy(ctx, l);
        f.details.insert("root_login".into(), json!(p.root_login));
        f.details
            .insert("password_auth".into(), json!(p.password_auth));
        f.details
            .insert("empty_passwords".into(), json!(p.empty_passwords));
        f.evidence.extend(p.evidence);
    }
}
