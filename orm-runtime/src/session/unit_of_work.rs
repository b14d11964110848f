//! The unit of work: what a flush writes for each object, in foreign-key order, and how a
//! rollback undoes it in memory.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::backend::Connection;
use crate::dialect::DialectKind;
use crate::error::{Error, Result};
use crate::model::ColumnMask;
use crate::query::insert_rows::{fill_table, rows_per_statement};
use crate::query::{check_param, check_value, crud_sql, insert_rows_sql, newest_key_sql, CrudShape};
use crate::schema::{creation_order, TableDef};
use crate::session::identity_map::IdentityMap;
use crate::session::mapper_events::{MapperListeners, WriteEvent};
use crate::session::object::ObjectState;
use crate::session::tracked::{ModelObjects, Tracked};
use crate::types::{Param, Value};

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

/// INSERT `group` (objects of one model, in flush order) and make them persistent;
/// consecutive rows of one shape share a prepared statement.
pub(crate) fn flush_insert_group(group: &[Arc<dyn Tracked>], ctx: &mut FlushCtx<'_>) -> Result<()> {
    let Some(first) = group.first() else { return Ok(()) };
    let table = first.table();
    if ctx.mapper.has_before_of(first.model(), WriteEvent::Insert) {
        for obj in group {
            obj.run_listeners(ctx.mapper, WriteEvent::Insert, true, ctx.conn)?;
        }
    }
    let after = ctx.mapper.has_after_of(first.model(), WriteEvent::Insert);
    let fill = InsertFill::of(table);
    // Sized up front: collecting through `Result` would grow the vector by doubling,
    // copying every row at each step (a measurable share of a large flush).
    let mut rows = Vec::with_capacity(group.len());
    for obj in group {
        rows.push(InsertRow::new(obj.clone(), table, &fill)?);
    }
    let dialect = ctx.conn.dialect_kind();
    let key_idx = table.auto_increment_column().map(|c| c.index);
    let FlushCtx { conn, identity, undo, mapper } = ctx;
    // The identity map's part for this model, looked up once for the whole group.
    let objects = identity.objects_of(&**first);
    objects.reserve(rows.len());
    // One undo entry for the whole group, holding what each inserted row needs to become
    // transient again (also when a later row fails: the rows before it are in the
    // transaction that the failure rolls back).
    let mut done: Vec<InsertedRow> = Vec::with_capacity(rows.len());
    let result = insert_rows(rows, table, dialect, key_idx, conn, objects, &mut done);
    if !done.is_empty() {
        let restores = done.iter().filter(|r| !r.before.is_empty()).map(|r| r.obj.clone());
        undo.push(Undo::new(restores.collect(), move |identity: &mut IdentityMap| {
            for row in done.into_iter().rev() {
                row.undo(identity);
            }
        }));
    }
    result?;
    if after {
        for obj in group {
            obj.run_listeners(mapper, WriteEvent::Insert, false, conn)?;
        }
    }
    Ok(())
}

