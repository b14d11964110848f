//! [`SessionFactory`]: sessions made with the same settings and listeners.

use std::sync::Arc;

use crate::backend::{Connection, Engine};
use crate::error::Result;
use crate::model::Model;
use crate::query::{IsolationLevel, TransactionOptions};
use crate::session::mapper_events::WriteEvent;
use crate::session::session::{Listeners, SessionEvent};
use crate::session::Session;

static NEXT_FACTORY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Makes sessions bound to one engine with the same settings and event listeners
/// (SQLAlchemy's `sessionmaker`). Cheap to clone and `Send + Sync`: keep one in the
/// application state and call [`session`](SessionFactory::session) per request or unit of
/// work.
///
/// ```
/// # use orm_runtime::backend::Engine;
/// # use orm_runtime::session::{SessionEvent, SessionFactory};
/// let engine = Engine::connect("sqlite::memory:").unwrap();
/// let factory = SessionFactory::new(&engine)
///     .autoflush(false)
///     .listen(SessionEvent::AfterCommit, |_s| Ok(()));
/// let mut session = factory.session();
/// session.commit().unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct SessionFactory {
    /// Identifies the factory (and its clones) for [`current`](SessionFactory::with_current)
    /// sessions.
    pub(crate) id: u64,
    engine: Engine,
    autoflush: bool,
    expire_on_commit: bool,
    transaction: TransactionOptions,
    listeners: Listeners,
    /// The N+1 detector of every session made, if on.
    n_plus_one: Option<crate::session::NPlusOne>,
}

impl SessionFactory {
    /// A factory for sessions on `engine` (autoflush and expire-on-commit on, no listeners).
    pub fn new(engine: &Engine) -> Self {
        SessionFactory {
            id: NEXT_FACTORY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            engine: engine.clone(),
            autoflush: true,
            expire_on_commit: true,
            transaction: TransactionOptions::new(),
            listeners: Listeners::default(),
            n_plus_one: None,
        }
    }

    /// Whether the sessions flush before queries (default on).
    pub fn autoflush(mut self, on: bool) -> Self {
        self.autoflush = on;
        self
    }

    /// Whether the sessions expire their objects at commit (default on; see
    /// [`Session::set_expire_on_commit`]).
    pub fn expire_on_commit(mut self, on: bool) -> Self {
        self.expire_on_commit = on;
        self
    }

    /// The isolation level of the sessions' transactions (over the engine's; see
    /// [`IsolationLevel`]).
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::query::IsolationLevel;
    /// # use orm_runtime::session::SessionFactory;
    /// let engine = Engine::connect("sqlite::memory:").unwrap();
    /// let reports = SessionFactory::new(&engine).isolation_level(IsolationLevel::RepeatableRead);
    /// let s = reports.session();
    /// assert_eq!(s.transaction_options().isolation_level(), Some(IsolationLevel::RepeatableRead));
    /// ```
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.transaction = self.transaction.isolation(level);
        self
    }

    /// SQLite: the sessions' transactions begin `IMMEDIATE` at their first statement (see
    /// [`TransactionOptions::immediate`]). No effect on PostgreSQL.
    pub fn begin_immediate(mut self, on: bool) -> Self {
        self.transaction = self.transaction.immediate(on);
        self
    }

    /// Run `listener` at `event` in every session made from now on.
    pub fn listen(
        mut self,
        event: SessionEvent,
        listener: impl Fn(&mut Session) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.listeners.add(event, Arc::new(listener));
        self
    }

    /// Run `listener` before every write of an `M` in every session made from now on (see
    /// [`Session::before_write`]).
    pub fn before_write<M: Model>(
        mut self,
        event: WriteEvent,
        listener: impl Fn(&mut Connection, &mut M) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.listeners.mapper.add_before(event, Arc::new(listener));
        self
    }

    /// Run `listener` after every write of an `M` in every session made from now on (see
    /// [`Session::after_write`]).
    pub fn after_write<M: Model>(
        mut self,
        event: WriteEvent,
        listener: impl Fn(&mut Connection, &M) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.listeners.mapper.add_after(event, Arc::new(listener));
        self
    }

    /// Turn the N+1 detector on in every session made from now on (see
    /// [`Session::detect_n_plus_one`]), for example in development builds only, where it
    /// logs what it finds (target `orm::n_plus_one`) at the cost of a few map updates per
    /// lazy load:
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::session::{NPlusOne, SessionFactory};
    /// let engine = Engine::connect("sqlite::memory:").unwrap();
    /// let mut factory = SessionFactory::new(&engine);
    /// if cfg!(debug_assertions) {
    ///     factory = factory.detect_n_plus_one(NPlusOne::Report { threshold: 10 });
    /// }
    /// let session = factory.session();
    /// assert!(session.n_plus_one_reports().is_empty());
    /// ```
    pub fn detect_n_plus_one(mut self, mode: crate::session::NPlusOne) -> Self {
        self.n_plus_one = Some(mode);
        self
    }

    /// The engine the sessions run on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A new session with this factory's settings and listeners.
    pub fn session(&self) -> Session {
        let mut s = self.engine.session();
        s.set_autoflush(self.autoflush);
        s.set_expire_on_commit(self.expire_on_commit);
        s.set_listeners(self.listeners.clone());
        s.set_transaction_options(self.transaction);
        if let Some(mode) = self.n_plus_one {
            s.detect_n_plus_one(mode);
        }
        s
    }
}
