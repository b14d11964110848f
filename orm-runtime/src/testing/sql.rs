//! SQL snapshots: what a statement sends, as text made for snapshot tests (insta), rendered
//! for a chosen dialect without a connection; and [`SqlRecorder`], the statements a piece
//! of code really sent (a loader's follow-up SELECTs included), in the same format.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use crate::backend::Engine;
use crate::dialect::{Dialect, Postgres, Rendered, Sqlite};
use crate::error::Result;
use crate::model::Model;
use crate::query::{
    CompoundSelect, Delete, FromStatement, Insert, Select, SelectInto, Selection, Text, TextRows, Update,
};
use crate::session::{Mapper, Query};
use crate::types::{ArrayValues, Value};

/// A statement that renders to SQL and parameters for a dialect, without a connection: Core
/// statements (`select`, `insert`, `update`, `delete`, compound selects, `RETURNING`
/// writes), raw [`text`](crate::query::text), and the session's object queries with their
/// loader options. See [`sql_snapshot`].
pub trait RenderSql {
    /// The statements it sends, in order (an insert of many rows may be several).
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>>;

    /// The loader options of an object query (`selectinload(User::orders)`, ...): each
    /// `joinedload` is in the statement itself; the others load after it.
    fn loader_options(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `stmt` as it is sent to `dialect`, in a stable text made for snapshots: a heading naming
/// the dialect, the SQL with each top-level clause on a line of its own, the parameters in
/// order, and the loader options of an object query.
///
/// ```
/// use orm::dialect::Postgres;
/// use orm::prelude::*;
/// use orm::testing::sql_snapshot;
///
/// #[derive(Model)]
/// struct User {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     name: String,
///     age: i32,
/// }
///
/// let adults = select(User::name).filter(User::age.ge(18)).order_by(User::name);
/// assert_eq!(
///     sql_snapshot(&adults, &Postgres),
///     r#"-- PostgreSQL
/// SELECT "user"."name"
/// FROM "user"
/// WHERE "user"."age" >= $1
/// ORDER BY "user"."name" ASC
/// -- params: 18
/// "#
/// );
/// // In a test: insta::assert_snapshot!(sql_snapshot(&adults, &Postgres));
/// ```
pub fn sql_snapshot(stmt: &(impl RenderSql + ?Sized), dialect: &dyn Dialect) -> String {
    let mut out = match stmt.render_sql(dialect) {
        Ok(statements) => statements_text(dialect.name(), &statements),
        Err(e) => format!("-- {}\nERROR: {e}\n", dialect.name()),
    };
    for option in stmt.loader_options() {
        let _ = writeln!(out, "-- loader option: {option}");
    }
    out
}

/// [`sql_snapshot`] for SQLite, then for PostgreSQL, one after the other (one snapshot for
/// both databases).
pub fn sql_snapshots(stmt: &(impl RenderSql + ?Sized)) -> String {
    format!("{}\n{}", sql_snapshot(stmt, &Sqlite), sql_snapshot(stmt, &Postgres))
}

/// Statements under a heading naming the database, separated by `;` lines.
fn statements_text(heading: &str, statements: &[Rendered]) -> String {
    let mut out = format!("-- {heading}\n");
    for (i, r) in statements.iter().enumerate() {
        if i > 0 {
            out.push_str(";\n");
        }
        write_statement(&mut out, r);
    }
    out
}

/// One statement: clauses on their own lines, then the parameters.
fn write_statement(out: &mut String, r: &Rendered) {
    out.push_str(&break_clauses(&r.sql));
    out.push('\n');
    if r.params.is_empty() {
        out.push_str("-- no params\n");
    } else {
        let params: Vec<String> = r.params.iter().map(param).collect();
        let _ = writeln!(out, "-- params: {}", params.join(", "));
    }
}

/// Keywords that start a clause of their own line, at the statement's top level.
const CLAUSES: &[&str] = &[
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "WINDOW",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "FOR UPDATE",
    "FOR SHARE",
    "FOR NO KEY UPDATE",
    "FOR KEY SHARE",
    "INNER JOIN",
    "LEFT OUTER JOIN",
    "RIGHT OUTER JOIN",
    "FULL OUTER JOIN",
    "CROSS JOIN",
    "JOIN",
    "UNION ALL",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "VALUES",
    "SET",
    "ON CONFLICT",
    "RETURNING",
];

/// The SQL with a line break before each top-level clause keyword (outside parentheses,
/// quoted names and string literals); nothing else changes.
fn break_clauses(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut depth, mut quote) = (0usize, None::<char>);
    let mut chars = sql.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            // `DELETE FROM` stays one line.
            (None, ' ') if depth == 0 && !out.ends_with("DELETE") => {
                if let Some(keyword) = clause_at(&sql[i + 1..]) {
                    // The whole keyword, so that `JOIN` in `LEFT OUTER JOIN` starts nothing.
                    out.push('\n');
                    out.push_str(keyword);
                    chars.nth(keyword.len() - 1);
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The clause keyword `rest` starts with, if any.
fn clause_at(rest: &str) -> Option<&'static str> {
    CLAUSES.iter().copied().find(|k| rest.starts_with(k) && rest[k.len()..].chars().next().is_none_or(|c| c == ' '))
}

/// A parameter as SQL would write it.
fn param(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::I16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::F32(x) => format!("{x:?}"),
        Value::F64(x) => format!("{x:?}"),
        Value::Text(s) => text(s),
        Value::Array(items) => match &**items {
            ArrayValues::I16(v) => list(v, ToString::to_string),
            ArrayValues::I32(v) => list(v, ToString::to_string),
            ArrayValues::I64(v) => list(v, ToString::to_string),
            ArrayValues::Text(v) => list(v, |s| text(s)),
            other => format!("{other:?}"),
        },
        other => format!("{other:?}"),
    }
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An array parameter: `ARRAY[1, 2, 3]`.
fn list<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
    let items: Vec<String> = items.iter().map(each).collect();
    format!("ARRAY[{}]", items.join(", "))
}

/// The statements an engine runs, recorded in the format of [`sql_snapshot`] (each with its
/// parameters), for snapshot tests of what a piece of code really sends: the follow-up
/// SELECTs of `selectinload`, the flush's INSERTs and UPDATEs, transaction control.
///
/// ```
/// use orm::prelude::*;
/// use orm::testing::{SqlRecorder, TestDatabase};
///
/// #[derive(Model)]
/// struct Note {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     text: String,
/// }
///
/// # fn main() -> orm::Result<()> {
/// let db = TestDatabase::sqlite(&[Note::table()])?;
/// let recorder = SqlRecorder::attach(&db);
/// let mut session = db.session();
/// session.add(Note { id: 0, text: "hello".into() })?;
/// session.commit()?;
/// assert_eq!(
///     recorder.take(),
///     "-- SQLite\nINSERT INTO \"note\" (\"text\")\nVALUES (?)\n-- params: 'hello'\n"
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqlRecorder {
    seen: Arc<Mutex<Vec<Rendered>>>,
    dialect: &'static str,
}

impl SqlRecorder {
    /// Record every statement `engine` runs from now on (until the recorder is dropped).
    pub fn attach(engine: &Engine) -> SqlRecorder {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let weak = Arc::downgrade(&seen);
        engine.events().before_execute(move |sql: &str, params: &[Value]| {
            if let Some(seen) = weak.upgrade() {
                let r = Rendered { sql: sql.to_owned(), params: params.to_vec() };
                seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(r);
            }
        });
        SqlRecorder { seen, dialect: engine.dialect_kind().dialect().name() }
    }

    /// The statements recorded since the last `take`, in order, then forgets them.
    pub fn take(&self) -> String {
        let seen = std::mem::take(&mut *self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        statements_text(self.dialect, &seen)
    }
}

impl<Sel: Selection, F> RenderSql for Select<Sel, F> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<Sel: Selection, F, R: crate::query::FromRow> RenderSql for SelectInto<Sel, F, R> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<Sel: Selection, O> RenderSql for CompoundSelect<Sel, O> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<M: Model> RenderSql for Insert<'_, M> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect)
    }
}

impl<M: Model, W> RenderSql for Update<M, W> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<M: Model, W> RenderSql for Delete<M, W> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<Q: crate::query::ReturningStatement, Sel: Selection> RenderSql for crate::query::Returning<Q, Sel> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect)
    }
}

impl RenderSql for Text {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }
}

impl<M: Model> RenderSql for FromStatement<M> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.text().render(dialect).map(|r| vec![r])
    }
}

impl<R> RenderSql for TextRows<R> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.text().render(dialect).map(|r| vec![r])
    }
}

impl<M: Mapper, F> RenderSql for Query<'_, M, F> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }

    fn loader_options(&self) -> Vec<String> {
        self.loader_descriptions()
    }
}

#[cfg(feature = "async")]
impl<M: Mapper, F: 'static> RenderSql for crate::asyncio::AsyncQuery<M, F> {
    fn render_sql(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.render(dialect).map(|r| vec![r])
    }

    fn loader_options(&self) -> Vec<String> {
        self.loader_descriptions()
    }
}
