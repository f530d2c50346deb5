#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

#[test]
fn carved_len_rounds_over_zero_padding_only() {
    let mut img = vec![1u8; 5000];
    img.resize(8192, 0);
    assert_eq!(carved_len(&img, 5000), 8192);
    // Non-zero byte in the 4 KiB padding, zero 1 KiB padding.
    img[8000] = 7;
    assert_eq!(carved_len(&img, 5000), 5120);
    // No padding present (input ends at bytes_used).
    assert_eq!(carved_len(&img[..5000], 5000), 5000);
    // Absurd bytes_used never overflows.
    assert_eq!(carved_len(&img, u64::MAX), 8192);
}

#[test]
fn not_squashfs_is_none() {
    let ctx = Ctx::new(crate::Limits::default());
    for junk in [
        &b""[..],
        b"hsqs",
        &[0u8; 200],
        b"sqsh\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x04",
    ] {
        let data = Bytes::copy_from_slice(junk);
        assert!(Squashfs.parse(&data, 0, &ctx).unwrap().is_none());
    }
    assert_eq!(Squashfs.name(), "squashfs");
    assert_eq!(Squashfs.magics().len(), 8);
}
