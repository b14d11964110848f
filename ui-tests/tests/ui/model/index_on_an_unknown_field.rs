// Composite indexes and constraints name fields of the struct.
use orm::Model;

#[derive(Model)]
#[orm(unique(first, lastname), index(age))]
struct Person {
    #[orm(primary_key)]
    id: i64,
    first: String,
    last: String,
}

fn main() {}
