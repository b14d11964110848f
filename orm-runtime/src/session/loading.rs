//! Loading relationships: explicitly for one object ([`Session::load`]), for many at once
//! ([`Session::load_all`]), or eagerly through a query option ([`selectinload`]). Both
//! directions load with one SELECT per chunk of keys (`... WHERE key IN (...)`), so loading
//! the orders of 100 users costs one statement, not 100.

use crate::session::FastMap;

use crate::error::Result;
use crate::expr::Node;
use crate::model::Model;
use crate::query::{OrderTerm, SelectStatement};
use crate::session::object::Obj;
use crate::session::relationship::{referenced_key, BelongsToRel, HasManyRel};
use crate::session::Session;
use crate::types::Value;

/// Most keys in one `IN (...)` list of a relationship load.
const KEYS_PER_STATEMENT: usize = 500;

/// A relationship of model `M` that can be loaded for a set of `M` objects.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relationship of `{M}`",
    label = "this relationship belongs to another model",
    note = "loader options and `load` take a relationship of the objects being loaded, e.g. `User::orders` for users"
)]
pub trait Relationship<M: Model>: Copy + std::fmt::Debug + Send + Sync + 'static {
    /// The related model.
    type Target: Model;
    /// The relationship's field name.
    fn field_name(&self) -> &'static str;
    /// Load the relationship of every object in `objs`, with one SELECT per chunk of keys,
    /// or with one SELECT whose keys come from `keys_from` (a SELECT of `M`'s key column).
    /// Returns the related objects, each once.
    fn load_with(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        keys_from: Option<&SelectStatement>,
    ) -> Result<Vec<Obj<Self::Target>>>;
    /// Mark the relationship of every object in `objs` loaded and empty, without a statement.
    fn set_empty(&self, objs: &[Obj<M>]);
}

fn in_list<K>(keys: &[K], value: impl Fn(&K) -> Value) -> Vec<Node> {
    keys.iter().map(|k| Node::Value(value(k))).collect()
}

fn by_primary_key<M: Model>(stmt: &mut SelectStatement) {
    for c in M::table().primary_key_columns() {
        stmt.order_by.push(OrderTerm {
            node: Node::Column { table: c.table, name: c.name },
            direction: crate::expr::Direction::Asc,
            nulls: crate::expr::Nulls::Default,
        });
    }
}

/// `Err(ObjectBorrowed)` if the calling thread holds a guard of one of `objs`: loading a
/// relationship writes the field of each object (waiting for the guard would wait forever).
/// Checked before the relationship's statement is sent.
pub(crate) fn check_loadable<M: Model>(objs: &[Obj<M>]) -> Result<()> {
    if !crate::session::borrows::any() {
        return Ok(());
    }
    let action = "given a loaded relationship";
    objs.iter().try_for_each(|o| o.0.check_borrow(crate::session::borrows::Borrow::Write, action))
}

/// Children loaded for a list of parents.
pub(crate) struct Children<C: Model> {
    /// Each parent's children, in parent order.
    pub(crate) per_parent: Vec<Vec<Obj<C>>>,
    /// Every child, once.
    pub(crate) all: Vec<Obj<C>>,
}

/// Load the children (rows of `C` whose foreign key `fk` refers to a parent) of `parents`:
/// one SELECT per chunk of keys, or one with `keys_from` as an IN subquery.
pub(crate) fn load_children<P: Model, C: Model>(
    session: &mut Session,
    fk: &'static crate::schema::ColumnDef,
    parents: &[Obj<P>],
    keys_from: Option<&SelectStatement>,
) -> Result<Children<C>> {
    referenced_key::<P>(fk)?;
    let keys: Vec<P::Key> = parents.iter().map(|p| p.read().key()).collect();
    let mut groups: FastMap<P::Key, Vec<Obj<C>>> = FastMap::with_capacity_and_hasher(keys.len(), Default::default());
    let mut all = Vec::new();
    let fk_node = || Box::new(Node::Column { table: fk.table, name: fk.name });
    let filters: Vec<Node> = match keys_from {
        Some(sub) => vec![Node::InSubquery { expr: fk_node(), query: Box::new(sub.clone()) }],
        None => keys
            .chunks(KEYS_PER_STATEMENT)
            .map(|chunk| Node::InList {
                expr: fk_node(),
                list: in_list(chunk, |k| P::key_values(k).into_iter().next().unwrap_or(Value::Null)),
                negated: false,
            })
            .collect(),
    };
    for filter in filters {
        let mut stmt = SelectStatement::all_columns(C::table());
        stmt.and_where(filter);
        by_primary_key::<C>(&mut stmt);
        session.load_rows::<C>(&stmt, |child| {
            let v = child.try_read()?.column_value(fk.index);
            groups.entry(P::key_from_values(&[v])?).or_default().push(child.clone());
            all.push(child);
            Ok(true)
        })?;
    }
    let per_parent = keys.iter().map(|k| groups.remove(k).unwrap_or_default()).collect();
    Ok(Children { per_parent, all })
}

