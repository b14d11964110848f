// A joined model's columns become usable after the join, not before it.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    user_id: i64,
    total: f64,
}

fn main() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut session = engine.session();
    let _ = session
        .query::<User>()
        .filter(Order::total.gt(1.0))
        .join::<Order>()
        .on(Order::user_id.eq(User::id));
}
