//! Running SQL: connections over rusqlite and postgres with per-connection statement caches,
//! the r2d2 pool glue, and the [`Engine`]. Nothing here builds SQL.

mod bind;
pub(crate) mod connection;
mod deadline;
mod engine;
mod error_map;
mod events;
mod liveness;
mod pool;
mod pool_state;
#[cfg(feature = "postgres")]
mod postgres_conn;
#[cfg(feature = "sqlite")]
mod sqlite_conn;
#[cfg(feature = "postgres")]
mod tls;
mod url;

pub use crate::types::RowRef;
pub use bind::BindParam;
pub use connection::{ConnectHook, Connection, Prepared};
pub use engine::{Engine, EngineBuilder, EngineEvents, PooledConnection, RawSql};
pub use events::{AfterExecuteHook, ExecuteEvent, ExecuteHook, HookResult, SQL_LOG_TARGET};
pub use pool::PoolStatus;
pub use url::{DatabaseUrl, SslMode};
