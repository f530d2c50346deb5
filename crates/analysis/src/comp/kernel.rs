//! What a Linux kernel was built with, as properties of its component, for vulnerability
//! refinement (`baseline-vulndb`'s VEX): the kernel's own symbol table ([`kallsyms`]) and the
//! symbols defined by the kernel modules (`.ko`) in the image's file systems.
//!
//! Owns: the `linux:*` component properties — `linux:kallsyms` (number of symbols decoded),
//! `linux:kallsyms-source` (the tree node and table offset), `linux:modules` (modules read),
//! `linux:root-filesystems` (root file systems seen, where modules would live),
//! `linux:symbol-prefixes` (sorted, comma-joined distinct symbol prefixes, see
//! [`kallsyms::prefix`], of kallsyms and modules). Never does: decide whether a CVE applies.
//!
//! Known limits: modules outside the unpacked file systems (a partition not given, a module
//! loaded from the network) are unseen; only a decoded kallsyms table gives properties.

use super::kallsyms;
use crate::hard::elf;
use crate::Context;
use baseline_unpack::{NodeId, NodeKind};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Modules larger than this are not read (real ones are a few MiB at most).
const MAX_MODULE: usize = 32 * 1024 * 1024;

/// Symbols defined by the `.ko` files of the tree's file systems.
#[derive(Debug, Default)]
pub(super) struct Modules {
    count: usize,
    names: Vec<String>,
}

/// Read every `.ko` in a file system.
fn modules(ctx: &Context<'_>) -> Modules {
    let ids: Vec<NodeId> = ctx
        .tree
        .iter()
        .filter(|(_, n)| {
            n.fs_root.is_some()
                && matches!(n.kind, NodeKind::File)
                && n.name.ends_with(".ko")
                && n.data.len() <= MAX_MODULE
                && elf::is_elf(&n.data)
        })
        .map(|(id, _)| id)
        .collect();
    let parsed: Vec<Vec<String>> = ids
        .par_iter()
        .filter_map(|&id| {
            let n = ctx.tree.get(id)?;
            Some(elf::parse(&n.data)?.defined.into_iter().collect())
        })
        .collect();
    Modules {
        count: parsed.len(),
        names: parsed.into_iter().flatten().collect(),
    }
}

/// `linux:*` properties for a kernel component found in node `id`, when its kallsyms table
/// decodes; `mods` is filled on first use.
pub(super) fn properties(
    ctx: &Context<'_>,
    id: NodeId,
    data: &[u8],
    mods: &OnceLock<Modules>,
) -> Option<BTreeMap<String, String>> {
    let ks = kallsyms::find(data)?;
    let m = mods.get_or_init(|| modules(ctx));
    let prefixes = kallsyms::prefix_set(
        ks.symbols()
            .map(|(_, n)| n)
            .chain(m.names.iter().map(String::as_str)),
    );
    let roots = ctx
        .tree
        .fs_roots()
        .filter(|r| ctx.tree.get(*r).is_some_and(|n| n.is_root_fs))
        .count();
    let mut p = BTreeMap::new();
    p.insert("linux:kallsyms".to_owned(), ks.len().to_string());
    p.insert(
        "linux:kallsyms-source".to_owned(),
        format!(
            "{} (token table at {:#x}, {}-endian)",
            ctx.tree.display_path(id),
            ks.token_table_offset,
            if ks.big_endian { "big" } else { "little" }
        ),
    );
    p.insert("linux:modules".to_owned(), m.count.to_string());
    p.insert("linux:root-filesystems".to_owned(), roots.to_string());
    p.insert("linux:symbol-prefixes".to_owned(), prefixes.join(","));
    Some(p)
}
