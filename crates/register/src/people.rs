//! Teams, users, economic operators' details and tasks with due dates. Each change is an event
//! in the chain like any other.
//!
//! Users here are the register's record of who may act (role, team, and for respondents the
//! operator they answer for). Credentials — passwords, second factors, API tokens — belong to
//! the web service, which keeps them beside these rows.

use crate::register::{Register, Write};
use crate::time;
use crate::{Error, Result};
use jiff::Timestamp;
use serde::Serialize;

/// Roles of a user.
pub const USER_ROLES: &[&str] = &[
    // The enforcement authority.
    "officer",
    "team-lead",
    "team-admin",
    "auditor",
    // A manufacturer's, importer's or distributor's person: sees only its operator's cases.
    "respondent",
];

/// A task of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: String,
    pub case_id: String,
    pub title: String,
    pub due_at: String,
    pub assignee: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub created_at: String,
    pub done_at: Option<String>,
}

/// A user of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub team: Option<String>,
    pub operator_id: Option<String>,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// Inputs of [`Register::add_user`].
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub team: Option<String>,
    /// For a respondent: the legal name of the operator they answer for.
    pub operator: Option<String>,
}

/// Details of an economic operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OperatorRow {
    pub id: String,
    pub legal_name: String,
    pub company_number: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
}

const TASK_COLUMNS: &str = "id, case_id, title, due_at, assignee, status, created_at, done_at";

fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.len() <= 254
}

impl Register {
    /// Add a task to a case, due at `due`.
    pub async fn add_task(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        title: &str,
        due: Timestamp,
        assignee: Option<&str>,
    ) -> Result<String> {
        if title.trim().is_empty() {
            return Err(Error::Input("--title is empty".into()));
        }
        if let Some(a) = assignee {
            self.user(a).await?;
        }
        let case = self.case(case_id).await?;
        if case.status == "closed" {
            return Err(Error::Input(format!(
                "{case_id} is closed; reopen it first"
            )));
        }
        let mut w = self.begin(now, actor).await?;
        let id = self
            .task_in(&mut w, case_id, title.trim(), due, assignee)
            .await?;
        self.commit(w).await?;
        Ok(id)
    }

