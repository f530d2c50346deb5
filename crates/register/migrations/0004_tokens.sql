-- Schema 4: API tokens. Only the SHA-256 of a token is kept (tokens are 256-bit random, so a
-- fast hash is enough); the token itself is shown once, when made. Every token expires.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    team TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
