//! Espressif ESP8266 / ESP32 flash contents: app and boot loader images, the ESP32
//! partition table, and raw ESP8266 flash dumps with their SDK parameter sectors.
//!
//! Parses: (1) ESP image headers (magic 0xE9: segment count, flash mode/size/frequency,
//! entry point, segments with load addresses; ESP32 extended header with chip id and the
//! appended SHA-256; the XOR checksum is verified) and ESP8266 "version 2" images (magic
//! 0xEA, an IROM block in front of an 0xE9 image). ESP32 app images' `esp_app_desc_t`
//! (project name, version, IDF version, build date) is read. (2) An ESP32 partition table at
//! flash offset 0x8000 (0xAA50 entries, MD5 row verified): one region per partition, named by
//! its label, plus `bootloader` and `partition-table`. (3) An ESP8266 raw flash dump (image at
//! 0, power-of-two size): regions `bootloader`, `app` (0x1000), `user2` (second OTA slot),
//! `esp-init-data` and `system-param` (the SDK's last sectors), and `data-0x…` for every
//! other non-erased run of sectors. In the system-parameter sectors, Wi-Fi records laid out
//! as the SDK's `station_config`/`softap_config` (u32 SSID length, SSID[32], password[64])
//! are recorded. Yields `Output::Regions`, or `Output::Info` for a single image file.
//! Magic bytes this short are only trusted on whole inputs (`whole_input_only`).
//!
//! Evidence: `chip`, `flash-mode`, `flash-size`, `flash-freq`, `entry-point`, `segments`,
//! `checksum` (`ok`/`mismatch`), `sha256` (`ok`/`mismatch`), `app.*` (app description),
//! `partition.<label>` (type/subtype, offset, size), `partition-table-md5`, and
//! `wifi-N.ssid` / `wifi-N.password` / `wifi-N.role` (`softap-default-name` when the SSID is
//! the SDK's `ESP_xxxxxx` default, else `unknown`: the SDK layout does not say which is which).
//! Known false positives: a Wi-Fi record is only taken when the length, the SSID and the
//! password fields all fit the layout exactly; other vendor data in those sectors is ignored.
//! References: esptool `bin_image.py`, ESP-IDF `esp_image_format.h`, `esp_partition.h`,
//! `esp_app_desc.h`; ESP8266 NONOS SDK `user_interface.h` (`station_config`).

use super::bytes_util::{u16le, u32le};
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;
use md5::{Digest, Md5};
use sha2::Sha256;

const NAME: &str = "esp";
const SECTOR: usize = 0x1000;
const MAX_SEGMENTS: usize = 16;
const PART_TABLE: usize = 0x8000;

/// Espressif ESP8266/ESP32 images, partition tables and flash dumps.
#[derive(Debug, Clone, Copy)]
pub struct Esp;

fn cstr(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = b.get(..end)?;
    if s.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        Some(String::from_utf8_lossy(s).into_owned())
    } else {
        None
    }
}

fn chip_name(id: u16) -> String {
    match id {
        0 => "esp32".to_string(),
        2 => "esp32-s2".to_string(),
        5 => "esp32-c3".to_string(),
        9 => "esp32-s3".to_string(),
        0xc => "esp32-c2".to_string(),
        0xd => "esp32-c6".to_string(),
        0x10 => "esp32-h2".to_string(),
        0x12 => "esp32-p4".to_string(),
        n => format!("esp32-chip-{n}"),
    }
}

/// A parsed ESP image.
#[derive(Debug, Clone)]
struct Image {
    /// Bytes from the image start to the end of the checksum / hash / CRC.
    len: usize,
    attrs: Vec<(String, String)>,
    notes: Vec<String>,
}

fn plausible_addr(a: u32) -> bool {
    (0x3c00_0000..0x6000_0000).contains(&a)
}

