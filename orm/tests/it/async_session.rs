//! `orm::asyncio`: the async engine and session, on both databases — the sync vocabulary
//! with `.await`, one identity map, objects across `.await` and tasks, Core statements,
//! `run_sync`, transactions with the caller's error type, and many sessions at once.

use std::future::Future;

use orm::asyncio::{AsyncEngine, AsyncSession, AsyncSessionFactory};
use orm::prelude::*;

use crate::common::{each_db, Db};
use crate::fault_support::assert_no_leaks_any;

#[derive(Model, Debug)]
#[orm(table = "as_users")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(unique)]
    pub name: String,
    pub age: i32,
    pub orders: orm::HasMany<Order>,
}

#[derive(Model, Debug)]
#[orm(table = "as_orders")]
pub struct Order {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = User::id)]
    pub user_id: i64,
    pub total: i64,
    pub user: orm::BelongsTo<User>,
}

pub fn user(name: &str, age: i32) -> User {
    User { id: 0, name: name.into(), age, orders: orm::HasMany::new() }
}

pub fn order(user_id: i64, total: i64) -> Order {
    Order { id: 0, user_id, total, user: orm::BelongsTo::not_loaded() }
}

/// Run `f` on a multi-threaded runtime of two workers (this machine's cores).
pub fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(f)
}

/// The test's engine, async, with the tables made.
pub fn engine(db: &Db) -> AsyncEngine {
    db.engine.drop_all(&[Order::table(), User::table()]).unwrap();
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
    AsyncEngine::from(db.engine.clone())
}

pub fn app(db: &Db) -> Option<&str> {
    db.is_pg().then_some(db.app.as_str())
}

pub async fn users(engine: &AsyncEngine) -> i64 {
    engine.one(select(func::count_all()).from::<User>()).await.unwrap()
}

#[test]
fn the_sync_vocabulary_runs_with_await_over_one_identity_map() {
    each_db("as_vocabulary", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let ada = s.add(user("ada", 36)).await.unwrap();
            s.add_all([user("bob", 17), user("cy", 52)]).await.unwrap();
            assert_eq!(ada.state(), ObjectState::Pending);
            s.flush().await.unwrap();
            let id = ada.read().id;
            s.add(order(id, 120)).await.unwrap();
            s.add(order(id, 30)).await.unwrap();
            s.commit().await.unwrap();

            // get: the same object; a query: the same object again.
            let again = s.get::<User>(id).await.unwrap().unwrap();
            assert!(again.ptr_eq(&ada));
            let adults = s.query::<User>().filter(User::age.ge(18)).order_by(User::name).all().await.unwrap();
            let names: Vec<String> = adults.iter().map(|u| u.read().name.clone()).collect();
            assert_eq!(names, ["ada", "cy"], "{}", db.name);
            assert!(adults[0].ptr_eq(&ada));
            assert_eq!(s.query::<User>().filter(User::age.lt(18)).count().await.unwrap(), 1);
            assert!(s.query::<User>().filter(User::name.eq("cy")).exists().await.unwrap());
            let none = s.query::<User>().filter(User::name.eq("zed")).one_or_none().await.unwrap();
            assert!(none.is_none());
            assert!(matches!(
                s.query::<User>().filter(User::name.eq("zed")).one().await,
                Err(orm::Error::NotFound { .. })
            ));

            // A loader option: the orders come with the query.
            let loaded =
                s.query::<User>().options(selectinload(User::orders)).filter(User::id.eq(id)).one().await.unwrap();
            assert_eq!(loaded.read().orders.get().unwrap().len(), 2);
            // Explicit lazy loading.
            let bob = s.query::<User>().filter(User::name.eq("bob")).one().await.unwrap();
            s.load(&bob, User::orders).await.unwrap();
            assert!(bob.read().orders.get().unwrap().is_empty());

            // Change tracking: a write through the handle, flushed by commit.
            ada.write().age = 37;
            s.commit().await.unwrap();
            let age: i32 = engine.one(select(User::age).filter(User::id.eq(id))).await.unwrap();
            assert_eq!(age, 37);

            // Delete, merge, refresh, expunge.
            s.delete(&bob).await.unwrap();
            s.commit().await.unwrap();
            assert_eq!(bob.state(), ObjectState::Detached);
            let merged = s.merge(User { id, name: "ada".into(), age: 40, orders: orm::HasMany::new() }).await.unwrap();
            assert!(merged.ptr_eq(&ada));
            s.rollback().await.unwrap();
            s.refresh(&ada).await.unwrap();
            assert_eq!(ada.read().age, 37);
            s.expunge(&ada).await.unwrap();
            assert_eq!(ada.state(), ObjectState::Detached);

            // Raw SQL as objects.
            let raw = s
                .from_statement::<User>(text("SELECT * FROM as_users WHERE name = :n").bind("n", "cy"))
                .one()
                .await
                .unwrap();
            assert_eq!(raw.read().age, 52);
            s.close().await.unwrap();
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn objects_cross_await_points_and_tasks() {
    each_db("as_objects_cross", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let ada = s.add(user("ada", 36)).await.unwrap();
            s.commit().await.unwrap();
            // The handle and the session move into another task, and back.
            let (s2, ada2) = (s.clone(), ada.clone());
            let age = tokio::spawn(async move {
                let id = ada2.read().id;
                let same = s2.get::<User>(id).await.unwrap().unwrap();
                same.write().age += 1;
                s2.commit().await.unwrap();
                let age = same.read().age;
                age
            })
            .await
            .unwrap();
            assert_eq!(age, 37);
            assert_eq!(ada.read().age, 37, "one object, seen through both handles");
        });
    });
}

