//! Contextual sessions: one session per thread and factory (SQLAlchemy's `scoped_session`).
//!
//! The per-request pattern: a request handler runs on one thread from start to end, calls
//! [`SessionFactory::with_current`] wherever it needs the database (each call on that thread
//! gets the same session, so objects loaded in one place are the same objects elsewhere), and
//! the request's end calls [`SessionFactory::remove_current`] — after `commit()` on success —
//! which closes the session (rolling back whatever was not committed) and frees the thread
//! for the next request.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::session::{Session, SessionFactory};

/// A thread's current sessions by factory: `None` while lent to a running `with_current`.
type Slots = HashMap<u64, Option<Session>>;

thread_local! {
    static CURRENT: RefCell<Slots> = RefCell::new(HashMap::new());
}

/// Puts a lent session back in its slot, also when `work` panics.
struct PutBack {
    factory: u64,
    session: Option<Session>,
}

impl Drop for PutBack {
    fn drop(&mut self) {
        let session = self.session.take();
        CURRENT.with(|c| c.borrow_mut().insert(self.factory, session));
    }
}

impl SessionFactory {
    /// Run `work` with this thread's session of this factory (clones of a factory share it),
    /// made on first use and kept until [`remove_current`](SessionFactory::remove_current).
    ///
    /// Calling `with_current` again from inside `work` is refused with
    /// [`Error::InvalidState`] (`work` already has the session).
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
            match slots.get_mut(&self.id) {
                // Taking it leaves `None`: the slot is marked lent.
                Some(slot) => slot.take().ok_or_else(|| {
                    Error::InvalidState("`with_current` called inside `with_current` of the same factory".into())
                }),
                None => {
                    slots.insert(self.id, None);
                    Ok(self.session())
                }
            }
        })?;
        let mut lent = PutBack { factory: self.id, session: Some(session) };
        let Some(session) = lent.session.as_mut() else { unreachable!("just set") };
        Ok(work(session))
    }

    /// Close and forget this thread's current session of this factory (if any): what it did
    /// not commit is rolled back and its objects are detached.
    pub fn remove_current(&self) -> Result<()> {
        let slot = CURRENT.with(|c| {
            let mut slots = c.borrow_mut();
            match slots.get(&self.id) {
                Some(None) => Err(Error::InvalidState("`remove_current` called inside `with_current`".into())),
                _ => Ok(slots.remove(&self.id).flatten()),
            }
        })?;
        match slot {
            Some(mut session) => session.close(),
            None => Ok(()),
        }
    }
}
