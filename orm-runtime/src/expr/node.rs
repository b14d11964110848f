//! The untyped expression AST: plain data, rendered by a dialect.

use crate::types::{SqlKind, Value};

/// Where [`Node::TextMatch`] looks for its needle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMatchAt {
    /// Anywhere.
    Anywhere,
    /// At the start.
    Start,
    /// At the end.
    End,
}

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
    /// `expr` contains / starts with / ends with `needle`, literally and case-sensitively:
    /// `LIKE` with the needle escaped on PostgreSQL, byte comparisons on SQLite (whose LIKE
    /// stops at a NUL character).
    TextMatch {
        /// Operand (text).
        expr: Box<Node>,
        /// The literal text looked for (bound, never inlined).
        needle: String,
        /// Where it must be.
        at: TextMatchAt,
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
        query: Box<crate::expr::statement::SelectStatement>,
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
    /// `expr [NOT] IN (query)`, the query selecting one column.
    InQuery {
        /// Operand.
        expr: Box<Node>,
        /// The subquery.
        query: Box<crate::expr::statement::SelectStatement>,
        /// NOT IN.
        negated: bool,
    },
    /// `(query)`: a scalar subquery (one column, at most one row).
    Subquery(Box<crate::expr::statement::SelectStatement>),
    /// `[NOT] EXISTS (query)`.
    Exists {
        /// The subquery.
        query: Box<crate::expr::statement::SelectStatement>,
        /// NOT EXISTS.
        negated: bool,
    },
    /// `CASE WHEN c THEN v ... [ELSE e] END`.
    Case {
        /// `(condition, value)` pairs, in order.
        whens: Vec<(Node, Node)>,
        /// The ELSE value (NULL without one).
        otherwise: Option<Box<Node>>,
    },
    /// `func OVER (window)`: a window function, or an aggregate over a window.
    Over {
        /// The function call.
        func: Box<Node>,
        /// The window.
        window: Box<WindowSpec>,
    },
    /// `excluded."column"`: the row proposed for insertion, in `ON CONFLICT DO UPDATE`.
    Excluded(&'static str),
    /// A function whose spelling differs between dialects (see [`Builtin`]).
    Builtin {
        /// Which function.
        func: Builtin,
        /// Arguments.
        args: Vec<Node>,
    },
    /// The value under `key` of a JSON object: `doc -> key` (a JSON document) or, with
    /// `as_text`, `CAST(doc ->> key AS TEXT)`. The key is bound, in the form the dialect's
    /// [`json_key`](crate::dialect::Dialect::json_key) gives it; it is never SQL text.
    JsonGet {
        /// The document.
        doc: Box<Node>,
        /// The object key, as the user gave it.
        key: String,
        /// `->>` (text) rather than `->` (a JSON document).
        as_text: bool,
    },
}

/// Functions that the dialects spell differently (or one lacks); each dialect says how through
/// [`Dialect::builtin`](crate::dialect::Dialect::builtin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Builtin {
    /// `TRIM(s)`.
    Trim,
    /// `LTRIM(s)`.
    LTrim,
    /// `RTRIM(s)`.
    RTrim,
    /// `REPLACE(s, from, to)`.
    Replace,
    /// `SUBSTR(s, start, length)` (1-based).
    Substr,
    /// 1-based position of a needle in a text, 0 when absent (`INSTR` / `STRPOS`).
    Position,
    /// `NULLIF(a, b)`.
    NullIf,
    /// The current date and time in UTC, without a zone.
    CurrentTimestamp,
    /// The current date and time with its zone (UTC).
    CurrentTimestampTz,
    /// The current date (UTC).
    CurrentDate,
    /// Concatenation of a group's texts with a separator (`GROUP_CONCAT` / `STRING_AGG`).
    StringAgg,
}

/// How a dialect writes a [`Builtin`]: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuiltinSql {
    /// A function call `NAME(arg, ...)` with the arguments in order.
    Call(&'static str),
    /// Fixed SQL text and arguments, interleaved.
    Template(&'static [SqlPart]),
}

/// A piece of a [`BuiltinSql::Template`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlPart {
    /// SQL text written as is (a constant of the dialect, never user data).
    Text(&'static str),
    /// The `n`-th argument (0-based).
    Arg(usize),
}

/// `OVER (PARTITION BY ... ORDER BY ... frame)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowSpec {
    pub(crate) partition_by: Vec<Node>,
    pub(crate) order_by: Vec<crate::expr::statement::OrderTerm>,
    pub(crate) frame: Option<Frame>,
}

/// A window frame: `ROWS|RANGE BETWEEN start AND end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub(crate) units: FrameUnits,
    pub(crate) start: FrameBound,
    pub(crate) end: FrameBound,
}

/// Whether a frame counts rows or values of the ORDER BY key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    /// `ROWS`: physical rows.
    Rows,
    /// `RANGE`: peers by the value of the ORDER BY key.
    Range,
}

/// One end of a window frame. Offsets are integers, written into the SQL as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBound {
    /// `UNBOUNDED PRECEDING`: from the partition's first row.
    UnboundedPreceding,
    /// `n PRECEDING`.
    Preceding(u32),
    /// `CURRENT ROW`.
    CurrentRow,
    /// `n FOLLOWING`.
    Following(u32),
    /// `UNBOUNDED FOLLOWING`: to the partition's last row.
    UnboundedFollowing,
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
            // The most any dialect binds: SQLite's ends-with reads the operand twice and the
            // needle four times.
            Node::TextMatch { expr, .. } => 2 * expr.param_count() + 4,
            Node::InList { expr, list, .. } => expr.param_count() + list.iter().map(Node::param_count).sum::<usize>(),
            Node::InSubquery { expr, query } | Node::InQuery { expr, query, .. } => {
                expr.param_count() + query.param_count()
            }
            Node::Subquery(query) | Node::Exists { query, .. } => query.param_count(),
            Node::Case { whens, otherwise } => {
                whens.iter().map(|(c, v)| c.param_count() + v.param_count()).sum::<usize>()
                    + otherwise.as_ref().map_or(0, |o| o.param_count())
            }
            Node::Over { func, window } => {
                func.param_count()
                    + window.partition_by.iter().map(Node::param_count).sum::<usize>()
                    + window.order_by.iter().map(|o| o.node.param_count()).sum::<usize>()
            }
            Node::Excluded(_) => 0,
            Node::Builtin { args, .. } => args.iter().map(Node::param_count).sum(),
            Node::JsonGet { doc, .. } => doc.param_count() + 1,
            Node::Between { expr, low, high, .. } => expr.param_count() + low.param_count() + high.param_count(),
            Node::Func { args, .. } => args.iter().map(Node::param_count).sum(),
        }
    }
}
