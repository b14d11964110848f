//! Runtime of the `orm` crate: everything that runs.
//!
//! Layers, each depending only on the ones below it:
//!
//! - [`session`]: the unit of work (identity map, object states, change tracking, flush);
//! - [`query`]: typed Core statements and the dialect-neutral statement AST;
//! - [`expr`]: typed expressions over an untyped AST node;
//! - [`schema`]: table metadata and DDL ordering;
//! - [`types`]: Rust types <-> SQL types.
//!
//! Beside them, [`dialect`] renders the AST (no I/O) and [`backend`] runs SQL through the
//! r2d2 pool on rusqlite or postgres (it never builds SQL).
//!
//! Users depend on the `orm` crate, which re-exports this one with `#[derive(Model)]`.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("orm needs a database backend: turn on its `sqlite` or `postgres` feature (both are on by default)");

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
pub mod types;

pub use backend::{Engine, EngineBuilder};
pub use error::{Error, Result};
pub use model::Model;
pub use session::{Obj, ObjectState, Session};
