//! Profiling helper: runs one orm operation in a loop, for
//! `perf record ./target/release/examples/prof <mode>`.
//!
//! Modes: `insert-session` (default), `insert-core`, `commit-one-each` (1000 sessions
//! inserting one object each), `get-core`, `get-engine` (a checkout per
//! read), `get-raw-sqlite` (the same lookup through rusqlite alone), `get-session`, `get-session-each` (a session per read),
//! `load-session`, `joined` / `selectin` (100 authors with 10 books each, through a
//! relationship loader), `children-session` (10,000 new books linked to a persistent author,
//! one commit), and `get-raw` (the same lookup through a plain `postgres::Client`; needs a
//! PostgreSQL `PROF_URL`). `PROF_URL` picks the database (default in-memory SQLite),
//! `PROF_LOOPS` the number of rounds (default 300; 30 for the insert modes). `batch-session`,
//! `batch-core` and `batch-raw` insert the 10,000 rows `PROF_BATCH` at a time (default 100):
//! a session and commit per batch, an `insert().values_many` per batch, and the raw
//! rusqlite multi-row INSERT per batch; `batch-floor` is `batch-raw` plus the least
//! bookkeeping of a unit of work with an identity map (handles, pending list, keys, map).

use std::error::Error;

use orm::prelude::*;

/// The benchmark table's model.
#[derive(Model, Clone)]
#[orm(table = "bench_users")]
struct Row {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    age: i32,
    score: f64,
}

/// A parent of the relationship modes.
#[derive(Model)]
#[orm(table = "prof_authors")]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    books: orm::HasMany<Book>,
}

/// A child of the relationship modes.
#[derive(Model)]
#[orm(table = "prof_books")]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id)]
    author_id: i64,
    title: String,
    pages: i32,
    author: orm::BelongsTo<Author>,
}

/// `joined` / `selectin`: load every author with its books, `loops` times.
fn relationships(engine: &Engine, mode: &str, loops: usize) -> Result<(), Box<dyn Error>> {
    engine.drop_all(&[Book::table(), Author::table()])?;
    engine.create_all(&[Author::table(), Book::table()])?;
    let authors: Vec<Author> =
        (0..100).map(|i| Author { id: 0, name: format!("author-{i}"), books: orm::HasMany::new() }).collect();
    let ids = insert::<Author>().values_many(&authors).returning_keys(engine)?;
    let books: Vec<Book> = ids
        .iter()
        .flat_map(|&author_id| {
            (0..10).map(move |j| Book {
                id: 0,
                author_id,
                title: format!("book-{author_id}-{j}"),
                pages: 100 + j,
                author: orm::BelongsTo::not_loaded(),
            })
        })
        .collect();
    if mode == "children-session" {
        // 10,000 new books, each linked to a persistent author: one flush of new rows that
        // carry foreign keys through their relationship.
        for _ in 0..loops {
            let mut s = engine.session();
            let author = s.get::<Author>(ids[0])?.ok_or("no author")?;
            let mut adds = Vec::with_capacity(10_000);
            for j in 0..10_000 {
                let mut author_ref = orm::BelongsTo::not_loaded();
                author_ref.assign(Some(author.clone()));
                adds.push(Book { id: 0, author_id: 0, title: format!("new-{j}"), pages: j, author: author_ref });
            }
            s.add_all(adds)?;
            s.commit()?;
        }
        return Ok(());
    }
    insert::<Book>().values_many(&books).execute(engine)?;
    for _ in 0..loops {
        let mut s = engine.session();
        let q = s.query::<Author>();
        let loaded = if mode == "joined" {
            q.options(orm::joinedload(Author::books)).all()?
        } else {
            q.options(orm::selectinload(Author::books)).all()?
        };
        std::hint::black_box(loaded);
    }
    Ok(())
}

/// The raw modes' database: in memory, stored as the orm's `sqlite::memory:` stores it (the
/// memdb VFS, which lets every pooled connection open the same database; its commits copy
/// pages into the database image, which a private `:memory:` database does not), unless
/// `PROF_RAW_PRIVATE` is set.
fn raw_memory() -> rusqlite::Result<rusqlite::Connection> {
    if std::env::var_os("PROF_RAW_PRIVATE").is_some() {
        return rusqlite::Connection::open_in_memory();
    }
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
        | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
        | rusqlite::OpenFlags::SQLITE_OPEN_URI
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    rusqlite::Connection::open_with_flags(format!("file:/prof-raw-{}?vfs=memdb", std::process::id()), flags)
}

