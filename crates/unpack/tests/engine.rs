//! Engine behaviour with the toy formats of `toy/mod.rs`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod toy;

use baseline_unpack::listing::{list, sha256_all};
use baseline_unpack::{ArtifactTree, Engine, Limits, NodeId, NodeKind, Unpacked};
use bytes::Bytes;

fn run_with(inputs: &[(&str, Vec<u8>)], limits: Limits) -> Unpacked {
    let inputs: Vec<(String, Bytes)> = inputs
        .iter()
        .map(|(n, d)| (n.to_string(), Bytes::from(d.clone())))
        .collect();
    Engine::with_formats(&toy::all(), limits)
        .catch_panics(false)
        .unpack_inputs(&inputs)
        .unwrap()
}

fn run(data: Vec<u8>) -> Unpacked {
    run_with(&[("fw.bin", data)], Limits::default())
}

fn paths(t: &ArtifactTree) -> Vec<String> {
    list(t, &sha256_all(t))
        .into_iter()
        .map(|e| e.path)
        .collect()
}

fn node<'a>(t: &'a ArtifactTree, path: &str) -> (NodeId, &'a baseline_unpack::Node) {
    t.iter()
        .find(|(id, _)| t.display_path(*id) == path)
        .unwrap_or_else(|| panic!("no node {path}; have {:#?}", paths(t)))
}

#[test]
fn carves_structures_and_keeps_gaps_as_blobs() {
    let mut data = vec![0xAAu8; 0x10];
    data.extend(toy::xor(0x5a, b"hello world")); // 0x10..0x24
    data.extend(vec![0u8; 0x0c]); // 0x24..0x30
    data.extend(b"INFOkv"); // 0x30..0x36
    data.extend(vec![0xFFu8; 0x0a]); // ..0x40
    let u = run(data);
    let t = &u.tree;
    assert_eq!(
        paths(t),
        vec![
            "fw.bin",
            "fw.bin!/0x0-0x10.bin",
            "fw.bin!/0x10.xor",
            "fw.bin!/0x24-0x30.bin",
            "fw.bin!/0x30.info",
            "fw.bin!/0x36-0x40.bin",
        ]
    );
    let (_, s) = node(t, "fw.bin!/0x10.xor");
    assert_eq!(s.kind, NodeKind::Stream);
    assert_eq!(&s.data[..], b"hello world");
    assert_eq!(s.format, Some("xor"));
    assert_eq!(s.offset, Some(0x10));
    assert_eq!(s.attrs, vec![("key".to_string(), "90".to_string())]);
    let (_, g) = node(t, "fw.bin!/0x24-0x30.bin");
    assert_eq!(g.kind, NodeKind::Region);
    assert_eq!(g.format, None);
    assert_eq!(g.offset, Some(0x24));
    assert_eq!(&g.data[..], &[0u8; 12]);
    let (_, i) = node(t, "fw.bin!/0x30.info");
    assert_eq!(i.attrs, vec![("k".to_string(), "v".to_string())]);
}

#[test]
fn whole_input_match_is_not_carved_again() {
    let u = run(toy::xor(1, b"abc"));
    let t = &u.tree;
    assert_eq!(paths(t), vec!["fw.bin", "fw.bin!/0x0.xor"]);
    let (_, input) = node(t, "fw.bin");
    assert_eq!(input.format, Some("xor"));
    assert!(input.attrs.is_empty());
    // A stream's header fields stay on the stream, as when it is carved from the middle.
    let (_, s) = node(t, "fw.bin!/0x0.xor");
    assert_eq!(s.attrs, vec![("key".to_string(), "1".to_string())]);
}

#[test]
fn earliest_start_wins_then_longest_and_inner_candidates_are_skipped() {
    // "LONG" matches both `long` (LO, 32 bytes) and `short` (LONG, 16 bytes) at 0: the
    // longer wins. An INFO inside its 32 bytes is skipped; the one after it is found.
    let mut data = b"LONG".to_vec();
    data.extend(b"xxINFOab");
    data.resize(32, b'.');
    data.extend(b"INFOcd");
    let u = run(data);
    assert_eq!(
        paths(&u.tree),
        vec!["fw.bin", "fw.bin!/0x0.long", "fw.bin!/0x20.info"]
    );
}

#[test]
fn broken_candidate_becomes_a_note_and_scanning_goes_on() {
    let mut data = b"XOR!\x01\xff\xff\x00\x00abc".to_vec(); // declares 65535 bytes
    data.extend(b"INFOzz");
    let u = run(data);
    let t = &u.tree;
    assert_eq!(
        paths(t),
        vec!["fw.bin", "fw.bin!/0x0-0xc.bin", "fw.bin!/0xc.info"]
    );
    let (_, input) = node(t, "fw.bin");
    assert_eq!(
        input.notes,
        vec!["xor at offset 0x0: truncated payload".to_string()]
    );
}

