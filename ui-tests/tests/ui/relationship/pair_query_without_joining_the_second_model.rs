// A query for pairs of models joins the second one before it runs.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    orders: HasMany<Order>,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
}

fn main() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut session = engine.session();
    let _ = session.query::<(User, Order)>().all();
}
