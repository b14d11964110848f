//! [`AsyncSessionFactory`]: configured async sessions (SQLAlchemy's `async_sessionmaker`).

use crate::asyncio::{AsyncEngine, AsyncSession, Runs};
use crate::session::SessionFactory;

/// Makes [`AsyncSession`]s configured alike: a [`SessionFactory`] (autoflush,
/// expire-on-commit, isolation level, listeners) whose sessions are async. Cheap to clone:
/// keep one in the application's state and make a session per request.
///
/// ```
/// # use orm::asyncio::{AsyncEngine, AsyncSessionFactory};
/// # use orm::SessionFactory;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm::Result<()> {
/// let engine = AsyncEngine::connect("sqlite::memory:").await?;
/// let factory = AsyncSessionFactory::from(SessionFactory::new(engine.sync_engine()).expire_on_commit(false));
/// let session = factory.session();
/// session.commit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AsyncSessionFactory {
    factory: SessionFactory,
    runs: Runs,
}

impl From<SessionFactory> for AsyncSessionFactory {
    /// Async sessions of `factory`'s kind, whose calls run on the blocking pool.
    fn from(factory: SessionFactory) -> Self {
        AsyncSessionFactory { factory, runs: Runs::default() }
    }
}

impl AsyncSessionFactory {
    /// A factory of default sessions on `engine` (whose calls run where the engine's do).
    pub fn new(engine: &AsyncEngine) -> Self {
        AsyncSessionFactory { factory: SessionFactory::new(engine.sync_engine()), runs: engine.where_calls_run() }
    }

    /// Where its sessions' calls run (see [`AsyncEngine::runs`]).
    pub fn runs(mut self, runs: Runs) -> Self {
        self.runs = runs;
        self
    }

    /// A new session.
    pub fn session(&self) -> AsyncSession {
        AsyncSession::new(self.factory.session(), self.runs)
    }

    /// The engine its sessions use.
    pub fn engine(&self) -> AsyncEngine {
        AsyncEngine::from(self.factory.engine().clone()).runs(self.runs)
    }
}
