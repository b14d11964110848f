//! Concurrency control: the read-modify-write that loses updates at READ COMMITTED, and the
//! four ways to keep every one of them — `retry_transaction` (SERIALIZABLE / BEGIN
//! IMMEDIATE), REPEATABLE READ with retries, a row lock (`get_for_update`) and a version
//! column (`#[orm(version)]`). Eight threads increment one counter 200 times each in every
//! mode; the table shows the final value (1,600 when nothing was lost), the throughput and
//! the retries.
//!
//! Run with `cargo run --example concurrency` (a SQLite file in a temporary directory), or
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example concurrency`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use orm::prelude::*;

const THREADS: u64 = 8;
const PER_THREAD: u64 = 200;

#[derive(Model, Debug)]
#[orm(table = "cx_counters")]
struct Counter {
    #[orm(primary_key)]
    id: i64,
    n: i64,
}

/// The same counter with a version column: every UPDATE checks and bumps it.
#[derive(Model, Debug)]
#[orm(table = "cx_versioned")]
struct VersionedCounter {
    #[orm(primary_key)]
    id: i64,
    n: i64,
    #[orm(version)]
    version: i64,
}

/// Run `increment` THREADS × PER_THREAD times on as many threads; it counts its attempts.
fn hammer(
    engine: &Engine,
    increment: impl Fn(&Engine, &AtomicU64) -> orm::Result<()> + Send + Sync + 'static,
) -> orm::Result<(f64, u64)> {
    let increment = Arc::new(increment);
    let attempts = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (engine, increment, attempts) = (engine.clone(), increment.clone(), attempts.clone());
            std::thread::spawn(move || (0..PER_THREAD).try_for_each(|_| increment(&engine, &attempts)))
        })
        .collect();
    for w in workers {
        w.join().expect("worker")?;
    }
    let tps = (THREADS * PER_THREAD) as f64 / start.elapsed().as_secs_f64();
    Ok((tps, attempts.load(Ordering::Relaxed).saturating_sub(THREADS * PER_THREAD)))
}

fn reset(engine: &Engine) -> orm::Result<()> {
    update::<Counter>().set(Counter::n, 0).all_rows().execute(engine)?;
    update::<VersionedCounter>().set(VersionedCounter::n, 0).all_rows().execute(engine).map(drop)
}

fn main() -> orm::Result<()> {
    let dir = std::env::temp_dir().join(format!("orm-concurrency-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite:///{}", dir.join("counter.sqlite").display()));
    let engine = Engine::builder(&url).pool_size(9).build()?;
    engine.drop_all(&[Counter::table(), VersionedCounter::table()])?;
    engine.create_all(&[Counter::table(), VersionedCounter::table()])?;
    insert::<Counter>().values(&Counter { id: 1, n: 0 }).execute(&engine)?;
    insert::<VersionedCounter>().values(&VersionedCounter { id: 1, n: 0, version: 0 }).execute(&engine)?;
    println!("{} threads x {} increments of one row on {:?}\n", THREADS, PER_THREAD, engine.dialect_kind());
    println!("{:46} {:>6} {:>9} {:>8}", "mode", "n", "tx/s", "retries");
    let report = |mode: &str, n: i64, (tps, retries): (f64, u64)| println!("{mode:46} {n:>6} {tps:>9.0} {retries:>8}");

    // Unprotected: a plain session at READ COMMITTED reads, then writes what it read + 1.
    // Concurrent increments overwrite each other (errors are ignored here on purpose).
    let run = hammer(&engine, |engine, attempts| {
        attempts.fetch_add(1, Ordering::Relaxed);
        let mut s = engine.session();
        if let Ok(Some(c)) = s.get::<Counter>(1) {
            c.write().n += 1;
            let _ = s.commit();
        }
        Ok(())
    })?;
    report("unprotected (READ COMMITTED, lost updates)", select(Counter::n).one(&engine)?, run);

    // 1. retry_transaction: SERIALIZABLE on PostgreSQL, BEGIN IMMEDIATE on SQLite.
    reset(&engine)?;
    let run = hammer(&engine, |engine, attempts| {
        engine.retry_transaction(100, |s| {
            attempts.fetch_add(1, Ordering::Relaxed);
            let c = s.get::<Counter>(1)?.expect("counter");
            c.write().n += 1;
            Ok(())
        })
    })?;
    report("retry_transaction", select(Counter::n).one(&engine)?, run);

    // 2. REPEATABLE READ: the conflict is raised (serialization failure / stale snapshot)
    //    and the retry runs the transaction again.
    reset(&engine)?;
    let rr = TransactionOptions::new().isolation(IsolationLevel::RepeatableRead).immediate(false);
    let run = hammer(&engine, move |engine, attempts| {
        engine.retry_transaction_with(rr, 500, |s| {
            attempts.fetch_add(1, Ordering::Relaxed);
            let c = s.get::<Counter>(1)?.expect("counter");
            c.write().n += 1;
            Ok(())
        })
    })?;
    report("REPEATABLE READ + retry", select(Counter::n).one(&engine)?, run);

    // 3. A row lock: writers queue on the row, nothing to retry.
    reset(&engine)?;
    let run = hammer(&engine, |engine, attempts| {
        attempts.fetch_add(1, Ordering::Relaxed);
        engine.session().transaction(|s| {
            let c = s.get_for_update::<Counter>(1)?.expect("counter");
            c.write().n += 1;
            Ok(())
        })
    })?;
    report("get_for_update (row lock)", select(Counter::n).one(&engine)?, run);

    // 4. A version column at READ COMMITTED: a lost race is StaleData, retried.
    reset(&engine)?;
    let run = hammer(&engine, |engine, attempts| {
        engine.retry_transaction_with(IsolationLevel::ReadCommitted, 500, |s| {
            attempts.fetch_add(1, Ordering::Relaxed);
            let c = s.get::<VersionedCounter>(1)?.expect("counter");
            c.write().n += 1;
            Ok(())
        })
    })?;
    report("version column + retry", select(VersionedCounter::n).one(&engine)?, run);

    engine.drop_all(&[Counter::table(), VersionedCounter::table()])?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
