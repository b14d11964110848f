// A bind compared with (or assigned to) a column takes a value of the column's type.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    age: i32,
}

fn main() {
    let min_age = "18";
    let _ = sql!(User => "SELECT name FROM users WHERE users.age > :age", age = min_age);
    let _ = sql!(User => "UPDATE users SET name = :name WHERE id = :id", name = 7, id = 1i32);
}
