//! [`Migrator`]: upgrade, downgrade and stamp a database along a migrations folder's history.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use orm_runtime::backend::Connection;
use orm_runtime::Engine;

use super::file::Revision;
use super::graph::History;
use super::version;
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
        let current = self.current()?;
        let applied = history.closure(current.iter().map(String::as_str));
        let (needed, take) = match target {
            "heads" => (history.closure(history.heads()), None),
            "head" => (history.closure(history.single_head()?), None),
            t if t.starts_with('+') => {
                let n = steps(t)?;
                (history.closure(history.single_head()?), Some(n))
            }
            rev => (history.closure([history.resolve(rev)?]), None),
        };
        let pending: BTreeSet<&str> = needed.difference(&applied).copied().collect();
        let mut plan: Vec<String> = history.in_order(&pending).into_iter().map(|r| r.revision.clone()).collect();
        if let Some(n) = take {
            if n > plan.len() {
                return Err(Error::Target(format!("+{n}: only {} revision(s) are not applied", plan.len())));
            }
            plan.truncate(n);
        }
        Ok(plan)
    }

    /// What `downgrade(target)` would undo, in order.
    pub fn downgrade_plan(&self, history: &History, target: &str) -> Result<Vec<String>> {
        let current = self.current()?;
        let applied = history.closure(current.iter().map(String::as_str));
        let newest_first: Vec<&str> =
            history.in_order(&applied).into_iter().rev().map(|r| r.revision.as_str()).collect();
        let undo: Vec<&str> = match target {
            "base" => newest_first,
            t if t.starts_with('-') => {
                let n = steps(t)?;
                if n > newest_first.len() {
                    return Err(Error::Target(format!("-{n}: only {} revision(s) are applied", newest_first.len())));
                }
                newest_first[..n].to_vec()
            }
            rev => {
                let id = history.resolve(rev)?;
                if !applied.contains(id) {
                    return Err(Error::Target(format!("revision {id} is not applied: nothing to downgrade to")));
                }
                // What was built on it; other branches stay as they are.
                newest_first.into_iter().filter(|r| *r != id && history.closure([*r]).contains(id)).collect()
            }
        };
        Ok(undo.into_iter().map(str::to_owned).collect())
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
                match direction {
                    Direction::Upgrade => version::applied(conn, history, id),
                    Direction::Downgrade => version::undone(conn, history, id),
                }
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

/// `+3` / `-3` -> 3.
fn steps(target: &str) -> Result<usize> {
    target[1..]
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::Target(format!("`{target}`: write a count of revisions, like {}2", &target[..1])))
}
