//! Test harness: every runtime test runs on SQLite and on the real PostgreSQL server.
//!
//! PostgreSQL: `ORM_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Each
//! test gets a private schema (dropped afterwards, also on panic), so tests run in parallel.
//! When the server does not answer, PostgreSQL runs are skipped with a message on stderr,
//! unless `ORM_REQUIRE_PG=1` (set by `.ci/run`), which turns that into a failure.

use std::sync::{Arc, Mutex};

use orm::dialect::{Dialect, Postgres, Rendered, Sqlite};
use orm::testing::TestDatabase;
use orm::{Engine, EngineBuilder};

/// The PostgreSQL URL tests use.
pub fn pg_url() -> String {
    std::env::var("ORM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn pg_required() -> bool {
    std::env::var("ORM_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// A private PostgreSQL schema, dropped on drop: the public fixture
/// [`orm::testing::TestDatabase`], whose schema the tests' own engines use.
pub struct PgSchema {
    pub name: String,
    _fixture: TestDatabase,
}

impl PgSchema {
    /// Create one, or `None` (after a message) when the server is down and not required.
    pub fn create(test: &str) -> Option<PgSchema> {
        match TestDatabase::postgres_with(&pg_url(), test, &[], |b| b.pool_size(1)) {
            Ok(fixture) => Some(PgSchema { name: fixture.schema().unwrap_or_default().to_owned(), _fixture: fixture }),
            Err(e) => {
                if pg_required() {
                    panic!("PostgreSQL is required (ORM_REQUIRE_PG=1) but unreachable at {}: {e}", pg_url());
                }
                eprintln!("SKIPPED PostgreSQL run of `{test}`: server unreachable at {} ({e})", pg_url());
                None
            }
        }
    }
}

/// Statements a recording engine ran, in order.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
    /// Statements other than transaction control.
    pub fn statements(&self) -> Vec<String> {
        self.take()
            .into_iter()
            .filter(|s| !matches!(s.as_str(), "BEGIN" | "BEGIN IMMEDIATE" | "COMMIT" | "ROLLBACK"))
            .collect()
    }
}

/// One backend under test.
pub struct Db {
    pub engine: Engine,
    pub log: Log,
    pub name: &'static str,
    /// PostgreSQL: the engine's `application_name`, `<test>-<pid>`, unique on the shared
    /// server even when two test processes run the same test (empty on SQLite).
    pub app: String,
    pub _schema: Option<PgSchema>,
}

impl Db {
    pub fn is_pg(&self) -> bool {
        self.name == "postgres"
    }
}

fn recording(builder: EngineBuilder, log: &Log) -> EngineBuilder {
    let l = log.clone();
    builder.before_execute(move |sql, _| l.0.lock().unwrap().push(sql.to_owned()))
}

/// Build the SQLite engine, then the PostgreSQL one (if reachable), and run `f` on each.
pub fn each_db(test: &str, f: impl Fn(&Db)) {
    each_db_with(test, |b| b, f);
}

/// [`each_db`] with extra engine settings.
pub fn each_db_with(test: &str, configure: impl Fn(EngineBuilder) -> EngineBuilder, f: impl Fn(&Db)) {
    // Each backend the build has (orm's `sqlite` / `postgres` features).
    #[cfg(feature = "sqlite")]
    {
        let log = Log::default();
        let engine = configure(recording(Engine::builder("sqlite::memory:").pool_size(4), &log)).build().unwrap();
        f(&Db { engine, log, name: "sqlite", app: String::new(), _schema: None });
    }
    #[cfg(feature = "postgres")]
    if let Some(schema) = PgSchema::create(test) {
        let log = Log::default();
        let app = format!("{test}-{}", std::process::id());
        let builder = Engine::builder(&pg_url()).pool_size(4).search_path(&schema.name).application_name(&app);
        let engine = configure(recording(builder, &log)).build().unwrap();
        f(&Db { engine, log, name: "postgres", app, _schema: Some(schema) });
    }
}

/// [`each_db`] with engines that record nothing: no listener looks at statements, so the
/// paths that bind values without collecting them are the ones taken (`db.log` stays empty).
pub fn each_db_unwatched(test: &str, f: impl Fn(&Db)) {
    #[cfg(feature = "sqlite")]
    {
        let engine = Engine::builder("sqlite::memory:").pool_size(4).build().unwrap();
        f(&Db { engine, log: Log::default(), name: "sqlite", app: String::new(), _schema: None });
    }
    #[cfg(feature = "postgres")]
    if let Some(schema) = PgSchema::create(test) {
        let app = format!("{test}-{}", std::process::id());
        let engine =
            Engine::builder(&pg_url()).pool_size(4).search_path(&schema.name).application_name(&app).build().unwrap();
        f(&Db { engine, log: Log::default(), name: "postgres", app, _schema: Some(schema) });
    }
}

/// A rendered statement (or its error) under a heading, for snapshots.
pub fn show(name: &str, r: orm::Result<Rendered>) -> String {
    match r {
        Ok(r) => format!("-- {name}\n{}\n-- params: {:?}\n", r.sql, r.params),
        Err(e) => format!("-- {name}\nERROR: {e}\n"),
    }
}

/// A statement rendered by both dialects, side by side (one snapshot for both).
pub fn both(f: impl Fn(&dyn Dialect) -> orm::Result<Rendered>) -> String {
    format!("{}\n{}", show("sqlite", f(&Sqlite)), show("postgres", f(&Postgres)))
}
