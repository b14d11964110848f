//! Runtime of the `orm` crate: everything that runs.
//!
//! Layers, top to bottom (beside the crate root: [`testing`], fixtures for users' tests); a
//! module imports only from its own layer or a lower one (the test `tests/layering.rs` checks
//! it on every `cargo test`):
//!
//! - [`session`]: the unit of work (identity map, object states, change tracking, flush),
//!   loaders and session queries; the one module that knows every layer below.
//! - [`query`]: the typed Core builders ([`select`](query::select), [`insert`](query::insert),
//!   [`update`](query::update), [`delete`](query::delete), compound selects, subqueries, raw
//!   [`text`](query::text)) and their execution through a connection; each model's CRUD
//!   statements, rendered once per dialect. It names no driver and no dialect kind.
//! - [`backend`]: connections over rusqlite / postgres, the r2d2 pool glue and the
//!   [`Engine`]. It runs statement text the dialect rendered and decodes rows; it builds no
//!   SQL (not even `COMMIT` or a savepoint).
//! - [`dialect`]: the one renderer, AST -> SQL text + bound values, with no I/O; DDL, `BEGIN`
//!   and the other transaction statements too. [`Sqlite`](dialect::Sqlite) and
//!   [`Postgres`](dialect::Postgres) override only what differs.
//! - [`expr`] (and [`hybrid`]): typed expressions over the neutral AST, and the AST itself:
//!   [`Node`](expr::Node), the statement structs (re-exported by [`query`]), selections and
//!   row locks.
//! - [`model`]: the [`Model`] trait that `#[derive(Model)]` implements.
//! - [`schema`]: table metadata ([`TableDef`](schema::TableDef), columns, constraints,
//!   indexes), foreign-key ordering, DDL plans, and the per-table cache of rendered CRUD text.
//! - [`types`]: Rust types <-> SQL types ([`SqlType`](types::SqlType), [`Value`](types::Value))
//!   and the rows of both drivers ([`RowRef`](types::RowRef)).
//! - [`error`]: the [`Error`] enum.
//!
//! A difference between databases is a [`Dialect`](dialect::Dialect) method or a field of
//! [`Capabilities`](dialect::Capabilities), never a `match` on the dialect's kind outside
//! [`dialect`]: [`DialectKind`](dialect::DialectKind) only names the database for users.
//! `derive_support` (hidden) is the support module of generated code and sits at the top
//! beside the crate root; nothing in the crate imports it.
//!
//! Users depend on the `orm` crate, which re-exports this one with `#[derive(Model)]`.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("orm needs a database backend: turn on its `sqlite` or `postgres` feature (both are on by default)");

#[cfg(feature = "async")]
pub mod asyncio;
pub mod backend;
#[doc(hidden)]
pub mod derive_support;
pub mod dialect;
pub mod error;
pub mod expr;
pub mod hybrid;
pub mod model;
pub mod query;
pub mod schema;
pub mod session;
pub mod testing;
pub mod types;

pub use backend::{Engine, EngineBuilder};
pub use error::{Error, Result};
pub use model::Model;
pub use session::{Obj, ObjectState, Session};
