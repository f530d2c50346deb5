#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::testutil::tree_with_files;
use crate::{analyse, Options};
use baseline_model::Finding;

fn of(fs: &[Finding], code: &str) -> Vec<Finding> {
    fs.iter().filter(|f| f.code == code).cloned().collect()
}

#[test]
fn weak_hashes_tls_config_libraries_and_keys() {
    let t = tree_with_files(
        "fw.bin",
        &[
            ("/etc/shadow", "root:rJ0FHsG0ZbyZo:0:0:99999:7:::\nadmin:$6$abc$xyz:0:0:::::\n"),
            ("/etc/lighttpd/lighttpd.conf", "ssl.engine = \"enable\"\nssl.use-sslv3 = \"enable\"\nssl.cipher-list = \"HIGH:!aNULL:RC4-SHA\"\n"),
            ("/etc/ssh/sshd_config", "Ciphers aes128-ctr,3des-cbc\nMACs hmac-sha2-256\n"),
            ("/usr/lib/libssl.so.1.0.0", "x"),
            ("/usr/lib/libmbedtls.so.9", "x"),
            ("/etc/app.conf", "aes_key=00112233445566778899aabbccddeeff\nplaceholder_aes_key=00000000000000000000000000000000\n"),
        ],
    );
    let fs = analyse(&t, &Options::default()).findings;
    let h = of(&fs, "CRYPTO-001");
    assert_eq!(h.len(), 1, "{fs:#?}");
    assert_eq!(h[0].details["hash_format"], "descrypt");
    assert!(h[0].evidence[0]
        .excerpt
        .as_deref()
        .unwrap()
        .contains("redacted"));
    let c = of(&fs, "CRYPTO-003");
    let mut weak: Vec<String> = c.iter().map(|f| f.details["weak"].to_string()).collect();
    weak.sort();
    assert_eq!(
        weak,
        ["[\"3des-cbc\"]", "[\"rc4-sha\"]", "[\"sslv3\"]"],
        "{c:#?}"
    );
    let l = of(&fs, "CRYPTO-002");
    assert_eq!(l.len(), 1);
    assert_eq!(
        l[0].title,
        "TLS/crypto libraries in fw.bin: mbedtls, openssl"
    );
    let k = of(&fs, "CRYPTO-004");
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].details["bytes"], 16);
    assert_eq!(k[0].evidence[0].line, Some(1));
}
