//! Binary hardening (HARD): NX, PIE, RELRO, stack canaries, FORTIFY, RPATH/RUNPATH, symbol
//! tables and imports of unsafe libc functions, for every ELF executable and shared library.
//!
//! Owns: a bounded ELF reader (`elf`) and one aggregated finding per property per input (counts
//! and percentages, the worst binaries as evidence, a per-binary table in `details.binaries`).
//! Never does: disassemble, or judge a binary that is not an executable or shared library
//! (kernel modules and object files are skipped).

pub mod elf;

mod canary;
mod fortify;
mod nx;
mod pie;
mod relro;
mod rpath;
mod symbols;
mod unsafe_functions;

use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use elf::{ElfInfo, ElfKind};
use rayon::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

/// Every HARD check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &nx::INFO,
    &pie::INFO,
    &relro::INFO,
    &canary::INFO,
    &fortify::INFO,
    &rpath::INFO,
    &symbols::INFO,
    &unsafe_functions::INFO,
];

/// Binaries listed per finding in `details.binaries`.
const MAX_TABLE: usize = 2000;
/// Binaries given as evidence per finding.
const MAX_EVIDENCE: usize = 10;

/// One parsed ELF file.
#[derive(Debug, Clone)]
pub struct Binary {
    pub node: NodeId,
    pub path: String,
    pub info: ElfInfo,
}

/// Every executable and shared library in the file systems, grouped by input name.
pub fn binaries(ctx: &Context<'_>) -> BTreeMap<String, Vec<Binary>> {
    let files: Vec<(NodeId, String)> = ctx
        .fs_files()
        .filter(|(id, _)| ctx.tree.get(*id).is_some_and(|n| elf::is_elf(&n.data)))
        .collect();
    let parsed: Vec<(NodeId, String, ElfInfo)> = files
        .into_par_iter()
        .filter_map(|(id, path)| {
            let n = ctx.tree.get(id)?;
            let info = elf::parse(&n.data)?;
            (info.kind != ElfKind::Other).then_some((id, path, info))
        })
        .collect();
    let mut out: BTreeMap<String, Vec<Binary>> = BTreeMap::new();
    for (node, path, info) in parsed {
        let input = ctx
            .tree
            .get(ctx.tree.input_of(node))
            .map(|n| n.name.clone())
            .unwrap_or_default();
        out.entry(input)
            .or_default()
            .push(Binary { node, path, info });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.path.cmp(&b.path));
    }
    out
}

/// Run every HARD check.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let bins = binaries(ctx);
    for (input, list) in &bins {
        for p in PROPERTIES {
            report(ctx, input, list, p, out);
        }
    }
}

/// How one property is judged.
pub(crate) struct Property {
    pub info: &'static CheckInfo,
    /// Does the property apply to this binary at all?
    pub applies: fn(&Binary) -> bool,
    /// The per-binary value (`"yes"`, `"partial"`, `"no"`, `"unknown"`).
    pub value: fn(&Binary) -> String,
    /// Is this value a weakness?
    pub weak: fn(&str) -> bool,
    /// Severity when some binaries are weak.
    pub severity: Severity,
    /// `"{weak} of {total} binaries {what}"`.
    pub what: &'static str,
}

const PROPERTIES: &[&Property] = &[
    &nx::PROPERTY,
    &pie::PROPERTY,
    &relro::PROPERTY,
    &canary::PROPERTY,
    &fortify::PROPERTY,
    &rpath::PROPERTY,
    &symbols::PROPERTY,
    &unsafe_functions::PROPERTY,
];

pub(crate) fn is_program(b: &Binary) -> bool {
    matches!(b.info.kind, ElfKind::Executable | ElfKind::PieExecutable)
}

pub(crate) fn any(_: &Binary) -> bool {
    true
}

pub(crate) fn dynamic(b: &Binary) -> bool {
    !b.info.is_static
}

fn kind_str(k: ElfKind) -> &'static str {
    match k {
        ElfKind::Executable => "executable",
        ElfKind::PieExecutable => "pie-executable",
        ElfKind::SharedLibrary => "shared-library",
        ElfKind::Other => "other",
    }
}

pub(crate) fn machine(m: u16) -> &'static str {
    match m {
        3 => "x86",
        8 => "mips",
        20 => "powerpc",
        21 => "powerpc64",
        40 => "arm",
        62 => "x86-64",
        94 => "xtensa",
        183 => "aarch64",
        243 => "riscv",
        _ => "other",
    }
}

fn report(ctx: &Context<'_>, input: &str, list: &[Binary], p: &Property, out: &mut AnalysisOutput) {
    let rows: Vec<(&Binary, String)> = list
        .iter()
        .filter(|b| (p.applies)(b))
        .map(|b| (b, (p.value)(b)))
        .collect();
    let total = rows.len();
    let weak: Vec<&(&Binary, String)> = rows.iter().filter(|(_, v)| (p.weak)(v)).collect();
    if total == 0 || weak.is_empty() {
        return;
    }
    let unknown = rows.iter().filter(|(_, v)| v == "unknown").count();
    let pct = weak.len() * 100 / total;
    let mut f = crate::finding(
        p.info,
        p.severity,
        Confidence::High,
        format!(
            "{} of {total} binaries ({pct}%) {} in {input}",
            weak.len(),
            p.what
        ),
    );
    // Worst first: programs in the system binary directories (daemons, set-uid helpers), then
    // other programs, then libraries.
    let mut worst: Vec<&&(&Binary, String)> = weak.iter().collect();
    worst.sort_by_key(|(b, _)| {
        let sys = ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"]
            .iter()
            .any(|d| b.path.starts_with(d));
        (!is_program(b), !sys, b.path.clone())
    });
    for (b, v) in worst.iter().take(MAX_EVIDENCE) {
        f.evidence.push(ctx.evidence(b.node).note(format!(
            "{} {} {}-bit {}: {v}",
            kind_str(b.info.kind),
            machine(b.info.machine),
            b.info.bits,
            if b.info.big_endian { "BE" } else { "LE" }
        )));
    }
    f.details.insert("total".into(), json!(total));
    f.details.insert("weak".into(), json!(weak.len()));
    f.details.insert("percent_weak".into(), json!(pct));
    if unknown > 0 {
        f.details.insert("unknown".into(), json!(unknown));
        f.confidence = Confidence::Medium;
    }
    let table: Vec<serde_json::Value> = rows
        .iter()
        .take(MAX_TABLE)
        .map(|(b, v)| json!({"path": b.path, "kind": kind_str(b.info.kind), "value": v}))
        .collect();
    f.details.insert("binaries".into(), json!(table));
    if rows.len() > MAX_TABLE {
        f.details.insert("binaries_truncated".into(), json!(true));
    }
    out.findings.push(f);
}

#[cfg(test)]
mod tests;
