//! Driver errors -> [`Error`], on both backends, naming tables and columns where the
//! database says which.

use crate::error::Error;

/// Map a rusqlite error. `table` is the table the statement writes, when known (SQLite does
/// not name the table of a failed foreign key).
pub(crate) fn from_sqlite(e: rusqlite::Error, table: Option<&str>) -> Error {
    use rusqlite::ffi;
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            let message = msg.unwrap_or_else(|| code.to_string());
            match code.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    let (t, columns) = table_columns(&message);
                    Error::UniqueViolation {
                        table: t.unwrap_or_else(|| table.unwrap_or_default().to_owned()),
                        columns,
                        message,
                    }
                }
                ffi::SQLITE_CONSTRAINT_NOTNULL => {
                    let (t, columns) = table_columns(&message);
                    Error::NotNullViolation {
                        table: t.unwrap_or_else(|| table.unwrap_or_default().to_owned()),
                        column: columns.into_iter().next().unwrap_or_default(),
                    }
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Error::ForeignKeyViolation {
                    table: table.unwrap_or_default().to_owned(),
                    columns: Vec::new(),
                    message,
                },
                ffi::SQLITE_CONSTRAINT_CHECK => Error::CheckViolation {
                    table: table.unwrap_or_default().to_owned(),
                    constraint: message.strip_prefix("CHECK constraint failed: ").unwrap_or(&message).to_owned(),
                },
                _ => match code.code {
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => Error::Busy { message },
                    _ => Error::Database { code: Some(code.extended_code.to_string()), message },
                },
            }
        }
        rusqlite::Error::FromSqlConversionFailure(idx, ty, err) => Error::Decode {
            table: table.unwrap_or("query").to_owned(),
            column: format!("#{idx}"),
            expected: err.to_string(),
            found: ty.to_string(),
        },
        other => Error::Database { code: None, message: other.to_string() },
    }
}

/// "UNIQUE constraint failed: users.email, users.name" -> (users, [email, name]).
fn table_columns(message: &str) -> (Option<String>, Vec<String>) {
    let Some((_, list)) = message.split_once(": ") else { return (None, Vec::new()) };
    let mut table = None;
    let mut columns = Vec::new();
    for part in list.split(", ") {
        match part.split_once('.') {
            Some((t, c)) => {
                table.get_or_insert_with(|| t.to_owned());
                columns.push(c.to_owned());
            }
            None => columns.push(part.to_owned()),
        }
    }
    (table, columns)
}

/// Whether a postgres error means the connection is gone.
pub(crate) fn pg_is_disconnect(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03" | "57P05" | "25P03")
        }
        None => e.as_db_error().is_none() && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// Map a postgres error.
pub(crate) fn from_pg(e: postgres::Error, table: Option<&str>) -> Error {
    if pg_is_disconnect(&e) {
        return Error::ConnectionLost { message: e.to_string() };
    }
    let Some(db) = e.as_db_error() else {
        // Client-side failures (a parameter that does not serialize, ...) keep their cause.
        let message = match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        };
        return Error::Database { code: None, message };
    };
    let t = db.table().map(str::to_owned).unwrap_or_else(|| table.unwrap_or_default().to_owned());
    let message = db.message().to_owned();
    match db.code().code() {
        "23505" => Error::UniqueViolation { table: t, columns: key_columns(db.detail()), message },
        "23503" => Error::ForeignKeyViolation { table: t, columns: key_columns(db.detail()), message },
        "23502" => Error::NotNullViolation { table: t, column: db.column().unwrap_or_default().to_owned() },
        "23514" => Error::CheckViolation { table: t, constraint: db.constraint().unwrap_or_default().to_owned() },
        code => Error::Database { code: Some(code.to_owned()), message },
    }
}

/// "Key (a, b)=(1, 2) already exists." -> [a, b].
fn key_columns(detail: Option<&str>) -> Vec<String> {
    detail
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split_once(")="))
        .map(|(cols, _)| cols.split(", ").map(|c| c.trim_matches('"').to_owned()).collect())
        .unwrap_or_default()
}
