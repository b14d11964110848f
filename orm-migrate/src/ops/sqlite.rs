//! SQLite: what `ALTER TABLE` can do is done with it (rename a table or a column, add a
//! column that may be NULL or has a default); everything else rebuilds the table, as
//! Alembic's batch mode does: a new table with the changed definition, the rows copied, the
//! old table dropped, the new one renamed, its indexes made again, all inside the
//! transaction. Foreign keys are off for that transaction (dropping a referenced table would
//! otherwise delete or refuse the rows that reference it) and checked before it commits.

use orm_runtime::backend::Connection;
use orm_runtime::dialect::Dialect;
use orm_runtime::types::Value;
use orm_sql_lexer::TokenKind;

use super::describe::{op_name, op_table};
use super::render::{
    column_def, create_index, create_table, exec, ident, ident_list, own_sql, rust_outside_runner, transaction,
    type_sql, Flavor,
};
use super::spec::{ColumnSpec, ColumnType, Operation, TableSpec};
use crate::error::{Error, Result};
use crate::reflect;

/// SQLite's way.
pub(crate) struct SqliteFlavor;

/// The name of a table while its replacement is built.
const REBUILD_PREFIX: &str = "_orm_rebuild_";

const INDEX_SQL: &str =
    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name";
const FOREIGN_KEYS_ON: &str = "PRAGMA foreign_keys";
const FOREIGN_KEY_CHECK: &str = "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check";

/// Whether the SQL text `sql` names `column` (as a word or a quoted name).
fn mentions(sql: &str, column: &str) -> bool {
    orm_sql_lexer::tokenize(sql).is_ok_and(|tokens| {
        tokens.iter().any(|t| match t.kind {
            TokenKind::Word => t.text.eq_ignore_ascii_case(column),
            TokenKind::QuotedIdent(_) => t.identifier().is_some_and(|n| n.eq_ignore_ascii_case(column)),
            _ => false,
        })
    })
}

fn invalid(operation: &'static str, table: &str, reason: impl Into<String>) -> Error {
    Error::Invalid { operation, table: table.to_owned(), reason: reason.into() }
}

/// The statement that made one of a table's indexes.
struct IndexSql {
    sql: String,
    /// Its key columns as reflected (expressions as text).
    columns: Vec<String>,
}

impl SqliteFlavor {
    /// Rebuild `table` with `change` made to its definition and its indexes.
    fn rebuild(
        &self,
        conn: &mut Connection,
        operation: &'static str,
        table: &str,
        change: impl FnOnce(&mut TableSpec, &mut Vec<IndexSql>) -> Result<()>,
    ) -> Result<()> {
        let mut on = 0i64;
        conn.query(FOREIGN_KEYS_ON, &[], |r| {
            on = r.integer(0)?;
            Ok(())
        })?;
        if on != 0 {
            return Err(invalid(
                operation,
                table,
                "SQLite rebuilds the table for this, which needs foreign keys off for the transaction \
                 (`PRAGMA foreign_keys = OFF` before BEGIN): run it with `ops::run` or the migration \
                 runner, which do that and check the keys before committing",
            ));
        }
        let reflected = reflect::reflect_table(conn, table)?
            .ok_or_else(|| Error::NoSuchTable { operation, table: table.to_owned() })?;
        let mut indexes = Vec::new();
        conn.query(INDEX_SQL, &[Value::Text(table.to_owned())], |r| {
            let name = r.value::<String>(0)?;
            let columns =
                reflected.indexes.iter().find(|i| i.name == name).map(|i| i.columns.clone()).unwrap_or_default();
            indexes.push(IndexSql { sql: r.value::<String>(1)?, columns });
            Ok(())
        })?;
        let old: Vec<String> = reflected.columns.iter().map(|c| c.name.clone()).collect();
        let mut spec = TableSpec::of_reflected(&reflected);
        change(&mut spec, &mut indexes)?;

        let d = conn.dialect();
        let temp = format!("{REBUILD_PREFIX}{table}");
        let kept: Vec<String> = spec.columns.iter().filter(|c| old.contains(&c.name)).map(|c| c.name.clone()).collect();
        let mut statements = vec![create_table(d, self, &TableSpec { name: temp.clone(), ..spec })?];
        if !kept.is_empty() {
            let list = ident_list(d, &kept)?;
            statements.push(format!(
                "INSERT INTO {} ({list}) SELECT {list} FROM {}",
                ident(d, &temp)?,
                ident(d, table)?
            ));
        }
        statements.push(format!("DROP TABLE {}", ident(d, table)?));
        statements.push(format!("ALTER TABLE {} RENAME TO {}", ident(d, &temp)?, ident(d, table)?));
        statements.extend(indexes.into_iter().map(|ix| ix.sql));
        for sql in statements {
            exec(conn, &sql)?;
        }
        Ok(())
    }

