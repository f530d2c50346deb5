//! Signing in: invitations, Argon2id passwords, a TOTP second factor that every user has (no
//! switch turns it off, no bypass code exists), lock-out after repeated failures, and
//! sessions with an absolute and an idle expiry that can be ended one by one or everywhere.
//!
//! Secrets (invitations, sessions) are 256-bit random values kept as their SHA-256. TOTP
//! (RFC 6238, SHA-1, 6 digits, 30 s, one step of skew) comes from `totp-rs`; a step is
//! accepted once. The TOTP secrets themselves must be stored to check codes: they are in the
//! `users` table in clear, so the database must be protected like the register key.
//! Sign-ins, failures, lock-outs, enrolments and sign-outs are events in the chain.

use crate::register::Register;
use crate::time;
use crate::{Error, Result};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest as _, Sha256};

/// Failed sign-ins in a row before the account is locked.
pub const MAX_FAILURES: i64 = 5;
/// How long a lock-out lasts (minutes).
pub const LOCK_MINUTES: i64 = 15;
/// A session's absolute lifetime (hours) and idle limit (minutes).
pub const SESSION_HOURS: i64 = 8;
pub const IDLE_MINUTES: i64 = 30;
/// How long an invitation is valid (days).
pub const INVITATION_DAYS: i64 = 7;
/// Shortest password accepted (characters).
pub const MIN_PASSWORD: usize = 12;

/// Why a sign-in was refused. The message shown never says which of email, password or code
/// was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Email, password or code wrong (or the account has not been enrolled).
    Wrong,
    /// Locked until this time after repeated failures.
    Locked(String),
}

/// An enrolment in progress: what the invitation page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub email: String,
    /// The TOTP secret in base32, to type into an authenticator app.
    pub totp_base32: String,
    /// The `otpauth://` URL of the same secret.
    pub otpauth_url: String,
}

/// (password hash, TOTP secret, last TOTP step, failures, locked until, disabled at).
type Credentials = (
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
);

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

fn random_secret() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn totp(base32: &str, email: &str) -> Result<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(base32)
        .map_err(|e| Error::Input(format!("stored TOTP secret unreadable: {e:?}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(email.replace(':', "_"))
        .with_issuer(Some("Baseline register"))
        .build()
        .map_err(|e| Error::Input(format!("TOTP: {e:?}")))
}

/// The current code for a base32 secret (for tests and the demo).
pub fn totp_code(base32: &str, at: Timestamp) -> Result<String> {
    let t = totp(base32, "x")?;
    Ok(t.generate(at.as_second().max(0) as u64).to_string())
}

/// The step a code is valid for at `at`, if any.
fn totp_step(base32: &str, email: &str, code: &str, at: Timestamp) -> Result<Option<i64>> {
    let t = totp(base32, email)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(t.check(&code, at.as_second().max(0) as u64)
        .map(|s| s as i64))
}

fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Input(format!("hashing the password: {e}")))
}

