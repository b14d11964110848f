//! Mapper events: typed listeners a flush runs around each INSERT, UPDATE and DELETE of an
//! object of one model.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::backend::Connection;
use crate::error::Result;
use crate::model::Model;

/// The write a mapper listener runs around.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteEvent {
    /// The INSERT of a new object.
    Insert,
    /// The UPDATE of a changed object.
    Update,
    /// The DELETE of an object.
    Delete,
}

impl WriteEvent {
    fn index(self) -> usize {
        match self {
            WriteEvent::Insert => 0,
            WriteEvent::Update => 1,
            WriteEvent::Delete => 2,
        }
    }
}

/// A listener run before a write; it may change the object (see [`Session::before_write`]).
///
/// [`Session::before_write`]: crate::session::Session::before_write
pub type BeforeWrite<M> = Arc<dyn Fn(&mut Connection, &mut M) -> Result<()> + Send + Sync>;

/// A listener run after a write (see [`Session::after_write`]).
///
/// [`Session::after_write`]: crate::session::Session::after_write
pub type AfterWrite<M> = Arc<dyn Fn(&mut Connection, &M) -> Result<()> + Send + Sync>;

/// One model's listeners.
struct ModelListeners<M: Model> {
    before: [Vec<BeforeWrite<M>>; 3],
    after: [Vec<AfterWrite<M>>; 3],
}

impl<M: Model> Clone for ModelListeners<M> {
    fn clone(&self) -> Self {
        ModelListeners { before: self.before.clone(), after: self.after.clone() }
    }
}

impl<M: Model> Default for ModelListeners<M> {
    fn default() -> Self {
        ModelListeners { before: Default::default(), after: Default::default() }
    }
}

/// Every model's listeners (cheap to clone: copied only when one is added).
#[derive(Clone, Default)]
pub(crate) struct MapperListeners {
    by_model: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    /// Events (by index) that some model has a before-listener for.
    any_before: [bool; 3],
}

impl std::fmt::Debug for MapperListeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapperListeners").field("models", &self.by_model.len()).finish()
    }
}

impl MapperListeners {
    fn model<M: Model>(&self) -> Option<&ModelListeners<M>> {
        self.by_model.get(&TypeId::of::<M>()).and_then(|l| l.downcast_ref())
    }

    fn update<M: Model>(&mut self, change: impl FnOnce(&mut ModelListeners<M>)) {
        let mut listeners = self.model::<M>().cloned().unwrap_or_default();
        change(&mut listeners);
        self.by_model.insert(TypeId::of::<M>(), Arc::new(listeners));
    }

    pub(crate) fn add_before<M: Model>(&mut self, event: WriteEvent, listener: BeforeWrite<M>) {
        self.update::<M>(|l| l.before[event.index()].push(listener));
        self.any_before[event.index()] = true;
    }

    pub(crate) fn add_after<M: Model>(&mut self, event: WriteEvent, listener: AfterWrite<M>) {
        self.update::<M>(|l| l.after[event.index()].push(listener));
    }

    /// Whether any model has listeners before `event` (they get the object's fields to write).
    pub(crate) fn has_any_before(&self, event: WriteEvent) -> bool {
        self.any_before[event.index()]
    }

    /// Whether the model of type `model` has listeners before `event`.
    pub(crate) fn has_before_of(&self, model: TypeId, event: WriteEvent) -> bool {
        self.any_before[event.index()] && self.by_model.contains_key(&model)
    }

    /// Whether the model of type `model` may have listeners after `event` (it has some
    /// listener: the typed check follows).
    pub(crate) fn has_after_of(&self, model: TypeId, event: WriteEvent) -> bool {
        let _ = event;
        self.by_model.contains_key(&model)
    }

    /// Whether `M` has listeners before `event`.
    pub(crate) fn has_before<M: Model>(&self, event: WriteEvent) -> bool {
        self.model::<M>().is_some_and(|l| !l.before[event.index()].is_empty())
    }

    /// Whether `M` has listeners after `event`.
    pub(crate) fn has_after<M: Model>(&self, event: WriteEvent) -> bool {
        self.model::<M>().is_some_and(|l| !l.after[event.index()].is_empty())
    }

    /// Run the listeners before `event` on `obj`.
    pub(crate) fn before<M: Model>(&self, event: WriteEvent, conn: &mut Connection, obj: &mut M) -> Result<()> {
        if let Some(l) = self.model::<M>() {
            for listener in &l.before[event.index()] {
                listener(conn, obj)?;
            }
        }
        Ok(())
    }

    /// Run the listeners after `event` on `obj`.
    pub(crate) fn after<M: Model>(&self, event: WriteEvent, conn: &mut Connection, obj: &M) -> Result<()> {
        if let Some(l) = self.model::<M>() {
            for listener in &l.after[event.index()] {
                listener(conn, obj)?;
            }
        }
        Ok(())
    }
}
