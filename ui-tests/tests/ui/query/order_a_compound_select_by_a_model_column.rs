// A compound select is ordered by its output columns (labels of its first member), not by a model's column.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    age: i32,
}

fn main() {
    let _ = select(User::id).union(select(User::id)).order_by(User::age);
}
