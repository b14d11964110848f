//! The identity map: within one session, one row is one object.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::session::mapper::Mapper;
use crate::session::object::{Obj, ObjCell};
use crate::session::tracked::{ModelObjects, Tracked};
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

/// Persistent objects of one session, by model and primary key.
#[derive(Default)]
pub(crate) struct IdentityMap {
    /// Looked up on every registration: foldhash, as for the keys.
    maps: HashMap<TypeId, Box<dyn ModelObjects>, foldhash::fast::RandomState>,
}

impl std::fmt::Debug for IdentityMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityMap").field("models", &self.maps.len()).finish()
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

    /// Objects whose fields may have changed (and are not marked for deletion).
    pub(crate) fn touched(&self) -> Vec<Arc<dyn Tracked>> {
        let mut out = Vec::new();
        for m in self.maps.values() {
            m.touched(&mut out);
        }
        out
    }

    /// Call `f` on every object held.
    pub(crate) fn visit(&self, mut f: impl FnMut(&dyn Tracked)) {
        for m in self.maps.values() {
            m.visit(&mut f);
        }
    }

    /// The part of the map for `obj`'s model.
    fn objects_of(&mut self, obj: &dyn Tracked) -> &mut dyn ModelObjects {
        &mut **self.maps.entry(obj.model()).or_insert_with(|| obj.new_model_objects())
    }

    /// Room for `n` more objects of `obj`'s model (a flush about to register them).
    pub(crate) fn reserve_for(&mut self, obj: &dyn Tracked, n: usize) {
        self.objects_of(obj).reserve(n);
    }

    /// Register `obj` under the key its fields hold.
    pub(crate) fn insert_object(&mut self, obj: &Arc<dyn Tracked>) {
        self.objects_of(&**obj).insert_current(obj.clone());
    }

    /// Register `obj` under the key given by `key`'s values.
    pub(crate) fn insert_object_at(&mut self, obj: &Arc<dyn Tracked>, key: &[Value]) {
        self.objects_of(&**obj).insert_at(obj.clone(), key);
    }

    /// Forget the object of `obj`'s model under the key given by `key`'s values.
    pub(crate) fn remove_key_of(&mut self, obj: &dyn Tracked, key: &[Value]) {
        if let Some(m) = self.maps.get_mut(&obj.model()) {
            m.remove_at(key);
        }
    }

    /// Forget `obj` (registered under the key its fields held then).
    pub(crate) fn remove_object(&mut self, obj: &dyn Tracked) {
        if let Some(m) = self.maps.get_mut(&obj.model()) {
            m.remove_object(obj);
        }
    }

    /// Forget everything.
    pub(crate) fn clear(&mut self) {
        for m in self.maps.values_mut() {
            m.clear();
        }
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
