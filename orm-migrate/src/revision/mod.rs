//! Revisions: migration files, their history (parents, branches, merges), the version
//! table, and the runner that upgrades and downgrades a database along them.

mod file;
mod graph;
mod runner;
mod version;

pub use file::{new_revision_id, Revision};
pub use graph::History;
pub use runner::{downgrade_plan, upgrade_plan, DataMigration, Direction, Migrator, NewRevision, Progress};
pub use version::{heads as applied_heads, VERSION_TABLE};
