//! [`Obj`]: a handle to a mapped object, shared between the user and the session.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::{Error, Result};
use crate::model::{DynModel, Model};
use crate::schema::TableDef;
use crate::session::borrows::{self, Borrow};

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

impl ObjectState {
    /// The state's name, as messages write it ("persistent").
    pub(crate) fn name(self) -> &'static str {
        match self {
            ObjectState::Transient => "transient",
            ObjectState::Pending => "pending",
            ObjectState::Persistent => "persistent",
            ObjectState::Deleted => "deleted",
            ObjectState::Detached => "detached",
        }
    }
}

pub(crate) struct Meta {
    pub(crate) state: ObjectState,
    /// The session this object belongs to (0: none).
    pub(crate) session: u64,
    /// The database values of a persistent object whose fields have been written since it
    /// was loaded or flushed (taken lazily by the first [`Obj::write`]; `None` means the
    /// fields still hold the database values).
    pub(crate) snapshot: Option<Box<dyn DynModel>>,
    /// Marked for deletion at the next flush.
    pub(crate) delete_pending: bool,
}

impl Meta {
    /// Set the state and owning session (a state other than persistent drops a delete mark).
    pub(crate) fn set_state(&mut self, state: ObjectState, session: u64) {
        self.state = state;
        self.session = session;
        if state != ObjectState::Persistent {
            self.delete_pending = false;
        }
    }

    /// The snapshot, as an object of model `M` (`None` if there is none, or it is not one).
    pub(crate) fn snapshot_of<M: Model>(&self) -> Option<&M> {
        let snapshot: &dyn std::any::Any = self.snapshot.as_deref()?;
        snapshot.downcast_ref::<M>()
    }
}

impl std::fmt::Debug for Meta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meta")
            .field("state", &self.state)
            .field("session", &self.session)
            .field("snapshot", &self.snapshot.is_some())
            .field("delete_pending", &self.delete_pending)
            .finish()
    }
}

#[derive(Debug)]
pub(crate) struct ObjCell<M: Model> {
    pub(crate) data: RwLock<M>,
    pub(crate) meta: Mutex<Meta>,
    /// Set when a write guard was taken since the last flush (a hint; the flush compares
    /// values with the snapshot to find real changes).
    pub(crate) touched: AtomicBool,
    /// Expired (by a commit, `expire` or `expire_all`): the fields may be stale, and the next
    /// query or `get` that reads this row replaces them (unless they were written since).
    pub(crate) expired: AtomicBool,
}

impl<M: Model> ObjCell<M> {
    pub(crate) fn meta(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The object's address: what the thread's guard registry records.
    pub(crate) fn address(&self) -> usize {
        std::ptr::from_ref(self) as *const () as usize
    }

    /// The fields, for reading inside the ORM: a read guard of this thread does not stand in
    /// the way (a recursive read). Session paths refuse up front when this thread holds the
    /// object's write guard; should one get here anyway, it panics rather than wait forever.
    pub(crate) fn data(&self) -> ObjRef<'_, M> {
        let guard = match self.data.try_read_recursive() {
            Some(guard) => guard,
            None => {
                if let Some(held @ Borrow::Write) = borrows::held(self.address()) {
                    panic!("{}", self.borrowed_error(held, "read"));
                }
                self.data.read_recursive()
            }
        };
        ObjRef::new(guard, self.address())
    }

