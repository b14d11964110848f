//! The one renderer: statement AST -> SQL text + parameters, driven by a [`Dialect`].

use crate::dialect::Dialect;
use crate::error::{Error, Misuse, Result};
use crate::expr::statement::{
    DeleteStatement, InsertStatement, OrderTerm, SelectItem, SelectStatement, Statement, UpdateStatement,
};
use crate::expr::{Direction, Node, Nulls};
use crate::types::Value;

/// SQL text and the values bound to its placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The SQL text (never contains a bound value).
    pub sql: String,
    /// Bound parameters.
    pub params: Vec<Value>,
}

/// Render a DML statement in `dialect`, refusing it if it needs more parameters than the
/// database accepts.
pub fn render(dialect: &dyn Dialect, stmt: Statement<'_>) -> Result<Rendered> {
    let mut w = Writer { d: dialect, sql: String::with_capacity(256), params: Vec::with_capacity(4) };
    match stmt {
        Statement::Select(s) if !s.with.is_empty() => {
            // A subquery repeating a CTE the statement declares names the statement's.
            let mut s = s.clone();
            let scope: Vec<&'static str> = s.with.iter().map(|c| c.name).collect();
            strip_ctes_in_scope(&mut s, &scope, false);
            w.select(&s)?
        }
        Statement::Select(s) => w.select(s)?,
        Statement::Insert(s) => w.insert(s, None)?,
        Statement::Update(s) => w.update(s, None)?,
        Statement::Delete(s) => w.delete(s, None)?,
        Statement::InsertWith(s, c) => w.insert(s, Some(c))?,
        Statement::UpdateWith(s, c) => w.update(s, Some(c))?,
        Statement::DeleteWith(s, c) => w.delete(s, Some(c))?,
        Statement::Ddl(_) => {
            return Err(Error::Unsupported {
                feature: "DDL through render(); use render_ddl()",
                dialect: dialect.name(),
            })
        }
    }
    let limit = dialect.capabilities().max_params;
    if w.params.len() > limit {
        return Err(Error::TooManyParameters { count: w.params.len(), limit, dialect: dialect.name() });
    }
    Ok(Rendered { sql: w.sql, params: w.params })
}

pub(crate) struct Writer<'d> {
    pub(crate) d: &'d dyn Dialect,
    pub(crate) sql: String,
    pub(crate) params: Vec<Value>,
}

