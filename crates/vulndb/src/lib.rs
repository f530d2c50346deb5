//! Offline vulnerability store (NVD CVE API 2.0, OSV, CISA KEV, EPSS) and component matching.
//!
//! Owns: the embedded store ([`Store`], one `redb` file), streaming importers (`import`),
//! version ordering (`version`), CPE parsing and aliases (`cpe`), matching components to
//! vulnerabilities with a recorded reason (`matcher`, `vex`), and the VULN findings of those
//! matches (`findings`). Never does: fetch anything from
//! the network, print, or decide verdicts.
//!
//! Why `redb`: pure Rust (MIT/Apache-2.0), no C toolchain, one file, ACID transactions (an
//! interrupted import leaves the previous state), ordered keys for prefix scans of the
//! `vendor:product` index, and fast enough (see README "Performance"). SQLite would add a C
//! build and a query language we do not need: every lookup here is a key or a key prefix.
//!
//! Layout (all tables `&str → &[u8]`): `cve` (id → JSON [`record::CveRecord`], for people
//! and exports), `sum` (id → compact binary summary: what matching and the findings need),
//! `idx` (`vendor:product\0id` → that CVE's `cpeMatch`es for that product, binary, so
//! versions are checked without loading the record), `kev`, `epss`, `meta`. The layout has a
//! version ([`FORMAT`], `meta.format`): a store written by an older version is upgraded by the
//! next `baseline vulndb import` (rebuilt from its own JSON records) and refused by matching
//! until then, with a message that says so.

pub mod checks;
pub mod cpe;
mod findings;
mod import;
mod matcher;
pub mod record;
mod summary;
pub mod version;
mod vex;

pub use findings::{base_score, findings, HIGH_CVSS, HIGH_SEVERITY, KNOWN, KNOWN_EXPLOITED};
pub use import::{ImportStats, Source};

use redb::{Database, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub(crate) const CVE: TableDefinition<&str, &[u8]> = TableDefinition::new("cve");
pub(crate) const IDX: TableDefinition<&str, &[u8]> = TableDefinition::new("idx");
pub(crate) const SUM: TableDefinition<&str, &[u8]> = TableDefinition::new("sum");
pub(crate) const KEV: TableDefinition<&str, &[u8]> = TableDefinition::new("kev");
pub(crate) const EPSS: TableDefinition<&str, &[u8]> = TableDefinition::new("epss");
pub(crate) const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// On-disk layout version (`meta.format`). 1 (no `meta.format`): JSON index values, no `sum`
/// table. 2: binary index values and record summaries. 3: summaries also keep Linux kernel
/// records' descriptions (the kernel VEX rule reads them; a format-2 store would silently
/// leave every kernel CVE affected, so it is rebuilt like a format-1 one).
pub const FORMAT: u32 = 3;

/// Data older than this is stale (assessments add a notice).
pub const STALE_DAYS: i64 = 30;

/// Requirements a known vulnerability informs: 5.2-3 (monitor, identify and rectify
/// vulnerabilities) and 5.3-8 (security updates timely). Not 5.3-2 (the update mechanism)
/// nor 5.1-x: a vulnerable component says nothing about those.
pub const REQUIREMENTS: &[&str] = &["en303645:5.2-3", "en303645:5.3-8"];

/// Errors: the store could not be opened, read or written, or an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("vulnerability store {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: Box<redb::Error>,
    },
    #[error("no vulnerability store at {0} (run `baseline vulndb import`)")]
    Absent(PathBuf),
    #[error(
        "vulnerability store {path} has format {found}; this version reads format {want}: run \
         `baseline vulndb import` (with any data file, e.g. the KEV catalogue) to upgrade it"
    )]
    OldFormat {
        path: PathBuf,
        found: u32,
        want: u32,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn db_err<E: Into<redb::Error>>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Db {
        path: path.to_owned(),
        source: Box::new(e.into()),
    }
}

/// The default store path: `$XDG_DATA_HOME/baseline/vulndb/store.redb` (or the platform's
/// data directory).
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::data_dir)?;
    Some(base.join("baseline").join("vulndb").join("store.redb"))
}

/// An opened store.
#[derive(Debug)]
pub struct Store {
    pub(crate) db: Database,
    pub(crate) path: PathBuf,
}

/// What a store holds and how old it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub path: String,
    pub size_bytes: u64,
    pub cves: u64,
    pub index_entries: u64,
    pub kev: u64,
    pub epss: u64,
    /// On-disk layout version ([`FORMAT`] when current).
    #[serde(default)]
    pub format: u32,
    /// Unix seconds of the last import.
    pub last_import: Option<i64>,
    /// Newest `lastModified` of an NVD/OSV record (ISO date).
    pub newest_record: Option<String>,
    /// KEV catalogue version (`2025.08.25`).
    pub kev_catalog: Option<String>,
    /// EPSS score date.
    pub epss_date: Option<String>,
    /// Days between the newest dated data and `now`.
    pub age_days: Option<i64>,
}

