//! Streaming, idempotent importers: NVD CVE API 2.0 JSON (one record, an API page or a
//! yearly bulk file), OSV JSON, CISA KEV (CSV or JSON) and EPSS CSV, plain or gzipped.
//!
//! Owns: format detection, streaming parses (records are deserialised one at a time from
//! the `vulnerabilities` array, never the whole file into one `Value`), and batched writes.
//! Re-importing a record replaces it and its index entries: nothing is ever duplicated.
//! Never does: network access.

use crate::record::{CveRecord, NvdCve, OsvRecord};
use crate::summary::{decode_record, encode_idx, encode_record};
use crate::{cpe::Cpe, db_err, Error, Result, Store, CVE, EPSS, FORMAT, IDX, KEV, META, SUM};
use redb::ReadableTable;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Records written per transaction.
const BATCH: usize = 20_000;

/// What one import added or replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    pub files: u64,
    pub nvd: u64,
    pub osv: u64,
    pub kev: u64,
    pub epss: u64,
}

/// The kind of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Nvd,
    Osv,
    KevCsv,
    KevJson,
    Epss,
}

/// One entry of an `idx` value: a `cpeMatch` of this CVE for this vendor:product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdxEntry {
    pub m: crate::record::CpeMatch,
    /// The configuration has other nodes (a platform): evaluate the whole record.
    pub conditional: bool,
}

/// A stored KEV entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct KevEntry {
    pub date_added: String,
    pub name: String,
    pub ransomware: String,
}

/// A stored EPSS score.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct EpssEntry {
    pub epss: f32,
    pub percentile: f32,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

fn parse_err(path: &Path, message: impl fmt::Display) -> Error {
    Error::Parse {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// Open a file, transparently gunzipping `.gz`.
fn reader(path: &Path) -> Result<Box<dyn BufRead>> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let gz = path.extension().is_some_and(|e| e == "gz");
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(f),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, f))
    })
}

/// Identify a file by its name and first bytes.
pub(crate) fn detect(path: &Path) -> Result<Source> {
    let mut head = vec![0u8; 64 * 1024];
    let mut r = reader(path)?;
    let mut n = 0;
    while n < head.len() {
        let k = r
            .read(head.get_mut(n..).unwrap_or_default())
            .map_err(io(path))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    let text = String::from_utf8_lossy(&head);
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if text.contains("\"catalogVersion\"") {
            return Ok(Source::KevJson);
        }
        if text.contains("\"vulnerabilities\"")
            || text.contains("\"configurations\"")
            || text.contains("\"vulnStatus\"")
            || text.contains("\"sourceIdentifier\"")
        {
            return Ok(Source::Nvd);
        }
        if text.contains("\"affected\"") || text.contains("\"schema_version\"") {
            return Ok(Source::Osv);
        }
        return Ok(Source::Nvd);
    }
    let first = t.lines().next().unwrap_or_default();
    if first.starts_with("cveID,") {
        return Ok(Source::KevCsv);
    }
    if first.starts_with("#model_version") || first.starts_with("cve,epss") {
        return Ok(Source::Epss);
    }
    Err(parse_err(
        path,
        "not NVD 2.0, OSV, KEV or EPSS data (unrecognised content)",
    ))
}

/// Files under `path` (itself if a file), sorted, hidden ones skipped.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io(path))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            let hidden = e
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let data = e
                .extension()
                .is_some_and(|x| x == "json" || x == "csv" || x == "gz");
            if !hidden && (e.is_dir() || data) {
                files_under(&e, out)?;
            }
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

/// Buffered writer of CVE records.
struct Writer<'s> {
    store: &'s Store,
    batch: Vec<CveRecord>,
    newest: String,
}

impl Writer<'_> {
    fn push(&mut self, r: CveRecord) -> Result<()> {
        self.batch.push(r);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let p = &self.store.path;
        let tx = self.store.db.begin_write().map_err(db_err(p))?;
        {
            let mut cve = tx.open_table(CVE).map_err(db_err(p))?;
            let mut idx = tx.open_table(IDX).map_err(db_err(p))?;
            let mut sum = tx.open_table(SUM).map_err(db_err(p))?;
            for r in self.batch.drain(..) {
                // Idempotence: drop the index entries of the version being replaced.
                let old = sum
                    .get(r.id.as_str())
                    .map_err(db_err(p))?
                    .and_then(|v| decode_record(v.value()));
                if let Some(old) = old {
                    for key in index_entries(&old).into_keys() {
                        idx.remove(key.as_str()).map_err(db_err(p))?;
                    }
                }
                for (key, entries) in index_entries(&r) {
                    idx.insert(key.as_str(), encode_idx(&entries).as_slice())
                        .map_err(db_err(p))?;
                }
                sum.insert(r.id.as_str(), encode_record(&r).as_slice())
                    .map_err(db_err(p))?;
                if r.modified > self.newest {
                    self.newest.clone_from(&r.modified);
                }
                let v = serde_json::to_vec(&r).map_err(|e| parse_err(p, e))?;
                cve.insert(r.id.as_str(), v.as_slice()).map_err(db_err(p))?;
            }
            let mut meta = tx.open_table(META).map_err(db_err(p))?;
            let prev = meta
                .get("newest_record")
                .map_err(db_err(p))?
                .map(|v| v.value().to_owned())
                .unwrap_or_default();
            if self.newest > prev {
                meta.insert("newest_record", self.newest.as_str())
                    .map_err(db_err(p))?;
            }
        }
        tx.commit().map_err(db_err(p))?;
        Ok(())
    }
}

