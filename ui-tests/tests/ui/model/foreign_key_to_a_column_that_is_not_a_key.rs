// A foreign key references its target's primary key or a unique column: anything else is
// refused by the database (SQLite: "foreign key mismatch" at the first INSERT).
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    email: String,
}

#[derive(Model)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::email)]
    user_email: String,
}

fn main() {}
