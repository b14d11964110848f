//! Async engines and sessions (feature `async`, tokio): [`AsyncEngine`], [`AsyncSession`],
//! [`AsyncSessionFactory`], with the vocabulary of the sync API.
//!
//! # Design: one hop per call
//!
//! An async call hands its work to tokio's blocking pool (`spawn_blocking`) and awaits it;
//! there the sync [`Engine`](crate::Engine) and [`Session`](crate::Session) do exactly what
//! they do for sync code. This is how SQLAlchemy's asyncio extension wraps its sync Session,
//! and how diesel-async runs SQLite. So there is one unit of work, one identity map and one
//! renderer, the objects are the same [`Obj`](crate::Obj) handles (`Send + Sync`, usable
//! across `.await`), and every guarantee of the sync core holds: a broken connection never
//! goes back to the pool, a failed flush rolls back, a dropped session rolls back.
//!
//! # What each call costs
//!
//! One hop: a task handed to a blocking-pool thread and its result sent back, measured at
//! 5–15 µs here (README "Async", `cargo run --release -p orm-benches -- --async`). That is
//! on top of the sync call, so it matters for SQLite's microsecond reads and little for a
//! PostgreSQL round trip. Calls that never talk to the database (`add`, `add_all`,
//! `expunge`, `begin`) run in place without a hop. Many calls in one hop:
//! [`AsyncSession::run_sync`] and [`AsyncEngine::run_sync`].
//!
//! PostgreSQL over native async I/O (tokio-postgres) was measured against this and not
//! chosen: see the README's "Async" section for the numbers.
//!
//! # Cancellation
//!
//! Dropping a future never cuts a statement, a flush or a commit in half: the hop runs to
//! its end and reports what it did ([`AsyncSession::interrupted`]); a `transaction` whose
//! work was cut off is rolled back. See [`AsyncSession`].

mod engine;
mod factory;
mod hop;
mod interrupted;
mod query;
mod session;
mod statement;
#[cfg(feature = "axum")]
pub mod web;

pub use engine::AsyncEngine;
pub use factory::AsyncSessionFactory;
pub use interrupted::Interrupted;
pub use query::{AsyncQuery, AsyncTextQuery};
pub use session::AsyncSession;
pub use statement::Executable;
