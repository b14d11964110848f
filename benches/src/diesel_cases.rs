//! Diesel's own benchmark cases (its `diesel_bench` crate: trivial query, medium complex
//! query, insert, loading associations sequentially), each timed raw, through the orm's
//! Core API and through a session.
//!
//! Per case and size: the starting data is inserted; every side runs once and the results
//! are compared (untimed); the repetitions per sample are calibrated on the raw side; then
//! one untimed warm-up round and the timed rounds, each round one sample of raw, Core and
//! Session in turn, every sample the same number of back-to-back repetitions. Results are
//! dropped inside the timed loop, as criterion's `iter` (Diesel's harness) does.

use std::hint::black_box;
use std::time::{Duration, Instant};

use postgres::Client;

use crate::bench::check;
use crate::diesel_check::Digest;
use crate::diesel_model::{users, Hair, Seed, User, ASSOCIATION_USERS, CHILDREN};
use crate::diesel_orm::{DieselOrm, NO_COMMIT_WAIT};
use crate::diesel_pg::DieselPg;
use crate::diesel_raw::DieselRaw;
use crate::diesel_sqlite::DieselSqlite;
use crate::raw::BenchResult;
use crate::report::median;
use crate::sampling::{calibrate, per_op, Plan};

/// The hair colour the medium complex query filters on.
const HAIR: &str = "black";

/// One of Diesel's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Load every user.
    Trivial,
    /// Users of one hair colour LEFT JOIN posts, read as `(User, Option<Post>)`.
    Medium,
    /// Insert `size` users in one call.
    Insert,
    /// Users, then their posts, then the posts' comments, grouped into a tree.
    Associations,
}

impl Case {
    /// Every case, in table order.
    pub(crate) const ALL: [Case; 4] = [Case::Trivial, Case::Medium, Case::Insert, Case::Associations];

    /// The table's first column.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Case::Trivial => "trivial select",
            Case::Medium => "medium complex",
            Case::Insert => "insert",
            Case::Associations => "users → posts → comments",
        }
    }

    /// The sizes Diesel runs the case at (users in the table, or rows inserted).
    pub(crate) fn sizes(self) -> &'static [usize] {
        match self {
            Case::Trivial | Case::Medium => &[1, 10, 100, 1000, 10_000],
            Case::Insert => &[1, 10, 25, 50, 100],
            Case::Associations => &[ASSOCIATION_USERS],
        }
    }

    /// The size as the table shows it.
    pub(crate) fn size_label(self, size: usize) -> String {
        match self {
            Case::Associations => format!("{size}×{CHILDREN}×{CHILDREN}"),
            _ => size.to_string(),
        }
    }

    /// The data the case starts from (`None`: empty tables).
    fn seed(self, size: usize) -> Option<Seed> {
        match self {
            Case::Trivial => Some(Seed { users: size, hair: Hair::Null, children: false }),
            // As Diesel: users only, so every user's post is `None`.
            Case::Medium => Some(Seed { users: size, hair: Hair::BlackBrown, children: false }),
            Case::Insert => None,
            Case::Associations => Some(Seed { users: size, hair: Hair::BlackBrown, children: true }),
        }
    }

    /// Check the shape of a result's digest (the raw one; the others must equal it).
    fn check_shape(self, size: usize, d: Digest) -> BenchResult<()> {
        let what = |part: &str| format!("{} {size}: {part}", self.label());
        let (users, posts, no_post, comments) = match self {
            Case::Trivial | Case::Insert => (size, 0, 0, 0),
            // Users at even positions are black-haired; none has a post.
            Case::Medium => (size.div_ceil(2), 0, size.div_ceil(2), 0),
            Case::Associations => (size, size * CHILDREN, 0, size * CHILDREN * CHILDREN),
        };
        check(&what("users"), d.users, users)?;
        check(&what("posts"), d.posts, posts)?;
        check(&what("pairs without a post"), d.no_post, no_post)?;
        check(&what("comments"), d.comments, comments)
    }
}

/// Who runs an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The raw driver.
    Raw,
    /// The orm's Core API (plain model values).
    Core,
    /// A fresh orm session per operation (tracked objects).
    Session,
}

impl Side {
    /// Every side, in the order a round runs them.
    const ALL: [Side; 3] = [Side::Raw, Side::Core, Side::Session];
}

/// The medians of one case at one size, per operation.
#[derive(Debug, Clone)]
pub(crate) struct CaseLine {
    /// The case.
    pub(crate) case: Case,
    /// Its size.
    pub(crate) size: usize,
    /// Repetitions per sample.
    pub(crate) reps: usize,
    /// Raw driver.
    pub(crate) raw: Duration,
    /// Core API.
    pub(crate) core: Duration,
    /// Session.
    pub(crate) session: Duration,
}

