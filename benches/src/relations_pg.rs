//! The raw postgres baseline of the relationship section. It uses the benchmark client
//! (whose `search_path` is the private bench schema) and the tables the orm created there,
//! so they are dropped with the schema.

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use crate::raw::BenchResult;
use crate::relations_model::{RawAuthor, RawBook, RawTree, AUTHORS};
use crate::relations_raw::{in_list, RawRelations, Strategy, TreeBuilder};

const AUTHORS_SQL: &str = "SELECT id, name FROM bench_authors";
const BOOKS_OF: &str = "SELECT id, author_id, title, pages FROM bench_books WHERE author_id = $1";
const JOINED: &str = "SELECT a.id, a.name, b.id, b.author_id, b.title, b.pages \
    FROM bench_authors a LEFT OUTER JOIN bench_books b ON b.author_id = a.id";
const SUBQUERY: &str =
    "SELECT id, author_id, title, pages FROM bench_books WHERE author_id IN (SELECT id FROM bench_authors)";

/// The benchmark client with the statements of every strategy prepared.
pub(crate) struct PgRelations<'c> {
    client: &'c mut Client,
    authors: Statement,
    books_of: Statement,
    joined: Statement,
    /// `... WHERE author_id IN ($1, ..., $n)` with [`AUTHORS`] parameters.
    select_in: Statement,
    subquery: Statement,
}

impl std::fmt::Debug for PgRelations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgRelations").finish_non_exhaustive()
    }
}

impl<'c> PgRelations<'c> {
    /// Prepare the statements (the tables must exist).
    pub(crate) fn prepare(client: &'c mut Client) -> BenchResult<Self> {
        let select_in = format!(
            "SELECT id, author_id, title, pages FROM bench_books WHERE {}",
            in_list(AUTHORS, |i| format!("${i}"))
        );
        Ok(PgRelations {
            authors: client.prepare(AUTHORS_SQL)?,
            books_of: client.prepare(BOOKS_OF)?,
            joined: client.prepare(JOINED)?,
            select_in: client.prepare(&select_in)?,
            subquery: client.prepare(SUBQUERY)?,
            client,
        })
    }

    /// Every author (the first statement of all strategies but the join).
    fn authors(&mut self) -> BenchResult<Vec<RawAuthor>> {
        let rows = self.client.query(&self.authors, &[])?;
        Ok(rows.iter().map(|r| RawAuthor { id: r.get(0), name: r.get(1) }).collect())
    }

    fn lazy(&mut self) -> BenchResult<RawTree> {
        let authors = self.authors()?;
        let mut tree = Vec::with_capacity(authors.len());
        for a in authors {
            let rows = self.client.query(&self.books_of, &[&a.id])?;
            tree.push((a, rows.iter().map(|r| decode_book(r, 0)).collect()));
        }
        Ok(tree)
    }

    fn joined(&mut self) -> BenchResult<RawTree> {
        let rows = self.client.query(&self.joined, &[])?;
        let mut tree = TreeBuilder::new();
        for r in &rows {
            let i = tree.author(r.get(0), || Ok::<_, postgres::Error>(r.get(1)))?;
            // A NULL book id: an author without books (LEFT OUTER JOIN).
            if r.get::<_, Option<i64>>(2).is_some() {
                tree.push_at(i, decode_book(r, 2));
            }
        }
        Ok(tree.finish())
    }

    fn select_in(&mut self) -> BenchResult<RawTree> {
        let authors = self.authors()?;
        if authors.len() != AUTHORS {
            return Err(format!("select-in statement has {AUTHORS} parameters, found {} authors", authors.len()).into());
        }
        let ids: Vec<i64> = authors.iter().map(|a| a.id).collect();
        let params: Vec<&(dyn ToSql + Sync)> = ids.iter().map(|id| id as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&self.select_in, &params)?;
        group(authors, &rows)
    }

    fn subquery(&mut self) -> BenchResult<RawTree> {
        let authors = self.authors()?;
        let rows = self.client.query(&self.subquery, &[])?;
        group(authors, &rows)
    }
}

/// Decode `id, author_id, title, pages` starting at column `at`.
fn decode_book(r: &Row, at: usize) -> RawBook {
    RawBook { id: r.get(at), author_id: r.get(at + 1), title: r.get(at + 2), pages: r.get(at + 3) }
}

/// Group book rows under `authors`.
fn group(authors: Vec<RawAuthor>, rows: &[Row]) -> BenchResult<RawTree> {
    let mut tree = TreeBuilder::with_authors(authors);
    for r in rows {
        tree.push(decode_book(r, 0))?;
    }
    Ok(tree.finish())
}

impl RawRelations for PgRelations<'_> {
    fn load(&mut self, strategy: Strategy) -> BenchResult<RawTree> {
        match strategy {
            Strategy::Lazy => self.lazy(),
            Strategy::Joined => self.joined(),
            Strategy::SelectIn => self.select_in(),
            Strategy::Subquery => self.subquery(),
        }
    }
}
