//! Polymorphic loading through a session: each row as its own subtype, tracked in the
//! identity map (`session.query::<Employee>().polymorphic::<Staff>().all()`).

use crate::backend::RowRef;
use crate::dialect::render;
use crate::error::{Error, Result};
use crate::query::polymorphic::{PolymorphicPlan, PolymorphicSet};
use crate::query::Statement;
use crate::session::fetch::sealed::LoadObjects;
use crate::session::fetch::FetchObjects;
use crate::session::identity_map::IdentityMap;
use crate::session::mapper::Mapper;
use crate::session::{Obj, Query, Session};

/// A polymorphic enum of tracked objects: `enum Staff { Manager(Obj<Manager>), .. }`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds plain values: read it with a Core query",
    label = "its variants do not hold `Obj<...>`",
    note = "a session returns tracked objects: declare the variants as `Manager(Obj<Manager>)`, or use `select_model::<Base>().polymorphic::<{Self}>()`"
)]
pub trait PolymorphicObjects: PolymorphicSet {
    /// Build variant `variant` from `row` through the session's identity map;
    /// `positions[j]` holds the row positions of the columns of its `j`-th model.
    fn from_row(variant: usize, row: &RowRef<'_>, positions: &[Vec<usize>], objects: &mut Adopter<'_>) -> Result<Self>;
}

/// Hands out the session's object for a row (the one already in the identity map, or a new
/// tracked one).
#[derive(Debug)]
pub struct Adopter<'a> {
    identity: &'a mut IdentityMap,
    session: u64,
}

impl Adopter<'_> {
    /// The session's object for the `M` columns of `row` at `positions`.
    pub fn adopt<M: Mapper>(&mut self, row: &RowRef<'_>, positions: &[usize]) -> Result<Obj<M>> {
        let value = M::decode_row_at(row, positions)?;
        Ok(self.identity.model::<M>().adopt(value, self.session))
    }
}

/// A polymorphic session query, from [`Query::polymorphic`].
#[derive(Debug)]
pub struct PolymorphicQuery<'s, P> {
    session: &'s mut Session,
    plan: Result<PolymorphicPlan>,
    _enum: std::marker::PhantomData<fn() -> P>,
}

impl<'s, M: Mapper> Query<'s, M> {
    /// Read the rows as the variants of polymorphic enum `P` (each row as its own subtype,
    /// tracked), keeping this query's filters, order and limits. Loader options do not apply.
    pub fn polymorphic<P: PolymorphicObjects<Base = M>>(self) -> PolymorphicQuery<'s, P> {
        let (session, stmt) = self.into_parts();
        PolymorphicQuery { session, plan: PolymorphicPlan::new::<P>(stmt), _enum: std::marker::PhantomData }
    }
}

/// Rows as the variants of `P`, each holding the session's object.
impl<P: PolymorphicObjects> FetchObjects for PolymorphicQuery<'_, P> {
    type Row = P;
}

impl<P: PolymorphicObjects> LoadObjects<()> for PolymorphicQuery<'_, P> {
    fn session_mut(&mut self) -> &mut Session {
        self.session
    }

    fn load_while(self, each: &mut dyn FnMut(P) -> Result<bool>) -> Result<()> {
        let plan = self.plan.as_ref().map_err(Error::duplicate)?;
        self.session.check_usable()?;
        self.session.autoflush()?;
        let session = self.session.id();
        let (conn, identity) = self.session.connection_and_identity(false)?;
        let r = render(conn.dialect(), Statement::Select(&plan.stmt))?;
        let mut objects = Adopter { identity, session };
        conn.query_while(&r.sql, &r.params, |row| {
            let (v, positions) = plan.variant_of(row)?;
            each(P::from_row(v, row, positions, &mut objects)?)
        })
    }

    fn error_table(&self) -> String {
        self.plan.as_ref().ok().and_then(|p| p.stmt.from.first().copied()).unwrap_or("query").to_owned()
    }
}