/// Parse the 0xE9 image at `d[0..]`.
fn image(d: &[u8]) -> Option<Image> {
    if *d.first()? != 0xe9 {
        return None;
    }
    let nseg = usize::from(*d.get(1)?);
    let mode = *d.get(2)?;
    let size_freq = *d.get(3)?;
    let entry = u32le(d, 4)?;
    if nseg == 0 || nseg > MAX_SEGMENTS || mode > 5 || !(entry == 0 || plausible_addr(entry)) {
        return None;
    }
    // ESP32 extended header: wp pin 0xEE (disabled), zero reserved bytes, hash flag 0/1.
    let ext = d.get(8) == Some(&0xee)
        && d.get(19..23).is_some_and(|r| r.iter().all(|&c| c == 0))
        && d.get(23).is_some_and(|&h| h <= 1);
    let mut attrs = Vec::new();
    let (mut pos, hash_appended) = if ext {
        let chip = u16le(d, 12)?;
        attrs.push(("chip".to_string(), chip_name(chip)));
        (24usize, *d.get(23)? == 1)
    } else {
        attrs.push(("chip".to_string(), "esp8266".to_string()));
        (8usize, false)
    };
    let modes = ["qio", "qout", "dio", "dout", "fast-read", "slow-read"];
    attrs.push((
        "flash-mode".to_string(),
        modes.get(usize::from(mode)).unwrap_or(&"?").to_string(),
    ));
    let size_code = usize::from(size_freq >> 4);
    let sizes = if ext {
        [
            "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB", "?", "?", "?", "?", "?",
            "?", "?", "?",
        ]
    } else {
        [
            "512KB", "256KB", "1MB", "2MB", "4MB", "2MB-c1", "4MB-c1", "?", "8MB", "16MB", "?",
            "?", "?", "?", "?", "?",
        ]
    };
    attrs.push((
        "flash-size".to_string(),
        sizes.get(size_code).unwrap_or(&"?").to_string(),
    ));
    let freqs = ["40m", "26m", "20m"];
    let freq_code = usize::from(size_freq & 0xf);
    attrs.push((
        "flash-freq".to_string(),
        match freq_code {
            0xf => "80m".to_string(),
            n => freqs.get(n).map_or(format!("code-{n}"), |s| s.to_string()),
        },
    ));
    attrs.push(("entry-point".to_string(), format!("{entry:#010x}")));
    attrs.push(("segments".to_string(), nseg.to_string()));

    let mut checksum = 0xefu8;
    for i in 0..nseg {
        let load = u32le(d, pos)?;
        let len = u32le(d, pos + 4)? as usize;
        let data = d.get(pos + 8..(pos + 8).checked_add(len)?)?;
        if !plausible_addr(load) && load != 0 {
            return None;
        }
        attrs.push((
            format!("segment-{i}"),
            format!("load={load:#010x} len={len:#x}"),
        ));
        checksum = data.iter().fold(checksum, |c, &b| c ^ b);
        pos += 8 + len;
    }
    // The checksum byte sits at the last byte of the next 16-byte boundary.
    let cks_at = pos | 0xf;
    let mut notes = Vec::new();
    let stored = *d.get(cks_at)?;
    let cks_ok = stored == checksum;
    attrs.push((
        "checksum".to_string(),
        if cks_ok { "ok" } else { "mismatch" }.to_string(),
    ));
    if !cks_ok {
        notes.push(format!(
            "image checksum mismatch: stored {stored:#04x}, computed {checksum:#04x}"
        ));
    }
    let mut len = cks_at + 1;
    if hash_appended {
        if let Some(h) = d.get(len..len + 32) {
            let ok = Sha256::digest(d.get(..len)?).as_slice() == h;
            attrs.push((
                "sha256".to_string(),
                if ok { "ok" } else { "mismatch" }.to_string(),
            ));
            if !ok {
                notes.push("appended SHA-256 mismatch".to_string());
            }
            len += 32;
        }
    }
    // esp_app_desc_t sits at the start of an app image's first segment.
    if ext && u32le(d, 32) == Some(0xabcd_5432) {
        for (key, at, n) in [
            ("app.version", 48usize, 32usize),
            ("app.project-name", 80, 32),
            ("app.build-time", 112, 16),
            ("app.build-date", 128, 16),
            ("app.idf-version", 144, 32),
        ] {
            if let Some(s) = d.get(at..at + n).and_then(cstr).filter(|s| !s.is_empty()) {
                attrs.push((key.to_string(), s));
            }
        }
    }
    Some(Image { len, attrs, notes })
}