    /// The fields, for writing inside the ORM (the change is not tracked). Waits for guards
    /// of other threads; panics, rather than wait forever, when this thread holds one
    /// (session paths refuse that case up front).
    pub(crate) fn data_mut(&self) -> ObjMut<'_, M> {
        match self.data_mut_now("written") {
            Ok(guard) => guard,
            Err(e) => panic!("{e}"),
        }
    }

    /// The write guard, waiting for guards of other threads; [`Error::ObjectBorrowed`] (the
    /// object cannot be `action`) when this thread holds one: waiting would wait forever.
    pub(crate) fn data_mut_now(&self, action: &'static str) -> Result<ObjMut<'_, M>> {
        let guard = match self.data.try_write() {
            Some(guard) => guard,
            None => match borrows::held(self.address()) {
                Some(held) => return Err(self.borrowed_error(held, action)),
                None => self.data.write(),
            },
        };
        Ok(ObjMut::new(guard, self.address()))
    }

    /// `Err(ObjectBorrowed)` when an access that `needs` to read or write the fields would
    /// wait for a guard of this thread (a read needs no write guard held, a write no guard).
    pub(crate) fn check_borrow(&self, needs: Borrow, action: &'static str) -> Result<()> {
        match (borrows::held(self.address()), needs) {
            (Some(held @ Borrow::Write), _) | (Some(held @ Borrow::Read), Borrow::Write) => {
                Err(self.borrowed_error(held, action))
            }
            _ => Ok(()),
        }
    }

    /// [`Error::ObjectBorrowed`]: this thread holds a `held` guard, so the object cannot be
    /// `action`. Names the key when the object has a row and the key is readable at once.
    #[cold]
    fn borrowed_error(&self, held: Borrow, action: &'static str) -> Error {
        // Never waits: the lock may belong to the very code that is being refused.
        let data = self.data.try_read_recursive();
        borrowed_error(M::table(), &self.meta, data.as_deref().map(|d| d as &dyn DynModel), held, action)
    }

    /// Take the values of a row just read if this object is expired and was not written
    /// since. A handle that is being read or written right now keeps its values (and stays
    /// expired): replacing them under a live guard would block.
    pub(crate) fn refresh_if_expired(&self, fresh: M) {
        if !self.expired.load(Ordering::Acquire) || self.touched.load(Ordering::Acquire) {
            return;
        }
        let Some(mut data) = self.data.try_write() else { return };
        *data = fresh;
        drop(data);
        self.meta().snapshot = None;
        self.expired.store(false, Ordering::Release);
    }

    /// Replace the fields with the database's values (after a refresh). Refused while this
    /// thread holds a guard of the object (waiting would wait forever); guards of other
    /// threads are waited for.
    pub(crate) fn set_fresh(&self, fresh: M) -> Result<()> {
        let mut data = self.data_mut_now("refreshed")?;
        *data = fresh;
        drop(data);
        self.meta().snapshot = None;
        self.touched.store(false, Ordering::Release);
        self.expired.store(false, Ordering::Release);
        Ok(())
    }
}

/// [`Error::ObjectBorrowed`] for an object of `table` whose state is `meta` and whose fields
/// are `data` when they could be read at once (compiled once, for every model).
#[cold]
#[inline(never)]
fn borrowed_error(
    table: &'static TableDef,
    meta: &Mutex<Meta>,
    data: Option<&dyn DynModel>,
    held: Borrow,
    action: &'static str,
) -> Error {
    // Never waits: the lock may belong to the very code that is being refused.
    let key = meta.try_lock().ok().and_then(|meta| {
        let has_row = matches!(meta.state, ObjectState::Persistent | ObjectState::Deleted | ObjectState::Detached);
        match (has_row, meta.snapshot.as_deref()) {
            (false, _) => None,
            (true, Some(snapshot)) => Some(snapshot.key_debug_now()),
            (true, None) => data.map(DynModel::key_debug_now),
        }
    });
    Error::ObjectBorrowed {
        model: table.model.to_owned(),
        table: table.name.to_owned(),
        key,
        action,
        write_guard: held == Borrow::Write,
    }
}

