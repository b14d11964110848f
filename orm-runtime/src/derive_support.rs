//! Items called by code that `#[derive(Model)]` generates. Each check is spanned at the
//! user's own token, so a failed bound points at the field or path at fault, once.

use crate::backend::RowRef;
use crate::error::Result;
use crate::expr::Column;
use crate::schema::ColumnDef;
use crate::types::{AutoIncrement, Param, SqlKind, SqlType, Text, Value};

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

/// The field type can be an auto-increment key.
pub fn assert_auto_increment<T: AutoIncrement>() {}

/// Decimal column types: `numeric(precision, scale)` applies to them.
#[diagnostic::on_unimplemented(
    message = "`numeric(p, s)` applies to a decimal column, not `{Self}`",
    label = "not a decimal type",
    note = "store a `rust_decimal::Decimal` (cargo feature `rust_decimal`), or `Option<Decimal>` for a nullable column"
)]
pub trait DecimalColumn {}

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

/// Whether a field still holds its type's `Default` value (for Rust-side defaults).
pub fn is_default_value<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
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