/// `vendor:product\0id` → the record's vulnerable `cpeMatch`es for that product.
pub(crate) fn index_entries(r: &CveRecord) -> BTreeMap<String, Vec<IdxEntry>> {
    let mut out: BTreeMap<String, Vec<IdxEntry>> = BTreeMap::new();
    for cfg in &r.configs {
        let conditional = cfg.and && cfg.nodes.len() > 1;
        for node in &cfg.nodes {
            let cond = conditional || (node.and && node.matches.len() > 1) || node.negate;
            for m in &node.matches {
                if !m.vulnerable {
                    continue;
                }
                if let Some(c) = Cpe::parse(&m.criteria) {
                    out.entry(format!("{}\0{}", c.key(), r.id))
                        .or_default()
                        .push(IdxEntry {
                            m: m.clone(),
                            conditional: cond,
                        });
                }
            }
        }
    }
    for p in &r.packages {
        out.entry(format!("pkg:{}\0{}", p.name, r.id)).or_default();
    }
    out
}

impl Store {
    /// Rebuild the binary tables (`idx`, `sum`) of an older-format store from its JSON
    /// records, in one transaction (an interruption leaves the old store), and record
    /// [`FORMAT`].
    pub(crate) fn upgrade(&self) -> Result<()> {
        let p = &self.path;
        let tx = self.db.begin_write().map_err(db_err(p))?;
        tx.delete_table(IDX).map_err(db_err(p))?;
        tx.delete_table(SUM).map_err(db_err(p))?;
        {
            let cve = tx.open_table(CVE).map_err(db_err(p))?;
            let mut idx = tx.open_table(IDX).map_err(db_err(p))?;
            let mut sum = tx.open_table(SUM).map_err(db_err(p))?;
            for row in cve.iter().map_err(db_err(p))? {
                let (_, v) = row.map_err(db_err(p))?;
                let Ok(r) = serde_json::from_slice::<CveRecord>(v.value()) else {
                    continue;
                };
                for (key, entries) in index_entries(&r) {
                    idx.insert(key.as_str(), encode_idx(&entries).as_slice())
                        .map_err(db_err(p))?;
                }
                sum.insert(r.id.as_str(), encode_record(&r).as_slice())
                    .map_err(db_err(p))?;
            }
            let mut meta = tx.open_table(META).map_err(db_err(p))?;
            meta.insert("format", FORMAT.to_string().as_str())
                .map_err(db_err(p))?;
        }
        tx.commit().map_err(db_err(p))?;
        Ok(())
    }

    /// Import every data file at `paths` (files or directories). `now` is Unix seconds.
    pub fn import_paths(&self, paths: &[PathBuf], now: i64) -> Result<ImportStats> {
        let mut files = Vec::new();
        for p in paths {
            files_under(p, &mut files)?;
        }
        let mut stats = ImportStats::default();
        let mut w = Writer {
            store: self,
            batch: Vec::new(),
            newest: String::new(),
        };
        for f in &files {
            stats.files += 1;
            match detect(f)? {
                Source::Nvd => stats.nvd += import_nvd(f, &mut w)?,
                Source::Osv => stats.osv += import_osv(f, &mut w)?,
                Source::KevCsv => stats.kev += self.import_kev_csv(f)?,
                Source::KevJson => stats.kev += self.import_kev_json(f)?,
                Source::Epss => stats.epss += self.import_epss(f)?,
            }
        }
        w.flush()?;
        self.set_meta(&[("last_import", now.to_string())])?;
        Ok(stats)
    }

    pub(crate) fn set_meta(&self, kv: &[(&str, String)]) -> Result<()> {
        let p = &self.path;
        let tx = self.db.begin_write().map_err(db_err(p))?;
        {
            let mut meta = tx.open_table(META).map_err(db_err(p))?;
            for (k, v) in kv {
                meta.insert(*k, v.as_str()).map_err(db_err(p))?;
            }
        }
        tx.commit().map_err(db_err(p))?;
        Ok(())
    }

