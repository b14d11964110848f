// UPDATE ... SET needs a value of the column's type.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
}

fn main() {
    let _ = update::<User>().set(User::age, "old");
}
