//! `baseline sweep submit|run|status|report|list`: market-surveillance sweeps on the register's
//! job queue (docs/sweep.md). The work is in `baseline_register::sweep`; this module reads
//! arguments, prints and picks the renderer.

use crate::output::write_atomic;
use anyhow::{Context as _, Result};
use baseline_register::jobs::Worked;
use baseline_register::Register;
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Sweeps: assess many products' firmware on any number of workers, then compare them.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// The register: a SQLite file (created when missing) or a postgres:// URL that several
    /// machines' workers share. Default: $BASELINE_DATABASE, else ./baseline-register.db.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Queue a sweep from a manifest (JSON Lines or CSV; docs/schema/sweep-manifest.schema.json)
    /// and print its id. Images already assessed by this Baseline version are not queued again.
    ///
    /// Example: baseline sweep submit cameras.jsonl --database postgres://db/register
    Submit {
        manifest: PathBuf,
        /// A name for the sweep (default: the manifest's file name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Submit and work the sweep in this process with N workers, then print its status.
    ///
    /// Example: baseline sweep run cameras.jsonl --jobs 2
    Run {
        manifest: PathBuf,
        #[arg(long)]
        name: Option<String>,
        /// Workers in this process.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
    },
    /// Counts per state, pace and time left; `--watch` redraws until the sweep is finished.
    ///
    /// Example: baseline sweep status SWEEP-0a1b2c3d4e5f --watch
    Status {
        sweep: String,
        #[arg(long, value_enum, default_value = "text")]
        format: StatusFormat,
        /// Redraw every 2 seconds until nothing is queued or running.
        #[arg(long)]
        watch: bool,
    },
    /// Per-product verdicts, the market picture and what products share.
    ///
    /// Example: baseline sweep report SWEEP-0a1b2c3d4e5f --format html -o sweep.html
    Report {
        sweep: String,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
        /// Write here (atomically) instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Open one register case per product failing a PSTI requirement, with its images and
    /// assessments as evidence; products with a case keep it (running it again opens none).
    ///
    /// Example: baseline sweep cases SWEEP-0a1b2c3d4e5f --fail-on psti --dry-run
    Cases {
        sweep: String,
        /// The scheme whose failures open a case (only `psti` for now).
        #[arg(long, default_value = "psti")]
        fail_on: String,
        /// Say which cases would be opened; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every sweep, newest first.
    List,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Json,
    Csv,
}

fn worker_name(i: usize) -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!("{}-{}-{i}", host.trim(), std::process::id())
}

fn actor() -> String {
    std::env::var("USER")
        .ok()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "cli".to_owned())
}

async fn submit(r: &Register, manifest: &PathBuf, name: Option<String>) -> Result<String> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let shown = manifest.display().to_string();
    let base = manifest
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let name = name.unwrap_or_else(|| {
        manifest
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone())
    });
    let s = r
        .submit_sweep(
            jiff::Timestamp::now(),
            &actor(),
            &name,
            &text,
            &shown,
            &base,
        )
        .await?;
    eprintln!(
        "sweep {}: {} products, {} distinct images queued or reused",
        s.id, s.products, s.images
    );
    Ok(s.id)
}

fn status_text(s: &baseline_register::sweep::SweepStatus) -> String {
    let mut out = format!(
        "{}: {} products, {} images: {} done ({} reused), {} queued, {} running, {} failed",
        s.sweep, s.products, s.images, s.done, s.reused, s.queued, s.running, s.failed
    );
    if let Some(rate) = s.per_second {
        out.push_str(&format!("; {rate:.2} images/s"));
    }
    if let (Some(eta), true) = (s.eta_seconds, s.queued + s.running > 0) {
        out.push_str(&format!("; about {eta:.0} s left"));
    }
    for (sha, name, err) in &s.errors {
        out.push_str(&format!("\n  failed: {name} ({sha}): {err}"));
    }
    out
}