impl<P: Model, C: Model> Relationship<P> for HasManyRel<P, C> {
    type Target = C;

    fn field_name(&self) -> &'static str {
        self.name
    }

    fn load_with(
        &self,
        session: &mut Session,
        parents: &[Obj<P>],
        keys_from: Option<&SelectStatement>,
    ) -> Result<Vec<Obj<C>>> {
        let loaded = load_children::<P, C>(session, (self.foreign_key)(), parents, keys_from)?;
        for (p, children) in parents.iter().zip(loaded.per_parent) {
            (self.field)(&mut p.0.data_mut()).set(children);
        }
        Ok(loaded.all)
    }

    fn set_empty(&self, objs: &[Obj<P>]) {
        for p in objs {
            (self.field)(&mut p.0.data_mut()).set(Vec::new());
        }
    }
}

impl<C: Model, P: Model> Relationship<C> for BelongsToRel<C, P> {
    type Target = P;

    fn field_name(&self) -> &'static str {
        self.name
    }

    /// Parents are always loaded by key (an IN list of the foreign keys read from the
    /// children), `keys_from` notwithstanding.
    fn load_with(
        &self,
        session: &mut Session,
        children: &[Obj<C>],
        _keys_from: Option<&SelectStatement>,
    ) -> Result<Vec<Obj<P>>> {
        let fk = (self.foreign_key)();
        referenced_key::<P>(fk)?;
        let mut wanted: Vec<Option<P::Key>> = Vec::with_capacity(children.len());
        for c in children {
            let v = c.read().column_value(fk.index);
            wanted.push(if v == Value::Null { None } else { Some(P::key_from_values(&[v])?) });
        }
        // Parents the session already holds need no statement.
        let mut found: FastMap<P::Key, Obj<P>> = FastMap::default();
        let mut missing: Vec<P::Key> = Vec::new();
        for k in wanted.iter().flatten() {
            if found.contains_key(k) || missing.contains(k) {
                continue;
            }
            match session.identity_get::<P>(k) {
                Some(p) => {
                    found.insert(k.clone(), p);
                }
                None => missing.push(k.clone()),
            }
        }
        let pk = P::table().primary_key_columns().next().map(|c| (c.table, c.name));
        if let Some((table, name)) = pk {
            for chunk in missing.chunks(KEYS_PER_STATEMENT) {
                let mut stmt = SelectStatement::all_columns(P::table());
                stmt.and_where(Node::InList {
                    expr: Box::new(Node::Column { table, name }),
                    list: in_list(chunk, |k| P::key_values(k).into_iter().next().unwrap_or(Value::Null)),
                    negated: false,
                });
                session.load_rows::<P>(&stmt, |parent| {
                    let key = parent.try_read()?.key();
                    found.insert(key, parent);
                    Ok(true)
                })?;
            }
        }
        for (c, k) in children.iter().zip(wanted) {
            let parent = k.and_then(|k| found.get(&k).cloned());
            (self.field)(&mut c.0.data_mut()).set(parent);
        }
        Ok(found.into_values().collect())
    }

    fn set_empty(&self, objs: &[Obj<C>]) {
        for c in objs {
            (self.field)(&mut c.0.data_mut()).set(None);
        }
    }
}

impl Session {
    /// Load one relationship of one object (explicit lazy loading): one SELECT, after
    /// which the field reads as loaded.
    ///
    /// The load writes the field: [`Error::ObjectBorrowed`](crate::error::Error::ObjectBorrowed),
    /// before anything is sent, while the calling thread holds a guard of `obj`.
    pub fn load<M: Model, R: Relationship<M>>(&mut self, obj: &Obj<M>, rel: R) -> Result<()> {
        let objs = std::slice::from_ref(obj);
        check_loadable(objs)?;
        rel.load_with(self, objs, None).map(drop)
    }

