//! Loading relationships: explicitly for one object ([`Session::load`]), for many at once
//! ([`Session::load_all`]), or eagerly through a query option ([`selectinload`]). Both
//! directions load with one SELECT per chunk of keys (`... WHERE key IN (...)`), so loading
//! the orders of 100 users costs one statement, not 100.

use crate::session::FastMap;

use crate::error::Result;
use crate::expr::Node;
use crate::model::Model;
use crate::query::{OrderTerm, SelectStatement};
use crate::session::mapper::{JoinCollector, JoinSpec, LoadContext, LoaderOption, Mapper};
use crate::session::object::Obj;
use crate::session::relationship::{referenced_key, BelongsToRel, HasManyRel, ParentSide};
use crate::session::Session;
use crate::types::Value;

/// Most keys in one list of a relationship load: every key in one statement where the
/// dialect sends the list as one array parameter (PostgreSQL), else as many as half the
/// dialect's parameter limit (SQLite: 16,383), so a load of thousands of parents is one
/// statement on either database.
pub(crate) fn keys_per_statement(dialect: crate::dialect::DialectKind) -> usize {
    let caps = dialect.dialect().capabilities();
    if caps.array_params {
        usize::MAX
    } else {
        (caps.max_params / 2).max(1)
    }
}

/// A relationship of model `M` that can be loaded for a set of `M` objects.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relationship of `{M}`",
    label = "this relationship belongs to another model",
    note = "loader options and `load` take a relationship of the objects being loaded, e.g. `User::orders` for users"
)]
pub trait Relationship<M: Mapper>: Copy + std::fmt::Debug + Send + Sync + 'static {
    /// The related model.
    type Target: Mapper;
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
    /// The related objects the relationship of `objs` holds where it is loaded, each once
    /// (no statement): what a nested option continues from after a `joinedload`.
    fn loaded(&self, objs: &[Obj<M>]) -> Vec<Obj<Self::Target>>;
    /// [`load_with`](Relationship::load_with), with `joins` (the `joinedload`s nested under
    /// the option) joined into the statement that loads the related objects; returns them
    /// and whether `joins` were joined (a relationship that loads otherwise ignores them:
    /// the nested options then load with statements of their own).
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        keys_from: Option<&SelectStatement>,
        joins: &[Box<dyn JoinSpec<Self::Target>>],
    ) -> Result<(Vec<Obj<Self::Target>>, bool)> {
        let _ = joins;
        Ok((self.load_with(session, objs, keys_from)?, false))
    }
}

/// Each object of `objs` once, in order of first appearance.
pub(crate) fn distinct<T: Mapper>(objs: impl IntoIterator<Item = Obj<T>>) -> Vec<Obj<T>> {
    let mut seen: crate::session::FastSet<usize> = crate::session::FastSet::default();
    objs.into_iter().filter(|o| seen.insert(std::sync::Arc::as_ptr(&o.0) as *const () as usize)).collect()
}

fn in_list<K>(keys: &[K], value: impl Fn(&K) -> Value) -> Vec<Node> {
    keys.iter().map(|k| Node::Value(value(k))).collect()
}

/// The position of `table`'s primary key when it is one integer column. Children with such a
/// key are put in key order in memory, each parent's few at a time, rather than by an ORDER BY
/// that sorts the whole result in the database (on PostgreSQL about 40 % of the statement's
/// time for 10,000 children of 1,000 parents).
fn integer_key(table: &'static crate::schema::TableDef) -> Option<usize> {
    use crate::types::SqlKind;
    match table.primary_key {
        [k] if matches!(table.columns[*k].kind, SqlKind::SmallInt | SqlKind::Integer | SqlKind::BigInt) => Some(*k),
        _ => None,
    }
}

