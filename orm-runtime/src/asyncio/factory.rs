//! [`AsyncSessionFactory`]: configured async sessions (SQLAlchemy's `async_sessionmaker`).

use crate::asyncio::{AsyncEngine, AsyncSession};
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
}

impl From<SessionFactory> for AsyncSessionFactory {
    fn from(factory: SessionFactory) -> Self {
        AsyncSessionFactory { factory }
    }
}

impl AsyncSessionFactory {
    /// A factory of default sessions on `engine`.
    pub fn new(engine: &AsyncEngine) -> Self {
        AsyncSessionFactory { factory: SessionFactory::new(engine.sync_engine()) }
    }

    /// A new session.
    pub fn session(&self) -> AsyncSession {
        AsyncSession::from(self.factory.session())
    }

    /// The engine its sessions use.
    pub fn engine(&self) -> AsyncEngine {
        AsyncEngine::from(self.factory.engine().clone())
    }
}
