//! Test fixtures for a program's own tests: a database of each test's own, with the models'
//! tables, on SQLite in memory or on a real PostgreSQL server (a schema per test, so tests run
//! in parallel against one server), gone when the fixture is dropped — also when the test
//! panics.
//!
//! ```
//! # fn main() -> orm::Result<()> {
//! use orm::prelude::*;
//! use orm::testing::TestDatabase;
//!
//! #[derive(Model)]
//! #[orm(table = "users")]
//! struct User {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     name: String,
//! }
//!
//! let db = TestDatabase::sqlite(&[User::table()])?;            // or TestDatabase::postgres(url, ..)
//! let mut session = db.session();                              // the fixture is an Engine
//! session.add(User { id: 0, name: "ada".into() })?;
//! session.commit()?;
//! let notes: i64 = select(func::count_all()).from::<User>().one(&*db)?;
//! assert_eq!(notes, 1);
//! # Ok(())
//! # }
//! ```
//!
//! The PostgreSQL fixture names its schema `t_<label>_<process>_<n>` and sets every pooled
//! connection's `search_path` to it; a test that needs the server and cannot reach it gets
//! the connection error from [`TestDatabase::postgres`], and decides itself whether that is
//! a failure or a skip.

mod sql;

pub use sql::{sql_snapshot, sql_snapshots, RenderSql, SqlRecorder};

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::backend::{Engine, EngineBuilder, RawSql};
use crate::error::Result;
use crate::schema::TableDef;
use crate::session::Session;

#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// How long the fixture waits for the server when it makes or drops a schema.
const ADMIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// A database of one test's own (see the module documentation). Dereferences to its
/// [`Engine`].
#[derive(Debug)]
pub struct TestDatabase {
    engine: Engine,
    /// PostgreSQL: the schema to drop, and how to reach the server without it.
    schema: Option<(String, String)>,
}

impl TestDatabase {
    /// An in-memory SQLite database (private to this fixture, shared by its pool) with the
    /// tables of `models` created.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(models: &[&'static TableDef]) -> Result<TestDatabase> {
        TestDatabase::sqlite_with(models, |b| b)
    }

    /// [`sqlite`](TestDatabase::sqlite) with the engine's settings changed by `configure`.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_with(
        models: &[&'static TableDef],
        configure: impl FnOnce(EngineBuilder) -> EngineBuilder,
    ) -> Result<TestDatabase> {
        let engine = configure(Engine::builder("sqlite::memory:")).build()?;
        engine.create_all(models)?;
        Ok(TestDatabase { engine, schema: None })
    }

    /// A schema of its own on the PostgreSQL server at `url`, with the tables of `models`
    /// created in it; `label` (the test's name, say) goes into the schema's name.
    #[cfg(feature = "postgres")]
    pub fn postgres(url: &str, label: &str, models: &[&'static TableDef]) -> Result<TestDatabase> {
        TestDatabase::postgres_with(url, label, models, |b| b)
    }

    /// [`postgres`](TestDatabase::postgres) with the engine's settings changed by `configure`.
    #[cfg(feature = "postgres")]
    pub fn postgres_with(
        url: &str,
        label: &str,
        models: &[&'static TableDef],
        configure: impl FnOnce(EngineBuilder) -> EngineBuilder,
    ) -> Result<TestDatabase> {
        let schema = schema_name(label);
        // The fixture's engine first (building one connects to nothing): once the schema
        // exists, only the fixture, which drops it, can fail.
        let engine = configure(Engine::builder(url).search_path(&schema)).build()?;
        // A server that is not there is reported after 3 s, not the pool's default 30 s.
        let admin = Engine::builder(url).pool_size(1).connection_timeout(ADMIN_TIMEOUT).build()?;
        let quoted = quoted(&admin, &schema)?;
        // The name is made here and quoted: nothing of it comes from outside.
        admin.execute(RawSql::audited(format!("DROP SCHEMA IF EXISTS {quoted} CASCADE")), &[])?;
        admin.execute(RawSql::audited(format!("CREATE SCHEMA {quoted}")), &[])?;
        let db = TestDatabase { engine, schema: Some((schema, url.to_owned())) };
        db.engine.create_all(models)?;
        Ok(db)
    }

    /// A session whose work is undone when it is closed or dropped, commits included (see
    /// [`rollback_session`]).
    pub fn rollback_session(&self) -> Result<Session> {
        rollback_session(&self.engine)
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The PostgreSQL schema (none on SQLite).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|(s, _)| s.as_str())
    }
}

impl std::ops::Deref for TestDatabase {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((schema, url)) = self.schema.take() {
            // Over a connection of its own: the fixture's may be inside a failed transaction.
            if let Ok(admin) = Engine::builder(&url).pool_size(1).connection_timeout(ADMIN_TIMEOUT).build() {
                if let Ok(quoted) = quoted(&admin, &schema) {
                    let _ = admin.execute(RawSql::audited(format!("DROP SCHEMA IF EXISTS {quoted} CASCADE")), &[]);
                }
            }
        }
    }
}

/// A session on a connection of `engine` inside an outer transaction, so that whatever a test
/// does with it is rolled back when the session is closed or dropped — commits included
/// (SQLAlchemy's `Session(bind=connection, join_transaction_mode="create_savepoint")`
/// recipe). `commit()` flushes and releases a savepoint, so the test reads its committed work
/// back through the session, and `rollback()` rolls back to the last commit. Other
/// connections do not see the work (PostgreSQL), or wait for it (SQLite, whose writes lock
/// the database until the test's transaction ends: give such tests a database of their own).
///
/// ```
/// # fn main() -> orm::Result<()> {
/// use orm::prelude::*;
/// use orm::testing::TestDatabase;
///
/// #[derive(Model)]
/// #[orm(table = "notes")]
/// struct Note {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     text: String,
/// }
///
/// let db = TestDatabase::sqlite(&[Note::table()])?;
/// {
///     let mut session = db.rollback_session()?;
///     session.add(Note { id: 0, text: "kept until the end of the test".into() })?;
///     session.commit()?;
///     assert_eq!(session.query::<Note>().all()?.len(), 1);
/// } // dropped: rolled back
/// let left: i64 = select(func::count_all()).from::<Note>().one(&*db)?;
/// assert_eq!(left, 0);
/// # Ok(())
/// # }
/// ```
pub fn rollback_session(engine: &Engine) -> Result<Session> {
    Session::joined_to_transaction(engine)
}

#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
/// `t_<label>_<process>_<n>`, the label cut to what PostgreSQL's 63-byte names leave room for
/// and reduced to lowercase letters, digits and underscores.
fn schema_name(label: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tail = format!("_{}_{n}", std::process::id());
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .take(63 - 2 - tail.len())
        .collect();
    format!("t_{label}{tail}")
}

fn quoted(engine: &Engine, name: &str) -> Result<String> {
    let mut out = String::new();
    engine.dialect_kind().dialect().push_identifier(&mut out, name)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_names_fit_and_stay_plain() {
        let name = super::schema_name("Some Test::name with/ÿ and a very long tail that goes on and on and on");
        assert!(name.len() <= 63, "{name}");
        assert!(name.starts_with("t_some_test__name_with__"), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{name}");
    }
}