    /// The one statement of an operation SQLite carries out in place; `None` for those that
    /// rebuild the table.
    fn direct(&self, d: &dyn Dialect, op: &Operation) -> Result<Option<String>> {
        Ok(Some(match op {
            Operation::CreateTable(t) => create_table(d, self, t)?,
            Operation::DropTable { table } => format!("DROP TABLE {}", ident(d, table)?),
            Operation::RenameTable { from, to } => {
                format!("ALTER TABLE {} RENAME TO {}", ident(d, from)?, ident(d, to)?)
            }
            Operation::RenameColumn { table, from, to } => {
                format!("ALTER TABLE {} RENAME COLUMN {} TO {}", ident(d, table)?, ident(d, from)?, ident(d, to)?)
            }
            Operation::CreateIndex { table, index } => create_index(d, table, index)?,
            Operation::DropIndex { name, .. } => format!("DROP INDEX {}", ident(d, name)?),
            Operation::AddColumn { table, column } if Self::adds_in_place(column) => {
                format!("ALTER TABLE {} ADD COLUMN {}", ident(d, table)?, column_def(d, self, column, false)?)
            }
            Operation::Sql { sql, sqlite, .. } => own_sql(sqlite, sql, "sqlite")?.to_owned(),
            Operation::Rust { name } => return Err(rust_outside_runner(name)),
            _ => return Ok(None),
        }))
    }

    /// `ADD COLUMN` does it: the column may hold NULL or has a default, and is not a key.
    fn adds_in_place(column: &ColumnSpec) -> bool {
        (column.nullable || column.default.is_some()) && !column.auto_increment
    }
}

impl Flavor for SqliteFlavor {
    fn generated_key(&self, d: &dyn Dialect, column: &ColumnSpec) -> String {
        // Only the exact type name INTEGER makes the key the rowid's alias.
        match &column.column_type {
            ColumnType::Neutral { .. } => "INTEGER".into(),
            ColumnType::Sql(sql) if sql.eq_ignore_ascii_case("INTEGER") => "INTEGER".into(),
            other => type_sql(d, other),
        }
    }

    fn render(&self, d: &dyn Dialect, op: &Operation) -> Result<Vec<String>> {
        match self.direct(d, op)? {
            Some(sql) => Ok(vec![sql]),
            None => Err(invalid(
                op_name(op),
                op_table(op),
                "SQLite rebuilds the table for this, which reads the live table first: offline SQL cannot \
                 show it; run the migration against the database",
            )),
        }
    }

