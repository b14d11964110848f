// A field's `default = expr` has the field's type: a string for an `i32` is refused.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(default = "18")]
    age: i32,
}

fn main() {}
