//! Fetching manufacturer pages as evidence, and serving them again from an archive.
//!
//! Owns the HTTP policy: HTTPS by rustls (webpki roots, plus an extra root for tests and labs),
//! timeouts, a body size limit enforced while streaming (a huge page is cut off, never
//! buffered whole), a redirect limit with every hop recorded, no cookies, an honest user agent.
//! Every response, failed or not, becomes a [`Resource`] in the [`Archive`]; the checks read
//! only through [`Source`], so an archive re-run sees exactly what the live run saw.

use crate::archive::{Archive, Hop, Resource};
use crate::time;
use crate::Error;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::time::Duration;

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Whole-request timeout (connect, TLS, headers and body).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Bodies are cut off after this many bytes (the resource is marked `truncated`).
    pub max_body: u64,
    pub max_redirects: u32,
    /// Trusted root certificates (PEM) replacing the public (webpki) roots, e.g. a lab's or a
    /// test server's.
    pub extra_roots_pem: Option<Vec<u8>>,
    pub user_agent: String,
    /// OpenPGP public keys to check security.txt signatures with.
    pub keys: Vec<Vec<u8>>,
    /// Judge as of this time (Unix seconds) instead of the fetch time.
    pub now: Option<i64>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body: 5 * 1024 * 1024,
            max_redirects: 5,
            extra_roots_pem: None,
            user_agent: format!(
                "baseline/{} (+security assessment)",
                env!("CARGO_PKG_VERSION")
            ),
            keys: Vec::new(),
            now: None,
        }
    }
}

/// Where the checks get pages from.
pub trait Source {
    /// The resource at `url` (fetched once; later calls return the same record) and its body.
    fn get(&mut self, role: &str, url: &str) -> (Resource, Vec<u8>);
    /// OpenPGP keys the user gave (archived with the run so a re-check uses the same keys).
    fn user_keys(&self) -> Vec<Vec<u8>>;
}

/// Live fetching into an archive.
#[derive(Debug)]
pub struct Fetcher {
    agent: ureq::Agent,
    opts: FetchOptions,
    pub archive: Archive,
}

impl Fetcher {
    pub fn new(opts: &FetchOptions, archive: Archive) -> Result<Self, Error> {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots = match &opts.extra_roots_pem {
            None => RootCerts::WebPki,
            Some(pem) => {
                let mut certs = Vec::new();
                for item in ureq::tls::parse_pem(pem) {
                    if let Ok(ureq::tls::PemItem::Certificate(c)) = item {
                        certs.push(c);
                    }
                }
                if certs.is_empty() {
                    return Err(Error::Config(
                        "the CA file holds no PEM certificate".to_owned(),
                    ));
                }
                // A lab or test CA replaces the public roots: such runs should reach only the
                // servers that CA vouches for.
                let all: Vec<Certificate<'static>> = certs;
                RootCerts::new_with_certs(&all)
            }
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(opts.timeout))
            .timeout_connect(Some(opts.connect_timeout))
            .user_agent(opts.user_agent.as_str())
            .accept("text/plain, text/html;q=0.9, */*;q=0.5")
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build();
        Ok(Fetcher {
            agent: config.into(),
            opts: opts.clone(),
            archive,
        })
    }

