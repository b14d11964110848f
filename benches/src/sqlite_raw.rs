//! The raw rusqlite baseline: an in-memory connection and cached prepared statements.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, OpenFlags};

use crate::model::BenchUser;
use crate::raw::{multi_row_insert, BenchResult, RawBackend, RawUser};

/// The same table the orm creates on SQLite (`INTEGER PRIMARY KEY` is the rowid alias).
const DDL: &str = "CREATE TABLE bench_users (\
    id INTEGER PRIMARY KEY, \
    name TEXT NOT NULL, \
    age INTEGER NOT NULL, \
    score DOUBLE PRECISION NOT NULL)";
const INSERT: &str = "INSERT INTO bench_users (name, age, score) VALUES (?1, ?2, ?3)";
const LOAD: &str = "SELECT id, name, age, score FROM bench_users";
const GET: &str = "SELECT id, name, age, score FROM bench_users WHERE id = ?1";
/// SQLite's bind-parameter limit (`SQLITE_MAX_VARIABLE_NUMBER`).
const MAX_PARAMS: usize = 32_766;

/// Open a new in-memory database stored as the orm's `sqlite::memory:` stores it: in the
/// memdb VFS, which lets every connection of a pool open the same database. A commit there
/// copies the changed pages into the database image, which a private `:memory:` database
/// (one connection only) skips: a one-row autocommit INSERT takes about 16,800 instructions
/// on memdb against 10,200 on `:memory:` (callgrind, `benches/examples/prof batch-raw`).
/// The raw side runs on the same storage as the orm, so that a ratio measures the orm.
pub(crate) fn open_memory() -> rusqlite::Result<Connection> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(format!("file:/orm-bench-raw-{}-{n}?vfs=memdb", std::process::id()), flags)
}

/// An in-memory SQLite database driven through rusqlite directly.
#[derive(Debug)]
pub(crate) struct SqliteRaw {
    conn: Connection,
    /// The text of the multi-row INSERT of each row count used so far.
    batch_sql: HashMap<usize, String>,
}

impl SqliteRaw {
    /// Open an in-memory database ([`open_memory`]) and create the table.
    pub(crate) fn open() -> BenchResult<Self> {
        let conn = open_memory()?;
        conn.execute_batch(DDL)?;
        Ok(SqliteRaw { conn, batch_sql: HashMap::new() })
    }
}

/// Decode one `SELECT id, name, age, score` row.
fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser { id: row.get(0)?, name: row.get(1)?, age: row.get(2)?, score: row.get(3)? })
}

impl RawBackend for SqliteRaw {
    fn reset(&mut self) -> BenchResult<()> {
        self.conn.execute("DELETE FROM bench_users", [])?;
        Ok(())
    }

    fn count(&mut self) -> BenchResult<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM bench_users", [], |r| r.get(0))?)
    }

    fn insert(&mut self, rows: &[BenchUser]) -> BenchResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(INSERT)?;
            for u in rows {
                stmt.execute(rusqlite::params![u.name, u.age, u.score])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn insert_batched(&mut self, rows: &[BenchUser], batch: usize) -> BenchResult<()> {
        if batch == 0 || batch * 3 > MAX_PARAMS {
            return Err(format!("{batch} rows per statement: outside 1..={}", MAX_PARAMS / 3).into());
        }
        let SqliteRaw { conn, batch_sql } = self;
        // The texts outside the transaction (and, after the first run, not built at all).
        for n in [batch.min(rows.len()), rows.len() % batch].into_iter().filter(|&n| n > 0) {
            batch_sql.entry(n).or_insert_with(|| multi_row_insert(n, |_| "?".into()));
        }
        let tx = conn.transaction()?;
        for chunk in rows.chunks(batch) {
            // Prepared on first use, then taken from rusqlite's statement cache.
            let mut stmt = tx.prepare_cached(&batch_sql[&chunk.len()])?;
            for (r, u) in chunk.iter().enumerate() {
                let p = 3 * r;
                stmt.raw_bind_parameter(p + 1, u.name.as_str())?;
                stmt.raw_bind_parameter(p + 2, u.age)?;
                stmt.raw_bind_parameter(p + 3, u.score)?;
            }
            let inserted = stmt.raw_execute()?;
            if inserted != chunk.len() {
                return Err(format!("batch of {} rows inserted {inserted}", chunk.len()).into());
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn load(&mut self) -> BenchResult<Vec<RawUser>> {
        let mut stmt = self.conn.prepare_cached(LOAD)?;
        let rows = stmt.query_map([], decode)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn get_each(&mut self, keys: &[i64]) -> BenchResult<Vec<RawUser>> {
        let mut stmt = self.conn.prepare_cached(GET)?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(stmt.query_row([k], decode)?);
        }
        Ok(out)
    }
}
