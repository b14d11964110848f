//! Items called by code that `#[derive(Model)]` generates. Each check is spanned at the
//! user's own token, so a failed bound points at the field or path at fault, once.

use crate::error::Result;
use crate::expr::Column;
use crate::schema::ColumnDef;
use crate::types::RowRef;
use crate::types::{AutoIncrement, Param, SqlKind, SqlType, Text, Value, VersionCounter};

/// Everything generated code does with a field's type, as plain function pointers.
///
/// The derive builds one `FieldOps<T>` per field with [`field_ops`], the only place that
/// requires `T: SqlType`; an unsupported type is then reported once, on the field's type,
/// instead of once per generated use.
#[derive(Debug)]
pub struct FieldOps<T> {
    /// SQL type.
    pub kind: SqlKind,
    /// Nullable column.
    pub nullable: bool,
    /// Encode for binding.
    pub value: fn(&T) -> Value,
    /// Encode for binding, borrowing where possible.
    pub param: for<'a> fn(&'a T) -> Param<'a>,
    /// Is NULL.
    pub is_null: fn(&T) -> bool,
    /// Equality (change detection).
    pub eq: fn(&T, &T) -> bool,
    /// Copy (snapshots).
    pub clone: fn(&T) -> T,
    /// Decode from a row.
    pub decode: fn(&RowRef<'_>, usize, &ColumnDef) -> Result<T>,
    /// Decode from a value.
    pub from_value: fn(&Value, &ColumnDef) -> Result<T>,
}

fn eq<T: PartialEq>(a: &T, b: &T) -> bool {
    a == b
}

fn decode<T: SqlType>(row: &RowRef<'_>, idx: usize, col: &ColumnDef) -> Result<T> {
    row.column(idx, col)
}

fn from_value<T: SqlType>(v: &Value, col: &ColumnDef) -> Result<T> {
    T::from_value(v).map_err(|e| e.into_error(col.table, col.name))
}

/// The operations of a column type.
pub const fn field_ops<T: SqlType>() -> FieldOps<T> {
    FieldOps {
        kind: T::KIND,
        nullable: T::NULLABLE,
        value: T::to_value,
        param: T::to_param,
        is_null: T::is_null,
        eq: eq::<T>,
        clone: T::clone,
        decode: decode::<T>,
        from_value: from_value::<T>,
    }
}

/// A column of model `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column of `{M}`",
    label = "expected a column of `{M}`",
    note = "a relationship's `foreign_key` is the column of the child model that refers to the parent"
)]
pub trait ColumnOf<M> {
    /// The column's metadata.
    fn column_def(&self) -> &'static ColumnDef;
}

impl<M, T> ColumnOf<M> for Column<M, T> {
    fn column_def(&self) -> &'static ColumnDef {
        self.def()
    }
}

/// `column` is a column of model `M` (checks a relationship's `foreign_key`).
pub fn column_of<M, C: ColumnOf<M>>(column: C) -> &'static ColumnDef {
    column.column_def()
}

/// Where `decode_row_at` reads column `i`: `positions[i]`, or an internal error naming the
/// column and `table` (compiled once, not once per field of every model).
#[inline]
pub fn column_position(positions: &[usize], i: usize, table: &'static str) -> Result<usize> {
    match positions.get(i) {
        Some(&p) => Ok(p),
        None => Err(missing_position(i, table)),
    }
}

#[cold]
#[inline(never)]
fn missing_position(i: usize, table: &'static str) -> crate::error::Error {
    crate::error::Error::Internal {
        invariant: "a model is decoded with one position per column",
        detail: format!("no position given for column {i} of `{table}`"),
    }
}

/// The field type can be an auto-increment key.
pub fn assert_auto_increment<T: AutoIncrement>() {}

/// The field type can be a version counter (`#[orm(version)]`).
pub fn assert_version<T: VersionCounter>() {}

pub use crate::types::sql_type::DecimalColumn;

