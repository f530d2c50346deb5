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

/// One data block of one file, to be decoded on any thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job {
    pub at: u64,
    pub word: u32,
    /// Bytes this block must decode to (the block size, or what is left of the file).
    pub want: usize,
}

/// The data blocks of a file in order, with where each sits and what it must yield.
/// Sparse blocks (size word 0) are jobs too; [`run`] turns them into zeros.
pub(crate) fn plan(f: &FileInfo, block_size: u32) -> Vec<Job> {
    let bs = block_size as usize;
    let mut left = usize::try_from(f.size).unwrap_or(usize::MAX);
    let mut at = f.start;
    let mut jobs = Vec::with_capacity(f.blocks.len());
    for &word in &f.blocks {
        let want = left.min(bs);
        jobs.push(Job { at, word, want });
        left -= want;
        at = at.saturating_add(u64::from(word & SIZE_MASK));
    }
    jobs
}

/// Decode one job.
pub(crate) fn run(data: &[u8], codec: &Codec, block_size: u32, job: &Job) -> Res<Vec<u8>> {
    if job.word & SIZE_MASK == 0 {
        return Ok(vec![0; job.want]);
    }
    let b = block(
        data,
        codec,
        job.at,
        job.word,
        block_size as usize,
        Some(job.want),
    )?;
    if b.len() != job.want {
        return Err(format!(
            "decoded to {} bytes, expected {}",
            b.len(),
            job.want
        ));
    }
    Ok(b)
}

/// Bytes of one regular file from its decoded blocks (in [`plan`] order) and its fragment
/// block. Returns what could be assembled and, if something failed, why.
pub(crate) fn assemble(
    f: &FileInfo,
    blocks: &[Res<Vec<u8>>],
    fragment: Option<&[u8]>,
) -> (Vec<u8>, Option<String>) {
    let size = usize::try_from(f.size).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(size.min(256 << 20));
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Ok(b) => out.extend_from_slice(b),
            Err(e) => return (out, Some(format!("block {i}: {e}"))),
        }
    }
    if let Some((_, off)) = f.frag {
        let want = size.saturating_sub(out.len());
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
