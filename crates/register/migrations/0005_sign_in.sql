-- Schema 5: signing in. Passwords are Argon2id (PHC strings); every user has a TOTP second
-- factor (there is no way to switch it off); a TOTP step is accepted once. Invitations and
-- sessions are kept as the SHA-256 of their 256-bit random secrets.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN failed_sign_ins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;

CREATE TABLE invitations (
    token_sha256 TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_email ON sessions (email);
