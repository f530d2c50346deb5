//! Hostile-input regression: unpack deterministic mutations (truncations, bit flips, byte
//! smears, zeroed runs) of every corpus sample with every registered format, and fail on any
//! panic or on a mutation that takes too long.
//!
//! Run: `cargo run --release -p baseline-unpack --example mutate -- [OPTIONS]`
//! (`.ci/conformance` does). Options:
//!   --corpus DIR     corpus root (default: $BASELINE_CORPUS, else <workspace>/../shared/corpus)
//!   --per-sample N   mutations per sample (default 20)
//!   --seed S         seed (default 1); the same seed always gives the same mutations
//!   --max-size BYTES samples larger than this get 4 mutations only (default 8 MiB)
//!   --slow SECS      a mutation slower than this fails the run (default 30)
//!
//! Memory and time stay bounded by tight [`Limits`] (256 MiB extracted, 5 s per node).
//! Panics are caught per mutation (the hook is silenced) and reported with the sample, the
//! mutation and the seed, so a failure can be replayed with `--only`-style filtering by
//! re-running with the same seed.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use baseline_unpack::{Engine, Limits};
use bytes::Bytes;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// SplitMix64: tiny, deterministic, good enough to pick offsets.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Mutation `i` of `data`: a description and the mutated bytes.
fn mutate(data: &[u8], rng: &mut Rng, i: usize) -> (String, Vec<u8>) {
    let mut d = data.to_vec();
    let len = d.len();
    match i % 5 {
        0 => {
            let at = rng.below(len);
            d.truncate(at);
            (format!("truncate at {at:#x}"), d)
        }
        1 => {
            let flips = 1 + rng.below(8);
            let mut at = Vec::new();
            for _ in 0..flips {
                if len == 0 {
                    break;
                }
                let p = rng.below(len);
                let bit = rng.below(8);
                if let Some(b) = d.get_mut(p) {
                    *b ^= 1 << bit;
                }
                at.push(format!("{p:#x}.{bit}"));
            }
            (format!("flip bits {}", at.join(",")), d)
        }
        2 => {
            // Header fields live early: flip within the first 512 bytes of a structure.
            let p = rng.below(len.min(512));
            if let Some(b) = d.get_mut(p) {
                *b = rng.next() as u8;
            }
            (format!("random byte at {p:#x}"), d)
        }
        3 => {
            let p = rng.below(len);
            let n = 1 + rng.below(64);
            for b in d.iter_mut().skip(p).take(n) {
                *b = 0xff;
            }
            (format!("0xff run of {n} at {p:#x}"), d)
        }
        _ => {
            let p = rng.below(len);
            let n = 1 + rng.below(4096);
            for b in d.iter_mut().skip(p).take(n) {
                *b = 0;
            }
            (format!("zero run of {n} at {p:#x}"), d)
        }
    }
}

fn files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_dir() {
            files(&p, out);
        } else if m.is_file() && p.file_name().is_some_and(|n| n != "SOURCES.md") {
            out.push(p);
        }
    }
}

fn main() -> ExitCode {
    let mut corpus = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let mut per_sample = 20usize;
    let mut seed = 1u64;
    let mut max_size = 8usize << 20;
    let mut slow = Duration::from_secs(30);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next();
        match (a.as_str(), v) {
            ("--corpus", Some(v)) => corpus = PathBuf::from(v),
            ("--per-sample", Some(v)) => per_sample = v.parse().unwrap_or(per_sample),
            ("--seed", Some(v)) => seed = v.parse().unwrap_or(seed),
            ("--max-size", Some(v)) => max_size = v.parse().unwrap_or(max_size),
            ("--slow", Some(v)) => slow = Duration::from_secs_f64(v.parse().unwrap_or(30.0)),
            _ => {
                eprintln!("usage: see the header of examples/mutate.rs");
                return ExitCode::from(2);
            }
        }
    }
    let mut samples = Vec::new();
    files(&corpus.join("formats"), &mut samples);
    files(&corpus.join("firmware"), &mut samples);
    if samples.is_empty() {
        eprintln!("mutate: no samples under {}", corpus.display());
        return ExitCode::from(2);
    }
    let limits = Limits {
        max_total_bytes: 256 << 20,
        time_per_node: Duration::from_secs(5),
        ..Limits::default()
    };
    let engine = Engine::new(limits).catch_panics(false);
    // Panics are expected to be caught and reported here, not printed mid-run.
    std::panic::set_hook(Box::new(|_| {}));
    let t_all = Instant::now();
    let (mut runs, mut failures) = (0usize, 0usize);
    let mut slowest = (Duration::ZERO, String::new());
    for path in &samples {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        let rel = path
            .strip_prefix(&corpus)
            .unwrap_or(path)
            .display()
            .to_string();
        let n = if data.len() > max_size { 4 } else { per_sample };
        let mut rng = Rng(seed ^ fnv(&rel));
        for i in 0..n {
            let (what, bytes) = mutate(&data, &mut rng, i);
            let input = [(String::from("m.bin"), Bytes::from(bytes))];
            let t0 = Instant::now();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine.unpack_inputs(&input).map(|u| u.tree.len())
            }));
            let el = t0.elapsed();
            runs += 1;
            if el > slowest.0 {
                slowest = (el, format!("{rel} [{what}]"));
            }
            match r {
                Err(p) => {
                    failures += 1;
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    println!("PANIC {rel} [{what}] seed {seed}: {msg}");
                }
                Ok(Err(e)) => {
                    failures += 1;
                    println!("ERROR {rel} [{what}]: {e}");
                }
                Ok(Ok(_)) if el > slow => {
                    failures += 1;
                    println!("SLOW {rel} [{what}]: {el:?}");
                }
                Ok(Ok(_)) => {}
            }
        }
    }
    println!(
        "mutate: {runs} mutations of {} samples in {:.1}s, slowest {:.2}s ({}), {failures} failure(s)",
        samples.len(),
        t_all.elapsed().as_secs_f64(),
        slowest.0.as_secs_f64(),
        slowest.1
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
