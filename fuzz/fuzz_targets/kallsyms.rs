//! The kernel symbol table decoder (`baseline_analysis::comp::kallsyms`) on arbitrary bytes:
//! no panic, bounded work. Seed it with a decompressed kernel or the synthetic tables of the
//! decoder's unit tests; a table that decodes must give consistent prefixes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(k) = baseline_analysis::comp::kallsyms::find(data) {
        assert!(k.len() > 256);
        let _ = k.prefixes();
    }
});
