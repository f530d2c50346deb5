//! Account databases (`passwd`, `shadow`, their backups and templates) wherever they are in
//! the tree, merged per file system into accounts with a password state, hash format, shell
//! and login capability. Also finds account lines embedded in scripts and binaries.
//!
//! Owns: parsing and merging. Never does: report (the CRED checks do) or crack (`crack`).

use super::crypt::HashFormat;
use crate::scan::{Pattern, Scan};
use crate::Context;
use baseline_unpack::NodeId;
use std::collections::BTreeMap;

/// Which kind of line an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DbKind {
    Passwd,
    Shadow,
    /// A `user:hash…` string inside a file that is not an account database.
    Embedded,
}

/// State of an account's password field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PwState {
    /// A password hash: anyone who knows the password can log in.
    Hash(HashFormat),
    /// No password at all.
    Empty,
    /// `!hash` / `!!`: locked (a hash may be kept behind the lock).
    Locked,
    /// `*`, `x` without a shadow entry, `NP`…: no password can match.
    Disabled,
}

impl PwState {
    pub fn of(field: &str) -> PwState {
        match field {
            "" => PwState::Empty,
            "*" | "x" | "*LK*" | "NP" | "LK" => PwState::Disabled,
            f if f.starts_with('!') => PwState::Locked,
            f if f.starts_with('*') => PwState::Disabled,
            f => PwState::Hash(HashFormat::detect(f)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PwState::Hash(_) => "fixed-hash",
            PwState::Empty => "empty",
            PwState::Locked => "locked",
            PwState::Disabled => "disabled",
        }
    }
}

/// One line of an account database (or an embedded account string).
#[derive(Debug, Clone)]
pub struct Entry {
    pub node: NodeId,
    pub line: u32,
    pub offset: u64,
    pub kind: DbKind,
    pub user: String,
    pub password: String,
    pub uid: Option<u32>,
    pub shell: Option<String>,
    /// The raw line, for (redacted) excerpts.
    pub raw: String,
}

/// An account as the device would see it, merged from its databases.
#[derive(Debug, Clone)]
pub struct Account {
    /// File system it belongs to (or the leaf node for embedded strings outside one).
    pub scope: NodeId,
    pub input: NodeId,
    pub user: String,
    pub password: String,
    pub state: PwState,
    pub uid: Option<u32>,
    pub shell: Option<String>,
    /// `None` when no passwd entry says which shell it has.
    pub login_capable: Option<bool>,
    /// Where the password field was seen (first is the primary).
    pub seen: Vec<Entry>,
    pub embedded: bool,
}

/// File names that hold account databases, their backups and templates.
pub fn is_account_file(name: &str) -> Option<DbKind> {
    let n = name.to_ascii_lowercase();
    let base = n.trim_start_matches('.');
    let suffix_ok = |rest: &str| {
        rest.is_empty()
            || matches!(
                rest,
                "-" | ".bak" | ".old" | ".orig" | ".default" | ".sample" | ".tmp" | "~" | ".save"
            )
            || rest.starts_with(".bak")
            || rest.starts_with('_')
    };
    if base == "master.passwd" {
        return Some(DbKind::Shadow);
    }
    if let Some(rest) = base.strip_prefix("shadow") {
        return suffix_ok(rest).then_some(DbKind::Shadow);
    }
    if let Some(rest) = base.strip_prefix("passwd") {
        return suffix_ok(rest).then_some(DbKind::Passwd);
    }
    None
}

fn valid_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 32
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
        && !u.starts_with('-')
}

fn valid_field(f: &str) -> bool {
    f.len() <= 512 && f.bytes().all(|b| b.is_ascii_graphic())
}

/// Shells that cannot give an interactive login.
pub fn shell_can_login(shell: &str) -> bool {
    let s = shell.trim();
    if s.is_empty() {
        return true; // login(1) uses /bin/sh
    }
    let base = s.rsplit('/').next().unwrap_or(s);
    !matches!(
        base,
        "nologin" | "false" | "true" | "sync" | "shutdown" | "halt" | "null" | "reboot"
    )
}

/// A parsed line: kind, user, password field, uid, shell.
pub type Line = (DbKind, String, String, Option<u32>, Option<String>);

