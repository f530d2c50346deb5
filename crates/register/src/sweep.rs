//! Market-surveillance sweeps: many products, each with its firmware images, assessed by the
//! register's job queue ([`crate::jobs`]) on as many workers and machines as share the
//! database, then compared with each other.
//!
//! A sweep is submitted from a manifest ([`parse_manifest`]; JSON Lines or CSV, described by
//! `docs/schema/sweep-manifest.schema.json`). Each distinct image (by SHA-256) is assessed
//! once per Baseline version: a submit queues a `sweep-assess` job only for the images that have
//! no result under this version and no job queued or running for one; a second submit of the
//! same manifest makes a second sweep that reuses every result. The result of an image (its
//! assessment, stored as a blob, and a summary of what sweeps compare: PSTI verdicts, private
//! key and password-hash fingerprints, component builds) is written in the transaction that
//! ends its job, so there is one result per image and version whatever the workers do.
//!
//! [`Register::sweep_report`] gives each product's verdicts, the market picture (share of
//! products failing each PSTI paragraph, by brand and by category) and the cross-product
//! correlation no single-image tool gives: the same private key, the same fixed password hash,
//! the same component version in the images of several brands (versions compared, not binaries).

use crate::register::Register;
use crate::time;
use crate::{Error, Result};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The Baseline version whose assessments a sweep uses (results of another version are not
/// reused).
pub const ASSESSOR_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Products in one manifest at most.
pub const MAX_PRODUCTS: usize = 100_000;
/// Firmware sources of one product at most.
pub const MAX_SOURCES: usize = 16;
/// The JSON Schema of a manifest line.
pub const MANIFEST_SCHEMA: &str = include_str!("../../../docs/schema/sweep-manifest.schema.json");

/// One product of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub brand: String,
    pub model: String,
    /// Camera, router, plug… (free text; the market picture groups by it).
    #[serde(default)]
    pub category: Option<String>,
    /// Firmware images: paths relative to the manifest's folder (or absolute).
    pub firmware: Vec<String>,
}

fn manifest_err(name: &str, line: usize, field: &str, m: impl std::fmt::Display) -> Error {
    Error::Input(format!("{name}:{line}: {field}: {m}"))
}

/// Read a manifest: JSON Lines (one object per line, blank lines and lines starting with `#`
/// skipped) when its first such line starts with `{`, otherwise CSV with a header naming the
/// columns `brand`, `model`, `firmware` (sources separated by `;`) and optionally `category`.
/// Returns `(line, entry)` pairs; an error names the file, the line and the field.
pub fn parse_manifest(text: &str, name: &str) -> Result<Vec<(usize, ManifestEntry)>> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let entries = match first {
        None => return Err(Error::Input(format!("{name}: no products"))),
        Some(l) if l.starts_with('{') => parse_jsonl(text, name)?,
        Some(_) => parse_csv(text, name)?,
    };
    if entries.len() > MAX_PRODUCTS {
        return Err(Error::Input(format!(
            "{name}: {} products; a sweep takes at most {MAX_PRODUCTS}",
            entries.len()
        )));
    }
    for (line, e) in &entries {
        for (field, v) in [("brand", &e.brand), ("model", &e.model)] {
            if v.trim().is_empty() {
                return Err(manifest_err(name, *line, field, "is empty"));
            }
            if v.chars().count() > 200 {
                return Err(manifest_err(
                    name,
                    *line,
                    field,
                    "is longer than 200 characters",
                ));
            }
        }
        if e.firmware.is_empty() {
            return Err(manifest_err(name, *line, "firmware", "lists no image"));
        }
        if e.firmware.len() > MAX_SOURCES {
            return Err(manifest_err(
                name,
                *line,
                "firmware",
                format!("lists {} images; at most {MAX_SOURCES}", e.firmware.len()),
            ));
        }
        for s in &e.firmware {
            if s.trim().is_empty() {
                return Err(manifest_err(name, *line, "firmware", "an empty source"));
            }
            if s.starts_with("http://") || s.starts_with("https://") {
                return Err(manifest_err(
                    name,
                    *line,
                    "firmware",
                    format!("{s}: URL sources are not fetched yet; download the image and list its path"),
                ));
            }
        }
    }
    Ok(entries)
}

fn parse_jsonl(text: &str, name: &str) -> Result<Vec<(usize, ManifestEntry)>> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let e: ManifestEntry =
            serde_json::from_str(l).map_err(|e| Error::Input(format!("{name}:{}: {e}", i + 1)))?;
        out.push((i + 1, e));
    }
    Ok(out)
}

