//! One module per format. Add a format by adding its file here and its unit struct to
//! [`registry`]; nothing else needs to change.

use crate::format::Format;

pub mod ar;
pub(crate) mod bytes_util;
pub mod bzip2;
pub mod compress;
pub mod cpio;
pub mod gzip;
pub mod lz4;
pub mod lzip;
pub mod lzma;
pub mod lzo;
pub mod sevenz;
pub mod tar;
pub mod xz;
pub mod zip;
pub mod zlib;
pub mod zstd;

/// Every format the engine knows, in no particular order (the engine orders candidates by
/// offset and validates each with its parser).
pub fn registry() -> &'static [&'static dyn Format] {
    &[
        &gzip::Gzip,
        &zlib::Zlib,
        &bzip2::Bzip2,
        &xz::Xz,
        &lzma::Lzma,
        &lzip::Lzip,
        &zstd::Zstd,
        &lz4::Lz4,
        &lzo::Lzo,
        &compress::Compress,
        &tar::Tar,
        &cpio::Cpio,
        &zip::Zip,
        &sevenz::SevenZ,
        &ar::Ar,
    ]
}
