//! Polymorphic loading: one SELECT over a polymorphic base whose rows come back each as its
//! own subtype, as the variants of an enum (`#[derive(Polymorphic)]`).
//!
//! The statement reads the discriminator first, then each column once: the base table's, the
//! single-table subtypes' own columns of that same table, and each joined-table subtype's
//! from its own table, `LEFT OUTER JOIN`ed on the key. A row is decoded
//! by the variant whose identity its discriminator holds (a variant holding the base model
//! alone reads the base's own identity); a row of an identity no variant names is an
//! [`Error::UnknownPolymorphicIdentity`], unless a variant holding the base is marked
//! `#[orm(polymorphic_fallback)]`: that one then reads it, as the base.

use crate::backend::RowRef;
use crate::dialect::render;
use crate::error::{Error, Misuse, Result};
use crate::expr::Node;
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
    /// The variant marked `#[orm(polymorphic_fallback)]` (it holds the base model), which
    /// reads the rows of identities no variant names.
    fn fallback() -> Option<usize> {
        None
    }
}

/// A polymorphic enum of plain values (Core): `enum Staff { Manager(Manager), .. }`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds tracked objects: load it through a session",
    label = "its variants hold `Obj<...>`",
    note = "Core queries decode plain values: declare the variants as `Manager(Manager)`, or use `session.query::<Base>().polymorphic::<{Self}>()`"
)]
pub trait PolymorphicRows: PolymorphicSet {
    /// Build variant `variant` from `row`; `positions[j]` holds the row positions of the
    /// columns of its `j`-th model.
    fn from_row(variant: usize, row: &RowRef<'_>, positions: &[Vec<usize>]) -> Result<Self>;
}

/// How to read the rows of a polymorphic enum: the statement and each variant's identity
/// and the row positions of its models' columns.
#[derive(Debug)]
pub(crate) struct PolymorphicPlan {
    pub(crate) stmt: SelectStatement,
    /// Per variant: its identity (`None` for a base without one) and, per model, the row
    /// position of each of its columns.
    variants: Vec<(Option<&'static str>, Vec<Vec<usize>>)>,
    /// The variant marked `#[orm(polymorphic_fallback)]`, for identities no variant names.
    fallback: Option<usize>,
    base: &'static TableDef,
    discriminator: &'static str,
    /// The enum's name, for errors.
    enum_name: &'static str,
}

/// The base table of a variant's first model.
fn base_of(t: &'static TableDef) -> &'static TableDef {
    match t.inheritance.and_then(|i| i.base) {
        Some(base) => base(),
        None => t,
    }
}

/// The select list being built: each column of the shared table is read once, each
/// joined-table subtype's columns once.
struct Items {
    items: Vec<SelectItem>,
    /// Columns of the base's table already selected: name → position.
    shared: Vec<(&'static str, usize)>,
    /// Joined tables already selected: table → position of its first column.
    joined: Vec<(&'static TableDef, usize)>,
}

impl Items {
    fn next(&self) -> usize {
        self.items.len()
    }

    /// The position of column `name` of the base's table, selecting it if it is new.
    fn shared(&mut self, base: &'static TableDef, name: &'static str) -> usize {
        if let Some(&(_, at)) = self.shared.iter().find(|(n, _)| *n == name) {
            return at;
        }
        let at = self.next();
        self.items.push(SelectItem { node: Node::Column { table: base.name, name }, label: None });
        self.shared.push((name, at));
        at
    }
}

impl PolymorphicPlan {
    /// Turn a query of the base (its filters, order, limit) into the polymorphic one.
    pub(crate) fn new<P: PolymorphicSet>(mut stmt: SelectStatement) -> Result<PolymorphicPlan> {
        let base = P::Base::table();
        let enum_name = std::any::type_name::<P>().rsplit("::").next().unwrap_or("enum");
        let discriminator = base
            .inheritance
            .and_then(|i| i.discriminator)
            .ok_or_else(|| Error::from(Misuse::NoDiscriminator { base: base.model, enum_name }))?;
        let mut sel = Items {
            items: vec![SelectItem { node: Node::Column { table: base.name, name: discriminator }, label: None }],
            shared: vec![(discriminator, 0)],
            joined: Vec::new(),
        };
        for c in base.columns {
            sel.shared(base, c.name);
        }
        let mut variants = Vec::new();
        let fallback = P::fallback();
        for tables in P::variants() {
            let mut positions = Vec::with_capacity(tables.len());
            for &t in &tables {
                if base_of(t).name != base.name {
                    return Err(
                        Misuse::PolymorphicVariantNotSubtype { model: t.model, enum_name, base: base.model }.into()
                    );
                }
                let joined = t.inheritance.is_some_and(|i| i.joined);
                if !joined {
                    // The base itself or a single-table subtype: columns of the shared table.
                    positions.push(t.columns.iter().map(|c| sel.shared(base, c.name)).collect());
                    continue;
                }
                let first =
                    match sel.joined.iter().find(|(j, _)| std::ptr::eq(*j, t)) {
                        Some(&(_, at)) => at,
                        None => {
                            let on = key_join(base, t)?;
                            stmt.joins.push(JoinClause { kind: JoinKind::LeftOuter, table: t.name, alias: None, on });
                            let at = sel.next();
                            sel.items.extend(t.columns.iter().map(|c| SelectItem {
                                node: Node::Column { table: t.name, name: c.name },
                                label: None,
                            }));
                            sel.joined.push((t, at));
                            at
                        }
                    };
                positions.push((first..first + t.columns.len()).collect());
            }
            let last = tables.last().copied().unwrap_or(base);
            let identity = last.inheritance.and_then(|i| i.identity);
            variants.push((identity, positions));
        }
        stmt.items = sel.items;
        Ok(PolymorphicPlan { stmt, variants, fallback, base, discriminator, enum_name })
    }

    /// The variant of a row and the positions of its models' columns.
    pub(crate) fn variant_of(&self, row: &RowRef<'_>) -> Result<(usize, &[Vec<usize>])> {
        let identity: Option<String> = row.value(0)?;
        let found =
            identity.as_deref().and_then(|id| self.variants.iter().position(|(v, _)| *v == Some(id))).or(self.fallback);
        match found {
            Some(v) => Ok((v, &self.variants[v].1)),
            None => Err(Error::UnknownPolymorphicIdentity {
                table: self.base.name.to_owned(),
                column: self.discriminator.to_owned(),
                identity,
                target: self.enum_name.to_owned(),
            }),
        }
    }
}

/// `sub.key = base.key`, column by column.
fn key_join(base: &'static TableDef, sub: &'static TableDef) -> Result<Node> {
    if base.primary_key.len() != sub.primary_key.len() {
        return Err(Misuse::SubtypeKeyMismatch { subtype: sub.model, base: base.model }.into());
    }
    let mut on: Option<Node> = None;
    for (b, s) in base.primary_key_columns().zip(sub.primary_key_columns()) {
        let eq = Node::binary(
            crate::expr::BinOp::Eq,
            Node::Column { table: sub.name, name: s.name },
            Node::Column { table: base.name, name: b.name },
        );
        on = Some(crate::expr::statement::and(on, eq));
    }
    on.ok_or_else(|| Error::Internal {
        invariant: "every model has a primary key (the derive requires one)",
        detail: format!("`{}` has none", base.model),
    })
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
    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        let plan = self.plan.as_ref().map_err(Error::duplicate)?;
        render(dialect, Statement::Select(&plan.stmt))
    }
}

/// Rows as the variants of `P` (each row as its own subtype).
impl<P: PolymorphicRows> crate::query::Fetch for PolymorphicSelect<P> {
    type Row = P;
}

impl<P: PolymorphicRows> crate::query::fetch::sealed::RunRows<()> for PolymorphicSelect<P> {
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(P) -> Result<bool>) -> Result<()> {
        let plan = self.plan.as_ref().map_err(Error::duplicate)?;
        ex.with_connection(false, |conn| {
            let r = render(conn.dialect(), Statement::Select(&plan.stmt))?;
            conn.query_while(&r.sql, &r.params, |row| {
                let (v, positions) = plan.variant_of(row)?;
                each(P::from_row(v, row, positions)?)
            })
        })
    }

    fn error_table(&self) -> String {
        self.plan.as_ref().ok().and_then(|p| p.stmt.from.first().copied()).unwrap_or("query").to_owned()
    }
}

pub(crate) use crate::expr::selection::decode_model;
