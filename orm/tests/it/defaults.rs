//! Rust-side `default = expr` (issue 11): a value the user wrote is never replaced. Defaults
//! are given when the object is built (`..Default::default()`, from the `Default` that
//! `#[derive(Model)]` generates); an insert of an object (Session or Core) binds its fields
//! exactly as they are, even when a field holds its type's `Default` value (`false`, `0`, `""`,
//! `None`, a nil UUID, an empty vector). Only Core's column form fills the defaults of the
//! columns it leaves out. Every column type, on both databases.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm::prelude::*;
use orm::types::{CustomType, Json};
use orm::{BelongsTo, HasMany};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{each_db, Db};

// ---------------------------------------------------------------------------------------
// Models: every column type, each with a `default` that is not its type's `Default`
// ---------------------------------------------------------------------------------------

/// The built-in types.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "df_scalars")]
struct Scalars {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = true)]
    flag: bool,
    #[orm(default = 7_i16)]
    small: i16,
    #[orm(default = 42)]
    int: i32,
    #[orm(default = 9_000_000_000_i64)]
    big: i64,
    #[orm(default = 1.5_f32)]
    real: f32,
    #[orm(default = 2.25)]
    double: f64,
    #[orm(default = "draft")]
    text: String,
    #[orm(default = vec![1_u8, 2, 3])]
    blob: Vec<u8>,
    #[orm(default = 3)]
    maybe_int: Option<i32>,
    #[orm(default = String::from("note"))]
    maybe_text: Option<String>,
}

/// The type's `Default` value in every field.
fn zero_scalars(id: i64) -> Scalars {
    Scalars {
        id,
        flag: false,
        small: 0,
        int: 0,
        big: 0,
        real: 0.0,
        double: 0.0,
        text: String::new(),
        blob: Vec::new(),
        maybe_int: None,
        maybe_text: None,
    }
}

/// Values that are neither the defaults nor the types' `Default`s.
fn other_scalars(id: i64) -> Scalars {
    Scalars {
        id,
        flag: true,
        small: -3,
        int: -4,
        big: -5,
        real: -0.5,
        double: 0.125,
        text: "given".into(),
        blob: vec![9],
        maybe_int: Some(-1),
        maybe_text: Some("given".into()),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Settings {
    theme: String,
    font_size: u8,
}

fn dark() -> Settings {
    Settings { theme: "dark".into(), font_size: 14 }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The types of the optional features (uuid, decimal, chrono, JSON).
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "df_features")]
struct Features {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = Uuid::from_u128(0x1234))]
    uuid: Uuid,
    #[orm(default = Uuid::from_u128(0x5678))]
    maybe_uuid: Option<Uuid>,
    #[orm(default = Decimal::new(1250, 2))]
    amount: Decimal,
    #[orm(default = Decimal::ONE)]
    maybe_amount: Option<Decimal>,
    #[orm(default = crate::defaults::day(2024, 2, 29).and_hms_opt(13, 14, 15).unwrap())]
    at: NaiveDateTime,
    #[orm(default = crate::defaults::day(2024, 6, 1).and_hms_opt(8, 0, 0).unwrap().and_utc())]
    instant: DateTime<Utc>,
    #[orm(default = crate::defaults::day(1969, 7, 20))]
    on: NaiveDate,
    #[orm(default = NaiveTime::from_hms_opt(23, 59, 59).unwrap())]
    clock: NaiveTime,
    #[orm(default = crate::defaults::day(2000, 1, 1))]
    maybe_on: Option<NaiveDate>,
    #[orm(default = serde_json::json!({"a": 1}))]
    body: serde_json::Value,
    #[orm(default = crate::defaults::dark())]
    settings: Json<Settings>,
    #[orm(default = Json(crate::defaults::dark()))]
    maybe_settings: Option<Json<Settings>>,
}

fn zero_features(id: i64) -> Features {
    Features {
        id,
        uuid: Uuid::nil(),
        maybe_uuid: None,
        amount: Decimal::ZERO,
        maybe_amount: None,
        at: NaiveDateTime::default(),
        instant: DateTime::<Utc>::default(),
        on: NaiveDate::default(),
        clock: NaiveTime::default(),
        maybe_on: None,
        body: serde_json::Value::Null,
        settings: Json(Settings::default()),
        maybe_settings: None,
    }
}

