//! [`Error`]: what a migration step can fail with.

/// A failure of a migration step: the database's own (as [`orm_runtime::Error`]), or one
/// found before or after the statements ran.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database refused a statement, or could not be reached.
    #[error(transparent)]
    Database(#[from] orm_runtime::Error),
    /// An operation names a table the database does not have.
    #[error("{operation}: table `{table}` does not exist")]
    NoSuchTable {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
    },
    /// An operation cannot be carried out as given.
    #[error("{operation} on `{table}`: {reason}")]
    Invalid {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
    /// A statement of an operation failed.
    #[error("{source}\n  in: {sql}")]
    Statement {
        /// The statement.
        sql: String,
        /// The database's error.
        source: Box<orm_runtime::Error>,
    },
    /// A migration file cannot be read.
    #[error("{}: {reason}", file.display())]
    MalformedFile {
        /// The file.
        file: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two files hold revisions with one id.
    #[error("revision {revision} is in two files: {} and {}", first.display(), second.display())]
    DuplicateRevision {
        /// The id.
        revision: String,
        /// One file.
        first: std::path::PathBuf,
        /// The other.
        second: std::path::PathBuf,
    },
    /// A revision names a parent (or a dependency) no file holds.
    #[error("{}: revision {revision} names {missing} as its {relation}, and no migration file holds it", file.display())]
    MissingRevision {
        /// The revision naming it.
        revision: String,
        /// The file.
        file: std::path::PathBuf,
        /// The id named.
        missing: String,
        /// `parent` or `dependency`.
        relation: &'static str,
    },
    /// Revisions are their own ancestors.
    #[error("the revisions of these files form a cycle: {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
    Cycle {
        /// The files.
        files: Vec<std::path::PathBuf>,
    },
    /// No revision matches.
    #[error("unknown revision `{spec}`")]
    UnknownRevision {
        /// What was asked for.
        spec: String,
    },
    /// A prefix matches several revisions.
    #[error("revision prefix `{spec}` matches several revisions: {}", matches.join(", "))]
    AmbiguousRevision {
        /// The prefix.
        spec: String,
        /// The revisions it matches.
        matches: Vec<String>,
    },
    /// `head` asked for while the history has several heads.
    #[error("the history has several heads ({}): upgrade one of them by id, `heads` for all, or join them with `merge`", heads.join(", "))]
    MultipleHeads {
        /// The heads.
        heads: Vec<String>,
    },
    /// A migration failed: nothing of it was kept, and the version table is as it was.
    #[error("migration {revision} ({}) failed, nothing of it was applied: {source}", file.display())]
    Migration {
        /// The revision.
        revision: String,
        /// Its file.
        file: std::path::PathBuf,
        /// What failed.
        source: Box<Error>,
    },
    /// A target that does not apply here (`-3` with two revisions applied, a downgrade to a
    /// revision that is not applied, ...).
    #[error("{0}")]
    Target(String),
    /// The migrations folder or a file in it cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Autogenerate found changes that can lose data and was not told to accept them.
    #[error("these changes can lose data; pass the consent flag (`--allow-data-loss`) to write them anyway:\n{}", changes.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"))]
    DataLoss {
        /// The changes.
        changes: Vec<String>,
    },
    /// After a SQLite table rebuild, rows break a foreign key (the transaction is rolled back).
    #[error(
        "rows of `{table}` reference missing rows of `{referred_table}` after the migration (first rowid {rowid})"
    )]
    ForeignKeyCheck {
        /// The table holding the rows.
        table: String,
        /// The table they reference.
        referred_table: String,
        /// The first offending row's rowid.
        rowid: i64,
    },
}

/// The result of a migration step.
pub type Result<T> = std::result::Result<T, Error>;
