//! The unit of work: what a flush writes for each object, in foreign-key order, and how a
//! rollback undoes it in memory.

use std::any::Any;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::backend::Connection;
use crate::dialect::DialectKind;
use crate::error::{Error, Result};
use crate::model::{ColumnMask, Model};
use crate::query::insert::fill_table;
use crate::query::{check_param, check_value, crud_sql, CrudShape};
use crate::schema::{creation_order, TableDef};
use crate::session::identity_map::IdentityMap;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::{ObjCell, ObjectState};
use crate::types::Value;

/// Restores in-memory state when the transaction that a flush wrote in is rolled back.
pub(crate) struct Undo {
    /// The objects whose fields it writes back: `rollback` first checks that the calling
    /// thread holds no guard of them (waiting for one would wait forever).
    pub(crate) restores: Vec<Arc<dyn Tracked>>,
    run: Box<dyn FnOnce(&mut IdentityMap) + Send>,
}

impl Undo {
    /// An entry that writes back fields of `restores` (and may change states and the map).
    pub(crate) fn new(restores: Vec<Arc<dyn Tracked>>, run: impl FnOnce(&mut IdentityMap) + Send + 'static) -> Self {
        Undo { restores, run: Box::new(run) }
    }

    /// Run it.
    pub(crate) fn run(self, identity: &mut IdentityMap) {
        (self.run)(identity)
    }
}

