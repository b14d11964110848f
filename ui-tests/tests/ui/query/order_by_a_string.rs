// ORDER BY takes columns and expressions, never SQL text.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = select(User::id).order_by("name; DROP TABLE users");
}