impl Writer<'_> {
    pub(crate) fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    pub(crate) fn ident(&mut self, name: &str) -> Result<()> {
        self.d.push_identifier(&mut self.sql, name)
    }

    fn bind(&mut self, v: Value) {
        self.params.push(v);
        self.d.push_placeholder(&mut self.sql, self.params.len());
    }

    fn bind_ref(&mut self, v: &Value) {
        self.bind(v.clone());
    }

    /// The values of `list` as one array parameter and its SQL type, where the dialect takes
    /// arrays, `expr` is a column and `list` holds values of one kind with an array type of
    /// their own, none NULL.
    fn array_operand(&self, expr: &Node, list: &[Node]) -> Option<(crate::types::ArrayValues, &'static str)> {
        if !self.d.capabilities().array_params || !matches!(expr, Node::Column { .. }) {
            return None;
        }
        let mut values = Vec::with_capacity(list.len());
        for item in list {
            let Node::Value(v) = item else { return None };
            values.push(v);
        }
        let array = crate::types::ArrayValues::collect(values)?;
        let array_type = self.d.array_type(&array)?;
        Some((array, array_type))
    }

    fn idents(&mut self, names: &[&str]) -> Result<()> {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(n)?;
        }
        Ok(())
    }

    /// RETURNING column names, or the expressions of `clauses`.
    fn returning(&mut self, cols: &[&str], clauses: Option<&crate::expr::statement::DmlClauses>) -> Result<()> {
        if !cols.is_empty() {
            self.push(" RETURNING ");
            self.idents(cols)?;
            return Ok(());
        }
        let Some(c) = clauses.filter(|c| !c.returning.is_empty()) else { return Ok(()) };
        self.push(" RETURNING ");
        self.items(&c.returning)
    }

    fn on_conflict(&mut self, c: &crate::expr::statement::OnConflict) -> Result<()> {
        self.push(" ON CONFLICT (");
        self.idents(&c.target)?;
        self.push(")");
        match &c.action {
            crate::expr::statement::ConflictAction::Nothing => self.push(" DO NOTHING"),
            crate::expr::statement::ConflictAction::Update { set, filter } => {
                self.push(" DO UPDATE SET ");
                self.assignments(set)?;
                if let Some(f) = filter {
                    self.push(" WHERE ");
                    self.node(f)?;
                }
            }
        }
        Ok(())
    }

    fn assignments(&mut self, set: &[(&'static str, Node)]) -> Result<()> {
        for (i, (col, v)) in set.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(col)?;
            self.push(" = ");
            self.node(v)?;
        }
        Ok(())
    }

    fn select(&mut self, s: &SelectStatement) -> Result<()> {
        if let Some(j) = &s.unresolved_join {
            return Err(Error::JoinPath {
                target: j.target.to_owned(),
                from: j.from.iter().map(|t| (*t).to_owned()).collect(),
                paths: j.paths,
            });
        }
        if !s.with.is_empty() {
            self.push(if s.with.iter().any(|c| c.recursive) { "WITH RECURSIVE " } else { "WITH " });
            for (i, c) in s.with.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.ident(c.name)?;
                if !c.columns.is_empty() {
                    self.push("(");
                    self.idents(&c.columns)?;
                    self.push(")");
                }
                self.push(" AS (");
                self.select(&c.query)?;
                self.push(")");
            }
            self.push(" ");
        }
        match &s.compound {
            Some(c) => self.compound(c)?,
            None => self.select_core(s)?,
        }
        self.order_limit(s)?;
        match &s.lock {
            Some(lock) => self.row_lock(lock),
            None => Ok(()),
        }
    }

    /// `FOR UPDATE [OF ...] [NOWAIT | SKIP LOCKED]`; nothing where the database has no row
    /// locks (the session takes the database's write lock instead).
    fn row_lock(&mut self, lock: &crate::expr::lock::RowLock) -> Result<()> {
        if !self.d.capabilities().row_locks {
            return Ok(());
        }
        self.push(" ");
        self.push(lock.strength.as_sql());
        if !lock.of.is_empty() {
            self.push(" OF ");
            self.idents(&lock.of)?;
        }
        self.push(match lock.wait {
            crate::expr::lock::LockWait::Wait => "",
            crate::expr::lock::LockWait::NoWait => " NOWAIT",
            crate::expr::lock::LockWait::SkipLocked => " SKIP LOCKED",
        });
        Ok(())
    }

    /// `left OP right`. PostgreSQL takes every member in parentheses (which also keeps
    /// `INTERSECT` from binding tighter than a `UNION` on its left). SQLite refuses
    /// parenthesized members: a member that needs them (its own ORDER BY / LIMIT / WITH, or a
    /// compound on the right) becomes `SELECT * FROM (member)`; a compound on the left is
    /// written bare, SQLite's operators being left-associative.
    fn compound(&mut self, c: &crate::expr::statement::Compound) -> Result<()> {
        self.compound_member(&c.left, true)?;
        self.push(" ");
        self.push(c.op.as_sql());
        self.push(" ");
        self.compound_member(&c.right, false)
    }

    fn compound_member(&mut self, m: &SelectStatement, left: bool) -> Result<()> {
        if self.d.capabilities().parenthesized_compound_members {
            self.push("(");
            self.select(m)?;
            self.push(")");
            return Ok(());
        }
        let plain = m.with.is_empty() && !m.has_order_or_limit();
        match &m.compound {
            Some(c) if plain && left => self.compound(c),
            None if plain => self.select_core(m),
            _ => {
                self.push("SELECT * FROM (");
                self.select(m)?;
                self.push(")");
                Ok(())
            }
        }
    }

    /// A table of FROM or JOIN: a derived table of the statement is written in place.
    fn table(&mut self, s: &SelectStatement, name: &str) -> Result<()> {
        match s.derived.iter().find(|d| d.name == name) {
            Some(d) => {
                self.push("(");
                self.select(&d.query)?;
                self.push(") AS ");
                self.ident(d.name)
            }
            None => self.ident(name),
        }
    }

    /// A list of select items, `expr [AS "label"]`, comma-separated (select lists, RETURNING).
    fn items(&mut self, items: &[SelectItem]) -> Result<()> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.node(&item.node)?;
            if let Some(label) = item.label {
                self.push(" AS ");
                self.ident(label)?;
            }
        }
        Ok(())
    }

    /// The select list, FROM, WHERE, GROUP BY and HAVING.
    fn select_core(&mut self, s: &SelectStatement) -> Result<()> {
        self.push("SELECT ");
        if s.distinct {
            self.push("DISTINCT ");
        }
        self.items(&s.items)?;
        if let Some(sub) = &s.from_subquery {
            self.push(" FROM (");
            self.select(sub)?;
            self.push(") AS ");
            self.ident("sub")?;
        } else if !s.from.is_empty() {
            self.push(" FROM ");
            for (i, t) in s.from.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.table(s, t)?;
            }
        }
        for j in &s.joins {
            self.push(match j.kind {
                crate::expr::statement::JoinKind::Inner => " INNER JOIN ",
                crate::expr::statement::JoinKind::LeftOuter => " LEFT OUTER JOIN ",
            });
            match j.alias {
                // An alias names the table itself, never a derived table of the same name
                // (a limited query wrapped for `joinedload` is named like its table).
                Some(n) => {
                    self.ident(j.table)?;
                    self.push(" AS ");
                    self.ident(&alias_name(j.table, n))?;
                }
                None => self.table(s, j.table)?,
            }
            self.push(" ON ");
            self.node(&j.on)?;
        }
        if let Some(f) = &s.filter {
            self.push(" WHERE ");
            self.node(f)?;
        }
        if !s.group_by.is_empty() {
            self.push(" GROUP BY ");
            for (i, g) in s.group_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.node(g)?;
            }
        }
        if let Some(h) = &s.having {
            self.push(" HAVING ");
            self.node(h)?;
        }
        Ok(())
    }

    /// ORDER BY, LIMIT and OFFSET.
    fn order_limit(&mut self, s: &SelectStatement) -> Result<()> {
        if !s.order_by.is_empty() {
            self.push(" ORDER BY ");
            for (i, o) in s.order_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.order_term(o)?;
            }
        }
        match (s.limit, s.offset) {
            (Some(l), off) => {
                self.push(" LIMIT ");
                self.bind(Value::I64(i64::try_from(l).unwrap_or(i64::MAX)));
                if let Some(o) = off {
                    self.push(" OFFSET ");
                    self.bind(Value::I64(i64::try_from(o).unwrap_or(i64::MAX)));
                }
            }
            (None, Some(o)) => {
                self.push(" LIMIT ");
                self.push(self.d.no_limit());
                self.push(" OFFSET ");
                self.bind(Value::I64(i64::try_from(o).unwrap_or(i64::MAX)));
            }
            (None, None) => {}
        }
        Ok(())
    }

    fn order_term(&mut self, o: &OrderTerm) -> Result<()> {
        let native_nulls = self.d.capabilities().nulls_ordering;
        if !native_nulls && o.nulls != Nulls::Default {
            // Emulation: sort on "is null" first (false < true).
            self.push("(");
            self.node(&o.node)?;
            self.push(if o.nulls == Nulls::Last { " IS NULL), " } else { " IS NOT NULL), " });
        }
        self.node(&o.node)?;
        self.push(match o.direction {
            Direction::Asc => " ASC",
            Direction::Desc => " DESC",
        });
        if native_nulls {
            match o.nulls {
                Nulls::Default => {}
                Nulls::First => self.push(" NULLS FIRST"),
                Nulls::Last => self.push(" NULLS LAST"),
            }
        }
        Ok(())
    }

    fn insert(&mut self, s: &InsertStatement, clauses: Option<&crate::expr::statement::DmlClauses>) -> Result<()> {
        self.push("INSERT INTO ");
        self.ident(s.table)?;
        if s.columns.is_empty() {
            // Every column takes its default: one row only.
            self.push(" DEFAULT VALUES");
        } else {
            self.push(" (");
            self.idents(&s.columns)?;
            self.push(") VALUES ");
            for (r, row) in s.rows.iter().enumerate() {
                if r > 0 {
                    self.push(", ");
                }
                self.push("(");
                for (i, v) in row.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(v)?;
                }
                self.push(")");
            }
        }
        if let Some(c) = clauses.and_then(|c| c.on_conflict.as_ref()) {
            self.on_conflict(c)?;
        }
        self.returning(&s.returning, clauses)
    }

    fn update(&mut self, s: &UpdateStatement, clauses: Option<&crate::expr::statement::DmlClauses>) -> Result<()> {
        self.push("UPDATE ");
        self.ident(s.table)?;
        self.push(" SET ");
        self.assignments(&s.set)?;
        if let Some(f) = &s.filter {
            self.push(" WHERE ");
            self.node(f)?;
        }
        self.returning(&s.returning, clauses)
    }

    fn delete(&mut self, s: &DeleteStatement, clauses: Option<&crate::expr::statement::DmlClauses>) -> Result<()> {
        self.push("DELETE FROM ");
        self.ident(s.table)?;
        if let Some(f) = &s.filter {
            self.push(" WHERE ");
            self.node(f)?;
        }
        self.returning(&s.returning, clauses)
    }

    /// `contains` / `starts_with` / `ends_with`: LIKE with the needle escaped; where LIKE stops
    /// at a NUL character ([`Capabilities::like_stops_at_nul`](crate::dialect::Capabilities),
    /// SQLite) compare bytes (`instr` / `substr` over `CAST(.. AS BLOB)`) instead, since LIKE
    /// would make `ends_with("ab")` match `"ab\0cd"`.
    fn text_match(&mut self, expr: &Node, needle: &str, at: crate::expr::TextMatchAt) -> Result<()> {
        use crate::expr::TextMatchAt;
        use crate::types::Value;
        let escaped = crate::expr::escape_like(needle);
        if !self.d.capabilities().like_stops_at_nul {
            self.operand(expr)?;
            self.push(" LIKE ");
            let pattern = match at {
                TextMatchAt::Anywhere => format!("%{escaped}%"),
                TextMatchAt::Start => format!("{escaped}%"),
                TextMatchAt::End => format!("%{escaped}"),
            };
            self.bind_ref(&Value::Text(pattern));
            self.push(self.d.like_escape());
            return Ok(());
        }
        let needle = Value::Text(needle.to_owned());
        match at {
            TextMatchAt::Anywhere | TextMatchAt::Start => {
                self.push("instr(CAST(");
                self.node(expr)?;
                self.push(" AS BLOB), CAST(");
                self.bind_ref(&needle);
                self.push(if at == TextMatchAt::Start { " AS BLOB)) = 1" } else { " AS BLOB)) > 0" });
            }
            TextMatchAt::End => {
                // No longer than the value, and equal to its last bytes (an empty
                // needle always: `substr` of an empty blob is NULL). NULL stays NULL.
                self.push("(length(CAST(");
                self.node(expr)?;
                self.push(" AS BLOB)) >= length(CAST(");
                self.bind_ref(&needle);
                self.push(" AS BLOB)) AND (length(CAST(");
                self.bind_ref(&needle);
                self.push(" AS BLOB)) = 0 OR substr(CAST(");
                self.node(expr)?;
                self.push(" AS BLOB), -length(CAST(");
                self.bind_ref(&needle);
                self.push(" AS BLOB))) = CAST(");
                self.bind_ref(&needle);
                self.push(" AS BLOB)))");
            }
        }
        Ok(())
    }

    /// Operands that are themselves operators get parentheses; precedence never matters.
    fn operand(&mut self, n: &Node) -> Result<()> {
        let wrap = matches!(
            n,
            Node::Binary { .. }
                | Node::Not(_)
                | Node::IsNull { .. }
                | Node::Like { .. }
                | Node::TextMatch { .. }
                | Node::InList { .. }
                | Node::InSubquery { .. }
                | Node::InQuery { .. }
                | Node::Exists { .. }
                | Node::Between { .. }
        );
        if wrap {
            self.push("(");
        }
        self.node(n)?;
        if wrap {
            self.push(")");
        }
        Ok(())
    }

    pub(crate) fn node(&mut self, n: &Node) -> Result<()> {
        match n {
            Node::Column { table, name } => {
                self.ident(table)?;
                self.push(".");
                self.ident(name)?;
            }
            Node::AliasColumn { table, alias, name } => {
                self.ident(&alias_name(table, *alias))?;
                self.push(".");
                self.ident(name)?;
            }
            Node::Value(v) => self.bind_ref(v),
            Node::Binary { op, left, right } => {
                self.operand(left)?;
                self.push(" ");
                self.push(op.as_sql());
                self.push(" ");
                self.operand(right)?;
            }
            Node::Not(e) => {
                self.push("NOT ");
                self.operand(e)?;
            }
            Node::IsNull { expr, negated } => {
                self.operand(expr)?;
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::Like { expr, pattern, case_insensitive, negated } => {
                let native = self.d.capabilities().ilike;
                let lower = *case_insensitive && !native;
                if lower {
                    self.push("LOWER(");
                    self.node(expr)?;
                    self.push(")");
                } else {
                    self.operand(expr)?;
                }
                if *negated {
                    self.push(" NOT");
                }
                self.push(if *case_insensitive && native { " ILIKE " } else { " LIKE " });
                if lower {
                    self.push("LOWER(");
                    self.node(pattern)?;
                    self.push(")");
                } else {
                    self.operand(pattern)?;
                }
                self.push(self.d.like_escape());
            }
            Node::TextMatch { expr, needle, at } => self.text_match(expr, needle, *at)?,
            Node::InList { expr, list, negated } => {
                if list.is_empty() {
                    // `IN ()` is not valid everywhere: an empty list matches nothing.
                    self.push(if *negated { "1 = 1" } else { "1 = 0" });
                } else if let Some((values, array_type)) = self.array_operand(expr, list) {
                    // One array parameter: the text is the same for every length (one
                    // prepared statement), and the list has no parameter limit. A subquery
                    // over `unnest` rather than `= ANY($1)`: the server hashes its rows (a
                    // semi-join), where `= ANY` of a parameter compares each row with every
                    // element (80x slower for 1,000 keys over 10,000 unindexed rows, measured
                    // on PostgreSQL 15); with an index it is a nested loop of index lookups.
                    self.operand(expr)?;
                    self.push(if *negated { " NOT IN (SELECT unnest(" } else { " IN (SELECT unnest(" });
                    self.bind(Value::Array(Box::new(values)));
                    self.push("::");
                    self.push(array_type);
                    self.push("))");
                } else {
                    self.operand(expr)?;
                    self.push(if *negated { " NOT IN (" } else { " IN (" });
                    for (i, v) in list.iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        self.node(v)?;
                    }
                    self.push(")");
                }
            }
            Node::InSubquery { expr, query } => {
                self.operand(expr)?;
                self.push(" IN (");
                self.select(query)?;
                self.push(")");
            }
            Node::Between { expr, low, high, negated } => {
                self.operand(expr)?;
                self.push(if *negated { " NOT BETWEEN " } else { " BETWEEN " });
                self.operand(low)?;
                self.push(" AND ");
                self.operand(high)?;
            }
            Node::Func { name, args, distinct } => {
                check_function_name(name.0)?;
                self.push(name.0);
                self.push("(");
                if *distinct {
                    self.push("DISTINCT ");
                }
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(a)?;
                }
                self.push(")");
            }
            Node::CountStar => self.push("COUNT(*)"),
            Node::Constant(n) => self.push(&n.to_string()),
            Node::Cast { expr, kind } => {
                self.push("CAST(");
                self.node(expr)?;
                self.push(" AS ");
                let t = self.d.type_name(*kind, None);
                self.push(&t);
                self.push(")");
            }
            Node::LabelRef(label) => self.ident(label)?,
            Node::AllColumns(t) => {
                let fragment = column_list(t.0, self.d)?;
                self.push(&fragment);
            }
            Node::InQuery { expr, query, negated } => {
                self.operand(expr)?;
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                self.select(query)?;
                self.push(")");
            }
            Node::Subquery(query) => {
                self.push("(");
                self.select(query)?;
                self.push(")");
            }
            Node::Exists { query, negated } => {
                self.push(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
                self.select(query)?;
                self.push(")");
            }
            Node::Case { whens, otherwise } => {
                self.push("CASE");
                for (cond, value) in whens {
                    self.push(" WHEN ");
                    self.node(cond)?;
                    self.push(" THEN ");
                    self.node(value)?;
                }
                if let Some(e) = otherwise {
                    self.push(" ELSE ");
                    self.node(e)?;
                }
                self.push(" END");
            }
            Node::Over { func, window } => {
                if !matches!(**func, Node::Func { .. } | Node::CountStar) {
                    return Err(Misuse::OverNonAggregate.into());
                }
                self.node(func)?;
                self.push(" OVER (");
                self.window(window)?;
                self.push(")");
            }
            Node::Excluded(column) => {
                self.push("excluded.");
                self.ident(column)?;
            }
            Node::Builtin { func, args } => self.builtin(*func, args)?,
            Node::JsonGet { doc, key, as_text } => {
                // The key is bound, in the dialect's form (a quoted path on SQLite).
                let key = self.d.json_key(key);
                if *as_text {
                    self.push("CAST(");
                    self.operand(doc)?;
                    self.push(" ->> ");
                    self.bind(key);
                    self.push(" AS ");
                    let t = self.d.type_name(crate::types::SqlKind::Text, None);
                    self.push(&t);
                    self.push(")");
                } else {
                    self.push("(");
                    self.operand(doc)?;
                    self.push(" -> ");
                    self.bind(key);
                    self.push(")");
                }
            }
        }
        Ok(())
    }

    fn builtin(&mut self, func: crate::expr::Builtin, args: &[Node]) -> Result<()> {
        let arg = |i: usize| {
            args.get(i).ok_or_else(|| Error::Internal {
                invariant: "a built-in function's node carries its arguments",
                detail: format!("{func:?} is missing its argument #{i}"),
            })
        };
        match self.d.builtin(func) {
            Some(crate::expr::BuiltinSql::Call(name)) => {
                self.push(name);
                self.push("(");
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.node(a)?;
                }
                self.push(")");
            }
            Some(crate::expr::BuiltinSql::Template(parts)) => {
                for part in parts {
                    match part {
                        crate::expr::SqlPart::Text(t) => self.push(t),
                        crate::expr::SqlPart::Arg(i) => self.node(arg(*i)?)?,
                    }
                }
            }
            None => {
                return Err(Error::Unsupported { feature: builtin_feature(func), dialect: self.d.name() });
            }
        }
        Ok(())
    }

    fn window(&mut self, w: &crate::expr::WindowSpec) -> Result<()> {
        let mut sep = "";
        if !w.partition_by.is_empty() {
            self.push("PARTITION BY ");
            for (i, p) in w.partition_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.node(p)?;
            }
            sep = " ";
        }
        if !w.order_by.is_empty() {
            self.push(sep);
            self.push("ORDER BY ");
            for (i, o) in w.order_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.order_term(o)?;
            }
            sep = " ";
        }
        if let Some(f) = &w.frame {
            use crate::expr::FrameUnits;
            self.push(sep);
            self.push(match f.units {
                FrameUnits::Rows => "ROWS BETWEEN ",
                FrameUnits::Range => "RANGE BETWEEN ",
            });
            self.frame_bound(f.start);
            self.push(" AND ");
            self.frame_bound(f.end);
        }
        Ok(())
    }

    /// Offsets are `u32`s written as integers: never text from outside.
    fn frame_bound(&mut self, b: crate::expr::FrameBound) {
        use crate::expr::FrameBound;
        match b {
            FrameBound::UnboundedPreceding => self.push("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(n) => {
                self.push(&n.to_string());
                self.push(" PRECEDING");
            }
            FrameBound::CurrentRow => self.push("CURRENT ROW"),
            FrameBound::Following(n) => {
                self.push(&n.to_string());
                self.push(" FOLLOWING");
            }
            FrameBound::UnboundedFollowing => self.push("UNBOUNDED FOLLOWING"),
        }
    }
}