pub fn run(args: Args) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let database = args
        .database
        .clone()
        .or_else(|| {
            std::env::var("BASELINE_DATABASE")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_else(|| baseline_register::DEFAULT_DATABASE.to_owned());
    let code = rt.block_on(async {
        let r = Register::open(&database, None).await?;
        match args.command {
            Command::Submit { manifest, name } => {
                println!("{}", submit(&r, &manifest, name).await?);
                anyhow::Ok(ExitCode::SUCCESS)
            }
            Command::Run {
                manifest,
                name,
                jobs,
            } => {
                let id = submit(&r, &manifest, name).await?;
                let mut handles = Vec::new();
                for i in 0..jobs.max(1) {
                    let r = r.clone();
                    handles.push(tokio::spawn(async move {
                        let name = worker_name(i);
                        let clock = || jiff::Timestamp::now();
                        loop {
                            match r.work_one(&name, &clock).await {
                                Ok(Worked::Idle) => break Ok(()),
                                Ok(Worked::Ended(j)) => {
                                    eprintln!("{}", baseline_server::job_line(&j))
                                }
                                Err(e) => break Err(e),
                            }
                        }
                    }));
                }
                for h in handles {
                    h.await.context("a worker stopped")??;
                }
                let s = r.sweep_status(&id).await?;
                eprintln!("{}", status_text(&s));
                println!("{id}");
                Ok(if s.failed > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                })
            }
            Command::Status {
                sweep,
                format,
                watch,
            } => {
                let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let bar = (watch && tty).then(|| {
                    let b = indicatif::ProgressBar::new(0);
                    b.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{bar:40} {pos}/{len} images {msg}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    b
                });
                loop {
                    let s = r.sweep_status(&sweep).await?;
                    let finished = s.queued + s.running == 0;
                    match (&bar, format) {
                        (Some(b), _) => {
                            b.set_length(s.images as u64);
                            b.set_position((s.done + s.failed) as u64);
                            b.set_message(format!(
                                "{} running, {} failed{}",
                                s.running,
                                s.failed,
                                s.eta_seconds
                                    .map(|e| format!(", about {e:.0} s left"))
                                    .unwrap_or_default()
                            ));
                        }
                        (None, StatusFormat::Json) if !watch || finished => {
                            println!("{}", serde_json::to_string_pretty(&s)?)
                        }
                        (None, StatusFormat::Text) => println!("{}", status_text(&s)),
                        (None, StatusFormat::Json) => {}
                    }
                    if !watch || finished {
                        if let Some(b) = bar {
                            b.finish();
                            println!("{}", status_text(&s));
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
            }
            Command::Report {
                sweep,
                format,
                output,
            } => {
                let rep = r.sweep_report(&sweep).await?;
                let text = match format {
                    ReportFormat::Json => serde_json::to_string_pretty(&rep)? + "\n",
                    ReportFormat::Csv => rep.to_csv(),
                    ReportFormat::Html => rep.to_html(),
                };
                match output {
                    Some(p) => {
                        write_atomic(&p, text.as_bytes())?;
                        eprintln!("wrote {}", p.display());
                    }
                    None => print!("{text}"),
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Cases {
                sweep,
                fail_on,
                dry_run,
            } => {
                if fail_on != "psti" {
                    anyhow::bail!("--fail-on {fail_on}: only psti opens cases for now");
                }
                let cases = r
                    .sweep_cases(jiff::Timestamp::now(), &actor(), &sweep, dry_run)
                    .await?;
                for c in &cases {
                    let what = match (&c.case_id, c.existing) {
                        (Some(id), true) => format!("{id} (already open)"),
                        (Some(id), false) => format!("{id} opened"),
                        (None, _) => "would open a case".to_owned(),
                    };
                    println!(
                        "line {}\t{} {}\t{}\tfails {}",
                        c.line,
                        c.brand,
                        c.model,
                        what,
                        c.failures.join(", ")
                    );
                }
                eprintln!(
                    "{} failing products; {} cases opened now",
                    cases.len(),
                    cases
                        .iter()
                        .filter(|c| c.case_id.is_some() && !c.existing)
                        .count()
                );
                Ok(ExitCode::SUCCESS)
            }
            Command::List => {
                for s in r.sweeps().await? {
                    println!(
                        "{}\t{}\t{} products\t{} images\t{}",
                        s.id, s.created_at, s.products, s.images, s.name
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })?;
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    Ok(code)
}
