//! The untyped expression AST: plain data, rendered by a dialect.

use crate::types::{SqlKind, Value};

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `||`
    Concat,
}

impl BinOp {
    /// The operator's SQL spelling.
    pub fn as_sql(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "AND",
            BinOp::Or => "OR",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Concat => "||",
        }
    }
}

/// A SQL function name. Names are identifiers checked when rendered (letters, digits,
/// underscores, an optional schema dot); they are never user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncName(pub &'static str);

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Node {
    /// A column of a table.
    Column {
        /// Table name.
        table: &'static str,
        /// Column name.
        name: &'static str,
    },
    /// A column of the `alias`-th alias of a table (`"employees_1"."name"`).
    AliasColumn {
        /// Table name.
        table: &'static str,
        /// Which alias.
        alias: u8,
        /// Column name.
        name: &'static str,
    },
    /// A bound value.
    Value(Value),
    /// `left op right`.
    Binary {
        /// Operator.
        op: BinOp,
        /// Left operand.
        left: Box<Node>,
        /// Right operand.
        right: Box<Node>,
    },
    /// `NOT expr`.
    Not(Box<Node>),
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// Operand.
        expr: Box<Node>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern ESCAPE '\'` (case-insensitive: `ILIKE` or an emulation).
    Like {
        /// Operand.
        expr: Box<Node>,
        /// Pattern (a bound value).
        pattern: Box<Node>,
        /// ILIKE.
        case_insensitive: bool,
        /// NOT LIKE.
        negated: bool,
    },
    /// `expr [NOT] IN (values...)`; an empty list matches nothing (or everything, negated).
    InList {
        /// Operand.
        expr: Box<Node>,
        /// The list.
        list: Vec<Node>,
        /// NOT IN.
        negated: bool,
    },
    /// `expr IN (SELECT ...)`.
    InSubquery {
        /// Operand.
        expr: Box<Node>,
        /// The subquery (one column).
        query: Box<crate::query::SelectStatement>,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// Operand.
        expr: Box<Node>,
        /// Lower bound.
        low: Box<Node>,
        /// Upper bound.
        high: Box<Node>,
        /// NOT BETWEEN.
        negated: bool,
    },
    /// `name([DISTINCT] args...)`.
    Func {
        /// Function name.
        name: FuncName,
        /// Arguments.
        args: Vec<Node>,
        /// `DISTINCT` before the arguments (aggregates).
        distinct: bool,
    },
    /// `COUNT(*)`.
    CountStar,
    /// An integer constant written into the SQL (`SELECT 1 ...`); never user data.
    Constant(i32),
    /// `CAST(expr AS type)`.
    Cast {
        /// Operand.
        expr: Box<Node>,
        /// Target type.
        kind: SqlKind,
    },
    /// A reference to a label of the select list (in ORDER BY / GROUP BY / HAVING).
    LabelRef(&'static str),
    /// Every column of a model's table, in field order (`"t"."a", "t"."b", ...`); rendered
    /// from a fragment cached per table and dialect.
    AllColumns(TableRef),
}

/// A model's table inside an expression; equal when it is the same table.
#[derive(Debug, Clone, Copy)]
pub struct TableRef(pub &'static crate::schema::TableDef);

impl PartialEq for TableRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Node {
    /// `left op right`.
    pub fn binary(op: BinOp, left: Node, right: Node) -> Node {
        Node::Binary { op, left: Box::new(left), right: Box::new(right) }
    }

    /// Number of bound values under this node.
    pub fn param_count(&self) -> usize {
        match self {
            Node::Value(_) => 1,
            Node::Column { .. }
            | Node::AliasColumn { .. }
            | Node::CountStar
            | Node::Constant(_)
            | Node::LabelRef(_)
            | Node::AllColumns(_) => 0,
            Node::Binary { left, right, .. } => left.param_count() + right.param_count(),
            Node::Not(e) | Node::IsNull { expr: e, .. } | Node::Cast { expr: e, .. } => e.param_count(),
            Node::Like { expr, pattern, .. } => expr.param_count() + pattern.param_count(),
            Node::InList { expr, list, .. } => expr.param_count() + list.iter().map(Node::param_count).sum::<usize>(),
            Node::InSubquery { expr, query } => {
                expr.param_count()
                    + query.items.iter().map(|i| i.node.param_count()).sum::<usize>()
                    + query.filter.as_ref().map_or(0, Node::param_count)
                    + query.joins.iter().map(|j| j.on.param_count()).sum::<usize>()
                    + usize::from(query.limit.is_some())
                    + usize::from(query.offset.is_some())
            }
            Node::Between { expr, low, high, .. } => expr.param_count() + low.param_count() + high.param_count(),
            Node::Func { args, .. } => args.iter().map(Node::param_count).sum(),
        }
    }
}
