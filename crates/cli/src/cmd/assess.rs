//! `baseline assess IMAGE… [--product P.toml] [--answers A.toml] [--scheme S…]`: read and
//! check every input first (a bad file is exit 2 before any work), unpack every image as one
//! product, run the analysers, decide scope, evaluate the verdicts and render the report.
//!
//! Exit codes: 0 no verdict at or above `--fail-on`, 1 otherwise, 2 usage or input error.

use crate::output;
use anyhow::{Context as _, Result};
use baseline_analysis::Options;
use baseline_assess::Answers;
use baseline_catalogue::Catalogue;
use baseline_model::{ArtifactSummary, Assessment, Outcome, Product};
use baseline_unpack::{Limits, NodeId};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
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

/// Inputs read and checked, before any unpacking.
pub(crate) struct Inputs {
    pub product: Option<(Product, serde_json::Value)>,
    pub answers: Option<Answers>,
    pub images: Vec<(String, Bytes)>,
}

pub(crate) fn read_product(path: &Path) -> Result<Product> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading product file {}", path.display()))?;
    Ok(baseline_assess::parse_product(
        &text,
        &path.display().to_string(),
    )?)
}

pub(crate) fn read_inputs(
    images: &[PathBuf],
    product: Option<&Path>,
    answers: Option<&Path>,
) -> Result<Inputs> {
    let product = match product {
        Some(path) => {
            let p = read_product(path)?;
            let decision = baseline_assess::decide(&p);
            let mut value = serde_json::to_value(&p)?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("scope".into(), serde_json::to_value(&decision)?);
            }
            Some((p, value))
        }
        None => None,
    };
    let answers = match answers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading answers file {}", path.display()))?;
            Some(baseline_assess::parse_answers(
                &text,
                &path.display().to_string(),
                Catalogue::embedded(),
            )?)
        }
        None => None,
    };
    let mut inputs = Vec::with_capacity(images.len());
    for path in images {
        let data =
            std::fs::read(path).with_context(|| format!("reading image {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        inputs.push((name, Bytes::from(data)));
    }
    Ok(Inputs {
        product,
        answers,
        images: inputs,
    })
}

/// Unpack and analyse; fill artifacts, findings, components and notices.
pub(crate) fn analyse(
    inputs: &Inputs,
    options: &Options,
    assessment: &mut Assessment,
    progress: bool,
) -> Result<()> {
    if progress {
        eprintln!("unpacking {} input(s)…", inputs.images.len());
    }
    let started = std::time::Instant::now();
    // Compile the analysers' tables and load the catalogue while unpacking, which leaves
    // gaps on the cores (serial stretches between its parallel ones).
    let warm = std::thread::spawn(|| {
        baseline_analysis::warm_up();
        let _ = Catalogue::embedded();
    });
    let unpacked = baseline_unpack::unpack_inputs(&inputs.images, &Limits::default())?;
    let tree = &unpacked.tree;
    timing("unpack", started);
    for (&root, (name, data)) in tree.roots().iter().zip(&inputs.images) {
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
    // Its work is only a head start: analyse and evaluate build what it has not.
    let _ = warm.join();
    let analysis = baseline_analysis::analyse(tree, options);
    if timings_wanted() {
        for (stage, d) in &analysis.timings {
            eprintln!("timing: {stage:<10} {:>8.1} ms", d.as_secs_f64() * 1e3);
        }
    }
    assessment.findings = analysis.findings;
    assessment.components = analysis.components;
    assessment.notices = analysis.notices;
    if let Some((product, _)) = &inputs.product {
        baseline_analysis::comp::device::apply_product(product, &mut assessment.components);
    }
    Ok(())
}

/// `BASELINE_TIMINGS=1`: print each stage's wall time to stderr (for benchmarking).
fn timings_wanted() -> bool {
    std::env::var_os("BASELINE_TIMINGS").is_some_and(|v| v == "1")
}

/// Print the time since `since` for `stage` when timings are wanted.
fn timing(stage: &str, since: std::time::Instant) {
    if timings_wanted() {
        eprintln!(
            "timing: {stage:<10} {:>8.1} ms",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Evaluate the verdicts into `assessment`.
pub(crate) fn evaluate(
    inputs: &Inputs,
    schemes: &[String],
    assessment: &mut Assessment,
) -> Result<baseline_assess::EngineOutput> {
    let product = inputs.product.as_ref().map(|(p, _)| p);
    let scope = product.map(baseline_assess::decide);
    let out = baseline_assess::evaluate(baseline_assess::EngineInput {
        catalogue: Catalogue::embedded(),
        product,
        scope: scope.as_ref(),
        answers: inputs.answers.as_ref(),
        findings: &assessment.findings,
        schemes,
    })?;
    assessment.verdicts = out.verdicts.clone();
    assessment.summary = out.summary.clone();
    assessment.conditions = out.conditions.clone();
    assessment.notices.extend(out.notices.iter().cloned());
    Ok(out)
}

/// Finding-code documentation for SARIF, from the analysis registry.
pub(crate) fn rule_infos() -> Vec<baseline_report::RuleInfo> {
    baseline_analysis::checks()
        .into_iter()
        .map(|c| baseline_report::RuleInfo {
            code: c.code.to_owned(),
            name: c.name.to_owned(),
            summary: c.summary.to_owned(),
            doc: c.doc.to_owned(),
            requirements: c.requirements.iter().map(|r| (*r).to_owned()).collect(),
        })
        .collect()
}

pub fn run(args: AssessArgs) -> Result<ExitCode> {
    // Unknown schemes are usage errors: check before any work.
    for s in &args.schemes {
        Catalogue::embedded().resolve_scheme(s)?;
    }
    let inputs = read_inputs(
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
    let mut assessment = Assessment::new(env!("CARGO_PKG_VERSION"));
    if let Some((_, value)) = &inputs.product {
        assessment.product = value.clone();
    }
    if let Some(a) = &inputs.answers {
        assessment.answers = serde_json::to_value(a)?;
    }
    let options = Options {
        show_secrets: args.show_secrets,
        wordlist,
        crack_budget: Duration::from_secs(args.crack_budget),
    };
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    analyse(&inputs, &options, &mut assessment, progress)?;
    let t = std::time::Instant::now();
    match_vulnerabilities(&mut assessment, args.vulndb.clone())?;
    timing("vulndb", t);
    if let Some(url) = &args.site {
        site_evidence(&args, url, &mut assessment)?;
    }
    let t = std::time::Instant::now();
    evaluate(&inputs, &args.schemes, &mut assessment)?;
    timing("evaluate", t);
    let t = std::time::Instant::now();

    let rendered = match args.format {
        Format::Json => baseline_report::json::render(&assessment),
        Format::Sarif => baseline_report::sarif::render(&assessment, &rule_infos()),
        Format::Html => baseline_report::html::render(&assessment),
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
    timing("render", t);
    timing("total", started);
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
    if status.needs_upgrade() {
        let e = baseline_vulndb::Error::OldFormat {
            path: path.clone(),
            found: status.format,
            want: baseline_vulndb::FORMAT,
        };
        if explicit {
            return Err(e.into());
        }
        assessment
            .notices
            .push(format!("VULN: {e}; known vulnerabilities were not checked"));
        return Ok(());
    }
    if status.is_stale() {
        assessment.notices.push(format!(
            "VULN: the vulnerability store is stale (newest data {} days old); import current NVD/KEV data",
            status.age_days.map_or_else(|| "?".to_owned(), |d| d.to_string())
        ));
    }
    assessment.vulnerabilities = store.match_components(&assessment.components)?;
    // Matches the evidence does not rule out become VULN findings the rules weigh.
    assessment.findings.extend(baseline_vulndb::findings(
        &assessment.components,
        &assessment.vulnerabilities,
    ));
    assessment
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(())
}

/// Fetch the manufacturer's published information, archive it, and add its findings.
fn site_evidence(args: &AssessArgs, url: &str, assessment: &mut Assessment) -> Result<()> {
    use baseline_site::SiteInput;
    let cli = SiteInput {
        site: Some(url.to_owned()),
        ..SiteInput::default()
    };
    let input = match &args.product {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            cli.or(SiteInput::from_product_toml(&text)
                .with_context(|| format!("in {}", p.display()))?)
        }
        None => cli,
    };
    let dir = match &args.site_evidence {
        Some(d) => d.clone(),
        None => crate::cmd::site::default_evidence_dir(&input),
    };
    if dir.join("index.json").exists() {
        anyhow::bail!(
            "{} already holds an archive; choose another --site-evidence folder",
            dir.display()
        );
    }
    let opts = crate::cmd::security_txt::fetch_options(&[], args.ca_file.as_ref(), None)?;
    let report = baseline_site::check(&input, &opts, &[])?;
    if let Some(a) = &report.archive {
        a.write(&dir)
            .with_context(|| format!("writing site evidence to {}", dir.display()))?;
    }
    assessment.notices.push(format!(
        "site evidence for {url} archived in {} (re-check offline: baseline site --from-dir)",
        dir.display()
    ));
    assessment.findings.extend(report.findings);
    assessment
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(())
}
