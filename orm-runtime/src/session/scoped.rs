//! Contextual sessions: one session per thread and factory (SQLAlchemy's `scoped_session`).
//!
//! The per-request pattern: [`SessionFactory::request`] runs a request handler on one thread;
//! the handler calls [`SessionFactory::with_current`] wherever it needs the database (each call
//! on that thread gets the same session, so objects loaded in one place are the same objects
//! elsewhere), and `request` commits at the end when the handler succeeds, rolls back when it
//! fails or panics, and always removes the session, freeing the thread for the next request.
//!
//! A panic that leaves `with_current` abandons its session: it is rolled back and closed there
//! and then (its connection, returned while the thread panics, is discarded by the pool), so
//! nothing of the panicking request reaches the thread's next one.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::error::{Error, Misuse, Result};
use crate::session::{Session, SessionFactory};

/// One factory's entry in a thread's current sessions. It exists while there is a session,
/// while one is lent to `with_current`, or while a `request` of the factory runs.
#[derive(Debug, Default)]
struct Slot {
    /// The current session: `None` before the first `with_current`, or while lent to one.
    session: Option<Session>,
    /// Lent to a running `with_current`.
    lent: bool,
    /// Inside a `request` of this factory.
    request: bool,
    /// A `with_current` of the running request panicked, so its session was rolled back: the
    /// request must not commit (or go on with a fresh session as if nothing had happened).
    poisoned: bool,
}

/// A thread's current sessions by factory.
type Slots = HashMap<u64, Slot>;

thread_local! {
    static CURRENT: RefCell<Slots> = RefCell::new(HashMap::new());
}

/// A session lent to `with_current`: put back in its slot when `work` returns, rolled back,
/// closed and forgotten when `work` panics.
struct Lent {
    factory: u64,
    session: Option<Session>,
    /// `work` returned.
    returned: bool,
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(mut session) = self.session.take() else { return };
        if self.returned {
            // If the thread's storage is gone (the thread is exiting), dropping the session
            // rolls back what it did not commit.
            let _ = CURRENT.try_with(|c| {
                let mut slots = c.borrow_mut();
                let slot = slots.entry(self.factory).or_default();
                slot.session = Some(session);
                slot.lent = false;
            });
            return;
        }
        // `work` panicked: the session is abandoned. The slot goes (or, inside a request, is
        // marked so that the request does not commit); the session is closed outside the
        // borrow of the slots (a rollback listener may use them).
        let _ = CURRENT.try_with(|c| {
            let mut slots = c.borrow_mut();
            if let Some(slot) = slots.get_mut(&self.factory) {
                slot.lent = false;
                if slot.request {
                    slot.poisoned = true;
                } else {
                    slots.remove(&self.factory);
                }
            }
        });
        // Rolls the database back (the connection goes back to the pool while the thread
        // panics, so the pool discards it) and never blocks on a guard of this thread.
        let _ = session.close();
    }
}

impl SessionFactory {
    /// Run `work` with this thread's session of this factory (clones of a factory share it),
    /// made on first use and kept until [`remove_current`](SessionFactory::remove_current) or
    /// the end of the [`request`](SessionFactory::request) it runs in.
    ///
    /// Calling `with_current` again from inside `work` is refused with
    /// [`Misuse::ReentrantCall`] (`work` already has the session).
    ///
    /// If `work` panics, the session is rolled back, closed and removed before the panic goes
    /// on: the thread's next `with_current` gets a fresh session, and nothing of the panicking
    /// work can be committed by it. Inside a `request`, that request then fails (the rest of
    /// it is refused with [`Error::RequestPanicked`] and it does not commit).
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::session::SessionFactory;
    /// let factory = SessionFactory::new(&Engine::connect("sqlite::memory:").unwrap());
    /// let open = factory.with_current(|s| s.in_transaction()).unwrap();
    /// factory.with_current(|s| s.commit()).unwrap().unwrap();
    /// factory.remove_current().unwrap();
    /// # assert!(!open);
    /// ```
    pub fn with_current<T>(&self, work: impl FnOnce(&mut Session) -> T) -> Result<T> {
        let session = CURRENT.with(|c| {
            let mut slots = c.borrow_mut();
            let slot = slots.entry(self.id).or_default();
            if slot.lent {
                return Err(Error::Misuse(Misuse::ReentrantCall {
                    call: "with_current",
                    inside: "`with_current` of the same factory".to_owned(),
                }));
            }
            if slot.poisoned {
                return Err(Error::RequestPanicked { ended: false });
            }
            slot.lent = true;
            Ok(slot.session.take())
        })?;
        let session = session.unwrap_or_else(|| self.session());
        let mut lent = Lent { factory: self.id, session: Some(session), returned: false };
        let Some(session) = lent.session.as_mut() else { unreachable!("just set") };
        let value = work(session);
        lent.returned = true;
        Ok(value)
    }

