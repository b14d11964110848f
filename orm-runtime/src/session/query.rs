//! [`Query`]: `session.query::<User>()`, returning tracked objects through the identity map.

use crate::dialect::render;
use crate::error::Result;
use crate::expr::{AppearsIn, AsExpr, Column, Expression, Joined, Node};
use crate::query::builder::sealed::SelectState;
use crate::query::{JoinClause, JoinKind, OrderLimit, QueryBuilder, RowLock, SelectItem, SelectStatement, Statement};
use crate::session::fetch::sealed::LoadObjects;
use crate::session::fetch::FetchObjects;
use crate::session::loading::{joined_statement, load_joined, Loader};
use crate::session::mapper::{JoinSpec, LoadContext, LoaderOption, Mapper};
use crate::session::object::Obj;
use crate::session::relationship::{HasManyRel, JoinPath};
use crate::session::Session;
use crate::types::SqlType;

/// A query for objects of model `M` in a session, over the FROM clause `F` (`M` itself, or
/// `M` joined with other models). Each row becomes the session's object for that key: an
/// object already in the identity map is returned as it is (its unflushed changes are
/// kept), others are loaded and tracked. With joins, each object is returned once.
#[derive(Debug)]
pub struct Query<'s, M: Mapper, F = M> {
    session: &'s mut Session,
    stmt: SelectStatement,
    loaders: Vec<Box<dyn LoaderOption<M>>>,
    _model: std::marker::PhantomData<fn() -> (M, F)>,
}

impl<'s, M: Mapper> Query<'s, M> {
    /// The session and the statement (for queries built on this one).
    pub(crate) fn into_parts(self) -> (&'s mut Session, SelectStatement) {
        (self.session, self.stmt)
    }

    /// A query of `M` with no statement yet: the model's table, all columns, default loaders
    /// (for a query built elsewhere and run here, as the async session's are).
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn parts() -> (SelectStatement, Vec<Box<dyn LoaderOption<M>>>) {
        (SelectStatement::all_columns(M::table()), M::default_loaders())
    }

    pub(crate) fn new(session: &'s mut Session) -> Self {
        Query {
            session,
            stmt: SelectStatement::all_columns(M::table()),
            loaders: M::default_loaders(),
            _model: std::marker::PhantomData,
        }
    }
}

impl<'s, M: Mapper, F> Query<'s, M, F> {
    /// The query of these parts in `session` (see [`Query::parts`]).
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn from_parts(
        session: &'s mut Session,
        stmt: SelectStatement,
        loaders: Vec<Box<dyn LoaderOption<M>>>,
    ) -> Self {
        Query { session, stmt, loaders, _model: std::marker::PhantomData }
    }
}

impl<M: Mapper, F> SelectState for Query<'_, M, F> {
    fn select_state(&mut self) -> &mut SelectStatement {
        &mut self.stmt
    }
}

impl<M: Mapper, F> OrderLimit for Query<'_, M, F> {
    type From = F;
}

impl<M: Mapper, F> QueryBuilder for Query<'_, M, F> {}

impl<M: Mapper, F> FetchObjects for Query<'_, M, F> {
    type Row = Obj<M>;
}

impl<M: Mapper, F> LoadObjects<()> for Query<'_, M, F> {
    fn session_mut(&mut self) -> &mut Session {
        self.session
    }

    fn load_while(self, each: &mut dyn FnMut(Obj<M>) -> Result<bool>) -> Result<()> {
        self.load(each)
    }

    fn limited(self, n: u64) -> Self {
        self.limit(n)
    }

    fn error_table(&self) -> String {
        M::table().name.into()
    }
}

/// A query's join waiting for its ON condition (see [`Query::join`]).
#[must_use = "a join needs its condition: call .on(...)"]
#[derive(Debug)]
pub struct QueryJoinOn<'s, M: Mapper, F, N> {
    query: Query<'s, M, F>,
    kind: JoinKind,
    table: &'static str,
    alias: Option<u8>,
    _joined: std::marker::PhantomData<fn() -> N>,
}

impl<'s, M: Mapper, F, N> QueryJoinOn<'s, M, F, N> {
    /// The join condition; it may use the columns of every model joined so far.
    pub fn on<E, I>(self, cond: E) -> Query<'s, M, Joined<F, N>>
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<Joined<F, N>, I>,
    {
        let QueryJoinOn { query, kind, table, alias, .. } = self;
        let mut stmt = query.stmt;
        stmt.joins.push(JoinClause { kind, table, alias, on: cond.into_node() });
        Query { session: query.session, stmt, loaders: query.loaders, _model: std::marker::PhantomData }
    }
}

