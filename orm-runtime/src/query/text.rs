//! [`text`]: raw SQL with named binds (`:name`), run through any [`Executor`], decoded into
//! tuples by position or into models by column name ([`Text::from_statement`]).
//!
//! The SQL is split once, when the statement is made: a `:name` outside string literals,
//! quoted identifiers, comments and dollar-quoted bodies is a bind, and is rendered in the
//! dialect's placeholder form when the statement runs. Values are always bound, never
//! written into the text.

use std::fmt;
use std::marker::PhantomData;

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

    /// Every row, as an `M`.
    pub fn all(&self, ex: impl Executor) -> Result<Vec<M>> {
        let mut out = Vec::new();
        self.run(ex, |m| {
            out.push(m);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row, if any (further rows are not read).
    pub fn first(&self, ex: impl Executor) -> Result<Option<M>> {
        let mut out = None;
        self.run(ex, |m| {
            out = Some(m);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Exactly one row: [`Error::NotFound`] for none, [`Error::MultipleRows`] for more.
    pub fn one(&self, ex: impl Executor) -> Result<M> {
        self.one_or_none(ex)?.ok_or_else(|| Error::NotFound { table: M::TABLE_NAME.to_owned() })
    }

    /// At most one row: [`Error::MultipleRows`] for more.
    pub fn one_or_none(&self, ex: impl Executor) -> Result<Option<M>> {
        let mut out = None;
        let mut extra = false;
        self.run(ex, |m| {
            if out.is_some() {
                extra = true;
                return Ok(false);
            }
            out = Some(m);
            Ok(true)
        })?;
        if extra {
            return Err(Error::MultipleRows { table: M::TABLE_NAME.to_owned() });
        }
        Ok(out)
    }

    /// Hand each row to `f` as an `M`, without collecting them.
    pub fn for_each(&self, ex: impl Executor, mut f: impl FnMut(M) -> Result<()>) -> Result<()> {
        self.run(ex, |m| f(m).map(|()| true))
    }
}

/// The names of a row's columns.
// A `RowRef::column_name` in `backend/row.rs` would be the natural home of this.
fn result_columns(row: &RowRef<'_>) -> Vec<String> {
    match row {
        #[cfg(feature = "sqlite")]
        RowRef::Sqlite(r) => {
            let stmt = r.as_ref();
            (0..stmt.column_count()).map(|i| stmt.column_name(i).map(str::to_owned).unwrap_or_default()).collect()
        }
        #[cfg(feature = "postgres")]
        RowRef::Postgres(r) => r.columns().iter().map(|c| c.name().to_owned()).collect(),
    }
}

/// Where each column of `M` is in `row` (found by name, ignoring ASCII case when no column
/// has the exact name), or a decode error naming every missing column.
fn column_positions<M: Model>(row: &RowRef<'_>) -> Result<Vec<usize>> {
    let names = result_columns(row);
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

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Split `sql` at its binds. What is skipped: `'strings'` (with `''`, and backslash escapes
/// in `E'...'`), `"quoted"` and `` `quoted` `` identifiers, `-- comments`, `/* nested
/// comments */`, `$tag$ dollar-quoted $tag$` bodies and `::type` casts. `\:` is a literal
/// colon. A bind is `:name` (letters, digits, `_`; starting with a letter or `_`) not
/// preceded by a letter, digit or colon (so `a[1:n]` is a slice, `x::int` a cast).
fn parse(sql: &str) -> Parsed {
    let b = sql.as_bytes();
    let mut parsed = Parsed::default();
    let mut start = 0;
    let mut i = 0;
    let mut words: Vec<String> = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                let escapes = i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !is_ident_byte(b[i - 2]));
                i = skip_quoted(b, i, b'\'', escapes);
            }
            b'"' | b'`' => i = skip_quoted(b, i, c, false),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i),
            b'$' if i == 0 || !is_ident_byte(b[i - 1]) => i = skip_dollar_quoted(b, i),
            b':' if b.get(i + 1) == Some(&b':') => i += 2,
            b':' if (i == 0 || !(is_ident_byte(b[i - 1]) || b[i - 1] == b':'))
                && b.get(i + 1).is_some_and(|&x| x.is_ascii_alphabetic() || x == b'_') =>
            {
                let end =
                    (i + 1..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_')).unwrap_or(b.len());
                let name = &sql[i + 1..end];
                parsed.pieces.push(Piece::Sql(start, i));
                let k = match parsed.names.iter().position(|n| n == name) {
                    Some(k) => k,
                    None => {
                        parsed.names.push(name.to_owned());
                        parsed.names.len() - 1
                    }
                };
                parsed.pieces.push(Piece::Bind(k));
                start = end;
                i = end;
            }
            b'\\' if b.get(i + 1) == Some(&b':') => {
                parsed.pieces.push(Piece::Sql(start, i));
                start = i + 1;
                i += 2;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let end = (i..b.len()).find(|&j| !is_ident_byte(b[j])).unwrap_or(b.len());
                if words.len() < 64 {
                    words.push(sql[i..end].to_ascii_uppercase());
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    parsed.pieces.push(Piece::Sql(start, b.len()));
    parsed.pieces.retain(|p| !matches!(p, Piece::Sql(s, e) if s >= e));
    let reads = matches!(words.first().map(String::as_str), Some("SELECT" | "VALUES" | "WITH" | "EXPLAIN" | "SHOW"));
    let writes_inside = words.iter().any(|w| matches!(w.as_str(), "INSERT" | "UPDATE" | "DELETE" | "MERGE"));
    parsed.writes = !reads || writes_inside;
    parsed
}

/// The end of a quoted run starting at `b[i] == quote` (a doubled quote stays inside).
fn skip_quoted(b: &[u8], i: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if backslash_escapes && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if b.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The end of a (nested) block comment starting at `b[i..i + 2] == "/*"`.
fn skip_block_comment(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        if b[j] == b'/' && b[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else if b[j] == b'*' && b[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return j;
            }
        } else {
            j += 1;
        }
    }
    b.len()
}

/// The end of a dollar-quoted body starting at `b[i] == '$'` (`$$...$$`, `$tag$...$tag$`), or
/// `i + 1` when this `$` opens none (a `$1` parameter, say).
fn skip_dollar_quoted(b: &[u8], i: usize) -> usize {
    let tag_end = match (i + 1..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_')) {
        Some(j) if b[j] == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) => j,
        _ => return i + 1,
    };
    let tag = &b[i..=tag_end];
    let body = tag_end + 1;
    match b[body..].windows(tag.len()).position(|w| w == tag) {
        Some(p) => body + p + tag.len(),
        None => i + 1,
    }
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
