//! Header and container formats against the real corpus samples: specific facts per sample,
//! and region contents checked against the reference extractors' manifests (SHA-256).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)]

use baseline_unpack::formats::{esp, fit, registry, tplink, trx, uimage, zimage};
use baseline_unpack::{Ctx, Format, Limits, Output, Parsed, Region};
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

/// The manifest of `rel` (its path with `/` turned into `__`).
fn manifest(rel: &str) -> String {
    let rel = rel.strip_prefix("formats/").unwrap_or(rel);
    let name = format!("{}.manifest.json", rel.replace('/', "__"));
    let p = corpus()
        .unwrap()
        .join("expected/reference-extractors")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

fn sha(d: &[u8]) -> String {
    hex::encode(Sha256::digest(d))
}

/// Assert a peer tool extracted exactly these bytes at this path.
fn assert_in_manifest(rel: &str, data: &[u8], peer_path: &str) {
    let entry = format!("\"{}\": \"{}\"", sha(data), peer_path);
    assert!(
        manifest(rel).contains(&entry),
        "{rel}: {entry} not in manifest"
    );
}

fn parse(f: &dyn Format, d: &Bytes, at: usize) -> Option<Parsed> {
    f.parse(d, at, &Ctx::new(Limits::default())).unwrap()
}

fn attr<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
    p.attrs
        .iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.as_str())
}

fn regions(p: &Parsed) -> &[Region] {
    match &p.output {
        Output::Regions(r) => r,
        other => panic!("not regions: {other:?}"),
    }
}

fn region<'a>(p: &'a Parsed, name: &str) -> &'a Region {
    regions(p).iter().find(|r| r.name == name).unwrap()
}

fn layout(p: &Parsed) -> Vec<(String, u64, usize)> {
    regions(p)
        .iter()
        .map(|r| (r.name.clone(), r.offset, r.data.len()))
        .collect()
}

/// What the engine would accept from these formats: every magic hit, parsed, skipping
/// candidates inside an accepted structure. `(start, format, parsed)`.
fn scan(d: &Bytes) -> Vec<(usize, &'static str, Parsed)> {
    let mine = [
        "esp", "fit", "tplink", "trx", "ubootenv", "uimage", "zimage",
    ];
    let formats: Vec<_> = registry()
        .iter()
        .filter(|f| mine.contains(&f.name()))
        .collect();
    let mut cands = Vec::new();
    for (fi, f) in formats.iter().enumerate() {
        for m in f.magics() {
            if f.whole_input_only() {
                if d.get(m.offset..m.offset + m.bytes.len()) == Some(m.bytes) {
                    cands.push((0usize, fi));
                }
                continue;
            }
            for hit in memchr::memmem::find_iter(d, m.bytes) {
                if let Some(s) = hit.checked_sub(m.offset) {
                    cands.push((s, fi));
                }
            }
        }
    }
    cands.sort();
    cands.dedup();
    let mut out = Vec::new();
    let mut covered = 0usize;
    for (s, fi) in cands {
        if s < covered {
            continue;
        }
        if let Some(p) = parse(*formats[fi], d, s) {
            covered = s + p.len as usize;
            out.push((s, formats[fi].name(), p));
        }
    }
    out
}

