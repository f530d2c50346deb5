//! The unpacking engine: identify formats by content, carve, extract and recurse.
//!
//! Owns: the per-node scan (one Aho-Corasick pass over every registered format's magics,
//! each candidate validated by its parser), overlap resolution (earliest start wins, then the
//! longest structure; candidates inside an accepted structure are skipped), unknown gaps kept
//! as blob regions, building [`ArtifactTree`] nodes from parser [`Output`]s, recursion up to
//! [`Limits::max_depth`], every other hostile-input limit, and parallelism.
//! Never does: parse any format itself, touch the file system, print.
//!
//! Determinism: nodes are processed generation by generation. All nodes of a generation are
//! scanned in parallel (rayon) by pure functions of their bytes; the results are then attached
//! to the tree sequentially in generation order, which also applies the global node and byte
//! budgets. The same inputs therefore always give the same tree (the per-node time limit is
//! the one wall-clock exception, and only matters when it is hit).
//!
//! Node naming: a structure found at offset `o` of its parent is named `0x<o>.<format>` (a
//! `Stream` for decompressed output, an `FsRoot` for a file system or archive, a `Region` for
//! a container whose sub-regions become its children, or for a metadata-only match). Unknown
//! bytes between structures become blob regions `0x<start>-0x<end>.bin`. Carves
//! ([`Format::carve`]: images, PEM blocks) found in a file-system or archive file are child
//! regions that leave the gaps as if they were not there (the file is read whole by the
//! analysers; a file with only carves in it gets no gap nodes). A structure spanning
//! a whole node is not carved again: its format, attributes and notes go on the node itself
//! and its output hangs directly below it.

use crate::format::{Ctx, Format, Limits, Output, Parsed};
use crate::fsbuild::{BKind, FsBuild};
use crate::scan::Scanner;
use crate::tree::{ArtifactTree, Node, NodeId, NodeKind};
use crate::Result;
use bytes::Bytes;
use rayon::prelude::*;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// Notes kept per node before the rest are summarised (hostile inputs can produce millions).
const MAX_NOTES: usize = 64;

/// The result of unpacking one product's inputs.
#[derive(Debug)]
pub struct Unpacked {
    pub tree: ArtifactTree,
    pub stats: Stats,
}

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes of extracted content (streams, file-system files, container sub-regions).
    pub extracted_bytes: u64,
    /// Generations processed (the deepest nesting reached, plus one).
    pub generations: u32,
    /// Times any limit stopped or truncated work (details are in node notes).
    pub limit_hits: u64,
}

/// Progress reported after each generation.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub generation: u32,
    pub nodes: usize,
    pub extracted_bytes: u64,
    /// Nodes queued for the next generation.
    pub queued: usize,
}

/// Unpack several inputs (e.g. the partitions of one product) into one tree, with every
/// registered format.
pub fn unpack_inputs(inputs: &[(String, Bytes)], limits: &Limits) -> Result<Unpacked> {
    Engine::new(limits.clone()).unpack_inputs(inputs)
}

/// Unpack one input.
pub fn unpack(name: &str, data: Bytes, limits: &Limits) -> Result<Unpacked> {
    unpack_inputs(&[(name.to_owned(), data)], limits)
}

/// An engine: a set of formats, its scanner and the limits.
#[derive(Debug)]
pub struct Engine {
    formats: Vec<&'static dyn Format>,
    scanner: Scanner,
    limits: Limits,
    catch_panics: bool,
}

struct Job {
    id: NodeId,
    data: Bytes,
    depth: u32,
    /// A file-system or archive member: analysers read it whole whatever its children.
    file: bool,
}

/// A node to attach; `parent` indexes an earlier item of the same list (`None`: child of the
/// scanned node). Items are in pre-order so parents always come first.
struct Pending {
    parent: Option<usize>,
    node: Node,
    rescan: bool,
    /// Counts toward [`Limits::max_total_bytes`].
    counts: bool,
}

#[derive(Default)]
struct Scanned {
    format: Option<&'static str>,
    attrs: Vec<(String, String)>,
    notes: Vec<String>,
    children: Vec<Pending>,
    limit_hits: u64,
}

impl Engine {
    /// An engine over every registered format.
    pub fn new(limits: Limits) -> Self {
        Self::with_formats(crate::formats::registry(), limits)
    }

