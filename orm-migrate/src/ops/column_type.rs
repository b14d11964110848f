//! [`ColumnType`]: a column's type in an operation, and how a migration file names it.

use orm_runtime::types::SqlKind;

/// A column's type: neutral (named by each database as the models' types are), or SQL text
/// written for one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    /// A model type: `VARCHAR(n)` for text with a length, `NUMERIC(p, s)` with a precision.
    Neutral {
        /// The SQL type.
        kind: SqlKind,
        /// `VARCHAR(n)` (text only).
        max_length: Option<u32>,
        /// `NUMERIC(precision, scale)` (decimals only).
        numeric: Option<(u32, u32)>,
    },
    /// The type's SQL text, used as is.
    Sql(String),
}

impl ColumnType {
    /// The neutral type `kind`.
    pub fn of(kind: SqlKind) -> Self {
        ColumnType::Neutral { kind, max_length: None, numeric: None }
    }

    /// `VARCHAR(n)`.
    pub fn text(max_length: u32) -> Self {
        ColumnType::Neutral { kind: SqlKind::Text, max_length: Some(max_length), numeric: None }
    }
}

/// `bigint`, `varchar(40)`, `numeric(10, 2)`, ... (the model types), or `sql:TEXT` for a
/// database's own type written as is.
pub(crate) mod serde_form {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{name_of, parse, ColumnType};

    pub(crate) fn serialize<S: Serializer>(t: &ColumnType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&name_of(t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ColumnType, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// The same, for an optional type.
    pub(crate) mod optional {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::super::{name_of, parse, ColumnType};

        pub(crate) fn serialize<S: Serializer>(t: &Option<ColumnType>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&name_of(t)),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ColumnType>, D::Error> {
            let text = String::deserialize(d)?;
            parse(&text).map(Some).map_err(serde::de::Error::custom)
        }
    }
}

/// The names of the model types, as a file writes them.
const KINDS: &[(&str, SqlKind)] = &[
    ("smallint", SqlKind::SmallInt),
    ("integer", SqlKind::Integer),
    ("bigint", SqlKind::BigInt),
    ("real", SqlKind::Real),
    ("double", SqlKind::Double),
    ("boolean", SqlKind::Boolean),
    ("text", SqlKind::Text),
    ("blob", SqlKind::Blob),
    ("json", SqlKind::Json),
    ("uuid", SqlKind::Uuid),
    ("timestamp", SqlKind::Timestamp),
    ("timestamptz", SqlKind::TimestampTz),
    ("date", SqlKind::Date),
    ("time", SqlKind::Time),
    ("numeric", SqlKind::Numeric),
];

/// A type's name in a file.
pub(crate) fn name_of(t: &ColumnType) -> String {
    match t {
        ColumnType::Sql(sql) => format!("sql:{sql}"),
        ColumnType::Neutral { kind, max_length, numeric } => {
            let base = KINDS.iter().find(|(_, k)| k == kind).map_or("text", |(n, _)| *n);
            match (kind, max_length, numeric) {
                (SqlKind::Text, Some(n), _) => format!("varchar({n})"),
                (SqlKind::Numeric, _, Some((p, s))) => format!("numeric({p}, {s})"),
                _ => base.to_owned(),
            }
        }
    }
}

/// The type a file names.
pub(crate) fn parse(text: &str) -> Result<ColumnType, String> {
    if let Some(sql) = text.strip_prefix("sql:") {
        return Ok(ColumnType::Sql(sql.trim().to_owned()));
    }
    let lower = text.trim().to_ascii_lowercase();
    let (base, args) = match lower.split_once('(') {
        Some((base, rest)) => {
            let inner = rest.strip_suffix(')').ok_or_else(|| format!("type `{text}`: missing `)`"))?;
            (base.trim(), Some(inner))
        }
        None => (lower.as_str(), None),
    };
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("type `{text}`: `{s}` is not a number"));
    match (base, args) {
        ("varchar", Some(n)) => Ok(ColumnType::text(number(n)?)),
        ("numeric", Some(ps)) => {
            let (p, s) = ps.split_once(',').ok_or_else(|| format!("type `{text}`: write numeric(precision, scale)"))?;
            Ok(ColumnType::Neutral {
                kind: SqlKind::Numeric,
                max_length: None,
                numeric: Some((number(p)?, number(s)?)),
            })
        }
        (base, None) => KINDS.iter().find(|(n, _)| *n == base).map(|(_, k)| ColumnType::of(*k)).ok_or_else(|| {
            let known: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown type `{text}`: one of {}, varchar(n), numeric(p, s), or sql:<the database's own type>",
                known.join(", ")
            )
        }),
        _ => Err(format!("type `{text}` takes no arguments")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_read_back_as_written() {
        for t in [
            ColumnType::of(SqlKind::BigInt),
            ColumnType::text(40),
            ColumnType::Neutral { kind: SqlKind::Numeric, max_length: None, numeric: Some((10, 2)) },
            ColumnType::of(SqlKind::TimestampTz),
            ColumnType::Sql("CITEXT".into()),
        ] {
            assert_eq!(parse(&name_of(&t)), Ok(t));
        }
        assert_eq!(parse("VARCHAR(12)"), Ok(ColumnType::text(12)));
        assert!(parse("bigints").unwrap_err().contains("unknown type `bigints`"));
        assert!(parse("varchar(x)").unwrap_err().contains("not a number"));
    }
}