fn by_primary_key(table: &'static crate::schema::TableDef, stmt: &mut SelectStatement) {
    for c in table.primary_key_columns() {
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
pub(crate) fn check_loadable<M: Mapper>(objs: &[Obj<M>]) -> Result<()> {
    if !crate::session::borrows::any() {
        return Ok(());
    }
    let action = "given a loaded relationship";
    objs.iter().try_for_each(|o| o.0.check_borrow(crate::session::borrows::Borrow::Write, action))
}

/// Children loaded for a list of parents.
pub(crate) struct Children<C: Mapper> {
    /// Each parent's children, in parent order.
    pub(crate) per_parent: Vec<Vec<Obj<C>>>,
    /// Every child, once.
    pub(crate) all: Vec<Obj<C>>,
}

/// Load the children (rows of `C` whose foreign key `fk` refers to a parent) of `parents`:
/// one SELECT per chunk of keys, or one with `keys_from` as an IN subquery, with `joins`
/// (`joinedload`s nested under the option) joined into it.
pub(crate) fn load_children<P: Mapper, C: Mapper>(
    session: &mut Session,
    fk: &'static crate::schema::ColumnDef,
    parents: &[Obj<P>],
    keys_from: Option<&SelectStatement>,
    joins: &[Box<dyn JoinSpec<C>>],
) -> Result<Children<C>> {
    referenced_key::<P>(fk)?;
    let keys: Vec<P::Key> = parents.iter().map(|p| p.read().key()).collect();
    // Each child with its integer key (0 when the key is not one integer column: the
    // statement orders the children then).
    let int_key = integer_key(C::table());
    let mut groups: FastMap<P::Key, Vec<(i64, Obj<C>)>> =
        FastMap::with_capacity_and_hasher(keys.len(), Default::default());
    let mut all: Vec<(i64, Obj<C>)> = Vec::new();
    let fk_node = || Box::new(Node::Column { table: fk.table, name: fk.name });
    let per_statement = keys_per_statement(session.dialect_kind());
    let filters: Vec<Node> = match keys_from {
        Some(sub) => vec![Node::InSubquery { expr: fk_node(), query: Box::new(sub.clone()) }],
        None => keys
            .chunks(per_statement)
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
        if int_key.is_none() {
            by_primary_key(C::table(), &mut stmt);
        }
        let mut add = |child: Obj<C>| -> Result<bool> {
            let (v, key) = {
                let fields = child.try_read()?;
                let key = int_key.and_then(|k| fields.column_value(k).as_i64()).unwrap_or(0);
                (fields.column_value(fk.index), key)
            };
            groups.entry(P::key_from_values(&[v])?).or_default().push((key, child.clone()));
            all.push((key, child));
            Ok(true)
        };
        if joins.is_empty() {
            session.load_rows::<C>(&stmt, add)?;
        } else {
            for child in load_joined(session, &stmt, joins)? {
                add(child)?;
            }
        }
    }
    // In key order, as an ORDER BY of the key would have given them (keys are unique: a
    // stable sort is not needed). Already sorted runs, as SQLite's rowid scans give, cost one
    // pass.
    let in_order = |mut children: Vec<(i64, Obj<C>)>| -> Vec<Obj<C>> {
        if int_key.is_some() {
            children.sort_unstable_by_key(|(k, _)| *k);
        }
        children.into_iter().map(|(_, c)| c).collect()
    };
    let per_parent = keys.iter().map(|k| in_order(groups.remove(k).unwrap_or_default())).collect();
    Ok(Children { per_parent, all: in_order(all) })
}

impl<P: Mapper, C: Mapper> Relationship<P> for HasManyRel<P, C> {
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
        self.load_joining(session, parents, keys_from, &[]).map(|(all, _)| all)
    }

    fn load_joining(
        &self,
        session: &mut Session,
        parents: &[Obj<P>],
        keys_from: Option<&SelectStatement>,
        joins: &[Box<dyn JoinSpec<C>>],
    ) -> Result<(Vec<Obj<C>>, bool)> {
        let loaded = load_children::<P, C>(session, (self.foreign_key)(), parents, keys_from, joins)?;
        check_loadable(&loaded.all)?;
        JoinRelation::assign(self, parents, loaded.per_parent);
        Ok((loaded.all, true))
    }

    fn set_empty(&self, objs: &[Obj<P>]) {
        for p in objs {
            (self.field)(&mut p.0.data_mut()).set(Vec::new());
        }
    }

    fn loaded(&self, objs: &[Obj<P>]) -> Vec<Obj<C>> {
        distinct(
            objs.iter().flat_map(|p| (self.field)(&mut p.0.data_mut()).get().map(<[_]>::to_vec).unwrap_or_default()),
        )
    }
}

impl<C: Mapper, P: Mapper> Relationship<C> for BelongsToRel<C, P> {
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
            for chunk in missing.chunks(keys_per_statement(session.dialect_kind())) {
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
        let parents: Vec<Option<Obj<P>>> = wanted.into_iter().map(|k| k.and_then(|k| found.get(&k).cloned())).collect();
        self.set_parents(children, parents)?;
        Ok(found.into_values().collect())
    }

    fn set_empty(&self, objs: &[Obj<C>]) {
        for c in objs {
            (self.field)(&mut c.0.data_mut()).set(None);
        }
    }

    fn loaded(&self, objs: &[Obj<C>]) -> Vec<Obj<P>> {
        distinct(objs.iter().filter_map(|c| (self.field)(&mut c.0.data_mut()).get().ok().flatten().cloned()))
    }
}

impl<C: Mapper, P: Mapper> BelongsToRel<C, P> {
    /// Hand each child its loaded parent (`parents[i]` is that of `children[i]`). With
    /// `back_populates` to a one-to-one side, each parent's side is set to its child too:
    /// the foreign key is unique, so the child is the parent's one child. Not where two
    /// children of the batch name one parent (a duplicate the database would refuse), nor
    /// over an unflushed change of the parent's side (autoflush off), which is kept. A
    /// collection side is left as it is: the children loaded are not all of the parent's,
    /// and a collection is never partly filled.
    fn set_parents(&self, children: &[Obj<C>], parents: Vec<Option<Obj<P>>>) -> Result<()> {
        let one = match self.back.map(|b| b()) {
            Some(ParentSide::One(side)) => Some(side),
            _ => None,
        };
        if let Some(side) = one {
            let named: Vec<Obj<P>> = parents.iter().flatten().cloned().collect();
            check_loadable(&named)?;
            // Each parent's one child, or `None` when children of the batch disagree.
            let mut only: FastMap<usize, Option<usize>> = FastMap::default();
            for (c, p) in children.iter().zip(&parents) {
                if let Some(p) = p {
                    let c = c.0.address();
                    only.entry(p.0.address()).and_modify(|o| *o = o.filter(|o| *o == c)).or_insert(Some(c));
                }
            }
            for (c, p) in children.iter().zip(&parents) {
                let Some(p) = p.as_ref().filter(|p| only.get(&p.0.address()) == Some(&Some(c.0.address()))) else {
                    continue;
                };
                let written = p.0.tracked().is_touched();
                let mut data = p.0.data_mut();
                let held = side(&mut data);
                if !(written && held.is_loaded()) {
                    held.assign(Some(c.clone()));
                }
            }
        }
        for (c, p) in children.iter().zip(parents) {
            (self.field)(&mut c.0.data_mut()).set(p);
        }
        Ok(())
    }
}

impl Session {
    /// Load one relationship of one object (explicit lazy loading): one SELECT, after
    /// which the field reads as loaded.
    ///
    /// The load writes the field: [`Error::ObjectBorrowed`](crate::error::Error::ObjectBorrowed),
    /// before anything is sent, while the calling thread holds a guard of `obj`.
    #[track_caller]
    pub fn load<M: Mapper, R: Relationship<M>>(&mut self, obj: &Obj<M>, rel: R) -> Result<()> {
        self.load_at(obj, rel, std::panic::Location::caller())
    }

    /// [`load`](Session::load), called at `site` (for the N+1 detector).
    pub(crate) fn load_at<M: Mapper, R: Relationship<M>>(
        &mut self,
        obj: &Obj<M>,
        rel: R,
        site: &'static std::panic::Location<'static>,
    ) -> Result<()> {
        let objs = std::slice::from_ref(obj);
        check_loadable(objs)?;
        if let Some(d) = self.detector.as_mut() {
            let relationship = format!("{}::{}", M::table().model, rel.field_name());
            d.loaded(obj.0.address(), relationship, site)?;
        }
        rel.load_with(self, objs, None).map(drop)
    }

    /// Load one relationship of many objects at once (select-in loading): one SELECT listing
    /// their keys (PostgreSQL: one array parameter, `IN (SELECT unnest($1))`; SQLite: up to 16,383 keys
    /// per statement).
    pub fn load_all<M: Mapper, R: Relationship<M>>(&mut self, objs: &[Obj<M>], rel: R) -> Result<()> {
        check_loadable(objs)?;
        rel.load_with(self, objs, None).map(drop)
    }
}

/// A typed loader option for objects of model `M`, loading objects of `Self::Target`
/// (see [`joinedload`], [`selectinload`], [`subqueryload`], [`noload`], [`raiseload`],
/// [`Loaders`] and [`Loader::then`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loader option for `{M}`",
    label = "expected a loader option for a relationship of `{M}`, such as `selectinload(...)` or `joinedload(...)`",
    note = "options apply to the query's own model; for nested paths, chain them with `.then(...)`"
)]
pub trait Loader<M: Mapper>: std::fmt::Debug + Send + Sync + 'static {
    /// The model of the objects it loads.
    type Target: Mapper;
    /// The relationships this option joins into the statement that loads `M` (its
    /// `joinedload`s), with `then` (the joins of the options nested under it) attached where
    /// they can be: under a joined relationship, in the same statement. Nothing by default.
    fn joins(&self, then: Vec<Box<dyn JoinSpec<Self::Target>>>) -> Vec<Box<dyn JoinSpec<M>>> {
        drop(then);
        Vec::new()
    }
    /// Whether [`joins`](Loader::joins) attaches the `then` it is given (the option loads its
    /// objects inside the statement that loads `M`).
    fn joins_then(&self) -> bool {
        false
    }
    /// The relationship of `M` it is about (a later option replaces an earlier one, and a
    /// query's options replace the model's defaults).
    fn relationship(&self) -> Option<&'static str> {
        None
    }

    /// The option as written: `selectinload(User::orders)`, for SQL snapshots.
    fn describe(&self) -> String {
        format!("{self:?}")
    }
    /// Load for `objs`; returns the loaded objects (for nested options).
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<Self::Target>>>;
    /// [`load`](Loader::load), with `then` (the joins of the options nested under this one)
    /// joined into the statement that loads the objects, where the option sends one;
    /// returns the objects and whether `then` was joined. By default, `then` is not.
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        cx: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<Self::Target>>>,
    ) -> Result<(Vec<Obj<Self::Target>>, bool)> {
        drop(then);
        Ok((self.load(session, objs, cx)?, false))
    }

    /// Then load `next` for the objects this option loads:
    /// `selectinload(User::posts).then(selectinload(Post::comments))`.
    fn then<N: Loader<Self::Target>>(self, next: N) -> Then<Self, N>
    where
        Self: Sized,
    {
        Then(self, next)
    }
}

