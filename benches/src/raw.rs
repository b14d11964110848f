//! What both raw-driver sides (rusqlite, postgres) offer the benchmark runner.

use std::error::Error;

use crate::model::{BenchUser, Fingerprint};

/// Result type of the benchmark code.
pub(crate) type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The text of a multi-row `INSERT INTO bench_users (name, age, score) VALUES ...` of `rows`
/// rows; `placeholder(n)` is the `n`-th (1-based) parameter's placeholder.
pub(crate) fn multi_row_insert(rows: usize, placeholder: impl Fn(usize) -> String) -> String {
    let mut sql = String::from("INSERT INTO bench_users (name, age, score) VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let p = 3 * r;
        sql.push_str(&format!("({}, {}, {})", placeholder(p + 1), placeholder(p + 2), placeholder(p + 3)));
    }
    sql
}

/// A plain row struct filled by the raw drivers (no orm involved).
#[derive(Debug, Clone)]
pub(crate) struct RawUser {
    /// Primary key.
    pub(crate) id: i64,
    /// Name column.
    pub(crate) name: String,
    /// Age column.
    pub(crate) age: i32,
    /// Score column.
    pub(crate) score: f64,
}

impl RawUser {
    /// The fingerprint of raw rows (comparable with [`Fingerprint::of_models`]).
    pub(crate) fn fingerprint(rows: &[RawUser]) -> Fingerprint {
        let mut f = Fingerprint::default();
        for u in rows {
            f.add(u.id, &u.name, u.age, u.score);
        }
        f
    }
}

/// The hand-written baseline of one backend: prepared statements, no orm.
pub(crate) trait RawBackend {
    /// Empty the table (untimed); generated ids start at 1 again.
    fn reset(&mut self) -> BenchResult<()>;

    /// Number of rows in the table (untimed check).
    fn count(&mut self) -> BenchResult<i64>;

    /// One transaction, one prepared single-row INSERT executed once per row.
    fn insert(&mut self, rows: &[BenchUser]) -> BenchResult<()>;

    /// One transaction, multi-row `INSERT ... VALUES (..), (..)` statements of `batch` rows
    /// (the last one carries the rest), each prepared once per row count and reused.
    fn insert_batched(&mut self, rows: &[BenchUser], batch: usize) -> BenchResult<()>;

    /// A prepared `SELECT` of every row into plain structs.
    fn load(&mut self) -> BenchResult<Vec<RawUser>>;

    /// A prepared `SELECT ... WHERE id = ?` per key.
    fn get_each(&mut self, keys: &[i64]) -> BenchResult<Vec<RawUser>>;
}

#[cfg(test)]
mod tests {
    use super::multi_row_insert;

    #[test]
    fn multi_row_inserts_number_their_placeholders() {
        assert_eq!(multi_row_insert(1, |_| "?".into()), "INSERT INTO bench_users (name, age, score) VALUES (?, ?, ?)");
        assert_eq!(
            multi_row_insert(2, |n| format!("${n}")),
            "INSERT INTO bench_users (name, age, score) VALUES ($1, $2, $3), ($4, $5, $6)"
        );
    }
}
