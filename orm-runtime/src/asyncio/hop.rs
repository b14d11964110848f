//! The one way async code reaches the synchronous core: a hop to tokio's blocking pool
//! (`spawn_blocking`), with the session's bookkeeping kept when the caller stops waiting.
//!
//! A hop runs its closure to the end whatever happens to the future that started it, so a
//! statement, a flush or a commit is never cut in half. What a dropped future would have
//! returned is recorded in the session's [`Interrupted`] list instead of being lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::asyncio::interrupted::Interrupted;
use crate::error::{Error, Result};
use crate::session::Session;

/// Where an async call runs its sync work (see [`AsyncEngine::runs`](crate::asyncio::AsyncEngine::runs)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Runs {
    /// On tokio's blocking pool (`spawn_blocking`), while the task waits: other futures of
    /// the same task (a `join!`) go on meanwhile, and a future dropped mid-call leaves the
    /// call running to its end, reported by
    /// [`AsyncSession::interrupted`](crate::asyncio::AsyncSession::interrupted). The default.
    #[default]
    OnBlockingPool,
    /// On the task's own worker thread, which tokio hands over to the blocking pool for the
    /// call's duration (`block_in_place`): about half the cost per call, but other futures of
    /// the same task wait for the call, and a call is never interrupted (it ends within one
    /// poll). On a current-thread runtime, where tokio cannot do this, calls go to the
    /// blocking pool.
    InPlace,
}

impl Runs {
    /// In place, when asked and the runtime can.
    fn in_place(self) -> bool {
        self == Runs::InPlace
            && tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    }
}

/// How many reports a session keeps before it drops the oldest.
const MAX_REPORTS: usize = 64;

/// Run `f` on the blocking pool and wait for it. A panic in `f` resumes in the caller.
pub(crate) async fn blocking<R: Send + 'static>(
    runs: Runs,
    f: impl FnOnce() -> Result<R> + Send + 'static,
) -> Result<R> {
    if runs.in_place() {
        return tokio::task::block_in_place(f);
    }
    joined(tokio::task::spawn_blocking(f).await)
}

/// The result of a finished blocking task: its own, or its panic resumed here.
fn joined<R>(r: std::result::Result<Result<R>, tokio::task::JoinError>) -> Result<R> {
    match r {
        Ok(r) => r,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(shut_down()),
        },
    }
}

fn shut_down() -> Error {
    Error::Canceled { message: "the tokio runtime shut down before the operation ran".into() }
}

/// The session inside its lock. Dropping it (the last handle gone) rolls back what the
/// session did not commit, which talks to the database: that happens on the blocking pool
/// when a runtime is there, never on an async worker.
#[derive(Debug)]
pub(crate) struct Slot(pub(crate) Option<Session>);

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(session) = self.0.take() else { return };
        if session.holds_connection() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                // A runtime that is shutting down drops the closure unrun, and with it the
                // session: the rollback then happens there.
                drop(rt.spawn_blocking(move || drop(session)));
                return;
            }
        }
        drop(session);
    }
}

/// What the handles of one async session share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The session; one operation at a time holds it, on the blocking pool.
    pub(crate) slot: Arc<tokio::sync::Mutex<Slot>>,
    /// Operations whose futures were dropped before they returned.
    reports: std::sync::Mutex<std::collections::VecDeque<Interrupted>>,
    /// A `transaction` future was dropped before its transaction ended: the next operation
    /// rolls that transaction back first.
    abandoned: AtomicBool,
    /// Where the calls run.
    pub(crate) runs: Runs,
}

impl Shared {
    pub(crate) fn new(session: Session, runs: Runs) -> Shared {
        Shared {
            slot: Arc::new(tokio::sync::Mutex::new(Slot(Some(session)))),
            reports: std::sync::Mutex::new(std::collections::VecDeque::new()),
            abandoned: AtomicBool::new(false),
            runs,
        }
    }

    /// Record what a dropped future's operation did.
    pub(crate) fn report<R>(&self, operation: &'static str, outcome: &Result<R>) {
        let report = Interrupted::new(operation, outcome);
        tracing::warn!(target: "orm::asyncio", "{report}");
        let mut reports = self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if reports.len() == MAX_REPORTS {
            reports.pop_front();
        }
        reports.push_back(report);
    }

    /// Take the reports recorded so far.
    pub(crate) fn take_reports(&self) -> Vec<Interrupted> {
        std::mem::take(&mut *self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into()
    }

    /// A `transaction` future was dropped before its end.
    pub(crate) fn abandon_transaction(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
    }

    /// Before an operation: roll back a transaction whose future was dropped.
    fn settle(&self, session: &mut Session) {
        if self.abandoned.swap(false, Ordering::SeqCst) {
            let e = Error::Interrupted { operation: "transaction" };
            if session.interrupt(&e) {
                self.report("transaction", &Err::<(), _>(e));
            }
        }
    }
}

/// Run `f` on the session, on the blocking pool (or in place, see [`Runs`]). If the caller's
/// future is dropped while `f` runs, `f` still runs to its end and its outcome goes to the
/// session's reports.
pub(crate) async fn on_session<R, F>(shared: &Arc<Shared>, operation: &'static str, f: F) -> Result<R>
where
    R: Send + 'static,
    F: FnOnce(&mut Session) -> Result<R> + Send + 'static,
{
    if shared.runs.in_place() {
        let mut guard = shared.slot.lock().await;
        return tokio::task::block_in_place(|| {
            let session = guard.0.as_mut().ok_or_else(shut_down)?;
            shared.settle(session);
            f(session)
        });
    }
    let mut guard = shared.slot.clone().lock_owned().await;
    let (tx, rx) = oneshot::channel();
    let mine = shared.clone();
    let task = tokio::task::spawn_blocking(move || {
        let Some(session) = guard.0.as_mut() else { return };
        mine.settle(session);
        let out = f(session);
        if let Err(out) = tx.send(out) {
            mine.report(operation, &out);
        }
    });
    let mut waiting = Waiting { rx: Some(rx), shared: shared.clone(), operation };
    let got = match waiting.rx.as_mut() {
        Some(rx) => rx.await,
        None => return Err(shut_down()),
    };
    waiting.rx = None;
    match got {
        Ok(out) => out,
        // The closure panicked (the sender went with it), or never ran.
        Err(_) => joined(task.await.map(|()| Err(shut_down()))),
    }
}

/// Run `f` on the session at once, on this thread: for calls that never touch the database
/// (`add`, `expunge`, ...). Waits only for the operation in progress, if any.
pub(crate) async fn in_place<R>(shared: &Arc<Shared>, f: impl FnOnce(&mut Session) -> Result<R>) -> Result<R> {
    if shared.abandoned.load(Ordering::SeqCst) {
        // Rolling the abandoned transaction back talks to the database: in a hop.
        on_session(shared, "transaction", |_| Ok(())).await?;
    }
    let mut guard = shared.slot.lock().await;
    let session = guard.0.as_mut().ok_or_else(shut_down)?;
    f(session)
}

/// The receiving end of a hop. Dropped before it received, it closes the channel and keeps
/// what was sent already; what is sent later is reported by the sender.
struct Waiting<R> {
    rx: Option<oneshot::Receiver<Result<R>>>,
    shared: Arc<Shared>,
    operation: &'static str,
}

impl<R> Drop for Waiting<R> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if let Ok(out) = rx.try_recv() {
                self.shared.report(self.operation, &out);
            }
        }
    }
}
