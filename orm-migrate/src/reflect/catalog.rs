//! What each database's catalog reader does (one implementation per database).

use orm_runtime::backend::Connection;
use orm_runtime::Result;

use super::types::Table;

/// Reads a database's catalog.
pub(crate) trait Catalog: Sync {
    /// The names of the tables, ordered.
    fn table_names(&self, conn: &mut Connection) -> Result<Vec<String>>;
    /// One table, `None` if there is none of that name.
    fn table(&self, conn: &mut Connection, name: &str) -> Result<Option<Table>>;
}
