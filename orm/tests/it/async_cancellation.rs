//! Cancellation of async session calls, on both databases: futures dropped at random points
//! (a timeout around them) never leave a half-written transaction on a pooled connection,
//! and what a dropped call did is reported, so the rows in the database are exactly the
//! commits that were reported.

use std::time::{Duration, Instant};

use orm::asyncio::{AsyncSession, Interrupted, Runs};
use orm::prelude::*;

use crate::async_session::{app, block_on, engine, user, users, User};
use crate::common::each_db;
use crate::fault_support::assert_no_leaks_any;

/// A small deterministic generator (xorshift), seeded per run and printed, so that a failing
/// run can be repeated with `ORM_TEST_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("ORM_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.subsec_nanos().into())
                | 1
        });
        eprintln!("async cancellation seed: {seed} (ORM_TEST_SEED to repeat)");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Whether the reports say a commit (of a plain call or of a transaction) went through.
fn committed(reports: &[Interrupted]) -> bool {
    reports.iter().any(|r| r.operation() == "commit" && r.succeeded())
}

/// Wait until every connection of the engine is back in the pool (a hop that outlived its
/// future may still be finishing).
async fn pool_settles(engine: &orm::Engine, name: &str) {
    let start = Instant::now();
    loop {
        let status = engine.pool_status();
        if status.connections == status.idle {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{name}: a connection stays checked out: {status:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn futures_dropped_at_random_points_leave_exactly_the_reported_commits() {
    each_db("ac_random", |db| {
        for runs in [Runs::OnBlockingPool, Runs::InPlace] {
            let engine = engine(db).runs(runs);
            let mut rng = Rng::new();
            let (sync_engine, name) = (db.engine.clone(), db.name);
            // In a spawned task, as a service's handler: `InPlace` runs on the worker itself.
            block_on(async move {
                tokio::spawn(async move {
                    let mut expected = 0;
                    let (mut cut, mut whole) = (0, 0);
                    // The first runs go uncut and measure a whole run: its time and how many times it
                    // is polled. Then each run is dropped after a random number of polls (a point
                    // between two awaits, or in the middle of a hop) or by a timeout (tokio's timer
                    // counts whole milliseconds), up to one and a half times the whole run.
                    let (mut longest, mut most_polls) = (Duration::ZERO, 0u64);
                    for i in 0..84 {
                        let s = engine.session();
                        let names = [format!("r{i}a"), format!("r{i}b"), format!("r{i}c")];
                        let transactional = i % 2 == 1;
                        let work = {
                            let (s, names) = (s.clone(), names.clone());
                            async move {
                                if transactional {
                                    s.transaction(async |s: &AsyncSession| {
                                        for n in &names {
                                            s.add(user(n, 1)).await?;
                                            s.flush().await?;
                                        }
                                        Ok::<_, orm::Error>(())
                                    })
                                    .await
                                } else {
                                    for n in &names {
                                        s.add(user(n, 1)).await?;
                                    }
                                    s.flush().await?;
                                    s.commit().await
                                }
                            }
                        };
                        let started = Instant::now();
                        let outcome = if i < 4 {
                            let (out, polls) = polled(u64::MAX, work).await;
                            most_polls = most_polls.max(polls);
                            longest = longest.max(started.elapsed());
                            out
                        } else if (i / 2) % 2 == 0 {
                            polled(rng.below(most_polls * 3 / 2 + 1), work).await.0
                        } else {
                            let budget = Duration::from_micros(
                                rng.below(u64::try_from(longest.as_micros()).unwrap_or(u64::MAX) * 3 / 2 + 1),
                            );
                            tokio::time::timeout(budget, work).await.ok()
                        };
                        match outcome {
                            Some(result) => {
                                result.unwrap();
                                expected += 3;
                                whole += 1;
                                // Nothing was dropped: nothing to report.
                                s.close().await.unwrap();
                                assert!(s.interrupted().is_empty());
                            }
                            None => {
                                cut += 1;
                                // The next call waits for the hop the future left behind; an abandoned
                                // transaction is rolled back first.
                                let _ = s.close().await;
                                let reports = s.interrupted();
                                if committed(&reports) {
                                    expected += 3;
                                }
                            }
                        }
                        pool_settles(&sync_engine, name).await;
                        assert_eq!(users(&engine).await, expected, "{name}: iteration {i}");
                    }
                    eprintln!("{name} {runs:?}: {whole} whole, {cut} cut, {expected} rows");
                    assert!(whole > 0 && cut > 0, "{name}: the budgets should cut some runs and not others");
                })
                .await
            })
            .unwrap();
            assert_no_leaks_any(&db.engine, app(db));
        }
    });
}

#[test]
fn a_transaction_dropped_in_its_work_is_rolled_back_and_reported() {
    each_db("ac_transaction", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let work = {
                let s = s.clone();
                async move {
                    s.transaction(async |s: &AsyncSession| {
                        s.add(user("ada", 36)).await?;
                        s.flush().await?;
                        let _ = tx.send(());
                        // Never returns: the caller gives up here.
                        std::future::pending::<()>().await;
                        Ok::<_, orm::Error>(())
                    })
                    .await
                }
            };
            let task = tokio::spawn(work);
            rx.await.unwrap();
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());

            // The flushed row is inside a transaction nobody will finish: the next call
            // rolls it back and says so, as after a failed flush.
            let next = s.add(user("bob", 20)).await;
            match next {
                Err(orm::Error::PendingRollback { original }) => {
                    assert!(matches!(*original, orm::Error::Interrupted { operation: "transaction" }), "{original:?}")
                }
                other => panic!("{}: expected PendingRollback, got {other:?}", db.name),
            }
            let reports = s.interrupted();
            assert_eq!(reports.len(), 1, "{reports:?}");
            assert_eq!(reports[0].operation(), "transaction");
            assert!(matches!(reports[0].error(), Some(orm::Error::Interrupted { .. })));
            assert_eq!(users(&engine).await, 0, "{}: nothing was committed", db.name);
            s.rollback().await.unwrap();
            let bob = s.add(user("bob", 20)).await.unwrap();
            s.commit().await.unwrap();
            assert_eq!(bob.state(), ObjectState::Persistent);
            assert_eq!(users(&engine).await, 1);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn a_commit_whose_future_is_dropped_runs_to_its_end_and_is_reported() {
    each_db("ac_commit", |db| {
        let engine = engine(db);
        block_on(async {
            // Polled once, so that its hop starts, then dropped. On a loaded machine the
            // blocking thread can finish the commit before that one poll looks at it: such a
            // round proves nothing, and another one is run.
            let mut attempt = 0;
            let s = loop {
                attempt += 1;
                assert!(attempt <= 20, "{}: every commit finished within its first poll", db.name);
                let s = engine.session();
                for i in 0..200 {
                    s.add(user(&format!("c{attempt}-{i}"), i)).await.unwrap();
                }
                let mut commit = Box::pin(s.commit());
                match futures_poll_once(&mut commit).await {
                    Some(done) => done.unwrap(),
                    None => {
                        drop(commit);
                        break s;
                    }
                }
            };
            // The next call waits for the commit, which went through whole.
            let n = s.query::<User>().count().await.unwrap();
            assert_eq!(n, 200 * attempt, "{}", db.name);
            let reports = s.interrupted();
            assert_eq!(reports.len(), 1, "{reports:?}");
            assert!(reports[0].operation() == "commit" && reports[0].succeeded(), "{}", reports[0]);
            assert!(reports[0].to_string().contains("ran to its end"), "{}", reports[0]);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn a_session_dropped_while_its_flush_runs_rolls_back_on_the_blocking_pool() {
    each_db("ac_dropped_session", |db| {
        let engine = engine(db);
        block_on(async {
            for round in 0..5 {
                let s = engine.session();
                for i in 0..100 {
                    s.add(user(&format!("d{round}-{i}"), i)).await.unwrap();
                }
                let mut flush = Box::pin(s.flush());
                let _ = futures_poll_once(&mut flush).await;
                drop(flush);
                drop(s);
                pool_settles(&db.engine, db.name).await;
                assert_eq!(users(&engine).await, 0, "{}: round {round}", db.name);
            }
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

/// Run `f`, dropping it when it has been polled `limit` times without finishing: its output
/// (`None` when dropped) and how many times it was polled.
async fn polled<F: std::future::Future>(limit: u64, f: F) -> (Option<F::Output>, u64) {
    use std::task::Poll;
    let mut f = Box::pin(f);
    let mut polls = 0;
    let out = std::future::poll_fn(|cx| {
        if polls >= limit {
            return Poll::Ready(None);
        }
        polls += 1;
        f.as_mut().poll(cx).map(Some)
    })
    .await;
    (out, polls)
}

/// Poll `f` once: its output if it was ready at once.
async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
    use std::task::Poll;
    std::future::poll_fn(|cx| {
        Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}