    fn fetch(&self, role: &str, url: &str) -> (Resource, Vec<u8>) {
        let started = time::now();
        let mut res = Resource {
            role: role.to_owned(),
            url: url.to_owned(),
            fetched_at: time::format_rfc3339(started),
            ..Resource::default()
        };
        let mut current = url.to_owned();
        for hop_no in 0..=self.opts.max_redirects {
            if !(current.starts_with("https://") || current.starts_with("http://")) {
                res.error = Some(format!("unsupported URL `{current}`"));
                return (res, Vec::new());
            }
            let resp = match self.agent.get(&current).call() {
                Ok(r) => r,
                Err(e) => {
                    res.error = Some(describe(&e));
                    res.final_url = Some(current);
                    return (res, Vec::new());
                }
            };
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            res.chain.push(Hop {
                url: current.clone(),
                status,
                location: location.clone(),
            });
            if (300..400).contains(&status) {
                if let Some(loc) = location {
                    if hop_no == self.opts.max_redirects {
                        res.error =
                            Some(format!("more than {} redirects", self.opts.max_redirects));
                        res.status = Some(status);
                        res.final_url = Some(current);
                        return (res, Vec::new());
                    }
                    current = join_url(&current, &loc);
                    continue;
                }
            }
            res.status = Some(status);
            res.final_url = Some(current.clone());
            res.headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            let limit = self.opts.max_body;
            let mut reader = resp.into_body().into_reader().take(limit.saturating_add(1));
            match reader.read_to_end(&mut body) {
                Ok(_) => {}
                Err(e) => res.error = Some(format!("reading the body: {e}")),
            }
            if body.len() as u64 > limit {
                body.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
                res.truncated = true;
            }
            res.size = body.len() as u64;
            res.sha256 = Some(hex::encode(Sha256::digest(&body)));
            return (res, body);
        }
        (res, Vec::new())
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

impl Source for Fetcher {
    fn get(&mut self, role: &str, url: &str) -> (Resource, Vec<u8>) {
        if let Some(hit) = self.archive.lookup(url) {
            return hit;
        }
        let (res, body) = self.fetch(role, url);
        self.archive.add(res.clone(), &body);
        (res, body)
    }
    fn user_keys(&self) -> Vec<Vec<u8>> {
        self.archive.user_keys()
    }
}

impl Source for Archive {
    fn get(&mut self, role: &str, url: &str) -> (Resource, Vec<u8>) {
        self.lookup(url).unwrap_or_else(|| {
            (
                Resource {
                    role: role.to_owned(),
                    url: url.to_owned(),
                    error: Some("not in the archive (it was not fetched then)".to_owned()),
                    ..Resource::default()
                },
                Vec::new(),
            )
        })
    }
    fn user_keys(&self) -> Vec<Vec<u8>> {
        Archive::user_keys(self)
    }
}

/// Resolve a `Location` value against the URL it came from.
pub fn join_url(base: &str, loc: &str) -> String {
    let loc = loc.trim();
    if loc.contains("://") {
        return loc.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(r) = loc.strip_prefix("//") {
        return format!("{scheme}://{r}");
    }
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = rest.get(..host_end).unwrap_or(rest);
    if loc.starts_with('/') {
        return format!("{scheme}://{host}{loc}");
    }
    let path = rest.get(host_end..).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let dir = path.rfind('/').and_then(|i| path.get(..=i)).unwrap_or("/");
    format!("{scheme}://{host}{dir}{loc}")
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{}://{}", scheme.to_ascii_lowercase(), host))
}

/// The host of a URL, for folder names.
pub fn host(url: &str) -> Option<String> {
    let o = origin(url)?;
    let h = o.split_once("://")?.1;
    let h = h.rsplit_once('@').map_or(h, |x| x.1);
    Some(h.replace([':', '[', ']'], "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_redirect_targets() {
        assert_eq!(
            join_url("https://a.example/x/y?q", "/z"),
            "https://a.example/z"
        );
        assert_eq!(
            join_url("https://a.example/x/y", "z"),
            "https://a.example/x/z"
        );
        assert_eq!(
            join_url("https://a.example/x/", "//b.example/"),
            "https://b.example/"
        );
        assert_eq!(join_url("https://a.example", "http://c/"), "http://c/");
        assert_eq!(
            origin("HTTPS://a.example:8443/p?x").as_deref(),
            Some("https://a.example:8443")
        );
        assert_eq!(
            host("https://127.0.0.1:8443/").as_deref(),
            Some("127.0.0.1_8443")
        );
    }
}
