// A boolean column is a predicate; a column of any other type is not.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = select(User::id).filter(User::name);
}
