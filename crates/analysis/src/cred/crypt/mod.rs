//! Password-hash formats found in account databases and web password files: identifying a
//! hash string's format and computing `crypt(3)` for a candidate password.
//!
//! Owns: format detection ([`HashFormat::detect`]) and verification ([`verify`]).
//! Never does: choose candidates or manage time (see `crack`).
//!
//! md5crypt/apr1 and SHA-crypt are implemented here (fast paths over `md-5`/`sha2`);
//! DES crypt, BSDi crypt, SHA1-crypt and bcrypt come from `pwhash` (MIT); NT from `md4`;
//! yescrypt from RustCrypto's `yescrypt` (MIT/Apache-2.0).
//! Every format is checked against libxcrypt's known-answer table in the tests.

mod md5crypt;
mod md5lanes;
mod shacrypt;

use base64::Engine as _;
use sha1::Digest as _;

/// The hash formats Baseline recognises. `Unknown` hashes are still fixed credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashFormat {
    DesCrypt,
    BsdiCrypt,
    Md5Crypt,
    Apr1,
    Sha1Crypt,
    Sha256Crypt,
    Sha512Crypt,
    Bcrypt,
    Yescrypt,
    GostYescrypt,
    Scrypt,
    SunMd5,
    Nt,
    /// LDAP `{SHA}` (base64 SHA-1).
    LdapSha,
    /// LDAP `{SSHA}` (base64 SHA-1 + salt).
    LdapSsha,
    Unknown,
}

/// yescrypt settings needing more memory per guess than this are not attempted.
const MAX_YESCRYPT_MEMORY: u64 = 64 << 20;

/// Memory one yescrypt guess needs (128 · r · N bytes), from the compact `$y$jNr$` parameter
/// form only (`j` flags, then N as log2 − 1 and r − 1 in the crypt alphabet); `None` otherwise.
fn yescrypt_memory(stored: &str) -> Option<u64> {
    const ITOA64: &str = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let params = stored.strip_prefix("$y$")?.split('$').next()?;
    let mut c = params.chars();
    let (Some('j'), Some(n), Some(r), None) = (c.next(), c.next(), c.next(), c.next()) else {
        return None;
    };
    let n_log2 = u32::try_from(ITOA64.find(n)?).ok()? + 1;
    let r = u64::try_from(ITOA64.find(r)?).ok()? + 1;
    if n_log2 > 40 {
        return None;
    }
    128u64.checked_mul(r)?.checked_mul(1u64 << n_log2)
}

/// bcrypt costs above this are not attempted (2^cost rounds per guess).
const MAX_BCRYPT_COST: u32 = 12;

