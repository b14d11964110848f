// back_populates must name the other side of the same relationship.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    #[relationship(back_populates = shop)]
    orders: HasMany<Order>,
}

#[derive(Model)]
struct Shop {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
    #[orm(foreign_key = Shop::id)]
    shop_id: i64,
    user: BelongsTo<User>,
    shop: BelongsTo<Shop>,
}

fn main() {}
