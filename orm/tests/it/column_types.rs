//! Column types beyond the built-in ones: chrono, time, uuid, JSON, decimals (the optional
//! features, all on for the tests), custom types and `#[derive(SqlEnum)]`. Each type is
//! written through the Session and through Core, read back, filtered by equality, left NULL
//! in an `Option` field, and made to fail decoding, on both databases.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm::prelude::*;
use orm::types::{CustomType, Json};
use orm::{Error, SqlKind, Value};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{each_db, Db};

// ---------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_chrono")]
struct ChronoRow {
    #[orm(primary_key, auto_increment)]
    id: i64,
    at: NaiveDateTime,
    instant: DateTime<Utc>,
    day: NaiveDate,
    clock: NaiveTime,
    maybe_at: Option<NaiveDateTime>,
    maybe_day: Option<NaiveDate>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_time")]
struct TimeRow {
    #[orm(primary_key, auto_increment)]
    id: i64,
    at: time::PrimitiveDateTime,
    instant: time::OffsetDateTime,
    day: time::Date,
    clock: time::Time,
    maybe_instant: Option<time::OffsetDateTime>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_uuid")]
struct Token {
    #[orm(primary_key)]
    id: Uuid,
    label: String,
    parent: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    theme: String,
    font_size: u8,
    tags: Vec<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_json")]
struct Document {
    #[orm(primary_key, auto_increment)]
    id: i64,
    body: serde_json::Value,
    settings: Json<Settings>,
    extra: Option<Json<Settings>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_decimal")]
struct Price {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(numeric(10, 2))]
    amount: Decimal,
    exact: Decimal,
    discount: Option<Decimal>,
}

/// Text enum with the default storage: the variant names.
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Status {
    Draft,
    Published,
    #[orm(rename = "gone")]
    Archived,
}

/// Text enum with `rename_all`.
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(text, rename_all = "snake_case")]
enum Plan {
    Free,
    TeamMonthly,
}

/// Integer enum with explicit discriminants (and one implicit: the previous plus one).
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(integer)]
enum Priority {
    Low = 1,
    High = 10,
    Urgent,
}

/// Integer enum by position.
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(integer)]
enum Level {
    Debug,
    Info,
    Warn,
}

/// An e-mail address, validated when read back.
#[derive(Debug, Clone, PartialEq)]
struct EmailAddress(String);

impl CustomType for EmailAddress {
    type Stored = String;
    fn to_stored(&self) -> String {
        self.0.clone()
    }
    fn from_stored(text: String) -> Result<Self, String> {
        if text.contains('@') {
            Ok(EmailAddress(text))
        } else {
            Err(format!("{text:?}, which has no '@'"))
        }
    }
    fn type_name() -> &'static str {
        "EmailAddress"
    }
}

/// Cents, stored as a BIGINT.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Money(i64);

impl CustomType for Money {
    type Stored = i64;
    fn to_stored(&self) -> i64 {
        self.0
    }
    fn from_stored(cents: i64) -> Result<Self, String> {
        Ok(Money(cents))
    }
}

/// A custom type over JSON: a settings document stored through `Json<Settings>`.
#[derive(Debug, Clone, PartialEq)]
struct Theme {
    name: String,
    dark: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ThemeDoc {
    name: String,
    dark: bool,
}

impl CustomType for Theme {
    type Stored = Json<ThemeDoc>;
    fn to_stored(&self) -> Json<ThemeDoc> {
        Json(ThemeDoc { name: self.name.clone(), dark: self.dark })
    }
    fn from_stored(stored: Json<ThemeDoc>) -> Result<Self, String> {
        if stored.name.is_empty() {
            return Err("a theme without a name".into());
        }
        Ok(Theme { name: stored.0.name, dark: stored.0.dark })
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "ct_custom")]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    email: EmailAddress,
    balance: Money,
    overdraft: Option<Money>,
    theme: Theme,
    status: Status,
    plan: Plan,
    priority: Priority,
    level: Level,
    previous_status: Option<Status>,
}

