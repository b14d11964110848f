// `name = ...` in `index(...)` takes the SQL name as a string literal.
use orm::Model;

#[derive(Model)]
#[orm(index(name = ix_custom, status))]
struct Order {
    #[orm(primary_key)]
    id: i64,
    status: String,
}

fn main() {}
