//! UPD-003 `http-update-url`.

use super::{finding, STATIC_LIMIT};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "UPD-003",
    name: "http-update-url",
    severity: Severity::Medium,
    summary: "An update or firmware download URL uses plain HTTP",
    requirements: &["en303645:5.3-7", "en303645:5.3-10", "en303645:5.5-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** Every file of the file systems (up to 8 MiB) for `http://` URLs whose text \
names an update (`update`, `upgrade`, `firmware`, `/fw`, `ota`, `.bin`, `.img`). Local and \
schema addresses (`localhost`, `127.*`, `192.168.*`, `10.*`, `w3.org`, `xmlns`) are skipped.

**Why it matters.** An update fetched over plain HTTP can be replaced or blocked by anyone on \
the path unless the image itself is signed and verified (5.3-10); best-practice cryptography \
for the update mechanism (5.3-7) means an authenticated channel.

**Evidence.** One finding per input; up to 20 URLs as evidence with file and offset; details: \
`urls`, `static_limit`.

**Known false positives.** A URL that is only displayed, or a fallback never used; signed \
images fetched over HTTP are acceptable for integrity (not confidentiality).

**References.** ETSI EN 303 645 V2.1.1 provisions 5.3-7, 5.3-10, 5.5-1.",
    ),
};

const UPDATE_WORDS: &[&str] = &[
    "update", "upgrade", "firmware", "/fw", "ota", ".bin", ".img",
];
const SKIP_HOSTS: &[&str] = &[
    "localhost",
    "127.",
    "192.168.",
    "10.",
    "www.w3.org",
    "w3.org",
    "xmlns",
    "schemas.",
    "purl.org",
    "example.",
    "www.openssl.org",
    "www.gnu.org",
];

fn url_at(data: &[u8], at: usize) -> Option<String> {
    let rest = data.get(at..)?;
    let len = rest
        .iter()
        .take(300)
        .position(|b| !(b.is_ascii_graphic()) || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`'))
        .unwrap_or(rest.len().min(300));
    let u = std::str::from_utf8(rest.get(..len)?).ok()?;
    Some(u.to_owned())
}

pub(super) fn check(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let fin = memchr::memmem::Finder::new(b"http://");
    let mut by: BTreeMap<String, Vec<(baseline_unpack::NodeId, u64, String)>> = BTreeMap::new();
    for (id, _) in ctx.fs_files() {
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.data.len() > super::MAX_SEARCH {
            continue;
        }
        for at in fin.find_iter(&n.data).take(200) {
            let Some(u) = url_at(&n.data, at) else {
                continue;
            };
            let l = u.to_ascii_lowercase();
            let host = l.trim_start_matches("http://");
            if host.len() < 4 || SKIP_HOSTS.iter().any(|s| host.starts_with(s)) {
                continue;
            }
            if !UPDATE_WORDS.iter().any(|w| l.contains(w)) {
                continue;
            }
            let v = by.entry(super::input_name(ctx, id)).or_default();
            if v.iter().all(|(_, _, x)| *x != u) {
                v.push((id, at as u64, u));
            }
        }
    }
    for (input, urls) in by {
        let mut f = finding(
            &INFO,
            Severity::Medium,
            Confidence::Medium,
            format!("{} update URL(s) over plain HTTP in {input}", urls.len()),
        );
        for (id, off, u) in urls.iter().take(20) {
            f.evidence
                .push(ctx.evidence(*id).offset(*off).excerpt(u.clone()));
        }
        let list: Vec<&String> = urls.iter().map(|(_, _, u)| u).collect();
        f.details.insert("urls".into(), json!(list));
        f.details.insert("static_limit".into(), json!(STATIC_LIMIT));
        out.findings.push(f);
    }
}
