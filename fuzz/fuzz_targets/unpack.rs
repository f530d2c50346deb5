//! The whole engine (every registered format, recursion, limits) on arbitrary bytes.
#![no_main]

use baseline_unpack::{Engine, Limits};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_total_bytes: 64 << 20,
        ratio_floor_bytes: 16 << 20,
        time_per_node: Duration::from_secs(2),
        ..Limits::default()
    };
    // Panics must reach libFuzzer, not become notes.
    let engine = Engine::new(limits).catch_panics(false);
    let _ = engine.unpack_inputs(&[("fuzz.bin".into(), Bytes::copy_from_slice(data))]);
});
