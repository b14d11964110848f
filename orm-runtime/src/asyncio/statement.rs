//! [`Executable`]: the Core statements an async engine or session can `execute`.

use crate::error::Result;
use crate::model::Model;
use crate::query::{Delete, Executor, Filtered, Insert, Text, Update};

mod sealed {
    /// Implemented inside the crate only.
    // Public in a private module: the sealed-trait pattern.
    #[allow(unreachable_pub)]
    pub trait Sealed {}
}

/// A Core statement that writes and returns its row count: [`insert`](crate::query::insert),
/// [`update`](crate::query::update), [`delete`](crate::query::delete),
/// [`text`](crate::query::text). Passed by value to
/// [`AsyncEngine::execute`](crate::asyncio::AsyncEngine::execute) and
/// [`AsyncSession::execute`](crate::asyncio::AsyncSession::execute), which send it to the
/// blocking pool.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a statement `execute` can run",
    label = "expected an insert, update, delete or text statement",
    note = "queries that return rows run with `.all(query)`, `.one(query)`, ..."
)]
pub trait Executable: sealed::Sealed + Send + 'static {
    /// Run it on `ex`, as the statement's own `execute` does.
    fn execute_on<X: Executor>(&self, ex: X) -> Result<u64>;
}

impl<M: Model> sealed::Sealed for Insert<'static, M> {}
impl<M: Model> Executable for Insert<'static, M> {
    fn execute_on<X: Executor>(&self, ex: X) -> Result<u64> {
        self.execute(ex)
    }
}

impl<M: Model> sealed::Sealed for Update<M, Filtered> {}
impl<M: Model> Executable for Update<M, Filtered> {
    fn execute_on<X: Executor>(&self, ex: X) -> Result<u64> {
        self.execute(ex)
    }
}

impl<M: Model> sealed::Sealed for Delete<M, Filtered> {}
impl<M: Model> Executable for Delete<M, Filtered> {
    fn execute_on<X: Executor>(&self, ex: X) -> Result<u64> {
        self.execute(ex)
    }
}

impl sealed::Sealed for Text {}
impl Executable for Text {
    fn execute_on<X: Executor>(&self, ex: X) -> Result<u64> {
        self.execute(ex)
    }
}
