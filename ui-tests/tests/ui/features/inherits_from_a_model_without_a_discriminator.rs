// A subtype's base must have a discriminator column.
use orm::Model;

#[derive(Model)]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Model)]
#[orm(inherits = Vehicle, polymorphic_identity = "truck")]
struct Truck {
    #[orm(primary_key)]
    id: i64,
    kind: String,
    payload: Option<i64>,
}

fn main() {}
