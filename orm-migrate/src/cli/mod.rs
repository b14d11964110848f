//! The command-line entry point a project's own migration binary calls with its models
//! (feature `cli`; `orm`'s `migrate-cli`).
//!
//! ```no_run
//! // src/bin/migrate.rs
//! use orm::prelude::*;
//!
//! #[derive(Model)]
//! #[orm(table = "users")]
//! struct User {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     name: String,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     orm::migrate::cli::Cli::new(&[User::table()]).run()
//! }
//! ```
//!
//! Then `cargo run --bin migrate -- init`, `-- revision --autogenerate -m "users"`,
//! `-- upgrade head`, `-- downgrade -1`, `-- history`, `-- check` (see `--help`). Every
//! failure is a message on stderr and a non-zero exit status, never a panic.

mod args;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use orm_runtime::backend::Connection;
use orm_runtime::schema::{NamingConvention, TableDef};
use orm_runtime::Engine;

use args::{Args, Command};

use crate::autogen::CompareOptions;
use crate::error::{Error, Result};
use crate::revision::{
    downgrade_plan, upgrade_plan, write_merge, write_revision, Direction, History, Migrator, NewRevision,
};

/// The migration CLI of a program's models (see the module documentation).
pub struct Cli {
    models: Vec<&'static TableDef>,
    naming: NamingConvention,
    ignore_tables: Vec<String>,
    data: Vec<(String, crate::revision::DataMigration)>,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli").field("models", &self.models.iter().map(|t| t.name).collect::<Vec<_>>()).finish()
    }
}

/// Lines written while a run goes on (progress, statements with `-v`), shown at its end.
type Lines = Arc<Mutex<Vec<String>>>;

fn push(lines: &Lines, line: String) {
    lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
}

