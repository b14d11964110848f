//! Polymorphic loading: one SELECT over a polymorphic base whose rows come back each as its
//! own subtype, as the variants of an enum (`#[derive(Polymorphic)]`).
//!
//! The statement reads the discriminator first, then the columns of every model of the enum:
//! the base table once, each single-table subtype's columns from that same table, and each
//! joined-table subtype's from its own table, `LEFT OUTER JOIN`ed on the key. A row is decoded
//! by the variant whose identity its discriminator holds; a row of an identity no variant
//! names becomes the variant of the base model itself if the enum has one, and is an error
//! otherwise.

use crate::backend::RowRef;
use crate::dialect::render;
use crate::error::{Error, Result};
use crate::expr::{Node, TableRef};
use crate::model::Model;
use crate::query::{Executor, JoinClause, JoinKind, Select, SelectItem, SelectStatement, Statement};
use crate::schema::TableDef;

/// The variants of a polymorphic enum. Implemented by `#[derive(Polymorphic)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a polymorphic enum",
    label = "expected an enum with `#[derive(orm::Polymorphic)]`"
)]
pub trait PolymorphicSet: Sized {
    /// The polymorphic base every variant's model inherits from.
    type Base: Model;
    /// The models of each variant, in variant order: one model, or a joined-table subtype
    /// preceded by its base.
    fn variants() -> Vec<Vec<&'static TableDef>>;
}

