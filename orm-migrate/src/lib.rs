//! Schema evolution for the `orm` crate. Users reach it as `orm::migrate` (and reflection as
//! `orm::reflect`), cargo features `migrate` and `reflect` of `orm`.
//!
//! - [`reflect`]: what a live database holds — tables, columns (type as the database reports
//!   it, nullability, default, generated keys), primary keys, foreign keys with their actions,
//!   unique and check constraints, and indexes, with their names — on SQLite and PostgreSQL.
//! - [`ops`]: dialect-neutral schema changes (create, drop, rename and alter tables, columns,
//!   indexes and constraints, and hand-written SQL), rendered for the database they run on;
//!   on SQLite what `ALTER TABLE` cannot do rebuilds the table, keeping every row.
//! - [`revision`]: migration files (TOML, one revision each), their history with branches
//!   and merges, the version table, and [`Migrator`](revision::Migrator), which upgrades and
//!   downgrades a database one revision per transaction.
//! - [`autogen`]: the operations that make the database match the models, compared live.
//! - `cli` (feature `cli`): the command line a project's migration binary runs.

pub mod autogen;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
pub mod ops;
pub mod reflect;
pub mod revision;
mod sql_text;

pub use error::{Error, Result};