/// UPDATE the changed columns of `obj`, if any.
pub(crate) fn flush_update(obj: Arc<dyn Tracked>, ctx: &mut FlushCtx<'_>) -> Result<()> {
    let touched = obj.touched_flag();
    if !touched.swap(false, Ordering::AcqRel) {
        return Ok(());
    }
    if ctx.mapper.has_before_of(obj.model(), WriteEvent::Update) {
        if let Err(e) = obj.run_listeners(ctx.mapper, WriteEvent::Update, true, ctx.conn) {
            touched.store(true, Ordering::Release);
            return Err(e);
        }
    }
    let table = obj.table();
    let versioned = table.version_column();
    let Some(changed) = obj.changed_columns() else { return Ok(()) };
    let old_key = obj.key_values(true);
    // The version the row had when this session read it.
    let expected = versioned.map(|c| obj.stored_value(c.index));
    let changed = if versioned.is_some() || table.columns.iter().any(|c| c.onupdate.is_some()) {
        let bump = versioned.zip(expected.as_ref()).map(|(c, v)| (c.index, v));
        stamp_update(&*obj, table, changed, bump).inspect_err(|_| touched.store(true, Ordering::Release))?
    } else {
        changed
    };
    let mut params = Vec::with_capacity(table.columns.len() + 1);
    let mut checked = Ok(());
    obj.with_fields(&mut |data| {
        for idx in changed.iter() {
            let v = data.value_at(idx);
            if let Err(e) = check_value(&table.columns[idx], &v) {
                checked = Err(e);
                return;
            }
            params.push(v);
        }
    });
    checked?;
    params.extend(old_key.iter().cloned());
    params.extend(expected.clone());
    let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Update { columns: changed })?;
    let n = ctx.conn.execute(&sql, &params).map_err(|e| {
        touched.store(true, Ordering::Release);
        fill_table(e, table.name)
    })?;
    if n != 1 {
        touched.store(true, Ordering::Release);
        return Err(Error::StaleData {
            table: table.name.into(),
            action: "update",
            key: obj.key_debug(&old_key),
            expected_version: expected.as_ref().and_then(Value::as_i64),
            matched: n,
        });
    }
    // The fields now hold the database values: the old snapshot moves into the undo log.
    let old_snapshot = obj.take_snapshot();
    let new_key = obj.key_values(false);
    if new_key != old_key {
        ctx.identity.remove_key_of(&*obj, &old_key);
        ctx.identity.insert_object_at(&obj, &new_key);
    }
    let restores = if old_snapshot.is_some() { vec![obj.clone()] } else { Vec::new() };
    let cell = obj.clone();
    ctx.undo.push(Undo::new(restores, move |identity: &mut IdentityMap| {
        cell.restore_snapshot(old_snapshot);
        if new_key != old_key {
            identity.remove_key_of(&*cell, &new_key);
            identity.insert_object_at(&cell, &old_key);
        }
    }));
    obj.run_listeners(ctx.mapper, WriteEvent::Update, false, ctx.conn)
}

/// DELETE the row of `obj`.
pub(crate) fn flush_delete(obj: Arc<dyn Tracked>, ctx: &mut FlushCtx<'_>) -> Result<()> {
    obj.run_listeners(ctx.mapper, WriteEvent::Delete, true, ctx.conn)?;
    let table = obj.table();
    let expected = table.version_column().map(|c| obj.stored_value(c.index));
    let key = obj.key_values(true);
    let sql = crud_sql(table, ctx.conn.dialect_kind(), CrudShape::Delete)?;
    let mut params = key.clone();
    params.extend(expected.clone());
    let n = ctx.conn.execute(&sql, &params).map_err(|e| fill_table(e, table.name))?;
    if n != 1 {
        return Err(Error::StaleData {
            table: table.name.into(),
            action: "delete",
            key: obj.key_debug(&key),
            expected_version: expected.as_ref().and_then(Value::as_i64),
            matched: n,
        });
    }
    obj.mark(ObjectState::Deleted);
    obj.set_delete_pending(false);
    ctx.identity.remove_key_of(&*obj, &key);
    obj.run_listeners(ctx.mapper, WriteEvent::Delete, false, ctx.conn)?;
    ctx.undo.push(Undo::new(Vec::new(), move |identity: &mut IdentityMap| {
        obj.mark(ObjectState::Persistent);
        identity.insert_object_at(&obj, &key);
    }));
    Ok(())
}

