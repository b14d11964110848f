//! Joins with explicit ON conditions: after `.join::<N>().on(...)` the joined model's columns
//! may be selected, filtered and ordered on (and not before: see the ui-tests).

use orm::prelude::*;

use crate::common::{each_db, Db};
use crate::models::{Order, User};

fn seed(db: &Db) {
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
    let keys = insert::<User>()
        .values_many(&[User::new("ada", 36), User::new("bob", 17), User::new("cy", 52)])
        .returning_keys(&db.engine)
        .unwrap();
    let orders: Vec<Order> = [(0, 10.0), (0, 300.0), (1, 5.0), (0, 150.0)]
        .iter()
        .map(|&(u, total)| Order { id: 0, user_id: keys[u], total, note: None })
        .collect();
    insert::<Order>().values_many(&orders).execute(&db.engine).unwrap();
}

#[test]
fn core_inner_join_selects_and_filters_both_models() {
    each_db("j_core", |db| {
        seed(db);
        let rows: Vec<(String, f64)> = select((User::name, Order::total))
            .join::<Order>()
            .on(Order::user_id.eq(User::id))
            .filter(Order::total.gt(7.0))
            .order_by(Order::total.desc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, vec![("ada".into(), 300.0), ("ada".into(), 150.0), ("ada".into(), 10.0)]);
        let per_user: Vec<(String, i64)> = select((User::name, func::count(Order::id)))
            .join::<Order>()
            .on(Order::user_id.eq(User::id))
            .group_by(User::name)
            .order_by(User::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(per_user, vec![("ada".into(), 3), ("bob".into(), 1)]);
    });
}

#[test]
fn core_outer_join_keeps_unmatched_rows() {
    each_db("j_outer", |db| {
        seed(db);
        let rows: Vec<(String, i64)> = select((User::name, func::count(Order::id)))
            .outerjoin::<Order>()
            .on(Order::user_id.eq(User::id))
            .group_by(User::name)
            .order_by(User::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, vec![("ada".into(), 3), ("bob".into(), 1), ("cy".into(), 0)]);
        let totals: Vec<(String, Option<f64>)> = select((User::name, func::max(Order::total)))
            .outerjoin::<Order>()
            .on(Order::user_id.eq(User::id).and(Order::total.gt(100.0)))
            .group_by(User::name)
            .order_by(User::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(totals, vec![("ada".into(), Some(300.0)), ("bob".into(), None), ("cy".into(), None)]);
    });
}

#[test]
fn orm_query_filters_on_a_joined_model_and_returns_each_object_once() {
    each_db("j_orm", |db| {
        seed(db);
        let mut s = db.engine.session();
        let big_spenders = s
            .query::<User>()
            .join::<Order>()
            .on(Order::user_id.eq(User::id))
            .filter(Order::total.gt(7.0))
            .order_by(User::name)
            .all()
            .unwrap();
        // ada matches through three orders, once in the result.
        let names: Vec<String> = big_spenders.iter().map(|u| u.read().name.clone()).collect();
        assert_eq!(names, ["ada"]);
        let ada = s.query::<User>().filter_by(User::name, "ada").one().unwrap();
        assert!(ada.ptr_eq(&big_spenders[0]));
        let without_orders = s
            .query::<User>()
            .outerjoin::<Order>()
            .on(Order::user_id.eq(User::id))
            .filter(Order::id.is_null())
            .all()
            .unwrap();
        assert_eq!(without_orders.len(), 1);
        assert_eq!(without_orders[0].read().name, "cy");
        let n = s.query::<User>().join::<Order>().on(Order::user_id.eq(User::id)).count().unwrap();
        assert_eq!(n, 4, "count counts joined rows, as SQL does");
    });
}

#[test]
fn pairs_of_models_tracked_and_untracked() {
    each_db("j_pairs", |db| {
        seed(db);
        // Core: plain values.
        let rows: Vec<(User, Order)> = select((orm::model::<User>(), orm::model::<Order>()))
            .join::<Order>()
            .on(Order::user_id.eq(User::id))
            .order_by(Order::total)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].0.name.as_str(), rows[0].1.total), ("bob", 5.0));
    });
}
