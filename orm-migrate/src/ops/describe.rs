//! Operations in words, for people: the CLI's output and error messages.

use super::spec::Operation;

/// An operation's name as a file spells it (`add_column`, ...).
pub(crate) fn op_name(op: &Operation) -> &'static str {
    match op {
        Operation::CreateTable(_) => "create_table",
        Operation::DropTable { .. } => "drop_table",
        Operation::RenameTable { .. } => "rename_table",
        Operation::AddColumn { .. } => "add_column",
        Operation::DropColumn { .. } => "drop_column",
        Operation::AlterColumn { .. } => "alter_column",
        Operation::RenameColumn { .. } => "rename_column",
        Operation::CreateIndex { .. } => "create_index",
        Operation::DropIndex { .. } => "drop_index",
        Operation::AddUnique { .. } => "add_unique",
        Operation::AddCheck { .. } => "add_check",
        Operation::AddForeignKey { .. } => "add_foreign_key",
        Operation::DropConstraint { .. } => "drop_constraint",
        Operation::Sql { .. } => "sql",
        Operation::Rust { .. } => "rust",
    }
}

/// The table an operation is about (empty for SQL and data migrations).
pub(crate) fn op_table(op: &Operation) -> &str {
    match op {
        Operation::CreateTable(t) => &t.name,
        Operation::RenameTable { from, .. } => from,
        Operation::DropTable { table }
        | Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::AlterColumn { table, .. }
        | Operation::RenameColumn { table, .. }
        | Operation::CreateIndex { table, .. }
        | Operation::DropIndex { table, .. }
        | Operation::AddUnique { table, .. }
        | Operation::AddCheck { table, .. }
        | Operation::AddForeignKey { table, .. }
        | Operation::DropConstraint { table, .. } => table,
        Operation::Sql { .. } | Operation::Rust { .. } => "",
    }
}

impl Operation {
    /// The operation in a few words: `add_column users.email`, `drop_index ix_users_age`, ...
    pub fn describe(&self) -> String {
        let name = op_name(self);
        match self {
            Operation::AddColumn { table, column } => format!("{name} {table}.{}", column.name),
            Operation::DropColumn { table, column } | Operation::AlterColumn { table, column, .. } => {
                format!("{name} {table}.{column}")
            }
            Operation::RenameColumn { table, from, to } => format!("{name} {table}.{from} -> {table}.{to}"),
            Operation::RenameTable { from, to } => format!("{name} {from} -> {to}"),
            Operation::CreateIndex { table, index } => format!("{name} {} on {table}", index.name),
            Operation::DropIndex { table, name: index } | Operation::DropConstraint { table, name: index } => {
                format!("{name} {index} on {table}")
            }
            Operation::AddUnique { table, unique } => {
                format!("{name} {} on {table}", unique.name.as_deref().unwrap_or("(unnamed)"))
            }
            Operation::AddCheck { table, check } => {
                format!("{name} {} on {table}", check.name.as_deref().unwrap_or("(unnamed)"))
            }
            Operation::AddForeignKey { table, foreign_key } => {
                format!("{name} {} on {table}", foreign_key.name.as_deref().unwrap_or("(unnamed)"))
            }
            Operation::Rust { name: f } => format!("{name} {f}"),
            Operation::Sql { .. } => name.to_owned(),
            _ => format!("{name} {}", op_table(self)),
        }
    }
}