fn password_ok(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the user does not exist, so that a wrong email costs the
/// same time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

impl Register {
    /// Invite a user (who must exist) to set a password and a second factor; returns the
    /// invitation secret for the `/invitation/SECRET` page (valid [`INVITATION_DAYS`]).
    /// Earlier unused invitations of the user stop working.
    pub async fn invite(&self, now: Timestamp, actor: &str, email: &str) -> Result<String> {
        let user = self.user(email).await?;
        if user.disabled_at.is_some() {
            return Err(Error::Input(format!("{} is disabled", user.email)));
        }
        let secret = random_secret();
        let totp_secret = {
            use rand::RngCore as _;
            let mut b = vec![0u8; 20]; // 160 bits, as RFC 4226 recommends
            rand::rngs::OsRng.fill_bytes(&mut b);
            totp_rs::Secret::from(b).to_base32()
        };
        let expires = time::plus_days(now, INVITATION_DAYS);
        let mut w = self.begin(now, actor).await?;
        let at = w.at.clone();
        let e = |e| self.db.err(e);
        sqlx::query("UPDATE invitations SET used_at = $1 WHERE email = $2 AND used_at IS NULL")
            .bind(&at)
            .bind(&user.email)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        sqlx::query("INSERT INTO invitations (token_sha256, email, totp_secret, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL)")
            .bind(digest(&secret))
            .bind(&user.email)
            .bind(&totp_secret)
            .bind(&at)
            .bind(time::format(expires))
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        self.event(
            &mut w,
            None,
            "user.invited",
            serde_json::json!({"email": user.email, "expires_at": time::format(expires)}),
        )
        .await?;
        self.commit(w).await?;
        Ok(secret)
    }

    async fn invitation(&self, now: Timestamp, secret: &str) -> Result<(String, String)> {
        let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT email, totp_secret, expires_at, used_at FROM invitations WHERE token_sha256 = $1",
        )
        .bind(digest(secret))
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        match row {
            Some((email, totp, expires, None)) if time::parse(&expires, "expires_at")? > now => {
                Ok((email, totp))
            }
            Some(_) => Err(Error::Input(
                "this invitation has expired or was used; ask for a new one".into(),
            )),
            None => Err(Error::NotFound("no such invitation".into())),
        }
    }

    /// What the invitation page shows: the user and the TOTP secret to enrol.
    pub async fn enrolment(&self, now: Timestamp, secret: &str) -> Result<Enrolment> {
        let (email, base32) = self.invitation(now, secret).await?;
        let otpauth_url = totp(&base32, &email)?.to_url().unwrap_or_default();
        Ok(Enrolment {
            email,
            totp_base32: base32,
            otpauth_url,
        })
    }

    /// Set the password and the second factor from an invitation; `code` must be a current
    /// code of the invitation's TOTP secret. `Ok(Err(message))` names what to fix.
    pub async fn enroll(
        &self,
        now: Timestamp,
        secret: &str,
        password: &str,
        code: &str,
    ) -> Result<std::result::Result<String, String>> {
        let (email, base32) = self.invitation(now, secret).await?;
        if password.chars().count() < MIN_PASSWORD {
            return Ok(Err(format!(
                "the password must be at least {MIN_PASSWORD} characters"
            )));
        }
        if password.len() > 1024 {
            return Ok(Err("the password must be at most 1024 bytes".into()));
        }
        if password.to_lowercase().contains(&email.to_lowercase()) {
            return Ok(Err("the password must not contain the email address".into()));
        }
        let Some(step) = totp_step(&base32, &email, code, now)? else {
            return Ok(Err(
                "the code from the authenticator app is not the current one".into(),
            ));
        };
        let pw = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| Error::Input(format!("hashing: {e}")))??;
        let mut w = self.begin(now, &email).await?;
        let at = w.at.clone();
        let e = |e| self.db.err(e);
        let used = sqlx::query(
            "UPDATE invitations SET used_at = $1 WHERE token_sha256 = $2 AND used_at IS NULL",
        )
        .bind(&at)
        .bind(digest(secret))
        .execute(&mut *w.tx)
        .await
        .map_err(e)?;
        if used.rows_affected() != 1 {
            return Err(Error::Input("this invitation was used".into()));
        }
        sqlx::query("UPDATE users SET password_hash = $1, totp_secret = $2, totp_last_step = $3, failed_sign_ins = 0, locked_until = NULL WHERE email = $4")
            .bind(&hash)
            .bind(&base32)
            .bind(step)
            .bind(&email)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        // A new password ends every session of the old one.
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE email = $2 AND revoked_at IS NULL")
            .bind(&at)
            .bind(&email)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        self.event(
            &mut w,
            None,
            "user.enrolled",
            serde_json::json!({"email": email}),
        )
        .await?;
        self.commit(w).await?;
        Ok(Ok(email))
    }

    /// Sign in with email, password and TOTP code; returns the session secret.
    pub async fn sign_in(
        &self,
        now: Timestamp,
        email: &str,
        password: &str,
        code: &str,
    ) -> Result<std::result::Result<String, Refused>> {
        let email = email.trim().to_lowercase();
        let row: Option<Credentials> = sqlx::query_as(
            "SELECT password_hash, totp_secret, totp_last_step, failed_sign_ins, locked_until, disabled_at FROM users WHERE email = $1",
        )
        .bind(&email)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let pw = password.to_owned();
        let Some((Some(hash), Some(base32), last_step, failures, locked, None)) = row else {
            // Unknown, not enrolled or disabled: spend the same time, say the same thing.
            let _ = tokio::task::spawn_blocking(move || password_ok(&pw, decoy_hash())).await;
            return Ok(Err(Refused::Wrong));
        };
        if let Some(until) = &locked {
            if time::parse(until, "locked_until")? > now {
                return Ok(Err(Refused::Locked(until.clone())));
            }
        }
        let password_right = tokio::task::spawn_blocking(move || password_ok(&pw, &hash))
            .await
            .map_err(|e| Error::Input(format!("verifying: {e}")))?;
        let step = totp_step(&base32, &email, code, now)?;
        let fresh = step.filter(|s| last_step.is_none_or(|l| *s > l));
        let e = |e| self.db.err(e);
        let mut w = self.begin(now, &email).await?;
        let at = w.at.clone();
        let (Some(step), true) = (fresh, password_right) else {
            let failures = failures + 1;
            let lock = (failures >= MAX_FAILURES).then(|| {
                time::format(
                    now.checked_add(SignedDuration::from_mins(LOCK_MINUTES))
                        .unwrap_or(now),
                )
            });
            sqlx::query(
                "UPDATE users SET failed_sign_ins = $1, locked_until = $2 WHERE email = $3",
            )
            .bind(if lock.is_some() { 0 } else { failures })
            .bind(lock.as_deref())
            .bind(&email)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
            self.event(
                &mut w,
                None,
                "user.sign_in_failed",
                serde_json::json!({"email": email, "locked_until": lock, "code_reused": step.is_some() && fresh.is_none()}),
            )
            .await?;
            self.commit(w).await?;
            return Ok(Err(match lock {
                Some(until) => Refused::Locked(until),
                None => Refused::Wrong,
            }));
        };
        let secret = random_secret();
        let expires = now
            .checked_add(SignedDuration::from_hours(SESSION_HOURS))
            .unwrap_or(now);
        sqlx::query("UPDATE users SET failed_sign_ins = 0, locked_until = NULL, totp_last_step = $1 WHERE email = $2")
            .bind(step)
            .bind(&email)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        sqlx::query("INSERT INTO sessions (token_sha256, email, created_at, expires_at, last_seen, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)")
            .bind(digest(&secret))
            .bind(&email)
            .bind(&at)
            .bind(time::format(expires))
            .bind(&at)
            .execute(&mut *w.tx)
            .await
            .map_err(e)?;
        self.event(
            &mut w,
            None,
            "user.signed_in",
            serde_json::json!({"email": email}),
        )
        .await?;
        self.commit(w).await?;
        Ok(Ok(secret))
    }

    /// The user a session secret belongs to, if the session is live at `now` (not revoked,
    /// within its lifetime and idle limit); marks it seen.
    pub async fn session_user(
        &self,
        now: Timestamp,
        secret: &str,
    ) -> Result<Option<crate::people::UserRow>> {
        let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT email, expires_at, last_seen, revoked_at FROM sessions WHERE token_sha256 = $1",
        )
        .bind(digest(secret))
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let Some((email, expires, last_seen, None)) = row else {
            return Ok(None);
        };
        let idle_end = time::parse(&last_seen, "last_seen")?
            .checked_add(SignedDuration::from_mins(IDLE_MINUTES))
            .unwrap_or(now);
        if time::parse(&expires, "expires_at")? <= now || idle_end <= now {
            return Ok(None);
        }
        let user = self.user(&email).await?;
        if user.disabled_at.is_some() {
            return Ok(None);
        }
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_sha256 = $2")
            .bind(time::format(now))
            .bind(digest(secret))
            .execute(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(Some(user))
    }

    /// End one session, or (`everywhere`) every session of its user.
    pub async fn sign_out(&self, now: Timestamp, secret: &str, everywhere: bool) -> Result<()> {
        let email: Option<(String,)> =
            sqlx::query_as("SELECT email FROM sessions WHERE token_sha256 = $1")
                .bind(digest(secret))
                .fetch_optional(&self.db.pool)
                .await
                .map_err(|e| self.db.err(e))?;
        let Some((email,)) = email else {
            return Ok(());
        };
        let mut w = self.begin(now, &email).await?;
        let at = w.at.clone();
        let q = if everywhere {
            "UPDATE sessions SET revoked_at = $1 WHERE email = $2 AND revoked_at IS NULL"
        } else {
            "UPDATE sessions SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL"
        };
        sqlx::query(q)
            .bind(&at)
            .bind(if everywhere {
                email.clone()
            } else {
                digest(secret)
            })
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            None,
            "user.signed_out",
            serde_json::json!({"email": email, "everywhere": everywhere}),
        )
        .await?;
        self.commit(w).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(password_ok("correct horse battery", &h));
        assert!(!password_ok("correct horse batterx", &h));
        assert!(!password_ok("x", "not a phc string"));
    }

    #[test]
    fn totp_codes_are_those_of_rfc_6238() {
        // RFC 6238 Appendix B, SHA-1 secret "12345678901234567890", T = 59 s: 94287082 (8
        // digits); its last six digits are the 6-digit code.
        let base32 = totp_rs::Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(
            totp_code(&base32, Timestamp::from_second(59).unwrap()).unwrap(),
            "287082"
        );
        let at = Timestamp::from_second(59).unwrap();
        assert_eq!(totp_step(&base32, "a@b.c", "287082", at).unwrap(), Some(1));
        assert_eq!(totp_step(&base32, "a@b.c", "287 082", at).unwrap(), Some(1));
        assert_eq!(totp_step(&base32, "a@b.c", "000000", at).unwrap(), None);
    }
}
