//! `baseline unpack`: extract firmware images into a directory, or list what they contain.
//!
//! The engine, the listing and the confined writer live in `baseline-unpack`; this command
//! reads the inputs, sets the limits from flags, shows progress on a terminal and renders.

use crate::output::TextOrJson;
use anyhow::{Context, Result};
use baseline_unpack::listing::{self, ListEntry};
use baseline_unpack::writer::{self, WriteOptions};
use baseline_unpack::{Engine, Limits};
use bytes::Bytes;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Extract firmware images (in process, no external tools) or list their contents.
///
/// Several images are unpacked as one product (e.g. the partitions of one device).
///
/// Examples:
///   baseline unpack fw.bin -o fw-out
///   baseline unpack --list --format json kernel.bin rootfs.bin
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Firmware image file(s) of one product.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Write every extracted node under DIR (must be missing or empty), with manifest.json.
    #[arg(short, long, value_name = "DIR", required_unless_present = "list")]
    output: Option<PathBuf>,
    /// Write into DIR even if it is not empty (existing files are never overwritten).
    #[arg(long, requires = "output")]
    force: bool,
    /// Print the tree instead of (or as well as) writing it.
    #[arg(long)]
    list: bool,
    /// Listing format.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
    /// Limit: total bytes extracted (suffixes K, M, G accepted).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "4G")]
    max_total_bytes: u64,
    /// Limit: output/input ratio of one decompressed stream or file system.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio)]
    max_ratio: u64,
    /// Limit: nesting depth of containers inside containers.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: u32,
    /// Limit: nodes in the tree.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_nodes)]
    max_nodes: u64,
    /// Limit: seconds the parsers may spend on one node.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().time_per_node.as_secs_f64())]
    time_per_node: f64,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("not a size: {s:?} (e.g. 512M, 4G)"))
}

impl Args {
    fn limits(&self) -> Result<Limits> {
        anyhow::ensure!(
            self.time_per_node.is_finite() && self.time_per_node > 0.0,
            "--time-per-node must be a positive number of seconds"
        );
        Ok(Limits {
            max_total_bytes: self.max_total_bytes,
            max_ratio: self.max_ratio,
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            time_per_node: Duration::from_secs_f64(self.time_per_node),
            ..Limits::default()
        })
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let limits = args.limits()?;
    let mut inputs = Vec::with_capacity(args.images.len());
    for path in &args.images {
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        inputs.push((name, Bytes::from(data)));
    }

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(Duration::from_millis(120));
        b.set_message("unpacking");
        b
    });
    let progress = |p: &baseline_unpack::Progress| {
        if let Some(b) = &bar {
            b.set_message(format!(
                "unpacking: level {}, {} nodes, {} MiB extracted, {} queued",
                p.generation,
                p.nodes,
                p.extracted_bytes >> 20,
                p.queued
            ));
        }
    };
    let unpacked = Engine::new(limits).unpack_inputs_with_progress(&inputs, &progress)?;
    let tree = &unpacked.tree;

    if args.list {
        if let Some(b) = &bar {
            b.set_message("hashing");
        }
        let hashes = listing::sha256_all(tree);
        let entries = listing::list(tree, &hashes);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let mut out = std::io::stdout().lock();
        match args.format {
            TextOrJson::Json => {
                serde_json::to_writer_pretty(&mut out, &entries)?;
                writeln!(out)?;
            }
            TextOrJson::Text => {
                for e in &entries {
                    writeln!(out, "{}", text_line(e))?;
                }
            }
        }
    }

    if let Some(dir) = &args.output {
        if let Some(b) = &bar {
            b.set_message(format!("writing {}", dir.display()));
        }
        let manifest = writer::write_tree(tree, dir, &WriteOptions { force: args.force })?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let r = &manifest.report;
        eprintln!(
            "wrote {} files ({} bytes), {} directories, {} symlinks to {}; {} recorded in the manifest only, {} skipped (see {}/{})",
            r.files,
            r.bytes,
            r.dirs,
            r.symlinks,
            dir.display(),
            r.manifest_only,
            r.skipped,
            dir.display(),
            writer::MANIFEST_NAME
        );
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if unpacked.stats.limit_hits > 0 {
        eprintln!(
            "note: limits were hit {} time(s); see the notes in the listing or manifest",
            unpacked.stats.limit_hits
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `KIND  SIZE  PATH [-> TARGET] [FORMAT]`, one node per line.
fn text_line(e: &ListEntry) -> String {
    let mut line = format!(
        "{:<7} {:>10}  {}",
        e.kind,
        e.size.map(|s| s.to_string()).unwrap_or_default(),
        e.path
    );
    if let Some(t) = &e.target {
        line.push_str(" -> ");
        line.push_str(t);
    }
    if let Some(f) = e.format {
        line.push_str(&format!("  [{f}]"));
    }
    if let Some(d) = &e.device {
        line.push_str(&format!("  ({d})"));
    }
    if e.root_fs {
        line.push_str("  (root file system)");
    }
    line
}
