//! `baseline answers template [--product P.toml] [IMAGE…] [-o FILE]`: write an answers file
//! (docs/answers.md) to fill in, pre-filled with what the automated evidence already says.

use crate::cmd::assess::{analyse, evaluate, read_inputs};
use crate::output;
use anyhow::Result;
use baseline_analysis::Options;
use baseline_catalogue::Catalogue;
use baseline_model::Assessment;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Work with answers files (EN 303 645 ICS and TS 103 701 IXIT).
#[derive(Debug, Args)]
pub struct AnswersArgs {
    #[command(subcommand)]
    command: AnswersCommand,
}

#[derive(Debug, Subcommand)]
enum AnswersCommand {
    /// Write an answers template, pre-filled from the firmware evidence when images are given.
    ///
    /// Example: baseline answers template --product p.toml firmware.bin -o answers.toml
    Template {
        /// Product description (see docs/product.md).
        #[arg(long, value_name = "P.toml")]
        product: Option<PathBuf>,
        /// Firmware image(s) whose evidence pre-fills the template.
        #[arg(value_name = "IMAGE")]
        images: Vec<PathBuf>,
        /// Write to FILE (atomically) instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(args: AnswersArgs) -> Result<ExitCode> {
    match args.command {
        AnswersCommand::Template {
            product,
            images,
            output: out,
        } => {
            let inputs = read_inputs(&images, product.as_deref(), None)?;
            let mut assessment = Assessment::new(env!("CARGO_PKG_VERSION"));
            if !inputs.images.is_empty() {
                let options = Options {
                    show_secrets: false,
                    wordlist: Vec::new(),
                    crack_budget: Duration::from_secs(0),
                };
                analyse(&inputs, &options, &mut assessment, false)?;
            }
            let engine = evaluate(&inputs, &["en303645".to_owned()], &mut assessment)?;
            let text = baseline_assess::answers_template::render(
                Catalogue::embedded(),
                inputs.product.as_ref().map(|(p, _)| p),
                &engine,
            );
            output::emit(out.as_deref(), text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
