//! Timestamps without a date-time dependency: RFC 3339 parsing (strict, as RFC 9116 cites it,
//! with the separators RFC 3339 §5.6 NOTE allows), formatting, and calendar arithmetic.
//!
//! Times are whole seconds since the Unix epoch (`i64`); sub-second digits are accepted and
//! dropped because no check here needs them.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let d = i64::from(d);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// How an accepted timestamp deviated from the strict RFC 3339 §5.6 `date-time` production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leniency {
    Strict,
    /// A space instead of `T` (RFC 3339 §5.6 NOTE allows it "for readability"; RFC 9116's
    /// ABNF imports the strict production).
    SpaceSeparator,
}

/// Parse an RFC 3339 `date-time` into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<(i64, Leniency)> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from.checked_add(len)?)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = u32::try_from(num(5, 2)?).ok()?;
    let day = u32::try_from(num(8, 2)?).ok()?;
    let leniency = match b.get(10)? {
        b'T' | b't' => Leniency::Strict,
        b' ' => Leniency::SpaceSeparator,
        _ => return None,
    };
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let second = num(17, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // 60 is a leap second, which RFC 3339 allows.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => {
            i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let oh = num(i + 1, 2)?;
            if b.get(i + 3) != Some(&b':') {
                return None;
            }
            let om = num(i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            i += 6;
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    if i != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        leniency,
    ))
}

/// Format Unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Format Unix seconds as `YYYY-MM-DD`.
pub fn format_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Format Unix seconds for a folder name: `YYYYMMDDThhmmssZ`.
pub fn format_compact(t: i64) -> String {
    format_rfc3339(t).replace(['-', ':'], "")
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00Z"),
            Some((0, Leniency::Strict))
        );
        assert_eq!(
            parse_rfc3339("2030-04-12T23:20:50.52Z").map(|x| x.0),
            Some(1_902_266_450)
        );
        assert_eq!(
            parse_rfc3339("2023-04-10T22:38:09z").map(|x| x.0),
            Some(1_681_166_289)
        );
        assert_eq!(
            parse_rfc3339("2023-06-07 13:08:19+00:00"),
            Some((1_686_143_299, Leniency::SpaceSeparator))
        );
        assert_eq!(
            parse_rfc3339("2023-06-07T15:08:19+02:00").map(|x| x.0),
            Some(1_686_143_299)
        );
        for bad in [
            "DATE_EXP",
            "2023-02-30T00:00:00Z",
            "2023-06-07T13:08:19",
            "2023-06-07",
            "2023-06-07T13:08:19Z trailing",
            "2023-06-07T25:08:19Z",
            "2023-06-07T13:08:19.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_rfc3339(1_686_143_299), "2023-06-07T13:08:19Z");
        assert_eq!(format_compact(1_686_143_299), "20230607T130819Z");
        assert_eq!(format_date(1_686_143_299), "2023-06-07");
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }
}
