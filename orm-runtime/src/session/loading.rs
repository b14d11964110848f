//! Loading relationships: explicitly for one object ([`Session::load`]), for many at once
//! ([`Session::load_all`]), or eagerly through a query option ([`selectinload`]). Both
//! directions load with one SELECT per chunk of keys (`... WHERE key IN (...)`), so loading
//! the orders of 100 users costs one statement, not 100.

use std::collections::HashMap;

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
    /// Load the relationship of every object in `objs`.
    fn load(&self, session: &mut Session, objs: &[Obj<M>]) -> Result<()>;
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

impl<P: Model, C: Model> Relationship<P> for HasManyRel<P, C> {
    fn load(&self, session: &mut Session, parents: &[Obj<P>]) -> Result<()> {
        let fk = (self.foreign_key)();
        referenced_key::<P>(fk)?;
        let keys: Vec<P::Key> = parents.iter().map(|p| p.read().key()).collect();
        let mut groups: HashMap<P::Key, Vec<Obj<C>>> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let mut stmt = SelectStatement::all_columns(C::table());
            stmt.and_where(Node::InList {
                expr: Box::new(Node::Column { table: fk.table, name: fk.name }),
                list: in_list(chunk, |k| P::key_values(k).into_iter().next().unwrap_or(Value::Null)),
                negated: false,
            });
            by_primary_key::<C>(&mut stmt);
            session.load_rows::<C>(&stmt, |child| {
                let v = child.read().column_value(fk.index);
                groups.entry(P::key_from_values(&[v])?).or_default().push(child);
                Ok(true)
            })?;
        }
        for (p, k) in parents.iter().zip(&keys) {
            let children = groups.remove(k).unwrap_or_default();
            (self.field)(&mut p.0.data_mut()).set(children);
        }
        Ok(())
    }
}

impl<C: Model, P: Model> Relationship<C> for BelongsToRel<C, P> {
    fn load(&self, session: &mut Session, children: &[Obj<C>]) -> Result<()> {
        let fk = (self.foreign_key)();
        referenced_key::<P>(fk)?;
        let mut wanted: Vec<Option<P::Key>> = Vec::with_capacity(children.len());
        for c in children {
            let v = c.read().column_value(fk.index);
            wanted.push(if v == Value::Null { None } else { Some(P::key_from_values(&[v])?) });
        }
        // Parents the session already holds need no statement.
        let mut found: HashMap<P::Key, Obj<P>> = HashMap::new();
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
                    let key = parent.read().key();
                    found.insert(key, parent);
                    Ok(true)
                })?;
            }
        }
        for (c, k) in children.iter().zip(wanted) {
            let parent = k.and_then(|k| found.get(&k).cloned());
            (self.field)(&mut c.0.data_mut()).set(parent);
        }
        Ok(())
    }
}

impl Session {
    /// Load one relationship of one object (explicit lazy loading): one SELECT, after
    /// which the field reads as loaded.
    ///
    /// Do not hold a read or write guard of `obj` while loading: the load writes the field.
    pub fn load<M: Model, R: Relationship<M>>(&mut self, obj: &Obj<M>, rel: R) -> Result<()> {
        rel.load(self, std::slice::from_ref(obj))
    }

    /// Load one relationship of many objects at once (select-in loading): one SELECT per
    /// 500 objects.
    pub fn load_all<M: Model, R: Relationship<M>>(&mut self, objs: &[Obj<M>], rel: R) -> Result<()> {
        rel.load(self, objs)
    }
}

/// A query option that loads a relationship of every object a query returns.
pub trait LoaderOption<M: Model>: std::fmt::Debug + Send + Sync {
    /// Load it for these objects.
    fn apply(&self, session: &mut Session, objs: &[Obj<M>]) -> Result<()>;
}

/// Select-in eager loading of relationship `R` (see [`selectinload`]).
#[derive(Debug, Clone, Copy)]
pub struct SelectIn<R>(R);

/// Load `rel` for every object of a query with one extra SELECT (per 500 objects):
/// `session.query::<User>().options(selectinload(User::orders)).all()`.
pub fn selectinload<R>(rel: R) -> SelectIn<R> {
    SelectIn(rel)
}

impl<M: Model, R: Relationship<M>> LoaderOption<M> for SelectIn<R> {
    fn apply(&self, session: &mut Session, objs: &[Obj<M>]) -> Result<()> {
        self.0.load(session, objs)
    }
}
