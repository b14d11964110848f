// back_populates names a relationship on the other model.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    #[relationship(back_populates = owner)]
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

fn main() {}
