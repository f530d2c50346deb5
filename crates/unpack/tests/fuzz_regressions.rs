//! Regression inputs for the cargo-fuzz campaign (`fuzz/`, see docs/unpack.md "Fuzzing").
//!
//! Every crash, timeout or OOM a `fmt_<name>` target finds is minimised and kept here with
//! the outcome its fix produces. The first campaign (2026-11-28) found none, so this file
//! holds the harness's own contract instead: each registered format, on the degenerate inputs
//! every fuzz run starts from (nothing, its magic alone, its magic then 0xff or zero runs,
//! a start at the very end of the input), returns without panicking and never claims more
//! bytes than the input holds.

use baseline_unpack::formats::registry;
use baseline_unpack::{Ctx, Limits, Output};
use bytes::Bytes;
use std::time::Duration;

/// The limits `fuzz/src/lib.rs` gives every target.
fn limits() -> Limits {
    Limits {
        max_total_bytes: 64 << 20,
        ratio_floor_bytes: 16 << 20,
        time_per_node: Duration::from_secs(2),
        ..Limits::default()
    }
}

/// Every degenerate input for one magic: the magic at its offset, then `tail` bytes of `fill`.
fn magic_input(offset: usize, bytes: &[u8], fill: u8, tail: usize) -> Vec<u8> {
    let mut v = vec![fill; offset];
    v.extend_from_slice(bytes);
    v.extend(std::iter::repeat_n(fill, tail));
    v
}

#[test]
fn every_format_survives_degenerate_inputs() {
    let mut runs = 0usize;
    for format in registry() {
        let mut inputs = vec![Vec::new(), vec![0u8; 1], vec![0xffu8; 64]];
        for m in format.magics() {
            for (fill, tail) in [(0u8, 0usize), (0, 4096), (0xff, 4096), (0x41, 17)] {
                inputs.push(magic_input(m.offset, m.bytes, fill, tail));
            }
        }
        for input in inputs {
            let data = Bytes::from(input);
            for start in [0, data.len()] {
                let ctx = Ctx::new(limits());
                runs += 1;
                // Ok(None) and Err are both fine: only panics and overlong claims are bugs.
                if let Ok(Some(parsed)) = format.parse(&data, start, &ctx) {
                    let avail = (data.len() - start) as u64;
                    assert!(
                        parsed.len <= avail,
                        "{}: claims {} bytes of {avail} at {start}",
                        format.name(),
                        parsed.len
                    );
                    if let Output::Regions(regions) = &parsed.output {
                        for r in regions {
                            assert!(
                                r.data.len() <= data.len(),
                                "{}: region {}",
                                format.name(),
                                r.name
                            );
                        }
                    }
                }
            }
        }
    }
    // 3 fixed inputs plus 4 per magic, each at 2 starts.
    let magics: usize = registry().iter().map(|f| f.magics().len()).sum();
    assert_eq!(runs, (registry().len() * 3 + magics * 4) * 2);
}
