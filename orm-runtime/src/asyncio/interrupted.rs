//! [`Interrupted`]: what an operation did after its caller stopped waiting for it.

use std::fmt;

use crate::error::{Error, Result};

/// An async session operation whose future was dropped (cancelled, timed out) before it
/// returned, and what it did: it ran to its end on the blocking pool, or — for a
/// `transaction` whose work was cut off — its transaction was rolled back. Read them with
/// [`AsyncSession::interrupted`](crate::asyncio::AsyncSession::interrupted); each is also
/// logged as a warning (target `orm::asyncio`).
#[derive(Debug)]
pub struct Interrupted {
    operation: &'static str,
    error: Option<Error>,
}

impl Interrupted {
    pub(crate) fn new<R>(operation: &'static str, outcome: &Result<R>) -> Interrupted {
        Interrupted { operation, error: outcome.as_ref().err().map(Error::duplicate) }
    }

    /// The call whose future was dropped: `"commit"`, `"flush"`, `"query"`, `"transaction"`, ...
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Whether the operation succeeded (a `commit` that did commit, say).
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// The error the operation ended with, if it failed. A `transaction` cut off in its work
    /// reports [`Error::Interrupted`]: rolled back.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            None => write!(f, "`{}` ran to its end after its future was dropped", self.operation),
            Some(Error::Interrupted { .. }) => {
                write!(f, "`{}` was cut off by a dropped future and rolled back", self.operation)
            }
            Some(e) => write!(f, "`{}` failed after its future was dropped: {e}", self.operation),
        }
    }
}
