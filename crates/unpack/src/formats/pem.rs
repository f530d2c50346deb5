//! PEM (RFC 7468) blocks carved out of larger data: certificates, public and private keys,
//! CSRs, CRLs, any `-----BEGIN <LABEL>-----` … `-----END <LABEL>-----` block.
//!
//! Owns: finding the block's end and checking its body (optional RFC 1421 `Key: value`
//! headers, then base64 lines, `=` padding only at the end, a length that is a multiple of 4).
//! Never does: decode or judge the key or certificate (the KEY analysers do that).
//!
//! Carved region: from the `-` of `BEGIN` through the matching `END` line plus every CR/LF
//! byte that follows it, the bounds binwalk v3 writes as `pem.crt`/`pem.key`.
//! Evidence: the label (`label` attribute). Known false positives: none seen; a BEGIN line in
//! a binary's string table (`"-----BEGIN %s-----"`) fails the body check.
//! References: RFC 7468; binwalk v3 `src/extractors/pem.rs` (bounds only).

use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "pem";
const BEGIN: &[u8] = b"-----BEGIN ";
/// Largest block looked at: a long certificate chain is a few tens of KiB.
const MAX_LEN: usize = 1 << 20;
const MAX_LABEL: usize = 64;

#[derive(Debug)]
pub struct Pem;

impl Format for Pem {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: BEGIN,
            offset: 0,
        }]
    }

    fn carve(&self) -> bool {
        true
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let window = input.get(..MAX_LEN).unwrap_or(input);
        let Some((label, len)) = block_len(window) else {
            return Ok(None);
        };
        let mut p = Parsed::new(len as u64, Output::Info);
        p.attrs.push(("label".into(), label));
        Ok(Some(p))
    }
}

/// Label and carved length of the PEM block at the start of `d`.
pub(crate) fn block_len(d: &[u8]) -> Option<(String, usize)> {
    let rest = d.strip_prefix(BEGIN)?;
    let label_len = rest.iter().take(MAX_LABEL + 1).position(|&b| b == b'-')?;
    let label = rest.get(..label_len)?;
    if label.is_empty()
        || !label
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
    {
        return None;
    }
    let after_label = rest.get(label_len..)?.strip_prefix(b"-----")?;
    let mut pos = d.len() - after_label.len();
    // The BEGIN line ends here.
    pos = skip_eol(d, pos)?;
    let mut end_marker = Vec::with_capacity(label.len() + 14);
    end_marker.extend_from_slice(b"-----END ");
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let mut b64 = 0usize;
    let mut padding = 0usize;
    let mut in_headers = true;
    loop {
        let line_start = pos;
        let line_end = memchr::memchr(b'\n', d.get(pos..)?).map_or(d.len(), |i| pos + i);
        let line = d.get(line_start..line_end)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"-----") {
            if !line.starts_with(&end_marker) || b64 == 0 || !b64.is_multiple_of(4) {
                return None;
            }
            let mut end = line_start + end_marker.len();
            while matches!(d.get(end), Some(b'\r' | b'\n')) {
                end += 1;
            }
            return Some((String::from_utf8_lossy(label).into_owned(), end));
        }
        if line_end >= d.len() {
            return None;
        }
        let trimmed = line.strip_suffix(b" ").unwrap_or(line);
        if in_headers && b64 == 0 && is_header_line(trimmed) {
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) and their continuations.
        } else if trimmed.is_empty() {
            in_headers = false;
        } else {
            in_headers = false;
            for &c in trimmed {
                match c {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => {
                        b64 += 1
                    }
                    b'=' if padding < 2 => {
                        padding += 1;
                        b64 += 1;
                    }
                    b' ' | b'\t' => {}
                    _ => return None,
                }
            }
        }
        pos = line_end + 1;
    }
}

fn is_header_line(line: &[u8]) -> bool {
    let continuation = matches!(line.first(), Some(b' ' | b'\t'));
    let header = memchr::memchr(b':', line).is_some_and(|i| {
        i > 0
            && line
                .get(..i)
                .is_some_and(|k| k.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    (header || continuation)
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

/// Position after the end of line that must follow a BEGIN line (CRLF, LF or CR).
fn skip_eol(d: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos;
    while matches!(d.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    match d.get(p)? {
        b'\r' if d.get(p + 1) == Some(&b'\n') => Some(p + 2),
        b'\r' | b'\n' => Some(p + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIUQ2VydA==\r\n-----END CERTIFICATE-----\r\n";

    fn parse_at(d: &[u8], start: usize) -> Option<Parsed> {
        Pem.parse(
            &Bytes::copy_from_slice(d),
            start,
            &Ctx::new(Default::default()),
        )
        .ok()
        .flatten()
    }

    #[test]
    fn carves_certificate_with_trailing_newlines() {
        let mut d = b"\x7fELF\0\0junk".to_vec();
        d.extend_from_slice(CERT.as_bytes());
        d.extend_from_slice(b"\n\0\0tail");
        let p = parse_at(&d, 10).unwrap();
        assert_eq!(p.len as usize, CERT.len() + 1);
        assert!(matches!(p.output, Output::Info));
        assert_eq!(
            p.attrs,
            vec![("label".to_string(), "CERTIFICATE".to_string())]
        );
    }

    #[test]
    fn carves_encrypted_key_with_headers() {
        let k = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nAAAA\nBBB=\n-----END RSA PRIVATE KEY-----";
        let (label, len) = block_len(k.as_bytes()).unwrap();
        assert_eq!(label, "RSA PRIVATE KEY");
        assert_eq!(len, k.len());
    }

    #[test]
    fn rejects_format_strings_mismatch_and_bad_bodies() {
        assert!(block_len(b"-----BEGIN %s-----\n").is_none());
        assert!(block_len(b"-----BEGIN CERTIFICATE-----\0").is_none());
        assert!(
            block_len(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n").is_none()
        );
        // Body not a multiple of 4, bad character, data after padding, no END (truncated).
        assert!(
            block_len(b"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----").is_none()
        );
        assert!(
            block_len(b"-----BEGIN CERTIFICATE-----\nAA*A\n-----END CERTIFICATE-----").is_none()
        );
        assert!(
            block_len(b"-----BEGIN CERTIFICATE-----\nAA==\nAAAA\n-----END CERTIFICATE-----")
                .is_none()
        );
        assert!(block_len(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIF").is_none());
        assert!(block_len(b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----").is_none());
    }

    #[test]
    fn every_truncation_is_rejected_without_panic() {
        let c = CERT.as_bytes();
        let full = CERT.trim_end().len();
        for cut in 0..c.len() {
            let r = block_len(c.get(..cut).unwrap());
            assert_eq!(r.is_some(), cut >= full, "cut {cut}");
        }
    }

    #[test]
    fn byte_flips_never_panic_and_stay_in_bounds() {
        let base = CERT.as_bytes().to_vec();
        for i in 0..base.len() {
            for v in [0x00u8, 0xFF, 0x21, 0x3B, 0x2C, 0xD9, 0x0A, 0x2D] {
                let mut d = base.clone();
                d[i] = v;
                if let Some(p) = parse_at(&d, 0) {
                    assert!(p.len as usize <= d.len());
                }
            }
        }
    }
}