impl<'s, M: Mapper, F> Query<'s, M, F> {
    /// `INNER JOIN` model `N`, finished with [`QueryJoinOn::on`]; afterwards `N`'s columns
    /// may be used in filters and ordering.
    pub fn join<N: Mapper>(self) -> QueryJoinOn<'s, M, F, N> {
        QueryJoinOn {
            query: self,
            kind: JoinKind::Inner,
            table: N::table().name,
            alias: None,
            _joined: std::marker::PhantomData,
        }
    }

    /// `LEFT OUTER JOIN` model `N`, finished with [`QueryJoinOn::on`].
    pub fn outerjoin<N: Mapper>(self) -> QueryJoinOn<'s, M, F, N> {
        QueryJoinOn {
            query: self,
            kind: JoinKind::LeftOuter,
            table: N::table().name,
            alias: None,
            _joined: std::marker::PhantomData,
        }
    }

    /// `INNER JOIN` model `A`'s table under alias `K` (a self-join), finished with
    /// [`QueryJoinOn::on`]; its columns are `alias::<A, K>().col(...)`.
    pub fn join_as<A: Mapper, const K: u8>(self) -> QueryJoinOn<'s, M, F, crate::expr::Alias<A, K>> {
        QueryJoinOn {
            query: self,
            kind: JoinKind::Inner,
            table: A::table().name,
            alias: Some(K),
            _joined: std::marker::PhantomData,
        }
    }

    /// `LEFT OUTER JOIN` model `A`'s table under alias `K` (employees with their managers,
    /// if any), finished with [`QueryJoinOn::on`]; its columns are `alias::<A, K>().col(...)`
    /// and read NULL where nothing matched.
    pub fn outerjoin_as<A: Mapper, const K: u8>(self) -> QueryJoinOn<'s, M, F, crate::expr::Alias<A, K>> {
        QueryJoinOn {
            query: self,
            kind: JoinKind::LeftOuter,
            table: A::table().name,
            alias: Some(K),
            _joined: std::marker::PhantomData,
        }
    }

    /// Load a relationship of every object the query returns, e.g.
    /// `.options(selectinload(User::orders))`.
    pub fn options(mut self, option: impl Loader<M>) -> Self {
        push_loader(&mut self.loaders, option);
        self
    }

    /// `INNER JOIN` along a relationship of a model already in the query, e.g.
    /// `.join_related(User::orders)`.
    pub fn join_related<R: JoinPath<F, I>, I>(self, rel: R) -> Query<'s, M, Joined<F, R::Target>> {
        let Query { session, mut stmt, loaders, .. } = self;
        stmt.joins.push(rel.join_clause(JoinKind::Inner));
        Query { session, stmt, loaders, _model: std::marker::PhantomData }
    }

    /// `LEFT OUTER JOIN` along a relationship of a model already in the query.
    pub fn outerjoin_related<R: JoinPath<F, I>, I>(self, rel: R) -> Query<'s, M, Joined<F, R::Target>> {
        let Query { session, mut stmt, loaders, .. } = self;
        stmt.joins.push(rel.join_clause(JoinKind::LeftOuter));
        Query { session, stmt, loaders, _model: std::marker::PhantomData }
    }

    /// AND an untyped condition into WHERE (for conditions built by the ORM itself).
    pub(crate) fn filter_node(mut self, cond: Node) -> Self {
        self.stmt.and_where(cond);
        self
    }

    /// `column = value`: SQLAlchemy's `filter_by`.
    pub fn filter_by<T: SqlType, V: AsExpr<T::Base, Sources = ()>, I>(mut self, col: Column<M, T>, value: V) -> Self
    where
        M: AppearsIn<F, I>,
    {
        self.stmt.and_where(Expression::into_node(col.eq(value)));
        self
    }

    /// Lock the rows the query returns until the transaction ends (`SELECT ... FOR
    /// UPDATE`), so that a read-modify-write of them cannot lose a concurrent update; the
    /// session's objects take the rows' current values (unless written since). On SQLite,
    /// which has no row locks, the transaction takes the database's write lock instead (see
    /// [`RowLock`]).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "jobs")]
    /// # struct Job {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     done: bool,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Job::table()])?;
    /// # let mut session = engine.session();
    /// session.transaction(|s| {
    ///     // A work queue: each worker takes jobs no other worker holds.
    ///     let jobs = s.query::<Job>()
    ///         .filter(Job::done.eq(false))
    ///         .with_lock(RowLock::update().skip_locked())
    ///         .limit(10)
    ///         .all()?;
    ///     for job in &jobs {
    ///         job.write().done = true;
    ///     }
    ///     Ok::<_, orm::Error>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_for_update(self) -> Self {
        self.with_lock(RowLock::update())
    }

    /// Lock the rows the query returns with `lock` (`FOR UPDATE` / `FOR SHARE`, `NOWAIT`,
    /// `SKIP LOCKED`, `OF`); see [`with_for_update`](Query::with_for_update).
    pub fn with_lock(mut self, lock: RowLock) -> Self {
        self.stmt.lock = Some(lock);
        self
    }

    /// The statement this query runs.
    pub fn statement(&self) -> &SelectStatement {
        &self.stmt
    }

    fn load(self, each: &mut dyn FnMut(Obj<M>) -> Result<bool>) -> Result<()> {
        let Query { session, stmt, loaders, .. } = self;
        if loaders.is_empty() {
            return session.load_rows::<M>(&stmt, each);
        }
        // Every joinedload (of each option, nested ones included) joins into the one
        // statement; the other options load after it.
        let joins: Vec<Box<dyn JoinSpec<M>>> = loaders.iter().flat_map(|l| l.joins()).collect();
        let objs = if joins.is_empty() {
            let mut objs = Vec::new();
            session.load_rows::<M>(&stmt, |obj| {
                objs.push(obj);
                Ok(true)
            })?;
            objs
        } else {
            load_joined(session, &stmt, &joins)?
        };
        let mut keys_query = stmt.clone();
        keys_query.items = M::table()
            .primary_key_columns()
            .map(|c| SelectItem { node: Node::Column { table: c.table, name: c.name }, label: None })
            .collect();
        keys_query.order_by.clear();
        keys_query.lock = None;
        let cx = LoadContext { keys_query: Some(&keys_query), joined: true };
        for loader in &loaders {
            loader.apply(session, &objs, cx)?;
        }
        for obj in objs {
            if !each(obj)? {
                break;
            }
        }
        Ok(())
    }

    /// Stream the objects in batches of `n` (SQLAlchemy's `yield_per`): rows are read as
    /// they arrive (on PostgreSQL from the socket, not a result collected whole) and `each`
    /// sees `n` objects at a time, so a query of millions of rows runs in the memory of one
    /// batch.
    ///
    /// Identity: each row becomes the session's object, as with [`all`](FetchObjects::all)
    /// (an object the session already holds is the one handed over, its unflushed changes
    /// kept). After `each` returns, an object the stream brought in leaves the session again
    /// (detached) unless `each` kept a handle to it (a clone of the [`Obj`]) or changed it:
    /// kept and changed objects stay in the session and flush with it. While the stream
    /// runs, the session's connection is busy: `each` gets the objects only, and relationship
    /// loader options are refused ([`Misuse::YieldPerWithLoaders`](crate::error::Misuse)).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)] #[orm(table = "yp_users")]
    /// # struct User { #[orm(primary_key, auto_increment)] id: i64, name: String }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table()])?;
    /// # insert::<User>().values_many(&[User { id: 0, name: "ada".into() }, User { id: 0, name: "bob".into() }]).execute(&engine)?;
    /// let mut session = engine.session();
    /// let mut names = 0;
    /// session.query::<User>().yield_per(1000, |batch| {
    ///     names += batch.iter().filter(|u| !u.read().name.is_empty()).count();
    ///     Ok(())
    /// })?;
    /// assert_eq!(names, 2);
    /// # Ok(()) }
    /// ```
    pub fn yield_per(self, n: usize, mut each: impl FnMut(&[Obj<M>]) -> Result<()>) -> Result<()> {
        let Query { session, stmt, loaders, .. } = self;
        if !loaders.is_empty() {
            return Err(crate::error::Error::Misuse(crate::error::Misuse::YieldPerWithLoaders {
                table: M::table().name,
            }));
        }
        session.stream_objects::<M>(&stmt, n, &mut each)
    }

    /// Its loader options, as written (`selectinload(User::orders)`).
    pub fn loader_descriptions(&self) -> Vec<String> {
        self.loaders.iter().map(|l| l.describe()).collect()
    }

    /// The statement the query sends: its own, with the LEFT OUTER JOINs of its
    /// `joinedload` options (around a subquery when it is limited).
    pub fn sent_statement(&self) -> Result<SelectStatement> {
        sent_statement(&self.stmt, &self.loaders)
    }

    /// The statement [`count`](Query::count) runs: `SELECT COUNT(*)` over the filtered rows,
    /// or over a subquery when LIMIT / OFFSET apply, so that a page is counted as returned.
    pub fn count_statement(&self) -> SelectStatement {
        let count = vec![SelectItem { node: Node::CountStar, label: None }];
        if self.stmt.limit.is_some() || self.stmt.offset.is_some() {
            let mut inner = self.stmt.clone();
            inner.items = vec![SelectItem { node: Node::Constant(1), label: None }];
            inner.lock = None;
            SelectStatement { items: count, from_subquery: Some(Box::new(inner)), ..SelectStatement::default() }
        } else {
            // A count locks nothing (PostgreSQL refuses FOR UPDATE with an aggregate).
            SelectStatement { items: count, order_by: Vec::new(), distinct: false, lock: None, ..self.stmt.clone() }
        }
    }

    /// The statement [`exists`](Query::exists) runs: one row of the filtered set, at most.
    pub fn exists_statement(&self) -> SelectStatement {
        let mut stmt = self.stmt.clone();
        stmt.items = vec![SelectItem { node: Node::Constant(1), label: None }];
        stmt.order_by.clear();
        stmt.limit = Some(1);
        stmt
    }

    /// Render the SELECT the query sends in a dialect, with the joins of its `joinedload`
    /// options (see [`sent_statement`](Query::sent_statement)), for logging and tests.
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        render(dialect, Statement::Select(&self.sent_statement()?))
    }

    /// The number of matching rows (LIMIT / OFFSET apply).
    pub fn count(self) -> Result<i64> {
        self.session.autoflush()?;
        let stmt = self.count_statement();
        let conn = self.session.connection(false)?;
        let r = render(conn.dialect(), Statement::Select(&stmt))?;
        let mut n = 0;
        conn.query(&r.sql, &r.params, |row| {
            n = row.value::<i64>(0)?;
            Ok(())
        })?;
        Ok(n)
    }

    /// Whether any row matches.
    pub fn exists(self) -> Result<bool> {
        self.session.autoflush()?;
        let stmt = self.exists_statement();
        let Some((conn, _)) = self.session.reading(&stmt, Some(M::table().name))? else { return Ok(false) };
        let r = render(conn.dialect(), Statement::Select(&stmt))?;
        let mut found = false;
        conn.query(&r.sql, &r.params, |_| {
            found = true;
            Ok(())
        })?;
        Ok(found)
    }
}