impl Cli {
    /// The CLI of these models (their tables, as `create_all` takes them).
    pub fn new(models: &[&'static TableDef]) -> Self {
        Cli {
            models: models.to_vec(),
            naming: NamingConvention::default(),
            ignore_tables: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Name what the models leave unnamed with `naming` (as `create_all_with` does).
    pub fn naming(mut self, naming: NamingConvention) -> Self {
        self.naming = naming;
        self
    }

    /// Tables of the database autogenerate leaves alone (never dropped).
    pub fn ignore_table(mut self, table: impl Into<String>) -> Self {
        self.ignore_tables.push(table.into());
        self
    }

    /// Register the data migration that files name `name` (`op = "rust"`).
    pub fn data_migration(
        mut self,
        name: impl Into<String>,
        f: impl Fn(&mut Connection) -> orm_runtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.data.push((name.into(), Box::new(f)));
        self
    }

    /// Run with the process's arguments, printing to stdout and stderr.
    pub fn run(self) -> ExitCode {
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        self.run_with(std::env::args_os(), &mut out, &mut err)
    }

    /// Run with `args` (the program's name first), printing to `out` and `err`: exit status 0
    /// on success, 1 on a failure (or, for `check`, a difference), 2 on bad usage.
    pub fn run_with<I, T>(self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args = match Args::try_parse_from(args) {
            Ok(args) => args,
            Err(e) => {
                let text = e.render().to_string();
                return if e.use_stderr() {
                    let _ = write!(err, "{text}");
                    ExitCode::from(2)
                } else {
                    let _ = write!(out, "{text}");
                    ExitCode::SUCCESS
                };
            }
        };
        match self.dispatch(args, out) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn dispatch(self, args: Args, out: &mut dyn Write) -> Result<ExitCode> {
        let dir = args.dir.clone();
        let say = |out: &mut dyn Write, text: String| {
            writeln!(out, "{text}").map_err(|source| Error::Io { path: "stdout".into(), source })
        };
        match &args.command {
            Command::Init => {
                if History::load(&dir)?.revisions().next().is_some() {
                    return Err(Error::Target(format!("`{}` already holds migrations", dir.display())));
                }
                std::fs::create_dir_all(&dir).map_err(|source| Error::Io { path: dir.clone(), source })?;
                say(out, format!("Created the migrations folder `{}`.", dir.display()))?;
                say(out, "Next: `revision --autogenerate -m \"first\"`, then `upgrade head`.".into())?;
                return Ok(ExitCode::SUCCESS);
            }
            Command::History => {
                let history = History::load(&dir)?;
                let heads = history.heads();
                for r in history.revisions().rev() {
                    let mut marks = Vec::new();
                    if heads.contains(&r.revision.as_str()) {
                        marks.push("head".to_owned());
                    }
                    if r.parents.len() > 1 {
                        marks.push("merge".to_owned());
                    }
                    if history.branch_points().contains(&r.revision.as_str()) {
                        marks.push("branch point".to_owned());
                    }
                    marks.extend(r.branch_labels.iter().map(|l| format!("label {l}")));
                    let marks = if marks.is_empty() { String::new() } else { format!(" ({})", marks.join(", ")) };
                    let parents = if r.parents.is_empty() { "<base>".to_owned() } else { r.parents.join(", ") };
                    say(out, format!("{parents} -> {}{marks}: {}", r.revision, r.message))?;
                    if args.verbose {
                        if let Some(file) = history.file_of(&r.revision) {
                            say(out, format!("    file: {}", file.display()))?;
                        }
                        if let Some(created) = &r.created {
                            say(out, format!("    created: {created}"))?;
                        }
                        if !r.depends_on.is_empty() {
                            say(out, format!("    depends on: {}", r.depends_on.join(", ")))?;
                        }
                        for op in &r.upgrade {
                            say(out, format!("    upgrade: {}", op.describe()))?;
                        }
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            Command::Heads => {
                let history = History::load(&dir)?;
                for h in history.heads() {
                    let message = history.get(h).map(|r| r.message.as_str()).unwrap_or_default();
                    say(out, format!("{h} (head): {message}"))?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            Command::Branches => {
                let history = History::load(&dir)?;
                for b in history.branch_points() {
                    let children: Vec<&str> = history
                        .revisions()
                        .filter(|r| r.parents.iter().any(|p| p == b))
                        .map(|r| r.revision.as_str())
                        .collect();
                    say(out, format!("{b} -> {}", children.join(", ")))?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            Command::Merge { message, revisions } => {
                let history = History::load(&dir)?;
                let revs: Vec<&str> = revisions.iter().map(String::as_str).collect();
                let path = write_merge(&dir, &history, message, &revs)?;
                say(out, format!("Wrote {}", path.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            Command::Revision { message, autogenerate: false, branch_label, depends_on, head, .. } => {
                let history = History::load(&dir)?;
                let new = NewRevision {
                    message: message.clone(),
                    autogenerate: None,
                    branch_label: branch_label.clone(),
                    depends_on: depends_on.clone(),
                    head: head.clone(),
                };
                let path = write_revision(&dir, &history, &new, None)?;
                say(out, format!("Wrote {} (empty: for work by hand)", path.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            Command::Upgrade { target, sql: true, from } => {
                let history = History::load(&dir)?;
                let from: Vec<String> = match from {
                    Some(f) => vec![history.resolve(f)?.to_owned()],
                    None => Vec::new(),
                };
                let plan = upgrade_plan(&history, &from, target)?;
                let m = Migrator::new(self.offline_engine(&args)?, &dir);
                write!(out, "{}", m.sql(&history, &plan, Direction::Upgrade, &from)?)
                    .map_err(|source| Error::Io { path: "stdout".into(), source })?;
                return Ok(ExitCode::SUCCESS);
            }
            Command::Downgrade { target, sql: true, from } => {
                let history = History::load(&dir)?;
                let Some(from) = from else {
                    return Err(Error::Target(
                        "downgrade --sql needs --from REV: the revision the database is at".into(),
                    ));
                };
                let from = vec![history.resolve(from)?.to_owned()];
                let plan = downgrade_plan(&history, &from, target)?;
                let m = Migrator::new(self.offline_engine(&args)?, &dir);
                write!(out, "{}", m.sql(&history, &plan, Direction::Downgrade, &from)?)
                    .map_err(|source| Error::Io { path: "stdout".into(), source })?;
                return Ok(ExitCode::SUCCESS);
            }
            _ => {}
        }

        // The commands below work on the database.
        let lines: Lines = Arc::default();
        let engine = self.engine(&args, &lines)?;
        let options = |renames: &[String], allow_data_loss: bool| -> Result<CompareOptions> {
            Ok(CompareOptions {
                naming: self.naming.clone(),
                renames: renames.iter().map(|r| parse_rename(r)).collect::<Result<Vec<_>>>()?,
                allow_data_loss,
                ignore_tables: self.ignore_tables.clone(),
            })
        };
        let models = self.models.clone();
        let mut migrator = Migrator::new(engine, &dir);
        for (name, f) in self.data {
            migrator = migrator.data_migration(name, f);
        }
        let up = matches!(args.command, Command::Upgrade { .. });
        let code = match args.command {
            Command::Current => {
                let history = History::load(&dir)?;
                let current = migrator.current()?;
                if current.is_empty() {
                    say(out, "base (no revision applied)".into())?;
                }
                let heads = history.heads();
                for c in current {
                    let mark = if heads.contains(&c.as_str()) { " (head)" } else { "" };
                    say(out, format!("{c}{mark}"))?;
                }
                ExitCode::SUCCESS
            }
            Command::Upgrade { target, .. } | Command::Downgrade { target, .. } => {
                let history = migrator.history()?;
                let plan = if up {
                    migrator.upgrade_plan(&history, &target)?
                } else {
                    migrator.downgrade_plan(&history, &target)?
                };
                if plan.is_empty() {
                    say(out, "Nothing to do: the database is there already.".into())?;
                    return Ok(ExitCode::SUCCESS);
                }
                let bar = progress_bar(plan.len());
                let log = lines.clone();
                let bar_in = bar.clone();
                let migrator = migrator.on_progress(move |p| {
                    let verb = if p.direction == Direction::Upgrade { "upgrade" } else { "downgrade" };
                    if p.done {
                        bar_in.inc(1);
                    } else {
                        bar_in.set_message(format!("{verb} {}", p.revision.revision));
                        push(&log, format!("{verb} {}: {}", p.revision.revision, p.revision.message));
                    }
                });
                let result = if up { migrator.upgrade(&target) } else { migrator.downgrade(&target) };
                bar.finish_and_clear();
                flush(&lines, out)?;
                let done = result?;
                say(out, format!("Done: {} revision(s) {}.", done.len(), if up { "applied" } else { "undone" }))?;
                ExitCode::SUCCESS
            }
            Command::Revision { message, branch_label, depends_on, head, renames, allow_data_loss, .. } => {
                let mut renames = renames;
                // On a terminal, ask about each possible rename not confirmed already.
                if std::io::stdin().is_terminal() {
                    let probe = migrator.check(&models, &options(&renames, true)?)?;
                    for c in probe.rename_candidates {
                        let question = format!("Is `{}.{}` renamed to `{}.{}`? [y/N] ", c.table, c.from, c.table, c.to);
                        if ask(&question, out)? {
                            renames.push(c.as_flag());
                        }
                    }
                }
                let new = NewRevision {
                    message,
                    autogenerate: Some((&models, options(&renames, allow_data_loss)?)),
                    branch_label,
                    depends_on,
                    head,
                };
                let (path, diff) = match migrator.revision(new) {
                    Ok(done) => done,
                    Err(Error::DataLoss { changes }) => {
                        // Say which of the drops may be renames.
                        let probe = migrator.check(&models, &options(&renames, true)?)?;
                        for c in probe.rename_candidates {
                            say(out, format!("maybe a rename: --rename {}", c.as_flag()))?;
                        }
                        return Err(Error::DataLoss { changes });
                    }
                    Err(e) => return Err(e),
                };
                flush(&lines, out)?;
                let diff = diff.unwrap_or_default();
                say(out, format!("Wrote {} ({} operation(s))", path.display(), diff.upgrade.len()))?;
                for op in &diff.upgrade {
                    say(out, format!("  {}", op.describe()))?;
                }
                for note in &diff.notes {
                    say(out, format!("  note: {note}"))?;
                }
                for c in &diff.rename_candidates {
                    say(out, format!("  maybe a rename: --rename {}", c.as_flag()))?;
                }
                if diff.is_empty() {
                    say(out, "  No changes: the database matches the models.".into())?;
                }
                ExitCode::SUCCESS
            }
            Command::Stamp { target } => {
                migrator.stamp(&target)?;
                flush(&lines, out)?;
                say(out, format!("Stamped: {}", list(&migrator.current()?)))?;
                ExitCode::SUCCESS
            }
            Command::Check => {
                let diff = migrator.check(&models, &options(&[], true)?)?;
                flush(&lines, out)?;
                if diff.is_empty() {
                    say(out, "No changes: the database matches the models.".into())?;
                    ExitCode::SUCCESS
                } else {
                    say(out, format!("{} change(s) between the models and the database:", diff.upgrade.len()))?;
                    for op in &diff.upgrade {
                        say(out, format!("  {}", op.describe()))?;
                    }
                    ExitCode::FAILURE
                }
            }
            _ => ExitCode::SUCCESS,
        };
        Ok(code)
    }

    /// The engine of `--url` / `DATABASE_URL`; with `-v` it logs each statement.
    fn engine(&self, args: &Args, lines: &Lines) -> Result<Engine> {
        let url = database_url(args)?;
        // One run, one connection: a database that cannot be reached is reported after
        // 10 s rather than the pool's default 30 s.
        let mut builder = Engine::builder(&url).connection_timeout(std::time::Duration::from_secs(10));
        if args.verbose {
            let log = lines.clone();
            builder = builder.before_execute(move |sql, _| push(&log, format!("  {sql}")));
        }
        Ok(builder.build()?)
    }

    /// An engine that only names the database kind for offline SQL (it connects to nothing
    /// unless used; SQLite in memory by default).
    fn offline_engine(&self, args: &Args) -> Result<Engine> {
        let url = database_url(args).unwrap_or_else(|_| "sqlite::memory:".into());
        Ok(Engine::builder(&url).build()?)
    }
}

fn database_url(args: &Args) -> Result<String> {
    args.url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| Error::Target("no database URL: pass --url, or set DATABASE_URL".into()))
}

/// `table.old=table.new`.
fn parse_rename(flag: &str) -> Result<(String, String)> {
    let bad = || Error::Target(format!("--rename `{flag}`: write table.old=table.new"));
    let (from, to) = flag.split_once('=').ok_or_else(bad)?;
    let (ft, _) = from.split_once('.').ok_or_else(bad)?;
    let (tt, _) = to.split_once('.').ok_or_else(bad)?;
    if ft != tt {
        return Err(Error::Target(format!("--rename `{flag}`: a column is renamed within its table")));
    }
    Ok((from.to_owned(), to.to_owned()))
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(len).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

fn flush(lines: &Lines, out: &mut dyn Write) -> Result<()> {
    let taken = std::mem::take(&mut *lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for line in taken {
        writeln!(out, "{line}").map_err(|source| Error::Io { path: "stdout".into(), source })?;
    }
    Ok(())
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "base".into()
    } else {
        ids.join(", ")
    }
}

/// Ask a yes/no question on the terminal.
fn ask(question: &str, out: &mut dyn Write) -> Result<bool> {
    let io = |source| Error::Io { path: "stdin".into(), source };
    write!(out, "{question}").map_err(io)?;
    out.flush().map_err(io)?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).map_err(io)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
