//! The `baseline` command. Parses arguments, calls the libraries, picks a renderer, sets the
//! exit code. Logic that a library could own lives in the library.
//!
//! Exit codes: 0 success (nothing at or above the failure threshold), 1 the check found what
//! the command treats as failure (see each command), 2 usage or input error.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cmd;
mod common;
mod output;
mod progress;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for "the check ran and found a failure".
pub const EXIT_FAIL: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "baseline",
    version,
    about = "Check connected consumer products against the UK PSTI regime and ETSI EN 303 645",
    long_about = None,
    after_help = "Exit codes: 0 success, 1 the check failed (see each command), 2 usage or input error.\n\
                  Run `baseline COMMAND --help` for a command's options and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess firmware images of one product: unpack, analyse, verdicts per scheme, report.
    ///
    /// Example: baseline assess firmware.bin --product product.toml --format json -o report.json
    Assess(cmd::assess::AssessArgs),
    /// Write an answers template (EN 303 645 ICS, TS 103 701 IXIT) pre-filled from evidence.
    Answers(cmd::answers::AnswersArgs),
    /// Produce the PSTI statement of compliance from a product file and an assessment.
    Statement(cmd::statement::StatementArgs),
    /// Manage the offline vulnerability store: import NVD/OSV/KEV/EPSS files, show status.
    ///
    /// Example: baseline vulndb import nvdcve-2.0-2024.json.gz known_exploited_vulnerabilities.csv
    Vulndb(cmd::vulndb::VulndbArgs),
    /// Print a shell completion script.
    ///
    /// Example: baseline completions bash > /etc/bash_completion.d/baseline
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// The enforcement case register: create it, checkpoint it, list its statutory rules.
    ///
    /// Example: baseline register init
    Register(cmd::case::RegisterArgs),
    /// Enforcement cases: open, evidence, assess, notices, penalties, appeals, close, verify.
    ///
    /// Example: baseline case open --title "Camera X" --operator "Acme Ltd" --role manufacturer
    Case(cmd::case::CaseArgs),
    /// Serve the register on the web: public allegation form and register, JSON API.
    ///
    /// Example: baseline serve --demo
    Serve(cmd::serve::ServeArgs),
    /// API tokens for the web service: create (printed once), list, revoke.
    ///
    /// Example: baseline token create --role officer --expires 30d
    Token(cmd::serve::TokenArgs),
    /// Users of the web service: add (prints an invitation), invite again, list.
    ///
    /// Example: baseline user add --email a.officer@opss.gov.uk --role officer
    User(cmd::serve::UserArgs),
    /// Run background jobs (assessments of uploaded firmware, sweeps) from the register's queue.
    ///
    /// Example: baseline worker --database postgres://register.internal/baseline
    Worker(cmd::serve::WorkerArgs),
    /// Market-surveillance sweeps: submit a manifest, work it, status, report (market
    /// picture and what products share).
    ///
    /// Example: baseline sweep run cameras.jsonl --jobs 2
    Sweep(cmd::sweep::Args),
    /// List every finding code (code, name, severity, requirements, documentation).
    ///
    /// Example: baseline checks --family CRED --format json
    Checks(cmd::checks::Args),
    /// Browse the requirement catalogue (list, show, map).
    Catalogue(cmd::catalogue::Args),
    /// Decide whether a described product is in scope of the UK PSTI regime.
    ///
    /// Example: baseline scope examples/camera.toml --format json
    Scope(cmd::scope::Args),
    Unpack(cmd::unpack::Args),
    /// Check a manufacturer's site: security.txt, disclosure policy, support period (PSTI Sch. 1 paras 2, 3).
    Site(Box<cmd::site::Args>),
    /// Validate one security.txt file or URL against RFC 9116.
    SecurityTxt(cmd::security_txt::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Assess(args) => cmd::assess::run(args),
        Command::Answers(args) => cmd::answers::run(args),
        Command::Statement(args) => cmd::statement::run(args),
        Command::Vulndb(args) => cmd::vulndb::run(args),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "baseline", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Checks(args) => cmd::checks::run(args),
        Command::Register(args) => cmd::case::run_register(args),
        Command::Case(args) => cmd::case::run_case(args),
        Command::Serve(args) => cmd::serve::run_serve(args),
        Command::Token(args) => cmd::serve::run_token(args),
        Command::User(args) => cmd::serve::run_user(args),
        Command::Worker(args) => cmd::serve::run_worker(args),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Catalogue(args) => cmd::catalogue::run(args),
        Command::Scope(args) => cmd::scope::run(args),
        Command::Unpack(args) => cmd::unpack::run(args),
        Command::Site(args) => cmd::site::run(*args),
        Command::SecurityTxt(args) => cmd::security_txt::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
