//! Each model's CRUD statements, rendered once per dialect and shape, then cached in the
//! model's [`TableDef`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::dialect::{render, Dialect};
use crate::error::Result;
use crate::expr::{BinOp, Node};
use crate::model::ColumnMask;
use crate::query::{DeleteStatement, InsertStatement, SelectStatement, Statement, UpdateStatement};
use crate::schema::statement_cache::FixedStatement;
use crate::schema::TableDef;
use crate::types::Value;

/// The shape of a cached CRUD statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CrudShape {
    /// SELECT every column WHERE key.
    Get,
    /// INSERT these columns, RETURNING those.
    Insert { columns: ColumnMask, returning: ColumnMask },
    /// UPDATE these columns WHERE key.
    Update { columns: ColumnMask },
    /// DELETE WHERE key.
    Delete,
}

impl CrudShape {
    /// Where the table's statement cache keeps the text of this shape.
    fn cached(self, table: &'static TableDef, d: &dyn Dialect) -> Result<Arc<str>> {
        let cache = &table.statements;
        let render = || render_crud(table, d, self);
        match self {
            CrudShape::Get => cache.fixed(d.cache_slot(), FixedStatement::Get, render),
            CrudShape::Delete => cache.fixed(d.cache_slot(), FixedStatement::Delete, render),
            CrudShape::Insert { columns, returning } => {
                cache.shaped(d.cache_slot(), (0, columns.0, returning.0), render)
            }
            CrudShape::Update { columns } => cache.shaped(d.cache_slot(), (1, columns.0, 0), render),
        }
    }
}

/// Placeholder values: only their count matters for the cached text.
fn placeholder() -> Node {
    Node::Value(Value::Null)
}

fn key_filter(table: &TableDef) -> Node {
    key_condition(table, std::iter::repeat_with(|| Value::Null))
}

/// `"t"."k1" = ? AND ...`: each key column of `table` compared with the next of `values`
/// (key-column order).
pub(crate) fn key_condition(table: &TableDef, values: impl IntoIterator<Item = Value>) -> Node {
    let mut cond: Option<Node> = None;
    for (c, v) in table.primary_key_columns().zip(values) {
        let eq = Node::binary(BinOp::Eq, Node::Column { table: table.name, name: c.name }, Node::Value(v));
        cond = Some(crate::expr::statement::and(cond, eq));
    }
    cond.unwrap_or(Node::Value(Value::Bool(true)))
}

/// The key condition, and for a model with a version column `AND "version" = ?`: a row
/// changed by another transaction since it was read matches nothing.
fn key_and_version_filter(table: &TableDef) -> Node {
    let key = key_filter(table);
    match table.version_column() {
        Some(c) => crate::expr::statement::and(
            Some(key),
            Node::binary(BinOp::Eq, Node::Column { table: table.name, name: c.name }, placeholder()),
        ),
        None => key,
    }
}

fn names(table: &TableDef, mask: ColumnMask) -> Vec<&'static str> {
    mask.iter().filter_map(|i| table.columns.get(i)).map(|c| c.name).collect()
}

fn render_crud(table: &'static TableDef, d: &dyn Dialect, shape: CrudShape) -> Result<String> {
    let rendered = match shape {
        CrudShape::Get => {
            // By key alone (only key values are bound): a single-table subtype's reader
            // checks the discriminator of the row it gets.
            let mut s = SelectStatement::all_columns(table);
            s.filter = Some(key_filter(table));
            render(d, Statement::Select(&s))?
        }
        CrudShape::Insert { columns, returning } => {
            let cols = names(table, columns);
            let row = cols.iter().map(|_| placeholder()).collect();
            let s = InsertStatement {
                table: table.name,
                columns: cols,
                rows: vec![row],
                returning: names(table, returning),
            };
            render(d, Statement::Insert(&s))?
        }
        CrudShape::Update { columns } => {
            let s = UpdateStatement {
                table: table.name,
                set: names(table, columns).into_iter().map(|n| (n, placeholder())).collect(),
                filter: Some(key_and_version_filter(table)),
                returning: Vec::new(),
            };
            render(d, Statement::Update(&s))?
        }
        CrudShape::Delete => {
            let s = DeleteStatement {
                table: table.name,
                filter: Some(key_and_version_filter(table)),
                returning: Vec::new(),
            };
            render(d, Statement::Delete(&s))?
        }
    };
    Ok(rendered.sql)
}

