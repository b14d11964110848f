//! One-to-one relationships: the parent side ([`HasOne`]) of a foreign key that is unique on
//! the child, with its descriptor ([`HasOneRel`]). Loading, joining and the unit of work
//! work as for [`HasMany`](crate::session::HasMany), with one object instead of a list.

use crate::error::Result;
use crate::query::{JoinClause, JoinKind, SelectStatement};
use crate::schema::ColumnDef;
use crate::session::loading::{load_children, JoinRelation, Relationship};
use crate::session::mapper::Mapper;
use crate::session::object::Obj;
use crate::session::relationship::{fk_condition, release, BackPopulates, BelongsTo, HasOne, JoinPath, ParentSide};
use crate::session::tracked::{LinkDirection, RelationLink};
use crate::session::Session;

/// Descriptor of a one-to-one relationship `P -> C` (generated as `User::profile`).
pub struct HasOneRel<P: Mapper, C: Mapper> {
    name: &'static str,
    foreign_key: fn() -> &'static ColumnDef,
    field: fn(&mut P) -> &mut HasOne<C>,
    delete_orphan: bool,
    /// The other side's field (`back_populates`), found when first needed.
    back: Option<fn() -> fn(&mut C) -> &mut BelongsTo<P>>,
}

impl<P: Mapper, C: Mapper> Clone for HasOneRel<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Mapper, C: Mapper> Copy for HasOneRel<P, C> {}

impl<P: Mapper, C: Mapper> std::fmt::Debug for HasOneRel<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HasOneRel({}.{})", P::table().model, self.name)
    }
}

impl<P: Mapper, C: Mapper> HasOneRel<P, C> {
    /// A descriptor. Called by generated code.
    pub const fn new(
        name: &'static str,
        foreign_key: fn() -> &'static ColumnDef,
        field: fn(&mut P) -> &mut HasOne<C>,
    ) -> Self {
        HasOneRel { name, foreign_key, field, delete_orphan: false, back: None }
    }

    /// Keep the other side (`BelongsTo`) in step. Called by generated code.
    pub const fn back_populates(mut self, back: fn() -> fn(&mut C) -> &mut BelongsTo<P>) -> Self {
        self.back = Some(back);
        self
    }

    /// Set `parent`'s child (`None` for none), as a change of `parent`; the side must be
    /// loaded ([`Error::NotLoaded`](crate::Error::NotLoaded) otherwise: the child it replaces must be known). With
    /// `back_populates`, the other side follows at once: `child`'s parent becomes `parent`,
    /// the replaced child has no parent, and `child`'s former parent (where its side is
    /// loaded) no longer holds it. At the next flush the replaced child is deleted
    /// (`delete_orphan`) or gets a NULL key, before `child`'s key is written (a unique
    /// foreign key never sees two owners), and a new `child` is inserted.
    ///
    /// # Panics
    ///
    /// If the calling thread holds a guard of one of the objects written (as
    /// [`Obj::write`] does).
    pub fn set(&self, parent: &Obj<P>, child: Option<&Obj<C>>) -> Result<()> {
        // Refused before the write: a refusal changes nothing.
        let replaced = (self.field)(&mut parent.0.data_mut()).get()?.cloned();
        (self.field)(&mut parent.write()).assign(child.cloned());
        let Some(back) = self.back.map(|b| b()) else { return Ok(()) };
        if let Some(replaced) = replaced.filter(|r| !child.is_some_and(|c| c.ptr_eq(r))) {
            back(&mut replaced.0.data_mut()).set(None);
        }
        if let Some(child) = child {
            let former = {
                let mut data = child.0.data_mut();
                let side = back(&mut data);
                let former = side.get().ok().flatten().cloned();
                side.set(Some(parent.clone()));
                former
            };
            if let Some(former) = former.filter(|f| !f.ptr_eq(parent)) {
                release(&former, self.field, child);
            }
        }
        Ok(())
    }

