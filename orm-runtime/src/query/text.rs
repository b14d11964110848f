//! [`text`]: raw SQL with named binds (`:name`), run through any [`Executor`], decoded into
//! tuples by position or into models by column name ([`Text::from_statement`]).
//!
//! The SQL is split once, when the statement is made: a `:name` outside string literals,
//! quoted identifiers, comments and dollar-quoted bodies is a bind, and is rendered in the
//! dialect's placeholder form when the statement runs. Values are always bound, never
//! written into the text.

use std::fmt;
use std::marker::PhantomData;

use orm_sql_lexer::{Lexer, TokenKind};

use crate::backend::{Connection, RawSql, RowRef};
use crate::dialect::{Dialect, Rendered};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::Executor;
use crate::types::{SqlType, Value};

/// A raw SQL statement with named binds: `text("SELECT name FROM users WHERE age > :age")`.
///
/// `sql` is a `&'static str`, or a [`RawSql::audited`] string for SQL built at run time.
/// Bind values with [`Text::bind`]; run it with [`Text::execute`], [`Text::scalar`],
/// [`Text::scalar_one`], [`Text::scalar_one_or_none`], [`Text::first`], [`Text::one`],
/// [`Text::one_or_none`], [`Text::all`], [`Text::fetchmany`] or
/// [`Text::for_each`] on an engine, a pooled connection or a session, or map its rows onto
/// a model with [`Text::from_statement`].
///
/// ```
/// # use orm_runtime::{backend::Engine, query::text};
/// # fn main() -> orm_runtime::Result<()> {
/// let engine = Engine::connect("sqlite::memory:")?;
/// text("CREATE TABLE users (name TEXT, age INTEGER)").execute(&engine)?;
/// text("INSERT INTO users VALUES (:name, :age)").bind("name", "Ada").bind("age", 36).execute(&engine)?;
/// let rows: Vec<(String, i32)> = text("SELECT name, age FROM users WHERE name LIKE :p AND age > :age")
///     .bind("p", "A%")
///     .bind("age", 18)
///     .all(&engine)?;
/// assert_eq!(rows, vec![("Ada".to_string(), 36)]);
/// # Ok(())
/// # }
/// ```
pub fn text(sql: impl Into<RawSql>) -> Text {
    let sql = sql.into();
    let parsed = parse(sql.as_str());
    Text { sql, parsed, values: Vec::new() }
}

/// A raw SQL statement with named binds; see [`text`].
#[derive(Clone)]
pub struct Text {
    sql: RawSql,
    parsed: Parsed,
    /// Values given with [`Text::bind`], in the order first given.
    values: Vec<(String, Value)>,
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Text").field("sql", &self.sql.as_str()).field("binds", &self.values).finish()
    }
}

/// A value that can be bound to a named bind of [`text`]: any [`SqlType`], and `&str`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound to a SQL parameter",
    label = "not a column type",
    note = "bind a value of a column type (`i32`, `String`, `&str`, `Option<T>`, ... see `SqlType`)"
)]
pub trait BindValue {
    /// The value to bind.
    fn into_value(self) -> Value;
}

