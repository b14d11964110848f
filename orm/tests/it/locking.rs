//! Pessimistic locking (issue 11, part 1): `with_for_update` on queries and `get`, with
//! `NOWAIT`, `SKIP LOCKED`, `OF` and `FOR SHARE`; on SQLite, which has no row locks, the
//! database's write lock. SQLite runs on a file (WAL), PostgreSQL on the real server.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use orm::prelude::*;

use crate::common::both;
use orm::{Error, LockStrength};

use crate::concurrency::{each_concurrent_db, Counter};

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "lk_jobs")]
pub struct Job {
    #[orm(primary_key)]
    pub id: i64,
    pub done: bool,
    #[relationship(back_populates = job)]
    pub steps: HasMany<Step>,
}

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "lk_steps")]
pub struct Step {
    #[orm(primary_key)]
    pub id: i64,
    #[orm(foreign_key = Job::id)]
    pub job_id: i64,
    #[relationship(back_populates = steps)]
    pub job: BelongsTo<Job>,
}

/// The lock clauses as each dialect renders them: PostgreSQL's row locks; nothing on SQLite,
/// where the session takes the database's write lock instead.
#[test]
fn lock_clauses_per_dialect() {
    let shapes: Vec<(&str, RowLock)> = vec![
        ("for update", RowLock::update()),
        ("nowait", RowLock::update().nowait()),
        ("skip locked", RowLock::update().skip_locked()),
        ("of", RowLock::update().of::<Job>().skip_locked()),
        ("share", RowLock::share()),
        ("no key update", RowLock::update().strength_of(LockStrength::NoKeyUpdate).nowait()),
        ("key share", RowLock::share().strength_of(LockStrength::KeyShare)),
    ];
    let mut out = String::new();
    for (name, lock) in shapes {
        out.push_str(&format!("== {name}\n"));
        out.push_str(&both(|d| {
            select_model::<Job>()
                .filter(Job::done.eq(false))
                .order_by(Job::id.asc())
                .limit(5)
                .with_lock(lock.clone())
                .render(d)
        }));
    }
    out.push_str("== joined, with_for_update\n");
    out.push_str(&both(|d| {
        select((Job::id, Step::id)).join::<Step>().on(Step::job_id.eq(Job::id)).with_for_update().render(d)
    }));
    insta::assert_snapshot!(out);
}

fn setup(db: &crate::concurrency::ConcDb) {
    db.engine.create_all(&[Counter::table(), Job::table(), Step::table()]).unwrap();
    insert::<Counter>().values(&Counter { id: 1, n: 0 }).execute(&db.engine).unwrap();
    for id in 1..=4 {
        insert::<Job>().values(&Job { id, done: false, steps: HasMany::not_loaded() }).execute(&db.engine).unwrap();
        insert::<Step>().values(&Step { id, job_id: id, job: BelongsTo::not_loaded() }).execute(&db.engine).unwrap();
    }
}

/// A second session asking for a row another transaction holds `FOR UPDATE` waits until
/// that transaction commits, then sees its write. Would catch: a lock that is not taken
/// (the second reads the old value at once), on either database.
#[test]
fn get_for_update_makes_a_second_locker_wait() {
    each_concurrent_db(
        "lk_wait",
        |b| b,
        |db| {
            setup(db);
            let mut holder = db.engine.session();
            holder.begin(TransactionOptions::new()).unwrap();
            let c = holder.get_for_update::<Counter>(1).unwrap().expect("row");
            c.write().n = 41;
            holder.flush().unwrap();

            let (tx, rx) = mpsc::channel();
            let engine = db.engine.clone();
            let waiter = std::thread::spawn(move || {
                let seen = engine
                    .session()
                    .transaction(|s| {
                        let c = s.get_for_update::<Counter>(1)?.expect("row");
                        let n = c.read().n;
                        c.write().n = n + 1;
                        Ok::<_, orm::Error>(n)
                    })
                    .unwrap();
                tx.send(seen).unwrap();
            });
            assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "{}: the second locker must wait", db.name);
            holder.commit().unwrap();
            let seen = rx.recv_timeout(Duration::from_secs(10)).expect("the waiter finishes after the commit");
            waiter.join().unwrap();
            assert_eq!(seen, 41, "{}: the waiter read the value committed while it waited", db.name);
            let n: i64 = select(Counter::n).one(&db.engine).unwrap();
            assert_eq!(n, 42);
            db.assert_no_leaks();
        },
    );
}

