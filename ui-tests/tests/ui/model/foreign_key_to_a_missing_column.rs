// A foreign key names an existing column of a model.
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
    #[orm(foreign_key = User::uid)]
    user_id: i64,
}

fn main() {}
