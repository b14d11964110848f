//! What the session tracks, erased: an object of any model behind [`Tracked`], one model's
//! part of the identity map behind [`ModelObjects`], and the links between objects that a
//! flush follows ([`RelationLink`]).
//!
//! This is the bottom of `session/`: it names objects, borrows and mapper events only, so
//! every other file of the session may use it. The unit of work works on these erased forms
//! and is compiled once; per model, only the small accessors of `impl Tracked for
//! ObjCell<M>` (beside the unit of work) and of `ModelObjects for TypedMap<M>` (in the
//! identity map) are generic.

use std::any::{Any, TypeId};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::backend::Connection;
use crate::error::Result;
use crate::model::{ColumnMask, DynModel};
use crate::schema::{ColumnDef, TableDef};
use crate::session::borrows::Borrow;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::ObjectState;
use crate::types::Value;

/// A tracked object of any model, as the session sees it.
pub(crate) trait Tracked: Send + Sync {
    /// The model's table.
    fn table(&self) -> &'static TableDef;
    /// The model's type: which part of the identity map holds the object.
    fn model(&self) -> TypeId;
    /// The object's address, to recognise it in lists.
    fn addr(&self) -> usize;
    /// Set the state and owning session (leaving `Persistent` clears a pending delete).
    fn set_state(&self, state: ObjectState, session: u64);
    /// Set the state only.
    fn mark(&self, state: ObjectState);
    fn is_delete_pending(&self) -> bool;
    fn set_delete_pending(&self, on: bool);
    /// Whether the object may have unflushed changes.
    fn is_touched(&self) -> bool;
    /// The "may have unflushed changes" flag itself.
    fn touched_flag(&self) -> &AtomicBool;
    /// Mark the object expired (see [`Obj::is_expired`](crate::session::Obj::is_expired)).
    fn expire(&self);
    /// The object as `Any`, to recover its concrete type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// Throw away unflushed changes: the fields take their snapshot values again.
    fn revert_unflushed(&self);
    /// The object's state and owning session.
    fn state_and_session(&self) -> (ObjectState, u64);
    /// The related objects held now, and those held when it was loaded or last flushed
    /// (`None` when the object has not been written since: then nothing changed).
    fn links(&self) -> (Vec<RelationLink>, Option<Vec<RelationLink>>);
    /// The value of column `idx`.
    fn value_of(&self, idx: usize) -> Value;
    /// Set column `idx` as a write would (the change is tracked); returns whether it changed.
    fn set_tracked(&self, idx: usize, value: &Value) -> Result<bool>;
    /// Run the model's validators over what the next flush writes of this object: every
    /// column of a pending object, the changed columns of a persistent one.
    fn validate(&self) -> Result<()>;
    /// [`Error::ObjectBorrowed`](crate::Error::ObjectBorrowed) when reading (`needs` Read)
    /// or writing (`needs` Write) the fields would wait for a guard of the calling thread.
    fn check_borrow(&self, needs: Borrow, action: &'static str) -> Result<()>;

    /// Read the fields through the model's codec.
    fn with_fields(&self, f: &mut dyn FnMut(&dyn DynModel));
    /// Write the fields through the model's codec (the change is not tracked);
    /// [`Error::ObjectBorrowed`](crate::Error::ObjectBorrowed), the object cannot be
    /// `action`, when this thread holds a guard of it.
    fn with_fields_mut(&self, action: &'static str, f: &mut dyn FnMut(&mut dyn DynModel) -> Result<()>) -> Result<()>;
    /// The values of the object's key: the key the row has in the database (from the
    /// snapshot, if one was taken) with `stored`, else the key the fields hold now.
    fn key_values(&self, stored: bool) -> Vec<Value>;
    /// A key given by its values, formatted as the model's key type formats it (for errors).
    fn key_debug(&self, values: &[Value]) -> String;
    /// Column `idx` as the database has it (from the snapshot, if one was taken).
    fn stored_value(&self, idx: usize) -> Value;
    /// What an UPDATE writes: the columns that differ from the snapshot (every non-key
    /// column when none was taken: written while detached). When none changed, the snapshot
    /// is dropped and `None` returned.
    fn changed_columns(&self) -> Option<ColumnMask>;
    /// Take the snapshot of loaded values (to put back if the flush is rolled back).
    fn take_snapshot(&self) -> Option<Box<dyn Any + Send>>;
    /// Undo an UPDATE in memory: the fields take `snapshot` (as taken by
    /// [`take_snapshot`](Tracked::take_snapshot)) again, and the object has no unflushed changes.
    fn restore_snapshot(&self, snapshot: Option<Box<dyn Any + Send>>);
    /// Write back `values` (column, value) that a rollback restores.
    fn restore_values(&self, values: &[(usize, Value)]);
    /// The object's INSERT or UPDATE is written: no snapshot, no unflushed changes (and
    /// `state`, if given).
    fn settle(&self, state: Option<ObjectState>);
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