/// Before an UPDATE: set the `onupdate` columns it does not set itself and, for a model
/// with a version column whose value the user did not write (`version`: its index and the
/// version read), the next version. Returns the columns the UPDATE writes.
fn stamp_update(
    obj: &dyn Tracked,
    table: &'static TableDef,
    mut changed: ColumnMask,
    version: Option<(usize, &Value)>,
) -> Result<ColumnMask> {
    obj.with_fields_mut("given its onupdate values and next version", &mut |data| {
        for c in table.columns {
            if let (Some(f), false) = (c.onupdate, changed.contains(c.index)) {
                data.set_value_at(c.index, &f())?;
                changed.insert(c.index);
            }
        }
        if let Some((idx, read)) = version {
            if !changed.contains(idx) {
                data.set_value_at(idx, &next_version(read))?;
                changed.insert(idx);
            }
        }
        Ok(())
    })?;
    Ok(changed)
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
fn insert_rows(
    rows: Vec<InsertRow>,
    table: &'static TableDef,
    dialect: DialectKind,
    key_idx: Option<usize>,
    conn: &mut Connection,
    objects: &mut dyn ModelObjects,
    done: &mut Vec<InsertedRow>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while let Some(first) = rows.next() {
        let (columns, returning) = (first.columns, first.returning);
        let mut batch = vec![first];
        while let Some(next) = rows.next_if(|r| r.columns == columns && r.returning == returning) {
            batch.push(next);
        }
        // Several rows whose generated values are none, or the auto-increment key alone:
        // multi-row statements (one round trip per batch, not per object).
        let key_only = key_idx.is_some_and(|k| returning == ColumnMask::single(k));
        if batch.len() > 1 && (returning.is_empty() || key_only) {
            let key = if returning.is_empty() { None } else { key_idx };
            insert_multi_row(batch, table, dialect, columns, key, conn, objects, done)?;
            continue;
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
            let column_list: Vec<usize> = columns.iter().collect();
            for row in batch {
                // Bound straight from the object's fields, without copies. Only an error is
                // carried out of the closure (moving a whole `Result` per row costs a copy).
                let mut failed = None;
                row.obj.with_fields(&mut |data| {
                    let mut params: Vec<Param<'_>> = Vec::with_capacity(column_list.len());
                    data.params_into(&column_list, &mut params);
                    if let Err(e) = stmt.execute(&params) {
                        failed = Some(e);
                    }
                });
                if let Some(e) = failed {
                    return Err(fill_table(e, table.name));
                }
                if let (Some(k), Some(rowid)) = (rowid_key, stmt.last_insert_rowid()) {
                    row.obj.with_fields_mut("given its generated key", &mut |data| {
                        data.set_value_at(k, &Value::I64(rowid))
                    })?;
                }
                done.push(row.finish(objects, None));
            }
        } else {
            let sql = crud_sql(table, dialect, CrudShape::Insert { columns, returning })?;
            for row in batch {
                let mut params: Vec<Value> = Vec::with_capacity(table.columns.len());
                row.obj.with_fields(&mut |data| params.extend(columns.iter().map(|i| data.value_at(i))));
                row.obj
                    .with_fields_mut("given its generated values", &mut |data| {
                        conn.query(&sql, &params, |r| {
                            for (pos, idx) in returning.iter().enumerate() {
                                data.decode_at(idx, r, pos)?;
                            }
                            Ok(())
                        })
                    })
                    .map_err(|e| fill_table(e, table.name))?;
                done.push(row.finish(objects, None));
            }
        }
    }
    Ok(())
}

/// INSERT `batch` (rows of one shape) with multi-row statements of as many rows as the
/// dialect takes (Core's `values_many` batch size). `key`: the auto-increment key, matched to
/// the objects by order: the database draws the keys of one statement in ascending order, row
/// after row (an identity column or sequence). PostgreSQL reads them back with RETURNING,
/// whose own row order is not promised, so they are sorted first (SQLAlchemy's
/// "insertmanyvalues" matches rows the same way). SQLite, where RETURNING costs more than the
/// insert itself, gives each new row the table's largest rowid plus one: the keys are the run
/// that ends at `last_insert_rowid()`, checked against the table's largest key (which differs
/// once rowids run out and SQLite draws them at random).
#[allow(clippy::too_many_arguments)]
fn insert_multi_row(
    batch: Vec<InsertRow>,
    table: &'static TableDef,
    dialect: DialectKind,
    columns: ColumnMask,
    key: Option<usize>,
    conn: &mut Connection,
    objects: &mut dyn ModelObjects,
    done: &mut Vec<InsertedRow>,
) -> Result<()> {
    let d = dialect.dialect();
    let per_statement = rows_per_statement(table, d);
    let by_rowid = key.is_some() && d.capabilities().keys_by_rowid;
    let returning = match key {
        Some(k) if !by_rowid => ColumnMask::single(k),
        _ => ColumnMask::EMPTY,
    };
    let newest = match key {
        Some(k) if by_rowid => Some(newest_key_sql(table, d, table.columns[k].name)?),
        _ => None,
    };
    let column_list: Vec<usize> = columns.iter().collect();
    let mut params: Vec<Value> = Vec::with_capacity(per_statement.min(batch.len()) * column_list.len());
    let mut keys: Vec<i64> = Vec::new();
    let mut rows = batch.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<InsertRow> = rows.by_ref().take(per_statement).collect();
        let sql = insert_rows_sql(table, d, columns, returning, chunk.len())?;
        keys.clear();
        if returning.is_empty() {
            execute_chunk(conn, &sql, &chunk, &column_list, &mut params).map_err(|e| fill_table(e, table.name))?;
            if let Some(newest) = &newest {
                let last = conn.last_insert_rowid().unwrap_or_default();
                let mut max = None;
                conn.query(newest, &[], |r| {
                    max = r.value::<Option<i64>>(0)?;
                    Ok(())
                })?;
                if max != Some(last) {
                    return Err(Error::Internal {
                        invariant: "the rows of a multi-row INSERT have consecutive rowids",
                        detail: format!("{}: last inserted rowid {last}, largest key {max:?}", table.name),
                    });
                }
                // A chunk holds at most `rows_per_statement` rows (well under 2^63).
                let count = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
                keys.extend(last.saturating_sub(count - 1)..=last);
            }
        } else {
            collect_params(&chunk, &column_list, &mut params);
            conn.query(&sql, &params, |r| {
                keys.push(r.integer(0)?);
                Ok(())
            })
            .map_err(|e| fill_table(e, table.name))?;
            if keys.len() != chunk.len() {
                return Err(Error::Internal {
                    invariant: "a multi-row INSERT returns one key per row",
                    detail: format!("{} rows into {}, {} keys back", chunk.len(), table.name, keys.len()),
                });
            }
            keys.sort_unstable();
        }
        match key {
            Some(k) => {
                // The generated column is the whole primary key: the object is registered
                // under it without a second look at its fields.
                let whole_key = table.primary_key == [k];
                for (row, &id) in chunk.into_iter().zip(&keys) {
                    let id = Value::I64(id);
                    row.obj.with_fields_mut("given its generated key", &mut |data| data.set_value_at(k, &id))?;
                    done.push(row.finish(objects, whole_key.then_some(std::slice::from_ref(&id))));
                }
            }
            None => done.extend(chunk.into_iter().map(|row| row.finish(objects, None))),
        }
    }
    Ok(())
}

