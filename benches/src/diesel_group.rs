//! Grouping of separately loaded users, posts and comments into a user → posts → comments
//! tree, the way Diesel's association benchmark does it by hand (hash maps by key). The raw
//! and the Core association loaders share it, so the tree costs both the same.

use std::collections::HashMap;

use crate::diesel_model::{Comment, Post, Tree, User};
use crate::diesel_raw::{PlainComment, PlainPost, PlainUser};
use crate::raw::BenchResult;

/// A row with a primary key.
pub(crate) trait Keyed {
    /// The primary key.
    fn key(&self) -> i64;
}

/// A row pointing at a parent row.
pub(crate) trait Child {
    /// The parent's primary key.
    fn parent(&self) -> i64;
}

impl Keyed for PlainUser {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Keyed for PlainPost {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Child for PlainPost {
    fn parent(&self) -> i64 {
        self.user_id
    }
}

impl Child for PlainComment {
    fn parent(&self) -> i64 {
        self.post_id
    }
}

impl Keyed for User {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Keyed for Post {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Child for Post {
    fn parent(&self) -> i64 {
        self.user_id
    }
}

impl Child for Comment {
    fn parent(&self) -> i64 {
        self.post_id
    }
}

/// The keys of `rows`, in order (the parameters of the next `IN (..)` query).
pub(crate) fn keys<T: Keyed>(rows: &[T]) -> Vec<i64> {
    rows.iter().map(Keyed::key).collect()
}

/// Group `comments` under `posts` and `posts` under `users` (users keep their order, children
/// their order of arrival). A child whose parent is not among the parents is an error.
pub(crate) fn group<U: Keyed, P: Keyed + Child, C: Child>(
    users: Vec<U>,
    posts: Vec<P>,
    comments: Vec<C>,
) -> BenchResult<Tree<U, P, C>> {
    let mut post_at = HashMap::with_capacity(posts.len());
    let mut grouped: Vec<(P, Vec<C>)> = Vec::with_capacity(posts.len());
    for p in posts {
        post_at.insert(p.key(), grouped.len());
        grouped.push((p, Vec::new()));
    }
    for c in comments {
        let &i = post_at.get(&c.parent()).ok_or_else(|| format!("a comment of unknown post {}", c.parent()))?;
        grouped[i].1.push(c);
    }
    let user_at: HashMap<i64, usize> = users.iter().enumerate().map(|(i, u)| (u.key(), i)).collect();
    let mut tree: Tree<U, P, C> = users.into_iter().map(|u| (u, Vec::new())).collect();
    for (p, cs) in grouped {
        let &i = user_at.get(&p.parent()).ok_or_else(|| format!("post {} of unknown user {}", p.key(), p.parent()))?;
        tree[i].1.push((p, cs));
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> PlainUser {
        PlainUser { id, name: format!("u{id}"), hair_color: None }
    }

    fn post(id: i64, user_id: i64) -> PlainPost {
        PlainPost { id, user_id, title: format!("p{id}"), body: None }
    }

    fn comment(id: i64, post_id: i64) -> PlainComment {
        PlainComment { id, post_id, text: format!("c{id}") }
    }

    #[test]
    fn children_land_under_their_parents() {
        let tree = group(
            vec![user(1), user(2)],
            vec![post(10, 2), post(11, 1), post(12, 2)],
            vec![comment(5, 12), comment(6, 10)],
        )
        .unwrap();
        assert_eq!(keys(&tree.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>()), [1, 2]);
        assert_eq!(tree[0].1.len(), 1);
        let posts_of_2: Vec<(i64, Vec<i64>)> =
            tree[1].1.iter().map(|(p, cs)| (p.id, cs.iter().map(|c| c.id).collect())).collect();
        assert_eq!(posts_of_2, [(10, vec![6]), (12, vec![5])]);
    }

    #[test]
    fn orphans_are_errors() {
        assert!(group(vec![user(1)], vec![post(10, 3)], Vec::<PlainComment>::new()).is_err());
        assert!(group(vec![user(1)], vec![post(10, 1)], vec![comment(1, 11)]).is_err());
    }
}
