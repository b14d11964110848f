//! Which objects the calling thread holds guards of.
//!
//! Every guard of an object ([`ObjRef`](crate::session::ObjRef) and
//! [`ObjMut`](crate::session::ObjMut), the user's and the session's own) records the object's
//! address here while it lives. Guards are `!Send`, so a guard is dropped on the thread that
//! recorded it. Before the session touches an object's fields it asks: waiting for a guard
//! that the calling thread holds would wait forever.
//!
//! A thread holds a handful of guards at most, usually none, and every `obj.read()` records
//! one: the registry is a small vector searched linearly, its first [`INLINE`] entries in
//! plain `Cell`s of a thread-local without destructor (the cheapest kind to reach), the rest
//! in a spill `Vec`. Measured on `obj.read().id` in a release loop over 1000 objects: a
//! `RefCell<Vec<_>>` registry cost 5.4 ns a read (6.6 → 12.0 ns, against std's `RwLock`
//! without registry); this one is within the noise (6.7 ns; `write()` 13.2 ns, as before).

use std::cell::{Cell, RefCell};

/// A kind of guard (of a thread, of an object): what it allows, or what an access needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Borrow {
    /// Shared: the fields can be read.
    Read,
    /// Exclusive: the fields can be written.
    Write,
}

/// Entries kept without allocation.
const INLINE: usize = 8;

/// The registry of one thread: `len` entries, the first [`INLINE`] in `inline`, the others in
/// [`SPILL`]. An entry is an object's address with the low bit set for a write guard
/// (objects are aligned to at least 8 bytes, so the bit is free).
struct Held {
    len: Cell<usize>,
    inline: [Cell<usize>; INLINE],
}

thread_local! {
    static HELD: Held = const { Held { len: Cell::new(0), inline: [const { Cell::new(0) }; INLINE] } };
    /// Entries beyond the first [`INLINE`] (rarely used: a thread holding many guards).
    static SPILL: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn entry(addr: usize, kind: Borrow) -> usize {
    match kind {
        Borrow::Read => addr,
        Borrow::Write => addr | 1,
    }
}

/// Entry `i` (< len) of `held`.
fn get(held: &Held, i: usize) -> usize {
    match held.inline.get(i) {
        Some(cell) => cell.get(),
        None => SPILL.with(|s| s.borrow().get(i - INLINE).copied().unwrap_or(0)),
    }
}

/// Set entry `i` (≤ len) of `held`.
fn set(held: &Held, i: usize, e: usize) {
    match held.inline.get(i) {
        Some(cell) => cell.set(e),
        None => SPILL.with(|s| {
            let mut spill = s.borrow_mut();
            match spill.get_mut(i - INLINE) {
                Some(slot) => *slot = e,
                None => spill.push(e),
            }
        }),
    }
}

/// A guard of the object at `addr` was taken on this thread.
#[inline]
pub(crate) fn register(addr: usize, kind: Borrow) {
    HELD.with(|held| {
        let len = held.len.get();
        match held.inline.get(len) {
            Some(cell) => cell.set(entry(addr, kind)),
            None => set(held, len, entry(addr, kind)),
        }
        held.len.set(len + 1);
    });
}

/// A guard of the object at `addr`, taken on this thread, was dropped.
#[inline]
pub(crate) fn unregister(addr: usize, kind: Borrow) {
    HELD.with(|held| {
        let len = held.len.get();
        let e = entry(addr, kind);
        // Guards are mostly dropped in reverse order: the entry is usually the last one.
        let Some(last) = len.checked_sub(1) else { return };
        if last < INLINE && held.inline[last].get() == e {
            held.len.set(last);
            return;
        }
        if let Some(i) = (0..len).rev().find(|&i| get(held, i) == e) {
            // The last entry takes its place.
            set(held, i, get(held, last));
            if last >= INLINE {
                SPILL.with(|s| s.borrow_mut().truncate(last - INLINE));
            }
            held.len.set(last);
        }
    });
}

/// The strongest guard this thread holds of the object at `addr`, if any.
pub(crate) fn held(addr: usize) -> Option<Borrow> {
    HELD.with(|held| {
        let mut found = None;
        for i in 0..held.len.get() {
            let e = get(held, i);
            if e & !1 == addr {
                if e & 1 == 1 {
                    return Some(Borrow::Write);
                }
                found = Some(Borrow::Read);
            }
        }
        found
    })
}

/// Whether this thread holds any guard at all (the common case, and a fast path: no object
/// needs to be looked at).
pub(crate) fn any() -> bool {
    HELD.with(|held| held.len.get() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_beyond_the_inline_ones_spill_and_come_back_in_any_order() {
        let addrs: Vec<usize> = (1..=20).map(|i| i * 64).collect();
        for (i, &a) in addrs.iter().enumerate() {
            register(a, if i % 3 == 0 { Borrow::Write } else { Borrow::Read });
        }
        assert_eq!(held(addrs[0]), Some(Borrow::Write));
        assert_eq!(held(addrs[1]), Some(Borrow::Read));
        assert_eq!(held(addrs[19]), Some(Borrow::Read));
        assert_eq!(held(8), None);
        register(addrs[1], Borrow::Write);
        assert_eq!(held(addrs[1]), Some(Borrow::Write), "the strongest guard");
        unregister(addrs[1], Borrow::Write);
        assert_eq!(held(addrs[1]), Some(Borrow::Read));
        // Out of order: from the front, where the last (spilled) entries move in.
        for (i, &a) in addrs.iter().enumerate() {
            unregister(a, if i % 3 == 0 { Borrow::Write } else { Borrow::Read });
            assert_eq!(held(a), None);
            for &b in &addrs[i + 1..] {
                assert!(held(b).is_some(), "{b} still held after {a} was dropped");
            }
        }
        assert!(!any());
        assert!(SPILL.with(|s| s.borrow().is_empty()));
    }
}