fn parse_csv(text: &str, name: &str) -> Result<Vec<(usize, ManifestEntry)>> {
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| Error::Input(format!("{name}: header: {e}")))?
        .clone();
    let col = |c: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(c));
    let known = ["brand", "model", "category", "firmware"];
    if let Some(h) = headers
        .iter()
        .find(|h| !known.iter().any(|k| h.eq_ignore_ascii_case(k)))
    {
        return Err(manifest_err(
            name,
            1,
            h,
            format!("unknown column (the columns are {})", known.join(", ")),
        ));
    }
    let (Some(b), Some(m), Some(f)) = (col("brand"), col("model"), col("firmware")) else {
        return Err(manifest_err(
            name,
            1,
            "header",
            "needs the columns brand, model and firmware",
        ));
    };
    let c = col("category");
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            manifest_err(name, line, "record", e)
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("").to_owned();
        out.push((
            line,
            ManifestEntry {
                brand: get(b),
                model: get(m),
                category: c.map(get).filter(|s| !s.is_empty()),
                firmware: get(f)
                    .split(';')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
        ));
    }
    Ok(out)
}

/// What a sweep compares of one image, kept with its result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSummary {
    /// PSTI requirement references that failed.
    pub psti_failures: Vec<String>,
    /// Outcome per PSTI requirement (pass, fail, inconclusive, not-applicable…).
    pub psti: BTreeMap<String, String>,
    /// Fingerprints of the unencrypted private keys found (KEY-001).
    pub private_keys: Vec<String>,
    /// Fingerprints of fixed password hashes (CRED-001), with the account.
    pub password_hashes: Vec<(String, String)>,
    /// Component builds found: (name, version, known vulnerabilities).
    pub components: Vec<(String, String, usize)>,
}

impl ImageSummary {
    /// The summary of an assessment.
    pub fn of(a: &baseline_model::Assessment) -> ImageSummary {
        let mut s = ImageSummary::default();
        for v in &a.verdicts {
            if !v.requirement.starts_with("psti:") {
                continue;
            }
            let outcome = serde_json::to_value(v.outcome)
                .ok()
                .and_then(|o| o.as_str().map(str::to_owned))
                .unwrap_or_default();
            if v.outcome == baseline_model::Outcome::Fail {
                s.psti_failures.push(v.requirement.clone());
            }
            s.psti.insert(v.requirement.clone(), outcome);
        }
        let mut keys = BTreeSet::new();
        let mut hashes = BTreeSet::new();
        for f in &a.findings {
            let d = &f.details;
            match f.code.as_str() {
                "KEY-001" if d.get("encrypted").and_then(|e| e.as_bool()) == Some(false) => {
                    if let Some(fp) = d.get("fingerprint").and_then(|v| v.as_str()) {
                        keys.insert(fp.to_owned());
                    }
                }
                "CRED-001" => {
                    if let Some(fp) = d.get("hash_fingerprint").and_then(|v| v.as_str()) {
                        let account = d
                            .get("account")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_owned();
                        hashes.insert((fp.to_owned(), account));
                    }
                }
                _ => {}
            }
        }
        s.private_keys = keys.into_iter().collect();
        s.password_hashes = hashes.into_iter().collect();
        let mut comps = BTreeMap::new();
        for c in &a.components {
            let Some(version) = c.version.clone().filter(|v| !v.is_empty()) else {
                continue;
            };
            let build = format!("{} {version}", c.name);
            let vulns = a
                .vulnerabilities
                .iter()
                .filter(|v| v.component == build || v.component == c.name)
                .count();
            let e = comps.entry((c.name.clone(), version)).or_insert(0usize);
            *e = (*e).max(vulns);
        }
        s.components = comps.into_iter().map(|((n, v), k)| (n, v, k)).collect();
        s
    }
}

/// A sweep as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SweepRow {
    pub id: String,
    pub name: String,
    pub manifest_sha256: String,
    pub baseline_version: String,
    pub products: i64,
    pub images: i64,
    pub created_by: String,
    pub created_at: String,
}

/// Counts of a sweep's images by state, and its pace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SweepStatus {
    pub sweep: String,
    pub products: i64,
    pub images: i64,
    /// Images with a result (assessed for this sweep, or earlier under the same version).
    pub done: i64,
    /// Of `done`, results that an earlier job (another sweep's) produced.
    pub reused: i64,
    pub queued: i64,
    pub running: i64,
    /// Dead-lettered: the job failed [`crate::jobs::MAX_ATTEMPTS`] times or could not run.
    pub failed: i64,
    /// Images assessed per second by this sweep's own jobs, from its first claim to its last end.
    pub per_second: Option<f64>,
    /// Seconds until the queued and running images are done at that pace.
    pub eta_seconds: Option<f64>,
    /// The errors of failed images: (SHA-256, name, error).
    pub errors: Vec<(String, String, String)>,
}

fn sweep_id() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("SWEEP-{}", hex::encode(b))
}

/// SHA-256 of a file, read in 1 MiB pieces.
fn hash_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

