#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]
//! Family-level tests on synthetic trees.

use crate::testutil::{add_fs_input, tree_with_files, Entry};
use crate::{analyse, Options};
use baseline_model::{Finding, Severity};
use baseline_unpack::ArtifactTree;

/// Analysis with a recovery budget large enough that a loaded test machine (the rayon pool is
/// shared with other tests) never turns an expected recovery into "out of time".
fn run(tree: &ArtifactTree) -> Vec<Finding> {
    analyse(tree, &generous()).findings
}

fn generous() -> Options {
    Options {
        crack_budget: std::time::Duration::from_secs(600),
        ..Options::default()
    }
}

fn only<'a>(fs: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.code == code).collect()
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/ash\n\
daemon:*:1:1:daemon:/var:/bin/false\n\
admin:x:1000:1000::/home/admin:/bin/sh\n\
guest:x:1001:1001::/home/guest:/sbin/nologin\n";

#[test]
fn fixed_hash_is_reported_and_recovered_with_shell_and_format() {
    // md5crypt of "admin" (salt abcdefgh) for root; sha512crypt of a non-dictionary phrase.
    let root_hash = crate::cred::crypt::crypt(b"admin", "$1$abcdefgh$").unwrap();
    let admin_hash =
        crate::cred::crypt::crypt(b"Zq9-unguessable", "$6$rounds=1000$saltsalt$").unwrap();
    let shadow = format!(
        "root:{root_hash}:18145:0:99999:7:::\ndaemon:*:0:0:99999:7:::\nadmin:{admin_hash}:0:0:99999:7:::\nguest::0:0:99999:7:::\n"
    );
    let t = tree_with_files(
        "fw.bin",
        &[("/etc/passwd", PASSWD), ("/etc/shadow", &shadow)],
    );
    let fs = run(&t);
    let c1 = only(&fs, "CRED-001");
    assert_eq!(c1.len(), 2, "{c1:#?}");
    let root = c1.iter().find(|f| f.details["account"] == "root").unwrap();
    assert_eq!(root.severity, Severity::Critical);
    assert_eq!(root.details["hash_format"], "md5crypt");
    assert_eq!(root.details["shell"], "/bin/ash");
    assert_eq!(root.details["login_capable"], true);
    assert_eq!(root.details["recovered"], true);
    assert_eq!(root.details["password"], "admi… (redacted, 5 chars)");
    assert_eq!(root.evidence[0].path.as_deref(), Some("/etc/shadow"));
    assert_eq!(root.evidence[0].line, Some(1));
    assert!(!root.evidence[0]
        .excerpt
        .as_ref()
        .unwrap()
        .contains(&root_hash));
    let admin = c1.iter().find(|f| f.details["account"] == "admin").unwrap();
    assert_eq!(admin.severity, Severity::High);
    assert_eq!(admin.details["hash_format"], "sha512crypt");
    assert_eq!(admin.details["recovered"], false);
    // guest has an empty password but no login shell: low.
    let c2 = only(&fs, "CRED-002");
    assert_eq!(c2.len(), 1);
    assert_eq!(c2[0].details["account"], "guest");
    assert_eq!(c2[0].severity, Severity::Low);
}

#[test]
fn show_secrets_reveals_password() {
    let h = crate::cred::crypt::crypt(b"admin", "$1$abcdefgh$").unwrap();
    let t = tree_with_files(
        "fw.bin",
        &[("/etc/shadow", &format!("root:{h}:1:0:99999:7:::\n"))],
    );
    let opts = Options {
        show_secrets: true,
        ..generous()
    };
    let fs = analyse(&t, &opts).findings;
    let f = only(&fs, "CRED-001")[0];
    assert_eq!(f.details["password"], "admin");
    assert_eq!(f.details["hash"], h.as_str());
    // No passwd entry: login capability unknown, still reported as a login risk.
    assert_eq!(f.details["login_capable"], serde_json::Value::Null);
}