#[test]
fn tplink_wr841n_whole_image() {
    let rel = "firmware/tplink-tl-wr841n-v10-3.16.9.bin";
    let Some(d) = load(rel) else { return };
    let p = parse(&tplink::TpLink, &d, 0).unwrap();
    assert_eq!(p.len, 4_063_744);
    assert_eq!(attr(&p, "vendor"), Some("TP-LINK Technologies"));
    assert_eq!(attr(&p, "firmware-version"), Some("ver. 1.0"));
    assert_eq!(attr(&p, "hardware-id"), Some("0x08410010"));
    assert_eq!(attr(&p, "hardware-model"), Some("841 v10"));
    assert_eq!(attr(&p, "hardware-revision"), Some("1"));
    assert_eq!(attr(&p, "kernel-load-address"), Some("0x80002000"));
    assert_eq!(attr(&p, "kernel-entry-point"), Some("0x801943b0"));
    assert_eq!(attr(&p, "version"), Some("3.16.9"));
    assert_eq!(attr(&p, "md5"), Some("ok-boot-salt"));
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    assert_eq!(
        layout(&p),
        [
            ("bootloader".to_string(), 0x200, 0x20000),
            ("kernel".to_string(), 0x20400, 0xb9e0e),
            ("rootfs".to_string(), 0x120200, 0x2c0000),
        ]
    );
    assert_eq!(&region(&p, "rootfs").data[..4], b"hsqs");
    assert_eq!(&region(&p, "kernel").data[..3], b"\x5d\0\0");

    // The inner flash image header (after the boot loader) on its own.
    let inner = parse(&tplink::TpLink, &d, 0x20200).unwrap();
    assert_eq!(attr(&inner, "md5"), Some("ok-normal-salt"));
    assert_eq!(inner.len, 0x3c0000);

    // The U-Boot inside the boot loader carries a uImage; binwalk extracted its payload.
    let boot = &region(&p, "bootloader").data;
    let u = parse(&uimage::UImage, boot, 0x39d0 - 0x200).unwrap();
    assert_eq!(attr(&u, "image-name"), Some("u-boot image"));
    assert_eq!(attr(&u, "arch"), Some("mips"));
    assert_eq!(attr(&u, "compression"), Some("lzma"));
    assert_eq!(attr(&u, "data-crc"), Some("ok"));
    assert_in_manifest(
        rel,
        &region(&u, "payload").data,
        "input.extracted/39D0/u-boot_image.bin",
    );

    // Scanning the whole image with these formats finds only the TP-Link header.
    let found: Vec<_> = scan(&d).into_iter().map(|(s, n, _)| (s, n)).collect();
    assert_eq!(found, [(0, "tplink")]);
}

#[test]
fn tplink_fact_samples() {
    let rel = "formats/fact-extractor/tpl/test.tpl";
    let Some(d) = load(rel) else { return };
    let p = parse(&tplink::TpLink, &d, 0).unwrap();
    assert_eq!(attr(&p, "hardware-id"), Some("0x30200001"));
    assert_eq!(attr(&p, "hardware-model"), Some("3020 v1"));
    assert_eq!(attr(&p, "version"), Some("3.17.2"));
    assert_eq!(
        layout(&p)
            .iter()
            .map(|(n, o, _)| (n.as_str(), *o))
            .collect::<Vec<_>>(),
        [
            ("bootloader", 0x200),
            ("kernel", 0x20400),
            ("rootfs", 0x120200)
        ]
    );
    let boot = &region(&p, "bootloader").data;
    let u = parse(&uimage::UImage, boot, 0x3c80 - 0x200).unwrap();
    assert_in_manifest(
        rel,
        &region(&u, "payload").data,
        "input.extracted/3C80/u-boot_image.bin",
    );
    // wr.fw is TP-Link's WR702N "IMG0" container, not this header.
    let Some(w) = load("formats/fact-extractor/tpl/wr.fw") else {
        return;
    };
    assert!(parse(&tplink::TpLink, &w, 0).is_none());
}