impl Register {
    /// Submit a sweep: hash the manifest's images (paths relative to `base`), store each once,
    /// and queue the assessment of those without a result under [`ASSESSOR_VERSION`]. Nothing is
    /// stored when any image cannot be read; one image is in memory at a time. Returns the
    /// sweep.
    pub async fn submit_sweep(
        &self,
        now: Timestamp,
        actor: &str,
        name: &str,
        manifest: &str,
        manifest_name: &str,
        base: &Path,
    ) -> Result<SweepRow> {
        let entries = parse_manifest(manifest, manifest_name)?;
        // Hash every image first, streaming (one at a time, never all in memory): a missing or
        // unreadable file refuses the whole sweep before anything is written.
        let mut images: BTreeMap<String, (String, std::path::PathBuf)> = BTreeMap::new();
        let mut by_path: BTreeMap<String, String> = BTreeMap::new();
        let mut products = Vec::with_capacity(entries.len());
        for (line, e) in &entries {
            let mut shas = Vec::with_capacity(e.firmware.len());
            for src in &e.firmware {
                let sha = if let Some(sha) = by_path.get(src) {
                    sha.clone()
                } else {
                    let path = base.join(src);
                    let bad = |m: String| manifest_err(manifest_name, *line, "firmware", m);
                    let meta = std::fs::metadata(&path)
                        .map_err(|err| bad(format!("{}: {err}", path.display())))?;
                    if !meta.is_file() {
                        return Err(bad(format!("{}: not a file", path.display())));
                    }
                    if meta.len() > crate::register::MAX_EVIDENCE as u64 {
                        return Err(bad(format!(
                            "{}: {} bytes; an image is at most {} bytes",
                            path.display(),
                            meta.len(),
                            crate::register::MAX_EVIDENCE
                        )));
                    }
                    let sha = hash_file(&path)
                        .map_err(|err| bad(format!("{}: {err}", path.display())))?;
                    let file = path
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_else(|| src.clone());
                    images.entry(sha.clone()).or_insert((file, path));
                    by_path.insert(src.clone(), sha.clone());
                    sha
                };
                if !shas.contains(&sha) {
                    shas.push(sha);
                }
            }
            products.push((*line, e, shas));
        }
        // Store the images, each read again and checked against its hash (a file changed
        // since is refused). Blobs are content-addressed: one left by a submit that fails
        // after this point is unused, never wrong.
        for (sha, (_, path)) in &images {
            let present: Option<(String,)> =
                sqlx::query_as("SELECT sha256 FROM blobs WHERE sha256 = $1")
                    .bind(sha)
                    .fetch_optional(&self.db.pool)
                    .await
                    .map_err(|err| self.db.err(err))?;
            if present.is_some() {
                continue;
            }
            let data = std::fs::read(path)
                .map_err(|err| Error::Input(format!("{}: {err}", path.display())))?;
            if sha256_hex(&data) != *sha {
                return Err(Error::Input(format!(
                    "{}: changed while the sweep was submitted; nothing was queued",
                    path.display()
                )));
            }
            sqlx::query("INSERT INTO blobs (sha256, size, data) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $4)")
                .bind(sha)
                .bind(data.len() as i64)
                .bind(data.as_slice())
                .bind(sha)
                .execute(&self.db.pool)
                .await
                .map_err(|err| self.db.err(err))?;
        }
        let e = |err| self.db.err(err);
        let at = time::format(now);
        let id = sweep_id();
        let mut tx = self.db.pool.begin().await.map_err(e)?;
        let row = SweepRow {
            id: id.clone(),
            name: name.to_owned(),
            manifest_sha256: sha256_hex(manifest.as_bytes()),
            baseline_version: ASSESSOR_VERSION.to_owned(),
            products: products.len() as i64,
            images: images.len() as i64,
            created_by: actor.to_owned(),
            created_at: at.clone(),
        };
        sqlx::query("INSERT INTO sweeps (id, name, manifest_sha256, baseline_version, products, images, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&row.id)
            .bind(&row.name)
            .bind(&row.manifest_sha256)
            .bind(&row.baseline_version)
            .bind(row.products)
            .bind(row.images)
            .bind(&row.created_by)
            .bind(&row.created_at)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        for (line, p, shas) in &products {
            sqlx::query("INSERT INTO sweep_products (sweep_id, line, brand, model, category, images, case_id) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                .bind(&id)
                .bind(*line as i64)
                .bind(p.brand.trim())
                .bind(p.model.trim())
                .bind(p.category.as_deref().map(str::trim))
                .bind(serde_json::to_string(shas).unwrap_or_default())
                .execute(&mut *tx)
                .await
                .map_err(e)?;
        }
        for (sha, (file, _)) in &images {
            let done: Option<(String,)> = sqlx::query_as(
                "SELECT job_id FROM image_results WHERE sha256 = $1 AND baseline_version = $2",
            )
            .bind(sha)
            .bind(ASSESSOR_VERSION)
            .fetch_optional(&mut *tx)
            .await
            .map_err(e)?;
            let job = match done {
                Some((job,)) => job,
                None => {
                    let pending: Option<(String,)> = sqlx::query_as(
                        "SELECT si.job_id FROM sweep_images si JOIN jobs j ON j.id = si.job_id JOIN sweeps s ON s.id = si.sweep_id \
                         WHERE si.sha256 = $1 AND s.baseline_version = $2 AND j.status IN ('queued', 'running') LIMIT 1",
                    )
                    .bind(sha)
                    .bind(ASSESSOR_VERSION)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(e)?;
                    match pending {
                        Some((job,)) => job,
                        None => {
                            let job = crate::jobs::new_job_id();
                            let input = serde_json::json!({"image": sha, "name": file, "version": ASSESSOR_VERSION}).to_string();
                            sqlx::query("INSERT INTO jobs (id, kind, case_id, input, status, attempts, created_by, created_at) VALUES ($1, 'sweep-assess', NULL, $2, 'queued', 0, $3, $4)")
                                .bind(&job)
                                .bind(&input)
                                .bind(actor)
                                .bind(&at)
                                .execute(&mut *tx)
                                .await
                                .map_err(e)?;
                            job
                        }
                    }
                }
            };
            sqlx::query(
                "INSERT INTO sweep_images (sweep_id, sha256, name, job_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(sha)
            .bind(file)
            .bind(&job)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        }
        tx.commit().await.map_err(e)?;
        Ok(row)
    }

    /// A sweep by id.
    pub async fn sweep(&self, id: &str) -> Result<SweepRow> {
        sqlx::query_as::<_, SweepRow>("SELECT id, name, manifest_sha256, baseline_version, products, images, created_by, created_at FROM sweeps WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| Error::NotFound(format!("no sweep {id}")))
    }

    /// Every sweep, newest first.
    pub async fn sweeps(&self) -> Result<Vec<SweepRow>> {
        sqlx::query_as::<_, SweepRow>("SELECT id, name, manifest_sha256, baseline_version, products, images, created_by, created_at FROM sweeps ORDER BY created_at DESC, id")
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))
    }

    /// Counts per state, pace and the errors of a sweep.
    pub async fn sweep_status(&self, id: &str) -> Result<SweepStatus> {
        let s = self.sweep(id).await?;
        #[derive(sqlx::FromRow)]
        struct ImageState {
            sha256: String,
            name: String,
            status: Option<String>,
            error: Option<String>,
            result_job: Option<String>,
            finished_at: Option<String>,
        }
        let rows: Vec<ImageState> = sqlx::query_as(
            "SELECT si.sha256, si.name, j.status, j.error, r.job_id AS result_job, j.finished_at FROM sweep_images si \
             LEFT JOIN jobs j ON j.id = si.job_id \
             LEFT JOIN image_results r ON r.sha256 = si.sha256 AND r.baseline_version = $1 \
             WHERE si.sweep_id = $2 ORDER BY si.sha256",
        )
        .bind(&s.baseline_version)
        .bind(id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let mut st = SweepStatus {
            sweep: s.id.clone(),
            products: s.products,
            images: s.images,
            ..SweepStatus::default()
        };
        let mut own_done = 0i64;
        let mut first: Option<Timestamp> = None;
        let mut last: Option<Timestamp> = None;
        let started = time::parse(&s.created_at, "created_at").ok();
        for ImageState {
            sha256: sha,
            name,
            status,
            error,
            result_job,
            finished_at: finished,
        } in rows
        {
            if result_job.is_some() {
                st.done += 1;
                let fin = finished
                    .as_deref()
                    .and_then(|f| time::parse(f, "finished_at").ok());
                // A result made before this sweep was submitted is reused.
                if fin.is_some_and(|f| started.is_some_and(|s0| f < s0)) || status.is_none() {
                    st.reused += 1;
                } else {
                    own_done += 1;
                    if let Some(f) = fin {
                        last = Some(last.map_or(f, |l: Timestamp| l.max(f)));
                    }
                }
                continue;
            }
            match status.as_deref() {
                Some("queued") => st.queued += 1,
                Some("running") => st.running += 1,
                Some("failed") | Some("done") | None => {
                    st.failed += 1;
                    st.errors.push((
                        sha,
                        name,
                        error.unwrap_or_else(|| "no result was recorded".into()),
                    ));
                }
                Some(_) => st.queued += 1,
            }
        }
        if let Some(s0) = started {
            first = Some(s0);
        }
        if let (Some(f), Some(l)) = (first, last) {
            let secs = (l - f).get_milliseconds() as f64 / 1000.0;
            if secs > 0.0 && own_done > 0 {
                let rate = own_done as f64 / secs;
                st.per_second = Some(rate);
                st.eta_seconds = Some((st.queued + st.running) as f64 / rate);
            }
        }
        Ok(st)
    }

    /// The assessment of one image under `version` (the stored JSON report).
    pub async fn image_assessment(&self, sha256: &str, version: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT assessment_sha256 FROM image_results WHERE sha256 = $1 AND baseline_version = $2",
        )
        .bind(sha256)
        .bind(version)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        match row {
            Some((a,)) => Ok(Some(
                String::from_utf8_lossy(&self.evidence_bytes(&a).await?).into_owned(),
            )),
            None => Ok(None),
        }
    }

    /// Run a `sweep-assess` job: assess the image and record its one result.
    pub(crate) async fn run_sweep_assess(
        &self,
        job: &crate::jobs::JobRow,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Send + Sync),
    ) -> Result<()> {
        #[derive(Deserialize)]
        struct Input {
            image: String,
            name: String,
            version: String,
        }
        let input: Input = serde_json::from_str(&job.input)
            .map_err(|e| Error::Input(format!("{}: input: {e}", job.id)))?;
        if input.version != ASSESSOR_VERSION {
            return Err(Error::Input(format!(
                "{}: queued for Baseline {}; this worker is {ASSESSOR_VERSION}",
                job.id, input.version
            )));
        }
        let data = self.evidence_bytes(&input.image).await?;
        let inputs = baseline_pipeline::Inputs {
            images: vec![baseline_pipeline::Image {
                name: input.name.clone(),
                data: bytes::Bytes::from(data),
            }],
            product: None,
            answers: None,
            site: None,
        };
        let run = self.run_pipeline(job, worker, clock, inputs).await?;
        let report = baseline_report::json::render(&run.assessment);
        let summary = serde_json::to_string(&ImageSummary::of(&run.assessment)).unwrap_or_default();
        let report_sha = sha256_hex(report.as_bytes());
        let e = |err| self.db.err(err);
        let at = time::format(clock());
        let mut tx = self.db.pool.begin().await.map_err(e)?;
        sqlx::query("INSERT INTO blobs (sha256, size, data) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $4)")
            .bind(&report_sha)
            .bind(report.len() as i64)
            .bind(report.as_bytes())
            .bind(&report_sha)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        sqlx::query("INSERT INTO image_results (sha256, baseline_version, assessment_sha256, summary, job_id, finished_at) SELECT $1, $2, $3, $4, $5, $6 \
                     WHERE NOT EXISTS (SELECT 1 FROM image_results WHERE sha256 = $7 AND baseline_version = $8)")
            .bind(&input.image)
            .bind(ASSESSOR_VERSION)
            .bind(&report_sha)
            .bind(&summary)
            .bind(&job.id)
            .bind(&at)
            .bind(&input.image)
            .bind(ASSESSOR_VERSION)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        let result = serde_json::json!({"assessment": report_sha}).to_string();
        let done = sqlx::query("UPDATE jobs SET status = 'done', result = $1, finished_at = $2, progress = NULL WHERE id = $3 AND worker = $4 AND status = 'running'")
            .bind(&result)
            .bind(&at)
            .bind(&job.id)
            .bind(worker)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        if done.rows_affected() != 1 {
            return Err(Error::Input(format!(
                "{}: the lease was lost to another worker",
                job.id
            )));
        }
        tx.commit().await.map_err(e)?;
        Ok(())
    }

    /// The sweep's products with their images' results, the market picture and the
    /// cross-product correlation.
    pub async fn sweep_report(&self, id: &str) -> Result<SweepReport> {
        let sweep = self.sweep(id).await?;
        let status = self.sweep_status(id).await?;
        #[derive(sqlx::FromRow)]
        struct Listed {
            line: i64,
            brand: String,
            model: String,
            category: Option<String>,
            images: String,
            case_id: Option<String>,
        }
        let rows: Vec<Listed> = sqlx::query_as(
            "SELECT line, brand, model, category, images, case_id FROM sweep_products WHERE sweep_id = $1 ORDER BY line",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let results: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT si.sha256, r.assessment_sha256, r.summary FROM sweep_images si JOIN image_results r ON r.sha256 = si.sha256 AND r.baseline_version = $1 WHERE si.sweep_id = $2",
        )
        .bind(&sweep.baseline_version)
        .bind(id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let names: Vec<(String, String)> =
            sqlx::query_as("SELECT sha256, name FROM sweep_images WHERE sweep_id = $1")
                .bind(id)
                .fetch_all(&self.db.pool)
                .await
                .map_err(|e| self.db.err(e))?;
        let names: BTreeMap<String, String> = names.into_iter().collect();
        let results: BTreeMap<String, (String, ImageSummary)> = results
            .into_iter()
            .map(|(sha, a, s)| (sha, (a, serde_json::from_str(&s).unwrap_or_default())))
            .collect();
        let products = rows
            .into_iter()
            .map(
                |Listed {
                     line,
                     brand,
                     model,
                     category,
                     images,
                     case_id,
                 }| {
                    let images: Vec<String> = serde_json::from_str(&images).unwrap_or_default();
                    let summaries: Vec<&ImageSummary> = images
                        .iter()
                        .filter_map(|s| results.get(s).map(|r| &r.1))
                        .collect();
                    let complete = summaries.len() == images.len();
                    let mut psti: BTreeMap<String, String> = BTreeMap::new();
                    for s in &summaries {
                        for (req, o) in &s.psti {
                            let e = psti.entry(req.clone()).or_insert_with(|| o.clone());
                            if rank(o) > rank(e) {
                                *e = o.clone();
                            }
                        }
                    }
                    let psti_failures: Vec<String> = psti
                        .iter()
                        .filter(|(_, o)| o.as_str() == "fail")
                        .map(|(r, _)| r.clone())
                        .collect();
                    ProductResult {
                        line,
                        brand,
                        model,
                        category,
                        images: images
                            .iter()
                            .map(|s| ImageRef {
                                sha256: s.clone(),
                                name: names.get(s).cloned().unwrap_or_default(),
                                assessment: results.get(s).map(|r| r.0.clone()),
                            })
                            .collect(),
                        complete,
                        psti,
                        psti_failures,
                        case_id,
                    }
                },
            )
            .collect::<Vec<_>>();
        let market = market(&products);
        let shared = correlate(&products, &results);
        Ok(SweepReport {
            schema: "baseline/sweep-report/v1".into(),
            sweep,
            status,
            products,
            market,
            shared,
        })
    }
}

/// A case for a failing product of a sweep ([`Register::sweep_cases`]).
#[derive(Debug, Clone, Serialize)]
pub struct SweepCase {
    pub line: i64,
    pub brand: String,
    pub model: String,
    /// The PSTI requirements it fails.
    pub failures: Vec<String>,
    /// The case: opened now, opened before (`existing`), or none on a dry run.
    pub case_id: Option<String>,
    pub existing: bool,
}

impl Register {
    /// Open one case per product of the sweep that fails a PSTI requirement (every image
    /// assessed), with its images and their assessments as evidence and the failed
    /// requirements in the title; a product that has its case already keeps it (a second run
    /// opens nothing). Each case is opened, its evidence attached and the product marked in one
    /// transaction. With `dry_run` nothing is written.
    pub async fn sweep_cases(
        &self,
        now: Timestamp,
        actor: &str,
        id: &str,
        dry_run: bool,
    ) -> Result<Vec<SweepCase>> {
        let rep = self.sweep_report(id).await?;
        let mut out = Vec::new();
        for p in rep
            .products
            .iter()
            .filter(|p| p.complete && !p.psti_failures.is_empty())
        {
            let mut c = SweepCase {
                line: p.line,
                brand: p.brand.clone(),
                model: p.model.clone(),
                failures: p.psti_failures.clone(),
                case_id: p.case_id.clone(),
                existing: p.case_id.is_some(),
            };
            if c.existing || dry_run {
                out.push(c);
                continue;
            }
            let mut w = self.begin(now, actor).await?;
            let taken: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT case_id FROM sweep_products WHERE sweep_id = $1 AND line = $2",
            )
            .bind(id)
            .bind(p.line)
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
            if let Some((Some(existing),)) = taken {
                c.case_id = Some(existing);
                c.existing = true;
                out.push(c);
                continue;
            }
            let case_id = self
                .open_case_in(
                    &mut w,
                    &crate::register::NewCase {
                        title: format!(
                            "{} {}: fails {} (sweep {})",
                            p.brand,
                            p.model,
                            p.psti_failures.join(", "),
                            id
                        ),
                        ..Default::default()
                    },
                )
                .await?;
            let origin = format!("sweep {id}, manifest line {}", p.line);
            for img in &p.images {
                let data = self.evidence_bytes(&img.sha256).await?;
                let name = crate::register::plain_or(&img.name, "firmware.bin");
                self.attach_in(
                    &mut w,
                    &case_id,
                    &crate::register::NewEvidence {
                        data: &data,
                        name: &name,
                        kind: "firmware",
                        origin: &origin,
                    },
                )
                .await?;
                if let Some(a) = &img.assessment {
                    let report = self.evidence_bytes(a).await?;
                    let aname = format!("{name}.assessment.json");
                    self.attach_in(
                        &mut w,
                        &case_id,
                        &crate::register::NewEvidence {
                            data: &report,
                            name: &aname,
                            kind: "assessment",
                            origin: &origin,
                        },
                    )
                    .await?;
                }
            }
            self.event(
                &mut w,
                Some(&case_id),
                "sweep.case",
                serde_json::json!({"sweep": id, "line": p.line, "brand": p.brand, "model": p.model, "psti_failures": p.psti_failures}),
            )
            .await?;
            let marked = sqlx::query("UPDATE sweep_products SET case_id = $1 WHERE sweep_id = $2 AND line = $3 AND case_id IS NULL")
                .bind(&case_id)
                .bind(id)
                .bind(p.line)
                .execute(&mut *w.tx)
                .await
                .map_err(|e| self.db.err(e))?;
            if marked.rows_affected() != 1 {
                return Err(Error::Conflict(format!(
                    "{id} line {}: another run opened its case meanwhile; nothing was saved",
                    p.line
                )));
            }
            self.commit(w).await?;
            c.case_id = Some(case_id);
            out.push(c);
        }
        Ok(out)
    }
}

/// Which outcome of several images stands for the product: a failure in any image fails it.
fn rank(o: &str) -> u8 {
    match o {
        "fail" => 4,
        "inconclusive" => 3,
        "pass" => 2,
        _ => 1,
    }
}

/// One image of a product in a report.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRef {
    pub sha256: String,
    pub name: String,
    /// SHA-256 of the stored assessment report, when assessed.
    pub assessment: Option<String>,
}