#[test]
fn whole_input_only_formats_are_tried_at_offset_zero_only() {
    let u = run(b"W rest".to_vec());
    assert_eq!(u.tree.get(NodeId(0)).unwrap().format, Some("whole"));
    let u = run(b"xW rest".to_vec());
    assert_eq!(u.tree.get(NodeId(0)).unwrap().format, None);
    assert_eq!(u.tree.len(), 1);
}

#[test]
fn recursion_into_streams_archives_and_their_files() {
    let inner = toy::xor(7, b"secret");
    let archive = toy::tarx(&[(0, "etc/blob", &inner), (0, "etc/plain", b"x")]);
    let u = run(toy::xor(3, &archive));
    assert_eq!(
        paths(&u.tree),
        vec![
            "fw.bin",
            "fw.bin!/0x0.xor",
            "fw.bin!/0x0.xor/0x0.tarx",
            "fw.bin!/0x0.xor/0x0.tarx/etc",
            "fw.bin!/0x0.xor/0x0.tarx/etc/blob",
            "fw.bin!/0x0.xor/0x0.tarx/etc/blob/0x0.xor",
            "fw.bin!/0x0.xor/0x0.tarx/etc/plain",
        ]
    );
    let (_, s) = node(&u.tree, "fw.bin!/0x0.xor/0x0.tarx/etc/blob/0x0.xor");
    assert_eq!(&s.data[..], b"secret");
    assert_eq!(u.stats.generations, 4);
}

#[test]
fn depth_limit_stops_recursion_with_a_note() {
    let mut d = b"core".to_vec();
    for k in 1..=5u8 {
        d = toy::xor(k, &d);
    }
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let u = run_with(&[("fw.bin", d)], limits);
    let deepest = "fw.bin!/0x0.xor/0x0.xor/0x0.xor";
    assert_eq!(paths(&u.tree).last().unwrap(), deepest);
    let (_, n) = node(&u.tree, deepest);
    assert_eq!(
        n.notes,
        vec!["depth limit (3) reached: not unpacked (first candidate xor at 0x0)".to_string()]
    );
    assert_eq!(u.stats.limit_hits, 1);
}

#[test]
fn node_limit_caps_the_tree() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i:02}")).collect();
    let entries: Vec<(u8, &str, &[u8])> =
        names.iter().map(|n| (0u8, n.as_str(), &b"z"[..])).collect();
    let limits = Limits {
        max_nodes: 10,
        ..Limits::default()
    };
    let u = run_with(&[("fw.bin", toy::tarx(&entries))], limits);
    assert_eq!(u.tree.len(), 10);
    let (_, input) = node(&u.tree, "fw.bin");
    assert_eq!(
        input.notes,
        vec!["node limit (10) reached: 42 node(s) not added".to_string()]
    );
}

#[test]
fn ratio_limit_drops_a_bomb_stream() {
    let limits = Limits {
        max_ratio: 10,
        ratio_floor_bytes: 1000,
        ..Limits::default()
    };
    let u = run_with(&[("bomb", toy::rpt(1_000_000, b'A'))], limits.clone());
    assert_eq!(paths(&u.tree), vec!["bomb"]);
    let (_, input) = node(&u.tree, "bomb");
    assert_eq!(input.format, Some("rpt"));
    assert_eq!(
        input.notes,
        vec![
            "rpt at 0x0: stream of 1000000 bytes exceeds the ratio limit (1000 bytes); dropped"
                .to_string()
        ]
    );
    // Under the floor it is fine.
    let u = run_with(&[("ok", toy::rpt(900, b'A'))], limits);
    assert_eq!(paths(&u.tree), vec!["ok", "ok!/0x0.rpt"]);
}

#[test]
fn total_bytes_limit_drops_nodes_with_a_note() {
    let limits = Limits {
        max_total_bytes: 15,
        ..Limits::default()
    };
    let archive = toy::tarx(&[(0, "a", b"0123456789"), (0, "b", b"0123456789")]);
    let u = run_with(&[("fw", archive)], limits);
    // The parse sees the remaining budget as its output cap: the file past it stays empty.
    assert_eq!(
        paths(&u.tree),
        vec!["fw", "fw!/0x0.tarx", "fw!/0x0.tarx/a", "fw!/0x0.tarx/b"]
    );
    assert_eq!(u.stats.extracted_bytes, 10);
    let (_, b) = node(&u.tree, "fw!/0x0.tarx/b");
    assert!(b.data.is_empty());
    let (_, fs) = node(&u.tree, "fw!/0x0.tarx");
    assert_eq!(
        fs.notes,
        vec!["output cap (15 bytes: ratio limit or remaining total bytes) reached: 1 file(s) kept empty".to_string()]
    );
    // Streams found in the same generation are checked against the budget when attached.
    let limits = Limits {
        max_total_bytes: 15,
        ..Limits::default()
    };
    let mut two = toy::xor(1, b"0123456789");
    two.extend(toy::xor(2, b"0123456789"));
    let u = run_with(&[("fw", two)], limits);
    // The second structure was accepted (so no gap) but its stream did not fit the budget.
    assert_eq!(paths(&u.tree), vec!["fw", "fw!/0x0.xor"]);
    let (_, input) = node(&u.tree, "fw");
    assert_eq!(
        input.notes,
        vec!["total extracted bytes limit (15) reached: 1 node(s) not added".to_string()]
    );
}

