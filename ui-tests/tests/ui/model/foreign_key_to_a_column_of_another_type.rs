// A foreign key's type must match the key it references.
use orm::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
}

#[derive(Model)]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i32,
}

fn main() {}
