//! Dates and times in their backend-neutral form (counts from the Unix epoch, see [`Value`])
//! and as the ISO-8601 text SQLite stores.
//!
//! SQLite has no date or time type; like SQLAlchemy, the ORM stores them as ISO-8601 text in
//! one fixed layout per kind, so that text order is time order and equality filters match:
//!
//! | kind | text |
//! |---|---|
//! | `TIMESTAMP` | `2024-05-06 07:08:09.123456` |
//! | `TIMESTAMPTZ` | `2024-05-06 07:08:09.123456+00:00` (always converted to UTC) |
//! | `DATE` | `2024-05-06` |
//! | `TIME` | `07:08:09.123456` |
//!
//! Reading is more lenient: a `T` separator, 0 to 9 fraction digits (beyond microseconds
//! truncated), no seconds, and for `TIMESTAMPTZ` any offset (`Z`, `+02:00`, `+0200`, `+02`)
//! or none (read as UTC, which is what SQLite's own `datetime('now')` returns).
//!
//! [`Value`]: crate::types::Value
// The text layouts are SQLite's storage; without the `sqlite` feature only the optional
// date and time types read them (through `SqlType::from_value`).
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
#[cfg(feature = "postgres")]
pub(crate) const PG_EPOCH_MICROS: i64 = 946_684_800 * MICROS_PER_SECOND;
/// Days between the Unix epoch and PostgreSQL's (2000-01-01).
#[cfg(feature = "postgres")]
pub(crate) const PG_EPOCH_DAYS: i32 = 10_957;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // `day` is in 1..=31 and `month` in 1..=12 by construction.
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

fn push_date(out: &mut String, days: i64) {
    use std::fmt::Write;
    let (y, m, d) = civil_from_days(days);
    // Writing to a String cannot fail.
    let _ = if y < 0 { write!(out, "-{:04}-{m:02}-{d:02}", -y) } else { write!(out, "{y:04}-{m:02}-{d:02}") };
}

fn push_time(out: &mut String, micros: i64) {
    use std::fmt::Write;
    let secs = micros / MICROS_PER_SECOND;
    let frac = micros % MICROS_PER_SECOND;
    let _ = write!(out, "{:02}:{:02}:{:02}.{frac:06}", secs / 3600, secs / 60 % 60, secs % 60);
}

/// `TIMESTAMP` text of microseconds since 1970-01-01 00:00:00.
pub(crate) fn format_timestamp(micros: i64) -> String {
    let mut out = String::with_capacity(26);
    push_date(&mut out, micros.div_euclid(MICROS_PER_DAY));
    out.push(' ');
    push_time(&mut out, micros.rem_euclid(MICROS_PER_DAY));
    out
}

/// `TIMESTAMPTZ` text (in UTC) of microseconds since the Unix epoch.
pub(crate) fn format_timestamptz(micros: i64) -> String {
    let mut out = format_timestamp(micros);
    out.push_str("+00:00");
    out
}

/// `DATE` text of days since 1970-01-01.
pub(crate) fn format_date(days: i32) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, i64::from(days));
    out
}

/// `TIME` text of microseconds since midnight.
pub(crate) fn format_time(micros: i64) -> String {
    let mut out = String::with_capacity(15);
    push_time(&mut out, micros.rem_euclid(MICROS_PER_DAY));
    out
}

/// A small cursor over ASCII text.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = self.peek().filter(u8::is_ascii_digit)?;
            v = v * 10 + u32::from(d - b'0');
            self.pos += 1;
        }
        Some(v)
    }
    /// One or more digits (at most 9).
    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut v = 0u32;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            if self.pos - start == 9 {
                return None;
            }
            v = v * 10 + u32::from(d - b'0');
            self.pos += 1;
        }
        (self.pos > start).then_some(v)
    }
    fn at_end(&self) -> bool {
        self.pos == self.s.len()
    }
}

fn parse_date_part(c: &mut Cursor<'_>) -> Option<i64> {
    let negative = c.eat(b'-');
    if !negative {
        c.eat(b'+');
    }
    let year = i64::from(c.number()?);
    let year = if negative { -year } else { year };
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_time_part(c: &mut Cursor<'_>) -> Option<i64> {
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.digits(2)?;
    let mut s = 0;
    let mut micros = 0i64;
    if c.eat(b':') {
        s = c.digits(2)?;
        if c.eat(b'.') {
            let start = c.pos;
            let mut scale = 100_000i64;
            while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                micros += i64::from(d - b'0') * scale;
                scale /= 10;
                c.pos += 1;
                if c.pos - start > 9 {
                    return None;
                }
            }
            if c.pos == start {
                return None;
            }
        }
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some((i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)) * MICROS_PER_SECOND + micros)
}

