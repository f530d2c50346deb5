//! Dictionary-attack benchmark: one md5crypt and one sha512crypt hash against the whole
//! bundled dictionary (worst case: the password is not in it, so every candidate is tried).
//!
//! Run: `cargo bench -p baseline-analysis --bench crack` (prints timings), or
//! `benches/vs_john.sh` to compare with John the Ripper on the same hashes and list.
//! `--dump DIR` writes the candidate list and the hashes for john and exits.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use baseline_analysis::cred::crack::{attack, Outcome};
use baseline_analysis::cred::crypt::crypt;
use baseline_analysis::cred::dict::Dictionary;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const MISSING: &[u8] = b"Not-In-Any-List-9z";

fn main() {
    let dict = Dictionary::bundled();
    // The order Baseline uses for account "root" with no vendor hints.
    let cands = dict.candidates("root", &BTreeSet::new(), &[]);
    let md5 = crypt(MISSING, "$1$Bn5Lkq3X$").unwrap();
    let sha512 = crypt(MISSING, "$6$Pq2Lkq3Xabcdefgh$").unwrap();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--dump") {
        let dir = std::path::PathBuf::from(&args[i + 1]);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("wordlist.txt"), cands.join("\n") + "\n").unwrap();
        std::fs::write(dir.join("md5crypt.txt"), format!("root:{md5}\n")).unwrap();
        std::fs::write(dir.join("sha512crypt.txt"), format!("root:{sha512}\n")).unwrap();
        println!("{} candidates written to {}", cands.len(), dir.display());
        return;
    }
    println!(
        "candidates: {}  threads: {}",
        cands.len(),
        rayon::current_num_threads()
    );
    for (name, h) in [("md5crypt", &md5), ("sha512crypt", &sha512)] {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let r = attack(h, &cands, Instant::now() + Duration::from_secs(600));
            let e = t.elapsed();
            assert!(matches!(r, Outcome::Exhausted { .. }));
            best = best.min(e);
        }
        println!(
            "{name}: {:.3} s for {} candidates ({:.0} c/s)",
            best.as_secs_f64(),
            cands.len(),
            cands.len() as f64 / best.as_secs_f64()
        );
    }
}