/// The field type is a decimal (for `numeric(p, s)`).
pub fn assert_decimal<T: DecimalColumn>() {}

/// The field type is text (for `max_length`).
pub fn assert_text<T: Text>() {}

/// A foreign key field of type `F` may reference a column of type `T`.
#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{F}` cannot reference a key of type `{Self}`",
    label = "this column has type `{Self}`",
    note = "declare the foreign key field as `{Self}` (or `Option<{Self}>` when it is nullable)"
)]
pub trait ReferencedBy<F> {}

/// The metadata behind the column accessors of a model whose derive failed: they exist so
/// that other code naming them (`foreign_key = User::id`, `User::name.eq(..)`) reports
/// nothing more than the derive's own error. Never reaches a database (the failed derive
/// does not compile).
pub const STUB_COLUMN: ColumnDef = ColumnDef {
    table: "",
    name: "",
    field: "",
    index: 0,
    kind: crate::types::SqlKind::Text,
    nullable: true,
    primary_key: true,
    auto_increment: false,
    unique: true,
    indexed: false,
    max_length: None,
    default: None,
    onupdate: None,
    validate: None,
    numeric: None,
    server_default: None,
    check: None,
    unique_name: None,
    check_name: None,
    foreign_key: None,
    version: false,
};

/// The value of a field's `default = expr` or `onupdate = expr`: the field's type `T`, or a
/// value that converts into it (`"ada"` for a `String`). Called by generated code.
#[diagnostic::on_unimplemented(
    message = "this default is `{Self}`, but the field is `{T}`",
    label = "expected `{T}`, or a value that converts into it"
)]
pub trait DefaultFor<T> {
    /// The field's value.
    fn into_default(self) -> T;
}

#[diagnostic::do_not_recommend]
impl<T, V: Into<T>> DefaultFor<T> for V {
    fn into_default(self) -> T {
        self.into()
    }
}

impl<T: SqlType> ReferencedBy<T> for T {}
impl<T: SqlType> ReferencedBy<Option<T>> for T {}

impl<M, T> Column<M, T> {
    /// Check (at compile time) that a field of type `F` may reference this column.
    #[doc(hidden)]
    pub fn referenced_by<F>(self) -> Self
    where
        T: ReferencedBy<F>,
    {
        self
    }
}

/// A validator of a field of type `T`: any `fn(&T) -> Result<(), E>` (or closure) whose error
/// `E` displays as the message of the [`crate::Error::Validation`] it becomes; a `String`
/// field also takes a `fn(&str)`, a `Vec<u8>` field a `fn(&[u8])`. `K` tells these shapes
/// apart and is inferred.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a validator of a `{T}` field",
    label = "expected a `fn(&{T}) -> Result<(), E>` where `E: Display`",
    note = "a field validator takes the field's value by reference and returns `Ok(())` or `Err(message)`"
)]
pub trait Validator<T, K> {
    /// Check a value; `Err` carries the message.
    fn check(&self, value: &T) -> std::result::Result<(), String>;
}

/// Validator shape: `fn(&T)`.
#[derive(Debug)]
pub enum ByRef {}
/// Validator shape: `fn(&str)` for a `String` field.
#[derive(Debug)]
pub enum ByStr {}
/// Validator shape: `fn(&[u8])` for a `Vec<u8>` field.
#[derive(Debug)]
pub enum BySlice {}

impl<T, F, E> Validator<T, ByRef> for F
where
    F: Fn(&T) -> std::result::Result<(), E>,
    E: std::fmt::Display,
{
    fn check(&self, value: &T) -> std::result::Result<(), String> {
        self(value).map_err(|e| e.to_string())
    }
}

impl<F, E> Validator<String, ByStr> for F
where
    F: Fn(&str) -> std::result::Result<(), E>,
    E: std::fmt::Display,
{
    fn check(&self, value: &String) -> std::result::Result<(), String> {
        self(value).map_err(|e| e.to_string())
    }
}

