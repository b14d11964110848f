//! Reading rendered statement text back: which table and column a bound parameter is
//! written to (naming them in the errors of a driver that does not).

/// The table a rendered statement writes and the column its parameter `$k` goes to, as far
/// as the SQL shows them (for naming them in an error from the server).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn written_target(sql: &str, k: usize) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = sql.split_whitespace().take(3).collect();
    let table = match words.as_slice() {
        [insert, into, t, ..] if insert.eq_ignore_ascii_case("INSERT") && into.eq_ignore_ascii_case("INTO") => {
            Some(unquote(t.split('(').next().unwrap_or(t)))
        }
        [update, t, ..] if update.eq_ignore_ascii_case("UPDATE") => Some(unquote(t)),
        _ => None,
    };
    let Some(at) = placeholder_at(sql, k) else { return (table, None) };
    let before = sql[..at].trim_end();
    // `"col" = $k` (SET or WHERE).
    if let Some(lhs) = before.strip_suffix('=').filter(|b| !b.ends_with(['<', '>', '!'])) {
        let lhs = lhs.trim_end();
        let start = match lhs.strip_suffix('"') {
            Some(inner) => inner.rfind('"'),
            None => lhs.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map(|i| i + 1).or(Some(0)),
        };
        let col = start.map(|s| unquote(&lhs[s..])).filter(|c| !c.is_empty());
        return (table, col);
    }
    // `INSERT INTO t (a, b) VALUES (.., $k, ..)`: its position in its row.
    let upper = sql.to_ascii_uppercase();
    let (Some(values), Some(open)) = (upper.find(" VALUES"), sql.find('(')) else { return (table, None) };
    if open > values || at < values {
        return (table, None);
    }
    let Some(row_open) = sql[..at].rfind('(') else { return (table, None) };
    let position = sql[row_open..at].matches(',').count();
    let close = sql[open..].find(')').map_or(open, |c| open + c);
    let col = sql[open + 1..close].split(',').nth(position).map(|c| unquote(c.trim()));
    (table, col)
}

/// Where `$k` is in `sql` (not `$k0`, `$k1`, ...).
fn placeholder_at(sql: &str, k: usize) -> Option<usize> {
    let token = format!("${k}");
    let mut from = 0;
    while let Some(i) = sql[from..].find(&token) {
        let at = from + i;
        let end = at + token.len();
        if !sql[end..].starts_with(|c: char| c.is_ascii_digit()) {
            return Some(at);
        }
        from = end;
    }
    None
}

/// `"name"` -> `name` (doubled quotes undone); a bare name as is.
fn unquote(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_targets_are_read_from_the_statement() {
        let t = |sql: &str, k| written_target(sql, k);
        let s = |a: &str, b: &str| (Some(a.to_owned()), Some(b.to_owned()));
        assert_eq!(t(r#"INSERT INTO "users" ("name", "note") VALUES ($1, $2), ($3, $4)"#, 4), s("users", "note"));
        assert_eq!(t(r#"INSERT INTO "users" ("name", "note") VALUES ($1, $2) RETURNING "id""#, 1), s("users", "name"));
        assert_eq!(t(r#"UPDATE "users" SET "name" = $1, "note" = $2 WHERE "users"."id" = $3"#, 2), s("users", "note"));
        assert_eq!(t("UPDATE users SET note = $12 WHERE id = $1", 12), s("users", "note"));
        assert_eq!(t("INSERT INTO notes(body) VALUES ($1)", 1), s("notes", "body"));
        assert_eq!(t("SELECT $1", 1), (None, None));
    }
}
