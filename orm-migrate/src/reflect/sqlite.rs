//! SQLite's catalog: `sqlite_schema` and the table-valued `pragma_*` functions, and the
//! stored `CREATE` statements for what no pragma reports (constraint names, CHECKs).

use orm_runtime::backend::Connection;
use orm_runtime::types::Value;
use orm_runtime::Result;

use super::catalog::Catalog;
use super::sqlite_ddl::{declared_constraints, index_keys, index_predicate};
use super::types::{
    action_from_words, CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint,
};

const TABLES: &str =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
const TABLE_SQL: &str = "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1";
/// `hidden` 1: a hidden column of a virtual table (not the table's own).
const COLUMNS: &str =
    "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?1) WHERE hidden <> 1 ORDER BY cid";
const FOREIGN_KEYS: &str =
    "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq";
/// Origin `c`: `CREATE INDEX`; `u`: a UNIQUE constraint; `pk`: the primary key.
const INDEXES: &str = "SELECT l.name, l.\"unique\", l.origin, l.partial, s.sql FROM pragma_index_list(?1) AS l \
                       LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = l.name ORDER BY l.name";
/// Key columns only (`key` 1); `name` is NULL for an expression.
const INDEX_COLUMNS: &str = "SELECT name FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno";
const PRIMARY_KEY_COLUMNS: &str = "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk";

/// SQLite's catalog reader.
pub(crate) struct SqliteCatalog;

fn text(v: &str) -> [Value; 1] {
    [Value::Text(v.to_owned())]
}

impl Catalog for SqliteCatalog {
    fn tables_sql(&self) -> &'static str {
        TABLES
    }

    fn table(&self, conn: &mut Connection, name: &str) -> Result<Option<Table>> {
        let mut ddl: Option<String> = None;
        conn.query(TABLE_SQL, &text(name), |r| {
            ddl = r.value::<Option<String>>(0)?;
            Ok(())
        })?;
        let Some(ddl) = ddl else { return Ok(None) };
        let declared = declared_constraints(&ddl);

        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        conn.query(COLUMNS, &text(name), |r| {
            let column = Column {
                name: r.value::<String>(0)?,
                data_type: r.value::<Option<String>>(1)?.unwrap_or_default(),
                nullable: r.integer(2)? == 0,
                default: r.value::<Option<String>>(3)?,
                auto_increment: false,
            };
            let pk = r.integer(4)?;
            if pk > 0 {
                key.push((pk, column.name.clone()));
            }
            columns.push(column);
            Ok(())
        })?;
        key.sort();
        // Only a lone key column declared exactly `INTEGER` is the rowid's alias.
        if let [(_, only)] = key.as_slice() {
            if let Some(c) = columns.iter_mut().find(|c| &c.name == only) {
                c.auto_increment = c.data_type.eq_ignore_ascii_case("INTEGER");
                // A rowid alias accepts NULL on insert (it generates the key) but never holds it.
                c.nullable = !c.auto_increment && c.nullable;
            }
        }
        let primary_key = (!key.is_empty()).then(|| PrimaryKey {
            name: declared.primary_key_name.clone(),
            columns: key.into_iter().map(|(_, c)| c).collect(),
        });

        let foreign_keys = self.foreign_keys(conn, name, &declared.foreign_keys)?;
        let (unique_constraints, indexes) = self.indexes(conn, name, &declared.uniques)?;
        let check_constraints = declared.checks.into_iter().map(|(name, sql)| CheckConstraint { name, sql }).collect();
        let mut table = Table {
            name: name.to_owned(),
            columns,
            primary_key,
            foreign_keys,
            unique_constraints,
            check_constraints,
            indexes,
        };
        table.sort();
        Ok(Some(table))
    }
}

impl SqliteCatalog {
    /// The foreign keys, named from the declaration with the same referencing columns.
    fn foreign_keys(
        &self,
        conn: &mut Connection,
        table: &str,
        declared: &[(Option<String>, Vec<String>)],
    ) -> Result<Vec<ForeignKey>> {
        let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
        conn.query(FOREIGN_KEYS, &text(table), |r| {
            let id = r.integer(0)?;
            let from = r.value::<String>(2)?;
            let to = r.value::<Option<String>>(3)?;
            match keys.last_mut() {
                Some((last, fk)) if *last == id => {
                    fk.columns.push(from);
                    fk.referred_columns.extend(to);
                }
                _ => keys.push((
                    id,
                    ForeignKey {
                        name: None,
                        columns: vec![from],
                        referred_table: r.value::<String>(1)?,
                        referred_columns: to.into_iter().collect(),
                        on_update: action_from_words(&r.value::<String>(4)?),
                        on_delete: action_from_words(&r.value::<String>(5)?),
                    },
                )),
            }
            Ok(())
        })?;
        let mut out = Vec::with_capacity(keys.len());
        for (_, mut fk) in keys {
            // `REFERENCES t` without columns: the referenced table's primary key.
            if fk.referred_columns.is_empty() {
                conn.query(PRIMARY_KEY_COLUMNS, &text(&fk.referred_table), |r| {
                    fk.referred_columns.push(r.value::<String>(0)?);
                    Ok(())
                })?;
            }
            fk.name = declared.iter().find(|(_, cols)| *cols == fk.columns).and_then(|(n, _)| n.clone());
            out.push(fk);
        }
        Ok(out)
    }

    /// UNIQUE constraints (named from the declaration with the same columns) and the
    /// indexes made by `CREATE INDEX`.
    fn indexes(
        &self,
        conn: &mut Connection,
        table: &str,
        declared: &[(Option<String>, Vec<String>)],
    ) -> Result<(Vec<UniqueConstraint>, Vec<Index>)> {
        let mut listed: Vec<(String, bool, String, bool, Option<String>)> = Vec::new();
        conn.query(INDEXES, &text(table), |r| {
            listed.push((
                r.value::<String>(0)?,
                r.integer(1)? != 0,
                r.value::<String>(2)?,
                r.integer(3)? != 0,
                r.value::<Option<String>>(4)?,
            ));
            Ok(())
        })?;
        let (mut uniques, mut indexes) = (Vec::new(), Vec::new());
        for (name, unique, origin, partial, sql) in listed {
            let mut columns: Vec<Option<String>> = Vec::new();
            conn.query(INDEX_COLUMNS, &text(&name), |r| {
                columns.push(r.value::<Option<String>>(0)?);
                Ok(())
            })?;
            match origin.as_str() {
                "u" => {
                    let columns: Vec<String> = columns.into_iter().flatten().collect();
                    let name = declared.iter().find(|(_, cols)| *cols == columns).and_then(|(n, _)| n.clone());
                    uniques.push(UniqueConstraint { name, columns });
                }
                "c" => {
                    let sql = sql.unwrap_or_default();
                    // An expression key has no name: its text comes from the statement.
                    let written = if columns.iter().any(Option::is_none) { index_keys(&sql) } else { Vec::new() };
                    let columns = columns
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| c.or_else(|| written.get(i).cloned()).unwrap_or_default())
                        .collect();
                    let predicate = if partial { index_predicate(&sql) } else { None };
                    indexes.push(Index { name, columns, unique, predicate });
                }
                _ => {}
            }
        }
        Ok((uniques, indexes))
    }
}
