//! `baseline vulndb import PATH…` and `baseline vulndb status`: the offline vulnerability
//! store (see docs/vulndb.md). Nothing is fetched from the network.

use crate::output::TextOrJson;
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Manage the offline vulnerability store (NVD 2.0, OSV, CISA KEV, EPSS).
///
/// Examples:
///   baseline vulndb import nvdcve-2.0-2024.json.gz known_exploited_vulnerabilities.csv epss.csv.gz
///   baseline vulndb status
#[derive(Debug, Args)]
pub struct VulndbArgs {
    #[command(subcommand)]
    command: VulndbCommand,
}

#[derive(Debug, Subcommand)]
enum VulndbCommand {
    /// Import data files or directories (re-importing updates records, never duplicates).
    Import {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Store file (default: $XDG_DATA_HOME/baseline/vulndb/store.redb).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Say what the store holds and how old it is (exit 1 when stale, absent or in an older
    /// format that needs `import` to upgrade it).
    Status {
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
}

/// The store path: `--db`, else the default.
pub fn store_path(db: Option<PathBuf>) -> Result<PathBuf> {
    match db {
        Some(p) => Ok(p),
        None => baseline_vulndb::default_path()
            .context("no data directory; pass --db PATH or set XDG_DATA_HOME"),
    }
}

pub fn now() -> i64 {
    baseline_pipeline::unix_now()
}

pub fn run(args: VulndbArgs) -> Result<ExitCode> {
    match args.command {
        VulndbCommand::Import { paths, db } => {
            let path = store_path(db)?;
            let store = baseline_vulndb::Store::create(&path)?;
            let started = std::time::Instant::now();
            let stats = store.import_paths(&paths, now())?;
            println!(
                "imported {} file(s) into {} in {:.1}s: {} NVD, {} OSV, {} KEV, {} EPSS records",
                stats.files,
                path.display(),
                started.elapsed().as_secs_f64(),
                stats.nvd,
                stats.osv,
                stats.kev,
                stats.epss
            );
            Ok(ExitCode::SUCCESS)
        }
        VulndbCommand::Status { db, format } => {
            let path = store_path(db)?;
            let store = match baseline_vulndb::Store::open(&path) {
                Ok(s) => s,
                Err(e @ baseline_vulndb::Error::Absent(_)) => {
                    println!("{e}");
                    return Ok(ExitCode::from(crate::EXIT_FAIL));
                }
                Err(e) => return Err(e.into()),
            };
            let st = store.status(now())?;
            match format {
                TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&st)?),
                TextOrJson::Text => {
                    println!("store:        {} ({} bytes)", st.path, st.size_bytes);
                    if st.needs_upgrade() {
                        println!(
                            "format:       {} (OLD: this version reads format {}; run `baseline vulndb import` to upgrade)",
                            st.format,
                            baseline_vulndb::FORMAT
                        );
                    }
                    println!(
                        "records:      {} ({} index entries)",
                        st.cves, st.index_entries
                    );
                    println!(
                        "KEV entries:  {} (catalogue {})",
                        st.kev,
                        st.kev_catalog.as_deref().unwrap_or("-")
                    );
                    println!(
                        "EPSS scores:  {} (scored {})",
                        st.epss,
                        st.epss_date.as_deref().unwrap_or("-")
                    );
                    println!(
                        "newest record modified: {}",
                        st.newest_record.as_deref().unwrap_or("-")
                    );
                    match st.age_days {
                        Some(d) => println!(
                            "age:          {d} days{}",
                            if st.is_stale() {
                                " (STALE: import newer data)"
                            } else {
                                ""
                            }
                        ),
                        None => println!("age:          unknown (no dated data)"),
                    }
                }
            }
            Ok(if st.is_stale() || st.needs_upgrade() {
                ExitCode::from(crate::EXIT_FAIL)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
