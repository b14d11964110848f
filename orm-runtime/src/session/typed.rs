//! The typed (per-model) side of the session's erased structures: what is compiled once per
//! model. `impl Tracked for ObjCell<M>` (the accessors of one object that must know its
//! model), one model's part of the identity map (`TypedMap<K>`, generic over the key type
//! only, and its typed view `ModelMap`) and the typed lookups of [`IdentityMap`]. Above `mapper.rs` (these need [`Mapper`]), so that the erased
//! `identity_map.rs` and `unit_of_work.rs` stay below `session.rs`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, MutexGuard};

use crate::backend::Connection;
use crate::error::Result;
use crate::model::{DynModel, Model};
use crate::schema::TableDef;
use crate::session::borrows::{self, Borrow};
use crate::session::identity_map::IdentityMap;
use crate::session::mapper::Mapper;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::{Meta, Obj, ObjCell};
use crate::session::tracked::{ModelObjects, RelationLink, Tracked};
use crate::types::Value;

/// Keys are hashed with foldhash: several times faster than SipHash on the integer keys
/// most models have, and still seeded per map.
type KeyMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One model's objects, by key (of type `K`). The objects are held erased, so that the map's
/// code is compiled once per key type (most models share `i64`), not once per model.
pub(crate) struct TypedMap<K> {
    map: KeyMap<K, Arc<dyn Tracked>>,
    /// The model's [`Model::key_from_values`](crate::model::Model::key_from_values).
    key_of: fn(&[Value]) -> Result<K>,
    /// The key an object of the model holds now (`None`: not an object of the model).
    key_now: fn(&dyn Tracked) -> Option<K>,
}

impl<K: Hash + Eq + Send + 'static> TypedMap<K> {
    /// An empty map of model `M`'s objects.
    pub(crate) fn new<M: Mapper<Key = K>>() -> Self {
        TypedMap {
            map: KeyMap::default(),
            key_of: M::key_from_values,
            key_now: |obj| obj.as_any().downcast_ref::<ObjCell<M>>().map(|c| c.data().key()),
        }
    }
}

/// `obj` as an object of model `M` (the typed entry points are only given such).
fn cell<M: Mapper>(obj: Arc<dyn Tracked>) -> Option<Arc<ObjCell<M>>> {
    obj.into_any().downcast::<ObjCell<M>>().ok()
}

impl<K: Hash + Eq + Send + 'static> ModelObjects for TypedMap<K> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn touched(&self, out: &mut Vec<Arc<dyn Tracked>>) {
        out.extend(self.map.values().filter(|c| c.is_touched() && !c.is_delete_pending()).cloned());
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
        if let Some(key) = (self.key_now)(&*obj) {
            self.map.insert(key, obj);
        }
    }
    fn insert_at(&mut self, obj: Arc<dyn Tracked>, key: &[Value]) {
        if let Ok(key) = (self.key_of)(key) {
            self.map.insert(key, obj);
        }
    }
    fn remove_at(&mut self, key: &[Value]) {
        if let Ok(key) = (self.key_of)(key) {
            self.map.remove(&key);
        }
    }
    fn remove_object(&mut self, obj: &dyn Tracked) {
        let addr = obj.addr();
        let key = (self.key_now)(obj);
        match key {
            Some(key) if self.map.get(&key).is_some_and(|c| c.addr() == addr) => {
                self.map.remove(&key);
            }
            // Its key was written since it was registered: found by address.
            _ => self.map.retain(|_, c| c.addr() != addr),
        }
    }
}

impl IdentityMap {
    fn typed<M: Mapper>(&self) -> Option<&TypedMap<M::Key>> {
        self.maps.get(&TypeId::of::<M>()).and_then(|m| m.as_any().downcast_ref())
    }

    fn typed_mut<M: Mapper>(&mut self) -> &mut TypedMap<M::Key> {
        let entry = self.maps.entry(TypeId::of::<M>()).or_insert_with(|| Box::new(TypedMap::new::<M>()));
        match entry.as_any_mut().downcast_mut::<TypedMap<M::Key>>() {
            Some(m) => m,
            None => unreachable!("identity map entries are keyed by their own TypeId"),
        }
    }

    /// The object with this key, if the session holds it.
    pub(crate) fn get<M: Mapper>(&self, key: &M::Key) -> Option<Obj<M>> {
        self.typed::<M>().and_then(|m| m.map.get(key)).and_then(|c| cell::<M>(c.clone())).map(Obj)
    }

    /// Register an object of model `M` under its key.
    pub(crate) fn insert<M: Mapper>(&mut self, key: M::Key, cell: Arc<dyn Tracked>) {
        self.typed_mut::<M>().map.insert(key, cell);
    }

