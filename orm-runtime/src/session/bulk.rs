//! Query-level UPDATE and DELETE run through a session, with the identity map kept in step.
//!
//! Synchronization is SQLAlchemy's `fetch` strategy, done in the same statement: the UPDATE
//! or DELETE returns the rows it touched (`RETURNING`, on SQLite and PostgreSQL), and the
//! session applies them to the objects it holds:
//! - updated rows: an object not written since its load takes the new values at once; one
//!   written since (possible with autoflush off) keeps the writes and is expired, so the
//!   next query or `get` of its row reads it again;
//! - deleted rows: the object becomes `Deleted` and leaves the identity map (detached at
//!   commit), exactly as if the session had deleted it.
//!
//! A rollback undoes both: updated objects are expired (the next read sees the database's
//! values again), deleted ones are persistent again.

use std::sync::Arc;

use crate::dialect::render;
use crate::error::Result;
use crate::query::{Delete, MayRun, Statement, Update};
use crate::session::mapper::Mapper;
use crate::session::object::ObjCell;
use crate::session::unit_of_work::Undo;
use crate::session::{ObjectState, Session};

impl Session {
    /// Run a Core UPDATE in this session's transaction (after an autoflush) and bring the
    /// session's objects of those rows up to date; returns the number of rows updated.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// #     age: i32,
    /// #     active: bool,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table()])?;
    /// # let mut session = engine.session();
    /// # let kid = session.add(User { id: 0, name: "Kim".into(), age: 12, active: true })?;
    /// # session.add(User { id: 0, name: "Ada".into(), age: 36, active: true })?;
    /// # session.commit()?;
    /// let n = session.bulk_update(update::<User>().set(User::active, false).filter(User::age.lt(18)))?;
    /// assert_eq!(n, 1);
    /// assert!(!kid.read().active); // the session's object of that row is up to date
    /// # Ok(())
    /// # }
    /// ```
    pub fn bulk_update<M: Mapper, W: MayRun>(&mut self, update: Update<M, W>) -> Result<u64> {
        self.check_usable()?;
        let Some(stmt) = update.checked()? else { return Ok(0) };
        let mut stmt = stmt.into_owned();
        stmt.returning = M::table().columns.iter().map(|c| c.name).collect();
        self.autoflush()?;
        let mut rows = Vec::new();
        let result = self.connection(true).and_then(|conn| {
            let r = render(conn.dialect(), Statement::Update(&stmt))?;
            conn.query(&r.sql, &r.params, |row| {
                rows.push(M::decode_row(row, 0)?);
                Ok(())
            })
            .map_err(|e| crate::query::insert_rows::fill_table(e, M::table().name))
        });
        if let Err(e) = result {
            self.fail(&e);
            return Err(e);
        }
        let n = rows.len() as u64;
        let mut updated: Vec<Arc<ObjCell<M>>> = Vec::new();
        for fresh in rows {
            if let Some(obj) = self.identity.get::<M>(&fresh.key()) {
                obj.0.tracked().expire();
                obj.0.refresh_if_expired(fresh);
                updated.push(obj.0);
            }
        }
        if !updated.is_empty() {
            self.undo.push(Undo::new(Vec::new(), move |_| updated.iter().for_each(|c| c.tracked().expire())));
        }
        Ok(n)
    }

    /// Run a Core DELETE in this session's transaction (after an autoflush); the session's
    /// objects of the deleted rows become `Deleted`. Returns the number of rows deleted.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// #     age: i32,
    /// #     active: bool,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table()])?;
    /// # let mut session = engine.session();
    /// # let gone = session.add(User { id: 0, name: "Kim".into(), age: 12, active: false })?;
    /// # session.add(User { id: 0, name: "Ada".into(), age: 36, active: true })?;
    /// # session.commit()?;
    /// let n = session.bulk_delete(delete::<User>().filter(User::active.eq(false)))?;
    /// assert_eq!(n, 1);
    /// assert_eq!(gone.state(), ObjectState::Deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub fn bulk_delete<M: Mapper, W: MayRun>(&mut self, delete: Delete<M, W>) -> Result<u64> {
        self.check_usable()?;
        let mut stmt = delete.checked()?.clone();
        stmt.returning = M::table().columns.iter().map(|c| c.name).collect();
        self.autoflush()?;
        let mut keys = Vec::new();
        let result = self.connection(true).and_then(|conn| {
            let r = render(conn.dialect(), Statement::Delete(&stmt))?;
            conn.query(&r.sql, &r.params, |row| {
                keys.push(M::decode_row(row, 0)?.key());
                Ok(())
            })
            .map_err(|e| crate::query::insert_rows::fill_table(e, M::table().name))
        });
        if let Err(e) = result {
            self.fail(&e);
            return Err(e);
        }
        let n = keys.len() as u64;
        for key in keys {
            let Some(cell) = self.identity.remove::<M>(&key) else { continue };
            let addr = cell.addr();
            self.to_delete.retain(|o| o.addr() != addr);
            cell.set_state(ObjectState::Deleted, self.id());
            self.flushed_deletes.push(cell.clone());
            self.undo.push(Undo::new(Vec::new(), move |identity| {
                cell.set_state(ObjectState::Persistent, cell.state_and_session().1);
                identity.insert::<M>(key, cell);
            }));
        }
        Ok(n)
    }
}
