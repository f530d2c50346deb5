#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::init::{inventory, How};
use crate::testutil::{add_fs_input, tree_with_files, Entry};
use crate::{analyse, Context, Options};
use baseline_model::Finding;
use baseline_unpack::ArtifactTree;

fn codes(fs: &[Finding], code: &str) -> Vec<Finding> {
    fs.iter().filter(|f| f.code == code).cloned().collect()
}

fn svc_findings(t: &ArtifactTree) -> Vec<Finding> {
    analyse(t, &Options::default())
        .findings
        .into_iter()
        .filter(|f| f.code.starts_with("SVC-"))
        .collect()
}

#[test]
fn inittab_rcs_chain_reaches_telnetd_and_sourced_file() {
    let t = tree_with_files(
        "fw.bin",
        &[
            (
                "/etc/inittab",
                "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
            ),
            (
                "/etc/init.d/rcS",
                "#!/bin/sh\n. /etc/profile.d/env.sh\nfor i in a b; do echo $i; done\n$TD -p 23 &\n/etc/start_web.sh\n",
            ),
            ("/etc/profile.d/env.sh", "TD=/usr/sbin/telnetd\n"),
            ("/etc/start_web.sh", "#!/bin/sh\nstart() {\n  /usr/sbin/lighttpd -f /etc/l.conf\n}\nstart\n"),
        ],
    );
    let fs = svc_findings(&t);
    let tel = codes(&fs, "SVC-001");
    assert_eq!(tel.len(), 1, "{fs:#?}");
    assert_eq!(tel[0].details["how"], "started-at-boot");
    assert_eq!(tel[0].details["command"], "/usr/sbin/telnetd -p 23");
    assert_eq!(tel[0].evidence[0].path.as_deref(), Some("/etc/init.d/rcS"));
    assert_eq!(tel[0].evidence[0].line, Some(4));
    assert_eq!(
        tel[0].evidence[0].note.as_deref(),
        Some("inittab ::sysinit (/etc/inittab:1) → /etc/init.d/rcS:4")
    );
    let web = codes(&fs, "SVC-003");
    assert_eq!(web.len(), 1);
    assert_eq!(
        web[0].evidence[0].note.as_deref(),
        Some("inittab ::sysinit (/etc/inittab:1) → /etc/init.d/rcS:5 → /etc/start_web.sh:3 (in start)")
    );
    let con = codes(&fs, "SVC-009");
    assert_eq!(con.len(), 1);
    assert_eq!(con[0].details["tty"], "ttyS0");
    assert_eq!(con[0].details["asks_login"], true);
}

#[test]
fn dropbear_flags_and_openwrt_procd() {
    let t = tree_with_files(
        "owrt.bin",
        &[
            (
                "/etc/init.d/dropbear",
                "#!/bin/sh /etc/rc.common\nSTART=50\nUSE_PROCD=1\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command /usr/sbin/dropbear -F -P /var/run/dropbear.pid -B\n}\n",
            ),
            ("/etc/config/dropbear", "config dropbear\n\toption PasswordAuth 'on'\n"),
        ],
    );
    let fs = svc_findings(&t);
    let ssh = codes(&fs, "SVC-004");
    assert_eq!(ssh.len(), 1, "{fs:#?}");
    assert_eq!(ssh[0].details["how"], "configured-not-linked");
    assert_eq!(ssh[0].details["empty_passwords"], true);
    assert_eq!(ssh[0].details["password_auth"], true);
    assert_eq!(ssh[0].severity, baseline_model::Severity::High);
}

