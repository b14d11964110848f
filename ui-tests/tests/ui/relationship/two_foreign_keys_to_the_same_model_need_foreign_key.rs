// With two foreign keys to the same model, the relationship must say which one it uses.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Transfer {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = User::id)]
    from_id: i64,
    #[orm(foreign_key = User::id)]
    to_id: i64,
    sender: BelongsTo<User>,
}

fn main() {}
