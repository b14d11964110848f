// The happy path of typed queries: filters, ordering, aggregates, tuples, assignments.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    nick: Option<String>,
    age: i32,
}

fn main() -> orm::Result<()> {
    let engine = Engine::connect("sqlite::memory:")?;
    let mut session = engine.session();
    let _ = session
        .query::<User>()
        .filter(User::age.ge(18) & User::name.starts_with("A") | !User::nick.is_null())
        .filter(User::nick.eq("x"))
        .filter(User::name.eq(User::nick))
        .filter((User::age + 1).lt(User::age * 2))
        .order_by(User::name.desc().nulls_last())
        .limit(10);
    let _ = select((User::name, func::count(User::id).label("n"), func::coalesce(User::nick, "none")))
        .group_by(User::name)
        .having(func::count(User::id).gt(1));
    let _ = select(func::count_all()).from::<User>();
    let _ = update::<User>().set(User::nick, "n").set(User::nick, None::<String>).set(User::age, User::age + 1).all_rows();
    let _ = insert::<User>().set(User::name, "a").set(User::age, 3);
    Ok(())
}

#[derive(Model)]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
    total: f64,
}

/// After a join, the joined model's columns are usable in filters, ordering and selections.
#[allow(dead_code)]
fn joins(engine: &Engine) -> orm::Result<()> {
    let mut session = engine.session();
    let _ = session
        .query::<User>()
        .join::<Order>()
        .on(Order::user_id.eq(User::id))
        .filter(Order::total.gt(10.0) & User::age.ge(18))
        .order_by(Order::total.desc())
        .all()?;
    let _: Vec<(String, f64)> =
        select((User::name, Order::total)).outerjoin::<Order>().on(Order::user_id.eq(User::id)).all(engine)?;
    Ok(())
}