/// One product's result in a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct ProductResult {
    pub line: i64,
    pub brand: String,
    pub model: String,
    pub category: Option<String>,
    pub images: Vec<ImageRef>,
    /// Every image has a result.
    pub complete: bool,
    /// Outcome per PSTI requirement over the product's images (a failure in any one fails).
    pub psti: BTreeMap<String, String>,
    pub psti_failures: Vec<String>,
    /// The case opened for it (`baseline sweep cases`).
    pub case_id: Option<String>,
}

/// Share of assessed products failing one PSTI requirement, overall and by group.
#[derive(Debug, Clone, Serialize)]
pub struct MarketLine {
    pub requirement: String,
    pub failing: usize,
    pub assessed: usize,
    pub by_brand: BTreeMap<String, (usize, usize)>,
    pub by_category: BTreeMap<String, (usize, usize)>,
}

/// Something found in the images of more than one product.
#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    /// `private-key`, `password-hash` or `component`.
    pub kind: String,
    /// The key's or hash's fingerprint, or `name version`.
    pub value: String,
    /// For a password hash: the accounts that carry it.
    pub detail: Option<String>,
    /// Known vulnerabilities of a component build.
    pub vulnerabilities: Option<usize>,
    /// Distinct brands among the products.
    pub brands: usize,
    /// The products: (brand, model).
    pub products: Vec<(String, String)>,
}