#[test]
fn regions_become_children_and_are_scanned_again() {
    let kernel = toy::xor(9, b"vmlinux");
    let rootfs = toy::tarx(&[
        (1, "etc", b""),
        (1, "bin", b""),
        (0, "etc/shadow", b"root:$1$"),
    ]);
    let mut data = vec![0u8; 8];
    data.extend(toy::part(&kernel, &rootfs));
    let u = run(data);
    let t = &u.tree;
    assert_eq!(
        paths(t),
        vec![
            "fw.bin",
            "fw.bin!/0x0-0x8.bin",
            "fw.bin!/0x8.part",
            "fw.bin!/0x8.part/0x0-0x14.bin",
            "fw.bin!/0x8.part/kernel",
            "fw.bin!/0x8.part/kernel/0x0.xor",
            "fw.bin!/0x8.part/rootfs",
            "fw.bin!/0x8.part/rootfs/0x0.tarx",
            "fw.bin!/0x8.part/rootfs/0x0.tarx/bin",
            "fw.bin!/0x8.part/rootfs/0x0.tarx/etc",
            "fw.bin!/0x8.part/rootfs/0x0.tarx/etc/shadow",
        ]
    );
    let (_, r) = node(t, "fw.bin!/0x8.part/rootfs");
    assert_eq!(r.offset, Some(20 + kernel.len() as u64));
    // Root file system marking: etc + bin.
    let (fs, n) = node(t, "fw.bin!/0x8.part/rootfs/0x0.tarx");
    assert!(n.is_root_fs);
    let shadow = t.lookup(fs, "/etc/shadow").unwrap();
    assert_eq!(&t.get(shadow).unwrap().data[..], b"root:$1$");
}

#[test]
fn container_bytes_outside_its_regions_are_kept_as_gaps() {
    // Header (20 bytes), kernel "K…", 6 bytes of padding, rootfs "R…"; a whole-input match.
    let mut d = b"PART".to_vec();
    for (o, l) in [(20u32, 4u32), (30, 4)] {
        d.extend_from_slice(&o.to_le_bytes());
        d.extend_from_slice(&l.to_le_bytes());
    }
    d.extend(b"KKKK\xff\xff\xff\xff\xff\xffRRRR");
    let u = run(d);
    assert_eq!(
        paths(&u.tree),
        vec![
            "fw.bin",
            "fw.bin!/0x0-0x14.bin",
            "fw.bin!/kernel",
            "fw.bin!/0x18-0x1e.bin",
            "fw.bin!/rootfs",
        ]
    );
    let (_, pad) = node(&u.tree, "fw.bin!/0x18-0x1e.bin");
    assert_eq!(&pad.data[..], &[0xff; 6]);
    assert_eq!(pad.offset, Some(0x18));
}

#[test]
fn file_system_without_bin_is_not_a_root_fs() {
    let u = run(toy::tarx(&[(0, "etc/config", b"x")]));
    let (_, n) = node(&u.tree, "fw.bin!/0x0.tarx");
    assert!(!n.is_root_fs);
}

