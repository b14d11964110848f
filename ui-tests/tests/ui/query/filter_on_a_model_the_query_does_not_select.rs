// A query only filters on the models in its FROM clause.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    total: f64,
}

fn main() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut session = engine.session();
    let _ = session.query::<User>().filter(Order::total.gt(100.0));
    let _ = select(User::id).order_by(Order::total.desc());
}
