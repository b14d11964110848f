//! Autogenerate: compare the models with the live database and write the operations that
//! make the database match them, with the operations that undo them.
//!
//! Compared: tables, columns (type, nullability, default), unique and check constraints (by
//! name), foreign keys and indexes (by name and definition). Types are compared as each
//! database spells them (PostgreSQL's `format_type`, SQLite's type affinity), and defaults
//! without the casts PostgreSQL adds, so that a database the models made reports no change.
//! A check's condition is not compared (PostgreSQL rewrites it); rename it to replace it.
//!
//! Beyond a plain diff: a column dropped and a column added with the same type in one table
//! are proposed as a rename ([`Diff::rename_candidates`]), made one only when confirmed
//! ([`CompareOptions::renames`]); and a change that can lose data (dropping a table or a
//! column, narrowing a type, NOT NULL on a column holding NULLs, checked) is refused with
//! [`Error::DataLoss`](crate::Error::DataLoss) unless [`CompareOptions::allow_data_loss`].

mod types;

use std::collections::{BTreeMap, BTreeSet};

use orm_runtime::backend::Connection;
use orm_runtime::schema::{NamingConvention, TableDef};

use crate::error::{Error, Result};
use crate::ops::{
    CheckSpec, ColumnChange, ColumnSpec, ColumnType, ForeignKeySpec, IndexSpec, Operation, TableSpec, UniqueSpec,
};
use crate::reflect::{self, Table};
use crate::revision::VERSION_TABLE;
// The type a model's column renders on the connection's database.
use crate::ops::type_sql as model_type_sql;
use types::{canonical_default, canonical_type, narrows, neutral_of};

/// How to compare.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Names the models leave open, given as `create_all_with` gives them.
    pub naming: NamingConvention,
    /// Confirmed renames, `table.old` -> `table.new` (columns).
    pub renames: Vec<(String, String)>,
    /// Accept changes that can lose data (each is flagged in the notes).
    pub allow_data_loss: bool,
    /// Tables of the database that are none of the models' business (never dropped).
    pub ignore_tables: Vec<String>,
}

/// A column dropped and one added with the same type in one table: maybe a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameCandidate {
    /// The table.
    pub table: String,
    /// The column the database has.
    pub from: String,
    /// The column the model has.
    pub to: String,
}

impl RenameCandidate {
    /// `table.from=table.to`, as `--rename` takes it.
    pub fn as_flag(&self) -> String {
        format!("{}.{}={}.{}", self.table, self.from, self.table, self.to)
    }
}

/// What differs, as operations.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// What makes the database match the models.
    pub upgrade: Vec<Operation>,
    /// What undoes it.
    pub downgrade: Vec<Operation>,
    /// Lines for the file's header (data loss accepted, things left out).
    pub notes: Vec<String>,
    /// Unconfirmed renames (written as a drop and an add).
    pub rename_candidates: Vec<RenameCandidate>,
}

impl Diff {
    /// Whether the database matches the models.
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty()
    }
}

/// Collects operations, data losses and notes.
struct Builder<'c> {
    conn: &'c mut Connection,
    options: &'c CompareOptions,
    diff: Diff,
    /// Undo operations, in the order of the changes (reversed at the end).
    undo: Vec<Operation>,
    losses: Vec<String>,
}

impl Builder<'_> {
    fn change(&mut self, up: Operation, down: Operation) {
        self.diff.upgrade.push(up);
        self.undo.push(down);
    }

    fn loss(&mut self, what: String) {
        self.losses.push(what);
    }
}

