//! Timestamps: RFC 3339 parsing (strict, as RFC 9116 cites it, with the separators RFC 3339
//! §5.6 NOTE allows), formatting, and calendar arithmetic. The grammar is checked here, byte
//! by byte, because jiff's parser accepts forms RFC 9116 does not; the calendar (which dates
//! exist, days since the epoch) is jiff's, the one date-time library of the workspace.
//!
//! Times are whole seconds since the Unix epoch (`i64`); sub-second digits are accepted and
//! dropped because no check here needs them.

/// Days from 1970-01-01 to a civil date, or `None` when there is no such date (2024-02-31,
/// month 13) or it is outside jiff's range (years -9999 to 9999).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let date = jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()?;
    let since = date
        .since((jiff::Unit::Day, jiff::civil::Date::constant(1970, 1, 1)))
        .ok()?;
    Some(i64::from(since.get_days()))
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (clamped to jiff's range).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let date = timestamp(z.saturating_mul(86_400))
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    (
        i64::from(date.year()),
        u32::try_from(date.month()).unwrap_or(1),
        u32::try_from(date.day()).unwrap_or(1),
    )
}

/// The number of days of a month (0 for a month that does not exist).
pub fn days_in_month(y: i64, m: u32) -> u32 {
    let (Ok(y), Ok(m)) = (i16::try_from(y), i8::try_from(m)) else {
        return 0;
    };
    jiff::civil::Date::new(y, m, 1)
        .map(|d| u32::try_from(d.days_in_month()).unwrap_or(0))
        .unwrap_or(0)
}

/// Unix seconds as a jiff timestamp, clamped to its range (years -9999 to 9999).
fn timestamp(t: i64) -> jiff::Timestamp {
    let t = t.clamp(
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    jiff::Timestamp::from_second(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
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
    let days = days_from_civil(year, month, day)?;
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
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        leniency,
    ))
}

/// Format Unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_rfc3339(t: i64) -> String {
    timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Format Unix seconds as `YYYY-MM-DD`.
pub fn format_date(t: i64) -> String {
    timestamp(t).strftime("%Y-%m-%d").to_string()
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
        assert_eq!(
            civil_from_days(days_from_civil(2000, 2, 29).unwrap()),
            (2000, 2, 29)
        );
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2024, 13), 0);
        // Far outside any real expiry: clamped, not a panic.
        assert_eq!(format_rfc3339(i64::MAX), "9999-12-30T22:00:00Z");
    }
}
