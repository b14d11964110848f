//! The orm side of Diesel's cases: each one through the Core API (plain model values) and
//! through a fresh session (tracked objects), on either backend.

use orm::{
    model, select_model, selectinload, DialectKind, Engine, Expression as _, Fetch as _, FetchObjects as _,
    Loader as _, Obj, QueryBuilder as _,
};

use crate::bench::check;
use crate::diesel_group::{group, keys};
use crate::diesel_model::{comments, posts, tables, users, Comment, Post, Seed, Tree, User};
use crate::raw::BenchResult;

/// The PostgreSQL setting of both sides' connections in Diesel's cases: a commit does not
/// wait for its WAL flush. The inserts commit once per operation, and on this kind of VM a
/// flush takes 0.15 to 3 ms depending on other disk traffic (a build, another test run),
/// which swamped the client-side cost the ratios are about.
pub(crate) const NO_COMMIT_WAIT: &str = "SET synchronous_commit = off";

/// An orm engine with Diesel's tables created.
#[derive(Debug)]
pub(crate) struct DieselOrm {
    engine: Engine,
}

impl DieselOrm {
    /// An in-memory SQLite engine (`sqlite::memory:`, its own database).
    pub(crate) fn sqlite() -> BenchResult<Self> {
        Self::with_engine(Engine::connect("sqlite::memory:")?)
    }

    /// A PostgreSQL engine whose connections use `schema` as their `search_path` and run
    /// [`NO_COMMIT_WAIT`] when they open.
    pub(crate) fn postgres(url: &str, schema: &str) -> BenchResult<Self> {
        let engine = Engine::builder(url)
            .search_path(schema)
            .on_connect(|conn| conn.execute(NO_COMMIT_WAIT, &[]).map(drop))
            .build()?;
        let setting: String = orm::text("SHOW synchronous_commit").scalar(&engine)?;
        check("orm connections: synchronous_commit", setting.as_str(), "off")?;
        Self::with_engine(engine)
    }

    fn with_engine(engine: Engine) -> BenchResult<Self> {
        engine.create_all(&tables())?;
        Ok(DieselOrm { engine })
    }

    /// Empty the three tables (untimed); generated ids start at 1 again, as on the raw side.
    pub(crate) fn reset(&self) -> BenchResult<()> {
        match self.engine.dialect_kind() {
            // Children first (foreign keys); an INTEGER PRIMARY KEY of an empty table
            // restarts at 1.
            DialectKind::Sqlite => {
                orm::delete::<Comment>().all_rows().execute(&self.engine)?;
                orm::delete::<Post>().all_rows().execute(&self.engine)?;
                orm::delete::<User>().all_rows().execute(&self.engine)?;
            }
            DialectKind::Postgres => {
                self.engine.execute("TRUNCATE dc_comments, dc_posts, dc_users RESTART IDENTITY", &[])?;
            }
        }
        Ok(())
    }

    /// Insert a case's starting data into the (empty) tables (untimed), children with the
    /// keys their parents were given.
    pub(crate) fn seed(&self, seed: Seed) -> BenchResult<()> {
        let user_ids = orm::insert::<User>().values_many(&users(seed.users, seed.hair)).returning_keys(&self.engine)?;
        if seed.children {
            let post_ids = orm::insert::<Post>().values_many(&posts(&user_ids)).returning_keys(&self.engine)?;
            orm::insert::<Comment>().values_many(&comments(&post_ids)).execute(&self.engine)?;
        }
        Ok(())
    }

    /// Number of users (untimed check).
    pub(crate) fn count_users(&self) -> BenchResult<i64> {
        Ok(orm::select(orm::func::count_all()).from::<User>().one(&self.engine)?)
    }

    /// Trivial query, Core: every user as a plain model (a pool checkout per call).
    pub(crate) fn load_core(&self) -> BenchResult<Vec<User>> {
        Ok(select_model::<User>().all(&self.engine)?)
    }

    /// Trivial query, Session: every user tracked by a fresh session, closed inside the
    /// measured region (that is part of using one).
    pub(crate) fn load_session(&self) -> BenchResult<Vec<Obj<User>>> {
        let mut s = self.engine.session();
        let users = s.query::<User>().all()?;
        s.close()?;
        Ok(users)
    }

    /// Medium complex query, Core: `(User, Option<Post>)` over a LEFT OUTER JOIN (its ON
    /// clause from the foreign key), users of hair colour `hair`.
    pub(crate) fn users_with_posts_core(&self, hair: &str) -> BenchResult<Vec<(User, Option<Post>)>> {
        Ok(orm::select((model::<User>(), model::<Option<Post>>()))
            .outerjoin::<Post>()
            .filter(User::hair_color.eq(hair))
            .all(&self.engine)?)
    }

    /// Medium complex query, Session: a pair query outer-joined along `User::posts`.
    pub(crate) fn users_with_posts_session(&self, hair: &str) -> BenchResult<Vec<(Obj<User>, Option<Obj<Post>>)>> {
        let mut s = self.engine.session();
        let pairs = s.query::<(User, Post)>().outerjoin_related(User::posts).filter(User::hair_color.eq(hair)).all()?;
        s.close()?;
        Ok(pairs)
    }

    /// Insert, Core: `insert().values_many()` (one multi-row statement for these sizes).
    pub(crate) fn insert_core(&self, rows: &[User]) -> BenchResult<()> {
        orm::insert::<User>().values_many(rows).execute(&self.engine)?;
        Ok(())
    }

    /// Insert, Session: every row added to a fresh session (a clone each, since `add`
    /// takes ownership), then one commit.
    pub(crate) fn insert_session(&self, rows: &[User]) -> BenchResult<()> {
        let mut s = self.engine.session();
        s.add_all(rows.iter().cloned())?;
        s.commit()?;
        Ok(())
    }

    /// Association loading, Core: the raw side's three statements built with the Core API on
    /// one checked-out connection (autocommit, like the raw client), grouped by hand.
    pub(crate) fn associations_core(&self) -> BenchResult<Tree<User, Post, Comment>> {
        let mut conn = self.engine.connection()?;
        conn.set_autocommit(true)?;
        let users = select_model::<User>().all(&mut conn)?;
        let posts = select_model::<Post>().filter(Post::user_id.in_(keys(&users))).all(&mut conn)?;
        let comments = select_model::<Comment>().filter(Comment::post_id.in_(keys(&posts))).all(&mut conn)?;
        group(users, posts, comments)
    }

    /// Association loading, Session: nested `selectinload`s in a fresh session.
    pub(crate) fn associations_session(&self) -> BenchResult<Vec<Obj<User>>> {
        let mut s = self.engine.session();
        let users = s.query::<User>().options(selectinload(User::posts).then(selectinload(Post::comments))).all()?;
        s.close()?;
        Ok(users)
    }
}