#[test]
fn entry_paths_are_normalised_within_the_file_system() {
    let archive = toy::tarx(&[
        (0, "/etc/passwd", b"first"),
        (0, "./etc/../etc/shadow", b"shadow"),
        (0, "../../../escape", b"e"),
        (0, "a//b/./c", b"c"),
        (0, "", b"nameless"),
        (0, "etc/passwd", b"second"),
        (3, "hard", b"/etc/shadow"),
        (3, "dangling", b"/etc/nothing"),
        (2, "link", b"/etc"),
        (0, "link/through", b"t"),
        (4, "dev/null", b""),
        (5, "dev/fifo", b""),
    ]);
    let u = run(archive);
    let t = &u.tree;
    assert_eq!(
        paths(t),
        vec![
            "fw.bin",
            "fw.bin!/0x0.tarx",
            "fw.bin!/0x0.tarx/a",
            "fw.bin!/0x0.tarx/a/b",
            "fw.bin!/0x0.tarx/a/b/c",
            "fw.bin!/0x0.tarx/dangling",
            "fw.bin!/0x0.tarx/dev",
            "fw.bin!/0x0.tarx/dev/fifo",
            "fw.bin!/0x0.tarx/dev/null",
            "fw.bin!/0x0.tarx/escape",
            "fw.bin!/0x0.tarx/etc",
            "fw.bin!/0x0.tarx/etc/passwd",
            "fw.bin!/0x0.tarx/etc/shadow",
            "fw.bin!/0x0.tarx/hard",
            "fw.bin!/0x0.tarx/link",
            "fw.bin!/0x0.tarx/link/through",
        ]
    );
    let get = |p: &str| node(t, &format!("fw.bin!/0x0.tarx/{p}")).1;
    assert_eq!(&get("etc/passwd").data[..], b"second");
    assert_eq!(&get("hard").data[..], b"shadow");
    assert_eq!(get("hard").kind, NodeKind::File);
    assert_eq!(get("link").kind, NodeKind::Dir);
    assert!(matches!(
        get("dev/null").kind,
        NodeKind::Device {
            char_device: true,
            major: 1,
            minor: 3
        }
    ));
    assert_eq!(get("dev/fifo").kind, NodeKind::Fifo);
    let (_, fs) = node(t, "fw.bin!/0x0.tarx");
    assert_eq!(
        fs.notes,
        vec![
            "entry \"\" names the root; skipped".to_string(),
            "entry \"link/through\": non-directory \"link\" on its path replaced by a directory"
                .to_string(),
            "hard link \"dangling\" -> \"/etc/nothing\": target is not a file in this file system; kept empty"
                .to_string(),
        ]
    );
}

#[test]
fn output_is_deterministic_across_runs_and_thread_counts() {
    let mut data = Vec::new();
    for i in 0..40u8 {
        let files: Vec<(u8, String, Vec<u8>)> = (0..5u8)
            .map(|j| (0u8, format!("d{i}/f{j}"), toy::xor(j, &[i, j, 1, 2, 3])))
            .collect();
        let refs: Vec<(u8, &str, &[u8])> = files
            .iter()
            .map(|(k, p, d)| (*k, p.as_str(), d.as_slice()))
            .collect();
        data.extend(toy::xor(i, &toy::tarx(&refs)));
        data.extend(vec![i; 3]);
    }
    let listing = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let u = run(data.clone());
            list(&u.tree, &sha256_all(&u.tree))
        })
    };
    let one = listing(1);
    // input + 40 × (stream, fs root, dir, 5 files, 5 inner streams) + 40 gaps
    assert_eq!(one.len(), 1 + 40 * 13 + 40);
    assert_eq!(one, listing(2));
    assert_eq!(one, listing(4));
}

#[test]
fn several_inputs_form_one_tree_with_unique_names() {
    let u = run_with(
        &[
            ("rootfs.bin", toy::tarx(&[(0, "etc/a", b"1")])),
            ("rootfs.bin", toy::xor(1, b"k")),
            ("dir/kernel.bin", b"plain".to_vec()),
        ],
        Limits::default(),
    );
    let roots: Vec<String> = u
        .tree
        .roots()
        .iter()
        .map(|r| u.tree.get(*r).unwrap().name.clone())
        .collect();
    assert_eq!(roots, vec!["rootfs.bin", "rootfs.bin~2", "kernel.bin"]);
    assert_eq!(
        paths(&u.tree),
        vec![
            "rootfs.bin",
            "rootfs.bin!/0x0.tarx",
            "rootfs.bin!/0x0.tarx/etc",
            "rootfs.bin!/0x0.tarx/etc/a",
            "rootfs.bin~2",
            "rootfs.bin~2!/0x0.xor",
            "kernel.bin",
        ]
    );
}

#[test]
fn listing_maps_kinds_and_hashes() {
    let archive = toy::tarx(&[(0, "f", b"abc"), (2, "l", b"f"), (4, "d", b"")]);
    let u = run(toy::xor(2, &archive));
    let l = list(&u.tree, &sha256_all(&u.tree));
    let kinds: Vec<(&str, &str, Option<&str>)> =
        l.iter().map(|e| (e.kind, e.node, e.format)).collect();
    assert_eq!(
        kinds,
        vec![
            ("blob", "input", Some("xor")),
            ("blob", "stream", Some("xor")),
            ("dir", "fs-root", Some("tarx")),
            ("device", "device", None),
            ("file", "file", None),
            ("symlink", "symlink", None),
        ]
    );
    let f = &l[4];
    assert_eq!(
        f.sha256.as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(f.size, Some(3));
    assert_eq!(l[5].target.as_deref(), Some("f"));
    assert_eq!(l[3].device.as_deref(), Some("char 1:3"));
    assert_eq!(l[2].sha256, None);
}
