//! Recognising and validating key material: PEM armour (PKCS#1, PKCS#8 plain and encrypted,
//! SEC1, OpenSSH, certificates, PGP private blocks), raw DER (keys, certificates, PKCS#12),
//! Dropbear's binary host keys and PuTTY key files.
//!
//! Owns: turning bytes at an offset into a validated [`Material`] with its fingerprint. Text
//! that merely says "PRIVATE KEY" (library strings, empty armour) is not material: the
//! structure inside must parse.

use super::der::{self, Tlv};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// What the material is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PrivateKey,
    Certificate,
}

/// Certificate fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub signature_algorithm: String,
    pub self_signed: bool,
}

/// One validated piece of key material.
#[derive(Debug, Clone)]
pub struct Material {
    pub kind: Kind,
    /// `pkcs1`, `pkcs8`, `pkcs8-encrypted`, `pem-encrypted`, `sec1`, `openssh`, `dropbear`,
    /// `putty`, `pkcs12`, `x509`, `pgp`.
    pub container: &'static str,
    /// `rsa`, `dsa`, `ec`, `ed25519`, `unknown`.
    pub key_type: &'static str,
    pub bits: Option<usize>,
    pub curve: Option<&'static str>,
    /// `SHA256:<base64>` over the SSH public-key blob when the public key is known (as
    /// `ssh-keygen -l`), else `sha256:<hex>` of the encoded material.
    pub fingerprint: String,
    pub encrypted: bool,
    pub cert: Option<CertInfo>,
    /// Byte range in the node.
    pub offset: u64,
    pub len: usize,
    /// The start of the encoded body (for redacted excerpts).
    pub preview: String,
}

const MAX_PEM: usize = 64 * 1024;

fn ssh_string(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(b);
}

/// OpenSSH-style fingerprint of an SSH public-key blob.
pub fn ssh_fingerprint(blob: &[u8]) -> String {
    let d = Sha256::digest(blob);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)
    )
}

fn raw_fingerprint(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// DER INTEGER contents are already SSH mpints for positive values.
fn rsa_blob(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    ssh_string(&mut v, b"ssh-rsa");
    ssh_string(&mut v, e);
    ssh_string(&mut v, n);
    v
}

fn dsa_blob(p: &[u8], q: &[u8], g: &[u8], y: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    ssh_string(&mut v, b"ssh-dss");
    for x in [p, q, g, y] {
        ssh_string(&mut v, x);
    }
    v
}

fn curve_of(oid: &str) -> Option<(&'static str, &'static str)> {
    match oid {
        "1.2.840.10045.3.1.7" => Some(("nistp256", "P-256")),
        "1.3.132.0.34" => Some(("nistp384", "P-384")),
        "1.3.132.0.35" => Some(("nistp521", "P-521")),
        _ => None,
    }
}

fn ec_blob(ssh_curve: &str, point: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    ssh_string(&mut v, format!("ecdsa-sha2-{ssh_curve}").as_bytes());
    ssh_string(&mut v, ssh_curve.as_bytes());
    ssh_string(&mut v, point);
    v
}

struct KeyFacts {
    key_type: &'static str,
    bits: Option<usize>,
    curve: Option<&'static str>,
    fingerprint: String,
}

/// PKCS#1 RSAPrivateKey: version, n, e, d, p, q, dp, dq, qinv.
fn pkcs1(b: &[u8]) -> Option<KeyFacts> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    if c.len() < 9 || c.iter().take(9).any(|t| t.tag != der::INTEGER) {
        return None;
    }
    let (n, e) = (c.get(1)?.content, c.get(2)?.content);
    Some(KeyFacts {
        key_type: "rsa",
        bits: Some(der::int_bits(n)),
        curve: None,
        fingerprint: ssh_fingerprint(&rsa_blob(n, e)),
    })
}

/// DSA private key (OpenSSL): version, p, q, g, y, x.
fn dsa(b: &[u8]) -> Option<KeyFacts> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    if c.len() != 6 || c.iter().any(|t| t.tag != der::INTEGER) {
        return None;
    }
    let g = |i: usize| c.get(i).map(|t| t.content);
    Some(KeyFacts {
        key_type: "dsa",
        bits: Some(der::int_bits(g(1)?)),
        curve: None,
        fingerprint: ssh_fingerprint(&dsa_blob(g(1)?, g(2)?, g(3)?, g(4)?)),
    })
}