#[test]
fn uimage_samples() {
    let rel = "formats/fact-extractor/uboot/uboot.image_with_header";
    let Some(d) = load(rel) else { return };
    let p = parse(&uimage::UImage, &d, 0).unwrap();
    assert_eq!(attr(&p, "image-name"), Some("u-boot image"));
    assert_eq!(attr(&p, "os"), Some("linux"));
    assert_eq!(attr(&p, "arch"), Some("mips"));
    assert_eq!(attr(&p, "image-type"), Some("firmware"));
    assert_eq!(attr(&p, "compression"), Some("lzma"));
    assert_eq!(attr(&p, "timestamp"), Some("2014-09-22T08:47:07Z"));
    assert_eq!(attr(&p, "data-crc"), Some("ok"));
    assert_eq!(p.len, 64 + 0x7ff1);
    assert_in_manifest(
        rel,
        &region(&p, "payload").data,
        "input.extracted/0/u-boot_image.bin",
    );
    // Behind the U-Boot uImage sits a TP-Link header whose kernel is the LZMA stream that
    // unblob carved at 116656.
    let found = scan(&d);
    assert_eq!(
        found.iter().map(|(s, n, _)| (*s, *n)).collect::<Vec<_>>(),
        [(0, "uimage"), (0x1c5b0, "tplink")]
    );
    let tp = &found[1].2;
    assert_eq!(0x1c5b0 + region(tp, "kernel").offset, 116_656);

    let rel = "firmware/consumer/wyze-cam-v2/kernel.bin";
    let Some(d) = load(rel) else { return };
    let p = parse(&uimage::UImage, &d, 0).unwrap();
    assert_eq!(attr(&p, "image-name"), Some("Linux-3.10.14"));
    assert_eq!(attr(&p, "arch"), Some("mips"));
    assert_eq!(attr(&p, "image-type"), Some("kernel"));
    assert_eq!(attr(&p, "compression"), Some("lzma"));
    assert_eq!(attr(&p, "data-crc"), Some("ok"));
    assert_in_manifest(
        rel,
        &region(&p, "payload").data,
        "input.extracted/0/Linux-3.10.14.bin",
    );

    // Named .dtb: a uImage header ("DD-XYZ", ARM kernel) whose header CRC does not match
    // (the sample was cut to 35 KiB and edited), so it is not taken; binwalk agrees.
    let Some(d) = load("formats/fact-extractor/uboot/uboot.dtb") else {
        return;
    };
    assert!(parse(&uimage::UImage, &d, 0).is_none());
}

#[test]
fn fit_and_dtb_samples() {
    let Some(d) = load("formats/fact-extractor/uboot/fit.itb") else {
        return;
    };
    let p = parse(&fit::Fit, &d, 0).unwrap();
    let l: Vec<_> = layout(&p).iter().map(|(n, o, _)| (n.clone(), *o)).collect();
    assert_eq!(
        l,
        [
            ("kernel".to_string(), 184),
            ("fdt".to_string(), 1_049_104),
            ("rootfs".to_string(), 1_049_400),
            ("system.dts".to_string(), 0)
        ]
    );
    // The tree decompiled as binwalk's `dtc -I dtb -O dts` does.
    assert_in_manifest(
        "formats/fact-extractor/uboot/fit.itb",
        &region(&p, "system.dts").data,
        "input.extracted/0/system.dtb",
    );
    assert_eq!(&regions(&p)[0].data[..2], b"\x1f\x8b");
    assert_eq!(attr(&p, "description"), Some("FACT Test FIT Image"));
    assert_eq!(attr(&p, "timestamp"), Some("2024-10-16T15:44:43Z"));
    assert_eq!(attr(&p, "kernel.arch"), Some("arm64"));
    assert_eq!(attr(&p, "kernel.compression"), Some("gzip"));
    assert_eq!(attr(&p, "kernel.load"), Some("0x80000000"));
    assert_eq!(attr(&p, "fdt.type"), Some("flat_dt"));
    assert_eq!(attr(&p, "rootfs.type"), Some("ramdisk"));
    assert!(p.notes.is_empty(), "{:?}", p.notes);

    let Some(d) = load("formats/fact-extractor/uboot/uboot.dtb") else {
        return;
    };
    let p = parse(&fit::Fit, &d, 0x980).unwrap();
    assert_eq!(layout(&p), [("system.dts".to_string(), 0, 41_301)]);
    assert_in_manifest(
        "formats/fact-extractor/uboot/uboot.dtb",
        &region(&p, "system.dts").data,
        "input.extracted/980/system.dtb",
    );
    assert_eq!(attr(&p, "model"), Some("Manufac XYZ1234ABC"));
    assert_eq!(
        attr(&p, "compatible"),
        Some("linksys,shelby, linksys,ships_385, unicorn,ships_385, unicorn,ships_380")
    );
    // The tree runs to the end of the file.
    assert_eq!(0x980 + p.len as usize, d.len());
}

