//! Comparing what a model renders with what a database reports: types, defaults, and which
//! type changes can lose data.

use orm_runtime::dialect::DialectKind;
use orm_runtime::types::SqlKind;

use crate::ops::ColumnType;
use crate::sql_text::encloses;

/// A type's text in one canonical spelling of the database: what PostgreSQL's `format_type`
/// prints for the names the models render, and SQLite's type affinity (SQLite stores values
/// by affinity only: `VARCHAR(40)` and `TEXT` are the same column to it).
pub(crate) fn canonical_type(kind: DialectKind, sql: &str) -> String {
    let lower = sql.trim().to_ascii_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    match kind {
        DialectKind::Sqlite => sqlite_affinity(&lower).to_owned(),
        DialectKind::Postgres => {
            let lower = lower.replace(", ", ",");
            let (base, args) = match lower.split_once('(') {
                Some((b, rest)) => (b.trim().to_owned(), format!("({rest}")),
                None => (lower.clone(), String::new()),
            };
            let base = match base.as_str() {
                "varchar" => "character varying",
                "char" => "character",
                "timestamp" => "timestamp without time zone",
                "timestamptz" => "timestamp with time zone",
                "time" => "time without time zone",
                "int" | "int4" => "integer",
                "int8" => "bigint",
                "int2" => "smallint",
                "float8" => "double precision",
                "float4" => "real",
                "bool" => "boolean",
                other => other,
            };
            format!("{base}{args}")
        }
    }
}

/// SQLite's type affinity of a declared type (its documented rules, in order).
fn sqlite_affinity(declared: &str) -> &'static str {
    let upper = declared.to_ascii_uppercase();
    if upper.contains("INT") {
        "integer"
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|w| upper.contains(w)) {
        "text"
    } else if upper.contains("BLOB") || upper.is_empty() {
        "blob"
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|w| upper.contains(w)) {
        "real"
    } else {
        "numeric"
    }
}

/// The model type a database's type name stands for (as the models render them, or as
/// PostgreSQL prints them), if it is one.
pub(crate) fn neutral_of(sql: &str) -> Option<ColumnType> {
    let canonical = canonical_type(DialectKind::Postgres, sql);
    let (base, args) = match canonical.split_once('(') {
        Some((b, rest)) => (b.to_owned(), rest.strip_suffix(')').map(str::to_owned)),
        None => (canonical.clone(), None),
    };
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let of = |k| Some(ColumnType::of(k));
    match (base.as_str(), args.as_deref()) {
        ("smallint", None) => of(SqlKind::SmallInt),
        ("integer", None) => of(SqlKind::Integer),
        ("bigint", None) => of(SqlKind::BigInt),
        ("real", None) => of(SqlKind::Real),
        ("double precision", None) => of(SqlKind::Double),
        ("boolean", None) => of(SqlKind::Boolean),
        ("text", None) => of(SqlKind::Text),
        ("character varying", Some(n)) => number(n).map(ColumnType::text),
        ("bytea" | "blob", None) => of(SqlKind::Blob),
        ("json" | "jsonb", None) => of(SqlKind::Json),
        ("uuid", None) => of(SqlKind::Uuid),
        ("timestamp without time zone", None) => of(SqlKind::Timestamp),
        ("timestamp with time zone", None) => of(SqlKind::TimestampTz),
        ("date", None) => of(SqlKind::Date),
        ("time without time zone", None) => of(SqlKind::Time),
        ("numeric", None) => of(SqlKind::Numeric),
        ("numeric", Some(ps)) => {
            let (p, s) = ps.split_once(',')?;
            Some(ColumnType::Neutral {
                kind: SqlKind::Numeric,
                max_length: None,
                numeric: Some((number(p)?, number(s)?)),
            })
        }
        _ => None,
    }
}

/// A default's SQL with what PostgreSQL adds when it prints one back taken off: a cast of
/// the whole value (`'x'::text`, `0::bigint`) and enclosing parentheses.
pub(crate) fn canonical_default(sql: &str) -> String {
    let mut s = sql.trim().to_owned();
    loop {
        let before = s.clone();
        if s.starts_with('(') && s.ends_with(')') && encloses(&s) {
            s = s[1..s.len() - 1].trim().to_owned();
        }
        if let Some(at) = top_level_cast(&s) {
            s = s[..at].trim().to_owned();
        }
        if s == before {
            return s;
        }
    }
}

