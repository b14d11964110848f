// Two fields cannot map to the same column.
use orm::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    #[orm(column = "name")]
    display_name: String,
}

fn main() {}