/// The cached SQL of `shape` for `table` in dialect `d` (a [`Dialect`] or a
/// [`DialectKind`](crate::dialect::DialectKind)).
pub(crate) fn crud_sql(
    table: &'static TableDef,
    d: impl Into<&'static dyn Dialect>,
    shape: CrudShape,
) -> Result<Arc<str>> {
    shape.cached(table, d.into())
}

/// Multi-row INSERT texts rendered (by Core bulk inserts and the flush), process-wide: at
/// most this many (the map is emptied when full: row counts repeat, and one rendering is
/// cheap beside the statement it saves).
const ROWS_SQL_CACHE: usize = 256;

/// (table, dialect slot, columns, returning, rows).
type RowsKey = (usize, usize, u128, u128, usize);

static ROWS_SQL: OnceLock<Mutex<HashMap<RowsKey, Arc<str>, foldhash::fast::RandomState>>> = OnceLock::new();

/// The text of an INSERT of `rows` rows of `columns` into `table`, RETURNING `returning`, in
/// dialect `d` (placeholders only; values are bound apart), through the process-wide cache.
pub(crate) fn insert_rows_sql(
    table: &'static TableDef,
    d: &dyn Dialect,
    columns: ColumnMask,
    returning: ColumnMask,
    rows: usize,
) -> Result<Arc<str>> {
    let cache = ROWS_SQL.get_or_init(Mutex::default);
    let key = (std::ptr::from_ref(table) as usize, d.cache_slot(), columns.0, returning.0, rows);
    if let Some(sql) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(Arc::clone(sql));
    }
    let sql: Arc<str> = render_insert_rows(table, d, columns, returning, rows)?.into();
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if map.len() >= ROWS_SQL_CACHE {
        map.clear();
    }
    map.insert(key, Arc::clone(&sql));
    Ok(sql)
}

/// [`insert_rows_sql`] rendered afresh (for statements shown rather than run).
pub(crate) fn render_insert_rows(
    table: &'static TableDef,
    d: &dyn Dialect,
    columns: ColumnMask,
    returning: ColumnMask,
    rows: usize,
) -> Result<String> {
    let cols = names(table, columns);
    let s = InsertStatement {
        table: table.name,
        rows: vec![cols.iter().map(|_| placeholder()).collect(); rows],
        columns: cols,
        returning: names(table, returning),
    };
    Ok(render(d, Statement::Insert(&s))?.sql)
}

/// `SELECT max("key") FROM "table"`: the newest generated key (SQLite reads it after a
/// multi-row INSERT, to see that the keys it drew are the consecutive run that ends at
/// `last_insert_rowid()`).
pub(crate) fn newest_key_sql(table: &'static TableDef, d: &dyn Dialect, key: &str) -> Result<String> {
    let mut sql = String::from("SELECT max(");
    d.push_identifier(&mut sql, key)?;
    sql.push_str(") FROM ");
    d.push_identifier(&mut sql, table.name)?;
    Ok(sql)
}

/// A model's cached CRUD statements in one dialect, as the session runs them (for
/// documentation, logging and tests). `update` sets every non-key column.
#[derive(Debug, Clone)]
pub struct ModelStatements {
    /// SELECT by key.
    pub get: Arc<str>,
    /// INSERT of every column but an auto-increment key, returning that key.
    pub insert: Arc<str>,
    /// UPDATE of every non-key column by key (and version, for a model with a version column).
    pub update: Arc<str>,
    /// DELETE by key (and version).
    pub delete: Arc<str>,
}

/// The CRUD statements the session uses for `table` in `dialect` (a
/// [`DialectKind`](crate::dialect::DialectKind) or a `&'static dyn Dialect`).
pub fn model_statements(table: &'static TableDef, dialect: impl Into<&'static dyn Dialect>) -> Result<ModelStatements> {
    let dialect = dialect.into();
    let mut columns = ColumnMask::EMPTY;
    let mut returning = ColumnMask::EMPTY;
    let mut non_key = ColumnMask::EMPTY;
    for c in table.columns {
        if c.auto_increment {
            returning.insert(c.index);
        } else {
            columns.insert(c.index);
        }
        if !c.primary_key {
            non_key.insert(c.index);
        }
    }
    Ok(ModelStatements {
        get: crud_sql(table, dialect, CrudShape::Get)?,
        insert: crud_sql(table, dialect, CrudShape::Insert { columns, returning })?,
        update: crud_sql(table, dialect, CrudShape::Update { columns: non_key })?,
        delete: crud_sql(table, dialect, CrudShape::Delete)?,
    })
}
