//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Schema migrations for the models of this program (Alembic's workflow).
#[derive(Debug, Parser)]
#[command(name = "migrate", version, about, long_about = None)]
pub(crate) struct Args {
    /// Database URL (default: the DATABASE_URL environment variable).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// The migrations folder.
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Print each statement sent to the database; with `history`, each revision's details.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the migrations folder.
    Init,
    /// Write a new revision: empty, or with --autogenerate the changes that make the database
    /// (at the head) match the models.
    Revision {
        /// What it does, in a few words.
        #[arg(short, long)]
        message: String,
        /// Fill it from the difference between the models and the database.
        #[arg(long)]
        autogenerate: bool,
        /// A label for the branch it starts.
        #[arg(long, value_name = "LABEL")]
        branch_label: Option<String>,
        /// A revision (of another branch) it needs; repeatable.
        #[arg(long, value_name = "REV")]
        depends_on: Vec<String>,
        /// Its parent (default: the head; `base` starts a new branch).
        #[arg(long, value_name = "REV")]
        head: Option<String>,
        /// A confirmed column rename, `table.old=table.new`; repeatable.
        #[arg(long = "rename", value_name = "FROM=TO")]
        renames: Vec<String>,
        /// Write changes that can lose data (dropping a table or a column, narrowing a type, ...).
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Apply revisions up to TARGET: `head`, `heads`, `+N`, or a revision (id, prefix, label).
    Upgrade {
        /// Where to go.
        #[arg(default_value = "head")]
        target: String,
        /// Print the SQL instead of running it (offline mode).
        #[arg(long)]
        sql: bool,
        /// With --sql: the revision the database is at (default: base).
        #[arg(long, value_name = "REV", requires = "sql")]
        from: Option<String>,
    },
    /// Undo revisions down to TARGET: `-N`, `base`, or a revision that stays applied.
    Downgrade {
        /// Where to go.
        #[arg(allow_negative_numbers = true)]
        target: String,
        /// Print the SQL instead of running it (offline mode).
        #[arg(long)]
        sql: bool,
        /// With --sql: the revision the database is at (required then).
        #[arg(long, value_name = "REV", requires = "sql")]
        from: Option<String>,
    },
    /// The revision(s) the database is at.
    Current,
    /// The revisions, newest first.
    History,
    /// The revisions nothing follows.
    Heads,
    /// The revisions where history branches.
    Branches,
    /// Write a revision joining two heads (or more).
    Merge {
        /// What it does.
        #[arg(short, long)]
        message: String,
        /// The revisions to join.
        #[arg(required = true, num_args = 2..)]
        revisions: Vec<String>,
    },
    /// Record TARGET as the database's revision without running anything.
    Stamp {
        /// `head`, `heads`, `base`, or a revision.
        target: String,
    },
    /// Exit non-zero if the models and the database differ (for CI).
    Check,
}
