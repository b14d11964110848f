//! The raw postgres baseline of Diesel's cases. It uses the benchmark client (whose
//! `search_path` is the private bench schema) and the tables the orm created there, so they
//! are dropped with the schema.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use crate::diesel_group::{group, keys};
use crate::diesel_model::{comments, posts, users, Seed, User};
use crate::diesel_raw::{
    multi_row_insert, users_with_posts_sql, DieselRaw, ListSql, PlainComment, PlainPost, PlainTree, PlainUser,
    USER_COLUMNS,
};
use crate::raw::BenchResult;

/// Rows per multi-row INSERT while seeding (at most 3 parameters a row).
const SEED_BATCH: usize = 1000;

/// The benchmark client with the fixed statements prepared.
pub(crate) struct DieselPg<'c> {
    client: &'c mut Client,
    load: Statement,
    users_with_posts: Statement,
    /// The row-count-dependent statements used so far, prepared on first use.
    prepared: HashMap<(ListSql, usize), Statement>,
}

impl std::fmt::Debug for DieselPg<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselPg").finish_non_exhaustive()
    }
}

impl<'c> DieselPg<'c> {
    /// Prepare the fixed statements (the tables must exist).
    pub(crate) fn prepare(client: &'c mut Client) -> BenchResult<Self> {
        Ok(DieselPg {
            load: client.prepare(&format!("SELECT {USER_COLUMNS} FROM dc_users"))?,
            users_with_posts: client.prepare(&users_with_posts_sql("$1"))?,
            prepared: HashMap::new(),
            client,
        })
    }

    /// The statement `kind` for `n` rows, prepared on first use.
    fn statement(&mut self, kind: ListSql, n: usize) -> BenchResult<Statement> {
        if let Some(stmt) = self.prepared.get(&(kind, n)) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(&kind.sql(n, |i| format!("${i}")))?;
        self.prepared.insert((kind, n), stmt.clone());
        Ok(stmt)
    }

    /// The rows of `SELECT ... WHERE key IN (keys)` (none without keys).
    fn select_in(&mut self, kind: ListSql, keys: &[i64]) -> BenchResult<Vec<Row>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = self.statement(kind, keys.len())?;
        let params: Vec<&(dyn ToSql + Sync)> = keys.iter().map(|k| k as &(dyn ToSql + Sync)).collect();
        Ok(self.client.query(&stmt, &params)?)
    }

    /// Insert rows of `columns` in multi-row statements of [`SEED_BATCH`] rows, returning
    /// the generated ids. `values(row)` gives one row's parameters.
    fn seed_rows<T>(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[T],
        values: impl Fn(&T) -> Vec<&(dyn ToSql + Sync)>,
    ) -> BenchResult<Vec<i64>> {
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(SEED_BATCH) {
            let sql = format!("{} RETURNING id", multi_row_insert(table, columns, chunk.len(), |i| format!("${i}")));
            let params: Vec<&(dyn ToSql + Sync)> = chunk.iter().flat_map(&values).collect();
            ids.extend(self.client.query(&sql, &params)?.iter().map(|r| r.get::<_, i64>(0)));
        }
        Ok(ids)
    }
}

/// Decode a user from columns `at..at + 3`.
fn decode_user(r: &Row, at: usize) -> PlainUser {
    PlainUser { id: r.get(at), name: r.get(at + 1), hair_color: r.get(at + 2) }
}

/// Decode a post from columns `at..at + 4`.
fn decode_post(r: &Row, at: usize) -> PlainPost {
    PlainPost { id: r.get(at), user_id: r.get(at + 1), title: r.get(at + 2), body: r.get(at + 3) }
}

/// Decode a comment.
fn decode_comment(r: &Row) -> PlainComment {
    PlainComment { id: r.get(0), post_id: r.get(1), text: r.get(2) }
}

impl DieselRaw for DieselPg<'_> {
    fn reset(&mut self) -> BenchResult<()> {
        // TRUNCATE rather than DELETE: no dead tuples pile up across samples.
        self.client.batch_execute("TRUNCATE dc_comments, dc_posts, dc_users RESTART IDENTITY")?;
        Ok(())
    }

    fn seed(&mut self, seed: Seed) -> BenchResult<()> {
        let users = users(seed.users, seed.hair);
        let user_ids = self.seed_rows("dc_users", &["name", "hair_color"], &users, |u| vec![&u.name, &u.hair_color])?;
        if seed.children {
            let posts = posts(&user_ids);
            let post_ids = self.seed_rows("dc_posts", &["user_id", "title", "body"], &posts, |p| {
                vec![&p.user_id, &p.title, &p.body]
            })?;
            let comments = comments(&post_ids);
            self.seed_rows("dc_comments", &["post_id", "text"], &comments, |c| vec![&c.post_id, &c.text])?;
        }
        Ok(())
    }

    fn count_users(&mut self) -> BenchResult<i64> {
        Ok(self.client.query_one("SELECT count(*) FROM dc_users", &[])?.get(0))
    }

    fn load_users(&mut self) -> BenchResult<Vec<PlainUser>> {
        let rows = self.client.query(&self.load, &[])?;
        Ok(rows.iter().map(|r| decode_user(r, 0)).collect())
    }

    fn users_with_posts(&mut self, hair: &str) -> BenchResult<Vec<(PlainUser, Option<PlainPost>)>> {
        let rows = self.client.query(&self.users_with_posts, &[&hair])?;
        Ok(rows
            .iter()
            .map(|r| {
                // A NULL post id: a user without posts (LEFT OUTER JOIN).
                let post = r.get::<_, Option<i64>>(3).map(|_| decode_post(r, 3));
                (decode_user(r, 0), post)
            })
            .collect())
    }

    fn insert_users(&mut self, users: &[User]) -> BenchResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let stmt = self.statement(ListSql::InsertUsers, users.len())?;
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(2 * users.len());
        for u in users {
            params.extend([&u.name as &(dyn ToSql + Sync), &u.hair_color]);
        }
        let inserted = self.client.execute(&stmt, &params)?;
        if inserted != u64::try_from(users.len())? {
            return Err(format!("an INSERT of {} rows inserted {inserted}", users.len()).into());
        }
        Ok(())
    }

    fn associations(&mut self) -> BenchResult<PlainTree> {
        let users = self.load_users()?;
        let posts: Vec<PlainPost> =
            self.select_in(ListSql::PostsOf, &keys(&users))?.iter().map(|r| decode_post(r, 0)).collect();
        let comments: Vec<PlainComment> =
            self.select_in(ListSql::CommentsOf, &keys(&posts))?.iter().map(decode_comment).collect();
        group(users, posts, comments)
    }
}