/// A handle to a mapped object. Clones are handles to the same object.
///
/// Read with [`Obj::read`], change fields in place with [`Obj::write`]; the session finds
/// the changed columns at the next flush by comparing with the values it loaded. Handles
/// never borrow the session, so they stay usable across flushes and commits, and they are
/// `Send + Sync`.
///
/// # Guards
///
/// `read()` returns an [`ObjRef`] (shared: any number at once), `write()` an [`ObjMut`]
/// (exclusive). Like `RefCell`'s borrows, a guard knows its thread (it is not `Send`), so
/// nothing ever waits forever on a guard of its own thread:
///
/// - `read()` while the thread already reads the object reads it again at once, even while
///   another thread waits to write it;
/// - `read()` while the thread writes the object, or `write()` while it reads or writes it,
///   panics at once ([`try_read`](Obj::try_read) / [`try_write`](Obj::try_write) return
///   [`Error::ObjectBorrowed`] instead);
/// - a [`Session`](crate::session::Session) call that would have to read or write an object
///   this thread holds a guard of (a flush, commit or autoflush that writes it, a rollback
///   that restores it, `refresh`, `merge`, a relationship load) returns
///   [`Error::ObjectBorrowed`] before doing anything; drop the guard and call it again.
///   `close()` and dropping a session cannot refuse: they roll the database back and leave
///   the fields of borrowed objects as they are, expired.
///
/// Guards held by other threads are waited for, as with any lock.
///
/// ```
/// # use orm::prelude::*;
/// # #[derive(Model, Debug)]
/// # #[orm(table = "users")]
/// # struct User {
/// #     #[orm(primary_key, auto_increment)]
/// #     id: i64,
/// #     name: String,
/// # }
/// # fn main() -> orm::Result<()> {
/// # let engine = Engine::connect("sqlite::memory:")?;
/// # engine.create_all(&[User::table()])?;
/// let mut session = engine.session();
/// let ada = session.add(User { id: 0, name: "Ada".into() })?;
/// let name = ada.read();
/// // The flush would write the generated key into `ada`, which this thread is reading.
/// assert!(matches!(session.flush(), Err(orm::Error::ObjectBorrowed { .. })));
/// assert!(ada.try_write().is_err());
/// drop(name);
/// session.flush()?;
/// ada.write().name.push_str(" Lovelace");
/// # Ok(())
/// # }
/// ```
pub struct Obj<M: Model>(pub(crate) Arc<ObjCell<M>>);

impl<M: Model> Clone for Obj<M> {
    fn clone(&self) -> Self {
        Obj(self.0.clone())
    }
}

impl<M: Model + std::fmt::Debug> std::fmt::Debug for Obj<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Obj");
        d.field("state", &self.state());
        // Formatting must not panic while this thread writes the object.
        match borrows::held(self.0.address()) {
            Some(Borrow::Write) => d.field("data", &format_args!("<being written on this thread>")),
            _ => d.field("data", &*self.0.data()),
        };
        d.finish()
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

    /// Read the object's fields. Waits while another thread writes the object.
    ///
    /// # Panics
    ///
    /// If this thread holds the object's write guard (reading would wait forever); see
    /// [`try_read`](Obj::try_read). A read guard of this thread is no obstacle: the object is
    /// read again at once.
    #[track_caller]
    pub fn read(&self) -> ObjRef<'_, M> {
        match self.try_read() {
            Ok(guard) => guard,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`read`](Obj::read), with [`Error::ObjectBorrowed`] instead of a panic when this
    /// thread holds the object's write guard. (Still waits while another thread writes it.)
    pub fn try_read(&self) -> Result<ObjRef<'_, M>> {
        let cell = &*self.0;
        let addr = cell.address();
        let guard = match cell.data.try_read() {
            Some(guard) => guard,
            // Written or waited for by a writer: by this thread?
            None => match borrows::held(addr) {
                None => cell.data.read(),
                // Not behind another thread's waiting writer, which waits for this very guard.
                Some(Borrow::Read) => cell.data.read_recursive(),
                Some(held @ Borrow::Write) => return Err(cell.borrowed_error(held, "read")),
            },
        };
        Ok(ObjRef::new(guard, addr))
    }

    /// Change the object's fields in place; the next flush writes the changed columns.
    /// Waits while another thread reads or writes the object.
    ///
    /// The first write after a load or flush copies the loaded values aside, so that the
    /// flush can compare; objects that are only read cost no copy.
    ///
    /// # Panics
    ///
    /// If this thread holds a guard of the object, read or write (like `RefCell`'s "already
    /// borrowed"; waiting would wait forever); see [`try_write`](Obj::try_write).
    #[track_caller]
    pub fn write(&self) -> ObjMut<'_, M> {
        match self.try_write() {
            Ok(guard) => guard,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`write`](Obj::write), with [`Error::ObjectBorrowed`] instead of a panic when this
    /// thread holds a guard of the object. (Still waits for guards of other threads.)
    pub fn try_write(&self) -> Result<ObjMut<'_, M>> {
        let cell = &*self.0;
        if let Some(held) = borrows::held(cell.address()) {
            return Err(cell.borrowed_error(held, "written"));
        }
        {
            let mut meta = cell.meta();
            if meta.state == ObjectState::Persistent && meta.snapshot.is_none() {
                meta.snapshot = Some(Box::new(cell.data().snapshot()));
            }
            cell.touched.store(true, Ordering::Release);
        }
        WRITES.fetch_add(1, Ordering::Relaxed);
        Ok(ObjMut::new(cell.data.write(), cell.address()))
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
    ///
    /// # Panics
    ///
    /// As [`read`](Obj::read): if this thread holds the object's write guard.
    #[track_caller]
    pub fn to_value(&self) -> M {
        self.read().snapshot()
    }
}

