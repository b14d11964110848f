//! When a pooled PostgreSQL connection is probed at checkout, and how a connection that died
//! while it sat in the pool is replaced at its first statement instead.
//!
//! The checkout probe (`SELECT now() = statement_timestamp()`) costs a round trip, as much as
//! the keyed read it usually precedes. It is sent only when it can find something:
//!
//! - the connection has been idle for at least the engine's
//!   [`pre_ping_after`](crate::backend::EngineBuilder::pre_ping_after) (1 s by default; the
//!   window HikariCP calls `aliveBypassWindowMs`), or
//! - the last borrower ran SQL whose effect on the transaction state the connection cannot
//!   follow (a multi-statement [`batch`](crate::backend::Connection::batch), which may hold a
//!   `BEGIN`), or a statement of it failed.
//!
//! A connection checked out without a probe is *unverified* until its first statement ends.
//! If that statement fails because the connection is gone, and a second run cannot change
//! what the database holds (transaction control, or a `SELECT`: `dialect::rerun_is_harmless`),
//! the connection is replaced by a new one in place (`Connection::reconnect`, through the
//! pool's manager as `Reopen`) and the statement runs again: the caller sees nothing, as with the
//! probe. A first statement that writes outside a transaction is never run twice, since a
//! connection lost while the server ran it may have committed it; it fails with
//! [`Error::CommitOutcomeUnknown`](crate::error::Error::CommitOutcomeUnknown), the connection is discarded
//! and the pool generation moves on, so the pool's other stale connections go without a
//! round trip.

use std::time::{Duration, Instant};

/// The default [`pre_ping_after`](crate::backend::EngineBuilder::pre_ping_after).
pub(crate) const DEFAULT_PROBE_AFTER: Duration = Duration::from_secs(1);

/// What a connection knows about its own liveness between checkouts.
#[derive(Default)]
pub(crate) struct Liveness {
    /// When the pool last got the connection back.
    checked_in_at: Option<Instant>,
    /// Checked out without a probe, and no statement has ended since.
    unverified: bool,
    /// The next checkout must probe, however recent the last use.
    needs_probe: bool,
}

impl std::fmt::Debug for Liveness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Liveness")
            .field("unverified", &self.unverified)
            .field("needs_probe", &self.needs_probe)
            .finish()
    }
}

impl Liveness {
    /// A connection just opened (and set up with a statement or two): as good as probed.
    pub(crate) fn opened() -> Self {
        Liveness { checked_in_at: Some(Instant::now()), ..Liveness::default() }
    }

    /// The pool got the connection back.
    pub(crate) fn checked_in(&mut self) {
        self.checked_in_at = Some(Instant::now());
        self.unverified = false;
    }

    /// At checkout: whether the probe may be skipped (the connection was back in the pool
    /// less than `after` ago and nothing since its last probe calls for one). When it is, the
    /// connection is unverified until its first statement ends.
    pub(crate) fn skip_probe(&mut self, after: Duration) -> bool {
        let recent = self.checked_in_at.is_some_and(|t| t.elapsed() < after);
        let skip = recent && !self.needs_probe;
        self.unverified = skip;
        if !skip {
            self.needs_probe = false;
        }
        skip
    }

    /// The next checkout probes (SQL whose effect on the transaction state is unknown ran,
    /// or a statement failed).
    pub(crate) fn probe_next_time(&mut self) {
        self.needs_probe = true;
    }

    /// Whether the connection is unverified; it no longer is after this call (the statement
    /// about to run is its first).
    pub(crate) fn take_unverified(&mut self) -> bool {
        std::mem::take(&mut self.unverified)
    }
}

#[cfg(test)]
mod tests {
    use super::Liveness;
    use std::time::Duration;

    #[test]
    fn a_probe_is_skipped_only_for_a_recent_clean_connection() {
        let mut l = Liveness::default();
        assert!(!l.skip_probe(Duration::from_secs(1)), "never checked in");
        let mut l = Liveness::opened();
        assert!(l.skip_probe(Duration::from_secs(1)), "just opened");
        l.checked_in();
        assert!(l.skip_probe(Duration::from_secs(1)));
        assert!(l.take_unverified());
        assert!(!l.take_unverified(), "only the first statement is unverified");
        l.checked_in();
        assert!(!l.skip_probe(Duration::ZERO), "a zero window probes every checkout");
        l.checked_in();
        l.probe_next_time();
        assert!(!l.skip_probe(Duration::from_secs(1)), "unknown SQL ran");
        l.checked_in();
        assert!(l.skip_probe(Duration::from_secs(1)), "the probe that ran cleared the need");
    }
}
