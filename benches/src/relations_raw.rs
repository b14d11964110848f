//! The loading strategies compared in the relationship section, what both raw-driver
//! baselines offer for them, and the grouping code they share.

use std::collections::HashMap;

use crate::raw::BenchResult;
use crate::relations_model::{RawAuthor, RawBook, RawTree, AUTHORS, BOOKS_PER_AUTHOR};

/// One way of loading every author together with its books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// One SELECT of the authors, then one SELECT of books per author.
    Lazy,
    /// One SELECT with a LEFT OUTER JOIN.
    Joined,
    /// SELECT the authors, then their books with `author_id IN (<the ids>)`.
    SelectIn,
    /// SELECT the authors, then their books with `author_id IN (SELECT id FROM ...)`.
    Subquery,
}

impl Strategy {
    /// Every strategy, in table order.
    pub(crate) const ALL: [Strategy; 4] = [Strategy::Lazy, Strategy::Joined, Strategy::SelectIn, Strategy::Subquery];

    /// The table's first column.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Strategy::Lazy => "lazy (N+1)",
            Strategy::Joined => "joinedload",
            Strategy::SelectIn => "selectinload",
            Strategy::Subquery => "subqueryload",
        }
    }

    /// The orm calls measured.
    pub(crate) fn orm_call(self) -> &'static str {
        match self {
            Strategy::Lazy => "query().all() + load(&a, Author::books) per author",
            Strategy::Joined => "query().options(joinedload(Author::books)).all()",
            Strategy::SelectIn => "query().options(selectinload(Author::books)).all()",
            Strategy::Subquery => "query().options(subqueryload(Author::books)).all()",
        }
    }

    /// Statements the strategy needs for [`AUTHORS`] authors (what the raw side runs, and
    /// what the orm is expected to run).
    pub(crate) fn statements(self) -> usize {
        match self {
            Strategy::Lazy => 1 + AUTHORS,
            Strategy::Joined => 1,
            Strategy::SelectIn | Strategy::Subquery => 2,
        }
    }
}

/// The hand-written baseline of one backend for each [`Strategy`]: prepared statements,
/// plain structs, no orm.
pub(crate) trait RawRelations {
    /// Load every author with its books the way `strategy` does.
    fn load(&mut self, strategy: Strategy) -> BenchResult<RawTree>;
}

/// `author_id IN (p(1), ..., p(n))`: the select-in list with `n` placeholders.
pub(crate) fn in_list(n: usize, placeholder: impl Fn(usize) -> String) -> String {
    let list: Vec<String> = (1..=n).map(placeholder).collect();
    format!("author_id IN ({})", list.join(", "))
}

/// Gathers books (and, for a join, authors) into a [`RawTree`], by author id.
#[derive(Debug, Default)]
pub(crate) struct TreeBuilder {
    tree: RawTree,
    index: HashMap<i64, usize>,
}

impl TreeBuilder {
    /// A builder for authors that appear as rows arrive (the join).
    pub(crate) fn new() -> Self {
        TreeBuilder { tree: Vec::with_capacity(AUTHORS), index: HashMap::with_capacity(AUTHORS) }
    }

    /// A builder over authors already loaded (the second statement of select-in and
    /// subquery loading).
    pub(crate) fn with_authors(authors: Vec<RawAuthor>) -> Self {
        let index = authors.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let tree = authors.into_iter().map(|a| (a, Vec::with_capacity(BOOKS_PER_AUTHOR))).collect();
        TreeBuilder { tree, index }
    }

    /// The position of author `id`, adding it (with the name `name()` reads) the first
    /// time it is seen.
    pub(crate) fn author<E>(&mut self, id: i64, name: impl FnOnce() -> Result<String, E>) -> Result<usize, E> {
        if let Some(&i) = self.index.get(&id) {
            return Ok(i);
        }
        let i = self.tree.len();
        self.tree.push((RawAuthor { id, name: name()? }, Vec::with_capacity(BOOKS_PER_AUTHOR)));
        self.index.insert(id, i);
        Ok(i)
    }

    /// Append `book` to author number `i` (from [`TreeBuilder::author`]).
    pub(crate) fn push_at(&mut self, i: usize, book: RawBook) {
        self.tree[i].1.push(book);
    }

    /// Append `book` to its author; a book of an unknown author is an error.
    pub(crate) fn push(&mut self, book: RawBook) -> BenchResult<()> {
        let &i = self.index.get(&book.author_id).ok_or_else(|| format!("book {} of unknown author", book.id))?;
        self.push_at(i, book);
        Ok(())
    }

    /// The tree, authors in the order they were added.
    pub(crate) fn finish(self) -> RawTree {
        self.tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_number_their_placeholders() {
        assert_eq!(in_list(3, |i| format!("${i}")), "author_id IN ($1, $2, $3)");
        assert_eq!(in_list(2, |_| "?".into()), "author_id IN (?, ?)");
    }

    #[test]
    fn books_land_under_their_author() {
        let authors = vec![RawAuthor { id: 7, name: "a".into() }, RawAuthor { id: 9, name: "b".into() }];
        let mut t = TreeBuilder::with_authors(authors);
        t.push(RawBook { id: 1, author_id: 9, title: "x".into(), pages: 1 }).unwrap();
        assert!(t.push(RawBook { id: 2, author_id: 8, title: "y".into(), pages: 1 }).is_err());
        let tree = t.finish();
        assert_eq!(tree[0].1.len(), 0);
        assert_eq!(tree[1].1[0].id, 1);
    }
}
