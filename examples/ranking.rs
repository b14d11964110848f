//! Unions and window functions: ranking each user's orders, a running total, the best order of
//! each user kept by an outer query, UNION / EXCEPT, and report rows mapped onto a struct.
//!
//! Run with `cargo run --example ranking` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL). Every statement is printed as it runs.

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[orm(table = "rk_users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    city: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[orm(table = "rk_orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
    total: f64,
    day: i32,
}

/// A report row: fields found by the labels of the select.
#[derive(FromRow, Debug, PartialEq)]
struct Spending {
    name: String,
    orders: i64,
    spent: Option<f64>,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    engine.drop_all(&[Order::table(), User::table()])?;
    engine.create_all(&[User::table(), Order::table()])?;
    let user = |name: &str, city: Option<&str>| User { id: 0, name: name.into(), city: city.map(Into::into) };
    insert::<User>()
        .values_many(&[user("ada", Some("Paris")), user("bob", None), user("cy", Some("Oslo"))])
        .execute(&engine)?;
    let orders = [(1, 10.0, 1), (1, 30.0, 2), (1, 5.0, 3), (2, 7.5, 1), (2, 120.0, 4), (3, 50.0, 2)];
    let orders: Vec<Order> = orders.iter().map(|&(user_id, total, day)| Order { id: 0, user_id, total, day }).collect();
    insert::<Order>().values_many(&orders).execute(&engine)?;

    println!("-- RANK() of each order within its user, largest first");
    let per_user = || window().partition_by(Order::user_id).order_by(Order::total.desc());
    let ranked: Vec<(i64, f64, i64)> = select((Order::user_id, Order::total, func::rank().over(per_user())))
        .order_by(Order::user_id)
        .order_by(Order::total.desc())
        .all(&engine)?;
    println!("{ranked:?}");
    assert_eq!(ranked[0], (1, 30.0, 1));

    println!("-- a running total per user, by day (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)");
    let by_day = window()
        .partition_by(Order::user_id)
        .order_by(Order::day)
        .rows_between(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
    let running: Vec<(i64, i32, Option<f64>)> =
        select((Order::user_id, Order::day, func::sum(Order::total).over(by_day)))
            .order_by(Order::user_id)
            .order_by(Order::day)
            .all(&engine)?;
    assert_eq!(running[2], (1, 3, Some(45.0)));

    println!("-- the best order of each user: rank in a subquery, keep rank 1 outside");
    let ranked = select((Order::user_id, Order::total, func::rank().over(per_user()).label("rnk"))).subquery::<1>();
    let best: Vec<(i64, f64)> = select((ranked.col::<0>(), ranked.col::<1>()))
        .select_from(&ranked)
        .filter(ranked.col::<2>().eq(1))
        .order_by(ranked.col::<0>())
        .all(&engine)?;
    assert_eq!(best, [(1, 30.0), (2, 120.0), (3, 50.0)]);

    println!("-- UNION and EXCEPT: users who ordered on day 1 or live in Oslo, but not bob");
    let day_one = select(Order::user_id.label("user_id")).filter(Order::day.eq(1));
    let oslo = select(User::id).filter(User::city.eq("Oslo"));
    let bob = select(User::id).filter(User::name.eq("bob"));
    let ids: Vec<i64> = day_one.union(oslo).except(bob).order_by(Order::user_id.label("user_id").asc()).all(&engine)?;
    assert_eq!(ids, [1, 3]);

    println!("-- report rows into a struct, by label");
    let report = select((
        User::name.label("name"),
        func::count(Order::id).label("orders"),
        func::sum(Order::total).label("spent"),
    ))
    .outerjoin::<Order>()
    .on(Order::user_id.eq(User::id))
    .group_by(User::name)
    .order_by(User::name)
    .into::<Spending>()
    .all(&engine)?;
    println!("{report:?}");
    assert_eq!(report[1], Spending { name: "bob".into(), orders: 2, spent: Some(127.5) });
    Ok(())
}