    /// Model `M`'s part of the map, for loops that register many objects.
    pub(crate) fn model<M: Mapper>(&mut self) -> ModelMap<'_, M> {
        ModelMap(self.typed_mut::<M>())
    }

    /// Forget the object under this key.
    pub(crate) fn remove<M: Mapper>(&mut self, key: &M::Key) -> Option<Arc<dyn Tracked>> {
        self.typed_mut::<M>().map.remove(key)
    }

    /// This model's objects whose fields were written since loaded or flushed (and that are
    /// not marked for deletion).
    pub(crate) fn touched_of<M: Mapper>(&self) -> Vec<Obj<M>> {
        self.typed::<M>()
            .map(|m| {
                m.map
                    .values()
                    .filter(|c| c.is_touched() && !c.is_delete_pending())
                    .filter_map(|c| cell::<M>(c.clone()))
                    .map(Obj)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One model's objects (see [`IdentityMap::model`]).
pub(crate) struct ModelMap<'a, M: Mapper>(&'a mut TypedMap<M::Key>);

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
            std::collections::hash_map::Entry::Occupied(mut e) => match cell::<M>(e.get().clone()) {
                Some(cell) => {
                    if locked && !cell.touched.load(Ordering::Acquire) {
                        cell.expired.store(true, Ordering::Release);
                    }
                    cell.refresh_if_expired(value);
                    Obj(cell)
                }
                // Never: the map holds objects of its own model only.
                None => {
                    let obj = Obj::loaded(value, session);
                    e.insert(obj.0.clone());
                    obj
                }
            },
            std::collections::hash_map::Entry::Vacant(e) => {
                let obj = Obj::loaded(value, session);
                e.insert(obj.0.clone());
                obj
            }
        }
    }
}

impl<M: Mapper> ModelMap<'_, M> {
    /// [`ModelMap::adopt`] for a streamed row, telling whether the object is new to the map.
    pub(crate) fn adopt_streamed(&mut self, value: M, session: u64) -> (Obj<M>, bool) {
        let new = !self.0.map.contains_key(&value.key());
        (self.adopt(value, session), new)
    }

    /// Let go of `obj`, new to the map in this stream, if nothing holds it but the map and
    /// the caller's handle and it has no change to flush: it leaves the map, detached (what
    /// a weakly held identity map, as SQLAlchemy's, does for an object nobody references).
    pub(crate) fn release_unused(&mut self, obj: &Obj<M>) {
        let held_elsewhere = Arc::strong_count(&obj.0) > 2;
        if held_elsewhere || obj.0.touched.load(Ordering::Acquire) || obj.0.meta().delete_pending {
            return;
        }
        let key = obj.0.meta().snapshot_of::<M>().map(Model::key).unwrap_or_else(|| obj.read().key());
        self.0.map.remove(&key);
        obj.0.tracked().set_state(crate::session::ObjectState::Detached, 0);
    }
}

impl<M: Mapper> ObjCell<M> {
    /// The object as the session's erased form (what it does with an object is there).
    pub(crate) fn tracked(&self) -> &dyn Tracked {
        self
    }
}

/// The per-model part of the unit of work: the accessors that must know the model. What the
/// session does with an object is written once, on `dyn Tracked` (in `tracked.rs`).
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

    fn meta(&self) -> MutexGuard<'_, Meta> {
        ObjCell::meta(self)
    }

    fn touched_flag(&self) -> &AtomicBool {
        &self.touched
    }

    fn expired_flag(&self) -> &AtomicBool {
        &self.expired
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn has_validators(&self) -> bool {
        M::HAS_VALIDATORS
    }

    fn has_relations(&self) -> bool {
        M::HAS_RELATIONS
    }

    fn links(&self) -> (Vec<RelationLink>, Option<Vec<RelationLink>>) {
        let mut now = Vec::new();
        self.data().relation_links(&mut now);
        let meta = ObjCell::meta(self);
        let before = meta.snapshot.as_deref().map(|s| {
            let mut before = Vec::new();
            let s: &dyn Any = s;
            if let Some(s) = s.downcast_ref::<M>() {
                s.relation_links(&mut before);
            }
            before
        });
        (now, before)
    }

    fn check_borrow(&self, needs: Borrow, action: &'static str) -> Result<()> {
        ObjCell::check_borrow(self, needs, action)
    }

    fn with_fields(&self, f: &mut dyn FnMut(&dyn DynModel)) {
        f(&*self.data())
    }

    fn with_fields_mut(&self, action: &'static str, f: &mut dyn FnMut(&mut dyn DynModel) -> Result<()>) -> Result<()> {
        f(&mut *self.data_mut_now(action)?)
    }

    fn restore_with(&self, write_back: &mut dyn FnMut(&mut dyn DynModel)) {
        if borrows::held(self.address()).is_some() {
            self.expired.store(true, Ordering::Release);
            return;
        }
        write_back(&mut *self.data_mut());
    }

    fn key_debug(&self, values: &[Value]) -> String {
        match M::key_from_values(values) {
            Ok(key) => format!("{key:?}"),
            Err(_) => format!("{values:?}"),
        }
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
        Box::new(TypedMap::new::<M>())
    }
}
