//! The store: one SQL schema on two back ends through sqlx's `Any` driver (SQLite embedded by
//! default, PostgreSQL for teams), versioned migrations applied on open, and the write
//! transaction every change goes through.
//!
//! Why sqlx: well kept, pure Rust drivers for both back ends (SQLite is built from its C
//! source by `libsqlite3-sys`, no system library), async for the web service and the job
//! queue that come next, and runtime queries (no compile-time database). Queries use `$1`
//! placeholders, which both SQLite and PostgreSQL accept, in order of first use.

use crate::{Error, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions as _};
use std::str::FromStr as _;

/// One versioned migration.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "allegations",
        sql: include_str!("../migrations/0002_allegations.sql"),
    },
    Migration {
        version: 3,
        name: "documents_tasks_people",
        sql: include_str!("../migrations/0003_documents_tasks_people.sql"),
    },
    Migration {
        version: 4,
        name: "tokens",
        sql: include_str!("../migrations/0004_tokens.sql"),
    },
    Migration {
        version: 5,
        name: "sign_in",
        sql: include_str!("../migrations/0005_sign_in.sql"),
    },
    Migration {
        version: 6,
        name: "jobs",
        sql: include_str!("../migrations/0006_jobs.sql"),
    },
    Migration {
        version: 7,
        name: "sweeps",
        sql: include_str!("../migrations/0007_sweeps.sql"),
    },
];

/// The schema version this build creates and expects (its last migration).
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Which back end a register lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The register's database.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    pub backend: Backend,
    /// The URL without a password, for messages.
    pub shown: String,
}

/// The database URL of a `--database` value: a `postgres://` URL as given, anything else a
/// SQLite file path (created when missing; WAL journal).
pub fn url_of(database: &str) -> (Backend, String) {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        (Backend::Postgres, database.to_owned())
    } else if let Some(rest) = database.strip_prefix("sqlite:") {
        (Backend::Sqlite, format!("sqlite:{rest}"))
    } else {
        (Backend::Sqlite, format!("sqlite://{database}"))
    }
}

fn redact(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Db {
    /// Connect (creating a SQLite file when missing) and apply pending migrations.
    pub async fn open(database: &str) -> Result<Db> {
        Self::open_with(database, None).await
    }

    /// Like [`open`](Self::open); `schema` puts every table of a PostgreSQL register in that
    /// schema (created when missing), so that tests and several registers can share a server.
    pub async fn open_with(database: &str, schema: Option<&str>) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let (backend, url) = url_of(database);
        let shown = redact(&url);
        let mut url = url;
        if backend == Backend::Sqlite {
            let sep = if url.contains('?') { '&' } else { '?' };
            url.push_str(&format!("{sep}mode=rwc"));
        }
        let mut opts = AnyConnectOptions::from_str(&url).map_err(|e| Error::Database {
            database: shown.clone(),
            message: e.to_string(),
        })?;
        opts = opts.disable_statement_logging();
        let connect_err = |e: sqlx::Error| Error::Database {
            database: shown.clone(),
            message: e.to_string(),
        };
        let pool = match (backend, schema) {
            (Backend::Postgres, Some(schema)) => {
                if !schema
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    return Err(Error::Input(format!(
                        "schema name `{schema}` is not [a-z0-9_]+"
                    )));
                }
                let setup = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
                let first = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts.clone())
                    .await
                    .map_err(connect_err)?;
                sqlx::query(&setup)
                    .execute(&first)
                    .await
                    .map_err(connect_err)?;
                first.close().await;
                let path = format!("SET search_path TO {schema}");
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(move |conn, _| {
                        let path = path.clone();
                        Box::pin(async move {
                            sqlx::query(&path).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?
            }
            (Backend::Sqlite, _) => AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL: readers never block the writer; a busy writer waits, not fails.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 30000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await
                .map_err(connect_err)?,
            (Backend::Postgres, None) => AnyPoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(connect_err)?,
        };
        let db = Db {
            pool,
            backend,
            shown,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The migrations this build knows, applied in order, each in its own transaction.
    /// Returns the versions newly applied.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let e = |e: sqlx::Error| self.err(e);
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await
        .map_err(e)?;
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            let mut tx = self.pool.begin().await.map_err(e)?;
            // Two processes migrating at once: the second waits here for the first.
            let lock = match self.backend {
                Backend::Postgres => "SELECT pg_advisory_xact_lock(726173)",
                // Any write statement takes SQLite's write lock for the transaction.
                Backend::Sqlite => "UPDATE schema_migrations SET name = name WHERE version = -1",
            };
            sqlx::query(lock).execute(&mut *tx).await.map_err(e)?;
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(e)?;
            if done.is_some() {
                continue;
            }
            let sql = m.sql.replace(
                "{{BLOB}}",
                match self.backend {
                    Backend::Sqlite => "BLOB",
                    Backend::Postgres => "BYTEA",
                },
            );
            for stmt in statements(&sql) {
                sqlx::query(stmt).execute(&mut *tx).await.map_err(e)?;
            }
            if m.version == 1 {
                sqlx::query("INSERT INTO chain_head (id, seq, hash) SELECT 1, 0, $1 WHERE NOT EXISTS (SELECT 1 FROM chain_head)")
                    .bind(crate::chain::GENESIS)
                    .execute(&mut *tx)
                    .await
                    .map_err(e)?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(crate::time::format(jiff::Timestamp::now()))
            .execute(&mut *tx)
            .await
            .map_err(e)?;
            tx.commit().await.map_err(e)?;
            applied.push(m.version);
        }
        Ok(applied)
    }

    /// The newest schema version applied.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(v.0.unwrap_or(0))
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> Error {
        Error::Database {
            database: self.shown.clone(),
            message: e.to_string(),
        }
    }
}

/// The statements of a migration file (split on `;` at line ends; no `;` inside literals).
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n")
        .map(|s| s.trim())
        .map(|s| s.trim_end_matches(';'))
        .filter(|s| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_values_map_to_back_ends() {
        assert_eq!(
            url_of("postgres://u:p@127.0.0.1/test"),
            (Backend::Postgres, "postgres://u:p@127.0.0.1/test".into())
        );
        assert_eq!(
            url_of("./baseline-register.db"),
            (Backend::Sqlite, "sqlite://./baseline-register.db".into())
        );
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn migration_statements_skip_comments() {
        let v: Vec<&str> =
            statements("-- a\nCREATE TABLE a (x TEXT);\n-- b\n\nCREATE INDEX i ON a (x);\n")
                .collect();
        assert_eq!(
            v,
            [
                "-- a\nCREATE TABLE a (x TEXT)",
                "-- b\n\nCREATE INDEX i ON a (x)"
            ]
        );
    }
}