impl<F, E> Validator<Vec<u8>, BySlice> for F
where
    F: Fn(&[u8]) -> std::result::Result<(), E>,
    E: std::fmt::Display,
{
    fn check(&self, value: &Vec<u8>) -> std::result::Result<(), String> {
        self(value).map_err(|e| e.to_string())
    }
}

/// A validator of a whole model object: any `fn(&M) -> Result<(), E>` with `E: Display`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a validator of a `{M}` object",
    label = "expected a `fn(&{M}) -> Result<(), E>` where `E: Display`",
    note = "a model validator (`#[orm(validate = ...)]` on the struct) takes the object by reference"
)]
pub trait ModelValidator<M> {
    /// Check an object; `Err` carries the message.
    fn check(&self, obj: &M) -> std::result::Result<(), String>;
}

impl<M, F, E> ModelValidator<M> for F
where
    F: Fn(&M) -> std::result::Result<(), E>,
    E: std::fmt::Display,
{
    fn check(&self, obj: &M) -> std::result::Result<(), String> {
        self(obj).map_err(|e| e.to_string())
    }
}

/// Run one field validator; a refusal names the model and the field.
pub fn run_validator<T, K, V: Validator<T, K>>(
    validator: V,
    value: &T,
    model: &'static str,
    field: &'static str,
) -> Result<()> {
    validator.check(value).map_err(|message| crate::error::Error::Validation {
        model: model.to_owned(),
        field: Some(field.to_owned()),
        message,
    })
}

/// Run one model validator; a refusal names the model.
pub fn run_model_validator<M, V: ModelValidator<M>>(validator: V, obj: &M, model: &'static str) -> Result<()> {
    validator.check(obj).map_err(|message| crate::error::Error::Validation {
        model: model.to_owned(),
        field: None,
        message,
    })
}

/// A model other models may inherit from: it has a discriminator column
/// (`#[orm(polymorphic_on = field)]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no discriminator, so no model can inherit from it",
    label = "not a polymorphic base",
    note = "add `#[orm(polymorphic_on = field)]` to `{Self}`: the text column whose value tells the subtypes apart"
)]
pub trait PolymorphicBase: crate::model::Model {}

/// The table of a polymorphic base (checks `inherits = Base`).
pub fn polymorphic_base<B: PolymorphicBase>() -> &'static crate::schema::TableDef {
    B::table()
}

// ---------------------------------------------------------------------------------------
// `sql!`: checks of raw SQL against the models it names, evaluated by the compiler.
// ---------------------------------------------------------------------------------------

/// The hash that keys [`HasColumn`]: FNV-1a (64 bits) of the column name in ASCII lower case
/// (unquoted SQL names compare case-insensitively).
pub const fn column_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i].to_ascii_lowercase() as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The model has a column whose name hashes to `H` ([`column_hash`]) and whose field has
/// type `Type`. Generated by the derive, one impl per column, for `sql!`'s bind checks.
pub trait HasColumn<const H: u64> {
    /// The field's type.
    type Type;
}

/// A bind's value of type `Self` fits a column of type `C`: the same type, or `T` for an
/// `Option<T>` column, or `&str` for a text column.
#[diagnostic::on_unimplemented(
    message = "`sql!`: the value bound has type `{Self}`, but its column's type is `{C}`",
    label = "this value is compared with (or assigned to) a column of type `{C}`",
    note = "bind a value of type `{C}` (a `T` also fits a nullable `Option<T>` column, a `&str` a text column)"
)]
pub trait BindsTo<C> {}

impl<T: SqlType> BindsTo<T> for T {}
impl<T: SqlType> BindsTo<Option<T>> for T {}
#[diagnostic::do_not_recommend]
impl BindsTo<String> for &str {}
#[diagnostic::do_not_recommend]
impl BindsTo<Option<String>> for &str {}
impl<T> BindsTo<Unchecked> for T {}

/// The column type of a bind `sql!` does not check (its model or column is not known).
#[derive(Debug)]
pub enum Unchecked {}

