//! Writes the demo firmware image `examples/demo-firmware.bin` (reproducibly: the same bytes
//! on every run; `crates/cli/tests/demo.rs` checks the committed file against this builder).
//!
//! Run from the workspace root: `cargo run -p baseline-cli --example make_demo`.

#![allow(clippy::print_stdout)]

#[path = "../tests/demo_image/mod.rs"]
mod demo_image;

fn main() -> std::io::Result<()> {
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-firmware.bin"
    );
    let bytes = demo_image::build();
    std::fs::write(out, &bytes)?;
    println!("wrote {} ({} bytes)", out, bytes.len());
    Ok(())
}