/// The values of `columns` of every object of `chunk`, row after row, in `params`.
fn collect_params(chunk: &[InsertRow], columns: &[usize], params: &mut Vec<Value>) {
    params.clear();
    for row in chunk {
        row.obj.with_fields(&mut |data| params.extend(columns.iter().map(|&i| data.value_at(i))));
    }
}

/// Execute the multi-row INSERT `sql` of `chunk`'s objects. On SQLite, when nothing looks at
/// statements' values, each object's values are bound straight from its fields, one object
/// after another (no copy of its text); otherwise they are collected in `params` first.
fn execute_chunk(
    conn: &mut Connection,
    sql: &str,
    chunk: &[InsertRow],
    columns: &[usize],
    params: &mut Vec<Value>,
) -> Result<u64> {
    #[cfg(feature = "sqlite")]
    {
        let count = chunk.len() * columns.len();
        let bound = conn.execute_binding(sql, count, &mut |binder| {
            for row in chunk {
                let mut r = Ok(());
                row.obj.with_fields(&mut |data| r = data.each_param(columns, &mut |p| binder.bind(&p)));
                r?;
            }
            Ok(())
        });
        if let Some(r) = bound {
            return r;
        }
    }
    collect_params(chunk, columns, params);
    conn.execute(sql, params)
}

