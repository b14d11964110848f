// Tables named by SQL keywords, written quoted, are checked like any other.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "user")]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

#[derive(Model)]
#[orm(table = "order")]
struct Order {
    #[orm(primary_key)]
    id: i64,
    user_id: i64,
}

fn main() {
    let _ = sql!(User, Order => "SELECT \"user\".name FROM \"user\" JOIN \"order\" o ON o.user_id = \"user\".id");
}