    fn apply(&self, conn: &mut Connection, op: &Operation) -> Result<()> {
        let d = conn.dialect();
        if let Some(sql) = self.direct(d, op)? {
            return exec(conn, &sql);
        }
        match op {
            Operation::AddColumn { table, column } => {
                let column = column.clone();
                self.rebuild(conn, "add_column", table, move |spec, _| {
                    spec.columns.push(column);
                    Ok(())
                })
            }
            Operation::DropColumn { table, column } => self.rebuild(conn, "drop_column", table, |spec, indexes| {
                if !spec.columns.iter().any(|c| &c.name == column) {
                    return Err(invalid("drop_column", table, format!("it has no column `{column}`")));
                }
                if spec.key_columns().contains(&column.as_str()) {
                    return Err(invalid("drop_column", table, format!("`{column}` is part of the primary key")));
                }
                spec.columns.retain(|c| &c.name != column);
                spec.foreign_keys.retain(|fk| !fk.columns.contains(column));
                spec.uniques.retain(|u| !u.columns.contains(column));
                spec.checks.retain(|c| !mentions(&c.sql, column));
                indexes.retain(|ix| !ix.columns.iter().any(|k| k == column || mentions(k, column)));
                Ok(())
            }),
            Operation::AlterColumn { table, column, change } => self.rebuild(conn, "alter_column", table, |spec, _| {
                let c = spec
                    .columns
                    .iter_mut()
                    .find(|c| &c.name == column)
                    .ok_or_else(|| invalid("alter_column", table, format!("it has no column `{column}`")))?;
                if let Some(t) = &change.column_type {
                    c.column_type = ColumnType::Sql(type_sql(d, t));
                }
                if let Some(nullable) = change.nullable {
                    c.nullable = nullable;
                }
                if let Some(default) = &change.default {
                    c.default.clone_from(default);
                }
                Ok(())
            }),
            Operation::AddUnique { table, unique } => {
                let unique = unique.clone();
                self.rebuild(conn, "add_unique", table, move |spec, _| {
                    spec.uniques.push(unique);
                    Ok(())
                })
            }
            Operation::AddCheck { table, check } => {
                let check = check.clone();
                self.rebuild(conn, "add_check", table, move |spec, _| {
                    spec.checks.push(check);
                    Ok(())
                })
            }
            Operation::AddForeignKey { table, foreign_key } => {
                let fk = foreign_key.clone();
                self.rebuild(conn, "add_foreign_key", table, move |spec, _| {
                    spec.foreign_keys.push(fk);
                    Ok(())
                })
            }
            Operation::DropConstraint { table, name } => self.rebuild(conn, "drop_constraint", table, |spec, _| {
                let named = |n: &Option<String>| n.as_deref() == Some(name.as_str());
                let before = spec.uniques.len() + spec.checks.len() + spec.foreign_keys.len();
                spec.uniques.retain(|u| !named(&u.name));
                spec.checks.retain(|c| !named(&c.name));
                spec.foreign_keys.retain(|f| !named(&f.name));
                if before == spec.uniques.len() + spec.checks.len() + spec.foreign_keys.len() {
                    return Err(invalid("drop_constraint", table, format!("it has no constraint named `{name}`")));
                }
                Ok(())
            }),
            _ => Ok(()),
        }
    }

    fn lock_sql(&self) -> Option<&'static str> {
        None
    }

    fn in_transaction(&self, conn: &mut Connection, work: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
        // `PRAGMA foreign_keys` is a no-op inside a transaction: off before BEGIN, on after
        // COMMIT or ROLLBACK, whatever happened in between.
        conn.batch("PRAGMA foreign_keys = OFF")?;
        let result = transaction(conn, &mut |conn| {
            work(conn)?;
            let mut broken = None;
            conn.query(FOREIGN_KEY_CHECK, &[], |r| {
                if broken.is_none() {
                    broken = Some(Error::ForeignKeyCheck {
                        table: r.value::<String>(0)?,
                        rowid: r.value::<Option<i64>>(1)?.unwrap_or_default(),
                        referred_table: r.value::<String>(2)?,
                    });
                }
                Ok(())
            })?;
            broken.map_or(Ok(()), Err)
        });
        let restored = conn.batch("PRAGMA foreign_keys = ON");
        result?;
        Ok(restored?)
    }
}
