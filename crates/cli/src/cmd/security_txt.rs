//! `baseline security-txt FILE-or-URL`: validate one security.txt against RFC 9116.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 errors, 2 the file could not be read or
//! fetched, or a usage error.

use crate::common::{fetch_options, parse_now, read_keys};
use crate::output::{emit, TextOrJson};
use anyhow::{Context, Result};
use baseline_site::codes::Level;
use baseline_site::securitytxt::{self, Signature};
use baseline_site::time;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baseline security-txt ./security.txt --now 2023-01-01T00:00:00Z\n  \
    baseline security-txt https://example.com/.well-known/security.txt --format json\n\n\
    Exit codes: 0 no errors, 1 errors, 2 could not read or fetch / usage."
)]
pub struct Args {
    /// A local file, or an https:// URL to fetch.
    pub input: String,
    /// Judge as of this RFC 3339 time instead of now (e.g. an archive's fetch time).
    #[arg(long)]
    pub now: Option<String>,
    /// For a local file: the URL it was published at (checked against Canonical).
    #[arg(long)]
    pub url: Option<String>,
    /// OpenPGP public key to verify a signature with (repeatable).
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Trust this PEM CA instead of the public roots (labs, tests).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Write the result here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let now_arg = parse_now(args.now.as_deref())?;
    let now = now_arg.unwrap_or_else(time::now);
    let is_url = args.input.starts_with("https://") || args.input.starts_with("http://");
    let (source, report) = if is_url {
        let opts = fetch_options(&args.keys, args.ca_file.as_ref(), Some(now))?;
        let (result, findings) = baseline_site::check_security_txt_url(&args.input, &opts)?;
        match result {
            Some(r) => {
                let mut report = r.report;
                // Transport findings (plain HTTP, legacy location) are problems of the file too.
                for f in findings.iter().filter(|f| f.code == "DISC-002") {
                    report.problems.insert(
                        0,
                        securitytxt::Problem {
                            code: f.code.clone(),
                            name: f.name.clone(),
                            level: Level::Error,
                            line: None,
                            message: f.title.clone(),
                            excerpt: None,
                        },
                    );
                }
                (r.final_url, report)
            }
            None => {
                let why = findings
                    .first()
                    .map(|f| {
                        let notes: Vec<String> =
                            f.evidence.iter().filter_map(|e| e.note.clone()).collect();
                        format!("{}: {}", f.title, notes.join("; "))
                    })
                    .unwrap_or_default();
                eprintln!("error: could not fetch security.txt: {why}");
                return Ok(ExitCode::from(crate::EXIT_USAGE));
            }
        }
    } else {
        let path = PathBuf::from(&args.input);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let opts = securitytxt::Options {
            now,
            fetched_from: args.url.iter().cloned().collect(),
            keys: read_keys(&args.keys)?,
            no_key_reason: Some("no key was given (--key)".into()),
            ..securitytxt::Options::default()
        };
        (args.input.clone(), securitytxt::validate(&bytes, &opts))
    };
    let errors = report.errors();
    let warnings = report.problems.len() - errors;
    let out = match args.format {
        TextOrJson::Json => {
            let doc = serde_json::json!({
                "schema": "baseline/security-txt/v1",
                "source": source,
                "judged_at": time::format_rfc3339(now),
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "report": report,
            });
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
        TextOrJson::Text => render_text(&source, &report, now),
    };
    emit(args.output.as_deref(), out.as_bytes())?;
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAIL)
    })
}

pub fn render_text(source: &str, report: &securitytxt::Report, now: i64) -> String {
    let mut s = format!("security.txt: {source}\n");
    for p in &report.problems {
        let level = match p.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        };
        let at = p.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        s.push_str(&format!(
            "  {at}{level} {} {}: {}\n",
            p.code, p.name, p.message
        ));
    }
    s.push_str(&format!(
        "signature: {}\n",
        match &report.signature {
            Signature::Unsigned => "none".to_owned(),
            Signature::Verified { fingerprint } => format!("verified (key {fingerprint})"),
            Signature::Invalid { reason } => format!("INVALID: {reason}"),
            Signature::Unchecked { reason } => format!("NOT CHECKED: {reason}"),
        }
    ));
    let errors = report.errors();
    s.push_str(&format!(
        "result: {} ({} error{}, {} warning{}; judged as of {})\n",
        if errors == 0 { "valid" } else { "invalid" },
        errors,
        if errors == 1 { "" } else { "s" },
        report.problems.len() - errors,
        if report.problems.len() - errors == 1 {
            ""
        } else {
            "s"
        },
        time::format_rfc3339(now)
    ));
    s
}
