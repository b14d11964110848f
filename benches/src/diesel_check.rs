//! An order-independent checksum of what a case returned (users, user/post pairs, or a
//! user → posts → comments tree), equal for raw structs, orm models and tracked objects
//! holding the same rows.

use orm::Obj;

use crate::diesel_model::{Comment, Post, Tree, User};
use crate::diesel_raw::{PlainComment, PlainPost, PlainUser};
use crate::raw::BenchResult;

/// The columns of a user, whoever read them.
pub(crate) trait UserRow {
    /// `(id, name, hair_color)`.
    fn columns(&self) -> (i64, &str, Option<&str>);
}

/// The columns of a post, whoever read them.
pub(crate) trait PostRow {
    /// `(id, user_id, title, body)`.
    fn columns(&self) -> (i64, i64, &str, Option<&str>);
}

/// The columns of a comment, whoever read them.
pub(crate) trait CommentRow {
    /// `(id, post_id, text)`.
    fn columns(&self) -> (i64, i64, &str);
}

impl UserRow for PlainUser {
    fn columns(&self) -> (i64, &str, Option<&str>) {
        (self.id, &self.name, self.hair_color.as_deref())
    }
}

impl UserRow for User {
    fn columns(&self) -> (i64, &str, Option<&str>) {
        (self.id, &self.name, self.hair_color.as_deref())
    }
}

impl PostRow for PlainPost {
    fn columns(&self) -> (i64, i64, &str, Option<&str>) {
        (self.id, self.user_id, &self.title, self.body.as_deref())
    }
}

impl PostRow for Post {
    fn columns(&self) -> (i64, i64, &str, Option<&str>) {
        (self.id, self.user_id, &self.title, self.body.as_deref())
    }
}

impl CommentRow for PlainComment {
    fn columns(&self) -> (i64, i64, &str) {
        (self.id, self.post_id, &self.text)
    }
}

impl CommentRow for Comment {
    fn columns(&self) -> (i64, i64, &str) {
        (self.id, self.post_id, &self.text)
    }
}

/// Row counts and a wrapping sum of a per-row mix of every column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Digest {
    /// Users (pairs count one user each, repeated users included).
    pub(crate) users: usize,
    /// Posts.
    pub(crate) posts: usize,
    /// Pairs whose post is `None`.
    pub(crate) no_post: usize,
    /// Comments.
    pub(crate) comments: usize,
    sum: i64,
}

/// A small string hash (the same on every side).
fn text_hash(text: &str) -> i64 {
    text.bytes().fold(0_i64, |h, b| h.wrapping_mul(131).wrapping_add(i64::from(b)))
}

/// A nullable string's hash, distinct from the empty string's.
fn nullable_hash(text: Option<&str>) -> i64 {
    text.map_or(-7, |t| text_hash(t).wrapping_add(1))
}

impl Digest {
    fn mix(&mut self, parts: &[i64]) {
        let row = parts.iter().fold(17_i64, |h, &p| h.wrapping_mul(1_000_003).wrapping_add(p));
        self.sum = self.sum.wrapping_add(row);
    }

    /// Add one user.
    fn user(&mut self, u: &impl UserRow) {
        let (id, name, hair) = u.columns();
        self.users += 1;
        self.mix(&[1, id, text_hash(name), nullable_hash(hair)]);
    }

    /// Add one post found under user `parent`; a post grouped under another user is an error.
    fn post(&mut self, parent: i64, p: &impl PostRow) -> BenchResult<()> {
        let (id, user_id, title, body) = p.columns();
        if user_id != parent {
            return Err(format!("post {id} (user_id {user_id}) came with user {parent}").into());
        }
        self.posts += 1;
        self.mix(&[2, id, user_id, text_hash(title), nullable_hash(body)]);
        Ok(())
    }

    /// Add one comment found under post `parent`.
    fn comment(&mut self, parent: i64, c: &impl CommentRow) -> BenchResult<()> {
        let (id, post_id, text) = c.columns();
        if post_id != parent {
            return Err(format!("comment {id} (post_id {post_id}) came with post {parent}").into());
        }
        self.comments += 1;
        self.mix(&[3, id, post_id, text_hash(text)]);
        Ok(())
    }

