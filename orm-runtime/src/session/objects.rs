//! The [`Session`]'s operations on the objects of one model: add, get, delete, merge,
//! refresh, expire, expunge, and the registration of loaded rows. Generic over [`Mapper`],
//! so they sit above `mapper.rs` (which names `Session`); the session's state and its
//! untyped operations (flush, commit, rollback, transactions) are in `session.rs`, below.

use std::sync::Arc;

use crate::error::{Error, Misuse, Result};
use crate::model::Model;
use crate::query::{crud_sql, CrudShape, RowLock};
use crate::session::borrows::Borrow;
use crate::session::mapper::Mapper;
use crate::session::object::{IntoObj, Obj, ObjCell, ObjectState};
use crate::session::session::Session;
use crate::session::tracked::Tracked;

impl Session {
    /// Expire one persistent object of this session: the next query or `get` that reads its
    /// row replaces its fields (see [`Obj::is_expired`]).
    pub fn expire<M: Mapper>(&mut self, obj: &Obj<M>) -> Result<()> {
        let (state, owner) = obj.0.tracked().state_and_session();
        if state != ObjectState::Persistent || owner != self.id {
            return Err(Misuse::NotPersistentHere {
                call: "expire",
                model: M::table().model,
                state: state.name(),
                other_session: owner != self.id && owner != 0,
            }
            .into());
        }
        obj.0.tracked().expire();
        Ok(())
    }

    /// Whether `obj` has changes the next flush would write (new, marked for deletion, or
    /// fields that differ from the loaded values).
    pub fn is_modified<M: Mapper>(&self, obj: &Obj<M>) -> bool {
        let meta = obj.0.meta();
        match meta.state {
            ObjectState::Pending => true,
            ObjectState::Persistent if meta.delete_pending => true,
            ObjectState::Persistent => match meta.snapshot.as_deref() {
                Some(snapshot) => match obj.try_read() {
                    Ok(data) => !crate::model::DynModel::changed_since(&*data, snapshot).is_empty(),
                    // This thread is writing it: count it as modified.
                    Err(_) => true,
                },
                None => obj.0.touched.load(std::sync::atomic::Ordering::Acquire),
            },
            _ => false,
        }
    }

    /// The pending objects of model `M`: added, to be inserted at the next flush
    /// (SQLAlchemy's `session.new`, one model at a time so the handles stay typed).
    pub fn new_objects<M: Mapper>(&self) -> Vec<Obj<M>> {
        downcast_all(&self.pending)
    }

    /// The persistent objects of model `M` written since they were loaded or last flushed
    /// (SQLAlchemy's `session.dirty`: a write that set a field to its old value still counts;
    /// [`is_modified`](Session::is_modified) tells whether a value really differs).
    pub fn dirty_objects<M: Mapper>(&self) -> Vec<Obj<M>> {
        self.identity.touched_of::<M>()
    }

    /// The objects of model `M` marked for deletion at the next flush (SQLAlchemy's
    /// `session.deleted`).
    pub fn deleted_objects<M: Mapper>(&self) -> Vec<Obj<M>> {
        downcast_all(&self.to_delete)
    }

    /// Copy `value` (say, a detached object's values, or one built from a request) into the
    /// session: the session's object with the same key gets its column values (loading it
    /// first if need be; the next flush writes what differs), or, without such a row, a copy
    /// is added as new. Relationship fields are not merged. Returns the session's object.
    ///
    /// For a model with a version column (`#[orm(version)]`), a value whose version differs
    /// from the row's is [`Error::StaleData`]: it was read before another transaction
    /// changed the row (a form posted back after someone else saved), and copying it would
    /// undo that change.
    ///
    /// [`Error::ObjectBorrowed`] if the calling thread holds a guard of that object.
    pub fn merge<M: Mapper>(&mut self, value: &M) -> Result<Obj<M>> {
        match self.get::<M>(value.key())? {
            Some(obj) => {
                if let Some(v) = M::table().version_column() {
                    let (have, given) = (obj.try_read()?.column_value(v.index), value.column_value(v.index));
                    if have != given {
                        return Err(Error::StaleData {
                            table: M::table().name.into(),
                            action: "merge",
                            key: format!("{:?}", value.key()),
                            expected_version: given.as_i64(),
                            matched: 0,
                        });
                    }
                }
                {
                    let mut data = obj.try_write()?;
                    for c in M::table().columns {
                        data.set_column_value(c.index, &value.column_value(c.index))?;
                    }
                }
                Ok(obj)
            }
            None => self.add(value.snapshot()),
        }
    }

