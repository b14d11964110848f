//! What the session tracks, erased: an object of any model behind [`Tracked`], one model's
//! part of the identity map behind [`ModelObjects`], and the links between objects that a
//! flush follows ([`RelationLink`]).
//!
//! This is the bottom of `session/`: it names objects, borrows and mapper events only, so
//! every other file of the session may use it. The unit of work works on these erased forms
//! and is compiled once, as is everything written on `dyn Tracked` here; per model, only the
//! accessors of `impl Tracked for ObjCell<M>` that must know the type are generic, and the
//! identity map's `TypedMap<K>` only per key type.

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, MutexGuard};

use crate::backend::Connection;
use crate::error::Result;
use crate::model::{ColumnMask, DynModel};
use crate::schema::{ColumnDef, TableDef};
use crate::session::borrows::Borrow;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::{Meta, ObjectState};
use crate::types::Value;

/// A tracked object of any model, as the session sees it: the few accessors that must know
/// the model (implemented per model, beside the unit of work); everything the session does
/// with an object is written once on `dyn Tracked` below, over these.
pub(crate) trait Tracked: Send + Sync {
    /// The model's table.
    fn table(&self) -> &'static TableDef;
    /// The model's type: which part of the identity map holds the object.
    fn model(&self) -> TypeId;
    /// The object's address, to recognise it in lists.
    fn addr(&self) -> usize;
    /// The object's state, owning session and snapshot.
    fn meta(&self) -> MutexGuard<'_, Meta>;
    /// The "may have unflushed changes" flag.
    fn touched_flag(&self) -> &AtomicBool;
    /// The "fields may be stale" flag (see [`Obj::is_expired`](crate::session::Obj::is_expired)).
    fn expired_flag(&self) -> &AtomicBool;
    /// The object as `Any`, to recover its concrete type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// [`into_any`](Tracked::into_any), borrowed.
    fn as_any(&self) -> &dyn Any;
    /// Whether the model has validators (most have none: then validation costs one call).
    fn has_validators(&self) -> bool;
    /// The related objects held by the fields (`now`) and by the snapshot (`before`; `None`
    /// when there is no snapshot: the object has not been written since loaded or flushed).
    fn links(&self) -> (Vec<RelationLink>, Option<Vec<RelationLink>>);
    /// Whether the model has relationship fields at all (else [`links`](Tracked::links) is
    /// always empty).
    fn has_relations(&self) -> bool;
    /// [`Error::ObjectBorrowed`](crate::Error::ObjectBorrowed) when reading (`needs` Read)
    /// or writing (`needs` Write) the fields would wait for a guard of the calling thread.
    fn check_borrow(&self, needs: Borrow, action: &'static str) -> Result<()>;
    /// Read the fields through the model's codec.
    fn with_fields(&self, f: &mut dyn FnMut(&dyn DynModel));
    /// Write the fields through the model's codec (the change is not tracked);
    /// [`Error::ObjectBorrowed`](crate::Error::ObjectBorrowed), the object cannot be
    /// `action`, when this thread holds a guard of it.
    fn with_fields_mut(&self, action: &'static str, f: &mut dyn FnMut(&mut dyn DynModel) -> Result<()>) -> Result<()>;
    /// Write back values that a rollback restores with `write_back`, unless this thread holds
    /// a guard of the object (only `close` and dropping a session get here with one:
    /// `rollback` refuses first): then the fields keep their current values and the object is
    /// expired, so the next read of its row replaces them. Never waits for a guard of this
    /// thread.
    fn restore_with(&self, write_back: &mut dyn FnMut(&mut dyn DynModel));
    /// A key given by its values, formatted as the model's key type formats it (for errors).
    fn key_debug(&self, values: &[Value]) -> String;
    /// Run the model's listeners of `event` on the fields (`before`: before the write,
    /// with the fields writable).
    fn run_listeners(
        &self,
        mapper: &MapperListeners,
        event: WriteEvent,
        before: bool,
        conn: &mut Connection,
    ) -> Result<()>;
    /// An empty part of the identity map, for objects of this object's model.
    fn new_model_objects(&self) -> Box<dyn ModelObjects>;
}

/// What the session does with a tracked object, compiled once for every model.
impl dyn Tracked + '_ {
    /// Set the state and owning session (leaving `Persistent` clears a pending delete).
    pub(crate) fn set_state(&self, state: ObjectState, session: u64) {
        self.meta().set_state(state, session);
    }

    /// Set the state only.
    pub(crate) fn mark(&self, state: ObjectState) {
        self.meta().state = state;
    }

    /// Whether the object is marked for deletion at the next flush.
    pub(crate) fn is_delete_pending(&self) -> bool {
        self.meta().delete_pending
    }

    /// Mark the object for deletion at the next flush, or not.
    pub(crate) fn set_delete_pending(&self, on: bool) {
        self.meta().delete_pending = on;
    }

    /// Whether the object may have unflushed changes.
    pub(crate) fn is_touched(&self) -> bool {
        self.touched_flag().load(Ordering::Acquire)
    }

    /// Mark the object expired (see [`Obj::is_expired`](crate::session::Obj::is_expired)).
    pub(crate) fn expire(&self) {
        self.expired_flag().store(true, Ordering::Release);
    }

    /// The object's state and owning session.
    pub(crate) fn state_and_session(&self) -> (ObjectState, u64) {
        let m = self.meta();
        (m.state, m.session)
    }

    /// The value of column `idx`.
    pub(crate) fn value_of(&self, idx: usize) -> Value {
        let mut value = Value::Null;
        self.with_fields(&mut |data| value = data.value_at(idx));
        value
    }

    /// Set column `idx` as a write would (the change is tracked); returns whether it changed.
    pub(crate) fn set_tracked(&self, idx: usize, value: &Value) -> Result<bool> {
        if self.value_of(idx) == *value {
            return Ok(false);
        }
        {
            let mut meta = self.meta();
            if meta.state == ObjectState::Persistent && meta.snapshot.is_none() {
                self.with_fields(&mut |data| meta.snapshot = Some(data.snapshot_boxed()));
            }
            self.touched_flag().store(true, Ordering::Release);
        }
        self.with_fields_mut("written", &mut |data| data.set_value_at(idx, value))?;
        Ok(true)
    }

    /// Run the model's validators over what the next flush writes of this object: every
    /// column of a pending object, the changed columns of a persistent one.
    pub(crate) fn validate(&self) -> Result<()> {
        if !self.has_validators() {
            return Ok(());
        }
        let all = ColumnMask::all(self.table().columns.len());
        let touched = self.is_touched();
        let mut result = Ok(());
        self.with_fields(&mut |data| {
            let meta = self.meta();
            let columns = match (meta.state, meta.snapshot.as_deref()) {
                (ObjectState::Pending | ObjectState::Transient, _) => all,
                (_, Some(snapshot)) => data.changed_since(snapshot),
                (_, None) if touched => all,
                (_, None) => ColumnMask::EMPTY,
            };
            drop(meta);
            result = data.validate_at(columns);
        });
        result
    }

    /// Throw away unflushed changes: the fields take their snapshot values again.
    pub(crate) fn revert_unflushed(&self) {
        if self.touched_flag().swap(false, Ordering::AcqRel) {
            let snapshot = self.meta().snapshot.take();
            if let Some(old) = snapshot {
                self.put_back(old);
            }
        }
    }

    /// The fields take the values of `old` (a snapshot of this object), as a rollback
    /// restores them ([`Tracked::restore_with`]).
    fn put_back(&self, old: Box<dyn DynModel>) {
        let mut old = Some(old);
        self.restore_with(&mut |data| {
            if let Some(old) = old.take() {
                data.assign_from(old);
            }
        });
    }

    /// The values of the object's key: the key the row has in the database (from the
    /// snapshot, if one was taken) with `stored`, else the key the fields hold now.
    pub(crate) fn key_values(&self, stored: bool) -> Vec<Value> {
        let meta = self.meta();
        match meta.snapshot.as_deref() {
            Some(s) if stored => s.key_values_now(),
            _ => {
                let mut key = Vec::new();
                self.with_fields(&mut |data| key = data.key_values_now());
                key
            }
        }
    }

    /// Column `idx` as the database has it (from the snapshot, if one was taken).
    pub(crate) fn stored_value(&self, idx: usize) -> Value {
        let meta = self.meta();
        match meta.snapshot.as_deref() {
            Some(s) => s.value_at(idx),
            None => self.value_of(idx),
        }
    }

    /// What an UPDATE writes: the columns that differ from the snapshot (every non-key
    /// column when none was taken: written while detached). When none changed, the snapshot
    /// is dropped and `None` returned.
    pub(crate) fn changed_columns(&self) -> Option<ColumnMask> {
        let table = self.table();
        let mut changed = ColumnMask::EMPTY;
        self.with_fields(&mut |data| {
            let meta = self.meta();
            changed = match meta.snapshot.as_deref() {
                Some(snapshot) => data.changed_since(snapshot),
                // Written while detached: what changed is unknown, so every non-key column
                // is written.
                None => {
                    let mut all = ColumnMask::EMPTY;
                    for c in table.columns.iter().filter(|c| !c.primary_key) {
                        all.insert(c.index);
                    }
                    all
                }
            };
        });
        if changed.is_empty() {
            self.meta().snapshot = None;
            return None;
        }
        Some(changed)
    }

    /// Take the snapshot of loaded values (to put back if the flush is rolled back).
    pub(crate) fn take_snapshot(&self) -> Option<Box<dyn DynModel>> {
        self.meta().snapshot.take()
    }

    /// Undo an UPDATE in memory: the fields take `snapshot` (as taken by
    /// [`take_snapshot`](Self::take_snapshot)) again, and the object has no unflushed changes.
    pub(crate) fn restore_snapshot(&self, snapshot: Option<Box<dyn DynModel>>) {
        if let Some(old) = snapshot {
            self.put_back(old);
        }
        self.meta().snapshot = None;
        self.touched_flag().store(false, Ordering::Release);
    }

    /// Write back `values` (column, value) that a rollback restores.
    pub(crate) fn restore_values(&self, values: &[(usize, Value)]) {
        if !values.is_empty() {
            self.restore_with(&mut |data| {
                for (idx, v) in values {
                    // The value was read from this very field: it converts back.
                    let _ = data.set_value_at(*idx, v);
                }
            });
        }
    }

    /// The object's INSERT or UPDATE is written: no snapshot, no unflushed changes (and
    /// `state`, if given).
    pub(crate) fn settle(&self, state: Option<ObjectState>) {
        {
            let mut meta = self.meta();
            if let Some(state) = state {
                meta.state = state;
            }
            meta.snapshot = None;
        }
        self.touched_flag().store(false, Ordering::Release);
    }
}

/// One model's part of the identity map, behind an erased interface.
pub(crate) trait ModelObjects: Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Objects whose fields may have changed (and are not marked for deletion).
    fn touched(&self, out: &mut Vec<Arc<dyn Tracked>>);
    /// Call `f` on every object held.
    fn visit(&self, f: &mut dyn FnMut(&dyn Tracked));
    fn clear(&mut self);
    /// Room for `n` more objects.
    fn reserve(&mut self, n: usize);
    /// Register `obj` (an object of this model) under the key its fields hold.
    fn insert_current(&mut self, obj: Arc<dyn Tracked>);
    /// Register `obj` under the key given by `key`'s values.
    fn insert_at(&mut self, obj: Arc<dyn Tracked>, key: &[Value]);
    /// Forget the object under the key given by `key`'s values.
    fn remove_at(&mut self, key: &[Value]);
    /// Forget `obj`: looked up under the key its fields hold, else among all objects.
    fn remove_object(&mut self, obj: &dyn Tracked);
}

/// Which way a [`RelationLink`] points from the object that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkDirection {
    /// To a child (the foreign key is on the other object).
    ToChild,
    /// To the parent (the foreign key is on this object).
    ToParent,
    /// Through an association table (many-to-many): a row of it links the two.
    Association,
}

/// One related object held by a relationship field, as the flush sees it.
pub struct RelationLink {
    pub(crate) other: Arc<dyn Tracked>,
    /// The foreign key (for an association: the association's column to the other object).
    pub(crate) fk: &'static ColumnDef,
    pub(crate) direction: LinkDirection,
    pub(crate) delete_orphan: bool,
    /// For an association: its table, and its column referring to this object.
    pub(crate) assoc: Option<(&'static TableDef, &'static ColumnDef)>,
}

impl std::fmt::Debug for RelationLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelationLink").field("fk", &self.fk.name).field("direction", &self.direction).finish()
    }
}
