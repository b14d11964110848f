// `#[relationship]` goes on HasMany / BelongsTo fields; relationship fields take no `#[orm]`.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    #[relationship]
    name: String,
    #[orm(index)]
    friends: HasMany<User>,
    #[relationship(foreign_key = User::id, lazy = "joined")]
    boss: BelongsTo<User>,
}

fn main() {}
