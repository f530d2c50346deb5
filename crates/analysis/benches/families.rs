//! How much time each analyser family adds to an assessment of one image.
//!
//! `cargo bench -p baseline-analysis --features test-util --bench families [-- IMAGE…]`
//! (default: the TL-WR841N image of the corpus). Prints the median of 5 runs per stage.
//! A benchmark, not a test: nothing is asserted.

// A bench binary is a front end: printing its figures is its job.
#![allow(clippy::print_stdout)]

use baseline_analysis::{Context, Options};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn time(label: &str, mut f: impl FnMut()) {
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    println!("{label:<28} {:>10.2} ms", median(runs).as_secs_f64() * 1e3);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let files: Vec<std::path::PathBuf> = if args.is_empty() {
        match baseline_analysis::testutil::corpus_dir() {
            Some(c) => vec![c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")],
            None => {
                println!("corpus not found; pass image paths");
                return;
            }
        }
    } else {
        args.iter().map(std::path::PathBuf::from).collect()
    };
    let inputs: Vec<(String, bytes::Bytes)> = files
        .iter()
        .filter_map(|f| {
            let d = std::fs::read(f).ok()?;
            Some((
                f.file_name()?.to_string_lossy().into_owned(),
                bytes::Bytes::from(d),
            ))
        })
        .collect();
    let limits = baseline_unpack::Limits::default();
    let mut tree = None;
    time("unpack", || {
        tree = baseline_unpack::unpack_inputs(&inputs, &limits)
            .ok()
            .map(|u| u.tree);
    });
    let Some(tree) = tree else {
        println!("unpack failed");
        return;
    };
    let opts = Options {
        crack_budget: Duration::from_millis(1),
        ..Options::default()
    };
    time("analyse (all, crack 1 ms)", || {
        let _ = baseline_analysis::analyse(&tree, &opts);
    });
    let ctx = Context::new(&tree, &opts);
    time("svc::run", || {
        let mut out = baseline_analysis::AnalysisOutput::default();
        baseline_analysis::svc::run(&ctx, &mut out);
    });
    time("hard::run", || {
        let mut out = baseline_analysis::AnalysisOutput::default();
        baseline_analysis::hard::run(&ctx, &mut out);
    });
    time("upd::run", || {
        let mut out = baseline_analysis::AnalysisOutput::default();
        baseline_analysis::upd::run(&ctx, &mut out);
    });
    let scan = baseline_analysis::scan::Scan::run(&ctx, baseline_analysis::scan_sources());
    time("crypto::run_with (shared scan)", || {
        let mut out = baseline_analysis::AnalysisOutput::default();
        baseline_analysis::crypto::run_with(&ctx, &scan, &mut out);
    });
}
