// A relationship field holds objects of a model.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    tags: HasMany<String>,
}

fn main() {}
