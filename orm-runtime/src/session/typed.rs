//! The typed (per-model) side of the session's erased structures: what is compiled once per
//! model. `impl Tracked for ObjCell<M>` (the unit of work's accessors of one object), one
//! model's part of the identity map (`TypedMap`, `ModelMap`) and the typed lookups of
//! [`IdentityMap`]. Above `mapper.rs` (these need [`Mapper`]), so that the erased
//! `identity_map.rs` and `unit_of_work.rs` stay below `session.rs`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::backend::Connection;
use crate::error::Result;
use crate::model::{ColumnMask, DynModel};
use crate::schema::TableDef;
use crate::session::borrows::Borrow;
use crate::session::identity_map::IdentityMap;
use crate::session::mapper::Mapper;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::{Obj, ObjCell, ObjectState};
use crate::session::tracked::{ModelObjects, RelationLink, Tracked};
use crate::types::Value;

/// Keys are hashed with foldhash: several times faster than SipHash on the integer keys
/// most models have, and still seeded per map.
type KeyMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One model's objects, by key.
pub(crate) struct TypedMap<M: Mapper> {
    map: KeyMap<M::Key, Arc<ObjCell<M>>>,
}

impl<M: Mapper> TypedMap<M> {
    /// An empty map.
    pub(crate) fn new() -> Self {
        TypedMap { map: KeyMap::default() }
    }

    /// `obj` as an object of this model (the erased entry points are only given such).
    fn cell(obj: Arc<dyn Tracked>) -> Option<Arc<ObjCell<M>>> {
        obj.into_any().downcast::<ObjCell<M>>().ok()
    }
}

impl<M: Mapper> ModelObjects for TypedMap<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn touched(&self, out: &mut Vec<Arc<dyn Tracked>>) {
        out.extend(
            self.map
                .values()
                .filter(|c| c.is_touched() && !c.is_delete_pending())
                .map(|c| c.clone() as Arc<dyn Tracked>),
        );
    }
    fn visit(&self, f: &mut dyn FnMut(&dyn Tracked)) {
        for c in self.map.values() {
            f(&**c);
        }
    }
    fn clear(&mut self) {
        self.map.clear();
    }
    fn reserve(&mut self, n: usize) {
        self.map.reserve(n);
    }
    fn insert_current(&mut self, obj: Arc<dyn Tracked>) {
        if let Some(cell) = Self::cell(obj) {
            let key = cell.data().key();
            self.map.insert(key, cell);
        }
    }
    fn insert_at(&mut self, obj: Arc<dyn Tracked>, key: &[Value]) {
        if let (Some(cell), Ok(key)) = (Self::cell(obj), M::key_from_values(key)) {
            self.map.insert(key, cell);
        }
    }
    fn remove_at(&mut self, key: &[Value]) {
        if let Ok(key) = M::key_from_values(key) {
            self.map.remove(&key);
        }
    }
    fn remove_object(&mut self, obj: &dyn Tracked) {
        let addr = obj.addr();
        let key = M::key_from_values(&obj.key_values(false)).ok();
        match key {
            Some(key) if self.map.get(&key).is_some_and(|c| c.address() == addr) => {
                self.map.remove(&key);
            }
            // Its key was written since it was registered: found by address.
            _ => self.map.retain(|_, c| c.address() != addr),
        }
    }
}

impl IdentityMap {
    fn typed<M: Mapper>(&self) -> Option<&TypedMap<M>> {
        self.maps.get(&TypeId::of::<M>()).and_then(|m| m.as_any().downcast_ref())
    }

    fn typed_mut<M: Mapper>(&mut self) -> &mut TypedMap<M> {
        let entry = self.maps.entry(TypeId::of::<M>()).or_insert_with(|| Box::new(TypedMap::<M>::new()));
        match entry.as_any_mut().downcast_mut::<TypedMap<M>>() {
            Some(m) => m,
            None => unreachable!("identity map entries are keyed by their own TypeId"),
        }
    }

    /// The object with this key, if the session holds it.
    pub(crate) fn get<M: Mapper>(&self, key: &M::Key) -> Option<Obj<M>> {
        self.typed::<M>().and_then(|m| m.map.get(key)).map(|c| Obj(c.clone()))
    }

    /// Register an object under its key; returns the object already there, if any.
    pub(crate) fn insert<M: Mapper>(&mut self, key: M::Key, cell: Arc<ObjCell<M>>) -> Option<Arc<ObjCell<M>>> {
        self.typed_mut::<M>().map.insert(key, cell)
    }

