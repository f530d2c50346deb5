//! Background jobs in the register's own database: the assessment of an uploaded firmware
//! image now, the sweeps later. `baseline serve` runs a worker; `baseline worker` runs more
//! on other machines against the same PostgreSQL register.
//!
//! A job is claimed under a lease ([`LEASE_SECONDS`]) that its worker renews while it runs,
//! with the progress it has made; a worker that dies leaves the job to be claimed again when
//! the lease runs out, at most [`MAX_ATTEMPTS`] times. The claim is an `UPDATE … WHERE id =
//! (a job whose lease ran out, else the oldest queued one) AND claimable`, so two workers never
//! hold one job (PostgreSQL skips rows locked by another claim and rechecks the condition on
//! the row it locks; SQLite has one writer). What a job produces is attached to its
//! case in the same transaction that marks the job done, so a result is recorded once or not
//! at all.

use crate::register::{NewEvidence, Register};
use crate::time;
use crate::{Error, Result};
use jiff::Timestamp;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a claim lasts without renewal (seconds).
pub const LEASE_SECONDS: i64 = 60;
/// How often a running job renews its lease and writes its progress.
pub const RENEW_EVERY: Duration = Duration::from_secs(5);
/// Claims of one job before it is failed (a job that kills its worker is not retried forever).
pub const MAX_ATTEMPTS: i64 = 3;
/// How long one job's assessment may run before the job is failed with that reason (a
/// pathological image must not hold a worker for ever). The unpacker's own limits bound memory
/// and output; this bounds time. The blocking thread of an abandoned assessment runs on until
/// the pipeline returns (threads cannot be killed), so a worker process with many such images
/// should be restarted.
pub const JOB_TIME_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Kinds of job.
pub const JOB_KINDS: &[&str] = &["assess", "sweep-assess"];

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub case_id: Option<String>,
    /// JSON: for `assess`, `{"firmware": [SHA-256, …]}` (evidence of the case).
    pub input: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub worker: Option<String>,
    pub lease_until: Option<String>,
    pub progress: Option<String>,
    /// JSON: for `assess`, `{"assessment": SHA-256, "psti_failures": [REF, …]}`.
    pub result: Option<String>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, case_id, input, status, attempts, worker, lease_until, progress, result, error, created_by, created_at, finished_at";

/// What [`Register::work_one`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Worked {
    /// Nothing was waiting.
    Idle,
    /// The job ended (`status` done or failed).
    Ended(Box<JobRow>),
}

pub(crate) fn new_job_id() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("JOB-{}", hex::encode(b))
}

