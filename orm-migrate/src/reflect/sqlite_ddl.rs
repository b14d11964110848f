//! What SQLite keeps only in the text of its `CREATE TABLE` / `CREATE INDEX` statements:
//! constraint names, CHECK conditions, index expressions and predicates.
//!
//! The text is the one SQLite stored in `sqlite_schema`, so it is valid SQL; what this reader
//! does not recognise it skips (a name is then `None`), never fails on.

use orm_sql_lexer::{Token, TokenKind};

/// Constraints as a `CREATE TABLE` statement declares them, in their order there.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeclaredConstraints {
    /// The name of the primary key constraint, if it has one.
    pub(crate) primary_key_name: Option<String>,
    /// UNIQUE constraints: name, columns.
    pub(crate) uniques: Vec<(Option<String>, Vec<String>)>,
    /// CHECK constraints: name, condition text.
    pub(crate) checks: Vec<(Option<String>, String)>,
    /// Foreign keys: name, referencing columns.
    pub(crate) foreign_keys: Vec<(Option<String>, Vec<String>)>,
}

/// The meaningful tokens of `sql` (no whitespace or comments); none if it does not lex.
fn tokens(sql: &str) -> Vec<Token<'_>> {
    orm_sql_lexer::tokenize(sql).map(|t| t.into_iter().filter(|t| !t.is_trivia()).collect()).unwrap_or_default()
}

/// The name a token spells: a bare word, a quoted identifier, or a string used as a name.
fn name_of(t: &Token<'_>) -> Option<String> {
    match t.kind {
        TokenKind::Word => Some(t.text.to_owned()),
        TokenKind::QuotedIdent(_) => t.identifier().map(|c| c.into_owned()),
        TokenKind::String(_) => t.text.get(1..t.text.len().saturating_sub(1)).map(|s| s.replace("''", "'")),
        _ => None,
    }
}

fn is_word(t: Option<&Token<'_>>, word: &str) -> bool {
    t.is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(word))
}

/// The index of the parenthesis closing the one at `open`.
fn closing(toks: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The slices of `toks` between depth-0 commas.
fn split_top_level<'t, 'a>(toks: &'t [Token<'a>]) -> Vec<&'t [Token<'a>]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            TokenKind::Comma if depth == 0 => {
                parts.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&toks[start..]);
    parts
}

/// The source text from token `from` to token `to` (both included).
fn text_between<'a>(sql: &'a str, from: &Token<'_>, to: &Token<'_>) -> &'a str {
    sql.get(from.offset..to.offset + to.text.len()).unwrap_or_default().trim()
}

