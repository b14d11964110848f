//! SQL text of the operations that read alike on every database; what differs is asked of
//! the [`Flavor`].

use orm_runtime::backend::Connection;
use orm_runtime::dialect::Dialect;
use orm_runtime::schema::ReferentialAction;

use super::spec::{ColumnSpec, ColumnType, ForeignKeySpec, IndexSpec, Operation, TableSpec};
use crate::error::Result;

/// What one database does its own way.
pub(crate) trait Flavor: Sync {
    /// The type and clauses of a generated key column, without `PRIMARY KEY` (SQLite:
    /// `INTEGER`, the rowid's alias once it is the key; PostgreSQL: an identity column).
    fn generated_key(&self, d: &dyn Dialect, column: &ColumnSpec) -> String;
    /// The statements of `op` without a connection (offline SQL), or why they cannot be known
    /// without one.
    fn render(&self, d: &dyn Dialect, op: &Operation) -> Result<Vec<String>>;
    /// Carry out `op` on `conn`, inside the caller's transaction.
    fn apply(&self, conn: &mut Connection, op: &Operation) -> Result<()>;
    /// The statement that makes concurrent migration runs wait for each other, taken first
    /// in each migration's transaction (SQLite: none, `BEGIN IMMEDIATE` is that lock).
    fn lock_sql(&self) -> Option<&'static str>;
    /// Run `work` in a transaction of its own on `conn` (not in one), with what the database
    /// needs around it for the operations to keep every row.
    fn in_transaction(&self, conn: &mut Connection, work: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()>;
}

/// Begin, run `work`, commit; roll back when it fails.
pub(crate) fn transaction(conn: &mut Connection, work: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
    conn.begin(true)?;
    match work(conn) {
        Ok(()) => Ok(conn.commit()?),
        Err(e) => {
            // The failure is what the caller needs to hear; a failed rollback leaves the
            // connection broken, which the pool does not lend again.
            let _ = conn.rollback();
            Err(e)
        }
    }
}

/// The text of a hand-written [`Operation::Sql`] for a database.
pub(crate) fn own_sql<'o>(own: &'o Option<String>, any: &'o Option<String>, database: &str) -> Result<&'o str> {
    own.as_deref().or(any.as_deref()).ok_or_else(|| crate::error::Error::Invalid {
        operation: "sql",
        table: String::new(),
        reason: format!("no SQL given for {database} (`sql`, or `{database}` for this database only)"),
    })
}

/// `name`, quoted.
pub(crate) fn ident(d: &dyn Dialect, name: &str) -> Result<String> {
    let mut out = String::new();
    d.push_identifier(&mut out, name)?;
    Ok(out)
}

/// Names, quoted, comma-separated.
pub(crate) fn ident_list(d: &dyn Dialect, names: &[String]) -> Result<String> {
    Ok(names.iter().map(|n| ident(d, n)).collect::<Result<Vec<_>>>()?.join(", "))
}

/// The type's SQL.
pub(crate) fn type_sql(d: &dyn Dialect, t: &ColumnType) -> String {
    match t {
        ColumnType::Neutral { kind, max_length, numeric } => d.column_type_name(*kind, *max_length, *numeric),
        ColumnType::Sql(sql) => sql.clone(),
    }
}

/// `"name" TYPE [NOT NULL] [DEFAULT ...]`; a generated key as the flavor writes it, with
/// `PRIMARY KEY` when `inline_key`.
pub(crate) fn column_def(d: &dyn Dialect, f: &dyn Flavor, c: &ColumnSpec, inline_key: bool) -> Result<String> {
    let mut out = ident(d, &c.name)?;
    out.push(' ');
    if c.auto_increment {
        out.push_str(&f.generated_key(d, c));
        if inline_key {
            out.push_str(" PRIMARY KEY");
        }
    } else {
        out.push_str(&type_sql(d, &c.column_type));
        if !c.nullable {
            out.push_str(" NOT NULL");
        }
    }
    if let Some(default) = &c.default {
        out.push_str(" DEFAULT ");
        out.push_str(default);
    }
    Ok(out)
}

/// `CONSTRAINT "name" ` for a named constraint, nothing otherwise.
pub(crate) fn constraint_name(d: &dyn Dialect, name: Option<&str>) -> Result<String> {
    Ok(match name {
        Some(n) => format!("CONSTRAINT {} ", ident(d, n)?),
        None => String::new(),
    })
}

/// `FOREIGN KEY (..) REFERENCES "t" (..) [ON DELETE ..] [ON UPDATE ..]`.
pub(crate) fn foreign_key(d: &dyn Dialect, fk: &ForeignKeySpec) -> Result<String> {
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        ident_list(d, &fk.columns)?,
        ident(d, &fk.referred_table)?,
        ident_list(d, &fk.referred_columns)?
    );
    if fk.on_delete != ReferentialAction::NoAction {
        out.push_str(" ON DELETE ");
        out.push_str(fk.on_delete.as_sql());
    }
    if fk.on_update != ReferentialAction::NoAction {
        out.push_str(" ON UPDATE ");
        out.push_str(fk.on_update.as_sql());
    }
    Ok(out)
}

/// `CREATE TABLE` with its columns, key and constraints.
pub(crate) fn create_table(d: &dyn Dialect, f: &dyn Flavor, t: &TableSpec) -> Result<String> {
    // A generated key without a declared primary key is the key, written with its column.
    let inline_key = t.primary_key.is_none();
    let mut parts = Vec::new();
    for c in &t.columns {
        parts.push(column_def(d, f, c, inline_key)?);
    }
    if let Some(pk) = &t.primary_key {
        parts.push(format!("{}PRIMARY KEY ({})", constraint_name(d, pk.name.as_deref())?, ident_list(d, &pk.columns)?));
    }
    for fk in &t.foreign_keys {
        parts.push(format!("{}{}", constraint_name(d, fk.name.as_deref())?, foreign_key(d, fk)?));
    }
    for u in &t.uniques {
        parts.push(format!("{}UNIQUE ({})", constraint_name(d, u.name.as_deref())?, ident_list(d, &u.columns)?));
    }
    for c in &t.checks {
        parts.push(format!("{}CHECK ({})", constraint_name(d, c.name.as_deref())?, c.sql));
    }
    Ok(format!("CREATE TABLE {} (\n    {}\n)", ident(d, &t.name)?, parts.join(",\n    ")))
}

/// `CREATE [UNIQUE] INDEX "name" ON "table" (..) [WHERE ..]`.
pub(crate) fn create_index(d: &dyn Dialect, table: &str, ix: &IndexSpec) -> Result<String> {
    let mut out = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if ix.unique { "UNIQUE " } else { "" },
        ident(d, &ix.name)?,
        ident(d, table)?,
        ident_list(d, &ix.columns)?
    );
    if let Some(p) = &ix.predicate {
        out.push_str(" WHERE ");
        out.push_str(p);
    }
    Ok(out)
}

/// [`Operation::Rust`] outside the migration runner, which holds the registered functions.
pub(crate) fn rust_outside_runner(name: &str) -> crate::error::Error {
    crate::error::Error::Invalid {
        operation: "rust",
        table: String::new(),
        reason: format!(
            "the data migration `{name}` is a Rust function: it runs through the migration runner, which knows it"
        ),
    }
}

/// Run one statement; a failure names it.
pub(crate) fn exec(conn: &mut Connection, sql: &str) -> Result<()> {
    conn.batch(sql).map_err(|source| crate::error::Error::Statement { sql: sql.to_owned(), source: Box::new(source) })
}