/// `get-raw-sqlite`: the keyed lookup of `get-core` through rusqlite alone (its own
/// in-memory database holding the same rows), the baseline of the per-call cost.
fn get_raw_sqlite(rows: &[Row], loops: usize) -> Result<(), Box<dyn Error>> {
    let conn = raw_memory()?;
    conn.execute_batch(
        "CREATE TABLE bench_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL, score REAL NOT NULL)",
    )?;
    {
        let tx = conn.unchecked_transaction()?;
        let mut stmt = tx.prepare("INSERT INTO bench_users (name, age, score) VALUES (?, ?, ?)")?;
        for r in rows {
            stmt.execute(rusqlite::params![r.name, r.age, r.score])?;
        }
        drop(stmt);
        tx.commit()?;
    }
    let sql = "SELECT \"bench_users\".\"id\", \"bench_users\".\"name\", \"bench_users\".\"age\", \"bench_users\".\"score\" FROM \"bench_users\" WHERE \"bench_users\".\"id\" = ?";
    for _ in 0..loops {
        for k in 1..1000i64 {
            let mut stmt = conn.prepare_cached(sql)?;
            let row =
                stmt.query_row([k], |r| Ok(Row { id: r.get(0)?, name: r.get(1)?, age: r.get(2)?, score: r.get(3)? }))?;
            std::hint::black_box(row);
        }
    }
    Ok(())
}

/// The raw batch modes' table, in a database of their own.
fn raw_batch_table() -> rusqlite::Result<rusqlite::Connection> {
    let conn = raw_memory()?;
    conn.execute_batch(
        "CREATE TABLE bench_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL, score REAL NOT NULL)",
    )?;
    Ok(conn)
}

/// The raw batch modes' INSERT of `n` rows.
fn raw_insert_sql(n: usize) -> String {
    format!("INSERT INTO bench_users (name, age, score) VALUES {}", vec!["(?, ?, ?)"; n].join(", "))
}

/// `full` (the INSERT of `batch` rows) for a whole batch, else the INSERT of the `n` rows left.
fn raw_insert_text(full: &str, batch: usize, n: usize) -> std::borrow::Cow<'_, str> {
    if n == batch {
        full.into()
    } else {
        raw_insert_sql(n).into()
    }
}

/// `batch-raw`: the rows of `batch-session` inserted by rusqlite alone, `batch` per prepared
/// multi-row INSERT (the raw side of Diesel's insert case), clones included.
fn batch_raw(rows: &[Row], batch: usize, loops: usize) -> Result<(), Box<dyn Error>> {
    let conn = raw_batch_table()?;
    let full = raw_insert_sql(batch);
    for _ in 0..loops {
        conn.execute_batch("DELETE FROM bench_users")?;
        for chunk in rows.chunks(batch) {
            let chunk: Vec<Row> = chunk.to_vec();
            let mut stmt = conn.prepare_cached(&raw_insert_text(&full, batch, chunk.len()))?;
            for (r, row) in chunk.iter().enumerate() {
                stmt.raw_bind_parameter(3 * r + 1, row.name.as_str())?;
                stmt.raw_bind_parameter(3 * r + 2, row.age)?;
                stmt.raw_bind_parameter(3 * r + 3, row.score)?;
            }
            stmt.raw_execute()?;
        }
    }
    Ok(())
}