/// Compare `models` (their tables, with the subtypes' tables of inheritance among them as
/// listed) with the database `conn` is connected to.
pub fn compare(conn: &mut Connection, models: &[&'static TableDef], options: &CompareOptions) -> Result<Diff> {
    let reflected = reflect::reflect_on(conn)?;
    let mut db: BTreeMap<&str, &Table> = reflected.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    db.remove(VERSION_TABLE);
    for t in &options.ignore_tables {
        db.remove(t.as_str());
    }
    // A single-table subtype is its base's table (whose spec holds the subtypes' columns).
    let mut seen = BTreeSet::new();
    let models: Vec<&'static TableDef> =
        models.iter().map(|t| t.single_table_base().unwrap_or(t)).filter(|t| seen.insert(t.name)).collect();
    let mut b = Builder { conn, options, diff: Diff::default(), undo: Vec::new(), losses: Vec::new() };

    // New tables, parents first.
    for t in orm_runtime::schema::creation_order(&models) {
        if db.contains_key(t.name) {
            continue;
        }
        let spec = TableSpec::of_model(t, &options.naming)?;
        b.change(Operation::CreateTable(spec), Operation::DropTable { table: t.name.to_owned() });
        for index in IndexSpec::of_model(t, &options.naming)? {
            // Dropped with its table on the way down.
            b.diff.upgrade.push(Operation::CreateIndex { table: t.name.to_owned(), index });
        }
    }
    // Tables on both sides.
    for t in &models {
        if let Some(existing) = db.get(t.name) {
            compare_table(&mut b, t, existing)?;
        }
    }
    // Tables the models no longer have, children first.
    let model_names: BTreeSet<&str> = models.iter().map(|t| t.name).collect();
    let gone: Vec<&Table> =
        drop_order(db.values().copied().filter(|t| !model_names.contains(t.name.as_str())).collect());
    for t in gone {
        b.loss(format!("drops table `{}` and its rows", t.name));
        b.diff.upgrade.push(Operation::DropTable { table: t.name.clone() });
        for index in &t.indexes {
            b.undo.push(Operation::CreateIndex { table: t.name.clone(), index: index_spec(index) });
        }
        b.undo.push(Operation::CreateTable(TableSpec::of_reflected(t)));
    }

    let Builder { mut diff, mut undo, losses, .. } = b;
    if !losses.is_empty() {
        if !options.allow_data_loss {
            return Err(Error::DataLoss { changes: losses });
        }
        diff.notes.extend(losses.into_iter().map(|l| format!("DATA LOSS (accepted): {l}")));
    }
    undo.reverse();
    diff.downgrade = undo;
    Ok(diff)
}

/// Tables with those referencing others among them first.
fn drop_order(mut tables: Vec<&Table>) -> Vec<&Table> {
    let mut out = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        // A table nothing left references goes next (a cycle: the first one).
        let at = tables
            .iter()
            .position(|t| {
                !tables.iter().any(|o| o.name != t.name && o.foreign_keys.iter().any(|fk| fk.referred_table == t.name))
            })
            .unwrap_or(0);
        out.push(tables.remove(at));
    }
    out
}

fn index_spec(ix: &reflect::Index) -> IndexSpec {
    IndexSpec { name: ix.name.clone(), columns: ix.columns.clone(), unique: ix.unique, predicate: ix.predicate.clone() }
}

fn column_of(c: &reflect::Column) -> ColumnSpec {
    ColumnSpec {
        name: c.name.clone(),
        column_type: neutral_of(&c.data_type).unwrap_or_else(|| ColumnType::Sql(c.data_type.clone())),
        nullable: c.nullable,
        default: c.default.clone(),
        auto_increment: c.auto_increment,
    }
}