/// The values of an object's columns that the database fills in at insert, to put back on
/// rollback: usually one (the generated key), kept inline (one allocation fewer per object).
enum Filled {
    /// None.
    None,
    /// One column: its index and value.
    One((usize, Value)),
    /// More.
    Many(Vec<(usize, Value)>),
}

impl Filled {
    fn push(&mut self, entry: (usize, Value)) {
        *self = match std::mem::replace(self, Filled::None) {
            Filled::None => Filled::One(entry),
            Filled::One(first) => Filled::Many(vec![first, entry]),
            Filled::Many(mut all) => {
                all.push(entry);
                Filled::Many(all)
            }
        };
    }

    fn is_empty(&self) -> bool {
        matches!(self, Filled::None)
    }

    fn as_slice(&self) -> &[(usize, Value)] {
        match self {
            Filled::None => &[],
            Filled::One(entry) => std::slice::from_ref(entry),
            Filled::Many(all) => all,
        }
    }
}

/// One object about to be inserted: its parameters and the shape of its INSERT.
struct InsertRow {
    obj: Arc<dyn Tracked>,
    /// Values of the columns the database fills in, to restore them on rollback.
    before: Filled,
    columns: ColumnMask,
    returning: ColumnMask,
}

impl InsertRow {
    fn new(obj: Arc<dyn Tracked>, table: &'static TableDef, fill: &InsertFill) -> Result<Self> {
        let mut row = InsertRow { before: Filled::None, columns: ColumnMask::EMPTY, returning: ColumnMask::EMPTY, obj };
        if let Some((idx, identity, keep_set)) = fill.identity {
            // Rows of a polymorphic model carry its identity in the discriminator: a
            // subtype's always, a base's unless one was set (the identity of a joined-table
            // subtype whose base row it is).
            let before = &mut row.before;
            row.obj.with_fields_mut("given its polymorphic identity", &mut |data| {
                let current = data.value_at(idx);
                let (set, already) = match &current {
                    Value::Text(t) => (!t.is_empty(), t == identity),
                    _ => (false, false),
                };
                let keep = already || (keep_set && set);
                if !keep {
                    data.set_value_at(idx, &Value::Text(identity.to_owned()))?;
                    before.push((idx, current));
                }
                Ok(())
            })?;
        }
        let mut checked = Ok(());
        let InsertRow { obj, before, columns, returning } = &mut row;
        obj.with_fields(&mut |data| {
            for c in table.columns {
                // Generated keys, and server defaults of fields left `None`, come back
                // from the database.
                if c.auto_increment || (c.server_default.is_some() && data.is_none_at(c.index)) {
                    returning.insert(c.index);
                    before.push((c.index, data.value_at(c.index)));
                } else {
                    // Only a column with a length limit has anything to check.
                    if c.max_length.is_some() {
                        if let Err(e) = check_param(c, &data.param_at(c.index)) {
                            checked = Err(e);
                            return;
                        }
                    }
                    columns.insert(c.index);
                }
            }
        });
        checked?;
        Ok(row)
    }

    /// The row is in the database: the object becomes persistent and joins the identity map,
    /// under `key` when the caller knows it (a generated key that is the whole primary key:
    /// no second look at the fields), else under the key its fields hold; the
    /// [`InsertedRow`] returned can make it transient again.
    fn finish(self, objects: &mut dyn ModelObjects, key: Option<&[Value]>) -> InsertedRow {
        let InsertRow { obj, before, .. } = self;
        obj.settle(Some(ObjectState::Persistent));
        match key {
            Some(key) => objects.insert_at(obj.clone(), key),
            None => objects.insert_current(obj.clone()),
        }
        InsertedRow { obj, before }
    }
}

/// An inserted row, as the undo log keeps it: the object and the values the database filled
/// in (to put back).
struct InsertedRow {
    obj: Arc<dyn Tracked>,
    before: Filled,
}

