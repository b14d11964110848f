// Deleting a child never deletes its parent: `cascade_delete` goes on HasMany only.
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
    #[relationship(cascade_delete)]
    user: BelongsTo<User>,
}

fn main() {}