/// SQLite: a private rusqlite in-memory database against the orm's own in-memory engine,
/// each with the same tables and data.
pub(crate) fn run_sqlite(plan: Plan) -> BenchResult<Vec<CaseLine>> {
    let orm = DieselOrm::sqlite()?;
    let mut raw = DieselSqlite::open()?;
    run(&mut Sides { raw: &mut raw, orm: &orm, shared: false }, plan)
}

/// PostgreSQL: the orm creates the tables in `schema` (the benchmark client's `search_path`,
/// dropped at the end with everything in it); both sides use those tables. Both sides'
/// connections run [`NO_COMMIT_WAIT`]; the client's setting is reset afterwards.
pub(crate) fn run_postgres(client: &mut Client, url: &str, schema: &str, plan: Plan) -> BenchResult<Vec<CaseLine>> {
    client.batch_execute(NO_COMMIT_WAIT)?;
    let result = run_postgres_cases(client, url, schema, plan);
    client.batch_execute("RESET synchronous_commit")?;
    result
}

/// [`run_postgres`] with the client set up.
fn run_postgres_cases(client: &mut Client, url: &str, schema: &str, plan: Plan) -> BenchResult<Vec<CaseLine>> {
    let orm = DieselOrm::postgres(url, schema)?;
    let mut raw = DieselPg::prepare(client)?;
    run(&mut Sides { raw: &mut raw, orm: &orm, shared: true }, plan)
}

/// Every case at every size.
fn run(sides: &mut Sides<'_>, plan: Plan) -> BenchResult<Vec<CaseLine>> {
    let mut lines = Vec::new();
    for case in Case::ALL {
        for &size in case.sizes() {
            lines.push(run_case(sides, case, size, plan)?);
        }
    }
    Ok(lines)
}

/// One case at one size: data, content check, calibration, rounds.
fn run_case(sides: &mut Sides<'_>, case: Case, size: usize, plan: Plan) -> BenchResult<CaseLine> {
    let rows = if case == Case::Insert { users(size, Hair::Constant) } else { Vec::new() };
    match case.seed(size) {
        Some(seed) => sides.seed(seed)?,
        None => sides.reset()?,
    }
    let want = sides.digest(case, Side::Raw, &rows)?;
    case.check_shape(size, want)?;
    for side in [Side::Core, Side::Session] {
        check(&format!("{} {size}: {side:?} vs raw", case.label()), sides.digest(case, side, &rows)?, want)?;
    }

    if case == Case::Insert {
        sides.reset()?;
    }
    let reps = calibrate(plan.target, || sides.once(case, Side::Raw, &rows))?;
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..=plan.samples {
        for (times, side) in samples.iter_mut().zip(Side::ALL) {
            let t = sides.sample(case, side, reps, &rows)?;
            // Round 0 is the warm-up.
            if round > 0 {
                times.push(t);
            }
        }
    }
    let [raw, core, session] = samples.map(|times| per_op(median(&times), reps));
    Ok(CaseLine { case, size, reps, raw, core, session })
}

/// One backend's raw and orm sides.
struct Sides<'a> {
    raw: &'a mut dyn DieselRaw,
    orm: &'a DieselOrm,
    /// Whether both read and write the same tables (PostgreSQL) rather than a database each.
    shared: bool,
}

