// A loader option loads a relationship: a column is none.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    orders: HasMany<Order>,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
    user: BelongsTo<User>,
}

fn main() -> orm::Result<()> {
    let engine = Engine::connect("sqlite::memory:")?;
    let mut session = engine.session();
    let _ = session.query::<User>().options(User::name).all()?;
    Ok(())
}
