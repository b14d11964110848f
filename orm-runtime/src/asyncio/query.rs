//! [`AsyncQuery`] and [`AsyncTextQuery`]: the session's object queries, built here and run
//! in one hop by the sync [`Query`] itself.

use std::future::Future;
use std::panic::Location;

use crate::asyncio::AsyncSession;
use crate::dialect::{render, Dialect, Rendered};
use crate::error::{Error, Result};
use crate::expr::Joined;
use crate::query::builder::sealed::SelectState;
use crate::query::fetch::rows;
use crate::query::{JoinKind, OrderLimit, QueryBuilder, RowLock, SelectStatement, Statement, Text};
use crate::session::fetch::note_site_at;
use crate::session::fetch::sealed::LoadObjects;
use crate::session::{FetchObjects, JoinPath, Loader, LoaderOption, Mapper, Obj, Query, Session};

/// A query for objects of `M` in an [`AsyncSession`] (over the FROM clause `F`): the
/// builder of [`Query`] (`filter`, `order_by`, `limit`, `options`, `join_related`, ...),
/// run with `.all().await` and the other terminal calls, each one hop that runs the sync
/// query (its autoflush, identity map and loaders included).
#[must_use = "a query does nothing until it runs: call .all().await, .first().await, ..."]
#[derive(Debug)]
pub struct AsyncQuery<M: Mapper, F = M> {
    session: AsyncSession,
    stmt: SelectStatement,
    loaders: Vec<Box<dyn LoaderOption<M>>>,
    _from: std::marker::PhantomData<fn() -> F>,
}

impl<M: Mapper> AsyncQuery<M> {
    pub(crate) fn new(session: AsyncSession) -> Self {
        let (stmt, loaders) = Query::<M>::parts();
        AsyncQuery { session, stmt, loaders, _from: std::marker::PhantomData }
    }
}

impl<M: Mapper, F> SelectState for AsyncQuery<M, F> {
    fn select_state(&mut self) -> &mut SelectStatement {
        &mut self.stmt
    }
}

impl<M: Mapper, F> OrderLimit for AsyncQuery<M, F> {
    type From = F;
}

impl<M: Mapper, F> QueryBuilder for AsyncQuery<M, F> {}

