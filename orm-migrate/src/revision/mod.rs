//! Revisions: migration files, their history (parents, branches, merges), the version
//! table, and the runner that upgrades and downgrades a database along them.

mod authoring;
mod file;
mod graph;
mod plan;
mod runner;
mod version;

pub use authoring::{write_merge, write_revision, NewRevision};
pub use file::{new_revision_id, Revision};
pub use graph::History;
pub use plan::{downgrade_plan, upgrade_plan};
pub use runner::{DataMigration, Direction, Migrator, Progress};
pub use version::{heads as applied_heads, VERSION_TABLE};
