//! Shared body of the per-format fuzz targets (`fuzz_targets/fmt_<name>.rs`): one registered
//! format's `parse` on arbitrary bytes, with tight limits so a slow or greedy parser shows up
//! as a libFuzzer timeout or OOM instead of hiding behind the defaults.

use baseline_unpack::format::Format;
use baseline_unpack::formats::registry;
use baseline_unpack::{Ctx, Limits};
use bytes::Bytes;
use std::time::Duration;

/// Limits shared by every target: small enough that a parser which ignores them is caught
/// (64 MiB total, 16 MiB ratio floor, 2 s per node).
pub fn limits() -> Limits {
    Limits {
        max_total_bytes: 64 << 20,
        ratio_floor_bytes: 16 << 20,
        time_per_node: Duration::from_secs(2),
        ..Limits::default()
    }
}

/// The registered format called `name`. Panics if there is none: a target naming a format
/// that left the registry must fail loudly, not fuzz nothing.
pub fn format(name: &str) -> &'static dyn Format {
    registry()
        .iter()
        .copied()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no registered format {name:?}"))
}

/// Parses `data` with `format` at offset 0 (so seeds are plain sample files) and again at the
/// offset named by the last byte, when that lies inside the input (a structure carved from
/// the middle of an image, with unrelated bytes before it).
pub fn parse_one(format: &dyn Format, data: &[u8]) {
    let ctx = Ctx::new(limits());
    let bytes = Bytes::copy_from_slice(data);
    // Only "no panic, bounded work" is checked here; results are not compared.
    let _ = format.parse(&bytes, 0, &ctx);
    if let Some(&off) = data.last() {
        let off = usize::from(off);
        if off > 0 && off < bytes.len() {
            let ctx = Ctx::new(limits());
            let _ = format.parse(&bytes, off, &ctx);
        }
    }
}

/// Declares a libFuzzer entry point that fuzzes the registered format called `$name`.
#[macro_export]
macro_rules! format_target {
    ($name:literal) => {
        libfuzzer_sys::fuzz_target!(|data: &[u8]| {
            static FORMAT: std::sync::OnceLock<&'static dyn baseline_unpack::format::Format> =
                std::sync::OnceLock::new();
            let format = *FORMAT.get_or_init(|| $crate::format($name));
            $crate::parse_one(format, data);
        });
    };
}
