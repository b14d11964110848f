//! Phase 2: the SQL read as tokens of the shared lexer (`orm_sql_lexer`, the one `text()`
//! uses, so both agree on what a bind is), then analysed: the tables the statement reads and
//! writes (with their aliases), the columns it names where their meaning is clear, and the
//! column each bind is compared with or assigned to. Every user error is found here (binds
//! against arguments, a table without a model to check it), reported through the `Ctxt`.

use orm_sql_lexer::{LexError, Lexer, TokenKind};
use proc_macro2::Span;

use super::input::{bind_name, Input};
use super::keywords::is_keyword;
use crate::internals::Ctxt;

/// Read `input`'s SQL and check it against the binds given; errors go to `cx`. On SQL the
/// lexer cannot split, the error is the only one reported (the analysis is empty).
pub(super) fn analyse(cx: &Ctxt, input: &Input) -> Analysis {
    let toks = match tokens(&input.sql.value()) {
        Ok(toks) => toks,
        Err(e) => {
            cx.syn_error(syn::Error::new(input.sql.span(), format!("`sql!`: {} in the SQL", e.kind)));
            return Analysis::default();
        }
    };
    let analysis = analyze(&toks);
    check_binds_named(cx, input, &analysis);
    check_binds_given(cx, input, &analysis);
    check_tables_have_models(cx, input, &analysis);
    check_no_keyword_tables(cx, input, &analysis);
    analysis
}

/// No keyword stands unquoted where a table name goes: `FROM user` reads the current user's
/// name on PostgreSQL, and `FROM order` does not parse anywhere.
fn check_no_keyword_tables(cx: &Ctxt, input: &Input, a: &Analysis) {
    for word in &a.keyword_tables {
        error(
            cx,
            input.sql.span(),
            format!(
                "`sql!`: `{word}` is an SQL keyword, not a table name; a table named so is written quoted: `\"{}\"`",
                word.to_ascii_lowercase()
            ),
        );
    }
}

fn error(cx: &Ctxt, span: Span, message: String) {
    cx.syn_error(syn::Error::new(span, message));
}

/// Every bind the SQL names has a value: a missing one would fail at run time.
fn check_binds_named(cx: &Ctxt, input: &Input, a: &Analysis) {
    for name in &a.binds {
        if !input.binds.iter().any(|b| bind_name(&b.name) == *name) {
            error(
                cx,
                input.sql.span(),
                format!(
                    "`sql!`: the SQL names the bind `:{name}` but no value is given for it: add `, {name} = value`"
                ),
            );
        }
    }
}

/// Every value given is for a bind the SQL names, once: a stray one is a typo.
fn check_binds_given(cx: &Ctxt, input: &Input, a: &Analysis) {
    for (i, b) in input.binds.iter().enumerate() {
        let name = bind_name(&b.name);
        if input.binds[..i].iter().any(|o| bind_name(&o.name) == name) {
            error(cx, b.name.span(), format!("`sql!`: `{name}` is given twice"));
        } else if !a.binds.contains(&name) {
            let known = if a.binds.is_empty() {
                "it has no binds".to_owned()
            } else {
                format!("its binds: {}", a.binds.iter().map(|n| format!("`:{n}`")).collect::<Vec<_>>().join(", "))
            };
            error(cx, b.name.span(), format!("`sql!`: the SQL has no bind `:{name}` ({known})"));
        }
    }
}