/// The type of column `H` of `Self` when `OK` (the column was found among `Self`'s), else
/// [`Unchecked`]: a bind is only checked against a column that exists, so that a misspelt
/// column is reported once, by its own check.
pub trait ColumnTypeOf<const OK: bool, const H: u64> {
    /// The column's type, or [`Unchecked`].
    type Type;
}

impl<M, const H: u64> ColumnTypeOf<false, H> for M {
    type Type = Unchecked;
}

impl<M: HasColumn<H>, const H: u64> ColumnTypeOf<true, H> for M {
    type Type = <M as HasColumn<H>>::Type;
}

/// Check (at compile time) that `value` fits a column of type `C`.
pub fn check_bind<C, T: BindsTo<C>>(value: &T) {
    let _ = value;
}

/// A model named in `sql!`, as its `const` checks see it.
#[derive(Debug, Clone, Copy)]
pub struct SqlModel {
    /// The path written in the macro (`User`).
    pub path: &'static str,
    /// [`Model::TABLE_NAME`](crate::model::Model::TABLE_NAME).
    pub table: &'static str,
    /// [`Model::COLUMN_NAMES`](crate::model::Model::COLUMN_NAMES).
    pub columns: &'static [&'static str],
}

/// Model `M` under the path it was written as.
pub const fn sql_model<M: crate::model::Model>(path: &'static str) -> SqlModel {
    SqlModel { path, table: M::TABLE_NAME, columns: M::COLUMN_NAMES }
}

/// An SQL identifier as the SQL text writes it: quoted (`"Name"`, compared exactly) or not
/// (compared ignoring ASCII case).
#[derive(Debug, Clone, Copy)]
pub struct SqlName {
    /// The name, without quotes.
    pub name: &'static str,
    /// Written in quotes.
    pub quoted: bool,
}

/// Whether SQL identifier `sql` names `name`.
pub const fn sql_name_is(sql: SqlName, name: &str) -> bool {
    let (a, b) = (sql.name.as_bytes(), name.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        let equal = if sql.quoted { a[i] == b[i] } else { a[i].eq_ignore_ascii_case(&b[i]) };
        if !equal {
            return false;
        }
        i += 1;
    }
    true
}

const fn names_table(model: &SqlModel, tables: &[SqlName]) -> bool {
    let mut i = 0;
    while i < tables.len() {
        if sql_name_is(tables[i], model.table) {
            return true;
        }
        i += 1;
    }
    false
}