/// `batch-floor`: `batch-raw` plus the least bookkeeping any unit of work with an identity
/// map does per object, written by hand: each row moved into a shared handle
/// (`Arc<Mutex<Row>>`), listed as pending, given its generated key after the INSERT (the run
/// of rowids that ends at `last_insert_rowid()`) and registered under it in a hash map that
/// is dropped with the "session". No states, undo log, events or validation: the floor a
/// Session's insert can reach against the raw one.
fn batch_floor(rows: &[Row], batch: usize, loops: usize) -> Result<(), Box<dyn Error>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    let conn = raw_batch_table()?;
    let full = raw_insert_sql(batch);
    for _ in 0..loops {
        conn.execute_batch("DELETE FROM bench_users")?;
        for chunk in rows.chunks(batch) {
            let pending: Vec<Arc<Mutex<Row>>> = chunk.iter().map(|r| Arc::new(Mutex::new(r.clone()))).collect();
            let mut stmt = conn.prepare_cached(&raw_insert_text(&full, batch, chunk.len()))?;
            for (r, obj) in pending.iter().enumerate() {
                let row = obj.lock().map_err(|_| "poisoned")?;
                stmt.raw_bind_parameter(3 * r + 1, row.name.as_str())?;
                stmt.raw_bind_parameter(3 * r + 2, row.age)?;
                stmt.raw_bind_parameter(3 * r + 3, row.score)?;
            }
            stmt.raw_execute()?;
            let last = conn.last_insert_rowid();
            let first = last - i64::try_from(pending.len())? + 1;
            let mut identity: HashMap<i64, Arc<Mutex<Row>>> = HashMap::with_capacity(pending.len());
            for (id, obj) in (first..).zip(&pending) {
                obj.lock().map_err(|_| "poisoned")?.id = id;
                identity.insert(id, obj.clone());
            }
            std::hint::black_box((&pending, &identity));
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "insert-session".into());
    // `PROF_URL` profiles another database (its `bench_users` table is replaced).
    let url = std::env::var("PROF_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::connect(&url)?;
    let loops = |default: usize| std::env::var("PROF_LOOPS").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    if mode == "joined" || mode == "selectin" || mode == "children-session" {
        return relationships(&engine, &mode, loops(300));
    }
    engine.drop_all(&[Row::table()])?;
    engine.create_all(&[Row::table()])?;
    let rows: Vec<Row> = (0..10_000).map(|i| Row { id: 0, name: format!("user{i}"), age: i, score: 1.5 }).collect();
    // `batch-*`: the 10,000 rows in calls of `PROF_BATCH` rows each (default 100, Diesel's
    // insert case): the per-call cost at small sizes.
    let batch = std::env::var("PROF_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    if mode == "batch-session" || mode == "batch-core" {
        for _ in 0..loops(30) {
            delete::<Row>().all_rows().execute(&engine)?;
            for chunk in rows.chunks(batch) {
                if mode == "batch-core" {
                    insert::<Row>().values_many(chunk).execute(&engine)?;
                } else {
                    let mut s = engine.session();
                    s.add_all(chunk.iter().cloned())?;
                    s.commit()?;
                }
            }
        }
        return Ok(());
    }
    if mode == "batch-raw" {
        return batch_raw(&rows, batch, loops(30));
    }
    if mode == "batch-floor" {
        return batch_floor(&rows, batch, loops(30));
    }
    if mode.starts_with("insert") {
        for _ in 0..loops(30) {
            delete::<Row>().all_rows().execute(&engine)?;
            if mode == "insert-core" {
                insert::<Row>().values_many(&rows).execute(&engine)?;
            } else {
                let mut s = engine.session();
                s.add_all(rows.iter().cloned())?;
                s.commit()?;
            }
        }
        return Ok(());
    }
    if mode == "get-raw-sqlite" {
        return get_raw_sqlite(&rows, loops(300));
    }
    insert::<Row>().values_many(&rows).execute(&engine)?;
    let mut conn = engine.connection()?;
    // Like the raw side: each read on its own, no transaction around them.
    conn.set_autocommit(true)?;
    for _ in 0..loops(300) {
        match mode.as_str() {
            "get-core" => {
                for k in 1..1000i64 {
                    std::hint::black_box(select_model::<Row>().filter(Row::id.eq(k)).first(&mut conn)?);
                }
            }
            "get-engine" => {
                // A pool checkout per call, as `&engine` users write it.
                for k in 1..1000i64 {
                    std::hint::black_box(select_model::<Row>().filter(Row::id.eq(k)).first(&engine)?);
                }
            }
            "get-session-each" => {
                // A session per read, as a request handler would.
                for k in 1..1000i64 {
                    let mut s = engine.session();
                    std::hint::black_box(s.get::<Row>(k)?);
                }
            }
            "get-session" => {
                let mut s = engine.session();
                for k in 1..1000i64 {
                    std::hint::black_box(s.get::<Row>(k)?);
                }
            }
            "get-raw" => {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                let stmt = client.prepare("SELECT \"bench_users\".\"id\", \"bench_users\".\"name\", \"bench_users\".\"age\", \"bench_users\".\"score\" FROM \"bench_users\" WHERE \"bench_users\".\"id\" = $1")?;
                for k in 1..1000i64 {
                    std::hint::black_box(client.query_one(&stmt, &[&k])?.get::<_, String>(1));
                }
            }
            "commit-one-each" => {
                // A session per inserted object: the fixed cost of add + commit + close.
                for row in rows.iter().take(1000) {
                    let mut s = engine.session();
                    s.add(row.clone())?;
                    s.commit()?;
                }
            }
            "load-session" => {
                let mut s = engine.session();
                std::hint::black_box(s.query::<Row>().all()?);
            }
            other => return Err(format!("unknown mode {other}").into()),
        }
    }
    Ok(())
}