impl InsertedRow {
    /// The insert was rolled back: out of the identity map, the filled-in values back, transient.
    fn undo(self, identity: &mut IdentityMap) {
        let InsertedRow { obj, before } = self;
        identity.remove_object(&*obj);
        obj.restore_values(before.as_slice());
        obj.set_state(ObjectState::Transient, 0);
        obj.settle(None);
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
    pub(crate) assoc: Vec<crate::session::cascade::AssocOp>,
    /// Association rows of owners being deleted: (table, column, owner's key).
    pub(crate) assoc_clears: Vec<(&'static TableDef, &'static crate::schema::ColumnDef, crate::types::Value)>,
}

impl FlushPlan {
    /// Whether the plan is one statement: new objects of one table (no inheritance, no
    /// listeners) of one shape, as many as one INSERT carries, or the UPDATE of one changed
    /// object (`touched`, the session's changed objects), or the DELETE of one; nothing else.
    /// A commit sends such a flush alone, without BEGIN / COMMIT around it: one statement is
    /// atomic by itself.
    pub(crate) fn is_one_statement(
        &self,
        touched: &[Arc<dyn Tracked>],
        dialect: DialectKind,
        mapper: &MapperListeners,
    ) -> bool {
        let no_links = self.early_deletes.is_empty()
            && self.syncs.is_empty()
            && self.assoc.is_empty()
            && self.assoc_clears.is_empty();
        let (first, event) = match (self.inserts.first(), touched, self.deletes.as_slice()) {
            (Some(first), [], []) => (first, WriteEvent::Insert),
            (None, [one], []) => (one, WriteEvent::Update),
            (None, [], [one]) => (one, WriteEvent::Delete),
            _ => return false,
        };
        let table = first.table();
        if !no_links
            || table.inheritance.is_some()
            || mapper.has_before_of(first.model(), event)
            || mapper.has_after_of(first.model(), event)
        {
            return false;
        }
        if event != WriteEvent::Insert {
            return true;
        }
        if self.inserts.len() == 1 {
            return true;
        }
        // SQLite reads the keys of several rows back with a second statement (the largest
        // key, see `insert_multi_row`), which only a transaction keeps from racing a writer.
        if dialect.dialect().capabilities().keys_by_rowid && table.auto_increment_column().is_some() {
            return false;
        }
        // Several rows share a statement when only the generated key comes back (see
        // `insert_rows`): no server default may be left to the database.
        let defaults: Vec<usize> =
            table.columns.iter().filter(|c| c.server_default.is_some()).map(|c| c.index).collect();
        self.inserts.len() <= rows_per_statement(table, dialect.dialect())
            && self.inserts.iter().all(|o| {
                if !std::ptr::eq(o.table(), table) {
                    return false;
                }
                let mut filled = true;
                if !defaults.is_empty() {
                    o.with_fields(&mut |d| filled = defaults.iter().all(|&i| !d.is_none_at(i)));
                }
                filled
            })
    }

    pub(crate) fn sort(&mut self) {
        // One table (the usual flush): nothing to order, nothing to collect.
        let mut all = self.inserts.iter().chain(&self.deletes);
        if let Some(first) = all.next().map(|o| o.table()) {
            if all.all(|o| std::ptr::eq(o.table(), first)) {
                return;
            }
        }
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
            flush_delete(o.clone(), ctx)?;
        }
        let mut applied_early: FastSet<usize> = FastSet::default();
        for (k, s) in self.syncs.iter().enumerate() {
            if s.parent.is_none() {
                s.apply()?;
                flush_update(s.child.clone(), ctx)?;
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
                // Members are only looked up for foreign keys to write: with none, the group
                // is the table's whole run and no set is built.
                if !by_child.is_empty() {
                    let a = inserts[j].addr();
                    let needs_member = by_child.get(&a).is_some_and(|ks| {
                        ks.iter()
                            .any(|&k| self.syncs[k].parent.as_ref().is_some_and(|(p, _)| members.contains(&p.addr())))
                    });
                    if needs_member {
                        break;
                    }
                    members.insert(a);
                }
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
            flush_insert_group(&inserts[i..j], ctx)?;
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
            flush_update(o, ctx)?;
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
            flush_delete(o, ctx)?;
        }
        Ok(())
    }
}
