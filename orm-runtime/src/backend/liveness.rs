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
//! what the database holds (transaction control, or a `SELECT`), the connection is replaced
//! by a new one in place and the statement runs again: the caller sees nothing, as with the
//! probe. A first statement that writes outside a transaction is never run twice, since a
//! connection lost while the server ran it may have committed it; it fails with
//! [`Error::Disconnected`](crate::error::Error::Disconnected), the connection is discarded
//! and the pool generation moves on, so the pool's other stale connections go without a
//! round trip.

use std::sync::Weak;
use std::time::{Duration, Instant};

use crate::backend::connection::Connection;
use crate::error::Result;

/// The default [`pre_ping_after`](crate::backend::EngineBuilder::pre_ping_after).
pub(crate) const DEFAULT_PROBE_AFTER: Duration = Duration::from_secs(1);

/// Opens a replacement for a connection found dead at its first statement (the pool's
/// manager, held weakly: a connection never keeps its engine alive).
pub(crate) trait Reopen: Send + Sync {
    /// A new connection, set up as the pool sets up its own (listeners, timeouts, generation).
    fn reopen(&self) -> Result<Connection>;
}

/// What a connection knows about its own liveness between checkouts.
#[derive(Default)]
pub(crate) struct Liveness {
    /// When the pool last got the connection back.
    checked_in_at: Option<Instant>,
    /// Checked out without a probe, and no statement has ended since.
    unverified: bool,
    /// The next checkout must probe, however recent the last use.
    needs_probe: bool,
    /// How to open a replacement.
    pub(crate) reopen: Option<Weak<dyn Reopen>>,
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

/// Whether running `sql` a second time after a lost connection cannot change what the
/// database holds: transaction control (nothing was open), or a `SELECT` / `VALUES` /
/// `SHOW` / `TABLE` read. A `WITH` may hold a data-modifying statement and is not counted.
pub(crate) fn safe_to_rerun(sql: &str) -> bool {
    let word = first_word(sql);
    ["SELECT", "VALUES", "SHOW", "TABLE", "BEGIN", "START"].iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// The first word of `sql`, after blanks, `--` line comments and `/* */` comments.
fn first_word(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    &rest[..end]
}

#[cfg(test)]
mod tests {
    use super::{safe_to_rerun, Liveness};
    use std::time::Duration;

    #[test]
    fn reads_and_transaction_control_may_run_again() {
        for sql in
            ["SELECT 1", "  select * from t", "-- c\nSELECT 1", "/* x */ VALUES (1)", "BEGIN", "START TRANSACTION"]
        {
            assert!(safe_to_rerun(sql), "{sql}");
        }
        for sql in
            ["INSERT INTO t VALUES (1)", "WITH x AS (DELETE FROM t) SELECT 1", "UPDATE t SET a = 1", "", "/* open"]
        {
            assert!(!safe_to_rerun(sql), "{sql}");
        }
    }

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
