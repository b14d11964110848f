// The selects of a UNION return the same column types, in the same order.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = select((User::id, User::name)).union(select((User::name, User::id)));
}
