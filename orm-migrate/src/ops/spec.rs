//! The operations and the descriptions of tables, columns, keys, constraints and indexes
//! they carry.

use orm_runtime::schema::ReferentialAction;
use orm_runtime::types::SqlKind;

/// A column's type: neutral (named by each database as the models' types are), or SQL text
/// written for one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// A model type: `VARCHAR(n)` for text with a length, `NUMERIC(p, s)` with a precision.
    Neutral {
        /// The SQL type.
        kind: SqlKind,
        /// `VARCHAR(n)` (text only).
        max_length: Option<u32>,
        /// `NUMERIC(precision, scale)` (decimals only).
        numeric: Option<(u32, u32)>,
    },
    /// The type's SQL text, used as is.
    Sql(String),
}

impl ColumnType {
    /// The neutral type `kind`.
    pub fn of(kind: SqlKind) -> Self {
        ColumnType::Neutral { kind, max_length: None, numeric: None }
    }

    /// `VARCHAR(n)`.
    pub fn text(max_length: u32) -> Self {
        ColumnType::Neutral { kind: SqlKind::Text, max_length: Some(max_length), numeric: None }
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// Its type.
    pub column_type: ColumnType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// The default, as SQL text.
    pub default: Option<String>,
    /// The database generates its values (an integer primary key of its own).
    pub auto_increment: bool,
}

impl ColumnSpec {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        ColumnSpec { name: name.into(), column_type, nullable: false, default: None, auto_increment: false }
    }

    /// A generated integer key (the table's primary key).
    pub fn generated_key(name: impl Into<String>, kind: SqlKind) -> Self {
        ColumnSpec { auto_increment: true, ..ColumnSpec::new(name, ColumnType::of(kind)) }
    }

    /// Accepting NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// With a default (SQL text, e.g. `'new'` or `0`).
    pub fn default(mut self, sql: impl Into<String>) -> Self {
        self.default = Some(sql.into());
        self
    }
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKeySpec {
    /// Its constraint name (`None`: the database's).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeySpec {
    /// Its constraint name.
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referred_table: String,
    /// The referenced columns.
    pub referred_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueSpec {
    /// Its name.
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    /// Its name.
    pub name: Option<String>,
    /// The condition, SQL text.
    pub sql: String,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// Its name.
    pub name: String,
    /// Its key columns.
    pub columns: Vec<String>,
    /// `CREATE UNIQUE INDEX`.
    pub unique: bool,
    /// The `WHERE` condition of a partial index, SQL text.
    pub predicate: Option<String>,
}

/// A table: columns, keys and constraints (its indexes are operations of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// Its name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// The primary key; a generated key column is the primary key without one.
    pub primary_key: Option<PrimaryKeySpec>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// UNIQUE constraints.
    pub uniques: Vec<UniqueSpec>,
    /// CHECK constraints.
    pub checks: Vec<CheckSpec>,
}

impl TableSpec {
    /// A table without columns yet.
    pub fn new(name: impl Into<String>) -> Self {
        TableSpec {
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// With one more column.
    pub fn column(mut self, column: ColumnSpec) -> Self {
        self.columns.push(column);
        self
    }

    /// The primary key's columns: the declared key, else the generated key column.
    pub fn key_columns(&self) -> Vec<&str> {
        match &self.primary_key {
            Some(pk) => pk.columns.iter().map(String::as_str).collect(),
            None => self.columns.iter().filter(|c| c.auto_increment).map(|c| c.name.as_str()).collect(),
        }
    }
}

/// What [`Operation::AlterColumn`] changes (`None`: unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnChange {
    /// A new type.
    pub column_type: Option<ColumnType>,
    /// NULL accepted or not.
    pub nullable: Option<bool>,
    /// A new default (`Some(None)`: none).
    pub default: Option<Option<String>>,
}

/// One change to a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `CREATE TABLE`.
    CreateTable(TableSpec),
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        table: String,
    },
    /// Rename a table.
    RenameTable {
        /// Its name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Add a column.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: ColumnSpec,
    },
    /// Drop a column (and the indexes and constraints of the table that name it).
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Change a column's type, nullability or default.
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What changes.
        change: ColumnChange,
    },
    /// Rename a column.
    RenameColumn {
        /// The table.
        table: String,
        /// Its name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// `CREATE INDEX`.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexSpec,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// Add a UNIQUE constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint (named: a constraint is dropped by its name).
        unique: UniqueSpec,
    },
    /// Add a CHECK constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: CheckSpec,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKeySpec,
    },
    /// Drop a named UNIQUE, CHECK or foreign-key constraint.
    DropConstraint {
        /// The table.
        table: String,
        /// The constraint's name.
        name: String,
    },
    /// SQL written by hand: `sql` everywhere, or per database where it must differ.
    Sql {
        /// For every database without its own text.
        sql: Option<String>,
        /// For SQLite.
        sqlite: Option<String>,
        /// For PostgreSQL.
        postgres: Option<String>,
    },
}