/// A read guard of an object ([`Obj::read`]): its fields, shared with other readers.
///
/// Not `Send`: the guard is recorded on the thread that took it (so that this thread never
/// waits for itself) and must be dropped there.
#[must_use = "the guard is released at once if not kept"]
pub struct ObjRef<'a, M: Model> {
    guard: RwLockReadGuard<'a, M>,
    addr: usize,
    /// `!Send` (and `Sync`), whatever features `parking_lot` was built with.
    _thread: PhantomData<MutexGuard<'static, ()>>,
}

impl<'a, M: Model> ObjRef<'a, M> {
    fn new(guard: RwLockReadGuard<'a, M>, addr: usize) -> Self {
        borrows::register(addr, Borrow::Read);
        ObjRef { guard, addr, _thread: PhantomData }
    }
}

impl<M: Model> Deref for ObjRef<'_, M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.guard
    }
}

impl<M: Model> Drop for ObjRef<'_, M> {
    fn drop(&mut self) {
        borrows::unregister(self.addr, Borrow::Read);
    }
}

impl<M: Model + std::fmt::Debug> std::fmt::Debug for ObjRef<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// A write guard of an object ([`Obj::write`]): its fields, exclusively; the next flush
/// writes what changed.
///
/// Not `Send`: the guard is recorded on the thread that took it (so that this thread never
/// waits for itself) and must be dropped there.
#[must_use = "the guard is released at once if not kept"]
pub struct ObjMut<'a, M: Model> {
    guard: RwLockWriteGuard<'a, M>,
    addr: usize,
    /// `!Send` (and `Sync`), whatever features `parking_lot` was built with.
    _thread: PhantomData<MutexGuard<'static, ()>>,
}

impl<'a, M: Model> ObjMut<'a, M> {
    fn new(guard: RwLockWriteGuard<'a, M>, addr: usize) -> Self {
        borrows::register(addr, Borrow::Write);
        ObjMut { guard, addr, _thread: PhantomData }
    }
}

impl<M: Model> Deref for ObjMut<'_, M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.guard
    }
}

impl<M: Model> DerefMut for ObjMut<'_, M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.guard
    }
}

impl<M: Model> Drop for ObjMut<'_, M> {
    fn drop(&mut self) {
        borrows::unregister(self.addr, Borrow::Write);
    }
}

impl<M: Model + std::fmt::Debug> std::fmt::Debug for ObjMut<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
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
