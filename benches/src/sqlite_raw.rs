//! The raw rusqlite baseline: a plain in-memory connection and cached prepared statements.

use rusqlite::Connection;

use crate::model::BenchUser;
use crate::raw::{BenchResult, RawBackend, RawUser};

/// The same table the orm creates on SQLite (`INTEGER PRIMARY KEY` is the rowid alias).
const DDL: &str = "CREATE TABLE bench_users (\
    id INTEGER PRIMARY KEY, \
    name TEXT NOT NULL, \
    age INTEGER NOT NULL, \
    score DOUBLE PRECISION NOT NULL)";
const INSERT: &str = "INSERT INTO bench_users (name, age, score) VALUES (?1, ?2, ?3)";
const LOAD: &str = "SELECT id, name, age, score FROM bench_users";
const GET: &str = "SELECT id, name, age, score FROM bench_users WHERE id = ?1";

/// A private in-memory SQLite database driven through rusqlite directly.
#[derive(Debug)]
pub(crate) struct SqliteRaw {
    conn: Connection,
}

impl SqliteRaw {
    /// Open `:memory:` and create the table.
    pub(crate) fn open() -> BenchResult<Self> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(DDL)?;
        Ok(SqliteRaw { conn })
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