    /// Read `obj`'s row again, replacing its fields (unflushed changes are lost; its
    /// relationships become not loaded). [`Error::NotFound`] if the row is gone;
    /// [`Error::ObjectBorrowed`], before the row is read, if the calling thread holds a guard
    /// of `obj` (a guard of another thread is waited for).
    pub fn refresh<M: Mapper>(&mut self, obj: &Obj<M>) -> Result<()> {
        self.check_usable()?;
        let (state, owner) = obj.0.tracked().state_and_session();
        if state != ObjectState::Persistent || owner != self.id {
            return Err(Misuse::NotPersistentHere {
                call: "refresh",
                model: M::table().model,
                state: state.name(),
                other_session: owner != self.id && owner != 0,
            }
            .into());
        }
        obj.0.check_borrow(Borrow::Write, "refreshed")?;
        let key = {
            let data = obj.0.data();
            let snapshot_key = obj.0.meta().snapshot_of::<M>().map(Model::key);
            snapshot_key.unwrap_or_else(|| data.key())
        };
        let fresh = self.read_row::<M>(&key)?.ok_or_else(|| Error::NotFound { table: M::table().name.into() })?;
        obj.0.set_fresh(fresh)
    }

    /// The session's object for a row just read: the one it holds under that key, or a new
    /// persistent object made from `value`.
    pub(crate) fn adopt<M: Mapper>(&mut self, value: M) -> Obj<M> {
        let id = self.id;
        self.identity.model::<M>().adopt(value, id)
    }

    /// The object with this key, if the session holds it (no statement).
    pub(crate) fn identity_get<M: Mapper>(&self, key: &M::Key) -> Option<Obj<M>> {
        self.identity.get::<M>(key)
    }

    /// Run `stmt` (a SELECT of every column of `M`) and hand each row to `each` as the
    /// session's object for its key; `each` returns whether to go on. With joins, an object
    /// can come back several times: it is handed out once.
    pub(crate) fn load_rows<M: Mapper>(
        &mut self,
        stmt: &crate::query::SelectStatement,
        mut each: impl FnMut(Obj<M>) -> Result<bool>,
    ) -> Result<()> {
        self.autoflush()?;
        let id = self.id;
        // With the N+1 detector on: the query's call site, and the objects it returns.
        let site = self.detector.as_mut().and_then(|d| d.query_site.take().map(|site| (d.start_run(), site)));
        let mut returned = Vec::new();
        let Some((conn, identity)) = self.reading(stmt, Some(M::table().name))? else { return Ok(()) };
        let r = crate::dialect::render(conn.dialect(), crate::query::Statement::Select(stmt))?;
        let mut objects = identity.model::<M>();
        let mut seen: Option<crate::session::FastSet<usize>> = (!stmt.joins.is_empty()).then(Default::default);
        let locked = stmt.lock.is_some();
        let result = conn.query_while(&r.sql, &r.params, |row| {
            let m = crate::query::polymorphic::decode_model::<M>(row, 0)?;
            let obj = objects.adopt_read(m, id, locked);
            if let Some(seen) = seen.as_mut() {
                if !seen.insert(Arc::as_ptr(&obj.0) as *const () as usize) {
                    return Ok(true);
                }
            }
            if site.is_some() {
                returned.push(obj.0.address());
            }
            each(obj)
        });
        if let (Some((run, site)), Some(d)) = (site, self.detector.as_mut()) {
            for address in returned {
                d.returned(address, run, site);
            }
        }
        result
    }

