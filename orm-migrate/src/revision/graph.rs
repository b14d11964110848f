//! The revision graph of a migrations folder: parents, heads, branches, what an upgrade or a
//! downgrade runs, in what order.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::file::Revision;
use crate::error::{Error, Result};

/// Every revision of a migrations folder, checked: ids unique, every parent and dependency
/// present, no cycle.
#[derive(Debug, Clone)]
pub struct History {
    /// Revisions with their files, parents before children.
    revisions: Vec<(PathBuf, Revision)>,
    /// Position in `revisions` of each id.
    index: HashMap<String, usize>,
}

impl History {
    /// The revisions of the `*.toml` files in `dir` (none if it does not exist).
    pub fn load(dir: &Path) -> Result<History> {
        let mut files = Vec::new();
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                for entry in entries {
                    let path = entry.map_err(|source| Error::Io { path: dir.to_owned(), source })?.path();
                    if path.extension().is_some_and(|e| e == "toml") {
                        files.push(path);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(Error::Io { path: dir.to_owned(), source }),
        }
        files.sort();
        let revisions = files.into_iter().map(|f| Revision::load(&f).map(|r| (f, r))).collect::<Result<Vec<_>>>()?;
        History::new(revisions)
    }

    /// The history of these revisions (each with the file it came from).
    pub fn new(revisions: Vec<(PathBuf, Revision)>) -> Result<History> {
        let mut index = HashMap::new();
        for (i, (file, r)) in revisions.iter().enumerate() {
            if let Some(&j) = index.get(&r.revision) {
                let first: &(PathBuf, Revision) = &revisions[j];
                return Err(Error::DuplicateRevision {
                    revision: r.revision.clone(),
                    first: first.0.clone(),
                    second: file.clone(),
                });
            }
            index.insert(r.revision.clone(), i);
        }
        for (file, r) in &revisions {
            let named = r.parents.iter().map(|p| (p, "parent")).chain(r.depends_on.iter().map(|d| (d, "dependency")));
            for (id, relation) in named {
                if !index.contains_key(id) {
                    return Err(Error::MissingRevision {
                        revision: r.revision.clone(),
                        file: file.clone(),
                        missing: id.clone(),
                        relation,
                    });
                }
            }
        }
        let order = topological(&revisions, &index)?;
        let mut sorted: Vec<Option<(PathBuf, Revision)>> = revisions.into_iter().map(Some).collect();
        let revisions: Vec<(PathBuf, Revision)> = order.into_iter().filter_map(|i| sorted[i].take()).collect();
        let index = revisions.iter().enumerate().map(|(i, (_, r))| (r.revision.clone(), i)).collect();
        Ok(History { revisions, index })
    }

    /// Revisions, parents (and dependencies) before children.
    pub fn revisions(&self) -> impl DoubleEndedIterator<Item = &Revision> {
        self.revisions.iter().map(|(_, r)| r)
    }

    /// The revision with this id.
    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.index.get(id).map(|&i| &self.revisions[i].1)
    }

    /// The file of the revision with this id.
    pub fn file_of(&self, id: &str) -> Option<&Path> {
        self.index.get(id).map(|&i| self.revisions[i].0.as_path())
    }

    /// Whether there is no revision.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// Revisions no other revision has as a parent, in order.
    pub fn heads(&self) -> Vec<&str> {
        let parents: BTreeSet<&str> = self.revisions().flat_map(|r| r.parents.iter().map(String::as_str)).collect();
        self.revisions().map(|r| r.revision.as_str()).filter(|id| !parents.contains(id)).collect()
    }

    /// Revisions with more than one child.
    pub fn branch_points(&self) -> Vec<&str> {
        let mut children: HashMap<&str, usize> = HashMap::new();
        for r in self.revisions() {
            for p in &r.parents {
                *children.entry(p.as_str()).or_default() += 1;
            }
        }
        self.revisions().map(|r| r.revision.as_str()).filter(|id| children.get(id).is_some_and(|&n| n > 1)).collect()
    }

    /// The one revision `spec` names: an id, a unique prefix of one, or a branch label
    /// (`label` for its newest revision on that branch is not supported: the label's own
    /// revision).
    pub fn resolve(&self, spec: &str) -> Result<&str> {
        if let Some(r) = self.get(spec) {
            return Ok(&r.revision);
        }
        if let Some(r) = self.revisions().find(|r| r.branch_labels.iter().any(|l| l == spec)) {
            return Ok(&r.revision);
        }
        let matches: Vec<&str> = self
            .revisions()
            .map(|r| r.revision.as_str())
            .filter(|id| !spec.is_empty() && id.starts_with(spec))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::UnknownRevision { spec: spec.to_owned() }),
            _ => Err(Error::AmbiguousRevision {
                spec: spec.to_owned(),
                matches: matches.iter().map(|m| (*m).to_owned()).collect(),
            }),
        }
    }

    /// `ids` and everything they need: their ancestors and dependencies, all the way down.
    pub fn closure<'a>(&'a self, ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<&str> = ids.into_iter().collect();
        while let Some(id) = stack.pop() {
            let Some(r) = self.get(id) else { continue };
            if out.insert(r.revision.as_str()) {
                stack.extend(r.parents.iter().chain(&r.depends_on).map(String::as_str));
            }
        }
        out
    }

    /// The revisions of `set`, parents before children.
    pub fn in_order<'a>(&'a self, set: &BTreeSet<&str>) -> Vec<&'a Revision> {
        self.revisions().filter(|r| set.contains(r.revision.as_str())).collect()
    }

    /// The single head, or [`Error::MultipleHeads`].
    pub fn single_head(&self) -> Result<Option<&str>> {
        match self.heads().as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(Error::MultipleHeads { heads: many.iter().map(|h| (*h).to_owned()).collect() }),
        }
    }
}