/// SQL that uses a table names a model to check it against (or is `text()`, unchecked).
fn check_tables_have_models(cx: &Ctxt, input: &Input, a: &Analysis) {
    if input.models.is_empty() {
        if let Some(table) = a.tables.first() {
            error(
                cx,
                input.sql.span(),
                format!(
                    "`sql!`: the SQL uses table `{}`, but no model is named to check it against: write `sql!(Model, ... => \"...\")` (or use `orm::text(...)` for SQL that is not checked)",
                    table.text
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

/// An SQL name as written: quoted (`"Name"`, exact) or not (any ASCII case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name {
    pub(super) text: String,
    pub(super) quoted: bool,
}

impl Name {
    /// Whether two names may denote the same thing (ignoring case unless both are quoted).
    pub(super) fn same(&self, other: &Name) -> bool {
        if self.quoted && other.quoted {
            self.text == other.text
        } else {
            self.text.eq_ignore_ascii_case(&other.text)
        }
    }
}

/// A token of the statement as the analysis reads it (no whitespace, no comments).
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word: a keyword or a name.
    Word(String),
    /// A quoted identifier (`"x"`, `` `x` ``), unquoted.
    Quoted(String),
    /// A string literal (its text is not needed).
    Str,
    /// A number.
    Num,
    /// `:name`.
    Bind(String),
    /// `::` (a PostgreSQL cast).
    Cast,
    /// An operator or other punctuation (`=`, `<>`, `+`, `||`, `*`, ...).
    Op(String),
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
    /// `.`.
    Dot,
    /// `;`.
    Semi,
}

impl Tok {
    fn word(&self) -> Option<String> {
        match self {
            Tok::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// A name (not a keyword): `users`, `"Users"`.
    fn name(&self) -> Option<Name> {
        match self {
            Tok::Word(w) if !is_keyword(w) => Some(Name { text: w.clone(), quoted: false }),
            Tok::Quoted(q) => Some(Name { text: q.clone(), quoted: true }),
            _ => None,
        }
    }

    /// A name, keywords included (what follows a `.`: `t.order` is a column).
    fn any_name(&self) -> Option<Name> {
        match self {
            Tok::Word(w) => Some(Name { text: w.clone(), quoted: false }),
            Tok::Quoted(q) => Some(Name { text: q.clone(), quoted: true }),
            _ => None,
        }
    }
}

/// The statement's tokens, from the shared lexer; whitespace and comments dropped.
fn tokens(sql: &str) -> Result<Vec<Tok>, LexError> {
    let mut out = Vec::new();
    for token in Lexer::new(sql) {
        let token = token?;
        out.push(match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment => continue,
            TokenKind::Word => Tok::Word(token.text.to_owned()),
            TokenKind::QuotedIdent(_) => Tok::Quoted(token.identifier().unwrap_or_default().into_owned()),
            TokenKind::String(_) => Tok::Str,
            TokenKind::Number => Tok::Num,
            TokenKind::Placeholder => Tok::Bind(token.placeholder_name().unwrap_or_default().to_owned()),
            TokenKind::EscapedColon => Tok::Op(":".into()),
            TokenKind::Cast => Tok::Cast,
            TokenKind::OpenParen => Tok::Open,
            TokenKind::CloseParen => Tok::Close,
            TokenKind::Comma => Tok::Comma,
            TokenKind::Dot => Tok::Dot,
            TokenKind::Semicolon => Tok::Semi,
            TokenKind::Operator => Tok::Op(token.text.to_owned()),
        });
    }
    Ok(out)
}

/// Comparison operators: a bind on one side is checked against the column on the other.
fn is_comparison(tok: &Tok) -> bool {
    matches!(tok, Tok::Op(op) if matches!(op.as_str(), "=" | "==" | "<>" | "!=" | "<" | "<=" | ">" | ">="))
}

/// Whether `tok` may continue (or begin) an expression around an operand, so that the operand
/// is not a whole side of a comparison (`a + b = :x`, `:x || 'y'`, `x::int`, `f(x)`).
fn extends_operand(tok: &Tok) -> bool {
    match tok {
        Tok::Op(op) => !matches!(op.as_str(), "=" | "==" | "<>" | "!=" | "<" | "<=" | ">" | ">="),
        Tok::Cast | Tok::Dot | Tok::Open => true,
        Tok::Word(w) => w.eq_ignore_ascii_case("COLLATE") || w.eq_ignore_ascii_case("ESCAPE"),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------

/// What the checks need from the SQL.
#[derive(Debug, Default)]
pub(super) struct Analysis {
    /// Tables read or written (`FROM`, `JOIN`, `INTO`, `UPDATE`, `USING`): each must be a
    /// model's.
    pub(super) tables: Vec<Name>,
    /// `alias -> table` (a table's own name also qualifies its columns).
    pub(super) aliases: Vec<(Name, Name)>,
    /// Names of sources that are no table (CTEs, subqueries, table functions): columns
    /// qualified by them are not checked.
    pub(super) opaque: Vec<Name>,
    /// A source without a name to qualify by is opaque (a subquery without alias): then no
    /// unqualified column is checked.
    pub(super) has_opaque_source: bool,
    /// The table `INSERT INTO` writes (what `excluded.column` refers to).
    pub(super) insert_target: Option<Name>,
    /// Names the select lists define (`AS total`): unqualified uses are not columns.
    pub(super) labels: Vec<Name>,
    /// Column references: `(qualifier, column)`.
    pub(super) columns: Vec<(Option<Name>, Name)>,
    /// Binds with the column they are compared with or assigned to.
    pub(super) targets: Vec<BindTarget>,
    /// Bind names in order of first appearance.
    pub(super) binds: Vec<String>,
    /// Keywords written unquoted where a table name goes (`FROM user`): a database reads them
    /// as the keyword, not as a table.
    pub(super) keyword_tables: Vec<String>,
}

#[derive(Debug, Clone)]
/// A bind and the column its value must fit.
pub(super) struct BindTarget {
    pub(super) bind: String,
    /// `None`: a LIKE pattern (checked as text).
    pub(super) column: Option<(Option<Name>, Name)>,
}

/// The clause being read in one parenthesized level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clause {
    Other,
    SelectList,
    From,
    Set,
    Values,
}

#[derive(Debug, Clone)]
struct Frame {
    clause: Clause,
    /// `INSERT` / `UPDATE` / ... : the statement's first word at this level.
    statement: Option<String>,
    /// The table `INSERT INTO` / `UPDATE` writes.
    target: Option<Name>,
    /// `INSERT INTO t (a, b)`: the columns, for binds in VALUES.
    insert_columns: Vec<Name>,
    /// This parenthesis is a derived table or a table function's call: an alias may follow.
    source: bool,
    /// This parenthesis is a VALUES tuple.
    values_tuple: bool,
    /// `INSERT` / `REPLACE` was seen at this level (`INTO` names a table).
    inserting: bool,
    /// `DELETE` was seen at this level (`USING` names tables).
    deleting: bool,
}

impl Frame {
    fn new() -> Self {
        Frame {
            clause: Clause::Other,
            statement: None,
            target: None,
            insert_columns: Vec::new(),
            source: false,
            values_tuple: false,
            inserting: false,
            deleting: false,
        }
    }
}

/// Read the statement: its tables, aliases, columns and bind targets.
fn analyze(toks: &[Tok]) -> Analysis {
    let mut a = Analysis::default();
    for t in toks {
        if let Tok::Bind(name) = t {
            if !a.binds.contains(name) {
                a.binds.push(name.clone());
            }
        }
    }
    collect_ctes(toks, &mut a);
    let mut frames = vec![Frame::new()];
    let mut i = 0;
    while i < toks.len() {
        let depth = frames.len() - 1;
        let tok = &toks[i];
        match tok {
            Tok::Open => {
                let mut f = Frame::new();
                f.source = frames[depth].clause == Clause::From && is_source_start(toks, i);
                f.values_tuple = frames[depth].clause == Clause::Values;
                if toks.get(i + 1).is_some_and(|t| t.is_word("SELECT") || t.is_word("WITH") || t.is_word("VALUES")) {
                    f.statement = toks.get(i + 1).and_then(Tok::word);
                }
                frames.push(f);
                i += 1;
            }
            Tok::Close => {
                let closed = if frames.len() > 1 { frames.pop() } else { None };
                i += 1;
                if closed.is_some_and(|f| f.source) {
                    // `(subquery) [AS] alias` or `func(...) [AS] alias`.
                    i = opaque_alias(toks, i, &mut a);
                }
            }
            Tok::Semi => {
                frames.truncate(1);
                frames[0] = Frame::new();
                i += 1;
            }
            Tok::Word(w) => {
                let upper = w.to_ascii_uppercase();
                let prev = i.checked_sub(1).and_then(|p| toks.get(p));
                let frame = &mut frames[depth];
                let verb =
                    matches!(upper.as_str(), "SELECT" | "INSERT" | "REPLACE" | "UPDATE" | "DELETE" | "WITH" | "VALUES");
                // `FOR UPDATE`, `ON CONFLICT DO UPDATE`, `ON UPDATE`, `INSERT OR REPLACE` are no statements.
                let statement = verb
                    && !prev.is_some_and(|p| {
                        p.is_word("FOR") || p.is_word("DO") || p.is_word("ON") || p.is_word("KEY") || p.is_word("OR")
                    });
                if statement && frame.statement.is_none() {
                    frame.statement = Some(upper.clone());
                }
                if statement {
                    frame.inserting |= upper == "INSERT" || upper == "REPLACE";
                    frame.deleting |= upper == "DELETE";
                }
                i += 1;
                match upper.as_str() {
                    "SELECT" => {
                        frame.clause = Clause::SelectList;
                        i = skip_select_modifiers(toks, i);
                        i = select_item(toks, i, &mut a);
                    }
                    "FROM" if !is_distinct_from(toks, i - 1) && frame_reads_tables(frame) => {
                        frame.clause = Clause::From;
                        i = table_ref(toks, i, &mut a, false);
                    }
                    "JOIN" => {
                        frame.clause = Clause::From;
                        i = table_ref(toks, i, &mut a, false);
                    }
                    "INTO" if frame.inserting => {
                        frame.clause = Clause::Other;
                        i = table_ref(toks, i, &mut a, true);
                        frame.target = a.tables.last().cloned();
                        a.insert_target = frame.target.clone();
                        if toks.get(i) == Some(&Tok::Open) {
                            i = insert_columns(toks, i + 1, frame, &mut a);
                        }
                    }
                    "UPDATE" if statement => {
                        i = table_ref(toks, i, &mut a, true);
                        frame.target = a.tables.last().cloned();
                    }
                    "USING" if toks.get(i) != Some(&Tok::Open) && frame.deleting => {
                        frame.clause = Clause::From;
                        i = table_ref(toks, i, &mut a, false);
                    }
                    "SET" => {
                        frame.clause = Clause::Set;
                        i = set_item(toks, i, frame, &mut a);
                    }
                    "VALUES" => frame.clause = Clause::Values,
                    "LIKE" | "ILIKE" | "GLOB" | "IN" | "BETWEEN" | "IS" => predicate_operand(toks, i - 1, &mut a),
                    "WHERE" | "ON" | "HAVING" | "GROUP" | "ORDER" | "LIMIT" | "OFFSET" | "RETURNING" | "WINDOW"
                    | "UNION" | "INTERSECT" | "EXCEPT" | "USING" | "FETCH" | "FOR" | "DO" => {
                        frame.clause = Clause::Other;
                    }
                    _ => {}
                }
            }
            Tok::Comma => {
                i += 1;
                let frame = &mut frames[depth];
                match frame.clause {
                    Clause::From => i = table_ref(toks, i, &mut a, false),
                    Clause::SelectList => i = select_item(toks, i, &mut a),
                    Clause::Set => i = set_item(toks, i, frame, &mut a),
                    _ => {}
                }
            }
            Tok::Bind(name) => {
                bind_target(toks, i, &frames, name, &mut a);
                i += 1;
            }
            _ => {
                if is_comparison(tok) {
                    comparison_operands(toks, i, &mut a);
                }
                i += 1;
            }
        }
    }
    qualified_columns(toks, &mut a);
    a
}

/// `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (...)` at the start of a
/// statement: CTE names are sources, not tables.
fn collect_ctes(toks: &[Tok], a: &mut Analysis) {
    for (i, t) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        if !(t.is_word("WITH") && (prev.is_none() || matches!(prev, Some(Tok::Open | Tok::Semi)))) {
            continue;
        }
        let mut j = i + 1;
        if toks.get(j).is_some_and(|t| t.is_word("RECURSIVE")) {
            j += 1;
        }
        while let Some(name) = toks.get(j).and_then(Tok::any_name) {
            a.opaque.push(name);
            j += 1;
            if toks.get(j) == Some(&Tok::Open) {
                j = matching_close(toks, j) + 1;
            }
            // AS [NOT] [MATERIALIZED] ( body )
            while toks.get(j).is_some_and(|t| t.is_word("AS") || t.is_word("NOT") || t.is_word("MATERIALIZED")) {
                j += 1;
            }
            if toks.get(j) != Some(&Tok::Open) {
                break;
            }
            j = matching_close(toks, j) + 1;
            if toks.get(j) != Some(&Tok::Comma) {
                break;
            }
            j += 1;
        }
    }
}

/// The index of the `)` matching the `(` at `open` (or the last index).
fn matching_close(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    toks.len().saturating_sub(1)
}

fn frame_reads_tables(frame: &Frame) -> bool {
    // `FROM` inside a function call's parentheses (`EXTRACT(YEAR FROM ts)`) is no FROM clause.
    frame.statement.is_some()
}

/// `IS [NOT] DISTINCT FROM`: `toks[from]` is that FROM.
fn is_distinct_from(toks: &[Tok], from: usize) -> bool {
    from >= 1
        && toks[from - 1].is_word("DISTINCT")
        && from >= 2
        && (toks[from - 2].is_word("IS") || toks[from - 2].is_word("NOT"))
}

/// Whether the `(` at `open`, in a FROM clause, opens a source (a derived table, or the
/// arguments of a table function) rather than a join's parenthesized group.
fn is_source_start(toks: &[Tok], open: usize) -> bool {
    let inner_select =
        toks.get(open + 1).is_some_and(|t| t.is_word("SELECT") || t.is_word("WITH") || t.is_word("VALUES"));
    let after_name = open >= 1 && toks[open - 1].any_name().is_some() && !toks[open - 1].is_word("JOIN");
    inner_select || after_name
}

/// After `SELECT`: `DISTINCT [ON (...)]`, `ALL`.
fn skip_select_modifiers(toks: &[Tok], mut i: usize) -> usize {
    while let Some(t) = toks.get(i) {
        if t.is_word("ALL") {
            i += 1;
        } else if t.is_word("DISTINCT") {
            i += 1;
            if toks.get(i).is_some_and(|t| t.is_word("ON")) && toks.get(i + 1) == Some(&Tok::Open) {
                i = matching_close(toks, i + 1) + 1;
            }
        } else {
            break;
        }
    }
    i
}

/// One select-list item starting at `i`: a lone name is a column to check; `AS label` (or
/// a trailing bare name) defines a label.
fn select_item(toks: &[Tok], i: usize, a: &mut Analysis) -> usize {
    // The item's tokens: up to the next `,` / FROM / clause keyword at this level.
    let mut end = i;
    let mut depth = 0usize;
    while let Some(t) = toks.get(end) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close if depth == 0 => break,
            Tok::Close => depth -= 1,
            Tok::Comma | Tok::Semi if depth == 0 => break,
            Tok::Word(w) if depth == 0 && ends_select_item(w) => break,
            _ => {}
        }
        end += 1;
    }
    let item = &toks[i..end];
    let (expr, label) = match item {
        [.., as_kw, l] if as_kw.is_word("AS") => (&item[..item.len() - 2], l.any_name()),
        [.., before, l] if l.name().is_some() && !extends_operand(before) && !matches!(before, Tok::Op(_)) => {
            (&item[..item.len() - 1], l.name())
        }
        _ => (item, None),
    };
    if let Some(label) = label {
        a.labels.push(label);
    }
    if let [col] = expr {
        if let Some(name) = col.name() {
            a.columns.push((None, name));
        }
    }
    // The item's tokens are read again by the main loop (qualified columns, subqueries).
    i
}

fn ends_select_item(word: &str) -> bool {
    [
        "FROM",
        "INTO",
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "WINDOW",
        "FETCH",
        "FOR",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(word))
}

/// A table reference at `i` (after FROM, JOIN, INTO, UPDATE, USING or a FROM list's comma):
/// `[ONLY|LATERAL] [schema.]table [AS] [alias]`. Subqueries and table functions are sources
/// whose alias is read when their parenthesis closes. `written`: the table `INSERT INTO` or
/// `UPDATE` writes (a parenthesis after it is a column list, not a function's arguments).
fn table_ref(toks: &[Tok], mut i: usize, a: &mut Analysis, written: bool) -> usize {
    while toks.get(i).is_some_and(|t| t.is_word("ONLY") || t.is_word("LATERAL")) {
        i += 1;
    }
    let Some(mut name) = toks.get(i).and_then(Tok::name) else {
        if let Some(Tok::Word(w)) = toks.get(i) {
            // `FROM user`, `JOIN order`: a keyword where a table name goes. (`ROWS FROM (..)`
            // and other keyword-led sources open a parenthesis.)
            if toks.get(i + 1) != Some(&Tok::Open) && !w.eq_ignore_ascii_case("ROWS") {
                a.keyword_tables.push(w.clone());
            }
        }
        // `(subquery)`: its frame is a source (see `is_source_start`).
        return i;
    };
    i += 1;
    // `schema.table`: the last part names the table.
    while toks.get(i) == Some(&Tok::Dot) {
        match toks.get(i + 1).and_then(Tok::any_name) {
            Some(n) => {
                name = n;
                i += 2;
            }
            None => break,
        }
    }
    if toks.get(i) == Some(&Tok::Open) && !written {
        // A table function: `json_each(...) AS j`.
        a.has_opaque_source = true;
        return i;
    }
    if toks.get(i) == Some(&Tok::Op("*".into())) {
        i += 1;
    }
    let is_cte = a.opaque.iter().any(|o| o.same(&name));
    if is_cte {
        a.has_opaque_source = true;
    } else {
        a.tables.push(name.clone());
    }
    // [AS] alias
    let mut j = i;
    if toks.get(j).is_some_and(|t| t.is_word("AS")) {
        j += 1;
    }
    if let Some(alias) = toks.get(j).and_then(Tok::name) {
        i = j + 1;
        if is_cte {
            a.opaque.push(alias);
        } else {
            a.aliases.push((alias, name));
        }
        if toks.get(i) == Some(&Tok::Open) && !written {
            // Column aliases rename the table's columns: its columns are not checked by name.
            i = matching_close(toks, i) + 1;
            if let Some((alias, _)) = a.aliases.pop() {
                a.opaque.push(alias);
            }
            a.has_opaque_source = true;
        }
    }
    i
}

/// After a source's closing parenthesis: `[AS] alias [(columns)]`.
fn opaque_alias(toks: &[Tok], mut i: usize, a: &mut Analysis) -> usize {
    a.has_opaque_source = true;
    if toks.get(i).is_some_and(|t| t.is_word("AS")) {
        i += 1;
    }
    if let Some(alias) = toks.get(i).and_then(Tok::name) {
        a.opaque.push(alias);
        i += 1;
        if toks.get(i) == Some(&Tok::Open) {
            i = matching_close(toks, i) + 1;
        }
    }
    i
}

/// `INSERT INTO t (a, b, ...)`: each a column of `t`. `i` is past the `(`.
fn insert_columns(toks: &[Tok], mut i: usize, frame: &mut Frame, a: &mut Analysis) -> usize {
    let Some(target) = frame.target.clone() else { return i };
    if toks.get(i).is_some_and(|t| t.is_word("SELECT") || t.is_word("WITH") || t.is_word("VALUES")) {
        // `INSERT INTO t (SELECT ...)`: no column list.
        return i - 1;
    }
    while let Some(name) = toks.get(i).and_then(Tok::any_name) {
        a.columns.push((Some(target.clone()), name.clone()));
        frame.insert_columns.push(name);
        i += 1;
        match toks.get(i) {
            Some(Tok::Comma) => i += 1,
            Some(Tok::Close) => return i + 1,
            _ => break,
        }
    }
    i
}

/// One item of a SET list at `i`: `col = ...` or `(a, b) = ...`; the columns are the
/// written table's.
fn set_item(toks: &[Tok], i: usize, frame: &mut Frame, a: &mut Analysis) -> usize {
    let Some(target) = frame.target.clone() else { return i };
    if let Some(name) = toks.get(i).and_then(Tok::any_name) {
        if toks.get(i + 1).is_some_and(is_comparison) {
            a.columns.push((Some(target), name));
        }
        return i;
    }
    if toks.get(i) == Some(&Tok::Open) {
        let close = matching_close(toks, i);
        for t in &toks[i + 1..close] {
            if let Some(name) = t.any_name() {
                a.columns.push((Some(target.clone()), name));
            }
        }
    }
    i
}

/// A column operand ending at `end` (inclusive): `(qualifier, column, first index)`; `None`
/// unless it is a whole operand (`users.age`, `age`).
fn column_ending_at(toks: &[Tok], end: usize) -> Option<(Option<Name>, Name, usize)> {
    let col = toks.get(end)?;
    let (qualifier, col, start) = if end >= 2 && toks[end - 1] == Tok::Dot {
        let q = toks[end - 2].any_name()?;
        if end >= 3 && toks[end - 3] == Tok::Dot {
            // schema.table.column: `q` is the table.
            (Some(q), col.any_name()?, end - 4)
        } else {
            (Some(q), col.any_name()?, end - 2)
        }
    } else {
        (None, col.name()?, end)
    };
    let before = start.checked_sub(1).and_then(|p| toks.get(p));
    if before.is_some_and(|t| matches!(t, Tok::Cast | Tok::Dot) || matches!(t, Tok::Op(_)) && !is_comparison(t)) {
        return None;
    }
    Some((qualifier, col, start))
}

/// A column operand starting at `start`: `(qualifier, column, last index)`.
fn column_starting_at(toks: &[Tok], start: usize) -> Option<(Option<Name>, Name, usize)> {
    let first = toks.get(start)?;
    let (qualifier, col, end) = if toks.get(start + 1) == Some(&Tok::Dot) {
        let second = toks.get(start + 2)?.any_name()?;
        if toks.get(start + 3) == Some(&Tok::Dot) {
            (Some(second), toks.get(start + 4)?.any_name()?, start + 4)
        } else {
            (Some(first.any_name()?), second, start + 2)
        }
    } else {
        (None, first.name()?, start)
    };
    if toks.get(end + 1).is_some_and(|t| extends_operand(t) || matches!(t, Tok::Str)) {
        return None;
    }
    Some((qualifier, col, end))
}

/// The unqualified column before a predicate keyword at `kw` (`name LIKE ...`,
/// `age NOT BETWEEN ...`, `email IS NULL`, `id IN (...)`).
fn predicate_operand(toks: &[Tok], kw: usize, a: &mut Analysis) {
    let end = match kw.checked_sub(1) {
        Some(p) if toks[p].is_word("NOT") => p.checked_sub(1),
        other => other,
    };
    if let Some((None, col, _)) = end.and_then(|e| column_ending_at(toks, e)) {
        a.columns.push((None, col));
    }
}

/// Unqualified columns on either side of a comparison at `op` (`name = 'x'`).
fn comparison_operands(toks: &[Tok], op: usize, a: &mut Analysis) {
    if op >= 1 {
        if let Some((None, col, _)) = column_ending_at(toks, op - 1) {
            a.columns.push((None, col));
        }
    }
    if let Some((None, col, _)) = column_starting_at(toks, op + 1) {
        a.columns.push((None, col));
    }
}

/// Whether the bind at `i` is a whole operand (`x + :b` is not).
fn bind_is_whole(toks: &[Tok], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|p| toks.get(p));
    let after = toks.get(i + 1);
    !before.is_some_and(|t| matches!(t, Tok::Op(_)) && !is_comparison(t))
        && !after.is_some_and(|t| extends_operand(t) || matches!(t, Tok::Op(_)) && !is_comparison(t))
}

/// The column the bind at `i` is compared with or assigned to, if the SQL says plainly.
fn bind_target(toks: &[Tok], i: usize, frames: &[Frame], name: &str, a: &mut Analysis) {
    if !bind_is_whole(toks, i) {
        return;
    }
    let mut push = |column: Option<(Option<Name>, Name)>| a.targets.push(BindTarget { bind: name.to_owned(), column });
    let before = |n: usize| i.checked_sub(n).and_then(|p| toks.get(p));
    // col OP :b
    if before(1).is_some_and(is_comparison) {
        if let Some((q, c, _)) = i.checked_sub(2).and_then(|e| column_ending_at(toks, e)) {
            push(Some((q, c)));
        }
        return;
    }
    // :b OP col
    if toks.get(i + 1).is_some_and(is_comparison) {
        if let Some((q, c, _)) = column_starting_at(toks, i + 2) {
            push(Some((q, c)));
        }
        return;
    }
    // col [NOT] LIKE :b: the pattern is text.
    if before(1).is_some_and(|t| t.is_word("LIKE") || t.is_word("ILIKE") || t.is_word("GLOB")) {
        push(None);
        return;
    }
    // col [NOT] BETWEEN :a AND :b
    let between_col = |at: usize| -> Option<(Option<Name>, Name)> {
        let kw = toks.get(at)?;
        if !kw.is_word("BETWEEN") {
            return None;
        }
        let end = if at >= 1 && toks[at - 1].is_word("NOT") { at.checked_sub(2)? } else { at.checked_sub(1)? };
        column_ending_at(toks, end).map(|(q, c, _)| (q, c))
    };
    if let Some(col) = i.checked_sub(1).and_then(between_col) {
        push(Some(col));
        return;
    }
    if before(1).is_some_and(|t| t.is_word("AND"))
        && before(2).is_some_and(|t| matches!(t, Tok::Bind(_) | Tok::Num | Tok::Str))
    {
        if let Some(col) = i.checked_sub(3).and_then(between_col) {
            push(Some(col));
        }
        return;
    }
    // col [NOT] IN (:a, :b) and VALUES (:a, :b)
    if matches!(before(1), Some(Tok::Open | Tok::Comma)) && matches!(toks.get(i + 1), Some(Tok::Comma | Tok::Close)) {
        let Some(frame) = frames.last() else { return };
        // The opening parenthesis of this list, and the position of the bind in it.
        let mut depth = 0usize;
        let mut index = 0usize;
        let mut open = None;
        for j in (0..i).rev() {
            match toks[j] {
                Tok::Close => depth += 1,
                Tok::Open if depth == 0 => {
                    open = Some(j);
                    break;
                }
                Tok::Open => depth -= 1,
                Tok::Comma if depth == 0 => index += 1,
                _ => {}
            }
        }
        let Some(open) = open else { return };
        if frame.values_tuple {
            let parent = frames.len().checked_sub(2).and_then(|p| frames.get(p));
            if let Some(col) = parent.and_then(|p| Some((p.target.clone()?, p.insert_columns.get(index)?.clone()))) {
                push(Some((Some(col.0), col.1)));
            }
            return;
        }
        let in_at = open.checked_sub(1);
        if in_at.is_some_and(|p| toks[p].is_word("IN")) {
            let end = match in_at.and_then(|p| p.checked_sub(1)) {
                Some(e) if toks[e].is_word("NOT") => e.checked_sub(1),
                other => other,
            };
            if let Some((q, c, _)) = end.and_then(|e| column_ending_at(toks, e)) {
                push(Some((q, c)));
            }
        }
    }
}

/// Every `q.col` not followed by `(` (a function in a schema) and not a cast's type.
fn qualified_columns(toks: &[Tok], a: &mut Analysis) {
    let mut i = 0;
    while i + 2 < toks.len() {
        let (q, dot, c) = (&toks[i], &toks[i + 1], &toks[i + 2]);
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        if *dot == Tok::Dot && !matches!(prev, Some(Tok::Dot | Tok::Cast)) {
            if let (Some(q), Some(c)) = (q.any_name(), c.any_name()) {
                // `schema.table.column`
                let (q, c, last) = match (toks.get(i + 3), toks.get(i + 4).and_then(Tok::any_name)) {
                    (Some(Tok::Dot), Some(col)) => (c, col, i + 4),
                    _ => (q, c, i + 2),
                };
                let call = toks.get(last + 1) == Some(&Tok::Open);
                let table_position = i.checked_sub(1).is_some_and(|p| {
                    ["FROM", "JOIN", "INTO", "UPDATE", "USING", "ONLY", "LATERAL"].iter().any(|k| toks[p].is_word(k))
                }) || matches!(prev, Some(Tok::Comma)) && is_table_list_comma(toks, i);
                if !call && !table_position {
                    a.columns.push((Some(q), c));
                }
                i = last + 1;
                continue;
            }
        }
        i += 1;
    }
}

/// Whether the name at `i`, after a comma, is in a FROM list (`FROM a, s.b`).
fn is_table_list_comma(toks: &[Tok], i: usize) -> bool {
    let mut depth = 0usize;
    for j in (0..i).rev() {
        match &toks[j] {
            Tok::Close => depth += 1,
            Tok::Open if depth == 0 => return false,
            Tok::Open => depth -= 1,
            Tok::Word(w) if depth == 0 => {
                let w = w.to_ascii_uppercase();
                if w == "FROM" || w == "JOIN" {
                    return true;
                }
                if ["SELECT", "WHERE", "ON", "SET", "VALUES", "GROUP", "ORDER", "HAVING", "RETURNING", "BY"]
                    .contains(&w.as_str())
                {
                    return false;
                }
            }
            _ => {}
        }
    }
    false
}

/// The tables a column reference may belong to, or `None` when it is not checked (a CTE's
/// or subquery's column, a select-list label, an unqualified name beside such a source).
pub(super) fn resolve(a: &Analysis, qualifier: Option<&Name>, column: &Name) -> Option<Vec<Name>> {
    // System columns every table has (SQLite's rowid, PostgreSQL's ctid, ...).
    const SYSTEM: &[&str] = &["rowid", "_rowid_", "oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"];
    if !column.quoted && SYSTEM.iter().any(|s| s.eq_ignore_ascii_case(&column.text)) {
        return None;
    }
    match qualifier {
        Some(q) => {
            if !q.quoted && q.text.eq_ignore_ascii_case("excluded") {
                return a.insert_target.clone().map(|t| vec![t]);
            }
            if let Some((_, table)) = a.aliases.iter().find(|(alias, _)| alias.same(q)) {
                return Some(vec![table.clone()]);
            }
            if a.opaque.iter().any(|o| o.same(q)) {
                return None;
            }
            Some(vec![q.clone()])
        }
        None => {
            if a.has_opaque_source || a.labels.iter().any(|l| l.same(column)) {
                return None;
            }
            let mut tables: Vec<Name> = Vec::new();
            for t in &a.tables {
                if !tables.iter().any(|x| x.same(t)) {
                    tables.push(t.clone());
                }
            }
            (!tables.is_empty()).then_some(tables)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(sql: &str) -> Analysis {
        analyze(&tokens(sql).unwrap())
    }

    fn names(v: &[Name]) -> Vec<&str> {
        v.iter().map(|n| n.text.as_str()).collect()
    }

    fn columns(a: &Analysis) -> Vec<String> {
        a.columns
            .iter()
            .map(|(q, c)| match q {
                Some(q) => format!("{}.{}", q.text, c.text),
                None => c.text.clone(),
            })
            .collect()
    }

    fn targets(a: &Analysis) -> Vec<String> {
        a.targets
            .iter()
            .map(|t| match &t.column {
                Some((Some(q), c)) => format!("{}->{}.{}", t.bind, q.text, c.text),
                Some((None, c)) => format!("{}->{}", t.bind, c.text),
                None => format!("{}->LIKE", t.bind),
            })
            .collect()
    }

    #[test]
    fn binds_are_found_like_the_runtime_finds_them() {
        let a = analysis(
            "SELECT :x::int, y::text, a[1:n] -- :c\n /* :d /* :e */ :f */, ':s', \":q\", $$ :g $$, E'\\':h', :y, :x",
        );
        assert_eq!(a.binds, ["x", "y"]);
        assert!(tokens("SELECT 'open").is_err());
        assert!(tokens("SELECT \"open").is_err());
        assert!(tokens("SELECT /* open").is_err());
    }

    #[test]
    fn operators_next_to_binds_and_comments() {
        let a = analysis("SELECT id FROM users WHERE age>:age AND name=:name AND id<>:id --:c\n");
        assert_eq!(a.binds, ["age", "name", "id"]);
        assert_eq!(targets(&a), ["age->age", "name->name", "id->id"]);
        let a = analysis("INSERT INTO users AS u (name) VALUES (:name)");
        assert_eq!(targets(&a), ["name->users.name"]);
    }

    #[test]
    fn keywords_where_a_table_name_goes_are_noted() {
        let a = analysis("SELECT name FROM user JOIN \"order\" o ON o.id = 1");
        assert_eq!(a.keyword_tables, ["user"]);
        assert_eq!(names(&a.tables), ["order"]);
        let a = analysis("SELECT x FROM ROWS FROM (generate_series(1, 3)) AS t(x), LATERAL (SELECT 1) s");
        assert!(a.keyword_tables.is_empty(), "{:?}", a.keyword_tables);
        let a = analysis("SELECT EXTRACT(YEAR FROM created) FROM users");
        assert!(a.keyword_tables.is_empty(), "{:?}", a.keyword_tables);
    }

    #[test]
    fn tables_aliases_and_qualified_columns() {
        let a = analysis(
            "SELECT u.name, orders.total, o.id FROM users AS u JOIN orders o ON o.user_id = u.id \
             LEFT JOIN public.items i ON i.order_id = o.id WHERE u.age > :age",
        );
        assert_eq!(names(&a.tables), ["users", "orders", "items"]);
        assert_eq!(
            a.aliases.iter().map(|(a, t)| format!("{}={}", a.text, t.text)).collect::<Vec<_>>(),
            ["u=users", "o=orders", "i=items"]
        );
        assert_eq!(columns(&a), ["u.name", "orders.total", "o.id", "o.user_id", "u.id", "i.order_id", "o.id", "u.age"]);
        assert_eq!(targets(&a), ["age->u.age"]);
    }

    #[test]
    fn unqualified_columns_in_plain_positions() {
        let a = analysis(
            "SELECT name, count(*) AS n, age + 1 older FROM users WHERE nmae = 'x' AND email IS NULL AND n > :n",
        );
        assert_eq!(columns(&a), ["name", "nmae", "email", "n"]);
        assert_eq!(names(&a.labels), ["n", "older"]);
        assert_eq!(targets(&a), ["n->n"]);
        assert!(resolve(&a, None, &Name { text: "n".into(), quoted: false }).is_none());
    }

    #[test]
    fn insert_update_delete() {
        let a = analysis(
            "INSERT INTO users (name, age) VALUES (:name, :age), (lower(:n2), :a2) \
             ON CONFLICT (name) DO UPDATE SET age = excluded.age",
        );
        assert_eq!(names(&a.tables), ["users"]);
        assert_eq!(targets(&a), ["name->users.name", "age->users.age", "a2->users.age"]);
        assert!(columns(&a).contains(&"users.age".to_owned()));
        assert_eq!(
            resolve(
                &a,
                Some(&Name { text: "excluded".into(), quoted: false }),
                &Name { text: "age".into(), quoted: false }
            )
            .map(|t| names(&t).join(",")),
            Some("users".into())
        );

        let a =
            analysis("UPDATE users SET age = :age, \"name\" = :name WHERE id IN (:a, :b) AND age BETWEEN :lo AND :hi");
        assert_eq!(names(&a.tables), ["users"]);
        assert_eq!(targets(&a), ["age->age", "name->name", "a->id", "b->id", "lo->age", "hi->age"]);
        let a = analysis("DELETE FROM orders USING users WHERE orders.user_id = users.id AND users.name LIKE :p");
        assert_eq!(names(&a.tables), ["orders", "users"]);
        assert_eq!(targets(&a), ["p->LIKE"]);
    }

    #[test]
    fn what_is_not_checked() {
        let a = analysis(
            "WITH big AS (SELECT user_id, sum(total) AS s FROM orders GROUP BY user_id) \
             SELECT b.s, EXTRACT(YEAR FROM now()) FROM big b, (SELECT 1 AS one) AS x WHERE b.s > :min + 1 AND s = :s",
        );
        assert_eq!(names(&a.tables), ["orders"]);
        assert!(a.has_opaque_source);
        assert!(resolve(
            &a,
            Some(&Name { text: "b".into(), quoted: false }),
            &Name { text: "s".into(), quoted: false }
        )
        .is_none());
        assert_eq!(targets(&a), ["s->s"]);
        assert!(resolve(&a, None, &Name { text: "s".into(), quoted: false }).is_none());
        let a = analysis("SELECT x FROM json_each(:doc) AS j WHERE a IS DISTINCT FROM b");
        assert!(a.tables.is_empty());
    }
}
