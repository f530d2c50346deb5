//! Dev tool (not the CLI): run the analysers over plain directories, each as one input's root
//! file system, and print the findings as JSON. For exploring real extracted file systems
//! while the unpacker is not merged.
//!
//! `cargo run -p baseline-analysis --features test-util --example analyse_dir -- DIR...`

#![allow(clippy::print_stdout)]

fn main() {
    let mut tree = baseline_unpack::ArtifactTree::new();
    for d in std::env::args().skip(1) {
        let p = std::path::PathBuf::from(&d);
        baseline_analysis::testutil::add_dir_input(&mut tree, &d, &p);
    }
    let out = baseline_analysis::analyse(&tree, &baseline_analysis::Options::default());
    println!(
        "{}",
        serde_json::to_string_pretty(&out.findings).unwrap_or_default()
    );
}
