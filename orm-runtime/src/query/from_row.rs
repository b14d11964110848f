//! [`FromRow`]: a select of labelled expressions decoded into a struct of yours, field by
//! label (`#[derive(FromRow)]`).

use std::marker::PhantomData;

use crate::backend::RowRef;
use crate::error::{Error, Misuse, Result};
use crate::expr::{AppearsIn, Node};
use crate::query::select::run_rows;
use crate::query::{Executor, Select, SelectItem, SelectStatement, Selection};
use crate::types::SqlType;

/// A struct read from a row by the labels of the select list; `#[derive(FromRow)]`
/// implements it (a field reads the label of its name, or `#[orm(label = "...")]`).
pub trait FromRow: Sized {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The label each field reads, in field order.
    const LABELS: &'static [&'static str];
    /// Decode a row; `positions[i]` is the position of `LABELS[i]`.
    fn from_row(row: &RowRef<'_>, positions: &[usize]) -> Result<Self>;
}

/// Decode field `field` of a [`FromRow`] type (used by the derive).
pub fn decode_labeled<T: SqlType>(row: &RowRef<'_>, positions: &[usize], field: usize, label: &str) -> Result<T> {
    let pos = positions.get(field).copied().ok_or_else(|| Error::Internal {
        invariant: "a `FromRow` type is given one position per label",
        detail: format!("no position for `{label}` (field #{field})"),
    })?;
    row.get(pos).map_err(|e| e.into_error("query", label))
}

/// The position of each label of `R` among the output columns of `items`.
fn positions<R: FromRow>(items: &[SelectItem]) -> Result<Vec<usize>> {
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for item in items {
        match &item.node {
            Node::AllColumns(t) => columns.extend(t.0.columns.iter().map(|_| None)),
            _ => columns.push(item.label),
        }
    }
    R::LABELS
        .iter()
        .map(|want| {
            columns.iter().position(|c| *c == Some(*want)).ok_or_else(|| {
                let labels: Vec<&'static str> = columns.iter().flatten().copied().collect();
                Error::from(Misuse::MissingLabel { target: R::NAME, label: want, labels })
            })
        })
        .collect()
}

impl<Sel: Selection, F> Select<Sel, F> {
    /// Decode each row into `R` by label instead of a tuple:
    /// `select((User::name.label("name"), func::count_all().label("orders"))).into::<Report>()`.
    /// A label `R` reads that the select list lacks is an error before anything runs.
    pub fn into<R: FromRow>(self) -> SelectInto<Sel, F, R> {
        SelectInto { select: self, _row: PhantomData }
    }
}

/// A select whose rows decode into `R` by label (see [`Select::into`]).
#[derive(Debug)]
pub struct SelectInto<Sel, F, R> {
    select: Select<Sel, F>,
    _row: PhantomData<fn() -> R>,
}

/// Decodes rows into `R` at the given positions.
#[derive(Debug)]
struct ByLabel<R>(Vec<usize>, PhantomData<fn() -> R>);

impl<R: FromRow> Selection for ByLabel<R> {
    type Output = R;
    type Sources = ();
    type Rows = crate::expr::NoRows;
    type From = ();
    fn push_items(&self, _: &mut Vec<SelectItem>) {}
    fn decode(&self, row: &RowRef<'_>, _: &mut usize) -> Result<R> {
        R::from_row(row, &self.0)
    }
}

impl<Sel: Selection, F, R: FromRow> SelectInto<Sel, F, R> {
    fn statement(&self) -> &SelectStatement {
        &self.select.stmt
    }

    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        self.select.render(dialect)
    }
}

impl<Sel: Selection, F, R: FromRow> crate::query::Fetch for SelectInto<Sel, F, R> {
    type Row = R;
}

impl<Sel: Selection, F, R: FromRow, I> crate::query::fetch::sealed::RunRows<I> for SelectInto<Sel, F, R>
where
    Sel::Sources: AppearsIn<F, I>,
{
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(R) -> Result<bool>) -> Result<()> {
        let by_label = ByLabel::<R>(positions::<R>(&self.statement().items)?, PhantomData);
        run_rows(ex, self.statement(), &by_label, each)
    }

    fn error_table(&self) -> String {
        self.statement().from.first().copied().unwrap_or("query").to_owned()
    }
}