/// Parse an image at `d[0..]`, 0xE9 or ESP8266 version-2 (0xEA + IROM + 0xE9 image + CRC).
fn any_image(d: &[u8]) -> Option<Image> {
    match *d.first()? {
        0xe9 => image(d),
        0xea => {
            let irom_len = u32le(d, 12)? as usize;
            let inner_at = 16usize.checked_add(irom_len)?;
            let mut img = image(d.get(inner_at..)?)?;
            img.len = inner_at + img.len + 4;
            if img.len > d.len() {
                return None;
            }
            img.attrs
                .push(("image-version".to_string(), "2".to_string()));
            img.attrs
                .push(("irom-size".to_string(), format!("{irom_len:#x}")));
            Some(img)
        }
        _ => None,
    }
}

fn region(data: &Bytes, start: usize, name: &str, from: usize, to: usize) -> Option<Region> {
    (from < to).then(|| Region {
        name: name.to_string(),
        offset: from as u64,
        data: data.slice(start + from..start + to),
    })
}

fn erased(d: &[u8]) -> bool {
    d.iter().all(|&c| c == 0xff)
}

fn part_type(t: u8, s: u8) -> String {
    match (t, s) {
        (0, 0) => "app/factory".to_string(),
        (0, 0x10..=0x1f) => format!("app/ota_{}", s - 0x10),
        (0, 0x20) => "app/test".to_string(),
        (1, _) => {
            let names = [
                "ota",
                "phy",
                "nvs",
                "coredump",
                "nvs_keys",
                "efuse",
                "undefined",
            ];
            match s {
                0x80 => "data/esphttpd".to_string(),
                0x81 => "data/fat".to_string(),
                0x82 => "data/spiffs".to_string(),
                0x83 => "data/littlefs".to_string(),
                n => names
                    .get(usize::from(n))
                    .map_or(format!("data/{n:#04x}"), |s| format!("data/{s}")),
            }
        }
        (t, s) => format!("{t:#04x}/{s:#04x}"),
    }
}

/// ESP32 flash: partition table at 0x8000.
fn esp32_flash(data: &Bytes, start: usize, flash: &[u8]) -> Option<Parsed> {
    let table = flash.get(PART_TABLE..PART_TABLE + 0xc00)?;
    let mut attrs = vec![("flash-layout".to_string(), "esp32".to_string())];
    let mut notes = Vec::new();
    let mut regions = Vec::new();
    let mut parts = Vec::new();
    let mut pos = 0usize;
    while let Some(e) = table.get(pos..pos + 32) {
        match (e.first(), e.get(1)) {
            (Some(0xaa), Some(0x50)) => {
                let t = *e.get(2)?;
                let s = *e.get(3)?;
                let off = u32le(e, 4)? as usize;
                let size = u32le(e, 8)? as usize;
                let label = cstr(e.get(12..28)?)?;
                parts.push((label, t, s, off, size));
                pos += 32;
            }
            (Some(0xeb), Some(0xeb)) => {
                let ok = Md5::digest(table.get(..pos)?).as_slice() == e.get(16..32)?;
                attrs.push((
                    "partition-table-md5".to_string(),
                    if ok { "ok" } else { "mismatch" }.to_string(),
                ));
                if !ok {
                    notes.push("partition table MD5 mismatch".to_string());
                }
                pos += 32;
                break;
            }
            _ => break,
        }
    }
    if parts.is_empty() {
        return None;
    }
    let boot_at = if flash.first() == Some(&0xe9) {
        0
    } else {
        0x1000
    };
    if let Some(img) = flash.get(boot_at..).and_then(image) {
        attrs.extend(
            img.attrs
                .into_iter()
                .map(|(k, v)| (format!("bootloader.{k}"), v)),
        );
        notes.extend(img.notes);
        regions.extend(region(
            data,
            start,
            "bootloader",
            boot_at,
            (boot_at + img.len).min(PART_TABLE),
        ));
    }
    regions.extend(region(
        data,
        start,
        "partition-table",
        PART_TABLE,
        PART_TABLE + pos,
    ));
    let mut seen = std::collections::HashSet::new();
    for (label, t, s, off, size) in parts {
        let kind = part_type(t, s);
        attrs.push((
            format!("partition.{label}"),
            format!("{kind} offset={off:#x} size={size:#x}"),
        ));
        let end = off.saturating_add(size);
        if off >= flash.len() || off < PART_TABLE {
            notes.push(format!("partition {label} at {off:#x} is outside the dump"));
            continue;
        }
        if end > flash.len() {
            notes.push(format!("partition {label} runs past the end of the dump"));
        }
        let end = end.min(flash.len());
        if flash.get(off..end).is_some_and(erased) {
            continue;
        }
        if t == 0 {
            if let Some(img) = flash.get(off..end).and_then(image) {
                attrs.extend(
                    img.attrs
                        .into_iter()
                        .map(|(k, v)| (format!("{label}.{k}"), v)),
                );
                notes.extend(img.notes);
            }
        }
        let mut name = label.clone();
        let mut n = 1;
        while !seen.insert(name.clone()) {
            n += 1;
            name = format!("{label}-{n}");
        }
        regions.extend(region(data, start, &name, off, end));
    }
    let mut p = Parsed::new(flash.len() as u64, Output::Regions(regions));
    p.attrs = attrs;
    p.notes = notes;
    Some(p)
}

