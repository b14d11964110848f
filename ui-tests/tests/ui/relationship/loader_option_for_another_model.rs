// Loader options are typed: a relationship of another model does not compile.
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
    user: BelongsTo<User>,
}

fn main() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut session = engine.session();
    let _ = session.query::<User>().options(selectinload(Order::user));
}
