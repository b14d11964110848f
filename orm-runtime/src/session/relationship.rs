//! Relationships between models: the fields that hold related objects ([`HasMany`],
//! [`BelongsTo`]) and the descriptors the derive generates for them ([`HasManyRel`],
//! [`BelongsToRel`]), used to load them and to join along them.
//!
//! A relationship field is never silently empty: objects loaded from the database start
//! with their relationships *not loaded*, and reading one is an [`Error::NotLoaded`] until
//! it is loaded (explicitly with [`Session::load`](crate::session::Session::load), or eagerly
//! with a loader option such as [`selectinload`](crate::session::selectinload)). A new object
//! built with `HasMany::new()` holds a loaded, empty collection.

use crate::error::{Error, Result};
use crate::schema::ColumnDef;
use crate::session::mapper::Mapper;
use crate::session::object::Obj;
use crate::session::tracked::{LinkDirection, RelationLink};

/// The "many" side of a one-to-many relationship: the children of a parent.
pub struct HasMany<T: Mapper> {
    loaded: Option<Vec<Obj<T>>>,
}

impl<T: Mapper> HasMany<T> {
    /// A loaded, empty collection (for new objects).
    pub fn new() -> Self {
        HasMany { loaded: Some(Vec::new()) }
    }

    /// A collection that has not been loaded (objects read from the database start so).
    pub fn not_loaded() -> Self {
        HasMany { loaded: None }
    }

    pub(crate) fn set(&mut self, objs: Vec<Obj<T>>) {
        self.loaded = Some(objs);
    }

    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// The related objects, or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<&[Obj<T>]> {
        self.loaded.as_deref().ok_or_else(|| Error::NotLoaded { model: T::table().model, relationship: "has-many" })
    }

    /// Add an object to the collection (the collection must be loaded). At the next flush a
    /// new object is inserted with the session (save-update cascade) and its foreign key is
    /// set to this object's key.
    pub fn push(&mut self, child: impl crate::session::IntoObj<T>) -> Result<Obj<T>> {
        let list =
            self.loaded.as_mut().ok_or(Error::NotLoaded { model: T::table().model, relationship: "has-many" })?;
        let child = child.into_obj();
        if !list.iter().any(|c| c.ptr_eq(&child)) {
            list.push(child.clone());
        }
        Ok(child)
    }

    /// Take an object out of the collection (the collection must be loaded); returns whether
    /// it was there. At the next flush its foreign key is set to NULL, or, for a
    /// `delete_orphan` relationship, it is deleted.
    pub fn remove(&mut self, child: &Obj<T>) -> Result<bool> {
        let list =
            self.loaded.as_mut().ok_or(Error::NotLoaded { model: T::table().model, relationship: "has-many" })?;
        let before = list.len();
        list.retain(|c| !c.ptr_eq(child));
        Ok(list.len() != before)
    }
}

impl<T: Mapper> Default for HasMany<T> {
    fn default() -> Self {
        HasMany::new()
    }
}

impl<T: Mapper> Clone for HasMany<T> {
    fn clone(&self) -> Self {
        HasMany { loaded: self.loaded.clone() }
    }
}

impl<T: Mapper> PartialEq for HasMany<T> {
    fn eq(&self, other: &Self) -> bool {
        self.loaded == other.loaded
    }
}

impl<T: Mapper> std::fmt::Debug for HasMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.loaded {
            Some(v) => write!(f, "HasMany<{}>({} loaded)", T::table().model, v.len()),
            None => write!(f, "HasMany<{}>(not loaded)", T::table().model),
        }
    }
}

/// The "one" side of a many-to-one relationship: the parent of a child (`None` when the
/// foreign key is NULL).
pub struct BelongsTo<T: Mapper> {
    loaded: Option<Option<Obj<T>>>,
}

impl<T: Mapper> BelongsTo<T> {
    /// Not loaded (the state of objects built by hand or read from the database).
    pub fn not_loaded() -> Self {
        BelongsTo { loaded: None }
    }

