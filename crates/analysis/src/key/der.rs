//! A minimal, bounds-checked DER reader: enough to validate and walk PKCS#1, PKCS#8, SEC1,
//! X.509 and PKCS#12 outer structures. Definite lengths only (DER); no allocation.

/// One TLV.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// Header + content length.
    pub total: usize,
}

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;

/// Read one TLV at the start of `b`.
pub fn read(b: &[u8]) -> Option<Tlv<'_>> {
    let tag = *b.first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers do not occur in the structures we read
    }
    let l0 = *b.get(1)?;
    let (len, hdr) = if l0 < 0x80 {
        (usize::from(l0), 2usize)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None; // indefinite (BER) or absurd
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let content = b.get(hdr..end)?;
    Some(Tlv {
        tag,
        content,
        total: end,
    })
}

/// Read a TLV with the expected tag.
pub fn expect(b: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read(b).filter(|t| t.tag == tag)
}

/// The children of a constructed TLV's content, all of which must parse and fill it exactly.
pub fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let t = read(rest)?;
        rest = rest.get(t.total..)?;
        out.push(t);
        if out.len() > 4096 {
            return None;
        }
    }
    Some(out)
}

/// Dotted form of an OID's content bytes.
pub fn oid_string(c: &[u8]) -> Option<String> {
    let first = *c.first()?;
    let a = u64::from(first / 40).min(2);
    let mut parts = vec![a, u64::from(first) - a * 40];
    let mut v: u64 = 0;
    for b in c.get(1..)? {
        v = v.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(v);
            v = 0;
        }
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// Bit length of a positive INTEGER's content.
pub fn int_bits(c: &[u8]) -> usize {
    let mut s = c;
    while let Some((0, rest)) = s.split_first() {
        s = rest;
    }
    match s.first() {
        None => 0,
        Some(b) => s.len() * 8 - b.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    #[test]
    fn reads_and_rejects() {
        let t = read(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
        assert_eq!(t.tag, SEQUENCE);
        assert_eq!(children(t.content).unwrap().len(), 1);
        assert!(read(&[0x30, 0x05, 0x02]).is_none());
        assert!(read(&[0x30, 0x80]).is_none());
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).unwrap(),
            "1.2.840.113549.1.1.1"
        );
        assert_eq!(int_bits(&[0x00, 0x80, 0x00]), 16);
    }
}