impl<M: Mapper, L: Loader<M>> LoaderOption<M> for L {
    fn describe(&self) -> String {
        Loader::describe(self)
    }

    fn apply(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<()> {
        check_loadable(objs)?;
        self.load(session, objs, cx).map(drop)
    }
    fn joins(&self) -> Vec<Box<dyn JoinSpec<M>>> {
        Loader::joins(self, Vec::new())
    }
    fn about(&self) -> Option<&'static str> {
        self.relationship()
    }
}

/// Joined eager loading of relationship `R` (see [`joinedload`]).
#[derive(Debug, Clone, Copy)]
pub struct JoinedLoad<R>(R);

/// Load `rel` in the same statement as the query, with a LEFT OUTER JOIN of the related
/// table under an alias (`"orders_1"`); parents and related objects are each returned once.
/// Every `joinedload` of a query joins into that one statement: several of them (chained
/// `.options(...)`, or in one [`Loaders`] set), and nested ones
/// (`joinedload(User::posts).then(joinedload(Post::comments))`). With LIMIT / OFFSET (also
/// `first()` and `one_or_none()`), the limited query becomes a subquery the relationship
/// is joined to, so each parent comes with all its related objects.
pub fn joinedload<R>(rel: R) -> JoinedLoad<R> {
    JoinedLoad(rel)
}

