//! Peak memory of reading many rows, per way of reading them (issue 14, "Memory and large
//! results"): `cargo run --release -p orm-benches --example memory -- <mode> [rows]`, once per
//! mode and database (`PROF_URL=postgres://...` for PostgreSQL).
//!
//! Modes: `core-all` (`select_model().all()`), `core-for-each` (`for_each`, nothing kept),
//! `session-all` (`query().all()`), `session-yield` (`query().yield_per(1000, ..)`, nothing
//! kept), `raw` (the driver's own rows mapped into structs, collected). `PROF_URL` picks the
//! database (default in-memory SQLite). The table is filled first; then the peak-RSS mark is
//! reset (`/proc/self/clear_refs`), and the line printed is the peak RSS reached while
//! reading, above what the process held before (MiB), and how long the read took.

use std::error::Error;

use orm::prelude::*;

/// The rows read.
#[derive(Model, Clone)]
#[orm(table = "mem_users")]
struct Row {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    age: i32,
    score: f64,
}

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> Result<u64, Box<dyn Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with(field)).ok_or("no such field")?;
    Ok(line.split_whitespace().nth(1).ok_or("no value")?.parse()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "core-all".into());
    let rows: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(200_000);
    let url = std::env::var("PROF_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).pool_size(1).build()?;
    engine.drop_all(&[Row::table()])?;
    engine.create_all(&[Row::table()])?;
    {
        let data: Vec<Row> =
            (0..rows).map(|i| Row { id: 0, name: format!("user-{i:07}"), age: 18, score: 1.5 }).collect();
        insert::<Row>().values_many(&data).execute(&engine)?;
    }
    std::fs::write("/proc/self/clear_refs", "5")?;
    let before = status_kib("VmRSS:")?;
    let start = std::time::Instant::now();
    let seen = match mode.as_str() {
        "core-all" => select_model::<Row>().all(&engine)?.len(),
        "core-for-each" => {
            let mut n = 0;
            select_model::<Row>().for_each(&engine, |r| {
                n += usize::from(!r.name.is_empty());
                Ok(())
            })?;
            n
        }
        "session-all" => engine.session().query::<Row>().all()?.len(),
        "session-yield" => {
            let mut n = 0;
            engine.session().query::<Row>().yield_per(1000, |batch| {
                n += batch.len();
                Ok(())
            })?;
            n
        }
        "raw" => raw(&url)?,
        other => return Err(format!("unknown mode {other}").into()),
    };
    let took = start.elapsed();
    let peak = status_kib("VmHWM:")?;
    if seen != rows {
        return Err(format!("read {seen} rows, expected {rows}").into());
    }
    #[allow(clippy::cast_precision_loss)]
    let mib = peak.saturating_sub(before) as f64 / 1024.0;
    println!("{mode:<14} {rows} rows: +{mib:.1} MiB peak, {:.1} ms", took.as_secs_f64() * 1000.0);
    Ok(())
}

/// The driver's own rows, mapped into structs and collected.
fn raw(url: &str) -> Result<usize, Box<dyn Error>> {
    let sql = "SELECT id, name, age, score FROM mem_users";
    if url.starts_with("sqlite") {
        // The in-memory database belongs to the engine's pool: count through the orm instead.
        return Err("raw mode needs PostgreSQL (PROF_URL)".into());
    }
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let rows: Vec<(i64, String, i32, f64)> =
        client.query(sql, &[])?.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    Ok(rows.len())
}
