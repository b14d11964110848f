//! Core statements: typed selects, aggregates, group by / having, distinct, labels,
//! insert (one, many, returning keys), update and delete with row counts, streaming.

use orm::prelude::*;
use orm::{Error, Misuse};

use crate::common::{each_db, Db};
use crate::models::{Order, User};

fn seed(db: &Db) -> Vec<i64> {
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
    let users = [User::new("ada", 36), User::new("bob", 17), User::new("cy", 52)];
    let keys = insert::<User>().values_many(&users).returning_keys(&db.engine).unwrap();
    let orders: Vec<Order> = [(0, 10.0), (0, 30.0), (1, 5.0), (2, 7.5), (2, 2.5), (2, 1.0)]
        .iter()
        .map(|&(u, total)| Order { id: 0, user_id: keys[u], total, note: None })
        .collect();
    assert_eq!(insert::<Order>().values_many(&orders).execute(&db.engine).unwrap(), 6);
    keys
}

#[test]
fn select_tuples_and_single_columns() {
    each_db("c_select", |db| {
        let keys = seed(db);
        assert_eq!(keys.len(), 3);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let rows: Vec<(String, i32)> = select((User::name, User::age))
            .filter(User::age.gt(20))
            .order_by(User::age.desc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, vec![("cy".into(), 52), ("ada".into(), 36)]);
        let one: String = select(User::name).filter(User::id.eq(keys[1])).one(&db.engine).unwrap();
        assert_eq!(one, "bob");
        let none: Option<String> = select(User::name).filter(User::id.eq(-1)).first(&db.engine).unwrap();
        assert!(none.is_none());
        let models: Vec<User> = select_model::<User>().order_by(User::id).limit(2).all(&db.engine).unwrap();
        assert_eq!(models[0].name, "ada");
        assert_eq!(models[1], User { id: keys[1], ..User::new("bob", 17) });
        let distinct: Vec<bool> = select(User::active).distinct().all(&db.engine).unwrap();
        assert_eq!(distinct, vec![true]);
    });
}

#[test]
fn aggregates_group_by_having_labels() {
    each_db("c_aggregate", |db| {
        let keys = seed(db);
        let n: i64 = select(func::count_all()).from::<Order>().one(&db.engine).unwrap();
        assert_eq!(n, 6);
        let (total, avg_total, lo, hi): (Option<f64>, Option<f64>, Option<f64>, Option<f64>) = select((
            func::sum(Order::total),
            func::avg(Order::total),
            func::min(Order::total),
            func::max(Order::total),
        ))
        .one(&db.engine)
        .unwrap();
        assert_eq!(total, Some(56.0));
        assert!((avg_total.unwrap() - 56.0 / 6.0).abs() < 1e-9);
        assert_eq!((lo, hi), (Some(1.0), Some(30.0)));
        let ages: (Option<i64>, Option<f64>) =
            select((func::sum(User::age), func::avg(User::age))).one(&db.engine).unwrap();
        assert_eq!(ages.0, Some(105));
        assert!((ages.1.unwrap() - 35.0).abs() < 1e-9);
        let empty: Option<i64> = select(func::sum(User::age)).filter(User::age.gt(1000)).one(&db.engine).unwrap();
        assert_eq!(empty, None);

        let n = func::count(Order::id).label("n");
        let per_user: Vec<(i64, i64, Option<f64>)> = select((Order::user_id, n.clone(), func::sum(Order::total)))
            .group_by(Order::user_id)
            .having(func::count(Order::id).ge(2))
            .order_by(n.desc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(per_user, vec![(keys[2], 3, Some(11.0)), (keys[0], 2, Some(40.0))]);

        let lens: Vec<(i32, String, String)> =
            select((func::length(User::name), func::upper(User::name), func::lower(User::name)))
                .order_by(User::id)
                .all(&db.engine)
                .unwrap();
        assert_eq!(lens[0], (3, "ADA".into(), "ada".into()));
        let emails: Vec<String> =
            select(func::coalesce(User::email, "none")).order_by(User::id).all(&db.engine).unwrap();
        assert_eq!(emails, vec!["none"; 3]);
        let abs: i32 = select(func::call::<i32, _>("abs", (User::age - 100,)))
            .filter(User::name.eq("ada"))
            .one(&db.engine)
            .unwrap();
        assert_eq!(abs, 64);
        let cd: i64 = select(func::count_distinct(Order::user_id)).one(&db.engine).unwrap();
        assert_eq!(cd, 3);
    });
}

#[test]
fn insert_update_delete_with_row_counts() {
    each_db("c_modify", |db| {
        seed(db);
        let n = update::<User>().set(User::age, User::age + 1).filter(User::age.lt(40)).execute(&db.engine).unwrap();
        assert_eq!(n, 2);
        let ages: Vec<i32> = select(User::age).order_by(User::id).all(&db.engine).unwrap();
        assert_eq!(ages, vec![37, 18, 52]);
        let n = update::<User>().set(User::email, Some("x@y".to_string())).all_rows().execute(&db.engine).unwrap();
        assert_eq!(n, 3);
        // Without a filter `execute` does not compile (ui tests); rendering says why.
        assert!(matches!(
            update::<User>().set(User::age, 1).render(&orm::dialect::Sqlite),
            Err(Error::Misuse(Misuse::MissingFilter { statement: "UPDATE", table: "users" }))
        ));
        assert!(matches!(
            delete::<Order>().render(&orm::dialect::Postgres),
            Err(Error::Misuse(Misuse::MissingFilter { statement: "DELETE", table: "orders" }))
        ));
        assert_eq!(delete::<Order>().filter(Order::total.lt(6.0)).execute(&db.engine).unwrap(), 3);
        assert_eq!(delete::<Order>().all_rows().execute(&db.engine).unwrap(), 3);
        // Column/value insert: unset `active` takes its Rust default, `score` is set.
        let keys = insert::<User>()
            .set(User::name, "dan")
            .set(User::age, 3)
            .set(User::score, 1.0)
            .returning_keys(&db.engine)
            .unwrap();
        let active: bool = select(User::active).filter(User::id.eq(keys[0])).one(&db.engine).unwrap();
        assert!(active);
    });
}

#[test]
fn for_each_streams_rows() {
    each_db("c_stream", |db| {
        seed(db);
        let mut seen = Vec::new();
        select((User::id, User::name))
            .order_by(User::id)
            .for_each(&db.engine, |(_, name)| {
                seen.push(name);
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, ["ada", "bob", "cy"]);
    });
}

#[test]
fn core_statements_run_inside_a_session_transaction() {
    each_db("c_session", |db| {
        seed(db);
        let mut s = db.engine.session();
        insert::<User>().values(&User::new("tmp", 1)).execute(&mut s).unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&mut s).unwrap();
        assert_eq!(n, 4);
        s.rollback().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 3);
    });
}