/// SEC1 ECPrivateKey: version 1, key, [0] curve, [1] public point.
fn sec1(b: &[u8], curve_hint: Option<&str>) -> Option<KeyFacts> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    if c.first()?.tag != der::INTEGER || c.get(1)?.tag != der::OCTET_STRING {
        return None;
    }
    let mut curve_oid = curve_hint.map(str::to_owned);
    let mut point: Option<&[u8]> = None;
    for t in c.iter().skip(2) {
        match t.tag {
            0xa0 => {
                curve_oid =
                    der::expect(t.content, der::OID).and_then(|o| der::oid_string(o.content))
            }
            0xa1 => {
                point = der::expect(t.content, der::BIT_STRING).and_then(|bs| bs.content.get(1..))
            }
            _ => {}
        }
    }
    let curve = curve_oid.as_deref().and_then(curve_of);
    let fingerprint = match (curve, point) {
        (Some((ssh, _)), Some(p)) => ssh_fingerprint(&ec_blob(ssh, p)),
        _ => raw_fingerprint(c.get(1)?.content),
    };
    Some(KeyFacts {
        key_type: "ec",
        bits: None,
        curve: curve.map(|c| c.1),
        fingerprint,
    })
}

/// PKCS#8 PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING key.
fn pkcs8(b: &[u8]) -> Option<KeyFacts> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    if c.first()?.tag != der::INTEGER {
        return None;
    }
    let alg = der::children(c.get(1).filter(|t| t.tag == der::SEQUENCE)?.content)?;
    let oid = der::oid_string(alg.first().filter(|t| t.tag == der::OID)?.content)?;
    let key = c.get(2).filter(|t| t.tag == der::OCTET_STRING)?.content;
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => pkcs1(key),
        "1.2.840.10045.2.1" => {
            let param = alg
                .get(1)
                .filter(|t| t.tag == der::OID)
                .and_then(|t| der::oid_string(t.content));
            sec1(key, param.as_deref())
        }
        "1.2.840.10040.4.1" => Some(KeyFacts {
            key_type: "dsa",
            bits: None,
            curve: None,
            fingerprint: raw_fingerprint(key),
        }),
        "1.3.101.112" => Some(KeyFacts {
            key_type: "ed25519",
            bits: Some(256),
            curve: None,
            fingerprint: raw_fingerprint(key),
        }),
        _ => Some(KeyFacts {
            key_type: "unknown",
            bits: None,
            curve: None,
            fingerprint: raw_fingerprint(key),
        }),
    }
}

/// EncryptedPrivateKeyInfo: AlgorithmIdentifier, OCTET STRING.
fn pkcs8_encrypted(b: &[u8]) -> Option<()> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    (c.len() == 2 && c.first()?.tag == der::SEQUENCE && c.get(1)?.tag == der::OCTET_STRING)
        .then_some(())
}

/// PKCS#12 PFX: version 3, ContentInfo (pkcs7-data or signed-data), optional MacData.
fn pkcs12(b: &[u8]) -> Option<()> {
    let seq = der::expect(b, der::SEQUENCE)?;
    let c = der::children(seq.content)?;
    let v = c.first().filter(|t| t.tag == der::INTEGER)?.content;
    if v != [3] {
        return None;
    }
    let ci = der::children(c.get(1).filter(|t| t.tag == der::SEQUENCE)?.content)?;
    let oid = der::oid_string(ci.first().filter(|t| t.tag == der::OID)?.content)?;
    matches!(
        oid.as_str(),
        "1.2.840.113549.1.7.1" | "1.2.840.113549.1.7.2"
    )
    .then_some(())
}

fn name_string(t: &Tlv<'_>) -> Option<String> {
    let mut parts = Vec::new();
    for rdn in der::children(t.content)? {
        for atv in der::children(rdn.content)? {
            let f = der::children(atv.content)?;
            let oid = der::oid_string(f.first()?.content)?;
            let val = String::from_utf8_lossy(f.get(1)?.content).into_owned();
            let short = match oid.as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "1.2.840.113549.1.9.1" => "emailAddress",
                _ => "",
            };
            let key = if short.is_empty() {
                oid
            } else {
                short.to_owned()
            };
            parts.push(format!("{key}={val}"));
        }
    }
    Some(parts.join(", "))
}

fn time_string(t: &Tlv<'_>) -> String {
    let s = String::from_utf8_lossy(t.content);
    let full = if t.tag == 0x17 {
        // UTCTime YYMMDDHHMMSSZ: 50–99 → 19xx.
        let yy: u32 = s.get(..2).and_then(|y| y.parse().ok()).unwrap_or(0);
        format!("{}{}", if yy >= 50 { "19" } else { "20" }, s)
    } else {
        s.into_owned()
    };
    match (
        full.get(..4),
        full.get(4..6),
        full.get(6..8),
        full.get(8..10),
        full.get(10..12),
        full.get(12..14),
    ) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) => {
            format!("{y}-{mo}-{d}T{h}:{mi}:{se}Z")
        }
        _ => full,
    }
}

