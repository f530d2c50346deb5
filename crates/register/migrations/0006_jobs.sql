-- Schema 6: background jobs (the assessment of an uploaded firmware image; the sweeps use the
-- same queue). A job is claimed by one worker at a time under a lease that the worker renews
-- while it runs: a worker that dies leaves its job to be claimed again when the lease runs out,
-- at most three times. Jobs are work in progress, not records: what a job produces enters the
-- register as evidence, through the hash chain.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id TEXT,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    worker TEXT,
    lease_until TEXT,
    progress TEXT,
    result TEXT,
    error TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE INDEX jobs_case ON jobs (case_id);
