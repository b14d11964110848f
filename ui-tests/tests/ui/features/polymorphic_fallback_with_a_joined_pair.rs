// The `polymorphic_fallback` variant holds the base model alone, not a joined-table pair.
use orm::{Model, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Model)]
#[orm(table = "boats", inherits = Vehicle, polymorphic_identity = "boat")]
struct Boat {
    #[orm(primary_key, foreign_key = Vehicle::id)]
    id: i64,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    #[orm(polymorphic_fallback)]
    Other(Vehicle, Boat),
}

fn main() {}