#[test]
fn bulk_insert_is_split_under_the_parameter_limit() {
    each_db("c_bulk", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        // 6 parameters per row: 12,000 rows = 72,000 parameters, over both limits.
        let users: Vec<User> = (0..12_000).map(|i| User::new(&format!("u{i}"), i % 90)).collect();
        db.log.clear();
        assert_eq!(insert::<User>().values_many(&users).execute(&db.engine).unwrap(), 12_000);
        assert!(db.log.statements().len() >= 12, "split into several statements");
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 12_000);
    });
}

/// A model whose only column is its generated key.
#[derive(orm::Model, Debug)]
#[orm(table = "tickets")]
struct Ticket {
    #[orm(primary_key, auto_increment)]
    id: i64,
}

#[test]
fn rows_of_a_model_with_only_a_generated_key() {
    each_db("c_only_key", |db| {
        db.engine.create_all(&[Ticket::table()]).unwrap();
        let keys =
            insert::<Ticket>().values_many(&[Ticket { id: 0 }, Ticket { id: 0 }]).returning_keys(&db.engine).unwrap();
        assert_eq!(keys, vec![1, 2]);
        assert_eq!(insert::<Ticket>().values(&Ticket { id: 0 }).execute(&db.engine).unwrap(), 1);
        let mut s = db.engine.session();
        let t = s.add(Ticket { id: 0 }).unwrap();
        s.commit().unwrap();
        assert_eq!(t.read().id, 4);
    });
}

/// A Core insert that is one statement is atomic on its own: it sends no BEGIN / COMMIT
/// (three round trips on PostgreSQL where one does). Several statements still share one
/// transaction, so that a failure in the last leaves nothing of the first.
#[test]
fn a_one_statement_insert_sends_no_transaction_control() {
    each_db("c_one_stmt", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        db.log.clear();
        insert::<User>().values(&User::new("ada", 36)).execute(&db.engine).unwrap();
        insert::<User>().values_many(&[User::new("bob", 17), User::new("cy", 52)]).execute(&db.engine).unwrap();
        let keys = insert::<User>().values(&User::new("dee", 20)).returning_keys(&db.engine).unwrap();
        assert_eq!(keys.len(), 1);
        let log = db.log.take();
        assert_eq!(log.len(), 3, "{}: {log:?}", db.name);
        assert!(log.iter().all(|s| s.starts_with("INSERT")), "{}: {log:?}", db.name);

        // Over the batch size: one transaction around the statements.
        let users: Vec<User> = (0..3_000).map(|i| User::new(&format!("u{i}"), i % 90)).collect();
        insert::<User>().values_many(&users).execute(&db.engine).unwrap();
        let log = db.log.take();
        assert!(log.first().is_some_and(|s| s.starts_with("BEGIN")), "{}: {:?}", db.name, log.first());
        assert_eq!(log.last().map(String::as_str), Some("COMMIT"), "{}", db.name);
    });
}
