//! The evidence archive: every fetched resource with its URL, redirect chain, time, status,
//! headers, SHA-256 and body. On disk: `index.json` plus `bodies/<sha256>` (content
//! addressed, so a body is stored once however often it was served). Loading checks every
//! body against its recorded hash, so an altered archive is refused rather than re-judged.

use crate::{Error, SiteInput};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// `schema` of an archive index.
pub const ARCHIVE_SCHEMA: &str = "baseline/site-archive/v1";

/// One redirect hop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// One fetched resource (or one failed attempt).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Why it was fetched: `security-txt`, `security-txt-legacy`, `encryption-key`, `home`,
    /// `policy`, `support`, `purchase`.
    pub role: String,
    /// The URL asked for.
    pub url: String,
    /// The URL of the last response, after redirects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(default)]
    pub chain: Vec<Hop>,
    /// RFC 3339 time the fetch started.
    pub fetched_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Headers of the final response, as received (names lower-cased by the HTTP library).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default)]
    pub size: u64,
    /// The body was cut off at the size limit.
    #[serde(default)]
    pub truncated: bool,
    /// Transport error, timeout, redirect loop…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Resource {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// A 2xx response with a complete body.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
    /// Every URL in the chain used plain HTTP at some point.
    pub fn left_https(&self) -> bool {
        self.chain.iter().any(|h| h.url.starts_with("http://"))
            || self
                .final_url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://"))
    }
    /// One-line account: `200 https://…` or the error.
    pub fn describe(&self) -> String {
        let hops: Vec<String> = self
            .chain
            .iter()
            .map(|h| format!("{} {}", h.status, h.url))
            .collect();
        let mut s = if hops.is_empty() {
            self.url.clone()
        } else {
            hops.join(" → ")
        };
        if let Some(e) = &self.error {
            s.push_str(&format!(" ({e})"));
        }
        s
    }
}

/// The index of an archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub schema: String,
    pub tool_version: String,
    /// RFC 3339 time the run started; an offline re-check judges as of this time.
    pub started_at: String,
    pub input: SiteInput,
    pub resources: Vec<Resource>,
}

/// An archive in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Archive {
    pub index: Index,
    /// Bodies by SHA-256 (hex).
    pub bodies: BTreeMap<String, Vec<u8>>,
}

impl Archive {
    pub fn new(input: SiteInput, started_at: i64) -> Self {
        Archive {
            index: Index {
                schema: ARCHIVE_SCHEMA.to_owned(),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
                started_at: crate::time::format_rfc3339(started_at),
                input,
                resources: Vec::new(),
            },
            bodies: BTreeMap::new(),
        }
    }

    pub fn started_at(&self) -> Option<i64> {
        crate::time::parse_rfc3339(&self.index.started_at).map(|x| x.0)
    }

    pub fn add(&mut self, res: Resource, body: &[u8]) {
        if let Some(h) = &res.sha256 {
            self.bodies
                .entry(h.clone())
                .or_insert_with(|| body.to_vec());
        }
        self.index.resources.push(res);
    }

    /// The first record for `url`, with its body.
    pub fn lookup(&self, url: &str) -> Option<(Resource, Vec<u8>)> {
        let r = self.index.resources.iter().find(|r| r.url == url)?;
        let body = r
            .sha256
            .as_ref()
            .and_then(|h| self.bodies.get(h))
            .cloned()
            .unwrap_or_default();
        Some((r.clone(), body))
    }

    /// Bodies of the `user-key` resources, in order.
    pub fn user_keys(&self) -> Vec<Vec<u8>> {
        self.index
            .resources
            .iter()
            .filter(|r| r.role == "user-key")
            .filter_map(|r| r.sha256.as_ref().and_then(|h| self.bodies.get(h)).cloned())
            .collect()
    }

    /// Write `index.json` and `bodies/` into `dir` (created; must be empty or absent).
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let io = |e: std::io::Error| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        std::fs::create_dir_all(dir.join("bodies")).map_err(io)?;
        for (hash, body) in &self.bodies {
            std::fs::write(dir.join("bodies").join(hash), body).map_err(io)?;
        }
        let json = serde_json::to_vec_pretty(&self.index).map_err(|e| Error::Archive {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        std::fs::write(dir.join("index.json"), json).map_err(io)?;
        Ok(())
    }

    /// Read an archive back, checking every body against its hash.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let index_path = dir.join("index.json");
        let text = std::fs::read(&index_path).map_err(|e| Error::Io {
            path: index_path.clone(),
            source: e,
        })?;
        let index: Index = serde_json::from_slice(&text).map_err(|e| Error::Archive {
            path: index_path.clone(),
            message: e.to_string(),
        })?;
        if index.schema != ARCHIVE_SCHEMA {
            return Err(Error::Archive {
                path: index_path,
                message: format!("unknown schema `{}`", index.schema),
            });
        }
        let mut bodies = BTreeMap::new();
        for r in &index.resources {
            let Some(hash) = &r.sha256 else { continue };
            if bodies.contains_key(hash) {
                continue;
            }
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(Error::Archive {
                    path: index_path,
                    message: format!("bad sha256 `{hash}`"),
                });
            }
            let p = dir.join("bodies").join(hash);
            let body = std::fs::read(&p).map_err(|e| Error::Io {
                path: p.clone(),
                source: e,
            })?;
            let got = hex::encode(Sha256::digest(&body));
            if &got != hash {
                return Err(Error::Archive {
                    path: p,
                    message: format!("body hash {got} does not match the index ({hash})"),
                });
            }
            bodies.insert(hash.clone(), body);
        }
        Ok(Archive { index, bodies })
    }
}
