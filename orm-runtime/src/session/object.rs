//! [`Obj`]: a handle to a mapped object, shared between the user and the session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::model::Model;

/// Counts every [`Obj::write`] in the process: a session whose last look at its objects saw
/// the same count knows none of them was written since (autoflush need not scan them).
pub(crate) static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Where an object stands with respect to a session (SQLAlchemy's object states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectState {
    /// Not in any session and not known to be in the database.
    Transient,
    /// Added to a session; will be inserted at the next flush.
    Pending,
    /// In the database and in a session's identity map.
    Persistent,
    /// Deleted by a flush; becomes detached when the transaction commits.
    Deleted,
    /// Was persistent, but its session was closed or it was expunged.
    Detached,
}

#[derive(Debug)]
pub(crate) struct Meta<M: Model> {
    pub(crate) state: ObjectState,
    /// The session this object belongs to (0: none).
    pub(crate) session: u64,
    /// The database values of a persistent object whose fields have been written since it
    /// was loaded or flushed (taken lazily by the first [`Obj::write`]; `None` means the
    /// fields still hold the database values).
    pub(crate) snapshot: Option<M>,
    /// Marked for deletion at the next flush.
    pub(crate) delete_pending: bool,
}

#[derive(Debug)]
pub(crate) struct ObjCell<M: Model> {
    pub(crate) data: RwLock<M>,
    pub(crate) meta: Mutex<Meta<M>>,
    /// Set when a write guard was taken since the last flush (a hint; the flush compares
    /// values with the snapshot to find real changes).
    pub(crate) touched: AtomicBool,
    /// Expired (by a commit, `expire` or `expire_all`): the fields may be stale, and the next
    /// query or `get` that reads this row replaces them (unless they were written since).
    pub(crate) expired: AtomicBool,
}

impl<M: Model> ObjCell<M> {
    pub(crate) fn meta(&self) -> MutexGuard<'_, Meta<M>> {
        self.meta.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn data(&self) -> RwLockReadGuard<'_, M> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn data_mut(&self) -> RwLockWriteGuard<'_, M> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The write guard, or an error naming what could not be done (`what`) when a guard of
    /// this object is alive: waiting could wait forever when the caller's thread holds it.
    pub(crate) fn data_mut_now(&self, what: &str) -> crate::error::Result<RwLockWriteGuard<'_, M>> {
        match self.data.try_write() {
            Ok(data) => Ok(data),
            Err(std::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(crate::error::Error::InvalidState(format!(
                "a `{}` being read or written cannot be {what}: drop its guard first",
                M::table().model
            ))),
        }
    }

    /// Take the values of a row just read if this object is expired and was not written
    /// since. A handle that is being read or written right now keeps its values (and stays
    /// expired): replacing them under a live guard would block.
    pub(crate) fn refresh_if_expired(&self, fresh: M) {
        if !self.expired.load(Ordering::Acquire) || self.touched.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut data) = self.data.try_write() else { return };
        *data = fresh;
        drop(data);
        self.meta().snapshot = None;
        self.expired.store(false, Ordering::Release);
    }

    /// Replace the fields with the database's values (after a refresh). Refused while a
    /// read or write guard of the object is alive: waiting for it could wait forever when
    /// the guard belongs to the calling thread.
    pub(crate) fn set_fresh(&self, fresh: M) -> crate::error::Result<()> {
        let mut data = self.data_mut_now("refreshed")?;
        *data = fresh;
        drop(data);
        self.meta().snapshot = None;
        self.touched.store(false, Ordering::Release);
        self.expired.store(false, Ordering::Release);
        Ok(())
    }
}

/// A handle to a mapped object. Clones are handles to the same object.
///
/// Read with [`Obj::read`], change fields in place with [`Obj::write`]; the session finds
/// the changed columns at the next flush by comparing with the values it loaded. Handles
/// never borrow the session, so they stay usable across flushes and commits, and they are
/// `Send + Sync`.
pub struct Obj<M: Model>(pub(crate) Arc<ObjCell<M>>);

impl<M: Model> Clone for Obj<M> {
    fn clone(&self) -> Self {
        Obj(self.0.clone())
    }
}

impl<M: Model + std::fmt::Debug> std::fmt::Debug for Obj<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Obj").field("state", &self.state()).field("data", &*self.read()).finish()
    }
}

impl<M: Model> PartialEq for Obj<M> {
    /// Handles are equal when they are handles to the same object (identity, not value).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<M: Model> Eq for Obj<M> {}

impl<M: Model> Obj<M> {
    /// A new transient object (not in any session yet).
    pub fn new(value: M) -> Self {
        Obj(Arc::new(ObjCell {
            data: RwLock::new(value),
            meta: Mutex::new(Meta { state: ObjectState::Transient, session: 0, snapshot: None, delete_pending: false }),
            touched: AtomicBool::new(false),
            expired: AtomicBool::new(false),
        }))
    }

    pub(crate) fn loaded(value: M, session: u64) -> Self {
        Obj(Arc::new(ObjCell {
            data: RwLock::new(value),
            meta: Mutex::new(Meta { state: ObjectState::Persistent, session, snapshot: None, delete_pending: false }),
            touched: AtomicBool::new(false),
            expired: AtomicBool::new(false),
        }))
    }

    /// Read the object's fields.
    pub fn read(&self) -> RwLockReadGuard<'_, M> {
        self.0.data()
    }

    /// Change the object's fields in place; the next flush writes the changed columns.
    ///
    /// The first write after a load or flush copies the loaded values aside, so that the
    /// flush can compare; objects that are only read cost no copy.
    pub fn write(&self) -> RwLockWriteGuard<'_, M> {
        {
            let mut meta = self.0.meta();
            if meta.state == ObjectState::Persistent && meta.snapshot.is_none() {
                meta.snapshot = Some(self.0.data().snapshot());
            }
            self.0.touched.store(true, Ordering::Release);
        }
        WRITES.fetch_add(1, Ordering::Relaxed);
        self.0.data_mut()
    }

    /// Whether the object is expired: its session committed (with `expire_on_commit`, the
    /// default) or expired it since its fields were loaded. An expired object's fields still
    /// hold the values it had (a field read cannot run a query); the next query, `get` or
    /// `refresh` that reads its row replaces them with the database's. Writing to an expired
    /// object is fine: the flush writes the fields you changed, and the object keeps your
    /// values until then.
    pub fn is_expired(&self) -> bool {
        self.0.expired.load(Ordering::Acquire)
    }

    /// The object's state.
    pub fn state(&self) -> ObjectState {
        self.0.meta().state
    }

    /// Whether two handles point to the same object.
    pub fn ptr_eq(&self, other: &Obj<M>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A copy of the current values (detached from any session).
    pub fn to_value(&self) -> M {
        self.read().snapshot()
    }
}

/// What [`Session::add`](crate::session::Session::add) accepts: a new value, or a handle.
pub trait IntoObj<M: Model> {
    /// The handle.
    fn into_obj(self) -> Obj<M>;
}

impl<M: Model> IntoObj<M> for M {
    fn into_obj(self) -> Obj<M> {
        Obj::new(self)
    }
}

impl<M: Model> IntoObj<M> for Obj<M> {
    fn into_obj(self) -> Obj<M> {
        self
    }
}

impl<M: Model> IntoObj<M> for &Obj<M> {
    fn into_obj(self) -> Obj<M> {
        self.clone()
    }
}
