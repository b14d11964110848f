//! The orm side of every operation, on either backend.

use orm::{
    DialectKind, Engine, Expression as _, Fetch as _, FetchObjects as _, Obj, OrderLimit as _, QueryBuilder as _,
};

use crate::model::{table, BenchUser};
use crate::raw::BenchResult;

/// Gets per session in [`OrmSide::get_each_session`]: a fresh session every this many keys,
/// so the identity map stays small and never answers a lookup from memory.
pub(crate) const GETS_PER_SESSION: usize = 1000;

/// Rows per multi-row INSERT statement of the orm's Core bulk insert of [`BenchUser`] rows.
pub(crate) fn rows_per_statement(kind: DialectKind) -> usize {
    orm::query::Insert::<BenchUser>::rows_per_statement(kind.dialect())
}

/// An orm engine with the `bench_users` table created.
#[derive(Debug)]
pub(crate) struct OrmSide {
    engine: Engine,
}

impl OrmSide {
    /// An in-memory SQLite engine (`sqlite::memory:`).
    pub(crate) fn sqlite() -> BenchResult<Self> {
        Self::with_engine(Engine::connect("sqlite::memory:")?)
    }

    /// A PostgreSQL engine whose connections use `schema` as their `search_path`.
    pub(crate) fn postgres(url: &str, schema: &str) -> BenchResult<Self> {
        Self::with_engine(Engine::builder(url).search_path(schema).build()?)
    }

    fn with_engine(engine: Engine) -> BenchResult<Self> {
        engine.create_all(&[table()])?;
        Ok(OrmSide { engine })
    }

    /// Empty the table (untimed); generated ids start at 1 again, as on the raw side.
    pub(crate) fn reset(&self) -> BenchResult<()> {
        match self.engine.dialect_kind() {
            // DELETE without WHERE is SQLite's truncate; an INTEGER PRIMARY KEY (no
            // AUTOINCREMENT) then restarts at 1.
            DialectKind::Sqlite => {
                orm::delete::<BenchUser>().all_rows().execute(&self.engine)?;
            }
            // TRUNCATE rather than DELETE: no dead tuples pile up across iterations.
            DialectKind::Postgres => {
                self.engine.execute("TRUNCATE bench_users RESTART IDENTITY", &[])?;
            }
        }
        Ok(())
    }

    /// Number of rows in the table (untimed check).
    pub(crate) fn count(&self) -> BenchResult<i64> {
        Ok(orm::select(orm::func::count_all()).from::<BenchUser>().one(&self.engine)?)
    }

    /// Tracked path: add every row to one session and commit (one INSERT ... RETURNING per
    /// row inside the session's transaction). `add` takes ownership, so each row is cloned
    /// from the shared data set.
    pub(crate) fn insert_session(&self, rows: &[BenchUser]) -> BenchResult<()> {
        let mut s = self.engine.session();
        for u in rows {
            s.add(u.clone())?;
        }
        s.commit()?;
        Ok(())
    }

    /// Rows per multi-row INSERT statement of the Core bulk insert on this backend (the raw
    /// batched baseline uses the same).
    pub(crate) fn rows_per_statement(&self) -> usize {
        rows_per_statement(self.engine.dialect_kind())
    }

    /// Core path: `insert().values_many(..)`, multi-row INSERT batches of
    /// [`OrmSide::rows_per_statement`] rows in one transaction.
    pub(crate) fn insert_bulk(&self, rows: &[BenchUser]) -> BenchResult<()> {
        orm::insert::<BenchUser>().values_many(rows).execute(&self.engine)?;
        Ok(())
    }

    /// Core, untracked: every row as a plain `BenchUser`.
    pub(crate) fn load_core(&self) -> BenchResult<Vec<BenchUser>> {
        Ok(orm::select_model::<BenchUser>().all(&self.engine)?)
    }

    /// Tracked: every row through a fresh session's query (identity map, snapshots). The
    /// session is closed inside the measured region, since that is part of using one.
    pub(crate) fn load_session(&self) -> BenchResult<Vec<Obj<BenchUser>>> {
        let mut s = self.engine.session();
        let objs = s.query::<BenchUser>().all()?;
        s.close()?;
        Ok(objs)
    }

    /// Core: one keyed `select_model` per key on one checked-out connection.
    pub(crate) fn get_each_core(&self, keys: &[i64]) -> BenchResult<Vec<BenchUser>> {
        let mut conn = self.engine.connection()?;
        // Like the raw side: each read on its own, no transaction around them.
        conn.set_autocommit(true)?;
        let mut out = Vec::with_capacity(keys.len());
        for &k in keys {
            // `first()`, like the raw side's `query_row`: the first row, no check for a second.
            let row = orm::select_model::<BenchUser>().filter(BenchUser::id.eq(k)).first(&mut conn)?;
            out.push(row.ok_or_else(|| format!("orm: no row with id {k}"))?);
        }
        Ok(out)
    }

    /// Tracked: `Session::get` per key, with a fresh session every [`GETS_PER_SESSION`]
    /// keys. The keys of one run are distinct, so every get is a real SELECT (never an
    /// identity-map hit); starting new sessions keeps the map from growing without bound
    /// and matches how a session is meant to be used (one unit of work, then closed).
    pub(crate) fn get_each_session(&self, keys: &[i64]) -> BenchResult<Vec<Obj<BenchUser>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(GETS_PER_SESSION) {
            let mut s = self.engine.session();
            for &k in chunk {
                let obj = s.get::<BenchUser>(k)?.ok_or_else(|| format!("orm: no row with id {k}"))?;
                out.push(obj);
            }
            s.close()?;
        }
        Ok(out)
    }

    /// The ids in the table, ascending (untimed; for picking lookup keys).
    pub(crate) fn ids(&self) -> BenchResult<Vec<i64>> {
        Ok(orm::select(BenchUser::id).order_by(BenchUser::id.asc()).all(&self.engine)?)
    }
}