/// The names in the parenthesised list starting at `open` (`(a, "b")`), and the index of
/// its closing parenthesis.
fn name_list(toks: &[Token<'_>], open: usize) -> Option<(Vec<String>, usize)> {
    if toks.get(open)?.kind != TokenKind::OpenParen {
        return None;
    }
    let close = closing(toks, open)?;
    let names =
        split_top_level(&toks[open + 1..close]).iter().filter_map(|part| part.first().and_then(name_of)).collect();
    Some((names, close))
}

/// The condition of `CHECK (...)` whose parenthesis is at `open`, and its closing index.
fn check_condition(sql: &str, toks: &[Token<'_>], open: usize) -> Option<(String, usize)> {
    if toks.get(open)?.kind != TokenKind::OpenParen {
        return None;
    }
    let close = closing(toks, open)?;
    if close == open + 1 {
        return Some((String::new(), close));
    }
    Some((text_between(sql, &toks[open + 1], &toks[close - 1]).to_owned(), close))
}

/// The constraints a `CREATE TABLE` statement declares.
pub(crate) fn declared_constraints(sql: &str) -> DeclaredConstraints {
    let toks = tokens(sql);
    let mut out = DeclaredConstraints::default();
    let Some(open) = toks.iter().position(|t| t.kind == TokenKind::OpenParen) else { return out };
    let Some(close) = closing(&toks, open) else { return out };
    for element in split_top_level(&toks[open + 1..close]) {
        let Some(first) = element.first() else { continue };
        let table_level = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|w| first.kind == TokenKind::Word && first.text.eq_ignore_ascii_case(w));
        if table_level {
            table_constraint(sql, element, &mut out);
        } else if let Some(column) = name_of(first) {
            column_constraints(sql, &column, &element[1..], &mut out);
        }
    }
    out
}

/// `[CONSTRAINT name] PRIMARY KEY (..) | UNIQUE (..) | CHECK (..) | FOREIGN KEY (..) ...`.
fn table_constraint(sql: &str, toks: &[Token<'_>], out: &mut DeclaredConstraints) {
    let (name, at) = if is_word(toks.first(), "CONSTRAINT") { (toks.get(1).and_then(name_of), 2) } else { (None, 0) };
    let keyword = toks.get(at);
    if is_word(keyword, "PRIMARY") {
        out.primary_key_name = name;
    } else if is_word(keyword, "UNIQUE") {
        if let Some((cols, _)) = name_list(toks, at + 1) {
            out.uniques.push((name, cols));
        }
    } else if is_word(keyword, "CHECK") {
        if let Some((cond, _)) = check_condition(sql, toks, at + 1) {
            out.checks.push((name, cond));
        }
    } else if is_word(keyword, "FOREIGN") {
        if let Some((cols, _)) = name_list(toks, at + 2) {
            out.foreign_keys.push((name, cols));
        }
    }
}

/// The constraints written after a column's name and type.
fn column_constraints(sql: &str, column: &str, toks: &[Token<'_>], out: &mut DeclaredConstraints) {
    let mut name: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.kind == TokenKind::OpenParen {
            // A type's arguments or a DEFAULT expression: nothing declared inside.
            i = closing(toks, i).map_or(toks.len(), |c| c + 1);
            continue;
        }
        if t.kind != TokenKind::Word {
            i += 1;
            continue;
        }
        let word = t.text.to_ascii_uppercase();
        match word.as_str() {
            "CONSTRAINT" => {
                name = toks.get(i + 1).and_then(name_of);
                i += 2;
                continue;
            }
            "PRIMARY" => out.primary_key_name = name.take(),
            "UNIQUE" => out.uniques.push((name.take(), vec![column.to_owned()])),
            "REFERENCES" => out.foreign_keys.push((name.take(), vec![column.to_owned()])),
            "CHECK" => {
                if let Some((cond, close)) = check_condition(sql, toks, i + 1) {
                    out.checks.push((name.take(), cond));
                    i = close + 1;
                    continue;
                }
            }
            "NOT" | "NULL" | "DEFAULT" | "COLLATE" | "GENERATED" | "AS" => {
                name = None;
            }
            _ => {}
        }
        i += 1;
    }
}

/// The key expressions of a `CREATE INDEX` statement, as written (a plain column unquoted).
pub(crate) fn index_keys(sql: &str) -> Vec<String> {
    let toks = tokens(sql);
    let Some(on) = toks.iter().position(|t| is_word(Some(t), "ON")) else { return Vec::new() };
    let Some(open) = toks.iter().skip(on).position(|t| t.kind == TokenKind::OpenParen).map(|p| p + on) else {
        return Vec::new();
    };
    let Some(close) = closing(&toks, open) else { return Vec::new() };
    split_top_level(&toks[open + 1..close])
        .into_iter()
        .filter_map(|part| match part {
            [one] => name_of(one),
            [first, .., last] => Some(text_between(sql, first, last).to_owned()),
            [] => None,
        })
        .collect()
}

/// The `WHERE` condition of a partial `CREATE INDEX` statement.
pub(crate) fn index_predicate(sql: &str) -> Option<String> {
    let toks = tokens(sql);
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            TokenKind::Word if depth == 0 && t.text.eq_ignore_ascii_case("WHERE") => {
                let rest = toks.get(i + 1..)?;
                let last = rest.iter().rposition(|t| t.kind != TokenKind::Semicolon)?;
                return Some(text_between(sql, &rest[0], &rest[last]).to_owned());
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_conditions_of_the_orm_s_own_ddl() {
        let sql = "CREATE TABLE \"users\" (\n    \"id\" INTEGER PRIMARY KEY,\n    \"name\" VARCHAR(40) NOT NULL \
                   CONSTRAINT \"uq_users_name\" UNIQUE,\n    \"total\" DOUBLE PRECISION NOT NULL CONSTRAINT \
                   \"ck_users_total\" CHECK (total >= 0),\n    \"user_id\" BIGINT NOT NULL CONSTRAINT \
                   \"fk_orders_user_id\" REFERENCES \"users\" (\"id\") ON DELETE CASCADE,\n    CONSTRAINT \
                   \"uq_pair\" UNIQUE (\"name\", \"total\"),\n    CONSTRAINT \"ck_users_0\" CHECK (length(name) \
                   > (1 + 0))\n)";
        let d = declared_constraints(sql);
        assert_eq!(d.primary_key_name, None);
        assert_eq!(
            d.uniques,
            vec![
                (Some("uq_users_name".into()), vec!["name".into()]),
                (Some("uq_pair".into()), vec!["name".into(), "total".into()])
            ]
        );
        assert_eq!(
            d.checks,
            vec![
                (Some("ck_users_total".into()), "total >= 0".into()),
                (Some("ck_users_0".into()), "length(name) > (1 + 0)".into())
            ]
        );
        assert_eq!(d.foreign_keys, vec![(Some("fk_orders_user_id".into()), vec!["user_id".into()])]);
    }

    #[test]
    fn table_level_keys_unnamed_constraints_and_defaults_with_parentheses() {
        let sql = "create table t (a int default (1 + 2) check (a > 0), b text unique, \
                   constraint pk_t primary key (a, b), foreign key (b) references u (x), check (b <> ''))";
        let d = declared_constraints(sql);
        assert_eq!(d.primary_key_name.as_deref(), Some("pk_t"));
        assert_eq!(d.uniques, vec![(None, vec!["b".into()])]);
        assert_eq!(d.checks, vec![(None, "a > 0".into()), (None, "b <> ''".into())]);
        assert_eq!(d.foreign_keys, vec![(None, vec!["b".into()])]);
    }

    #[test]
    fn index_keys_and_predicates() {
        let sql = "CREATE UNIQUE INDEX \"ix\" ON \"t\" (\"a\", lower(b), c DESC) WHERE a > 0 AND (b IS NOT NULL)";
        assert_eq!(index_keys(sql), vec!["a".to_owned(), "lower(b)".into(), "c DESC".into()]);
        assert_eq!(index_predicate(sql).as_deref(), Some("a > 0 AND (b IS NOT NULL)"));
        assert_eq!(index_predicate("CREATE INDEX i ON t (a)"), None);
    }
}