/// Add `option` to a query's loaders: the latest word on a relationship wins (over the
/// model's default too).
pub(crate) fn push_loader<M: Mapper>(loaders: &mut Vec<Box<dyn LoaderOption<M>>>, option: impl Loader<M>) {
    if let Some(rel) = option.relationship() {
        loaders.retain(|l| l.about() != Some(rel));
    }
    loaders.push(Box::new(option));
}

/// The statement a query of `stmt` with `loaders` sends: `stmt` with the LEFT OUTER JOINs of
/// the loaders' `joinedload`s.
pub(crate) fn sent_statement<M: Mapper>(
    stmt: &SelectStatement,
    loaders: &[Box<dyn LoaderOption<M>>],
) -> Result<SelectStatement> {
    let joins: Vec<Box<dyn JoinSpec<M>>> = loaders.iter().flat_map(|l| l.joins()).collect();
    if joins.is_empty() {
        return Ok(stmt.clone());
    }
    joined_statement(stmt, &joins).map(|(stmt, _)| stmt)
}

impl<P: Mapper, C: Mapper> HasManyRel<P, C> {
    /// A query for `parent`'s children, to filter, order or page before loading (the
    /// collection itself is left as it is): SQLAlchemy's dynamic relationship.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// #     orders: HasMany<Order>,
    /// # }
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "orders")]
    /// # struct Order {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     #[orm(foreign_key = User::id)]
    /// #     user_id: i64,
    /// #     total: f64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table(), Order::table()])?;
    /// # insert::<User>().set(User::name, "Ada").execute(&engine)?;
    /// # let orders = [Order { id: 0, user_id: 1, total: 30.0 }, Order { id: 0, user_id: 1, total: 120.0 }];
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// # let mut session = engine.session();
    /// # let user = session.get::<User>(1)?.expect("Ada");
    /// let big = User::orders.query_for(&mut session, &user).filter(Order::total.gt(100.0)).all()?;
    /// assert_eq!(big.len(), 1);
    /// assert!(matches!(user.read().orders.get(), Err(orm::Error::NotLoaded { .. }))); // left as it is
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_for<'s>(
        &self,
        session: &'s mut crate::session::Session,
        parent: &Obj<P>,
    ) -> crate::session::Query<'s, C> {
        let fk = (self.foreign_key)();
        let key = P::key_values(&parent.read().key()).into_iter().next().unwrap_or(crate::types::Value::Null);
        session.query::<C>().filter_node(crate::expr::Node::binary(
            crate::expr::BinOp::Eq,
            crate::expr::Node::Column { table: fk.table, name: fk.name },
            crate::expr::Node::Value(key),
        ))
    }
}
