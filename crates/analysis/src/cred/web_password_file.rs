//! CRED-005 `web-password-file`.

use super::crack::Outcome;
use super::crypt::HashFormat;
use super::{finding, line_evidence, redact_in, shown, CredRun, Secret};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-005",
    name: "web-password-file",
    severity: Severity::Critical,
    summary: "A web server password file in the image holds a fixed credential",
    requirements: &["psti:sch1-p1", "en303645:5.1-1", "en303645:5.1-2"],
    doc: Doc::Markdown(
        "\
**What it checks.** Web-server password files: `.htpasswd`/`htpasswd` (Apache, BusyBox httpd, \
mini_httpd), lighttpd `lighttpd.user`/`lighttpd-htdigest.user`, Boa and GoAhead password files, \
and BusyBox/uhttpd `httpd.conf` realm lines (`/cgi-bin:admin:$p$root`, `/:user:password`). Each \
`user:password` pair with a non-empty password is reported; hashes are attacked with the bundled \
dictionary like account hashes.

**Why it matters.** The web interface is how most users manage the product; a credential fixed in \
the image is a universal default password for it.

**Evidence.** File, line, redacted excerpt; details: `account`, `hash_format` (`plaintext` when \
stored in clear), `recovered`, `password` (redacted).

**Known false positives.** `$p$user` in BusyBox httpd.conf refers to the system account's \
password (reported as such, low severity: CRED-001 covers the account). Example files shipped \
in documentation directories.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.1-2; PSTI Regulations 2023 \
Schedule 1 §1.",
    ),
};

/// One `user:password` of a web password file.
#[derive(Debug, Clone)]
pub struct WebEntry {
    pub node: NodeId,
    pub line: u32,
    pub offset: u64,
    pub user: String,
    pub password: String,
    pub raw: String,
    /// `$p$user`: delegates to the system account.
    pub delegated: bool,
}

fn is_web_password_file(name: &str, path: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == ".htpasswd"
        || n == "htpasswd"
        || n.ends_with(".htpasswd")
        || n == "lighttpd.user"
        || n == "lighttpd-htdigest.user"
        || n == "httpd.conf"
        || (path.contains("/boa/") && n == "passwd")
        || n == "umconfig.txt"
}

pub fn collect(ctx: &Context<'_>) -> Vec<WebEntry> {
    let mut out = Vec::new();
    for (id, path) in ctx.fs_files() {
        let Some(n) = ctx.tree.get(id) else { continue };
        if !is_web_password_file(&n.name, &path) || n.data.len() > 1 << 20 {
            continue;
        }
        let httpd_conf = n.name == "httpd.conf";
        let text = String::from_utf8_lossy(&n.data);
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let l = line.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            let fields: Vec<&str> = l.split(':').collect();
            let (user, pw) = if httpd_conf {
                // BusyBox httpd.conf: /path:user:pass ; other directives are `X:...` or `.ext:`
                if !l.starts_with('/') || fields.len() < 3 {
                    continue;
                }
                (
                    fields.get(1).copied(),
                    Some(fields.get(2..).map(|f| f.join(":")).unwrap_or_default()),
                )
            } else {
                // htpasswd user:hash ; htdigest user:realm:md5
                let pw = if fields.len() == 3 {
                    fields.get(2).map(|s| (*s).to_owned())
                } else {
                    fields.get(1..).map(|f| f.join(":"))
                };
                (fields.first().copied(), pw)
            };
            let (Some(user), Some(pw)) = (user, pw) else {
                continue;
            };
            if user.is_empty() || pw.is_empty() || user.len() > 64 {
                continue;
            }
            out.push(WebEntry {
                node: id,
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                offset: here,
                user: user.to_owned(),
                delegated: pw.starts_with("$p$"),
                password: pw,
                raw: l.to_owned(),
            });
        }
    }
    out
}

pub(super) fn check(run: &mut CredRun<'_, '_>, web: &[WebEntry], out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for w in web {
        let fmt = HashFormat::detect(&w.password);
        let (fmt_name, plain) = if w.delegated {
            ("system-account", None)
        } else if fmt == HashFormat::Unknown {
            ("plaintext", Some(w.password.as_str()))
        } else {
            (fmt.as_str(), None)
        };
        let recovered = match run.cracked.get(&w.password) {
            Some(Outcome::Recovered(p)) => Some(p.as_str()),
            _ => plain,
        };
        let sev = if w.delegated {
            Severity::Low
        } else if recovered.is_some() {
            Severity::Critical
        } else {
            Severity::High
        };
        let path = ctx.tree.fs_path(w.node).unwrap_or_default();
        let located = ctx.tree.member_path(w.node).unwrap_or_default();
        let mut title = format!(
            "Web password file {located} has a fixed credential for '{}'",
            w.user
        );
        if let Some(p) = recovered {
            title.push_str(&format!(" (password: {})", shown(ctx, p)));
        }
        let mut f = finding(&INFO, sev, Confidence::High, title);
        f.evidence.push(line_evidence(
            ctx,
            w.node,
            w.line,
            w.offset,
            redact_in(ctx, &w.raw, &w.password),
        ));
        f.details.insert("account".into(), json!(w.user));
        f.details.insert("hash_format".into(), json!(fmt_name));
        f.details
            .insert("recovered".into(), json!(recovered.is_some()));
        if let Some(p) = recovered {
            f.details.insert("password".into(), json!(shown(ctx, p)));
        }
        out.findings.push(f);
        if !w.delegated {
            run.secrets.push(Secret {
                kind: "web-password".into(),
                locator: format!("{path}#{}", w.user),
                value: w.password.clone(),
                input: ctx.tree.input_of(w.node),
                evidence: ctx.evidence(w.node).line(w.line),
            });
        }
    }
}
