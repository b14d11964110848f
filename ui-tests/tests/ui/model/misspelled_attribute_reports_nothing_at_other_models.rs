// A misspelled attribute is one error, on the key: the model's columns still exist for the
// code that names them elsewhere, so nothing more is reported there.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_incremen)]
    id: i64,
    name: String,
}

#[derive(Model)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
}

fn main() {
    let _ = select(User::name).filter(User::id.eq(1));
}
