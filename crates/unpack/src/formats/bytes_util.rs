//! Byte-reading and decoder-driving helpers shared by the compression and archive formats.
//!
//! Owns: bounds-checked integer reads, the error constructors those formats use, and
//! [`pump`], the one loop that drives a push-style decoder under the output cap and the
//! per-node deadline. Never does: format recognition.

use crate::format::Ctx;
use crate::Error;

pub(crate) fn get(d: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    d.get(off..off.checked_add(len)?)
}

pub(crate) fn u8_at(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

pub(crate) fn u16le(d: &[u8], off: usize) -> Option<u16> {
    let b = get(d, off, 2)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

pub(crate) fn u16be(d: &[u8], off: usize) -> Option<u16> {
    u16le(d, off).map(u16::swap_bytes)
}

pub(crate) fn u32le(d: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = get(d, off, 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

pub(crate) fn u32be(d: &[u8], off: usize) -> Option<u32> {
    u32le(d, off).map(u32::swap_bytes)
}

pub(crate) fn u64le(d: &[u8], off: usize) -> Option<u64> {
    let b: [u8; 8] = get(d, off, 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

pub(crate) fn u64be(d: &[u8], off: usize) -> Option<u64> {
    u64le(d, off).map(u64::swap_bytes)
}

pub(crate) fn malformed(format: &'static str, offset: usize, message: impl Into<String>) -> Error {
    Error::Malformed {
        format,
        offset: offset as u64,
        message: message.into(),
    }
}

pub(crate) fn over_limit(format: &'static str, offset: usize, cap: u64) -> Error {
    Error::Limit {
        format,
        offset: offset as u64,
        limit: format!("output larger than {cap} bytes"),
    }
}

/// Adler-32 (RFC 1950), used by zlib and lzop.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest run for which `b` cannot overflow before the reduction.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a = a.wrapping_add(u32::from(x));
            b = b.wrapping_add(a);
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// A C string from a fixed field: bytes up to the first NUL, lossily decoded.
pub(crate) fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(field.get(..end).unwrap_or_default()).into_owned()
}

/// What a decoder produced from a prefix of its input.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub data: Vec<u8>,
    /// Input bytes the decoder consumed.
    pub consumed: usize,
    /// The decoder reached its end-of-stream marker (false: input ran out or was corrupt).
    pub complete: bool,
    /// Decoder error met after some output, kept as a note.
    pub error: Option<String>,
}

/// One step of a push decoder: consume from `input`, write into `output`, report
/// `(consumed, produced, stream_ended)`.
pub(crate) type StepResult = Result<(usize, usize, bool), String>;

/// The action an lzma-rust2 push decoder (LZMA, LZMA2/xz, lzip) gets next: `Run` while input
/// or decoded output remains, `Finish` only once a `Run` call with no input left made no
/// progress. A `Finish` call that meets a cut-off stream fails without saying what it wrote,
/// so handing it a whole output buffer's worth of work lost up to 64 KiB of a truncated
/// stream's decoded data; this way only what the last few input bytes decode to is lost.
#[derive(Debug, Default)]
pub(crate) struct RunThenFinish {
    stalled: bool,
}

impl RunThenFinish {
    pub(crate) fn action(&self) -> lzma_rust2::Action {
        if self.stalled {
            lzma_rust2::Action::Finish
        } else {
            lzma_rust2::Action::Run
        }
    }

    /// Record one call's outcome (`input` is what the call was given).
    pub(crate) fn saw(&mut self, input: &[u8], consumed: usize, produced: usize) {
        if input.is_empty() && consumed == 0 && produced == 0 {
            self.stalled = true;
        }
    }
}

/// Drive a push decoder over `input`, never holding more than `cap` output bytes.
///
/// `Err(Limit)` when the output would exceed `cap` or time runs out. A decoder error with no
/// output yet is `Err(Malformed)`; after output it ends the loop and is kept in
/// [`Decoded::error`] so callers can return the partial stream with a note.
pub(crate) fn pump(
    format: &'static str,
    offset: usize,
    ctx: &Ctx,
    cap: u64,
    input: &[u8],
    mut step: impl FnMut(&[u8], &mut [u8]) -> StepResult,
) -> crate::Result<Decoded> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0usize;
    let mut idle = 0u32;
    loop {
        let rest = input.get(pos..).unwrap_or_default();
        match step(rest, &mut buf) {
            Ok((consumed, produced, ended)) => {
                pos = pos.saturating_add(consumed).min(input.len());
                if out.len() as u64 + produced as u64 > cap {
                    return Err(over_limit(format, offset, cap));
                }
                out.extend_from_slice(buf.get(..produced).unwrap_or_default());
                if ended {
                    return Ok(Decoded {
                        data: out,
                        consumed: pos,
                        complete: true,
                        error: None,
                    });
                }
                if consumed == 0 && produced == 0 {
                    // No progress twice in a row: the input is exhausted mid-stream.
                    idle += 1;
                    if idle >= 2 {
                        return Ok(Decoded {
                            data: out,
                            consumed: pos,
                            complete: false,
                            error: None,
                        });
                    }
                } else {
                    idle = 0;
                }
            }
            Err(e) => {
                if out.is_empty() {
                    return Err(malformed(format, offset, e));
                }
                return Ok(Decoded {
                    data: out,
                    consumed: pos,
                    complete: false,
                    error: Some(e),
                });
            }
        }
        ctx.check_time(format, offset as u64)?;
    }
}

/// Read a pull decoder to its end under `cap`, keeping a mid-stream error as
/// [`Decoded::error`] (unlike [`Ctx::read_capped`], which drops it). `consumed` is left 0:
/// pull decoders do not say how much input they used.
pub(crate) fn read_all(
    format: &'static str,
    offset: usize,
    ctx: &Ctx,
    cap: u64,
    mut reader: impl std::io::Read,
) -> crate::Result<Decoded> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => {
                return Ok(Decoded {
                    data: out,
                    consumed: 0,
                    complete: true,
                    error: None,
                })
            }
            Ok(n) => {
                if out.len() as u64 + n as u64 > cap {
                    return Err(over_limit(format, offset, cap));
                }
                out.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if out.is_empty() => return Err(malformed(format, offset, e.to_string())),
            Err(e) => {
                return Ok(Decoded {
                    data: out,
                    consumed: 0,
                    complete: false,
                    error: Some(e.to_string()),
                })
            }
        }
        ctx.check_time(format, offset as u64)?;
    }
}

/// Raw DEFLATE (RFC 1951) from the start of `input`.
pub(crate) fn inflate_raw(
    format: &'static str,
    offset: usize,
    ctx: &Ctx,
    cap: u64,
    input: &[u8],
) -> crate::Result<Decoded> {
    let mut z = flate2::Decompress::new(false);
    pump(format, offset, ctx, cap, input, |inp, out| {
        let (i0, o0) = (z.total_in(), z.total_out());
        let st = z
            .decompress(inp, out, flate2::FlushDecompress::None)
            .map_err(|e| e.to_string())?;
        let consumed = (z.total_in() - i0) as usize;
        let produced = (z.total_out() - o0) as usize;
        Ok((consumed, produced, st == flate2::Status::StreamEnd))
    })
}

/// Standard "not this format / truncated" notes in one place so wording stays consistent.
pub(crate) fn truncation_note(d: &Decoded) -> Option<String> {
    if d.complete {
        return None;
    }
    Some(match &d.error {
        Some(e) => format!("stream damaged after {} output bytes: {e}", d.data.len()),
        None => format!("stream truncated after {} output bytes", d.data.len()),
    })
}

/// Drives a format whose input is one or more members back to back (xz streams, lzip
/// members, bzip2 streams), each decoded by `decode(rest, offset, room)` from the start of
/// the rest of the input with `room` bytes of output cap left; `next(input, end)` says where
/// the stream ends so far after a member ending at `end` (past any padding that belongs to
/// it) and whether another member starts there. The members' outputs are joined into one
/// stream node.
///
/// A first member the decoder rejects, or one cut off before producing anything, means
/// there is no stream here (`Ok(None)`); a later member that fails ends the stream with a
/// note, as does a truncated one. A decoder's memory-limit refusal is a limit, not damage.
/// `unit` names a member in notes and the count attribute (`streams`, `members`).
pub(crate) fn concatenated(
    format: &'static str,
    start: usize,
    ctx: &Ctx,
    input: &[u8],
    unit: (&str, &str),
    mut decode: impl FnMut(&[u8], usize, u64) -> crate::Result<Decoded>,
    mut next: impl FnMut(&[u8], usize) -> (usize, bool),
) -> crate::Result<Option<crate::format::Parsed>> {
    let cap = ctx.output_cap(input.len() as u64);
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut pos = 0usize;
    let mut members = 0u32;
    loop {
        let rest = input.get(pos..).unwrap_or_default();
        let dec = match decode(rest, start + pos, cap.saturating_sub(out.len() as u64)) {
            Ok(d) => d,
            Err(Error::Malformed { message, .. }) if message.contains("memory") => {
                return Err(Error::Limit {
                    format,
                    offset: start as u64,
                    limit: message,
                })
            }
            Err(Error::Malformed { .. }) if members == 0 => return Ok(None),
            Err(Error::Malformed { message, .. }) => {
                notes.push(format!("{} {}: {message}", unit.0, members + 1));
                break;
            }
            Err(e) => return Err(e),
        };
        if members == 0 && !dec.complete && dec.data.is_empty() {
            return Ok(None);
        }
        members += 1;
        out.extend_from_slice(&dec.data);
        pos += dec.consumed;
        if let Some(n) = truncation_note(&dec) {
            notes.push(n);
            break;
        }
        let (end, more) = next(input, pos);
        pos = end;
        if !more {
            break;
        }
    }
    let mut p = crate::format::Parsed::new(
        pos as u64,
        crate::format::Output::Stream {
            data: bytes::Bytes::from(out),
            name: None,
        },
    );
    if members > 1 {
        p.attrs.push((unit.1.to_owned(), members.to_string()));
    }
    p.notes = notes;
    Ok(Some(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_rfc_example() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn reads_are_bounds_checked() {
        let d = [1u8, 2, 3];
        assert_eq!(u16le(&d, 1), Some(0x0302));
        assert_eq!(u16be(&d, 1), Some(0x0203));
        assert_eq!(u32le(&d, 0), None);
        assert_eq!(get(&d, usize::MAX, 2), None);
    }
}