/// Parse one line of a passwd or shadow file (either layout, whatever the file name says).
pub fn parse_line(line: &str) -> Option<Line> {
    let line = line.trim_end_matches('\r');
    if line.starts_with('#') || line.starts_with('+') || line.starts_with('-') {
        return None;
    }
    let f: Vec<&str> = line.split(':').collect();
    let user = *f.first()?;
    let pw = *f.get(1)?;
    if !valid_user(user) || !valid_field(pw) {
        return None;
    }
    let num = |s: &&str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    if f.len() == 7 && f.get(2).is_some_and(num) && f.get(3).is_some_and(num) {
        let uid = f.get(2).and_then(|s| s.parse().ok());
        let shell = f.get(6).map(|s| (*s).to_owned());
        return Some((DbKind::Passwd, user.to_owned(), pw.to_owned(), uid, shell));
    }
    // shadow: name:pw:lastchg:min:max:warn:inactive:expire:reserved (BusyBox may cut it short)
    let tail_ok = f.iter().skip(2).all(|s| {
        s.is_empty() || (s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    });
    // A bare `name:value` line is only taken when the value is a recognisable hash.
    let two_ok = f.len() > 2 || HashFormat::detect(pw) != HashFormat::Unknown;
    if (2..=9).contains(&f.len()) && tail_ok && two_ok {
        return Some((DbKind::Shadow, user.to_owned(), pw.to_owned(), None, None));
    }
    None
}

/// Every parseable line of an account database.
pub fn parse_db(node: NodeId, data: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (i, raw) in data.split(|b| *b == b'\n').enumerate() {
        let here = offset;
        offset = offset.saturating_add(raw.len() as u64 + 1);
        let Ok(line) = std::str::from_utf8(raw) else {
            continue;
        };
        if let Some((kind, user, password, uid, shell)) = parse_line(line) {
            out.push(Entry {
                node,
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                offset: here,
                kind,
                user,
                password,
                uid,
                shell,
                raw: line.trim_end_matches('\r').to_owned(),
            });
        }
        if out.len() >= 10_000 {
            break;
        }
    }
    out
}

/// Account strings inside other files: `user:$1$…` (crypt prefixes found by the scan).
pub fn embedded_entries(node: NodeId, data: &[u8], offsets: &[u64]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for &off in offsets {
        let Ok(at) = usize::try_from(off) else {
            continue;
        };
        // `user:` immediately before the hash.
        let Some(before) = data.get(..at) else {
            continue;
        };
        if before.last() != Some(&b':') {
            continue;
        }
        let start = before
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')))
            .map_or(0, |p| p + 1);
        let Some(after) = data.get(at..) else {
            continue;
        };
        let end = after
            .iter()
            .position(|b| !b.is_ascii_graphic() || matches!(b, b':' | b'"' | b'\'' | b'`'))
            .unwrap_or(after.len());
        let (Some(u), Some(h)) = (data.get(start..at.saturating_sub(1)), after.get(..end)) else {
            continue;
        };
        let (Ok(user), Ok(hash)) = (std::str::from_utf8(u), std::str::from_utf8(h)) else {
            continue;
        };
        // `a:b:user:` → take the last field as the user.
        let user = user.rsplit(':').next().unwrap_or(user);
        if !valid_user(user) || hash.len() < 10 || HashFormat::detect(hash) == HashFormat::Unknown {
            continue;
        }
        if out.iter().any(|e| e.user == user && e.password == hash) {
            continue;
        }
        let line_no = data
            .get(..at)
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count() + 1);
        let ctx_end = at.saturating_add(end);
        let raw = data
            .get(start..ctx_end)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        out.push(Entry {
            node,
            line: u32::try_from(line_no).unwrap_or(u32::MAX),
            offset: start as u64,
            kind: DbKind::Embedded,
            user: user.to_owned(),
            password: hash.to_owned(),
            uid: None,
            shell: None,
            raw,
        });
    }
    out
}

