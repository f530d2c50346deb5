//! Benchmark (not a test): import a synthetic NVD-shaped data set of N records (default
//! 300,000; `BASELINE_BENCH_RECORDS` to change), then match a 500-component SBOM.
//! Run: `cargo bench -p baseline-vulndb --bench import`. `BASELINE_BENCH_STORE=PATH` keeps
//! the store at PATH and, when it already exists, skips generation and import (for profiling
//! the matcher).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use baseline_model::{Component, Confidence};
use std::io::Write;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("BASELINE_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300_000);
    let dir = tempfile::tempdir().unwrap();
    let db = std::env::var_os("BASELINE_BENCH_STORE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("store.redb"));
    if db.is_file() {
        let store = baseline_vulndb::Store::create(&db).unwrap();
        match_bench(&store);
        return;
    }
    // 3 yearly-style files, each an API 2.0 document; 5,000 products, ranges and exact versions.
    let t = Instant::now();
    let files = 3;
    let mut paths = Vec::new();
    for f in 0..files {
        let p = dir.path().join(format!("nvdcve-2.0-{f}.json"));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        write!(w, "{{\"resultsPerPage\":{n},\"format\":\"NVD_CVE\",\"version\":\"2.0\",\"vulnerabilities\":[").unwrap();
        let mut first = true;
        for i in (f..n).step_by(files) {
            let prod = i % 5000;
            let cpe = if i % 3 == 0 {
                format!("{{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:vendor{prod}:product{prod}:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":\"1.{}\",\"versionEndExcluding\":\"2.{}\",\"matchCriteriaId\":\"X\"}}", i % 7, i % 11)
            } else {
                format!("{{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:vendor{prod}:product{prod}:{}.{}.{}:*:*:*:*:*:*:*\",\"matchCriteriaId\":\"X\"}}", i % 4, i % 9, i % 13)
            };
            if !first {
                w.write_all(b",").unwrap();
            }
            first = false;
            write!(w, "{{\"cve\":{{\"id\":\"CVE-2099-{i:07}\",\"sourceIdentifier\":\"cve@mitre.org\",\"published\":\"2024-01-01T00:00:00.000\",\"lastModified\":\"2024-06-01T00:00:00.000\",\"vulnStatus\":\"Analyzed\",\"descriptions\":[{{\"lang\":\"en\",\"value\":\"A synthetic vulnerability in product {prod} allows remote attackers to do something bad via a crafted request; this text pads the record to a realistic size for benchmarking.\"}}],\"metrics\":{{\"cvssMetricV31\":[{{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\",\"cvssData\":{{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\",\"baseScore\":9.8,\"baseSeverity\":\"CRITICAL\"}},\"exploitabilityScore\":3.9,\"impactScore\":5.9}}]}},\"weaknesses\":[{{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\",\"description\":[{{\"lang\":\"en\",\"value\":\"CWE-787\"}}]}}],\"configurations\":[{{\"nodes\":[{{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[{cpe}]}}]}}],\"references\":[{{\"url\":\"https://example.invalid/{i}\",\"source\":\"cve@mitre.org\"}}]}}}}").unwrap();
        }
        w.write_all(b"]}").unwrap();
        w.flush().unwrap();
        paths.push(p);
    }
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    println!(
        "generated {n} records ({:.0} MB JSON) in {:.1}s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let store = baseline_vulndb::Store::create(&db).unwrap();
    let t = Instant::now();
    let stats = store.import_paths(&paths, 0).unwrap();
    let import = t.elapsed();
    let size = std::fs::metadata(&db).unwrap().len();
    println!(
        "import: {} records in {:.1}s; store {:.0} MB",
        stats.nvd,
        import.as_secs_f64(),
        size as f64 / 1e6
    );
    // Re-importing replaces, never duplicates.
    let before = store.status(0).unwrap();
    let t = Instant::now();
    store.import_paths(&paths[..1], 0).unwrap();
    let after = store.status(0).unwrap();
    assert_eq!(
        (before.cves, before.index_entries),
        (after.cves, after.index_entries)
    );
    println!(
        "re-import of 1 of the 3 files: {:.1}s, counts unchanged",
        t.elapsed().as_secs_f64()
    );
    match_bench(&store);
}

fn match_bench(store: &baseline_vulndb::Store) {
    let comps: Vec<Component> = (0..500)
        .map(|i| Component {
            name: format!("product{}", i * 10),
            version: Some(format!("1.{}.{}", i % 9, i % 13)),
            purl: None,
            cpe: Some(format!(
                "cpe:2.3:a:vendor{0}:product{0}:1.{1}.{2}:*:*:*:*:*:*:*",
                i * 10,
                i % 9,
                i % 13
            )),
            evidence: Vec::new(),
            confidence: Confidence::High,
            kind: "application".into(),
            vendor: None,
            properties: Default::default(),
        })
        .collect();
    let _ = store.match_components(&comps).unwrap(); // warm the page cache
    let rounds = 11;
    let mut found = 0;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        found = store.match_components(&comps).unwrap().len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "match: 500 components → {found} vulnerabilities in {:.1} ms (median of {rounds}; min {:.1}, max {:.1})",
        times[rounds / 2],
        times[0],
        times[rounds - 1]
    );
}