fn other_features(id: i64) -> Features {
    Features {
        id,
        uuid: Uuid::from_u128(7),
        maybe_uuid: Some(Uuid::from_u128(8)),
        amount: Decimal::new(-99, 1),
        maybe_amount: Some(Decimal::TEN),
        at: day(1999, 12, 31).and_hms_opt(23, 0, 0).unwrap(),
        instant: day(2001, 9, 9).and_hms_opt(1, 46, 40).unwrap().and_utc(),
        on: day(2012, 12, 12),
        clock: NaiveTime::from_hms_opt(12, 0, 1).unwrap(),
        maybe_on: Some(day(1990, 1, 1)),
        body: serde_json::json!([1, 2]),
        settings: Json(Settings { theme: "light".into(), font_size: 9 }),
        maybe_settings: Some(Json(Settings { theme: "given".into(), font_size: 1 })),
    }
}

/// A text enum.
#[derive(SqlEnum, Debug, Clone, Copy, Default, PartialEq)]
enum Status {
    #[default]
    Draft,
    Published,
    Archived,
}

/// An integer enum (`Debug` is stored as 0).
#[derive(SqlEnum, Debug, Clone, Copy, Default, PartialEq)]
#[orm(integer)]
enum Level {
    #[default]
    Debug,
    Info,
    Warn,
}

/// Cents, stored as a BIGINT.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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

/// Enums and custom types.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "df_custom")]
struct Custom {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = Status::Published)]
    status: Status,
    #[orm(default = Status::Archived)]
    maybe_status: Option<Status>,
    #[orm(default = Level::Warn)]
    level: Level,
    #[orm(default = Money(100))]
    balance: Money,
    #[orm(default = Money(-100))]
    overdraft: Option<Money>,
}

fn zero_custom(id: i64) -> Custom {
    Custom { id, status: Status::Draft, maybe_status: None, level: Level::Debug, balance: Money(0), overdraft: None }
}

fn other_custom(id: i64) -> Custom {
    Custom {
        id,
        status: Status::Archived,
        maybe_status: Some(Status::Draft),
        level: Level::Info,
        balance: Money(-1),
        overdraft: Some(Money(0)),
    }
}

fn tdate(y: i32, m: u8, d: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
}

/// The `time` types, which have no `Default`: a `default = ...` gives them one in the model's
/// `Default` (before, a `default` on them did not compile).
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "df_time")]
struct Times {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = crate::defaults::tdate(2024, 2, 29).with_hms(13, 14, 15).unwrap())]
    at: time::PrimitiveDateTime,
    #[orm(default = crate::defaults::tdate(2024, 6, 1).with_hms(6, 0, 0).unwrap().assume_utc())]
    instant: time::OffsetDateTime,
    #[orm(default = crate::defaults::tdate(1969, 7, 20))]
    on: time::Date,
    #[orm(default = time::Time::from_hms(7, 8, 9).unwrap())]
    clock: time::Time,
    #[orm(default = crate::defaults::tdate(2000, 1, 1))]
    maybe_on: Option<time::Date>,
}

/// The Unix epoch (the `Default` of the chrono types), and `None`.
fn epoch_times(id: i64) -> Times {
    Times {
        id,
        at: time::PrimitiveDateTime::new(tdate(1970, 1, 1), time::Time::MIDNIGHT),
        instant: time::OffsetDateTime::UNIX_EPOCH,
        on: tdate(1970, 1, 1),
        clock: time::Time::MIDNIGHT,
        maybe_on: None,
    }
}

