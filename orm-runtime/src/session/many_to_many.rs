//! Many-to-many relationships through an association model (`secondary`): the field
//! ([`ManyToMany`]), its descriptor ([`ManyToManyRel`]), loading through a join with the
//! association table, and the association rows a flush writes and deletes.

use crate::session::FastMap;

use crate::error::{Error, Result};
use crate::expr::{BinOp, Node};
use crate::query::{JoinClause, JoinKind, SelectItem, SelectStatement};
use crate::schema::ColumnDef;
use crate::session::loading::Relationship;
use crate::session::mapper::Mapper;
use crate::session::object::Obj;
use crate::session::relationship::RelationField;
use crate::session::tracked::{LinkDirection, RelationLink};
use crate::session::Session;
use crate::types::Value;

/// The objects related through an association table.
pub struct ManyToMany<T: Mapper> {
    loaded: Option<Vec<Obj<T>>>,
}

impl<T: Mapper> ManyToMany<T> {
    /// A loaded, empty collection (for new objects).
    pub fn new() -> Self {
        ManyToMany { loaded: Some(Vec::new()) }
    }

    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// The related objects, or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<&[Obj<T>]> {
        self.loaded.as_deref().ok_or(Error::NotLoaded { model: T::table().model, relationship: "many-to-many" })
    }

    /// Add an object (the collection must be loaded); the flush writes the association row.
    pub fn push(&mut self, other: impl crate::session::IntoObj<T>) -> Result<Obj<T>> {
        let list =
            self.loaded.as_mut().ok_or(Error::NotLoaded { model: T::table().model, relationship: "many-to-many" })?;
        let other = other.into_obj();
        if !list.iter().any(|o| o.ptr_eq(&other)) {
            list.push(other.clone());
        }
        Ok(other)
    }

    /// Take an object out (the collection must be loaded); the flush deletes the association
    /// row. Returns whether it was there.
    pub fn remove(&mut self, other: &Obj<T>) -> Result<bool> {
        let list =
            self.loaded.as_mut().ok_or(Error::NotLoaded { model: T::table().model, relationship: "many-to-many" })?;
        let before = list.len();
        list.retain(|o| !o.ptr_eq(other));
        Ok(list.len() != before)
    }
}

impl<T: Mapper> Default for ManyToMany<T> {
    fn default() -> Self {
        ManyToMany::new()
    }
}

impl<T: Mapper> Clone for ManyToMany<T> {
    fn clone(&self) -> Self {
        ManyToMany { loaded: self.loaded.clone() }
    }
}

impl<T: Mapper> PartialEq for ManyToMany<T> {
    fn eq(&self, other: &Self) -> bool {
        self.loaded == other.loaded
    }
}

impl<T: Mapper> std::fmt::Debug for ManyToMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.loaded {
            Some(v) => write!(f, "ManyToMany<{}>({} loaded)", T::table().model, v.len()),
            None => write!(f, "ManyToMany<{}>(not loaded)", T::table().model),
        }
    }
}

impl<T: Mapper> RelationField for ManyToMany<T> {
    fn not_loaded() -> Self {
        ManyToMany { loaded: None }
    }
}

/// Descriptor of a many-to-many relationship `P <-> [T]` through association model `A`
/// (generated as `User::groups`).
pub struct ManyToManyRel<P: Mapper, T: Mapper, A: Mapper> {
    name: &'static str,
    /// `A`'s column referring to `P`.
    to_owner: fn() -> &'static ColumnDef,
    /// `A`'s column referring to `T`.
    to_target: fn() -> &'static ColumnDef,
    field: fn(&mut P) -> &mut ManyToMany<T>,
    _assoc: std::marker::PhantomData<fn() -> A>,
}

impl<P: Mapper, T: Mapper, A: Mapper> Clone for ManyToManyRel<P, T, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Mapper, T: Mapper, A: Mapper> Copy for ManyToManyRel<P, T, A> {}

impl<P: Mapper, T: Mapper, A: Mapper> std::fmt::Debug for ManyToManyRel<P, T, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ManyToManyRel({}.{} via {})", P::table().model, self.name, A::table().model)
    }
}

impl<P: Mapper, T: Mapper, A: Mapper> ManyToManyRel<P, T, A> {
    /// A descriptor. Called by generated code.
    pub const fn new(
        name: &'static str,
        to_owner: fn() -> &'static ColumnDef,
        to_target: fn() -> &'static ColumnDef,
        field: fn(&mut P) -> &mut ManyToMany<T>,
    ) -> Self {
        ManyToManyRel { name, to_owner, to_target, field, _assoc: std::marker::PhantomData }
    }

