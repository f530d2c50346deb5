//! `baseline assess IMAGE… [--product P.toml]`: unpack every input as one product, run the
//! analysers, decide scope when a product file is given, and render the assessment.

use crate::output;
use anyhow::{Context as _, Result};
use baseline_analysis::Options;
use baseline_model::{ArtifactSummary, Assessment, Severity};
use baseline_unpack::{Limits, NodeId};
use bytes::Bytes;
use clap::Args;
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Assess firmware images (several partition files are one product).
///
/// Examples:
///   baseline assess firmware.bin
///   baseline assess rootfs.bin system.bin --product camera.toml --format json -o report.json
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Firmware image(s) of one product.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Product description (see docs/product.md); adds the PSTI scope decision.
    #[arg(long, value_name = "P.toml")]
    product: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: AssessFormat,
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
    /// Exit with 1 when a finding at or above this severity exists (`never` to always exit 0).
    #[arg(long, default_value = "high", value_parser = ["critical", "high", "medium", "low", "info", "never"])]
    fail_on: String,
    /// Vulnerability store to match components against (default: the `baseline vulndb` store).
    #[arg(long, value_name = "PATH")]
    vulndb: Option<PathBuf>,
    /// Show every piece of evidence in text output.
    #[arg(short, long)]
    verbose: bool,
}

/// Output formats of `assess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AssessFormat {
    Text,
    Json,
    /// CycloneDX 1.6 JSON SBOM with the vulnerabilities as VEX.
    Cyclonedx,
}

pub fn run(args: AssessArgs) -> Result<ExitCode> {
    let mut assessment = Assessment::new(env!("CARGO_PKG_VERSION"));
    let mut parsed_product = None;

    if let Some(path) = &args.product {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading product file {}", path.display()))?;
        let product = baseline_assess::parse_product(&text, &path.display().to_string())?;
        let decision = baseline_assess::decide(&product);
        parsed_product = Some(product.clone());
        let mut value = serde_json::to_value(&product)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("scope".into(), serde_json::to_value(&decision)?);
        }
        assessment.product = value;
    }

    let mut inputs = Vec::with_capacity(args.images.len());
    for path in &args.images {
        let data =
            std::fs::read(path).with_context(|| format!("reading image {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        inputs.push((name, Bytes::from(data)));
    }

    let wordlist = match &args.wordlist {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("reading word list {}", p.display()))?
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect(),
        None => Vec::new(),
    };

    let progress = std::io::stderr().is_terminal();
    if progress {
        eprintln!("unpacking {} input(s)…", inputs.len());
    }
    let unpacked = baseline_unpack::unpack_inputs(&inputs, &Limits::default())?;
    let tree = &unpacked.tree;
    for (&root, (name, data)) in tree.roots().iter().zip(&inputs) {
        assessment.artifacts.push(ArtifactSummary {
            sha256: hex::encode(Sha256::digest(data)),
            size: data.len() as u64,
            name: tree
                .get(root)
                .map(|n| n.name.clone())
                .unwrap_or(name.clone()),
            format: outer_format(tree, root),
        });
    }
    if progress {
        eprintln!(
            "unpacked {} nodes ({} bytes); analysing…",
            tree.len(),
            unpacked.stats.extracted_bytes
        );
    }

    let options = Options {
        show_secrets: args.show_secrets,
        wordlist,
        crack_budget: Duration::from_secs(args.crack_budget),
    };
    let analysis = baseline_analysis::analyse(tree, &options);
    assessment.findings = analysis.findings;
    assessment.components = analysis.components;
    assessment.notices = analysis.notices;
    if let Some(product) = &parsed_product {
        baseline_analysis::comp::device::apply_product(product, &mut assessment.components);
    }
    match_vulnerabilities(&mut assessment, args.vulndb.clone())?;

    let rendered = match args.format {
        AssessFormat::Json => baseline_report::json::render(&assessment),
        AssessFormat::Cyclonedx => baseline_report::cyclonedx::render(&assessment),
        AssessFormat::Text => baseline_report::text::render(
            &assessment,
            baseline_report::text::TextOptions {
                verbose: args.verbose,
                color: args.output.is_none() && std::io::stdout().is_terminal(),
            },
        ),
    };
    output::emit(args.output.as_deref(), rendered.as_bytes())?;

    let threshold = match args.fail_on.as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "info" => Some(Severity::Info),
        _ => None,
    };
    let failed = threshold.is_some_and(|t| assessment.findings.iter().any(|f| f.severity >= t));
    Ok(if failed {
        ExitCode::from(crate::EXIT_FAIL)
    } else {
        ExitCode::SUCCESS
    })
}

/// The format identified for the input itself, or for a structure spanning it.
fn outer_format(tree: &baseline_unpack::ArtifactTree, root: NodeId) -> Option<String> {
    let node = tree.get(root)?;
    if let Some(f) = node.format {
        return Some(f.to_owned());
    }
    node.children
        .first()
        .and_then(|c| tree.get(*c))
        .filter(|c| c.offset == Some(0))
        .and_then(|c| c.format)
        .map(str::to_owned)
}

/// Match components against the vulnerability store (`--vulndb`, else the default store when
/// present); a missing or stale store is a notice, never an error.
fn match_vulnerabilities(assessment: &mut Assessment, db: Option<PathBuf>) -> Result<()> {
    let explicit = db.is_some();
    let Ok(path) = crate::cmd::vulndb::store_path(db) else {
        assessment
            .notices
            .push("VULN: no vulnerability store (no data directory); known vulnerabilities were not checked".into());
        return Ok(());
    };
    let store = match baseline_vulndb::Store::open(&path) {
        Ok(s) => s,
        Err(baseline_vulndb::Error::Absent(p)) => {
            if explicit {
                anyhow::bail!("no vulnerability store at {}", p.display());
            }
            assessment.notices.push(format!(
                "VULN: no vulnerability store at {} (run `baseline vulndb import`); known vulnerabilities were not checked",
                p.display()
            ));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let status = store.status(crate::cmd::vulndb::now())?;
    if status.is_stale() {
        assessment.notices.push(format!(
            "VULN: the vulnerability store is stale (newest data {} days old); import current NVD/KEV data",
            status.age_days.map_or_else(|| "?".to_owned(), |d| d.to_string())
        ));
    }
    assessment.vulnerabilities = store.match_components(&assessment.components)?;
    Ok(())
}