/// Positions of `revisions` with parents and dependencies first (file order among equals),
/// or the files of a cycle.
fn topological(revisions: &[(PathBuf, Revision)], index: &HashMap<String, usize>) -> Result<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let mut marks = vec![Mark::New; revisions.len()];
    let mut order = Vec::with_capacity(revisions.len());
    for start in 0..revisions.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Depth first, without recursion: (revision, next of its needs to look at).
        let mut stack = vec![(start, 0usize)];
        marks[start] = Mark::Visiting;
        while let Some(&mut (at, ref mut next)) = stack.last_mut() {
            let r = &revisions[at].1;
            let needs: Vec<usize> =
                r.parents.iter().chain(&r.depends_on).filter_map(|id| index.get(id).copied()).collect();
            if let Some(&need) = needs.get(*next) {
                *next += 1;
                match marks[need] {
                    Mark::New => {
                        marks[need] = Mark::Visiting;
                        stack.push((need, 0));
                    }
                    Mark::Visiting => {
                        let from = stack.iter().position(|(i, _)| *i == need).unwrap_or(0);
                        let files = stack[from..].iter().map(|(i, _)| revisions[*i].0.clone()).collect();
                        return Err(Error::Cycle { files });
                    }
                    Mark::Done => {}
                }
            } else {
                marks[at] = Mark::Done;
                order.push(at);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, parents: &[&str]) -> (PathBuf, Revision) {
        (
            PathBuf::from(format!("migrations/{id}.toml")),
            Revision::new(id, parents.iter().map(|p| (*p).to_owned()).collect(), format!("r {id}")),
        )
    }

    #[test]
    fn heads_branch_points_and_order() {
        // a <- b <- c, b <- d; c + d <- m (merge).
        let h = History::new(vec![
            rev("m", &["c", "d"]),
            rev("d", &["b"]),
            rev("c", &["b"]),
            rev("b", &["a"]),
            rev("a", &[]),
        ])
        .unwrap();
        let order: Vec<&str> = h.revisions().map(|r| r.revision.as_str()).collect();
        assert_eq!(order, ["a", "b", "c", "d", "m"]);
        assert_eq!(h.heads(), ["m"]);
        assert_eq!(h.branch_points(), ["b"]);
        let h = History::new(vec![rev("a", &[]), rev("b", &["a"]), rev("c", &["a"])]).unwrap();
        assert_eq!(h.heads(), ["b", "c"]);
        assert!(matches!(h.single_head(), Err(Error::MultipleHeads { heads }) if heads == ["b", "c"]));
    }

    #[test]
    fn duplicates_missing_parents_and_cycles_name_their_files() {
        let err = History::new(vec![rev("a", &[]), rev("a", &[])]).unwrap_err();
        assert_eq!(err.to_string(), "revision a is in two files: migrations/a.toml and migrations/a.toml");
        let err = History::new(vec![rev("b", &["zz"])]).unwrap_err();
        assert!(err.to_string().starts_with("migrations/b.toml: revision b names zz as its parent"), "{err}");
        let err = History::new(vec![rev("a", &["c"]), rev("b", &["a"]), rev("c", &["b"])]).unwrap_err();
        assert!(matches!(&err, Error::Cycle { files } if files.len() == 3), "{err}");
    }

    #[test]
    fn prefixes_and_labels_resolve_or_say_why_not() {
        let mut labelled = rev("ab12", &[]);
        labelled.1.branch_labels = vec!["billing".into()];
        let h = History::new(vec![labelled, rev("ab34", &["ab12"]), rev("cd56", &["ab34"])]).unwrap();
        assert_eq!(h.resolve("cd").unwrap(), "cd56");
        assert_eq!(h.resolve("billing").unwrap(), "ab12");
        assert!(
            matches!(h.resolve("ab"), Err(Error::AmbiguousRevision { matches, .. }) if matches == ["ab12", "ab34"])
        );
        assert!(matches!(h.resolve("ef"), Err(Error::UnknownRevision { .. })));
        let closure: Vec<&str> = h.closure(["ab34"]).into_iter().collect();
        assert_eq!(closure, ["ab12", "ab34"]);
    }
}
