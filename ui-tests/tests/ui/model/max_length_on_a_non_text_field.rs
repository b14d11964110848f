// max_length gives VARCHAR(n): it applies to text fields only.
use orm::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    #[orm(max_length = 10)]
    age: i32,
}

fn main() {}
