//! Aliases: a model's table a second (third, ...) time in one query, for self-joins.
//!
//! ```
//! # use orm::prelude::*;
//! # use orm::alias;
//! # #[derive(Model, Debug)]
//! # #[orm(table = "employees")]
//! # struct Employee {
//! #     #[orm(primary_key)]
//! #     id: i32,
//! #     name: String,
//! #     #[orm(foreign_key = Employee::id)]
//! #     manager_id: Option<i32>,
//! # }
//! # fn main() -> orm::Result<()> {
//! # let engine = Engine::connect("sqlite::memory:")?;
//! # engine.create_all(&[Employee::table()])?;
//! # let ann = Employee { id: 1, name: "Ann".into(), manager_id: None };
//! # let ben = Employee { id: 2, name: "Ben".into(), manager_id: Some(1) };
//! # insert::<Employee>().values_many(&[ann, ben]).execute(&engine)?;
//! let boss = alias::<Employee, 1>();
//! let rows: Vec<(String, String)> = select((Employee::name, boss.col(Employee::name)))
//!     .join_as::<Employee, 1>()
//!     .on(boss.col(Employee::id).eq(Employee::manager_id))
//!     .all(&engine)?;
//! assert_eq!(rows, [("Ben".to_string(), "Ann".to_string())]);
//! # Ok(())
//! # }
//! ```

use std::marker::PhantomData;

use crate::expr::{AsExpr, Column, Expression, IntoOrdering, Node, Ordering};
use crate::model::Model;
use crate::schema::ColumnDef;
use crate::types::SqlType;

/// The `N`-th alias of model `M`'s table (rendered `"table_N"`), a source of its own.
pub struct Alias<M, const N: u8>(PhantomData<fn() -> M>);

impl<M, const N: u8> Clone for Alias<M, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, const N: u8> Copy for Alias<M, N> {}

impl<M, const N: u8> std::fmt::Debug for Alias<M, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Alias<{N}>")
    }
}

/// Alias `N` of model `M`.
pub fn alias<M: Model, const N: u8>() -> Alias<M, N> {
    Alias(PhantomData)
}

impl<M: Model, const N: u8> Alias<M, N> {
    /// Column `col` of this alias.
    pub fn col<T>(&self, col: Column<M, T>) -> AliasColumn<M, N, T> {
        AliasColumn { def: col.def(), _marker: PhantomData }
    }
}

/// A column of an alias.
pub struct AliasColumn<M, const N: u8, T> {
    pub(crate) def: &'static ColumnDef,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, const N: u8, T> Clone for AliasColumn<M, N, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, const N: u8, T> Copy for AliasColumn<M, N, T> {}

impl<M, const N: u8, T> std::fmt::Debug for AliasColumn<M, N, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AliasColumn({}_{N}.{})", self.def.table, self.def.name)
    }
}

impl<M, const N: u8, T> AliasColumn<M, N, T> {
    pub(crate) fn node(&self) -> Node {
        Node::AliasColumn { table: self.def.table, alias: N, name: self.def.name }
    }
}

impl<M, const N: u8, T: SqlType> Expression for AliasColumn<M, N, T> {
    type Value = T;
    type Sources = Alias<M, N>;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl<M, const N: u8, T: SqlType<Base = T>> AsExpr<T> for AliasColumn<M, N, T> {
    type Sources = Alias<M, N>;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl<M, const N: u8, T: SqlType<Base = T>> AsExpr<T> for AliasColumn<M, N, Option<T>> {
    type Sources = Alias<M, N>;
    fn into_node(self) -> Node {
        self.node()
    }
}

impl<M, const N: u8, T: SqlType> IntoOrdering for AliasColumn<M, N, T> {
    type Sources = Alias<M, N>;
    fn into_ordering(self) -> Ordering<Alias<M, N>> {
        self.asc()
    }
}