    /// Add a task inside a write (the register adds its own: consider representations, check
    /// compliance, check payment).
    pub(crate) async fn task_in(
        &self,
        w: &mut Write<'_>,
        case_id: &str,
        title: &str,
        due: Timestamp,
        assignee: Option<&str>,
    ) -> Result<String> {
        let id = self.next_id(&mut w.tx, "tasks", "T").await?;
        let due_s = time::format(due);
        let at = w.at.clone();
        sqlx::query("INSERT INTO tasks (id, case_id, title, due_at, assignee, status, created_at, done_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, NULL)")
            .bind(&id)
            .bind(case_id)
            .bind(title)
            .bind(&due_s)
            .bind(assignee)
            .bind(&at)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            w,
            Some(case_id),
            "task.added",
            serde_json::json!({"task": id, "title": title, "due_at": due_s, "assignee": assignee}),
        )
        .await?;
        Ok(id)
    }

    /// Mark a task done.
    pub async fn complete_task(
        &self,
        now: Timestamp,
        actor: &str,
        case_id: &str,
        task_id: &str,
        note: &str,
    ) -> Result<()> {
        let t = self.task(case_id, task_id).await?;
        if t.status == "done" {
            return Err(Error::Input(format!(
                "{task_id} was already done on {}",
                t.done_at.unwrap_or_default()
            )));
        }
        let mut w = self.begin(now, actor).await?;
        let at = w.at.clone();
        let done = sqlx::query(
            "UPDATE tasks SET status = 'done', done_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(&at)
        .bind(task_id)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| self.db.err(e))?;
        if done.rows_affected() != 1 {
            return Err(Error::Input(format!("{task_id} was already done")));
        }
        self.event(
            &mut w,
            Some(case_id),
            "task.done",
            serde_json::json!({"task": task_id, "note": note.trim()}),
        )
        .await?;
        self.commit(w).await
    }

    async fn task(&self, case_id: &str, id: &str) -> Result<TaskRow> {
        sqlx::query_as::<_, TaskRow>(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 AND case_id = $2"
        ))
        .bind(id)
        .bind(case_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|e| self.db.err(e))?
        .ok_or_else(|| Error::NotFound(format!("no task {id} in case {case_id}")))
    }

    /// Tasks, soonest due first: of one case or all; only open ones; only those due before
    /// `overdue_at` (overdue at that time).
    pub async fn list_tasks(
        &self,
        case_id: Option<&str>,
        open_only: bool,
        overdue_at: Option<Timestamp>,
    ) -> Result<Vec<TaskRow>> {
        let mut sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if case_id.is_some() {
            sql.push_str(&format!(" AND case_id = {}", next()));
        }
        if open_only || overdue_at.is_some() {
            sql.push_str(" AND status = 'open'");
        }
        if overdue_at.is_some() {
            sql.push_str(&format!(" AND due_at < {}", next()));
        }
        sql.push_str(" ORDER BY due_at, id");
        let mut q = sqlx::query_as::<_, TaskRow>(&sql);
        if let Some(c) = case_id {
            q = q.bind(c);
        }
        if let Some(t) = overdue_at {
            q = q.bind(time::format(t));
        }
        q.fetch_all(&self.db.pool).await.map_err(|e| self.db.err(e))
    }

    /// Create a team.
    pub async fn add_team(&self, now: Timestamp, actor: &str, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(Error::Input(format!(
                "team name `{name}` must be 1 to 100 printable characters"
            )));
        }
        if self.teams().await?.iter().any(|t| t == name) {
            return Err(Error::Input(format!("team `{name}` exists")));
        }
        let mut w = self.begin(now, actor).await?;
        let at = w.at.clone();
        sqlx::query("INSERT INTO teams (name, created_at) VALUES ($1, $2)")
            .bind(name)
            .bind(&at)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            None,
            "team.added",
            serde_json::json!({"team": name}),
        )
        .await?;
        self.commit(w).await
    }

    /// The teams, by name.
    pub async fn teams(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT name FROM teams ORDER BY name")
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Check a team name given with a case or a user.
    pub(crate) async fn known_team(&self, team: &str) -> Result<()> {
        let teams = self.teams().await?;
        if teams.iter().any(|t| t == team) {
            return Ok(());
        }
        Err(Error::Input(format!(
            "--team `{team}` is not a team of this register ({}); add it with `baseline register team add`",
            if teams.is_empty() {
                "there are none yet".to_owned()
            } else {
                teams.join(", ")
            }
        )))
    }

    /// Record a user (email, role, team; for a respondent, the operator).
    pub async fn add_user(&self, now: Timestamp, actor: &str, u: &NewUser) -> Result<()> {
        let email = u.email.trim().to_lowercase();
        if !plausible_email(&email) {
            return Err(Error::Input(format!(
                "--email `{}` is not an email address",
                u.email
            )));
        }
        if !USER_ROLES.contains(&u.role.as_str()) {
            return Err(Error::Input(format!(
                "--role `{}` is not one of {}",
                u.role,
                USER_ROLES.join(", ")
            )));
        }
        if let Some(t) = &u.team {
            self.known_team(t).await?;
        }
        let operator_id = match (&u.operator, u.role.as_str()) {
            (Some(name), "respondent") => Some(
                self.operator(name)
                    .await?
                    .ok_or_else(|| {
                        Error::Input(format!(
                            "--operator `{name}` is not an operator of this register"
                        ))
                    })?
                    .id,
            ),
            (None, "respondent") => {
                return Err(Error::Input(
                    "a respondent answers for an operator: give --operator NAME".into(),
                ))
            }
            (Some(_), role) => {
                return Err(Error::Input(format!(
                    "--operator is for respondents, not a {role}"
                )))
            }
            (None, _) => None,
        };
        if self.user(&email).await.is_ok() {
            return Err(Error::Input(format!("user {email} exists")));
        }
        let mut w = self.begin(now, actor).await?;
        let at = w.at.clone();
        sqlx::query("INSERT INTO users (email, name, role, team, operator_id, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
            .bind(&email)
            .bind(u.name.as_deref())
            .bind(&u.role)
            .bind(u.team.as_deref())
            .bind(operator_id.as_deref())
            .bind(&at)
            .execute(&mut *w.tx)
            .await
            .map_err(|e| self.db.err(e))?;
        self.event(
            &mut w,
            None,
            "user.added",
            serde_json::json!({"email": email, "name": u.name, "role": u.role, "team": u.team, "operator": operator_id}),
        )
        .await?;
        self.commit(w).await
    }

    /// One user.
    pub async fn user(&self, email: &str) -> Result<UserRow> {
        sqlx::query_as::<_, UserRow>("SELECT email, name, role, team, operator_id, created_at, disabled_at FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| Error::NotFound(format!("no user {email}")))
    }

    /// Every user, by email.
    pub async fn users(&self) -> Result<Vec<UserRow>> {
        sqlx::query_as::<_, UserRow>("SELECT email, name, role, team, operator_id, created_at, disabled_at FROM users ORDER BY email")
            .fetch_all(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))
    }

    /// An operator by legal name.
    pub async fn operator(&self, legal_name: &str) -> Result<Option<OperatorRow>> {
        sqlx::query_as::<_, OperatorRow>("SELECT id, legal_name, company_number, address, country FROM operators WHERE legal_name = $1")
            .bind(legal_name.trim())
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.db.err(e))
    }

    /// Record or correct an operator's details (created when new); fields not given keep
    /// their value. Returns the operator.
    pub async fn set_operator(
        &self,
        now: Timestamp,
        actor: &str,
        details: &OperatorRow,
    ) -> Result<OperatorRow> {
        let name = details.legal_name.trim();
        if name.is_empty() {
            return Err(Error::Input("the operator's legal name is empty".into()));
        }
        if let Some(c) = &details.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Error::Input(format!(
                    "--country `{c}` is not an ISO 3166-1 alpha-2 code (GB, CN, US…)"
                )));
            }
        }
        let old = self.operator(name).await?;
        let mut w = self.begin(now, actor).await?;
        let e = |e| self.db.err(e);
        let merged = match old {
            Some(o) => {
                let m = OperatorRow {
                    id: o.id.clone(),
                    legal_name: o.legal_name.clone(),
                    company_number: details.company_number.clone().or(o.company_number),
                    address: details.address.clone().or(o.address),
                    country: details.country.clone().or(o.country),
                };
                sqlx::query("UPDATE operators SET company_number = $1, address = $2, country = $3 WHERE id = $4")
                    .bind(m.company_number.as_deref())
                    .bind(m.address.as_deref())
                    .bind(m.country.as_deref())
                    .bind(&m.id)
                    .execute(&mut *w.tx)
                    .await
                    .map_err(e)?;
                m
            }
            None => {
                let id = self.next_id(&mut w.tx, "operators", "OP").await?;
                let m = OperatorRow {
                    id,
                    legal_name: name.to_owned(),
                    company_number: details.company_number.clone(),
                    address: details.address.clone(),
                    country: details.country.clone(),
                };
                sqlx::query("INSERT INTO operators (id, legal_name, company_number, address, country) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&m.id)
                    .bind(&m.legal_name)
                    .bind(m.company_number.as_deref())
                    .bind(m.address.as_deref())
                    .bind(m.country.as_deref())
                    .execute(&mut *w.tx)
                    .await
                    .map_err(e)?;
                m
            }
        };
        self.event(
            &mut w,
            None,
            "operator.updated",
            serde_json::json!({"operator": merged.id, "legal_name": merged.legal_name, "company_number": merged.company_number, "address": merged.address, "country": merged.country}),
        )
        .await?;
        self.commit(w).await?;
        Ok(merged)
    }
}

impl Register {
    /// The cases an operator has a part in.
    pub async fn cases_of_operator(&self, operator_id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT case_id FROM case_operators WHERE operator_id = $1")
                .bind(operator_id)
                .fetch_all(&self.db.pool)
                .await
                .map_err(|e| self.db.err(e))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(plausible_email("officer@opss.gov.uk"));
        assert!(!plausible_email("officer"));
        assert!(!plausible_email("@opss.gov.uk"));
        assert!(!plausible_email("a@localhost"));
        assert!(!plausible_email("a b@opss.gov.uk"));
        assert!(!plausible_email("a@opss.gov.uk."));
    }
}
