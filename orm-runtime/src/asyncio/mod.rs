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
//! One hop per call that may talk to the database: by default ([`Runs::OnBlockingPool`])
//! the work goes to a blocking-pool thread and its result comes back through a channel; with
//! [`Runs::InPlace`] (`AsyncEngine::runs`) the task's worker thread does the work itself,
//! tokio handing its other tasks to another thread meanwhile. Measured on this project's
//! two-core machine (`cargo run --release -p orm-benches -- --async`, README "Async"), a get
//! by key costs about 10 times the sync call on SQLite on the blocking pool (3 µs → 31 µs)
//! and about 5 times in place (→ 15 µs); on PostgreSQL, where the round trip dominates,
//! 1.9× and 1.3×; loading 100 rows or inserting 100 objects costs 1.0–1.9× the sync call.
//! Calls that never talk to the database (`add`, `add_all`, `expunge`, `begin`) run in
//! place without a hop either way. Many calls in one hop: [`AsyncSession::run_sync`] and
//! [`AsyncEngine::run_sync`].
//!
//! Native async I/O for PostgreSQL (tokio-postgres) would save only the hop, a few
//! microseconds against a round trip of 50 µs or more, at the price of a second backend to
//! keep in step with the first; the facade was chosen.
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
pub use hop::Runs;
pub use interrupted::Interrupted;
pub use query::{AsyncQuery, AsyncTextQuery};
pub use session::AsyncSession;
pub use statement::Executable;
