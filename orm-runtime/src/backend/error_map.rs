//! Driver errors -> [`Error`], on both backends, naming tables and columns where the
//! database says which.

use crate::error::Error;

/// Map a rusqlite error. `table` is the table the statement writes, when known (SQLite does
/// not name the table of a failed foreign key).
#[cfg(feature = "sqlite")]
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
                    // 5, 6 and their extended codes (517 BUSY_SNAPSHOT, ...).
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                        let stale_snapshot = code.extended_code == ffi::SQLITE_BUSY_SNAPSHOT;
                        let message = if stale_snapshot {
                            format!("{message} (another connection committed since this transaction's first read)")
                        } else {
                            message
                        };
                        Error::Busy { message, stale_snapshot }
                    }
                    // 13: the file system, or `max_page_count`, is full.
                    rusqlite::ErrorCode::DiskFull => Error::DiskFull { message },
                    // 9: `sqlite3_interrupt` (the ORM's deadline rewrites it when it fired).
                    rusqlite::ErrorCode::OperationInterrupted => Error::Canceled { message },
                    // 18: a string or blob larger than SQLITE_MAX_LENGTH.
                    rusqlite::ErrorCode::TooBig => Error::ValueTooLarge { message },
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
#[cfg(feature = "sqlite")]
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

/// Whether a postgres error means the connection is gone: the client knows the socket is
/// closed, an I/O error talking to the server, SQLSTATE class 08, 57P01 (admin shutdown or
/// `pg_terminate_backend`), 57P02 (crash shutdown), 57P03 (cannot connect now), 57P05
/// (`idle_session_timeout`) and 25P03 (`idle_in_transaction_session_timeout`).
#[cfg(feature = "postgres")]
pub(crate) fn pg_is_disconnect(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03" | "57P05" | "25P03")
        }
        // Only `Kind::Io` ("error communicating with the server") means the socket failed; an
        // encoding error also carries an `io::Error` ("value too large to transmit") but
        // nothing was sent and the connection is fine.
        None => {
            e.as_db_error().is_none()
                && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
                && e.to_string().starts_with("error communicating with the server")
        }
    }
}

/// Whether a client-side postgres error is postgres-protocol's refusal of a value longer
/// than `i32::MAX` bytes (RUSTSEC-2024-0363 class: checked, nothing sent).
#[cfg(feature = "postgres")]
fn pg_value_too_large(e: &postgres::Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.to_string().contains("value too large to transmit"))
}

/// Map a postgres error.
#[cfg(feature = "postgres")]
pub(crate) fn from_pg(e: postgres::Error, table: Option<&str>) -> Error {
    if pg_is_disconnect(&e) {
        // The server's own words ("terminating connection due to administrator command"),
        // not the driver's bare "db error".
        let message = match (e.as_db_error(), std::error::Error::source(&e)) {
            (Some(db), _) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            (None, Some(cause)) => format!("{e}: {cause}"),
            (None, None) => e.to_string(),
        };
        return Error::Disconnected { message };
    }
    let Some(db) = e.as_db_error() else {
        // Client-side failures (a parameter that does not serialize, ...) keep their cause.
        let message = match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        };
        if pg_value_too_large(&e) {
            return Error::ValueTooLarge { message };
        }
        return Error::Database { code: None, message };
    };
    let t = db.table().map(str::to_owned).unwrap_or_else(|| table.unwrap_or_default().to_owned());
    let message = db.message().to_owned();
    match db.code().code() {
        "23505" => Error::UniqueViolation { table: t, columns: key_columns(db.detail()), message },
        "23503" => Error::ForeignKeyViolation { table: t, columns: key_columns(db.detail()), message },
        "23502" => Error::NotNullViolation { table: t, column: db.column().unwrap_or_default().to_owned() },
        "23514" => Error::CheckViolation { table: t, constraint: db.constraint().unwrap_or_default().to_owned() },
        "40001" => Error::Serialization { message },
        "40P01" => Error::Deadlock { message },
        "55P03" => Error::LockTimeout { message },
        // query_canceled: "canceling statement due to statement timeout" or "... user request".
        "57014" if message.contains("statement timeout") => Error::StatementTimeout { message },
        "57014" => Error::Canceled { message },
        // feature_not_supported is also raised for "cached plan must not change result type".
        "0A000" if db.routine() == Some("RevalidateCachedQuery") || message.contains("cached plan") => {
            Error::StaleStatement { message }
        }
        "53100" => Error::DiskFull { message },
        // character_not_in_repertoire: "invalid byte sequence for encoding \"UTF8\": 0x00".
        "22021" if message.contains("0x00") => Error::NulInText { table: None, column: None },
        code => Error::Database { code: Some(code.to_owned()), message },
    }
}

