//! The version table: the heads of the applied revisions, one row each.

use orm_runtime::backend::Connection;
use orm_runtime::types::Value;

use super::graph::History;
use crate::error::Result;
use crate::ops::exec;
use crate::reflect;

/// The table's name (left out of what autogenerate compares).
pub const VERSION_TABLE: &str = "orm_version";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS orm_version (revision VARCHAR(64) NOT NULL PRIMARY KEY)";
const READ: &str = "SELECT revision FROM orm_version ORDER BY revision";

/// `$1` on PostgreSQL, `?1` on SQLite: the one placeholder these statements bind.
fn placeholder(conn: &Connection) -> String {
    let mut p = String::new();
    conn.dialect().push_placeholder(&mut p, 1);
    p
}

/// Create the table if it is not there.
pub(crate) fn ensure(conn: &mut Connection) -> Result<()> {
    exec(conn, CREATE)
}

/// The applied heads (none when the table does not exist yet).
pub fn heads(conn: &mut Connection) -> Result<Vec<String>> {
    // One catalog query, not the table's whole reflection.
    if !reflect::table_names(conn)?.iter().any(|t| t == VERSION_TABLE) {
        return Ok(Vec::new());
    }
    read(conn)
}

/// The applied heads; the table exists.
pub(crate) fn read(conn: &mut Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    conn.query(READ, &[], |r| {
        out.push(r.value::<String>(0)?);
        Ok(())
    })?;
    Ok(out)
}

fn delete(conn: &mut Connection, id: &str) -> Result<()> {
    let sql = format!("DELETE FROM orm_version WHERE revision = {}", placeholder(conn));
    conn.execute(&sql, &[Value::Text(id.to_owned())])?;
    Ok(())
}

fn insert(conn: &mut Connection, id: &str) -> Result<()> {
    let sql = format!("INSERT INTO orm_version (revision) VALUES ({})", placeholder(conn));
    conn.execute(&sql, &[Value::Text(id.to_owned())])?;
    Ok(())
}

/// The rows to delete and to insert when `id` is applied (`up`) or undone, the table
/// holding `heads`: applied, it replaces those of its parents that are heads; undone, its
/// parents become heads again unless another head still descends from them.
pub(crate) fn step(history: &History, heads: &[String], id: &str, up: bool) -> (Vec<String>, Vec<String>) {
    let parents: &[String] = history.get(id).map_or(&[], |r| r.parents.as_slice());
    if up {
        let deleted = parents.iter().filter(|p| heads.contains(p)).cloned().collect();
        (deleted, vec![id.to_owned()])
    } else {
        let remaining: Vec<&str> = heads.iter().map(String::as_str).filter(|h| *h != id).collect();
        let covered = history.closure(remaining);
        let inserted = parents.iter().filter(|p| !covered.contains(p.as_str())).cloned().collect();
        (vec![id.to_owned()], inserted)
    }
}

/// Record that `id` was applied (`up`) or undone.
pub(crate) fn record(conn: &mut Connection, history: &History, id: &str, up: bool) -> Result<()> {
    let heads = read(conn)?;
    let (deleted, inserted) = step(history, &heads, id, up);
    for d in &deleted {
        delete(conn, d)?;
    }
    for i in &inserted {
        insert(conn, i)?;
    }
    Ok(())
}

/// The statements of [`record`] with the ids written in (offline SQL); `heads` is updated.
pub(crate) fn record_sql(history: &History, heads: &mut Vec<String>, id: &str, up: bool) -> Vec<String> {
    let (deleted, inserted) = step(history, heads, id, up);
    heads.retain(|h| !deleted.contains(h));
    heads.extend(inserted.iter().cloned());
    let quoted = |id: &str| format!("'{}'", id.replace('\'', "''"));
    deleted
        .iter()
        .map(|d| format!("DELETE FROM orm_version WHERE revision = {}", quoted(d)))
        .chain(inserted.iter().map(|i| format!("INSERT INTO orm_version (revision) VALUES ({})", quoted(i))))
        .collect()
}

/// The statement creating the table.
pub(crate) const CREATE_SQL: &str = CREATE;

/// Make `heads` the table's rows, whatever they were.
pub(crate) fn replace(conn: &mut Connection, heads: &[&str]) -> Result<()> {
    for id in read(conn)? {
        delete(conn, &id)?;
    }
    for id in heads {
        insert(conn, id)?;
    }
    Ok(())
}
