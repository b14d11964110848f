//! The SQLite dialect.

use crate::dialect::{Capabilities, Dialect, DialectKind};
use crate::expr::{Builtin, BuiltinSql, SqlPart};
use crate::schema::ColumnDef;
use crate::types::SqlKind;

/// SQLite: `?` placeholders, `INTEGER PRIMARY KEY` rowid keys, no native ILIKE.
///
/// SQLite has no JSON, UUID, date, time or decimal type: JSON, dates and times (ISO-8601,
/// like SQLAlchemy) and decimals are `TEXT`, UUIDs 16-byte `BLOB`s. Decimals are not
/// `NUMERIC`: that affinity would turn `'1.10'` into the float `1.1`.
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
        Capabilities {
            max_params: 32_766,
            array_params: false,
            max_identifier_len: 1024,
            nulls_ordering: true,
            ilike: false,
            parenthesized_compound_members: false,
            row_locks: false,
            isolation_levels: false,
            begin_immediate: true,
            transaction_settings: false,
            like_stops_at_nul: true,
            borrowed_binds: true,
            keys_by_rowid: true,
        }
    }
    fn push_placeholder(&self, out: &mut String, _n: usize) {
        out.push('?');
    }
    fn column_type_name(&self, kind: SqlKind, max_length: Option<u32>, numeric: Option<(u32, u32)>) -> String {
        match kind {
            SqlKind::Json | SqlKind::Timestamp | SqlKind::TimestampTz | SqlKind::Date | SqlKind::Time => "TEXT".into(),
            SqlKind::Numeric => "TEXT".into(),
            SqlKind::Uuid => "BLOB".into(),
            other => crate::dialect::standard_type_name(other, max_length, numeric),
        }
    }
    /// `-1` means "no limit" (SQLite needs a LIMIT before OFFSET).
    fn no_limit(&self) -> &'static str {
        "-1"
    }
    fn like_escape(&self) -> &'static str {
        " ESCAPE '\\'"
    }
    /// About 300 parameters' worth of rows (100 rows of 3 columns), and at most about 100
    /// text or byte values per statement. Measured (`benches/examples/sqlite_batch.rs`, 20,000
    /// and 1,000 rows of 3 to 20 columns): 300 parameters is within 2 % of the fastest budget
    /// at every width for mixed columns, about 1.7x faster than a prepared single-row INSERT
    /// per row; more parameters got slower again. Each text or byte value is copied into
    /// SQLite's per-connection pool of small allocations (about 120 slots by default); past
    /// that every copy is a `malloc`, which made the 300-parameter budget 35-65 % slower than
    /// the fastest on text-only rows, and the cap of 100 copied values brings it back.
    fn insert_rows_per_statement(&self, width: usize, copied: usize) -> usize {
        let by_params = 300 / width.max(1);
        match copied {
            0 => by_params,
            n => by_params.min(100 / n),
        }
    }
    /// Text, JSON, decimals, temporal values (ISO-8601 text) and bytes, UUIDs (16-byte blobs).
    fn binds_by_copy(&self, kind: SqlKind) -> bool {
        !matches!(
            kind,
            SqlKind::SmallInt | SqlKind::Integer | SqlKind::BigInt | SqlKind::Real | SqlKind::Double | SqlKind::Boolean
        )
    }
    fn auto_increment_column(&self, _col: &ColumnDef) -> String {
        // Only the exact type name INTEGER makes the column an alias of the rowid.
        "INTEGER PRIMARY KEY".into()
    }
    fn builtin(&self, func: Builtin) -> Option<BuiltinSql> {
        Some(match func {
            Builtin::Position => BuiltinSql::Call("INSTR"),
            // The text layout of the ORM's timestamps (see `types::temporal`), in UTC.
            Builtin::CurrentTimestamp => BuiltinSql::Template(&[SqlPart::Text("STRFTIME('%Y-%m-%d %H:%M:%f', 'now')")]),
            Builtin::CurrentTimestampTz => {
                BuiltinSql::Template(&[SqlPart::Text("STRFTIME('%Y-%m-%d %H:%M:%f+00:00', 'now')")])
            }
            Builtin::StringAgg => BuiltinSql::Call("GROUP_CONCAT"),
            other => return crate::dialect::standard_builtin(other),
        })
    }
    /// A bare key on the right of `->` is read by SQLite as a path when it starts with `$`,
    /// and wrapped in `$."…"` without escaping otherwise; so the ORM always sends a full path
    /// whose one step is the key, quoted (see `json_member_path`).
    fn json_key(&self, key: &str) -> crate::types::Value {
        crate::types::Value::Text(json_member_path(key))
    }
}

/// `$."key"`: the SQLite JSON path of the object member `key`. Inside the quotes SQLite
/// decodes JSON string escapes; `"`, `\` and control characters are written as `\uXXXX`
/// escapes, everything else as is.
pub(crate) fn json_member_path(key: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(key.len() + 4);
    out.push_str("$.\"");
    for c in key.chars() {
        if c == '"' || c == '\\' || c.is_control() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::json_member_path;

    #[test]
    fn json_member_paths_quote_the_key() {
        assert_eq!(json_member_path("a"), r#"$."a""#);
        assert_eq!(json_member_path(""), r#"$."""#);
        assert_eq!(json_member_path("x.y[0]$"), r#"$."x.y[0]$""#);
        assert_eq!(json_member_path("a\"b\\c\n"), r#"$."a\u0022b\u005cc\u000a""#);
    }

    /// Would catch: text-heavy rows batched past SQLite's small-allocation pool (35-65 %
    /// slower, `benches/examples/sqlite_batch.rs`), or mixed rows cut below 300 parameters.
    #[test]
    fn insert_batches_keep_300_parameters_and_100_copied_values() {
        use crate::dialect::Dialect;
        let d = super::Sqlite;
        assert_eq!(d.insert_rows_per_statement(3, 1), 100, "name, age, score");
        assert_eq!(d.insert_rows_per_statement(10, 0), 30);
        assert_eq!(d.insert_rows_per_statement(10, 4), 25);
        assert_eq!(d.insert_rows_per_statement(20, 20), 5);
        assert_eq!(d.insert_rows_per_statement(3, 3), 33);
        assert!(d.binds_by_copy(crate::types::SqlKind::Timestamp) && !d.binds_by_copy(crate::types::SqlKind::Double));
    }
}