#[test]
fn trx_sample() {
    let rel = "formats/fact-extractor/trx/trx.img";
    let Some(d) = load(rel) else { return };
    let p = parse(&trx::Trx, &d, 0).unwrap();
    assert_eq!(p.len, 4096);
    assert_eq!(attr(&p, "version"), Some("1"));
    assert_eq!(attr(&p, "crc"), Some("ok"));
    assert_eq!(layout(&p), [("partition-0".to_string(), 28, 4096 - 28)]);
    assert_in_manifest(
        rel,
        &region(&p, "partition-0").data,
        "input.extracted/0/partition_0.bin",
    );
}

#[test]
fn linux_kernel_samples() {
    let Some(d) = load("formats/fact-extractor/linuxkernel/zImage_be32") else {
        return;
    };
    let p = parse(&zimage::ZImage, &d, 0).unwrap();
    assert_eq!(attr(&p, "kernel-format"), Some("arm-zimage"));
    assert_eq!(attr(&p, "endianness"), Some("big"));
    assert_eq!(attr(&p, "image-size"), Some("11946940"));
    assert!(matches!(p.output, Output::Info));
    // Cut short with no payload: only the header is claimed, so the rest is still scanned.
    assert_eq!(p.len, 0x30);
    assert!(p.notes[0].starts_with("image truncated"));

    // A boot sector stuffed with compression magics: nothing of ours accepts it.
    let Some(d) = load("formats/fact-extractor/linuxkernel/bogus_image.bin") else {
        return;
    };
    assert!(scan(&d).is_empty());

    // uboot.dtb: a cut-down ARM zImage at 0x40 (behind a uImage header with a bad CRC) and
    // a device tree at 0x980 that must still be found.
    let Some(d) = load("formats/fact-extractor/uboot/uboot.dtb") else {
        return;
    };
    let found: Vec<_> = scan(&d).into_iter().map(|(s, n, _)| (s, n)).collect();
    assert_eq!(found, [(0x40, "zimage"), (0x980, "fit")]);
}

#[test]
fn uboot_environments_in_camera_boot_loaders() {
    let Some(d) = load("firmware/consumer/wyze-cam-v2/uboot.bin") else {
        return;
    };
    let envs = scan(&d);
    let names: Vec<_> = envs.iter().map(|(s, n, _)| (*s, *n)).collect();
    assert_eq!(names, [(0x2a6ac, "ubootenv")]);
    let p = &envs[0].2;
    assert_eq!(attr(p, "env-form"), Some("built-in"));
    assert_eq!(attr(p, "bootdelay"), Some("1"));
    assert_eq!(attr(p, "ethaddr"), Some("00:11:22:33:44:55"));
    assert!(attr(p, "bootargs")
        .unwrap()
        .starts_with("console=ttyS1,115200n8 mem=104M@0x0"));
    assert!(attr(p, "bootcmd").unwrap().ends_with("bootm 0x80600000"));

    let Some(d) = load("firmware/consumer/sannce-camera/uboot.bin") else {
        return;
    };
    let envs = scan(&d);
    let names: Vec<_> = envs.iter().map(|(s, n, _)| (*s, *n)).collect();
    assert_eq!(names, [(0x2fb54, "ubootenv"), (0x3c000, "ubootenv")]);
    let built_in = &envs[0].2;
    assert_eq!(attr(built_in, "env-form"), Some("built-in"));
    assert_eq!(attr(built_in, "bootdelay"), Some("1"));
    let saved = &envs[1].2;
    assert_eq!(attr(saved, "env-form"), Some("saved"));
    assert_eq!(attr(saved, "env-crc"), Some("ok"));
    assert_eq!(attr(saved, "env-size"), Some("0x4000"));
    assert_eq!(saved.len, 0x4000);
    assert_eq!(attr(saved, "bootdelay"), Some("1"));
    assert_eq!(attr(saved, "ethact"), Some("Jz4775-9161"));
    assert!(attr(saved, "bootargs")
        .unwrap()
        .starts_with("console=ttyS1,115200n8"));
}