#[test]
fn runtime_passwd_symlink_names_template_and_generator() {
    let mut t = ArtifactTree::new();
    add_fs_input(
        &mut t,
        "tl.bin",
        &[
            ("/etc/passwd", Entry::Symlink("../tmp/passwd".into())),
            (
                "/etc/passwd.bak",
                Entry::File(b"admin:$1$$iC.dUsGpxNNJGeOm1dFio/:0:0:root:/:/bin/sh\n".to_vec()),
            ),
            (
                "/etc/rc.d/rcS",
                Entry::File(b"#!/bin/sh\ncp -p /etc/passwd.bak /tmp/passwd\n".to_vec()),
            ),
            ("/bin/sh", Entry::File(b"x".to_vec())),
        ],
    );
    let fs = run(&t);
    let c3 = only(&fs, "CRED-003");
    assert_eq!(c3.len(), 1);
    assert_eq!(c3[0].details["target"], "../tmp/passwd");
    assert_eq!(
        c3[0].details["templates"],
        serde_json::json!(["/etc/passwd.bak"])
    );
    assert_eq!(
        c3[0].details["generators"],
        serde_json::json!(["/etc/rc.d/rcS"])
    );
    // The template's hash is itself a fixed hash (passwd layout with an inline hash).
    let c1 = only(&fs, "CRED-001");
    assert_eq!(c1.len(), 1);
    assert_eq!(c1[0].details["account"], "admin");
    assert_eq!(c1[0].details["shell"], "/bin/sh");
}

#[test]
fn serial_console_shell_and_telnetd_without_login() {
    let t = tree_with_files(
        "cam.bin",
        &[
            ("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n#::askfirst:/bin/sh\ntty1::respawn:/sbin/getty 38400 tty1\n"),
            ("/etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh -p 23 &\n# telnetd -l /bin/sh\n"),
        ],
    );
    let fs = run(&t);
    let c4 = only(&fs, "CRED-004");
    assert_eq!(c4.len(), 2, "{c4:#?}");
    let serial = c4
        .iter()
        .find(|f| f.details["channel"] == "serial-console")
        .unwrap();
    assert_eq!(serial.details["tty"], "ttyS0");
    assert_eq!(serial.evidence[0].line, Some(2));
    let telnet = c4
        .iter()
        .find(|f| f.details["channel"] == "telnet")
        .unwrap();
    assert_eq!(telnet.details["shell"], "/bin/sh");
    assert_eq!(telnet.severity, Severity::High);
    assert_eq!(telnet.evidence[0].path.as_deref(), Some("/etc/init.d/rcS"));
}