fn other_times(id: i64) -> Times {
    Times {
        id,
        at: tdate(1999, 12, 31).with_hms(23, 0, 0).unwrap(),
        instant: tdate(2001, 9, 9).with_hms(1, 46, 40).unwrap().assume_utc(),
        on: tdate(2012, 12, 12),
        clock: time::Time::from_hms(12, 0, 1).unwrap(),
        maybe_on: Some(tdate(1990, 1, 1)),
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// How objects are inserted.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// `session.add` + `commit`.
    Session,
    /// Core `insert().values(&obj)`, one statement per object.
    CoreValues,
    /// Core `insert().values_many(&objs)`.
    CoreValuesMany,
}

/// Insert `objs` through `path` and read every row of the table back, in key order. Through
/// the Session, the objects must also be unchanged in memory after the commit.
fn write_and_read_back<M>(db: &Db, path: Path, objs: &[M]) -> Vec<M>
where
    M: Model<Key = i64> + orm::Mapper + Clone + PartialEq + Debug,
{
    db.engine.create_all(&[M::table()]).unwrap();
    match path {
        Path::Session => {
            let mut s = db.engine.session();
            let handles = s.add_all(objs.iter().cloned()).unwrap();
            s.commit().unwrap();
            for (h, obj) in handles.iter().zip(objs) {
                assert_eq!(*h.read(), *obj, "{}: the object in the session, after the commit", db.name);
            }
        }
        Path::CoreValues => {
            for obj in objs {
                insert::<M>().values(obj).execute(&db.engine).unwrap();
            }
        }
        Path::CoreValuesMany => {
            let n = insert::<M>().values_many(objs).execute(&db.engine).unwrap();
            assert_eq!(n, objs.len() as u64);
        }
    }
    let mut rows: Vec<M> = select_model::<M>().all(&db.engine).unwrap();
    rows.sort_by_key(|r| r.key());
    rows
}

/// Objects holding their types' `Default` values (and others) go in through `path` and come
/// back exactly as written, on every model.
fn written_values_are_stored(db: &Db, path: Path) {
    let scalars = [zero_scalars(1), other_scalars(2)];
    assert_eq!(write_and_read_back(db, path, &scalars), scalars, "{} {path:?}", db.name);
    let features = [zero_features(1), other_features(2)];
    assert_eq!(write_and_read_back(db, path, &features), features, "{} {path:?}", db.name);
    let custom = [zero_custom(1), other_custom(2)];
    assert_eq!(write_and_read_back(db, path, &custom), custom, "{} {path:?}", db.name);
    let times = [epoch_times(1), other_times(2)];
    assert_eq!(write_and_read_back(db, path, &times), times, "{} {path:?}", db.name);
}

/// Objects built with `..Default::default()` go in through `path` with the declared defaults.
fn built_objects_are_stored_with_their_defaults(db: &Db, path: Path) {
    let scalars =
        [Scalars { id: 1, ..Default::default() }, Scalars { id: 2, text: "given".into(), ..Default::default() }];
    assert_eq!(write_and_read_back(db, path, &scalars), scalars, "{} {path:?}", db.name);
    let features =
        [Features { id: 1, ..Default::default() }, Features { id: 2, maybe_uuid: None, ..Default::default() }];
    assert_eq!(write_and_read_back(db, path, &features), features, "{} {path:?}", db.name);
    let custom = [Custom { id: 1, ..Default::default() }, Custom { id: 2, level: Level::Debug, ..Default::default() }];
    assert_eq!(write_and_read_back(db, path, &custom), custom, "{} {path:?}", db.name);
    let times = [Times { id: 1, ..Default::default() }, Times { id: 2, maybe_on: None, ..Default::default() }];
    assert_eq!(write_and_read_back(db, path, &times), times, "{} {path:?}", db.name);
}

// ---------------------------------------------------------------------------------------
// A value the user wrote is stored as written
// ---------------------------------------------------------------------------------------

#[test]
fn the_session_stores_values_equal_to_their_types_default_as_written() {
    each_db("df_session", |db| written_values_are_stored(db, Path::Session));
}

#[test]
fn core_insert_values_stores_values_equal_to_their_types_default_as_written() {
    each_db("df_core_values", |db| written_values_are_stored(db, Path::CoreValues));
}

#[test]
fn core_insert_values_many_stores_values_equal_to_their_types_default_as_written() {
    each_db("df_core_many", |db| written_values_are_stored(db, Path::CoreValuesMany));
}

/// The bug as reported: `is_active: false` was stored as `true`.
#[test]
fn an_explicit_false_is_stored_as_false() {
    each_db("df_false", |db| {
        db.engine.create_all(&[Scalars::table()]).unwrap();
        let mut s = db.engine.session();
        s.add(Scalars { flag: false, ..other_scalars(1) }).unwrap();
        s.commit().unwrap();
        insert::<Scalars>().values(&Scalars { flag: false, ..other_scalars(2) }).execute(&db.engine).unwrap();
        let flags: Vec<(i64, bool)> =
            select((Scalars::id, Scalars::flag)).order_by(Scalars::id.asc()).all(&db.engine).unwrap();
        assert_eq!(flags, [(1, false), (2, false)]);
    });
}

// ---------------------------------------------------------------------------------------
// Defaults are given when the object is built
// ---------------------------------------------------------------------------------------

#[test]
fn default_gives_each_field_its_declared_default() {
    assert_eq!(
        Scalars::default(),
        Scalars {
            id: 0,
            flag: true,
            small: 7,
            int: 42,
            big: 9_000_000_000,
            real: 1.5,
            double: 2.25,
            text: "draft".into(),
            blob: vec![1, 2, 3],
            maybe_int: Some(3),
            maybe_text: Some("note".into()),
        }
    );
    assert_eq!(
        Features::default(),
        Features {
            id: 0,
            uuid: Uuid::from_u128(0x1234),
            maybe_uuid: Some(Uuid::from_u128(0x5678)),
            amount: Decimal::new(1250, 2),
            maybe_amount: Some(Decimal::ONE),
            at: day(2024, 2, 29).and_hms_opt(13, 14, 15).unwrap(),
            instant: day(2024, 6, 1).and_hms_opt(8, 0, 0).unwrap().and_utc(),
            on: day(1969, 7, 20),
            clock: NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
            maybe_on: Some(day(2000, 1, 1)),
            body: serde_json::json!({"a": 1}),
            settings: Json(dark()),
            maybe_settings: Some(Json(dark())),
        }
    );
    assert_eq!(
        Custom::default(),
        Custom {
            id: 0,
            status: Status::Published,
            maybe_status: Some(Status::Archived),
            level: Level::Warn,
            balance: Money(100),
            overdraft: Some(Money(-100)),
        }
    );
    assert_eq!(
        Times::default(),
        Times {
            id: 0,
            at: tdate(2024, 2, 29).with_hms(13, 14, 15).unwrap(),
            instant: tdate(2024, 6, 1).with_hms(6, 0, 0).unwrap().assume_utc(),
            on: tdate(1969, 7, 20),
            clock: time::Time::from_hms(7, 8, 9).unwrap(),
            maybe_on: Some(tdate(2000, 1, 1)),
        }
    );
    // Each object built evaluates the expressions again.
    let (a, b) = (Stamped::default(), Stamped::default());
    assert!(b.updated_at > a.updated_at, "{} > {}", b.updated_at, a.updated_at);
}

#[test]
fn the_session_stores_objects_built_with_default_with_their_defaults() {
    each_db("df_built_session", |db| built_objects_are_stored_with_their_defaults(db, Path::Session));
}

#[test]
fn core_insert_values_stores_objects_built_with_default_with_their_defaults() {
    each_db("df_built_values", |db| built_objects_are_stored_with_their_defaults(db, Path::CoreValues));
}

#[test]
fn core_insert_values_many_stores_objects_built_with_default_with_their_defaults() {
    each_db("df_built_many", |db| built_objects_are_stored_with_their_defaults(db, Path::CoreValuesMany));
}

/// Core's column form: a column the statement leaves out is truly not given, and takes its
/// `default`; a column it sets keeps the value set, its type's `Default` included.
#[test]
fn the_column_form_fills_the_defaults_of_the_columns_it_leaves_out() {
    each_db("df_columns", |db| {
        db.engine.create_all(&[Scalars::table(), Features::table(), Custom::table(), Times::table()]).unwrap();
        insert::<Scalars>().set(Scalars::id, 1_i64).execute(&db.engine).unwrap();
        insert::<Scalars>()
            .set(Scalars::id, 2_i64)
            .set(Scalars::flag, false)
            .set(Scalars::text, "")
            .set(Scalars::maybe_int, None::<i32>)
            .execute(&db.engine)
            .unwrap();
        let rows: Vec<Scalars> = select_model::<Scalars>().order_by(Scalars::id.asc()).all(&db.engine).unwrap();
        assert_eq!(
            rows,
            [
                Scalars { id: 1, ..Default::default() },
                Scalars { id: 2, flag: false, text: String::new(), maybe_int: None, ..Default::default() }
            ]
        );

        insert::<Features>().set(Features::id, 1_i64).execute(&db.engine).unwrap();
        insert::<Custom>().set(Custom::id, 1_i64).set(Custom::level, Level::Debug).execute(&db.engine).unwrap();
        insert::<Times>().set(Times::id, 1_i64).execute(&db.engine).unwrap();
        let features: Features = select_model::<Features>().one(&db.engine).unwrap();
        assert_eq!(features, Features { id: 1, ..Default::default() });
        let custom: Custom = select_model::<Custom>().one(&db.engine).unwrap();
        assert_eq!(custom, Custom { id: 1, level: Level::Debug, ..Default::default() });
        let times: Times = select_model::<Times>().one(&db.engine).unwrap();
        assert_eq!(times, Times { id: 1, ..Default::default() });
    });
}

// ---------------------------------------------------------------------------------------
// Relationship fields in a generated `Default`
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug)]
#[orm(table = "df_authors")]
struct Writer {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(default = "anonymous")]
    name: String,
    #[relationship(back_populates = writer)]
    books: HasMany<Volume>,
}

