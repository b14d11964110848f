//! Column types and hybrid properties: enums (`#[derive(SqlEnum)]`), a type of your own
//! (`CustomType`), JSON documents (`Json<T>`), chrono timestamps kept by a mixin's `default` /
//! `update_default`, a UUID key generated in Rust (objects built with `..Default::default()` get
//! the `default = ...` values), and hybrid properties: one expression that is both a Rust
//! method of the object and a SQL expression in queries.
//!
//! Run with `cargo run --example custom_types_hybrids` (`DATABASE_URL=postgres://...` to run
//! it on PostgreSQL). It needs the `chrono`, `uuid` and `serde_json` features of `orm`, which
//! the crate's dev-dependencies turn on for its examples.

use chrono::{DateTime, Utc};
use orm::prelude::*;
use orm::types::{CustomType, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Stored as its variant names in snake_case (TEXT): `"placed"`, `"on_hold"`, ...
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(text, rename_all = "snake_case")]
enum Status {
    Placed,
    OnHold,
    Shipped,
}

/// Stored as its discriminants (INTEGER): 1, 2 (the previous one plus one), 10.
#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(integer)]
enum Priority {
    Low = 1,
    Normal,
    Urgent = 10,
}

/// An amount in cents, stored as a BIGINT (SQLAlchemy's `TypeDecorator`). `Default` (zero):
/// a field of a model with `default = ...` values needs one, or a `default` of its own.
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

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "€{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Any serde type is a JSON column through `Json<T>` (JSONB on PostgreSQL, TEXT on SQLite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GiftNote {
    from: String,
    message: String,
}

/// Creation and modification times, declared once for every model that names the mixin.
/// An object built with `..Default::default()` reads the clock for both.
#[orm::mixin]
struct Timestamps {
    #[orm(default = Utc::now())]
    created_at: DateTime<Utc>,
    #[orm(default = Utc::now(), update_default = Utc::now())]
    updated_at: DateTime<Utc>,
}

#[orm::mixins(Timestamps)]
#[derive(Model, Debug)]
#[orm(
    table = "cth_parcels",
    hybrid(weight_grams: i32 = quantity * unit_grams + 250),
    hybrid(label: String = sku.upper() + " to " + city)
)]
struct Parcel {
    /// A new key for each object built with `..Default::default()`: known before the
    /// INSERT, no `RETURNING` needed.
    #[orm(primary_key, default = Uuid::new_v4())]
    id: Uuid,
    sku: String,
    city: String,
    quantity: i32,
    unit_grams: i32,
    price: Money,
    #[orm(default = Status::Placed)]
    status: Status,
    #[orm(default = Priority::Normal)]
    priority: Priority,
    gift: Option<Json<GiftNote>>,
}

fn parcel(sku: &str, city: &str, quantity: i32, unit_grams: i32, price: Money) -> Parcel {
    // The rest from the `default = ...` values (a fresh key, `Placed`, `Normal`, the mixin's
    // timestamps) and the types' `Default` (`gift: None`).
    Parcel { sku: sku.into(), city: city.into(), quantity, unit_grams, price, ..Default::default() }
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    println!("-- DDL: each Rust type has its column type (UUID, JSONB and TIMESTAMPTZ on PostgreSQL)");
    engine.drop_all(&[Parcel::table()])?;
    engine.create_all(&[Parcel::table()])?;

    println!("-- insert: the key and the timestamps come from Rust-side defaults");
    let mut session = engine.session();
    let gift = GiftNote { from: "Ada".into(), message: "Happy birthday".into() };
    let tea = session.add(Parcel { gift: Some(Json(gift)), ..parcel("tea-01", "Lyon", 4, 250, Money(1250)) })?;
    let mugs = session.add(Parcel {
        status: Status::OnHold,
        priority: Priority::Urgent,
        ..parcel("mug-02", "Bern", 2, 300, Money(3900))
    })?;
    session.add(Parcel { priority: Priority::Low, ..parcel("pot-03", "Oslo", 1, 1200, Money(4500)) })?;
    session.commit()?;
    let (tea_id, created) = (tea.read().id, tea.read().created_at);
    println!("tea: id {tea_id}, created {created}");
    assert!(tea_id != Uuid::nil() && tea_id != mugs.read().id, "a new key each");
    assert!(created > DateTime::<Utc>::default());
    assert!(session.get::<Parcel>(tea_id)?.is_some_and(|p| p.ptr_eq(&tea)), "one row, one object");

    println!("-- what is stored: enum names and numbers, cents");
    let stored: (String, i32, i64) =
        select((Parcel::status.cast::<String>(), Parcel::priority.cast::<i32>(), Parcel::price.cast::<i64>()))
            .filter(Parcel::sku.eq("mug-02"))
            .one(&engine)?;
    assert_eq!(stored, ("on_hold".to_owned(), 10, 3900));
    println!("mug-02 is stored as {stored:?}");

    println!("-- typed values in filters: enums and custom types compare as themselves");
    let (sku, price): (String, Money) = select((Parcel::sku, Parcel::price))
        .filter(Parcel::status.eq(Status::OnHold) & Parcel::priority.eq(Priority::Urgent))
        .one(&engine)?;
    println!("on hold and urgent: {sku} at {price}");
    assert_eq!((sku.as_str(), price), ("mug-02", Money(3900)));

    println!("-- JSON: a change inside the document is a change of the column; update_default stamps it");
    let before = tea.read().updated_at;
    if let Some(note) = tea.write().gift.as_mut() {
        note.message = "Happy birthday, Bob!".into();
    }
    session.commit()?;
    session.refresh(&tea)?;
    assert!(tea.read().updated_at > before, "updated_at moved on");
    assert_eq!(tea.read().gift.as_ref().map(|g| g.message.as_str()), Some("Happy birthday, Bob!"));

    println!("-- hybrids in SQL: a filter on one, an order by the other");
    let heavy =
        session.query::<Parcel>().filter(Parcel::weight_grams().ge(1_000)).order_by(Parcel::label().desc()).all()?;
    println!("-- ... and the same hybrids computed in Rust, on the objects");
    for p in &heavy {
        let p = p.read();
        println!("{:<22} {:>5} g  {}", p.label(), p.weight_grams(), p.price);
    }
    let labels: Vec<String> = heavy.iter().map(|p| p.read().label()).collect();
    assert_eq!(labels, ["TEA-01 to Lyon", "POT-03 to Oslo"], "mug-02 weighs 850 g");
    let sql_side: Vec<(String, i32)> = select((Parcel::label(), Parcel::weight_grams()))
        .filter(Parcel::weight_grams().ge(1_000))
        .order_by(Parcel::label().desc())
        .all(&engine)?;
    let rust_side: Vec<(String, i32)> = heavy.iter().map(|p| (p.read().label(), p.read().weight_grams())).collect();
    assert_eq!(sql_side, rust_side, "the database and Rust agree");
    session.close()?; // ends its (read) transaction

    println!("-- a stored value that is no variant is a decode error, never a panic");
    engine.execute("UPDATE cth_parcels SET status = 'lost'", &[])?;
    let err = select(Parcel::status).all(&engine).unwrap_err();
    println!("{err}");
    assert!(matches!(err, orm::Error::Decode { .. }));
    Ok(())
}
