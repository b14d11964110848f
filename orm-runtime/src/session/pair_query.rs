//! Queries for pairs of models: `session.query::<(User, Order)>()`, each row a pair of the
//! session's objects (the second `None` where an outer join found nothing).

use std::marker::PhantomData;

use crate::dialect::render;
use crate::error::Result;
use crate::expr::{AppearsIn, Joined, Node, TableRef};
use crate::query::builder::sealed::SelectState;
use crate::query::{JoinKind, OrderLimit, QueryBuilder, SelectItem, SelectStatement, Statement};
use crate::session::fetch::sealed::LoadObjects;
use crate::session::fetch::FetchObjects;
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

impl<A: Mapper, B: Mapper, F> SelectState for PairQuery<'_, A, B, F> {
    fn select_state(&mut self) -> &mut SelectStatement {
        &mut self.stmt
    }
}

impl<A: Mapper, B: Mapper, F> OrderLimit for PairQuery<'_, A, B, F> {
    type From = F;
}

/// WHERE, GROUP BY, HAVING and DISTINCT over the pairs' FROM clause; a grouped pair query
/// groups by each model's key (PostgreSQL then allows the models' other columns).
impl<A: Mapper, B: Mapper, F> QueryBuilder for PairQuery<'_, A, B, F> {}

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
}

impl<A: Mapper, B: Mapper, F> FetchObjects for PairQuery<'_, A, B, F> {
    type Row = (Obj<A>, Option<Obj<B>>);
}

impl<A: Mapper, B: Mapper, F, IA, IB> LoadObjects<(IA, IB)> for PairQuery<'_, A, B, F>
where
    A: AppearsIn<F, IA>,
    B: AppearsIn<F, IB>,
{
    fn session_mut(&mut self) -> &mut Session {
        self.session
    }

    fn load_while(self, each: &mut dyn FnMut((Obj<A>, Option<Obj<B>>)) -> Result<bool>) -> Result<()> {
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
        for (a, b) in rows {
            if !each((session.adopt(a), b.map(|b| session.adopt(b))))? {
                break;
            }
        }
        Ok(())
    }

    fn limited(self, n: u64) -> Self {
        self.limit(n)
    }

    fn error_table(&self) -> String {
        A::table().name.into()
    }
}

impl Session {
    /// A query for objects of model `M` (`query::<User>()`), or for pairs of objects
    /// (`query::<(User, Order)>()`, joined with `.join_related(...)`).
    pub fn query<T: QueryTarget>(&mut self) -> T::Query<'_> {
        T::query(self)
    }
}