impl<M: Mapper, F: 'static> AsyncQuery<M, F> {
    /// Load relationships with this option: see [`Query::options`].
    pub fn options(mut self, option: impl Loader<M>) -> Self {
        crate::session::push_loader(&mut self.loaders, option);
        self
    }

    /// `INNER JOIN` along a relationship: see [`Query::join_related`].
    pub fn join_related<R: JoinPath<F, I>, I>(self, rel: R) -> AsyncQuery<M, Joined<F, R::Target>> {
        self.joined(rel.join_clause(JoinKind::Inner))
    }

    /// `LEFT OUTER JOIN` along a relationship: see [`Query::outerjoin_related`].
    pub fn outerjoin_related<R: JoinPath<F, I>, I>(self, rel: R) -> AsyncQuery<M, Joined<F, R::Target>> {
        self.joined(rel.join_clause(JoinKind::LeftOuter))
    }

    fn joined<N>(self, join: crate::query::JoinClause) -> AsyncQuery<M, N> {
        let AsyncQuery { session, mut stmt, loaders, .. } = self;
        stmt.joins.push(join);
        AsyncQuery { session, stmt, loaders, _from: std::marker::PhantomData }
    }

    /// Lock the rows it returns (`FOR UPDATE`): see [`Query::with_for_update`].
    pub fn with_for_update(self) -> Self {
        self.with_lock(RowLock::update())
    }

    /// Lock the rows it returns with `lock`: see [`Query::with_lock`].
    pub fn with_lock(mut self, lock: RowLock) -> Self {
        self.stmt.lock = Some(lock);
        self
    }

    /// Its loader options, as written (`selectinload(User::orders)`).
    pub fn loader_descriptions(&self) -> Vec<String> {
        self.loaders.iter().map(|l| l.describe()).collect()
    }

    /// The statement the query sends, with the joins of its `joinedload` options.
    pub fn sent_statement(&self) -> Result<SelectStatement> {
        crate::session::sent_statement(&self.stmt, &self.loaders)
    }

    /// Render the SELECT it sends in a dialect (see [`Query::render`]).
    pub fn render(&self, dialect: &dyn Dialect) -> Result<Rendered> {
        render(dialect, Statement::Select(&self.sent_statement()?))
    }

    /// Run `f` over the sync query in one hop, noting `site` for the N+1 detector.
    fn run<R: Send + 'static>(
        self,
        operation: &'static str,
        site: &'static Location<'static>,
        f: impl FnOnce(Query<'_, M, F>) -> Result<R> + Send + 'static,
    ) -> impl Future<Output = Result<R>> + Send + 'static {
        let AsyncQuery { session, stmt, loaders, .. } = self;
        async move {
            session
                .run_op(operation, move |s: &mut Session| {
                    note_site_at(s, site);
                    f(Query::from_parts(s, stmt, loaders))
                })
                .await
        }
    }

    /// Every object: see [`FetchObjects::all`].
    #[track_caller]
    pub fn all(self) -> impl Future<Output = Result<Vec<Obj<M>>>> + Send + 'static {
        self.run("query", Location::caller(), |q| rows::all(|each| q.load_while(each)))
    }

    /// The first object, if any: see [`FetchObjects::first`].
    #[track_caller]
    pub fn first(self) -> impl Future<Output = Result<Option<Obj<M>>>> + Send + 'static {
        self.run("query", Location::caller(), |q| rows::first(|each| q.limited(1).load_while(each)))
    }

    /// At most one object: see [`FetchObjects::one_or_none`].
    #[track_caller]
    pub fn one_or_none(self) -> impl Future<Output = Result<Option<Obj<M>>>> + Send + 'static {
        self.run("query", Location::caller(), |q| {
            let table = q.error_table();
            rows::one_or_none(|each| q.limited(2).load_while(each), || table)
        })
    }

    /// Exactly one object: see [`FetchObjects::one`].
    #[track_caller]
    pub fn one(self) -> impl Future<Output = Result<Obj<M>>> + Send + 'static {
        self.run("query", Location::caller(), |q| {
            let table = q.error_table();
            rows::one_or_none(|each| q.limited(2).load_while(each), || table.clone())?.ok_or(Error::NotFound { table })
        })
    }

    /// The number of matching rows: see [`Query::count`].
    #[track_caller]
    pub fn count(self) -> impl Future<Output = Result<i64>> + Send + 'static {
        self.run("count", Location::caller(), |q| q.count())
    }

    /// Whether any row matches: see [`Query::exists`].
    #[track_caller]
    pub fn exists(self) -> impl Future<Output = Result<bool>> + Send + 'static {
        self.run("exists", Location::caller(), |q| q.exists())
    }
}

/// The rows of a raw statement as objects of `M` in an [`AsyncSession`]: see
/// [`AsyncSession::from_statement`].
#[must_use = "a query does nothing until it runs: call .all().await, .first().await, ..."]
#[derive(Debug)]
pub struct AsyncTextQuery<M> {
    session: AsyncSession,
    text: Text,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<M: Mapper> AsyncTextQuery<M> {
    pub(crate) fn new(session: AsyncSession, text: Text) -> Self {
        AsyncTextQuery { session, text, _model: std::marker::PhantomData }
    }

    async fn run<R: Send + 'static>(
        self,
        f: impl FnOnce(crate::session::TextQuery<'_, M>) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let AsyncTextQuery { session, text, .. } = self;
        session.run_op("query", move |s: &mut Session| f(s.from_statement::<M>(text))).await
    }

    /// Every object.
    pub async fn all(self) -> Result<Vec<Obj<M>>> {
        self.run(|q| q.all()).await
    }

    /// The first object, if any.
    pub async fn first(self) -> Result<Option<Obj<M>>> {
        self.run(|q| q.first()).await
    }

    /// Exactly one object.
    pub async fn one(self) -> Result<Obj<M>> {
        self.run(|q| q.one()).await
    }

    /// At most one object.
    pub async fn one_or_none(self) -> Result<Option<Obj<M>>> {
        self.run(|q| q.one_or_none()).await
    }
}
