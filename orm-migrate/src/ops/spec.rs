//! The operations and the descriptions of tables, columns, keys, constraints and indexes
//! they carry. Each has the form it takes in a migration file (serde, see
//! [`crate::revision`]): unknown keys are refused, so a typo in a file edited by hand is an
//! error, not a silently ignored line.

use orm_runtime::schema::ReferentialAction;
use orm_runtime::types::SqlKind;
use serde::{Deserialize, Serialize};

use super::column_type;
pub use super::column_type::ColumnType;
use super::serde_forms::action;

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// Its type: a model type's name in a file (`bigint`, `varchar(40)`, `numeric(10, 2)`,
    /// ...), or `sql:` and the SQL text for one database's own type.
    #[serde(rename = "type", with = "column_type::serde_form")]
    pub column_type: ColumnType,
    /// Whether it accepts NULL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// The default, as SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The database generates its values (an integer primary key of its own).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_no_action(a: &ReferentialAction) -> bool {
    *a == ReferentialAction::NoAction
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryKeySpec {
    /// Its constraint name (`None`: the database's).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeySpec {
    /// Its constraint name.
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referred_table: String,
    /// The referenced columns.
    pub referred_columns: Vec<String>,
    /// `ON DELETE` (`cascade`, `set null`, ... in a file; left out: no action).
    #[serde(default = "no_action", skip_serializing_if = "is_no_action", with = "action")]
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    #[serde(default = "no_action", skip_serializing_if = "is_no_action", with = "action")]
    pub on_update: ReferentialAction,
}

fn no_action() -> ReferentialAction {
    ReferentialAction::NoAction
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueSpec {
    /// Its name.
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Its name.
    pub name: Option<String>,
    /// The condition, SQL text.
    pub sql: String,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    /// Its name.
    pub name: String,
    /// Its key columns.
    pub columns: Vec<String>,
    /// `CREATE UNIQUE INDEX`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The `WHERE` condition of a partial index, SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

/// A table: columns, keys and constraints (its indexes are operations of their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Its name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// The primary key; a generated key column is the primary key without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKeySpec>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// UNIQUE constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueSpec>,
    /// CHECK constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnChange {
    /// A new type.
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        with = "column_type::serde_form::optional"
    )]
    pub column_type: Option<ColumnType>,
    /// NULL accepted or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// A new default (`Some(None)`: none; in a file `default = ""` drops it).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "super::serde_forms::default_change")]
    pub default: Option<Option<String>>,
}

/// One change to a schema. In a file, an entry of `[[upgrade]]` / `[[downgrade]]` whose
/// `op` is the variant's name in snake case (`create_table`, `add_column`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE` (in a file, the table's keys beside `op`).
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql: Option<String>,
        /// For SQLite.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sqlite: Option<String>,
        /// For PostgreSQL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postgres: Option<String>,
    },
    /// A data migration written in Rust: the function registered under `name` with the
    /// migration runner, called with the migration's connection inside its transaction.
    Rust {
        /// The registered name.
        name: String,
    },
}