#[test]
fn systemd_enabled_unit_inetd_and_nc_listener() {
    let mut t = ArtifactTree::new();
    add_fs_input(
        &mut t,
        "x.img",
        &[
            (
                "/lib/systemd/system/telnet.service",
                Entry::File(b"[Service]\nExecStart=-/usr/sbin/in.telnetd -debug\n".to_vec()),
            ),
            (
                "/etc/systemd/system/multi-user.target.wants/telnet.service",
                Entry::Symlink("/lib/systemd/system/telnet.service".into()),
            ),
            (
                "/etc/inittab",
                Entry::File(b"::sysinit:/etc/init.d/rcS\n".to_vec()),
            ),
            (
                "/etc/init.d/rcS",
                Entry::File(b"inetd\nnc -l -p 4444 -e /bin/sh &\n".to_vec()),
            ),
            (
                "/etc/inetd.conf",
                Entry::File(b"tftp dgram udp wait root /usr/sbin/tftpd tftpd -s /srv\n".to_vec()),
            ),
        ],
    );
    let opts = Options::default();
    let ctx = Context::new(&t, &opts);
    let inv = inventory(&ctx);
    let progs: Vec<(String, How)> = inv
        .launches
        .iter()
        .map(|l| (l.program.clone(), l.how))
        .collect();
    assert!(
        progs.contains(&("in.telnetd".into(), How::Boot)),
        "{progs:?}"
    );
    assert!(progs.contains(&("tftpd".into(), How::Boot)), "{progs:?}");
    let fs = svc_findings(&t);
    let dbg = codes(&fs, "SVC-008");
    assert_eq!(dbg.len(), 1, "{fs:#?}");
    assert_eq!(dbg[0].details["program"], "nc");
    let tftp = codes(&fs, "SVC-002");
    assert_eq!(tftp[0].details["program"], "tftpd");
    assert!(tftp[0].evidence[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("inetd service tftp (inetd: inittab"));
}

#[test]
fn uboot_bootdelay_and_console_attrs() {
    let mut t = ArtifactTree::new();
    let inp = t.add_input("uboot.bin", bytes::Bytes::new());
    let mut n = baseline_unpack::Node::new(
        "0x100.ubootenv",
        baseline_unpack::NodeKind::Region,
        bytes::Bytes::new(),
    );
    n.format = Some("ubootenv");
    n.attrs = vec![
        ("bootdelay".into(), "1".into()),
        (
            "bootargs".into(),
            "console=ttyS1,115200n8 root=/dev/mtdblock2".into(),
        ),
    ];
    t.add_child(inp, n);
    let fs = svc_findings(&t);
    let bd = codes(&fs, "SVC-010");
    assert_eq!(bd.len(), 1);
    assert_eq!(bd[0].details["bootdelay"], 1);
    let con = codes(&fs, "SVC-009");
    assert_eq!(con.len(), 1);
    assert_eq!(con[0].details["tty"], "ttyS1");
}

/// The FACT init-system samples: every entry-point kind parsed, launches snapshotted.
#[test]
fn fact_init_systems_inventory() {
    let Some(c) = crate::testutil::corpus_dir() else {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
        return;
    };
    let mut t = ArtifactTree::new();
    crate::testutil::add_dir_input(&mut t, "init-systems", &c.join("init-systems/fact"));
    let opts = Options::default();
    let ctx = Context::new(&t, &opts);
    let inv = inventory(&ctx);
    let lines: Vec<String> = inv
        .launches
        .iter()
        .map(|l| {
            format!(
                "{} [{}] {} ← {}",
                l.program,
                l.how.as_str(),
                l.argv.join(" "),
                l.chain_note()
            )
        })
        .chain(inv.consoles.iter().map(|c| {
            format!(
                "console {} {} {} login={}",
                c.tty, c.action, c.command, c.asks_login
            )
        }))
        .collect();
    insta::assert_debug_snapshot!("fact_init_systems", lines);
}

/// IoTGoat's overlay: telnetd on port 65534 and a back-connect shell from rc.local, miniupnpd
/// configuration, OpenWrt's login.sh on the console.
#[test]
fn iotgoat_overlay_services() {
    let Some(c) = crate::testutil::corpus_dir() else {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
        return;
    };
    let d = c.join("firmware/iotgoat-overlay");
    let mut t = ArtifactTree::new();
    let rl = d.join("files/etc_rc.local");
    let up = d.join("files/etc_config_upnpd");
    let it = d.join("openwrt-base-files/etc_inittab");
    crate::testutil::add_mapped_input(
        &mut t,
        "iotgoat-overlay",
        &[
            ("/etc/rc.local", rl.as_path()),
            ("/etc/config/upnpd", up.as_path()),
            ("/etc/inittab", it.as_path()),
        ],
    );
    let fs = svc_findings(&t);
    let tel = codes(&fs, "SVC-001");
    assert_eq!(tel.len(), 1, "{fs:#?}");
    assert_eq!(tel[0].details["command"], "telnetd -p 65534");
    assert_eq!(codes(&fs, "SVC-008")[0].details["program"], "shellback");
    insta::assert_json_snapshot!("iotgoat_overlay_svc", fs);
}
