//! `baseline checks [--family F] [--format text|json|markdown] [-o FILE]`: list every finding
//! code of the registry (`baseline_pipeline::registry`): code, name, family, severity,
//! requirements, help. `--format markdown` is `docs/checks.md` (a test keeps them equal).

use crate::output;
use anyhow::{bail, Result};
use baseline_model::checks::{CheckRecord, Family};
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// List every finding code Baseline can report.
///
/// Examples:
///   baseline checks
///   baseline checks --family CRED --format json
///   baseline checks --format markdown -o docs/checks.md
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this family (CRED, KEY, SVC, COMP, VULN, HARD, CRYPTO, DISC, SUPP, UPD).
    #[arg(long, value_name = "F")]
    family: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let registry = baseline_pipeline::registry();
    let family = match &args.family {
        None => None,
        Some(f) => match Family::ALL
            .into_iter()
            .find(|x| x.prefix().eq_ignore_ascii_case(f))
        {
            Some(x) => Some(x),
            None => bail!(
                "--family `{f}` is not one of {}",
                Family::ALL.map(Family::prefix).join(", ")
            ),
        },
    };
    if family.is_some() && args.format == Format::Markdown {
        bail!("--format markdown renders the whole registry (docs/checks.md); drop --family");
    }
    let checks: Vec<_> = registry
        .checks()
        .iter()
        .filter(|c| family.is_none() || c.family() == family)
        .collect();
    let text = match args.format {
        Format::Markdown => registry.markdown(),
        Format::Json => {
            let records: Vec<CheckRecord> = checks.iter().map(|c| CheckRecord::from(*c)).collect();
            let mut s = serde_json::to_string_pretty(&records)?;
            s.push('\n');
            s
        }
        Format::Text => {
            let mut s = String::new();
            for c in &checks {
                s.push_str(&format!(
                    "{:<11} {:<8} {:<38} {}\n",
                    c.code,
                    c.severity.as_str(),
                    c.name,
                    c.summary
                ));
            }
            s.push_str(&format!(
                "{} codes; `baseline checks --format markdown` for the documentation\n",
                checks.len()
            ));
            s
        }
    };
    output::emit(args.output.as_deref(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
