//! The unit of work: what a flush writes for each object, in foreign-key order, and how a
//! rollback undoes it in memory.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::backend::Connection;
use crate::error::{Error, Result};
use crate::model::{ColumnMask, Model};
use crate::query::insert::fill_table;
use crate::query::{check_value, crud_sql, CrudShape};
use crate::schema::{creation_order, TableDef};
use crate::session::identity_map::IdentityMap;
use crate::session::object::{ObjCell, ObjectState};

/// Restores in-memory state when the transaction that a flush wrote in is rolled back.
pub(crate) type Undo = Box<dyn FnOnce(&mut IdentityMap) + Send>;

/// What a flush step may use.
pub(crate) struct FlushCtx<'a> {
    pub(crate) conn: &'a mut Connection,
    pub(crate) identity: &'a mut IdentityMap,
    pub(crate) undo: &'a mut Vec<Undo>,
}

/// A tracked object of any model, as the session sees it.
pub(crate) trait Tracked: Send + Sync {
    fn table(&self) -> &'static TableDef;
    /// The object's address, to recognise it in lists.
    fn addr(&self) -> usize;
    fn set_state(&self, state: ObjectState, session: u64);
    fn is_delete_pending(&self) -> bool;
    fn set_delete_pending(&self, on: bool);
    /// Whether the object may have unflushed changes.
    fn is_touched(&self) -> bool;
    /// INSERT the object and make it persistent.
    fn flush_insert(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// UPDATE the changed columns, if any.
    fn flush_update(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// DELETE the row.
    fn flush_delete(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// Throw away unflushed changes: the fields take their snapshot values again.
    fn revert_unflushed(&self);
}

impl<M: Model> Tracked for ObjCell<M> {
    fn table(&self) -> &'static TableDef {
        M::table()
    }

    fn addr(&self) -> usize {
        std::ptr::from_ref(self) as *const () as usize
    }

    fn set_state(&self, state: ObjectState, session: u64) {
        let mut m = self.meta();
        m.state = state;
        m.session = session;
        if state != ObjectState::Persistent {
            m.delete_pending = false;
        }
    }

    fn is_delete_pending(&self) -> bool {
        self.meta().delete_pending
    }

    fn set_delete_pending(&self, on: bool) {
        self.meta().delete_pending = on;
    }

    fn is_touched(&self) -> bool {
        self.touched.load(Ordering::Acquire)
    }

    fn flush_insert(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()> {
        let table = M::table();
        let mut columns = ColumnMask::EMPTY;
        let mut returning = ColumnMask::EMPTY;
        let mut params = Vec::with_capacity(table.columns.len());
        let before = {
            let data = self.data();
            for c in table.columns {
                // Generated keys, and server defaults of fields left `None`, come back
                // from the database.
                if c.auto_increment || (c.server_default.is_some() && data.column_is_none(c.index)) {
                    returning.insert(c.index);
                } else {
                    let v = data.column_value(c.index);
                    check_value(c, &v)?;
                    params.push(v);
                    columns.insert(c.index);
                }
            }
            (!returning.is_empty()).then(|| data.snapshot())
        };
        let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Insert { columns, returning })?;
        if returning.is_empty() {
            ctx.conn.execute(&sql, &params).map_err(|e| fill_table(e, table.name))?;
        } else {
            let mut data = self.data_mut();
            ctx.conn
                .query(&sql, &params, |row| {
                    for (pos, idx) in returning.iter().enumerate() {
                        data.decode_column(idx, row, pos)?;
                    }
                    Ok(())
                })
                .map_err(|e| fill_table(e, table.name))?;
        }
        let key = {
            let data = self.data();
            let mut meta = self.meta();
            meta.state = ObjectState::Persistent;
            meta.snapshot = Some(data.snapshot());
            data.key()
        };
        self.touched.store(false, Ordering::Release);
        ctx.identity.insert::<M>(key.clone(), self.clone());
        let cell = self;
        ctx.undo.push(Box::new(move |identity: &mut IdentityMap| {
            identity.remove::<M>(&key);
            if let Some(before) = before {
                let mut data = cell.data_mut();
                for idx in returning.iter() {
                    data.copy_column(&before, idx);
                }
            }
            let mut meta = cell.meta();
            meta.state = ObjectState::Transient;
            meta.session = 0;
            meta.snapshot = None;
        }));
        Ok(())
    }

    fn flush_update(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()> {
        if !self.touched.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let table = M::table();
        let (changed, params, old_key) = {
            let data = self.data();
            let meta = self.meta();
            let Some(snapshot) = meta.snapshot.as_ref() else { return Ok(()) };
            let changed = data.changed_columns(snapshot);
            if changed.is_empty() {
                return Ok(());
            }
            let old_key = snapshot.key();
            let mut params = Vec::with_capacity(table.columns.len());
            for idx in changed.iter() {
                let v = data.column_value(idx);
                check_value(&table.columns[idx], &v)?;
                params.push(v);
            }
            params.extend(M::key_values(&old_key));
            (changed, params, old_key)
        };
        let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Update { columns: changed })?;
        let n = ctx.conn.execute(&sql, &params).map_err(|e| {
            self.touched.store(true, Ordering::Release);
            fill_table(e, table.name)
        })?;
        if n != 1 {
            self.touched.store(true, Ordering::Release);
            return Err(Error::StaleData {
                table: table.name.into(),
                action: "update",
                key: format!("{old_key:?}"),
                matched: n,
            });
        }
        let (old_snapshot, new_key) = {
            let data = self.data();
            let mut meta = self.meta();
            let old = meta.snapshot.replace(data.snapshot());
            (old, data.key())
        };
        if new_key != old_key {
            ctx.identity.remove::<M>(&old_key);
            ctx.identity.insert::<M>(new_key.clone(), self.clone());
        }
        let cell = self;
        ctx.undo.push(Box::new(move |identity: &mut IdentityMap| {
            if let Some(old) = old_snapshot {
                *cell.data_mut() = old.snapshot();
                cell.meta().snapshot = Some(old);
            }
            if new_key != old_key {
                identity.remove::<M>(&new_key);
                identity.insert::<M>(old_key, cell.clone());
            }
        }));
        Ok(())
    }

    fn flush_delete(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()> {
        let table = M::table();
        let key = {
            let meta = self.meta();
            match meta.snapshot.as_ref() {
                Some(s) => s.key(),
                None => self.data().key(),
            }
        };
        let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Delete)?;
        let n = ctx.conn.execute(&sql, &M::key_values(&key)).map_err(|e| fill_table(e, table.name))?;
        if n != 1 {
            return Err(Error::StaleData {
                table: table.name.into(),
                action: "delete",
                key: format!("{key:?}"),
                matched: n,
            });
        }
        {
            let mut meta = self.meta();
            meta.state = ObjectState::Deleted;
            meta.delete_pending = false;
        }
        ctx.identity.remove::<M>(&key);
        let cell = self;
        ctx.undo.push(Box::new(move |identity: &mut IdentityMap| {
            cell.meta().state = ObjectState::Persistent;
            identity.insert::<M>(key, cell);
        }));
        Ok(())
    }

    fn revert_unflushed(&self) {
        if self.touched.swap(false, Ordering::AcqRel) {
            let meta = self.meta();
            if let Some(snapshot) = meta.snapshot.as_ref() {
                *self.data_mut() = snapshot.snapshot();
            }
        }
    }
}

/// Everything one flush writes, ordered: inserts and updates parents-first, deletes
/// children-first (by the foreign keys between the tables involved).
pub(crate) struct FlushPlan {
    pub(crate) inserts: Vec<Arc<dyn Tracked>>,
    pub(crate) updates: Vec<Arc<dyn Tracked>>,
    pub(crate) deletes: Vec<Arc<dyn Tracked>>,
}

impl FlushPlan {
    pub(crate) fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.updates.is_empty() && self.deletes.is_empty()
    }

    pub(crate) fn sort(&mut self) {
        let mut tables: Vec<&'static TableDef> = Vec::new();
        for o in self.inserts.iter().chain(&self.updates).chain(&self.deletes) {
            let t = o.table();
            if !tables.iter().any(|x| std::ptr::eq(*x, t)) {
                tables.push(t);
            }
        }
        if tables.len() < 2 {
            return;
        }
        let order = creation_order(&tables);
        let rank = |o: &Arc<dyn Tracked>| order.iter().position(|t| std::ptr::eq(*t, o.table())).unwrap_or(0);
        self.inserts.sort_by_key(rank);
        self.updates.sort_by_key(rank);
        self.deletes.sort_by_key(|o| std::cmp::Reverse(rank(o)));
    }

    /// Run the plan; stops at the first error.
    pub(crate) fn execute(self, ctx: &mut FlushCtx<'_>) -> Result<()> {
        for o in self.inserts {
            o.flush_insert(ctx)?;
        }
        for o in self.updates {
            o.flush_update(ctx)?;
        }
        for o in self.deletes {
            o.flush_delete(ctx)?;
        }
        Ok(())
    }
}
