//! `--async`: what the async session costs over the sync one, per call, on each backend:
//! get by key, load 100 rows, insert 100 objects and commit. Each call makes its own session
//! (so a get is never answered from the identity map), as a request handler would.
//!
//! The async side runs on a multi-threaded tokio runtime of two workers (this machine's
//! cores), from a spawned task, as a service's handlers do, once with each [`Runs`]: each
//! call one hop to the blocking pool, or in place (`block_in_place`). `add_all` runs in
//! place either way.

use std::error::Error;
use std::time::{Duration, Instant};

use orm::asyncio::{AsyncEngine, Runs};
use orm::prelude::*;

/// A row of the bench table.
#[derive(Model, Debug)]
#[orm(table = "async_bench_items")]
struct Item {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    n: i64,
}

fn item(i: i64) -> Item {
    Item { id: 0, name: format!("item {i}"), n: i }
}

/// Rows seeded before timing.
const SEEDED: i64 = 1000;

/// One operation's medians.
struct Line {
    name: &'static str,
    sync: Duration,
    /// [`Runs::OnBlockingPool`].
    pool: Duration,
    /// [`Runs::InPlace`].
    in_place: Duration,
}

/// Run on SQLite (in memory) and on PostgreSQL at `pg_url` (in schema `schema`, made and
/// dropped here), printing a table per backend.
pub(crate) fn run(pg_url: &str, iters: usize) -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    println!("async session against sync session, per call (median of {iters} batches; each call a new session)");
    let sqlite = Engine::connect("sqlite::memory:")?;
    print("SQLite (in-memory)", &measure(&runtime, &sqlite, iters)?);
    let schema = format!("async_bench_{}", std::process::id());
    let admin = Engine::connect(pg_url)?;
    admin.execute(orm::RawSql::audited(format!("CREATE SCHEMA \"{schema}\"")), &[])?;
    let result = Engine::builder(pg_url).search_path(&schema).build().map_err(Into::into).and_then(|pg| {
        let lines = measure(&runtime, &pg, iters);
        drop(pg);
        lines
    });
    admin.execute(orm::RawSql::audited(format!("DROP SCHEMA \"{schema}\" CASCADE")), &[])?;
    print("PostgreSQL", &result?);
    Ok(())
}

fn measure(runtime: &tokio::runtime::Runtime, engine: &Engine, iters: usize) -> Result<Vec<Line>, Box<dyn Error>> {
    engine.drop_all(&[Item::table()])?;
    engine.create_all(&[Item::table()])?;
    let mut s = engine.session();
    s.add_all((0..SEEDED).map(item))?;
    s.commit()?;
    let per_batch = [(2000, "get by key"), (200, "load 100 rows"), (50, "insert 100 objects")];
    let mut lines = Vec::new();
    for (calls, name) in per_batch {
        let (mut sync, mut pool, mut in_place) = (Vec::new(), Vec::new(), Vec::new());
        // One warm-up batch of each, then the timed ones, interleaved.
        for round in 0..=iters {
            let t = sync_batch(engine, name, calls)?;
            let mut each = [Duration::ZERO; 2];
            for (slot, runs) in each.iter_mut().zip([Runs::OnBlockingPool, Runs::InPlace]) {
                let engine = AsyncEngine::from(engine.clone()).runs(runs);
                *slot = runtime.block_on(async move { tokio::spawn(async_batch(engine, name, calls)).await })??;
            }
            if round > 0 {
                sync.push(t / calls);
                pool.push(each[0] / calls);
                in_place.push(each[1] / calls);
            }
        }
        lines.push(Line { name, sync: median(sync), pool: median(pool), in_place: median(in_place) });
    }
    Ok(lines)
}

fn sync_batch(engine: &Engine, op: &str, calls: u32) -> orm::Result<Duration> {
    let start = Instant::now();
    for i in 0..i64::from(calls) {
        let mut s = engine.session();
        match op {
            "get by key" => {
                let found = s.get::<Item>(1 + (i * 37) % SEEDED)?;
                assert!(found.is_some());
            }
            "load 100 rows" => assert_eq!(s.query::<Item>().limit(100).all()?.len(), 100),
            _ => {
                s.add_all((0..100).map(item))?;
                s.commit()?;
            }
        }
    }
    Ok(start.elapsed())
}

async fn async_batch(engine: AsyncEngine, op: &'static str, calls: u32) -> orm::Result<Duration> {
    let start = Instant::now();
    for i in 0..i64::from(calls) {
        let s = engine.session();
        match op {
            "get by key" => {
                let found = s.get::<Item>(1 + (i * 37) % SEEDED).await?;
                assert!(found.is_some());
            }
            "load 100 rows" => assert_eq!(s.query::<Item>().limit(100).all().await?.len(), 100),
            _ => {
                s.add_all((0..100).map(item)).await?;
                s.commit().await?;
            }
        }
    }
    Ok(start.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn print(backend: &str, lines: &[Line]) {
    println!();
    println!("{backend}");
    println!("| operation | sync | async, blocking pool | ratio | async, in place | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    for l in lines {
        println!(
            "| {} | {:.1} µs | {:.1} µs | {:.2} | {:.1} µs | {:.2} |",
            l.name,
            us(l.sync),
            us(l.pool),
            us(l.pool) / us(l.sync),
            us(l.in_place),
            us(l.in_place) / us(l.sync),
        );
    }
}
