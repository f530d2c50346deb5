//! `baseline scope PRODUCT.toml`: the PSTI scope decision for a described product. Reads the
//! file and renders; the parsing, checks and rules are `baseline-assess`'s. Exit code 0
//! whatever the outcome (it is information); 2 for an unreadable or invalid description.

use crate::output::{emit, TextOrJson};
use anyhow::{Context, Result};
use baseline_assess::{decide, parse_product};
use baseline_model::{Product, ScopeDecision};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Product description (TOML; see docs/product.md and examples/)
    product: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
    /// Write to FILE (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.product)
        .with_context(|| format!("reading {}", args.product.display()))?;
    let product = parse_product(&text, &args.product.display().to_string())?;
    let decision = decide(&product);
    let content = match args.format {
        TextOrJson::Json => serde_json::to_string_pretty(&decision)? + "\n",
        TextOrJson::Text => render_text(&product, &decision),
    };
    emit(args.output.as_deref(), content.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn render_text(p: &Product, d: &ScopeDecision) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (model {}, {}) by {}",
        p.product.name,
        p.product.model,
        p.product.category.as_str(),
        p.manufacturer.name
    );
    let _ = writeln!(out, "outcome: {}", d.outcome.as_str());
    let _ = writeln!(out, "\nrules applied, in order (the last one decided):");
    for (i, r) in d.reasons.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, r.citation);
        let _ = writeln!(out, "     {}", r.text);
        if r.uncertain {
            let _ = writeln!(
                out,
                "     [uncertain: this rule was not confirmed against the primary legal text]"
            );
        }
    }
    out
}
