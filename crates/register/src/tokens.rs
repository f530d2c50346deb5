//! API tokens: 256-bit random secrets shown once, stored as their SHA-256, each with a role,
//! scopes, an optional team and an expiry that [`Register::authenticate`] enforces. Making and
//! revoking a token are events in the chain; using one is not (reads of restricted cases are,
//! under the token's id).

use crate::register::Register;
use crate::time;
use crate::{Error, Result};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// What a token may do.
pub const SCOPES: &[&str] = &["cases:read", "cases:write", "allegations:read"];

/// The longest a token may live (days).
pub const MAX_DAYS: i64 = 366;

/// The scopes a role's token gets unless narrowed.
pub fn role_scopes(role: &str) -> Option<&'static [&'static str]> {
    Some(match role {
        "officer" | "team-lead" | "team-admin" => {
            &["cases:read", "cases:write", "allegations:read"]
        }
        "auditor" => &["cases:read", "allegations:read"],
        _ => return None,
    })
}

/// A token as stored (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub role: String,
    /// JSON array.
    pub scopes: String,
    pub team: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

impl TokenRow {
    pub fn has_scope(&self, scope: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.scopes)
            .map(|v| v.iter().any(|s| s == scope))
            .unwrap_or(false)
    }
}

/// Why a token was not accepted (the server answers 401 to each, naming which).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    Unknown,
    Expired(String),
    Revoked(String),
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Unknown => write!(f, "unknown token"),
            Rejected::Expired(at) => write!(f, "token expired at {at}"),
            Rejected::Revoked(at) => write!(f, "token revoked at {at}"),
        }
    }
}

/// Parse a lifetime: `30d`, `12h`, `90m` (at most [`MAX_DAYS`] days).
pub fn parse_duration(s: &str) -> Result<jiff::SignedDuration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| Error::Input(format!("`{s}` is not a duration like 30d, 12h or 90m")))?;
    let secs = match unit {
        "d" => n.saturating_mul(86_400),
        "h" => n.saturating_mul(3_600),
        "m" => n.saturating_mul(60),
        _ => {
            return Err(Error::Input(format!(
                "`{s}` is not a duration like 30d, 12h or 90m"
            )))
        }
    };
    if n <= 0 || secs > MAX_DAYS * 86_400 {
        return Err(Error::Input(format!(
            "`{s}` must be more than 0 and at most {MAX_DAYS} days"
        )));
    }
    Ok(jiff::SignedDuration::from_secs(secs))
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const TOKEN_COLUMNS: &str =
    "id, role, scopes, team, created_by, created_at, expires_at, revoked_at";

impl Register {
    /// Make a token; returns its row and the secret (`bl_` and 64 hex digits), shown once.
    pub async fn create_token(
        &self,
        now: Timestamp,
        actor: &str,
        role: &str,
        scopes: &[String],
        lifetime: jiff::SignedDuration,
        team: Option<&str>,
    ) -> Result<(TokenRow, String)> {
        let Some(allowed) = role_scopes(role) else {
            return Err(Error::Input(format!(
                "--role `{role}` is not one of officer, team-lead, team-admin, auditor"
            )));
        };
        let scopes: Vec<String> = if scopes.is_empty() {
            allowed.iter().map(|s| (*s).to_owned()).collect()
        } else {
            for s in scopes {
                if !allowed.contains(&s.as_str()) {
                    return Err(Error::Input(format!(
                        "--scope `{s}` is not one a {role} may have ({})",
                        allowed.join(", ")
                    )));
                }
            }
            scopes.to_vec()
        };
        if let Some(t) = team {
            self.known_team(t).await?;
        }
        let expires = now
            .checked_add(lifetime)
            .map_err(|e| Error::Input(format!("--expires: {e}")))?;
        let secret = {
            use rand::RngCore as _;
            let mut b = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut b);
            format!("bl_{}", hex::encode(b))
        };
        let mut w = self.begin(now, actor).await?;
        let id = self.next_id(&mut w.tx, "api_tokens", "TK").await?;
        let row = TokenRow {
            id: id.clone(),
            role: role.to_owned(),
            scopes: serde_json::to_string(&scopes).unwrap_or_else(|_| "[]".into()),
            team: team.map(str::to_owned),
            created_by: actor.to_owned(),
            created_at: w.at.clone(),
            expires_at: time::format(expires),
            revoked_at: None,
        };
        sqlx::query("INSERT INTO api_tokens (id, token_sha256, role, scopes, team, created_by, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)")
            .bind(&row.id)
            .bind(digest(&secret))
            .bind(&row.role)
            .bind(&row.scopes)
            .bind(row.team.as_deref())
            .bind(&row.created_by)
            .bind(&row.created_at)
            .bind(&row.expires_at)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            None,
            "token.created",
            serde_json::json!({"token": id, "role": role, "scopes": scopes, "team": team, "expires_at": row.expires_at}),
        )
        .await?;
        self.commit(w).await?;
        Ok((row, secret))
    }

    /// The token a secret names, if it is known, unexpired at `now` and not revoked.
    pub async fn authenticate(
        &self,
        now: Timestamp,
        secret: &str,
    ) -> Result<std::result::Result<TokenRow, Rejected>> {
        let row = sqlx::query_as::<_, TokenRow>(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_sha256 = $1"
        ))
        .bind(digest(secret.trim()))
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?;
        let Some(row) = row else {
            return Ok(Err(Rejected::Unknown));
        };
        if let Some(at) = &row.revoked_at {
            return Ok(Err(Rejected::Revoked(at.clone())));
        }
        if time::parse(&row.expires_at, "expires_at")? <= now {
            return Ok(Err(Rejected::Expired(row.expires_at.clone())));
        }
        Ok(Ok(row))
    }

    /// Revoke a token by id.
    pub async fn revoke_token(&self, now: Timestamp, actor: &str, id: &str) -> Result<()> {
        let mut w = self.begin(now, actor).await?;
        let at = w.at.clone();
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(&at)
        .bind(id)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| self.db.err(e))?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound(format!("no unrevoked token {id}")));
        }
        self.event(
            &mut w,
            None,
            "token.revoked",
            serde_json::json!({"token": id}),
        )
        .await?;
        self.commit(w).await
    }

    /// Every token (never the secrets), newest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRow>> {
        sqlx::query_as::<_, TokenRow>(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id DESC"
        ))
        .fetch_all(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_are_bounded() {
        assert_eq!(parse_duration("30d").unwrap().as_secs(), 30 * 86_400);
        assert_eq!(parse_duration("12h").unwrap().as_secs(), 12 * 3_600);
        assert_eq!(parse_duration("90m").unwrap().as_secs(), 90 * 60);
        for bad in ["0d", "367d", "30", "d", "30w", "-1d", ""] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn auditors_cannot_write() {
        assert!(!role_scopes("auditor").unwrap().contains(&"cases:write"));
        assert!(role_scopes("respondent").is_none());
    }
}