/// PostgreSQL text cannot hold a NUL character: a text parameter holding one is refused
/// before anything is sent (so an open transaction is not aborted), naming its table and
/// column as far as the statement shows them. One pass over the text parameters' bytes.
#[cfg(feature = "postgres")]
pub(crate) fn refuse_nul<P: crate::backend::BindParam>(sql: &str, params: &[P]) -> crate::error::Result<()> {
    match params.iter().position(|p| p.as_text().is_some_and(|t| t.as_bytes().contains(&0))) {
        None => Ok(()),
        Some(i) => {
            let (table, column) = crate::dialect::written_target(sql, i + 1);
            Err(Error::NulInText { table, column })
        }
    }
}

/// Name the table and column of an [`Error::NulInText`] from the statement and its
/// parameters (the error path only): the first text parameter holding a NUL is `$k`; its
/// column is the one it is assigned or compared to (`"col" = $k`), or its place in an
/// `INSERT INTO t (a, b, ..) VALUES (.., $k, ..)`.
#[cfg(feature = "postgres")]
pub(crate) fn name_nul_column<P: crate::backend::BindParam>(e: Error, sql: &str, params: &[P]) -> Error {
    let Error::NulInText { table: None, column: None } = e else { return e };
    let k = params.iter().position(|p| p.as_text().is_some_and(|t| t.contains('\0'))).map(|i| i + 1);
    let (table, column) = match k {
        Some(k) => crate::dialect::written_target(sql, k),
        None => (None, None),
    };
    Error::NulInText { table, column }
}

/// "Key (a, b)=(1, 2) already exists." -> [a, b].
#[cfg(feature = "postgres")]
fn key_columns(detail: Option<&str>) -> Vec<String> {
    detail
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split_once(")="))
        .map(|(cols, _)| cols.split(", ").map(|c| c.trim_matches('"').to_owned()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sqlite")]
    fn sqlite_failure(code: std::os::raw::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("m".into()))
    }

    #[test]
    fn sqlite_codes_map_to_the_taxonomy() {
        use rusqlite::ffi;
        assert!(matches!(
            from_sqlite(sqlite_failure(ffi::SQLITE_BUSY), None),
            Error::Busy { stale_snapshot: false, .. }
        ));
        assert!(matches!(
            from_sqlite(sqlite_failure(ffi::SQLITE_BUSY_SNAPSHOT), None),
            Error::Busy { stale_snapshot: true, .. }
        ));
        assert!(matches!(from_sqlite(sqlite_failure(ffi::SQLITE_LOCKED), None), Error::Busy { .. }));
        assert!(matches!(from_sqlite(sqlite_failure(ffi::SQLITE_FULL), None), Error::DiskFull { .. }));
        assert!(matches!(from_sqlite(sqlite_failure(ffi::SQLITE_INTERRUPT), None), Error::Canceled { .. }));
        assert!(matches!(from_sqlite(sqlite_failure(ffi::SQLITE_TOOBIG), None), Error::ValueTooLarge { .. }));
        let busy = from_sqlite(sqlite_failure(ffi::SQLITE_BUSY), None);
        assert!(busy.is_retryable() && !busy.is_disconnect());
    }

    #[test]
    fn classifiers_look_through_pending_rollback() {
        let e = Error::PendingRollback { original: Box::new(Error::Serialization { message: String::new() }) };
        assert!(e.is_retryable());
        assert!(matches!(e.root_cause(), Error::Serialization { .. }));
        let lost = Error::PendingRollback { original: Box::new(Error::Disconnected { message: String::new() }) };
        assert!(lost.is_disconnect() && lost.is_retryable());
        let unknown = Error::CommitOutcomeUnknown { message: String::new() };
        assert!(unknown.is_disconnect() && !unknown.is_retryable());
        assert!(Error::LockTimeout { message: String::new() }.is_timeout());
        assert!(!Error::LockTimeout { message: String::new() }.is_retryable());
    }
}