const fn has_column(model: &SqlModel, column: SqlName) -> bool {
    let mut i = 0;
    while i < model.columns.len() {
        if sql_name_is(column, model.columns[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether `model`'s table is one of `tables` and has `column` (a bind compared with that
/// column is then checked against the model's field type).
pub const fn sql_column_of(model: &SqlModel, tables: &[SqlName], column: SqlName) -> bool {
    names_table(model, tables) && has_column(model, column)
}

/// The message of a failed `sql!` check (empty when the check passed), built at compile time.
#[derive(Debug, Clone, Copy)]
pub struct SqlMessage {
    buf: [u8; 1024],
    len: usize,
    /// Text was cut (and "…" appended): nothing more is added.
    full: bool,
}

impl SqlMessage {
    const fn new() -> Self {
        SqlMessage { buf: [0; 1024], len: 0, full: false }
    }

    const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        // Room is kept for the ellipsis of a message that does not fit.
        let room = self.buf.len() - 3;
        let mut i = 0;
        while !self.full && i < bytes.len() {
            if self.len == room {
                // Back to a character boundary, then "…".
                while i > 0 && (bytes[i] & 0xC0) == 0x80 {
                    i -= 1;
                    self.len -= 1;
                }
                let ellipsis = "…".as_bytes();
                let mut j = 0;
                while j < ellipsis.len() {
                    self.buf[self.len] = ellipsis[j];
                    self.len += 1;
                    j += 1;
                }
                self.full = true;
            } else {
                self.buf[self.len] = bytes[i];
                self.len += 1;
                i += 1;
            }
        }
        self
    }

    const fn push_name(self, name: SqlName) -> Self {
        if name.quoted {
            self.push("\"").push(name.name).push("\"")
        } else {
            self.push(name.name)
        }
    }

    /// Whether the check passed.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "`sql!` check failed",
        }
    }
}

const fn model_list(mut m: SqlMessage, models: &[SqlModel]) -> SqlMessage {
    let mut i = 0;
    while i < models.len() {
        if i > 0 {
            m = m.push(", ");
        }
        m = m.push(models[i].path).push(": `").push(models[i].table).push("`");
        i += 1;
    }
    m
}

/// Check that `table` (a table the SQL reads or writes) is the table of one of `models`.
pub const fn sql_check_table(models: &[SqlModel], table: SqlName) -> SqlMessage {
    let mut i = 0;
    while i < models.len() {
        if sql_name_is(table, models[i].table) {
            return SqlMessage::new();
        }
        i += 1;
    }
    let m = SqlMessage::new().push("`sql!`: table `").push_name(table);
    let m = m.push("` is not the table of any model named here (");
    model_list(m, models).push(")")
}

/// Check that `column` is a column of the model(s) whose table is one of `tables`. Tables
/// that are no model's are reported by [`sql_check_table`] (or are not checked): they pass.
/// `qualifier` is the name the SQL wrote before the column (`u` in `u.name`), if any.
pub const fn sql_check_column(
    models: &[SqlModel],
    tables: &[SqlName],
    qualifier: Option<SqlName>,
    column: SqlName,
) -> SqlMessage {
    let mut matched = false;
    let mut i = 0;
    while i < models.len() {
        if names_table(&models[i], tables) {
            if has_column(&models[i], column) {
                return SqlMessage::new();
            }
            matched = true;
        }
        i += 1;
    }
    if !matched {
        return SqlMessage::new();
    }
    let mut m = SqlMessage::new().push("`sql!`: ");
    m = match qualifier {
        Some(q) => m.push("`").push_name(q).push(".").push_name(column).push("`: "),
        None => m,
    };
    if tables.len() == 1 {
        m = m.push("`").push_name(tables[0]).push("` has no column `").push_name(column).push("`");
    } else {
        m = m.push("no table of this statement (");
        let mut t = 0;
        while t < tables.len() {
            if t > 0 {
                m = m.push(", ");
            }
            m = m.push("`").push_name(tables[t]).push("`");
            t += 1;
        }
        m = m.push(") has a column `").push_name(column).push("`");
    }
    // The columns there are, model by model.
    m = m.push(" (");
    let mut first = true;
    let mut i = 0;
    while i < models.len() {
        if names_table(&models[i], tables) {
            if !first {
                m = m.push("; ");
            }
            first = false;
            m = m.push(models[i].path).push(": ");
            let mut c = 0;
            while c < models[i].columns.len() {
                if c > 0 {
                    m = m.push(", ");
                }
                m = m.push("`").push(models[i].columns[c]).push("`");
                c += 1;
            }
        }
        i += 1;
    }
    m.push(")")
}

pub use crate::query::text;
pub use crate::query::Text as SqlText;

/// The model of a `#[orm(polymorphic_fallback)]` variant is the enum's base `B`.
#[diagnostic::on_unimplemented(
    message = "the `polymorphic_fallback` variant holds `{Self}`, not the base `{B}`",
    label = "expected the base model `{B}`",
    note = "rows of identities no variant names are read as the base: declare the variant as `Other({B})`"
)]
pub trait FallbackIsBase<B> {}

impl<B: crate::model::Model> FallbackIsBase<B> for B {}

/// Checks that the model of a `polymorphic_fallback` variant is the base.
pub fn assert_fallback_is_base<B, M: FallbackIsBase<B>>() {}
