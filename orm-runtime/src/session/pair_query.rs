//! Queries for pairs of models: `session.query::<(User, Order)>()`, each row a pair of the
//! session's objects (the second `None` where an outer join found nothing).

use std::marker::PhantomData;

use crate::dialect::render;
use crate::error::Result;
use crate::expr::{AppearsIn, Expression, IntoOrdering, Joined, Node, TableRef};
use crate::query::{JoinKind, OrderTerm, SelectItem, SelectStatement, Statement};
use crate::session::mapper::Mapper;
use crate::session::object::Obj;
use crate::session::query::Query;
use crate::session::relationship::JoinPath;
use crate::session::Session;

/// What `session.query::<T>()` accepts: a model, or a pair of models.
pub trait QueryTarget {
    /// The query type.
    type Query<'s>;
    /// A new query in `session`.
    fn query(session: &mut Session) -> Self::Query<'_>;
}

impl<M: Mapper> QueryTarget for M {
    type Query<'s> = Query<'s, M>;
    fn query(session: &mut Session) -> Query<'_, M> {
        Query::new(session)
    }
}

impl<A: Mapper, B: Mapper> QueryTarget for (A, B) {
    type Query<'s> = PairQuery<'s, A, B, A>;
    fn query(session: &mut Session) -> PairQuery<'_, A, B, A> {
        let mut stmt = SelectStatement::all_columns(A::table());
        stmt.items.push(SelectItem { node: Node::AllColumns(TableRef(B::table())), label: None });
        PairQuery { session, stmt, _types: PhantomData }
    }
}

/// A query returning pairs `(A, B)` of tracked objects over the FROM clause `F` (`A`, then
/// joins; `B` must be joined before the query runs).
#[derive(Debug)]
pub struct PairQuery<'s, A: Mapper, B: Mapper, F> {
    session: &'s mut Session,
    stmt: SelectStatement,
    _types: PhantomData<fn() -> (A, B, F)>,
}

impl<'s, A: Mapper, B: Mapper, F> PairQuery<'s, A, B, F> {
    fn joined<N: Mapper>(self, clause: crate::query::JoinClause) -> PairQuery<'s, A, B, Joined<F, N>> {
        let PairQuery { session, mut stmt, .. } = self;
        stmt.joins.push(clause);
        PairQuery { session, stmt, _types: PhantomData }
    }

    /// `INNER JOIN` along a relationship of a model already in the query.
    pub fn join_related<R: JoinPath<F, I>, I>(self, rel: R) -> PairQuery<'s, A, B, Joined<F, R::Target>> {
        let clause = rel.join_clause(JoinKind::Inner);
        self.joined::<R::Target>(clause)
    }

    /// `LEFT OUTER JOIN` along a relationship of a model already in the query.
    pub fn outerjoin_related<R: JoinPath<F, I>, I>(self, rel: R) -> PairQuery<'s, A, B, Joined<F, R::Target>> {
        let clause = rel.join_clause(JoinKind::LeftOuter);
        self.joined::<R::Target>(clause)
    }

    /// Add a WHERE condition over the models of the FROM clause.
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<F, I>,
    {
        self.stmt.and_where(cond.into_node());
        self
    }

    /// Add ORDER BY terms.
    pub fn order_by<O, I>(mut self, term: O) -> Self
    where
        O: IntoOrdering,
        O::Sources: AppearsIn<F, I>,
    {
        let o = term.into_ordering();
        self.stmt.order_by.push(OrderTerm { node: o.node, direction: o.direction, nulls: o.nulls });
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.stmt.limit = Some(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.stmt.offset = Some(n);
        self
    }

    /// Every row, as the session's objects.
    pub fn all<IA, IB>(self) -> Result<Vec<(Obj<A>, Option<Obj<B>>)>>
    where
        A: AppearsIn<F, IA>,
        B: AppearsIn<F, IB>,
    {
        let PairQuery { session, stmt, .. } = self;
        session.autoflush()?;
        let width = A::table().columns.len();
        let b_key = B::table().primary_key.first().copied().unwrap_or(0);
        let mut rows: Vec<(A, Option<B>)> = Vec::new();
        {
            let conn = session.connection(false)?;
            let r = render(conn.dialect(), Statement::Select(&stmt))?;
            conn.query(&r.sql, &r.params, |row| {
                let a = A::decode_row(row, 0)?;
                let b = if row.is_null(width + b_key) { None } else { Some(B::decode_row(row, width)?) };
                rows.push((a, b));
                Ok(())
            })?;
        }
        Ok(rows.into_iter().map(|(a, b)| (session.adopt(a), b.map(|b| session.adopt(b)))).collect())
    }
}
