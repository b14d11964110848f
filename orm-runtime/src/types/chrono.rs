//! `chrono` column types (feature `chrono`): `NaiveDateTime` (`TIMESTAMP`), `DateTime<Utc>`
//! (`TIMESTAMPTZ`), `NaiveDate` (`DATE`) and `NaiveTime` (`TIME`).
//!
//! PostgreSQL values are read with the `postgres` crate's own `chrono` support; SQLite values
//! are ISO-8601 text (see `temporal.rs`). Values are kept to the microsecond.

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use ::chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use rusqlite::types::ValueRef;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
use crate::types::temporal::{self, sqlite_text};
use crate::types::{SqlKind, SqlType, Value};

fn naive_from_micros(micros: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(micros).map(|d| d.naive_utc())
}

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

fn date_from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)?)
}

fn time_from_micros(micros: i64) -> Option<NaiveTime> {
    let secs = u32::try_from(micros / 1_000_000).ok()?;
    let nanos = u32::try_from(micros % 1_000_000).ok()? * 1000;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
}

fn time_micros(t: &NaiveTime) -> i64 {
    // A leap second (nanosecond >= 1e9) is kept as the last microsecond of its second.
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from((t.nanosecond() / 1000).min(999_999))
}

impl SqlType for NaiveDateTime {
    const KIND: SqlKind = SqlKind::Timestamp;
    type Base = NaiveDateTime;
    fn to_value(&self) -> Value {
        Value::Timestamp(self.and_utc().timestamp_micros())
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "NaiveDateTime", temporal::parse_timestamp, naive_from_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<NaiveDateTime>(row, idx, "NaiveDateTime")
    }
}

impl SqlType for DateTime<Utc> {
    const KIND: SqlKind = SqlKind::TimestampTz;
    type Base = DateTime<Utc>;
    fn to_value(&self) -> Value {
        Value::TimestampTz(self.timestamp_micros())
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "DateTime<Utc>", temporal::parse_timestamptz, DateTime::from_timestamp_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<DateTime<Utc>>(row, idx, "DateTime<Utc>")
    }
}

impl SqlType for NaiveDate {
    const KIND: SqlKind = SqlKind::Date;
    type Base = NaiveDate;
    fn to_value(&self) -> Value {
        Value::Date(self.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "NaiveDate", temporal::parse_date, date_from_days)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<NaiveDate>(row, idx, "NaiveDate")
    }
}

impl SqlType for NaiveTime {
    const KIND: SqlKind = SqlKind::Time;
    type Base = NaiveTime;
    fn to_value(&self) -> Value {
        Value::Time(time_micros(self))
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        sqlite_text(v, "NaiveTime", temporal::parse_time, time_from_micros)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<NaiveTime>(row, idx, "NaiveTime")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let dt = NaiveDate::from_ymd_opt(1969, 7, 20).and_then(|d| d.and_hms_micro_opt(20, 17, 40, 123_456)).unwrap();
        assert_eq!(NaiveDateTime::from_value(&dt.to_value()), Ok(dt));
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(d.to_value(), Value::Date(19_782));
        assert_eq!(NaiveDate::from_value(&d.to_value()), Ok(d));
        let t = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap();
        assert_eq!(NaiveTime::from_value(&t.to_value()), Ok(t));
        let utc = dt.and_utc();
        assert_eq!(<DateTime<Utc>>::from_value(&utc.to_value()), Ok(utc));
    }
}
