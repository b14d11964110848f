//! What each database's catalog reader does (one implementation per database).

use orm_runtime::backend::Connection;
use orm_runtime::Result;

use super::types::Table;

/// Reads a database's catalog.
pub(crate) trait Catalog: Sync {
    /// The query of the tables' names, ordered (one column).
    fn tables_sql(&self) -> &'static str;

    /// The names of the tables, ordered.
    fn table_names(&self, conn: &mut Connection) -> Result<Vec<String>> {
        let mut names = Vec::new();
        conn.query(self.tables_sql(), &[], |r| {
            names.push(r.value::<String>(0)?);
            Ok(())
        })?;
        Ok(names)
    }

    /// One table, `None` if there is none of that name.
    fn table(&self, conn: &mut Connection, name: &str) -> Result<Option<Table>>;
}
