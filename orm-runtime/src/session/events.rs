//! Session events: listeners run at flush, commit and rollback, registered on a session or
//! on a [`SessionFactory`](crate::session::SessionFactory) for every session it makes.

use std::sync::Arc;

use crate::backend::Connection;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::Session;

/// The points in a session's life a listener can run at (SQLAlchemy's session events).
///
/// | event           | runs                                                                 | an `Err` from the listener                                   |
/// |-----------------|----------------------------------------------------------------------|--------------------------------------------------------------|
/// | `BeforeFlush`   | when a flush starts and something is pending; objects added here are flushed too | aborts the flush like a failed statement (rolled back) |
/// | `AfterFlush`    | after a flush wrote its changes (objects are in their new states)    | fails the flush: the transaction is rolled back               |
/// | `BeforeCommit`  | when `commit()` starts, before its final flush                       | aborts the commit: the transaction is rolled back             |
/// | `AfterCommit`   | after the transaction committed                                      | returned to the caller; the commit stands                     |
/// | `AfterRollback` | after `rollback()`, `close()` or drop rolled back an open transaction | returned to the caller; the rollback stands                   |
///
/// Inside a listener the session does not autoflush, and `flush` / `commit` / `rollback` /
/// `close` are refused with [`Error::InvalidState`] (they would run the listener again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionEvent {
    /// A flush is about to write.
    BeforeFlush,
    /// A flush wrote its changes.
    AfterFlush,
    /// `commit()` is starting.
    BeforeCommit,
    /// The transaction committed.
    AfterCommit,
    /// The session rolled back.
    AfterRollback,
}

impl SessionEvent {
    const COUNT: usize = 5;

    fn index(self) -> usize {
        match self {
            SessionEvent::BeforeFlush => 0,
            SessionEvent::AfterFlush => 1,
            SessionEvent::BeforeCommit => 2,
            SessionEvent::AfterCommit => 3,
            SessionEvent::AfterRollback => 4,
        }
    }
}

/// A session event listener.
pub type SessionListener = Arc<dyn Fn(&mut Session) -> Result<()> + Send + Sync>;

/// The listeners of one session, by event (cheap to clone: the closures are shared).
#[derive(Clone, Default)]
pub(crate) struct Listeners {
    by_event: [Vec<SessionListener>; SessionEvent::COUNT],
    /// Mapper events, per model.
    pub(crate) mapper: MapperListeners,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners").field("count", &self.by_event.iter().map(Vec::len).sum::<usize>()).finish()
    }
}

impl Listeners {
    pub(crate) fn add(&mut self, event: SessionEvent, listener: SessionListener) {
        self.by_event[event.index()].push(listener);
    }

    pub(crate) fn has(&self, event: SessionEvent) -> bool {
        !self.by_event[event.index()].is_empty()
    }

    fn get(&self, event: SessionEvent) -> Vec<SessionListener> {
        self.by_event[event.index()].clone()
    }
}

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
    pub(crate) fn check_not_in_listener(&self, what: &str) -> Result<()> {
        match self.in_listener {
            Some(event) => Err(Error::InvalidState(format!("`{what}` called inside a {event:?} listener"))),
            None => Ok(()),
        }
    }
}
