//! [`FetchObjects`]: the terminal calls of the session's queries (`all`, `first`, `one`,
//! `one_or_none`), written and documented once; the session-side twin of Core's
//! [`Fetch`](crate::query::Fetch), with the same names and meanings and the same row
//! handling (`query::fetch::rows`). Two traits because the calls differ in arity: a Core
//! query takes where to run, a session query owns its session.

use crate::error::{Error, Result};
use crate::query::fetch::rows;

/// The one accessor [`FetchObjects`] is written over; implemented inside the crate only.
pub(crate) mod sealed {
    use crate::error::Result;

    /// Load the query's rows, handing each (as the session's objects) to `each` until it
    /// returns `false`. `I` is an index the compiler infers (the proof that the models read
    /// are in the query's FROM clause).
    // Public in a private module: the sealed-trait pattern.
    #[allow(unreachable_pub)]
    pub trait LoadObjects<I>: super::FetchObjects {
        /// Load, row by row.
        fn load_while(self, each: &mut dyn FnMut(Self::Row) -> Result<bool>) -> Result<()>;
        /// The query limited to `n` rows where it can be (a raw statement cannot).
        fn limited(self, n: u64) -> Self {
            let _ = n;
            self
        }
        /// The session the query runs in.
        fn session_mut(&mut self) -> &mut crate::session::Session;
        /// The table named by [`Error::NotFound`](crate::Error::NotFound) and
        /// [`Error::MultipleRows`](crate::Error::MultipleRows).
        fn error_table(&self) -> String;
    }
}

/// Run a session query and read its rows as the session's tracked objects:
/// `session.query::<M>()`, `session.query::<(A, B)>()`, `.polymorphic::<P>()`,
/// `session.from_statement::<M>(text(..))`.
///
/// A session query owns its borrow of the session, so each call takes no argument and
/// consumes the query. Pending changes are flushed first (autoflush), and each row becomes
/// the session's object for its key: an object already in the identity map is returned as it
/// is, unflushed changes kept. Core queries answer the same calls on an executor
/// ([`Fetch`](crate::query::Fetch)).
pub trait FetchObjects: Sized {
    /// What each row is: an [`Obj`](crate::session::Obj), a pair, a polymorphic variant.
    type Row;

    /// Every row.
    #[track_caller]
    fn all<I>(self) -> Result<Vec<Self::Row>>
    where
        Self: sealed::LoadObjects<I>,
    {
        let mut query = self;
        note_site(query.session_mut());
        rows::all(|each| query.load_while(each))
    }

    /// The first row, if any (a query of models is limited to one row).
    #[track_caller]
    fn first<I>(self) -> Result<Option<Self::Row>>
    where
        Self: sealed::LoadObjects<I>,
    {
        let mut query = self;
        note_site(query.session_mut());
        rows::first(|each| query.limited(1).load_while(each))
    }

    /// At most one row: [`Error::MultipleRows`] if more match (a query of models is limited
    /// to two rows, enough to tell).
    #[track_caller]
    fn one_or_none<I>(self) -> Result<Option<Self::Row>>
    where
        Self: sealed::LoadObjects<I>,
    {
        let mut query = self;
        note_site(query.session_mut());
        let table = query.error_table();
        rows::one_or_none(|each| query.limited(2).load_while(each), || table)
    }

    /// Exactly one row: [`Error::NotFound`] for none, [`Error::MultipleRows`] for more.
    #[track_caller]
    fn one<I>(self) -> Result<Self::Row>
    where
        Self: sealed::LoadObjects<I>,
    {
        let table = self.error_table();
        self.one_or_none()?.ok_or(Error::NotFound { table })
    }
}

/// With the N+1 detector on, the query about to run was called at `site` (an async query's
/// caller, noted before its hop).
#[cfg_attr(not(feature = "async"), allow(dead_code))]
pub(crate) fn note_site_at(session: &mut crate::session::Session, site: &'static std::panic::Location<'static>) {
    if let Some(d) = session.detector.as_mut() {
        d.query_site = Some(site);
    }
}

/// With the N+1 detector on, the query about to run was called here.
#[track_caller]
fn note_site(session: &mut crate::session::Session) {
    if let Some(d) = session.detector.as_mut() {
        d.query_site = Some(std::panic::Location::caller());
    }
}