    /// An engine over the given formats (tests, fuzzing single formats).
    pub fn with_formats(formats: &[&'static dyn Format], limits: Limits) -> Self {
        Engine {
            formats: formats.to_vec(),
            scanner: Scanner::new(formats),
            limits,
            catch_panics: true,
        }
    }

    /// Whether a panicking parser becomes a node note (default) or propagates (fuzzing and
    /// the mutation test want to see panics).
    pub fn catch_panics(mut self, yes: bool) -> Self {
        self.catch_panics = yes;
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn unpack_inputs(&self, inputs: &[(String, Bytes)]) -> Result<Unpacked> {
        self.unpack_inputs_with_progress(inputs, &|_| {})
    }

    /// Like [`unpack_inputs`](Self::unpack_inputs), calling `progress` after each generation.
    pub fn unpack_inputs_with_progress(
        &self,
        inputs: &[(String, Bytes)],
        progress: &(dyn Fn(&Progress) + Sync),
    ) -> Result<Unpacked> {
        let mut tree = ArtifactTree::new();
        let mut stats = Stats::default();
        let mut jobs = Vec::new();
        let mut used_names: Vec<String> = Vec::new();
        for (name, data) in inputs {
            let name = unique_name(&used_names, &sanitise_name(name, "input"));
            used_names.push(name.clone());
            let id = tree.add_input(name, data.clone());
            jobs.push(Job {
                id,
                data: data.clone(),
                depth: 0,
                file: false,
            });
        }
        while !jobs.is_empty() {
            let remaining = self
                .limits
                .max_total_bytes
                .saturating_sub(stats.extracted_bytes);
            let results: Vec<Scanned> = jobs
                .par_iter()
                .map(|j| self.scan_node(&j.data, j.depth, j.file, remaining))
                .collect();
            let mut next = Vec::new();
            for (job, scanned) in jobs.iter().zip(results) {
                self.attach(&mut tree, job, scanned, &mut stats, &mut next);
            }
            stats.generations = stats.generations.saturating_add(1);
            progress(&Progress {
                generation: stats.generations,
                nodes: tree.len(),
                extracted_bytes: stats.extracted_bytes,
                queued: next.len(),
            });
            jobs = next;
        }
        tree.mark_root_filesystems();
        Ok(Unpacked { tree, stats })
    }

    /// Attach one scan result below its node, enforcing the global budgets in order.
    fn attach(
        &self,
        tree: &mut ArtifactTree,
        job: &Job,
        scanned: Scanned,
        stats: &mut Stats,
        next: &mut Vec<Job>,
    ) {
        stats.limit_hits = stats.limit_hits.saturating_add(scanned.limit_hits);
        let mut ids: Vec<Option<NodeId>> = Vec::with_capacity(scanned.children.len());
        let mut dropped_nodes = 0u64;
        let mut dropped_bytes = 0u64;
        for p in scanned.children {
            let parent = match p.parent {
                None => Some(job.id),
                Some(i) => ids.get(i).copied().flatten(),
            };
            let Some(parent) = parent else {
                ids.push(None);
                continue;
            };
            if tree.len() as u64 >= self.limits.max_nodes {
                dropped_nodes += 1;
                ids.push(None);
                continue;
            }
            let len = p.node.data.len() as u64;
            if p.counts {
                let total = stats.extracted_bytes.saturating_add(len);
                if total > self.limits.max_total_bytes {
                    dropped_bytes += 1;
                    ids.push(None);
                    continue;
                }
                stats.extracted_bytes = total;
            }
            let data = p.node.data.clone();
            let file = matches!(p.node.kind, NodeKind::File);
            let id = tree.add_child(parent, p.node);
            if p.rescan {
                next.push(Job {
                    id,
                    data,
                    depth: job.depth.saturating_add(1),
                    file,
                });
            }
            ids.push(Some(id));
        }
        let Some(node) = tree.get_mut(job.id) else {
            return;
        };
        if node.format.is_none() {
            node.format = scanned.format;
        }
        node.attrs.extend(scanned.attrs);
        let mut notes = scanned.notes;
        if dropped_nodes > 0 {
            notes.push(format!(
                "node limit ({}) reached: {dropped_nodes} node(s) not added",
                self.limits.max_nodes
            ));
            stats.limit_hits += 1;
        }
        if dropped_bytes > 0 {
            notes.push(format!(
                "total extracted bytes limit ({}) reached: {dropped_bytes} node(s) not added",
                self.limits.max_total_bytes
            ));
            stats.limit_hits += 1;
        }
        push_notes(&mut node.notes, notes);
    }

    /// Scan one node: find candidates, validate, resolve overlaps, build the children.
    fn scan_node(&self, data: &Bytes, depth: u32, file: bool, remaining: u64) -> Scanned {
        let mut out = Scanned::default();
        if depth >= self.limits.max_depth {
            if let Some((start, fi)) = self.scanner.candidates(data, 0).next() {
                let name = self.formats.get(fi).map_or("?", |f| f.name());
                out.notes.push(format!(
                    "depth limit ({}) reached: not unpacked (first candidate {name} at {start:#x})",
                    self.limits.max_depth
                ));
                out.limit_hits += 1;
            }
            return out;
        }
        let ctx = Ctx {
            limits: self.limits.clone(),
            remaining_bytes: remaining,
            deadline: Instant::now() + self.limits.time_per_node,
        };
        let mut pieces: Vec<(usize, usize, &'static dyn Format, Parsed)> = Vec::new();
        let mut pos = 0usize;
        let mut cands = self.scanner.candidates(data, 0).peekable();
        let mut parse_errors = Vec::new();
        while let Some((start, fi)) = cands.next() {
            if start < pos || start >= data.len() {
                continue;
            }
            let mut group = vec![fi];
            while let Some(&(s2, f2)) = cands.peek() {
                if s2 != start {
                    break;
                }
                group.push(f2);
                cands.next();
            }
            if Instant::now() > ctx.deadline {
                out.notes.push(format!(
                    "time limit per node ({:?}) reached: scan stopped at {start:#x}",
                    self.limits.time_per_node
                ));
                out.limit_hits += 1;
                break;
            }
            let mut best: Option<(usize, &'static dyn Format, Parsed)> = None;
            for fi in group {
                let Some(&f) = self.formats.get(fi) else {
                    continue;
                };
                let parsed = self.parse_guarded(f, data, start, &ctx);
                match parsed {
                    Ok(Some(p)) => {
                        let avail = data.len() - start;
                        let len = usize::try_from(p.len).unwrap_or(usize::MAX).clamp(1, avail);
                        if best.as_ref().is_none_or(|(l, _, _)| len > *l) {
                            best = Some((len, f, p));
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        if matches!(e, crate::Error::Limit { .. }) {
                            out.limit_hits += 1;
                        }
                        parse_errors.push(e.to_string());
                    }
                }
            }
            if let Some((len, f, mut p)) = best {
                if u64::try_from(len).ok() != Some(p.len) {
                    p.notes.push(format!(
                        "declared length {:#x} clamped to {len:#x} (end of data)",
                        p.len
                    ));
                }
                pieces.push((start, len, f, p));
                pos = start + len;
                cands = self.scanner.candidates(data, pos).peekable();
            }
        }
        out.notes.extend(parse_errors);
        if pieces.is_empty() {
            return out;
        }
        let whole = pieces.len() == 1
            && pieces
                .first()
                .is_some_and(|p| p.0 == 0 && p.1 == data.len());
        // A carve (image, PEM block) inside a file is a view of the file's bytes: the file
        // stays whole for the analysers, so the carve neither splits it into gaps nor makes
        // gaps appear. Elsewhere a carve is a structure like any other, and gaps around it
        // keep every byte of the parent in exactly one child.
        let hidden = |f: &dyn Format| file && f.carve();
        let structural = pieces.iter().any(|p| !hidden(p.2));
        let mut gap_start = 0usize;
        for (start, len, f, parsed) in pieces {
            if hidden(f) && !whole {
                self.structure(data, start, len, f, parsed, false, &ctx, &mut out);
                continue;
            }
            if start > gap_start {
                out.children.push(gap(data, gap_start, start));
            }
            gap_start = start + len;
            self.structure(data, start, len, f, parsed, whole, &ctx, &mut out);
        }
        if !whole && structural && gap_start < data.len() {
            out.children.push(gap(data, gap_start, data.len()));
        }
        out
    }

    fn parse_guarded(
        &self,
        f: &'static dyn Format,
        data: &Bytes,
        start: usize,
        ctx: &Ctx,
    ) -> Result<Option<Parsed>> {
        if !self.catch_panics {
            return f.parse(data, start, ctx);
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| f.parse(data, start, ctx))) {
            Ok(r) => r,
            Err(_) => Err(crate::Error::Malformed {
                format: f.name(),
                offset: start as u64,
                message: "parser panicked (a bug: please report it with this input)".into(),
            }),
        }
    }

    /// Children for one accepted structure.
    #[allow(clippy::too_many_arguments)]
    fn structure(
        &self,
        data: &Bytes,
        start: usize,
        len: usize,
        f: &'static dyn Format,
        parsed: Parsed,
        whole: bool,
        ctx: &Ctx,
        out: &mut Scanned,
    ) {
        let name = f.name();
        let slice = data.slice(start..start + len);
        let label = format!("{start:#x}.{name}");
        let mut attrs = parsed.attrs;
        let mut notes = parsed.notes;
        // Output hangs below the scanned node; a whole match also names the node's format.
        let holder: Option<usize> = None;
        if whole {
            out.format = Some(name);
        }
        let mk = |kind: NodeKind, node_data: Bytes| {
            let mut n = Node::new(label.clone(), kind, node_data);
            n.format = Some(name);
            n.offset = Some(start as u64);
            n
        };
        match parsed.output {
            Output::Stream {
                data: stream,
                name: stored,
            } => {
                if let Some(stored) = stored {
                    attrs.push(("original-name".into(), stored));
                }
                let cap = ctx.output_cap(len as u64);
                if stream.len() as u64 > cap {
                    out.notes.push(format!(
                        "{name} at {start:#x}: stream of {} bytes exceeds the ratio limit ({cap} bytes); dropped",
                        stream.len()
                    ));
                    out.limit_hits += 1;
                    return;
                }
                let mut n = mk(NodeKind::Stream, stream);
                n.attrs = attrs;
                push_notes(&mut n.notes, notes);
                out.children.push(Pending {
                    parent: holder,
                    node: n,
                    rescan: true,
                    counts: true,
                });
            }
            Output::Entries(entries) => {
                let fs = FsBuild::from_entries(entries);
                notes.extend(fs.notes.iter().cloned());
                let mut root = mk(NodeKind::FsRoot, slice);
                root.meta = fs.root_meta.clone();
                root.attrs = attrs;
                let cap = ctx.output_cap(len as u64);
                let base = out.children.len();
                out.children.push(Pending {
                    parent: holder,
                    node: root,
                    rescan: false,
                    counts: false,
                });
                let truncated = emit_fs(&fs, base, cap, &mut out.children);
                if truncated > 0 {
                    notes.push(format!(
                        "output cap ({cap} bytes: ratio limit or remaining total bytes) reached: {truncated} file(s) kept empty"
                    ));
                    out.limit_hits += 1;
                }
                if let Some(root) = out.children.get_mut(base) {
                    push_notes(&mut root.node.notes, notes);
                }
            }
            Output::Regions(regions) => {
                let parent = if whole {
                    out.attrs.append(&mut attrs);
                    out.notes.append(&mut notes);
                    holder
                } else {
                    let mut n = mk(NodeKind::Region, slice.clone());
                    n.attrs = attrs;
                    push_notes(&mut n.notes, notes);
                    out.children.push(Pending {
                        parent: holder,
                        node: n,
                        rescan: false,
                        counts: false,
                    });
                    Some(out.children.len() - 1)
                };
                let mut used: Vec<String> = Vec::new();
                let mut items: Vec<(u64, Pending)> = Vec::new();
                // Bytes of the container that no sub-region covers stay visible as gaps
                // (padding, headers, unknown blobs); only regions that are slices of the
                // container tell us what they cover.
                let base = slice.as_ptr() as usize;
                let mut covered: Vec<(usize, usize)> = Vec::new();
                for r in regions {
                    let fallback = format!("{:#x}.bin", r.offset);
                    let rname = unique_name(&used, &sanitise_name(&r.name, &fallback));
                    used.push(rname.clone());
                    let p = r.data.as_ptr() as usize;
                    if !r.data.is_empty() && p >= base && p - base + r.data.len() <= slice.len() {
                        covered.push((p - base, p - base + r.data.len()));
                    }
                    // A region that is its whole container would be found again forever.
                    let same = r.data.len() == slice.len() && p == base;
                    let mut n = Node::new(rname, NodeKind::Region, r.data);
                    n.offset = Some(r.offset);
                    if same {
                        n.notes
                            .push("region spans its whole container; not scanned again".into());
                    }
                    items.push((
                        r.offset,
                        Pending {
                            parent,
                            node: n,
                            rescan: !same,
                            counts: !same,
                        },
                    ));
                }
                if !covered.is_empty() {
                    covered.sort_unstable();
                    let mut at = 0usize;
                    let mut gaps = Vec::new();
                    for (s, e) in covered {
                        if s > at {
                            gaps.push((at, s));
                        }
                        at = at.max(e);
                    }
                    if at < slice.len() {
                        gaps.push((at, slice.len()));
                    }
                    for (s, e) in gaps {
                        let mut g = gap(&slice, s, e);
                        g.parent = parent;
                        g.node.name = unique_name(&used, &g.node.name);
                        used.push(g.node.name.clone());
                        items.push((s as u64, g));
                    }
                }
                items.sort_by_key(|(o, _)| *o);
                out.children.extend(items.into_iter().map(|(_, p)| p));
            }
            Output::Info => {
                if whole {
                    out.attrs.append(&mut attrs);
                    out.notes.append(&mut notes);
                } else {
                    let mut n = mk(NodeKind::Region, slice);
                    n.attrs = attrs;
                    push_notes(&mut n.notes, notes);
                    out.children.push(Pending {
                        parent: holder,
                        node: n,
                        rescan: false,
                        counts: false,
                    });
                }
            }
        }
    }
}

/// Emit a built file system below the FsRoot pending at index `root`, in sorted pre-order.
/// Returns how many files were emptied by the ratio cap.
fn emit_fs(fs: &FsBuild, root: usize, cap: u64, out: &mut Vec<Pending>) -> u64 {
    let mut file_bytes = 0u64;
    let mut truncated = 0u64;
    // (build node, pending index of its parent)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let push_children = |stack: &mut Vec<(usize, usize)>, b: usize, parent: usize| {
        if let Some(n) = fs.nodes.get(b) {
            for &c in n.children.values().rev() {
                stack.push((c, parent));
            }
        }
    };
    push_children(&mut stack, 0, root);
    while let Some((b, parent)) = stack.pop() {
        let Some(bn) = fs.nodes.get(b) else { continue };
        let (kind, data, rescan) = match &bn.kind {
            BKind::Dir => (NodeKind::Dir, Bytes::new(), false),
            BKind::File(d) => {
                file_bytes = file_bytes.saturating_add(d.len() as u64);
                if file_bytes > cap {
                    truncated += 1;
                    (NodeKind::File, Bytes::new(), false)
                } else {
                    (NodeKind::File, d.clone(), true)
                }
            }
            BKind::Symlink(t) => (NodeKind::Symlink { target: t.clone() }, Bytes::new(), false),
            // Resolved by FsBuild; an unresolved one never reaches here.
            BKind::HardLink(_) => (NodeKind::File, Bytes::new(), false),
            BKind::Device {
                char_device,
                major,
                minor,
            } => (
                NodeKind::Device {
                    char_device: *char_device,
                    major: *major,
                    minor: *minor,
                },
                Bytes::new(),
                false,
            ),
            BKind::Fifo => (NodeKind::Fifo, Bytes::new(), false),
            BKind::Socket => (NodeKind::Socket, Bytes::new(), false),
        };
        let is_file = matches!(kind, NodeKind::File);
        let mut n = Node::new(bn.name.clone(), kind, data);
        n.meta = bn.meta.clone();
        out.push(Pending {
            parent: Some(parent),
            node: n,
            rescan,
            counts: is_file,
        });
        let me = out.len() - 1;
        push_children(&mut stack, b, me);
    }
    truncated
}

fn gap(data: &Bytes, start: usize, end: usize) -> Pending {
    let mut n = Node::new(
        format!("{start:#x}-{end:#x}.bin"),
        NodeKind::Region,
        data.slice(start..end),
    );
    n.offset = Some(start as u64);
    Pending {
        parent: None,
        node: n,
        // Already scanned as part of its parent; nothing there validated.
        rescan: false,
        counts: false,
    }
}

fn push_notes(dst: &mut Vec<String>, notes: Vec<String>) {
    let total = dst.len() + notes.len();
    for n in notes {
        if dst.len() + 1 >= MAX_NOTES {
            break;
        }
        dst.push(n);
    }
    if total >= MAX_NOTES && dst.len() + 1 == MAX_NOTES {
        dst.push(format!("… {} more note(s) omitted", total - dst.len()));
    }
}

/// A node name safe as one path component: no `/`, no NUL, not empty, `.` or `..`.
pub(crate) fn sanitise_name(name: &str, fallback: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let clean: String = base
        .chars()
        .map(|c| if c == '\0' || c == '\\' { '_' } else { c })
        .collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        fallback.to_owned()
    } else {
        clean
    }
}

fn unique_name(used: &[String], name: &str) -> String {
    if !used.iter().any(|u| u == name) {
        return name.to_owned();
    }
    (2u32..)
        .map(|i| format!("{name}~{i}"))
        .find(|c| !used.iter().any(|u| u == c))
        .unwrap_or_else(|| name.to_owned())
}
