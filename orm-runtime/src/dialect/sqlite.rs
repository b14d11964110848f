//! The SQLite dialect.

use crate::dialect::{Capabilities, Dialect, DialectKind};
use crate::schema::ColumnDef;

/// SQLite: `?` placeholders, `INTEGER PRIMARY KEY` rowid keys, no native ILIKE.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }
    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities { max_params: 32_766, max_identifier_len: 1024, nulls_ordering: true, ilike: false }
    }
    fn push_placeholder(&self, out: &mut String, _n: usize) {
        out.push('?');
    }
    fn auto_increment_column(&self, _col: &ColumnDef) -> String {
        // Only the exact type name INTEGER makes the column an alias of the rowid.
        "INTEGER PRIMARY KEY".into()
    }
}
