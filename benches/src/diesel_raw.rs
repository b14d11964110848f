//! What both raw-driver baselines of Diesel's cases (rusqlite, postgres) offer the runner,
//! their plain row structs, and the SQL texts they build.

use crate::diesel_model::{Seed, Tree, User};
use crate::raw::BenchResult;

/// `SELECT` list of a user row, in [`PlainUser`] order.
pub(crate) const USER_COLUMNS: &str = "id, name, hair_color";
/// `SELECT` list of a post row, in [`PlainPost`] order.
pub(crate) const POST_COLUMNS: &str = "id, user_id, title, body";
/// `SELECT` list of a comment row, in [`PlainComment`] order.
pub(crate) const COMMENT_COLUMNS: &str = "id, post_id, text";

/// A user read by a raw driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainUser {
    /// Primary key.
    pub(crate) id: i64,
    /// Name column.
    pub(crate) name: String,
    /// Nullable hair colour.
    pub(crate) hair_color: Option<String>,
}

/// A post read by a raw driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainPost {
    /// Primary key.
    pub(crate) id: i64,
    /// Foreign key to [`PlainUser::id`].
    pub(crate) user_id: i64,
    /// Title column.
    pub(crate) title: String,
    /// Nullable body.
    pub(crate) body: Option<String>,
}

/// A comment read by a raw driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainComment {
    /// Primary key.
    pub(crate) id: i64,
    /// Foreign key to [`PlainPost::id`].
    pub(crate) post_id: i64,
    /// Text column.
    pub(crate) text: String,
}

/// What the raw association loader builds.
pub(crate) type PlainTree = Tree<PlainUser, PlainPost, PlainComment>;

/// The hand-written baseline of one backend for Diesel's cases: prepared statements, plain
/// structs, no orm.
pub(crate) trait DieselRaw {
    /// Empty the three tables (untimed); generated ids start at 1 again.
    fn reset(&mut self) -> BenchResult<()>;

    /// Insert a case's starting data into the (empty) tables (untimed).
    fn seed(&mut self, seed: Seed) -> BenchResult<()>;

    /// Number of users (untimed check).
    fn count_users(&mut self) -> BenchResult<i64>;

    /// Trivial query: a prepared `SELECT id, name, hair_color FROM dc_users`.
    fn load_users(&mut self) -> BenchResult<Vec<PlainUser>>;

    /// Medium complex query: a prepared users `LEFT JOIN` posts of the users with hair
    /// colour `hair`, the post `None` where the join found none.
    fn users_with_posts(&mut self, hair: &str) -> BenchResult<Vec<(PlainUser, Option<PlainPost>)>>;

    /// Insert: one multi-row `INSERT INTO dc_users (name, hair_color) VALUES (..), (..)` of
    /// every row, prepared once per row count, outside any explicit transaction.
    fn insert_users(&mut self, users: &[User]) -> BenchResult<()>;

    /// Association loading: users; their posts by `user_id IN (..)`; those posts'
    /// comments by `post_id IN (..)`; grouped by hand.
    fn associations(&mut self) -> BenchResult<PlainTree>;
}

/// The statement kinds whose text depends on a row count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ListSql {
    /// `INSERT INTO dc_users ... VALUES` with this many rows.
    InsertUsers,
    /// Posts of this many users.
    PostsOf,
    /// Comments of this many posts.
    CommentsOf,
}

impl ListSql {
    /// The statement text for `n` rows or ids; `placeholder(i)` is the `i`-th (1-based)
    /// parameter's placeholder.
    pub(crate) fn sql(self, n: usize, placeholder: impl Fn(usize) -> String) -> String {
        match self {
            ListSql::InsertUsers => multi_row_insert("dc_users", &["name", "hair_color"], n, placeholder),
            ListSql::PostsOf => select_in("dc_posts", POST_COLUMNS, "user_id", n, placeholder),
            ListSql::CommentsOf => select_in("dc_comments", COMMENT_COLUMNS, "post_id", n, placeholder),
        }
    }
}

/// `INSERT INTO table (columns) VALUES (..), (..)` of `rows` rows, placeholders numbered
/// row by row.
pub(crate) fn multi_row_insert(
    table: &str,
    columns: &[&str],
    rows: usize,
    placeholder: impl Fn(usize) -> String,
) -> String {
    let width = columns.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| placeholder(r * width + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), tuples.join(", "))
}

/// `SELECT columns FROM table WHERE key IN (p1, ..., pn)`.
pub(crate) fn select_in(
    table: &str,
    columns: &str,
    key: &str,
    n: usize,
    placeholder: impl Fn(usize) -> String,
) -> String {
    let list: Vec<String> = (1..=n).map(placeholder).collect();
    format!("SELECT {columns} FROM {table} WHERE {key} IN ({})", list.join(", "))
}

/// The medium complex query: every column of a user and of its (optional) post, for
/// users of one hair colour (parameter `hair`).
pub(crate) fn users_with_posts_sql(hair: &str) -> String {
    format!(
        "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
         FROM dc_users u LEFT OUTER JOIN dc_posts p ON p.user_id = u.id WHERE u.hair_color = {hair}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_texts_number_placeholders_row_by_row() {
        assert_eq!(
            ListSql::InsertUsers.sql(2, |i| format!("${i}")),
            "INSERT INTO dc_users (name, hair_color) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            multi_row_insert("t", &["a", "b", "c"], 1, |_| "?".into()),
            "INSERT INTO t (a, b, c) VALUES (?, ?, ?)"
        );
    }

    #[test]
    fn in_lists_have_one_placeholder_per_key() {
        assert_eq!(
            ListSql::PostsOf.sql(3, |i| format!("${i}")),
            "SELECT id, user_id, title, body FROM dc_posts WHERE user_id IN ($1, $2, $3)"
        );
        assert_eq!(
            ListSql::CommentsOf.sql(1, |_| "?".into()),
            "SELECT id, post_id, text FROM dc_comments WHERE post_id IN (?)"
        );
    }

    #[test]
    fn the_join_filters_on_the_users_hair_colour() {
        let sql = users_with_posts_sql("?1");
        assert!(sql.contains("LEFT OUTER JOIN dc_posts p ON p.user_id = u.id"));
        assert!(sql.ends_with("WHERE u.hair_color = ?1"));
    }
}
