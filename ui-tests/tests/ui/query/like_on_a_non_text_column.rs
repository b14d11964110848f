// LIKE applies to text columns.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
}

fn main() {
    let _ = User::age.like("4%");
}
