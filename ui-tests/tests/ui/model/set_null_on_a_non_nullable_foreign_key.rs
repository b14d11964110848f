// ON DELETE SET NULL needs a nullable column; referential actions need a foreign key.
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
    #[orm(foreign_key = User::id, on_delete = set_null)]
    user_id: i64,
    #[orm(on_update = cascade)]
    note: String,
    #[orm(foreign_key = User::id, on_delete = cascad)]
    other_id: i64,
}

fn main() {}