/// What a flush step may use.
pub(crate) struct FlushCtx<'a> {
    pub(crate) conn: &'a mut Connection,
    pub(crate) identity: &'a mut IdentityMap,
    pub(crate) undo: &'a mut Vec<Undo>,
    /// Mapper event listeners.
    pub(crate) mapper: &'a MapperListeners,
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
    /// Mark the object expired (see [`Obj::is_expired`](crate::session::Obj::is_expired)).
    fn expire(&self);
    /// The object as `Any`, to recover its concrete type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// INSERT `group` (objects of this object's model, this one among them, in flush order)
    /// and make them persistent; consecutive rows of one shape share a prepared statement.
    fn flush_insert_group(&self, group: &[Arc<dyn Tracked>], ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// UPDATE the changed columns, if any.
    fn flush_update(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// DELETE the row.
    fn flush_delete(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()>;
    /// Throw away unflushed changes: the fields take their snapshot values again.
    fn revert_unflushed(&self);
    /// The object's state and owning session.
    fn state_and_session(&self) -> (ObjectState, u64);
    /// The related objects held now, and those held when it was loaded or last flushed
    /// (`None` when the object has not been written since: then nothing changed).
    fn links(&self) -> (Vec<crate::session::RelationLink>, Option<Vec<crate::session::RelationLink>>);
    /// The value of column `idx`.
    fn value_of(&self, idx: usize) -> crate::types::Value;
    /// Set column `idx` as a write would (the change is tracked); returns whether it changed.
    fn set_tracked(&self, idx: usize, value: &crate::types::Value) -> Result<bool>;
    /// Run the model's validators over what the next flush writes of this object: every
    /// column of a pending object, the changed columns of a persistent one.
    fn validate(&self) -> Result<()>;
    /// [`Error::ObjectBorrowed`] when reading (`needs` Read) or writing (`needs` Write) the
    /// fields would wait for a guard of the calling thread (see `ObjCell::check_borrow`).
    fn check_borrow(&self, needs: crate::session::borrows::Borrow, action: &'static str) -> Result<()>;
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
    fn expire(&self) {
        self.expired.store(true, Ordering::Release);
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn state_and_session(&self) -> (ObjectState, u64) {
        let m = self.meta();
        (m.state, m.session)
    }

    fn links(&self) -> (Vec<crate::session::RelationLink>, Option<Vec<crate::session::RelationLink>>) {
        let mut now = Vec::new();
        self.data().relation_links(&mut now);
        let before = self.meta().snapshot.as_ref().map(|s| {
            let mut before = Vec::new();
            s.relation_links(&mut before);
            before
        });
        (now, before)
    }

    fn value_of(&self, idx: usize) -> crate::types::Value {
        self.data().column_value(idx)
    }

    fn set_tracked(&self, idx: usize, value: &crate::types::Value) -> Result<bool> {
        if self.data().column_value(idx) == *value {
            return Ok(false);
        }
        {
            let mut meta = self.meta();
            if meta.state == ObjectState::Persistent && meta.snapshot.is_none() {
                meta.snapshot = Some(self.data().snapshot());
            }
            self.touched.store(true, Ordering::Release);
        }
        self.data_mut().set_column_value(idx, value)?;
        Ok(true)
    }

    fn validate(&self) -> Result<()> {
        if !M::HAS_VALIDATORS {
            return Ok(());
        }
        let table = M::table();
        let data = self.data();
        let meta = self.meta();
        let columns = match (meta.state, meta.snapshot.as_ref()) {
            (ObjectState::Pending | ObjectState::Transient, _) => ColumnMask::all(table.columns.len()),
            (_, Some(snapshot)) => data.changed_columns(snapshot),
            (_, None) if self.touched.load(Ordering::Acquire) => ColumnMask::all(table.columns.len()),
            (_, None) => ColumnMask::EMPTY,
        };
        drop(meta);
        data.validate(columns)
    }

    fn check_borrow(&self, needs: crate::session::borrows::Borrow, action: &'static str) -> Result<()> {
        ObjCell::check_borrow(self, needs, action)
    }

    fn flush_insert_group(&self, group: &[Arc<dyn Tracked>], ctx: &mut FlushCtx<'_>) -> Result<()> {
        let table = M::table();
        let cells = group
            .iter()
            .map(|t| {
                t.clone().into_any().downcast::<ObjCell<M>>().map_err(|_| Error::Internal {
                    invariant: "an insert group holds objects of one model",
                    detail: format!("an object of another model in a group of `{}`", table.model),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if ctx.mapper.has_before::<M>(WriteEvent::Insert) {
            for cell in &cells {
                ctx.mapper.before::<M>(
                    WriteEvent::Insert,
                    ctx.conn,
                    &mut *cell.data_mut_now("passed to a listener")?,
                )?;
            }
        }
        let after = ctx.mapper.has_after::<M>(WriteEvent::Insert).then(|| cells.clone());
        let fill = InsertFill::of(table);
        let rows = cells.into_iter().map(|c| InsertRow::new(c, &fill)).collect::<Result<Vec<_>>>()?;
        let dialect = ctx.conn.dialect_kind();
        let key_idx = table.auto_increment_column().map(|c| c.index);
        let FlushCtx { conn, identity, undo, mapper } = ctx;
        identity.reserve::<M>(rows.len());
        // One undo entry for the whole group, holding what each inserted row needs to become
        // transient again (also when a later row fails: the rows before it are in the
        // transaction that the failure rolls back).
        let mut done: Vec<InsertedRow<M>> = Vec::with_capacity(rows.len());
        let result = insert_rows(rows, table, dialect, key_idx, conn, identity, &mut done);
        if !done.is_empty() {
            let restores = done.iter().filter(|r| !r.before.is_empty()).map(|r| r.cell.clone() as Arc<dyn Tracked>);
            undo.push(Undo::new(restores.collect(), move |identity: &mut IdentityMap| {
                for row in done.into_iter().rev() {
                    row.undo(identity);
                }
            }));
        }
        result?;
        for cell in after.iter().flatten() {
            mapper.after::<M>(WriteEvent::Insert, conn, &cell.data())?;
        }
        Ok(())
    }

    fn flush_update(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()> {
        if !self.touched.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if ctx.mapper.has_before::<M>(WriteEvent::Update) {
            let r = self
                .data_mut_now("passed to a listener")
                .and_then(|mut data| ctx.mapper.before::<M>(WriteEvent::Update, ctx.conn, &mut data));
            if let Err(e) = r {
                self.touched.store(true, Ordering::Release);
                return Err(e);
            }
        }
        let table = M::table();
        let versioned = table.version_column();
        let (changed, params, old_key, expected) = {
            let data = self.data();
            let meta = self.meta();
            let (changed, old_key) = match meta.snapshot.as_ref() {
                Some(snapshot) => (data.changed_columns(snapshot), snapshot.key()),
                // Written while detached: what changed is unknown, so every non-key column
                // is written.
                None => {
                    let mut all = ColumnMask::EMPTY;
                    for c in table.columns.iter().filter(|c| !c.primary_key) {
                        all.insert(c.index);
                    }
                    (all, data.key())
                }
            };
            if changed.is_empty() {
                drop(meta);
                drop(data);
                self.meta().snapshot = None;
                return Ok(());
            }
            // The version the row had when this session read it.
            let expected = versioned.map(|c| {
                meta.snapshot.as_ref().map_or_else(|| data.column_value(c.index), |s| s.column_value(c.index))
            });
            drop(meta);
            let (data, changed) = if versioned.is_some() || table.columns.iter().any(|c| c.onupdate.is_some()) {
                drop(data);
                let bump = versioned.zip(expected.as_ref()).map(|(c, v)| (c.index, v));
                let changed = self.stamp_update(changed, bump).inspect_err(|_| {
                    self.touched.store(true, Ordering::Release);
                })?;
                (self.data(), changed)
            } else {
                (data, changed)
            };
            let mut params = Vec::with_capacity(table.columns.len() + 1);
            for idx in changed.iter() {
                let v = data.column_value(idx);
                check_value(&table.columns[idx], &v)?;
                params.push(v);
            }
            params.extend(M::key_values(&old_key));
            params.extend(expected.clone());
            (changed, params, old_key, expected)
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
                expected_version: expected.as_ref().and_then(Value::as_i64),
                matched: n,
            });
        }
        // The fields now hold the database values: the old snapshot moves into the undo log.
        let old_snapshot = self.meta().snapshot.take();
        let new_key = self.data().key();
        if new_key != old_key {
            ctx.identity.remove::<M>(&old_key);
            ctx.identity.insert::<M>(new_key.clone(), self.clone());
        }
        let self_for_after = self.clone();
        let restores = if old_snapshot.is_some() { vec![self.clone() as Arc<dyn Tracked>] } else { Vec::new() };
        let cell = self;
        ctx.undo.push(Undo::new(restores, move |identity: &mut IdentityMap| {
            if let Some(old) = old_snapshot {
                cell.restore(|data| *data = old);
            }
            cell.meta().snapshot = None;
            cell.touched.store(false, Ordering::Release);
            if new_key != old_key {
                identity.remove::<M>(&new_key);
                identity.insert::<M>(old_key, cell.clone());
            }
        }));
        if ctx.mapper.has_after::<M>(WriteEvent::Update) {
            ctx.mapper.after::<M>(WriteEvent::Update, ctx.conn, &self_for_after.data())?;
        }
        Ok(())
    }

    fn flush_delete(self: Arc<Self>, ctx: &mut FlushCtx<'_>) -> Result<()> {
        if ctx.mapper.has_before::<M>(WriteEvent::Delete) {
            ctx.mapper.before::<M>(WriteEvent::Delete, ctx.conn, &mut *self.data_mut_now("passed to a listener")?)?;
        }
        let table = M::table();
        let (key, expected) = {
            let meta = self.meta();
            let expected = table.version_column().map(|c| match meta.snapshot.as_ref() {
                Some(s) => s.column_value(c.index),
                None => self.data().column_value(c.index),
            });
            let key = match meta.snapshot.as_ref() {
                Some(s) => s.key(),
                None => self.data().key(),
            };
            (key, expected)
        };
        let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Delete)?;
        let mut params = M::key_values(&key);
        params.extend(expected.clone());
        let n = ctx.conn.execute(&sql, &params).map_err(|e| fill_table(e, table.name))?;
        if n != 1 {
            return Err(Error::StaleData {
                table: table.name.into(),
                action: "delete",
                key: format!("{key:?}"),
                expected_version: expected.as_ref().and_then(Value::as_i64),
                matched: n,
            });
        }
        {
            let mut meta = self.meta();
            meta.state = ObjectState::Deleted;
            meta.delete_pending = false;
        }
        ctx.identity.remove::<M>(&key);
        if ctx.mapper.has_after::<M>(WriteEvent::Delete) {
            ctx.mapper.after::<M>(WriteEvent::Delete, ctx.conn, &self.data())?;
        }
        let cell = self;
        ctx.undo.push(Undo::new(Vec::new(), move |identity: &mut IdentityMap| {
            cell.meta().state = ObjectState::Persistent;
            identity.insert::<M>(key, cell);
        }));
        Ok(())
    }

    fn revert_unflushed(&self) {
        if self.touched.swap(false, Ordering::AcqRel) {
            let snapshot = self.meta().snapshot.take();
            if let Some(snapshot) = snapshot {
                self.restore(|data| *data = snapshot);
            }
        }
    }
}

impl<M: Model> ObjCell<M> {
    /// Before an UPDATE: set the `onupdate` columns it does not set itself and, for a model
    /// with a version column whose value the user did not write (`version`: its index and
    /// the version read), the next version. Returns the columns the UPDATE writes.
    fn stamp_update(&self, mut changed: ColumnMask, version: Option<(usize, &Value)>) -> Result<ColumnMask> {
        let mut data = self.data_mut_now("given its onupdate values and next version")?;
        for c in M::table().columns {
            if let (Some(f), false) = (c.onupdate, changed.contains(c.index)) {
                data.set_column_value(c.index, &f())?;
                changed.insert(c.index);
            }
        }
        if let Some((idx, read)) = version {
            if !changed.contains(idx) {
                data.set_column_value(idx, &next_version(read))?;
                changed.insert(idx);
            }
        }
        Ok(changed)
    }
}

/// The version after `v` (integers wrap: a version is compared for equality only).
fn next_version(v: &Value) -> Value {
    match v {
        Value::I16(n) => Value::I16(n.wrapping_add(1)),
        Value::I32(n) => Value::I32(n.wrapping_add(1)),
        Value::I64(n) => Value::I64(n.wrapping_add(1)),
        other => other.clone(),
    }
}

/// What the inserts of one model fill in before binding, worked out once per flush.
struct InsertFill {
    /// The discriminator column, this model's identity, and whether a base row keeps an
    /// identity already set.
    identity: Option<(usize, &'static str, bool)>,
}

impl InsertFill {
    fn of(table: &'static TableDef) -> InsertFill {
        let identity = table.polymorphic_identity().and_then(|(column, identity)| {
            let base = table.inheritance.is_some_and(|i| i.base.is_none());
            Some((table.column(column)?.index, identity, base))
        });
        InsertFill { identity }
    }
}

/// INSERT a group's rows (consecutive rows of one shape share a statement) and make each
/// persistent; `done` receives what undoes each row that made it in.
fn insert_rows<M: Model>(
    rows: Vec<InsertRow<M>>,
    table: &'static TableDef,
    dialect: DialectKind,
    key_idx: Option<usize>,
    conn: &mut crate::backend::Connection,
    identity: &mut IdentityMap,
    done: &mut Vec<InsertedRow<M>>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while let Some(first) = rows.next() {
        let (columns, returning) = (first.columns, first.returning);
        let mut batch = vec![first];
        while let Some(next) = rows.next_if(|r| r.columns == columns && r.returning == returning) {
            batch.push(next);
        }
        // SQLite: a generated key alone is read with last_insert_rowid(), cheaper than
        // RETURNING (which SQLite buffers in a temporary table).
        let rowid_key = match key_idx {
            Some(k) if dialect.dialect().capabilities().keys_by_rowid && returning == ColumnMask::single(k) => Some(k),
            _ => None,
        };
        if rowid_key.is_some() || returning.is_empty() {
            let sql = crud_sql(table, dialect, CrudShape::Insert { columns, returning: ColumnMask::EMPTY })?;
            let mut stmt = conn.prepared(&sql)?;
            for row in batch {
                {
                    // Bound straight from the object's fields, without copies.
                    let data = row.cell.data();
                    let params: Vec<crate::types::Param<'_>> = columns.iter().map(|i| data.column_param(i)).collect();
                    stmt.execute(&params).map_err(|e| fill_table(e, table.name))?;
                }
                if let (Some(k), Some(rowid)) = (rowid_key, stmt.last_insert_rowid()) {
                    row.cell.data_mut().set_column_value(k, &crate::types::Value::I64(rowid))?;
                }
                done.push(row.finish(identity));
            }
        } else {
            let sql = crud_sql(table, dialect, CrudShape::Insert { columns, returning })?;
            for row in batch {
                {
                    let params: Vec<crate::types::Value> =
                        columns.iter().map(|i| row.cell.data().column_value(i)).collect();
                    let mut data = row.cell.data_mut();
                    conn.query(&sql, &params, |r| {
                        for (pos, idx) in returning.iter().enumerate() {
                            data.decode_column(idx, r, pos)?;
                        }
                        Ok(())
                    })
                    .map_err(|e| fill_table(e, table.name))?;
                }
                done.push(row.finish(identity));
            }
        }
    }
    Ok(())
}

/// One object about to be inserted: its parameters and the shape of its INSERT.
struct InsertRow<M: Model> {
    cell: Arc<ObjCell<M>>,
    /// Values of the columns the database fills in, to restore them on rollback.
    before: Vec<(usize, crate::types::Value)>,
    columns: ColumnMask,
    returning: ColumnMask,
}

impl<M: Model> InsertRow<M> {
    fn new(cell: Arc<ObjCell<M>>, fill: &InsertFill) -> Result<Self> {
        let table = M::table();
        let mut row = InsertRow { before: Vec::new(), columns: ColumnMask::EMPTY, returning: ColumnMask::EMPTY, cell };
        if let Some((idx, identity, keep_set)) = fill.identity {
            // Rows of a polymorphic model carry its identity in the discriminator: a
            // subtype's always, a base's unless one was set (the identity of a joined-table
            // subtype whose base row it is).
            let mut data = row.cell.data_mut_now("given its polymorphic identity")?;
            let current = data.column_value(idx);
            let (set, already) = match &current {
                crate::types::Value::Text(t) => (!t.is_empty(), t == identity),
                _ => (false, false),
            };
            let keep = already || (keep_set && set);
            if !keep {
                data.set_column_value(idx, &crate::types::Value::Text(identity.to_owned()))?;
                row.before.push((idx, current));
            }
        }
        {
            let data = row.cell.data();
            for c in table.columns {
                // Generated keys, and server defaults of fields left `None`, come back
                // from the database.
                if c.auto_increment || (c.server_default.is_some() && data.column_is_none(c.index)) {
                    row.returning.insert(c.index);
                    row.before.push((c.index, data.column_value(c.index)));
                } else {
                    check_param(c, &data.column_param(c.index))?;
                    row.columns.insert(c.index);
                }
            }
        }
        Ok(row)
    }

    /// The row is in the database: the object becomes persistent and joins the identity map;
    /// the [`InsertedRow`] returned can make it transient again.
    fn finish(self, identity: &mut IdentityMap) -> InsertedRow<M> {
        let InsertRow { cell, before, .. } = self;
        let key = {
            let mut meta = cell.meta();
            meta.state = ObjectState::Persistent;
            meta.snapshot = None;
            cell.data().key()
        };
        cell.touched.store(false, Ordering::Release);
        identity.insert::<M>(key.clone(), cell.clone());
        InsertedRow { cell, key, before }
    }
}

/// An inserted row, as the undo log keeps it: the object, the key it was registered under and
/// the values the database filled in (to put back).
struct InsertedRow<M: Model> {
    cell: Arc<ObjCell<M>>,
    key: M::Key,
    before: Vec<(usize, crate::types::Value)>,
}

impl<M: Model> InsertedRow<M> {
    /// The insert was rolled back: out of the identity map, the filled-in values back, transient.
    fn undo(self, identity: &mut IdentityMap) {
        let InsertedRow { cell, key, before } = self;
        identity.remove::<M>(&key);
        if !before.is_empty() {
            cell.restore(|data| {
                for (idx, v) in &before {
                    // The value was read from this very field: it converts back.
                    let _ = data.set_column_value(*idx, v);
                }
            });
        }
        let mut meta = cell.meta();
        meta.state = ObjectState::Transient;
        meta.session = 0;
        meta.snapshot = None;
        cell.touched.store(false, Ordering::Release);
    }
}

/// Everything one flush writes, ordered: inserts and updates parents-first, deletes
/// children-first (by the foreign keys between the tables involved).
pub(crate) struct FlushPlan {
    pub(crate) inserts: Vec<Arc<dyn Tracked>>,
    pub(crate) deletes: Vec<Arc<dyn Tracked>>,
    /// Orphans (children taken out of a relationship), deleted before anything is inserted
    /// so that a replacement never clashes with the row it replaces.
    pub(crate) early_deletes: Vec<Arc<dyn Tracked>>,
    /// Foreign keys to write along relationships.
    pub(crate) syncs: Vec<crate::session::cascade::FkSync>,
    /// Association rows to write or delete (many-to-many), once both ends have keys.
    pub(crate) assoc: Vec<crate::session::many_to_many::AssocOp>,
    /// Association rows of owners being deleted: (table, column, owner's key).
    pub(crate) assoc_clears: Vec<(&'static TableDef, &'static crate::schema::ColumnDef, crate::types::Value)>,
}

impl FlushPlan {
    pub(crate) fn sort(&mut self) {
        let mut tables: Vec<&'static TableDef> = Vec::new();
        for o in self.inserts.iter().chain(&self.deletes) {
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
        self.deletes.sort_by_key(|o| std::cmp::Reverse(rank(o)));
    }

    /// Run the plan; stops at the first error. Inserts go table by table, parents first;
    /// a child's foreign keys are written just before its insert (its parents have their
    /// keys by then); the other foreign keys after all inserts; then the UPDATEs of every
    /// changed object; then the DELETEs, children first.
    pub(crate) fn execute(self, ctx: &mut FlushCtx<'_>) -> Result<()> {
        use crate::session::{FastMap, FastSet};
        // Detach first: orphans go, and children taken out get their NULL key, before any
        // insert (a unique foreign key would otherwise clash with the replacement).
        for o in &self.early_deletes {
            o.clone().flush_delete(ctx)?;
        }
        let mut applied_early: FastSet<usize> = FastSet::default();
        for (k, s) in self.syncs.iter().enumerate() {
            if s.parent.is_none() {
                s.apply()?;
                s.child.clone().flush_update(ctx)?;
                applied_early.insert(k);
            }
        }
        let mut by_child: FastMap<usize, Vec<usize>> = FastMap::default();
        for (k, s) in self.syncs.iter().enumerate() {
            by_child.entry(s.child.addr()).or_default().push(k);
        }
        let mut applied: Vec<bool> = (0..self.syncs.len()).map(|k| applied_early.contains(&k)).collect();
        let inserts = self.inserts.as_slice();
        let mut i = 0;
        while i < inserts.len() {
            let table = inserts[i].table();
            // A group of one table's rows, cut before a row whose parent is in the group.
            let mut members: FastSet<usize> = FastSet::default();
            let mut j = i;
            while j < inserts.len() && std::ptr::eq(inserts[j].table(), table) {
                let a = inserts[j].addr();
                let needs_member = by_child.get(&a).is_some_and(|ks| {
                    ks.iter().any(|&k| self.syncs[k].parent.as_ref().is_some_and(|(p, _)| members.contains(&p.addr())))
                });
                if needs_member {
                    break;
                }
                members.insert(a);
                j += 1;
            }
            for a in &members {
                for &k in by_child.get(a).map(Vec::as_slice).unwrap_or(&[]) {
                    if self.syncs[k].parent_waiting() {
                        // Written after the inserts instead (post-update).
                        self.syncs[k].defer()?;
                    } else {
                        self.syncs[k].apply()?;
                        applied[k] = true;
                    }
                }
            }
            inserts[i].flush_insert_group(&inserts[i..j], ctx)?;
            i = j;
        }
        for (k, s) in self.syncs.iter().enumerate() {
            if !applied[k] {
                s.apply()?;
            }
        }
        // Association rows: removals first, so that a row taken out and put back is no clash.
        let mut done = FastSet::default();
        for op in self.assoc.iter().filter(|o| !o.insert).chain(self.assoc.iter().filter(|o| o.insert)) {
            if done.insert(op.identity()) {
                op.run(ctx.conn)?;
            }
        }
        for o in ctx.identity.touched() {
            o.flush_update(ctx)?;
        }
        for (table, column, key) in &self.assoc_clears {
            let stmt = crate::query::DeleteStatement {
                table: table.name,
                filter: Some(crate::expr::Node::binary(
                    crate::expr::BinOp::Eq,
                    crate::expr::Node::Column { table: column.table, name: column.name },
                    crate::expr::Node::Value(key.clone()),
                )),
                returning: Vec::new(),
            };
            let r = crate::dialect::render(ctx.conn.dialect(), crate::query::Statement::Delete(&stmt))?;
            ctx.conn.execute(&r.sql, &r.params)?;
        }
        for o in self.deletes {
            o.flush_delete(ctx)?;
        }
        Ok(())
    }
}
