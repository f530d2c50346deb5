//! `baseline statement --product P.toml --assessment REPORT.json [--format …] [-o FILE]`:
//! the PSTI statement of compliance (docs/statement.md). Refuses with exit 1, printing the
//! reasons and writing nothing, when a PSTI requirement failed or a Schedule 4 item is missing.

use crate::output;
use anyhow::{bail, Result};
use baseline_report::statement;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatementFormat {
    Html,
    Markdown,
    Json,
    Pdf,
}

/// Produce the PSTI statement of compliance from a product file and an assessment.
///
/// Example: baseline statement --product p.toml --assessment report.json -o statement.html
#[derive(Debug, Args)]
pub struct StatementArgs {
    /// Product description with `[statement]` (signatory, place, date) and `product.batch`.
    #[arg(long, value_name = "P.toml")]
    product: PathBuf,
    /// An assessment written by `baseline assess --format json`.
    #[arg(long, value_name = "REPORT.json")]
    assessment: PathBuf,
    #[arg(long, value_enum, default_value = "html")]
    format: StatementFormat,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: StatementArgs) -> Result<ExitCode> {
    let product = baseline_pipeline::ProductInput::read(&args.product)?.product;
    let assessment = baseline_pipeline::read_assessment(&args.assessment)?;
    let s = statement::build(&product, &assessment);
    if s.refused() {
        eprintln!("statement of compliance refused:");
        for r in &s.refusals {
            eprintln!("  - {r}");
        }
        return Ok(ExitCode::from(crate::EXIT_FAIL));
    }
    let rendered: Vec<u8> = match args.format {
        StatementFormat::Html => statement::render_html(&s).into_bytes(),
        StatementFormat::Markdown => statement::render_markdown(&s).into_bytes(),
        StatementFormat::Json => statement::render_json(&s).into_bytes(),
        StatementFormat::Pdf => baseline_report::statement_pdf::render(&s),
    };
    if args.format == StatementFormat::Pdf
        && args.output.is_none()
        && std::io::stdout().is_terminal()
    {
        bail!("refusing to write PDF to a terminal; use -o FILE");
    }
    output::emit(args.output.as_deref(), &rendered)?;
    for c in &s.to_confirm {
        eprintln!("to confirm: {c}");
    }
    Ok(ExitCode::SUCCESS)
}
