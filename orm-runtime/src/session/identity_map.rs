//! The identity map: within one session, one row is one object.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Model;
use crate::session::object::{Obj, ObjCell};
use crate::session::unit_of_work::Tracked;

trait AnyMap: Send {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn objects(&self, out: &mut Vec<Arc<dyn Tracked>>);
    fn clear(&mut self);
}

struct TypedMap<M: Model> {
    map: HashMap<M::Key, Arc<ObjCell<M>>>,
}

impl<M: Model> AnyMap for TypedMap<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn objects(&self, out: &mut Vec<Arc<dyn Tracked>>) {
        out.extend(self.map.values().map(|c| c.clone() as Arc<dyn Tracked>));
    }
    fn clear(&mut self) {
        self.map.clear();
    }
}

/// Persistent objects of one session, by model and primary key.
#[derive(Default)]
pub(crate) struct IdentityMap {
    maps: HashMap<TypeId, Box<dyn AnyMap>>,
}

impl std::fmt::Debug for IdentityMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityMap").field("models", &self.maps.len()).finish()
    }
}

impl IdentityMap {
    fn typed<M: Model>(&self) -> Option<&TypedMap<M>> {
        self.maps.get(&TypeId::of::<M>()).and_then(|m| m.as_any().downcast_ref())
    }

    fn typed_mut<M: Model>(&mut self) -> &mut TypedMap<M> {
        let entry =
            self.maps.entry(TypeId::of::<M>()).or_insert_with(|| Box::new(TypedMap::<M> { map: HashMap::new() }));
        match entry.as_any_mut().downcast_mut::<TypedMap<M>>() {
            Some(m) => m,
            None => unreachable!("identity map entries are keyed by their own TypeId"),
        }
    }

    /// The object with this key, if the session holds it.
    pub(crate) fn get<M: Model>(&self, key: &M::Key) -> Option<Obj<M>> {
        self.typed::<M>().and_then(|m| m.map.get(key)).map(|c| Obj(c.clone()))
    }

    /// Register an object under its key; returns the object already there, if any.
    pub(crate) fn insert<M: Model>(&mut self, key: M::Key, cell: Arc<ObjCell<M>>) -> Option<Arc<ObjCell<M>>> {
        self.typed_mut::<M>().map.insert(key, cell)
    }

    /// Forget the object under this key.
    pub(crate) fn remove<M: Model>(&mut self, key: &M::Key) -> Option<Arc<ObjCell<M>>> {
        self.typed_mut::<M>().map.remove(key)
    }

    /// Every object held.
    pub(crate) fn objects(&self) -> Vec<Arc<dyn Tracked>> {
        let mut out = Vec::new();
        for m in self.maps.values() {
            m.objects(&mut out);
        }
        out
    }

    /// Forget everything.
    pub(crate) fn clear(&mut self) {
        for m in self.maps.values_mut() {
            m.clear();
        }
    }
}