#[test]
fn tuya_esp8266_flash_dumps() {
    for (rel, softap) in [
        (
            "firmware/consumer/tuya-esp8266-switch/original_firmware.bin",
            "ESP_DE2E1E",
        ),
        (
            "firmware/consumer/tuya-esp8266-switch/original_firmware2.bin",
            "ESP_DE4200",
        ),
    ] {
        let Some(d) = load(rel) else { return };
        let p = parse(&esp::Esp, &d, 0).unwrap();
        assert_eq!(p.len, 0x100000);
        assert_eq!(attr(&p, "flash-layout"), Some("esp8266"));
        assert_eq!(attr(&p, "bootloader.checksum"), Some("ok"));
        assert_eq!(attr(&p, "app.image-version"), Some("2"));
        assert_eq!(attr(&p, "app.checksum"), Some("ok"));
        assert_eq!(attr(&p, "app.entry-point"), Some("0x40100004"));
        let l = layout(&p);
        assert_eq!(l[0], ("bootloader".to_string(), 0, 0xff0));
        assert_eq!(l[1], ("app".to_string(), 0x1000, 0x70dc4 - 0x1000));
        assert!(l.contains(&("esp-init-data".to_string(), 0xfc000, 0x1000)));
        assert!(l.contains(&("system-param".to_string(), 0xfd000, 0x3000)));
        // Tuya's per-device JSON (cloud keys) sector is kept as its own region.
        let tuya = region(&p, "data-0xfb000");
        assert_eq!(&tuya.data[..12], b"{\"mac_addr\":");
        // Wi-Fi records: the factory-test station network and the default soft AP, open.
        let wifi: Vec<_> = (0..4)
            .filter_map(|i| {
                Some((
                    attr(&p, &format!("wifi-{i}.ssid"))?.to_string(),
                    attr(&p, &format!("wifi-{i}.password"))?.len(),
                    attr(&p, &format!("wifi-{i}.role"))?.to_string(),
                ))
            })
            .collect();
        assert_eq!(
            wifi,
            [
                (softap.to_string(), 0, "softap-default-name".to_string()),
                ("WIFI-TP24".to_string(), 15, "unknown".to_string()),
            ],
            "{rel}"
        );
    }
}

#[test]
#[ignore = "survey: prints what these formats accept in every corpus firmware/format sample"]
fn survey() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    let mut stack = vec![root.join("firmware"), root.join("formats")];
    // Extra material (e.g. decompressed kernels) to survey for false positives.
    if let Some(extra) = std::env::var_os("BASELINE_SURVEY_DIR") {
        stack.push(PathBuf::from(extra));
    }
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && !p.to_string_lossy().ends_with(".md") {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let Ok(d) = std::fs::read(&f) else { continue };
        let d = Bytes::from(d);
        let found: Vec<_> = scan(&d)
            .into_iter()
            .map(|(s, n, p)| format!("{n}@{s:#x}+{:#x}", p.len))
            .collect();
        if !found.is_empty() {
            println!(
                "{}: {}",
                f.strip_prefix(&root).unwrap_or(&f).display(),
                found.join(" ")
            );
        }
    }
}
