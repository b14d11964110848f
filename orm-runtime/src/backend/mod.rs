//! Running SQL: connections over rusqlite and postgres with per-connection statement caches,
//! the r2d2 pool glue, and the [`Engine`]. Nothing here builds SQL.

pub(crate) mod connection;
mod deadline;
mod engine;
mod error_map;
mod events;
mod pool;
#[cfg(feature = "postgres")]
mod postgres_conn;
mod row;
#[cfg(feature = "sqlite")]
mod sqlite_conn;
#[cfg(feature = "postgres")]
mod tls;
mod url;

pub use connection::{BindParam, Connection, Prepared};
pub use engine::{Engine, EngineBuilder, EngineEvents, PooledConnection, RawSql};
pub use events::{AfterExecuteHook, ConnectHook, ExecuteEvent, ExecuteHook, HookResult, SQL_LOG_TARGET};
pub use pool::PoolStatus;
pub use row::RowRef;
pub use url::{DatabaseUrl, SslMode};
