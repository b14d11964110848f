// Each attribute key may appear once per field.
use orm::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key, primary_key)]
    id: i64,
    #[orm(column = "a")]
    #[orm(column = "b")]
    name: String,
}

fn main() {}
