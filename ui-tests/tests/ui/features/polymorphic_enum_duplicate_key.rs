// Each key of a `Polymorphic` enum may appear once: a duplicate is an error on the second one.
use orm::{Model, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    #[orm(polymorphic_fallback, polymorphic_fallback)]
    Other(Vehicle),
}

fn main() {}
