//! Client-side statement deadlines.
//!
//! One watchdog thread per process (started on first use) holds the armed deadlines in time
//! order. When one expires it cancels the statement: on PostgreSQL with the driver's
//! `CancelToken` (a cancel request sent on a new connection; the server answers the statement
//! with 57014 and the connection stays usable), on SQLite with `sqlite3_interrupt`
//! (`SQLITE_INTERRUPT`). Nothing is armed, and no thread is started, unless a deadline is set.
//!
//! Cancellation is racy by nature: the request can arrive after the statement finished. To
//! keep it from hitting the *next* statement, [`Armed::disarm`] waits until a cancel that
//! has started has been delivered, and the connection sends nothing before disarming (a
//! PostgreSQL backend ignores a cancel that arrives while it waits for a command).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// What cancels a running statement of one connection.
pub(crate) enum Canceller {
    /// The connection's cancel token, and its TLS (a cancel request uses the connection's).
    #[cfg(feature = "postgres")]
    Postgres(postgres::CancelToken, crate::backend::tls::PgTls),
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::InterruptHandle),
}

impl Canceller {
    fn cancel(&self) {
        match self {
            // An error means the cancel request could not be delivered; the statement then
            // runs to its end (or to the server's statement_timeout).
            #[cfg(feature = "postgres")]
            Canceller::Postgres(token, tls) => {
                let _ = tls.cancel(token);
            }
            #[cfg(feature = "sqlite")]
            Canceller::Sqlite(handle) => handle.interrupt(),
        }
    }
}

/// Which error a fired deadline turns the statement's failure into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlineKind {
    /// The client-side query deadline: [`Error::Canceled`].
    Canceled,
    /// The ORM's own statement timeout (SQLite): [`Error::StatementTimeout`].
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    StatementTimeout,
}

impl DeadlineKind {
    /// The error to report for a statement this deadline canceled.
    pub(crate) fn error(self, after: Duration, driver: &Error) -> Error {
        let message = format!("canceled by the ORM after {} ms ({driver})", after.as_millis());
        match self {
            DeadlineKind::Canceled => Error::Canceled { message },
            DeadlineKind::StatementTimeout => Error::StatementTimeout { message },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Armed,
    Firing,
    Fired,
    Disarmed,
}

struct Slot {
    state: Mutex<SlotState>,
    changed: Condvar,
    canceller: Canceller,
}

struct Watchdog {
    queue: Mutex<BTreeMap<(Instant, u64), Arc<Slot>>>,
    wake: Condvar,
    next: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

static WATCHDOG: OnceLock<std::result::Result<Arc<Watchdog>, Arc<std::io::Error>>> = OnceLock::new();

fn watchdog() -> Result<&'static Arc<Watchdog>> {
    let w = WATCHDOG.get_or_init(|| {
        let w =
            Arc::new(Watchdog { queue: Mutex::new(BTreeMap::new()), wake: Condvar::new(), next: AtomicU64::new(0) });
        let run = w.clone();
        std::thread::Builder::new()
            .name("orm-deadline-watchdog".into())
            .spawn(move || run.run())
            .map(|_| w)
            .map_err(Arc::new)
    });
    w.as_ref().map_err(|e| Error::Io { action: "start the statement deadline watchdog", source: e.clone() })
}

impl Watchdog {
    fn run(&self) {
        let mut queue = lock(&self.queue);
        loop {
            let now = Instant::now();
            let mut due = Vec::new();
            while let Some(entry) = queue.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                drop(queue);
                for slot in due {
                    fire(slot);
                }
                queue = lock(&self.queue);
                continue;
            }
            queue = match queue.keys().next().map(|k| k.0) {
                Some(at) => {
                    self.wake
                        .wait_timeout(queue, at.saturating_duration_since(now))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.wake.wait(queue).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// Cancel the statement of `slot`, unless it finished first. A PostgreSQL cancel request
/// opens a connection to the server, which can take up to the connect timeout when the server
/// is unreachable (a network partition): it is delivered on a thread of its own, so that it
/// never delays the other deadlines. SQLite's interrupt is a flag, set at once.
fn fire(slot: Arc<Slot>) {
    {
        let mut state = lock(&slot.state);
        if *state != SlotState::Armed {
            return;
        }
        *state = SlotState::Firing;
    }
    #[cfg(feature = "postgres")]
    if matches!(slot.canceller, Canceller::Postgres(..)) {
        let theirs = slot.clone();
        let spawned = std::thread::Builder::new().name("orm-cancel-request".into()).spawn(move || deliver(&theirs));
        if spawned.is_ok() {
            return;
        }
    }
    deliver(&slot);
}

/// Send the cancel and let a waiting [`Armed::disarm`] know it has been delivered.
fn deliver(slot: &Slot) {
    slot.canceller.cancel();
    *lock(&slot.state) = SlotState::Fired;
    slot.changed.notify_all();
}

/// A deadline armed for one statement; [`Armed::disarm`] it when the statement returns.
pub(crate) struct Armed {
    slot: Arc<Slot>,
    key: (Instant, u64),
    kind: DeadlineKind,
    after: Duration,
}

/// Cancel the statement about to run through `canceller` if it still runs `after` from now.
pub(crate) fn arm(after: Duration, kind: DeadlineKind, canceller: Canceller) -> Result<Armed> {
    let w = watchdog()?;
    let key = (Instant::now() + after, w.next.fetch_add(1, Ordering::Relaxed));
    let slot = Arc::new(Slot { state: Mutex::new(SlotState::Armed), changed: Condvar::new(), canceller });
    lock(&w.queue).insert(key, slot.clone());
    w.wake.notify_one();
    Ok(Armed { slot, key, kind, after })
}

impl Armed {
    /// Stop the deadline. Returns `Some(kind)` when it fired (after the cancel has been
    /// delivered), `None` when the statement finished first.
    pub(crate) fn disarm(self) -> Option<(DeadlineKind, Duration)> {
        if let Ok(w) = watchdog() {
            lock(&w.queue).remove(&self.key);
        }
        let mut state = lock(&self.slot.state);
        loop {
            match *state {
                SlotState::Armed => {
                    *state = SlotState::Disarmed;
                    return None;
                }
                SlotState::Firing => {
                    state = self.slot.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
                SlotState::Fired => return Some((self.kind, self.after)),
                SlotState::Disarmed => return None,
            }
        }
    }
}
