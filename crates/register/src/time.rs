//! Register times: UTC, whole seconds, written as RFC 3339 (`2027-01-04T10:00:00Z`) so that
//! they sort as text on both back ends. Every command that depends on the date takes its
//! "now" from the caller (`--now`), so the statutory periods can be tested.

use crate::{Error, Result};
use jiff::{SignedDuration, Timestamp};

/// `t` as stored: RFC 3339, UTC, whole seconds.
pub fn format(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parse a stored or given time: RFC 3339 with an offset, or a date (`2027-01-04`, midnight UTC).
pub fn parse(s: &str, what: &str) -> Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        if let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC) {
            return Ok(z.timestamp());
        }
    }
    Err(Error::Input(format!(
        "{what} `{s}` is not an RFC 3339 time (2027-01-04T10:00:00Z) or a date (2027-01-04)"
    )))
}

/// The clock of a service: the system clock, moved forward by a fixed offset for training
/// and for tests of statutory periods (`baseline serve --clock-offset`). Every time it gives is
/// what the register records, so a moved clock is visible in the events it dates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    pub offset_seconds: i64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(SignedDuration::from_secs(self.offset_seconds))
            .unwrap_or(Timestamp::MAX)
    }
}

/// `t` plus whole days (saturating at the end of jiff's range).
pub fn plus_days(t: Timestamp, days: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_dates_are_midnight_utc() {
        let t = parse("2027-01-04T10:00:00+01:00", "--now").unwrap();
        assert_eq!(format(t), "2027-01-04T09:00:00Z");
        assert_eq!(
            format(parse("2027-01-04", "--lodged").unwrap()),
            "2027-01-04T00:00:00Z"
        );
        assert_eq!(format(plus_days(t, 10)), "2027-01-14T09:00:00Z");
        let e = parse("2024-02-31", "--now").unwrap_err().to_string();
        assert!(e.contains("--now `2024-02-31`"), "{e}");
    }
}
