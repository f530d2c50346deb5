//! One module per format. Add a format by adding its file here and its unit struct to
//! [`registry`]; nothing else needs to change.

use crate::format::Format;

pub mod squashfs;

/// Every format the engine knows, in no particular order (the engine orders candidates by
/// offset and validates each with its parser).
pub fn registry() -> &'static [&'static dyn Format] {
    &[&squashfs::Squashfs]
}
