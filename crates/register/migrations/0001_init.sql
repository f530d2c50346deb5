-- Baseline register, schema 1. Dialect-neutral SQL: it runs unchanged on SQLite and PostgreSQL.
-- `{{BLOB}}` is BLOB on SQLite and BYTEA on PostgreSQL; integers are BIGINT everywhere.
-- Times are RFC 3339 UTC strings (`2027-01-04T10:00:00Z`), which sort as text.

-- The hash chain: every change to the register (and every read of a restricted case) is one
-- row, never updated or deleted. `hash` = SHA-256 over the previous hash and this row's fields
-- (see chain.rs); `seq` is dense from 1.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    case_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_case ON events (case_id, seq);

-- One row: the newest event. Every writer updates it first, which serialises writers on both
-- back ends (SQLite's write lock, PostgreSQL's row lock).
CREATE TABLE chain_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Signed checkpoints: the head at a point, signed with the register's Ed25519 key.
CREATE TABLE checkpoints (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    legal_name TEXT NOT NULL,
    company_number TEXT,
    address TEXT,
    country TEXT
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    product_toml TEXT,
    scope_json TEXT
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    product_id TEXT,
    team TEXT,
    restricted BIGINT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status, id);

CREATE TABLE case_operators (
    case_id TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (case_id, operator_id, role)
);

-- Evidence is content-addressed and immutable: the bytes live in `blobs` once per SHA-256,
-- each case that cites them has an `evidence` row.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    data {{BLOB}} NOT NULL
);

CREATE TABLE evidence (
    case_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    origin TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    PRIMARY KEY (case_id, sha256)
);

CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    breaches TEXT NOT NULL,
    evidence TEXT NOT NULL,
    reasons TEXT NOT NULL,
    intent_at TEXT,
    representations_end TEXT,
    issued_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notices_case ON notices (case_id);

CREATE TABLE penalties (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    breach TEXT NOT NULL,
    amount_pence BIGINT NOT NULL,
    daily_pence BIGINT,
    worldwide_revenue_pence BIGINT,
    maximum_pence BIGINT NOT NULL,
    payment_due TEXT NOT NULL,
    issued_at TEXT NOT NULL
);

CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    lodged_at TEXT NOT NULL,
    status TEXT NOT NULL
);
