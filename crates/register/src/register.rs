//! The register's operations: every change is one transaction that appends its event to the
//! hash chain and updates the records (cases, evidence, notices…) together, so a crash
//! mid-command leaves the register as it was, and two writers are serialised by the chain
//! head (nothing lost, no fork).

use crate::chain::{self, Checkpoint, Event, Problem};
use crate::db::{Backend, Db};
use crate::rules::{self, Refusal};
use crate::time;
use crate::{Error, Result};
use baseline_catalogue::Catalogue;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

/// Largest evidence item accepted (bytes).
pub const MAX_EVIDENCE: usize = 1 << 30;

/// Roles of an economic operator in a case.
pub const ROLES: &[&str] = &[
    "manufacturer",
    "importer",
    "distributor",
    "authorised-representative",
];
/// Kinds of evidence.
pub const EVIDENCE_KINDS: &[&str] = &[
    "firmware",
    "assessment",
    "site-archive",
    "correspondence",
    "photo",
    "probe-report",
    "notice",
    "representations",
    "remedy",
    "other",
];
/// Kinds of enforcement notice.
pub const NOTICE_KINDS: &[&str] = &["compliance", "stop", "recall"];
/// Where an allegation came from.
pub const ALLEGATION_SOURCES: &[&str] = &[
    "consumer",
    "security-researcher",
    "regulator",
    "market-sweep",
    "manufacturer-notification",
];

/// Outcomes a case is closed with.
pub const OUTCOMES: &[&str] = &[
    "no-further-action",
    "informal-resolution",
    "notice",
    "penalty",
    "referral",
];

/// An opened register.
#[derive(Debug, Clone)]
pub struct Register {
    pub db: Db,
    /// Signs checkpoints; without it the chain is still kept, checkpoints are not made.
    key: Option<SigningKey>,
    /// Refuse the next writes unless this case is still at this version ([`Register::expecting`]).
    expect: Option<(String, i64)>,
    /// When this process last failed the jobs whose workers died too often (unix seconds).
    pub(crate) reaped: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// How long one job's assessment may run ([`crate::jobs::JOB_TIME_LIMIT`] by default).
    pub(crate) job_time_limit: std::time::Duration,
}

/// A case as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CaseRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub outcome: Option<String>,
    pub team: Option<String>,
    pub restricted: i64,
    pub opened_at: String,
    pub updated_at: String,
}

/// The searchable facts of a case ([`Register::case_index`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseIndex {
    pub operators: Vec<String>,
    /// `brand model`.
    pub product: Option<String>,
    pub breaches: Vec<String>,
    /// The earliest due date of an open task.
    pub next_due: Option<String>,
}

/// An operator's part in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CaseOperator {
    pub legal_name: String,
    pub role: String,
}

/// An evidence item of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub sha256: String,
    pub kind: String,
    pub name: String,
    pub origin: String,
    pub added_by: String,
    pub added_at: String,
    pub size: i64,
}

/// A notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub status: String,
    /// JSON array of requirement references.
    pub breaches: String,
    /// JSON array of evidence SHA-256s.
    pub evidence: String,
    pub reasons: String,
    pub intent_at: Option<String>,
    pub representations_end: Option<String>,
    pub issued_at: Option<String>,
    pub created_at: String,
    /// What the person must do (s. 28(4), s. 29(4)).
    pub steps: Option<String>,
    /// The end of the period to comply or stop (s. 28(2), s. 29(2)).
    pub comply_by: Option<String>,
    /// JSON array of the verdicts and findings cited ([`crate::document::Basis`]).
    pub basis: Option<String>,
    /// SHA-256 of the documents sent with the notice of intent and when given.
    pub intent_html: Option<String>,
    pub intent_pdf: Option<String>,
    pub issued_html: Option<String>,
    pub issued_pdf: Option<String>,
}

pub(crate) const NOTICE_COLUMNS: &str = "id, case_id, kind, status, breaches, evidence, reasons, intent_at, representations_end, issued_at, created_at, steps, comply_by, basis, intent_html, intent_pdf, issued_html, issued_pdf";
pub(crate) const PENALTY_COLUMNS: &str = "id, case_id, breach, amount_pence, daily_pence, worldwide_revenue_pence, maximum_pence, payment_due, issued_at, reasons, evidence, basis, issued_html, issued_pdf";

impl NoticeRow {
    pub fn breach_list(&self) -> Vec<String> {
        serde_json::from_str(&self.breaches).unwrap_or_default()
    }
}

/// A penalty notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PenaltyRow {
    pub id: String,
    pub case_id: String,
    pub breach: String,
    pub amount_pence: i64,
    pub daily_pence: Option<i64>,
    pub worldwide_revenue_pence: Option<i64>,
    pub maximum_pence: i64,
    pub payment_due: String,
    pub issued_at: String,
    pub reasons: Option<String>,
    /// JSON array of evidence SHA-256s.
    pub evidence: Option<String>,
    /// JSON array of the verdicts and findings cited.
    pub basis: Option<String>,
    pub issued_html: Option<String>,
    pub issued_pdf: Option<String>,
}

/// An appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AppealRow {
    pub id: String,
    pub case_id: String,
    pub notice_id: String,
    pub lodged_at: String,
    pub status: String,
}

/// Everything about one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: CaseRow,
    pub operators: Vec<CaseOperator>,
    pub evidence: Vec<EvidenceRow>,
    pub notices: Vec<NoticeRow>,
    pub penalties: Vec<PenaltyRow>,
    pub appeals: Vec<AppealRow>,
    pub tasks: Vec<crate::people::TaskRow>,
    pub events: Vec<Event>,
    /// Rules marked uncertain that bear on this case's actions (shown, not enforced).
    pub cautions: Vec<String>,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub events: i64,
    pub checkpoints: i64,
    pub evidence: i64,
    /// The first problem, if any: the event or item that does not match.
    pub problem: Option<Problem>,
}

/// Inputs of [`Register::open_case`].
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub title: String,
    /// (legal name, role).
    pub operators: Vec<(String, String)>,
    pub product: Option<baseline_pipeline::ProductInput>,
    pub restricted: bool,
    pub team: Option<String>,
    /// The allegation the case is opened from (its attachments become the case's evidence).
    pub allegation: Option<String>,
}

/// An allegation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AllegationRow {
    pub reference: String,
    pub source: String,
    pub brand: String,
    pub model: String,
    pub description: String,
    pub contact: Option<String>,
    pub where_bought: Option<String>,
    pub received_at: String,
    pub case_id: Option<String>,
}

/// Inputs of [`Register::receive_allegation`].
#[derive(Debug, Clone, Default)]
pub struct NewAllegation<'a> {
    pub source: String,
    pub brand: String,
    pub model: String,
    pub description: String,
    pub contact: Option<String>,
    pub where_bought: Option<String>,
    /// (file name, bytes).
    pub attachments: Vec<(String, &'a [u8])>,
}

/// Largest allegation description accepted (characters).
pub const MAX_DESCRIPTION: usize = 20_000;

/// A new unguessable allegation reference (`AL-` and 16 base32 characters, 80 bits).
fn allegation_reference() -> String {
    use rand::RngCore as _;
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let code: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    format!("AL-{code}")
}

/// Inputs of [`Register::add_evidence`].
#[derive(Debug, Clone, Copy)]
pub struct NewEvidence<'a> {
    pub data: &'a [u8],
    /// The file name it came as.
    pub name: &'a str,
    /// One of [`EVIDENCE_KINDS`].
    pub kind: &'a str,
    /// Where it came from (a path, a URL, `baseline assess`).
    pub origin: &'a str,
}

/// Inputs of [`Register::draft_notice`].
#[derive(Debug, Clone, Default)]
pub struct NewNotice {
    pub kind: String,
    pub breaches: Vec<String>,
    pub evidence: Vec<String>,
    pub reasons: String,
    /// What the person must do (s. 28(4), s. 29(4)).
    pub steps: Option<String>,
    /// The end of the period to comply or stop (s. 28(2), s. 29(2)).
    pub comply_by: Option<Timestamp>,
    /// `EVIDENCE-SHA256/REQUIREMENT` (a failed verdict) or `EVIDENCE-SHA256/CHECK-CODE`
    /// (findings) of an attached assessment report.
    pub basis: Vec<String>,
}

/// Inputs of [`Register::penalty`].
#[derive(Debug, Clone, Default)]
pub struct NewPenalty {
    pub breach: String,
    pub amount_pence: i64,
    pub worldwide_revenue_pence: Option<i64>,
    pub daily_pence: Option<i64>,
    pub payment_days: i64,
    pub reasons: String,
    pub evidence: Vec<String>,
    /// As [`NewNotice::basis`].
    pub basis: Vec<String>,
}

/// A write in progress: the chain head is locked until commit.
pub(crate) struct Write<'c> {
    pub(crate) tx: Transaction<'c, Any>,
    seq: i64,
    hash: String,
    pub(crate) at: String,
    pub(crate) actor: String,
}

