//! The statement AST: plain data with `pub(crate)` fields, built by the typed builders and
//! rendered by a dialect.

use crate::expr::{Direction, Node, Nulls};
use crate::schema::TableDef;

/// One item of a select list.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub(crate) node: Node,
    pub(crate) label: Option<&'static str>,
}

/// One ORDER BY term.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    pub(crate) node: Node,
    pub(crate) direction: Direction,
    pub(crate) nulls: Nulls,
}

/// `INNER JOIN` or `LEFT OUTER JOIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`: only rows with a match.
    Inner,
    /// `LEFT OUTER JOIN`: every row of the left side, matched or not.
    LeftOuter,
}

/// One JOIN of a SELECT's FROM clause.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinClause {
    pub(crate) kind: JoinKind,
    pub(crate) table: &'static str,
    /// Joined under an alias (`"table_N"`) instead of its own name.
    pub(crate) alias: Option<u8>,
    pub(crate) on: Node,
}

/// `SELECT`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectStatement {
    pub(crate) distinct: bool,
    pub(crate) items: Vec<SelectItem>,
    pub(crate) from: Vec<&'static str>,
    /// `FROM (subquery) AS "sub"`, used instead of `from` when set.
    pub(crate) from_subquery: Option<Box<SelectStatement>>,
    /// JOINs after the first FROM table, in order.
    pub(crate) joins: Vec<JoinClause>,
    pub(crate) filter: Option<Node>,
    pub(crate) group_by: Vec<Node>,
    pub(crate) having: Option<Node>,
    pub(crate) order_by: Vec<OrderTerm>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl SelectStatement {
    /// `SELECT <every column of table> FROM table`.
    /// A single-table subtype reads its own rows only (`discriminator = identity`).
    pub fn all_columns(table: &'static TableDef) -> Self {
        SelectStatement {
            items: vec![SelectItem { node: Node::AllColumns(crate::expr::TableRef(table)), label: None }],
            from: vec![table.name],
            filter: crate::query::discriminator_filter(table),
            ..SelectStatement::default()
        }
    }

    /// AND a condition into WHERE.
    pub(crate) fn and_where(&mut self, cond: Node) {
        self.filter = Some(and(self.filter.take(), cond));
    }

    /// AND a condition into HAVING.
    pub(crate) fn and_having(&mut self, cond: Node) {
        self.having = Some(and(self.having.take(), cond));
    }
}

pub(crate) fn and(existing: Option<Node>, cond: Node) -> Node {
    match existing {
        Some(prev) => Node::binary(crate::expr::BinOp::And, prev, cond),
        None => cond,
    }
}

/// `INSERT INTO table (columns) VALUES (...), (...) [RETURNING ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertStatement {
    pub(crate) table: &'static str,
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: Vec<Vec<Node>>,
    pub(crate) returning: Vec<&'static str>,
}

/// `UPDATE table SET ... [WHERE ...] [RETURNING ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateStatement {
    pub(crate) table: &'static str,
    pub(crate) set: Vec<(&'static str, Node)>,
    pub(crate) filter: Option<Node>,
    pub(crate) returning: Vec<&'static str>,
}

/// `DELETE FROM table [WHERE ...] [RETURNING ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteStatement {
    pub(crate) table: &'static str,
    pub(crate) filter: Option<Node>,
    pub(crate) returning: Vec<&'static str>,
}

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

/// Any renderable statement.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Statement<'a> {
    /// SELECT.
    Select(&'a SelectStatement),
    /// INSERT.
    Insert(&'a InsertStatement),
    /// UPDATE.
    Update(&'a UpdateStatement),
    /// DELETE.
    Delete(&'a DeleteStatement),
    /// DDL.
    Ddl(&'a Ddl),
}