fn compare_table(b: &mut Builder<'_>, model: &TableDef, db: &Table) -> Result<()> {
    let spec = TableSpec::of_model(model, &b.options.naming)?;
    let table = model.name.to_owned();
    let dialect = b.conn.dialect();
    let kind = b.conn.dialect_kind();

    // Columns: confirmed renames first, then adds, changes, and drops (after everything
    // that may still name a dropped column is gone).
    let mut added: Vec<&ColumnSpec> = spec.columns.iter().filter(|c| db.column(&c.name).is_none()).collect();
    let mut dropped: Vec<&reflect::Column> =
        db.columns.iter().filter(|c| !spec.columns.iter().any(|m| m.name == c.name)).collect();
    for (from, to) in &b.options.renames {
        let (Some((ft, fc)), Some((tt, tc))) = (from.split_once('.'), to.split_once('.')) else { continue };
        if ft != table || tt != table {
            continue;
        }
        if let (Some(a), Some(d)) = (added.iter().position(|c| c.name == tc), dropped.iter().position(|c| c.name == fc))
        {
            added.remove(a);
            dropped.remove(d);
            b.change(
                Operation::RenameColumn { table: table.clone(), from: fc.to_owned(), to: tc.to_owned() },
                Operation::RenameColumn { table: table.clone(), from: tc.to_owned(), to: fc.to_owned() },
            );
        }
    }
    for d in &dropped {
        for a in &added {
            let same =
                canonical_type(kind, &d.data_type) == canonical_type(kind, &model_type_sql(dialect, &a.column_type));
            if same {
                b.diff.rename_candidates.push(RenameCandidate {
                    table: table.clone(),
                    from: d.name.clone(),
                    to: a.name.clone(),
                });
            }
        }
    }

    // Constraints and indexes that differ or vanished go before column changes.
    let (uniques_up, uniques_down) = by_name(
        &spec.uniques,
        &db.unique_constraints,
        |u| u.name.clone(),
        |u| UniqueSpec { name: u.name.clone(), columns: u.columns.clone() },
    );
    let (checks_up, checks_down) = by_name(
        &spec.checks,
        &db.check_constraints,
        |c| c.name.clone(),
        |c| CheckSpec { name: c.name.clone(), sql: c.sql.clone() },
    );
    let (fks_up, fks_down) = by_name(
        &spec.foreign_keys,
        &db.foreign_keys,
        |f| f.name.clone(),
        |f| ForeignKeySpec {
            name: f.name.clone(),
            columns: f.columns.clone(),
            referred_table: f.referred_table.clone(),
            referred_columns: f.referred_columns.clone(),
            on_delete: f.on_delete,
            on_update: f.on_update,
        },
    );
    let model_indexes = IndexSpec::of_model(model, &b.options.naming)?;
    let db_indexes: Vec<IndexSpec> = db.indexes.iter().map(index_spec).collect();
    let (indexes_up, indexes_down) = by_name(&model_indexes, &db_indexes, |i| Some(i.name.clone()), Clone::clone);

    for ix in &indexes_down {
        b.change(
            Operation::DropIndex { table: table.clone(), name: ix.name.clone() },
            Operation::CreateIndex { table: table.clone(), index: ix.clone() },
        );
    }
    for fk in &fks_down {
        let Some(name) = droppable(b, &table, "foreign key", &fk.name, &fk.columns) else { continue };
        b.change(
            drop_constraint(&table, &name),
            Operation::AddForeignKey { table: table.clone(), foreign_key: fk.clone() },
        );
    }
    for u in &uniques_down {
        let Some(name) = droppable(b, &table, "unique constraint", &u.name, &u.columns) else { continue };
        b.change(drop_constraint(&table, &name), Operation::AddUnique { table: table.clone(), unique: u.clone() });
    }
    for c in &checks_down {
        let Some(name) = droppable(b, &table, "check constraint", &c.name, std::slice::from_ref(&c.sql)) else {
            continue;
        };
        b.change(drop_constraint(&table, &name), Operation::AddCheck { table: table.clone(), check: c.clone() });
    }

    for a in added {
        if !a.nullable && a.default.is_none() && !a.auto_increment && has_rows(b.conn, &table)? {
            b.diff.notes.push(format!(
                "`{table}.{}` is NOT NULL without a default and `{table}` has rows: the upgrade fails until \
                 the column gets a default (or is filled by a data migration first)",
                a.name
            ));
        }
        b.change(
            Operation::AddColumn { table: table.clone(), column: a.clone() },
            Operation::DropColumn { table: table.clone(), column: a.name.clone() },
        );
    }
    for m in &spec.columns {
        let Some(d) = db.column(&m.name) else { continue };
        compare_column(b, &table, m, d)?;
    }

    for up in &indexes_up {
        b.change(
            Operation::CreateIndex { table: table.clone(), index: up.clone() },
            Operation::DropIndex { table: table.clone(), name: up.name.clone() },
        );
    }
    for up in &fks_up {
        b.change(
            Operation::AddForeignKey { table: table.clone(), foreign_key: up.clone() },
            drop_constraint(&table, up.name.as_deref().unwrap_or_default()),
        );
    }
    for up in &uniques_up {
        b.change(
            Operation::AddUnique { table: table.clone(), unique: up.clone() },
            drop_constraint(&table, up.name.as_deref().unwrap_or_default()),
        );
    }
    for up in &checks_up {
        b.change(
            Operation::AddCheck { table: table.clone(), check: up.clone() },
            drop_constraint(&table, up.name.as_deref().unwrap_or_default()),
        );
    }

    for d in dropped {
        b.loss(format!("drops column `{table}.{}` and its values", d.name));
        b.change(
            Operation::DropColumn { table: table.clone(), column: d.name.clone() },
            Operation::AddColumn { table: table.clone(), column: column_of(d) },
        );
    }
    Ok(())
}

