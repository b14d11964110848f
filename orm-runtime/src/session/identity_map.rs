//! The identity map: within one session, one row is one object.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

use crate::session::tracked::{ModelObjects, Tracked};
use crate::types::Value;

/// Persistent objects of one session, by model and primary key.
#[derive(Default)]
pub(crate) struct IdentityMap {
    /// Looked up on every registration: foldhash, as for the keys.
    pub(super) maps: HashMap<TypeId, Box<dyn ModelObjects>, foldhash::fast::RandomState>,
}

impl std::fmt::Debug for IdentityMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityMap").field("models", &self.maps.len()).finish()
    }
}

impl IdentityMap {
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
    pub(crate) fn objects_of(&mut self, obj: &dyn Tracked) -> &mut dyn ModelObjects {
        &mut **self.maps.entry(obj.model()).or_insert_with(|| obj.new_model_objects())
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
