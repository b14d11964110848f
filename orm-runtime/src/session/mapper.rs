//! [`Mapper`]: what the session does with a model beyond its table, key and codec, and the
//! object-safe loader interfaces it hands the session ([`LoaderOption`], [`JoinSpec`]).

use crate::error::Result;
use crate::model::Model;
use crate::query::SelectStatement;
use crate::session::object::Obj;
use crate::session::tracked::RelationLink;
use crate::session::Session;

/// A model as the session maps it: its relationships' cascades, default loaders and links.
/// Implemented by `#[derive(Model)]` beside [`Model`]; not meant to be implemented by hand.
///
/// (SQLAlchemy keeps this on the class's `Mapper`; [`Model`] is the part the Core layers
/// see: metadata, key and row codec.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(orm::Model)]` to `{Self}`"
)]
pub trait Mapper: Model {
    /// Whether the model has relationship fields (generated `true` for models with some): a
    /// flush follows the links of such objects only.
    const HAS_RELATIONS: bool = false;

    /// Called when `obj` is marked for deletion: delete what `cascade_delete` relationships
    /// hold (generated for models that have some).
    fn cascade_delete(session: &mut Session, obj: &Obj<Self>) -> Result<()> {
        let _ = (session, obj);
        Ok(())
    }

    /// Loader options every query of this model applies (from `#[relationship(lazy = ...)]`).
    fn default_loaders() -> Vec<Box<dyn LoaderOption<Self>>> {
        Vec::new()
    }

    /// The related objects held by loaded relationship fields (generated for models with
    /// relationships).
    fn relation_links(&self, out: &mut Vec<RelationLink>) {
        let _ = out;
    }
}

/// What a query tells its loader options.
#[derive(Debug, Clone, Copy)]
pub struct LoadContext<'q> {
    /// The query that found the objects, as a SELECT of their key column (for
    /// `subqueryload`); `None` for nested levels.
    pub(crate) keys_query: Option<&'q SelectStatement>,
    /// Whether the statement that found the objects carried the option's joins (see
    /// [`Loader::joins`](crate::session::Loader::joins)): its `joinedload`s are then loaded already.
    pub(crate) joined: bool,
}

/// The object-safe form of [`Loader`](crate::session::Loader) that queries store.
pub trait LoaderOption<M: Model>: std::fmt::Debug + Send + Sync {
    /// Load for these objects.
    fn apply(&self, session: &mut Session, objs: &[Obj<M>], cx: LoadContext<'_>) -> Result<()>;
    /// See [`Loader::joins`](crate::session::Loader::joins) (with nothing nested).
    fn joins(&self) -> Vec<Box<dyn JoinSpec<M>>>;
    /// See [`Loader::relationship`](crate::session::Loader::relationship).
    fn about(&self) -> Option<&'static str>;
    /// See [`Loader::describe`](crate::session::Loader::describe).
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

/// A relationship joined into the statement that loads `M` (a [`joinedload`](crate::session::joinedload)), with the
/// joins nested under it.
pub trait JoinSpec<M: Model>: std::fmt::Debug + Send + Sync {
    /// Add to `stmt`, in which `M`'s table is named `source` (its own name, or its `n`-th
    /// alias), a LEFT OUTER JOIN of the related table under an alias of its own, the
    /// related columns (after the `width` columns of each row so far; `width` grows by as
    /// many), and the same for the joins nested under it. Returns what reads them back.
    fn plan(
        &self,
        stmt: &mut SelectStatement,
        source: Option<u8>,
        width: &mut usize,
    ) -> Result<Box<dyn JoinCollector<M>>>;
}

/// Gathers the joined objects of one [`JoinSpec`] row by row, then hands them to their
/// objects.
pub trait JoinCollector<M: Model> {
    /// Row `row` belongs to the `parent`-th distinct object of `M`.
    fn row(&mut self, parent: usize, row: &crate::backend::RowRef<'_>) -> Result<()>;
    /// Register the joined objects in the session and set the relationship of `objs` (the
    /// distinct objects of `M`, by index), then do the same for the nested joins.
    fn finish(self: Box<Self>, session: &mut Session, objs: &[Obj<M>]) -> Result<()>;
}
