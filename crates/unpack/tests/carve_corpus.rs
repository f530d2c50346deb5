//! Carvers (PEM, GIF, JPEG, PNG) against the real corpus: the carved bytes are exactly the
//! files binwalk v3 wrote (SHA-256 from the reference manifests), and a carve is a child of
//! the node it was found in: inside a file a gap-free view ([`ArtifactTree::is_view`]),
//! elsewhere a structure with gaps around it. The synthetic tests run without the corpus.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)]

use baseline_unpack::formats::{gif, pem};
use baseline_unpack::listing::sha256_all;
use baseline_unpack::{Ctx, Engine, Format, Limits, NodeKind};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("BASELINE_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus not found at {}", dir.display());
    } else {
        println!("corpus not found at {}: skipping", dir.display());
        None
    }
}

fn load(rel: &str) -> Option<Bytes> {
    let p = corpus()?.join(rel);
    Some(Bytes::from(std::fs::read(&p).unwrap()))
}

fn sha(d: &[u8]) -> String {
    hex::encode(Sha256::digest(d))
}

fn carve(f: &dyn Format, d: &Bytes, at: usize) -> String {
    let p = f
        .parse(d, at, &Ctx::new(Limits::default()))
        .unwrap()
        .unwrap_or_else(|| panic!("{} not found at {at:#x}", f.name()));
    sha(&d[at..at + p.len as usize])
}

#[test]
fn gifs_in_the_sannce_raw_rootfs() {
    let Some(d) = load("firmware/consumer/sannce-camera/rootfs.bin") else {
        return;
    };
    // binwalk: input.extracted/33A000/image.gif and 33F000/image.gif.
    assert_eq!(
        carve(&gif::Gif, &d, 0x33A000),
        "427a56f2ea048852ac65e9a303b925625d837e0acb2f978f871ffce024a710c3"
    );
    assert_eq!(
        carve(&gif::Gif, &d, 0x33F000),
        "9559d54e97978fa36b622f14ec79f7f9dc3e399460f52521afb0425291e6d9a5"
    );
}

#[test]
fn certificates_in_the_thermometer_image_partition_it_with_gaps() {
    let Some(d) = load("firmware/consumer/xiaomi-lywsd03mmc-thermometer/Stock_fw_2.1.1_0159.bin")
    else {
        return;
    };
    let total = d.len() as u64;
    assert_eq!(
        carve(&pem::Pem, &d, 0x19820),
        "9e305c8064bb289e2f84c002b0d168bafe78d6bd0022a9fca0b1c2ad3e265d0b"
    );
    let u = Engine::new(Limits::default())
        .unpack_inputs(&[("fw.bin".into(), d)])
        .unwrap();
    let hashes = sha256_all(&u.tree);
    let root = u.tree.roots()[0];
    let mut kids: Vec<(u64, u64, Option<&str>, String)> = u.tree.get(root).unwrap().children[..]
        .iter()
        .map(|&c| {
            let n = u.tree.get(c).unwrap();
            assert_eq!(n.kind, NodeKind::Region);
            (
                n.offset.unwrap(),
                n.data.len() as u64,
                n.format,
                hex::encode(hashes[c.0 as usize].unwrap()),
            )
        })
        .collect();
    assert!(!u
        .tree
        .get(root)
        .unwrap()
        .children
        .iter()
        .any(|&c| u.tree.is_view(c)));
    kids.sort();
    // Outside a file a carve is a structure like any other: with the gaps around it, every
    // byte of the image is in exactly one leaf for the analysers.
    let mut at = 0;
    for k in &kids {
        assert_eq!(k.0, at);
        at += k.1;
    }
    assert_eq!(at, total);
    let pems: Vec<(u64, &str)> = kids
        .iter()
        .filter(|k| k.2 == Some("pem"))
        .map(|k| (k.0, k.3.as_str()))
        .collect();
    assert_eq!(
        pems,
        vec![
            (
                0x19820,
                "9e305c8064bb289e2f84c002b0d168bafe78d6bd0022a9fca0b1c2ad3e265d0b"
            ),
            (
                0x19a6b,
                "fe86050bd59bb82dd48258b2576170bbc830072e90fd4ef4b52d25de807f3a47"
            ),
        ]
    );
}