impl<T: SqlType> BindValue for T {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl BindValue for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl Text {
    /// Bind `value` to `:name` (every place the SQL writes `:name`). Binding a name again
    /// replaces its value. A name the SQL does not have is reported when the statement runs
    /// (or renders), before anything is sent.
    pub fn bind(mut self, name: &str, value: impl BindValue) -> Self {
        let value = value.into_value();
        match self.values.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name.to_owned(), value)),
        }
        self
    }

    /// The SQL as written.
    pub fn sql(&self) -> &str {
        self.sql.as_str()
    }

    /// The names of the binds the SQL has, in the order they first appear.
    pub fn bind_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.parsed.names.iter().map(String::as_str)
    }

    /// Whether the statement may write (anything but a `SELECT`, `VALUES` or a `WITH` that
    /// holds no `INSERT`, `UPDATE` or `DELETE`). In a session on SQLite a writing statement
    /// takes the write lock first, as the session's own writes do.
    pub fn may_write(&self) -> bool {
        self.parsed.writes
    }

    /// Every bind named and given, or the first one missing ([`Error::MissingBind`]) or not
    /// named by the SQL ([`Error::UnknownBind`]). Nothing is sent.
    pub fn check_binds(&self) -> Result<()> {
        if let Some(missing) = self.parsed.names.iter().find(|n| !self.values.iter().any(|(v, _)| v == *n)) {
            return Err(Error::MissingBind { name: missing.clone() });
        }
        if let Some((unknown, _)) = self.values.iter().find(|(v, _)| !self.parsed.names.contains(v)) {
            return Err(Error::UnknownBind { name: unknown.clone(), binds: self.parsed.names.clone() });
        }
        Ok(())
    }

    /// The SQL in `dialect`'s placeholder form (`?` on SQLite, `$n` on PostgreSQL) and the
    /// values to bind. Fails with [`Error::MissingBind`] / [`Error::UnknownBind`] for a bind
    /// missing or not named (see [`Text::check_binds`]), and with [`Error::TooManyParameters`] beyond the
    /// dialect's limit.
    pub fn render(&self, dialect: &dyn Dialect) -> Result<Rendered> {
        self.check_binds()?;
        // A dialect whose placeholders carry their number (`$1`) reuses one parameter for a
        // name written twice; one whose placeholders are all alike (`?`) binds it twice.
        let (mut first, mut second) = (String::new(), String::new());
        dialect.push_placeholder(&mut first, 1);
        dialect.push_placeholder(&mut second, 2);
        let numbered = first != second;

        let src = self.sql.as_str();
        let mut sql = String::with_capacity(src.len() + 8);
        let mut params: Vec<Value> = Vec::new();
        if numbered {
            for name in &self.parsed.names {
                params.push(self.value_of(name));
            }
        }
        for piece in &self.parsed.pieces {
            match *piece {
                Piece::Sql(start, end) => sql.push_str(src.get(start..end).unwrap_or_default()),
                Piece::Bind(k) => {
                    if numbered {
                        dialect.push_placeholder(&mut sql, k + 1);
                    } else {
                        params.push(self.parsed.names.get(k).map(|n| self.value_of(n)).unwrap_or(Value::Null));
                        dialect.push_placeholder(&mut sql, params.len());
                    }
                }
            }
        }
        let limit = dialect.capabilities().max_params;
        if params.len() > limit {
            return Err(Error::TooManyParameters { count: params.len(), limit, dialect: dialect.name() });
        }
        Ok(Rendered { sql, params })
    }

    fn value_of(&self, name: &str) -> Value {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null)
    }

    /// Run `f` on each row (`f` returns whether to go on), on `ex`'s connection.
    fn run(&self, ex: impl Executor, f: impl FnMut(&RowRef<'_>) -> Result<bool>) -> Result<()> {
        self.check_binds()?;
        ex.with_connection(self.parsed.writes, |conn: &mut Connection| {
            let r = self.render(conn.dialect())?;
            conn.query_while(&r.sql, &r.params, f)
        })
    }

    /// What errors about the rows of this statement call it: its first words.
    fn label(&self) -> String {
        label(self.sql.as_str())
    }

    /// Execute the statement; returns the number of rows it changed.
    pub fn execute(&self, ex: impl Executor) -> Result<u64> {
        self.check_binds()?;
        ex.with_connection(true, |conn| {
            let r = self.render(conn.dialect())?;
            conn.execute(&r.sql, &r.params)
        })
    }

    /// The first column of the first row, as a `T` ([`Error::NotFound`] when there is no
    /// row; further rows are not read).
    pub fn scalar<T: SqlType>(&self, ex: impl Executor) -> Result<T> {
        let mut out = None;
        self.run(ex, |row| {
            out = Some(row.value::<T>(0)?);
            Ok(false)
        })?;
        out.ok_or_else(|| Error::NotFound { table: self.label() })
    }

    /// The first column of exactly one row, as a `T`: [`Error::NotFound`] for no row,
    /// [`Error::MultipleRows`] for more (SQLAlchemy's `scalar_one()`).
    pub fn scalar_one<T: SqlType>(&self, ex: impl Executor) -> Result<T> {
        self.one::<T>(ex)
    }

    /// The first column of at most one row, as a `T`: `None` for no row,
    /// [`Error::MultipleRows`] for more (SQLAlchemy's `scalar_one_or_none()`).
    pub fn scalar_one_or_none<T: SqlType>(&self, ex: impl Executor) -> Result<Option<T>> {
        self.one_or_none::<T>(ex)
    }

    /// The first row, if any (further rows are not read). `R` is a column type or a tuple
    /// of them (up to 8), decoded by position.
    pub fn first<R: FromRawRow>(&self, ex: impl Executor) -> Result<Option<R>> {
        let mut out = None;
        self.run(ex, |row| {
            out = Some(R::from_raw_row(row)?);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Exactly one row: [`Error::NotFound`] for none, [`Error::MultipleRows`] for more.
    /// `R` is a column type or a tuple of them (up to 8), decoded by position.
    pub fn one<R: FromRawRow>(&self, ex: impl Executor) -> Result<R> {
        self.one_or_none(ex)?.ok_or_else(|| Error::NotFound { table: self.label() })
    }

    /// At most one row: [`Error::MultipleRows`] for more.
    pub fn one_or_none<R: FromRawRow>(&self, ex: impl Executor) -> Result<Option<R>> {
        let mut out = None;
        let mut extra = false;
        self.run(ex, |row| {
            if out.is_some() {
                extra = true;
                return Ok(false);
            }
            out = Some(R::from_raw_row(row)?);
            Ok(true)
        })?;
        if extra {
            return Err(Error::MultipleRows { table: self.label() });
        }
        Ok(out)
    }

    /// Every row.
    pub fn all<R: FromRawRow>(&self, ex: impl Executor) -> Result<Vec<R>> {
        let mut out = Vec::new();
        self.run(ex, |row| {
            out.push(R::from_raw_row(row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first `n` rows (the rest of the result is not read).
    pub fn fetchmany<R: FromRawRow>(&self, ex: impl Executor, n: usize) -> Result<Vec<R>> {
        let mut out = Vec::with_capacity(n.min(1024));
        self.run(ex, |row| {
            if out.len() >= n {
                return Ok(false);
            }
            out.push(R::from_raw_row(row)?);
            Ok(out.len() < n)
        })?;
        Ok(out)
    }

    /// Hand each row to `f` as it arrives, without collecting them (memory stays flat for
    /// large results).
    pub fn for_each<R: FromRawRow>(&self, ex: impl Executor, mut f: impl FnMut(R) -> Result<()>) -> Result<()> {
        self.check_binds()?;
        ex.with_connection(self.parsed.writes, |conn| {
            let r = self.render(conn.dialect())?;
            conn.stream(&r.sql, &r.params, |row| f(R::from_raw_row(row)?))
        })
    }

    /// Map the rows onto model `M` by column *name* (in any order; columns `M` does not have
    /// are ignored). A column of `M` missing from the result is an [`Error::Decode`] naming
    /// the model and every missing column (checked on the first row). Rows are taken as the
    /// SQL selects them: nothing is added (not a single-table subtype's discriminator).
    pub fn from_statement<M: Model>(self) -> FromStatement<M> {
        FromStatement { text: self, _model: PhantomData }
    }

    /// The statement as a query of `R` rows (a tuple of column types, read by position),
    /// answering the [`Fetch`](crate::query::Fetch) calls like a Core select: for code that
    /// takes any query, as the async engine's `all(query)` does.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # fn main() -> orm::Result<()> {
    /// let engine = Engine::connect("sqlite::memory:")?;
    /// let rows = text("SELECT 1, 'one'").rows::<(i64, String)>().all(&engine)?;
    /// assert_eq!(rows, [(1, "one".to_string())]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rows<R: FromRawRow>(self) -> TextRows<R> {
        TextRows { text: self, _row: PhantomData }
    }
}

/// A raw statement read as rows of `R`: see [`Text::rows`].
#[derive(Debug, Clone)]
pub struct TextRows<R> {
    text: Text,
    _row: PhantomData<fn() -> R>,
}

impl<R> TextRows<R> {
    /// The raw statement.
    pub fn text(&self) -> &Text {
        &self.text
    }
}

impl<R: FromRawRow> crate::query::Fetch for TextRows<R> {
    type Row = R;
}

impl<R: FromRawRow> crate::query::fetch::sealed::RunRows<()> for TextRows<R> {
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(R) -> Result<bool>) -> Result<()> {
        self.text.run(ex, |row| each(R::from_raw_row(row)?))
    }

    fn error_table(&self) -> String {
        self.text.label()
    }
}

/// The first words of a statement, for error messages.
fn label(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let mut out = String::new();
    for w in &words {
        if out.len() + w.len() > 60 {
            out.push_str(" …");
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// A row of a raw statement, decoded by position: a column type, or a tuple of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a raw SQL row",
    label = "expected a column type or a tuple of them",
    note = "rows of `text(...)` decode into a `SqlType` (`i64`, `String`, `Option<T>`, ...) or a tuple of up to 8; map rows onto a model with `.from_statement::<Model>()`"
)]
pub trait FromRawRow: Sized {
    /// Decode the row.
    fn from_raw_row(row: &RowRef<'_>) -> Result<Self>;
}

impl<T: SqlType> FromRawRow for T {
    fn from_raw_row(row: &RowRef<'_>) -> Result<Self> {
        row.value(0)
    }
}

macro_rules! tuple_raw_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: SqlType),+> FromRawRow for ($($t,)+) {
            fn from_raw_row(row: &RowRef<'_>) -> Result<Self> {
                Ok(($(row.value::<$t>($i)?,)+))
            }
        }
    };
}

tuple_raw_row!(A 0);
tuple_raw_row!(A 0, B 1);
tuple_raw_row!(A 0, B 1, C 2);
tuple_raw_row!(A 0, B 1, C 2, D 3);
tuple_raw_row!(A 0, B 1, C 2, D 3, E 4);
tuple_raw_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_raw_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_raw_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A raw statement whose rows map onto model `M` by column name; see
/// [`Text::from_statement`]. Run it like a [`Text`] for plain values, or through
/// `Session::from_statement` for tracked objects.
pub struct FromStatement<M> {
    text: Text,
    _model: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for FromStatement<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromStatement").field("model", &std::any::type_name::<M>()).field("text", &self.text).finish()
    }
}

impl<M> Clone for FromStatement<M> {
    fn clone(&self) -> Self {
        FromStatement { text: self.text.clone(), _model: PhantomData }
    }
}

impl<M: Model> FromStatement<M> {
    /// The statement.
    pub fn text(&self) -> &Text {
        &self.text
    }

    /// The statement, given back.
    pub fn into_text(self) -> Text {
        self.text
    }

    /// Run the statement on `conn`, handing each row decoded as an `M` to `each` (which
    /// returns whether to go on). Used by the session, which adopts the values it gets.
    pub(crate) fn run_on(&self, conn: &mut Connection, mut each: impl FnMut(M) -> Result<bool>) -> Result<()> {
        let r = self.text.render(conn.dialect())?;
        let mut positions: Option<Vec<usize>> = None;
        conn.query_while(&r.sql, &r.params, |row| {
            let positions = match &positions {
                Some(p) => p,
                None => positions.insert(column_positions::<M>(row)?),
            };
            each(M::decode_row_at(row, positions)?)
        })
    }

    fn run(&self, ex: impl Executor, each: impl FnMut(M) -> Result<bool>) -> Result<()> {
        self.text.check_binds()?;
        ex.with_connection(self.text.parsed.writes, |conn| self.run_on(conn, each))
    }

    /// Hand each row to `f` as an `M`, without collecting them.
    pub fn for_each(&self, ex: impl Executor, mut f: impl FnMut(M) -> Result<()>) -> Result<()> {
        self.run(ex, |m| f(m).map(|()| true))
    }
}

/// Rows as `M` values (columns found by name).
impl<M: Model> crate::query::Fetch for FromStatement<M> {
    type Row = M;
}

impl<M: Model> crate::query::fetch::sealed::RunRows<()> for FromStatement<M> {
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(M) -> Result<bool>) -> Result<()> {
        self.run(ex, each)
    }

    fn error_table(&self) -> String {
        M::TABLE_NAME.to_owned()
    }
}

/// Where each column of `M` is in `row` (found by name, ignoring ASCII case when no column
/// has the exact name), or a decode error naming every missing column.
fn column_positions<M: Model>(row: &RowRef<'_>) -> Result<Vec<usize>> {
    let names = row.column_names();
    let mut positions = Vec::with_capacity(M::table().columns.len());
    let mut missing = Vec::new();
    for col in M::table().columns {
        let found = names
            .iter()
            .position(|n| n == col.name)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(col.name)));
        match found {
            Some(p) => positions.push(p),
            None => missing.push(col.name),
        }
    }
    if missing.is_empty() {
        return Ok(positions);
    }
    let model = std::any::type_name::<M>().rsplit("::").next().unwrap_or("model");
    Err(Error::MissingColumns {
        model: model.to_owned(),
        columns: missing.iter().map(|c| (*c).to_owned()).collect(),
        found: names.to_vec(),
    })
}

// ---------------------------------------------------------------------------------------
// Splitting the SQL
// ---------------------------------------------------------------------------------------

/// The SQL split into text and binds.
#[derive(Debug, Clone, Default)]
struct Parsed {
    pieces: Vec<Piece>,
    /// Distinct bind names, in the order they first appear.
    names: Vec<String>,
    writes: bool,
}

#[derive(Debug, Clone, Copy)]
enum Piece {
    /// `sql[start..end]`, copied as is.
    Sql(usize, usize),
    /// The bind `names[k]`.
    Bind(usize),
}

/// Split `sql` at its binds, with the lexer `sql!` also uses (`orm_sql_lexer`): a bind is a
/// `:name` placeholder token, never one inside a `'string'` (with `''`, and backslash
/// escapes in `E'...'`), a `"quoted"` or `` `quoted` `` identifier, a `-- comment`, a
/// `/* nested comment */` or a `$tag$ dollar-quoted $tag$` body, nor a `::type` cast or a
/// slice `a[1:n]`. `\:` is a literal colon. SQL the lexer cannot split (an unterminated
/// literal, identifier or comment) holds no bind from where that starts: the text is sent as
/// written and the database reports it.
fn parse(sql: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut start = 0;
    let mut words: Vec<String> = Vec::new();
    for token in Lexer::new(sql) {
        let token = match token {
            Ok(token) => token,
            Err(_) => break,
        };
        match token.kind {
            TokenKind::Placeholder => {
                let name = token.placeholder_name().unwrap_or_default();
                parsed.pieces.push(Piece::Sql(start, token.offset));
                let k = match parsed.names.iter().position(|n| n == name) {
                    Some(k) => k,
                    None => {
                        parsed.names.push(name.to_owned());
                        parsed.names.len() - 1
                    }
                };
                parsed.pieces.push(Piece::Bind(k));
                start = token.span().end;
            }
            TokenKind::EscapedColon => {
                // Drop the backslash, keep the colon.
                parsed.pieces.push(Piece::Sql(start, token.offset));
                start = token.offset + 1;
            }
            TokenKind::Word
                if words.len() < 64 && token.text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') =>
            {
                words.push(token.text.to_ascii_uppercase());
            }
            _ => {}
        }
    }
    parsed.pieces.push(Piece::Sql(start, sql.len()));
    parsed.pieces.retain(|p| !matches!(p, Piece::Sql(s, e) if s >= e));
    let reads = matches!(words.first().map(String::as_str), Some("SELECT" | "VALUES" | "WITH" | "EXPLAIN" | "SHOW"));
    let writes_inside = words.iter().any(|w| matches!(w.as_str(), "INSERT" | "UPDATE" | "DELETE" | "MERGE"));
    parsed.writes = !reads || writes_inside;
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Postgres, Sqlite};

    fn binds(sql: &'static str) -> Vec<String> {
        text(sql).bind_names().map(str::to_owned).collect()
    }

    #[test]
    fn binds_outside_literals_comments_and_casts() {
        assert_eq!(binds("SELECT * FROM t WHERE a = :a AND b = ':b' AND c = \":c\""), ["a"]);
        assert_eq!(binds("SELECT :x::int, y::text, a[1:n] -- :c\n /* :d /* :e */ :f */ FROM t"), ["x"]);
        assert_eq!(binds("SELECT E'it\\'s :no', $$ :no $$, $tag$ :no $tag$, :yes, $1"), ["yes"]);
        assert_eq!(binds("SELECT \\:literal, :a, :b, :a"), ["a", "b"]);
        assert_eq!(binds("SELECT 'unterminated :x"), Vec::<String>::new());
        assert_eq!(binds("SELECT :a, /* unterminated :x"), ["a"]);
        assert_eq!(binds("SELECT 1e--:x\n, :y"), ["y"]);
    }

    #[test]
    fn repeated_names_share_one_value() {
        let t = text("SELECT :a, :b, :a").bind("a", 1).bind("b", "x");
        let pg = t.render(&Postgres).unwrap();
        assert_eq!(pg.sql, "SELECT $1, $2, $1");
        assert_eq!(pg.params, vec![Value::I32(1), Value::Text("x".into())]);
        let lite = t.render(&Sqlite).unwrap();
        assert_eq!(lite.sql, "SELECT ?, ?, ?");
        assert_eq!(lite.params, vec![Value::I32(1), Value::Text("x".into()), Value::I32(1)]);
        assert_eq!(text("SELECT \\:a").render(&Sqlite).unwrap().sql, "SELECT :a");
    }

    #[test]
    fn missing_and_unknown_binds_are_named() {
        let err = text("SELECT :a").render(&Sqlite).unwrap_err();
        assert!(matches!(&err, Error::MissingBind { name } if name == "a"), "{err}");
        let err = text("SELECT :a").bind("a", 1).bind("b", 2).render(&Sqlite).unwrap_err();
        assert!(matches!(&err, Error::UnknownBind { name, .. } if name == "b"));
    }

    #[test]
    fn reads_and_writes() {
        assert!(!text("select 1").may_write());
        assert!(!text("WITH x AS (SELECT 1) SELECT * FROM x").may_write());
        assert!(text("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x").may_write());
        assert!(text("INSERT INTO t VALUES (1)").may_write());
        assert!(!text("SELECT 'delete'").may_write());
    }
}
