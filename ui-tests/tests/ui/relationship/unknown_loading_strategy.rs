// `lazy` takes one of the loading strategies.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = User::id)]
    boss_id: Option<i64>,
    #[relationship(lazy = selectn, foreign_key = User::boss_id)]
    reports: HasMany<User>,
}

fn main() {}