/// A polymorphic enum of plain values (Core): `enum Staff { Manager(Manager), .. }`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds tracked objects: load it through a session",
    label = "its variants hold `Obj<...>`",
    note = "Core queries decode plain values: declare the variants as `Manager(Manager)`, or use `session.query::<Base>().polymorphic::<{Self}>()`"
)]
pub trait PolymorphicRows: PolymorphicSet {
    /// Build variant `variant` from `row`; `offsets[j]` is where its `j`-th model starts.
    fn from_row(variant: usize, row: &RowRef<'_>, offsets: &[usize]) -> Result<Self>;
}

/// How to read the rows of a polymorphic enum: the statement and each variant's identity
/// and column offsets.
#[derive(Debug)]
pub(crate) struct PolymorphicPlan {
    pub(crate) stmt: SelectStatement,
    /// Per variant: its identity (`None` for a base without one) and its models' offsets.
    variants: Vec<(Option<&'static str>, Vec<usize>)>,
    /// The variant of the base model itself, for identities no variant names.
    fallback: Option<usize>,
    base: &'static TableDef,
    discriminator: &'static str,
}

/// The base table of a variant's first model.
fn base_of(t: &'static TableDef) -> &'static TableDef {
    match t.inheritance.and_then(|i| i.base) {
        Some(base) => base(),
        None => t,
    }
}

impl PolymorphicPlan {
    /// Turn a query of the base (its filters, order, limit) into the polymorphic one.
    pub(crate) fn new<P: PolymorphicSet>(mut stmt: SelectStatement) -> Result<PolymorphicPlan> {
        let base = P::Base::table();
        let enum_name = std::any::type_name::<P>().rsplit("::").next().unwrap_or("enum");
        let discriminator = base.inheritance.and_then(|i| i.discriminator).ok_or_else(|| {
            Error::InvalidState(format!("`{}` of `{enum_name}` has no discriminator column", base.model))
        })?;
        let mut items = vec![
            SelectItem { node: Node::Column { table: base.name, name: discriminator }, label: None },
            SelectItem { node: Node::AllColumns(TableRef(base)), label: None },
        ];
        let mut offset = 1 + base.columns.len();
        let mut placed: Vec<(&'static TableDef, usize)> = vec![(base, 1)];
        let mut variants = Vec::new();
        let mut fallback = None;
        for (idx, tables) in P::variants().into_iter().enumerate() {
            let mut offsets = Vec::with_capacity(tables.len());
            for &t in &tables {
                if base_of(t).name != base.name {
                    return Err(Error::InvalidState(format!(
                        "`{}` in `{enum_name}` does not inherit from `{}`",
                        t.model, base.model
                    )));
                }
                if let Some(&(_, at)) = placed.iter().find(|(p, _)| std::ptr::eq(*p, t)) {
                    offsets.push(at);
                    continue;
                }
                if t.inheritance.is_some_and(|i| i.joined) {
                    stmt.joins.push(JoinClause {
                        kind: JoinKind::LeftOuter,
                        table: t.name,
                        alias: None,
                        on: key_join(base, t)?,
                    });
                }
                items.push(SelectItem { node: Node::AllColumns(TableRef(t)), label: None });
                placed.push((t, offset));
                offsets.push(offset);
                offset += t.columns.len();
            }
            let last = tables.last().copied().unwrap_or(base);
            let identity = last.inheritance.and_then(|i| i.identity);
            if tables.len() == 1 && std::ptr::eq(last, base) {
                fallback = Some(idx);
            }
            variants.push((identity, offsets));
        }
        stmt.items = items;
        Ok(PolymorphicPlan { stmt, variants, fallback, base, discriminator })
    }

    /// The variant of a row and its offsets.
    pub(crate) fn variant_of(&self, row: &RowRef<'_>) -> Result<(usize, &[usize])> {
        let identity: Option<String> = row.value(0)?;
        let found =
            identity.as_deref().and_then(|id| self.variants.iter().position(|(v, _)| *v == Some(id))).or(self.fallback);
        match found {
            Some(v) => Ok((v, &self.variants[v].1)),
            None => Err(Error::Decode {
                table: self.base.name.to_owned(),
                column: self.discriminator.to_owned(),
                expected: "an identity one of the enum's variants names".to_owned(),
                found: identity.unwrap_or_else(|| "NULL".to_owned()),
            }),
        }
    }
}

/// `sub.key = base.key`, column by column.
fn key_join(base: &'static TableDef, sub: &'static TableDef) -> Result<Node> {
    if base.primary_key.len() != sub.primary_key.len() {
        return Err(Error::InvalidState(format!(
            "`{}` and its base `{}` have keys of different lengths",
            sub.model, base.model
        )));
    }
    let mut on: Option<Node> = None;
    for (b, s) in base.primary_key_columns().zip(sub.primary_key_columns()) {
        let eq = Node::binary(
            crate::expr::BinOp::Eq,
            Node::Column { table: sub.name, name: s.name },
            Node::Column { table: base.name, name: b.name },
        );
        on = Some(crate::query::statement::and(on, eq));
    }
    on.ok_or_else(|| Error::InvalidState(format!("`{}` has no primary key", base.model)))
}

/// A Core polymorphic query: `select_model::<Employee>().filter(..).polymorphic::<Staff>()`.
#[derive(Debug)]
pub struct PolymorphicSelect<P> {
    plan: Result<PolymorphicPlan>,
    _enum: std::marker::PhantomData<fn() -> P>,
}

impl<F: Model> Select<crate::query::ModelSelection<F>, F> {
    /// Read the rows as the variants of polymorphic enum `P` (each row as its own subtype),
    /// keeping this query's filters, order and limits.
    pub fn polymorphic<P: PolymorphicRows<Base = F>>(self) -> PolymorphicSelect<P> {
        PolymorphicSelect { plan: PolymorphicPlan::new::<P>(self.stmt), _enum: std::marker::PhantomData }
    }
}

impl<P: PolymorphicRows> PolymorphicSelect<P> {
    /// Every row, as its variant.
    pub fn all<X: Executor>(&self, ex: X) -> Result<Vec<P>> {
        let plan = self.plan.as_ref().map_err(Error::duplicate)?;
        ex.with_connection(false, |conn| {
            let r = render(conn.dialect(), Statement::Select(&plan.stmt))?;
            let mut out = Vec::new();
            conn.query_while(&r.sql, &r.params, |row| {
                let (v, offsets) = plan.variant_of(row)?;
                out.push(P::from_row(v, row, offsets)?);
                Ok(true)
            })?;
            Ok(out)
        })
    }

    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        let plan = self.plan.as_ref().map_err(Error::duplicate)?;
        render(dialect, Statement::Select(&plan.stmt))
    }
}
