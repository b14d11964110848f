//! Profiling helper: runs one orm operation in a loop for `perf record` (session insert by
//! default; `core`, `get`, `sget` or `load` as the first argument).

use orm::prelude::*;
#[derive(Model, Clone)]
#[orm(table = "bench_users")]
struct B {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    age: i32,
    score: f64,
}
fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let engine = Engine::connect("sqlite::memory:").unwrap();
    engine.create_all(&[B::table()]).unwrap();
    let rows: Vec<B> = (0..10000).map(|i| B { id: 0, name: format!("user{i}"), age: i, score: 1.5 }).collect();
    if what == "sparts" {
        for _ in 0..5 {
            orm::delete::<B>().all_rows().execute(&engine).unwrap();
            let t = std::time::Instant::now();
            let cloned: Vec<B> = rows.iter().cloned().collect();
            let c = t.elapsed();
            let mut s = engine.session();
            let t = std::time::Instant::now();
            for r in cloned {
                s.add(r).unwrap();
            }
            let a = t.elapsed();
            let t = std::time::Instant::now();
            s.flush().unwrap();
            let f = t.elapsed();
            let t = std::time::Instant::now();
            s.commit().unwrap();
            let cm = t.elapsed();
            let t = std::time::Instant::now();
            drop(s);
            let d = t.elapsed();
            println!("clone {c:?} add {a:?} flush {f:?} commit {cm:?} drop {d:?}");
        }
        return;
    }
    if what == "pg" {
        let url = "postgres://postgres@127.0.0.1:5432/test";
        let mut raw = postgres::Client::connect(url, postgres::NoTls).unwrap();
        raw.batch_execute("DROP TABLE IF EXISTS prof_t; CREATE TABLE prof_t (id BIGINT PRIMARY KEY, name TEXT)")
            .unwrap();
        raw.batch_execute("INSERT INTO prof_t SELECT g, 'n' || g FROM generate_series(1, 1000) g").unwrap();
        let engine = Engine::connect(url).unwrap();
        let mut conn = engine.connection().unwrap();
        let stmt = raw.prepare("SELECT id, name FROM prof_t WHERE id = $1").unwrap();
        for round in 0..4 {
            let t = std::time::Instant::now();
            for k in 1..1000i64 {
                std::hint::black_box(raw.query(&stmt, &[&k]).unwrap());
            }
            let a = t.elapsed() / 1000;
            let t = std::time::Instant::now();
            for k in 1..1000i64 {
                conn.query("SELECT id, name FROM prof_t WHERE id = $1", &[orm::Value::I64(k)], |_| Ok(())).unwrap();
            }
            let b = t.elapsed() / 1000;
            println!("round {round}: raw {a:?} orm conn.query {b:?}");
        }
        raw.batch_execute("DROP TABLE prof_t").unwrap();
        return;
    }
    if what == "parts" {
        orm::insert::<B>().values_many(&rows).execute(&engine).unwrap();
        let mut conn = engine.connection().unwrap();
        let n = 200_000i64;
        let t = std::time::Instant::now();
        for k in 0..n {
            std::hint::black_box(orm::select_model::<B>().filter(B::id.eq(k)));
        }
        println!("build: {:?}/op", t.elapsed() / n as u32);
        let t = std::time::Instant::now();
        for k in 0..n {
            let q = orm::select_model::<B>().filter(B::id.eq(k));
            std::hint::black_box(q.render(&orm::dialect::Sqlite).unwrap());
        }
        println!("build+render: {:?}/op", t.elapsed() / n as u32);
        let t = std::time::Instant::now();
        for k in 0..n {
            std::hint::black_box(conn.query("SELECT \"bench_users\".\"id\", \"bench_users\".\"name\", \"bench_users\".\"age\", \"bench_users\".\"score\" FROM \"bench_users\" WHERE \"bench_users\".\"id\" = ?", &[orm::Value::I64(k % 9000 + 1)], |_| Ok(())).unwrap());
        }
        println!("conn.query (cached stmt): {:?}/op", t.elapsed() / n as u32);
        let t = std::time::Instant::now();
        for k in 0..n {
            std::hint::black_box(orm::select_model::<B>().filter(B::id.eq(k % 9000 + 1)).one(&mut conn).unwrap());
        }
        println!("full get: {:?}/op", t.elapsed() / n as u32);
        for path in [":memory:", "file:/rawmemdb?vfs=memdb"] {
            let raw = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
                    | rusqlite::OpenFlags::SQLITE_OPEN_URI,
            )
            .unwrap();
            raw.execute_batch("CREATE TABLE bench_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL, score DOUBLE PRECISION NOT NULL)").unwrap();
            for i in 0..10000 {
                raw.execute(
                    "INSERT INTO bench_users (name, age, score) VALUES (?1, ?2, ?3)",
                    rusqlite::params![format!("u{i}"), i, 1.5],
                )
                .unwrap();
            }
            let mut stmt = raw.prepare("SELECT id, name, age, score FROM bench_users WHERE id = ?1").unwrap();
            let t = std::time::Instant::now();
            for k in 0..n {
                std::hint::black_box(
                    stmt.query_row([k % 9000 + 1], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i32>(2)?, r.get::<_, f64>(3)?))
                    })
                    .unwrap(),
                );
            }
            println!("raw get on {path}: {:?}/op", t.elapsed() / n as u32);
        }
        return;
    }
    if what == "get" || what == "sget" || what == "load" {
        orm::insert::<B>().values_many(&rows).execute(&engine).unwrap();
        let mut conn = engine.connection().unwrap();
        for _ in 0..300 {
            if what == "get" {
                for k in 1..1000i64 {
                    let _ = orm::select_model::<B>().filter(B::id.eq(k)).one(&mut conn).unwrap();
                }
            } else if what == "sget" {
                let mut s = engine.session();
                for k in 1..1000i64 {
                    let _ = s.get::<B>(k).unwrap();
                }
            } else {
                let mut s = engine.session();
                let _ = s.query::<B>().all().unwrap();
            }
        }
        return;
    }
    for _ in 0..30 {
        orm::delete::<B>().all_rows().execute(&engine).unwrap();
        if what == "core" {
            orm::insert::<B>().values_many(&rows).execute(&engine).unwrap();
        } else {
            let mut s = engine.session();
            for r in &rows {
                s.add(r.clone()).unwrap();
            }
            s.commit().unwrap();
        }
    }
}