    pub(crate) fn set(&mut self, parent: Option<Obj<T>>) {
        self.loaded = Some(parent);
    }

    /// Whether the parent has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// Set the parent (`None` for none). At the next flush the foreign key follows: a new
    /// parent is inserted first (save-update cascade) and its key written into this object.
    pub fn assign(&mut self, parent: Option<Obj<T>>) {
        self.loaded = Some(parent);
    }

    /// The parent (`None` for a NULL foreign key), or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<Option<&Obj<T>>> {
        match &self.loaded {
            Some(p) => Ok(p.as_ref()),
            None => Err(Error::NotLoaded { model: T::table().model, relationship: "belongs-to" }),
        }
    }
}

impl<T: Mapper> Default for BelongsTo<T> {
    fn default() -> Self {
        BelongsTo::not_loaded()
    }
}

impl<T: Mapper> Clone for BelongsTo<T> {
    fn clone(&self) -> Self {
        BelongsTo { loaded: self.loaded.clone() }
    }
}

impl<T: Mapper> PartialEq for BelongsTo<T> {
    fn eq(&self, other: &Self) -> bool {
        self.loaded == other.loaded
    }
}

impl<T: Mapper> std::fmt::Debug for BelongsTo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.loaded {
            Some(Some(_)) => write!(f, "BelongsTo<{}>(loaded)", T::table().model),
            Some(None) => write!(f, "BelongsTo<{}>(none)", T::table().model),
            None => write!(f, "BelongsTo<{}>(not loaded)", T::table().model),
        }
    }
}

/// Model `Self` has exactly one foreign key to model `P` (generated by the derive).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no single foreign key to `{P}`",
    label = "cannot tell which column of `{Self}` refers to `{P}`",
    note = "mark the column with `#[orm(foreign_key = {P}::id)]`, or name it on the relationship: `#[relationship(foreign_key = {Self}::parent_id)]`"
)]
pub trait ForeignKeyTo<P> {
    /// The foreign key column.
    fn foreign_key() -> &'static ColumnDef;
}

/// The single child of a one-to-one relationship (`None` when there is none).
pub struct HasOne<T: Mapper> {
    pub(super) loaded: Option<Option<Obj<T>>>,
}

impl<T: Mapper> HasOne<T> {
    /// Loaded, with no child (for new objects).
    pub fn new() -> Self {
        HasOne { loaded: Some(None) }
    }

    /// Whether the child has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// The child (`None` when there is none), or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<Option<&Obj<T>>> {
        match &self.loaded {
            Some(c) => Ok(c.as_ref()),
            None => Err(Error::NotLoaded { model: T::table().model, relationship: "has-one" }),
        }
    }

    /// Set the child (`None` for none). At the next flush a new child is inserted with its
    /// foreign key set to this object's key; a replaced child gets a NULL foreign key, or is
    /// deleted for a `delete_orphan` relationship. The other side of a `back_populates`
    /// pair is left as it is: [`HasOneRel::set`](crate::session::HasOneRel::set) keeps it in step.
    pub fn assign(&mut self, child: Option<Obj<T>>) {
        self.loaded = Some(child);
    }

    /// The loaded child, if it is `child`.
    pub(crate) fn holds(&self, child: &Obj<T>) -> bool {
        matches!(&self.loaded, Some(Some(c)) if c.ptr_eq(child))
    }
}

impl<T: Mapper> Default for HasOne<T> {
    fn default() -> Self {
        HasOne::new()
    }
}

impl<T: Mapper> Clone for HasOne<T> {
    fn clone(&self) -> Self {
        HasOne { loaded: self.loaded.clone() }
    }
}

impl<T: Mapper> PartialEq for HasOne<T> {
    fn eq(&self, other: &Self) -> bool {
        self.loaded == other.loaded
    }
}

impl<T: Mapper> std::fmt::Debug for HasOne<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.loaded {
            Some(Some(_)) => write!(f, "HasOne<{}>(loaded)", T::table().model),
            Some(None) => write!(f, "HasOne<{}>(none)", T::table().model),
            None => write!(f, "HasOne<{}>(not loaded)", T::table().model),
        }
    }
}

