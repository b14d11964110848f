// A polymorphic enum holds plain values (Core) or tracked objects (Session), not both.
use orm::{Model, Obj, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind)]
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
    Truck(Truck),
    Other(Obj<Vehicle>),
}

fn main() {}
