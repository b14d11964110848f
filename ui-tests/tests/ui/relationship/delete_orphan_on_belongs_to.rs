// `delete_orphan` is about the children of a collection: it goes on HasMany only.
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
    #[orm(foreign_key = User::id)]
    user_id: i64,
    #[relationship(delete_orphan)]
    user: BelongsTo<User>,
}

fn main() {}