/// The name to drop a constraint the models no longer have by; an unnamed one (SQLite keeps
/// no name unless the DDL gave one) is noted and left alone.
fn droppable(b: &mut Builder<'_>, table: &str, what: &str, name: &Option<String>, on: &[String]) -> Option<String> {
    if name.is_none() {
        b.diff.notes.push(format!(
            "the unnamed {what} of `{table}` on {} is not in the models: it cannot be dropped by name; \
             drop it by hand if it should go",
            on.join(", ")
        ));
    }
    name.clone()
}

fn drop_constraint(table: &str, name: &str) -> Operation {
    Operation::DropConstraint { table: table.to_owned(), name: name.to_owned() }
}

/// Model entries missing from (or different in) the database, and database entries missing
/// from (or different in) the models, matched by name; `convert` turns a database entry into
/// the model's form. Unnamed entries are compared by value.
fn by_name<M: Clone + PartialEq, D>(
    model: &[M],
    db: &[D],
    name: impl Fn(&M) -> Option<String>,
    convert: impl Fn(&D) -> M,
) -> (Vec<M>, Vec<M>) {
    let db: Vec<M> = db.iter().map(convert).collect();
    let up = model.iter().filter(|m| !db.iter().any(|d| same(*m, d, &name))).cloned().collect();
    let down = db.iter().filter(|d| !model.iter().any(|m| same(m, *d, &name))).cloned().collect();
    (up, down)
}

fn same<M: PartialEq>(m: &M, d: &M, name: &impl Fn(&M) -> Option<String>) -> bool {
    match (name(m), name(d)) {
        (Some(a), Some(b)) => a == b && m == d,
        _ => m == d,
    }
}

fn compare_column(b: &mut Builder<'_>, table: &str, m: &ColumnSpec, d: &reflect::Column) -> Result<()> {
    let dialect = b.conn.dialect();
    let kind = b.conn.dialect_kind();
    let mut up = ColumnChange::default();
    let mut down = ColumnChange::default();
    let db_type = column_of(d).column_type;
    // A generated key's type is the database's business (SQLite: INTEGER, the rowid).
    let type_differs = !(m.auto_increment && d.auto_increment)
        && canonical_type(kind, &model_type_sql(dialect, &m.column_type)) != canonical_type(kind, &d.data_type);
    if type_differs {
        if narrows(&db_type, &m.column_type) {
            b.loss(format!(
                "narrows `{table}.{}` from {} to {}",
                m.name,
                d.data_type,
                model_type_sql(dialect, &m.column_type)
            ));
        }
        up.column_type = Some(m.column_type.clone());
        down.column_type = Some(db_type);
    }
    if m.nullable != d.nullable && !(m.auto_increment && d.auto_increment) {
        if !m.nullable && holds_nulls(b.conn, table, &m.name)? {
            b.loss(format!("makes `{table}.{}` NOT NULL, and it holds NULLs", m.name));
        }
        up.nullable = Some(m.nullable);
        down.nullable = Some(d.nullable);
    }
    let model_default = m.default.as_deref().map(canonical_default);
    let db_default = d.default.as_deref().map(canonical_default);
    if model_default != db_default && !m.auto_increment {
        up.default = Some(m.default.clone());
        down.default = Some(d.default.clone());
    }
    if up != ColumnChange::default() {
        b.change(
            Operation::AlterColumn { table: table.to_owned(), column: m.name.clone(), change: up },
            Operation::AlterColumn { table: table.to_owned(), column: m.name.clone(), change: down },
        );
    }
    Ok(())
}

/// Whether `table` has a row.
fn has_rows(conn: &mut Connection, table: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} LIMIT 1", crate::ops::ident(conn.dialect(), table)?);
    any_row(conn, &sql)
}

/// Whether `table.column` holds a NULL.
fn holds_nulls(conn: &mut Connection, table: &str, column: &str) -> Result<bool> {
    let d = conn.dialect();
    let sql = format!(
        "SELECT 1 FROM {} WHERE {} IS NULL LIMIT 1",
        crate::ops::ident(d, table)?,
        crate::ops::ident(d, column)?
    );
    any_row(conn, &sql)
}

/// Whether the query `sql` gives a row.
fn any_row(conn: &mut Connection, sql: &str) -> Result<bool> {
    let mut any = false;
    conn.query_while(sql, &[] as &[orm_runtime::types::Value], |_| {
        any = true;
        Ok(false)
    })?;
    Ok(any)
}
