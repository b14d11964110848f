//! Which objects the calling thread holds guards of.
//!
//! Every guard of an object ([`ObjRef`](crate::session::ObjRef) and
//! [`ObjMut`](crate::session::ObjMut), the user's and the session's own) records the object's
//! address here while it lives. Guards are `!Send`, so a guard is dropped on the thread that
//! recorded it. Before the session touches an object's fields it asks: waiting for a guard
//! that the calling thread holds would wait forever.
//!
//! A thread holds a handful of guards at most, usually none: a `Vec` searched linearly,
//! without a hash, is the cheapest registry (one push and one pop per guard).

use std::cell::RefCell;

/// A kind of guard (of a thread, of an object): what it allows, or what an access needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Borrow {
    /// Shared: the fields can be read.
    Read,
    /// Exclusive: the fields can be written.
    Write,
}

thread_local! {
    /// One entry per live guard of this thread: (object address, kind).
    static HELD: RefCell<Vec<(usize, Borrow)>> = const { RefCell::new(Vec::new()) };
}

/// A guard of the object at `addr` was taken on this thread.
pub(crate) fn register(addr: usize, kind: Borrow) {
    // During the thread's teardown the registry may be gone: nothing to record then.
    let _ = HELD.try_with(|h| h.borrow_mut().push((addr, kind)));
}

/// A guard of the object at `addr`, taken on this thread, was dropped.
pub(crate) fn unregister(addr: usize, kind: Borrow) {
    let _ = HELD.try_with(|h| {
        let mut held = h.borrow_mut();
        // Guards are mostly dropped in reverse order: the entry is usually the last one.
        if let Some(i) = held.iter().rposition(|e| *e == (addr, kind)) {
            held.swap_remove(i);
        }
    });
}

/// The strongest guard this thread holds of the object at `addr`, if any.
pub(crate) fn held(addr: usize) -> Option<Borrow> {
    HELD.try_with(|h| {
        let mut found = None;
        for &(a, kind) in h.borrow().iter() {
            if a == addr {
                if kind == Borrow::Write {
                    return Some(Borrow::Write);
                }
                found = Some(kind);
            }
        }
        found
    })
    .ok()
    .flatten()
}

/// Whether this thread holds any guard at all (the common case, and a fast path: no object
/// needs to be looked at).
pub(crate) fn any() -> bool {
    HELD.try_with(|h| !h.borrow().is_empty()).unwrap_or(false)
}