/// Wi-Fi records (`u32 ssid_len, ssid[32], password[64]`) in the parameter sectors.
fn wifi_records(area: &[u8]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut p = 0usize;
    while p + 100 <= area.len() {
        if let Some(rec) = wifi_at(area, p) {
            if !out.contains(&rec) {
                out.push(rec);
            }
        }
        p += 4;
    }
    out
}

fn wifi_at(area: &[u8], p: usize) -> Option<(String, String)> {
    let n = u32le(area, p)? as usize;
    if !(1..=32).contains(&n) {
        return None;
    }
    let ssid_f = area.get(p + 4..p + 36)?;
    let pw_f = area.get(p + 36..p + 100)?;
    let (ssid, rest) = ssid_f.split_at(n);
    if !ssid.iter().all(|&c| (0x20..0x7f).contains(&c)) || !rest.iter().all(|&c| c == 0) {
        return None;
    }
    let pw_len = pw_f.iter().position(|&c| c == 0)?;
    let (pw, rest) = pw_f.split_at(pw_len);
    if !pw.iter().all(|&c| (0x20..0x7f).contains(&c)) || !rest.iter().all(|&c| c == 0) {
        return None;
    }
    Some((
        String::from_utf8_lossy(ssid).into_owned(),
        String::from_utf8_lossy(pw).into_owned(),
    ))
}