    /// Close and forget this thread's current session of this factory (if any): what it did
    /// not commit is rolled back and its objects are detached.
    pub fn remove_current(&self) -> Result<()> {
        let session = CURRENT.with(|c| {
            let mut slots = c.borrow_mut();
            let Some(slot) = slots.get_mut(&self.id) else { return Ok(None) };
            if slot.lent {
                return Err(Error::Misuse(Misuse::ReentrantCall {
                    call: "remove_current",
                    inside: "`with_current`".to_owned(),
                }));
            }
            let session = slot.session.take();
            if !slot.request {
                slots.remove(&self.id);
            }
            Ok(session)
        })?;
        match session {
            Some(mut session) => session.close(),
            None => Ok(()),
        }
    }

    /// Run one request's `handler` on this thread, with the thread's current session of this
    /// factory as its unit of work: code inside the handler reaches the session through
    /// [`with_current`](SessionFactory::with_current), wherever it is.
    ///
    /// - `handler` returns `Ok`: the current session (if the handler made one) is committed;
    ///   a commit failure is returned (and the session rolled back).
    /// - `handler` returns `Err`: the session is rolled back and the error returned.
    /// - `handler` panics: the session is rolled back and the panic goes on.
    ///
    /// In every case the session is then closed and removed, so the thread's next request
    /// starts with a fresh one. A `request` inside a `request` (or a `with_current`) of the
    /// same factory is refused with [`Misuse::ReentrantCall`], and a `request` while the
    /// thread still has a current session made outside any request (`remove_current()` it
    /// first) with [`Misuse::RequestOverCurrentSession`]: the request would otherwise commit
    /// work that is not its own.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "accounts")]
    /// # struct Account {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     owner: String,
    /// #     balance: i64,
    /// # }
    /// /// A request handler: it reaches the session through `with_current`, wherever it is.
    /// fn deposit(factory: &SessionFactory, owner: &str, amount: i64) -> orm::Result<i64> {
    ///     let acct = factory.with_current(|s| s.query::<Account>().filter(Account::owner.eq(owner)).one())??;
    ///     if amount <= 0 {
    ///         let message = "a deposit must be positive".to_owned();
    ///         return Err(orm::Error::Validation { model: "Account".into(), field: Some("balance".into()), message });
    ///     }
    ///     let mut a = acct.write();
    ///     a.balance += amount;
    ///     Ok(a.balance)
    /// }
    ///
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Account::table()])?;
    /// # insert::<Account>().set(Account::owner, "ada").set(Account::balance, 100).execute(&engine)?;
    /// let factory = SessionFactory::new(&engine); // keep one in the application state
    ///
    /// // On the thread serving each request: commit on Ok, roll back on Err or panic.
    /// assert_eq!(factory.request(|| deposit(&factory, "ada", 10))?, 110);
    /// assert!(factory.request(|| deposit(&factory, "ada", -5)).is_err()); // rolled back
    /// let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     factory.request(|| -> orm::Result<()> {
    ///         deposit(&factory, "ada", 1_000)?;
    ///         panic!("a bug in the handler") // rolled back, then the panic goes on
    ///     })
    /// }));
    /// assert!(panicked.is_err());
    /// assert_eq!(select(Account::balance).one(&engine)?, 110);
    /// # Ok(())
    /// # }
    /// ```
    pub fn request<T>(&self, handler: impl FnOnce() -> Result<T>) -> Result<T> {
        CURRENT.with(|c| {
            let mut slots = c.borrow_mut();
            match slots.get(&self.id) {
                None => {
                    slots.insert(self.id, Slot { request: true, ..Slot::default() });
                    Ok(())
                }
                Some(slot) if slot.request => Err(Error::Misuse(Misuse::ReentrantCall {
                    call: "request",
                    inside: "`request` of the same factory".to_owned(),
                })),
                Some(slot) if slot.lent => Err(Error::Misuse(Misuse::ReentrantCall {
                    call: "request",
                    inside: "`with_current` of the same factory".to_owned(),
                })),
                Some(_) => Err(Error::Misuse(Misuse::RequestOverCurrentSession)),
            }
        })?;
        let outcome = catch_unwind(AssertUnwindSafe(handler));
        // The request is over: its slot goes, whatever happened.
        let slot = CURRENT.try_with(|c| c.borrow_mut().remove(&self.id)).ok().flatten().unwrap_or_default();
        let Slot { session, poisoned, .. } = slot;
        match outcome {
            Ok(Ok(value)) if !poisoned => match session {
                Some(mut session) => {
                    let committed = session.commit();
                    // After a commit, closing only detaches the objects; after a failed one it
                    // rolls back.
                    let closed = session.close();
                    committed?;
                    closed.map(|()| value)
                }
                None => Ok(value),
            },
            Ok(Ok(_)) => {
                if let Some(mut session) = session {
                    let _ = session.close();
                }
                Err(Error::RequestPanicked { ended: true })
            }
            Ok(Err(e)) => {
                // The handler's error is the one to report.
                if let Some(mut session) = session {
                    let _ = session.close();
                }
                Err(e)
            }
            Err(panic) => {
                if let Some(mut session) = session {
                    let _ = session.close();
                }
                resume_unwind(panic)
            }
        }
    }
}
