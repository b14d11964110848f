//! [`AsyncEngine`]: an [`Engine`] for async code.

use crate::asyncio::hop;
use crate::asyncio::statement::Executable;
use crate::asyncio::{AsyncSession, Runs};
use crate::backend::{Engine, EngineBuilder, PoolStatus};
use crate::dialect::DialectKind;
use crate::error::Result;
use crate::query::fetch::sealed::RunRows;
use crate::query::Fetch;
use crate::schema::TableDef;

/// An [`Engine`] for async code: the same pool, dialect and options, each call one hop to
/// tokio's blocking pool (`spawn_blocking`) where the sync engine does the work. Cheap to
/// clone (clones share the pool). Needs a tokio runtime, of either flavor.
///
/// ```
/// # use orm::prelude::*;
/// # use orm::asyncio::AsyncEngine;
/// # #[derive(Model, Debug)]
/// # struct Item {
/// #     #[orm(primary_key, auto_increment)]
/// #     id: i64,
/// #     name: String,
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm::Result<()> {
/// let engine = AsyncEngine::connect("sqlite::memory:").await?;
/// engine.create_all(&[Item::table()]).await?;
/// engine.execute(insert::<Item>().set(Item::name, "pen")).await?;
/// let names: Vec<String> = engine.all(select(Item::name)).await?;
/// assert_eq!(names, ["pen"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AsyncEngine {
    engine: Engine,
    runs: Runs,
}

impl From<Engine> for AsyncEngine {
    fn from(engine: Engine) -> Self {
        AsyncEngine { engine, runs: Runs::default() }
    }
}

impl AsyncEngine {
    /// Connect to `url` (see [`Engine::connect`]); the pool's first connections are opened
    /// on the blocking pool.
    pub async fn connect(url: &str) -> Result<AsyncEngine> {
        let url = url.to_owned();
        hop::blocking(Runs::OnBlockingPool, move || Engine::connect(&url)).await.map(AsyncEngine::from)
    }

    /// Build an engine from a configured [`EngineBuilder`] (`Engine::builder(url)...`), on the
    /// blocking pool.
    pub async fn build(builder: EngineBuilder) -> Result<AsyncEngine> {
        hop::blocking(Runs::OnBlockingPool, move || builder.build()).await.map(AsyncEngine::from)
    }

    /// Where its calls, and those of its sessions, run: on tokio's blocking pool (the
    /// default) or in place on the task's worker thread ([`Runs`]). Measured on two cores
    /// (README "Async"): a get by key costs about 20 µs more than the sync call on the
    /// blocking pool and about 10 µs more in place; an axum service answered about 30 % more
    /// requests per second in place. Choose `InPlace` where each request is one task, as in
    /// axum handlers; keep the blocking pool where one task runs several sessions at once
    /// (`join!`), which in place run one after the other.
    pub fn runs(mut self, runs: Runs) -> Self {
        self.runs = runs;
        self
    }

    /// Where its calls run (see [`runs`](AsyncEngine::runs)).
    pub fn where_calls_run(&self) -> Runs {
        self.runs
    }

    /// The sync engine underneath (same pool), for sync code and for
    /// [`run_sync`](AsyncEngine::run_sync).
    pub fn sync_engine(&self) -> &Engine {
        &self.engine
    }

    /// The database it talks to.
    pub fn dialect_kind(&self) -> DialectKind {
        self.engine.dialect_kind()
    }

    /// The pool's connections: see [`Engine::pool_status`].
    pub fn pool_status(&self) -> PoolStatus {
        self.engine.pool_status()
    }

    /// A new async session on this engine.
    pub fn session(&self) -> AsyncSession {
        AsyncSession::new(self.engine.session(), self.runs)
    }

    /// Run `f` with the sync engine in one hop (a Core transaction on one connection, many
    /// statements for the price of one hop).
    pub async fn run_sync<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Engine) -> Result<R> + Send + 'static,
    {
        let engine = self.engine.clone();
        hop::blocking(self.runs, move || f(&engine)).await
    }

    /// Create the tables that do not exist yet: see [`Engine::create_all`].
    pub async fn create_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        let tables = tables.to_vec();
        self.run_sync(move |e| e.create_all(&tables)).await
    }

    /// Drop the tables that exist: see [`Engine::drop_all`].
    pub async fn drop_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        let tables = tables.to_vec();
        self.run_sync(move |e| e.drop_all(&tables)).await
    }

    /// Run a Core statement (`insert`, `update`, `delete`, `text`) on a pooled connection
    /// (its own transaction); the number of rows it changed.
    pub async fn execute(&self, statement: impl Executable) -> Result<u64> {
        self.run_sync(move |e| statement.execute_on(e)).await
    }

    /// Every row of a Core query (`select(...)`, `text(...)` with columns, ...).
    pub async fn all<Q, I>(&self, query: Q) -> Result<Vec<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        self.run_sync(move |e| query.all(e)).await
    }

    /// The first row of a Core query, if any.
    pub async fn first<Q, I>(&self, query: Q) -> Result<Option<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        self.run_sync(move |e| query.first(e)).await
    }

    /// Exactly one row of a Core query: [`Error::NotFound`](crate::Error::NotFound) for none,
    /// [`Error::MultipleRows`](crate::Error::MultipleRows) for more.
    pub async fn one<Q, I>(&self, query: Q) -> Result<Q::Row>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        self.run_sync(move |e| query.one(e)).await
    }

    /// At most one row of a Core query.
    pub async fn one_or_none<Q, I>(&self, query: Q) -> Result<Option<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        self.run_sync(move |e| query.one_or_none(e)).await
    }
}