impl<T: Mapper> RelationField for HasOne<T> {
    fn not_loaded() -> Self {
        HasOne { loaded: None }
    }
}

/// Descriptor of a one-to-many relationship `P -> [C]` (generated as `User::orders`).
pub struct HasManyRel<P: Mapper, C: Mapper> {
    pub(crate) name: &'static str,
    pub(crate) foreign_key: fn() -> &'static ColumnDef,
    pub(crate) field: fn(&mut P) -> &mut HasMany<C>,
    pub(crate) delete_orphan: bool,
    /// The other side's field (`back_populates`), found when first needed.
    pub(crate) back: Option<fn() -> fn(&mut C) -> &mut BelongsTo<P>>,
}

/// Descriptor of a many-to-one relationship `C -> P` (generated as `Order::user`).
pub struct BelongsToRel<C: Mapper, P: Mapper> {
    pub(crate) name: &'static str,
    pub(crate) foreign_key: fn() -> &'static ColumnDef,
    pub(crate) field: fn(&mut C) -> &mut BelongsTo<P>,
    /// The other side's field (`back_populates`), found when first needed.
    pub(crate) back: Option<fn() -> ParentSide<P, C>>,
}

/// The parent's side of a relationship that a [`BelongsToRel`] names with `back_populates`:
/// `P`'s collection of `C` (one-to-many) or its single `C` (one-to-one). The derive finds
/// which from the type of the field named, so the user never says.
pub enum ParentSide<P: Mapper, C: Mapper> {
    /// `P`'s [`HasMany<C>`] field.
    Many(fn(&mut P) -> &mut HasMany<C>),
    /// `P`'s [`HasOne<C>`](HasOne) field.
    One(fn(&mut P) -> &mut HasOne<C>),
}

impl<P: Mapper, C: Mapper> Clone for ParentSide<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Mapper, C: Mapper> Copy for ParentSide<P, C> {}

impl<P: Mapper, C: Mapper> std::fmt::Debug for ParentSide<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParentSide::Many(_) => write!(f, "ParentSide::Many({})", P::table().model),
            ParentSide::One(_) => write!(f, "ParentSide::One({})", P::table().model),
        }
    }
}

macro_rules! descriptor_traits {
    ($name:ident) => {
        impl<A: Mapper, B: Mapper> Clone for $name<A, B> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<A: Mapper, B: Mapper> Copy for $name<A, B> {}
        impl<A: Mapper, B: Mapper> std::fmt::Debug for $name<A, B> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({}.{})", stringify!($name), A::table().model, self.name)
            }
        }
    };
}

descriptor_traits!(HasManyRel);
descriptor_traits!(BelongsToRel);

impl<P: Mapper, C: Mapper> HasManyRel<P, C> {
    /// A descriptor. Called by generated code.
    pub const fn new(
        name: &'static str,
        foreign_key: fn() -> &'static ColumnDef,
        field: fn(&mut P) -> &mut HasMany<C>,
    ) -> Self {
        HasManyRel { name, foreign_key, field, delete_orphan: false, back: None }
    }

    /// The field this descriptor reaches. Called by generated code.
    pub const fn accessor(&self) -> fn(&mut P) -> &mut HasMany<C> {
        self.field
    }

    /// Keep the other side (`BelongsTo`) in step. Called by generated code.
    pub const fn back_populates(mut self, back: fn() -> fn(&mut C) -> &mut BelongsTo<P>) -> Self {
        self.back = Some(back);
        self
    }

    /// Add `child` to `parent`'s collection (loaded), as a change of `parent`; with
    /// `back_populates`, `child`'s parent becomes `parent` at once (and it leaves the loaded
    /// collection of its former parent). The foreign key follows at the next flush.
    pub fn append(&self, parent: &Obj<P>, child: impl crate::session::IntoObj<C>) -> Result<Obj<C>> {
        let child = (self.field)(&mut parent.write()).push(child)?;
        if let Some(back) = self.back.map(|b| b()) {
            let former = {
                let mut data = child.0.data_mut();
                let side = back(&mut data);
                let former = side.get().ok().flatten().cloned();
                side.assign(Some(parent.clone()));
                former
            };
            if let Some(former) = former.filter(|f| !f.ptr_eq(parent)) {
                let _ = (self.field)(&mut former.0.data_mut()).remove(&child);
            }
        }
        Ok(child)
    }

