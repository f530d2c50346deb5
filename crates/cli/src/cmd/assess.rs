//! `baseline assess IMAGE… [--product P.toml] [--answers A.toml] [--scheme S…]`: parse the
//! arguments, read and check every input (a bad file is exit 2 before any work), call the
//! assessment pipeline (`baseline_pipeline::run`) and render its report.
//!
//! Exit codes: 0 no verdict at or above `--fail-on`, 1 otherwise, 2 usage or input error.

use crate::output;
use crate::progress::Bar;
use anyhow::{Context as _, Result};
use baseline_model::Outcome;
use baseline_pipeline::{Inputs, SiteRequest, VulnDb};
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Report formats of `assess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Html,
    Markdown,
    /// CycloneDX 1.6 JSON SBOM with the vulnerabilities as VEX.
    Cyclonedx,
}

/// Which verdicts make the command exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any requirement failed.
    Fail,
    /// Any requirement failed or is inconclusive.
    Inconclusive,
    /// Always exit 0 once the report is written.
    Never,
}

/// Assess firmware images (several partition files are one product).
///
/// Examples:
///   baseline assess firmware.bin
///   baseline assess fw.bin --product p.toml --answers a.toml --format html -o report.html
///   baseline assess rootfs.bin system.bin --scheme psti --scheme en303645 --format json
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Firmware image(s) of one product.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Product description (see docs/product.md); adds the PSTI scope decision.
    #[arg(long, value_name = "P.toml")]
    product: Option<PathBuf>,
    /// Answers file: EN 303 645 ICS and TS 103 701 IXIT (see docs/answers.md).
    #[arg(long, value_name = "A.toml")]
    answers: Option<PathBuf>,
    /// Schemes to report (repeatable; default every scheme), e.g. psti, en303645, uk-cop.
    #[arg(long = "scheme", value_name = "S")]
    schemes: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Show secrets (password hashes, keys) in full instead of redacted.
    #[arg(long)]
    show_secrets: bool,
    /// Extra password candidates, one per line, tried after the bundled dictionary's best.
    #[arg(long, value_name = "FILE")]
    wordlist: Option<PathBuf>,
    /// Seconds to spend recovering plaintext passwords (0 disables recovery).
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    crack_budget: u64,
    /// Exit 1 when a verdict is at or above this outcome: `fail`, `inconclusive`, `never`.
    #[arg(long, value_enum, default_value = "fail")]
    fail_on: FailOn,
    /// Manufacturer's site: fetch and archive security.txt, the disclosure policy and the
    /// support-period pages (plus the `[disclosure]`/`[support]` URLs of the product file) and
    /// add their DISC/SUPP findings (see docs/site.md). Without it nothing is fetched.
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// Folder for the fetched site evidence (default `baseline-evidence/<host>-<time>/`).
    #[arg(long, value_name = "DIR", requires = "site")]
    site_evidence: Option<PathBuf>,
    /// Trust only this PEM CA bundle when fetching the site (lab and test servers).
    #[arg(long, value_name = "FILE", requires = "site")]
    ca_file: Option<PathBuf>,
    /// Vulnerability store to match components against (default: the `baseline vulndb` store).
    #[arg(long, value_name = "PATH")]
    vulndb: Option<PathBuf>,
    /// Show every piece of evidence and every verdict in text output.
    #[arg(short, long)]
    verbose: bool,
}

pub fn run(args: AssessArgs) -> Result<ExitCode> {
    let mut inputs = Inputs::read(
        &args.images,
        args.product.as_deref(),
        args.answers.as_deref(),
    )?;
    let wordlist = match &args.wordlist {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("reading word list {}", p.display()))?
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect(),
        None => Vec::new(),
    };
    if let Some(url) = &args.site {
        let fetch = crate::common::fetch_options(&[], args.ca_file.as_ref(), None)?;
        let evidence_dir = match &args.site_evidence {
            Some(d) => d.clone(),
            None => {
                let mut input = baseline_site::SiteInput {
                    site: Some(url.clone()),
                    ..baseline_site::SiteInput::default()
                };
                if let Some(p) = &inputs.product {
                    input = input.or(baseline_site::SiteInput::from_product_toml(&p.toml)
                        .with_context(|| format!("in {}", p.origin))?);
                }
                crate::common::default_evidence_dir(&input)
            }
        };
        inputs.site = Some(SiteRequest {
            url: url.clone(),
            evidence_dir,
            fetch,
        });
    }
    let options = baseline_pipeline::Options {
        analysis: baseline_analysis::Options {
            show_secrets: args.show_secrets,
            wordlist,
            crack_budget: Duration::from_secs(args.crack_budget),
        },
        schemes: args.schemes.clone(),
        vulndb: args.vulndb.clone().map_or(VulnDb::Default, VulnDb::At),
        ..baseline_pipeline::Options::default()
    };
    let bar = Bar::new(std::io::stderr().is_terminal());
    let started = std::time::Instant::now();
    let run = baseline_pipeline::run(&inputs, &options, &bar);
    bar.finish();
    let assessment = run?.assessment;
    let t = std::time::Instant::now();
    let registry = baseline_pipeline::registry();
    let rendered = match args.format {
        Format::Json => baseline_report::json::render(&assessment),
        Format::Sarif => baseline_report::sarif::render(&assessment, registry),
        Format::Html => baseline_report::html::render(&assessment, registry),
        Format::Markdown => baseline_report::markdown::render(&assessment),
        Format::Cyclonedx => baseline_report::cyclonedx::render(&assessment),
        Format::Text => baseline_report::text::render(
            &assessment,
            baseline_report::text::TextOptions {
                verbose: args.verbose,
                color: args.output.is_none() && std::io::stdout().is_terminal(),
            },
        ),
    };
    output::emit(args.output.as_deref(), rendered.as_bytes())?;
    bar.timing("render", t.elapsed());
    bar.timing("total", started.elapsed());
    if let Some(path) = &args.output {
        // The report went to a file: say where, and the headline, so the run is not silent.
        let count = |o: Outcome| {
            assessment
                .verdicts
                .iter()
                .filter(|v| v.outcome == o)
                .count()
        };
        eprintln!(
            "wrote {} ({}): {} findings; verdicts: {} fail, {} inconclusive, {} pass",
            path.display(),
            args.format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned()),
            assessment.findings.len(),
            count(Outcome::Fail),
            count(Outcome::Inconclusive),
            count(Outcome::Pass),
        );
    }

    let failed = match args.fail_on {
        FailOn::Never => false,
        FailOn::Fail => assessment
            .verdicts
            .iter()
            .any(|v| v.outcome == Outcome::Fail),
        FailOn::Inconclusive => assessment
            .verdicts
            .iter()
            .any(|v| matches!(v.outcome, Outcome::Fail | Outcome::Inconclusive)),
    };
    Ok(if failed {
        ExitCode::from(crate::EXIT_FAIL)
    } else {
        ExitCode::SUCCESS
    })
}