#[test]
fn web_and_config_credentials() {
    let t = tree_with_files(
        "router.bin",
        &[
            ("/etc/httpd.conf", "A:*\n/cgi-bin:admin:admin\n"),
            (
                "/etc/config/wireless",
                "config wifi-iface\n\toption encryption 'psk2'\n\toption key 'SuperSecret1'\n",
            ),
            ("/etc/snmp/snmpd.conf", "rocommunity public\n"),
            (
                "/etc/nvram.default",
                "http_passwd=$PASS\nhttp_username=admin\n",
            ),
        ],
    );
    let fs = run(&t);
    let c5 = only(&fs, "CRED-005");
    assert_eq!(c5.len(), 1);
    assert_eq!(c5[0].details["hash_format"], "plaintext");
    assert_eq!(c5[0].severity, Severity::Critical);
    let c6 = only(&fs, "CRED-006");
    let cats: Vec<&str> = c6
        .iter()
        .map(|f| f.details["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats.len(), 2, "{c6:#?}");
    assert!(cats.contains(&"wifi-passphrase") && cats.contains(&"snmp-community"));
}

#[test]
fn chpasswd_and_embedded_hash_in_binary() {
    let mut bin =
        b"\x7fELF\x00\x00junk\x00root:$1$abcdefgh$M55TzYaaccxVGbptZWaxX/:0:0:\x00more".to_vec();
    bin.extend_from_slice(&[0u8; 16]);
    let mut t = ArtifactTree::new();
    add_fs_input(
        &mut t,
        "fw.bin",
        &[
            ("/usr/bin/daemon", Entry::File(bin)),
            (
                "/etc/init.d/S99setpw",
                Entry::File(b"echo \"root:hunter22\" | chpasswd\n".to_vec()),
            ),
        ],
    );
    let fs = run(&t);
    let c7 = only(&fs, "CRED-007");
    assert_eq!(c7.len(), 2, "{c7:#?}");
    let emb = c7
        .iter()
        .find(|f| f.details["hash_format"] == "md5crypt")
        .unwrap();
    assert_eq!(emb.details["account"], "root");
    assert_eq!(emb.evidence[0].path.as_deref(), Some("/usr/bin/daemon"));
    let chp = c7
        .iter()
        .find(|f| f.details["hash_format"] == "plaintext")
        .unwrap();
    assert_eq!(chp.details["account"], "root");
    assert!(!chp.evidence[0]
        .excerpt
        .as_ref()
        .unwrap()
        .contains("hunter22"));
}

#[test]
fn shared_versus_per_unit_across_inputs() {
    let mut t = ArtifactTree::new();
    let h = "$1$abcdefgh$M55TzYaaccxVGbptZWaxX/";
    let shadow = format!("root:{h}:1:0:99999:7:::\n");
    for (name, key) in [("unit-a.bin", "KeyOfUnitA1"), ("unit-b.bin", "KeyOfUnitB2")] {
        add_fs_input(
            &mut t,
            name,
            &[
                ("/etc/shadow", Entry::File(shadow.clone().into_bytes())),
                (
                    "/etc/config/wireless",
                    Entry::File(format!("\toption key '{key}'\n").into_bytes()),
                ),
            ],
        );
    }
    let fs = run(&t);
    let c8 = only(&fs, "CRED-008");
    assert_eq!(c8.len(), 1, "{c8:#?}");
    assert_eq!(c8[0].details["kind"], "password-hash");
    assert_eq!(
        c8[0].details["inputs"],
        serde_json::json!(["unit-a.bin", "unit-b.bin"])
    );
    let c9 = only(&fs, "CRED-009");
    assert_eq!(c9.len(), 1, "{c9:#?}");
    assert_eq!(c9[0].details["locator"], "/etc/config/wireless#key");
    assert_eq!(c9[0].details["distinct"], 2);
}

#[test]
fn iotgoat_overlay_accounts_telnet_and_wifi() {
    let Some(c) = crate::testutil::corpus_dir() else {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
        return;
    };
    let d = c.join("firmware/iotgoat-overlay");
    let f = |p: &str| d.join(p);
    let mut t = ArtifactTree::new();
    let (a, b, c2, e, w, r, s, ba, i) = (
        f("files/etc_passwd"),
        f("files/etc_shadow"),
        f("files/etc_shadow.bak"),
        f("files/etc_config_system"),
        f("files/etc_config_wireless"),
        f("files/etc_rc.local"),
        f("files/etc_config_network"),
        f("openwrt-base-files/etc_shadow"),
        f("openwrt-base-files/etc_inittab"),
    );
    crate::testutil::add_mapped_input(
        &mut t,
        "iotgoat-overlay",
        &[
            ("/etc/passwd", a.as_path()),
            ("/etc/shadow", b.as_path()),
            ("/etc/shadow.bak", c2.as_path()),
            ("/etc/config/system", e.as_path()),
            ("/etc/config/wireless", w.as_path()),
            ("/etc/rc.local", r.as_path()),
            ("/etc/config/network", s.as_path()),
            ("/etc/inittab", i.as_path()),
        ],
    );
    crate::testutil::add_mapped_input(&mut t, "openwrt-base", &[("/etc/shadow", ba.as_path())]);
    // Unoptimised test builds hash slowly: give recovery room (no timing is asserted).
    let fs = run(&t);
    let c1 = only(&fs, "CRED-001");
    let user = c1
        .iter()
        .find(|f| f.details["account"] == "iotgoatuser")
        .unwrap();
    assert_eq!(user.details["hash_format"], "md5crypt");
    assert_eq!(user.details["recovered"], true);
    assert_eq!(user.details["shell"], "/bin/ash");
    assert_eq!(user.severity, Severity::Critical);
    // root in shadow and in shadow.bak: two different fixed hashes.
    let roots: Vec<_> = c1
        .iter()
        .filter(|f| f.details["account"] == "root")
        .collect();
    assert_eq!(roots.len(), 2);
    // Stock OpenWrt root has an empty password.
    let c2 = only(&fs, "CRED-002");
    assert_eq!(c2.len(), 1);
    assert_eq!(c2[0].details["account"], "root");
    assert_eq!(c2[0].evidence[0].artifact, "openwrt-base");
    // The open access point.
    let wifi = only(&fs, "CRED-006");
    assert_eq!(wifi.len(), 1);
    assert_eq!(wifi[0].details["category"], "open-wifi");
    insta::assert_json_snapshot!("iotgoat_overlay", fs);
}

#[test]
fn passwd_binary_is_not_a_database_and_esp_attrs_are_read() {
    let mut t = ArtifactTree::new();
    let (inp, _) = add_fs_input(
        &mut t,
        "fw.bin",
        &[(
            "/usr/bin/passwd",
            Entry::File(b"\x7fELF\x00\x00Usage:passwd\nroot:x\n".to_vec()),
        )],
    );
    // A parameter sector as a format parser would expose it (node attrs).
    let mut sector = baseline_unpack::Node::new(
        "0x3fc000.esp-params",
        baseline_unpack::NodeKind::Region,
        bytes::Bytes::from_static(b"\x00"),
    );
    sector.attrs = vec![
        ("softap.ssid".into(), "Device-AP".into()),
        ("softap.password".into(), "".into()),
        ("station.password".into(), "HomeWifi2020".into()),
    ];
    t.add_child(inp, sector);
    let fs = run(&t);
    assert!(only(&fs, "CRED-001").is_empty(), "{fs:#?}");
    let c6 = only(&fs, "CRED-006");
    let mut cats: Vec<&str> = c6
        .iter()
        .map(|f| f.details["category"].as_str().unwrap())
        .collect();
    cats.sort();
    assert_eq!(cats, ["open-wifi", "wifi-passphrase"]);
    let st = c6
        .iter()
        .find(|f| f.details["key"] == "station.password")
        .unwrap();
    assert_eq!(st.details["value"], "Home… (redacted, 12 chars)");
}

#[test]
fn hash_fingerprint_is_the_sha256_of_the_whole_hash_with_or_without_secrets_shown() {
    use sha2::Digest as _;
    let h = crate::cred::crypt::crypt(b"a password nobody guesses 9", "$1$saltsalt$").unwrap();
    let t = tree_with_files(
        "fw.bin",
        &[("/etc/shadow", &format!("root:{h}:1:0:99999:7:::\n"))],
    );
    let want = format!("sha256:{}", hex::encode(sha2::Sha256::digest(h.as_bytes())));
    for show_secrets in [false, true] {
        let opts = Options {
            show_secrets,
            ..generous()
        };
        let fs = analyse(&t, &opts).findings;
        let f = only(&fs, "CRED-001")[0];
        assert_eq!(f.details["hash_fingerprint"], want.as_str());
    }
    // Another salt, same password: another fingerprint (it identifies the hash, not the password).
    let other = crate::cred::crypt::crypt(b"a password nobody guesses 9", "$1$saltsal2$").unwrap();
    assert_ne!(
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(other.as_bytes()))
        ),
        want
    );
}