/// Refuse an evidence item of an unknown kind, too large, or with a name that is a path.
pub(crate) fn check_evidence(it: &NewEvidence<'_>) -> Result<()> {
    if !EVIDENCE_KINDS.contains(&it.kind) {
        return Err(Error::Input(format!(
            "--kind `{}` is not one of {}",
            it.kind,
            EVIDENCE_KINDS.join(", ")
        )));
    }
    if it.data.len() > MAX_EVIDENCE {
        return Err(Error::Input(format!(
            "{}: {} bytes is more than the {} byte evidence limit",
            it.name,
            it.data.len(),
            MAX_EVIDENCE
        )));
    }
    if !is_plain_name(it.name) {
        return Err(Error::Input(format!(
            "evidence name {:?} is not a plain file name (no directories, `..` or control characters)",
            it.name
        )));
    }
    Ok(())
}

/// `name` when it is a plain file name, else `fallback`.
pub(crate) fn plain_or(name: &str, fallback: &str) -> String {
    if is_plain_name(name) {
        name.to_owned()
    } else {
        fallback.to_owned()
    }
}

/// A file name that names no directory: no `/` or `\`, not `.` or `..`, no control
/// characters, at most 255 bytes. Evidence names are data, never paths, but a bundle or an
/// officer's download may turn one into a file name.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