#[test]
fn core_statements_run_on_the_engine_and_in_the_session_transaction() {
    each_db("as_core", |db| {
        let engine = engine(db);
        block_on(async {
            let n = engine.execute(insert::<User>().set(User::name, "ada").set(User::age, 36)).await.unwrap();
            assert_eq!(n, 1);
            engine.execute(insert::<User>().set(User::name, "bob").set(User::age, 17)).await.unwrap();
            let names: Vec<String> = engine.all(select(User::name).order_by(User::name)).await.unwrap();
            assert_eq!(names, ["ada", "bob"]);
            assert_eq!(engine.first(select(User::name).filter(User::age.gt(100))).await.unwrap(), None);
            let raw: Vec<(String, i32)> =
                engine.all(text("SELECT name, age FROM as_users WHERE age > :a").bind("a", 20).rows()).await.unwrap();
            assert_eq!(raw, [("ada".to_string(), 36)]);

            // In the session's transaction: seen inside, gone after rollback.
            let s = engine.session();
            s.begin(orm::TransactionOptions::new()).await.unwrap();
            let changed = s.execute(update::<User>().set(User::age, 1).filter(User::name.eq("bob"))).await.unwrap();
            assert_eq!(changed, 1);
            let inside: i32 = s.one(select(User::age).filter(User::name.eq("bob"))).await.unwrap();
            assert_eq!(inside, 1);
            assert!(s.in_transaction().await);
            s.execute(text("DELETE FROM as_users WHERE name = :n").bind("n", "ada")).await.unwrap();
            s.rollback().await.unwrap();
            assert_eq!(users(&engine).await, 2);
            let age: i32 = engine.one(select(User::age).filter(User::name.eq("bob"))).await.unwrap();
            assert_eq!(age, 17, "{}", db.name);
            let deleted = engine.execute(delete::<User>().filter(User::name.eq("bob"))).await.unwrap();
            assert_eq!(deleted, 1);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn run_sync_runs_a_block_of_sync_work_in_one_hop() {
    each_db("as_run_sync", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let ids = s
                .run_sync(|s| {
                    let objs = (0..10).map(|i| s.add(user(&format!("u{i}"), i))).collect::<orm::Result<Vec<_>>>()?;
                    s.commit()?;
                    Ok(objs.iter().map(|o| o.read().id).collect::<Vec<_>>())
                })
                .await
                .unwrap();
            assert_eq!(ids.len(), 10);
            // The objects are the session's: the async calls see them.
            let first = s.get::<User>(ids[0]).await.unwrap().unwrap();
            assert_eq!(first.read().name, "u0");
            let n = engine.run_sync(|e| select(func::count_all()).from::<User>().one(e)).await.unwrap();
            assert_eq!(n, 10);
        });
    });
}

/// The application's own error, which `transaction` hands back unchanged.
#[derive(Debug)]
enum AppError {
    Db(orm::Error),
    TooYoung(i32),
}

impl From<orm::Error> for AppError {
    fn from(e: orm::Error) -> Self {
        AppError::Db(e)
    }
}

#[test]
fn transaction_commits_on_ok_and_rolls_back_on_the_callers_own_error() {
    each_db("as_transaction", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let id = s
                .transaction(async |s: &AsyncSession| {
                    let u = s.add(user("ada", 36)).await?;
                    s.flush().await?;
                    let id = u.read().id;
                    Ok::<_, AppError>(id)
                })
                .await
                .unwrap();
            assert!(id > 0);
            assert_eq!(users(&engine).await, 1);

            let refused = s
                .transaction(async |s: &AsyncSession| {
                    s.add(user("kid", 9)).await?;
                    s.flush().await?;
                    Err::<(), _>(AppError::TooYoung(9))
                })
                .await;
            assert!(matches!(refused, Err(AppError::TooYoung(9))), "{refused:?}");
            assert_eq!(users(&engine).await, 1, "{}: rolled back", db.name);

            // A database error inside comes out through the caller's type.
            let dup = s
                .transaction(async |s: &AsyncSession| {
                    s.add(user("ada", 1)).await?;
                    s.flush().await?;
                    Ok::<_, AppError>(())
                })
                .await;
            assert!(matches!(dup, Err(AppError::Db(orm::Error::UniqueViolation { .. }))), "{dup:?}");
            assert_eq!(users(&engine).await, 1);
            // The session goes on after the rollback.
            s.add(user("bob", 20)).await.unwrap();
            s.commit().await.unwrap();
            assert_eq!(users(&engine).await, 2);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn many_sessions_in_parallel_tasks_write_every_row() {
    each_db("as_parallel", |db| {
        let engine = engine(db);
        let factory = AsyncSessionFactory::new(&engine);
        block_on(async {
            let tasks: Vec<_> = (0..16)
                .map(|t| {
                    let factory = factory.clone();
                    tokio::spawn(async move {
                        for i in 0..10 {
                            let s = factory.session();
                            s.add(user(&format!("t{t}-{i}"), i)).await?;
                            s.commit().await?;
                        }
                        Ok::<_, orm::Error>(())
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap().unwrap();
            }
            assert_eq!(users(&engine).await, 160, "{}", db.name);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn a_panic_in_run_sync_reaches_the_caller_and_the_session_goes_on() {
    each_db("as_panic", |db| {
        let engine = engine(db);
        block_on(async {
            let s = engine.session();
            let s2 = s.clone();
            let panicked = tokio::spawn(async move {
                s2.run_sync(|s| {
                    s.add(user("ada", 36))?;
                    s.flush()?;
                    panic!("boom");
                    #[allow(unreachable_code)]
                    Ok(())
                })
                .await
            })
            .await;
            assert!(panicked.unwrap_err().is_panic());
            // The session is there for the next call; its flushed row was never committed.
            s.rollback().await.unwrap();
            s.add(user("bob", 20)).await.unwrap();
            s.commit().await.unwrap();
            assert_eq!(users(&engine).await, 1);
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}

#[test]
fn in_place_calls_serve_the_same_vocabulary_and_join_two_sessions() {
    each_db("as_in_place", |db| {
        let engine = engine(db).runs(orm::asyncio::Runs::InPlace);
        block_on(async move {
            tokio::spawn(async move {
                let (a, b) = (engine.session(), engine.session());
                a.add(user("ada", 36)).await.unwrap();
                b.add(user("bob", 17)).await.unwrap();
                // Two sessions of one task: in place they run one after the other.
                let (x, y) = tokio::join!(a.commit(), b.commit());
                x.unwrap();
                y.unwrap();
                let id = a
                    .transaction(async |s: &AsyncSession| {
                        let u = s.query::<User>().filter(User::name.eq("ada")).one().await?;
                        u.write().age += 1;
                        let id = u.read().id;
                        Ok::<_, orm::Error>(id)
                    })
                    .await
                    .unwrap();
                let age: i32 = engine.one(select(User::age).filter(User::id.eq(id))).await.unwrap();
                assert_eq!(age, 37);
                assert_eq!(users(&engine).await, 2);
                assert!(a.interrupted().is_empty() && b.interrupted().is_empty());
            })
            .await
            .unwrap();
        });
        assert_no_leaks_any(&db.engine, app(db));
    });
}