    /// The relationship's field name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// The column a foreign key references.
fn referenced(fk: &'static ColumnDef) -> Result<&'static ColumnDef> {
    fk.foreign_key.map(|f| (f.target)()).ok_or_else(|| Error::Internal {
        invariant: "an association column found through `ForeignKeyTo` has a foreign key",
        detail: format!("`{}.{}` has none", fk.table, fk.name),
    })
}

impl<P: Mapper, T: Mapper, A: Mapper> Relationship<P> for ManyToManyRel<P, T, A> {
    type Target = T;

    fn field_name(&self) -> &'static str {
        self.name
    }

    fn load_with(&self, session: &mut Session, owners: &[Obj<P>], _: Option<&SelectStatement>) -> Result<Vec<Obj<T>>> {
        let (to_owner, to_target) = ((self.to_owner)(), (self.to_target)());
        let target_key = referenced(to_target)?;
        crate::session::relationship::referenced_key::<P>(to_owner)?;
        let keys: Vec<P::Key> = owners.iter().map(|o| o.read().key()).collect();
        let width = T::table().columns.len();
        let mut groups: FastMap<P::Key, Vec<Obj<T>>> =
            FastMap::with_capacity_and_hasher(keys.len(), Default::default());
        let mut all: Vec<Obj<T>> = Vec::new();
        for chunk in keys.chunks(crate::session::loading::keys_per_statement(session.dialect_kind())) {
            let mut stmt = SelectStatement::all_columns(T::table());
            stmt.items
                .push(SelectItem { node: Node::Column { table: to_owner.table, name: to_owner.name }, label: None });
            stmt.joins.push(JoinClause {
                kind: JoinKind::Inner,
                table: A::table().name,
                alias: None,
                on: Node::binary(
                    BinOp::Eq,
                    Node::Column { table: to_target.table, name: to_target.name },
                    Node::Column { table: target_key.table, name: target_key.name },
                ),
            });
            stmt.and_where(Node::InList {
                expr: Box::new(Node::Column { table: to_owner.table, name: to_owner.name }),
                list: chunk
                    .iter()
                    .map(|k| Node::Value(P::key_values(k).into_iter().next().unwrap_or(Value::Null)))
                    .collect(),
                negated: false,
            });
            session.load_rows_with::<T>(&stmt, |obj, row| {
                let owner = P::key_from_values(&[row.value_of_kind(width, to_owner.kind)?])?;
                if !all.iter().any(|o| o.ptr_eq(&obj)) {
                    all.push(obj.clone());
                }
                groups.entry(owner).or_default().push(obj);
                Ok(true)
            })?;
        }
        for (o, k) in owners.iter().zip(&keys) {
            (self.field)(&mut o.0.data_mut()).loaded = Some(groups.remove(k).unwrap_or_default());
        }
        Ok(all)
    }

    fn set_empty(&self, owners: &[Obj<P>]) {
        for o in owners {
            (self.field)(&mut o.0.data_mut()).loaded = Some(Vec::new());
        }
    }

    fn loaded(&self, owners: &[Obj<P>]) -> Vec<Obj<T>> {
        crate::session::loading::distinct(
            owners.iter().flat_map(|o| (self.field)(&mut o.0.data_mut()).loaded.clone().unwrap_or_default()),
        )
    }
}

/// The links of a loaded many-to-many field. Called by generated code.
pub fn many_to_many_links<P: Mapper, T: Mapper, A: Mapper>(
    rel: ManyToManyRel<P, T, A>,
    field: &ManyToMany<T>,
    out: &mut Vec<RelationLink>,
) {
    if let Some(others) = &field.loaded {
        let (to_owner, to_target) = ((rel.to_owner)(), (rel.to_target)());
        out.extend(others.iter().map(|o| RelationLink {
            other: o.0.clone(),
            fk: to_target,
            direction: LinkDirection::Association,
            delete_orphan: false,
            assoc: Some((A::table(), to_owner)),
        }));
    }
}

/// Delete every association row of `owner` through `rel` (the owner is being deleted).
/// Called by generated code.
pub fn clear_associations<P: Mapper, T: Mapper, A: Mapper>(
    session: &mut Session,
    owner: &Obj<P>,
    rel: ManyToManyRel<P, T, A>,
) -> Result<()> {
    let to_owner = (rel.to_owner)();
    let key = P::key_values(&owner.read().key()).into_iter().next().unwrap_or(Value::Null);
    session.association_clears.push((A::table(), to_owner, key));
    Ok(())
}
