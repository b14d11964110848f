//! Running a whole transaction again after a retryable failure.

use std::time::Duration;

use crate::backend::Engine;
use crate::error::Result;
use crate::query::TransactionOptions;
use crate::session::Session;

/// First pause between attempts; doubled each time, at most [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const MAX_PAUSE: Duration = Duration::from_millis(250);

impl Engine {
    /// Run `work` in a transaction of a new session and commit it; when the attempt fails
    /// with a *retryable* error ([`Error::is_retryable`](crate::error::Error::is_retryable):
    /// serialization failure, deadlock, SQLite busy, a failed optimistic version check,
    /// stale statement, lost connection), roll back and run the whole thing again, up to
    /// `attempts` times in all (at least once).
    ///
    /// The transaction runs where a read-modify-write is protected, whatever the engine's
    /// defaults, with [`TransactionOptions::for_retry`]:
    /// `SERIALIZABLE` on PostgreSQL (a conflicting concurrent update raises
    /// [`Error::Serialization`](crate::error::Error::Serialization), and the attempt is run
    /// again) and `BEGIN IMMEDIATE` at the first statement on SQLite (the transaction holds
    /// the write lock from its start: writers wait their turn, nothing conflicts). So
    /// reading a row, changing it and committing loses no concurrent update. Choose other
    /// options with [`retry_transaction_with`](Engine::retry_transaction_with).
    ///
    /// - Each attempt gets a **fresh session**: objects loaded or added by a failed attempt are
    ///   not carried over, so `work` must load what it needs itself and must not keep
    ///   [`Obj`](crate::session::Obj) handles from earlier attempts. Side effects outside the
    ///   database are repeated with it.
    /// - Between attempts the failed transaction is rolled back (the session's in-memory
    ///   state too) and the thread sleeps briefly (5 ms, doubling, at most 250 ms, with a
    ///   little jitter so that two losers of the same conflict do not collide again).
    /// - Never retried: [`Error::CommitOutcomeUnknown`](crate::error::Error::CommitOutcomeUnknown)
    ///   (the connection was lost during COMMIT, which may have succeeded), constraint
    ///   violations, timeouts and cancellations, [`Error::PoolTimeout`](crate::error::Error::PoolTimeout),
    ///   and any error of `work` itself that is not retryable. The last error is returned.
    /// - A panic in `work` rolls back and continues unwinding (no retry).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "counters")]
    /// # struct Counter {
    /// #     #[orm(primary_key)]
    /// #     id: i64,
    /// #     n: i64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Counter::table()])?;
    /// # insert::<Counter>().values(&Counter { id: 1, n: 0 }).execute(&engine)?;
    /// engine.retry_transaction(50, |s| {
    ///     let c = s.get::<Counter>(1)?.expect("counter 1");
    ///     c.write().n += 1; // read-modify-write: no concurrent increment is lost
    ///     Ok(())
    /// })?;
    /// # assert_eq!(select(Counter::n).one(&engine)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn retry_transaction<T>(&self, attempts: u32, work: impl FnMut(&mut Session) -> Result<T>) -> Result<T> {
        self.retry_transaction_with(TransactionOptions::for_retry(), attempts, work)
    }

    /// [`retry_transaction`](Engine::retry_transaction) with these transaction options
    /// (over the engine's): `IsolationLevel::RepeatableRead`, say, or
    /// `TransactionOptions::new()` for the engine's own defaults — at `READ COMMITTED` a
    /// read-modify-write is protected only by a row lock
    /// ([`Session::get_for_update`](crate::session::Session::get_for_update)) or a version
    /// column (`#[orm(version)]`), which then raises the conflict that is retried.
    pub fn retry_transaction_with<T>(
        &self,
        options: impl Into<TransactionOptions>,
        attempts: u32,
        mut work: impl FnMut(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let options = options.into();
        let attempts = attempts.max(1);
        let mut pause = FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            let mut session = self.session();
            let result = session.transaction_with(options, &mut work);
            match result {
                Ok(value) => return Ok(value),
                Err(e) => {
                    // `transaction` rolled the database back; this also restores the
                    // session's objects (and is a no-op when already done).
                    let _ = session.rollback();
                    drop(session);
                    if attempt >= attempts || !e.is_retryable() {
                        return Err(e);
                    }
                }
            }
            std::thread::sleep(pause + jitter(pause));
            pause = (pause * 2).min(MAX_PAUSE);
            attempt += 1;
        }
    }
}

/// Up to half of `pause`, from the clock's low bits (no random number generator needed).
fn jitter(pause: Duration) -> Duration {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let half = u32::try_from(pause.as_micros() / 2).unwrap_or(u32::MAX).max(1);
    Duration::from_micros(u64::from(nanos % half))
}
