//! The raw rusqlite baseline of Diesel's cases: an in-memory database (memdb, as the orm) with the tables
//! the orm creates on SQLite, and cached prepared statements.

use std::collections::HashMap;

use rusqlite::{params_from_iter, Connection, Row};

use crate::diesel_group::{group, keys};
use crate::diesel_model::{comments, posts, users, Seed, User};
use crate::diesel_raw::{
    users_with_posts_sql, DieselRaw, ListSql, PlainComment, PlainPost, PlainTree, PlainUser, USER_COLUMNS,
};
use crate::raw::BenchResult;

/// The tables the orm creates on SQLite (foreign keys enforced, as on the orm's connections).
const DDL: &str = "PRAGMA foreign_keys = ON;
    CREATE TABLE dc_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
    CREATE TABLE dc_posts (\
        id INTEGER PRIMARY KEY, \
        user_id BIGINT NOT NULL REFERENCES dc_users (id), \
        title TEXT NOT NULL, \
        body TEXT);
    CREATE TABLE dc_comments (\
        id INTEGER PRIMARY KEY, \
        post_id BIGINT NOT NULL REFERENCES dc_posts (id), \
        text TEXT NOT NULL)";
/// Children first (foreign keys); an `INTEGER PRIMARY KEY` of an empty table restarts at 1.
const RESET: &str = "DELETE FROM dc_comments; DELETE FROM dc_posts; DELETE FROM dc_users";

/// An in-memory SQLite database driven through rusqlite directly.
#[derive(Debug)]
pub(crate) struct DieselSqlite {
    conn: Connection,
    /// `SELECT ... FROM dc_users`.
    load: String,
    /// The medium complex query (hair colour `?1`).
    users_with_posts: String,
    /// The texts of the row-count-dependent statements used so far.
    texts: HashMap<(ListSql, usize), String>,
}

impl DieselSqlite {
    /// Open an in-memory database ([`crate::sqlite_raw::open_memory`]) and create the tables.
    pub(crate) fn open() -> BenchResult<Self> {
        let conn = crate::sqlite_raw::open_memory()?;
        conn.execute_batch(DDL)?;
        Ok(DieselSqlite {
            conn,
            load: format!("SELECT {USER_COLUMNS} FROM dc_users"),
            users_with_posts: users_with_posts_sql("?1"),
            texts: HashMap::new(),
        })
    }
}

/// The text of `kind` for `n` rows (built on first use; `?` placeholders).
fn text(texts: &mut HashMap<(ListSql, usize), String>, kind: ListSql, n: usize) -> &str {
    texts.entry((kind, n)).or_insert_with(|| kind.sql(n, |_| "?".into()))
}

/// Decode a user from columns `at..at + 3`.
fn decode_user(r: &Row<'_>, at: usize) -> rusqlite::Result<PlainUser> {
    Ok(PlainUser { id: r.get(at)?, name: r.get(at + 1)?, hair_color: r.get(at + 2)? })
}

/// Decode a post from columns `at..at + 4`.
fn decode_post(r: &Row<'_>, at: usize) -> rusqlite::Result<PlainPost> {
    Ok(PlainPost { id: r.get(at)?, user_id: r.get(at + 1)?, title: r.get(at + 2)?, body: r.get(at + 3)? })
}

/// Decode a comment.
fn decode_comment(r: &Row<'_>) -> rusqlite::Result<PlainComment> {
    Ok(PlainComment { id: r.get(0)?, post_id: r.get(1)?, text: r.get(2)? })
}

impl DieselSqlite {
    /// The rows of `SELECT ... WHERE key IN (keys)` (none without keys).
    fn select_in<T>(
        &mut self,
        kind: ListSql,
        keys: &[i64],
        decode: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> BenchResult<Vec<T>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let DieselSqlite { conn, texts, .. } = self;
        let mut stmt = conn.prepare_cached(text(texts, kind, keys.len()))?;
        let rows = stmt.query_map(params_from_iter(keys), decode)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

impl DieselRaw for DieselSqlite {
    fn reset(&mut self) -> BenchResult<()> {
        self.conn.execute_batch(RESET)?;
        Ok(())
    }

    fn seed(&mut self, seed: Seed) -> BenchResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO dc_users (name, hair_color) VALUES (?1, ?2)")?;
            let mut user_ids = Vec::with_capacity(seed.users);
            for u in users(seed.users, seed.hair) {
                insert.execute(rusqlite::params![u.name, u.hair_color])?;
                user_ids.push(tx.last_insert_rowid());
            }
            if seed.children {
                let mut insert = tx.prepare("INSERT INTO dc_posts (user_id, title, body) VALUES (?1, ?2, ?3)")?;
                let mut post_ids = Vec::new();
                for p in posts(&user_ids) {
                    insert.execute(rusqlite::params![p.user_id, p.title, p.body])?;
                    post_ids.push(tx.last_insert_rowid());
                }
                let mut insert = tx.prepare("INSERT INTO dc_comments (post_id, text) VALUES (?1, ?2)")?;
                for c in comments(&post_ids) {
                    insert.execute(rusqlite::params![c.post_id, c.text])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn count_users(&mut self) -> BenchResult<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM dc_users", [], |r| r.get(0))?)
    }

    fn load_users(&mut self) -> BenchResult<Vec<PlainUser>> {
        let mut stmt = self.conn.prepare_cached(&self.load)?;
        let rows = stmt.query_map([], |r| decode_user(r, 0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn users_with_posts(&mut self, hair: &str) -> BenchResult<Vec<(PlainUser, Option<PlainPost>)>> {
        let mut stmt = self.conn.prepare_cached(&self.users_with_posts)?;
        let rows = stmt
            .query_map([hair], |r| {
                // A NULL post id: a user without posts (LEFT OUTER JOIN).
                let post = match r.get::<_, Option<i64>>(3)? {
                    Some(_) => Some(decode_post(r, 3)?),
                    None => None,
                };
                Ok((decode_user(r, 0)?, post))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn insert_users(&mut self, users: &[User]) -> BenchResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let DieselSqlite { conn, texts, .. } = self;
        let mut stmt = conn.prepare_cached(text(texts, ListSql::InsertUsers, users.len()))?;
        for (r, u) in users.iter().enumerate() {
            stmt.raw_bind_parameter(2 * r + 1, u.name.as_str())?;
            stmt.raw_bind_parameter(2 * r + 2, u.hair_color.as_deref())?;
        }
        let inserted = stmt.raw_execute()?;
        if inserted != users.len() {
            return Err(format!("an INSERT of {} rows inserted {inserted}", users.len()).into());
        }
        Ok(())
    }

    fn associations(&mut self) -> BenchResult<PlainTree> {
        let users = self.load_users()?;
        let posts = self.select_in(ListSql::PostsOf, &keys(&users), |r| decode_post(r, 0))?;
        let comments = self.select_in(ListSql::CommentsOf, &keys(&posts), decode_comment)?;
        group(users, posts, comments)
    }
}
