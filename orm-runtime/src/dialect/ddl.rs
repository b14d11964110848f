//! DDL rendering: CREATE TABLE with its constraints, CREATE INDEX, DROP TABLE.

use crate::dialect::render::Writer;
use crate::dialect::Dialect;
use crate::error::{Misuse, Result};
use crate::schema::Ddl;
use crate::schema::{ColumnDef, NamingConvention, TableDef};

/// Name of the CHECK constraint declared on a column: the name given in the model, else
/// `ck_<table>_<column>` (the default [`NamingConvention`]'s).
pub fn column_check_name(col: &ColumnDef) -> String {
    NamingConvention::default().column_check_name(col).unwrap_or_else(|_| format!("ck_{}_{}", col.table, col.name))
}

/// Render DDL as one or more statements (no parameters), naming what the models leave
/// unnamed with the default [`NamingConvention`].
pub fn render_ddl(dialect: &dyn Dialect, ddl: &Ddl) -> Result<Vec<String>> {
    render_ddl_with(dialect, ddl, &NamingConvention::default())
}

/// [`render_ddl`] with the indexes and constraints the models leave unnamed named by
/// `naming`.
pub fn render_ddl_with(dialect: &dyn Dialect, ddl: &Ddl, naming: &NamingConvention) -> Result<Vec<String>> {
    match *ddl {
        Ddl::CreateTable { table, if_not_exists, ref subtypes } => {
            Ok(vec![create_table(dialect, naming, table, subtypes, if_not_exists)?])
        }
        Ddl::CreateIndexes { table, if_not_exists } => table
            .indexes
            .iter()
            .map(|ix| {
                let mut w = Writer { d: dialect, sql: String::new(), params: Vec::new() };
                w.push(if ix.unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " });
                if if_not_exists {
                    w.push("IF NOT EXISTS ");
                }
                w.ident(&naming.index_name(table, ix)?)?;
                w.push(" ON ");
                w.ident(table.name)?;
                w.push(" (");
                for (i, c) in ix.columns.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(c)?;
                }
                w.push(")");
                Ok(w.sql)
            })
            .collect(),
        Ddl::DropTable { table, if_exists } => {
            let mut w = Writer { d: dialect, sql: String::new(), params: Vec::new() };
            w.push(if if_exists { "DROP TABLE IF EXISTS " } else { "DROP TABLE " });
            w.ident(table.name)?;
            Ok(vec![w.sql])
        }
    }
}

/// The columns of a single table: the base's, then each subtype's own (nullable: the rows of
/// other types leave them NULL).
fn columns_with_subtypes<'a>(t: &'a TableDef, subtypes: &[&'a TableDef]) -> Result<Vec<&'a ColumnDef>> {
    let mut cols: Vec<&ColumnDef> = t.columns.iter().collect();
    for sub in subtypes {
        for c in sub.columns {
            match cols.iter().find(|k| k.name == c.name) {
                Some(k) if k.kind != c.kind => {
                    return Err(Misuse::SubtypeColumnType { table: t.name, column: c.name, subtype: sub.model }.into())
                }
                Some(_) => {}
                None if !c.nullable && c.server_default.is_none() => {
                    return Err(
                        Misuse::SubtypeColumnNotNull { subtype: sub.model, field: c.field, table: t.name }.into()
                    )
                }
                None => cols.push(c),
            }
        }
    }
    Ok(cols)
}

fn create_table(
    d: &dyn Dialect,
    naming: &NamingConvention,
    t: &TableDef,
    subtypes: &[&'static TableDef],
    if_not_exists: bool,
) -> Result<String> {
    let mut w = Writer { d, sql: String::new(), params: Vec::new() };
    w.push(if if_not_exists { "CREATE TABLE IF NOT EXISTS " } else { "CREATE TABLE " });
    w.ident(t.name)?;
    w.push(" (\n");
    let inline_pk = t.primary_key.len() == 1 && t.columns[t.primary_key[0]].auto_increment;
    let mut first = true;
    for col in columns_with_subtypes(t, subtypes)? {
        if !first {
            w.push(",\n");
        }
        first = false;
        w.push("    ");
        w.ident(col.name)?;
        w.push(" ");
        if col.auto_increment {
            w.push(&d.auto_increment_column(col));
        } else {
            w.push(&d.column_type_name(col.kind, col.max_length, col.numeric));
            if !col.nullable {
                w.push(" NOT NULL");
            }
        }
        if let Some(default) = col.server_default {
            w.push(" DEFAULT ");
            // Server defaults are SQL text written by the model's author, like CHECKs.
            w.push(default);
        }
        if col.unique {
            w.push(" CONSTRAINT ");
            w.ident(&naming.column_unique_name(col)?)?;
            w.push(" UNIQUE");
        }
        if let Some(check) = col.check {
            w.push(" CONSTRAINT ");
            w.ident(&naming.column_check_name(col)?)?;
            w.push(" CHECK (");
            w.push(check);
            w.push(")");
        }
        if let Some(fk) = col.foreign_key {
            let target = (fk.target)();
            w.push(" CONSTRAINT ");
            w.ident(&naming.foreign_key_name(col, target)?)?;
            w.push(" REFERENCES ");
            w.ident(target.table)?;
            w.push(" (");
            w.ident(target.name)?;
            w.push(")");
            if fk.on_delete != crate::schema::ReferentialAction::NoAction {
                w.push(" ON DELETE ");
                w.push(fk.on_delete.as_sql());
            }
            if fk.on_update != crate::schema::ReferentialAction::NoAction {
                w.push(" ON UPDATE ");
                w.push(fk.on_update.as_sql());
            }
        }
    }
    if !inline_pk && !t.primary_key.is_empty() {
        w.push(",\n    CONSTRAINT ");
        w.ident(&naming.primary_key_name(t)?)?;
        w.push(" PRIMARY KEY (");
        for (i, c) in t.primary_key_columns().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c.name)?;
        }
        w.push(")");
    }
    for uq in t.unique_constraints {
        w.push(",\n    CONSTRAINT ");
        w.ident(&naming.unique_name(t, uq)?)?;
        w.push(" UNIQUE (");
        for (i, c) in uq.columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(c)?;
        }
        w.push(")");
    }
    for (i, check) in t.checks.iter().enumerate() {
        w.push(",\n    CONSTRAINT ");
        w.ident(&naming.check_name(t, i, check)?)?;
        w.push(" CHECK (");
        w.push(check.sql);
        w.push(")");
    }
    w.push("\n)");
    Ok(w.sql)
}