/// `NOWAIT` fails at once with `LockTimeout` when the row (SQLite: the database) is locked,
/// and the session can go on after a rollback. Would catch: NOWAIT that waits, or an untyped
/// error.
#[test]
fn nowait_fails_at_once_when_locked() {
    each_concurrent_db(
        "lk_nowait",
        |b| b.lock_timeout(Duration::from_secs(5)),
        |db| {
            setup(db);
            let mut holder = db.engine.session();
            holder.get_for_update::<Counter>(1).unwrap().expect("row");
            let mut other = db.engine.session();
            let t = Instant::now();
            let err = other.get_with_lock::<Counter>(1, RowLock::update().nowait()).unwrap_err();
            assert!(matches!(err, Error::LockTimeout { .. }) && err.is_timeout(), "{}: {err:?}", db.name);
            assert!(t.elapsed() < Duration::from_secs(1), "{}: {:?}", db.name, t.elapsed());
            other.rollback().unwrap();
            holder.commit().unwrap();
            let c = other.get_with_lock::<Counter>(1, RowLock::update().nowait()).unwrap().expect("row");
            assert_eq!(c.read().n, 0);
            other.commit().unwrap();
            drop((holder, other));
            db.assert_no_leaks();
        },
    );
}

/// `SKIP LOCKED`: a work queue. Another worker holds jobs 1 and 2; this one gets 3 and 4 on
/// PostgreSQL, and nothing on SQLite (its one lock covers every row: nothing is free).
/// Would catch: SKIP LOCKED that waits or returns locked rows.
#[test]
fn skip_locked_leaves_out_what_others_hold() {
    each_concurrent_db(
        "lk_skip",
        |b| b,
        |db| {
            setup(db);
            let mut first = db.engine.session();
            let mine =
                first.query::<Job>().filter(Job::id.le(2)).order_by(Job::id.asc()).with_for_update().all().unwrap();
            assert_eq!(mine.len(), 2);
            let mut second = db.engine.session();
            let t = Instant::now();
            let free: Vec<i64> = second
                .query::<Job>()
                .order_by(Job::id.asc())
                .with_lock(RowLock::update().skip_locked())
                .all()
                .unwrap()
                .iter()
                .map(|j| j.read().id)
                .collect();
            assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
            if db.is_pg() {
                assert_eq!(free, [3, 4]);
            } else {
                assert!(free.is_empty(), "SQLite: every row is behind the one write lock: {free:?}");
            }
            second.rollback().unwrap();
            first.commit().unwrap();
            let all = second.query::<Job>().with_lock(RowLock::update().skip_locked()).all().unwrap();
            assert_eq!(all.len(), 4, "{}: nothing is locked any more", db.name);
            second.commit().unwrap();
            drop((first, second));
            db.assert_no_leaks();
        },
    );
}

