// The `polymorphic_fallback` variant reads unknown identities as the base: it holds the base model.
use orm::{Model, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
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
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    Vehicle(Vehicle),
    #[orm(polymorphic_fallback)]
    Other(Truck),
}

fn main() {}