/// Collect the accounts of every file system (and embedded strings) in the tree.
pub fn collect(ctx: &Context<'_>, scan: &Scan) -> Vec<Account> {
    let tree = ctx.tree;
    // scope (fs root or leaf) → entries
    let mut per_scope: BTreeMap<NodeId, Vec<Entry>> = BTreeMap::new();
    for (id, _) in ctx.fs_files() {
        let Some(n) = tree.get(id) else { continue };
        // Binaries named like databases (`/usr/bin/passwd`) are not databases; their strings
        // are covered by the embedded-credential scan.
        let head = n.data.get(..n.data.len().min(4096)).unwrap_or(&[]);
        if is_account_file(&n.name).is_none()
            || n.data.len() > 4 << 20
            || memchr::memchr(0, head).is_some()
        {
            continue;
        }
        let scope = n.fs_root.unwrap_or(id);
        per_scope
            .entry(scope)
            .or_default()
            .extend(parse_db(id, &n.data));
    }
    let mut out = Vec::new();
    for (scope, entries) in &per_scope {
        out.extend(merge(ctx, *scope, entries, false));
    }
    // Embedded strings in other files.
    let crypt_pats = [
        Pattern::CryptMd5,
        Pattern::CryptSha256,
        Pattern::CryptSha512,
        Pattern::CryptBcrypt,
        Pattern::CryptApr1,
        Pattern::CryptYescrypt,
    ];
    let mut emb: BTreeMap<NodeId, Vec<Entry>> = BTreeMap::new();
    for (id, hits) in &scan.nodes {
        let Some(n) = tree.get(*id) else { continue };
        let head = n.data.get(..n.data.len().min(4096)).unwrap_or(&[]);
        if is_account_file(&n.name).is_some()
            && n.fs_root.is_some()
            && memchr::memchr(0, head).is_none()
        {
            continue;
        }
        let mut offs: Vec<u64> = crypt_pats
            .iter()
            .flat_map(|p| hits.offsets(*p).iter().copied())
            .collect();
        offs.sort_unstable();
        let found = embedded_entries(*id, &n.data, &offs);
        if !found.is_empty() {
            emb.entry(n.fs_root.unwrap_or(*id))
                .or_default()
                .extend(found);
        }
    }
    for (scope, entries) in &emb {
        // Shells come from the scope's passwd entries when there are any.
        let mut all: Vec<Entry> = per_scope
            .get(scope)
            .map(|v| {
                v.iter()
                    .filter(|e| e.kind == DbKind::Passwd)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        all.extend(entries.iter().cloned());
        out.extend(merge(ctx, *scope, &all, true));
    }
    out
}

fn merge(ctx: &Context<'_>, scope: NodeId, entries: &[Entry], embedded: bool) -> Vec<Account> {
    // The passwd view: user → (uid, shell), preferring the canonical /etc/passwd.
    let mut pw: BTreeMap<&str, &Entry> = BTreeMap::new();
    let canonical = |e: &Entry| ctx.tree.fs_path(e.node).as_deref() == Some("/etc/passwd");
    for e in entries.iter().filter(|e| e.kind == DbKind::Passwd) {
        match pw.get(e.user.as_str()) {
            Some(prev) if canonical(prev) || !canonical(e) => {}
            _ => {
                pw.insert(&e.user, e);
            }
        }
    }
    let mut accounts: Vec<Account> = Vec::new();
    for e in entries {
        if embedded != (e.kind == DbKind::Embedded) {
            continue;
        }
        // `x` in passwd points at shadow; the shadow entry carries the state.
        if e.kind == DbKind::Passwd && e.password == "x" {
            continue;
        }
        if let Some(a) = accounts
            .iter_mut()
            .find(|a| a.user == e.user && a.password == e.password)
        {
            a.seen.push(e.clone());
            continue;
        }
        let p = pw.get(e.user.as_str());
        let shell = p.and_then(|p| p.shell.clone()).or_else(|| e.shell.clone());
        let login_capable = match (p, &shell) {
            (_, Some(s)) => Some(shell_can_login(s)),
            (Some(_), None) => Some(true),
            (None, None) => None,
        };
        accounts.push(Account {
            scope,
            input: ctx.tree.input_of(scope),
            user: e.user.clone(),
            password: e.password.clone(),
            state: PwState::of(&e.password),
            uid: p.and_then(|p| p.uid).or(e.uid),
            shell,
            login_capable,
            seen: vec![e.clone()],
            embedded,
        });
    }
    accounts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn account_file_names() {
        assert_eq!(is_account_file("shadow.bak"), Some(DbKind::Shadow));
        assert_eq!(is_account_file("passwd-"), Some(DbKind::Passwd));
        assert_eq!(is_account_file("passwd.c"), None);
        assert_eq!(is_account_file("shadowsocks"), None);
    }

    #[test]
    fn parses_passwd_and_shadow_lines() {
        let p = parse_line("root:x:0:0:root:/root:/bin/ash").unwrap();
        assert_eq!(
            (p.0, p.3, p.4.as_deref()),
            (DbKind::Passwd, Some(0), Some("/bin/ash"))
        );
        let s = parse_line("root:$1$Jl7H1VOG$Wgw2F/C.nLNTC.4pwDa4H1:18145:0:99999:7:::").unwrap();
        assert_eq!(
            (s.0, s.2.as_str()),
            (DbKind::Shadow, "$1$Jl7H1VOG$Wgw2F/C.nLNTC.4pwDa4H1")
        );
        assert!(parse_line("# comment").is_none());
        assert!(parse_line("hello world").is_none());
        // `Usage:passwd` in a binary's strings is not an account.
        assert!(parse_line("Usage:passwd").is_none());
        assert!(parse_line("admin:$1$abcdefgh$M55TzYaaccxVGbptZWaxX/").is_some());
    }

    #[test]
    fn states() {
        assert_eq!(PwState::of(""), PwState::Empty);
        assert_eq!(PwState::of("!"), PwState::Locked);
        assert_eq!(PwState::of("*"), PwState::Disabled);
        assert_eq!(
            PwState::of("$6$a$b"),
            PwState::Hash(HashFormat::Sha512Crypt)
        );
        assert!(!shell_can_login("/sbin/nologin"));
        assert!(shell_can_login("/bin/ash"));
    }

    #[test]
    fn embedded_hash_in_script() {
        let data =
            b"echo \"admin:$1$abcdefgh$M55TzYaaccxVGbptZWaxX/:0:0::/:/bin/sh\" > /tmp/passwd\n";
        let off = memchr::memmem::find(data, b"$1$").unwrap() as u64;
        let e = embedded_entries(NodeId(0), data, &[off]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].user, "admin");
        assert_eq!(e[0].password, "$1$abcdefgh$M55TzYaaccxVGbptZWaxX/");
    }
}