/// A sweep's report (`baseline sweep report`).
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    pub schema: String,
    pub sweep: SweepRow,
    pub status: SweepStatus,
    pub products: Vec<ProductResult>,
    pub market: Vec<MarketLine>,
    /// Keys and password hashes in more than one product first, then component builds in
    /// more than one brand; most products first.
    pub shared: Vec<Shared>,
}

fn market(products: &[ProductResult]) -> Vec<MarketLine> {
    let mut lines: BTreeMap<String, MarketLine> = BTreeMap::new();
    for p in products.iter().filter(|p| p.complete) {
        for (req, o) in &p.psti {
            let l = lines.entry(req.clone()).or_insert_with(|| MarketLine {
                requirement: req.clone(),
                failing: 0,
                assessed: 0,
                by_brand: BTreeMap::new(),
                by_category: BTreeMap::new(),
            });
            let fail = usize::from(o == "fail");
            l.assessed += 1;
            l.failing += fail;
            let b = l.by_brand.entry(p.brand.clone()).or_insert((0, 0));
            b.0 += fail;
            b.1 += 1;
            let c = l
                .by_category
                .entry(p.category.clone().unwrap_or_else(|| "(none)".into()))
                .or_insert((0, 0));
            c.0 += fail;
            c.1 += 1;
        }
    }
    lines.into_values().collect()
}