#[test]
fn certificate_and_key_in_a_jffs2_file_keep_the_file_whole() {
    let Some(d) = load("firmware/consumer/sannce-camera/system.bin") else {
        return;
    };
    let u = Engine::new(Limits::default())
        .unpack_inputs(&[("system.bin".into(), d)])
        .unwrap();
    let hashes = sha256_all(&u.tree);
    let (_, file) = u
        .tree
        .iter()
        .find(|(id, n)| n.is_file() && u.tree.fs_path(*id).as_deref() == Some("/www/pem/ck.pem"))
        .expect("ck.pem in the jffs2");
    // The file node is the file: same kind, no format, its own bytes.
    assert_eq!(file.format, None);
    assert_eq!(file.data.len(), 0x9cb + 1679);
    // The carves are views for the analysers; the file and the jffs2 root are not.
    assert!(file.children.iter().all(|&c| u.tree.is_view(c)));
    assert!(!u
        .tree
        .iter()
        .any(|(id, n)| n.is_file() && u.tree.is_view(id)));
    let kids: Vec<(String, u64, String)> = file
        .children
        .iter()
        .map(|&c| {
            let n = u.tree.get(c).unwrap();
            (
                n.name.clone(),
                n.offset.unwrap(),
                hex::encode(hashes[c.0 as usize].unwrap()),
            )
        })
        .collect();
    assert_eq!(
        kids,
        vec![
            (
                "0x186.pem".to_string(),
                0x186,
                "478726edd5bb2ca8422cc107ca08121783196c5c43c903d237c14ec7efb35055".to_string()
            ),
            (
                "0x9cb.pem".to_string(),
                0x9cb,
                "e179f20f7cb881e21fe364f44f0634f0f7835a5e3961ccdd2d24f51bb942ccc7".to_string()
            ),
        ]
    );
}

#[test]
fn synthetic_carve_in_an_input_is_surrounded_by_gaps() {
    let mut d = vec![0x55u8; 300];
    let cert = b"-----BEGIN CERTIFICATE-----\nQUJDRA==\n-----END CERTIFICATE-----\n";
    d.splice(100..100, cert.iter().copied());
    let end = 100 + cert.len();
    let u = Engine::new(Limits::default())
        .unpack_inputs(&[("blob".into(), Bytes::from(d))])
        .unwrap();
    let root = u.tree.get(u.tree.roots()[0]).unwrap();
    let kids: Vec<(String, u64, usize)> = root
        .children
        .iter()
        .map(|&c| {
            let n = u.tree.get(c).unwrap();
            (n.name.clone(), n.offset.unwrap(), n.data.len())
        })
        .collect();
    assert_eq!(
        kids,
        vec![
            ("0x0-0x64.bin".to_string(), 0, 100),
            ("0x64.pem".to_string(), 100, cert.len()),
            (format!("{end:#x}-{:#x}.bin", end + 200), end as u64, 200),
        ]
    );
}

#[test]
fn synthetic_carve_in_an_archive_file_is_a_view_without_gaps() {
    let cert = b"-----BEGIN CERTIFICATE-----\r\nQUJDRA==\r\n-----END CERTIFICATE-----\r\n";
    let mut lib = vec![0x7Fu8; 500];
    lib.splice(200..200, cert.iter().copied());
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(lib.len() as u64);
    h.set_mode(0o644);
    t.append_data(&mut h, "lib/libx509.so", &lib[..]).unwrap();
    let archive = t.into_inner().unwrap();
    let u = Engine::new(Limits::default())
        .unpack_inputs(&[("a.tar".into(), Bytes::from(archive))])
        .unwrap();
    let (fid, file) = u
        .tree
        .iter()
        .find(|(_, n)| n.is_file() && n.name == "libx509.so")
        .unwrap();
    assert_eq!(&file.data[..], &lib[..]);
    assert_eq!(file.format, None);
    assert!(!u.tree.is_view(fid));
    let kids: Vec<(String, u64, usize, bool)> = file
        .children
        .iter()
        .map(|&c| {
            let n = u.tree.get(c).unwrap();
            (
                n.name.clone(),
                n.offset.unwrap(),
                n.data.len(),
                u.tree.is_view(c),
            )
        })
        .collect();
    assert_eq!(kids, vec![("0xc8.pem".to_string(), 200, cert.len(), true)]);
}
