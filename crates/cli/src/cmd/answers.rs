//! `baseline answers template [--product P.toml] [IMAGE…] [-o FILE]`: write an answers file
//! (docs/answers.md) to fill in, pre-filled with what the automated evidence already says.
//! The evidence is `baseline assess`'s own (the same pipeline call, vulnerability matching
//! included), so a template never disagrees with the report it goes with.

use crate::output;
use crate::progress::Bar;
use anyhow::Result;
use baseline_catalogue::Catalogue;
use baseline_pipeline::{Inputs, VulnDb};
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

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
        /// Vulnerability store to match components against (default: the `baseline vulndb` store).
        #[arg(long, value_name = "PATH")]
        vulndb: Option<PathBuf>,
    },
}

pub fn run(args: AnswersArgs) -> Result<ExitCode> {
    match args.command {
        AnswersCommand::Template {
            product,
            images,
            output: out,
            vulndb,
        } => {
            let inputs = Inputs::read(&images, product.as_deref(), None)?;
            let options = baseline_pipeline::Options {
                schemes: vec!["en303645".to_owned()],
                vulndb: vulndb.map_or(VulnDb::Default, VulnDb::At),
                ..baseline_pipeline::Options::default()
            };
            let bar = Bar::new(std::io::stderr().is_terminal());
            let run = baseline_pipeline::run(&inputs, &options, &bar);
            bar.finish();
            let run = run?;
            let text = baseline_assess::answers_template::render(
                Catalogue::embedded(),
                inputs.product.as_ref().map(|p| &p.product),
                &run.engine,
            );
            output::emit(out.as_deref(), text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
