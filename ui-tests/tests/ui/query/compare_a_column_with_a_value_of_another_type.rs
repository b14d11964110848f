// Comparisons need operands of the column's type.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
    name: String,
}

fn main() {
    let _ = User::age.eq("thirty");
    let _ = User::name.eq(User::age);
}