fn is_default_softap(ssid: &str) -> bool {
    ssid.strip_prefix("ESP_")
        .is_some_and(|h| h.len() == 6 && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// ESP8266 raw flash dump: image at 0, SDK sectors at the end.
fn esp8266_flash(data: &Bytes, start: usize, flash: &[u8], boot: Image) -> Option<Parsed> {
    let size = flash.len();
    let mut attrs = vec![("flash-layout".to_string(), "esp8266".to_string())];
    let mut notes = Vec::new();
    let mut regions = Vec::new();
    attrs.extend(
        boot.attrs
            .into_iter()
            .map(|(k, v)| (format!("bootloader.{k}"), v)),
    );
    notes.extend(boot.notes);
    let boot_end = boot.len.min(SECTOR);
    regions.extend(region(data, start, "bootloader", 0, boot_end));
    let mut covered = vec![(0usize, SECTOR)];
    for (name, at) in [("app", SECTOR), ("user2", size / 2 + SECTOR)] {
        if let Some(img) = flash.get(at..).and_then(any_image) {
            attrs.extend(
                img.attrs
                    .into_iter()
                    .map(|(k, v)| (format!("{name}.{k}"), v)),
            );
            notes.extend(img.notes);
            let end = at + img.len;
            regions.extend(region(data, start, name, at, end));
            covered.push((at, end));
        }
    }
    let init_at = size - 4 * SECTOR;
    let param_at = size - 3 * SECTOR;
    regions.extend(region(data, start, "esp-init-data", init_at, param_at));
    regions.extend(region(data, start, "system-param", param_at, size));
    covered.push((init_at, size));
    // Two parameter copies, then the flag sector that says which one is live.
    let param = flash.get(param_at..size - SECTOR).unwrap_or_default();
    for (i, (ssid, pw)) in wifi_records(param).into_iter().enumerate() {
        let role = if is_default_softap(&ssid) {
            "softap-default-name"
        } else {
            "unknown"
        };
        attrs.push((format!("wifi-{i}.ssid"), ssid));
        attrs.push((format!("wifi-{i}.password"), pw));
        attrs.push((format!("wifi-{i}.role"), role.to_string()));
    }
    // Everything else that is not erased: vendor data (keys, JSON configs, file systems).
    let mut run: Option<usize> = None;
    let mut sec = 0usize;
    while sec <= size {
        let inside = covered
            .iter()
            .any(|&(a, b)| sec < size && sec + SECTOR > a && sec < b);
        let live =
            sec < size && !inside && flash.get(sec..sec + SECTOR).is_some_and(|s| !erased(s));
        match (run, live) {
            (None, true) => run = Some(sec),
            (Some(from), false) => {
                regions.extend(region(data, start, &format!("data-{from:#x}"), from, sec));
                run = None;
            }
            _ => {}
        }
        sec += SECTOR;
    }
    let mut p = Parsed::new(size as u64, Output::Regions(regions));
    p.attrs = attrs;
    p.notes = notes;
    Some(p)
}

impl Format for Esp {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: &[0xe9],
                offset: 0,
            },
            Magic {
                bytes: &[0xea],
                offset: 0,
            },
            Magic {
                bytes: &[0xaa, 0x50],
                offset: PART_TABLE,
            },
        ]
    }

    fn whole_input_only(&self) -> bool {
        true
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(flash) = data.get(start..) else {
            return Ok(None);
        };
        if let Some(p) = esp32_flash(data, start, flash) {
            return Ok(Some(p));
        }
        let Some(img) = any_image(flash) else {
            return Ok(None);
        };
        let size = flash.len();
        let is_dump = size.is_power_of_two()
            && size >= 0x80000
            && img.len <= SECTOR
            && img.attrs.iter().any(|(k, v)| k == "chip" && v == "esp8266");
        if is_dump {
            return Ok(esp8266_flash(data, start, flash, img));
        }
        // A single image file: the header fields are the evidence.
        let mut p = Parsed::new(img.len as u64, Output::Info);
        p.attrs = img.attrs;
        p.notes = img.notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// An 0xE9 image; `esp32` adds the extended header (chip id, hash appended).
    pub(crate) fn build_image(esp32: Option<u16>, segs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut d = vec![0xe9, segs.len() as u8, 2, 0x20];
        d.extend(0x4010_0004u32.to_le_bytes());
        if let Some(chip) = esp32 {
            d.extend([0xee, 0, 0, 0]);
            d.extend(chip.to_le_bytes());
            d.extend([0u8; 9]);
            d.push(1);
        }
        let mut cks = 0xefu8;
        for (load, s) in segs {
            d.extend(load.to_le_bytes());
            d.extend((s.len() as u32).to_le_bytes());
            d.extend(*s);
            cks = s.iter().fold(cks, |c, &b| c ^ b);
        }
        while d.len() % 16 != 15 {
            d.push(0);
        }
        d.push(cks);
        if esp32.is_some() {
            let h = Sha256::digest(&d);
            d.extend(h);
        }
        d
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    fn parse(d: Vec<u8>) -> Option<Parsed> {
        Esp.parse(&Bytes::from(d), 0, &Ctx::new(Limits::default()))
            .unwrap()
    }

    fn regions(p: &Parsed) -> Vec<(String, u64, usize)> {
        match &p.output {
            Output::Regions(r) => r
                .iter()
                .map(|r| (r.name.clone(), r.offset, r.data.len()))
                .collect(),
            other => panic!("not regions: {other:?}"),
        }
    }

    #[test]
    fn single_esp8266_image() {
        let img = build_image(None, &[(0x4010_0000, b"code"), (0x3ffe_8000, b"dat")]);
        let p = parse(img.clone()).unwrap();
        assert_eq!(p.len, img.len() as u64);
        assert_eq!(attr(&p, "chip"), Some("esp8266"));
        assert_eq!(attr(&p, "flash-mode"), Some("dio"));
        assert_eq!(attr(&p, "flash-size"), Some("1MB"));
        assert_eq!(attr(&p, "entry-point"), Some("0x40100004"));
        assert_eq!(attr(&p, "segments"), Some("2"));
        assert_eq!(attr(&p, "segment-1"), Some("load=0x3ffe8000 len=0x3"));
        assert_eq!(attr(&p, "checksum"), Some("ok"));
        let mut bad = img;
        bad[17] ^= 1;
        let p = parse(bad).unwrap();
        assert_eq!(attr(&p, "checksum"), Some("mismatch"));
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn esp32_image_with_app_desc_and_hash() {
        let mut seg = Vec::new();
        seg.extend(0xabcd_5432u32.to_le_bytes());
        seg.extend([0u8; 12]);
        let mut field = |s: &str, n: usize| {
            let mut f = s.as_bytes().to_vec();
            f.resize(n, 0);
            seg.extend(f);
        };
        field("1.2.3", 32);
        field("blinky", 32);
        field("12:00:00", 16);
        field("Jan  1 2024", 16);
        field("v5.1", 32);
        let img = build_image(Some(5), &[(0x3c00_0020, &seg)]);
        let p = parse(img).unwrap();
        assert_eq!(attr(&p, "chip"), Some("esp32-c3"));
        assert_eq!(attr(&p, "sha256"), Some("ok"));
        assert_eq!(attr(&p, "app.version"), Some("1.2.3"));
        assert_eq!(attr(&p, "app.project-name"), Some("blinky"));
        assert_eq!(attr(&p, "app.idf-version"), Some("v5.1"));
        assert_eq!(attr(&p, "flash-size"), Some("4MB"));
    }

    fn entry(label: &str, t: u8, s: u8, off: u32, size: u32) -> Vec<u8> {
        let mut e = vec![0xaa, 0x50, t, s];
        e.extend(off.to_le_bytes());
        e.extend(size.to_le_bytes());
        let mut l = label.as_bytes().to_vec();
        l.resize(16, 0);
        e.extend(l);
        e.extend([0u8; 4]);
        e
    }

    #[test]
    fn esp32_flash_partitions() {
        let mut flash = vec![0xffu8; 0x40000];
        let boot = build_image(Some(0), &[(0x3fff_0000, b"boot")]);
        flash[0x1000..0x1000 + boot.len()].copy_from_slice(&boot);
        let mut table = Vec::new();
        table.extend(entry("nvs", 1, 2, 0x9000, 0x6000));
        table.extend(entry("phy_init", 1, 1, 0xf000, 0x1000));
        table.extend(entry("factory", 0, 0, 0x10000, 0x20000));
        table.extend(entry("ota_0", 0, 0x10, 0x30000, 0x100000));
        let md5 = Md5::digest(&table);
        table.extend([0xeb, 0xeb]);
        table.extend([0xffu8; 14]);
        table.extend(md5);
        flash[0x8000..0x8000 + table.len()].copy_from_slice(&table);
        flash[0x9000..0x9004].copy_from_slice(b"nvs!");
        let app = build_image(Some(0), &[(0x3f40_0020, b"app")]);
        flash[0x10000..0x10000 + app.len()].copy_from_slice(&app);
        flash[0x30000] = 0;
        let p = parse(flash).unwrap();
        assert_eq!(
            regions(&p),
            [
                ("bootloader".to_string(), 0x1000, boot.len()),
                ("partition-table".to_string(), 0x8000, 160),
                ("nvs".to_string(), 0x9000, 0x6000),
                ("factory".to_string(), 0x10000, 0x20000),
                ("ota_0".to_string(), 0x30000, 0x10000),
            ]
        );
        assert_eq!(attr(&p, "partition-table-md5"), Some("ok"));
        assert_eq!(
            attr(&p, "partition.ota_0"),
            Some("app/ota_0 offset=0x30000 size=0x100000")
        );
        assert_eq!(
            attr(&p, "partition.phy_init"),
            Some("data/phy offset=0xf000 size=0x1000")
        );
        assert_eq!(attr(&p, "factory.chip"), Some("esp32"));
        assert_eq!(attr(&p, "bootloader.checksum"), Some("ok"));
        assert_eq!(p.notes, ["partition ota_0 runs past the end of the dump"]);
    }

    #[test]
    fn esp8266_flash_dump_with_wifi_records() {
        let size = 0x80000;
        let mut flash = vec![0xffu8; size];
        let boot = build_image(None, &[(0x4010_0000, b"boot")]);
        flash[..boot.len()].copy_from_slice(&boot);
        let app = build_image(None, &[(0x4010_0000, b"application")]);
        flash[0x1000..0x1000 + app.len()].copy_from_slice(&app);
        flash[0x50000..0x50010].copy_from_slice(b"{\"key\":\"value\"}\n");
        let param = size - 0x3000;
        let rec = |ssid: &str, pw: &str| {
            let mut r = (ssid.len() as u32).to_le_bytes().to_vec();
            let mut s = ssid.as_bytes().to_vec();
            s.resize(32, 0);
            let mut p = pw.as_bytes().to_vec();
            p.resize(64, 0);
            r.extend(s);
            r.extend(p);
            r
        };
        let a = rec("HomeNet", "hunter22");
        let b = rec("ESP_0A1B2C", "");
        flash[param + 0x10..param + 0x10 + a.len()].copy_from_slice(&a);
        flash[param + 0xb0..param + 0xb0 + b.len()].copy_from_slice(&b);
        let p = parse(flash).unwrap();
        assert_eq!(
            regions(&p),
            [
                ("bootloader".to_string(), 0, boot.len()),
                ("app".to_string(), 0x1000, app.len()),
                ("esp-init-data".to_string(), 0x7c000, 0x1000),
                ("system-param".to_string(), 0x7d000, 0x3000),
                ("data-0x50000".to_string(), 0x50000, 0x1000),
            ]
        );
        assert_eq!(attr(&p, "wifi-0.ssid"), Some("HomeNet"));
        assert_eq!(attr(&p, "wifi-0.password"), Some("hunter22"));
        assert_eq!(attr(&p, "wifi-0.role"), Some("unknown"));
        assert_eq!(attr(&p, "wifi-1.ssid"), Some("ESP_0A1B2C"));
        assert_eq!(attr(&p, "wifi-1.password"), Some(""));
        assert_eq!(attr(&p, "wifi-1.role"), Some("softap-default-name"));
    }

    #[test]
    fn hostile_images() {
        assert!(parse(vec![]).is_none());
        assert!(parse(vec![0xe9]).is_none());
        // Segment length far past the input.
        let mut img = build_image(None, &[(0x4010_0000, b"code")]);
        img[12..16].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(parse(img).is_none());
        // Too many segments, bad load address, 0xEA with absurd IROM length.
        let mut img = build_image(None, &[(0x4010_0000, b"code")]);
        img[1] = 200;
        assert!(parse(img).is_none());
        assert!(parse(build_image(None, &[(0x1000, b"code")])).is_none());
        let mut v2 = vec![0xea, 4, 0, 0x20, 4, 0, 0x10, 0x40, 0, 0, 0, 0];
        v2.extend(0xffff_ff00u32.to_le_bytes());
        assert!(parse(v2).is_none());
        // A partition table with an entry pointing past the dump.
        let mut flash = vec![0xffu8; 0x9000];
        flash[0x8000..0x8020].copy_from_slice(&entry("x", 0, 0, 0xffff_0000, 0xffff_ffff));
        let p = parse(flash).unwrap();
        assert_eq!(p.notes, ["partition x at 0xffff0000 is outside the dump"]);
    }
}
