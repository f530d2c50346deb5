//! One module per format. Add a format by adding its file here and its unit struct to
//! [`registry`]; nothing else needs to change.

use crate::format::Format;

pub mod cramfs;
pub mod esp;
pub mod fit;
pub mod jffs2;
pub mod romfs;
pub mod squashfs;
pub mod tplink;
pub mod trx;
pub mod ubootenv;
pub mod uimage;
pub mod zimage;

/// Every format the engine knows, in no particular order (the engine orders candidates by
/// offset and validates each with its parser).
pub fn registry() -> &'static [&'static dyn Format] {
    &[
        &cramfs::Cramfs,
        &esp::Esp,
        &fit::Fit,
        &jffs2::Jffs2,
        &romfs::Romfs,
        &squashfs::Squashfs,
        &tplink::TpLink,
        &trx::Trx,
        &ubootenv::UBootEnv,
        &uimage::UImage,
        &zimage::ZImage,
    ]
}