    /// Take `child` out of `parent`'s collection (loaded); with `back_populates`, `child`
    /// then has no parent. Returns whether it was there.
    pub fn remove(&self, parent: &Obj<P>, child: &Obj<C>) -> Result<bool> {
        let removed = (self.field)(&mut parent.write()).remove(child)?;
        if let (true, Some(back)) = (removed, self.back.map(|b| b())) {
            back(&mut child.0.data_mut()).assign(None);
        }
        Ok(removed)
    }

    /// Children taken out of the collection are deleted. Called by generated code.
    pub const fn delete_orphan(mut self) -> Self {
        self.delete_orphan = true;
        self
    }

    /// The relationship's field name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<C: Mapper, P: Mapper> BelongsToRel<C, P> {
    /// A descriptor. Called by generated code.
    pub const fn new(
        name: &'static str,
        foreign_key: fn() -> &'static ColumnDef,
        field: fn(&mut C) -> &mut BelongsTo<P>,
    ) -> Self {
        BelongsToRel { name, foreign_key, field, back: None }
    }

    /// The field this descriptor reaches. Called by generated code.
    pub const fn accessor(&self) -> fn(&mut C) -> &mut BelongsTo<P> {
        self.field
    }

    /// Keep the other side (`HasMany` or `HasOne`) in step. Called by generated code.
    pub const fn back_populates(mut self, back: fn() -> ParentSide<P, C>) -> Self {
        self.back = Some(back);
        self
    }

    /// Set `child`'s parent, as a change of `child`; with `back_populates`, `child` also
    /// leaves the loaded side of its former parent and joins the loaded side of the new one:
    /// for a collection (one-to-many), it is taken out of one and pushed onto the other; for
    /// a one-to-one, the former parent's child becomes `None` and the new parent's child
    /// becomes `child` (the child it replaces then has no parent). The foreign key follows
    /// at the next flush, where a replaced or parentless one-to-one child is deleted
    /// (`delete_orphan`) or gets a NULL key, before `child`'s key is written. A new parent
    /// whose side is not loaded stays so (which child the database holds for it is not
    /// known): load it first when it may already have one, so that the flush replaces it.
    ///
    /// # Panics
    ///
    /// If the calling thread holds a guard of one of the objects written (as
    /// [`Obj::write`] does).
    pub fn set(&self, child: &Obj<C>, parent: Option<&Obj<P>>) {
        let former = {
            let mut data = child.write();
            let side = (self.field)(&mut data);
            let former = side.get().ok().flatten().cloned();
            side.assign(parent.cloned());
            former
        };
        match self.back.map(|b| b()) {
            None => {}
            Some(ParentSide::Many(back)) => {
                // Taken out as a change of the former parent, so that the flush sees it: a
                // move when it lands in another collection, else a NULL key or an orphan.
                if let Some(former) = former.filter(|f| !parent.is_some_and(|p| p.ptr_eq(f))) {
                    let held = back(&mut former.0.data_mut()).get().is_ok_and(|l| l.iter().any(|c| c.ptr_eq(child)));
                    if held {
                        let _ = back(&mut former.write()).remove(child);
                    }
                }
                if let Some(parent) = parent {
                    let mut data = parent.0.data_mut();
                    let collection = back(&mut data);
                    if collection.is_loaded() {
                        let _ = collection.push(child);
                    }
                }
            }
            Some(ParentSide::One(back)) => {
                if let Some(former) = former.filter(|f| !parent.is_some_and(|p| p.ptr_eq(f))) {
                    release(&former, back, child);
                }
                if let Some(parent) = parent {
                    if let Some(replaced) = replace(parent, back, child) {
                        (self.field)(&mut replaced.0.data_mut()).set(None);
                    }
                }
            }
        }
    }

