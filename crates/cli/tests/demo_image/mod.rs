//! The demo firmware image (`examples/demo-firmware.bin`): a romfs root file system with
//! known problems, written by this small romfs writer so that it is byte-for-byte
//! reproducible (romfs has no timestamps; entries are written in the order given, which is
//! sorted). Shared by `examples/make_demo.rs` (which writes the file) and the tests (which
//! check the committed file is identical and that the assessment finds each problem).
//!
//! Known problems, each with the finding expected:
//! - `/etc/shadow`: `root` has a fixed md5crypt hash of the dictionary password `admin`
//!   (CRED-001), `guest` has an empty password (CRED-002);
//! - `/etc/inittab`: a root shell on the serial console without login (CRED-004);
//! - `/etc/init.d/rcS`: `telnetd -l /bin/sh` (CRED-004);
//! - `/etc/ssl/private/server.key`: an RSA private key generated for this demo (KEY-001).

#![allow(dead_code)]

/// A romfs tree node.
pub enum Node {
    File(&'static str, &'static [u8], bool),
    Dir(&'static str, Vec<Node>),
    Link(&'static str, &'static str),
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\nguest:x:1000:1000:guest:/home/guest:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
const SHADOW: &[u8] = b"root:$1$demo2026$4MJBAB4uI.yenfR14d/Zp.:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";
const INITTAB: &[u8] =
    b"::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n::shutdown:/bin/umount -a -r\n";
const RCS: &[u8] = b"#!/bin/sh\nmount -t proc proc /proc\ntelnetd -l /bin/sh\nhttpd -h /www\n";
const VERSION: &[u8] = b"Demo Router DR-1 firmware 1.0.0 (Baseline demo, not a real product)\n";
const INDEX: &[u8] = b"<html><body>Demo Router</body></html>\n";
const KEY: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIICXAIBAAKBgQDilXQrZoY1ckbA9qYlmElZPdxfVIUMb79c9nvYpaovvoSCv0VI\ncrCTNJbZYw8n3c/MfOxL8RzP4AhB0hjE4OBGfKGMDZo2/kl8DYSr9gOfxoZ8bwty\nbR7vm/JaOarDZUbTFiXGWqWUre7l3oJEv6sulfBmeMQIszFOUcJ9NBekVwIDAQAB\nAoGAX0fnxQRk9X6roCNYNMD4Py3TSMc698LaHtaLt8vaaB9ei7ixAskv1Ycs1Bdi\n3SnaYyw5Fao7qnKUJlGaFthVlqPpRkweA+ecicKNdN7lgPv7zbAdVQJRAECCLYuY\nW7+KLGWGI0WSPFDh/ILgtRcT4Ul1APzpBe7XE0sxzJnLLxkCQQDz8QJYxmcMS8K4\n1Vy3s/gnnaqaPlKGsILGOqHBmd/enmeL6UEJH2bi/lqzye3EEa/+2SmWTeDNDf2D\nG79WqbFrAkEA7cjKPAmbCaWAV0ikTQywuDcQuDpFZ1sDycuxGHQaZeVPpb72CSzp\nPNTLEXq5nfvTf9GXxUP+718Nkdy5DpSXxQJBAL88NDvGJei0x81ArrPw6VydNK5A\np0+htpOSSVbNu3v5MHG1hV+Sd4UCI7cIWVY5C4C9W+XR3abDDfenXAOjeksCQBFa\nmR/el5kRohc8rvkMlw0qv6aiYhRT+SfOHOOq/Y44OSLgl/Y9d9w/r35cFZXpHhtz\nAX+dIcr4hfYCRONChv0CQAbyyW0PGmJkxOZQM40UrMeq57/2iiHaBiW3dvkDG2uX\ndGR2F+Ff0kPVlOT27FRfkYv9iLGi96u84Gc7rC9rJUI=\n-----END RSA PRIVATE KEY-----\n";

/// The file system, entries sorted by name in every directory.
pub fn tree() -> Vec<Node> {
    vec![
        Node::Dir("bin", vec![Node::Link("sh", "busybox")]),
        Node::Dir(
            "etc",
            vec![
                Node::Dir("init.d", vec![Node::File("rcS", RCS, true)]),
                Node::File("inittab", INITTAB, false),
                Node::File("passwd", PASSWD, false),
                Node::File("shadow", SHADOW, false),
                Node::Dir(
                    "ssl",
                    vec![Node::Dir(
                        "private",
                        vec![Node::File("server.key", KEY, false)],
                    )],
                ),
                Node::File("version", VERSION, false),
            ],
        ),
        Node::Dir("www", vec![Node::File("index.html", INDEX, false)]),
    ]
}

fn pad16(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(16) {
        v.push(0);
    }
}

fn put_name(v: &mut Vec<u8>, name: &str) {
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    pad16(v);
}

fn put32(img: &mut [u8], at: usize, value: u32) {
    if let Some(s) = img.get_mut(at..at + 4) {
        s.copy_from_slice(&value.to_be_bytes());
    }
}

fn get32(img: &[u8], at: usize) -> u32 {
    img.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

/// Set the checksum word at `at` so the big-endian words of `range` sum to zero.
fn fix_checksum(img: &mut [u8], at: usize, range: std::ops::Range<usize>) {
    put32(img, at, 0);
    let mut sum = 0u32;
    let mut i = range.start;
    while i + 4 <= range.end {
        sum = sum.wrapping_add(get32(img, i));
        i += 4;
    }
    put32(img, at, sum.wrapping_neg());
}

fn header_end(img: &[u8], off: usize) -> usize {
    let name_len = img[off + 16..].iter().position(|&b| b == 0).unwrap_or(0) + 1;
    off + 16 + name_len.div_ceil(16) * 16
}

/// Write one directory's entries; returns the offset of its first header.
fn write_dir(img: &mut Vec<u8>, nodes: &[Node]) -> u32 {
    let mut prev: Option<usize> = None;
    let mut first = 0;
    for n in nodes {
        let off = img.len();
        match prev {
            Some(p) => {
                let t = get32(img, p);
                put32(img, p, t | off as u32);
                let end = header_end(img, p);
                fix_checksum(img, p + 12, p..end);
            }
            None => first = off as u32,
        }
        let (name, typ, data): (&str, u32, &[u8]) = match n {
            Node::File(name, d, exec) => (name, 2 | if *exec { 8 } else { 0 }, d),
            Node::Link(name, t) => (name, 3, t.as_bytes()),
            Node::Dir(name, _) => (name, 1 | 8, &[]),
        };
        img.extend_from_slice(&typ.to_be_bytes());
        img.extend_from_slice(&0u32.to_be_bytes());
        img.extend_from_slice(&(data.len() as u32).to_be_bytes());
        img.extend_from_slice(&[0; 4]);
        put_name(img, name);
        let end = img.len();
        fix_checksum(img, off + 12, off..end);
        img.extend_from_slice(data);
        pad16(img);
        if let Node::Dir(_, kids) = n {
            let child = write_dir(img, kids);
            put32(img, off + 4, child);
            fix_checksum(img, off + 12, off..end);
        }
        prev = Some(off);
    }
    first
}

/// The demo image bytes.
pub fn build() -> Vec<u8> {
    let mut img = b"-rom1fs-".to_vec();
    img.extend_from_slice(&[0; 8]);
    put_name(&mut img, "baseline-demo");
    write_dir(&mut img, &tree());
    // romfs images are padded to a 1 KiB boundary.
    while !img.len().is_multiple_of(1024) {
        img.push(0);
    }
    let n = img.len() as u32;
    put32(&mut img, 8, n);
    let end = img.len().min(512);
    fix_checksum(&mut img, 12, 0..end);
    img
}