fn correlate(
    products: &[ProductResult],
    results: &BTreeMap<String, (String, ImageSummary)>,
) -> Vec<Shared> {
    /// What is known of one shared value: details (accounts), vulnerabilities, products.
    #[derive(Default)]
    struct Seen(BTreeSet<String>, Option<usize>, BTreeSet<(String, String)>);
    // (kind, value) → what is known of it
    let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for p in products {
        let who = (p.brand.clone(), p.model.clone());
        for img in &p.images {
            let Some((_, s)) = results.get(&img.sha256) else {
                continue;
            };
            for k in &s.private_keys {
                let e = seen.entry(("private-key".into(), k.clone())).or_default();
                e.2.insert(who.clone());
            }
            for (h, account) in &s.password_hashes {
                let e = seen.entry(("password-hash".into(), h.clone())).or_default();
                e.0.insert(account.clone());
                e.2.insert(who.clone());
            }
            for (name, version, vulns) in &s.components {
                let e = seen
                    .entry(("component".into(), format!("{name} {version}")))
                    .or_default();
                e.1 = Some(e.1.unwrap_or(0).max(*vulns));
                e.2.insert(who.clone());
            }
        }
    }
    let mut out: Vec<Shared> = seen
        .into_iter()
        .filter_map(|((kind, value), Seen(details, vulns, prods))| {
            let brands = prods
                .iter()
                .map(|(b, _)| b.to_lowercase())
                .collect::<BTreeSet<_>>()
                .len();
            // Keys and hashes shared by two products matter; a component build matters when
            // it crosses brands (white-label firmware).
            let keep = match kind.as_str() {
                "component" => brands > 1,
                _ => prods.len() > 1,
            };
            keep.then(|| Shared {
                detail: (!details.is_empty())
                    .then(|| details.into_iter().collect::<Vec<_>>().join(", ")),
                vulnerabilities: vulns,
                brands,
                products: prods.into_iter().collect(),
                kind,
                value,
            })
        })
        .collect();
    let order = |k: &str| match k {
        "private-key" => 0,
        "password-hash" => 1,
        _ => 2,
    };
    out.sort_by(|a, b| {
        order(&a.kind)
            .cmp(&order(&b.kind))
            .then(b.products.len().cmp(&a.products.len()))
            .then(a.value.cmp(&b.value))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_read_as_jsonl_or_csv_and_errors_name_line_and_field() {
        let jsonl = "# a sweep\n{\"brand\":\"Acme\",\"model\":\"C1\",\"category\":\"camera\",\"firmware\":[\"a.bin\",\"b.bin\"]}\n\n{\"brand\":\"Bolt\",\"model\":\"R2\",\"firmware\":[\"c.bin\"]}\n";
        let e = parse_manifest(jsonl, "m.jsonl").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].0, 2);
        assert_eq!(e[0].1.firmware, vec!["a.bin", "b.bin"]);
        assert_eq!(e[1].0, 4);
        assert_eq!(e[1].1.category, None);
        let csv =
            "brand,model,category,firmware\nAcme,C1,camera,a.bin; b.bin\n\"Bolt, Inc\",R2,,c.bin\n";
        let c = parse_manifest(csv, "m.csv").unwrap();
        assert_eq!(c[0].1, e[0].1);
        assert_eq!(c[1].1.brand, "Bolt, Inc");
        assert_eq!(c[1].1.category, None);
        assert_eq!(c[1].0, 3);

        let err = |t: &str| parse_manifest(t, "m").unwrap_err().to_string();
        assert!(err("{\"brand\":\"A\",\"model\":\"\",\"firmware\":[\"a\"]}")
            .contains("m:1: model: is empty"));
        assert!(err("{\"brand\":\"A\",\"model\":\"B\",\"firmware\":[]}")
            .contains("m:1: firmware: lists no image"));
        assert!(err("{\"brand\":\"A\",\"model\":\"B\",\"firmwar\":[\"a\"]}")
            .contains("unknown field `firmwar`"));
        assert!(
            err("{\"brand\":\"A\",\"model\":\"B\",\"firmware\":[\"https://x/y.bin\"]}")
                .contains("URL sources are not fetched yet")
        );
        assert!(err("brand,model,url\nA,B,c\n").contains("m:1: url: unknown column"));
        assert!(err("brand,model\nA,B\n").contains("needs the columns brand, model and firmware"));
        assert!(err("\n# nothing\n").contains("m: no products"));
    }
}

