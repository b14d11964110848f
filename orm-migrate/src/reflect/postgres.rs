//! PostgreSQL's catalog (`pg_catalog`), for the tables of the connection's current schema.

use orm_runtime::backend::Connection;
use orm_runtime::schema::ReferentialAction;
use orm_runtime::types::Value;
use orm_runtime::Result;

use super::catalog::Catalog;
use super::types::{CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint};
use crate::sql_text::encloses;

const TABLES: &str = "SELECT c.relname::text FROM pg_catalog.pg_class c \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1";

/// The table's oid in the current schema (none: no such table).
const TABLE_OID: &str = "SELECT c.oid::int8 FROM pg_catalog.pg_class c \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = $1";

const COLUMNS: &str = "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
    pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
    FROM pg_catalog.pg_attribute a \
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// One row per constraint and column (in key order; a CHECK without columns has one row
/// with NULL columns).
const CONSTRAINTS: &str = "SELECT con.conname::text, con.contype::text, a.attname::text, fa.attname::text, \
    ref.relname::text, con.confdeltype::text, con.confupdtype::text, \
    pg_catalog.pg_get_constraintdef(con.oid, true) \
    FROM pg_catalog.pg_constraint con \
    LEFT JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) ON true \
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
    LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.ord] \
    LEFT JOIN pg_catalog.pg_class ref ON ref.oid = con.confrelid \
    WHERE con.conrelid = $1::int8::oid AND con.contype IN ('p', 'u', 'f', 'c') \
    ORDER BY con.conname, k.ord";

/// One row per index (not one backing a constraint) and key column.
const INDEXES: &str = "SELECT i.relname::text, ix.indisunique, \
    pg_catalog.pg_get_indexdef(ix.indexrelid, k.ord::int4, true), \
    pg_catalog.pg_get_expr(ix.indpred, ix.indrelid) \
    FROM pg_catalog.pg_index ix \
    JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
    CROSS JOIN LATERAL generate_series(1, ix.indnkeyatts) AS k(ord) \
    WHERE ix.indrelid = $1::int8::oid \
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = ix.indexrelid \
        AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x')) \
    ORDER BY i.relname, k.ord";

/// PostgreSQL's catalog reader.
pub(crate) struct PostgresCatalog;

/// `pg_constraint.confdeltype` / `confupdtype`.
fn action(code: &str) -> ReferentialAction {
    match code {
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        "r" => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    }
}

/// `CHECK ((a > 0))` as `pg_get_constraintdef` prints it -> `a > 0`.
fn check_condition(def: &str) -> String {
    let inner = def.trim().strip_prefix("CHECK").map(str::trim).unwrap_or(def);
    let inner = inner.strip_suffix(" NOT VALID").unwrap_or(inner);
    let mut s = inner.trim();
    // Outer parentheses that enclose the whole condition.
    while s.starts_with('(') && s.ends_with(')') && encloses(s) {
        s = s[1..s.len() - 1].trim();
    }
    s.to_owned()
}

impl Catalog for PostgresCatalog {
    fn tables_sql(&self) -> &'static str {
        TABLES
    }

    fn table(&self, conn: &mut Connection, name: &str) -> Result<Option<Table>> {
        let mut oid = None;
        conn.query(TABLE_OID, &[Value::Text(name.to_owned())], |r| {
            oid = Some(r.integer(0)?);
            Ok(())
        })?;
        let Some(oid) = oid else { return Ok(None) };
        let oid = [Value::I64(oid)];

        let mut columns = Vec::new();
        conn.query(COLUMNS, &oid, |r| {
            let default = r.value::<Option<String>>(3)?;
            let identity = r.value::<String>(4)?;
            // A `serial` column's default is its sequence: a generated key, not a default.
            let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
            columns.push(Column {
                name: r.value::<String>(0)?,
                data_type: r.value::<String>(1)?,
                nullable: !r.value::<bool>(2)?,
                default: if serial { None } else { default },
                auto_increment: serial || !identity.is_empty(),
            });
            Ok(())
        })?;

        let mut table = Table {
            name: name.to_owned(),
            columns,
            primary_key: None,
            foreign_keys: Vec::new(),
            unique_constraints: Vec::new(),
            check_constraints: Vec::new(),
            indexes: Vec::new(),
        };
        self.constraints(conn, &oid, &mut table)?;
        self.indexes(conn, &oid, &mut table)?;
        table.sort();
        Ok(Some(table))
    }
}