    /// [`Session::load_rows`] for a SELECT whose rows carry more columns after `M`'s: `each`
    /// sees the object and the row.
    pub(crate) fn load_rows_with<M: Mapper>(
        &mut self,
        stmt: &crate::query::SelectStatement,
        mut each: impl FnMut(Obj<M>, &crate::backend::RowRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        self.autoflush()?;
        let id = self.id;
        let Some((conn, identity)) = self.reading(stmt, Some(M::table().name))? else { return Ok(()) };
        let r = crate::dialect::render(conn.dialect(), crate::query::Statement::Select(stmt))?;
        let mut objects = identity.model::<M>();
        let locked = stmt.lock.is_some();
        conn.query_while(&r.sql, &r.params, |row| {
            let m = crate::query::polymorphic::decode_model::<M>(row, 0)?;
            let obj = objects.adopt_read(m, id, locked);
            each(obj, row)
        })
    }

    /// Add an object (a new value or a handle): it becomes pending and is inserted at the
    /// next flush. Adding an object twice is a no-op; a detached object is re-attached.
    pub fn add<M: Mapper>(&mut self, obj: impl IntoObj<M>) -> Result<Obj<M>> {
        self.check_usable()?;
        let obj = obj.into_obj();
        let (state, owner) = {
            let mut m = obj.0.meta();
            // A transient object becomes pending under the same lock that read its state.
            if m.state == ObjectState::Transient {
                m.set_state(ObjectState::Pending, self.id);
                (ObjectState::Transient, self.id)
            } else {
                (m.state, m.session)
            }
        };
        match state {
            ObjectState::Transient => self.pending.push(obj.0.clone()),
            ObjectState::Pending | ObjectState::Persistent if owner == self.id => {}
            ObjectState::Detached => self.attach(&obj)?,
            ObjectState::Deleted => return Err(Misuse::AddDeleted { model: M::table().model }.into()),
            _ => return Err(Misuse::AddFromOtherSession { model: M::table().model }.into()),
        }
        Ok(obj)
    }

    /// Make a detached object persistent in this session again (registered under its key):
    /// [`Error::IdentityConflict`] if the session holds another object with that key.
    fn attach<M: Mapper>(&mut self, obj: &Obj<M>) -> Result<()> {
        let key = obj.try_read()?.key();
        if let Some(existing) = self.identity.get::<M>(&key) {
            if !existing.ptr_eq(obj) {
                let table = M::table();
                return Err(Error::IdentityConflict {
                    model: table.model.to_owned(),
                    table: table.name.to_owned(),
                    key: format!("{key:?}"),
                });
            }
        }
        obj.0.tracked().set_state(ObjectState::Persistent, self.id);
        self.identity.insert::<M>(key, obj.0.clone());
        Ok(())
    }

    /// Add several objects.
    pub fn add_all<M: Mapper, I: IntoIterator>(&mut self, objs: I) -> Result<Vec<Obj<M>>>
    where
        I::Item: IntoObj<M>,
    {
        objs.into_iter().map(|o| self.add(o)).collect()
    }

    /// Mark a persistent object for deletion at the next flush. A detached object (its
    /// session closed, or expunged) is attached to this session first, as SQLAlchemy does:
    /// [`Error::IdentityConflict`] if this session holds another object with its key.
    /// A transient or pending object has no row: [`Error::NotPersisted`].
    pub fn delete<M: Mapper>(&mut self, obj: &Obj<M>) -> Result<()> {
        self.check_usable()?;
        let (state, owner, already) = {
            let m = obj.0.meta();
            (m.state, m.session, m.delete_pending)
        };
        match state {
            ObjectState::Persistent if owner == self.id => {}
            // As SQLAlchemy: a detached object is attached again, then deleted.
            ObjectState::Detached => self.attach(obj)?,
            ObjectState::Transient | ObjectState::Pending if state == ObjectState::Transient || owner == self.id => {
                let table = M::table();
                return Err(Error::NotPersisted {
                    model: table.model.to_owned(),
                    table: table.name.to_owned(),
                    state: if state == ObjectState::Transient { "transient" } else { "pending" },
                    action: "deleted",
                });
            }
            _ => {
                return Err(Misuse::NotPersistentHere {
                    call: "delete",
                    model: M::table().model,
                    state: state.name(),
                    other_session: owner != self.id && owner != 0,
                }
                .into())
            }
        }
        if !already {
            obj.0.tracked().set_delete_pending(true);
            self.to_delete.push(obj.0.clone());
            // `cascade_delete` relationships: their objects go too (loaded first if need be),
            // without flushing the half-marked deletion.
            let autoflush = std::mem::replace(&mut self.autoflush, false);
            let r = M::cascade_delete(self, obj);
            self.autoflush = autoflush;
            r?;
        }
        Ok(())
    }

    /// Remove an object from the session without touching the database: a pending object
    /// becomes transient, a persistent one detached.
    pub fn expunge<M: Mapper>(&mut self, obj: &Obj<M>) {
        let addr = Tracked::addr(&*obj.0);
        self.pending.retain(|o| o.addr() != addr);
        self.to_delete.retain(|o| o.addr() != addr);
        let state = obj.state();
        match state {
            ObjectState::Pending => obj.0.tracked().set_state(ObjectState::Transient, 0),
            ObjectState::Persistent => {
                let key = obj.0.meta().snapshot_of::<M>().map(Model::key).unwrap_or_else(|| obj.read().key());
                self.identity.remove::<M>(&key);
                obj.0.tracked().set_state(ObjectState::Detached, 0);
            }
            _ => {}
        }
    }

    /// The object with this primary key: from the identity map if the session holds it,
    /// else loaded with one SELECT. `None` if there is no such row (or it is marked deleted).
    pub fn get<M: Mapper>(&mut self, key: M::Key) -> Result<Option<Obj<M>>> {
        self.check_usable()?;
        if let Some(obj) = self.identity.get::<M>(&key) {
            let deleted = obj.0.meta().delete_pending;
            if !deleted && obj.is_expired() && !obj.0.tracked().is_touched() {
                // An expired object is read again; a row deleted since means no object.
                return Ok(self.fetch::<M>(&key)?.map(|fresh| {
                    obj.0.refresh_if_expired(fresh);
                    obj
                }));
            }
            return Ok((!deleted).then_some(obj));
        }
        let id = self.id;
        Ok(self.fetch::<M>(&key)?.map(|m| {
            let obj = Obj::loaded(m, id);
            self.identity.insert::<M>(key, obj.0.clone());
            obj
        }))
    }

    /// The object with this key, read with `SELECT ... FOR UPDATE` even when the session
    /// holds it: the row is locked until the transaction ends, so that a read-modify-write
    /// of it cannot lose a concurrent update (SQLAlchemy's `get(..., with_for_update=True)`).
    /// The session's object takes the row's current values unless it was written since
    /// (its writes are kept). `None` if there is no such row.
    ///
    /// SQLite has no row locks: the transaction takes the database's write lock instead
    /// (see [`RowLock`]).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "counters")]
    /// # struct Counter {
    /// #     #[orm(primary_key)]
    /// #     id: i64,
    /// #     n: i64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Counter::table()])?;
    /// # insert::<Counter>().values(&Counter { id: 1, n: 0 }).execute(&engine)?;
    /// let mut session = engine.session();
    /// session.transaction(|s| {
    ///     let c = s.get_for_update::<Counter>(1)?.expect("counter 1");
    ///     c.write().n += 1; // nobody else can change the row before the commit
    ///     Ok::<_, orm::Error>(())
    /// })?;
    /// # assert_eq!(select(Counter::n).one(&engine)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_for_update<M: Mapper>(&mut self, key: M::Key) -> Result<Option<Obj<M>>> {
        self.get_with_lock(key, RowLock::update())
    }

