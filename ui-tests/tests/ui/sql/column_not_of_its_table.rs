// A column the SQL names (qualified, or unqualified where its table is plain) is a column of that table's model.
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
    let _ = sql!(User => "SELECT u.nmae FROM users u WHERE agee > 18");
}