fn account(email: &str) -> Account {
    Account {
        id: 0,
        email: EmailAddress(email.into()),
        balance: Money(1250),
        overdraft: None,
        theme: Theme { name: "solarized".into(), dark: true },
        status: Status::Draft,
        plan: Plan::TeamMonthly,
        priority: Priority::Urgent,
        level: Level::Warn,
        previous_status: None,
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// The decode error's `expected` and `found`, or a panic naming what came instead.
fn decode_error<T: std::fmt::Debug>(r: orm::Result<T>) -> (String, String) {
    match r {
        Err(Error::Decode { expected, found, .. }) => (expected, found),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// The CREATE TABLE statement the engine ran for `table`.
fn create_statement(db: &Db, table: &str) -> String {
    let needle = format!("CREATE TABLE IF NOT EXISTS \"{table}\"");
    db.log.take().into_iter().find(|s| s.starts_with(&needle)).unwrap_or_else(|| panic!("no {needle}"))
}

// ---------------------------------------------------------------------------------------
// chrono
// ---------------------------------------------------------------------------------------

fn chrono_row() -> ChronoRow {
    ChronoRow {
        id: 0,
        at: naive("2024-02-29 13:14:15.123456"),
        instant: DateTime::parse_from_rfc3339("2024-06-01T08:00:00.5+02:00").unwrap().with_timezone(&Utc),
        day: NaiveDate::from_ymd_opt(1969, 7, 20).unwrap(),
        clock: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap(),
        maybe_at: None,
        maybe_day: Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
    }
}

#[test]
fn chrono_types_round_trip() {
    each_db("ct_chrono", |db| {
        db.engine.create_all(&[ChronoRow::table()]).unwrap();
        let ddl = create_statement(db, "ct_chrono");
        if db.is_pg() {
            for t in ["\"at\" TIMESTAMP NOT NULL", "\"instant\" TIMESTAMPTZ NOT NULL", "\"day\" DATE", "\"clock\" TIME"]
            {
                assert!(ddl.contains(t), "{t} in {ddl}");
            }
        } else {
            assert!(ddl.contains("\"at\" TEXT NOT NULL") && ddl.contains("\"clock\" TEXT NOT NULL"), "{ddl}");
        }

        // Session.
        let mut session = db.engine.session();
        let obj = session.add(chrono_row()).unwrap();
        session.commit().unwrap();
        let id = obj.read().id;
        let mut fresh = db.engine.session();
        let back = fresh.get::<ChronoRow>(id).unwrap().unwrap();
        assert_eq!(*back.read(), ChronoRow { id, ..chrono_row() });

        // Change tracking: a new value is written by the next flush.
        back.write().maybe_at = Some(naive("1999-12-31 23:59:59"));
        fresh.commit().unwrap();

        // Core.
        let later = ChronoRow { at: naive("2030-01-01 00:00:00"), maybe_day: None, ..chrono_row() };
        let keys = insert::<ChronoRow>().values(&later).returning_keys(&db.engine).unwrap();
        let rows: Vec<ChronoRow> = select_model::<ChronoRow>().order_by(ChronoRow::at.desc()).all(&db.engine).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], ChronoRow { id: keys[0], ..later });
        assert_eq!(rows[1].maybe_at, Some(naive("1999-12-31 23:59:59")));

        // Equality filters, on every kind.
        let by_at: Vec<i64> = select(ChronoRow::id).filter(ChronoRow::at.eq(chrono_row().at)).all(&db.engine).unwrap();
        assert_eq!(by_at, vec![id]);
        let by_instant: i64 = select(func::count_all())
            .from::<ChronoRow>()
            .filter(ChronoRow::instant.eq(chrono_row().instant))
            .one(&db.engine)
            .unwrap();
        assert_eq!(by_instant, 2);
        let by_day: Vec<i64> = select(ChronoRow::id)
            .filter(ChronoRow::maybe_day.eq(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()))
            .all(&db.engine)
            .unwrap();
        assert_eq!(by_day, vec![id]);
        let by_clock: i64 = select(func::count_all())
            .from::<ChronoRow>()
            .filter(ChronoRow::clock.eq(chrono_row().clock))
            .one(&db.engine)
            .unwrap();
        assert_eq!(by_clock, 2);
        let range: Vec<i64> =
            select(ChronoRow::id).filter(ChronoRow::at.lt(naive("2025-01-01 00:00:00"))).all(&db.engine).unwrap();
        assert_eq!(range, vec![id]);

        // NULL.
        let nulls: Vec<Option<NaiveDate>> =
            select(ChronoRow::maybe_day).filter(ChronoRow::id.eq(keys[0])).all(&db.engine).unwrap();
        assert_eq!(nulls, vec![None]);
        let latest: Option<NaiveDateTime> = select(func::max(ChronoRow::at)).one(&db.engine).unwrap();
        assert_eq!(latest, Some(naive("2030-01-01 00:00:00")));
    });
}

#[test]
fn timestamps_with_time_zone_are_instants() {
    each_db("ct_tz", |db| {
        db.engine.create_all(&[ChronoRow::table(), TimeRow::table()]).unwrap();
        // Written by hand with an offset: read back as the same instant, in UTC.
        db.engine
            .execute(
                "INSERT INTO ct_chrono (at, instant, day, clock) \
                 VALUES ('2024-01-01 12:00:00', '2024-01-01 12:00:00+05:30', '2024-01-01', '12:00:00')",
                &[],
            )
            .unwrap();
        let instant: DateTime<Utc> = select(ChronoRow::instant).one(&db.engine).unwrap();
        assert_eq!(instant.to_rfc3339(), "2024-01-01T06:30:00+00:00");
        let fixed: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2024-01-01T01:30:00-05:00").unwrap();
        let n: i64 = select(func::count_all())
            .from::<ChronoRow>()
            .filter(ChronoRow::instant.eq(fixed.with_timezone(&Utc)))
            .one(&db.engine)
            .unwrap();
        // PostgreSQL compares instants; SQLite compares the text, and only what the ORM wrote
        // is in its one layout (UTC, `+00:00`): this hand-written row is not.
        assert_eq!(n, if db.is_pg() { 1 } else { 0 });

        // `time`: an OffsetDateTime at +02:00 equals its UTC reading.
        let plus_two = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let row = TimeRow { maybe_instant: Some(time_row().instant.to_offset(plus_two)), ..time_row() };
        insert::<TimeRow>().values(&row).execute(&db.engine).unwrap();
        let back: Option<time::OffsetDateTime> = select(TimeRow::maybe_instant).one(&db.engine).unwrap();
        let back = back.unwrap();
        assert_eq!(back, row.maybe_instant.unwrap());
        assert_eq!(back.offset(), time::UtcOffset::UTC);
        assert_eq!(back.hour(), 6);
    });
}

// ---------------------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------------------

fn tdate(y: i32, m: u8, d: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
}

fn time_row() -> TimeRow {
    TimeRow {
        id: 0,
        at: tdate(2024, 2, 29).with_hms_micro(13, 14, 15, 123_456).unwrap(),
        instant: tdate(2024, 6, 1).with_hms(6, 0, 0).unwrap().assume_utc(),
        day: tdate(1969, 7, 20),
        clock: time::Time::from_hms_micro(7, 8, 9, 10).unwrap(),
        maybe_instant: None,
    }
}

#[test]
fn time_types_round_trip() {
    each_db("ct_time", |db| {
        db.engine.create_all(&[TimeRow::table()]).unwrap();
        let mut session = db.engine.session();
        let obj = session.add(time_row()).unwrap();
        session.commit().unwrap();
        let id = obj.read().id;
        let back = db.engine.session().get::<TimeRow>(id).unwrap().unwrap();
        assert_eq!(*back.read(), TimeRow { id, ..time_row() });

        let other = TimeRow { day: tdate(2001, 9, 9), ..time_row() };
        insert::<TimeRow>().values(&other).execute(&db.engine).unwrap();
        let ids: Vec<i64> = select(TimeRow::id).filter(TimeRow::day.eq(time_row().day)).all(&db.engine).unwrap();
        assert_eq!(ids, vec![id]);
        let n: i64 =
            select(func::count_all()).from::<TimeRow>().filter(TimeRow::at.eq(time_row().at)).one(&db.engine).unwrap();
        assert_eq!(n, 2);
        let n: i64 = select(func::count_all())
            .from::<TimeRow>()
            .filter(TimeRow::clock.eq(time_row().clock))
            .one(&db.engine)
            .unwrap();
        assert_eq!(n, 2);
        let nulls: Vec<Option<time::OffsetDateTime>> = select(TimeRow::maybe_instant).all(&db.engine).unwrap();
        assert_eq!(nulls, vec![None, None]);
    });
}

// ---------------------------------------------------------------------------------------
// uuid
// ---------------------------------------------------------------------------------------

#[test]
fn uuid_keys_round_trip() {
    each_db("ct_uuid", |db| {
        db.engine.create_all(&[Token::table()]).unwrap();
        let ddl = create_statement(db, "ct_uuid");
        assert!(ddl.contains(if db.is_pg() { "\"id\" UUID NOT NULL" } else { "\"id\" BLOB NOT NULL" }), "{ddl}");

        let root = Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
        let child = Uuid::from_u128(0xa1a2_a3a4_b1b2_c1c2_d1d2_d3d4_d5d6_d7d8);
        let mut session = db.engine.session();
        session.add(Token { id: root, label: "root".into(), parent: None }).unwrap();
        session.commit().unwrap();
        insert::<Token>()
            .values(&Token { id: child, label: "child".into(), parent: Some(root) })
            .execute(&db.engine)
            .unwrap();

        let mut fresh = db.engine.session();
        let got = fresh.get::<Token>(child).unwrap().unwrap();
        assert_eq!(got.read().parent, Some(root));
        assert!(fresh.get::<Token>(Uuid::nil()).unwrap().is_none());
        let children: Vec<String> = select(Token::label).filter(Token::parent.eq(root)).all(&db.engine).unwrap();
        assert_eq!(children, vec!["child"]);
        let parents: Vec<Option<Uuid>> = select(Token::parent).filter(Token::id.eq(root)).all(&db.engine).unwrap();
        assert_eq!(parents, vec![None]);
        // Identity map: the key decodes to the same object.
        let again = fresh.query::<Token>().filter(Token::label.eq("child")).one().unwrap();
        assert!(again.ptr_eq(&got));
    });
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

fn settings(theme: &str) -> Settings {
    Settings { theme: theme.into(), font_size: 14, tags: vec!["a".into(), "b \"quoted\"".into()] }
}

#[test]
fn json_documents_round_trip() {
    each_db("ct_json", |db| {
        db.engine.create_all(&[Document::table()]).unwrap();
        let ddl = create_statement(db, "ct_json");
        assert!(ddl.contains(if db.is_pg() { "\"body\" JSONB NOT NULL" } else { "\"body\" TEXT NOT NULL" }), "{ddl}");

        let body = serde_json::json!({"title": "Hello", "n": [1, 2.5, null], "nested": {"ok": true}});
        let doc = Document { id: 0, body: body.clone(), settings: Json(settings("dark")), extra: None };
        let mut session = db.engine.session();
        let obj = session.add(doc.clone()).unwrap();
        session.commit().unwrap();
        let id = obj.read().id;
        // Change tracking compares the decoded values.
        obj.write().settings.theme = "light".into();
        session.commit().unwrap();

        let back: Document = select_model::<Document>().filter(Document::id.eq(id)).one(&db.engine).unwrap();
        assert_eq!(back, Document { id, settings: Json(settings("light")), ..doc.clone() });
        insert::<Document>()
            .values(&Document { extra: Some(Json(settings("x"))), ..doc.clone() })
            .execute(&db.engine)
            .unwrap();

        let ids: Vec<i64> =
            select(Document::id).filter(Document::settings.eq(Json(settings("light")))).all(&db.engine).unwrap();
        assert_eq!(ids, vec![id]);
        let n: i64 =
            select(func::count_all()).from::<Document>().filter(Document::body.eq(body)).one(&db.engine).unwrap();
        assert_eq!(n, 2);
        let extras: Vec<Option<Json<Settings>>> =
            select(Document::extra).order_by(Document::id).all(&db.engine).unwrap();
        assert_eq!(extras, vec![None, Some(Json(settings("x")))]);
    });
}

// ---------------------------------------------------------------------------------------
// Decimals
// ---------------------------------------------------------------------------------------

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn decimals_keep_their_scale() {
    each_db("ct_decimal", |db| {
        db.engine.create_all(&[Price::table()]).unwrap();
        let ddl = create_statement(db, "ct_decimal");
        if db.is_pg() {
            assert!(
                ddl.contains("\"amount\" NUMERIC(10, 2) NOT NULL") && ddl.contains("\"exact\" NUMERIC NOT NULL"),
                "{ddl}"
            );
        } else {
            assert!(ddl.contains("\"amount\" TEXT NOT NULL"), "{ddl}");
        }

        let price = Price { id: 0, amount: dec("12.30"), exact: dec("0.100000000000000000000000001"), discount: None };
        let mut session = db.engine.session();
        let obj = session.add(price.clone()).unwrap();
        session.commit().unwrap();
        let id = obj.read().id;
        let back = db.engine.session().get::<Price>(id).unwrap().unwrap();
        let back = back.read().clone();
        assert_eq!(back, Price { id, ..price.clone() });
        assert_eq!(back.amount.to_string(), "12.30");
        assert_eq!(back.exact.to_string(), "0.100000000000000000000000001");

        // Core, with a value of another scale: PostgreSQL rounds it to the column's scale.
        let keys = insert::<Price>()
            .values(&Price { id: 0, amount: dec("7.5"), exact: dec("-3"), discount: Some(dec("1.10")) })
            .returning_keys(&db.engine)
            .unwrap();
        let amount: Decimal = select(Price::amount).filter(Price::id.eq(keys[0])).one(&db.engine).unwrap();
        assert_eq!(amount.to_string(), if db.is_pg() { "7.50" } else { "7.5" });
        let discount: Option<Decimal> = select(Price::discount).filter(Price::id.eq(keys[0])).one(&db.engine).unwrap();
        assert_eq!(discount.map(|d| d.to_string()).as_deref(), Some("1.10"));

        let ids: Vec<i64> = select(Price::id).filter(Price::amount.eq(dec("12.30"))).all(&db.engine).unwrap();
        assert_eq!(ids, vec![id]);
        let nulls: Vec<Option<Decimal>> = select(Price::discount).filter(Price::id.eq(id)).all(&db.engine).unwrap();
        assert_eq!(nulls, vec![None]);
        let total: Option<Decimal> = select(func::sum(Price::amount)).one(&db.engine).unwrap();
        assert_eq!(total.map(|d| d.normalize()), Some(dec("19.8")));
    });
}

// ---------------------------------------------------------------------------------------
// Custom types and enums
// ---------------------------------------------------------------------------------------

#[test]
fn custom_types_and_enums_round_trip() {
    each_db("ct_custom", |db| {
        db.engine.create_all(&[Account::table()]).unwrap();
        let ddl = create_statement(db, "ct_custom");
        for t in ["\"status\" TEXT NOT NULL", "\"priority\" INTEGER NOT NULL", "\"balance\" BIGINT NOT NULL"] {
            assert!(ddl.contains(t), "{t} in {ddl}");
        }
        assert!(ddl.contains(if db.is_pg() { "\"theme\" JSONB" } else { "\"theme\" TEXT" }), "{ddl}");

        let mut session = db.engine.session();
        let ada = session.add(account("ada@example.com")).unwrap();
        session.commit().unwrap();
        let id = ada.read().id;
        ada.write().status = Status::Archived;
        ada.write().previous_status = Some(Status::Draft);
        ada.write().overdraft = Some(Money(-500));
        session.commit().unwrap();

        let bob = Account {
            status: Status::Published,
            priority: Priority::Low,
            level: Level::Debug,
            ..account("bob@example.com")
        };
        insert::<Account>().values(&bob).execute(&db.engine).unwrap();

        let back = db.engine.session().get::<Account>(id).unwrap().unwrap();
        let back = back.read().clone();
        assert_eq!(
            back,
            Account {
                id,
                status: Status::Archived,
                previous_status: Some(Status::Draft),
                overdraft: Some(Money(-500)),
                ..account("ada@example.com")
            }
        );

        // What is stored.
        let stored: Vec<(String, String, i32, i32, i64)> = select((
            Account::status.cast::<String>(),
            Account::plan.cast::<String>(),
            Account::priority.cast::<i32>(),
            Account::level.cast::<i32>(),
            Account::balance.cast::<i64>(),
        ))
        .order_by(Account::id)
        .all(&db.engine)
        .unwrap();
        assert_eq!(
            stored,
            vec![
                ("gone".into(), "team_monthly".into(), 11, 2, 1250),
                ("Published".into(), "team_monthly".into(), 1, 0, 1250)
            ]
        );

        // Equality filters.
        let emails: Vec<EmailAddress> =
            select(Account::email).filter(Account::status.eq(Status::Published)).all(&db.engine).unwrap();
        assert_eq!(emails, vec![EmailAddress("bob@example.com".into())]);
        let ids: Vec<i64> = select(Account::id)
            .filter(Account::priority.eq(Priority::Urgent).and(Account::level.eq(Level::Warn)))
            .all(&db.engine)
            .unwrap();
        assert_eq!(ids, vec![id]);
        let ids: Vec<i64> = select(Account::id)
            .filter(Account::email.eq(EmailAddress("bob@example.com".into())))
            .all(&db.engine)
            .unwrap();
        assert_eq!(ids.len(), 1);
        let ids: Vec<i64> = select(Account::id)
            .filter(Account::theme.eq(Theme { name: "solarized".into(), dark: true }))
            .all(&db.engine)
            .unwrap();
        assert_eq!(ids.len(), 2);
        let previous: Vec<Option<Status>> =
            select(Account::previous_status).order_by(Account::id).all(&db.engine).unwrap();
        assert_eq!(previous, vec![Some(Status::Draft), None]);
        let overdrafts: Vec<Option<Money>> = select(Account::overdraft).order_by(Account::id).all(&db.engine).unwrap();
        assert_eq!(overdrafts, vec![Some(Money(-500)), None]);
    });
}

// ---------------------------------------------------------------------------------------
// Decode errors
// ---------------------------------------------------------------------------------------

#[test]
fn values_that_do_not_decode_are_errors() {
    each_db("ct_decode", |db| {
        db.engine.create_all(&[Account::table(), Document::table()]).unwrap();
        insert::<Account>().values(&account("ada@example.com")).execute(&db.engine).unwrap();

        db.engine.execute("UPDATE ct_custom SET email = 'nobody'", &[]).unwrap();
        let err = select(Account::email).one(&db.engine).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"cannot decode `ct_custom.email`: expected EmailAddress, found "nobody", which has no '@'"#
        );
        let err = select_model::<Account>().one(&db.engine).unwrap_err();
        assert!(err.to_string().starts_with("cannot decode `ct_custom.email`"), "{err}");
        db.engine.execute("UPDATE ct_custom SET email = 'a@b'", &[]).unwrap();

        db.engine.execute("UPDATE ct_custom SET status = 'Deleted'", &[]).unwrap();
        assert_eq!(
            decode_error(select(Account::status).one(&db.engine)),
            ("Status".into(), r#"TEXT "Deleted", which is not one of "Draft", "Published", "gone""#.into())
        );
        db.engine.execute("UPDATE ct_custom SET status = 'Draft', priority = 7", &[]).unwrap();
        assert_eq!(
            decode_error(select(Account::priority).one(&db.engine)),
            ("Priority".into(), "INTEGER 7, which is not one of 1, 10, 11".into())
        );
        db.engine.execute("UPDATE ct_custom SET priority = 1", &[]).unwrap();
        assert_eq!(select(Account::priority).one(&db.engine).unwrap(), Priority::Low);

        // A custom type over JSON: its own check, and a document of another shape.
        let empty_theme = if db.is_pg() {
            "UPDATE ct_custom SET theme = '{\"name\": \"\", \"dark\": false}'::jsonb"
        } else {
            "UPDATE ct_custom SET theme = '{\"name\": \"\", \"dark\": false}'"
        };
        db.engine.execute(empty_theme, &[]).unwrap();
        let (expected, found) = decode_error(select(Account::theme).one(&db.engine));
        assert!(expected.ends_with("Theme"), "{expected}");
        assert_eq!(found, "a theme without a name");

        insert::<Document>()
            .values(&Document { id: 0, body: serde_json::json!(1), settings: Json(settings("s")), extra: None })
            .execute(&db.engine)
            .unwrap();
        let wrong_shape = if db.is_pg() {
            "UPDATE ct_json SET settings = '{\"theme\": 5}'::jsonb"
        } else {
            "UPDATE ct_json SET settings = '{\"theme\": 5}'"
        };
        db.engine.execute(wrong_shape, &[]).unwrap();
        let (expected, found) = decode_error(select(Document::settings).one(&db.engine));
        assert!(expected.contains("Json<"), "{expected}");
        assert!(found.contains("invalid type: integer `5`, expected a string"), "{found}");
    });
}

#[test]
fn sqlite_text_that_is_not_a_date_is_an_error() {
    each_db("ct_decode_sqlite", |db| {
        if db.is_pg() {
            return; // PostgreSQL checks these types itself on the way in.
        }
        db.engine.create_all(&[ChronoRow::table(), Token::table(), Price::table()]).unwrap();
        insert::<ChronoRow>().values(&chrono_row()).execute(&db.engine).unwrap();
        db.engine.execute("UPDATE ct_chrono SET at = 'yesterday', day = '2023-02-29'", &[]).unwrap();
        assert_eq!(
            decode_error(select(ChronoRow::at).one(&db.engine)),
            ("NaiveDateTime".into(), r#"TEXT "yesterday""#.into())
        );
        assert_eq!(
            decode_error(select(ChronoRow::day).one(&db.engine)),
            ("NaiveDate".into(), r#"TEXT "2023-02-29""#.into())
        );
        db.engine.execute("UPDATE ct_chrono SET clock = x'05'", &[]).unwrap();
        assert_eq!(decode_error(select(ChronoRow::clock).one(&db.engine)), ("NaiveTime".into(), "BLOB".into()));

        db.engine.execute("INSERT INTO ct_uuid (id, label) VALUES (x'0102', 'short')", &[]).unwrap();
        assert_eq!(decode_error(select(Token::id).one(&db.engine)), ("Uuid".into(), "BLOB of 2 bytes".into()));
        db.engine.execute("INSERT INTO ct_decimal (amount, exact) VALUES ('1.5', 'lots')", &[]).unwrap();
        assert_eq!(decode_error(select(Price::exact).one(&db.engine)), ("Decimal".into(), r#"TEXT "lots""#.into()));
    });
}

#[test]
fn values_bind_and_read_back_by_kind() {
    // `Value` is the backend-neutral form hooks, logs and raw SQL see: each kind binds to the
    // column's own type and `RowRef::value_of_kind` reads it back the same.
    each_db("ct_values", |db| {
        db.engine.create_all(&[ChronoRow::table(), Token::table(), Price::table(), Document::table()]).unwrap();
        let (insert_chrono, insert_token, insert_price, insert_doc) = if db.is_pg() {
            (
                "INSERT INTO ct_chrono (at, instant, day, clock) VALUES ($1, $2, $3, $4)",
                "INSERT INTO ct_uuid (id, label) VALUES ($1, $2)",
                "INSERT INTO ct_decimal (amount, exact) VALUES ($1, $2)",
                "INSERT INTO ct_json (body, settings) VALUES ($1, $2)",
            )
        } else {
            (
                "INSERT INTO ct_chrono (at, instant, day, clock) VALUES (?, ?, ?, ?)",
                "INSERT INTO ct_uuid (id, label) VALUES (?, ?)",
                "INSERT INTO ct_decimal (amount, exact) VALUES (?, ?)",
                "INSERT INTO ct_json (body, settings) VALUES (?, ?)",
            )
        };
        let mut conn = db.engine.connection().unwrap();
        let temporal =
            [Value::Timestamp(1_500_000), Value::TimestampTz(-1), Value::Date(-1), Value::Time(3_600_000_001)];
        conn.execute(insert_chrono, &temporal).unwrap();
        let id = Value::Uuid(*Uuid::from_u128(42).as_bytes());
        conn.execute(insert_token, &[id.clone(), Value::Text("t".into())]).unwrap();
        conn.execute(insert_price, &[Value::Decimal("3.14159".into()), Value::Decimal("-0.050".into())]).unwrap();
        let settings_text = serde_json::to_string(&settings("v")).unwrap();
        conn.execute(insert_doc, &[Value::Json(r#"{"b":1,"a":[true]}"#.into()), Value::Json(settings_text)]).unwrap();

        let mut read = Vec::new();
        conn.query("SELECT at, instant, day, clock, maybe_at FROM ct_chrono", &[], |row| {
            for (i, kind) in
                [SqlKind::Timestamp, SqlKind::TimestampTz, SqlKind::Date, SqlKind::Time, SqlKind::Timestamp]
                    .into_iter()
                    .enumerate()
            {
                read.push(row.value_of_kind(i, kind)?);
            }
            Ok(())
        })
        .unwrap();
        let mut expected = temporal.to_vec();
        expected.push(Value::Null);
        assert_eq!(read, expected);
        // Commit as you go: the rows are read back below on other connections.
        conn.commit().unwrap();
        let row: ChronoRow = select_model::<ChronoRow>().one(&db.engine).unwrap();
        assert_eq!(row.at, naive("1970-01-01 00:00:01.5"));
        assert_eq!(row.instant.to_rfc3339(), "1969-12-31T23:59:59.999999+00:00");
        assert_eq!(row.day, NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());
        assert_eq!(row.clock, NaiveTime::from_hms_micro_opt(1, 0, 0, 1).unwrap());

        let mut read = Vec::new();
        conn.query("SELECT id FROM ct_uuid", &[], |row| {
            read.push(row.value_of_kind(0, SqlKind::Uuid)?);
            Ok(())
        })
        .unwrap();
        conn.query("SELECT amount, exact, discount FROM ct_decimal", &[], |row| {
            for i in 0..3 {
                read.push(row.value_of_kind(i, SqlKind::Numeric)?);
            }
            Ok(())
        })
        .unwrap();
        let rounded = if db.is_pg() { "3.14" } else { "3.14159" };
        assert_eq!(read, vec![id, Value::Decimal(rounded.into()), Value::Decimal("-0.050".into()), Value::Null]);

        if db.is_pg() {
            // NUMERIC's binary format, decoded without rust_decimal: every digit and the scale.
            let mut read = Vec::new();
            conn.query(
                "SELECT CAST('-123456789.000123456789' AS NUMERIC), CAST('10000' AS NUMERIC), \
                 CAST('0.00010' AS NUMERIC), CAST('123456789012345678901234567890.5' AS NUMERIC)",
                &[],
                |row| {
                    for i in 0..4 {
                        read.push(row.value_of_kind(i, SqlKind::Numeric)?);
                    }
                    Ok(())
                },
            )
            .unwrap();
            let texts = ["-123456789.000123456789", "10000", "0.00010", "123456789012345678901234567890.5"];
            assert_eq!(read, texts.map(|t| Value::Decimal(t.into())).to_vec());
        }

        let mut docs = Vec::new();
        conn.query("SELECT body FROM ct_json", &[], |row| {
            docs.push(row.value_of_kind(0, SqlKind::Json)?);
            Ok(())
        })
        .unwrap();
        let Value::Json(text) = &docs[0] else { panic!("{docs:?}") };
        assert_eq!(serde_json::from_str::<serde_json::Value>(text).unwrap(), serde_json::json!({"a": [true], "b": 1}));
        let settings_back: Json<Settings> = select(Document::settings).one(&db.engine).unwrap();
        assert_eq!(settings_back, Json(settings("v")));

        // A value its type could not encode is refused when bound, not written as something else.
        let unencodable = orm::SqlType::to_value(&Json(std::collections::BTreeMap::from([((1, 2), 3)])));
        assert!(matches!(&unencodable, Value::Unencodable(m) if m.contains("key must be a string")), "{unencodable:?}");
        let err = conn.execute(insert_token, &[Value::Uuid([7; 16]), unencodable]).unwrap_err();
        // PostgreSQL names the parameter too; both keep serde's message.
        assert!(err.to_string().contains("key must be a string"), "{err}");
        if db.is_pg() {
            assert!(err.to_string().contains("error serializing parameter 1"), "{err}");
        }
    });
}