    /// Model `M`'s part of the map, for loops that register many objects.
    pub(crate) fn model<M: Mapper>(&mut self) -> ModelMap<'_, M> {
        ModelMap(self.typed_mut::<M>())
    }

    /// Forget the object under this key.
    pub(crate) fn remove<M: Mapper>(&mut self, key: &M::Key) -> Option<Arc<ObjCell<M>>> {
        self.typed_mut::<M>().map.remove(key)
    }

    /// This model's objects whose fields were written since loaded or flushed (and that are
    /// not marked for deletion).
    pub(crate) fn touched_of<M: Mapper>(&self) -> Vec<Obj<M>> {
        self.typed::<M>()
            .map(|m| {
                m.map.values().filter(|c| c.is_touched() && !c.is_delete_pending()).map(|c| Obj(c.clone())).collect()
            })
            .unwrap_or_default()
    }
}

/// One model's objects (see [`IdentityMap::model`]).
pub(crate) struct ModelMap<'a, M: Mapper>(&'a mut TypedMap<M>);

impl<M: Mapper> ModelMap<'_, M> {
    /// The session's object for a row just read: the one held under its key (refreshed
    /// with `value` if it is expired), or a new persistent object of session `session`.
    pub(crate) fn adopt(&mut self, value: M, session: u64) -> Obj<M> {
        self.adopt_read(value, session, false)
    }

    /// [`adopt`](Self::adopt) for a row read `locked` (`FOR UPDATE`): then an object the
    /// session holds takes the row's values even when it is not expired (unless it was
    /// written since, or a guard of it is alive), since a locking read is how a transaction
    /// gets the row's current state.
    pub(crate) fn adopt_read(&mut self, value: M, session: u64, locked: bool) -> Obj<M> {
        match self.0.map.entry(value.key()) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let cell = e.get().clone();
                if locked && !cell.is_touched() {
                    cell.expire();
                }
                cell.refresh_if_expired(value);
                Obj(cell)
            }
            std::collections::hash_map::Entry::Vacant(e) => Obj(e.insert(Obj::loaded(value, session).0).clone()),
        }
    }
}