impl Sides<'_> {
    /// Empty the tables (untimed).
    fn reset(&mut self) -> BenchResult<()> {
        self.raw.reset()?;
        if !self.shared {
            self.orm.reset()?;
        }
        Ok(())
    }

    /// Replace the data with `seed` (untimed).
    fn seed(&mut self, seed: Seed) -> BenchResult<()> {
        self.reset()?;
        self.raw.seed(seed)?;
        if !self.shared {
            self.orm.seed(seed)?;
        }
        Ok(())
    }

    /// Users in the table `side` writes to (untimed check).
    fn count(&mut self, side: Side) -> BenchResult<i64> {
        match side {
            Side::Raw => self.raw.count_users(),
            Side::Core | Side::Session => self.orm.count_users(),
        }
    }

    /// Run the operation once and digest what it returned (untimed). An insert starts from
    /// empty tables and is digested by reading the users back.
    fn digest(&mut self, case: Case, side: Side, rows: &[User]) -> BenchResult<Digest> {
        let (raw, orm) = (&mut *self.raw, self.orm);
        match (case, side) {
            (Case::Trivial, Side::Raw) => Ok(Digest::of_users(&raw.load_users()?)),
            (Case::Trivial, Side::Core) => Ok(Digest::of_users(&orm.load_core()?)),
            (Case::Trivial, Side::Session) => Ok(Digest::of_user_objects(&orm.load_session()?)),
            (Case::Medium, Side::Raw) => Digest::of_pairs(&raw.users_with_posts(HAIR)?),
            (Case::Medium, Side::Core) => Digest::of_pairs(&orm.users_with_posts_core(HAIR)?),
            (Case::Medium, Side::Session) => Digest::of_pair_objects(&orm.users_with_posts_session(HAIR)?),
            (Case::Insert, _) => {
                self.reset()?;
                self.once(case, side, rows)?;
                match side {
                    Side::Raw => Ok(Digest::of_users(&self.raw.load_users()?)),
                    Side::Core | Side::Session => Ok(Digest::of_users(&self.orm.load_core()?)),
                }
            }
            (Case::Associations, Side::Raw) => Digest::of_tree(&raw.associations()?),
            (Case::Associations, Side::Core) => Digest::of_tree(&orm.associations_core()?),
            (Case::Associations, Side::Session) => Digest::of_object_tree(&orm.associations_session()?),
        }
    }

    /// One operation; its result is dropped here.
    fn once(&mut self, case: Case, side: Side, rows: &[User]) -> BenchResult<()> {
        let (raw, orm) = (&mut *self.raw, self.orm);
        match (case, side) {
            (Case::Trivial, Side::Raw) => drop(black_box(raw.load_users()?)),
            (Case::Trivial, Side::Core) => drop(black_box(orm.load_core()?)),
            (Case::Trivial, Side::Session) => drop(black_box(orm.load_session()?)),
            (Case::Medium, Side::Raw) => drop(black_box(raw.users_with_posts(HAIR)?)),
            (Case::Medium, Side::Core) => drop(black_box(orm.users_with_posts_core(HAIR)?)),
            (Case::Medium, Side::Session) => drop(black_box(orm.users_with_posts_session(HAIR)?)),
            (Case::Insert, Side::Raw) => raw.insert_users(rows)?,
            (Case::Insert, Side::Core) => orm.insert_core(rows)?,
            (Case::Insert, Side::Session) => orm.insert_session(rows)?,
            (Case::Associations, Side::Raw) => drop(black_box(raw.associations()?)),
            (Case::Associations, Side::Core) => drop(black_box(orm.associations_core()?)),
            (Case::Associations, Side::Session) => drop(black_box(orm.associations_session()?)),
        }
        Ok(())
    }

    /// One timed sample: `reps` operations back to back. Inserts start from empty tables
    /// and their row count is checked afterwards (both untimed).
    fn sample(&mut self, case: Case, side: Side, reps: usize, rows: &[User]) -> BenchResult<Duration> {
        if case == Case::Insert {
            self.reset()?;
        }
        let start = Instant::now();
        for _ in 0..reps {
            self.once(case, side, rows)?;
        }
        let elapsed = start.elapsed();
        if case == Case::Insert {
            let want = i64::try_from(reps * rows.len())?;
            check(&format!("insert {} rows × {reps} ({side:?}): users", rows.len()), self.count(side)?, want)?;
        }
        Ok(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diesel_raw::{PlainPost, PlainUser};

    #[test]
    fn sizes_are_diesels() {
        assert_eq!(Case::Trivial.sizes(), [1, 10, 100, 1000, 10_000]);
        assert_eq!(Case::Insert.sizes(), [1, 10, 25, 50, 100]);
        assert_eq!(Case::Associations.size_label(100), "100×10×10");
        assert_eq!(Case::Medium.size_label(1000), "1000");
    }

    #[test]
    fn medium_results_hold_the_black_haired_half() {
        let pairs = |n: i64| {
            let rows: Vec<(PlainUser, Option<PlainPost>)> = (1..=n)
                .map(|id| (PlainUser { id, name: format!("User {id}"), hair_color: Some(HAIR.into()) }, None))
                .collect();
            Digest::of_pairs(&rows).unwrap()
        };
        assert!(Case::Medium.check_shape(1, pairs(1)).is_ok());
        assert!(Case::Medium.check_shape(10_000, pairs(5000)).is_ok());
        assert!(Case::Medium.check_shape(11, pairs(5)).is_err());
        assert!(Case::Trivial.check_shape(11, pairs(11)).is_err(), "pairs without posts are not plain users");
    }
}
