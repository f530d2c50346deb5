//! One module per format. Add a format by adding its file here and its unit struct to
//! [`registry`]; nothing else needs to change.

use crate::format::Format;

pub mod ar;
pub(crate) mod bytes_util;
pub mod bzip2;
pub mod compress;
pub mod cpio;
pub mod cramfs;
pub(crate) mod dts;
pub mod esp;
pub mod fit;
pub mod gif;
pub mod gzip;
pub mod jffs2;
pub mod jpeg;
pub mod lz4;
pub mod lzip;
pub mod lzma;
pub mod lzo;
pub mod ole;
pub mod pem;
pub mod png;
pub mod romfs;
pub mod sevenz;
pub mod squashfs;
pub mod tar;
pub mod tplink;
pub mod tplink_img0;
pub mod trx;
pub mod ubootenv;
pub mod uimage;
pub mod xz;
pub mod zimage;
pub mod zip;
pub mod zlib;
pub mod zstd;

/// Every format the engine knows, in no particular order (the engine orders candidates by
/// offset and validates each with its parser).
pub fn registry() -> &'static [&'static dyn Format] {
    &[
        &ar::Ar,
        &bzip2::Bzip2,
        &compress::Compress,
        &cpio::Cpio,
        &cramfs::Cramfs,
        &esp::Esp,
        &fit::Fit,
        &gzip::Gzip,
        &jffs2::Jffs2,
        &lz4::Lz4,
        &lzip::Lzip,
        &lzma::Lzma,
        &lzo::Lzo,
        &ole::Ole,
        &romfs::Romfs,
        &sevenz::SevenZ,
        &squashfs::Squashfs,
        &tar::Tar,
        &tplink::TpLink,
        &tplink_img0::TpLinkImg0,
        &trx::Trx,
        &ubootenv::UBootEnv,
        &uimage::UImage,
        &xz::Xz,
        &zimage::ZImage,
        &zip::Zip,
        &zlib::Zlib,
        &zstd::Zstd,
        &pem::Pem,
        &gif::Gif,
        &jpeg::Jpeg,
        &png::Png,
    ]
}
