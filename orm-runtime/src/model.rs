//! The [`Model`] trait implemented by `#[derive(Model)]`.

use std::fmt::Debug;
use std::hash::Hash;

use crate::backend::RowRef;
use crate::error::Result;
use crate::expr::{AppearsIn, Here};
use crate::schema::TableDef;
use crate::types::Value;

/// A set of column positions of one model (models have at most 128 columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ColumnMask(pub u128);

impl ColumnMask {
    /// No column.
    pub const EMPTY: ColumnMask = ColumnMask(0);

    /// Every column of a table with `n` columns.
    pub fn all(n: usize) -> Self {
        if n >= 128 {
            ColumnMask(u128::MAX)
        } else {
            ColumnMask((1u128 << n) - 1)
        }
    }

    /// The set of one column.
    pub fn single(i: usize) -> Self {
        let mut m = ColumnMask::EMPTY;
        m.insert(i);
        m
    }

    /// Add column `i`.
    pub fn insert(&mut self, i: usize) {
        self.0 |= 1u128 << i;
    }

    /// Remove column `i`.
    pub fn remove(&mut self, i: usize) {
        self.0 &= !(1u128 << i);
    }

    /// Whether column `i` is in the set.
    pub fn contains(self, i: usize) -> bool {
        i < 128 && self.0 & (1u128 << i) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The positions in the set, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..128).filter(move |i| self.contains(*i))
    }
}

/// A mapped struct. Implemented by `#[derive(Model)]`; not meant to be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(orm::Model)]` to `{Self}`"
)]
pub trait Model: Sized + Send + Sync + 'static {
    /// The primary key: the key field's type, or a tuple for a composite key.
    type Key: Clone + Eq + Hash + Debug + Send + Sync + 'static;

    /// The table's name (also a single-table subtype's: its base's).
    const TABLE_NAME: &'static str;

    /// The table's metadata.
    fn table() -> &'static TableDef;

    /// Decode a whole object from `row`, reading its columns from position `offset` on.
    fn decode_row(row: &RowRef<'_>, offset: usize) -> Result<Self>;

    /// Decode only the key columns (in key order) from position `offset` on.
    fn decode_key(row: &RowRef<'_>, offset: usize) -> Result<Self::Key>;

    /// Decode column `idx` from `row[pos]` into this object (generated keys, server defaults).
    fn decode_column(&mut self, idx: usize, row: &RowRef<'_>, pos: usize) -> Result<()>;

    /// The value of column `idx`, to bind.
    fn column_value(&self, idx: usize) -> Value;

    /// The value of column `idx`, to bind, borrowed where the type allows.
    fn column_param(&self, idx: usize) -> crate::types::Param<'_>;

    /// Whether column `idx` holds `None` (always false for non-nullable columns).
    fn column_is_none(&self, idx: usize) -> bool;

    /// The object's primary key.
    fn key(&self) -> Self::Key;

    /// The values of a key, in key-column order.
    fn key_values(key: &Self::Key) -> Vec<Value>;

    /// A key from its values, in key-column order (the inverse of [`Model::key_values`]).
    fn key_from_values(values: &[Value]) -> Result<Self::Key>;

    /// The columns whose value differs from `old`.
    fn changed_columns(&self, old: &Self) -> ColumnMask;

    /// Set column `idx` from a value (generated keys, values restored by a rollback).
    fn set_column_value(&mut self, idx: usize, value: &Value) -> Result<()>;

    /// A field-by-field copy (the session's snapshot of loaded values).
    fn snapshot(&self) -> Self;

    /// Whether the model has validators (`#[orm(validate = ...)]`).
    const HAS_VALIDATORS: bool = false;

    /// Run the validators of the columns in `columns` (and the model's own validators when
    /// any column is in the set). The first refusal is an [`crate::Error::Validation`].
    fn validate(&self, columns: ColumnMask) -> Result<()> {
        let _ = columns;
        Ok(())
    }

    /// Fill each field that has a Rust-side `default` and still holds its type's `Default`
    /// value (`0`, `""`, `None`, a nil UUID) with the default; the old values of the fields
    /// filled are pushed to `filled` (so a rollback can put them back).
    fn apply_defaults(&mut self, filled: &mut Vec<(usize, Value)>) {
        let _ = filled;
    }

    /// Whether column `idx` has a Rust-side default and the field still holds its type's
    /// `Default` value (a Core insert of the object then binds the default instead).
    fn column_is_unset(&self, idx: usize) -> bool {
        let _ = idx;
        false
    }

    /// Called when `obj` is marked for deletion: delete what `cascade_delete` relationships
    /// hold (generated for models that have some).
    fn cascade_delete(session: &mut crate::session::Session, obj: &crate::session::Obj<Self>) -> Result<()> {
        let _ = (session, obj);
        Ok(())
    }

    /// Loader options every query of this model applies (from `#[relationship(lazy = ...)]`).
    fn default_loaders() -> Vec<Box<dyn crate::session::LoaderOption<Self>>> {
        Vec::new()
    }

    /// The related objects held by loaded relationship fields (generated for models with
    /// relationships).
    fn relation_links(&self, out: &mut Vec<crate::session::RelationLink>) {
        let _ = out;
    }
}

impl<M: Model> AppearsIn<M, Here> for M {}
