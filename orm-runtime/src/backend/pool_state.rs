//! The state a pool shares with its connections: the generation, the schema epoch, the count
//! of open connections ([`PoolSlot`]) and the counters behind
//! [`PoolStatus`](crate::backend::PoolStatus). Connections and the pool glue both hold it.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::Error;

/// State shared by a pool and its connections.
#[derive(Debug, Default)]
pub(crate) struct PoolShared {
    /// Bumped by the first disconnect seen in a generation.
    pub(crate) generation: AtomicU64,
    /// Connections dropped because their generation was old (no round trip).
    pub(crate) stale_discarded: AtomicU64,
    /// Checkout probes that failed.
    pub(crate) probe_failures: AtomicU64,
    /// Checkout probes sent (round trips).
    pub(crate) probes: AtomicU64,
    /// Dead connections replaced at their first statement.
    pub(crate) reconnects: AtomicU64,
    /// Connections opened.
    pub(crate) connects: AtomicU64,
    /// Handshakes that missed the connect deadline and still hang.
    pub(crate) hung_connects: AtomicUsize,
    /// Handshakes under way or hanging: what `max_hung_connects` caps. A slot is taken
    /// (atomically, against the cap) before a handshake starts, so concurrent connects
    /// cannot all pass the check and leave more hung handshakes than the cap.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) connect_slots: AtomicUsize,
    /// Bumped by DDL run through the engine; connections empty their statement caches when
    /// theirs is older.
    pub(crate) schema_epoch: AtomicU64,
    /// The last error opening a connection (cleared by the next success), for `PoolTimeout`.
    pub(crate) last_connect_error: std::sync::Mutex<Option<Error>>,
    /// Connections open now (each holds a [`PoolSlot`]).
    pub(crate) open: AtomicU32,
    /// Connections kept idle at most; beyond this, returned connections are closed.
    pub(crate) pool_size: u32,
    /// Connections opened beyond `pool_size` under load, at most.
    pub(crate) max_overflow: u32,
    /// Connections closed because they outlived `max_lifetime`.
    pub(crate) recycled: AtomicU64,
    /// Overflow connections closed when they were returned.
    pub(crate) overflow_closed: AtomicU64,
}

/// A connection's place in its pool's count of open connections: taken when it is opened,
/// given back when it is closed (dropped), or early when the pool retires it as overflow.
#[derive(Debug)]
pub(crate) struct PoolSlot(pub(crate) Option<Arc<PoolShared>>);

impl PoolSlot {
    /// Count a newly opened connection in.
    pub(crate) fn take(shared: &Arc<PoolShared>) -> PoolSlot {
        shared.open.fetch_add(1, Ordering::AcqRel);
        PoolSlot(Some(shared.clone()))
    }
}

impl Drop for PoolSlot {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl PoolShared {
    /// The shared state of a pool of `pool_size` connections plus `max_overflow`.
    pub(crate) fn new(pool_size: u32, max_overflow: u32) -> Self {
        PoolShared { pool_size, max_overflow, ..PoolShared::default() }
    }

    /// A connection of generation `generation` saw a disconnect: every connection opened
    /// before now is suspect. Only the first report of a generation bumps it.
    pub(crate) fn disconnect_seen(&self, generation: u64) {
        let _ = self.generation.compare_exchange(generation, generation + 1, Ordering::AcqRel, Ordering::Acquire);
    }

    /// The last error opening a connection when it is a verdict that another attempt would
    /// get again (the server refused TLS, the certificate failed verification) or that has
    /// already waited its full time (SQLite's busy timeout, when another connection's open
    /// write transaction locks an in-memory database): a checkout waiting for a connection
    /// returns it at once instead of waiting out the pool's timeout.
    pub(crate) fn settled_connect_error(&self) -> Option<Error> {
        let last = self.last_connect_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .filter(|e| matches!(e, Error::Tls { .. } | Error::TlsRefused { .. } | Error::Busy { .. }))
            .map(Error::duplicate)
    }

    /// The last error opening a connection, if the last attempt failed.
    pub(crate) fn last_connect_error(&self) -> Option<Error> {
        self.last_connect_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().map(Error::duplicate)
    }

    /// Remember how the last attempt to open a connection ended.
    pub(crate) fn record_connect(&self, result: Option<&Error>) {
        *self.last_connect_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            result.map(Error::duplicate);
    }

    /// The current schema epoch.
    pub(crate) fn schema_epoch(&self) -> u64 {
        self.schema_epoch.load(Ordering::Acquire)
    }

    /// A schema change: bump the epoch; the new value.
    pub(crate) fn bump_schema_epoch(&self) -> u64 {
        self.schema_epoch.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The current generation.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Give up `slot`'s place if more than `pool_size` connections are open: the connection
    /// holding it is overflow and must be closed, not kept idle. One atomic update, so two
    /// connections returned at once cannot both leave (or both stay) wrongly.
    pub(crate) fn retire_overflow(&self, slot: &mut Option<PoolSlot>) -> bool {
        let Some(PoolSlot(Some(_))) = slot else { return false };
        let size = self.pool_size;
        let retired =
            self.open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n > size).then(|| n - 1)).is_ok();
        if retired {
            // Counted out above: the slot must not count out again when the connection drops.
            if let Some(s) = slot.as_mut() {
                s.0 = None;
            }
            self.overflow_closed.fetch_add(1, Ordering::Relaxed);
        }
        retired
    }
}
