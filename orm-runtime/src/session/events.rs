//! Session events: listeners run at flush, commit and rollback, registered on a session or
//! on a [`SessionFactory`](crate::session::SessionFactory) for every session it makes. The
//! vocabulary ([`SessionEvent`], [`SessionListener`](crate::session::SessionListener)) is in
//! `session.rs`, beside the `Session` that holds the listeners; registering and running them
//! is here.

use std::sync::Arc;

use crate::backend::Connection;
use crate::error::{Misuse, Result};
use crate::model::Model;
use crate::session::mapper_events::WriteEvent;
use crate::session::session::SessionEvent;
use crate::session::Session;

impl Session {
    /// Run `listener` at `event` for the rest of this session's life (see [`SessionEvent`]
    /// for when each runs and what an error does).
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::session::SessionEvent;
    /// # let engine = Engine::connect("sqlite::memory:").unwrap();
    /// let mut session = engine.session();
    /// session.listen(SessionEvent::BeforeFlush, |s| {
    ///     println!("flushing {} new objects", s.counts().new);
    ///     Ok(())
    /// });
    /// ```
    pub fn listen(
        &mut self,
        event: SessionEvent,
        listener: impl Fn(&mut Session) -> Result<()> + Send + Sync + 'static,
    ) {
        self.listeners.add(event, Arc::new(listener));
    }

    /// Run `listener` on every object of model `M` just before a flush writes it (`event`:
    /// its INSERT, UPDATE or DELETE), with the flush's connection. Changes the listener makes
    /// are written by that INSERT or UPDATE (stamping `updated_at`, deriving a slug). An
    /// `Err` fails the flush, which is rolled back. Bulk statements
    /// ([`bulk_update`](Session::bulk_update)) do not run mapper listeners.
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::session::WriteEvent;
    /// # fn demo<M: orm_runtime::model::Model>(engine: &Engine) {
    /// let mut session = engine.session();
    /// session.before_write::<M>(WriteEvent::Insert, |_conn, _note| Ok(()));
    /// # }
    /// ```
    pub fn before_write<M: Model>(
        &mut self,
        event: WriteEvent,
        listener: impl Fn(&mut Connection, &mut M) -> Result<()> + Send + Sync + 'static,
    ) {
        self.listeners.mapper.add_before(event, Arc::new(listener));
    }

    /// Run `listener` on every object of model `M` just after a flush wrote it (`event`), with
    /// the flush's connection (audit rows, derived tables). An `Err` fails the flush, which is
    /// rolled back.
    pub fn after_write<M: Model>(
        &mut self,
        event: WriteEvent,
        listener: impl Fn(&mut Connection, &M) -> Result<()> + Send + Sync + 'static,
    ) {
        self.listeners.mapper.add_after(event, Arc::new(listener));
    }

    /// Run the listeners of `event` (none: nothing to do).
    pub(crate) fn fire(&mut self, event: SessionEvent) -> Result<()> {
        if !self.listeners.has(event) {
            return Ok(());
        }
        let previous = self.in_listener.replace(event);
        let mut result = Ok(());
        for listener in self.listeners.get(event) {
            result = listener(self);
            if result.is_err() {
                break;
            }
        }
        self.in_listener = previous;
        result
    }

    /// Refuse `what` inside a listener.
    pub(crate) fn check_not_in_listener(&self, what: &'static str) -> Result<()> {
        match self.in_listener {
            Some(event) => Err(Misuse::ReentrantCall { call: what, inside: format!("a {event:?} listener") }.into()),
            None => Ok(()),
        }
    }
}
