// The children of a one-to-many relationship need a foreign key to the parent.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    notes: HasMany<Note>,
}

#[derive(Model)]
struct Note {
    #[orm(primary_key)]
    id: i64,
    user_id: i64,
}

fn main() {}
