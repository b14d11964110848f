//! Joins and subqueries: IN (subquery), scalar and correlated subqueries, EXISTS, a grouped
//! subquery used as a table, a recursive CTE over an org chart, CASE, and an upsert.
//!
//! Run with `cargo run --example subqueries` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL). Every statement is printed as it runs.

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[orm(table = "sq_users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique)]
    email: String,
    name: String,
}

#[derive(Model, Debug, Clone)]
#[orm(table = "sq_orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
    total: f64,
}

/// An org chart: each member's manager is another member.
#[derive(Model, Debug, Clone)]
#[orm(table = "sq_staff")]
struct Member {
    #[orm(primary_key)]
    id: i32,
    name: String,
    #[orm(foreign_key = Member::id)]
    manager_id: Option<i32>,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    engine.drop_all(&[Order::table(), User::table(), Member::table()])?;
    engine.create_all(&[User::table(), Order::table(), Member::table()])?;
    let user = |name: &str| User { id: 0, email: format!("{name}@example.org"), name: name.into() };
    insert::<User>().values_many(&[user("ada"), user("bob"), user("cy")]).execute(&engine)?;
    let orders = [(1, 10.0), (1, 30.0), (2, 120.0), (2, 7.5)];
    let orders: Vec<Order> = orders.iter().map(|&(user_id, total)| Order { id: 0, user_id, total }).collect();
    insert::<Order>().values_many(&orders).execute(&engine)?;

    println!("-- IN (subquery): users with an order over 100");
    let big_spenders = select(Order::user_id).filter(Order::total.gt(100.0));
    let names: Vec<String> = select(User::name).filter(User::id.in_(big_spenders)).all(&engine)?;
    assert_eq!(names, ["bob"]);

    println!("-- a correlated scalar subquery in the select list: each user's largest order");
    let largest =
        select(func::max(Order::total)).correlate::<User>().filter(Order::user_id.eq(User::id)).scalar_subquery();
    let rows: Vec<(String, Option<f64>)> = select((User::name, largest)).order_by(User::name).all(&engine)?;
    println!("{rows:?}");
    assert_eq!(rows[2], ("cy".to_string(), None));

    println!("-- NOT EXISTS: users without orders");
    let their_orders = select(Order::id).correlate::<User>().filter(Order::user_id.eq(User::id));
    let idle: Vec<String> = select(User::name).filter(not_exists(their_orders)).all(&engine)?;
    assert_eq!(idle, ["cy"]);

    println!("-- a grouped subquery joined as a table: total spent per user");
    let totals =
        select((Order::user_id, func::sum(Order::total).label("spent"))).group_by(Order::user_id).subquery::<1>();
    let spent: Vec<(String, Option<f64>)> = select((User::name, totals.col::<1>()))
        .join_subquery(&totals)
        .on(totals.col::<0>().eq(User::id))
        .order_by(totals.col::<1>().desc())
        .all(&engine)?;
    println!("{spent:?}");
    assert_eq!(spent[0], ("bob".to_string(), Some(127.5)));

    println!("-- CASE: a label per order");
    let size = case().when(Order::total.ge(100.0), "large").when(Order::total.ge(10.0), "medium").otherwise("small");
    let sizes: Vec<(i64, String)> = select((Order::id, size)).order_by(Order::id).all(&engine)?;
    assert_eq!(sizes.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["medium", "medium", "large", "small"]);

    println!("-- a recursive CTE: everyone under Ann, with their depth");
    let chart = [(1, "Ann", None), (2, "Ben", Some(1)), (3, "Cat", Some(1)), (4, "Dan", Some(2))];
    let chart: Vec<Member> =
        chart.iter().map(|&(id, name, manager_id)| Member { id, name: name.into(), manager_id }).collect();
    insert::<Member>().values_many(&chart).execute(&engine)?;
    let tree = select((Member::id, Member::name, orm::expr::value(0i32).label("depth")))
        .filter(Member::id.eq(1))
        .cte::<1>("tree")
        .recursive_union_all(|tree| {
            select((Member::id, Member::name, tree.col::<2>() + 1))
                .join_subquery(tree)
                .on(Member::manager_id.eq(tree.col::<0>()))
        });
    let rows: Vec<(String, i32)> = select((tree.col::<1>(), tree.col::<2>()))
        .select_from(&tree)
        .order_by(tree.col::<2>())
        .order_by(tree.col::<1>())
        .all(&engine)?;
    println!("{rows:?}");
    assert_eq!(rows.last(), Some(&("Dan".to_string(), 2)));

    println!("-- upsert: insert, or update the row whose email is taken");
    let renamed: Vec<(i64, String)> = insert::<User>()
        .values(&User { id: 0, email: "ada@example.org".into(), name: "Ada L.".into() })
        .on_conflict(User::email)
        .do_update(|set| set.set(User::name, excluded(User::name)))
        .returning((User::id, User::name))
        .all(&engine)?;
    assert_eq!(renamed, [(1, "Ada L.".to_string())]);
    let n: i64 = select(func::count_all()).from::<User>().one(&engine)?;
    assert_eq!(n, 3, "no new row");
    Ok(())
}