/// The per-model part of the unit of work: small accessors over the object's fields,
/// snapshot and state. Everything else a flush does is in the functions below, compiled once.
impl<M: Mapper> Tracked for ObjCell<M> {
    fn table(&self) -> &'static TableDef {
        M::table()
    }

    fn model(&self) -> TypeId {
        TypeId::of::<M>()
    }

    fn addr(&self) -> usize {
        std::ptr::from_ref(self) as *const () as usize
    }

    fn set_state(&self, state: ObjectState, session: u64) {
        let mut m = self.meta();
        m.state = state;
        m.session = session;
        if state != ObjectState::Persistent {
            m.delete_pending = false;
        }
    }

    fn mark(&self, state: ObjectState) {
        self.meta().state = state;
    }

    fn is_delete_pending(&self) -> bool {
        self.meta().delete_pending
    }

    fn set_delete_pending(&self, on: bool) {
        self.meta().delete_pending = on;
    }

    fn is_touched(&self) -> bool {
        self.touched.load(Ordering::Acquire)
    }

    fn touched_flag(&self) -> &AtomicBool {
        &self.touched
    }

    fn expire(&self) {
        self.expired.store(true, Ordering::Release);
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn state_and_session(&self) -> (ObjectState, u64) {
        let m = self.meta();
        (m.state, m.session)
    }

    fn links(&self) -> (Vec<RelationLink>, Option<Vec<RelationLink>>) {
        let mut now = Vec::new();
        self.data().relation_links(&mut now);
        let before = self.meta().snapshot.as_ref().map(|s| {
            let mut before = Vec::new();
            s.relation_links(&mut before);
            before
        });
        (now, before)
    }

    fn value_of(&self, idx: usize) -> Value {
        self.data().column_value(idx)
    }

    fn set_tracked(&self, idx: usize, value: &Value) -> Result<bool> {
        if self.data().column_value(idx) == *value {
            return Ok(false);
        }
        {
            let mut meta = self.meta();
            if meta.state == ObjectState::Persistent && meta.snapshot.is_none() {
                meta.snapshot = Some(self.data().snapshot());
            }
            self.touched.store(true, Ordering::Release);
        }
        self.data_mut().set_column_value(idx, value)?;
        Ok(true)
    }

    fn validate(&self) -> Result<()> {
        if !M::HAS_VALIDATORS {
            return Ok(());
        }
        let table = M::table();
        let data = self.data();
        let meta = self.meta();
        let columns = match (meta.state, meta.snapshot.as_ref()) {
            (ObjectState::Pending | ObjectState::Transient, _) => ColumnMask::all(table.columns.len()),
            (_, Some(snapshot)) => data.changed_columns(snapshot),
            (_, None) if self.touched.load(Ordering::Acquire) => ColumnMask::all(table.columns.len()),
            (_, None) => ColumnMask::EMPTY,
        };
        drop(meta);
        data.validate(columns)
    }

    fn check_borrow(&self, needs: Borrow, action: &'static str) -> Result<()> {
        ObjCell::check_borrow(self, needs, action)
    }

    fn revert_unflushed(&self) {
        if self.touched.swap(false, Ordering::AcqRel) {
            let snapshot = self.meta().snapshot.take();
            if let Some(snapshot) = snapshot {
                self.restore(|data| *data = snapshot);
            }
        }
    }

    fn with_fields(&self, f: &mut dyn FnMut(&dyn DynModel)) {
        f(&*self.data())
    }

    fn with_fields_mut(&self, action: &'static str, f: &mut dyn FnMut(&mut dyn DynModel) -> Result<()>) -> Result<()> {
        f(&mut *self.data_mut_now(action)?)
    }

    fn key_values(&self, stored: bool) -> Vec<Value> {
        let key = match self.meta().snapshot.as_ref() {
            Some(s) if stored => s.key(),
            _ => self.data().key(),
        };
        M::key_values(&key)
    }

    fn key_debug(&self, values: &[Value]) -> String {
        match M::key_from_values(values) {
            Ok(key) => format!("{key:?}"),
            Err(_) => format!("{values:?}"),
        }
    }

    fn stored_value(&self, idx: usize) -> Value {
        match self.meta().snapshot.as_ref() {
            Some(s) => s.column_value(idx),
            None => self.data().column_value(idx),
        }
    }

    fn changed_columns(&self) -> Option<ColumnMask> {
        let changed = {
            let data = self.data();
            let meta = self.meta();
            match meta.snapshot.as_ref() {
                Some(snapshot) => data.changed_columns(snapshot),
                // Written while detached: what changed is unknown, so every non-key column
                // is written.
                None => {
                    let mut all = ColumnMask::EMPTY;
                    for c in M::table().columns.iter().filter(|c| !c.primary_key) {
                        all.insert(c.index);
                    }
                    all
                }
            }
        };
        if changed.is_empty() {
            self.meta().snapshot = None;
            return None;
        }
        Some(changed)
    }

    fn take_snapshot(&self) -> Option<Box<dyn Any + Send>> {
        self.meta().snapshot.take().map(|s| Box::new(s) as Box<dyn Any + Send>)
    }

    fn restore_snapshot(&self, snapshot: Option<Box<dyn Any + Send>>) {
        if let Some(old) = snapshot.and_then(|s| s.downcast::<M>().ok()) {
            self.restore(|data| *data = *old);
        }
        self.meta().snapshot = None;
        self.touched.store(false, Ordering::Release);
    }

    fn restore_values(&self, values: &[(usize, Value)]) {
        if !values.is_empty() {
            self.restore(|data| {
                for (idx, v) in values {
                    // The value was read from this very field: it converts back.
                    let _ = data.set_column_value(*idx, v);
                }
            });
        }
    }

    fn settle(&self, state: Option<ObjectState>) {
        {
            let mut meta = self.meta();
            if let Some(state) = state {
                meta.state = state;
            }
            meta.snapshot = None;
        }
        self.touched.store(false, Ordering::Release);
    }

    fn run_listeners(
        &self,
        mapper: &MapperListeners,
        event: WriteEvent,
        before: bool,
        conn: &mut Connection,
    ) -> Result<()> {
        if before {
            if !mapper.has_before::<M>(event) {
                return Ok(());
            }
            mapper.before::<M>(event, conn, &mut *self.data_mut_now("passed to a listener")?)
        } else {
            if !mapper.has_after::<M>(event) {
                return Ok(());
            }
            mapper.after::<M>(event, conn, &self.data())
        }
    }

    fn new_model_objects(&self) -> Box<dyn ModelObjects> {
        Box::new(TypedMap::<M>::new())
    }
}