    /// Load one relationship of many objects at once (select-in loading): one SELECT per
    /// 500 objects.
    pub fn load_all<M: Model, R: Relationship<M>>(&mut self, objs: &[Obj<M>], rel: R) -> Result<()> {
        check_loadable(objs)?;
        rel.load_with(self, objs, None).map(drop)
    }
}

/// What a query tells its loader options.
#[derive(Debug, Clone, Copy)]
pub struct LoadContext<'q> {
    /// The query that found the objects, as a SELECT of their key column (for
    /// `subqueryload`); `None` for nested levels.
    pub(crate) keys_query: Option<&'q SelectStatement>,
}

/// A typed loader option for objects of model `M`, loading objects of `Self::Target`
/// (see [`selectinload`], [`subqueryload`], [`noload`], [`raiseload`] and
/// [`Loader::then`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loader option for `{M}`",
    label = "this option loads a relationship of another model",
    note = "options apply to the query's own model; for nested paths, chain them with `.then(...)`"
)]
pub trait Loader<M: Model>: std::fmt::Debug + Send + Sync + 'static {
    /// The model of the objects it loads.
    type Target: Model;
    /// For options that load within the query itself (`joinedload`): how.
    fn join_spec(&self) -> Option<&dyn JoinSpec<M>> {
        None
    }
    /// The relationship of `M` it is about (a later option replaces an earlier one, and a
    /// query's options replace the model's defaults).
    fn relationship(&self) -> Option<&'static str> {
        None
    }
    /// Load for `objs`; returns the loaded objects (for nested options).
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<Self::Target>>>;

    /// Then load `next` for the objects this option loads:
    /// `selectinload(User::posts).then(selectinload(Post::comments))`.
    fn then<N: Loader<Self::Target>>(self, next: N) -> Then<Self, N>
    where
        Self: Sized,
    {
        Then(self, next)
    }
}

/// The object-safe form of [`Loader`] that queries store.
pub trait LoaderOption<M: Model>: std::fmt::Debug + Send + Sync {
    /// Load for these objects.
    fn apply(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<()>;
    /// See [`Loader::join_spec`].
    fn join(&self) -> Option<&dyn JoinSpec<M>>;
    /// See [`Loader::relationship`].
    fn about(&self) -> Option<&'static str>;
}

impl<M: Model, L: Loader<M>> LoaderOption<M> for L {
    fn apply(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<()> {
        check_loadable(objs)?;
        self.load(session, objs, cx).map(drop)
    }
    fn join(&self) -> Option<&dyn JoinSpec<M>> {
        self.join_spec()
    }
    fn about(&self) -> Option<&'static str> {
        self.relationship()
    }
}

/// How a `joinedload` extends its query: the JOIN, and what to do with the joined columns.
pub trait JoinSpec<M: Model>: std::fmt::Debug + Send + Sync {
    /// The LEFT OUTER JOIN to add.
    fn join_clause(&self) -> crate::query::JoinClause;
    /// The joined model's table (its columns follow `M`'s in each row).
    fn target(&self) -> &'static crate::schema::TableDef;
    /// A collector for the joined objects of one query.
    fn collector(&self) -> Box<dyn JoinCollector<M>>;
}

/// Gathers the joined objects row by row, then hands them to their objects.
pub trait JoinCollector<M: Model> {
    /// Row `row` belongs to the `parent`-th distinct object; the joined columns start at
    /// `offset`.
    fn row(&mut self, parent: usize, row: &crate::backend::RowRef<'_>, offset: usize) -> Result<()>;
    /// Register the joined objects in the session and set the relationship of `objs`.
    fn finish(self: Box<Self>, session: &mut Session, objs: &[Obj<M>]) -> Result<()>;
}

/// Joined eager loading of relationship `R` (see [`joinedload`]).
#[derive(Debug, Clone, Copy)]
pub struct JoinedLoad<R>(R);

/// Load `rel` in the same statement as the query, with a LEFT OUTER JOIN (objects are
/// de-duplicated). Not combinable with LIMIT / OFFSET (use [`selectinload`] there); as a
/// nested option (`.then(joinedload(...))`) it loads like `selectinload`.
pub fn joinedload<R>(rel: R) -> JoinedLoad<R> {
    JoinedLoad(rel)
}

impl<M: Model, R: Relationship<M> + JoinRelation<M>> Loader<M> for JoinedLoad<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.load_with(session, objs, None)
    }
    fn join_spec(&self) -> Option<&dyn JoinSpec<M>> {
        Some(self)
    }
}

