//! [`AsyncSession`]: the [`Session`] behind an async handle, each call one hop to the
//! blocking pool.

use std::panic::Location;
use std::sync::Arc;

use crate::asyncio::hop::{self, Shared};
use crate::asyncio::query::{AsyncQuery, AsyncTextQuery};
use crate::asyncio::statement::Executable;
use crate::asyncio::{Interrupted, Runs};
use crate::error::{Error, Result};
use crate::query::fetch::sealed::RunRows;
use crate::query::{Fetch, Text, TransactionOptions};
use crate::session::{IntoObj, Mapper, NPlusOne, NPlusOneReport, Obj, Relationship, Session};

/// A [`Session`] for async code: the same unit of work (one identity map, one flush, the
/// same objects), reached with `.await`.
///
/// Each call that may talk to the database is one hop to tokio's blocking pool, where the
/// session does exactly what the sync call does; calls that never do (`add`, `expunge`) run
/// in place. One call runs at a time: the handle is `Clone` and `Send`, and its clones are
/// the same session, so a request handler and the layer around it can share one. The
/// [`Obj`] handles it returns are `Send + Sync` and stay usable across `.await`; read or
/// write them between awaits (a guard held across an `.await` does not compile in a spawned
/// task, by design).
///
/// # Cancellation
///
/// A call's work is never cut in half. If the future of a call is dropped (a timeout, a
/// `select!`, a client gone) while its hop runs, the hop still runs to its end — a flush is
/// whole, a commit commits or fails whole — and what it returned is recorded: see
/// [`interrupted`](AsyncSession::interrupted). A [`transaction`](AsyncSession::transaction)
/// whose future is dropped before its work returned is rolled back at the session's next
/// call, which then answers [`Error::PendingRollback`] until [`rollback`](AsyncSession::rollback),
/// as after a failed flush; dropping the session instead rolls it back with the rest. A
/// connection never goes back to the pool inside a transaction.
///
/// ```
/// # use orm::prelude::*;
/// # use orm::asyncio::AsyncEngine;
/// # #[derive(Model, Debug)]
/// # #[orm(table = "users")]
/// # struct User {
/// #     #[orm(primary_key, auto_increment)]
/// #     id: i64,
/// #     name: String,
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm::Result<()> {
/// let engine = AsyncEngine::connect("sqlite::memory:").await?;
/// engine.create_all(&[User::table()]).await?;
/// let session = engine.session();
/// let ada = session.add(User { id: 0, name: "Ada".into() }).await?;
/// session.commit().await?;
/// let id = ada.read().id;
/// let same = session.get::<User>(id).await?.expect("committed");
/// assert!(same.ptr_eq(&ada)); // one identity map
/// let named = session.query::<User>().filter(User::name.eq("Ada")).all().await?;
/// assert_eq!(named.len(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AsyncSession {
    shared: Arc<Shared>,
}

impl From<Session> for AsyncSession {
    /// The session behind an async handle; its calls run on the blocking pool.
    fn from(session: Session) -> Self {
        AsyncSession::new(session, Runs::OnBlockingPool)
    }
}

impl AsyncSession {
    /// `session` behind an async handle whose calls run as `runs` says.
    pub fn new(session: Session, runs: Runs) -> AsyncSession {
        AsyncSession { shared: Arc::new(Shared::new(session, runs)) }
    }