impl<M: Mapper, R: Relationship<M> + JoinRelation<M>> Loader<M> for JoinedLoad<R> {
    fn describe(&self) -> String {
        format!("joinedload({}::{})", M::table().model, self.0.field_name())
    }

    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    /// Without the join (a `joinedload` nested under an option that is not joined), loads
    /// like [`selectinload`].
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        if cx.joined {
            return Ok(self.0.loaded(objs));
        }
        self.0.load_with(session, objs, None)
    }
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        cx: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<R::Target>>>,
    ) -> Result<(Vec<Obj<R::Target>>, bool)> {
        if cx.joined {
            // `then` was joined with this option.
            return Ok((self.0.loaded(objs), true));
        }
        self.0.load_joining(session, objs, None, &then)
    }
    fn joins(&self, then: Vec<Box<dyn JoinSpec<R::Target>>>) -> Vec<Box<dyn JoinSpec<M>>> {
        vec![Box::new(JoinNode::<M, R> { rel: self.0, nested: then, _model: std::marker::PhantomData })]
    }
    fn joins_then(&self) -> bool {
        true
    }
}

/// Relationships that can be joined from their own model (for `joinedload`).
pub trait JoinRelation<M: Mapper>: Relationship<M> {
    /// The join condition (foreign key = referenced key), `M`'s table being named `source`
    /// and the related table `target` (its own name, or an alias).
    fn on(&self, source: Option<u8>, target: Option<u8>) -> Node;
    /// Hand the joined objects to `objs`: `found[i]` are those of `objs[i]` (with
    /// `back_populates`, each of them points back to its object).
    fn assign(&self, objs: &[Obj<M>], found: Vec<Vec<Obj<Self::Target>>>);
}