#[derive(Model, Debug)]
#[orm(table = "df_books")]
struct Volume {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Writer::id)]
    writer_id: i64,
    #[orm(default = "untitled")]
    title: String,
    #[relationship(back_populates = books)]
    writer: BelongsTo<Writer>,
}

/// Relationship fields start as a new object's do (`HasMany::new()`: loaded and empty;
/// `BelongsTo`: not loaded), so a built object takes children and cascades as usual.
#[test]
fn relationships_of_a_built_object_start_as_a_new_objects() {
    let w = Writer::default();
    assert!(w.books.get().unwrap().is_empty());
    assert!(!Volume::default().writer.is_loaded());
    each_db("df_relations", |db| {
        db.engine.create_all(&[Writer::table(), Volume::table()]).unwrap();
        let mut s = db.engine.session();
        let writer = s.add(Writer::default()).unwrap();
        writer.write().books.push(Volume { title: "Emma".into(), ..Default::default() }).unwrap();
        writer.write().books.push(Volume::default()).unwrap();
        s.commit().unwrap();
        let id = writer.read().id;
        let rows: Vec<(i64, String)> =
            select((Volume::writer_id, Volume::title)).order_by(Volume::id.asc()).all(&db.engine).unwrap();
        assert_eq!(rows, [(id, "Emma".to_string()), (id, "untitled".to_string())]);
        let name: String = select(Writer::name).one(&db.engine).unwrap();
        assert_eq!(name, "anonymous");
    });
}