impl PostgresCatalog {
    fn constraints(&self, conn: &mut Connection, oid: &[Value], table: &mut Table) -> Result<()> {
        // Rows of one constraint are consecutive (ordered by name, then key position).
        let mut last: Option<(String, String)> = None;
        conn.query(CONSTRAINTS, oid, |r| {
            let name = r.value::<String>(0)?;
            let kind = r.value::<String>(1)?;
            let column = r.value::<Option<String>>(2)?;
            let same = last.as_ref().is_some_and(|(n, k)| *n == name && *k == kind);
            match kind.as_str() {
                "p" => match (&mut table.primary_key, same) {
                    (Some(pk), true) => pk.columns.extend(column),
                    _ => {
                        table.primary_key =
                            Some(PrimaryKey { name: Some(name.clone()), columns: column.into_iter().collect() })
                    }
                },
                "u" => match table.unique_constraints.last_mut() {
                    Some(u) if same => u.columns.extend(column),
                    _ => table
                        .unique_constraints
                        .push(UniqueConstraint { name: Some(name.clone()), columns: column.into_iter().collect() }),
                },
                "f" => match table.foreign_keys.last_mut() {
                    Some(fk) if same => {
                        fk.columns.extend(column);
                        fk.referred_columns.extend(r.value::<Option<String>>(3)?);
                    }
                    _ => table.foreign_keys.push(ForeignKey {
                        name: Some(name.clone()),
                        columns: column.into_iter().collect(),
                        referred_table: r.value::<String>(4)?,
                        referred_columns: r.value::<Option<String>>(3)?.into_iter().collect(),
                        on_delete: action(&r.value::<String>(5)?),
                        on_update: action(&r.value::<String>(6)?),
                    }),
                },
                // One row per column the condition names: the first one makes the entry.
                "c" if !same => table
                    .check_constraints
                    .push(CheckConstraint { name: Some(name.clone()), sql: check_condition(&r.value::<String>(7)?) }),
                _ => {}
            }
            last = Some((name, kind));
            Ok(())
        })
    }

    fn indexes(&self, conn: &mut Connection, oid: &[Value], table: &mut Table) -> Result<()> {
        conn.query(INDEXES, oid, |r| {
            let name = r.value::<String>(0)?;
            let key = r.value::<String>(2)?;
            match table.indexes.last_mut() {
                Some(ix) if ix.name == name => ix.columns.push(unquote(&key)),
                _ => table.indexes.push(Index {
                    name,
                    columns: vec![unquote(&key)],
                    unique: r.value::<bool>(1)?,
                    predicate: r.value::<Option<String>>(3)?.map(|p| check_condition(&p)),
                }),
            }
            Ok(())
        })
    }
}

/// `"Mixed Case"` as `pg_get_indexdef` quotes a column -> `Mixed Case`; an expression as is.
fn unquote(key: &str) -> String {
    match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
        // One quoted name: any quote inside it is doubled.
        Some(inner) if !inner.replace("\"\"", "").contains('"') => inner.replace("\"\"", "\""),
        _ => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_definitions_lose_their_keyword_and_outer_parentheses() {
        assert_eq!(check_condition("CHECK (age >= 0)"), "age >= 0");
        assert_eq!(check_condition("CHECK ((a > 0) AND (b > 0))"), "(a > 0) AND (b > 0)");
        assert_eq!(check_condition("CHECK (length(name) > 1) NOT VALID"), "length(name) > 1");
        assert_eq!(check_condition("CHECK (name <> ')')"), "name <> ')'");
    }

    #[test]
    fn index_keys_are_unquoted_names_or_expressions() {
        assert_eq!(unquote("\"Mixed Case\""), "Mixed Case");
        assert_eq!(unquote("\"a\"\"b\""), "a\"b");
        assert_eq!(unquote("lower(name)"), "lower(name)");
    }
}