impl<P: Mapper, C: Mapper> JoinRelation<P> for HasManyRel<P, C> {
    fn on(&self, source: Option<u8>, target: Option<u8>) -> Node {
        crate::session::relationship::fk_on::<P>((self.foreign_key)(), target, source)
    }
    fn assign(&self, objs: &[Obj<P>], found: Vec<Vec<Obj<C>>>) {
        let back = self.back.map(|b| b());
        for (p, children) in objs.iter().zip(found) {
            if let Some(back) = back {
                for c in &children {
                    // An unflushed change of the child's parent (autoflush off) is kept.
                    let written = c.0.tracked().is_touched();
                    let mut data = c.0.data_mut();
                    let side = back(&mut data);
                    if !(written && side.is_loaded()) {
                        side.set(Some(p.clone()));
                    }
                }
            }
            (self.field)(&mut p.0.data_mut()).set(children);
        }
    }
}

impl<C: Mapper, P: Mapper> JoinRelation<C> for BelongsToRel<C, P> {
    fn on(&self, source: Option<u8>, target: Option<u8>) -> Node {
        crate::session::relationship::fk_on::<P>((self.foreign_key)(), source, target)
    }
    fn assign(&self, objs: &[Obj<C>], found: Vec<Vec<Obj<P>>>) {
        let parents = found.into_iter().map(|p| p.into_iter().next()).collect();
        // The joined parents were checked by the collector.
        let _ = self.set_parents(objs, parents);
    }
}

/// The smallest alias number that `stmt` does not join `table` under yet.
fn fresh_alias(stmt: &SelectStatement, table: &'static str) -> Result<u8> {
    (1..=u8::MAX).find(|n| !stmt.joins.iter().any(|j| j.table == table && j.alias == Some(*n))).ok_or(
        crate::error::Error::Unsupported { feature: "more than 255 joins of one table in a statement", dialect: "any" },
    )
}

/// A `joinedload` of `R` with the joins nested under it.
struct JoinNode<M: Mapper, R: Relationship<M>> {
    rel: R,
    nested: Vec<Box<dyn JoinSpec<R::Target>>>,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<M: Mapper, R: Relationship<M>> std::fmt::Debug for JoinNode<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinNode").field("rel", &self.rel).field("nested", &self.nested).finish()
    }
}

impl<M: Mapper, R: JoinRelation<M>> JoinSpec<M> for JoinNode<M, R> {
    fn plan(
        &self,
        stmt: &mut SelectStatement,
        source: Option<u8>,
        width: &mut usize,
    ) -> Result<Box<dyn JoinCollector<M>>> {
        let table = <R::Target as Model>::table();
        let alias = fresh_alias(stmt, table.name)?;
        stmt.joins.push(crate::query::JoinClause {
            kind: crate::query::JoinKind::LeftOuter,
            table: table.name,
            alias: Some(alias),
            on: self.rel.on(source, Some(alias)),
        });
        stmt.items.extend(table.columns.iter().map(|c| crate::query::SelectItem {
            node: Node::AliasColumn { table: table.name, alias, name: c.name },
            label: None,
        }));
        let offset = *width;
        *width += table.columns.len();
        let nested = self.nested.iter().map(|n| n.plan(stmt, Some(alias), width)).collect::<Result<Vec<_>>>()?;
        Ok(Box::new(NodeCollector::<M, R> {
            rel: self.rel,
            offset,
            key_leads: table.primary_key.iter().enumerate().all(|(i, &c)| c == i),
            by_key: FastMap::default(),
            values: Vec::new(),
            pairs: Vec::new(),
            first_parent: Vec::new(),
            seen: crate::session::FastSet::default(),
            nested,
        }))
    }
}

/// The rows of one [`JoinNode`]: each related object once (by key), and which object of
/// `M` each belongs to.
struct NodeCollector<M: Mapper, R: Relationship<M>> {
    rel: R,
    /// Where the related columns start in each row.
    offset: usize,
    /// The related key columns lead its columns (so the key alone tells a repeat).
    key_leads: bool,
    by_key: FastMap<<R::Target as Model>::Key, usize>,
    /// The related objects' values, in order of first appearance (adopted at the end).
    values: Vec<R::Target>,
    /// (object of `M`, related object), each pair once, in order of first appearance.
    pairs: Vec<(usize, usize)>,
    /// Per related object, the object of `M` of its first pair.
    first_parent: Vec<usize>,
    /// Pairs beyond each related object's first: a related object repeats only when rows
    /// multiply (several collections joined) or it belongs to several objects of `M`, so
    /// the common case of one row per related object touches no set.
    seen: crate::session::FastSet<(usize, usize)>,
    nested: Vec<Box<dyn JoinCollector<R::Target>>>,
}