fn sig_alg_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassa-pss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-sha1",
        "1.3.101.112" => "ed25519",
        o => return o.to_owned(),
    }
    .to_owned()
}

/// SubjectPublicKeyInfo → key facts.
fn spki(t: &Tlv<'_>) -> Option<KeyFacts> {
    let c = der::children(t.content)?;
    let alg = der::children(c.first()?.content)?;
    let oid = der::oid_string(alg.first()?.content)?;
    let bits = c
        .get(1)
        .filter(|t| t.tag == der::BIT_STRING)?
        .content
        .get(1..)?;
    let fp = raw_fingerprint(t.content);
    Some(match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            let k = der::children(der::expect(bits, der::SEQUENCE)?.content)?;
            let (n, e) = (k.first()?.content, k.get(1)?.content);
            KeyFacts {
                key_type: "rsa",
                bits: Some(der::int_bits(n)),
                curve: None,
                fingerprint: ssh_fingerprint(&rsa_blob(n, e)),
            }
        }
        "1.2.840.10045.2.1" => {
            let curve = alg
                .get(1)
                .and_then(|t| der::oid_string(t.content))
                .and_then(|o| curve_of(&o));
            KeyFacts {
                key_type: "ec",
                bits: None,
                curve: curve.map(|c| c.1),
                fingerprint: curve.map_or(fp, |(ssh, _)| ssh_fingerprint(&ec_blob(ssh, bits))),
            }
        }
        "1.2.840.10040.4.1" => KeyFacts {
            key_type: "dsa",
            bits: None,
            curve: None,
            fingerprint: fp,
        },
        "1.3.101.112" => KeyFacts {
            key_type: "ed25519",
            bits: Some(256),
            curve: None,
            fingerprint: fp,
        },
        _ => KeyFacts {
            key_type: "unknown",
            bits: None,
            curve: None,
            fingerprint: fp,
        },
    })
}

/// X.509 Certificate.
fn x509(b: &[u8]) -> Option<(KeyFacts, CertInfo)> {
    let cert = der::expect(b, der::SEQUENCE)?;
    let c = der::children(cert.content)?;
    if c.len() != 3 {
        return None;
    }
    let tbs = der::children(c.first().filter(|t| t.tag == der::SEQUENCE)?.content)?;
    let skip = usize::from(tbs.first()?.tag == 0xa0);
    let f = |i: usize| tbs.get(skip + i);
    if f(0)?.tag != der::INTEGER {
        return None;
    }
    let issuer = f(2)?;
    let validity = der::children(f(3)?.content)?;
    let subject = f(4)?;
    let key = spki(f(5)?)?;
    let sig_oid = der::oid_string(der::children(c.get(1)?.content)?.first()?.content)?;
    let info = CertInfo {
        subject: name_string(subject)?,
        issuer: name_string(issuer)?,
        not_before: time_string(validity.first()?),
        not_after: time_string(validity.get(1)?),
        signature_algorithm: sig_alg_name(&sig_oid),
        self_signed: issuer.content == subject.content,
    };
    Some((key, info))
}

fn material(kind: Kind, container: &'static str, k: KeyFacts, encrypted: bool) -> Material {
    Material {
        kind,
        container,
        key_type: k.key_type,
        bits: k.bits,
        curve: k.curve,
        fingerprint: k.fingerprint,
        encrypted,
        cert: None,
        offset: 0,
        len: 0,
        preview: String::new(),
    }
}

fn opaque(kind: Kind, container: &'static str, body: &[u8], encrypted: bool) -> Material {
    material(
        kind,
        container,
        KeyFacts {
            key_type: "unknown",
            bits: None,
            curve: None,
            fingerprint: raw_fingerprint(body),
        },
        encrypted,
    )
}