/// A UTC offset in seconds: `Z`, `+HH:MM`, `+HHMM` or `+HH`.
fn parse_offset(c: &mut Cursor<'_>) -> Option<i64> {
    if c.eat(b'Z') || c.eat(b'z') {
        return Some(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let h = c.digits(2)?;
    let m = if c.eat(b':') {
        c.digits(2)?
    } else if c.at_end() {
        0
    } else {
        c.digits(2)?
    };
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (i64::from(h) * 3600 + i64::from(m) * 60))
}

fn date_time(c: &mut Cursor<'_>) -> Option<i64> {
    let days = parse_date_part(c)?;
    if !(c.eat(b' ') || c.eat(b'T') || c.eat(b't')) {
        return None;
    }
    let time = parse_time_part(c)?;
    days.checked_mul(MICROS_PER_DAY)?.checked_add(time)
}

/// Microseconds since 1970-01-01 00:00:00 of `TIMESTAMP` text (without an offset).
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let mut c = Cursor { s: text.as_bytes(), pos: 0 };
    let micros = date_time(&mut c)?;
    c.at_end().then_some(micros)
}

/// Microseconds since the Unix epoch of `TIMESTAMPTZ` text; no offset means UTC.
pub(crate) fn parse_timestamptz(text: &str) -> Option<i64> {
    let mut c = Cursor { s: text.as_bytes(), pos: 0 };
    let local = date_time(&mut c)?;
    c.eat(b' ');
    let offset = if c.at_end() { 0 } else { parse_offset(&mut c)? };
    if !c.at_end() {
        return None;
    }
    local.checked_sub(offset * MICROS_PER_SECOND)
}

/// Days since 1970-01-01 of `DATE` text.
pub(crate) fn parse_date(text: &str) -> Option<i32> {
    let mut c = Cursor { s: text.as_bytes(), pos: 0 };
    let days = parse_date_part(&mut c)?;
    if !c.at_end() {
        return None;
    }
    i32::try_from(days).ok()
}

/// Microseconds since midnight of `TIME` text.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let mut c = Cursor { s: text.as_bytes(), pos: 0 };
    let micros = parse_time_part(&mut c)?;
    c.at_end().then_some(micros)
}

#[cfg(all(not(feature = "sqlite"), any(feature = "chrono", feature = "time")))]
use crate::types::sqlite_values as rusqlite;

/// Read SQLite text with `parse`, then convert with `convert`; errors name `expected`.
#[cfg(any(feature = "chrono", feature = "time"))]
pub(crate) fn sqlite_text<N, T>(
    v: rusqlite::types::ValueRef<'_>,
    expected: &'static str,
    parse: fn(&str) -> Option<N>,
    convert: impl FnOnce(N) -> Option<T>,
) -> Result<T, crate::error::DecodeError> {
    match v {
        rusqlite::types::ValueRef::Text(t) => {
            let t = std::str::from_utf8(t)
                .map_err(|_| crate::error::DecodeError::new(expected, "TEXT that is not valid UTF-8"))?;
            parse(t).and_then(convert).ok_or_else(|| crate::error::DecodeError::new(expected, format!("TEXT {t:?}")))
        }
        other => Err(crate::error::DecodeError::new(expected, crate::types::sql_type::sqlite_found(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_528, -1, 0, 1, 10_957, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 1, 1), i64::from(PG_EPOCH_DAYS));
    }

    #[test]
    fn format_and_parse() {
        let t = parse_timestamp("2024-02-29 13:14:15.5").unwrap();
        assert_eq!(format_timestamp(t), "2024-02-29 13:14:15.500000");
        assert_eq!(parse_timestamp("2024-02-29T13:14:15.500000789"), Some(t));
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59.999999");
        assert_eq!(parse_timestamp("1969-12-31 23:59:59.999999"), Some(-1));
        assert_eq!(parse_timestamp("2023-02-29 00:00:00"), None);
        assert_eq!(parse_timestamp("2024-01-01 00:00:00+00:00"), None);
        assert_eq!(parse_timestamptz("2024-01-01 02:00:00+02:00"), parse_timestamptz("2024-01-01 00:00:00Z"));
        assert_eq!(parse_timestamptz("2024-01-01 00:00:00"), parse_timestamp("2024-01-01 00:00:00"));
        assert_eq!(parse_timestamptz("2024-01-01 05:30:00-0530"), parse_timestamptz("2024-01-01 11:00:00+00"));
        assert_eq!(format_timestamptz(0), "1970-01-01 00:00:00.000000+00:00");
        assert_eq!(parse_date("0001-01-01").map(format_date).as_deref(), Some("0001-01-01"));
        assert_eq!(format_date(-719_893), "-0001-01-01");
        assert_eq!(parse_date(&format_date(-719_893)), Some(-719_893));
        assert_eq!(parse_time("23:59"), Some(86_340 * MICROS_PER_SECOND));
        assert_eq!(format_time(parse_time("01:02:03.000004").unwrap()), "01:02:03.000004");
        assert_eq!(parse_time("24:00:00"), None);
    }
}
