//! kallsyms decoding on the corpus kernels (decompressed by the real unpacker): exact symbol
//! counts, a few known symbols, and the subsystems that are not built.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

use baseline_analysis::comp::kallsyms;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let c = baseline_analysis::testutil::corpus_dir();
    if c.is_none() {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
    }
    c
}

/// The decompressed kernel of an image: the largest node holding "Linux version ".
fn kernel(rel: &str) -> Option<bytes::Bytes> {
    let c = corpus()?;
    let path = c.join(rel);
    let data = bytes::Bytes::from(std::fs::read(&path).unwrap());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let u = baseline_unpack::unpack(&name, data, &Default::default()).unwrap();
    u.tree
        .iter()
        .filter(|(_, n)| memchr::memmem::find(&n.data, b"Linux version ").is_some())
        .map(|(_, n)| n.data.clone())
        .max_by_key(|d| d.len())
}

fn check(rel: &str) -> Option<kallsyms::Kallsyms> {
    let k = kernel(rel)?;
    let t = std::time::Instant::now();
    let ks = kallsyms::find(&k);
    println!(
        "{rel}: kernel {} bytes, kallsyms decode {:?}: {:?}",
        k.len(),
        t.elapsed(),
        ks.as_ref()
            .map(|s| (s.len(), s.big_endian, s.names_offset, s.token_table_offset))
    );
    let ks = ks.expect("kallsyms decoded");
    let prefixes = ks.prefixes();
    let joined = prefixes.join(",");
    println!(
        "  {} prefixes, {} bytes joined",
        prefixes.len(),
        joined.len()
    );
    Some(ks)
}

fn names(k: &kallsyms::Kallsyms) -> std::collections::BTreeSet<&str> {
    k.symbols().map(|s| s.1).collect()
}

#[test]
fn tl_wr841n_kernel_symbols() {
    let Some(k) = check("firmware/tplink-tl-wr841n-v10-3.16.9.bin") else {
        return;
    };
    assert_eq!(k.len(), 8201);
    assert!(k.big_endian);
    assert_eq!(k.token_table_offset, 0x1c_7130);
    assert_eq!(k.prefixes().len(), 1069);
    let n = names(&k);
    for s in ["tcp_v4_rcv", "start_kernel"] {
        assert!(n.contains(s), "{s}");
    }
    assert!(!k.prefixes().contains(&"rds".to_owned()));
}

#[test]
fn wyze_kernel_symbols() {
    let Some(k) = check("firmware/consumer/wyze-cam-v2/kernel.bin") else {
        return;
    };
    assert_eq!(k.len(), 34916);
    assert!(!k.big_endian);
    assert_eq!(k.prefixes().len(), 2113);
    let n = names(&k);
    for s in ["tcp_v4_rcv", "start_kernel"] {
        assert!(n.contains(s), "{s}");
    }
    assert!(!k.prefixes().contains(&"rds".to_owned()));
}

/// COMP on whole products: the kernel component carries the `linux:*` properties.
fn kernel_props(files: &[&str]) -> Option<std::collections::BTreeMap<String, String>> {
    let c = corpus()?;
    let inputs: Vec<(String, bytes::Bytes)> = files
        .iter()
        .map(|f| {
            let p = c.join(f);
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, bytes::Bytes::from(std::fs::read(&p).unwrap()))
        })
        .collect();
    let u = baseline_unpack::unpack_inputs(&inputs, &baseline_unpack::Limits::default()).unwrap();
    let opts = baseline_analysis::Options {
        crack_budget: std::time::Duration::ZERO,
        ..Default::default()
    };
    let ctx = baseline_analysis::Context::new(&u.tree, &opts);
    // What the module symbols cost (printed, not asserted).
    let t = std::time::Instant::now();
    let mut defined = 0;
    for (_, n) in u.tree.iter() {
        if n.fs_root.is_some() && n.name.ends_with(".ko") {
            if let Some(e) = baseline_analysis::hard::elf::parse(&n.data) {
                defined += e.defined.len();
            }
        }
    }
    println!(
        "modules: {defined} defined symbols read in {:?}",
        t.elapsed()
    );
    let mut out = baseline_analysis::AnalysisOutput::default();
    let t = std::time::Instant::now();
    baseline_analysis::comp::run(&ctx, &mut out);
    println!("comp::run {:?}", t.elapsed());
    let k = out
        .components
        .iter()
        .find(|c| c.name == "Linux kernel" && c.properties.contains_key("linux:kallsyms"))
        .expect("kernel component with kallsyms");
    for (key, v) in &k.properties {
        println!(
            "{key}: {} bytes: {}",
            v.len(),
            v.chars().take(100).collect::<String>()
        );
    }
    Some(k.properties.clone())
}

#[test]
fn tl_wr841n_kernel_component_properties() {
    let Some(p) = kernel_props(&["firmware/tplink-tl-wr841n-v10-3.16.9.bin"]) else {
        return;
    };
    assert_eq!(p["linux:kallsyms"], "8201");
    assert_eq!(p["linux:modules"], "65");
    assert_eq!(p["linux:root-filesystems"], "1");
    assert_eq!(
        p["linux:kallsyms-source"],
        "tplink-tl-wr841n-v10-3.16.9.bin!/kernel/0x0.lzma (token table at 0x1c7130, big-endian)"
    );
    let prefixes: Vec<&str> = p["linux:symbol-prefixes"].split(',').collect();
    assert_eq!(prefixes.len(), 1831);
    // The Atheros Wi-Fi modules add their own (ath_, ieee80211_ …).
    assert!(prefixes.contains(&"tcp") && prefixes.contains(&"ath") && !prefixes.contains(&"rds"));
    assert!(prefixes.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn wyze_kernel_component_properties() {
    let Some(p) = kernel_props(&[
        "firmware/consumer/wyze-cam-v2/kernel.bin",
        "firmware/consumer/wyze-cam-v2/rootfs.bin",
    ]) else {
        return;
    };
    assert_eq!(p["linux:kallsyms"], "34916");
    // The camera's root file system has no `.ko` (its drivers are built in).
    assert_eq!(p["linux:modules"], "0");
    assert_eq!(p["linux:root-filesystems"], "1");
    assert_eq!(p["linux:symbol-prefixes"].split(',').count(), 2113);
}

#[test]
fn fact_tplink_kernel_symbols() {
    let Some(k) = check("formats/fact-extractor/tpl/test.tpl") else {
        return;
    };
    assert_eq!(k.len(), 8683);
    assert!(k.big_endian);
    let n = names(&k);
    for s in ["tcp_v4_rcv", "start_kernel"] {
        assert!(n.contains(s), "{s}");
    }
    assert!(!k.prefixes().contains(&"rds".to_owned()));
}