    /// Run `f` on the session in one hop: many sync calls for the price of one (SQLAlchemy's
    /// `AsyncSession.run_sync`). `f` gets the [`Session`] itself, with its whole API.
    pub async fn run_sync<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Session) -> Result<R> + Send + 'static,
    {
        hop::on_session(&self.shared, "run_sync", f).await
    }

    /// Run `f` on the session in one hop, as `operation` (for the interrupted reports).
    pub(crate) async fn run_op<R, F>(&self, operation: &'static str, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Session) -> Result<R> + Send + 'static,
    {
        hop::on_session(&self.shared, operation, f).await
    }

    /// Add an object: see [`Session::add`]. Runs in place (nothing is sent).
    pub async fn add<M: Mapper>(&self, obj: impl IntoObj<M>) -> Result<Obj<M>> {
        hop::in_place(&self.shared, |s| s.add(obj)).await
    }

    /// Add several objects: see [`Session::add_all`]. Runs in place.
    pub async fn add_all<M: Mapper, I>(&self, objs: I) -> Result<Vec<Obj<M>>>
    where
        I: IntoIterator,
        I::Item: IntoObj<M>,
    {
        hop::in_place(&self.shared, |s| s.add_all(objs)).await
    }

    /// Forget an object: see [`Session::expunge`]. Runs in place.
    pub async fn expunge<M: Mapper>(&self, obj: &Obj<M>) -> Result<()> {
        hop::in_place(&self.shared, |s| {
            s.expunge(obj);
            Ok(())
        })
        .await
    }

    /// The object of `key`: see [`Session::get`] (from the identity map when it is there,
    /// else one SELECT).
    pub async fn get<M: Mapper>(&self, key: M::Key) -> Result<Option<Obj<M>>> {
        hop::on_session(&self.shared, "get", move |s| s.get::<M>(key)).await
    }

    /// The object of `key`, locked: see [`Session::get_for_update`].
    pub async fn get_for_update<M: Mapper>(&self, key: M::Key) -> Result<Option<Obj<M>>> {
        hop::on_session(&self.shared, "get_for_update", move |s| s.get_for_update::<M>(key)).await
    }

    /// Mark an object for deletion: see [`Session::delete`].
    pub async fn delete<M: Mapper>(&self, obj: &Obj<M>) -> Result<()> {
        let obj = obj.clone();
        hop::on_session(&self.shared, "delete", move |s| s.delete(&obj)).await
    }

    /// Copy a value's state into the session's object of its key: see [`Session::merge`].
    pub async fn merge<M: Mapper>(&self, value: M) -> Result<Obj<M>> {
        hop::on_session(&self.shared, "merge", move |s| s.merge(&value)).await
    }

    /// Read an object's row again: see [`Session::refresh`].
    pub async fn refresh<M: Mapper>(&self, obj: &Obj<M>) -> Result<()> {
        let obj = obj.clone();
        hop::on_session(&self.shared, "refresh", move |s| s.refresh(&obj)).await
    }

    /// Load one relationship of one object: see [`Session::load`]. The N+1 detector notes
    /// this call's site.
    #[track_caller]
    pub fn load<M: Mapper, R: Relationship<M>>(
        &self,
        obj: &Obj<M>,
        rel: R,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'static {
        let site = Location::caller();
        let (shared, obj) = (self.shared.clone(), obj.clone());
        async move { hop::on_session(&shared, "load", move |s| s.load_at(&obj, rel, site)).await }
    }

    /// Load one relationship of many objects at once: see [`Session::load_all`].
    pub async fn load_all<M: Mapper, R: Relationship<M>>(&self, objs: &[Obj<M>], rel: R) -> Result<()> {
        let objs = objs.to_vec();
        hop::on_session(&self.shared, "load_all", move |s| s.load_all(&objs, rel)).await
    }

    /// A query for objects of `M`: see [`Session::query`]. Build it as the sync one
    /// (`filter`, `order_by`, `limit`, `options`, ...), then `.all().await`.
    pub fn query<M: Mapper>(&self) -> AsyncQuery<M> {
        AsyncQuery::new(self.clone())
    }

    /// The rows of a raw statement as objects of `M`: see [`Session::from_statement`].
    pub fn from_statement<M: Mapper>(&self, text: Text) -> AsyncTextQuery<M> {
        AsyncTextQuery::new(self.clone(), text)
    }

    /// Every row of a Core query, in the session's transaction (no autoflush, as with
    /// `query.all(&mut session)`).
    pub async fn all<Q, I>(&self, query: Q) -> Result<Vec<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        hop::on_session(&self.shared, "all", move |s| query.all(s)).await
    }

    /// The first row of a Core query, if any, in the session's transaction.
    pub async fn first<Q, I>(&self, query: Q) -> Result<Option<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        hop::on_session(&self.shared, "first", move |s| query.first(s)).await
    }

    /// Exactly one row of a Core query, in the session's transaction.
    pub async fn one<Q, I>(&self, query: Q) -> Result<Q::Row>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        hop::on_session(&self.shared, "one", move |s| query.one(s)).await
    }

    /// At most one row of a Core query, in the session's transaction.
    pub async fn one_or_none<Q, I>(&self, query: Q) -> Result<Option<Q::Row>>
    where
        Q: Fetch + RunRows<I> + Send + 'static,
        Q::Row: Send + 'static,
    {
        hop::on_session(&self.shared, "one_or_none", move |s| query.one_or_none(s)).await
    }

    /// Run a Core statement (`insert`, `update`, `delete`, `text`) in the session's
    /// transaction; the number of rows it changed.
    pub async fn execute(&self, statement: impl Executable) -> Result<u64> {
        hop::on_session(&self.shared, "execute", move |s| statement.execute_on(s)).await
    }

    /// Write pending changes: see [`Session::flush`].
    pub async fn flush(&self) -> Result<()> {
        hop::on_session(&self.shared, "flush", Session::flush).await
    }

    /// Flush and commit: see [`Session::commit`].
    pub async fn commit(&self) -> Result<()> {
        hop::on_session(&self.shared, "commit", Session::commit).await
    }

    /// Roll back: see [`Session::rollback`].
    pub async fn rollback(&self) -> Result<()> {
        hop::on_session(&self.shared, "rollback", Session::rollback).await
    }

    /// Roll back and forget every object: see [`Session::close`].
    pub async fn close(&self) -> Result<()> {
        hop::on_session(&self.shared, "close", Session::close).await
    }

    /// Begin a transaction with these options: see [`Session::begin`].
    pub async fn begin(&self, options: impl Into<TransactionOptions>) -> Result<()> {
        let options = options.into();
        hop::in_place(&self.shared, move |s| s.begin(options)).await
    }

    /// Whether a database transaction is open.
    pub async fn in_transaction(&self) -> bool {
        hop::in_place(&self.shared, |s| Ok(s.in_transaction())).await.unwrap_or(false)
    }

    /// Run `work` in a transaction: commit when it returns `Ok`, roll back when it returns
    /// `Err` (whose error comes out unchanged, as with [`Session::transaction`]). Joins the
    /// transaction already open, if any.
    ///
    /// If this future is dropped while `work` runs, the transaction is rolled back at the
    /// session's next call (see [Cancellation](AsyncSession#cancellation)); once `work` has
    /// returned, the commit or rollback runs to its end.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # use orm::asyncio::{AsyncEngine, AsyncSession};
    /// # #[derive(Model, Debug)]
    /// # struct Account {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     balance: i64,
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> orm::Result<()> {
    /// # let engine = AsyncEngine::connect("sqlite::memory:").await?;
    /// # engine.create_all(&[Account::table()]).await?;
    /// let session = engine.session();
    /// let id = session
    ///     .transaction(async |s: &AsyncSession| {
    ///         let a = s.add(Account { id: 0, balance: 10 }).await?;
    ///         s.flush().await?;
    ///         let id = a.read().id;
    ///         Ok::<_, orm::Error>(id)
    ///     })
    ///     .await?;
    /// assert_eq!(id, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn transaction<T, E, W>(&self, work: W) -> std::result::Result<T, E>
    where
        W: AsyncFnOnce(&AsyncSession) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        self.run_transaction(None, work).await
    }

    /// [`transaction`](AsyncSession::transaction) with these options (an isolation level,
    /// say); [`Error::TransactionInProgress`] when one is already open.
    pub async fn transaction_with<T, E, W>(
        &self,
        options: impl Into<TransactionOptions>,
        work: W,
    ) -> std::result::Result<T, E>
    where
        W: AsyncFnOnce(&AsyncSession) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        self.run_transaction(Some(options.into()), work).await
    }

    async fn run_transaction<T, E, W>(&self, options: Option<TransactionOptions>, work: W) -> std::result::Result<T, E>
    where
        W: AsyncFnOnce(&AsyncSession) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        hop::in_place(&self.shared, move |s| match options {
            Some(o) => s.begin(o),
            None => s.join_or_begin(),
        })
        .await?;
        let guard = Abandon { shared: &self.shared, armed: true };
        let outcome = work(self).await;
        guard.disarm();
        match outcome {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(e) => {
                // The work's error is the one to report.
                let _ = self.rollback().await;
                Err(e)
            }
        }
    }

    /// Turn the N+1 detector on or off: see [`Session::detect_n_plus_one`].
    pub async fn detect_n_plus_one(&self, mode: NPlusOne) {
        let _ = hop::in_place(&self.shared, move |s| {
            s.detect_n_plus_one(mode);
            Ok(())
        })
        .await;
    }

    /// What the N+1 detector reported so far: see [`Session::n_plus_one_reports`].
    pub async fn n_plus_one_reports(&self) -> Vec<NPlusOneReport> {
        hop::in_place(&self.shared, |s| Ok(s.n_plus_one_reports().to_vec())).await.unwrap_or_default()
    }

    /// The calls whose futures were dropped before they returned, and what each did (see
    /// [Cancellation](AsyncSession#cancellation)), oldest first; taking them clears the list.
    /// A session keeps the last 64.
    pub fn interrupted(&self) -> Vec<Interrupted> {
        self.shared.take_reports()
    }
}

/// Marks the transaction abandoned when a `transaction` future is dropped in its work.
struct Abandon<'a> {
    shared: &'a Arc<Shared>,
    armed: bool,
}

impl Abandon<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.abandon_transaction();
        }
    }
}
