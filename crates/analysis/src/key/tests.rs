#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]
//! KEY family tests on synthetic trees (fixtures generated for this project with openssl).

use crate::testutil::{add_dir_input, add_fs_input, tree_with_files, Entry};
use crate::{analyse, Options};
use baseline_model::{Finding, Severity};
use baseline_unpack::ArtifactTree;

/// A 1024-bit RSA test key generated for these tests (not from any product).
const TEST_KEY: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIICXAIBAAKBgQDqH75YEMylPY2Ms+1QH161eg88JwLK8j3A2Y3t1E6Pgf7LDUnG\n\
W6wq1qx1kjMqbVyO1vDqXSzNp7wf6hgdP8Pc7obdOow9TuutoMOOwkJ+bP1uTDMx\n\
xbGY3NZBsJlhw/R1SoB5PJOcCpEORXrvY1OwhafUI5bpPj6VDcrk+cpiAwIDAQAB\n\
AoGAcUFv27wssxamndUATM0QDKwCKLAaasBqXRsgzFbytftFnUZNVPZNv99fR/S0\n\
aabDqpmRq13taYLlv26HwcZx4UYunts9qQTQkvGNufwNJuJ8NSmy0jFpygp5lXSE\n\
Dyl5x2AzQtY4vFEbPiGwBGFurwSHyMJHZEBMdsfq/mrUUGECQQD/1818GHr3vn7G\n\
3GoXtUOFTt8EbHoOlkqbtg7dqKZWsIHDyVf1qBJ3CVyqCDUktAjFYRuBe4/O+TOm\n\
LkACHkjRAkEA6kSHR0tLImTUVHu1tc6a+b6p+hZah0uInjNcZqznus9C7WY3/vvc\n\
UD6+J//cYcHZWo7Jq70w8wpPxie5fMHykwJAE1jidSv0wJ9rPuaUL07J2F7qho8d\n\
e9Tpt3TBEwoZ6hxW89NaD32yR8Yxd7o/KpNixmpdhiEt8tzthvegZ4iawQJBAMbX\n\
B6OByvIUdwyGPENma7ATHx8AHjK77+enXIRhugabqQjrPBgXGnaZ6rj0uM/Yw23T\n\
yGUWnheL5w4f5ZZ44DUCQELOBF6MdZ5tdsI8YSviOzzXhD3MgfCuW2k65nm+X4fz\n\
3iESKfhQZ+5hlTyWc2622wyl2AiZ5NrBdYbr0BCI1Y0=\n\
-----END RSA PRIVATE KEY-----\n\
";

/// A self-signed SHA-1 certificate for TEST_KEY (CN=test-device).
const TEST_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIICODCCAaGgAwIBAgIUVzrzl12+XIEdbBbv+RKXM1CbsgUwDQYJKoZIhvcNAQEF\n\
BQAwLjEUMBIGA1UEAwwLdGVzdC1kZXZpY2UxFjAUBgNVBAoMDUJhc2VsaW5lIFRl\n\
c3QwHhcNMjYxMTI3MjM0MDAyWhcNMzYxMTI0MjM0MDAyWjAuMRQwEgYDVQQDDAt0\n\
ZXN0LWRldmljZTEWMBQGA1UECgwNQmFzZWxpbmUgVGVzdDCBnzANBgkqhkiG9w0B\n\
AQEFAAOBjQAwgYkCgYEA6h++WBDMpT2NjLPtUB9etXoPPCcCyvI9wNmN7dROj4H+\n\
yw1JxlusKtasdZIzKm1cjtbw6l0szae8H+oYHT/D3O6G3TqMPU7rraDDjsJCfmz9\n\
bkwzMcWxmNzWQbCZYcP0dUqAeTyTnAqRDkV672NTsIWn1COW6T4+lQ3K5PnKYgMC\n\
AwEAAaNTMFEwHQYDVR0OBBYEFLjzYcbnplTfhPH9atFh3aYd1Eo4MB8GA1UdIwQY\n\
MBaAFLjzYcbnplTfhPH9atFh3aYd1Eo4MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZI\n\
hvcNAQEFBQADgYEAyV/L7RKABpqjv2spJbBPrNEB68ojGcln2r8XuFtdyNBT+eEd\n\
dCnnisoGnx6EeROeT/17vvp42nHpVhKKhUuMntW2CWwlYVOo9/VcZZWN9DKMV7yQ\n\
wQ+GiTWOw4TZwAZ/2PLwNAV+4ARHaTWt1Z6212cNNdzSyycpliCoxh0TPvI=\n\
-----END CERTIFICATE-----\n\
";

const TEST_FP: &str = "SHA256:pl9zFFFugUyEtCqOqW8hYHFpeEYXhO61Me9h7lS41MU";

fn run(tree: &ArtifactTree) -> Vec<Finding> {
    analyse(tree, &Options::default()).findings
}

fn only<'a>(fs: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.code == code).collect()
}