    /// Point each loaded child back to its parent (`back_populates`): `found[i]` is the
    /// child of `parents[i]`. An unflushed change of a child's parent (autoflush off) is
    /// kept.
    fn set_children(&self, parents: &[Obj<P>], found: Vec<Option<Obj<C>>>) {
        let back = self.back.map(|b| b());
        for (p, child) in parents.iter().zip(found) {
            if let (Some(back), Some(c)) = (back, &child) {
                let written = c.0.tracked().is_touched();
                let mut data = c.0.data_mut();
                let side = back(&mut data);
                if !(written && side.is_loaded()) {
                    side.set(Some(p.clone()));
                }
            }
            (self.field)(&mut p.0.data_mut()).loaded = Some(child);
        }
    }

    /// A replaced child is deleted. Called by generated code.
    pub const fn delete_orphan(mut self) -> Self {
        self.delete_orphan = true;
        self
    }

    /// The relationship's field name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<P: Mapper, C: Mapper> Relationship<P> for HasOneRel<P, C> {
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
        joins: &[Box<dyn crate::session::JoinSpec<C>>],
    ) -> Result<(Vec<Obj<C>>, bool)> {
        let loaded = load_children::<P, C>(session, (self.foreign_key)(), parents, keys_from, joins)?;
        crate::session::loading::check_loadable(&loaded.all)?;
        self.set_children(parents, loaded.per_parent.into_iter().map(|c| c.into_iter().next()).collect());
        Ok((loaded.all, true))
    }

    fn set_empty(&self, objs: &[Obj<P>]) {
        for p in objs {
            (self.field)(&mut p.0.data_mut()).loaded = Some(None);
        }
    }

    fn loaded(&self, objs: &[Obj<P>]) -> Vec<Obj<C>> {
        crate::session::loading::distinct(
            objs.iter().filter_map(|p| (self.field)(&mut p.0.data_mut()).get().ok().flatten().cloned()),
        )
    }
}

impl<F, I, P: Mapper + crate::expr::AppearsIn<F, I>, C: Mapper> JoinPath<F, I> for HasOneRel<P, C> {
    type Target = C;
    fn join_clause(&self, kind: JoinKind) -> JoinClause {
        JoinClause { kind, table: C::table().name, alias: None, on: fk_condition::<P>((self.foreign_key)()) }
    }
}

impl<P: Mapper, C: Mapper> JoinRelation<P> for HasOneRel<P, C> {
    fn on(&self, source: Option<u8>, target: Option<u8>) -> crate::expr::Node {
        crate::session::relationship::fk_on::<P>((self.foreign_key)(), target, source)
    }
    fn assign(&self, objs: &[Obj<P>], found: Vec<Vec<Obj<C>>>) {
        self.set_children(objs, found.into_iter().map(|c| c.into_iter().next()).collect());
    }
}

#[diagnostic::do_not_recommend]
impl<P: Mapper, C: Mapper> BackPopulates<ParentSide<P, C>> for HasOneRel<P, C> {
    fn back_accessor(&self) -> ParentSide<P, C> {
        ParentSide::One(self.field)
    }
}

/// The link of a loaded has-one field. Called by generated code.
pub fn has_one_links<P: Mapper, C: Mapper>(rel: HasOneRel<P, C>, field: &HasOne<C>, out: &mut Vec<RelationLink>) {
    if let Some(Some(child)) = &field.loaded {
        out.push(RelationLink {
            other: child.0.clone(),
            fk: (rel.foreign_key)(),
            direction: LinkDirection::ToChild,
            delete_orphan: rel.delete_orphan,
            assoc: None,
        });
    }
}

/// Delete the child `rel` holds for `parent` (loading it first if need be). Called by
/// generated code for `#[relationship(cascade_delete)]`.
pub fn cascade_delete_child<P: Mapper, C: Mapper>(
    session: &mut Session,
    parent: &Obj<P>,
    rel: HasOneRel<P, C>,
) -> Result<()> {
    parent.0.check_borrow(crate::session::borrows::Borrow::Write, "deleted with its child")?;
    if !(rel.field)(&mut parent.0.data_mut()).is_loaded() {
        session.load(parent, rel)?;
    }
    let child = (rel.field)(&mut parent.0.data_mut()).get()?.cloned();
    if let Some(child) = child.filter(|c| c.state() == crate::session::ObjectState::Persistent) {
        session.delete(&child)?;
    }
    Ok(())
}
