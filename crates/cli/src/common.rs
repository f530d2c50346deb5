//! Helpers several commands share (the command files under `cmd/` never import each other).

use anyhow::{bail, Context, Result};
use baseline_site::{time, FetchOptions, SiteInput};
use std::path::PathBuf;

/// `--now RFC3339` as Unix seconds.
pub fn parse_now(now: Option<&str>) -> Result<Option<i64>> {
    match now {
        None => Ok(None),
        Some(s) => match time::parse_rfc3339(s) {
            Some((t, _)) => Ok(Some(t)),
            None => bail!("--now `{s}` is not an RFC 3339 date-time (e.g. 2024-01-31T00:00:00Z)"),
        },
    }
}

pub fn read_keys(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading key {}", p.display())))
        .collect()
}

pub fn fetch_options(
    keys: &[PathBuf],
    ca_file: Option<&PathBuf>,
    now: Option<i64>,
) -> Result<FetchOptions> {
    let mut o = FetchOptions {
        keys: read_keys(keys)?,
        now,
        ..FetchOptions::default()
    };
    if let Some(ca) = ca_file {
        o.extra_roots_pem =
            Some(std::fs::read(ca).with_context(|| format!("reading CA file {}", ca.display()))?);
    }
    Ok(o)
}

/// Where `site` and `assess --site` archive fetched evidence by default.
pub fn default_evidence_dir(input: &SiteInput) -> PathBuf {
    let url = input
        .site
        .as_deref()
        .or(input.security_txt_url.as_deref())
        .or(input.policy_url.as_deref())
        .or(input.support_url.as_deref())
        .or(input.purchase_urls.first().map(String::as_str))
        .unwrap_or("site");
    let host = baseline_site::fetch::host(url).unwrap_or_else(|| "site".into());
    PathBuf::from("baseline-evidence").join(format!("{host}-{}", time::format_compact(time::now())))
}