impl<M: Model, R: Relationship<M> + JoinRelation<M>> JoinSpec<M> for JoinedLoad<R> {
    fn join_clause(&self) -> crate::query::JoinClause {
        self.0.left_join()
    }
    fn target(&self) -> &'static crate::schema::TableDef {
        <R::Target as Model>::table()
    }
    fn collector(&self) -> Box<dyn JoinCollector<M>> {
        Box::new(Collected { rel: self.0, rows: Vec::new() })
    }
}

/// Relationships that can be joined from their own model (for `joinedload`).
pub trait JoinRelation<M: Model>: Relationship<M> {
    /// `LEFT OUTER JOIN target ON fk = key`.
    fn left_join(&self) -> crate::query::JoinClause;
    /// Hand the joined objects to `objs`: `found[i]` are those of `objs[i]`.
    fn assign(&self, objs: &[Obj<M>], found: Vec<Vec<Obj<Self::Target>>>);
}

impl<P: Model, C: Model> JoinRelation<P> for HasManyRel<P, C> {
    fn left_join(&self) -> crate::query::JoinClause {
        crate::session::relationship::JoinPath::<P, crate::expr::Here>::join_clause(
            self,
            crate::query::JoinKind::LeftOuter,
        )
    }
    fn assign(&self, objs: &[Obj<P>], found: Vec<Vec<Obj<C>>>) {
        for (p, children) in objs.iter().zip(found) {
            (self.field)(&mut p.0.data_mut()).set(children);
        }
    }
}

impl<C: Model, P: Model> JoinRelation<C> for BelongsToRel<C, P> {
    fn left_join(&self) -> crate::query::JoinClause {
        crate::session::relationship::JoinPath::<C, crate::expr::Here>::join_clause(
            self,
            crate::query::JoinKind::LeftOuter,
        )
    }
    fn assign(&self, objs: &[Obj<C>], found: Vec<Vec<Obj<P>>>) {
        for (c, parents) in objs.iter().zip(found) {
            (self.field)(&mut c.0.data_mut()).set(parents.into_iter().next());
        }
    }
}

/// Joined rows decoded as `(object index, joined value)`, registered at the end.
struct Collected<R, T> {
    rel: R,
    rows: Vec<(usize, T)>,
}

impl<M: Model, R: JoinRelation<M>> JoinCollector<M> for Collected<R, R::Target> {
    fn row(&mut self, parent: usize, row: &crate::backend::RowRef<'_>, offset: usize) -> Result<()> {
        let table = <R::Target as Model>::table();
        let Some(&pk) = table.primary_key.first() else { return Ok(()) };
        // No match in the outer join: the joined key is NULL.
        if row.is_null(offset + pk) {
            return Ok(());
        }
        self.rows.push((parent, <R::Target as Model>::decode_row(row, offset)?));
        Ok(())
    }

    fn finish(self: Box<Self>, session: &mut Session, objs: &[Obj<M>]) -> Result<()> {
        check_loadable(objs)?;
        let Collected { rel, rows } = *self;
        let mut found: Vec<Vec<Obj<R::Target>>> = (0..objs.len()).map(|_| Vec::new()).collect();
        for (parent, value) in rows {
            let obj = session.adopt::<R::Target>(value);
            if let Some(list) = found.get_mut(parent) {
                if !list.iter().any(|o| o.ptr_eq(&obj)) {
                    list.push(obj);
                }
            }
        }
        rel.assign(objs, found);
        Ok(())
    }
}

/// Select-in eager loading of relationship `R` (see [`selectinload`]).
#[derive(Debug, Clone, Copy)]
pub struct SelectIn<R>(R);

/// Load `rel` for every object of a query with one extra SELECT (per 500 objects) listing
/// their keys: `session.query::<User>().options(selectinload(User::orders)).all()`.
pub fn selectinload<R>(rel: R) -> SelectIn<R> {
    SelectIn(rel)
}

