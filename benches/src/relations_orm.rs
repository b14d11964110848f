//! The orm side of the relationship section: the four loading strategies through a
//! session, on a plain engine (timed) and on an engine whose `before_execute` hook counts
//! statements (untimed, so the hook's cost stays out of the timings).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use orm::{Engine, EngineBuilder, FetchObjects as _, Obj};

use crate::raw::BenchResult;
use crate::relations_model::{sample_authors, sample_books, tables, Author, Book};
use crate::relations_raw::Strategy;

/// Statements one load ran, as seen by the `before_execute` hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StatementCount {
    /// Queries (everything but transaction control).
    pub(crate) queries: usize,
    /// `BEGIN` / `COMMIT` / `ROLLBACK` (a session reads inside a transaction on PostgreSQL).
    pub(crate) transaction: usize,
}

/// Counters shared with an engine's hook.
#[derive(Debug, Default)]
struct Counters {
    queries: AtomicUsize,
    transaction: AtomicUsize,
}

impl Counters {
    /// Count one statement.
    fn note(&self, sql: &str) {
        let first = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let counter = match first.as_str() {
            "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => &self.transaction,
            _ => &self.queries,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far, resetting them to zero.
    fn take(&self) -> StatementCount {
        StatementCount {
            queries: self.queries.swap(0, Ordering::Relaxed),
            transaction: self.transaction.swap(0, Ordering::Relaxed),
        }
    }
}

/// Two orm engines over the authors and books: one timed, one counting statements.
#[derive(Debug)]
pub(crate) struct OrmRelations {
    timed: Engine,
    counted: Engine,
    counters: Arc<Counters>,
}

impl OrmRelations {
    /// SQLite in memory: each engine has its own database, so both get tables and data.
    pub(crate) fn sqlite() -> BenchResult<Self> {
        let url = "sqlite::memory:";
        let (counted, counters) = counting(Engine::builder(url))?;
        let timed = Engine::connect(url)?;
        for engine in [&timed, &counted] {
            seed(engine)?;
        }
        counters.take();
        Ok(OrmRelations { timed, counted, counters })
    }

    /// PostgreSQL: both engines use `schema` as their `search_path` and share one copy of
    /// the tables, which the raw side reads too.
    pub(crate) fn postgres(url: &str, schema: &str) -> BenchResult<Self> {
        let (counted, counters) = counting(Engine::builder(url).search_path(schema))?;
        let timed = Engine::builder(url).search_path(schema).build()?;
        seed(&timed)?;
        Ok(OrmRelations { timed, counted, counters })
    }

    /// Load every author with its books the way `strategy` does (timed engine).
    pub(crate) fn load(&self, strategy: Strategy) -> BenchResult<Vec<Obj<Author>>> {
        load(&self.timed, strategy)
    }

    /// Load once on the counting engine: the objects and the statements it took.
    pub(crate) fn load_counted(&self, strategy: Strategy) -> BenchResult<(Vec<Obj<Author>>, StatementCount)> {
        self.counters.take();
        let authors = load(&self.counted, strategy)?;
        Ok((authors, self.counters.take()))
    }
}

/// `builder` with a hook counting every statement.
fn counting(builder: EngineBuilder) -> BenchResult<(Engine, Arc<Counters>)> {
    let counters = Arc::new(Counters::default());
    let hook = Arc::clone(&counters);
    let engine = builder.before_execute(move |sql, _| hook.note(sql)).build()?;
    Ok((engine, counters))
}

/// Create the tables and insert the sample data: authors through `returning_keys`, then
/// their books with those keys.
fn seed(engine: &Engine) -> BenchResult<()> {
    engine.create_all(&tables())?;
    let ids = orm::insert::<Author>().values_many(&sample_authors()).returning_keys(engine)?;
    orm::insert::<Book>().values_many(&sample_books(&ids)).execute(engine)?;
    Ok(())
}

/// One load through a fresh session, closed inside the measured region (as in the
/// `load` rows of the main table).
fn load(engine: &Engine, strategy: Strategy) -> BenchResult<Vec<Obj<Author>>> {
    let mut s = engine.session();
    let authors = match strategy {
        Strategy::Lazy => {
            let authors = s.query::<Author>().all()?;
            for a in &authors {
                s.load(a, Author::books)?;
            }
            authors
        }
        Strategy::Joined => s.query::<Author>().options(orm::joinedload(Author::books)).all()?,
        Strategy::SelectIn => s.query::<Author>().options(orm::selectinload(Author::books)).all()?,
        Strategy::Subquery => s.query::<Author>().options(orm::subqueryload(Author::books)).all()?,
    };
    s.close()?;
    Ok(authors)
}
