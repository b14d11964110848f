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
    let _ = select((User::name, count(User::id).label("n"), coalesce(User::nick, "none")))
        .group_by(User::name)
        .having(count(User::id).gt(1));
    let _ = select(count_all()).from::<User>();
    let _ = update::<User>().set(User::nick, "n").set(User::nick, None::<String>).set(User::age, User::age + 1).all_rows();
    let _ = insert::<User>().set(User::name, "a").set(User::age, 3);
    Ok(())
}