/// A bar of the market chart: one PSTI requirement, its failing share.
#[derive(Debug)]
struct Bar {
    requirement: String,
    failing: usize,
    assessed: usize,
    /// Width in the SVG's units (of 400).
    width: u32,
    y: u32,
    text_y: u32,
    percent: u32,
}

#[derive(askama::Template)]
#[template(path = "sweep.html")]
struct SweepHtml<'a> {
    r: &'a SweepReport,
    bars: Vec<Bar>,
    chart_height: u32,
}

impl SweepReport {
    /// The report as one self-contained HTML page (inline CSS and SVG, no script, no network).
    pub fn to_html(&self) -> String {
        let bars: Vec<Bar> = self
            .market
            .iter()
            .filter(|m| m.assessed > 0)
            .enumerate()
            .map(|(i, m)| {
                let share = m.failing as f64 / m.assessed as f64;
                Bar {
                    requirement: m.requirement.clone(),
                    failing: m.failing,
                    assessed: m.assessed,
                    width: (share * 400.0).round() as u32,
                    y: 24 * i as u32,
                    text_y: 24 * i as u32 + 15,
                    percent: (share * 100.0).round() as u32,
                }
            })
            .collect();
        let chart_height = 24 * bars.len() as u32 + 4;
        askama::Template::render(&SweepHtml {
            r: self,
            bars,
            chart_height,
        })
        .unwrap_or_else(|e| format!("<p>the sweep report could not be rendered: {e}</p>"))
    }

    /// One row per product: line, brand, model, category, complete, failing PSTI
    /// requirements (`;`-separated), images (`;`-separated SHA-256), case.
    pub fn to_csv(&self) -> String {
        use crate::public::csv_field as f;
        let mut out =
            String::from("line,brand,model,category,complete,psti_failures,images,case\n");
        for p in &self.products {
            let images: Vec<&str> = p.images.iter().map(|i| i.sha256.as_str()).collect();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                p.line,
                f(&p.brand),
                f(&p.model),
                f(p.category.as_deref().unwrap_or("")),
                p.complete,
                f(&p.psti_failures.join(";")),
                f(&images.join(";")),
                f(p.case_id.as_deref().unwrap_or("")),
            ));
        }
        out
    }
}
