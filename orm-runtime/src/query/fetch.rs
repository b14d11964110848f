//! [`Fetch`]: the terminal calls of every Core query (`all`, `first`, `one`, `one_or_none`),
//! written and documented once over one row-reading accessor.
//!
//! Core queries run on an [`Executor`] argument (`&engine`, `&mut session`, `&mut conn`) and
//! can run again; the session's object queries (`session.query::<M>()`) own their session and
//! answer the same calls without an argument, through the session layer's `FetchObjects`.

use crate::error::{Error, Result};
use crate::query::Executor;

/// The one accessor [`Fetch`] is written over; implemented inside the crate only.
pub(crate) mod sealed {
    use crate::error::Result;
    use crate::query::Executor;

    /// Run the query on `ex`, handing each decoded row to `each` until it returns `false`.
    /// `I` is an index the compiler infers: the proof that the selection reads only what the
    /// query's FROM clause provides.
    // Public in a private module: the sealed-trait pattern.
    #[allow(unreachable_pub)]
    pub trait RunRows<I>: super::Fetch {
        /// Run and decode, row by row.
        fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(Self::Row) -> Result<bool>) -> Result<()>;
        /// The table named by [`Error::NotFound`] and [`Error::MultipleRows`](crate::Error::MultipleRows).
        fn error_table(&self) -> String;
    }
}

/// Run a Core query and read its rows: a [`select`](crate::query::select) (plain, joined,
/// `.into::<R>()`, `.polymorphic::<P>()`), a compound select, a `RETURNING` write, a
/// [`FromStatement`](crate::query::FromStatement).
///
/// Each call takes where to run it (an [`Executor`]: `&engine`, `&mut session`,
/// `&mut conn`) and borrows the query, so it can run again. A selection that reads a model
/// the query neither selects from nor joins does not compile (the error names the model).
pub trait Fetch: Sized {
    /// What each row decodes into.
    type Row;

    /// Every row.
    fn all<X: Executor, I>(&self, ex: X) -> Result<Vec<Self::Row>>
    where
        Self: sealed::RunRows<I>,
    {
        rows::all(|each| self.run_rows(ex, each))
    }

    /// The first row, if any; further rows are not read (add `.limit(1)` to let the database
    /// stop early too).
    fn first<X: Executor, I>(&self, ex: X) -> Result<Option<Self::Row>>
    where
        Self: sealed::RunRows<I>,
    {
        rows::first(|each| self.run_rows(ex, each))
    }

    /// At most one row: [`Error::MultipleRows`] for more.
    fn one_or_none<X: Executor, I>(&self, ex: X) -> Result<Option<Self::Row>>
    where
        Self: sealed::RunRows<I>,
    {
        rows::one_or_none(|each| self.run_rows(ex, each), || self.error_table())
    }

    /// Exactly one row: [`Error::NotFound`] for none, [`Error::MultipleRows`] for more.
    fn one<X: Executor, I>(&self, ex: X) -> Result<Self::Row>
    where
        Self: sealed::RunRows<I>,
    {
        self.one_or_none(ex)?.ok_or_else(|| Error::NotFound { table: self.error_table() })
    }
}

/// What the terminal calls keep of the rows a query hands over, shared by [`Fetch`] and the
/// session's `FetchObjects`: each takes `run`, which hands rows to its argument until that
/// returns `false`.
pub(crate) mod rows {
    use crate::error::{Error, Result};

    /// A row consumer: `false` stops the reading.
    type Each<'a, T> = &'a mut dyn FnMut(T) -> Result<bool>;

    /// Every row.
    pub(crate) fn all<T>(run: impl FnOnce(Each<'_, T>) -> Result<()>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        run(&mut |v| {
            out.push(v);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row; the rest are not read.
    pub(crate) fn first<T>(run: impl FnOnce(Each<'_, T>) -> Result<()>) -> Result<Option<T>> {
        let mut out = None;
        run(&mut |v| {
            out = Some(v);
            Ok(false)
        })?;
        Ok(out)
    }

    /// At most one row: [`Error::MultipleRows`] naming `table()` for more (reading stops at
    /// the second).
    pub(crate) fn one_or_none<T>(
        run: impl FnOnce(Each<'_, T>) -> Result<()>,
        table: impl FnOnce() -> String,
    ) -> Result<Option<T>> {
        let mut out = None;
        let mut extra = false;
        run(&mut |v| {
            if out.is_some() {
                extra = true;
                return Ok(false);
            }
            out = Some(v);
            Ok(true)
        })?;
        if extra {
            return Err(Error::MultipleRows { table: table() });
        }
        Ok(out)
    }
}
