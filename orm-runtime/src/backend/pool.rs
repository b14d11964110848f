//! The only r2d2 glue: how to open, probe and take back a [`Connection`].

use std::sync::Arc;

use crate::backend::connection::{Connection, Inner};
use crate::backend::error_map::from_pg;
use crate::backend::events::EngineHooks;
use crate::backend::postgres_conn::PgConn;
use crate::backend::sqlite_conn;
use crate::error::Error;

/// How to open a connection.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Sqlite { path: String, memory: bool },
    Postgres { config: Box<postgres::Config> },
}

/// r2d2 manager: opens connections, probes them on checkout, resets them on return.
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) hooks: Arc<EngineHooks>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").field("target", &self.target).finish()
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = Error;

    fn connect(&self) -> Result<Connection, Error> {
        let mut conn = self.open()?;
        for on_connect in &self.hooks.connect {
            on_connect(&mut conn)?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), Error> {
        conn.ping()
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.reset_on_return()
    }
}

impl Manager {
    /// A new connection, before the `on_connect` listeners.
    fn open(&self) -> Result<Connection, Error> {
        match &self.target {
            Target::Sqlite { path, memory } => {
                Ok(Connection::new(Inner::Sqlite(sqlite_conn::open(path, *memory)?), self.hooks.for_statements()))
            }
            Target::Postgres { config } => {
                let client = config.connect(postgres::NoTls).map_err(|e| match from_pg(e, None) {
                    Error::ConnectionLost { message } | Error::Database { message, .. } => {
                        Error::ConnectionLost { message: format!("could not connect: {message}") }
                    }
                    other => other,
                })?;
                Ok(Connection::new(Inner::Postgres(Box::new(PgConn::new(client))), self.hooks.for_statements()))
            }
        }
    }
}