#[test]
fn pem_key_and_self_signed_weak_certificate() {
    let t = tree_with_files(
        "cam.bin",
        &[
            ("/etc/ssl/server.key", TEST_KEY),
            ("/etc/ssl/server.crt", TEST_CERT),
        ],
    );
    let fs = run(&t);
    let k = only(&fs, "KEY-001");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].details["fingerprint"], TEST_FP);
    assert_eq!(k[0].details["key_type"], "rsa");
    assert_eq!(k[0].details["bits"], 1024);
    assert_eq!(k[0].details["container"], "pkcs1");
    assert_eq!(k[0].severity, Severity::High);
    assert_eq!(
        k[0].evidence[0].path.as_deref(),
        Some("/etc/ssl/server.key")
    );
    assert_eq!(k[0].evidence[0].offset, Some(0));
    let ex = k[0].evidence[0].excerpt.as_deref().unwrap();
    assert!(
        ex.contains("redacted") && !ex.contains(&TEST_KEY[40..80]),
        "{ex}"
    );
    let c = only(&fs, "KEY-004");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].details["subject"], "CN=test-device, O=Baseline Test");
    assert_eq!(c[0].details["self_signed"], true);
    assert_eq!(c[0].details["signature_algorithm"], "sha1WithRSAEncryption");
    assert_eq!(c[0].details["fingerprint"], TEST_FP);
    assert_eq!(c[0].severity, Severity::Low);
}

#[test]
fn crlf_pem_followed_by_lf_pem_in_one_file() {
    // A CRLF key block and, in the same file, an LF certificate (as in libraries that embed
    // test vectors written on both kinds of system): both are read.
    let both = format!("{}{}", TEST_KEY.replace('\n', "\r\n"), TEST_CERT);
    let t = tree_with_files("cam.bin", &[("/usr/lib/libcerts.so", both.as_str())]);
    let fs = run(&t);
    let k = only(&fs, "KEY-001");
    assert_eq!(k.len(), 1, "{k:#?}");
    assert_eq!(k[0].details["fingerprint"], TEST_FP);
    assert_eq!(k[0].evidence[0].offset, Some(0));
    let c = only(&fs, "KEY-004");
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0].details["subject"], "CN=test-device, O=Baseline Test");
}

#[test]
fn text_that_only_names_private_keys_is_not_a_key() {
    let t = tree_with_files(
        "fw.bin",
        &[(
            "/usr/lib/libssl.so",
            "\0-----BEGIN RSA PRIVATE KEY-----\0-----END RSA PRIVATE KEY-----\0\
             -----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
        )],
    );
    assert!(run(&t).iter().all(|f| !f.code.starts_with("KEY")));
}

#[test]
fn same_key_in_two_inputs_is_shared_and_dropbear_key_matches_pem() {
    // Build a Dropbear host key (ssh-rsa, e, n, d, p, q) from the PEM key's DER fields.
    use base64::Engine as _;
    let b64: String = TEST_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let seq = super::der::read(&der).unwrap();
    let ints = super::der::children(seq.content).unwrap();
    let mut db = Vec::new();
    let mut s = |b: &[u8]| {
        db.extend_from_slice(&(b.len() as u32).to_be_bytes());
        db.extend_from_slice(b);
    };
    s(b"ssh-rsa");
    for i in [2, 1, 3, 4, 5] {
        s(ints[i].content);
    }
    let mut t = ArtifactTree::new();
    add_fs_input(
        &mut t,
        "a.bin",
        &[("/etc/dropbear/dropbear_rsa_host_key", Entry::File(db))],
    );
    add_fs_input(
        &mut t,
        "b.bin",
        &[("/etc/ssl/k.pem", Entry::File(TEST_KEY.as_bytes().to_vec()))],
    );
    let fs = run(&t);
    let k = only(&fs, "KEY-001");
    assert_eq!(k.len(), 2);
    let dbk = k
        .iter()
        .find(|f| f.details["container"] == "dropbear")
        .unwrap();
    assert_eq!(dbk.details["fingerprint"], TEST_FP);
    let shared = only(&fs, "KEY-003");
    assert_eq!(shared.len(), 1);
    assert_eq!(
        shared[0].details["inputs"],
        serde_json::json!(["a.bin", "b.bin"])
    );
}

fn corpus() -> Option<std::path::PathBuf> {
    let c = crate::testutil::corpus_dir();
    if c.is_none() {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
    }
    c
}

