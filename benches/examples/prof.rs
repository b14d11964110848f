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
