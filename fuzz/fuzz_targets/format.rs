//! One format's parser on arbitrary bytes: the first byte selects a format from the
//! registry, so every parser is fuzzed without a target per format. The parser is called at
//! offset 0 and, when the input is long enough, at the offset named by the second byte.
#![no_main]

use baseline_unpack::formats::registry;
use baseline_unpack::{Ctx, Limits};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let formats = registry();
    let (Some(&sel), Some(rest)) = (data.first(), data.get(1..)) else {
        return;
    };
    if formats.is_empty() {
        return;
    }
    let Some(format) = formats.get(usize::from(sel) % formats.len()) else {
        return;
    };
    let limits = Limits {
        max_total_bytes: 64 << 20,
        ratio_floor_bytes: 16 << 20,
        time_per_node: Duration::from_secs(2),
        ..Limits::default()
    };
    let ctx = Ctx::new(limits);
    let bytes = Bytes::copy_from_slice(rest);
    // Only "no panic, bounded work" is checked: the engine clamps lengths and keeps errors.
    let _ = format.parse(&bytes, 0, &ctx);
    if let Some(&off) = rest.first() {
        let off = usize::from(off);
        if off < bytes.len() {
            let _ = format.parse(&bytes, off, &ctx);
        }
    }
});
