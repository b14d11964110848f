// An unknown `#[orm(...)]` key on a `Polymorphic` enum is an error on the key, listing the expected ones.
use orm::{Model, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle, table = "vehicles")]
enum AnyVehicle {
    #[orm(fallback)]
    Other(Vehicle),
}

fn main() {}