    fn put_kev(&self, rows: Vec<(String, KevEntry)>, catalog: Option<String>) -> Result<u64> {
        let p = &self.path;
        let tx = self.db.begin_write().map_err(db_err(p))?;
        let n = rows.len() as u64;
        {
            let mut t = tx.open_table(KEV).map_err(db_err(p))?;
            for (id, e) in rows {
                let v = serde_json::to_vec(&e).map_err(|e| parse_err(p, e))?;
                t.insert(id.as_str(), v.as_slice()).map_err(db_err(p))?;
            }
            if let Some(c) = catalog {
                let mut meta = tx.open_table(META).map_err(db_err(p))?;
                meta.insert("kev_catalog", c.as_str()).map_err(db_err(p))?;
            }
        }
        tx.commit().map_err(db_err(p))?;
        Ok(n)
    }

    fn import_kev_csv(&self, path: &Path) -> Result<u64> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(reader(path)?);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| parse_err(path, e))?
            .iter()
            .map(str::to_owned)
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(id), Some(added)) = (col("cveID"), col("dateAdded")) else {
            return Err(parse_err(path, "KEV CSV without cveID/dateAdded columns"));
        };
        let name = col("vulnerabilityName");
        let ransom = col("knownRansomwareCampaignUse");
        let mut out = Vec::new();
        let mut newest = String::new();
        for row in rdr.records() {
            let row = row.map_err(|e| parse_err(path, e))?;
            let get = |i: Option<usize>| {
                i.and_then(|i| row.get(i))
                    .map(str::to_owned)
                    .unwrap_or_default()
            };
            let cve = get(Some(id));
            if !cve.starts_with("CVE-") {
                continue;
            }
            let e = KevEntry {
                date_added: get(Some(added)),
                name: get(name),
                ransomware: get(ransom),
            };
            if e.date_added > newest {
                newest.clone_from(&e.date_added);
            }
            out.push((cve, e));
        }
        // The CSV has no catalogue version: its newest dateAdded dates it.
        self.put_kev(out, (!newest.is_empty()).then_some(newest))
    }

    fn import_kev_json(&self, path: &Path) -> Result<u64> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Cat {
            #[serde(default)]
            catalog_version: Option<String>,
            #[serde(default)]
            vulnerabilities: Vec<Row>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Row {
            #[serde(rename = "cveID")]
            cve_id: String,
            #[serde(default)]
            date_added: String,
            #[serde(default)]
            vulnerability_name: String,
            #[serde(default)]
            known_ransomware_campaign_use: String,
        }
        let cat: Cat = serde_json::from_reader(reader(path)?).map_err(|e| parse_err(path, e))?;
        let rows = cat
            .vulnerabilities
            .into_iter()
            .map(|r| {
                (
                    r.cve_id,
                    KevEntry {
                        date_added: r.date_added,
                        name: r.vulnerability_name,
                        ransomware: r.known_ransomware_campaign_use,
                    },
                )
            })
            .collect();
        self.put_kev(rows, cat.catalog_version)
    }

    fn import_epss(&self, path: &Path) -> Result<u64> {
        let p = &self.path;
        let r = reader(path)?;
        let tx = self.db.begin_write().map_err(db_err(p))?;
        let mut n = 0u64;
        let mut date = None;
        {
            let mut t = tx.open_table(EPSS).map_err(db_err(p))?;
            // The first line is a `#model_version:…,score_date:…` comment, then a
            // `cve,epss,percentile` header; the csv crate reads the rest.
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(r);
            for rec in rdr.records() {
                let rec = rec.map_err(|e| parse_err(path, e))?;
                let Some(cve) = rec.get(0) else { continue };
                if let Some(rest) = cve.strip_prefix('#') {
                    // `#model_version:v2023.03.01,score_date:2025-08-25T00:00:00+0000`
                    let fields = std::iter::once(rest).chain(rec.iter().skip(1));
                    if let Some(d) = fields
                        .into_iter()
                        .find_map(|f| f.strip_prefix("score_date:"))
                    {
                        date = Some(d.to_owned());
                    }
                    continue;
                }
                if !cve.starts_with("CVE-") {
                    continue;
                }
                let (Some(Ok(epss)), percentile) = (
                    rec.get(1).map(|x| x.trim().parse::<f32>()),
                    rec.get(2).and_then(|x| x.trim().parse::<f32>().ok()),
                ) else {
                    continue;
                };
                let e = EpssEntry {
                    epss,
                    percentile: percentile.unwrap_or(0.0),
                };
                let v = serde_json::to_vec(&e).map_err(|e| parse_err(p, e))?;
                t.insert(cve, v.as_slice()).map_err(db_err(p))?;
                n += 1;
            }
            if let Some(d) = date {
                let mut meta = tx.open_table(META).map_err(db_err(p))?;
                meta.insert("epss_date", d.as_str()).map_err(db_err(p))?;
            }
        }
        tx.commit().map_err(db_err(p))?;
        Ok(n)
    }
}

