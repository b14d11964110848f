// Every table the SQL reads or writes is the table of a model named in `sql!`.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

#[derive(Model)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key)]
    id: i64,
    user_id: i64,
}

fn main() {
    let _ = sql!(User, Order => "SELECT userz.name FROM userz JOIN orders ON orders.user_id = userz.id");
}