impl HashFormat {
    /// Stable kebab-case name used in finding details.
    pub fn as_str(self) -> &'static str {
        match self {
            HashFormat::DesCrypt => "descrypt",
            HashFormat::BsdiCrypt => "bsdicrypt",
            HashFormat::Md5Crypt => "md5crypt",
            HashFormat::Apr1 => "apr1",
            HashFormat::Sha1Crypt => "sha1crypt",
            HashFormat::Sha256Crypt => "sha256crypt",
            HashFormat::Sha512Crypt => "sha512crypt",
            HashFormat::Bcrypt => "bcrypt",
            HashFormat::Yescrypt => "yescrypt",
            HashFormat::GostYescrypt => "gost-yescrypt",
            HashFormat::Scrypt => "scrypt",
            HashFormat::SunMd5 => "sunmd5",
            HashFormat::Nt => "nt",
            HashFormat::LdapSha => "ldap-sha1",
            HashFormat::LdapSsha => "ldap-ssha1",
            HashFormat::Unknown => "unknown",
        }
    }

    /// Identify the format of a stored hash (the password field of an account).
    pub fn detect(h: &str) -> HashFormat {
        let b64ish = |s: &str| {
            s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/')
        };
        if h.starts_with("$1$") {
            HashFormat::Md5Crypt
        } else if h.starts_with("$apr1$") {
            HashFormat::Apr1
        } else if h.starts_with("$5$") {
            HashFormat::Sha256Crypt
        } else if h.starts_with("$6$") {
            HashFormat::Sha512Crypt
        } else if h.starts_with("$2a$")
            || h.starts_with("$2b$")
            || h.starts_with("$2y$")
            || h.starts_with("$2x$")
        {
            HashFormat::Bcrypt
        } else if h.starts_with("$y$") {
            HashFormat::Yescrypt
        } else if h.starts_with("$gy$") {
            HashFormat::GostYescrypt
        } else if h.starts_with("$7$") {
            HashFormat::Scrypt
        } else if h.starts_with("$3$") {
            HashFormat::Nt
        } else if h.starts_with("$md5") {
            HashFormat::SunMd5
        } else if h.starts_with("$sha1$") {
            HashFormat::Sha1Crypt
        } else if h.starts_with("{SHA}") {
            HashFormat::LdapSha
        } else if h.starts_with("{SSHA}") {
            HashFormat::LdapSsha
        } else if h.len() == 20 && h.starts_with('_') && b64ish(&h[1..]) {
            HashFormat::BsdiCrypt
        } else if h.len() == 13 && b64ish(h) {
            HashFormat::DesCrypt
        } else {
            HashFormat::Unknown
        }
    }

    /// Whether [`verify`] can test candidates against this format.
    pub fn crackable(self) -> bool {
        matches!(
            self,
            HashFormat::DesCrypt
                | HashFormat::BsdiCrypt
                | HashFormat::Md5Crypt
                | HashFormat::Apr1
                | HashFormat::Sha1Crypt
                | HashFormat::Sha256Crypt
                | HashFormat::Sha512Crypt
                | HashFormat::Bcrypt
                | HashFormat::Nt
                | HashFormat::Yescrypt
                | HashFormat::LdapSha
                | HashFormat::LdapSsha
        )
    }
}

/// Compute `crypt(password, setting)` for the formats implemented here, in the exact output
/// form libxcrypt produces; `None` for unsupported or malformed settings.
// DES and BSDi crypt are deprecated in pwhash for *new* passwords; we only verify old ones.
#[allow(deprecated)]
pub fn crypt(password: &[u8], setting: &str) -> Option<String> {
    match HashFormat::detect_setting(setting) {
        HashFormat::Md5Crypt => md5crypt::crypt(password, setting, "$1$"),
        HashFormat::Apr1 => md5crypt::crypt(password, setting, "$apr1$"),
        HashFormat::Sha256Crypt => shacrypt::crypt256(password, setting),
        HashFormat::Sha512Crypt => shacrypt::crypt512(password, setting),
        HashFormat::DesCrypt => pwhash::unix_crypt::hash_with(setting, password).ok(),
        HashFormat::BsdiCrypt => pwhash::bsdi_crypt::hash_with(setting, password).ok(),
        HashFormat::Sha1Crypt => pwhash::sha1_crypt::hash_with(setting, password).ok(),
        HashFormat::Bcrypt => bcrypt(password, setting),
        HashFormat::Nt => Some(nt(password)),
        _ => None,
    }
}

/// yescrypt (`$y$`) through RustCrypto's `yescrypt`: verification only (the crate computes
/// the hash from the stored string's parameters and salt).
fn yescrypt_verify(password: &[u8], stored: &str) -> bool {
    use yescrypt::PasswordVerifier as _;
    let Ok(h) = yescrypt::PasswordHashRef::new(stored) else {
        return false;
    };
    yescrypt::Yescrypt::default()
        .verify_password(password, h)
        .is_ok()
}

impl HashFormat {
    /// Like [`detect`](Self::detect) but for settings (which may lack the hash part).
    fn detect_setting(s: &str) -> HashFormat {
        match HashFormat::detect(s) {
            HashFormat::Unknown if s.len() == 2 || (s.len() > 13 && !s.starts_with('$')) => {
                if s.starts_with('_') {
                    HashFormat::BsdiCrypt
                } else {
                    HashFormat::DesCrypt
                }
            }
            HashFormat::Unknown if s.starts_with('_') && s.len() >= 9 => HashFormat::BsdiCrypt,
            f => f,
        }
    }
}

