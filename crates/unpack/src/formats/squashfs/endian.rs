//! Bounds-checked integer and bit-field reads in either byte order.
//!
//! squashfs 2.x/3.x structures are packed C bit-fields: on little-endian images bit
//! positions count from the least significant bit of a little-endian bit string, on
//! big-endian images from the most significant bit of a big-endian one. [`Cur::bits`]
//! implements both, so one field table serves both byte orders.

/// A byte slice read in one byte order. Every read returns `None` past the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cur<'a> {
    pub buf: &'a [u8],
    pub be: bool,
}

impl<'a> Cur<'a> {
    pub fn new(buf: &'a [u8], be: bool) -> Self {
        Cur { buf, be }
    }

    fn arr<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.buf.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    pub fn u16(&self, at: usize) -> Option<u16> {
        let a = self.arr::<2>(at)?;
        Some(if self.be {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }

    pub fn u32(&self, at: usize) -> Option<u32> {
        let a = self.arr::<4>(at)?;
        Some(if self.be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    pub fn u64(&self, at: usize) -> Option<u64> {
        let a = self.arr::<8>(at)?;
        Some(if self.be {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }

    /// Bit-field of `width` (≤ 64) bits at bit position `pos` of a packed structure.
    pub fn bits(&self, pos: usize, width: usize) -> Option<u64> {
        if width == 0 || width > 64 {
            return None;
        }
        let first = pos / 8;
        let last = (pos + width).div_ceil(8);
        let bytes = self.buf.get(first..last)?;
        let mut v: u128 = 0;
        let n = bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            if self.be {
                v = (v << 8) | u128::from(b);
            } else {
                v |= u128::from(b) << (8 * i);
            }
        }
        let shift = if self.be {
            n * 8 - (pos % 8) - width
        } else {
            pos % 8
        };
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        Some(((v >> shift) as u64) & mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitfields_in_both_orders() {
        // Dir entry (v3): offset:13, type:3, size:8, inode_number:16.
        // LE: offset 0x123, type 2, size 5, inode 0x0102.
        let le_word = 0x123u16 | (2 << 13);
        let mut le = le_word.to_le_bytes().to_vec();
        le.extend([5, 0x02, 0x01]);
        let c = Cur::new(&le, false);
        assert_eq!(c.bits(0, 13), Some(0x123));
        assert_eq!(c.bits(13, 3), Some(2));
        assert_eq!(c.bits(16, 8), Some(5));
        assert_eq!(c.bits(24, 16), Some(0x102));
        // BE: fields fill from the most significant bit.
        let be_word = (0x123u16 << 3) | 2;
        let mut be = be_word.to_be_bytes().to_vec();
        be.extend([5, 0x01, 0x02]);
        let c = Cur::new(&be, true);
        assert_eq!(c.bits(0, 13), Some(0x123));
        assert_eq!(c.bits(13, 3), Some(2));
        assert_eq!(c.bits(16, 8), Some(5));
        assert_eq!(c.bits(24, 16), Some(0x102));
        assert_eq!(c.bits(32, 16), None);
    }
}