#[test]
fn fact_crypto_material_keys_certs_and_no_false_positives() {
    let Some(c) = corpus() else { return };
    let mut t = ArtifactTree::new();
    add_dir_input(
        &mut t,
        "fact-crypto-material",
        &c.join("keys/fact-crypto-material"),
    );
    let fs = run(&t);
    let mut keys: Vec<(String, String, String)> = only(&fs, "KEY-001")
        .iter()
        .map(|f| {
            (
                f.evidence[0].path.clone().unwrap(),
                f.details["container"].as_str().unwrap().to_owned(),
                f.details["fingerprint"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    keys.sort();
    let paths: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/error.der",
            "/id_rsa",
            "/id_rsa_encrypted",
            "/pkcs",
            "/pkcs12",
            "/ssl.key"
        ]
    );
    let fp = |p: &str| keys.iter().find(|k| k.0 == p).unwrap().2.clone();
    assert_eq!(
        fp("/id_rsa"),
        "SHA256:SCpajQnMloNy3am8DZrrAIGFoKdq0gDOBGKhNMr+r98"
    );
    assert_eq!(
        fp("/ssl.key"),
        "SHA256:KuZ7oRTTb3ZqG8ZPlShsoAwPa8HipNdGveXZbn2BHG4"
    );
    // FP_test, pkcs_fp.file, ssl_fp.file, public keys and the PGP public key give nothing.
    for f in &fs {
        let p = f.evidence[0].path.as_deref().unwrap_or("");
        assert!(
            !p.contains("_fp")
                && !p.contains("FP_test")
                && !p.contains(".pub")
                && !p.contains("generic_public_key")
                && !p.contains(".asc"),
            "{f:#?}"
        );
    }
    let certs = only(&fs, "KEY-004");
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].details["not_after"], "2017-08-31T17:37:11Z");
    assert_eq!(
        certs[0].details["signature_algorithm"],
        "sha256WithRSAEncryption"
    );
    assert_eq!(certs[0].details["bits"], 2048);
    assert_eq!(certs[0].details["self_signed"], false);
    insta::assert_json_snapshot!("fact_crypto_material", fs);
}

#[test]
fn routersploit_keys_are_known_compromised() {
    let Some(c) = corpus() else { return };
    let dir = c.join("credentials/default-creds/routersploit/ssh_keys");
    let mut t = ArtifactTree::new();
    add_dir_input(&mut t, "rsf", &dir);
    let fs = run(&t);
    let mut names: Vec<String> = only(&fs, "KEY-002")
        .iter()
        .map(|f| f.details["known_as"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names.contains(&"f5-bigip-cve-2012-1493".to_owned()));
    assert!(names.contains(&"exagrid-cve-2016-1561".to_owned()));
}

/// An Ed25519 OpenSSH key generated for these tests (not from any product).
const TEST_OPENSSH: &str = "\
-----BEGIN OPENSSH PRIVATE KEY-----\n\
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
QyNTUxOQAAACBJib3/T9yZso/oCn4TdBj0XpsFsecYJWuNDe6I3b38QwAAAIiVU8HHlVPB\n\
xwAAAAtzc2gtZWQyNTUxOQAAACBJib3/T9yZso/oCn4TdBj0XpsFsecYJWuNDe6I3b38Qw\n\
AAAEDPvZF2rm+TB4rUIYm2mI5w13K2cqJl5iR7HgNvbjCjdUmJvf9P3Jmyj+gKfhN0GPRe\n\
mwWx5xgla40N7ojdvfxDAAAAAAECAwQF\n\
-----END OPENSSH PRIVATE KEY-----\n\
";

#[test]
fn openssh_and_putty_keys_with_fingerprints() {
    // PuTTY v2 file for TEST_KEY: the public blob (ssh-rsa, e, n) is what is fingerprinted.
    use base64::Engine as _;
    let b64: String = TEST_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let seq = super::der::read(&der).unwrap();
    let ints = super::der::children(seq.content).unwrap();
    let mut blob = Vec::new();
    for b in [b"ssh-rsa".as_slice(), ints[2].content, ints[1].content] {
        blob.extend_from_slice(&(b.len() as u32).to_be_bytes());
        blob.extend_from_slice(b);
    }
    let pubb64 = base64::engine::general_purpose::STANDARD.encode(&blob);
    let lines: Vec<&str> = pubb64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let ppk = format!(
        "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: test\nPublic-Lines: {}\n{}\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 00\n",
        lines.len(),
        lines.join("\n")
    );
    let t = tree_with_files(
        "fw.bin",
        &[
            ("/root/key.ppk", &ppk),
            ("/etc/ssh/id_ed25519", TEST_OPENSSH),
        ],
    );
    let fs = run(&t);
    let k = only(&fs, "KEY-001");
    assert_eq!(k.len(), 2, "{k:#?}");
    let putty = k
        .iter()
        .find(|f| f.details["container"] == "putty")
        .unwrap();
    assert_eq!(putty.details["fingerprint"], TEST_FP);
    let ed = k
        .iter()
        .find(|f| f.details["container"] == "openssh")
        .unwrap();
    assert_eq!(ed.details["key_type"], "ed25519");
    assert_eq!(
        ed.details["fingerprint"],
        "SHA256:zG0sMjDqiDDiAdljoBR+vAj0yqUEvzCgRrTUwZqtTII"
    );
    assert_eq!(ed.details["encrypted"], false);
}
