//! `baseline site URL`: fetch the manufacturer's security.txt, disclosure policy and support
//! period pages, archive them as evidence, and judge PSTI Sch. 1 paras 2 and 3.
//!
//! Exit codes: 0 neither paragraph failed (pass or inconclusive), 1 para 2 or para 3 failed,
//! 2 usage or input error (unreadable product file, archive, key or CA file).

use crate::common::{default_evidence_dir, fetch_options, parse_now};
use crate::output::{emit, TextOrJson};
use anyhow::{bail, Context, Result};
use baseline_model::Outcome;
use baseline_site::{Archive, SiteInput, SiteReport};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baseline site https://www.example.com --product product.toml\n  \
    baseline site https://www.example.com --policy-url https://www.example.com/security \\\n      \
    --support-url https://www.example.com/support-period --purchase-url https://shop.example.com/cam\n  \
    baseline site --from-dir baseline-evidence/www.example.com-20250101T000000Z\n  \
    baseline site https://www.example.com --product p.toml --previous baseline-evidence/old-run\n\n\
    Exit codes: 0 no paragraph failed, 1 para 2 or 3 failed, 2 usage or input error."
)]
pub struct Args {
    /// The manufacturer's site (security.txt is looked for at its origin).
    pub url: Option<String>,
    /// Product file: URLs from its [disclosure] and [support] tables (see docs/site.md).
    #[arg(long, value_name = "P.toml")]
    pub product: Option<PathBuf>,
    /// The vulnerability disclosure policy page.
    #[arg(long, value_name = "URL")]
    pub policy_url: Option<String>,
    /// security.txt, when not at /.well-known/security.txt of the site.
    #[arg(long, value_name = "URL")]
    pub security_txt_url: Option<String>,
    /// The page publishing the defined support period.
    #[arg(long, value_name = "URL")]
    pub support_url: Option<String>,
    /// A page inviting purchase of the product (repeatable).
    #[arg(long = "purchase-url", value_name = "URL")]
    pub purchase_urls: Vec<String>,
    /// Where to archive the evidence (default ./baseline-evidence/<host>-<timestamp>/).
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
    /// Re-judge an archive offline instead of fetching (as of its fetch time unless --now).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["url", "product", "policy_url", "security_txt_url", "support_url", "purchase_urls", "evidence"])]
    pub from_dir: Option<PathBuf>,
    /// An earlier archive to compare the support period with (repeatable).
    #[arg(long, value_name = "DIR")]
    pub previous: Vec<PathBuf>,
    /// OpenPGP public key for the security.txt signature (repeatable).
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Trust this PEM CA instead of the public roots (labs, tests).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Judge as of this RFC 3339 time.
    #[arg(long)]
    pub now: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Largest body kept per page, in bytes (larger ones are cut off and marked truncated).
    #[arg(long, default_value_t = 5 * 1024 * 1024)]
    pub max_size: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Write the report here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let now = parse_now(args.now.as_deref())?;
    let previous = args
        .previous
        .iter()
        .map(|d| Archive::load(d).with_context(|| format!("loading --previous {}", d.display())))
        .collect::<Result<Vec<_>>>()?;
    let (report, evidence_dir) = if let Some(dir) = &args.from_dir {
        let r = baseline_site::check_archive(dir, now, &previous)
            .with_context(|| format!("re-checking {}", dir.display()))?;
        (r, dir.clone())
    } else {
        let cli = SiteInput {
            site: args.url.clone(),
            security_txt_url: args.security_txt_url.clone(),
            policy_url: args.policy_url.clone(),
            support_url: args.support_url.clone(),
            purchase_urls: args.purchase_urls.clone(),
        };
        let input = match &args.product {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                cli.or(SiteInput::from_product_toml(&text)
                    .with_context(|| format!("in {}", p.display()))?)
            }
            None => cli,
        };
        if input.site.is_none()
            && input.policy_url.is_none()
            && input.support_url.is_none()
            && input.security_txt_url.is_none()
            && input.purchase_urls.is_empty()
        {
            bail!("give the manufacturer's URL, a product file with [disclosure]/[support] URLs, or --from-dir");
        }
        let mut opts = fetch_options(&args.keys, args.ca_file.as_ref(), now)?;
        opts.timeout = std::time::Duration::from_secs(args.timeout.max(1));
        opts.connect_timeout = opts.timeout.min(std::time::Duration::from_secs(10));
        opts.max_body = args.max_size;
        let dir = match &args.evidence {
            Some(d) => d.clone(),
            None => default_evidence_dir(&input),
        };
        if dir.join("index.json").exists() {
            bail!(
                "{} already holds an archive; choose another --evidence folder",
                dir.display()
            );
        }
        let report = baseline_site::check(&input, &opts, &previous)?;
        if let Some(a) = &report.archive {
            a.write(&dir)
                .with_context(|| format!("writing evidence to {}", dir.display()))?;
        }
        (report, dir)
    };
    let out = match args.format {
        TextOrJson::Json => {
            let mut doc = serde_json::to_value(&report)?;
            if let Some(o) = doc.as_object_mut() {
                o.insert(
                    "evidence_dir".into(),
                    serde_json::json!(evidence_dir.display().to_string()),
                );
            }
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
        TextOrJson::Text => render_text(&report, &evidence_dir),
    };
    emit(args.output.as_deref(), out.as_bytes())?;
    let failed =
        report.disclosure.outcome == Outcome::Fail || report.support.outcome == Outcome::Fail;
    Ok(if failed {
        ExitCode::from(crate::EXIT_FAIL)
    } else {
        ExitCode::SUCCESS
    })
}

fn render_text(r: &SiteReport, evidence: &Path) -> String {
    let mut s = format!(
        "baseline site: judged as of {}\nevidence: {} ({} resources)\n\n",
        r.judged_at,
        evidence.display(),
        r.resources.len()
    );
    for (label, v) in [
        (
            "PSTI Sch. 1 para 2, disclosure (psti:sch1-p2)",
            &r.disclosure,
        ),
        (
            "PSTI Sch. 1 para 3, support period (psti:sch1-p3)",
            &r.support,
        ),
    ] {
        s.push_str(&format!(
            "{label}: {}\n  {}\n",
            v.outcome.as_str().to_uppercase(),
            v.rationale
        ));
    }
    if !r.quotes.is_empty() {
        s.push_str("\nquoted:\n");
        for q in &r.quotes {
            s.push_str(&format!("  {}: \"{}\" ({})\n", q.kind, q.text, q.url));
        }
    }
    if let Some(t) = &r.security_txt {
        s.push_str(&format!(
            "\nsecurity.txt: {} ({} errors)\n",
            t.final_url,
            t.report.errors()
        ));
    }
    s.push_str(&format!("\nfindings ({}):\n", r.findings.len()));
    for f in &r.findings {
        s.push_str(&format!(
            "  [{}] {} {}: {}\n",
            f.severity.as_str(),
            f.code,
            f.name,
            f.title
        ));
    }
    s
}
