//! File contents: data blocks and fragment blocks.
//!
//! Owns: decoding the blocks of one regular file (each bounded by the block size and by the
//! file's own size) and of fragment blocks (decoded once each, shared by every file that
//! ends in them).
//! Never does: walk directories, exceed a size the caller did not budget.

use super::codec::Codec;
use super::reader::{FileInfo, Res};

const STORED: u32 = 1 << 24;
const SIZE_MASK: u32 = 0x00ff_ffff;

/// Decode one data or fragment block whose size word is `word`, at image offset `at`.
/// `exact`: the size it must decode to when known.
pub(crate) fn block(
    data: &[u8],
    codec: &Codec,
    at: u64,
    word: u32,
    max_out: usize,
    exact: Option<usize>,
) -> Res<Vec<u8>> {
    let len = (word & SIZE_MASK) as usize;
    let start = usize::try_from(at).map_err(|_| format!("block at {at:#x} out of range"))?;
    let src = start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| format!("block at {at:#x} (+{len}) runs past end of image"))?;
    if word & STORED != 0 {
        if src.len() > max_out {
            return Err(format!(
                "stored block at {at:#x} larger than the block size"
            ));
        }
        return Ok(src.to_vec());
    }
    codec
        .decode(src, max_out, exact)
        .ok_or_else(|| format!("block at {at:#x}: no decoder accepted it"))
}

/// Bytes of one regular file. Returns what could be decoded and, if something failed, why.
pub(crate) fn file(
    data: &[u8],
    codec: &Codec,
    block_size: u32,
    f: &FileInfo,
    fragment: Option<&[u8]>,
    in_time: &dyn Fn() -> bool,
) -> (Vec<u8>, Option<String>) {
    let bs = block_size as usize;
    let size = usize::try_from(f.size).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(size.min(64 << 20));
    let mut at = f.start;
    for (i, &word) in f.blocks.iter().enumerate() {
        if !in_time() {
            return (out, Some("time limit reached".into()));
        }
        let want = (size - out.len()).min(bs);
        if word & SIZE_MASK == 0 {
            // Sparse block: zeros, nothing stored.
            out.resize(out.len() + want, 0);
            continue;
        }
        match block(data, codec, at, word, bs, Some(want)) {
            Ok(b) if b.len() == want => out.extend_from_slice(&b),
            Ok(b) => {
                return (
                    out,
                    Some(format!(
                        "block {i} decoded to {} bytes, expected {want}",
                        b.len()
                    )),
                );
            }
            Err(e) => return (out, Some(format!("block {i}: {e}"))),
        }
        at = at.saturating_add(u64::from(word & SIZE_MASK));
    }
    if let Some((_, off)) = f.frag {
        let want = size - out.len();
        let Some(frag) = fragment else {
            return (out, Some("fragment block unavailable".into()));
        };
        let off = off as usize;
        match off.checked_add(want).and_then(|end| frag.get(off..end)) {
            Some(tail) => out.extend_from_slice(tail),
            None => {
                return (
                    out,
                    Some(format!(
                        "tail of {want} bytes at {off} outside fragment block"
                    )),
                )
            }
        }
    }
    if out.len() != size {
        let note = format!("decoded {} of {size} bytes", out.len());
        return (out, Some(note));
    }
    (out, None)
}