impl Status {
    /// Stale: the newest data is older than [`STALE_DAYS`], or nothing is dated.
    pub fn is_stale(&self) -> bool {
        self.age_days.is_none_or(|d| d > STALE_DAYS)
    }

    /// The store was written in an older layout: matching refuses it until the next import.
    pub fn needs_upgrade(&self) -> bool {
        self.format < FORMAT
    }
}

impl Store {
    /// Open an existing store ([`Error::Absent`] if there is none at `path`).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_owned();
        if !path.is_file() {
            return Err(Error::Absent(path));
        }
        let db = Database::open(&path).map_err(db_err(&path))?;
        Ok(Store { db, path })
    }

    /// Open or create a store (parent directories are created).
    pub fn create(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_owned();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        let db = Database::create(&path).map_err(db_err(&path))?;
        // Create every table so readers never meet a missing one.
        let tx = db.begin_write().map_err(db_err(&path))?;
        {
            tx.open_table(CVE).map_err(db_err(&path))?;
            tx.open_table(IDX).map_err(db_err(&path))?;
            tx.open_table(SUM).map_err(db_err(&path))?;
            tx.open_table(KEV).map_err(db_err(&path))?;
            tx.open_table(EPSS).map_err(db_err(&path))?;
            tx.open_table(META).map_err(db_err(&path))?;
        }
        tx.commit().map_err(db_err(&path))?;
        let store = Store { db, path };
        if store.format()? < FORMAT {
            store.upgrade()?;
        } else if !store.format_recorded()? {
            store.set_meta(&[("format", FORMAT.to_string())])?;
        }
        Ok(store)
    }

    /// The layout version of this store: `meta.format`, else 1 if it holds records (written
    /// before the version was recorded), else [`FORMAT`] (empty).
    pub fn format(&self) -> Result<u32> {
        let p = &self.path;
        let tx = self.db.begin_read().map_err(db_err(p))?;
        if let Ok(meta) = tx.open_table(META) {
            if let Some(v) = meta.get("format").map_err(db_err(p))? {
                return Ok(v.value().parse().unwrap_or(1));
            }
        }
        let records = match tx.open_table(CVE) {
            Ok(t) => t.len().map_err(db_err(p))?,
            Err(redb::TableError::TableDoesNotExist(_)) => 0,
            Err(e) => return Err(db_err(p)(e)),
        };
        Ok(if records > 0 { 1 } else { FORMAT })
    }

    fn format_recorded(&self) -> Result<bool> {
        let p = &self.path;
        let tx = self.db.begin_read().map_err(db_err(p))?;
        let meta = tx.open_table(META).map_err(db_err(p))?;
        Ok(meta.get("format").map_err(db_err(p))?.is_some())
    }

    /// [`Error::OldFormat`] unless the store is at [`FORMAT`].
    fn require_current(&self) -> Result<()> {
        let found = self.format()?;
        if found < FORMAT {
            return Err(Error::OldFormat {
                path: self.path.clone(),
                found,
                want: FORMAT,
            });
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counts and dates. `now` is Unix seconds (passed in so results are reproducible).
    pub fn status(&self, now: i64) -> Result<Status> {
        let p = &self.path;
        let tx = self.db.begin_read().map_err(db_err(p))?;
        let count = |t: TableDefinition<&str, &[u8]>| -> Result<u64> {
            match tx.open_table(t) {
                Ok(t) => t.len().map_err(db_err(p)),
                Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
                Err(e) => Err(db_err(p)(e)),
            }
        };
        let mut st = Status {
            path: p.display().to_string(),
            size_bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            cves: count(CVE)?,
            index_entries: count(IDX)?,
            kev: count(KEV)?,
            epss: count(EPSS)?,
            ..Status::default()
        };
        st.format = self.format()?;
        if let Ok(meta) = tx.open_table(META) {
            let get = |k: &str| -> Option<String> {
                meta.get(k).ok().flatten().map(|v| v.value().to_owned())
            };
            st.last_import = get("last_import").and_then(|s| s.parse().ok());
            st.newest_record = get("newest_record");
            st.kev_catalog = get("kev_catalog");
            st.epss_date = get("epss_date");
        }
        let newest = [
            st.newest_record.as_deref(),
            st.kev_catalog.as_deref(),
            st.epss_date.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(days_from_date)
        .max();
        st.age_days = newest.map(|d| now.div_euclid(86_400) - d);
        Ok(st)
    }

    /// Match components against the store: every vulnerability whose applicability
    /// statement (NVD configurations or OSV ranges) holds for this set of components,
    /// with the reason, CVSS, KEV and EPSS. Sorted by id then component.
    pub fn match_components(
        &self,
        components: &[baseline_model::Component],
    ) -> Result<Vec<baseline_model::Vulnerability>> {
        self.require_current()?;
        matcher::match_components(self, components)
    }
}

/// Days since 1970-01-01 of an ISO date (`2025-08-25…` or `2025.08.25`); `None` for a date
/// that does not exist.
pub(crate) fn days_from_date(s: &str) -> Option<i64> {
    let b = s.get(..10)?;
    if !matches!(b.as_bytes().get(4), Some(b'-' | b'.'))
        || b.as_bytes().get(7) != b.as_bytes().get(4)
    {
        return None;
    }
    let y: i16 = b.get(0..4)?.parse().ok()?;
    let m: i8 = b.get(5..7)?.parse().ok()?;
    let d: i8 = b.get(8..10)?.parse().ok()?;
    let date = jiff::civil::Date::new(y, m, d).ok()?;
    let since = date
        .since((jiff::Unit::Day, jiff::civil::Date::constant(1970, 1, 1)))
        .ok()?;
    Some(i64::from(since.get_days()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A format-1 store (JSON index values, no `sum`, no `meta.format`) is refused by
    /// matching with a message, and the next `create` (what `import` does) upgrades it.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn old_format_is_refused_then_upgraded() {
        use redb::ReadableTable;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.redb");
        let nvd = dir.path().join("CVE-2099-0001.json");
        std::fs::write(
            &nvd,
            r#"{"id":"CVE-2099-0001","lastModified":"2099-01-01T00:00:00.000","descriptions":[{"lang":"en","value":"x"}],
            "metrics":{"cvssMetricV31":[{"type":"Primary","cvssData":{"version":"3.1","baseScore":9.8}}]},
            "configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[
              {"vulnerable":true,"criteria":"cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*","versionEndExcluding":"2.0"}]}]}]}"#,
        )
        .unwrap();
        let comps = [baseline_model::Component {
            name: "widget".into(),
            version: Some("1.5".into()),
            purl: None,
            cpe: Some("cpe:2.3:a:acme:widget:1.5:*:*:*:*:*:*:*".into()),
            evidence: Vec::new(),
            confidence: baseline_model::Confidence::High,
            kind: "application".into(),
            vendor: None,
            properties: Default::default(),
        }];
        {
            let s = Store::create(&db).unwrap();
            assert_eq!(
                s.import_paths(std::slice::from_ref(&nvd), 0).unwrap().nvd,
                1
            );
            assert_eq!(s.format().unwrap(), FORMAT);
            assert_eq!(s.match_components(&comps).unwrap().len(), 1);
            // Rewrite it as format 1.
            let tx = s.db.begin_write().unwrap();
            {
                let mut idx = tx.open_table(IDX).unwrap();
                let rows: Vec<(String, Vec<u8>)> = idx
                    .iter()
                    .unwrap()
                    .map(|r| {
                        let (k, v) = r.unwrap();
                        let e = summary::decode_idx(v.value()).unwrap();
                        (k.value().to_owned(), serde_json::to_vec(&e).unwrap())
                    })
                    .collect();
                for (k, v) in rows {
                    idx.insert(k.as_str(), v.as_slice()).unwrap();
                }
                tx.open_table(META).unwrap().remove("format").unwrap();
            }
            tx.delete_table(SUM).unwrap();
            tx.commit().unwrap();
        }
        let s = Store::open(&db).unwrap();
        assert_eq!(s.status(0).unwrap().format, 1);
        assert!(s.status(0).unwrap().needs_upgrade());
        let e = s.match_components(&comps).unwrap_err();
        assert!(
            e.to_string().contains(
                "has format 1; this version reads format 3: run `baseline vulndb import`"
            ),
            "{e}"
        );
        drop(s);
        let s = Store::create(&db).unwrap();
        assert_eq!(s.format().unwrap(), FORMAT);
        let v = s.match_components(&comps).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].id, "CVE-2099-0001");
        assert_eq!(v[0].cvss.v3, Some(9.8));
    }

    #[test]
    fn dates() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2025.08.25"), Some(20_325));
        assert_eq!(days_from_date("2023-06-07T04:15:09.403"), Some(19_515));
        assert_eq!(days_from_date("garbage"), None);
        assert_eq!(days_from_date("2024-02-29"), Some(19_782));
        assert_eq!(days_from_date("2023-02-29"), None);
        assert_eq!(days_from_date("2024-02-31"), None);
    }
}