impl<M: Mapper, R: JoinRelation<M>> JoinCollector<M> for NodeCollector<M, R> {
    fn row(&mut self, parent: usize, row: &crate::backend::RowRef<'_>) -> Result<()> {
        let table = <R::Target as Model>::table();
        let Some(&pk) = table.primary_key.first() else { return Ok(()) };
        // No match in the outer join: the joined key is NULL.
        if row.is_null(self.offset + pk) {
            return Ok(());
        }
        let (key, value) = if self.key_leads {
            (<R::Target as Model>::decode_key(row, self.offset)?, None)
        } else {
            let value = crate::query::polymorphic::decode_model::<R::Target>(row, self.offset)?;
            (value.key(), Some(value))
        };
        let idx = match self.by_key.get(&key) {
            Some(&i) => {
                if self.first_parent[i] != parent && self.seen.insert((parent, i)) {
                    self.pairs.push((parent, i));
                }
                i
            }
            None => {
                let value = match value {
                    Some(v) => v,
                    None => crate::query::polymorphic::decode_model::<R::Target>(row, self.offset)?,
                };
                let i = self.values.len();
                self.values.push(value);
                self.by_key.insert(key, i);
                self.first_parent.push(parent);
                self.pairs.push((parent, i));
                i
            }
        };
        for n in &mut self.nested {
            n.row(idx, row)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, session: &mut Session, objs: &[Obj<M>]) -> Result<()> {
        check_loadable(objs)?;
        let NodeCollector { rel, values, pairs, nested, .. } = *self;
        let related: Vec<Obj<R::Target>> = values.into_iter().map(|v| session.adopt(v)).collect();
        check_loadable(&related)?;
        let mut found: Vec<Vec<Obj<R::Target>>> = (0..objs.len()).map(|_| Vec::new()).collect();
        for (parent, idx) in pairs {
            if let (Some(list), Some(obj)) = (found.get_mut(parent), related.get(idx)) {
                list.push(obj.clone());
            }
        }
        rel.assign(objs, found);
        for n in nested {
            n.finish(session, &related)?;
        }
        Ok(())
    }
}

/// Labels of ORDER BY terms carried out of a limited subquery (see [`joined_statement`]).
const ORDER_LABELS: [&str; 8] =
    ["_order_1", "_order_2", "_order_3", "_order_4", "_order_5", "_order_6", "_order_7", "_order_8"];

/// `stmt` (a SELECT of the columns of a model's `table`) as a subquery that shadows the
/// table, so that joins added to the outer statement cannot cut its LIMIT / OFFSET short:
/// `SELECT "users".* FROM (SELECT ... LIMIT 2) AS "users"`. The ORDER BY is repeated
/// outside (terms that are not columns of the table travel as labelled columns of the
/// subquery), so that the objects keep their order. Not generic: compiled once.
fn wrap_limited(table: &'static crate::schema::TableDef, stmt: &SelectStatement) -> Result<SelectStatement> {
    let mut inner = stmt.clone();
    let lock = inner.lock.take();
    let mut labels = ORDER_LABELS.iter();
    let mut order_by = Vec::with_capacity(stmt.order_by.len());
    for term in &stmt.order_by {
        let node = match &term.node {
            Node::Column { table: t, .. } if *t == table.name => term.node.clone(),
            other => {
                let Some(&label) = labels.next() else {
                    return Err(crate::error::Error::Unsupported {
                        feature: "joinedload with LIMIT / OFFSET and more than 8 ORDER BY terms that are not columns of the queried model",
                        dialect: "any",
                    });
                };
                inner.items.push(crate::query::SelectItem { node: other.clone(), label: Some(label) });
                Node::Column { table: table.name, name: label }
            }
        };
        order_by.push(OrderTerm { node, direction: term.direction, nulls: term.nulls });
    }
    Ok(SelectStatement {
        items: vec![crate::query::SelectItem { node: Node::AllColumns(crate::expr::TableRef(table)), label: None }],
        from: vec![table.name],
        derived: vec![crate::expr::statement::DerivedTable { name: table.name, query: inner }],
        order_by,
        lock,
        ..SelectStatement::default()
    })
}

/// The statement that loads `M` with `joins` (a SELECT of `M`'s columns, `stmt`, with the
/// joins' LEFT OUTER JOINs and columns; limited queries are wrapped first, see
/// [`wrap_limited`]), and what reads the joined columns back.
pub(crate) fn joined_statement<M: Mapper>(
    stmt: &SelectStatement,
    joins: &[Box<dyn JoinSpec<M>>],
) -> Result<(SelectStatement, Vec<Box<dyn JoinCollector<M>>>)> {
    let mut out =
        if stmt.limit.is_some() || stmt.offset.is_some() { wrap_limited(M::table(), stmt)? } else { stmt.clone() };
    if let Some(lock) = out.lock.as_mut().filter(|l| l.of.is_empty()) {
        // The related rows are on the outer joins' nullable side, which cannot be locked:
        // lock the query's own rows (SQLAlchemy does the same).
        lock.of.push(M::table().name);
    }
    let mut width = M::table().columns.len();
    let collectors = joins.iter().map(|j| j.plan(&mut out, None, &mut width)).collect::<Result<Vec<_>>>()?;
    Ok((out, collectors))
}

/// Run `stmt` (a SELECT of `M`'s columns) with `joins`: each object of `M` once, in the
/// order of its first row, its joined relationships gathered from the joined columns.
pub(crate) fn load_joined<M: Mapper>(
    session: &mut Session,
    stmt: &SelectStatement,
    joins: &[Box<dyn JoinSpec<M>>],
) -> Result<Vec<Obj<M>>> {
    session.autoflush()?;
    let (stmt, mut collectors) = joined_statement(stmt, joins)?;
    let mut objs: Vec<Obj<M>> = Vec::new();
    // An object repeats on each of its related rows: when its key columns lead the row, the
    // key alone says whether it was seen, and its other columns are decoded once. Otherwise
    // each row's object is decoded and found by its address.
    let key_leads = M::table().primary_key_columns().enumerate().all(|(i, c)| c.index == i);
    let mut by_key: FastMap<M::Key, usize> = FastMap::default();
    let mut by_addr: FastMap<usize, usize> = FastMap::default();
    {
        let id = session.id();
        let Some((conn, identity)) = session.reading(&stmt, Some(M::table().name))? else { return Ok(objs) };
        let r = crate::dialect::render(conn.dialect(), crate::query::Statement::Select(&stmt))?;
        let mut objects = identity.model::<M>();
        let locked = stmt.lock.is_some();
        let mut adopt = |m: M| objects.adopt_read(m, id, locked);
        conn.query_while(&r.sql, &r.params, |row| {
            let i = if key_leads {
                let key = M::decode_key(row, 0)?;
                match by_key.get(&key) {
                    Some(&i) => i,
                    None => {
                        objs.push(adopt(crate::query::polymorphic::decode_model::<M>(row, 0)?));
                        by_key.insert(key, objs.len() - 1);
                        objs.len() - 1
                    }
                }
            } else {
                let obj = adopt(crate::query::polymorphic::decode_model::<M>(row, 0)?);
                let addr = std::sync::Arc::as_ptr(&obj.0) as *const () as usize;
                *by_addr.entry(addr).or_insert_with(|| {
                    objs.push(obj);
                    objs.len() - 1
                })
            };
            for c in &mut collectors {
                c.row(i, row)?;
            }
            Ok(true)
        })?;
    }
    for c in collectors {
        c.finish(session, &objs)?;
    }
    Ok(objs)
}

/// Select-in eager loading of relationship `R` (see [`selectinload`]).
#[derive(Debug, Clone, Copy)]
pub struct SelectIn<R>(R);

/// Load `rel` for every object of a query with one extra SELECT listing their keys
/// (PostgreSQL: one array parameter; SQLite: up to 16,383 keys per statement): `session.query::<User>().options(selectinload(User::orders)).all()`.
pub fn selectinload<R>(rel: R) -> SelectIn<R> {
    SelectIn(rel)
}

impl<M: Mapper, R: Relationship<M>> Loader<M> for SelectIn<R> {
    fn describe(&self) -> String {
        format!("selectinload({}::{})", M::table().model, self.0.field_name())
    }

    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.load_with(session, objs, None)
    }
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        _: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<R::Target>>>,
    ) -> Result<(Vec<Obj<R::Target>>, bool)> {
        self.0.load_joining(session, objs, None, &then)
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

impl<M: Mapper, R: Relationship<M>> Loader<M> for SubqueryIn<R> {
    fn describe(&self) -> String {
        format!("subqueryload({}::{})", M::table().model, self.0.field_name())
    }

    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        self.0.load_with(session, objs, cx.keys_query)
    }
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        cx: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<R::Target>>>,
    ) -> Result<(Vec<Obj<R::Target>>, bool)> {
        self.0.load_joining(session, objs, cx.keys_query, &then)
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

impl<M: Mapper, R: Relationship<M>> Loader<M> for NoLoad<R> {
    fn describe(&self) -> String {
        format!("noload({}::{})", M::table().model, self.0.field_name())
    }

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

impl<M: Mapper, R: Relationship<M>> Loader<M> for RaiseLoad<R> {
    fn describe(&self) -> String {
        format!("raiseload({}::{})", M::table().model, self.0.field_name())
    }

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

impl<M: Mapper, A: Loader<M>, B: Loader<A::Target>> Loader<M> for Then<A, B> {
    fn describe(&self) -> String {
        format!("{}.then({})", self.0.describe(), self.1.describe())
    }

    type Target = B::Target;
    fn relationship(&self) -> Option<&'static str> {
        self.0.relationship()
    }
    fn joins(&self, then: Vec<Box<dyn JoinSpec<B::Target>>>) -> Vec<Box<dyn JoinSpec<M>>> {
        self.0.joins(self.1.joins(then))
    }
    fn joins_then(&self) -> bool {
        self.0.joins_then() && self.1.joins_then()
    }
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<B::Target>>> {
        self.load_joining(session, objs, cx, Vec::new()).map(|(loaded, _)| loaded)
    }
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        cx: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<B::Target>>>,
    ) -> Result<(Vec<Obj<B::Target>>, bool)> {
        // The nested option's joins go into the statement that loads the first option's
        // objects: the query's own when the first option is joined (done already), or the
        // first option's own statement.
        let (loaded, joined) = self.0.load_joining(session, objs, cx, self.1.joins(then))?;
        check_loadable(&loaded)?;
        let cx = LoadContext { keys_query: None, joined };
        if joined && self.1.joins_then() {
            // `then` was joined with the nested option.
            return Ok((self.1.load(session, &loaded, cx)?, true));
        }
        Ok((self.1.load(session, &loaded, cx)?, false))
    }
}

/// A reusable set of loader options for model `M`, e.g. a function that names what a page
/// needs: `fn full() -> Loaders<User> { Loaders::new().with(selectinload(User::orders)) }`,
/// then `query.options(full())`. Its `joinedload`s join into the query's statement like
/// options given one by one.
pub struct Loaders<M: Mapper> {
    options: Vec<Box<dyn LoaderOption<M>>>,
}

impl<M: Mapper> Loaders<M> {
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

impl<M: Mapper> Default for Loaders<M> {
    fn default() -> Self {
        Loaders::new()
    }
}

impl<M: Mapper> std::fmt::Debug for Loaders<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.options).finish()
    }
}