/// Classify a whole DER object (files named .der/.key/.p12…, or any DER-looking file).
pub fn from_der(b: &[u8]) -> Option<Material> {
    let t = der::expect(b, der::SEQUENCE)?;
    let whole = b.get(..t.total)?;
    if let Some(k) = pkcs1(whole) {
        return Some(material(Kind::PrivateKey, "pkcs1", k, false));
    }
    if let Some(k) = pkcs8(whole) {
        return Some(material(Kind::PrivateKey, "pkcs8", k, false));
    }
    if let Some(k) = sec1(whole, None) {
        return Some(material(Kind::PrivateKey, "sec1", k, false));
    }
    if let Some(k) = dsa(whole) {
        return Some(material(Kind::PrivateKey, "dsa", k, false));
    }
    if let Some((k, info)) = x509(whole) {
        let mut m = material(Kind::Certificate, "x509", k, false);
        m.cert = Some(info);
        return Some(m);
    }
    if pkcs12(whole).is_some() {
        return Some(opaque(Kind::PrivateKey, "pkcs12", whole, true));
    }
    None
}

/// Parse the PEM block starting at `at` (the `-----BEGIN ` marker).
pub fn from_pem(data: &[u8], at: usize) -> Option<Material> {
    let rest = data.get(at..)?;
    let rest = rest.get(..rest.len().min(MAX_PEM))?;
    // The label ends at the first dashes after `-----BEGIN `, which must end the line (LF or
    // CRLF). Searching the whole window for `-----\n` instead found the wrong line when a
    // CRLF block was followed by an LF one.
    let head_end = memchr::memmem::find(rest.get(11..)?, b"-----")? + 11;
    let after = rest.get(head_end + 5..)?;
    if !(after.starts_with(b"\n") || after.starts_with(b"\r\n")) {
        return None;
    }
    let label = std::str::from_utf8(rest.get(11..head_end)?).ok()?;
    if label.len() > 40 {
        return None;
    }
    let end_marker = format!("-----END {label}-----");
    let body_start = head_end + 5;
    let end = memchr::memmem::find(rest.get(body_start..)?, end_marker.as_bytes())? + body_start;
    let body = std::str::from_utf8(rest.get(body_start..end)?).ok()?;
    let mut encrypted = false;
    let mut b64 = String::new();
    for line in body.lines() {
        let l = line.trim();
        if l.contains(':') {
            if l.starts_with("Proc-Type:") && l.contains("ENCRYPTED") {
                encrypted = true;
            }
            continue;
        }
        b64.push_str(l);
    }
    let preview: String = b64.chars().take(4).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()?;
    if bytes.is_empty() {
        return None;
    }
    let mut m = match label {
        "RSA PRIVATE KEY" | "DSA PRIVATE KEY" | "EC PRIVATE KEY" if encrypted => {
            let mut m = opaque(Kind::PrivateKey, "pem-encrypted", &bytes, true);
            m.key_type = match label {
                "RSA PRIVATE KEY" => "rsa",
                "DSA PRIVATE KEY" => "dsa",
                _ => "ec",
            };
            m
        }
        "RSA PRIVATE KEY" => material(Kind::PrivateKey, "pkcs1", pkcs1(&bytes)?, false),
        "DSA PRIVATE KEY" => material(Kind::PrivateKey, "dsa", dsa(&bytes)?, false),
        "EC PRIVATE KEY" => material(Kind::PrivateKey, "sec1", sec1(&bytes, None)?, false),
        "PRIVATE KEY" => material(Kind::PrivateKey, "pkcs8", pkcs8(&bytes)?, false),
        "ENCRYPTED PRIVATE KEY" => {
            pkcs8_encrypted(&bytes)?;
            opaque(Kind::PrivateKey, "pkcs8-encrypted", &bytes, true)
        }
        "OPENSSH PRIVATE KEY" => openssh(&bytes)?,
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            let (k, info) = x509(&bytes)?;
            let mut m = material(Kind::Certificate, "x509", k, false);
            m.cert = Some(info);
            m
        }
        "PGP PRIVATE KEY BLOCK" => {
            // Old- or new-format packet header of a Secret-Key packet (tag 5).
            let first = *bytes.first()?;
            let tag = if first & 0x40 != 0 {
                first & 0x3f
            } else {
                (first >> 2) & 0x0f
            };
            if first & 0x80 == 0 || tag != 5 {
                return None;
            }
            opaque(Kind::PrivateKey, "pgp", &bytes, false)
        }
        _ => return None,
    };
    m.offset = at as u64;
    m.len = end + end_marker.len();
    m.preview = preview;
    Some(m)
}

fn take_string<'a>(b: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let s = b.get(4..4usize.checked_add(len)?)?;
    *b = b.get(4 + len..)?;
    Some(s)
}