/// Remove from the subqueries of `s` the CTEs that `scope` (the names an enclosing statement
/// declares) already has; `s`'s own WITH too when `own` is set.
fn strip_ctes_in_scope(s: &mut SelectStatement, scope: &[&'static str], own: bool) {
    if own {
        s.with.retain(|c| !scope.contains(&c.name));
    }
    for c in &mut s.with {
        strip_ctes_in_scope(&mut c.query, scope, true);
    }
    for d in &mut s.derived {
        strip_ctes_in_scope(&mut d.query, scope, true);
    }
    if let Some(c) = &mut s.compound {
        strip_ctes_in_scope(&mut c.left, scope, true);
        strip_ctes_in_scope(&mut c.right, scope, true);
    }
    let nodes = s
        .items
        .iter_mut()
        .map(|i| &mut i.node)
        .chain(s.joins.iter_mut().map(|j| &mut j.on))
        .chain(s.filter.iter_mut())
        .chain(s.group_by.iter_mut())
        .chain(s.having.iter_mut());
    for n in nodes {
        strip_node(n, scope);
    }
}

fn strip_node(n: &mut Node, scope: &[&'static str]) {
    match n {
        Node::InQuery { expr, query, .. } | Node::InSubquery { expr, query } => {
            strip_node(expr, scope);
            strip_ctes_in_scope(query, scope, true);
        }
        Node::Subquery(query) | Node::Exists { query, .. } => strip_ctes_in_scope(query, scope, true),
        Node::Binary { left, right, .. } => {
            strip_node(left, scope);
            strip_node(right, scope);
        }
        Node::Not(e) | Node::IsNull { expr: e, .. } | Node::Cast { expr: e, .. } => strip_node(e, scope),
        Node::JsonGet { doc, .. } => strip_node(doc, scope),
        Node::Between { expr, low, high, .. } => {
            for e in [expr, low, high] {
                strip_node(e, scope);
            }
        }
        Node::InList { expr, list, .. } => {
            strip_node(expr, scope);
            list.iter_mut().for_each(|e| strip_node(e, scope));
        }
        Node::Func { args, .. } | Node::Builtin { args, .. } => args.iter_mut().for_each(|e| strip_node(e, scope)),
        Node::Case { whens, otherwise } => {
            for (c, v) in whens {
                strip_node(c, scope);
                strip_node(v, scope);
            }
            if let Some(o) = otherwise {
                strip_node(o, scope);
            }
        }
        _ => {}
    }
}

/// The name of a builtin in an `Unsupported` error.
fn builtin_feature(func: crate::expr::Builtin) -> &'static str {
    use crate::expr::Builtin;
    match func {
        Builtin::Trim => "TRIM",
        Builtin::LTrim => "LTRIM",
        Builtin::RTrim => "RTRIM",
        Builtin::Replace => "REPLACE",
        Builtin::Substr => "SUBSTR",
        Builtin::Position => "text position",
        Builtin::NullIf => "NULLIF",
        Builtin::CurrentTimestamp => "CURRENT_TIMESTAMP",
        Builtin::CurrentTimestampTz => "CURRENT_TIMESTAMP with a time zone",
        Builtin::CurrentDate => "CURRENT_DATE",
        Builtin::StringAgg => "string aggregation",
    }
}

/// The name of the `n`-th alias of `table`: `table_n`.
pub(crate) fn alias_name(table: &str, n: u8) -> String {
    format!("{table}_{n}")
}

/// Function names are rendered unquoted (so built-ins match case-insensitively) and must
/// therefore be plain identifiers.
fn check_function_name(name: &str) -> Result<()> {
    let part_ok = |p: &str| {
        let mut chars = p.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let ok = match name.split_once('.') {
        Some((schema, f)) => part_ok(schema) && part_ok(f),
        None => part_ok(name),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidIdentifier { name: name.to_owned(), reason: "not a plain function name" })
    }
}

/// `"t"."a", "t"."b", ...`: every column of `table`, qualified and quoted (cached).
fn column_list(table: &'static crate::schema::TableDef, d: &dyn Dialect) -> Result<std::sync::Arc<str>> {
    table.statements.fixed(d.cache_slot(), crate::schema::statement_cache::FixedStatement::ColumnList, || {
        let mut sql = String::new();
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            d.push_identifier(&mut sql, table.name)?;
            sql.push('.');
            d.push_identifier(&mut sql, c.name)?;
        }
        Ok(sql)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Capabilities, DialectKind};
    use crate::expr::statement::OrderTerm;
    use crate::expr::{Direction, Nulls};
    use crate::schema::ColumnDef;

    /// A dialect without NULLS FIRST / LAST, to exercise the emulation.
    #[derive(Debug)]
    struct NoNullsOrdering;

    impl Dialect for NoNullsOrdering {
        fn name(&self) -> &'static str {
            "test"
        }
        fn kind(&self) -> DialectKind {
            DialectKind::Sqlite
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                max_params: 10,
                array_params: false,
                max_identifier_len: 8,
                nulls_ordering: false,
                ilike: false,
                parenthesized_compound_members: false,
                row_locks: false,
                isolation_levels: false,
                begin_immediate: false,
                transaction_settings: false,
                like_stops_at_nul: false,
                borrowed_binds: false,
                keys_by_rowid: false,
            }
        }
        fn push_placeholder(&self, out: &mut String, _: usize) {
            out.push('?');
        }
        fn auto_increment_column(&self, _: &ColumnDef) -> String {
            String::new()
        }
    }

    fn col(name: &'static str) -> Node {
        Node::Column { table: "t", name }
    }

    #[test]
    fn nulls_ordering_is_emulated_where_the_dialect_lacks_it() {
        let s = SelectStatement {
            items: vec![SelectItem { node: col("a"), label: None }],
            from: vec!["t"],
            order_by: vec![
                OrderTerm { node: col("a"), direction: Direction::Asc, nulls: Nulls::Last },
                OrderTerm { node: col("b"), direction: Direction::Desc, nulls: Nulls::First },
            ],
            ..SelectStatement::default()
        };
        let r = render(&NoNullsOrdering, Statement::Select(&s)).unwrap();
        assert_eq!(
            r.sql,
            r#"SELECT "t"."a" FROM "t" ORDER BY ("t"."a" IS NULL), "t"."a" ASC, ("t"."b" IS NOT NULL), "t"."b" DESC"#
        );
    }

    #[test]
    fn identifiers_are_checked_not_truncated() {
        let s = SelectStatement {
            items: vec![SelectItem { node: col("much_too_long"), label: None }],
            ..SelectStatement::default()
        };
        assert!(matches!(render(&NoNullsOrdering, Statement::Select(&s)), Err(Error::InvalidIdentifier { .. })));
        let s = SelectStatement {
            items: vec![SelectItem { node: col("a\0b"), label: None }],
            ..SelectStatement::default()
        };
        assert!(matches!(render(&NoNullsOrdering, Statement::Select(&s)), Err(Error::InvalidIdentifier { .. })));
        let s = SelectStatement {
            items: vec![SelectItem { node: col("a\"b"), label: None }],
            ..SelectStatement::default()
        };
        assert_eq!(render(&NoNullsOrdering, Statement::Select(&s)).unwrap().sql, r#"SELECT "t"."a""b""#);
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let s = SelectStatement {
            items: vec![SelectItem { node: col("a"), label: None }],
            filter: Some(Node::InList {
                expr: Box::new(col("a")),
                list: (0..11).map(|i| Node::Value(Value::I32(i))).collect(),
                negated: false,
            }),
            ..SelectStatement::default()
        };
        assert!(matches!(
            render(&NoNullsOrdering, Statement::Select(&s)),
            Err(Error::TooManyParameters { count: 11, limit: 10, .. })
        ));
    }
}