impl Register {
    /// Attach firmware images to a case and queue their assessment, in one transaction (the
    /// images are never attached without their job); returns the images' SHA-256s and the
    /// job's id.
    pub async fn attach_and_assess(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        images: &[NewEvidence<'_>],
    ) -> Result<(Vec<String>, String)> {
        if images.is_empty() {
            return Err(Error::Input("no firmware image to assess".into()));
        }
        if images.iter().any(|i| i.kind != "firmware") {
            return Err(Error::Input(
                "only evidence of kind firmware is assessed".into(),
            ));
        }
        for it in images {
            crate::register::check_evidence(it)?;
        }
        let case = self.case(case_id).await?;
        if case.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} is closed; reopen it first"
            )));
        }
        let mut w = self.begin(now, actor).await?;
        let mut shas = Vec::with_capacity(images.len());
        for it in images {
            shas.push(self.attach_in(&mut w, case_id, it).await?.0);
        }
        let id = new_job_id();
        let input = serde_json::json!({"firmware": shas}).to_string();
        sqlx::query("INSERT INTO jobs (id, kind, case_id, input, status, attempts, created_by, created_at) VALUES ($1, 'assess', $2, $3, 'queued', 0, $4, $5)")
            .bind(&id)
            .bind(case_id)
            .bind(&input)
            .bind(actor)
            .bind(&w.at)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            Some(case_id),
            "job.queued",
            serde_json::json!({"job": id, "kind": "assess", "firmware": shas}),
        )
        .await?;
        self.commit(w).await?;
        Ok((shas, id))
    }

    /// A job by id.
    pub async fn job(&self, id: &str) -> Result<JobRow> {
        sqlx::query_as::<_, JobRow>(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| Error::NotFound(format!("no job {id}")))
    }

    /// The jobs of a case, oldest first.
    pub async fn jobs_of_case(&self, case_id: &str) -> Result<Vec<JobRow>> {
        sqlx::query_as::<_, JobRow>(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE case_id = $1 ORDER BY created_at, id"
        ))
        .bind(case_id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))
    }

    /// Claim a job for `worker`: one whose worker stopped (running, its lease run out) first,
    /// else the oldest queued one. Jobs whose lease ran out [`MAX_ATTEMPTS`] times are not
    /// claimed; they are failed (at most every [`RENEW_EVERY`], and when nothing is claimable).
    pub async fn claim(&self, now: Timestamp, worker: &str) -> Result<Option<JobRow>> {
        let e = |e| self.db.err(e);
        let at = time::format(now);
        // Jobs whose workers died too often are not claimable; marking them failed is
        // bookkeeping, done at most every RENEW_EVERY by this process (and whenever the queue
        // looks empty), so that a busy queue costs one statement per claim.
        let secs = now.as_second();
        let last = self.reaped.load(std::sync::atomic::Ordering::Relaxed);
        if secs.saturating_sub(last) >= RENEW_EVERY.as_secs() as i64 || secs < last {
            self.reap(&at).await?;
            self.reaped
                .store(secs, std::sync::atomic::Ordering::Relaxed);
        }
        let lease = time::format(
            now.checked_add(jiff::SignedDuration::from_secs(LEASE_SECONDS))
                .unwrap_or(now),
        );
        // Two workers may pick the same id in the subquery; the outer condition, rechecked on
        // the row once its lock is held, lets only one of them have it. A job whose worker
        // stopped (its lease ran out) is taken before the queued ones; each kind is found by
        // its index, so a claim costs the same in a queue of ten jobs or fifty thousand.
        const CLAIMABLE: &str =
            "(status = 'queued' OR (status = 'running' AND lease_until < $1 AND attempts < $2))";
        const EXPIRED: &str =
            "SELECT id FROM jobs WHERE status = 'running' AND lease_until < $1 AND attempts < $2 ORDER BY lease_until, id LIMIT 1";
        const QUEUED: &str =
            "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1";
        // PostgreSQL: rows another worker is claiming are skipped, not waited for.
        let skip = match self.db.backend {
            crate::db::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::db::Backend::Sqlite => "",
        };
        for round in 0..8 {
            for pick in [EXPIRED, QUEUED] {
                let sql = format!(
                    "UPDATE jobs SET status = 'running', worker = $3, lease_until = $4, attempts = attempts + 1, progress = 'claimed' \
                     WHERE id = ({pick}{skip}) AND {CLAIMABLE} \
                     RETURNING {JOB_COLUMNS}"
                );
                let got = sqlx::query_as::<_, JobRow>(&sql)
                    .bind(&at)
                    .bind(MAX_ATTEMPTS)
                    .bind(worker)
                    .bind(&lease)
                    .fetch_optional(&self.db.pool)
                    .await
                    .map_err(e)?;
                if got.is_some() {
                    return Ok(got);
                }
            }
            let waiting: (i64,) =
                sqlx::query_as(&format!("SELECT COUNT(*) FROM jobs WHERE {CLAIMABLE}"))
                    .bind(&at)
                    .bind(MAX_ATTEMPTS)
                    .fetch_one(&self.db.pool)
                    .await
                    .map_err(e)?;
            if waiting.0 == 0 || round == 7 {
                self.reap(&at).await?;
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// This register with another time limit per job ([`JOB_TIME_LIMIT`] by default).
    pub fn with_job_time_limit(&self, limit: Duration) -> Register {
        let mut r = self.clone();
        r.job_time_limit = limit;
        r
    }

    /// Fail the running jobs whose lease ran out after their last allowed claim.
    async fn reap(&self, at: &str) -> Result<()> {
        sqlx::query("UPDATE jobs SET status = 'failed', error = $1, finished_at = $2 WHERE status = 'running' AND lease_until < $3 AND attempts >= $4")
            .bind(format!("its worker stopped {MAX_ATTEMPTS} times without finishing it"))
            .bind(at)
            .bind(at)
            .bind(MAX_ATTEMPTS)
            .execute(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(())
    }

    /// Renew `worker`'s lease on job `id` and record its progress; `false` when the lease was
    /// lost (it ran out and another worker claimed the job).
    pub async fn renew(
        &self,
        now: Timestamp,
        id: &str,
        worker: &str,
        progress: &str,
    ) -> Result<bool> {
        let lease = time::format(
            now.checked_add(jiff::SignedDuration::from_secs(LEASE_SECONDS))
                .unwrap_or(now),
        );
        let r = sqlx::query("UPDATE jobs SET lease_until = $1, progress = $2 WHERE id = $3 AND worker = $4 AND status = 'running'")
            .bind(&lease)
            .bind(progress)
            .bind(id)
            .bind(worker)
            .execute(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(r.rows_affected() == 1)
    }

    /// Mark a job failed (it could not run: unreadable input, a closed case…).
    pub async fn fail_job(
        &self,
        now: Timestamp,
        id: &str,
        worker: &str,
        error: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE jobs SET status = 'failed', error = $1, finished_at = $2, progress = NULL WHERE id = $3 AND worker = $4 AND status = 'running'")
            .bind(error)
            .bind(time::format(now))
            .bind(id)
            .bind(worker)
            .execute(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(())
    }

    /// Claim one job and run it to its end; `clock` gives "now" (the service's clock).
    pub async fn work_one(
        &self,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Send + Sync),
    ) -> Result<Worked> {
        let Some(job) = self.claim(clock(), worker).await? else {
            return Ok(Worked::Idle);
        };
        let outcome = match job.kind.as_str() {
            "assess" => self.run_assess(&job, worker, clock).await,
            "sweep-assess" => self.run_sweep_assess(&job, worker, clock).await,
            other => Err(Error::Input(format!("unknown job kind `{other}`"))),
        };
        match outcome {
            Ok(()) => {}
            Err(Error::Database { database, message }) => {
                // The register itself failed: leave the job to be claimed again.
                return Err(Error::Database { database, message });
            }
            Err(other) => {
                self.fail_job(clock(), &job.id, worker, &other.to_string())
                    .await?
            }
        }
        Ok(Worked::Ended(Box::new(self.job(&job.id).await?)))
    }

    /// Work until `stop` resolves: claim a job, run it, and poll every `idle` when the queue is
    /// empty. Errors of the register (the database went away) are reported to `on_error` and
    /// retried after `idle`; ended jobs are reported to `on_end`.
    pub async fn work(
        &self,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Send + Sync),
        idle: Duration,
        stop: impl std::future::Future<Output = ()>,
        on_end: &(dyn Fn(&JobRow) + Send + Sync),
        on_error: &(dyn Fn(&Error) + Send + Sync),
    ) {
        tokio::pin!(stop);
        loop {
            let pause = match self.work_one(worker, clock).await {
                Ok(Worked::Ended(job)) => {
                    on_end(&job);
                    false
                }
                Ok(Worked::Idle) => true,
                Err(e) => {
                    on_error(&e);
                    true
                }
            };
            if pause {
                tokio::select! {
                    () = &mut stop => return,
                    () = tokio::time::sleep(idle) => {}
                }
            } else if futures_ready(&mut stop) {
                return;
            }
        }
    }

    async fn run_assess(
        &self,
        job: &JobRow,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Send + Sync),
    ) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Input {
            firmware: Vec<String>,
        }
        let case_id = job
            .case_id
            .clone()
            .ok_or_else(|| Error::Input(format!("{}: an assess job needs a case", job.id)))?;
        let input: Input = serde_json::from_str(&job.input)
            .map_err(|e| Error::Input(format!("{}: input: {e}", job.id)))?;
        let detail_evidence = self.case_evidence(&case_id).await?;
        let mut images = Vec::with_capacity(input.firmware.len());
        for sha in &input.firmware {
            let name = detail_evidence
                .iter()
                .find(|(s, _)| s == sha)
                .map(|(_, n)| n.clone())
                .ok_or_else(|| Error::Input(format!("{sha} is not evidence of {case_id}")))?;
            images.push(baseline_pipeline::Image {
                name,
                data: bytes::Bytes::from(self.evidence_bytes(sha).await?),
            });
        }
        let product = match self.product_toml(&case_id).await? {
            Some(toml) => Some(baseline_pipeline::ProductInput::parse(
                &toml,
                &format!("{case_id} product"),
            )?),
            None => None,
        };
        let inputs = baseline_pipeline::Inputs {
            images,
            product,
            answers: None,
            site: None,
        };
        let run = self.run_pipeline(job, worker, clock, inputs).await?;
        let report = baseline_report::json::render(&run.assessment);
        let fails: Vec<&str> = run
            .assessment
            .verdicts
            .iter()
            .filter(|v| {
                v.outcome == baseline_model::Outcome::Fail && v.requirement.starts_with("psti:")
            })
            .map(|v| v.requirement.as_str())
            .collect();
        let origin = format!("baseline worker {worker} ({})", job.id);
        let item = NewEvidence {
            data: report.as_bytes(),
            name: "assessment.json",
            kind: "assessment",
            origin: &origin,
        };
        crate::register::check_evidence(&item)?;
        let case = self.case(&case_id).await?;
        if case.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} was closed while it was assessed; the report was not attached"
            )));
        }
        let now = clock();
        let mut w = self.begin(now, &job.created_by).await?;
        let (sha, _) = self.attach_in(&mut w, &case_id, &item).await?;
        let result = serde_json::json!({"assessment": sha, "psti_failures": fails}).to_string();
        let done = sqlx::query("UPDATE jobs SET status = 'done', result = $1, finished_at = $2, progress = NULL WHERE id = $3 AND worker = $4 AND status = 'running'")
            .bind(&result)
            .bind(&w.at)
            .bind(&job.id)
            .bind(worker)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        if done.rows_affected() != 1 {
            // Dropping the write rolls the attachment back: the job is someone else's now.
            return Err(Error::Input(format!(
                "{}: the lease was lost to another worker",
                job.id
            )));
        }
        self.event(
            &mut w,
            Some(&case_id),
            "job.done",
            serde_json::json!({"job": job.id, "assessment": sha, "psti_failures": fails}),
        )
        .await?;
        self.commit(w).await
    }

    /// Run the pipeline on a blocking thread, renewing the job's lease with its progress; the
    /// run is abandoned when the lease is lost.
    pub(crate) async fn run_pipeline(
        &self,
        job: &JobRow,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Send + Sync),
        inputs: baseline_pipeline::Inputs,
    ) -> Result<baseline_pipeline::Run> {
        let progress = Arc::new(Progress::default());
        let seen = Arc::clone(&progress);
        let mut run = tokio::task::spawn_blocking(move || {
            baseline_pipeline::run(&inputs, &baseline_pipeline::Options::default(), &*seen)
        });
        let limit = self.job_time_limit;
        let started = std::time::Instant::now();
        let mut renewed = started;
        let mut tick = tokio::time::interval(RENEW_EVERY.min(limit).max(Duration::from_millis(1)));
        tick.tick().await;
        let run = loop {
            tokio::select! {
                r = &mut run => break r,
                _ = tick.tick() => {
                    if started.elapsed() >= limit {
                        run.abort();
                        return Err(Error::Input(format!(
                            "the assessment ran longer than the job time limit ({} s); last progress: {}",
                            limit.as_secs_f64(),
                            progress.now()
                        )));
                    }
                    if renewed.elapsed() >= RENEW_EVERY {
                        renewed = std::time::Instant::now();
                        if !self.renew(clock(), &job.id, worker, &progress.now()).await? {
                            run.abort();
                            return Err(Error::Input(format!("{}: the lease was lost to another worker", job.id)));
                        }
                    }
                }
            }
        };
        Ok(run.map_err(|e| Error::Input(format!("the assessment stopped: {e}")))??)
    }

    async fn case_evidence(&self, case_id: &str) -> Result<Vec<(String, String)>> {
        sqlx::query_as::<_, (String, String)>(
            "SELECT sha256, name FROM evidence WHERE case_id = $1 ORDER BY event_seq",
        )
        .bind(case_id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))
    }

    async fn product_toml(&self, case_id: &str) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT p.product_toml FROM cases c JOIN products p ON p.id = c.product_id WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        Ok(row.and_then(|r| r.0))
    }
}

/// Whether `stop` has resolved, without waiting.
fn futures_ready(stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>) -> bool {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    stop.as_mut().poll(&mut cx).is_ready()
}

/// The latest progress of a running assessment, as one line.
#[derive(Debug, Default)]
struct Progress {
    line: Mutex<String>,
}

impl Progress {
    fn now(&self) -> String {
        self.line
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect()
    }
    fn set(&self, s: String) {
        if let Ok(mut l) = self.line.lock() {
            *l = s;
        }
    }
}

impl baseline_pipeline::Progress for Progress {
    fn event(&self, event: baseline_pipeline::Event<'_>) {
        use baseline_pipeline::Event;
        match event {
            Event::Started(stage) => self.set(format!("{}…", stage.as_str())),
            Event::Unpacking {
                nodes,
                extracted_bytes,
                queued,
            } => self.set(format!(
                "unpacking: {nodes} files, {} MB extracted, {queued} queued",
                extracted_bytes / 1_000_000
            )),
            Event::Finished { .. } => {}
        }
    }
}
