//! Zstandard frames (RFC 8878), concatenated frames and skippable frames included.
//!
//! The frame structure is walked here first (header, then each block header's type and size,
//! then the optional checksum): that gives the exact compressed length before any decoding and
//! rejects non-zstd bytes cheaply (reserved bits, reserved block type, oversize blocks). Each
//! frame is then decoded with `ruzstd` (pure Rust) with the window limited to the output cap.
//! Reference: RFC 8878 §3.1.

use super::bytes_util::{get, read_all, u32le, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "zstd";
const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// Largest block the format allows (Block_Maximum_Size).
const MAX_BLOCK: usize = 128 << 10;

#[derive(Debug)]
pub struct Zstd;

/// Length of the frame at `d[0..]` if its structure is valid and complete.
pub(crate) fn frame_len(d: &[u8]) -> Result<usize, &'static str> {
    if get(d, 0, 4) != Some(&MAGIC) {
        return Err("no magic");
    }
    let fhd = u8_at(d, 4).ok_or("truncated header")?;
    if fhd & 0x08 != 0 {
        return Err("reserved bit set");
    }
    let single = fhd & 0x20 != 0;
    let fcs_len = match fhd >> 6 {
        0 => usize::from(single),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let did_len = match fhd & 3 {
        0 => 0usize,
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let mut pos = 5 + usize::from(!single) + did_len + fcs_len;
    if !single {
        let wd = u8_at(d, 5).ok_or("truncated header")?;
        // Window log above 31 is invalid for any decoder.
        if 10 + (wd >> 3) > 31 {
            return Err("window too large");
        }
    }
    loop {
        let b = get(d, pos, 3).ok_or("truncated block header")?;
        let (b0, b1, b2) = (
            u32::from(*b.first().unwrap_or(&0)),
            u32::from(*b.get(1).unwrap_or(&0)),
            u32::from(*b.get(2).unwrap_or(&0)),
        );
        let h = b0 | b1 << 8 | b2 << 16;
        let last = h & 1 != 0;
        let size = (h >> 3) as usize;
        let on_disk = match (h >> 1) & 3 {
            0 | 2 => size,
            1 => 1,
            _ => return Err("reserved block type"),
        };
        if size > MAX_BLOCK {
            return Err("block too large");
        }
        pos = pos + 3 + on_disk;
        if pos > d.len() {
            return Err("truncated block");
        }
        if last {
            break;
        }
    }
    if fhd & 0x04 != 0 {
        pos += 4;
    }
    if pos > d.len() {
        return Err("truncated checksum");
    }
    Ok(pos)
}

fn skippable_len(d: &[u8]) -> Option<usize> {
    let m = u32le(d, 0)?;
    if m & 0xffff_fff0 != 0x184d_2a50 {
        return None;
    }
    let n = usize::try_from(u32le(d, 4)?).ok()?.checked_add(8)?;
    (n <= d.len()).then_some(n)
}

impl Format for Zstd {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &MAGIC,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let cap = ctx.output_cap(input.len() as u64);
        let mut out: Vec<u8> = Vec::new();
        let mut notes = Vec::new();
        let mut pos = 0usize;
        let mut frames = 0u32;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if frames > 0 {
                if let Some(n) = skippable_len(rest) {
                    pos += n;
                    continue;
                }
            }
            if get(rest, 0, 4) != Some(&MAGIC) {
                break;
            }
            // A truncated frame is decoded as far as it goes (the whole rest of the input).
            let (flen, truncated) = match frame_len(rest) {
                Ok(n) => (n, false),
                Err(e) if e.starts_with("truncated") => (rest.len(), true),
                Err(_) if frames == 0 => return Ok(None),
                Err(_) => break,
            };
            let frame = rest.get(..flen).unwrap_or_default();
            let remaining = cap.saturating_sub(out.len() as u64);
            let mut src = frame;
            let dec = match ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                &mut src,
                remaining.max(1 << 20),
            ) {
                Ok(d) => d,
                Err(_) if frames == 0 => return Ok(None),
                Err(e) => {
                    notes.push(format!("frame {}: {e}", frames + 1));
                    break;
                }
            };
            let got = match read_all(NAME, start + pos, ctx, remaining, dec) {
                Ok(d) => {
                    if let (false, Some(e)) = (truncated, &d.error) {
                        notes.push(format!("frame {}: {e}", frames + 1));
                    }
                    d.data
                }
                Err(crate::Error::Malformed { .. }) if frames == 0 => return Ok(None),
                Err(crate::Error::Malformed { message, .. }) => {
                    notes.push(format!("frame {}: {message}", frames + 1));
                    break;
                }
                Err(e) => return Err(e),
            };
            if truncated {
                notes.push(format!(
                    "frame {}: truncated after {} output bytes",
                    frames + 1,
                    got.len()
                ));
            }
            frames += 1;
            out.extend_from_slice(&got);
            pos += flen;
            if truncated {
                break;
            }
        }
        if frames == 0 {
            return Ok(None);
        }
        let mut p = Parsed::new(
            pos as u64,
            Output::Stream {
                data: Bytes::from(out),
                name: None,
            },
        );
        if frames > 1 {
            p.attrs.push(("frames".to_owned(), frames.to_string()));
        }
        p.notes = notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use ruzstd::encoding::{compress_to_vec, CompressionLevel};

    fn zs(d: &[u8]) -> Vec<u8> {
        compress_to_vec(d, CompressionLevel::Fastest)
    }

    #[test]
    fn frames_and_trailing() {
        let a = zs(b"zstd frame one, ");
        let b = zs(&b"two".repeat(100));
        let mut f = a.clone();
        f.extend_from_slice(&b);
        let n = f.len();
        f.extend_from_slice(b"\x28\xb5\x2f\xfd\xff junk");
        let p = Zstd
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        let mut want = b"zstd frame one, ".to_vec();
        want.extend_from_slice(&b"two".repeat(100));
        match p.output {
            Output::Stream { data, .. } => assert_eq!(&data[..], &want[..]),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn truncated_and_bomb() {
        let d: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i / 3).to_le_bytes())
            .collect();
        let f = zs(&d);
        for cut in [4, 5, 8, f.len() / 2, f.len() - 1] {
            let r = Zstd.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
            if let Ok(Some(p)) = r {
                assert!(!p.notes.is_empty(), "cut {cut}");
            }
        }
        let bomb = zs(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Zstd.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
