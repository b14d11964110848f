// `in_` takes a subquery selecting one column of the left side's type.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    note: String,
}

fn main() {
    let _ = select(User::name).filter(User::id.in_(select(Order::note)));
}
