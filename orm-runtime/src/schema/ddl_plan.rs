//! DDL plans: which tables and indexes `create_all` / `drop_all` / `create_table` /
//! `drop_table` create or drop, in foreign-key order, as [`Ddl`] steps the dialect renders.

use crate::schema::{creation_order, drop_order, TableDef};

/// DDL statements.
#[derive(Debug, Clone)]
pub enum Ddl {
    /// `CREATE TABLE [IF NOT EXISTS]` with its constraints.
    CreateTable {
        /// The table.
        table: &'static TableDef,
        /// Add `IF NOT EXISTS`.
        if_not_exists: bool,
        /// Single-table subtypes whose own columns the table also holds.
        subtypes: Vec<&'static TableDef>,
    },
    /// `CREATE [UNIQUE] INDEX` for each index of the table.
    CreateIndexes {
        /// The table.
        table: &'static TableDef,
        /// Add `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP TABLE [IF EXISTS]`.
    DropTable {
        /// The table.
        table: &'static TableDef,
        /// Add `IF EXISTS`.
        if_exists: bool,
    },
}

/// `create_all`: every table that does not exist yet, parents before children, then their
/// indexes. Single-table inheritance: the base's table holds the columns of every subtype of
/// the program, listed or not, each once; a listed subtype brings its base's table even when
/// the base is not listed.
pub fn create_all_plan(tables: &[&'static TableDef]) -> Vec<Ddl> {
    let (mut subtypes, mut bases): (Vec<&'static TableDef>, Vec<&'static TableDef>) =
        tables.iter().partition(|t| t.single_table_base().is_some());
    for sub in &subtypes {
        if let Some(base) = sub.single_table_base() {
            if !bases.iter().any(|b| b.name == base.name) {
                bases.push(base);
            }
        }
    }
    for base in &bases {
        for sub in base.single_table_subtypes() {
            if !subtypes.iter().any(|s| std::ptr::eq(*s, sub)) {
                subtypes.push(sub);
            }
        }
    }
    let order = creation_order(&bases);
    let subtypes_of = |table: &TableDef| -> Vec<&'static TableDef> {
        subtypes.iter().copied().filter(|s| s.name == table.name).collect()
    };
    let mut stmts: Vec<Ddl> = order
        .iter()
        .map(|&table| Ddl::CreateTable { table, if_not_exists: true, subtypes: subtypes_of(table) })
        .collect();
    stmts.extend(order.iter().chain(&subtypes).map(|&table| Ddl::CreateIndexes { table, if_not_exists: true }));
    stmts
}

/// `drop_all`: the tables that exist, children before parents.
pub fn drop_all_plan(tables: &[&'static TableDef]) -> Vec<Ddl> {
    drop_order(tables).into_iter().map(|table| Ddl::DropTable { table, if_exists: true }).collect()
}

/// `create_table`: one table (which must not exist) and its indexes; a single-table base or
/// subtype creates the shared table with the columns of the base and of every subtype.
pub fn create_table_plan(table: &'static TableDef) -> Vec<Ddl> {
    let base = table.single_table_base().unwrap_or(table);
    let subtypes: Vec<&'static TableDef> = base.single_table_subtypes().collect();
    let mut stmts = vec![
        Ddl::CreateTable { table: base, if_not_exists: false, subtypes: subtypes.clone() },
        Ddl::CreateIndexes { table: base, if_not_exists: false },
    ];
    // A subtype may declare an index of the base again (it repeats the shared fields).
    stmts.extend(subtypes.into_iter().map(|table| Ddl::CreateIndexes { table, if_not_exists: true }));
    stmts
}

/// `drop_table`: one table (which must exist).
pub fn drop_table_plan(table: &'static TableDef) -> Vec<Ddl> {
    vec![Ddl::DropTable { table, if_exists: false }]
}