fn key_from_blob(blob: &[u8]) -> Option<KeyFacts> {
    let mut b = blob;
    let t = take_string(&mut b)?;
    let (key_type, bits, curve) = match t {
        b"ssh-rsa" => {
            let _e = take_string(&mut b)?;
            let n = take_string(&mut b)?;
            ("rsa", Some(der::int_bits(n)), None)
        }
        b"ssh-dss" => ("dsa", Some(der::int_bits(take_string(&mut b)?)), None),
        b"ssh-ed25519" => ("ed25519", Some(256), None),
        b"ecdsa-sha2-nistp256" => ("ec", None, Some("P-256")),
        b"ecdsa-sha2-nistp384" => ("ec", None, Some("P-384")),
        b"ecdsa-sha2-nistp521" => ("ec", None, Some("P-521")),
        _ => ("unknown", None, None),
    };
    Some(KeyFacts {
        key_type,
        bits,
        curve,
        fingerprint: ssh_fingerprint(blob),
    })
}

/// OpenSSH `openssh-key-v1` container: the public key is stored in clear.
fn openssh(b: &[u8]) -> Option<Material> {
    let mut r = b.strip_prefix(b"openssh-key-v1\0")?;
    let cipher = take_string(&mut r)?;
    let _kdf = take_string(&mut r)?;
    let _kdfopts = take_string(&mut r)?;
    let n = u32::from_be_bytes(r.get(..4)?.try_into().ok()?);
    r = r.get(4..)?;
    if n == 0 || n > 16 {
        return None;
    }
    let pubkey = take_string(&mut r)?;
    let _private = take_string(&mut r)?;
    let k = key_from_blob(pubkey)?;
    let encrypted = cipher != b"none";
    Some(material(Kind::PrivateKey, "openssh", k, encrypted))
}

/// Dropbear host key at `at`: SSH wire strings type, public fields, then the private fields.
pub fn from_dropbear(data: &[u8], at: usize) -> Option<Material> {
    let start = data.get(at..)?;
    let mut r = start;
    let t = take_string(&mut r)?;
    let mut fields: Vec<&[u8]> = Vec::new();
    let (pub_count, total) = match t {
        b"ssh-rsa" => (2, 5),                              // e n | d p q
        b"ssh-dss" => (4, 5),                              // p q g y | x
        b"ssh-ed25519" => (1, 1),                          // 64-byte secret+public
        t if t.starts_with(b"ecdsa-sha2-nistp") => (2, 3), // curve Q | d
        _ => return None,
    };
    for _ in 0..total {
        let f = take_string(&mut r)?;
        if f.is_empty() || f.len() > 2048 {
            return None;
        }
        fields.push(f);
    }
    let used = start.len() - r.len();
    let mut blob = Vec::new();
    ssh_string(&mut blob, t);
    let k = if t == b"ssh-ed25519" {
        let sk = fields.first()?;
        if sk.len() != 64 {
            return None;
        }
        ssh_string(&mut blob, sk.get(32..)?);
        key_from_blob(&blob)?
    } else {
        for f in fields.iter().take(pub_count) {
            ssh_string(&mut blob, f);
        }
        // RSA: private d must be shorter than or as long as n; cheap plausibility.
        if t == b"ssh-rsa" && fields.get(2)?.len() > fields.get(1)?.len() + 1 {
            return None;
        }
        key_from_blob(&blob)?
    };
    let mut m = material(Kind::PrivateKey, "dropbear", k, false);
    m.offset = at as u64;
    m.len = used;
    m.preview = "dropbear".into();
    Some(m)
}

/// PuTTY `.ppk` (v2/v3): the public blob is in clear.
pub fn from_putty(data: &[u8], at: usize) -> Option<Material> {
    let rest = data.get(at..)?;
    let text = std::str::from_utf8(rest.get(..rest.len().min(MAX_PEM))?).ok()?;
    let mut lines = text.lines();
    let first = lines.next()?;
    if !first.starts_with("PuTTY-User-Key-File-") {
        return None;
    }
    let mut encrypted = false;
    let mut b64 = String::new();
    let mut want = 0usize;
    let mut has_private = false;
    for l in lines.by_ref() {
        if let Some(e) = l.strip_prefix("Encryption: ") {
            encrypted = e.trim() != "none";
        } else if let Some(n) = l.strip_prefix("Public-Lines: ") {
            want = n.trim().parse().ok()?;
            break;
        }
    }
    for _ in 0..want.min(64) {
        b64.push_str(lines.next()?.trim());
    }
    for l in lines.take(4) {
        if l.starts_with("Private-Lines:") {
            has_private = true;
        }
    }
    if !has_private {
        return None;
    }
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let mut m = material(Kind::PrivateKey, "putty", key_from_blob(&blob)?, encrypted);
    m.offset = at as u64;
    m.len = text.len();
    m.preview = "PuTTY".into();
    Some(m)
}