impl<M: Mapper> Loader<M> for Loaders<M> {
    fn describe(&self) -> String {
        let each: Vec<String> = self.options.iter().map(|o| o.describe()).collect();
        each.join(", ")
    }

    type Target = M;
    fn joins(&self, then: Vec<Box<dyn JoinSpec<M>>>) -> Vec<Box<dyn JoinSpec<M>>> {
        let mut out: Vec<Box<dyn JoinSpec<M>>> = self.options.iter().flat_map(|o| o.joins()).collect();
        out.extend(then);
        out
    }
    fn joins_then(&self) -> bool {
        true
    }
    /// Returns the objects themselves (an option nested under a set applies to them).
    fn load(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<Vec<Obj<M>>> {
        for option in &self.options {
            option.apply(session, objs, cx)?;
        }
        Ok(objs.to_vec())
    }
    /// A set sends no statement of its own: `then` was joined only if the statement that
    /// loaded `objs` carried it.
    fn load_joining(
        &self,
        session: &mut Session,
        objs: &[Obj<M>],
        cx: LoadContext<'_>,
        then: Vec<Box<dyn JoinSpec<M>>>,
    ) -> Result<(Vec<Obj<M>>, bool)> {
        drop(then);
        Ok((self.load(session, objs, cx)?, cx.joined))
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

impl<M: Mapper, R: Relationship<M>> Loader<M> for LazyLoad<R> {
    fn describe(&self) -> String {
        format!("lazyload({}::{})", M::table().model, self.0.field_name())
    }

    type Target = R::Target;
    fn relationship(&self) -> Option<&'static str> {
        Some(self.0.field_name())
    }
    fn load(&self, _: &mut Session, _: &[Obj<M>], _: LoadContext<'_>) -> Result<Vec<Obj<R::Target>>> {
        Ok(Vec::new())
    }
}