async fn case_version_in<'e, E>(db: &Db, ex: E, case_id: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let v: (Option<i64>,) =
        sqlx::query_as("SELECT MAX(seq) FROM events WHERE case_id = $1 AND kind <> 'case.read'")
            .bind(case_id)
            .fetch_one(ex)
            .await
            .map_err(|e| db.err(e))?;
    Ok(v.0.unwrap_or(0))
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Register {
    /// Open (and migrate) the register at `database`; `key` signs checkpoints.
    pub async fn open(database: &str, key: Option<SigningKey>) -> Result<Register> {
        Ok(Register {
            db: Db::open(database).await?,
            key,
            expect: None,
            reaped: Default::default(),
            job_time_limit: crate::jobs::JOB_TIME_LIMIT,
        })
    }

    /// Open within a PostgreSQL schema (tests; several registers on one server).
    pub async fn open_in_schema(
        database: &str,
        schema: &str,
        key: Option<SigningKey>,
    ) -> Result<Register> {
        Ok(Register {
            db: Db::open_with(database, Some(schema)).await?,
            key,
            expect: None,
            reaped: Default::default(),
            job_time_limit: crate::jobs::JOB_TIME_LIMIT,
        })
    }

    /// Whether checkpoints can be signed (the register key was given).
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// The public key checkpoints are verified with (hex), recorded at the first checkpoint.
    pub async fn public_key(&self) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind("public_key")
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(row.map(|r| r.0))
    }

    /// This register, refusing its writes with [`Error::Conflict`] unless case `case_id` is
    /// still at `version` ([`Register::case_version`]) when the write takes the chain lock:
    /// two officers who read a case at one version and both change it get one change and one
    /// conflict, never a silent overwrite.
    pub fn expecting(&self, case_id: &str, version: i64) -> Register {
        Register {
            db: self.db.clone(),
            key: self.key.clone(),
            expect: Some((case_id.to_owned(), version)),
            reaped: std::sync::Arc::clone(&self.reaped),
            job_time_limit: self.job_time_limit,
        }
    }

    /// A case's version: the sequence number of its latest change (reads of restricted cases,
    /// which are events too, do not count).
    pub async fn case_version(&self, case_id: &str) -> Result<i64> {
        case_version_in(&self.db, &self.db.pool, case_id).await
    }

    pub(crate) async fn begin(&self, now: Timestamp, actor: &str) -> Result<Write<'_>> {
        let e = |e| self.db.err(e);
        let mut tx = self.db.pool.begin().await.map_err(e)?;
        // The write lock first (SQLite) / the head row's lock (PostgreSQL): writers queue here.
        sqlx::query("UPDATE chain_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        if let Some((case_id, version)) = &self.expect {
            let now_at = case_version_in(&self.db, &mut *tx, case_id).await?;
            if now_at != *version {
                return Err(Error::Conflict(format!(
                    "{case_id} was changed by someone else since you opened it (version {version}, now {now_at}); nothing was saved: open the case again"
                )));
            }
        }
        let (seq, hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(e)?;
        Ok(Write {
            tx,
            seq,
            hash,
            at: time::format(now),
            actor: actor.to_owned(),
        })
    }

    pub(crate) async fn event(
        &self,
        w: &mut Write<'_>,
        case_id: Option<&str>,
        kind: &str,
        body: serde_json::Value,
    ) -> Result<i64> {
        let body = chain::canonical(&body);
        let seq = w.seq + 1;
        let hash = chain::hash(&w.hash, seq, &w.at, &w.actor, case_id, kind, &body);
        sqlx::query("INSERT INTO events (seq, at, actor, case_id, kind, body, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(seq)
            .bind(&w.at)
            .bind(&w.actor)
            .bind(case_id)
            .bind(kind)
            .bind(&body)
            .bind(&w.hash)
            .bind(&hash)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        w.seq = seq;
        w.hash = hash;
        Ok(seq)
    }

    pub(crate) async fn commit(&self, mut w: Write<'_>) -> Result<()> {
        let e = |e| self.db.err(e);
        let old: (i64,) = sqlx::query_as("SELECT seq FROM chain_head WHERE id = 1")
            .fetch_one(&mut *w.tx)
            .await
            .map_err(e)?;
        sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(w.seq)
            .bind(&w.hash)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        if old.0 / chain::CHECKPOINT_EVERY != w.seq / chain::CHECKPOINT_EVERY {
            self.checkpoint_in(&mut w).await?;
        }
        w.tx.commit().await.map_err(e)
    }

    async fn checkpoint_in(&self, w: &mut Write<'_>) -> Result<Option<Checkpoint>> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let e = |e| self.db.err(e);
        let c = chain::sign(key, w.seq, &w.hash, &w.at);
        let known: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind("public_key")
            .fetch_optional(&mut *w.tx)
            .await
            .map_err(e)?;
        match known {
            None => {
                sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                    .bind("public_key")
                    .bind(&c.public_key)
                    .execute(&mut *w.tx)
                    .await
                    .map_err(e)?;
            }
            Some((pk,)) if pk != c.public_key => {
                return Err(Error::Input(format!(
                    "the register's checkpoints are signed with key {}…, not the key given ({}…)",
                    pk.get(..16).unwrap_or(&pk),
                    c.public_key.get(..16).unwrap_or("")
                )))
            }
            Some(_) => {}
        }
        sqlx::query("INSERT INTO checkpoints (seq, hash, at, public_key, signature) SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM checkpoints WHERE seq = $6)")
            .bind(c.seq)
            .bind(&c.hash)
            .bind(&c.at)
            .bind(&c.public_key)
            .bind(&c.signature)
            .bind(c.seq)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        Ok(Some(c))
    }

    /// Sign a checkpoint of the current head now (needs the key).
    pub async fn checkpoint(&self, now: Timestamp, actor: &str) -> Result<Checkpoint> {
        if self.key.is_none() {
            return Err(Error::Input("no register key: give --key FILE".into()));
        }
        let mut w = self.begin(now, actor).await?;
        if w.seq == 0 {
            return Err(Error::Input(
                "the register has no events to checkpoint".into(),
            ));
        }
        let c = self.checkpoint_in(&mut w).await?;
        w.tx.commit().await.map_err(|e| self.db.err(e))?;
        c.ok_or_else(|| Error::Input("no register key".into()))
    }

    pub(crate) async fn next_id(
        &self,
        tx: &mut Transaction<'_, Any>,
        table: &str,
        prefix: &str,
    ) -> Result<String> {
        // Under the chain lock: no two writers can pick the same number.
        let n: (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(format!("{prefix}-{:06}", n.0 + 1))
    }

    /// Record an allegation; returns its reference (what the sender is given as a receipt).
    pub async fn receive_allegation(
        &self,
        now: Timestamp,
        actor: &str,
        a: &NewAllegation<'_>,
    ) -> Result<String> {
        if !ALLEGATION_SOURCES.contains(&a.source.as_str()) {
            return Err(Error::Input(format!(
                "--source `{}` is not one of {}",
                a.source,
                ALLEGATION_SOURCES.join(", ")
            )));
        }
        for (what, v) in [
            ("brand", &a.brand),
            ("model", &a.model),
            ("description", &a.description),
        ] {
            if v.trim().is_empty() {
                return Err(Error::Input(format!("the allegation's {what} is empty")));
            }
        }
        // PostgreSQL text cannot hold NUL; SQLite can: refuse it on both alike.
        for (what, v) in [
            ("brand", Some(&a.brand)),
            ("model", Some(&a.model)),
            ("description", Some(&a.description)),
            ("contact", a.contact.as_ref()),
            ("where_bought", a.where_bought.as_ref()),
        ] {
            if v.is_some_and(|v| v.contains('\0')) {
                return Err(Error::Input(format!(
                    "the allegation's {what} contains a NUL character"
                )));
            }
        }
        if a.description.chars().count() > MAX_DESCRIPTION {
            return Err(Error::Input(format!(
                "the description is longer than {MAX_DESCRIPTION} characters"
            )));
        }
        let total: usize = a.attachments.iter().map(|(_, b)| b.len()).sum();
        if total > MAX_EVIDENCE {
            return Err(Error::Input(format!(
                "attachments of {total} bytes are more than the {MAX_EVIDENCE} byte limit"
            )));
        }
        let e = |e| self.db.err(e);
        let mut w = self.begin(now, actor).await?;
        let reference = allegation_reference();
        sqlx::query("INSERT INTO allegations (reference, source, brand, model, description, contact, where_bought, received_at, case_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)")
            .bind(&reference)
            .bind(&a.source)
            .bind(a.brand.trim())
            .bind(a.model.trim())
            .bind(a.description.trim())
            .bind(a.contact.as_deref())
            .bind(a.where_bought.as_deref())
            .bind(&w.at)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        let mut attached = Vec::new();
        for (name, data) in &a.attachments {
            let sha = hex::encode(Sha256::digest(data));
            sqlx::query("INSERT INTO blobs (sha256, size, data) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $4)")
                .bind(&sha)
                .bind(data.len() as i64)
                .bind(*data)
                .bind(&sha)
                .execute(&mut *w.tx)
                .await
                .map_err(e)?;
            sqlx::query("INSERT INTO allegation_attachments (reference, sha256, name) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM allegation_attachments WHERE reference = $4 AND sha256 = $5)")
                .bind(&reference)
                .bind(&sha)
                .bind(name)
                .bind(&reference)
                .bind(&sha)
                .execute(&mut *w.tx)
                .await
                .map_err(e)?;
            attached.push(serde_json::json!({"name": name, "sha256": sha, "size": data.len()}));
        }
        self.event(
            &mut w,
            None,
            "allegation.received",
            serde_json::json!({
                "reference": reference,
                "source": a.source,
                "brand": a.brand.trim(),
                "model": a.model.trim(),
                "description": a.description.trim(),
                "contact": a.contact,
                "where_bought": a.where_bought,
                "attachments": attached,
            }),
        )
        .await?;
        self.commit(w).await?;
        Ok(reference)
    }

    /// An allegation by its reference.
    pub async fn allegation(&self, reference: &str) -> Result<AllegationRow> {
        sqlx::query_as::<_, AllegationRow>("SELECT reference, source, brand, model, description, contact, where_bought, received_at, case_id FROM allegations WHERE reference = $1")
            .bind(reference)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| Error::NotFound(format!("no allegation {reference}")))
    }

    /// Allegations, newest first; `open_only` leaves out those already made a case.
    pub async fn list_allegations(&self, open_only: bool) -> Result<Vec<AllegationRow>> {
        let q = if open_only {
            "SELECT reference, source, brand, model, description, contact, where_bought, received_at, case_id FROM allegations WHERE case_id IS NULL ORDER BY received_at DESC, reference"
        } else {
            "SELECT reference, source, brand, model, description, contact, where_bought, received_at, case_id FROM allegations ORDER BY received_at DESC, reference"
        };
        sqlx::query_as::<_, AllegationRow>(q)
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))
    }

    /// Open a case; returns its id.
    pub async fn open_case(&self, now: Timestamp, actor: &str, new: &NewCase) -> Result<String> {
        if new.title.trim().is_empty() {
            return Err(Error::Input("--title is empty".into()));
        }
        for (name, role) in &new.operators {
            if name.trim().is_empty() {
                return Err(Error::Input("an --operator name is empty".into()));
            }
            if !ROLES.contains(&role.as_str()) {
                return Err(Error::Input(format!(
                    "--role `{role}` is not one of {}",
                    ROLES.join(", ")
                )));
            }
        }
        if let Some(t) = &new.team {
            self.known_team(t).await?;
        }
        if let Some(r) = &new.allegation {
            let a = self.allegation(r).await?;
            if let Some(c) = a.case_id {
                return Err(Error::Input(format!("allegation {r} is already case {c}")));
            }
        }
        let mut w = self.begin(now, actor).await?;
        let id = self.open_case_in(&mut w, new).await?;
        self.commit(w).await?;
        Ok(id)
    }

    /// The writes of [`open_case`](Self::open_case) in a write already begun (checked inputs).
    pub(crate) async fn open_case_in(&self, w: &mut Write<'_>, new: &NewCase) -> Result<String> {
        let actor = w.actor.clone();
        let e = |e| self.db.err(e);
        let id = self.next_id(&mut w.tx, "cases", "CASE").await?;
        let product_id = match &new.product {
            Some(p) => {
                let pid = self.next_id(&mut w.tx, "products", "PROD").await?;
                let scope = baseline_assess::decide(&p.product);
                sqlx::query("INSERT INTO products (id, brand, model, product_toml, scope_json) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&pid)
                    .bind(&p.product.manufacturer.name)
                    .bind(&p.product.product.model)
                    .bind(&p.toml)
                    .bind(serde_json::to_string(&scope).unwrap_or_default())
                    .execute(&mut *w.tx)
                    .await
                    .map_err(e)?;
                Some((pid, scope))
            }
            None => None,
        };
        sqlx::query("INSERT INTO cases (id, title, status, outcome, product_id, team, restricted, opened_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(new.title.trim())
            .bind("triage")
            .bind(product_id.as_ref().map(|p| p.0.clone()))
            .bind(new.team.as_deref())
            .bind(i64::from(new.restricted))
            .bind(&w.at)
            .bind(&w.at)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        let mut ops = Vec::new();
        for (name, role) in &new.operators {
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT id FROM operators WHERE legal_name = $1")
                    .bind(name.trim())
                    .fetch_optional(&mut *w.tx)
                    .await
                    .map_err(e)?;
            let oid = match existing {
                Some((oid,)) => oid,
                None => {
                    let oid = self.next_id(&mut w.tx, "operators", "OP").await?;
                    sqlx::query("INSERT INTO operators (id, legal_name, company_number, address, country) VALUES ($1, $2, NULL, NULL, NULL)")
                        .bind(&oid)
                        .bind(name.trim())
                        .execute(&mut *w.tx)
                        .await
                        .map_err(e)?;
                    oid
                }
            };
            sqlx::query("INSERT INTO case_operators (case_id, operator_id, role) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM case_operators WHERE case_id = $4 AND operator_id = $5 AND role = $6)")
                .bind(&id)
                .bind(&oid)
                .bind(role)
                .bind(&id)
                .bind(&oid)
                .bind(role)
                .execute(&mut *w.tx)
                .await
                .map_err(e)?;
            ops.push(serde_json::json!({"operator": oid, "legal_name": name.trim(), "role": role}));
        }
        let body = serde_json::json!({
            "title": new.title.trim(),
            "operators": ops,
            "product": product_id.as_ref().map(|(pid, scope)| serde_json::json!({
                "id": pid,
                "scope": scope,
            })),
            "restricted": new.restricted,
            "team": new.team,
            "allegation": new.allegation,
        });
        self.event(w, Some(&id), "case.opened", body).await?;
        if let Some(r) = &new.allegation {
            // Claim the allegation under the chain lock: a second case cannot take it.
            let claimed = sqlx::query(
                "UPDATE allegations SET case_id = $1 WHERE reference = $2 AND case_id IS NULL",
            )
            .bind(&id)
            .bind(r)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
            if claimed.rows_affected() != 1 {
                return Err(Error::Input(format!("allegation {r} is already a case")));
            }
            let files: Vec<(String, String, i64)> = sqlx::query_as("SELECT a.sha256, a.name, b.size FROM allegation_attachments a JOIN blobs b ON b.sha256 = a.sha256 WHERE a.reference = $1 ORDER BY a.name")
                .bind(r)
                .fetch_all(&mut *w.tx)
                .await
                .map_err(e)?;
            for (sha, name, size) in files {
                let origin = format!("allegation {r}");
                let seq = self.event(w, Some(&id), "evidence.added", serde_json::json!({"sha256": sha, "size": size, "name": name, "kind": "other", "origin": origin})).await?;
                sqlx::query("INSERT INTO evidence (case_id, sha256, kind, name, origin, added_by, added_at, event_seq) VALUES ($1, $2, 'other', $3, $4, $5, $6, $7)")
                    .bind(&id).bind(&sha).bind(&name).bind(&origin).bind(&actor).bind(&w.at).bind(seq)
                    .execute(&mut *w.tx)
                    .await
                    .map_err(e)?;
            }
        }

        Ok(id)
    }

    /// One case's row (not a read of its contents: no event, even when restricted).
    pub async fn case(&self, id: &str) -> Result<CaseRow> {
        self.case_row(id).await
    }

    async fn case_row(&self, id: &str) -> Result<CaseRow> {
        sqlx::query_as::<_, CaseRow>("SELECT id, title, status, outcome, team, restricted, opened_at, updated_at FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| Error::NotFound(format!("no case {id}")))
    }

    /// What the officers' case list searches and filters on, per case: operators, product,
    /// requirements breached (in notices and penalties) and the earliest open task's due date.
    pub async fn case_index(&self) -> Result<std::collections::HashMap<String, CaseIndex>> {
        let p = &self.db.pool;
        let e = |e| self.db.err(e);
        let mut out: std::collections::HashMap<String, CaseIndex> = Default::default();
        let ops: Vec<(String, String)> = sqlx::query_as("SELECT c.case_id, o.legal_name FROM case_operators c JOIN operators o ON o.id = c.operator_id ORDER BY o.legal_name")
            .fetch_all(p).await.map_err(e)?;
        for (case, name) in ops {
            let ix = out.entry(case).or_default();
            if !ix.operators.contains(&name) {
                ix.operators.push(name);
            }
        }
        let products: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.id, p.brand, p.model FROM cases c JOIN products p ON p.id = c.product_id",
        )
        .fetch_all(p)
        .await
        .map_err(e)?;
        for (case, brand, model) in products {
            out.entry(case).or_default().product = Some(format!("{brand} {model}"));
        }
        let notices: Vec<(String, String)> =
            sqlx::query_as("SELECT case_id, breaches FROM notices")
                .fetch_all(p)
                .await
                .map_err(e)?;
        for (case, breaches) in notices {
            let list: Vec<String> = serde_json::from_str(&breaches).unwrap_or_default();
            let ix = out.entry(case).or_default();
            for b in list {
                if !ix.breaches.contains(&b) {
                    ix.breaches.push(b);
                }
            }
        }
        let penalties: Vec<(String, String)> =
            sqlx::query_as("SELECT case_id, breach FROM penalties")
                .fetch_all(p)
                .await
                .map_err(e)?;
        for (case, b) in penalties {
            let ix = out.entry(case).or_default();
            if !ix.breaches.contains(&b) {
                ix.breaches.push(b);
            }
        }
        let due: Vec<(String, String)> = sqlx::query_as(
            "SELECT case_id, MIN(due_at) FROM tasks WHERE status = 'open' GROUP BY case_id",
        )
        .fetch_all(p)
        .await
        .map_err(e)?;
        for (case, d) in due {
            out.entry(case).or_default().next_due = Some(d);
        }
        Ok(out)
    }

    /// Cases, newest first, optionally with one status, at most `limit` (a page; the
    /// `(status, id)` index serves the filter).
    pub async fn list_cases(&self, status: Option<&str>, limit: i64) -> Result<Vec<CaseRow>> {
        self.list_cases_visible(None, status, limit).await
    }

    /// Like [`list_cases`](Self::list_cases), as seen by a team: its own cases and those no
    /// team has yet (`team` None: every case).
    pub async fn list_cases_visible(
        &self,
        team: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CaseRow>> {
        let mut sql = String::from(
            "SELECT id, title, status, outcome, team, restricted, opened_at, updated_at FROM cases WHERE 1 = 1",
        );
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if status.is_some() {
            sql.push_str(&format!(" AND status = {}", next()));
        }
        if team.is_some() {
            sql.push_str(&format!(" AND (team = {} OR team IS NULL)", next()));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", next()));
        let mut query = sqlx::query_as::<_, CaseRow>(&sql);
        if let Some(s) = status {
            query = query.bind(s);
        }
        if let Some(t) = team {
            query = query.bind(t);
        }
        query = query.bind(limit.max(0));
        query
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))
    }

    /// Everything about a case. Reading a restricted case is itself an event in the chain.
    pub async fn show_case(&self, now: Timestamp, actor: &str, id: &str) -> Result<CaseDetail> {
        let case = self.case_row(id).await?;
        if case.restricted != 0 {
            let mut w = self.begin(now, actor).await?;
            self.event(
                &mut w,
                Some(id),
                "case.read",
                serde_json::json!({"restricted": true}),
            )
            .await?;
            self.commit(w).await?;
        }
        let p = &self.db.pool;
        let e = |e| self.db.err(e);
        let operators = sqlx::query_as::<_, CaseOperator>("SELECT o.legal_name AS legal_name, c.role AS role FROM case_operators c JOIN operators o ON o.id = c.operator_id WHERE c.case_id = $1 ORDER BY o.legal_name, c.role")
            .bind(id).fetch_all(p).await.map_err(e)?;
        let evidence = sqlx::query_as::<_, EvidenceRow>("SELECT e.sha256 AS sha256, e.kind AS kind, e.name AS name, e.origin AS origin, e.added_by AS added_by, e.added_at AS added_at, b.size AS size FROM evidence e JOIN blobs b ON b.sha256 = e.sha256 WHERE e.case_id = $1 ORDER BY e.event_seq")
            .bind(id).fetch_all(p).await.map_err(e)?;
        let notices = sqlx::query_as::<_, NoticeRow>(&format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE case_id = $1 ORDER BY id"
        ))
        .bind(id)
        .fetch_all(p)
        .await
        .map_err(e)?;
        let penalties = sqlx::query_as::<_, PenaltyRow>(&format!(
            "SELECT {PENALTY_COLUMNS} FROM penalties WHERE case_id = $1 ORDER BY id"
        ))
        .bind(id)
        .fetch_all(p)
        .await
        .map_err(e)?;
        let appeals = sqlx::query_as::<_, AppealRow>("SELECT id, case_id, notice_id, lodged_at, status FROM appeals WHERE case_id = $1 ORDER BY id")
            .bind(id).fetch_all(p).await.map_err(e)?;
        let tasks = self.list_tasks(Some(id), false, None).await?;
        let events = sqlx::query_as::<_, Event>("SELECT seq, at, actor, case_id, kind, body, prev_hash, hash FROM events WHERE case_id = $1 ORDER BY seq")
            .bind(id).fetch_all(p).await.map_err(e)?;
        let mut cautions = Vec::new();
        if notices.iter().any(|n| n.kind != "compliance") {
            cautions.push(caution(&rules::STOP_RECALL_INTENT));
        }
        if !penalties.is_empty() {
            cautions.push(caution(&rules::PENALTY_PROCEDURE));
        }
        if !appeals.is_empty() || notices.iter().any(|n| n.status == "issued") {
            cautions.push(caution(&rules::APPEAL));
        }
        Ok(CaseDetail {
            case,
            operators,
            evidence,
            notices,
            penalties,
            appeals,
            tasks,
            events,
            cautions,
        })
    }

    /// Add an evidence item to a case; returns its SHA-256. The same bytes are stored once.
    pub async fn add_evidence(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        item: &NewEvidence<'_>,
    ) -> Result<String> {
        let mut v = self.add_evidence_all(now, actor, case_id, &[*item]).await?;
        v.pop()
            .ok_or_else(|| Error::Input("no evidence given".into()))
    }

    /// Add several evidence items in one transaction (all or none: `case assess` attaches the
    /// images and the report together); returns their SHA-256s in order.
    pub async fn add_evidence_all(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        items: &[NewEvidence<'_>],
    ) -> Result<Vec<String>> {
        for it in items {
            check_evidence(it)?;
        }
        let case = self.case_row(case_id).await?;
        if case.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} is closed; reopen it first"
            )));
        }
        let mut w = self.begin(now, actor).await?;
        let mut shas = Vec::with_capacity(items.len());
        let mut added = false;
        for it in items {
            let (sha, new) = self.attach_in(&mut w, case_id, it).await?;
            shas.push(sha);
            added |= new;
        }
        if added {
            self.touch(&mut w, case_id, Some("investigation")).await?;
            self.commit(w).await?;
        }
        Ok(shas)
    }

    /// Store an item's bytes (once per SHA-256) and cite it in the case, in the write `w`;
    /// returns its SHA-256 and whether it is new to the case (already cited: nothing is
    /// appended).
    pub(crate) async fn attach_in(
        &self,
        w: &mut Write<'_>,
        case_id: &str,
        it: &NewEvidence<'_>,
    ) -> Result<(String, bool)> {
        let e = |e| self.db.err(e);
        let sha = hex::encode(Sha256::digest(it.data));
        let have: Option<(String,)> =
            sqlx::query_as("SELECT sha256 FROM evidence WHERE case_id = $1 AND sha256 = $2")
                .bind(case_id)
                .bind(&sha)
                .fetch_optional(&mut *w.tx)
                .await
                .map_err(e)?;
        if have.is_some() {
            return Ok((sha, false));
        }
        sqlx::query("INSERT INTO blobs (sha256, size, data) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $4)")
            .bind(&sha)
            .bind(it.data.len() as i64)
            .bind(it.data)
            .bind(&sha)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        let seq = self
            .event(
                w,
                Some(case_id),
                "evidence.added",
                serde_json::json!({"sha256": sha, "size": it.data.len(), "name": it.name, "kind": it.kind, "origin": it.origin}),
            )
            .await?;
        let actor = w.actor.clone();
        let at = w.at.clone();
        sqlx::query("INSERT INTO evidence (case_id, sha256, kind, name, origin, added_by, added_at, event_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(case_id)
            .bind(&sha)
            .bind(it.kind)
            .bind(it.name)
            .bind(it.origin)
            .bind(&actor)
            .bind(&at)
            .bind(seq)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        Ok((sha, true))
    }

    /// Store a notice document's HTML and PDF as evidence of kind `notice` in `w`; returns
    /// their SHA-256s.
    async fn attach_document(
        &self,
        w: &mut Write<'_>,
        doc: &crate::document::NoticeDocument,
        stage: &str,
        origin: &str,
    ) -> Result<(String, String)> {
        let base = format!("{}-{}-{}-{stage}", doc.case_id, doc.notice_id, doc.kind);
        let html = doc.html();
        let pdf = doc.pdf();
        let (h, _) = self
            .attach_in(
                w,
                &doc.case_id,
                &NewEvidence {
                    data: html.as_bytes(),
                    name: &format!("{base}.html"),
                    kind: "notice",
                    origin,
                },
            )
            .await?;
        let (p, _) = self
            .attach_in(
                w,
                &doc.case_id,
                &NewEvidence {
                    data: &pdf,
                    name: &format!("{base}.pdf"),
                    kind: "notice",
                    origin,
                },
            )
            .await?;
        Ok((h, p))
    }

    /// Mark a case updated; move it from triage to `status` when given.
    async fn touch(
        &self,
        w: &mut Write<'_>,
        case_id: &str,
        from_triage: Option<&str>,
    ) -> Result<()> {
        let e = |e| self.db.err(e);
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
            .bind(&w.at)
            .bind(case_id)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        if let Some(s) = from_triage {
            sqlx::query("UPDATE cases SET status = $1 WHERE id = $2 AND status = 'triage'")
                .bind(s)
                .bind(case_id)
                .execute(&mut *w.tx)
                .await
                .map_err(e)?;
        }
        Ok(())
    }

    /// Draft a notice citing breached requirements and the evidence they rest on.
    pub async fn draft_notice(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        n: &NewNotice,
    ) -> Result<std::result::Result<String, Refusal>> {
        if !NOTICE_KINDS.contains(&n.kind.as_str()) {
            return Err(Error::Input(format!(
                "--kind `{}` is not one of {}",
                n.kind,
                NOTICE_KINDS.join(", ")
            )));
        }
        if n.breaches.is_empty() {
            return Err(Error::Input(
                "give at least one --breach REQUIREMENT (e.g. psti:sch1-p1)".into(),
            ));
        }
        let cat = Catalogue::embedded();
        for b in &n.breaches {
            cat.lookup(b)
                .map_err(|e| Error::Input(format!("--breach {b}: {e}")))?;
        }
        if n.reasons.trim().is_empty() && n.kind != "recall" {
            return Ok(Err(rules::refuse(
                &rules::NOTICE_CONTENT,
                "the notice states no reasons; give --reasons",
            )));
        }
        let detail = self.case_row(case_id).await?;
        if detail.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} is closed; reopen it first"
            )));
        }
        if let Some(by) = n.comply_by {
            if by <= now {
                return Err(Error::Input(format!(
                    "--comply-by {} is not after now ({})",
                    time::format(by),
                    time::format(now)
                )));
            }
        }
        let basis = self.resolve_basis(case_id, &n.basis).await?;
        let comply_by = n.comply_by.map(time::format);
        let steps = n.steps.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let e = |e| self.db.err(e);
        let mut w = self.begin(now, actor).await?;
        for sha in &n.evidence {
            let have: Option<(String,)> =
                sqlx::query_as("SELECT sha256 FROM evidence WHERE case_id = $1 AND sha256 = $2")
                    .bind(case_id)
                    .bind(sha)
                    .fetch_optional(&mut *w.tx)
                    .await
                    .map_err(e)?;
            if have.is_none() {
                return Err(Error::Input(format!(
                    "--evidence {sha} is not evidence of {case_id}"
                )));
            }
        }
        let id = self.next_id(&mut w.tx, "notices", "N").await?;
        let basis_json = serde_json::to_string(&basis).unwrap_or_else(|_| "[]".into());
        sqlx::query("INSERT INTO notices (id, case_id, kind, status, breaches, evidence, reasons, intent_at, representations_end, issued_at, created_at, steps, comply_by, basis) VALUES ($1, $2, $3, 'draft', $4, $5, $6, NULL, NULL, NULL, $7, $8, $9, $10)")
            .bind(&id)
            .bind(case_id)
            .bind(&n.kind)
            .bind(json_list(&n.breaches))
            .bind(json_list(&n.evidence))
            .bind(n.reasons.trim())
            .bind(&w.at)
            .bind(steps)
            .bind(comply_by.as_deref())
            .bind(&basis_json)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        self.event(&mut w, Some(case_id), "notice.drafted", serde_json::json!({
            "notice": id, "kind": n.kind, "breaches": n.breaches, "evidence": n.evidence, "reasons": n.reasons.trim(),
            "steps": steps, "comply_by": comply_by, "basis": basis,
        })).await?;
        self.touch(&mut w, case_id, Some("investigation")).await?;
        self.commit(w).await?;
        Ok(Ok(id))
    }

    /// A penalty notice of a case.
    pub async fn penalty_row(&self, case_id: &str, id: &str) -> Result<PenaltyRow> {
        sqlx::query_as::<_, PenaltyRow>(&format!(
            "SELECT {PENALTY_COLUMNS} FROM penalties WHERE id = $1 AND case_id = $2"
        ))
        .bind(id)
        .bind(case_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?
        .ok_or_else(|| Error::NotFound(format!("no penalty notice {id} in case {case_id}")))
    }

    /// A notice of a case.
    pub async fn notice_row(&self, case_id: &str, id: &str) -> Result<NoticeRow> {
        sqlx::query_as::<_, NoticeRow>(&format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1 AND case_id = $2"
        ))
        .bind(id)
        .bind(case_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?
        .ok_or_else(|| Error::NotFound(format!("no notice {id} in case {case_id}")))
    }

    /// Record representations on a notice of intent (s. 28(5)) from `actor` (a respondent or
    /// an officer writing down a letter): the text and any attached files become evidence of
    /// kind `representations` in one transaction. Refused unless the notice is at intent and
    /// its representations period has not ended.
    pub async fn representations(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        notice_id: &str,
        text: &str,
        files: &[NewEvidence<'_>],
    ) -> Result<std::result::Result<Vec<String>, Refusal>> {
        if text.trim().is_empty() {
            return Err(Error::Input("the representations are empty".into()));
        }
        let n = self.notice_row(case_id, notice_id).await?;
        let Some(end) = n
            .representations_end
            .as_deref()
            .filter(|_| n.status == "intent")
        else {
            return Ok(Err(rules::refuse(
                &rules::NOTICE_OF_INTENT,
                format!(
                    "{notice_id} is {}: representations are made on a notice of intent",
                    n.status
                ),
            )));
        };
        if now > time::parse(end, "representations_end")? {
            return Ok(Err(rules::refuse(
                &rules::NOTICE_OF_INTENT,
                format!("the representations period of {notice_id} ended {end}"),
            )));
        }
        let name = format!(
            "{case_id}-{notice_id}-representations-{}.txt",
            time::format(now).replace(':', "")
        );
        let origin = format!("representations on {notice_id}");
        let mut items = vec![NewEvidence {
            data: text.as_bytes(),
            name: &name,
            kind: "representations",
            origin: &origin,
        }];
        items.extend(files.iter().map(|f| NewEvidence {
            data: f.data,
            name: f.name,
            kind: "representations",
            origin: &origin,
        }));
        for it in &items {
            check_evidence(it)?;
        }
        let mut w = self.begin(now, actor).await?;
        let mut shas = Vec::with_capacity(items.len());
        for it in &items {
            shas.push(self.attach_in(&mut w, case_id, it).await?.0);
        }
        self.event(
            &mut w,
            Some(case_id),
            "notice.representations",
            serde_json::json!({"notice": notice_id, "evidence": shas}),
        )
        .await?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await?;
        Ok(Ok(shas))
    }

    /// Send the notice of intent (s. 28(5)); the representations period ends 10 days later
    /// (s. 28(6)) or at `representations_end` when the officer gives a later one.
    pub async fn notice_intent(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        id: &str,
        representations_end: Option<Timestamp>,
    ) -> Result<std::result::Result<String, Refusal>> {
        let n = self.notice_row(case_id, id).await?;
        if n.status != "draft" {
            return Ok(Err(rules::refuse(
                &rules::NOTICE_OF_INTENT,
                format!(
                    "{id} is {}, not a draft: a notice of intent is sent for a draft",
                    n.status
                ),
            )));
        }
        let earliest = time::plus_days(now, rules::REPRESENTATIONS_DAYS);
        let end = representations_end.unwrap_or(earliest);
        if end < earliest {
            return Ok(Err(rules::refuse(&rules::REPRESENTATIONS_PERIOD, format!(
                "the representations period may not end before {} (10 days after the notice of intent)",
                time::format(earliest)
            ))));
        }
        let end_s = time::format(end);
        let at = time::format(now);
        let mut sent = n.clone();
        sent.status = "intent".into();
        sent.intent_at = Some(at.clone());
        sent.representations_end = Some(end_s.clone());
        let doc = self
            .notice_document(&sent, crate::document::Stage::Intent, &at)
            .await?;
        let mut w = self.begin(now, actor).await?;
        let (html, pdf) = self
            .attach_document(&mut w, &doc, "intent", "baseline case notice intent")
            .await?;
        sqlx::query("UPDATE notices SET status = 'intent', intent_at = $1, representations_end = $2, intent_html = $3, intent_pdf = $4 WHERE id = $5")
            .bind(&w.at)
            .bind(&end_s)
            .bind(&html)
            .bind(&pdf)
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            Some(case_id),
            "notice.intent",
            serde_json::json!({"notice": id, "representations_end": end_s, "document_html": html, "document_pdf": pdf}),
        )
        .await?;
        self.task_in(
            &mut w,
            case_id,
            &format!("Consider the representations on {id} (the period ends {end_s})"),
            end,
            None,
        )
        .await?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await?;
        Ok(Ok(end_s))
    }

    /// Issue a notice, under s. 28(5)–(7) and s. 28(3)/29(3).
    pub async fn issue_notice(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        id: &str,
    ) -> Result<std::result::Result<(), Refusal>> {
        let n = self.notice_row(case_id, id).await?;
        if n.status == "issued" {
            return Ok(Err(rules::refuse(
                &rules::ONE_PER_ACT,
                format!(
                    "{id} was already issued on {}",
                    n.issued_at.unwrap_or_default()
                ),
            )));
        }
        if n.reasons.trim().is_empty() && n.kind != "recall" {
            return Ok(Err(rules::refuse(
                &rules::NOTICE_CONTENT,
                "the notice states no reasons",
            )));
        }
        if n.kind == "compliance" {
            let Some(end) = &n.representations_end else {
                return Ok(Err(rules::refuse(&rules::NOTICE_OF_INTENT, format!(
                    "no notice of intent was sent for {id}; send it first (baseline case notice intent {case_id} {id})"
                ))));
            };
            let end_t = time::parse(end, "representations_end")?;
            if now < end_t {
                return Ok(Err(rules::refuse(
                    &rules::REPRESENTATIONS_PERIOD,
                    format!("the representations period ends {end}"),
                )));
            }
            let issued = sqlx::query_as::<_, NoticeRow>(&format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE case_id = $1 AND kind = 'compliance' AND status = 'issued'"))
                .bind(case_id)
                .fetch_all(&self.db.pool)
                .await
                .map_err(|e| self.db.err(e))?;
            let mine = n.breach_list();
            for other in issued {
                if let Some(b) = other.breach_list().iter().find(|b| mine.contains(b)) {
                    return Ok(Err(rules::refuse(
                        &rules::ONE_PER_ACT,
                        format!(
                            "compliance notice {} already covers {b} in {case_id}",
                            other.id
                        ),
                    )));
                }
            }
        }
        if n.kind == "compliance" || n.kind == "stop" {
            match &n.comply_by {
                None => {
                    return Ok(Err(rules::refuse(
                        &rules::NOTICE_PERIOD,
                        format!("{id} specifies no period; draft it with --comply-by DATE"),
                    )))
                }
                Some(by) if time::parse(by, "comply_by")? <= now => {
                    return Ok(Err(rules::refuse(
                        &rules::NOTICE_PERIOD,
                        format!("the period {id} specifies ended {by}, before it is given"),
                    )))
                }
                Some(_) => {}
            }
        }
        let at = time::format(now);
        let mut given = n.clone();
        given.status = "issued".into();
        given.issued_at = Some(at.clone());
        let doc = self
            .notice_document(&given, crate::document::Stage::Issued, &at)
            .await?;
        let mut w = self.begin(now, actor).await?;
        let (html, pdf) = self
            .attach_document(&mut w, &doc, "given", "baseline case notice issue")
            .await?;
        let done = sqlx::query("UPDATE notices SET status = 'issued', issued_at = $1, issued_html = $2, issued_pdf = $3 WHERE id = $4 AND status <> 'issued'")
            .bind(&w.at)
            .bind(&html)
            .bind(&pdf)
            .bind(id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        if done.rows_affected() != 1 {
            // Another writer gave it between our read and our lock.
            return Ok(Err(rules::refuse(
                &rules::ONE_PER_ACT,
                format!("{id} was already issued"),
            )));
        }
        self.event(
            &mut w,
            Some(case_id),
            "notice.issued",
            serde_json::json!({"notice": id, "kind": n.kind, "breaches": n.breach_list(), "document_html": html, "document_pdf": pdf}),
        )
        .await?;
        if let Some(by) = &n.comply_by {
            let due = time::parse(by, "comply_by")?;
            self.task_in(
                &mut w,
                case_id,
                &format!("Check compliance with {id} (period ends {by})"),
                due,
                None,
            )
            .await?;
        }
        sqlx::query("UPDATE cases SET status = 'outcome' WHERE id = $1 AND status <> 'closed'")
            .bind(case_id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await?;
        Ok(Ok(()))
    }

    /// Give a penalty notice, under s. 36(3), (5), (7) and s. 38.
    pub async fn penalty(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        p: &NewPenalty,
    ) -> Result<std::result::Result<String, Refusal>> {
        Catalogue::embedded()
            .lookup(&p.breach)
            .map_err(|e| Error::Input(format!("--breach {}: {e}", p.breach)))?;
        if p.amount_pence <= 0 {
            return Err(Error::Input("--amount must be more than £0".into()));
        }
        let max = rules::relevant_maximum(p.worldwide_revenue_pence);
        if p.amount_pence > max {
            return Ok(Err(rules::refuse(
                &rules::PENALTY_MAXIMUM,
                format!(
                    "{} is more than the relevant maximum of {} ({})",
                    rules::format_gbp(p.amount_pence),
                    rules::format_gbp(max),
                    match p.worldwide_revenue_pence {
                        Some(r) => format!(
                            "the greater of £10,000,000 and 4% of {}",
                            rules::format_gbp(r)
                        ),
                        None => "no worldwide revenue given: £10,000,000".into(),
                    }
                ),
            )));
        }
        if let Some(d) = p.daily_pence {
            if d > rules::DAILY_MAX_PENCE {
                return Ok(Err(rules::refuse(
                    &rules::PENALTY_DAILY,
                    format!(
                        "a daily penalty of {} is more than £20,000",
                        rules::format_gbp(d)
                    ),
                )));
            }
        }
        if p.payment_days < rules::PAYMENT_DAYS {
            return Ok(Err(rules::refuse(
                &rules::PENALTY_PAYMENT_PERIOD,
                format!(
                    "a payment period of {} days is less than 28 days",
                    p.payment_days
                ),
            )));
        }
        let case = self.case_row(case_id).await?;
        if case.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} is closed; reopen it first"
            )));
        }
        for sha in &p.evidence {
            let have: Option<(String,)> =
                sqlx::query_as("SELECT sha256 FROM evidence WHERE case_id = $1 AND sha256 = $2")
                    .bind(case_id)
                    .bind(sha)
                    .fetch_optional(&self.db.pool)
                    .await
                    .map_err(|e| self.db.err(e))?;
            if have.is_none() {
                return Err(Error::Input(format!(
                    "--evidence {sha} is not evidence of {case_id}"
                )));
            }
        }
        let basis = self.resolve_basis(case_id, &p.basis).await?;
        let basis_json = serde_json::to_string(&basis).unwrap_or_else(|_| "[]".into());
        let reasons = p.reasons.trim();
        let mut w = self.begin(now, actor).await?;
        let prior: Option<(String,)> =
            sqlx::query_as("SELECT id FROM penalties WHERE case_id = $1 AND breach = $2")
                .bind(case_id)
                .bind(&p.breach)
                .fetch_optional(&mut *w.tx)
                .await
                .map_err(|e| self.db.err(e))?;
        if let Some((pid,)) = prior {
            return Ok(Err(rules::refuse(
                &rules::PENALTY_ONE_PER_BREACH,
                format!(
                    "penalty {pid} was already given for {} in {case_id}",
                    p.breach
                ),
            )));
        }
        let id = self.next_id(&mut w.tx, "penalties", "P").await?;
        let due = time::format(time::plus_days(now, p.payment_days));
        let row = PenaltyRow {
            id: id.clone(),
            case_id: case_id.to_owned(),
            breach: p.breach.clone(),
            amount_pence: p.amount_pence,
            daily_pence: p.daily_pence,
            worldwide_revenue_pence: p.worldwide_revenue_pence,
            maximum_pence: max,
            payment_due: due.clone(),
            issued_at: w.at.clone(),
            reasons: Some(reasons.to_owned()),
            evidence: Some(json_list(&p.evidence)),
            basis: Some(basis_json.clone()),
            issued_html: None,
            issued_pdf: None,
        };
        // The document reads the case's operators and evidence, committed before this write.
        let doc = self.penalty_document(&row).await?;
        let (html, pdf) = self
            .attach_document(&mut w, &doc, "given", "baseline case penalty")
            .await?;
        sqlx::query("INSERT INTO penalties (id, case_id, breach, amount_pence, daily_pence, worldwide_revenue_pence, maximum_pence, payment_due, issued_at, reasons, evidence, basis, issued_html, issued_pdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(&id).bind(case_id).bind(&p.breach).bind(p.amount_pence).bind(p.daily_pence)
            .bind(p.worldwide_revenue_pence).bind(max).bind(&due).bind(&w.at)
            .bind(reasons).bind(json_list(&p.evidence)).bind(&basis_json).bind(&html).bind(&pdf)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(&mut w, Some(case_id), "penalty.given", serde_json::json!({
            "penalty": id, "breach": p.breach, "amount_pence": p.amount_pence, "daily_pence": p.daily_pence,
            "worldwide_revenue_pence": p.worldwide_revenue_pence, "maximum_pence": max, "payment_due": due,
            "reasons": reasons, "evidence": p.evidence, "basis": basis, "document_html": html, "document_pdf": pdf,
        })).await?;
        self.task_in(
            &mut w,
            case_id,
            &format!("Check payment of {id} (due {due})"),
            time::plus_days(now, p.payment_days),
            None,
        )
        .await?;
        sqlx::query("UPDATE cases SET status = 'outcome' WHERE id = $1 AND status <> 'closed'")
            .bind(case_id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await?;
        Ok(Ok(id))
    }

    /// Record an appeal against an issued notice (s. 33, uncertain: its deadline and effect
    /// are not established, so neither is enforced).
    pub async fn appeal(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        notice_id: &str,
        lodged: Timestamp,
    ) -> Result<std::result::Result<String, Refusal>> {
        let n = self.notice_row(case_id, notice_id).await?;
        if n.status != "issued" {
            return Ok(Err(rules::refuse(
                &rules::APPEAL,
                format!(
                    "{notice_id} is {}: only an issued notice can be appealed",
                    n.status
                ),
            )));
        }
        let mut w = self.begin(now, actor).await?;
        let id = self.next_id(&mut w.tx, "appeals", "A").await?;
        let lodged_s = time::format(lodged);
        sqlx::query("INSERT INTO appeals (id, case_id, notice_id, lodged_at, status) VALUES ($1, $2, $3, $4, 'lodged')")
            .bind(&id).bind(case_id).bind(notice_id).bind(&lodged_s)
            .execute(&mut *w.tx).await.map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            Some(case_id),
            "appeal.lodged",
            serde_json::json!({"appeal": id, "notice": notice_id, "lodged_at": lodged_s}),
        )
        .await?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await?;
        Ok(Ok(id))
    }

    /// Close a case with an outcome and a reason; `reopen` undoes it with a reason.
    pub async fn close(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        outcome: &str,
        reason: &str,
    ) -> Result<()> {
        if !OUTCOMES.contains(&outcome) {
            return Err(Error::Input(format!(
                "--outcome `{outcome}` is not one of {}",
                OUTCOMES.join(", ")
            )));
        }
        if reason.trim().is_empty() {
            return Err(Error::Input(
                "--reason is empty: a case is closed with a reason".into(),
            ));
        }
        let c = self.case_row(case_id).await?;
        if c.status == "closed" {
            return Err(Error::Input(format!("{case_id} is already closed")));
        }
        let mut w = self.begin(now, actor).await?;
        sqlx::query("UPDATE cases SET status = 'closed', outcome = $1 WHERE id = $2")
            .bind(outcome)
            .bind(case_id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            Some(case_id),
            "case.closed",
            serde_json::json!({"outcome": outcome, "reason": reason.trim()}),
        )
        .await?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await
    }

    /// Reopen a closed case with a reason.
    pub async fn reopen(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        reason: &str,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::Input(
                "--reason is empty: a case is reopened with a reason".into(),
            ));
        }
        let c = self.case_row(case_id).await?;
        if c.status != "closed" {
            return Err(Error::Input(format!("{case_id} is not closed")));
        }
        let mut w = self.begin(now, actor).await?;
        sqlx::query("UPDATE cases SET status = 'investigation', outcome = NULL WHERE id = $1")
            .bind(case_id)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            Some(case_id),
            "case.reopened",
            serde_json::json!({"reason": reason.trim()}),
        )
        .await?;
        self.touch(&mut w, case_id, None).await?;
        self.commit(w).await
    }

    /// Recompute the chain, the checkpoints and every evidence hash; name the first problem.
    /// With `case`, only that case's evidence is re-hashed (the chain is always checked whole).
    pub async fn verify(&self, case: Option<&str>) -> Result<VerifyReport> {
        let p = &self.db.pool;
        let e = |e| self.db.err(e);
        if let Some(c) = case {
            self.case_row(c).await?;
        }
        // Streamed in pages so a register of millions of events needs little memory.
        let mut checked = 0i64;
        let mut prev = chain::GENESIS.to_owned();
        let mut last = 0i64;
        let mut hashes_at: std::collections::BTreeMap<i64, String> =
            std::collections::BTreeMap::new();
        let cps = sqlx::query_as::<_, Checkpoint>(
            "SELECT seq, hash, at, public_key, signature FROM checkpoints ORDER BY seq",
        )
        .fetch_all(p)
        .await
        .map_err(e)?;
        for c in &cps {
            hashes_at.insert(c.seq, String::new());
        }
        // Pages are fetched in order; each is hashed on a blocking thread while the next is
        // fetched (a page needs only the stored hash before it), at most `AHEAD` at a time.
        const PAGE: i64 = 20_000;
        const AHEAD: usize = 3;
        type Checked = tokio::task::JoinHandle<(Option<Problem>, i64)>;
        let mut pending: std::collections::VecDeque<(i64, Checked)> = Default::default();
        let first_problem = |found: (Option<Problem>, i64), before: i64| {
            found.0.map(|problem| VerifyReport {
                events: before + found.1,
                checkpoints: 0,
                evidence: 0,
                problem: Some(problem),
            })
        };
        loop {
            let page = sqlx::query_as::<_, Event>("SELECT seq, at, actor, case_id, kind, body, prev_hash, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(last).bind(PAGE).fetch_all(p).await.map_err(e)?;
            let Some(end) = page.last() else {
                break;
            };
            for ev in &page {
                if let Some(slot) = hashes_at.get_mut(&ev.seq) {
                    slot.clone_from(&ev.hash);
                }
            }
            let (after_seq, after_hash) = (last, std::mem::take(&mut prev));
            last = end.seq;
            prev.clone_from(&end.hash);
            let before = checked;
            checked += page.len() as i64;
            pending.push_back((
                before,
                tokio::task::spawn_blocking(move || {
                    chain::verify_run(&page, after_seq, &after_hash)
                }),
            ));
            while pending.len() > AHEAD {
                if let Some((before, h)) = pending.pop_front() {
                    let found = h.await.map_err(|j| Error::Input(format!("verify: {j}")))?;
                    if let Some(r) = first_problem(found, before) {
                        return Ok(r);
                    }
                }
            }
        }
        while let Some((before, h)) = pending.pop_front() {
            let found = h.await.map_err(|j| Error::Input(format!("verify: {j}")))?;
            if let Some(r) = first_problem(found, before) {
                return Ok(r);
            }
        }
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM chain_head WHERE id = 1")
                .fetch_one(p)
                .await
                .map_err(e)?;
        if head_seq != last || head_hash != prev {
            return Ok(VerifyReport {
                events: checked,
                checkpoints: 0,
                evidence: 0,
                problem: Some(Problem::HeadMismatch {
                    head_seq,
                    last_seq: last,
                }),
            });
        }
        let pk = self.public_key().await?;
        for c in &cps {
            let reason = match &pk {
                None => Some("the register has checkpoints but no public key".to_owned()),
                Some(pk) if !chain::checkpoint_valid(c, pk) => {
                    Some("signature does not verify with the register's public key".to_owned())
                }
                Some(_) => match hashes_at.get(&c.seq) {
                    Some(h) if *h == c.hash => None,
                    _ => Some("names a hash the chain does not have at that event".to_owned()),
                },
            };
            if let Some(reason) = reason {
                return Ok(VerifyReport {
                    events: checked,
                    checkpoints: 0,
                    evidence: 0,
                    problem: Some(Problem::Checkpoint { seq: c.seq, reason }),
                });
            }
        }
        if let (Some(last_cp), Some(key)) = (cps.last(), &self.key) {
            // With the key at hand, the newest checkpoint must be the key's own.
            if last_cp.public_key != hex::encode(key.verifying_key().as_bytes()) {
                return Ok(VerifyReport {
                    events: checked,
                    checkpoints: cps.len() as i64,
                    evidence: 0,
                    problem: Some(Problem::Checkpoint {
                        seq: last_cp.seq,
                        reason: "signed with a key other than the register key given".into(),
                    }),
                });
            }
        }
        // Evidence: every cited blob re-hashed; every evidence.added event has its row.
        let q = match case {
            Some(_) => {
                "SELECT DISTINCT e.sha256 FROM evidence e WHERE e.case_id = $1 ORDER BY e.sha256"
            }
            None => "SELECT DISTINCT e.sha256 FROM evidence e ORDER BY e.sha256",
        };
        let mut query = sqlx::query_as::<_, (String,)>(q);
        if let Some(c) = case {
            query = query.bind(c);
        }
        let shas = query.fetch_all(p).await.map_err(e)?;
        let mut evidence = 0;
        for (sha,) in &shas {
            let blob: Option<(Vec<u8>,)> =
                sqlx::query_as("SELECT data FROM blobs WHERE sha256 = $1")
                    .bind(sha)
                    .fetch_optional(p)
                    .await
                    .map_err(e)?;
            let reason = match blob {
                None => Some("its bytes are missing".to_owned()),
                Some((data,)) if hex::encode(Sha256::digest(&data)) != *sha => Some(format!(
                    "its bytes hash to {}",
                    hex::encode(Sha256::digest(&data))
                )),
                Some(_) => None,
            };
            if let Some(reason) = reason {
                return Ok(VerifyReport {
                    events: checked,
                    checkpoints: cps.len() as i64,
                    evidence,
                    problem: Some(Problem::Evidence {
                        sha256: sha.clone(),
                        reason,
                    }),
                });
            }
            evidence += 1;
        }
        let problem = self.verify_records(case).await?;
        Ok(VerifyReport {
            events: checked,
            checkpoints: cps.len() as i64,
            evidence,
            problem,
        })
    }

    /// The records the chain speaks to directly: each evidence row and notice status must be
    /// what its events say (a row edited or deleted in the database is named).
    async fn verify_records(&self, case: Option<&str>) -> Result<Option<Problem>> {
        let p = &self.db.pool;
        let e = |e| self.db.err(e);
        let q = match case {
            Some(_) => "SELECT seq, at, actor, case_id, kind, body, prev_hash, hash FROM events WHERE kind IN ('evidence.added', 'notice.drafted', 'notice.intent', 'notice.issued', 'case.closed', 'case.reopened', 'penalty.given', 'appeal.lodged', 'task.added', 'task.done') AND case_id = $1 ORDER BY seq",
            None => "SELECT seq, at, actor, case_id, kind, body, prev_hash, hash FROM events WHERE kind IN ('evidence.added', 'notice.drafted', 'notice.intent', 'notice.issued', 'case.closed', 'case.reopened', 'penalty.given', 'appeal.lodged', 'task.added', 'task.done') ORDER BY seq",
        };
        let mut query = sqlx::query_as::<_, Event>(q);
        if let Some(c) = case {
            query = query.bind(c);
        }
        let events = query.fetch_all(p).await.map_err(e)?;
        let mut notice_status: std::collections::BTreeMap<String, String> = Default::default();
        let mut case_closed: std::collections::BTreeMap<String, bool> = Default::default();
        let mut task_status: std::collections::BTreeMap<String, (String, String)> =
            Default::default();
        for ev in &events {
            let body: serde_json::Value = serde_json::from_str(&ev.body).unwrap_or_default();
            let cid = ev.case_id.clone().unwrap_or_default();
            match ev.kind.as_str() {
                "evidence.added" => {
                    let sha = body["sha256"].as_str().unwrap_or_default();
                    let row: Option<(String, String)> = sqlx::query_as(
                        "SELECT kind, name FROM evidence WHERE case_id = $1 AND sha256 = $2",
                    )
                    .bind(&cid)
                    .bind(sha)
                    .fetch_optional(p)
                    .await
                    .map_err(e)?;
                    let want = (
                        body["kind"].as_str().unwrap_or_default().to_owned(),
                        body["name"].as_str().unwrap_or_default().to_owned(),
                    );
                    match row {
                        None => {
                            return Ok(Some(Problem::Record {
                                table: "evidence".into(),
                                id: format!("{cid}/{sha}"),
                                reason: format!("row missing (added by event {})", ev.seq),
                            }))
                        }
                        Some(r) if r != want => {
                            return Ok(Some(Problem::Record {
                                table: "evidence".into(),
                                id: format!("{cid}/{sha}"),
                                reason: format!("kind/name differ from event {}", ev.seq),
                            }))
                        }
                        Some(_) => {}
                    }
                }
                "notice.drafted" => {
                    notice_status.insert(
                        body["notice"].as_str().unwrap_or_default().to_owned(),
                        "draft".into(),
                    );
                }
                "notice.intent" => {
                    notice_status.insert(
                        body["notice"].as_str().unwrap_or_default().to_owned(),
                        "intent".into(),
                    );
                }
                "notice.issued" => {
                    let id = body["notice"].as_str().unwrap_or_default().to_owned();
                    let row: Option<(Option<String>, Option<String>)> =
                        sqlx::query_as("SELECT issued_html, issued_pdf FROM notices WHERE id = $1")
                            .bind(&id)
                            .fetch_optional(p)
                            .await
                            .map_err(e)?;
                    if let Some((html, pdf)) = row {
                        let want = (
                            body["document_html"].as_str().map(str::to_owned),
                            body["document_pdf"].as_str().map(str::to_owned),
                        );
                        if want.0.is_some() && (html, pdf) != want {
                            return Ok(Some(Problem::Record {
                                table: "notices".into(),
                                id,
                                reason: format!("the documents given differ from event {}", ev.seq),
                            }));
                        }
                    }
                    notice_status.insert(
                        body["notice"].as_str().unwrap_or_default().to_owned(),
                        "issued".into(),
                    );
                }
                "penalty.given" => {
                    let id = body["penalty"].as_str().unwrap_or_default().to_owned();
                    let row: Option<(String, i64, String, Option<String>)> = sqlx::query_as(
                        "SELECT breach, amount_pence, payment_due, issued_html FROM penalties WHERE id = $1",
                    )
                    .bind(&id)
                    .fetch_optional(p)
                    .await
                    .map_err(e)?;
                    let want = (
                        body["breach"].as_str().unwrap_or_default().to_owned(),
                        body["amount_pence"].as_i64().unwrap_or_default(),
                        body["payment_due"].as_str().unwrap_or_default().to_owned(),
                        body["document_html"].as_str().map(str::to_owned),
                    );
                    let reason = match row {
                        None => Some(format!("row missing (given by event {})", ev.seq)),
                        Some(r) if r != want => Some(format!(
                            "breach, amount, payment date or document differ from event {}",
                            ev.seq
                        )),
                        Some(_) => None,
                    };
                    if let Some(reason) = reason {
                        return Ok(Some(Problem::Record {
                            table: "penalties".into(),
                            id,
                            reason,
                        }));
                    }
                }
                "appeal.lodged" => {
                    let id = body["appeal"].as_str().unwrap_or_default().to_owned();
                    let row: Option<(String, String)> =
                        sqlx::query_as("SELECT notice_id, lodged_at FROM appeals WHERE id = $1")
                            .bind(&id)
                            .fetch_optional(p)
                            .await
                            .map_err(e)?;
                    let want = (
                        body["notice"].as_str().unwrap_or_default().to_owned(),
                        body["lodged_at"].as_str().unwrap_or_default().to_owned(),
                    );
                    if row.as_ref() != Some(&want) {
                        return Ok(Some(Problem::Record {
                            table: "appeals".into(),
                            id,
                            reason: format!(
                                "{} (lodged by event {})",
                                if row.is_none() {
                                    "row missing"
                                } else {
                                    "notice or date differ"
                                },
                                ev.seq
                            ),
                        }));
                    }
                }
                "task.added" => {
                    task_status.insert(
                        body["task"].as_str().unwrap_or_default().to_owned(),
                        (
                            "open".to_owned(),
                            body["due_at"].as_str().unwrap_or_default().to_owned(),
                        ),
                    );
                }
                "task.done" => {
                    if let Some(t) = task_status.get_mut(body["task"].as_str().unwrap_or_default())
                    {
                        t.0 = "done".into();
                    }
                }
                "case.closed" => {
                    case_closed.insert(cid, true);
                }
                "case.reopened" => {
                    case_closed.insert(cid, false);
                }
                _ => {}
            }
        }
        for (id, want) in &notice_status {
            let row: Option<(String,)> = sqlx::query_as("SELECT status FROM notices WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await
                .map_err(e)?;
            match row {
                None => {
                    return Ok(Some(Problem::Record {
                        table: "notices".into(),
                        id: id.clone(),
                        reason: "row missing".into(),
                    }))
                }
                Some((s,)) if s != *want => {
                    return Ok(Some(Problem::Record {
                        table: "notices".into(),
                        id: id.clone(),
                        reason: format!("status is `{s}`, the events say `{want}`"),
                    }))
                }
                Some(_) => {}
            }
        }
        for (id, want) in &task_status {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT status, due_at FROM tasks WHERE id = $1")
                    .bind(id)
                    .fetch_optional(p)
                    .await
                    .map_err(e)?;
            if row.as_ref() != Some(want) {
                return Ok(Some(Problem::Record {
                    table: "tasks".into(),
                    id: id.clone(),
                    reason: match row {
                        None => "row missing".into(),
                        Some((s, d)) => format!(
                            "status `{s}` due {d}; the events say `{}` due {}",
                            want.0, want.1
                        ),
                    },
                }));
            }
        }
        for (id, closed) in &case_closed {
            let row: Option<(String,)> = sqlx::query_as("SELECT status FROM cases WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await
                .map_err(e)?;
            let is_closed = row.as_ref().is_some_and(|r| r.0 == "closed");
            if is_closed != *closed {
                return Ok(Some(Problem::Record {
                    table: "cases".into(),
                    id: id.clone(),
                    reason: format!(
                        "status is `{}`, the events say {}",
                        row.map(|r| r.0).unwrap_or_default(),
                        if *closed { "closed" } else { "open" }
                    ),
                }));
            }
        }
        Ok(None)
    }

    /// The bytes of an evidence item.
    pub async fn evidence_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        let blob: Option<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        blob.map(|b| b.0)
            .ok_or_else(|| Error::NotFound(format!("no evidence {sha256}")))
    }

    /// The connection pool, for tools and tests that read (or, to prove `verify`, tamper
    /// with) the database directly.
    pub fn db_pool(&self) -> sqlx::AnyPool {
        self.db.pool.clone()
    }

    /// The back end in use.
    pub fn backend(&self) -> Backend {
        self.db.backend
    }
}

fn caution(r: &rules::Rule) -> String {
    format!("{} (uncertain, not enforced): {}", r.citation, r.text)
}
