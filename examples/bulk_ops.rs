//! Bulk operations: a Core INSERT of 10,000 rows, and query-level UPDATE / DELETE through a
//! Session that keep the identity map consistent.
//!
//! Run with `cargo run --example bulk_ops` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL).
//!
//! How the session stays in step with a bulk statement (SQLAlchemy's `synchronize_session=
//! "fetch"`, done in the same statement): `bulk_update` / `bulk_delete` autoflush first, then
//! run one `UPDATE ... RETURNING` / `DELETE ... RETURNING`, and apply the returned rows to the
//! objects the session holds:
//! - updated rows: an object not written since it was loaded takes the new values at once; one
//!   written since (possible with autoflush off) keeps your writes and is expired, so the next
//!   query, `get` or `refresh` of its row reads it again;
//! - deleted rows: the object becomes `Deleted` and leaves the identity map (detached at commit).
//!
//! A rollback undoes both. Mapper listeners (`before_write` / `after_write`) do not run for bulk
//! statements. A Core `update().execute(&engine)` runs outside any session: no object follows it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use orm::prelude::*;

/// A sensor reading.
#[derive(Model, Debug)]
#[orm(table = "bulk_readings")]
struct Reading {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 20, index)]
    sensor: String,
    value: f64,
    flagged: bool,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let (echo, statements) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicUsize::new(0)));
    let (echoing, counter) = (echo.clone(), statements.clone());
    let engine = Engine::builder(&url)
        .before_execute(move |sql, params| {
            counter.fetch_add(1, Ordering::Relaxed);
            if echoing.load(Ordering::Relaxed) {
                println!("  SQL: {sql}  {params:?}");
            }
        })
        .build()?;
    engine.drop_all(&[Reading::table()])?;
    engine.create_all(&[Reading::table()])?;

    println!("-- Core insert of 10,000 rows in one call (statements counted, not printed)");
    let rows: Vec<Reading> = (0..10_000)
        .map(|i| Reading { id: 0, sensor: format!("sensor-{}", i % 10), value: f64::from(i % 1000), flagged: false })
        .collect();
    echo.store(false, Ordering::Relaxed);
    statements.store(0, Ordering::Relaxed);
    let start = Instant::now();
    let inserted = insert::<Reading>().values_many(&rows).execute(&engine)?;
    let elapsed = start.elapsed();
    echo.store(true, Ordering::Relaxed);
    // The rows go in batches, in one transaction: BEGIN, the INSERTs, COMMIT. Each dialect has
    // its own batch size (see the `insert` docs), hence the different counts on each database.
    println!("inserted {inserted} rows in {elapsed:?} ({} statements)", statements.load(Ordering::Relaxed));
    assert_eq!(inserted, 10_000);
    assert_eq!(select(func::count_all()).from::<Reading>().one(&engine)?, 10_000);

    let mut s = engine.session();
    let high = s.query::<Reading>().filter(Reading::value.eq(995.0)).order_by(Reading::id.asc()).first()?;
    let low = s.query::<Reading>().filter(Reading::value.eq(5.0)).order_by(Reading::id.asc()).first()?;
    let (high, low) = (high.expect("a reading of 995"), low.expect("a reading of 5"));
    let (high_id, low_id) = (high.read().id, low.read().id);

    println!("-- bulk_update: one UPDATE ... RETURNING; a loaded object shows the new value at once");
    let updated = s.bulk_update(update::<Reading>().set(Reading::flagged, true).filter(Reading::value.ge(990.0)))?;
    println!("flagged {updated} rows");
    assert_eq!(updated, 100);
    assert!(high.read().flagged && !s.is_modified(&high), "new values from the database are not changes");

    println!("-- autoflush off: an unflushed write is kept, and the object is expired instead");
    s.set_autoflush(false);
    high.write().sensor = "recalibrated".into();
    s.bulk_update(update::<Reading>().set(Reading::value, Reading::value + 0.5).filter(Reading::id.eq(high_id)))?;
    assert!(high.is_expired());
    assert_eq!((high.read().sensor.as_str(), high.read().value), ("recalibrated", 995.0));
    s.set_autoflush(true);
    s.flush()?; // writes the sensor
    s.refresh(&high)?; // reads the row: both changes
    assert_eq!((high.read().sensor.as_str(), high.read().value), ("recalibrated", 995.5));

    println!("-- bulk_delete: a loaded object of a deleted row is Deleted and leaves the session");
    let deleted = s.bulk_delete(delete::<Reading>().filter(Reading::value.lt(10.0)))?;
    println!("deleted {deleted} rows");
    assert_eq!(deleted, 100);
    assert_eq!(low.state(), ObjectState::Deleted);
    assert!(s.get::<Reading>(low_id)?.is_none(), "get() does not return it");
    s.commit()?;
    assert_eq!(low.state(), ObjectState::Detached);

    let left: i64 = select(func::count_all()).from::<Reading>().one(&engine)?;
    let flagged: i64 = select(func::count_all()).from::<Reading>().filter(Reading::flagged.eq(true)).one(&engine)?;
    println!("{left} rows left, {flagged} flagged");
    assert_eq!((left, flagged), (9_900, 100));
    Ok(())
}