impl<M: Model, R: Relationship<M>> Loader<M> for SelectIn<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.load_with(session, objs, None)
    }
}

/// Subquery eager loading of relationship `R` (see [`subqueryload`]).
#[derive(Debug, Clone, Copy)]
pub struct SubqueryIn<R>(R);

/// Load `rel` for every object of a query with one extra SELECT that repeats the query as a
/// subquery (`WHERE fk IN (SELECT key FROM ... WHERE ...)`) instead of listing keys: one
/// statement however many objects there are. Nested levels and many-to-one relationships
/// load by key, as [`selectinload`].
pub fn subqueryload<R>(rel: R) -> SubqueryIn<R> {
    SubqueryIn(rel)
}

impl<M: Model, R: Relationship<M>> Loader<M> for SubqueryIn<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.load_with(session, objs, cx.keys_query)
    }
}

/// Leave relationship `R` loaded and empty, without a statement (see [`noload`]).
#[derive(Debug, Clone, Copy)]
pub struct NoLoad<R>(R);

/// Mark `rel` loaded and *empty* for every object of the query, without loading it (for
/// code that knows it will not need it). Reads then see no related objects.
pub fn noload<R>(rel: R) -> NoLoad<R> {
    NoLoad(rel)
}

impl<M: Model, R: Relationship<M>> Loader<M> for NoLoad<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, _: &mut Session, objs: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.set_empty(objs);
        Ok(Vec::new())
    }
}

/// Keep relationship `R` not loaded (see [`raiseload`]).
#[derive(Debug, Clone, Copy)]
pub struct RaiseLoad<R>(R);

/// Keep `rel` not loaded: reading it is [`Error::NotLoaded`](crate::error::Error::NotLoaded),
/// which is how every relationship behaves until it is loaded; the option documents intent.
pub fn raiseload<R>(rel: R) -> RaiseLoad<R> {
    RaiseLoad(rel)
}

impl<M: Model, R: Relationship<M>> Loader<M> for RaiseLoad<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, _: &mut Session, _: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        Ok(Vec::new())
    }
}

/// A loader followed by a nested one (see [`Loader::then`]).
#[derive(Debug, Clone, Copy)]
pub struct Then<A, B>(A, B);

impl<M: Model, A: Loader<M>, B: Loader<A::Target>> Loader<M> for Then<A, B> {
    type Target = B::Target;
    fn relationship(&self) -> Option<&'static str> {
        self.0.relationship()
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<B::Target>>> {
        let loaded = self.0.load(session, objs, cx)?;
        check_loadable(&loaded)?;
        self.1.load(session, &loaded, LoadContext { keys_query: None })
    }
}

/// A reusable set of loader options for model `M`, e.g. a function that names what a page
/// needs: `fn full() -> Loaders<User> { Loaders::new().with(selectinload(User::orders)) }`,
/// then `query.options(full())`.
pub struct Loaders<M: Model> {
    options: Vec<Box<dyn LoaderOption<M>>>,
}

impl<M: Model> Loaders<M> {
    /// No option yet.
    pub fn new() -> Self {
        Loaders { options: Vec::new() }
    }

    /// Add an option.
    pub fn with(mut self, option: impl Loader<M>) -> Self {
        self.options.push(Box::new(option));
        self
    }
}

impl<M: Model> Default for Loaders<M> {
    fn default() -> Self {
        Loaders::new()
    }
}

impl<M: Model> std::fmt::Debug for Loaders<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.options).finish()
    }
}

impl<M: Model> Loader<M> for Loaders<M> {
    type Target = M;
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<M>>> {
        for option in &self.options {
            option.apply(session, objs, cx)?;
        }
        Ok(Vec::new())
    }
}

/// Lazy loading of relationship `R` (see [`lazyload`]).
#[derive(Debug, Clone, Copy)]
pub struct LazyLoad<R>(R);

/// Load `rel` only on request (`session.load`), overriding an eager default strategy
/// (`#[relationship(lazy = ...)]`) for this query.
pub fn lazyload<R>(rel: R) -> LazyLoad<R> {
    LazyLoad(rel)
}

impl<M: Model, R: Relationship<M>> Loader<M> for LazyLoad<R> {
    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, _: &mut Session, _: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        Ok(Vec::new())
    }
}
