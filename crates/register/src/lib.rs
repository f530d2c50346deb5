//! The enforcement case register of the PSTI regime: economic operators, products with their
//! scope decision, cases from triage to outcome, content-addressed evidence, notices (with
//! the statutory rules of the Act enforced and cited), penalties and appeals — every change
//! an event in a tamper-evident hash chain with signed checkpoints.
//!
//! Owns: the schema and its migrations (one SQL schema on SQLite and PostgreSQL, `db`), the
//! hash chain and its verification (`chain`), the statutory rules table (`rules`) and the
//! operations (`register`). Never does: terminal I/O or rendering (the CLI and the web
//! service do), or decide what the law is where `../shared/regime/regulation.md` marks it
//! uncertain: such rules are data with an `uncertain` flag, shown and never enforced.
//!
//! Evidence bytes are stored in the database (`blobs`), on both back ends, in the same
//! transaction as the event that cites them, so a crash never leaves an event without its
//! bytes or bytes without their event.

// Amounts are pence written as pounds_pence (`10_000_000_00` is £10,000,000.00).
#![allow(clippy::inconsistent_digit_grouping)]

pub mod auth;
pub mod bundle;
pub mod chain;
pub mod db;
pub mod document;
pub mod jobs;
pub mod people;
pub mod public;
pub mod register;
pub mod rules;
pub mod sweep;
pub mod time;
pub mod tokens;

pub use register::{NewAllegation, NewCase, NewEvidence, NewNotice, NewPenalty, Register};
pub use rules::Refusal;

/// Why a register command could not run (refusals by a statutory rule are [`Refusal`]s).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{database}: {message}")]
    Database { database: String, message: String },
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    NotFound(String),
    /// The case changed since the writer read it (another officer's edit): nothing was
    /// written; read the case again and redo the change.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Pipeline(#[from] baseline_pipeline::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The default SQLite register file.
pub const DEFAULT_DATABASE: &str = "./baseline-register.db";
