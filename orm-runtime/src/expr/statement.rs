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
    /// `WITH [RECURSIVE] ...` before the statement.
    pub(crate) with: Vec<Cte>,
    /// Derived tables by name: a FROM table or JOIN naming one renders `(query) AS "name"`.
    pub(crate) derived: Vec<DerivedTable>,
    /// A compound select (`UNION`, ...): when set it replaces the select core (list, FROM,
    /// WHERE, GROUP BY, HAVING), and this statement's ORDER BY / LIMIT / OFFSET apply to it.
    pub(crate) compound: Option<Box<Compound>>,
    /// `FOR UPDATE` and its variants (a top-level SELECT's only).
    pub(crate) lock: Option<crate::expr::lock::RowLock>,
    /// A join whose ON condition could not be inferred from the foreign keys (and was not
    /// given with `.on(...)`): rendering the statement reports it.
    pub(crate) unresolved_join: Option<UnresolvedJoin>,
}

/// A Core join without an ON condition whose foreign key path was not unique (see
/// [`Select::join`](crate::query::Select::join)).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnresolvedJoin {
    /// The position of the join in `joins`.
    pub(crate) index: usize,
    /// The joined table.
    pub(crate) target: &'static str,
    /// The tables it was joined to.
    pub(crate) from: Vec<&'static str>,
    /// The number of foreign key paths found (0 or more than 1).
    pub(crate) paths: usize,
}

/// A set operator between two selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `UNION`: rows of either, duplicates removed.
    Union,
    /// `UNION ALL`: rows of both, duplicates kept.
    UnionAll,
    /// `INTERSECT`: rows of both.
    Intersect,
    /// `EXCEPT`: rows of the left one that the right one lacks.
    Except,
}

impl SetOp {
    /// The operator's SQL spelling.
    pub fn as_sql(self) -> &'static str {
        match self {
            SetOp::Union => "UNION",
            SetOp::UnionAll => "UNION ALL",
            SetOp::Intersect => "INTERSECT",
            SetOp::Except => "EXCEPT",
        }
    }
}

/// `left OP right`; a chain `a UNION b INTERSECT c` nests on the left.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    pub(crate) op: SetOp,
    pub(crate) left: SelectStatement,
    pub(crate) right: SelectStatement,
}

/// One common table expression: `"name"("col", ...) AS (query)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cte {
    pub(crate) name: &'static str,
    pub(crate) columns: Vec<&'static str>,
    pub(crate) query: SelectStatement,
    /// It refers to itself (the statement's WITH becomes `WITH RECURSIVE`).
    pub(crate) recursive: bool,
}

/// A subquery in FROM or JOIN under a name.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedTable {
    pub(crate) name: &'static str,
    pub(crate) query: SelectStatement,
}

impl SelectStatement {
    /// `SELECT <every column of table> FROM table`.
    /// A single-table subtype reads its own rows only (`discriminator = identity`).
    pub fn all_columns(table: &'static TableDef) -> Self {
        SelectStatement {
            items: vec![SelectItem { node: Node::AllColumns(crate::expr::TableRef(table)), label: None }],
            from: vec![table.name],
            filter: discriminator_filter(table),
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

    /// Add a common table expression unless one of that name is there already.
    pub(crate) fn add_cte(&mut self, cte: Cte) {
        if !self.with.iter().any(|c| c.name == cte.name) {
            self.with.push(cte);
        }
    }

    /// Whether ORDER BY, LIMIT or OFFSET is set.
    pub(crate) fn has_order_or_limit(&self) -> bool {
        !self.order_by.is_empty() || self.limit.is_some() || self.offset.is_some()
    }

    /// Number of bound values the statement carries.
    pub fn param_count(&self) -> usize {
        let nodes = self
            .items
            .iter()
            .map(|i| &i.node)
            .chain(self.joins.iter().map(|j| &j.on))
            .chain(self.filter.iter())
            .chain(self.group_by.iter())
            .chain(self.having.iter())
            .chain(self.order_by.iter().map(|o| &o.node));
        nodes.map(Node::param_count).sum::<usize>()
            + self.with.iter().map(|c| c.query.param_count()).sum::<usize>()
            + self.derived.iter().map(|d| d.query.param_count()).sum::<usize>()
            + self.from_subquery.as_ref().map_or(0, |s| s.param_count())
            + self.compound.as_ref().map_or(0, |c| c.left.param_count() + c.right.param_count())
            + usize::from(self.limit.is_some())
            + usize::from(self.offset.is_some())
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

/// Clauses of an INSERT / UPDATE / DELETE beyond the plain statement: `ON CONFLICT` (inserts)
/// and `RETURNING` of expressions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DmlClauses {
    pub(crate) on_conflict: Option<OnConflict>,
    pub(crate) returning: Vec<SelectItem>,
}

/// `ON CONFLICT (target) DO NOTHING | DO UPDATE SET ... [WHERE ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    pub(crate) target: Vec<&'static str>,
    pub(crate) action: ConflictAction,
}

/// What an upsert does with a row that conflicts.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConflictAction {
    /// `DO NOTHING`: keep the existing row.
    Nothing,
    /// `DO UPDATE SET col = value, ... [WHERE condition]`.
    Update {
        /// Assignments.
        set: Vec<(&'static str, Node)>,
        /// Only update rows matching this.
        filter: Option<Node>,
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
    Ddl(&'a crate::schema::Ddl),
    /// INSERT with ON CONFLICT and / or RETURNING expressions.
    InsertWith(&'a InsertStatement, &'a DmlClauses),
    /// UPDATE with RETURNING expressions.
    UpdateWith(&'a UpdateStatement, &'a DmlClauses),
    /// DELETE with RETURNING expressions.
    DeleteWith(&'a DeleteStatement, &'a DmlClauses),
}

/// The condition that keeps a single-table subtype to its own rows:
/// `"table"."discriminator" = 'identity'` (bound), or `None` for other models.
pub(crate) fn discriminator_filter(table: &'static crate::schema::TableDef) -> Option<crate::expr::Node> {
    table.single_table_base()?;
    let (column, identity) = table.polymorphic_identity()?;
    Some(crate::expr::Node::binary(
        crate::expr::BinOp::Eq,
        crate::expr::Node::Column { table: table.name, name: column },
        crate::expr::Node::Value(crate::types::Value::Text(identity.to_owned())),
    ))
}