fn import_osv(path: &Path, w: &mut Writer<'_>) -> Result<u64> {
    let v: serde_json::Value =
        serde_json::from_reader(reader(path)?).map_err(|e| parse_err(path, e))?;
    // OSV files are one record, or (exports) an array of records.
    let list = match v {
        serde_json::Value::Array(a) => a,
        other => vec![other],
    };
    let mut n = 0;
    for item in list {
        let rec: OsvRecord = serde_json::from_value(item).map_err(|e| parse_err(path, e))?;
        w.push(CveRecord::from(rec))?;
        n += 1;
    }
    Ok(n)
}

fn import_nvd(path: &Path, w: &mut Writer<'_>) -> Result<u64> {
    let mut de = serde_json::Deserializer::from_reader(reader(path)?);
    let mut count = 0u64;
    let mut failure: Option<Error> = None;
    {
        let mut sink = |c: NvdCve| -> bool {
            match w.push(CveRecord::from(c)) {
                Ok(()) => {
                    count += 1;
                    true
                }
                Err(e) => {
                    failure = Some(e);
                    false
                }
            }
        };
        let seed = TopSeed { sink: &mut sink };
        let res = seed.deserialize(&mut de);
        if let Err(e) = res {
            if failure.is_none() {
                return Err(parse_err(path, e));
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(count)
}

type Sink<'a> = &'a mut dyn FnMut(NvdCve) -> bool;

/// The top level of an NVD file: an API response/bulk file (`vulnerabilities` streamed),
/// a `{"cve": …}` wrapper, or one bare `cve` object.
struct TopSeed<'a> {
    sink: Sink<'a>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NVD CVE API 2.0 document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut bare = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "vulnerabilities" => map.next_value_seed(VulnSeq {
                    sink: &mut *self.sink,
                })?,
                "cve" => {
                    let c: NvdCve = map.next_value()?;
                    if !(self.sink)(c) {
                        return Err(serde::de::Error::custom("store write failed"));
                    }
                }
                _ => {
                    let v: serde_json::Value = map.next_value()?;
                    bare.insert(key, v);
                }
            }
        }
        if bare.contains_key("id") && bare.contains_key("configurations")
            || bare
                .get("id")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.starts_with("CVE-"))
        {
            let c: NvdCve = serde_json::from_value(serde_json::Value::Object(bare))
                .map_err(serde::de::Error::custom)?;
            if !(self.sink)(c) {
                return Err(serde::de::Error::custom("store write failed"));
            }
        }
        Ok(())
    }
}

struct VulnSeq<'a> {
    sink: Sink<'a>,
}

impl<'de> DeserializeSeed<'de> for VulnSeq<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for VulnSeq<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of {\"cve\": …} items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        #[derive(Deserialize)]
        struct Item {
            cve: NvdCve,
        }
        while let Some(item) = seq.next_element::<Item>()? {
            if !(self.sink)(item.cve) {
                return Err(serde::de::Error::custom("store write failed"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn kev_csv_with_quotes_and_newlines_and_epss_csv() {
        let dir = tempfile::tempdir().unwrap();
        let kev = dir.path().join("known_exploited_vulnerabilities.csv");
        std::fs::write(
            &kev,
            "cveID,vendorProject,vulnerabilityName,dateAdded,knownRansomwareCampaignUse\n\
             CVE-2023-1,\"Acme, Inc\",\"say \"\"hi\"\"\nthere\",2023-06-07,Known\n\
             not-a-cve,x,y,2023-06-08,Unknown\n",
        )
        .unwrap();
        let epss = dir.path().join("epss_scores-2025-08-25.csv");
        std::fs::write(
            &epss,
            "#model_version:v2023.03.01,score_date:2025-08-25T00:00:00+0000\n\
             cve,epss,percentile\nCVE-2023-1,0.5,0.9\nCVE-2023-2,bad,0.1\n",
        )
        .unwrap();
        let store = crate::Store::create(dir.path().join("s.redb")).unwrap();
        let stats = store.import_paths(&[kev, epss], 1_750_000_000).unwrap();
        assert_eq!((stats.kev, stats.epss), (1, 1));
    }
}
