-- Schema 7: market-surveillance sweeps. A sweep lists products (brand, model, category) and
-- their firmware images; each distinct image (by SHA-256) is assessed once per Baseline
-- version, however many products or sweeps list it: image_results holds that one result, and
-- a sweep's images point at it. Like jobs, sweeps are work in progress: what enters the
-- register as a record (through the hash chain) is the case opened from a failing product.
CREATE TABLE sweeps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    baseline_version TEXT NOT NULL,
    products BIGINT NOT NULL,
    images BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sweep_products (
    sweep_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    category TEXT,
    images TEXT NOT NULL,
    case_id TEXT,
    PRIMARY KEY (sweep_id, line)
);
CREATE TABLE sweep_images (
    sweep_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    job_id TEXT,
    PRIMARY KEY (sweep_id, sha256)
);
CREATE INDEX sweep_images_job ON sweep_images (job_id);
CREATE TABLE image_results (
    sha256 TEXT NOT NULL,
    baseline_version TEXT NOT NULL,
    assessment_sha256 TEXT NOT NULL,
    summary TEXT NOT NULL,
    job_id TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (sha256, baseline_version)
);
-- The claim takes the oldest queued job, and jobs whose lease ran out, by index: a queue of
-- 50,000 jobs must not be scanned per claim.
CREATE INDEX jobs_queued ON jobs (status, created_at, id);
CREATE INDEX jobs_lease ON jobs (status, lease_until);
