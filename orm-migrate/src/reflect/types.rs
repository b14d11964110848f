//! The reflected schema: plain owned values, compared with `==`.

use orm_runtime::schema::ReferentialAction;

/// The tables of a database, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// The tables.
    pub tables: Vec<Table>,
}

impl Schema {
    /// The table of this name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// One table with its columns, keys, constraints and indexes. Constraints and indexes are
/// ordered by name (unnamed ones last, by their columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Columns, in the table's order.
    pub columns: Vec<Column>,
    /// The primary key, if the table has one.
    pub primary_key: Option<PrimaryKey>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// UNIQUE constraints (a unique index that is not a constraint is in `indexes`).
    pub unique_constraints: Vec<UniqueConstraint>,
    /// CHECK constraints.
    pub check_constraints: Vec<CheckConstraint>,
    /// Indexes made by `CREATE INDEX` (not those the database makes for a key or a UNIQUE
    /// constraint).
    pub indexes: Vec<Index>,
}

impl Table {
    /// The column of this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Put constraints and indexes in their documented order.
    pub(crate) fn sort(&mut self) {
        self.foreign_keys.sort_by(|a, b| by_name(&a.name, &a.columns, &b.name, &b.columns));
        self.unique_constraints.sort_by(|a, b| by_name(&a.name, &a.columns, &b.name, &b.columns));
        self.check_constraints
            .sort_by(|a, b| (a.name.is_none(), &a.name, &a.sql).cmp(&(b.name.is_none(), &b.name, &b.sql)));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Named first, by name; then unnamed, by columns.
fn by_name(a: &Option<String>, a_cols: &[String], b: &Option<String>, b_cols: &[String]) -> std::cmp::Ordering {
    (a.is_none(), a, a_cols).cmp(&(b.is_none(), b, b_cols))
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type as the database names it (SQLite: as declared, e.g. `VARCHAR(40)`, empty
    /// when none was; PostgreSQL: `format_type`, e.g. `character varying(40)`).
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// The default's SQL text as the database keeps it (`None`: no default; a generated
    /// key's sequence is not reported as a default).
    pub default: Option<String>,
    /// The database generates its values: an identity or `serial` column on PostgreSQL, the
    /// `INTEGER PRIMARY KEY` alias of the rowid on SQLite.
    pub auto_increment: bool,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    /// Its constraint name (`None` on SQLite unless the table's DDL names it).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its constraint name (`None` on SQLite unless the table's DDL names it).
    pub name: Option<String>,
    /// The referencing columns, in order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referred_table: String,
    /// The referenced columns, matching `columns` one to one.
    pub referred_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueConstraint {
    /// Its name (`None` on SQLite unless the table's DDL names it).
    pub name: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConstraint {
    /// Its name (`None` on SQLite unless the table's DDL names it).
    pub name: Option<String>,
    /// The condition (SQLite: as written in the DDL; PostgreSQL: as the server prints it
    /// back, e.g. `total >= 0::double precision`).
    pub sql: String,
}

/// An index made by `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Its key columns in order; an expression key as its SQL text.
    pub columns: Vec<String>,
    /// `CREATE UNIQUE INDEX`.
    pub unique: bool,
    /// The `WHERE` condition of a partial index.
    pub predicate: Option<String>,
}

/// `NO ACTION`, `CASCADE`, ... as SQLite spells them in `pragma_foreign_key_list`; unknown
/// text reads as `NO ACTION` (the default).
pub(crate) fn action_from_words(words: &str) -> ReferentialAction {
    match words.to_ascii_uppercase().as_str() {
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        "RESTRICT" => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    }
}
