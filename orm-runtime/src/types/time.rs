//! `time` column types (feature `time`): `PrimitiveDateTime` (`TIMESTAMP`), `OffsetDateTime`
//! (`TIMESTAMPTZ`, read back in UTC), `Date` (`DATE`) and `Time` (`TIME`).
//!
//! PostgreSQL values are read with the `postgres` crate's own `time` support; SQLite values
//! are ISO-8601 text (see `temporal.rs`). Values are kept to the microsecond.

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use ::time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use rusqlite::types::ValueRef;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
use crate::types::temporal::{self, sqlite_text};
use crate::types::{SqlKind, SqlType, Value};

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Microseconds since the Unix epoch of an instant. Every instant `time` represents (years
/// ±9999) fits in an `i64` of microseconds; the saturation is never reached.
fn unix_micros(odt: OffsetDateTime) -> i64 {
    let micros = odt.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

fn utc_from_micros(micros: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()
}

fn primitive_from_micros(micros: i64) -> Option<PrimitiveDateTime> {
    utc_from_micros(micros).map(|o| PrimitiveDateTime::new(o.date(), o.time()))
}

fn date_from_days(days: i32) -> Option<Date> {
    Date::from_julian_day(days.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()
}

fn time_from_micros(micros: i64) -> Option<Time> {
    let secs = micros / 1_000_000;
    let h = u8::try_from(secs / 3600).ok()?;
    let m = u8::try_from(secs / 60 % 60).ok()?;
    let s = u8::try_from(secs % 60).ok()?;
    Time::from_hms_micro(h, m, s, u32::try_from(micros % 1_000_000).ok()?).ok()
}

fn time_micros(t: Time) -> i64 {
    let (h, m, s, micro) = t.as_hms_micro();
    (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)) * 1_000_000 + i64::from(micro)
}

impl SqlType for PrimitiveDateTime {
    const KIND: SqlKind = SqlKind::Timestamp;
    type Base = PrimitiveDateTime;
    fn to_value(&self) -> Value {
        Value::Timestamp(unix_micros(self.assume_utc()))
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "PrimitiveDateTime", temporal::parse_timestamp, primitive_from_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<PrimitiveDateTime>(row, idx, "PrimitiveDateTime")
    }
}

impl SqlType for OffsetDateTime {
    const KIND: SqlKind = SqlKind::TimestampTz;
    type Base = OffsetDateTime;
    fn to_value(&self) -> Value {
        Value::TimestampTz(unix_micros(*self))
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "OffsetDateTime", temporal::parse_timestamptz, utc_from_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<OffsetDateTime>(row, idx, "OffsetDateTime")
    }
}

impl SqlType for Date {
    const KIND: SqlKind = SqlKind::Date;
    type Base = Date;
    fn to_value(&self) -> Value {
        Value::Date(self.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "Date", temporal::parse_date, date_from_days)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<Date>(row, idx, "Date")
    }
}

impl SqlType for Time {
    const KIND: SqlKind = SqlKind::Time;
    type Base = Time;
    fn to_value(&self) -> Value {
        Value::Time(time_micros(*self))
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "Time", temporal::parse_time, time_from_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<Time>(row, idx, "Time")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let date = Date::from_calendar_date(2024, ::time::Month::February, 29).unwrap();
        assert_eq!(date.to_value(), Value::Date(19_782));
        assert_eq!(Date::from_value(&date.to_value()), Ok(date));
        let time = Time::from_hms_micro(7, 8, 9, 123_456).unwrap();
        assert_eq!(Time::from_value(&time.to_value()), Ok(time));
        let pdt = PrimitiveDateTime::new(date, time);
        assert_eq!(PrimitiveDateTime::from_value(&pdt.to_value()), Ok(pdt));
        let odt = pdt.assume_offset(::time::UtcOffset::from_hms(2, 0, 0).unwrap());
        let back = OffsetDateTime::from_value(&odt.to_value()).unwrap();
        assert_eq!(back, odt);
        assert_eq!(back.offset(), ::time::UtcOffset::UTC);
    }
}
