// Each `:bind` of the SQL is given a value, and each value given is a bind of the SQL.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
}

fn main() {
    let _ = sql!(User => "SELECT id FROM users WHERE age > :age AND id <> :id", agee = 3, id = 1i64);
    let _ = sql!(User => "SELECT id FROM users WHERE id = 'unterminated");
}