/// Where a cast (`::type`) of the whole expression starts, outside quotes and parentheses.
fn top_level_cast(s: &str) -> Option<usize> {
    let (mut depth, mut quoted, mut last) = (0usize, false, None);
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.saturating_sub(1),
            b':' if !quoted && depth == 0 && bytes.get(i + 1) == Some(&b':') && (i == 0 || bytes[i - 1] != b':') => {
                last.get_or_insert(i);
            }
            _ => {}
        }
    }
    // Only the type follows: words, spaces, a length.
    last.filter(|&at| s[at + 2..].chars().all(|c| c.is_ascii_alphanumeric() || " _(),\"".contains(c)))
}

/// Whether values of `from` may not fit in `to` (a narrower integer or float, a shorter
/// text, fewer digits, text or numbers to something else): a change that can lose data.
/// Types this cannot compare (SQL text of one database) count as narrowing.
pub(crate) fn narrows(from: &ColumnType, to: &ColumnType) -> bool {
    use SqlKind::*;
    let (
        ColumnType::Neutral { kind: a, max_length: la, numeric: na },
        ColumnType::Neutral { kind: b, max_length: lb, numeric: nb },
    ) = (from, to)
    else {
        return from != to;
    };
    let rank = |k: &SqlKind| match k {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        _ => None,
    };
    match (a, b) {
        (x, y) if x == y => match (x, la, lb, na, nb) {
            (Text, None, Some(_), _, _) => true,
            (Text, Some(m), Some(n), _, _) => n < m,
            (Numeric, _, _, Some((p1, s1)), Some((p2, s2))) => p2 < p1 || s2 < s1,
            (Numeric, _, _, None, Some(_)) => true,
            _ => false,
        },
        (x, y) if rank(x).is_some() && rank(y).is_some() => rank(y) < rank(x),
        // Widening: an integer to a wider number or to text, a float to a double.
        (SmallInt | Integer | BigInt, Double | Numeric | Text) | (Real, Double) => false,
        (_, Text) => lb.is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_spellings_meet() {
        let pg = |s| canonical_type(DialectKind::Postgres, s);
        assert_eq!(pg("VARCHAR(40)"), pg("character varying(40)"));
        assert_eq!(pg("TIMESTAMPTZ"), pg("timestamp with time zone"));
        assert_eq!(pg("NUMERIC(10, 2)"), pg("numeric(10,2)"));
        assert_eq!(pg("DOUBLE PRECISION"), pg("double precision"));
        assert_ne!(pg("BIGINT"), pg("integer"));
    }

    #[test]
    fn sqlite_compares_affinities() {
        let lite = |s| canonical_type(DialectKind::Sqlite, s);
        assert_eq!(lite("VARCHAR(40)"), lite("TEXT"));
        assert_eq!(lite("BIGINT"), lite("INTEGER"));
        assert_ne!(lite("BLOB"), lite("TEXT"));
        assert_eq!(lite("BOOLEAN"), "numeric");
    }

    #[test]
    fn defaults_lose_what_postgres_adds() {
        assert_eq!(canonical_default("'active'::text"), "'active'");
        assert_eq!(canonical_default("'a::b'::character varying"), "'a::b'");
        assert_eq!(canonical_default("(0)"), "0");
        assert_eq!(canonical_default("now()"), "now()");
    }

    #[test]
    fn narrowing_changes_are_told_apart_from_widening_ones() {
        let of = ColumnType::of;
        assert!(narrows(&of(SqlKind::BigInt), &of(SqlKind::Integer)));
        assert!(!narrows(&of(SqlKind::Integer), &of(SqlKind::BigInt)));
        assert!(narrows(&ColumnType::text(80), &ColumnType::text(40)));
        assert!(!narrows(&ColumnType::text(40), &of(SqlKind::Text)));
        assert!(narrows(&of(SqlKind::Text), &ColumnType::text(40)));
        assert!(narrows(&of(SqlKind::Text), &of(SqlKind::Integer)));
        assert!(!narrows(&of(SqlKind::Integer), &of(SqlKind::Text)));
    }
}
