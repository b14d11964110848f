//! Streaming a session query in batches ([`Query::yield_per`](crate::session::Query::yield_per),
//! SQLAlchemy's `yield_per`): rows are read one by one as they arrive (PostgreSQL: from the
//! socket, not a result collected whole), handed over as the session's objects a batch at a
//! time, and let go after each batch unless something still holds them, so memory stays
//! that of one batch however many rows the query returns.

use crate::error::Result;
use crate::query::SelectStatement;
use crate::session::identity_map::IdentityMap;
use crate::session::mapper::Mapper;
use crate::session::object::Obj;
use crate::session::Session;

impl Session {
    /// Read `stmt`'s rows as objects of `M`, `each` seeing `n` of them at a time (the last
    /// batch may be shorter). After `each` returns, an object the stream brought into the
    /// identity map leaves it again (detached) when nothing else holds it and it has no
    /// change to flush; objects the session held before, objects `each` kept a handle to or
    /// changed, stay.
    pub(crate) fn stream_objects<M: Mapper>(
        &mut self,
        stmt: &SelectStatement,
        n: usize,
        each: &mut dyn FnMut(&[Obj<M>]) -> Result<()>,
    ) -> Result<()> {
        self.autoflush()?;
        let id = self.id();
        let Some((conn, identity)) = self.reading(stmt, Some(M::table().name))? else { return Ok(()) };
        let r = crate::dialect::render(conn.dialect(), crate::query::Statement::Select(stmt))?;
        let n = n.max(1);
        let mut batch: Vec<Obj<M>> = Vec::with_capacity(n);
        let mut new: Vec<bool> = Vec::with_capacity(n);
        let mut hand_over = |batch: &mut Vec<Obj<M>>, new: &mut Vec<bool>, identity: &mut IdentityMap| -> Result<()> {
            let r = each(batch);
            let mut objects = identity.model::<M>();
            for (obj, _) in batch.drain(..).zip(new.drain(..)).filter(|(_, new)| *new) {
                objects.release_unused(&obj);
            }
            r
        };
        conn.stream(&r.sql, &r.params, |row| {
            let m = crate::query::polymorphic::decode_model::<M>(row, 0)?;
            let (obj, fresh) = identity.model::<M>().adopt_streamed(m, id);
            batch.push(obj);
            new.push(fresh);
            if batch.len() == n {
                hand_over(&mut batch, &mut new, identity)?;
            }
            Ok(())
        })?;
        if batch.is_empty() {
            Ok(())
        } else {
            hand_over(&mut batch, &mut new, identity)
        }
    }
}