    /// [`get_for_update`](Session::get_for_update) with another lock
    /// (`RowLock::update().nowait()`, `RowLock::share()`, ...).
    pub fn get_with_lock<M: Mapper>(&mut self, key: M::Key, lock: RowLock) -> Result<Option<Obj<M>>> {
        self.check_usable()?;
        let mut stmt = crate::query::SelectStatement::all_columns(M::table());
        stmt.and_where(crate::query::key_condition(M::table(), M::key_values(&key)));
        stmt.lock = Some(lock);
        let mut found = None;
        self.load_rows::<M>(&stmt, |obj| {
            found = Some(obj);
            Ok(false)
        })?;
        Ok(found.filter(|o| !o.0.meta().delete_pending))
    }

    /// The row with this key, read after an autoflush (no identity map involved).
    fn fetch<M: Mapper>(&mut self, key: &M::Key) -> Result<Option<M>> {
        self.autoflush()?;
        self.read_row::<M>(key)
    }

    /// The row with this key (no autoflush, no identity map).
    fn read_row<M: Mapper>(&mut self, key: &M::Key) -> Result<Option<M>> {
        let conn = self.connection(false)?;
        let sql = crud_sql(M::table(), conn.dialect_kind(), CrudShape::Get)?;
        let mut found = None;
        conn.query_while(&sql, &M::key_values(key), |row| {
            found = Some(crate::query::polymorphic::decode_model::<M>(row, 0)?);
            Ok(false)
        })?;
        Ok(found.filter(crate::query::is_own_row::<M>))
    }
}

/// The objects of model `M` among `objs`.
fn downcast_all<M: Mapper>(objs: &[Arc<dyn Tracked>]) -> Vec<Obj<M>> {
    objs.iter().filter_map(|o| o.clone().into_any().downcast::<ObjCell<M>>().ok().map(Obj)).collect()
}