    /// The relationship's field name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// The parent's key column that `fk` references, checked to be `P`'s single primary key.
pub(crate) fn referenced_key<P: Mapper>(fk: &'static ColumnDef) -> Result<&'static ColumnDef> {
    let table = P::table();
    let target = fk.foreign_key.map(|f| (f.target)());
    match (target, table.primary_key) {
        (Some(t), [pk]) if t.table == table.name && t.name == table.columns[*pk].name => Ok(t),
        _ => Err(Error::Unsupported {
            feature: "relationships whose foreign key does not reference the parent's single-column primary key",
            dialect: "any",
        }),
    }
}

/// A relationship to join along from the FROM clause `F` (see
/// [`Query::join_related`](crate::session::Query::join_related)).
pub trait JoinPath<F, I> {
    /// The model joined.
    type Target: Mapper;
    /// The JOIN with its ON condition (foreign key = referenced key).
    fn join_clause(&self, kind: crate::query::JoinKind) -> crate::query::JoinClause;
}

/// `child.fk = parent.key`, the key being the column the foreign key references.
pub(crate) fn fk_condition<P: Mapper>(fk: &'static ColumnDef) -> crate::expr::Node {
    fk_on::<P>(fk, None, None)
}

/// The column of `P` that `fk` references (`P`'s first key column when it names none).
fn referenced_column<P: Mapper>(fk: &'static ColumnDef) -> &'static ColumnDef {
    let parent = P::table();
    match fk.foreign_key {
        Some(f) => (f.target)(),
        None => &parent.columns[parent.primary_key.first().copied().unwrap_or(0)],
    }
}

/// `child.fk = parent.key`, each side under its table's name or its `n`-th alias.
pub(crate) fn fk_on<P: Mapper>(fk: &'static ColumnDef, child: Option<u8>, parent: Option<u8>) -> crate::expr::Node {
    crate::query::join_path::fk_eq_aliased(fk, child, referenced_column::<P>(fk), parent)
}

impl<F, I, P: Mapper + crate::expr::AppearsIn<F, I>, C: Mapper> JoinPath<F, I> for HasManyRel<P, C> {
    type Target = C;
    fn join_clause(&self, kind: crate::query::JoinKind) -> crate::query::JoinClause {
        crate::query::JoinClause {
            kind,
            table: C::table().name,
            alias: None,
            on: fk_condition::<P>((self.foreign_key)()),
        }
    }
}

impl<F, I, C: Mapper + crate::expr::AppearsIn<F, I>, P: Mapper> JoinPath<F, I> for BelongsToRel<C, P> {
    type Target = P;
    fn join_clause(&self, kind: crate::query::JoinKind) -> crate::query::JoinClause {
        crate::query::JoinClause {
            kind,
            table: P::table().name,
            alias: None,
            on: fk_condition::<P>((self.foreign_key)()),
        }
    }
}

/// A relationship field type; rows read from the database start with it not loaded.
pub trait RelationField {
    /// The not-loaded state.
    fn not_loaded() -> Self;
}

impl<T: Mapper> RelationField for HasMany<T> {
    fn not_loaded() -> Self {
        HasMany::not_loaded()
    }
}

impl<T: Mapper> RelationField for BelongsTo<T> {
    fn not_loaded() -> Self {
        BelongsTo::not_loaded()
    }
}

/// `former` no longer holds `child` (`back_populates`): its loaded one-to-one side becomes
/// `None` if it held `child`, as a change of `former` (so that the flush treats `child` as
/// taken out: moved if another object now holds it, else an orphan or a NULL key).
pub(crate) fn release<P: Mapper, C: Mapper>(former: &Obj<P>, side: fn(&mut P) -> &mut HasOne<C>, child: &Obj<C>) {
    if side(&mut former.0.data_mut()).holds(child) {
        side(&mut former.write()).assign(None);
    }
}

/// `parent` now holds `child` (`back_populates`): its one-to-one side, where loaded, becomes
/// `child`, as a change of `parent` (so that the flush treats the child it replaces as taken
/// out). Returns the replaced child. An unloaded side stays unloaded: which child the
/// database holds for `parent` is not known without a statement.
pub(crate) fn replace<P: Mapper, C: Mapper>(
    parent: &Obj<P>,
    side: fn(&mut P) -> &mut HasOne<C>,
    child: &Obj<C>,
) -> Option<Obj<C>> {
    {
        let mut data = parent.0.data_mut();
        let current = side(&mut data);
        if !current.is_loaded() || current.holds(child) {
            return None;
        }
    }
    let mut data = parent.write();
    let current = side(&mut data);
    let replaced = current.get().ok().flatten().cloned();
    current.assign(Some(child.clone()));
    replaced
}

/// The links of a loaded has-many field (nothing when it is not loaded). Called by
/// generated code.
pub fn has_many_links<P: Mapper, C: Mapper>(rel: HasManyRel<P, C>, field: &HasMany<C>, out: &mut Vec<RelationLink>) {
    if let Some(children) = &field.loaded {
        let fk = (rel.foreign_key)();
        out.extend(children.iter().map(|c| RelationLink {
            other: c.0.clone(),
            fk,
            direction: LinkDirection::ToChild,
            delete_orphan: rel.delete_orphan,
            assoc: None,
        }));
    }
}

/// The link of a loaded belongs-to field (nothing when it is not loaded or empty). Called by
/// generated code.
pub fn belongs_to_links<C: Mapper, P: Mapper>(
    rel: BelongsToRel<C, P>,
    field: &BelongsTo<P>,
    out: &mut Vec<RelationLink>,
) {
    if let Some(Some(parent)) = &field.loaded {
        out.push(RelationLink {
            other: parent.0.clone(),
            fk: (rel.foreign_key)(),
            direction: LinkDirection::ToParent,
            delete_orphan: false,
            assoc: None,
        });
    }
}

/// The other side of a relationship, named by `back_populates` (checked by generated code).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not point back to this relationship",
    label = "`back_populates` must name the other side of the same relationship",
    note = "a `HasMany<Child>` or `HasOne<Child>` on `Parent` pairs with a `BelongsTo<Parent>` on `Child`, over the same foreign key"
)]
pub trait BackPopulates<F> {
    /// The other side's field accessor.
    fn back_accessor(&self) -> F;
}

#[diagnostic::do_not_recommend]
impl<P: Mapper, C: Mapper> BackPopulates<fn(&mut C) -> &mut BelongsTo<P>> for BelongsToRel<C, P> {
    fn back_accessor(&self) -> fn(&mut C) -> &mut BelongsTo<P> {
        self.field
    }
}

#[diagnostic::do_not_recommend]
impl<P: Mapper, C: Mapper> BackPopulates<ParentSide<P, C>> for HasManyRel<P, C> {
    fn back_accessor(&self) -> ParentSide<P, C> {
        ParentSide::Many(self.field)
    }
}

/// The accessor of the relationship `back_populates` names. Called by generated code.
pub fn back_accessor<F, R: BackPopulates<F>>(rel: R) -> F {
    rel.back_accessor()
}

/// Delete the children `rel` holds for `parent` (loading them first if need be). Called by
/// generated code for `#[relationship(cascade_delete)]`.
pub fn cascade_delete_children<P: Mapper, C: Mapper>(
    session: &mut crate::session::Session,
    parent: &Obj<P>,
    rel: HasManyRel<P, C>,
) -> Result<()> {
    parent.0.check_borrow(crate::session::borrows::Borrow::Write, "deleted with its children")?;
    if !(rel.field)(&mut parent.0.data_mut()).is_loaded() {
        session.load(parent, rel)?;
    }
    let children: Vec<Obj<C>> = (rel.field)(&mut parent.0.data_mut()).get().map(<[_]>::to_vec)?;
    for child in &children {
        if child.state() == crate::session::ObjectState::Persistent {
            session.delete(child)?;
        }
    }
    Ok(())
}