/// A locking read brings the session's object up to date (it may have been read before
/// another transaction changed the row), unless it was written since. Would catch: a
/// locked read that hands back the stale object of the identity map (a lost update).
#[test]
fn locking_read_refreshes_the_identity_map() {
    each_concurrent_db(
        "lk_fresh",
        |b| b,
        |db| {
            setup(db);
            let mut s = db.engine.session();
            let c = s.get::<Counter>(1).unwrap().expect("row");
            db.other_engine().execute("UPDATE cc_counters SET n = 5", &[]).unwrap();
            assert_eq!(s.get::<Counter>(1).unwrap().unwrap().read().n, 0, "a plain get serves the identity map");
            let locked = s.get_for_update::<Counter>(1).unwrap().expect("row");
            assert!(locked.ptr_eq(&c), "one row, one object");
            assert_eq!(c.read().n, 5, "{}: the locking read refreshed it", db.name);
            c.write().n += 1;
            s.commit().unwrap();
            assert_eq!(select(Counter::n).one::<_, _>(&db.engine).unwrap(), 6);
            db.assert_no_leaks();
        },
    );
}

/// Core `select(..).with_for_update()` through a session locks like the ORM query does;
/// a joined-eager query locks its own rows (`OF`, PostgreSQL refuses to lock the nullable
/// side of an outer join). Would catch: the Core path ignoring the session's transaction.
#[test]
fn core_and_joined_queries_lock_through_the_session() {
    each_concurrent_db(
        "lk_core",
        |b| b,
        |db| {
            setup(db);
            let mut holder = db.engine.session();
            let rows = select_model::<Counter>().with_for_update().all(&mut holder).unwrap();
            assert_eq!(rows.len(), 1);
            let mut other = db.engine.session();
            let err = other.get_with_lock::<Counter>(1, RowLock::update().nowait()).unwrap_err();
            assert!(matches!(err, Error::LockTimeout { .. }), "{}: {err:?}", db.name);
            other.rollback().unwrap();
            holder.commit().unwrap();

            let jobs = holder.query::<Job>().options(joinedload(Job::steps)).with_for_update().all().unwrap();
            assert_eq!(jobs.len(), 4);
            assert_eq!(jobs[0].read().steps.get().unwrap().len(), 1);
            let err = other.get_with_lock::<Job>(1, RowLock::update().nowait()).unwrap_err();
            assert!(matches!(err, Error::LockTimeout { .. }), "{}: {err:?}", db.name);
            other.rollback().unwrap();
            holder.commit().unwrap();
            drop((holder, other));
            db.assert_no_leaks();
        },
    );
}

/// SQLite: a locking read in a transaction that has only read so far takes the write lock
/// with a write that changes nothing; when another connection committed since the
/// transaction's first read, that is the retryable stale-snapshot `Busy` (PostgreSQL's
/// REPEATABLE READ answers the same situation with a serialization failure). Would catch: a
/// locking read that runs without the write lock.
#[test]
fn locking_read_after_reads_upgrades_or_conflicts() {
    each_concurrent_db(
        "lk_upgrade",
        |b| b,
        |db| {
            setup(db);
            let mut s = db.engine.session();
            s.begin(IsolationLevel::RepeatableRead).unwrap();
            assert_eq!(s.query::<Job>().count().unwrap(), 4);
            s.get_for_update::<Counter>(1).unwrap().expect("row");
            // The lock is held: another writer cannot go ahead.
            let mut other = db.engine.session();
            assert!(matches!(
                other.get_with_lock::<Counter>(1, RowLock::update().nowait()),
                Err(Error::LockTimeout { .. })
            ));
            other.rollback().unwrap();
            s.commit().unwrap();

            s.begin(IsolationLevel::RepeatableRead).unwrap();
            assert_eq!(s.query::<Job>().count().unwrap(), 4);
            db.other_engine().execute("UPDATE cc_counters SET n = n + 1", &[]).unwrap();
            let err = s.get_for_update::<Counter>(1).unwrap_err();
            if db.is_pg() {
                assert!(matches!(err, Error::Serialization { .. }), "{err:?}");
            } else {
                assert!(matches!(err, Error::Busy { stale_snapshot: true, .. }), "{err:?}");
            }
            assert!(err.is_retryable());
            s.rollback().unwrap();
            drop((s, other));
            db.assert_no_leaks();
        },
    );
}