fn bcrypt(password: &[u8], setting: &str) -> Option<String> {
    let variant = setting.get(..4)?;
    let cost: u32 = setting.get(4..6)?.parse().ok()?;
    if cost > MAX_BCRYPT_COST {
        return None;
    }
    // pwhash implements the 2b algorithm. `$2x$` (the pre-2011 sign-extension bug) and
    // libxcrypt's `$2a$` (with its countermeasure) equal it for 7-bit passwords only, so 8-bit
    // candidates are not tried against them.
    let ascii = password.is_ascii();
    let (label, norm) = match variant {
        "$2x$" | "$2a$" if !ascii => return None,
        "$2x$" => ("$2x$", "$2a$"),
        "$2a$" | "$2b$" | "$2y$" => (variant, variant),
        _ => return None,
    };
    let rest = setting.get(4..)?;
    let out = pwhash::bcrypt::hash_with(format!("{norm}{rest}").as_str(), password).ok()?;
    Some(format!("{label}{}", out.get(4..)?))
}

/// libxcrypt's NT hash: MD4 over the password's bytes zero-extended to UTF-16LE.
fn nt(password: &[u8]) -> String {
    let mut h = md4::Md4::new();
    for b in password {
        h.update([*b, 0]);
    }
    format!("$3$${}", hex::encode(h.finalize()))
}

/// Index of the first of `cands` that verifies against `stored`, as `position(verify)` would
/// find it; md5crypt candidates are hashed several at a time (`md5lanes`).
pub fn verify_first<S: AsRef<[u8]>>(cands: &[S], stored: &str) -> Option<usize> {
    match HashFormat::detect(stored) {
        HashFormat::Md5Crypt => md5lanes::find_first(cands, stored, "$1$"),
        HashFormat::Apr1 => md5lanes::find_first(cands, stored, "$apr1$"),
        _ => cands.iter().position(|c| verify(c.as_ref(), stored)),
    }
}

/// Whether `password` produces `stored`. Unsupported formats never match.
pub fn verify(password: &[u8], stored: &str) -> bool {
    match HashFormat::detect(stored) {
        HashFormat::LdapSha => ldap_sha(password, stored, false),
        HashFormat::LdapSsha => ldap_sha(password, stored, true),
        HashFormat::Yescrypt => yescrypt_verify(password, stored),
        f if f.crackable() => crypt(password, stored).is_some_and(|c| c == stored),
        _ => false,
    }
}

fn ldap_sha(password: &[u8], stored: &str, salted: bool) -> bool {
    let b64 = stored
        .trim_start_matches("{SHA}")
        .trim_start_matches("{SSHA}");
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    let Some((digest, salt)) = raw.split_at_checked(20) else {
        return false;
    };
    if !salted && !salt.is_empty() {
        return false;
    }
    let mut h = sha1::Sha1::new();
    h.update(password);
    h.update(salt);
    h.finalize().as_slice() == digest
}

/// The crypt alphabet (`./0-9A-Za-z`) encoding of 24-bit groups, least significant first.
pub(crate) fn b64_from_24bit(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(
            ITOA64.get((w & 0x3f) as usize).copied().unwrap_or(b'.'),
        ));
        w >>= 6;
    }
}

#[cfg(test)]
mod tests;

/// Whether one guess against `stored` costs little enough to try a dictionary (bcrypt cost and
/// SHA-crypt rounds are bounded so a hostile hash cannot eat the budget in one guess).
pub fn affordable(stored: &str) -> bool {
    match HashFormat::detect(stored) {
        HashFormat::Bcrypt => stored
            .get(4..6)
            .and_then(|c| c.parse::<u32>().ok())
            .is_some_and(|c| c <= MAX_BCRYPT_COST),
        HashFormat::Sha256Crypt | HashFormat::Sha512Crypt => {
            shacrypt::rounds_of(stored) <= shacrypt::ROUNDS_CRACK_MAX
        }
        HashFormat::Yescrypt => yescrypt_memory(stored).is_some_and(|m| m <= MAX_YESCRYPT_MEMORY),
        _ => true,
    }
}
