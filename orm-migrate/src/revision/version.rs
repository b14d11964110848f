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
    if reflect::reflect_table(conn, VERSION_TABLE)?.is_none() {
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

/// `id` was applied: it replaces those of its parents that were heads.
pub(crate) fn applied(conn: &mut Connection, history: &History, id: &str) -> Result<()> {
    if let Some(r) = history.get(id) {
        for p in &r.parents {
            delete(conn, p)?;
        }
    }
    insert(conn, id)
}

/// `id` was undone: its parents become heads again, unless another head still descends
/// from them.
pub(crate) fn undone(conn: &mut Connection, history: &History, id: &str) -> Result<()> {
    delete(conn, id)?;
    let remaining = read(conn)?;
    let covered = history.closure(remaining.iter().map(String::as_str));
    if let Some(r) = history.get(id) {
        for p in &r.parents {
            if !covered.contains(p.as_str()) {
                insert(conn, p)?;
            }
        }
    }
    Ok(())
}

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
