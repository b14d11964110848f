//! The raw rusqlite baseline of the relationship section: an in-memory database (memdb, as the orm)
//! with the same two tables and data as the orm's, and cached prepared statements.

use rusqlite::Connection;

use crate::raw::BenchResult;
use crate::relations_model::{sample_authors, sample_books, RawAuthor, RawBook, RawTree, AUTHORS};
use crate::relations_raw::{in_list, RawRelations, Strategy, TreeBuilder};

/// The tables the orm creates on SQLite (foreign keys enforced, as on the orm's connections).
const DDL: &str = "PRAGMA foreign_keys = ON;
    CREATE TABLE bench_authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE bench_books (\
        id INTEGER PRIMARY KEY, \
        author_id BIGINT NOT NULL REFERENCES bench_authors (id), \
        title TEXT NOT NULL, \
        pages INTEGER NOT NULL)";
const INSERT_AUTHOR: &str = "INSERT INTO bench_authors (name) VALUES (?1)";
const INSERT_BOOK: &str = "INSERT INTO bench_books (author_id, title, pages) VALUES (?1, ?2, ?3)";
const AUTHORS_SQL: &str = "SELECT id, name FROM bench_authors";
const BOOKS_OF: &str = "SELECT id, author_id, title, pages FROM bench_books WHERE author_id = ?1";
const JOINED: &str = "SELECT a.id, a.name, b.id, b.author_id, b.title, b.pages \
    FROM bench_authors a LEFT OUTER JOIN bench_books b ON b.author_id = a.id";
const SUBQUERY: &str =
    "SELECT id, author_id, title, pages FROM bench_books WHERE author_id IN (SELECT id FROM bench_authors)";

/// A private in-memory SQLite database holding the authors and books.
#[derive(Debug)]
pub(crate) struct SqliteRelations {
    conn: Connection,
    /// `SELECT ... WHERE author_id IN (?, ..., ?)` with [`AUTHORS`] placeholders.
    select_in: String,
}

impl SqliteRelations {
    /// Open an in-memory database ([`crate::sqlite_raw::open_memory`]), create the tables and insert the sample data (ids 1..).
    pub(crate) fn open() -> BenchResult<Self> {
        let mut conn = crate::sqlite_raw::open_memory()?;
        conn.execute_batch(DDL)?;
        let tx = conn.transaction()?;
        let mut ids = Vec::with_capacity(AUTHORS);
        {
            let mut stmt = tx.prepare(INSERT_AUTHOR)?;
            for a in sample_authors() {
                stmt.execute([&a.name])?;
                ids.push(tx.last_insert_rowid());
            }
            let mut stmt = tx.prepare(INSERT_BOOK)?;
            for b in sample_books(&ids) {
                stmt.execute(rusqlite::params![b.author_id, b.title, b.pages])?;
            }
        }
        tx.commit()?;
        let select_in =
            format!("SELECT id, author_id, title, pages FROM bench_books WHERE {}", in_list(AUTHORS, |_| "?".into()));
        Ok(SqliteRelations { conn, select_in })
    }

    /// Every author (the first statement of all strategies but the join).
    fn authors(&self) -> BenchResult<Vec<RawAuthor>> {
        let mut stmt = self.conn.prepare_cached(AUTHORS_SQL)?;
        let rows = stmt.query_map([], |r| Ok(RawAuthor { id: r.get(0)?, name: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Run a books query and group its rows under `authors`.
    fn group(&self, authors: Vec<RawAuthor>, sql: &str, params: impl rusqlite::Params) -> BenchResult<RawTree> {
        let mut tree = TreeBuilder::with_authors(authors);
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            tree.push(decode_book(r, 0)?)?;
        }
        Ok(tree.finish())
    }

    fn lazy(&self) -> BenchResult<RawTree> {
        let authors = self.authors()?;
        let mut stmt = self.conn.prepare_cached(BOOKS_OF)?;
        let mut tree = Vec::with_capacity(authors.len());
        for a in authors {
            let books = stmt.query_map([a.id], |r| decode_book(r, 0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            tree.push((a, books));
        }
        Ok(tree)
    }

    fn joined(&self) -> BenchResult<RawTree> {
        let mut tree = TreeBuilder::new();
        let mut stmt = self.conn.prepare_cached(JOINED)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let i = tree.author(r.get(0)?, || r.get(1))?;
            // A NULL book id: an author without books (LEFT OUTER JOIN).
            if r.get::<_, Option<i64>>(2)?.is_some() {
                tree.push_at(i, decode_book(r, 2)?);
            }
        }
        Ok(tree.finish())
    }

    fn select_in(&self) -> BenchResult<RawTree> {
        let authors = self.authors()?;
        if authors.len() != AUTHORS {
            return Err(
                format!("select-in statement has {AUTHORS} placeholders, found {} authors", authors.len()).into()
            );
        }
        let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
        self.group(authors, &self.select_in, rusqlite::params_from_iter(ids))
    }
}

/// Decode `id, author_id, title, pages` starting at column `at`.
fn decode_book(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RawBook> {
    Ok(RawBook { id: r.get(at)?, author_id: r.get(at + 1)?, title: r.get(at + 2)?, pages: r.get(at + 3)? })
}

impl RawRelations for SqliteRelations {
    fn load(&mut self, strategy: Strategy) -> BenchResult<RawTree> {
        match strategy {
            Strategy::Lazy => self.lazy(),
            Strategy::Joined => self.joined(),
            Strategy::SelectIn => self.select_in(),
            Strategy::Subquery => self.group(self.authors()?, SUBQUERY, []),
        }
    }
}
