// The models named in `sql!` are types in scope that derive `Model`.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key)]
    id: i64,
}

fn main() {
    let _ = sql!(Usr => "SELECT id FROM users");
    let _ = sql!(String => "SELECT id FROM users");
}