// ---------------------------------------------------------------------------------------
// `update_default`: a value the user writes in the same UPDATE is kept
// ---------------------------------------------------------------------------------------

static CLOCK: AtomicI64 = AtomicI64::new(1_000);

/// A clock that moves forward on every reading.
fn tick() -> i64 {
    CLOCK.fetch_add(1, Ordering::Relaxed)
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "df_stamped")]
struct Stamped {
    #[orm(primary_key)]
    id: i64,
    title: String,
    #[orm(default = crate::defaults::tick(), update_default = crate::defaults::tick())]
    updated_at: i64,
}

fn stored_stamp(db: &Db) -> i64 {
    select(Stamped::updated_at).one(&db.engine).unwrap()
}

#[test]
fn the_session_keeps_an_update_default_column_the_user_wrote() {
    each_db("df_update_default_session", |db| {
        db.engine.create_all(&[Stamped::table()]).unwrap();
        let mut s = db.engine.session();
        let obj = s.add(Stamped { id: 1, title: "a".into(), updated_at: 5 }).unwrap();
        s.commit().unwrap();
        assert_eq!(stored_stamp(db), 5, "the value written at insert");

        // Written in the same flush as another change: kept, also its type's `Default`.
        {
            let mut w = obj.write();
            w.title = "b".into();
            w.updated_at = 0;
        }
        s.commit().unwrap();
        assert_eq!((obj.read().updated_at, stored_stamp(db)), (0, 0));
        {
            let mut w = obj.write();
            w.title = "c".into();
            w.updated_at = 77;
        }
        s.commit().unwrap();
        assert_eq!((obj.read().updated_at, stored_stamp(db)), (77, 77));

        // Not written: stamped.
        obj.write().title = "d".into();
        s.commit().unwrap();
        let stamped = obj.read().updated_at;
        assert!(stamped >= 1_000, "{stamped}");
        assert_eq!(stored_stamp(db), stamped);
    });
}

#[test]
fn core_update_keeps_an_update_default_column_the_user_sets() {
    each_db("df_update_default_core", |db| {
        db.engine.create_all(&[Stamped::table()]).unwrap();
        insert::<Stamped>().values(&Stamped { id: 1, title: "a".into(), updated_at: 5 }).execute(&db.engine).unwrap();
        assert_eq!(stored_stamp(db), 5);
        update::<Stamped>()
            .set(Stamped::title, "b")
            .set(Stamped::updated_at, 0_i64)
            .all_rows()
            .execute(&db.engine)
            .unwrap();
        assert_eq!(stored_stamp(db), 0, "set by the statement, to its type's `Default`");
        update::<Stamped>().set(Stamped::updated_at, 42_i64).all_rows().execute(&db.engine).unwrap();
        assert_eq!(stored_stamp(db), 42);
        update::<Stamped>().set(Stamped::title, "c").all_rows().execute(&db.engine).unwrap();
        assert!(stored_stamp(db) >= 1_000, "not set by the statement: stamped");
    });
}
