//! [`Migrator`]: upgrade, downgrade and stamp a database along a migrations folder's history.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use orm_runtime::backend::Connection;
use orm_runtime::Engine;

use orm_runtime::schema::TableDef;

use super::authoring::{self, NewRevision};
use super::file::Revision;
use super::graph::History;
use super::plan::{downgrade_plan, upgrade_plan};
use super::version;
use crate::autogen::{self, CompareOptions, Diff};
use crate::error::{Error, Result};
use crate::ops::{self, exec, Operation};

/// A data migration written in Rust, called with the migration's connection inside its
/// transaction (what it writes commits or rolls back with the migration).
pub type DataMigration = Box<dyn Fn(&mut Connection) -> orm_runtime::Result<()> + Send + Sync>;

/// Which way a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applying a revision.
    Upgrade,
    /// Undoing it.
    Downgrade,
}

/// What the runner reports as it goes (the CLI's progress bar listens).
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// Which way.
    pub direction: Direction,
    /// The revision.
    pub revision: &'a Revision,
    /// Its position in the run, from 0.
    pub index: usize,
    /// Steps in the run.
    pub total: usize,
    /// `false` when it starts, `true` once it committed (or was found done by another run).
    pub done: bool,
}

type Listener = Box<dyn Fn(&Progress<'_>) + Send + Sync>;

/// Runs the migrations of a folder against a database: each revision in a transaction of its
/// own, with the version table updated in that transaction, so that a failure leaves the
/// database at the revision before it. Runs on one database wait for each other
/// (PostgreSQL: an advisory lock; SQLite: the write lock), and a revision another run applied
/// meanwhile is not applied again.
pub struct Migrator {
    engine: Engine,
    dir: PathBuf,
    data: HashMap<String, DataMigration>,
    listener: Option<Listener>,
}

impl std::fmt::Debug for Migrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("dir", &self.dir)
            .field("data_migrations", &self.data.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Migrator {
    /// The migrations of `dir` against `engine`'s database.
    pub fn new(engine: Engine, dir: impl Into<PathBuf>) -> Self {
        Migrator { engine, dir: dir.into(), data: HashMap::new(), listener: None }
    }

    /// Register the data migration that files name `name` (`op = "rust"`).
    pub fn data_migration(
        mut self,
        name: impl Into<String>,
        f: impl Fn(&mut Connection) -> orm_runtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.data.insert(name.into(), Box::new(f));
        self
    }

    /// Call `f` as each step starts and ends.
    pub fn on_progress(mut self, f: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Self {
        self.listener = Some(Box::new(f));
        self
    }

    /// The migrations folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The folder's history, checked.
    pub fn history(&self) -> Result<History> {
        History::load(&self.dir)
    }

    /// The revisions the database is at (its version table's heads).
    pub fn current(&self) -> Result<Vec<String>> {
        let mut conn = self.engine.connection()?;
        conn.set_autocommit(true)?;
        version::heads(&mut conn)
    }

    /// What `upgrade(target)` would apply, in order.
    pub fn upgrade_plan(&self, history: &History, target: &str) -> Result<Vec<String>> {
        upgrade_plan(history, &self.current()?, target)
    }

    /// What `downgrade(target)` would undo, in order.
    pub fn downgrade_plan(&self, history: &History, target: &str) -> Result<Vec<String>> {
        downgrade_plan(history, &self.current()?, target)
    }

    /// Apply what `target` needs (`head`, `heads`, `+N`, or a revision): the ids applied.
    pub fn upgrade(&self, target: &str) -> Result<Vec<String>> {
        let history = self.history()?;
        let plan = self.upgrade_plan(&history, target)?;
        self.run(&history, &plan, Direction::Upgrade)
    }

    /// Undo down to `target`: `-N` (the newest N applied), `base` (everything), or a revision,
    /// which stays applied while every applied revision built on it is undone (other
    /// branches stay as they are). The ids undone.
    pub fn downgrade(&self, target: &str) -> Result<Vec<String>> {
        let history = self.history()?;
        let plan = self.downgrade_plan(&history, target)?;
        self.run(&history, &plan, Direction::Downgrade)
    }

    /// Record `target` (`head`, `heads`, `base`, or a revision) as the database's revision
    /// without running anything (for a database made by other means).
    pub fn stamp(&self, target: &str) -> Result<()> {
        let history = self.history()?;
        let heads: Vec<&str> = match target {
            "base" => Vec::new(),
            "heads" => history.heads(),
            "head" => history.single_head()?.into_iter().collect(),
            rev => vec![history.resolve(rev)?],
        };
        let mut conn = self.engine.connection()?;
        conn.set_autocommit(true)?;
        let f = ops::flavor(&conn);
        f.in_transaction(&mut conn, &mut |conn| {
            if let Some(lock) = f.lock_sql() {
                exec(conn, lock)?;
            }
            version::ensure(conn)?;
            version::replace(conn, &heads)
        })
    }

    /// The SQL of `plan` (from [`upgrade_plan`] or [`downgrade_plan`], or any run of
    /// revisions) without running it: Alembic's offline mode, for a DBA to review or run.
    /// `from` is the revision the database is at (empty: base). Each revision is its own
    /// transaction; a Rust data migration is a comment; a SQLite table rebuild cannot be shown
    /// (it reads the live table first).
    pub fn sql(&self, history: &History, plan: &[String], direction: Direction, from: &[String]) -> Result<String> {
        let kind = self.engine.dialect_kind();
        let d = kind.dialect();
        let f = ops::flavor_of(kind);
        let mut heads: Vec<String> = from.to_vec();
        let mut out = String::new();
        let (verb, up) = match direction {
            Direction::Upgrade => ("upgrade", true),
            Direction::Downgrade => ("downgrade", false),
        };
        for id in plan {
            let Some(revision) = history.get(id) else { continue };
            out.push_str(&format!("-- Running {verb} of {id}: {}\nBEGIN;\n", revision.message));
            out.push_str(version::CREATE_SQL);
            out.push_str(";\n");
            let ops = if up { &revision.upgrade } else { &revision.downgrade };
            for op in ops {
                if let Operation::Rust { name } = op {
                    out.push_str(&format!("-- data migration `{name}` (Rust): it runs through the runner only\n"));
                    continue;
                }
                for sql in f.render(d, op)? {
                    out.push_str(&sql);
                    out.push_str(";\n");
                }
            }
            for sql in version::record_sql(history, &mut heads, id, up) {
                out.push_str(&sql);
                out.push_str(";\n");
            }
            out.push_str("COMMIT;\n\n");
        }
        Ok(out)
    }

    /// Write a new revision file: empty, or with the operations that make the database
    /// match the models. Its path and, when autogenerated, the comparison.
    pub fn revision(&self, new: NewRevision<'_>) -> Result<(PathBuf, Option<Diff>)> {
        let history = self.history()?;
        let diff = match &new.autogenerate {
            Some((models, options)) => Some(self.compare_at_head(&history, models, options)?),
            None => None,
        };
        let path = authoring::write_revision(&self.dir, &history, &new, diff.as_ref())?;
        Ok((path, diff))
    }

    /// Write a revision that joins `revisions` (heads of branches) into one.
    pub fn merge(&self, message: &str, revisions: &[&str]) -> Result<PathBuf> {
        authoring::write_merge(&self.dir, &self.history()?, message, revisions)
    }

    /// The difference between `models` and the database (empty: they match). The database
    /// must be at the history's heads.
    pub fn check(&self, models: &[&'static TableDef], options: &CompareOptions) -> Result<Diff> {
        let history = self.history()?;
        self.compare_at_head(&history, models, options)
    }

    fn compare_at_head(
        &self,
        history: &History,
        models: &[&'static TableDef],
        options: &CompareOptions,
    ) -> Result<Diff> {
        let mut current = self.current()?;
        current.sort();
        let mut heads: Vec<String> = history.heads().into_iter().map(str::to_owned).collect();
        heads.sort();
        if current != heads {
            return Err(Error::Target(format!(
                "the database is at {} but the migrations end at {}: upgrade first, so that the comparison \
                 sees what the migrations make",
                list_or_base(&current),
                list_or_base(&heads)
            )));
        }
        let mut conn = self.engine.connection()?;
        conn.set_autocommit(true)?;
        autogen::compare(&mut conn, models, options)
    }

    /// Run `plan` one revision per transaction; the ids this run carried out.
    fn run(&self, history: &History, plan: &[String], direction: Direction) -> Result<Vec<String>> {
        let mut done = Vec::new();
        let mut conn = self.engine.connection()?;
        conn.set_autocommit(true)?;
        let f = ops::flavor(&conn);
        for (index, id) in plan.iter().enumerate() {
            let Some(revision) = history.get(id) else { continue };
            let report = |finished: bool| {
                if let Some(l) = &self.listener {
                    l(&Progress { direction, revision, index, total: plan.len(), done: finished });
                }
            };
            report(false);
            let mut ran = false;
            f.in_transaction(&mut conn, &mut |conn| {
                if let Some(lock) = f.lock_sql() {
                    exec(conn, lock)?;
                }
                version::ensure(conn)?;
                // Under the lock: what another run did meanwhile is seen here.
                let heads = version::read(conn)?;
                let applied = history.closure(heads.iter().map(String::as_str)).contains(id.as_str());
                let (ops, wanted) = match direction {
                    Direction::Upgrade => (&revision.upgrade, !applied),
                    Direction::Downgrade => (&revision.downgrade, applied),
                };
                if !wanted {
                    return Ok(());
                }
                for op in ops {
                    self.apply(conn, op)?;
                }
                ran = true;
                version::record(conn, history, id, direction == Direction::Upgrade)
            })
            .map_err(|e| Error::Migration {
                revision: id.clone(),
                file: history.file_of(id).map(Path::to_owned).unwrap_or_default(),
                source: Box::new(e),
            })?;
            if ran {
                done.push(id.clone());
            }
            report(true);
        }
        Ok(done)
    }

    /// One operation: a registered data migration, or a schema change.
    fn apply(&self, conn: &mut Connection, op: &Operation) -> Result<()> {
        match op {
            Operation::Rust { name } => {
                let f = self.data.get(name).ok_or_else(|| Error::Invalid {
                    operation: "rust",
                    table: String::new(),
                    reason: format!("no data migration named `{name}` is registered (`Migrator::data_migration`)"),
                })?;
                Ok(f(conn)?)
            }
            other => ops::apply(conn, std::slice::from_ref(other)),
        }
    }
}

fn list_or_base(ids: &[String]) -> String {
    if ids.is_empty() {
        "base".into()
    } else {
        ids.join(", ")
    }
}