    /// Users as plain structs or models.
    pub(crate) fn of_users<U: UserRow>(rows: &[U]) -> Self {
        let mut d = Digest::default();
        rows.iter().for_each(|u| d.user(u));
        d
    }

    /// Users as tracked objects.
    pub(crate) fn of_user_objects(rows: &[Obj<User>]) -> Self {
        let mut d = Digest::default();
        rows.iter().for_each(|o| d.user(&*o.read()));
        d
    }

    /// Add a pair's optional post, under user `user_id`.
    fn maybe_post(&mut self, user_id: i64, p: Option<&impl PostRow>) -> BenchResult<()> {
        match p {
            Some(p) => self.post(user_id, p),
            None => {
                self.no_post += 1;
                Ok(())
            }
        }
    }

    /// `(user, optional post)` pairs as plain structs or models.
    pub(crate) fn of_pairs<U: UserRow, P: PostRow>(rows: &[(U, Option<P>)]) -> BenchResult<Self> {
        let mut d = Digest::default();
        for (u, p) in rows {
            d.user(u);
            d.maybe_post(u.columns().0, p.as_ref())?;
        }
        Ok(d)
    }

    /// `(user, optional post)` pairs of tracked objects.
    pub(crate) fn of_pair_objects(rows: &[(Obj<User>, Option<Obj<Post>>)]) -> BenchResult<Self> {
        let mut d = Digest::default();
        for (u, p) in rows {
            let u = u.read();
            d.user(&*u);
            d.maybe_post(u.id, p.as_ref().map(|p| p.read()).as_deref())?;
        }
        Ok(d)
    }

    /// A tree of plain structs or models.
    pub(crate) fn of_tree<U: UserRow, P: PostRow, C: CommentRow>(tree: &Tree<U, P, C>) -> BenchResult<Self> {
        let mut d = Digest::default();
        for (u, posts) in tree {
            d.user(u);
            let user_id = u.columns().0;
            for (p, comments) in posts {
                d.post(user_id, p)?;
                let post_id = p.columns().0;
                for c in comments {
                    d.comment(post_id, c)?;
                }
            }
        }
        Ok(d)
    }

    /// Tracked users with their posts and the posts' comments loaded (an error if not).
    pub(crate) fn of_object_tree(users: &[Obj<User>]) -> BenchResult<Self> {
        let mut d = Digest::default();
        for u in users {
            let u = u.read();
            d.user(&*u);
            for p in u.posts.get()? {
                let p = p.read();
                d.post(u.id, &*p)?;
                for c in p.comments.get()? {
                    d.comment(p.id, &*c.read())?;
                }
            }
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, hair: Option<&str>) -> PlainUser {
        PlainUser { id, name: format!("User {id}"), hair_color: hair.map(str::to_owned) }
    }

    #[test]
    fn digests_ignore_order_but_not_content() {
        let a = [user(1, None), user(2, Some("black"))];
        let b = [user(2, Some("black")), user(1, None)];
        assert_eq!(Digest::of_users(&a), Digest::of_users(&b));
        assert_ne!(Digest::of_users(&a), Digest::of_users(&[user(1, Some("")), user(2, Some("black"))]));
        assert_eq!(Digest::of_users(&a).users, 2);
    }

    #[test]
    fn pairs_count_missing_posts_and_reject_foreign_ones() {
        let post = PlainPost { id: 9, user_id: 1, title: "t".into(), body: None };
        let d = Digest::of_pairs(&[(user(1, None), Some(post.clone())), (user(2, None), None)]).unwrap();
        assert_eq!((d.users, d.posts, d.no_post), (2, 1, 1));
        assert!(Digest::of_pairs(&[(user(2, None), Some(post))]).is_err());
    }

    #[test]
    fn trees_check_every_parent_link() {
        let post = PlainPost { id: 9, user_id: 1, title: "t".into(), body: None };
        let comment = PlainComment { id: 4, post_id: 9, text: "c".into() };
        let tree: crate::diesel_raw::PlainTree = vec![(user(1, None), vec![(post.clone(), vec![comment.clone()])])];
        let d = Digest::of_tree(&tree).unwrap();
        assert_eq!((d.users, d.posts, d.comments), (1, 1, 1));
        let wrong = PlainComment { post_id: 8, ..comment };
        assert!(Digest::of_tree(&vec![(user(1, None), vec![(post, vec![wrong])])]).is_err());
    }
}
